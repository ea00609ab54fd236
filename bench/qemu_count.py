#!/usr/bin/env python3
"""Dynamic instruction counts of qc's AArch64 and RISC-V kernels under
qemu-user, against a plain scalar build of the same convolution.

    /usr/bin/python3 bench/qemu_count.py [--results bench/RESULTS.md]

qemu logs every translated block's guest instructions (-d in_asm) and every
block it executes (-d exec with -d nochain, so chained blocks are logged
too); the instructions executed are the sum over executed blocks of their
sizes. A run with 3 inferences minus a run with 1 leaves the instructions of
2 inferences (no loader, no setup). qc's layer runs through qc-run-lib
(float in/out, so its count includes quantizing the input and dequantizing
the output); the scalar baseline is bench/scalar_conv.c at -O2 with the
vectorizers off. Writes its table into --results (a section of its own).
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration"))
import mca  # noqa: E402

# (qc target and flags, architecture, qemu CPU)
RUNS = [
    ("aarch64-neon", "aarch64", "cortex-a53"),
    ("aarch64-dotprod", "aarch64", "neoverse-n1"),
    ("aarch64-i8mm", "aarch64", "max"),
    ("riscv64-rvv", "riscv64", "rv64,v=true,vlen=128"),
    ("riscv64-rvv", "riscv64", "rv64,v=true,vlen=256"),
    ("riscv64-rvv", "riscv64", "rv64,v=true,vlen=512"),
    ("riscv64-rvv --vlen 256", "riscv64", "rv64,v=true,vlen=256"),
]
SCALAR = {"aarch64": "cortex-a53", "riscv64": "rv64"}
# 3x3, 32 -> 32 channels, 10x10, padding 1: 922 k multiply-adds.
LAYER = (1, 10, 10, 32, 32, 3, 1, 1)
MARK = "<!-- bench/qemu_count.py -->"


def sh(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def count(cmd, log):
    """Guest instructions `cmd` executes under qemu (logging to `log`)."""
    subprocess.run(cmd[:1] + ["-d", "in_asm,exec,nochain", "-D", log] + cmd[1:],
                   check=True, capture_output=True)
    sizes, executed = {}, collections.Counter()
    pc, n = None, 0
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("Trace "):
                m = re.search(r"\[[0-9a-f]+/([0-9a-f]+)/", line)
                if m:
                    executed[int(m.group(1), 16)] += 1
            elif line.startswith("IN:"):
                pc, n = None, 0
            elif line.startswith("0x") and ":" in line:
                addr = int(line.split(":")[0], 16)
                if pc is None:
                    pc = addr
                n += 1
                sizes[pc] = n
    os.unlink(log)
    return sum(sizes.get(p, 0) * c for p, c in executed.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = ap.parse_args()
    n, h, w, c, o, k, s, pad = LAYER
    oh, ow = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
    macs = n * oh * ow * o * c * k * k
    qc = os.path.join(BUILD, "bin", "qc-compile")
    rows = []
    with tempfile.TemporaryDirectory(prefix="qc-qemu-") as work:
        mlir = os.path.join(work, "layer.mlir")
        with open(mlir, "w") as f:
            f.write(mca.layer_mlir(*LAYER))
        x = np.random.default_rng(0).standard_normal(3 * n * h * w * c).astype(np.float32)
        x.tofile(os.path.join(work, "in.bin"))
        per_arch = {}
        for arch in SCALAR:
            runner = os.path.join(work, f"run.{arch}")
            flags = ["-march=rv64gc"] if arch == "riscv64" else []
            sh(["clang-22", f"--target={arch}-linux-gnu", "-O2", *flags,
                os.path.join(ROOT, "tools", "qc-run-lib", "qc_run_lib.c"), "-ldl",
                "-o", runner])
            scalar = os.path.join(work, f"scalar.{arch}")
            sh(["clang-22", f"--target={arch}-linux-gnu", "-O2", "-fno-vectorize",
                "-fno-slp-vectorize", *flags, os.path.join(ROOT, "bench", "scalar_conv.c"),
                "-o", scalar])
            qemu = [f"qemu-{arch}", "-L", f"/usr/{arch}-linux-gnu", "-cpu", SCALAR[arch]]
            counts = [count(qemu + [scalar, *map(str, (h, w, c, o, k, s, pad, r))],
                            os.path.join(work, "log")) for r in (1, 3)]
            per_arch[arch] = (counts[1] - counts[0]) / 2
            rows.append((f"scalar C ({arch}, -O2, no vectorizer)", SCALAR[arch],
                         per_arch[arch], 1.0))
        for target, arch, cpu in RUNS:
            lib = os.path.join(work, "lib.so")
            sh([qc, mlir, "--target", *target.split(), "--name", "g", "-o", lib])
            qemu = [f"qemu-{arch}", "-L", f"/usr/{arch}-linux-gnu", "-cpu", cpu]
            counts = [count(qemu + [os.path.join(work, f"run.{arch}"), lib, "g", str(r),
                                    os.path.join(work, "in.bin"),
                                    os.path.join(work, "out.bin"), "1"],
                            os.path.join(work, "log")) for r in (1, 3)]
            per = (counts[1] - counts[0]) / 2
            rows.append((f"qc {target}", cpu, per, per_arch[arch] / per))
    lines = [f"{MARK}", "## Dynamic instruction counts under qemu-user", "",
             "Produced by `/usr/bin/python3 bench/qemu_count.py`: one 3×3 "
             f"convolution, {c}→{o} channels at {h}×{w} (padding 1), "
             f"{macs / 1e3:.0f} k multiply-adds; instructions per inference "
             "(3 runs minus 1, halved). See the script's docstring.", "",
             "| build | qemu CPU | instructions | per multiply-add | scalar / this |",
             "|---|---|---:|---:|---:|"]
    for name, cpu, per, ratio in rows:
        lines.append(f"| {name} | {cpu} | {per:,.0f} | {per / macs:.3f} | {ratio:.1f}× |")
    section = "\n".join(lines) + "\n"
    print(section)
    text = open(args.results).read() if os.path.exists(args.results) else ""
    if MARK in text:
        start = text.index(MARK)
        end = text.find("<!-- bench/", start + len(MARK))
        text = text[:start] + (text[end:] if end >= 0 else "")
    with open(args.results, "w") as f:
        f.write(text.rstrip() + "\n\n" + section)


if __name__ == "__main__":
    main()
