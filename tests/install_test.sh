#!/usr/bin/env bash
# The installed tree works for a C user: `cmake --install` into a temporary prefix puts the
# library, headers, nanocim.pc, the CLI, the man page and the bash completion in place, and
# examples/classify.c builds against it with `pkg-config --cflags --libs nanocim` alone and runs.
# The man page renders without warnings.
# usage: bash tests/install_test.sh BUILD_DIR SOURCE_DIR TMPDIR [EXTRA_CFLAGS]
set -u
BUILD=${1:?usage: install_test.sh BUILD_DIR SOURCE_DIR TMPDIR}
SRC=${2:?}
TMP=${3:?}
EXTRA_CFLAGS=${4:-}
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
NANOCIM=unused
. "$SRC/tests/cli_lib.sh"
PREFIX=$TMP/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1
check "cmake --install succeeds" '[ $? -eq 0 ]'
for f in include/nanocim/nanocim.h bin/nanocim share/man/man1/nanocim.1 \
         share/bash-completion/completions/nanocim share/nanocim/hfo2.json; do
    check "installed $f" '[ -e "$PREFIX/$f" ]'
done
LIBDIR=$(dirname "$(find "$PREFIX" -name nanocim.pc | head -1)")/..
check "installed libnanocim.so with its soname" 'ls "$LIBDIR"/libnanocim.so.0 >/dev/null 2>&1'
check "installed libnanocim.a" '[ -e "$LIBDIR/libnanocim.a" ]'
check "no internal header installed" '[ ! -e "$PREFIX/include/nanocim/json.h" ] && [ ! -e "$PREFIX/include/nanocim/fieldfile.h" ]'
check "installed headers name no third-party type" '! grep -lE "cJSON|philox4x32|gzFile|omp_|<cjson|<Random123|<omp\.h|<zlib" "$PREFIX"/include/nanocim/*.h'
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
flags=$(pkg-config --cflags --libs nanocim)
check "pkg-config finds nanocim" '[ -n "$flags" ]'
cc -std=c17 -Wall -Wextra -Werror $EXTRA_CFLAGS "$SRC/examples/classify.c" $flags -o "$TMP/classify" 2>"$TMP/cc.log"
check "examples/classify.c builds against the installed tree" '[ $? -eq 0 ]'
(cd "$TMP" && LD_LIBRARY_PATH=$LIBDIR ./classify "$TMP/classify.ncm" >"$TMP/run.log" 2>&1)
check "the example runs" '[ $? -eq 0 ]'
check "the example trains, reloads and checks" 'grep -q "identical to the plain reference" "$TMP/run.log"'
check "the example is linked to the installed shared library" \
    'LD_LIBRARY_PATH=$LIBDIR ldd "$TMP/classify" | grep -q "$LIBDIR/libnanocim.so.0"'
"$PREFIX/bin/nanocim" version >"$TMP/version.log" 2>&1
check "the installed CLI runs" '[ $? -eq 0 ] && grep -q "nanocim 0" "$TMP/version.log"'
if command -v man >/dev/null; then
    MANWIDTH=80 man --warnings -l "$PREFIX/share/man/man1/nanocim.1" >"$TMP/man.txt" 2>"$TMP/man.err"
    check "the man page renders without warnings" '[ $? -eq 0 ] && [ ! -s "$TMP/man.err" ] && grep -q "rram" "$TMP/man.txt"'
else
    echo "SKIP  man page rendering (man-db not installed)"
fi
# Every option the command parses is in the man page and the bash completion.
missing=""
for o in $(grep -ohE '"--[a-z][a-z0-9-]*' "$SRC"/src/cli/*.c | tr -d '"' | sort -u); do
    grep -qF -- "$o" "$SRC/docs/nanocim.1" || grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$SRC/docs/nanocim.1" ||
        missing="$missing man:$o"
    grep -qF -- "$o" "$SRC/scripts/nanocim.bash-completion" || missing="$missing completion:$o"
done
check "every option is in the man page and the completion${missing:+ (missing:$missing)}" '[ -z "$missing" ]'
summary || { cat "$TMP/install.log" "$TMP/cc.log" "$TMP/run.log" 2>/dev/null | tail -20; exit 1; }
