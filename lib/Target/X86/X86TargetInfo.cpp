//===- X86TargetInfo.cpp - x86-64: AVX-512 VNNI and the fallback ----------===//
//
// With AVX-512 VNNI the 4-way dot product is one `vpdpbusd` on zmm registers
// (u8 × s8 → i32, no saturation of the products' sum). Without it the portable
// widening dot product is used, which never saturates either.
//
//===----------------------------------------------------------------------===//

#include "X86TargetInfo.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

namespace qc {
namespace {

bool hasFeature(StringRef features, StringRef name) {
  SmallVector<StringRef> parts;
  features.split(parts, ',');
  return llvm::is_contained(parts, ("+" + name).str());
}

class X86TargetInfo : public TargetInfo {
public:
  explicit X86TargetInfo(TargetAttr target)
      : vnni512(hasFeature(target.getFeatures(), "avx512vnni") &&
                hasFeature(target.getFeatures(), "avx512bw")) {}

  KernelAttr selectKernel(MLIRContext *ctx, int64_t outChannels,
                          int64_t pixels) const override {
    // 32 zmm registers: up to 24 accumulators, the weight vectors of the
    // tile and a broadcast input; at most 4 channel vectors (64 channels)
    // per tile, at least 6 pixels then.
    if (vnni512)
      return tileKernel(ctx, "dot4.vpdpbusd.zmm", 16, 24, 4, outChannels,
                        pixels);
    return tileKernel(ctx, "dot4.generic", 16, 4, 1, outChannels, pixels);
  }

  Value emitDot4(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    if (kernel.getName() == "dot4.vpdpbusd.zmm")
      return LLVM::CallIntrinsicOp::create(
                 b, loc, acc.getType(),
                 b.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
                 ValueRange{acc, u, s})
          .getResult(0);
    return emitGenericDot4(b, loc, acc, u, s);
  }

private:
  bool vnni512;
};

} // namespace

std::unique_ptr<TargetInfo> createX86TargetInfo(TargetAttr target) {
  return std::make_unique<X86TargetInfo>(target);
}

} // namespace qc
