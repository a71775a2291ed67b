/* Tests of binarized-network training and folding (bnn.h, model.h, packed.h): architecture
 * strings, the sgemm forward pass against a plain reference, batch-norm and softmax gradients
 * against finite differences, learning on generated and real data, folded integer inference
 * against the forward pass and packed-bit inference with every kernel against both (bit for
 * bit, negative and zero batch-norm scales included), reproducibility across thread counts, and
 * checkpoint/resume. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "nanocim/config.h"
#include "util/io.h"
#include "nanocim/metrics.h"
#include "nanocim/model.h"
#include "nanocim/packed.h"
#include "nanocim/rng.h"

static const char *tmpdir(void)
{
    const char *t = getenv("NCM_TEST_TMP");
    return t ? t : "/tmp";
}

/* Generated 4-class images (c x 8 x 8): class k has a bright 4x4 square in quadrant k, plus
 * noise, so a small network separates them well but not trivially. */
static ncm_dataset *make_quadrants(int64_t n, int c, uint64_t seed)
{
    uint8_t *pixels = malloc((size_t)(n * c * 64)), *labels = malloc((size_t)n);
    assert_non_null(pixels);
    assert_non_null(labels);
    ncm_rng r;
    ncm_rng_init(&r, seed, 7);
    for (int64_t i = 0; i < n; i++) {
        int k = (int)ncm_rng_below(&r, 4);
        labels[i] = (uint8_t)k;
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    int in = (y / 4) * 2 + x / 4 == k;
                    double v = (in ? 150.0 : 60.0) + 50.0 * ncm_rng_normal(&r);
                    pixels[((i * c + ch) * 8 + y) * 8 + x] = (uint8_t)(v < 0     ? 0
                                                                         : v > 255 ? 255
                                                                                   : v);
                }
    }
    ncm_error err;
    ncm_dataset *d = ncm_dataset_new(n, c, 8, 8, 4, pixels, labels, &err);
    assert_non_null(d);
    free(pixels);
    free(labels);
    return d;
}

static ncm_bnn *make_net(const char *spec, const ncm_dataset *d, int epochs, uint64_t seed)
{
    ncm_arch arch;
    ncm_error err;
    assert_int_equal(ncm_arch_parse(spec, d->c, d->h, d->w, d->n_classes, &arch, &err), NCM_OK);
    ncm_train_opts o;
    ncm_train_opts_default(&o);
    o.epochs = epochs;
    o.batch = 32;
    o.seed = seed;
    o.augment = 0;
    ncm_bnn *net = ncm_bnn_new(&arch, &o, 64, &err);
    assert_non_null(net);
    return net;
}

static void train_all(ncm_bnn *net, const ncm_dataset *d)
{
    ncm_error err;
    while (ncm_bnn_epoch(net) < ncm_bnn_opts(net)->epochs)
        assert_int_equal(ncm_bnn_train_epoch(net, d, NULL, NULL, NULL, &err), NCM_OK);
}

/* ---- architecture strings ---------------------------------------------------------------- */

static void arch_strings_parse_and_format_canonically(void **state)
{
    (void)state;
    const char *good[][2] = {{"mlp", "mlp:1024,1024"},
                             {"mlp:100,50", "mlp:100,50"},
                             {"cnn", "cnn:32,32,p,64,64,p,f256"},
                             {"cnn:8,p,16,p,f32", "cnn:8,p,16,p,f32"},
                             {"cnn:4", "cnn:4"}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        ncm_arch a;
        ncm_error err;
        assert_int_equal(ncm_arch_parse(good[i][0], 1, 28, 28, 10, &a, &err), NCM_OK);
        char buf[256];
        ncm_arch_format(&a, buf, sizeof buf);
        assert_string_equal(buf, good[i][1]);
        assert_int_equal(a.layer[a.n_layers - 1].out, 10);
    }
}

static void bad_arch_strings_are_refused_naming_the_field_not_an_option(void **state)
{
    (void)state;
    const char *bad[] = {"foo",    "mlp:0",     "mlp:abc",   "mlp:10,",
                         "cnn:p",  "cnn:f10,8", "cnn:8,p,p", "cnn:8,p,8,p,8,p,8,p,8,p",
                         "mlp:-5", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ncm_arch a;
        ncm_error err;
        assert_int_equal(ncm_arch_parse(bad[i], 1, 28, 28, 10, &a, &err), NCM_ERR_ARG);
        assert_int_equal(strncmp(err.msg, "arch ", 5), 0);
        assert_null(strstr(err.msg, "--"));
    }
}

/* ---- forward pass against a plain reference ---------------------------------------------- */

static float sgnf(float v)
{
    return v >= 0.0f ? 1.0f : -1.0f;
}

/* Evaluation-mode forward of one image by direct loops over the definition: binarized weights,
 * pixel - 128 input, 3x3 convolutions with the documented padding, 2x2 max-pool, batch norm
 * with running statistics, sign. */
static void reference_scores(ncm_bnn *net, const ncm_dataset *d, int64_t img, float *scores)
{
    const ncm_arch *a = ncm_bnn_arch(net);
    int c = a->in_c, h = a->in_h, w = a->in_w;
    float *x = malloc(sizeof(float) * 65536), *z = malloc(sizeof(float) * 65536);
    for (int i = 0; i < c * h * w; i++)
        x[i] = (float)(d->pixels[img * c * h * w + i] - NCM_PIXEL_OFFSET);
    for (int l = 0; l < a->n_layers; l++) {
        const ncm_layer_spec *L = &a->layer[l];
        const float *wl, *mean, *beta;
        float scale[1024];
        ncm_bnn_layer_params(net, l, &wl, &mean, scale, &beta);
        int oc = L->out, oh = h, ow = w;
        if (L->kind == NCM_LAYER_CONV) {
            float pad = l == 0 ? (float)NCM_PAD_INPUT : (float)NCM_PAD_BINARY;
            for (int o = 0; o < oc; o++)
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++) {
                        float s = 0;
                        for (int ci = 0; ci < c; ci++)
                            for (int ky = 0; ky < 3; ky++)
                                for (int kx = 0; kx < 3; kx++) {
                                    int ys = y + ky - 1, xs = xx + kx - 1;
                                    float v = (ys >= 0 && ys < h && xs >= 0 && xs < w)
                                                  ? x[(ci * h + ys) * w + xs]
                                                  : pad;
                                    s += v * sgnf(wl[(int64_t)o * c * 9 + ci * 9 + ky * 3 + kx]);
                                }
                        z[(o * h + y) * w + xx] = s;
                    }
            if (L->pool) {
                oh = h / 2, ow = w / 2;
                for (int o = 0; o < oc; o++)
                    for (int y = 0; y < oh; y++)
                        for (int xx = 0; xx < ow; xx++) {
                            const float *q = z + (o * h + 2 * y) * w + 2 * xx;
                            float m = fmaxf(fmaxf(q[0], q[1]), fmaxf(q[w], q[w + 1]));
                            z[(o * oh + y) * ow + xx] = m; /* in place: reads ahead only */
                        }
            }
        } else {
            int n = c * h * w;
            for (int o = 0; o < oc; o++) {
                float s = 0;
                for (int i = 0; i < n; i++)
                    s += x[i] * sgnf(wl[(int64_t)o * n + i]);
                z[o] = s;
            }
            oh = ow = 1;
        }
        int per = oh * ow;
        for (int i = 0; i < oc * per; i++) {
            float y = ncm_bn_apply(z[i], mean[i / per], scale[i / per], beta[i / per]);
            if (l == a->n_layers - 1)
                scores[i] = y;
            else
                x[i] = sgnf(y);
        }
        c = oc, h = oh, w = ow;
    }
    free(x);
    free(z);
}

static void check_forward_against_reference(const char *spec, int channels)
{
    ncm_dataset *d = make_quadrants(200, channels, 3);
    ncm_bnn *net = make_net(spec, d, 2, 5);
    train_all(net, d);
    int K = d->n_classes;
    int32_t *pred = malloc(sizeof(int32_t) * d->n);
    float *sc = malloc(sizeof(float) * d->n * K), ref[16];
    ncm_error err;
    assert_int_equal(ncm_bnn_predict(net, d, pred, sc, &err), NCM_OK);
    for (int64_t i = 0; i < d->n; i++) {
        reference_scores(net, d, i, ref);
        for (int k = 0; k < K; k++)
            assert_true(sc[i * K + k] == ref[k]); /* integer sums: exact */
    }
    free(pred);
    free(sc);
    ncm_bnn_free(net);
    ncm_dataset_free(d);
}

static void mlp_forward_equals_plain_reference(void **state)
{
    (void)state;
    check_forward_against_reference("mlp:24,17", 1);
}

static void cnn_forward_equals_plain_reference(void **state)
{
    (void)state;
    check_forward_against_reference("cnn:5,p,6,7,p,f9", 2);
}

/* ---- gradients --------------------------------------------------------------------------- */

/* The class layer's batch norm and the softmax cross-entropy are smooth: their analytic
 * gradients must match central differences. */
static void class_layer_gradients_match_finite_differences(void **state)
{
    (void)state;
    ncm_dataset *d = make_quadrants(40, 1, 11);
    ncm_bnn *net = make_net("mlp:16", d, 1, 2);
    int32_t idx[40];
    for (int i = 0; i < 40; i++)
        idx[i] = i;
    ncm_bn_view v = ncm_bnn_bn_view(net, 1);
    for (int c = 0; c < v.n; c++) { /* away from the initial symmetric point */
        v.gamma[c] = 0.5f + 0.3f * c;
        v.beta[c] = 0.1f * c - 0.2f;
    }
    ncm_bnn_batch_loss(net, d, idx, 40, 1);
    float gg[4], gb[4];
    memcpy(gg, v.ggamma, sizeof gg);
    memcpy(gb, v.gbeta, sizeof gb);
    const float h = 1e-2f;
    for (int c = 0; c < v.n; c++) {
        float *params[2] = {&v.gamma[c], &v.beta[c]};
        float analytic[2] = {gg[c], gb[c]}; /* of the mean loss */
        for (int p = 0; p < 2; p++) {
            float keep = *params[p];
            *params[p] = keep + h;
            double lp = ncm_bnn_batch_loss(net, d, idx, 40, 0);
            *params[p] = keep - h;
            double lm = ncm_bnn_batch_loss(net, d, idx, 40, 0);
            *params[p] = keep;
            double numeric = (lp - lm) / (2.0 * h);
            assert_true(fabs(numeric - analytic[p]) <= 2e-3 + 2e-2 * fabs(numeric));
        }
    }
    ncm_bnn_free(net);
    ncm_dataset_free(d);
}

/* ---- learning ---------------------------------------------------------------------------- */

static double train_and_score(const char *spec, int epochs)
{
    ncm_dataset *train = make_quadrants(2000, 1, 21), *test = make_quadrants(500, 1, 22);
    ncm_bnn *net = make_net(spec, train, epochs, 3);
    train_all(net, train);
    int32_t *pred = malloc(sizeof(int32_t) * test->n);
    ncm_error err;
    assert_int_equal(ncm_bnn_predict(net, test, pred, NULL, &err), NCM_OK);
    double acc = ncm_accuracy(pred, test->labels, test->n);
    free(pred);
    ncm_bnn_free(net);
    ncm_dataset_free(train);
    ncm_dataset_free(test);
    return acc;
}

static void mlp_learns_generated_classes(void **state)
{
    (void)state;
    assert_true(train_and_score("mlp:64", 3) >= 0.95);
}

static void cnn_learns_generated_classes(void **state)
{
    (void)state;
    assert_true(train_and_score("cnn:8,p,8,p,f32", 3) >= 0.95);
}

/* Known bound on real data: a small BNN MLP on 10,000 Fashion-MNIST images for 3 epochs reaches
 * well above 80 % on 2,000 test images (the full 30-epoch run reaches about 89 %). */
static void mlp_learns_fashion_mnist(void **state)
{
    (void)state;
    ncm_dataset *train = NULL, *test = NULL;
    ncm_error err;
    if (!(train = ncm_dataset_load("fashion-mnist", 1, &err))) {
        printf(
            "[  SKIP    ] Fashion-MNIST not installed (Debian package dataset-fashion-mnist): %s\n",
            err.msg);
        skip();
    }
    assert_non_null(test = ncm_dataset_load("fashion-mnist", 0, &err));
    ncm_dataset_truncate(train, 10000);
    ncm_dataset_truncate(test, 2000);
    ncm_arch arch;
    assert_int_equal(ncm_arch_parse("mlp:256", 1, 28, 28, 10, &arch, &err), NCM_OK);
    ncm_train_opts o;
    ncm_train_opts_default(&o);
    o.epochs = 3;
    o.augment = 0;
    o.lr_end = 1e-3f;
    ncm_bnn *net = ncm_bnn_new(&arch, &o, 500, &err);
    train_all(net, train);
    int32_t *pred = malloc(sizeof(int32_t) * test->n);
    assert_int_equal(ncm_bnn_predict(net, test, pred, NULL, &err), NCM_OK);
    double acc = ncm_accuracy(pred, test->labels, test->n);
    printf("fashion-mnist mlp:256, 3 epochs on 10k images: test accuracy %.4f\n", acc);
    assert_true(acc >= 0.80);
    free(pred);
    ncm_bnn_free(net);
    ncm_dataset_free(train);
    ncm_dataset_free(test);
}

/* ---- folding ----------------------------------------------------------------------------- */

static void check_folded(ncm_bnn *net, const ncm_dataset *d)
{
    ncm_model *m = NULL;
    ncm_error err;
    assert_non_null(m = ncm_model_fold(net, "{}", &err));
    const int K = d->n_classes;
    int32_t *p1 = malloc(sizeof(int32_t) * d->n), *p2 = malloc(sizeof(int32_t) * d->n);
    float *s1 = malloc(sizeof(float) * d->n * K), *s2 = malloc(sizeof(float) * d->n * K);
    assert_int_equal(ncm_bnn_predict(net, d, p1, s1, &err), NCM_OK);
    assert_int_equal(ncm_model_predict(m, d, p2, s2, &err), NCM_OK);
    assert_memory_equal(p1, p2, sizeof(int32_t) * d->n);
    assert_memory_equal(s1, s2, sizeof(float) * d->n * K);
    /* the packed engine, with every kernel this CPU has, gives the same scores */
    for (int kern = NCM_KERNEL_PORTABLE; kern <= NCM_KERNEL_AVX512; kern++) {
        if (!ncm_kernel_supported((ncm_kernel)kern))
            continue;
        ncm_packed *pk = ncm_packed_new(m, (ncm_kernel)kern, &err);
        assert_non_null(pk);
        memset(s2, 0, sizeof(float) * d->n * K);
        assert_int_equal(ncm_packed_predict(pk, d, p2, s2, &err), NCM_OK);
        assert_memory_equal(p1, p2, sizeof(int32_t) * d->n);
        assert_memory_equal(s1, s2, sizeof(float) * d->n * K);
        ncm_packed_free(pk);
    }
    /* and through the file */
    char path[512];
    snprintf(path, sizeof path, "%s/fold_test.ncm", tmpdir());
    assert_int_equal(ncm_model_save(m, path, &err), NCM_OK);
    ncm_model *m2 = NULL;
    assert_non_null(m2 = ncm_model_load(path, &err));
    assert_int_equal(ncm_model_predict(m2, d, p2, s2, &err), NCM_OK);
    assert_memory_equal(p1, p2, sizeof(int32_t) * d->n);
    assert_memory_equal(s1, s2, sizeof(float) * d->n * K);
    assert_string_equal(m2->meta, "{}");
    ncm_model_free(m2);
    remove(path);
    free(p1), free(p2), free(s1), free(s2);
    ncm_model_free(m);
}

/* Random batch-norm states, with negative, zero and tiny scales and offsets that put thresholds
 * right on integer sums, must still fold exactly. */
static void scramble_bn(ncm_bnn *net, uint64_t seed)
{
    ncm_rng r;
    ncm_rng_init(&r, seed, 1);
    for (int l = 0; l < ncm_bnn_arch(net)->n_layers; l++) {
        ncm_bn_view v = ncm_bnn_bn_view(net, l);
        for (int c = 0; c < v.n; c++) {
            uint32_t kind = ncm_rng_below(&r, 5);
            v.gamma[c] = kind == 0 ? 0.0f : (float)ncm_rng_normal(&r);
            v.rmean[c] = kind == 1 ? (float)((int)ncm_rng_below(&r, 9) - 4)
                                   : (float)(3.0 * ncm_rng_normal(&r));
            v.rvar[c] = (float)(0.01 + 30.0 * ncm_rng_uniform(&r));
            v.beta[c] = kind == 1 ? 0.0f : (float)ncm_rng_normal(&r);
        }
    }
}

static void folded_mlp_equals_forward_pass(void **state)
{
    (void)state;
    ncm_dataset *d = make_quadrants(300, 1, 8);
    ncm_bnn *net = make_net("mlp:33,65", d, 2, 9);
    train_all(net, d);
    check_folded(net, d);
    for (uint64_t s = 0; s < 5; s++) {
        scramble_bn(net, s);
        check_folded(net, d);
    }
    ncm_bnn_free(net);
    ncm_dataset_free(d);
}

static void folded_deep_cnn_equals_forward_pass(void **state)
{
    (void)state;
    ncm_dataset *d = make_quadrants(100, 1, 12);
    ncm_bnn *net = make_net("cnn:70,65,p,3,f130,f64", d, 1, 13);
    train_all(net, d);
    check_folded(net, d);
    scramble_bn(net, 99);
    check_folded(net, d);
    ncm_bnn_free(net);
    ncm_dataset_free(d);
}

static void folded_cnn_equals_forward_pass(void **state)
{
    (void)state;
    ncm_dataset *d = make_quadrants(200, 3, 8);
    ncm_bnn *net = make_net("cnn:7,p,8,f12", d, 2, 9);
    train_all(net, d);
    check_folded(net, d);
    for (uint64_t s = 0; s < 3; s++) {
        scramble_bn(net, 10 + s);
        check_folded(net, d);
    }
    ncm_bnn_free(net);
    ncm_dataset_free(d);
}

/* ---- reproducibility --------------------------------------------------------------------- */

static void read_all(const char *path, char **data, size_t *len)
{
    ncm_error err;
    assert_int_equal(ncm_read_file(path, data, len, &err), NCM_OK);
}

static void train_to_checkpoint(int threads, int split, const char *path)
{
    ncm_set_threads(threads);
    ncm_dataset *d = make_quadrants(300, 1, 4);
    ncm_arch arch;
    ncm_error err;
    assert_int_equal(ncm_arch_parse("cnn:6,p,f20", 1, 8, 8, 4, &arch, &err), NCM_OK);
    ncm_train_opts o;
    ncm_train_opts_default(&o);
    o.epochs = 2;
    o.batch = 50;
    o.flip_p = 0.01f; /* exercise error-aware training too */
    ncm_bnn *net = ncm_bnn_new(&arch, &o, 50, &err);
    assert_int_equal(ncm_bnn_train_epoch(net, d, NULL, NULL, NULL, &err), NCM_OK);
    if (split) { /* stop after one epoch and resume from the checkpoint */
        assert_int_equal(ncm_bnn_save_checkpoint(net, path, &err), NCM_OK);
        ncm_bnn_free(net);
        net = ncm_bnn_load_checkpoint(path, 50, &err);
        assert_non_null(net);
        assert_int_equal(ncm_bnn_epoch(net), 1);
    }
    assert_int_equal(ncm_bnn_train_epoch(net, d, NULL, NULL, NULL, &err), NCM_OK);
    assert_int_equal(ncm_bnn_train_epoch(net, d, NULL, NULL, NULL, &err), NCM_ERR_STATE);
    assert_int_equal(ncm_bnn_save_checkpoint(net, path, &err), NCM_OK);
    ncm_bnn_free(net);
    ncm_dataset_free(d);
    ncm_set_threads(2);
}

static void same_checkpoint(const char *a, const char *b)
{
    char *da, *db;
    size_t la, lb;
    read_all(a, &da, &la);
    read_all(b, &db, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    free(da);
    free(db);
}

static void training_is_identical_for_one_and_two_threads(void **state)
{
    (void)state;
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/threads1.ckpt", tmpdir());
    snprintf(b, sizeof b, "%s/threads2.ckpt", tmpdir());
    train_to_checkpoint(1, 0, a);
    train_to_checkpoint(2, 0, b);
    same_checkpoint(a, b);
    remove(a);
    remove(b);
}

static void resumed_training_equals_uninterrupted_training(void **state)
{
    (void)state;
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/straight.ckpt", tmpdir());
    snprintf(b, sizeof b, "%s/resumed.ckpt", tmpdir());
    train_to_checkpoint(2, 0, a);
    train_to_checkpoint(2, 1, b);
    same_checkpoint(a, b);
    remove(a);
    remove(b);
}

static void training_options_out_of_range_are_refused(void **state)
{
    (void)state;
    ncm_train_opts o;
    ncm_error err;
    ncm_train_opts_default(&o);
    assert_int_equal(ncm_train_opts_check(&o, &err), NCM_OK);
    o.lr = NAN;
    assert_int_equal(ncm_train_opts_check(&o, &err), NCM_ERR_ARG);
    assert_int_equal(strncmp(err.msg, "lr ", 3), 0);
    assert_null(strstr(err.msg, "--"));
    ncm_train_opts_default(&o);
    o.epochs = 0;
    assert_int_equal(ncm_train_opts_check(&o, &err), NCM_ERR_ARG);
    assert_int_equal(strncmp(err.msg, "epochs ", 7), 0);
    assert_null(strstr(err.msg, "--"));
    ncm_train_opts_default(&o);
    o.flip_p = 0.7f;
    assert_int_equal(ncm_train_opts_check(&o, &err), NCM_ERR_ARG);
    assert_int_equal(strncmp(err.msg, "flip_p ", 7), 0);
    assert_null(strstr(err.msg, "--"));
}

int main(void)
{
    ncm_set_threads(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arch_strings_parse_and_format_canonically),
        cmocka_unit_test(bad_arch_strings_are_refused_naming_the_field_not_an_option),
        cmocka_unit_test(mlp_forward_equals_plain_reference),
        cmocka_unit_test(cnn_forward_equals_plain_reference),
        cmocka_unit_test(class_layer_gradients_match_finite_differences),
        cmocka_unit_test(mlp_learns_generated_classes),
        cmocka_unit_test(cnn_learns_generated_classes),
        cmocka_unit_test(mlp_learns_fashion_mnist),
        cmocka_unit_test(folded_mlp_equals_forward_pass),
        cmocka_unit_test(folded_cnn_equals_forward_pass),
        cmocka_unit_test(folded_deep_cnn_equals_forward_pass),
        cmocka_unit_test(training_is_identical_for_one_and_two_threads),
        cmocka_unit_test(resumed_training_equals_uninterrupted_training),
        cmocka_unit_test(training_options_out_of_range_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
