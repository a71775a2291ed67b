#!/usr/bin/env bash
# The vowel benchmark: the figures of the oscillator recognizer (docs/vowels.md, "Results"), in
# one run, with `nanocim vowels train` and `nanocim vowels sweep`:
#   1. the default task (women, ae ah aw eh er ih iy, F1 and F2, 4 oscillators, thermal noise at
#      300 K, device spread on), split seeds 1 to 5: per seed and as medians, the network's train
#      and test accuracy, after its calibration step alone, untrained and uncoupled, beside the
#      three software baselines on the same split; the wall time of one training, the simulated
#      time per sample and the oscillator-steps per second;
#   2. the 12-vowel task (4 oscillators), and larger networks: 8 and 12 oscillators on F1, F2,
#      and 8 oscillators with F3 as a third input (medians over the same seeds);
#   3. robustness on split seed 1: accuracy against temperature and against device spread.
# With Hillenbrand's vowdata.dat (first argument, or $NCM_VOWEL_DATA, or the copy beside the
# checkout) it runs on the measured data, else on the synthetic generator (48 speakers per
# group), and says which. Prints the CPU and the load; accuracies do not depend on the machine.
#
# usage: bash bench/vowels.sh [vowdata.dat] [--seeds LIST] [--quick]
#   --seeds LIST   split seeds (default 1,2,3,4,5)
#   --quick        only part 1
# The build directory is ./build (configured and built if nanocim is missing), or the one named
# by the environment variable NCM_BUILD_DIR.
set -euo pipefail

DATA=""
SEEDS="1,2,3,4,5"
QUICK=0
while [ $# -gt 0 ]; do
    case "$1" in
    --seeds) SEEDS=${2:?--seeds needs a list}; shift 2 ;;
    --quick) QUICK=1; shift ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/vowels.sh: unknown option $1" >&2; exit 2 ;;
    *) DATA=$1; shift ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NCM_BUILD_DIR:-$ROOT/build}
if [ ! -x "$BUILD/nanocim" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target nanocim_cli >/dev/null
fi
NANOCIM=$BUILD/nanocim
PY=/usr/bin/python3
[ -z "$DATA" ] && DATA=${NCM_VOWEL_DATA:-}
[ -z "$DATA" ] && [ -f "$ROOT/../shared/data/vowels/hillenbrand1995_vowdata.dat" ] &&
    DATA=$ROOT/../shared/data/vowels/hillenbrand1995_vowdata.dat
if [ -n "$DATA" ]; then
    [ -f "$DATA" ] || { echo "bench/vowels.sh: $DATA: no such file" >&2; exit 1; }
    SRC=(--data "$DATA")
    echo "data: $DATA (Hillenbrand et al. 1995)"
else
    SRC=(--speakers 48)
    echo "data: synthetic, 48 speakers per group (no vowdata.dat given)"
fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Trains one configuration on every seed (results in $TMP/NAME.S.json), then prints its row.
run() {
    local name=$1
    shift
    for s in ${SEEDS//,/ }; do
        "$NANOCIM" vowels train "${SRC[@]}" --seed "$s" "$@" -q -o "$TMP/$name.$s.json" >/dev/null
    done
    "$PY" - "$name" "$TMP" "$SEEDS" <<'EOF'
import json, statistics, sys
name, tmp, seeds = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
rows = [json.load(open(f"{tmp}/{name}.{s}.json")) for s in seeds]
def med(f):
    return 100 * statistics.median(f(r) for r in rows)
base = {b["name"]: b for b in rows[0]["baselines"]}
best = max(statistics.median(next(b for b in r["baselines"] if b["name"] == n)["test_accuracy"]
                             for r in rows) for n in base)
unc = rows[0]["uncoupled"] is not None
print(f"{name:<28} {med(lambda r: r['train']['accuracy']):6.1f} {med(lambda r: r['test']['accuracy']):6.1f}"
      f" {med(lambda r: r['untrained']['test']['accuracy']):8.1f}"
      f" {med(lambda r: r['uncoupled']['test']['accuracy']) if unc else float('nan'):8.1f}"
      + "".join(f" {100 * statistics.median(next(b for b in r['baselines'] if b['name'] == n)['test_accuracy'] for r in rows):8.1f}"
                for n in ("nearest-centroid", "gaussian", "mlp"))
      + f"  {100 * best - med(lambda r: r['test']['accuracy']):5.1f}"
      + f"  {statistics.median(r['timing']['seconds'] for r in rows):5.1f} s")
EOF
}

echo
echo "median over split seeds $SEEDS (test accuracy, %, unless marked):"
printf "%-28s %6s %6s %8s %8s %8s %8s %8s  %5s  %7s\n" "task" "train" "test" "untrain" "uncoupl" \
    "centroid" "gaussian" "mlp" "gap" "time"
run "7 vowels, 4 osc (default)"
if [ "$QUICK" -eq 0 ]; then
    run "12 vowels, 4 osc" --vowels ae,ah,aw,eh,er,ei,ih,iy,oa,oo,uh,uw
    run "7 vowels, 8 osc" --osc 8
    run "7 vowels, 12 osc" --osc 12
    run "7 vowels, 8 osc, F1 F2 F3" --osc 8 --formants f1,f2,f3
fi

echo
echo "the default task per seed:"
"$PY" - "$TMP" "$SEEDS" <<'EOF'
import json, sys
tmp, seeds = sys.argv[1], sys.argv[2].split(",")
print(f"{'seed':>4} {'train':>6} {'test':>6} {'calibr':>7} {'untrain':>8} {'uncoupl':>8} "
      f"{'centroid':>8} {'gaussian':>8} {'mlp':>6} {'undec':>6} {'s':>5} {'runs':>6} {'osc-steps/s':>11}")
for s in seeds:
    r = json.load(open(f"{tmp}/7 vowels, 4 osc (default).{s}.json"))
    b = {x["name"]: 100 * x["test_accuracy"] for x in r["baselines"]}
    t = r["timing"]
    cal = r.get("calibrated", {}).get("test", {}).get("accuracy") if r.get("calibrated") else None
    print(f"{s:>4} {100 * r['train']['accuracy']:6.1f} {100 * r['test']['accuracy']:6.1f} "
          f"{100 * cal if cal is not None else float('nan'):7.1f} "
          f"{100 * r['untrained']['test']['accuracy']:8.1f} {100 * r['uncoupled']['test']['accuracy']:8.1f} "
          f"{b['nearest-centroid']:8.1f} {b['gaussian']:8.1f} {b['mlp']:6.1f} {r['test']['undecided']:6d} "
          f"{t['seconds']:5.1f} {t['runs']:6d} {t['osc_steps_per_second']:11.3g}")
print(f"simulated time per sample: {t['sim_ns_per_sample']:g} ns (transient and read-out window)")
EOF

if [ "$QUICK" -eq 0 ]; then
    first=${SEEDS%%,*}
    echo
    echo "robustness, split seed $first (the network retrained at each point):"
    "$NANOCIM" vowels sweep "${SRC[@]}" --seed "$first" --temperature-list 0,100,300,600,1000
    "$NANOCIM" vowels sweep "${SRC[@]}" --seed "$first" --spread-list 0,0.5,1,2 | tail -n +2
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
