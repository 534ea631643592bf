#!/usr/bin/env bash
# Makes sure a PostgreSQL 15 server from Debian runs on this machine and holds a test database, then
# prints its connection URL on stdout (the store tests use it when CERTLEDGER_TEST_PG_URL is unset).
# Idempotent: installs only when missing, starts only when down, creates the role and database once.
# Fails loudly (exit 1) when PostgreSQL cannot be installed or started: the PostgreSQL tests must not
# be skipped silently.
set -euo pipefail

DB="${CERTLEDGER_TEST_PG_DB:-certledger_test}"
USER_NAME="${CERTLEDGER_TEST_PG_USER:-certledger}"
PASSWORD="${CERTLEDGER_TEST_PG_PASSWORD:-certledger}"
PORT="${CERTLEDGER_TEST_PG_PORT:-5432}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "ensure-postgres: not root and no sudo; install and start PostgreSQL 15, then set CERTLEDGER_TEST_PG_URL" >&2
    exit 1
  fi
fi

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Two test runs may start at once: wait on apt's lock rather than failing on it.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >&2
fi

read -r VER CLUSTER _PORT STATUS _REST < <(pg_lsclusters -h | head -n 1)
if [ "$STATUS" != "online" ]; then
  $SUDO pg_ctlcluster "$VER" "$CLUSTER" start >&2 || true
fi
for _ in $(seq 1 50); do
  if $SUDO -u postgres psql -p "$PORT" -qtAc "select 1" >/dev/null 2>&1 || runuser -u postgres -- psql -p "$PORT" -qtAc "select 1" >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done

psql_admin() {
  if [ -z "$SUDO" ]; then runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qtAc "$1"; else $SUDO -u postgres psql -p "$PORT" -v ON_ERROR_STOP=1 -qtAc "$1"; fi
}

if ! psql_admin "select 1" >/dev/null; then
  echo "ensure-postgres: PostgreSQL $VER/$CLUSTER did not come up; see /var/log/postgresql/" >&2
  exit 1
fi
if [ "$(psql_admin "select 1 from pg_roles where rolname = '$USER_NAME'")" != "1" ]; then
  psql_admin "create role $USER_NAME login password '$PASSWORD' createdb" >/dev/null
fi
if [ "$(psql_admin "select 1 from pg_database where datname = '$DB'")" != "1" ]; then
  psql_admin "create database $DB owner $USER_NAME" >/dev/null
fi
echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DB"
