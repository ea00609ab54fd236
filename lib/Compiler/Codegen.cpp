//===- Codegen.cpp - LLVM dialect ⇒ object ⇒ shared library ---------------===//
//
// Objects come from LLVM's TargetMachine in this process; only linking runs
// an external program (ld.lld).
//
//===----------------------------------------------------------------------===//

#include "qc/Compiler/Codegen.h"
#include "qc/Target/TargetInfo.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/IntrinsicsRISCV.h"
#include "llvm/Linker/Linker.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"

#include <mutex>

using namespace mlir;

namespace qc {

int64_t TensorSignature::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {

void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
}

/// Adds `NAME_run` and the metadata functions of the C ABI to `m`.
void addInterface(llvm::Module &m, llvm::Function *graph,
                  const LibraryInterface &abi, TargetAttr target) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty();
  llvm::PointerType *ptr = b.getPtrTy();
  auto exported = [&](llvm::Type *ret, llvm::ArrayRef<llvm::Type *> params,
                      const std::string &suffix) {
    auto *fn = llvm::Function::Create(llvm::FunctionType::get(ret, params, false),
                                      llvm::GlobalValue::ExternalLinkage,
                                      abi.name + "_" + suffix, m);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn));
    return fn;
  };

  // int NAME_run(const float *const *inputs, float *const *outputs)
  {
    llvm::Function *run = exported(i32, {ptr, ptr}, "run");
    llvm::Value *ins = run->getArg(0), *outs = run->getArg(1);
    llvm::BasicBlock *bad = llvm::BasicBlock::Create(ctx, "null", run);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "call", run);
    llvm::Value *anyNull = b.CreateOr(b.CreateIsNull(ins), b.CreateIsNull(outs));
    b.CreateCondBr(anyNull, bad, ok);
    b.SetInsertPoint(bad);
    b.CreateRet(b.getInt32(1));
    b.SetInsertPoint(ok);
    llvm::SmallVector<llvm::Value *> args;
    auto loadPtrs = [&](llvm::Value *array, size_t n) {
      for (size_t i = 0; i < n; ++i)
        args.push_back(b.CreateLoad(
            ptr, b.CreateConstInBoundsGEP1_64(ptr, array, i)));
    };
    loadPtrs(ins, abi.inputs.size());
    loadPtrs(outs, abi.outputs.size());
    llvm::Value *anyArgNull = b.getFalse();
    for (llvm::Value *a : args)
      anyArgNull = b.CreateOr(anyArgNull, b.CreateIsNull(a));
    llvm::BasicBlock *go = llvm::BasicBlock::Create(ctx, "go", run);
    b.CreateCondBr(anyArgNull, bad, go);
    b.SetInsertPoint(go);
    // Code specialized for a RISC-V vector length (--vlen, feature
    // +zvl<N>b) is wrong on a shorter one: the library returns 3 there.
    int64_t minVlen = minimumVectorLength(target);
    if (minVlen > 128) {
      // vsetvlimax e8, m1 = VLEN / 8.
      llvm::Function *vlmax = llvm::Intrinsic::getOrInsertDeclaration(
          &m, llvm::Intrinsic::riscv_vsetvlimax, {i64});
      llvm::Value *bytes = b.CreateCall(vlmax, {b.getInt64(0), b.getInt64(0)});
      llvm::BasicBlock *shortVl = llvm::BasicBlock::Create(ctx, "short_vlen", run);
      llvm::BasicBlock *longVl = llvm::BasicBlock::Create(ctx, "vlen_ok", run);
      b.CreateCondBr(b.CreateICmpULT(bytes, b.getInt64(minVlen / 8)), shortVl,
                     longVl);
      b.SetInsertPoint(shortVl);
      b.CreateRet(b.getInt32(3));
      b.SetInsertPoint(longVl);
    }
    // AMX kernels need the tile state granted to the process first (the
    // runtime's qc_amx_enable): without it the library returns 2.
    if (m.getFunction("llvm.x86.ldtilecfg")) {
      llvm::FunctionCallee enable =
          m.getOrInsertFunction("qc_amx_enable", llvm::FunctionType::get(i32, {}, false));
      llvm::BasicBlock *noAmx = llvm::BasicBlock::Create(ctx, "no_amx", run);
      llvm::BasicBlock *tiles = llvm::BasicBlock::Create(ctx, "tiles", run);
      b.CreateCondBr(b.CreateICmpNE(b.CreateCall(enable), b.getInt32(0)), noAmx,
                     tiles);
      b.SetInsertPoint(noAmx);
      b.CreateRet(b.getInt32(2));
      b.SetInsertPoint(tiles);
    }
    b.CreateCall(graph, args);
    b.CreateRet(b.getInt32(0));
  }

  auto tables = [&](const std::vector<TensorSignature> &sigs,
                    const std::string &kind) {
    size_t n = sigs.size();
    exported(i32, {}, "num_" + kind + "s");
    b.CreateRet(b.getInt32(n));
    llvm::SmallVector<llvm::Constant *> names, shapes;
    llvm::SmallVector<llvm::Constant *> ranks, types, scales, zeroPoints;
    for (const TensorSignature &s : sigs) {
      types.push_back(b.getInt32(s.int8 ? 1 : 0));
      scales.push_back(llvm::ConstantFP::get(b.getDoubleTy(), s.int8 ? s.scale : 0.0));
      zeroPoints.push_back(b.getInt32(s.int8 ? s.zeroPoint : 0));
      names.push_back(b.CreateGlobalString(s.name, "", 0, &m));
      llvm::SmallVector<uint64_t> dims(s.shape.begin(), s.shape.end());
      auto *arr = llvm::ConstantDataArray::get(ctx, llvm::ArrayRef<uint64_t>(dims));
      shapes.push_back(new llvm::GlobalVariable(
          m, arr->getType(), true, llvm::GlobalValue::PrivateLinkage, arr));
      ranks.push_back(b.getInt32(s.shape.size()));
    }
    auto table = [&](llvm::Type *elem, llvm::ArrayRef<llvm::Constant *> items) {
      auto *type = llvm::ArrayType::get(elem, items.size());
      return new llvm::GlobalVariable(m, type, true,
                                      llvm::GlobalValue::PrivateLinkage,
                                      llvm::ConstantArray::get(type, items));
    };
    llvm::GlobalVariable *nameTable = table(ptr, names);
    llvm::GlobalVariable *shapeTable = table(ptr, shapes);
    llvm::GlobalVariable *rankTable = table(i32, ranks);
    llvm::GlobalVariable *typeTable = table(i32, types);
    llvm::GlobalVariable *scaleTable = table(b.getDoubleTy(), scales);
    llvm::GlobalVariable *zpTable = table(i32, zeroPoints);
    // T NAME_<kind>_<what>(int i): table[i], or `fallback` out of range.
    auto lookup = [&](llvm::Type *ret, llvm::GlobalVariable *t,
                      const std::string &what, llvm::Constant *fallback) {
      llvm::Function *fn = exported(ret, {i32}, kind + "_" + what);
      llvm::Value *i = fn->getArg(0);
      llvm::Value *inRange = b.CreateICmpULT(i, b.getInt32(n));
      llvm::Value *safe = b.CreateSelect(inRange, i, b.getInt32(0));
      llvm::Value *v = n == 0 ? static_cast<llvm::Value *>(fallback)
                              : b.CreateLoad(ret, b.CreateInBoundsGEP(
                                                      t->getValueType(), t,
                                                      {b.getInt64(0), b.CreateZExt(safe, i64)}));
      b.CreateRet(b.CreateSelect(inRange, v, fallback));
    };
    lookup(ptr, nameTable, "name", llvm::ConstantPointerNull::get(ptr));
    lookup(ptr, shapeTable, "shape", llvm::ConstantPointerNull::get(ptr));
    lookup(i32, rankTable, "rank", b.getInt32(-1));
    lookup(i32, typeTable, "type", b.getInt32(-1));
    lookup(b.getDoubleTy(), scaleTable, "scale",
           llvm::ConstantFP::get(b.getDoubleTy(), 0.0));
    lookup(i32, zpTable, "zero_point", b.getInt32(0));
  };
  tables(abi.inputs, "input");
  tables(abi.outputs, "output");
}

/// Finds ld.lld: the given path, then the LLVM 22 install, then PATH.
std::string findLinker(const std::string &given, std::string &error) {
  if (!given.empty()) {
    if (llvm::sys::fs::can_execute(given))
      return given;
    error = "linker '" + given + "' not found or not executable";
    return {};
  }
  for (const char *name : {"ld.lld-22", "ld.lld"})
    if (auto p = llvm::sys::findProgramByName(name))
      return *p;
  if (llvm::sys::fs::can_execute("/usr/lib/llvm-22/bin/ld.lld"))
    return "/usr/lib/llvm-22/bin/ld.lld";
  error = "cannot find the linker ld.lld (install lld-22 or pass --linker)";
  return {};
}

/// Library search directories for linking against libc/libm of `triple`:
/// the system's own for x86-64, else the Debian cross sysroot (e.g.
/// /usr/aarch64-linux-gnu/lib from libc6-dev-arm64-cross), which must exist.
std::vector<std::string> libraryDirs(const llvm::Triple &triple,
                                     std::string &error) {
  if (triple.getArch() == llvm::Triple::x86_64)
    return {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"};
  std::string multiarch = triple.getArchName().str() + "-linux-gnu";
  std::string dir = "/usr/" + multiarch + "/lib";
  if (!llvm::sys::fs::exists(dir + "/libc.so")) {
    std::string pkg = triple.getArch() == llvm::Triple::aarch64
                          ? "libc6-dev-arm64-cross"
                          : "libc6-dev-" + triple.getArchName().str() + "-cross";
    error = "no " + triple.getArchName().str() + " C library to link against: " +
            dir + "/libc.so is missing (install " + pkg + ")";
    return {};
  }
  return {dir};
}

} // namespace

std::string renderHeader(const LibraryInterface &abi) {
  std::string guard = abi.name;
  for (char &c : guard)
    c = std::toupper(static_cast<unsigned char>(c));
  std::string h;
  llvm::raw_string_ostream os(h);
  os << "/* " << abi.name << ".h: generated by qc-compile. Do not edit. */\n"
     << "#ifndef QC_" << guard << "_H\n#define QC_" << guard << "_H\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto describe = [&](const char *kind, const std::vector<TensorSignature> &sigs) {
    os << "#define " << guard << "_NUM_" << kind << "S " << sigs.size() << "\n";
    for (size_t i = 0; i < sigs.size(); ++i) {
      os << "/* " << kind << " " << i << ": \"" << sigs[i].name << "\" "
         << (sigs[i].int8 ? "int8" : "float32") << " [";
      for (size_t d = 0; d < sigs[i].shape.size(); ++d)
        os << (d ? ", " : "") << sigs[i].shape[d];
      os << "]";
      if (sigs[i].int8)
        os << ", real value = SCALE * (q - ZERO_POINT)";
      os << " */\n";
      os << "#define " << guard << "_" << kind << i << "_SIZE "
         << sigs[i].numElements() << "\n";
      if (sigs[i].int8)
        os << "#define " << guard << "_" << kind << i << "_SCALE "
           << llvm::formatv("{0:e9}", sigs[i].scale).str() << "\n"
           << "#define " << guard << "_" << kind << i << "_ZERO_POINT "
           << sigs[i].zeroPoint << "\n";
    }
    os << "\n";
  };
  describe("INPUT", abi.inputs);
  describe("OUTPUT", abi.outputs);
  const std::string &n = abi.name;
  bool anyInt8 = false;
  for (const auto *sigs : {&abi.inputs, &abi.outputs})
    for (const TensorSignature &s : *sigs)
      anyInt8 |= s.int8;
  if (anyInt8)
    os << "/* Runs the model. inputs[i] / outputs[i] point to dense row-major\n"
          "   buffers of the types and shapes above (int8_t or float). Returns 0\n"
          "   on success, 1 if a pointer is NULL, 2 if the library uses AMX and\n"
          "   the CPU or OS does not grant it, 3 if it was built for a longer\n"
          "   RISC-V vector length (--vlen) than the CPU's. Outputs are written\n"
          "   while the model runs: they must not overlap the inputs. Safe to\n"
          "   call from several threads at once. */\n"
       << "int " << n << "_run(const void *const *inputs, void *const *outputs);\n\n";
  else
    os << "/* Runs the model. inputs[i] / outputs[i] point to dense row-major\n"
          "   float32 buffers of the shapes above. Returns 0 on success, 1 if a\n"
          "   pointer is NULL, 2 if the library uses AMX and the CPU or OS does\n"
          "   not grant it, 3 if it was built for a longer RISC-V vector length\n"
          "   (--vlen) than the CPU's. Outputs are written while the model\n"
          "   runs: they must not overlap the inputs. Safe to call from several\n"
          "   threads at once. */\n"
       << "int " << n << "_run(const float *const *inputs, float *const *outputs);\n\n";
  os
     << "int " << n << "_num_inputs(void);\n"
     << "int " << n << "_num_outputs(void);\n"
     << "const char *" << n << "_input_name(int i);\n"
     << "const char *" << n << "_output_name(int i);\n"
     << "int " << n << "_input_rank(int i);\n"
     << "int " << n << "_output_rank(int i);\n"
     << "const int64_t *" << n << "_input_shape(int i);\n"
     << "const int64_t *" << n << "_output_shape(int i);\n"
     << "/* 0: float32, 1: int8 (with the scale and zero point below). */\n"
     << "int " << n << "_input_type(int i);\n"
     << "int " << n << "_output_type(int i);\n"
     << "double " << n << "_input_scale(int i);\n"
     << "double " << n << "_output_scale(int i);\n"
     << "int " << n << "_input_zero_point(int i);\n"
     << "int " << n << "_output_zero_point(int i);\n\n"
     << "/* Threads used by " << n << "_run (the calling thread and a pool\n"
        "   the library starts on first use); n <= 0 means the CPUs online. */\n"
     << "void " << n << "_set_num_threads(int n);\n"
     << "int " << n << "_get_num_threads(void);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h;
}

/// Large constant arrays of wider elements (float weights, i32 biases and
/// tables, i16 RVV weights) become arrays of their bytes, with the same
/// name, linkage and alignment. Loads do not change (pointers are opaque);
/// the object writer emits a byte array in one piece, where it would build
/// and emit every float or int element on its own: 11.7 M float weights of
/// resnet18's float build took seconds.
static void constantsAsBytes(llvm::Module &m) {
  const llvm::DataLayout &dl = m.getDataLayout();
  llvm::SmallVector<llvm::GlobalVariable *> globals;
  for (llvm::GlobalVariable &g : m.globals())
    if (g.isConstant() && g.hasInitializer())
      if (auto *data = llvm::dyn_cast<llvm::ConstantDataSequential>(g.getInitializer()))
        if (!data->getElementType()->isIntegerTy(8) &&
            data->getNumElements() * data->getElementByteSize() >= 4096)
          globals.push_back(&g);
  for (llvm::GlobalVariable *g : globals) {
    auto *data = llvm::cast<llvm::ConstantDataSequential>(g->getInitializer());
    llvm::StringRef raw = data->getRawDataValues();
    llvm::Constant *bytes = llvm::ConstantDataArray::get(
        m.getContext(), llvm::ArrayRef<uint8_t>(
                            reinterpret_cast<const uint8_t *>(raw.data()), raw.size()));
    auto *replacement = new llvm::GlobalVariable(
        m, bytes->getType(), /*isConstant=*/true, g->getLinkage(), bytes, "",
        g, g->getThreadLocalMode(), g->getAddressSpace());
    replacement->copyAttributesFrom(g);
    replacement->setAlignment(dl.getPreferredAlign(g));
    replacement->takeName(g);
    g->replaceAllUsesWith(replacement);
    g->eraseFromParent();
  }
}

/// Gives bodies to the allocation functions the memref lowering calls
/// (`use-generic-functions`): a per-thread cache of freed blocks in front of
/// malloc/free. A graph run allocates the same sizes in the same order every
/// time, so after the first call no buffer comes from the system again; with
/// plain malloc every large buffer was a fresh mmap whose page faults cost a
/// quarter of resnet18's time. Each block carries its capacity in a 64-byte
/// header; an allocation takes the smallest cached block of capacity n to 2n,
/// so blocks freed by late layers serve the early ones of the next call. The
/// cache keeps at most kSlots blocks per thread (they live as long as the
/// thread).
static void defineAllocator(llvm::Module &m) {
  constexpr unsigned kSlots = 256;
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  auto *slotsPtrTy = llvm::ArrayType::get(ptr, kSlots);
  auto *slotsSizeTy = llvm::ArrayType::get(i64, kSlots);
  auto tls = [&](llvm::Type *ty, const char *name) {
    auto *g = new llvm::GlobalVariable(m, ty, false,
                                       llvm::GlobalValue::InternalLinkage,
                                       llvm::Constant::getNullValue(ty), name);
    g->setThreadLocalMode(llvm::GlobalValue::GeneralDynamicTLSModel);
    return g;
  };
  llvm::GlobalVariable *slotPtr = tls(slotsPtrTy, "__qc_cache_ptr");
  llvm::GlobalVariable *slotSize = tls(slotsSizeTy, "__qc_cache_size");
  // Slots [used, kSlots) have never held a block: scans stop at `used`.
  llvm::GlobalVariable *slotUsed = tls(i64, "__qc_cache_used");
  llvm::FunctionCallee sysMalloc =
      m.getOrInsertFunction("malloc", llvm::FunctionType::get(ptr, {i64}, false));
  llvm::FunctionCallee sysFree = m.getOrInsertFunction(
      "free", llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false));
  auto threadLocal = [&](llvm::IRBuilder<> &b, llvm::GlobalVariable *g) {
    return b.CreateThreadLocalAddress(g);
  };
  // Addresses of slot i's pointer and size, given the two arrays' addresses.
  auto slot = [&](llvm::IRBuilder<> &b, llvm::Value *ptrs, llvm::Value *sizes,
                  llvm::Value *i) {
    return std::make_pair(
        b.CreateGEP(slotsPtrTy, ptrs, {b.getInt64(0), i}),
        b.CreateGEP(slotsSizeTy, sizes, {b.getInt64(0), i}));
  };

  // void *_mlir_memref_to_llvm_alloc(uint64_t n): the smallest cached block
  // of capacity in [n, 2n] (an exact size when there is one), else malloc.
  if (llvm::Function *f = m.getFunction("_mlir_memref_to_llvm_alloc")) {
    f->setLinkage(llvm::GlobalValue::InternalLinkage);
    auto *entry = llvm::BasicBlock::Create(ctx, "entry", f);
    auto *loop = llvm::BasicBlock::Create(ctx, "loop", f);
    auto *after = llvm::BasicBlock::Create(ctx, "after", f);
    auto *hit = llvm::BasicBlock::Create(ctx, "hit", f);
    auto *miss = llvm::BasicBlock::Create(ctx, "miss", f);
    auto *fail = llvm::BasicBlock::Create(ctx, "fail", f);
    auto *ok = llvm::BasicBlock::Create(ctx, "ok", f);
    llvm::IRBuilder<> b(entry);
    llvm::Value *n = f->getArg(0);
    llvm::Value *ptrs = threadLocal(b, slotPtr), *sizes = threadLocal(b, slotSize);
    llvm::Value *limit = b.CreateShl(n, 1);
    llvm::Value *used = b.CreateLoad(i64, threadLocal(b, slotUsed));
    b.CreateCondBr(b.CreateICmpEQ(used, b.getInt64(0)), miss, loop);
    b.SetInsertPoint(loop);
    llvm::PHINode *i = b.CreatePHI(i64, 2);
    llvm::PHINode *best = b.CreatePHI(i64, 2);      // slot index or kSlots
    llvm::PHINode *bestSize = b.CreatePHI(i64, 2);  // its capacity
    i->addIncoming(b.getInt64(0), entry);
    best->addIncoming(b.getInt64(kSlots), entry);
    bestSize->addIncoming(llvm::ConstantInt::getAllOnesValue(i64), entry);
    auto [pSlot, sSlot] = slot(b, ptrs, sizes, i);
    llvm::Value *p = b.CreateLoad(ptr, pSlot);
    llvm::Value *size = b.CreateLoad(i64, sSlot);
    llvm::Value *fits = b.CreateAnd(
        b.CreateIsNotNull(p),
        b.CreateAnd(b.CreateICmpUGE(size, n), b.CreateICmpULE(size, limit)));
    llvm::Value *better = b.CreateAnd(fits, b.CreateICmpULT(size, bestSize));
    llvm::Value *nextBest = b.CreateSelect(better, i, best);
    llvm::Value *nextSize = b.CreateSelect(better, size, bestSize);
    llvm::Value *i1 = b.CreateAdd(i, b.getInt64(1));
    i->addIncoming(i1, loop);
    best->addIncoming(nextBest, loop);
    bestSize->addIncoming(nextSize, loop);
    b.CreateCondBr(b.CreateICmpULT(i1, used), loop, after);
    b.SetInsertPoint(after);
    b.CreateCondBr(b.CreateICmpULT(nextBest, b.getInt64(kSlots)), hit, miss);
    b.SetInsertPoint(hit);
    llvm::Value *pAddr = slot(b, ptrs, sizes, nextBest).first;
    llvm::Value *found = b.CreateLoad(ptr, pAddr);
    b.CreateStore(llvm::ConstantPointerNull::get(llvm::cast<llvm::PointerType>(ptr)),
                  pAddr);
    b.CreateRet(found);
    b.SetInsertPoint(miss);
    llvm::Value *h = b.CreateCall(sysMalloc, {b.CreateAdd(n, b.getInt64(64))});
    b.CreateCondBr(b.CreateIsNull(h), fail, ok);
    b.SetInsertPoint(fail);
    b.CreateRet(h);
    b.SetInsertPoint(ok);
    b.CreateStore(n, h); // the block's capacity
    b.CreateRet(b.CreateGEP(b.getInt8Ty(), h, b.getInt64(64)));
  }

  // void _mlir_memref_to_llvm_free(void *p)
  if (llvm::Function *f = m.getFunction("_mlir_memref_to_llvm_free")) {
    f->setLinkage(llvm::GlobalValue::InternalLinkage);
    auto *entry = llvm::BasicBlock::Create(ctx, "entry", f);
    auto *done = llvm::BasicBlock::Create(ctx, "done", f);
    auto *start = llvm::BasicBlock::Create(ctx, "start", f);
    auto *loop = llvm::BasicBlock::Create(ctx, "loop", f);
    auto *keep = llvm::BasicBlock::Create(ctx, "keep", f);
    auto *next = llvm::BasicBlock::Create(ctx, "next", f);
    auto *release = llvm::BasicBlock::Create(ctx, "release", f);
    llvm::IRBuilder<> b(entry);
    llvm::Value *p = f->getArg(0);
    b.CreateCondBr(b.CreateIsNull(p), done, start);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
    b.SetInsertPoint(start);
    llvm::Value *h = b.CreateGEP(b.getInt8Ty(), p, b.getInt64(-64));
    llvm::Value *n = b.CreateLoad(i64, h);
    llvm::Value *ptrs = threadLocal(b, slotPtr), *sizes = threadLocal(b, slotSize);
    b.CreateBr(loop);
    b.SetInsertPoint(loop);
    llvm::PHINode *i = b.CreatePHI(i64, 2);
    i->addIncoming(b.getInt64(0), start);
    auto [pAddr, sAddr] = slot(b, ptrs, sizes, i);
    b.CreateCondBr(b.CreateIsNull(b.CreateLoad(ptr, pAddr)), keep, next);
    b.SetInsertPoint(keep);
    b.CreateStore(p, pAddr);
    b.CreateStore(n, sAddr);
    llvm::Value *usedAddr = threadLocal(b, slotUsed);
    llvm::Value *i1Keep = b.CreateAdd(i, b.getInt64(1));
    llvm::Value *usedNow = b.CreateLoad(i64, usedAddr);
    b.CreateStore(b.CreateSelect(b.CreateICmpUGT(i1Keep, usedNow), i1Keep, usedNow),
                  usedAddr);
    b.CreateRetVoid();
    b.SetInsertPoint(next);
    llvm::Value *i1 = b.CreateAdd(i, b.getInt64(1));
    i->addIncoming(i1, next);
    b.CreateCondBr(b.CreateICmpULT(i1, b.getInt64(kSlots)), loop, release);
    b.SetInsertPoint(release);
    b.CreateCall(sysFree, {h});
    b.CreateRetVoid();
  }
}

/// The thread pool (lib/Runtime/qc_runtime.c) as bitcode, per architecture.
static const unsigned char kRuntimeX86_64[] = {
#include "QCRuntime_x86_64.inc"
};
static const unsigned char kRuntimeAArch64[] = {
#include "QCRuntime_aarch64.inc"
};
static const unsigned char kRuntimeRISCV64[] = {
#include "QCRuntime_riscv64.inc"
};

static llvm::StringRef runtimeBitcode(const llvm::Triple &triple) {
  auto bytes = [](const unsigned char *p, size_t n) {
    return llvm::StringRef(reinterpret_cast<const char *>(p), n);
  };
  switch (triple.getArch()) {
  case llvm::Triple::x86_64:
    return bytes(kRuntimeX86_64, sizeof(kRuntimeX86_64));
  case llvm::Triple::aarch64:
    return bytes(kRuntimeAArch64, sizeof(kRuntimeAArch64));
  case llvm::Triple::riscv64:
    return bytes(kRuntimeRISCV64, sizeof(kRuntimeRISCV64));
  default:
    return {};
  }
}

/// Links the thread pool into `m` (its symbols internal), defines its
/// default thread count, exports NAME_set_num_threads / NAME_get_num_threads
/// and gives every `__qc_parallel_for_N` declaration (left by
/// qc-outline-parallel) its body: pack the arguments into an array of 8-byte
/// slots and call qc_parallel_for with a trampoline that unpacks them into a
/// call of `__qc_task_N(args..., begin, end)`.
static bool addThreadPool(llvm::Module &m, const LibraryInterface &abi,
                          std::string &error) {
  llvm::StringRef bitcode = runtimeBitcode(m.getTargetTriple());
  if (bitcode.empty()) {
    error = "no thread-pool runtime is built for " + m.getTargetTriple().str();
    return false;
  }
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *i32 = llvm::Type::getInt32Ty(ctx), *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::PointerType *ptr = llvm::PointerType::getUnqual(ctx);
  new llvm::GlobalVariable(m, i32, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(i32, abi.threads),
                           "qc_default_threads");
  llvm::MemoryBufferRef buffer(bitcode, "qc_runtime.bc");
  llvm::Expected<std::unique_ptr<llvm::Module>> runtime =
      llvm::parseBitcodeFile(buffer, ctx);
  if (!runtime) {
    error = "internal error: runtime bitcode: " + llvm::toString(runtime.takeError());
    return false;
  }
  (*runtime)->setTargetTriple(m.getTargetTriple());
  (*runtime)->setDataLayout(m.getDataLayout());
  if (llvm::Linker::linkModules(m, std::move(*runtime))) {
    error = "internal error: linking the runtime failed";
    return false;
  }
  for (const char *name : {"qc_parallel_for", "qc_set_num_threads",
                           "qc_get_num_threads", "qc_amx_enable"})
    if (llvm::Function *f = m.getFunction(name))
      f->setLinkage(llvm::GlobalValue::InternalLinkage);
  m.getNamedGlobal("qc_default_threads")
      ->setLinkage(llvm::GlobalValue::InternalLinkage);

  llvm::IRBuilder<> b(ctx);
  // void NAME_set_num_threads(int n); int NAME_get_num_threads(void)
  {
    auto *f = llvm::Function::Create(
        llvm::FunctionType::get(b.getVoidTy(), {i32}, false),
        llvm::GlobalValue::ExternalLinkage, abi.name + "_set_num_threads", m);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
    b.CreateCall(m.getFunction("qc_set_num_threads"), {f->getArg(0)});
    b.CreateRetVoid();
    auto *g = llvm::Function::Create(llvm::FunctionType::get(i32, {}, false),
                                     llvm::GlobalValue::ExternalLinkage,
                                     abi.name + "_get_num_threads", m);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", g));
    b.CreateRet(b.CreateCall(m.getFunction("qc_get_num_threads")));
  }

  llvm::Function *parallelFor = m.getFunction("qc_parallel_for");
  const std::string prefix = "__qc_parallel_for_";
  for (llvm::Function &dispatch : m) {
    if (!dispatch.isDeclaration() || !dispatch.getName().starts_with(prefix))
      continue;
    std::string id = dispatch.getName().drop_front(prefix.size()).str();
    llvm::Function *task = m.getFunction("__qc_task_" + id);
    if (!task || task->arg_size() != dispatch.arg_size() + 1) {
      error = "internal error: no task for " + dispatch.getName().str();
      return false;
    }
    size_t nargs = dispatch.arg_size() - 1;
    // void tramp(ptr ctx, i64 begin, i64 end)
    auto *tramp = llvm::Function::Create(
        llvm::FunctionType::get(b.getVoidTy(), {ptr, i64, i64}, false),
        llvm::GlobalValue::InternalLinkage, "__qc_tramp_" + id, m);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", tramp));
    llvm::SmallVector<llvm::Value *> args;
    for (size_t i = 0; i < nargs; ++i)
      args.push_back(b.CreateLoad(task->getArg(i)->getType(),
                                  b.CreateConstGEP1_64(i64, tramp->getArg(0), i)));
    args.push_back(tramp->getArg(1));
    args.push_back(tramp->getArg(2));
    b.CreateCall(task, args);
    b.CreateRetVoid();
    // The dispatch: pack and call the pool.
    dispatch.setLinkage(llvm::GlobalValue::InternalLinkage);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", &dispatch));
    llvm::Value *slots =
        b.CreateAlloca(llvm::ArrayType::get(i64, std::max<size_t>(nargs, 1)));
    for (size_t i = 0; i < nargs; ++i)
      b.CreateStore(dispatch.getArg(i), b.CreateConstGEP1_64(i64, slots, i));
    b.CreateCall(parallelFor, {tramp, slots, dispatch.getArg(nargs)});
    b.CreateRetVoid();
  }
  return true;
}

bool emitLibrary(ModuleOp module, StringRef graphFunction,
                 const LibraryInterface &abi, TargetAttr target, EmitKind kind,
                 const std::string &path, const std::string &linker,
                 std::string &error, bool quick) {
  initializeLLVMTargets();
  llvm::Triple triple(target.getTriple());
  std::string lookupError;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!llvmTarget) {
    error = "target '" + target.getName().str() + "': " + lookupError;
    return false;
  }
  llvm::TargetOptions targetOptions;
  // RISC-V Linux passes floats in FP registers (lp64d), as libc expects.
  if (triple.getArch() == llvm::Triple::riscv64)
    targetOptions.MCOptions.ABIName = "lp64d";
  std::unique_ptr<llvm::TargetMachine> tm(llvmTarget->createTargetMachine(
      triple, target.getCpu(), target.getFeatures(), targetOptions,
      llvm::Reloc::PIC_, std::nullopt,
      quick ? llvm::CodeGenOptLevel::Less : llvm::CodeGenOptLevel::Aggressive));

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> m =
      translateModuleToLLVMIR(module, llvmContext, abi.name);
  if (!m) {
    error = "translation to LLVM IR failed";
    return false;
  }
  m->setTargetTriple(triple);
  m->setDataLayout(tm->createDataLayout());
  if (triple.getArch() == llvm::Triple::riscv64)
    m->addModuleFlag(llvm::Module::Error, "target-abi",
                     llvm::MDString::get(llvmContext, "lp64d"));
  llvm::Function *graph = m->getFunction(graphFunction);
  if (!graph) {
    error = "internal error: no graph function '" + graphFunction.str() + "'";
    return false;
  }
  graph->setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::Function &f : *m)
    if (f.getName().starts_with("__qc_task_"))
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::Function &f : *m)
    if (!f.isDeclaration()) {
      f.addFnAttr("target-cpu", target.getCpu());
      if (!target.getFeatures().empty())
        f.addFnAttr("target-features", target.getFeatures());
    }
  addInterface(*m, graph, abi, target);
  defineAllocator(*m);
  if (!addThreadPool(*m, abi, error))
    return false;
  if (llvm::verifyModule(*m, &llvm::errs())) {
    error = "internal error: generated LLVM IR does not verify";
    return false;
  }
  auto optimize = makeOptimizingTransformer(quick ? 1 : 3, 0, tm.get());
  if (llvm::Error e = optimize(m.get())) {
    error = "LLVM optimization failed: " + llvm::toString(std::move(e));
    return false;
  }
  constantsAsBytes(*m);

  // Everything is written to a uniquely named temporary next to `path`, then
  // renamed, so concurrent compiles into one directory cannot collide.
  bool toStdout = path == "-";
  auto uniqueSibling = [&](llvm::StringRef suffix) {
    llvm::SmallString<256> model(path);
    model += ".%%%%%%";
    model += suffix;
    llvm::SmallString<256> out;
    llvm::sys::fs::createUniquePath(model, out, /*MakeAbsolute=*/false);
    return std::string(out);
  };
  std::string tmpPath = uniqueSibling(".tmp");
  auto writeWith = [&](llvm::function_ref<bool(llvm::raw_pwrite_stream &)> fn,
                       const std::string &file) {
    std::error_code ec;
    llvm::raw_fd_ostream os(file, ec, llvm::sys::fs::OF_None);
    if (ec) {
      error = file + ": " + ec.message();
      return false;
    }
    return fn(os);
  };
  auto emitMachineCode = [&](llvm::raw_pwrite_stream &os,
                             llvm::CodeGenFileType type) {
    llvm::legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, os, nullptr, type)) {
      error = "target cannot emit this file type";
      return false;
    }
    pm.run(*m);
    return true;
  };

  if (kind == EmitKind::Llvm || kind == EmitKind::Asm) {
    if (toStdout) {
      if (kind == EmitKind::Llvm) {
        m->print(llvm::outs(), nullptr);
        return true;
      }
      llvm::SmallString<0> buffer;
      llvm::raw_svector_ostream os(buffer);
      if (!emitMachineCode(os, llvm::CodeGenFileType::AssemblyFile))
        return false;
      llvm::outs() << buffer;
      return true;
    }
    bool ok = writeWith(
        [&](llvm::raw_pwrite_stream &os) {
          if (kind == EmitKind::Llvm) {
            m->print(os, nullptr);
            return true;
          }
          return emitMachineCode(os, llvm::CodeGenFileType::AssemblyFile);
        },
        tmpPath);
    if (ok && llvm::sys::fs::rename(tmpPath, path)) {
      error = path + ": cannot write";
      ok = false;
    }
    if (!ok)
      llvm::sys::fs::remove(tmpPath);
    return ok;
  }

  std::string linkerPath;
  std::vector<std::string> libDirs;
  if (kind == EmitKind::So) {
    linkerPath = findLinker(linker, error);
    if (linkerPath.empty())
      return false;
    libDirs = libraryDirs(triple, error);
    if (libDirs.empty())
      return false;
  }
  std::string objPath = kind == EmitKind::Obj ? tmpPath : uniqueSibling(".o.tmp");
  if (!writeWith(
          [&](llvm::raw_pwrite_stream &os) {
            return emitMachineCode(os, llvm::CodeGenFileType::ObjectFile);
          },
          objPath)) {
    llvm::sys::fs::remove(objPath);
    return false;
  }
  if (kind == EmitKind::So) {
    std::string soname = llvm::sys::path::filename(path).str();
    std::vector<std::string> args = {linkerPath, "-shared", "-o", tmpPath,
                                     objPath, "-soname", soname,
                                     "--as-needed", "-z", "noexecstack",
                                     // Every symbol resolved now (libc/libm),
                                     // not at the user's dlopen.
                                     "-z", "defs"};
    for (const std::string &d : libDirs)
      args.push_back("-L" + d);
    args.push_back("-lm");
    args.push_back("-lc");
    llvm::SmallVector<llvm::StringRef> argRefs(args.begin(), args.end());
    llvm::SmallString<128> errFile;
    llvm::sys::fs::createTemporaryFile("qc-link", "txt", errFile);
    std::optional<llvm::StringRef> redirects[] = {std::nullopt, errFile.str(),
                                                  errFile.str()};
    std::string execError;
    int rc = llvm::sys::ExecuteAndWait(linkerPath, argRefs, std::nullopt,
                                       redirects, 0, 0, &execError);
    llvm::sys::fs::remove(objPath);
    if (rc != 0) {
      auto text = llvm::MemoryBuffer::getFile(errFile);
      error = "linking with " + linkerPath + " failed: " +
              (execError.empty() && text ? (*text)->getBuffer().str()
                                         : execError);
      llvm::sys::fs::remove(errFile);
      llvm::sys::fs::remove(tmpPath);
      return false;
    }
    llvm::sys::fs::remove(errFile);
  }
  if (llvm::sys::fs::rename(tmpPath, path)) {
    error = path + ": cannot write";
    llvm::sys::fs::remove(tmpPath);
    return false;
  }
  return true;
}

} // namespace qc
