//===- GroupedConv.h - a grouped convolution in the float graph -*- C++ -*-===//
//
// TOSA has no grouped convolution: the importer writes one as a tosa.slice
// of the input's channels per group, a tosa.conv2d on each and a
// tosa.concat of their results along the channels. qc-insert-observers
// observes only the whole (the concat, or the clamp after it),
// qc-quantize-constants quantizes the groups' weights and qc-fuse-qdq makes
// the whole one qc.conv2d with `groups`.
//
//===----------------------------------------------------------------------===//

#ifndef QC_LIB_DIALECT_QC_TRANSFORMS_GROUPEDCONV_H
#define QC_LIB_DIALECT_QC_TRANSFORMS_GROUPEDCONV_H

#include "mlir/Dialect/Tosa/IR/TosaOps.h"

#include <optional>

namespace qc {

struct GroupedConv {
  /// What the slices read: the whole input (uncropped: a slice may also
  /// crop the end rows / columns a strided window leaves unread).
  mlir::Value input;
  /// Group g's conv (reading channels [g·C/G, (g+1)·C/G) of the input).
  llvm::SmallVector<mlir::tosa::Conv2DOp> convs;
};

/// Whether a conv's windows (kernel [KH, KW], TOSA stride, dilation and pad
/// [top, bottom, left, right]) over the NHWC `kept`, the first rows and
/// columns of `in`, giving `out`, read the same values over all of `in`: on
/// each axis no window reaches the first cropped row (the last ends at
/// (out − 1)·s − before + (k − 1)·d) and the whole input makes no more
/// windows. A crop that the end padding replaces with zeros is not.
bool cropIsUnread(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> kept,
                  llvm::ArrayRef<int64_t> out, llvm::ArrayRef<int64_t> kernel,
                  llvm::ArrayRef<int64_t> stride, llvm::ArrayRef<int64_t> dil,
                  llvm::ArrayRef<int64_t> pad);

/// The grouped convolution `concat` concatenates, if it is one: G >= 2
/// operands, each a tosa.conv2d used only there reading (only) a slice of
/// the same NHWC value, slice g the g-th of G equal channel ranges, all
/// with the same window, weight shape and, where the slices crop rows or
/// columns, crops no row or column a window reads (cropIsUnread).
std::optional<GroupedConv> matchGroupedConv(mlir::tosa::ConcatOp concat);

/// The concat of the grouped convolution that `v` (a group's channel slice
/// or a group's conv result) is inside, if any.
mlir::tosa::ConcatOp enclosingGroupedConv(mlir::Value v);

} // namespace qc

#endif
