/* Internal: the binary-product kernels behind ncm_xnor_gemm() (see include/nanocim/xnor.h).
 * Each computes rows [0, m) of A against neuron blocks [jb0, jb1) (8 neurons a block) of W,
 * on the calling thread. */
#ifndef NCM_XNOR_KERNELS_H
#define NCM_XNOR_KERNELS_H

#include "nanocim/xnor.h"

typedef void (*ncm_xnor_kernel_fn)(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0,
                                   int jb1, int32_t *c, int ldc);

void ncm_xnor_portable(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                       int32_t *c, int ldc);
void ncm_xnor_avx2(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                   int32_t *c, int ldc);
void ncm_xnor_avx512(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                     int32_t *c, int ldc);

/* The first layer's product on its 8-bit inputs: c[i][j] = sum_t a[i][t] * w[j][t] for uint8
 * inputs a and weights w in {-1, +1} (bit 1 = +1, as in the binary products). One instruction
 * (AVX2 VPMADDUBSW) multiplies 32 input bytes by 32 weight bytes and adds adjacent pairs, so the
 * weights are stored as bytes, by blocks of 16 neurons and pairs of inputs: [nb][pairs][16][2],
 * zero past k and past n. A pair of inputs, broadcast, meets 16 neurons at once. */
typedef struct {
    int n, k;  /* neurons, inputs */
    int pairs; /* ceil(k / 2) */
    int nb;    /* blocks of 16 neurons, ceil(n / 16) */
    int8_t *w;
} ncm_i8mat;

/* From row-major weight bits rows[n][row_words] (bit t of row j: input t of neuron j). */
ncm_status ncm_i8mat_pack(ncm_i8mat *m, const uint64_t *rows, int n, int k, int row_words,
                          ncm_error *err);
void ncm_i8mat_free(ncm_i8mat *m);
/* Rows [0, m) of a (row stride lda bytes, k bytes read per row) against all n neurons, into
 * c[i * ldc + j], j < n, on the calling thread; the AVX2 kernel for NCM_KERNEL_AVX2 and
 * NCM_KERNEL_AVX512 (every AVX-512 CPU has AVX2), the portable one otherwise. Exact: the sums
 * are integers, in any order. */
void ncm_i8_gemm(ncm_kernel kernel, const uint8_t *a, int m, int lda, const ncm_i8mat *w,
                 int32_t *c, int ldc);
void ncm_i8_portable(const uint8_t *a, int m, int lda, const ncm_i8mat *w, int32_t *c, int ldc);
void ncm_i8_avx2(const uint8_t *a, int m, int lda, const ncm_i8mat *w, int32_t *c, int ldc);

/* Which of n neurons fire on their sums, for npos positions: position p's sums at s + p * lds,
 * its bits at out + p * cw (cw words, bits past n zero). Neuron c fires when
 * sign[c] * s[c] >= val[c], sign[c] = +-1 (the folded threshold "a >= T" or "a <= T" written as
 * one comparison). s is read below n rounded up to 8. The AVX2 form (VPSIGND, VPCMPGTD,
 * VMOVMSKPS: 8 neurons in 3 instructions) runs for every kernel but portable. */
void ncm_fire_bits(ncm_kernel kernel, const int32_t *s, int64_t lds, int npos, const int32_t *sign,
                   const int32_t *val, int n, uint64_t *out, int cw);
void ncm_fire_bits_avx2(const int32_t *s, int64_t lds, int npos, const int32_t *sign,
                        const int32_t *val, int n, uint64_t *out, int cw);

#endif
