//===- Passes.td - qc transformation passes ----------------*- tablegen -*-===//

#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_TD
#define QC_DIALECT_QC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QCFoldBatchNorm : Pass<"qc-fold-batchnorm", "mlir::func::FuncOp"> {
  let summary = "Folds a per-channel affine (inference BatchNorm) into the conv before it";
  let description = [{
    conv(x, W, b) · a + c = conv(x, W·a, b·a + c) when `a` and `c` are constants
    broadcast along the output channel:
    ```mlir
    %c = tosa.conv2d %x, %w, %b, ...
    %m = tosa.mul %c, %a, %shift     // a: tensor<1x1x1xOxf32> constant
    %y = tosa.add %m, %c2            // c2: tensor<1x1x1xOxf32> constant
    ```
    becomes one `tosa.conv2d` with rescaled constant weights and bias. Also
    applies to `tosa.depthwise_conv2d`.
  }];
  let dependentDialects = ["mlir::tosa::TosaDialect"];
}

def QCInsertObservers : Pass<"qc-insert-observers", "mlir::func::FuncOp"> {
  let summary = "Marks every float tensor that will be quantized with qc.observe";
  let description = [{
    Observes function arguments and the result of each chain of ops that
    becomes one integer op: a conv/matmul/add/avg-pool with its bias and clamp
    epilogue is observed once, after the epilogue. Ops that keep their input's
    quantization (reshape, transpose, max-pool) are not observed, nor are the
    inside of a grouped conv as the importer writes it (each group's channel
    slice and conv result: only the concat, or the clamp after it). Observers
    are named after the op location (`NameLoc`), made unique.
    ```mlir
    %0 = tosa.conv2d ...            %0 = tosa.conv2d ...
    %1 = tosa.clamp %0 ...    =>    %1 = tosa.clamp %0 ...
                                    %2 = qc.observe %1 {name = "conv1"}
    ```
  }];
  let dependentDialects = ["qc::QCDialect"];
}

def QCExposeObservers : Pass<"qc-expose-observers", "mlir::func::FuncOp"> {
  let summary = "Turns observers into extra function results for the calibration build";
  let description = [{
    Each `qc.observe` is replaced by its operand, which becomes an extra result
    of the function; `qc.observed` lists the observer names in result order.
    The calibration build runs this function and records statistics of those
    results on the host.
  }];
}

def QCImportCalibration : Pass<"qc-import-calibration", "mlir::ModuleOp"> {
  let summary = "Attaches the statistics of a calibration table to the observers";
  let description = [{
    Reads a JSON table `{"version": 1, "tensors": {"name": {"min": m, "max": M,
    "count": n, "moving_min": a, "moving_max": b, "histogram": {"lo": l,
    "hi": h, "bins": [...]}}}}` and sets `stats` on each `qc.observe` with
    that name to the clipping range `method` selects: `minmax`,
    `moving-average`, `percentile[:P]`, `entropy` (KL divergence) or `mse`.
    An observer missing from the table, or statistics the method needs, is an
    error.
  }];
  let options = [
    Option<"table", "table", "std::string", /*default=*/"\"\"",
           "Path of the JSON calibration table">,
    Option<"method", "method", "std::string", /*default=*/"\"minmax\"",
           "How the clipping range is chosen from the statistics">
  ];
}

def QCComputeQuantParams : Pass<"qc-compute-quant-params", "mlir::func::FuncOp"> {
  let summary = "Replaces each observer by a quantize/dequantize pair (QDQ form)";
  let description = [{
    From the observed range [min, max] (widened to contain 0) computes an
    asymmetric per-tensor i8 type, scale = (max − min)/255 and
    zero_point = round(−128 − min/scale), then
    `qc.observe %x` ⇒ `quant.dcast (quant.qcast %x)`. The qcast carries the
    observer's name as `qc.layer`, which the integer op that replaces it keeps.
    Observers named in `keep-float` mark their qcast `qc.keep_float`: the op
    computing the tensor stays float (with float weights); its result is
    still quantized for the int8 ops that read it.
  }];
  let options = [
    ListOption<"keepFloat", "keep-float", "std::string",
               "Observed tensors (by name) to leave in float">
  ];
  let dependentDialects = ["mlir::quant::QuantDialect"];
}

def QCQuantizeConstants : Pass<"qc-quantize-constants", "mlir::func::FuncOp"> {
  let summary = "Quantizes constant weights to symmetric per-channel i8";
  let description = [{
    The constant weight of a conv, depthwise conv or matmul becomes
    `quant.dcast(quant.scast(arith.constant i8))` with one scale per output
    channel, scale = max|w|/127, values in [−127, 127]. Only weights of ops
    whose result is quantized (through an optional clamp, or reshape and bias
    add for matmuls, or the concat of a grouped conv's groups) are touched:
    the others stay float ops with float weights.

    A constant carrying `qc.weight_scales` (one f64 per output channel, set
    by the ONNX importer on weights of QDQ models) keeps those scales when
    every weight is exactly `f32(k) * f32(scale)` with |k| <= 127, so that
    an already-quantized model keeps its own int8 weights.
  }];
  let dependentDialects = ["mlir::quant::QuantDialect", "mlir::arith::ArithDialect"];
}

def QCFuseQDQ : Pass<"qc-fuse-qdq", "mlir::func::FuncOp"> {
  let summary = "Replaces float ops between dequantize and quantize by integer qc ops";
  let description = [{
    `qcast(clamp?(conv(dcast x, dcast w, bias)))` ⇒ `qc.conv2d x, w, bias_i32`
    with bias_i32 = round(bias / (s_x·s_w[c])) and the clamp folded into the
    epilogue bounds; likewise for depthwise conv, fully-connected matmuls,
    add and average pooling, and a grouped conv as the importer writes it
    (`qcast(clamp?(concat(conv_g(slice_g(dcast x)))))`, GroupedConv.h) ⇒ one
    `qc.conv2d` with `groups`. Reshape, transpose and max pooling keep their
    input's quantization: `reshape(dcast q)` ⇒ `dcast(qc.reshape q)`.
    An elementwise float function of one quantized tensor (sigmoid, tanh,
    erf-GELU, hard-swish, clamp, …, chains of them with splat constants)
    between a dequantize and a quantize becomes a 256-entry `qc.lut`.
    Finally a quantize read only by dequantizes (a tensor between float ops)
    is dropped with them: `dcast(qcast x)` ⇒ `x`.
  }];
  let dependentDialects = ["qc::QCDialect", "mlir::quant::QuantDialect",
                           "mlir::arith::ArithDialect"];
}

def QCExposeLayers : Pass<"qc-expose-layers", "mlir::func::FuncOp"> {
  let summary = "Adds the dequantized result of every integer op as a function result";
  let description = [{
    For checking generated code layer by layer against the reference and for
    per-layer accuracy: each qc op result gets a `quant.dcast` that becomes an
    extra result named after the op's location.
    ```mlir
    %y = qc.conv2d ...           %y = qc.conv2d ...
                           =>    %f = quant.dcast %y ...
    return %out                  return %out, %f
    ```
  }];
  let dependentDialects = ["mlir::quant::QuantDialect"];
}

def QCFuseEpilogue : Pass<"qc-fuse-epilogue", "mlir::func::FuncOp"> {
  let summary = "Fuses residual adds and clamp tables into integer epilogues";
  let description = [{
    `qc.add(qc.conv2d(x, w, b), r)` ⇒ `qc.conv2d(x, w, b) residual(r)` with the
    add's output quantization and clamp:
      out = clamp(zp + round(acc·s_x·s_w/s_out + (r − zr)·s_r/s_out))
    with one rounding instead of two, and no intermediate int8 tensor. Applies
    when the conv has no other use and no clamp of its own, and the residual
    multiplier fits 53 bits at the channel's shift.

    A `qc.lut` that keeps its input's quantization and whose table is
    `clamp(q, lo, hi)` (ReLU6 exported with its own quantize/dequantize pair)
    folds into the clamp of the conv, fully-connected or add before it.
  }];
}

def QCSelectKernels : Pass<"qc-select-kernels", "mlir::ModuleOp"> {
  let summary = "Records the kernel chosen for each integer op from the module's target";
  let description = [{
    Reads `qc.target` on the module and sets `kernel` on each conv and
    fully-connected op, e.g. `#qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16,
    block = 4>` for `x86_64-avx512vnni`.
  }];
}

def ConvertQCToLoops : Pass<"convert-qc-to-loops", "mlir::ModuleOp"> {
  let summary = "Lowers integer ops to loops and vector kernels over buffers";
  let description = [{
    Each qc op, `quant.qcast` and `quant.dcast` becomes loops that read its
    operands through `bufferization.to_buffer` and write a fresh buffer handed
    back with `bufferization.to_tensor`; float ops the quantizer left alone
    are untouched, so one bufferization then serves mixed int8/float graphs.
    Conv and fully-connected use the kernel recorded by qc-select-kernels:
    weights packed at compile time, activations flipped to u8 (+128) with the
    compensation folded into the bias, dot products issued through the
    target's 4-way dot instruction.
    ```mlir
    %y = qc.add %a, %b : ...
    // ⇒
    %ma = bufferization.to_buffer %a_storage read_only : ...
    %out = memref.alloc() : memref<64xi8>
    scf.for ... { ... }
    %y = bufferization.to_tensor %out restrict writable : ...
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::math::MathDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::func::FuncDialect", "mlir::tensor::TensorDialect",
                           "mlir::bufferization::BufferizationDialect"];
}

def QCLowerDotProducts : Pass<"qc-lower-dot-products", "mlir::ModuleOp"> {
  let summary = "Turns qc.dot4 into the target's dot-product instruction";
  let description = [{
    Reads `qc.target` and each op's `kernel`: `dot4.vpdpbusd.zmm` becomes
    `llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"`; `dot4.generic` the
    portable widen-multiply-reduce sequence. Runs after bufferization.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::vector::VectorDialect",
                           "mlir::arith::ArithDialect"];
}

def QCOutlineParallel : Pass<"qc-outline-parallel", "mlir::ModuleOp"> {
  let summary = "Outlines loops marked qc.parallel into tasks of the library's thread pool";
  let description = [{
    A kernel's outer `scf.for` marked `qc.parallel` (constant bounds, no
    loop-carried values; every iteration writes its own outputs) becomes a
    private function `@__qc_task_N(captured..., %begin, %end)` running
    iterations [begin, end), and the loop becomes a call of the declared
    `@__qc_parallel_for_N(captured..., %iterations)`. Code generation gives
    that declaration its body: it packs the arguments and calls the thread
    pool (lib/Runtime/qc_runtime.c) with a trampoline to the task. Captured
    constants, globals and stack scratch buffers are cloned into the task
    (each call gets its own scratch); a loop capturing a value that the
    bare-pointer calling convention cannot pass stays serial. Runs after
    bufferization, on targets whose runtime is built (x86-64).
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def QCExpandMath : Pass<"qc-expand-math", "mlir::func::FuncOp"> {
  let summary = "Expands math ops that have no LLVM lowering (math.erf)";
  let description = [{
    `math.erf` (from `tosa.erf`: ONNX Erf and GELU kept in float) has no
    LLVM intrinsic; it becomes MLIR's polynomial approximation (fma,
    select and one exp; measured within 4 ulp of libm's erf on [-6, 6]).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

def QCElideResultCopies : Pass<"qc-elide-result-copies", "mlir::func::FuncOp"> {
  let summary = "Writes a function's results into its out parameters directly";
  let description = [{
    After `buffer-results-to-out-params` a result computed into a reshaped
    view of a fresh buffer is copied into the caller's buffer at the end.
    Where every use of that buffer comes before the copy and the out
    parameter is used by the copy alone, the buffer is replaced by the out
    parameter (flattened to the buffer's type) and the copy removed:
    ```mlir
    %a = memref.alloc() : memref<24xi8>
    ... writes %a ...
    %v = memref.expand_shape %a [[0, 1]] output_shape [4, 6] : memref<24xi8> into memref<4x6xi8>
    memref.copy %v, %out : memref<4x6xi8> to memref<4x6xi8>
    // ⇒
    %a = memref.collapse_shape %out [[0, 1]] : memref<4x6xi8> into memref<24xi8>
    ... writes %a ...
    ```
    The generated library's inputs and outputs must therefore not overlap
    (the C header says so).
  }];
}

def QCCopiesToLinalg : Pass<"qc-copies-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Rewrites memref.copy as linalg.copy so it becomes loops";
  let description = [{
    A `memref.copy` between strided buffers (bufferized padding writes into a
    subview) lowers to a call of MLIR's runtime `memrefCopy`, which generated
    libraries must not depend on. As `linalg.copy` it becomes plain loops:
    ```mlir
    memref.copy %a, %b : memref<4xf32> to memref<4xf32, strided<[1], offset: 5>>
    // ⇒
    linalg.copy ins(%a : memref<4xf32>) outs(%b : memref<4xf32, strided<[1], offset: 5>>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def QCGroupFloatConvs : Pass<"qc-group-float-convs", "mlir::func::FuncOp"> {
  let summary = "Makes each grouped float conv (slices, a conv per group, concat) one linalg grouped conv";
  let description = [{
    TOSA has no grouped convolution: the importer writes one as a tosa.slice
    of each group's input channels, a tosa.conv2d per group and a
    tosa.concat of the groups (lib/Dialect/QC/Transforms/GroupedConv.h). For
    the float build (calibration, `--float` libraries) that is a loop nest
    per group, hundreds in a RegNet or ResNeXt, which LLVM then optimizes as
    one huge function for a quarter of an hour or more. This pass, run
    before tosa-to-linalg, makes each such group of ops one
    `linalg.conv_2d_nhwgc_gfhwc` over the (cropped, padded) input viewed as
    [N, H, W, G, C/G], with constant weights [G, O/G, KH, KW, C/G] and the
    biases broadcast into its output [N, OH, OW, G, O/G], collapsed back to
    NHWC. Groups whose weights or biases are not constants stay as they are.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def QCVectorizeFloatConvs : Pass<"qc-vectorize-float-convs", "mlir::func::FuncOp"> {
  let summary = "Lowers f32 convolutions and batched matmuls on buffers to vector loops";
  let description = [{
    The float build (calibration, `--float` libraries) would otherwise lower
    `linalg.conv_2d_nhwc_fhwc`, `linalg.depthwise_conv_2d_nhwc_hwcm` (channel
    multiplier 1) and `linalg.batch_matmul` to scalar loops whose innermost
    loop is a float reduction, which LLVM does not vectorize (it would have to
    reassociate the sum). Here they become register-tiled vector loops:
    a dense conv keeps 4 pixels x 4 output channels of partial sums over the
    input channels (V lanes each, V = 16, 8 or 4 dividing C) and adds their
    horizontal sums to the output; a depthwise conv runs along the channels
    (4 pixels x V channels); a batched matmul along the output columns
    (4 rows x 4 vectors of V columns). The sums are reassociated: results
    differ from sequential summation by rounding only. Ops with dynamic
    shapes, non-unit innermost strides, other element types or channel counts
    no vector length divides are left for linalg-to-loops.
    ```mlir
    linalg.conv_2d_nhwc_fhwc {...} ins(%x, %w : memref<1x10x10x32xf32>, memref<8x3x3x32xf32>)
                                   outs(%y : memref<1x8x8x8xf32>)
    // ⇒ scf.for loops over pixels and channel tiles around
    //   vector.load / vector.fma / vector.reduction <add>
    ```
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_TD
