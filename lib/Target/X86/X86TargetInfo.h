//===- X86TargetInfo.h - x86-64 kernels -------------------------*- C++ -*-===//

#ifndef QC_LIB_TARGET_X86_X86TARGETINFO_H
#define QC_LIB_TARGET_X86_X86TARGETINFO_H

#include "qc/Target/TargetInfo.h"

namespace qc {
std::unique_ptr<TargetInfo> createX86TargetInfo(TargetAttr target);
} // namespace qc

#endif // QC_LIB_TARGET_X86_X86TARGETINFO_H
