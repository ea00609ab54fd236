//===- RISCVTargetInfo.cpp - RISC-V: RVV 1.0 multiply-accumulate ----------===//
//
// RVV 1.0 has no 4-way int8 dot product and no i8 -> i32 widening
// multiply-add. Its widest exact accumulation of int8 products into i32 is
// `vwmacc` at e16 (i16 × i16 -> i32): VLEN/16 products per instruction (an
// e8 vwmacc does twice as many but into i16, which overflows after two
// products). So the RVV kernel `mac.rvv.vwmacc` is an outer product: per
// input channel, a vector of L = VLEN/16 output channels' weights (bytes,
// widened to i16 once per reduction step and shared by every pixel of the
// tile) times each pixel's activation byte (a scalar `lb`), summed with
// `vwmacc.vx` into one e32/m2 register group per (pixel, channel vector).
// Activations stay signed (no +128). Depthwise convolutions use the same
// widening on per-channel vectors (`vwmacc.vv`). Products of s8 × s8 are
// exact in i32, and i32 sums wrap exactly like the reference's.
//
// The arithmetic is plain arith/vector IR (the `mac.*` path of qc's conv
// lowering); LLVM's RISC-V backend selects the widening forms, which
// test/Target/RISCV checks.
//
//===----------------------------------------------------------------------===//

#include "RISCVTargetInfo.h"

using namespace mlir;

namespace qc {
namespace {

class RISCVTargetInfo : public TargetInfo {
public:
  explicit RISCVTargetInfo(TargetAttr target)
      : rvv(hasFeature(target.getFeatures(), "v")),
        vlen(std::max<int64_t>(128, minimumVectorLength(target))) {}

  KernelAttr selectKernel(MLIRContext *ctx, int64_t outChannels,
                          int64_t pixels) const override {
    // 32 vector registers: 12 accumulator groups of 2 (24), the step's
    // weights (bytes and their i16 widening, one register each per channel
    // vector) and v0. An e32/m2 group holds VLEN/16 lanes: 8 for any VLEN,
    // more with --vlen.
    if (rvv)
      return tileKernel(ctx, "mac.rvv.vwmacc", vlen / 8, 6, 1, outChannels,
                        pixels, /*signedInput=*/true);
    return tileKernel(ctx, "dot4.generic", 16, 4, 1, outChannels, pixels);
  }

  bool supportsKernel(KernelAttr kernel) const override {
    StringRef name = kernel.getName();
    return name == "dot4.generic" ||
           (name == "mac.rvv.vwmacc" && rvv && kernel.getSignedInput() &&
            kernel.getLanes() <= vlen / 8);
  }

  Value emitDot4(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    return emitGenericDot4(b, loc, acc, u, s, kernel.getSignedInput());
  }

private:
  bool rvv;
  int64_t vlen;
};

} // namespace

std::unique_ptr<TargetInfo> createRISCVTargetInfo(TargetAttr target) {
  return std::make_unique<RISCVTargetInfo>(target);
}

} // namespace qc
