"""The accuracy report and the accuracy target, from Python, on the example model:
numbers are checked against an independent numpy computation from the float and
int8 libraries' own outputs."""
import os
import sys

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import qc  # noqa: E402

DIGITS = os.path.join(ROOT, "examples", "digits")


def qc_compile():
    path = os.path.join(os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build")), "bin", "qc-compile")
    if not os.path.exists(path):
        pytest.skip("qc-compile is not built")
    return path


def test_report_matches_numpy(tmp_path):
    exe = qc_compile()
    test_x = np.load(os.path.join(DIGITS, "test_x.npy"))[:200]
    report_path = tmp_path / "report.json"
    lib = qc.compile(os.path.join(DIGITS, "digits.onnx"), os.path.join(DIGITS, "calib.npy"),
                     output=tmp_path / "libr.so", report=report_path, report_data=test_x,
                     qc_compile=exe)
    flib = qc.compile(os.path.join(DIGITS, "digits.onnx"), output=tmp_path / "libf.so",
                      quantize=False, qc_compile=exe)
    report = qc.load_report(report_path)
    q = np.concatenate([qc.load(lib)(test_x[i:i + 1]) for i in range(len(test_x))])
    f = np.concatenate([qc.load(flib)(test_x[i:i + 1]) for i in range(len(test_x))])
    out = report["outputs"][0]
    sqnr = 10 * np.log10((f.astype(np.float64) ** 2).sum() / ((q - f).astype(np.float64) ** 2).sum())
    cosine = (q * f).sum() / np.linalg.norm(q) / np.linalg.norm(f)
    agreement = (q.argmax(1) == f.argmax(1)).mean()
    assert report["samples"] == 200
    assert out["sqnr_db"] == pytest.approx(sqnr, abs=1e-3)
    assert out["cosine"] == pytest.approx(cosine, abs=1e-6)
    assert out["argmax_agreement"] == pytest.approx(agreement)
    # Every int8 layer is listed with its numbers, and the worst one is named.
    int8 = [l for l in report["layers"] if l["precision"] == "int8"]
    assert len(int8) >= 5 and all(l["values"] == 200 * l["values"] // 200 for l in int8)
    worst = min(int8, key=lambda l: l["sqnr_db"])
    assert report["worst_layer"] == worst["name"]
    assert report["float_ops"] == []
    png = qc.plot_report(report, tmp_path / "report.png")
    assert os.path.getsize(png) > 1000


def test_accuracy_target_moves_layers_to_float(tmp_path):
    exe = qc_compile()
    base = tmp_path / "base.json"
    qc.compile(os.path.join(DIGITS, "digits.onnx"), os.path.join(DIGITS, "calib.npy"),
               output=tmp_path / "libb.so", report=base, qc_compile=exe)
    baseline = qc.load_report(base)["outputs"][0]["sqnr_db"]
    target = baseline + 3.0
    tuned = tmp_path / "tuned.json"
    qc.compile(os.path.join(DIGITS, "digits.onnx"), os.path.join(DIGITS, "calib.npy"),
               output=tmp_path / "libt.so", report=tuned, accuracy_target=target, qc_compile=exe)
    report = qc.load_report(tuned)
    moved = report["accuracy_target"]["moved_to_float"]
    assert report["accuracy_target"]["met"] and moved
    assert report["outputs"][0]["sqnr_db"] >= target
    kept = {op["name"] for op in report["float_ops"] if "kept float" in op["reason"]}
    assert set(moved) <= kept | {l["name"] for l in report["layers"]} | set(moved)
    assert all(op["op"].startswith("tosa.") for op in report["float_ops"])
    # An unreachable target fails with a message saying what was reached.
    with pytest.raises(qc.QCError, match="not reachable"):
        qc.compile(os.path.join(DIGITS, "digits.onnx"), os.path.join(DIGITS, "calib.npy"),
                   output=tmp_path / "libx.so", accuracy_target=150, qc_compile=exe)


@pytest.mark.parametrize("method", ["minmax", "moving-average", "percentile:99.9", "entropy", "mse"])
def test_every_calibration_method(tmp_path, method):
    exe = qc_compile()
    test_x = np.load(os.path.join(DIGITS, "test_x.npy"))
    test_y = np.load(os.path.join(DIGITS, "test_y.npy"))
    lib = qc.compile(os.path.join(DIGITS, "digits.onnx"), os.path.join(DIGITS, "calib.npy"),
                     output=tmp_path / "libm.so", calibration_method=method, qc_compile=exe)
    m = qc.load(lib)
    accuracy = np.mean([m(test_x[i:i + 1]).argmax() == test_y[i] for i in range(len(test_x))])
    assert accuracy >= 0.97
