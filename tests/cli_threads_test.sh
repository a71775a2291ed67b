#!/usr/bin/env bash
# The README's MLP recipe (784-1024-1024-10), one epoch on the first 6,000 Fashion-MNIST images,
# writes byte-identical models with 1, 2 and 3 threads: on OpenBLAS's default kernel, and on each
# of Haswell (AVX2) and SkylakeX (AVX-512) that this CPU supports (checked in /proc/cpuinfo, the
# others skipped with a note; the sanitizer build tries the default kernel only). Needs Debian's dataset-fashion-mnist (skipped without it).
# usage: bash tests/cli_threads_test.sh NANOCIM TMPDIR
set -u
NANOCIM=${1:?usage: cli_threads_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_threads_test.sh NANOCIM TMPDIR}
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
. "$(dirname "$0")/cli_lib.sh"
need_fashion_mnist

args=(train --data fashion-mnist --arch mlp:1024,1024 --epochs 1 --train-limit 6000
      --test-limit 500 --seed 7 -q)
has() { grep -qw "$1" /proc/cpuinfo; }

kernels=(default)
if [ -n "${NCM_TEST_SANITIZED:-}" ]; then
    # Under the sanitizers the threaded code is what is checked; the kernels' bits are checked
    # by the plain build.
    echo "note: sanitizer build: the default kernel only"
else
    if has avx2 && has fma; then kernels+=(Haswell); else echo "note: no AVX2+FMA, Haswell kernel not tried"; fi
    if has avx512f && has avx512bw && has avx512dq && has avx512vl && has avx512cd; then
        kernels+=(SkylakeX)
    else
        echo "note: no AVX-512, SkylakeX kernel not tried"
    fi
fi

for kernel in "${kernels[@]}"; do
    for t in 1 2 3; do
        if [ "$kernel" = default ]; then
            "$NANOCIM" "${args[@]}" --threads $t -o "$TMP/$kernel-$t.ncm"
        else
            OPENBLAS_CORETYPE=$kernel "$NANOCIM" "${args[@]}" --threads $t -o "$TMP/$kernel-$t.ncm"
        fi
    done
    check "$kernel kernel: the run writes its model" '[ -s "$TMP/$kernel-1.ncm" ]'
    check "$kernel kernel: 2 threads write the 1-thread model byte for byte" \
          'cmp -s "$TMP/$kernel-1.ncm" "$TMP/$kernel-2.ncm"'
    check "$kernel kernel: 3 threads write the 1-thread model byte for byte" \
          'cmp -s "$TMP/$kernel-1.ncm" "$TMP/$kernel-3.ncm"'
done
summary
