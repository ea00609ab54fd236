//===- QCOps.cpp - qc operations --------------------------------*- C++ -*-===//
//
// Verifiers and folders of the qc ops.
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/IR/QC.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace qc;

namespace {

/// The per-tensor i8 quantization of a tensor-typed value, or null.
quant::UniformQuantizedType perTensorI8(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return {};
  auto q = dyn_cast<quant::UniformQuantizedType>(tensor.getElementType());
  if (!q || !q.isSigned() || q.getStorageTypeIntegralWidth() != 8)
    return {};
  return q;
}

LogicalResult verifyActivation(Operation *op, Value v, StringRef what) {
  if (!perTensorI8(v.getType()))
    return op->emitOpError() << what
                             << " must have a per-tensor i8 !quant.uniform "
                                "element type, got "
                             << v.getType();
  return success();
}

/// Weights: i8 storage, zero point 0, per-tensor or per-axis on dim 0 with one
/// scale per output channel.
LogicalResult verifyWeight(Operation *op, Value w, int64_t outChannels) {
  auto tensor = cast<RankedTensorType>(w.getType());
  Type elem = tensor.getElementType();
  auto qt = dyn_cast<quant::QuantizedType>(elem);
  if (!qt || !qt.isSigned() || qt.getStorageTypeIntegralWidth() != 8)
    return op->emitOpError("weight must have i8 quantized elements, got ")
           << elem;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(elem)) {
    if (u.getZeroPoint() != 0)
      return op->emitOpError("weight zero point must be 0, got ")
             << u.getZeroPoint();
    return success();
  }
  auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(elem);
  if (!axis)
    return op->emitOpError("weight must be uniform or per-axis quantized");
  if (axis.getQuantizedDimension() != 0)
    return op->emitOpError("weight must be quantized along dimension 0, got ")
           << axis.getQuantizedDimension();
  if (static_cast<int64_t>(axis.getScales().size()) != outChannels)
    return op->emitOpError("weight has ")
           << axis.getScales().size() << " scales for " << outChannels
           << " output channels";
  for (int64_t zp : axis.getZeroPoints())
    if (zp != 0)
      return op->emitOpError("weight zero points must be 0, got ") << zp;
  return success();
}

LogicalResult verifyBias(Operation *op, Value bias, int64_t outChannels) {
  if (!bias)
    return success();
  auto t = cast<RankedTensorType>(bias.getType());
  if (t.getDimSize(0) != outChannels)
    return op->emitOpError("bias has ")
           << t.getDimSize(0) << " elements for " << outChannels
           << " output channels";
  return success();
}

LogicalResult verifyClamp(Operation *op, int64_t lo, int64_t hi) {
  if (lo < -128 || hi > 127 || lo > hi)
    return op->emitOpError("clamp range [")
           << lo << ", " << hi << "] must lie within [-128, 127] with min <= max";
  return success();
}

/// Checks `stride`/`dilation` (2 positive values) and `pad` (4 non-negative).
LogicalResult verifyWindowAttrs(Operation *op, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> stride,
                                ArrayRef<int64_t> dilation,
                                ArrayRef<int64_t> pad) {
  auto positive = [](ArrayRef<int64_t> a) {
    return llvm::all_of(a, [](int64_t v) { return v > 0; });
  };
  if (kernel.size() != 2 || !positive(kernel))
    return op->emitOpError("kernel must be 2 positive values");
  if (stride.size() != 2 || !positive(stride))
    return op->emitOpError("stride must be 2 positive values");
  if (dilation.size() != 2 || !positive(dilation))
    return op->emitOpError("dilation must be 2 positive values");
  if (pad.size() != 4 || llvm::any_of(pad, [](int64_t v) { return v < 0; }))
    return op->emitOpError("pad must be 4 non-negative values [top, left, "
                           "bottom, right]");
  return success();
}

LogicalResult verifyPooledShape(Operation *op, RankedTensorType in,
                                RankedTensorType out, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> stride,
                                ArrayRef<int64_t> dilation,
                                ArrayRef<int64_t> pad, int64_t outChannels) {
  if (in.getRank() != 4 || out.getRank() != 4)
    return op->emitOpError("expects NHWC tensors of rank 4");
  int64_t oh = windowOutSize(in.getDimSize(1), kernel[0], stride[0],
                             dilation[0], pad[0], pad[2]);
  int64_t ow = windowOutSize(in.getDimSize(2), kernel[1], stride[1],
                             dilation[1], pad[1], pad[3]);
  SmallVector<int64_t> expected = {in.getDimSize(0), oh, ow, outChannels};
  if (out.getShape() != ArrayRef<int64_t>(expected) || oh <= 0 || ow <= 0)
    return op->emitOpError("output shape ")
           << out << " does not match the window: expected [" << expected[0]
           << ", " << oh << ", " << ow << ", " << outChannels << "]";
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::verify() {
  if (failed(verifyActivation(*this, getInput(), "input")) ||
      failed(verifyActivation(*this, getOutput(), "output")))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  auto w = cast<RankedTensorType>(getWeight().getType());
  auto out = cast<RankedTensorType>(getOutput().getType());
  if (w.getRank() != 4)
    return emitOpError("weight must be OHWI of rank 4");
  int64_t groups = getGroups();
  int64_t c = in.getRank() == 4 ? in.getDimSize(3) : 0, o = w.getDimSize(0);
  if (groups < 1 || c % groups != 0 || o % groups != 0)
    return emitOpError("groups = ")
           << groups << " must divide input channels " << c
           << " and output channels " << o;
  if (w.getDimSize(3) != c / groups)
    return emitOpError("weight has ")
           << w.getDimSize(3) << " input channels per group, expected "
           << c / groups;
  SmallVector<int64_t> kernel = {w.getDimSize(1), w.getDimSize(2)};
  if (failed(verifyWindowAttrs(*this, kernel, getStride(), getDilation(),
                               getPad())) ||
      failed(verifyPooledShape(*this, in, out, kernel, getStride(),
                               getDilation(), getPad(), o)) ||
      failed(verifyWeight(*this, getWeight(), o)) ||
      failed(verifyBias(*this, getBias(), o)))
    return failure();
  if (Value r = getResidual()) {
    if (failed(verifyActivation(*this, r, "residual")))
      return failure();
    if (cast<RankedTensorType>(r.getType()).getShape() != out.getShape())
      return emitOpError("residual must have the output's shape");
  }
  return verifyClamp(*this, getClampMin(), getClampMax());
}

//===----------------------------------------------------------------------===//
// FullyConnectedOp
//===----------------------------------------------------------------------===//

LogicalResult FullyConnectedOp::verify() {
  if (failed(verifyActivation(*this, getInput(), "input")) ||
      failed(verifyActivation(*this, getOutput(), "output")))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  auto w = cast<RankedTensorType>(getWeight().getType());
  auto out = cast<RankedTensorType>(getOutput().getType());
  if (in.getRank() != 2 || w.getRank() != 2 || out.getRank() != 2)
    return emitOpError("expects rank-2 input [M,K], weight [N,K], output [M,N]");
  if (w.getDimSize(1) != in.getDimSize(1))
    return emitOpError("weight K = ")
           << w.getDimSize(1) << " does not match input K = "
           << in.getDimSize(1);
  if (out.getDimSize(0) != in.getDimSize(0) ||
      out.getDimSize(1) != w.getDimSize(0))
    return emitOpError("output shape must be [")
           << in.getDimSize(0) << ", " << w.getDimSize(0) << "]";
  if (failed(verifyWeight(*this, getWeight(), w.getDimSize(0))) ||
      failed(verifyBias(*this, getBias(), w.getDimSize(0))))
    return failure();
  return verifyClamp(*this, getClampMin(), getClampMax());
}

//===----------------------------------------------------------------------===//
// AddOp
//===----------------------------------------------------------------------===//

LogicalResult AddOp::verify() {
  if (failed(verifyActivation(*this, getLhs(), "lhs")) ||
      failed(verifyActivation(*this, getRhs(), "rhs")) ||
      failed(verifyActivation(*this, getOutput(), "output")))
    return failure();
  auto shape = [](Value v) { return cast<RankedTensorType>(v.getType()).getShape(); };
  if (shape(getLhs()) != shape(getRhs()) || shape(getLhs()) != shape(getOutput()))
    return emitOpError("operands and result must have the same shape");
  return verifyClamp(*this, getClampMin(), getClampMax());
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

LogicalResult MaxPool2DOp::verify() {
  if (failed(verifyActivation(*this, getInput(), "input")) ||
      failed(verifyActivation(*this, getOutput(), "output")))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getOutput().getType());
  if (in.getElementType() != out.getElementType())
    return emitOpError("output quantization must equal the input's");
  SmallVector<int64_t> dilation = {1, 1};
  if (failed(verifyWindowAttrs(*this, getKernel(), getStride(), dilation,
                               getPad())))
    return failure();
  return verifyPooledShape(*this, in, out, getKernel(), getStride(), dilation,
                           getPad(), in.getRank() == 4 ? in.getDimSize(3) : 0);
}

LogicalResult AvgPool2DOp::verify() {
  if (failed(verifyActivation(*this, getInput(), "input")) ||
      failed(verifyActivation(*this, getOutput(), "output")))
    return failure();
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getOutput().getType());
  SmallVector<int64_t> dilation = {1, 1};
  if (failed(verifyWindowAttrs(*this, getKernel(), getStride(), dilation,
                               getPad())) ||
      failed(verifyPooledShape(*this, in, out, getKernel(), getStride(),
                               dilation, getPad(),
                               in.getRank() == 4 ? in.getDimSize(3) : 0)))
    return failure();
  return verifyClamp(*this, getClampMin(), getClampMax());
}

//===----------------------------------------------------------------------===//
// Reshape and transpose
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getOutput().getType());
  if (in.getElementType() != out.getElementType())
    return emitOpError("element types (quantization included) must match");
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("element counts differ: ")
           << in.getNumElements() << " vs " << out.getNumElements();
  return success();
}

/// reshape(x) with x's own type is x; reshape(reshape(x)) is reshape(x).
OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

LogicalResult TransposeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getOutput().getType());
  ArrayRef<int64_t> perms = getPerms();
  if (in.getElementType() != out.getElementType())
    return emitOpError("element types (quantization included) must match");
  if (static_cast<int64_t>(perms.size()) != in.getRank() ||
      out.getRank() != in.getRank())
    return emitOpError("perms must have one entry per dimension");
  SmallVector<bool> seen(perms.size(), false);
  for (auto [i, p] : llvm::enumerate(perms)) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("perms is not a permutation");
    seen[p] = true;
    if (out.getDimSize(i) != in.getDimSize(p))
      return emitOpError("result dimension ")
             << i << " must be input dimension " << p;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LookupTableOp
//===----------------------------------------------------------------------===//

LogicalResult LookupTableOp::verify() {
  if (failed(verifyActivation(*this, getInput(), "input")) ||
      failed(verifyActivation(*this, getOutput(), "output")))
    return failure();
  if (getTable().size() != 256)
    return emitOpError("table must have 256 entries, got ") << getTable().size();
  if (cast<RankedTensorType>(getInput().getType()).getShape() !=
      cast<RankedTensorType>(getOutput().getType()).getShape())
    return emitOpError("input and output must have the same shape");
  return success();
}

//===----------------------------------------------------------------------===//
// Dot4Op
//===----------------------------------------------------------------------===//

LogicalResult Dot4Op::verify() {
  int64_t lanes = getAcc().getType().getNumElements();
  if (getLhs().getType().getNumElements() != 4 * lanes ||
      getRhs().getType().getNumElements() != 4 * lanes)
    return emitOpError("operands must have 4 x ")
           << lanes << " = " << 4 * lanes << " i8 lanes";
  return success();
}

//===----------------------------------------------------------------------===//
// TileOp
//===----------------------------------------------------------------------===//

LogicalResult TileOp::verify() {
  StringRef action = getAction();
  // (tile count, whether the operands are memref, offset[, stride])
  size_t tiles = 0, operands = 0;
  if (action == "config")
    operands = 2;
  else if (action == "load" || action == "store")
    tiles = 1, operands = 3;
  else if (action == "dot")
    tiles = 3;
  else if (action != "release")
    return emitOpError("unknown action '")
           << action << "' (expected config, load, dot, store or release)";
  if (getTiles().size() != tiles)
    return emitOpError("'") << action << "' takes " << tiles << " tile numbers";
  for (int64_t t : getTiles())
    if (t < 0 || t > 7)
      return emitOpError("tile number ") << t << " is not in [0, 7]";
  if (getArgs().size() != operands)
    return emitOpError("'") << action << "' takes " << operands << " operands";
  for (size_t i = 0; i < operands; ++i)
    if (isa<MemRefType>(getArgs()[i].getType()) != (i == 0))
      return emitOpError("operand #")
             << i << " must be " << (i == 0 ? "a memref" : "an index");
  return success();
}

#define GET_OP_CLASSES
#include "qc/Dialect/QC/IR/QCOps.cpp.inc"

int64_t qc::windowOutSize(int64_t in, int64_t k, int64_t stride,
                          int64_t dilation, int64_t padBefore,
                          int64_t padAfter) {
  int64_t span = in + padBefore + padAfter - dilation * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}
