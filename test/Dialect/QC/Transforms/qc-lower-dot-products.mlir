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

// The ymm kernel: vpdpbusd on 256-bit vectors, the same intrinsic on an
// AVX-VNNI target (VEX-encoded by LLVM) and on an AVX-512 VNNI one (EVEX).

// CHECK-LABEL: func.func @avxvnni
// CHECK-NEXT:    llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%{{.+}}) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
module attributes {qc.target = #qc.target<name = "x86_64-avxvnni", triple = "x86_64-unknown-linux-gnu", cpu = "alderlake", features = "+avx2,+fma,+avxvnni">} {
  func.func @avxvnni(%acc: vector<8xi32>, %u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.ymm", lanes = 8, block = 12>} : vector<8xi32>, vector<32xi8>, vector<32xi8>
    return %r : vector<8xi32>
  }
}

// -----

// CHECK-LABEL: func.func @ymm_on_avx512
// CHECK-NEXT:    llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @ymm_on_avx512(%acc: vector<8xi32>, %u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.ymm", lanes = 8, block = 6, channel_blocks = 2>} : vector<8xi32>, vector<32xi8>, vector<32xi8>
    return %r : vector<8xi32>
  }
}
