// RUN: qc-opt %s --qc-expand-math | FileCheck %s

// math.erf has no LLVM lowering: it becomes MLIR's polynomial approximation
// (fma, select, exp) (its accuracy is checked by executing Erf and GELU models in
// test/python/test_import_ops.py).

// CHECK-LABEL: func.func @erf
// CHECK-NOT:     math.erf
// CHECK:         math.fma
// CHECK:         return
func.func @erf(%x: f32) -> f32 {
  %y = math.erf %x : f32
  return %y : f32
}

// Other math ops are left to the LLVM lowering.
// CHECK-LABEL: func.func @exp
// CHECK:         math.exp
func.func @exp(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}
