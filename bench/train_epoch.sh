#!/usr/bin/env bash
# Times one training epoch of the 784-1024-1024-10 binarized MLP (batch 100, 60,000 Fashion-MNIST
# images, no augmentation) in nanocim and in PyTorch (bench/torch_bnn_epoch.py), side by side, in
# two configurations:
#   default  each program as a fresh Debian user runs it (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset)
#   fast     both on the fastest OpenBLAS kernel this CPU can run: SkylakeX with AVX-512,
#            Haswell with AVX2 only (OPENBLAS_CORETYPE; never a kernel the CPU lacks)
# and prints seconds per epoch (median of --repeat runs), the ratio pytorch/nanocim (>1: nanocim
# is faster) and the OpenBLAS kernel each program used.
#
# usage: bash bench/train_epoch.sh [--threads N] [--repeat R]     (defaults: 2 threads, 1 run)
set -euo pipefail

THREADS=2
REPEAT=1
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "train_epoch.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$THREADS$REPEAT" in *[!0-9]*|"") echo "--threads and --repeat take positive integers" >&2; exit 2 ;; esac
if [ "$THREADS" -lt 1 ] || [ "$REPEAT" -lt 1 ]; then
    echo "--threads and --repeat must be at least 1" >&2; exit 2
fi

cd "$(dirname "$0")/.."
PY=/usr/bin/python3   # Debian's interpreter: the one python3-torch is installed for

# Dependencies (idempotent).
dpkg -s python3-torch python3-numpy >/dev/null 2>&1 ||
    (apt-get update && apt-get install -y python3-torch python3-numpy)
if [ ! -x build/nanocim ]; then
    cmake -S . -B build && cmake --build build -j2
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The fastest OpenBLAS kernel this CPU can run (a kernel it lacks dies with SIGILL).
if grep -qw avx512f /proc/cpuinfo; then FAST_CORE=SkylakeX
elif grep -qw avx2 /proc/cpuinfo; then FAST_CORE=Haswell
else FAST_CORE=""; fi

# The environment of each configuration. NCM_BLAS_* are nanocim's internal re-exec markers.
env_for() {
    case "$1" in
        default) echo "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u NCM_BLAS_STAGE" ;;
        fast) if [ -n "$FAST_CORE" ]; then
                  echo "env -u OPENBLAS_L2_SIZE -u NCM_BLAS_STAGE OPENBLAS_CORETYPE=$FAST_CORE"
              else
                  echo "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u NCM_BLAS_STAGE"
              fi ;;
    esac
}

# json FILE EXPR: evaluates a Python expression over the JSON object d read from FILE.
json() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
median() { "$PY" -c 'import statistics,sys; print("%.2f" % statistics.median(map(float, sys.argv[1:])))' "$@"; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
     "AVX-512 $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no), AVX2 $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no),"\
     "load average $(cut -d' ' -f1-3 /proc/loadavg); fast configuration: ${FAST_CORE:-the default kernel}"
echo "nanocim: $(git log -1 --format=%h 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' +local changes'),"\
     "PyTorch $("$PY" -c 'import torch; print(torch.__version__)'), $THREADS threads, median of $REPEAT run(s)"
echo

ROWS=()
for cfg in default fast; do
    ENV=$(env_for "$cfg")
    nc_times=(); pt_times=()
    for r in $(seq "$REPEAT"); do
        # Alternate the two programs so slow drift in machine load hits both alike.
        $ENV ./build/nanocim train --data fashion-mnist --arch mlp:1024,1024 --epochs 1 \
            --no-augment --batch 100 --threads "$THREADS" --test-limit 100 \
            --json "$TMP/nc.json" -q
        nc_times+=("$(json "$TMP/nc.json" 'd["timing"]["train_seconds"]')")
        nc_acc=$(json "$TMP/nc.json" 'd["history"][0]["train_accuracy"]')
        $ENV "$PY" bench/torch_bnn_epoch.py --threads "$THREADS" > "$TMP/pt.json"
        pt_times+=("$(json "$TMP/pt.json" 'd["seconds"]')")
        pt_acc=$(json "$TMP/pt.json" 'd["train_accuracy"]')
        printf '  %-7s run %d: nanocim %6.2f s (train acc %.4f)   pytorch %6.2f s (train acc %.4f)\n' \
            "$cfg" "$r" "${nc_times[-1]}" "$nc_acc" "${pt_times[-1]}" "$pt_acc"
    done
    nc_med=$(median "${nc_times[@]}")
    pt_med=$(median "${pt_times[@]}")
    ratio=$("$PY" -c "import sys; print('%.2f' % (float(sys.argv[2]) / float(sys.argv[1])))" "$nc_med" "$pt_med")
    # Kernel and how it was chosen, as nanocim reports it ("version" runs the same start-up path).
    nc_kernel=$($ENV ./build/nanocim version | sed -n 's/^OpenBLAS kernel \(.*\), [0-9]* threads$/\1/p')
    pt_kernel=$(json "$TMP/pt.json" 'd["openblas_kernel"] + " (" + d["blas_lib"].split("/")[-2] + ")"')
    ROWS+=("$(printf '%-8s | %15s | %15s | %25s | %-44s | %s' "$cfg" "$nc_med" "$pt_med" "$ratio" "$nc_kernel" "$pt_kernel")")
done

echo
printf '%-8s | %15s | %15s | %25s | %-44s | %s\n' config "nanocim s/epoch" "pytorch s/epoch" \
    "ratio pytorch/nanocim" "nanocim OpenBLAS kernel" "pytorch OpenBLAS kernel"
printf '%s\n' "${ROWS[@]}"
echo "(ratio > 1: nanocim is faster)   load average now $(cut -d' ' -f1-3 /proc/loadavg)"
