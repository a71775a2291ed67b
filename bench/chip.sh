#!/usr/bin/env bash
# The chip benchmark: how fast nanocim simulates in-memory-computing chips with faulty weights,
# against an error-free pass and against the way PyTorch-based simulators do it, in one run:
#   1. error-free packed inference of MODEL on the Fashion-MNIST test set (ncm_packed_new, timed
#      on its own, and ncm_packed_predict; best of --reps);
#   2. fault-injection Monte Carlo (ncm_chip_mc, NCM_CHIP_FAULTS) at --ber over --chips chips,
#      chip set-up included; ratio to (1), acceptance floor 0.5x;
#   3. the same Monte Carlo in PyTorch (bench/chip_torch.py: float32 +-1 weights flipped by
#      torch.rand masks, float forward of the folded network), same thread count, after checking
#      that its fault-free predictions equal nanocim's on every test image; ratio (2) / (3),
#      acceptance floor 20x;
#   4. with --scale [N]: the device-physics Monte Carlo (NCM_CHIP_DEVICES, 2T2R 32x32 arrays, the
#      default technology), N chips (default 1000): seconds, chips/s, images/s, devices/s, mean
#      accuracy and measured bit error rate; target 1000 chips of the 784-1024-1024-10 MLP in
#      under 5 minutes on 2 cores.
# Prints the CPU (model, AVX-512 / AVX2), the load average before and after, a table and the
# ratios. Exit status 1 when a run fails or the PyTorch network is not nanocim's (the speed
# floors are reported, not enforced: they depend on how busy the machine is).
#
# usage: bash bench/chip.sh [MODEL] [--chips N] [--torch-chips N] [--ber P] [--threads T]
#                           [--reps R] [--scale [N]] [--limit N]
#   MODEL            .ncm or .npz model; without one, mlp:1024,1024 trained for 2 epochs
#                    (`nanocim train`, cached as BUILD/bench-cache/mlp1024.ncm)
#   --chips N        chips of nanocim's fault Monte Carlo (default 20)
#   --torch-chips N  chips of the PyTorch one (default 20; e.g. 5 to save time: rates are per chip)
#   --ber P          weight bit error rate (default 1e-3)
#   --threads T      threads of both (default: every CPU)
#   --reps R         repetitions of (1) and (2), the fastest reported (default 3)
#   --scale [N]      also the device-physics Monte Carlo of N chips (default 1000)
#   --limit N        first N test images only (short checks, not figures)
# The build directory is ./build (configured and built if bench_chip is missing), or the one
# named by the environment variable NCM_BUILD_DIR. NCM_KERNEL=avx2 (or portable, avx512) picks
# the binary kernel; by default the library takes the best the CPU has.
set -euo pipefail

MODEL=""
CHIPS=20
TORCH_CHIPS=20
BER=1e-3
THREADS=$(nproc)
REPS=3
SCALE=0
LIMIT=0
while [ $# -gt 0 ]; do
    case "$1" in
        --chips) CHIPS="$2"; shift 2 ;;
        --torch-chips) TORCH_CHIPS="$2"; shift 2 ;;
        --ber) BER="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        --limit) LIMIT="$2"; shift 2 ;;
        --scale)
            SCALE=1000; shift
            if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then SCALE="$1"; shift; fi ;;
        -h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "chip.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *)
            if [ -n "$MODEL" ]; then echo "chip.sh: one MODEL only (see --help)" >&2; exit 2; fi
            MODEL="$1"; shift ;;
    esac
done
case "$CHIPS$TORCH_CHIPS$THREADS$REPS$SCALE$LIMIT" in
    *[!0-9]*|"") echo "chip.sh: --chips, --torch-chips, --threads, --reps, --scale and --limit"\
                      "take integers" >&2; exit 2 ;;
esac
if [ -n "$MODEL" ]; then
    MODEL=$(realpath "$MODEL")
fi

cd "$(dirname "$0")/.."
PY=/usr/bin/python3   # Debian's interpreter: the one python3-torch and python3-numpy are for

# Dependencies (idempotent).
dpkg -s python3-torch python3-numpy >/dev/null 2>&1 ||
    (apt-get update && apt-get install -y python3-torch python3-numpy)
BUILD=${NCM_BUILD_DIR:-build}
if [ ! -x "$BUILD/bench/bench_chip" ] || [ ! -x "$BUILD/nanocim" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release && cmake --build "$BUILD" -j2
fi
BENCH="$BUILD/bench/bench_chip"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { case " ${flags#*:} " in *" $1 "*) echo yes ;; *) echo no ;; esac; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "machine: $(nproc) CPUs, $cpu, AVX-512 $(has avx512f) (VPOPCNTDQ $(has avx512_vpopcntdq)),"\
     "AVX2 $(has avx2); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nanocim $("$BUILD/nanocim" version | head -1 | sed 's/^nanocim //'),"\
     "NCM_KERNEL=${NCM_KERNEL:-unset}, $THREADS threads;"\
     "torch $("$PY" -c 'import torch; print(torch.__version__)')"

if [ -z "$MODEL" ]; then
    CACHE="$BUILD/bench-cache"
    MODEL="$CACHE/mlp1024.ncm"
    if [ ! -f "$MODEL" ]; then
        mkdir -p "$CACHE"
        echo "training $MODEL (mlp:1024,1024, 2 epochs; cached for the next runs) ..."
        "$BUILD/nanocim" train --data fashion-mnist --arch mlp:1024,1024 --epochs 2 \
            --threads "$THREADS" -q -o "$MODEL"
    fi
fi
echo

EXTRA=()
[ "$SCALE" -gt 0 ] && EXTRA+=(--scale "$SCALE")
[ "$LIMIT" -gt 0 ] && EXTRA+=(--limit "$LIMIT")
echo "== nanocim (bench_chip) =="
"$BENCH" "$MODEL" --chips "$CHIPS" --ber "$BER" --threads "$THREADS" --reps "$REPS" \
    "${EXTRA[@]}" --json "$TMP/nanocim.json" --npz "$TMP/model.npz"
echo
echo "== PyTorch (chip_torch.py) =="
"$PY" bench/chip_torch.py "$TMP/nanocim.json" "$TMP/model.npz" --chips "$TORCH_CHIPS" \
    --threads "$THREADS" --out "$TMP/torch.json"
echo

"$PY" - "$TMP/nanocim.json" "$TMP/torch.json" <<'EOF'
import json, sys
nc, pt = (json.load(open(p)) for p in sys.argv[1:3])
pk, fl = nc["packed"], nc["faults"]
print("== summary: %s, %s, %d test images, %d threads, %s kernel ==" %
      (nc["arch"], nc["cpu"], nc["n_images"], nc["threads"], pk["kernel"]))
rows = [("1. nanocim error-free packed inference", pk["predict_s"], pk["images_per_s"],
         "engine set-up %.4f s (not included)" % pk["setup_s"]),
        ("2. nanocim fault MC, ber %g, %d chips" % (nc["ber"], fl["chips"]), fl["seconds"],
         fl["images_per_s"], "set-up included; accuracy %.4f" % fl["mean_accuracy"]),
        ("3. PyTorch fault MC, ber %g, %d chips" % (pt["ber"], pt["chips"]), pt["seconds"],
         pt["images_per_s"], "%.4f s per chip; accuracy %.4f" % (pt["seconds_per_chip"],
                                                                 pt["mean_accuracy"]))]
if "devices" in nc:
    dv = nc["devices"]
    rows.append(("4. nanocim device MC, %d chips" % dv["chips"], dv["seconds"], dv["images_per_s"],
                 "%.2f chips/s, %.3g devices/s; accuracy %.4f, ber %.3g"
                 % (dv["chips_per_s"], dv["devices_per_s"], dv["mean_accuracy"],
                    dv["ber_measured"])))
print("%-42s %10s %12s   %s" % ("measurement", "seconds", "images/s", "notes"))
for name, s, ips, note in rows:
    print("%-42s %10.3f %12.0f   %s" % (name, s, ips, note))
r1 = fl["images_per_s"] / pk["images_per_s"]
r2 = fl["images_per_s"] / pt["images_per_s"]
print("ratio (2)/(1) fault MC / error-free: %.2fx (floor >= 0.5x: %s)"
      % (r1, "met" if r1 >= 0.5 else "NOT met"))
print("ratio (2)/(3) nanocim / PyTorch:     %.1fx (floor >= 20x: %s); p = 0 predictions "
      "identical on %d of %d images" % (r2, "met" if r2 >= 20 else "NOT met",
                                        pt["agreement_p0"], pt["n_images"]))
if "devices" in nc:
    t1000 = 1000.0 / nc["devices"]["chips_per_s"]
    target = nc["arch"] == "mlp:1024,1024" and nc["input_shape"] == [1, 28, 28] \
        and nc["n_classes"] == 10 and nc["n_images"] == 10000
    print("device MC: 1000 chips of %d images in %.1f s at this rate (target: the "
          "784-1024-1024-10 MLP on 10,000 images in < 300 s on 2 cores: %s)"
          % (nc["n_images"], t1000, ("met" if t1000 < 300 else "NOT met") if target
             else "not this model or image count"))
EOF
echo "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
