#!/usr/bin/env bash
# Gateway overhead benchmark: an authenticated GET /api/user/profile measured, in one run on one
# machine, (1) through the gateway, (2) straight against user-service, (3) through nginx as a plain
# reverse proxy in front of user-service. wrk at 64 connections; prints requests/s, p50 and p99
# for each, and the ratios the platform's targets are stated in.
#
#   deploy/bench/gateway-bench.sh [--duration 30s] [--connections 64] [--threads 2] [--baseline <git ref>]
#
# --baseline builds user-service and gateway-service as they were at <git ref> (in a temporary
# git worktree under var/bench) and measures that pair too, in the same run: how much a change
# to the edge costs, on the same machine at the same time.
#
# Installs wrk and nginx from the OS packages if missing, uses (or starts) PostgreSQL and Redis
# through ./lingxi infra, runs its own service instances on ports 1808x in a database of its own
# (lingxi_bench), and stops everything it started on exit. Results: var/bench/results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/var/bench"
DURATION=30s
CONNECTIONS=64
THREADS=2
BASELINE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

export CONNECTIONS
USER_PORT=18081 USER_MGMT=18091 GATEWAY_PORT=18080 GATEWAY_MGMT=18090 NGINX_PORT=18088
BASE_USER_PORT=18181 BASE_USER_MGMT=18191 BASE_GATEWAY_PORT=18180 BASE_GATEWAY_MGMT=18190
export LINGXI_DB_NAME=lingxi_bench
say() { printf '\033[1;36mbench\033[0m %s\n' "$*"; }

need() {
  local bin=$1 package=$2
  command -v "$bin" >/dev/null && return 0
  say "installing $package"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q "$package" >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get install -y -q "$package" >/dev/null; }
  else sudo apt-get install -y -q "$package" >/dev/null; fi
}
need wrk wrk
need nginx nginx
need curl curl

"$ROOT/lingxi" infra
for db in lingxi_bench lingxi_bench_base; do
  psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d postgres -qc "CREATE DATABASE $db" >/dev/null
done
for module in user-service gateway-service; do
  [ -f "$ROOT/$module/target/$module.jar" ] || (cd "$ROOT" && ./mvnw -B -q -ntp -DskipTests package)
done

rm -rf "$OUT" && mkdir -p "$OUT/nginx/logs"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$OUT/nginx/nginx.pid" ] && kill "$(cat "$OUT/nginx/nginx.pid")" 2>/dev/null || true
  [ -z "$BASELINE" ] || git -C "$ROOT" worktree remove --force "$OUT/baseline-src" 2>/dev/null || true
}
trap cleanup EXIT

# The platform's keys for this run (deploy/lib/trust.sh), and each service's share of them.
. "$ROOT/deploy/lib/trust.sh"
trust_init "$OUT/trust"
mapfile -t USER_TRUST < <(trust_service_env "$OUT/trust" user-service)
mapfile -t GATEWAY_TRUST < <(trust_service_env "$OUT/trust" gateway-service)

JAVA=(java -Xms256m -Xmx512m -XX:+UseSerialGC)
# BENCH_PROFILE=1 records a JFR profile of each service (var/bench/<service>.jfr).
profile() { [ "${BENCH_PROFILE:-0}" = 1 ] && echo "-XX:StartFlightRecording=filename=$OUT/$1.jfr,settings=profile,dumponexit=true" || true; }
start_pair() { # label jar-dir database user-port user-mgmt gateway-port gateway-mgmt
  local label=$1 jars=$2 db=$3 up=$4 um=$5 gp=$6 gm=$7
  local common=(--lingxi.database.name="$db" --lingxi.redis.namespace="bench-$label"
    "--spring.cloud.discovery.client.simple.instances.user-service[0].uri=http://127.0.0.1:$up")
  say "starting $label user-service (:$up) and gateway-service (:$gp)"
  env "${USER_TRUST[@]}" LINGXI_DEVELOPMENT=true "${JAVA[@]}" $(profile "$label-user-service") \
    -jar "$jars/user-service/target/user-service.jar" "${common[@]}" --server.port="$up" --management.server.port="$um" \
    --lingxi.crypto.keys.bench="$(head -c 32 /dev/urandom | base64)" --lingxi.crypto.active-key=bench \
    --lingxi.sms.code-pepper=bench-pepper-0123456789 >"$OUT/$label-user-service.log" 2>&1 &
  PIDS+=($!)
  env "${GATEWAY_TRUST[@]}" LINGXI_DEVELOPMENT=true "${JAVA[@]}" $(profile "$label-gateway-service") \
    -jar "$jars/gateway-service/target/gateway-service.jar" "${common[@]}" --server.port="$gp" \
    --management.server.port="$gm" \
    --lingxi.gateway.rate-limit.plans.free.requests-per-second=1000000 \
    --lingxi.gateway.rate-limit.plans.free.burst=1000000 >"$OUT/$label-gateway-service.log" 2>&1 &
  PIDS+=($!)
}
start_pair current "$ROOT" lingxi_bench $USER_PORT $USER_MGMT $GATEWAY_PORT $GATEWAY_MGMT
if [ -n "$BASELINE" ]; then
  say "building the baseline ($BASELINE) in var/bench/baseline-src"
  git -C "$ROOT" worktree add --detach "$OUT/baseline-src" "$BASELINE" >/dev/null
  (cd "$OUT/baseline-src" && ./mvnw -B -q -ntp -DskipTests package -pl user-service,gateway-service -am)
  start_pair baseline "$OUT/baseline-src" lingxi_bench_base $BASE_USER_PORT $BASE_USER_MGMT $BASE_GATEWAY_PORT $BASE_GATEWAY_MGMT
fi

cat > "$OUT/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream users { server 127.0.0.1:$USER_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://users;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
EOF
nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf"

HEALTH=("http://127.0.0.1:$USER_MGMT/actuator/health" "http://127.0.0.1:$GATEWAY_MGMT/actuator/health")
# The baseline may predate management ports of its own: either answers.
[ -z "$BASELINE" ] || HEALTH+=("http://127.0.0.1:$BASE_GATEWAY_MGMT/actuator/health")
for url in "${HEALTH[@]}"; do
  for _ in $(seq 180); do curl -fs "$url" 2>/dev/null | grep -q UP && break; sleep 1; done
  curl -fs "$url" | grep -q UP || { echo "not healthy: $url" >&2; tail -30 "$OUT"/*.log >&2; exit 1; }
done

sign_up() { # gateway-url -> "token user-id"
  local g=$1 phone code session token user
  phone="139$(printf "%08d" $(( (RANDOM * 32768 + RANDOM) % 100000000 )))"
  for _ in $(seq 60); do
    curl -fs -X POST "$g/api/auth/sms-code" -H 'Content-Type: application/json' -d "{\"phone\":\"$phone\"}" >/dev/null && break
    sleep 1
  done
  code=$(curl -fs "$g/api/dev/sms/$phone" | grep -o '"code":"[0-9]*"' | head -1 | grep -o '[0-9]\{6\}')
  session=$(curl -fs -X POST "$g/api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"phone\":\"$phone\",\"code\":\"$code\",\"password\":\"bench-pass-1\"}")
  token=$(echo "$session" | grep -o '"accessToken":"[^"]*"' | cut -d'"' -f4)
  user=$(echo "$session" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
  [ -n "$token" ] && [ -n "$user" ] || { echo "sign-up through $g failed: $session" >&2; exit 1; }
  curl -fs "$g/api/user/profile" -H "Authorization: Bearer $token" >/dev/null
  echo "$token $user"
}
say "signing up a user through the gateway"
G="http://127.0.0.1:$GATEWAY_PORT"
read -r TOKEN USER_ID <<<"$(sign_up "$G")"
# Straight to user-service, a request needs what the gateway would add: an edge assertion
# (made here with the run's keys, valid for the longest time a service accepts: 15 min).
ASSERTION=$(trust_edge_assertion "$OUT/trust" user-service "$USER_ID" free 900)
if [ -n "$BASELINE" ]; then
  say "signing up a user through the baseline gateway"
  read -r BASE_TOKEN BASE_USER_ID <<<"$(sign_up "http://127.0.0.1:$BASE_GATEWAY_PORT")"
fi

run() { # name url header
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$3" "$2" > "$OUT/$1.txt"
}
to_ms() { # wrk latency (e.g. 812.00us, 3.41ms, 1.02s) -> milliseconds
  awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'
}
result() { # name -> "rps p50 p99"
  local f="$OUT/$1.txt"
  echo "$(awk '/Requests\/sec/ {print $2}' "$f") $(to_ms "$(awk '$1=="50%" {print $2}' "$f")") $(to_ms "$(awk '$1=="99%" {print $2}' "$f")")"
}

TARGETS=("gateway|$G/api/user/profile|Authorization: Bearer $TOKEN")
# The baseline right after the gateway it is compared with, so that neither has the later slot.
[ -z "$BASELINE" ] || TARGETS+=("baseline|http://127.0.0.1:$BASE_GATEWAY_PORT/api/user/profile|Authorization: Bearer $BASE_TOKEN")
TARGETS+=(
  "direct|http://127.0.0.1:$USER_PORT/api/user/profile|X-Lingxi-Edge: $ASSERTION"
  "nginx|http://127.0.0.1:$NGINX_PORT/api/user/profile|X-Lingxi-Edge: $ASSERTION"
)
say "warming up (20 s each: the JIT compiler needs it)"
for target in "${TARGETS[@]}"; do
  IFS='|' read -r name url header <<<"$target"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d20s -H "$header" "$url" >/dev/null
done
for target in "${TARGETS[@]}"; do
  IFS='|' read -r name url header <<<"$target"
  say "measuring $name ($DURATION, $CONNECTIONS connections)"
  run "$name" "$url" "$header"
  grep -qE 'Non-2xx|Socket errors' "$OUT/$name.txt" && { echo "errors during $name:" >&2; cat "$OUT/$name.txt" >&2; }
done

# One connection: the latency the gateway adds to a request when nothing queues for the CPU.
for target in "${TARGETS[@]}"; do
  case "$target" in gateway\|*|direct\|*) ;; *) continue ;; esac
  IFS='|' read -r name url header <<<"$target"
  say "measuring $name with one connection (10 s)"
  wrk -t1 -c1 -d10s --latency -H "$header" "$url" > "$OUT/$name-1.txt"
done

read -r g_rps g_p50 g_p99 <<<"$(result gateway)"
read -r d_rps d_p50 d_p99 <<<"$(result direct)"
read -r n_rps n_p50 n_p99 <<<"$(result nginx)"
read -r g1_rps g1_p50 g1_p99 <<<"$(result gateway-1)"
read -r d1_rps d1_p50 d1_p99 <<<"$(result direct-1)"
b_rps=""
[ -z "$BASELINE" ] || read -r b_rps b_p50 b_p99 <<<"$(result baseline)"
{
  echo "| path | requests/s | p50 ms | p99 ms |"
  echo "|---|---:|---:|---:|"
  echo "| gateway → user-service | $g_rps | $g_p50 | $g_p99 |"
  echo "| user-service directly | $d_rps | $d_p50 | $d_p99 |"
  echo "| nginx → user-service | $n_rps | $n_p50 | $n_p99 |"
  echo "| gateway → user-service, 1 connection | $g1_rps | $g1_p50 | $g1_p99 |"
  echo "| user-service directly, 1 connection | $d1_rps | $d1_p50 | $d1_p99 |"
  [ -z "$BASELINE" ] || echo "| baseline ($BASELINE) gateway → user-service | $b_rps | $b_p50 | $b_p99 |"
  echo
  awk -v g="$g_rps" -v n="$n_rps" -v d="$d_rps" -v gp="$g_p50" -v dp="$d_p50" -v g1="$g1_p50" -v d1="$d1_p50" 'BEGIN {
    printf "- gateway p50 added over direct at %s connections: %.2f ms (target <= 2 ms)\n", ENVIRON["CONNECTIONS"], gp - dp
    printf "- gateway p50 added over direct at 1 connection: %.2f ms\n", g1 - d1
    printf "- gateway requests/s vs nginx: %.0f %% (target >= 50 %%)\n", 100 * g / n
    printf "- gateway requests/s vs direct: %.0f %%\n", 100 * g / d
  }'
  [ -z "$BASELINE" ] || awk -v g="$g_rps" -v b="$b_rps" -v ref="$BASELINE" 'BEGIN {
    printf "- gateway requests/s vs the baseline (%s): %.1f %% (target >= 90 %%)\n", ref, 100 * g / b
  }'
  echo
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores, $(date -u +%Y-%m-%d)"
} | tee "$OUT/results.md"
