//===- Pipelines.cpp - qc's named pass pipelines --------------------------===//

#include "qc/Pipelines/Pipelines.h"
#include "qc/Dialect/QC/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace qc {

void buildCalibrationPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createQCFoldBatchNorm());
  pm.addNestedPass<func::FuncOp>(createQCInsertObservers());
  pm.addNestedPass<func::FuncOp>(createQCExposeObservers());
}

void buildQuantizePipeline(OpPassManager &pm,
                           const QuantizePipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createQCFoldBatchNorm());
  pm.addNestedPass<func::FuncOp>(createQCInsertObservers());
  pm.addPass(createQCImportCalibration(QCImportCalibrationOptions{
      options.calibrationTable, options.calibrationMethod}));
  QCComputeQuantParamsOptions quantParams;
  quantParams.keepFloat.assign(options.keepFloat.begin(), options.keepFloat.end());
  pm.addNestedPass<func::FuncOp>(createQCComputeQuantParams(quantParams));
  pm.addNestedPass<func::FuncOp>(createQCQuantizeConstants());
  pm.addNestedPass<func::FuncOp>(createQCFuseQDQ());
  pm.addNestedPass<func::FuncOp>(createQCFuseEpilogue());
  pm.addPass(createQCSelectKernels());
}

/// The shared tail: loops, vectors and memrefs to the LLVM dialect. Functions
/// take bare pointers so the C ABI wrapper can pass user buffers directly.
static void addLowerToLLVM(OpPassManager &pm) {
  pm.addPass(createQCLowerDotProducts());
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Allocation through _mlir_memref_to_llvm_alloc/free, which the library
  // defines (a per-thread cache in front of malloc; see Codegen.cpp).
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void buildInt8ToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createConvertQCToLoops());
  buildFloatToLLVMPipeline(pm);
}

void buildFloatToLLVMPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createQCGroupFloatConvs());
  tosa::addTosaToLinalgPasses(pm, TosaToLinalgOptions{});
  pm.addNestedPass<func::FuncOp>(createTosaToArithPass());
  pm.addNestedPass<func::FuncOp>(createTosaToTensorPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addNestedPass<func::FuncOp>(createQCElideResultCopies());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createQCCopiesToLinalg());
  pm.addNestedPass<func::FuncOp>(createQCVectorizeFloatConvs());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createQCExpandMath());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createQCOutlineParallel());
  addLowerToLLVM(pm);
}

void registerQCDialects(DialectRegistry &registry) {
  registry.insert<qc::QCDialect, quant::QuantDialect, func::FuncDialect,
                  tosa::TosaDialect, arith::ArithDialect, tensor::TensorDialect,
                  memref::MemRefDialect, scf::SCFDialect,
                  vector::VectorDialect, math::MathDialect, LLVM::LLVMDialect,
                  linalg::LinalgDialect, bufferization::BufferizationDialect,
                  affine::AffineDialect, cf::ControlFlowDialect,
                  index::IndexDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
}

void registerQCPipelines() {
  PassPipelineRegistration<>(
      "qc-calibration-build",
      "Float graph ⇒ float graph exposing the observed tensors",
      buildCalibrationPipeline);
  PassPipelineRegistration<QuantizePipelineOptions>(
      "qc-quantize", "Float graph + calibration table ⇒ integer qc graph",
      buildQuantizePipeline);
  PassPipelineRegistration<>("qc-int8-to-llvm",
                             "Integer qc graph ⇒ LLVM dialect",
                             buildInt8ToLLVMPipeline);
  PassPipelineRegistration<>("qc-float-to-llvm",
                             "Float TOSA graph ⇒ LLVM dialect",
                             buildFloatToLLVMPipeline);
}

} // namespace qc
