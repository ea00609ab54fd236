// RUN: qc-opt %s -split-input-file --qc-quantize-constants | FileCheck %s

// A constant weight of an op whose result is quantized becomes
// dcast(scast(arith.constant i8)): symmetric, one scale per output channel,
// scale = max|w|/127, q = round(w/scale) in [−127, 127].

!y = !quant.uniform<i8:f32, 0.1:0>

// Conv (OHWI, per-axis 0):
//   o=0: [1.0, −0.25]  scale 1/127            q = [127, round(−31.75) = −32]
//   o=1: [0.3, −0.4]   scale 0.4/127          q = [round(95.25) = 95, −127]
//   o=2: [0, 0]        scale 1 (all zero)     q = [0, 0]
// (0.4 and 0.3 are f32 values, hence scale 0.0031496063461453898.)

// CHECK-LABEL: func.func @conv
// CHECK-SAME:    (%[[X:.+]]: tensor<1x4x4x2xf32>)
// CHECK:         %[[I8:.+]] = arith.constant dense<{{\[\[\[\[}}127, -32]]], {{\[\[\[}}95, -127]]], {{\[\[\[}}0, 0]]]]> : tensor<3x1x1x2xi8>
// CHECK-NEXT:    %[[S:.+]] = quant.scast %[[I8]] : tensor<3x1x1x2xi8> to tensor<3x1x1x2x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157480314959,0.0031496063461453898,1.000000e+00}>>
// CHECK-NEXT:    %[[W:.+]] = quant.dcast %[[S]] : {{.+}} to tensor<3x1x1x2xf32>
// CHECK-NEXT:    tosa.conv2d %[[X]], %[[W]],
func.func @conv(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x3xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0, -0.25]]], [[[0.3, -0.4]]], [[[0.0, 0.0]]]]> : tensor<3x1x1x2xf32>}> : () -> tensor<3x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<3x1x1x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x3xf32>
  %q = quant.qcast %c : tensor<1x4x4x3xf32> to tensor<1x4x4x3x!y>
  %d = quant.dcast %q : tensor<1x4x4x3x!y> to tensor<1x4x4x3xf32>
  return %d : tensor<1x4x4x3xf32>
}

// -----

!y = !quant.uniform<i8:f32, 0.1:0>

// Depthwise (its result quantized after a clamp) ([KH,KW,C,M] = [1,2,2,1], per-axis 2 = C):
//   elements in order (kw, c): (0,0)=2.0 (0,1)=0.1 (1,0)=−1.5 (1,1)=−0.3
//   c=0: [2.0, −1.5]  scale 2/127    q = [127, round(−95.25) = −95]
//   c=1: [0.1, −0.3]  scale 0.3/127  q = [round(42.33) = 42, −127]

// CHECK-LABEL: func.func @depthwise
// CHECK:         %[[I8:.+]] = arith.constant dense<{{\[\[\[\[}}127], [42]], {{\[\[}}-95], [-127]]]]> : tensor<1x2x2x1xi8>
// CHECK-NEXT:    %[[S:.+]] = quant.scast %[[I8]] : tensor<1x2x2x1xi8> to tensor<1x2x2x1x!quant.uniform<i8<-127:127>:f32:2, {0.015748031496062992,0.0023622048182750312}>>
// CHECK-NEXT:    %[[W:.+]] = quant.dcast %[[S]]
// CHECK-NEXT:    tosa.depthwise_conv2d %{{.+}}, %[[W]],
func.func @depthwise(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x3x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[2.0], [0.1]], [[-1.5], [-0.3]]]]> : tensor<1x2x2x1xf32>}> : () -> tensor<1x2x2x1xf32>
  %b = "tosa.const"() <{values = dense<[0.0, 0.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.depthwise_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<1x2x2x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3x2xf32>
  %r = tosa.clamp %c {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %q = quant.qcast %r : tensor<1x4x3x2xf32> to tensor<1x4x3x2x!y>
  %d = quant.dcast %q : tensor<1x4x3x2x!y> to tensor<1x4x3x2xf32>
  return %d : tensor<1x4x3x2xf32>
}

// -----

!y = !quant.uniform<i8:f32, 0.1:0>

// Matmul B (its result quantized after reshape and bias add) ([1,K,N] = [1,2,3], per-axis 2 = N):
//   n=0: [1.0, −0.25]  scale 1/127    q = [127, −32]
//   n=1: [0.5, 0.1]    scale 0.5/127  q = [127, round(25.4) = 25]
//   n=2: [−2.0, 0.75]  scale 2/127    q = [−127, round(47.625) = 48]

// CHECK-LABEL: func.func @matmul
// CHECK-SAME:    (%[[A:.+]]: tensor<1x4x2xf32>)
// CHECK:         %[[I8:.+]] = arith.constant dense<{{\[\[\[}}127, 127, -127], [-32, 25, 48]]]> : tensor<1x2x3xi8>
// CHECK-NEXT:    %[[S:.+]] = quant.scast %[[I8]] : tensor<1x2x3xi8> to tensor<1x2x3x!quant.uniform<i8<-127:127>:f32:2, {0.0078740157480314959,0.003937007874015748,0.015748031496062992}>>
// CHECK-NEXT:    %[[W:.+]] = quant.dcast %[[S]]
// CHECK-NEXT:    tosa.matmul %[[A]], %[[W]],
func.func @matmul(%a: tensor<1x4x2xf32>) -> tensor<4x3xf32> {
  %w = "tosa.const"() <{values = dense<[[[1.0, 0.5, -2.0], [-0.25, 0.1, 0.75]]]> : tensor<1x2x3xf32>}> : () -> tensor<1x2x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x4x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3xf32>
  %s = tosa.const_shape {values = dense<[4, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %m, %s : (tensor<1x4x3xf32>, !tosa.shape<2>) -> tensor<4x3xf32>
  %b = "tosa.const"() <{values = dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32>
  %y = tosa.add %r, %b : (tensor<4x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
  %q = quant.qcast %y : tensor<4x3xf32> to tensor<4x3x!y>
  %d = quant.dcast %q : tensor<4x3x!y> to tensor<4x3xf32>
  return %d : tensor<4x3xf32>
}

// -----

// A weight computed at run time is left alone.

// CHECK-LABEL: func.func @runtime_weight
// CHECK-SAME:    (%[[A:.+]]: tensor<1x4x2xf32>, %[[W:.+]]: tensor<1x2x3xf32>)
// CHECK-NOT:     quant.
// CHECK:         tosa.matmul %[[A]], %[[W]],
func.func @runtime_weight(%a: tensor<1x4x2xf32>, %w: tensor<1x2x3xf32>) -> tensor<1x4x3xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x4x2xf32>, tensor<1x2x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3xf32>
  return %m : tensor<1x4x3xf32>
}

// -----

// Weights of ops whose result is not quantized stay float: a conv whose
// result is returned as is, and one whose quantization is marked
// qc.keep_float.

!y = !quant.uniform<i8:f32, 0.1:0>

// CHECK-LABEL: func.func @float_results
// CHECK-NOT:     arith.constant
// CHECK-NOT:     quant.scast
// CHECK:         %[[W:.+]] = "tosa.const"() <{values = dense<5.000000e-01> : tensor<2x1x1x2xf32>}>
// CHECK-NOT:     quant.scast
// CHECK:         tosa.conv2d %{{.+}}, %[[W]],
// CHECK-NOT:     quant.scast
// CHECK:         tosa.conv2d %{{.+}}, %[[W]],
// CHECK-NOT:     quant.scast
// CHECK:         return
func.func @float_results(%x: tensor<1x4x4x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
  %w = "tosa.const"() <{values = dense<0.5> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %k = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %q = quant.qcast %k {qc.keep_float} : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!y>
  %d = quant.dcast %q : tensor<1x4x4x2x!y> to tensor<1x4x4x2xf32>
  return %c, %d : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
}

// -----

// The groups of a grouped conv (GroupedConv.h) reach the quantize through
// the concat: both weights are quantized (group 1's max|w| 2 ⇒ scale
// 2/127, q = 127).

!y = !quant.uniform<i8:f32, 0.1:0>

// CHECK-LABEL: func.func @grouped
// CHECK:         arith.constant dense<127> : tensor<3x1x1x2xi8>
// CHECK:         quant.scast {{.+}}{0.0078740157480314959,0.0078740157480314959,0.0078740157480314959}>>
// CHECK:         arith.constant dense<127> : tensor<3x1x1x2xi8>
// CHECK:         quant.scast {{.+}}{0.015748031496062992,0.015748031496062992,0.015748031496062992}>>
// CHECK:         tosa.concat
func.func @grouped(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x6xf32> {
  %w0 = "tosa.const"() <{values = dense<1.0> : tensor<3x1x1x2xf32>}> : () -> tensor<3x1x1x2xf32>
  %w1 = "tosa.const"() <{values = dense<2.0> : tensor<3x1x1x2xf32>}> : () -> tensor<3x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s0 = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[0, 0, 0, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sz = tosa.const_shape {values = dense<[1, 4, 4, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %x0 = tosa.slice %x, %s0, %sz : (tensor<1x4x4x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x2xf32>
  %x1 = tosa.slice %x, %s1, %sz : (tensor<1x4x4x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x2xf32>
  %c0 = tosa.conv2d %x0, %w0, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<3x1x1x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x3xf32>
  %c1 = tosa.conv2d %x1, %w1, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<3x1x1x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x3xf32>
  %c = tosa.concat %c0, %c1 {axis = 3 : i32} : (tensor<1x4x4x3xf32>, tensor<1x4x4x3xf32>) -> tensor<1x4x4x6xf32>
  %q = quant.qcast %c : tensor<1x4x4x6xf32> to tensor<1x4x4x6x!y>
  %d = quant.dcast %q : tensor<1x4x4x6x!y> to tensor<1x4x4x6xf32>
  return %d : tensor<1x4x4x6xf32>
}
