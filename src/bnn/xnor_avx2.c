/* AVX2 binary-product kernel: popcount by nibble lookup (VPSHUFB), bytes summed with VPSADBW
 * (Mula, Kurz and Lemire, Computer Journal 61(1), 2018). Compiled with -mavx2; called only when
 * the CPU has AVX2.
 *
 * A 256-bit register holds one word of 4 neurons, so a block of 8 neurons is two registers.
 * Register blocking: 2 rows x 1 block (4 byte-count accumulators). Byte counts grow by at most
 * 8 a word, so they are folded into 64-bit sums every 31 words, before a byte can overflow. */
#include <immintrin.h>
#include <string.h>

#include "bnn/xnor_kernels.h"

static inline __m256i popcount_bytes(__m256i v, __m256i lut, __m256i low4)
{
    __m256i lo = _mm256_and_si256(v, low4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

static inline __attribute__((always_inline)) void
micro(const uint64_t *a, int lda, int r, const uint64_t *w, int words, int k, int32_t *c, int ldc)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    __m256i sum[2][2], bytes[2][2];
    for (int i = 0; i < r; i++)
        for (int h = 0; h < 2; h++)
            sum[i][h] = bytes[i][h] = zero;
    for (int q0 = 0; q0 < words; q0 += 31) {
        const int q1 = q0 + 31 < words ? q0 + 31 : words;
        for (int q = q0; q < q1; q++) {
            const __m256i w0 = _mm256_load_si256((const __m256i *)(w + q * 8));
            const __m256i w1 = _mm256_load_si256((const __m256i *)(w + q * 8 + 4));
            for (int i = 0; i < r; i++) {
                const __m256i av = _mm256_set1_epi64x((long long)a[(int64_t)i * lda + q]);
                bytes[i][0] = _mm256_add_epi8(bytes[i][0],
                                              popcount_bytes(_mm256_xor_si256(av, w0), lut, low4));
                bytes[i][1] = _mm256_add_epi8(bytes[i][1],
                                              popcount_bytes(_mm256_xor_si256(av, w1), lut, low4));
            }
        }
        for (int i = 0; i < r; i++)
            for (int h = 0; h < 2; h++) {
                sum[i][h] = _mm256_add_epi64(sum[i][h], _mm256_sad_epu8(bytes[i][h], zero));
                bytes[i][h] = zero;
            }
    }
    for (int i = 0; i < r; i++)
        for (int h = 0; h < 2; h++) {
            long long s[4];
            _mm256_storeu_si256((__m256i *)s, sum[i][h]);
            for (int l = 0; l < 4; l++)
                c[(int64_t)i * ldc + h * 4 + l] = k - 2 * (int32_t)s[l];
        }
}

void ncm_xnor_avx2(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                   int32_t *c, int ldc)
{
    const int words = w->words;
    for (int jb = jb0; jb < jb1; jb++) {
        const uint64_t *wb = w->w + (int64_t)jb * words * 8;
        int i = 0;
        for (; i + 2 <= m; i += 2)
            micro(a + (int64_t)i * lda, lda, 2, wb, words, w->k, c + (int64_t)i * ldc + jb * 8,
                  ldc);
        if (i < m)
            micro(a + (int64_t)i * lda, lda, 1, wb, words, w->k, c + (int64_t)i * ldc + jb * 8,
                  ldc);
    }
}

/* ---- the first layer's 8-bit product (ncm_i8mat, xnor_kernels.h) ---------------------------
 *
 * VPMADDUBSW multiplies unsigned input bytes by signed weight bytes and adds adjacent pairs into
 * 16-bit lanes: with a pair of inputs broadcast and the pair's weights of 16 neurons, one
 * instruction gives 16 neurons' partial sums. Register blocking: R rows x NB blocks of 16
 * neurons, at most 4 x 2 (8 accumulators, 2 weight vectors, the broadcast pair and the product:
 * 4 x 3 would need 17 of the 16 registers). A pair adds at most 2 * 255 to a lane, so the 16-bit
 * lanes are widened into 32-bit sums every 64 pairs, before they can overflow
 * (64 * 510 = 32640 < 2^15). An odd k's last pair has one input, read alone. */
#define I8_FLUSH 64
#define I8_R 4
#define I8_NB 2

static inline __attribute__((always_inline)) __m256i pair_at(const uint8_t *p)
{
    int16_t v;
    memcpy(&v, p, 2);
    return _mm256_set1_epi16(v);
}

static inline __attribute__((always_inline)) void
i8_micro(const uint8_t *a, int lda, const int R, const int8_t *wb, int pairs, const int NB, int k,
         int32_t *sum, int lds /* row r, neuron j of the block at sum[r * lds + j] */)
{
    __m256i acc[I8_R][I8_NB];
    const int full = k / 2; /* pairs with two real inputs */
    for (int p0 = 0; p0 < pairs; p0 += I8_FLUSH) {
        const int p1 = p0 + I8_FLUSH < pairs ? p0 + I8_FLUSH : pairs;
        const int pf = p1 < full ? p1 : full;
        for (int r = 0; r < R; r++)
            for (int b = 0; b < NB; b++)
                acc[r][b] = _mm256_setzero_si256();
        for (int p = p0; p < pf; p++) {
            __m256i wv[I8_NB];
            for (int b = 0; b < NB; b++) {
                wv[b] = _mm256_load_si256((const __m256i *)(wb + ((int64_t)b * pairs + p) * 32));
                /* kept in a register: folded into each product, the load would be repeated R
                 * times and the loads, not the products, would bound the loop */
                __asm__("" : "+x"(wv[b]));
            }
            for (int r = 0; r < R; r++) {
                const __m256i x = pair_at(a + (int64_t)r * lda + 2 * p);
                for (int b = 0; b < NB; b++)
                    acc[r][b] = _mm256_add_epi16(acc[r][b], _mm256_maddubs_epi16(x, wv[b]));
            }
        }
        if (pf < p1) { /* the last pair of an odd k: its second weight is 0, its input alone */
            for (int r = 0; r < R; r++) {
                const __m256i x = _mm256_set1_epi16(a[(int64_t)r * lda + 2 * pf]);
                for (int b = 0; b < NB; b++)
                    acc[r][b] = _mm256_add_epi16(
                        acc[r][b],
                        _mm256_maddubs_epi16(
                            x, _mm256_load_si256(
                                   (const __m256i *)(wb + ((int64_t)b * pairs + pf) * 32))));
            }
        }
        for (int r = 0; r < R; r++)
            for (int b = 0; b < NB; b++) {
                int32_t *s = sum + (int64_t)r * lds + b * 16;
                __m256i lo = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(acc[r][b]));
                __m256i hi = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(acc[r][b], 1));
                if (p0 > 0) { /* the first flush stores, the others add */
                    lo = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)s), lo);
                    hi = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(s + 8)), hi);
                }
                _mm256_storeu_si256((__m256i *)s, lo);
                _mm256_storeu_si256((__m256i *)(s + 8), hi);
            }
    }
}

void ncm_i8_avx2(const uint8_t *a, int m, int lda, const ncm_i8mat *w, int32_t *c, int ldc)
{
    const int pairs = w->pairs;
    int32_t sum[I8_R * I8_NB * 16];
    for (int b0 = 0; b0 < w->nb; b0 += I8_NB) {
        const int nbk = w->nb - b0 < I8_NB ? w->nb - b0 : I8_NB;
        const int8_t *wb = w->w + (int64_t)b0 * pairs * 32;
        for (int i0 = 0; i0 < m; i0 += I8_R) {
            const int r = m - i0 < I8_R ? m - i0 : I8_R;
            const uint8_t *ai = a + (int64_t)i0 * lda;
            if (r == I8_R && nbk == I8_NB && (b0 + I8_NB) * 16 <= w->n) { /* straight into c */
                i8_micro(ai, lda, I8_R, wb, pairs, I8_NB, w->k, c + (int64_t)i0 * ldc + b0 * 16,
                         ldc);
                continue;
            }
            i8_micro(ai, lda, r, wb, pairs, nbk, w->k, sum, nbk * 16);
            for (int rr = 0; rr < r; rr++)
                for (int j = 0; j < nbk * 16 && b0 * 16 + j < w->n; j++)
                    c[(int64_t)(i0 + rr) * ldc + b0 * 16 + j] = sum[rr * nbk * 16 + j];
        }
    }
}

void ncm_fire_bits_avx2(const int32_t *s, int64_t lds, int npos, const int32_t *sign,
                        const int32_t *val, int n, uint64_t *out, int cw)
{
    const int groups = (n + 7) / 8;
    const unsigned last = n % 8 ? (1u << (n % 8)) - 1 : 0xffu;
    for (int p = 0; p < npos; p++) {
        const int32_t *sp = s + p * lds;
        uint64_t *o = out + (int64_t)p * cw;
        for (int k = 0; k < cw; k++) { /* each word built in a register, stored once */
            uint64_t word = 0;
            for (int g = 8 * k; g < groups && g < 8 * k + 8; g++) {
                const __m256i a =
                    _mm256_sign_epi32(_mm256_loadu_si256((const __m256i *)(sp + 8 * g)),
                                      _mm256_loadu_si256((const __m256i *)(sign + 8 * g)));
                const __m256i below =
                    _mm256_cmpgt_epi32(_mm256_loadu_si256((const __m256i *)(val + 8 * g)), a);
                unsigned bits = ~(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(below)) & 0xffu;
                if (g == groups - 1)
                    bits &= last;
                word |= (uint64_t)bits << (8 * (g % 8));
            }
            o[k] = word;
        }
    }
}
