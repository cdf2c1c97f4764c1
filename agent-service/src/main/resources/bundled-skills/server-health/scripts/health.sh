#!/usr/bin/env bash
# Read-only Linux health summary. Optional arguments: systemd service names to report on.
set -uo pipefail

section() { printf '\n== %s\n' "$1"; }

section "host"
echo "$(hostname) | $(uname -sr) | $(uptime -p 2>/dev/null || uptime)"
cpus=$(nproc 2>/dev/null || echo 1)
read -r l1 l5 l15 _ < /proc/loadavg
echo "load: $l1 $l5 $l15 on $cpus CPUs (per CPU: $(awk -v l="$l1" -v c="$cpus" 'BEGIN { printf "%.2f", l / c }'))"

section "memory"
free -h 2>/dev/null || cat /proc/meminfo | head -5
awk '/MemTotal/ { t = $2 } /MemAvailable/ { a = $2 } END { if (t) printf "available: %.0f%%\n", 100 * a / t }' /proc/meminfo

section "disk (use% >= 80 marked)"
df -hP -x tmpfs -x devtmpfs -x overlay 2>/dev/null | awk 'NR == 1 { print; next } { use = $5; sub("%", "", use); mark = (use + 0 >= 80) ? "  <==" : ""; print $0 mark }'
section "inodes"
df -iP -x tmpfs -x devtmpfs -x overlay 2>/dev/null | awk 'NR == 1 || $5 + 0 >= 50'

section "largest under /var/log"
du -xh --max-depth=1 /var/log 2>/dev/null | sort -h | tail -5

section "listening ports"
(ss -ltnp 2>/dev/null || netstat -ltnp 2>/dev/null) | head -25

if command -v systemctl >/dev/null 2>&1; then
  section "failed units"
  systemctl --failed --no-legend --plain 2>/dev/null | head -20 || true
  for service in "$@"; do
    section "service $service"
    systemctl status "$service" --no-pager --lines 5 2>&1 | head -12
  done
fi

section "OOM kills (kernel log)"
(journalctl -k --since "-7 days" --no-pager 2>/dev/null || dmesg 2>/dev/null) | grep -i "killed process" | tail -5 || true

if command -v journalctl >/dev/null 2>&1; then
  section "journal errors in the last hour"
  journalctl -p err --since "-1 hour" --no-pager 2>/dev/null | wc -l
fi
