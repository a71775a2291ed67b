/* Tests of the in-memory chip's fault injection and its Monte Carlo (chip.h): no faults equal
 * the error-free packed engine bit for bit, geometric skipping draws Binomial(n, p) flips and
 * never touches padding bits, faults are static per chip and differ between chips, per-layer
 * rates and stuck bits are honoured, results do not depend on the thread count, bad parameters
 * are refused naming the field, cancellation, and the JSON and CSV writers. */
#define _XOPEN_SOURCE 700 /* nftw (testdir.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "imc/imc_internal.h"
#include "nanocim/chip.h"
#include "nanocim/config.h"
#include "nanocim/packed.h"
#include "nanocim/rng.h"
#include "testdir.h"

/* A model of architecture spec for c x h x w images and 4 classes with random weight bits (zero
 * padding), thresholds near the middle of each sum's range and random class-layer maps. */
static ncm_model *random_model(const char *spec, int c, int h, int w, uint64_t seed)
{
    ncm_error err;
    ncm_arch arch;
    assert_int_equal(ncm_arch_parse(spec, c, h, w, 4, &arch, &err), NCM_OK);
    ncm_model *m = ncm_model_alloc(&arch, &err);
    assert_non_null(m);
    ncm_rng r;
    ncm_rng_init(&r, seed, 0);
    for (int l = 0; l < m->n_layers; l++) {
        ncm_model_layer *L = &m->layer[l];
        for (int o = 0; o < L->cout; o++) {
            uint64_t *row = L->wbits + (int64_t)o * L->words;
            for (int j = 0; j < L->fan_in; j++)
                if (ncm_rng_u32(&r) & 1)
                    row[j / 64] |= 1ull << (j % 64);
            const int spread = (int)sqrt((double)L->fan_in) * (L->first ? 64 : 1) + 1;
            if (L->last) {
                L->mean[o] = (float)(ncm_rng_normal(&r) * spread);
                L->scale[o] = (float)ncm_rng_normal(&r);
                L->beta[o] = (float)ncm_rng_normal(&r);
            } else {
                L->thresh[o] = (int32_t)ncm_rng_below(&r, 2u * (unsigned)spread) - spread;
                L->dir[o] = (ncm_rng_u32(&r) & 1) ? 1 : -1;
            }
        }
    }
    assert_int_equal(ncm_model_validate(m, "random model", &err), NCM_OK);
    return m;
}

/* n random c x h x w images with labels in [0, 4). */
static ncm_dataset *random_data(int64_t n, int c, int h, int w, uint64_t seed)
{
    const size_t px = (size_t)n * (size_t)(c * h * w);
    uint8_t *pixels = malloc(px), *labels = malloc((size_t)n);
    assert_non_null(pixels);
    assert_non_null(labels);
    ncm_rng r;
    ncm_rng_init(&r, seed, 1);
    for (size_t i = 0; i < px; i++)
        pixels[i] = (uint8_t)ncm_rng_u32(&r);
    for (int64_t i = 0; i < n; i++)
        labels[i] = (uint8_t)ncm_rng_below(&r, 4);
    ncm_error err;
    ncm_dataset *d = ncm_dataset_new(n, c, h, w, 4, pixels, labels, &err);
    assert_non_null(d);
    free(pixels);
    free(labels);
    return d;
}

/* Padding bits past fan_in of every row are zero. */
static int padding_clear(const uint64_t *wbits, int cout, int fan_in, int words)
{
    if (fan_in % 64 == 0)
        return 1;
    for (int o = 0; o < cout; o++)
        if (wbits[(int64_t)o * words + words - 1] >> (fan_in % 64))
            return 0;
    return 1;
}

static void no_faults_equal_the_error_free_packed_engine_bit_for_bit(void **state)
{
    (void)state;
    const char *specs[] = {"mlp:40,24", "cnn:6,p,f20"};
    for (int s = 0; s < 2; s++) {
        ncm_model *m = random_model(specs[s], 1, 7, 7, 11 + s);
        ncm_dataset *d = random_data(300, 1, 7, 7, 5);
        ncm_error err;
        ncm_packed *pk = ncm_packed_new(m, NCM_KERNEL_AUTO, &err);
        assert_non_null(pk);
        int32_t *p0 = malloc(300 * sizeof *p0), *p1 = malloc(300 * sizeof *p1);
        float *s0 = malloc(300 * 4 * sizeof *s0), *s1 = malloc(300 * 4 * sizeof *s1);
        assert_int_equal(ncm_packed_predict(pk, d, p0, s0, &err), NCM_OK);
        ncm_chip_faults f;
        ncm_chip_faults_default(&f);
        ncm_chip *c = ncm_chip_new(m, &f, 42, 3, NCM_KERNEL_AUTO, &err);
        assert_non_null(c);
        assert_int_equal(ncm_chip_predict(c, d, p1, s1, &err), NCM_OK);
        assert_memory_equal(p0, p1, 300 * sizeof *p0);
        assert_memory_equal(s0, s1, 300 * 4 * sizeof *s0);
        for (int l = 0; l < m->n_layers; l++) {
            assert_int_equal(ncm_chip_flips(c, l), 0);
            assert_int_equal(ncm_chip_bits(c, l), (int64_t)m->layer[l].cout * m->layer[l].fan_in);
        }
        ncm_chip_free(c);
        free(p0), free(p1), free(s0), free(s1);
        ncm_packed_free(pk);
        ncm_dataset_free(d);
        ncm_model_free(m);
    }
}

static void geometric_skipping_draws_binomial_flips_and_spares_padding(void **state)
{
    (void)state;
    const int cout = 50, fan_in = 1000, words = (fan_in + 63) / 64, R = 400;
    const double p = 0.01, n = (double)cout * fan_in;
    uint64_t *w = malloc((size_t)cout * words * sizeof *w);
    assert_non_null(w);
    double s = 0, ss = 0;
    for (int rep = 0; rep < R; rep++) {
        memset(w, 0, (size_t)cout * words * sizeof *w);
        ncm_rng r;
        ncm_rng_init(&r, 9, (uint64_t)rep);
        int64_t k = ncm_imc_fault_layer(w, cout, fan_in, words, p, NCM_IMC_FLIP, &r);
        int64_t pop = 0;
        for (int i = 0; i < cout * words; i++)
            pop += __builtin_popcountll(w[i]);
        assert_int_equal(pop, k); /* distinct positions */
        assert_true(padding_clear(w, cout, fan_in, words));
        s += (double)k, ss += (double)k * (double)k;
    }
    const double mean = s / R, var = (ss - R * mean * mean) / (R - 1);
    const double mu = n * p, sigma2 = n * p * (1 - p);
    /* The sample mean's sd is sqrt(sigma2 / R); the sample variance's, about
     * sigma2 sqrt(2 / (R - 1)) (near-normal counts). */
    expect_near(mean, mu, 5 * sqrt(sigma2 / R));
    expect_near(var, sigma2, 5 * sigma2 * sqrt(2.0 / (R - 1)));
    /* p = 1: every weight bit, no padding bit. */
    memset(w, 0, (size_t)cout * words * sizeof *w);
    ncm_rng r;
    ncm_rng_init(&r, 9, 1000);
    assert_int_equal(ncm_imc_fault_layer(w, cout, fan_in, words, 1.0, NCM_IMC_FLIP, &r),
                     cout * fan_in);
    assert_true(padding_clear(w, cout, fan_in, words));
    assert_int_equal(w[words - 2], ~0ull);
    free(w);
}

static void faults_are_static_per_chip_and_differ_between_chips(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40,24", 1, 7, 7, 3);
    ncm_dataset *d = random_data(400, 1, 7, 7, 6);
    ncm_error err;
    ncm_chip_faults f;
    ncm_chip_faults_default(&f);
    f.ber = 0.2;
    ncm_chip *a = ncm_chip_new(m, &f, 7, 0, NCM_KERNEL_AUTO, &err);
    ncm_chip *b = ncm_chip_new(m, &f, 7, 0, NCM_KERNEL_AUTO, &err);
    ncm_chip *c = ncm_chip_new(m, &f, 7, 1, NCM_KERNEL_AUTO, &err);
    assert_non_null(a), assert_non_null(b), assert_non_null(c);
    int32_t *pa = malloc(400 * sizeof *pa), *pa2 = malloc(400 * sizeof *pa2),
            *pb = malloc(400 * sizeof *pb), *pc = malloc(400 * sizeof *pc);
    assert_int_equal(ncm_chip_predict(a, d, pa, NULL, &err), NCM_OK);
    assert_int_equal(ncm_chip_predict(a, d, pa2, NULL, &err), NCM_OK);
    assert_int_equal(ncm_chip_predict(b, d, pb, NULL, &err), NCM_OK);
    assert_int_equal(ncm_chip_predict(c, d, pc, NULL, &err), NCM_OK);
    assert_memory_equal(pa, pa2, 400 * sizeof *pa); /* the same chip on a second pass */
    assert_memory_equal(pa, pb, 400 * sizeof *pa);  /* the same chip drawn again */
    assert_memory_not_equal(pa, pc, 400 * sizeof *pa);
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *A = &ncm_chip_model(a)->layer[l], *B = &ncm_chip_model(b)->layer[l],
                              *C = &ncm_chip_model(c)->layer[l];
        const size_t bytes = (size_t)A->cout * A->words * sizeof *A->wbits;
        assert_memory_equal(A->wbits, B->wbits, bytes);
        assert_memory_not_equal(A->wbits, C->wbits, bytes);
        assert_memory_not_equal(A->wbits, m->layer[l].wbits, bytes);
        assert_true(padding_clear(A->wbits, A->cout, A->fan_in, A->words));
    }
    free(pa), free(pa2), free(pb), free(pc);
    ncm_chip_free(a), ncm_chip_free(b), ncm_chip_free(c);
    ncm_dataset_free(d);
    ncm_model_free(m);
}

static ncm_chip_mc_result *run_mc(const ncm_model *m, const ncm_dataset *d,
                                  const ncm_chip_faults *f, int n_chips, int threads)
{
    ncm_chip_mc_params p;
    ncm_chip_mc_default(&p);
    p.faults = *f;
    p.n_chips = n_chips;
    p.seed = 2024;
    p.threads = threads;
    ncm_error err;
    ncm_chip_mc_result *r = ncm_chip_mc(m, d, &p, NULL, &err);
    if (!r)
        fail_msg("ncm_chip_mc: %s", err.msg);
    return r;
}

static void monte_carlo_is_identical_for_one_and_two_threads(void **state)
{
    (void)state;
    ncm_model *m = random_model("cnn:6,p,f20", 1, 8, 8, 4);
    ncm_dataset *d = random_data(200, 1, 8, 8, 7);
    ncm_chip_faults f;
    ncm_chip_faults_default(&f);
    f.ber = 0.05;
    f.stuck_frac = 0.01;
    ncm_chip_mc_result *r1 = run_mc(m, d, &f, 5, 1), *r2 = run_mc(m, d, &f, 5, 2);
    assert_int_equal(r1->n_chips, 5);
    assert_memory_equal(r1->accuracy, r2->accuracy, 5 * sizeof(double));
    assert_memory_equal(r1->flips, r2->flips, 5 * (size_t)m->n_layers * sizeof(int64_t));
    assert_memory_equal(&r1->mean, &r2->mean, sizeof r1->mean);
    assert_memory_equal(&r1->sd, &r2->sd, sizeof r1->sd);
    assert_memory_equal(&r1->ci_lo, &r2->ci_lo, sizeof r1->ci_lo);
    /* The summary is that of the per-chip accuracies. */
    double s = 0, mn = 1, mx = 0;
    for (int i = 0; i < 5; i++)
        s += r1->accuracy[i], mn = fmin(mn, r1->accuracy[i]), mx = fmax(mx, r1->accuracy[i]);
    expect_near(r1->mean, s / 5, 1e-15);
    expect_near(r1->min, mn, 0);
    expect_near(r1->max, mx, 0);
    assert_true(r1->ci_lo <= r1->mean && r1->mean <= r1->ci_hi);
    expect_near(r1->ci_hi - r1->mean, 2.7764 * r1->sd / sqrt(5.0), 1e-12);
    ncm_chip_mc_result_free(r1);
    ncm_chip_mc_result_free(r2);
    ncm_dataset_free(d);
    ncm_model_free(m);
}

static void per_layer_error_rates_are_honoured(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:200,100", 1, 7, 7, 5);
    ncm_dataset *d = random_data(50, 1, 7, 7, 8);
    const double bl[3] = {0.0, 0.3, 0.001};
    ncm_chip_faults f;
    ncm_chip_faults_default(&f);
    f.ber = 0.5; /* overridden */
    f.ber_layer = bl;
    f.n_ber_layer = 3;
    ncm_chip_mc_result *r = run_mc(m, d, &f, 4, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(r->flips[i * 3 + 0], 0);
    for (int l = 0; l < 3; l++) {
        expect_near(r->ber_layer[l], bl[l], 0);
        const double n = 4.0 * (double)r->bits[l];
        expect_near(r->ber_measured[l], bl[l], 5 * sqrt(bl[l] * (1 - bl[l]) / n) + 1e-12);
    }
    ncm_chip_mc_result_free(r);
    /* Every bit stuck: half of them (at random) at the other value. */
    ncm_chip_faults_default(&f);
    f.stuck_frac = 1.0;
    r = run_mc(m, d, &f, 2, 0);
    for (int l = 0; l < 3; l++)
        expect_near(r->ber_measured[l], 0.5, 5 * sqrt(0.25 / (2.0 * (double)r->bits[l])));
    ncm_chip_mc_result_free(r);
    ncm_dataset_free(d);
    ncm_model_free(m);
}

/* ncm_chip_mc with p refused with status st and a message starting with prefix. */
static void expect_refused(const ncm_model *m, const ncm_dataset *d, const ncm_chip_mc_params *p,
                           ncm_status st, const char *prefix)
{
    ncm_error err;
    ncm_error_clear(&err);
    assert_null(ncm_chip_mc(m, d, p, NULL, &err));
    assert_int_equal(err.code, st);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", err.msg, prefix);
    assert_null(strstr(err.msg, "--"));
}

static void bad_parameters_are_refused_naming_the_field(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40", 1, 7, 7, 6);
    ncm_dataset *d = random_data(20, 1, 7, 7, 9), *d8 = random_data(20, 1, 8, 8, 9);
    ncm_chip_mc_params p;
    ncm_chip_mc_default(&p);
    p.faults.ber = NAN;
    expect_refused(m, d, &p, NCM_ERR_ARG, "ber = nan: expected a probability in [0, 1]");
    p.faults.ber = 2;
    expect_refused(m, d, &p, NCM_ERR_ARG, "ber = 2: ");
    p.faults.ber = 0.1;
    p.faults.stuck_frac = -0.5;
    expect_refused(m, d, &p, NCM_ERR_ARG, "stuck_frac = -0.5: ");
    p.faults.stuck_frac = 0;
    const double one[1] = {0.1}, two[2] = {0.1, NAN};
    p.faults.ber_layer = one;
    p.faults.n_ber_layer = 1;
    expect_refused(m, d, &p, NCM_ERR_ARG, "ber_layer has 1 entries");
    p.faults.ber_layer = two;
    p.faults.n_ber_layer = 2;
    expect_refused(m, d, &p, NCM_ERR_ARG, "ber_layer[1] = nan: ");
    p.faults.ber_layer = NULL;
    p.n_chips = 0;
    expect_refused(m, d, &p, NCM_ERR_ARG, "n_chips = 0: ");
    p.n_chips = 2;
    expect_refused(m, d8, &p, NCM_ERR_DATA, "dataset images are 1x8x8");
    ncm_error err;
    ncm_chip_faults f;
    ncm_chip_faults_default(&f);
    f.ber = -1;
    assert_int_equal(ncm_chip_faults_check(&f, 2, "chip.json", &err), NCM_ERR_ARG);
    assert_string_equal(err.msg, "chip.json: ber = -1: expected a probability in [0, 1]");
    assert_null(ncm_chip_new(m, &f, 1, 0, NCM_KERNEL_AUTO, &err));
    assert_int_equal(strncmp(err.msg, "ber = -1", 8), 0);
    ncm_dataset_free(d);
    ncm_dataset_free(d8);
    ncm_model_free(m);
}

static int g_calls;
static int cancel_after_first_block(void *user, const char *task, int64_t done, int64_t total)
{
    (void)user, (void)total;
    assert_string_equal(task, "chips");
    g_calls++;
    return done > 0;
}

static void cancellation_returns_nothing(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40", 1, 7, 7, 6);
    ncm_dataset *d = random_data(20, 1, 7, 7, 9);
    ncm_chip_mc_params p;
    ncm_chip_mc_default(&p);
    p.n_chips = 6;
    p.threads = 1;
    ncm_progress prog = {cancel_after_first_block, NULL};
    ncm_error err;
    g_calls = 0;
    assert_null(ncm_chip_mc(m, d, &p, &prog, &err));
    assert_int_equal(err.code, NCM_ERR_CANCELLED);
    assert_int_equal(g_calls, 2); /* 0 of 6, then 1 of 6: stop */
    ncm_dataset_free(d);
    ncm_model_free(m);
}

static void results_are_written_as_json_and_csv(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40", 1, 7, 7, 6);
    ncm_dataset *d = random_data(30, 1, 7, 7, 9);
    ncm_chip_faults f;
    ncm_chip_faults_default(&f);
    f.ber = 0.1;
    ncm_chip_mc_result *r = run_mc(m, d, &f, 3, 0);
    ncm_error err;
    assert_int_equal(ncm_chip_mc_result_save_json(r, m, "m.ncm", "gen", tpath("r.json"), &err),
                     NCM_OK);
    assert_int_equal(ncm_chip_mc_result_save_csv(r, tpath("r.csv"), &err), NCM_OK);
    size_t n;
    char *text = (char *)read_all(tpath("r.json"), &n);
    text[n] = 0;
    cJSON *o = cJSON_Parse(text);
    assert_non_null(o);
    char producer[64];
    snprintf(producer, sizeof producer, "nanocim %s", ncm_version());
    assert_string_equal(cJSON_GetObjectItem(o, "producer")->valuestring, producer);
    assert_string_equal(cJSON_GetObjectItem(o, "model")->valuestring, "m.ncm");
    assert_int_equal(cJSON_GetObjectItem(o, "seed")->valuedouble, 2024);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "chips")), 3);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "layers")), 2);
    expect_near(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "faults"), "ber")->valuedouble, 0.1, 0);
    expect_near(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "summary"), "accuracy_mean")->valuedouble,
                r->mean, 0);
    cJSON_Delete(o);
    free(text);
    text = (char *)read_all(tpath("r.csv"), &n);
    text[n] = 0;
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 4);
    assert_int_equal(strncmp(text, "chip,accuracy,flips_L0,flips_L1,ber_L0,ber_L1\n", 46), 0);
    free(text);
    /* A folder that does not exist: an error naming the file, nothing written. */
    assert_int_not_equal(ncm_chip_mc_result_save_csv(r, tpath("nope/r.csv"), &err), NCM_OK);
    assert_contains(err.msg, "nope/r.csv");
    ncm_chip_mc_result_free(r);
    ncm_dataset_free(d);
    ncm_model_free(m);
}

static int setup(void **state)
{
    (void)state;
    (void)write_raw; /* testdir.h's helper, not needed here */
    return testdir_create("test_chip");
}

int main(void)
{
    ncm_set_threads(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_faults_equal_the_error_free_packed_engine_bit_for_bit),
        cmocka_unit_test(geometric_skipping_draws_binomial_flips_and_spares_padding),
        cmocka_unit_test(faults_are_static_per_chip_and_differ_between_chips),
        cmocka_unit_test(monte_carlo_is_identical_for_one_and_two_threads),
        cmocka_unit_test(per_layer_error_rates_are_honoured),
        cmocka_unit_test(bad_parameters_are_refused_naming_the_field),
        cmocka_unit_test(cancellation_returns_nothing),
        cmocka_unit_test(results_are_written_as_json_and_csv),
    };
    return cmocka_run_group_tests(tests, setup, group_teardown);
}
