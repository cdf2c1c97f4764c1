#!/usr/bin/env bash
# Restores a backup made by backup.sh: the database exactly as it was (dropped and made again from
# the dump, so nothing added since stays), and every gateway volume in the backup as it was
# (volumes not in it are left alone). Run it as root: the database is made again by PostgreSQL's
# own superuser (postgres, through the local socket), owned by LINGXI_DB_OWNER (lingxi). The platform must not
# run meanwhile: on a host set up by install.sh this script stops lingxi.target first and starts it
# again at the end; the gateways' containers are removed (instance-service makes them again on
# their restored volumes).
#
#   restore.sh /var/backups/lingxi/20261208T033000Z
#
# Settings: as backup.sh; LINGXI_RESTORE_SERVICES=0 leaves lingxi.target alone (for a host where
# the platform is already stopped, and for the project's tests).
set -euo pipefail

from="${1:?usage: restore.sh <backup folder>}"
DB="${LINGXI_DB_NAME:-lingxi}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-lingxi}"

[ -f "$from/postgres.dump" ] && [ -f "$from/SHA256SUMS" ] || { echo "$from is not a Lingxi backup" >&2; exit 1; }
(cd "$from" && sha256sum --quiet --check SHA256SUMS) || { echo "$from is damaged: its checksums do not match" >&2; exit 1; }

services=${LINGXI_RESTORE_SERVICES:-1}
if [ "$services" = 1 ]; then systemctl stop lingxi.target 'lingxi@*.service'; fi

OWNER="${LINGXI_DB_OWNER:-$PGUSER}"
# PostgreSQL's superuser through the local socket (peer authentication), whatever PG* says.
as_postgres() { runuser -u postgres -- env -u PGHOST -u PGUSER -u PGPASSWORD "$@"; }
as_postgres psql -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$DB\" OWNER \"$OWNER\""
# Every object is made as the owner, in one transaction; the dump is read from standard input
# (it is root's file).
as_postgres pg_restore --no-owner --role="$OWNER" --single-transaction --exit-on-error --dbname="$DB" \
  < "$from/postgres.dump"

for archive in "$from"/volumes/*.tar; do
  [ -f "$archive" ] || continue
  volume=$(basename "$archive" .tar)
  podman --runtime runc rm --force --ignore "$volume" >/dev/null
  podman --runtime runc volume rm --force "$volume" >/dev/null 2>&1 || true
  labels=()
  while IFS= read -r label; do [ -z "$label" ] || labels+=(--label "$label"); done < "${archive%.tar}.labels"
  podman --runtime runc volume create "${labels[@]}" "$volume" >/dev/null
  podman --runtime runc volume import "$volume" "$archive"
done

if [ "$services" = 1 ]; then systemctl start lingxi.target; fi
echo "restored $from"
