/* Bit-packed binary matrix products: packing, the portable reference kernel, run-time kernel
 * choice and the OpenMP split (see include/nanocim/xnor.h). */
#include "nanocim/xnor.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bnn/xnor_kernels.h"

ncm_status ncm_bmat_pack(ncm_bmat *m, const uint64_t *rows, int n, int k, int row_words,
                         ncm_error *err)
{
    memset(m, 0, sizeof *m);
    if (n < 1 || k < 1 || row_words < (k + 63) / 64)
        return ncm_error_set(err, NCM_ERR_ARG, "binary matrix %d x %d bits with %d words a row", n,
                             k, row_words);
    m->n = n;
    m->k = k;
    m->words = (k + 63) / 64;
    m->n8 = (n + 7) / 8 * 8;
    /* 64-byte alignment: one block-word is one 512-bit vector. */
    size_t bytes = (size_t)m->n8 * m->words * sizeof(uint64_t);
    m->w = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!m->w)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for a %d x %d binary matrix", n, k);
    memset(m->w, 0, bytes);
    for (int i = 0; i < n; i++)
        for (int q = 0; q < m->words; q++) {
            uint64_t v = rows[(int64_t)i * row_words + q];
            if (q == m->words - 1 && k % 64)
                v &= (1ull << (k % 64)) - 1; /* padding must be zero */
            m->w[((int64_t)(i / 8) * m->words + q) * 8 + i % 8] = v;
        }
    return NCM_OK;
}

void ncm_bmat_free(ncm_bmat *m)
{
    free(m->w);
    memset(m, 0, sizeof *m);
}

int ncm_bmat_bit(const ncm_bmat *m, int i, int j)
{
    return (int)(m->w[((int64_t)(i / 8) * m->words + j / 64) * 8 + i % 8] >> (j % 64) & 1);
}

/* The reference: one output at a time, word by word. */
void ncm_xnor_portable(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                       int32_t *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = jb0 * 8; j < jb1 * 8; j++) {
            const uint64_t *wr = w->w + (int64_t)(j / 8) * w->words * 8 + j % 8;
            const uint64_t *ar = a + (int64_t)i * lda;
            int mism = 0;
            for (int q = 0; q < w->words; q++)
                mism += __builtin_popcountll(ar[q] ^ wr[q * 8]);
            c[(int64_t)i * ldc + j] = w->k - 2 * mism;
        }
}

int ncm_kernel_supported(ncm_kernel k)
{
    __builtin_cpu_init();
    switch (k) {
    case NCM_KERNEL_PORTABLE: return 1;
    case NCM_KERNEL_AVX2: return __builtin_cpu_supports("avx2");
    case NCM_KERNEL_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
    default: return 0;
    }
}

const char *ncm_kernel_name(ncm_kernel k)
{
    switch (k) {
    case NCM_KERNEL_PORTABLE: return "portable";
    case NCM_KERNEL_AVX2: return "avx2";
    case NCM_KERNEL_AVX512: return "avx512";
    default: return "auto";
    }
}

int ncm_kernel_parse(const char *name)
{
    for (int k = NCM_KERNEL_AUTO; k <= NCM_KERNEL_AVX512; k++)
        if (strcasecmp(name, ncm_kernel_name((ncm_kernel)k)) == 0)
            return k;
    return -1;
}

ncm_kernel ncm_kernel_select(const char **why)
{
    const char *env = getenv("NCM_KERNEL");
    if (why)
        *why = NULL;
    if (env && *env) {
        int k = ncm_kernel_parse(env);
        if (k > NCM_KERNEL_AUTO && ncm_kernel_supported((ncm_kernel)k))
            return (ncm_kernel)k;
        if (why)
            *why = k < 0 ? "NCM_KERNEL names no kernel (portable, avx2, avx512, auto)"
                         : "NCM_KERNEL names a kernel this CPU cannot run";
    }
    for (int k = NCM_KERNEL_AVX512; k > NCM_KERNEL_PORTABLE; k--)
        if (ncm_kernel_supported((ncm_kernel)k))
            return (ncm_kernel)k;
    return NCM_KERNEL_PORTABLE;
}

/* The kernel that runs for `k`: the best (or NCM_KERNEL's) for auto, portable when the CPU lacks
 * it. */
static ncm_kernel resolve(ncm_kernel k)
{
    if (k == NCM_KERNEL_AUTO)
        k = ncm_kernel_select(NULL);
    return ncm_kernel_supported(k) ? k : NCM_KERNEL_PORTABLE;
}

/* The 8-bit product and the thresholds have one vector form, AVX2, for both vector kernels. */
static int avx2_form(ncm_kernel k)
{
    return resolve(k) != NCM_KERNEL_PORTABLE && __builtin_cpu_supports("avx2");
}

static ncm_xnor_kernel_fn kernel_fn(ncm_kernel k)
{
    switch (resolve(k)) {
    case NCM_KERNEL_AVX512: return ncm_xnor_avx512;
    case NCM_KERNEL_AVX2: return ncm_xnor_avx2;
    default: return ncm_xnor_portable;
    }
}

void ncm_xnor_gemm(ncm_kernel kernel, const uint64_t *a, int m, int lda, const ncm_bmat *w,
                   int32_t *c, int ldc, int threads)
{
    ncm_xnor_kernel_fn fn = kernel_fn(kernel);
    const int nb = w->n8 / 8;
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (threads == 1 || (int64_t)m * nb < 64) {
        fn(a, m, lda, w, 0, nb, c, ldc);
        return;
    }
    /* Split rows when there are enough of them, else neuron blocks (batch 1). Every output is
     * computed whole by one thread, so the split does not change any result. */
    const int by_rows = m >= 8 * threads;
    const int parts = by_rows ? threads : nb;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int p = 0; p < parts; p++) {
        if (by_rows) { /* contiguous rows, multiples of 6 (the AVX-512 row block) */
            int per = (m / parts + 5) / 6 * 6;
            int r0 = p * per, r1 = p == parts - 1 ? m : r0 + per;
            if (r1 > m)
                r1 = m;
            if (r0 < r1)
                fn(a + (int64_t)r0 * lda, r1 - r0, lda, w, 0, nb, c + (int64_t)r0 * ldc, ldc);
        } else {
            fn(a, m, lda, w, p, p + 1, c, ldc);
        }
    }
}

/* ---- the first layer's 8-bit product (xnor_kernels.h) -------------------------------------- */

ncm_status ncm_i8mat_pack(ncm_i8mat *m, const uint64_t *rows, int n, int k, int row_words,
                          ncm_error *err)
{
    memset(m, 0, sizeof *m);
    if (n < 1 || k < 1 || row_words < (k + 63) / 64)
        return ncm_error_set(err, NCM_ERR_ARG, "weight matrix %d x %d with %d words a row", n, k,
                             row_words);
    m->n = n;
    m->k = k;
    m->pairs = (k + 1) / 2;
    m->nb = (n + 15) / 16;
    const size_t bytes = (size_t)m->nb * m->pairs * 32;
    m->w = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!m->w)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for a %d x %d weight matrix", n, k);
    memset(m->w, 0, bytes);
    for (int j = 0; j < n; j++)
        for (int t = 0; t < k; t++) {
            const int bit = (int)(rows[(int64_t)j * row_words + t / 64] >> (t % 64) & 1);
            m->w[((int64_t)(j / 16) * m->pairs + t / 2) * 32 + (j % 16) * 2 + t % 2] =
                (int8_t)(2 * bit - 1);
        }
    return NCM_OK;
}

void ncm_i8mat_free(ncm_i8mat *m)
{
    free(m->w);
    memset(m, 0, sizeof *m);
}

/* The reference: one output at a time, input by input. */
void ncm_i8_portable(const uint8_t *a, int m, int lda, const ncm_i8mat *w, int32_t *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < w->n; j++) {
            const int8_t *wj = w->w + (int64_t)(j / 16) * w->pairs * 32 + (j % 16) * 2;
            const uint8_t *ai = a + (int64_t)i * lda;
            int32_t s = 0;
            for (int q = 0; q < w->k / 2; q++)
                s += ai[2 * q] * wj[q * 32] + ai[2 * q + 1] * wj[q * 32 + 1];
            if (w->k % 2)
                s += ai[w->k - 1] * wj[(w->k / 2) * 32];
            c[(int64_t)i * ldc + j] = s;
        }
}

void ncm_i8_gemm(ncm_kernel kernel, const uint8_t *a, int m, int lda, const ncm_i8mat *w,
                 int32_t *c, int ldc)
{
    if (avx2_form(kernel))
        ncm_i8_avx2(a, m, lda, w, c, ldc);
    else
        ncm_i8_portable(a, m, lda, w, c, ldc);
}

void ncm_fire_bits(ncm_kernel kernel, const int32_t *s, int64_t lds, int npos, const int32_t *sign,
                   const int32_t *val, int n, uint64_t *out, int cw)
{
    if (avx2_form(kernel)) {
        ncm_fire_bits_avx2(s, lds, npos, sign, val, n, out, cw);
        return;
    }
    memset(out, 0, (size_t)npos * cw * sizeof *out);
    for (int p = 0; p < npos; p++)
        for (int c = 0; c < n; c++)
            if (sign[c] * s[p * lds + c] >= val[c])
                out[(int64_t)p * cw + c / 64] |= 1ull << (c % 64);
}
