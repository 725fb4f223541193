#!/usr/bin/env bash
# Protocol tests of the language server (pytest-lsp drives the real binary over stdio).
# Usage: tests/lsp/run.sh [pytest args...]
# The binary comes from $PALIMPSEST_BIN (default: target/release/palimpsest, built by the
# caller: cargo build --release).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/tests/.venv"
export PALIMPSEST_BIN="${PALIMPSEST_BIN:-$root/target/release/palimpsest}"
if [ ! -x "$PALIMPSEST_BIN" ]; then
    echo "run.sh: $PALIMPSEST_BIN not found; build it first (cargo build --release)" >&2
    exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import pytest_lsp, importlib.metadata as m; assert m.version("pytest-lsp") == "1.0.1"' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pytest-lsp==1.0.1"
fi
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" "$here"
