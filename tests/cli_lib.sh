# Shared by the CLI tests (sourced after NANOCIM and TMP are set): counters, check, expect_fail
# and the closing summary line.
passed=0 failed=0

# check NAME CONDITION: evaluates the shell condition, counts and prints the outcome.
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok    $1"; else failed=$((failed + 1)); echo "FAIL  $1"; fi; }

# expect_fail NAME NEEDLE ARGS...: nanocim ARGS exits in [1, 127] with one stderr line
# "nanocim: ..." containing NEEDLE.
expect_fail() {
    local name=$1 needle=$2
    shift 2
    "$NANOCIM" "$@" >/dev/null 2>"$TMP/err"
    local rc=$?
    check "$name: exit code $rc" '[ $rc -ge 1 ] && [ $rc -lt 128 ]'
    check "$name: one line naming $needle" \
          '[ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "^nanocim: .*$needle" "$TMP/err"'
}

# Prints "N passed, M failed" and returns non-zero if anything failed.
summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# need_fashion_mnist: skips the test (exit 77, with the reason) unless Debian's
# dataset-fashion-mnist is installed in $FMNIST (default /usr/share/datasets/fashion-mnist).
need_fashion_mnist() {
    FMNIST=${NCM_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
    if [ ! -e "$FMNIST/t10k-images-idx3-ubyte.gz" ] && [ ! -e "$FMNIST/t10k-images-idx3-ubyte" ]; then
        echo "SKIP: Fashion-MNIST is not installed in $FMNIST (apt-get install dataset-fashion-mnist)"
        exit 77
    fi
}

# train_tiny PATH: the small model the chip and sweep tests share (mlp:64, one epoch on 2,000
# images: enough for the accuracy to respond to errors).
train_tiny() {
    "$NANOCIM" train --data fashion-mnist --arch mlp:64 --epochs 1 --train-limit 2000 \
        --test-limit 500 -q -o "$1" >/dev/null
}
