#!/usr/bin/env python3
"""How much code one request touches: the distinct 64-byte lines of machine code that run at
least once per request, from callgrind's per-instruction counts, in all and by crate.

Sequential requests run on cold caches (the client sleeps between two of them), so this, not
the instruction count, is what a request's latency follows. Usage, from the repository root:

    cargo bench --bench sdk_vs_raw --no-run
    B=$(ls -t target/release/deps/sdk_vs_raw-* | grep -v '\\.d$' | head -1)
    for side in sdk raw; do
        SDK_VS_RAW_QUICK=1 SDK_VS_RAW_PROFILE=get-$side valgrind --tool=callgrind \\
            --dump-instr=yes --compress-pos=no --compress-strings=no \\
            --callgrind-out-file=/tmp/get-$side.callgrind $B --bench
    done
    python3 benches/sdk_vs_raw/footprint.py /tmp/get-sdk.callgrind /tmp/get-raw.callgrind 10000

The last argument is the number of requests of each run (`get-*` under `SDK_VS_RAW_QUICK=1`
runs 5 rounds of 2,000); an instruction counts when it ran at least 90% that many times.

The cache misses the README quotes come from cachegrind's simulation of the same runs, divided
by 10,000:

    SDK_VS_RAW_QUICK=1 SDK_VS_RAW_PROFILE=get-sdk valgrind --tool=cachegrind --cache-sim=yes $B --bench
"""

import collections
import re
import sys


def executions(path):
    """Instruction address -> (times it ran, its function)."""
    counts = collections.Counter()
    function = {}
    current = None
    after_call = False
    with open(path) as lines:
        for line in lines:
            if line.startswith("calls="):
                after_call = True  # the next cost line is the call's inclusive cost
                continue
            if line.startswith("fn="):
                current = line[3:].strip()
                continue
            if line.startswith("0x"):
                if after_call:
                    after_call = False
                    continue
                fields = line.split()
                address = int(fields[0], 16)
                counts[address] += int(fields[2]) if len(fields) > 2 else 0
                function[address] = current
    return counts, function


CRATES = [
    ("maiagent::generated", "maiagent types"),
    ("maiagent::wire", "maiagent wire"),
    ("maiagent", "maiagent (call, transport)"),
    ("sdk_vs_raw::baseline", "hand-written types"),
]
OTHERS = ["serde_json", "serde_core", "hyper_util", "hyper", "reqwest", "tokio", "url", "http",
          "futures", "bytes", "idna", "alloc::", "core::", "std::"]


def crate(function):
    for needle, name in CRATES:
        if needle in function:
            return name
    for name in OTHERS:
        if name in function:
            return name
    return "other"


def footprint(path, requests):
    counts, function = executions(path)
    lines = collections.defaultdict(set)
    for address, times in counts.items():
        if times >= requests * 0.9:
            lines[crate(function[address])].add(address >> 6)
    return {name: len(set_) for name, set_ in lines.items()}


def main():
    sdk_path, raw_path, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sdk, raw = footprint(sdk_path, requests), footprint(raw_path, requests)
    print(f"{'code lines touched per request':32} {'SDK':>6} {'raw':>6} {'diff':>6}")
    for name in sorted(set(sdk) | set(raw), key=lambda n: raw.get(n, 0) - sdk.get(n, 0)):
        a, b = sdk.get(name, 0), raw.get(name, 0)
        print(f"{name:32} {a:6d} {b:6d} {a - b:+6d}")
    a, b = sum(sdk.values()), sum(raw.values())
    print(f"{'all':32} {a:6d} {b:6d} {a - b:+6d}  ({(a - b) * 64 / 1024:+.0f} KiB)")


if __name__ == "__main__":
    if len(sys.argv) != 4 or not re.fullmatch(r"\d+", sys.argv[3]):
        sys.exit(__doc__)
    main()
