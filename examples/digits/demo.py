#!/usr/bin/env python3
"""Compile the digits CNN to float32 and int8 libraries and compare them.

Usage:  /usr/bin/python3 examples/digits/demo.py [--build-dir build]

Compiles digits.onnx twice with qc-compile (``--float``, and int8 calibrated
on calib.npy), runs both on the 500 test images one sample at a time, and
prints accuracy, argmax agreement and median latency per sample. Exits with
status 1 if int8 accuracy is more than 1 point below float, or if the two
libraries agree on fewer than 99% of the samples.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))

import qc  # noqa: E402

MAX_ACC_DROP = 1.0        # percentage points
MIN_AGREEMENT = 99.0      # percent


def median_latency_us(model, x, rounds=3, inner=10):
    """Median over samples (and rounds) of the mean time of `inner` runs, in µs."""
    bound = [model.bind(x[i:i + 1]) for i in range(len(x))]
    for b in bound[:20]:  # warm-up
        b()
    samples = []
    clock = time.perf_counter
    for _ in range(rounds):
        for b in bound:
            t0 = clock()
            for _ in range(inner):
                b()
            samples.append((clock() - t0) / inner)
    return statistics.median(samples) * 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=None,
                    help="build directory containing bin/qc-compile (default: "
                         "$QC_COMPILE, <repo>/build, then PATH)")
    ap.add_argument("--qc-compile", default=None, help="path of the qc-compile executable")
    ap.add_argument("--keep", default=None, metavar="DIR",
                    help="write the libraries to DIR instead of a temporary directory")
    args = ap.parse_args(argv)

    exe = args.qc_compile
    if exe is None and args.build_dir is not None:
        exe = os.path.join(args.build_dir, "bin", "qc-compile")
    try:
        exe = qc.find_qc_compile(exe)
    except qc.QCError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if exe is None:
        print("error: qc-compile not found (use --build-dir or set QC_COMPILE)",
              file=sys.stderr)
        return 2

    onnx_path = os.path.join(HERE, "digits.onnx")
    calib_path = os.path.join(HERE, "calib.npy")
    x = np.load(os.path.join(HERE, "test_x.npy"))
    y = np.load(os.path.join(HERE, "test_y.npy"))
    print(f"qc-compile: {exe}")
    print(f"model: {onnx_path}; {len(x)} test samples")

    with tempfile.TemporaryDirectory(prefix="qc-digits-") as tmp:
        out_dir = args.keep or tmp
        os.makedirs(out_dir, exist_ok=True)
        try:
            t0 = time.perf_counter()
            lib_f = qc.compile(onnx_path, output=os.path.join(out_dir, "libdigits_f32.so"),
                               quantize=False, qc_compile=exe)
            t1 = time.perf_counter()
            lib_q = qc.compile(onnx_path, calibration_data=calib_path,
                               output=os.path.join(out_dir, "libdigits_i8.so"),
                               qc_compile=exe)
            t2 = time.perf_counter()
        except qc.QCError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"compiled float32 in {t1 - t0:.2f}s, int8 in {t2 - t1:.2f}s")

        m_f = qc.load(lib_f)
        m_q = qc.load(lib_q)
        logits_f = m_f.run_batch(x)
        logits_q = m_q.run_batch(x)
        pred_f = logits_f.argmax(axis=1)
        pred_q = logits_q.argmax(axis=1)
        acc_f = 100.0 * float((pred_f == y).mean())
        acc_q = 100.0 * float((pred_q == y).mean())
        agree = 100.0 * float((pred_f == pred_q).mean())
        lat_f = median_latency_us(m_f, x)
        lat_q = median_latency_us(m_q, x)

    print()
    print(f"{'':24s}{'float32':>12s}{'int8':>12s}")
    print(f"{'test accuracy (%)':24s}{acc_f:12.2f}{acc_q:12.2f}")
    print(f"{'median latency (us)':24s}{lat_f:12.2f}{lat_q:12.2f}")
    print(f"{'argmax agreement (%)':24s}{agree:24.2f}")
    print(f"{'speed-up (float/int8)':24s}{lat_f / lat_q:23.2f}x")
    print()

    ok = True
    if acc_q < acc_f - MAX_ACC_DROP:
        print(f"FAIL: int8 accuracy {acc_q:.2f}% is more than {MAX_ACC_DROP:g} point "
              f"below float {acc_f:.2f}%")
        ok = False
    if agree < MIN_AGREEMENT:
        print(f"FAIL: argmax agreement {agree:.2f}% < {MIN_AGREEMENT:g}%")
        ok = False
    if ok:
        print(f"OK: int8 accuracy within {MAX_ACC_DROP:g} point of float and "
              f"agreement >= {MIN_AGREEMENT:g}%")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
