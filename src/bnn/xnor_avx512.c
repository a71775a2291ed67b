/* AVX-512 binary-product kernel (VPOPCNTQ). Compiled with -mavx512f -mavx512vpopcntdq; called
 * only when the CPU has both (ncm_kernel_supported).
 *
 * Register blocking: R activation rows x C neuron blocks (8 neurons, one 512-bit vector each).
 * Per 64-bit word of the rows: C vector loads of weights, then for each row its word broadcast
 * and, per block, XOR + VPOPCNTQ + add into an accumulator whose 8 lanes are 8 neurons. With
 * R = 6 and C = 4, 24 accumulators and 4 weight vectors stay in the 32 registers. Loop order:
 * a group of C blocks (32 neurons; C * words * 64 bytes of weights, L1-resident for K <= 4096)
 * meets every row before the next group. */
#include <immintrin.h>

#include "bnn/xnor_kernels.h"

#define RB 6
#define CB 4

static inline __attribute__((always_inline)) void micro(const uint64_t *a, int lda, int r,
                                                        const uint64_t *w, int cb, int words, int k,
                                                        int32_t *c, int ldc)
{
    __m512i acc[RB][CB];
#pragma GCC unroll 6
    for (int i = 0; i < r; i++)
#pragma GCC unroll 4
        for (int j = 0; j < cb; j++)
            acc[i][j] = _mm512_setzero_si512();
    const int64_t bstride = (int64_t)words * 8;
    for (int q = 0; q < words; q++) {
        __m512i wv[CB];
#pragma GCC unroll 4
        for (int j = 0; j < cb; j++)
            wv[j] = _mm512_load_si512((const void *)(w + j * bstride + q * 8));
#pragma GCC unroll 6
        for (int i = 0; i < r; i++) {
            const __m512i av = _mm512_set1_epi64((long long)a[(int64_t)i * lda + q]);
#pragma GCC unroll 4
            for (int j = 0; j < cb; j++)
                acc[i][j] =
                    _mm512_add_epi64(acc[i][j], _mm512_popcnt_epi64(_mm512_xor_si512(av, wv[j])));
        }
    }
    const __m512i kk = _mm512_set1_epi64(k);
#pragma GCC unroll 6
    for (int i = 0; i < r; i++)
#pragma GCC unroll 4
        for (int j = 0; j < cb; j++) {
            /* dot = k - 2 * mismatches */
            __m512i dot = _mm512_sub_epi64(kk, _mm512_slli_epi64(acc[i][j], 1));
            _mm256_storeu_si256((__m256i *)(c + (int64_t)i * ldc + j * 8),
                                _mm512_cvtepi64_epi32(dot));
        }
}

/* Instantiates the micro-kernel for constant (r, cb) so every loop unrolls into registers. */
#define MICRO_CASE(R_, C_)                                                                         \
    case (R_)*8 + (C_):                                                                            \
        micro(a, lda, R_, w, C_, words, k, c, ldc);                                                \
        break
#define MICRO_ROW(R_)                                                                              \
    MICRO_CASE(R_, 1);                                                                             \
    MICRO_CASE(R_, 2);                                                                             \
    MICRO_CASE(R_, 3);                                                                             \
    MICRO_CASE(R_, 4)

static void micro_any(const uint64_t *a, int lda, int r, const uint64_t *w, int cb, int words,
                      int k, int32_t *c, int ldc)
{
    switch (r * 8 + cb) {
        MICRO_ROW(1);
        MICRO_ROW(2);
        MICRO_ROW(3);
        MICRO_ROW(4);
        MICRO_ROW(5);
        MICRO_ROW(6);
    default: break;
    }
}

void ncm_xnor_avx512(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                     int32_t *c, int ldc)
{
    const int words = w->words;
    for (int jb = jb0; jb < jb1; jb += CB) {
        const int cb = jb1 - jb < CB ? jb1 - jb : CB;
        const uint64_t *wb = w->w + (int64_t)jb * words * 8;
        for (int i = 0; i < m; i += RB) {
            const int r = m - i < RB ? m - i : RB;
            micro_any(a + (int64_t)i * lda, lda, r, wb, cb, words, w->k,
                      c + (int64_t)i * ldc + jb * 8, ldc);
        }
    }
}
