// RUN: qc-opt %s -qc-elide-result-copies -split-input-file | FileCheck %s

// A result computed into a flat buffer and copied through a reshaped view
// into the out parameter: the buffer becomes the out parameter, flattened.
// CHECK-LABEL: func.func @reshaped
// CHECK-SAME: (%[[IN:.*]]: memref<24xi8>, %[[OUT:.*]]: memref<4x6xi8>)
// CHECK-NOT: memref.alloc
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[OUT]] {{\[\[}}0, 1]] : memref<4x6xi8> into memref<24xi8>
// CHECK: memref.copy %[[IN]], %[[FLAT]]
// CHECK-NOT: memref.copy
// CHECK: return
func.func @reshaped(%in: memref<24xi8>, %out: memref<4x6xi8>) {
  %a = memref.alloc() : memref<24xi8>
  memref.copy %in, %a : memref<24xi8> to memref<24xi8>
  %v = memref.expand_shape %a [[0, 1]] output_shape [4, 6] : memref<24xi8> into memref<4x6xi8>
  memref.copy %v, %out : memref<4x6xi8> to memref<4x6xi8>
  return
}

// -----

// One buffer returned twice: the first copy has a use of the buffer after
// it and stays; the last one is elided, so the buffer is the second out
// parameter and the first copy reads it.
// CHECK-LABEL: func.func @two_outputs
// CHECK-SAME: (%[[IN:.*]]: memref<8xi8>, %[[O1:.*]]: memref<8xi8>, %[[O2:.*]]: memref<8xi8>)
// CHECK-NOT: memref.alloc
// CHECK: memref.copy %[[IN]], %[[O2]]
// CHECK: memref.copy %[[O2]], %[[O1]]
func.func @two_outputs(%in: memref<8xi8>, %o1: memref<8xi8>, %o2: memref<8xi8>) {
  %a = memref.alloc() : memref<8xi8>
  memref.copy %in, %a : memref<8xi8> to memref<8xi8>
  memref.copy %a, %o1 : memref<8xi8> to memref<8xi8>
  memref.copy %a, %o2 : memref<8xi8> to memref<8xi8>
  return
}

// -----

// A use of the buffer after the copy (here a write) keeps the copy.
// CHECK-LABEL: func.func @used_after
// CHECK: memref.alloc
// CHECK: memref.copy %{{.*}}, %arg1
func.func @used_after(%in: memref<8xi8>, %out: memref<8xi8>, %x: i8) {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<8xi8>
  memref.copy %in, %a : memref<8xi8> to memref<8xi8>
  memref.copy %a, %out : memref<8xi8> to memref<8xi8>
  memref.store %x, %a[%c0] : memref<8xi8>
  return
}

// -----

// The source is an input, not a fresh buffer: kept.
// CHECK-LABEL: func.func @from_input
// CHECK: memref.copy %arg0, %arg1
func.func @from_input(%in: memref<8xi8>, %out: memref<8xi8>) {
  memref.copy %in, %out : memref<8xi8> to memref<8xi8>
  return
}
