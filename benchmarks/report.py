"""Print the Markdown tables of benchmarks/README.md from benchmarks/results.json.

Runs are found by label: ``{database}-{size}`` with the page cache (run.py's default)
and ``{database}-{size}-nocache`` without it, for database in sqlite/postgresql and
size in 5k/50k/200k. Missing runs are left out.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATABASES = ("sqlite", "postgresql")
SIZES = ("5k", "50k", "200k")
PAGED = ("consultation", "list", "list_filtered", "search", "detail", "summary", "api_list")


def by_label():
    return {r["label"]: r for r in json.loads((HERE / "results.json").read_text())}


def page_table(run):
    lines = ["| page | req/s | p50 ms | p95 ms | p99 ms | queries | bytes | share of hello |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    hello = run["hello"]
    lines.append(f"| hello (ceiling) | {hello['rps']:.0f} | {hello['p50_ms']:.1f} | "
                 f"{hello['p95_ms']:.1f} | {hello['p99_ms']:.1f} | – | – | 100% |")
    for name, p in run["pages"].items():
        lines.append(f"| {name} | {p['rps']:.0f} | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} | "
                     f"{p['p99_ms']:.1f} | {p['queries']} | {p['bytes']:,} | "
                     f"{100 * p['ratio']:.0f}% |")
    csv_ = run["csv_export"]
    lines += ["", f"Publishing a summary snapshot: {run['publish_summary_s']:.1f} s. Full CSV "
                  f"export: {csv_['rows']:,} rows in {csv_['seconds']:.1f} s, peak RSS growth "
                  f"{csv_['peak_rss_growth_mb']:.0f} MB. Machine load (1-minute average) "
                  f"{run.get('load_before', '?')} before the load, "
                  f"{run.get('load_after', '?')} after."]
    return "\n".join(lines)


def growth_table(runs, database, suffix):
    small, large = runs.get(f"{database}-5k{suffix}"), runs.get(f"{database}-200k{suffix}")
    if not (small and large):
        return ""
    lines = ["| page | 5k p95 ms | 200k p95 ms | growth | 5k share | 200k share | queries |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name in PAGED:
        a, b = small["pages"].get(name), large["pages"].get(name)
        if a and b:
            lines.append(f"| {name} | {a['p95_ms']:.1f} | {b['p95_ms']:.1f} | "
                         f"{b['p95_ms'] / a['p95_ms']:.1f}× | {100 * a['ratio']:.0f}% | "
                         f"{100 * b['ratio']:.0f}% | {a['queries']} / {b['queries']} |")
    return "\n".join(lines)


def main():
    runs = by_label()
    out = []
    for suffix, title in (("", "with the anonymous page cache"),
                          ("-nocache", "without the page cache")):
        for database in DATABASES:
            for size in SIZES:
                run = runs.get(f"{database}-{size}{suffix}")
                if run:
                    out += [f"#### {database}, {size} contributions, {title} "
                            f"({run['date'][:10]})", "", page_table(run), ""]
            growth = growth_table(runs, database, suffix)
            if growth:
                out += [f"#### Growth from 5k to 200k, {database}, {title}", "", growth, ""]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
