//===- GroupedConv.cpp - a grouped convolution in the float graph ---------===//

#include "GroupedConv.h"

#include "qc/Dialect/QC/IR/QC.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace qc {

namespace {
/// The constant integer values of `v` (a tosa.const_shape), if it is one.
std::optional<SmallVector<int64_t>> constantInts(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  SmallVector<int64_t> r;
  for (const APInt &i : attr.getValues<APInt>())
    r.push_back(i.getSExtValue());
  return r;
}
} // namespace

bool cropIsUnread(ArrayRef<int64_t> in, ArrayRef<int64_t> kept,
                  ArrayRef<int64_t> out, ArrayRef<int64_t> kernel,
                  ArrayRef<int64_t> stride, ArrayRef<int64_t> dil,
                  ArrayRef<int64_t> pad) {
  for (int i = 0; i < 2; ++i) {
    const int64_t size = in[1 + i], k = kernel[i], s = stride[i], d = dil[i],
                  before = pad[2 * i];
    if (kept[1 + i] != size &&
        (windowOutSize(size, k, s, d, before, pad[2 * i + 1]) != out[1 + i] ||
         (out[1 + i] - 1) * s - before + (k - 1) * d >= kept[1 + i]))
      return false;
  }
  return true;
}

std::optional<GroupedConv> matchGroupedConv(tosa::ConcatOp concat) {
  const int64_t groups = concat->getNumOperands();
  auto outType = cast<RankedTensorType>(concat.getType());
  if (groups < 2 || outType.getRank() != 4 ||
      concat.getAxisAttr().getInt() != 3)
    return std::nullopt;
  GroupedConv r;
  for (int64_t g = 0; g < groups; ++g) {
    Value part = concat->getOperand(g);
    auto conv = part.getDefiningOp<tosa::Conv2DOp>();
    if (!conv || !part.hasOneUse())
      return std::nullopt;
    auto slice = conv.getInput().getDefiningOp<tosa::SliceOp>();
    if (!slice || !conv.getInput().hasOneUse())
      return std::nullopt;
    if (g == 0)
      r.input = slice.getInput1();
    else if (slice.getInput1() != r.input)
      return std::nullopt;
    auto in = cast<RankedTensorType>(r.input.getType());
    auto sliced = cast<RankedTensorType>(slice.getType());
    auto start = constantInts(slice.getStart());
    if (in.getRank() != 4 || !in.hasStaticShape() || !sliced.hasStaticShape() ||
        !start || in.getDimSize(3) % groups != 0)
      return std::nullopt;
    const int64_t cg = in.getDimSize(3) / groups;
    if ((*start)[0] != 0 || (*start)[1] != 0 || (*start)[2] != 0 ||
        (*start)[3] != g * cg || sliced.getDimSize(3) != cg ||
        sliced.getDimSize(0) != in.getDimSize(0))
      return std::nullopt;
    if (g > 0) {
      tosa::Conv2DOp first = r.convs.front();
      if (conv.getStride() != first.getStride() ||
          conv.getDilation() != first.getDilation() ||
          conv.getPad() != first.getPad() ||
          conv.getWeight().getType() != first.getWeight().getType() ||
          conv.getType() != first.getType() ||
          sliced != first.getInput().getType())
        return std::nullopt;
    } else {
      // Rows or columns cropped: the grouped conv reads the uncropped
      // input, so no window may read what the crop removed.
      auto w = cast<RankedTensorType>(conv.getWeight().getType());
      auto out = cast<RankedTensorType>(conv.getType());
      if (!w.hasStaticShape() || !out.hasStaticShape())
        return std::nullopt;
      if (!cropIsUnread(in.getShape(), sliced.getShape(), out.getShape(),
                        w.getShape().slice(1, 2), conv.getStride(),
                        conv.getDilation(), conv.getPad()))
        return std::nullopt;
    }
    r.convs.push_back(conv);
  }
  return r;
}

tosa::ConcatOp enclosingGroupedConv(Value v) {
  if (!v.hasOneUse())
    return nullptr;
  Operation *user = *v.getUsers().begin();
  if (v.getDefiningOp<tosa::SliceOp>() && isa<tosa::Conv2DOp>(user))
    return enclosingGroupedConv(user->getResult(0));
  auto concat = dyn_cast<tosa::ConcatOp>(user);
  if (!concat || !v.getDefiningOp<tosa::Conv2DOp>() || !matchGroupedConv(concat))
    return nullptr;
  return concat;
}

} // namespace qc
