#!/usr/bin/env bash
# Overview of a change for review: changed files with added/removed line counts, then added
# lines matching patterns that usually deserve attention.
#   review_diff.sh            working tree (staged and unstaged) against HEAD
#   review_diff.sh <base>     HEAD against the merge base with <base>
set -euo pipefail

git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not inside a git repository" >&2; exit 1; }

if [ $# -ge 1 ]; then
  range="$(git merge-base "$1" HEAD)...HEAD"
else
  range="HEAD"
fi

echo "== changed files ($range)"
git diff --numstat "$range" | awk '{ printf "  +%-6s -%-6s %s\n", $1, $2, $3; add += $1; del += $2 } END { printf "  total: +%d -%d\n", add, del }'

echo
echo "== added lines worth a look"
git diff -U0 "$range" | awk '
  /^\+\+\+ / { file = substr($0, 7); next }
  /^@@/ { split($3, a, ","); line = substr(a[1], 2) + 0; next }
  /^\+/ {
    text = substr($0, 2)
    if (text ~ /(TODO|FIXME|XXX|HACK)/) reason = "todo"
    else if (text ~ /(console\.log|System\.out\.print|printStackTrace|print\(|fmt\.Print|debugger)/) reason = "debug output"
    else if (text ~ /(@Disabled|@Ignore|\.skip\(|xit\(|pytest\.mark\.skip)/) reason = "disabled test"
    else if (text ~ /(password|secret|api[_-]?key|token)[[:space:]]*[:=][[:space:]]*["'\''][^"'\'']{6,}/) reason = "possible secret"
    else if (text ~ /(catch \(Exception|catch \(Throwable|except:|except Exception)/) reason = "broad catch"
    else reason = ""
    if (reason != "") printf "  %s:%d [%s] %s\n", file, line, reason, substr(text, 1, 120)
    line++
  }'
