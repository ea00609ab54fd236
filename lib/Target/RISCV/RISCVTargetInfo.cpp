//===- RISCVTargetInfo.cpp - RISC-V: RVV 1.0 multiply-accumulate ----------===//
//
// RVV 1.0 has no 4-way int8 dot product and no i8 -> i32 widening
// multiply-add. Its widest exact accumulation of int8 products into i32 is
// `vwmacc` at e16 (i16 × i16 -> i32): VLEN/16 products per instruction and
// unit of LMUL (an e8 vwmacc does twice as many but into i16, which
// overflows after two products). So the RVV kernel `mac.rvv.vwmacc` is an
// outer product: per input channel, a vector of L = VLEN/8 output channels'
// weights (stored as i16 at compile time, e16/m2, shared by every pixel of
// the tile) times each pixel's activation byte (a scalar `lb`), summed with
// `vwmacc.vx` into one e32/m4 register group per pixel.
// Activations stay signed (no +128). Depthwise convolutions use the same
// widening on per-channel vectors (`vwmacc.vv`). Products of s8 × s8 are
// exact in i32, and i32 sums wrap exactly like the reference's.
//
// The arithmetic is plain arith/vector IR (the `mac.*` path of qc's conv
// lowering); LLVM's RISC-V backend selects the widening forms, which
// test/Target/RISCV checks.
//
// Requantize: `vwmul.vv` (i32 × i32 -> i64) and `vnclip.wv` with vxrm = rnu,
// which shifts each i64 right by its channel's shift, rounding half up
// (adds 2^(s−1) first), and saturates to i32 — the reference's
// roundingShift and clamp in one instruction.
//
//===----------------------------------------------------------------------===//

#include "RISCVTargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <string>

using namespace mlir;

namespace qc {
namespace {

class RISCVTargetInfo : public TargetInfo {
public:
  int64_t vectorRegisters() const override { return 32; }
  explicit RISCVTargetInfo(TargetAttr target)
      : rvv(hasFeature(target.getFeatures(), "v")),
        specialized(minimumVectorLength(target) > 0),
        vlen(std::max<int64_t>(128, minimumVectorLength(target))) {}

  KernelAttr selectKernel(MLIRContext *ctx, int64_t outChannels,
                          int64_t pixels) const override {
    // 32 vector registers: 6 pixels' accumulators, e32/m4 groups (24), and
    // the i16 weights of the step (e16/m2). llvm-mca: 12 pixels at m2 spill
    // scalar registers, 3 at m8 stall the X60 on dependent vwmacc.
    // Without --vlen the conv kernel is vector-length agnostic
    // (`mac.rvv.vla`): scalable vectors of vscale·L/2 lanes (vscale =
    // VLEN/64), so a register group holds L lanes at VLEN 128 and VLEN·L/128
    // on any wider CPU: e32/m4 groups (L = 16, VLEN/8 lanes), e32/m2 for at
    // most 8 output channels (L = 8).
    // With --vlen, fixed vectors of VLEN/8 lanes (`mac.rvv.vwmacc`).
    if (rvv && !specialized)
      return tileKernel(ctx, "mac.rvv.vla", outChannels <= 8 ? 8 : 16, 6, 1,
                        outChannels, pixels, /*signedInput=*/true);
    if (rvv)
      return tileKernel(ctx, "mac.rvv.vwmacc", vlen / 8, 6, 1, outChannels,
                        pixels, /*signedInput=*/true);
    return tileKernel(ctx, "dot4.generic", 16, 4, 1, outChannels, pixels);
  }

  bool supportsKernel(KernelAttr kernel) const override {
    StringRef name = kernel.getName();
    if (name == "mac.rvv.vla")
      return rvv && kernel.getSignedInput() &&
             (kernel.getLanes() == 8 || kernel.getLanes() == 16);
    return name == "dot4.generic" ||
           (name == "mac.rvv.vwmacc" && rvv && kernel.getSignedInput() &&
            kernel.getLanes() <= vlen / 8);
  }

  Value emitDot4(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    return emitGenericDot4(b, loc, acc, u, s, kernel.getSignedInput());
  }

  bool hasScaleRoundShift() const override { return rvv; }

  Value emitScaleRoundShift(OpBuilder &b, Location loc, Value acc, Value m,
                            Value s) const override {
    auto accType = cast<VectorType>(acc.getType());
    const int64_t L = accType.getNumElements();
    auto i64 = b.getI64Type();
    auto constant = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(b, loc, i64, b.getIntegerAttr(i64, v));
    };
    // vwmul.vv then vnclip.wv (vxrm rnu) on k-lane register groups, vl
    // elements.
    auto fixedPoint = [&](int64_t k, Value a, Value mv, Value sv,
                          Value vl) -> Value {
      auto scalable = [&](Type elem) {
        return VectorType::get({k}, elem, /*scalableDims=*/{true});
      };
      const std::string n = std::to_string(k);
      Type words = scalable(b.getI32Type()), doubles = scalable(i64);
      // The intrinsic, not sext + mul: LLVM would hoist the multipliers'
      // sign extension out of the pixel loop and multiply at e64 (vmul.vv).
      Value product =
          LLVM::CallIntrinsicOp::create(
              b, loc, doubles,
              b.getStringAttr("llvm.riscv.vwmul.nxv" + n + "i64.nxv" + n +
                              "i32.nxv" + n + "i32.i64"),
              ValueRange{LLVM::PoisonOp::create(b, loc, doubles), a, mv, vl})
              .getResult(0);
      return LLVM::CallIntrinsicOp::create(
                 b, loc, words,
                 b.getStringAttr("llvm.riscv.vnclip.nxv" + n + "i32.nxv" + n +
                                 "i64.nxv" + n + "i32.i64"),
                 ValueRange{LLVM::PoisonOp::create(b, loc, words), product, sv,
                            constant(0) /*vxrm rnu*/, vl})
          .getResult(0);
    };
    // Scalable vectors (the vector-length-agnostic kernel): whole register
    // groups, vl = VLMAX (-1).
    if (rvv && accType.isScalable() && L <= 4)
      return fixedPoint(L, acc, m, s, constant(-1));
    if (accType.isScalable())
      return TargetInfo::emitScaleRoundShift(b, loc, acc, m, s);
    // The register group holding L i64 at the minimum VLEN: <vscale x k x
    // i64> (vscale = VLEN/64), k = 64·L/VLEN in 1 .. 8 (LMUL k).
    const int64_t k = 64 * L / vlen;
    if (!rvv || 64 * L % vlen != 0 || k < 1)
      return TargetInfo::emitScaleRoundShift(b, loc, acc, m, s);
    if (k > 4)
      // Half a vector at a time: an LMUL-8 product beside the kernel's
      // live accumulators would spill.
      return emitBySlices(b, loc, {acc, m, s}, L / 2, [&](ValueRange h) {
        return emitScaleRoundShift(b, loc, h[0], h[1], h[2]);
      });
    auto toScalable = [&](Value v) -> Value {
      auto type = VectorType::get(
          {k}, cast<VectorType>(v.getType()).getElementType(), {true});
      return vector::ScalableInsertOp::create(
          b, loc, v, LLVM::PoisonOp::create(b, loc, type), 0);
    };
    Value clipped = fixedPoint(k, toScalable(acc), toScalable(m),
                               toScalable(s), constant(L));
    return vector::ScalableExtractOp::create(b, loc, accType, clipped, 0);
  }

private:
  bool rvv;
  bool specialized; ///< --vlen given
  int64_t vlen;
};

} // namespace

std::unique_ptr<TargetInfo> createRISCVTargetInfo(TargetAttr target) {
  return std::make_unique<RISCVTargetInfo>(target);
}

} // namespace qc
