//===- AArch64TargetInfo.h - AArch64 kernels --------------------*- C++ -*-===//

#ifndef QC_LIB_TARGET_AARCH64_AARCH64TARGETINFO_H
#define QC_LIB_TARGET_AARCH64_AARCH64TARGETINFO_H

#include "qc/Target/TargetInfo.h"

namespace qc {
std::unique_ptr<TargetInfo> createAArch64TargetInfo(TargetAttr target);
} // namespace qc

#endif // QC_LIB_TARGET_AARCH64_AARCH64TARGETINFO_H
