#!/usr/bin/env python3
"""Train a small CNN on sklearn's bundled 8x8 digits and export it to ONNX.

Usage:  /usr/bin/python3 examples/digits/train.py [--epochs N] [--out-dir DIR]

Writes (into the directory of this script by default):
  digits.onnx   opset 13, input "input" [1,1,8,8] float32, output "logits" [1,10]
  test_x.npy    float32 [500,1,8,8]  held-out test images, pixels in [0,1]
  test_y.npy    int64   [500]        test labels
  calib.npy     float32 [64,1,8,8]   calibration images taken from the TRAIN split

Everything is deterministic: fixed seeds, CPU, single thread.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

SEED = 1297
NUM_TEST = 500
NUM_CALIB = 64
ALLOWED_OPS = {"Conv", "Relu", "MaxPool", "Add", "GlobalAveragePool",
               "Flatten", "Gemm", "Reshape"}


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))    # [N,8,8,8]
        x = self.pool(x)                           # [N,8,4,4]
        x = torch.relu(self.bn2(self.conv2(x)))    # [N,16,4,4]
        x = torch.relu(self.bn3(self.conv3(x)) + x)  # residual block
        x = self.flatten(self.gap(x))              # [N,16]
        return self.fc(x)                          # [N,10]


def load_split():
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0)[:, None, :, :]  # [1797,1,8,8]
    y = digits.target.astype(np.int64)
    perm = np.random.RandomState(SEED).permutation(len(x))
    test_idx, train_idx = perm[:NUM_TEST], perm[NUM_TEST:]
    return x[train_idx], y[train_idx], x[test_idx], y[test_idx]


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(1).numpy()
    return float((pred == y).mean())


def run_onnx_numpy(model, x):
    """Evaluate the (small) exported graph with numpy; supports ALLOWED_OPS only."""
    from onnx import numpy_helper, helper
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        ins = [env[n] for n in node.input]
        op = node.op_type
        if op == "Conv":
            xx, w = ins[0], ins[1]
            b = ins[2] if len(ins) > 2 else np.zeros(w.shape[0], np.float32)
            assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1]
            pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
            sh, sw = a.get("strides", [1, 1])
            kh, kw = w.shape[2:]
            xp = np.pad(xx, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
            oh = (xp.shape[2] - kh) // sh + 1
            ow = (xp.shape[3] - kw) // sw + 1
            y = np.zeros((xx.shape[0], w.shape[0], oh, ow), np.float32)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
                    y += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
            out = y + b[None, :, None, None]
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "MaxPool":
            kh, kw = a["kernel_shape"]
            sh, sw = a.get("strides", [1, 1])
            assert not any(a.get("pads", [0, 0, 0, 0]))
            xx = ins[0]
            oh = (xx.shape[2] - kh) // sh + 1
            ow = (xx.shape[3] - kw) // sw + 1
            out = np.full(xx.shape[:2] + (oh, ow), -np.inf, np.float32)
            for i in range(kh):
                for j in range(kw):
                    out = np.maximum(out, xx[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "GlobalAveragePool":
            out = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Reshape":
            out = ins[0].reshape(ins[1])
        elif op == "Gemm":
            aa = ins[0].T if a.get("transA", 0) else ins[0]
            bb = ins[1].T if a.get("transB", 0) else ins[1]
            out = a.get("alpha", 1.0) * aa @ bb
            if len(ins) > 2:
                out = out + a.get("beta", 1.0) * ins[2]
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = out.astype(np.float32)
    return env[model.graph.output[0].name]


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--out-dir", default=here)
    args = ap.parse_args(argv)

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    x_train, y_train, x_test, y_test = load_split()
    print(f"train {len(x_train)}  test {len(x_test)}")

    model = DigitsNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    gen = torch.Generator().manual_seed(SEED)
    batch = 32
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        if (epoch + 1) % 10 == 0 or epoch == 0:
            print(f"epoch {epoch + 1:3d}  loss {total / len(xt):.4f}  "
                  f"test acc {accuracy(model, x_test, y_test) * 100:.2f}%")

    model.eval()
    acc = accuracy(model, x_test, y_test)
    print(f"float test accuracy: {acc * 100:.2f}% ({int(round(acc * len(y_test)))}/{len(y_test)})")

    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "digits.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), onnx_path,
                      opset_version=13, input_names=["input"],
                      output_names=["logits"],
                      training=torch.onnx.TrainingMode.EVAL,
                      do_constant_folding=True)

    # calibration samples: a deterministic subset of the TRAIN split
    calib_idx = np.random.RandomState(SEED + 1).choice(len(x_train), NUM_CALIB, replace=False)
    np.save(os.path.join(args.out_dir, "test_x.npy"), np.ascontiguousarray(x_test, dtype=np.float32))
    np.save(os.path.join(args.out_dir, "test_y.npy"), y_test.astype(np.int64))
    np.save(os.path.join(args.out_dir, "calib.npy"),
            np.ascontiguousarray(x_train[calib_idx], dtype=np.float32))

    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    print("exported op types (in order):", " ".join(ops))
    print("distinct op types:", ", ".join(sorted(set(ops))))
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        print("error: unsupported op types in export:", bad, file=sys.stderr)
        return 1

    # Sanity check: evaluate the exported graph with a tiny numpy interpreter
    # (no onnxruntime here) and compare with torch on the test set.
    with torch.no_grad():
        ref = model(torch.from_numpy(x_test)).numpy()
    got = np.concatenate([run_onnx_numpy(m, x_test[i:i + 1]) for i in range(len(x_test))])
    err = float(np.abs(got - ref).max())
    print(f"onnx graph (numpy eval) vs torch: max abs diff {err:.2e}")
    if err > 1e-3:
        print("error: exported graph disagrees with torch", file=sys.stderr)
        return 1
    print(f"wrote {onnx_path}, test_x.npy, test_y.npy, calib.npy to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
