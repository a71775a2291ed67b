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
#include "nanocim/metrics.h"
#include "nanocim/packed.h"
#include "nanocim/rng.h"
#include "random_model.h"
#include "testdir.h"

/* A fault-injection chip with faults f and the default mapping. */
static ncm_chip *new_faulty(const ncm_model *m, const ncm_chip_faults *f, uint64_t seed,
                            int64_t chip, ncm_kernel k, ncm_error *err)
{
    ncm_chip_config c;
    ncm_chip_config_default(&c);
    c.faults = *f;
    c.rows = c.cols = 4;
    return ncm_chip_new(m, &c, seed, chip, k, err);
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
        ncm_chip *c = new_faulty(m, &f, 42, 3, NCM_KERNEL_AUTO, &err);
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
    ncm_chip *a = new_faulty(m, &f, 7, 0, NCM_KERNEL_AUTO, &err);
    ncm_chip *b = new_faulty(m, &f, 7, 0, NCM_KERNEL_AUTO, &err);
    ncm_chip *c = new_faulty(m, &f, 7, 1, NCM_KERNEL_AUTO, &err);
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
    p.chip.faults = *f;
    p.chip.rows = p.chip.cols = 4;
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
    p.chip.faults.ber = NAN;
    expect_refused(m, d, &p, NCM_ERR_ARG, "faults.ber = nan: expected a probability in [0, 1]");
    p.chip.faults.ber = 2;
    expect_refused(m, d, &p, NCM_ERR_ARG, "faults.ber = 2: ");
    p.chip.faults.ber = 0.1;
    p.chip.faults.stuck_frac = -0.5;
    expect_refused(m, d, &p, NCM_ERR_ARG, "faults.stuck_frac = -0.5: ");
    p.chip.faults.stuck_frac = 0;
    const double one[1] = {0.1}, two[2] = {0.1, NAN};
    p.chip.faults.ber_layer = one;
    p.chip.faults.n_ber_layer = 1;
    expect_refused(m, d, &p, NCM_ERR_ARG, "faults.ber_layer has 1 entries");
    p.chip.faults.ber_layer = two;
    p.chip.faults.n_ber_layer = 2;
    expect_refused(m, d, &p, NCM_ERR_ARG, "faults.ber_layer[1] = nan: ");
    p.chip.faults.ber_layer = NULL;
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
    assert_null(new_faulty(m, &f, 1, 0, NCM_KERNEL_AUTO, &err));
    assert_int_equal(strncmp(err.msg, "faults.ber = -1", 15), 0);
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
    expect_near(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "chip"), "faults"), "ber")->valuedouble, 0.1, 0);
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

/* ---- mapping, device physics, the shared first layer, dynamic errors ---------------------- */

static void mapping_counts_follow_the_arrays(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40", 1, 7, 7, 6); /* 49 -> 40 -> 4 */
    ncm_chip_config c;
    ncm_chip_config_default(&c);
    c.rows = 16, c.cols = 8;
    ncm_chip_map mp;
    ncm_error err;
    assert_int_equal(ncm_chip_map_model(m, &c, &mp, &err), NCM_OK);
    const ncm_chip_layer_map *L0 = &mp.layer[0], *L1 = &mp.layer[1];
    assert_int_equal(L0->row_tiles, 4); /* ceil(49 / 16) */
    assert_int_equal(L0->col_tiles, 5); /* 40 / 8 */
    assert_int_equal(L0->arrays, 20);
    assert_int_equal(L0->data_cells, 20 * 16 * 8);
    assert_int_equal(L0->devices, 2 * 20 * 16 * 8); /* 2T2R */
    assert_int_equal(L0->sense_amps, 20 * 8);
    assert_int_equal(L0->decoders, 0);
    assert_int_equal(L0->row_reads, 5 * 49 * 8); /* 8 bit planes of the input */
    assert_int_equal(L0->partial_sums, 3 * 40 * 8);
    expect_near(L0->utilisation, 49.0 * 40 / (20 * 16 * 8), 1e-15);
    assert_int_equal(L1->row_tiles, 3);
    assert_int_equal(L1->col_tiles, 1);
    assert_int_equal(L1->row_reads, 40);
    assert_int_equal(mp.total.arrays, 23);
    assert_int_equal(mp.total.weights, 49 * 40 + 40 * 4);
    /* SECDED along rows of 12 cells, words of 8: a (13,8) word and a shortened (8,4) word. */
    assert_int_equal(ncm_storage_parse("1t1r-secded:8", &c.storage, &err), NCM_OK);
    c.cols = 12;
    assert_int_equal(ncm_chip_map_model(m, &c, &mp, &err), NCM_OK);
    assert_int_equal(mp.words_per_row, 2);
    assert_int_equal(mp.code_n, 13);
    assert_int_equal(mp.check_per_row, 5 + 4);
    L0 = &mp.layer[0];
    assert_int_equal(L0->arrays, 4 * 4);
    assert_int_equal(L0->check_cells, 16 * 16 * 9);
    assert_int_equal(L0->devices, 16 * 16 * (12 + 9)); /* 1T1R */
    assert_int_equal(L0->sense_amps, 16 * (12 + 9));
    assert_int_equal(L0->decoders, 16 * 2);
    assert_true(L0->decoder_gates > 0);
    ncm_model_free(m);
}

static void bad_configurations_are_refused_naming_the_field(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40", 1, 7, 7, 6);
    ncm_chip_config c;
    ncm_error err;
#define REFUSED(stmt, prefix)                                                                    \
    do {                                                                                         \
        ncm_chip_config_default(&c);                                                             \
        stmt;                                                                                    \
        assert_int_equal(ncm_chip_config_check(&c, m, &err), NCM_ERR_ARG);                       \
        if (strncmp(err.msg, prefix, strlen(prefix)))                                            \
            fail_msg("\"%s\" does not start with \"%s\"", err.msg, prefix);                     \
        assert_null(ncm_chip_new(m, &c, 1, 0, NCM_KERNEL_AUTO, &err));                           \
    } while (0)
    REFUSED(c.rows = 0, "rows = 0: ");
    REFUSED(c.cols = -3, "cols = -3: ");
    REFUSED(c.rows = 50, "rows = 50: larger than every layer's fan-in (largest 49)");
    REFUSED(c.cols = 41, "cols = 41: larger than every layer's width (largest 40");
    REFUSED(c.read_ber = NAN, "read_ber = nan: ");
    REFUSED(c.faults.ber = 1.5, "faults.ber = 1.5: ");
    REFUSED((c.mode = NCM_CHIP_DEVICES, c.cond.i_cc_ua = -5), "cond.i_cc_ua = -5");
    REFUSED((c.mode = NCM_CHIP_DEVICES, c.device.sigma_hrs = NAN), "device");
    const ncm_rram_cond two[2] = {c.cond, c.cond};
    ncm_rram_cond bad[2] = {c.cond, c.cond};
    bad[1].t_p_ns = 0;
    REFUSED((c.mode = NCM_CHIP_DEVICES, c.cond_layer = two, c.n_cond_layer = 1),
            "cond_layer has 1 entries: the model has 2 layers");
    REFUSED((c.mode = NCM_CHIP_DEVICES, c.cond_layer = bad, c.n_cond_layer = 2),
            "cond_layer[1].t_p_ns = 0");
    REFUSED(c.storage.ecc_k = 64, "storage: SECDED is modelled on 1T1R cells only");
#undef REFUSED
    ncm_model_free(m);
}

/* A device-mode configuration of small arrays at I_cc = icc uA. */
static ncm_chip_config device_config(const char *storage, double icc)
{
    ncm_chip_config c;
    ncm_chip_config_default(&c);
    c.mode = NCM_CHIP_DEVICES;
    c.rows = c.cols = 16;
    ncm_error err;
    assert_int_equal(ncm_storage_parse(storage, &c.storage, &err), NCM_OK);
    c.cond.i_cc_ua = icc;
    return c;
}

static int weights_equal(const ncm_model *a, const ncm_model *b)
{
    for (int l = 0; l < a->n_layers; l++)
        if (memcmp(a->layer[l].wbits, b->layer[l].wbits,
                   (size_t)a->layer[l].cout * a->layer[l].words * 8))
            return 0;
    return 1;
}

static void device_chips_are_static_and_a_function_of_seed_and_index(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:64", 1, 7, 7, 3);
    ncm_dataset *d = random_data(300, 1, 7, 7, 4);
    const char *cells[] = {"2t2r", "1t1r", "1t1r-secded:8"};
    for (int k = 0; k < 3; k++) {
        ncm_chip_config c = device_config(cells[k], 12);
        ncm_error err;
        ncm_chip *a = ncm_chip_new(m, &c, 9, 2, NCM_KERNEL_AUTO, &err);
        ncm_chip *b = ncm_chip_new(m, &c, 9, 2, NCM_KERNEL_AUTO, &err);
        ncm_chip *o = ncm_chip_new(m, &c, 9, 3, NCM_KERNEL_AUTO, &err);
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(o);
        assert_true(weights_equal(ncm_chip_model(a), ncm_chip_model(b)));
        assert_false(weights_equal(ncm_chip_model(a), ncm_chip_model(o)));
        assert_true(ncm_chip_flips(a, 0) > 0);
        /* two passes over the data: the same predictions (the errors are static) */
        int32_t *p1 = malloc(300 * sizeof *p1), *p2 = malloc(300 * sizeof *p2);
        assert_int_equal(ncm_chip_predict(a, d, p1, NULL, &err), NCM_OK);
        assert_int_equal(ncm_chip_predict(a, d, p2, NULL, &err), NCM_OK);
        assert_memory_equal(p1, p2, 300 * sizeof *p1);
        /* the counted errors are the weights that differ */
        for (int l = 0; l < m->n_layers; l++) {
            const ncm_model_layer *S = &m->layer[l], *D = &ncm_chip_model(a)->layer[l];
            int64_t diff = 0;
            for (int64_t i = 0; i < (int64_t)S->cout * S->words; i++)
                diff += __builtin_popcountll(S->wbits[i] ^ D->wbits[i]);
            assert_int_equal(diff, ncm_chip_flips(a, l));
            assert_true(padding_clear(D->wbits, D->cout, D->fan_in, D->words));
        }
        assert_true(ncm_chip_program_energy_pj(a) > 0);
        free(p1);
        free(p2);
        ncm_chip_free(a);
        ncm_chip_free(b);
        ncm_chip_free(o);
    }
    ncm_dataset_free(d);
    ncm_model_free(m);
}

/* Measured weight BER of n chips in device mode. */
static double measured_ber(const ncm_model *m, const ncm_chip_config *c, int n, int64_t *raw,
                           int64_t *corrected)
{
    int64_t f = 0, bits = 0;
    *raw = 0, *corrected = 0;
    for (int i = 0; i < n; i++) {
        ncm_error err;
        ncm_chip *ch = ncm_chip_new(m, c, 77, i, NCM_KERNEL_AUTO, &err);
        assert_non_null(ch);
        for (int l = 0; l < m->n_layers; l++) {
            f += ncm_chip_flips(ch, l), bits += ncm_chip_bits(ch, l);
            *raw += ncm_chip_raw_errors(ch, l), *corrected += ncm_chip_corrected(ch, l);
        }
        ncm_chip_free(ch);
    }
    return (double)f / (double)bits;
}

static void device_error_rates_match_the_cells_analytic_ber(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:200", 1, 7, 7, 3); /* 10,600 weights */
    const char *cells[] = {"2t2r", "1t1r"};
    for (int k = 0; k < 2; k++) {
        ncm_chip_config c = device_config(cells[k], 10);
        ncm_rram_cell cell = ncm_rram_cell_default(&c.device, c.storage.cell);
        double ber, ref;
        ncm_error err;
        if (c.storage.cell == NCM_CELL_1T1R) {
            assert_int_equal(ncm_rram_best_ref(&c.device, &c.cond, &ref, &ber, &err), NCM_OK);
        } else {
            assert_int_equal(ncm_rram_ber(&c.device, &c.cond, &cell, &ber, &err), NCM_OK);
        }
        int64_t raw, corr;
        const double got = measured_ber(m, &c, 30, &raw, &corr);
        /* 318,000 weights; the sense amplifiers' offsets correlate a column's errors, hence a
         * tolerance of 15 % rather than the binomial 2-3 %. */
        if (fabs(got - ber) > 0.15 * ber)
            fail_msg("%s: measured ber %g, analytic %g", cells[k], got, ber);
    }
    ncm_model_free(m);
}

static void secded_corrects_most_raw_errors(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:200", 1, 7, 7, 3);
    ncm_chip_config c = device_config("1t1r-secded:8", 25);
    int64_t raw, corr;
    const double ber = measured_ber(m, &c, 5, &raw, &corr);
    if (!(raw > 100 && corr > raw / 2))
        fail_msg("raw errors %lld, corrected words %lld", (long long)raw, (long long)corr);
    assert_true(ber * 5 * 10600 < raw / 3.0);
    ncm_model_free(m);
}

/* Accuracies of chips first .. first + n - 1 run one by one through ncm_chip_predict. */
static void one_by_one(const ncm_model *m, const ncm_dataset *d, const ncm_chip_config *c,
                       int n, double *acc)
{
    int32_t *pred = malloc((size_t)d->n * sizeof *pred);
    for (int i = 0; i < n; i++) {
        ncm_error err;
        ncm_chip *ch = ncm_chip_new(m, c, 31, i, NCM_KERNEL_AUTO, &err);
        assert_non_null(ch);
        assert_int_equal(ncm_chip_predict(ch, d, pred, NULL, &err), NCM_OK);
        acc[i] = ncm_accuracy(pred, d->labels, d->n);
        ncm_chip_free(ch);
    }
    free(pred);
}

static void the_monte_carlo_by_differences_equals_chips_run_one_by_one(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:64,32", 1, 7, 7, 12);
    ncm_dataset *d = random_data(333, 1, 7, 7, 13);
    ncm_chip_config cs[2];
    cs[0] = device_config("2t2r", 15);
    ncm_chip_config_default(&cs[1]);
    cs[1].rows = cs[1].cols = 16;
    cs[1].faults.ber = 0.002; /* by differences (the devices at 15 uA: their engines) */
    cs[1].faults.stuck_frac = 0.001;
    for (int k = 0; k < 2; k++) {
        ncm_chip_mc_params p;
        ncm_chip_mc_default(&p);
        p.chip = cs[k];
        p.n_chips = 4;
        p.seed = 31;
        ncm_error err;
        ncm_chip_mc_result *r = ncm_chip_mc(m, d, &p, NULL, &err); /* 4 chips: shared layer */
        assert_non_null(r);
        double acc[4];
        one_by_one(m, d, &cs[k], 4, acc);
        assert_memory_equal(acc, r->accuracy, sizeof acc);
        ncm_chip_mc_result_free(r);
    }
    ncm_dataset_free(d);
    ncm_model_free(m);
}

static void inference_by_differences_gives_the_engines_predictions(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:96,70,33", 1, 7, 7, 14); /* padding in every layer */
    ncm_dataset *d = random_data(500, 1, 7, 7, 15);
    ncm_error err;
    ncm_imc_cache *k = NULL;
    assert_int_equal(ncm_imc_cache_new(m, d, NCM_KERNEL_AUTO, &k, &err), NCM_OK);
    assert_non_null(k);
    int32_t *p1 = malloc(5 * 500 * 4), *p2 = malloc(5 * 500 * 4);
    /* few errors (differences), many (direct sums), devices; predicted as one group */
    const double bers[] = {0.0, 0.002, 0.03, 0.3};
    ncm_chip *ch[5];
    const ncm_model *read[5];
    for (int t = 0; t < 5; t++) {
        ncm_chip_config c;
        if (t < 4) {
            ncm_chip_config_default(&c);
            c.rows = c.cols = 16;
            c.faults.ber = bers[t];
            c.faults.stuck_frac = t == 2 ? 0.01 : 0;
        } else {
            c = device_config("1t1r-secded:8", 12);
        }
        ch[t] = ncm_chip_new(m, &c, 3, t, NCM_KERNEL_AUTO, &err);
        assert_non_null(ch[t]);
        assert_int_equal(ncm_chip_predict(ch[t], d, p1 + t * 500, NULL, &err), NCM_OK);
        read[t] = ncm_chip_model(ch[t]);
    }
    assert_int_equal(ncm_imc_cache_predict(k, read, 5, p2, &err), NCM_OK);
    assert_memory_equal(p1, p2, 5 * 500 * 4);
    for (int t = 0; t < 5; t++)
        ncm_chip_free(ch[t]);
    /* a network with a convolution has no cache */
    ncm_model *cnn = random_model("cnn:6,p,f20", 1, 8, 8, 4);
    ncm_dataset *d8 = random_data(10, 1, 8, 8, 7);
    ncm_imc_cache *none = (ncm_imc_cache *)1;
    assert_int_equal(ncm_imc_cache_new(cnn, d8, NCM_KERNEL_AUTO, &none, &err), NCM_OK);
    assert_null(none);
    ncm_model_free(cnn);
    ncm_dataset_free(d8);
    ncm_imc_cache_free(k);
    free(p1);
    free(p2);
    ncm_dataset_free(d);
    ncm_model_free(m);
}

/* The first layer's lanes of 16 images use 16-bit sums of the misread weights' terms up to 255
 * misread weights per neuron and the exact sums beyond: both give the engine's predictions, on
 * a block count that is not a multiple of 16, with the AVX2 and the portable loops. */
static void inference_by_differences_exact_with_many_first_layer_errors(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40,20", 1, 20, 20, 21); /* fan-in 400 */
    ncm_dataset *d = random_data(37, 1, 20, 20, 22);
    ncm_error err;
    const double rates[][3] = {{0.7, 0.0, 0.0}, {0.5, 0.01, 0.0}, {0.02, 0.0, 0.3}};
    const ncm_kernel kernels[] = {NCM_KERNEL_AUTO, NCM_KERNEL_PORTABLE};
    for (int kk = 0; kk < 2; kk++) {
        ncm_imc_cache *k = NULL;
        assert_int_equal(ncm_imc_cache_new(m, d, kernels[kk], &k, &err), NCM_OK);
        assert_non_null(k);
        int32_t p1[3 * 37], p2[3 * 37];
        ncm_chip *ch[3];
        const ncm_model *read[3];
        for (int t = 0; t < 3; t++) {
            ncm_chip_config c;
            ncm_chip_config_default(&c);
            c.rows = c.cols = 16;
            c.faults.ber_layer = rates[t];
            c.faults.n_ber_layer = 3;
            ch[t] = ncm_chip_new(m, &c, 9, t, NCM_KERNEL_AUTO, &err);
            assert_non_null(ch[t]);
            assert_int_equal(ncm_chip_predict(ch[t], d, p1 + t * 37, NULL, &err), NCM_OK);
            read[t] = ncm_chip_model(ch[t]);
        }
        /* chip 0 has first-layer neurons with more than 255 misread weights */
        assert_true(ncm_chip_flips(ch[0], 0) > 255 * 40);
        assert_int_equal(ncm_imc_cache_predict(k, read, 3, p2, &err), NCM_OK);
        assert_memory_equal(p1, p2, sizeof p1);
        for (int t = 0; t < 3; t++)
            ncm_chip_free(ch[t]);
        ncm_imc_cache_free(k);
    }
    ncm_dataset_free(d);
    ncm_model_free(m);
}

static void dynamic_read_errors_are_reproducible_and_grow_with_the_rate(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:64,32", 1, 7, 7, 12);
    ncm_dataset *d = random_data(400, 1, 7, 7, 13);
    ncm_chip_config c;
    ncm_chip_config_default(&c);
    c.rows = c.cols = 16;
    ncm_error err;
    int32_t *p0 = malloc(400 * 4), *p1 = malloc(400 * 4), *p2 = malloc(400 * 4);
    ncm_chip *clean = ncm_chip_new(m, &c, 5, 0, NCM_KERNEL_AUTO, &err);
    assert_int_equal(ncm_chip_predict(clean, d, p0, NULL, &err), NCM_OK);
    int changed_prev = 0;
    const double qs[] = {0.001, 0.02, 0.2};
    for (int k = 0; k < 3; k++) {
        c.read_ber = qs[k];
        ncm_chip *ch = ncm_chip_new(m, &c, 5, 0, NCM_KERNEL_AUTO, &err);
        ncm_set_threads(1);
        assert_int_equal(ncm_chip_predict(ch, d, p1, NULL, &err), NCM_OK);
        ncm_set_threads(2);
        assert_int_equal(ncm_chip_predict(ch, d, p2, NULL, &err), NCM_OK);
        assert_memory_equal(p1, p2, 400 * 4); /* per-image streams: any thread count */
        int changed = 0;
        for (int i = 0; i < 400; i++)
            changed += p1[i] != p0[i];
        assert_true(changed >= changed_prev);
        changed_prev = changed;
        ncm_chip_free(ch);
    }
    assert_true(changed_prev > 100); /* at 20 % wrong reads most predictions move */
    /* The dynamic dead zone: a chip whose cells all sit in the dead zone answers at random. */
    ncm_chip_config dz = device_config("2t2r", 40);
    dz.device.pcsa_dead_zone = 100; /* every |D| is inside */
    dz.dead_zone_dynamic = 1;
    ncm_chip *ch = ncm_chip_new(m, &dz, 5, 0, NCM_KERNEL_AUTO, &err);
    assert_non_null(ch);
    assert_int_equal(ncm_chip_dead_zone(ch, 0), 49 * 64);
    assert_int_equal(ncm_chip_flips(ch, 0), 0);
    assert_int_equal(ncm_chip_predict(ch, d, p1, NULL, &err), NCM_OK);
    int same = 0;
    for (int i = 0; i < 400; i++)
        same += p1[i] == p0[i];
    assert_true(same < 200); /* chance is 1/4 */
    ncm_chip_free(ch);
    ncm_chip_free(clean);
    free(p0);
    free(p1);
    free(p2);
    ncm_dataset_free(d);
    ncm_model_free(m);
}

/* Device-mode chips whose measured weight BER is p and fault injection at p give the same
 * accuracy distribution: means within 3 standard errors over 30 chips each. The labels are the
 * error-free network's predictions, so the accuracy measures what the errors change. */
static void the_two_modes_agree_at_equal_bit_error_rate(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:64", 1, 7, 7, 21);
    ncm_dataset *d0 = random_data(1000, 1, 7, 7, 22);
    int32_t *pred = malloc(1000 * 4);
    ncm_error err;
    assert_int_equal(ncm_model_predict(m, d0, pred, NULL, &err), NCM_OK);
    uint8_t *px = malloc(1000 * 49), *lab = malloc(1000);
    memcpy(px, d0->pixels, 1000 * 49);
    for (int i = 0; i < 1000; i++)
        lab[i] = (uint8_t)pred[i];
    ncm_dataset *d = ncm_dataset_new(1000, 1, 7, 7, 4, px, lab, &err);
    assert_non_null(d);
    ncm_chip_mc_params p;
    ncm_chip_mc_default(&p);
    p.chip = device_config("2t2r", 10);
    p.n_chips = 30;
    p.seed = 8;
    ncm_chip_mc_result *dev = ncm_chip_mc(m, d, &p, NULL, &err);
    assert_non_null(dev);
    ncm_chip_config_default(&p.chip);
    p.chip.rows = p.chip.cols = 16;
    p.chip.faults.ber = dev->ber_total;
    p.seed = 9;
    ncm_chip_mc_result *fi = ncm_chip_mc(m, d, &p, NULL, &err);
    assert_non_null(fi);
    const double se = sqrt(dev->sd * dev->sd / 30 + fi->sd * fi->sd / 30);
    if (!(fabs(dev->mean - fi->mean) < 3 * se))
        fail_msg("devices %.4f +- %.4f at ber %g, faults %.4f +- %.4f", dev->mean, dev->sd,
                 dev->ber_total, fi->mean, fi->sd);
    assert_true(dev->mean < 0.99); /* the errors matter */
    ncm_chip_mc_result_free(dev);
    ncm_chip_mc_result_free(fi);
    free(pred);
    free(px);
    free(lab);
    ncm_dataset_free(d);
    ncm_dataset_free(d0);
    ncm_model_free(m);
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
        cmocka_unit_test(mapping_counts_follow_the_arrays),
        cmocka_unit_test(bad_configurations_are_refused_naming_the_field),
        cmocka_unit_test(device_chips_are_static_and_a_function_of_seed_and_index),
        cmocka_unit_test(device_error_rates_match_the_cells_analytic_ber),
        cmocka_unit_test(secded_corrects_most_raw_errors),
        cmocka_unit_test(the_monte_carlo_by_differences_equals_chips_run_one_by_one),
        cmocka_unit_test(inference_by_differences_gives_the_engines_predictions),
        cmocka_unit_test(inference_by_differences_exact_with_many_first_layer_errors),
        cmocka_unit_test(dynamic_read_errors_are_reproducible_and_grow_with_the_rate),
        cmocka_unit_test(the_two_modes_agree_at_equal_bit_error_rate),
    };
    return cmocka_run_group_tests(tests, setup, group_teardown);
}
