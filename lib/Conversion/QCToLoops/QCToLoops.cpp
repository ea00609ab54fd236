//===- QCToLoops.cpp - integer graph ⇒ buffers, loops, vector kernels -----===//
//
// The function becomes `@main(inputs..., outputs...)` over flat f32 buffers:
// each tensor gets a flat buffer (reshape aliases its input's), each op becomes
// loops. Conv and fully-connected run one register-blocked kernel: weights are
// packed at compile time into [O/L][KH][KW][C/4][L][4], activations are copied
// once into a padded u8 image (x + 128; padding holds the real zero) unless
// their producer conv stored them so and nothing is padded, and the
// +128 and input-zero-point compensation is folded into the bias:
//   Σ (x − zx)·w = Σ (x + 128)·w − (128 + zx)·Σ w.
// Every requantization is (acc·m + 2^(s−1)) >> s in 64 bits, then + zp, clamp.
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Dialect/QC/Utils/QuantMath.h"
#include "qc/Target/TargetInfo.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSwitch.h"

#include <numeric>
#include <optional>

namespace qc {
#define GEN_PASS_DEF_CONVERTQCTOLOOPS
#define GEN_PASS_DEF_QCLOWERDOTPRODUCTS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

quant::UniformQuantizedType quantOf(Value v) {
  return cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(v.getType()).getElementType());
}

int64_t numElements(Value v) {
  return cast<ShapedType>(v.getType()).getNumElements();
}

/// Per-channel weight scales of a weight value (one per output channel).
SmallVector<double> weightScales(Value w, int64_t channels) {
  Type e = cast<RankedTensorType>(w.getType()).getElementType();
  if (auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(e))
    return SmallVector<double>(axis.getScales());
  return SmallVector<double>(channels,
                             cast<quant::UniformQuantizedType>(e).getScale());
}

/// The constant i8 storage behind a quantized weight value.
FailureOr<SmallVector<int8_t>> constantWeight(Value w) {
  if (auto sc = w.getDefiningOp<quant::StorageCastOp>())
    w = sc.getInput();
  DenseElementsAttr attr;
  if (!matchPattern(w, m_Constant(&attr)) ||
      !attr.getElementType().isInteger(8))
    return failure();
  return llvm::to_vector(attr.getValues<int8_t>());
}

FailureOr<SmallVector<int32_t>> constantBias(Value b, int64_t channels) {
  if (!b)
    return SmallVector<int32_t>(channels, 0);
  DenseElementsAttr attr;
  if (!matchPattern(b, m_Constant(&attr)))
    return failure();
  return llvm::to_vector(attr.getValues<int32_t>());
}

/// Builds the loops and constants of one function.
class Emitter {
public:
  Emitter(OpBuilder &b, ModuleOp module, Block *entry, Location loc)
      : b(b), module(module), entry(entry), loc(loc) {}

  OpBuilder &b;
  ModuleOp module;
  Block *entry;
  Location loc;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value intConst(int64_t v, Type t) {
    return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  /// ((a·B + b)·C + c)… for index values and constant extents.
  Value linear(ArrayRef<Value> idx, ArrayRef<int64_t> extents) {
    Value r = idx[0];
    for (size_t i = 1; i < idx.size(); ++i)
      r = add(mul(r, index(extents[i])), idx[i]);
    return r;
  }

  /// A private constant global holding `values`; returns its flat memref.
  template <typename T>
  Value global(ArrayRef<T> values, Type elem) {
    auto type = MemRefType::get({static_cast<int64_t>(values.size())}, elem);
    auto tensorType = RankedTensorType::get(type.getShape(), elem);
    std::string name = "__qc_const_" + std::to_string(counter++);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      memref::GlobalOp::create(b, loc, name, b.getStringAttr("private"), type,
                               DenseElementsAttr::get(tensorType, values),
                               /*constant=*/true, b.getI64IntegerAttr(64));
    }
    return memref::GetGlobalOp::create(b, loc, type, name);
  }

  /// A heap buffer of n elements (freed by the buffer deallocation pipeline).
  Value alloc(int64_t n, Type elem) {
    return memref::AllocOp::create(b, loc, MemRefType::get({n}, elem),
                                   b.getI64IntegerAttr(64));
  }

  /// A stack buffer, created once in the entry block.
  Value scratch(int64_t n, Type elem) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    return memref::AllocaOp::create(b, loc, MemRefType::get({n}, elem),
                                    b.getI64IntegerAttr(64));
  }

  /// dst[dstAt + i] = f(src[srcAt + i]) for i < n (n static), in vectors of
  /// 16 bytes and a scalar tail; `f` maps a vector or a scalar.
  void copyBytes(Value src, Value srcAt, Value dst, Value dstAt, int64_t n,
                 llvm::function_ref<Value(Value)> f) {
    const int64_t V = 16;
    auto vt = VectorType::get({V}, b.getI8Type());
    for (int64_t i = 0; i + V <= n; i += V) {
      Value v = vector::LoadOp::create(b, loc, vt, src,
                                       ValueRange{add(srcAt, index(i))});
      vector::StoreOp::create(b, loc, f(v), dst, ValueRange{add(dstAt, index(i))});
    }
    for (int64_t i = n - n % V; i < n; ++i)
      store(f(load(src, add(srcAt, index(i)))), dst, add(dstAt, index(i)));
  }

  /// copyBytes for a long run: a loop over vectors of 64 bytes, then
  /// copyBytes for the rest.
  void copyRun(Value src, Value srcAt, Value dst, Value dstAt, int64_t n,
               llvm::function_ref<Value(Value)> f) {
    const int64_t V = 64, full = n - n % V;
    auto vt = VectorType::get({V}, b.getI8Type());
    if (full > 0)
      loop(0, full, V, [&](Value i) {
        Value v = vector::LoadOp::create(b, loc, vt, src, ValueRange{add(srcAt, i)});
        vector::StoreOp::create(b, loc, f(v), dst, ValueRange{add(dstAt, i)});
      });
    copyBytes(src, add(srcAt, index(full)), dst, add(dstAt, index(full)),
              n - full, f);
  }

  /// Stores the first `count` lanes of vector `v` at mem[at], mem[at+1], ...
  /// through a scratch buffer: for targets without masked byte stores, and
  /// for a mask LLVM 22 knows to hold one lane, which its x86 backend turns
  /// into a store past that lane (a `vmovd` of the wide element, or an
  /// unmasked 16-byte `vpmovsdb` of a truncated vector).
  void storePrefix(Value v, Value mem, Value at, Value count) {
    auto vt = cast<VectorType>(v.getType());
    Value buf = scratch(vt.getNumElements(), vt.getElementType());
    vector::StoreOp::create(b, loc, v, buf, ValueRange{index(0)});
    loop(index(0), count, 1,
         [&](Value i) { store(load(buf, i), mem, add(at, i)); });
  }

  /// if (cond) thenBody() else elseBody()
  void ifElse(Value cond, llvm::function_ref<void()> thenBody,
              llvm::function_ref<void()> elseBody) {
    auto op = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(op.thenBlock()->getTerminator());
    thenBody();
    b.setInsertionPoint(op.elseBlock()->getTerminator());
    elseBody();
  }

  /// for (iv = lb; iv < ub; iv += step) body(iv)
  scf::ForOp loop(Value lb, Value ub, int64_t step,
                  llvm::function_ref<void(Value)> body) {
    auto f = scf::ForOp::create(b, loc, lb, ub, index(step));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(f.getBody()->getTerminator());
    body(f.getInductionVar());
    return f;
  }
  scf::ForOp loop(int64_t lb, int64_t ub, int64_t step,
                  llvm::function_ref<void(Value)> body) {
    return loop(index(lb), index(ub), step, body);
  }
  /// A loop whose iterations write disjoint outputs: marked for
  /// qc-outline-parallel, which runs it on the library's thread pool, when
  /// `work` (multiply-adds; copies count 8 per byte) pays for a dispatch
  /// (a few µs):
  /// small layers stay on the calling thread.
  static constexpr int64_t kParallelWork = int64_t(1) << 21;
  /// The work of one byte copied or compared, and of one element converted
  /// between float and int8 or requantized by scalar code, in multiply-adds.
  static constexpr int64_t kByteWork = 8, kElementWork = 64;
  void parallelLoop(int64_t lb, int64_t ub, int64_t step, int64_t work,
                    llvm::function_ref<void(Value)> body) {
    scf::ForOp f = loop(lb, ub, step, body);
    if (work >= kParallelWork)
      f->setAttr("qc.parallel", b.getUnitAttr());
  }
  /// body(i) for every element i < n of an elementwise op (scalar code per
  /// element), on the pool when there are enough of them.
  void elementwise(int64_t n, llvm::function_ref<void(Value)> body) {
    parallelLoop(0, n, 1, kElementWork * n, body);
  }
  /// A loop carrying `init`; body returns the next values.
  SmallVector<Value>
  loopCarried(int64_t lb, int64_t ub, ValueRange init,
              llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return loopCarried(index(lb), index(ub), init, body);
  }
  SmallVector<Value>
  loopCarried(Value lb, Value ub, ValueRange init,
              llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto f = scf::ForOp::create(b, loc, lb, ub, index(1), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(f.getBody());
      SmallVector<Value> next = body(f.getInductionVar(), f.getRegionIterArgs());
      scf::YieldOp::create(b, loc, next);
    }
    return SmallVector<Value>(f.getResults());
  }
  void ifThen(Value cond, llvm::function_ref<void()> body) {
    auto op = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(op.thenBlock()->getTerminator());
    body();
  }
  Value load(Value mem, Value i) {
    return memref::LoadOp::create(b, loc, mem, ValueRange{i});
  }
  /// An integer table's element i as an index.
  Value loadIndex(Value mem, Value i) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), load(mem, i));
  }
  void store(Value v, Value mem, Value i) {
    memref::StoreOp::create(b, loc, v, mem, ValueRange{i});
  }

  /// zp + ((acc·m + extra + round) >> s), clamped and truncated to i8
  /// (scalar or vector operands of matching shape; acc is i32, m/round/s and
  /// the optional `extra` term are i64). The shifted value can leave the
  /// i32 range (multipliers above 1), so it is saturated to i32 (one
  /// saturating narrow: vpmovsqd / sqxtn / vnclip), clamped to
  /// [lo − zp, hi − zp] and only then offset by zp — the reference's
  /// clamp(zp + v, lo, hi) without an i32 overflow.
  Value requantize(Value acc, Value m, Value round, Value s, int64_t zp,
                   int64_t lo, int64_t hi, Value extra = {}) {
    Type accType = acc.getType();
    Type wide = b.getI64Type(), narrow = accType;
    if (auto v = dyn_cast<VectorType>(accType))
      wide = v.clone(b.getI64Type());
    Value t = mul(arith::ExtSIOp::create(b, loc, wide, acc), m);
    if (extra)
      t = add(t, extra);
    t = add(t, round);
    t = arith::ShRSIOp::create(b, loc, t, s);
    t = arith::MaxSIOp::create(b, loc, t, splat(INT32_MIN, wide));
    t = arith::MinSIOp::create(b, loc, t, splat(INT32_MAX, wide));
    return clampOffset(arith::TruncIOp::create(b, loc, narrow, t), zp, lo, hi);
  }
  /// clamp(zp + v, lo, hi) as i8 for a scaled i32 value v (scalar or
  /// vector): v is clamped to [lo − zp, hi − zp] first, so the addition
  /// cannot overflow.
  Value clampOffset(Value v, int64_t zp, int64_t lo, int64_t hi) {
    Type narrow = v.getType(), bytes = b.getI8Type();
    if (auto vt = dyn_cast<VectorType>(narrow))
      bytes = vt.clone(b.getI8Type());
    v = arith::MaxSIOp::create(b, loc, v, splat(lo - zp, narrow));
    v = arith::MinSIOp::create(b, loc, v, splat(hi - zp, narrow));
    v = add(v, splat(zp, narrow));
    return arith::TruncIOp::create(b, loc, bytes, v);
  }
  Value splat(int64_t v, Type t) {
    if (auto vt = dyn_cast<VectorType>(t))
      return arith::ConstantOp::create(
          b, loc, vt, DenseElementsAttr::get(vt, b.getIntegerAttr(vt.getElementType(), v)));
    return intConst(v, t);
  }

private:
  static inline int counter = 0;
};

/// Per-channel (m, round, shift) tables in i64 for requantize.
struct RequantTables {
  SmallVector<int64_t> m, round, shift;
  void push(double real) {
    qc::FixedPointMultiplier fp = qc::quantizeMultiplier(real);
    m.push_back(fp.multiplier);
    shift.push_back(fp.shift);
    round.push_back(int64_t(1) << (fp.shift - 1));
  }
  void pad() { m.push_back(0); shift.push_back(1); round.push_back(1); }
};

/// A fused skip connection: its buffer, zero point and per-channel
/// multipliers aligned to the conv's shifts.
struct Residual {
  Value buffer;
  int64_t zeroPoint = 0;
  double realMultiplier = 0; // s_r / s_out
};

/// Geometry of a convolution in NHWC/OHWI.
struct ConvShape {
  int64_t n, h, w, c, o, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups, oh, ow;
};

/// The input channels each block of a conv's output channels reduces over.
/// Output channel o reads the input channels of its group, [g·C/groups,
/// (g+1)·C/groups) for g = o / (O/groups); a block of output channels (one
/// tile's channel vectors, which share each activation broadcast) reads
/// one slice [start, start + width) of the input channels (padded to a
/// multiple of 4) covering all its groups, its weights zero outside each
/// channel's own group. `width` is the same for every block (the widest
/// block's) and, as every start, a multiple of 4 (a dot4 step). A dense conv
/// (groups = 1) has one slice, all the channels; a grouped one whose blocks
/// each lie inside one group, with C/groups a multiple of 4, has exactly
/// that group's channels; a block spanning k groups (a vector of 16
/// channels over groups of 4 output channels: k = 4) multiplies k times the
/// work it needs, the price of whole vectors.
struct ChannelSlices {
  int64_t width;
  SmallVector<int64_t> start; // per block
  /// The step between the starts where they are g·step (0 for one slice at
  /// 0), else -1 (a table of them).
  int64_t step;
  /// Input channels per output's reduction, for work estimates: C for a
  /// dense conv, the width for a grouped one.
  int64_t reduced;
};
ChannelSlices channelSlices(const ConvShape &s, int64_t blockChannels) {
  const int64_t cp = ceilDiv(s.c, 4) * 4;
  const int64_t cg = s.c / s.groups, og = s.o / s.groups;
  ChannelSlices r{4, {}, 0, s.c};
  for (int64_t first = 0; first < s.o; first += blockChannels) {
    const int64_t last = std::min(first + blockChannels, s.o) - 1;
    const int64_t lo = first / og * cg / 4 * 4;
    r.start.push_back(lo);
    r.width = std::max(r.width, ceilDiv((last / og + 1) * cg, 4) * 4 - lo);
  }
  // A slice starting as late as its block's first channel may run past
  // the padded channels: it ends at cp instead.
  for (int64_t &start : r.start)
    start = std::min(start, cp - r.width);
  r.step = r.start.size() > 1 ? r.start[1] : 0;
  for (size_t g = 0; g < r.start.size(); ++g)
    if (r.start[g] != int64_t(g) * r.step)
      r.step = -1;
  if (s.groups != 1)
    r.reduced = r.width;
  return r;
}

/// The slice local position of input channel c (< C/groups) of output
/// channel o's group, for block `block` of `slices`.
int64_t sliceChannel(const ConvShape &s, const ChannelSlices &slices,
                     int64_t block, int64_t o, int64_t c) {
  return o / (s.o / s.groups) * (s.c / s.groups) + c - slices.start[block];
}

class Lowering {
public:
  explicit Lowering(Emitter &e) : e(e) {}

  /// For the conv being lowered: its output is stored offset by 128 (x xor
  /// 0x80) for its one consumer (handsOffUnsigned), its input arrives so
  /// from its producer.
  bool offsetOutput = false, offsetInput = false;

  /// The module's target (generic without a `qc.target`).
  const qc::TargetInfo &target() {
    if (!targetInfo)
      targetInfo = qc::getTargetInfo(
          e.module->getAttrOfType<qc::TargetAttr>("qc.target"));
    return *targetInfo;
  }

  /// What a conv's epilogue does besides its multipliers: the output's zero
  /// point and clamp, and the lanes of the vectors storeVectors gets.
  struct EpilogueShape {
    int64_t lanes, zo, lo, hi;
  };

  /// A conv's per-channel requantization as globals for storeVectors, in one
  /// of four forms:
  ///  - clamped (targets that prefer it, no fused residual, every multiplier
  ///    at most 1 and every shift in 31..53): the accumulator range
  ///    [aLo, aHi] whose results lie in the clamp, the multiplier, and per
  ///    vector of `lanes` the rounding terms (zo + 128 folded in) and shifts
  ///    of its even lanes, then of its odd lanes (odd shifts less 32 where
  ///    `oddHigh`: the result lands in the high half);
  ///  - fixed point (targets lowering qc.scale_shift, no fused residual):
  ///    the multiplier and the i32 shift;
  ///  - portable: the multiplier, the i64 rounding term and shift, and the
  ///    fused residual's multiplier;
  ///  - saturating (targets with a saturating narrow, no fused residual,
  ///    every result provably within i32, shifts in 1..53): as clamped but
  ///    without the accumulator range, zo (not zo + 128) in the rounding
  ///    terms, arithmetic shifts, then a saturating narrow and the clamp
  ///    bounds that are not the int8 range's.
  struct EpilogueTables {
    Value m, round, shift, shift32, residualM, aLo, aHi;
    /// Saturating form with every shift >= 32: s − 32 per channel (i32,
    /// lane order), applied to the products' high halves (instead of
    /// `shift`).
    Value highShift;
    /// With `highShift` and every shift >= 33 (evenOddTables): the rounding
    /// terms over 2^32, added to the products' high halves (saturating form:
    /// 2^(s−33) + zo·2^(s−32)) instead of `round` to the products.
    Value highRound;
    bool oddHigh = false, saturating = false;
    int64_t channels; ///< real output channels (lanes from here on are padding)
    bool clamped() const { return static_cast<bool>(aLo); }
    bool evenOdd() const { return clamped() || saturating; }
    bool fixedPoint() const { return static_cast<bool>(shift32); }
  };

  /// The rounding-term and shift tables of the even/odd forms into `tb`:
  /// per channel c < channels with multiplier m >= 0 and shift s in
  /// minShift..53, `term(c, m, s)` gives its rounding term (none: the form
  /// does not apply, and nothing is created). Laid out per vector of L
  /// lanes: its even lanes, then its odd lanes (odd shifts less 32 where
  /// every shift is >= 32, `oddHigh`: the result lands in the high half);
  /// padding channels get term 2^31 and shift 32. With `highHalves` and
  /// every shift >= 32, the shifts are instead s − 32 as i32 in lane order
  /// (`highShift`), for the products' high halves (on targets without 64-bit
  /// arithmetic shifts `highHalves` needs this); and where every shift is
  /// >= 33 and every term a multiple of 2^32 (at most 2^61 in magnitude),
  /// the terms are added to the gathered high halves instead, term / 2^32
  /// as i32 in lane order (`highRound`, no `round` table): hi32(P + term) =
  /// hi32(P) + term / 2^32 exactly, and |P| < 2^62 keeps it in i32.
  bool evenOddTables(const RequantTables &t, int64_t channels, int64_t L,
                     int64_t minShift, bool highHalves,
                     llvm::function_ref<std::optional<int64_t>(int64_t, int64_t, int64_t)> term,
                     EpilogueTables &tb) {
    if (L % 2 != 0)
      return false;
    const int64_t n = ceilDiv(static_cast<int64_t>(t.m.size()), L) * L;
    SmallVector<int64_t> perChannelRound(n, int64_t(1) << 31), perChannelShift(n, 32);
    bool oddHigh = true, highRound = highHalves;
    for (int64_t c = 0; c < static_cast<int64_t>(t.m.size()) && c < channels; ++c) {
      const int64_t mc = t.m[c], s = t.shift[c];
      if (mc < 0 || s < minShift || s > 53)
        return false;
      std::optional<int64_t> r = term(c, mc, s);
      if (!r)
        return false;
      oddHigh &= s >= 32;
      highRound &= s >= 33 && *r % (int64_t(1) << 32) == 0 &&
                   std::abs(*r) <= (int64_t(1) << 61);
      perChannelRound[c] = *r;
      perChannelShift[c] = s;
    }
    // Without 64-bit arithmetic shifts (AVX2) the high halves' form only.
    if (highHalves && !oddHigh && !target().hasArithmeticShift64())
      return false;
    SmallVector<int64_t> round(n, 0), shift(n, 32);
    for (int64_t v = 0; v < n; v += L)
      for (int64_t k = 0; k < L; ++k) {
        int64_t c = v + (k < L / 2 ? 2 * k : 2 * (k - L / 2) + 1);
        bool odd = k >= L / 2;
        round[v + k] = perChannelRound[c];
        shift[v + k] = perChannelShift[c] - (odd && oddHigh ? 32 : 0);
      }
    OpBuilder &b = e.b;
    tb.oddHigh = oddHigh;
    if (highHalves && oddHigh) {
      // floor(P / 2^s) = floor(hi32(P) / 2^(s−32)) for s >= 32: one
      // arithmetic shift of the products' high halves, in lane order.
      SmallVector<int32_t> high(n);
      for (int64_t c = 0; c < n; ++c)
        high[c] = static_cast<int32_t>(perChannelShift[c] - 32);
      tb.highShift = e.global<int32_t>(high, b.getI32Type());
      if (highRound) {
        // Padding channels' 2^31 becomes 0: their products are 0.
        SmallVector<int32_t> terms(n);
        for (int64_t c = 0; c < n; ++c)
          terms[c] = static_cast<int32_t>(perChannelRound[c] >> 32);
        tb.highRound = e.global<int32_t>(terms, b.getI32Type());
        return true;
      }
    } else {
      tb.shift = e.global<int64_t>(shift, b.getI64Type());
    }
    tb.round = e.global<int64_t>(round, b.getI64Type());
    return true;
  }

  /// The saturating form's tables into `tb`; false (and nothing created)
  /// where a shift leaves 1..53 or some result could leave i32:
  /// |acc| <= accBound[c], so |result| <= accBound·m / 2^s + |zo| + 1.
  bool saturatingTables(const RequantTables &t, int64_t channels,
                        const EpilogueShape &shape, ArrayRef<int64_t> accBound,
                        EpilogueTables &tb) {
    using i128 = __int128;
    auto term = [&](int64_t c, int64_t mc, int64_t s) -> std::optional<int64_t> {
      const i128 unit = i128(1) << s, half = i128(1) << (s - 1);
      if (c >= static_cast<int64_t>(accBound.size()) ||
          (i128(accBound[c]) * mc + half) / unit + std::abs(shape.zo) + 1 >= INT32_MAX)
        return std::nullopt;
      return static_cast<int64_t>(half + i128(shape.zo) * unit);
    };
    if (!evenOddTables(t, channels, shape.lanes, /*minShift=*/1,
                       /*highHalves=*/true, term, tb))
      return false;
    tb.saturating = true;
    return true;
  }

  /// The clamped form's tables into `tb`; false (and nothing created) where
  /// some channel's multiplier exceeds 1 (a unit step of the accumulator
  /// could then jump over the clamp range) or its shift leaves 31..53.
  bool clampedTables(const RequantTables &t, int64_t channels,
                     const EpilogueShape &shape, EpilogueTables &tb) {
    using i128 = __int128;
    auto floorDiv = [](i128 a, i128 b) {
      i128 q = a / b;
      return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    };
    const int64_t L = shape.lanes;
    const int64_t n = ceilDiv(static_cast<int64_t>(t.m.size()), L) * L;
    SmallVector<int32_t> aLo(n, 0), aHi(n, 0);
    const int64_t lower = shape.lo - shape.zo, upper = shape.hi - shape.zo;
    auto term = [&](int64_t c, int64_t mc, int64_t s) -> std::optional<int64_t> {
      if (mc > (int64_t(1) << s))
        return std::nullopt;
      const i128 unit = i128(1) << s, half = i128(1) << (s - 1);
      int64_t bias = 128 + shape.zo; // result + 128 >= 0: shifted logically
      if (mc == 0) {
        // f ≡ 0: the clamp of 0, in the rounding term.
        bias += std::clamp<int64_t>(0, lower, upper);
      } else {
        // f(a) = floor((a·m + 2^(s−1)) / 2^s); [aLo, aHi] = f⁻¹([lower, upper]).
        i128 l = -floorDiv(-(lower * unit - half), mc);
        i128 u = floorDiv((upper + 1) * unit - half - 1, mc);
        l = std::clamp<i128>(l, INT32_MIN, INT32_MAX);
        u = std::clamp<i128>(u, INT32_MIN, INT32_MAX);
        auto f = [&](i128 a) { return floorDiv(a * mc + half, unit); };
        if (l > u || f(l) < lower || f(u) > upper)
          return std::nullopt;
        aLo[c] = static_cast<int32_t>(l);
        aHi[c] = static_cast<int32_t>(u);
      }
      return static_cast<int64_t>(half + i128(bias) * unit);
    };
    if (!evenOddTables(t, channels, L, /*minShift=*/31, /*highHalves=*/false,
                       term, tb))
      return false;
    OpBuilder &b = e.b;
    tb.aLo = e.global<int32_t>(aLo, b.getI32Type());
    tb.aHi = e.global<int32_t>(aHi, b.getI32Type());
    return true;
  }

  EpilogueTables epilogueTables(const RequantTables &t, int64_t channels,
                                const EpilogueShape &shape,
                                ArrayRef<int64_t> accBound, const Residual &res) {
    OpBuilder &b = e.b;
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    EpilogueTables tb;
    tb.channels = channels;
    // Multipliers are below 2^31: kept as i32 and sign-extended, LLVM
    // multiplies with a 32×32→64 instruction (vpmuldq) instead of 64×64.
    SmallVector<int32_t> m32(t.m.begin(), t.m.end());
    tb.m = e.global<int32_t>(m32, i32);
    if (!res.buffer && target().hasSaturatingNarrow() &&
        saturatingTables(t, channels, shape, accBound, tb))
      return tb;
    if (!res.buffer && target().prefersClampedEpilogue() &&
        clampedTables(t, channels, shape, tb))
      return tb;
    if (target().hasScaleRoundShift() && !res.buffer) {
      SmallVector<int32_t> shift32(t.shift.begin(), t.shift.end());
      tb.shift32 = e.global<int32_t>(shift32, i32);
      return tb;
    }
    tb.round = e.global<int64_t>(t.round, i64);
    tb.shift = e.global<int64_t>(t.shift, i64);
    if (res.buffer) {
      SmallVector<int64_t> residualM;
      for (int64_t c = 0, n = t.m.size(); c < n; ++c)
        residualM.push_back(c < channels ? qc::alignedMultiplier(res.realMultiplier, t.shift[c]) : 0);
      tb.residualM = e.global<int64_t>(residualM, i64);
    }
    return tb;
  }

  /// Epilogue in registers for `vectors` vectors of L output channels, the
  /// first starting at `chan`: requantize each pixel's accumulators (accs[m
  /// * n + j]: channel vector m of pixel j, n = accs.size() / vectors),
  /// adding the fused residual, clamp and store vector m of pixel j at
  /// out[at[j] + m·L]. Where the channels end inside a vector, a masked
  /// store of the lanes in range (targets with masked byte stores, unless
  /// one channel is left); otherwise such a vector is stored whole when all
  /// its lanes are in range, else lane by lane (Emitter::storePrefix). With
  /// the saturating form a pixel's channel vectors are narrowed together,
  /// up to the target's saturatingNarrowVectors at a time, and stored as one.
  void storeVectors(const EpilogueTables &tb, Value chan, ArrayRef<Value> accs,
                    ArrayRef<Value> at, Value out, int64_t zo, int64_t lo,
                    int64_t hi, const Residual &res, ArrayRef<Value> when = {},
                    int64_t vectors = 1) {
    OpBuilder &b = e.b;
    auto accType = cast<VectorType>(accs.front().getType());
    const int64_t L = accType.getNumElements();
    const int64_t n = static_cast<int64_t>(accs.size()) / vectors;
    const int64_t group = target().saturatingNarrowVectors();
    if (vectors > 1 && !(tb.saturating && when.empty() && group > 1)) {
      for (int64_t m = 0; m < vectors; ++m) {
        SmallVector<Value> atM;
        for (Value a : at)
          atM.push_back(e.add(a, e.index(m * L)));
        storeVectors(tb, e.add(chan, e.index(m * L)), accs.slice(m * n, n), atM,
                     out, zo, lo, hi, res, when);
      }
      return;
    }
    auto wideType = accType.clone(b.getI64Type());
    auto load = [&](Value table, VectorType type, Value at) -> Value {
      return vector::LoadOp::create(b, e.loc, type, table, ValueRange{at});
    };
    // Clamped form: the accumulator is first clamped to the range whose
    // results lie in the output clamp — exact, as requantize is monotonic
    // and with a multiplier of at most 1 moves by at most one step per unit
    // — so the result needs no saturation or second clamp and fits a byte
    // once offset by 128 + zo (in the rounding term). The 32×32→64 products
    // are formed on the even and the odd i32 lanes in turn (x86 vpmuldq),
    // shifted, and the two halves blended back into lane order.
    VectorType halfType;
    Value k32;
    auto even = [&](Value v) -> Value { // lanes 2i, sign-extended, as i64
      return arith::ShRSIOp::create(b, e.loc, arith::ShLIOp::create(b, e.loc, v, k32),
                                    k32);
    };
    auto odd = [&](Value v) -> Value { // lanes 2i+1 as i64
      return arith::ShRSIOp::create(b, e.loc, v, k32);
    };
    // One channel vector's tables, loaded from `c`.
    struct Loaded {
      Value m32, aLo, aHi, rE, rO, sE, sO, mE, mO, s32, mv, rv, sv, rmv, hs, hr;
    };
    auto loadTables = [&](Value c) {
      Loaded t;
      t.m32 = load(tb.m, accType, c);
      if (tb.evenOdd()) {
        const int64_t H = L / 2;
        halfType = VectorType::get({H}, b.getI64Type());
        if (tb.clamped()) {
          t.aLo = load(tb.aLo, accType, c);
          t.aHi = load(tb.aHi, accType, c);
        }
        auto half = [&](Value table, int64_t offset) -> Value {
          return load(table, halfType, e.add(c, e.index(offset)));
        };
        if (!tb.highRound)
          t.rE = half(tb.round, 0), t.rO = half(tb.round, H);
        if (!tb.highShift)
          t.sE = half(tb.shift, 0), t.sO = half(tb.shift, H);
        k32 = e.splat(32, halfType);
        Value m64 = vector::BitCastOp::create(b, e.loc, halfType, t.m32);
        t.mE = even(m64), t.mO = odd(m64);
      } else if (tb.fixedPoint()) {
        // The ISA's fixed-point sequence (qc.scale_shift).
        t.s32 = load(tb.shift32, accType, c);
      } else {
        t.mv = arith::ExtSIOp::create(b, e.loc, wideType, t.m32);
        t.rv = load(tb.round, wideType, c);
        t.sv = load(tb.shift, wideType, c);
        if (res.buffer)
          t.rmv = load(tb.residualM, wideType, c);
      }
      if (tb.highShift)
        t.hs = load(tb.highShift, accType, c);
      if (tb.highRound)
        t.hr = load(tb.highRound, accType, c);
      return t;
    };
    // Saturating form: the same products without the clamp first (the
    // results fit in i32), shifted arithmetically, narrowed with signed
    // saturation; then only the clamp bounds inside the int8 range. `y` may
    // hold several channel vectors.
    auto saturate = [&](Value y) -> Value {
      auto yType = cast<VectorType>(y.getType());
      auto bytes = yType.clone(b.getI8Type());
      y = arith::MaxSIOp::create(b, e.loc, y, e.splat(-128, yType));
      y = arith::MinSIOp::create(b, e.loc, y, e.splat(127, yType));
      Value q = arith::TruncIOp::create(b, e.loc, bytes, y);
      if (lo > -128)
        q = arith::MaxSIOp::create(b, e.loc, q, e.splat(lo, bytes));
      if (hi < 127)
        q = arith::MinSIOp::create(b, e.loc, q, e.splat(hi, bytes));
      if (offsetOutput)
        q = arith::XOrIOp::create(b, e.loc, q, e.splat(-128, bytes));
      return q;
    };
    // The even/odd forms' result for `acc`: bytes, or with `wide` the
    // saturating form's i32 lanes before the narrow.
    auto evenOddScale = [&](const Loaded &t, Value acc, bool wide) -> Value {
      Value a = acc;
      if (tb.clamped()) {
        a = arith::MaxSIOp::create(b, e.loc, a, t.aLo);
        a = arith::MinSIOp::create(b, e.loc, a, t.aHi);
      }
      Value a64 = vector::BitCastOp::create(b, e.loc, halfType, a);
      // acc·m + rounding term, on the even and on the odd lanes as i64.
      Value pe = e.mul(even(a64), t.mE), po = e.mul(odd(a64), t.mO);
      if (!t.hr)
        pe = e.add(pe, t.rE), po = e.add(po, t.rO);
      if (tb.highShift) {
        // The high halves of the even and the odd products in lane order
        // (one two-source permute), then one arithmetic shift of 32-bit
        // lanes by s − 32: 8 instructions per vector with the saturating
        // narrow, against 9 shifting each half's 64-bit products; 7 with
        // the rounding term added to the high halves (`highRound`).
        SmallVector<int64_t> highs;
        for (int64_t i = 0; i < L; ++i)
          highs.push_back(i % 2 == 0 ? i + 1 : L + i);
        Value y = vector::ShuffleOp::create(
            b, e.loc, vector::BitCastOp::create(b, e.loc, accType, pe),
            vector::BitCastOp::create(b, e.loc, accType, po), highs);
        if (t.hr)
          y = e.add(y, t.hr);
        y = arith::ShRSIOp::create(b, e.loc, y, t.hs);
        return wide ? y : saturate(y);
      }
      auto shift = [&](Value p, Value sh) -> Value {
        if (tb.saturating)
          return arith::ShRSIOp::create(b, e.loc, p, sh);
        return arith::ShRUIOp::create(b, e.loc, p, sh);
      };
      Value ye = shift(pe, t.sE), yo = shift(po, t.sO);
      if (!tb.oddHigh)
        yo = arith::ShLIOp::create(b, e.loc, yo, k32);
      SmallVector<int64_t> blend;
      for (int64_t i = 0; i < L; ++i)
        blend.push_back(i % 2 == 0 ? i : L + i);
      Value y = vector::ShuffleOp::create(
          b, e.loc, vector::BitCastOp::create(b, e.loc, accType, ye),
          vector::BitCastOp::create(b, e.loc, accType, yo), blend);
      if (!tb.saturating) {
        // y is the result offset by 128 (in the rounding term): as it is
        // for an offset output, else flipped back.
        Value q = arith::TruncIOp::create(b, e.loc, accType.clone(b.getI8Type()), y);
        return offsetOutput ? q
                            : arith::XOrIOp::create(b, e.loc, q,
                                                    e.splat(-128, q.getType())).getResult();
      }
      return wide ? y : saturate(y);
    };
    // Stores the bytes `q` at `where`, the lanes from channel `c` on: where
    // the channels end inside q, only those in range — with `row` (a mask
    // of one value for all lanes) only where it holds, without a branch:
    // nothing is read or written then.
    // Of `lanes` lanes from channel `c` on, how many are real channels and
    // their mask (both null where the channels fill every vector).
    auto inRange = [&](Value c, int64_t lanes) -> std::pair<Value, Value> {
      if (tb.channels % L == 0)
        return {};
      Value left = arith::MinSIOp::create(
          b, e.loc, e.sub(e.index(tb.channels), c), e.index(lanes));
      return {left, vector::CreateMaskOp::create(
                        b, e.loc, VectorType::get({lanes}, b.getI1Type()),
                        ValueRange{left})};
    };
    // `mask` (null: every lane) where `row` holds, if given.
    auto andRow = [&](Value mask, Value row, int64_t lanes) -> Value {
      if (!row)
        return mask;
      Value rows = vector::BroadcastOp::create(
          b, e.loc, VectorType::get({lanes}, b.getI1Type()), row);
      return mask ? arith::AndIOp::create(b, e.loc, mask, rows).getResult() : rows;
    };
    auto storeBytes = [&](Value q, Value c, Value where, Value row) {
      const int64_t lanes = cast<VectorType>(q.getType()).getNumElements();
      Value left, mask;
      std::tie(left, mask) = inRange(c, lanes);
      if (row) {
        vector::MaskedStoreOp::create(b, e.loc, out, ValueRange{where},
                                      andRow(mask, row, lanes), q);
        return;
      }
      if (!mask) {
        vector::StoreOp::create(b, e.loc, q, out, ValueRange{where});
        return;
      }
      // Not with a last vector of one channel (see storePrefix: conv_1x1's
      // 33 channels overwrote the next pixel's first 15 with the mask).
      if (target().hasMaskedByteStore() && tb.channels % L != 1) {
        vector::MaskedStoreOp::create(b, e.loc, out, ValueRange{where}, mask, q);
        return;
      }
      Value whole = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq,
                                          left, e.index(lanes));
      e.ifElse(
          whole,
          [&] { vector::StoreOp::create(b, e.loc, q, out, ValueRange{where}); },
          [&] { e.storePrefix(q, out, where, left); });
    };
    if (vectors > 1) {
      // The saturating form, a pixel's channel vectors narrowed together in
      // runs of `group`, 2 or 1 vectors (concatenated: LLVM narrows a
      // vector<32xi32> with two vpackssdw and one vpacksswb).
      SmallVector<Value> wide(accs.size());
      for (int64_t m = 0; m < vectors; ++m) {
        Loaded t = loadTables(e.add(chan, e.index(m * L)));
        for (int64_t j = 0; j < n; ++j)
          wide[m * n + j] = evenOddScale(t, accs[m * n + j], /*wide=*/true);
      }
      for (int64_t m0 = 0; m0 < vectors;) {
        int64_t k = std::min(group, vectors - m0);
        while (k & (k - 1))
          k &= k - 1; // a power of two: concatenations of equal halves
        for (int64_t j = 0; j < n; ++j) {
          SmallVector<Value> parts;
          for (int64_t m = m0; m < m0 + k; ++m)
            parts.push_back(wide[m * n + j]);
          while (parts.size() > 1) {
            SmallVector<Value> next;
            for (size_t i = 0; i < parts.size(); i += 2) {
              auto pt = cast<VectorType>(parts[i].getType());
              SmallVector<int64_t> all(2 * pt.getNumElements());
              std::iota(all.begin(), all.end(), 0);
              next.push_back(vector::ShuffleOp::create(b, e.loc, parts[i],
                                                       parts[i + 1], all));
            }
            parts = std::move(next);
          }
          storeBytes(saturate(parts.front()), e.add(chan, e.index(m0 * L)),
                     e.add(at[j], e.index(m0 * L)), Value());
        }
        m0 += k;
      }
      return;
    }
    Loaded t = loadTables(chan);
    // Requantizes one accumulator and stores it at `where`.
    auto storeOne = [&](Value acc, Value where, Value row) {
      Value extra;
      if (res.buffer) {
        // The residual's lanes out of range read as its zero point.
        auto byteVec = accType.clone(b.getI8Type());
        Value lanes = andRow(inRange(chan, L).second, row, L);
        Value r = lanes ? vector::MaskedLoadOp::create(
                             b, e.loc, byteVec, res.buffer, ValueRange{where}, lanes,
                             e.splat(res.zeroPoint, byteVec)).getResult()
                       : vector::LoadOp::create(b, e.loc, byteVec, res.buffer,
                                                ValueRange{where}).getResult();
        Value rw = arith::ExtSIOp::create(b, e.loc, wideType, r);
        extra = e.mul(e.sub(rw, e.splat(res.zeroPoint, wideType)), t.rmv);
      }
      Value q;
      if (tb.evenOdd()) {
        q = evenOddScale(t, acc, /*wide=*/false);
      } else {
        q = tb.fixedPoint()
                ? e.clampOffset(qc::ScaleShiftOp::create(b, e.loc, acc, t.m32, t.s32),
                                zo, lo, hi)
                : e.requantize(acc, t.mv, t.rv, t.sv, zo, lo, hi, extra);
        if (offsetOutput)
          q = arith::XOrIOp::create(b, e.loc, q, e.splat(-128, q.getType()));
      }
      storeBytes(q, chan, where, row);
    };
    for (int64_t j = 0; j < n; ++j)
      storeOne(accs[j], at[j], when.empty() ? Value() : when[j]);
  }

  /// The padded image of the NHWC int8 input `x` with channels padded to
  /// `cp`: padding holds zx. With `toUnsigned` every value is x + 128
  /// (= x xor 0x80, the unsigned operand of a dot4) and padding zx + 128.
  /// Each row of the input is one iteration of a parallel loop that writes
  /// the whole padded row: its left and right padding and, when the channels
  /// are padded (c < cp <= 16, the RGB stems), groups of 64 / cp pixels as
  /// one load of their bytes and one byte shuffle with the padding byte.
  /// The rows of padding above and below are filled before it. The row
  /// loop runs on the pool when the copy or the conv reading it does
  /// (`convWork` multiply-adds): the pool's threads then each stage about
  /// the rows their part of the conv reads, instead of the calling thread
  /// staging all of them for the others to fetch from its caches.
  Value paddedImage(const ConvShape &s, Value x, int64_t cp, int64_t zx,
                    bool toUnsigned, int64_t convWork) {
    OpBuilder &b = e.b;
    Type i8 = b.getI8Type();
    const int64_t hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
    const int8_t fillByte = static_cast<int8_t>((toUnsigned ? zx + 128 : zx) & 0xff);
    // Where nothing is padded, an input taken as it is (signed kernels) or
    // one its producer stored offset (offsetInput) is the image itself;
    // otherwise it is copied unchanged.
    const bool flip = toUnsigned && !offsetInput;
    if (!flip && hp == s.h && wp == s.w && cp == s.c)
      return x;
    Value img = e.alloc(s.n * hp * wp * cp, i8);
    Value fill = e.intConst(fillByte, i8);
    auto fillRange = [&](Value at, int64_t n) {
      if (n > 0)
        e.loop(0, n, 1, [&](Value i) { e.store(fill, img, e.add(at, i)); });
    };
    auto convert = [&](Value v) -> Value {
      if (!flip)
        return v;
      return arith::XOrIOp::create(b, e.loc, v, e.splat(-128, v.getType()));
    };
    if (s.pt + s.pb > 0)
      e.loop(0, s.n, 1, [&](Value n) {
        Value image = e.mul(n, e.index(hp * wp * cp));
        fillRange(image, s.pt * wp * cp);
        fillRange(e.add(image, e.index((s.pt + s.h) * wp * cp)), s.pb * wp * cp);
      });
    // Pixels per shuffled group and the shuffle: lanes [0, g·c) are the
    // group's bytes, lane g·c the padding byte.
    const bool grouped = s.c < cp && cp <= 16 && 64 % cp == 0;
    const int64_t g = grouped ? 64 / cp : 1;
    SmallVector<int64_t> lanes;
    if (grouped)
      for (int64_t p = 0; p < g; ++p)
        for (int64_t j = 0; j < cp; ++j)
          lanes.push_back(j < s.c ? p * s.c + j : g * s.c);
    e.parallelLoop(0, s.n * s.h, 1,
                   std::max(convWork, Emitter::kByteWork * s.n * s.h * wp * cp),
                   [&](Value nh) {
      Value n = arith::DivUIOp::create(b, e.loc, nh, e.index(s.h));
      Value y = arith::RemUIOp::create(b, e.loc, nh, e.index(s.h));
      Value row = e.linear({n, e.add(y, e.index(s.pt)), e.index(0), e.index(0)},
                           {s.n, hp, wp, cp});
      fillRange(row, s.pl * cp);
      fillRange(e.add(row, e.index((s.pl + s.w) * cp)), s.pr * cp);
      Value srcRow = e.mul(nh, e.index(s.w * s.c));
      Value dstRow = e.add(row, e.index(s.pl * cp));
      if (cp == s.c) {
        // Channels unpadded: the row's pixels are one run in both.
        e.copyRun(x, srcRow, img, dstRow, s.w * s.c, convert);
        return;
      }
      auto pixel = [&](Value xx) {
        e.copyBytes(x, e.add(srcRow, e.mul(xx, e.index(s.c))), img,
                    e.add(dstRow, e.mul(xx, e.index(cp))), s.c, convert);
        if (cp != s.c)
          fillRange(e.add(dstRow, e.add(e.mul(xx, e.index(cp)), e.index(s.c))),
                    cp - s.c);
      };
      const int64_t groups = grouped ? s.w / g : 0;
      if (groups > 0) {
        auto inType = VectorType::get({g * s.c}, i8);
        Value pad = e.splat(fillByte, VectorType::get({cp}, i8));
        e.loop(0, groups, 1, [&](Value gi) {
          Value v = vector::LoadOp::create(
              b, e.loc, inType, x,
              ValueRange{e.add(srcRow, e.mul(gi, e.index(g * s.c)))});
          Value out = vector::ShuffleOp::create(b, e.loc, convert(v), pad, lanes);
          vector::StoreOp::create(b, e.loc, out, img,
                                  ValueRange{e.add(dstRow, e.mul(gi, e.index(64)))});
        });
      }
      e.loop(groups * g, s.w, 1, pixel);
    });
    return img;
  }

  /// What a dense conv kernel needs before its loops: its packed weights,
  /// the bias with the input's zero point folded in, the requantize tables
  /// and the padded input image.
  struct PackedConv {
    Value weights, bias, img;
    EpilogueTables tables;
  };
  /// Packs weight (o, tap, c) at element `at(o, tap, c)` of `size` (bytes,
  /// or i16 if `wide`), c < s.c / s.groups (the input channels of o's
  /// group); outputs o < paddedOutputs beyond s.o are padding.
  /// Kernels taking unsigned activations (x + 128) fold
  /// Σ(x+128)·w − (128 + zx)·Σw into the bias, signed ones zx·Σw.
  PackedConv packConv(const ConvShape &s, Value x, ArrayRef<int8_t> w,
                      ArrayRef<int32_t> bias, ArrayRef<double> realMultipliers,
                      int64_t zx, bool signedInput, int64_t paddedOutputs,
                      int64_t cp, int64_t size,
                      llvm::function_ref<int64_t(int64_t, int64_t, int64_t)> at,
                      const EpilogueShape &shape, const Residual &res,
                      bool wide = false, bool image = true,
                      bool clampWeights = false) {
    const int64_t taps = s.kh * s.kw, zxFold = signedInput ? zx : zx + 128;
    const int64_t cg = s.c / s.groups;
    SmallVector<int8_t> packed(size, 0);
    SmallVector<int32_t> foldedBias(paddedOutputs, 0);
    // |accumulator| bounds: activations (x + 128 or x) are at most 255 in
    // magnitude.
    SmallVector<int64_t> accBound;
    RequantTables t;
    for (int64_t o = 0; o < paddedOutputs; ++o) {
      if (o >= s.o) {
        t.pad();
        continue;
      }
      int64_t sum = 0, sumAbs = 0;
      for (int64_t tap = 0; tap < taps; ++tap)
        for (int64_t c = 0; c < cg; ++c) {
          int8_t v = w[(o * taps + tap) * cg + c];
          sum += v;
          sumAbs += std::abs(v);
          // -128 packed as -127 (convDot's corrections add the rest); the
          // bias and the bound take the real weight.
          packed[at(o, tap, c)] =
              clampWeights ? std::max<int8_t>(v, int8_t(-127)) : v;
        }
      foldedBias[o] = static_cast<int32_t>(int64_t(bias[o]) - zxFold * sum);
      accBound.push_back(std::abs(int64_t(foldedBias[o])) + 255 * sumAbs);
      t.push(realMultipliers[o]);
    }
    PackedConv pc;
    if (wide) {
      SmallVector<int16_t> halves(packed.begin(), packed.end());
      pc.weights = e.global<int16_t>(halves, e.b.getI16Type());
    } else {
      pc.weights = e.global<int8_t>(packed, e.b.getI8Type());
    }
    pc.bias = e.global<int32_t>(foldedBias, e.b.getI32Type());
    pc.tables = epilogueTables(t, s.o, shape, accBound, res);
    if (image)
      pc.img = paddedImage(s, x, cp, zx, /*toUnsigned=*/!signedInput,
                           s.n * s.oh * s.ow * s.o * cg * taps);
    return pc;
  }

  /// Offset in the padded image (channels padded to cp) of the window
  /// origin of output pixel p (flattened n, oh, ow).
  Value windowOrigin(const ConvShape &s, Value p, int64_t cp) {
    OpBuilder &b = e.b;
    const int64_t hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
    Value n = arith::DivUIOp::create(b, e.loc, p, e.index(s.oh * s.ow));
    Value r = arith::RemUIOp::create(b, e.loc, p, e.index(s.oh * s.ow));
    Value oh = arith::DivUIOp::create(b, e.loc, r, e.index(s.ow));
    Value ow = arith::RemUIOp::create(b, e.loc, r, e.index(s.ow));
    return e.linear({n, e.mul(oh, e.index(s.sh)), e.mul(ow, e.index(s.sw)),
                     e.index(0)},
                    {s.n, hp, wp, cp});
  }

  /// Runs `tile(p0, n, g, vectors)` over every tile of a conv: channel
  /// groups of up to `groupVectors` channel vectors (`vectors` static, the
  /// last group may be smaller) outside, so a group's weights stay in cache
  /// while every pixel tile uses them, tiles of up to `tilePixels` output
  /// pixels (from p0; `n` static) inside. All of it is one parallel loop:
  /// the full tiles of every group (a branch picks the last group's smaller
  /// tile) and each group's static remainder (fewer pixels than a tile).
  /// One dispatch and one wait per conv (separate loops for the last group
  /// and the remainders cost mobilenet_v2 70 dispatches instead of 64, and
  /// ResNet-50's 1×1 layers 2–9% at 2 threads: bench/analysis.md, "Stop 19").
  /// `work` counts the multiply-adds, `weightBytes` the packed weights (with
  /// few pixels, a fully-connected layer, reading them is what takes the
  /// time) and `imageBytes` the input the tiles read.
  ///
  /// The pool deals a loop's iterations to the threads in contiguous
  /// ranges, so the order of the first loop decides what each thread reads.
  /// Where the weights are the larger operand it is group-major: a thread's
  /// consecutive tiles share weights and each thread reads only its groups'.
  /// Otherwise it goes by blocks of pixel tiles (up to kBlockBytes of input
  /// each), every group of a block before the next block: each thread then
  /// reads and writes only its range of pixels, which at 2 threads is
  /// mostly the range it wrote in the layer before (still in its core's
  /// caches), while a block's input stays in L1 across the groups.
  static constexpr int64_t kBlockBytes = 32 * 1024;
  void forEachTile(int64_t channelVectors, int64_t groupVectors,
                   int64_t pixels, int64_t tilePixels, int64_t work,
                   int64_t weightBytes, int64_t imageBytes,
                   llvm::function_ref<void(Value, int64_t, Value, int64_t)> tile) {
    OpBuilder &b = e.b;
    const int64_t fullGroups = channelVectors / groupVectors,
                  lastGroup = channelVectors % groupVectors;
    const int64_t groups = fullGroups + (lastGroup ? 1 : 0);
    // At least one tile (nb <= pixels); a remainder only beside full tiles.
    const int64_t nb = std::min(tilePixels, pixels);
    const int64_t tiles = pixels / nb, rest = pixels % nb;
    work += Emitter::kByteWork * weightBytes;
    // Tiles per pixel block: the largest divisor of `tiles` whose input
    // fits kBlockBytes.
    const bool byPixels = groups > 1 && weightBytes <= imageBytes;
    int64_t bt = 1;
    for (int64_t d = tiles; byPixels && d > 1; --d)
      if (tiles % d == 0 && d * imageBytes <= kBlockBytes * tiles) {
        bt = d;
        break;
      }
    // Group g's tile of `count` pixels from p0 (the last group smaller).
    auto groupTile = [&](Value p0, int64_t count, Value g) {
      if (!lastGroup) {
        tile(p0, count, g, groupVectors);
        return;
      }
      if (!fullGroups) {
        tile(p0, count, g, lastGroup);
        return;
      }
      Value full = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::ult, g,
                                         e.index(fullGroups));
      e.ifElse(full, [&] { tile(p0, count, g, groupVectors); },
               [&] { tile(p0, count, g, lastGroup); });
    };
    // One parallel loop (one dispatch, one wait) over every group's full
    // tiles and its remainder tile (fewer pixels than a tile, few against
    // all the weights: a 7x7 layer's last pixel reads every weight once).
    // Group-major, a group's remainder follows its tiles (its weights still
    // in cache); by pixel blocks, the remainders come after the last block.
    const int64_t per = tiles + (rest ? 1 : 0);
    const int64_t main = tiles * groups;
    e.parallelLoop(0, per * groups, 1, work, [&](Value t) {
      auto restTile = [&](Value g) { groupTile(e.index(tiles * nb), rest, g); };
      if (!byPixels) {
        // t = g · per + i: tile i of group g, i = tiles its remainder.
        Value g = arith::DivUIOp::create(b, e.loc, t, e.index(per));
        Value i = arith::RemUIOp::create(b, e.loc, t, e.index(per));
        auto mainTile = [&] { groupTile(e.mul(i, e.index(nb)), nb, g); };
        if (!rest) {
          mainTile();
          return;
        }
        Value full = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::ult, i,
                                           e.index(tiles));
        e.ifElse(full, mainTile, [&] { restTile(g); });
        return;
      }
      // t = (block · groups + g) · bt + tile in block, then the remainders.
      auto mainTile = [&] {
        Value blk = arith::DivUIOp::create(b, e.loc, t, e.index(groups * bt));
        Value r = arith::RemUIOp::create(b, e.loc, t, e.index(groups * bt));
        Value g = arith::DivUIOp::create(b, e.loc, r, e.index(bt));
        Value inBlock = arith::RemUIOp::create(b, e.loc, r, e.index(bt));
        groupTile(e.mul(e.add(e.mul(blk, e.index(bt)), inBlock), e.index(nb)), nb, g);
      };
      if (!rest) {
        mainTile();
        return;
      }
      Value inMain = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::ult, t,
                                           e.index(main));
      e.ifElse(inMain, mainTile, [&] { restTile(e.sub(t, e.index(main))); });
    });
  }

  /// Offset of kernel tap (ky, kx) from a window origin in the padded image
  /// (channels padded to cp).
  Value tapOffset(const ConvShape &s, int64_t cp, Value ky, Value kx) {
    const int64_t wp = s.w + s.pl + s.pr;
    return e.mul(e.add(e.mul(ky, e.index(s.dh * wp)), e.mul(kx, e.index(s.dw))),
                 e.index(cp));
  }

  /// The reduction over a dense conv's kernel taps, carrying `accs`:
  /// body(ky, kx, rowBase, accs) for every tap, rowBase[j] the offset in the
  /// padded image (channels padded to cp) of pixel j's tap, whose window
  /// origin is pixBase[j].
  SmallVector<Value>
  overTaps(const ConvShape &s, int64_t cp, ArrayRef<Value> pixBase,
           ValueRange accs,
           llvm::function_ref<SmallVector<Value>(Value, Value, ArrayRef<Value>,
                                                 ValueRange)> body) {
    return e.loopCarried(0, s.kh, accs, [&](Value ky, ValueRange a1) {
      return e.loopCarried(0, s.kw, a1, [&](Value kx, ValueRange a2) {
        Value tap = tapOffset(s, cp, ky, kx);
        SmallVector<Value> rowBase;
        for (Value base : pixBase)
          rowBase.push_back(e.add(base, tap));
        return body(ky, kx, rowBase, a2);
      });
    });
  }

  /// Dot-product kernel for a convolution: dense, or grouped with each
  /// tile's channel vectors reducing over one slice of the input channels
  /// (channelSlices).
  LogicalResult convDot(Operation *op, const ConvShape &s, Value x, Value out,
                        ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                        ArrayRef<double> realMultipliers, int64_t zx,
                        int64_t zo, int64_t lo, int64_t hi,
                        qc::KernelAttr kernel, const Residual &res) {
    OpBuilder &b = e.b;
    // Register tile: NB output pixels × MB vectors of L output channels,
    // MB·NB accumulators live across the whole reduction.
    const int64_t L = kernel.getLanes();
    // (A grouped conv's tile comes from TargetInfo::selectGroupedKernel.)
    const int64_t NB = std::max<int64_t>(1, kernel.getBlock());
    const int64_t cp = ceilDiv(s.c, 4) * 4, ob = ceilDiv(s.o, L);
    const int64_t MB = std::clamp<int64_t>(kernel.getChannelBlocks(), 1, ob);
    const int64_t pixels = s.n * s.oh * s.ow;
    const ChannelSlices slices = channelSlices(s, MB * L);
    // Steps of the reduction per tap: the slice's groups of 4 channels.
    const int64_t c4 = slices.width / 4;
    const int64_t wp = s.w + s.pl + s.pr;

    // A `mac.*` kernel (ISAs without a 4-way dot product) multiplies one
    // input channel at a time: each pixel's activation byte, broadcast,
    // times a vector of L weights stored as i16, summed into i32
    // (RVV vwmacc.vx).
    const bool outer = kernel.getName().starts_with("mac.");

    // Packed weights: channel groups of MB vectors (the last may be
    // smaller), each [ky][kx][k/4][m][lane][k%4] ([ky][kx][k/4][m][k%4][lane]
    // for `mac.*`), k the channel in the group's slice (all channels for a
    // dense conv), so one tile's weights for one step of the reduction are
    // MB consecutive vectors. The bias absorbs the input's zero point and,
    // for kernels taking unsigned input, its +128: Σ(x+128)·w − (128 + zx)·Σw.
    const int64_t groupStride = MB * s.kh * s.kw * c4 * L * 4;
    // A kernel exact only on weights in [-127, 127] (AVX2's
    // dot4.vpmaddubsw.ymm) over weights holding -128 (dense convs only:
    // convCommon rejects the others): they are packed as -127 and each
    // channel vector's reduction steps (a tap's 4 input channels) holding a
    // -128 run once more after the reduction, with weight -1 where the
    // -128s are and 0 elsewhere: Σx·w = Σx·max(w, -127) − Σ_{w=-128} x.
    // Tables: corrBegin[v] .. corrBegin[v + 1] are vector v's steps, each
    // an image offset from the window origin and 4L bytes of weights.
    const bool corrected = target().needsNarrowWeights(kernel) &&
                           llvm::is_contained(w, int8_t(-128));
    Value corrBegin, corrOffset, corrWeights;
    if (corrected) {
      const int64_t taps = s.kh * s.kw, groups = ceilDiv(s.c, 4);
      SmallVector<int32_t> begin{0}, offsets;
      SmallVector<int8_t> weights;
      auto steps = qc::minWeightSteps(w.data(), s.o, taps, s.c, L);
      for (int64_t v = 0; v < ob; ++v) {
        for (int64_t step : steps[v]) {
          const int64_t tap = step / groups, g = step % groups;
          const int64_t ky = tap / s.kw, kx = tap % s.kw;
          offsets.push_back(static_cast<int32_t>(
              (ky * s.dh * wp + kx * s.dw) * cp + 4 * g));
          // Weight -1 at the step's -128s ([lane][4] bytes), 0 elsewhere.
          for (int64_t lane = 0; lane < L; ++lane)
            for (int64_t k = 0; k < 4; ++k) {
              const int64_t o = v * L + lane, c = 4 * g + k;
              weights.push_back(o < s.o && c < s.c &&
                                        w[(o * taps + tap) * s.c + c] == -128
                                    ? -1
                                    : 0);
            }
        }
        begin.push_back(static_cast<int32_t>(offsets.size()));
      }
      corrBegin = e.global<int32_t>(begin, b.getI32Type());
      corrOffset = e.global<int32_t>(offsets, b.getI32Type());
      corrWeights = e.global<int8_t>(weights, b.getI8Type());
    }
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, kernel.getSignedInput(), ob * L, cp,
        ob * s.kh * s.kw * c4 * L * 4,
        [&](int64_t o, int64_t tap, int64_t c) {
          int64_t blk = o / L, lane = o % L, g = blk / MB, m = blk % MB;
          int64_t mbg = std::min(MB, ob - g * MB);
          int64_t k = sliceChannel(s, slices, g, o, c);
          int64_t vec = (tap * c4 + k / 4) * mbg + m;
          return g * groupStride + (outer ? (vec * 4 + k % 4) * L + lane
                                          : (vec * L + lane) * 4 + k % 4);
        },
        EpilogueShape{L, zo, lo, hi}, res, /*wide=*/outer, /*image=*/true,
        /*clampWeights=*/corrected);
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    Value wMem = pc.weights, biasMem = pc.bias, img = pc.img;
    EpilogueTables tables = pc.tables;

    auto accType = VectorType::get({L}, i32);
    auto bytesType = VectorType::get({4 * L}, i8);
    // Activation groups loaded at once (the shuffle broadcast below needs
    // them to fill the L lanes: G == L).
    int64_t G = target().activationGroupsPerLoad(kernel);
    if (G != L)
      G = 1;
    // The 4 activation bytes at `at` in every i32 lane.
    auto broadcastGroup = [&](Value at) -> Value {
      Value four = vector::LoadOp::create(b, e.loc, VectorType::get({4}, i8),
                                          img, ValueRange{at});
      Value word = vector::BitCastOp::create(
          b, e.loc, VectorType::get({1}, i32), four);
      Value scalar = vector::ExtractOp::create(b, e.loc, word, 0);
      Value bc = vector::BroadcastOp::create(b, e.loc, accType, scalar);
      return vector::BitCastOp::create(b, e.loc, bytesType, bc);
    };
    // One tile: output pixels p0 .. p0+nb-1 (flattened n, oh, ow) and the
    // mbg channel vectors of group g.
    Value starts = sliceStarts(slices);
    auto emitTile = [&](Value p0, int64_t nb, Value g, int64_t mbg) {
      Value chan0 = e.mul(g, e.index(MB * L));
      Value wGroup = e.mul(g, e.index(groupStride));
      Value start = sliceStart(slices, starts, g);
      // Image offset of each pixel's window origin (its slice's first
      // channel).
      SmallVector<Value> pixBase, outBase;
      for (int64_t j = 0; j < nb; ++j) {
        Value p = e.add(p0, e.index(j));
        Value origin = windowOrigin(s, p, cp);
        pixBase.push_back(start ? e.add(origin, start) : origin);
        outBase.push_back(e.add(e.mul(p, e.index(s.o)), chan0));
      }
      SmallVector<Value> accs;
      for (int64_t m = 0; m < mbg; ++m) {
        Value init = vector::LoadOp::create(
            b, e.loc, accType, biasMem,
            ValueRange{e.add(chan0, e.index(m * L))});
        for (int64_t j = 0; j < nb; ++j)
          accs.push_back(init); // accs[m * nb + j]
      }
      accs = overTaps(s, cp, pixBase, accs, [&](Value ky, Value kx,
                                                ArrayRef<Value> rowBase,
                                                ValueRange a2) {
          Value wBase = e.add(
              wGroup, e.mul(e.add(e.mul(ky, e.index(s.kw)), kx),
                            e.index(c4 * mbg * 4 * L)));
          // One step of the reduction: 4 input channels (group cc).
          // `groups[j]`, if given, holds pixel j's activation groups
          // cc0 .. cc0+G-1 (loaded once), `g` the position of cc in it.
          auto step = [&](Value cc, ValueRange acc, ArrayRef<Value> groups,
                          int64_t g) {
            Value wStep = e.add(wBase, e.mul(cc, e.index(mbg * 4 * L)));
            if (outer)
              return macStep(
                  acc,
                  [&](int64_t k, int64_t m) -> Value {
                    return vector::LoadOp::create(
                        b, e.loc, VectorType::get({L}, b.getI16Type()), wMem,
                        ValueRange{e.add(wStep, e.index((m * 4 + k) * L))});
                  },
                  img, rowBase, e.mul(cc, e.index(4)), mbg);
            SmallVector<Value> wv;
            for (int64_t m = 0; m < mbg; ++m)
              wv.push_back(vector::LoadOp::create(
                  b, e.loc, bytesType, wMem,
                  ValueRange{e.add(wStep, e.index(m * 4 * L))}));
            SmallVector<Value> next(acc.begin(), acc.end());
            for (int64_t j = 0; j < nb; ++j) {
              Value xv;
              if (!groups.empty()) {
                // Lane g of the pixel's groups, broadcast (a dup by
                // element the dot product absorbs).
                SmallVector<int64_t> mask(L, g);
                Value bc = vector::ShuffleOp::create(b, e.loc, groups[j],
                                                     groups[j], mask);
                xv = vector::BitCastOp::create(b, e.loc, bytesType, bc);
              } else {
                xv = broadcastGroup(e.add(rowBase[j], e.mul(cc, e.index(4))));
              }
              for (int64_t m = 0; m < mbg; ++m)
                next[m * nb + j] = qc::Dot4Op::create(b, e.loc, acc[m * nb + j],
                                                      xv, wv[m], kernel);
            }
            return next;
          };
          if (G == 1)
            return e.loopCarried(0, c4, a2, [&](Value cc, ValueRange a3) {
              return step(cc, a3, {}, 0);
            });
          // G groups per load; the c4 % G last groups one at a time.
          SmallVector<Value> acc = e.loopCarried(
              0, c4 / G, a2, [&](Value cg, ValueRange a3) {
                Value cc0 = e.mul(cg, e.index(G));
                SmallVector<Value> groups;
                auto groupsType = VectorType::get({G}, i32);
                for (int64_t j = 0; j < nb; ++j) {
                  Value at = e.add(rowBase[j], e.mul(cc0, e.index(4)));
                  Value bytes = vector::LoadOp::create(
                      b, e.loc, VectorType::get({4 * G}, i8), img, ValueRange{at});
                  groups.push_back(
                      vector::BitCastOp::create(b, e.loc, groupsType, bytes));
                }
                SmallVector<Value> cur(a3.begin(), a3.end());
                for (int64_t g = 0; g < G; ++g)
                  cur = step(e.add(cc0, e.index(g)), cur, groups, g);
                return cur;
              });
          for (int64_t cc = c4 - c4 % G; cc < c4; ++cc)
            acc = step(e.index(cc), acc, {}, 0);
          return acc;
      });
      // The corrections of the -128 weights, per channel vector.
      if (corrected)
        for (int64_t m = 0; m < mbg; ++m) {
          Value v = e.add(e.mul(g, e.index(MB)), e.index(m));
          Value first = e.loadIndex(corrBegin, v);
          Value last = e.loadIndex(corrBegin, e.add(v, e.index(1)));
          SmallVector<Value> fixed = e.loopCarried(
              first, last, ArrayRef<Value>(accs).slice(m * nb, nb),
              [&](Value i, ValueRange a) {
                Value off = e.loadIndex(corrOffset, i);
                Value d = vector::LoadOp::create(
                    b, e.loc, bytesType, corrWeights,
                    ValueRange{e.mul(i, e.index(4 * L))});
                SmallVector<Value> next;
                for (int64_t j = 0; j < nb; ++j)
                  next.push_back(qc::Dot4Op::create(
                      b, e.loc, a[j], broadcastGroup(e.add(pixBase[j], off)), d,
                      kernel));
                return next;
              });
          llvm::copy(fixed, accs.begin() + m * nb);
        }
      // Epilogue in registers: requantize, residual, clamp, store.
      storeVectors(tables, chan0, accs, outBase, out, zo, lo, hi, res, {}, mbg);
    };
    forEachTile(ob, MB, pixels, NB, pixels * s.o * slices.reduced * s.kh * s.kw,
                s.o * slices.width * s.kh * s.kw,
                s.n * (s.h + s.pt + s.pb) * wp * cp, emitTile);
    return success();
  }

  /// A table of the slices' starts where they are not g·step, else null.
  Value sliceStarts(const ChannelSlices &slices) {
    if (slices.step >= 0)
      return Value();
    return e.global<int32_t>(
        SmallVector<int32_t>(slices.start.begin(), slices.start.end()),
        e.b.getI32Type());
  }

  /// The first input channel of block g's slice (null if it is 0 for all):
  /// from the table `starts`, or g·step.
  Value sliceStart(const ChannelSlices &slices, Value starts, Value g) {
    if (starts)
      return e.loadIndex(starts, g);
    return slices.step == 0 ? Value() : e.mul(g, e.index(slices.step));
  }

  /// One step (4 input channels from `chanOffset`) of a `mac.*` kernel:
  /// acc[m·nb + j] += Σ_k sext(x_j[k]) · sext(w[m][k]) with the i16 weight
  /// vectors `weights(k, m)` and pixel j's activation bytes at rowBase[j] +
  /// chanOffset + k. Each weight vector serves every pixel, each activation
  /// byte is loaded as a scalar, so LLVM forms a widening i16 × i16 → i32
  /// multiply-add by a scalar (RVV `vwmacc.vx`). Weights stored as i16 cost
  /// twice the bytes but no widening instruction per step.
  SmallVector<Value> macStep(ValueRange acc,
                             llvm::function_ref<Value(int64_t, int64_t)> weights,
                             Value img, ArrayRef<Value> rowBase,
                             Value chanOffset, int64_t mbg) {
    OpBuilder &b = e.b;
    const int64_t nb = rowBase.size();
    auto words = cast<VectorType>(acc.front().getType());
    auto halves = words.clone(b.getI16Type());
    SmallVector<Value> next(acc.begin(), acc.end());
    for (int64_t k = 0; k < 4; ++k) {
      SmallVector<Value> wv;
      for (int64_t m = 0; m < mbg; ++m)
        wv.push_back(arith::ExtSIOp::create(b, e.loc, words, weights(k, m)));
      for (int64_t j = 0; j < nb; ++j) {
        Value xb = memref::LoadOp::create(
            b, e.loc, img, ValueRange{e.add(e.add(rowBase[j], chanOffset), e.index(k))});
        Value x16 = arith::ExtSIOp::create(b, e.loc, b.getI16Type(), xb);
        Value xv = arith::ExtSIOp::create(
            b, e.loc, words, vector::BroadcastOp::create(b, e.loc, halves, x16));
        for (int64_t m = 0; m < mbg; ++m)
          next[m * nb + j] = e.add(next[m * nb + j], e.mul(xv, wv[m]));
      }
    }
    return next;
  }

  /// Vector-length-agnostic `mac.*` kernel (`mac.rvv.vla`: RVV without
  /// --vlen) for a convolution (a grouped one by channel slices, as in
  /// convDot): scalable vectors of vscale·L/2
  /// lanes (vscale = VLEN/64: L lanes at VLEN 128, VLEN·L/128 on a CPU with
  /// wider vectors), NB pixels per tile as in convDot's `mac.*` path.
  /// Weights [ky][kx][c][o] as i16, so a vector of any length loads
  /// consecutive output channels. The output channels go in static groups
  /// of up to kGroupChannels (forEachTile's channel groups, whose weights a
  /// block of tiles shares); a tile runs through its group in chunks of the
  /// CPU's vector length, the last one (or the only one, where the group is
  /// shorter than a vector) masked: weight, bias and table loads read only
  /// the chunk's channels and the store writes only them.
  static constexpr int64_t kGroupChannels = 64;
  LogicalResult convScalable(const ConvShape &s, Value x, Value out,
                             ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                             ArrayRef<double> realMultipliers, int64_t zx,
                             int64_t zo, int64_t lo, int64_t hi,
                             qc::KernelAttr kernel, const Residual &res) {
    OpBuilder &b = e.b;
    const int64_t L = kernel.getLanes(), H = L / 2;
    const int64_t NB = std::max<int64_t>(1, kernel.getBlock());
    const int64_t cp = ceilDiv(s.c, 4) * 4, taps = s.kh * s.kw;
    const int64_t wp = s.w + s.pl + s.pr;
    // Channels per group of tiles. A grouped conv's: its groups' (or as
    // many whole groups as fill L lanes), so a group of tiles reduces over
    // its own slice of the input channels (channelSlices).
    const int64_t og = s.o / s.groups;
    int64_t W = std::min(ceilDiv(s.o, L) * L, kGroupChannels);
    if (s.groups != 1) {
      W = og < L ? L / og * og : og;
      for (int64_t d = kGroupChannels; og > kGroupChannels && d >= L; --d)
        if (og % d == 0) {
          W = d;
          break;
        }
      W = std::min(W, kGroupChannels);
    }
    const ChannelSlices slices = channelSlices(s, W);
    const int64_t width = slices.width, c4 = width / 4;
    // Weights [ky][kx][slice channel][o] as i16.
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, /*signedInput=*/true, s.o, cp,
        taps * width * s.o,
        [&](int64_t o, int64_t tap, int64_t c) {
          return (tap * width + sliceChannel(s, slices, o / W, o, c)) * s.o + o;
        },
        EpilogueShape{L, zo, lo, hi}, res, /*wide=*/true);
    Value starts = sliceStarts(slices);
    auto accType = VectorType::get({H}, b.getI32Type(), {true});
    auto halves = accType.clone(b.getI16Type());
    auto emitTile = [&](Value p0, int64_t nb, Value g, int64_t) {
      Value first = e.mul(g, e.index(W));
      Value end = arith::MinSIOp::create(b, e.loc, e.add(first, e.index(W)),
                                         e.index(s.o));
      Value start = sliceStart(slices, starts, g);
      SmallVector<Value> pixBase, outBase;
      for (int64_t j = 0; j < nb; ++j) {
        Value p = e.add(p0, e.index(j));
        Value origin = windowOrigin(s, p, cp);
        pixBase.push_back(start ? e.add(origin, start) : origin);
        outBase.push_back(e.mul(p, e.index(s.o)));
      }
      scalableChunks(first, end, accType, [&](Value c0, Value n, Value mask) {
      SmallVector<Value> accs(
          nb, maskedLoad(accType, pc.bias, c0, mask));
      accs = overTaps(s, cp, pixBase, accs, [&](Value ky, Value kx,
                                                ArrayRef<Value> rowBase,
                                                ValueRange a2) {
          Value wTap = e.add(
              e.mul(e.add(e.mul(ky, e.index(s.kw)), kx), e.index(width * s.o)), c0);
          return e.loopCarried(0, c4, a2, [&](Value cc, ValueRange a3) {
            Value wStep = e.add(wTap, e.mul(cc, e.index(4 * s.o)));
            return macStep(
                a3,
                [&](int64_t k, int64_t) {
                  return maskedLoad(halves, pc.weights,
                                    e.add(wStep, e.index(k * s.o)), mask);
                },
                pc.img, rowBase, e.mul(cc, e.index(4)), 1);
          });
      });
      SmallVector<Value> at;
      for (int64_t j = 0; j < nb; ++j)
        at.push_back(e.add(outBase[j], c0));
      storeScalable(pc.tables, c0, n, accs, at, out, zo, lo, hi, res);
      });
    };
    const int64_t pixels = s.n * s.oh * s.ow;
    forEachTile(ceilDiv(s.o, W), 1, pixels, NB,
                pixels * s.o * slices.reduced * taps,
                2 * s.o * width * taps, s.n * (s.h + s.pt + s.pb) * wp * cp,
                emitTile);
    return success();
  }

  /// body(c0, n, mask) for the chunks of channels [first, end) that fill a
  /// register group of scalable type `accType` each (vscale · its minimum
  /// lanes): c0 the chunk's first channel, n its channel count (the last
  /// chunk may be shorter), `mask` its first n lanes.
  void scalableChunks(Value first, Value end, VectorType accType,
                      llvm::function_ref<void(Value, Value, Value)> body) {
    OpBuilder &b = e.b;
    Value vl = e.mul(vector::VectorScaleOp::create(b, e.loc),
                     e.index(accType.getNumElements()));
    auto chunks = scf::ForOp::create(b, e.loc, first, end, vl);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(chunks.getBody()->getTerminator());
    Value c0 = chunks.getInductionVar();
    Value n = arith::MinSIOp::create(b, e.loc, e.sub(end, c0), vl);
    body(c0, n, vector::CreateMaskOp::create(b, e.loc, accType.clone(b.getI1Type()),
                                             ValueRange{n}));
  }

  /// A masked load of vector type `t` from mem[at]; lanes outside `mask`
  /// are poison (RVV: a masked vle, no merge with a zeroed register). Only
  /// lanes inside the mask reach memory, so their values never matter.
  Value maskedLoad(VectorType t, Value mem, Value at, Value mask) {
    return vector::MaskedLoadOp::create(e.b, e.loc, t, mem, ValueRange{at},
                                        mask, LLVM::PoisonOp::create(e.b, e.loc, t));
  }

  /// storeVectors for convScalable's scalable accumulators: the first `n`
  /// channels from `chan` of each pixel j's accumulator accs[j], stored at
  /// out[at[j]], half a register group at a time (the i64 products of a
  /// whole e32/m4 group beside the kernel's live accumulators would spill),
  /// in the fixed-point form (qc.scale_shift) or, with a fused residual,
  /// the portable one.
  void storeScalable(const EpilogueTables &tb, Value chan, Value n,
                     ArrayRef<Value> accs, ArrayRef<Value> at, Value out,
                     int64_t zo, int64_t lo, int64_t hi, const Residual &res) {
    OpBuilder &b = e.b;
    auto accType = cast<VectorType>(accs.front().getType());
    const int64_t H = accType.getNumElements() / 2;
    auto half = VectorType::get({H}, b.getI32Type(), {true});
    auto wide = half.clone(b.getI64Type()), bytes = half.clone(b.getI8Type());
    Value step = e.mul(vector::VectorScaleOp::create(b, e.loc), e.index(H));
    for (int64_t h = 0; h < 2; ++h) {
      Value off = h ? step : e.index(0);
      Value mask = vector::CreateMaskOp::create(
          b, e.loc, half.clone(b.getI1Type()),
          ValueRange{arith::MaxSIOp::create(b, e.loc, e.sub(n, off), e.index(0))});
      Value c = e.add(chan, off);
      Value m32 = maskedLoad(half, tb.m, c, mask);
      Value s32, mv, rv, sv, rmv;
      if (tb.fixedPoint()) {
        s32 = maskedLoad(half, tb.shift32, c, mask);
      } else {
        mv = arith::ExtSIOp::create(b, e.loc, wide, m32);
        rv = maskedLoad(wide, tb.round, c, mask);
        sv = maskedLoad(wide, tb.shift, c, mask);
        if (res.buffer)
          rmv = maskedLoad(wide, tb.residualM, c, mask);
      }
      for (size_t j = 0; j < accs.size(); ++j) {
        Value acc = vector::ScalableExtractOp::create(b, e.loc, half, accs[j],
                                                      h * H);
        Value where = e.add(at[j], off);
        Value q;
        if (tb.fixedPoint()) {
          q = e.clampOffset(qc::ScaleShiftOp::create(b, e.loc, acc, m32, s32),
                            zo, lo, hi);
        } else {
          Value extra;
          if (res.buffer) {
            Value r = maskedLoad(bytes, res.buffer, where, mask);
            extra = e.mul(e.sub(arith::ExtSIOp::create(b, e.loc, wide, r),
                                e.splat(res.zeroPoint, wide)),
                          rmv);
          }
          q = e.requantize(acc, mv, rv, sv, zo, lo, hi, extra);
        }
        if (offsetOutput)
          q = arith::XOrIOp::create(b, e.loc, q, e.splat(-128, bytes));
        vector::MaskedStoreOp::create(b, e.loc, out, ValueRange{where}, mask, q);
      }
    }
  }

  /// AMX tile kernel (`tile.tdpbusd`) for a groups = 1 convolution. Tiles
  /// 0–3 accumulate C[M pixels × 16 channels] (i32), tiles 4–5 hold A[M
  /// pixels × KA bytes of the reduction] (u8, rows one pixel stride apart in
  /// the padded image), tiles 6–7 B[KA/4 × 16 channels × 4] (s8, packed at
  /// compile time). A block is up to 2 A tiles × 2 B tiles; C starts as the
  /// folded bias (a tile load with row stride 0) and goes through a stack
  /// buffer to the vector epilogue. The tile configuration is per thread, so
  /// each parallel iteration (one channel pair × a run of pixel blocks)
  /// loads it first and releases the tiles at its end.
  ///
  /// A tile's rows are positions one stride apart in the image. With
  /// stride 1 they run over the padded image's grid of window origins
  /// (position q = (n·hp + y)·wp + x reads from byte q·cp): where M does not
  /// divide an output row, the positions x >= ow of each row are computed
  /// too and their results not stored, so every tile but the last has M
  /// rows (a 7×7 output: 4 tiles of up to 16 positions instead of 7 of 7).
  /// The positions end at the last output pixel; the last tile takes the
  /// rows left (its own configuration).
  LogicalResult convTile(Operation *op, const ConvShape &s, Value x, Value out,
                         ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                         ArrayRef<double> realMultipliers, int64_t zx,
                         int64_t zo, int64_t lo, int64_t hi,
                         qc::KernelAttr kernel, const Residual &res) {
    OpBuilder &b = e.b;
    const int64_t L = 16, M = kernel.getBlock();
    const int64_t pixels = s.n * s.oh * s.ow;
    const int64_t hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
    const bool unit = s.sh == 1 && s.sw == 1;
    const bool flat = unit && s.kh == 1 && s.kw == 1 && s.pt == 0 &&
                      s.pl == 0 && s.pb == 0 && s.pr == 0;
    if (kernel.getLanes() != L || M < 1 || M > 16 ||
        (!unit && s.ow % M != 0))
      return op->emitError("kernel ")
             << kernel << " does not fit this convolution (" << pixels
             << " output pixels, rows of " << s.ow << ")";
    // Tiles over the grid of window origins (`grid`), or over the output
    // pixels (rows of M pixels, or all of them when unpadded 1×1): `Q`
    // positions, `aTiles` tiles of M and a last one of `tailRows`.
    const bool grid = unit && !flat && s.ow % M != 0;
    const int64_t Q = grid ? ((s.n - 1) * hp + s.oh - 1) * wp + s.ow : pixels;
    // Reduction step KA (bytes of one tile row, <= 64) dividing the padded
    // channel count cp. With few channels (an RGB stem) one step is a whole
    // kernel row instead: its kw·cp bytes lie next to each other in the
    // image when the columns are not dilated.
    int64_t cp = ceilDiv(s.c, 4) * 4, KA = 0;
    const bool rowTaps = s.c < 32 && s.dw == 1 && s.kw * cp <= 64;
    if (rowTaps)
      KA = s.kw * cp;
    for (int64_t k = std::min<int64_t>(64, cp); k >= 32 && !KA; k -= 4)
      if (cp % k == 0)
        KA = k;
    if (!KA)
      KA = 64, cp = ceilDiv(s.c, 64) * 64;
    const int64_t ksteps = rowTaps ? 1 : cp / KA, taps = s.kh * s.kw;
    // The steps over the kernel: its rows, or its taps.
    const int64_t tapSteps = rowTaps ? s.kh : taps;
    const int64_t ob = ceilDiv(s.o, L);

    // B tiles: [channel block][tap step][k step][KA/4 rows][16 channels][4];
    // with row taps, reduction byte k of kernel row ky is kx·cp + c.
    const int64_t bTile = KA * L;
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, /*signedInput=*/false, ob * L, cp,
        ob * tapSteps * ksteps * bTile,
        [&](int64_t o, int64_t tap, int64_t c) {
          int64_t step = tap, k = c;
          if (rowTaps)
            step = tap / s.kw, k = tap % s.kw * cp + c;
          return ((o / L * tapSteps + step) * ksteps + k / KA) * bTile +
                 ((k % KA) / 4 * L + o % L) * 4 + k % 4;
        },
        EpilogueShape{L, zo, lo, hi}, res);
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    Value wMem = pc.weights, biasMem = pc.bias, img = pc.img;
    EpilogueTables tables = pc.tables;

    // The 64-byte tile configuration (palette 1).
    SmallVector<int8_t> cfg(64, 0);
    cfg[0] = 1;
    auto shape = [&](int tile, int64_t rows, int64_t colsb) {
      cfg[16 + 2 * tile] = static_cast<int8_t>(colsb & 0xff);
      cfg[17 + 2 * tile] = static_cast<int8_t>(colsb >> 8);
      cfg[48 + tile] = static_cast<int8_t>(rows);
    };
    for (int tile = 0; tile < 4; ++tile)
      shape(tile, M, 4 * L);
    shape(4, M, KA);
    shape(5, M, KA);
    shape(6, KA / 4, 4 * L);
    shape(7, KA / 4, 4 * L);
    Value cfgMem = e.global<int8_t>(cfg, i8);

    auto tile = [&](StringRef action, ArrayRef<int64_t> tiles,
                    ValueRange args = {}) {
      qc::TileOp::create(b, e.loc, action, tiles, args, kernel);
    };
    auto tileLoad = [&](int64_t t, Value mem, Value byteOffset, int64_t stride) {
      tile("load", {t}, {mem, byteOffset, e.index(stride)});
    };

    // Position p -> byte offset of its window origin in the image.
    auto pixelBase = [&](Value p) {
      return grid || flat ? e.mul(p, e.index(cp)) : windowOrigin(s, p, cp);
    };
    const int64_t rowStride = s.sw * cp;
    Value buf = e.scratch(4 * M * L, i32);

    // One block: A tiles starting at output pixels a[i], B tiles of channel
    // blocks cb0 + j (j < nbt). `compute` leaves the sums in the C tiles,
    // `storeTiles` moves them to `buf`, `epilogue` requantizes `buf` into
    // the output.
    // `between(k)`, k < parts: work to place among the steps of the
    // reduction (the previous block's epilogue, a C tile at a time), after
    // equal runs of steps, in one loop (one copy of the code); what does
    // not fit (fewer steps than parts) comes after them.
    auto compute = [&](ArrayRef<Value> a, Value cb0, int64_t nbt,
                       int64_t parts = 0,
                       llvm::function_ref<void(Value)> between = {}) {
      const int64_t na = a.size();
      SmallVector<Value> aBase;
      for (Value p : a)
        aBase.push_back(pixelBase(p));
      for (int64_t i = 0; i < na; ++i)
        for (int64_t j = 0; j < nbt; ++j)
          tileLoad(2 * i + j, biasMem,
                   e.mul(e.add(cb0, e.index(j)), e.index(4 * L)), 0);
      auto tapBase = [&](Value tap) {
        Value ky = rowTaps ? tap : arith::DivUIOp::create(b, e.loc, tap, e.index(s.kw));
        Value kx = rowTaps ? e.index(0) : arith::RemUIOp::create(b, e.loc, tap, e.index(s.kw));
        return tapOffset(s, cp, ky, kx);
      };
      auto step = [&](Value tap, Value tapOff, Value ks) {
        Value kOff = e.add(tapOff, e.mul(ks, e.index(KA)));
        for (int64_t i = 0; i < na; ++i)
          tileLoad(4 + i, img, e.add(aBase[i], kOff), rowStride);
        for (int64_t j = 0; j < nbt; ++j) {
          Value blk = e.add(cb0, e.index(j));
          Value off = e.mul(
              e.add(e.mul(e.add(e.mul(blk, e.index(tapSteps)), tap),
                          e.index(ksteps)),
                    ks),
              e.index(bTile));
          tileLoad(6 + j, wMem, off, 4 * L);
        }
        for (int64_t i = 0; i < na; ++i)
          for (int64_t j = 0; j < nbt; ++j)
            tile("dot", {2 * i + j, 4 + i, 6 + j});
      };
      if (parts == 0) {
        e.loop(0, tapSteps, 1, [&](Value tap) {
          Value tapOff = tapBase(tap);
          e.loop(0, ksteps, 1, [&](Value ks) { step(tap, tapOff, ks); });
        });
        return;
      }
      const int64_t steps = tapSteps * ksteps;
      const int64_t runs = std::min<int64_t>(steps, parts);
      e.loop(0, runs, 1, [&](Value r) {
        auto bound = [&](Value k) {
          return arith::DivUIOp::create(b, e.loc, e.mul(k, e.index(steps)),
                                        e.index(runs));
        };
        e.loop(bound(r), bound(e.add(r, e.index(1))), 1, [&](Value k) {
          Value tap = arith::DivUIOp::create(b, e.loc, k, e.index(ksteps));
          step(tap, tapBase(tap), arith::RemUIOp::create(b, e.loc, k, e.index(ksteps)));
        });
        between(r);
      });
      for (int64_t r = runs; r < parts; ++r)
        between(e.index(r));
    };
    auto storeTiles = [&](int64_t na, int64_t nbt) {
      for (int64_t i = 0; i < na; ++i)
        for (int64_t j = 0; j < nbt; ++j)
          tile("store", {2 * i + j},
               {buf, e.index((2 * i + j) * M * L * 4), e.index(4 * L)});
    };
    // Grid position q -> its output pixel, and whether it is one (x < ow,
    // y < oh): a table made at compile time (-1 for the positions past a
    // row's end), one load per row instead of three divisions.
    Value pixelOf;
    if (grid) {
      SmallVector<int32_t> table(Q);
      for (int64_t q = 0; q < Q; ++q) {
        int64_t n = q / (hp * wp), y = q % (hp * wp) / wp, x = q % wp;
        table[q] = y < s.oh && x < s.ow ? (n * s.oh + y) * s.ow + x : -1;
      }
      pixelOf = e.global<int32_t>(table, i32);
    }
    auto gridPixel = [&](Value q) -> std::pair<Value, Value> {
      Value p = e.load(pixelOf, q);
      Value real = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::sge, p,
                                         e.intConst(0, i32));
      return {arith::IndexCastOp::create(b, e.loc, b.getIndexType(), p), real};
    };
    // The C tile `t` (= 2i + j: A tile i from position p0, channel block
    // blk = cb0 + j) of `rows` rows.
    auto epilogueTile = [&](Value p0, int64_t rows, Value t, Value blk) {
      auto accType = VectorType::get({L}, i32);
      Value chan = e.mul(blk, e.index(L));
      SmallVector<Value> accs, at, when;
      for (int64_t r = 0; r < rows; ++r) {
        accs.push_back(vector::LoadOp::create(
            b, e.loc, accType, buf,
            ValueRange{e.add(e.mul(t, e.index(M * L)), e.index(r * L))}));
        Value p = e.add(p0, e.index(r));
        if (grid) {
          auto [pixel, real] = gridPixel(p);
          p = pixel;
          when.push_back(real);
        }
        at.push_back(e.add(e.mul(p, e.index(s.o)), chan));
      }
      storeVectors(tables, chan, accs, at, out, zo, lo, hi, res, when);
    };
    // All C tiles of a block; `rows[i]`: the rows of A tile i (M, or the
    // last tile's).
    auto epilogue = [&](ArrayRef<Value> a, ArrayRef<int64_t> rows, Value cb0,
                        int64_t nbt) {
      for (size_t i = 0; i < a.size(); ++i)
        for (int64_t j = 0; j < nbt; ++j)
          epilogueTile(a[i], rows[i], e.index(2 * i + j),
                       e.add(cb0, e.index(j)));
    };
    const int64_t pairRows[] = {M, M};

    // Work: A-tile pairs × channel-block pairs (the last may be one block),
    // then the tail: the A tiles after the pairs (a lone full one, a shorter
    // last one, or both). A parallel iteration is one channel pair and up
    // to `run` consecutive A pairs.
    const int64_t aTiles = Q / M, tailRows = Q % M, aPairs = aTiles / 2;
    SmallVector<int64_t> tail;
    if (aTiles % 2)
      tail.push_back(M);
    if (tailRows)
      tail.push_back(tailRows);
    const int64_t cPairs = ob / 2, cSingle = ob % 2;
    // Runs of up to 8 pairs (a run pipelines its epilogues), as long as
    // there are at least 8 parallel iterations in all.
    const int64_t run = std::clamp<int64_t>(
        ceilDiv(aPairs, ceilDiv(8, std::max<int64_t>(cPairs, 1))), 1, 8);
    const int64_t runs = ceilDiv(std::max<int64_t>(aPairs, 1), run);
    auto withTiles = [&](Value config, llvm::function_ref<void()> body) {
      tile("config", {}, {config, e.index(0)});
      body();
      tile("release", {});
    };
    // The tail (7×7 outputs on the grid: 3 tiles of 16 positions and one of
    // 13), with the configuration of its tiles' rows.
    Value tailCfg = cfgMem;
    if (!tail.empty() && tail.back() != M) {
      for (size_t i = 0; i < tail.size(); ++i) {
        shape(4 + i, tail[i], KA);
        shape(2 * i, tail[i], 4 * L);
        shape(2 * i + 1, tail[i], 4 * L);
      }
      tailCfg = e.global<int8_t>(cfg, i8);
    }
    SmallVector<Value> tailPixels;
    for (size_t i = 0; i < tail.size(); ++i)
      tailPixels.push_back(e.index((2 * aPairs + i) * M));
    // The tail's block, under tailCfg; `between` as for compute.
    auto tailBlock = [&](Value cb0, int64_t nbt, int64_t parts = 0,
                         llvm::function_ref<void(Value)> between = {}) {
      compute(tailPixels, cb0, nbt, parts, between);
      storeTiles(tailPixels.size(), nbt);
      epilogue(tailPixels, tail, cb0, nbt);
    };
    // Software-pipelined over the A pairs of a run: the previous pair's
    // vector epilogue goes among this pair's tdpbusd in program order, a C
    // tile after each quarter of the reduction steps, so the core
    // requantizes while the tile unit multiplies. (All of it after the
    // tdpbusd, its ~700 instructions filled the reorder buffer behind them
    // and the rest ran with the tile unit idle: 3x3 64>64 at 56x56 spent
    // 25% of its time there.) A channel block's last run then does its
    // tail while its weights are in cache (7×7 outputs: 2.4 MB of them for
    // 512 channels, read again from L3 before), with the last pair's
    // epilogue among the tail's tdpbusd.
    auto channelPart = [&](Value cb0, int64_t nbt, Value r) {
      Value first = e.mul(r, e.index(run));
      Value last = arith::MinUIOp::create(b, e.loc, e.add(first, e.index(run)),
                                          e.index(aPairs));
      auto pairPixels = [&](Value pair) -> SmallVector<Value> {
        Value p0 = e.mul(pair, e.index(2 * M));
        return {p0, e.add(p0, e.index(M))};
      };
      // Part k of the epilogue of pair `pair` (where `when` holds): its C
      // tile 2i + j, k = i·nbt + j.
      auto epiloguePart = [&](Value pair, Value k, Value when = Value()) {
        auto part = [&] {
          Value i = arith::DivUIOp::create(b, e.loc, k, e.index(nbt));
          Value j = arith::RemUIOp::create(b, e.loc, k, e.index(nbt));
          epilogueTile(e.mul(e.add(e.mul(pair, e.index(2)), i), e.index(M)), M,
                       e.add(e.mul(i, e.index(2)), j), e.add(cb0, j));
        };
        if (when)
          e.ifThen(when, part);
        else
          part();
      };
      e.loop(first, last, 1, [&](Value pair) {
        Value later = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::ugt,
                                            pair, first);
        Value previous = e.sub(pair, e.index(1));
        compute(pairPixels(pair), cb0, nbt, run > 1 ? 2 * nbt : 0,
                [&](Value k) { epiloguePart(previous, k, later); });
        storeTiles(2, nbt);
      });
      Value lastPair = e.sub(last, e.index(1));
      if (tail.empty()) {
        epilogue(pairPixels(lastPair), pairRows, cb0, nbt);
        return;
      }
      Value lastRun = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq,
                                            r, e.index(runs - 1));
      e.ifElse(
          lastRun,
          [&] {
            if (tailCfg != cfgMem)
              tile("config", {}, {tailCfg, e.index(0)});
            tailBlock(cb0, nbt, 2 * nbt,
                      [&](Value k) { epiloguePart(lastPair, k); });
          },
          [&] { epilogue(pairPixels(lastPair), pairRows, cb0, nbt); });
    };
    const int64_t work = pixels * s.o * s.c * taps;
    if (aPairs > 0 && cPairs > 0)
      e.parallelLoop(0, cPairs * runs, 1, work, [&](Value it) {
        Value cp2 = arith::DivUIOp::create(b, e.loc, it, e.index(runs));
        Value r = arith::RemUIOp::create(b, e.loc, it, e.index(runs));
        withTiles(cfgMem, [&] { channelPart(e.mul(cp2, e.index(2)), 2, r); });
      });
    if (aPairs > 0 && cSingle)
      e.parallelLoop(0, runs, 1, work / std::max<int64_t>(ob, 1), [&](Value r) {
        withTiles(cfgMem, [&] { channelPart(e.index(ob - 1), 1, r); });
      });
    // Without pairs, the tail alone, by channel pairs on the pool too.
    if (aPairs == 0 && !tail.empty()) {
      if (cPairs > 0)
        e.parallelLoop(0, cPairs, 1, work * int64_t(tail.size()) / ceilDiv(Q, M),
                       [&](Value c2) {
          withTiles(tailCfg, [&] { tailBlock(e.mul(c2, e.index(2)), 2); });
        });
      if (cSingle)
        withTiles(tailCfg, [&] { tailBlock(e.index(ob - 1), 1); });
    }
    return success();
  }

  /// Matrix multiply-accumulate kernel (`mmla.*`, AArch64 usmmla) for a
  /// groups = 1 convolution: each accumulator is 2 pixels × 2 output
  /// channels, each step 8 bytes of the reduction (channels padded to 8).
  /// A tile is PP pixel pairs × CB vectors of 4 channels (2 channel pairs
  /// each); a pair's operand is 8 bytes of each of its two pixels, a channel
  /// pair's 8 bytes of each of its two channels' weights (packed at compile
  /// time). The epilogue regroups [p c0, p c1, q c0, q c1] and
  /// [p c2, p c3, q c2, q c3] into one 4-channel vector per pixel.
  LogicalResult convMmla(const ConvShape &s, Value x, Value out,
                         ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                         ArrayRef<double> realMultipliers, int64_t zx,
                         int64_t zo, int64_t lo, int64_t hi,
                         qc::KernelAttr kernel, const Residual &res) {
    OpBuilder &b = e.b;
    const int64_t L = 4, taps = s.kh * s.kw;
    const int64_t cp = ceilDiv(s.c, 8) * 8, c8 = cp / 8, ob = ceilDiv(s.o, L);
    const int64_t CB = std::clamp<int64_t>(kernel.getChannelBlocks(), 1, ob);
    const int64_t pixels = s.n * s.oh * s.ow;
    const int64_t PP = std::clamp<int64_t>(kernel.getBlock(), 1, ceilDiv(pixels, 2));
    const int64_t wp = s.w + s.pl + s.pr;

    // Weights: groups of CB vectors, each [tap][k8][pair in group][2][8].
    const int64_t groupStride = CB * taps * c8 * 2 * 16;
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, /*signedInput=*/false, ob * L, cp,
        ceilDiv(ob, CB) * groupStride,
        [&](int64_t o, int64_t tap, int64_t c) {
          int64_t blk = o / L, g = blk / CB, m = blk % CB;
          int64_t cbg = std::min(CB, ob - g * CB);
          int64_t pair = m * 2 + (o % L) / 2, half = o % 2;
          return g * groupStride +
                 (((tap * c8 + c / 8) * 2 * cbg + pair) * 2 + half) * 8 + c % 8;
        },
        EpilogueShape{L, zo, lo, hi}, res);
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    Value wMem = pc.weights, biasMem = pc.bias, img = pc.img;
    EpilogueTables tables = pc.tables;
    auto bytes16 = VectorType::get({16}, i8), bytes8 = VectorType::get({8}, i8);

    // One tile: pixel pairs starting at p0 (npairs of them; `lastSingle`:
    // the last pair's second pixel is past the end, computed as a copy of
    // the first and not stored) × the cbg vectors of channel group g.
    auto emitTile = [&](Value p0, int64_t npairs, bool lastSingle, Value g,
                        int64_t cbg) {
      Value chan0 = e.mul(g, e.index(CB * L));
      Value wGroup = e.mul(g, e.index(groupStride));
      const int64_t np = 2 * npairs - (lastSingle ? 1 : 0);
      SmallVector<Value> pixBase, outBase;
      for (int64_t j = 0; j < 2 * npairs; ++j) {
        Value p = e.add(p0, e.index(std::min(j, np - 1)));
        pixBase.push_back(windowOrigin(s, p, cp));
        outBase.push_back(e.add(e.mul(p, e.index(s.o)), chan0));
      }
      // accs[i * 2cbg + q]: pixel pair i, channel pair q; started from the
      // bias of both channels in both rows.
      SmallVector<Value> accs;
      for (int64_t i = 0; i < npairs; ++i)
        for (int64_t q = 0; q < 2 * cbg; ++q) {
          Value two = vector::LoadOp::create(
              b, e.loc, VectorType::get({2}, i32), biasMem,
              ValueRange{e.add(chan0, e.index(2 * q))});
          accs.push_back(vector::ShuffleOp::create(b, e.loc, two, two,
                                                   ArrayRef<int64_t>{0, 1, 0, 1}));
        }
      accs = e.loopCarried(0, taps, accs, [&](Value tap, ValueRange a1) {
        Value ky = arith::DivUIOp::create(b, e.loc, tap, e.index(s.kw));
        Value kx = arith::RemUIOp::create(b, e.loc, tap, e.index(s.kw));
        Value tapOff = tapOffset(s, cp, ky, kx);
        Value wTap = e.add(wGroup, e.mul(tap, e.index(c8 * 2 * cbg * 16)));
        return e.loopCarried(0, c8, a1, [&](Value k, ValueRange a2) {
          Value kOff = e.add(tapOff, e.mul(k, e.index(8)));
          Value wStep = e.add(wTap, e.mul(k, e.index(2 * cbg * 16)));
          SmallVector<Value> wv, xv;
          for (int64_t q = 0; q < 2 * cbg; ++q)
            wv.push_back(vector::LoadOp::create(
                b, e.loc, bytes16, wMem, ValueRange{e.add(wStep, e.index(q * 16))}));
          for (int64_t i = 0; i < npairs; ++i) {
            auto row = [&](int64_t j) {
              return vector::LoadOp::create(b, e.loc, bytes8, img,
                                            ValueRange{e.add(pixBase[j], kOff)})
                  .getResult();
            };
            SmallVector<int64_t> concat;
            for (int64_t l = 0; l < 16; ++l)
              concat.push_back(l);
            xv.push_back(vector::ShuffleOp::create(b, e.loc, row(2 * i),
                                                   row(2 * i + 1), concat));
          }
          SmallVector<Value> next(a2.begin(), a2.end());
          for (int64_t i = 0; i < npairs; ++i)
            for (int64_t q = 0; q < 2 * cbg; ++q)
              next[i * 2 * cbg + q] = qc::MmlaOp::create(
                  b, e.loc, a2[i * 2 * cbg + q], xv[i], wv[q], kernel);
          return next;
        });
      });
      // Per channel vector m: pixel rows out of channel pairs 2m, 2m+1.
      SmallVector<Value> rows, at;
      for (int64_t m = 0; m < cbg; ++m)
        for (int64_t i = 0; i < npairs; ++i) {
          Value a = accs[i * 2 * cbg + 2 * m], c = accs[i * 2 * cbg + 2 * m + 1];
          for (int64_t h = 0; h < 2 && 2 * i + h < np; ++h) {
            rows.push_back(vector::ShuffleOp::create(
                b, e.loc, a, c,
                ArrayRef<int64_t>{2 * h, 2 * h + 1, 4 + 2 * h, 5 + 2 * h}));
            if (m == 0)
              at.push_back(outBase[2 * i + h]);
          }
        }
      storeVectors(tables, chan0, rows, at, out, zo, lo, hi, res, {}, cbg);
    };
    // Tiles of PP pixel pairs; an odd tile's last pair has one pixel.
    forEachTile(ob, CB, pixels, 2 * PP, pixels * s.o * s.c * taps, s.o * cp * taps,
                s.n * (s.h + s.pt + s.pb) * wp * cp,
                [&](Value p0, int64_t n, Value g, int64_t cbg) {
                  emitTile(p0, ceilDiv(n, 2), n % 2 == 1, g, cbg);
                });
    return success();
  }

  /// How a depthwise conv's output is dealt to the pool: about 8 chunks per
  /// image, by rows of at least 4 (a chunk re-reads the rows above its
  /// first), then by groups of `bpg` channel blocks (which share nothing,
  /// but each reads a slice of every pixel); one chunk per image where the
  /// layer stays on one thread (`work`, weighted as the caller's kernel).
  struct DepthwiseChunks {
    int64_t bpg, nGroups, rows, perImage, count, work;
  };
  static DepthwiseChunks depthwiseChunks(const ConvShape &s, int64_t cb,
                                         int64_t work) {
    const bool parallel = work >= Emitter::kParallelWork;
    const int64_t rowChunks = parallel ? std::clamp<int64_t>(s.oh / 4, 1, 8) : 1;
    DepthwiseChunks dc;
    dc.bpg = ceilDiv(cb, parallel ? std::min(cb, ceilDiv(8, rowChunks)) : 1);
    dc.nGroups = ceilDiv(cb, dc.bpg);
    dc.rows = ceilDiv(s.oh, rowChunks);
    dc.perImage = ceilDiv(s.oh, dc.rows);
    dc.count = s.n * dc.perImage * dc.nGroups;
    dc.work = work;
    return dc;
  }
  /// Runs body(chunk, n, r0, r1, gb0, gb1) on the pool for each chunk: output
  /// rows [r0, r1) of image n, channel blocks [gb0, gb1) (of cb).
  void forEachDepthwiseChunk(
      const ConvShape &s, int64_t cb, const DepthwiseChunks &dc,
      llvm::function_ref<void(Value, Value, Value, Value, Value, Value)> body) {
    OpBuilder &b = e.b;
    e.parallelLoop(0, dc.count, 1, dc.work, [&](Value chunk) {
      // chunk = (n·perImage + row chunk)·nGroups + channel group
      Value rows0 = arith::DivUIOp::create(b, e.loc, chunk, e.index(dc.nGroups));
      Value gb0 = e.mul(arith::RemUIOp::create(b, e.loc, chunk, e.index(dc.nGroups)),
                        e.index(dc.bpg));
      Value gb1 = arith::MinSIOp::create(b, e.loc, e.add(gb0, e.index(dc.bpg)),
                                         e.index(cb));
      Value n = arith::DivUIOp::create(b, e.loc, rows0, e.index(dc.perImage));
      Value r0 = e.mul(arith::RemUIOp::create(b, e.loc, rows0, e.index(dc.perImage)),
                       e.index(dc.rows));
      Value r1 = arith::MinSIOp::create(b, e.loc, e.add(r0, e.index(dc.rows)),
                                        e.index(s.oh));
      body(chunk, n, r0, r1, gb0, gb1);
    });
  }

  /// Depthwise convolution with a 4-way dot-product kernel and kw <= 4
  /// where convDepthwiseColumns does not apply (kh > 8 or row dilation):
  /// the taps of one kernel row of L channels are one dot4 of 4L bytes,
  /// lane l holding [x(kx = 0), x(1), x(2), x(3)] of channel l (a 4th tap
  /// past kw is 0 in the weights). Each thread takes chunks of R output rows
  /// × a group of channel blocks and unfolds the input rows they need, once
  /// each, into a ring of (kh − 1)·dh + 1 rows U[slot][ow][group's
  /// channels][4] read straight from the unpadded input: taps outside the
  /// image read the zero point, so they contribute nothing once Σw·zx is in
  /// the bias, and rows outside it are filled with the zero point. A ring
  /// row is 4·ow·(group's channels) bytes, so the rows a chunk reads stay in
  /// cache, and no padded copy of the image is made.
  /// Per output row: channel blocks outside, tiles of T pixels inside
  /// (weights and epilogue tables stay in registers along the row).
  LogicalResult convDepthwiseDot(const ConvShape &s, Value x, Value out,
                                 ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                                 ArrayRef<double> realMultipliers, int64_t zx,
                                 int64_t zo, int64_t lo, int64_t hi,
                                 qc::KernelAttr kernel, const Residual &res) {
    OpBuilder &b = e.b;
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    const int64_t L = kernel.getLanes(), T = 4;
    const int64_t cb = ceilDiv(s.c, L), cp = cb * L;
    const bool toUnsigned = !kernel.getSignedInput();
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, /*signedInput=*/!toUnsigned, cp, cp,
        s.kh * cp * 4,
        [&](int64_t c, int64_t tap, int64_t) {
          return ((tap / s.kw) * cp + c) * 4 + tap % s.kw;
        },
        EpilogueShape{L, zo, lo, hi}, res, /*wide=*/false, /*image=*/false);
    // Work weighted x8 against the pool's threshold: a depthwise
    // multiply-add costs several dense ones here (3 of a dot4's 4 bytes
    // used, the unfold, an epilogue per kh·kw products).
    // A row chunk re-unfolds the ring − 1 rows it shares with the one
    // before.
    const DepthwiseChunks dc =
        depthwiseChunks(s, cb, 8 * s.n * s.oh * s.ow * s.c * s.kh * s.kw);
    const int64_t bpg = dc.bpg, chunks = dc.count;
    // A chunk's ring: (kh − 1)·dh + 1 rows of U[ow][its bpg·L channels][4].
    const int64_t ring = (s.kh - 1) * s.dh + 1, gcp = bpg * L,
                  rowBytes = s.ow * gcp * 4;
    Value U = e.alloc(chunks * ring * rowBytes, i8);

    auto tapType = VectorType::get({L}, i8);
    auto groupType = VectorType::get({4 * L}, i8);
    Value zxTap = e.splat(zx, tapType), zeroTap = e.splat(0, tapType);
    Value flip = e.splat(-128, groupType);
    // What an out-of-image tap holds once unfolded: zx, as unsigned where
    // the kernel takes it so.
    Value fillGroup = e.splat(zx, groupType);
    if (toUnsigned)
      fillGroup = arith::XOrIOp::create(b, e.loc, fillGroup, flip);

    // Unfolds the L channels from c0 of output column ow of input row ih
    // (inside the image) into U[at]. `checked`: some taps may lie outside
    // the image columns (they read zx).
    // Narrow inputs (3 taps of 16 channels within 80–128 bytes: 32, 40 or 56
    // channels, column dilation 1): the taps' window is one 64-byte load and
    // one of 16–64 bytes, and one two-source byte permutation (vpermt2b)
    // lays them out, instead of three 16-byte loads put together with
    // inserts. The fourth byte of a group repeats tap 0: its weight is 0.
    const int64_t window = 2 * s.c + L;
    const bool windowed = L == 16 && s.kw == 3 && s.dw == 1 && window > 64 &&
                          llvm::is_contained(ArrayRef<int64_t>{16, 32, 64}, window - 64);
    SmallVector<int64_t> windowLanes;
    if (windowed)
      for (int64_t l = 0; l < L; ++l)
        for (int64_t k = 0; k < 4; ++k)
          windowLanes.push_back((k < 3 ? k : 0) * s.c + l);
    // Input column of tap k of output column ow, and the offset of channel
    // c0 of input column iw in the row starting at pixel pixelRow.
    auto tapColumn = [&](Value ow, int64_t k) {
      return e.sub(e.add(e.mul(ow, e.index(s.sw)), e.index(k * s.dw)),
                   e.index(s.pl));
    };
    auto source = [&](Value pixelRow, Value iw, Value c0) {
      return e.add(e.mul(e.add(pixelRow, iw), e.index(s.c)), c0);
    };
    auto unfoldGroup = [&](Value pixelRow, Value ow, Value c0, Value at,
                           bool checked, Value mask) {
      if (windowed && !checked && !mask) {
        Value src = source(pixelRow, tapColumn(ow, 0), c0);
        Value lo = vector::LoadOp::create(b, e.loc, VectorType::get({64}, i8), x,
                                          ValueRange{src});
        Value hi = vector::LoadOp::create(b, e.loc, VectorType::get({window - 64}, i8),
                                          x, ValueRange{e.add(src, e.index(64))});
        Value all = vector::ShuffleOp::create(b, e.loc, lo, hi, windowLanes);
        if (toUnsigned)
          all = arith::XOrIOp::create(b, e.loc, all, flip);
        vector::StoreOp::create(b, e.loc, all, U, ValueRange{at});
        return;
      }
      SmallVector<Value> taps;
      for (int64_t k = 0; k < 4; ++k) {
        if (k >= s.kw) {
          taps.push_back(zeroTap);
          continue;
        }
        Value iw = tapColumn(ow, k);
        Value valid;
        if (checked) {
          Value ge = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::sge,
                                           iw, e.index(0));
          Value lt = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::slt,
                                           iw, e.index(s.w));
          valid = arith::AndIOp::create(b, e.loc, ge, lt);
          iw = arith::MaxSIOp::create(b, e.loc, iw, e.index(0));
          iw = arith::MinSIOp::create(b, e.loc, iw, e.index(s.w - 1));
        }
        Value src = source(pixelRow, iw, c0);
        Value v = mask ? vector::MaskedLoadOp::create(b, e.loc, tapType, x,
                                                      ValueRange{src}, mask, zxTap)
                             .getResult()
                       : vector::LoadOp::create(b, e.loc, tapType, x,
                                                ValueRange{src})
                             .getResult();
        if (valid)
          v = arith::SelectOp::create(b, e.loc, valid, v, zxTap);
        taps.push_back(v);
      }
      // [t0 t1 t2 t3] per channel: the four taps side by side, then one
      // byte permutation (x86: the taps inserted into one zmm and a vpermb,
      // whose index vector is a constant).
      SmallVector<int64_t> pair, four, order;
      for (int64_t i = 0; i < 2 * L; ++i)
        pair.push_back(i);
      for (int64_t i = 0; i < 4 * L; ++i)
        four.push_back(i);
      for (int64_t l = 0; l < L; ++l)
        for (int64_t k = 0; k < 4; ++k)
          order.push_back(k * L + l);
      Value a = vector::ShuffleOp::create(b, e.loc, taps[0], taps[1], pair);
      Value c = vector::ShuffleOp::create(b, e.loc, taps[2], taps[3], pair);
      Value side = vector::ShuffleOp::create(b, e.loc, a, c, four);
      Value all = vector::ShuffleOp::create(b, e.loc, side, side, order);
      if (toUnsigned)
        all = arith::XOrIOp::create(b, e.loc, all, flip);
      vector::StoreOp::create(b, e.loc, all, U, ValueRange{at});
    };
    // Output columns whose taps all lie inside the image: [owLo, owHi).
    const int64_t owLo = std::min(ceilDiv(s.pl, s.sw), s.ow);
    const int64_t lastTap = (s.kw - 1) * s.dw - s.pl;
    const int64_t owHi = std::clamp<int64_t>(
        s.w - 1 - lastTap < 0 ? 0 : (s.w - 1 - lastTap) / s.sw + 1, owLo, s.ow);
    const int64_t fullBlocks = s.c / L;
    // Unfolds blocks [gb0, gb1) of padded row p (image n) into ring row
    // `slot` (byte offset).
    auto unfoldRow = [&](Value n, Value p, Value slot, Value gb0, Value gb1) {
      Value g0 = e.mul(gb0, e.index(L));
      Value ih = e.sub(p, e.index(s.pt));
      Value ge = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::sge, ih,
                                       e.index(0));
      Value lt = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::slt, ih,
                                       e.index(s.h));
      e.ifElse(
          arith::AndIOp::create(b, e.loc, ge, lt),
          [&] {
            Value pixelRow = e.mul(e.add(e.mul(n, e.index(s.h)), ih), e.index(s.w));
            auto columns = [&](int64_t from, int64_t to, bool checked) {
              if (from >= to)
                return;
              e.loop(from, to, 1, [&](Value ow) {
                Value rowAt = e.sub(e.add(slot, e.mul(ow, e.index(gcp * 4))),
                                    e.mul(g0, e.index(4)));
                Value fullEnd = arith::MinSIOp::create(b, e.loc, gb1, e.index(fullBlocks));
                e.loop(gb0, fullEnd, 1, [&](Value blk) {
                  Value c0 = e.mul(blk, e.index(L));
                  unfoldGroup(pixelRow, ow, c0, e.add(rowAt, e.mul(c0, e.index(4))),
                              checked, {});
                });
                if (s.c % L) {
                  // The last block (in the last group): channels past s.c
                  // are not read.
                  Value last = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq,
                                                     gb1, e.index(cb));
                  e.ifThen(last, [&] {
                    Value mask = vector::ConstantMaskOp::create(
                        b, e.loc, VectorType::get({L}, b.getI1Type()),
                        ArrayRef<int64_t>{s.c % L});
                    unfoldGroup(pixelRow, ow, e.index(fullBlocks * L),
                                e.add(rowAt, e.index(fullBlocks * L * 4)), checked,
                                mask);
                  });
                }
              });
            };
            columns(0, owLo, true);
            columns(owLo, owHi, false);
            columns(owHi, s.ow, true);
          },
          [&] {
            e.loop(0, s.ow * bpg, 1, [&](Value g) {
              vector::StoreOp::create(b, e.loc, fillGroup, U,
                                      ValueRange{e.add(slot, e.mul(g, e.index(4 * L)))});
            });
          });
    };

    auto accType = VectorType::get({L}, i32);
    // Blocks [gb0, gb1) of output row (n, oh); ring row of kernel row ky
    // at slots[ky].
    auto computeRow = [&](Value n, Value oh, ArrayRef<Value> slots, Value gb0,
                          Value gb1) {
      Value g0 = e.mul(gb0, e.index(L));
      e.loop(gb0, gb1, 1, [&](Value blk) {
        Value c0 = e.mul(blk, e.index(L));
        Value init = vector::LoadOp::create(b, e.loc, accType, pc.bias, ValueRange{c0});
        SmallVector<Value> wv;
        for (int64_t ky = 0; ky < s.kh; ++ky)
          wv.push_back(vector::LoadOp::create(
              b, e.loc, groupType, pc.weights,
              ValueRange{e.mul(e.add(e.index(ky * cp), c0), e.index(4))}));
        auto tile = [&](Value ow0, int64_t nt) {
          SmallVector<Value> accs(nt, init);
          for (int64_t ky = 0; ky < s.kh; ++ky)
            for (int64_t j = 0; j < nt; ++j) {
              Value at = e.add(
                  slots[ky],
                  e.mul(e.add(e.mul(e.add(ow0, e.index(j)), e.index(gcp)), e.sub(c0, g0)),
                        e.index(4)));
              Value xv = vector::LoadOp::create(b, e.loc, groupType, U, ValueRange{at});
              accs[j] = qc::Dot4Op::create(b, e.loc, accs[j], xv, wv[ky], kernel);
            }
          storeVectors(pc.tables, c0, accs,
                       depthwiseOutputs(s, n, oh, ow0, nt, c0), out, zo, lo, hi,
                       res);
        };
        const int64_t full = s.ow - s.ow % T;
        if (full > 0)
          e.loop(0, full, T, [&](Value ow0) { tile(ow0, T); });
        if (full < s.ow)
          tile(e.index(full), s.ow - full);
      });
    };

    forEachDepthwiseChunk(s, cb, dc, [&](Value chunk, Value n, Value r0, Value r1,
                                         Value gb0, Value gb1) {
      Value base = e.mul(chunk, e.index(ring * rowBytes));
      // Padded rows up to `next` are in the ring already.
      auto rows = scf::ForOp::create(b, e.loc, r0, r1, e.index(1),
                                     ValueRange{e.mul(r0, e.index(s.sh))});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(rows.getBody());
      Value oh = rows.getInductionVar(), next = rows.getRegionIterArgs()[0];
      Value first = e.mul(oh, e.index(s.sh));
      Value end = e.add(first, e.index(ring));
      auto slotOf = [&](Value p) {
        return e.add(base, e.mul(arith::RemUIOp::create(b, e.loc, p, e.index(ring)),
                                 e.index(rowBytes)));
      };
      e.loop(arith::MaxSIOp::create(b, e.loc, next, first), end, 1,
             [&](Value p) { unfoldRow(n, p, slotOf(p), gb0, gb1); });
      SmallVector<Value> slots;
      for (int64_t ky = 0; ky < s.kh; ++ky)
        slots.push_back(slotOf(e.add(first, e.index(ky * s.dh))));
      computeRow(n, oh, slots, gb0, gb1);
      scf::YieldOp::create(b, e.loc, ValueRange{end});
    });
    return success();
  }

  /// Whether `kernel` is an ISA's 4-way dot product (not the portable one).
  static bool isDot4Kernel(qc::KernelAttr kernel) {
    return kernel && kernel.getName().starts_with("dot4.") &&
           kernel.getName() != "dot4.generic";
  }

  /// Whether a depthwise conv takes one of the dot-product depthwise
  /// kernels: a 4-way dot product in one instruction. AVX2's
  /// `dot4.vpmaddwd.ymm` splits each operand into i16 halves first (5
  /// instructions besides the two `vpmaddwd`), which the dense kernels share
  /// among a tile's pixels and channel vectors but the depthwise ones cannot:
  /// on mbv2's 3x3 144 @56 (Zen 3) the column kernel took 450–520 µs, the
  /// dot one 510–540, the widening one 400–420.
  static bool isDepthwiseDot4Kernel(qc::KernelAttr kernel) {
    return isDot4Kernel(kernel) && kernel.getName() != "dot4.vpmaddwd.ymm";
  }

  /// Whether a depthwise conv (groups = C, O = m·C) takes
  /// convDepthwiseColumns: a 4-way dot-product kernel whose lanes m divides,
  /// at most 8 kernel rows, no row dilation.
  static bool columnDepthwise(const ConvShape &s, qc::KernelAttr kernel) {
    return isDepthwiseDot4Kernel(kernel) && s.groups == s.c &&
           s.o % s.c == 0 && kernel.getLanes() % (s.o / s.c) == 0 &&
           s.kh <= 8 && s.dh == 1;
  }

  /// Depthwise convolution with a 4-way dot-product kernel, kh <= 8 and no
  /// row dilation: the taps of one kernel column are G = ceil(kh / 4) dot4s,
  /// the vectors of input column iw holding in lane l [x(ih + 4g), ..,
  /// x(ih + 4g + 3)] of channel l for g < G (rows past kh weigh 0). Walking
  /// down the output rows, a column's vectors take each next input row by
  /// funnel shifts of their i32 lanes, (v_g >> 8) | (v_g+1 << 24) and
  /// (v_G-1 >> 8) | (byte << 24) (x86 `vpshrdd`), so each input byte is
  /// loaded once per tile and nothing is unfolded through memory. With a
  /// channel multiplier m (O = m·C, m dividing L) each loaded input byte
  /// is repeated m times across the lanes of its output channels.
  /// A tile is up to T output pixels of a row and one channel vector; the
  /// columns it reads stay in registers while it walks down a chunk of
  /// output rows. Tiles whose columns all lie in the image run in a loop;
  /// those reaching into the padding are emitted one by one, their outside
  /// columns constant. Outside columns and rows hold zx, which contributes
  /// nothing once Σw·zx is in the bias.
  LogicalResult convDepthwiseColumns(const ConvShape &s, Value x, Value out,
                                     ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                                     ArrayRef<double> realMultipliers,
                                     int64_t zx, int64_t zo, int64_t lo,
                                     int64_t hi, qc::KernelAttr kernel,
                                     const Residual &res) {
    OpBuilder &b = e.b;
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    // Output channel o reads input channel o / m (m divides L): a vector of
    // L outputs from c0 reads L / m input bytes from c0 / m, each repeated
    // m times.
    const int64_t L = kernel.getLanes(), m = s.o / s.c;
    const int64_t cb = ceilDiv(s.o, L), cp = cb * L;
    const bool toUnsigned = !kernel.getSignedInput();
    // An input its producer stored offset (offsetInput) is read as it is.
    const bool flip = toUnsigned && !offsetInput;
    const int64_t G = ceilDiv(s.kh, 4);
    // Weights [kx][g][c][4 rows], 4 bytes per channel, column and g.
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, /*signedInput=*/!toUnsigned, cp, cp,
        s.kw * G * cp * 4,
        [&](int64_t c, int64_t tap, int64_t) {
          const int64_t ky = tap / s.kw, kx = tap % s.kw;
          return ((kx * G + ky / 4) * cp + c) * 4 + ky % 4;
        },
        EpilogueShape{L, zo, lo, hi}, res, /*wide=*/false, /*image=*/false);
    // Pixels per tile: its columns' vectors, accumulators and (with G = 1)
    // weights in the target's vector registers, with some left for the
    // epilogue's tables (fewer with 16: they are read from memory there);
    // with G = 2 the weights are read from memory.
    const int64_t regs = target().vectorRegisters(), spare = regs < 32 ? 2 : 6;
    auto columnsOf = [&](int64_t nt) {
      return (nt - 1) * s.sw + (s.kw - 1) * s.dw + 1;
    };
    int64_t maxT = 1;
    for (int64_t t = 2; t <= 8; ++t)
      if (columnsOf(t) * G + t + (G == 1 ? s.kw : 0) + spare <= regs)
        maxT = t;
    const int64_t tiles = ceilDiv(s.ow, maxT), T = ceilDiv(s.ow, tiles);
    // The runs of tiles: [t0, t1) in a loop (all columns inside, T pixels
    // each), the others alone.
    auto firstColumn = [&](int64_t ow0) { return ow0 * s.sw - s.pl; };
    auto interior = [&](int64_t t) {
      const int64_t nt = std::min(T, s.ow - t * T), c0 = firstColumn(t * T);
      return nt == T && c0 >= 0 && c0 + columnsOf(nt) <= s.w;
    };
    int64_t t0 = 0;
    while (t0 < tiles && !interior(t0))
      ++t0;
    int64_t t1 = t0;
    while (t1 < tiles && interior(t1))
      ++t1;

    // A chunk shifts in up to 4G rows before its first. Work weighted x8 as
    // convDepthwiseDot's.
    const DepthwiseChunks dc =
        depthwiseChunks(s, cb, 8 * s.n * s.oh * s.ow * s.o * s.kh * s.kw);
    const int64_t fullBlocks = s.o / L;

    auto inType = VectorType::get({L / m}, i8);
    Value flipIn = e.splat(-128, inType);
    SmallVector<int64_t> repeat; // lane l reads input byte l / m
    for (int64_t l = 0; l < L; ++l)
      repeat.push_back(l / m);
    auto accType = VectorType::get({L}, i32);
    auto groupType = VectorType::get({4 * L}, i8);
    // What an outside tap holds: zx, unsigned where the kernel takes it so.
    const uint32_t fillByte =
        static_cast<uint32_t>((toUnsigned ? zx + 128 : zx) & 0xff);
    Value fillColumn = e.splat(static_cast<int32_t>(fillByte * 0x01010101u), accType);
    Value fillTop = e.splat(static_cast<int32_t>(fillByte << 24), accType);
    Value k8 = e.splat(8, accType), k24 = e.splat(24, accType);

    // One channel vector from c0 (`mask`: its channels in range, or null
    // when all are) of output rows [r0, r1) of image n.
    auto block = [&](Value n, Value r0, Value r1, Value c0, Value mask) {
      // The first input channel the vector reads.
      Value in0 = m == 1 ? c0 : arith::DivUIOp::create(b, e.loc, c0, e.index(m)).getResult();
      Value init = vector::LoadOp::create(b, e.loc, accType, pc.bias, ValueRange{c0});
      SmallVector<Value> wv; // [kx][g]
      for (int64_t kg = 0; kg < s.kw * G; ++kg)
        wv.push_back(vector::LoadOp::create(
            b, e.loc, groupType, pc.weights,
            ValueRange{e.mul(e.add(e.index(kg * cp), c0), e.index(4))}));
      // Output pixels ow0 + [0, nt); inside[j]: column j of the tile lies
      // in the image.
      auto tile = [&](Value ow0, int64_t nt, ArrayRef<bool> inside) {
        const int64_t ncols = inside.size();
        // The columns carried through the rows: inside the image and read
        // by a tap (strides or dilations above 1 can skip some).
        SmallVector<bool> read(ncols, false);
        for (int64_t j = 0; j < nt; ++j)
          for (int64_t kx = 0; kx < s.kw; ++kx)
            read[j * s.sw + kx * s.dw] = true;
        SmallVector<int64_t> live;
        for (int64_t j = 0; j < ncols; ++j)
          if (inside[j] && read[j])
            live.push_back(j);
        Value col0 = e.sub(e.mul(ow0, e.index(s.sw)), e.index(s.pl));
        // The live columns' vectors ([column][g]) with input row ih shifted
        // in: byte 0 of each vector moves to byte 3 of the one before.
        auto shift = [&](ValueRange v, int64_t i, Value top) -> Value {
          Value next = i % G == G - 1
                           ? top
                           : arith::ShLIOp::create(b, e.loc, v[i + 1], k24).getResult();
          return arith::OrIOp::create(
              b, e.loc, arith::ShRUIOp::create(b, e.loc, v[i], k8), next);
        };
        auto shiftIn = [&](ValueRange u, Value ih) -> SmallVector<Value> {
          Value ge = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::sge,
                                           ih, e.index(0));
          Value lt = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::slt,
                                           ih, e.index(s.h));
          SmallVector<Type> types(u.size(), accType);
          auto op = scf::IfOp::create(b, e.loc, types,
                                      arith::AndIOp::create(b, e.loc, ge, lt),
                                      /*addThenBlock=*/true, /*addElseBlock=*/true);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(op.thenBlock());
          Value pixelRow = e.mul(e.add(e.mul(n, e.index(s.h)), ih), e.index(s.w));
          SmallVector<Value> next;
          for (auto [ci, j] : llvm::enumerate(live)) {
            Value src = e.add(e.mul(e.add(pixelRow, e.add(col0, e.index(j))),
                                    e.index(s.c)),
                              in0);
            Value bytes =
                mask ? vector::MaskedLoadOp::create(b, e.loc, inType, x,
                                                    ValueRange{src}, mask,
                                                    e.splat(0, inType))
                           .getResult()
                     : vector::LoadOp::create(b, e.loc, inType, x, ValueRange{src})
                           .getResult();
            if (flip)
              bytes = arith::XOrIOp::create(b, e.loc, bytes, flipIn);
            if (m > 1)
              bytes = vector::ShuffleOp::create(b, e.loc, bytes, bytes, repeat);
            Value top = arith::ShLIOp::create(
                b, e.loc, arith::ExtUIOp::create(b, e.loc, accType, bytes), k24);
            for (int64_t g = 0; g < G; ++g)
              next.push_back(shift(u, ci * G + g, top));
          }
          scf::YieldOp::create(b, e.loc, next);
          b.setInsertionPointToEnd(op.elseBlock());
          next.clear();
          for (int64_t i = 0, count = u.size(); i < count; ++i)
            next.push_back(shift(u, i, fillTop));
          scf::YieldOp::create(b, e.loc, next);
          return SmallVector<Value>(op.getResults());
        };
        // Before row r0: byte k of the 4G (from the first vector's) holds
        // row (r0 − 1)·sh − pt + k, for the k >= sh that row r0's shifts
        // keep.
        SmallVector<Value> u(live.size() * G, fillColumn);
        Value before = e.sub(e.mul(e.sub(r0, e.index(1)), e.index(s.sh)), e.index(s.pt));
        for (int64_t k = std::min<int64_t>(s.sh, 4 * G); k < 4 * G; ++k)
          u = shiftIn(u, e.add(before, e.index(k)));
        Value fillGroup = vector::BitCastOp::create(b, e.loc, groupType, fillColumn);
        e.loopCarried(r0, r1, u, [&](Value oh, ValueRange carried) {
          // Output row oh reads rows oh·sh − pt + [0, 4G): the last sh of
          // them are new.
          SmallVector<Value> v(carried);
          Value first = e.sub(e.mul(oh, e.index(s.sh)), e.index(s.pt));
          for (int64_t k = 0; k < s.sh; ++k)
            v = shiftIn(v, e.add(first, e.index(4 * G - s.sh + k)));
          SmallVector<Value> column(ncols * G);
          for (auto [ci, j] : llvm::enumerate(live))
            for (int64_t g = 0; g < G; ++g)
              column[j * G + g] =
                  vector::BitCastOp::create(b, e.loc, groupType, v[ci * G + g]);
          SmallVector<Value> accs(nt, init);
          for (int64_t kx = 0; kx < s.kw; ++kx)
            for (int64_t g = 0; g < G; ++g)
              for (int64_t j = 0; j < nt; ++j) {
                Value xv = column[(j * s.sw + kx * s.dw) * G + g];
                accs[j] = qc::Dot4Op::create(b, e.loc, accs[j], xv ? xv : fillGroup,
                                             wv[kx * G + g], kernel);
              }
          storeVectors(pc.tables, c0, accs, depthwiseOutputs(s, n, oh, ow0, nt, c0),
                       out, zo, lo, hi, res);
          return v;
        });
      };
      auto staticTile = [&](int64_t t) {
        const int64_t ow0 = t * T, nt = std::min(T, s.ow - ow0);
        SmallVector<bool> inside;
        for (int64_t j = 0, count = columnsOf(nt); j < count; ++j) {
          const int64_t iw = firstColumn(ow0) + j;
          inside.push_back(iw >= 0 && iw < s.w);
        }
        tile(e.index(ow0), nt, inside);
      };
      for (int64_t t = 0; t < t0; ++t)
        staticTile(t);
      if (t0 < t1)
        e.loop(t0 * T, t1 * T, T, [&](Value ow0) {
          tile(ow0, T, SmallVector<bool>(columnsOf(T), true));
        });
      for (int64_t t = std::max(t1, t0); t < tiles; ++t)
        staticTile(t);
    };

    forEachDepthwiseChunk(s, cb, dc, [&](Value, Value n, Value r0, Value r1,
                                         Value gb0, Value gb1) {
      Value fullEnd = arith::MinSIOp::create(b, e.loc, gb1, e.index(fullBlocks));
      e.loop(gb0, fullEnd, 1, [&](Value blk) {
        block(n, r0, r1, e.mul(blk, e.index(L)), {});
      });
      if (s.o % L) {
        // The last block (in the last group): input channels past s.c are
        // not read.
        Value last = arith::CmpIOp::create(b, e.loc, arith::CmpIPredicate::eq, gb1,
                                           e.index(cb));
        e.ifThen(last, [&] {
          Value mask = vector::ConstantMaskOp::create(
              b, e.loc, VectorType::get({L / m}, b.getI1Type()),
              ArrayRef<int64_t>{(s.o % L) / m});
          block(n, r0, r1, e.index(fullBlocks * L), mask);
        });
      }
    });
    return success();
  }

  /// Depthwise convolution (groups = C = O), vectorized over channels:
  /// vectors of L i32 accumulators, T output pixels of a row per tile sharing
  /// each weight vector. Widening multiply-adds in plain vector ops (every
  /// ISA has them). The input's zero point moves into the bias
  /// (Σ(x − zx)·w = Σx·w − zx·Σw) and the image is padded with zx, so
  /// padding contributes nothing and the loops need no bounds checks.
  /// Kernels with a 4-way dot product take convDepthwiseDot (kw <= 4) where
  /// convDepthwiseColumns does not (convCommon sends those there).
  LogicalResult convDepthwise(const ConvShape &s, Value x, Value out,
                              ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                              ArrayRef<double> realMultipliers, int64_t zx,
                              int64_t zo, int64_t lo, int64_t hi,
                              qc::KernelAttr kernel, const Residual &res) {
    OpBuilder &b = e.b;
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    if (isDepthwiseDot4Kernel(kernel) && s.kw <= 4)
      return convDepthwiseDot(s, x, out, w, bias, realMultipliers, zx, zo, lo,
                              hi, kernel, res);
    if (kernel && kernel.getName() == "mac.rvv.vla")
      return convDepthwiseScalable(s, x, out, w, bias, realMultipliers, zx, zo,
                                   lo, hi, kernel, res);
    // Vectors of 16 lanes (LLVM splits them to the ISA's width), or a
    // `mac.*` kernel's lanes with the products of i16-widened bytes (RVV
    // vwmacc.vv).
    const bool outer = kernel && kernel.getName().starts_with("mac.");
    const int64_t L = outer ? kernel.getLanes() : 16, T = 4;
    const int64_t cb = ceilDiv(s.c, L), cp = cb * L;
    // Weights [ky][kx][c] padded to cp channels.
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, /*signedInput=*/true, cp, cp,
        s.kh * s.kw * cp,
        [&](int64_t c, int64_t tap, int64_t) { return tap * cp + c; },
        EpilogueShape{L, zo, lo, hi}, res);
    Value wMem = pc.weights, biasMem = pc.bias, img = pc.img;
    EpilogueTables tables = pc.tables;

    auto accType = VectorType::get({L}, i32);
    auto byteVec = VectorType::get({L}, i8);
    // Bytes to i32 (through i16 for `mac.*` kernels).
    auto widen = [&](Value v) -> Value {
      if (outer)
        v = arith::ExtSIOp::create(b, e.loc, VectorType::get({L}, b.getI16Type()), v);
      return arith::ExtSIOp::create(b, e.loc, accType, v);
    };
    auto emitTile = [&](Value n, Value oh, Value ow0, int64_t nt) {
      e.loop(0, cb, 1, [&](Value blk) {
        Value c0 = e.mul(blk, e.index(L));
        Value init = vector::LoadOp::create(b, e.loc, accType, biasMem, ValueRange{c0});
        SmallVector<Value> accs = depthwiseTaps(
            s, cp, n, oh, ow0, c0, SmallVector<Value>(nt, init),
            [&](Value mem, Value at) -> Value {
              return widen(vector::LoadOp::create(b, e.loc, byteVec, mem,
                                                  ValueRange{at}));
            },
            wMem, img);
        storeVectors(tables, c0, accs, depthwiseOutputs(s, n, oh, ow0, nt, c0),
                     out, zo, lo, hi, res);
      });
    };
    depthwiseRows(s, T, emitTile);
    return success();
  }

  /// The reduction of a depthwise tile: for each tap, the weights of the
  /// channels from c0 times each of output pixels (n, oh, ow0 + j)'s input,
  /// added to accs[j]; `load(mem, at)` loads and widens the vector at
  /// mem[at] (weights [ky][kx][cp], the padded image with cp channels).
  SmallVector<Value>
  depthwiseTaps(const ConvShape &s, int64_t cp, Value n, Value oh, Value ow0,
                Value c0, ValueRange accs,
                llvm::function_ref<Value(Value, Value)> load, Value weights,
                Value img) {
    const int64_t hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
    return e.loopCarried(0, s.kh, accs, [&](Value ky, ValueRange a1) {
      return e.loopCarried(0, s.kw, a1, [&](Value kx, ValueRange a2) {
        Value wv = load(weights,
                        e.add(e.mul(e.add(e.mul(ky, e.index(s.kw)), kx), e.index(cp)), c0));
        Value ih = e.add(e.mul(oh, e.index(s.sh)), e.mul(ky, e.index(s.dh)));
        SmallVector<Value> next;
        for (size_t j = 0; j < a2.size(); ++j) {
          Value iw = e.add(e.mul(e.add(ow0, e.index(j)), e.index(s.sw)),
                           e.mul(kx, e.index(s.dw)));
          Value at = e.add(e.linear({n, ih, iw, e.index(0)}, {s.n, hp, wp, cp}), c0);
          next.push_back(e.add(a2[j], e.mul(load(img, at), wv)));
        }
        return next;
      });
    });
  }

  /// Output offsets of channel c0 of pixels (n, oh, ow0 + j), j < nt.
  SmallVector<Value> depthwiseOutputs(const ConvShape &s, Value n, Value oh,
                                      Value ow0, int64_t nt, Value c0) {
    SmallVector<Value> at;
    for (int64_t j = 0; j < nt; ++j)
      at.push_back(e.add(e.mul(e.linear({n, oh, e.add(ow0, e.index(j))},
                                        {s.n, s.oh, s.ow}),
                               e.index(s.o)),
                         c0));
    return at;
  }

  /// Runs `tile(n, oh, ow0, count)` over a depthwise conv's output rows (in
  /// parallel) in tiles of T pixels, the last tile of a row shorter.
  void depthwiseRows(const ConvShape &s, int64_t T,
                     llvm::function_ref<void(Value, Value, Value, int64_t)> tile) {
    OpBuilder &b = e.b;
    const int64_t full = s.ow - s.ow % T;
    e.parallelLoop(0, s.n * s.oh, 1, s.n * s.oh * s.ow * s.c * s.kh * s.kw,
                   [&](Value row) {
      Value n = arith::DivUIOp::create(b, e.loc, row, e.index(s.oh));
      Value oh = arith::RemUIOp::create(b, e.loc, row, e.index(s.oh));
      if (full > 0)
        e.loop(0, full, T, [&](Value ow) { tile(n, oh, ow, T); });
      if (full < s.ow)
        tile(n, oh, e.index(full), s.ow - full);
    });
  }

  /// convDepthwise with the vector-length-agnostic kernel (`mac.rvv.vla`):
  /// scalable vectors of vscale·L/2 channels (as convScalable), each tile
  /// of T pixels of a row running through the channels in chunks of the
  /// CPU's vector length, the last one masked; bytes widened to i16 and
  /// multiplied into i32 (RVV vwmacc.vv).
  LogicalResult convDepthwiseScalable(const ConvShape &s, Value x, Value out,
                                      ArrayRef<int8_t> w, ArrayRef<int32_t> bias,
                                      ArrayRef<double> realMultipliers,
                                      int64_t zx, int64_t zo, int64_t lo,
                                      int64_t hi, qc::KernelAttr kernel,
                                      const Residual &res) {
    OpBuilder &b = e.b;
    const int64_t H = kernel.getLanes() / 2, T = 4, c = s.c;
    // Weights [ky][kx][c].
    PackedConv pc = packConv(
        s, x, w, bias, realMultipliers, zx, /*signedInput=*/true, c, c,
        s.kh * s.kw * c, [&](int64_t ch, int64_t tap, int64_t) { return tap * c + ch; },
        EpilogueShape{kernel.getLanes(), zo, lo, hi}, res);
    auto accType = VectorType::get({H}, b.getI32Type(), {true});
    auto bytes = accType.clone(b.getI8Type());
    auto widen = [&](Value v) -> Value {
      v = arith::ExtSIOp::create(b, e.loc, accType.clone(b.getI16Type()), v);
      return arith::ExtSIOp::create(b, e.loc, accType, v);
    };
    auto emitTile = [&](Value n, Value oh, Value ow0, int64_t nt) {
      scalableChunks(e.index(0), e.index(c), accType, [&](Value c0, Value left,
                                                         Value mask) {
      SmallVector<Value> accs = depthwiseTaps(
          s, c, n, oh, ow0, c0,
          SmallVector<Value>(nt, maskedLoad(accType, pc.bias, c0, mask)),
          [&](Value mem, Value at) { return widen(maskedLoad(bytes, mem, at, mask)); },
          pc.weights, pc.img);
      storeScalable(pc.tables, c0, left, accs,
                    depthwiseOutputs(s, n, oh, ow0, accs.size(), c0), out, zo, lo,
                    hi, res);
      });
    };
    depthwiseRows(s, T, emitTile);
    return success();
  }

  static ConvShape convShape(qc::Conv2DOp op) {
    auto in = cast<RankedTensorType>(op.getInput().getType());
    auto wt = cast<RankedTensorType>(op.getWeight().getType());
    auto ot = cast<RankedTensorType>(op.getOutput().getType());
    return ConvShape{in.getDimSize(0), in.getDimSize(1), in.getDimSize(2),
                     in.getDimSize(3), wt.getDimSize(0), wt.getDimSize(1),
                     wt.getDimSize(2), op.getStride()[0], op.getStride()[1],
                     op.getDilation()[0], op.getDilation()[1], op.getPad()[0],
                     op.getPad()[1], op.getPad()[2], op.getPad()[3],
                     static_cast<int64_t>(op.getGroups()), ot.getDimSize(1),
                     ot.getDimSize(2)};
  }

  LogicalResult conv(qc::Conv2DOp op, Value x, Value residual, Value out) {
    const ConvShape s = convShape(op);
    Residual res;
    if (residual) {
      res.buffer = residual;
      res.zeroPoint = quantOf(op.getResidual()).getZeroPoint();
      res.realMultiplier =
          quantOf(op.getResidual()).getScale() / quantOf(op.getOutput()).getScale();
    }
    return convCommon(op, s, op.getInput(), op.getWeight(), op.getBias(),
                      op.getOutput(), x, out, op.getClampMin(),
                      op.getClampMax(), op.getKernelAttr(), res);
  }

  /// Whether `op`'s lowering stages its input as an unsigned image (x + 128,
  /// as x xor 0x80, in paddedImage): the dense convolutions whose kernel
  /// takes unsigned activations (`dot4.*` without signed_input, `tile.*`,
  /// `mmla.*`; the default is dot4.generic), the grouped ones (the same
  /// kernels by channel slices), and the depthwise ones of
  /// convDepthwiseColumns, which flips each byte as it loads it.
  /// convDepthwiseDot flips its taps as it unfolds them instead: without that
  /// xor after the 4-tap shuffle LLVM lowers the shuffle as 12 unpacks
  /// instead of inserts and one vpermt2b, and mobilenet_v2 ran 8% slower.
  static bool readsUnsignedImage(qc::Conv2DOp op) {
    qc::KernelAttr kernel = op.getKernelAttr();
    if (kernel && kernel.getSignedInput())
      return false;
    if (op.getGroups() == 1)
      return true;
    const ConvShape s = convShape(op);
    return columnDepthwise(s, kernel) || !(s.groups == s.c && s.o == s.c);
  }

  /// Whether conv `producer` hands its output to its only user, a conv
  /// reading it as its input and as an unsigned image, already offset by 128
  /// (x xor 0x80, applied in the producer's epilogue): the consumer then
  /// reads it without flipping every byte again, and an unpadded consumer
  /// (no spatial padding, no channel padding) without staging a copy at
  /// all. (Every conv kernel's epilogue, storeVectors or storeScalable,
  /// can store its output so.)
  static bool handsOffUnsigned(qc::Conv2DOp producer) {
    Value y = producer.getOutput();
    if (!y.hasOneUse())
      return false;
    OpOperand &use = *y.getUses().begin();
    auto consumer = dyn_cast<qc::Conv2DOp>(use.getOwner());
    return consumer && use.getOperandNumber() == 0 && // its input
           readsUnsignedImage(consumer);
  }

  LogicalResult fullyConnected(qc::FullyConnectedOp op, Value x, Value out) {
    auto in = cast<RankedTensorType>(op.getInput().getType());
    auto wt = cast<RankedTensorType>(op.getWeight().getType());
    // [M,K] × [N,K]ᵀ is a 1×1 convolution over a 1×M image with K channels.
    ConvShape s{1, 1, in.getDimSize(0), in.getDimSize(1), wt.getDimSize(0),
                1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, in.getDimSize(0)};
    return convCommon(op, s, op.getInput(), op.getWeight(), op.getBias(),
                      op.getOutput(), x, out, op.getClampMin(),
                      op.getClampMax(), op.getKernelAttr(), Residual());
  }

  LogicalResult convCommon(Operation *op, const ConvShape &s, Value input,
                           Value weight, Value bias, Value output, Value x,
                           Value out, int64_t lo, int64_t hi,
                           qc::KernelAttr kernel, const Residual &res) {
    auto w = constantWeight(weight);
    auto bv = constantBias(bias, s.o);
    if (failed(w) || failed(bv))
      return op->emitError("weights and bias must be constants");
    SmallVector<double> ws = weightScales(weight, s.o);
    quant::UniformQuantizedType qx = quantOf(input), qo = quantOf(output);
    SmallVector<double> real;
    for (double sw : ws)
      real.push_back(qx.getScale() * sw / qo.getScale());
    if (!kernel)
      kernel = qc::KernelAttr::get(op->getContext(), "dot4.generic", 16, 4, 1,
                                   /*signed_input=*/false);
    // A kernel for another target (qc-select-kernels chooses again; IR
    // written by hand may not) is an error here, before its code exists: the
    // scalable vectors of `mac.rvv.vla` would not even select elsewhere.
    if (!target().supportsKernel(kernel))
      return op->emitOpError("kernel '")
             << kernel.getName() << "' does not run on this target";
    // (Dense convs correct -128 weights after the reduction: convDot.)
    if (s.groups != 1 && target().needsNarrowWeights(kernel) &&
        llvm::is_contained(*w, int8_t(-128)))
      return op->emitOpError("kernel '")
             << kernel.getName()
             << "' needs weights in [-127, 127] in a grouped conv; one is -128";
    if (s.groups == 1 && kernel.getName().starts_with("mmla."))
      return convMmla(s, x, out, *w, *bv, real, qx.getZeroPoint(),
                      qo.getZeroPoint(), lo, hi, kernel, res);
    if (s.groups == 1 && kernel.getName().starts_with("tile."))
      return convTile(op, s, x, out, *w, *bv, real, qx.getZeroPoint(),
                      qo.getZeroPoint(), lo, hi, kernel, res);
    if (s.groups == 1 && kernel.getName() == "mac.rvv.vla")
      return convScalable(s, x, out, *w, *bv, real, qx.getZeroPoint(),
                          qo.getZeroPoint(), lo, hi, kernel, res);
    if (s.groups == 1)
      return convDot(op, s, x, out, *w, *bv, real, qx.getZeroPoint(),
                     qo.getZeroPoint(), lo, hi, kernel, res);
    if (columnDepthwise(s, kernel))
      return convDepthwiseColumns(s, x, out, *w, *bv, real, qx.getZeroPoint(),
                                  qo.getZeroPoint(), lo, hi, kernel, res);
    if (s.groups == s.c && s.o == s.c)
      return convDepthwise(s, x, out, *w, *bv, real, qx.getZeroPoint(),
                           qo.getZeroPoint(), lo, hi, kernel, res);
    // Other grouped convs: the dense kernels by channel slices; a matrix
    // kernel (only hand-written IR gives one to a grouped conv) is replaced
    // by the portable dot product.
    if (kernel.getName() == "mac.rvv.vla")
      return convScalable(s, x, out, *w, *bv, real, qx.getZeroPoint(),
                          qo.getZeroPoint(), lo, hi, kernel, res);
    return convDot(op, s, x, out, *w, *bv, real, qx.getZeroPoint(),
                   qo.getZeroPoint(), lo, hi, groupedKernel(kernel), res);
  }

  /// The kernel a grouped conv (not depthwise) runs: its own if a dot4 or
  /// mac one, else the portable dot product.
  static qc::KernelAttr groupedKernel(qc::KernelAttr kernel) {
    StringRef name = kernel.getName();
    if (name.starts_with("dot4.") || name.starts_with("mac."))
      return kernel;
    return qc::KernelAttr::get(kernel.getContext(), "dot4.generic", 16, 4, 1,
                               /*signed_input=*/false);
  }

  LogicalResult addOp(qc::AddOp op, Value a, Value bm, Value out) {
    OpBuilder &b = e.b;
    auto qa = quantOf(op.getLhs()), qb = quantOf(op.getRhs()),
         qo = quantOf(op.getOutput());
    qc::PairedMultiplier pm = qc::quantizePairedMultiplier(
        qa.getScale() / qo.getScale(), qb.getScale() / qo.getScale());
    Type i64 = b.getI64Type();
    e.elementwise(numElements(op.getOutput()), [&](Value i) {
      auto term = [&](Value mem, int64_t zp, int64_t m) {
        Value v = arith::ExtSIOp::create(b, e.loc, i64, e.load(mem, i));
        return e.mul(e.sub(v, e.intConst(zp, i64)), e.intConst(m, i64));
      };
      Value sum = e.add(e.add(term(a, qa.getZeroPoint(), pm.lhs),
                              term(bm, qb.getZeroPoint(), pm.rhs)),
                        e.intConst(int64_t(1) << (pm.shift - 1), i64));
      Value sh = arith::ShRSIOp::create(b, e.loc, sum, e.intConst(pm.shift, i64));
      sh = e.add(sh, e.intConst(qo.getZeroPoint(), i64));
      sh = arith::MaxSIOp::create(b, e.loc, sh, e.intConst(op.getClampMin(), i64));
      sh = arith::MinSIOp::create(b, e.loc, sh, e.intConst(op.getClampMax(), i64));
      e.store(arith::TruncIOp::create(b, e.loc, b.getI8Type(), sh), out, i);
    });
    return success();
  }

  /// The in-bounds window [lo, hi) along one dimension for output position o.
  std::pair<Value, Value> window(Value o, int64_t stride, int64_t pad,
                                 int64_t k, int64_t extent) {
    Value start = e.sub(e.mul(o, e.index(stride)), e.index(pad));
    Value lo = arith::MaxSIOp::create(e.b, e.loc, start, e.index(0));
    Value hi = arith::MinSIOp::create(e.b, e.loc, e.add(start, e.index(k)),
                                      e.index(extent));
    return {lo, hi};
  }

  LogicalResult maxPool(qc::MaxPool2DOp op, Value x, Value out) {
    OpBuilder &b = e.b;
    auto in = cast<RankedTensorType>(op.getInput().getType());
    auto ot = cast<RankedTensorType>(op.getOutput().getType());
    int64_t n = in.getDimSize(0), h = in.getDimSize(1), w = in.getDimSize(2),
            c = in.getDimSize(3), oh = ot.getDimSize(1), ow = ot.getDimSize(2);
    Value lowest = e.intConst(-128, b.getI8Type());
    // Output rows in parallel; a max counts as a copied byte.
    const int64_t taps = op.getKernel()[0] * op.getKernel()[1];
    e.parallelLoop(0, n * oh, 1, Emitter::kByteWork * n * oh * ow * c * taps, [&](Value row) {
      Value ni = arith::DivUIOp::create(b, e.loc, row, e.index(oh));
      Value y = arith::RemUIOp::create(b, e.loc, row, e.index(oh));
      std::pair<Value, Value> hw =
          window(y, op.getStride()[0], op.getPad()[0], op.getKernel()[0], h);
      Value h0 = hw.first, h1 = hw.second;
      e.loop(0, ow, 1, [&](Value xx) {
        std::pair<Value, Value> ww =
            window(xx, op.getStride()[1], op.getPad()[1], op.getKernel()[1], w);
        Value w0 = ww.first, w1 = ww.second;
        Value base = e.mul(e.add(e.mul(row, e.index(ow)), xx), e.index(c));
        e.loop(0, c, 1, [&](Value ci) { e.store(lowest, out, e.add(base, ci)); });
        e.loop(h0, h1, 1, [&](Value iy) {
          e.loop(w0, w1, 1, [&](Value ix) {
            Value src = e.mul(e.linear({ni, iy, ix}, {n, h, w}), e.index(c));
            e.loop(0, c, 1, [&](Value ci) {
              Value at = e.add(base, ci);
              Value m = arith::MaxSIOp::create(b, e.loc, e.load(out, at),
                                               e.load(x, e.add(src, ci)));
              e.store(m, out, at);
            });
          });
        });
      });
    });
    return success();
  }

  LogicalResult avgPool(qc::AvgPool2DOp op, Value x, Value out) {
    OpBuilder &b = e.b;
    auto in = cast<RankedTensorType>(op.getInput().getType());
    auto ot = cast<RankedTensorType>(op.getOutput().getType());
    int64_t n = in.getDimSize(0), h = in.getDimSize(1), w = in.getDimSize(2),
            c = in.getDimSize(3), oh = ot.getDimSize(1), ow = ot.getDimSize(2);
    int64_t kh = op.getKernel()[0], kw = op.getKernel()[1];
    auto qx = quantOf(op.getInput()), qo = quantOf(op.getOutput());
    // Requantize tables indexed by the number of in-bounds taps.
    RequantTables t;
    t.pad();
    for (int64_t cnt = 1; cnt <= kh * kw; ++cnt)
      t.push(qx.getScale() / (qo.getScale() * double(cnt)));
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    Value mMem = e.global<int64_t>(t.m, i64);
    Value rMem = e.global<int64_t>(t.round, i64);
    Value sMem = e.global<int64_t>(t.shift, i64);
    Value acc = e.scratch(c, i32);
    Value zero = e.intConst(0, i32), zx = e.intConst(qx.getZeroPoint(), i32);
    e.loop(0, n, 1, [&](Value ni) {
      e.loop(0, oh, 1, [&](Value y) {
        auto hw = window(y, op.getStride()[0], op.getPad()[0], kh, h);
        Value h0 = hw.first, h1 = hw.second;
        e.loop(0, ow, 1, [&](Value xx) {
          auto ww = window(xx, op.getStride()[1], op.getPad()[1], kw, w);
          Value w0 = ww.first, w1 = ww.second;
          e.loop(0, c, 1, [&](Value ci) { e.store(zero, acc, ci); });
          e.loop(h0, h1, 1, [&](Value iy) {
            e.loop(w0, w1, 1, [&](Value ix) {
              Value src = e.mul(e.linear({ni, iy, ix}, {n, h, w}), e.index(c));
              e.loop(0, c, 1, [&](Value ci) {
                Value v = arith::ExtSIOp::create(b, e.loc, i32,
                                                 e.load(x, e.add(src, ci)));
                e.store(e.add(e.load(acc, ci), e.sub(v, zx)), acc, ci);
              });
            });
          });
          Value cnt = op.getCountIncludePad()
                          ? e.index(kh * kw)
                          : e.mul(e.sub(h1, h0), e.sub(w1, w0));
          Value m = e.load(mMem, cnt), r = e.load(rMem, cnt), s = e.load(sMem, cnt);
          Value base = e.mul(e.linear({ni, y, xx}, {n, oh, ow}), e.index(c));
          e.loop(0, c, 1, [&](Value ci) {
            Value q = e.requantize(e.load(acc, ci), m, r, s, qo.getZeroPoint(),
                                   op.getClampMin(), op.getClampMax());
            e.store(q, out, e.add(base, ci));
          });
        });
      });
    });
    return success();
  }

  LogicalResult transpose(qc::TransposeOp op, Value x, Value out) {
    auto in = cast<RankedTensorType>(op.getInput().getType());
    auto ot = cast<RankedTensorType>(op.getOutput().getType());
    ArrayRef<int64_t> perms = op.getPerms();
    int64_t rank = in.getRank();
    SmallVector<int64_t> inStride(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      inStride[d] = inStride[d + 1] * in.getDimSize(d + 1);
    SmallVector<Value> ivs;
    std::function<void(int64_t)> nest = [&](int64_t d) {
      if (d == rank) {
        Value src = e.index(0);
        for (int64_t i = 0; i < rank; ++i)
          src = e.add(src, e.mul(ivs[i], e.index(inStride[perms[i]])));
        e.store(e.load(x, src), out, e.linear(ivs, ot.getShape()));
        return;
      }
      e.loop(0, ot.getDimSize(d), 1, [&](Value iv) {
        ivs.push_back(iv);
        nest(d + 1);
        ivs.pop_back();
      });
    };
    nest(0);
    return success();
  }

  LogicalResult lookupTable(qc::LookupTableOp op, Value x, Value out) {
    OpBuilder &b = e.b;
    SmallVector<int8_t> table(op.getTable().begin(), op.getTable().end());
    Value tableMem = e.global<int8_t>(table, b.getI8Type());
    Value bias = e.intConst(128, b.getI32Type());
    e.elementwise(numElements(op.getOutput()), [&](Value i) {
      Value v = arith::ExtSIOp::create(b, e.loc, b.getI32Type(), e.load(x, i));
      Value idx = arith::IndexCastOp::create(b, e.loc, b.getIndexType(), e.add(v, bias));
      e.store(e.load(tableMem, idx), out, i);
    });
    return success();
  }

  void quantize(quant::QuantizeCastOp op, Value x, Value out) {
    OpBuilder &b = e.b;
    auto q = quantOf(op.getResult());
    float inv = static_cast<float>(1.0 / q.getScale());
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    auto fc = [&](float v) {
      return arith::ConstantOp::create(b, e.loc, f32, b.getF32FloatAttr(v));
    };
    Value invV = fc(inv), loV = fc(float(-128 - q.getZeroPoint())),
          hiV = fc(float(127 - q.getZeroPoint()));
    Value zp = e.intConst(q.getZeroPoint(), i32);
    e.elementwise(numElements(op.getResult()), [&](Value i) {
      Value t = arith::MulFOp::create(b, e.loc, e.load(x, i), invV);
      t = math::RoundEvenOp::create(b, e.loc, t);
      t = arith::MaxNumFOp::create(b, e.loc, t, loV);
      t = arith::MinNumFOp::create(b, e.loc, t, hiV);
      Value v = e.add(arith::FPToSIOp::create(b, e.loc, i32, t), zp);
      e.store(arith::TruncIOp::create(b, e.loc, b.getI8Type(), v), out, i);
    });
  }

  void dequantize(quant::DequantizeCastOp op, Value x, Value out) {
    OpBuilder &b = e.b;
    auto q = quantOf(op.getInput());
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    Value scale = arith::ConstantOp::create(
        b, e.loc, f32, b.getF32FloatAttr(static_cast<float>(q.getScale())));
    Value zp = e.intConst(q.getZeroPoint(), i32);
    e.elementwise(numElements(op.getInput()), [&](Value i) {
      Value v = arith::ExtSIOp::create(b, e.loc, i32, e.load(x, i));
      Value f = arith::SIToFPOp::create(b, e.loc, f32, e.sub(v, zp));
      e.store(arith::MulFOp::create(b, e.loc, f, scale), out, i);
    });
  }

private:
  Emitter &e;
  std::unique_ptr<qc::TargetInfo> targetInfo;
};

/// The one reassociation group that maps a rank-`rank` shape to rank 1.
SmallVector<ReassociationIndices> collapseAll(int64_t rank) {
  SmallVector<ReassociationIndices> reassociation;
  if (rank > 0)
    reassociation.push_back(llvm::to_vector(llvm::seq<int64_t>(0, rank)));
  return reassociation;
}

/// Rank-1 view of a tensor (row-major order is kept).
Value flattenTensor(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  if (type.getRank() == 1)
    return t;
  auto flat = RankedTensorType::get({type.getNumElements()}, type.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, flat, t,
                                         collapseAll(type.getRank()));
}

/// The rank-1 tensor `flat` viewed with `type`'s shape.
Value unflattenTensor(OpBuilder &b, Location loc, Value flat,
                      RankedTensorType type) {
  if (type.getRank() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, type, flat,
                                       collapseAll(type.getRank()));
}

/// Lowers the qc ops, quant.qcast and quant.dcast of one function, one op at
/// a time, at the tensor level: each op reads its operands through
/// `bufferization.to_buffer` (flat, read-only), writes a fresh flat buffer
/// with loops and hands it back with `bufferization.to_tensor`. Float ops the
/// quantizer left alone stay as they are, so mixed int8/float graphs go
/// through one bufferization afterwards.
class FunctionLowering {
public:
  FunctionLowering(func::FuncOp func, ModuleOp module)
      : func(func), module(module) {}

  LogicalResult run() {
    SmallVector<Operation *> work;
    for (Operation &op : func.getBody().front())
      if (isa<qc::QCDialect>(op.getDialect()) ||
          isa<quant::QuantizeCastOp, quant::DequantizeCastOp>(op))
        work.push_back(&op);
    // Hand-offs of offset images, decided on the graph before lowering
    // rewires it.
    for (Operation *op : work)
      if (auto conv = dyn_cast<qc::Conv2DOp>(op);
          conv && Lowering::handsOffUnsigned(conv)) {
        offsetProducers.insert(op);
        offsetConsumers.insert(*conv.getOutput().getUsers().begin());
      }
    for (Operation *op : work)
      if (failed(lowerOp(op)))
        return failure();
    // Constant weights and their storage casts were read at compile time.
    SmallVector<Operation *> dead;
    for (Operation &op : llvm::reverse(func.getBody().front()))
      if (isa<quant::StorageCastOp>(op) && op.use_empty())
        dead.push_back(&op);
    for (Operation *op : dead) {
      Operation *def = op->getOperand(0).getDefiningOp();
      op->erase();
      if (def && def->use_empty() && isa<arith::ConstantOp>(def))
        def->erase();
    }
    WalkResult leftover = func.walk([&](Operation *op) {
      if (isa<quant::StorageCastOp>(op))
        return WalkResult::advance(); // views this pass creates itself
      for (Type t : op->getResultTypes())
        if (auto tt = dyn_cast<RankedTensorType>(t))
          if (isa<quant::QuantizedType>(tt.getElementType())) {
            op->emitError("'") << op->getName()
                               << "' has no int8 lowering (it was not quantized)";
            return WalkResult::interrupt();
          }
      return WalkResult::advance();
    });
    return failure(leftover.wasInterrupted());
  }

private:
  func::FuncOp func;
  ModuleOp module;
  /// Convs that store their output offset for their consumer, and those
  /// consumers (Lowering::handsOffUnsigned).
  llvm::DenseSet<Operation *> offsetProducers, offsetConsumers;
  /// The i8 storage tensor of each quantized value lowered so far.
  DenseMap<Value, Value> storage;

  /// The flat buffer holding a tensor's values (i8 storage for quantized
  /// tensors).
  Value operandBuffer(OpBuilder &b, Location loc, Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    Value t = v;
    if (isa<quant::QuantizedType>(type.getElementType())) {
      t = storage.lookup(v);
      if (!t) {
        auto storageType = type.clone(b.getI8Type());
        t = quant::StorageCastOp::create(b, loc, storageType, v);
      }
    }
    Value flat = flattenTensor(b, loc, t);
    auto flatType = cast<RankedTensorType>(flat.getType());
    return bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(flatType.getShape(), flatType.getElementType()),
        flat, /*read_only=*/true);
  }

  /// Replaces `result` by the tensor a freshly written flat buffer holds.
  void replaceResult(OpBuilder &b, Location loc, Value result, Value buffer) {
    auto type = cast<RankedTensorType>(result.getType());
    auto memType = cast<MemRefType>(buffer.getType());
    auto flatType = RankedTensorType::get(memType.getShape(), memType.getElementType());
    Value t = bufferization::ToTensorOp::create(b, loc, flatType, buffer,
                                                /*restrict=*/true,
                                                /*writable=*/true);
    t = unflattenTensor(b, loc, t, type.clone(memType.getElementType()));
    Value replacement = t;
    if (isa<quant::QuantizedType>(type.getElementType())) {
      replacement = quant::StorageCastOp::create(b, loc, type, t);
      storage[replacement] = t;
    }
    result.replaceAllUsesWith(replacement);
  }

  LogicalResult lowerOp(Operation *op) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    Block *entry = &func.getBody().front();
    Emitter e(b, module, entry, loc);
    Lowering lower(e);
    lower.offsetOutput = offsetProducers.contains(op);
    lower.offsetInput = offsetConsumers.contains(op);
    Type i8 = b.getI8Type(), f32 = b.getF32Type();
    auto in = [&](unsigned i) { return operandBuffer(b, loc, op->getOperand(i)); };
    auto fresh = [&](Type elem) {
      return e.alloc(numElements(op->getResult(0)), elem);
    };

    LogicalResult result = success();
    Value out;
    if (auto q = dyn_cast<quant::QuantizeCastOp>(op)) {
      auto qt = dyn_cast<quant::UniformQuantizedType>(
          cast<RankedTensorType>(q.getType()).getElementType());
      if (!qt || !qt.isSigned() || qt.getStorageTypeIntegralWidth() != 8)
        return q.emitError("only per-tensor signed i8 quantization is supported");
      Value x = in(0);
      out = fresh(i8);
      lower.quantize(q, x, out);
    } else if (auto dq = dyn_cast<quant::DequantizeCastOp>(op);
               dq && succeeded(constantWeight(dq.getInput()))) {
      // A constant weight whose op stayed float: dequantize at compile time.
      auto values = *constantWeight(dq.getInput());
      auto type = cast<RankedTensorType>(dq.getInput().getType());
      SmallVector<float> real(values.size());
      Type elem = type.getElementType();
      auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(elem);
      int64_t inner = 1, channels = 1;
      if (axis) {
        channels = type.getDimSize(axis.getQuantizedDimension());
        for (int64_t d = axis.getQuantizedDimension() + 1; d < type.getRank(); ++d)
          inner *= type.getDimSize(d);
      }
      for (size_t i = 0; i < values.size(); ++i) {
        double scale = axis ? axis.getScales()[(i / inner) % channels]
                            : cast<quant::UniformQuantizedType>(elem).getScale();
        int64_t zp = axis ? axis.getZeroPoints()[(i / inner) % channels]
                          : cast<quant::UniformQuantizedType>(elem).getZeroPoint();
        real[i] = float(values[i] - zp) * float(scale);
      }
      auto floatType = cast<RankedTensorType>(dq.getType());
      Value c = arith::ConstantOp::create(
          b, loc, floatType, DenseElementsAttr::get(floatType, ArrayRef(real)));
      dq.getResult().replaceAllUsesWith(c);
      dq.erase();
      return success();
    } else if (auto dq = dyn_cast<quant::DequantizeCastOp>(op)) {
      if (!isa<quant::UniformQuantizedType>(
              cast<RankedTensorType>(dq.getInput().getType()).getElementType()))
        return dq.emitError(
            "cannot dequantize a per-axis value at run time (a weight that "
            "stayed float is left in QDQ form)");
      Value x = in(0);
      out = fresh(f32);
      lower.dequantize(dq, x, out);
    } else if (auto conv = dyn_cast<qc::Conv2DOp>(op)) {
      Value x = in(0);
      Value residual = conv.getResidual() ? operandBuffer(b, loc, conv.getResidual()) : Value();
      out = fresh(i8);
      result = lower.conv(conv, x, residual, out);
    } else if (auto fc = dyn_cast<qc::FullyConnectedOp>(op)) {
      Value x = in(0);
      out = fresh(i8);
      result = lower.fullyConnected(fc, x, out);
    } else if (auto add = dyn_cast<qc::AddOp>(op)) {
      Value l = in(0), r = in(1);
      out = fresh(i8);
      result = lower.addOp(add, l, r, out);
    } else if (auto mp = dyn_cast<qc::MaxPool2DOp>(op)) {
      Value x = in(0);
      out = fresh(i8);
      result = lower.maxPool(mp, x, out);
    } else if (auto ap = dyn_cast<qc::AvgPool2DOp>(op)) {
      Value x = in(0);
      out = fresh(i8);
      result = lower.avgPool(ap, x, out);
    } else if (auto lut = dyn_cast<qc::LookupTableOp>(op)) {
      Value x = in(0);
      out = fresh(i8);
      result = lower.lookupTable(lut, x, out);
    } else if (auto tr = dyn_cast<qc::TransposeOp>(op)) {
      Value x = in(0);
      out = fresh(i8);
      result = lower.transpose(tr, x, out);
    } else if (auto rs = dyn_cast<qc::ReshapeOp>(op)) {
      // Same row-major bytes: a reshape of the storage tensor.
      Value src = storage.lookup(rs.getInput());
      if (!src)
        src = quant::StorageCastOp::create(
            b, loc, cast<RankedTensorType>(rs.getInput().getType()).clone(i8),
            rs.getInput());
      auto outType = cast<RankedTensorType>(rs.getType());
      Value shaped = unflattenTensor(b, loc, flattenTensor(b, loc, src),
                                     outType.clone(i8));
      Value replacement = quant::StorageCastOp::create(b, loc, outType, shaped);
      storage[replacement] = shaped;
      rs.getResult().replaceAllUsesWith(replacement);
      rs.erase();
      return success();
    } else if (isa<qc::ObserveOp>(op)) {
      return op->emitError("observers must be resolved before code generation");
    } else {
      return op->emitError("'") << op->getName() << "' has no int8 lowering";
    }
    if (failed(result))
      return failure();
    replaceResult(b, loc, op->getResult(0), out);
    op->erase();
    return success();
  }
};

struct ConvertQCToLoopsPass
    : qc::impl::ConvertQCToLoopsBase<ConvertQCToLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp f : funcs)
      if (!f.isExternal() && failed(FunctionLowering(f, module).run()))
        return signalPassFailure();
  }
};

struct QCLowerDotProductsPass
    : qc::impl::QCLowerDotProductsBase<QCLowerDotProductsPass> {
  /// qc.tile -> the AMX intrinsic (tile numbers as immediates, memref +
  /// byte offset as a pointer, strides as i64).
  static void lowerTile(qc::TileOp t) {
    OpBuilder b(t);
    Location loc = t.getLoc();
    Type i64 = b.getI64Type();
    SmallVector<Value> args;
    for (int64_t n : t.getTiles())
      args.push_back(LLVM::ConstantOp::create(b, loc, b.getI8Type(),
                                              b.getI8IntegerAttr(n)));
    ValueRange ops = t.getArgs();
    if (!ops.empty()) {
      Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, ops[0]);
      Value at = arith::IndexCastOp::create(
          b, loc, i64, arith::AddIOp::create(b, loc, base, ops[1]));
      args.push_back(LLVM::IntToPtrOp::create(
          b, loc, LLVM::LLVMPointerType::get(b.getContext()), at));
      for (Value v : ops.drop_front(2))
        args.push_back(arith::IndexCastOp::create(b, loc, i64, v));
    }
    StringRef intrinsic = llvm::StringSwitch<StringRef>(t.getAction())
                              .Case("config", "llvm.x86.ldtilecfg")
                              .Case("load", "llvm.x86.tileloadd64")
                              .Case("dot", "llvm.x86.tdpbusd")
                              .Case("store", "llvm.x86.tilestored64")
                              .Case("release", "llvm.x86.tilerelease");
    LLVM::CallIntrinsicOp::create(b, loc, b.getStringAttr(intrinsic), args);
    t.erase();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto target = qc::getTargetInfo(
        module->getAttrOfType<qc::TargetAttr>("qc.target"));
    auto runs = [&](Operation *op, qc::KernelAttr kernel) {
      if (target->supportsKernel(kernel))
        return true;
      op->emitOpError("kernel '")
          << kernel.getName() << "' does not run on this target";
      return false;
    };
    SmallVector<qc::TileOp> tiles;
    module.walk([&](qc::TileOp t) { tiles.push_back(t); });
    for (qc::TileOp t : tiles) {
      if (!runs(t, t.getKernel()))
        return signalPassFailure();
      lowerTile(t);
    }
    SmallVector<qc::ScaleShiftOp> scales;
    module.walk([&](qc::ScaleShiftOp op) { scales.push_back(op); });
    for (qc::ScaleShiftOp op : scales) {
      OpBuilder b(op);
      op.getResult().replaceAllUsesWith(target->emitScaleRoundShift(
          b, op.getLoc(), op.getAcc(), op.getMultiplier(), op.getShift()));
      op.erase();
    }
    // qc.mmla and qc.dot4: (acc, lhs, rhs, kernel) -> the target's
    // instruction.
    auto lower = [&](auto tag, auto emit) {
      using OpT = decltype(tag);
      SmallVector<OpT> ops;
      module.walk([&](OpT op) { ops.push_back(op); });
      for (OpT op : ops) {
        if (!runs(op, op.getKernel()))
          return false;
        OpBuilder b(op);
        op.getResult().replaceAllUsesWith(
            (target.get()->*emit)(b, op.getLoc(), op.getKernel(), op.getAcc(),
                                  op.getLhs(), op.getRhs()));
        op.erase();
      }
      return true;
    };
    if (!lower(qc::MmlaOp(), &qc::TargetInfo::emitMmla) ||
        !lower(qc::Dot4Op(), &qc::TargetInfo::emitDot4))
      return signalPassFailure();
  }
};

} // namespace
