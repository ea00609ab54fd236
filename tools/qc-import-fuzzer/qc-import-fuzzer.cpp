//===- qc-import-fuzzer.cpp - libFuzzer target for the ONNX importer ------===//
//
// Feeds arbitrary bytes to the ONNX importer (the in-memory entry point, so
// the whole path from protobuf parsing through the libonnx checker, shape
// inference and the TOSA builder runs). Any crash or sanitizer report is a
// bug; so is an import that neither returns a verified module nor a one-line
// message, and the importer's own "internal error" (a module that does not
// verify). Only the message's prefix counts: libonnx's checker quotes names
// from the model, which may themselves say "internal error".
//
//===----------------------------------------------------------------------===//

#include "qc/Import/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

/// The file name the importer's messages start with.
static constexpr const char *kName = "fuzz.onnx";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: uniqued attributes (weights) would otherwise
  // accumulate over millions of runs.
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler quiet(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  std::string error;
  qc::ImportOptions options;
  mlir::OwningOpRef<mlir::ModuleOp> module = qc::importOnnxBuffer(
      ctx, llvm::StringRef(reinterpret_cast<const char *>(data), size),
      kName, options, error);
  if (module) {
    if (mlir::failed(mlir::verify(*module)))
      std::abort();
    return 0;
  }
  if (error.empty() || error.find('\n') != std::string::npos ||
      llvm::StringRef(error).starts_with(std::string(kName) + ": internal error")) {
    llvm::errs() << "bad diagnostic: '" << error << "'\n";
    std::abort();
  }
  return 0;
}
