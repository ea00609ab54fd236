#!/usr/bin/env python3
"""Build small ONNX test models for the importer's lit tests.

Usage:  make_onnx.py CASE OUT.onnx
        make_onnx.py --list

Every case is a tiny float32 graph built with onnx.helper (default opset 13)
with deterministic weights. Some cases are deliberately broken or unsupported
(names starting with "bad_" or "unsupported_") to test the error messages.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
F = TensorProto.FLOAT


def rand(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, inits=(), opset=OPSET, domains=()):
    graph = helper.make_graph(nodes, "test", inputs, outputs, list(inits))
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(d, 1) for d in domains]
    return helper.make_model(graph, producer_name="qc-test",
                             opset_imports=opsets)


# --- Conv ---------------------------------------------------------------------

def conv_model(x_shape, w_shape, out_shape, bias=True, **attrs):
    inits = [init("w", rand(*w_shape, seed=1))]
    ins = ["x", "w"]
    if bias:
        inits.append(init("b", rand(w_shape[0], seed=2)))
        ins.append("b")
    node = helper.make_node("Conv", ins, ["y"], name="conv", **attrs)
    return model([node], [vi("x", x_shape)], [vi("y", out_shape)], inits)


def case_conv():
    return conv_model([1, 3, 8, 8], [4, 3, 3, 3], [1, 4, 8, 8],
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1])


def case_conv_nobias():
    return conv_model([1, 2, 6, 6], [3, 2, 1, 1], [1, 3, 6, 6], bias=False)


def case_conv_asym_pads():
    # ONNX pads [top, left, bottom, right] = [1, 0, 2, 1].
    return conv_model([1, 1, 5, 5], [2, 1, 3, 3], [1, 2, 6, 4],
                      pads=[1, 0, 2, 1])


def case_conv_stride():
    # (8 + 1 + 1 - 3) = 7 is not a multiple of 2: the importer trims padding.
    return conv_model([1, 2, 8, 8], [4, 2, 3, 3], [1, 4, 4, 4],
                      strides=[2, 2], pads=[1, 1, 1, 1])


def case_conv_stride_crop():
    # VALID 3x3 stride 2 on 8x8: one input row/column is never read.
    return conv_model([1, 2, 8, 8], [4, 2, 3, 3], [1, 4, 3, 3],
                      strides=[2, 2], auto_pad="VALID")


def case_conv_same_upper():
    return conv_model([1, 2, 7, 7], [3, 2, 4, 4], [1, 3, 4, 4],
                      strides=[2, 2], auto_pad="SAME_UPPER")


def case_conv_same_lower():
    return conv_model([1, 2, 7, 7], [3, 2, 4, 4], [1, 3, 4, 4],
                      strides=[2, 2], auto_pad="SAME_LOWER")


def case_conv_dilation():
    return conv_model([1, 1, 9, 9], [2, 1, 3, 3], [1, 2, 5, 5],
                      dilations=[2, 2])


def case_depthwise():
    # group == C_in == 4, 2 output channels per group.
    return conv_model([1, 4, 6, 6], [8, 1, 3, 3], [1, 8, 6, 6], group=4,
                      pads=[1, 1, 1, 1])


def case_conv_weights():
    # Weights 0..7 in OIHW [2,2,1,2]: shows the OIHW -> OHWI permutation.
    w = np.arange(8, dtype=np.float32).reshape(2, 2, 1, 2)
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [vi("x", [1, 2, 3, 3])], [vi("y", [1, 2, 3, 2])],
                 [init("w", w)])


def case_depthwise_weights():
    # Weights 0..7 in [C*M,1,KH,KW] = [4,1,1,2] (C=2, M=2) -> [KH,KW,C,M].
    w = np.arange(8, dtype=np.float32).reshape(4, 1, 1, 2)
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="dwconv", group=2)
    return model([node], [vi("x", [1, 2, 3, 3])], [vi("y", [1, 4, 3, 2])],
                 [init("w", w)])


def case_conv_group():
    # group=2 with 2 input channels per group: one conv2d per group.
    return conv_model([1, 4, 6, 6], [4, 2, 3, 3], [1, 4, 4, 4], group=2)


def case_conv1d():
    return conv_model([1, 2, 8], [3, 2, 3], [1, 3, 6])


def case_unsupported_conv3d():
    return conv_model([1, 2, 4, 4, 4], [3, 2, 1, 1, 1], [1, 3, 4, 4, 4])


def case_bad_conv_weight_input():
    # Weight fed at run time instead of from an initializer.
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [vi("x", [1, 1, 4, 4]), vi("w", [2, 1, 3, 3])],
                 [vi("y", [1, 2, 2, 2])])


# --- Gemm / MatMul ------------------------------------------------------------

def case_gemm():
    # transB=1, alpha/beta folded, C of shape [N]:
    # B^T * alpha = [[0, 6], [2, 8], [4, 10]], C * beta = [0.5, 1.0].
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="fc",
                            transB=1, alpha=2.0, beta=0.5)
    b = np.arange(6, dtype=np.float32).reshape(2, 3)
    return model([node], [vi("a", [4, 3])], [vi("y", [4, 2])],
                 [init("b", b), init("c", np.array([1, 2], np.float32))])


def case_gemm_noc():
    node = helper.make_node("Gemm", ["a", "b"], ["y"], name="fc")
    return model([node], [vi("a", [1, 4])], [vi("y", [1, 5])],
                 [init("b", rand(4, 5, seed=1))])


def case_gemm_full_c():
    # C of shape [M, N] is added as is.
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="fc")
    return model([node], [vi("a", [2, 4])], [vi("y", [2, 3])],
                 [init("b", rand(4, 3, seed=1)), init("c", rand(2, 3, seed=2))])


def case_gemm_transa():
    node = helper.make_node("Gemm", ["a", "b"], ["y"], name="fc", transA=1)
    return model([node], [vi("a", [4, 2])], [vi("y", [2, 3])],
                 [init("b", rand(4, 3, seed=1))])


def case_matmul():
    node = helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")
    return model([node], [vi("a", [2, 4])], [vi("y", [2, 3])],
                 [init("b", rand(4, 3, seed=1))])


def case_matmul_3d():
    node = helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")
    return model([node], [vi("a", [2, 3, 4])], [vi("y", [2, 3, 5])],
                 [init("b", rand(4, 5, seed=1))])


def case_matmul_dynamic():
    node = helper.make_node("MatMul", ["a", "b"], ["y"], name="mm")
    return model([node], [vi("a", [2, 4]), vi("b", [4, 3])],
                 [vi("y", [2, 3])])


# --- Add ----------------------------------------------------------------------

def pool1(inp="x", out="p"):
    # A 1x1 max pool: an NHWC producer that changes nothing.
    return helper.make_node("MaxPool", [inp], [out], name="pool",
                            kernel_shape=[1, 1])


def case_add_nhwc():
    # Residual: both operands are NHWC values; the add stays NHWC.
    nodes = [pool1(),
             helper.make_node("Relu", ["p"], ["r"], name="relu"),
             helper.make_node("Add", ["r", "p"], ["y"], name="add")]
    return model(nodes, [vi("x", [1, 2, 4, 4])], [vi("y", [1, 2, 4, 4])])


def case_add_const():
    # [C,1,1] constant on an NHWC value is re-materialised as [1,1,1,C].
    c = np.arange(3, dtype=np.float32).reshape(3, 1, 1)
    nodes = [pool1(), helper.make_node("Add", ["p", "c"], ["y"], name="add")]
    return model(nodes, [vi("x", [1, 3, 4, 4])], [vi("y", [1, 3, 4, 4])],
                 [init("c", c)])


def case_add_2d():
    nodes = [helper.make_node("Add", ["c", "x"], ["y"], name="add")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])],
                 [init("c", np.array([1, 2, 3], np.float32))])


def case_add_mixed():
    # One operand NHWC (after Relu), one plain (after Reshape): plain add.
    shape = init("s", np.array([1, 2, 4, 4], np.int64))
    nodes = [pool1(), helper.make_node("Relu", ["p"], ["r"], name="relu"),
             helper.make_node("Reshape", ["z", "s"], ["z4"], name="reshape"),
             helper.make_node("Add", ["r", "z4"], ["y"], name="add")]
    return model(nodes, [vi("x", [1, 2, 4, 4]), vi("z", [2, 16])],
                 [vi("y", [1, 2, 4, 4])], [shape])


def case_add_rank():
    # Runtime [4] + runtime [2,4]: ranks equalised with a reshape.
    nodes = [helper.make_node("Add", ["v", "m"], ["y"], name="add")]
    return model(nodes, [vi("v", [4]), vi("m", [2, 4])], [vi("y", [2, 4])])


# --- Activations --------------------------------------------------------------

def case_relu():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 2, 3, 3])])


def case_relu_nhwc():
    nodes = [pool1(), helper.make_node("Relu", ["p"], ["y"], name="relu")]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 2, 3, 3])])


def case_relu_2d():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", [2, 5])], [vi("y", [2, 5])])


def case_clip():
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip")]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 2, 3, 3])],
                 [init("lo", np.array(0.0, np.float32)),
                  init("hi", np.array(6.0, np.float32))])


def case_clip_nomin():
    nodes = [helper.make_node("Clip", ["x", "", "hi"], ["y"], name="clip")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])],
                 [init("hi", np.array(1.5, np.float32))])


def case_clip_opset6():
    nodes = [helper.make_node("Clip", ["x"], ["y"], name="clip", min=-1.0,
                              max=1.0)]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])], opset=6)


# --- Pooling ------------------------------------------------------------------

def pool_model(op, x_shape, out_shape, **attrs):
    nodes = [helper.make_node(op, ["x"], ["y"], name="pool", **attrs)]
    return model(nodes, [vi("x", x_shape)], [vi("y", out_shape)])


def case_maxpool():
    return pool_model("MaxPool", [1, 2, 8, 8], [1, 2, 4, 4],
                      kernel_shape=[2, 2], strides=[2, 2])


def case_maxpool_pad():
    # 3x3 stride 2 pad 1 on 8x8 -> 4x4; the bottom/right pad is trimmed.
    return pool_model("MaxPool", [1, 2, 8, 8], [1, 2, 4, 4],
                      kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])


def case_avgpool():
    return pool_model("AveragePool", [1, 2, 6, 6], [1, 2, 6, 6],
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1])


def case_globalavgpool():
    return pool_model("GlobalAveragePool", [1, 3, 5, 5], [1, 3, 1, 1])


def case_maxpool_ceil():
    return pool_model("MaxPool", [1, 2, 7, 7], [1, 2, 4, 4],
                      kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)


def case_maxpool_ceil_dropped():
    # 2x2 stride 2 pad 1 ceil on 7 rows: the 5th window would start in the
    # end padding and is dropped (4 rows), as in PyTorch.
    return pool_model("MaxPool", [1, 2, 7, 6], [1, 2, 4, 4],
                      kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                      ceil_mode=1)


def case_bad_maxpool_ceil_declared():
    # The same, declared with the shape older ONNX inference gives.
    return pool_model("MaxPool", [1, 2, 7, 6], [1, 2, 5, 4],
                      kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                      ceil_mode=1)


def case_avgpool_include_pad():
    return pool_model("AveragePool", [1, 2, 6, 6], [1, 2, 6, 6],
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                      count_include_pad=1)


# --- BatchNormalization -------------------------------------------------------

def bn_model(x_shape):
    c = x_shape[1]
    inits = [init("scale", np.array([1.0, 2.0, 0.5][:c], np.float32)),
             init("bias", np.array([0.0, 1.0, -1.0][:c], np.float32)),
             init("mean", np.array([0.5, 0.0, 2.0][:c], np.float32)),
             init("var", np.array([1.0, 4.0, 0.25][:c], np.float32))]
    nodes = [helper.make_node("BatchNormalization",
                              ["x", "scale", "bias", "mean", "var"], ["y"],
                              name="bn", epsilon=0.0)]
    return model(nodes, [vi("x", x_shape)], [vi("y", x_shape)], inits)


def case_batchnorm():
    return bn_model([1, 3, 4, 4])


def case_batchnorm_2d():
    return bn_model([2, 3])


# --- Shape ops ----------------------------------------------------------------

def case_flatten():
    # Flatten of an NHWC conv result needs the plain layout.
    w = init("w", rand(4, 2, 1, 1, seed=1))
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Flatten", ["c"], ["y"], name="flatten")]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 36])], [w])


def case_gap_flatten():
    # H == W == 1: reshape instead of transpose.
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["y"], name="flatten")]
    return model(nodes, [vi("x", [1, 3, 4, 4])], [vi("y", [1, 3])])


def case_reshape():
    # 0 copies a dimension, -1 is inferred. The shape comes from a Constant.
    shape = helper.make_node(
        "Constant", [], ["s"], name="shape",
        value=numpy_helper.from_array(np.array([0, -1], np.int64)))
    nodes = [shape,
             helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Reshape", ["r", "s"], ["y"], name="reshape")]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 18])])


def case_identity():
    nodes = [helper.make_node("Identity", ["x"], ["i"], name="identity"),
             helper.make_node("Dropout", ["i"], ["d"], name="dropout"),
             helper.make_node("Relu", ["d"], ["y"], name="relu")]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 2, 3, 3])])


def case_output_nhwc():
    # Two outputs: a rank-4 activation (transposed back) and a graph input.
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", [1, 2, 3, 3])],
                 [vi("y", [1, 2, 3, 3]), vi("x", [1, 2, 3, 3])])


# --- Already-quantized (QDQ) models ---------------------------------------------

U8, I8, I32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32


def qdq_conv_model(w_zp=None, act_axis=False, bad=None):
    """x -> Q/DQ (u8, 0.05, 128) -> Conv 1x1 (int8 weights per-axis
    {0.5, 0.25, 0.125}, int32 bias) -> Relu -> Q/DQ (u8, 0.1, 0) -> y."""
    w = np.array([3, -5, 7, 127, -127, 0], np.int8).reshape(3, 2, 1, 1)
    ws = np.array([0.5, 0.25, 0.125], np.float32)
    bs = (np.float32(0.05) * ws).astype(np.float32)
    inits = [init("xs", np.array(0.05, np.float32)),
             init("xz", np.array(128, np.uint8)),
             init("w_q", w), init("ws", ws),
             init("wz", np.zeros(3, np.int8) if w_zp is None else w_zp),
             init("b_q", np.array([20, -40, 7], np.int32)), init("bs", bs),
             init("ys", np.array(0.1, np.float32)),
             init("yz", np.array(0, np.uint8))]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"],
                              name="q_x"),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"],
                              name="dq_x"),
             helper.make_node("DequantizeLinear", ["w_q", "ws", "wz"], ["wd"],
                              name="dq_w", axis=0),
             helper.make_node("DequantizeLinear", ["b_q", "bs"], ["bd"],
                              name="dq_b", axis=0),
             helper.make_node("Conv", ["xd", "wd", "bd"], ["c"], name="conv"),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["rq"],
                              name="q_r"),
             helper.make_node("DequantizeLinear", ["rq", "ys", "yz"], ["y"],
                              name="dq_r")]
    outputs = [vi("y", [1, 3, 4, 4])]
    if act_axis:
        inits[0] = init("xs", np.array([0.05, 0.06], np.float32))
        inits[1] = init("xz", np.array([128, 128], np.uint8))
    if bad == "reader":
        nodes[4] = helper.make_node("Conv", ["xq", "wd", "bd"], ["c"],
                                    name="conv")
    elif bad == "output":
        outputs = [vi("rq", [1, 3, 4, 4], U8)]
    elif bad == "mismatch":
        nodes[-1] = helper.make_node("DequantizeLinear", ["rq", "xs", "yz"],
                                     ["y"], name="dq_r")
    return model(nodes, [vi("x", [1, 2, 4, 4])], outputs, inits)


def case_qdq_conv():
    return qdq_conv_model()


def case_qdq_conv_float_weights():
    # Weights stored as float and quantized in the graph (Q -> DQ on a
    # constant), per-tensor int8.
    m = qdq_conv_model()
    g = m.graph
    w = np.array([0.5, -1.0, 0.25, 0.75, -0.125, 2.0],
                 np.float32).reshape(3, 2, 1, 1)
    keep = [t for t in g.initializer if t.name not in ("w_q", "ws", "wz")]
    del g.initializer[:]
    g.initializer.extend(keep + [init("w_f", w),
                                 init("ws", np.array(1 / 64, np.float32)),
                                 init("wz", np.array(0, np.int8))])
    nodes = list(g.node)
    nodes.insert(2, helper.make_node("QuantizeLinear", ["w_f", "ws", "wz"],
                                     ["w_q"], name="q_w"))
    nodes[3] = helper.make_node("DequantizeLinear", ["w_q", "ws", "wz"],
                                ["wd"], name="dq_w")
    del g.node[:]
    g.node.extend(nodes)
    return m


def case_qdq_conv_cast():
    # PyTorch's exporter: QuantizeLinear -> Cast(to=uint8) -> DequantizeLinear.
    m = qdq_conv_model()
    g = m.graph
    nodes = list(g.node)
    nodes[1] = helper.make_node("DequantizeLinear", ["xc", "xs", "xz"], ["xd"],
                                name="dq_x")
    nodes.insert(1, helper.make_node("Cast", ["xq"], ["xc"], name="cast_x",
                                     to=U8))
    del g.node[:]
    g.node.extend(nodes)
    return m


def case_bad_qdq_cast_other():
    # A Cast of the int8 value to another type is a real conversion.
    m = case_qdq_conv_cast()
    for n in m.graph.node:
        if n.op_type == "Cast":
            n.attribute[0].i = TensorProto.FLOAT
    return m


def case_bad_qdq_reader():
    return qdq_conv_model(bad="reader")


def case_bad_qdq_output():
    return qdq_conv_model(bad="output")


def case_bad_qdq_mismatch():
    return qdq_conv_model(bad="mismatch")


def case_bad_qdq_activation_axis():
    return qdq_conv_model(act_axis=True)


# --- Broken / unsupported models ----------------------------------------------

def case_unsupported_op():
    # Valid ONNX, not supported by qc.
    nodes = [helper.make_node("LRN", ["x"], ["y"], name="lrn", size=3)]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 2, 3, 3])])


def case_unsupported_domain():
    nodes = [helper.make_node("MyOp", ["x"], ["y"], name="custom",
                              domain="com.example")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])],
                 domains=["com.example"])


def case_bad_unknown_op():
    # Unknown operator in the default domain: rejected by the ONNX checker.
    nodes = [helper.make_node("FooBar", ["x"], ["y"], name="foo")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])])


def case_bad_symbolic_dim():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", ["N", 3])], [vi("y", ["N", 3])])


def case_bad_int_input():
    nodes = [helper.make_node("Identity", ["x"], ["y"], name="id")]
    return model(nodes, [vi("x", [2, 3], TensorProto.INT64)],
                 [vi("y", [2, 3], TensorProto.INT64)])


def case_bad_undefined_input():
    # Node reads a value nobody produces: rejected by the checker.
    nodes = [helper.make_node("Relu", ["nope"], ["y"], name="relu")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])])


# --- More elementwise ops and activations ------------------------------------

def unary_model(op, shape=(2, 3), opset=OPSET, nhwc=False, **attrs):
    nodes = [pool1()] if nhwc else []
    nodes.append(helper.make_node(op, ["p" if nhwc else "x"], ["y"], name="op",
                                  **attrs))
    return model(nodes, [vi("x", list(shape))], [vi("y", list(shape))],
                 opset=opset)


def case_sigmoid():
    return unary_model("Sigmoid", (1, 2, 3, 3), nhwc=True)


def case_tanh():
    return unary_model("Tanh")


def case_leakyrelu():
    return unary_model("LeakyRelu", alpha=0.1)


def case_hardsigmoid():
    return unary_model("HardSigmoid", alpha=0.25, beta=0.5)


def case_hardswish():
    return unary_model("HardSwish", opset=14)


def case_erf():
    return unary_model("Erf")


def case_gelu_erf():
    # GELU as torch exports it: x * 0.5 * (1 + erf(x / sqrt(2))).
    c = [init("sqrt2", np.array(1.4142135, np.float32)),
         init("one", np.array(1.0, np.float32)),
         init("half", np.array(0.5, np.float32))]
    nodes = [helper.make_node("Div", ["x", "sqrt2"], ["d"], name="div"),
             helper.make_node("Erf", ["d"], ["e"], name="erf"),
             helper.make_node("Add", ["e", "one"], ["a"], name="add"),
             helper.make_node("Mul", ["x", "a"], ["m"], name="mul"),
             helper.make_node("Mul", ["m", "half"], ["y"], name="mul2")]
    return model(nodes, [vi("x", [2, 4])], [vi("y", [2, 4])], c)


def case_prelu_nhwc():
    slope = init("s", np.array([0.1, 0.2], np.float32).reshape(2, 1, 1))
    nodes = [pool1(), helper.make_node("PRelu", ["p", "s"], ["y"], name="prelu")]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 2, 3, 3])], [slope])


def case_div_const():
    # x / c becomes x * (1/c).
    nodes = [helper.make_node("Div", ["x", "c"], ["y"], name="div")]
    return model(nodes, [vi("x", [2, 2])], [vi("y", [2, 2])],
                 [init("c", np.array([2.0, 4.0], np.float32))])


def case_div_runtime():
    nodes = [helper.make_node("Div", ["x", "z"], ["y"], name="div")]
    return model(nodes, [vi("x", [2, 2]), vi("z", [2, 2])], [vi("y", [2, 2])])


def case_sub_mul():
    nodes = [helper.make_node("Sub", ["x", "z"], ["d"], name="sub"),
             helper.make_node("Mul", ["d", "z"], ["y"], name="mul")]
    return model(nodes, [vi("x", [2, 3]), vi("z", [3])], [vi("y", [2, 3])])


def case_pow_square():
    nodes = [helper.make_node("Pow", ["x", "e"], ["y"], name="pow")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])],
                 [init("e", np.array(2.0, np.float32))])


def case_max_variadic():
    nodes = [helper.make_node("Max", ["a", "b", "c"], ["y"], name="max")]
    return model(nodes, [vi("a", [2, 3]), vi("b", [3]), vi("c", [2, 1])],
                 [vi("y", [2, 3])])


# --- Softmax, reductions, normalisation ----------------------------------------

def case_softmax_nhwc():
    # opset 13, axis 1 on an NHWC activation: the reduction runs on axis 3.
    nodes = [pool1(), helper.make_node("Softmax", ["p"], ["y"], name="sm", axis=1)]
    return model(nodes, [vi("x", [1, 3, 2, 2])], [vi("y", [1, 3, 2, 2])])


def case_softmax_opset11():
    # Before opset 13 the input is coerced to 2-D at axis: [1, 3*2*2].
    nodes = [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=1)]
    return model(nodes, [vi("x", [1, 3, 2, 2])], [vi("y", [1, 3, 2, 2])],
                 opset=11)


def case_reducemean():
    nodes = [helper.make_node("ReduceMean", ["x"], ["y"], name="mean",
                              axes=[1, 2], keepdims=0)]
    return model(nodes, [vi("x", [2, 3, 4])], [vi("y", [2])])


def case_reducemean_opset18():
    # opset 18: axes is an input; rewritten to the opset-17 attribute form.
    nodes = [helper.make_node("ReduceMean", ["x", "axes"], ["y"], name="mean")]
    return model(nodes, [vi("x", [2, 3, 4])], [vi("y", [2, 3, 1])],
                 [init("axes", np.array([-1], np.int64))], opset=18)


def case_layernorm():
    nodes = [helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"],
                              name="ln", axis=-1, epsilon=1e-5)]
    return model(nodes, [vi("x", [2, 3, 4])], [vi("y", [2, 3, 4])],
                 [init("s", rand(4, seed=1)), init("b", rand(4, seed=2))],
                 opset=17)


def case_batchnorm_nhwc_standalone():
    # BatchNormalization after pooling (not after a conv): mul/add in NHWC.
    m = bn_model([1, 3, 4, 4])
    m.graph.node.insert(0, pool1())
    m.graph.node[1].input[0] = "p"
    return m


# --- ConvTranspose ---------------------------------------------------------------

def case_convtranspose():
    # stride 2, pads 1, output_padding 1: zeros inserted between pixels, then
    # a stride-1 conv2d with the flipped kernel.
    w = init("w", rand(2, 3, 3, 3, seed=1))
    nodes = [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv",
                              strides=[2, 2], pads=[1, 1, 1, 1],
                              output_padding=[1, 1])]
    return model(nodes, [vi("x", [1, 2, 3, 3])], [vi("y", [1, 3, 6, 6])], [w])


# --- Resize ------------------------------------------------------------------------

def resize_model(x_shape, out_shape, scales=None, sizes=None, opset=OPSET,
                 **attrs):
    inits, ins = [], ["x", ""]
    if scales is not None:
        inits.append(init("scales", np.array(scales, np.float32)))
        ins.append("scales")
    if sizes is not None:
        inits.append(init("sizes", np.array(sizes, np.int64)))
        ins += ["", "sizes"] if scales is None else ["sizes"]
    nodes = [helper.make_node("Resize", ins, ["y"], name="resize", **attrs)]
    return model(nodes, [vi("x", x_shape)], [vi("y", out_shape)], inits, opset)


def case_resize_nearest_x2():
    # torch's nn.Upsample(scale_factor=2): a tile.
    return resize_model([1, 2, 3, 3], [1, 2, 6, 6], scales=[1, 1, 2, 2],
                        mode="nearest", coordinate_transformation_mode="asymmetric",
                        nearest_mode="floor")


def case_resize_linear():
    # Bilinear: per axis, two gathers and a weighted sum.
    return resize_model([1, 2, 3, 3], [1, 2, 6, 5], sizes=[1, 2, 6, 5],
                        mode="linear",
                        coordinate_transformation_mode="pytorch_half_pixel")


def case_unsupported_resize_crop():
    return resize_model([1, 2, 3, 3], [1, 2, 6, 6], scales=[1, 1, 2, 2],
                        mode="linear",
                        coordinate_transformation_mode="tf_crop_and_resize")


def case_upsample_opset9():
    nodes = [helper.make_node("Upsample", ["x", "s"], ["y"], name="up",
                              mode="nearest")]
    return model(nodes, [vi("x", [1, 2, 2, 2])], [vi("y", [1, 2, 4, 6])],
                 [init("s", np.array([1, 1, 2, 3], np.float32))], opset=9)


# --- Pad, Slice, Split, Concat, Transpose --------------------------------------

def case_pad_constant():
    nodes = [helper.make_node("Pad", ["x", "pads", "v"], ["y"], name="pad")]
    return model(nodes, [vi("x", [1, 2, 3])], [vi("y", [1, 3, 6])],
                 [init("pads", np.array([0, 1, 2, 0, 0, 1], np.int64)),
                  init("v", np.array(0.5, np.float32))])


def case_pad_reflect():
    nodes = [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad",
                              mode="reflect")]
    return model(nodes, [vi("x", [2, 4])], [vi("y", [2, 7])],
                 [init("pads", np.array([0, 2, 0, 1], np.int64))])


def case_pad_edge_opset2():
    nodes = [helper.make_node("Pad", ["x"], ["y"], name="pad", mode="edge",
                              pads=[0, 2, 0, 0])]
    return model(nodes, [vi("x", [2, 4])], [vi("y", [2, 6])], opset=9)


def case_slice_steps():
    # step 2 on 8 elements from 1: slice + reshape [4, 2] + slice + reshape.
    c = [init("st", np.array([1], np.int64)), init("en", np.array([100], np.int64)),
         init("ax", np.array([1], np.int64)), init("sp", np.array([2], np.int64))]
    nodes = [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"],
                              name="slice")]
    return model(nodes, [vi("x", [2, 9])], [vi("y", [2, 4])], c)


def case_slice_reverse():
    c = [init("st", np.array([-1], np.int64)),
         init("en", np.array([np.iinfo(np.int64).min], np.int64)),
         init("ax", np.array([0], np.int64)), init("sp", np.array([-1], np.int64))]
    nodes = [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"],
                              name="slice")]
    return model(nodes, [vi("x", [4, 2])], [vi("y", [4, 2])], c)


def case_slice_opset9():
    nodes = [helper.make_node("Slice", ["x"], ["y"], name="slice", starts=[1],
                              ends=[3], axes=[1])]
    return model(nodes, [vi("x", [2, 4])], [vi("y", [2, 2])], opset=9)


def case_split_nhwc():
    # Channel split of an NHWC activation: slices on axis 3.
    nodes = [pool1(), helper.make_node("Split", ["p", "sp"], ["a", "b"],
                                       name="split", axis=1)]
    return model(nodes, [vi("x", [1, 3, 2, 2])],
                 [vi("a", [1, 1, 2, 2]), vi("b", [1, 2, 2, 2])],
                 [init("sp", np.array([1, 2], np.int64))])


def case_split_opset11():
    nodes = [helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1,
                              split=[3, 1])]
    return model(nodes, [vi("x", [2, 4])], [vi("a", [2, 3]), vi("b", [2, 1])],
                 opset=11)


def case_concat_nhwc():
    c = init("c", np.ones((1, 1, 2, 2), np.float32))
    nodes = [pool1(), helper.make_node("Concat", ["p", "c"], ["y"], name="cat",
                                       axis=1)]
    return model(nodes, [vi("x", [1, 2, 2, 2])], [vi("y", [1, 3, 2, 2])], [c])


def case_tf2onnx_nhwc():
    # NHWC input -> Transpose(0,3,1,2) -> Conv -> Transpose(0,2,3,1): the
    # explicit transposes cancel against the importer's NHWC layout.
    w = init("w", rand(4, 3, 3, 3, seed=1))
    nodes = [helper.make_node("Transpose", ["x"], ["t"], name="to_nchw",
                              perm=[0, 3, 1, 2]),
             helper.make_node("Conv", ["t", "w"], ["c"], name="conv",
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Transpose", ["r"], ["y"], name="to_nhwc",
                              perm=[0, 2, 3, 1])]
    return model(nodes, [vi("x", [1, 5, 5, 3])], [vi("y", [1, 5, 5, 4])], [w])


def case_transpose_compose():
    # Transpose of a conv result: one transpose straight from the NHWC value.
    w = init("w", rand(4, 2, 1, 1, seed=1))
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Transpose", ["c"], ["y"], name="t",
                              perm=[0, 3, 2, 1])]
    return model(nodes, [vi("x", [1, 2, 3, 5])], [vi("y", [1, 5, 3, 4])], [w])


# --- Shape subgraphs, exporter styles, opsets -----------------------------------

def case_fold_view():
    # torch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat ->
    # Reshape, folded to one tosa.reshape.
    c = [init("zero", np.array(0, np.int64)), init("ax", np.array([0], np.int64)),
         init("m1", np.array([-1], np.int64))]
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"),
             helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
             helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="unsqueeze"),
             helper.make_node("Concat", ["n1", "m1"], ["shape"], name="concat",
                              axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")]
    return model(nodes, [vi("x", [2, 3, 4])], [vi("y", [2, 12])], c)


def case_paddle_opset9():
    # Paddle2ONNX style: opset 9, weights in Constant nodes, an unfused
    # BatchNormalization, a symbolic batch dim bound by --input-shape.
    def cnode(name, value):
        return helper.make_node("Constant", [], [name], name=name + "_c",
                                value=numpy_helper.from_array(value, name))
    nodes = [cnode("w", rand(2, 2, 1, 1, seed=1)), cnode("b", rand(2, seed=2)),
             helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv"),
             cnode("s", np.ones(2, np.float32)), cnode("bb", np.zeros(2, np.float32)),
             cnode("mu", np.zeros(2, np.float32)), cnode("var", np.ones(2, np.float32)),
             helper.make_node("BatchNormalization", ["c", "s", "bb", "mu", "var"],
                              ["y"], name="bn", epsilon=0.0)]
    return model(nodes, [vi("x", ["N", 2, 3, 3])], [vi("y", ["N", 2, 3, 3])],
                 opset=9)


def case_split_opset18():
    nodes = [helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1,
                              num_outputs=2)]
    return model(nodes, [vi("x", [2, 5])], [vi("a", [2, 3]), vi("b", [2, 2])],
                 opset=18)


def case_add_broadcast_opset6():
    # opset 6 broadcasting (broadcast=1): upgraded by the converter.
    nodes = [helper.make_node("Add", ["x", "c"], ["y"], name="add", broadcast=1)]
    # Old models list initializers among the graph inputs (the converter
    # reads the shape from there).
    return model(nodes, [vi("x", [2, 3, 4]), vi("c", [4])], [vi("y", [2, 3, 4])],
                 [init("c", np.array([1.0, 2.0, 3.0, 4.0], np.float32))],
                 opset=6)


def case_unsupported_opset():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])], opset=19)


# --- More broken models ------------------------------------------------------

def case_bad_weight_count_raw():
    # 4x1x3x3 weight with only 5 floats of raw data.
    w = numpy_helper.from_array(rand(4, 1, 3, 3, seed=1), "w")
    w.raw_data = w.raw_data[:20]
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [vi("x", [1, 1, 5, 5])], [vi("y", [1, 4, 3, 3])], [w])


def case_bad_weight_count_typed():
    w = TensorProto(name="w", data_type=F, dims=[3, 2],
                    float_data=[1.0, 2.0, 3.0, 4.0])
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")
    return model([node], [vi("x", [1, 3])], [vi("y", [1, 2])], [w])


def case_bad_constant_count():
    t = TensorProto(name="v", data_type=TensorProto.INT64, dims=[3],
                    int64_data=[1, 2])
    nodes = [helper.make_node("Constant", [], ["s"], name="shape_const", value=t),
             helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [6])])


def case_bad_reshape():
    nodes = [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [4, 2])],
                 [init("s", np.array([4, 2], np.int64))])


def case_bad_gather_index():
    nodes = [helper.make_node("Gather", ["x", "i"], ["y"], name="gather", axis=1)]
    return model(nodes, [vi("x", [2, 3])], [vi("y", [2])],
                 [init("i", np.array(3, np.int64))])


def case_bad_concat_shapes():
    nodes = [helper.make_node("Concat", ["x", "z"], ["y"], name="cat", axis=0)]
    return model(nodes, [vi("x", [2, 3]), vi("z", [2, 4])], [vi("y", [4, 3])])


def case_bad_unbound_dim():
    # A dim with neither a value nor a name.
    x = vi("x", [2, 3])
    x.type.tensor_type.shape.dim[0].Clear()
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [x],
                 [vi("y", [2, 3])])


RAW_CASES = {}


def raw_case(fn):
    RAW_CASES[fn.__name__[len("case_"):]] = fn
    return fn


@raw_case
def case_bad_truncated():
    data = case_conv().SerializeToString()
    return data[: len(data) // 2]


@raw_case
def case_bad_garbled():
    return b"\xff\xff\xff\xff this is not an ONNX protobuf \xff\xff\xff\xff\n"


@raw_case
def case_bad_mutated():
    # One byte of a valid model changed: the graph's node now reads a length
    # beyond the end of the message.
    data = bytearray(case_conv().SerializeToString())
    i = data.index(b"Conv") - 2
    data[i] = 0x7f
    return bytes(data)


def cases():
    out = {}
    for name, fn in globals().items():
        if name.startswith("case_"):
            out[name[len("case_"):]] = fn
    return out


def main(argv):
    all_cases = cases()
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(sorted(all_cases)))
        return 0
    if len(argv) != 3 or argv[1] not in all_cases:
        sys.stderr.write("usage: make_onnx.py CASE OUT.onnx  (CASE: one of "
                         "`make_onnx.py --list`)\n")
        return 2
    name, out = argv[1], argv[2]
    result = all_cases[name]()
    if name in RAW_CASES:
        data = result
    else:
        # onnx 1.12's checker does not know the opset-18 forms.
        if not (name.startswith("bad_") or name.startswith("unsupported_") or
                name.endswith("opset18")):
            onnx.checker.check_model(result)
        data = result.SerializeToString()
    with open(out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
