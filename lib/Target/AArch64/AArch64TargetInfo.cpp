//===- AArch64TargetInfo.cpp - AArch64: NEON, dotprod, i8mm ---------------===//
//
// One 128-bit vector holds 4 i32 accumulators (4 output channels) and their
// 16 bytes of (4 channels × 4 taps) operands. Per ISA level:
//   i8mm     `usdot` (u8 × s8), the same operation as x86's vpdpbusd, so the
//            activations stay unsigned (x + 128) as on x86;
//   dotprod  `sdot` (s8 × s8): the kernel takes the activations signed;
//   neon     (v8.0) `smull`/`smull2` of the two halves, `addp` of the i16
//            products and `sadalp` into the accumulators, signed too. Two
//            s8 × s8 products with weights in [−127, 127] (qc's weight
//            range) sum to at most 2·128·127 = 32512, so the i16 pairs never
//            wrap: the result is exact. Weights holding -128 (an imported
//            QDQ model's) are corrected after the reduction in dense layers
//            and take the portable kernel in grouped ones.
//
// Requantize (every level): `smull`/`smull2` (i32 × i32 -> i64), `srshl` by
// the negated shift — a rounding shift right that adds 2^(s−1) first, the
// reference's roundingShift — and `sqxtn` saturating to i32.
//
//===----------------------------------------------------------------------===//

#include "AArch64TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace qc {
namespace {

class AArch64TargetInfo : public TargetInfo {
public:
  int64_t vectorRegisters() const override { return 32; }
  explicit AArch64TargetInfo(TargetAttr target)
      : i8mm(hasFeature(target.getFeatures(), "i8mm")),
        dotprod(hasFeature(target.getFeatures(), "dotprod")) {}

  KernelAttr selectKernel(MLIRContext *ctx, int64_t outChannels,
                          int64_t pixels) const override {
    // 32 vector registers: up to 20 accumulators in at most 4 channel
    // vectors (16 channels), the weights of one step and each pixel's 16
    // bytes of activations (4 steps, used by element). llvm-mca on
    // Neoverse N1: 24 accumulators spill (66% of peak), 20 reach 98%.
    if (i8mm)
      return tileKernel(ctx, "dot4.usdot", 4, 20, 4, outChannels, pixels);
    if (dotprod)
      return tileKernel(ctx, "dot4.sdot", 4, 20, 4, outChannels, pixels,
                        /*signedInput=*/true);
    // smull needs two temporaries per dot product: a smaller tile.
    return tileKernel(ctx, "dot4.smull", 4, 16, 4, outChannels, pixels,
                      /*signedInput=*/true);
  }

  KernelAttr selectTileKernel(MLIRContext *ctx,
                              const ConvProblem &p) const override {
    // i8mm: usmmla, 2 pixels x 2 channels x 8 bytes of the reduction (32
    // products, twice a usdot's). Below 16 input channels the 8-byte steps
    // would mostly multiply padding.
    if (!i8mm || p.inChannels < 16)
      return {};
    // 16 accumulators: 2 pixel pairs x 4 vectors of 4 channels (fewer
    // channels: more pairs), their 2 + 8 operands. A pair's operand is two
    // 8-byte loads joined by an `ins`, which takes a SIMD pipe as usmmla
    // does: llvm-mca on Neoverse V1 and N2, 4 pairs x 2 vectors (4 ins per
    // 16 usmmla) ran at 79-80% of the usmmla rate, 2 x 4 (2 per 16) at 89%.
    int64_t vectors = std::clamp<int64_t>((p.outChannels + 3) / 4, 1, 4);
    int64_t pairs = std::clamp<int64_t>(8 / vectors, 1,
                                        std::max<int64_t>(1, (p.pixels + 1) / 2));
    return KernelAttr::get(ctx, "mmla.usmmla", 4, pairs, vectors,
                           /*signedInput=*/false);
  }

  Value emitMmla(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    return LLVM::CallIntrinsicOp::create(
               b, loc, acc.getType(),
               b.getStringAttr("llvm.aarch64.neon.usmmla.v4i32.v16i8"),
               ValueRange{acc, u, s})
        .getResult(0);
  }

  int64_t activationGroupsPerLoad(KernelAttr kernel) const override {
    return kernel.getLanes() == 4 ? 4 : 1;
  }

  // smull's i16 pairs: 2·(-128)·(-128) = 32768 wraps where both weights
  // and both activations are -128 (a dense layer corrects its -128s, a
  // grouped one takes the portable kernel: qc-select-kernels).
  bool needsNarrowWeights(KernelAttr kernel) const override {
    return kernel && kernel.getName() == "dot4.smull";
  }

  bool supportsKernel(KernelAttr kernel) const override {
    StringRef name = kernel.getName();
    bool four = kernel.getLanes() == 4;
    return name == "dot4.generic" ||
           (name == "dot4.smull" && four && kernel.getSignedInput()) ||
           (name == "dot4.sdot" && four && kernel.getSignedInput() &&
            dotprod) ||
           (name == "dot4.usdot" && four && !kernel.getSignedInput() && i8mm) ||
           (name == "mmla.usmmla" && four && !kernel.getSignedInput() && i8mm &&
            kernel.getBlock() >= 1 && kernel.getChannelBlocks() >= 1);
  }

  Value emitDot4(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    StringRef name = kernel.getName();
    // The activations u are a broadcast 4-byte group: as sdot's last
    // operand (sdot is symmetric) they become the by-element form's
    // Vm.4b[i]; usdot takes u8 first, which LLVM turns into sudot by element.
    if (name == "dot4.sdot" || name == "dot4.usdot") {
      bool sdot = name == "dot4.sdot";
      return LLVM::CallIntrinsicOp::create(
                 b, loc, acc.getType(),
                 b.getStringAttr(sdot ? "llvm.aarch64.neon.sdot.v4i32.v16i8"
                                      : "llvm.aarch64.neon.usdot.v4i32.v16i8"),
                 sdot ? ValueRange{acc, s, u} : ValueRange{acc, u, s})
          .getResult(0);
    }
    if (name == "dot4.smull") {
      auto i16x8 = VectorType::get({8}, b.getI16Type());
      auto slice = [&](Value v, int64_t at) {
        return vector::ExtractStridedSliceOp::create(b, loc, v, {at}, {8}, {1})
            .getResult();
      };
      auto smull = [&](int64_t at) {
        return LLVM::CallIntrinsicOp::create(
                   b, loc, i16x8, b.getStringAttr("llvm.aarch64.neon.smull.v8i16"),
                   ValueRange{slice(u, at), slice(s, at)})
            .getResult(0);
      };
      Value pairs = LLVM::CallIntrinsicOp::create(
                        b, loc, i16x8, b.getStringAttr("llvm.aarch64.neon.addp.v8i16"),
                        ValueRange{smull(0), smull(8)})
                        .getResult(0);
      Value quads = LLVM::CallIntrinsicOp::create(
                        b, loc, acc.getType(),
                        b.getStringAttr("llvm.aarch64.neon.saddlp.v4i32.v8i16"),
                        ValueRange{pairs})
                        .getResult(0);
      return LLVM::AddOp::create(b, loc, acc, quads);
    }
    return emitGenericDot4(b, loc, acc, u, s, kernel.getSignedInput());
  }

  bool hasScaleRoundShift() const override { return true; }

  Value emitScaleRoundShift(OpBuilder &b, Location loc, Value acc, Value m,
                            Value s) const override {
    auto type = cast<VectorType>(acc.getType());
    const int64_t L = type.getNumElements();
    if (L % 2 != 0)
      return TargetInfo::emitScaleRoundShift(b, loc, acc, m, s);
    auto wide = type.clone(b.getI64Type());
    auto pair = VectorType::get({2}, b.getI64Type());
    Value product = arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, wide, acc),
                                          arith::ExtSIOp::create(b, loc, wide, m));
    Value zero = arith::ConstantOp::create(
        b, loc, type, DenseElementsAttr::get(type, b.getI32IntegerAttr(0)));
    Value negShift = arith::ExtSIOp::create(
        b, loc, wide, arith::SubIOp::create(b, loc, zero, s));
    Value shifted = emitBySlices(b, loc, {product, negShift}, 2, [&](ValueRange p) {
      return LLVM::CallIntrinsicOp::create(
                 b, loc, pair, b.getStringAttr("llvm.aarch64.neon.srshl.v2i64"), p)
          .getResult(0);
    });
    // Saturated to the i32 range and narrowed: LLVM's sqxtn pattern.
    auto bound = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc, wide, DenseElementsAttr::get(wide, b.getI64IntegerAttr(v)));
    };
    shifted = arith::MaxSIOp::create(b, loc, shifted, bound(INT32_MIN));
    shifted = arith::MinSIOp::create(b, loc, shifted, bound(INT32_MAX));
    return arith::TruncIOp::create(b, loc, type, shifted);
  }

private:
  bool i8mm, dotprod;
};

} // namespace

std::unique_ptr<TargetInfo> createAArch64TargetInfo(TargetAttr target) {
  return std::make_unique<AArch64TargetInfo>(target);
}

} // namespace qc
