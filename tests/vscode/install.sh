#!/usr/bin/env bash
# Installs, once, what the VS Code end-to-end test needs:
#   - Debian packages: libkrb5-dev ripgrep chromium (needs root)
#   - code-server 4.100.3 (VS Code 1.100.3, runs on Node 20) and playwright-core,
#     under tests/.cache/vscode-e2e (ignored by git)
#   - the extension's own node_modules (editors/vscode/node_modules)
# Safe to run again: every step is skipped when already done.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$repo/tests/.cache"
tools="$cache/vscode-e2e"
mkdir -p "$tools"
[ -f "$cache/.gitignore" ] || printf '*\n' > "$cache/.gitignore"

log() { printf '[install] %s\n' "$*" >&2; }

need_apt=()
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v chromium >/dev/null || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: need root to apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$tools/node_modules/.bin/code-server" ] || [ ! -d "$tools/node_modules/playwright-core" ]; then
  log "npm install code-server@4.100.3 playwright-core (about a minute)"
  # @vscode/ripgrep downloads its binary from GitHub, which is unreachable here:
  # seed its cache with a tarball holding Debian's rg.
  tmp="$(node -p 'os.tmpdir()')"
  rgcache="$tmp/vscode-ripgrep-cache-1.15.11"
  rgball="$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$rgball" ]; then
    mkdir -p "$rgcache"
    stage="$(mktemp -d)"
    cp "$(command -v rg)" "$stage/rg"
    tar -C "$stage" -czf "$rgball" rg
    rm -rf "$stage"
  fi
  [ -f "$tools/package.json" ] || printf '{ "name": "vscode-e2e-tools", "private": true }\n' > "$tools/package.json"
  ( cd "$tools" &&
    npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --loglevel=error \
        code-server@4.100.3 playwright-core@1.49.1 >&2 )
fi

if [ ! -d "$repo/editors/vscode/node_modules/vscode-languageclient" ] || [ ! -d "$repo/editors/vscode/node_modules/@vscode/vsce" ]; then
  log "npm install in editors/vscode"
  ( cd "$repo/editors/vscode" && npm install --no-audit --no-fund --loglevel=error >&2 )
fi
log "tools ready"
