"""Float execution tests of the ONNX importer.

Every case is a small ONNX graph (built with onnx.helper) compiled with
`qc-compile --float`, run through the qc package and compared with a numpy
implementation of the ONNX semantics written here (onnx 1.12 has no
reference evaluator). Whole models: torchvision resnet18, mobilenet_v2 and
mobilenet_v3_small exported by torch.onnx (opset 13) against torch, and a
tf2onnx-style NHWC graph whose explicit Transposes must cancel against the
importer's NHWC layout.

All qc-compile runs happen once per session in a thread pool (the machine
has two cores); the test functions only run and compare. The binary comes
from $QC_BUILD_DIR/bin (default <repo>/build/bin).
"""
import concurrent.futures
import math
import os
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import qc  # noqa: E402

F = TensorProto.FLOAT
RTOL = 1e-5


def qc_compile_path():
    build = os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build"))
    return os.path.join(build, "bin", "qc-compile")


def rng(seed):
    return np.random.RandomState(seed)


def rand(*shape, seed=0, lo=-1.0, hi=1.0):
    return rng(seed).uniform(lo, hi, shape).astype(np.float32)


# --- Building models ------------------------------------------------------------

def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def graph_model(nodes, inputs, outputs, inits=(), opset=13):
    """inputs: {name: array or (shape,)}; outputs: list of names."""
    ins = [vi(n, list(a.shape) if hasattr(a, "shape") else a)
           for n, a in inputs.items()]
    outs = [vi(n, None) for n in outputs]
    graph = helper.make_graph(nodes, "g", ins, outs, list(inits))
    return helper.make_model(graph, producer_name="qc-test",
                             opset_imports=[helper.make_opsetid("", opset)])


def op_model(op, inputs, attrs=None, consts=None, opset=13, n_outputs=1,
             input_names=None):
    """One node: runtime `inputs` {name: array}, constant inputs `consts`
    {name: array}, in the order given by `input_names` ("" = omitted)."""
    consts = consts or {}
    names = input_names or list(inputs) + list(consts)
    outs = ["y"] if n_outputs == 1 else [f"y{i}" for i in range(n_outputs)]
    node = helper.make_node(op, names, outs, name="node", **(attrs or {}))
    inits = [const(k, v) for k, v in consts.items()]
    return graph_model([node], inputs, outs, inits, opset)


CASES = {}


def case(name, model, feeds, expected, rtol=RTOL, atol=None, flags=()):
    """Registers a case: model, {input: array}, list of expected outputs."""
    assert name not in CASES, name
    # Graph outputs carry the expected shapes (the checker wants a shape, and
    # the importer checks its results against it).
    for out, e in zip(model.graph.output, expected):
        out.type.tensor_type.shape.Clear()
        for d in np.shape(e):
            out.type.tensor_type.shape.dim.add().dim_value = d
    CASES[name] = dict(model=model, feeds=feeds, expected=expected, rtol=rtol,
                       atol=atol, flags=list(flags))


# --- numpy references of ONNX semantics -------------------------------------------

def conv_ref(x, w, b=None, strides=(1, 1), pads=(0, 0, 0, 0),
             dilations=(1, 1), group=1):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (h + pads[0] + pads[2] - ((kh - 1) * dilations[0] + 1)) // strides[0] + 1
    ow = (wd + pads[1] + pads[3] - ((kw - 1) * dilations[1] + 1)) // strides[1] + 1
    y = np.zeros((n, o, oh, ow))
    og = o // group
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * og:(g + 1) * og]
        for i in range(kh):
            for j in range(kw):
                h0, w0 = i * dilations[0], j * dilations[1]
                patch = xs[:, :, h0:h0 + strides[0] * (oh - 1) + 1:strides[0],
                           w0:w0 + strides[1] * (ow - 1) + 1:strides[1]]
                y[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch,
                                                       ws[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def conv_transpose_ref(x, w, b=None, strides=(1, 1), pads=(0, 0, 0, 0),
                       dilations=(1, 1), group=1, output_padding=(0, 0)):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    cg = c // group
    full_h = strides[0] * (h - 1) + output_padding[0] + (kh - 1) * dilations[0] + 1
    full_w = strides[1] * (wd - 1) + output_padding[1] + (kw - 1) * dilations[1] + 1
    y = np.zeros((n, og * group, full_h, full_w))
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                contrib = np.einsum("nchw,co->nohw", x[:, g * cg:(g + 1) * cg],
                                    w[g * cg:(g + 1) * cg, :, i, j])
                h0, w0 = i * dilations[0], j * dilations[1]
                y[:, g * og:(g + 1) * og,
                  h0:h0 + strides[0] * (h - 1) + 1:strides[0],
                  w0:w0 + strides[1] * (wd - 1) + 1:strides[1]] += contrib
    y = y[:, :, pads[0]:full_h - pads[2], pads[1]:full_w - pads[3]]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def pool_ref(x, kind, kernel, strides=(1, 1), pads=(0, 0, 0, 0),
             ceil_mode=False, count_include_pad=False):
    n, c, h, w = x.shape
    dims = []
    for i, size in enumerate((h, w)):
        span = size + pads[i] + pads[i + 2] - kernel[i]
        out = (-(-span // strides[i]) if ceil_mode else span // strides[i]) + 1
        if ceil_mode and (out - 1) * strides[i] >= size + pads[i]:
            out -= 1  # no window starts in the end padding
        dims.append(out)
    y = np.zeros((n, c, dims[0], dims[1]), np.float64)
    for i in range(dims[0]):
        for j in range(dims[1]):
            h0, w0 = i * strides[0] - pads[0], j * strides[1] - pads[1]
            hs, he = max(h0, 0), min(h0 + kernel[0], h)
            ws, we = max(w0, 0), min(w0 + kernel[1], w)
            win = x[:, :, hs:he, ws:we].astype(np.float64)
            if kind == "max":
                y[:, :, i, j] = win.max(axis=(2, 3))
            elif count_include_pad:
                cnt = ((min(h0 + kernel[0], h + pads[2]) - h0) *
                       (min(w0 + kernel[1], w + pads[3]) - w0))
                y[:, :, i, j] = win.sum(axis=(2, 3)) / cnt
            else:
                y[:, :, i, j] = win.mean(axis=(2, 3))
    return y.astype(np.float32)


def softmax_ref(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def erf_ref(x):
    return np.vectorize(math.erf)(x.astype(np.float64)).astype(np.float32)


def layernorm_ref(x, scale, bias, axis=-1, eps=1e-5):
    axes = tuple(range(axis % x.ndim, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps) * scale
    return y + bias if bias is not None else y


def resize_axis_taps(in_size, out_size, scale, mode, coord, nearest,
                     cubic_a=-0.75, exclude_outside=False):
    """Per output index: (indices, weights) along one axis, ONNX semantics
    with float32 coordinate arithmetic (as onnxruntime)."""
    f = np.float32
    taps = []
    for o in range(out_size):
        x = f(o)
        if coord == "align_corners":
            xo = f(0) if out_size == 1 else x * f(in_size - 1) / f(out_size - 1)
        elif coord == "asymmetric":
            xo = x / f(scale)
        elif coord == "pytorch_half_pixel":
            xo = (x + f(0.5)) / f(scale) - f(0.5) if out_size > 1 else f(0)
        elif coord == "tf_half_pixel_for_nn":
            xo = (x + f(0.5)) / f(scale)
        else:
            xo = (x + f(0.5)) / f(scale) - f(0.5)
        def clampi(i):
            return min(max(i, 0), in_size - 1)

        def cround(v):  # C's round: halves away from zero
            return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)

        if mode == "nearest":
            tie = xo == f(int(xo)) + f(0.5)
            if nearest == "legacy":
                i = math.ceil(xo) if scale < 1 else int(xo)
            elif nearest == "floor":
                i = math.floor(xo)
            elif nearest == "ceil":
                i = math.ceil(xo)
            elif nearest == "round_prefer_ceil":
                i = math.ceil(xo) if tie else cround(xo)
            else:
                i = int(xo) if tie else cround(xo)
            taps.append(([clampi(i)], [1.0]))
        elif mode == "linear":
            xc = min(max(float(xo), 0.0), float(in_size - 1))
            i0 = clampi(int(math.floor(xc)))
            i1 = clampi(i0 + 1)
            w1 = xc - i0
            taps.append(([i0, i1], [1 - w1, w1]))
        else:
            fl = math.floor(xo)
            t = float(xo) - fl
            a = cubic_a
            s, u, v = t + 1, 1 - t, 2 - t
            c = [((a * s - 5 * a) * s + 8 * a) * s - 4 * a,
                 ((a + 2) * t - (a + 3)) * t * t + 1,
                 ((a + 2) * u - (a + 3)) * u * u + 1,
                 ((a * v - 5 * a) * v + 8 * a) * v - 4 * a]
            idx = [fl - 1 + k for k in range(4)]
            if exclude_outside:
                c = [ci if 0 <= ii < in_size else 0.0 for ci, ii in zip(c, idx)]
                total = sum(c)
                c = [ci / total for ci in c]
            taps.append(([clampi(i) for i in idx], c))
    return taps


def resize_ref(x, out_hw, scales_hw, mode="nearest", coord="half_pixel",
               nearest="round_prefer_floor", cubic_a=-0.75,
               exclude_outside=False):
    y = x.astype(np.float64)
    for axis, (out, scale) in zip((2, 3), zip(out_hw, scales_hw)):
        taps = resize_axis_taps(y.shape[axis], out, scale, mode, coord,
                                nearest, cubic_a, exclude_outside)
        parts = []
        for idx, wgt in taps:
            acc = 0
            for i, wv in zip(idx, wgt):
                acc = acc + np.take(y, [i], axis=axis) * wv
            parts.append(acc)
        y = np.concatenate(parts, axis=axis)
    return y.astype(np.float32)


# --- Cases: elementwise ------------------------------------------------------

X4 = rand(1, 3, 5, 6, seed=1)
X2 = rand(4, 5, seed=2)


def conv1x1_then(op_nodes, x_shape=(1, 3, 5, 6), extra_inits=(), opset=13,
                 out="y", extra_inputs=None):
    """x -> 1x1 Conv (an NHWC producer) -> c, then `op_nodes` reading c."""
    c = x_shape[1]
    w = rand(c, c, 1, 1, seed=7)
    b = rand(c, seed=8)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv")]
    nodes += op_nodes
    inputs = {"x": np.zeros(x_shape, np.float32)}
    inputs.update(extra_inputs or {})
    model = graph_model(nodes, inputs, [out],
                        [const("w", w), const("b", b)] + list(extra_inits),
                        opset)
    return model, w, b


for op, fn in [("Add", np.add), ("Sub", np.subtract), ("Mul", np.multiply),
               ("Div", np.divide)]:
    cst = rand(3, 1, 1, seed=3, lo=0.5, hi=2.0)
    case(f"{op.lower()}_const_bcast", op_model(op, {"x": X4}, consts={"c": cst}),
         {"x": X4}, [fn(X4, cst)])
    rhs = rand(5, seed=4, lo=0.5, hi=2.0)
    case(f"{op.lower()}_runtime_bcast",
         op_model(op, {"a": X2, "b": rhs}), {"a": X2, "b": rhs}, [fn(X2, rhs)])
    # NHWC operand (after a conv) with a [C,1,1] constant and a runtime [1,C,1,1].
    r = rand(1, 3, 1, 1, seed=5, lo=0.5, hi=2.0)
    m, w, b = conv1x1_then(
        [helper.make_node(op, ["c", "k"], ["t"], name="e1"),
         helper.make_node(op, ["t", "r"], ["y"], name="e2")],
        extra_inits=[const("k", cst)], extra_inputs={"r": r})
    ref = fn(fn(conv_ref(X4, w, b), cst), r)
    case(f"{op.lower()}_nhwc", m, {"x": X4, "r": r}, [ref])

# Scalar constant and reversed operand order.
case("sub_scalar_first",
     graph_model([helper.make_node("Sub", ["s", "x"], ["y"])], {"x": X4}, ["y"],
                 [const("s", np.array(2.0, np.float32))]),
     {"x": X4}, [2.0 - X4])

for op, fn in [("Max", np.maximum), ("Min", np.minimum)]:
    a, b_, c_ = rand(2, 3, 4, seed=1), rand(3, 4, seed=2), rand(4, seed=3)
    case(f"{op.lower()}_variadic", op_model(op, {"a": a, "b": b_, "c": c_}),
         {"a": a, "b": b_, "c": c_}, [fn(fn(a, b_), c_)])
a3, b3 = rand(2, 3, 4, seed=1), rand(3, 4, seed=2)
case("sum_variadic", op_model("Sum", {"a": a3, "b": b3}), {"a": a3, "b": b3},
     [a3 + b3])

XP = rand(2, 3, 4, seed=9, lo=0.1, hi=2.0)
for p in [2.0, 0.5, 3.0, -1.0, 1.7]:
    case(f"pow_{p}", op_model("Pow", {"x": XP},
                              consts={"p": np.array(p, np.float32)}),
         {"x": XP}, [np.power(XP, np.float32(p))], rtol=1e-5)
case("pow_int_exponent", op_model("Pow", {"x": XP},
                                  consts={"p": np.array(2, np.int64)}),
     {"x": XP}, [XP * XP])

# Activations (on a plain value and on an NHWC one).
XA = rand(2, 3, 4, 5, seed=11, lo=-4, hi=4)
unary = {
    "Relu": (dict(), lambda x: np.maximum(x, 0)),
    "LeakyRelu": (dict(alpha=0.1), lambda x: np.where(x >= 0, x, 0.1 * x)),
    "Sigmoid": (dict(), lambda x: 1 / (1 + np.exp(-x))),
    "HardSigmoid": (dict(alpha=0.3, beta=0.4),
                    lambda x: np.clip(0.3 * x + 0.4, 0, 1)),
    "Tanh": (dict(), np.tanh),
    "Erf": (dict(), erf_ref),
    "Exp": (dict(), np.exp),
    "Neg": (dict(), np.negative),
    "Abs": (dict(), np.abs),
    "Floor": (dict(), np.floor),
    "Ceil": (dict(), np.ceil),
    "Elu": (dict(alpha=0.7), lambda x: np.where(x >= 0, x, 0.7 * (np.exp(x) - 1))),
    "Selu": (dict(), lambda x: np.where(
        x > 0, 1.0507009873554805 * x,
        1.0507009873554805 * 1.6732632423543772 * (np.exp(x) - 1))),
    "Softplus": (dict(), lambda x: np.log1p(np.exp(x))),
    "Softsign": (dict(), lambda x: x / (1 + np.abs(x))),
}
for op, (attrs, fn) in unary.items():
    case(f"{op.lower()}", op_model(op, {"x": XA}, attrs), {"x": XA},
         [fn(XA.astype(np.float64)).astype(np.float32)], atol=1e-6)
    m, w, b = conv1x1_then([helper.make_node(op, ["c"], ["y"], name="act",
                                             **attrs)])
    case(f"{op.lower()}_nhwc", m, {"x": X4},
         [fn(conv_ref(X4, w, b).astype(np.float64)).astype(np.float32)],
         atol=1e-6)
case("leakyrelu_alpha2", op_model("LeakyRelu", {"x": XA}, dict(alpha=2.0)),
     {"x": XA}, [np.where(XA >= 0, XA, 2 * XA)])
case("hardswish", op_model("HardSwish", {"x": XA}, opset=14), {"x": XA},
     [XA * np.clip(XA / 6 + 0.5, 0, 1)], atol=1e-6)
XPOS = rand(2, 3, 4, seed=12, lo=0.1, hi=3)
for op, fn in [("Log", np.log), ("Sqrt", np.sqrt), ("Reciprocal", np.reciprocal)]:
    case(op.lower(), op_model(op, {"x": XPOS}), {"x": XPOS}, [fn(XPOS)])
slope = rand(3, 1, 1, seed=13)
case("prelu", op_model("PRelu", {"x": X4}, consts={"s": slope}), {"x": X4},
     [np.where(X4 >= 0, X4, X4 * slope)])
m, w, b = conv1x1_then([helper.make_node("PRelu", ["c", "s"], ["y"])],
                       extra_inits=[const("s", slope)])
cv = conv_ref(X4, w, b)
case("prelu_nhwc", m, {"x": X4}, [np.where(cv >= 0, cv, cv * slope)])

# Clip: attribute form (opset < 11), input forms, absent bound, min > max.
case("clip_attr", op_model("Clip", {"x": XA}, dict(min=-1.0, max=2.0), opset=9),
     {"x": XA}, [np.clip(XA, -1, 2)])
case("clip_inputs", op_model("Clip", {"x": XA},
                             consts={"lo": np.array(0, np.float32),
                                     "hi": np.array(6, np.float32)}),
     {"x": XA}, [np.clip(XA, 0, 6)])
case("clip_nomin", op_model("Clip", {"x": XA},
                            consts={"hi": np.array(0.5, np.float32)},
                            input_names=["x", "", "hi"]),
     {"x": XA}, [np.minimum(XA, 0.5)])
case("clip_nothing", op_model("Clip", {"x": XA}), {"x": XA}, [XA])

# GELU as torch exports it (erf form).
xg = rand(2, 8, seed=14, lo=-5, hi=5)
gelu_nodes = [helper.make_node("Div", ["x", "sqrt2"], ["d"]),
              helper.make_node("Erf", ["d"], ["e"]),
              helper.make_node("Add", ["e", "one"], ["a"]),
              helper.make_node("Mul", ["x", "a"], ["m"]),
              helper.make_node("Mul", ["m", "half"], ["y"])]
case("gelu_erf", graph_model(gelu_nodes, {"x": xg}, ["y"],
                             [const("sqrt2", np.array(1.4142135381698608, np.float32)),
                              const("one", np.array(1.0, np.float32)),
                              const("half", np.array(0.5, np.float32))]),
     {"x": xg}, [(0.5 * xg * (1 + erf_ref(xg / np.float32(math.sqrt(2))))).astype(np.float32)],
     atol=1e-6)

# --- Softmax, reductions, normalisation --------------------------------------

XS = rand(2, 3, 4, 5, seed=15, lo=-3, hi=3)
case("softmax_13_axis1", op_model("Softmax", {"x": XS}, dict(axis=1)), {"x": XS},
     [softmax_ref(XS, 1)])
case("softmax_13_default", op_model("Softmax", {"x": XS}), {"x": XS},
     [softmax_ref(XS, -1)])
case("softmax_11_axis1", op_model("Softmax", {"x": XS}, dict(axis=1), opset=11),
     {"x": XS}, [softmax_ref(XS.reshape(2, -1), 1).reshape(XS.shape)])
case("logsoftmax_11_axis2", op_model("LogSoftmax", {"x": XS}, dict(axis=2),
                                     opset=11),
     {"x": XS}, [np.log(softmax_ref(XS.reshape(6, -1), 1)).reshape(XS.shape)],
     atol=1e-5)
m, w, b = conv1x1_then([helper.make_node("Softmax", ["c"], ["y"], axis=1)])
case("softmax_nhwc_channels", m, {"x": X4}, [softmax_ref(conv_ref(X4, w, b), 1)])

case("reducemean_keep", op_model("ReduceMean", {"x": XS}, dict(axes=[2, 3])),
     {"x": XS}, [XS.mean(axis=(2, 3), keepdims=True)])
case("reducemean_nokeep", op_model("ReduceMean", {"x": XS},
                                   dict(axes=[1, -1], keepdims=0)),
     {"x": XS}, [XS.mean(axis=(1, 3))])
case("reducemean_all", op_model("ReduceMean", {"x": XS}, dict(keepdims=0)),
     {"x": XS}, [XS.mean(keepdims=False).reshape(())])
case("reducesum_13_input", op_model("ReduceSum", {"x": XS},
                                    consts={"axes": np.array([1], np.int64)}),
     {"x": XS}, [XS.sum(axis=1, keepdims=True)])
case("reducemax", op_model("ReduceMax", {"x": XS}, dict(axes=[2], keepdims=0)),
     {"x": XS}, [XS.max(axis=2)])
case("reducemean_18_input",
     op_model("ReduceMean", {"x": XS}, consts={"axes": np.array([-1], np.int64)},
              opset=18),
     {"x": XS}, [XS.mean(axis=-1, keepdims=True)])
m, w, b = conv1x1_then([helper.make_node("ReduceMean", ["c"], ["y"], axes=[2, 3],
                                         keepdims=0)])
case("reducemean_nhwc_spatial", m, {"x": X4}, [conv_ref(X4, w, b).mean(axis=(2, 3))])

bn_params = [rand(3, seed=s, lo=0.5, hi=1.5) for s in (21, 22, 23)] + \
    [rand(3, seed=24, lo=0.5, hi=2.0)]


def bn_ref(x, scale, bias, mean, var, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) *
            scale.reshape(shape) + bias.reshape(shape))


bn_consts = dict(zip(["s", "bb", "mu", "var"], bn_params))
case("batchnorm_standalone", op_model("BatchNormalization", {"x": X4},
                                      consts=bn_consts),
     {"x": X4}, [bn_ref(X4, *bn_params)])
X3 = rand(2, 3, 7, seed=25)
case("batchnorm_rank3", op_model("BatchNormalization", {"x": X3},
                                 consts=bn_consts, opset=9),
     {"x": X3}, [bn_ref(X3, *bn_params)])

XL = rand(2, 4, 6, seed=26, lo=-2, hi=2)
ln_s, ln_b = rand(6, seed=27), rand(6, seed=28)
case("layernorm_17", op_model("LayerNormalization", {"x": XL},
                              consts={"s": ln_s, "b": ln_b}, opset=17),
     {"x": XL}, [layernorm_ref(XL, ln_s, ln_b)], atol=1e-5)
ln_s2 = rand(4, 6, seed=29)
case("layernorm_17_axis1_nobias",
     op_model("LayerNormalization", {"x": XL}, dict(axis=1, epsilon=1e-3),
              consts={"s": ln_s2}, opset=17),
     {"x": XL}, [layernorm_ref(XL, ln_s2, None, axis=1, eps=1e-3)], atol=1e-5)
# The decomposed form torch exports below opset 17.
ln_nodes = [helper.make_node("ReduceMean", ["x"], ["mu"], axes=[-1]),
            helper.make_node("Sub", ["x", "mu"], ["d"]),
            helper.make_node("Pow", ["d", "two"], ["sq"]),
            helper.make_node("ReduceMean", ["sq"], ["var"], axes=[-1]),
            helper.make_node("Add", ["var", "eps"], ["ve"]),
            helper.make_node("Sqrt", ["ve"], ["sd"]),
            helper.make_node("Div", ["d", "sd"], ["n"]),
            helper.make_node("Mul", ["n", "s"], ["m"]),
            helper.make_node("Add", ["m", "b"], ["y"])]
case("layernorm_decomposed",
     graph_model(ln_nodes, {"x": XL}, ["y"],
                 [const("two", np.array(2.0, np.float32)),
                  const("eps", np.array(1e-5, np.float32)),
                  const("s", ln_s), const("b", ln_b)]),
     {"x": XL}, [layernorm_ref(XL, ln_s, ln_b)], atol=1e-5)
in_s, in_b = rand(3, seed=30), rand(3, seed=31)
case("instancenorm", op_model("InstanceNormalization", {"x": X4},
                              consts={"s": in_s, "b": in_b}),
     {"x": X4}, [((X4 - X4.mean(axis=(2, 3), keepdims=True)) /
                  np.sqrt(X4.var(axis=(2, 3), keepdims=True) + 1e-5) *
                  in_s.reshape(1, 3, 1, 1) + in_b.reshape(1, 3, 1, 1))], atol=1e-5)

# --- Conv, ConvTranspose, pooling --------------------------------------------

XC = rand(1, 4, 9, 8, seed=40)


def conv_case(name, w_shape, attrs=None, x=XC, bias=True, onnx_pads=None):
    attrs = attrs or {}
    w = rand(*w_shape, seed=41)
    b = rand(w_shape[0], seed=42) if bias else None
    consts = {"w": w}
    if bias:
        consts["b"] = b
    pads = onnx_pads or attrs.get("pads", [0, 0, 0, 0])
    ref = conv_ref(x, w, b, attrs.get("strides", (1, 1)), pads,
                   attrs.get("dilations", (1, 1)), attrs.get("group", 1))
    case(name, op_model("Conv", {"x": x}, attrs, consts), {"x": x}, [ref])


conv_case("conv_basic", (6, 4, 3, 3), dict(pads=[1, 1, 1, 1]))
conv_case("conv_nobias", (5, 4, 1, 1), bias=False)
conv_case("conv_stride_asym", (6, 4, 3, 2), dict(strides=[2, 3], pads=[1, 0, 2, 1]))
conv_case("conv_dilation", (3, 4, 3, 3), dict(dilations=[2, 1], pads=[2, 1, 2, 1]))
conv_case("conv_group2", (6, 2, 3, 3), dict(group=2, pads=[1, 1, 1, 1]))
conv_case("conv_group4_stride", (8, 1, 3, 3), dict(group=4, strides=[2, 2]))
conv_case("conv_depthwise", (4, 1, 3, 3), dict(group=4, pads=[1, 1, 1, 1]))
conv_case("conv_depthwise_mult2", (8, 1, 3, 3), dict(group=4, pads=[0, 1, 1, 0]))
conv_case("conv_group2_mult", (4, 2, 1, 3), dict(group=2, pads=[0, 1, 0, 1]))
# auto_pad SAME_UPPER / SAME_LOWER with stride 2 on 9x8.
for mode in ["SAME_UPPER", "SAME_LOWER"]:
    k = 4
    pads = []
    for size in (9, 8):
        out = -(-size // 2)
        total = max(0, (out - 1) * 2 + k - size)
        lo = total // 2 if mode == "SAME_UPPER" else total - total // 2
        pads.append((lo, total - lo))
    conv_case(f"conv_{mode.lower()}", (3, 4, k, k), dict(strides=[2, 2], auto_pad=mode),
              onnx_pads=[pads[0][0], pads[1][0], pads[0][1], pads[1][1]])
# Channel counts the float build's vector loops take 16 and 8 at a time
# (qc-vectorize-float-convs), with remainders of output columns and channels.
XW = rand(1, 32, 9, 11, seed=45)
conv_case("conv_wide_stride", (18, 32, 3, 3), dict(strides=[2, 2], pads=[1, 1, 1, 1]), x=XW)
conv_case("conv_wide_dilated", (7, 32, 3, 2), dict(dilations=[2, 1], pads=[2, 0, 2, 1]), x=XW)
XD = rand(2, 24, 7, 10, seed=46)
conv_case("conv_depthwise_24", (24, 1, 3, 3), dict(group=24, pads=[1, 1, 1, 1]), x=XD)
conv_case("conv_depthwise_24_stride", (24, 1, 5, 3), dict(group=24, strides=[2, 1],
                                                         dilations=[1, 2], pads=[2, 2, 2, 2]), x=XD)
x1d = rand(2, 3, 11, seed=43)
w1d = rand(4, 3, 3, seed=44)
case("conv1d", op_model("Conv", {"x": x1d}, dict(pads=[1, 2], strides=[2]),
                        {"w": w1d}),
     {"x": x1d}, [conv_ref(x1d[:, :, None, :], w1d[:, :, None, :], None, (1, 2),
                           (0, 1, 0, 2))[:, :, 0, :]])


def convt_case(name, w_shape, attrs, x=None, out_pads=(0, 0, 0, 0)):
    x = x if x is not None else rand(1, w_shape[0], 4, 5, seed=45)
    w = rand(*w_shape, seed=46)
    b = rand(w_shape[1] * attrs.get("group", 1), seed=47)
    ref = conv_transpose_ref(x, w, b, attrs.get("strides", (1, 1)), out_pads,
                             attrs.get("dilations", (1, 1)), attrs.get("group", 1),
                             attrs.get("output_padding", (0, 0)))
    case(name, op_model("ConvTranspose", {"x": x}, attrs, {"w": w, "b": b}),
         {"x": x}, [ref])


convt_case("convtranspose_basic", (4, 3, 3, 3), dict())
convt_case("convtranspose_stride2", (4, 3, 3, 3),
           dict(strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
           out_pads=(1, 1, 1, 1))
convt_case("convtranspose_asym", (4, 2, 4, 3),
           dict(strides=[3, 2], pads=[0, 2, 1, 0], dilations=[1, 2]),
           out_pads=(0, 2, 1, 0))
convt_case("convtranspose_group", (4, 3, 2, 2), dict(strides=[2, 2], group=2))
convt_case("convtranspose_bigpad", (4, 3, 3, 3), dict(pads=[3, 3, 2, 2]),
           out_pads=(3, 3, 2, 2))
# output_shape: total padding split per the spec (SAME_UPPER-less default).
xt = rand(1, 4, 4, 5, seed=48)
wt = rand(4, 3, 3, 3, seed=49)
full = conv_transpose_ref(xt, wt, None, (2, 2))  # [1,3,9,11]
case("convtranspose_output_shape",
     op_model("ConvTranspose", {"x": xt}, dict(strides=[2, 2], output_shape=[8, 10]),
              {"w": wt}),
     {"x": xt}, [full[:, :, 1:9, 1:11]])

XPOOL = rand(1, 3, 9, 8, seed=50)
for name, kind, attrs, kw in [
        ("maxpool_basic", "max", dict(kernel_shape=[2, 2], strides=[2, 2]), {}),
        ("maxpool_pads", "max", dict(kernel_shape=[3, 3], strides=[2, 2],
                                     pads=[1, 1, 1, 1]), {}),
        ("maxpool_ceil", "max", dict(kernel_shape=[2, 3], strides=[2, 2],
                                     ceil_mode=1), dict(ceil_mode=True)),
        ("avgpool_exclude", "avg", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1]), {}),
        ("avgpool_include", "avg", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                        count_include_pad=1),
         dict(count_include_pad=True)),
        ("avgpool_include_ceil", "avg", dict(kernel_shape=[3, 3], strides=[2, 2],
                                             pads=[1, 0, 1, 1], ceil_mode=1,
                                             count_include_pad=1),
         dict(count_include_pad=True, ceil_mode=True)),
        ("avgpool_ceil_dropped_window", "avg", dict(kernel_shape=[2, 2], strides=[2, 2],
                                                    pads=[1, 1, 1, 1], ceil_mode=1),
         dict(ceil_mode=True)),
        ("maxpool_ceil_dropped_window", "max", dict(kernel_shape=[2, 3], strides=[2, 2],
                                                    pads=[1, 1, 1, 1], ceil_mode=1),
         dict(ceil_mode=True)),
        ("avgpool_exclude_ceil", "avg", dict(kernel_shape=[3, 3], strides=[2, 2],
                                             pads=[1, 1, 0, 0], ceil_mode=1),
         dict(ceil_mode=True))]:
    op = "MaxPool" if kind == "max" else "AveragePool"
    pads = attrs.get("pads", [0, 0, 0, 0])
    ref = pool_ref(XPOOL, kind, attrs["kernel_shape"], attrs.get("strides", (1, 1)),
                   pads, **kw)
    case(name, op_model(op, {"x": XPOOL}, attrs), {"x": XPOOL}, [ref])
case("globalavgpool", op_model("GlobalAveragePool", {"x": XPOOL}), {"x": XPOOL},
     [XPOOL.mean(axis=(2, 3), keepdims=True)])
case("globalmaxpool", op_model("GlobalMaxPool", {"x": XPOOL}), {"x": XPOOL},
     [XPOOL.max(axis=(2, 3), keepdims=True)])
case("globalavgpool_rank3", op_model("GlobalAveragePool", {"x": X3}), {"x": X3},
     [X3.mean(axis=2, keepdims=True)])

# --- Gemm / MatMul -------------------------------------------------------------

A = rand(3, 4, seed=60)
B = rand(4, 5, seed=61)
C = rand(5, seed=62)
case("gemm_const", op_model("Gemm", {"a": A}, dict(alpha=0.5, beta=2.0),
                            {"b": B, "c": C}),
     {"a": A}, [0.5 * A @ B + 2.0 * C])
case("gemm_transab", op_model("Gemm", {"a": A.T.copy()}, dict(transA=1, transB=1),
                              {"b": B.T.copy(), "c": C}),
     {"a": A.T.copy()}, [A @ B + C])
case("gemm_runtime_b_c", op_model("Gemm", {"a": A, "b": B, "c": C.reshape(1, 5)},
                                  dict(alpha=1.5, beta=0.5)),
     {"a": A, "b": B, "c": C.reshape(1, 5)}, [1.5 * A @ B + 0.5 * C])
for name, sa, sb, const_b in [("matmul_batched", (2, 3, 4, 5), (3, 5, 6), False),
                              ("matmul_bcast_a", (1, 4, 5), (3, 5, 2), False),
                              ("matmul_vec_left", (4,), (4, 3), True),
                              ("matmul_vec_right", (2, 3, 4), (4,), False),
                              ("matmul_const_3d", (2, 3, 4), (2, 4, 5), True),
                              ("matmul_const_2d", (2, 3, 4), (4, 5), True),
                              ("matmul_wide", (2, 6, 40), (2, 40, 80), False),
                              ("matmul_wide_const", (5, 64), (64, 24), True)]:
    a, b_ = rand(*sa, seed=63), rand(*sb, seed=64)
    if const_b:
        m = op_model("MatMul", {"a": a}, consts={"b": b_})
        feeds = {"a": a}
    else:
        m = op_model("MatMul", {"a": a, "b": b_})
        feeds = {"a": a, "b": b_}
    case(name, m, feeds, [np.matmul(a, b_)])

# --- Shape ops -------------------------------------------------------------------

XR = rand(2, 3, 4, 5, seed=70)
case("reshape_zero_minus1", op_model("Reshape", {"x": XR},
                                     consts={"s": np.array([0, -1, 5], np.int64)}),
     {"x": XR}, [XR.reshape(2, -1, 5)])
case("flatten_axis0", op_model("Flatten", {"x": XR}, dict(axis=0)), {"x": XR},
     [XR.reshape(1, -1)])
case("flatten_axis3", op_model("Flatten", {"x": XR}, dict(axis=3)), {"x": XR},
     [XR.reshape(24, 5)])
case("transpose_rank4", op_model("Transpose", {"x": XR}, dict(perm=[2, 0, 3, 1])),
     {"x": XR}, [XR.transpose(2, 0, 3, 1)])
case("transpose_default", op_model("Transpose", {"x": XR}), {"x": XR},
     [XR.transpose()])
m, w, b = conv1x1_then([helper.make_node("Transpose", ["c"], ["t"], perm=[0, 2, 3, 1]),
                        helper.make_node("Relu", ["t"], ["y"])])
case("transpose_after_conv", m, {"x": X4},
     [np.maximum(conv_ref(X4, w, b).transpose(0, 2, 3, 1), 0)])
case("squeeze_11_attr", op_model("Squeeze", {"x": XR[:, :1]}, dict(axes=[1]), opset=11),
     {"x": XR[:, :1]}, [XR[:, 0]])
case("squeeze_13_input", op_model("Squeeze", {"x": XR[:1, :, :1]},
                                  consts={"axes": np.array([0, 2], np.int64)}),
     {"x": XR[:1, :, :1]}, [XR[0, :, 0]])
case("squeeze_all", op_model("Squeeze", {"x": XR[:1, :, :1]}), {"x": XR[:1, :, :1]},
     [XR[0, :, 0]])
case("unsqueeze_11_attr", op_model("Unsqueeze", {"x": X2}, dict(axes=[0, 3]), opset=11),
     {"x": X2}, [X2[None, :, :, None]])
case("unsqueeze_13_input", op_model("Unsqueeze", {"x": X2},
                                    consts={"axes": np.array([-1, 1], np.int64)}),
     {"x": X2}, [X2[:, None, :, None]])

c2 = rand(1, 2, 5, 6, seed=71)
m, w, b = conv1x1_then([helper.make_node("Concat", ["c", "k", "c"], ["y"], axis=1)],
                       extra_inits=[const("k", c2)])
cv = conv_ref(X4, w, b)
case("concat_nhwc_const", m, {"x": X4}, [np.concatenate([cv, c2, cv], axis=1)])
case("concat_rank2", op_model("Concat", {"a": X2, "b": X2[:2]}, dict(axis=0)),
     {"a": X2, "b": X2[:2]}, [np.concatenate([X2, X2[:2]], 0)])
case("concat_neg_axis", op_model("Concat", {"a": XR, "b": XR}, dict(axis=-2)),
     {"a": XR, "b": XR}, [np.concatenate([XR, XR], -2)])

case("split_11_attr", op_model("Split", {"x": XR}, dict(axis=3, split=[2, 3]),
                               opset=11, n_outputs=2),
     {"x": XR}, [XR[..., :2], XR[..., 2:]])
case("split_13_input", op_model("Split", {"x": XR}, dict(axis=1),
                                consts={"s": np.array([1, 2], np.int64)},
                                n_outputs=2),
     {"x": XR}, [XR[:, :1], XR[:, 1:]])
case("split_equal", op_model("Split", {"x": XR}, dict(axis=2), n_outputs=2),
     {"x": XR}, [XR[:, :, :2], XR[:, :, 2:]])
case("split_18_uneven", op_model("Split", {"x": XR}, dict(axis=3, num_outputs=2),
                                 opset=18, n_outputs=2),
     {"x": XR}, [XR[..., :3], XR[..., 3:]])
m, w, b = conv1x1_then([helper.make_node("Split", ["c"], ["y", "z"], axis=1,
                                         split=[1, 2])], opset=11)
case("split_nhwc_channels", m, {"x": X4}, [conv_ref(X4, w, b)[:, :1]])

INT_MAX = np.iinfo(np.int64).max
case("slice_9_attrs", op_model("Slice", {"x": XR}, dict(starts=[1, -3], ends=[3, 1000],
                                                         axes=[1, 3]), opset=9),
     {"x": XR}, [XR[:, 1:3, :, -3:]])
for name, starts, ends, axes, steps, ref in [
        ("slice_13_basic", [0, 1], [1, INT_MAX], [0, 2], None, XR[0:1, :, 1:]),
        ("slice_13_steps", [1, 0], [INT_MAX, 5], [3, 2], [2, 3], XR[:, :, 0:5:3, 1::2]),
        ("slice_13_negstep", [-1], [-INT_MAX - 1], [3], [-1], XR[..., ::-1]),
        ("slice_13_negstep2", [3, 2], [0, -100], [3, 1], [-2, -1], XR[:, 2::-1, :, 3:0:-2]),
        ("slice_13_noaxes", [1, 1], [2, 3], None, None, XR[1:2, 1:3])]:
    consts = {"starts": np.array(starts, np.int64), "ends": np.array(ends, np.int64)}
    names = ["x", "starts", "ends"]
    if axes is not None:
        consts["axes"] = np.array(axes, np.int64)
        names.append("axes")
    if steps is not None:
        if axes is None:
            names.append("")
        consts["steps"] = np.array(steps, np.int64)
        names.append("steps")
    case(name, op_model("Slice", {"x": XR}, consts=consts, input_names=names),
         {"x": XR}, [ref])
m, w, b = conv1x1_then([helper.make_node("Slice", ["c", "st", "en", "ax"], ["y"])],
                       extra_inits=[const("st", np.array([1, 1], np.int64)),
                                    const("en", np.array([3, 5], np.int64)),
                                    const("ax", np.array([1, 3], np.int64))])
case("slice_nhwc", m, {"x": X4}, [conv_ref(X4, w, b)[:, 1:3, :, 1:5]])

for name, mode, pads, value, opset in [
        ("pad_constant_11", "constant", [0, 1, 2, 0, 0, 0, 1, 3], 1.5, 11),
        ("pad_constant_2_attr", "constant", [0, 0, 1, 1, 0, 0, 1, 1], -2.0, 9),
        ("pad_reflect", "reflect", [0, 0, 2, 1, 0, 0, 1, 3], 0.0, 13),
        ("pad_edge", "edge", [0, 1, 2, 0, 0, 1, 0, 3], 0.0, 13),
        ("pad_negative", "constant", [0, 0, -1, 2, 0, -1, 0, -2], 0.0, 13)]:
    np_pads = list(zip(pads[:4], pads[4:]))
    crop = tuple(slice(max(-lo, 0), XR.shape[i] - max(-hi, 0))
                 for i, (lo, hi) in enumerate(np_pads))
    pos = [(max(lo, 0), max(hi, 0)) for lo, hi in np_pads]
    if mode == "constant":
        ref = np.pad(XR[crop], pos, constant_values=value)
    else:
        ref = np.pad(XR[crop], pos, mode="reflect" if mode == "reflect" else "edge")
    if opset < 11:
        m = op_model("Pad", {"x": XR}, dict(mode=mode, pads=pads, value=value), opset=opset)
    else:
        consts = {"p": np.array(pads, np.int64)}
        names = ["x", "p"]
        if value:
            consts["v"] = np.array(value, np.float32)
            names.append("v")
        m = op_model("Pad", {"x": XR}, dict(mode=mode), consts, opset=opset,
                     input_names=names)
    case(name, m, {"x": XR}, [ref])

case("gather_scalar", op_model("Gather", {"x": XR}, dict(axis=1),
                               consts={"i": np.array(-1, np.int64)}),
     {"x": XR}, [XR[:, -1]])
case("gather_list", op_model("Gather", {"x": XR}, dict(axis=3),
                             consts={"i": np.array([[4, 0], [1, 1]], np.int64)}),
     {"x": XR}, [XR[..., [[4, 0], [1, 1]]]])
case("expand", op_model("Expand", {"x": XR[:, :1]},
                        consts={"s": np.array([3, 1, 1], np.int64)}),
     {"x": XR[:, :1]}, [np.broadcast_to(XR[:, :1], (2, 3, 4, 5)).copy()])
case("tile", op_model("Tile", {"x": X2}, consts={"r": np.array([2, 3], np.int64)}),
     {"x": X2}, [np.tile(X2, (2, 3))])
case("cast_identity_dropout",
     graph_model([helper.make_node("Cast", ["x"], ["d"], to=TensorProto.DOUBLE),
                  helper.make_node("Cast", ["d"], ["c"], to=TensorProto.FLOAT),
                  helper.make_node("Identity", ["c"], ["i"]),
                  helper.make_node("Dropout", ["i", "ratio"], ["y"])],
                 {"x": X2}, ["y"], [const("ratio", np.array(0.5, np.float32))]),
     {"x": X2}, [X2])

# Shape arithmetic torch emits for x.view(x.size(0), -1).
view_nodes = [helper.make_node("Shape", ["x"], ["s"]),
              helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
              helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
              helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
              helper.make_node("Reshape", ["x", "shape"], ["y"])]
case("fold_view_subgraph",
     graph_model(view_nodes, {"x": XR}, ["y"],
                 [const("zero", np.array(0, np.int64)),
                  const("ax0", np.array([0], np.int64)),
                  const("minus1", np.array([-1], np.int64))]),
     {"x": XR}, [XR.reshape(2, -1)])
# Interpolate sizes: Shape -> Slice -> Cast -> Mul -> Cast -> Concat -> Resize.
XU = rand(1, 2, 3, 4, seed=72)
size_nodes = [helper.make_node("Shape", ["x"], ["s"]),
              helper.make_node("Slice", ["s", "st", "en"], ["hw"]),
              helper.make_node("Cast", ["hw"], ["hwf"], to=TensorProto.FLOAT),
              helper.make_node("Mul", ["hwf", "two"], ["hw2"]),
              helper.make_node("Cast", ["hw2"], ["hwi"], to=TensorProto.INT64),
              helper.make_node("Slice", ["s", "st0", "st"], ["nc"]),
              helper.make_node("Concat", ["nc", "hwi"], ["sizes"], axis=0),
              helper.make_node("Resize", ["x", "", "", "sizes"], ["y"],
                               mode="nearest",
                               coordinate_transformation_mode="asymmetric",
                               nearest_mode="floor")]
case("fold_resize_sizes",
     graph_model(size_nodes, {"x": XU}, ["y"],
                 [const("st", np.array([2], np.int64)),
                  const("en", np.array([4], np.int64)),
                  const("st0", np.array([0], np.int64)),
                  const("two", np.array(2.0, np.float32))]),
     {"x": XU}, [XU.repeat(2, axis=2).repeat(2, axis=3)])

# --- Resize / Upsample -------------------------------------------------------

for name, mode, coord, nearest, scales, sizes, extra in [
        ("resize_nearest_asym_floor_x2", "nearest", "asymmetric", "floor",
         [1, 1, 2, 2], None, {}),
        ("resize_nearest_halfpixel_x1_5", "nearest", "half_pixel",
         "round_prefer_floor", [1, 1, 1.5, 1.5], None, {}),
        ("resize_nearest_ceil_sizes", "nearest", "align_corners", "round_prefer_ceil",
         None, [1, 2, 7, 5], {}),
        ("resize_nearest_tfhalf_down", "nearest", "tf_half_pixel_for_nn", "ceil",
         [1, 1, 0.5, 0.75], None, {}),
        ("resize_linear_halfpixel_x2", "linear", "half_pixel", None,
         [1, 1, 2, 2], None, {}),
        ("resize_linear_align_corners", "linear", "align_corners", None,
         None, [1, 2, 5, 9], {}),
        ("resize_linear_asym_x3", "linear", "asymmetric", None, [1, 1, 3, 2], None, {}),
        ("resize_linear_pytorch_sizes", "linear", "pytorch_half_pixel", None,
         None, [1, 2, 1, 7], {}),
        ("resize_linear_down", "linear", "half_pixel", None, [1, 1, 0.5, 0.5], None, {}),
        ("resize_cubic", "cubic", "half_pixel", None, [1, 1, 2, 1.5], None, {}),
        ("resize_cubic_exclude", "cubic", "align_corners", None, None, [1, 2, 6, 7],
         dict(cubic_coeff_a=-0.5, exclude_outside=1))]:
    x = rand(1, 2, 4, 5, seed=73)
    attrs = dict(mode=mode, coordinate_transformation_mode=coord)
    if nearest:
        attrs["nearest_mode"] = nearest
    attrs.update(extra)
    consts = {}
    names = ["x", ""]
    if scales is not None:
        consts["scales"] = np.array(scales, np.float32)
        names.append("scales")
        out_hw = [int(math.floor(4 * scales[2])), int(math.floor(5 * scales[3]))]
        sc = scales[2:]
    else:
        consts["sizes"] = np.array(sizes, np.int64)
        names += ["", "sizes"]
        out_hw = sizes[2:]
        sc = [np.float32(sizes[2]) / np.float32(4), np.float32(sizes[3]) / np.float32(5)]
    ref = resize_ref(x, out_hw, sc, mode, coord, nearest or "round_prefer_floor",
                     extra.get("cubic_coeff_a", -0.75), bool(extra.get("exclude_outside")))
    case(name, op_model("Resize", {"x": x}, attrs, consts, input_names=names),
         {"x": x}, [ref], atol=1e-5)
xu = rand(1, 2, 3, 4, seed=74)
case("upsample_9_nearest", op_model("Upsample", {"x": xu}, dict(mode="nearest"),
                                    {"s": np.array([1, 1, 2, 3], np.float32)}, opset=9),
     {"x": xu}, [xu.repeat(2, axis=2).repeat(3, axis=3)])
case("upsample_7_linear", op_model("Upsample", {"x": xu},
                                   dict(mode="linear", scales=[1.0, 1.0, 2.0, 2.0]),
                                   opset=7),
     {"x": xu}, [resize_ref(xu, [6, 8], [2, 2], "linear", "asymmetric", None)],
     atol=1e-5)
case("resize_10_linear", op_model("Resize", {"x": xu}, dict(mode="linear"),
                                  {"s": np.array([1, 1, 2, 1.5], np.float32)}, opset=10),
     {"x": xu}, [resize_ref(xu, [6, 6], [2, 1.5], "linear", "asymmetric", None)],
     atol=1e-5)
case("resize_10_nearest_down", op_model("Resize", {"x": xu}, dict(mode="nearest"),
                                        {"s": np.array([1, 1, 0.7, 0.5], np.float32)},
                                        opset=10),
     {"x": xu}, [resize_ref(xu, [2, 2], [0.7, 0.5], "nearest", "asymmetric", "legacy")])
case("resize_18", op_model("Resize", {"x": xu}, dict(mode="linear", antialias=0),
                           {"s": np.array([1, 1, 2, 2], np.float32)},
                           input_names=["x", "", "s"], opset=18),
     {"x": xu}, [resize_ref(xu, [6, 8], [2, 2], "linear", "half_pixel", None)],
     atol=1e-5)

# --- Exporter styles -----------------------------------------------------------

# Paddle2ONNX-style: opset 9, weights as Constant nodes, BatchNormalization
# left unfused, symbolic batch dim bound with --input-shape, Upsample, Clip
# attributes, Softmax coerced to 2-D.
xp_in = rand(1, 3, 6, 6, seed=80)
pw, pb = rand(4, 3, 3, 3, seed=81), rand(4, seed=82)
pbn = [rand(4, seed=s, lo=0.5, hi=1.5) for s in (83, 84, 85, 86)]
paddle_nodes = [
    helper.make_node("Constant", [], ["w"], value=const("wv", pw)),
    helper.make_node("Constant", [], ["b"], value=const("bv", pb)),
    helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
] + [helper.make_node("Constant", [], [n], value=const(n + "v", v))
     for n, v in zip(["s", "bb", "mu", "var"], pbn)] + [
    helper.make_node("BatchNormalization", ["c", "s", "bb", "mu", "var"], ["bn"],
                     epsilon=1e-5),
    helper.make_node("Clip", ["bn"], ["r"], min=0.0, max=6.0),
    helper.make_node("Constant", [], ["sc"],
                     value=const("scv", np.array([1, 1, 2, 2], np.float32))),
    helper.make_node("Upsample", ["r", "sc"], ["u"], mode="nearest"),
    helper.make_node("Slice", ["u"], ["sl"], starts=[1], ends=[3], axes=[1]),
    helper.make_node("Softmax", ["sl"], ["y"], axis=1),
]
paddle_graph = helper.make_graph(paddle_nodes, "paddle", [vi("x", ["N", 3, 6, 6])],
                                 [vi("y", None)])
paddle_model = helper.make_model(paddle_graph, opset_imports=[helper.make_opsetid("", 9)])
pr = np.clip(bn_ref(conv_ref(xp_in, pw, pb, pads=(1, 1, 1, 1)), *pbn), 0, 6)
pr = pr.repeat(2, axis=2).repeat(2, axis=3)[:, 1:3]
case("paddle_style_opset9", paddle_model, {"x": xp_in},
     [softmax_ref(pr.reshape(1, -1), 1).reshape(pr.shape)],
     flags=["--input-shape", "x=1x3x6x6"])

# An opset-6 model (upgraded by libonnx's version converter).
case("opset6_upgraded", op_model("Add", {"a": X2, "b": X2}, opset=6),
     {"a": X2, "b": X2}, [X2 + X2])

# tf2onnx-style NHWC graph: NHWC input -> Transpose(0,3,1,2) -> Conv -> Relu ->
# MaxPool -> Conv -> Transpose(0,2,3,1) -> NHWC output. No transpose may
# survive the import (checked on --emit=float below).
x_nhwc = rand(1, 8, 7, 3, seed=90)
tw1, tb1 = rand(5, 3, 3, 3, seed=91), rand(5, seed=92)
tw2, tb2 = rand(4, 5, 1, 1, seed=93), rand(4, seed=94)
tf_nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
            helper.make_node("Conv", ["xt", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["c1"], ["r1"]),
            helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2],
                             strides=[2, 2]),
            helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"]),
            helper.make_node("Transpose", ["c2"], ["y"], perm=[0, 2, 3, 1])]
TF_MODEL = graph_model(tf_nodes, {"x": x_nhwc}, ["y"],
                       [const("w1", tw1), const("b1", tb1), const("w2", tw2),
                        const("b2", tb2)])
tf_ref = conv_ref(pool_ref(np.maximum(conv_ref(x_nhwc.transpose(0, 3, 1, 2), tw1, tb1,
                                                 pads=(1, 1, 1, 1)), 0),
                           "max", (2, 2), (2, 2)), tw2, tb2).transpose(0, 2, 3, 1)
case("tf2onnx_nhwc", TF_MODEL, {"x": x_nhwc}, [tf_ref])


# --- torch exports ------------------------------------------------------------

TORCH_MODELS = ["resnet18", "mobilenet_v2", "mobilenet_v3_small"]
# A small network touching most importer paths, exported at every opset
# torch 1.13 can write (opset 13 with a dynamic batch dim, bound with
# --input-shape).
SINK_OPSETS = [11, 12, 13, 14, 15, 16, 17]


def sink_model():
    import torch
    import torch.nn as nn
    import torch.nn.functional as fn

    class Sink(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.gconv = nn.Conv2d(8, 8, 3, padding=1, groups=4)
            self.dw = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
            self.deconv = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
            self.prelu = nn.PReLU(4)
            self.ln = nn.LayerNorm(4)
            self.fc = nn.Linear(4, 10)

        def forward(self, x):
            x = fn.hardswish(self.bn(self.conv(x)))
            x = fn.leaky_relu(self.gconv(x), 0.1)
            y = fn.interpolate(self.dw(x), scale_factor=2, mode="nearest")
            a, b = torch.chunk(torch.cat([x, y], 1), 2, dim=1)
            x = self.prelu(self.deconv(a * torch.sigmoid(b)))
            x = fn.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            x = fn.max_pool2d(x, 3, stride=2, ceil_mode=True)
            x = fn.interpolate(x, size=(12, 10), mode="bilinear", align_corners=False)
            x = fn.pad(x, (1, 2, 0, 1), mode="reflect")
            x = x[:, :, 1:, ::2]
            z = x.reshape(x.size(0), -1)
            t = x.flatten(2).transpose(1, 2)
            t = torch.softmax(fn.gelu(self.ln(t)), -1).mean(1)
            return self.fc(t) + z.mean(1, keepdim=True)

    torch.manual_seed(0)
    model = Sink()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def export_sink(opset, path):
    import torch
    model = sink_model()
    x = torch.from_numpy(rand(1, 3, 16, 16, seed=6, lo=-2, hi=2))
    dynamic = {"x": {0: "N"}} if opset == 13 else None
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["x"],
                      output_names=["y"], dynamic_axes=dynamic)
    with torch.no_grad():
        expected = model(x).numpy()
    flags = ["--input-shape", "x=1x3x16x16"] if dynamic else []
    return x.numpy(), expected, flags


def export_resize_pool(path):
    """torch's own interpolate/pool semantics (bicubic, align_corners,
    ceil_mode windows dropped in the end padding) as a second reference."""
    import torch
    import torch.nn.functional as fn

    class ResizePool(torch.nn.Module):
        def forward(self, x):
            return (fn.interpolate(x, scale_factor=1.7, mode="bicubic",
                                   align_corners=False),
                    fn.interpolate(x, size=(9, 4), mode="bicubic",
                                   align_corners=True),
                    fn.interpolate(x, scale_factor=0.5, mode="bilinear",
                                   align_corners=False),
                    fn.interpolate(x, scale_factor=3, mode="nearest"),
                    fn.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                  count_include_pad=True),
                    fn.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True))

    x = torch.from_numpy(rand(1, 2, 7, 6, seed=9, lo=-2, hi=2))
    model = ResizePool()
    torch.onnx.export(model, x, path, opset_version=13, input_names=["x"])
    with torch.no_grad():
        expected = [t.numpy() for t in model(x)]
    return x.numpy(), expected, []


def export_torchvision(name, path):
    import torch
    import torchvision
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    # Non-trivial BatchNorm statistics, so the outputs have a useful scale.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.8, 1.2)
            m.bias.data.uniform_(-0.1, 0.1)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), path, opset_version=13,
                      input_names=["image"], output_names=["logits"])
    x = np.random.RandomState(5).standard_normal((1, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    return x, expected, []


# --- Session fixture: build and compile everything ----------------------------

@pytest.fixture(scope="session")
def compiled(tmp_path_factory):
    exe = qc_compile_path()
    if not os.path.exists(exe):
        pytest.skip("qc-compile is not built")
    d = tmp_path_factory.mktemp("import_ops")
    jobs = {}
    for name, c in CASES.items():
        path = str(d / f"{name}.onnx")
        onnx.save(c["model"], path)
        jobs[name] = (path, c["flags"])
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
        have_torchvision = True
    except ImportError:
        have_torchvision = False
    torch_data = {}
    if have_torchvision:
        for name in TORCH_MODELS:
            path = str(d / f"{name}.onnx")
            x, expected, flags = export_torchvision(name, path)
            torch_data[name] = (x, expected)
            jobs[name] = (path, flags)
        path = str(d / "torch_resize_pool.onnx")
        x, expected, flags = export_resize_pool(path)
        torch_data["torch_resize_pool"] = (x, expected)
        jobs["torch_resize_pool"] = (path, flags)
        for opset in SINK_OPSETS:
            name = f"sink_opset{opset}"
            path = str(d / f"{name}.onnx")
            x, expected, flags = export_sink(opset, path)
            torch_data[name] = (x, expected)
            jobs[name] = (path, flags)

    def build(item):
        name, (path, flags) = item
        lib = str(d / f"lib{name}.so")
        p = subprocess.run([exe, path, "--float", "--name", "m", "-o", lib] + flags,
                           capture_output=True, text=True)
        return name, (lib if p.returncode == 0 else None, p.stderr)

    # The slow torchvision builds go first.
    order = sorted(jobs.items(), key=lambda kv: kv[0] not in TORCH_MODELS)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        libs = dict(pool.map(build, order))
    return d, libs, torch_data, have_torchvision


def run_lib(lib, feeds, model):
    m = qc.load(lib, name="m")
    names = [i.name for i in model.graph.input]
    out = m(*[feeds[n] for n in names])
    return list(out) if isinstance(out, tuple) else [out]


@pytest.mark.parametrize("name", sorted(CASES))
def test_op(compiled, name):
    _, libs, _, _ = compiled
    c = CASES[name]
    lib, stderr = libs[name]
    assert lib, f"qc-compile failed:\n{stderr}"
    got = run_lib(lib, c["feeds"], c["model"])
    assert len(got) == len(c["expected"])
    for g, e in zip(got, c["expected"]):
        e = np.asarray(e, np.float32)
        assert g.shape == e.shape, (g.shape, e.shape)
        atol = c["atol"] if c["atol"] is not None else 1e-6
        np.testing.assert_allclose(g, e, rtol=c["rtol"], atol=atol)


def test_tf2onnx_transposes_cancel(compiled, tmp_path):
    """The explicit Transposes compose with the NHWC layout: none is left."""
    path = str(tmp_path / "tf.onnx")
    onnx.save(TF_MODEL, path)
    p = subprocess.run([qc_compile_path(), path, "--emit=float", "-o", "-"],
                       capture_output=True, text=True, check=True)
    assert "tosa.transpose" not in p.stdout, p.stdout
    assert p.stdout.count("tosa.conv2d") == 2


@pytest.mark.parametrize("name", TORCH_MODELS + ["torch_resize_pool"] +
                         [f"sink_opset{o}" for o in SINK_OPSETS])
def test_torch_export(compiled, name):
    """Float output of a torch.onnx export against torch itself."""
    _, libs, torch_data, have_torchvision = compiled
    if not have_torchvision:
        pytest.skip("torchvision is not installed")
    lib, stderr = libs[name]
    assert lib, f"qc-compile failed:\n{stderr}"
    x, expected = torch_data[name]
    got = qc.load(lib, name="m")(x)
    if not isinstance(expected, list):
        got, expected = [got], [expected]
    for g, e in zip(got, expected):
        scale = float(np.abs(e).max())
        assert scale > 1e-3
        tol = 1e-3 if name in TORCH_MODELS else 1e-4
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=0, atol=tol * scale)
