"""qc: Python interface to the qc int8 neural-network compiler.

    import qc
    lib = qc.compile("model.onnx", calibration_data=x_calib, output="libmodel.so")
    model = qc.load(lib)            # symbols prefixed "model_"
    y = model(x)                    # numpy in, numpy out

Pure Python (ctypes + numpy); the compiler itself is the ``qc-compile``
executable.
"""
from .runtime import QCError, CompiledModel, BoundRun, load, default_name
from .compiler import compile, find_qc_compile, load_report, plot_report

__all__ = ["load", "compile", "CompiledModel", "QCError",
           "BoundRun", "default_name", "find_qc_compile", "load_report", "plot_report"]
