#!/usr/bin/env bash
# The whole system without Docker: the API on :8000 and the built page on :8080. Ctrl-C stops both.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
case "$python" in /*) ;; *) python="$PWD/$python" ;; esac  # absolute (links kept): later steps change folder
api_port="${API_PORT:-8000}"
page_port="${PAGE_PORT:-8080}"

(cd "$root/frontend" && VITE_API_URL="${VITE_API_URL:-http://localhost:$api_port}" npm run --silent build >/dev/null)

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
(cd "$root/backend" && exec "$python" -m uvicorn app.main:app --host 127.0.0.1 --port "$api_port" --no-access-log) &
pids+=($!)
(cd "$root/frontend" && exec node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$page_port" \
  --strictPort >/dev/null) &
pids+=($!)

for _ in $(seq 1 120); do
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "error: the API stopped; see its log above" >&2; exit 1; fi
  if "$python" -c "import urllib.request as r; r.urlopen('http://127.0.0.1:$api_port/health', timeout=2)" \
    2>/dev/null; then break; fi
  sleep 0.5
done
cat <<INFO

  Skin lesion classifier is running
    page:      http://localhost:$page_port
    API:       http://localhost:$api_port   (docs: http://localhost:$api_port/docs)
  Press Ctrl-C to stop.

INFO
wait
