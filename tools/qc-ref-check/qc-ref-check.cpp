//===- qc-ref-check.cpp - compiled int8 code vs. the scalar reference -----===//
//
// Runs an integer qc graph (as `qc-compile --emit=mlir` writes it) two ways:
// through the compiled library and through the scalar reference oracle
// (lib/Reference, which shares no code with code generation), and compares
// every output bit for bit. With `--expose-layers` graphs every integer layer
// is an output, so the comparison is layer by layer.
//
//===----------------------------------------------------------------------===//

#include "qc/Compiler/Compiler.h"
#include "qc/Compiler/Npy.h"
#include "qc/Dialect/QC/IR/QC.h"
#include "qc/Reference/Reference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <dlfcn.h>
#include <random>

using namespace mlir;
using namespace llvm;

static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<graph.mlir>"), cl::Required);
static cl::opt<std::string> libPath(cl::Positional, cl::desc("<lib.so>"), cl::Required);
static cl::opt<std::string> name("name", cl::desc("Symbol prefix"), cl::init("model"));
static cl::opt<std::string> inputFile("input", cl::desc(".npy with samples on axis 0 (single-input graphs)"));
static cl::opt<int> samples("samples", cl::desc("Random samples when no --input"), cl::init(8));
static cl::opt<unsigned> seed("seed", cl::init(1));
static cl::opt<std::string> execPrefix(
    "exec",
    cl::desc("Run the library with this command instead of loading it: "
             "'CMD LIB NAME SAMPLES IN.bin OUT.bin' must write the outputs "
             "(e.g. 'qemu-aarch64 -L /usr/aarch64-linux-gnu qc-run-lib.aarch64', "
             "for a library built for another ISA)"));

namespace {

/// A value of the interpreted graph: int8 storage, int32 or float data.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<int8_t> i8;
  std::vector<int32_t> i32;
  std::vector<float> f32;
};

quant::UniformQuantizedType quantOf(Value v) {
  return cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(v.getType()).getElementType());
}

std::vector<int64_t> shapeOf(Value v) {
  auto s = cast<ShapedType>(v.getType()).getShape();
  return {s.begin(), s.end()};
}

std::vector<double> weightScales(Value w, int64_t channels) {
  Type e = cast<RankedTensorType>(w.getType()).getElementType();
  if (auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(e))
    return {axis.getScales().begin(), axis.getScales().end()};
  return std::vector<double>(channels, cast<quant::UniformQuantizedType>(e).getScale());
}

/// Per-channel (m, s) with M = (s_x · s_w[o]) / s_out.
void channelMultipliers(double sx, const std::vector<double> &sw, double so,
                        std::vector<int32_t> &m, std::vector<int32_t> &s) {
  for (double w : sw) {
    qc::ref::FixedPointMultiplier fp = qc::ref::quantizeMultiplier(sx * w / so);
    m.push_back(fp.m);
    s.push_back(fp.s);
  }
}

class Interpreter {
public:
  llvm::DenseMap<Value, Tensor> env;

  LogicalResult run(func::FuncOp f) {
    for (Operation &op : f.getBody().front()) {
      if (failed(step(op))) {
        op.emitError("qc-ref-check cannot interpret this op");
        return failure();
      }
    }
    return success();
  }

private:
  Tensor &in(Operation &op, unsigned i) { return env[op.getOperand(i)]; }

  LogicalResult step(Operation &op) {
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto attr = dyn_cast<DenseElementsAttr>(c.getValue());
      if (!attr)
        return failure();
      Tensor t;
      t.shape = shapeOf(c.getResult());
      if (attr.getElementType().isInteger(8))
        for (int8_t v : attr.getValues<int8_t>()) t.i8.push_back(v);
      else if (attr.getElementType().isInteger(32))
        for (int32_t v : attr.getValues<int32_t>()) t.i32.push_back(v);
      else
        return success(); // not read by integer ops
      env[c.getResult()] = std::move(t);
      return success();
    }
    if (isa<quant::StorageCastOp, qc::ReshapeOp>(op)) {
      Tensor t = in(op, 0);
      t.shape = shapeOf(op.getResult(0));
      env[op.getResult(0)] = std::move(t);
      return success();
    }
    if (auto q = dyn_cast<quant::QuantizeCastOp>(op)) {
      auto qt = quantOf(q.getResult());
      Tensor t;
      t.shape = shapeOf(q.getResult());
      t.i8.resize(in(op, 0).f32.size());
      qc::ref::quantize(in(op, 0).f32.data(), t.i8.data(), t.i8.size(),
                        static_cast<float>(1.0 / qt.getScale()), qt.getZeroPoint());
      env[q.getResult()] = std::move(t);
      return success();
    }
    if (auto dq = dyn_cast<quant::DequantizeCastOp>(op)) {
      auto qt = quantOf(dq.getInput());
      Tensor t;
      t.shape = shapeOf(dq.getResult());
      t.f32.resize(in(op, 0).i8.size());
      qc::ref::dequantize(in(op, 0).i8.data(), t.f32.data(), t.f32.size(),
                          static_cast<float>(qt.getScale()), qt.getZeroPoint());
      env[dq.getResult()] = std::move(t);
      return success();
    }
    if (auto conv = dyn_cast<qc::Conv2DOp>(op)) {
      auto is = shapeOf(conv.getInput()), ws = shapeOf(conv.getWeight());
      qc::ref::Conv2DParams p;
      p.batch = is[0]; p.inHeight = is[1]; p.inWidth = is[2]; p.inChannels = is[3];
      p.outChannels = ws[0]; p.kernelHeight = ws[1]; p.kernelWidth = ws[2];
      p.strideH = conv.getStride()[0]; p.strideW = conv.getStride()[1];
      p.dilationH = conv.getDilation()[0]; p.dilationW = conv.getDilation()[1];
      p.padTop = conv.getPad()[0]; p.padLeft = conv.getPad()[1];
      p.padBottom = conv.getPad()[2]; p.padRight = conv.getPad()[3];
      p.groups = conv.getGroups();
      p.inputZeroPoint = quantOf(conv.getInput()).getZeroPoint();
      p.outputZeroPoint = quantOf(conv.getOutput()).getZeroPoint();
      p.clampMin = conv.getClampMin(); p.clampMax = conv.getClampMax();
      std::vector<int32_t> m, s;
      channelMultipliers(quantOf(conv.getInput()).getScale(),
                         weightScales(conv.getWeight(), ws[0]),
                         quantOf(conv.getOutput()).getScale(), m, s);
      Tensor t;
      t.shape = shapeOf(conv.getOutput());
      t.i8.resize(cast<ShapedType>(conv.getType()).getNumElements());
      qc::ref::ResidualInput residual;
      std::vector<int64_t> residualM;
      if (Value r = conv.getResidual()) {
        double real = quantOf(r).getScale() / quantOf(conv.getOutput()).getScale();
        for (int32_t shift : s)
          residualM.push_back(qc::ref::residualMultiplier(real, shift));
        residual.values = env[r].i8.data();
        residual.zeroPoint = quantOf(r).getZeroPoint();
        residual.multipliers = residualM.data();
      }
      qc::ref::conv2d(p, in(op, 0).i8.data(), in(op, 1).i8.data(),
                      conv.getBias() ? env[conv.getBias()].i32.data() : nullptr,
                      m.data(), s.data(), t.i8.data(),
                      conv.getResidual() ? &residual : nullptr);
      env[conv.getResult()] = std::move(t);
      return success();
    }
    if (auto fc = dyn_cast<qc::FullyConnectedOp>(op)) {
      auto is = shapeOf(fc.getInput()), ws = shapeOf(fc.getWeight());
      qc::ref::FullyConnectedParams p;
      p.rows = is[0]; p.inFeatures = is[1]; p.outFeatures = ws[0];
      p.inputZeroPoint = quantOf(fc.getInput()).getZeroPoint();
      p.outputZeroPoint = quantOf(fc.getOutput()).getZeroPoint();
      p.clampMin = fc.getClampMin(); p.clampMax = fc.getClampMax();
      std::vector<int32_t> m, s;
      channelMultipliers(quantOf(fc.getInput()).getScale(),
                         weightScales(fc.getWeight(), ws[0]),
                         quantOf(fc.getOutput()).getScale(), m, s);
      Tensor t;
      t.shape = shapeOf(fc.getOutput());
      t.i8.resize(is[0] * ws[0]);
      qc::ref::fullyConnected(p, in(op, 0).i8.data(), in(op, 1).i8.data(),
                              fc.getBias() ? in(op, 2).i32.data() : nullptr,
                              m.data(), s.data(), t.i8.data());
      env[fc.getResult()] = std::move(t);
      return success();
    }
    if (auto add = dyn_cast<qc::AddOp>(op)) {
      auto qa = quantOf(add.getLhs()), qb = quantOf(add.getRhs()),
           qo = quantOf(add.getOutput());
      qc::ref::AddMultipliers am = qc::ref::quantizeAddMultipliers(
          qa.getScale() / qo.getScale(), qb.getScale() / qo.getScale());
      qc::ref::AddParams p;
      p.count = cast<ShapedType>(add.getType()).getNumElements();
      p.lhsZeroPoint = qa.getZeroPoint(); p.rhsZeroPoint = qb.getZeroPoint();
      p.lhsMultiplier = am.ma; p.rhsMultiplier = am.mb; p.shift = am.s;
      p.outputZeroPoint = qo.getZeroPoint();
      p.clampMin = add.getClampMin(); p.clampMax = add.getClampMax();
      Tensor t;
      t.shape = shapeOf(add.getOutput());
      t.i8.resize(p.count);
      qc::ref::add(p, in(op, 0).i8.data(), in(op, 1).i8.data(), t.i8.data());
      env[add.getResult()] = std::move(t);
      return success();
    }
    if (isa<qc::MaxPool2DOp, qc::AvgPool2DOp>(op)) {
      auto is = shapeOf(op.getOperand(0));
      auto kernel = op.getAttrOfType<DenseI64ArrayAttr>("kernel").asArrayRef();
      auto stride = op.getAttrOfType<DenseI64ArrayAttr>("stride").asArrayRef();
      auto pad = op.getAttrOfType<DenseI64ArrayAttr>("pad").asArrayRef();
      qc::ref::Pool2DParams p;
      p.batch = is[0]; p.inHeight = is[1]; p.inWidth = is[2]; p.channels = is[3];
      p.kernelHeight = kernel[0]; p.kernelWidth = kernel[1];
      p.strideH = stride[0]; p.strideW = stride[1];
      p.padTop = pad[0]; p.padLeft = pad[1]; p.padBottom = pad[2]; p.padRight = pad[3];
      Tensor t;
      t.shape = shapeOf(op.getResult(0));
      t.i8.resize(cast<ShapedType>(op.getResult(0).getType()).getNumElements());
      if (auto avg = dyn_cast<qc::AvgPool2DOp>(op)) {
        qc::ref::AvgPoolQuant q;
        q.inputScale = quantOf(avg.getInput()).getScale();
        q.inputZeroPoint = quantOf(avg.getInput()).getZeroPoint();
        q.outputScale = quantOf(avg.getOutput()).getScale();
        q.outputZeroPoint = quantOf(avg.getOutput()).getZeroPoint();
        q.clampMin = avg.getClampMin(); q.clampMax = avg.getClampMax();
        q.countIncludePad = avg.getCountIncludePad();
        qc::ref::avgPool2d(p, q, in(op, 0).i8.data(), t.i8.data());
      } else {
        qc::ref::maxPool2d(p, in(op, 0).i8.data(), t.i8.data());
      }
      env[op.getResult(0)] = std::move(t);
      return success();
    }
    if (auto lut = dyn_cast<qc::LookupTableOp>(op)) {
      Tensor t;
      t.shape = shapeOf(lut.getOutput());
      t.i8.resize(in(op, 0).i8.size());
      std::vector<int8_t> table(lut.getTable().begin(), lut.getTable().end());
      qc::ref::lookupTable(in(op, 0).i8.data(), t.i8.data(), t.i8.size(), table.data());
      env[lut.getResult()] = std::move(t);
      return success();
    }
    if (auto tr = dyn_cast<qc::TransposeOp>(op)) {
      auto is = shapeOf(tr.getInput());
      std::vector<int> perm(tr.getPerms().begin(), tr.getPerms().end());
      Tensor t;
      t.shape = shapeOf(tr.getOutput());
      t.i8.resize(in(op, 0).i8.size());
      qc::ref::transpose(in(op, 0).i8.data(), t.i8.data(), is.size(), is.data(),
                         perm.data());
      env[tr.getResult()] = std::move(t);
      return success();
    }
    if (isa<func::ReturnOp>(op))
      return success();
    return failure();
  }
};

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "compiled int8 graph vs. reference\n");
  DialectRegistry registry;
  qc::registerQCDialects(registry);
  MLIRContext ctx(registry);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(modelPath, &ctx);
  if (!module)
    return 2;
  func::FuncOp f;
  for (auto fn : module->getOps<func::FuncOp>())
    if (!fn.isExternal())
      f = fn;
  if (!f) {
    errs() << "qc-ref-check: no function in " << modelPath << "\n";
    return 2;
  }
  // Inputs: given samples, or random values the input quantization
  // represents exactly (so quantize is checked on its exact grid points) plus
  // off-grid values (so its rounding is checked too).
  unsigned numInputs = f.getNumArguments();
  auto argSize = [&](unsigned i) {
    return cast<ShapedType>(f.getArgument(i).getType()).getNumElements();
  };
  int numSamples = samples;
  qc::NpyArray given;
  if (!inputFile.empty()) {
    std::string error;
    if (numInputs != 1 || !qc::readNpy(inputFile, given, error)) {
      errs() << "qc-ref-check: " << (error.empty() ? "--input needs a single-input graph" : error) << "\n";
      return 2;
    }
    numSamples = given.data.size() / argSize(0);
  }
  std::mt19937 rng(seed);
  // inputs[sample][input]
  std::vector<std::vector<std::vector<float>>> inputs(numSamples);
  for (int s = 0; s < numSamples; ++s) {
    inputs[s].resize(numInputs);
    for (unsigned i = 0; i < numInputs; ++i) {
      int64_t n = argSize(i);
      if (!inputFile.empty()) {
        inputs[s][i].assign(given.data.begin() + s * n, given.data.begin() + (s + 1) * n);
        continue;
      }
      double scale = 0.05;
      int zp = 0;
      for (Operation *user : f.getArgument(i).getUsers())
        if (auto q = dyn_cast<quant::QuantizeCastOp>(user)) {
          scale = quantOf(q.getResult()).getScale();
          zp = quantOf(q.getResult()).getZeroPoint();
        }
      std::uniform_int_distribution<int> level(-128, 127);
      std::uniform_real_distribution<float> jitter(-0.7f, 0.7f);
      for (int64_t j = 0; j < n; ++j) {
        float v = float(level(rng) - zp) * float(scale);
        if (s % 2 == 1)
          v += jitter(rng) * float(scale);
        inputs[s][i].push_back(v);
      }
    }
  }

  // The compiled library's outputs[sample][output].
  auto ret = cast<func::ReturnOp>(f.getBody().front().getTerminator());
  std::vector<std::vector<std::vector<float>>> outputs(numSamples);
  for (auto &o : outputs)
    for (Value r : ret.getOperands())
      o.emplace_back(cast<ShapedType>(r.getType()).getNumElements(), 0.0f);
  SmallString<256> absLib(libPath);
  sys::fs::make_absolute(absLib);
  if (execPrefix.empty()) {
    void *lib = dlopen(absLib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      errs() << "qc-ref-check: " << dlerror() << "\n";
      return 2;
    }
    using RunFn = int (*)(const float *const *, float *const *);
    auto run = reinterpret_cast<RunFn>(dlsym(lib, (name + "_run").c_str()));
    if (!run) {
      errs() << "qc-ref-check: no symbol " << name << "_run\n";
      return 2;
    }
    for (int s = 0; s < numSamples; ++s) {
      std::vector<const float *> inPtrs;
      std::vector<float *> outPtrs;
      for (auto &v : inputs[s])
        inPtrs.push_back(v.data());
      for (auto &v : outputs[s])
        outPtrs.push_back(v.data());
      if (run(inPtrs.data(), outPtrs.data()) != 0) {
        errs() << "qc-ref-check: " << name << "_run failed\n";
        return 1;
      }
    }
  } else {
    // All samples in one run of the command (an emulator starts once).
    SmallString<128> inPath, outPath;
    if (sys::fs::createTemporaryFile("qc-ref-in", "bin", inPath) ||
        sys::fs::createTemporaryFile("qc-ref-out", "bin", outPath)) {
      errs() << "qc-ref-check: cannot create temporary files\n";
      return 2;
    }
    llvm::scope_exit cleanup([&] {
      sys::fs::remove(inPath);
      sys::fs::remove(outPath);
    });
    {
      std::error_code ec;
      raw_fd_ostream os(inPath, ec, sys::fs::OF_None);
      for (auto &sample : inputs)
        for (auto &v : sample)
          os.write(reinterpret_cast<const char *>(v.data()), v.size() * sizeof(float));
      if (ec || os.has_error()) {
        errs() << "qc-ref-check: cannot write " << inPath << "\n";
        return 2;
      }
    }
    std::string command = execPrefix + " '" + absLib.str().str() + "' " + name + " " +
                          std::to_string(numSamples) + " '" + inPath.str().str() +
                          "' '" + outPath.str().str() + "'";
    auto sh = sys::findProgramByName("sh");
    if (!sh) {
      errs() << "qc-ref-check: no sh to run --exec\n";
      return 2;
    }
    std::string execError;
    int rc = sys::ExecuteAndWait(*sh, {*sh, "-c", command}, std::nullopt, {},
                                 0, 0, &execError);
    if (rc != 0) {
      errs() << "qc-ref-check: '" << command << "' failed (exit " << rc
             << (execError.empty() ? "" : ": " + execError) << ")\n";
      return 1;
    }
    auto buffer = MemoryBuffer::getFile(outPath);
    size_t want = 0;
    for (auto &v : outputs.front())
      want += v.size() * sizeof(float);
    want *= numSamples;
    if (!buffer || (*buffer)->getBufferSize() != want) {
      errs() << "qc-ref-check: '" << command << "' wrote "
             << (buffer ? (*buffer)->getBufferSize() : 0) << " bytes, expected "
             << want << "\n";
      return 1;
    }
    const char *p = (*buffer)->getBufferStart();
    for (auto &sample : outputs)
      for (auto &v : sample) {
        std::memcpy(v.data(), p, v.size() * sizeof(float));
        p += v.size() * sizeof(float);
      }
  }

  int64_t compared = 0;
  for (int s = 0; s < numSamples; ++s) {
    Interpreter interp;
    for (unsigned i = 0; i < numInputs; ++i) {
      Tensor t;
      t.f32 = inputs[s][i];
      interp.env[f.getArgument(i)] = std::move(t);
    }
    if (failed(interp.run(f)))
      return 2;
    for (auto [i, r] : llvm::enumerate(ret.getOperands())) {
      const std::vector<float> &want = interp.env[r].f32;
      auto label = f.getResultAttrOfType<StringAttr>(i, "qc.name");
      for (size_t j = 0; j < want.size(); ++j) {
        if (std::memcmp(&want[j], &outputs[s][i][j], sizeof(float)) != 0) {
          errs() << "MISMATCH sample " << s << " output " << i << " ('"
                 << (label ? label.getValue() : "") << "') element " << j
                 << ": reference " << want[j] << ", compiled " << outputs[s][i][j]
                 << "\n";
          return 1;
        }
      }
      compared += want.size();
    }
  }
  outs() << "bit-exact: " << numSamples << " samples, " << f.getNumResults()
         << " outputs, " << compared << " values\n";
  return 0;
}
