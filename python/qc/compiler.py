"""Driving the ``qc-compile`` executable from Python."""
import os
import shutil
import subprocess
import tempfile

import numpy as np

from .runtime import QCError, default_name

__all__ = ["compile", "find_qc_compile"]

# <repo>/python/qc/compiler.py -> <repo>
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _is_executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_qc_compile(qc_compile=None):
    """Locate the qc-compile executable, or return None.

    Search order: the ``qc_compile`` argument, the ``QC_COMPILE`` environment
    variable, ``<repo>/build/bin/qc-compile`` (relative to this package), then
    ``PATH``. An explicitly given path (argument or env var) that does not
    exist is an error rather than silently falling through.
    """
    if qc_compile is not None:
        p = os.fspath(qc_compile)
        if os.sep not in p:
            found = shutil.which(p)
            if found:
                return found
        if _is_executable(p):
            return os.path.abspath(p)
        raise QCError(f"qc-compile not found at {p!r}")
    env = os.environ.get("QC_COMPILE")
    if env:
        if _is_executable(env):
            return os.path.abspath(env)
        found = shutil.which(env)
        if found:
            return found
        raise QCError(f"QC_COMPILE={env!r} is not an executable")
    candidate = os.path.join(_REPO_ROOT, "build", "bin", "qc-compile")
    if _is_executable(candidate):
        return candidate
    return shutil.which("qc-compile")


def compile(model_path, calibration_data=None, output=None, name=None, target="host",
            calibration_table=None, extra_args=(), qc_compile=None, quantize=True,
            calibration_method=None, keep_float=(), report=None, report_data=None,
            accuracy_target=None, input_shapes=None, vlen=None):
    """Compile an ONNX model to a shared library with qc-compile.

    Args:
        model_path: the .onnx file.
        calibration_data: path to a .npy file, or a numpy array (saved to a
            temporary .npy for the duration of the call). Not needed with
            ``quantize=False``.
        output: path of the .so to write; default ``lib<name>.so`` (or
            ``lib<model stem>.so``) in the current directory.
        name: model name / C symbol prefix. If omitted it is derived from the
            output file name exactly as :func:`qc.load` does, so
            ``qc.load(qc.compile(...))`` always finds the symbols.
        target: ``--target`` value ("host" by default). Other ISAs
            (``aarch64-dotprod``, ``riscv64-rvv``, ...) are cross-compiled:
            the library is for that CPU and cannot be loaded here.
        calibration_table: optional ``--calibration-table`` file.
        extra_args: further command-line arguments, appended verbatim.
        qc_compile: path of the executable (see :func:`find_qc_compile`).
        quantize: False passes ``--float`` (unquantized float32 library with
            the same ABI).
        calibration_method: ``minmax``, ``moving-average[:C]``,
            ``percentile[:P]``, ``entropy`` or ``mse``.
        keep_float: layer names (as in the report) to keep in float.
        report: path of a JSON accuracy report to write (see :func:`load_report`).
        report_data: data for the report (path or array; default: the
            calibration data).
        accuracy_target: output SQNR in dB; the worst layers are moved to float
            until it is met.
        input_shapes: ``{input name: shape}`` binding symbolic dims.
        vlen: RISC-V only: the vector length in bits to specialize for
            (``--vlen``).

    Returns the absolute path of the written library. Raises :class:`QCError`
    (with the tool's stderr) if qc-compile fails or cannot be found.
    """
    exe = find_qc_compile(qc_compile)
    if exe is None:
        raise QCError("qc-compile not found: pass qc_compile=..., set QC_COMPILE, "
                      f"build it into {os.path.join(_REPO_ROOT, 'build', 'bin')}, "
                      "or put it on PATH")
    model_path = os.fspath(model_path)
    if output is None:
        stem = name if name is not None else os.path.splitext(os.path.basename(model_path))[0]
        output = f"lib{stem}.so"
    output = os.path.abspath(os.fspath(output))
    if name is None:
        name = default_name(output)

    with tempfile.TemporaryDirectory(prefix="qc-compile-") as tmp:
        cmd = [exe, model_path]
        if calibration_data is not None:
            if isinstance(calibration_data, (str, bytes, os.PathLike)):
                calib_path = os.fspath(calibration_data)
            else:
                calib_path = os.path.join(tmp, "calibration.npy")
                np.save(calib_path, np.ascontiguousarray(calibration_data, dtype=np.float32))
            cmd += ["--calibration-data", calib_path]
        cmd += ["-o", output, "--name", name]
        if target is not None:
            cmd += ["--target", str(target)]
        if vlen is not None:
            cmd += ["--vlen", str(int(vlen))]
        if calibration_table is not None:
            cmd += ["--calibration-table", os.fspath(calibration_table)]
        if not quantize:
            cmd.append("--float")
        if calibration_method is not None:
            cmd += ["--calibration-method", str(calibration_method)]
        if keep_float:
            cmd.append("--keep-float=" + ",".join(keep_float))
        if report is not None:
            cmd += ["--report", os.fspath(report)]
        if report_data is not None:
            if isinstance(report_data, (str, bytes, os.PathLike)):
                data_path = os.fspath(report_data)
            else:
                data_path = os.path.join(tmp, "report.npy")
                np.save(data_path, np.ascontiguousarray(report_data, dtype=np.float32))
            cmd += ["--report-data", data_path]
        if accuracy_target is not None:
            cmd += ["--accuracy-target", str(float(accuracy_target))]
        for input_name, shape in (input_shapes or {}).items():
            cmd += ["--input-shape", f"{input_name}=" + "x".join(str(int(d)) for d in shape)]
        cmd += [str(a) for a in extra_args]

        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    if proc.returncode != 0:
        stderr = proc.stderr.strip()
        raise QCError(f"qc-compile failed (exit {proc.returncode}): "
                      f"{subprocess.list2cmdline(cmd)}\n{stderr}",
                      code=proc.returncode, stderr=proc.stderr)
    if not os.path.exists(output):
        raise QCError(f"qc-compile succeeded but did not write {output}",
                      code=0, stderr=proc.stderr)
    return output


def load_report(path):
    """Reads a report written by ``qc-compile --report`` (a dict)."""
    import json
    with open(path) as f:
        return json.load(f)


def plot_report(report, path):
    """Plots per-layer SQNR of a report (dict or path) to a PNG with matplotlib."""
    if not isinstance(report, dict):
        report = load_report(report)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    layers = report["layers"]
    names = [l["name"] for l in layers]
    sqnr = [l["sqnr_db"] for l in layers]
    colors = ["tab:blue" if l["precision"] == "int8" else "tab:orange" for l in layers]
    fig, ax = plt.subplots(figsize=(max(6, 0.4 * len(layers)), 4))
    ax.bar(range(len(layers)), sqnr, color=colors)
    ax.set_xticks(range(len(layers)))
    ax.set_xticklabels(names, rotation=75, fontsize=7)
    ax.set_ylabel("SQNR vs float (dB)")
    out = report.get("outputs", [{}])[0]
    ax.set_title(f"int8 vs float: output SQNR {out.get('sqnr_db', 0):.1f} dB, "
                 f"cosine {out.get('cosine', 0):.5f}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
