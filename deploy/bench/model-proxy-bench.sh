#!/usr/bin/env bash
# Model proxy benchmark: a streamed chat completion (OpenClaw-sized request: 45,000-character
# system prompt, 20 tools) measured, in one run on one machine, straight against a fake
# OpenAI-compatible provider and through billing-service's /v1 proxy (key check, plan, Redis
# quota reservation, relay, usage journal + PostgreSQL), at 1 and at 64 concurrent streams;
# then proxy throughput in requests/s with a provider that answers at once; optionally a heap soak.
#
#   deploy/bench/model-proxy-bench.sh [--soak-minutes 10] [--seconds 30]
#
# The fake provider streams 25 content chunks 20 ms apart after a 20 ms first byte (profile
# "stream"), or everything at once (profile "fast", throughput). The 64 streams run twice: all
# started at once, so that every ~600 ms the proxy gets a burst of 64 requests (the worst case),
# and with their starts spread over one answer's time, as 64 independent instances call it. Uses (or starts) PostgreSQL and
# Redis through ./lingxi infra, runs its own billing-service on port 18484 (its model proxy
# listener on 18486) in a database of its own (lingxi_bench_billing), and stops everything it
# started on exit.
# Results: var/bench/model-proxy/results.md (and results.jsonl, heap.csv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/var/bench/model-proxy"
SOAK_MINUTES=0
SECONDS_PER_RUN=30
while [ $# -gt 0 ]; do
  case "$1" in
    --soak-minutes) SOAK_MINUTES=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

PROXY_PORT=18484 MODEL_PROXY_PORT=18486 UPSTREAM_PORT=18499
DB=lingxi_bench_billing
say() { printf '\033[1;36mbench\033[0m %s\n' "$*"; }

"$ROOT/lingxi" infra
psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d postgres -qc "CREATE DATABASE $DB" >/dev/null

rm -rf "$OUT" && mkdir -p "$OUT"
say "building billing-service and the benchmark tools"
# billing-service alone when common-lib is already in the local repository (other modules may be
# mid-edit); with -am otherwise.
(cd "$ROOT" && { ./mvnw -B -q -ntp -pl billing-service install -DskipTests 2>/dev/null \
    || ./mvnw -B -q -ntp -pl billing-service -am install -DskipTests; } \
  && ./mvnw -B -q -ntp -pl billing-service test-compile dependency:build-classpath \
       -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=test)
CP="$ROOT/billing-service/target/test-classes:$ROOT/billing-service/target/classes:$(cat "$OUT/classpath.txt")"
TOOL=(java -Xms256m -Xmx512m -XX:+UseSerialGC -cp "$CP" com.lingxi.billing.bench.ModelProxyBench)

# The run's own platform keys (deploy/lib/trust.sh): billing-service checks the service tokens
# of the calls that issue and bind the key and set the plan, as it does for instance-service.
. "$ROOT/deploy/lib/trust.sh"
trust_init "$OUT/trust"
mapfile -t BILLING_TRUST < <(trust_service_env "$OUT/trust" billing-service)
MGMT_PORT=18494
as_service() { echo "X-Lingxi-Service: $(trust_service_token "$OUT/trust" "$1" billing-service)"; }

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

say "starting the fake provider (:$UPSTREAM_PORT)"
"${TOOL[@]}" upstream --port $UPSTREAM_PORT >"$OUT/upstream.log" 2>&1 &
PIDS+=($!)

say "starting billing-service (:$PROXY_PORT, model proxy :$MODEL_PROXY_PORT) with the fake provider as its only upstream"
# The same JVM settings ./lingxi uses. One environment variable pair points the proxy at a provider.
env "${BILLING_TRUST[@]}" LINGXI_UPSTREAM_BASE_URL="http://127.0.0.1:$UPSTREAM_PORT/v1" LINGXI_UPSTREAM_API_KEY=bench \
java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
  -jar "$ROOT/billing-service/target/billing-service.jar" --server.port=$PROXY_PORT --management.server.port=$MGMT_PORT \
  --lingxi.billing.proxy.listener.port=$MODEL_PROXY_PORT \
  --lingxi.database.name=$DB --lingxi.redis.namespace=bench-billing \
  --lingxi.billing.usage.journal-dir="$OUT/journal" \
  --lingxi.billing.plans.enterprise.requests-per-minute=100000000 \
  --lingxi.billing.plans.enterprise.tokens-per-minute=1000000000000 \
  --lingxi.billing.plans.enterprise.monthly-tokens=1000000000000000 \
  --lingxi.billing.plans.enterprise.concurrent-calls=1000 >"$OUT/billing-service.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)
for _ in $(seq 120); do
  curl -fs "http://127.0.0.1:$MGMT_PORT/actuator/health" 2>/dev/null | grep -q '"UP"' && break
  kill -0 $PROXY_PID 2>/dev/null || { tail -n 30 "$OUT/billing-service.log"; exit 1; }
  sleep 1
done

B="http://127.0.0.1:$PROXY_PORT"
USER_ID=$(python3 -c 'import uuid; print(uuid.uuid4())')
INSTANCE_ID=$(python3 -c 'import uuid; print(uuid.uuid4())')
ISSUED=$(curl -fs -X POST "$B/internal/keys" -H "$(as_service instance-service)" -H 'Content-Type: application/json' -d "{\"instanceId\":\"$INSTANCE_ID\"}")
KEY_ID=$(echo "$ISSUED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["keyId"])')
KEY=$(echo "$ISSUED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
curl -fs -X POST "$B/internal/keys/$KEY_ID/bind" -H "$(as_service instance-service)" -H 'Content-Type: application/json' -d "{\"userId\":\"$USER_ID\"}" >/dev/null
curl -fs -X POST "$B/internal/users/$USER_ID/plan" -H "$(as_service lingxi-operator)" -H 'Content-Type: application/json' -d '{"plan":"enterprise"}' >/dev/null

# The model proxy has a listener of its own; /internal stays on the main port.
PROXY_URL="http://127.0.0.1:$MODEL_PROXY_PORT/v1/chat/completions"
DIRECT_URL="http://127.0.0.1:$UPSTREAM_PORT/v1/chat/completions"
run() { # label, then load options
  local label=$1; shift
  local line
  line=$("${TOOL[@]}" load --key "$KEY" "$@")
  echo "{\"run\":\"$label\",\"result\":$line}" | tee -a "$OUT/results.jsonl"
}

say "warming up both paths (JIT: some thousand calls each)"
"${TOOL[@]}" load --url "$PROXY_URL" --key "$KEY" --concurrency 16 --seconds 40 --profile fast >/dev/null
"${TOOL[@]}" load --url "$DIRECT_URL" --concurrency 16 --seconds 15 --profile fast >/dev/null
: > "$OUT/results.jsonl"

say "1 stream at a time"
run direct-c1 --url "$DIRECT_URL" --concurrency 1 --requests 60
run proxy-c1 --url "$PROXY_URL" --concurrency 1 --requests 60
say "64 concurrent streams, started together (answers take the same time, so they stay in step)"
run direct-c64 --url "$DIRECT_URL" --concurrency 64 --seconds "$SECONDS_PER_RUN"
run proxy-c64 --url "$PROXY_URL" --concurrency 64 --seconds "$SECONDS_PER_RUN"
say "64 concurrent streams, out of step (starts spread over one answer's time, like independent instances)"
run direct-c64-spread --url "$DIRECT_URL" --concurrency 64 --seconds "$SECONDS_PER_RUN" --spread-ms 600
run proxy-c64-spread --url "$PROXY_URL" --concurrency 64 --seconds "$SECONDS_PER_RUN" --spread-ms 600
say "throughput (provider answers at once)"
run direct-fast-c64 --url "$DIRECT_URL" --concurrency 64 --seconds 20 --profile fast
run proxy-fast-c64 --url "$PROXY_URL" --concurrency 64 --seconds 20 --profile fast

heap_used_mb() { # live heap after a full collection
  jcmd "$PROXY_PID" GC.run >/dev/null
  jstat -gc "$PROXY_PID" | awk 'NR==2 {printf "%.1f", ($3+$4+$6+$8)/1024}'
}
if [ "$SOAK_MINUTES" -gt 0 ]; then
  say "heap soak: 16 streams for $SOAK_MINUTES min, live heap sampled every 30 s"
  echo "seconds,live_heap_mb" > "$OUT/heap.csv"
  echo "0,$(heap_used_mb)" >> "$OUT/heap.csv"
  "${TOOL[@]}" load --url "$PROXY_URL" --key "$KEY" --concurrency 16 --seconds $((SOAK_MINUTES * 60)) > "$OUT/soak.json" &
  LOAD_PID=$!
  PIDS+=($LOAD_PID)
  for i in $(seq 1 $((SOAK_MINUTES * 2))); do
    sleep 30
    echo "$((i * 30)),$(heap_used_mb)" >> "$OUT/heap.csv"
  done
  wait $LOAD_PID || true
  echo "{\"run\":\"soak-c16\",\"result\":$(cat "$OUT/soak.json")}" >> "$OUT/results.jsonl"
fi

ROWS=$(psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d $DB -tAc "SELECT count(*) FROM billing_svc.usage_logs")
python3 - "$OUT" "$ROWS" <<'PY'
import json, sys, os
out, rows = sys.argv[1], sys.argv[2]
runs = {}
for line in open(os.path.join(out, "results.jsonl")):
    entry = json.loads(line)
    runs[entry["run"]] = entry["result"]
lines = ["| run | streams | requests | errors | req/s | TTFB p50 | TTFB p90 | TTFB p99 | total p50 | total p99 |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
for name, r in runs.items():
    lines.append(f"| {name} | {r['concurrency']} | {r['requests']} | {r['errors']} | {r['requestsPerSecond']:.1f} | "
                 f"{r['ttfbMs']['p50']:.2f} | {r['ttfbMs']['p90']:.2f} | {r['ttfbMs']['p99']:.2f} | "
                 f"{r['totalMs']['p50']:.2f} | {r['totalMs']['p99']:.2f} |")
lines.append("")
for c in ("c1", "c64", "c64-spread"):
    d, p = runs.get(f"direct-{c}"), runs.get(f"proxy-{c}")
    if d and p:
        lines.append(f"- added by the proxy, {c}: TTFB p50 {p['ttfbMs']['p50']-d['ttfbMs']['p50']:+.2f} ms, "
                     f"p99 {p['ttfbMs']['p99']-d['ttfbMs']['p99']:+.2f} ms; total p50 "
                     f"{p['totalMs']['p50']-d['totalMs']['p50']:+.2f} ms, p99 {p['totalMs']['p99']-d['totalMs']['p99']:+.2f} ms")
lines.append(f"- usage rows recorded: {rows}")
heap = os.path.join(out, "heap.csv")
if os.path.exists(heap):
    samples = [l.strip().split(",") for l in open(heap)][1:]
    values = [float(v) for _, v in samples]
    lines.append(f"- live heap after full GC over the soak (MB): start {values[0]:.1f}, after 1 min "
                 f"{values[min(2, len(values)-1)]:.1f}, end {values[-1]:.1f}, max {max(values):.1f} "
                 f"({len(values)} samples, heap.csv)")
text = "\n".join(lines)
open(os.path.join(out, "results.md"), "w").write(text + "\n")
print(text)
PY
