//===- QC.h - the qc dialect ------------------------------------*- C++ -*-===//
//
// Declares the qc dialect, its attributes and its operations.
//
//===----------------------------------------------------------------------===//

#ifndef QC_DIALECT_QC_IR_QC_H
#define QC_DIALECT_QC_IR_QC_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "qc/Dialect/QC/IR/QCOpsDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "qc/Dialect/QC/IR/QCAttrs.h.inc"

#define GET_OP_CLASSES
#include "qc/Dialect/QC/IR/QCOps.h.inc"

namespace qc {
/// The name a location carries (a NameLoc, possibly inside a FusedLoc): the
/// ONNX node or tensor an op came from; "" if there is none.
std::string locationName(mlir::Location loc);

/// Output extent of a window op (conv, pooling) along one spatial dimension:
/// the count of windows that fit, rounded down.
int64_t windowOutSize(int64_t in, int64_t k, int64_t stride, int64_t dilation,
                      int64_t padBefore, int64_t padAfter);
} // namespace qc

#endif // QC_DIALECT_QC_IR_QC_H
