#!/usr/bin/env python3
"""Query a SearXNG instance (JSON API) and print compact results. Standard library only.

    SEARXNG_URL=http://127.0.0.1:8888 python3 search.py "query" [--limit 8] [--language zh-CN]
        [--time day|week|month|year] [--categories general,news]
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("query")
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--language", default="auto")
    parser.add_argument("--time", choices=["day", "week", "month", "year"])
    parser.add_argument("--categories", default="general")
    parser.add_argument("--timeout", type=float, default=15)
    args = parser.parse_args()

    base = os.environ.get("SEARXNG_URL", "").rstrip("/")
    if not base:
        sys.exit("SEARXNG_URL is not set: ask the user for their SearXNG address")
    params = {"q": args.query, "format": "json", "language": args.language, "categories": args.categories}
    if args.time:
        params["time_range"] = args.time
    url = f"{base}/search?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "lingxi-searxng-skill/1.0"})
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 403:
            sys.exit("SearXNG refused JSON output: enable 'json' in search.formats of its settings.yml")
        sys.exit(f"SearXNG answered HTTP {error.code}")
    except (urllib.error.URLError, TimeoutError) as error:
        sys.exit(f"SearXNG is not reachable at {base}: {error}")

    results = payload.get("results", [])[: args.limit]
    if not results:
        print("no results")
    for index, result in enumerate(results, 1):
        title = (result.get("title") or "").strip()
        snippet = " ".join((result.get("content") or "").split())
        engines = ",".join(result.get("engines") or [result.get("engine", "?")])
        date = result.get("publishedDate") or ""
        print(f"[{index}] {title}\n    {result.get('url')}\n    ({engines}{', ' + date if date else ''}) {snippet[:300]}\n")
    for answer in payload.get("answers", [])[:2]:
        print(f"answer: {answer}")


if __name__ == "__main__":
    main()
