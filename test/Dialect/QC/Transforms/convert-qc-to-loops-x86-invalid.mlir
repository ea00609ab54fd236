// RUN: qc-opt %s -split-input-file -verify-diagnostics --convert-qc-to-loops

// AVX2's vpmaddubsw kernel multiplies |x| by the weight with x's sign, exact
// only where every weight lies in [-127, 127] (-(-128) wraps). A dense conv
// corrects its -128s after the reduction; a grouped conv's kernel recorded
// by hand for weights holding -128 is an error, not wrong code.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8:f32:0, {0.5, 0.25, 0.5, 0.25}>

module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @main(%x: tensor<1x2x2x8xf32>) -> tensor<1x2x2x4xf32> {
    %q = quant.qcast %x : tensor<1x2x2x8xf32> to tensor<1x2x2x8x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-128, 0, 1, 0]]], [[[1, 2, 3, 4]]], [[[5, 0, 1, 0]]]]> : tensor<4x1x1x4xi8>
    %w = quant.scast %wi : tensor<4x1x1x4xi8> to tensor<4x1x1x4x!w>
    %b = arith.constant dense<[10, -5, 0, 1]> : tensor<4xi32>
    // expected-error @below {{kernel 'dot4.vpmaddubsw.ymm' needs weights in [-127, 127] in a grouped conv; one is -128}}
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, groups = 2, kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 2, signed_input = true>} : tensor<1x2x2x8x!x>, tensor<4x1x1x4x!w>, tensor<4xi32> -> tensor<1x2x2x4x!y>
    %d = quant.dcast %c : tensor<1x2x2x4x!y> to tensor<1x2x2x4xf32>
    return %d : tensor<1x2x2x4xf32>
  }
}

// -----

// The kernel wants signed activations: recorded without signed_input it
// does not run (on any target).

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @main(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-127, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    // expected-error @below {{kernel 'dot4.vpmaddubsw.ymm' does not run on this target}}
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 2>} : tensor<1x2x2x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %c : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}
