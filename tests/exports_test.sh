#!/usr/bin/env bash
# libnanocim.so exports exactly the public API: every dynamic symbol it defines starts with ncm_
# and is declared NCM_API in a public header, and every NCM_API function is exported.
# usage: bash tests/exports_test.sh LIBNANOCIM_SO SOURCE_DIR TMPDIR
set -u
LIB=${1:?usage: exports_test.sh LIBNANOCIM_SO SOURCE_DIR TMPDIR}
SRC=${2:?}
TMP=${3:?}
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
NANOCIM=unused
. "$SRC/tests/cli_lib.sh"
nm -D --defined-only "$LIB" | awk '$2 ~ /^[TWDBRV]$/ {print $3}' | sort -u >"$TMP/exported"
# Function names declared NCM_API in the public headers (a declaration may span lines).
ls "$SRC"/include/nanocim/*.h | grep -v "/api.h$" | xargs cat | tr '\n' ' ' | grep -oE 'NCM_API [^;(#]*\(' |
    sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | sort -u >"$TMP/declared"
check "the library exports symbols" '[ -s "$TMP/exported" ]'
check "every exported symbol starts with ncm_" '! grep -v "^ncm_" "$TMP/exported"'
check "every exported symbol is declared NCM_API in a public header" \
    '[ -z "$(comm -23 "$TMP/exported" "$TMP/declared")" ]'
check "every NCM_API function is exported" '[ -z "$(comm -13 "$TMP/exported" "$TMP/declared")" ]'
comm -3 "$TMP/exported" "$TMP/declared" | head -20
summary
