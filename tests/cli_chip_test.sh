#!/usr/bin/env bash
# Command-line tests of `nanocim chip run` (the Monte Carlo over faulty chips): with Debian's
# dataset-fashion-mnist installed, a tiny model is trained and run on 3 chips at ber 0.01; the
# summary, the JSON document's keys and the CSV's lines are checked, the same seed gives the
# same numbers with 1 and 2 threads, and bad values (--ber nan / 2, --chips 0, an output in a
# folder that does not exist) fail with one line naming the option and leave no file behind.
#
# usage: bash tests/cli_chip_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_chip_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_chip_test.sh NANOCIM TMPDIR}
. "$(dirname "$0")/cli_lib.sh"

if ! "$NANOCIM" chip --help >/dev/null 2>&1; then
    echo "SKIP: nanocim has no chip command"
    exit 77
fi
need_fashion_mnist
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

train_tiny "$TMP/M.ncm"
check "a tiny model is trained" '[ -s "$TMP/M.ncm" ]'

"$NANOCIM" chip run "$TMP/M.ncm" --data fashion-mnist --limit 500 --chips 3 --ber 0.01 \
    --seed 5 --threads 2 -o "$TMP/chips.csv" --json "$TMP/chips.json" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "chip run succeeds" '[ $rc -eq 0 ]'
check "the summary gives the accuracy, interval and images/s" \
    'grep -q "accuracy" "$TMP/out" && grep -q "95% interval" "$TMP/out" && grep -q "images/s" "$TMP/out"'
check "the summary gives the measured error rate per layer" '[ "$(grep -cE "^  [0-9]+ +[0-9]+ +[0-9.e-]+ +[0-9.e-]+$" "$TMP/out")" -eq 2 ]'
check "the CSV has a header and one line per chip" '[ "$(wc -l <"$TMP/chips.csv")" -eq 4 ]'
check "the CSV header" 'head -1 "$TMP/chips.csv" | grep -qx "chip,accuracy,flips_L0,flips_L1,ber_L0,ber_L1"'
if command -v python3 >/dev/null; then
    check "the JSON document carries producer, model, data, chip, mapping, seed, summary and chips" \
        'python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"producer\"].startswith(\"nanocim \"), d[\"producer\"]
for k in (\"model\", \"data\", \"chip\", \"mapping\", \"seed\", \"summary\", \"layers\", \"chips\", \"timing\"):
    assert k in d, k
assert d[\"chip\"][\"faults\"][\"ber\"] == 0.01 and d[\"seed\"] == 5 and len(d[\"chips\"]) == 3
assert d[\"mapping\"][\"total\"][\"devices\"] > 0
s = d[\"summary\"]
assert s[\"accuracy_min\"] <= s[\"accuracy_mean\"] <= s[\"accuracy_max\"]
" "$TMP/chips.json"'
fi
"$NANOCIM" chip run "$TMP/M.ncm" --data fashion-mnist --limit 500 --chips 3 --ber 0.01 \
    --seed 5 --threads 1 -o "$TMP/chips1.csv" -q >"$TMP/out1"
check "1 and 2 threads give the same per-chip numbers" 'cmp -s "$TMP/chips.csv" "$TMP/chips1.csv"'

# Device physics: 2T2R and 1T1R with SECDED at a weak condition, the mapping printed.
"$NANOCIM" chip run "$TMP/M.ncm" --data fashion-mnist --limit 300 --chips 2 --cell 2t2r \
    --icc 15 --threads 2 --json "$TMP/dev.json" >"$TMP/dev.out" 2>"$TMP/dev.err"
rc=$?
check "a device-physics run succeeds" '[ $rc -eq 0 ]'
check "it prints the mapping and the programming energy" \
    'grep -q "^mapping: 2T2R, arrays of 32 x 32" "$TMP/dev.out" && grep -q "pJ per weight" "$TMP/dev.out"'
check "it measures a non-zero weight error rate" \
    'grep -A3 "measured ber" "$TMP/dev.out" | grep -qE "^  0 +[0-9]+  ([1-9]|0\.0*[1-9])"'
"$NANOCIM" chip run "$TMP/M.ncm" --data fashion-mnist --limit 300 --chips 2 \
    --cell 1t1r-secded --icc 15 --rows 16 --cols 64 >"$TMP/ecc.out" 2>&1
check "1T1R with SECDED words along rows of 64 cells: one (72,64) word per row" \
    'grep -q "1 SECDED word (72,64) and 8 check cells per row" "$TMP/ecc.out"'

run_bad() { # NAME NEEDLE ARGS...: fails naming NEEDLE and writes neither output file
    local name=$1 needle=$2
    shift 2
    rm -f "$TMP/bad.csv" "$TMP/bad.json"
    expect_fail "$name" "$needle" chip run "$TMP/M.ncm" --data fashion-mnist --limit 100 "$@"
    check "$name: no output file" '[ ! -e "$TMP/bad.csv" ] && [ ! -e "$TMP/bad.json" ]'
}
run_bad "--ber nan" "--ber" --ber nan --chips 2 -o "$TMP/bad.csv" --json "$TMP/bad.json"
run_bad "--ber 2" "--ber" --ber 2 --chips 2 -o "$TMP/bad.csv" --json "$TMP/bad.json"
run_bad "--chips 0" "--chips" --ber 0.01 --chips 0 -o "$TMP/bad.csv" --json "$TMP/bad.json"
run_bad "--ber-layer of the wrong length" "--ber-layer" --ber-layer 0.1,0.1,0.1 --chips 2 \
    -o "$TMP/bad.csv" --json "$TMP/bad.json"
run_bad "-o in a missing folder" "-o" --ber 0.01 --chips 2 -o "$TMP/nope/bad.csv" \
    --json "$TMP/bad.json"
check "-o in a missing folder: nothing created" '[ ! -e "$TMP/nope" ]'
run_bad "--rows 0" "--rows" --icc 20 --rows 0 --chips 2 -o "$TMP/bad.csv"
run_bad "--rows larger than every fan-in" "--rows" --icc 20 --rows 5000 --chips 2 -o "$TMP/bad.csv"
run_bad "--ber with --icc" "--icc" --ber 0.01 --icc 20 --chips 2 -o "$TMP/bad.csv"
run_bad "--icc nan" "--icc" --icc nan --chips 2 -o "$TMP/bad.csv"
run_bad "--icc-layer of the wrong length" "--icc-layer" --icc-layer 20 --chips 2 -o "$TMP/bad.csv"
run_bad "--read-ber 1.5" "--read-ber" --ber 0 --read-ber 1.5 --chips 2 -o "$TMP/bad.csv"
run_bad "an unknown cell" "--cell" --cell 3t3r --icc 20 --chips 2 -o "$TMP/bad.csv"
printf '{"name": "x"}' >"$TMP/dev.json.bad"
run_bad "a device file that is not one" "dev.json.bad" --device "$TMP/dev.json.bad" --chips 2 \
    -o "$TMP/bad.csv"
summary
