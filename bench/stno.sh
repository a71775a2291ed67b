#!/usr/bin/env bash
# The issue-5 speed benchmark of the spin-torque oscillator integrator: 4 coupled oscillators,
# 2 microwave inputs, 1000 input samples of 1 us at T = 300 K, in nanocim (bench_stno: one
# ncm_stno_run over the batch, 1 and 2 threads) and in numpy (bench/stno_numpy.py: the same
# equations, Heun step, frame, dt and locking criterion, vectorised over samples and oscillators).
# Prints a table of seconds, oscillator-steps per second and the speed ratio to numpy (for the
# best kernel variant the CPU has and, below it, the narrower AVX2 and baseline variants, which
# must give the same results), and how far the two agree:
#   - noiseless cross-check (T = 0, the same 1000 samples): mean frequencies within 1e-6
#     relative, identical phase slips and locking decisions;
#   - with noise (different generators: Philox in C, PCG64 in numpy): the fraction of
#     (run, oscillator, input) locking decisions that agree (>= 97 %), the locked fractions, and
#     as a baseline the agreement of two C runs with different noise seeds.
# Exit status 1 when a check fails. Takes a few seconds.
#
# usage: bash bench/stno.sh [--check] [--repeat R] [--runs N]
#   --check     only the noiseless cross-check
#   --repeat R  timed runs of each implementation, the fastest reported (default 5)
#   --runs N    input samples (default 1000, the benchmark)
# The build directory is ./build (configured and built if bench_stno is missing), or the one
# named by the environment variable NCM_BUILD_DIR.
set -euo pipefail

CHECK_ONLY=0
REPEAT=5
RUNS=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --check) CHECK_ONLY=1; shift ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "stno.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$REPEAT$RUNS" in *[!0-9]*|"") echo "--repeat and --runs take positive integers" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
PY=/usr/bin/python3   # Debian's interpreter: the one python3-numpy is installed for

# Dependencies (idempotent).
dpkg -s python3-numpy >/dev/null 2>&1 || (apt-get update && apt-get install -y python3-numpy)
BUILD=${NCM_BUILD_DIR:-build}
if [ ! -x "$BUILD/bench/bench_stno" ]; then
    cmake -S . -B "$BUILD" && cmake --build "$BUILD" -j2
fi
BENCH="$BUILD/bench/bench_stno"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
STATUS=0

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nanocim: $(git log -1 --format=%h 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' +local changes'),"\
     "numpy $("$PY" -c 'import numpy; print(numpy.__version__)')"
echo

echo "== noiseless cross-check (T = 0, $RUNS samples) =="
"$BENCH" --check --runs "$RUNS" "$TMP/c_check.json" > "$TMP/c_check.txt"
"$PY" bench/stno_numpy.py "$TMP/c_check.json" --out "$TMP/np_check.json" || STATUS=1
echo
if [ "$CHECK_ONLY" = 1 ]; then
    exit "$STATUS"
fi

echo "== benchmark (T = 300 K, $RUNS samples, best of $REPEAT) =="
"$BENCH" --runs "$RUNS" --repeat "$REPEAT" "$TMP/c.json" || STATUS=1
"$BENCH" --runs "$RUNS" --repeat 1 --noise-seed 8 "$TMP/c_seed8.json" > /dev/null || STATUS=1
"$PY" bench/stno_numpy.py "$TMP/c.json" --repeat "$REPEAT" --baseline "$TMP/c_seed8.json" \
    --out "$TMP/np.json" || STATUS=1
echo
# The narrower kernel variants this CPU can run (what machines without AVX-512 get); their
# results must be those of the default kernel, bit for bit.
for k in avx2 base; do
    if "$BENCH" --runs "$RUNS" --repeat "$REPEAT" --kernel "$k" "$TMP/c_$k.json" \
        > /dev/null 2>&1; then
        "$PY" - "$TMP/c.json" "$TMP/c_$k.json" <<'EOF2' || STATUS=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
same = all(a[k] == b[k] for k in ("f_mean_mhz", "in_slips", "in_locked"))
print("kernel %s: %s results as kernel %s" % (b["kernel"], "the same" if same else "DIFFERENT",
                                               a["kernel"]))
sys.exit(0 if same else 1)
EOF2
    fi
done

"$PY" - "$TMP/c.json" "$TMP/np.json" "$TMP/np_check.json" <<'EOF'
import json, sys
c, n, chk = (json.load(open(p)) for p in sys.argv[1:4])
osc_steps = n["osc_steps"]
rows = [("C nanocim", c["kernel"], t["threads"], t["seconds"]) for t in c["timing"]]
for k in ("avx2", "base"):
    try:
        ck = json.load(open(sys.argv[1].replace("c.json", "c_%s.json" % k)))
    except OSError:
        continue
    rows += [("C nanocim", k, t["threads"], t["seconds"]) for t in ck["timing"]]
rows.append(("numpy %s" % n["numpy"], "", 1, n["seconds"]))
print("%-14s | %7s | %7s | %9s | %14s | %14s" % ("implementation", "kernel", "threads", "seconds",
                                                  "osc-steps/s", "ratio to numpy"))
for name, kern, th, s in rows:
    print("%-14s | %7s | %7d | %9.4f | %14.4g | %13.1fx"
          % (name, kern, th, s, osc_steps / s, n["seconds"] / s))
print("(%d oscillator-steps: %d oscillators x %d samples x %d steps; best of %d each; "
      "C 1 and 2 threads %s)" % (osc_steps, c["n_osc"], c["n_runs"], c["n_steps"], c["repeat"],
                                 "identical" if c["threads_identical"] else "DIFFER"))
print("locking decisions, numpy vs C: %.2f %% agree (%d of %d differ; C vs C with another noise "
      "seed: %.2f %%); locked fractions numpy %.4f, C %.4f"
      % (100 * n["agreement"], n["disagreements"], n["decisions"], 100 * n["agreement_c_c"],
         n["locked_fraction_numpy"], n["locked_fraction_c"]))
print("noiseless cross-check: %s (mean frequencies max relative difference %.2g over %d samples, "
      "slips %s, decisions %.2f %% agree)"
      % ("PASS" if chk["pass"] else "FAIL", chk["f_mean_max_rel_diff"], chk["n_runs"],
         "identical" if chk["slips_identical"] else "differ", 100 * chk["agreement"]))
print("goal C (2 threads) >= 20x numpy: %s (%.1fx)"
      % ("met" if n["seconds"] / c["timing"][1]["seconds"] >= 20 else "NOT met",
         n["seconds"] / c["timing"][1]["seconds"]))
EOF
echo "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$STATUS"
