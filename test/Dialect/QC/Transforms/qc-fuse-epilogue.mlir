// RUN: qc-opt %s -split-input-file --qc-fuse-epilogue | FileCheck %s

// add(conv(x), r) ⇒ conv(x) residual(r), with the add's output type and
// clamp; the conv and the add disappear into one op.

!x = !quant.uniform<i8:f32, 0.1:-10>
!c = !quant.uniform<i8:f32, 0.05:3>
!r = !quant.uniform<i8:f32, 0.08:-2>
!y = !quant.uniform<i8:f32, 0.1:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: func.func @residual
// CHECK-SAME:    (%[[X:.+]]: {{.+}}, %[[W:.+]]: {{.+}}, %[[R:.+]]: {{.+}})
// CHECK-NEXT:    %[[C:.+]] = qc.conv2d %[[X]], %[[W]] residual %[[R]] {clamp_min = -20 : i64, dilation
// CHECK-SAME:      -> tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01:5>>
// CHECK-NEXT:    return %[[C]]
func.func @residual(%x: tensor<1x4x4x2x!x>, %w: tensor<2x1x1x2x!w>, %r: tensor<1x4x4x2x!r>) -> tensor<1x4x4x2x!y> {
  %c = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x4x4x2x!x>, tensor<2x1x1x2x!w> -> tensor<1x4x4x2x!c>
  %a = qc.add %c, %r {clamp_min = -20} : tensor<1x4x4x2x!c>, tensor<1x4x4x2x!r> -> tensor<1x4x4x2x!y>
  return %a : tensor<1x4x4x2x!y>
}

// -----

// A table that is clamp(q, -100, 20) and keeps the quantization (ReLU6 with
// its own Q/DQ pair, as PyTorch exports it) becomes the conv's clamp; a
// table that is not a clamp stays.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: func.func @clamp_table
// CHECK:         %[[C:.+]] = qc.conv2d {{.+}}clamp_max = 20 : i64, clamp_min = -100 : i64{{.+}}qc.layer = "relu6"
// CHECK-NEXT:    return %[[C]]
func.func @clamp_table(%x: tensor<1x4x4x2x!x>, %w: tensor<2x1x1x2x!w>) -> tensor<1x4x4x2x!y> {
  %c = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, clamp_max = 50} : tensor<1x4x4x2x!x>, tensor<2x1x1x2x!w> -> tensor<1x4x4x2x!y>
  %l = qc.lut %c {table = array<i8: -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20>, qc.layer = "relu6"} : tensor<1x4x4x2x!y> -> tensor<1x4x4x2x!y>
  return %l : tensor<1x4x4x2x!y>
}

// CHECK-LABEL: func.func @not_a_clamp
// CHECK:         qc.conv2d
// CHECK-NOT:     clamp_min
// CHECK:         qc.lut
func.func @not_a_clamp(%x: tensor<1x4x4x2x!x>, %w: tensor<2x1x1x2x!w>) -> tensor<1x4x4x2x!y> {
  %c = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x4x4x2x!x>, tensor<2x1x1x2x!w> -> tensor<1x4x4x2x!y>
  %l = qc.lut %c {table = array<i8: -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 19, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20>} : tensor<1x4x4x2x!y> -> tensor<1x4x4x2x!y>
  return %l : tensor<1x4x4x2x!y>
}
