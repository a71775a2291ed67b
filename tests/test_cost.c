/* Tests of the cost model (cost.h): every count of the chip against a brute-force walk over its
 * arrays, rows and code words and against the closed forms, for MLP and CNN shapes, 2T2R, 1T1R
 * and SECDED; energies as counts times the technology's constants; the processor baselines
 * against hand counts (and the float MLP's energy against a hand calculation from Horowitz's
 * constants); the technology file (the shipped file holds the defaults, round trip, bad fields
 * refused naming them); a model that does not fit the arrays; the JSON document. */
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
#include "nanocim/cost.h"
#include "nanocim/ecc.h"
#include "random_model.h"
#include "testdir.h"
#include "util/io.h"

static void expect_refused(ncm_status s, ncm_status want, const ncm_error *err, const char *needle)
{
    assert_int_equal(s, want);
    assert_int_equal(err->code, want);
    assert_contains(err->msg, needle);
}

static ncm_chip_config config(const char *cell, int rows, int cols)
{
    ncm_chip_config c;
    ncm_chip_config_default(&c);
    ncm_error err = {0};
    assert_int_equal(ncm_storage_parse(cell, &c.storage, &err), NCM_OK);
    c.rows = rows, c.cols = cols;
    return c;
}

static int secded_r(int k)
{
    ncm_error err = {0};
    ncm_secded *c = ncm_secded_new(k, &err);
    assert_non_null(c);
    int r = ncm_secded_r(c);
    ncm_secded_free(c);
    return r;
}

/* The chip's counts of one layer by walking its arrays: for each array (row tile, column tile),
 * each row holding a weight, each plane and position, one row read that senses every cell of the
 * columns in use (with SECDED: of the code words holding one). */
static void walk_layer(const ncm_model_layer *L, const ncm_chip_config *c, int64_t *row_reads,
                       int64_t *senses, int64_t *words)
{
    const int64_t P = L->kind == NCM_LAYER_CONV ? (int64_t)L->hc * L->wc : 1;
    const int b = L->first ? 8 : 1, R = c->rows, C = c->cols, k0 = c->storage.ecc_k;
    *row_reads = *senses = *words = 0;
    for (int r0 = 0; r0 < L->fan_in; r0 += R)
        for (int c0 = 0; c0 < L->cout; c0 += C)
            for (int row = r0; row < L->fan_in && row < r0 + R; row++) {
                int64_t cells = 0, w = 0;
                if (!k0) {
                    for (int col = c0; col < L->cout && col < c0 + C; col++)
                        cells++;
                } else {
                    const int k = k0 < C ? k0 : C;
                    for (int s = 0; s < C; s += k) {
                        const int bits = s + k <= C ? k : C - s;
                        if (c0 + s < L->cout)
                            cells += bits + secded_r(bits), w++;
                    }
                }
                *row_reads += b * P;
                *senses += cells * b * P;
                *words += w * b * P;
            }
}

static void check_chip_counts(const char *spec, int ch, int h, int w, const char *cell, int rows,
                              int cols)
{
    ncm_model *m = random_model(spec, ch, h, w, 7);
    ncm_chip_config c = config(cell, rows, cols);
    ncm_tech t;
    ncm_tech_default(&t);
    ncm_cost_report r;
    ncm_error err = {0};
    if (ncm_cost_chip(m, &c, &t, &r, &err))
        fail_msg("%s", err.msg);
    const int dev = c.storage.cell == NCM_CELL_2T2R ? 2 : 1;
    int64_t reads_closed = 0, ops = 0;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        const ncm_cost_part *p = &r.layer[l];
        const int64_t K = L->fan_in, N = L->cout, b = L->first ? 8 : 1;
        const int64_t P = L->kind == NCM_LAYER_CONV ? (int64_t)L->hc * L->wc : 1;
        int64_t rr, sn, wd;
        walk_layer(L, &c, &rr, &sn, &wd);
        assert_int_equal(p->count[NCM_COST_WORD_LINE], rr);
        assert_int_equal(p->count[NCM_COST_SENSE], sn);
        assert_int_equal(p->count[NCM_COST_PRECHARGE], sn);
        assert_int_equal(p->count[NCM_COST_BIT_LINE], sn);
        assert_int_equal(p->count[NCM_COST_DEVICE_READ], sn * dev);
        assert_int_equal(p->count[NCM_COST_ECC], wd);
        /* the closed forms of cost.h */
        assert_int_equal(p->count[NCM_COST_XNOR], K * N * b * P);
        assert_int_equal(p->count[NCM_COST_POPCOUNT], K * N * b * P);
        if (!c.storage.ecc_k)
            assert_int_equal(p->count[NCM_COST_SENSE], K * N * b * P);
        const int64_t rt = (K + rows - 1) / rows;
        const int64_t adds = (rt - 1) * N * b * P + (b - 1) * N * P + (L->last ? 2 * N : 0);
        assert_int_equal(p->count[NCM_COST_ADD], adds);
        const int64_t cmp = L->last ? N - 1
                                    : N * P + (L->pool ? 3 * N * (int64_t)L->ho * L->wo : 0);
        assert_int_equal(p->count[NCM_COST_COMPARE], cmp);
        const int64_t act = (L->first ? 8 * (int64_t)L->cin * L->hin * L->win : 0) +
                            (L->last ? 0 : N * (int64_t)L->ho * L->wo);
        assert_int_equal(p->count[NCM_COST_ACTIVATION], act);
        assert_int_equal(p->cycles, (K < rows ? K : rows) * b * P);
        expect_near(p->latency_ns, (double)p->cycles * t.t_cycle_ns + (double)P * t.t_logic_ns,
                    1e-9);
        reads_closed += K * N * P * b;
        ops += 2 * K * N * P;
    }
    if (!c.storage.ecc_k)
        assert_int_equal(r.total.count[NCM_COST_DEVICE_READ], reads_closed * dev);
    assert_int_equal(r.ops, ops);
    ncm_model_free(m);
}

static void test_chip_counts_mlp(void **state)
{
    (void)state;
    check_chip_counts("mlp:40,20", 1, 6, 6, "2t2r", 16, 8);
    check_chip_counts("mlp:40,20", 1, 6, 6, "1t1r", 16, 8);
    check_chip_counts("mlp:40,20", 1, 6, 6, "1t1r-secded:8", 16, 12);
    check_chip_counts("mlp:40,20", 1, 6, 6, "1t1r-secded:32", 9, 16);
    check_chip_counts("mlp:64", 1, 8, 8, "2t2r", 64, 64);
}

static void test_chip_counts_cnn(void **state)
{
    (void)state;
    check_chip_counts("cnn:4,p,6,f12", 1, 8, 8, "2t2r", 8, 4);
    check_chip_counts("cnn:4,p,6,f12", 2, 8, 8, "1t1r-secded:4", 8, 6);
}

/* The 784-1024-1024-10 MLP on the default 32 x 32 arrays: the closed form for reads. */
static void test_chip_counts_fashion_mlp(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_arch a;
    assert_int_equal(ncm_arch_parse("mlp:1024,1024", 1, 28, 28, 10, &a, &err), NCM_OK);
    ncm_model *m = ncm_model_alloc(&a, &err);
    assert_non_null(m);
    ncm_chip_config c = config("2t2r", 32, 32);
    ncm_tech t;
    ncm_tech_default(&t);
    ncm_cost_report r;
    assert_int_equal(ncm_cost_chip(m, &c, &t, &r, &err), NCM_OK);
    const int64_t reads = 784LL * 1024 * 8 + 1024LL * 1024 + 1024LL * 10;
    assert_int_equal(r.total.count[NCM_COST_SENSE], reads);
    assert_int_equal(r.total.count[NCM_COST_DEVICE_READ], 2 * reads);
    /* rows read: ceil(1024/32) column tiles x 784 rows x 8 planes, 32 x 1024, 1 x 1024 */
    assert_int_equal(r.total.count[NCM_COST_WORD_LINE], 32LL * 784 * 8 + 32LL * 1024 + 1024);
    /* cycles: 32 rows x 8 planes, then 32 and 32 */
    assert_int_equal(r.total.cycles, 32 * 8 + 32 + 32);
    ncm_model_free(m);
}

/* Energy = count x constant, item by item; doubling a constant doubles its item only. */
static void test_chip_energy_is_counts_times_constants(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40,20", 1, 6, 6, 3);
    ncm_chip_config c = config("1t1r-secded:8", 16, 12);
    ncm_tech t;
    ncm_tech_default(&t);
    ncm_cost_report r, r2;
    ncm_error err = {0};
    assert_int_equal(ncm_cost_chip(m, &c, &t, &r, &err), NCM_OK);
    const ncm_cost_part *p = &r.total;
    expect_near(p->energy_pj[NCM_COST_SENSE], p->count[NCM_COST_SENSE] * t.e_sense_pj, 1e-9);
    expect_near(p->energy_pj[NCM_COST_PRECHARGE], p->count[NCM_COST_PRECHARGE] * t.e_precharge_pj,
                1e-9);
    expect_near(p->energy_pj[NCM_COST_WORD_LINE], p->count[NCM_COST_WORD_LINE] * t.e_word_line_pj,
                1e-9);
    expect_near(p->energy_pj[NCM_COST_BIT_LINE], p->count[NCM_COST_BIT_LINE] * t.e_bit_line_pj,
                1e-9);
    expect_near(p->energy_pj[NCM_COST_XNOR], p->count[NCM_COST_XNOR] * t.e_gate_pj, 1e-9);
    expect_near(p->energy_pj[NCM_COST_POPCOUNT],
                p->count[NCM_COST_POPCOUNT] * t.e_popcount_bit_pj, 1e-9);
    expect_near(p->energy_pj[NCM_COST_ADD], p->count[NCM_COST_ADD] * t.e_add_pj, 1e-9);
    expect_near(p->energy_pj[NCM_COST_COMPARE], p->count[NCM_COST_COMPARE] * t.e_compare_pj,
                1e-9);
    expect_near(p->energy_pj[NCM_COST_ACTIVATION],
                p->count[NCM_COST_ACTIVATION] * (t.e_reg_bit_pj + t.e_wire_bit_mm_pj * 1.0), 1e-9);
    double sum = 0;
    for (int k = 0; k < NCM_COST_N_ITEMS; k++)
        sum += p->energy_pj[k];
    expect_near(p->total_pj, sum, 1e-9 * sum);
    /* device reads: V^2 t / R between the HRS and the LRS medians' */
    ncm_rram_stats st;
    ncm_rram_stats_at(&c.device, &c.cond, &st);
    const double el = 1e3 * 0.01 / exp(st.mu_lrs), eh = 1e3 * 0.01 / exp(st.mu_hrs);
    const double n_dev = (double)p->count[NCM_COST_DEVICE_READ];
    assert_true(p->energy_pj[NCM_COST_DEVICE_READ] > n_dev * eh);
    assert_true(p->energy_pj[NCM_COST_DEVICE_READ] < n_dev * el);
    t.e_sense_pj *= 2;
    assert_int_equal(ncm_cost_chip(m, &c, &t, &r2, &err), NCM_OK);
    expect_near(r2.total.total_pj - r.total.total_pj, p->energy_pj[NCM_COST_SENSE], 1e-9);
    /* 2T2R: one device of each state per cell, the XNOR inside the sense amplifier */
    c = config("2t2r", 16, 12);
    t.e_sense_pj /= 2;
    assert_int_equal(ncm_cost_chip(m, &c, &t, &r, &err), NCM_OK);
    expect_near(r.total.energy_pj[NCM_COST_DEVICE_READ],
                (double)r.total.count[NCM_COST_SENSE] * (el + eh), 1e-9);
    expect_near(r.total.energy_pj[NCM_COST_XNOR], 0.0, 0.0);
    /* programming: every weight cell once, by a SET and a RESET */
    const ncm_rram_energy en = ncm_rram_energy_at(&c.device, &c.cond, NCM_CELL_2T2R);
    const int64_t cells = 36 * 40 + 40 * 20 + 20 * 4;
    assert_int_equal(r.program_sets, cells);
    assert_int_equal(r.program_resets, cells);
    expect_near(r.program_pj, (double)cells * (en.e_set_pj + en.e_reset_pj), 1e-6);
    /* a lower compliance current: less programming energy, less read energy (higher LRS) */
    ncm_cost_report lo;
    c.cond.i_cc_ua = 20;
    assert_int_equal(ncm_cost_chip(m, &c, &t, &lo, &err), NCM_OK);
    assert_true(lo.program_pj < r.program_pj);
    assert_true(lo.total.energy_pj[NCM_COST_DEVICE_READ] < r.total.energy_pj[NCM_COST_DEVICE_READ]);
    ncm_model_free(m);
}

/* Area: whole arrays of cells, their sense amplifiers and counters, row decoders. */
static void test_chip_area(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40,20", 1, 6, 6, 3);
    ncm_chip_config c = config("2t2r", 16, 8);
    ncm_tech t;
    ncm_tech_default(&t);
    ncm_cost_report r;
    ncm_error err = {0};
    assert_int_equal(ncm_cost_chip(m, &c, &t, &r, &err), NCM_OK);
    /* arrays: ceil(36/16) x ceil(40/8) = 15, ceil(40/16) x ceil(20/8) = 9, ceil(20/16) x 1 = 2 */
    const double arrays = 15 + 9 + 2;
    expect_near(r.area_cells_mm2, arrays * 16 * 8 * t.a_cell_2t2r_um2 * 1e-6, 1e-15);
    expect_near(r.area_periphery_mm2,
                arrays * (8 * (t.a_sense_um2 + t.a_popcount_um2) + 16 * t.a_row_decoder_um2) *
                    1e-6,
                1e-15);
    ncm_model_free(m);
}

/* The processor baselines against hand counts, and the float MLP's energy from Horowitz's
 * constants by hand (docs/cost.md gives the same calculation for the 784-1024-1024-10 MLP). */
static void test_processor_baselines(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_arch a;
    assert_int_equal(ncm_arch_parse("mlp:1024,1024", 1, 28, 28, 10, &a, &err), NCM_OK);
    ncm_model *m = ncm_model_alloc(&a, &err);
    assert_non_null(m);
    ncm_tech t;
    ncm_tech_default(&t);
    ncm_cost_report f, d, bs, bd;
    assert_int_equal(ncm_cost_processor(m, NCM_ARCH_SRAM_FLOAT, &t, &f, &err), NCM_OK);
    assert_int_equal(ncm_cost_processor(m, NCM_ARCH_DRAM_FLOAT, &t, &d, &err), NCM_OK);
    assert_int_equal(ncm_cost_processor(m, NCM_ARCH_SRAM_BNN, &t, &bs, &err), NCM_OK);
    assert_int_equal(ncm_cost_processor(m, NCM_ARCH_DRAM_BNN, &t, &bd, &err), NCM_OK);
    const double w = 784.0 * 1024 + 1024.0 * 1024 + 1024.0 * 10; /* 1,861,632 weights */
    assert_int_equal(f.total.count[NCM_COST_MULTIPLY], (int64_t)w);
    assert_int_equal(f.total.count[NCM_COST_WEIGHT_FETCH], (int64_t)(w / 2));
    /* by hand: 1.86e6 x (3.7 + 0.9) pJ of arithmetic, 930,816 words x 1.3 nJ from DRAM, and the
     * small terms (biases, activations, argmax) */
    const double arith = w * (3.7 + 0.9);
    const double small = (1024 + 1024 + 20) * 0.9 /* bias adds, the class affine */
                         + (1024 + 1024 + 9) * 0.9  /* activations, argmax */
                         + 10 * (392 + 512 + 512 + 512 + 512 + 5); /* activation words */
    expect_near(d.total.total_pj, arith + w / 2 * 1300 + small, 1e-6 * d.total.total_pj);
    expect_near(f.total.total_pj, arith + w / 2 * 100 + small, 1e-6 * f.total.total_pj);
    expect_near(d.total.total_pj * 1e-9, 1.2186, 1e-4); /* 1.22 mJ */
    /* the BNN: ceil(K/64) words per neuron; the first layer's 8 planes */
    const int64_t words = 1024 * 13 + 1024 * 16 + 10 * 16;
    assert_int_equal(bs.total.count[NCM_COST_WEIGHT_FETCH], words);
    assert_int_equal(bs.total.count[NCM_COST_XNOR], 1024 * 13 * 8 + 1024 * 16 + 10 * 16);
    expect_near(bd.total.energy_pj[NCM_COST_WEIGHT_FETCH], (double)words * 1300, 1e-6);
    assert_true(bd.total.total_pj > bs.total.total_pj);
    assert_true(isnan(bd.area_mm2));
    expect_near(bs.area_mm2, w * 0.346e-6, 1e-9);
    expect_near(f.area_mm2, 32 * w * 0.346e-6, 1e-9);
    ncm_cost_report x;
    expect_refused(ncm_cost_processor(m, NCM_ARCH_CHIP, &t, &x, &err), NCM_ERR_ARG, &err,
                   "not a processor baseline");
    ncm_model_free(m);
}

static void test_model_that_does_not_fit_refused(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:40,20", 1, 6, 6, 3);
    ncm_chip_config c = config("2t2r", 4096, 32);
    ncm_tech t;
    ncm_tech_default(&t);
    ncm_cost_report r;
    ncm_error err = {0};
    expect_refused(ncm_cost_chip(m, &c, &t, &r, &err), NCM_ERR_ARG, &err, "rows = 4096");
    t.e_sense_pj = NAN;
    c.rows = 16;
    expect_refused(ncm_cost_chip(m, &c, &t, &r, &err), NCM_ERR_ARG, &err, "array.e_sense_pj");
    ncm_model_free(m);
}

static void test_shipped_tech_file_holds_the_defaults(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (!slash)
        skip();
    snprintf(slash, sizeof path - (size_t)(slash - path), "/../data/tech_45nm.json");
    ncm_error err = {0};
    ncm_tech p, q;
    ncm_tech_default(&p);
    if (ncm_tech_load(path, &q, &err))
        fail_msg("%s", err.msg);
    assert_memory_equal(&p, &q, sizeof p);
    /* round trip */
    const char *out = tpath("tech.json");
    assert_int_equal(ncm_tech_save(out, &p, &err), NCM_OK);
    memset(&q, 0x55, sizeof q);
    assert_int_equal(ncm_tech_load(out, &q, &err), NCM_OK);
    assert_memory_equal(&p, &q, sizeof p);
}

/* The default file with group.key replaced by raw text (deleted when NULL), loaded. */
static ncm_status load_altered(const char *group, const char *key, const char *value,
                               ncm_error *err)
{
    ncm_tech p, q;
    ncm_tech_default(&p);
    const char *base = tpath("base.json");
    assert_int_equal(ncm_tech_save(base, &p, err), NCM_OK);
    char *text;
    size_t len;
    assert_int_equal(ncm_read_file(base, &text, &len, err), NCM_OK);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON *g = cJSON_GetObjectItemCaseSensitive(root, group);
    assert_non_null(g);
    if (value) {
        cJSON *v = cJSON_CreateRaw(value);
        if (cJSON_GetObjectItemCaseSensitive(g, key))
            cJSON_ReplaceItemInObjectCaseSensitive(g, key, v);
        else
            cJSON_AddItemToObject(g, key, v);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(g, key);
    }
    char *o = cJSON_Print(root);
    cJSON_Delete(root);
    const char *path = tpath("altered.json");
    write_raw(path, o, strlen(o));
    free(o);
    ncm_status s = ncm_tech_load(path, &q, err);
    if (s) {
        ncm_tech zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&q, &zero, sizeof q);
    }
    return s;
}

/* The shipped technology file with raw text spliced in after its first occurrence of `after`
 * (or appended at the end when NULL), loaded. */
static ncm_status load_spliced(const char *after, const char *text, ncm_error *err)
{
    ncm_tech q;
    char base[4096];
    snprintf(base, sizeof base, "%s", __FILE__);
    char *slash = strrchr(base, '/');
    assert_non_null(slash);
    snprintf(slash, sizeof base - (size_t)(slash - base), "/../data/tech_45nm.json");
    size_t n;
    char *t = (char *)read_all(base, &n);
    t[n] = 0;
    char *out = malloc(n + strlen(text) + 1);
    assert_non_null(out);
    if (after) {
        char *at = strstr(t, after);
        assert_non_null(at);
        at += strlen(after);
        const size_t head = (size_t)(at - t);
        memcpy(out, t, head);
        strcpy(out + head, text);
        strcat(out, at);
    } else {
        strcpy(out, t);
        strcat(out, text);
    }
    const char *path = tpath("spliced.json");
    write_raw(path, out, strlen(out));
    free(out);
    free(t);
    return ncm_tech_load(path, &q, err);
}

/* One document, nothing after it, no key twice (the shared JSON reader of every parameter
 * file). */
static void test_tech_file_duplicate_keys_and_trailing_data_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    expect_refused(load_spliced("\"vdd_v\": 0.9", ", \"vdd_v\": 5", &err), NCM_ERR_FORMAT, &err,
                   "key \"node.vdd_v\" appears twice");
    expect_refused(load_spliced("\"format\": \"nanocim-tech\"", ", \"format\": \"x\"", &err),
                   NCM_ERR_FORMAT, &err, "key \"format\" appears twice");
    expect_refused(load_spliced(NULL, "{}\n", &err), NCM_ERR_FORMAT, &err,
                   "data after the JSON document");
    assert_int_equal(load_spliced(NULL, " \n\t\r\n", &err), NCM_OK); /* white space is fine */
}

static void test_tech_file_bad_fields_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    expect_refused(load_altered("array", "e_sense_pj", "-0.01", &err), NCM_ERR_ARG, &err,
                   "field \"array.e_sense_pj\" must be >= 0, found -0.01");
    assert_contains(err.msg, "altered.json");
    expect_refused(load_altered("array", "t_cycle_ns", "0", &err), NCM_ERR_ARG, &err,
                   "array.t_cycle_ns");
    expect_refused(load_altered("processor", "e_dram_word_pj", "NaN", &err), NCM_ERR_FORMAT, &err,
                   "altered.json");
    expect_refused(load_altered("processor", "e_fmul_pj", "1e999", &err), NCM_ERR_ARG, &err,
                   "processor.e_fmul_pj\" must be a finite number");
    expect_refused(load_altered("logic", "e_add_pj", NULL, &err), NCM_ERR_FORMAT, &err,
                   "missing field \"logic.e_add_pj\"");
    expect_refused(load_altered("area", "a_cell_3t3r_um2", "1", &err), NCM_ERR_FORMAT, &err,
                   "unknown field \"area.a_cell_3t3r_um2\"");
    expect_refused(load_altered("node", "vdd_v", "\"0.9\"", &err), NCM_ERR_FORMAT, &err,
                   "must be a number, found a string");
}

/* The JSON document: every architecture, the chips' counts as computed. */
static void test_study_json(void **state)
{
    (void)state;
    ncm_model *m = random_model("cnn:4,p,6,f12", 1, 8, 8, 5);
    ncm_chip_config c[2] = {config("2t2r", 8, 4), config("1t1r-secded:4", 8, 6)};
    ncm_tech t;
    ncm_tech_default(&t);
    ncm_error err = {0};
    ncm_cost_study *s = ncm_cost_study_new(m, c, 2, &t, &err);
    assert_non_null(s);
    assert_int_equal(s->n_reports, 6);
    const char *path = tpath("cost.json");
    assert_int_equal(ncm_cost_study_save_json(s, "model.ncm", path, &err), NCM_OK);
    size_t n;
    char *text = (char *)read_all(path, &n);
    text[n] = 0;
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *arr = cJSON_GetObjectItem(root, "architectures");
    assert_int_equal(cJSON_GetArraySize(arr), 6);
    const cJSON *a1 = cJSON_GetArrayItem(arr, 1);
    assert_string_equal(cJSON_GetObjectItem(a1, "name")->valuestring, "1T1R+SECDED(8,4)");
    const cJSON *items = cJSON_GetObjectItem(cJSON_GetObjectItem(a1, "total"), "items");
    assert_int_equal((int64_t)cJSON_GetObjectItem(cJSON_GetObjectItem(items, "ecc"), "count")
                         ->valuedouble,
                     s->report[1].total.count[NCM_COST_ECC]);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 3), "area_mm2")));
    cJSON_Delete(root);
    FILE *f = fopen(tpath("table.txt"), "w");
    assert_non_null(f);
    assert_int_equal(ncm_cost_study_print(s, f, &err), NCM_OK);
    fclose(f);
    ncm_cost_study_free(s);
    assert_null(ncm_cost_study_new(m, c, 0, &t, &err));
    assert_contains(err.msg, "n_configs = 0");
    ncm_model_free(m);
}

static int setup(void **state)
{
    (void)state;
    return testdir_create("test_cost");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chip_counts_mlp),
        cmocka_unit_test(test_chip_counts_cnn),
        cmocka_unit_test(test_chip_counts_fashion_mlp),
        cmocka_unit_test(test_chip_energy_is_counts_times_constants),
        cmocka_unit_test(test_chip_area),
        cmocka_unit_test(test_processor_baselines),
        cmocka_unit_test(test_model_that_does_not_fit_refused),
        cmocka_unit_test(test_shipped_tech_file_holds_the_defaults),
        cmocka_unit_test(test_tech_file_bad_fields_refused),
        cmocka_unit_test(test_tech_file_duplicate_keys_and_trailing_data_refused),
        cmocka_unit_test(test_study_json),
    };
    return cmocka_run_group_tests(tests, setup, group_teardown);
}
