//===- TargetInfo.cpp - target names and the generic kernel ---------------===//

#include "qc/Target/TargetInfo.h"
#include "AArch64/AArch64TargetInfo.h"
#include "RISCV/RISCVTargetInfo.h"
#include "X86/X86TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace qc {

TargetInfo::~TargetInfo() = default;

namespace {
/// The named targets: triple, CPU (tuning and the instructions it implies)
/// and features.
struct NamedTarget {
  const char *name, *triple, *cpu, *features;
};
constexpr NamedTarget kTargets[] = {
    {"generic", "x86_64-unknown-linux-gnu", "x86-64", ""},
    {"x86_64-avx512vnni", "x86_64-unknown-linux-gnu", "icelake-server",
     "+avx512f,+avx512bw,+avx512vl,+avx512vnni"},
    // AMX (Sapphire Rapids and later): tdpbusd tiles for convolutions,
    // AVX-512 VNNI for the rest.
    {"x86_64-amx", "x86_64-unknown-linux-gnu", "sapphirerapids",
     "+avx512f,+avx512bw,+avx512vl,+avx512vnni,+amx-tile,+amx-int8"},
    {"x86_64-avxvnni", "x86_64-unknown-linux-gnu", "alderlake",
     "+avx2,+fma,+avxvnni"},
    {"x86_64-avx2", "x86_64-unknown-linux-gnu", "haswell", "+avx2,+fma"},
    // AArch64: v8.0 NEON; v8.2 dot product (tuned for Neoverse N1, which
    // has no SVE); v8.6 int8 matrix multiply (usdot/smmla), NEON only.
    {"aarch64-neon", "aarch64-unknown-linux-gnu", "generic", "+neon"},
    {"aarch64-dotprod", "aarch64-unknown-linux-gnu", "neoverse-n1",
     "+neon,+dotprod"},
    {"aarch64-i8mm", "aarch64-unknown-linux-gnu", "generic",
     "+neon,+dotprod,+i8mm"},
    // RISC-V: RV64GC with the vector extension 1.0; code is correct for any
    // VLEN >= 128 (see specializeVectorLength).
    {"riscv64-rvv", "riscv64-unknown-linux-gnu", "generic-rv64",
     "+m,+a,+f,+d,+c,+v"},
};
} // namespace

StringRef knownTargetNames() {
  static const std::string names = [] {
    std::string s = "host";
    for (const NamedTarget &t : kTargets)
      s += std::string(", ") + t.name;
    return s;
  }();
  return names;
}

FailureOr<TargetAttr> resolveTarget(MLIRContext *ctx, StringRef name,
                                    std::string &error) {
  if (name == "host") {
    std::string features;
    for (const auto &f : llvm::sys::getHostCPUFeatures()) {
      if (!features.empty())
        features += ",";
      features += (f.second ? "+" : "-") + f.first().str();
    }
    return TargetAttr::get(ctx, "host", llvm::sys::getDefaultTargetTriple(),
                           llvm::sys::getHostCPUName(), features);
  }
  for (const NamedTarget &t : kTargets)
    if (name == t.name)
      return TargetAttr::get(ctx, name, t.triple, t.cpu, t.features);
  error = "unknown target '" + name.str() + "' (known: " +
          knownTargetNames().str() + ")";
  return failure();
}

FailureOr<TargetAttr> specializeVectorLength(TargetAttr target, int64_t vlen,
                                            std::string &error) {
  if (llvm::Triple(target.getTriple()).getArch() != llvm::Triple::riscv64 ||
      !hasFeature(target.getFeatures(), "v")) {
    error = "--vlen applies to RISC-V vector targets (riscv64-rvv), not '" +
            target.getName().str() + "'";
    return failure();
  }
  if (vlen < 128 || vlen > 65536 || (vlen & (vlen - 1)) != 0) {
    error = "--vlen " + std::to_string(vlen) +
            ": the vector length must be a power of two from 128 to 65536";
    return failure();
  }
  std::string features =
      target.getFeatures().str() + ",+zvl" + std::to_string(vlen) + "b";
  return TargetAttr::get(target.getContext(), target.getName(),
                         target.getTriple(), target.getCpu(), features);
}

int64_t minimumVectorLength(TargetAttr target) {
  if (!target)
    return 0;
  SmallVector<StringRef> parts;
  target.getFeatures().split(parts, ',');
  int64_t best = 0;
  for (StringRef f : parts) {
    int64_t bits;
    if (f.consume_front("+zvl") && f.consume_back("b") && !f.getAsInteger(10, bits))
      best = std::max(best, bits);
  }
  return best;
}

bool hasFeature(StringRef features, StringRef name) {
  SmallVector<StringRef> parts;
  features.split(parts, ',');
  return llvm::is_contained(parts, ("+" + name).str());
}

KernelAttr tileKernel(MLIRContext *ctx, StringRef name, int64_t lanes,
                      int64_t budget, int64_t maxChannelBlocks,
                      int64_t outChannels, int64_t pixels, bool signedInput) {
  int64_t blocks = (outChannels + lanes - 1) / lanes;
  int64_t mb = std::clamp<int64_t>(blocks, 1, maxChannelBlocks);
  int64_t nb = std::clamp<int64_t>(budget / mb, 1, std::max<int64_t>(pixels, 1));
  return KernelAttr::get(ctx, name, lanes, nb, mb, signedInput);
}

KernelAttr TargetInfo::selectGroupedKernel(MLIRContext *ctx,
                                           int64_t outChannels,
                                           int64_t groupChannels,
                                           int64_t pixels) const {
  KernelAttr k = selectKernel(ctx, outChannels, pixels);
  const int64_t lanes = k.getLanes();
  int64_t mb = std::max<int64_t>(1, k.getChannelBlocks());
  const int64_t budget = mb * std::max<int64_t>(1, k.getBlock());
  while (mb > 1 && groupChannels % (mb * lanes) != 0)
    --mb;
  const int64_t held = activationGroupsPerLoad(k) == lanes ? 1 : 0;
  const int64_t fit = (vectorRegisters() - mb - 1) / (mb + held);
  const int64_t nb = std::clamp<int64_t>(std::min(budget / mb, fit), 1,
                                         std::max<int64_t>(pixels, 1));
  return KernelAttr::get(ctx, k.getName(), lanes, nb, mb, k.getSignedInput());
}

Value TargetInfo::emitScaleRoundShift(OpBuilder &b, Location loc, Value acc,
                                      Value m, Value s) const {
  auto type = cast<VectorType>(acc.getType());
  auto wide = type.clone(b.getI64Type());
  auto splat = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, wide, DenseElementsAttr::get(wide, b.getI64IntegerAttr(v)));
  };
  Value s64 = arith::ExtSIOp::create(b, loc, wide, s);
  Value t = arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, wide, acc),
                                  arith::ExtSIOp::create(b, loc, wide, m));
  Value round = arith::ShLIOp::create(
      b, loc, splat(1), arith::SubIOp::create(b, loc, s64, splat(1)));
  t = arith::ShRSIOp::create(b, loc, arith::AddIOp::create(b, loc, t, round), s64);
  t = arith::MaxSIOp::create(b, loc, t, splat(INT32_MIN));
  t = arith::MinSIOp::create(b, loc, t, splat(INT32_MAX));
  return arith::TruncIOp::create(b, loc, type, t);
}

Value emitBySlices(OpBuilder &b, Location loc, ValueRange operands,
                   int64_t width, llvm::function_ref<Value(ValueRange)> op) {
  auto type = cast<VectorType>(operands.front().getType());
  Value result = arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
  for (int64_t at = 0; at < type.getNumElements(); at += width) {
    SmallVector<Value> slices;
    for (Value v : operands)
      slices.push_back(
          vector::ExtractStridedSliceOp::create(b, loc, v, {at}, {width}, {1}));
    result = vector::InsertStridedSliceOp::create(b, loc, op(slices), result,
                                                  {at}, {1});
  }
  return result;
}

Value emitGenericDot4(OpBuilder &b, Location loc, Value acc, Value u, Value s,
                      bool signedLhs) {
  auto accType = cast<VectorType>(acc.getType());
  int64_t lanes = accType.getNumElements();
  auto wide = VectorType::get({lanes * 4}, b.getI32Type());
  Value uw = signedLhs ? arith::ExtSIOp::create(b, loc, wide, u).getResult()
                       : arith::ExtUIOp::create(b, loc, wide, u).getResult();
  Value sw = arith::ExtSIOp::create(b, loc, wide, s);
  Value prod = arith::MulIOp::create(b, loc, uw, sw);
  Value grouped = vector::ShapeCastOp::create(
      b, loc, VectorType::get({lanes, 4}, b.getI32Type()), prod);
  return vector::MultiDimReductionOp::create(b, loc, grouped, acc,
                                             ArrayRef<bool>{false, true},
                                             vector::CombiningKind::ADD);
}

namespace {
/// Any CPU: the portable dot product over 16 lanes.
class GenericTargetInfo : public TargetInfo {
public:
  KernelAttr selectKernel(MLIRContext *ctx, int64_t outChannels,
                          int64_t pixels) const override {
    return tileKernel(ctx, "dot4.generic", 16, 4, 1, outChannels, pixels);
  }
  bool supportsKernel(KernelAttr kernel) const override {
    return kernel.getName() == "dot4.generic";
  }
  Value emitDot4(OpBuilder &b, Location loc, KernelAttr kernel, Value acc,
                 Value u, Value s) const override {
    return emitGenericDot4(b, loc, acc, u, s, kernel.getSignedInput());
  }
};
} // namespace

std::unique_ptr<TargetInfo> getTargetInfo(TargetAttr target) {
  if (!target)
    return std::make_unique<GenericTargetInfo>();
  switch (llvm::Triple(target.getTriple()).getArch()) {
  case llvm::Triple::x86_64:
    return createX86TargetInfo(target);
  case llvm::Triple::aarch64:
    return createAArch64TargetInfo(target);
  case llvm::Triple::riscv64:
    return createRISCVTargetInfo(target);
  default:
    return std::make_unique<GenericTargetInfo>();
  }
}

} // namespace qc
