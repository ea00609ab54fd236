// RUN: qc-opt %s -split-input-file --qc-select-kernels | FileCheck %s

// AVX-512 VNNI (with AVX-512 BW): conv and fully-connected get the vpdpbusd
// kernel on zmm registers; other ops get no kernel. The register tile (block
// pixels × channel_blocks vectors of 16 channels, at most 24 accumulators
// and 4 channel vectors) is fitted to each op's shape: one output pixel
// gives block = 1, three rows block = 3.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni"
// CHECK-LABEL: func.func @vnni
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 1>
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 3>
// CHECK:         qc.add
// CHECK-NOT:     kernel
// CHECK-SAME:      -> tensor<3x4x!quant.uniform
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @vnni(%x: tensor<1x3x3x2x!x>, %w: tensor<4x3x3x2x!w>, %a: tensor<3x16x!x>, %fw: tensor<4x16x!w>) -> (tensor<1x1x1x4x!y>, tensor<3x4x!y>) {
    %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x2x!x>, tensor<4x3x3x2x!w> -> tensor<1x1x1x4x!y>
    %1 = qc.fully_connected %a, %fw : tensor<3x16x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
    %2 = qc.add %1, %1 : tensor<3x4x!y>, tensor<3x4x!y> -> tensor<3x4x!y>
    return %0, %2 : tensor<1x1x1x4x!y>, tensor<3x4x!y>
  }
}

// -----

// Larger shapes fill the tile: 40 channels are 3 vectors, so 3 × 8; 100
// channels are 7 vectors, of which a tile takes 4, so 4 × 6.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>

// CHECK-LABEL: func.func @tiles
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 8, channel_blocks = 3>
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 6, channel_blocks = 4>
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @tiles(%x: tensor<1x10x10x8x!x>, %w: tensor<40x1x1x8x!w>, %a: tensor<50x64x!x>, %fw: tensor<100x64x!w>) -> (tensor<1x10x10x40x!y>, tensor<50x100x!y>) {
    %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x10x10x8x!x>, tensor<40x1x1x8x!w> -> tensor<1x10x10x40x!y>
    %1 = qc.fully_connected %a, %fw : tensor<50x64x!x>, tensor<100x64x!w> -> tensor<50x100x!y>
    return %0, %1 : tensor<1x10x10x40x!y>, tensor<50x100x!y>
  }
}

// -----

// The portable kernel for a target without VNNI ...

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "generic"
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 1>
module attributes {qc.target = #qc.target<name = "generic", triple = "x86_64-unknown-linux-gnu", cpu = "x86-64", features = "">} {
  func.func @generic(%x: tensor<1x3x3x2x!x>, %w: tensor<4x3x3x2x!w>) -> tensor<1x1x1x4x!y> {
    %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x2x!x>, tensor<4x3x3x2x!w> -> tensor<1x1x1x4x!y>
    return %0 : tensor<1x1x1x4x!y>
  }
}

// -----

// ... for AVX2 ...

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "x86_64-avx2"
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddwd.ymm", lanes = 8, block = 3>
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @avx2(%a: tensor<3x16x!x>, %fw: tensor<4x16x!w>) -> tensor<3x4x!y> {
    %0 = qc.fully_connected %a, %fw : tensor<3x16x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
    return %0 : tensor<3x4x!y>
  }
}

// -----

// ... for a host whose feature list disables VNNI (AVX2's kernel) ...

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "host"
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddwd.ymm", lanes = 8, block = 3>
module attributes {qc.target = #qc.target<name = "host", triple = "x86_64-pc-linux-gnu", cpu = "skylake", features = "+avx2,+avx512f,+avx512bw,-avx512vnni,+fma">} {
  func.func @host_no_vnni(%a: tensor<3x16x!x>, %fw: tensor<4x16x!w>) -> tensor<3x4x!y> {
    %0 = qc.fully_connected %a, %fw : tensor<3x16x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
    return %0 : tensor<3x4x!y>
  }
}

// -----

// ... and the portable kernel for an x86 host without AVX2.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: module attributes {qc.target = #qc.target<name = "host"
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 3>
module attributes {qc.target = #qc.target<name = "host", triple = "x86_64-pc-linux-gnu", cpu = "x86-64-v2", features = "+sse4.2,-avx2">} {
  func.func @host_no_avx2(%a: tensor<3x16x!x>, %fw: tensor<4x16x!w>) -> tensor<3x4x!y> {
    %0 = qc.fully_connected %a, %fw : tensor<3x16x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
    return %0 : tensor<3x4x!y>
  }
}

// -----

// ... and for a module without a target.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: func.func @no_target
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.generic", lanes = 16, block = 3>
func.func @no_target(%a: tensor<3x16x!x>, %fw: tensor<4x16x!w>) -> tensor<3x4x!y> {
  %0 = qc.fully_connected %a, %fw : tensor<3x16x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
  return %0 : tensor<3x4x!y>
}

// -----

// A kernel already chosen is kept.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>

// CHECK-LABEL: func.func @keep
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.generic", lanes = 8, block = 1>
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @keep(%a: tensor<3x16x!x>, %fw: tensor<4x16x!w>) -> tensor<3x4x!y> {
    %0 = qc.fully_connected %a, %fw {kernel = #qc.kernel<name = "dot4.generic", lanes = 8, block = 1>} : tensor<3x16x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
    return %0 : tensor<3x4x!y>
  }
}

// -----

// AVX-VNNI without AVX-512: vpdpbusd on ymm (8 channels per vector), at most
// 12 accumulators in 2 channel vectors: 40 channels are 5 vectors, 2 × 6.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>

// CHECK-LABEL: func.func @avxvnni
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.ymm", lanes = 8, block = 6, channel_blocks = 2>
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.ymm", lanes = 8, block = 3>
module attributes {qc.target = #qc.target<name = "x86_64-avxvnni", triple = "x86_64-unknown-linux-gnu", cpu = "alderlake", features = "+avx2,+fma,+avxvnni">} {
  func.func @avxvnni(%x: tensor<1x10x10x8x!x>, %w: tensor<40x1x1x8x!w>, %a: tensor<3x16x!x>, %fw: tensor<4x16x!w>) -> (tensor<1x10x10x40x!y>, tensor<3x4x!y>) {
    %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x10x10x8x!x>, tensor<40x1x1x8x!w> -> tensor<1x10x10x40x!y>
    %1 = qc.fully_connected %a, %fw : tensor<3x16x!x>, tensor<4x16x!w> -> tensor<3x4x!y>
    return %0, %1 : tensor<1x10x10x40x!y>, tensor<3x4x!y>
  }
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>

// AMX: convolutions with >= 32 input channels take tdpbusd tiles of M pixels:
// 16 with stride 1 (tiles over the grid of window origins, or over all 200
// pixels of the unpadded 1x1 conv), else the largest divisor of an output row
// up to 16 (stride 2, rows of 14 -> 14); two channel blocks when there are
// more than 16 channels. Few input channels (the 8-channel
// stem: kernel rows of 3 x 8 = 24 bytes, below the 28 that pay for tiles; a
// 1x1 conv of 32 channels, a reduction shorter than a tile row), depthwise
// convs and fully-connected layers keep zmm vpdpbusd.
// CHECK-LABEL: func.func @amx
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16, channel_blocks = 2>
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16>
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 14, channel_blocks = 2>
module attributes {qc.target = #qc.target<name = "x86_64-amx", triple = "x86_64-unknown-linux-gnu", cpu = "sapphirerapids", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni,+amx-tile,+amx-int8">} {
  func.func @amx(%x: tensor<1x28x28x64x!x>, %w: tensor<48x3x3x64x!w>, %x2: tensor<2x10x10x64x!x>, %w2: tensor<16x1x1x64x!w>, %s: tensor<1x28x28x8x!x>, %ws: tensor<32x3x3x8x!w>, %dw: tensor<64x3x3x1x!w>, %a: tensor<3x64x!x>, %fw: tensor<4x64x!w>, %x3: tensor<1x10x10x32x!x>, %w3: tensor<16x1x1x32x!w>) -> (tensor<1x28x28x48x!y>, tensor<2x10x10x16x!y>, tensor<1x28x28x32x!y>, tensor<1x28x28x64x!y>, tensor<3x4x!y>, tensor<1x10x10x16x!y>, tensor<1x14x14x48x!y>) {
    %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : tensor<1x28x28x64x!x>, tensor<48x3x3x64x!w> -> tensor<1x28x28x48x!y>
    %1 = qc.conv2d %x2, %w2 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<2x10x10x64x!x>, tensor<16x1x1x64x!w> -> tensor<2x10x10x16x!y>
    %2 = qc.conv2d %s, %ws {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : tensor<1x28x28x8x!x>, tensor<32x3x3x8x!w> -> tensor<1x28x28x32x!y>
    %3 = qc.conv2d %x, %dw {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 64} : tensor<1x28x28x64x!x>, tensor<64x3x3x1x!w> -> tensor<1x28x28x64x!y>
    %4 = qc.fully_connected %a, %fw : tensor<3x64x!x>, tensor<4x64x!w> -> tensor<3x4x!y>
    %5 = qc.conv2d %x3, %w3 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x10x10x32x!x>, tensor<16x1x1x32x!w> -> tensor<1x10x10x16x!y>
    %6 = qc.conv2d %x, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : tensor<1x28x28x64x!x>, tensor<48x3x3x64x!w> -> tensor<1x14x14x48x!y>
    return %0, %1, %2, %3, %4, %5, %6 : tensor<1x28x28x48x!y>, tensor<2x10x10x16x!y>, tensor<1x28x28x32x!y>, tensor<1x28x28x64x!y>, tensor<3x4x!y>, tensor<1x10x10x16x!y>, tensor<1x14x14x48x!y>
  }
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>

// AMX with few input channels: kernel rows as reduction steps need the row's
// bytes together (no column dilation; 28 to 64 of them) and a reduction of
// 64 or more. A 7x7 RGB stem (7 x 4 = 28 bytes a row, 147 in all) takes tiles;
// the same with dilated columns, a 3x3 RGB conv (27) and a 9-wide kernel of
// 8 channels (72 bytes a row) keep zmm vpdpbusd.
// CHECK-LABEL: func.func @amx_rows
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "tile.tdpbusd", lanes = 16, block = 16, channel_blocks = 2>
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm"
module attributes {qc.target = #qc.target<name = "x86_64-amx", triple = "x86_64-unknown-linux-gnu", cpu = "sapphirerapids", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni,+amx-tile,+amx-int8">} {
  func.func @amx_rows(%x: tensor<1x64x64x3x!x>, %w: tensor<64x7x7x3x!w>, %w3: tensor<32x3x3x3x!w>, %x8: tensor<1x32x32x8x!x>, %w9: tensor<32x1x9x8x!w>) -> (tensor<1x32x32x64x!y>, tensor<1x29x26x64x!y>, tensor<1x64x64x32x!y>, tensor<1x32x32x32x!y>) {
    %0 = qc.conv2d %x, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 3, 3, 3, 3>} : tensor<1x64x64x3x!x>, tensor<64x7x7x3x!w> -> tensor<1x32x32x64x!y>
    %1 = qc.conv2d %x, %w {stride = array<i64: 2, 2>, dilation = array<i64: 1, 2>, pad = array<i64: 0, 0, 0, 0>} : tensor<1x64x64x3x!x>, tensor<64x7x7x3x!w> -> tensor<1x29x26x64x!y>
    %2 = qc.conv2d %x, %w3 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : tensor<1x64x64x3x!x>, tensor<32x3x3x3x!w> -> tensor<1x64x64x32x!y>
    %3 = qc.conv2d %x8, %w9 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 0, 4, 0, 4>} : tensor<1x32x32x8x!x>, tensor<32x1x9x8x!w> -> tensor<1x32x32x32x!y>
    return %0, %1, %2, %3 : tensor<1x32x32x64x!y>, tensor<1x29x26x64x!y>, tensor<1x64x64x32x!y>, tensor<1x32x32x32x!y>
  }
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>

// AArch64 i8mm: convolutions with >= 16 input channels take usmmla (2 pixels
// x 2 channels x 8 bytes): 2 pixel pairs x 4 vectors of 4 channels; fewer
// input channels keep usdot (4 channels x 4 bytes).
// CHECK-LABEL: func.func @i8mm
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "mmla.usmmla", lanes = 4, block = 2, channel_blocks = 4>
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.usdot", lanes = 4
module attributes {qc.target = #qc.target<name = "aarch64-i8mm", triple = "aarch64-unknown-linux-gnu", cpu = "generic", features = "+neon,+dotprod,+i8mm">} {
  func.func @i8mm(%x: tensor<1x8x8x64x!x>, %w: tensor<32x3x3x64x!w>, %s: tensor<1x8x8x8x!x>, %ws: tensor<32x3x3x8x!w>) -> (tensor<1x8x8x32x!y>, tensor<1x8x8x32x!y>) {
    %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x64x!x>, tensor<32x3x3x64x!w> -> tensor<1x8x8x32x!y>
    %1 = qc.conv2d %s, %ws {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : tensor<1x8x8x8x!x>, tensor<32x3x3x8x!w> -> tensor<1x8x8x32x!y>
    return %0, %1 : tensor<1x8x8x32x!y>, tensor<1x8x8x32x!y>
  }
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>

// Grouped convs (TargetInfo::selectGroupedKernel): a tile's channel vectors
// lie in one group. 8 groups of 16 outputs: one zmm vector, the 24
// accumulators of the dense tile (4 x 6) all pixels; 4 groups of 32: two
// vectors x 12 pixels.
// CHECK-LABEL: func.func @grouped
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 24>
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 12, channel_blocks = 2>
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @grouped(%x: tensor<1x14x14x128x!x>, %w8: tensor<128x3x3x16x!w>, %w4: tensor<128x3x3x32x!w>) -> (tensor<1x14x14x128x!y>, tensor<1x14x14x128x!y>) {
    %0 = qc.conv2d %x, %w8 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 8} : tensor<1x14x14x128x!x>, tensor<128x3x3x16x!w> -> tensor<1x14x14x128x!y>
    %1 = qc.conv2d %x, %w4 {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 4} : tensor<1x14x14x128x!x>, tensor<128x3x3x32x!w> -> tensor<1x14x14x128x!y>
    return %0, %1 : tensor<1x14x14x128x!y>, tensor<1x14x14x128x!y>
  }
}

// -----

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32, 0.01>

// AArch64 sdot (4 lanes) holds each pixel's 16 activation bytes in a
// register too: groups of 4 outputs, one vector, 15 pixels (15 + 15 + 1
// weight vector <= 32 registers) instead of the dense tile's 20.
// CHECK-LABEL: func.func @grouped_sdot
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.sdot", lanes = 4, block = 15, signed_input = true>
module attributes {qc.target = #qc.target<name = "aarch64-dotprod", triple = "aarch64-unknown-linux-gnu", cpu = "neoverse-n1", features = "+neon,+dotprod">} {
  func.func @grouped_sdot(%x: tensor<1x14x14x64x!x>, %w: tensor<64x3x3x4x!w>) -> tensor<1x14x14x64x!y> {
    %0 = qc.conv2d %x, %w {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 16} : tensor<1x14x14x64x!x>, tensor<64x3x3x4x!w> -> tensor<1x14x14x64x!y>
    return %0 : tensor<1x14x14x64x!y>
  }
}

// -----

// AVX2 with constant weights in [-127, 127] (qc's own quantization): the
// vpmaddubsw kernel on signed activations, its tile up to 10 accumulators
// in up to 4 channel vectors (here 2 vectors: 2 x 5 pixels, and 1 x 10).
// Weights holding -128 keep the vpmaddwd one. A depthwise conv keeps its
// grouped tile and takes the kernel's name.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w = !quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>
!w16 = !quant.uniform<i8:f32, 0.01>
!wd = !quant.uniform<i8<-127:127>:f32, 0.01>

// CHECK-LABEL: func.func @avx2_narrow
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 5, channel_blocks = 2, signed_input = true>
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 10, signed_input = true>
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddwd.ymm", lanes = 8, block = 4, channel_blocks = 2>
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, {{.*}}signed_input = true>
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @avx2_narrow(%a: tensor<40x16x!x>, %i: tensor<1x6x6x8x!x>) -> (tensor<40x16x!y>, tensor<40x8x!y>, tensor<40x16x!y>, tensor<1x6x6x8x!y>) {
    %c = arith.constant dense<-127> : tensor<16x16xi8>
    %w = quant.scast %c : tensor<16x16xi8> to tensor<16x16x!w16>
    %0 = qc.fully_connected %a, %w : tensor<40x16x!x>, tensor<16x16x!w16> -> tensor<40x16x!y>
    %c8 = arith.constant dense<127> : tensor<8x16xi8>
    %w8 = quant.scast %c8 : tensor<8x16xi8> to tensor<8x16x!w16>
    %1 = qc.fully_connected %a, %w8 : tensor<40x16x!x>, tensor<8x16x!w16> -> tensor<40x8x!y>
    %cf = arith.constant dense<-128> : tensor<16x16xi8>
    %wf = quant.scast %cf : tensor<16x16xi8> to tensor<16x16x!w16>
    %2 = qc.fully_connected %a, %wf : tensor<40x16x!x>, tensor<16x16x!w16> -> tensor<40x16x!y>
    %cd = arith.constant dense<3> : tensor<8x3x3x1xi8>
    %wd = quant.scast %cd : tensor<8x3x3x1xi8> to tensor<8x3x3x1x!wd>
    %3 = qc.conv2d %i, %wd {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 8} : tensor<1x6x6x8x!x>, tensor<8x3x3x1x!wd> -> tensor<1x6x6x8x!y>
    return %0, %1, %2, %3 : tensor<40x16x!y>, tensor<40x8x!y>, tensor<40x16x!y>, tensor<1x6x6x8x!y>
  }
}

// -----

// A recorded vpmaddubsw kernel is kept on weights in [-127, 127] (its tile
// too) and on a dense op's weights holding -128 (the lowering corrects
// them), but chosen again for a grouped conv's weights holding -128.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w16 = !quant.uniform<i8:f32, 0.01>

// CHECK-LABEL: func.func @avx2_recorded
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 2, channel_blocks = 2, signed_input = true>
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 5, channel_blocks = 2, signed_input = true>
// CHECK:         qc.conv2d {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddwd.ymm"
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @avx2_recorded(%a: tensor<40x16x!x>, %i: tensor<1x6x6x16x!x>) -> (tensor<40x16x!y>, tensor<40x16x!y>, tensor<1x6x6x16x!y>) {
    %c = arith.constant dense<-127> : tensor<16x16xi8>
    %w = quant.scast %c : tensor<16x16xi8> to tensor<16x16x!w16>
    %0 = qc.fully_connected %a, %w {kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 2, channel_blocks = 2, signed_input = true>} : tensor<40x16x!x>, tensor<16x16x!w16> -> tensor<40x16x!y>
    %cf = arith.constant dense<-128> : tensor<16x16xi8>
    %wf = quant.scast %cf : tensor<16x16xi8> to tensor<16x16x!w16>
    %1 = qc.fully_connected %a, %wf {kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 5, channel_blocks = 2, signed_input = true>} : tensor<40x16x!x>, tensor<16x16x!w16> -> tensor<40x16x!y>
    %cg = arith.constant dense<-128> : tensor<16x3x3x8xi8>
    %wg = quant.scast %cg : tensor<16x3x3x8xi8> to tensor<16x3x3x8x!w16>
    %2 = qc.conv2d %i, %wg {stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, groups = 2, kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm", lanes = 8, block = 5, channel_blocks = 2, signed_input = true>} : tensor<1x6x6x16x!x>, tensor<16x3x3x8x!w16> -> tensor<1x6x6x16x!y>
    return %0, %1, %2 : tensor<40x16x!y>, tensor<40x16x!y>, tensor<1x6x6x16x!y>
  }
}

// -----

// Weights holding a few -128s: the vpmaddubsw kernel where the reduction
// steps (4 input channels of one vector of 8 output channels) holding one
// are at most 1/16 of all (the lowering runs those again to correct them):
// 2 of 2 vectors x 16 steps here; with a third in another vector's step
// (3 of 32) the vpmaddwd kernel.

!x = !quant.uniform<i8:f32, 0.05:-5>
!y = !quant.uniform<i8:f32, 0.1:3>
!w16 = !quant.uniform<i8:f32, 0.01>

// CHECK-LABEL: func.func @avx2_corrections
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddubsw.ymm"
// CHECK:         qc.fully_connected {{.+}}kernel = #qc.kernel<name = "dot4.vpmaddwd.ymm"
module attributes {qc.target = #qc.target<name = "x86_64-avx2", triple = "x86_64-unknown-linux-gnu", cpu = "haswell", features = "+avx2,+fma">} {
  func.func @avx2_corrections(%a: tensor<40x64x!x>) -> (tensor<40x16x!y>, tensor<40x16x!y>) {
    %c1 = arith.constant dense<[[   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1, -128,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, -128,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1]]> : tensor<16x64xi8>
    %w1 = quant.scast %c1 : tensor<16x64xi8> to tensor<16x64x!w16>
    %0 = qc.fully_connected %a, %w1 : tensor<40x64x!x>, tensor<16x64x!w16> -> tensor<40x16x!y>
    %c2 = arith.constant dense<[[   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1, -128,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, -128,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1, -128], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1], [   1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1]]> : tensor<16x64xi8>
    %w2 = quant.scast %c2 : tensor<16x64xi8> to tensor<16x64x!w16>
    %1 = qc.fully_connected %a, %w2 : tensor<40x64x!x>, tensor<16x64x!w16> -> tensor<40x16x!y>
    return %0, %1 : tensor<40x16x!y>, tensor<40x16x!y>
  }
}
