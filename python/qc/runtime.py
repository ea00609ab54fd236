"""Loading and running libraries produced by ``qc-compile`` (ctypes + numpy).

A compiled library for a model called NAME exports::

    int NAME_run(const float *const *inputs, float *const *outputs); /* 0 = ok */
        (``const void *const *`` when built with ``--io int8``)
    int NAME_num_inputs(void);
    int NAME_num_outputs(void);
    const char *NAME_input_name(int i);
    const char *NAME_output_name(int i);
    int NAME_input_rank(int i);
    const int64_t *NAME_input_shape(int i);
    int NAME_output_rank(int i);
    const int64_t *NAME_output_shape(int i);
    int NAME_input_type(int i);  /* 0 float32, 1 int8; also NAME_output_type */
    double NAME_input_scale(int i);  int NAME_input_zero_point(int i);  (int8)
"""
import ctypes
import os
import re

import numpy as np

__all__ = ["QCError", "CompiledModel", "BoundRun", "load", "default_name"]

_FLOAT_P = ctypes.POINTER(ctypes.c_float)
_FLOAT_PP = ctypes.POINTER(_FLOAT_P)


class QCError(RuntimeError):
    """Error reported by a compiled model (non-zero return code) or by qc-compile.

    ``code`` is the model's return code or the compiler's exit status (None if
    not applicable); ``stderr`` holds the compiler's diagnostics when available.
    """

    def __init__(self, message, code=None, stderr=None):
        super().__init__(message)
        self.code = code
        self.stderr = stderr


def default_name(path):
    """Model name (C symbol prefix) derived from a library path.

    ``libdigits.so`` -> ``digits``: the directory, a leading ``lib`` and the
    ``.so`` suffix are removed; characters that cannot appear in a C
    identifier become ``_`` (and a leading digit gets a ``_`` prefix).
    """
    base = os.path.basename(os.fspath(path))
    if base.endswith(".so"):
        base = base[:-3]
    if base.startswith("lib") and len(base) > 3:
        base = base[3:]
    name = re.sub(r"[^A-Za-z0-9_]", "_", base)
    if not name:
        raise ValueError(f"cannot derive a model name from {os.fspath(path)!r}")
    if name[0].isdigit():
        name = "_" + name
    return name


def _fmt_shape(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _shape_matches(expected, got):
    # negative dimensions (if a library ever reports one) match anything
    return len(expected) == len(got) and all(e < 0 or e == g for e, g in zip(expected, got))


class BoundRun:
    """A model call with inputs and outputs already bound to C pointers.

    Calling it runs the model once on the bound inputs with minimal Python
    overhead (useful for benchmarking); results land in ``self.outputs``.
    """

    __slots__ = ("_run", "_in_ptrs", "_out_ptrs", "inputs", "outputs")

    def __init__(self, run, inputs, outputs):
        self._run = run
        self.inputs = inputs      # keep the buffers alive
        self.outputs = outputs
        self._in_ptrs = (_FLOAT_P * max(1, len(inputs)))(
            *[ctypes.cast(a.ctypes.data, _FLOAT_P) for a in inputs])
        self._out_ptrs = (_FLOAT_P * max(1, len(outputs)))(
            *[ctypes.cast(a.ctypes.data, _FLOAT_P) for a in outputs])

    def __call__(self):
        rc = self._run(self._in_ptrs, self._out_ptrs)
        if rc != 0:
            raise QCError(f"model run failed with code {rc}", code=rc)
        return self.outputs


class CompiledModel:
    """A model loaded from a shared library produced by qc-compile.

    Attributes:
        name:    the C symbol prefix (NAME in ``NAME_run``)
        path:    absolute path of the library
        inputs:  list of (name, shape tuple)
        outputs: list of (name, shape tuple)
        input_dtypes / output_dtypes: numpy dtypes (float32, or int8 for a
                 library built with ``--io int8``)
        input_quantization / output_quantization: (scale, zero point) per
                 int8 tensor (real = scale * (q - zero point)), None for float

    Calling the model with one numpy array per input returns one array per
    output (a tuple if the model has several). Calls are not serialised:
    whether a library may be run from several threads at once depends on the
    generated code.
    """

    def __init__(self, path, name=None):
        self.path = os.path.abspath(os.fspath(path))
        self.name = name if name is not None else default_name(self.path)
        try:
            # keep a reference to the CDLL so the library stays loaded
            self._lib = ctypes.CDLL(self.path, mode=os.RTLD_LOCAL)
        except OSError as e:
            raise QCError(f"cannot load {self.path}: {e}") from None

        run = self._sym("run")
        run.argtypes = [_FLOAT_PP, _FLOAT_PP]
        run.restype = ctypes.c_int
        self._run = run

        def query(suffix, restype, argtypes):
            f = self._sym(suffix)
            f.restype = restype
            f.argtypes = argtypes
            return f

        c_int = ctypes.c_int
        num_inputs = query("num_inputs", c_int, [])()
        num_outputs = query("num_outputs", c_int, [])()
        self.inputs = self._describe(
            num_inputs, "input",
            query("input_name", ctypes.c_char_p, [c_int]),
            query("input_rank", c_int, [c_int]),
            query("input_shape", ctypes.POINTER(ctypes.c_int64), [c_int]))
        self.outputs = self._describe(
            num_outputs, "output",
            query("output_name", ctypes.c_char_p, [c_int]),
            query("output_rank", c_int, [c_int]),
            query("output_shape", ctypes.POINTER(ctypes.c_int64), [c_int]))
        def quantization(kind, count):
            # Libraries from before --io int8 have no type functions: float.
            try:
                get_type = query(f"{kind}_type", c_int, [c_int])
                get_scale = query(f"{kind}_scale", ctypes.c_double, [c_int])
                get_zp = query(f"{kind}_zero_point", c_int, [c_int])
            except QCError:
                return [np.dtype(np.float32)] * count, [None] * count
            dtypes, quant = [], []
            for i in range(count):
                int8 = get_type(i) == 1
                dtypes.append(np.dtype(np.int8 if int8 else np.float32))
                quant.append((get_scale(i), get_zp(i)) if int8 else None)
            return dtypes, quant

        self.input_dtypes, self.input_quantization = quantization("input", num_inputs)
        self.output_dtypes, self.output_quantization = quantization("output", num_outputs)
        for oname, shape in self.outputs:
            if any(d < 0 for d in shape):
                raise QCError(f"{self.path}: output {oname!r} has a dynamic shape "
                              f"{_fmt_shape(shape)}; only static shapes are supported")

    def set_num_threads(self, n):
        """Threads the library uses (n <= 0: the CPUs online)."""
        f = self._sym("set_num_threads")
        f.argtypes = [ctypes.c_int]
        f.restype = None
        f(int(n))

    def get_num_threads(self):
        f = self._sym("get_num_threads")
        f.argtypes = []
        f.restype = ctypes.c_int
        return f()

    def _sym(self, suffix):
        sym = f"{self.name}_{suffix}"
        try:
            return getattr(self._lib, sym)
        except AttributeError:
            raise QCError(
                f"{self.path} does not export {sym}(); is the model name "
                f"{self.name!r} right? (pass name=... to qc.load)") from None

    @staticmethod
    def _describe(count, kind, get_name, get_rank, get_shape):
        result = []
        for i in range(count):
            raw = get_name(i)
            nm = raw.decode("utf-8") if raw is not None else f"{kind}{i}"
            rank = get_rank(i)
            ptr = get_shape(i)
            shape = tuple(int(ptr[k]) for k in range(rank)) if rank > 0 else ()
            result.append((nm, shape))
        return result

    def __repr__(self):
        ins = ", ".join(f"{n}{_fmt_shape(s)}" for n, s in self.inputs)
        outs = ", ".join(f"{n}{_fmt_shape(s)}" for n, s in self.outputs)
        return f"<qc.CompiledModel {self.name!r} ({ins}) -> ({outs}) from {self.path}>"

    # -- running -----------------------------------------------------------
    def _prepare_inputs(self, arrays):
        if len(arrays) != len(self.inputs):
            names = ", ".join(n for n, _ in self.inputs)
            raise ValueError(f"model {self.name!r} takes {len(self.inputs)} input(s) "
                             f"({names}), got {len(arrays)}")
        prepared = []
        for (iname, shape), dtype, a in zip(self.inputs, self.input_dtypes, arrays):
            if dtype == np.int8 and np.asarray(a).dtype != np.int8:
                raise ValueError(f"input {iname!r} is int8 (library built with --io "
                                 f"int8); quantize it with input_quantization, "
                                 f"got {np.asarray(a).dtype}")
            a = np.ascontiguousarray(a, dtype=dtype)
            if not _shape_matches(shape, a.shape):
                hint = ""
                if (len(shape) >= 1 and shape[0] == 1 and a.ndim == len(shape)
                        and a.shape[1:] == tuple(shape[1:])):
                    hint = " (use run_batch() to run several samples)"
                raise ValueError(f"input {iname!r}: expected shape {_fmt_shape(shape)}, "
                                 f"got {_fmt_shape(a.shape)}{hint}")
            prepared.append(a)
        return prepared

    def bind(self, *arrays):
        """Validate/convert inputs, allocate outputs; return a :class:`BoundRun`."""
        ins = self._prepare_inputs(arrays)
        outs = [np.empty(shape, dtype=dtype)
                for (_, shape), dtype in zip(self.outputs, self.output_dtypes)]
        return BoundRun(self._run, ins, outs)

    def __call__(self, *arrays):
        outs = self.bind(*arrays)()
        return outs[0] if len(outs) == 1 else tuple(outs)

    def run_batch(self, *arrays):
        """Run a batch through a batch-1 model, one sample at a time.

        Each array must have shape ``(N,) + input_shape[1:]`` where the model's
        input batch dimension is 1 (the same N for all inputs). Outputs with a
        leading batch dimension of 1 are concatenated along it (giving
        ``(N,) + output_shape[1:]``); other outputs are stacked on a new leading
        axis. Arrays already matching the model's input shapes are run directly.
        """
        if len(arrays) != len(self.inputs):
            return self(*arrays)  # raises the usual arity error
        arrays = [np.asarray(a) for a in arrays]
        if all(_shape_matches(s, a.shape) for (_, s), a in zip(self.inputs, arrays)):
            return self(*arrays)
        n = None
        for (iname, shape), a in zip(self.inputs, arrays):
            if not (len(shape) >= 1 and shape[0] == 1 and a.ndim == len(shape)
                    and _shape_matches(shape[1:], a.shape[1:])):
                raise ValueError(
                    f"input {iname!r}: expected shape {_fmt_shape(shape)} or "
                    f"[N, {', '.join(str(d) for d in shape[1:])}] with a batch-1 model, "
                    f"got {_fmt_shape(a.shape)}")
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise ValueError(f"input {iname!r}: batch size {a.shape[0]} differs "
                                 f"from the first input's {n}")
        results = [[] for _ in self.outputs]
        for k in range(n):
            outs = self.bind(*[a[k:k + 1] for a in arrays])()
            for r, o in zip(results, outs):
                r.append(o)
        stacked = []
        for (_, shape), dtype, r in zip(self.outputs, self.output_dtypes, results):
            if len(shape) >= 1 and shape[0] == 1:
                stacked.append(np.concatenate(r, axis=0) if r else
                               np.empty((0,) + tuple(shape[1:]), dtype))
            else:
                stacked.append(np.stack(r) if r else
                               np.empty((0,) + tuple(shape), dtype))
        return stacked[0] if len(stacked) == 1 else tuple(stacked)


def load(path, name=None):
    """Load a library produced by qc-compile.

    ``name`` is the model name used as the C symbol prefix; by default it is
    derived from the file name (``libdigits.so`` -> ``digits``).
    """
    return CompiledModel(path, name=name)
