#!/usr/bin/env python3
"""Writes a random integer qc graph (.mlir) for one op case, for bit-exact tests.

usage: gen_int8_graph.py CASE [SEED] [--kernel NAME,LANES,BLOCK,CHANNEL_BLOCKS] > graph.mlir

The graph takes f32 inputs, quantizes them (quant.qcast), runs the op with
random weights, biases and quantization parameters, and dequantizes every
result. qc-ref-check then compares the compiled library with the reference.
--kernel fixes the kernel of every conv and fully-connected op instead of
leaving the choice to qc-select-kernels (to run one ISA's kernel shape on a
CPU that has a wider or differently encoded form of the same instructions).
"""
import sys

import numpy as np


def float_text(v):
    text = repr(float(v))
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e")  # MLIR's float literals need the dot
    return text


def qtype(scale, zp):
    return f"!quant.uniform<i8:f32, {float_text(scale)}:{zp}>"


def wtype(scales, axis=0):
    body = ",".join(float_text(s) for s in scales)
    return f"!quant.uniform<i8<-127:127>:f32:{axis}, {{{body}}}>"


def dense(arr):
    if arr.size > 4096 and arr.dtype == np.int8:
        # Large weights as MLIR's hex form (raw little-endian bytes).
        return f'dense<"0x{arr.tobytes().hex().upper()}">'
    flat = ", ".join(str(int(v)) for v in arr.reshape(-1))
    return f"dense<[{flat}]>" if arr.ndim == 1 else \
        "dense<" + np.array2string(arr, separator=", ", threshold=10**9,
                                   max_line_width=10**9) + ">"


def shape(s, elem):
    return "tensor<" + "x".join(str(d) for d in s) + "x" + elem + ">"


class Graph:
    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.args = []
        self.results = []
        self.n = 0
        self.kernel = ""
        # Weights over the whole int8 range, -128 included (an imported
        # QDQ model's may be; qc's own lie in [-127, 127]).
        self.full_range = False
        self.sparse_128 = False

    def fresh(self):
        self.n += 1
        return f"%v{self.n}"

    def act(self):
        return float(self.rng.uniform(0.005, 0.1)), int(self.rng.integers(-40, 40))

    def input(self, s, q=None):
        q = q or self.act()
        arg = f"%arg{len(self.args)}"
        self.args.append(f"{arg}: {shape(s, 'f32')}")
        v = self.fresh()
        self.lines.append(f"{v} = quant.qcast {arg} : {shape(s, 'f32')} to {shape(s, qtype(*q))}")
        return v, s, q

    def weight(self, s, channels, scale=None):
        scales = self.rng.uniform(0.002, 0.02, size=channels) if scale is None \
            else np.broadcast_to(np.asarray(scale, dtype=np.float64), (channels,))
        w = self.rng.integers(-128 if self.full_range else -127, 128, size=s,
                              dtype=np.int64).astype(np.int8)
        if self.full_range:
            w.flat[0] = -128
        if self.sparse_128:
            # One -128 in about half the output channels, as symmetric
            # per-channel quantization gives the channels whose extreme
            # weight is negative (PyTorch's qint8 observers: [-128, 127]).
            rows = w.reshape(s[0], -1)
            for o in range(s[0]):
                if self.rng.random() < 0.5:
                    rows[o, self.rng.integers(rows.shape[1])] = -128
        raw, typed = self.fresh(), self.fresh()
        self.lines.append(f"{raw} = arith.constant {dense(w)} : {shape(s, 'i8')}")
        self.lines.append(f"{typed} = quant.scast {raw} : {shape(s, 'i8')} to {shape(s, wtype(scales))}")
        return typed, s, wtype(scales)

    def bias(self, n):
        b = self.rng.integers(-3000, 3000, size=n)
        v = self.fresh()
        self.lines.append(f"{v} = arith.constant {dense(b)} : tensor<{n}xi32>")
        return v

    def output(self, v, s, q):
        f = self.fresh()
        self.lines.append(f"{f} = quant.dcast {v} : {shape(s, qtype(*q))} to {shape(s, 'f32')}")
        self.results.append((f, shape(s, "f32")))

    def text(self):
        res = ", ".join(t for _, t in self.results)
        body = "\n    ".join(self.lines)
        ret = ", ".join(v for v, _ in self.results)
        return (f"func.func @main({', '.join(self.args)}) -> ({res}) {{\n    {body}\n"
                f"    return {ret} : {res}\n}}\n")


def out_size(n, k, s, d, p0, p1):
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


def conv(g, n, h, w, c, o, kh, kw, stride, dil, pad, groups, clamp=None, residual=False,
         out_scale=None, scales=None, x_in=None, emit=True):
    """scales = (input, weight, output) fixes all three (else random).
    x_in = (value, shape, quantization) reads a value of the graph instead
    of a new input; emit=False leaves the result out of the outputs.
    Returns the result's (value, shape, quantization)."""
    x, xs, xq = x_in or g.input(
        [n, h, w, c], (scales[0], int(g.rng.integers(-40, 40))) if scales else None)
    wt, ws, wty = g.weight([o, kh, kw, c // groups], o, scales[1] if scales else None)
    b = g.bias(o)
    oh = out_size(h, kh, stride[0], dil[0], pad[0], pad[2])
    ow = out_size(w, kw, stride[1], dil[1], pad[1], pad[3])
    oq = g.act()
    if out_scale is not None or scales:
        oq = (scales[2] if scales else out_scale, oq[1])
    os_ = [n, oh, ow, o]
    res, res_type = "", ""
    if residual:
        r, _, rq = g.input(os_)
        res, res_type = f" residual {r}", f" residual {shape(os_, qtype(*rq))}"
    v = g.fresh()
    extra = f", clamp_min = {clamp[0]}, clamp_max = {clamp[1]}" if clamp else ""
    g.lines.append(
        f"{v} = qc.conv2d {x}, {wt}, {b}{res} {{stride = array<i64: {stride[0]}, {stride[1]}>, "
        f"dilation = array<i64: {dil[0]}, {dil[1]}>, pad = array<i64: {', '.join(map(str, pad))}>, "
        f"groups = {groups}{extra}{g.kernel}}} : {shape(xs, qtype(*xq))}, {shape(ws, wty)}, tensor<{o}xi32>{res_type} -> {shape(os_, qtype(*oq))}")
    if emit:
        g.output(v, os_, oq)
    return v, os_, oq


def conv_chain(g, n, h, w, c, layers, tap=None):
    """Convolutions in sequence, each reading the result of the one before
    (a conv whose only user is the next conv hands it its output, which on
    kernels taking unsigned activations is stored offset by 128): layers =
    [(o, k, stride, pad, groups, clamp), ...] with square kernels and
    strides, padding on every side the same (or (top, left, bottom,
    right)). `tap`: the index of a
    layer whose result is also an output (two users: no hand-off)."""
    x = g.input([n, h, w, c])
    for i, (o, k, stride, pad, groups, clamp) in enumerate(layers):
        _, (n_, h_, w_, c_), _ = x[0], x[1], x[2]
        pads = tuple(pad) if isinstance(pad, tuple) else (pad,) * 4
        x = conv(g, n_, h_, w_, c_, o, k, k, (stride, stride), (1, 1), pads, groups,
                 clamp=clamp, x_in=x, emit=(i == len(layers) - 1 or i == tap))


def fully_connected(g, m, k, nout):
    x, xs, xq = g.input([m, k])
    wt, ws, wty = g.weight([nout, k], nout)
    b = g.bias(nout)
    oq = g.act()
    v = g.fresh()
    attrs = f" {{{g.kernel[2:]}}}" if g.kernel else ""
    g.lines.append(f"{v} = qc.fully_connected {x}, {wt}, {b}{attrs} : {shape(xs, qtype(*xq))}, "
                   f"{shape(ws, wty)}, tensor<{nout}xi32> -> {shape([m, nout], qtype(*oq))}")
    g.output(v, [m, nout], oq)


def add(g, s, clamp=None):
    a, _, aq = g.input(s)
    b, _, bq = g.input(s)
    oq = g.act()
    v = g.fresh()
    extra = f" {{clamp_min = {clamp[0]}, clamp_max = {clamp[1]}}}" if clamp else ""
    g.lines.append(f"{v} = qc.add {a}, {b}{extra} : {shape(s, qtype(*aq))}, {shape(s, qtype(*bq))} -> {shape(s, qtype(*oq))}")
    g.output(v, s, oq)


def pool(g, kind, n, h, w, c, k, stride, pad, include_pad=False):
    x, xs, xq = g.input([n, h, w, c])
    oh = out_size(h, k[0], stride[0], 1, pad[0], pad[2])
    ow = out_size(w, k[1], stride[1], 1, pad[1], pad[3])
    oq = xq if kind == "max" else g.act()
    os_ = [n, oh, ow, c]
    v = g.fresh()
    extra = ", count_include_pad = true" if include_pad else ""
    g.lines.append(f"{v} = qc.{kind}_pool2d {x} {{kernel = array<i64: {k[0]}, {k[1]}>, "
                   f"stride = array<i64: {stride[0]}, {stride[1]}>, pad = array<i64: {', '.join(map(str, pad))}>{extra}}} "
                   f": {shape(xs, qtype(*xq))} -> {shape(os_, qtype(*oq))}")
    g.output(v, os_, oq)


def transpose(g, s, perms):
    x, xs, xq = g.input(s)
    os_ = [s[p] for p in perms]
    v = g.fresh()
    g.lines.append(f"{v} = qc.transpose {x} {{perms = array<i64: {', '.join(map(str, perms))}>}} "
                   f": {shape(xs, qtype(*xq))} -> {shape(os_, qtype(*xq))}")
    g.output(v, os_, xq)


def lut(g, s):
    x, xs, xq = g.input(s)
    oq = g.act()
    table = g.rng.integers(-128, 128, size=256)
    v = g.fresh()
    g.lines.append(f"{v} = qc.lut {x} {{table = array<i8: {', '.join(map(str, table))}>}} "
                   f": {shape(xs, qtype(*xq))} -> {shape(s, qtype(*oq))}")
    g.output(v, s, oq)


CASES = {
    # channels not a multiple of 16 (or 4), stride, asymmetric padding
    "conv_odd": lambda g: conv(g, 1, 9, 11, 3, 19, 3, 3, (2, 1), (1, 1), (1, 0, 2, 1), 1),
    "conv_1x1": lambda g: conv(g, 2, 5, 7, 37, 33, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1),
    "conv_dilated": lambda g: conv(g, 1, 12, 10, 8, 16, 3, 3, (1, 1), (2, 3), (2, 3, 2, 3), 1, clamp=(-20, 90)),
    "conv_5x5": lambda g: conv(g, 1, 13, 13, 5, 7, 5, 5, (3, 3), (1, 1), (2, 2, 2, 2), 1),
    # 30 channels: 4 vectors of 8 whose last ends inside (AVX2 narrows a
    # pixel's 4 vectors together and stores 30 of the 32 bytes).
    "conv_tail": lambda g: conv(g, 1, 6, 9, 16, 30, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1),
    # Per-channel multipliers 0.0005 to 1.5 (shifts below and above 32) and a
    # clamp inside the int8 range: the first channels mostly inside the
    # clamp, the last ones mostly saturated (|acc| is ~10^5 here).
    "conv_gain": lambda g: conv(g, 1, 6, 7, 24, 20, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1,
                                clamp=(-100, 90),
                                scales=(0.05, list(np.geomspace(0.000002, 0.006, 20)), 0.0002)),
    # Channels padded to 4 in the staged image and copied 16 pixels at a time
    # (37 = 2 groups + 5 more; 40 = 2 groups + 8 more).
    "conv_rgb": lambda g: conv(g, 2, 7, 37, 3, 20, 3, 3, (2, 2), (1, 1), (1, 1, 0, 2), 1),
    "conv_gray": lambda g: conv(g, 1, 5, 40, 1, 16, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1,
                                clamp=(0, 127)),
    # (7 - 1) / 2 + 1 = 4 and (6 - 1) / 2 + 1 = 3 rounded down: the last
    # row/column is never read (a strided conv on an uncropped input).
    "conv_stride_floor": lambda g: conv(g, 1, 7, 6, 20, 40, 1, 1, (2, 2), (1, 1), (0, 0, 0, 0), 1),
    "depthwise_stride_floor": lambda g: conv(g, 1, 8, 9, 20, 20, 3, 3, (2, 2), (1, 1), (1, 0, 1, 0), 20),
    "conv_residual": lambda g: conv(g, 1, 6, 7, 10, 19, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1,
                                    clamp=(-5, 127), residual=True),
    "depthwise_residual": lambda g: conv(g, 1, 5, 5, 12, 12, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 12,
                                         residual=True),
    # Shapes with >= 32 input channels, where AMX targets use tdpbusd tiles:
    # 14-pixel rows (tiles of 16 grid positions, 2 of each 16 past a row's
    # end), a lone channel block after the pairs (48 = 3 x 16).
    "amx_3x3": lambda g: conv(g, 1, 14, 14, 64, 48, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1),
    # unpadded 1x1: all 126 pixels one row (7 tiles of 16 and one of 14),
    # K step 48, 40 outputs (the last channel block half padding)
    "amx_1x1": lambda g: conv(g, 2, 7, 9, 96, 40, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1),
    # stride 2, K step 36 (channels not a multiple of 16), clamp, residual
    "amx_strided": lambda g: conv(g, 1, 15, 15, 36, 33, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), 1,
                                  clamp=(-5, 127), residual=True),
    # 7x7 outputs: 61 positions of the 9-wide grid, 3 tiles of 16 and one of
    # 13 (the tail: a lone full tile and the short one, by channel pairs on
    # the thread pool), 144 outputs (4 block pairs and a lone block)
    "amx_odd_tiles": lambda g: conv(g, 1, 7, 7, 256, 144, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1),
    # Few input channels on tiles: one reduction step is a whole kernel row
    # (7 pixels x 4 bytes = 28; 5 x 8 = 40), an RGB stem and a 5x5 one.
    "amx_stem": lambda g: conv(g, 1, 20, 32, 3, 40, 7, 7, (2, 2), (1, 1), (3, 3, 3, 3), 1,
                               clamp=(-128, 100)),
    "amx_rows": lambda g: conv(g, 2, 12, 14, 5, 20, 5, 5, (1, 1), (1, 1), (2, 2, 2, 2), 1),
    # The same multipliers (0.0005 to 1.5) on tiles: the saturating epilogue
    # after tdpbusd.
    "amx_gain": lambda g: conv(g, 1, 8, 14, 64, 32, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1,
                               clamp=(-100, 90),
                               scales=(0.05, list(np.geomspace(0.000002, 0.006, 32)), 0.0002)),
    # AMX tiles over the padded image's grid (stride 1, rows of 10 pixels,
    # 14 grid columns): batch 2, dilation 2, residual and clamp; 276 grid
    # positions = 17 tiles of 16 and one of 4 (the tail: a full tile and
    # the short one), 40 outputs (a lone channel block)
    "amx_grid": lambda g: conv(g, 2, 8, 10, 48, 40, 3, 3, (1, 1), (2, 2), (2, 2, 2, 2), 1,
                               clamp=(-5, 127), residual=True),
    # dilated 3x5 with asymmetric padding, 130 channels (K step 44)
    "amx_dilated": lambda g: conv(g, 1, 11, 16, 130, 16, 3, 5, (1, 1), (2, 2), (2, 4, 2, 4), 1),
    # 35 output pixels (an odd count: the last pixel pair has one pixel), 10
    # outputs (a half-used 4-channel vector), 24 channels (3 steps of 8)
    "conv_odd_pixels": lambda g: conv(g, 1, 5, 7, 24, 10, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1),
    # An output scale far below input scale x weight scale: requantize
    # multipliers near 2^19, so acc x M leaves the int32 range and the result
    # must saturate (not wrap) before the clamp to int8.
    "conv_large_multiplier": lambda g: conv(g, 1, 6, 5, 40, 20, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1,
                                            out_scale=1e-9),
    # Power-of-two scales: requantize multiplier exactly 2^-7, so 1 in 128
    # accumulators is a tie (….5), which the contract rounds up (toward +inf;
    # an ISA rounding mode to nearest-even or away from zero would differ).
    "conv_ties": lambda g: conv(g, 1, 8, 8, 8, 16, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1,
                                scales=(2.0 ** -4, 2.0 ** -3, 1.0)),
    # Requantize multiplier exactly 2^-3 (m = 2^30, shift 33: the smallest
    # shift whose rounding term AVX-512 adds to the products' high halves):
    # accumulators ≡ 4 mod 8 are ties, rounded up.
    "conv_ties_33": lambda g: conv(g, 1, 16, 16, 4, 16, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1,
                                   scales=(2.0 ** -4, 2.0 ** -3, 2.0 ** -4)),
    # Per-channel multipliers from 0.002 to 0.99 (the last ones in [0.5, 1):
    # shift 31, the largest requantize steps that still move by at most one
    # per accumulator unit) and a ReLU-like clamp: results below, inside and
    # above the clamp on every channel.
    "conv_multiplier_near_one": lambda g: conv(
        g, 1, 6, 6, 4, 20, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1, clamp=(-3, 127),
        scales=(0.05, list(np.geomspace(0.002 / 400, 0.99 / 400, 20)), 0.000125)),
    "depthwise": lambda g: conv(g, 1, 10, 9, 24, 24, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 24),
    # Enough work for the depthwise dot path's chunks on the thread pool
    # (8 row chunks, each unfolding its own ring of rows), batch 2, 150
    # channels (a partial last block), dilated rows (ring of 5).
    "depthwise_chunks": lambda g: conv(g, 2, 34, 30, 150, 150, 3, 3, (1, 1), (2, 1), (2, 1, 2, 1), 150),
    # kw < kh, strides and dilations differing by axis, asymmetric padding
    # wider than a tap: columns with several taps outside the image.
    # 7x7 outputs, 600 channels: on the thread pool in one row chunk and 8
    # groups of 5 channel blocks (the last group 3, one of them partial).
    "depthwise_channel_groups": lambda g: conv(g, 1, 14, 14, 600, 600, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), 600),
    # 32, 40 and 56 channels: the three taps of an interior output column
    # are one window of 80, 96 or 128 bytes (a 64-byte load, one of 16, 32
    # or 64, and one byte permutation on AVX-512); edge columns and the
    # partial block take the per-tap path.
    "depthwise_window": lambda g: conv(g, 2, 7, 9, 32, 32, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 32),
    "depthwise_window_40": lambda g: conv(g, 1, 8, 11, 40, 40, 3, 3, (1, 1), (2, 1), (2, 1, 2, 1), 40),
    "depthwise_window_56": lambda g: conv(g, 1, 9, 12, 56, 56, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), 56,
                                          clamp=(-100, 127)),
    # The column kernel (dot4 kernels, kh <= 4, row dilation 1) on odd
    # geometry: 2 kernel rows and 5 dilated columns, column stride 2, pads
    # wider than a tap, 19 channels (a partial block); and 4 rows, row
    # stride 2, on a 5-column image padded by 2 (every tile partly outside).
    "depthwise_columns": lambda g: conv(g, 2, 11, 30, 19, 19, 2, 5, (1, 2), (1, 2), (0, 4, 1, 3), 19),
    "depthwise_tall": lambda g: conv(g, 1, 9, 5, 48, 48, 4, 3, (2, 1), (1, 1), (3, 2, 2, 2), 48,
                                     clamp=(-128, 100)),
    # 5 and 7 kernel rows: two vectors of 4 rows per input column (MobileNetV3
    # and EfficientNet 5x5, ConvNeXt-like 7x7, here with stride 2).
    "depthwise_5x5": lambda g: conv(g, 1, 13, 12, 40, 40, 5, 5, (1, 1), (1, 1), (2, 2, 2, 2), 40),
    "depthwise_7x7": lambda g: conv(g, 2, 15, 14, 24, 24, 7, 7, (2, 2), (1, 1), (3, 3, 3, 3), 24,
                                    clamp=(-20, 127)),
    # Row stride 5 past the 4 rows a column vector holds: each output row
    # shifts in 5 rows, the first of them shifted out again.
    "depthwise_stride5": lambda g: conv(g, 2, 21, 9, 16, 16, 3, 3, (5, 1), (1, 1), (1, 1, 1, 1), 16),
    # Channel multiplier 4 (48 outputs from 12 inputs), batch 2.
    "depthwise_mult4": lambda g: conv(g, 2, 9, 10, 12, 48, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 12),
    "depthwise_dilated": lambda g: conv(g, 2, 9, 11, 20, 20, 3, 2, (2, 1), (2, 3), (2, 4, 1, 3), 20),
    "depthwise_mult2": lambda g: conv(g, 1, 7, 7, 5, 10, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), 5),
    "grouped": lambda g: conv(g, 1, 6, 6, 12, 18, 3, 3, (1, 1), (1, 1), (0, 1, 0, 1), 3),
    # Grouped convs run the dense kernels, each tile's channel vectors over
    # one slice of the input channels: 16 outputs per group (ResNeXt-like,
    # a vector per group on zmm, two on ymm); 6 input and 12 output
    # channels per group (slices not 4-aligned, vectors spanning groups,
    # the last slice moved back inside the padded channels), stride 2,
    # batch 2; a grouped 1x1 whose groups of 40 outputs straddle vectors;
    # a depthwise conv with channel multiplier 3.
    "grouped_wide": lambda g: conv(g, 1, 10, 9, 128, 128, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 8),
    "grouped_odd": lambda g: conv(g, 2, 7, 8, 30, 60, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), 5,
                                  clamp=(-30, 127)),
    "grouped_1x1": lambda g: conv(g, 1, 7, 7, 240, 120, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 3),
    "depthwise_mult3": lambda g: conv(g, 1, 8, 9, 7, 21, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 7),
    # MobileNetV2-like blocks: expand 1x1 -> depthwise 3x3 -> project 1x1
    # (each conv hands its output to the next one offset by 128 where that
    # one takes unsigned activations: the depthwise conv's column kernel too).
    "chain_block": lambda g: conv_chain(g, 1, 9, 11, 16, [
        (48, 1, 1, 0, 1, (-20, 127)), (48, 3, 1, 1, 48, (-20, 127)), (24, 1, 1, 0, 1, None)]),
    # Stride-2 depthwise, a padded 3x3 consumer (a copy without the flip),
    # channels not a multiple of 4 (padded channels) and a result with two
    # users (no hand-off).
    "chain_mixed": lambda g: conv_chain(g, 2, 12, 10, 8, [
        (40, 1, 1, 0, 1, None), (40, 3, 2, 1, 40, None), (10, 3, 1, 1, 1, (-60, 100)),
        (20, 1, 1, 0, 1, None), (24, 1, 1, 0, 1, None)], tap=3),
    # Padded consumers with 64 input channels (every unsigned kernel's image
    # without channel padding: the handed-over bytes copied unflipped into
    # the padded image), asymmetric pads, a stride-2 3x3 after a 3x3, batch 2.
    "chain_padded": lambda g: conv_chain(g, 2, 9, 8, 16, [
        (64, 1, 1, 0, 1, (-40, 127)), (64, 3, 1, (1, 2, 0, 1), 1, None),
        (64, 3, 2, 1, 1, (-30, 90)), (32, 1, 1, 0, 1, None)]),
    # A grouped 3x3 (8 groups of 8) between 1x1s, handing over and taken
    # over offset by 128 (RegNet-like).
    "chain_grouped": lambda g: conv_chain(g, 1, 8, 9, 16, [
        (64, 1, 1, 0, 1, (-20, 127)), (64, 3, 1, 1, 8, (-20, 127)), (32, 1, 1, 0, 1, None)]),
    # A depthwise conv with channel multiplier 2 reading the 1x1's output
    # handed over offset by 128.
    "chain_mult": lambda g: conv_chain(g, 1, 8, 9, 8, [
        (16, 1, 1, 0, 1, None), (32, 3, 1, 1, 16, (-30, 127)), (8, 1, 1, 0, 1, None)]),
    "fully_connected": lambda g: fully_connected(g, 3, 37, 21),
    # Weights holding -128: kernels exact only on [-127, 127] (x86 AVX2's
    # vpmaddubsw one) are not chosen.
    "fc_full_range": lambda g: (setattr(g, "full_range", True),
                                fully_connected(g, 3, 37, 21)),
    "conv_full_range": lambda g: (setattr(g, "full_range", True),
                                  conv(g, 1, 6, 7, 20, 19, 3, 3, (1, 1), (1, 1),
                                       (1, 1, 1, 1), 1)),
    # A few -128s (one in about half the output channels): AVX2 takes the
    # vpmaddubsw kernel and corrects them after the reduction. Stride,
    # dilation, padding and 61 channels (the last group of 4 padded).
    "conv_sparse_128": lambda g: (setattr(g, "sparse_128", True),
                                  conv(g, 2, 9, 11, 61, 40, 3, 3, (2, 1), (1, 2),
                                       (1, 2, 2, 1), 1)),
    "fc_sparse_128": lambda g: (setattr(g, "sparse_128", True),
                                fully_connected(g, 5, 600, 37)),
    "depthwise_full_range": lambda g: (setattr(g, "full_range", True),
                                       conv(g, 1, 9, 10, 24, 24, 3, 3, (1, 1),
                                            (1, 1), (1, 1, 1, 1), 24)),
    "fully_connected_wide": lambda g: fully_connected(g, 1, 256, 100),
    "add": lambda g: add(g, [2, 5, 7, 13]),
    "add_relu": lambda g: add(g, [1, 300], clamp=(-3, 127)),
    "max_pool": lambda g: pool(g, "max", 1, 9, 8, 19, (3, 3), (2, 2), (1, 1, 1, 0)),
    "avg_pool": lambda g: pool(g, "avg", 2, 7, 9, 11, (3, 2), (2, 2), (1, 0, 1, 1)),
    "avg_pool_include_pad": lambda g: pool(g, "avg", 1, 6, 6, 5, (3, 3), (1, 1), (1, 1, 1, 1), True),
    "global_avg_pool": lambda g: pool(g, "avg", 1, 7, 7, 40, (7, 7), (1, 1), (0, 0, 0, 0)),
    "transpose": lambda g: transpose(g, [2, 3, 5, 7], [0, 3, 1, 2]),
    "lut": lambda g: lut(g, [3, 37]),
    # Enough work for the thread pool: pooled rows, elements of add and lut
    # (and of the graph's quantize and dequantize) split over the threads.
    "max_pool_rows": lambda g: pool(g, "max", 2, 41, 30, 70, (3, 3), (2, 2), (1, 1, 1, 1)),
    "add_parallel": lambda g: add(g, [1, 23, 23, 97], clamp=(-20, 127)),
    "lut_parallel": lambda g: lut(g, [7, 7001]),
    # 96 output channels: 6 vectors, a group of 4 and a last group of 2 whose
    # tiles share the full group's parallel loop; a GEMV whose weights make it
    # worth the pool.
    "conv_last_group": lambda g: conv(g, 1, 80, 80, 16, 96, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1),
    "fc_gemv": lambda g: fully_connected(g, 1, 1024, 1000),
    # 128 output channels over 2 images of 20x20: several channel groups and
    # fewer weight bytes than input bytes, so the pool's loop goes by blocks
    # of pixel tiles, every group of a block before the next block.
    "conv_pixel_blocks": lambda g: conv(g, 2, 20, 20, 64, 128, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1),
    # 49 pixels, 256 KB of weights: the pixels left over after the full
    # register tiles read every weight, so they too are split over the
    # threads by channel groups (each after its group's tiles).
    "conv_rest_groups": lambda g: conv(g, 1, 7, 7, 1024, 256, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1),
    # A staged input image large enough for its rows to be copied on the pool.
    "conv_staged_rows": lambda g: conv(g, 1, 64, 64, 64, 16, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 1),
}


def main():
    args = sys.argv[1:]
    kernel = ""
    if "--kernel" in args:
        i = args.index("--kernel")
        name, lanes, block, cb, *signed = args[i + 1].split(",")
        kernel = (f', kernel = #qc.kernel<name = "{name}", lanes = {int(lanes)}, '
                  f"block = {int(block)}, channel_blocks = {int(cb)}"
                  f"{', signed_input = true' if signed == ['signed'] else ''}>")
        del args[i:i + 2]
    if not args or args[0] not in CASES:
        sys.exit("usage: gen_int8_graph.py {" + ",".join(CASES) +
                 "} [SEED] [--kernel NAME,LANES,BLOCK,CHANNEL_BLOCKS[,signed]]")
    seed = int(args[1]) if len(args) > 1 else 0
    g = Graph(np.random.default_rng(seed))
    g.kernel = kernel
    CASES[args[0]](g)
    sys.stdout.write(g.text())


if __name__ == "__main__":
    main()
