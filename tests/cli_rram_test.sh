#!/usr/bin/env bash
# `nanocim rram ber` end to end: a sweep writes its CSV, JSON and figures and reproduces the
# papers' qualitative claims with the built-in technology (BER rises as the compliance current
# falls; 2T2R without ECC at least as good as 1T1R with SECDED wherever 1T1R's raw BER is below
# 1e-2; weak programming closes the window more slowly with cycling); `rram fit` recovers the
# device its measurements were sampled from; bad input (empty range, unknown cell, device file
# with a negative resistance or NaN, CSV with a missing column or a non-numeric cell) exits
# non-zero with one line naming the option, field or line, and leaves no output file behind.
# usage: bash tests/cli_rram_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_rram_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_rram_test.sh NANOCIM TMPDIR}
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
. "$(dirname "$0")/cli_lib.sh"

"$NANOCIM" rram ber --icc 10:200:10 --reads 2e5 -q -o "$TMP/ber.csv" --json "$TMP/ber.json" \
    --plot "$TMP/fig"
check "sweep exits 0" '[ $? -eq 0 ]'
check "CSV has a header and 60 rows" '[ "$(wc -l < "$TMP/ber.csv")" -eq 61 ]'
check "JSON lists 60 points" '[ "$(grep -c "\"cell\":" "$TMP/ber.json")" -eq 60 ]'
check "figures written" '[ -s "$TMP/fig-icc.png" ] && [ -s "$TMP/fig-compare.png" ]'
# columns: 1 cell, 2 i_cc_ua, 8 ber
check "BER rises as I_cc falls, every cell" \
      'awk -F, "NR>1 { if ((\$1 in last) && \$8 > last[\$1]) bad=1; last[\$1]=\$8 } END { exit bad }" "$TMP/ber.csv"'
check "2T2R <= 1T1R+SECDED where 1T1R raw BER < 1e-2" \
      'awk -F, "NR>1 { b[\$1\",\"\$2]=\$8 } END { for (k in b) { split(k, a, \",\"); if (a[1]==\"1t1r\" && b[k] < 1e-2 && b[\"2t2r,\"a[2]] > b[\"1t1r-secded:64,\"a[2]]) bad=1 } exit bad }" "$TMP/ber.csv"'

"$NANOCIM" rram ber --icc 20,200 --cycles 0,1e6 --cells 2t2r --reads 0 -q -o "$TMP/cyc.csv"
check "BER at 1e6 cycles grows less for weak (20 uA) than strong (200 uA) programming" \
      'awk -F, "NR>1 { b[\$2\",\"\$5]=\$8 } END { exit !(b[\"20,1e+06\"]/b[\"20,0\"] < b[\"200,1e+06\"]/b[\"200,0\"]) }" "$TMP/cyc.csv"'

# calibration: fitting data sampled from the built-in device recovers it
"$NANOCIM" rram sample -o "$TMP/meas.csv" --icc 10,20,50,100,200 --vreset 1.2,1.5,1.8 --tp 50,100 \
    --devices 300 --seed 3
"$NANOCIM" rram fit "$TMP/meas.csv" -o "$TMP/fit.json" --report "$TMP/fitrep.json" > "$TMP/fit.txt"
check "fit writes a device file and a report" '[ -s "$TMP/fit.json" ] && [ -s "$TMP/fitrep.json" ]'
check "fitted V_c within 2 % of the true 0.4 V" \
      'awk "/^lrs.v_c_v/ { exit !(\$2 > 0.392 && \$2 < 0.408) }" "$TMP/fit.txt"'
check "fitted sigma of ln R_HRS within 3 % of the true 0.5" \
      'awk "/^hrs.sigma_ln_r/ { exit !(\$2 > 0.485 && \$2 < 0.515) }" "$TMP/fit.txt"'
check "fitted device file is usable" '"$NANOCIM" rram ber --device "$TMP/fit.json" --icc 50 --reads 0 -q'

expect_fail "empty range" "--icc" rram ber --icc 200:10:20 -o "$TMP/x.csv"
expect_fail "unknown cell" "--cells" rram ber --cells 1t1r,3t3r -o "$TMP/x.csv"
expect_fail "bad cycles" "--cycles" rram ber --cycles -5 -o "$TMP/x.csv"
expect_fail "unknown option" "--bogus" rram ber --bogus
sed 's/"r_median_ohm": *[0-9.e+]*/"r_median_ohm": -100000/' "$(dirname "$0")/../data/hfo2.json" > "$TMP/neg.json"
expect_fail "negative resistance in device file" "r_median_ohm" rram ber --device "$TMP/neg.json" -o "$TMP/x.csv"
sed 's/"v_c_v": *[0-9.e+]*/"v_c_v": "nan"/' "$(dirname "$0")/../data/hfo2.json" > "$TMP/nan.json"
expect_fail "NaN in device file" "v_c_v" rram ber --device "$TMP/nan.json" -o "$TMP/x.csv"
printf 'condition,cycle\nlrs@10,0\n' > "$TMP/nocol.csv"
expect_fail "CSV without the resistance column" "resistance" rram fit "$TMP/nocol.csv" -o "$TMP/x.csv"
printf 'condition,cycle,resistance_ohm\nlrs@10,0,1000\nlrs@10,0,abc\nlrs@10,0,1200\n' > "$TMP/nonnum.csv"
expect_fail "CSV with a non-numeric cell" "line 3" rram fit "$TMP/nonnum.csv" -o "$TMP/x.csv"
check "no output file left by the failures" '[ ! -e "$TMP/x.csv" ] && [ -z "$(ls "$TMP" | grep "\.tmp")" ]'

summary
