# Sourced by the other scripts: makes sure uv and the locked dependencies are installed.
# Works on a fresh machine with Python 3.11 and pip (uv comes from PyPI).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Bytecode caches matter here: without them every command recompiles every library (seconds each).
unset PYTHONDONTWRITEBYTECODE
export UV_PYTHON_DOWNLOADS=never
if ! command -v uv >/dev/null 2>&1; then
  export PATH="$HOME/.local/bin:$PATH"
  if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv (the Python package manager) from PyPI…" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  fi
fi
uv sync --frozen --compile-bytecode --quiet
