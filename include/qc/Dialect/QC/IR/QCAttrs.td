//===- QCAttrs.td - qc attributes --------------------------*- tablegen -*-===//

#ifndef QC_DIALECT_QC_IR_QCATTRS_TD
#define QC_DIALECT_QC_IR_QCATTRS_TD

include "qc/Dialect/QC/IR/QCDialect.td"

// A double stored as an APFloat (so it hashes), written as a plain number.
def QC_F64Parameter : APFloatParameter<"a 64-bit float"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if (::mlir::failed($_parser.parseFloat(value)))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer.printFloat($_self) }];
}

def QC_StatsAttr : QC_Attr<"Stats", "stats"> {
  let summary = "Statistics an observer recorded during calibration";
  let description = [{
    The range of values a `qc.observe` saw over all calibration samples, and how
    many values it saw. Example: `#qc.stats<min = -1.5, max = 6.0, count = 4096>`.
  }];
  let parameters = (ins QC_F64Parameter:$min, QC_F64Parameter:$max,
                        "int64_t":$count);
  let builders = [
    AttrBuilder<(ins "double":$min, "double":$max, "int64_t":$count), [{
      return $_get($_ctxt, ::llvm::APFloat(min), ::llvm::APFloat(max), count);
    }]>
  ];
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def QC_TargetAttr : QC_Attr<"Target", "target"> {
  let summary = "The CPU a module is compiled for";
  let description = [{
    Attached to the module as `qc.target`. Resolved once from `--target` (the
    host by default) so every later pass reads the same facts:
    `#qc.target<name = "x86_64-avx512vnni", triple = "x86_64-unknown-linux-gnu",
    cpu = "icelake-server", features = "+avx512vnni,+avx512bw">`.
  }];
  let parameters = (ins StringRefParameter<>:$name, StringRefParameter<>:$triple,
                        StringRefParameter<>:$cpu, StringRefParameter<>:$features);
  let assemblyFormat = "`<` struct(params) `>`";
}

def QC_KernelAttr : QC_Attr<"Kernel", "kernel"> {
  let summary = "The kernel qc-select-kernels chose for one op";
  let description = [{
    `#qc.kernel<name = "dot4.vpdpbusd.zmm", lanes = 16, block = 6,
    channel_blocks = 4>`: `name` says which instruction family computes the
    dot products, `lanes` the number of 32-bit accumulators in one vector
    (output channels per vector), `block` how many output pixels share one
    load of the weights and `channel_blocks` how many channel vectors share
    one load of an input pixel: the register tile is block × channel_blocks
    accumulator vectors, chosen per op from its shape and the target's
    registers (omitted when 1). `signed_input` says the instruction takes
    the activations signed (e.g. AArch64 `sdot`, s8 × s8); by default they
    are unsigned (x + 128, e.g. `vpdpbusd`, u8 × s8) and the +128 is folded
    into the bias.
  }];
  let parameters = (ins StringRefParameter<>:$name, "int64_t":$lanes,
                        "int64_t":$block,
                        DefaultValuedParameter<"int64_t", "1">:$channel_blocks,
                        DefaultValuedParameter<"bool", "false">:$signed_input);
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // QC_DIALECT_QC_IR_QCATTRS_TD
