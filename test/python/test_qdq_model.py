"""Already-quantized (QDQ) ONNX models, executed.

A small network in the form ONNX Runtime's static quantizer writes (uint8
activations behind QuantizeLinear/DequantizeLinear pairs, int8 per-channel
weights and int32 biases behind DequantizeLinear) is built here with numpy:
conv 3x3 + Relu, depthwise 3x3 stride 2 + Clip(0, 6), pointwise 1x1, a
residual Add with a max-pooled branch, Sigmoid, GlobalAveragePool, Flatten
and a per-axis Gemm. qc-compile turns it into an int8 library without
calibration; its outputs are compared with a numpy evaluation of the same
QDQ graph under ONNX semantics (round half to even, saturation), with the
float network it came from, and the compiled IR is checked to hold integer
ops only.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from test_import_ops import conv_ref, pool_ref, qc_compile_path  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import qc  # noqa: E402


# --- ONNX semantics -----------------------------------------------------------

def quantize(x, scale, zp, lo=0, hi=255):
    return np.clip(np.rint(x / np.float32(scale)) + zp, lo, hi)


def dequantize(q, scale, zp):
    return ((q - zp) * np.float32(scale)).astype(np.float32)


def fake_quant(x, params):
    scale, zp = params
    return dequantize(quantize(x, scale, zp), scale, zp)


def act_params(x):
    """uint8 asymmetric parameters covering x and 0, as ORT's MinMax."""
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = np.float32((hi - lo) / 255.0)
    zp = int(np.clip(np.rint(-lo / scale), 0, 255))
    return scale, zp


def weight_q(w, axis=0):
    """int8 symmetric per-channel: scale = max|w|/127 along `axis`."""
    red = tuple(i for i in range(w.ndim) if i != axis)
    scale = (np.abs(w).max(axis=red) / 127.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def sigmoid(x):
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)


# --- The network ----------------------------------------------------------------

class Net:
    """Weights and the forward pass, float or QDQ."""

    def __init__(self, seed=0):
        r = np.random.RandomState(seed)
        self.w1 = r.normal(0, 0.4, (8, 3, 3, 3)).astype(np.float32)
        self.b1 = r.normal(0, 0.1, 8).astype(np.float32)
        self.wd = r.normal(0, 0.4, (8, 1, 3, 3)).astype(np.float32)
        self.bd = r.normal(0, 0.1, 8).astype(np.float32)
        self.wp = r.normal(0, 0.4, (8, 8, 1, 1)).astype(np.float32)
        self.bp = r.normal(0, 0.1, 8).astype(np.float32)
        self.wg = r.normal(0, 0.5, (10, 8)).astype(np.float32)
        self.bg = r.normal(0, 0.1, 10).astype(np.float32)
        self.act = None  # activation name -> (scale, zp)

    def forward(self, x, qdq):
        """Float forward (qdq=False) recording activations, or the QDQ graph's
        ONNX semantics (qdq=True) with quantized weights and biases."""
        acts = {}

        def q(name, v):
            acts[name] = v
            return fake_quant(v, self.act[name]) if qdq else v

        def wb(w, b, x_name, axis=0):
            if not qdq:
                return w, b
            wq, ws = weight_q(w, axis)
            shape = [1] * w.ndim
            shape[axis] = -1
            bs = (np.float32(self.act[x_name][0]) * ws).astype(np.float32)
            bq = np.rint(b / bs).astype(np.int32)
            return (wq * ws.reshape(shape)).astype(np.float32), \
                (bq * bs).astype(np.float32)

        x = q("x", x)
        w, b = wb(self.w1, self.b1, "x")
        c1 = q("c1", np.maximum(conv_ref(x, w, b, pads=(1, 1, 1, 1)), 0))
        w, b = wb(self.wd, self.bd, "c1")
        d = q("d", np.clip(conv_ref(c1, w, b, strides=(2, 2),
                                    pads=(1, 1, 1, 1), group=8), 0, 6))
        w, b = wb(self.wp, self.bp, "d")
        p = q("p", conv_ref(d, w, b))
        m = q("m", pool_ref(c1, "max", (2, 2), strides=(2, 2)))
        a = q("a", p + m)
        s = q("s", sigmoid(a))
        g = q("g", s.mean(axis=(2, 3)))
        w, b = wb(self.wg, self.bg, "g")
        y = q("y", g @ w.T + b)
        return y, acts

    def calibrate(self, xs):
        ranges = {}
        for x in xs:
            _, acts = self.forward(x, qdq=False)
            for k, v in acts.items():
                lo, hi = ranges.get(k, (np.inf, -np.inf))
                ranges[k] = (min(lo, v.min()), max(hi, v.max()))
        self.act = {k: act_params(np.array([lo, hi])) for k, (lo, hi) in
                    ranges.items()}

    def onnx_model(self):
        inits, nodes = [], []

        def const(name, a):
            inits.append(numpy_helper.from_array(np.asarray(a), name))

        def qdq(src, name):
            scale, zp = self.act[name]
            const(name + "_s", np.array(scale, np.float32))
            const(name + "_z", np.array(zp, np.uint8))
            nodes.append(helper.make_node(
                "QuantizeLinear", [src, name + "_s", name + "_z"],
                [name + "_q"], name="q_" + name))
            nodes.append(helper.make_node(
                "DequantizeLinear", [name + "_q", name + "_s", name + "_z"],
                [name], name="dq_" + name))

        def weights(tag, w, b, x_name, axis=0):
            wq, ws = weight_q(w, axis)
            bs = (np.float32(self.act[x_name][0]) * ws).astype(np.float32)
            const(tag + "_wq", wq)
            const(tag + "_ws", ws)
            const(tag + "_wz", np.zeros(len(ws), np.int8))
            const(tag + "_bq", np.rint(b / bs).astype(np.int32))
            const(tag + "_bs", bs)
            nodes.append(helper.make_node(
                "DequantizeLinear", [tag + "_wq", tag + "_ws", tag + "_wz"],
                [tag + "_w"], axis=axis))
            nodes.append(helper.make_node(
                "DequantizeLinear", [tag + "_bq", tag + "_bs"], [tag + "_b"],
                axis=0))
            return [tag + "_w", tag + "_b"]

        qdq("input", "x")
        nodes.append(helper.make_node(
            "Conv", ["x"] + weights("c1", self.w1, self.b1, "x"), ["c1_f"],
            pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", ["c1_f"], ["c1_r"]))
        qdq("c1_r", "c1")
        nodes.append(helper.make_node(
            "Conv", ["c1"] + weights("d", self.wd, self.bd, "c1"), ["d_f"],
            pads=[1, 1, 1, 1], strides=[2, 2], group=8))
        const("zero", np.array(0, np.float32))
        const("six", np.array(6, np.float32))
        nodes.append(helper.make_node("Clip", ["d_f", "zero", "six"], ["d_r"]))
        qdq("d_r", "d")
        nodes.append(helper.make_node(
            "Conv", ["d"] + weights("p", self.wp, self.bp, "d"), ["p_f"]))
        qdq("p_f", "p")
        nodes.append(helper.make_node("MaxPool", ["c1"], ["m_f"],
                                      kernel_shape=[2, 2], strides=[2, 2]))
        qdq("m_f", "m")
        nodes.append(helper.make_node("Add", ["p", "m"], ["a_f"]))
        qdq("a_f", "a")
        nodes.append(helper.make_node("Sigmoid", ["a"], ["s_f"]))
        qdq("s_f", "s")
        nodes.append(helper.make_node("GlobalAveragePool", ["s"], ["g_f"]))
        qdq("g_f", "g4")
        nodes.append(helper.make_node("Flatten", ["g4"], ["g"]))
        nodes.append(helper.make_node(
            "Gemm", ["g"] + weights("fc", self.wg, self.bg, "g"), ["y_f"],
            transB=1))
        qdq("y_f", "y")
        graph = helper.make_graph(
            nodes, "qdq",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                           [1, 3, 12, 12])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
            inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        onnx.checker.check_model(m)
        return m


@pytest.fixture(scope="module")
def qdq_build(tmp_path_factory):
    exe = qc_compile_path()
    if not os.path.exists(exe):
        pytest.skip("qc-compile is not built")
    d = tmp_path_factory.mktemp("qdq")
    net = Net()
    r = np.random.RandomState(1)
    xs = [r.uniform(-1, 1, (1, 3, 12, 12)).astype(np.float32)
          for _ in range(40)]
    net.calibrate(xs[:20])
    # The pooled tensor is quantized before Flatten ("g4"), as "g".
    net.act["g4"] = net.act["g"]
    path = str(d / "qdq.onnx")
    onnx.save(net.onnx_model(), path)
    lib = str(d / "libqdq.so")
    subprocess.run([exe, path, "--name", "m", "-o", lib], check=True,
                   capture_output=True, text=True)
    ir = subprocess.run([exe, path, "--emit=mlir", "-o", "-"], check=True,
                        capture_output=True, text=True).stdout
    return net, xs[20:], lib, ir


def test_qdq_ir_is_integer(qdq_build):
    _, _, _, ir = qdq_build
    body = ir[ir.index("func.func"):]
    assert body.count("qc.conv2d") == 3, body
    assert "qc.fully_connected" in body
    assert "qc.lut" in body  # the Sigmoid
    for op in ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.matmul",
               "tosa.sigmoid"):
        assert op not in body, op


def test_qdq_matches_onnx_semantics(qdq_build):
    net, xs, lib, _ = qdq_build
    m = qc.load(lib, name="m")
    scale_y = net.act["y"][0]
    diffs = []
    for x in xs:
        ref, _ = net.forward(x, qdq=True)
        got = m(x)
        assert got.shape == (1, 10)
        diffs.append(np.abs(got - ref) / scale_y)
    lsb = np.concatenate([d.ravel() for d in diffs])
    # Integer requantization rounds once per layer where the float
    # evaluation rounds the exact product: results agree up to a step.
    assert lsb.max() <= 2.0 + 1e-3, lsb.max()
    assert np.mean(lsb < 1e-3) >= 0.9, np.mean(lsb < 1e-3)


def test_qdq_close_to_float(qdq_build):
    net, xs, lib, _ = qdq_build
    m = qc.load(lib, name="m")
    got = np.concatenate([m(x).ravel() for x in xs])
    ref = np.concatenate([net.forward(x, qdq=False)[0].ravel() for x in xs])
    cos = got @ ref / (np.linalg.norm(got) * np.linalg.norm(ref))
    assert cos > 0.99, cos
