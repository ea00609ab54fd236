//===- RISCVTargetInfo.h - RISC-V vector kernels ----------------*- C++ -*-===//

#ifndef QC_LIB_TARGET_RISCV_RISCVTARGETINFO_H
#define QC_LIB_TARGET_RISCV_RISCVTARGETINFO_H

#include "qc/Target/TargetInfo.h"

namespace qc {
std::unique_ptr<TargetInfo> createRISCVTargetInfo(TargetAttr target);
} // namespace qc

#endif // QC_LIB_TARGET_RISCV_RISCVTARGETINFO_H
