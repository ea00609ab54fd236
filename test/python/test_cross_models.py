"""torchvision mobilenet_v2 (weights=None, exported with torch.onnx.export) compiled for
x86-64 and cross-compiled for every AArch64 and RISC-V target from one calibration table:
run under qemu-user on the same images, each cross build's outputs are byte for byte the
x86 build's (AArch64 on the oldest CPU model with the target's instructions, RVV at VLEN
128, 256 and 512). The x86 build itself is checked against the reference elsewhere
(test/Integration); here the claim is "the same bits on every CPU".

AArch64 runs 2 images (about 1 s under qemu), RISC-V the first of them at each VLEN
(qemu 7.2 emulates RVV one element at a time: about 10 s each). Every run uses 2
threads of the library's pool."""
import os
import shutil
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("QC_BUILD_DIR", os.path.join(ROOT, "build"))
RUNNER = os.path.join(ROOT, "tools", "qc-run-lib", "qc_run_lib.c")

# target -> (runner architecture, emulator CPU options, images run of the 2
# the x86 build runs)
TARGETS = {
    "aarch64-neon": ("aarch64", [["-cpu", "cortex-a53"]], 2),
    "aarch64-dotprod": ("aarch64", [["-cpu", "neoverse-n1"]], 2),
    "aarch64-i8mm": ("aarch64", [["-cpu", "max"]], 2),
    "riscv64-rvv": ("riscv64", [["-cpu", f"rv64,v=true,vlen={v}"] for v in (128, 256, 512)],
                    1),
}
SIZE, IMAGES = 224, 2


def tool(name):
    path = os.path.join(BUILD, "bin", name)
    if not os.path.exists(path):
        pytest.skip(f"{name} is not built")
    return path


def cross_ready(arch):
    return shutil.which(f"qemu-{arch}") and os.path.exists(f"/usr/{arch}-linux-gnu/lib/libc.so")


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory):
    """mobilenet() -> (dir, onnx, table, x86 outputs of IMAGES images), built once."""
    built = []

    def build():
        if built:
            return built[0]
        size, images = SIZE, IMAGES
        d = tmp_path_factory.mktemp("cross")
        torch.manual_seed(0)
        net = torchvision.models.mobilenet_v2(weights=None).eval()
        onnx_path = str(d / "mobilenet_v2.onnx")
        torch.onnx.export(net, torch.zeros(1, 3, size, size), onnx_path, opset_version=13,
                          input_names=["image"], output_names=["logits"])
        rng = np.random.default_rng(0)
        np.save(d / "calib.npy", rng.standard_normal((4, 3, size, size)).astype(np.float32))
        rng.standard_normal((images, 3, size, size)).astype(np.float32).tofile(d / "in.bin")
        table = str(d / "table.json")
        lib = str(d / "x86.so")
        subprocess.run([tool("qc-compile"), onnx_path, "--calibration-data",
                        str(d / "calib.npy"), "--save-calibration-table", table, "--name", "m",
                        "-o", lib], check=True)
        out = d / "x86.out"
        subprocess.run([tool("qc-run-lib"), lib, "m", str(images), str(d / "in.bin"), str(out)],
                       check=True)
        expected = out.read_bytes()
        assert len(expected) == images * 1000 * 4
        assert np.isfinite(np.frombuffer(expected, np.float32)).all()
        built.append((d, onnx_path, table, expected))
        return built[0]

    return build


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_cross_build_is_bit_identical_to_x86(mobilenet, target):
    arch, cpus, images = TARGETS[target]
    if not cross_ready(arch):
        pytest.skip(f"qemu-{arch} or the {arch} cross sysroot is not installed")
    d, onnx_path, table, expected = mobilenet()
    expected = expected[:images * 1000 * 4]
    runner = str(d / f"run-{arch}")
    if not os.path.exists(runner):
        flags = ["-march=rv64gc"] if arch == "riscv64" else []
        subprocess.run(["clang-22", f"--target={arch}-linux-gnu", "-O2", *flags, RUNNER,
                        "-ldl", "-o", runner], check=True)
    lib = str(d / f"{target}.so")
    subprocess.run([tool("qc-compile"), onnx_path, "--calibration-table", table,
                    "--target", target, "--name", "m", "-o", lib], check=True)
    for cpu in cpus:
        out = d / f"{target}.out"
        subprocess.run([f"qemu-{arch}", "-L", f"/usr/{arch}-linux-gnu", *cpu, runner, lib, "m",
                        str(images), str(d / "in.bin"), str(out), "2"], check=True,
                       stderr=subprocess.DEVNULL)
        got = out.read_bytes()
        assert len(got) == len(expected), cpu
        a = np.frombuffer(got, np.float32)
        b = np.frombuffer(expected, np.float32)
        assert got == expected, (f"{target} {cpu}: {np.count_nonzero(a != b)} of {a.size} "
                                 f"logits differ from x86")
