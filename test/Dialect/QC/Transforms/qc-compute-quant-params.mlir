// RUN: qc-opt %s -split-input-file -verify-diagnostics --qc-compute-quant-params | FileCheck %s
// RUN: qc-opt %s -split-input-file -verify-diagnostics --qc-compute-quant-params=keep-float=clamp \
// RUN:   | FileCheck %s --check-prefix=KEEP

// qc.observe %x ⇒ quant.dcast(quant.qcast %x) with an asymmetric per-tensor
// i8 type: [min, max] widened to contain 0, scale = (max − min)/255,
// zero_point = round(−128 − min/scale), ties to even. The qcast carries the
// observer's name as qc.layer.

// [−1.5, 6.0]: scale = 7.5/255 = 0.029411764705882353,
//              zp = round(−128 + 1.5/scale) = round(−128 + 51) = −77.

// CHECK-LABEL: func.func @range
// CHECK-SAME:    (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[Q:.+]] = quant.qcast %[[X]] {qc.layer = "x"} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.029411764705882353:-77>>
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[Q]] : tensor<2x3x!quant.uniform<i8:f32, 0.029411764705882353:-77>> to tensor<2x3xf32>
// CHECK-NEXT:    %[[A:.+]] = tosa.add %[[D]], %[[D]]
// CHECK-NOT:     qc.observe
// CHECK:         return
func.func @range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qc.observe %x {name = "x", stats = #qc.stats<min = -1.5, max = 6.0, count = 6>} : tensor<2x3xf32>
  %1 = tosa.add %0, %0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// [0.5, 4.0] is widened to [0, 4]: scale = 4/255 = 0.015686274509803921,
//                                  zp = round(−128 − 0/scale) = −128.

// CHECK-LABEL: func.func @positive
// CHECK:         quant.qcast %{{.+}} {qc.layer = "x"} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.015686274509803921:-128>>
func.func @positive(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "x", stats = #qc.stats<min = 0.5, max = 4.0, count = 4>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// [−3, −1] is widened to [−3, 0]: scale = 3/255 = 0.011764705882352941,
//                                 zp = round(−128 + 3/scale) = round(−128 + 255) = 127.

// CHECK-LABEL: func.func @negative
// CHECK:         quant.qcast %{{.+}} {qc.layer = "x"} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.011764705882352941:127>>
func.func @negative(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "x", stats = #qc.stats<min = -3.0, max = -1.0, count = 4>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// [−1, 1]: scale = 2/255 = 0.00784313725490196,
//          zp = round(−128 + 127.5) = round(−0.5) = 0 (tie to even), printed
//          without a zero point.

// CHECK-LABEL: func.func @tie
// CHECK:         quant.qcast %{{.+}} {qc.layer = "x"} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.0078431372549019607>>
func.func @tie(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "x", stats = #qc.stats<min = -1.0, max = 1.0, count = 4>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A degenerate range [0, 0] gets scale 1 so that 0 stays exact.

// CHECK-LABEL: func.func @degenerate
// CHECK:         quant.qcast %{{.+}} {qc.layer = "x"} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 1.000000e+00>>
func.func @degenerate(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qc.observe %x {name = "x", stats = #qc.stats<min = 0.0, max = 0.0, count = 4>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Every observer gets its own pair; uses of an observer read its dcast.
// With keep-float=clamp only that observer's qcast is marked qc.keep_float
// (the op computing it stays float; its result is still quantized).

// CHECK-LABEL: func.func @two
// CHECK:         %[[D0:.+]] = quant.dcast %{{.+}} : tensor<4x!quant.uniform<i8:f32, 0.015686274509803921:-128>> to tensor<4xf32>
// CHECK:         %[[C:.+]] = tosa.clamp %[[D0]]
// CHECK-NEXT:    %[[Q1:.+]] = quant.qcast %[[C]] {qc.layer = "clamp"} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.011764705882352941:-128>>
// CHECK-NEXT:    %[[D1:.+]] = quant.dcast %[[Q1]]
// CHECK-NEXT:    return %[[D1]], %[[D0]]
// KEEP-LABEL:  func.func @two
// KEEP:          quant.qcast %{{.+}} {qc.layer = "x"} :
// KEEP:          quant.qcast %{{.+}} {qc.keep_float, qc.layer = "clamp"} :
func.func @two(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = qc.observe %x {name = "x", stats = #qc.stats<min = 0.0, max = 4.0, count = 4>} : tensor<4xf32>
  %1 = tosa.clamp %0 {max_val = 3.0 : f32, min_val = 0.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = qc.observe %1 {name = "clamp", stats = #qc.stats<min = 0.0, max = 3.0, count = 4>} : tensor<4xf32>
  return %2, %0 : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @no_stats(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{observer 'conv1' has no statistics; run calibration first}}
  %0 = qc.observe %x {name = "conv1"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
