// RUN: qc-opt %s -split-input-file -qc-vectorize-float-convs | FileCheck %s

// A dense conv with 32 input channels: 16-lane partial sums over the
// channels, 4 output columns x 4 output channels per tile (full tiles in a
// loop, the 2 leftover columns and 2 leftover channels as smaller tiles),
// each sum added to the output once.
// CHECK-LABEL: func.func @conv
// CHECK-NOT:     linalg.conv_2d_nhwc_fhwc
// CHECK:         scf.for
// CHECK-COUNT-16: vector.fma {{.*}} : vector<16xf32>
// CHECK:         vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<16xf32> into f32
func.func @conv(%x: memref<1x8x8x32xf32>, %w: memref<6x3x3x32xf32>, %y: memref<1x6x6x6xf32>) {
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x8x8x32xf32>, memref<6x3x3x32xf32>) outs(%y : memref<1x6x6x6xf32>)
  return
}

// -----

// 3 input channels: no vector length divides them; linalg-to-loops keeps it.
// CHECK-LABEL: func.func @conv_rgb
// CHECK:         linalg.conv_2d_nhwc_fhwc
// CHECK-NOT:     vector.fma
func.func @conv_rgb(%x: memref<1x8x8x3xf32>, %w: memref<6x3x3x3xf32>, %y: memref<1x6x6x6xf32>) {
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x8x8x3xf32>, memref<6x3x3x3xf32>) outs(%y : memref<1x6x6x6xf32>)
  return
}

// -----

// Depthwise, 24 channels: 8-lane vectors along the channels (the multiplier
// dimension folded away), the output loaded, accumulated and stored back.
// CHECK-LABEL: func.func @depthwise
// CHECK-DAG:     memref.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : memref<3x3x24x1xf32> into memref<3x3x24xf32>
// CHECK-DAG:     memref.collapse_shape %{{.*}} {{\[\[}}0], [1], [2], [3, 4]] : memref<1x4x4x24x1xf32> into memref<1x4x4x24xf32>
// CHECK:         vector.fma {{.*}} : vector<8xf32>
// CHECK:         vector.store {{.*}} : memref<1x4x4x24xf32>, vector<8xf32>
// CHECK-NOT:     linalg.depthwise_conv_2d_nhwc_hwcm
func.func @depthwise(%x: memref<1x9x9x24xf32>, %w: memref<3x3x24x1xf32>, %y: memref<1x4x4x24x1xf32>) {
  linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : memref<1x9x9x24xf32>, memref<3x3x24x1xf32>) outs(%y : memref<1x4x4x24x1xf32>)
  return
}

// -----

// A channel multiplier of 2 is left as it is.
// CHECK-LABEL: func.func @depthwise_mult2
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwcm
func.func @depthwise_mult2(%x: memref<1x9x9x8xf32>, %w: memref<3x3x8x2xf32>, %y: memref<1x7x7x8x2xf32>) {
  linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x9x9x8xf32>, memref<3x3x8x2xf32>) outs(%y : memref<1x7x7x8x2xf32>)
  return
}

// -----

// Batched matmul along the output columns: a row's element broadcast times
// 16-lane vectors of the right operand.
// CHECK-LABEL: func.func @batch_matmul
// CHECK:         vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK:         vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT:     linalg.batch_matmul
func.func @batch_matmul(%a: memref<2x5x7xf32>, %b: memref<2x7x48xf32>, %c: memref<2x5x48xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x5x7xf32>, memref<2x7x48xf32>) outs(%c : memref<2x5x48xf32>)
  return
}

// -----

// Tensors (before bufferization) are not touched.
// CHECK-LABEL: func.func @on_tensors
// CHECK:         linalg.batch_matmul
func.func @on_tensors(%a: tensor<1x4x8xf32>, %b: tensor<1x8x16xf32>, %c: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %0 = linalg.batch_matmul ins(%a, %b : tensor<1x4x8xf32>, tensor<1x8x16xf32>) outs(%c : tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %0 : tensor<1x4x16xf32>
}
