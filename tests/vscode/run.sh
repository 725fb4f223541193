#!/usr/bin/env bash
# End-to-end test of the VS Code extension (editors/vscode) in real VS Code:
# code-server 4.100.3 (VS Code 1.100.3) in headless Debian Chromium, driven by playwright-core.
# Installs what it needs once (tests/vscode/install.sh; root for apt-get), builds the .vsix,
# installs it into a temporary extensions folder and checks a real dump and a plain .txt.
#   PALIMPSEST_BIN  server binary (default: <repo>/target/release/palimpsest; built if missing)
# Prints one line per check and "N passed, M failed"; exits non-zero on failure.
# Screenshots go to tests/artifacts/.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="$repo/tests/.cache/vscode-e2e"
example_dir="$repo/examples"
example="$example_dir/south-korea-japan-gsomia.txt"
series="$repo/../shared/corpus/dev/series/voa-darfur-peacekeeping"
artifacts="$repo/tests/artifacts"
bin="${PALIMPSEST_BIN:-$repo/target/release/palimpsest}"
t0=$(date +%s)

fail_setup() { echo "FAIL setup: $*"; echo "0 passed, 1 failed"; exit 1; }

"$here/install.sh" || fail_setup "installing code-server / chromium / npm packages"

if [ ! -x "$bin" ]; then
  [ -n "${PALIMPSEST_BIN:-}" ] && fail_setup "PALIMPSEST_BIN=$bin is not executable"
  echo "[setup] building $bin" >&2
  (cd "$repo" && cargo build --release --quiet) || fail_setup "cargo build --release"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

echo "[setup] packaging the extension" >&2
(cd "$repo/editors/vscode" && npm run --silent package >&2) || fail_setup "npm run package (editors/vscode)"
vsix="$repo/editors/vscode/palimpsest.vsix"
[ -f "$vsix" ] || fail_setup "no $vsix"

tmp="$(mktemp -d)"
cs_pid=""
cleanup() {
  if [ -n "$cs_pid" ]; then
    kill -TERM -- "-$cs_pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$cs_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$cs_pid" 2>/dev/null
  fi
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# code-server writes its config and logs under these; keep them out of the home folder.
mkdir -p "$tmp/xdg/config" "$tmp/xdg/data" "$tmp/xdg/state" "$tmp/xdg/cache" "$tmp/user/User" "$tmp/ext" "$tmp/oracle"
export XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data" \
       XDG_STATE_HOME="$tmp/xdg/state" XDG_CACHE_HOME="$tmp/xdg/cache"
# The extension host takes PATH from the login shell (VS Code resolves the shell
# environment), so a PATH set here would not reach it: use the setting.
export PATH="$(dirname "$bin"):$PATH"

# Workspace: a copy of examples/, the example saved as .vdump, and a .txt that is not a dump.
cp -r "$example_dir" "$tmp/workspace"
cp "$example" "$tmp/workspace/saved.vdump"
printf 'Shopping list\n\nVersion 2 of my notes: eggs, milk.\nThis article is from the source of all wisdom.\n' > "$tmp/workspace/notes.txt"
# A series: every dump of one article in one folder (history across dumps).
[ -d "$series" ] || fail_setup "no series folder $series"
cp -r "$series" "$tmp/workspace/series"

# Oracle: the command line's own reading of the dump.
"$bin" show "$example" --version 1 > "$tmp/oracle/v1.txt" || fail_setup "palimpsest show"
"$bin" export "$example" | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const d = JSON.parse(s), fs = require("fs"), dir = process.argv[1];
  const rows = d.rows.filter((r) => r.kind !== "unchanged");
  fs.writeFileSync(dir + "/changes.txt", rows.map((r) => r.line + "\n").join(""));
  fs.writeFileSync(dir + "/old10.txt", d.rows.find((r) => r.line === 10).old + "\n");
});' "$tmp/oracle" || fail_setup "palimpsest export"
# The whole chain of the series and the middle dump's own export (e2e.mjs follows the
# hovered paragraph through the chain's rows).
"$bin" export "$tmp/workspace/series/"*.txt > "$tmp/oracle/series-chain.json" || fail_setup "palimpsest export (series)"
"$bin" export "$tmp/workspace/series/voa-darfur-peacekeeping-v1-v2.txt" > "$tmp/oracle/series-own.json" \
  || fail_setup "palimpsest export (series dump)"

cat > "$tmp/user/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "editor.minimap.enabled": false,
  "chat.commandCenter.enabled": false,
  "window.commandCenter": false,
  "workbench.colorTheme": "${VSCODE_THEME:-Default Light Modern}",
  "palimpsest.trace.server": "${PALIMPSEST_TRACE:-off}",
  "palimpsest.server.path": "$bin"
}
JSON

cs="$tools/node_modules/.bin/code-server"
"$cs" --user-data-dir "$tmp/user" --extensions-dir "$tmp/ext" --install-extension "$vsix" >"$tmp/install-ext.log" 2>&1 \
  || { cat "$tmp/install-ext.log"; fail_setup "code-server --install-extension"; }

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
setsid "$cs" --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$tmp/user" --extensions-dir "$tmp/ext" \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  "$tmp/workspace" >"$tmp/code-server.log" 2>&1 &
cs_pid=$!
ready=""
for _ in $(seq 1 150); do
  if node -e 'require("http").get(process.argv[1], (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' \
      "http://127.0.0.1:$port/healthz" 2>/dev/null; then ready=1; break; fi
  kill -0 "$cs_pid" 2>/dev/null || break
  sleep 0.2
done
[ -n "$ready" ] || { tail -20 "$tmp/code-server.log"; fail_setup "code-server did not start"; }

mkdir -p "$artifacts"
rm -f "$artifacts/vscode-failure.png"
out="$tmp/e2e.out"
t1=$(date +%s)
PLAYWRIGHT_FROM="$tools/package.json" timeout 300 node "$here/e2e.mjs" \
  "http://127.0.0.1:$port/?folder=$tmp/workspace" "$tmp/workspace" "$tmp/oracle" "$artifacts" | tee "$out" | grep --line-buffered -v '^#'
t2=$(date +%s)
result="$(grep '^#result' "$out" | tail -1)"
if [ -n "$result" ]; then
  passed=$(echo "$result" | cut -d' ' -f2); failed=$(echo "$result" | cut -d' ' -f3)
else
  passed=0; failed=1; echo "FAIL vscode: the browser driver stopped before reporting"
fi
if [ "$failed" -gt 0 ]; then
  grep '^#debug' "$out"
  echo "--- code-server log (tail) ---"; tail -30 "$tmp/code-server.log"
  for f in "$tmp"/user/logs/*/exthost*/output_logging_*/*Palimpsest*.log "$tmp"/user/logs/*/window*/exthost/output_logging_*/*Palimpsest*.log; do
    [ -f "$f" ] && { echo "--- $f ---"; tail -30 "$f"; }
  done
fi
echo "     (setup $((t1 - t0)) s, browser checks $((t2 - t1)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
