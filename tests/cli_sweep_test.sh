#!/usr/bin/env bash
# Command-line tests of `nanocim sweep` (accuracy over a grid of chip conditions, many chips per
# point): with Debian's dataset-fashion-mnist installed, two tiny models (one trained with weight
# flips) are swept over 3 bit error rates in one table; its CSV lines and header, the JSON
# document's keys and the figure are checked; a device-physics sweep over the compliance current
# with two cells gives its table and the energy figure; 1 and 2 threads write the same bytes; and
# bad inputs (--ber nan / 2, --chips 0, --array 0, --rows beyond every fan-in, --ber with --icc,
# an unknown axis or option, unwritable outputs, data of another shape) fail with one line naming
# the option and leave no file behind.
#
# usage: bash tests/cli_sweep_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_sweep_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_sweep_test.sh NANOCIM TMPDIR}
. "$(dirname "$0")/cli_lib.sh"

if ! "$NANOCIM" sweep --help >/dev/null 2>&1; then
    echo "SKIP: nanocim has no sweep command"
    exit 77
fi
need_fashion_mnist
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

train_tiny "$TMP/std.ncm"
"$NANOCIM" train --data fashion-mnist --arch mlp:64 --epochs 1 --train-limit 2000 \
    --test-limit 500 --flip 0.05 -q -o "$TMP/flip.ncm" >/dev/null
check "two tiny models are trained" '[ -s "$TMP/std.ncm" ] && [ -s "$TMP/flip.ncm" ]'

SW=(sweep --data fashion-mnist --limit 500 --chips 3 --seed 5)

# A fault sweep: 2 models x 3 bit error rates, one table and one figure.
"$NANOCIM" sweep ber "$TMP/std.ncm" "$TMP/flip.ncm" "${SW[@]:1}" --ber 1e-3,1e-2,4e-2 \
    --threads 2 -o "$TMP/f.csv" --json "$TMP/f.json" --plot "$TMP/f.png" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "fault sweep succeeds" '[ $rc -eq 0 ]'
[ $rc -eq 0 ] || cat "$TMP/err"
check "fault sweep: the table has one line per point" \
    '[ "$(grep -cE "(std|flip)\.ncm +0\.0[0-9]+ +[01]\.[0-9]{4} " "$TMP/out")" -eq 6 ]'
check "fault sweep: processes and wall time are printed" 'grep -qE "^1 process x .* s wall time$" "$TMP/out"'
check "fault sweep: the CSV has a header and 2 x 3 lines" '[ "$(wc -l <"$TMP/f.csv")" -eq 7 ]'
check "fault sweep: the CSV header" \
    'head -1 "$TMP/f.csv" | grep -q "^model,axis_ber,mode,rows,cols,storage,.*,accuracy_mean,accuracy_sd,accuracy_min,accuracy_max,.*ber_measured,energy_bit_pj"'
check "fault sweep: the CSV names both models" \
    '[ "$(grep -c "std.ncm," "$TMP/f.csv")" -eq 3 ] && [ "$(grep -c "flip.ncm," "$TMP/f.csv")" -eq 3 ]'
check "fault sweep: a PNG figure" '[ -s "$TMP/f.png" ] && [ "$(head -c 4 "$TMP/f.png" | od -An -c | tr -d " ")" = "211PNG" ]'
check "fault sweep: no temporary file left" '[ -z "$(ls "$TMP" | grep -E "\.tmp|~")" ]'
if command -v python3 >/dev/null; then
    check "fault sweep: the JSON document carries producer, data, models, axes, seed, n_chips and points" \
        'python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"producer\"].startswith(\"nanocim \"), d[\"producer\"]
for k in (\"data\", \"models\", \"axes\", \"seed\", \"n_chips\", \"points\"):
    assert k in d, k
assert d[\"seed\"] == 5 and d[\"n_chips\"] == 3, (d[\"seed\"], d[\"n_chips\"])
assert [a[\"name\"] for a in d[\"axes\"]] == [\"ber\"], d[\"axes\"]
for p in d[\"points\"]:
    assert len(p[\"accuracy\"]) == 3 and \"summary\" in p, p.keys()
assert len(d[\"models\"]) == 2 and len(d[\"points\"]) == 6
assert \"timing\" not in d and \"seconds\" not in json.dumps(d)
" "$TMP/f.json"'
fi

# The same sweep on one thread: the same bytes.
"$NANOCIM" sweep ber "$TMP/std.ncm" "$TMP/flip.ncm" "${SW[@]:1}" --ber 1e-3,1e-2,4e-2 \
    --threads 1 -q -o "$TMP/f1.csv" --json "$TMP/f1.json" >"$TMP/out1" 2>&1
check "1 and 2 threads: the same CSV" 'cmp -s "$TMP/f.csv" "$TMP/f1.csv"'
check "1 and 2 threads: the same JSON" 'cmp -s "$TMP/f.json" "$TMP/f1.json"'
check "-q prints nothing" '[ ! -s "$TMP/out1" ]'

# A device sweep: compliance current x two cells, with the energy figure (SVG).
"$NANOCIM" sweep icc "$TMP/std.ncm" "${SW[@]:1}" --chips 2 --icc 20,100 --cell 2t2r,1t1r \
    -o "$TMP/d.csv" --json "$TMP/d.json" --plot "$TMP/d.svg" --plot-energy "$TMP/e.svg" \
    --error-bars sd >"$TMP/dout" 2>"$TMP/err"
rc=$?
check "device sweep succeeds" '[ $rc -eq 0 ]'
[ $rc -eq 0 ] || cat "$TMP/err"
check "device sweep: the CSV has a header and 2 cells x 2 currents" '[ "$(wc -l <"$TMP/d.csv")" -eq 5 ]'
check "device sweep: storage then icc columns" 'head -1 "$TMP/d.csv" | grep -q "^model,axis_storage,axis_icc,mode,"'
check "device sweep: both cells" \
    '[ "$(grep -c ",2t2r,20," "$TMP/d.csv")" -eq 1 ] && [ "$(grep -c ",1t1r,100," "$TMP/d.csv")" -eq 1 ]'
check "device sweep: the table gives the energy per bit" 'grep -q "E_bit_pJ" "$TMP/dout"'
check "device sweep: SVG figures" \
    'grep -q "<svg" "$TMP/d.svg" && grep -q "<svg" "$TMP/e.svg"'
"$NANOCIM" sweep icc "$TMP/std.ncm" "${SW[@]:1}" --chips 2 --icc 20,100 --cell 2t2r,1t1r \
    --threads 1 -q -o "$TMP/d1.csv" --json "$TMP/d1.json"
check "device sweep, 1 and 2 threads: the same CSV and JSON" \
    'cmp -s "$TMP/d.csv" "$TMP/d1.csv" && cmp -s "$TMP/d.json" "$TMP/d1.json"'

# Bad inputs: one line naming the option, a non-zero exit, no output file.
run_bad() { # NAME NEEDLE ARGS...: fails naming NEEDLE and writes none of the outputs
    local name=$1 needle=$2
    shift 2
    rm -f "$TMP/bad.csv" "$TMP/bad.json" "$TMP/bad.png"
    expect_fail "$name" "$needle" "$@"
    check "$name: no output file" \
        '[ ! -e "$TMP/bad.csv" ] && [ ! -e "$TMP/bad.json" ] && [ ! -e "$TMP/bad.png" ]'
}
OUT=(-o "$TMP/bad.csv" --json "$TMP/bad.json" --plot "$TMP/bad.png")
M=$TMP/std.ncm
run_bad "--ber nan" "--ber" sweep ber "$M" "${SW[@]:1}" --ber nan "${OUT[@]}"
run_bad "--ber 2" "--ber" sweep ber "$M" "${SW[@]:1}" --ber 1e-3,2 "${OUT[@]}"
run_bad "--chips 0" "--chips" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 --chips 0 "${OUT[@]}"
run_bad "--array 0" "--array" sweep array "$M" "${SW[@]:1}" --array 0,8 "${OUT[@]}"
run_bad "--rows beyond every fan-in" "--rows" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
    --rows 4096 "${OUT[@]}"
run_bad "--ber with --icc" "--ber and --icc" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 --icc 20 \
    "${OUT[@]}"
run_bad "axis icc with --ber" "--icc" sweep icc "$M" "${SW[@]:1}" --ber 1e-3 --icc 20,50 "${OUT[@]}"
run_bad "an axis without values" "--icc" sweep icc "$M" "${SW[@]:1}" "${OUT[@]}"
run_bad "unknown axis" "unknown axis" sweep voltage "$M" "${SW[@]:1}" --ber 1e-3 "${OUT[@]}"
run_bad "unknown option" "--bogus" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 --bogus 1 "${OUT[@]}"
run_bad "--plot-energy in fault mode" "--plot-energy" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
    --plot-energy "$TMP/bad.png" -o "$TMP/bad.csv"
run_bad "--plot of an unknown type" "--plot" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
    --plot "$TMP/bad.txt" -o "$TMP/bad.csv"
check "--plot of an unknown type: no figure" '[ ! -e "$TMP/bad.txt" ]'
run_bad "--cell unknown" "--cell" sweep storage "$M" "${SW[@]:1}" --cell 2t2r,3t3r "${OUT[@]}"
run_bad "-o in a missing folder" "-o" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
    -o "$TMP/nope/bad.csv" --json "$TMP/bad.json"
check "-o in a missing folder: nothing created" '[ ! -e "$TMP/nope" ]'
run_bad "--json in a missing folder" "--json" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
    -o "$TMP/bad.csv" --json "$TMP/nope/bad.json"
run_bad "--plot in a missing folder" "--plot" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
    -o "$TMP/bad.csv" --plot "$TMP/nope/bad.png"
# A device node that cannot be opened (character device 0,0: no driver), made here, never the
# system's own devices.
if mknod "$TMP/node" c 0 0 2>/dev/null; then
    run_bad "-o to a device that cannot be opened" "-o" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
        -o "$TMP/node" --json "$TMP/bad.json"
    check "-o to a device: the node is left as it was" '[ -c "$TMP/node" ]'
    mknod "$TMP/node.png" c 0 0
    run_bad "--plot over a device" "--plot" sweep ber "$M" "${SW[@]:1}" --ber 1e-3 \
        -o "$TMP/bad.csv" --plot "$TMP/node.png"
    check "--plot over a device: the node is left as it was" '[ -c "$TMP/node.png" ]'
    rm -f "$TMP/node" "$TMP/node.png"
else
    echo "SKIP  output to a device node (mknod not permitted here)"
fi
# Data of another shape: 10 images of 8 x 8 in IDX files.
mkdir -p "$TMP/tiny"
{ printf '\x00\x00\x08\x03\x00\x00\x00\x0a\x00\x00\x00\x08\x00\x00\x00\x08'
  head -c 640 /dev/zero; } >"$TMP/tiny/t10k-images-idx3-ubyte"
{ printf '\x00\x00\x08\x01\x00\x00\x00\x0a'; printf '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09'; } \
    >"$TMP/tiny/t10k-labels-idx1-ubyte"
run_bad "data of another shape" "--data" sweep ber "$M" --data "$TMP/tiny" --chips 2 --ber 1e-3 \
    "${OUT[@]}"
summary
