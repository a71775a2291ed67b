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
FMNIST=${NCM_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
. "$(dirname "$0")/cli_lib.sh"

if ! "$NANOCIM" chip --help >/dev/null 2>&1; then
    echo "SKIP: nanocim has no chip command"
    exit 77
fi
if [ ! -e "$FMNIST/t10k-images-idx3-ubyte.gz" ] && [ ! -e "$FMNIST/t10k-images-idx3-ubyte" ]; then
    echo "SKIP: Fashion-MNIST is not installed in $FMNIST (apt-get install dataset-fashion-mnist)"
    exit 77
fi
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

"$NANOCIM" train --data fashion-mnist --arch mlp:64 --epochs 1 --train-limit 2000 \
    --test-limit 500 -q -o "$TMP/M.ncm" >/dev/null
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
    check "the JSON document carries producer, model, data, faults, seed, summary and chips" \
        'python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"producer\"].startswith(\"nanocim \"), d[\"producer\"]
for k in (\"model\", \"data\", \"faults\", \"seed\", \"summary\", \"layers\", \"chips\", \"timing\"):
    assert k in d, k
assert d[\"faults\"][\"ber\"] == 0.01 and d[\"seed\"] == 5 and len(d[\"chips\"]) == 3
s = d[\"summary\"]
assert s[\"accuracy_min\"] <= s[\"accuracy_mean\"] <= s[\"accuracy_max\"]
" "$TMP/chips.json"'
fi
"$NANOCIM" chip run "$TMP/M.ncm" --data fashion-mnist --limit 500 --chips 3 --ber 0.01 \
    --seed 5 --threads 1 -o "$TMP/chips1.csv" -q >"$TMP/out1"
check "1 and 2 threads give the same per-chip numbers" 'cmp -s "$TMP/chips.csv" "$TMP/chips1.csv"'

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
summary
