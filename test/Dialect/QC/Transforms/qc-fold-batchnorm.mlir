// RUN: qc-opt %s -split-input-file --qc-fold-batchnorm | FileCheck %s

// conv(x, W, b)·a + c = conv(x, W·a, b·a + c). OHWI weight [2,1,1,2] holds
// rows o=0: [1, 2] and o=1: [3, 4]; a = [2, 0.5], c = [1, 3], b = [0.5, -1]:
//   W' = [[2, 4], [1.5, 2]]     b' = [0.5·2 + 1, -1·0.5 + 3] = [2, 2.5]

// CHECK-LABEL: func.func @conv_mul_add
// CHECK-SAME:    (%[[X:.+]]: tensor<1x4x4x2xf32>)
// CHECK-DAG:     %[[W:.+]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}2.000000e+00, 4.000000e+00]]], {{\[\[\[}}1.500000e+00, 2.000000e+00]]]]> : tensor<2x1x1x2xf32>}>
// CHECK-DAG:     %[[B:.+]] = "tosa.const"() <{values = dense<[2.000000e+00, 2.500000e+00]> : tensor<2xf32>}>
// CHECK:         %[[C:.+]] = tosa.conv2d %[[X]], %[[W]], %[[B]],
// CHECK-NOT:     tosa.mul
// CHECK-NOT:     tosa.add
// CHECK:         return %[[C]]
func.func @conv_mul_add(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.5, -1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %a = "tosa.const"() <{values = dense<[[[[2.0, 0.5]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %c, %a, %s : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>, tensor<1xi8>) -> tensor<1x4x4x2xf32>
  %k = "tosa.const"() <{values = dense<[[[[1.0, 3.0]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %y = tosa.add %m, %k : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// The constants may be the first operands of the mul and the add.

// CHECK-LABEL: func.func @constants_first
// CHECK-DAG:     %[[W:.+]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}-3.000000e+00]]], {{\[\[\[}}8.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK-DAG:     %[[B:.+]] = "tosa.const"() <{values = dense<[-1.000000e+00, 1.100000e+01]> : tensor<2xf32>}>
// CHECK:         %[[C:.+]] = tosa.conv2d %{{.+}}, %[[W]], %[[B]],
// CHECK:         return %[[C]]
func.func @constants_first(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %b = "tosa.const"() <{values = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %a = "tosa.const"() <{values = dense<[[[[-3.0, 4.0]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %a, %c, %s : (tensor<1x1x1x2xf32>, tensor<1x4x4x2xf32>, tensor<1xi8>) -> tensor<1x4x4x2xf32>
  %k = "tosa.const"() <{values = dense<[[[[2.0, 3.0]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %y = tosa.add %k, %m : (tensor<1x1x1x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// Only an add: W is unchanged, b' = b + c = [1.25, 0.75].

// CHECK-LABEL: func.func @conv_add
// CHECK-DAG:     %[[W:.+]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK-DAG:     %[[B:.+]] = "tosa.const"() <{values = dense<[1.250000e+00, 7.500000e-01]> : tensor<2xf32>}>
// CHECK:         %[[C:.+]] = tosa.conv2d %{{.+}}, %[[W]], %[[B]],
// CHECK-NOT:     tosa.add
// CHECK:         return %[[C]]
func.func @conv_add(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %b = "tosa.const"() <{values = dense<[1.0, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %k = "tosa.const"() <{values = dense<[[[[0.25, -0.25]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %y = tosa.add %c, %k : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// Depthwise weight [KH,KW,C,M] = [2,1,2,1]: the output channel of an element
// is its (C,M) index, i.e. the innermost one here, not the outermost.
//   W = [[[[1], [2]]], [[[3], [4]]]] (channel 0, 1, 0, 1), a = [10, 100]
//   W' = [[[[10], [200]]], [[[30], [400]]]]
//   b' = [1·10 + 0.5, -1·100 + 0.5] = [10.5, -99.5]

// CHECK-LABEL: func.func @depthwise
// CHECK-DAG:     %[[W:.+]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}1.000000e+01], [2.000000e+02]]], {{\[\[\[}}3.000000e+01], [4.000000e+02]]]]> : tensor<2x1x2x1xf32>}>
// CHECK-DAG:     %[[B:.+]] = "tosa.const"() <{values = dense<[1.050000e+01, -9.950000e+01]> : tensor<2xf32>}>
// CHECK:         %[[C:.+]] = tosa.depthwise_conv2d %{{.+}}, %[[W]], %[[B]],
// CHECK-NOT:     tosa.mul
// CHECK-NOT:     tosa.add
// CHECK:         return %[[C]]
func.func @depthwise(%x: tensor<1x4x4x2xf32>) -> tensor<1x3x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0], [2.0]]], [[[3.0], [4.0]]]]> : tensor<2x1x2x1xf32>}> : () -> tensor<2x1x2x1xf32>
  %b = "tosa.const"() <{values = dense<[1.0, -1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.depthwise_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x2x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x4x2xf32>
  %a = "tosa.const"() <{values = dense<[[[[10.0, 100.0]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %c, %a, %s : (tensor<1x3x4x2xf32>, tensor<1x1x1x2xf32>, tensor<1xi8>) -> tensor<1x3x4x2xf32>
  %k = "tosa.const"() <{values = dense<[[[[0.5, 0.5]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %y = tosa.add %m, %k : (tensor<1x3x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x4x2xf32>
  return %y : tensor<1x3x4x2xf32>
}

// -----

// Negative: the mul's other operand is not a constant; nothing is folded.

// CHECK-LABEL: func.func @mul_not_constant
// CHECK-SAME:    (%{{.+}}: tensor<1x4x4x1xf32>, %[[A:.+]]: tensor<1x1x1x2xf32>)
// CHECK-DAG:     %[[W:.+]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK-DAG:     %[[B:.+]] = "tosa.const"() <{values = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}>
// CHECK:         %[[C:.+]] = tosa.conv2d %{{.+}}, %[[W]], %[[B]],
// CHECK:         %[[M:.+]] = tosa.mul %[[C]], %[[A]],
// CHECK:         %[[Y:.+]] = tosa.add %[[M]],
// CHECK:         return %[[Y]]
func.func @mul_not_constant(%x: tensor<1x4x4x1xf32>, %a: tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %b = "tosa.const"() <{values = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %c, %a, %s : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>, tensor<1xi8>) -> tensor<1x4x4x2xf32>
  %k = "tosa.const"() <{values = dense<[[[[1.0, 3.0]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %y = tosa.add %m, %k : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// Negative: the conv result has a second use, so its weights must stay.

// CHECK-LABEL: func.func @conv_two_uses
// CHECK-DAG:     %[[W:.+]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK:         %[[C:.+]] = tosa.conv2d %{{.+}}, %[[W]],
// CHECK:         %[[M:.+]] = tosa.mul %[[C]],
// CHECK:         return %[[M]], %[[C]]
func.func @conv_two_uses(%x: tensor<1x4x4x1xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
  %w = "tosa.const"() <{values = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %b = "tosa.const"() <{values = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %a = "tosa.const"() <{values = dense<[[[[2.0, 0.5]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %c, %a, %s : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>, tensor<1xi8>) -> tensor<1x4x4x2xf32>
  return %m, %c : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
}

// -----

// Negative: a multiplier that varies over pixels is not a per-channel affine.

// CHECK-LABEL: func.func @mul_not_per_channel
// CHECK:         %[[C:.+]] = tosa.conv2d
// CHECK:         tosa.mul %[[C]],
func.func @mul_not_per_channel(%x: tensor<1x1x2x1xf32>) -> tensor<1x1x2x1xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0]]]]> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %b = "tosa.const"() <{values = dense<[0.0]> : tensor<1xf32>}> : () -> tensor<1xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x1x2x1xf32>, tensor<1x1x1x1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x1xf32>
  %a = "tosa.const"() <{values = dense<[[[[2.0], [3.0]]]]> : tensor<1x1x2x1xf32>}> : () -> tensor<1x1x2x1xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %c, %a, %s : (tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1xi8>) -> tensor<1x1x2x1xf32>
  return %m : tensor<1x1x2x1xf32>
}
