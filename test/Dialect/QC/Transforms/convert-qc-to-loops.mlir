// RUN: qc-opt %s -split-input-file -verify-diagnostics --convert-qc-to-loops | FileCheck %s
// RUN: qc-opt %s -split-input-file -verify-diagnostics --convert-qc-to-loops | FileCheck %s --check-prefix=FORM

// Each qc op, qcast and dcast becomes loops over buffers: operands are read
// through bufferization.to_buffer, results written to a fresh buffer handed
// back with bufferization.to_tensor, so the function keeps its tensor
// signature (bufferization makes it take buffers later). Conv runs the
// recorded kernel's 4-way dot (qc.dot4, made an instruction by
// qc-lower-dot-products) over weights packed at compile time into private
// constant globals.
//
// Weights (OHWI [2,1,1,4]) o=0: [1, 2, 3, 4], o=1: [-1, 0, 1, 0] are packed
// [O/16][KH][KW][C/4][16 lanes][4]: lane 0 = [1, 2, 3, 4], lane 1 = [-1, 0, 1, 0],
// lanes 2..15 zero. Activations are flipped to u8 (x + 128), which the bias
// compensates: bias − (128 + zp_x)·Σw with zp_x = −10:
//   o=0: 10 − 118·10 = −1170      o=1: −5 − 118·0 = −5
// Requantization multipliers s_x·s_w/s_out = 0.1·0.5/0.2 = 0.25 and 0.125
// are 2^30 · 2^−32 and 2^30 · 2^−33: m = 1073741824, shift = 32 and 33.
// x86 with AVX-512 takes the saturating form: the 64-bit products of the
// even and the odd lanes with i64 rounding terms 2^(s−1) + zp_y·2^s, laid
// out per vector as its 8 even lanes (channels 0, 2, …) then its 8 odd
// ones: o=0 at [0], o=1 at [8]; padding channels have rounding term 2^31.
//   o=0: 2^31 + 5·2^32 = 23622320128    o=1: 2^32 + 5·2^33 = 47244640256
// Every shift is ≥ 32, so the products' high halves are shifted by s − 32
// as i32 in lane order: o=0 0, o=1 1, padding 0.
// No accumulator range: |acc| ≤ |bias| + 255·Σ|w| (3720 and 260) keeps every
// result far inside i32, so a saturating narrow replaces the clamp.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK-DAG:     memref.global "private" constant @[[W:__qc_const_[0-9]+]] : memref<64xi8> = dense<[1, 2, 3, 4, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @[[B:__qc_const_[0-9]+]] : memref<16xi32> = dense<[-1170, -5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @[[M:__qc_const_[0-9]+]] : memref<16xi32> = dense<[1073741824, 1073741824, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @[[S:__qc_const_[0-9]+]] : memref<16xi32> = dense<[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @[[R:__qc_const_[0-9]+]] : memref<16xi64> = dense<[23622320128, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 47244640256, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648]>
// The accumulator range of the clamped form (below) is not there:
// FORM-LABEL:  module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// FORM-NOT:      dense<[-534, -1068
// CHECK:       func.func @main(%[[X:.+]]: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
// CHECK:         bufferization.to_buffer %{{.+}} read_only : tensor<16xf32> to memref<16xf32>
// CHECK-DAG:     memref.get_global @[[W]] : memref<64xi8>
// CHECK-DAG:     memref.get_global @[[B]] : memref<16xi32>
// CHECK:         qc.dot4 %{{.+}}, %{{.+}}, %{{.+}} {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : vector<16xi32>, vector<64xi8>, vector<64xi8>
// Two of 16 output channels: the partial vector is stored under its lane
// mask (AVX-512BW: vmovdqu8 / vpmovsdb with a k mask), never whole.
// CHECK:         %[[LANES:.+]] = vector.create_mask %{{.+}} : vector<16xi1>
// CHECK:         vector.maskedstore %{{.+}}[%{{.+}}], %[[LANES]], %{{.+}} : memref<8xi8>, vector<16xi1>, vector<16xi8>
// CHECK-NOT:     vector.store %{{.+}} : memref<8xi8>, vector<16xi8>
// CHECK:         %[[F:.+]] = bufferization.to_tensor %{{.+}} restrict writable : memref<8xf32> to tensor<8xf32>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[F]] {{.+}} into tensor<1x2x2x2xf32>
// CHECK-NEXT:    return %[[Y]] : tensor<1x2x2x2xf32>
// CHECK-NOT:     qc.conv2d
// CHECK-NOT:     quant.
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}

// -----

// AVX2 has no arithmetic shift of i64 lanes (vpsravq), but every shift here
// is >= 32: the saturating form shifts the products' high halves as i32
// (vpsravd) and narrows with vpackssdw/vpacksswb — the same tables as
// AVX-512's above, and no accumulator range.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx2"
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<16xi32> = dense<[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<16xi64> = dense<[23622320128, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 47244640256, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648]>
// CHECK:       func.func @main
// No masked byte stores on AVX2 (LLVM would branch per lane): the partial
// vector is stored whole only when all its lanes are in range, else through
// a scratch buffer lane by lane.
// CHECK:         %[[WHOLE:.+]] = arith.cmpi eq, %{{.+}}, %c16
// CHECK-NEXT:    scf.if %[[WHOLE]] {
// CHECK-NEXT:      vector.store
// CHECK-NEXT:    } else {
// CHECK:           vector.store %{{.+}}, %[[SCRATCH:alloca[_0-9]*]][%{{.+}}] : memref<16xi8>, vector<16xi8>
// CHECK:           scf.for
// CHECK-NEXT:        memref.load %[[SCRATCH]]
// CHECK:             memref.store
// CHECK-NOT:     vector.maskedstore
// FORM-LABEL:  module attributes {qc.target = #qc.target<name = "x86_64-avx2"
// FORM-NOT:      dense<[-534, -1068
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 4>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}


// -----

// With a shift below 32 (multiplier 0.1·0.5/0.1 = 0.5 = 2^30 · 2^−31) AVX2
// takes the clamped form: the accumulator is first clamped to the range
// mapping into [−128 − zp_y, 127 − zp_y] = [−133, 122]:
//   aLo = ceil((−133·2^s − 2^(s−1)) / m):  o=0 (s=31): −266 − 1 = −267, o=1 (s=32): −532 − 2 = −534
//   aHi = floor((123·2^s − 2^(s−1) − 1) / m): o=0: 246 − 2 = 244, o=1: 492 − 3 = 489
// (o=0: f(a) = floor((a + 1) / 2), f(244) = 122, f(245) = 123, f(−267) = −133)
// and the results offset by 128 (shifted logically, then xor 0x80): rounding
// terms 2^(s−1) + (zp_y + 128)·2^s, in the even/odd layout, shifts 31 and 32
// (not every shift is >= 32: the odd lanes' results stay in the low half).
//   o=0: 2^30 + 133·2^31 = 286689067008    o=1: 2^31 + 133·2^32 = 573378134016

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.1:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx2"
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<16xi32> = dense<[-267, -534, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<16xi32> = dense<[244, 489, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<16xi64> = dense<[31, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32]>
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<16xi64> = dense<[286689067008, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 573378134016, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648]>
// CHECK:       func.func @main
// CHECK:         arith.maxsi
// CHECK-NEXT:    arith.minsi
// FORM-LABEL:  module attributes {qc.target = #qc.target<name = "x86_64-avx2"
// FORM:          dense<[-267, -534
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 4>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}


// -----

// A fully-connected op is a 1×1 conv over a 1×M image, with the kernel the op
// records (generic here). Without a bias the folded bias is
// −(128 + zp_x)·Σw = −118·10 = −1180 and −118·0 = 0.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "generic"
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<16xi32> = dense<[-1180, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK:       func.func @main(%{{.+}}: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
// CHECK:         qc.dot4 {{.+}}kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 4>
// CHECK:         %[[F:.+]] = bufferization.to_tensor %{{.+}} : memref<6xf32> to tensor<6xf32>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[F]] {{.+}} into tensor<3x2xf32>
// CHECK-NEXT:    return %[[Y]], %[[Y]]
module attributes {qc.target = #qc.target<name = "generic", triple = "x86_64-unknown-linux-gnu", cpu = "x86-64", features = "">} {
  func.func @main(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
    %q = quant.qcast %x : tensor<3x4xf32> to tensor<3x4x!x>
    %wi = arith.constant dense<[[1, 2, 3, 4], [-1, 0, 1, 0]]> : tensor<2x4xi8>
    %w = quant.scast %wi : tensor<2x4xi8> to tensor<2x4x!w>
    %c = qc.fully_connected %q, %w {kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 4>} : tensor<3x4x!x>, tensor<2x4x!w> -> tensor<3x2x!y>
    %d = quant.dcast %c : tensor<3x2x!y> to tensor<3x2xf32>
    return %d, %d : tensor<3x2xf32>, tensor<3x2xf32>
  }
}

// -----

// Pooling, add and transpose are scalar loops (no dot kernel); reshape only
// reshapes the storage tensor (no buffer, no loop).

!x = !quant.uniform<i8:f32, 0.1:-10>

// CHECK-LABEL: func.func @shapes
// CHECK-SAME:    (%{{.+}}: tensor<1x4x4x2xf32>) -> tensor<1x8xf32>
// CHECK-NOT:     qc.dot4
// CHECK:         scf.for
// The results of max_pool2d, add and transpose, then the reshape:
// CHECK-COUNT-3: bufferization.to_tensor %{{.+}} : memref<8xi8> to tensor<8xi8>
// CHECK-NEXT:    %[[T4:.+]] = tensor.expand_shape %{{.+}} into tensor<1x2x2x2xi8>
// CHECK-NEXT:    %[[T1:.+]] = tensor.collapse_shape %[[T4]]
// CHECK-NEXT:    %[[R:.+]] = tensor.expand_shape %[[T1]] {{.+}} into tensor<1x8xi8>
// CHECK-NEXT:    %[[RF:.+]] = tensor.collapse_shape %[[R]]
// CHECK-NEXT:    bufferization.to_buffer %[[RF]] read_only : tensor<8xi8> to memref<8xi8>
// CHECK-NOT:     qc.
// CHECK:         return
func.func @shapes(%x: tensor<1x4x4x2xf32>) -> tensor<1x8xf32> {
  %q = quant.qcast %x : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!x>
  %m = qc.max_pool2d %q {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x4x4x2x!x> -> tensor<1x2x2x2x!x>
  %a = qc.add %m, %m : tensor<1x2x2x2x!x>, tensor<1x2x2x2x!x> -> tensor<1x2x2x2x!x>
  %t = qc.transpose %a {perms = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x2x!x> -> tensor<1x2x2x2x!x>
  %r = qc.reshape %t : tensor<1x2x2x2x!x> -> tensor<1x8x!x>
  %d = quant.dcast %r : tensor<1x8x!x> to tensor<1x8xf32>
  return %d : tensor<1x8xf32>
}

// -----

// A float op the quantizer left alone stays, reading the dequantized tensor
// (mixed int8/float graphs share one bufferization later).

!x = !quant.uniform<i8:f32, 0.1:-10>

// CHECK-LABEL: func.func @mixed
// CHECK:         %[[D:.+]] = bufferization.to_tensor %{{.+}} : memref<4xf32> to tensor<4xf32>
// CHECK:         %[[C:.+]] = tosa.clamp %[[D]]
// CHECK-NEXT:    return %[[C]]
func.func @mixed(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!x>
  %d = quant.dcast %q : tensor<4x!x> to tensor<4xf32>
  %c = tosa.clamp %d {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// An op computing quantized values that is not a qc op has no int8 lowering;
// the error names that op.

!x = !quant.uniform<i8:f32, 0.1:-10>

func.func @leftover(%x: tensor<4xf32>) -> tensor<2x2xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!x>
  %s = tosa.const_shape {values = dense<[2, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
  // expected-error @+1 {{'tosa.reshape' has no int8 lowering}}
  %r = tosa.reshape %q, %s : (tensor<4x!x>, !tosa.shape<2>) -> tensor<2x2x!x>
  %d = quant.dcast %r : tensor<2x2x!x> to tensor<2x2xf32>
  return %d : tensor<2x2xf32>
}

// -----

func.func @observer(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{observers must be resolved before code generation}}
  %0 = qc.observe %x {name = "x"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

!u = !quant.uniform<u8:f32, 0.1:128>

func.func @unsigned(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{only per-tensor signed i8 quantization is supported}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!u>
  %d = quant.dcast %q : tensor<4x!u> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// A conv whose only user is the next conv, which takes unsigned input
// (x + 128 for vpdpbusd), stores its output offset (xor 0x80 in its
// epilogue); the next conv, 1x1 without padding, reads that buffer as its
// image: no staging copy, no flip.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!z = !quant.uniform<i8:f32, 0.3:-3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25, 0.5, 0.25}>
!v = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK:         func.func @handoff
// The first conv stages its input (flipped, byte by byte: 4 channels).
// CHECK:         %[[IMG:.+]] = memref.alloc() {{.+}} : memref<16xi8>
// CHECK:         arith.xori %{{.+}}, %{{.+}} : i8
// CHECK:         memref.store %{{.+}}, %[[IMG]]
// CHECK:         qc.dot4
// Its epilogue flips the result before the store.
// CHECK:         %[[FLIP:.+]] = arith.xori %{{.+}}, %{{.+}} : vector<16xi8>
// CHECK:         vector.maskedstore %[[Y:.+]][%{{.+}}], %{{.+}}, %[[FLIP]] : memref<16xi8>, vector<16xi1>, vector<16xi8>
// CHECK:         bufferization.to_tensor %[[Y]]
// CHECK:         %[[IN:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<16xi8> to memref<16xi8>
// CHECK-NEXT:    memref.alloc() {{.+}} : memref<8xi8>
// CHECK-NOT:     arith.xori
// CHECK:         vector.load %[[IN]][%{{.+}}] : memref<16xi8>, vector<4xi8>
// CHECK:         qc.dot4
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @handoff(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]], [[[5, 6, 7, 8]]], [[[0, 0, 0, 1]]]]> : tensor<4x1x1x4xi8>
    %w = quant.scast %wi : tensor<4x1x1x4xi8> to tensor<4x1x1x4x!w>
    %b = arith.constant dense<[10, -5, 0, 3]> : tensor<4xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x2x2x4x!x>, tensor<4x1x1x4x!w>, tensor<4xi32> -> tensor<1x2x2x4x!y>
    %vi = arith.constant dense<[[[[1, -2, 3, 4]]], [[[2, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %v = quant.scast %vi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!v>
    %b2 = arith.constant dense<[1, 2]> : tensor<2xi32>
    %d = qc.conv2d %c, %v, %b2 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x2x2x4x!y>, tensor<2x1x1x4x!v>, tensor<2xi32> -> tensor<1x2x2x2x!z>
    %e = quant.dcast %d : tensor<1x2x2x2x!z> to tensor<1x2x2x2xf32>
    return %e : tensor<1x2x2x2xf32>
  }
}

// -----

// AMX tiles over the grid of window origins: a 3x3 conv with padding 1 and
// stride 1 on 4x5 pixels, 32 channels. The padded image is 6x7, so grid
// position q = 7y + x reads its window from byte 32q; positions x = 5, 6 of
// each row wrap into the next row and are computed but not stored (a masked store under the row's condition). The
// positions end at the last output pixel (y 3, x 4: q = 26 of them), so
// there are no full pairs: one tile of 16 and one of 10 rows, in a
// configuration of their own (C tiles 0, 1 and A tile 4 of 16 rows, C tiles
// 2, 3 and A tile 5 of 10; B tiles 6, 7 of 32 / 4 = 8 rows). Each row's
// output pixel is a table entry, -1 where nothing is stored:
//   q  0..6 -> 0 1 2 3 4 -1 -1,  7..13 -> 5..9 -1 -1,  14..20 -> 10..14 -1 -1,
//   21..25 -> 15..19.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-amx"
// CHECK-DAG:     memref.global "private" constant @[[PIX:[a-z_0-9]+]] : memref<26xi32> = dense<[0, 1, 2, 3, 4, -1, -1, 5, 6, 7, 8, 9, -1, -1, 10, 11, 12, 13, 14, -1, -1, 15, 16, 17, 18, 19]>
// CHECK-DAG:     memref.global "private" constant @[[TAIL:[a-z_0-9]+]] : memref<64xi8> = dense<[1, {{.+}}, 16, 16, 10, 10, 16, 10, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK:         func.func @grid
// CHECK:         memref.get_global @[[PIX]]
// CHECK:         %[[CFG:.+]] = memref.get_global @[[TAIL]]
// CHECK:         qc.tile "config" [](%[[CFG]],
// CHECK:         qc.tile "dot" [0, 4, 6]
// CHECK:         qc.tile "dot" [2, 5, 6]
// CHECK:         %[[P:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<26xi32>
// CHECK:         %[[REAL:.+]] = arith.cmpi sge, %[[P]]
// CHECK:         %[[ROW:.+]] = vector.broadcast %[[REAL]] : i1 to vector<16xi1>
// CHECK:         vector.maskedstore %{{.+}}[%{{.+}}], %[[ROW]], %{{.+}} : memref<320xi8>, vector<16xi1>, vector<16xi8>
// CHECK:         qc.tile "release"
module attributes {qc.target = #qc.target<name = "x86_64-amx", triple = "x86_64-unknown-linux-gnu", cpu = "sapphirerapids", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni,+amx-tile,+amx-int8">} {
  func.func @grid(%x: tensor<1x4x5x32x!x>) -> tensor<1x4x5x16x!y> {
    %wi = arith.constant dense<1> : tensor<16x3x3x32xi8>
    %w = quant.scast %wi : tensor<16x3x3x32xi8> to tensor<16x3x3x32x!w>
    %b = arith.constant dense<0> : tensor<16xi32>
    %c = qc.conv2d %x, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>} : tensor<1x4x5x32x!x>, tensor<16x3x3x32x!w>, tensor<16xi32> -> tensor<1x4x5x16x!y>
    return %c : tensor<1x4x5x16x!y>
  }
}

// -----

// With stride 2 a tile's rows are output pixels of one row, so M must divide
// the row (14 pixels here, not 16).

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5}>

module attributes {qc.target = #qc.target<name = "x86_64-amx", triple = "x86_64-unknown-linux-gnu", cpu = "sapphirerapids", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni,+amx-tile,+amx-int8">} {
  func.func @strided_rows(%x: tensor<1x28x28x32x!x>) -> tensor<1x14x14x16x!y> {
    %wi = arith.constant dense<1> : tensor<16x3x3x32xi8>
    %w = quant.scast %wi : tensor<16x3x3x32xi8> to tensor<16x3x3x32x!w>
    %b = arith.constant dense<0> : tensor<16xi32>
    // expected-error @below {{does not fit this convolution (196 output pixels, rows of 14)}}
    %c = qc.conv2d %x, %w, %b {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>} : tensor<1x28x28x32x!x>, tensor<16x3x3x32x!w>, tensor<16xi32> -> tensor<1x14x14x16x!y>
    return %c : tensor<1x14x14x16x!y>
  }
}

// -----

// 17 output channels: the last vector holds one. LLVM 22 turns a masked
// store it knows to have one lane into an unmasked vpmovsdb of all 16 lanes
// (overwriting the next pixel), so that vector goes through the scratch
// buffer even with AVX-512; the full first vector is a plain store.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32, 0.5>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK:         func.func @one_lane_tail
// CHECK-NOT:     vector.maskedstore
// CHECK:         %[[WHOLE:.+]] = arith.cmpi eq, %{{.+}}, %c16
// CHECK-NEXT:    scf.if %[[WHOLE]] {
// CHECK-NEXT:      vector.store
// CHECK-NEXT:    } else {
// CHECK:           vector.store %{{.+}}, %[[SCRATCH:alloca[_0-9]*]][%{{.+}}] : memref<16xi8>, vector<16xi8>
// CHECK-NOT:     vector.maskedstore
// CHECK:         return
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @one_lane_tail(%x: tensor<1x2x2x4x!x>) -> tensor<1x2x2x17x!y> {
    %wi = arith.constant dense<1> : tensor<17x1x1x4xi8>
    %w = quant.scast %wi : tensor<17x1x1x4xi8> to tensor<17x1x1x4x!w>
    %b = arith.constant dense<0> : tensor<17xi32>
    %c = qc.conv2d %x, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x2x2x4x!x>, tensor<17x1x1x4x!w>, tensor<17xi32> -> tensor<1x2x2x17x!y>
    return %c : tensor<1x2x2x17x!y>
  }
}

// -----

// A depthwise conv with a 4-way dot kernel (kh <= 4, no row dilation) keeps
// each input column's [x(ih), .., x(ih + 3)] of a channel in one i32 lane
// and takes each next row by a funnel shift ((v >> 8) | (byte << 24)); no
// ring of unfolded rows is allocated. Its producer, a 1x1 conv, hands it
// its output offset by 128 (xor in the 1x1's epilogue), so the depthwise
// conv loads the bytes as they are. Padding columns (the first and last of
// the 6 the tile of 4 pixels reads) are constants: 4 columns are carried.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!z = !quant.uniform<i8:f32, 0.3:-3>
!w = !quant.uniform<i8<-127:127>:f32, 0.5>
!v = !quant.uniform<i8<-127:127>:f32, 0.25>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK:         func.func @depthwise_handoff
// CHECK:         vector.store %{{.+}}, %[[Y:.+]][%{{.+}}] : memref<192xi8>, vector<16xi8>
// CHECK:         bufferization.to_tensor %[[Y]]
// CHECK:         %[[IN:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<192xi8> to memref<192xi8>
// CHECK-NEXT:    memref.alloc() {{.+}} : memref<192xi8>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     arith.xori
// CHECK:         scf.if %{{.+}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>) {
// CHECK:           %[[B:.+]] = vector.load %[[IN]][%{{.+}}] : memref<192xi8>, vector<16xi8>
// CHECK-NEXT:      %[[W:.+]] = arith.extui %[[B]] : vector<16xi8> to vector<16xi32>
// CHECK-NEXT:      %[[T:.+]] = arith.shli %[[W]], %{{.+}} : vector<16xi32>
// CHECK-NEXT:      %[[S:.+]] = arith.shrui %{{.+}}, %{{.+}} : vector<16xi32>
// CHECK-NEXT:      arith.ori %[[S]], %[[T]] : vector<16xi32>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     arith.xori
// CHECK:         vector.bitcast %{{.+}} : vector<16xi32> to vector<64xi8>
// CHECK:         qc.dot4 %{{.+}}, %{{.+}}, %{{.+}} {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     arith.xori
// CHECK:         return
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @depthwise_handoff(%x: tensor<1x3x4x4x!x>) -> tensor<1x3x4x16x!z> {
    %wi = arith.constant dense<1> : tensor<16x1x1x4xi8>
    %w = quant.scast %wi : tensor<16x1x1x4xi8> to tensor<16x1x1x4x!w>
    %b = arith.constant dense<0> : tensor<16xi32>
    %c = qc.conv2d %x, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x3x4x4x!x>, tensor<16x1x1x4x!w>, tensor<16xi32> -> tensor<1x3x4x16x!y>
    %vi = arith.constant dense<2> : tensor<16x3x3x1xi8>
    %v = quant.scast %vi : tensor<16x3x3x1xi8> to tensor<16x3x3x1x!v>
    %d = qc.conv2d %c, %v, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 16 : i64, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x3x4x16x!y>, tensor<16x3x3x1x!v>, tensor<16xi32> -> tensor<1x3x4x16x!z>
    return %d : tensor<1x3x4x16x!z>
  }
}

// -----

// The same depthwise conv on a function argument (signed bytes): each row's
// bytes are flipped to unsigned (xor 0x80) as they are loaded.

!x = !quant.uniform<i8:f32, 0.2:5>
!z = !quant.uniform<i8:f32, 0.3:-3>
!v = !quant.uniform<i8<-127:127>:f32, 0.25>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK:         func.func @depthwise_signed_input(%[[ARG:.+]]: tensor
// CHECK:         %[[IN:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<192xi8> to memref<192xi8>
// CHECK:         scf.if %{{.+}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>) {
// CHECK:           %[[B:.+]] = vector.load %[[IN]][%{{.+}}] : memref<192xi8>, vector<16xi8>
// CHECK-NEXT:      %[[F:.+]] = arith.xori %[[B]], %{{.+}} : vector<16xi8>
// CHECK-NEXT:      arith.extui %[[F]] : vector<16xi8> to vector<16xi32>
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @depthwise_signed_input(%x: tensor<1x3x4x16x!x>) -> tensor<1x3x4x16x!z> {
    %b = arith.constant dense<0> : tensor<16xi32>
    %vi = arith.constant dense<2> : tensor<16x3x3x1xi8>
    %v = quant.scast %vi : tensor<16x3x3x1xi8> to tensor<16x3x3x1x!v>
    %d = qc.conv2d %x, %v, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 16 : i64, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x3x4x16x!x>, tensor<16x3x3x1x!v>, tensor<16xi32> -> tensor<1x3x4x16x!z>
    return %d : tensor<1x3x4x16x!z>
  }
}

// -----

// AVX2's vpmaddubsw kernel on weights holding -128: packed as -127, and the
// vector's one reduction step holding it (tap 0, channels 0..3: image offset
// 0) runs again after the reduction with weight -1 in its place (lane 1,
// byte 0) and 0 elsewhere. The bias folds the real weights: signed
// activations, b − zx·Σw = 10 + 10·10 = 110 and −5 + 10·(−128 + 1) = −1275.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx2"
// CHECK-DAG:     memref.global "private" constant @[[BEGIN:__qc_const_[0-9]+]] : memref<2xi32> = dense<[0, 1]>
// CHECK-DAG:     memref.global "private" constant @[[OFF:__qc_const_[0-9]+]] : memref<1xi32> = dense<0>
// CHECK-DAG:     memref.global "private" constant @[[D:__qc_const_[0-9]+]] : memref<32xi8> = dense<[0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<32xi8> = dense<[1, 2, 3, 4, -127, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-DAG:     memref.global "private" constant @{{.+}} : memref<8xi32> = dense<[110, -1275, 0, 0, 0, 0, 0, 0]>
// CHECK:       func.func @main
// CHECK:         memref.get_global @[[BEGIN]]
// CHECK:         scf.for {{.+}} iter_args
// CHECK:           memref.load %{{.+}} : memref<1xi32>
// CHECK:           vector.load %{{.+}} : memref<32xi8>, vector<32xi8>
// CHECK:           qc.dot4 {{.+}}name = "dot4.vpmaddubsw.ymm"
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-128, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 2, signed_input = true>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}
