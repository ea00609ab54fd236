// RUN: qc-opt %s -split-input-file --qc-insert-observers | FileCheck %s

// Float arguments are observed first, named by their qc.name (else argN);
// non-float arguments are not observed.

// CHECK-LABEL: func.func @arguments
// CHECK-SAME:    (%[[X:.+]]: tensor<2x3xf32> {qc.name = "input"}, %[[Y:.+]]: tensor<2x3xf32>, %[[I:.+]]: tensor<4xi32>)
// CHECK-NEXT:    %[[OX:.+]] = qc.observe %[[X]] {name = "input"} : tensor<2x3xf32>
// CHECK-NEXT:    %[[OY:.+]] = qc.observe %[[Y]] {name = "arg1"} : tensor<2x3xf32>
// CHECK-NEXT:    %[[S:.+]] = tosa.add %[[OX]], %[[OY]]
// CHECK-NEXT:    %[[OS:.+]] = qc.observe %[[S]] {name = "sum"} : tensor<2x3xf32>
// CHECK-NEXT:    return %[[OS]], %[[I]]
func.func @arguments(%x: tensor<2x3xf32> {qc.name = "input"}, %y: tensor<2x3xf32>, %i: tensor<4xi32>) -> (tensor<2x3xf32>, tensor<4xi32>) {
  %s = tosa.add %x, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32> loc("sum")
  return %s, %i : tensor<2x3xf32>, tensor<4xi32>
}

// -----

// conv → clamp becomes one integer op: one observer, after the clamp, named
// after the observed op's location. Constants are not observed, nor are
// transpose, reshape and max_pool2d, which keep their input's quantization.

// CHECK-LABEL: func.func @conv_clamp
// CHECK:         qc.observe %{{.+}} {name = "x"}
// CHECK-NOT:     qc.observe
// CHECK:         %[[C:.+]] = tosa.conv2d
// CHECK-NEXT:    %[[R:.+]] = tosa.clamp %[[C]]
// CHECK-NEXT:    %[[OR:.+]] = qc.observe %[[R]] {name = "relu1"} : tensor<1x4x4x2xf32>
// CHECK-NEXT:    %[[P:.+]] = tosa.max_pool2d %[[OR]]
// CHECK-NEXT:    %[[T:.+]] = tosa.transpose %[[P]]
// CHECK-NEXT:    %[[SH:.+]] = tosa.const_shape
// CHECK-NEXT:    %[[RS:.+]] = tosa.reshape %[[T]], %[[SH]]
// CHECK-NEXT:    return %[[RS]]
func.func @conv_clamp(%x: tensor<1x4x4x2xf32> {qc.name = "x"}) -> tensor<1x8xf32> {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv1")
  %r = tosa.clamp %c {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("relu1")
  %p = tosa.max_pool2d %r {kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> loc("pool")
  %t = tosa.transpose %p {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> loc("nchw")
  %sh = tosa.const_shape {values = dense<[1, 8]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %rs = tosa.reshape %t, %sh : (tensor<1x2x2x2xf32>, !tosa.shape<2>) -> tensor<1x8xf32> loc("flatten")
  return %rs : tensor<1x8xf32>
}

// -----

// A conv whose result is also used elsewhere is observed before the clamp too.

// CHECK-LABEL: func.func @conv_two_uses
// CHECK:         %[[C:.+]] = tosa.conv2d
// CHECK-NEXT:    %[[OC:.+]] = qc.observe %[[C]] {name = "conv"}
// CHECK-NEXT:    %[[R:.+]] = tosa.clamp %[[OC]]
// CHECK-NEXT:    %[[OR:.+]] = qc.observe %[[R]] {name = "relu"}
// CHECK-NEXT:    return %[[OR]], %[[OC]]
func.func @conv_two_uses(%x: tensor<1x4x4x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32> loc("conv")
  %r = tosa.clamp %c {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> loc("relu")
  return %r, %c : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
}

// -----

// Fully connected: matmul → reshape → add of a constant bias is one integer
// op, observed once at the end of the chain.

// CHECK-LABEL: func.func @fc_bias
// CHECK:         qc.observe %{{.+}} {name = "a"}
// CHECK-NOT:     qc.observe
// CHECK:         %[[M:.+]] = tosa.matmul
// CHECK-NOT:     qc.observe
// CHECK:         %[[R:.+]] = tosa.reshape %[[M]]
// CHECK-NOT:     qc.observe
// CHECK:         %[[A:.+]] = tosa.add %[[R]],
// CHECK-NEXT:    %[[OA:.+]] = qc.observe %[[A]] {name = "fc"} : tensor<2x3xf32>
// CHECK-NEXT:    return %[[OA]]
func.func @fc_bias(%a: tensor<1x2x4xf32> {qc.name = "a"}) -> tensor<2x3xf32> {
  %w = "tosa.const"() <{values = dense<0.5> : tensor<1x4x3xf32>}> : () -> tensor<1x4x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32> loc("fc")
  %sh = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %m, %sh : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32> loc("fc")
  %b = "tosa.const"() <{values = dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32>
  %y = tosa.add %r, %b : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32> loc("fc")
  return %y : tensor<2x3xf32>
}

// -----

// Without a bias the chain ends at the reshape, which is observed (it is the
// end of the fully-connected op, not a reshape of a quantized value).

// CHECK-LABEL: func.func @fc_no_bias
// CHECK:         %[[M:.+]] = tosa.matmul
// CHECK-NOT:     qc.observe
// CHECK:         %[[R:.+]] = tosa.reshape %[[M]]
// CHECK-NEXT:    %[[OR:.+]] = qc.observe %[[R]] {name = "fc"} : tensor<2x3xf32>
// CHECK-NEXT:    return %[[OR]]
func.func @fc_no_bias(%a: tensor<1x2x4xf32> {qc.name = "a"}) -> tensor<2x3xf32> {
  %w = "tosa.const"() <{values = dense<0.5> : tensor<1x4x3xf32>}> : () -> tensor<1x4x3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %a, %w, %zp, %zp : (tensor<1x2x4xf32>, tensor<1x4x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x3xf32> loc("fc")
  %sh = tosa.const_shape {values = dense<[2, 3]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %m, %sh : (tensor<1x2x3xf32>, !tosa.shape<2>) -> tensor<2x3xf32> loc("fc")
  return %r : tensor<2x3xf32>
}

// -----

// Names are made unique: a repeated name gets _1, _2, ...; the argument's
// name counts too; an op without a NameLoc is named after its op name.
// (Each add reads %y, so none is a lookup-table function of one tensor.)

// CHECK-LABEL: func.func @unique_names
// CHECK:         qc.observe %{{.+}} {name = "add"}
// CHECK:         qc.observe %{{.+}} {name = "arg1"}
// CHECK:         qc.observe %{{.+}} {name = "add_1"}
// CHECK:         qc.observe %{{.+}} {name = "add_2"}
// CHECK:         qc.observe %{{.+}} {name = "add_3"}
// CHECK:         qc.observe %{{.+}} {name = "add_1_1"}
func.func @unique_names(%x: tensor<4xf32> {qc.name = "add"}, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.add %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("add")
  %1 = tosa.add %0, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("add")
  %2 = tosa.add %1, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = tosa.add %2, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("add_1")
  return %3 : tensor<4xf32>
}

// -----

// GELU, x·(1 + erf(x·0.7071))·0.5, is an elementwise function of x alone:
// it becomes one lookup table, so only x and its result are observed.

// CHECK-LABEL: func.func @gelu
// CHECK:         %[[OX:.+]] = qc.observe %{{.+}} {name = "x"}
// CHECK-NOT:     qc.observe
// CHECK:         tosa.mul %[[OX]]
// CHECK-NEXT:    tosa.erf
// CHECK-NEXT:    tosa.add
// CHECK-NEXT:    tosa.mul %[[OX]]
// CHECK-NEXT:    %[[G:.+]] = tosa.mul
// CHECK-NEXT:    %[[OG:.+]] = qc.observe %[[G]] {name = "gelu"}
// CHECK-NEXT:    return %[[OG]]
func.func @gelu(%x: tensor<2x3xf32> {qc.name = "x"}) -> tensor<2x3xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %c = "tosa.const"() <{values = dense<0.707106769> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %one = "tosa.const"() <{values = dense<1.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %half = "tosa.const"() <{values = dense<0.5> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %d = tosa.mul %x, %c, %shift : (tensor<2x3xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<2x3xf32>
  %e = tosa.erf %d : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %a = tosa.add %e, %one : (tensor<2x3xf32>, tensor<1x1xf32>) -> tensor<2x3xf32>
  %m = tosa.mul %x, %a, %shift : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<1xi8>) -> tensor<2x3xf32>
  %g = tosa.mul %m, %half, %shift : (tensor<2x3xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<2x3xf32> loc("gelu")
  return %g : tensor<2x3xf32>
}

// -----

// A function of two tensors is no lookup table: sigmoid(x) is observed
// before it meets y.

// CHECK-LABEL: func.func @two_sources
// CHECK:         %[[S:.+]] = tosa.sigmoid
// CHECK-NEXT:    qc.observe %[[S]] {name = "sig"}
// CHECK:         %[[A:.+]] = tosa.add
// CHECK-NEXT:    qc.observe %[[A]] {name = "sum"}
func.func @two_sources(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = tosa.sigmoid %x : (tensor<2x3xf32>) -> tensor<2x3xf32> loc("sig")
  %a = tosa.add %s, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32> loc("sum")
  return %a : tensor<2x3xf32>
}

// -----

// A grouped conv as the importer writes it (a slice of each group's channels,
// a conv per group, the concat of the groups; here the slices also crop the
// last row and column, which a stride-2 window padded only at the top and
// left never reads) is one integer op:
// the slices and the groups' results are not observed, only the clamp after
// the concat.

// CHECK-LABEL: func.func @grouped
// CHECK:         qc.observe %{{.+}} {name = "x"}
// CHECK-NOT:     qc.observe
// CHECK:         %[[C:.+]] = tosa.concat
// CHECK-NEXT:    %[[R:.+]] = tosa.clamp %[[C]]
// CHECK-NEXT:    %[[OR:.+]] = qc.observe %[[R]] {name = "relu"}
// CHECK-NEXT:    return %[[OR]]
func.func @grouped(%x: tensor<1x7x7x4xf32> {qc.name = "x"}) -> tensor<1x3x3x6xf32> {
  %w0 = "tosa.const"() <{values = dense<1.0> : tensor<3x3x3x2xf32>}> : () -> tensor<3x3x3x2xf32>
  %w1 = "tosa.const"() <{values = dense<2.0> : tensor<3x3x3x2xf32>}> : () -> tensor<3x3x3x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s0 = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[0, 0, 0, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sz = tosa.const_shape {values = dense<[1, 6, 6, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %x0 = tosa.slice %x, %s0, %sz : (tensor<1x7x7x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x6x6x2xf32> loc("slice0")
  %x1 = tosa.slice %x, %s1, %sz : (tensor<1x7x7x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x6x6x2xf32> loc("slice1")
  %c0 = tosa.conv2d %x0, %w0, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x3xf32> loc("conv0")
  %c1 = tosa.conv2d %x1, %w1, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x3xf32> loc("conv1")
  %c = tosa.concat %c0, %c1 {axis = 3 : i32} : (tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) -> tensor<1x3x3x6xf32> loc("concat")
  %r = tosa.clamp %c {max_val = 6.0 : f32, min_val = 0.0 : f32} : (tensor<1x3x3x6xf32>) -> tensor<1x3x3x6xf32> loc("relu")
  return %r : tensor<1x3x3x6xf32>
}

// -----

// Not a grouped conv: the slices' channel ranges are not the groups' in
// order (group 1 reads channels 0-1), so everything is observed.

// CHECK-LABEL: func.func @not_grouped
// CHECK-COUNT-6: qc.observe
// CHECK-NOT:     qc.observe
func.func @not_grouped(%x: tensor<1x4x4x4xf32> {qc.name = "x"}) -> tensor<1x4x4x6xf32> {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<3x1x1x2xf32>}> : () -> tensor<3x1x1x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s0 = tosa.const_shape {values = dense<[0, 0, 0, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sz = tosa.const_shape {values = dense<[1, 4, 4, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %x0 = tosa.slice %x, %s0, %sz : (tensor<1x4x4x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x2xf32>
  %x1 = tosa.slice %x, %s1, %sz : (tensor<1x4x4x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x2xf32>
  %c0 = tosa.conv2d %x0, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<3x1x1x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x3xf32>
  %c1 = tosa.conv2d %x1, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<3x1x1x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x3xf32>
  %c = tosa.concat %c0, %c1 {axis = 3 : i32} : (tensor<1x4x4x3xf32>, tensor<1x4x4x3xf32>) -> tensor<1x4x4x6xf32>
  return %c : tensor<1x4x4x6xf32>
}

// -----

// Not a grouped conv either: the slices crop the last row and column, but
// the end padding puts zeros there where the uncropped input has values
// (the last window reads row 4), so everything is observed.

// CHECK-LABEL: func.func @crop_read
// CHECK-COUNT-6: qc.observe
// CHECK-NOT:     qc.observe
func.func @crop_read(%x: tensor<1x5x5x4xf32> {qc.name = "x"}) -> tensor<1x2x2x6xf32> {
  %w = "tosa.const"() <{values = dense<1.0> : tensor<3x3x3x2xf32>}> : () -> tensor<3x3x3x2xf32>
  %b = "tosa.const"() <{values = dense<0.0> : tensor<3xf32>}> : () -> tensor<3xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s0 = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[0, 0, 0, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %sz = tosa.const_shape {values = dense<[1, 4, 4, 2]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %x0 = tosa.slice %x, %s0, %sz : (tensor<1x5x5x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x2xf32>
  %x1 = tosa.slice %x, %s1, %sz : (tensor<1x5x5x4xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x4x4x2xf32>
  %c0 = tosa.conv2d %x0, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 1, 0, 1>, stride = array<i64: 2, 2>} : (tensor<1x4x4x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x3xf32>
  %c1 = tosa.conv2d %x1, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 1, 0, 1>, stride = array<i64: 2, 2>} : (tensor<1x4x4x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x3xf32>
  %c = tosa.concat %c0, %c1 {axis = 3 : i32} : (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x6xf32>
  return %c : tensor<1x2x2x6xf32>
}
