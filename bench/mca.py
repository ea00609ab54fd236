#!/usr/bin/env python3
"""Static throughput of qc's int8 inner loops on CPUs this machine does not
have, by llvm-mca (LLVM 22's scheduling models).

    /usr/bin/python3 bench/mca.py [--results bench/MCA.md]

For each target and CPU model: compile convolution layers with
`qc-compile --target T --emit=asm`, take the innermost loop that holds the
multiply-accumulate instructions (a block that branches back to its own
label; the one with the most MACs), run llvm-mca on it (-iterations=200) and
count its multiply-accumulates (sdot/usdot: 16 per instruction, smmla: 32,
smull/smull2 .8b->.8h: 8, vpdpbusd zmm: 64, RVV vwmul*/vwmacc*: one per
element of the vector length the preceding vsetvli/vsetivli set).
MAC/cycle = MACs per iteration / cycles per iteration. The peak is the same
model's throughput for 16 independent copies of the ISA's best int8
multiply-accumulate: sdot / smmla / smlal / vpdpbusd; for RVV 1.0, which has
no int8 dot product, vwmacc.vx at e16 (VLEN/16 i16 x i16 -> i32 MACs per
instruction and unit of LMUL, the widest exact accumulation of int8 products
into i32; an e8 vwmacc.vx does twice as many but into i16, which overflows
after two products), the best of LMUL 1, 2 and 4. Prints a Markdown table and writes it to --results.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build"))
LLVM = "/usr/lib/llvm-22/bin"
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "test", "Integration"))

# (qc target [and flags], triple, mca cpu, mattr, VLEN bits for RVV, peak
#  instruction, MACs of the peak instruction)
ROWS = [
    ("aarch64-neon", "aarch64", "cortex-a55", "+neon", 0,
     "smlal v{i}.8h, v30.8b, v31.8b", 8),
    ("aarch64-neon", "aarch64", "neoverse-n1", "+neon", 0,
     "smlal v{i}.8h, v30.8b, v31.8b", 8),
    ("aarch64-dotprod", "aarch64", "neoverse-n1", "+neon,+dotprod", 0,
     "sdot v{i}.4s, v30.16b, v31.16b", 16),
    ("aarch64-i8mm", "aarch64", "neoverse-v1", "+neon,+dotprod,+i8mm", 0,
     "smmla v{i}.4s, v30.16b, v31.16b", 32),
    ("aarch64-i8mm", "aarch64", "neoverse-n2", "+neon,+dotprod,+i8mm", 0,
     "smmla v{i}.4s, v30.16b, v31.16b", 32),
    ("riscv64-rvv", "riscv64", "sifive-x280", "+m,+a,+f,+d,+c,+v", 512,
     "vwmacc.vx v{j}, a0, v31", 0),
    ("riscv64-rvv --vlen 512", "riscv64", "sifive-x280", "+m,+a,+f,+d,+c,+v", 512,
     "vwmacc.vx v{j}, a0, v31", 0),
    ("riscv64-rvv", "riscv64", "spacemit-x60", "+m,+a,+f,+d,+c,+v", 256,
     "vwmacc.vx v{j}, a0, v31", 0),
    ("riscv64-rvv --vlen 256", "riscv64", "spacemit-x60", "+m,+a,+f,+d,+c,+v", 256,
     "vwmacc.vx v{j}, a0, v31", 0),
    ("riscv64-rvv", "riscv64", "sifive-p670", "+m,+a,+f,+d,+c,+v", 128,
     "vwmacc.vx v{j}, a0, v31", 0),
    ("x86_64-avx512vnni", "x86_64", "icelake-server", "", 0,
     "vpdpbusd %zmm30, %zmm31, %zmm{i}", 64),
    ("x86_64-avx512vnni", "x86_64", "sapphirerapids", "", 0,
     "vpdpbusd %zmm30, %zmm31, %zmm{i}", 64),
]

# (name, gen_int8_graph-style conv: n, h, w, c, o, k, stride, pad)
LAYERS = [
    ("3x3 64>64 14x14", (1, 14, 14, 64, 64, 3, 1, 1)),
    ("1x1 256>64 14x14", (1, 14, 14, 256, 64, 1, 1, 0)),
]

MAC_RE = {
    "aarch64": [(re.compile(r"^\s*(us|su|s|u)dot\s"), lambda vl: 16),
                (re.compile(r"^\s*(us|s|u)mmla\s"), lambda vl: 32),
                (re.compile(r"^\s*smull2?\s+v\d+\.8h"), lambda vl: 8),
                (re.compile(r"^\s*smlal2?\s+v\d+\.8h"), lambda vl: 8)],
    "x86_64": [(re.compile(r"^\s*(\{vex\}\s*)?vpdpbusds?\s.*%zmm"), lambda vl: 64),
               (re.compile(r"^\s*(\{vex\}\s*)?vpdpbusds?\s.*%ymm"), lambda vl: 32),
               (re.compile(r"^\s*vpmaddwd\s.*%zmm"), lambda vl: 32)],
    "riscv64": [(re.compile(r"^\s*vw?(mul|macc|madd)(su|u|us)?\.v[vx]\s"), lambda vl: vl)],
}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def layer_mlir(n, h, w, c, o, k, stride, pad):
    import numpy as np
    import gen_int8_graph as gen
    g = gen.Graph(np.random.default_rng(0))
    g.kernel = ""
    gen.conv(g, n, h, w, c, o, k, k, (stride, stride), (1, 1), (pad,) * 4, 1)
    return g.text()


def loops(asm, vlen=0):
    """Self-loops: (label, body lines, vector length) of blocks ending in a
    branch to their own label. The vector length is the one the last
    vsetivli / vsetvli before the loop set (see vector_length), for loops
    that set none themselves; that vsetvli heads the body (llvm-mca needs
    its LMUL), with `zero` as its AVL so it reads no register."""
    out, label, body, vl, consts, vset = [], None, [], 0, {}, None
    for line in asm.splitlines():
        m = re.match(r"^(\.?L\w+|\.LBB\w+):", line)
        if m:
            label, body, entry_vl = m.group(1), ([vset] if vset else []), vl
            continue
        s = line.strip()
        if not s or s.startswith((".", "#", "//", ";")):
            continue
        vl = vector_length(s, consts, vl, vlen)
        if re.match(r"^vseti?vli\s", s):
            vset = re.sub(r"^vsetivli\s+(\w+),\s*\d+,", r"vsetvli \1, zero,",
                          re.sub(r"^vsetvli\s+(\w+),\s*\w+,", r"vsetvli \1, zero,", s))
        body.append(line)
        if label and re.search(r"(^|\s)" + re.escape(label) + r"\s*$", s):
            out.append((label, list(body), entry_vl))
    return out


def vector_length(s, consts, vl, vlen=0):
    """Tracks RISC-V `li` constants and returns the vector length after
    instruction `s` (unchanged unless it is a vsetvli/vsetivli): a
    vsetivli's immediate and a vsetvli's AVL register if its last write was
    an `li`, each at most VLMAX; VLMAX (VLEN·LMUL/SEW, with `vlen` given) for AVL
    `zero` and for an AVL computed at run time — the vector-length-agnostic
    kernels' full chunks of channels, whose AVL is the channels left,
    capped at VLMAX; `vsetvli zero, zero` keeps the length."""
    parts = re.split(r"[\s,]+", s)
    op, dst = parts[0], parts[1] if len(parts) > 1 else ""
    m = re.match(r"^vseti?vli\s+(\w+),\s*(\w+),\s*e(\d+),\s*m(f?)(\d+)", s)
    if m:
        rd, avl, sew, frac, lmul = m.groups()
        vlmax = 0
        if vlen:
            vlmax = vlen // (int(lmul) * int(sew)) if frac else vlen * int(lmul) // int(sew)
        if op == "vsetivli":
            new = min(int(avl), vlmax) if vlmax else int(avl)
        elif avl == "zero":
            new = vl if rd == "zero" else vlmax
        elif avl in consts:
            new = min(consts[avl], vlmax) if vlmax else consts[avl]
        else:
            new = vlmax
        consts.pop(rd, None)
        return new
    if op == "li" and re.fullmatch(r"-?\d+", parts[2] if len(parts) > 2 else ""):
        consts[dst] = int(parts[2])
    elif not op.startswith(("s", "b", "v", "j")) or op.startswith(("sl", "sr", "sub", "seq", "sne", "slt", "sext")):
        consts.pop(dst, None)
    return vl


def count_macs(arch, body, vl, vlen=0):
    """MACs per iteration; `vl` is the RVV vector length on entry (the
    heading vsetvli of `body`, AVL zero, does not change it)."""
    total, consts = 0, {}
    for i, line in enumerate(body):
        if i == 0 and re.match(r"^\s*vsetvli\s+\w+,\s*zero,", line):
            continue
        if arch == "riscv64":
            vl = vector_length(line.strip(), consts, vl, vlen)
        for pat, macs in MAC_RE[arch]:
            if pat.search(line):
                total += macs(vl)
                break
    return total


def mca(triple, cpu, mattr, body):
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write("\n".join(body) + "\n")
        path = f.name
    try:
        cmd = [os.path.join(LLVM, "llvm-mca"), f"-mtriple={triple}-linux-gnu",
               f"-mcpu={cpu}", "-iterations=200", path]
        if mattr:
            cmd.insert(3, f"-mattr={mattr}")
        out = sh(cmd)
    finally:
        os.unlink(path)
    iters = int(re.search(r"Iterations:\s+(\d+)", out).group(1))
    cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    return cycles / iters


def peak(triple, cpu, mattr, vlen, template, macs):
    if triple == "riscv64":
        # Independent e16 widening MACs at LMUL 1, 2 and 4 (results of twice
        # the LMUL: v0, v2, ... / v0, v4, ... / v0, v8, ...; the source in
        # the last group); the best of the three.
        best = 0.0
        for lmul, count, src in ((1, 15, "v31"), (2, 7, "v30"), (4, 3, "v28")):
            body = [f"vsetvli a1, zero, e16, m{lmul}, ta, ma"]
            body += [template.format(j=2 * lmul * i).replace("v31", src)
                     for i in range(count)]
            per = (vlen // 16) * lmul * count
            best = max(best, per / mca(triple, cpu, mattr, body))
        return best
    else:
        body = [template.format(i=i) for i in range(16)]
        per = macs * 16
    return per / mca(triple, cpu, mattr, body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = ap.parse_args()
    qc = os.path.join(BUILD, "bin", "qc-compile")
    rows = []
    with tempfile.TemporaryDirectory(prefix="qc-mca-") as work:
        asm = {}
        for lname, shape in LAYERS:
            mlir = os.path.join(work, "layer.mlir")
            with open(mlir, "w") as f:
                f.write(layer_mlir(*shape))
            for target in sorted({r[0] for r in ROWS}):
                asm[(lname, target)] = sh([qc, mlir, "--target", *target.split(),
                                           "--name", "g", "--emit=asm", "-o", "-"])
        for target, triple, cpu, mattr, vlen, template, pmacs in ROWS:
            pk = peak(triple, cpu, mattr, vlen, template, pmacs)
            for lname, _ in LAYERS:
                cands = [(count_macs(triple, body, vl, vlen), lab, body)
                         for lab, body, vl in loops(asm[(lname, target)], vlen)]
                cands = [c for c in cands if c[0] > 0]
                if not cands:
                    rows.append((target, cpu, lname, None, None, pk, None, 0))
                    continue
                macs, lab, body = max(cands, key=lambda c: c[0])
                cyc = mca(triple, cpu, mattr, body)
                rows.append((target, cpu, lname, macs, cyc, pk, macs / cyc, len(body)))
    lines = ["| target | CPU model | layer | loop instructions | MACs / iteration | "
             "cycles / iteration | MAC / cycle | model peak MAC / cycle | % of peak |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for target, cpu, lname, macs, cyc, pk, rate, n in rows:
        if macs is None:
            lines.append(f"| {target} | {cpu} | {lname} | – | no MAC loop found | | | "
                         f"{pk:.1f} | |")
            continue
        lines.append(f"| {target} | {cpu} | {lname} | {n} | {macs} | {cyc:.2f} | "
                     f"{rate:.1f} | {pk:.1f} | {100 * rate / pk:.0f}% |")
    table = "\n".join(lines)
    print(table)
    section = (f"{MARK}\n## Inner loops on other CPUs (llvm-mca)\n\n"
               "Produced by `/usr/bin/python3 bench/mca.py` (LLVM 22 llvm-mca, "
               "-iterations=200, the scheduling models of CPUs this machine does not "
               "have); see the script's docstring for what is counted.\n\n"
               + table + "\n")
    replace_section(args.results, section)


MARK = "<!-- bench/mca.py -->"


def replace_section(path, section):
    """Puts `section` (starting with MARK) into the Markdown file at `path`,
    replacing the one there (bench/run.py keeps it when it rewrites)."""
    text = open(path).read() if os.path.exists(path) else ""
    rest = ""
    if MARK in text:
        start = text.index(MARK)
        end = text.find("<!-- bench/", start + len(MARK))
        rest = text[end:] if end >= 0 else ""
        text = text[:start].rstrip() + "\n"
    with open(path, "w") as f:
        f.write((text + "\n" if text else "") + section +
                ("\n" + rest if rest else ""))


if __name__ == "__main__":
    main()
