//===- Internal.cpp - pieces shared by the compiler driver ----------------===//

#include "Internal.h"

#include "qc/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <dlfcn.h>
#include <thread>

using namespace mlir;

namespace qc {

func::FuncOp graphFunction(ModuleOp module) {
  if (auto main = module.lookupSymbol<func::FuncOp>("main"))
    return main;
  func::FuncOp only;
  for (auto f : module.getOps<func::FuncOp>())
    if (!f.isExternal())
      only = only ? func::FuncOp() : f;
  return only;
}

/// Names and shapes of a graph function's inputs and outputs.
bool readSignature(func::FuncOp f, std::vector<TensorSignature> &inputs,
                   std::vector<TensorSignature> &outputs, std::string &error) {
  // An i8 tensor carries its quantization in qc.scale / qc.zero_point
  // (set by makeInt8Interface).
  auto sig = [&](Type t, DictionaryAttr attrs, std::string fallback,
                 std::vector<TensorSignature> &into) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    auto name = attrs ? attrs.getAs<StringAttr>("qc.name") : StringAttr();
    auto scale = attrs ? attrs.getAs<FloatAttr>("qc.scale") : FloatAttr();
    auto zp = attrs ? attrs.getAs<IntegerAttr>("qc.zero_point") : IntegerAttr();
    bool int8 = tensor && tensor.getElementType().isInteger(8) && scale && zp;
    if (!tensor || !tensor.hasStaticShape() ||
        !(tensor.getElementType().isF32() || int8)) {
      error = "'" + fallback + "' must be a static-shaped f32 tensor";
      return false;
    }
    TensorSignature s{name ? name.str() : fallback,
                      std::vector<int64_t>(tensor.getShape().begin(),
                                           tensor.getShape().end())};
    if (int8) {
      s.int8 = true;
      s.scale = scale.getValueAsDouble();
      s.zeroPoint = zp.getInt();
    }
    into.push_back(std::move(s));
    return true;
  };
  for (unsigned i = 0; i < f.getNumArguments(); ++i)
    if (!sig(f.getArgumentTypes()[i], f.getArgAttrDict(i),
             "input" + std::to_string(i), inputs))
      return false;
  for (unsigned i = 0; i < f.getNumResults(); ++i)
    if (!sig(f.getResultTypes()[i], f.getResultAttrDict(i),
             "output" + std::to_string(i), outputs))
      return false;
  return true;
}

bool runPipeline(ModuleOp module,
                 llvm::function_ref<void(OpPassManager &)> build,
                 DiagnosticCollector &diags, llvm::StringRef what,
                 std::string &error) {
  PassManager pm(module->getContext());
  build(pm);
  if (failed(pm.run(module))) {
    error = diags.take((what + " failed").str());
    return false;
  }
  return true;
}

bool loadCalibrationData(const std::string &path,
                         const std::vector<TensorSignature> &inputs,
                         CalibrationSet &set, std::string &error) {
  std::vector<std::string> files;
  if (llvm::sys::fs::is_directory(path)) {
    for (const TensorSignature &in : inputs) {
      llvm::SmallString<256> file(path);
      llvm::sys::path::append(file, in.name + ".npy");
      if (!llvm::sys::fs::exists(file)) {
        // A directory with a single .npy file serves a single-input model.
        std::error_code ec;
        std::vector<std::string> all;
        for (llvm::sys::fs::directory_iterator it(path, ec), end;
             it != end && !ec; it.increment(ec))
          if (llvm::StringRef(it->path()).ends_with(".npy"))
            all.push_back(it->path());
        if (inputs.size() == 1 && all.size() == 1) {
          file = all[0];
        } else {
          error = path + ": no calibration file '" + in.name +
                  ".npy' for model input '" + in.name + "'";
          return false;
        }
      }
      files.push_back(std::string(file));
    }
  } else {
    if (inputs.size() != 1) {
      error = path + ": the model has " + std::to_string(inputs.size()) +
              " inputs; give a directory holding one <input name>.npy each";
      return false;
    }
    files.push_back(path);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    NpyArray a;
    if (!readNpy(files[i], a, error))
      return false;
    const std::vector<int64_t> &want = inputs[i].shape;
    int64_t per = inputs[i].numElements();
    auto shapeText = [](const std::vector<int64_t> &s) {
      std::string t = "[";
      for (size_t d = 0; d < s.size(); ++d)
        t += (d ? "," : "") + std::to_string(s[d]);
      return t + "]";
    };
    // Accept [S, *shape] and, for a leading batch dimension, [S·B, *shape[1:]].
    bool stacked = a.shape.size() == want.size() + 1 &&
                   std::equal(want.begin(), want.end(), a.shape.begin() + 1);
    bool batched = !want.empty() && a.shape.size() == want.size() &&
                   std::equal(want.begin() + 1, want.end(), a.shape.begin() + 1) &&
                   want[0] > 0 && a.shape[0] % want[0] == 0;
    if ((!stacked && !batched) || a.data.empty() || per == 0) {
      error = files[i] + ": calibration data of shape " + shapeText(a.shape) +
              " does not match model input '" + inputs[i].name + "' of shape " +
              shapeText(want) + " (samples go on axis 0)";
      return false;
    }
    int64_t samples = static_cast<int64_t>(a.data.size()) / per;
    for (size_t j = 0; j < a.data.size(); ++j)
      if (!std::isfinite(a.data[j])) {
        error = files[i] + ": sample " + std::to_string(j / per) + " contains " +
                (std::isnan(a.data[j]) ? "NaN" : "Inf") + " (element " +
                std::to_string(j % per) + ")";
        return false;
      }
    if (i > 0 && samples != set.samples) {
      error = files[i] + ": " + std::to_string(samples) + " samples, but " +
              files[0] + " has " + std::to_string(set.samples);
      return false;
    }
    set.samples = samples;
    set.arrays.push_back(std::move(a));
  }
  return true;
}

CompiledGraph::~CompiledGraph() {
  if (handle)
    dlclose(handle);
}

bool CompiledGraph::load(ModuleOp lowered, StringRef graphFunction,
                         const LibraryInterface &libraryAbi,
                         const std::string &linker, std::string &error) {
  abi = libraryAbi;
  std::string target;
  TargetAttr host = *resolveTarget(lowered->getContext(), "host", target);
  std::string lib = (dir.path + "/lib" + abi.name + ".so").str();
  if (!emitLibrary(lowered, graphFunction, abi, host, EmitKind::So, lib, linker,
                   error, /*quick=*/true))
    return false;
  handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    error = std::string("cannot load a host build: ") + dlerror();
    return false;
  }
  runFn = reinterpret_cast<int (*)(const float *const *, float *const *)>(
      dlsym(handle, (abi.name + "_run").c_str()));
  if (!runFn) {
    error = "internal error: no " + abi.name + "_run in the host build";
    return false;
  }
  buffers.clear();
  for (const TensorSignature &o : abi.outputs)
    buffers.emplace_back(o.numElements());
  return true;
}

bool CompiledGraph::runInto(const std::vector<const float *> &inputs,
                            std::vector<std::vector<float>> &outputs) const {
  std::vector<float *> outs;
  for (auto &b : outputs)
    outs.push_back(b.data());
  return runFn(inputs.data(), outs.data()) == 0;
}

unsigned hostThreads() {
  return std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
}

bool forEachSampleParallel(int64_t count, unsigned threads,
                           llvm::function_ref<bool(int64_t, unsigned)> run,
                           llvm::function_ref<bool(int64_t, unsigned)> consume) {
  for (int64_t first = 0; first < count; first += threads) {
    unsigned n = static_cast<unsigned>(std::min<int64_t>(threads, count - first));
    std::vector<char> ok(n, 0);
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < n; ++t)
      pool.emplace_back([&, t] { ok[t] = run(first + t, t); });
    ok[0] = run(first, 0);
    for (std::thread &th : pool)
      th.join();
    for (unsigned t = 0; t < n; ++t)
      if (!ok[t] || !consume(first + t, t))
        return false;
  }
  return true;
}

bool CompiledGraph::run(const std::vector<const float *> &inputs) {
  std::vector<float *> outs;
  for (auto &b : buffers)
    outs.push_back(b.data());
  return runFn(inputs.data(), outs.data()) == 0;
}

bool loadObservedFloatGraph(ModuleOp floatModule, StringRef name,
                            const std::string &linker, CompiledGraph &graph,
                            size_t &firstObserved, DiagnosticCollector &diags,
                            std::string &error) {
  OwningOpRef<ModuleOp> module(floatModule.clone());
  if (!runPipeline(*module, buildCalibrationPipeline, diags,
                   "preparing the observed float build", error))
    return false;
  func::FuncOp f = graphFunction(*module);
  // One thread per call: calibration already runs samples in parallel.
  LibraryInterface abi{name.str(), {}, {}, 1};
  if (!readSignature(f, abi.inputs, abi.outputs, error))
    return false;
  auto observed = f->getAttrOfType<ArrayAttr>("qc.observed");
  firstObserved = abi.outputs.size() - (observed ? observed.size() : 0);
  std::string graphName = (name + "_graph").str();
  SymbolTable::setSymbolName(f, graphName);
  if (!runPipeline(*module, buildFloatToLLVMPipeline, diags,
                   "lowering the observed float build", error))
    return false;
  return graph.load(*module, graphName, abi, linker, error);
}

} // namespace qc
