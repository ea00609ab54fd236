# -*- Python -*-
# lit configuration of qc's regression tests.

import os
import platform
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%qc_src", config.qc_src_root))
config.substitutions.append(("%cc", "clang-22"))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.qc_tools_dir, config.llvm_tools_dir]
tools = [
    ToolSubst("%qc-opt", command=os.path.join(config.qc_tools_dir, "qc-opt")),
    ToolSubst("%qc-compile", command=os.path.join(config.qc_tools_dir, "qc-compile")),
    "qc-opt",
    "qc-ref-check",
    "qc-run-lib",
    "llc",
    "mlir-opt",
]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)


def host_has_cpu_flag(flag):
    try:
        with open("/proc/cpuinfo") as f:
            return any(flag in line.split() for line in f if line.startswith("flags"))
    except OSError:
        return False


if platform.machine() == "x86_64":
    config.available_features.add("x86_64-host")
    for flag in ["avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8"]:
        if host_has_cpu_flag(flag):
            config.available_features.add("cpu-" + flag.replace("_", "-"))
# Cross execution: qemu-user with the Debian cross sysroot as its -L prefix
# (%qemu-aarch64 / %qemu-riscv64), and the sysroot's C library to link with.
for arch in ["aarch64", "riscv64"]:
    emu = "qemu-" + arch
    if shutil.which(emu):
        config.available_features.add(emu)
    sysroot = "/usr/%s-linux-gnu" % arch
    if os.path.exists(os.path.join(sysroot, "lib", "libc.so")):
        config.available_features.add(arch + "-sysroot")
    config.substitutions.append(("%" + emu, "%s -L %s" % (emu, sysroot)))
if shutil.which("ld.lld-22") or os.path.exists(os.path.join(config.llvm_tools_dir, "ld.lld")):
    config.available_features.add("lld")
