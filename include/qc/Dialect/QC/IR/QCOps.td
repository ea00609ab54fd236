//===- QCOps.td - qc operations ----------------------------*- tablegen -*-===//

#ifndef QC_DIALECT_QC_IR_QCOPS_TD
#define QC_DIALECT_QC_IR_QCOPS_TD

include "qc/Dialect/QC/IR/QCDialect.td"
include "qc/Dialect/QC/IR/QCAttrs.td"
include "mlir/Dialect/Quant/IR/QuantBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/CommonTypeConstraints.td"

def QC_QTensor : RankedTensorOf<[quant_QuantizedType]>;
def QC_FloatTensor : RankedTensorOf<[F32]>;
def QC_BiasTensor : 1DTensorOf<[I32]>;

// Epilogue clamp bounds, in the output's quantized (i8) domain.
defvar QC_ClampArgs = (ins DefaultValuedAttr<I64Attr, "-128">:$clamp_min,
                          DefaultValuedAttr<I64Attr, "127">:$clamp_max);

//===----------------------------------------------------------------------===//
// Observers
//===----------------------------------------------------------------------===//

def QC_ObserveOp : QC_Op<"observe", [SameOperandsAndResultType]> {
  let summary = "Marks a float tensor whose range calibration records";
  let description = [{
    Returns its operand unchanged. `name` identifies the tensor in the
    calibration table and must be unique in the module. After calibration,
    `stats` holds what the observer saw.

    ```mlir
    %1 = qc.observe %0 {name = "conv1"} : tensor<1x8x8x4xf32>
    %2 = qc.observe %0 {name = "conv1", stats = #qc.stats<min = 0.0, max = 5.5, count = 256>} : tensor<1x8x8x4xf32>
    ```
    Verifier: `min <= max` and `count >= 0` (checked by the attribute).
  }];
  let arguments = (ins QC_FloatTensor:$input, StrAttr:$name,
                       OptionalAttr<QC_StatsAttr>:$stats);
  let results = (outs QC_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Integer ops with a fused epilogue
//===----------------------------------------------------------------------===//

def QC_Conv2DOp : QC_Op<"conv2d", [Pure, AttrSizedOperandSegments]> {
  let summary = "Grouped 2-D int8 convolution with a fused requantize epilogue";
  let description = [{
    NHWC input `[N,H,W,C]`, OHWI weight `[O,KH,KW,C/groups]`, optional `i32`
    bias `[O]`, NHWC output `[N,OH,OW,O]`. Depthwise is `groups = C`.
    `pad` is `[top, left, bottom, right]`; padded taps read the input's real
    zero. acc[o] = bias[o] + Σ (x − zp_x)·w; the epilogue requantizes with
    `s_x·s_w[o]/s_out` and clamps to `[clamp_min, clamp_max]`.

    Verifier: ranks are 4; C and O divide by `groups` and the weight's last
    dimension is C/groups; input and output are per-tensor `i8`; the weight is
    `i8` with zero point 0, per-tensor or per-axis on dimension 0 with O
    scales; the bias has O elements; an optional `residual` (a fused skip
    connection, added in the epilogue with its own scale before the single
    rounding) is per-tensor `i8` of the output's shape; `stride`, `dilation` are 2 positive
    values, `pad` 4 non-negative ones; the output shape follows
    OH = (H + top + bottom − dilation_h·(KH − 1) − 1) / stride_h + 1;
    −128 ≤ clamp_min ≤ clamp_max ≤ 127.

    ```mlir
    %y = qc.conv2d %x, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>,
           pad = array<i64: 1, 1, 1, 1>, groups = 1, clamp_min = -5}
         : tensor<1x8x8x3x!quant.uniform<i8:f32, 0.05:-5>>,
           tensor<16x3x3x3x!quant.uniform<i8<-127:127>:f32:0, {0.01, ...}>>,
           tensor<16xi32> -> tensor<1x8x8x16x!quant.uniform<i8:f32, 0.1:-5>>
    ```
  }];
  let arguments = !con((ins QC_QTensor:$input, QC_QTensor:$weight,
                            Optional<QC_BiasTensor>:$bias,
                            Optional<QC_QTensor>:$residual,
                            DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$dilation,
                            DenseI64ArrayAttr:$pad,
                            DefaultValuedAttr<I64Attr, "1">:$groups),
                       QC_ClampArgs,
                       (ins OptionalAttr<QC_KernelAttr>:$kernel));
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    type($input) `,` type($weight) (`,` type($bias)^)?
    (`residual` type($residual)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

def QC_FullyConnectedOp : QC_Op<"fully_connected", [Pure]> {
  let summary = "int8 fully-connected layer with a fused requantize epilogue";
  let description = [{
    Input `[M,K]`, weight `[N,K]` (one row per output), optional `i32` bias
    `[N]`, output `[M,N]`. acc[m,n] = bias[n] + Σ_k (x[m,k] − zp_x)·w[n,k],
    then the conv2d epilogue.

    Verifier: input and output are per-tensor `i8` of rank 2; the weight is
    `i8`, zero point 0, per-tensor or per-axis on dimension 0; K and N agree;
    the bias has N elements; −128 ≤ clamp_min ≤ clamp_max ≤ 127.

    ```mlir
    %y = qc.fully_connected %x, %w, %b : tensor<1x16x!quant.uniform<i8:f32, 0.1:3>>,
         tensor<10x16x!quant.uniform<i8<-127:127>:f32:0, {...}>>, tensor<10xi32>
         -> tensor<1x10x!quant.uniform<i8:f32, 0.2:-1>>
    ```
  }];
  let arguments = !con((ins QC_QTensor:$input, QC_QTensor:$weight,
                            Optional<QC_BiasTensor>:$bias),
                       QC_ClampArgs,
                       (ins OptionalAttr<QC_KernelAttr>:$kernel));
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,` type($weight)
    (`,` type($bias)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

def QC_AddOp : QC_Op<"add", [Pure, Commutative]> {
  let summary = "Elementwise sum of two int8 tensors, requantized";
  let description = [{
    out = clamp(zp_out + round((lhs − zp_l)·M_l + (rhs − zp_r)·M_r)) with
    M = s_in/s_out, both multipliers sharing one shift so there is a single
    rounding. Shapes are equal (no broadcasting).

    Verifier: operands and result are per-tensor `i8` of one shape;
    −128 ≤ clamp_min ≤ clamp_max ≤ 127.

    ```mlir
    %y = qc.add %a, %b : tensor<1x4x4x16x!quant.uniform<i8:f32, 0.1:2>>,
         tensor<1x4x4x16x!quant.uniform<i8:f32, 0.05:0>> -> tensor<1x4x4x16x!quant.uniform<i8:f32, 0.12:-3>>
    ```
  }];
  let arguments = !con((ins QC_QTensor:$lhs, QC_QTensor:$rhs), QC_ClampArgs);
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
  let hasVerifier = 1;
}

def QC_MaxPool2DOp : QC_Op<"max_pool2d", [Pure]> {
  let summary = "2-D max pooling of an int8 NHWC tensor";
  let description = [{
    Padded taps are ignored. The output has the input's quantization (max
    commutes with a monotone affine map), which the verifier requires, and the
    output shape OH = (H + top + bottom − KH) / stride_h + 1.

    ```mlir
    %y = qc.max_pool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>,
           pad = array<i64: 0, 0, 0, 0>} : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.1:0>>
         -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.1:0>>
    ```
  }];
  let arguments = (ins QC_QTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad);
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QC_AvgPool2DOp : QC_Op<"avg_pool2d", [Pure]> {
  let summary = "2-D average pooling of an int8 NHWC tensor, requantized";
  let description = [{
    sum = Σ (x − zp_x) over the in-bounds taps; count is their number (or
    KH·KW with `count_include_pad`); out = clamp(zp_out + round(sum·s_x /
    (s_out·count))). Global average pooling is `kernel = [H, W]`.

    Verifier: per-tensor `i8` NHWC operand and result with the pooled shape;
    −128 ≤ clamp_min ≤ clamp_max ≤ 127.

    ```mlir
    %y = qc.avg_pool2d %x {kernel = array<i64: 4, 4>, stride = array<i64: 1, 1>,
           pad = array<i64: 0, 0, 0, 0>} : tensor<1x4x4x16x!quant.uniform<i8:f32, 0.1:0>>
         -> tensor<1x1x1x16x!quant.uniform<i8:f32, 0.05:-2>>
    ```
  }];
  let arguments = !con((ins QC_QTensor:$input, DenseI64ArrayAttr:$kernel,
                            DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad,
                            DefaultValuedAttr<BoolAttr, "false">:$count_include_pad),
                       QC_ClampArgs);
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QC_ReshapeOp : QC_Op<"reshape", [Pure]> {
  let summary = "Reinterprets an int8 tensor with another shape";
  let description = [{
    Row-major element order is kept; the shape comes from the result type.
    Verifier: same element type (quantization included) and element count.

    ```mlir
    %y = qc.reshape %x : tensor<1x1x1x16x!quant.uniform<i8:f32, 0.1:0>>
         -> tensor<1x16x!quant.uniform<i8:f32, 0.1:0>>
    ```
  }];
  let arguments = (ins QC_QTensor:$input);
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QC_TransposeOp : QC_Op<"transpose", [Pure]> {
  let summary = "Permutes the dimensions of an int8 tensor";
  let description = [{
    Output dimension i is input dimension `perms[i]`. Verifier: `perms` is a
    permutation of the rank; shapes agree; element types are equal.

    ```mlir
    %y = qc.transpose %x {perms = array<i64: 0, 3, 1, 2>}
         : tensor<1x4x4x16x!quant.uniform<i8:f32, 0.1:0>> -> tensor<1x16x4x4x!quant.uniform<i8:f32, 0.1:0>>
    ```
  }];
  let arguments = (ins QC_QTensor:$input, DenseI64ArrayAttr:$perms);
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QC_LookupTableOp : QC_Op<"lut", [Pure]> {
  let summary = "Elementwise int8 → int8 function as a 256-entry table";
  let description = [{
    out = table[in + 128]. Any elementwise float function of one quantized
    tensor (sigmoid, tanh, GELU, hard-swish, …) becomes this op: the table is
    the function evaluated at each of the 256 input levels and quantized once,
    which is the exact int8 result for those levels.

    Verifier: the table has 256 entries; input and output are per-tensor `i8`
    of one shape.

    ```mlir
    %y = qc.lut %x {table = array<i8: -128, ..., 127>}
         : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.05:3>> -> tensor<1x8x8x4x!quant.uniform<i8:f32, 0.0039:-128>>
    ```
  }];
  let arguments = (ins QC_QTensor:$input, DenseI8ArrayAttr:$table);
  let results = (outs QC_QTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernel building blocks
//===----------------------------------------------------------------------===//

def QC_Dot4Op : QC_Op<"dot4", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "4-way 8-bit dot products accumulated into i32 lanes";
  let description = [{
    result[l] = acc[l] + Σ_{j<4} ext(lhs[4l+j]) · sext(rhs[4l+j]), exactly
    (32-bit wrap-around, no saturation); ext is zext (u8 × s8) unless the
    kernel has `signed_input` (s8 × s8). `kernel` names the instruction family
    (`qc-lower-dot-products` turns it into e.g. `vpdpbusd`). Kept as an op of
    its own until after bufferization so the kernels' loops stay analyzable.

    Verifier: lhs and rhs have 4× as many lanes as acc.

    ```mlir
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>}
         : vector<16xi32>, vector<64xi8>, vector<64xi8>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$lhs,
                       VectorOfRankAndType<[1], [I8]>:$rhs,
                       QC_KernelAttr:$kernel);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs attr-dict `:` type($acc) `,` type($lhs) `,` type($rhs)
  }];
  let hasVerifier = 1;
}

def QC_ScaleShiftOp : QC_Op<"scale_shift",
    [Pure, AllTypesMatch<["acc", "multiplier", "shift", "result"]>]> {
  let summary = "fixed-point requantize scaling: rounded, saturated acc·m / 2^s";
  let description = [{
    result[l] = sat_i32((acc[l]·m[l] + 2^(s[l]−1)) >> s[l]) with the
    product in 64 bits and one rounding (half up), for 0 <= m < 2^31 and
    1 <= s <= 62 — the scaling step of qc's requantize contract, before the
    output zero point and clamp. Lowered by `qc-lower-dot-products` into the
    target's fixed-point instructions (RISC-V `vwmul` + `vnclip` with vxrm
    rnu, AArch64 `smull` + `srshl` + `sqxtn`) or the portable i64 form.

    ```mlir
    %r = qc.scale_shift %acc, %m, %s : vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I32]>:$multiplier,
                       VectorOfRankAndType<[1], [I32]>:$shift);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $multiplier `,` $shift attr-dict `:` type($acc)
  }];
}

def QC_MmlaOp : QC_Op<"mmla", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "2x2 int8 matrix multiply-accumulate into i32 (8-deep)";
  let description = [{
    result[2i+j] = acc[2i+j] + Σ_{k<8} zext(lhs[8i+k]) · sext(rhs[8j+k])
    for i, j < 2, exactly: lhs holds two rows (pixels) of 8 u8, rhs two
    rows (output channels) of 8 s8 (AArch64 `usmmla`). Lowered by
    `qc-lower-dot-products` (an error where the target does not run
    `kernel`).

    ```mlir
    %r = qc.mmla %acc, %u, %s {kernel = #qc.kernel<name = "mmla.usmmla", lanes = 4, block = 4, channel_blocks = 2>}
         : vector<4xi32>, vector<16xi8>, vector<16xi8>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[4], [I32]>:$acc,
                       VectorOfLengthAndType<[16], [I8]>:$lhs,
                       VectorOfLengthAndType<[16], [I8]>:$rhs,
                       QC_KernelAttr:$kernel);
  let results = (outs VectorOfLengthAndType<[4], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs attr-dict `:` type($acc) `,` type($lhs) `,` type($rhs)
  }];
}

def QC_TileOp : QC_Op<"tile", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "One matrix-tile instruction (AMX) of a tile kernel";
  let description = [{
    The tile registers are machine state the ops share, so each op reads and
    writes memory as far as the compiler is concerned and keeps its place.
    `action` and operands (offsets and strides in bytes):

    - `config` `[]` (%mem, %offset): load the 64-byte tile configuration;
    - `load` `[t]` (%mem, %offset, %stride): tile t's row r from
      mem + offset + r·stride (stride 0 repeats one row);
    - `dot` `[c, a, b]`: C[i][j] += Σ_k zext(A[i][4k+q]) · sext(B[k][4j+q])
      (u8 × s8 → i32, `tdpbusd`);
    - `store` `[t]` (%mem, %offset, %stride): the reverse of load;
    - `release` `[]`: the tile state back to its initial state.

    `qc-lower-dot-products` turns them into the target's instructions (an
    error where the target does not run `kernel`).

    ```mlir
    qc.tile "load" [4] (%img, %at, %c144 : memref<4096xi8>, index, index)
        {kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 14, channel_blocks = 2>}
    qc.tile "dot" [0, 4, 6] {kernel = ...}
    ```
  }];
  let arguments = (ins StrAttr:$action, DenseI64ArrayAttr:$tiles,
                       Variadic<AnyTypeOf<[AnyStaticShapeMemRef, Index]>>:$args,
                       QC_KernelAttr:$kernel);
  let assemblyFormat = [{
    $action $tiles (`(` $args^ `:` type($args) `)`)? attr-dict
  }];
  let hasVerifier = 1;
}

#endif // QC_DIALECT_QC_IR_QCOPS_TD
