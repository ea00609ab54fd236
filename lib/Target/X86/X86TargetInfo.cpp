//===- X86TargetInfo.cpp - x86-64: AVX-512 VNNI, AVX-VNNI, fallback ------===//
//
// With AVX-512 VNNI the 4-way dot product is one `vpdpbusd` on zmm registers
// (u8 × s8 → i32, no saturation of the products' sum); with AVX-VNNI (no
// AVX-512) the same instruction, VEX-encoded, on ymm registers. With AVX2
// alone (`dot4.vpmaddwd.ymm`) each i32 lane's 4 bytes split into their even
// and odd bytes as i16 (`vpand`/`vpsrlw` for the unsigned activations,
// `vpsllw`+`vpsraw`/`vpsraw` for the signed weights) and two `vpmaddwd`
// add the pairs: |u·s| <= 255·128, so no sum saturates, unlike
// `vpmaddubsw` on unsigned activations, whose i16 sum of two products does
// (255·127·2 > 32767). Where every weight lies in [-127, 127] (qc's own
// symmetric quantization) `dot4.vpmaddubsw.ymm` reads the activations signed
// and multiplies |x| by the weight with x's sign (`vpabsb`, `vpsignb`):
// |x| <= 128 and |w| <= 127 keep each pair sum within 2·128·127 = 32512, so
// `vpmaddubsw` is exact, and `vpmaddwd` by ones adds the pairs (4
// instructions per 32 products against 4 + the splits'). A dense layer whose
// weights hold a few -128s takes it too, corrected after the reduction
// (qc-convert-qc-to-loops, convDot).
// Without AVX2 the portable widening dot product is used.
//
// With AMX, convolutions whose reduction fills a tile row (>= 32 input
// channels, or a kernel row of a few channels) use `tdpbusd` tiles instead
// (kernel `tile.tdpbusd`, lowered by qc-convert-qc-to-loops): C[M x 16] +=
// A[M x K] · B[K x 16] with M output pixels, 16 output channels and K <= 64
// bytes of the reduction per step.
//
//===----------------------------------------------------------------------===//

#include "X86TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace qc {
namespace {

class X86TargetInfo : public TargetInfo {
public:
  explicit X86TargetInfo(TargetAttr target)
      : vnni512(hasFeature(target.getFeatures(), "avx512vnni") &&
                hasFeature(target.getFeatures(), "avx512bw")),
        vnni256(hasFeature(target.getFeatures(), "avxvnni") ||
                (hasFeature(target.getFeatures(), "avx512vnni") &&
                 hasFeature(target.getFeatures(), "avx512vl"))),
        amx(hasFeature(target.getFeatures(), "amx-tile") &&
            hasFeature(target.getFeatures(), "amx-int8")),
        avx2(hasFeature(target.getFeatures(), "avx2")),
        avx512(hasFeature(target.getFeatures(), "avx512f")),
        maskedBytes(hasFeature(target.getFeatures(), "avx512bw") &&
                    hasFeature(target.getFeatures(), "avx512vl")) {}

  KernelAttr selectTileKernel(MLIRContext *ctx,
                              const ConvProblem &p) const override {
    // A tile row holds up to 64 bytes of the reduction: below 32 input
    // channels most of each tdpbusd would multiply padding. With a reduction
    // shorter than 64 (a 1x1 conv of 32 channels) storing and requantizing
    // the accumulator tiles costs more than the vector kernel's whole work
    // (bench: mbv2.pw 1x1 32>16 77 µs on tiles, 70 µs on zmm).
    // Below 32 channels (an RGB stem) a step of the reduction can be a whole
    // kernel row of up to 64 bytes instead, where the columns are not
    // dilated (qc-convert-qc-to-loops does so then). Measured: a 7x7 RGB
    // stem (28-byte rows) 0.57x the zmm kernel's time, a 3x3 one of 16
    // channels (48) 0.6-0.8x; a 3x3 RGB stem (12) 1.3x, 8 channels (24)
    // 0.5-1.1x (noise): rows of 28 bytes or more.
    int64_t rowBytes = p.kernelWidth * ((p.inChannels + 3) / 4 * 4);
    bool rowSteps = p.columnDilation == 1 && rowBytes >= 28 && rowBytes <= 64;
    if (!amx || (p.inChannels < 32 && !rowSteps) ||
        p.inChannels * p.taps < 64 || p.outChannels < 16)
      return {};
    // M pixels per A tile (one tile's rows lie at one stride in the image).
    // With stride 1, 16: tiles run over the padded image's grid of window
    // origins, a last shorter one ends at the last output pixel (a tdpbusd
    // costs about the same for 7 rows as for 16: bench/peak.c). Otherwise
    // the largest divisor of an output row up to 16.
    int64_t m = 16;
    while (!p.unitStride && m > 1 && p.rowPixels % m != 0)
      --m;
    if (m < 7)
      return {};
    int64_t channelBlocks = p.outChannels > 16 ? 2 : 1;
    return KernelAttr::get(ctx, "tile.tdpbusd", 16, m, channelBlocks,
                           /*signedInput=*/false);
  }

  KernelAttr selectKernel(MLIRContext *ctx, int64_t outChannels,
                          int64_t pixels) const override {
    // 32 zmm registers: up to 24 accumulators, the weight vectors of the
    // tile and a broadcast input; at most 4 channel vectors (64 channels)
    // per tile, at least 6 pixels then.
    if (vnni512)
      return tileKernel(ctx, "dot4.vpdpbusd.zmm", 16, 24, 4, outChannels,
                        pixels);
    // 16 ymm registers: up to 12 accumulators (at most 2 channel vectors),
    // their weight vectors and the broadcast input.
    if (vnni256)
      return tileKernel(ctx, "dot4.vpdpbusd.ymm", 8, 12, 2, outChannels,
                        pixels);
    // 16 ymm registers: 8 accumulators (2 channel vectors), the even and
    // odd i16 halves of their weights and of one pixel's activations.
    if (avx2)
      return tileKernel(ctx, "dot4.vpmaddwd.ymm", 8, 8, 2, outChannels,
                        pixels);
    return tileKernel(ctx, "dot4.generic", 16, 4, 1, outChannels, pixels);
  }

  bool supportsKernel(KernelAttr kernel) const override {
    StringRef name = kernel.getName();
    return name == "dot4.generic" || (name == "dot4.vpdpbusd.zmm" && vnni512) ||
           (name == "dot4.vpdpbusd.ymm" && vnni256) ||
           (name == "dot4.vpmaddwd.ymm" && avx2 && kernel.getLanes() == 8 &&
            !kernel.getSignedInput()) ||
           (name == "dot4.vpmaddubsw.ymm" && avx2 && kernel.getLanes() == 8 &&
            kernel.getSignedInput()) ||
           (name == "tile.tdpbusd" && amx && kernel.getLanes() == 16 &&
            kernel.getBlock() >= 1 && kernel.getBlock() <= 16 &&
            kernel.getChannelBlocks() >= 1 && kernel.getChannelBlocks() <= 2 &&
            !kernel.getSignedInput());
  }

  Value emitDot4(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    // One intrinsic per width; LLVM encodes the 256-bit one as EVEX with
    // AVX512VL and as `{vex} vpdpbusd` with AVX-VNNI only.
    StringRef intrinsic =
        llvm::StringSwitch<StringRef>(kernel.getName())
            .Case("dot4.vpdpbusd.zmm", "llvm.x86.avx512.vpdpbusd.512")
            .Case("dot4.vpdpbusd.ymm", "llvm.x86.avx512.vpdpbusd.256")
            .Default("");
    if (!intrinsic.empty())
      return LLVM::CallIntrinsicOp::create(b, loc, acc.getType(),
                                           b.getStringAttr(intrinsic),
                                           ValueRange{acc, u, s})
          .getResult(0);
    if (kernel.getName() == "dot4.vpmaddwd.ymm")
      return emitMaddwdDot4(b, loc, acc, u, s);
    if (kernel.getName() == "dot4.vpmaddubsw.ymm")
      return emitSignDot4(b, loc, acc, u, s);
    return emitGenericDot4(b, loc, acc, u, s, kernel.getSignedInput());
  }

  /// acc += Σ_{j<4} u[4l+j]·s[4l+j] on 8 lanes (u unsigned) with two
  /// `vpmaddwd`: viewed as 16 i16, u's even bytes are u & 0xff and its odd
  /// ones u >> 8 (logical); s's even bytes (s << 8) >> 8 and its odd ones
  /// s >> 8 (arithmetic). Each i32 lane of a `vpmaddwd` adds two products
  /// of at most 255·128 in magnitude, so nothing saturates.
  static Value emitMaddwdDot4(OpBuilder &b, Location loc, Value acc, Value u,
                              Value s) {
    auto halves = VectorType::get({16}, b.getI16Type());
    auto cst = [&](int64_t v) {
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(halves, b.getI16IntegerAttr(v)));
    };
    Value uh = vector::BitCastOp::create(b, loc, halves, u);
    Value sh = vector::BitCastOp::create(b, loc, halves, s);
    Value k8 = cst(8);
    Value uEven = arith::AndIOp::create(b, loc, uh, cst(0xff));
    Value uOdd = arith::ShRUIOp::create(b, loc, uh, k8);
    Value sEven = arith::ShRSIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, sh, k8), k8);
    Value sOdd = arith::ShRSIOp::create(b, loc, sh, k8);
    auto madd = [&](Value x, Value y) {
      return LLVM::CallIntrinsicOp::create(b, loc, acc.getType(),
                                           b.getStringAttr("llvm.x86.avx2.pmadd.wd"),
                                           ValueRange{x, y})
          .getResult(0);
    };
    Value sum = arith::AddIOp::create(b, loc, acc, madd(uEven, sEven));
    return arith::AddIOp::create(b, loc, sum, madd(uOdd, sOdd));
  }

  /// acc += Σ_{j<4} x[4l+j]·w[4l+j] on 8 lanes, x signed and every w in
  /// [-127, 127]: `vpmaddubsw`(|x|, sign(w, x)) forms the pair sums in i16
  /// (|x| <= 128 unsigned, so 2·128·127 at most: no saturation; -w never
  /// overflows), `vpmaddwd` by ones adds the pairs into i32.
  static Value emitSignDot4(OpBuilder &b, Location loc, Value acc, Value x,
                            Value w) {
    auto bytes = cast<VectorType>(x.getType());
    auto halves = VectorType::get({16}, b.getI16Type());
    auto call = [&](StringRef name, Type type, ValueRange args) {
      return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(name),
                                           args)
          .getResult(0);
    };
    Value magnitude = LLVM::AbsOp::create(b, loc, bytes, x, /*is_int_min_poison=*/false);
    Value signedW = call("llvm.x86.avx2.psign.b", bytes, {w, x});
    Value pairs = call("llvm.x86.avx2.pmadd.ub.sw", halves, {magnitude, signedW});
    Value ones = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(halves, b.getI16IntegerAttr(1)));
    return arith::AddIOp::create(
        b, loc, acc, call("llvm.x86.avx2.pmadd.wd", acc.getType(), {pairs, ones}));
  }

  KernelAttr narrowWeightKernel(MLIRContext *ctx, KernelAttr kernel,
                                int64_t outChannels, int64_t pixels,
                                bool grouped) const override {
    if (!kernel || kernel.getName() != "dot4.vpmaddwd.ymm")
      return kernel;
    if (grouped)
      return KernelAttr::get(ctx, "dot4.vpmaddubsw.ymm", kernel.getLanes(),
                             kernel.getBlock(), kernel.getChannelBlocks(),
                             /*signedInput=*/true);
    // 16 ymm registers: up to 10 accumulators and a step's weight vectors
    // (at most 4: 4 x 2, 3 x 3, 2 x 5 or 1 x 10 pixels), a pixel's
    // activations and their magnitudes, the ones of vpmaddwd. On Zen 3
    // (llvm-mca, a 3x3 256>256 layer's loop) 4 vectors x 2 pixels take 1.2
    // cycles per dot product, 2 x 4 1.42: the products go to 2 of the 4
    // vector pipes, and vpsignb, vpabsb, the adds and broadcasts to the
    // rest; fewer pixels per weight vector share each vpabsb more widely.
    return tileKernel(ctx, "dot4.vpmaddubsw.ymm", 8, 10, 4, outChannels,
                      pixels, /*signedInput=*/true);
  }

  bool needsNarrowWeights(KernelAttr kernel) const override {
    return kernel && kernel.getName() == "dot4.vpmaddubsw.ymm";
  }

  bool prefersClampedEpilogue() const override { return true; }
  // AVX2 narrows with vpackssdw/vpacksswb (within 128-bit halves, LLVM
  // restores the order with vpermq): 6 instructions for 4 vectors.
  bool hasSaturatingNarrow() const override { return vnni512 || avx2; }
  bool hasArithmeticShift64() const override { return avx512; }
  int64_t saturatingNarrowVectors() const override { return avx512 ? 1 : 4; }
  bool hasMaskedByteStore() const override { return maskedBytes; }
  int64_t vectorRegisters() const override { return avx512 ? 32 : 16; }

private:
  bool vnni512, vnni256, amx, avx2, avx512, maskedBytes;
};

} // namespace

std::unique_ptr<TargetInfo> createX86TargetInfo(TargetAttr target) {
  return std::make_unique<X86TargetInfo>(target);
}

} // namespace qc
