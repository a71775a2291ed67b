#!/usr/bin/env bash
# Crash safety: a run killed with SIGKILL at a random moment, then resumed (with --resume when it
# left a checkpoint, from the start otherwise, as a user would), writes exactly the files of a run
# that was never interrupted. Vowel training (on the synthetic data) is killed and resumed twice,
# BNN training is killed twice (two random moments) and the chip sweep once per trial; each kill
# must leave no result file. (A temporary file can outlive a SIGKILL that lands while a file is
# being written, which no program can prevent; SIGINT and SIGTERM, after which nanocim cleans up,
# are tested by tests/cli_outputs_test.sh.) The vowel result is compared without its "timing" member (wall
# times). The random moments are printed (set CRASH_SEED to replay them). The BNN and sweep parts
# need Debian's dataset-fashion-mnist (skipped without it).
# usage: bash tests/cli_crash_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_crash_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_crash_test.sh NANOCIM TMPDIR}
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
NANOCIM=$(realpath "$NANOCIM")
. "$(dirname "$0")/cli_lib.sh"

RANDOM=${CRASH_SEED:-$$}
echo "CRASH_SEED=$RANDOM"

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# killed_at DIR MS ARGS...: starts nanocim ARGS in DIR, kills it with SIGKILL after MS ms (if it
# is still running) and prints "killed" or "finished".
killed_at() {
    local dir=$1 ms=$2
    shift 2
    (cd "$dir" && exec "$NANOCIM" "$@" >/dev/null 2>&1) &
    local pid=$! waited=0
    while [ $waited -lt "$ms" ] && kill -0 $pid 2>/dev/null; do
        sleep 0.02
        waited=$((waited + 20))
    done
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    # 128 + SIGKILL: it was killed; anything else: it had finished (a zombie takes the signal too)
    if [ $? -eq 137 ]; then echo killed; else echo finished; fi
}

# same_but_timing A B: the two JSON documents are equal once their "timing" members are dropped.
same_but_timing() {
    python3 -c 'import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("timing", None); b.pop("timing", None)
sys.exit(0 if a == b else 1)' "$1" "$2"
}

# ---- vowel training: two random kills, each resumed ----
mkdir -p "$TMP/vowels"
vargs=(vowels train --epochs 12 -q)
t0=$(now_ms)
(cd "$TMP/vowels" && "$NANOCIM" "${vargs[@]}" -o straight.json >/dev/null)
span=$(($(now_ms) - t0))
check "vowels: the uninterrupted run writes its result" '[ -s "$TMP/vowels/straight.json" ]'
check "vowels: its checkpoint is removed once the result is written" \
      '[ ! -e "$TMP/vowels/straight.json.ckpt" ]'
for kill_no in 1 2; do
    ms=$((span / 3 + RANDOM % (span / 2 + 1)))
    if [ -e "$TMP/vowels/k.json.ckpt" ]; then resume=(--resume); else resume=(); fi
    what=$(killed_at "$TMP/vowels" $ms "${vargs[@]}" -o k.json "${resume[@]}")
    echo "vowels kill $kill_no at $ms ms of about $span: $what"
    [ "$what" = finished ] && break # the run ended before the kill: nothing left to resume
    check "vowels kill $kill_no: no result file" '[ ! -e "$TMP/vowels/k.json" ]'
done
if [ ! -e "$TMP/vowels/k.json" ]; then
    if [ -e "$TMP/vowels/k.json.ckpt" ]; then resume=(--resume); else resume=(); fi
    (cd "$TMP/vowels" && "$NANOCIM" "${vargs[@]}" -o k.json "${resume[@]}" >/dev/null)
fi
check "vowels: the resumed result is the uninterrupted one (but for its wall times)" \
      'same_but_timing "$TMP/vowels/straight.json" "$TMP/vowels/k.json"'
# another training's checkpoint is refused
printf '{"format": "nanocim-vowel-checkpoint", "version": 1, "stages": {"network": {"fingerprint": "0123456789abcdef", "epochs_done": 1, "runs": 1, "i_dc_ma": [], "curve_train": [], "curve_mismatch": []}}}\n' >"$TMP/vowels/o.json.ckpt"
(cd "$TMP/vowels" && "$NANOCIM" "${vargs[@]}" -o o.json --resume) >/dev/null 2>"$TMP/err"
rc=$?
check "vowels: a checkpoint of another training is refused, one line" \
      '[ $rc -ge 1 ] && [ $rc -lt 128 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "another training" "$TMP/err"'
check "vowels: the refused resume writes no result" '[ ! -e "$TMP/vowels/o.json" ]'

if [ ! -e "${NCM_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}/t10k-images-idx3-ubyte.gz" ]; then
    echo "SKIP (the rest): Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"
    summary
    exit $?
fi

# ---- training: two random kills, resumed each time ----
# The sanitizer build (NCM_TEST_SANITIZED) trains on fewer images: the same code runs, slower.
limit=20000
[ -n "${NCM_TEST_SANITIZED:-}" ] && limit=8000
targs=(train --data fashion-mnist --arch mlp:256 --epochs 3 --train-limit $limit --test-limit 500
       --seed 11 -q)
mkdir -p "$TMP/train"
t0=$(now_ms)
(cd "$TMP/train" && "$NANOCIM" "${targs[@]}" -o straight.ncm --json straight.json)
span=$(($(now_ms) - t0))
check "training: the uninterrupted run writes its model" '[ -s "$TMP/train/straight.ncm" ]'
for kill_no in 1 2; do
    ms=$((200 + RANDOM % (span > 400 ? span - 200 : 200)))
    if [ -e "$TMP/train/k.ncm.ckpt" ]; then resume=(--resume); else resume=(); fi
    what=$(killed_at "$TMP/train" $ms "${targs[@]}" -o k.ncm --json k.json "${resume[@]}")
    echo "training kill $kill_no at $ms ms of about $span: $what"
    [ "$what" = finished ] && break
    check "training kill $kill_no: no model, no results" \
          '[ ! -e "$TMP/train/k.ncm" ] && [ ! -e "$TMP/train/k.json" ]'
done
if [ ! -e "$TMP/train/k.ncm" ]; then
    if [ -e "$TMP/train/k.ncm.ckpt" ]; then resume=(--resume); else resume=(); fi
    (cd "$TMP/train" && "$NANOCIM" "${targs[@]}" -o k.ncm --json k.json "${resume[@]}")
fi
check "training: the resumed model is byte for byte the uninterrupted one" \
      'cmp -s "$TMP/train/straight.ncm" "$TMP/train/k.ncm"'

# ---- chip sweep: a random kill, resumed ----
mkdir -p "$TMP/sweep"
train_tiny "$TMP/sweep/m.ncm"
sargs=(sweep icc m.ncm --data fashion-mnist --icc 10:100:10 --chips 24 --threads 2 -q)
t0=$(now_ms)
(cd "$TMP/sweep" && "$NANOCIM" "${sargs[@]}" -o straight.csv --json straight.json)
span=$(($(now_ms) - t0))
check "sweep: the uninterrupted run writes its tables" '[ -s "$TMP/sweep/straight.json" ]'
check "sweep: its checkpoint is removed once the tables are written" \
      '[ ! -e "$TMP/sweep/straight.csv.ckpt" ]'
for trial in 1 2; do
    rm -f "$TMP/sweep"/k.*
    ms=$((100 + RANDOM % (span > 200 ? span - 100 : 100)))
    what=$(killed_at "$TMP/sweep" $ms "${sargs[@]}" -o k.csv --json k.json)
    echo "sweep trial $trial: kill at $ms ms of about $span: $what"
    if [ "$what" = killed ]; then
        check "sweep trial $trial: the kill leaves no table" \
              '[ ! -e "$TMP/sweep/k.csv" ] && [ ! -e "$TMP/sweep/k.json" ]'
        if [ -e "$TMP/sweep/k.csv.ckpt" ]; then resume=(--resume); else resume=(); fi
        (cd "$TMP/sweep" && "$NANOCIM" "${sargs[@]}" -o k.csv --json k.json "${resume[@]}")
    fi
    check "sweep trial $trial: the resumed tables are byte for byte the uninterrupted ones" \
          'cmp -s "$TMP/sweep/straight.csv" "$TMP/sweep/k.csv" && cmp -s "$TMP/sweep/straight.json" "$TMP/sweep/k.json"'
done

# A checkpoint cut inside a record (a kill during the append) is resumed from its whole records.
rm -f "$TMP/sweep"/k.*
what=$(killed_at "$TMP/sweep" $((span / 2)) "${sargs[@]}" -o k.csv)
if [ -s "$TMP/sweep/k.csv.ckpt" ] && [ "$(stat -c %s "$TMP/sweep/k.csv.ckpt")" -gt 100 ]; then
    truncate -s -7 "$TMP/sweep/k.csv.ckpt"
    (cd "$TMP/sweep" && "$NANOCIM" "${sargs[@]}" -o k.csv --resume)
    check "sweep: a checkpoint cut inside a record resumes to the same table" \
          'cmp -s "$TMP/sweep/straight.csv" "$TMP/sweep/k.csv"'
else
    echo "note: the sweep $what before its checkpoint held a record; the cut case was not tried"
fi

# A checkpoint of another sweep is refused.
rm -f "$TMP/sweep"/k.*
killed_at "$TMP/sweep" $((span / 2)) "${sargs[@]}" -o k.csv >/dev/null
if [ -e "$TMP/sweep/k.csv.ckpt" ]; then
    (cd "$TMP/sweep" && "$NANOCIM" "${sargs[@]}" --seed 2 -o k.csv --resume) >/dev/null 2>"$TMP/err"
    rc=$?
    check "sweep: a checkpoint of another sweep (another seed) is refused, one line" \
          '[ $rc -ge 1 ] && [ $rc -lt 128 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "another sweep" "$TMP/err"'
    check "sweep: the refused resume writes no table" '[ ! -e "$TMP/sweep/k.csv" ]'
fi
summary
