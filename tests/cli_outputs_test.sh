#!/usr/bin/env bash
# Command-line tests of the outputs, all or nothing: an output that is the same file as an input
# (given twice, through a symbolic or a hard link, a dataset folder's file) or as another output
# is refused before any work with one line naming both options, nothing written and the input
# unchanged; a device node may take several outputs. SIGINT and SIGTERM during a run, and SIGTERM
# after a first output was written, leave no output and no temporary file and kill the process
# (exit 130 / 143); so does a closed pipe on standard output (SIGPIPE, 141). A failure after an
# output was written (the next one on a full device) removes it, also when it replaced an older
# file. Writing to a character device or a FIFO writes through and keeps the node; a symbolic link
# is kept and its target replaced (a dangling one's target created); a full standard output is an
# error naming it, with no output left; new files follow the umask (027: 640, 002: 664). With
# Debian's dataset-fashion-mnist installed, train, eval, model, chip and sweep are checked too.
#
# usage: bash tests/cli_outputs_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_outputs_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_outputs_test.sh NANOCIM TMPDIR}
. "$(dirname "$0")/cli_lib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
FMNIST=${NCM_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
HAVE_FMNIST=
[ -e "$FMNIST/t10k-images-idx3-ubyte.gz" ] || [ -e "$FMNIST/t10k-images-idx3-ubyte" ] && HAVE_FMNIST=1
RUN=(stno run --t-ns 1000 -q) # a fast command with three outputs (-o CSV, --json, --plot)

# no_temp: no temporary file of an output left anywhere in $TMP
no_temp() { [ -z "$(find "$TMP" -name '*.tmp.*' -print -quit)" ]; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# refused NAME NEEDLE INPUT OUTPUTS -- ARGS...: nanocim ARGS fails with one line containing
# NEEDLE (expect_fail), INPUT keeps its bytes, none of the (space-separated) OUTPUTS that did not
# exist is created, and no temporary file is left.
refused() {
    local name=$1 needle=$2 input=$3 outputs=$4 before o fresh=()
    shift 5
    before=$(sha "$input")
    for o in $outputs; do [ -e "$o" ] || [ -L "$o" ] || fresh+=("$o"); done
    expect_fail "$name" "$needle" "$@"
    check "$name: the input is unchanged" '[ "$(sha "$input")" = "$before" ]'
    check "$name: nothing written" \
        'for o in "${fresh[@]}"; do [ ! -e "$o" ] || exit 1; done; no_temp'
}

cp "$SRC/data/hfo2.json" "$TMP/dev.json"
cp "$SRC/data/vortex_stno.json" "$TMP/osc.json"
"$NANOCIM" rram sample -o "$TMP/meas.csv" --icc 10,50,200 --devices 50 >/dev/null 2>&1
check "a measurement file is written" '[ -s "$TMP/meas.csv" ]'
VOW=(--speakers 8 --epochs 2 --window 300 --transient 50 -q)
"$NANOCIM" vowels train "${VOW[@]}" -o "$TMP/r.json" >/dev/null 2>&1
check "a vowel result is written" '[ -s "$TMP/r.json" ]'

# ---- an output that is an input -------------------------------------------------------------
refused "rram fit -o its input" "-o $TMP/meas.csv: is the same file as the input MEASURED.csv" \
    "$TMP/meas.csv" "" -- rram fit "$TMP/meas.csv" -o "$TMP/meas.csv"
refused "rram fit --report its input" "--report $TMP/meas.csv: is the same file as the input" \
    "$TMP/meas.csv" "$TMP/fit.json" -- rram fit "$TMP/meas.csv" -o "$TMP/fit.json" --report "$TMP/meas.csv"
refused "rram sample -o its --device" "is the same file as the input --device" \
    "$TMP/dev.json" "" -- rram sample --device "$TMP/dev.json" -o "$TMP/dev.json"
refused "rram ber --json its --device" "--json $TMP/dev.json: is the same file as the input --device" \
    "$TMP/dev.json" "$TMP/b.csv" -- rram ber --device "$TMP/dev.json" --reads 0 -o "$TMP/b.csv" --json "$TMP/dev.json"
refused "stno run -o its --device" "-o $TMP/osc.json: is the same file as the input --device" \
    "$TMP/osc.json" "" -- "${RUN[@]}" --device "$TMP/osc.json" -o "$TMP/osc.json"
ln -s osc.json "$TMP/osc-link.json"
refused "stno lock --json a symbolic link to its --device" "is the same file as the input --device" \
    "$TMP/osc.json" "" -- stno lock --amp 0.1 --device "$TMP/osc.json" --json "$TMP/osc-link.json"
check "stno lock --json a link to its input: the link is kept" '[ -L "$TMP/osc-link.json" ]'
ln "$TMP/meas.csv" "$TMP/meas-hard.csv"
refused "rram fit -o a hard link to its input" "is the same file as the input MEASURED.csv" \
    "$TMP/meas.csv" "" -- rram fit "$TMP/meas-hard.csv" -o "$TMP/meas.csv"
refused "vowels eval --json its model" "--json $TMP/r.json: is the same file as the input RESULT.json" \
    "$TMP/r.json" "" -- vowels eval "$TMP/r.json" --speakers 8 --json "$TMP/r.json"
refused "vowels train -o its --device" "-o $TMP/osc.json: is the same file as the input --device" \
    "$TMP/osc.json" "" -- vowels train "${VOW[@]}" --device "$TMP/osc.json" -o "$TMP/osc.json"

# ---- two outputs on one file ----------------------------------------------------------------
refused "stno run -o and --json the same path" "--json $TMP/same.out: is the same file as -o $TMP/same.out" \
    "$TMP/osc.json" "$TMP/same.out" -- "${RUN[@]}" -o "$TMP/same.out" --json "$TMP/same.out"
ln -s new.csv "$TMP/dangling.csv"
refused "rram ber -o FILE and --json a dangling link to it" "is the same file as -o $TMP/new.csv" \
    "$TMP/dev.json" "$TMP/new.csv" -- rram ber --reads 0 -o "$TMP/new.csv" --json "$TMP/dangling.csv"
refused "vowels train -o and --checkpoint the same path" "--checkpoint $TMP/v.json: is the same file as -o" \
    "$TMP/r.json" "$TMP/v.json" -- vowels train "${VOW[@]}" -o "$TMP/v.json" --checkpoint "$TMP/v.json"
refused "train -o and --json the same path" "--json $TMP/m.ncm: is the same file as -o $TMP/m.ncm" \
    "$TMP/dev.json" "$TMP/m.ncm" -- train --data fashion-mnist -o "$TMP/m.ncm" --json "$TMP/m.ncm"
refused "train --checkpoint the model" "--checkpoint $TMP/m.ncm: is the same file as -o $TMP/m.ncm" \
    "$TMP/dev.json" "$TMP/m.ncm" -- train --data fashion-mnist -o "$TMP/m.ncm" --checkpoint "$TMP/m.ncm"

MKNOD=
mknod "$TMP/null" c 1 3 2>/dev/null && mknod "$TMP/full" c 1 7 2>/dev/null && MKNOD=1
if [ -n "$MKNOD" ]; then
    "$NANOCIM" "${RUN[@]}" -o "$TMP/null" --json "$TMP/null" 2>"$TMP/err"
    rc=$?
    check "two outputs on one device node are written through (exit $rc)" \
        '[ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && [ -c "$TMP/null" ]'
else
    echo "SKIP  device nodes (mknod not permitted)"
fi

# ---- signals --------------------------------------------------------------------------------
# A background job of a script ignores SIGINT (and nanocim keeps an ignored signal ignored, as
# Unix tools do): the job is started with SIGINT's default action.
DEFSIG=()
env --default-signal=INT true 2>/dev/null && DEFSIG=(env --default-signal=INT)
LONG=(stno lock --amp 0.05,0.1,0.2,0.3 --f 300:308:0.01 --t-ns 500000 -q) # about 10 s (killed after 1 s)
# killed_run SIG CODE: a long run writing three outputs, sent SIG after a second.
killed_run() {
    local sig=$1 code=$2 rc
    rm -f "$TMP"/long.*
    "${DEFSIG[@]}" "$NANOCIM" "${LONG[@]}" -o "$TMP/long.csv" --json "$TMP/long.json" \
        --plot "$TMP/long.png" 2>/dev/null &
    local pid=$!
    sleep 1
    kill -"$sig" $pid
    wait $pid
    rc=$?
    check "SIG$sig during a run: exit $rc (expected $code)" '[ $rc -eq $code ]'
    check "SIG$sig during a run: no output, no temporary file" \
        '[ -z "$(ls "$TMP" | grep "^long\.")" ] && no_temp'
}
if [ ${#DEFSIG[@]} -gt 0 ]; then
    killed_run INT 130
else
    echo "SKIP  SIGINT to a background run (env --default-signal not available)"
fi
killed_run TERM 143

# A FIFO nobody reads blocks the second output: the first is written, then the signal comes.
# after_first SIG CODE
after_first() {
    local sig=$1 code=$2 rc n=0
    rm -f "$TMP/first.csv" "$TMP/blocked"
    mkfifo "$TMP/blocked"
    "${DEFSIG[@]}" "$NANOCIM" "${RUN[@]}" -o "$TMP/first.csv" --json "$TMP/blocked" 2>/dev/null &
    local pid=$!
    while [ ! -e "$TMP/first.csv" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
    check "SIG$sig after a first output: it was written" '[ -s "$TMP/first.csv" ]'
    sleep 0.2
    kill -"$sig" $pid
    wait $pid
    rc=$?
    check "SIG$sig after a first output: exit $rc (expected $code)" '[ $rc -eq $code ]'
    check "SIG$sig after a first output: it is removed, the FIFO kept, no temporary file" \
        '[ ! -e "$TMP/first.csv" ] && [ -p "$TMP/blocked" ] && no_temp'
}
after_first TERM 143
[ ${#DEFSIG[@]} -gt 0 ] && after_first INT 130

# A closed pipe on standard output (written last, after the files): SIGPIPE, or with SIGPIPE
# ignored by whoever started the test, a write error; either way the output is taken back.
rm -f "$TMP/piped.csv"
"$NANOCIM" stno run --t-ns 1000 -o "$TMP/piped.csv" 2>/dev/null | true
rc=${PIPESTATUS[0]}
check "a closed pipe on standard output: exit $rc (141 or 1), no output left" \
    '{ [ $rc -eq 141 ] || [ $rc -eq 1 ]; } && [ ! -e "$TMP/piped.csv" ] && no_temp'

# ---- failures after a first output ----------------------------------------------------------
if [ -n "$MKNOD" ]; then
    "$NANOCIM" "${RUN[@]}" -o "$TMP/a.csv" --json "$TMP/full" 2>"$TMP/err"
    rc=$?
    check "--json on a full device after -o: exit $rc, one line naming it" \
        '[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^nanocim: $TMP/full: write failed: No space left on device" "$TMP/err"'
    check "--json on a full device after -o: the CSV is removed, the device kept" \
        '[ ! -e "$TMP/a.csv" ] && [ -c "$TMP/full" ] && no_temp'
    echo old >"$TMP/old.csv"
    "$NANOCIM" "${RUN[@]}" -o "$TMP/old.csv" --json "$TMP/full" 2>/dev/null
    check "a failed run removes an output that replaced an older file" '[ ! -e "$TMP/old.csv" ]'

    "$NANOCIM" stno run --t-ns 1000 -o "$TMP/s.csv" >"$TMP/full" 2>"$TMP/err"
    rc=$?
    check "a full standard output: exit $rc, one line naming standard output" \
        '[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qx "nanocim: standard output: write error: No space left on device" "$TMP/err"'
    check "a full standard output: no output file left" '[ ! -e "$TMP/s.csv" ] && no_temp'

    # ---- device nodes, FIFOs, symbolic links ------------------------------------------------
    "$NANOCIM" "${RUN[@]}" -o "$TMP/null" 2>"$TMP/err"
    rc=$?
    check "-o on a character device node: exit $rc, the node kept" \
        '[ $rc -eq 0 ] && [ -c "$TMP/null" ] && no_temp'
fi
mkfifo "$TMP/pipe"
cat "$TMP/pipe" >"$TMP/from-pipe" &
reader=$!
"$NANOCIM" "${RUN[@]}" -o "$TMP/pipe" 2>"$TMP/err"
rc=$?
wait $reader
check "-o on a FIFO: exit $rc, the CSV read from it, the FIFO kept" \
    '[ $rc -eq 0 ] && [ -p "$TMP/pipe" ] && [ "$(head -c 2 "$TMP/from-pipe")" = "t_" ]'
echo old >"$TMP/target.csv"
ln -s target.csv "$TMP/link.csv"
"$NANOCIM" "${RUN[@]}" -o "$TMP/link.csv" --plot "$TMP/link.png" 2>"$TMP/err"
rc=$?
check "-o on a symbolic link: exit $rc, the link kept, its target replaced" \
    '[ $rc -eq 0 ] && [ -L "$TMP/link.csv" ] && [ "$(readlink "$TMP/link.csv")" = target.csv ] && [ "$(head -c 2 "$TMP/target.csv")" = "t_" ]'
ln -s fig-target.png "$TMP/fig-link.png"
ln -s out-target.csv "$TMP/out-link.csv"
"$NANOCIM" "${RUN[@]}" -o "$TMP/out-link.csv" --plot "$TMP/fig-link.png" 2>"$TMP/err"
rc=$?
check "dangling symbolic links: exit $rc, the links kept, their targets created" \
    '[ $rc -eq 0 ] && [ -L "$TMP/out-link.csv" ] && [ -s "$TMP/out-target.csv" ] && [ -L "$TMP/fig-link.png" ] && [ -s "$TMP/fig-target.png" ] && no_temp'

# ---- the umask ------------------------------------------------------------------------------
for m in 027:640 002:664; do
    rm -f "$TMP"/mode.*
    (umask "${m%:*}" && "$NANOCIM" "${RUN[@]}" -o "$TMP/mode.csv" --json "$TMP/mode.json" \
        --plot "$TMP/mode.png" 2>/dev/null)
    check "umask ${m%:*}: new outputs have mode ${m#*:}" \
        'for f in csv json png; do [ "$(stat -c %a "$TMP/mode.$f")" = "${m#*:}" ] || exit 1; done'
done
rm -f "$TMP/mode.vowel.json"
(umask 027 && "$NANOCIM" vowels train "${VOW[@]}" -o "$TMP/mode.vowel.json" >/dev/null 2>&1)
check "umask 027: a JSON result of vowels train has mode 640" \
    '[ "$(stat -c %a "$TMP/mode.vowel.json")" = 640 ]'

# ---- with Fashion-MNIST: train, eval, model, chip, sweep ------------------------------------
if [ -n "$HAVE_FMNIST" ]; then
    train_tiny "$TMP/M.ncm"
    check "a tiny model is trained" '[ -s "$TMP/M.ncm" ]'
    M=$TMP/M.ncm
    refused "eval --json its model" "--json $M: is the same file as the input MODEL $M" "$M" "" \
        -- eval "$M" --data fashion-mnist --json "$M"
    refused "model export -o its model" "-o $M: is the same file as the input MODEL" "$M" "" \
        -- model export "$M" -o "$M"
    refused "chip run --json its model" "--json $M: is the same file as the input MODEL" "$M" \
        "$TMP/c.csv" -- chip run "$M" --data fashion-mnist --ber 0.01 --chips 1 -o "$TMP/c.csv" --json "$M"
    refused "chip cost --json its model" "--json $M: is the same file as the input MODEL" "$M" "" \
        -- chip cost "$M" --json "$M"
    refused "sweep -o its model" "-o $M: is the same file as the input MODEL" "$M" "" \
        -- sweep ber "$M" --data fashion-mnist --ber 0.01 --chips 1 -o "$M"
    refused "sweep --checkpoint -o" "is the same file as -o $TMP/sw.csv" "$M" "$TMP/sw.csv" \
        -- sweep ber "$M" --data fashion-mnist --ber 0.01 --chips 1 -o "$TMP/sw.csv" --checkpoint "$TMP/sw.csv"
    # a dataset folder: its files are inputs
    mkdir "$TMP/ds"
    for f in "$FMNIST"/*; do ln -s "$f" "$TMP/ds/"; done
    ds_file=$(ls "$TMP/ds" | grep '^t10k-images' | head -1)
    refused "eval --json a file of the --data folder" "is the same file as the input --data $TMP/ds/$ds_file" \
        "$TMP/ds/$ds_file" "" -- eval "$M" --data "$TMP/ds" --json "$TMP/ds/$ds_file"
    check "eval --json a file of the --data folder: the link is kept" '[ -L "$TMP/ds/$ds_file" ]'
    # a checkpoint survives a killed training (for --resume); the model and results do not
    rm -f "$TMP"/k.*
    "$NANOCIM" train --data fashion-mnist --arch mlp:64 --epochs 20 --train-limit 2000 \
        --test-limit 500 -q -o "$TMP/k.ncm" --json "$TMP/k.json" >/dev/null 2>&1 &
    pid=$!
    n=0
    while [ ! -e "$TMP/k.ncm.ckpt" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
    kill -TERM $pid
    wait $pid
    rc=$?
    check "SIGTERM during training: exit $rc, the checkpoint kept, no model, no temporary file" \
        '[ $rc -eq 143 ] && [ -s "$TMP/k.ncm.ckpt" ] && [ ! -e "$TMP/k.ncm" ] && [ ! -e "$TMP/k.json" ] && no_temp'
else
    echo "SKIP  train, eval, model, chip and sweep outputs (Fashion-MNIST is not installed in $FMNIST)"
fi

summary
