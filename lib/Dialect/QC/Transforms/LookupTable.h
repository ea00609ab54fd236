//===- LookupTable.h - ops an int8 lookup table can absorb ------*- C++ -*-===//
//
// Shared by qc-insert-observers (which leaves the inside of such a function
// unobserved) and qc-fuse-qdq (which evaluates it into a qc.lut).
//
//===----------------------------------------------------------------------===//

#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_LOOKUPTABLE_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_LOOKUPTABLE_H

#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <optional>

namespace qc {

/// The value of a float splat constant, if `v` is one.
inline std::optional<double> splatValue(mlir::Value v) {
  mlir::DenseElementsAttr attr;
  if (!mlir::matchPattern(v, mlir::m_Constant(&attr)) ||
      !llvm::isa<mlir::FloatType>(attr.getElementType()) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<llvm::APFloat>().convertToDouble();
}

/// Elementwise float ops whose value a lookup table can take over.
inline bool isLookupTableOp(mlir::Operation *op) {
  return llvm::isa<mlir::tosa::SigmoidOp, mlir::tosa::TanhOp,
                   mlir::tosa::ErfOp, mlir::tosa::ExpOp,
                   mlir::tosa::ReciprocalOp, mlir::tosa::AbsOp,
                   mlir::tosa::ClampOp, mlir::tosa::AddOp, mlir::tosa::SubOp,
                   mlir::tosa::MulOp, mlir::tosa::MaximumOp,
                   mlir::tosa::MinimumOp>(op);
}

/// Operands of a lookup-table op that carry data (not splat constants, not
/// tosa.mul's shift).
inline llvm::SmallVector<mlir::Value, 2>
lookupTableInputs(mlir::Operation *op) {
  llvm::SmallVector<mlir::Value, 2> out;
  for (mlir::Value operand : op->getOperands()) {
    if (splatValue(operand))
      continue;
    if (llvm::isa<mlir::tosa::MulOp>(op) && operand == op->getOperand(2))
      continue; // the shift, zero for floats
    out.push_back(operand);
  }
  return out;
}

} // namespace qc

#endif // QC_LIB_DIALECT_QC_TRANSFORMS_LOOKUPTABLE_H
