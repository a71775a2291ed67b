#!/usr/bin/env python3
"""A binarized network trained in PyTorch, deployed on nanocim, and back.

1. Trains a small BinaryNet-style MLP (Courbariaux, Hubara et al. 2016) on Fashion-MNIST in
   PyTorch: binary weights (sign, straight-through estimator), batch norm then sign as the
   hidden activation, 8-bit inputs (pixel - 128) to the first layer, a batch-normalised class
   layer.
2. Folds it exactly: each hidden batch norm followed by sign becomes an integer threshold on the
   neuron's integer sum, found by searching the integers with the very float32 expression the
   PyTorch module evaluates; exports the binary weights, thresholds and class-layer affine map as
   an .npz in nanocim's layout (include/nanocim/npz.h, docs/python.md).
3. Imports the .npz into nanocim and runs it on the packed XNOR-popcount engine: the predictions
   must equal PyTorch's own on every test image.
4. The other way: trains a network in nanocim, exports it to .npz, builds a PyTorch module from
   the arrays, and checks that PyTorch predicts what nanocim predicts on every test image.

Run from a clone after the README's two commands (uses Debian's python3-torch and python3-numpy):
    PYTHONPATH=python /usr/bin/python3 examples/pytorch_bnn.py
Exit status: 0 when both round trips give identical predictions, 1 when they do not, 77 when
PyTorch or Fashion-MNIST is not installed.
"""

import argparse
import os
import sys
import tempfile

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("SKIP: PyTorch is not installed (Debian package python3-torch)")
    sys.exit(77)

import nanocim

EPS = 1e-5  # the batch-norm epsilon (nanocim's NCM_BN_EPS)


# ---- a BinaryNet MLP in PyTorch -------------------------------------------------------------


class SignSTE(torch.autograd.Function):
    """sign with sign(0) = +1 forward; the straight-through estimator with the hard-tanh window
    backward (the gradient passes where |x| <= 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


def bn_eval(a, mean, var, gamma, beta):
    """Evaluation-mode batch norm in the exact float32 form nanocim folds: the scale
    gamma / sqrt(var + eps) first, then (a - mean) * scale + beta, each operation rounded."""
    scale = gamma / torch.sqrt(var + EPS)
    return (a - mean) * scale + beta


class BinaryMLP(torch.nn.Module):
    def __init__(self, widths, n_in=784, n_classes=10):
        super().__init__()
        sizes = [n_in] + list(widths) + [n_classes]
        self.w = torch.nn.ParameterList()
        self.bn = torch.nn.ModuleList()
        for i in range(len(sizes) - 1):
            w = torch.empty(sizes[i + 1], sizes[i]).uniform_(-1, 1)
            self.w.append(torch.nn.Parameter(w))
            self.bn.append(torch.nn.BatchNorm1d(sizes[i + 1], eps=EPS, momentum=0.1))

    def forward(self, pixels_u8):
        x = pixels_u8.float() - 128.0  # the first layer's 8-bit input
        for i, (w, bn) in enumerate(zip(self.w, self.bn)):
            a = x @ SignSTE.apply(w).t()  # integer sums, exact in float32
            if self.training:
                y = bn(a)
            else:
                y = bn_eval(a, bn.running_mean, bn.running_var, bn.weight, bn.bias)
            if i == len(self.w) - 1:
                return y  # class scores
            x = SignSTE.apply(y)


def train_torch(model, images, labels, epochs, seed):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    steps = epochs * (len(images) // 100)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=(1e-2) ** (1.0 / max(1, steps)))
    x_all = torch.from_numpy(np.array(images.reshape(len(images), -1)))  # a writable copy
    y_all = torch.from_numpy(labels.astype(np.int64))
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(images))
        for b in range(len(images) // 100):
            idx = perm[b * 100:(b + 1) * 100]
            loss = F.cross_entropy(model(x_all[idx]), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():  # latent weights clipped to [-1, 1] (BinaryNet)
                for w in model.w:
                    w.clamp_(-1, 1)
        print(f"  PyTorch epoch {epoch + 1}: last batch loss {loss.item():.3f}")
    # Batch-norm statistics over the training set with the final weights (population
    # averages, as nanocim does at the end of each epoch).
    model.train()
    with torch.no_grad():
        for bn in model.bn:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average
        for b in range(0, min(len(images), 10000), 500):
            model(x_all[b:b + 500])
    model.eval()


def torch_predict(model, images):
    with torch.no_grad():
        x = torch.from_numpy(np.array(images.reshape(len(images), -1)))
        return torch.argmax(model(x), dim=1).numpy().astype(np.int32)


# ---- exact folding and the .npz layout ------------------------------------------------------


def fold_thresholds(mean, var, gamma, beta, fan_in, m):
    """For each neuron, the integer threshold T and direction d with
    bn_eval(a) >= 0  <=>  (d = +1 and a >= T) or (d = -1 and a <= T), for every integer sum a in
    [-m * fan_in, m * fan_in], by a binary search over the integers with the float32 expression
    itself (monotone in a), so the folding is exact."""
    scale = (gamma / torch.sqrt(var + EPS)).numpy()
    mean, beta = mean.numpy(), beta.numpy()

    def fires(a):
        return (a.astype(np.float32) - mean) * scale + beta >= 0

    lo0, hi0 = -m * fan_in, m * fan_in
    n = len(mean)
    up = scale >= 0  # non-decreasing: fires from T upwards
    lo = np.full(n, lo0, np.int64)
    hi = np.full(n, hi0, np.int64)
    # up: the smallest a that fires (hi0 + 1 if none); down: the largest (lo0 - 1 if none)
    for _ in range(40):
        mid = np.where(up, (lo + hi) // 2, (lo + hi + 1) // 2)
        f = fires(mid)
        hi = np.where(up & f, mid, hi)
        lo = np.where(up & ~f, mid + 1, lo)
        lo = np.where(~up & f, mid, lo)
        hi = np.where(~up & ~f, mid - 1, hi)
    t_up = np.where(fires(lo), lo, hi0 + 1)
    t_down = np.where(fires(lo), lo, lo0 - 1)
    thresh = np.where(up, t_up, t_down).astype(np.int32)
    return thresh, np.where(up, 1, -1).astype(np.int8)


def export_npz(model, widths, path):
    arrays = {
        "format": np.int32(1),
        "arch": np.str_("mlp:" + ",".join(str(w) for w in widths)),
        "input_shape": np.array([1, 28, 28], np.int32),
        "n_classes": np.int32(10),
    }
    last = len(model.w) - 1
    for i, (w, bn) in enumerate(zip(model.w, model.bn)):
        wb = torch.where(w >= 0, 1, -1).to(torch.int8).numpy()
        arrays[f"layer{i}.weight"] = wb
        with torch.no_grad():
            if i == last:
                scale = bn.weight / torch.sqrt(bn.running_var + EPS)
                arrays[f"layer{i}.mean"] = bn.running_mean.numpy().astype(np.float32)
                arrays[f"layer{i}.scale"] = scale.numpy().astype(np.float32)
                arrays[f"layer{i}.beta"] = bn.bias.numpy().astype(np.float32)
            else:
                t, d = fold_thresholds(bn.running_mean, bn.running_var, bn.weight, bn.bias,
                                       wb.shape[1], 128 if i == 0 else 1)
                arrays[f"layer{i}.threshold"] = t
                arrays[f"layer{i}.direction"] = d
    np.savez(path, **arrays)


class FoldedMLP(torch.nn.Module):
    """A folded network from an .npz in PyTorch: integer sums, thresholds, the class layer's
    affine map, computed exactly as nanocim's reference does."""

    def __init__(self, npz):
        super().__init__()
        n = sum(1 for k in npz.files if k.endswith(".weight"))
        self.layers = []
        for i in range(n):
            w = torch.from_numpy(npz[f"layer{i}.weight"].astype(np.float32))
            if i == n - 1:
                self.layers.append((w, *(torch.from_numpy(npz[f"layer{i}.{k}"].astype(np.float32))
                                         for k in ("mean", "scale", "beta"))))
            else:
                self.layers.append((w, torch.from_numpy(npz[f"layer{i}.threshold"].astype(np.int64)),
                                    torch.from_numpy(npz[f"layer{i}.direction"].astype(np.int64))))

    def forward(self, pixels_u8):
        x = pixels_u8.float() - 128.0
        for i, layer in enumerate(self.layers):
            a = x @ layer[0].t()
            if i == len(self.layers) - 1:
                _, mean, scale, beta = layer
                return (a - mean) * scale + beta
            _, t, d = layer
            a = a.to(torch.int64)
            on = torch.where(d > 0, a >= t, a <= t)
            x = torch.where(on, 1.0, -1.0)


# ---- the two round trips --------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=3, help="PyTorch and nanocim epochs (3)")
    ap.add_argument("--train-limit", type=int, default=0, help="first N training images (all)")
    ap.add_argument("--widths", default="256,256", help="hidden layer widths (256,256)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    try:
        train = nanocim.Dataset.load("fashion-mnist", train=True)
        test = nanocim.Dataset.load("fashion-mnist", train=False)
    except nanocim.NanocimError as e:
        print(f"SKIP: {e}")
        return 77
    images, labels = train.images, train.labels
    if args.train_limit:
        images, labels = images[:args.train_limit], labels[:args.train_limit]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        # 1-3: PyTorch -> .npz -> nanocim
        print(f"PyTorch: training a binarized MLP 784-{'-'.join(map(str, widths))}-10 on "
              f"{len(images)} images, {args.epochs} epochs")
        net = BinaryMLP(widths)
        train_torch(net, images, labels, args.epochs, args.seed)
        pt_pred = torch_predict(net, test.images)
        path = os.path.join(tmp, "torch_bnn.npz")
        export_npz(net, widths, path)
        model = nanocim.Model.load_npz(path)
        nc_pred, _ = model.predict(test, engine="packed")
        same = int(np.sum(nc_pred == pt_pred))
        print(f"PyTorch accuracy {np.mean(pt_pred == test.labels):.4f}; nanocim packed engine "
              f"({model.arch}) agrees on {same}/{len(pt_pred)} test images")
        ok &= same == len(pt_pred)

        # 4: nanocim -> .npz -> PyTorch
        print(f"nanocim: training mlp:{args.widths} for {args.epochs} epochs")
        res = nanocim.train(train=train, test=test, arch="mlp:" + args.widths, epochs=args.epochs,
                            seed=args.seed, train_limit=args.train_limit)
        path = os.path.join(tmp, "nanocim_bnn.npz")
        res.model.save_npz(path)
        nc_pred, _ = res.model.predict(test, engine="packed")
        with np.load(path) as npz:
            folded = FoldedMLP(npz)
        with torch.no_grad():
            x = torch.from_numpy(np.array(test.images.reshape(len(test.images), -1)))
            pt_pred = torch.argmax(folded(x), dim=1).numpy().astype(np.int32)
        same = int(np.sum(nc_pred == pt_pred))
        print(f"nanocim accuracy {res.test_accuracy:.4f}; the PyTorch module built from its .npz "
              f"agrees on {same}/{len(pt_pred)} test images")
        ok &= same == len(pt_pred)
    print("identical predictions both ways" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
