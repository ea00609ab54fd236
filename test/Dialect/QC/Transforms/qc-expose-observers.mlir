// RUN: qc-opt %s -split-input-file --qc-expose-observers | FileCheck %s

// Each observer is replaced by its operand, which becomes an extra result
// (in observer order, after the original results, named by qc.name);
// qc.observed lists the names in that order.

// CHECK-LABEL: func.func @graph
// CHECK-SAME:    (%[[X:.+]]: tensor<2x3xf32> {qc.name = "in"})
// CHECK-SAME:    -> (tensor<2x3xf32> {qc.name = "out"}, tensor<2x3xf32> {qc.name = "in"}, tensor<2x3xf32> {qc.name = "sum"}, tensor<2x3xf32> {qc.name = "relu"})
// CHECK-SAME:    attributes {qc.observed = ["in", "sum", "relu"]}
// CHECK-NOT:     qc.observe
// CHECK:         %[[S:.+]] = tosa.add %[[X]], %[[X]]
// CHECK-NEXT:    %[[R:.+]] = tosa.clamp %[[S]]
// CHECK-NEXT:    return %[[R]], %[[X]], %[[S]], %[[R]] : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
func.func @graph(%x: tensor<2x3xf32> {qc.name = "in"}) -> (tensor<2x3xf32> {qc.name = "out"}) {
  %0 = qc.observe %x {name = "in"} : tensor<2x3xf32>
  %1 = tosa.add %0, %0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = qc.observe %1 {name = "sum"} : tensor<2x3xf32>
  %3 = tosa.clamp %2 {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = qc.observe %3 {name = "relu"} : tensor<2x3xf32>
  return %4 : tensor<2x3xf32>
}

// -----

// Original results without attributes keep none.

// CHECK-LABEL: func.func @unnamed_result
// CHECK-SAME:    (%[[X:.+]]: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32> {qc.name = "x"})
// CHECK-SAME:    attributes {qc.observed = ["x"]}
// CHECK-NEXT:    return %[[X]], %[[X]] : tensor<4xf32>, tensor<4xf32>
func.func @unnamed_result(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "x"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Without observers only the (empty) list is added.

// CHECK-LABEL: func.func @no_observers
// CHECK-SAME:    (%[[X:.+]]: tensor<4xf32>) -> tensor<4xf32> attributes {qc.observed = []}
// CHECK-NEXT:    return %[[X]] : tensor<4xf32>
func.func @no_observers(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
