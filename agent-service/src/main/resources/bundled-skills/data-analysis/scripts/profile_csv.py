#!/usr/bin/env python3
"""Profile a delimited text table: column types, missing values, distinct counts, numeric
summaries, and optionally a grouped sum. Standard library only."""
import argparse
import csv
import statistics
import sys
from collections import Counter, defaultdict


def parse_number(text):
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("$", "").replace("%", "")
    if cleaned == "":
        return None
    try:
        return float(cleaned)
    except ValueError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--delimiter", default=",", help="',' (default), ';', 'tab' or any character")
    parser.add_argument("--encoding", default="utf-8-sig")
    parser.add_argument("--max-rows", type=int, default=2_000_000)
    parser.add_argument("--group-by", help="column to group by")
    parser.add_argument("--sum", help="numeric column to sum per group")
    args = parser.parse_args()
    delimiter = "\t" if args.delimiter == "tab" else args.delimiter

    with open(args.path, newline="", encoding=args.encoding, errors="replace") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        if not reader.fieldnames:
            sys.exit("no header row found")
        columns = reader.fieldnames
        missing = Counter()
        distinct = defaultdict(set)
        numbers = defaultdict(list)
        non_numeric = Counter()
        groups = defaultdict(float)
        rows = 0
        for row in reader:
            rows += 1
            if rows > args.max_rows:
                print(f"stopped after {args.max_rows} rows", file=sys.stderr)
                break
            for column in columns:
                value = (row.get(column) or "").strip()
                if value == "":
                    missing[column] += 1
                    continue
                if len(distinct[column]) <= 1000:
                    distinct[column].add(value)
                number = parse_number(value)
                if number is None:
                    non_numeric[column] += 1
                else:
                    numbers[column].append(number)
            if args.group_by and args.sum:
                amount = parse_number(row.get(args.sum) or "")
                if amount is not None:
                    groups[(row.get(args.group_by) or "").strip() or "(empty)"] += amount

    print(f"rows: {rows}  columns: {len(columns)}")
    print(f"{'column':<28}{'type':<9}{'missing':>9}{'distinct':>10}  summary")
    for column in columns:
        values = numbers[column]
        numeric = values and non_numeric[column] == 0
        kind = "number" if numeric else "text"
        count = len(distinct[column])
        shown = f"{count}+" if count > 1000 else str(count)
        if numeric:
            summary = (f"min {min(values):g}  median {statistics.median(values):g}  "
                       f"mean {statistics.fmean(values):.4g}  max {max(values):g}  sum {sum(values):.6g}")
        else:
            top = Counter(v for v in distinct[column]).most_common(3)
            summary = "e.g. " + ", ".join(v for v, _ in top)
        print(f"{column[:27]:<28}{kind:<9}{missing[column]:>9}{shown:>10}  {summary[:90]}")
    if groups:
        print(f"\nsum of {args.sum} by {args.group_by}:")
        total = sum(groups.values()) or 1.0
        for key, value in sorted(groups.items(), key=lambda item: -item[1])[:30]:
            print(f"  {key[:40]:<40}{value:>16.6g}  {100 * value / total:5.1f}%")


if __name__ == "__main__":
    main()
