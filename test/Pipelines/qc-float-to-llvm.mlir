// RUN: qc-opt %s --pass-pipeline='builtin.module(qc-float-to-llvm)' -o %t.mlir
// RUN: FileCheck %s --implicit-check-not=tosa. --implicit-check-not=linalg. \
// RUN:     --implicit-check-not=tensor. --implicit-check-not=bufferization. \
// RUN:     --implicit-check-not=scf. --implicit-check-not=memref. \
// RUN:     --implicit-check-not=vector. --implicit-check-not=arith. \
// RUN:     --implicit-check-not=math. --implicit-check-not=cf. \
// RUN:     --implicit-check-not=func.func --implicit-check-not=memrefCopy \
// RUN:     --implicit-check-not=unrealized_conversion_cast < %t.mlir
// Every heap buffer is freed: the generated library is called once per
// inference (and once per calibration sample), so a buffer that is only
// malloc'ed leaks on every call.
// RUN: %python -c "import sys; t = open(sys.argv[1]).read(); m, f = t.count('llvm.call @_mlir_memref_to_llvm_alloc'), t.count('llvm.call @_mlir_memref_to_llvm_free'); sys.exit(0 if m == f > 0 else 'alloc called %%d times, free %%d times' %% (m, f))" %t.mlir

// Float TOSA graph ⇒ LLVM dialect through linalg, bufferization and loops:
// the result becomes an out-parameter, arguments are bare pointers that keep
// their qc.name, constants are LLVM globals, and copies into strided views
// (the padded conv input) are loops, not calls of MLIR's runtime memrefCopy.

// CHECK-DAG:   llvm.mlir.global private constant @{{.+}}(dense<{{\[\[\[\[}}5.000000e-01, -5.000000e-01]]], {{\[\[\[}}1.000000e+00, 2.500000e-01]]]]> : tensor<2x1x1x2xf32>)
// CHECK-DAG:   llvm.mlir.global private constant @{{.+}}(dense<[1.000000e-01, -1.000000e-01]> : tensor<2xf32>)
// CHECK-LABEL: llvm.func @main(%{{.+}}: !llvm.ptr {qc.name = "x"}, %{{.+}}: !llvm.ptr {qc.name = "y"}) {
// CHECK:         llvm.intr.maximum
// CHECK:         llvm.fdiv
// CHECK:         llvm.return
func.func @main(%x: tensor<1x4x4x2xf32> {qc.name = "x"}) -> (tensor<1x8xf32> {qc.name = "y"}) {
  %w = "tosa.const"() <{values = dense<[[[[0.5, -0.5]]], [[[1.0, 0.25]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x6x2xf32>
  %r = tosa.clamp %c {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32>
  %p = tosa.avg_pool2d %r, %zp, %zp {acc_type = f32, kernel = array<i64: 3, 3>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 3, 3>} : (tensor<1x6x6x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x2xf32>
  %s = tosa.const_shape {values = dense<[1, 8]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.reshape %p, %s : (tensor<1x2x2x2xf32>, !tosa.shape<2>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
