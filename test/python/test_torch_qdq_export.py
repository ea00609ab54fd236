"""PyTorch's own int8 model, exported as QDQ ONNX, compiled by qc without
calibration.

A small network with the patterns PyTorch 1.13's FX quantization and ONNX
exporter produce (QuantizeLinear -> Cast(uint8) -> DequantizeLinear, per-channel
int8 weights, int32 biases with computed zero points, ReLU6 as its own Clip with
a Q/DQ pair, a stride-2 1x1 conv whose input the importer crops, a residual add,
global pooling and a linear layer) is quantized with the onednn engine,
exported, and compiled by qc. qc's int8 output must agree with PyTorch's int8
output (both run the same quantized model; they differ only in how each
rounds inside the requantization), and every conv must run as an integer op.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
import qc  # noqa: E402


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 16, 3, padding=1)
        self.relu6 = torch.nn.ReLU6()
        self.dw = torch.nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.pw = torch.nn.Conv2d(16, 16, 1)
        self.down = torch.nn.Conv2d(16, 32, 1, stride=2)
        self.conv2 = torch.nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.relu = torch.nn.ReLU()
        self.fc = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = self.relu6(self.conv1(x))
        x = x + self.pw(self.relu6(self.dw(x)))
        x = self.relu(self.conv2(x) + self.down(x))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    exe = qc.find_qc_compile()
    d = tmp_path_factory.mktemp("torch_qdq")
    torch.manual_seed(0)
    torch.backends.quantized.engine = "onednn"
    net = Net().eval()
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((1, 3, 17, 17)).astype(np.float32))
    prepared = prepare_fx(net, get_default_qconfig_mapping("onednn"), example_inputs=(x,))
    with torch.no_grad():
        for _ in range(16):
            prepared(torch.from_numpy(rng.standard_normal((1, 3, 17, 17)).astype(np.float32)))
    qnet = convert_fx(prepared)
    path = str(d / "net_qdq.onnx")
    torch.onnx.export(qnet, x, path, opset_version=13, input_names=["x"],
                      output_names=["y"])
    lib = str(d / "libnet.so")
    subprocess.run([exe, path, "--name", "net", "-o", lib], check=True,
                   capture_output=True, text=True)
    ir = subprocess.run([exe, path, "--emit=mlir", "-o", "-"], check=True,
                        capture_output=True, text=True).stdout
    tests = rng.standard_normal((20, 1, 3, 17, 17)).astype(np.float32)
    return net, qnet, qc.load(lib, name="net"), ir, tests


def test_every_conv_is_integer(exported):
    _, _, _, ir, _ = exported
    body = ir[ir.index("func.func"):]
    # Six convs, two of them carrying a residual add: five qc.conv2d.
    assert body.count("qc.conv2d") == 5, body
    assert body.count(" residual %") == 2, body
    assert "qc.fully_connected" in body
    assert "tosa." not in body.replace("tosa.transpose", ""), body
    # Both ReLU6 became conv clamps (their Clip with its own Q/DQ pair is a
    # clamp table); one table is left: PyTorch requantizes after Flatten.
    assert body.count("qc.lut") == 1, body


def test_weights_are_pytorchs(exported):
    """qc keeps the model's int8 weights as they are, -128 included (PyTorch's
    per-channel qint8 weights hold it where a channel's extreme is negative)."""
    import re
    _, qnet, _, ir, _ = exported
    for name, shape in (("conv1", "16x3x3x3"), ("conv2", "32x3x3x16")):
        w = getattr(qnet, name).weight().int_repr().numpy()  # OIHW
        m = re.search(r"arith.constant dense<([^>]*)> : tensor<%sxi8>" % shape, ir)
        assert m, (name, shape)
        text = m.group(1)
        got = (np.frombuffer(bytes.fromhex(text.strip('"')[2:]), np.int8)
               if text.startswith('"0x') else
               np.array([int(v) for v in re.findall(r"-?\d+", text)], np.int8))
        assert (got.reshape(w.transpose(0, 2, 3, 1).shape) == w.transpose(0, 2, 3, 1)).all(), name
    assert any((getattr(qnet, n).weight().int_repr() == -128).any().item()
               for n in ("conv1", "conv2")), "no -128 weight in the model"


def test_agrees_with_pytorch_int8(exported):
    net, qnet, lib, _, tests = exported
    got = np.concatenate([lib(t).ravel() for t in tests])
    with torch.no_grad():
        ref = np.concatenate([qnet(torch.from_numpy(t)).numpy().ravel() for t in tests])
        flt = np.concatenate([net(torch.from_numpy(t)).numpy().ravel() for t in tests])
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))  # noqa: E731
    assert cos(got, ref) >= 0.999, cos(got, ref)
    # qc is as close to the float model as PyTorch's own int8 run is.
    assert cos(got, flt) >= cos(ref, flt) - 0.002, (cos(got, flt), cos(ref, flt))
