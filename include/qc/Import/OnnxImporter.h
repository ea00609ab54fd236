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
//    H == W == 1), at most once per value.
//  * Weights/biases are `tosa.const` (folded at import: OIHW -> OHWI,
//    BatchNormalization -> per-channel mul/add constants, Gemm alpha/beta).
//    Zero-point operands are `tosa.const dense<0.0> : tensor<1xf32>`.
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
///   "net.onnx: node 'conv1' (Conv): groups=2 not supported yet"
///   "net.onnx: input 'x' has symbolic dim 'N'; bind it to a fixed size"
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &ctx,
                                                 llvm::StringRef path,
                                                 const ImportOptions &options,
                                                 std::string &error);

} // namespace qc

#endif // QC_IMPORT_ONNXIMPORTER_H
