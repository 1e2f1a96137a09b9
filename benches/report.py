#!/usr/bin/env python3
"""Prints the Markdown tables of BENCHMARKS.md from criterion's output of the
last `cargo bench --bench actors` run: mean time per operation, and each
implementation's ratio to the hand-written tokio actor measured in the same
run."""

import glob
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "target", "criterion")
ORDER = ["handwritten", "generated", "generated_untimed", "kameo", "ractor"]
GROUPS = ["call_latency", "call_throughput_64", "cast_throughput", "start", "reconnect_cycle"]
FLAVORS = ["current_thread", "multi_thread_2"]

results = {}
for path in glob.glob(os.path.join(ROOT, "**", "new", "benchmark.json"), recursive=True):
    with open(path) as f:
        bench = json.load(f)
    with open(os.path.join(os.path.dirname(path), "estimates.json")) as f:
        mean = json.load(f)["mean"]["point_estimate"]
    results[(bench["group_id"], bench["function_id"])] = mean


def show(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


for group in GROUPS:
    print(f"### {group}\n")
    print("| implementation | " + " | ".join(f"{flavor} | ratio" for flavor in FLAVORS) + " |")
    print("|---|" + "---|---|" * len(FLAVORS))
    for name in ORDER:
        cells = []
        for flavor in FLAVORS:
            mean = results.get((f"{group}/{flavor}", name))
            base = results.get((f"{group}/{flavor}", "handwritten"))
            if mean is None:
                cells += ["n/a", ""]
            else:
                cells += [show(mean), f"{mean / base:.2f}×" if base else ""]
        if any(cell != "n/a" and cell for cell in cells[::2]):
            print(f"| {name} | " + " | ".join(cells) + " |")
    print()
