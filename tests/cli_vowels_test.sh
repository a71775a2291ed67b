#!/usr/bin/env bash
# Command-line tests of `nanocim vowels` (vowel recognition with coupled oscillators,
# include/nanocim/vowel.h), kept fast (8 synthetic speakers per group, 2 epochs, 300 ns windows):
# train on synthetic data says so and writes a result JSON of the documented format, the
# synchronization map and the learning curve (PNG); -q prints one number, the network's test
# accuracy; eval of the result reproduces that accuracy and its counts (text, -q and --json);
# the same seed gives the same result apart from the timing, and 1 or 2 threads the same
# accuracies and currents; a small data file in Hillenbrand's format is read, and malformed ones
# (a short row, a non-numeric field, an unknown vowel code, a truncated last row) are refused
# naming the file and the line; every bad option, value, selection, a network with fewer patterns
# than classes and an unwritable output fail with one line naming the option or file, the right
# exit code and no output file left. With Hillenbrand's vowdata.dat in /work/shared/data/vowels
# (or $NCM_VOWEL_DATA), the real data are trained on and evaluated too (skipped otherwise, with
# a message).
#
# usage: bash tests/cli_vowels_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_vowels_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_vowels_test.sh NANOCIM TMPDIR}
. "$(dirname "$0")/cli_lib.sh"
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=""
FAST=(--epochs 2 --window 300 --transient 50)
SYN=(--speakers 8)

# ---- train on synthetic data ----------------------------------------------------------------
"$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -o "$TMP/r.json" --map "$TMP/map.png" \
    --curve "$TMP/curve.png" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "train on synthetic data succeeds" '[ $rc -eq 0 ] && ! grep -q "^nanocim:" "$TMP/err"'
check "train says the data are synthetic" 'grep -q "^data: synthetic (no --data file): 8 speakers per group" "$TMP/out"'
check "train reports the network beside its ablations and the baselines" \
    'for r in "oscillators (learned)" "oscillators (untrained)" "oscillators (uncoupled, learned)" nearest-centroid gaussian mlp; do grep -qF "$r " "$TMP/out" || exit 1; done'
check "train names the files it wrote" \
    'grep -qx "result $TMP/r.json" "$TMP/out" && grep -qx "figure $TMP/map.png" "$TMP/out" && grep -qx "figure $TMP/curve.png" "$TMP/out"'
png() { [ -s "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d " ")" = "211PNG" ]; }
check "the synchronization map is a PNG" 'png "$TMP/map.png"'
check "the learning curve is a PNG" 'png "$TMP/curve.png"'
check "no temporary file is left" '[ -z "$(ls "$TMP" | grep "\.tmp")" ]'
if [ -n "$PY" ]; then
    check "the result is JSON of the documented format and keys" '"$PY" -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"format\"] == \"nanocim-vowel-result\" and d[\"version\"] == 1, d[\"format\"]
assert d[\"producer\"].startswith(\"nanocim \")
for k in (\"model\", \"train\", \"test\", \"untrained\", \"uncoupled\", \"baselines\", \"curve\", \"data\", \"timing\"):
    assert k in d, k
m = d[\"model\"]
assert m[\"n_osc\"] == 4 and m[\"n_in\"] == 2 and m[\"n_classes\"] == 7, m
assert m[\"select\"][\"vowels\"] == [\"ae\", \"ah\", \"aw\", \"eh\", \"er\", \"ih\", \"iy\"]
assert len(m[\"i_dc_ma\"]) == 4 and all(5 <= i <= 14 for i in m[\"i_dc_ma\"])
for side in (\"train\", \"test\"):
    s = d[side]
    assert s[\"n\"] == 28 and 0 <= s[\"accuracy\"] <= 1, s
    assert s[\"correct\"] == sum(s[\"confusion\"][c][c] for c in range(7))
    assert s[\"correct\"] + s[\"undecided\"] <= s[\"n\"]
    assert abs(s[\"accuracy\"] - s[\"correct\"] / s[\"n\"]) < 1e-15
assert [b[\"name\"] for b in d[\"baselines\"]] == [\"nearest-centroid\", \"gaussian\", \"mlp\"]
assert [c[\"epoch\"] for c in d[\"curve\"]] == [1, 2]
assert d[\"data\"][\"train\"][\"speakers\"] == 4 and d[\"data\"][\"test\"][\"speakers\"] == 4
assert d[\"data\"][\"test\"][\"source\"].startswith(\"synthetic (seed 1): test split\")
assert d[\"timing\"][\"runs\"] > 0
" "$TMP/r.json"'
fi

# -q: one number, the network's test accuracy in %
"$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -q >"$TMP/q" 2>"$TMP/err"
check "train -q prints one number" '[ $? -eq 0 ] && [ "$(wc -l <"$TMP/q")" -eq 1 ] && grep -Eqx "[0-9]+\.[0-9]{2}" "$TMP/q" && ! grep -q "^nanocim:" "$TMP/err"'
acc=$(cat "$TMP/q")
if [ -n "$PY" ]; then
    check "train -q is the result's test accuracy" \
        '[ "$("$PY" -c "import json,sys; print(\"%.2f\" % (100 * json.load(open(sys.argv[1]))[\"test\"][\"accuracy\"]))" "$TMP/r.json")" = "$acc" ]'
fi

# ---- eval reproduces the training's test score ---------------------------------------------
"$NANOCIM" vowels eval "$TMP/r.json" "${SYN[@]}" >"$TMP/eval" 2>"$TMP/err"
check "eval succeeds" '[ $? -eq 0 ] && ! grep -q "^nanocim:" "$TMP/err"'
check "eval prints the test accuracy train printed" 'grep -q "^accuracy $acc % " "$TMP/eval"'
check "eval prints the confusion matrix of the 7 vowels" \
    '[ "$(grep -cE "^ (ae|ah|aw|eh|er|ih|iy) " "$TMP/eval")" -eq 7 ]'
check "eval -q prints the same number as train -q" \
    '[ "$("$NANOCIM" vowels eval "$TMP/r.json" "${SYN[@]}" -q)" = "$acc" ]'
"$NANOCIM" vowels eval "$TMP/r.json" "${SYN[@]}" -q --json "$TMP/e.json" --threads 1 >/dev/null
if [ -n "$PY" ]; then
    check "eval --json has the training's test counts and confusion, exactly" '"$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))[\"test\"]
e = json.load(open(sys.argv[2]))
assert e[\"format\"] == \"nanocim-vowel-eval\" and e[\"producer\"].startswith(\"nanocim \")
assert e[\"split\"] == \"test\" and e[\"classes\"][0] == \"ae\"
for k in (\"accuracy\", \"correct\", \"undecided\", \"n\", \"confusion\"):
    assert e[k] == r[k], (k, e[k], r[k])
" "$TMP/r.json" "$TMP/e.json"'
    "$NANOCIM" vowels eval "$TMP/r.json" "${SYN[@]}" --split train --json "$TMP/etr.json" -q >/dev/null
    check "eval --split train has the training's train score" \
        '"$PY" -c "import json,sys; r=json.load(open(sys.argv[1]))[\"train\"]; e=json.load(open(sys.argv[2])); assert (e[\"correct\"], e[\"n\"]) == (r[\"correct\"], r[\"n\"])" "$TMP/r.json" "$TMP/etr.json"'
    "$NANOCIM" vowels eval "$TMP/r.json" "${SYN[@]}" --split all --json "$TMP/eall.json" -q >/dev/null
    check "eval --split all scores all 56 tokens" \
        '"$PY" -c "import json,sys; assert json.load(open(sys.argv[1]))[\"n\"] == 56" "$TMP/eall.json"'
fi

# ---- reproducibility ------------------------------------------------------------------------
"$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -q -o "$TMP/r2.json" >/dev/null
"$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -q -o "$TMP/t1.json" --threads 1 >/dev/null
"$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -q -o "$TMP/t2.json" --threads 2 >/dev/null
"$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -q -o "$TMP/s2.json" --seed 2 >/dev/null
if [ -n "$PY" ]; then
    same() { # A B: the same result apart from the timing (and the same currents and accuracies)
        "$PY" -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a['model']['i_dc_ma'] == b['model']['i_dc_ma']
assert a['test']['accuracy'] == b['test']['accuracy'] and a['train']['accuracy'] == b['train']['accuracy']
for d in (a, b):
    del d['timing']
assert a == b
" "$1" "$2"
    }
    check "the same seed gives the same result (timing apart)" 'same "$TMP/r.json" "$TMP/r2.json"'
    check "the same seed gives byte-identical files before the timing" \
        'cmp -s <(sed "/\"timing\"/,\$d" "$TMP/r.json") <(sed "/\"timing\"/,\$d" "$TMP/r2.json")'
    check "--threads 1 and 2 give the same accuracies and currents" 'same "$TMP/t1.json" "$TMP/t2.json"'
    check "another --seed gives another split" \
        '! "$PY" -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:3]); assert a[\"data\"] == b[\"data\"] and a[\"model\"] == b[\"model\"]" "$TMP/r.json" "$TMP/s2.json" 2>/dev/null'
fi

# ---- a data file in Hillenbrand's format ----------------------------------------------------
# 8 women saying the 7 vowels (F1, F2 spread around the published means), with a header
mkdat() { # PATH [SPEAKERS]
    awk -v n="${2:-8}" 'BEGIN {
        srand(7)
        split("ae ah aw eh er ih iy", v, " ")
        split("676 921 804 727 524 484 437", f1, " ")
        split("2335 1526 1188 2063 1588 2369 2761", f2, " ")
        print "Hillenbrand-style header: filename dur f0 F1 F2 F3 F4 ..."
        print "  1    2   3    4    5    6    7"
        for (s = 1; s <= n; s++)
            for (k = 1; k <= 7; k++)
                printf "w%02d%s %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n", s, v[k], 300, 220,
                    f1[k] + int(120 * (rand() - 0.5)), f2[k] + int(300 * (rand() - 0.5)),
                    2900, 4000, 0, 0, 0, 0, 0, 0, 0, 0, 0
    }' >"$1"
}
mkdat "$TMP/small.dat"
"$NANOCIM" vowels train --data "$TMP/small.dat" "${FAST[@]}" -o "$TMP/f.json" >"$TMP/fout" 2>"$TMP/err"
check "train reads a data file" '[ $? -eq 0 ] && grep -q "^data: $TMP/small.dat: 56 tokens of 8 speakers" "$TMP/fout"'
a=$("$NANOCIM" vowels eval "$TMP/f.json" --data "$TMP/small.dat" -q)
b=$("$NANOCIM" vowels train --data "$TMP/small.dat" "${FAST[@]}" -q)
check "eval of a file-trained result on the file reproduces it" '[ -n "$a" ] && [ "$a" = "$b" ]'

bad() { # NAME NEEDLE CODE ARGS...: fails with exit CODE, one line naming NEEDLE, no output file
    local name=$1 needle=$2 code=$3
    shift 3
    rm -f "$TMP/bad.json" "$TMP/bad.png" "$TMP/badc.png"
    "$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -o "$TMP/bad.json" --map "$TMP/bad.png" \
        --curve "$TMP/badc.png" "$@" >/dev/null 2>"$TMP/err"
    local rc=$?
    check "$name: exit code $rc (expected $code)" '[ $rc -eq $code ]'
    check "$name: one line naming $needle" \
        '[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qF -- "$needle" "$TMP/err" && grep -q "^nanocim: " "$TMP/err"'
    check "$name: no output file" \
        '[ ! -e "$TMP/bad.json" ] && [ ! -e "$TMP/bad.png" ] && [ ! -e "$TMP/badc.png" ] && [ -z "$(ls "$TMP" | grep "\.tmp")" ]'
}
head -c -1 "$TMP/small.dat" >"$TMP/trunc.dat"
sed '5s/ [0-9]*$//' "$TMP/small.dat" >"$TMP/short.dat"
sed '6s/ 300 / 3x0 /' "$TMP/small.dat" >"$TMP/nonnum.dat"
sed '7s/^w01[a-z]*/w01zz/' "$TMP/small.dat" >"$TMP/vowel.dat"
badfile() { # NAME NEEDLE FILE
    local name=$1 needle=$2 file=$3
    rm -f "$TMP/bad.json"
    "$NANOCIM" vowels train --data "$file" "${FAST[@]}" -o "$TMP/bad.json" >/dev/null 2>"$TMP/err"
    local rc=$?
    check "$name: exit code $rc (expected 1)" '[ $rc -eq 1 ]'
    check "$name: one line naming the file and $needle" \
        '[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qF "nanocim: --data $file" "$TMP/err" && grep -qF -- "$needle" "$TMP/err"'
    check "$name: no output file" '[ ! -e "$TMP/bad.json" ]'
}
badfile "a truncated last row" "line 58: the last row has no line end" "$TMP/trunc.dat"
badfile "a short row" "line 5: 15 fields" "$TMP/short.dat"
badfile "a non-numeric field" "line 6, field 2" "$TMP/nonnum.dat"
badfile "an unknown vowel code" "line 7: unknown vowel code" "$TMP/vowel.dat"
badfile "a missing data file" "nope.dat" "$TMP/nope.dat"

# ---- bad options and values -----------------------------------------------------------------
bad "--speakers with --data" "--speakers" 2 --data "$TMP/small.dat"
bad "an unknown option" "--frobnicate" 2 --frobnicate
bad "a stray argument" "stray" 2 stray
bad "--osc 0" "--osc" 2 --osc 0
bad "--osc not a number" "--osc" 2 --osc four
bad "--osc 17" "--osc" 2 --osc 17
bad "--lr 2" "--lr" 2 --lr 2
bad "--lr 0" "--lr" 2 --lr 0
bad "--train-frac 1" "--train-frac" 2 --train-frac 1
bad "--window 0" "--window" 2 --window 0
bad "--transient -1" "--transient" 2 --transient -1
bad "--epochs 10001" "--epochs" 2 --epochs 10001
bad "--coupling nan" "--coupling" 2 --coupling nan
bad "--amp with four values" "--amp" 2 --amp 1,1,1,1
bad "--amp 0" "--amp" 2 --amp 0
bad "--band reversed" "--band" 2 --band 334,306
bad "--band with one value" "--band" 2 --band 306
bad "--currents below the threshold" "--currents 3,14" 2 --currents 3,14
bad "--speakers 0" "--speakers" 2 --speakers 0
bad "--threads 0" "--threads" 2 --threads 0
bad "--temperature -1" "--temperature" 2 --temperature -1
bad "a missing value" "--seed" 2 --seed
bad "an unknown vowel" "--vowels" 2 --vowels ae,xx
bad "a repeated vowel" "--vowels" 2 --vowels ae,ih,ae
bad "an unknown group" "--groups" 2 --groups m,x
bad "an unknown formant" "--formants" 2 --formants f1,f4
bad "more vowels than patterns (--osc)" "--osc 1" 2 --osc 1
bad "more vowels than patterns (--vowels)" "--vowels" 2 --osc 1 --vowels ae,ah,aw,eh
bad "--map with one formant" "--map" 2 --formants f1
bad "--curve without epochs" "--curve" 2 --epochs 0
bad "a figure of unknown type" "--map" 2 --map "$TMP/bad.gif"
bad "a missing device file" "nope.json" 1 --device "$TMP/nope.json"
bad "too few training speakers for the baselines" "--speakers" 2 --speakers 2
mkdir -p "$TMP/dir.json"
bad "-o a folder" "is a folder" 1 -o "$TMP/dir.json"
bad "--map in a missing folder" "--map" 1 --map "$TMP/nope/m.png"
bad "--curve in a missing folder" "--curve" 1 --curve "$TMP/nope/c.png"
check "a missing folder is not created" '[ ! -e "$TMP/nope" ]'
if mknod "$TMP/null" c 1 3 2>/dev/null; then
    "$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -o "$TMP/null" -q >/dev/null 2>"$TMP/err"
    check "-o on a device node writes through and keeps the node" '[ $? -eq 0 ] && [ -c "$TMP/null" ]'
    if mknod "$TMP/null.png" c 1 3 2>/dev/null; then
        bad "--map on a device node" "--map" 1 --map "$TMP/null.png"
        check "--map on a device node: the node is kept" '[ -c "$TMP/null.png" ]'
    fi
    if mknod "$TMP/full" c 1 7 2>/dev/null; then
        rm -f "$TMP/bad.json"
        "$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -o "$TMP/bad.json" >"$TMP/full" 2>"$TMP/err"
        rc=$?
        check "a full standard output is an error with one line and no result file" \
            '[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^nanocim: " "$TMP/err" && [ ! -e "$TMP/bad.json" ]'
    fi
else
    echo "SKIP  device-node output (mknod not permitted)"
fi

# ---- eval: bad input ------------------------------------------------------------------------
badeval() { # NAME NEEDLE CODE ARGS...
    local name=$1 needle=$2 code=$3
    shift 3
    rm -f "$TMP/bad.json"
    "$NANOCIM" vowels eval "$@" --json "$TMP/bad.json" >/dev/null 2>"$TMP/err"
    local rc=$?
    check "eval $name: exit code $rc (expected $code)" '[ $rc -eq $code ]'
    check "eval $name: one line naming $needle" \
        '[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qF -- "$needle" "$TMP/err" && grep -q "^nanocim: " "$TMP/err"'
    check "eval $name: no output file" '[ ! -e "$TMP/bad.json" ]'
}
badeval "without a result file" "RESULT.json" 2
badeval "of a missing file" "nope.json" 1 "$TMP/nope.json"
head -c 300 "$TMP/r.json" >"$TMP/cut.json"
badeval "of a cut result file" "cut.json" 1 "$TMP/cut.json"
sed 's/"n_osc":[[:space:]]*4/"n_osc": 5/' "$TMP/r.json" >"$TMP/osc5.json"
badeval "of a result whose model does not hold together" "osc5.json" 1 "$TMP/osc5.json"
badeval "with a selection option" "--vowels" 2 "$TMP/r.json" --vowels ae,ah
badeval "with --split bogus" "--split" 2 "$TMP/r.json" --split bogus
badeval "with --train-frac 0" "--train-frac" 2 "$TMP/r.json" --train-frac 0
badeval "with a malformed data file" "vowel.dat" 1 "$TMP/r.json" --data "$TMP/vowel.dat"
badeval "with --data-seed and --data" "--data-seed" 2 "$TMP/r.json" --data "$TMP/small.dat" --data-seed 3
rm -f "$TMP/bad.json"
"$NANOCIM" vowels eval "$TMP/r.json" "${SYN[@]}" --json "$TMP/dir.json" >/dev/null 2>"$TMP/err"
check "eval --json a folder: exit 1 with one line" '[ $? -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^nanocim: --json .*is a folder" "$TMP/err"'

# ---- the command and its help ---------------------------------------------------------------
"$NANOCIM" vowels >/dev/null 2>"$TMP/err"
check "vowels without a subcommand: usage on stderr, exit 2" '[ $? -eq 2 ] && grep -q "train|eval" "$TMP/err"'
expect_fail "an unknown subcommand" "bogus" vowels bogus
"$NANOCIM" vowels -h >"$TMP/h" && "$NANOCIM" vowels train -h >"$TMP/ht" && "$NANOCIM" vowels eval -h >"$TMP/he"
check "vowels -h, train -h, eval -h exit 0" '[ $? -eq 0 ] && grep -q "train" "$TMP/h"'
SRC=$(cd "$(dirname "$0")/.." && pwd)
missing=""
for o in --data --speakers --data-seed --groups --vowels --formants --seed --train-frac --osc \
         --coupling --amp --band --currents --device --temperature --no-spread --chip-seed \
         --noise-seed --window --transient --epochs --lr --push --threads -o --map --curve -q; do
    grep -qF -- "  $o " "$TMP/ht" || missing="$missing train:$o"
done
for o in --data --speakers --data-seed --seed --train-frac --split --threads --json -q; do
    grep -qF -- "  $o " "$TMP/he" || missing="$missing eval:$o"
done
check "the help lists every option${missing:+ (missing:$missing)}" '[ -z "$missing" ]'
check "the train help gives the defaults" \
    'grep -q "default 48" "$TMP/ht" && grep -q "default ae,ah,aw,eh,er,ih,iy" "$TMP/ht" && grep -q "default 4)" "$TMP/ht"'
check "the top-level usage lists vowels" '"$NANOCIM" --help | grep -q "^  vowels "'

# ---- sweep: accuracy against temperature and device spread ------------------------------------
"$NANOCIM" vowels sweep --temperature-list 0,300 "${SYN[@]}" "${FAST[@]}" --csv "$TMP/sw.csv" \
    >"$TMP/swout" 2>"$TMP/err"
check "sweep over temperatures succeeds" '[ $? -eq 0 ] && ! grep -q "^nanocim:" "$TMP/err"'
check "sweep prints one row per temperature" \
    '[ "$(grep -cE "^ +(0|300) +[0-9.]+ +[0-9.]+ +[0-9.]+$" "$TMP/swout")" -eq 2 ]'
check "sweep CSV has its header and a row per value" \
    '[ "$(head -1 "$TMP/sw.csv")" = "temperature_k,train_accuracy,test_accuracy,untrained_test_accuracy" ] && [ "$(wc -l <"$TMP/sw.csv")" -eq 3 ]'
t300=$("$NANOCIM" vowels train "${SYN[@]}" "${FAST[@]}" -q)
s300=$("$NANOCIM" vowels sweep --temperature-list 300 "${SYN[@]}" "${FAST[@]}" -q)
check "sweep at 300 K equals train at the default temperature" '[ -n "$t300" ] && [ "$t300" = "$s300" ]'
"$NANOCIM" vowels sweep --spread-list 0,1 "${SYN[@]}" "${FAST[@]}" -q >"$TMP/sp" 2>"$TMP/err"
check "sweep over spread factors prints one accuracy per value" '[ $? -eq 0 ] && [ "$(wc -l <"$TMP/sp")" -eq 2 ]'
s1=$("$NANOCIM" vowels sweep --spread-list 1 "${SYN[@]}" "${FAST[@]}" -q --threads 1)
s2=$("$NANOCIM" vowels sweep --spread-list 1 "${SYN[@]}" "${FAST[@]}" -q --threads 2)
check "sweep gives the same accuracy with 1 and 2 threads" '[ -n "$s1" ] && [ "$s1" = "$s2" ]'
for bad in "" "--spread-list 0,-1" "--temperature-list 1e5" "--temperature-list abc" \
           "--spread-list 1 --temperature-list 300" "--temperature-list 300 --temperature 10" \
           "--spread-list 1 -o $TMP/x.json" "--spread-list 1 --map $TMP/x.png"; do
    rm -f "$TMP/x.json" "$TMP/x.png"
    "$NANOCIM" vowels sweep $bad "${SYN[@]}" "${FAST[@]}" >"$TMP/o" 2>"$TMP/err"
    rc=$?
    check "sweep $bad: usage error in one line" '[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^nanocim: " "$TMP/err" && [ ! -e "$TMP/x.json" ] && [ ! -e "$TMP/x.png" ]'
done
mkdir -p "$TMP/csvdir"
"$NANOCIM" vowels sweep --spread-list 1 "${SYN[@]}" "${FAST[@]}" --csv "$TMP/csvdir" >"$TMP/o" 2>"$TMP/err"
check "sweep --csv on a folder fails at once, naming the option" '[ $? -ne 0 ] && grep -q "^nanocim: --csv" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]'

# ---- Hillenbrand's data, when present ---------------------------------------------------------
REAL=${NCM_VOWEL_DATA:-/work/shared/data/vowels/hillenbrand1995_vowdata.dat}
if [ -f "$REAL" ]; then
    "$NANOCIM" vowels train --data "$REAL" "${FAST[@]}" -o "$TMP/real.json" >"$TMP/rout" 2>"$TMP/err"
    check "train on vowdata.dat succeeds" '[ $? -eq 0 ] && ! grep -q "^nanocim:" "$TMP/err"'
    check "vowdata.dat: 334 tokens of 48 women, 2 dropped" \
        'grep -qF "data: $REAL: 334 tokens of 48 speakers (2 dropped" "$TMP/rout"'
    a=$("$NANOCIM" vowels eval "$TMP/real.json" --data "$REAL" -q)
    b=$("$NANOCIM" vowels train --data "$REAL" "${FAST[@]}" -q)
    check "eval on vowdata.dat reproduces the test accuracy" '[ -n "$a" ] && [ "$a" = "$b" ]'
else
    echo "SKIP  Hillenbrand's vowdata.dat not found at $REAL (set NCM_VOWEL_DATA): real-data part skipped"
fi
summary
