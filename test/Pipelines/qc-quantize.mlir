// RUN: qc-opt %s --pass-pipeline='builtin.module(qc-quantize{calibration-table=%S/Inputs/calibration.json})' \
// RUN:   | FileCheck %s --implicit-check-not=tosa. --implicit-check-not=qc.observe

// Float TOSA graph + calibration table ⇒ integer qc graph with kernels, each
// integer op named after the tensor it computes (qc.layer), no TOSA op and no
// observer left:
// conv·a + c (inference BatchNorm) → relu6 → max_pool → flatten → matmul → bias.
// Observed ranges (Inputs/calibration.json):
//   x     [−1, 3]: scale 4/255 = 0.015686274509803921, zp = round(−128 + 63.75) = −64
//   relu1 [0, 8]:  scale 8/255 = 0.031372549019607843, zp = −128;
//                  relu6 bound: −128 + round(6/scale) = −128 + round(191.25) = 63
//   fc    [−2, 6]: scale 8/255, zp = round(−128 + 63.75) = −64
// The BatchNorm is folded first: b' = b·a + c = [0.7, −0.05, −0.3, 1.0] and
// W' = W·a, so e.g. o=0: W' = [1, −1], s_w = 1/127,
//   bias_i32 = 0.7 / (4/255 · 1/127) = 5667.1 → 5667;
// o=1: W' = [0.5, 0.125], s_w = 0.5/127, −0.05 / (4/255 · 0.5/127) = −809.6 → −810.

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK:       func.func @main(%[[X:.+]]: tensor<1x4x4x2xf32> {qc.name = "x"}) -> (tensor<1x3xf32> {qc.name = "y"})
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<[5667, -810, -3239, 13494]> : tensor<4xi32>
// CHECK-DAG:     %[[Q:.+]] = quant.qcast %[[X]] {qc.layer = "x"} : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!quant.uniform<i8:f32, 0.015686274509803921:-64>>
// CHECK:         %[[C:.+]] = qc.conv2d %[[Q]], %{{.+}}, %[[B]] {clamp_max = 63 : i64, dilation = array<i64: 1, 1>, kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 16>, pad = array<i64: 0, 0, 0, 0>, qc.layer = "relu1", stride = array<i64: 1, 1>}
// CHECK-SAME:      tensor<4x1x1x2x!quant.uniform<i8<-127:127>:f32:0, {{.+}}>>, tensor<4xi32> -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.031372549019607843:-128>>
// CHECK:         %[[P:.+]] = qc.max_pool2d %[[C]]
// CHECK-SAME:      -> tensor<1x2x2x4x!quant.uniform<i8:f32, 0.031372549019607843:-128>>
// CHECK:         %[[R:.+]] = qc.reshape %[[P]]
// CHECK:         %[[FC:.+]] = qc.fully_connected %{{.+}}, %{{.+}}, %{{.+}} {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 1>, qc.layer = "fc"}
// CHECK-SAME:      tensor<1x16x!quant.uniform<i8:f32, 0.031372549019607843:-128>>, tensor<3x16x!quant.uniform<i8<-127:127>:f32:0, {{.+}}>>, tensor<3xi32> -> tensor<1x3x!quant.uniform<i8:f32, 0.031372549019607843:-64>>
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[FC]] : tensor<1x3x!quant.uniform<i8:f32, 0.031372549019607843:-64>> to tensor<1x3xf32>
// CHECK-NEXT:    return %[[D]]
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @main(%x: tensor<1x4x4x2xf32> {qc.name = "x"}) -> (tensor<1x3xf32> {qc.name = "y"}) {
    %w = "tosa.const"() <{values = dense<[[[[0.5, -0.5]]], [[[1.0, 0.25]]], [[[-0.75, 0.125]]], [[[0.2, 0.4]]]]> : tensor<4x1x1x2xf32>}> : () -> tensor<4x1x1x2xf32>
    %b = "tosa.const"() <{values = dense<[0.1, -0.1, 0.2, 0.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
    %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
    %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<4x1x1x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
    %a = "tosa.const"() <{values = dense<[[[[2.0, 0.5, 1.0, 1.5]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
    %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
    %m = tosa.mul %c, %a, %s : (tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>, tensor<1xi8>) -> tensor<1x4x4x4xf32> loc("bn1")
    %k = "tosa.const"() <{values = dense<[[[[0.5, 0.0, -0.5, 1.0]]]]> : tensor<1x1x1x4xf32>}> : () -> tensor<1x1x1x4xf32>
    %n = tosa.add %m, %k : (tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x4x4x4xf32> loc("bn1")
    %r = tosa.clamp %n {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("relu1")
    %p = tosa.max_pool2d %r {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x2x2x4xf32> loc("pool1")
    %s3 = tosa.const_shape {values = dense<[1, 1, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %f = tosa.reshape %p, %s3 : (tensor<1x2x2x4xf32>, !tosa.shape<3>) -> tensor<1x1x16xf32> loc("flatten")
    %fw = "tosa.const"() <{values = dense<0.25> : tensor<1x16x3xf32>}> : () -> tensor<1x16x3xf32>
    %mm = tosa.matmul %f, %fw, %zp, %zp : (tensor<1x1x16xf32>, tensor<1x16x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x3xf32> loc("fc")
    %s2 = tosa.const_shape {values = dense<[1, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %mr = tosa.reshape %mm, %s2 : (tensor<1x1x3xf32>, !tosa.shape<2>) -> tensor<1x3xf32> loc("fc")
    %fb = "tosa.const"() <{values = dense<[[0.1, 0.2, 0.3]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32>
    %y = tosa.add %mr, %fb : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32> loc("fc")
    return %y : tensor<1x3xf32>
  }
}
