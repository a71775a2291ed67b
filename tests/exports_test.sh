#!/usr/bin/env bash
# libnanocim.so exports exactly the public API: every dynamic symbol it defines starts with ncm_
# and is declared NCM_API in a public header, and every NCM_API function is exported; the
# public headers are the ones docs/c-api.md lists.
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
# The public header list is the one docs/c-api.md gives.
ls "$SRC"/include/nanocim/ | sort >"$TMP/headers"
grep -oE '^\| `nanocim/[a-z_0-9]+\.h`' "$SRC/docs/c-api.md" | sed -E 's/.*nanocim\/([a-z_0-9]+\.h).*/\1/' |
    sort >"$TMP/documented"
check "the public headers are the ones docs/c-api.md lists" 'cmp -s "$TMP/headers" "$TMP/documented"'
comm -3 "$TMP/headers" "$TMP/documented"
check "no public header defines a static inline function" \
    '! grep -l "static inline" "$SRC"/include/nanocim/*.h'
check "no public header includes a third-party header" \
    '! grep -lE "#include <(cjson|Random123|omp|zlib|cblas)" "$SRC"/include/nanocim/*.h'
check "every public header includes nanocim/api.h" \
    '[ -z "$(grep -L "nanocim/api.h" "$SRC"/include/nanocim/*.h | grep -v /api.h)" ]'
summary
