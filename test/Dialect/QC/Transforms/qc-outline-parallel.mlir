// RUN: qc-opt %s -split-input-file --qc-outline-parallel | FileCheck %s

// A loop marked qc.parallel becomes a task over [begin, end) of its
// iterations and a call of the pool dispatch with the iteration count:
// memrefs from outside are arguments, constants and stack scratch buffers
// are cloned into the task (each call gets its own scratch).

// CHECK-LABEL: func.func @kernel
// CHECK-SAME:    (%[[IN:.+]]: memref<64xi32>, %[[OUT:.+]]: memref<64xi32>)
// CHECK:         memref.alloca
// CHECK-NEXT:    %[[N:.+]] = arith.constant 8 : index
// CHECK-NEXT:    call @__qc_parallel_for_0(%[[IN]], %[[OUT]], %[[N]]) : (memref<64xi32>, memref<64xi32>, index) -> ()
// The 8 iterations of step 8 from 0: iv = 0 + i * 8 in the task.
// CHECK-NOT:     scf.for
// CHECK:         return
// CHECK:       func.func private @__qc_task_0(%[[A:.+]]: memref<64xi32>, %[[B:.+]]: memref<64xi32>, %[[BEGIN:.+]]: index, %[[END:.+]]: index) attributes {qc.task}
// CHECK:         %[[S:.+]] = memref.alloca() : memref<8xi32>
// CHECK:         scf.for %[[I:.+]] = %[[BEGIN]] to %[[END]] step %{{.+}} {
// CHECK:           %[[M:.+]] = arith.muli %[[I]], %{{.+}} : index
// CHECK-NEXT:      %[[IV:.+]] = arith.addi %{{.+}}, %[[M]] : index
// CHECK-NEXT:      memref.load %[[A]][%[[IV]]]
// CHECK:           memref.store %{{.+}}, %[[S]]
// CHECK:           memref.store %{{.+}}, %[[B]]
// CHECK:       func.func private @__qc_parallel_for_0(memref<64xi32>, memref<64xi32>, index)
module attributes {qc.target = #qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu", cpu = "icelake-server", features = "+avx512f,+avx512bw,+avx512vl,+avx512vnni">} {
  func.func @kernel(%in: memref<64xi32>, %out: memref<64xi32>) {
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %c8 = arith.constant 8 : index
    %scratch = memref.alloca() : memref<8xi32>
    scf.for %i = %c0 to %c64 step %c8 {
      %v = memref.load %in[%i] : memref<64xi32>
      %c1 = arith.constant 1 : index
      memref.store %v, %scratch[%c1] : memref<8xi32>
      %w = memref.load %scratch[%c1] : memref<8xi32>
      memref.store %w, %out[%i] : memref<64xi32>
    } {qc.parallel}
    return
  }
}

// -----

// Without a runtime for the target (qc builds one for x86-64, AArch64 and
// RISC-V 64) the loop stays serial.

// CHECK-LABEL: func.func @serial
// CHECK:         scf.for
// CHECK-NOT:     qc.parallel
// CHECK-NOT:     __qc_task
module attributes {qc.target = #qc.target<name = "generic-ppc", triple = "powerpc64le-unknown-linux-gnu", cpu = "generic", features = "">} {
  func.func @serial(%out: memref<64xi32>) {
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %c1 = arith.constant 1 : index
    %z = arith.constant 0 : i32
    scf.for %i = %c0 to %c64 step %c1 {
      memref.store %z, %out[%i] : memref<64xi32>
    } {qc.parallel}
    return
  }
}
