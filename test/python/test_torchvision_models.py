"""torchvision resnet18, mobilenet_v2 and mobilenet_v3_small (weights=None, exported with
torch.onnx.export) compile from ONNX with every calibration method, and their int8
outputs agree with the float build (cosine >= 0.999). One calibration per model: the
table (with histograms) is reused for every method."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import qc  # noqa: E402

METHODS = ["minmax", "moving-average", "percentile:99.99", "entropy", "mse"]
MODELS = ["resnet18", "mobilenet_v2", "mobilenet_v3_small"]


def tool(name):
    path = os.path.join(os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build")), "bin", name)
    if not os.path.exists(path):
        pytest.skip(f"{name} is not built")
    return path


@pytest.fixture(scope="module", params=MODELS)
def model(request, tmp_path_factory):
    name = request.param
    d = tmp_path_factory.mktemp(name)
    torch.manual_seed(0)
    net = getattr(torchvision.models, name)(weights=None).eval()
    onnx_path = str(d / f"{name}.onnx")
    torch.onnx.export(net, torch.zeros(1, 3, 224, 224), onnx_path, opset_version=13,
                      input_names=["image"], output_names=["logits"])
    rng = np.random.default_rng(0)
    calib = rng.standard_normal((8, 3, 224, 224)).astype(np.float32)
    test = rng.standard_normal((3, 3, 224, 224)).astype(np.float32)
    np.save(d / "calib.npy", calib)
    table = str(d / "table.json")
    subprocess.run([tool("qc-compile"), onnx_path, "--calibration-data", str(d / "calib.npy"),
                    "--save-calibration-table", table, "--emit=mlir", "-o", os.devnull], check=True)
    flib = str(d / "libfloat.so")
    subprocess.run([tool("qc-compile"), onnx_path, "--float", "--name", "float", "-o", flib],
                   check=True)
    floatnet = qc.load(flib)
    expected = np.concatenate([floatnet(test[i:i + 1]) for i in range(len(test))])
    with torch.no_grad():
        torch_out = net(torch.from_numpy(test)).numpy()
    return name, d, onnx_path, table, test, expected, torch_out


def test_float_build_matches_torch(model):
    name, _, _, _, _, expected, torch_out = model
    scale = np.abs(torch_out).max()
    np.testing.assert_allclose(expected, torch_out, atol=1e-3 * scale, rtol=0)


@pytest.mark.parametrize("method", METHODS)
def test_int8_cosine_per_calibration_method(model, method):
    name, d, onnx_path, table, test, expected, _ = model
    tag = method.replace(":", "_").replace(".", "_").replace("-", "_")
    lib = str(d / f"lib{tag}.so")
    subprocess.run([tool("qc-compile"), onnx_path, "--calibration-table", table,
                    "--calibration-method", method, "--name", tag, "-o", lib], check=True)
    net = qc.load(lib)
    got = np.concatenate([net(test[i:i + 1]) for i in range(len(test))])
    cosine = float((got * expected).sum() / np.linalg.norm(got) / np.linalg.norm(expected))
    print(f"{name} {method}: cosine {cosine:.6f}")
    assert cosine >= 0.999
