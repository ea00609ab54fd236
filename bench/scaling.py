#!/usr/bin/python3
"""Two threads against one, per layer and per model, for each x86 kernel path.

    /usr/bin/python3 bench/scaling.py [--rounds N] [--runs N] [--layers-only]

Compiles the ResNet-50 / MobileNetV2 layer shapes of bench/run.py and whole
resnet18 / mobilenet_v2 (the same exports and calibration as run.py) twice:
for the host (AMX tiles where the kernel selector takes them) and for
x86_64-avx512vnni. Every round times each library at 1 and at 2 threads
(bench/qc_time, `NAME_set_num_threads`), one after the other, so the two
thread counts see the same phases of a noisy VM; prints medians and
speed-ups as a markdown table. Nothing is pinned: the 2-thread runs need
both CPUs.

Also measures whether the two CPUs share their AMX and VNNI units: bench/peak.c
on CPU 0 alone, and while a second copy runs on CPU 1.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import run as bench  # noqa: E402


def qc_time(tool, lib, name, runs, threads):
    return float(bench.run([tool, lib, name, str(runs), str(threads)]).split()[0])


def peaks(tool):
    """Median GOPS on cpu 0 alone and while copies run back to back on cpu 1."""
    alone = bench.peak_on(tool, 0)
    other = subprocess.Popen(
        ["sh", "-c", f"while :; do taskset -c 1 {tool} > /dev/null; done"])
    try:
        loaded = bench.peak_on(tool, 0)
    finally:
        other.kill()
        other.wait()
    return {k: (alone[k], loaded[k]) for k in alone}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--layers-only", action="store_true")
    args = ap.parse_args()
    qc_compile = os.path.join(bench.BUILD, "bin", "qc-compile")
    with tempfile.TemporaryDirectory(prefix="qc-scaling-") as work:
        tools = bench.build_tools(work)
        if len(os.sched_getaffinity(0)) >= 2:
            print("peak.c on cpu 0 (GOPS): alone / while cpu 1 runs it too")
            for k, (a, b) in peaks(tools["peak"]).items():
                print(f"  {k}: {a:.0f} / {b:.0f}")
        libs = []  # (label, host lib, vnni lib, symbol)
        for i, (name, h, w, c, o, k, s, g) in enumerate(
                bench.MOBILENET_V2 + bench.RESNET50):
            mlir = os.path.join(work, f"layer{i}.mlir")
            with open(mlir, "w") as f:
                f.write(bench.layer_mlir(h, w, c, o, k, s, g))
            pair = []
            for target in (None, "x86_64-avx512vnni"):
                lib = os.path.join(work, f"layer{i}.{target or 'host'}.so")
                bench.run([qc_compile, mlir, "--name", f"layer{i}", "--io", "int8",
                           "-o", lib] + (["--target", target] if target else []))
                pair.append(lib)
            libs.append((name, pair[0], pair[1], f"layer{i}", args.runs))
        if not args.layers_only:
            models = bench.torch_models(["resnet18", "mobilenet_v2"], work)
            for name, m in models.items():
                pair = []
                for target in (None, "x86_64-avx512vnni"):
                    lib = os.path.join(work, f"{name}.{target or 'host'}.so")
                    bench.run([qc_compile, m["onnx"], "--calibration-data",
                               m["calib"], "--name", name, "-o", lib] +
                              (["--target", target] if target else []))
                    pair.append(lib)
                libs.append((name, pair[0], pair[1], name, max(args.runs // 10, 10)))
        print(f"\n{args.rounds} rounds, medians (us); speed-up = 1 thread / 2 threads\n")
        print("| layer / model | host 1t | host 2t | host speed-up | "
              "VNNI 1t | VNNI 2t | VNNI speed-up |")
        print("|---|---|---|---|---|---|---|")
        for label, host, vnni, sym, runs in libs:
            t = {key: [] for key in ("h1", "h2", "v1", "v2")}
            for _ in range(args.rounds):
                t["h1"].append(qc_time(tools["qc_time"], host, sym, runs, 1))
                t["h2"].append(qc_time(tools["qc_time"], host, sym, runs, 2))
                t["v1"].append(qc_time(tools["qc_time"], vnni, sym, runs, 1))
                t["v2"].append(qc_time(tools["qc_time"], vnni, sym, runs, 2))
            m = {key: statistics.median(v) for key, v in t.items()}
            print(f"| {label} | {m['h1']:.1f} | {m['h2']:.1f} | "
                  f"{m['h1'] / m['h2']:.2f}x | {m['v1']:.1f} | {m['v2']:.1f} | "
                  f"{m['v1'] / m['v2']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
