//===- RISCVTargetInfo.cpp - RISC-V: RVV 1.0 multiply-accumulate ----------===//
//
// RVV 1.0 has no 4-way int8 dot product and no i8 -> i32 widening
// multiply-add, so the kernel `dot4.rvv.vmacc` (lanes 8: one e32/m2 register
// group of accumulators at VLEN 128, fewer registers at larger VLEN) takes the
// activations signed and works in i32 lanes: the 4 weights of a channel sit
// in one i32 lane of the dot4 operand, and weight j of every lane is
// (w << (24 − 8j)) >>a 24 (two vector shifts, shared by every pixel of the
// tile); activation j is the same shifts on the broadcast 4-byte group,
// which LLVM does on the scalar, so each product-sum is a `vmacc.vx`. Products of s8 × s8 are exact in i32, and i32
// sums wrap exactly like the reference's. Per dot4: 4 vmacc.vx per pixel,
// 7 shifts per weight vector, 7 scalar ALU ops per pixel.
//
// At the same VLEN this is as many multiply-adds per cycle as `vwmacc.vx`
// at e16 (i16 × i16 -> i32), the widest exact int8 -> i32 accumulation RVV
// 1.0 offers: an e32/m2 vmacc and an e16/m1 -> m2 vwmacc both write two
// registers for VLEN/16 products.
//
//===----------------------------------------------------------------------===//

#include "RISCVTargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

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
    // 32 vector registers: 8 accumulator groups of 2 (16), the shifted
    // weights of one step (2 groups per channel vector) and temporaries.
    // An e32/m2 group holds VLEN/16 lanes: 8 for any VLEN, more with --vlen.
    if (rvv)
      return tileKernel(ctx, "dot4.rvv.vmacc", vlen / 16, 8, 2, outChannels,
                        pixels, /*signedInput=*/true);
    return tileKernel(ctx, "dot4.generic", 16, 4, 1, outChannels, pixels);
  }

  bool supportsKernel(KernelAttr kernel) const override {
    StringRef name = kernel.getName();
    return name == "dot4.generic" ||
           (name == "dot4.rvv.vmacc" && rvv && kernel.getSignedInput() &&
            kernel.getLanes() <= vlen / 16);
  }

  Value emitDot4(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    if (kernel.getName() != "dot4.rvv.vmacc")
      return emitGenericDot4(b, loc, acc, u, s, kernel.getSignedInput());
    // Both operands as i32 lanes of 4 bytes; byte j sign-extended by two
    // shifts. An activation broadcast from one scalar 4-byte group (the conv
    // kernels) is shifted as that scalar and broadcast after, so each
    // product-sum is a vmacc.vx; per-lane activations (depthwise) give
    // vmacc.vv.
    auto accType = cast<VectorType>(acc.getType());
    Value w = vector::BitCastOp::create(b, loc, accType, s);
    auto byte = [&](Value v, int64_t j) -> Value {
      Type t = v.getType();
      Value shifted = v;
      if (j < 3)
        shifted = arith::ShLIOp::create(b, loc, v, constant(b, loc, t, 24 - 8 * j));
      return arith::ShRSIOp::create(b, loc, shifted, constant(b, loc, t, 24));
    };
    Value scalar;
    if (auto cast = u.getDefiningOp<vector::BitCastOp>())
      if (auto splat = cast.getSource().getDefiningOp<vector::BroadcastOp>())
        if (splat.getSource().getType() == b.getI32Type())
          scalar = splat.getSource();
    // A broadcast group loaded from memory as 4 bytes: load each byte
    // sign-extended (lb) instead of shifting the word.
    if (scalar)
      if (auto bytes = loadedBytes(scalar)) {
        for (int64_t j = 0; j < 4; ++j) {
          Value at = arith::AddIOp::create(
              b, loc, bytes.getIndices()[0],
              arith::ConstantIndexOp::create(b, loc, j));
          Value xj = arith::ExtSIOp::create(
              b, loc, b.getI32Type(),
              memref::LoadOp::create(b, loc, bytes.getBase(), ValueRange{at}));
          xj = vector::BroadcastOp::create(b, loc, accType, xj);
          acc = arith::AddIOp::create(
              b, loc, acc, arith::MulIOp::create(b, loc, byte(w, j), xj));
        }
        return acc;
      }
    Value x = scalar ? scalar : vector::BitCastOp::create(b, loc, accType, u).getResult();
    for (int64_t j = 0; j < 4; ++j) {
      Value xj = byte(x, j);
      if (scalar)
        xj = vector::BroadcastOp::create(b, loc, accType, xj);
      acc = arith::AddIOp::create(b, loc, acc,
                                  arith::MulIOp::create(b, loc, byte(w, j), xj));
    }
    return acc;
  }

private:
  /// The 4-byte vector.load a broadcast word comes from (through
  /// vector.bitcast to <1 x i32> and vector.extract), if it does.
  static vector::LoadOp loadedBytes(Value word) {
    auto extract = word.getDefiningOp<vector::ExtractOp>();
    if (!extract)
      return {};
    auto cast = extract.getSource().getDefiningOp<vector::BitCastOp>();
    if (!cast)
      return {};
    auto load = cast.getSource().getDefiningOp<vector::LoadOp>();
    if (!load || load.getVectorType().getNumElements() != 4 ||
        load.getIndices().size() != 1)
      return {};
    return load;
  }

  static Value constant(OpBuilder &b, Location loc, Type t, int64_t v) {
    if (auto vt = dyn_cast<VectorType>(t))
      return arith::ConstantOp::create(
          b, loc, vt, DenseElementsAttr::get(vt, b.getIntegerAttr(vt.getElementType(), v)));
    return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
  }

  bool rvv;
  int64_t vlen;
};

} // namespace

std::unique_ptr<TargetInfo> createRISCVTargetInfo(TargetAttr target) {
  return std::make_unique<RISCVTargetInfo>(target);
}

} // namespace qc
