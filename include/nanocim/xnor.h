/* Bit-packed binary matrix products: the software twin of an in-memory XNOR-popcount array.
 *
 * For +-1 vectors packed as bits (1 = +1), x . w = K - 2 * popcount(x XOR w) over the K real
 * bits; padding bits are zero in both operands, so they never count and results are exact for
 * any width. ncm_xnor_gemm() computes that dot product for every pair of a row of A (activations)
 * and a row of W (weights).
 *
 * Kernels: a portable C reference, AVX2 (nibble-lookup popcount: Mula, Kurz and Lemire, "Faster
 * Population Counts Using AVX2 Instructions", Computer Journal 61(1), 2018) and AVX-512
 * (VPOPCNTQ). The fastest the CPU supports is chosen at run time; NCM_KERNEL=portable|avx2|avx512
 * forces one. Weights are stored interleaved by blocks of 8 neurons, [n/8][words][8], so one
 * 512-bit register holds the same word of 8 neurons and one activation word, broadcast, meets all
 * 8 at once: no horizontal sums. */
#ifndef NANOCIM_XNOR_H
#define NANOCIM_XNOR_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NCM_KERNEL_AUTO = 0,
    NCM_KERNEL_PORTABLE = 1,
    NCM_KERNEL_AVX2 = 2,
    NCM_KERNEL_AVX512 = 3
} ncm_kernel;

/* A binary weight matrix in the kernels' layout. */
typedef struct {
    int n;       /* rows (neurons) */
    int k;       /* real bits per row */
    int words;   /* 64-bit words per row, ceil(k / 64) */
    int n8;      /* n rounded up to a multiple of 8 */
    uint64_t *w; /* [n8 / 8][words][8]; rows past n are zero */
} ncm_bmat;

/* Packs W given as row-major bits rows[n][row_words] (row_words >= ceil(k/64), bits past k zero)
 * into the kernel layout. */
NCM_API ncm_status ncm_bmat_pack(ncm_bmat *m, const uint64_t *rows, int n, int k, int row_words,
                         ncm_error *err);
NCM_API void ncm_bmat_free(ncm_bmat *m);
/* Bit j of row i. */
NCM_API int ncm_bmat_bit(const ncm_bmat *m, int i, int j);

/* c[i * ldc + j] = sum over the k bits of (+-1 of a_i) * (+-1 of w_j) for i < m, j < w->n, where
 * a holds m rows of w->words words (row stride lda words, bits past k zero). ldc >= w->n8: the
 * kernels store whole blocks of 8. Runs on `threads` OpenMP threads (<= 0: all), splitting
 * rows, so results do not depend on the count. */
NCM_API void ncm_xnor_gemm(ncm_kernel kernel, const uint64_t *a, int m, int lda, const ncm_bmat *w,
                   int32_t *c, int ldc, int threads);

/* The kernel the CPU supports best, or the one NCM_KERNEL names (falling back, with the reason
 * in *why if not NULL, when the CPU lacks it). */
NCM_API ncm_kernel ncm_kernel_select(const char **why);
/* Whether this CPU can run `k`. */
NCM_API int ncm_kernel_supported(ncm_kernel k);
NCM_API const char *ncm_kernel_name(ncm_kernel k);
/* Parses "portable", "avx2", "avx512" or "auto"; -1 if unknown. */
NCM_API int ncm_kernel_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif
