#!/usr/bin/python3
"""PyTorch twin of nanocim's training step, for timing one epoch side by side (bench/train_epoch.sh).

The network and step mirror nanocim's src/bnn/train.c for `--arch mlp:1024,1024 --no-augment`:
  Linear(784,1024,bias=False) -> BatchNorm1d -> sign
  -> Linear(1024,1024,bias=False) -> BatchNorm1d -> sign
  -> Linear(1024,10,bias=False) -> BatchNorm1d (affine; class scores) -> softmax cross-entropy.
Weights are binarized in the forward pass (sign of the latent weights, sign(0) = +1; the gradient
goes straight through to the latent weights). The sign activation uses the straight-through
estimator: forward sign(x) with sign(0) = +1, backward grad * (|x| <= 1). Latent weights start
Glorot-uniform; Adam (lr 5e-3, betas 0.9/0.999, eps 1e-8) updates every parameter and the latent
weights are clipped to [-1, 1] after each step. Inputs are pixel - 128, as floats.

Only the epoch loop is timed (data loading and model set-up are not). Prints one JSON line.
Run with Debian's interpreter: /usr/bin/python3 bench/torch_bnn_epoch.py --threads 2
"""
import argparse
import ctypes
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path, header):
    """An IDX file's payload as uint8 (header: 16 bytes for images, 8 for labels)."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def sign_pm1(x):
    """sign(x) in {-1, +1} with sign(0) = +1: torch.sign gives {-1, 0, 1}, and sign(that + 0.5)
    gives {-1, 1, 1}, in place on one new tensor. Not torch.where(x >= 0, 1., -1.): on Debian's
    torch 1.13 that kernel is about 25x slower and adds about 4 s to a single-thread epoch."""
    return torch.sign(x).add_(0.5).sign_()


class SignSTE(torch.autograd.Function):
    """Activation sign: forward sign(x) with sign(0) = +1, backward grad * (|x| <= 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return sign_pm1(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class SignWeight(torch.autograd.Function):
    """Weight binarization: forward sign(w) with sign(0) = +1, gradient passed straight through."""

    @staticmethod
    def forward(ctx, w):
        return sign_pm1(w)

    @staticmethod
    def backward(ctx, g):
        return g


class BinaryLinear(nn.Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out, bias=False)
        nn.init.xavier_uniform_(self.weight)  # Glorot uniform, as nanocim

    def forward(self, x):
        return F.linear(x, SignWeight.apply(self.weight))


class BinaryMLP(nn.Module):
    def __init__(self, widths=(784, 1024, 1024, 10)):
        super().__init__()
        self.linears = nn.ModuleList(BinaryLinear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(b, eps=1e-5, momentum=0.1) for b in widths[1:])

    def forward(self, x):
        last = len(self.linears) - 1
        for i, (lin, bn) in enumerate(zip(self.linears, self.norms)):
            x = bn(lin(x))
            if i < last:
                x = SignSTE.apply(x)
        return x  # class scores


def openblas_info():
    """The OpenBLAS (or other BLAS) library this process has mapped, and its kernel name."""
    libs = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and ("openblas" in parts[-1] or "libblas" in parts[-1]):
                if parts[-1] not in libs:
                    libs.append(parts[-1])
    # Prefer the real OpenBLAS library over the libblas.so.3 shim pointing at it.
    libs.sort(key=lambda p: 0 if "libopenblas" in p else 1)
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return path, lib.openblas_get_corename().decode(), lib
        except (OSError, AttributeError):
            continue
    return (libs[0] if libs else None), "not OpenBLAS", None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-3)
    ap.add_argument("--limit", type=int, default=0, help="use the first N images only")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    images = read_idx(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"), 16).reshape(-1, 784)
    labels = read_idx(os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"), 8)
    if args.limit:
        images, labels = images[: args.limit], labels[: args.limit]
    images = torch.from_numpy(images.copy())  # uint8; converted per batch in the loop, as nanocim
    labels = torch.from_numpy(labels.astype(np.int64))
    n = images.shape[0]

    model = BinaryMLP()
    model.train()
    latent = [lin.weight for lin in model.linears]
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)

    blas_path, blas_kernel, blas = openblas_info()
    # torch.set_num_threads sets OpenMP threads only; give OpenBLAS the same count, as nanocim does.
    if blas is not None and hasattr(blas, "openblas_set_num_threads"):
        blas.openblas_set_num_threads(args.threads)
    blas_threads = blas.openblas_get_num_threads() if blas is not None else None

    gen = torch.Generator().manual_seed(args.seed)
    B = args.batch
    steps = n // B  # full batches only, as nanocim
    t0 = time.perf_counter()
    perm = torch.randperm(n, generator=gen)
    correct = torch.zeros((), dtype=torch.int64)
    loss_sum = torch.zeros((), dtype=torch.float64)
    for s in range(steps):
        idx = perm[s * B:(s + 1) * B]
        x = images[idx].float() - 128.0
        y = labels[idx]
        scores = model(x)
        loss = F.cross_entropy(scores, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for w in latent:
                w.clamp_(-1.0, 1.0)
            correct += (scores.argmax(1) == y).sum()
            loss_sum += loss.detach().double()
    seconds = time.perf_counter() - t0

    cfg = torch.__config__.show()
    short = []
    for key in ("BLAS_INFO=", "LAPACK_INFO="):
        i = cfg.find(key)
        if i >= 0:
            short.append(cfg[i:].split(",")[0])
    for line in cfg.splitlines():
        if "CPU capability" in line:
            short.append(line.strip(" -"))
    print(json.dumps({
        "impl": "pytorch",
        "seconds": round(seconds, 3),
        "threads": torch.get_num_threads(),
        "openblas_threads": blas_threads,
        "torch": torch.__version__,
        "blas_config": "; ".join(short),
        "blas_lib": blas_path,
        "openblas_kernel": blas_kernel,
        "steps": steps,
        "train_accuracy": round(float(correct) / (steps * B), 4),
        "train_loss": round(float(loss_sum) / steps, 4),
    }))


if __name__ == "__main__":
    main()
