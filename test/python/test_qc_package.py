"""Tests for the qc Python package (python/qc).

Run:  /usr/bin/python3 -m pytest test/python/test_qc_package.py

Most tests need only a C compiler (``cc`` or $CC): they build a tiny fake
library implementing the qc ABI, and use a fake ``qc-compile`` script to check
the command line. The end-to-end tests on examples/digits are skipped when the
real qc-compile binary cannot be found (QC_COMPILE, <repo>/build/bin, PATH).
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))

import qc  # noqa: E402

DIGITS = os.path.join(REPO, "examples", "digits")

try:
    QC_COMPILE = qc.find_qc_compile()
except qc.QCError:
    QC_COMPILE = None

needs_qc_compile = pytest.mark.skipif(
    QC_COMPILE is None, reason="qc-compile binary not found (QC_COMPILE, build/bin, PATH)")


# ---------------------------------------------------------------------------
# name derivation

@pytest.mark.parametrize("path,name", [
    ("libdigits.so", "digits"),
    ("/some/dir/libdigits.so", "digits"),
    ("build/out/libresnet_int8.so", "resnet_int8"),
    ("digits.so", "digits"),
    ("libmy-model.v2.so", "my_model_v2"),
    ("lib3net.so", "_3net"),
    ("lib.so", "lib"),
])
def test_default_name(path, name):
    assert qc.default_name(path) == name


# ---------------------------------------------------------------------------
# a fake compiled model: input "x" [1,3] -> output "y" [1,2]
#   y0 = x0 + x1, y1 = x2 * 2; returns 7 if x0 is NaN

FAKE_C = textwrap.dedent(r"""
    #include <stdint.h>
    static const int64_t in_shape[2] = {1, 3};
    static const int64_t out_shape[2] = {1, 2};
    int fake_run(const float *const *inputs, float *const *outputs) {
        const float *x = inputs[0];
        float *y = outputs[0];
        if (x[0] != x[0]) return 7;
        y[0] = x[0] + x[1];
        y[1] = x[2] * 2.0f;
        return 0;
    }
    int fake_num_inputs(void) { return 1; }
    int fake_num_outputs(void) { return 1; }
    const char *fake_input_name(int i) { return i == 0 ? "x" : 0; }
    const char *fake_output_name(int i) { return i == 0 ? "y" : 0; }
    int fake_input_rank(int i) { return i == 0 ? 2 : -1; }
    const int64_t *fake_input_shape(int i) { return i == 0 ? in_shape : 0; }
    int fake_output_rank(int i) { return i == 0 ? 2 : -1; }
    const int64_t *fake_output_shape(int i) { return i == 0 ? out_shape : 0; }
""")


@pytest.fixture(scope="module")
def fake_lib(tmp_path_factory):
    d = tmp_path_factory.mktemp("fake")
    src = d / "fake.c"
    src.write_text(FAKE_C)
    lib = d / "libfake.so"
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(lib), str(src)], check=True)
    return lib


def test_load_reads_signature(fake_lib):
    m = qc.load(fake_lib)
    assert isinstance(m, qc.CompiledModel)
    assert m.name == "fake"
    assert m.inputs == [("x", (1, 3))]
    assert m.outputs == [("y", (1, 2))]
    assert "fake" in repr(m)


def test_call_computes_values(fake_lib):
    m = qc.load(str(fake_lib))
    y = m(np.array([[1.5, 2.0, -3.0]]))  # float64 in: converted to float32
    assert isinstance(y, np.ndarray)
    assert y.dtype == np.float32 and y.shape == (1, 2)
    np.testing.assert_array_equal(y, [[3.5, -6.0]])
    # non-contiguous input is made contiguous
    x = np.array([[1.0, 9.0, 2.0, 9.0, 3.0, 9.0]], dtype=np.float32)[:, ::2]
    np.testing.assert_array_equal(m(x), [[3.0, 6.0]])


def test_wrong_shape_raises_value_error(fake_lib):
    m = qc.load(fake_lib)
    with pytest.raises(ValueError) as ei:
        m(np.zeros((1, 4), np.float32))
    msg = str(ei.value)
    assert "'x'" in msg and "[1, 3]" in msg and "[1, 4]" in msg
    with pytest.raises(ValueError, match=r"'x'.*\[1, 3\].*\[3\]"):
        m(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="takes 1 input"):
        m(np.zeros((1, 3)), np.zeros((1, 3)))


def test_nonzero_return_raises_qcerror(fake_lib):
    m = qc.load(fake_lib)
    with pytest.raises(qc.QCError) as ei:
        m(np.array([[np.nan, 0, 0]]))
    assert ei.value.code == 7
    assert "7" in str(ei.value)


def test_run_batch(fake_lib):
    m = qc.load(fake_lib)
    x = np.arange(15, dtype=np.float32).reshape(5, 3)
    y = m.run_batch(x)
    assert y.shape == (5, 2)
    np.testing.assert_array_equal(y, np.stack([x[:, 0] + x[:, 1], x[:, 2] * 2], axis=1))
    np.testing.assert_array_equal(m.run_batch(x[:1]), m(x[:1]))
    with pytest.raises(ValueError, match="'x'"):
        m.run_batch(np.zeros((5, 4), np.float32))


def test_bind_reuses_buffers(fake_lib):
    m = qc.load(fake_lib)
    b = m.bind(np.array([[1, 2, 3]], np.float32))
    out = b()
    np.testing.assert_array_equal(out[0], [[3, 6]])
    b.inputs[0][0, 0] = 10
    assert b()[0][0, 0] == 12


def test_explicit_name_and_missing_symbols(fake_lib, tmp_path):
    renamed = tmp_path / "libsomething_else.so"
    renamed.write_bytes(fake_lib.read_bytes())
    with pytest.raises(qc.QCError, match="something_else_run"):
        qc.load(renamed)
    m = qc.load(renamed, name="fake")
    np.testing.assert_array_equal(m(np.ones((1, 3))), [[2, 2]])
    with pytest.raises(qc.QCError, match="cannot load"):
        qc.load(tmp_path / "libmissing.so")


# ---------------------------------------------------------------------------
# qc.compile() against a fake qc-compile that records its command line

FAKE_TOOL = textwrap.dedent("""\
    #!{python}
    import json, os, sys
    import numpy as np
    argv = sys.argv[1:]
    rec = {{"argv": argv}}
    if "--calibration-data" in argv:
        calib = argv[argv.index("--calibration-data") + 1]
        if os.path.exists(calib):
            rec["calib_shape"] = list(np.load(calib).shape)
    if argv[0].endswith("bad.onnx"):
        sys.stderr.write("error: unsupported op 'Foo'\\n")
        sys.exit(3)
    with open(argv[argv.index("-o") + 1], "w") as f:
        json.dump(rec, f)
""")


@pytest.fixture
def fake_tool(tmp_path):
    tool = tmp_path / "qc-compile"
    tool.write_text(FAKE_TOOL.format(python=sys.executable))
    tool.chmod(0o755)
    return tool


def _recorded(path):
    with open(path) as f:
        return json.load(f)


def test_compile_command_line(fake_tool, tmp_path):
    out = qc.compile("model.onnx", calibration_data="calib.npy",
                     output=tmp_path / "libnet.so", qc_compile=fake_tool)
    assert out == str(tmp_path / "libnet.so")
    assert _recorded(out)["argv"] == [
        "model.onnx", "--calibration-data", "calib.npy", "-o", out,
        "--name", "net", "--target", "host"]

    calib = np.zeros((4, 1, 8, 8))
    out = qc.compile("model.onnx", calibration_data=calib, output=tmp_path / "libq.so",
                     name="digits", target="x86-64", calibration_table="t.txt",
                     extra_args=["--verbose"], qc_compile=str(fake_tool))
    rec = _recorded(out)
    argv = rec["argv"]
    assert rec["calib_shape"] == [4, 1, 8, 8]
    assert argv[argv.index("--name") + 1] == "digits"
    assert argv[argv.index("--target") + 1] == "x86-64"
    assert argv[argv.index("--calibration-table") + 1] == "t.txt"
    assert argv[-1] == "--verbose" and "--float" not in argv

    out = qc.compile("model.onnx", output=tmp_path / "libf.so", quantize=False,
                     qc_compile=fake_tool)
    argv = _recorded(out)["argv"]
    assert "--float" in argv and "--calibration-data" not in argv


def test_compile_default_output(fake_tool, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = qc.compile("/x/digits.onnx", calibration_data="c.npy", qc_compile=fake_tool)
    assert out == str(tmp_path / "libdigits.so")
    assert "--name" in _recorded(out)["argv"]


def test_compile_failure_raises_with_stderr(fake_tool, tmp_path):
    with pytest.raises(qc.QCError) as ei:
        qc.compile("bad.onnx", calibration_data="c.npy", output=tmp_path / "libbad.so",
                   qc_compile=fake_tool)
    assert ei.value.code == 3
    assert "unsupported op 'Foo'" in str(ei.value)
    assert "unsupported op 'Foo'" in ei.value.stderr


def test_find_qc_compile_order(fake_tool, tmp_path, monkeypatch):
    monkeypatch.setenv("QC_COMPILE", str(fake_tool))
    assert qc.find_qc_compile() == str(fake_tool)
    other = tmp_path / "other-qc-compile"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    assert qc.find_qc_compile(other) == str(other)   # argument beats env
    with pytest.raises(qc.QCError):
        qc.find_qc_compile(tmp_path / "nope")
    monkeypatch.setenv("QC_COMPILE", str(tmp_path / "nope"))
    with pytest.raises(qc.QCError):
        qc.find_qc_compile()


# ---------------------------------------------------------------------------
# end to end with the real compiler on examples/digits

@pytest.fixture(scope="module")
def digits_models(tmp_path_factory):
    d = tmp_path_factory.mktemp("digits")
    onnx_path = os.path.join(DIGITS, "digits.onnx")
    lib_f = qc.compile(onnx_path, output=d / "libdigits_f32.so", quantize=False,
                       qc_compile=QC_COMPILE)
    lib_q = qc.compile(onnx_path, calibration_data=os.path.join(DIGITS, "calib.npy"),
                       output=d / "libdigits_i8.so", qc_compile=QC_COMPILE)
    return qc.load(lib_f), qc.load(lib_q)


@needs_qc_compile
def test_digits_signature(digits_models):
    for m in digits_models:
        assert m.inputs == [("input", (1, 1, 8, 8))]
        assert m.outputs == [("logits", (1, 10))]


@needs_qc_compile
def test_digits_int8_matches_float(digits_models):
    m_f, m_q = digits_models
    x = np.load(os.path.join(DIGITS, "test_x.npy"))
    y = np.load(os.path.join(DIGITS, "test_y.npy"))
    pred_f = m_f.run_batch(x).argmax(axis=1)
    pred_q = m_q.run_batch(x).argmax(axis=1)
    acc_f = 100.0 * (pred_f == y).mean()
    acc_q = 100.0 * (pred_q == y).mean()
    agree = 100.0 * (pred_f == pred_q).mean()
    assert acc_f >= 95.0, f"float accuracy {acc_f:.2f}%"
    assert acc_q >= acc_f - 1.0, f"int8 {acc_q:.2f}% vs float {acc_f:.2f}%"
    assert agree >= 99.0, f"argmax agreement {agree:.2f}%"


@needs_qc_compile
@pytest.mark.parametrize("target,machine,extra", [
    ("aarch64-dotprod", 183, {}),        # EM_AARCH64
    ("aarch64-i8mm", 183, {}),
    ("riscv64-rvv", 243, {"vlen": 256}),  # EM_RISCV
])
def test_cross_compile_from_python(tmp_path, target, machine, extra):
    """qc.compile builds for another ISA (the ELF names that machine);
    loading it here is a QCError, not a crash."""
    if not os.path.exists(f"/usr/{'aarch64' if machine == 183 else 'riscv64'}-linux-gnu/lib/libc.so"):
        pytest.skip("cross sysroot not installed")
    lib = qc.compile(os.path.join(DIGITS, "digits.onnx"),
                     calibration_data=os.path.join(DIGITS, "calib.npy"),
                     output=tmp_path / "libdigits_x.so", target=target,
                     qc_compile=QC_COMPILE, **extra)
    with open(lib, "rb") as f:
        header = f.read(20)
    assert header[:4] == b"\x7fELF"
    assert int.from_bytes(header[18:20], "little") == machine
    with pytest.raises(qc.QCError, match="cannot load"):
        qc.load(lib)


@needs_qc_compile
def test_vlen_on_x86_is_an_error(tmp_path):
    with pytest.raises(qc.QCError, match="--vlen applies to RISC-V"):
        qc.compile(os.path.join(DIGITS, "digits.onnx"),
                   calibration_data=os.path.join(DIGITS, "calib.npy"),
                   output=tmp_path / "libd.so", target="x86_64-avx2", vlen=256,
                   qc_compile=QC_COMPILE)
    assert not os.path.exists(tmp_path / "libd.so")


# ---------------------------------------------------------------------------
# int8 inputs and outputs (qc-compile --io int8)

@needs_qc_compile
def test_int8_io_matches_float_io(tmp_path):
    """The --io int8 library, fed the int8 input the float library's own
    quantize computes (x * f32(1/scale), round half to even, saturate), returns
    exactly the int8 output the float library dequantizes."""
    onnx_path = os.path.join(DIGITS, "digits.onnx")
    calib = os.path.join(DIGITS, "calib.npy")
    flib = qc.load(qc.compile(onnx_path, calib, output=tmp_path / "libf.so",
                              name="f", qc_compile=QC_COMPILE), name="f")
    ilib_path = tmp_path / "libi.so"
    subprocess.run([QC_COMPILE, onnx_path, "--calibration-data", calib, "--io", "int8",
                    "--name", "i", "-o", str(ilib_path)], check=True)
    ilib = qc.load(ilib_path, name="i")
    assert ilib.input_dtypes == [np.dtype(np.int8)]
    assert ilib.output_dtypes == [np.dtype(np.int8)]
    (s_in, z_in), (s_out, z_out) = ilib.input_quantization[0], ilib.output_quantization[0]
    header = (tmp_path / "i.h").read_text()
    assert f"#define I_INPUT0_ZERO_POINT {z_in}" in header
    assert "int i_run(const void *const *inputs, void *const *outputs);" in header

    x = np.load(os.path.join(DIGITS, "test_x.npy"))[:50].astype(np.float32)
    inv = np.float32(1.0 / s_in)
    q = np.clip(np.rint(x * inv), -128 - z_in, 127 - z_in) + z_in
    q = q.astype(np.int8)
    got = ilib.run_batch(q)
    assert got.dtype == np.int8
    real = (got.astype(np.float32) - np.float32(z_out)) * np.float32(s_out)
    np.testing.assert_array_equal(real, flib.run_batch(x))
    # A float array for an int8 input is refused, not silently converted.
    with pytest.raises(ValueError, match="int8"):
        ilib(x[:1])


@needs_qc_compile
def test_threads_give_identical_results(tmp_path):
    """The library's thread pool splits output tiles: any thread count gives
    the same bits; --threads sets the default, set_num_threads changes it."""
    onnx_path = os.path.join(DIGITS, "digits.onnx")
    calib = os.path.join(DIGITS, "calib.npy")
    lib_path = tmp_path / "libt.so"
    subprocess.run([QC_COMPILE, onnx_path, "--calibration-data", calib, "--threads", "3",
                    "--name", "t", "-o", str(lib_path)], check=True)
    lib = qc.load(lib_path, name="t")
    assert lib.get_num_threads() == 3
    x = np.load(os.path.join(DIGITS, "test_x.npy"))[:100].astype(np.float32)
    results = []
    for n in (1, 2, 4):
        lib.set_num_threads(n)
        assert lib.get_num_threads() == n
        results.append(lib.run_batch(x))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    assert "void t_set_num_threads(int n);" in (tmp_path / "t.h").read_text()
