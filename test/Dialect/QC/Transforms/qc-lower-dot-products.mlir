// RUN: qc-opt %s -split-input-file --qc-lower-dot-products | FileCheck %s

// qc.dot4 with the VNNI kernel on an x86 target ⇒ one vpdpbusd on zmm
// (u8 × s8 → i32, accumulated without saturation).

// CHECK-LABEL: func.func @vnni
// CHECK-SAME:    (%[[ACC:.+]]: vector<16xi32>, %[[U:.+]]: vector<64xi8>, %[[S:.+]]: vector<64xi8>)
// CHECK-NEXT:    %[[R:.+]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[U]], %[[S]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK-NEXT:    return %[[R]]
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @vnni(%acc: vector<16xi32>, %u: vector<64xi8>, %s: vector<64xi8>) -> vector<16xi32> {
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : vector<16xi32>, vector<64xi8>, vector<64xi8>
    return %r : vector<16xi32>
  }
}

// -----

// The generic kernel: widen the first operand unsigned and the second signed,
// multiply, group by 4 and add into the accumulator. The kernel recorded on
// the op decides, also on a VNNI target.

// CHECK-LABEL: func.func @generic
// CHECK-SAME:    (%[[ACC:.+]]: vector<16xi32>, %[[U:.+]]: vector<64xi8>, %[[S:.+]]: vector<64xi8>)
// CHECK-NOT:     llvm.call_intrinsic
// CHECK:         %[[UW:.+]] = arith.extui %[[U]] : vector<64xi8> to vector<64xi32>
// CHECK:         %[[SW:.+]] = arith.extsi %[[S]] : vector<64xi8> to vector<64xi32>
// CHECK:         %[[P:.+]] = arith.muli %[[UW]], %[[SW]] : vector<64xi32>
// CHECK:         %[[G:.+]] = vector.shape_cast %[[P]] : vector<64xi32> to vector<16x4xi32>
// CHECK:         %[[R:.+]] = vector.multi_reduction <add>, %[[G]], %[[ACC]] [1] : vector<16x4xi32> to vector<16xi32>
// CHECK:         return %[[R]]
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @generic(%acc: vector<16xi32>, %u: vector<64xi8>, %s: vector<64xi8>) -> vector<16xi32> {
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 4>} : vector<16xi32>, vector<64xi8>, vector<64xi8>
    return %r : vector<16xi32>
  }
}

// -----

// A target that is not x86 only has the generic kernel, whatever the op says.

// CHECK-LABEL: func.func @not_x86
// CHECK-NOT:     llvm.call_intrinsic
// CHECK:         vector.multi_reduction <add>, %{{.+}}, %{{.+}} [1] : vector<8x4xi32> to vector<8xi32>
// CHECK-NOT:     qc.dot4
module attributes {qc.target = #qc.target<name = "aarch64", triple = "aarch64-unknown-linux-gnu", cpu = "generic", features = "+dotprod">} {
  func.func @not_x86(%acc: vector<8xi32>, %u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 8, block = 4>} : vector<8xi32>, vector<32xi8>, vector<32xi8>
    return %r : vector<8xi32>
  }
}
