#!/usr/bin/env bash
# `nanocim train --resume` after a real kill: a run killed (SIGKILL) right after its first
# checkpoint, then resumed, must write exactly the model file of the run that was never
# interrupted; the packed engine must agree with the folded reference on all 10,000 test images;
# and the JSON results must carry accuracy, per-class accuracy, the confusion
# matrix, the seed and timing. Needs Debian's dataset-fashion-mnist (skipped without it).
# usage: bash tests/cli_resume_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_resume_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_resume_test.sh NANOCIM TMPDIR}
if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "SKIP: Fashion-MNIST not installed (Debian package dataset-fashion-mnist)"
    exit 77
fi
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
. "$(dirname "$0")/cli_lib.sh"

# The sanitizer build (NCM_TEST_SANITIZED) trains on fewer images: the same code runs, slower.
limit=30000
[ -n "${NCM_TEST_SANITIZED:-}" ] && limit=10000
args=(train --data fashion-mnist --arch mlp:256 --epochs 3 --train-limit $limit --test-limit 500
      --seed 7 -q)
"$NANOCIM" "${args[@]}" -o "$TMP/straight.ncm" --json "$TMP/straight.json"
check "uninterrupted run writes its model" '[ -s "$TMP/straight.ncm" ]'

# Start the same run, kill it as soon as its first checkpoint lands.
"$NANOCIM" "${args[@]}" -o "$TMP/killed.ncm" &
pid=$!
for _ in $(seq 1 3000); do
    [ -e "$TMP/killed.ncm.ckpt" ] && break
    sleep 0.01
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "killed run left a checkpoint" '[ -s "$TMP/killed.ncm.ckpt" ]'
check "killed run left no model and no temporary file" \
      '[ ! -e "$TMP/killed.ncm" ] && [ -z "$(ls "$TMP" | grep "\.tmp\.")" ]'

"$NANOCIM" "${args[@]}" -o "$TMP/killed.ncm" --resume
check "resumed run writes its model" '[ -s "$TMP/killed.ncm" ]'
check "resumed model is byte for byte the uninterrupted one" 'cmp -s "$TMP/straight.ncm" "$TMP/killed.ncm"'

"$NANOCIM" eval "$TMP/straight.ncm" --data fashion-mnist --engine check > "$TMP/check.txt" 2>&1
check "packed and reference engines agree on the whole test set" \
      'grep -q "agree on all 10000 images" "$TMP/check.txt"'

for key in accuracy per_class_accuracy confusion seed train_seconds folded_agreement; do
    check "results JSON has $key" 'grep -q "\"$key\"" "$TMP/straight.json"'
done

summary
