// RUN: qc-opt %s -split-input-file -verify-diagnostics --convert-qc-to-loops | FileCheck %s

// The vector-length-agnostic RVV kernel (`mac.rvv.vla`, riscv64-rvv without
// --vlen): scalable vectors of vscale·lanes/2 elements, chunks of channels
// stepping by the CPU's vector length, masked loads and stores.
//
// Weights (OHWI [2,1,1,4]) o=0: [1, 2, 3, 4], o=1: [-1, 0, 1, 0] are packed
// [ky][kx][c][o] as i16 (a vector of any length loads consecutive output
// channels): [1, -1, 2, 0, 3, 1, 4, 0]. Activations stay signed, so the bias
// absorbs zp_x·Σw with zp_x = −10: o=0: 10 + 10·10 = 110, o=1: −5 + 0 = −5.
// No padding to a vector: the masks keep every access inside the 2
// channels. Multipliers 0.25 and 0.125 = 2^30·2^−32, 2^30·2^−33 (the
// fixed-point form: i32 multipliers and shifts). Nothing is padded and the
// kernel takes the int8 input as it is, so it reads the quantized buffer
// itself: no staging copy.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "riscv64-rvv"
// CHECK-DAG:     memref.global "private" constant @[[W:__qc_const_[0-9]+]] : memref<8xi16> = dense<[1, -1, 2, 0, 3, 1, 4, 0]>
// CHECK-DAG:     memref.global "private" constant @[[B:__qc_const_[0-9]+]] : memref<2xi32> = dense<[110, -5]>
// CHECK-DAG:     memref.global "private" constant @[[M:__qc_const_[0-9]+]] : memref<2xi32> = dense<1073741824>
// CHECK-DAG:     memref.global "private" constant @[[S:__qc_const_[0-9]+]] : memref<2xi32> = dense<[32, 33]>
// CHECK:         %[[IN:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<16xi8> to memref<16xi8>
// CHECK-NEXT:    memref.alloc() {{.+}} : memref<8xi8>
// CHECK-NOT:     memref.alloc
// CHECK:         %[[VS:.+]] = vector.vscale
// CHECK:         %[[VL:.+]] = arith.muli %[[VS]], %c8
// CHECK:         scf.for %[[C0:.+]] = %{{.+}} to %{{.+}} step %[[VL]] {
// CHECK:           %[[MASK:.+]] = vector.create_mask %{{.+}} : vector<[8]xi1>
// CHECK:           vector.maskedload %{{.+}}[%[[C0]]], %[[MASK]], %{{.+}} : memref<2xi32>, vector<[8]xi1>, vector<[8]xi32> into vector<[8]xi32>
// CHECK:           vector.maskedload %{{.+}}, %[[MASK]], %{{.+}} : memref<8xi16>, vector<[8]xi1>, vector<[8]xi16> into vector<[8]xi16>
// CHECK:           memref.load %[[IN]][%{{.+}}] : memref<16xi8>
// CHECK:           arith.extsi %{{.+}} : vector<[8]xi16> to vector<[8]xi32>
// CHECK:           arith.muli %{{.+}} : vector<[8]xi32>
// CHECK:           arith.addi %{{.+}} : vector<[8]xi32>
// The epilogue by halves of the register group:
// CHECK:           vector.scalable.extract %{{.+}}[0] : vector<[4]xi32> from vector<[8]xi32>
// CHECK:           qc.scale_shift %{{.+}} : vector<[4]xi32>
// CHECK:           vector.maskedstore %{{.+}} : memref<8xi8>, vector<[4]xi1>, vector<[4]xi8>
// CHECK:           vector.scalable.extract %{{.+}}[4] : vector<[4]xi32> from vector<[8]xi32>
// CHECK:           qc.scale_shift %{{.+}} : vector<[4]xi32>
// CHECK:           vector.maskedstore %{{.+}} : memref<8xi8>, vector<[4]xi1>, vector<[4]xi8>
// CHECK-NOT:     qc.dot4
module attributes {qc.target = #qc.target<name = "riscv64-rvv", triple = "riscv64-unknown-linux-gnu", cpu = "generic-rv64", features = "+m,+a,+f,+d,+c,+v">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "mac.rvv.vla", lanes = 16, block = 2, signed_input = true>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}

// -----

// Depthwise (groups = channels = 3): weights [ky][kx][c] as bytes, widened
// to i16 then i32 (RVV vwmacc.vv), the same chunks and masks.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25, 0.5}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "riscv64-rvv"
// CHECK-DAG:     memref.global "private" constant @{{__qc_const_[0-9]+}} : memref<12xi8> = dense<[1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12]>
// CHECK:         vector.vscale
// CHECK:         scf.for %{{.+}} step %{{.+}} {
// CHECK:           vector.create_mask %{{.+}} : vector<[8]xi1>
// CHECK:           vector.maskedload {{.+}} : memref<12xi8>, vector<[8]xi1>, vector<[8]xi8> into vector<[8]xi8>
// CHECK:           arith.extsi %{{.+}} : vector<[8]xi8> to vector<[8]xi16>
// CHECK:           arith.extsi %{{.+}} : vector<[8]xi16> to vector<[8]xi32>
// CHECK:           vector.maskedstore %{{.+}} : memref<{{[0-9]+}}xi8>, vector<[4]xi1>, vector<[4]xi8>
module attributes {qc.target = #qc.target<name = "riscv64-rvv", triple = "riscv64-unknown-linux-gnu", cpu = "generic-rv64", features = "+m,+a,+f,+d,+c,+v">} {
  func.func @main(%x: tensor<1x3x3x3xf32>) -> tensor<1x2x2x3xf32> {
    %q = quant.qcast %x : tensor<1x3x3x3xf32> to tensor<1x3x3x3x!x>
    %wi = arith.constant dense<[[[[1], [2]], [[3], [4]]], [[[5], [6]], [[7], [8]]], [[[9], [10]], [[11], [12]]]]> : tensor<3x2x2x1xi8>
    %w = quant.scast %wi : tensor<3x2x2x1xi8> to tensor<3x2x2x1x!w>
    %b = arith.constant dense<[10, -5, 0]> : tensor<3xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 3 : i64, kernel = #qc.kernel<name = "mac.rvv.vla", lanes = 16, block = 2, signed_input = true>} : tensor<1x3x3x3x!x>, tensor<3x2x2x1x!w>, tensor<3xi32> -> tensor<1x2x2x3x!y>
    %d = quant.dcast %c : tensor<1x2x2x3x!y> to tensor<1x2x2x3xf32>
    return %d : tensor<1x2x2x3xf32>
  }
}

// -----

// Scalable vectors on a target without them (or lanes the kernel does not
// have) are an error naming the kernel, not code the backend cannot select.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    // expected-error @below {{kernel 'mac.rvv.vla' does not run on this target}}
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "mac.rvv.vla", lanes = 16, block = 2, signed_input = true>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}

// -----

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

module attributes {qc.target = #qc.target<name = "riscv64-rvv", triple = "riscv64-unknown-linux-gnu", cpu = "generic-rv64", features = "+m,+a,+f,+d,+c,+v">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    // expected-error @below {{kernel 'mac.rvv.vla' does not run on this target}}
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "mac.rvv.vla", lanes = 12, block = 2, signed_input = true>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}

// -----

// The same check for every kernel: an x86 kernel recorded for a RISC-V
// module.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

module attributes {qc.target = #qc.target<name = "riscv64-rvv", triple = "riscv64-unknown-linux-gnu", cpu = "generic-rv64", features = "+m,+a,+f,+d,+c,+v">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    // expected-error @below {{kernel 'dot4.vpdpbusd.zmm' does not run on this target}}
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}
