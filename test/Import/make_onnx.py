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
        if not (name.startswith("bad_") or name.startswith("unsupported_")):
            onnx.checker.check_model(result)
        data = result.SerializeToString()
    with open(out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
