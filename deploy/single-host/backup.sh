#!/usr/bin/env bash
# A backup of Lingxi Cloud on one host: the database (pg_dump, custom format) and every user
# gateway's volume (podman volume export), in a folder of their own named by the time, with
# SHA256SUMS; the newest LINGXI_BACKUP_KEEP folders are kept. Run nightly by lingxi-backup.timer.
#
#   backup.sh            prints the folder it wrote
#
# Settings (environment; lingxi-backup.service reads /etc/lingxi/lingxi.conf and secrets.env):
#   LINGXI_BACKUP_DIR (/var/backups/lingxi), LINGXI_BACKUP_KEEP (7), LINGXI_DB_NAME (lingxi),
#   PGHOST PGPORT PGUSER PGPASSWORD (127.0.0.1, 5432, lingxi),
#   LINGXI_BACKUP_VOLUMES (a label selecting the volumes: cloud.lingxi.managed-by=instance-service)
#
# A running gateway's volume is copied while it runs: each file is whole (the platform writes by
# renaming), but files written during the copy may be from before or after it.
set -euo pipefail

DIR="${LINGXI_BACKUP_DIR:-/var/backups/lingxi}"
KEEP="${LINGXI_BACKUP_KEEP:-7}"
DB="${LINGXI_DB_NAME:-lingxi}"
LABEL="${LINGXI_BACKUP_VOLUMES:-cloud.lingxi.managed-by=instance-service}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-lingxi}"

umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$DIR/$stamp"
work="$target.partial"
mkdir -p "$work/volumes"
trap 'rm -rf "$work"' EXIT

pg_dump --format=custom --no-owner --file="$work/postgres.dump" "$DB"
count=0
for volume in $(podman --runtime runc volume ls --quiet --filter "label=$LABEL"); do
  podman --runtime runc volume export --output "$work/volumes/$volume.tar" "$volume"
  podman --runtime runc volume inspect --format '{{ range $k, $v := .Labels }}{{ $k }}={{ $v }}{{ "\n" }}{{ end }}' \
    "$volume" > "$work/volumes/$volume.labels"
  count=$((count + 1))
done
(cd "$work" && find . -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs -r sha256sum > SHA256SUMS)
printf 'database=%s\nvolumes=%d\ncreated=%s\n' "$DB" "$count" "$stamp" > "$work/MANIFEST"
mv "$work" "$target"
trap - EXIT

# Keep the newest KEEP backups.
find "$DIR" -mindepth 1 -maxdepth 1 -type d -name '20*' ! -name '*.partial' -printf '%f\n' | sort -r \
  | tail -n +"$((KEEP + 1))" | while read -r old; do rm -rf "${DIR:?}/$old"; done
echo "$target"
