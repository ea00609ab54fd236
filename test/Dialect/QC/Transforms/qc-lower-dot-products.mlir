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

// -----

// qc.scale_shift on RVV: vwmul (the i64 product of two i32 vectors) and
// vnclip with vxrm = 0 (round to nearest, ties up: adds 2^(s-1) before the
// shift) saturating to i32. The fixed vectors travel in the scalable
// register group of their size at VLEN 128: 8 x i32 -> i64 is LMUL 4; 16
// lanes (an LMUL-8 product) go as two halves.

// CHECK-LABEL: func.func @scale_shift_rvv
// CHECK-SAME:    (%[[ACC:.+]]: vector<8xi32>, %[[M:.+]]: vector<8xi32>, %[[S:.+]]: vector<8xi32>)
// CHECK-DAG:     %[[AS:.+]] = vector.scalable.insert %[[ACC]], %{{.+}}[0] : vector<8xi32> into vector<[4]xi32>
// CHECK-DAG:     %[[MS:.+]] = vector.scalable.insert %[[M]], %{{.+}}[0] : vector<8xi32> into vector<[4]xi32>
// CHECK-DAG:     %[[SS:.+]] = vector.scalable.insert %[[S]], %{{.+}}[0] : vector<8xi32> into vector<[4]xi32>
// CHECK-DAG:     %[[VL:.+]] = arith.constant 8 : i64
// CHECK:         %[[P:.+]] = llvm.call_intrinsic "llvm.riscv.vwmul.nxv4i64.nxv4i32.nxv4i32.i64"(%{{.+}}, %[[AS]], %[[MS]], %[[VL]])
// CHECK-DAG:     %[[RNU:.+]] = arith.constant 0 : i64
// CHECK:         %[[C:.+]] = llvm.call_intrinsic "llvm.riscv.vnclip.nxv4i32.nxv4i64.nxv4i32.i64"(%{{.+}}, %[[P]], %[[SS]], %[[RNU]], %[[VL]])
// CHECK:         %[[R:.+]] = vector.scalable.extract %[[C]][0] : vector<8xi32> from vector<[4]xi32>
// CHECK:         return %[[R]]

// CHECK-LABEL: func.func @scale_shift_rvv_halves
// CHECK:         vector.extract_strided_slice %{{.+}} {offsets = [0], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// CHECK:         llvm.call_intrinsic "llvm.riscv.vnclip.nxv4i32.nxv4i64.nxv4i32.i64"
// CHECK:         vector.insert_strided_slice %{{.+}} {offsets = [0], strides = [1]} : vector<8xi32> into vector<16xi32>
// CHECK:         vector.extract_strided_slice %{{.+}} {offsets = [8], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// CHECK:         llvm.call_intrinsic "llvm.riscv.vnclip.nxv4i32.nxv4i64.nxv4i32.i64"
// CHECK:         vector.insert_strided_slice %{{.+}} {offsets = [8], strides = [1]} : vector<8xi32> into vector<16xi32>
// Scalable vectors (the vector-length-agnostic kernel's halves of a
// register group) go to the intrinsics as they are, vl = VLMAX (-1).
// CHECK-LABEL: func.func @scale_shift_rvv_scalable
// CHECK-SAME:    (%[[ACC:.+]]: vector<[4]xi32>, %[[M:.+]]: vector<[4]xi32>, %[[S:.+]]: vector<[4]xi32>)
// CHECK-NOT:     vector.scalable
// CHECK-DAG:     %[[VL:.+]] = arith.constant -1 : i64
// CHECK:         %[[P:.+]] = llvm.call_intrinsic "llvm.riscv.vwmul.nxv4i64.nxv4i32.nxv4i32.i64"(%{{.+}}, %[[ACC]], %[[M]], %[[VL]])
// CHECK:         %[[C:.+]] = llvm.call_intrinsic "llvm.riscv.vnclip.nxv4i32.nxv4i64.nxv4i32.i64"(%{{.+}}, %[[P]], %[[S]], %{{.+}}, %[[VL]])
// CHECK-NEXT:    return %[[C]]
module attributes {qc.target = #qc.target<name = "riscv64-rvv", triple = "riscv64-unknown-linux-gnu", cpu = "generic-rv64", features = "+m,+a,+f,+d,+c,+v">} {
  func.func @scale_shift_rvv(%acc: vector<8xi32>, %m: vector<8xi32>, %s: vector<8xi32>) -> vector<8xi32> {
    %r = qc.scale_shift %acc, %m, %s : vector<8xi32>
    return %r : vector<8xi32>
  }
  func.func @scale_shift_rvv_halves(%acc: vector<16xi32>, %m: vector<16xi32>, %s: vector<16xi32>) -> vector<16xi32> {
    %r = qc.scale_shift %acc, %m, %s : vector<16xi32>
    return %r : vector<16xi32>
  }
  func.func @scale_shift_rvv_scalable(%acc: vector<[4]xi32>, %m: vector<[4]xi32>, %s: vector<[4]xi32>) -> vector<[4]xi32> {
    %r = qc.scale_shift %acc, %m, %s : vector<[4]xi32>
    return %r : vector<[4]xi32>
  }
}

// -----

// Elsewhere (here x86) the portable form: i64 product, + (1 << (s - 1)),
// arithmetic shift, saturate to the i32 range, truncate.

// CHECK-LABEL: func.func @scale_shift_portable
// CHECK-NOT:     llvm.call_intrinsic
// CHECK:         arith.muli %{{.+}} : vector<8xi64>
// CHECK:         %[[RD:.+]] = arith.shli
// CHECK:         %[[T:.+]] = arith.addi %{{.+}}, %[[RD]] : vector<8xi64>
// CHECK:         arith.shrsi %[[T]]
// CHECK:         arith.maxsi
// CHECK:         arith.minsi
// CHECK:         arith.trunci %{{.+}} : vector<8xi64> to vector<8xi32>
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @scale_shift_portable(%acc: vector<8xi32>, %m: vector<8xi32>, %s: vector<8xi32>) -> vector<8xi32> {
    %r = qc.scale_shift %acc, %m, %s : vector<8xi32>
    return %r : vector<8xi32>
  }
}

// -----

// qc.scale_shift on AArch64: the i64 product (smull), srshl by the negated
// shift on each pair of lanes, then the saturating narrow (sqxtn).

// CHECK-LABEL: func.func @scale_shift_aarch64
// CHECK:         arith.muli %{{.+}} : vector<4xi64>
// CHECK:         %[[NEG:.+]] = arith.subi %{{.+}} : vector<4xi32>
// CHECK:         %[[N64:.+]] = arith.extsi %[[NEG]] : vector<4xi32> to vector<4xi64>
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.aarch64.neon.srshl.v2i64"
// CHECK:         arith.maxsi
// CHECK:         arith.minsi
// CHECK:         arith.trunci %{{.+}} : vector<4xi64> to vector<4xi32>
module attributes {qc.target = #qc.target<name = "aarch64-dotprod", triple = "aarch64-unknown-linux-gnu", cpu = "neoverse-n1", features = "+neon,+dotprod">} {
  func.func @scale_shift_aarch64(%acc: vector<4xi32>, %m: vector<4xi32>, %s: vector<4xi32>) -> vector<4xi32> {
    %r = qc.scale_shift %acc, %m, %s : vector<4xi32>
    return %r : vector<4xi32>
  }
}

// -----

// AVX2 without VNNI, unsigned activations: each i32 lane's 4 bytes as i16
// pairs, the activations' even bytes (& 0xff) and odd ones (>> 8, logical),
// the weights' even bytes ((<< 8) >> 8) and odd ones (>> 8) sign-extended;
// two vpmaddwd (exact: |u·s| <= 255·128 per product) add into the
// accumulator.

// CHECK-LABEL: func.func @avx2_maddwd
// CHECK-SAME:    (%[[ACC:.+]]: vector<8xi32>, %[[U:.+]]: vector<32xi8>, %[[S:.+]]: vector<32xi8>)
// CHECK-DAG:     %[[UH:.+]] = vector.bitcast %[[U]] : vector<32xi8> to vector<16xi16>
// CHECK-DAG:     %[[SH:.+]] = vector.bitcast %[[S]] : vector<32xi8> to vector<16xi16>
// CHECK-DAG:     %[[K8:.+]] = arith.constant dense<8> : vector<16xi16>
// CHECK-DAG:     %[[FF:.+]] = arith.constant dense<255> : vector<16xi16>
// CHECK:         %[[UE:.+]] = arith.andi %[[UH]], %[[FF]]
// CHECK:         %[[UO:.+]] = arith.shrui %[[UH]], %[[K8]]
// CHECK:         %[[SL:.+]] = arith.shli %[[SH]], %[[K8]]
// CHECK:         %[[SE:.+]] = arith.shrsi %[[SL]], %[[K8]]
// CHECK:         %[[SO:.+]] = arith.shrsi %[[SH]], %[[K8]]
// CHECK:         %[[PE:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[UE]], %[[SE]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK:         %[[A1:.+]] = arith.addi %[[ACC]], %[[PE]]
// CHECK:         %[[PO:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[UO]], %[[SO]])
// CHECK:         %[[R:.+]] = arith.addi %[[A1]], %[[PO]]
// CHECK:         return %[[R]]

// With signed activations and weights in [-127, 127]: vpmaddubsw of |x|
// (an unsigned byte, 128 for -128) by the weights carrying x's sign
// (psign.b(w, x)): pair sums within 2·128·127, no saturation; vpmaddwd by
// ones adds the pairs.

// CHECK-LABEL: func.func @avx2_maddubsw
// CHECK-SAME:    (%[[ACC:.+]]: vector<8xi32>, %[[X:.+]]: vector<32xi8>, %[[W:.+]]: vector<32xi8>)
// CHECK:         %[[MAG:.+]] = "llvm.intr.abs"(%[[X]]) <{is_int_min_poison = false}>
// CHECK:         %[[SW:.+]] = llvm.call_intrinsic "llvm.x86.avx2.psign.b"(%[[W]], %[[X]])
// CHECK:         %[[P:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[MAG]], %[[SW]]) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK:         %[[ONES:.+]] = arith.constant dense<1> : vector<16xi16>
// CHECK:         %[[Q:.+]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[P]], %[[ONES]])
// CHECK:         %[[R:.+]] = arith.addi %[[ACC]], %[[Q]]
// CHECK:         return %[[R]]
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @avx2_maddwd(%acc: vector<8xi32>, %u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpmaddwd.ymm", lanes = 8, block = 4, channel_blocks = 2>} : vector<8xi32>, vector<32xi8>, vector<32xi8>
    return %r : vector<8xi32>
  }
  func.func @avx2_maddubsw(%acc: vector<8xi32>, %x: vector<32xi8>, %w: vector<32xi8>) -> vector<8xi32> {
    %r = qc.dot4 %acc, %x, %w {kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 5, channel_blocks = 2, signed_input = true>} : vector<8xi32>, vector<32xi8>, vector<32xi8>
    return %r : vector<8xi32>
  }
}
