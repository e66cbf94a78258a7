#!/usr/bin/env bash
# Schema-driven fuzz run of the REST API (make api-fuzz): a throwaway SQLite database seeded
# with the demo province, an API token of one demo user of EACH role, the app under gunicorn on
# a free loopback port, and schemathesis with EVERY check (no server error, status codes,
# content types, headers and bodies as the OpenAPI schema says, schema-valid data accepted,
# invalid data refused, authentication not ignored, ...) once per role; tests/api/schemathesis.toml
# names the few operations whose rules JSON Schema cannot express. Bounded by
# FUZZ_EXAMPLES examples per operation (a fixed seed, so a run is repeatable).
#
# Overrides: FUZZ_EXAMPLES (default 6), FUZZ_SEED, FUZZ_ROLES (space-separated role names of
# the list below).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${BIN:-.venv/bin}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
EXAMPLES=${FUZZ_EXAMPLES:-6}
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

# One demo login per role (units/demo.py MAIN_LOGINS): role=username.
declare -A LOGIN=(
  [admin]=quantri
  [index_manager]=snv.quanly
  [appraiser]=tinh.thamdinh1
  [viewer]=tinh.bcd
  [unit_head]=xa.yenthuong.chutich
  [unit_officer]=xa.yenthuong.canbo
)
ROLES=${FUZZ_ROLES:-admin index_manager appraiser viewer unit_head unit_officer}

echo "== api-fuzz: seeding a temporary database in $WORK"
$BIN/parindex migrate --noinput -v 0
$BIN/parindex seed_demo >"$WORK/seed.log" 2>&1 || { tail -n 50 "$WORK/seed.log"; exit 1; }
declare -A TOKEN
for role in $ROLES; do
  [ -n "${LOGIN[$role]:-}" ] || { echo "api-fuzz: unknown role $role"; exit 2; }
  TOKEN[$role]=$($BIN/parindex api_token "${LOGIN[$role]}" --name "fuzz $role" --days 1 2>>"$WORK/seed.log")
done
first=${ROLES%% *}
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

echo "== api-fuzz: starting the app on 127.0.0.1:$PORT"
$BIN/gunicorn parindex.wsgi:application --bind "127.0.0.1:$PORT" --workers 1 --threads 4 \
  --log-level warning 2>"$WORK/server.log" &
server=$!
for _ in $(seq 1 60); do
  if curl -fs -o /dev/null -H "Authorization: Bearer ${TOKEN[$first]}" "http://127.0.0.1:$PORT/api/v1/openapi.json"; then break; fi
  sleep 0.5
done

status=0
for role in $ROLES; do
  echo "== api-fuzz: schemathesis as $role (${LOGIN[$role]}), every check, $EXAMPLES examples per operation"
  # Run from the temporary directory: schemathesis keeps a cache (.schemathesis/) in the current one.
  (cd "$WORK" && $BIN/schemathesis --config-file "$ROOT/tests/api/schemathesis.toml" \
    run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --header "Authorization: Bearer ${TOKEN[$role]}" \
    --checks all \
    --max-examples "$EXAMPLES" --seed "${FUZZ_SEED:-20261122}" \
    --phases examples,coverage,fuzzing \
    --workers 1 --request-timeout 30 --no-color \
    --generation-database none \
    --report junit --report-dir "$WORK/report-$role") || status=$?
done
if [ "$status" -ne 0 ]; then
  echo "== api-fuzz: FAILED; server errors logged:"
  grep -v '"level": "INFO"' "$WORK/server.log" | tail -n 80 || true
fi
exit "$status"
