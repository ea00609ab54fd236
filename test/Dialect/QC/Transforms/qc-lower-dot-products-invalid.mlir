// RUN: qc-opt %s -split-input-file --qc-lower-dot-products -verify-diagnostics

// A kernel the module's target cannot run is an error, not a silent fallback
// (qc-compile chooses such kernels again before lowering).

module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @zmm_on_avx2(%acc: vector<16xi32>, %u: vector<64xi8>, %s: vector<64xi8>) -> vector<16xi32> {
    // expected-error @below {{kernel 'dot4.vpdpbusd.zmm' does not run on this target}}
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : vector<16xi32>, vector<64xi8>, vector<64xi8>
    return %r : vector<16xi32>
  }
}

// -----

module attributes {qc.target = #qc.target<name = "x86_64-avxvnni", triple = "x86_64-unknown-linux-gnu", cpu = "alderlake", features = "+avx2,+fma,+avxvnni">} {
  func.func @zmm_on_avxvnni(%acc: vector<16xi32>, %u: vector<64xi8>, %s: vector<64xi8>) -> vector<16xi32> {
    // expected-error @below {{kernel 'dot4.vpdpbusd.zmm' does not run on this target}}
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 4>} : vector<16xi32>, vector<64xi8>, vector<64xi8>
    return %r : vector<16xi32>
  }
}

// -----

module attributes {qc.target = #qc.target<name = "aarch64", triple = "aarch64-unknown-linux-gnu", cpu = "generic", features = "+dotprod">} {
  func.func @vnni_on_aarch64(%acc: vector<8xi32>, %u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
    // expected-error @below {{kernel 'dot4.vpdpbusd.ymm' does not run on this target}}
    %r = qc.dot4 %acc, %u, %s {kernel = #qc.kernel<name = "dot4.vpdpbusd.ymm", lanes = 8, block = 4>} : vector<8xi32>, vector<32xi8>, vector<32xi8>
    return %r : vector<8xi32>
  }
}

// -----

// AMX tile instructions on a target without AMX.
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @amx_on_vnni() {
    // expected-error @below {{kernel 'tile.tdpbusd' does not run on this target}}
    qc.tile "dot" [0, 4, 6] {kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16, channel_blocks = 2>}
    return
  }
}

// -----

// usmmla needs i8mm.
module attributes {qc.target = #qc.target<name = "aarch64-dotprod", triple = "aarch64-unknown-linux-gnu", cpu = "neoverse-n1", features = "+neon,+dotprod">} {
  func.func @mmla_on_dotprod(%acc: vector<4xi32>, %u: vector<16xi8>, %s: vector<16xi8>) -> vector<4xi32> {
    // expected-error @below {{kernel 'mmla.usmmla' does not run on this target}}
    %r = qc.mmla %acc, %u, %s {kernel = #qc.kernel<name = "mmla.usmmla", lanes = 4, block = 4, channel_blocks = 2>} : vector<4xi32>, vector<16xi8>, vector<16xi8>
    return %r : vector<4xi32>
  }
}
