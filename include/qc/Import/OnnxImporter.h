//===- OnnxImporter.h - ONNX file -> float TOSA module ----------*- C++ -*-===//
//
// Imports a float32 ONNX network as one `func.func @main` made of TOSA ops on
// f32 tensors ("float graph"). Conventions relied on by later passes:
//
//  * Arguments are the ONNX graph inputs in order, results the graph outputs
//    in order; each carries the arg/result attribute `qc.name` with the ONNX
//    value name. Their types are the (static) ONNX shapes, e.g. NCHW.
//  * Rank-4 activations are NHWC inside the function: a rank-4 graph input is
//    transposed once with perms [0,2,3,1]; where the plain (NCHW) layout is
//    needed a transpose with perms [0,3,1,2] is inserted (a tosa.reshape when
//    only size-1 dims move, e.g. H == W == 1), at most once per value.
//    Explicit ONNX Transpose nodes compose with this: a graph that feeds NHWC
//    data through Transpose(0,3,1,2) into a Conv (tf2onnx) gets no transpose
//    at all, and a graph input used that way is not converted.
//  * Elementwise ops (Add, Mul, activations, ...) run in the layout of their
//    operands; constant operands are broadcast-ranked and permuted to match.
//  * Weights/biases are `tosa.const` (folded at import: OIHW -> OHWI,
//    BatchNormalization -> per-channel mul/add constants, Gemm alpha/beta).
//    Zero-point operands are `tosa.const dense<0.0> : tensor<1xf32>`.
//  * Subgraphs of constants and shapes (Shape -> Gather -> Concat -> Reshape,
//    as torch exports `x.view(x.size(0), -1)`) are evaluated at import time.
//  * Ops TOSA lacks are expanded: grouped Conv (slice/conv2d/concat),
//    ConvTranspose (zero insertion + conv2d), Resize (gathers and weighted
//    sums), Pad (concat of constants), Softmax, LayerNormalization, Div
//    (reciprocal). Erf is tosa.erf, so GELU's erf becomes one int8 table
//    when quantized.
//
// Supported ONNX opsets: 7 to 18 (1-6 are upgraded to 9 with libonnx's
// version converter). Every failure is one line naming the file and, for a
// node, the node, its op type and the opset:
//   "net.onnx: node 'conv1' (Conv): weight 'w' must be a constant (opset 13)"
//
//===----------------------------------------------------------------------===//

#ifndef QC_IMPORT_ONNXIMPORTER_H
#define QC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <vector>

namespace qc {

/// What the user tells the importer beyond the file.
struct ImportOptions {
  /// Shapes for graph inputs by name (`--input-shape name=1x3x224x224`): they
  /// bind symbolic dims and must agree with the file's fixed dims.
  std::map<std::string, std::vector<int64_t>> inputShapes;
};

/// Name of the argument/result attribute holding the ONNX value name.
inline constexpr llvm::StringLiteral kOnnxNameAttr = "qc.name";

/// Loads the dialects the importer emits (func, tosa) into `ctx`.
void registerOnnxImporterDialects(mlir::MLIRContext &ctx);

/// Imports the ONNX model at `path`. Loads the func and tosa dialects into
/// `ctx`. On failure returns a null module and sets `error` to a one-line
/// message, e.g.
///   "net.onnx: node 'up' (Resize): mode 'cubic' with exclude_outside=1 is not
///   supported (opset 13)"
///   "net.onnx: input 'x' has symbolic dim 'N'; bind it to a fixed size"
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &ctx,
                                                 llvm::StringRef path,
                                                 const ImportOptions &options,
                                                 std::string &error);

/// Like importOnnxFile, from the serialized model in `bytes`; `displayName`
/// stands for the file name in messages and locations (used by the fuzzer).
mlir::OwningOpRef<mlir::ModuleOp> importOnnxBuffer(mlir::MLIRContext &ctx,
                                                   llvm::StringRef bytes,
                                                   llvm::StringRef displayName,
                                                   const ImportOptions &options,
                                                   std::string &error);

} // namespace qc

#endif // QC_IMPORT_ONNXIMPORTER_H
