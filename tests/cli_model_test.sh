#!/usr/bin/env bash
# Command-line tests of `nanocim model` against files written by real numpy (/usr/bin/python3):
# random binarized networks in the .npz layout of include/nanocim/npz.h (an MLP and CNNs with
# pooling, odd widths, one and three input channels) are written with np.savez and
# np.savez_compressed, with other dtypes, byte orders and storage orders, and with .npy members
# of format 1.0, 2.0 and 3.0; `nanocim model import` turns them into model files, and
# `nanocim eval` on random 8-bit images labelled with numpy's own reference forward pass must
# score 1.0000 (every prediction equal). `model export` must give back the same arrays to
# numpy.load, `model info` must describe both kinds of file, and bad archives (missing array,
# wrong shape, a weight 0.5, NaN, a bad arch, a pickled object, a newer format, truncated) and
# bad usage must fail with one line "nanocim: ..." and exit codes 1 and 2.
#
# usage: bash tests/cli_model_test.sh NANOCIM TMPDIR
set -u

NANOCIM=${1:?usage: cli_model_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_model_test.sh NANOCIM TMPDIR}
PY=/usr/bin/python3

rm -rf "$TMP"
mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
. "$(dirname "$0")/cli_lib.sh"

if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "SKIP: $PY cannot import numpy (install python3-numpy); the numpy interchange is untested"
    exit 77
fi
if ! "$NANOCIM" model --help >/dev/null 2>&1; then
    echo "FAIL  $NANOCIM has no 'model' command (cmd_model is not dispatched by src/cli/main.c)"
    exit 1
fi

# ---- numpy side: models, reference forward pass, datasets, checks -----------------------------
cat >"$TMP/ref.py" <<'EOF'
"""numpy side of tests/cli_model_test.sh: writes random models in nanocim's .npz layout, runs
the reference forward pass of include/nanocim/npz.h, writes datasets labelled with it."""
import io, sys, zipfile
import numpy as np

def layers_of(arch):
    """[(kind, out, pool)] of the hidden layers of an arch string."""
    kind, body = arch.split(":")
    out = []
    for tok in [t for t in body.split(",") if t]:
        if kind == "mlp":
            out.append(["dense", int(tok), False])
        elif tok == "p":
            out[-1][2] = True
        elif tok.startswith("f"):
            out.append(["dense", int(tok[1:]), False])
        else:
            out.append(["conv", int(tok), False])
    return out

def make(arch, shape, n_classes, seed):
    """A random model: dict of arrays as the layout names them, and the layer list."""
    rng = np.random.default_rng(seed)
    c, h, w = shape
    spec = layers_of(arch) + [["dense", n_classes, False]]
    d = {"format": np.int32(1), "arch": arch, "input_shape": np.array(shape, np.int32),
         "n_classes": np.int32(n_classes), "meta": '{"producer": "numpy test", "seed": %d}' % seed}
    for l, (kind, out, pool) in enumerate(spec):
        fan = c * 9 if kind == "conv" else c * h * w
        wshape = (out, c, 3, 3) if kind == "conv" else (out, c * h * w)
        d["layer%d.weight" % l] = np.where(rng.random(wshape) < 0.5, 1, -1).astype(np.int8)
        m = 128 if l == 0 else 1
        if l < len(spec) - 1:
            sd = (74 if l == 0 else 1) * np.sqrt(fan)
            d["layer%d.threshold" % l] = np.round(rng.normal(0, sd, out)).astype(np.int32)
            d["layer%d.direction" % l] = np.where(rng.random(out) < 0.7, 1, -1).astype(np.int8)
        else:
            sd = (74 if l == 0 else 1) * np.sqrt(fan)
            # small offsets, so that the class varies with the image
            d["layer%d.mean" % l] = rng.normal(0, 0.2 * sd, out).astype(np.float32)
            d["layer%d.scale" % l] = (rng.choice([-1, 1], out) * rng.uniform(0.5, 2, out)
                                      / sd).astype(np.float32)
            d["layer%d.beta" % l] = rng.normal(0, 0.2, out).astype(np.float32)
        if kind == "conv":
            c, h, w = out, (h // 2 if pool else h), (w // 2 if pool else w)
        else:
            c, h, w = out, 1, 1
    return d, spec

def forward(d, spec, imgs):
    """Predictions and float32 scores of images (n, c, h, w) uint8: the reference semantics."""
    x = imgs.astype(np.int64) - 128
    n = x.shape[0]
    for l, (kind, out, pool) in enumerate(spec):
        W = np.asarray(d["layer%d.weight" % l]).astype(np.int64)
        if kind == "conv":
            _, c, h, w = x.shape
            xp = np.full((n, c, h + 2, w + 2), -128 if l == 0 else -1, np.int64)
            xp[:, :, 1:-1, 1:-1] = x
            a = np.zeros((n, out, h, w), np.int64)
            for ky in range(3):
                for kx in range(3):
                    a += np.einsum("oc,nchw->nohw", W[:, :, ky, kx], xp[:, :, ky:ky + h, kx:kx + w])
            if pool:
                a = a[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, out, h // 2, 2, w // 2, 2)
                a = a.max(axis=(3, 5))
        else:
            a = x.reshape(n, -1) @ W.T
        if l == len(spec) - 1:
            mean, scale, beta = (np.asarray(d["layer%d.%s" % (l, k)]).astype(np.float32)
                                 for k in ("mean", "scale", "beta"))
            s = (a.astype(np.float32) - mean) * scale + beta
            return s.argmax(axis=1), s
        T = np.asarray(d["layer%d.threshold" % l]).astype(np.int64)
        D = np.asarray(d["layer%d.direction" % l]).astype(np.int64)
        bshape = (1, out, 1, 1) if a.ndim == 4 else (1, out)
        T, D = T.reshape(bshape), D.reshape(bshape)
        x = np.where(np.where(D > 0, a >= T, a <= T), 1, -1)

def write_data(folder, imgs, labels):
    import os
    os.makedirs(folder, exist_ok=True)
    n, c, h, w = imgs.shape
    if c == 1:  # MNIST layout, raw IDX
        with open(folder + "/t10k-images-idx3-ubyte", "wb") as f:
            f.write(np.array([0x803, n, h, w], ">u4").tobytes() + imgs.tobytes())
        with open(folder + "/t10k-labels-idx1-ubyte", "wb") as f:
            f.write(np.array([0x801, n], ">u4").tobytes() + labels.astype(np.uint8).tobytes())
    else:  # CIFAR-10 binary: label byte + 3072 pixels
        rec = np.concatenate([labels.astype(np.uint8)[:, None], imgs.reshape(n, -1)], axis=1)
        with open(folder + "/test_batch.bin", "wb") as f:
            f.write(rec.tobytes())

def save_npz_versions(path, d):
    """Members written by numpy's own writer with .npy versions 1.0, 2.0 and 3.0, in turn."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i, (k, v) in enumerate(d.items()):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(v), version=[(1, 0), (2, 0), (3, 0)][i % 3])
            z.writestr(k + ".npy", buf.getvalue())

def variant(d, how):
    """Other dtypes, byte orders and storage orders holding the same values."""
    e = dict(d)
    for k, v in d.items():
        if not k.startswith("layer"):
            continue
        if how == "wide" and k.endswith(".weight"):
            e[k] = np.asfortranarray(v.astype(np.float32))
        elif how == "wide" and k.endswith(".threshold"):
            e[k] = v.astype(">i8")
        elif how == "wide" and k.endswith(".direction"):
            e[k] = v.astype(np.float64)
        elif how == "wide" and k.endswith((".mean", ".scale", ".beta")):
            e[k] = v.astype(">f4")
        elif how == "big" and k.endswith(".weight"):
            e[k] = np.asfortranarray(v.astype(">i2"))
        elif how == "big" and k.endswith(".threshold"):
            e[k] = v.astype(np.float64)
    return e

cmd = sys.argv[1] if __name__ == "__main__" else None  # torch_net.py imports write_data
if cmd == "make":  # make DIR NAME ARCH C H W CLASSES SEED HOW
    folder, name, arch = sys.argv[2:5]
    c, h, w, k, seed = map(int, sys.argv[5:10])
    how = sys.argv[10]
    d, spec = make(arch, (c, h, w), k, seed)
    imgs = np.random.default_rng(seed + 1000).integers(0, 256, (60, c, h, w), dtype=np.uint8)
    pred, _ = forward(d, spec, imgs)
    write_data("%s/%s.data" % (folder, name), imgs, pred)
    np.savez("%s/%s.orig.npz" % (folder, name), **d)
    if how == "versions":
        save_npz_versions("%s/%s.npz" % (folder, name), d)
    elif how == "compressed":
        np.savez_compressed("%s/%s.npz" % (folder, name), **d)
    elif how in ("wide", "big"):
        np.savez_compressed("%s/%s.npz" % (folder, name), **variant(d, how))
    else:
        np.savez("%s/%s.npz" % (folder, name), **d)
    print(len(set(pred.tolist())))
elif cmd == "same":  # same EXPORTED.npz ORIGINAL.npz: numpy reads what nanocim wrote
    a, b = np.load(sys.argv[2]), np.load(sys.argv[3])
    assert sorted(a.files) == sorted(b.files), (sorted(a.files), sorted(b.files))
    for k in b.files:
        x, y = a[k], b[k]
        want = {"weight": np.int8, "direction": np.int8, "threshold": np.int32,
                "mean": np.float32, "scale": np.float32, "beta": np.float32}.get(k.split(".")[-1])
        if k in ("format", "n_classes", "input_shape"):
            want = np.int32
        if want is not None:
            assert x.dtype == want, (k, x.dtype)
        assert x.shape == y.shape, (k, x.shape, y.shape)
        assert np.array_equal(x, y), k
    assert int(a["format"]) == 1 and str(a["arch"]) == str(b["arch"])
    print("same")
elif cmd == "predict":  # predict NPZ DATA.npz: numpy's forward pass on nanocim's export
    f = np.load(sys.argv[2])
    d = {k: f[k] for k in f.files}
    c, h, w = (int(v) for v in d["input_shape"])
    spec = layers_of(str(d["arch"])) + [["dense", int(d["n_classes"]), False]]
    raw = np.fromfile(sys.argv[3] + "/t10k-images-idx3-ubyte", np.uint8)[16:]
    lab = np.fromfile(sys.argv[3] + "/t10k-labels-idx1-ubyte", np.uint8)[8:]
    pred, _ = forward(d, spec, raw.reshape(-1, c, h, w))
    print("agree" if np.array_equal(pred, lab) else "differ")
elif cmd == "bad":  # bad DIR ORIGINAL.npz: one damaged archive per refusal
    folder = sys.argv[2]
    f = np.load(sys.argv[3])
    d = {k: f[k] for k in f.files}
    def put(name, **changes):
        e = dict(d)
        for k, v in changes.items():
            if v is None:
                del e[k]
            else:
                e[k] = v
        np.savez(folder + "/" + name + ".npz", **e)
    w0 = d["layer0.weight"].astype(np.float32)
    w0.flat[5] = 0.5
    put("half", **{"layer0.weight": w0})
    put("missing", **{"layer1.threshold": None})
    put("shape", **{"layer1.weight": d["layer1.weight"][:, :-1]})
    m = d["layer2.mean"].copy()
    m[1] = np.nan
    put("nan", **{"layer2.mean": m})
    put("arch", arch="mlp:7,x")
    put("archshape", arch="mlp:7,66")
    put("newer", format=np.int32(2))
    put("pickle", meta=np.array([{"a": 1}], dtype=object))
    put("extra", **{"layer0.bias": np.zeros(7, np.float32)})
    put("boolw", **{"layer1.weight": d["layer1.weight"] > 0})
    put("thr", **{"layer0.threshold": d["layer0.threshold"].astype(np.int64) + 2**40})
    print("written")
EOF

# make NAME ARCH C H W SEED HOW: a model and its dataset, imported and evaluated.
run_case() {
    local name=$1 arch=$2 c=$3 h=$4 w=$5 seed=$6 how=$7
    local rc acc
    "$PY" "$TMP/ref.py" make "$TMP" "$name" "$arch" "$c" "$h" "$w" 10 "$seed" "$how" >"$TMP/$name.gen" 2>&1
    rc=$?
    check "$name: numpy writes the $how archive" '[ $rc -eq 0 ] && [ -s "$TMP/$name.npz" ]'
    [ $rc -eq 0 ] || cat "$TMP/$name.gen"
    "$NANOCIM" model import "$TMP/$name.npz" -o "$TMP/$name.ncm" >"$TMP/$name.imp" 2>&1
    rc=$?
    check "$name: model import" '[ $rc -eq 0 ] && [ -s "$TMP/$name.ncm" ]'
    [ $rc -eq 0 ] || cat "$TMP/$name.imp"
    acc=$("$NANOCIM" eval "$TMP/$name.ncm" --data "$TMP/$name.data" --engine check -q 2>&1 | tail -n 1)
    check "$name: nanocim eval predicts as numpy on 60 images (accuracy $acc)" '[ "$acc" = "1.0000" ]'
    check "$name: the images fall in $(cat "$TMP/$name.gen") of 10 classes (at least 3)" \
          '[ "$(cat "$TMP/$name.gen")" -ge 3 ]'
}

run_case mlp "mlp:7,65" 1 9 11 1 stored
run_case mlpz "mlp:7,65" 1 9 11 2 compressed
run_case cnn "cnn:3,p,7,f65" 1 9 11 3 compressed
run_case cnn3 "cnn:5,p,3,p,f7" 3 32 32 4 stored
run_case cnnwide "cnn:3,p,7,f65" 1 9 11 5 wide
run_case cnnbig "cnn:4,7,p,f9" 1 8 10 8 big
run_case versions "cnn:3,p,f7" 1 7 9 7 versions
run_case linear "mlp:" 1 5 6 8 stored

# ---- PyTorch: a network computed with torch's own conv2d, max_pool2d and flatten ------------------
cat >"$TMP/torch_net.py" <<'EOF'
"""A binarized CNN evaluated with PyTorch's operators (conv2d on explicitly padded input,
max_pool2d, flatten of NCHW, Linear's (out, in) weights); its tensors saved as they are."""
import sys
import numpy as np
import torch
import torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
from ref import write_data
torch.manual_seed(11)
sign = lambda t: torch.where(t >= 0, 1.0, -1.0)
conv1 = torch.nn.Conv2d(1, 4, 3, bias=False)
conv2 = torch.nn.Conv2d(4, 6, 3, bias=False)
fc1 = torch.nn.Linear(6 * 5 * 4, 12, bias=False)
fc2 = torch.nn.Linear(12, 10, bias=False)
with torch.no_grad():
    for m in (conv1, conv2, fc1, fc2):
        m.weight.copy_(sign(torch.randn_like(m.weight)))
    T = [torch.randint(-200, 200, (4,)), torch.randint(-8, 8, (6,)), torch.randint(-10, 10, (12,))]
    D = [torch.where(torch.rand(n) < 0.7, 1, -1) for n in (4, 6, 12)]
    mean = (torch.randn(10) * 0.5).float()
    scale = (torch.rand(10) * 0.5 + 0.1).float()
    beta = (torch.randn(10) * 0.2).float()
    fire = lambda a, l: torch.where(torch.where(D[l].view(1, -1, *[1] * (a.dim() - 2)) > 0,
                                                a >= T[l].view(1, -1, *[1] * (a.dim() - 2)),
                                                a <= T[l].view(1, -1, *[1] * (a.dim() - 2))),
                                    1.0, -1.0).double()
    imgs = torch.randint(0, 256, (60, 1, 10, 9), dtype=torch.uint8)
    x = imgs.double() - 128
    h = fire(F.max_pool2d(F.conv2d(F.pad(x, (1, 1, 1, 1), value=-128), conv1.weight.double()), 2), 0)
    h = fire(F.conv2d(F.pad(h, (1, 1, 1, 1), value=-1), conv2.weight.double()), 1)
    h = fire(torch.flatten(h, 1) @ fc1.weight.double().T, 2)
    a = h @ fc2.weight.double().T
    scores = (a.float() - mean) * scale + beta
    pred = scores.argmax(1).numpy()
d = {"format": np.int32(1), "arch": "cnn:4,p,6,f12", "input_shape": np.array([1, 10, 9]),
     "n_classes": 10, "meta": '{"producer": "PyTorch %s"}' % torch.__version__,
     "layer3.mean": mean.numpy(), "layer3.scale": scale.numpy(),
     "layer3.beta": beta.numpy()}
for l, m in enumerate((conv1, conv2, fc1, fc2)):
    d["layer%d.weight" % l] = m.weight.detach().numpy()  # float32, PyTorch's own layout
for l in range(3):
    d["layer%d.threshold" % l] = T[l].numpy()  # int64
    d["layer%d.direction" % l] = D[l].numpy()
np.savez_compressed(sys.argv[2] + "/torch.npz", **d)
write_data(sys.argv[2] + "/torch.data", imgs.numpy(), pred)
print(len(set(pred.tolist())))
EOF
if timeout 300 "$PY" -c 'import torch' >/dev/null 2>&1; then
    timeout 300 "$PY" "$TMP/torch_net.py" "$TMP" "$TMP" >"$TMP/torch.gen" 2>&1
    rc=$?
    check "torch: PyTorch writes its network's tensors" '[ $rc -eq 0 ] && [ -s "$TMP/torch.npz" ]'
    [ $rc -eq 0 ] || cat "$TMP/torch.gen"
    "$NANOCIM" model import "$TMP/torch.npz" -o "$TMP/torch.ncm" >"$TMP/torch.imp" 2>&1
    rc=$?
    check "torch: model import of float32 weights and int64 thresholds" '[ $rc -eq 0 ]'
    [ $rc -eq 0 ] || cat "$TMP/torch.imp"
    acc=$("$NANOCIM" eval "$TMP/torch.ncm" --data "$TMP/torch.data" --engine check -q 2>&1 | tail -n 1)
    check "torch: nanocim predicts as PyTorch's conv2d / max_pool2d / flatten (accuracy $acc)" \
          '[ "$acc" = "1.0000" ]'
    check "torch: the images fall in $(tail -n 1 "$TMP/torch.gen") of 10 classes (at least 3)" \
          '[ "$(tail -n 1 "$TMP/torch.gen")" -ge 3 ]'
else
    echo "skip  torch: $PY cannot import torch (python3-torch); PyTorch's layout is untested"
fi

# ---- export: numpy reads back the same arrays ---------------------------------------------------
for name in mlp cnn cnn3; do
    "$NANOCIM" model export "$TMP/$name.ncm" -o "$TMP/$name.out.npz" >"$TMP/out" 2>&1
    rc=$?
    check "$name: model export" '[ $rc -eq 0 ] && [ -s "$TMP/$name.out.npz" ]'
    [ $rc -eq 0 ] || cat "$TMP/out"
    r=$("$PY" "$TMP/ref.py" same "$TMP/$name.out.npz" "$TMP/$name.orig.npz" 2>&1)
    check "$name: numpy.load reads the exported arrays unchanged ($r)" '[ "$r" = same ]'
done
r=$("$PY" "$TMP/ref.py" predict "$TMP/cnn.out.npz" "$TMP/cnn.data" 2>&1)
check "cnn: numpy's forward pass on the export predicts the labels ($r)" '[ "$r" = agree ]'
"$NANOCIM" model export "$TMP/cnn.npz" -o "$TMP/cnn.again.npz" >/dev/null 2>&1 &&
    "$NANOCIM" model export "$TMP/cnn.ncm" -o "$TMP/cnn.again2.npz" >/dev/null 2>&1
check "export reads .npz too and writes the same bytes as from .ncm" \
      'cmp -s "$TMP/cnn.again.npz" "$TMP/cnn.again2.npz"'
check "export leaves no temporary file" '[ -z "$(ls "$TMP" | grep "\.tmp\.")" ]'

# ---- info -------------------------------------------------------------------------------------
"$NANOCIM" model info "$TMP/cnn.npz" >"$TMP/info1" 2>&1
check "info on an .npz: architecture and layers" \
      'grep -q "arch cnn:3,p,7,f65, input 1x9x11, 10 classes, 4 layers" "$TMP/info1" &&
       grep -q "^0 *conv" "$TMP/info1" && grep -q "^3 *class" "$TMP/info1"'
"$NANOCIM" model info "$TMP/cnn.ncm" >"$TMP/info2" 2>&1
check "info on the .ncm it was imported to says the same" \
      'diff <(tail -n +2 "$TMP/info1") <(tail -n +2 "$TMP/info2") >/dev/null'
check "info shows the provenance" 'grep -q "meta: {\"producer\": \"numpy test\"" "$TMP/info1"'

# ---- refusals ---------------------------------------------------------------------------------
r=$("$PY" "$TMP/ref.py" bad "$TMP" "$TMP/mlp.orig.npz" 2>&1)
check "numpy writes the damaged archives ($r)" '[ "$r" = written ]'
expect_fail "weight 0.5" "layer0.weight\[0, 5\] = 0.5: expected +1 or -1" \
    model import "$TMP/half.npz" -o "$TMP/x.ncm"
expect_fail "missing array" "missing array 'layer1.threshold'" model import "$TMP/missing.npz" -o "$TMP/x.ncm"
expect_fail "wrong shape" "layer1.weight: shape (65, 6), expected (65, 7)" \
    model import "$TMP/shape.npz" -o "$TMP/x.ncm"
expect_fail "NaN" "layer2.mean\[1\] = nan" model import "$TMP/nan.npz" -o "$TMP/x.ncm"
expect_fail "bad arch" "arch 'mlp:7,x'" model import "$TMP/arch.npz" -o "$TMP/x.ncm"
expect_fail "arch disagreeing with the arrays" "layer1.weight: shape (65, 7), expected (66, 7)" \
    model import "$TMP/archshape.npz" -o "$TMP/x.ncm"
expect_fail "newer format" "newer" model import "$TMP/newer.npz" -o "$TMP/x.ncm"
expect_fail "pickled object" "pickle" model import "$TMP/pickle.npz" -o "$TMP/x.ncm"
expect_fail "unexpected array" "unexpected member 'layer0.bias.npy'" \
    model import "$TMP/extra.npz" -o "$TMP/x.ncm"
expect_fail "bool weights" "layer1.weight: dtype bool" model import "$TMP/boolw.npz" -o "$TMP/x.ncm"
expect_fail "threshold past int32" "int32" model import "$TMP/thr.npz" -o "$TMP/x.ncm"
head -c 1000 "$TMP/mlp.npz" >"$TMP/trunc.npz"
expect_fail "truncated archive" "trunc.npz: " model import "$TMP/trunc.npz" -o "$TMP/x.ncm"
expect_fail "missing file" "nope.npz" model import "$TMP/nope.npz" -o "$TMP/x.ncm"
check "no model written by a failed import" '[ ! -e "$TMP/x.ncm" ]'
expect_fail "export into a missing folder" "no/such/dir" model export "$TMP/mlp.ncm" -o "$TMP/no/such/dir/x.npz"
expect_fail "info on a missing file" "nothing.ncm" model info "$TMP/nothing.ncm"

# usage errors: exit code 2
usage() {
    local name=$1
    shift
    "$NANOCIM" "$@" >/dev/null 2>"$TMP/err"
    local rc=$?
    check "$name: exit code 2 and one line ($rc)" \
          '[ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "^nanocim: " "$TMP/err"'
}
printf 'garbage\n' >"$TMP/ref.py.garbage"
expect_fail "info on garbage" "bad magic" model info "$TMP/ref.py.garbage"
usage "no subcommand" model
usage "unknown subcommand" model frobnicate
usage "import without -o" model import "$TMP/mlp.npz"
usage "export without input" model export -o "$TMP/y.npz"
usage "unknown option" model info "$TMP/mlp.npz" --bogus
usage "-o without a value" model export "$TMP/mlp.ncm" -o
"$NANOCIM" model export --help >"$TMP/help" 2>&1
rc=$?
check "model export --help" '[ $rc -eq 0 ] && grep -q "usage: nanocim model export" "$TMP/help"'

summary
