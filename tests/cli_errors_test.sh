#!/usr/bin/env bash
# Command-line tests of bad input: unknown commands and options, bad option values, missing,
# truncated and garbage data and model files. Each failure must exit non-zero without a crash
# (exit code < 128) and print exactly one line on stderr, "nanocim: ...", naming the file or
# option at fault; a failed training must leave no model (or temporary) file behind. With
# Debian's dataset-fashion-mnist installed, a tiny model is also trained and damaged copies of
# it (flipped byte, truncated, newer version) are refused by `eval`.
#
# usage: bash tests/cli_errors_test.sh NANOCIM TMPDIR
set -u

NANOCIM=${1:?usage: cli_errors_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_errors_test.sh NANOCIM TMPDIR}
FMNIST=/usr/share/datasets/fashion-mnist

rm -rf "$TMP"
mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1: $2"; }

# expect_fail NAME NEEDLE [NEEDLE...] -- ARGS...
# Runs nanocim ARGS and checks: exit code in [1, 127], stderr exactly one line starting with
# "nanocim: " and containing every NEEDLE (fixed strings; "A||B" accepts either A or B).
expect_fail() {
    local name=$1
    shift
    local needles=()
    while [ "$1" != "--" ]; do
        needles+=("$1")
        shift
    done
    shift
    local out="$TMP/stdout" errf="$TMP/stderr" rc
    "$NANOCIM" "$@" >"$out" 2>"$errf"
    rc=$?
    local lines first
    lines=$(wc -l <"$errf")
    first=$(head -n 1 "$errf")
    if [ "$rc" -eq 0 ]; then
        bad "$name" "exit code 0 (expected a failure); stderr: $(cat "$errf")"
        return
    fi
    if [ "$rc" -ge 128 ]; then
        bad "$name" "exit code $rc (crash?); stderr: $(cat "$errf")"
        return
    fi
    if [ "$lines" -ne 1 ] || [ -n "$(tail -c 1 "$errf")" ]; then
        bad "$name" "stderr has $lines lines (expected exactly one):"$'\n'"$(cat "$errf")"
        return
    fi
    case $first in
    "nanocim: "*) ;;
    *)
        bad "$name" "stderr does not start with 'nanocim: ': $first"
        return
        ;;
    esac
    local n alt found
    for n in "${needles[@]}"; do
        found=
        while IFS= read -r alt; do
            if grep -qF -- "$alt" "$errf"; then found=1; fi
        done <<<"${n//||/$'\n'}"
        if [ -z "$found" ]; then
            bad "$name" "stderr does not mention '${n//||/' or '}': $first"
            return
        fi
    done
    ok "$name (exit $rc: $first)"
}

# no_output NAME PATH: neither PATH nor any PATH.tmp.* / PATH.ckpt* exists.
no_output() {
    local name=$1 path=$2 left
    left=$(ls -d "$path" "$path".tmp.* "$path".ckpt* 2>/dev/null)
    if [ -n "$left" ]; then
        bad "$name" "left behind: $left"
    else
        ok "$name"
    fi
}

. "$(dirname "$0")/files_lib.sh"

if [ ! -x "$NANOCIM" ]; then
    echo "nanocim binary not found: $NANOCIM"
    exit 1
fi

# A small valid dataset (20 images of 8x8 in both splits) for the cases that need data to load.
GOOD="$TMP/good-data"
mkdir -p "$GOOD"
write_idx_images "$GOOD/train-images-idx3-ubyte" 20 8 8 $((20 * 8 * 8))
write_idx_labels "$GOOD/train-labels-idx1-ubyte" 20
write_idx_images "$GOOD/t10k-images-idx3-ubyte" 20 8 8 $((20 * 8 * 8))
write_idx_labels "$GOOD/t10k-labels-idx1-ubyte" 20
if [ -d "$FMNIST" ]; then ARCH_DATA=fashion-mnist; else ARCH_DATA=$GOOD; fi

# A folder whose training images are cut inside the data: the header announces 100 images of
# 28x28, only 1000 bytes follow.
CUT="$TMP/cut-data"
mkdir -p "$CUT"
write_idx_images "$CUT/train-images-idx3-ubyte" 100 28 28 1000
write_idx_labels "$CUT/train-labels-idx1-ubyte" 100
write_idx_images "$CUT/t10k-images-idx3-ubyte" 10 28 28 $((10 * 28 * 28))
write_idx_labels "$CUT/t10k-labels-idx1-ubyte" 10

# A folder whose training labels hold a 10.
BADLAB="$TMP/badlabel-data"
mkdir -p "$BADLAB"
write_idx_images "$BADLAB/train-images-idx3-ubyte" 20 8 8 $((20 * 8 * 8))
write_idx_labels "$BADLAB/train-labels-idx1-ubyte" 20 10
cp "$GOOD"/t10k-* "$BADLAB/"

EMPTY="$TMP/empty-data"
mkdir -p "$EMPTY"

echo "== usage and option errors"
expect_fail "unknown command" "frobnicate" -- frobnicate
expect_fail "train unknown option" "--bogus" -- train --bogus
expect_fail "eval unknown option" "--bogus" -- eval x.ncm --data "$GOOD" --bogus
expect_fail "train option without value" "--epochs" -- train --data "$GOOD" --epochs
expect_fail "train --epochs -3" "--epochs" "-3" -- train --data "$GOOD" --epochs -3
expect_fail "train --epochs 2x" "--epochs" -- train --data "$GOOD" --epochs 2x
expect_fail "train --lr nan" "--lr" "nan" -- train --data "$GOOD" --lr nan
expect_fail "train --lr inf" "--lr" -- train --data "$GOOD" --lr inf
expect_fail "train --lr-end above --lr" "--lr-end" -- train --data "$GOOD" --lr 0.001 --lr-end 0.01
expect_fail "train without --data" "--data" -- train --epochs 1
expect_fail "eval without model" "MODEL" -- eval --data "$GOOD"

echo "== architecture errors (after the data loaded: $ARCH_DATA)"
expect_fail "train --arch foo:1" "--arch" "foo:1" -- \
    train --data "$ARCH_DATA" --arch foo:1 -q -o "$TMP/arch.ncm"
no_output "bad --arch leaves no model file" "$TMP/arch.ncm"
expect_fail "train --arch mlp:0" "--arch" "mlp:0" -- \
    train --data "$ARCH_DATA" --arch mlp:0 -q -o "$TMP/arch.ncm"
no_output "bad --arch width leaves no model file" "$TMP/arch.ncm"
expect_fail "train --arch cnn:f8" "--arch" "cnn:f8" -- train --data "$GOOD" --arch cnn:f8 -q

echo "== data errors"
expect_fail "train --data /nonexistent/dir" "--data" "/nonexistent/dir" -- \
    train --data /nonexistent/dir -q -o "$TMP/x.ncm"
no_output "failed training leaves no model file" "$TMP/x.ncm"
expect_fail "train --data empty folder" "--data" "$EMPTY" -- train --data "$EMPTY" -q -o "$TMP/x.ncm"
no_output "failed training (empty folder) leaves no model file" "$TMP/x.ncm"
expect_fail "train --data with truncated images" "$CUT/train-images-idx3-ubyte" "truncated" -- \
    train --data "$CUT" -q -o "$TMP/x.ncm"
no_output "failed training (truncated data) leaves no model file" "$TMP/x.ncm"
expect_fail "train --data with label 10" "$BADLAB/train-labels-idx1-ubyte" "label 10" -- \
    train --data "$BADLAB" -q -o "$TMP/x.ncm"
no_output "failed training (bad label) leaves no model file" "$TMP/x.ncm"

echo "== model file errors"
expect_fail "eval missing model" "$TMP/missing.ncm" -- eval "$TMP/missing.ncm" --data "$GOOD"
printf 'this is not a model file, just some garbage text\n%.0s' 1 2 3 >"$TMP/garbage.ncm"
expect_fail "eval garbage model" "$TMP/garbage.ncm" -- eval "$TMP/garbage.ncm" --data "$GOOD"
: >"$TMP/empty.ncm"
expect_fail "eval empty model" "$TMP/empty.ncm" -- eval "$TMP/empty.ncm" --data "$GOOD"
expect_fail "eval a directory as model" "$TMP" -- eval "$TMP" --data "$GOOD"

if [ -d "$FMNIST" ]; then
    echo "== trained model, damaged copies ($FMNIST)"
    M="$TMP/m.ncm"
    if "$NANOCIM" train --data fashion-mnist --arch mlp:16 --epochs 1 --train-limit 500 \
        --test-limit 200 -q -o "$M" >"$TMP/train.out" 2>"$TMP/train.err" && [ -s "$M" ]; then
        ok "train a tiny model"
        if "$NANOCIM" eval "$M" --data fashion-mnist --limit 200 >"$TMP/eval.out" 2>"$TMP/eval.err"; then
            ok "eval the tiny model ($(head -n 1 "$TMP/eval.out"))"
        else
            bad "eval the tiny model" "exit $?: $(cat "$TMP/eval.err")"
        fi
        size=$(stat -c %s "$M")

        cp "$M" "$TMP/flipped.ncm"
        flip_byte "$TMP/flipped.ncm" $((size / 2))
        expect_fail "eval model with a flipped byte" "$TMP/flipped.ncm" "checksum" -- \
            eval "$TMP/flipped.ncm" --data fashion-mnist --limit 200

        head -c $((size - 100)) "$M" >"$TMP/truncated.ncm"
        expect_fail "eval truncated model" "$TMP/truncated.ncm" -- \
            eval "$TMP/truncated.ncm" --data fashion-mnist --limit 200
        head -c 10 "$M" >"$TMP/truncated-header.ncm"
        expect_fail "eval model cut inside the header" "$TMP/truncated-header.ncm" -- \
            eval "$TMP/truncated-header.ncm" --data fashion-mnist --limit 200

        cp "$M" "$TMP/version.ncm"
        set_u32le "$TMP/version.ncm" 8 99
        expect_fail "eval model of version 99" "$TMP/version.ncm" "version 99" -- \
            eval "$TMP/version.ncm" --data fashion-mnist --limit 200

        # The checkpoint is not a model file.
        if [ -f "$M.ckpt" ]; then
            expect_fail "eval a checkpoint as model" "$M.ckpt" -- \
                eval "$M.ckpt" --data fashion-mnist --limit 200
        fi
        # Test images cut inside the data.
        CUTTEST="$TMP/cut-test-data"
        mkdir -p "$CUTTEST"
        write_idx_images "$CUTTEST/t10k-images-idx3-ubyte" 50 28 28 $((49 * 28 * 28 + 5))
        write_idx_labels "$CUTTEST/t10k-labels-idx1-ubyte" 50
        expect_fail "eval --data with truncated test images" "$CUTTEST/t10k-images-idx3-ubyte" \
            "truncated" -- eval "$M" --data "$CUTTEST"
        # A model for 28x28 images on 8x8 data: the message names the model, the data or --data.
        expect_fail "eval model on data of another shape" "$M||$GOOD||--data" -- eval "$M" --data "$GOOD"

        # Damaged model contents behind a valid checksum: each byte of the architecture header
        # and some bytes after it set to 0xff, CRC recomputed. eval must not crash; if it
        # refuses the file, one line naming it.
        GOOD28="$TMP/good28-data"
        mkdir -p "$GOOD28"
        write_idx_images "$GOOD28/t10k-images-idx3-ubyte" 20 28 28 $((20 * 28 * 28))
        write_idx_labels "$GOOD28/t10k-labels-idx1-ubyte" 20
        fuzz_bad=0 fuzz_refused=0 fuzz_n=0
        for ((off = 20; off < size - 4; off += (off < 80 ? 1 : 97))); do
            F="$TMP/fuzz.ncm"
            cp "$M" "$F"
            byte 255 | dd of="$F" bs=1 seek="$off" conv=notrunc status=none
            fix_crc "$F"
            "$NANOCIM" eval "$F" --data "$GOOD28" -q >/dev/null 2>"$TMP/fuzz.err"
            rc=$?
            fuzz_n=$((fuzz_n + 1))
            if [ "$rc" -ge 128 ]; then
                bad "fuzzed model byte $off" "exit $rc (crash?): $(cat "$TMP/fuzz.err")"
                fuzz_bad=$((fuzz_bad + 1))
            elif [ "$rc" -ne 0 ]; then
                fuzz_refused=$((fuzz_refused + 1))
                if [ "$(wc -l <"$TMP/fuzz.err")" -ne 1 ] || ! grep -q '^nanocim: ' "$TMP/fuzz.err" ||
                    ! grep -qF "$F" "$TMP/fuzz.err"; then
                    bad "fuzzed model byte $off" "exit $rc, stderr: $(cat "$TMP/fuzz.err")"
                    fuzz_bad=$((fuzz_bad + 1))
                fi
            fi
        done
        [ "$fuzz_bad" -eq 0 ] && ok "damaged model contents behind a valid checksum ($fuzz_n files, $fuzz_refused refused cleanly, none crashed)"

        # A failed overwrite leaves the existing model intact.
        cp "$M" "$TMP/keep.ncm"
        expect_fail "train over an existing model with bad data" "$CUT/train-images-idx3-ubyte" -- \
            train --data "$CUT" -q -o "$TMP/keep.ncm"
        if cmp -s "$M" "$TMP/keep.ncm" && [ -z "$(ls "$TMP"/keep.ncm.tmp.* 2>/dev/null)" ]; then
            ok "failed training keeps the existing model"
        else
            bad "failed training keeps the existing model" "keep.ncm changed or temp file left"
        fi
    else
        bad "train a tiny model" "exit $?: $(cat "$TMP/train.err")"
    fi
else
    echo "SKIP  model file tests: $FMNIST not found (install dataset-fashion-mnist)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
exit 0
