//===- Passes.h - qc transformation passes ----------------------*- C++ -*-===//

#ifndef QC_DIALECT_QC_TRANSFORMS_PASSES_H
#define QC_DIALECT_QC_TRANSFORMS_PASSES_H

#include "qc/Dialect/QC/IR/QC.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace qc {

#define GEN_PASS_DECL
#include "qc/Dialect/QC/Transforms/Passes.h.inc"

/// Patterns of qc-fold-batchnorm.
void populateFoldBatchNormPatterns(mlir::RewritePatternSet &patterns);
/// Patterns of qc-fuse-epilogue.
void populateFuseEpiloguePatterns(mlir::RewritePatternSet &patterns);
/// Patterns of qc-fuse-qdq.
void populateFuseQDQPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "qc/Dialect/QC/Transforms/Passes.h.inc"

} // namespace qc

#endif // QC_DIALECT_QC_TRANSFORMS_PASSES_H
