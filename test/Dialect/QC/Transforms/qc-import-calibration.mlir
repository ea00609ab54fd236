// RUN: split-file %s %t
// RUN: qc-opt %t/table.mlir -split-input-file -verify-diagnostics \
// RUN:   --qc-import-calibration=table=%S/Inputs/calibration.json | FileCheck %t/table.mlir
// RUN: qc-opt %t/unreadable.mlir -verify-diagnostics \
// RUN:   --qc-import-calibration=table=%S/Inputs/does-not-exist.json
// RUN: qc-opt %t/no-option.mlir -verify-diagnostics --qc-import-calibration
// RUN: qc-opt %t/not-json.mlir -verify-diagnostics \
// RUN:   --qc-import-calibration=table=%S/Inputs/calibration-not-json.json
// RUN: qc-opt %t/no-tensors.mlir -verify-diagnostics \
// RUN:   --qc-import-calibration=table=%S/Inputs/calibration-no-tensors.json
// RUN: qc-opt %t/bad-range.mlir -verify-diagnostics \
// RUN:   --qc-import-calibration=table=%S/Inputs/calibration-bad-range.json
// RUN: qc-opt %t/methods.mlir -split-input-file -verify-diagnostics \
// RUN:   --qc-import-calibration="table=%S/Inputs/calibration.json method=moving-average" | FileCheck %t/methods.mlir
// RUN: qc-opt %t/needs-histogram.mlir -verify-diagnostics \
// RUN:   --qc-import-calibration="table=%S/Inputs/calibration.json method=percentile:99.9"
// RUN: qc-opt %t/unknown-method.mlir -verify-diagnostics \
// RUN:   --qc-import-calibration="table=%S/Inputs/calibration.json method=median"
// RUN: qc-opt %t/bad-count.mlir -split-input-file -verify-diagnostics \
// RUN:   --qc-import-calibration=table=%S/Inputs/calibration-bad-count.json

//--- table.mlir

// Each observer gets the min/max/count of its name; integers are numbers too;
// a missing count is 0; tensors the module does not observe are ignored.

// CHECK-LABEL: func.func @stats
// CHECK:         qc.observe %{{.+}} {name = "x", stats = #qc.stats<min = -1.500000e+00, max = 6.000000e+00, count = 24>} : tensor<2x3xf32>
// CHECK:         qc.observe %{{.+}} {name = "sum", stats = #qc.stats<min = 2.500000e-01, max = 3.000000e+00, count = 24>} : tensor<2x3xf32>
// CHECK:         qc.observe %{{.+}} {name = "integers", stats = #qc.stats<min = -3.000000e+00, max = 5.000000e+00, count = 7>} : tensor<2x3xf32>
// CHECK:         qc.observe %{{.+}} {name = "no_count", stats = #qc.stats<min = -2.000000e+00, max = 2.000000e+00, count = 0>} : tensor<2x3xf32>
func.func @stats(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qc.observe %x {name = "x"} : tensor<2x3xf32>
  %1 = tosa.add %0, %0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = qc.observe %1 {name = "sum"} : tensor<2x3xf32>
  %3 = qc.observe %2 {name = "integers"} : tensor<2x3xf32>
  %4 = qc.observe %3 {name = "no_count"} : tensor<2x3xf32>
  return %4 : tensor<2x3xf32>
}

// -----

// Stats already present are replaced by the table's.

// CHECK-LABEL: func.func @replace
// CHECK:         qc.observe %{{.+}} {name = "x", stats = #qc.stats<min = -1.500000e+00, max = 6.000000e+00, count = 24>}
func.func @replace(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "x", stats = #qc.stats<min = 0.0, max = 1.0, count = 1>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// An observer missing from the table is an error.

// CHECK-NOT: func.func @missing
func.func @missing(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "x"} : tensor<4xf32>
  // expected-error @+1 {{calibration.json' has no min/max for tensor 'conv7'}}
  %1 = qc.observe %0 {name = "conv7"} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

//--- unreadable.mlir

// expected-error @+1 {{cannot read calibration table '}}
module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = qc.observe %x {name = "x"} : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

//--- no-option.mlir

// Without table=... there is nothing to read.
// expected-error @+1 {{cannot read calibration table ''}}
module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = qc.observe %x {name = "x"} : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

//--- not-json.mlir

// expected-error @+1 {{calibration-not-json.json' is not valid JSON}}
module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = qc.observe %x {name = "x"} : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

//--- no-tensors.mlir

// expected-error @+1 {{calibration-no-tensors.json' has no "tensors" object}}
module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = qc.observe %x {name = "x"} : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

//--- bad-range.mlir

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{tensor 'x' has an invalid range [2.000000e+00, 1.000000e+00]}}
  %0 = qc.observe %x {name = "x"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

//--- methods.mlir

// moving-average takes the averaged per-sample extremes when the table has
// them, and falls back to [min, max] otherwise.

// CHECK-LABEL: func.func @moving_average
// CHECK:         qc.observe %{{.+}} {name = "moving", stats = #qc.stats<min = -1.000000e+00, max = 2.000000e+00, count = 10>}
// CHECK:         qc.observe %{{.+}} {name = "x", stats = #qc.stats<min = -1.500000e+00, max = 6.000000e+00, count = 24>}
func.func @moving_average(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "moving"} : tensor<4xf32>
  %1 = qc.observe %0 {name = "x"} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

//--- needs-histogram.mlir

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{tensor 'x' has no histogram, which method 'percentile:99.9' needs}}
  %0 = qc.observe %x {name = "x"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

//--- unknown-method.mlir

// expected-error @+1 {{unknown calibration method 'median'}}
module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = qc.observe %x {name = "x"} : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}

//--- bad-count.mlir

// A count below 1 means the tensor was never observed: there are no
// statistics to quantize it with. It is rejected like a bad range, not turned
// into an empty range (which would quantize the tensor with [0, 0], scale 1)
// nor into a #qc.stats with count < 0 (which does not verify).

func.func @negative(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{tensor 'negative'}}
  %0 = qc.observe %x {name = "negative"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{tensor 'zero'}}
  %0 = qc.observe %x {name = "zero"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
