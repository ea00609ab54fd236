//===- qc-opt.cpp - qc's pass driver ----------------------------*- C++ -*-===//
//
// Runs qc's passes and named pipelines on .mlir files. Registers only the
// dialects qc's inputs and lowerings contain.
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/IR/QC.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  qc::registerQCPasses();

  qc::registerQCPipelines();

  mlir::DialectRegistry registry;
  qc::registerQCDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qc optimizer driver\n", registry));
}
