#!/usr/bin/python3
"""The fault-injection Monte Carlo of bench/bench_chip.c done the way PyTorch-based simulators of
in-memory computing do it, for timing side by side (bench/chip.sh).

The network is nanocim's folded model, exported to .npz (bench_chip --npz, `nanocim model
export`), run as a float32 forward pass exactly as docs/formats.md ("NumPy .npz weights") and the
header of include/nanocim/npz.h define it:
  layer 0 sees x = pixel - 128; each layer's integer sum a is the dot product of its +-1 weights
  (float32 tensors) with its inputs (dense: F.linear; convolution: F.conv2d after F.pad with
  -128 in layer 0 and -1 after it, 2x2 max-pool of the sums when the architecture says p);
  a hidden neuron outputs +1 when direction * a >= direction * threshold, else -1;
  the class layer scores (float32(a) - mean) * scale + beta, one rounded operation at a time,
  and the prediction is the first largest score (argmax).
Every sum is an integer below 2^24, so the float32 forward is exact and must predict what
nanocim's packed engine predicted on every image: checked at p = 0 against the predictions in
bench_chip's JSON (the script fails loudly if a single image differs).

Per chip (timed, mask drawing included, like nanocim's chip programming): for every layer a
random mask m = torch.rand(W.shape) < p flips the weights, W' = W * (1 - 2 m), then the forward
pass over the test images, argmax and accuracy. torch.set_num_threads (and OpenBLAS's own
thread count) are set to bench_chip's thread count unless --threads says otherwise.

usage: /usr/bin/python3 bench/chip_torch.py NANOCIM.json MODEL.npz [--chips N] [--ber P]
           [--threads T] [--batch B] [--seed S] [--data DIR] [--out TORCH.json]
  NANOCIM.json  written by bench_chip --json (predictions, images, ber, threads, images/s)
  MODEL.npz     the same model, written by bench_chip --npz or `nanocim model export`
  --chips N     chips timed (default 20; fewer, e.g. 5, to save time: the rate is per chip)
  --ber P       flip probability (default: bench_chip's)
  --batch B     images per forward call (default: all at once)
"""
import argparse
import ctypes
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

FLOAT_EXACT = float(2 ** 24)  # float32 holds every integer up to this


# ---- data ----------------------------------------------------------------------------------------

def read_idx(path):
    """An IDX file of unsigned bytes (raw or gzip, told by the content) as an ndarray."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size does not match its header")
    return arr.reshape(dims)


def find(folder, name):
    for cand in (name, name + ".gz"):
        p = os.path.join(folder, cand)
        if os.path.exists(p):
            return p
    return None


def load_test(spec):
    """The test split as nanocim's ncm_dataset_load reads it: images (n, c, h, w) uint8, labels."""
    folder = spec
    if spec == "fashion-mnist":
        folder = os.environ.get("NCM_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
    img = find(folder, "t10k-images-idx3-ubyte")
    lab = find(folder, "t10k-labels-idx1-ubyte")
    if img and lab:
        x = read_idx(img)
        return x.reshape(x.shape[0], 1, x.shape[1], x.shape[2]), read_idx(lab)
    cifar = os.path.join(folder, "test_batch.bin")
    if os.path.exists(cifar):
        rec = np.fromfile(cifar, dtype=np.uint8).reshape(-1, 3073)
        return rec[:, 1:].reshape(-1, 3, 32, 32), rec[:, 0].copy()
    sys.exit(f"chip_torch.py: {spec}: no IDX test files or CIFAR-10 test_batch.bin in {folder}")


# ---- the network ---------------------------------------------------------------------------------

class Layer:
    def __init__(self, weight, conv, pool, first, last, thresh=None, direction=None,
                 mean=None, scale=None, beta=None):
        self.weight, self.conv, self.pool, self.first, self.last = weight, conv, pool, first, last
        if not last:
            d = direction.astype(np.float32)
            t = np.clip(thresh.astype(np.float64), -FLOAT_EXACT, FLOAT_EXACT).astype(np.float32)
            shape = (1, -1, 1, 1) if conv else (1, -1)
            # fires when d * a >= d * T: exact, every value an integer below 2^24 in magnitude
            self.d = torch.from_numpy(d).reshape(shape)
            self.dt = torch.from_numpy(d * t).reshape(shape)
        else:
            self.mean, self.scale, self.beta = (torch.from_numpy(v.astype(np.float32))
                                                for v in (mean, scale, beta))


def load_npz(path):
    z = np.load(path)
    arch = str(z["arch"])
    L = 0
    while f"layer{L}.weight" in z:
        L += 1
    # pooling flags of the convolutions, from the architecture string (docs/formats.md)
    pools = []
    kind, _, body = arch.partition(":")
    if kind == "cnn":
        for tok in (t for t in body.split(",") if t):
            if tok == "p":
                pools[-1] = True
            elif not tok.startswith("f"):
                pools.append(False)
    layers, conv_i = [], 0
    for l in range(L):
        w = z[f"layer{l}.weight"]
        conv = w.ndim == 4
        pool = False
        if conv:
            pool = pools[conv_i] if conv_i < len(pools) else False
            conv_i += 1
        wt = torch.from_numpy(w.astype(np.float32))
        if l < L - 1:
            layers.append(Layer(wt, conv, pool, l == 0, False, thresh=z[f"layer{l}.threshold"],
                                direction=z[f"layer{l}.direction"]))
        else:
            layers.append(Layer(wt, conv, pool, l == 0, True, mean=z[f"layer{l}.mean"],
                                scale=z[f"layer{l}.scale"], beta=z[f"layer{l}.beta"]))
    return arch, [int(v) for v in z["input_shape"]], layers


def sign_pm1_(x):
    """In place: +1 where x >= 0, -1 elsewhere (torch.sign gives 0 at 0; sign(0 + 0.5) = +1)."""
    return x.sign_().add_(0.5).sign_()


def forward(layers, weights, x):
    """Predicted classes of the uint8 images x (n, c, h, w) with the given weight tensors."""
    h = x.float().sub_(128.0)
    if not layers[0].conv:
        h = torch.flatten(h, 1)
    for layer, w in zip(layers, weights):
        if layer.conv:
            h = F.conv2d(F.pad(h, (1, 1, 1, 1), value=-128.0 if layer.first else -1.0), w)
            if layer.pool:
                h = F.max_pool2d(h, 2)
        else:
            if h.dim() > 2:
                h = torch.flatten(h, 1)
            h = F.linear(h, w)
        if not layer.last:
            h = sign_pm1_(h.mul_(layer.d).sub_(layer.dt))
        else:
            score = ((h - layer.mean) * layer.scale) + layer.beta
            return score.argmax(1)


def predict(layers, weights, images, batch):
    return torch.cat([forward(layers, weights, images[i:i + batch])
                      for i in range(0, images.shape[0], batch)])


# ---- threads -------------------------------------------------------------------------------------

def set_blas_threads(n):
    """torch.set_num_threads sets the OpenMP pool only; give OpenBLAS (Debian's torch calls it
    through libblas.so.3) the same count. Returns the BLAS library's name and kernel."""
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f
                       if "openblas" in line.split()[-1] or "libblas" in line.split()[-1]},
                      key=lambda p: 0 if "libopenblas" in p else 1)
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_set_num_threads(n)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return f"{os.path.basename(os.path.realpath(path))} " \
                   f"({lib.openblas_get_corename().decode()}, {lib.openblas_get_num_threads()} " \
                   f"threads)"
        except (OSError, AttributeError):
            continue
    return libs[0] if libs else "none mapped"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("nanocim_json")
    ap.add_argument("npz")
    ap.add_argument("--chips", type=int, default=20)
    ap.add_argument("--ber", type=float)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.chips < 1:
        ap.error("--chips must be at least 1")
    with open(args.nanocim_json) as f:
        nc = json.load(f)
    ber = nc["ber"] if args.ber is None else args.ber
    threads = args.threads or nc["threads"]
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    arch, input_shape, layers = load_npz(args.npz)
    images, labels = load_test(args.data or nc["data"])
    n = nc["n_images"]
    if images.shape[0] < n or list(images.shape[1:]) != input_shape:
        sys.exit(f"chip_torch.py: test images {images.shape} do not match the model's input "
                 f"{input_shape} x {n} images")
    images = torch.from_numpy(np.array(images[:n]))  # a writable copy
    labels = torch.from_numpy(labels[:n].astype(np.int64))
    batch = args.batch if args.batch > 0 else n
    weights = [layer.weight for layer in layers]
    blas = set_blas_threads(threads)
    caps = [ln.strip(" -") for ln in torch.__config__.show().splitlines() if "CPU capability" in ln]
    print(f"torch {torch.__version__} ({'; '.join(caps) or 'CPU capability ?'}), "
          f"{torch.get_num_threads()} threads, BLAS {blas}")
    print(f"model {args.npz}: {arch}, {len(layers)} layers, "
          f"{sum(w.numel() for w in weights)} weights; {n} test images, batch {batch}")

    # p = 0: the same network as nanocim's, image for image
    with torch.no_grad():
        predict(layers, weights, images[:batch], batch)  # warm-up (thread pool, allocator)
        t0 = time.perf_counter()
        pred0 = predict(layers, weights, images, batch)
        t_free = time.perf_counter() - t0
    ref = torch.tensor(nc["predictions"], dtype=torch.int64)
    same = int((pred0 == ref).sum())
    acc0 = float((pred0 == labels).float().mean())
    print(f"p = 0: predictions equal nanocim's on {same} of {n} images; accuracy torch "
          f"{acc0:.4f}, nanocim {nc['packed']['accuracy']:.4f}; error-free forward "
          f"{t_free:.3f} s, {n / t_free:.0f} images/s")
    if same != n:
        bad = torch.nonzero(pred0 != ref).flatten()[:10].tolist()
        print(f"FAIL: the torch forward pass is not nanocim's network: {n - same} images differ "
              f"(first: {bad}); the speed comparison would be meaningless", file=sys.stderr)
        return 1

    # the fault Monte Carlo, chip by chip
    accs, secs = [], []
    with torch.no_grad():
        for _ in range(args.chips):
            t0 = time.perf_counter()
            flipped = [w * (1.0 - 2.0 * (torch.rand(w.shape, generator=gen) < ber))
                       for w in weights]
            pred = predict(layers, flipped, images, batch)
            acc = float((pred == labels).sum()) / n
            secs.append(time.perf_counter() - t0)
            accs.append(acc)
    total = sum(secs)
    ips = args.chips * n / total
    mean = float(np.mean(accs))
    sd = float(np.std(accs, ddof=1)) if len(accs) > 1 else 0.0
    f = nc["faults"]
    ratio = f["images_per_s"] / ips
    print(f"fault MC, ber {ber:g}, {args.chips} chips: {total:.3f} s, {total / args.chips:.4f} s "
          f"per chip (fastest {min(secs):.4f}), {ips:.0f} images/s; accuracy {mean:.4f} +- "
          f"{sd:.4f} (sd)")
    # different generators: the mean accuracies agree within their standard errors only
    se = math.sqrt((sd ** 2 / len(accs) if len(accs) > 1 else 0.0)
                   + (f["sd_accuracy"] ** 2 / f["chips"] if f["chips"] > 1 else 0.0))
    diff = mean - f["mean_accuracy"]
    print(f"  nanocim's {f['chips']} chips: accuracy {f['mean_accuracy']:.4f} +- "
          f"{f['sd_accuracy']:.4f}; difference of the means {diff:+.4f} "
          f"({abs(diff) / se if se > 0 else 0.0:.1f} standard errors"
          f"{'; rough with so few chips' if min(len(accs), f['chips']) < 10 else ''})")
    print(f"ratio nanocim fault MC / torch: {ratio:.1f}x (acceptance floor >= 20x: "
          f"{'met' if ratio >= 20 else 'NOT met'})")
    if args.out:
        with open(args.out, "w") as fo:
            json.dump({"impl": "pytorch", "torch": torch.__version__, "threads": threads,
                       "blas": blas, "n_images": n, "batch": batch, "ber": ber,
                       "agreement_p0": same, "accuracy_p0": acc0, "free_seconds": t_free,
                       "free_images_per_s": n / t_free, "chips": args.chips,
                       "seconds": total, "seconds_per_chip": total / args.chips,
                       "images_per_s": ips, "mean_accuracy": mean, "sd_accuracy": sd,
                       "accuracy": accs, "ratio_nanocim_to_torch": ratio}, fo, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
