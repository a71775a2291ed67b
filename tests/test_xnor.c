/* Tests of the bit-packed binary products (xnor.h): every kernel the CPU supports must equal the
 * portable reference, and the reference must equal the +-1 dot product by definition, on
 * randomized shapes: widths that are not multiples of 64 or 512, batch 1, a single neuron, and
 * any thread count. The first layer's 8-bit product (xnor_kernels.h) likewise: its AVX2 kernel
 * equals its portable one, which equals sum_t pixel_t * (+-1 of the weight bit), odd widths,
 * partial blocks of rows and neurons, and sums far beyond 16 bits included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/xnor_kernels.h"
#include "nanocim/rng.h"
#include "nanocim/xnor.h"

typedef struct {
    int m, n, k;
} shape;

static const shape shapes[] = {{1, 1, 1},      {1, 1, 64},     {1, 8, 65},      {2, 9, 63},
                               {6, 32, 512},   {7, 33, 513},   {13, 100, 1000}, {1, 1024, 1024},
                               {64, 40, 4096}, {25, 17, 3000}, {5, 3, 127},     {48, 64, 576}};

static uint64_t *random_bits(ncm_rng *r, int rows, int k, int words)
{
    uint64_t *b = calloc((size_t)rows * words, sizeof(uint64_t));
    for (int i = 0; i < rows; i++)
        for (int q = 0; q < words; q++) {
            uint64_t v = ncm_rng_u64(r);
            if (q == (k - 1) / 64 && k % 64) /* bits past k are zero, words past them too */
                v &= (1ull << (k % 64)) - 1;
            if (q > (k - 1) / 64)
                v = 0;
            b[(int64_t)i * words + q] = v;
        }
    return b;
}

static int bit(const uint64_t *row, int j)
{
    return (int)(row[j / 64] >> (j % 64) & 1);
}

static void reference_equals_definition_of_the_dot_product(void **state)
{
    (void)state;
    ncm_rng r;
    ncm_rng_init(&r, 5, 0);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const shape sh = shapes[s];
        const int words = (sh.k + 63) / 64, lda = words + 1; /* a stride wider than the row */
        uint64_t *a = random_bits(&r, sh.m, sh.k, lda), *wr = random_bits(&r, sh.n, sh.k, words);
        ncm_bmat w;
        assert_int_equal(ncm_bmat_pack(&w, wr, sh.n, sh.k, words, NULL), NCM_OK);
        int32_t *c = calloc((size_t)sh.m * w.n8, sizeof(int32_t));
        ncm_xnor_gemm(NCM_KERNEL_PORTABLE, a, sh.m, lda, &w, c, w.n8, 1);
        for (int i = 0; i < sh.m; i++)
            for (int j = 0; j < sh.n; j++) {
                int dot = 0;
                for (int b = 0; b < sh.k; b++)
                    dot +=
                        (bit(a + (int64_t)i * lda, b) == bit(wr + (int64_t)j * words, b)) ? 1 : -1;
                assert_int_equal(c[(int64_t)i * w.n8 + j], dot);
                assert_int_equal(ncm_bmat_bit(&w, j, sh.k - 1),
                                 bit(wr + (int64_t)j * words, sh.k - 1));
            }
        free(a), free(wr), free(c);
        ncm_bmat_free(&w);
    }
}

static void every_kernel_equals_the_reference(void **state)
{
    (void)state;
    ncm_rng r;
    ncm_rng_init(&r, 6, 0);
    int tested = 0;
    for (int kern = NCM_KERNEL_AVX2; kern <= NCM_KERNEL_AVX512; kern++) {
        if (!ncm_kernel_supported((ncm_kernel)kern)) {
            printf("kernel %s: not supported by this CPU, not tested\n",
                   ncm_kernel_name((ncm_kernel)kern));
            continue;
        }
        tested++;
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
            for (int threads = 1; threads <= 2; threads++) {
                const shape sh = shapes[s];
                const int words = (sh.k + 63) / 64;
                uint64_t *a = random_bits(&r, sh.m, sh.k, words);
                uint64_t *wr = random_bits(&r, sh.n, sh.k, words);
                ncm_bmat w;
                assert_int_equal(ncm_bmat_pack(&w, wr, sh.n, sh.k, words, NULL), NCM_OK);
                int32_t *c0 = calloc((size_t)sh.m * w.n8, sizeof(int32_t));
                int32_t *c1 = calloc((size_t)sh.m * w.n8, sizeof(int32_t));
                ncm_xnor_gemm(NCM_KERNEL_PORTABLE, a, sh.m, words, &w, c0, w.n8, 1);
                ncm_xnor_gemm((ncm_kernel)kern, a, sh.m, words, &w, c1, w.n8, threads);
                for (int i = 0; i < sh.m; i++)
                    assert_memory_equal(c0 + (int64_t)i * w.n8, c1 + (int64_t)i * w.n8,
                                        sizeof(int32_t) * sh.n);
                free(a), free(wr), free(c0), free(c1);
                ncm_bmat_free(&w);
            }
    }
    printf("%d vector kernel(s) checked against the reference\n", tested);
}

static void kernel_names_parse_and_env_forces_a_kernel(void **state)
{
    (void)state;
    assert_int_equal(ncm_kernel_parse("portable"), NCM_KERNEL_PORTABLE);
    assert_int_equal(ncm_kernel_parse("AVX512"), NCM_KERNEL_AVX512);
    assert_int_equal(ncm_kernel_parse("sse9"), -1);
    setenv("NCM_KERNEL", "portable", 1);
    assert_int_equal(ncm_kernel_select(NULL), NCM_KERNEL_PORTABLE);
    const char *why;
    setenv("NCM_KERNEL", "sse9", 1);
    ncm_kernel k = ncm_kernel_select(&why);
    assert_non_null(why);
    assert_true(ncm_kernel_supported(k));
    unsetenv("NCM_KERNEL");
}

static void packing_refuses_bad_shapes(void **state)
{
    (void)state;
    uint64_t rows[4] = {0};
    ncm_bmat w;
    ncm_error err;
    assert_int_equal(ncm_bmat_pack(&w, rows, 0, 10, 1, &err), NCM_ERR_ARG);
    assert_int_equal(ncm_bmat_pack(&w, rows, 1, 65, 1, &err), NCM_ERR_ARG);
}

/* The 8-bit product against its definition, for the portable and (when the CPU has it) the AVX2
 * kernel. Rows are read at a stride larger than k, and the last row ends the buffer exactly, so
 * an odd width read one byte too far shows under AddressSanitizer. */
static void i8_product_equals_definition(void **state)
{
    (void)state;
    static const shape s8[] = {{1, 1, 1},    {1, 16, 2},    {3, 17, 3},      {4, 48, 9},
                               {5, 49, 27},  {9, 100, 127}, {64, 1024, 784}, {7, 33, 129},
                               {4, 47, 128}, {2, 3, 1999}};
    ncm_rng r;
    ncm_rng_init(&r, 31, 0);
    for (size_t t = 0; t < sizeof s8 / sizeof *s8; t++) {
        const int m = s8[t].m, n = s8[t].n, k = s8[t].k, lda = k + 3, words = (k + 63) / 64;
        for (int extreme = 0; extreme < 3; extreme++) {
            uint64_t *wb = random_bits(&r, n, k, words);
            const size_t abytes = (size_t)(m - 1) * lda + k;
            uint8_t *a = malloc(abytes);
            for (size_t i = 0; i < abytes; i++)
                a[i] = extreme ? 255 : (uint8_t)ncm_rng_u32(&r);
            if (extreme) /* all +1 (extreme 1) or all -1 (extreme 2): sums of 255 k */
                for (int j = 0; j < n; j++)
                    for (int q = 0; q < words; q++)
                        wb[(int64_t)j * words + q] =
                            extreme == 1 ? (q < k / 64 ? ~0ull : (1ull << (k % 64)) - 1) : 0;
            ncm_i8mat w;
            ncm_error err;
            assert_int_equal(ncm_i8mat_pack(&w, wb, n, k, words, &err), NCM_OK);
            int32_t *want = malloc((size_t)m * n * sizeof(int32_t));
            int32_t *got = malloc((size_t)m * (n + 5) * sizeof(int32_t));
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    int64_t sum = 0;
                    for (int q = 0; q < k; q++)
                        sum += a[(size_t)i * lda + q] * (2 * bit(wb + (int64_t)j * words, q) - 1);
                    want[i * n + j] = (int32_t)sum;
                }
            for (int kern = 0; kern < 2; kern++) {
                if (kern == 1 && !ncm_kernel_supported(NCM_KERNEL_AVX2))
                    continue;
                memset(got, 0x5a, (size_t)m * (n + 5) * sizeof(int32_t));
                if (kern == 0)
                    ncm_i8_portable(a, m, lda, &w, got, n + 5);
                else
                    ncm_i8_avx2(a, m, lda, &w, got, n + 5);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++)
                        if (got[i * (n + 5) + j] != want[i * n + j])
                            fail_msg("%s kernel, %dx%dx%d (%d): c[%d][%d] = %d, want %d",
                                     kern ? "avx2" : "portable", m, n, k, extreme, i, j,
                                     got[i * (n + 5) + j], want[i * n + j]);
                    for (int j = n; j < n + 5; j++) /* nothing written past the n neurons */
                        assert_int_equal(got[i * (n + 5) + j], 0x5a5a5a5a);
                }
            }
            free(want);
            free(got);
            free(a);
            free(wb);
            ncm_i8mat_free(&w);
        }
    }
}

/* The vector threshold equals "a >= T" (dir +1) and "a <= T" (dir -1), extreme thresholds and
 * partial words included, and sets no bit past n. */
static void fire_bits_equal_the_thresholds(void **state)
{
    (void)state;
    ncm_rng r;
    ncm_rng_init(&r, 5, 0);
    static const int ns[] = {1, 7, 8, 9, 63, 64, 65, 200};
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        const int n = ns[t], cw = (n + 63) / 64, n8 = (n + 7) / 8 * 8;
        int32_t *sv = calloc((size_t)n8, sizeof(int32_t)),
                *sign = malloc(cw * 64 * sizeof(int32_t));
        int32_t *val = malloc(cw * 64 * sizeof(int32_t)), *thr = malloc(n * sizeof(int32_t));
        int8_t *dir = malloc((size_t)n);
        for (int c = 0; c < cw * 64; c++) {
            sign[c] = 1;
            val[c] = INT32_MAX;
        }
        for (int c = 0; c < n; c++) {
            sv[c] = (int32_t)(ncm_rng_u32(&r) % 2001) - 1000;
            const uint32_t kind = ncm_rng_u32(&r) % 8;
            thr[c] = kind == 0   ? INT32_MIN
                     : kind == 1 ? INT32_MAX
                     : kind == 2 ? sv[c]
                                 : (int32_t)(ncm_rng_u32(&r) % 2001) - 1000;
            dir[c] = ncm_rng_u32(&r) % 2 ? 1 : -1;
            const int64_t v = (int64_t)dir[c] * thr[c];
            sign[c] = dir[c];
            val[c] = v > INT32_MAX ? INT32_MAX : (int32_t)v;
        }
        for (int kern = 0; kern < 2; kern++) {
            if (kern == 1 && !ncm_kernel_supported(NCM_KERNEL_AVX2))
                continue;
            uint64_t out[4];
            memset(out, 0xff, sizeof out);
            ncm_fire_bits(kern ? NCM_KERNEL_AVX2 : NCM_KERNEL_PORTABLE, sv, n8, 1, sign, val, n,
                          out, cw);
            for (int c = 0; c < cw * 64; c++) {
                const int want = c < n && (dir[c] > 0 ? sv[c] >= thr[c] : sv[c] <= thr[c]);
                if ((int)(out[c / 64] >> (c % 64) & 1) != want)
                    fail_msg("%s, n %d: neuron %d bit %d, want %d", kern ? "avx2" : "portable", n,
                             c, !want, want);
            }
        }
        free(sv);
        free(sign);
        free(val);
        free(thr);
        free(dir);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_equals_definition_of_the_dot_product),
        cmocka_unit_test(every_kernel_equals_the_reference),
        cmocka_unit_test(kernel_names_parse_and_env_forces_a_kernel),
        cmocka_unit_test(packing_refuses_bad_shapes),
        cmocka_unit_test(i8_product_equals_definition),
        cmocka_unit_test(fire_bits_equal_the_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
