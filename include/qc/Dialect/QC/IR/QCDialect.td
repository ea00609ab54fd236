//===- QCDialect.td - the qc dialect -----------------------*- tablegen -*-===//
//
// The qc dialect adds to upstream `quant` only what it lacks: observers and their
// statistics, integer ops with a fused epilogue, and the target / kernel-choice
// attributes. Quantized values use upstream `!quant.uniform` types.
//
//===----------------------------------------------------------------------===//

#ifndef QC_DIALECT_QC_IR_QCDIALECT_TD
#define QC_DIALECT_QC_IR_QCDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def QC_Dialect : Dialect {
  let name = "qc";
  let cppNamespace = "::qc";
  let summary = "Calibrated int8 neural-network ops with fused epilogues";
  let description = [{
    The `qc` dialect holds the integer form of a quantized network. Values are
    tensors of upstream `!quant.uniform` types: activations are per-tensor,
    asymmetric `i8`; weights are symmetric `i8` with one scale per output channel
    (`!quant.uniform<i8<-127:127>:f32:0, {...}>`); biases are plain `i32`
    tensors whose scale is `s_input * s_weight[c]`.

    Every op that produces a new scale applies the same epilogue: add bias,
    requantize with a 32-bit fixed-point multiplier and a rounding right shift
    (round half toward +infinity, computed in 64 bits), add the output zero
    point, clamp to `[clamp_min, clamp_max]` (ReLU/ReLU6 folded in), saturate
    to i8. The multiplier and shift are derived from the types, so they cannot
    disagree with them.

    `qc.observe` marks float tensors whose range calibration measures.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let useDefaultAttributePrinterParser = 1;
}

class QC_Op<string mnemonic, list<Trait> traits = []> :
    Op<QC_Dialect, mnemonic, traits>;

class QC_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<QC_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // QC_DIALECT_QC_IR_QCDIALECT_TD
