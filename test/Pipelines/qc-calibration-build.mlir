// RUN: qc-opt %s --pass-pipeline='builtin.module(qc-calibration-build)' \
// RUN:   | FileCheck %s --implicit-check-not=qc.observe --implicit-check-not=tosa.mul

// Float graph ⇒ float graph that also returns every tensor calibration
// observes: the BatchNorm is folded into the conv first (so the conv+relu is
// observed once, after the relu), the argument and the chain ends become
// extra results named after them, listed in qc.observed.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    (%[[X:.+]]: tensor<1x4x4x2xf32> {qc.name = "x"})
// CHECK-SAME:    -> (tensor<1x3xf32> {qc.name = "y"}, tensor<1x4x4x2xf32> {qc.name = "x"}, tensor<1x4x4x2xf32> {qc.name = "relu1"}, tensor<1x3xf32> {qc.name = "fc"})
// CHECK-SAME:    attributes {qc.observed = ["x", "relu1", "fc"]}
// CHECK-DAG:     %[[B:.+]] = "tosa.const"() <{values = dense<[0.699999988, -5.000000e-02]> : tensor<2xf32>}>
// CHECK:         %[[C:.+]] = tosa.conv2d %[[X]], %{{.+}}, %[[B]],
// CHECK-NEXT:    %[[R:.+]] = tosa.clamp %[[C]]
// CHECK:         %[[Y:.+]] = tosa.add
// CHECK-NEXT:    return %[[Y]], %[[X]], %[[R]], %[[Y]] :
func.func @main(%x: tensor<1x4x4x2xf32> {qc.name = "x"}) -> (tensor<1x3xf32> {qc.name = "y"}) {
  %w = "tosa.const"() <{values = dense<[[[[0.5, -0.5]]], [[[1.0, 0.25]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, -0.1]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv1")
  %a = "tosa.const"() <{values = dense<[[[[2.0, 0.5]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %c, %a, %s : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>, tensor<1xi8>) -> tensor<1x4x4x2xf32> loc("bn1")
  %k = "tosa.const"() <{values = dense<[[[[0.5, 0.0]]]]> : tensor<1x1x1x2xf32>}> : () -> tensor<1x1x1x2xf32>
  %n = tosa.add %m, %k : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32> loc("bn1")
  %r = tosa.clamp %n {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("relu1")
  %s3 = tosa.const_shape {values = dense<[1, 1, 32]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %f = tosa.reshape %r, %s3 : (tensor<1x4x4x2xf32>, !tosa.shape<3>) -> tensor<1x1x32xf32> loc("flatten")
  %fw = "tosa.const"() <{values = dense<0.25> : tensor<1x32x3xf32>}> : () -> tensor<1x32x3xf32>
  %mm = tosa.matmul %f, %fw, %zp, %zp : (tensor<1x1x32xf32>, tensor<1x32x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x3xf32> loc("fc")
  %s2 = tosa.const_shape {values = dense<[1, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %mr = tosa.reshape %mm, %s2 : (tensor<1x1x3xf32>, !tosa.shape<2>) -> tensor<1x3xf32> loc("fc")
  %fb = "tosa.const"() <{values = dense<[[0.1, 0.2, 0.3]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32>
  %y = tosa.add %mr, %fb : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
