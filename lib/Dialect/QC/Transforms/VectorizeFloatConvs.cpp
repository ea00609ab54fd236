//===- VectorizeFloatConvs.cpp - f32 convs and matmuls ⇒ vector loops -----===//
//
// The float build runs the calibration set (and `--float` libraries). Lowered
// by linalg-to-loops, a convolution's innermost loop is a float sum over the
// input channels, which LLVM leaves scalar (vectorizing it would reassociate
// the sum): resnet18 ran at about 1 GFLOP/s, 1.5 s per calibration sample.
// Here the dense, depthwise (multiplier 1) and batched-matmul ops on buffers
// become register-tiled vector loops instead.
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Transforms/Passes.h"

namespace qc {
#define GEN_PASS_DEF_QCVECTORIZEFLOATCONVS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

/// Pixels and channel vectors of a register tile.
constexpr int64_t kPixels = 4, kVectors = 4;

/// A static f32 buffer whose innermost dimension is contiguous.
bool isVectorizable(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         !strides.empty() && strides.back() == 1;
}

/// The widest of 16, 8 and 4 lanes dividing n (0 if none does).
int64_t lanesFor(int64_t n) {
  for (int64_t v : {16, 8, 4})
    if (n % v == 0)
      return v;
  return 0;
}

SmallVector<int64_t> values(DenseIntElementsAttr a) {
  return llvm::to_vector(a.getValues<int64_t>());
}

class Builder {
public:
  Builder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value add(Value a, int64_t c) { return c ? add(a, index(c)) : a; }
  Value mul(Value a, int64_t c) {
    return c == 1 ? a : arith::MulIOp::create(b, loc, a, index(c)).getResult();
  }

  /// for iv in [lo, hi) step: body(iv).
  void loop(int64_t lo, int64_t hi, int64_t step,
            function_ref<void(Value)> body) {
    if (hi <= lo)
      return;
    scf::ForOp::create(b, loc, index(lo), index(hi), index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value iv, ValueRange) {
                         body(iv);
                         scf::YieldOp::create(b, loc);
                       });
  }
  /// Loop-carried values: body(iv, current) returns the next ones.
  SmallVector<Value>
  carried(int64_t lo, int64_t hi, int64_t step, ValueRange init,
          function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto f = scf::ForOp::create(
        b, loc, index(lo), index(hi), index(step), init,
        [&](OpBuilder &, Location, Value iv, ValueRange args) {
          scf::YieldOp::create(b, loc, body(iv, args));
        });
    return SmallVector<Value>(f.getResults().begin(), f.getResults().end());
  }
  /// Full tiles of `tile` from 0, then the remainder as a tile of its own:
  /// body(start, size) with a static size.
  void tiles(int64_t n, int64_t tile, function_ref<void(Value, int64_t)> body) {
    int64_t full = n / tile * tile;
    loop(0, full, tile, [&](Value i) { body(i, tile); });
    if (full < n)
      body(index(full), n - full);
  }

  Value load(VectorType t, Value mem, ValueRange at) {
    return vector::LoadOp::create(b, loc, t, mem, at);
  }
  void store(Value v, Value mem, ValueRange at) {
    vector::StoreOp::create(b, loc, v, mem, at);
  }
  Value zero(VectorType t) {
    return arith::ConstantOp::create(b, loc, t, b.getZeroAttr(t));
  }
  Value fma(Value a, Value c, Value acc) {
    return vector::FMAOp::create(b, loc, a, c, acc);
  }

  OpBuilder &b;
  Location loc;
};

/// out[n, oh, ow, f] += Σ in[n, oh·sh + kh·dh, ow·sw + kw·dw, c] · w[f, kh, kw, c]:
/// tiles of kPixels output columns × kVectors output channels, each a vector
/// of partial sums over V input channels, reduced once at the end.
void lowerConv(linalg::Conv2DNhwcFhwcOp op, int64_t V) {
  OpBuilder b(op);
  Builder e(b, op.getLoc());
  Value x = op->getOperand(0), w = op->getOperand(1), y = op->getOperand(2);
  ArrayRef<int64_t> ys = cast<MemRefType>(y.getType()).getShape();
  ArrayRef<int64_t> ws = cast<MemRefType>(w.getType()).getShape();
  const int64_t N = ys[0], OH = ys[1], OW = ys[2], F = ys[3];
  const int64_t KH = ws[1], KW = ws[2], C = ws[3];
  SmallVector<int64_t> st = values(op.getStrides()), dl = values(op.getDilations());
  auto vt = VectorType::get({V}, b.getF32Type());
  e.loop(0, N, 1, [&](Value n) {
    e.loop(0, OH, 1, [&](Value oh) {
      e.tiles(OW, kPixels, [&](Value ow0, int64_t np) {
        e.tiles(F, kVectors, [&](Value f0, int64_t nf) {
          SmallVector<Value> init(np * nf, e.zero(vt));
          SmallVector<Value> acc = e.carried(0, KH, 1, init, [&](Value kh, ValueRange a1) {
            Value row = e.add(e.mul(oh, st[0]), e.mul(kh, dl[0]));
            return e.carried(0, KW, 1, a1, [&](Value kw, ValueRange a2) {
              SmallVector<Value> cols;
              for (int64_t j = 0; j < np; ++j)
                cols.push_back(e.add(e.mul(e.add(ow0, j), st[1]), e.mul(kw, dl[1])));
              return e.carried(0, C, V, a2, [&](Value c, ValueRange a3) {
                SmallVector<Value> xv, wv, next(a3.begin(), a3.end());
                for (int64_t j = 0; j < np; ++j)
                  xv.push_back(e.load(vt, x, {n, row, cols[j], c}));
                for (int64_t i = 0; i < nf; ++i)
                  wv.push_back(e.load(vt, w, {e.add(f0, i), kh, kw, c}));
                for (int64_t j = 0; j < np; ++j)
                  for (int64_t i = 0; i < nf; ++i)
                    next[j * nf + i] = e.fma(xv[j], wv[i], next[j * nf + i]);
                return next;
              });
            });
          });
          for (int64_t j = 0; j < np; ++j)
            for (int64_t i = 0; i < nf; ++i) {
              SmallVector<Value> at = {n, oh, e.add(ow0, j), e.add(f0, i)};
              Value old = memref::LoadOp::create(b, e.loc, y, at);
              Value sum = vector::ReductionOp::create(
                  b, e.loc, vector::CombiningKind::ADD, acc[j * nf + i], old,
                  arith::FastMathFlags::reassoc);
              memref::StoreOp::create(b, e.loc, sum, y, at);
            }
        });
      });
    });
  });
  op.erase();
}

/// out[n, oh, ow, c, 0] += Σ in[n, oh·sh + kh·dh, ow·sw + kw·dw, c] · w[kh, kw, c, 0]:
/// tiles of kPixels output columns × V channels, along the channels.
void lowerDepthwise(linalg::DepthwiseConv2DNhwcHwcmOp op, int64_t V) {
  OpBuilder b(op);
  Builder e(b, op.getLoc());
  // The multiplier dimension (1) folded into the channels: [N][OH][OW][C]
  // and [KH][KW][C], so a vector runs along a contiguous dimension.
  Value x = op->getOperand(0);
  Value w = memref::CollapseShapeOp::create(
      b, e.loc, op->getOperand(1), ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  Value y = memref::CollapseShapeOp::create(
      b, e.loc, op->getOperand(2),
      ArrayRef<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
  ArrayRef<int64_t> ys = cast<MemRefType>(y.getType()).getShape();
  ArrayRef<int64_t> ws = cast<MemRefType>(w.getType()).getShape();
  const int64_t N = ys[0], OH = ys[1], OW = ys[2], C = ys[3];
  const int64_t KH = ws[0], KW = ws[1];
  SmallVector<int64_t> st = values(op.getStrides()), dl = values(op.getDilations());
  auto vt = VectorType::get({V}, b.getF32Type());
  e.loop(0, N, 1, [&](Value n) {
    e.loop(0, OH, 1, [&](Value oh) {
      e.tiles(OW, kPixels, [&](Value ow0, int64_t np) {
        e.loop(0, C, V, [&](Value c) {
          SmallVector<Value> init;
          for (int64_t j = 0; j < np; ++j)
            init.push_back(e.load(vt, y, {n, oh, e.add(ow0, j), c}));
          SmallVector<Value> acc = e.carried(0, KH, 1, init, [&](Value kh, ValueRange a1) {
            Value row = e.add(e.mul(oh, st[0]), e.mul(kh, dl[0]));
            return e.carried(0, KW, 1, a1, [&](Value kw, ValueRange a2) {
              Value wv = e.load(vt, w, {kh, kw, c});
              SmallVector<Value> next(a2.begin(), a2.end());
              for (int64_t j = 0; j < np; ++j) {
                Value col = e.add(e.mul(e.add(ow0, j), st[1]), e.mul(kw, dl[1]));
                next[j] = e.fma(e.load(vt, x, {n, row, col, c}), wv, next[j]);
              }
              return next;
            });
          });
          for (int64_t j = 0; j < np; ++j)
            e.store(acc[j], y, {n, oh, e.add(ow0, j), c});
        });
      });
    });
  });
  op.erase();
}

/// out[b, m, n] += Σ a[b, m, k] · b[b, k, n]: tiles of kPixels rows ×
/// kVectors vectors of V columns, along the columns.
void lowerBatchMatmul(linalg::BatchMatmulOp op, int64_t V) {
  OpBuilder b(op);
  Builder e(b, op.getLoc());
  Value a = op->getOperand(0), bm = op->getOperand(1), y = op->getOperand(2);
  ArrayRef<int64_t> ys = cast<MemRefType>(y.getType()).getShape();
  const int64_t B = ys[0], M = ys[1], N = ys[2];
  const int64_t K = cast<MemRefType>(a.getType()).getShape()[2];
  auto vt = VectorType::get({V}, b.getF32Type());
  e.loop(0, B, 1, [&](Value bi) {
    e.tiles(M, kPixels, [&](Value m0, int64_t nm) {
      e.tiles(N / V, kVectors, [&](Value v0, int64_t nv) {
        Value n0 = e.mul(v0, V);
        SmallVector<Value> init;
        for (int64_t i = 0; i < nm; ++i)
          for (int64_t j = 0; j < nv; ++j)
            init.push_back(e.load(vt, y, {bi, e.add(m0, i), e.add(n0, j * V)}));
        SmallVector<Value> acc = e.carried(0, K, 1, init, [&](Value k, ValueRange cur) {
          SmallVector<Value> bv, next(cur.begin(), cur.end());
          for (int64_t j = 0; j < nv; ++j)
            bv.push_back(e.load(vt, bm, {bi, k, e.add(n0, j * V)}));
          for (int64_t i = 0; i < nm; ++i) {
            Value s = memref::LoadOp::create(b, e.loc, a, ValueRange{bi, e.add(m0, i), k});
            Value av = vector::BroadcastOp::create(b, e.loc, vt, s);
            for (int64_t j = 0; j < nv; ++j)
              next[i * nv + j] = e.fma(av, bv[j], next[i * nv + j]);
          }
          return next;
        });
        for (int64_t i = 0; i < nm; ++i)
          for (int64_t j = 0; j < nv; ++j)
            e.store(acc[i * nv + j], y, {bi, e.add(m0, i), e.add(n0, j * V)});
      });
    });
  });
  op.erase();
}

bool onBuffers(linalg::LinalgOp op) {
  return op.hasPureBufferSemantics() &&
         llvm::all_of(op->getOperands(), isVectorizable);
}

struct QCVectorizeFloatConvsPass
    : qc::impl::QCVectorizeFloatConvsBase<QCVectorizeFloatConvsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<linalg::Conv2DNhwcFhwcOp, linalg::DepthwiseConv2DNhwcHwcmOp,
              linalg::BatchMatmulOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (!onBuffers(cast<linalg::LinalgOp>(op)))
        continue;
      auto shape = [&](int i) {
        return cast<MemRefType>(op->getOperand(i).getType()).getShape();
      };
      if (auto conv = dyn_cast<linalg::Conv2DNhwcFhwcOp>(op)) {
        if (int64_t V = lanesFor(shape(1)[3]))
          lowerConv(conv, V);
      } else if (auto dw = dyn_cast<linalg::DepthwiseConv2DNhwcHwcmOp>(op)) {
        if (shape(1)[3] != 1)
          continue;
        if (int64_t V = lanesFor(shape(1)[2]))
          lowerDepthwise(dw, V);
      } else if (auto mm = dyn_cast<linalg::BatchMatmulOp>(op)) {
        if (mm.hasUserDefinedMaps())
          continue;
        if (int64_t V = lanesFor(shape(2)[2]))
          lowerBatchMatmul(mm, V);
      }
    }
  }
};

} // namespace
