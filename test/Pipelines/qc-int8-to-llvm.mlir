// RUN: qc-opt %s --pass-pipeline='builtin.module(qc-int8-to-llvm)' -o %t.mlir
// RUN: FileCheck %s --implicit-check-not=scf. --implicit-check-not=memref. \
// RUN:     --implicit-check-not=vector. --implicit-check-not=arith. \
// RUN:     --implicit-check-not=math. --implicit-check-not=cf. \
// RUN:     --implicit-check-not=func.func --implicit-check-not=quant. \
// RUN:     --implicit-check-not=bufferization. --implicit-check-not=tensor. \
// RUN:     --implicit-check-not=qc.dot4 --implicit-check-not=unrealized_conversion_cast < %t.mlir
// Every heap buffer (the quantized tensors, the padded u8 image) is freed.
// RUN: %python -c "import sys; t = open(sys.argv[1]).read(); m, f = t.count('llvm.call @_mlir_memref_to_llvm_alloc'), t.count('llvm.call @_mlir_memref_to_llvm_free'); sys.exit(0 if m == f > 0 else 'alloc called %%d times, free %%d times' %% (m, f))" %t.mlir

// Integer qc graph ⇒ LLVM dialect only: the constants are LLVM globals, the
// graph takes bare pointers (inputs, then outputs), heap buffers come from
// the allocation functions the library defines (Codegen.cpp), and the VNNI kernel stays one intrinsic call.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK-DAG:     llvm.mlir.global private constant @{{__qc_const_[0-9]+}}(dense<[-1170, -5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> : tensor<16xi32>)
// CHECK-DAG:     llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CHECK-DAG:     llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
// CHECK:         llvm.func @main(%{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr) {
// CHECK:           llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"({{.+}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// The 2 output channels of a 16-lane vector: one masked store.
// CHECK:           llvm.intr.masked.store %{{.+}}, %{{.+}}, %{{.+}} {alignment = 1 : i32} : vector<16xi8>, vector<16xi1> into !llvm.ptr
// CHECK:           llvm.return
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @main(%x: tensor<1x4x4x4xf32>) -> tensor<1x2x2x2xf32> {
    %q = quant.qcast %x : tensor<1x4x4x4xf32> to tensor<1x4x4x4x!x>
    %wi = arith.constant dense<[[[[1, 2, 3, 4]]], [[[-1, 0, 1, 0]]]]> : tensor<2x1x1x4xi8>
    %w = quant.scast %wi : tensor<2x1x1x4xi8> to tensor<2x1x1x4x!w>
    %b = arith.constant dense<[10, -5]> : tensor<2xi32>
    %c = qc.conv2d %q, %w, %b {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : tensor<1x4x4x4x!x>, tensor<2x1x1x4x!w>, tensor<2xi32> -> tensor<1x4x4x2x!y>
    %p = qc.avg_pool2d %c {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x4x4x2x!y> -> tensor<1x2x2x2x!y>
    %d = quant.dcast %p : tensor<1x2x2x2x!y> to tensor<1x2x2x2xf32>
    return %d : tensor<1x2x2x2xf32>
  }
}
