#!/usr/bin/env bash
# Command-line tests of `nanocim chip cost` (energy, area and latency of one inference,
# include/nanocim/cost.h): with Debian's dataset-fashion-mnist installed, a tiny model is
# trained; the table lists the chips and the four processor baselines, the JSON document's counts
# follow the closed forms, -q prints the first chip's energy, a technology file is read (a larger
# sense energy raises the chip's energy by exactly its count), the figure is written; and bad
# input (a technology file with a negative, NaN, missing or unknown field, a model that does not
# fit the arrays, an unknown cell, an output in a missing folder or on a device node) fails with
# one line and leaves no file behind.
#
# usage: bash tests/cli_cost_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_cost_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_cost_test.sh NANOCIM TMPDIR}
. "$(dirname "$0")/cli_lib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)

need_fashion_mnist
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
train_tiny "$TMP/M.ncm"
check "a tiny model is trained" '[ -s "$TMP/M.ncm" ]'

"$NANOCIM" chip cost "$TMP/M.ncm" --json "$TMP/cost.json" --plot "$TMP/cost.svg" \
    >"$TMP/out" 2>"$TMP/err"
rc=$?
check "chip cost succeeds" '[ $rc -eq 0 ] && ! grep -q "^nanocim:" "$TMP/err"'
for a in 2T2R 1T1R "1T1R+SECDED(39,32)" SRAM-BNN DRAM-BNN SRAM-float DRAM-float; do
    check "the table has $a" 'grep -qF -- "$a " "$TMP/out"'
done
check "the table gives each chip's breakdown and programming cost" \
    '[ "$(grep -c ": energy of one inference by item" "$TMP/out")" -eq 3 ] &&
     grep -q "programming the chip: " "$TMP/out"'
check "the figure is written" '[ -s "$TMP/cost.svg" ] && grep -q "<svg" "$TMP/cost.svg"'
if [ -x /usr/bin/python3 ]; then
    check "the JSON counts follow the closed forms (mlp:64 on 784 inputs, 10 classes)" \
        '/usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"format\"] == \"nanocim-cost\" and d[\"producer\"].startswith(\"nanocim \")
a = {x[\"name\"]: x for x in d[\"architectures\"]}
reads = 784 * 64 * 8 + 64 * 10
t = a[\"2T2R\"][\"total\"][\"items\"]
assert t[\"sense\"][\"count\"] == reads, t[\"sense\"]
assert t[\"device_read\"][\"count\"] == 2 * reads
assert a[\"1T1R\"][\"total\"][\"items\"][\"device_read\"][\"count\"] == reads
assert a[\"DRAM-float\"][\"total\"][\"items\"][\"multiply\"][\"count\"] == 784 * 64 + 64 * 10
assert a[\"DRAM-float\"][\"area_mm2\"] is None
assert a[\"DRAM-float\"][\"energy_pj\"] > a[\"SRAM-float\"][\"energy_pj\"] > a[\"2T2R\"][\"energy_pj\"]
assert a[\"2T2R\"][\"programming\"][\"sets\"] == 784 * 64 + 64 * 10
assert len(a[\"2T2R\"][\"layers\"]) == 2
assert d[\"technology\"][\"array\"][\"e_sense_pj\"] == 0.01
" "$TMP/cost.json"'
fi

# A technology file: the shipped one gives the same numbers; a doubled sense energy adds
# exactly the sense operations times 0.01 pJ.
e0=$("$NANOCIM" chip cost "$TMP/M.ncm" --cell 2t2r -q)
e1=$("$NANOCIM" chip cost "$TMP/M.ncm" --cell 2t2r -q --tech "$SRC/data/tech_45nm.json")
check "the shipped technology file is the built-in one" '[ "$e0" = "$e1" ]'
sed 's/"e_sense_pj": 0.01,/"e_sense_pj": 0.02,/' "$SRC/data/tech_45nm.json" >"$TMP/t2.json"
e2=$("$NANOCIM" chip cost "$TMP/M.ncm" --cell 2t2r -q --tech "$TMP/t2.json")
check "doubling the sense energy adds its count x 0.01 pJ" \
    'awk -v a="$e0" -v b="$e2" "BEGIN { d = b - a - (784 * 64 * 8 + 640) * 0.01; exit !(d < 1e-3 * b && d > -1e-3 * b) }"'

bad() { # NAME NEEDLE ARGS...: fails naming NEEDLE and writes no output
    local name=$1 needle=$2
    shift 2
    rm -f "$TMP/bad.json" "$TMP/bad.svg"
    expect_fail "$name" "$needle" chip cost "$TMP/M.ncm" --json "$TMP/bad.json" --plot "$TMP/bad.svg" "$@"
    check "$name: no output file" '[ ! -e "$TMP/bad.json" ] && [ ! -e "$TMP/bad.svg" ]'
}
sed 's/"e_popcount_bit_pj": 0.00375,/"e_popcount_bit_pj": -1,/' "$SRC/data/tech_45nm.json" >"$TMP/neg.json"
bad "a negative energy" "logic.e_popcount_bit_pj" --tech "$TMP/neg.json"
sed 's/"e_dram_word_pj": 1300,/"e_dram_word_pj": NaN,/' "$SRC/data/tech_45nm.json" >"$TMP/nan.json"
bad "a NaN field" "nan.json" --tech "$TMP/nan.json"
grep -v '"t_cycle_ns"' "$SRC/data/tech_45nm.json" | sed 's/"e_bit_line_pj": 0.002,/"e_bit_line_pj": 0.002/' >"$TMP/miss.json"
bad "a missing field" "array.t_cycle_ns" --tech "$TMP/miss.json"
sed 's/"vdd_v": 0.9/"vdd_v": 0.9, "vth_v": 0.4/' "$SRC/data/tech_45nm.json" >"$TMP/unk.json"
bad "an unknown field" "node.vth_v" --tech "$TMP/unk.json"
bad "a missing technology file" "nope.json" --tech "$TMP/nope.json"
sed 's/"vdd_v": 0.9/"vdd_v": 0.9, "vdd_v": 5/' "$SRC/data/tech_45nm.json" >"$TMP/dup.json"
bad "a key given twice" "node.vdd_v" --tech "$TMP/dup.json"
{ cat "$SRC/data/tech_45nm.json"; echo '{}'; } >"$TMP/trail.json"
bad "data after the JSON document" "data after the JSON document" --tech "$TMP/trail.json"
bad "a model that does not fit the arrays" "--rows" --rows 4096
bad "an unknown cell" "--cell" --cell 2t2r,3t3r
bad "an empty cell list" "--cell" --cell ,
bad "a figure of unknown type" "--plot" --plot "$TMP/bad.gif"
expect_fail "--json in a missing folder" "--json" chip cost "$TMP/M.ncm" --json "$TMP/nope/c.json"
check "--json in a missing folder: nothing created" '[ ! -e "$TMP/nope" ]'
expect_fail "an unknown option" "--frobnicate" chip cost "$TMP/M.ncm" --frobnicate
expect_fail "no model" "MODEL" chip cost
if mknod "$TMP/null" c 1 3 2>/dev/null; then
    "$NANOCIM" chip cost "$TMP/M.ncm" --json "$TMP/null" -q >/dev/null 2>"$TMP/err"
    check "--json on a device node writes through and keeps the node" \
        '[ $? -eq 0 ] && [ -c "$TMP/null" ]'
    if mknod "$TMP/full" c 1 7 2>/dev/null; then
        "$NANOCIM" chip cost "$TMP/M.ncm" >"$TMP/full" 2>"$TMP/err"
        rc=$?
        check "a full standard output is an error with one line" \
            '[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^nanocim: " "$TMP/err"'
    fi
else
    echo "SKIP  device-node output (mknod not permitted)"
fi
summary
