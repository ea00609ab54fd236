//===- Pipelines.h - qc's named pass pipelines ------------------*- C++ -*-===//
//
// Each pipeline is built once here from an options struct and registered by
// name; qc-opt, qc-compile and the Python package all use these.
//
//===----------------------------------------------------------------------===//

#ifndef QC_PIPELINES_PIPELINES_H
#define QC_PIPELINES_PIPELINES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace qc {

/// Options of `qc-quantize`.
struct QuantizePipelineOptions
    : public mlir::PassPipelineOptions<QuantizePipelineOptions> {
  Option<std::string> calibrationTable{
      *this, "calibration-table",
      llvm::cl::desc("JSON calibration table with the observers' statistics")};
  Option<std::string> calibrationMethod{
      *this, "calibration-method",
      llvm::cl::desc("minmax, moving-average, percentile[:P], entropy or mse"),
      llvm::cl::init("minmax")};
  ListOption<std::string> keepFloat{
      *this, "keep-float",
      llvm::cl::desc("Observed tensors (by name) left in float")};
};

/// `qc-calibration-build`: float graph ⇒ float graph whose extra results are
/// the tensors calibration observes (fold-batchnorm, insert-observers,
/// expose-observers).
void buildCalibrationPipeline(mlir::OpPassManager &pm);

/// `qc-quantize`: float graph + calibration table ⇒ integer qc graph with
/// kernels selected.
void buildQuantizePipeline(mlir::OpPassManager &pm,
                           const QuantizePipelineOptions &options);

/// `qc-int8-to-llvm`: integer graph ⇒ LLVM dialect (loops, vector kernels).
void buildInt8ToLLVMPipeline(mlir::OpPassManager &pm);

/// `qc-float-to-llvm`: float TOSA graph ⇒ LLVM dialect, through upstream
/// linalg, bufferization and loops (the calibration and float builds).
void buildFloatToLLVMPipeline(mlir::OpPassManager &pm);

/// Dialects and interfaces qc's inputs and pipelines use (the bufferization
/// models included).
void registerQCDialects(mlir::DialectRegistry &registry);

/// Registers the pipelines above by name.
void registerQCPipelines();

} // namespace qc

#endif // QC_PIPELINES_PIPELINES_H
