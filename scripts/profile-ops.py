#!/usr/bin/env python3
"""Sums a PyTorch profiler trace (ModelBenchmark --profile) by operator: one JSON line per operator,
the most expensive first, with its self time (its own span less the operators it called) and its
calls; then one line of totals. On a GPU the trace must come from a run with
CUDA_LAUNCH_BLOCKING=1, else the times are those of queueing kernels, not of running them.

    scripts/profile-ops.py TRACE [TOP]     # TOP operators (default 25)
"""
import collections
import json
import sys


def self_times(events):
    """Each event's span less its direct children's, per thread (events nest by time)."""
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e["tid"]].append(e)
    totals = collections.defaultdict(lambda: [0.0, 0])
    for thread in by_thread.values():
        # parents before their children: earlier start, then the longer span
        thread.sort(key=lambda e: (e["ts"], -e["dur"]))
        open_spans = []  # [end, name, self time]
        for e in thread:
            while open_spans and open_spans[-1][0] <= e["ts"]:
                end, name, own = open_spans.pop()
                totals[name][0] += own
            if open_spans:
                open_spans[-1][2] -= e["dur"]
            totals[e["name"]][1] += 1
            open_spans.append([e["ts"] + e["dur"], e["name"], float(e["dur"])])
        for end, name, own in open_spans:
            totals[name][0] += own
    return totals


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        events = json.load(f)
    top = int(sys.argv[2]) if len(sys.argv) == 3 else 25
    totals = self_times(events)
    whole = sum(own for own, _ in totals.values())
    ranked = sorted(totals.items(), key=lambda kv: -kv[1][0])
    for name, (own, calls) in ranked[:top]:
        print(json.dumps({"op": name, "self_ms": round(own / 1000, 3), "calls": calls,
                          "share": round(own / whole, 4) if whole else 0}))
    print(json.dumps({"op": "(all)", "self_ms": round(whole / 1000, 3),
                      "calls": sum(c for _, c in totals.values()), "operators": len(totals)}))


if __name__ == "__main__":
    main()
