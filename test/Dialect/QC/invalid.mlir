// RUN: qc-opt %s -split-input-file -verify-diagnostics

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

func.func @conv_groups(%x: tensor<1x8x8x3x!x>, %w: tensor<4x3x3x1x!w>) -> tensor<1x6x6x4x!y> {
  // expected-error @+1 {{groups = 2 must divide input channels 3 and output channels 4}}
  %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 2} : tensor<1x8x8x3x!x>, tensor<4x3x3x1x!w> -> tensor<1x6x6x4x!y>
  return %0 : tensor<1x6x6x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

func.func @conv_shape(%x: tensor<1x8x8x2x!x>, %w: tensor<4x3x3x2x!w>) -> tensor<1x8x8x4x!y> {
  // expected-error @+1 {{output shape 'tensor<1x8x8x4x!quant.uniform<i8:f32, 1.000000e-01:3>>' does not match the window: expected [1, 6, 6, 4]}}
  %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x8x8x2x!x>, tensor<4x3x3x2x!w> -> tensor<1x8x8x4x!y>
  return %0 : tensor<1x8x8x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03}>

func.func @conv_scales(%x: tensor<1x3x3x2x!x>, %w: tensor<4x3x3x2x!w>) -> tensor<1x1x1x4x!y> {
  // expected-error @+1 {{weight has 3 scales for 4 output channels}}
  %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x2x!x>, tensor<4x3x3x2x!w> -> tensor<1x1x1x4x!y>
  return %0 : tensor<1x1x1x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8:f32, 0.01:2>

func.func @conv_weight_zp(%x: tensor<1x3x3x2x!x>, %w: tensor<4x3x3x2x!w>) -> tensor<1x1x1x4x!y> {
  // expected-error @+1 {{weight zero point must be 0, got 2}}
  %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x2x!x>, tensor<4x3x3x2x!w> -> tensor<1x1x1x4x!y>
  return %0 : tensor<1x1x1x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

func.func @conv_bias(%x: tensor<1x3x3x2x!x>, %w: tensor<4x3x3x2x!w>, %b: tensor<3xi32>) -> tensor<1x1x1x4x!y> {
  // expected-error @+1 {{bias has 3 elements for 4 output channels}}
  %0 = qc.conv2d %x, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x2x!x>, tensor<4x3x3x2x!w>, tensor<3xi32> -> tensor<1x1x1x4x!y>
  return %0 : tensor<1x1x1x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

func.func @conv_stride(%x: tensor<1x3x3x2x!x>, %w: tensor<4x3x3x2x!w>) -> tensor<1x1x1x4x!y> {
  // expected-error @+1 {{stride must be 2 positive values}}
  %0 = qc.conv2d %x, %w {stride = array<i64: 0, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x2x!x>, tensor<4x3x3x2x!w> -> tensor<1x1x1x4x!y>
  return %0 : tensor<1x1x1x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

func.func @conv_clamp(%x: tensor<1x3x3x2x!x>, %w: tensor<4x3x3x2x!w>) -> tensor<1x1x1x4x!y> {
  // expected-error @+1 {{clamp range [10, 5] must lie within [-128, 127] with min <= max}}
  %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, clamp_min = 10, clamp_max = 5} : tensor<1x3x3x2x!x>, tensor<4x3x3x2x!w> -> tensor<1x1x1x4x!y>
  return %0 : tensor<1x1x1x4x!y>
}

// -----

!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>
!y = !quant.uniform<i8:f32, 0.1:3>

func.func @conv_float_input(%x: tensor<1x3x3x2xf32>, %w: tensor<4x3x3x2x!w>) -> tensor<1x1x1x4x!y> {
  // expected-error @+1 {{operand #0 must be ranked tensor of quantized type values}}
  %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x2xf32>, tensor<4x3x3x2x!w> -> tensor<1x1x1x4x!y>
  return %0 : tensor<1x1x1x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

func.func @fc_k(%x: tensor<3x15x!x>, %w: tensor<4x16x!w>) -> tensor<3x4x!y> {
  // expected-error @+1 {{weight K = 16 does not match input K = 15}}
  %0 = qc.fully_connected %x, %w : tensor<3x15x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
  return %0 : tensor<3x4x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!u = !quant.uniform<u8:f32, 0.05:128>

func.func @add_unsigned(%a: tensor<4x!x>, %b: tensor<4x!u>) -> tensor<4x!x> {
  // expected-error @+1 {{rhs must have a per-tensor i8 !quant.uniform element type}}
  %0 = qc.add %a, %b : tensor<4x!x>, tensor<4x!u> -> tensor<4x!x>
  return %0 : tensor<4x!x>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>

func.func @add_shape(%a: tensor<4x!x>, %b: tensor<5x!x>) -> tensor<4x!x> {
  // expected-error @+1 {{operands and result must have the same shape}}
  %0 = qc.add %a, %b : tensor<4x!x>, tensor<5x!x> -> tensor<4x!x>
  return %0 : tensor<4x!x>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>

func.func @maxpool_requant(%a: tensor<1x4x4x2x!x>) -> tensor<1x2x2x2x!y> {
  // expected-error @+1 {{output quantization must equal the input's}}
  %0 = qc.max_pool2d %a {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x4x4x2x!x> -> tensor<1x2x2x2x!y>
  return %0 : tensor<1x2x2x2x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>

func.func @avgpool_pad(%a: tensor<1x4x4x2x!x>) -> tensor<1x2x2x2x!x> {
  // expected-error @+1 {{pad must be 4 non-negative values [top, left, bottom, right]}}
  %0 = qc.avg_pool2d %a {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0>} : tensor<1x4x4x2x!x> -> tensor<1x2x2x2x!x>
  return %0 : tensor<1x2x2x2x!x>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>

func.func @reshape_count(%a: tensor<1x4x!x>) -> tensor<5x!x> {
  // expected-error @+1 {{element counts differ: 4 vs 5}}
  %0 = qc.reshape %a : tensor<1x4x!x> -> tensor<5x!x>
  return %0 : tensor<5x!x>
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>

func.func @transpose_perm(%a: tensor<1x2x3x!x>) -> tensor<1x2x3x!x> {
  // expected-error @+1 {{perms is not a permutation}}
  %0 = qc.transpose %a {perms = array<i64: 0, 1, 1>} : tensor<1x2x3x!x> -> tensor<1x2x3x!x>
  return %0 : tensor<1x2x3x!x>
}

// -----

func.func @stats(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{stats min 2.000000e+00 exceeds max 1.000000e+00}}
  %0 = qc.observe %a {name = "x", stats = #qc.stats<min = 2.0, max = 1.0, count = 4>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @tile_unknown_action() {
  // expected-error @below {{unknown action 'mul' (expected config, load, dot, store or release)}}
  qc.tile "mul" [0, 4, 6] {kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>}
  return
}

// -----

func.func @tile_dot_needs_three_tiles() {
  // expected-error @below {{'dot' takes 3 tile numbers}}
  qc.tile "dot" [0, 4] {kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>}
  return
}

// -----

func.func @tile_number_out_of_range(%m: memref<1024xi8>, %i: index) {
  // expected-error @below {{tile number 8 is not in [0, 7]}}
  qc.tile "load" [8] (%m, %i, %i : memref<1024xi8>, index, index) {kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>}
  return
}

// -----

func.func @tile_load_needs_memref_first(%i: index) {
  // expected-error @below {{operand #0 must be a memref}}
  qc.tile "load" [4] (%i, %i, %i : index, index, index) {kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>}
  return
}

// -----

func.func @tile_store_operands(%m: memref<1024xi32>, %i: index) {
  // expected-error @below {{'store' takes 3 operands}}
  qc.tile "store" [0] (%m, %i : memref<1024xi32>, index) {kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>}
  return
}

// -----

func.func @mmla_operand_width(%acc: vector<4xi32>, %u: vector<8xi8>, %s: vector<16xi8>) -> vector<4xi32> {
  // expected-error @below {{operand #1 must be vector of 8-bit signless integer values of length 16}}
  %r = qc.mmla %acc, %u, %s {kernel = #qc.kernel<name = "mmla.usmmla", lanes = 4, block = 4, channel_blocks = 2>} : vector<4xi32>, vector<8xi8>, vector<16xi8>
  return %r : vector<4xi32>
}

// -----

func.func @scale_shift_types(%acc: vector<4xi32>, %m: vector<8xi32>, %s: vector<4xi32>) -> vector<4xi32> {
  // expected-error @below {{failed to verify that all of {acc, multiplier, shift, result} have same type}}
  %r = "qc.scale_shift"(%acc, %m, %s) : (vector<4xi32>, vector<8xi32>, vector<4xi32>) -> vector<4xi32>
  return %r : vector<4xi32>
}

// -----

func.func @scale_shift_element(%acc: vector<4xi64>) -> vector<4xi64> {
  // expected-error @below {{operand #0 must be vector of 32-bit signless integer values of ranks 1}}
  %r = qc.scale_shift %acc, %acc, %acc : vector<4xi64>
  return %r : vector<4xi64>
}
