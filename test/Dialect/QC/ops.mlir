// RUN: qc-opt %s | FileCheck %s
// RUN: qc-opt %s | qc-opt | FileCheck %s
// RUN: qc-opt %s --mlir-print-op-generic | qc-opt | FileCheck %s

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: func @observe
func.func @observe(%arg0: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: qc.observe %{{.*}} {name = "a"} : tensor<2x3xf32>
  %0 = qc.observe %arg0 {name = "a"} : tensor<2x3xf32>
  // CHECK: qc.observe %{{.*}} {name = "b", stats = #qc.stats<min = -1.500000e+00, max = 6.000000e+00, count = 6>}
  %1 = qc.observe %0 {name = "b", stats = #qc.stats<min = -1.5, max = 6.0, count = 6>} : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// CHECK-LABEL: func @conv
func.func @conv(%x: tensor<1x8x8x2x!x>, %w: tensor<4x3x3x2x!w>, %b: tensor<4xi32>) -> tensor<1x4x4x4x!y> {
  // CHECK: qc.conv2d %{{.*}}, %{{.*}}, %{{.*}} {clamp_min = 3 : i64, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 0, 0>, stride = array<i64: 2, 2>}
  %0 = qc.conv2d %x, %w, %b {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 0, 0>, groups = 1, clamp_min = 3} : tensor<1x8x8x2x!x>, tensor<4x3x3x2x!w>, tensor<4xi32> -> tensor<1x4x4x4x!y>
  return %0 : tensor<1x4x4x4x!y>
}

// CHECK-LABEL: func @depthwise
func.func @depthwise(%x: tensor<1x5x5x2x!x>, %w: tensor<4x3x3x1x!w>) -> tensor<1x1x1x4x!y> {
  // CHECK: qc.conv2d %{{.*}}, %{{.*}} {dilation = array<i64: 2, 2>, groups = 2 : i64
  // CHECK-SAME: kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 1>
  %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, groups = 2, kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 1>} : tensor<1x5x5x2x!x>, tensor<4x3x3x1x!w> -> tensor<1x1x1x4x!y>
  return %0 : tensor<1x1x1x4x!y>
}

// CHECK-LABEL: func @fc
func.func @fc(%x: tensor<3x16x!x>, %w: tensor<4x16x!w>, %b: tensor<4xi32>) -> tensor<3x4x!y> {
  // CHECK: qc.fully_connected %{{.*}}, %{{.*}}, %{{.*}} {clamp_max = 100 : i64}
  %0 = qc.fully_connected %x, %w, %b {clamp_max = 100} : tensor<3x16x!x>, tensor<4x16x!w>, tensor<4xi32> -> tensor<3x4x!y>
  return %0 : tensor<3x4x!y>
}

// CHECK-LABEL: func @add_pool
func.func @add_pool(%a: tensor<1x4x4x8x!x>, %b: tensor<1x4x4x8x!y>) -> tensor<1x8x!y> {
  // CHECK: qc.add
  %0 = qc.add %a, %b : tensor<1x4x4x8x!x>, tensor<1x4x4x8x!y> -> tensor<1x4x4x8x!y>
  // CHECK: qc.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}
  %1 = qc.max_pool2d %0 {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x4x4x8x!y> -> tensor<1x2x2x8x!y>
  // CHECK: qc.avg_pool2d %{{.*}} {count_include_pad = true, kernel = array<i64: 2, 2>
  %2 = qc.avg_pool2d %1 {kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, count_include_pad = true} : tensor<1x2x2x8x!y> -> tensor<1x1x1x8x!y>
  // CHECK: qc.reshape %{{.*}} : tensor<1x1x1x8x!quant.uniform<i8:f32, 1.000000e-01:3>> -> tensor<1x8x!quant.uniform<i8:f32, 1.000000e-01:3>>
  %3 = qc.reshape %2 : tensor<1x1x1x8x!y> -> tensor<1x8x!y>
  return %3 : tensor<1x8x!y>
}

// CHECK-LABEL: func @transpose
func.func @transpose(%a: tensor<1x2x3x4x!x>) -> tensor<1x4x2x3x!x> {
  // CHECK: qc.transpose %{{.*}} {perms = array<i64: 0, 3, 1, 2>}
  %0 = qc.transpose %a {perms = array<i64: 0, 3, 1, 2>} : tensor<1x2x3x4x!x> -> tensor<1x4x2x3x!x>
  return %0 : tensor<1x4x2x3x!x>
}

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512vnni">} {}

// CHECK-LABEL: func.func @scale_shift
// CHECK: qc.scale_shift %{{.+}}, %{{.+}}, %{{.+}} : vector<16xi32>
func.func @scale_shift(%acc: vector<16xi32>, %m: vector<16xi32>, %s: vector<16xi32>) -> vector<16xi32> {
  %r = qc.scale_shift %acc, %m, %s : vector<16xi32>
  return %r : vector<16xi32>
}
