#!/usr/bin/env bash
# `nanocim stno` end to end: the locking map of a noiseless oscillator matches the analytic
# locking range within 5 % at several input amplitudes, and an input of amplitude 0 locks nothing
# (no measured range, an empty analytic one); `stno run` writes a trace, a JSON document and a
# figure; bad input (negative temperature in a device file, a negative or too large step with the
# limit in the message, for `run` and for `lock`, an unknown option) exits non-zero without a
# crash, with one line naming it, leaving no output file.
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

# zero amplitude: with noise and a short window an input near f_free neither slips nor is off
# in frequency, but without amplitude it cannot lock
"$NANOCIM" stno lock --amp 0 --t-ns 2000 -o "$TMP/amp0.csv" > "$TMP/amp0.txt"
check "lock at amplitude 0 exits 0" '[ -s "$TMP/amp0.csv" ]'
check "lock at amplitude 0 locks at no frequency" \
      'awk -F, "NR > 1 { n++; s += \$8 } END { exit !(n == 61 && s == 0) }" "$TMP/amp0.csv"'
check "lock at amplitude 0 reports no measured and an empty analytic range" \
      'grep -Eq "^ +0 +0 +\[ +nan, +nan\] +\[ *([0-9.]+), +\1\] +nan$" "$TMP/amp0.txt"'
"$NANOCIM" stno lock --amp 0:0.1:0.05 --temperature 0 --f 303:305:0.02 > "$TMP/amps.txt"
check "lock over amplitudes 0, 0.05, 0.1: no range at 0, ranges within 5 % above" \
      'awk "/^ +0 / { n++; r = \$NF; if (\$2 == 0) { if (r != \"nan\") bad = 1 } else if (r < 0.95 || r > 1.05) bad = 1 } END { exit bad || n != 3 }" "$TMP/amps.txt"'

"$NANOCIM" stno run --n 2 --coupling 0.2 --in 304.5:0.1 --t-ns 1000 -o "$TMP/run.csv" \
    --json "$TMP/run.json" --plot "$TMP/run.png" > "$TMP/run.txt"
check "run writes a trace with a header and samples" '[ "$(wc -l < "$TMP/run.csv")" -gt 10 ]'
check "run reports both oscillators" '[ "$(grep -c "^osc " "$TMP/run.txt")" -eq 2 ]'
check "run writes a JSON document of its observables" \
      'grep -q "\"format\":[[:space:]]*\"nanocim-stno-run\"" "$TMP/run.json" && grep -q "\"f_mean_mhz\"" "$TMP/run.json"'
if command -v python3 >/dev/null 2>&1; then
    check "run JSON parses, with both oscillators" \
          'python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert len(d[\"runs\"][0][\"oscillators\"]) == 2" "$TMP/run.json"'
fi

sed 's/"temperature_k": *[0-9.e+]*/"temperature_k": -5/' "$(dirname "$0")/../data/vortex_stno.json" > "$TMP/negT.json"
expect_fail "negative temperature" "temperature_k" stno run --device "$TMP/negT.json" -o "$TMP/x.csv"
expect_fail "negative step" "dt_ns" stno run --dt-ns -1 -o "$TMP/x.csv"
expect_fail "too large step" "largest allowed step" stno run --dt-ns 50 -o "$TMP/x.csv"
expect_fail "too large step in lock (once, no crash)" "--dt-ns 100: dt_ns = 100 is too large" \
            stno lock --dt-ns 100 -o "$TMP/x.csv" --json "$TMP/x.json"
expect_fail "negative step in lock" "dt_ns" stno lock --dt-ns -1 -o "$TMP/x.csv"
expect_fail "unknown option" "--bogus" stno lock --bogus
check "no output file left by the failures" '[ ! -e "$TMP/x.csv" ] && [ ! -e "$TMP/x.json" ]'

summary
