#!/usr/bin/env bash
# Schema-driven fuzz run of the REST API (make api-fuzz): a throwaway SQLite database seeded
# with the demo province, an API token of the demo administrator, the app under gunicorn on a
# free loopback port, and schemathesis checking that no answer is a 500 and every answer
# matches the OpenAPI schema. Bounded (FUZZ_EXAMPLES per operation) to finish in minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${BIN:-.venv/bin}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
EXAMPLES=${FUZZ_EXAMPLES:-25}
WORK=$(mktemp -d)
export PARINDEX_DATA_DIR="$WORK/data"
export PARINDEX_CACHE_URL="locmem://"
export PARINDEX_LOG_LEVEL=WARNING
unset DATABASE_URL
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

echo "== api-fuzz: seeding a temporary database in $WORK"
$BIN/parindex migrate --noinput -v 0
$BIN/parindex seed_demo >"$WORK/seed.log" 2>&1 || { tail -n 50 "$WORK/seed.log"; exit 1; }
TOKEN=$($BIN/parindex api_token quantri --name fuzz --days 1 2>>"$WORK/seed.log")
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

echo "== api-fuzz: starting the app on 127.0.0.1:$PORT"
$BIN/gunicorn parindex.wsgi:application --bind "127.0.0.1:$PORT" --workers 1 --threads 4 \
  --log-level warning 2>"$WORK/server.log" &
server=$!
for _ in $(seq 1 60); do
  if curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/openapi.json"; then break; fi
  sleep 0.5
done

echo "== api-fuzz: schemathesis ($EXAMPLES examples per operation)"
status=0
# Run from the temporary directory: schemathesis keeps a cache (.schemathesis/) in the current one.
(cd "$WORK" && $BIN/schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$EXAMPLES" --seed "${FUZZ_SEED:-20261122}" \
  --phases examples,coverage,fuzzing \
  --workers 1 --request-timeout 30 --no-color \
  --generation-database none \
  --report junit --report-dir "$WORK/report") || status=$?
if [ "$status" -ne 0 ]; then
  echo "== api-fuzz: FAILED; server errors logged:"
  grep -v '"level": "INFO"' "$WORK/server.log" | tail -n 80 || true
fi
exit "$status"
