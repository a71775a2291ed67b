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
