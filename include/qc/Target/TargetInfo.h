//===- TargetInfo.h - what qc needs to know about one ISA -------*- C++ -*-===//
//
// The one small interface behind which ISA-specific code lives: how a target
// name resolves to a triple/CPU/features, which dot-product kernel it gets,
// and how that kernel's 4-way int8 dot product is emitted. One file per ISA.
//
//===----------------------------------------------------------------------===//

#ifndef QC_TARGET_TARGETINFO_H
#define QC_TARGET_TARGETINFO_H

#include "qc/Dialect/QC/IR/QC.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>

namespace qc {

/// Resolves `--target` (`host`, `generic`, `x86_64-avx512vnni`,
/// `x86_64-amx`, `x86_64-avxvnni`, `x86_64-avx2`, `aarch64-neon`, `aarch64-dotprod`,
/// `aarch64-i8mm`, `riscv64-rvv`) to a target attribute; an unknown name is
/// an error naming the known ones.
mlir::FailureOr<TargetAttr> resolveTarget(mlir::MLIRContext *ctx,
                                          llvm::StringRef name,
                                          std::string &error);

/// `target` specialized for vector length `vlen` (bits): RISC-V with the
/// vector extension only, a power of two from 128 to 65536 (feature
/// +zvl<vlen>b); otherwise an error naming what is wrong.
mlir::FailureOr<TargetAttr> specializeVectorLength(TargetAttr target,
                                                   int64_t vlen,
                                                   std::string &error);

/// The minimum vector length (bits) `target` was specialized for (its
/// largest +zvl<N>b feature), 0 if none.
int64_t minimumVectorLength(TargetAttr target);

/// The names `resolveTarget` accepts, for messages and `--help`.
llvm::StringRef knownTargetNames();

/// What a matrix-tile kernel needs to know about a groups = 1 convolution.
struct ConvProblem {
  int64_t inChannels, outChannels, pixels;
  int64_t taps; ///< kernel height × width
  /// Pixels of an output row (their windows lie one stride apart in the
  /// padded input image).
  int64_t rowPixels;
  /// Kernel columns and their dilation: a kernel row's taps lie next to each
  /// other in an NHWC image when the dilation is 1.
  int64_t kernelWidth, columnDilation;
  /// Stride 1 in both dimensions: the windows of any run of positions of
  /// the padded image's grid lie one pixel apart (the positions past an
  /// output row's end, whose windows wrap into the next rows, are computed
  /// and discarded).
  bool unitStride;
};

/// The code-generation facts of one ISA.
class TargetInfo {
public:
  virtual ~TargetInfo();

  /// The kernel a conv or fully-connected op with `outChannels` outputs per
  /// pixel and `pixels` output pixels gets on this target (its register
  /// tile fitted to the shape).
  virtual KernelAttr selectKernel(mlir::MLIRContext *ctx, int64_t outChannels,
                                  int64_t pixels) const = 0;

  /// A matrix-tile kernel (`tile.*`, e.g. AMX) for a groups = 1
  /// convolution, or null where the target has none or the shape suits the
  /// vector kernel better.
  virtual KernelAttr selectTileKernel(mlir::MLIRContext *ctx,
                                      const ConvProblem &problem) const {
    return {};
  }

  /// acc[2i+j] += Σ_{k<8} zext(u[8i+k]) · sext(s[8j+k]) (qc.mmla); only
  /// targets whose supportsKernel accepts an `mmla.*` kernel are asked.
  virtual mlir::Value emitMmla(mlir::OpBuilder &b, mlir::Location loc,
                               KernelAttr kernel, mlir::Value acc,
                               mlir::Value u, mlir::Value s) const {
    return {};
  }

  /// How many consecutive 4-byte activation groups a conv kernel loads at
  /// once and broadcasts lane by lane (1: each group is loaded and
  /// broadcast on its own). AArch64 loads 4 (16 bytes) so that the
  /// broadcast folds into the dot product's by-element form
  /// (`sdot v.4s, v.16b, v.4b[i]`), which needs no separate dup.
  virtual int64_t activationGroupsPerLoad(KernelAttr kernel) const {
    return 1;
  }

  /// Whether requantize epilogues should use `qc.scale_shift` (lowered by
  /// emitScaleRoundShift into the ISA's fixed-point instructions) rather
  /// than the portable i64 form with precomputed rounding terms.
  virtual bool hasScaleRoundShift() const { return false; }

  /// qc.scale_shift, sat_i32((acc·m + 2^(s−1)) >> s) lane by lane — the
  /// reference's requantize before the output zero point, rounding half up
  /// with the 64-bit product rounded once; `acc`, `m` and `s` are
  /// vector<L x i32> (0 <= m < 2^31, 1 <= s <= 62). The default is the
  /// portable i64 form.
  virtual mlir::Value emitScaleRoundShift(mlir::OpBuilder &b,
                                          mlir::Location loc, mlir::Value acc,
                                          mlir::Value m, mlir::Value s) const;

  /// Whether requantize epilogues (without a fused residual) should clamp
  /// the accumulator first and form the 64-bit products on even and odd
  /// i32 lanes in turn (x86: vpmuldq reads the even ones), which needs no
  /// saturating narrow and no widening of the accumulators.
  virtual bool prefersClampedEpilogue() const { return false; }

  /// Whether i32 lanes narrow to i8 with signed saturation cheaply (x86
  /// AVX-512: vpmovsdb; AVX2: vpackssdw and vpacksswb). Then an epilogue
  /// whose results provably fit in i32 skips the accumulator clamp of the
  /// clamped form and saturates instead, and applies only the bounds of the
  /// output clamp that are not the int8 range's.
  virtual bool hasSaturatingNarrow() const { return false; }

  /// Whether i64 lanes shift right arithmetically by per-lane amounts in one
  /// instruction (x86 AVX-512: vpsravq). Without it the saturating epilogue
  /// needs every shift >= 32, applied to the products' high halves as i32.
  virtual bool hasArithmeticShift64() const { return false; }

  /// How many vectors of i32 lanes the saturating narrow should combine
  /// into one vector of bytes (x86 AVX2: 4, two vpackssdw and a vpacksswb
  /// for 32 bytes where one 8-lane vector alone takes three instructions;
  /// AVX-512: 1, vpmovsdb). An epilogue narrows a pixel's channel vectors
  /// together, up to this many, and stores them as one.
  virtual int64_t saturatingNarrowVectors() const { return 1; }

  /// Whether a vector of bytes stores under a lane mask in one instruction
  /// (x86 AVX-512BW/VL: vmovdqu8 with a k mask). Then an epilogue stores a
  /// partial channel vector (24 channels: 16 + 8) with its lane mask, not
  /// through a scratch buffer byte by byte; elsewhere LLVM would expand the
  /// masked store into a branch per lane.
  virtual bool hasMaskedByteStore() const { return false; }

  /// The vector registers a kernel can keep values in (x86: 32 with
  /// AVX-512, 16 without; AArch64 and RVV: 32).
  virtual int64_t vectorRegisters() const { return 16; }

  /// The kernel of a grouped conv (1 < groups) with `groupChannels` output
  /// channels per group: selectKernel's, its register tile reshaped. A
  /// tile's channel vectors share their activations, so they lie in one
  /// group (as many as divide the group's vectors, else one); the pixels
  /// take the accumulators left, within the vector registers (the
  /// accumulators, a step's weights and, where one load holds a pixel's
  /// activation groups for all lanes, that register per pixel).
  KernelAttr selectGroupedKernel(mlir::MLIRContext *ctx, int64_t outChannels,
                                 int64_t groupChannels, int64_t pixels) const;

  /// The kernel of an op whose weights all lie in [-127, 127] (qc's own
  /// symmetric quantization always gives that; an imported QDQ model may
  /// hold -128), given the one selectKernel chose for its shape (`grouped`:
  /// selectGroupedKernel, whose tile is kept): that one, or a faster one
  /// that needs the narrow range. The default keeps it.
  virtual KernelAttr narrowWeightKernel(mlir::MLIRContext *ctx,
                                        KernelAttr kernel, int64_t outChannels,
                                        int64_t pixels, bool grouped) const {
    return kernel;
  }

  /// Whether `kernel` is exact only on weights in [-127, 127] (one that
  /// narrowWeightKernel gives, or AArch64's smull one). Dense layers whose
  /// weights hold a few -128s still take it: convDot corrects them.
  virtual bool needsNarrowWeights(KernelAttr kernel) const { return false; }

  /// Whether code for `kernel` runs on this target (a kernel recorded in
  /// the IR for another target is chosen again).
  virtual bool supportsKernel(KernelAttr kernel) const = 0;

  /// acc[l] += Σ_{j<4} u[4l+j]·s[4l+j] with `acc` a vector<L x i32>, `u`
  /// unsigned (signed if the kernel has signed_input) and `s` signed
  /// vector<4L x i8>, exactly (no saturation).
  virtual mlir::Value emitDot4(mlir::OpBuilder &b, mlir::Location loc,
                               KernelAttr kernel, mlir::Value acc,
                               mlir::Value u, mlir::Value s) const = 0;
};

/// Whether a comma-separated LLVM feature list enables `name` ("+name").
bool hasFeature(llvm::StringRef features, llvm::StringRef name);

/// The target info for a module's `qc.target` (generic if there is none).
std::unique_ptr<TargetInfo> getTargetInfo(TargetAttr target);

/// A register tile of at most `budget` accumulator vectors of `lanes`
/// channels for `outChannels` × `pixels` outputs: up to `maxChannelBlocks`
/// channel vectors, the rest of the budget in pixels.
KernelAttr tileKernel(mlir::MLIRContext *ctx, llvm::StringRef name,
                      int64_t lanes, int64_t budget, int64_t maxChannelBlocks,
                      int64_t outChannels, int64_t pixels,
                      bool signedInput = false);

/// `op` applied to consecutive slices of `width` lanes of `operands` (1-D
/// vectors of one length, which `width` divides) and the slices' results
/// put back together as a vector of the first operand's type — for ISA
/// sequences narrower than the kernel's vectors.
mlir::Value emitBySlices(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::ValueRange operands, int64_t width,
                         llvm::function_ref<mlir::Value(mlir::ValueRange)> op);

/// The portable 4-way dot product (widen, multiply, reduce), which every ISA
/// falls back to; `u` is widened signed if `signedLhs`.
mlir::Value emitGenericDot4(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value acc, mlir::Value u, mlir::Value s,
                            bool signedLhs = false);

} // namespace qc

#endif // QC_TARGET_TARGETINFO_H
