/* Tests of the bit-packed binary products (xnor.h): every kernel the CPU supports must equal the
 * portable reference, and the reference must equal the +-1 dot product by definition, on
 * randomized shapes: widths that are not multiples of 64 or 512, batch 1, a single neuron, and
 * any thread count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_equals_definition_of_the_dot_product),
        cmocka_unit_test(every_kernel_equals_the_reference),
        cmocka_unit_test(kernel_names_parse_and_env_forces_a_kernel),
        cmocka_unit_test(packing_refuses_bad_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
