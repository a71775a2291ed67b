/* Tests of the thread-count-independent matrix product (src/util/gemm.h) and of training at a
 * size that is really threaded: the product against a plain double-precision reference for every
 * transpose, its blocks a function of the shape only, its bits the same for 1, 2 and 3 threads;
 * and one epoch of an MLP and of a CNN on Fashion-MNIST writing the same checkpoint, byte for
 * byte, with 1, 2 and 3 threads (skipped without Debian's dataset-fashion-mnist). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <omp.h>

#include "nanocim/bnn.h"
#include "nanocim/config.h"
#include "nanocim/dataset.h"
#include "nanocim/rng.h"
#include "testdir.h"
#include "util/gemm.h"
#include "util/io.h"

static float *random_matrix(long n, uint64_t stream)
{
    float *x = malloc(sizeof(float) * (size_t)n);
    assert_non_null(x);
    ncm_rng r;
    ncm_rng_init(&r, 99, stream);
    for (long i = 0; i < n; i++)
        x[i] = (float)(ncm_rng_uniform(&r) - 0.5);
    return x;
}

/* op(X)[i][j] of a row-major matrix with leading dimension ld. */
static double at(const float *x, int trans, int ld, int i, int j)
{
    return trans ? x[(long)j * ld + i] : x[(long)i * ld + j];
}

typedef struct {
    int m, n, k, ta, tb;
} shape;

/* Odd sizes across the 16-wide block edges; the last ones are big enough to be cut. */
static const shape shapes[] = {
    {1, 1, 1, 0, 0},       {17, 5, 33, 1, 0},      {67, 45, 131, 0, 1},    {10, 1024, 100, 0, 1},
    {300, 100, 257, 0, 0}, {1024, 100, 784, 0, 0}, {784, 100, 1024, 1, 0}, {64, 3000, 150, 1, 1},
};

static void blocks_tile_the_output_and_depend_on_the_shape_only(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const shape *q = &shapes[s];
        int bm, bn, bm2, bn2;
        ncm_sgemm_blocks(q->m, q->n, q->k, &bm, &bn);
        omp_set_num_threads(1);
        ncm_sgemm_blocks(q->m, q->n, q->k, &bm2, &bn2);
        omp_set_num_threads(2);
        assert_int_equal(bm, bm2);
        assert_int_equal(bn, bn2);
        assert_true(bm >= 1 && bm <= q->m && bn >= 1 && bn <= q->n);
        /* Only one side is cut, in multiples of 16. */
        assert_true(bm == q->m || bn == q->n);
        assert_true(bm == q->m || bm % 16 == 0);
        assert_true(bn == q->n || bn % 16 == 0);
    }
    int bm, bn;
    ncm_sgemm_blocks(1024, 100, 784, &bm, &bn);
    assert_true(bm < 1024); /* the training's big products are really cut */
}

static void run(const shape *q, int threads, const float *a, const float *b, float beta, float *c)
{
    const int lda = q->ta ? q->m : q->k, ldb = q->tb ? q->k : q->n;
    ncm_set_threads(threads);
    ncm_sgemm(q->ta ? CblasTrans : CblasNoTrans, q->tb ? CblasTrans : CblasNoTrans, q->m, q->n,
              q->k, 0.75f, a, lda, b, ldb, beta, c, q->n);
    ncm_set_threads(2);
}

static void product_matches_the_reference_with_the_same_bits_for_any_thread_count(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const shape *q = &shapes[s];
        const long mn = (long)q->m * q->n;
        float *a = random_matrix((long)q->m * q->k, 2 * s);
        float *b = random_matrix((long)q->k * q->n, 2 * s + 1);
        float *c0 = random_matrix(mn, 1000 + s);
        float *c[3];
        for (int t = 0; t < 3; t++) {
            c[t] = malloc(sizeof(float) * (size_t)mn);
            memcpy(c[t], c0, sizeof(float) * (size_t)mn);
            run(q, t + 1, a, b, s % 2 ? 0.5f : 0.0f, c[t]);
        }
        const int lda = q->ta ? q->m : q->k, ldb = q->tb ? q->k : q->n;
        double worst = 0.0;
        for (int i = 0; i < q->m; i++)
            for (int j = 0; j < q->n; j++) {
                double r = (s % 2 ? 0.5 : 0.0) * c0[(long)i * q->n + j];
                for (int l = 0; l < q->k; l++)
                    r += 0.75 * at(a, q->ta, lda, i, l) * at(b, q->tb, ldb, l, j);
                worst = fmax(worst, fabs(r - c[0][(long)i * q->n + j]));
            }
        assert_true(worst < 1e-4 * sqrt((double)q->k) + 1e-6);
        assert_memory_equal(c[0], c[1], sizeof(float) * (size_t)mn);
        assert_memory_equal(c[0], c[2], sizeof(float) * (size_t)mn);
        for (int t = 0; t < 3; t++)
            free(c[t]);
        free(a), free(b), free(c0);
    }
}

/* ---- training at a real size ------------------------------------------------------------- */

static ncm_dataset *g_train; /* the first images of Fashion-MNIST's training set, or NULL */

static int load_data(void **state)
{
    (void)state;
    ncm_error err;
    g_train = ncm_dataset_load("fashion-mnist", 1, &err);
    if (g_train)
        ncm_dataset_truncate(g_train, 3000);
    return testdir_create("test_gemm");
}

static int free_data(void **state)
{
    (void)state;
    ncm_dataset_free(g_train);
    return group_teardown(state);
}

/* One epoch of `arch` with `threads` threads; returns the checkpoint's bytes. */
static char *checkpoint_after_one_epoch(const char *arch_s, int threads, size_t *len)
{
    ncm_error err;
    ncm_arch arch;
    assert_int_equal(ncm_arch_parse(arch_s, 1, 28, 28, 10, &arch, &err), NCM_OK);
    ncm_train_opts o;
    ncm_train_opts_default(&o);
    o.epochs = 1;
    o.seed = 7;
    ncm_set_threads(threads);
    ncm_bnn *net = ncm_bnn_new(&arch, &o, 100, &err);
    assert_non_null(net);
    assert_int_equal(ncm_bnn_train_epoch(net, g_train, NULL, NULL, NULL, &err), NCM_OK);
    char name[32], *data;
    snprintf(name, sizeof name, "threads%d.ckpt", threads);
    const char *path = tpath(name);
    assert_int_equal(ncm_bnn_save_checkpoint(net, path, &err), NCM_OK);
    assert_int_equal(ncm_read_file(path, &data, len, &err), NCM_OK);
    remove(path);
    ncm_bnn_free(net);
    ncm_set_threads(2);
    return data;
}

static void same_training_for_1_2_and_3_threads(const char *arch)
{
    if (!g_train) {
        printf("[  SKIP    ] Fashion-MNIST not installed (Debian package dataset-fashion-mnist)\n");
        skip();
    }
    size_t len[3];
    char *ckpt[3];
    for (int t = 0; t < 3; t++)
        ckpt[t] = checkpoint_after_one_epoch(arch, t + 1, &len[t]);
    for (int t = 1; t < 3; t++) {
        assert_int_equal(len[0], len[t]);
        assert_memory_equal(ckpt[0], ckpt[t], len[0]);
    }
    for (int t = 0; t < 3; t++)
        free(ckpt[t]);
}

static void mlp_training_is_identical_for_1_2_and_3_threads(void **state)
{
    (void)state;
    same_training_for_1_2_and_3_threads("mlp:512,512");
}

static void cnn_training_is_identical_for_1_2_and_3_threads(void **state)
{
    (void)state;
    same_training_for_1_2_and_3_threads("cnn:16,p,32,p,f64");
}

int main(void)
{
    ncm_set_threads(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_tile_the_output_and_depend_on_the_shape_only),
        cmocka_unit_test(product_matches_the_reference_with_the_same_bits_for_any_thread_count),
        cmocka_unit_test(mlp_training_is_identical_for_1_2_and_3_threads),
        cmocka_unit_test(cnn_training_is_identical_for_1_2_and_3_threads),
    };
    return cmocka_run_group_tests(tests, load_data, free_data);
}
