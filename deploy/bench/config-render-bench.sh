#!/usr/bin/env bash
# Render-time benchmark of config-service: renders, validates against OpenClaw's schema,
# canonicalises and hashes a large team configuration repeatedly; prints p50/p99/max in ms.
#
#   deploy/bench/config-render-bench.sh [iterations]     # default 2000
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
./mvnw -B -q -ntp -pl config-service -am install -DskipTests
./mvnw -B -q -ntp -pl config-service dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="config-service/target/test-classes:config-service/target/classes:$(cat config-service/target/bench.classpath)"
echo "| step | p50 ms | p99 ms | max ms |"
echo "|---|---:|---:|---:|"
java -Xmx512m -cp "$CP" com.lingxi.config.RenderBenchmark "${1:-2000}"
