// RUN: qc-opt %s -split-input-file --qc-group-float-convs | FileCheck %s

// A grouped conv as the importer writes it (2 groups of 2 input and 3 output
// channels; the slices crop the last row and column, which a stride-2
// window padded at the top and left never reads) becomes one
// linalg.conv_2d_nhwgc_gfhwc: the input cropped, padded as the convs pad
// (TOSA [top, bottom, left, right] = [1, 0, 1, 0]) and
// viewed as [N, H, W, G, C/G]; the weights group after group as
// [G, O/G, KH, KW, C/G], the biases [G, O/G] broadcast into the output.

// CHECK-LABEL: func.func @grouped
// CHECK-SAME:    (%[[X:.+]]: tensor<1x7x7x4xf32>)
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG:     %[[W:.+]] = arith.constant dense<"0x0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040"> : tensor<2x3x3x3x2xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[CROP:.+]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 6, 6, 4] [1, 1, 1, 1]
// CHECK:         %[[PAD:.+]] = tensor.pad %[[CROP]] low[0, 1, 1, 0] high[0, 0, 0, 0]
// CHECK:           tensor.yield %[[ZERO]]
// CHECK:         } : tensor<1x6x6x4xf32> to tensor<1x7x7x4xf32>
// CHECK:         %[[XG:.+]] = tensor.expand_shape %[[PAD]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [1, 7, 7, 2, 2]
// CHECK:         %[[INIT:.+]] = tensor.empty() : tensor<1x3x3x2x3xf32>
// CHECK:         %[[BIAS:.+]] = linalg.broadcast ins(%[[B]] : tensor<2x3xf32>) outs(%[[INIT]] : tensor<1x3x3x2x3xf32>) dimensions = [0, 1, 2]
// CHECK:         %[[Y:.+]] = linalg.conv_2d_nhwgc_gfhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[XG]], %[[W]] : tensor<1x7x7x2x2xf32>, tensor<2x3x3x3x2xf32>) outs(%[[BIAS]] : tensor<1x3x3x2x3xf32>)
// CHECK:         %[[R:.+]] = tensor.collapse_shape %[[Y]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x3x3x2x3xf32> into tensor<1x3x3x6xf32>
// CHECK:         return %[[R]]
// CHECK-NOT:     tosa.conv2d
func.func @grouped(%x: tensor<1x7x7x4xf32>) -> tensor<1x3x3x6xf32> {
  %w0 = "tosa.const"() <{values = dense<1.0> : tensor<3x3x3x2xf32>}> : () -> tensor<3x3x3x2xf32>
  %w1 = "tosa.const"() <{values = dense<2.0> : tensor<3x3x3x2xf32>}> : () -> tensor<3x3x3x2xf32>
  %b0 = "tosa.const"() <{values = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %b1 = "tosa.const"() <{values = dense<[4.0, 5.0, 6.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s0 = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[0, 0, 0, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sz = tosa.const_shape {values = dense<[1, 6, 6, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %x0 = tosa.slice %x, %s0, %sz : (tensor<1x7x7x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x6x6x2xf32>
  %x1 = tosa.slice %x, %s1, %sz : (tensor<1x7x7x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x6x6x2xf32>
  %c0 = tosa.conv2d %x0, %w0, %b0, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x3xf32>
  %c1 = tosa.conv2d %x1, %w1, %b1, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x3xf32>
  %c = tosa.concat %c0, %c1 {axis = 3 : i32} : (tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) -> tensor<1x3x3x6xf32>
  return %c : tensor<1x3x3x6xf32>
}

// -----

// A group whose weight is not a constant: left as it is.

// CHECK-LABEL: func.func @runtime_weight
// CHECK-COUNT-2: tosa.conv2d
// CHECK:         tosa.concat
// CHECK-NOT:     linalg
func.func @runtime_weight(%x: tensor<1x4x4x4xf32>, %w1: tensor<3x1x1x2xf32>) -> tensor<1x4x4x6xf32> {
  %w0 = "tosa.const"() <{values = dense<1.0> : tensor<3x1x1x2xf32>}> : () -> tensor<3x1x1x2xf32>
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
  return %c : tensor<1x4x4x6xf32>
}
