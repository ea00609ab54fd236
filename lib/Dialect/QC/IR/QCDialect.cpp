//===- QCDialect.cpp - qc dialect and attributes ----------------*- C++ -*-===//

#include "qc/Dialect/QC/IR/QC.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace qc;

#include "qc/Dialect/QC/IR/QCOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "qc/Dialect/QC/IR/QCAttrs.cpp.inc"

void QCDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qc/Dialect/QC/IR/QCOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qc/Dialect/QC/IR/QCAttrs.cpp.inc"
      >();
}

LogicalResult StatsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                llvm::APFloat minValue,
                                llvm::APFloat maxValue, int64_t count) {
  double min = minValue.convertToDouble(), max = maxValue.convertToDouble();
  if (!(min <= max))
    return emitError() << "stats min " << min << " exceeds max " << max;
  if (count < 0)
    return emitError() << "stats count must be non-negative, got " << count;
  return success();
}

std::string qc::locationName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
}
