// RUN: qc-opt %s -split-input-file --qc-fuse-qdq | FileCheck %s

// qcast(clamp(conv(dcast x, dcast w, b))) ⇒ qc.conv2d x, w, bias_i32:
//   bias_i32 = round(b / (s_x·s_w[o])) = [1.0/(0.1·0.5), −2.0/(0.1·0.25)] = [20, −80]
//   clamp [0, 6] in the output domain (scale 0.05, zp −100):
//     min = −100 + round(0/0.05) = −100, max = −100 + round(6/0.05) = 20
//   TOSA pad [top, bottom, left, right] = [1, 0, 2, 0] ⇒ qc [top, left, bottom, right] = [1, 2, 0, 0]
// The qcast's layer name moves to the integer op.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:-100>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: func.func @conv_relu
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<[20, -80]> : tensor<2xi32>
// CHECK-DAG:     %[[WI:.+]] = arith.constant dense<{{\[\[\[\[}}1, 2]]], {{\[\[\[}}3, 4]]]]> : tensor<2x1x1x2xi8>
// CHECK-DAG:     %[[Q:.+]] = quant.qcast %{{.+}} : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01:-10>>
// CHECK-DAG:     %[[W:.+]] = quant.scast %[[WI]]
// CHECK:         %[[C:.+]] = qc.conv2d %[[Q]], %[[W]], %[[B]] {clamp_max = 20 : i64, clamp_min = -100 : i64, dilation = array<i64: 1, 1>, pad = array<i64: 1, 2, 0, 0>, qc.layer = "relu1", stride = array<i64: 1, 1>}
// CHECK-SAME:      -> tensor<1x5x6x2x!quant.uniform<i8:f32, 5.000000e-02:-100>>
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[C]]
// CHECK-NEXT:    return %[[D]]
// CHECK-NOT:     tosa.
func.func @conv_relu(%x: tensor<1x4x4x2xf32>) -> tensor<1x5x6x2xf32> {
  %q = quant.qcast %x : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!x>
  %d = quant.dcast %q : tensor<1x4x4x2x!x> to tensor<1x4x4x2xf32>
  %wi = arith.constant dense<[[[[1, 2]]], [[[3, 4]]]]> : tensor<2x1x1x2xi8>
  %ws = quant.scast %wi : tensor<2x1x1x2xi8> to tensor<2x1x1x2x!w>
  %wd = quant.dcast %ws : tensor<2x1x1x2x!w> to tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<[1.0, -2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %d, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 2, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x6x2xf32>
  %r = tosa.clamp %c {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x5x6x2xf32>) -> tensor<1x5x6x2xf32>
  %oq = quant.qcast %r {qc.layer = "relu1"} : tensor<1x5x6x2xf32> to tensor<1x5x6x2x!y>
  %od = quant.dcast %oq : tensor<1x5x6x2x!y> to tensor<1x5x6x2xf32>
  return %od : tensor<1x5x6x2xf32>
}

// -----

// Without a clamp the epilogue keeps the full i8 range (default bounds).

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:-100>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: func.func @conv_no_clamp
// CHECK:         qc.conv2d
// CHECK-NOT:     clamp_
// CHECK-SAME:      stride = array<i64: 2, 2>}
func.func @conv_no_clamp(%x: tensor<1x5x5x2xf32>) -> tensor<1x3x3x2xf32> {
  %q = quant.qcast %x : tensor<1x5x5x2xf32> to tensor<1x5x5x2x!x>
  %d = quant.dcast %q : tensor<1x5x5x2x!x> to tensor<1x5x5x2xf32>
  %wi = arith.constant dense<1> : tensor<2x1x1x2xi8>
  %ws = quant.scast %wi : tensor<2x1x1x2xi8> to tensor<2x1x1x2x!w>
  %wd = quant.dcast %ws : tensor<2x1x1x2x!w> to tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %d, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x5x5x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x2xf32>
  %oq = quant.qcast %c : tensor<1x3x3x2xf32> to tensor<1x3x3x2x!y>
  %od = quant.dcast %oq : tensor<1x3x3x2x!y> to tensor<1x3x3x2xf32>
  return %od : tensor<1x3x3x2xf32>
}

// -----

// Depthwise ⇒ qc.conv2d with groups = C and OHWI weights [C·M, KH, KW, 1].
// TOSA weight [KH,KW,C,M] = [1,2,2,2] holds 1..8 in (kw, c, m) order, so
// output channel o = c·M + m reads kw = 0, 1:
//   o=0 (c0,m0): [1, 5]  o=1 (c0,m1): [2, 6]  o=2 (c1,m0): [3, 7]  o=3 (c1,m1): [4, 8]
// scales per C {0.5, 0.25} become per output {0.5, 0.5, 0.25, 0.25};
// bias [0.1, 0.2, 0.3, 0.4] / (0.1·s_w) = [2, 4, 12, 16].

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32:2, {0.5, 0.25}>

// CHECK-LABEL: func.func @depthwise
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<[2, 4, 12, 16]> : tensor<4xi32>
// CHECK-DAG:     %[[WI:.+]] = arith.constant dense<{{\[\[\[\[}}1], [5]]], {{\[\[\[}}2], [6]]], {{\[\[\[}}3], [7]]], {{\[\[\[}}4], [8]]]]> : tensor<4x1x2x1xi8>
// CHECK-DAG:     %[[W:.+]] = quant.scast %[[WI]] : tensor<4x1x2x1xi8> to tensor<4x1x2x1x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,5.000000e-01,2.500000e-01,2.500000e-01}>>
// CHECK-DAG:     %[[Q:.+]] = quant.qcast
// CHECK:         %[[C:.+]] = qc.conv2d %[[Q]], %[[W]], %[[B]] {dilation = array<i64: 1, 1>, groups = 2 : i64, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
// CHECK-SAME:      -> tensor<1x3x2x4x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK-NOT:     tosa.depthwise_conv2d
func.func @depthwise(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x2x4xf32> {
  %q = quant.qcast %x : tensor<1x3x3x2xf32> to tensor<1x3x3x2x!x>
  %d = quant.dcast %q : tensor<1x3x3x2x!x> to tensor<1x3x3x2xf32>
  %wi = arith.constant dense<[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]> : tensor<1x2x2x2xi8>
  %ws = quant.scast %wi : tensor<1x2x2x2xi8> to tensor<1x2x2x2x!w>
  %wd = quant.dcast %ws : tensor<1x2x2x2x!w> to tensor<1x2x2x2xf32>
  %b = "tosa.const"() <{values = dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.depthwise_conv2d %d, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x3x3x2xf32>, tensor<1x2x2x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x2x4xf32>
  %oq = quant.qcast %c : tensor<1x3x2x4xf32> to tensor<1x3x2x4x!y>
  %od = quant.dcast %oq : tensor<1x3x2x4x!y> to tensor<1x3x2x4xf32>
  return %od : tensor<1x3x2x4xf32>
}

// -----

// Fully connected: reshape → matmul → reshape → add bias ⇒ qc.fully_connected
// with the weight [1,K,N] transposed to [N,K] (per-axis 0) and
// bias_i32 = [1, 1, 1] / (0.1·{0.5, 0.25, 0.125}) = [20, 40, 80].
//   B = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]] ⇒
//   W = [[1, 4, 7, 10], [2, 5, 8, 11], [3, 6, 9, 12]]

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:2, {0.5, 0.25, 0.125}>

// CHECK-LABEL: func.func @fully_connected
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<[20, 40, 80]> : tensor<3xi32>
// CHECK-DAG:     %[[WI:.+]] = arith.constant dense<{{\[\[}}1, 4, 7, 10], [2, 5, 8, 11], [3, 6, 9, 12]]> : tensor<3x4xi8>
// CHECK-DAG:     %[[W:.+]] = quant.scast %[[WI]] : tensor<3x4xi8> to tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,2.500000e-01,1.250000e-01}>>
// CHECK-DAG:     %[[Q:.+]] = quant.qcast %{{.+}} : tensor<2x4xf32>
// CHECK:         %[[X:.+]] = qc.reshape %{{.+}} : tensor<1x2x4x!quant.uniform<i8:f32, 1.000000e-01:-10>> -> tensor<2x4x!quant.uniform<i8:f32, 1.000000e-01:-10>>
// CHECK:         %[[FC:.+]] = qc.fully_connected %[[X]], %[[W]], %[[B]] : {{.+}} -> tensor<2x3x!quant.uniform<i8:f32, 2.000000e-01:5>>
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[FC]]
// CHECK-NEXT:    return %[[D]]
// CHECK-NOT:     tosa.matmul
func.func @fully_connected(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!x>
  %d = quant.dcast %q : tensor<2x4x!x> to tensor<2x4xf32>
  %s3 = tosa.const_shape {values = dense<[1, 2, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %d, %s3 : (tensor<2x4xf32>, !tosa.shape<3>) -> tensor<1x2x4xf32>
  %wi = arith.constant dense<[[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]]> : tensor<1x4x3xi8>
  %ws = quant.scast %wi : tensor<1x4x3xi8> to tensor<1x4x3x!w>
  %wd = quant.dcast %ws : tensor<1x4x3x!w> to tensor<1x4x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %a, %wd, %zp, %zp : (tensor<1x2x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %s2 = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %m, %s2 : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  %b = "tosa.const"() <{values = dense<[[1.0, 1.0, 1.0]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32>
  %y = tosa.add %r, %b : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %oq = quant.qcast %y : tensor<2x3xf32> to tensor<2x3x!y>
  %od = quant.dcast %oq : tensor<2x3x!y> to tensor<2x3xf32>
  return %od : tensor<2x3xf32>
}

// -----

// A fully-connected chain without a bias ends at the reshape: zero bias.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.2:5>
!w = !quant.uniform<i8<-127:127>:f32:2, {0.5, 0.25, 0.125}>

// CHECK-LABEL: func.func @fully_connected_no_bias
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<0> : tensor<3xi32>
// CHECK:         %[[FC:.+]] = qc.fully_connected %{{.+}}, %{{.+}}, %[[B]] : {{.+}} -> tensor<2x3x!quant.uniform<i8:f32, 2.000000e-01:5>>
// CHECK-NOT:     tosa.matmul
func.func @fully_connected_no_bias(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!x>
  %d = quant.dcast %q : tensor<2x4x!x> to tensor<2x4xf32>
  %s3 = tosa.const_shape {values = dense<[1, 2, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %a = tosa.reshape %d, %s3 : (tensor<2x4xf32>, !tosa.shape<3>) -> tensor<1x2x4xf32>
  %wi = arith.constant dense<1> : tensor<1x4x3xi8>
  %ws = quant.scast %wi : tensor<1x4x3xi8> to tensor<1x4x3x!w>
  %wd = quant.dcast %ws : tensor<1x4x3x!w> to tensor<1x4x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %a, %wd, %zp, %zp : (tensor<1x2x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  %s2 = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %m, %s2 : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32>
  %oq = quant.qcast %r : tensor<2x3xf32> to tensor<2x3x!y>
  %od = quant.dcast %oq : tensor<2x3x!y> to tensor<2x3xf32>
  return %od : tensor<2x3xf32>
}

// -----

// add(dcast a, dcast b) ⇒ qc.add of the quantized operands; a clamp after
// it becomes bounds: [0, 1] with scale 0.01, zp −128 ⇒ [−128, −28].

!a = !quant.uniform<i8:f32, 0.1:2>
!b = !quant.uniform<i8:f32, 0.05:0>
!y = !quant.uniform<i8:f32, 0.01:-128>

// CHECK-LABEL: func.func @add
// CHECK:         %[[QA:.+]] = quant.qcast %{{.+}} : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!quant.uniform<i8:f32, 1.000000e-01:2>>
// CHECK:         %[[QB:.+]] = quant.qcast %{{.+}} : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK:         %[[S:.+]] = qc.add %[[QA]], %[[QB]] {clamp_max = -28 : i64} : {{.+}} -> tensor<1x2x2x4x!quant.uniform<i8:f32, 1.000000e-02:-128>>
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[S]]
// CHECK-NEXT:    return %[[D]]
// CHECK-NOT:     tosa.add
func.func @add(%x: tensor<1x2x2x4xf32>, %z: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %qa = quant.qcast %x : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!a>
  %da = quant.dcast %qa : tensor<1x2x2x4x!a> to tensor<1x2x2x4xf32>
  %qb = quant.qcast %z : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!b>
  %db = quant.dcast %qb : tensor<1x2x2x4x!b> to tensor<1x2x2x4xf32>
  %s = tosa.add %da, %db : (tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %r = tosa.clamp %s {max_val = 1.0 : f32, min_val = 0.0 : f32} : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %oq = quant.qcast %r : tensor<1x2x2x4xf32> to tensor<1x2x2x4x!y>
  %od = quant.dcast %oq : tensor<1x2x2x4x!y> to tensor<1x2x2x4xf32>
  return %od : tensor<1x2x2x4xf32>
}

// -----

// avg_pool2d ⇒ qc.avg_pool2d (padding excluded from the count, as in TOSA);
// TOSA pad [top, bottom, left, right] = [0, 1, 0, 0] ⇒ qc [0, 0, 1, 0].

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:7>

// CHECK-LABEL: func.func @avg_pool
// CHECK:         %[[Q:.+]] = quant.qcast
// CHECK-NEXT:    %[[P:.+]] = qc.avg_pool2d %[[Q]] {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 1, 0>, stride = array<i64: 1, 1>}
// CHECK-SAME:      -> tensor<1x4x3x2x!quant.uniform<i8:f32, 5.000000e-02:7>>
// CHECK-NOT:     count_include_pad = true
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[P]]
// CHECK-NEXT:    return %[[D]]
func.func @avg_pool(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x3x2xf32> {
  %q = quant.qcast %x : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!x>
  %d = quant.dcast %q : tensor<1x4x4x2x!x> to tensor<1x4x4x2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %p = tosa.avg_pool2d %d, %zp, %zp {acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 0, 1, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x3x2xf32>
  %oq = quant.qcast %p : tensor<1x4x3x2xf32> to tensor<1x4x3x2x!y>
  %od = quant.dcast %oq : tensor<1x4x3x2x!y> to tensor<1x4x3x2xf32>
  return %od : tensor<1x4x3x2xf32>
}

// -----

// reshape, transpose and max_pool2d of a dequantized value run on the
// integers and keep their input's quantization: op(dcast q) ⇒ dcast(qc.op q).
// max_pool2d TOSA pad [0, 1, 0, 1] ⇒ qc [0, 0, 1, 1].

!x = !quant.uniform<i8:f32, 0.1:-10>

// CHECK-LABEL: func.func @sink
// CHECK:         %[[Q:.+]] = quant.qcast %{{.+}} : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01:-10>>
// CHECK-NEXT:    %[[M:.+]] = qc.max_pool2d %[[Q]] {kernel = array<i64: 3, 3>, pad = array<i64: 0, 0, 1, 1>, stride = array<i64: 2, 2>} : tensor<1x4x4x2x!quant.uniform<i8:f32, 1.000000e-01:-10>> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01:-10>>
// CHECK-NEXT:    %[[T:.+]] = qc.transpose %[[M]] {perms = array<i64: 0, 3, 1, 2>} : tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01:-10>> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01:-10>>
// CHECK-NEXT:    %[[R:.+]] = qc.reshape %[[T]] : tensor<1x2x2x2x!quant.uniform<i8:f32, 1.000000e-01:-10>> -> tensor<1x8x!quant.uniform<i8:f32, 1.000000e-01:-10>>
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[R]] : tensor<1x8x!quant.uniform<i8:f32, 1.000000e-01:-10>> to tensor<1x8xf32>
// CHECK-NEXT:    return %[[D]]
func.func @sink(%x: tensor<1x4x4x2xf32>) -> tensor<1x8xf32> {
  %q = quant.qcast %x : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!x>
  %d = quant.dcast %q : tensor<1x4x4x2x!x> to tensor<1x4x4x2xf32>
  %m = tosa.max_pool2d %d {kernel = array<i64: 3, 3>, pad = array<i64: 0, 1, 0, 1>, stride = array<i64: 2, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32>
  %t = tosa.transpose %m {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %s = tosa.const_shape {values = dense<[1, 8]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %t, %s : (tensor<1x2x2x2xf32>, !tosa.shape<2>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// qcast(dcast q) to q's own type is q; a quantize read only by dequantizes
// (nothing integer uses it) is then dropped with them.

!x = !quant.uniform<i8:f32, 0.1:-10>

// CHECK-LABEL: func.func @round_trip
// CHECK-SAME:    (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT:     quant.
// CHECK:         return %[[X]]
func.func @round_trip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!x>
  %d = quant.dcast %q : tensor<4x!x> to tensor<4xf32>
  %q2 = quant.qcast %d : tensor<4xf32> to tensor<4x!x>
  %d2 = quant.dcast %q2 : tensor<4x!x> to tensor<4xf32>
  return %d2 : tensor<4xf32>
}

// -----

// A float op whose result is not quantized stays as it is; so does an op qc
// has no integer form for. Their quantize/dequantize pairs feed only float
// ops, so they are dropped: the ops read and return float values directly.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:0>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: func.func @leftover
// CHECK-SAME:    (%[[X:.+]]: tensor<1x4x4x2xf32>)
// CHECK-NOT:     qc.
// CHECK-NOT:     quant.qcast
// CHECK:         %[[C:.+]] = tosa.conv2d %[[X]],
// CHECK-NEXT:    %[[N:.+]] = tosa.negate %[[X]],
// CHECK-NEXT:    return %[[C]], %[[N]]
func.func @leftover(%x: tensor<1x4x4x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
  %q = quant.qcast %x : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!x>
  %d = quant.dcast %q : tensor<1x4x4x2x!x> to tensor<1x4x4x2xf32>
  %wi = arith.constant dense<1> : tensor<2x1x1x2xi8>
  %ws = quant.scast %wi : tensor<2x1x1x2xi8> to tensor<2x1x1x2x!w>
  %wd = quant.dcast %ws : tensor<2x1x1x2x!w> to tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %d, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %n = tosa.negate %d, %zp, %zp : (tensor<1x4x4x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %nq = quant.qcast %n : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!y>
  %nd = quant.dcast %nq : tensor<1x4x4x2x!y> to tensor<1x4x4x2xf32>
  return %c, %nd : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
}

// -----

// A quantization marked qc.keep_float leaves the op computing it in float.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:-100>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>

// CHECK-LABEL: func.func @keep_float
// CHECK-NOT:     qc.conv2d
// CHECK:         %[[C:.+]] = tosa.conv2d
// CHECK-NOT:     qc.conv2d
// CHECK:         return %[[C]]
func.func @keep_float(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %q = quant.qcast %x : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!x>
  %d = quant.dcast %q : tensor<1x4x4x2x!x> to tensor<1x4x4x2xf32>
  %wi = arith.constant dense<1> : tensor<2x1x1x2xi8>
  %ws = quant.scast %wi : tensor<2x1x1x2xi8> to tensor<2x1x1x2x!w>
  %wd = quant.dcast %ws : tensor<2x1x1x2x!w> to tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %d, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %oq = quant.qcast %c {qc.keep_float} : tensor<1x4x4x2xf32> to tensor<1x4x4x2x!y>
  %od = quant.dcast %oq : tensor<1x4x4x2x!y> to tensor<1x4x4x2xf32>
  return %od : tensor<1x4x4x2xf32>
}

// -----

// A 1×1 stride-2 conv on 5×5 reads rows/columns 0, 2, 4; the importer crops
// the unread end (TOSA wants an exact division by the stride). The integer
// conv rounds the window count down, so it reads the uncropped input: the
// slice is looked through and the conv is integer.

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5}>

// CHECK-LABEL: func.func @cropped_strided
// CHECK:         %[[Q:.+]] = quant.qcast %{{.+}} : tensor<1x6x6x2xf32>
// CHECK:         qc.conv2d %[[Q]], {{.+}}stride = array<i64: 2, 2>{{.+}} -> tensor<1x3x3x1x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK-NOT:     tosa.slice
// CHECK-NOT:     tosa.conv2d
func.func @cropped_strided(%x: tensor<1x6x6x2xf32>) -> tensor<1x3x3x1xf32> {
  %q = quant.qcast %x : tensor<1x6x6x2xf32> to tensor<1x6x6x2x!x>
  %d = quant.dcast %q : tensor<1x6x6x2x!x> to tensor<1x6x6x2xf32>
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 5, 5, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s = tosa.slice %d, %start, %size : (tensor<1x6x6x2xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x5x5x2xf32>
  %wi = arith.constant dense<[[[[1, 2]]]]> : tensor<1x1x1x2xi8>
  %ws = quant.scast %wi : tensor<1x1x1x2xi8> to tensor<1x1x1x2x!w>
  %wd = quant.dcast %ws : tensor<1x1x1x2x!w> to tensor<1x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %s, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x5x5x2xf32>, tensor<1x1x1x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x1xf32>
  %oq = quant.qcast %c : tensor<1x3x3x1xf32> to tensor<1x3x3x1x!y>
  %od = quant.dcast %oq : tensor<1x3x3x1x!y> to tensor<1x3x3x1xf32>
  return %od : tensor<1x3x3x1xf32>
}

// -----

// The same crop as the quantizer leaves it: the slice has its own qcast and
// dcast, with the scale and zero point of its input (a requantization that
// changes no value), so the conv still reads the uncropped input. With
// another scale the requantization is real and the crop stays (@rescaled).

!x = !quant.uniform<i8:f32, 0.1:-10>
!z = !quant.uniform<i8:f32, 0.2:-10>
!y = !quant.uniform<i8:f32, 0.05:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.5}>

// CHECK-LABEL: func.func @cropped_requantized
// CHECK:         %[[Q:.+]] = quant.qcast %{{.+}} : tensor<1x6x6x2xf32>
// CHECK-NOT:     tosa.slice
// CHECK:         qc.conv2d %[[Q]], {{.+}} : tensor<1x6x6x2x!quant.uniform<i8:f32, 1.000000e-01:-10>>, {{.+}} -> tensor<1x3x3x1x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK-NOT:     tosa.slice
// CHECK-NOT:     tosa.conv2d
func.func @cropped_requantized(%x: tensor<1x6x6x2xf32>) -> tensor<1x3x3x1xf32> {
  %q = quant.qcast %x : tensor<1x6x6x2xf32> to tensor<1x6x6x2x!x>
  %d = quant.dcast %q : tensor<1x6x6x2x!x> to tensor<1x6x6x2xf32>
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 5, 5, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s = tosa.slice %d, %start, %size : (tensor<1x6x6x2xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x5x5x2xf32>
  %sq = quant.qcast %s : tensor<1x5x5x2xf32> to tensor<1x5x5x2x!x>
  %sd = quant.dcast %sq : tensor<1x5x5x2x!x> to tensor<1x5x5x2xf32>
  %wi = arith.constant dense<[[[[1, 2]]]]> : tensor<1x1x1x2xi8>
  %ws = quant.scast %wi : tensor<1x1x1x2xi8> to tensor<1x1x1x2x!w>
  %wd = quant.dcast %ws : tensor<1x1x1x2x!w> to tensor<1x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %sd, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x5x5x2xf32>, tensor<1x1x1x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x1xf32>
  %oq = quant.qcast %c : tensor<1x3x3x1xf32> to tensor<1x3x3x1x!y>
  %od = quant.dcast %oq : tensor<1x3x3x1x!y> to tensor<1x3x3x1xf32>
  return %od : tensor<1x3x3x1xf32>
}

// CHECK-LABEL: func.func @rescaled
// CHECK:         tosa.slice
// CHECK:         %[[R:.+]] = quant.qcast %{{.+}} : tensor<1x5x5x2xf32>
// CHECK:         qc.conv2d %[[R]], {{.+}} : tensor<1x5x5x2x!quant.uniform<i8:f32, 2.000000e-01:-10>>
func.func @rescaled(%x: tensor<1x6x6x2xf32>) -> tensor<1x3x3x1xf32> {
  %q = quant.qcast %x : tensor<1x6x6x2xf32> to tensor<1x6x6x2x!x>
  %d = quant.dcast %q : tensor<1x6x6x2x!x> to tensor<1x6x6x2xf32>
  %start = tosa.const_shape {values = dense<0> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 5, 5, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s = tosa.slice %d, %start, %size : (tensor<1x6x6x2xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x5x5x2xf32>
  %sq = quant.qcast %s : tensor<1x5x5x2xf32> to tensor<1x5x5x2x!z>
  %sd = quant.dcast %sq : tensor<1x5x5x2x!z> to tensor<1x5x5x2xf32>
  %wi = arith.constant dense<[[[[1, 2]]]]> : tensor<1x1x1x2xi8>
  %ws = quant.scast %wi : tensor<1x1x1x2xi8> to tensor<1x1x1x2x!w>
  %wd = quant.dcast %ws : tensor<1x1x1x2x!w> to tensor<1x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %sd, %wd, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x5x5x2xf32>, tensor<1x1x1x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x1xf32>
  %oq = quant.qcast %c : tensor<1x3x3x1xf32> to tensor<1x3x3x1x!y>
  %od = quant.dcast %oq : tensor<1x3x3x1x!y> to tensor<1x3x3x1xf32>
  return %od : tensor<1x3x3x1xf32>
}

// -----

// A grouped conv (GroupedConv.h: slices of each group's channels, here also
// cropping the last row and column, which a stride-2 window padded only at
// the top and left never reads, a conv per group, the concat) ⇒ one
// qc.conv2d with groups = 2 on the uncropped input:
// the groups' weights and scales one after the other, the biases quantized
// with them: [1, −2, 0.5] / (0.1·[0.5, 0.25, 0.5]) = [20, −80, 10] and
// [0, 1, −1] / (0.1·[0.25, 0.5, 0.25]) = [0, 20, −40]; clamp [0, 6] ⇒
// [−100, 20]; TOSA pad [1, 0, 1, 0] ⇒ qc [1, 1, 0, 0].

!x = !quant.uniform<i8:f32, 0.1:-10>
!y = !quant.uniform<i8:f32, 0.05:-100>
!w0 = !quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25, 0.5}>
!w1 = !quant.uniform<i8<-127:127>:f32:0, {0.25, 0.5, 0.25}>

// CHECK-LABEL: func.func @grouped
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<[20, -80, 10, 0, 20, -40]> : tensor<6xi32>
// CHECK-DAG:     %[[Q:.+]] = quant.qcast %{{.+}} : tensor<1x7x7x4xf32> to tensor<1x7x7x4x
// CHECK-DAG:     %[[WI:.+]] = arith.constant dense<"0x010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202"> : tensor<6x3x3x2xi8>
// CHECK-DAG:     %[[W:.+]] = quant.scast %[[WI]] : tensor<6x3x3x2xi8> to tensor<6x3x3x2x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,2.500000e-01,5.000000e-01,2.500000e-01,5.000000e-01,2.500000e-01}>>
// CHECK:         %[[C:.+]] = qc.conv2d %[[Q]], %[[W]], %[[B]] {clamp_max = 20 : i64, clamp_min = -100 : i64, dilation = array<i64: 1, 1>, groups = 2 : i64, pad = array<i64: 1, 1, 0, 0>, qc.layer = "relu", stride = array<i64: 2, 2>}
// CHECK-SAME:      -> tensor<1x3x3x6x!quant.uniform<i8:f32, 5.000000e-02:-100>>
// CHECK-NEXT:    %[[D:.+]] = quant.dcast %[[C]]
// CHECK-NEXT:    return %[[D]]
// CHECK-NOT:     tosa.
func.func @grouped(%x: tensor<1x7x7x4xf32>) -> tensor<1x3x3x6xf32> {
  %q = quant.qcast %x : tensor<1x7x7x4xf32> to tensor<1x7x7x4x!x>
  %d = quant.dcast %q : tensor<1x7x7x4x!x> to tensor<1x7x7x4xf32>
  %wi0 = arith.constant dense<1> : tensor<3x3x3x2xi8>
  %ws0 = quant.scast %wi0 : tensor<3x3x3x2xi8> to tensor<3x3x3x2x!w0>
  %wd0 = quant.dcast %ws0 : tensor<3x3x3x2x!w0> to tensor<3x3x3x2xf32>
  %wi1 = arith.constant dense<2> : tensor<3x3x3x2xi8>
  %ws1 = quant.scast %wi1 : tensor<3x3x3x2xi8> to tensor<3x3x3x2x!w1>
  %wd1 = quant.dcast %ws1 : tensor<3x3x3x2x!w1> to tensor<3x3x3x2xf32>
  %b0 = "tosa.const"() <{values = dense<[1.0, -2.0, 0.5]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %b1 = "tosa.const"() <{values = dense<[0.0, 1.0, -1.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s0 = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[0, 0, 0, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sz = tosa.const_shape {values = dense<[1, 6, 6, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %x0 = tosa.slice %d, %s0, %sz : (tensor<1x7x7x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x6x6x2xf32>
  %x1 = tosa.slice %d, %s1, %sz : (tensor<1x7x7x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x6x6x2xf32>
  %c0 = tosa.conv2d %x0, %wd0, %b0, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x3xf32>
  %c1 = tosa.conv2d %x1, %wd1, %b1, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x3xf32>
  %c = tosa.concat %c0, %c1 {axis = 3 : i32} : (tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) -> tensor<1x3x3x6xf32>
  %r = tosa.clamp %c {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x3x3x6xf32>) -> tensor<1x3x3x6xf32>
  %oq = quant.qcast %r {qc.layer = "relu"} : tensor<1x3x3x6xf32> to tensor<1x3x3x6x!y>
  %od = quant.dcast %oq : tensor<1x3x3x6x!y> to tensor<1x3x3x6xf32>
  return %od : tensor<1x3x3x6xf32>
}
