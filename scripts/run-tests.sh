#!/usr/bin/env bash
# The test suite on every database we support: SQLite always, PostgreSQL (+ Redis) when
# reachable. With CI=true a missing PostgreSQL or Redis fails the run instead of skipping.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
PG_URL=${DEALERDESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/dealerdesk}
REDIS=${DEALERDESK_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
ci=${CI:-false}
status=0

reachable() {  # reachable postgres|redis URL
  "$BIN/python" - "$1" "$2" <<'PY'
import sys
kind, url = sys.argv[1], sys.argv[2]
try:
    if kind == "postgres":
        import psycopg
        psycopg.connect(url.replace("/dealerdesk", "/postgres"), connect_timeout=3).close()
    else:
        import redis
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
except Exception as error:  # noqa: BLE001
    print(f"{kind} at {url} is not reachable: {error}", file=sys.stderr)
    sys.exit(1)
PY
}

echo "=== Test suite on SQLite ==="
env -u DATABASE_URL -u REDIS_URL "$BIN/pytest" -p no:cacheprovider "$@" || status=1

if reachable postgres "$PG_URL"; then
  redis_env=()
  if reachable redis "$REDIS"; then
    redis_env=(REDIS_URL="$REDIS")
  elif [ "$ci" = "true" ]; then
    echo "CI=true and Redis is not reachable: failing." >&2
    status=1
  fi
  echo "=== Test suite on PostgreSQL ${redis_env[*]:+(cache: Redis)} ==="
  env DATABASE_URL="$PG_URL" "${redis_env[@]}" "$BIN/pytest" -p no:cacheprovider "$@" || status=1
elif [ "$ci" = "true" ]; then
  echo "CI=true and PostgreSQL is not reachable at $PG_URL: failing." >&2
  status=1
else
  echo "PostgreSQL is not reachable: skipped the PostgreSQL run (set CI=true to make this fail)."
fi
exit $status
