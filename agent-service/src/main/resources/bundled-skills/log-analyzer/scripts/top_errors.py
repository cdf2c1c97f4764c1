#!/usr/bin/env python3
"""Group error and warning lines of a log by their normalised message.

    top_errors.py FILE|- [--levels error,warn,fatal] [--top 20] [--since "YYYY-MM-DD HH:MM"]
"""
import argparse
import json
import re
import sys
from collections import OrderedDict

TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})")
LEVEL = re.compile(r"\b(FATAL|CRITICAL|ERROR|ERR|WARN|WARNING|SEVERE|PANIC)\b", re.IGNORECASE)
NORMALISE = [
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<hex>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b\d+(\.\d+)*\b"), "<n>"),
    (re.compile(r"'[^']*'"), "'<s>'"),
    (re.compile(r'"[^"]*"'), '"<s>"'),
]
ALIASES = {"err": "error", "warning": "warn", "critical": "fatal", "severe": "error", "panic": "fatal"}


def parse(line):
    line = line.rstrip("\n")
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
            level = str(record.get("level") or record.get("log.level") or record.get("severity") or "")
            message = str(record.get("message") or record.get("msg") or "")
            error = record.get("error.message") or record.get("exception") or ""
            stamp = str(record.get("@timestamp") or record.get("time") or record.get("timestamp") or "")
            return level.lower(), f"{message} {error}".strip(), stamp[:19].replace("T", " ")
        except ValueError:
            pass
    match = LEVEL.search(line)
    level = match.group(1).lower() if match else ""
    stamp = TIMESTAMP.search(line)
    return level, line, stamp.group(1).replace("T", " ") if stamp else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--levels", default="error,warn,fatal")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--since", default="")
    args = parser.parse_args()
    wanted = {level.strip() for level in args.levels.split(",")}
    handle = sys.stdin if args.path == "-" else open(args.path, encoding="utf-8", errors="replace")
    groups = OrderedDict()
    total = 0
    with handle:
        for line in handle:
            level, message, stamp = parse(line)
            level = ALIASES.get(level, level)
            if level not in wanted or (args.since and stamp and stamp < args.since):
                continue
            total += 1
            key = message
            for pattern, replacement in NORMALISE:
                key = pattern.sub(replacement, key)
            key = (level, key[:240])
            group = groups.setdefault(key, {"count": 0, "first": stamp, "last": stamp, "example": message})
            group["count"] += 1
            group["last"] = stamp or group["last"]
    print(f"{total} matching lines in {len(groups)} groups")
    for (level, _), group in sorted(groups.items(), key=lambda item: -item[1]["count"])[: args.top]:
        span = f"{group['first']} .. {group['last']}" if group["first"] else "no timestamps"
        print(f"\n{group['count']:>7}x {level.upper():<5} {span}\n         {group['example'][:300]}")


if __name__ == "__main__":
    main()
