#!/usr/bin/env python3
"""Counts the lines of the PostgreSQL example's connection against the
deadpool-postgres and bb8 setups that do the same (BENCHMARKS.md): lines that are
neither blank nor only a comment, each file's `main` left out (the example's
is in a file of its own), both counted alike. `python3 benches/lines.py`."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = {
    "connection (examples/postgres/postgres.rs)": "examples/postgres/postgres.rs",
    "deadpool-postgres (benches/examples/deadpool_postgres_client.rs)":
        "benches/examples/deadpool_postgres_client.rs",
    "bb8 (benches/examples/bb8_postgres_client.rs)":
        "benches/examples/bb8_postgres_client.rs",
}


def code_lines(path):
    """The file's lines of code, without `#[tokio::main] async fn main` (up
    to its closing brace at the start of a line)."""
    with open(os.path.join(ROOT, path)) as f:
        lines = f.read().splitlines()
    counted, in_main = [], False
    for line in lines:
        stripped = line.strip()
        if re.match(r"(#\[tokio::main.*\]|(pub )?(async )?fn main\b)", stripped):
            in_main = True
        if in_main:
            in_main = line != "}"
            continue
        if stripped and not stripped.startswith("//"):
            counted.append(line)
    return len(counted)


counts = {name: code_lines(path) for name, path in FILES.items()}
print("| setup | lines |")
print("|---|---|")
for name, count in counts.items():
    print(f"| {name} | {count} |")
ours, *peers = counts.values()
print()
for name, theirs in list(counts.items())[1:]:
    print(f"against {name.split()[0]}: {ours / theirs:.2f}x ({ours} against {theirs})")
