"""Grouped convolutions from ONNX: one integer op, measured against numpy.

ONNX Conv with 1 < group < C is imported as a slice of each group's input
channels, a conv per group and a concat of the groups (TOSA has no grouped
convolution). qc calibrates and quantizes that as one layer and fuses it into
one qc.conv2d with `groups` (no float slice or concat left between int8
ops). Checked on a RegNet-like block (1x1, grouped 3x3 with stride 2 and no
padding over 16x16, whose windows never read the last row and column, so
the importer's slices also crop them, 1x1) and a
ResNeXt-like grouped 3x3 with 32 groups of 4 channels, with --emit=mlir and
by running the int8 library against a float64 numpy evaluation of the ONNX
semantics.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))
import qc  # noqa: E402

try:
    QC_COMPILE = qc.find_qc_compile()
except qc.QCError:
    QC_COMPILE = None

pytestmark = pytest.mark.skipif(
    QC_COMPILE is None, reason="qc-compile binary not found (QC_COMPILE, build/bin, PATH)")


def conv_ref(x, w, b, stride, pad, group):
    """ONNX Conv (NCHW, OIHW weights, symmetric pads) in float64."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    og = o // group
    y = np.zeros((n, o, oh, ow))
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        for ky in range(kh):
            for kx in range(kw):
                patch = xs[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride]
                y[:, g * og:(g + 1) * og] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, ky, kx])
    return y + b.reshape(1, -1, 1, 1)


LAYERS = {
    # (input shape, [(out channels, kernel, stride, pad, group, relu)])
    "regnet_block": ((1, 16, 16, 16), [(32, 1, 1, 0, 1, True), (32, 3, 2, 0, 4, True),
                                       (16, 1, 1, 0, 1, False)]),
    "resnext_3x3": ((1, 128, 8, 8), [(128, 3, 1, 1, 32, True)]),
}


def build(name):
    shape, layers = LAYERS[name]
    rng = np.random.default_rng(7)
    nodes, inits, params = [], [], []
    cur, c, h = "x", shape[1], shape[2]
    for i, (o, k, s, p, g, relu) in enumerate(layers):
        h = (h + 2 * p - k) // s + 1
        w = rng.normal(0, 1.0 / np.sqrt(c // g * k * k), (o, c // g, k, k)).astype(np.float32)
        b = rng.normal(0, 0.1, o).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        out = f"c{i}"
        nodes.append(helper.make_node("Conv", [cur, f"w{i}", f"b{i}"], [out], name=f"conv{i}",
                                      group=g, strides=[s, s], pads=[p] * 4,
                                      kernel_shape=[k, k]))
        if relu:
            nodes.append(helper.make_node("Relu", [out], [f"r{i}"], name=f"relu{i}"))
            out = f"r{i}"
        params.append((w, b, s, p, g, relu))
        cur, c = out, o
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info(cur, TensorProto.FLOAT, [1, c, h, h])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model, params


def reference(params, x):
    y = x
    for w, b, s, p, g, relu in params:
        y = conv_ref(y, w, b, s, p, g)
        if relu:
            y = np.maximum(y, 0)
    return y


@pytest.fixture(scope="module", params=sorted(LAYERS))
def compiled(request, tmp_path_factory):
    name = request.param
    d = tmp_path_factory.mktemp(name)
    model, params = build(name)
    onnx_path = str(d / f"{name}.onnx")
    onnx.save(model, onnx_path)
    shape = LAYERS[name][0]
    rng = np.random.default_rng(11)
    calib = rng.normal(0, 1, (16,) + shape[1:]).astype(np.float32)
    calib_path = str(d / "calib.npy")
    np.save(calib_path, calib)
    mlir = subprocess.run([QC_COMPILE, onnx_path, "--calibration-data", calib_path,
                           "--emit", "mlir", "-o", "-"], check=True,
                          capture_output=True, text=True).stdout
    lib = qc.compile(onnx_path, calibration_data=calib_path, output=d / f"lib{name}.so",
                     name=name, qc_compile=QC_COMPILE)
    return name, params, mlir, qc.load(lib, name=name)


def test_one_integer_op_per_grouped_conv(compiled):
    name, params, mlir, _ = compiled
    convs = [line for line in mlir.splitlines() if "qc.conv2d" in line]
    assert len(convs) == len(params), convs
    for line, (_, _, _, _, g, _) in zip(convs, params):
        assert (f"groups = {g} : i64" in line) == (g > 1), line
    for op in ("tosa.slice", "tosa.concat", "tosa.conv2d", "tosa.clamp"):
        assert op not in mlir, op


def test_int8_matches_float_semantics(compiled):
    name, params, _, lib = compiled
    shape = LAYERS[name][0]
    rng = np.random.default_rng(23)
    for _ in range(4):
        x = rng.normal(0, 1, shape).astype(np.float32)
        want = reference(params, x)
        got = np.asarray(lib(x), dtype=np.float64).reshape(want.shape)
        sqnr = 10 * np.log10(np.sum(want ** 2) / np.sum((got - want) ** 2))
        assert sqnr > 30.0, f"{name}: SQNR {sqnr:.1f} dB"


def test_group_slices_crop_unread_rows(tmp_path):
    """The importer's slice of each group's channels also crops the row and
    column the stride-2 windows never read (16 -> 15), instead of a crop
    slice of its own before them that would hide the grouped conv."""
    model, _ = build("regnet_block")
    onnx_path = str(tmp_path / "m.onnx")
    onnx.save(model, onnx_path)
    text = subprocess.run([QC_COMPILE, onnx_path, "--emit", "float", "-o", "-"],
                          check=True, capture_output=True, text=True).stdout
    sizes = [line for line in text.splitlines() if "tosa.const_shape" in line]
    assert any("[1, 15, 15, 8]" in line for line in sizes), sizes
    assert not any("[1, 15, 15, 32]" in line for line in sizes), sizes
