// RUN: qc-opt %s -split-input-file --qc-copies-to-linalg | FileCheck %s

// memref.copy ⇒ linalg.copy, same source and target, so that it becomes
// loops instead of a call of MLIR's runtime memrefCopy.

// CHECK-LABEL: func.func @into_subview
// CHECK-SAME:    (%[[A:.+]]: memref<4xf32>, %[[B:.+]]: memref<10xf32>)
// CHECK:         %[[SV:.+]] = memref.subview %[[B]][5] [4] [1]
// CHECK-NEXT:    linalg.copy ins(%[[A]] : memref<4xf32>) outs(%[[SV]] : memref<4xf32, strided<[1], offset: 5>>)
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func @into_subview(%a: memref<4xf32>, %b: memref<10xf32>) {
  %sv = memref.subview %b[5] [4] [1] : memref<10xf32> to memref<4xf32, strided<[1], offset: 5>>
  memref.copy %a, %sv : memref<4xf32> to memref<4xf32, strided<[1], offset: 5>>
  return
}

// -----

// Every copy of the function is rewritten, in place and in order, including
// copies inside loops. Copies between dense buffers of rank > 1 are flat
// (collapsed to rank 1), so they become one loop.

// CHECK-LABEL: func.func @several
// CHECK-SAME:    (%[[A:.+]]: memref<2x3xi8>, %[[B:.+]]: memref<2x3xi8>, %[[C:.+]]: memref<2x3xi8>)
// CHECK:         %[[A1:.+]] = memref.collapse_shape %[[A]] {{\[\[}}0, 1]] : memref<2x3xi8> into memref<6xi8>
// CHECK-NEXT:    %[[B1:.+]] = memref.collapse_shape %[[B]] {{\[\[}}0, 1]] : memref<2x3xi8> into memref<6xi8>
// CHECK-NEXT:    linalg.copy ins(%[[A1]] : memref<6xi8>) outs(%[[B1]] : memref<6xi8>)
// CHECK:         scf.for
// CHECK:           linalg.copy ins(%{{.+}} : memref<6xi8>) outs(%{{.+}} : memref<6xi8>)
// CHECK-NOT:     memref.copy
func.func @several(%a: memref<2x3xi8>, %b: memref<2x3xi8>, %c: memref<2x3xi8>) {
  memref.copy %a, %b : memref<2x3xi8> to memref<2x3xi8>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    memref.copy %b, %c : memref<2x3xi8> to memref<2x3xi8>
  }
  return
}
