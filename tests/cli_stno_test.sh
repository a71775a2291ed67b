#!/usr/bin/env bash
# `nanocim stno` end to end: the locking map of a noiseless oscillator matches the analytic
# locking range within 5 % at several input amplitudes; `stno run` writes a trace and a figure;
# bad input (negative temperature in a device file, a negative or too large step with the limit in
# the message, an unknown option) exits non-zero with one line naming it, leaving no output file.
# usage: bash tests/cli_stno_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_stno_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_stno_test.sh NANOCIM TMPDIR}
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
. "$(dirname "$0")/cli_lib.sh"

"$NANOCIM" stno lock --amp 0.05,0.1,0.2 --temperature 0 --f 302:306:0.01 > "$TMP/lock.txt" \
    --json "$TMP/lock.json" -o "$TMP/lock.csv" --plot "$TMP/tongue.png"
check "lock map exits 0 and writes CSV, JSON, figure" \
      '[ -s "$TMP/lock.csv" ] && [ -s "$TMP/lock.json" ] && [ -s "$TMP/tongue.png" ]'
# rows: osc F [lo, hi] [alo, ahi] ratio -> the ratio column within 5 % of 1
check "measured locking range within 5 % of the analytic at 3 amplitudes" \
      'awk "/^ +0 / { n++; r = \$NF; if (r < 0.95 || r > 1.05) bad = 1 } END { exit bad || n != 3 }" "$TMP/lock.txt"'

"$NANOCIM" stno run --n 2 --coupling 0.2 --in 304.5:0.1 --t-ns 1000 -o "$TMP/run.csv" \
    --plot "$TMP/run.png" > "$TMP/run.txt"
check "run writes a trace with a header and samples" '[ "$(wc -l < "$TMP/run.csv")" -gt 10 ]'
check "run reports both oscillators" '[ "$(grep -c "^osc " "$TMP/run.txt")" -eq 2 ]'

sed 's/"temperature_k": *[0-9.e+]*/"temperature_k": -5/' "$(dirname "$0")/../data/vortex_stno.json" > "$TMP/negT.json"
expect_fail "negative temperature" "temperature_k" stno run --device "$TMP/negT.json" -o "$TMP/x.csv"
expect_fail "negative step" "dt_ns" stno run --dt-ns -1 -o "$TMP/x.csv"
expect_fail "too large step" "largest allowed step" stno run --dt-ns 50 -o "$TMP/x.csv"
expect_fail "unknown option" "--bogus" stno lock --bogus
check "no output file left by the failures" '[ ! -e "$TMP/x.csv" ]'

summary
