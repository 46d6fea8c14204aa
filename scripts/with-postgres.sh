#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster: initdb in a temporary directory,
# start on a private port and socket, export TT_TEST_DATABASE_URL, stop and delete afterwards.
# The port is a free one picked at start (TT_TEST_PG_PORT pins it); a server that fails to start
# prints its log and is tried again on another port, so one busy port never fails a CI run.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
DIR=$(mktemp -d /tmp/tt-pg.XXXXXX)
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$DIR"
  RUNAS=(runuser -u postgres --)
fi
cleanup() {
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
"${RUNAS[@]}" "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
for attempt in 1 2 3; do
  PORT=${TT_TEST_PG_PORT:-$(free_port)}
  if "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -w -l "$DIR/log" \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
    break
  fi
  echo "PostgreSQL did not start on port $PORT (attempt $attempt); its log:" >&2
  cat "$DIR/log" >&2 || true
  if [ "$attempt" -eq 3 ]; then
    exit 1
  fi
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  sleep 2
done
export TT_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
"$@"
