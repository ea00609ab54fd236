"""A residual CNN exported by torch.onnx.export (not written by hand) goes through
qc-compile: its int8 outputs agree with float (cosine >= 0.999), its float build
matches torch, and its int8 code equals the scalar reference bit for bit, layer by
layer (qc-ref-check)."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
import qc  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def tool(name):
    path = os.path.join(os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build")), "bin", name)
    if not os.path.exists(path):
        pytest.skip(f"{name} is not built")
    return path


class Block(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(c)
        self.conv2 = torch.nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(c)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


class ResidualCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn = torch.nn.BatchNorm2d(16)
        self.pool = torch.nn.MaxPool2d(3, stride=2, padding=1)
        self.block1 = Block(16)
        self.expand = torch.nn.Conv2d(16, 32, 1)
        self.dw = torch.nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.block2 = Block(32)
        self.fc = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn(self.stem(x))))
        x = self.block1(x)
        x = torch.clamp(self.expand(x), 0.0, 6.0)  # ReLU6
        x = torch.relu(self.dw(x))
        x = self.block2(x)
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = ResidualCNN()
    # Non-trivial BatchNorm statistics, so folding them matters.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    d = tmp_path_factory.mktemp("torch")
    onnx_path = str(d / "rescnn.onnx")
    torch.onnx.export(model, torch.zeros(1, 3, 32, 32), onnx_path, opset_version=13,
                      input_names=["image"], output_names=["logits"])
    rng = np.random.default_rng(1)
    calib = rng.standard_normal((32, 3, 32, 32)).astype(np.float32)
    test = rng.standard_normal((16, 3, 32, 32)).astype(np.float32)
    np.save(d / "calib.npy", calib)
    np.save(d / "test.npy", test)
    with torch.no_grad():
        expected = model(torch.from_numpy(test)).numpy()
    return d, onnx_path, test, expected


def run_model(lib, x):
    model = qc.load(lib)
    return np.concatenate([model(x[i:i + 1]) for i in range(len(x))])


def test_float_build_matches_torch(exported):
    d, onnx_path, test, expected = exported
    lib = str(d / "libfres.so")
    subprocess.run([tool("qc-compile"), onnx_path, "--float", "--name", "fres", "-o", lib], check=True)
    got = run_model(lib, test)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_int8_agrees_with_float(exported):
    d, onnx_path, test, expected = exported
    lib = str(d / "libqres.so")
    subprocess.run([tool("qc-compile"), onnx_path, "--calibration-data", str(d / "calib.npy"),
                    "--name", "qres", "-o", lib], check=True)
    got = run_model(lib, test)
    cosine = float(np.dot(got.ravel(), expected.ravel()) /
                   (np.linalg.norm(got) * np.linalg.norm(expected)))
    print(f"int8 vs float cosine: {cosine:.6f}")
    assert cosine >= 0.999


def test_int8_bit_exact_with_reference_layer_by_layer(exported):
    d, onnx_path, test, _ = exported
    graph = str(d / "layers.mlir")
    subprocess.run([tool("qc-compile"), onnx_path, "--calibration-data", str(d / "calib.npy"),
                    "--expose-layers", "--emit=mlir", "-o", graph], check=True)
    text = open(graph).read()
    # Both residual adds are fused into the epilogue of the conv before them.
    assert text.count("qc.conv2d") == 7 and text.count(" residual %") == 2
    assert "qc.add" not in text and "qc.fully_connected" in text
    assert "tosa." not in text, "every op of the model must be quantized"
    lib = str(d / "liblayers.so")
    subprocess.run([tool("qc-compile"), graph, "--name", "layers", "-o", lib], check=True)
    out = subprocess.run([tool("qc-ref-check"), graph, lib, "--name", "layers",
                          "--input", str(d / "test.npy")], check=True,
                         capture_output=True, text=True).stdout
    assert out.startswith("bit-exact: 16 samples")
