#!/usr/bin/env python3
"""qc's speed, side by side with its peers, on this machine.

    /usr/bin/python3 bench/run.py [--quick] [--rounds R] [--runs N]
                                  [--model-rounds M]
                                  [--layer-sets rn50,mbv2,rx50]
                                  [--models resnet18,mobilenet_v2]
                                  [--results bench/RESULTS.md]

Measures, all in one run and on one core:
  * the int8 peak of the core: 24 independent `vpdpbusd zmm` and, where the
    CPU has AMX, 4 independent `tdpbusd` tiles (bench/peak.c);
  * per-layer int8 convolutions of ResNet-50, MobileNetV2 and the grouped
    3x3 convolutions of ResNeXt-50 32x4d (batch 1; Halide's schedule has no
    grouped form, so those rows have no Halide time):
    qc (a generated library per layer built with --io int8 for the host,
    AMX tiles where the CPU has them, and for x86_64-avx512vnni, so it takes and
    returns int8 tensors like the peer; the time includes qc's staging copy
    of the input into its padded unsigned image) against oneDNN 2.6 (u8/s8 NHWC with per-channel output scales and ReLU,
    its default ISA choice and limited with ONEDNN_MAX_CPU_ISA=
    AVX512_CORE_VNNI) and Halide 14 (bench/halide_conv.cpp: a VNNI schedule
    with register tiles, JIT-compiled);
  * whole torchvision resnet18 and mobilenet_v2 (224x224, weights=None;
    --models names others, e.g. regnet_y_400mf,resnext50_32x4d):
    qc int8 (calibrated by qc, and PyTorch's own int8 model exported as QDQ
    ONNX) against PyTorch 1.13 int8 (FX quantization, onednn engine), ONNX
    Runtime 1.30 int8 on the same QDQ file (npm onnxruntime-node), and both
    in float, plus qc's ONNX-to-.so compile time.
Peers and qc alternate within each round; every number is the median over
rounds of per-process medians. One-thread runs are all pinned to one CPU
(taskset / sched_setaffinity): the CPU whose peak micro-benchmark is the
fastest (--cpu overrides). On the 2-vCPU VM this was written on, the two
vCPUs' AMX rates differed by up to 2x (a busy sibling hyperthread on the
host), which made unpinned timings bimodal; the per-CPU peaks are printed
and recorded. GOPS count 2 ops per multiply-accumulate.
Writes the table to stdout, bench/RESULTS.md (with this command) and
bench/results.png.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration"))
sys.path.insert(0, os.path.join(ROOT, "python"))
import gen_int8_graph as gen  # noqa: E402

import numpy as np  # noqa: E402

# name, H, W, C, O, K, stride, groups (pad = K // 2)
RESNET50 = [
    ("rn50.conv1 7x7/2", 224, 224, 3, 64, 7, 2, 1),
    ("rn50.l1 1x1 64>64", 56, 56, 64, 64, 1, 1, 1),
    ("rn50.l1 3x3 64", 56, 56, 64, 64, 3, 1, 1),
    ("rn50.l1 1x1 64>256", 56, 56, 64, 256, 1, 1, 1),
    ("rn50.l1 1x1 256>64", 56, 56, 256, 64, 1, 1, 1),
    ("rn50.l2 3x3 128/2", 56, 56, 128, 128, 3, 2, 1),
    ("rn50.l2 3x3 128", 28, 28, 128, 128, 3, 1, 1),
    ("rn50.l2 1x1 512>128", 28, 28, 512, 128, 1, 1, 1),
    ("rn50.l3 3x3 256", 14, 14, 256, 256, 3, 1, 1),
    ("rn50.l3 1x1 1024>256", 14, 14, 1024, 256, 1, 1, 1),
    ("rn50.l4 3x3 512", 7, 7, 512, 512, 3, 1, 1),
    ("rn50.l4 1x1 2048>512", 7, 7, 2048, 512, 1, 1, 1),
    ("rn50.fc 2048>1000", 1, 1, 2048, 1000, 1, 1, 1),
]
MOBILENET_V2 = [
    ("mbv2.conv1 3x3/2", 224, 224, 3, 32, 3, 2, 1),
    ("mbv2.dw 3x3 32", 112, 112, 32, 32, 3, 1, 32),
    ("mbv2.pw 1x1 32>16", 112, 112, 32, 16, 1, 1, 1),
    ("mbv2.pw 1x1 16>96", 112, 112, 16, 96, 1, 1, 1),
    ("mbv2.dw 3x3 96/2", 112, 112, 96, 96, 3, 2, 96),
    ("mbv2.dw 3x3 144", 56, 56, 144, 144, 3, 1, 144),
    ("mbv2.pw 1x1 144>24", 56, 56, 144, 24, 1, 1, 1),
    ("mbv2.dw 3x3 192", 28, 28, 192, 192, 3, 1, 192),
    ("mbv2.pw 1x1 192>32", 28, 28, 192, 32, 1, 1, 1),
    ("mbv2.dw 3x3 384", 14, 14, 384, 384, 3, 1, 384),
    ("mbv2.pw 1x1 384>64", 14, 14, 384, 64, 1, 1, 1),
    ("mbv2.dw 3x3 960", 7, 7, 960, 960, 3, 1, 960),
    ("mbv2.pw 1x1 960>320", 7, 7, 960, 320, 1, 1, 1),
    ("mbv2.pw 1x1 320>1280", 7, 7, 320, 1280, 1, 1, 1),
]
# ResNeXt-50 32x4d's grouped 3x3 convolutions (32 groups of 4, 8, 16 and 32
# channels).
RESNEXT50 = [
    ("rx50.l1 3x3 128 g32", 56, 56, 128, 128, 3, 1, 32),
    ("rx50.l2 3x3 256/2 g32", 56, 56, 256, 256, 3, 2, 32),
    ("rx50.l3 3x3 512 g32", 14, 14, 512, 512, 3, 1, 32),
    ("rx50.l4 3x3 1024 g32", 7, 7, 1024, 1024, 3, 1, 32),
]


# The CPU one-thread measurements are pinned to (None: not pinned).
ONE_CPU = None


def pinned(cmd):
    """`cmd` run on ONE_CPU only."""
    return cmd if ONE_CPU is None else ["taskset", "-c", str(ONE_CPU)] + cmd


def run(cmd, env=None, pin=False, **kw):
    e = dict(os.environ)
    e.update(env or {})
    if pin:
        cmd = pinned(cmd)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, **kw)
    if p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{p.stderr}")
    return p.stdout


def ensure_peers():
    missing = [pkg for header, pkg in
               [("/usr/include/oneapi/dnnl/dnnl.hpp", "libdnnl-dev"),
                ("/usr/include/halide14/Halide.h", "libhalide14-0-dev")]
               if not os.path.exists(header)]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        run(sudo + ["apt-get", "install", "-y", "-qq"] + missing,
            env={"DEBIAN_FRONTEND": "noninteractive"})


def build_tools(out):
    tools = {}
    src = os.path.join(ROOT, "bench")
    tools["peak"] = os.path.join(out, "peak")
    # Each of peak.c's loops is compiled for its own ISA and run only where
    # the CPU has it.
    run(["clang-22", "-O2", os.path.join(src, "peak.c"), "-o", tools["peak"]])
    tools["qc_time"] = os.path.join(out, "qc_time")
    run(["clang-22", "-O2", os.path.join(src, "qc_time.c"), "-ldl", "-o",
         tools["qc_time"]])
    tools["onednn"] = os.path.join(out, "onednn_conv")
    run(["clang++-22", "-O2", os.path.join(src, "onednn_conv.cpp"), "-ldnnl",
         "-o", tools["onednn"]])
    tools["halide"] = os.path.join(out, "halide_conv")
    run(["clang++-22", "-O2", "-std=c++17", "-I/usr/include/halide14",
         os.path.join(src, "halide_conv.cpp"), "-lHalide14", "-lpthread",
         "-ldl", "-o", tools["halide"]])
    return tools


def time_halide(args, env):
    """Halide's time and target for one layer. Halide 14's VNNI target
    (Sapphire Rapids) may emit AVX512-FP16 instructions a CPU lacks: on
    SIGILL the layer is timed again without it, and the row says so."""
    e = dict(os.environ)
    e.update(env)
    args = pinned(args)
    p = subprocess.run(args, capture_output=True, text=True, env=e)
    if p.returncode == 0:
        t, target = p.stdout.split()
        if target == "unsupported":  # grouped convs (bench/halide_conv.cpp)
            return float("nan"), "not written"
        return float(t), "vnni" if "sapphirerapids" in target else "no vnni"
    e["HALIDE_CONV_NO_VNNI"] = "1"
    p = subprocess.run(args, capture_output=True, text=True, env=e)
    if p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} failed:\n{p.stderr}")
    return float(p.stdout.split()[0]), "no vnni (SIGILL with vnni)"


def layer_mlir(h, w, c, o, k, stride, groups):
    g = gen.Graph(np.random.default_rng(0))
    pad = k // 2
    if h == 1 and w == 1 and k == 1:
        gen.fully_connected(g, 1, c, o)
    else:
        gen.conv(g, 1, h, w, c, o, k, k, (stride, stride), (1, 1),
                 (pad, pad, pad, pad), groups, clamp=(-128, 127))
    return g.text()


def layer_ops(h, w, c, o, k, stride, groups):
    pad = k // 2
    oh = (h + 2 * pad - k) // stride + 1
    ow = (w + 2 * pad - k) // stride + 1
    return 2 * oh * ow * o * (c // groups) * k * k


def median(xs):
    return statistics.median(xs)


def peak_on(tool, cpu, rounds=3):
    """bench/peak.c pinned to `cpu`: the median GOPS of each measured unit."""
    samples = {}
    for _ in range(rounds):
        for line in run(["taskset", "-c", str(cpu), tool]).splitlines():
            key, value = line.split()
            samples.setdefault(key, []).append(float(value))
    return {k: median(v) for k, v in samples.items()}


def bench_layers(tools, layers, work, rounds, runs, vnni=True):
    """Each layer's median times. `vnni`: the host has AVX-512 VNNI, so the
    x86_64-avx512vnni library and oneDNN capped at AVX512_CORE_VNNI run too
    (elsewhere their columns are nan)."""
    qc_compile = os.path.join(BUILD, "bin", "qc-compile")
    libs, vlibs = [], []
    for i, (name, h, w, c, o, k, s, g) in enumerate(layers):
        mlir = os.path.join(work, f"layer{i}.mlir")
        with open(mlir, "w") as f:
            f.write(layer_mlir(h, w, c, o, k, s, g))
        lib = os.path.join(work, f"liblayer{i}.so")
        run([qc_compile, mlir, "--name", f"layer{i}", "--io", "int8", "-o", lib])
        libs.append(lib)
        if not vnni:
            continue
        vlib = os.path.join(work, f"liblayer{i}.vnni.so")
        run([qc_compile, mlir, "--name", f"layer{i}", "--io", "int8",
             "--target", "x86_64-avx512vnni", "-o", vlib])
        vlibs.append(vlib)
    rows = []
    one = {"OMP_NUM_THREADS": "1", "HL_NUM_THREADS": "1"}
    vnni_env = dict(one, ONEDNN_MAX_CPU_ISA="AVX512_CORE_VNNI")
    for i, (name, h, w, c, o, k, s, g) in enumerate(layers):
        pad = k // 2
        dnnl_args = [tools["onednn"], "1", str(h), str(w), str(c), str(o),
                     str(k), str(k), str(s), str(pad), str(g), str(runs)]
        halide_args = [tools["halide"]] + dnnl_args[1:]
        t_qc, t_qv, t_dn, t_dv, t_hl = [], [], [], [], []
        impl, hl_target = "", ""
        for _ in range(rounds):
            t_qc.append(float(run([tools["qc_time"], libs[i], f"layer{i}",
                                   str(runs), "1"], env=one, pin=True)))
            if vnni:
                t_qv.append(float(run([tools["qc_time"], vlibs[i], f"layer{i}",
                                       str(runs), "1"], env=one, pin=True)))
            out = run(dnnl_args, env=one, pin=True).split()
            t_dn.append(float(out[0]))
            impl = out[1]
            if vnni:
                t_dv.append(float(run(dnnl_args, env=vnni_env, pin=True).split()[0]))
            t, hl_target = time_halide(halide_args, one)
            t_hl.append(t)
        ops = layer_ops(h, w, c, o, k, s, g)
        nan = float("nan")
        rows.append(dict(name=name, ops=ops, qc=median(t_qc),
                         qc_vnni=median(t_qv) if t_qv else nan,
                         onednn=median(t_dn),
                         onednn_vnni=median(t_dv) if t_dv else nan,
                         impl=impl, halide=median(t_hl), halide_target=hl_target))
        print(f"  {name:24s} qc {rows[-1]['qc']:9.1f} us  qc-VNNI "
              f"{rows[-1]['qc_vnni']:9.1f} us  oneDNN "
              f"{rows[-1]['onednn']:9.1f} us  ({impl})  Halide "
              f"{rows[-1]['halide']:9.1f} us ({hl_target})", flush=True)
    return rows


def torch_models(names, work):
    import torch
    import torchvision
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.set_num_threads(1)
    torch.backends.quantized.engine = "onednn"
    out = {}
    for name in names:
        torch.manual_seed(0)
        net = getattr(torchvision.models, name)(weights=None).eval()
        x = torch.randn(1, 3, 224, 224)
        path = os.path.join(work, f"{name}.onnx")
        torch.onnx.export(net, x, path, opset_version=13,
                          input_names=["image"], output_names=["logits"])
        calib = np.random.default_rng(0).standard_normal(
            (4, 3, 224, 224)).astype(np.float32)
        np.save(os.path.join(work, f"{name}_calib.npy"), calib)
        prepared = prepare_fx(net, get_default_qconfig_mapping("onednn"),
                              example_inputs=(x,))
        with torch.no_grad():
            for i in range(len(calib)):
                prepared(torch.from_numpy(calib[i:i + 1]))
        qnet = convert_fx(prepared)
        # PyTorch's own int8 model as QDQ ONNX: what ONNX Runtime runs, and
        # what qc compiles without calibrating.
        qdq = os.path.join(work, f"{name}_qdq.onnx")
        torch.onnx.export(qnet, x, qdq, opset_version=13,
                          input_names=["image"], output_names=["logits"])
        out[name] = dict(onnx=path, qdq=qdq,
                         calib=os.path.join(work, f"{name}_calib.npy"),
                         float=net, int8=qnet, x=x)
    return out


def time_torch(net, x, runs, threads=1):
    import torch
    torch.set_num_threads(threads)
    everywhere = os.sched_getaffinity(0)
    if threads == 1 and ONE_CPU is not None:
        os.sched_setaffinity(0, {ONE_CPU})
    try:
        with torch.no_grad():
            for _ in range(3):
                net(x)
            ts = []
            for _ in range(runs):
                t0 = time.perf_counter()
                net(x)
                ts.append((time.perf_counter() - t0) * 1e6)
    finally:
        os.sched_setaffinity(0, everywhere)
    return median(ts)


def ensure_ort():
    """ONNX Runtime 1.30 from npm (onnxruntime-node) in the build dir; None
    if node/npm are missing or the install fails."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    d = os.path.join(BUILD, "bench-node")
    pkg = os.path.join(d, "node_modules", "onnxruntime-node")
    if not os.path.isdir(pkg):
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, ".npmrc"), "w") as f:
            f.write("onnxruntime-node-install=skip\n")  # no GPU add-on download
        p = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                            "onnxruntime-node@1.30.0"], cwd=d,
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(f"bench: npm install onnxruntime-node failed:\n{p.stderr}")
            return None
    return os.path.join(d, "node_modules")


def time_ort(node_path, model, runs, threads=1):
    out = run(["node", os.path.join(ROOT, "bench", "ort_time.js"), model,
               str(runs), str(threads)], env={"NODE_PATH": node_path},
              pin=threads == 1)
    return float(out.split()[0])


def bench_models(tools, names, work, rounds, runs):
    qc_compile = os.path.join(BUILD, "bin", "qc-compile")
    models = torch_models(names, work)
    ort = ensure_ort()
    rows = []
    for name in names:
        m = models[name]
        lib = os.path.join(work, f"lib{name}.so")
        t0 = time.perf_counter()
        run([qc_compile, m["onnx"], "--calibration-data", m["calib"], "--name",
             name, "-o", lib])
        compile_s = time.perf_counter() - t0
        qlib = os.path.join(work, f"lib{name}_qdq.so")
        run([qc_compile, m["qdq"], "--name", f"{name}_qdq", "-o", qlib])
        t = {k: [] for k in ("qc", "qc_qdq", "torch_int8", "torch_float",
                             "ort_int8", "ort_float", "qc_2t", "torch_int8_2t",
                             "ort_int8_2t")}
        one = {"OMP_NUM_THREADS": "1"}
        for _ in range(rounds):
            t["qc"].append(float(run([tools["qc_time"], lib, name, str(runs), "1"],
                                     env=one, pin=True)))
            t["qc_2t"].append(float(run([tools["qc_time"], lib, name, str(runs), "2"])))
            try:
                t["torch_int8_2t"].append(time_torch(m["int8"], m["x"], runs, threads=2))
            except RuntimeError as e:
                # PyTorch 1.13's onednn int8 model, packed at one thread,
                # fails at two ("could not create a primitive descriptor for
                # a reorder primitive"): reported as n/a.
                print(f"  PyTorch int8 at 2 threads: {str(e).splitlines()[0]}")
            t["qc_qdq"].append(float(run([tools["qc_time"], qlib, f"{name}_qdq",
                                          str(runs), "1"], env=one, pin=True)))
            t["torch_int8"].append(time_torch(m["int8"], m["x"], runs))
            t["torch_float"].append(time_torch(m["float"], m["x"], max(3, runs // 3)))
            if ort:
                t["ort_int8"].append(time_ort(ort, m["qdq"], runs))
                t["ort_int8_2t"].append(time_ort(ort, m["qdq"], runs, threads=2))
                t["ort_float"].append(time_ort(ort, m["onnx"], max(3, runs // 3)))
        r = {k: (median(v) if v else float("nan")) for k, v in t.items()}
        r.update(name=name, compile_s=compile_s)
        rows.append(r)
        print(f"  {name:24s} qc {r['qc'] / 1e3:7.2f} ms  qc(QDQ) {r['qc_qdq'] / 1e3:7.2f} ms"
              f"  torch int8 {r['torch_int8'] / 1e3:7.2f} ms  ORT int8 "
              f"{r['ort_int8'] / 1e3:7.2f} ms  torch float {r['torch_float'] / 1e3:7.2f} ms"
              f"  ORT float {r['ort_float'] / 1e3:7.2f} ms  compile {compile_s:.1f} s"
              f"  | 2 threads: qc {r['qc_2t'] / 1e3:7.2f} ms  torch int8 "
              f"{r['torch_int8_2t'] / 1e3:7.2f} ms  ORT int8 {r['ort_int8_2t'] / 1e3:7.2f} ms",
              flush=True)
    return rows


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def layer_table_avx2(peaks, layers):
    """The layer table of a host without AVX-512 VNNI: qc's host library
    (x86_64-avx2) against oneDNN and Halide, % of both AVX2 peaks."""
    sat, exact = peaks["avx2_maddubsw_gops"], peaks["avx2_maddwd_gops"]
    lines = ["## Layers (batch 1, int8, median µs)", "",
             "This CPU has no AVX-512 VNNI: qc is the host library (x86_64-avx2: "
             "`vpmaddubsw` on signed activations and sign-adjusted weights, exact "
             "for weights in [-127, 127]); oneDNN and Halide run their AVX2 code. "
             "oneDNN runs u8→u8 with per-channel scales and ReLU. "
             "GOPS = 2·MACs / time; % of the saturating `vpmaddubsw` form's peak "
             "and of the exact `vpmaddwd` form's.", "",
             "| layer | ops | qc µs | qc GOPS | % vpmaddubsw peak | % vpmaddwd peak | "
             "oneDNN µs | qc / oneDNN | oneDNN kernel | Halide µs | qc / Halide | "
             "Halide target |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for r in layers:
        gops = r["ops"] / r["qc"] / 1e3
        lines.append(
            f"| {r['name']} | {r['ops'] / 1e6:.1f} M | {r['qc']:.1f} | {gops:.0f} | "
            f"{100 * gops / sat:.0f}% | {100 * gops / exact:.0f}% | "
            f"{r['onednn']:.1f} | {r['qc'] / r['onednn']:.2f}× | {r['impl']} | "
            f"{r['halide']:.1f} | {r['qc'] / r['halide']:.2f}× | {r['halide_target']} |")
    return lines


def write_results(path, command, peaks, layers, models):
    peak, amx = peaks.get("vnni_zmm_gops"), peaks.get("amx_gops")
    if peak:
        peak_text = (f"**{peak:.0f} GOPS** with 24 independent `vpdpbusd zmm`" +
                     (f", **{amx:.0f} GOPS** with AMX (4 accumulator tiles, `tdpbusd`)."
                      if amx else "; this CPU has no AMX."))
    else:
        peak_text = (f"**{peaks['avx2_maddubsw_gops']:.0f} GOPS** with "
                     "`vpmaddubsw` + `vpmaddwd` + `vpaddd` on ymm (saturating), "
                     f"**{peaks['avx2_maddwd_gops']:.0f} GOPS** with exact "
                     "`vpmaddwd` + `vpaddd`; this CPU has no AVX-512 VNNI and no AMX.")
    lines = ["# qc speed results", "",
             f"Produced by `{command}` on {time.strftime('%Y-%m-%d')}, "
             f"{cpu_name()}, one core (OMP_NUM_THREADS=1, "
             "torch.set_num_threads(1)); every one-thread run pinned to "
             f"cpu {peaks['cpu']}, {peaks['cpu_why']}.", "",
             f"Measured int8 peak of one core (bench/peak.c): {peak_text}" +
             " Per CPU: " + "; ".join(
                 f"cpu {c}: " + ", ".join(f"{k} {v:.0f}" for k, v in p.items())
                 for c, p in peaks["per_cpu"].items()) + ".", ""]
    if not peak:
        lines += layer_table_avx2(peaks, layers)
    else:
        lines += ["## Layers (batch 1, int8, median µs)", "",
                  "qc runs each layer as a library built with `--io int8` (int8 in, "
                  "int8 out; its time includes staging the input into its padded "
                  "u8 image); oneDNN runs u8→u8 with per-channel scales and ReLU. "
                  "Halide 14 runs bench/halide_conv.cpp (u8 NHWC, weights "
                  "reordered outside the timing, VNNI 4-way reduction, 16 "
                  "channels × 8 pixels register tile, padded image built per call). "
                  "GOPS = 2·MACs / time.", "",
                  "qc is the library for the host (AMX tiles for convolutions with "
                  ">= 32 input channels or kernel rows of 28-64 bytes where the CPU "
                  "has AMX), qc-VNNI the same layer "
                  "built for x86_64-avx512vnni; % of the VNNI peak for qc-VNNI, of the "
                  "AMX peak for qc.", "",
                  "| layer | ops | qc µs | qc GOPS | % AMX peak | oneDNN µs | qc / oneDNN | "
                  "oneDNN kernel | qc-VNNI µs | % VNNI peak | oneDNN-VNNI µs | "
                  "qc-VNNI / oneDNN-VNNI | Halide µs | qc-VNNI / Halide | Halide target |",
                  "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in layers:
            gops = r["ops"] / r["qc"] / 1e3
            vgops = r["ops"] / r["qc_vnni"] / 1e3
            amx_pct = f"{100 * gops / amx:.0f}%" if amx else "–"
            lines.append(
                f"| {r['name']} | {r['ops'] / 1e6:.1f} M | {r['qc']:.1f} | {gops:.0f} | "
                f"{amx_pct} | {r['onednn']:.1f} | {r['qc'] / r['onednn']:.2f}× | "
                f"{r['impl']} | {r['qc_vnni']:.1f} | {100 * vgops / peak:.0f}% | "
                f"{r['onednn_vnni']:.1f} | {r['qc_vnni'] / r['onednn_vnni']:.2f}× | "
                f"{r['halide']:.1f} | {r['qc_vnni'] / r['halide']:.2f}× | {r['halide_target']} |")
    if models:
        lines += ["", "## Whole models (224×224, batch 1, median ms)", "",
                  "qc: the float ONNX export calibrated by qc on 4 samples; qc (QDQ): "
                  "PyTorch's own int8 model exported as QDQ ONNX and compiled by qc "
                  "without calibration; ONNX Runtime 1.30 (npm onnxruntime-node, one "
                  "intra-op thread) runs the same QDQ file and the float export.", "",
                  "| model | qc int8 | qc (QDQ) | PyTorch int8 (onednn) | ORT int8 | "
                  "PyTorch float | ORT float | qc / PyTorch int8 | qc / ORT int8 | "
                  "float / qc | qc compile (ONNX→.so incl. calibration) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in models:
            lines.append(
                f"| {r['name']} | {r['qc'] / 1e3:.2f} | {r['qc_qdq'] / 1e3:.2f} | "
                f"{r['torch_int8'] / 1e3:.2f} | {r['ort_int8'] / 1e3:.2f} | "
                f"{r['torch_float'] / 1e3:.2f} | {r['ort_float'] / 1e3:.2f} | "
                f"{r['qc'] / r['torch_int8']:.2f}× | {r['qc'] / r['ort_int8']:.2f}× | "
                f"{min(r['torch_float'], r['ort_float']) / r['qc']:.1f}× | "
                f"{r['compile_s']:.1f} s |")
        lines += ["", "Two threads (qc: `NAME_set_num_threads(2)`; PyTorch "
                  "`torch.set_num_threads(2)`; ONNX Runtime two intra-op threads):", "",
                  "| model | qc 1 thread | qc 2 threads | qc speed-up | PyTorch int8 2t | "
                  "ORT int8 2t | qc 2t / PyTorch 2t | qc 2t / ORT 2t |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in models:
            lines.append(
                f"| {r['name']} | {r['qc'] / 1e3:.2f} | {r['qc_2t'] / 1e3:.2f} | "
                f"{r['qc'] / r['qc_2t']:.2f}× | {r['torch_int8_2t'] / 1e3:.2f} | "
                f"{r['ort_int8_2t'] / 1e3:.2f} | {r['qc_2t'] / r['torch_int8_2t']:.2f}× | "
                f"{r['qc_2t'] / r['ort_int8_2t']:.2f}× |")
    analysis = os.path.join(ROOT, "bench", "analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            lines += ["", f.read().rstrip()]
    # bench/mca.py's section (static, other CPUs) stays as it was.
    mark = "<!-- bench/mca.py -->"
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if mark in old:
            lines += ["", old[old.index(mark):].rstrip()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def plot(path, peaks, layers):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [r["name"] for r in layers]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(names) + 1.5))
    bars = [("qc", "qc"), ("oneDNN", "onednn"), ("qc-VNNI", "qc_vnni"),
            ("oneDNN (VNNI)", "onednn_vnni"), ("Halide 14", "halide")]
    h = 0.8 / len(bars)
    for j, (label, key) in enumerate(bars):
        ax.barh(y + (j - 2) * h, [r["ops"] / r[key] / 1e3 for r in layers], h,
                label=label)
    for key, label, color in (("vnni_zmm_gops", "VNNI peak", "k"),
                              ("avx2_maddubsw_gops", "AVX2 vpmaddubsw peak", "k"),
                              ("avx2_maddwd_gops", "AVX2 vpmaddwd peak", "g")):
        if key in peaks and (key == "vnni_zmm_gops" or "vnni_zmm_gops" not in peaks):
            ax.axvline(peaks[key], color=color, linestyle="--",
                       label=f"{label} {peaks[key]:.0f}")
    if "amx_gops" in peaks:
        ax.axvline(peaks["amx_gops"], color="r", linestyle="--",
                   label=f"AMX peak {peaks['amx_gops']:.0f}")
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("GOPS, one core")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer layers, rounds and runs; no whole models")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--model-rounds", type=int, default=9,
                    help="rounds of the whole-model comparisons (this VM's "
                         "speed drifts by up to 2x over minutes; more rounds "
                         "steady the interleaved medians)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="CPU for the one-thread runs (default: the one with "
                         "the fastest peak micro-benchmark)")
    ap.add_argument("--layer-sets", default="rn50,mbv2,rx50",
                    help="which layer tables to run: rn50 (ResNet-50), mbv2 "
                         "(MobileNetV2), rx50 (ResNeXt-50 32x4d grouped convs)")
    ap.add_argument("--models", default="resnet18,mobilenet_v2",
                    help="torchvision models for the whole-model comparison")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = ap.parse_args()
    sets = {"rn50": RESNET50, "mbv2": MOBILENET_V2, "rx50": RESNEXT50}
    unknown = [n for n in args.layer_sets.split(",") if n not in sets]
    if unknown:
        raise SystemExit(f"bench: unknown layer set(s) {unknown} (known: {sorted(sets)})")
    command = "/usr/bin/python3 bench/run.py" + (" --quick" if args.quick else "") + (
        f" --cpu {args.cpu}" if args.cpu is not None else "") + "".join(
        f" --{k.replace('_', '-')} {getattr(args, k)}"
        for k in ("layer_sets", "models", "model_rounds")
        if getattr(args, k) != ap.get_default(k))
    if args.quick:
        args.rounds, args.runs = 2, 5
    ensure_peers()
    with tempfile.TemporaryDirectory(prefix="qc-bench-") as work:
        tools = build_tools(work)
        # The peak of every CPU; one-thread runs go to the fastest one.
        global ONE_CPU
        per_cpu = {}
        for cpu in sorted(os.sched_getaffinity(0)):
            per_cpu[cpu] = peak_on(tools["peak"], cpu)
            print(f"peak cpu {cpu}: " + ", ".join(
                f"{k} {v:.0f}" for k, v in per_cpu[cpu].items()), flush=True)
        # The fastest int8 form each CPU has decides where one-thread runs
        # go: AMX, else AVX-512 VNNI, else AVX2's vpmaddubsw.
        first = next(iter(per_cpu.values()))
        key = next(k for k in ("amx_gops", "vnni_zmm_gops", "avx2_maddubsw_gops")
                   if k in first)
        if args.cpu is not None and args.cpu not in per_cpu:
            raise SystemExit(f"bench: --cpu {args.cpu}: not one of the CPUs this "
                             f"process may run on ({sorted(per_cpu)})")
        ONE_CPU = args.cpu if args.cpu is not None else max(
            per_cpu, key=lambda c: per_cpu[c][key])
        peaks = dict(per_cpu[ONE_CPU])
        peaks["cpu"] = ONE_CPU
        peaks["cpu_why"] = ("given by --cpu" if args.cpu is not None
                            else "the one with the fastest peak")
        peaks["per_cpu"] = per_cpu
        print(f"one-thread runs on cpu {ONE_CPU}", flush=True)
        layers = [l for n in args.layer_sets.split(",") for l in sets[n]]
        if args.quick:
            layers = layers[1:4] + MOBILENET_V2[1:3]
        print("layers:", flush=True)
        lrows = bench_layers(tools, layers, work, args.rounds, args.runs,
                             vnni="vnni_zmm_gops" in peaks)
        mrows = []
        if not args.quick:
            print("models:", flush=True)
            mrows = bench_models(tools, args.models.split(","), work,
                                 args.model_rounds, max(5, args.runs // 2))
    write_results(args.results, command, peaks, lrows, mrows)
    plot(os.path.join(os.path.dirname(args.results), "results.png"), peaks, lrows)
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
