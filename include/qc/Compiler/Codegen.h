//===- Codegen.h - LLVM dialect ⇒ object ⇒ shared library -------*- C++ -*-===//

#ifndef QC_COMPILER_CODEGEN_H
#define QC_COMPILER_CODEGEN_H

#include "qc/Compiler/Compiler.h"
#include "qc/Dialect/QC/IR/QC.h"

namespace qc {

/// The C entry points of a generated library.
struct LibraryInterface {
  std::string name; ///< symbol prefix
  std::vector<TensorSignature> inputs, outputs;
  /// Default size of the library's thread pool (0: the CPUs online).
  int threads = 0;
};

/// Translates `module` (LLVM dialect; its graph function is `graphFunction`
/// taking one pointer per input then per output) to LLVM IR, adds the C ABI
/// (`NAME_run` and the metadata functions), optimizes for `target` and writes
/// `kind` (Llvm, Asm, Obj or So) to `path` atomically. `quick`: LLVM's
/// -O1 and its fast instruction selection, for host builds qc only runs
/// itself on a few samples (calibration, accuracy reports), where compile
/// time outweighs run time.
bool emitLibrary(mlir::ModuleOp module, llvm::StringRef graphFunction,
                 const LibraryInterface &abi, TargetAttr target, EmitKind kind,
                 const std::string &path, const std::string &linker,
                 std::string &error, bool quick = false);

/// The C header declaring a library's interface.
std::string renderHeader(const LibraryInterface &abi);

} // namespace qc

#endif // QC_COMPILER_CODEGEN_H
