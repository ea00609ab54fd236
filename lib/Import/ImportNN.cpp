//===- ImportNN.cpp - Conv, ConvTranspose, pooling, norms, Resize ---------===//
//
// Sliding-window ops work on NHWC activations. 1-D ops (rank-3 inputs) are
// 2-D ones with H == 1. What TOSA lacks is expanded here:
//  * grouped Conv: per group tosa.slice + tosa.conv2d, then tosa.concat
//    (quantized as one qc.conv2d with groups: GroupedConv.h in
//    lib/Dialect/QC/Transforms);
//  * ConvTranspose: zeros inserted between input pixels (reshape + concat),
//    then a stride-1 tosa.conv2d with the flipped kernel (the float
//    pipeline's TOSA validation rejects the tosa.pad that the upstream
//    decomposition of tosa.transpose_conv2d creates);
//  * AveragePool with count_include_pad=1: explicit zero padding (concat),
//    since tosa.avg_pool2d excludes padding from the count;
//  * Resize: per spatial axis, gathers of the source rows/columns and a
//    weighted sum (nearest, linear, cubic; every coordinate transformation
//    mode but tf_crop_and_resize), or a tile for integer nearest upsampling.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "llvm/Support/FormatVariadic.h"

#include <cfloat>
#include <cmath>

using namespace mlir;

namespace qc {
namespace onnx_import {

//===----------------------------------------------------------------------===//
// Sliding-window geometry
//===----------------------------------------------------------------------===//

LogicalResult Importer::readSpatialAttrs(const OnnxNode &n, unsigned spatial,
                                         ArrayRef<int64_t> kernel,
                                         SpatialAttrs &attrs) {
  // 1-D values go to the W slot (index 1); H stays 1 / 0.
  auto read = [&](StringRef name, int64_t dflt, int64_t lo,
                  int64_t *out) -> LogicalResult {
    std::vector<int64_t> vals = n.getInts(name.str(), {});
    if (!n.hasAttr(name.str()))
      vals.assign(spatial, dflt);
    if (vals.size() != spatial)
      return fail("attribute '" + name + "' must have " + Twine(spatial) +
                  " values, has " + Twine(vals.size()));
    for (int64_t v : vals)
      if (v < lo || v > kMaxAttrValue)
        return fail("attribute '" + name + "' has invalid values " +
                    shapeStr(vals));
    for (unsigned i = 0; i < spatial; ++i)
      out[2 - spatial + i] = vals[i];
    return success();
  };
  if (!kernel.empty()) {
    for (unsigned i = 0; i < spatial; ++i)
      attrs.kernel[2 - spatial + i] = kernel[i];
    if (n.hasAttr("kernel_shape")) {
      std::vector<int64_t> ks = n.getInts("kernel_shape", {});
      if (ks != std::vector<int64_t>(kernel.begin(), kernel.end()))
        return fail("kernel_shape " + shapeStr(ks) +
                    " does not match the weight's kernel " + shapeStr(kernel));
    }
  } else {
    if (!n.hasAttr("kernel_shape"))
      return fail("attribute 'kernel_shape' is required");
    if (failed(read("kernel_shape", 1, 1, attrs.kernel)))
      return failure();
  }
  if (failed(read("strides", 1, 1, attrs.strides)) ||
      failed(read("dilations", 1, 1, attrs.dilations)))
    return failure();
  std::vector<int64_t> pads = n.getInts("pads", {});
  if (!n.hasAttr("pads"))
    pads.assign(2 * spatial, 0);
  if (pads.size() != 2 * spatial)
    return fail("attribute 'pads' must have " + Twine(2 * spatial) +
                " values, has " + Twine(pads.size()));
  for (int64_t p : pads)
    if (p < 0 || p > kMaxAttrValue)
      return fail("pads " + shapeStr(pads) +
                  " are not supported (must be non-negative)");
  for (unsigned i = 0; i < spatial; ++i) {
    attrs.pads[2 - spatial + i] = pads[i];
    attrs.pads[4 - spatial + i] = pads[spatial + i];
  }
  attrs.autoPad = n.getString("auto_pad", "NOTSET");
  return success();
}

LogicalResult Importer::computeWindow(const SpatialAttrs &attrs, int64_t h,
                                      int64_t w, bool ceilMode, Window &win) {
  const std::string &autoPad = attrs.autoPad;
  int64_t in[2] = {h, w};
  int64_t begin[2] = {attrs.pads[0], attrs.pads[1]};
  int64_t end[2] = {attrs.pads[2], attrs.pads[3]};
  const int64_t *k = attrs.kernel, *strides = attrs.strides,
                *dilations = attrs.dilations;
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int i = 0; i < 2; ++i) {
      int64_t effK = (k[i] - 1) * dilations[i] + 1;
      int64_t out = (in[i] + strides[i] - 1) / strides[i];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * strides[i] + effK - in[i]);
      if (autoPad == "SAME_UPPER") {
        begin[i] = total / 2;
        end[i] = total - begin[i];
      } else {
        end[i] = total / 2;
        begin[i] = total - end[i];
      }
    }
  } else if (autoPad == "VALID") {
    begin[0] = begin[1] = end[0] = end[1] = 0;
  } else if (autoPad != "NOTSET") {
    return fail("unknown auto_pad '" + autoPad + "'");
  }

  int64_t out[2], crop[2];
  for (int i = 0; i < 2; ++i) {
    int64_t effK = (k[i] - 1) * dilations[i] + 1;
    int64_t span = in[i] + begin[i] + end[i] - effK;
    if (span < 0)
      return fail("kernel (" + Twine(effK) + ") is larger than the padded " +
                  "input (" + Twine(in[i] + begin[i] + end[i]) + ")");
    out[i] = span / strides[i] + 1;
    if (ceilMode) {
      out[i] = (span + strides[i] - 1) / strides[i] + 1;
      // A window that would start in the end padding is dropped (PyTorch,
      // and the ONNX spec since it spelled this out).
      win.dropped[i] = (out[i] - 1) * strides[i] >= in[i] + begin[i];
      if (win.dropped[i])
        --out[i];
    }
    // TOSA requires (in + pads - effK) to be a multiple of the stride. A last
    // window running past the end padding gets more padding (ceil_mode;
    // pooling ignores padding); rows no window reads are dropped, end
    // padding first, then input.
    int64_t need = (out[i] - 1) * strides[i] - span;
    win.overhang[i] = std::max<int64_t>(need, 0);
    end[i] += win.overhang[i];
    int64_t rem = std::max<int64_t>(-need, 0);
    int64_t fromPad = std::min(rem, end[i]);
    end[i] -= fromPad;
    crop[i] = rem - fromPad;
  }
  win.pad[0] = begin[0];
  win.pad[1] = end[0];
  win.pad[2] = begin[1];
  win.pad[3] = end[1];
  win.outH = out[0];
  win.outW = out[1];
  win.cropH = crop[0];
  win.cropW = crop[1];
  return success();
}

Value Importer::spatialInput(ImportedValue &x) {
  if (x.shape.size() == 4)
    return nhwcOf(x);
  // [N, C, L] -> [N, L, C] -> [N, 1, L, C].
  int64_t N = x.shape[0], C = x.shape[1], L = x.shape[2];
  Value nlc = x.src ? permute(x.src, composePerms(x.srcPerm, {0, 2, 1}))
                    : permute(plainOf(x), {0, 2, 1});
  return reshape(nlc, {N, 1, L, C});
}

LogicalResult Importer::defineSpatial(const OnnxNode &n, unsigned idx,
                                      Value nhwc, size_t rank) {
  Shape s = shapeOfValue(nhwc);
  if (rank == 4)
    return define(n, idx, makeValue({s[0], s[3], s[1], s[2]}, nhwc, true));
  // [N, 1, L, C] is [N, L, C]; the plain [N, C, L] is its transpose.
  ImportedValue out;
  out.shape = {s[0], s[3], s[2]};
  out.src = reshape(nhwc, {s[0], s[2], s[3]});
  out.srcPerm = {0, 2, 1};
  return define(n, idx, std::move(out));
}

//===----------------------------------------------------------------------===//
// Conv and ConvTranspose
//===----------------------------------------------------------------------===//

LogicalResult Importer::importConv(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  size_t rank = x->shape.size();
  if (rank != 3 && rank != 4)
    return fail("only 1-D and 2-D convolution is supported (input has rank " +
                Twine(rank) + ")");
  unsigned spatial = unsigned(rank) - 2;
  const OnnxTensor *w = getFloatConst(n, 1, "weight");
  if (!w)
    return failure();
  if (w->dims.size() != rank)
    return fail("weight must have rank " + Twine(rank) + ", has rank " +
                Twine(w->dims.size()));
  const OnnxTensor *bias = nullptr;
  if (hasInput(n, 2)) {
    bias = getFloatConst(n, 2, "bias");
    if (!bias)
      return failure();
  }

  int64_t N = x->shape[0], C = x->shape[1];
  int64_t H = rank == 4 ? x->shape[2] : 1, W = x->shape.back();
  int64_t O = w->dims[0], CperG = w->dims[1];
  int64_t KH = rank == 4 ? w->dims[2] : 1, KW = w->dims.back();
  int64_t group = n.getInt("group", 1);
  if (group < 1 || group > C)
    return fail("invalid group " + Twine(group));
  if (CperG * group != C || O % group != 0)
    return fail("weight shape " + shapeStr(w->dims) +
                " does not match input channels " + Twine(C) + " and group " +
                Twine(group));
  if (bias && (bias->dims.size() != 1 || bias->dims[0] != O))
    return fail("bias shape " + shapeStr(bias->dims) + " does not match " +
                Twine(O) + " output channels");

  SpatialAttrs attrs;
  Window win;
  if (failed(readSpatialAttrs(
          n, spatial, ArrayRef<int64_t>(w->dims).drop_front(2), attrs)) ||
      failed(computeWindow(attrs, H, W, /*ceilMode=*/false, win)))
    return failure();
  if (failed(checkRuntimeShape({N, win.outH, win.outW, O}, "result")))
    return failure();

  // Rows and columns a strided window leaves unread are cropped (TOSA wants
  // the division by the stride exact); a grouped conv crops in the slice
  // of each group's channels.
  const bool depthwise = group != 1 && group == C && CperG == 1;
  Value whole = spatialInput(*x), in = whole;
  const int64_t keptH = H - win.cropH, keptW = W - win.cropW;
  if ((win.cropH || win.cropW) && (group == 1 || depthwise))
    in = slice(in, {0, 0, 0, 0}, {N, keptH, keptW, C});

  SmallVector<float> biasData(O, 0.0f);
  if (bias)
    biasData.assign(bias->floatData.begin(), bias->floatData.end());
  ArrayRef<int64_t> pad(win.pad), strides(attrs.strides),
      dilations(attrs.dilations);
  Shape outNhwc = {N, win.outH, win.outW, O};
  // Weights are read as [O, CperG, KH, KW] (a 1-D kernel has KH == 1).
  Value result;
  if (!depthwise) {
    // Dense conv, or one dense conv per group on a slice of the channels.
    int64_t OperG = O / group;
    SmallVector<Value> parts;
    for (int64_t g = 0; g < group; ++g) {
      ArrayRef<float> wg =
          ArrayRef<float>(w->floatData)
              .slice(g * OperG * CperG * KH * KW, OperG * CperG * KH * KW);
      // OIHW -> OHWI.
      SmallVector<float> wData =
          transposeData<float>(wg, {OperG, CperG, KH, KW}, {0, 2, 3, 1});
      Value wV = weightConst({OperG, KH, KW, CperG}, wData,
                             weightScales(input(n, 1), 0, g * OperG, OperG));
      Value bV =
          constF32({OperG}, ArrayRef<float>(biasData).slice(g * OperG, OperG));
      Value inG = group == 1 ? in
                             : slice(whole, {0, 0, 0, g * CperG},
                                     {N, keptH, keptW, CperG});
      parts.push_back(
          conv2d(inG, wV, bV, pad, strides, dilations, win.outH, win.outW));
    }
    result = concat(parts, 3);
  } else {
    // Depthwise: [C*M, 1, KH, KW] viewed as [C, M, KH, KW] -> [KH, KW, C, M].
    int64_t M = O / C;
    SmallVector<float> wData =
        transposeData<float>(w->floatData, {C, M, KH, KW}, {2, 3, 0, 1});
    // Quantized along C: the model's per-output scales must agree over M.
    std::optional<SmallVector<double>> scales =
        weightScales(input(n, 1), 0, 0, O);
    if (scales) {
      SmallVector<double> perC;
      for (int64_t c = 0; c < C && scales; ++c) {
        perC.push_back((*scales)[c * M]);
        for (int64_t m = 1; m < M; ++m)
          if ((*scales)[c * M + m] != perC.back())
            scales = std::nullopt;
      }
      if (scales)
        scales = std::move(perC);
    }
    Value wV = weightConst({KH, KW, C, M}, wData, scales);
    result = tosa::DepthwiseConv2DOp::create(
        b, curLoc, f32(outNhwc), in, wV, constF32({O}, biasData), zeroPoint(),
        zeroPoint(), pad, strides, dilations, b.getF32Type());
  }
  return defineSpatial(n, 0, result, rank);
}

LogicalResult Importer::importConvTranspose(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  size_t rank = x->shape.size();
  if (rank != 3 && rank != 4)
    return fail("only 1-D and 2-D transposed convolution is supported "
                "(input has rank " +
                Twine(rank) + ")");
  unsigned spatial = unsigned(rank) - 2;
  const OnnxTensor *w = getFloatConst(n, 1, "weight");
  if (!w)
    return failure();
  if (w->dims.size() != rank)
    return fail("weight must have rank " + Twine(rank) + ", has rank " +
                Twine(w->dims.size()));
  const OnnxTensor *bias = nullptr;
  if (hasInput(n, 2)) {
    bias = getFloatConst(n, 2, "bias");
    if (!bias)
      return failure();
  }
  int64_t N = x->shape[0], C = x->shape[1];
  int64_t H = rank == 4 ? x->shape[2] : 1, W = x->shape.back();
  int64_t group = n.getInt("group", 1);
  if (group < 1 || group > C || C % group != 0 || w->dims[0] != C)
    return fail("weight shape " + shapeStr(w->dims) +
                " does not match input channels " + Twine(C) + " and group " +
                Twine(group));
  int64_t Cg = C / group, Og = w->dims[1], O = Og * group;
  int64_t KH = rank == 4 ? w->dims[2] : 1, KW = w->dims.back();
  if (bias && (bias->dims.size() != 1 || bias->dims[0] != O))
    return fail("bias shape " + shapeStr(bias->dims) + " does not match " +
                Twine(O) + " output channels");

  SpatialAttrs attrs;
  if (failed(readSpatialAttrs(n, spatial,
                              ArrayRef<int64_t>(w->dims).drop_front(2), attrs)))
    return failure();
  int64_t outPad[2] = {0, 0};
  if (n.hasAttr("output_padding")) {
    std::vector<int64_t> op = n.getInts("output_padding", {});
    if (op.size() != spatial)
      return fail("attribute 'output_padding' must have " + Twine(spatial) +
                  " values");
    for (unsigned i = 0; i < spatial; ++i) {
      if (op[i] < 0 || op[i] > kMaxAttrValue)
        return fail("invalid output_padding " + shapeStr(op));
      outPad[2 - spatial + i] = op[i];
    }
  }
  int64_t in[2] = {H, W};
  int64_t begin[2] = {attrs.pads[0], attrs.pads[1]};
  int64_t end[2] = {attrs.pads[2], attrs.pads[3]};
  int64_t effK[2], outSize[2];
  std::vector<int64_t> outputShape = n.getInts("output_shape", {});
  if (!outputShape.empty() && outputShape.size() != spatial &&
      outputShape.size() != rank)
    return fail("attribute 'output_shape' must have " + Twine(spatial) +
                " values");
  if (outputShape.size() == rank)
    outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
  for (int i = 0; i < 2; ++i) {
    effK[i] = (attrs.kernel[i] - 1) * attrs.dilations[i] + 1;
    int64_t full = attrs.strides[i] * (in[i] - 1) + outPad[i] + effK[i];
    int64_t target = -1;
    if (!outputShape.empty())
      target = i < int(2 - spatial) ? 1 : outputShape[i - (2 - spatial)];
    else if (attrs.autoPad == "SAME_UPPER" || attrs.autoPad == "SAME_LOWER")
      target = in[i] * attrs.strides[i];
    else if (attrs.autoPad == "VALID")
      begin[i] = end[i] = 0;
    else if (attrs.autoPad != "NOTSET")
      return fail("unknown auto_pad '" + attrs.autoPad + "'");
    if (target >= 0) {
      int64_t total = full - target;
      if (total < 0)
        return fail("output_shape " + shapeStr(outputShape) +
                    " is larger than the full output");
      if (attrs.autoPad == "SAME_UPPER") {
        begin[i] = total / 2;
        end[i] = total - total / 2;
      } else {
        begin[i] = total - total / 2;
        end[i] = total / 2;
      }
    }
    outSize[i] = full - begin[i] - end[i];
    if (outSize[i] < 1)
      return fail("padding leaves an empty output");
  }
  if (failed(checkRuntimeShape({N, outSize[0], outSize[1], O}, "result")))
    return failure();

  // Insert stride-1 zeros between input pixels.
  Value z = spatialInput(*x);
  int64_t zs[2] = {H, W};
  for (int i = 0; i < 2; ++i) {
    int64_t s = attrs.strides[i];
    if (s == 1 || in[i] == 1)
      continue;
    int64_t axis = 1 + i;
    Shape shape = shapeOfValue(z);
    Shape split(shape.begin(), shape.end());
    split.insert(split.begin() + axis + 1, 1);
    Value r = reshape(z, split);
    Shape zerosShape = split;
    zerosShape[axis + 1] = s - 1;
    Value c = concat({r, splatF32(zerosShape, 0.0f)}, axis + 1);
    Shape merged(shape.begin(), shape.end());
    merged[axis] = shape[axis] * s;
    z = sliceAxis(reshape(c, merged), axis, 0, (in[i] - 1) * s + 1);
    zs[i] = (in[i] - 1) * s + 1;
  }
  // A stride-1 conv with the flipped kernel and padding effK-1-pad (plus
  // output_padding at the end); negative padding crops the input.
  int64_t pad[4];
  for (int i = 0; i < 2; ++i) {
    int64_t lo = effK[i] - 1 - begin[i], hi = effK[i] - 1 - end[i] + outPad[i];
    int64_t cropLo = lo < 0 ? -lo : 0, cropHi = hi < 0 ? -hi : 0;
    if (cropLo + cropHi >= zs[i])
      return fail("padding crops the whole input");
    if (cropLo || cropHi)
      z = sliceAxis(z, 1 + i, cropLo, zs[i] - cropHi);
    pad[2 * i] = std::max<int64_t>(lo, 0);
    pad[2 * i + 1] = std::max<int64_t>(hi, 0);
  }
  SmallVector<float> biasData(O, 0.0f);
  if (bias)
    biasData.assign(bias->floatData.begin(), bias->floatData.end());
  int64_t one[2] = {1, 1};
  SmallVector<Value> parts;
  for (int64_t g = 0; g < group; ++g) {
    // w[c, o, kh, kw] (c in group g) -> OHWI [o][KH-1-kh][KW-1-kw][c].
    SmallVector<float> wData(Og * KH * KW * Cg);
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw)
            wData[((o * KH + (KH - 1 - kh)) * KW + (KW - 1 - kw)) * Cg + c] =
                w->floatData[(((g * Cg + c) * Og + o) * KH + kh) * KW + kw];
    // ONNX per-axis weight scales of ConvTranspose run along dim 1 (Og).
    Value wV = weightConst({Og, KH, KW, Cg}, wData,
                           weightScales(input(n, 1), 1, 0, Og));
    Value bV = constF32({Og}, ArrayRef<float>(biasData).slice(g * Og, Og));
    Value zg = group == 1 ? z : sliceAxis(z, 3, g * Cg, (g + 1) * Cg);
    parts.push_back(
        conv2d(zg, wV, bV, pad, one, attrs.dilations, outSize[0], outSize[1]));
  }
  return defineSpatial(n, 0, concat(parts, 3), rank);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

LogicalResult Importer::importPool(const OnnxNode &n) {
  bool isMax = n.opType == "MaxPool";
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  size_t rank = x->shape.size();
  if (rank != 3 && rank != 4)
    return fail("only 1-D and 2-D pooling is supported (input has rank " +
                Twine(rank) + ")");
  unsigned spatial = unsigned(rank) - 2;
  SpatialAttrs attrs;
  if (failed(readSpatialAttrs(n, spatial, {}, attrs)))
    return failure();
  if (attrs.dilations[0] != 1 || attrs.dilations[1] != 1)
    return fail("dilations other than 1 are not supported");
  bool ceilMode = n.getInt("ceil_mode", 0) != 0;
  bool includePad = !isMax && n.getInt("count_include_pad", 0) != 0;
  int64_t N = x->shape[0], C = x->shape[1];
  int64_t H = rank == 4 ? x->shape[2] : 1, W = x->shape.back();
  Window win;
  if (failed(computeWindow(attrs, H, W, ceilMode, win)))
    return failure();
  if (failed(checkRuntimeShape({N, C, win.outH, win.outW}, "result")))
    return failure();
  if (win.dropped[0] || win.dropped[1]) {
    // Exporters running onnx < 1.16 shape inference declare the window.
    const OnnxValueInfo *vi = model.getValueInfo(n.outputs[0]);
    if (vi && vi->hasShape && vi->dims.size() == rank &&
        vi->dims.back() == win.outW + (win.dropped[1] ? 1 : 0) &&
        (rank == 3 || vi->dims[2] == win.outH + (win.dropped[0] ? 1 : 0)))
      return fail("with ceil_mode the last window would start in the end "
                  "padding; qc drops it (as PyTorch and the current ONNX spec "
                  "do), but the file declares the output shape " +
                  shapeStr(vi->dims) + " that counts it");
  }

  Value in = spatialInput(*x);
  if (win.cropH || win.cropW)
    in = slice(in, {0, 0, 0, 0}, {N, H - win.cropH, W - win.cropW, C});
  int64_t pad[4] = {win.pad[0], win.pad[1], win.pad[2], win.pad[3]};
  if (includePad) {
    // Zeros count: pad explicitly; only the ceil_mode overhang (which ONNX
    // leaves out of the count) stays TOSA padding.
    in = padConstAxis(in, 1, pad[0], pad[1] - win.overhang[0], 0.0f);
    in = padConstAxis(in, 2, pad[2], pad[3] - win.overhang[1], 0.0f);
    pad[0] = pad[2] = 0;
    pad[1] = win.overhang[0];
    pad[3] = win.overhang[1];
  }
  for (int i = 0; i < 2; ++i)
    if (pad[2 * i] >= attrs.kernel[i] || pad[2 * i + 1] >= attrs.kernel[i])
      return fail("padding must be smaller than the kernel");
  Shape outNhwc = {N, win.outH, win.outW, C};
  ArrayRef<int64_t> k(attrs.kernel), s(attrs.strides), p(pad);
  Value result;
  if (isMax)
    result = tosa::MaxPool2dOp::create(b, curLoc, f32(outNhwc), in, k, s, p);
  else
    result = tosa::AvgPool2dOp::create(b, curLoc, f32(outNhwc), in, zeroPoint(),
                                       zeroPoint(), k, s, p, b.getF32Type());
  return defineSpatial(n, 0, result, rank);
}

LogicalResult Importer::importGlobalPool(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  bool isMax = n.opType == "GlobalMaxPool";
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  size_t rank = x->shape.size();
  if (rank < 3)
    return fail("input must have rank >= 3, has rank " + Twine(rank));
  Shape outShape(x->shape.begin(), x->shape.begin() + 2);
  outShape.append(rank - 2, 1);
  if (rank == 4 && x->shape[2] <= 8192 && x->shape[3] <= 8192) {
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t kernel[2] = {H, W}, stride[2] = {1, 1}, pad[4] = {0, 0, 0, 0};
    Value result;
    if (isMax)
      result = tosa::MaxPool2dOp::create(
          b, curLoc, f32({N, 1, 1, C}), nhwcOf(*x), ArrayRef<int64_t>(kernel),
          ArrayRef<int64_t>(stride), ArrayRef<int64_t>(pad));
    else
      result = tosa::AvgPool2dOp::create(
          b, curLoc, f32({N, 1, 1, C}), nhwcOf(*x), zeroPoint(), zeroPoint(),
          ArrayRef<int64_t>(kernel), ArrayRef<int64_t>(stride),
          ArrayRef<int64_t>(pad), b.getF32Type());
    return define(n, 0, makeValue(outShape, result, true));
  }
  // Other ranks: reductions over the spatial axes.
  bool nhwc = useNhwc(*x);
  Value r = layoutOf(*x, nhwc);
  for (size_t i = 2; i < rank; ++i)
    r = isMax ? reduceMax(r, layoutAxis(i, nhwc))
              : reduceSum(r, layoutAxis(i, nhwc));
  if (!isMax)
    r = mul(r, scalarF32(1.0f / float(product(
                                    ArrayRef<int64_t>(x->shape).drop_front(2))),
                         rank));
  return define(n, 0, makeValue(outShape, r, nhwc));
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

LogicalResult Importer::importBatchNorm(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  if (n.getInt("training_mode", 0) != 0)
    return fail("training_mode=1 not supported");
  if (n.getInt("spatial", 1) != 1)
    return fail("spatial=0 not supported");
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (x->shape.size() < 2)
    return fail("input must have rank >= 2");
  int64_t C = x->shape[1];
  const OnnxTensor *params[4];
  const char *what[4] = {"scale", "B", "mean", "var"};
  for (unsigned i = 0; i < 4; ++i) {
    params[i] = getFloatConst(n, i + 1, what[i]);
    if (!params[i])
      return failure();
    if (params[i]->numElements() != C)
      return fail(Twine(what[i]) + " has shape " + shapeStr(params[i]->dims) +
                  ", expected [" + Twine(C) + "]");
  }
  double eps = n.getFloat("epsilon", 1e-5f);
  SmallVector<float> aData(C), bData(C);
  for (int64_t c = 0; c < C; ++c) {
    double a = double(params[0]->floatData[c]) /
               std::sqrt(double(params[3]->floatData[c]) + eps);
    aData[c] = float(a);
    bData[c] = float(double(params[1]->floatData[c]) -
                     double(params[2]->floatData[c]) * a);
  }
  bool nhwc = useNhwc(*x);
  Value in = layoutOf(*x, nhwc);
  Shape constShape(x->shape.size(), 1);
  constShape[nhwc ? 3 : 1] = C;
  Type type = in.getType();
  Value mulV = tosa::MulOp::create(b, curLoc, type, in,
                                   constF32(constShape, aData), mulShift());
  Value addV =
      tosa::AddOp::create(b, curLoc, type, mulV, constF32(constShape, bData));
  return define(n, 0, makeValue(x->shape, addV, nhwc));
}

namespace {

/// Mean and variance normalisation of `in` over `axes` (layout axes).
Value normalize(Importer &imp, Value in, ArrayRef<int64_t> axes, float eps) {
  Shape shape = Importer::shapeOfValue(in);
  size_t rank = shape.size();
  int64_t count = 1;
  for (int64_t a : axes)
    count *= shape[a];
  Value inv = imp.scalarF32(1.0f / float(count), rank);
  Value sum = in;
  for (int64_t a : axes)
    sum = imp.reduceSum(sum, a);
  Value d = imp.sub(in, imp.mul(sum, inv));
  Value sq = imp.mul(d, d);
  for (int64_t a : axes)
    sq = imp.reduceSum(sq, a);
  Value var = imp.add(imp.mul(sq, inv), imp.scalarF32(eps, rank));
  Value rs = tosa::RsqrtOp::create(imp.b, imp.curLoc, var.getType(), var);
  return imp.mul(d, rs);
}

} // namespace

LogicalResult Importer::importLayerNorm(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  int64_t rank = int64_t(x->shape.size());
  int64_t axis = n.getInt("axis", -1);
  if (rank == 0 || failed(normalizeAxis(axis, rank, "axis")))
    return failure();
  float eps = n.getFloat("epsilon", 1e-5f);
  ArrayRef<int64_t> normShape = ArrayRef<int64_t>(x->shape).drop_front(axis);
  Operand scale, bias;
  if (failed(getOperand(input(n, 1), scale)))
    return failure();
  bool hasBias = hasInput(n, 2);
  if (hasBias && failed(getOperand(input(n, 2), bias)))
    return failure();
  for (Operand *op : {&scale, &bias}) {
    if (op == &bias && !hasBias)
      continue;
    Shape bc;
    if (op->shape.size() > normShape.size() ||
        !broadcastShapes(normShape, op->shape, bc) || bc != normShape)
      return fail("'" + op->name + "' of shape " + shapeStr(op->shape) +
                  " does not broadcast to the normalised shape " +
                  shapeStr(normShape));
  }
  bool nhwc = useNhwc(*x);
  SmallVector<int64_t> axes;
  for (int64_t a = axis; a < rank; ++a)
    axes.push_back(layoutAxis(a, nhwc));
  llvm::sort(axes);
  Value y = normalize(*this, layoutOf(*x, nhwc), axes, eps);
  y = mul(y, operandInLayout(scale, rank, nhwc));
  if (hasBias)
    y = add(y, operandInLayout(bias, rank, nhwc));
  return define(n, 0, makeValue(x->shape, y, nhwc));
}

LogicalResult Importer::importInstanceNorm(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  int64_t rank = int64_t(x->shape.size());
  if (rank < 3)
    return fail("input must have rank >= 3, has rank " + Twine(rank));
  int64_t C = x->shape[1];
  const OnnxTensor *scale = getFloatConst(n, 1, "scale");
  const OnnxTensor *bias = scale ? getFloatConst(n, 2, "B") : nullptr;
  if (!scale || !bias)
    return failure();
  if (scale->numElements() != C || bias->numElements() != C)
    return fail("scale and B must have " + Twine(C) + " elements");
  float eps = n.getFloat("epsilon", 1e-5f);
  bool nhwc = useNhwc(*x);
  SmallVector<int64_t> axes;
  for (int64_t a = 2; a < rank; ++a)
    axes.push_back(layoutAxis(a, nhwc));
  llvm::sort(axes);
  Value y = normalize(*this, layoutOf(*x, nhwc), axes, eps);
  Shape cShape = {C};
  cShape.append(rank - 2, 1);
  y = mul(y, constInLayout(scale->floatData, cShape, rank, nhwc));
  y = add(y, constInLayout(bias->floatData, cShape, rank, nhwc));
  return define(n, 0, makeValue(x->shape, y, nhwc));
}

//===----------------------------------------------------------------------===//
// Resize / Upsample
//===----------------------------------------------------------------------===//

namespace {

/// One output position of a resized axis: source indices and weights.
struct Taps {
  SmallVector<int64_t, 4> index;
  SmallVector<float, 4> weight;
};

struct ResizeParams {
  std::string mode;        ///< nearest, linear, cubic
  std::string coordMode;   ///< ONNX coordinate_transformation_mode
  std::string nearestMode; ///< ONNX nearest_mode, or "legacy" (opset < 11)
  float cubicA = -0.75f;
  bool excludeOutside = false;
};

/// Source coordinate of output index `o` (ONNX float arithmetic).
float sourceCoord(const ResizeParams &p, int64_t o, int64_t inSize,
                  int64_t outSize, float scale) {
  float x = float(o);
  const std::string &m = p.coordMode;
  if (m == "align_corners")
    return outSize == 1 ? 0.0f : x * float(inSize - 1) / float(outSize - 1);
  if (m == "asymmetric")
    return x / scale;
  if (m == "pytorch_half_pixel")
    return outSize > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
  if (m == "tf_half_pixel_for_nn")
    return (x + 0.5f) / scale;
  return (x + 0.5f) / scale - 0.5f; // half_pixel
}

int64_t nearestIndex(const ResizeParams &p, float x, float scale) {
  const std::string &m = p.nearestMode;
  if (m == "legacy") // opset < 11 (and Upsample)
    return scale < 1.0f ? int64_t(std::ceil(x)) : int64_t(x);
  if (m == "floor")
    return int64_t(std::floor(x));
  if (m == "ceil")
    return int64_t(std::ceil(x));
  bool tie = x == float(int64_t(x)) + 0.5f;
  if (m == "round_prefer_ceil")
    return tie ? int64_t(std::ceil(x)) : int64_t(std::round(x));
  return tie ? int64_t(x) : int64_t(std::round(x)); // round_prefer_floor
}

std::array<float, 4> cubicCoeffs(float t, float a) {
  float s = t + 1.0f, u = 1.0f - t, v = 2.0f - t;
  return {((a * s - 5.0f * a) * s + 8.0f * a) * s - 4.0f * a,
          ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f,
          ((a + 2.0f) * u - (a + 3.0f)) * u * u + 1.0f,
          ((a * v - 5.0f * a) * v + 8.0f * a) * v - 4.0f * a};
}

/// Taps of every output position of one axis.
SmallVector<Taps> axisTaps(const ResizeParams &p, int64_t inSize,
                           int64_t outSize, float scale) {
  SmallVector<Taps> taps(outSize);
  auto clampIdx = [&](int64_t i) {
    return std::min<int64_t>(std::max<int64_t>(i, 0), inSize - 1);
  };
  for (int64_t o = 0; o < outSize; ++o) {
    float x = sourceCoord(p, o, inSize, outSize, scale);
    Taps &t = taps[o];
    if (p.mode == "nearest") {
      t.index.push_back(clampIdx(nearestIndex(p, x, scale)));
      t.weight.push_back(1.0f);
    } else if (p.mode == "linear") {
      float xc = std::min(std::max(x, 0.0f), float(inSize - 1));
      int64_t i0 = int64_t(std::floor(xc));
      i0 = clampIdx(i0);
      int64_t i1 = clampIdx(i0 + 1);
      float w1 = xc - float(i0);
      t.index = {i0, i1};
      t.weight = {1.0f - w1, w1};
    } else { // cubic
      float fl = std::floor(x);
      int64_t i = int64_t(fl);
      std::array<float, 4> c = cubicCoeffs(x - fl, p.cubicA);
      float sum = 0.0f;
      for (int k = 0; k < 4; ++k) {
        int64_t idx = i - 1 + k;
        float wgt = c[k];
        if (p.excludeOutside && (idx < 0 || idx >= inSize))
          wgt = 0.0f;
        t.index.push_back(clampIdx(idx));
        t.weight.push_back(wgt);
        sum += wgt;
      }
      if (p.excludeOutside && sum != 0.0f)
        for (float &wgt : t.weight)
          wgt /= sum;
    }
  }
  return taps;
}

} // namespace

LogicalResult Importer::importResize(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (x->shape.size() != 4)
    return fail("only rank-4 input is supported (input has rank " +
                Twine(x->shape.size()) + ")");
  bool upsample = n.opType == "Upsample";
  bool legacy = upsample || opset() < 11;
  ResizeParams p;
  p.mode = n.getString("mode", "nearest");
  if (p.mode == "bilinear")
    p.mode = "linear"; // Upsample-7 spelling
  if (p.mode != "nearest" && p.mode != "linear" && p.mode != "cubic")
    return fail("mode '" + p.mode + "' is not supported");
  p.coordMode =
      legacy ? "asymmetric"
             : n.getString("coordinate_transformation_mode", "half_pixel");
  p.nearestMode =
      legacy ? "legacy" : n.getString("nearest_mode", "round_prefer_floor");
  p.cubicA = n.getFloat("cubic_coeff_a", -0.75f);
  p.excludeOutside = n.getInt("exclude_outside", 0) != 0;
  static const char *coordModes[] = {"half_pixel", "pytorch_half_pixel",
                                     "align_corners", "asymmetric",
                                     "tf_half_pixel_for_nn"};
  if (!llvm::is_contained(coordModes, p.coordMode))
    return fail("coordinate_transformation_mode '" + p.coordMode +
                "' is not supported");
  static const char *nearestModes[] = {"legacy", "round_prefer_floor",
                                       "round_prefer_ceil", "floor", "ceil"};
  if (!llvm::is_contained(nearestModes, p.nearestMode))
    return fail("nearest_mode '" + p.nearestMode + "' is not supported");

  // Scales (float) or sizes (int): attribute (Upsample-7), input 1
  // (Upsample-9, Resize-10), inputs 2 and 3 (Resize-11+).
  SmallVector<float> scales;
  SmallVector<int64_t> sizes;
  if (upsample && opset() < 9) {
    std::vector<float> s = n.getFloats("scales", {});
    scales.assign(s.begin(), s.end());
  } else {
    unsigned scalesIdx = legacy ? 1 : 2;
    if (hasInput(n, scalesIdx)) {
      const OnnxTensor *t = getFloatConst(n, scalesIdx, "scales");
      if (!t)
        return failure();
      scales.assign(t->floatData.begin(), t->floatData.end());
    }
    if (!legacy && hasInput(n, 3)) {
      const OnnxTensor *t = getIntConst(n, 3, "sizes");
      if (!t)
        return failure();
      sizes.assign(t->intData.begin(), t->intData.end());
    }
  }
  if (!scales.empty() && !sizes.empty())
    return fail("only one of scales and sizes may be given");
  if (scales.empty() && sizes.empty())
    return fail("scales or sizes must be given");
  if ((!scales.empty() && scales.size() != 4) ||
      (!sizes.empty() && sizes.size() != 4))
    return fail("scales/sizes must have 4 values");
  int64_t outSize[4];
  float scale[4];
  for (int i = 0; i < 4; ++i) {
    int64_t in = x->shape[i];
    if (!sizes.empty()) {
      if (sizes[i] < 1 || sizes[i] > kMaxAttrValue)
        return fail("invalid sizes " + shapeStr(sizes));
      outSize[i] = sizes[i];
      scale[i] = float(sizes[i]) / float(in);
    } else {
      scale[i] = scales[i];
      if (!(scale[i] > 0.0f) || !(float(in) * scale[i] < float(kMaxAttrValue)))
        return fail("invalid scale " + llvm::formatv("{0}", scale[i]).str());
      outSize[i] = int64_t(std::floor(float(in) * scale[i]));
      if (outSize[i] < 1)
        return fail("scale " + llvm::formatv("{0}", scale[i]).str() +
                    " leaves an empty output");
    }
  }
  if (outSize[0] != x->shape[0] || outSize[1] != x->shape[1])
    return fail("resizing the batch or channel dim is not supported");
  Shape outShape = {outSize[0], outSize[1], outSize[2], outSize[3]};
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();

  Value v = nhwcOf(*x);
  for (int64_t axis : {1, 2}) {
    int64_t plainAxis = axis + 1;
    int64_t inSize = x->shape[plainAxis], out = outSize[plainAxis];
    SmallVector<Taps> taps = axisTaps(p, inSize, out, scale[plainAxis]);
    int64_t numTaps = int64_t(taps[0].index.size());
    // Identity.
    bool identity = out == inSize;
    for (int64_t o = 0; identity && o < out; ++o)
      for (int64_t k = 0; identity && k < numTaps; ++k)
        identity = taps[o].weight[k] == 0.0f ||
                   (taps[o].index[k] == o && taps[o].weight[k] == 1.0f);
    if (identity)
      continue;
    // Integer nearest upsampling (index o / f): a tile.
    if (numTaps == 1 && out % inSize == 0) {
      int64_t f = out / inSize;
      bool tile = true;
      for (int64_t o = 0; tile && o < out; ++o)
        tile = taps[o].index[0] == o / f;
      if (tile) {
        Shape shape = shapeOfValue(v);
        Shape split(shape.begin(), shape.end());
        split.insert(split.begin() + axis + 1, 1);
        Shape tiled = split;
        tiled[axis + 1] = f;
        Shape multiples(split.size(), 1);
        multiples[axis + 1] = f;
        Value t = tosa::TileOp::create(b, curLoc, f32(tiled), reshape(v, split),
                                       constShape(multiples));
        Shape merged(shape.begin(), shape.end());
        merged[axis] = out;
        v = reshape(t, merged);
        continue;
      }
    }
    // General: sum over taps of gather(index) * weight.
    Value acc;
    for (int64_t k = 0; k < numTaps; ++k) {
      SmallVector<int64_t> idx;
      SmallVector<float> wgt;
      bool allZero = true, allOne = true;
      for (const Taps &t : taps) {
        idx.push_back(t.index[k]);
        wgt.push_back(t.weight[k]);
        allZero &= t.weight[k] == 0.0f;
        allOne &= t.weight[k] == 1.0f;
      }
      if (allZero)
        continue;
      FailureOr<Value> g = gatherAxis(v, axis, idx);
      if (failed(g))
        return failure();
      Value term = *g;
      if (!allOne) {
        Shape wShape(4, 1);
        wShape[axis] = out;
        term = mul(term, constF32(wShape, wgt));
      }
      acc = acc ? add(acc, term) : term;
    }
    if (!acc) {
      Shape shape = shapeOfValue(v);
      shape[axis] = out;
      acc = splatF32(shape, 0.0f);
    }
    v = acc;
  }
  return define(n, 0, makeValue(outShape, v, true));
}

} // namespace onnx_import
} // namespace qc
