#!/usr/bin/env bash
# agent-service benchmark: (1) wizard recommendations (POST /api/agents/recommend) and (2) memory
# search (GET /api/memories/search) over N memories of one user, both with wrk straight against
# the service (identity headers set by the load generator, as the gateway would); then (3) the
# same memory searches as SQL, comparing this service's bigram tsvector search with pg_trgm
# word similarity on an equivalent (user_id, content) GIN index, plus index sizes.
#
#   deploy/bench/agent-bench.sh [--duration 20s] [--connections 16] [--threads 2] [--memories 100000]
#
# Uses (or starts) PostgreSQL and Redis through ./lingxi infra, runs its own agent-service on port
# 18183 in a database of its own (lingxi_agent_bench), and stops what it started on exit.
# Results: var/bench/agent/results.md
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/var/bench/agent"
DURATION=20s
CONNECTIONS=16
THREADS=2
MEMORIES=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --memories) MEMORIES=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

PORT=18183
DB=lingxi_agent_bench
USER_ID=0190c0de-0000-7000-8000-00000000be17
PSQL=(psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -v ON_ERROR_STOP=1 -qAt)
say() { printf '\033[1;36mbench\033[0m %s\n' "$*"; }

need() {
  local bin=$1 package=$2
  command -v "$bin" >/dev/null && return 0
  say "installing $package"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q "$package" >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get install -y -q "$package" >/dev/null; }
  else sudo apt-get install -y -q "$package" >/dev/null; fi
}
need wrk wrk
need curl curl
need python3 python3

"$ROOT/lingxi" infra
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
[ -f "$ROOT/agent-service/target/agent-service.jar" ] || (cd "$ROOT" && ./mvnw -B -q -ntp -pl agent-service -am -DskipTests install)

rm -rf "$OUT" && mkdir -p "$OUT"
# The service verifies an edge assertion on every request, as behind the gateway: the run's
# own keys, and fresh assertions made here (deploy/lib/trust.sh).
. "$ROOT/deploy/lib/trust.sh"
trust_init "$OUT/trust"
mapfile -t AGENT_TRUST < <(trust_service_env "$OUT/trust" agent-service)
MGMT_PORT=$((PORT + 10))
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT

say "starting agent-service on :$PORT (database $DB)"
env "${AGENT_TRUST[@]}" java -Xms256m -Xmx512m -XX:+UseSerialGC -jar "$ROOT/agent-service/target/agent-service.jar" \
  --server.port=$PORT --management.server.port=$MGMT_PORT --lingxi.database.name=$DB --lingxi.redis.namespace=agent-bench \
  --lingxi.crypto.keys.bench="$(head -c 32 /dev/urandom | base64)" --lingxi.crypto.active-key=bench \
  --lingxi.memories.max-per-user=$((MEMORIES + 1000)) --logging.level.root=WARN >"$OUT/agent-service.log" 2>&1 &
PID=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$MGMT_PORT/actuator/health/readiness" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$MGMT_PORT/actuator/health/readiness" >/dev/null || { echo "agent-service did not start; see $OUT/agent-service.log" >&2; exit 1; }

# --- seed: N memories of one user, synthetic but shaped like real ones --------------------------
say "writing $MEMORIES memories for one user"
SEED_START=$(date +%s)
"${PSQL[@]}" -d $DB <<SQL
SET search_path TO agent_svc;
INSERT INTO memories (id, user_id, domain, type, content, importance, metadata, created_at, updated_at)
SELECT gen_random_uuid(), '$USER_ID',
  (ARRAY['work','life','health','family','finance'])[1 + g % 5],
  (ARRAY['fact','preference','event','decision'])[1 + (g / 5) % 4],
  (SELECT string_agg(
     (ARRAY['记得','下周','已经','需要','客户说','老板提到','计划','上次','准备','别忘了'])[1 + floor(random() * 10)::int]
     || CASE WHEN random() < 0.75
          THEN (ARRAY['会议','客户','报表','销售数据','生日','周报','项目预算','合同','旅行','医生','孩子','学校','健身','咖啡',
                      '航班','酒店','发票','报销','面试','招聘','产品需求','上线','服务器','数据库','备份','监控告警','营销活动',
                      '用户增长','留存','复盘','年度目标','论文','翻译','邮件','体检','房租','保险','车险','宠物','疫苗'])[1 + floor(random() * 40)::int]
          ELSE ' ' || (ARRAY['meeting','customer','report','sales','birthday','project','budget','contract','travel',
                             'doctor','school','coffee','flight','hotel','invoice','interview','product','release',
                             'server','database','backup','marketing','growth','retention','plan','goal','paper',
                             'email','insurance','rent'])[1 + floor(random() * 30)::int] || ' '
        END, '，')
   FROM generate_series(1, 3 + g % 5) AS k WHERE g > 0) || '。' || g,
  1 + g % 10, '{}'::jsonb,
  now() - make_interval(secs => (g % 31536000)), now() - make_interval(secs => (g % 31536000))
FROM generate_series(1, $MEMORIES) AS g;
INSERT INTO memory_counts (user_id, count) VALUES ('$USER_ID', $MEMORIES)
  ON CONFLICT (user_id) DO UPDATE SET count = EXCLUDED.count;
ANALYZE memories;
SQL
SEED_SECONDS=$(( $(date +%s) - SEED_START ))

# --- wrk scripts ----------------------------------------------------------------------------------
cat >"$OUT/recommend.lua" <<'LUA'
local texts = {
  "帮我分析一下上个月的销售数据，做个周报",
  "我想开发一个微信小程序，接口用 Python 写",
  "线上服务老是报错，帮我排查一下这个 bug",
  "给我们的新咖啡品牌想几个创意广告语",
  "我要写一份产品需求文档，梳理 MVP 的范围",
  "我想做数据分析，但是不需要写代码",
  "I need help analyzing our sales data and building a weekly dashboard",
  "Review my pull request and suggest how to refactor the payment module",
  "我需要分析运营数据、写周报，还要给新活动想几个创意点子",
  "今天天气不错",
  "Deploy our Node.js backend to AWS with a CI/CD pipeline",
  "幫我分析銷售數據，順便翻譯成英文",
}
local bodies = {}
for i, t in ipairs(texts) do bodies[i] = '{"text":"' .. t .. '"}' end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Lingxi-Edge"] = "__EDGE__"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/agents/recommend", nil, bodies[(n % #bodies) + 1])
end
LUA
QUERIES=(会议 销售数据 客户生日 服务器备份 项目预算 meeting "sales report" 面试 发票报销 量子纠缠 用户增长复盘 "flight hotel" 猫 周报)
{
  echo 'local queries = {'
  for q in "${QUERIES[@]}"; do printf '  "%s",\n' "$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")"; done
  echo '}'
  cat <<'LUA'
wrk.headers["X-Lingxi-Edge"] = "__EDGE__"
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/memories/search?limit=20&q=" .. queries[(n % #queries) + 1])
end
LUA
} >"$OUT/search.lua"


edge() { trust_edge_assertion "$OUT/trust" agent-service "$USER_ID" pro 900; }
with_edge() { sed "s|__EDGE__|$(edge)|" "$OUT/$1" > "$OUT/edge-$1"; echo "$OUT/edge-$1"; }
run_wrk() { # name script (an assertion lives 15 min at most: a fresh one for each run)
  say "warm-up: $1"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s "$(with_edge "$2")" "http://127.0.0.1:$PORT" >/dev/null
  say "measuring: $1 ($DURATION, $CONNECTIONS connections)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$(with_edge "$2")" "http://127.0.0.1:$PORT" | tee "$OUT/$1.txt"
  say "measuring: $1 (1 connection)"
  wrk -t1 -c1 -d"$DURATION" --latency -s "$(with_edge "$2")" "http://127.0.0.1:$PORT" | tee "$OUT/$1-1conn.txt"
}
curl -sf -X POST "http://127.0.0.1:$PORT/api/agents/recommend" -H 'Content-Type: application/json' \
  -H "X-Lingxi-Edge: $(edge)" -d '{"text":"帮我分析销售数据"}' >/dev/null
curl -sf "http://127.0.0.1:$PORT/api/memories/search?q=%E4%BC%9A%E8%AE%AE" -H "X-Lingxi-Edge: $(edge)" >/dev/null
run_wrk recommend recommend.lua
run_wrk memory-search search.lua

# --- SQL: bigram tsvector vs pg_trgm --------------------------------------------------------------
say "building a pg_trgm index on the same rows for comparison"
"${PSQL[@]}" -d $DB <<SQL
SET search_path TO agent_svc;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX memories_trgm_bench ON memories USING gin (user_id, content gin_trgm_ops);
ANALYZE memories;
SQL
say "timing each query 15 times per method (EXPLAIN ANALYZE execution time)"
: >"$OUT/sql-timings.txt"
for q in "${QUERIES[@]}"; do
  terms=$("${PSQL[@]}" -d $DB -c "SELECT array_to_string(agent_svc.search_query_terms(\$\$$q\$\$), chr(10))")
  [ -z "$terms" ] && continue
  # Rows holding at least half of the terms (Memories.requiredQuery): OR of the k-term AND groups.
  required=$(printf '%s\n' "$terms" | python3 -c '
import itertools, math, sys
terms = [t for t in sys.stdin.read().splitlines() if t]
k = max(1, math.ceil(0.5 * len(terms) - 1e-9))
if k == 1:
    print(" | ".join(terms))
else:
    groups = list(itertools.combinations(terms, k))
    if len(groups) > 64:
        groups = [terms[i:i + k] for i in range(len(terms) - k + 1)]
    print(" | ".join("(" + " & ".join(g) + ")" for g in groups))')
  n=$(printf '%s\n' "$terms" | grep -c .)
  matched=$(printf '%s\n' "$terms" | sed "s/'/''/g; s/.*/(m.search_vector @@ CAST('&' AS tsquery))::int/" | paste -sd+)
  # The service's query (Memories.search), with the weights and half-life of the defaults.
  bigram="SELECT id FROM (SELECT m.id, m.updated_at, ($matched)::float8 / $n AS relevance, m.importance FROM memories m
      WHERE m.user_id = '$USER_ID' AND m.search_vector @@ CAST(\$\$$required\$\$ AS tsquery)) hits
    WHERE relevance >= 0.5
    ORDER BY 0.6 * relevance + 0.25 * (importance - 1) / 9.0::float8
      + 0.15 * power(0.5::float8, greatest(extract(epoch FROM now() - updated_at)::float8, 0) / 2592000) DESC,
      updated_at DESC LIMIT 20"
  trigram="SELECT id FROM memories WHERE user_id = '$USER_ID' AND \$\$$q\$\$ <% content
    ORDER BY word_similarity(\$\$$q\$\$, content) DESC LIMIT 20"
  for method in bigram trigram; do
    sql=${!method}
    settings="SET search_path TO agent_svc; SET pg_trgm.word_similarity_threshold = 0.3; SET enable_seqscan = off;"
    matches=$("${PSQL[@]}" -d $DB -c "$settings SELECT count(*) FROM ($sql) x")
    for _ in $(seq 15); do
      "${PSQL[@]}" -d $DB -c "$settings EXPLAIN (ANALYZE, TIMING OFF) $sql" | sed -n "s/^Execution Time: \([0-9.]*\) ms/$method\t$q\t$matches\t\1/p" >>"$OUT/sql-timings.txt"
    done
  done
done
SIZES=$("${PSQL[@]}" -d $DB -c "SET search_path TO agent_svc;
  SELECT 'bigram (user_id, search_vector) GIN: ' || pg_size_pretty(pg_relation_size('memories_search'))
    || '; pg_trgm (user_id, content) GIN: ' || pg_size_pretty(pg_relation_size('memories_trgm_bench'))
    || '; table: ' || pg_size_pretty(pg_table_size('memories'))")

# --- report -------------------------------------------------------------------------------------
python3 - "$OUT" "$MEMORIES" "$SEED_SECONDS" "$SIZES" "$CONNECTIONS" <<'PY'
import re, statistics, sys, pathlib, collections
out, memories, seed, sizes, connections = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

def wrk(name):
    text = (out / f"{name}.txt").read_text()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
    pct = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", text, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, pct.get("50", "?"), pct.get("99", "?"), errors.group(1) if errors else "0"

rows = []
for name, label in [("recommend", "POST /api/agents/recommend"), ("memory-search", f"GET /api/memories/search ({memories} memories)")]:
    for suffix, conns in [("", connections), ("-1conn", "1")]:
        rps, p50, p99, errors = wrk(name + suffix)
        rows.append(f"| {label} | {conns} | {rps} | {p50} | {p99} | {errors} |")

timings = collections.defaultdict(list)
matches = {}
for line in (out / "sql-timings.txt").read_text().splitlines():
    method, query, count, ms = line.split("\t")
    timings[(method, query)].append(float(ms))
    matches[(method, query)] = count
queries = sorted({q for _, q in timings}, key=lambda q: list(dict.fromkeys(q for _, q in timings)).index(q))
sql_rows = []
summary = {}
for method in ("bigram", "trigram"):
    every = sorted(ms for (m, _), values in timings.items() if m == method for ms in values)
    summary[method] = (statistics.median(every), every[min(len(every) - 1, int(len(every) * 0.99))]) if every else (0, 0)
for q in queries:
    b, t = timings.get(("bigram", q), [0]), timings.get(("trigram", q), [0])
    sql_rows.append(f"| {q} | {statistics.median(b):.2f} | {matches.get(('bigram', q), '-')} | {statistics.median(t):.2f} | {matches.get(('trigram', q), '-')} |")

report = f"""# agent-service benchmark

{memories} memories for one user (seeded in {seed} s). wrk straight against agent-service.

| endpoint | connections | requests/s | p50 | p99 | non-2xx |
|---|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

## Memory search in SQL: bigram tsvector (this service) vs pg_trgm word similarity (threshold 0.3)

Median execution time in ms over 15 runs and the number of hits (at most 20):

| query | bigram ms | bigram hits | trigram ms | trigram hits |
|---|---:|---:|---:|---:|
{chr(10).join(sql_rows)}

All queries: bigram p50 {summary['bigram'][0]:.2f} ms, p99 {summary['bigram'][1]:.2f} ms;
trigram p50 {summary['trigram'][0]:.2f} ms, p99 {summary['trigram'][1]:.2f} ms.

Index sizes: {sizes}.
"""
(out / "results.md").write_text(report)
print(report)
PY
say "results in var/bench/agent/results.md"
