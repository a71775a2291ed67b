/* Tests of the vowel layer's oscillator network and its files (vowel.h): the model file's exact
 * round trip and the model read back from a study's result file; the reader's refusals (a missing
 * field, an unknown field, a wrong type, a bad value, two classes with the same target, a current
 * outside the range, a truncated file, a wrong format), each naming the field; evaluation and
 * training independent of the thread count; the learning rule's pull, push, rest and current
 * range; the study without coupling (no uncoupled twin), its report and result file; the
 * synchronization map's classes; a training stopped after an epoch and resumed from its checkpoint
 * equal to an uninterrupted one, and another training's checkpoint refused. One small synthetic split (women, the 7 vowels of Romera et al.,
 * F1 and F2) and a cheap configuration (2 epochs, short windows) keep each test short; the study
 * on it is built once for the tests that only read it. */
#define _XOPEN_SOURCE 700 /* nftw */

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

#include "testdir.h"
#include "nanocim/stno.h"
#include "nanocim/vowel.h"

/* ---- fixtures --------------------------------------------------------------------------------- */

static ncm_vowel_set *g_train, *g_test;
static ncm_vowel_study *g_study; /* the cheap configuration, coupled: with its uncoupled twin */

static ncm_vowel_config cheap(void)
{
    ncm_vowel_config c;
    ncm_vowel_config_default(&c);
    c.epochs = 2;
    c.design_starts = 1;
    c.t_window_ns = 300;
    c.t_transient_ns = 50;
    return c;
}

static ncm_vowel_baseline_params quick_baselines(void)
{
    ncm_vowel_baseline_params p;
    ncm_vowel_baseline_default(&p);
    p.epochs = 200;
    return p;
}

static int setup(void **state)
{
    (void)state;
    if (testdir_create("test_vowel_network"))
        return -1;
    ncm_error err = {0};
    ncm_vowel_set *all = ncm_vowel_synthetic(NULL, 12, 7, &err);
    if (!all || ncm_vowel_split(all, 0.5, 3, &g_train, &g_test, &err)) {
        fprintf(stderr, "vowel set: %s\n", err.msg);
        ncm_vowel_set_free(all);
        return -1;
    }
    ncm_vowel_set_free(all);
    const ncm_vowel_config c = cheap();
    const ncm_vowel_baseline_params bp = quick_baselines();
    g_study = ncm_vowel_study_new(&c, g_train, g_test, &bp, 0, NULL, &err);
    if (!g_study) {
        fprintf(stderr, "study: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    ncm_vowel_study_free(g_study);
    ncm_vowel_set_free(g_train);
    ncm_vowel_set_free(g_test);
    return group_teardown(state);
}

/* Field by field (the structs have padding), every byte of every value. */
#define SAME(f) assert_memory_equal(&a->f, &b->f, sizeof a->f)
static void assert_same_model(const ncm_vowel_model *a, const ncm_vowel_model *b)
{
    SAME(config.n_osc);
    SAME(config.device);
    SAME(config.spread);
    SAME(config.chip_seed);
    SAME(config.w_mhz);
    SAME(config.beta_rad);
    SAME(config.amp_mhz);
    SAME(config.in_gain);
    SAME(config.i_min_ma);
    SAME(config.i_max_ma);
    SAME(config.band_lo_mhz);
    SAME(config.band_hi_mhz);
    SAME(config.margin);
    SAME(config.dt_ns);
    SAME(config.t_transient_ns);
    SAME(config.t_window_ns);
    SAME(config.noise_seed);
    SAME(config.design_starts);
    SAME(config.design_seed);
    SAME(config.epochs);
    SAME(config.lr);
    SAME(config.push_mhz);
    SAME(config.lr_decay);
    SAME(config.shuffle_seed);
    SAME(config.learn);
    SAME(select); /* no padding: unsigned and ints */
    SAME(encoding.n_in);
    SAME(encoding.mhz_per_hz);
    SAME(encoding.offset_mhz);
    SAME(n_classes);
    SAME(n_osc);
    SAME(n_in);
    SAME(targets);
    SAME(i_dc_ma);
    SAME(i_init_ma);
    SAME(f_free_mhz);
}
#undef SAME

/* Every byte, padding included: the padding is zero on both sides in practice (the defaults,
 * training and the reader all start from zeroed memory), so a difference is a field that the file
 * does not carry (one added to the structs since). */
static void assert_same_bytes(const void *a, const void *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (((const uint8_t *)a)[k] != ((const uint8_t *)b)[k])
            fail_msg("byte %zu of %zu differs: a field the model file does not carry?", k, n);
}

static void assert_zero_model(const ncm_vowel_model *m)
{
    static const ncm_vowel_model zero;
    assert_memory_equal(m, &zero, sizeof *m);
}

static void expect_refused(ncm_status s, ncm_status want, const ncm_error *err, const char *needle)
{
    assert_int_equal(s, want);
    assert_int_equal(err->code, want);
    assert_contains(err->msg, needle);
}

/* The object at a dotted path from root ("model.config"). */
static cJSON *at(cJSON *root, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    cJSON *o = root;
    for (char *k = strtok(buf, "."); k; k = strtok(NULL, ".")) {
        o = cJSON_GetObjectItemCaseSensitive(o, k);
        assert_non_null(o);
    }
    return o;
}

/* The trained model saved to `name`, parsed. */
static cJSON *saved_model(const char *name)
{
    ncm_error err = {0};
    if (ncm_vowel_model_save(&g_study->net->model, tpath(name), &err))
        fail_msg("save: %s", err.msg);
    size_t n;
    uint8_t *text = read_all(tpath(name), &n);
    text[n] = 0;
    cJSON *root = cJSON_Parse((const char *)text);
    free(text);
    assert_non_null(root);
    return root;
}

/* Writes root (and frees it) to `name` and loads it into a model filled with garbage first;
 * returns the status; the model must come back zeroed on failure. */
static ncm_status load_written(cJSON *root, const char *name, ncm_error *err)
{
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    assert_non_null(text);
    write_raw(tpath(name), text, strlen(text));
    free(text);
    ncm_vowel_model m;
    memset(&m, 0xab, sizeof m);
    const ncm_status st = ncm_vowel_model_load(tpath(name), &m, err);
    if (st)
        assert_zero_model(&m);
    return st;
}

/* ---- the model file --------------------------------------------------------------------------- */

static void test_model_save_load_round_trip_is_exact(void **state)
{
    (void)state;
    ncm_vowel_model m = g_study->net->model;
    /* values a JSON number does not carry as printed by default, or at all */
    m.config.chip_seed = UINT64_MAX;
    m.config.noise_seed = (UINT64_C(1) << 53) + 1;
    m.config.design_seed = UINT64_C(1) << 53;
    m.config.beta_rad = 0.1 + 0.2;
    m.config.lr = 1.0 / 3;
    m.config.device.q = 1e-300;
    m.config.in_gain[2][1] = 0.25;
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_model_save(&m, tpath("round.json"), &err), NCM_OK);
    ncm_vowel_model back;
    memset(&back, 0xab, sizeof back);
    if (ncm_vowel_model_load(tpath("round.json"), &back, &err))
        fail_msg("load: %s", err.msg);
    assert_same_model(&back, &m);
    assert_same_bytes(&back, &m, sizeof m);
}

static void test_model_load_reads_a_study_result_file(void **state)
{
    (void)state;
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_study_save_json(g_study, tpath("study.json"), &err), NCM_OK);
    ncm_vowel_model back;
    if (ncm_vowel_model_load(tpath("study.json"), &back, &err))
        fail_msg("load: %s", err.msg);
    assert_same_model(&back, &g_study->net->model);
    /* and it evaluates: its selection is the sets' */
    ncm_vowel_score sc;
    assert_int_equal(ncm_vowel_eval(&back, g_test, 0, NULL, &sc, &err), NCM_OK);
    assert_int_equal(sc.correct, g_study->net->test.correct);
}

static void test_model_load_refuses_a_missing_field(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON *root = saved_model("missing.json");
    cJSON_DeleteItemFromObjectCaseSensitive(at(root, "model.config"), "epochs");
    expect_refused(load_written(root, "missing.json", &err), NCM_ERR_FORMAT, &err,
                   "missing.json: model.config.epochs: missing");
    root = saved_model("missing_dev.json");
    cJSON_DeleteItemFromObjectCaseSensitive(at(root, "model.config.device.damping"), "q");
    expect_refused(load_written(root, "missing_dev.json", &err), NCM_ERR_FORMAT, &err,
                   "model.config.device: missing field \"damping.q\"");
}

static void test_model_load_refuses_an_unknown_field(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON *root = saved_model("unknown.json");
    cJSON_AddNumberToObject(at(root, "model.encoding"), "scale", 1);
    expect_refused(load_written(root, "unknown.json", &err), NCM_ERR_FORMAT, &err,
                   "unknown.json: model.encoding.scale: unknown field");
}

static void test_model_load_refuses_a_wrong_type(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON *root = saved_model("type.json");
    cJSON_ReplaceItemInObjectCaseSensitive(at(root, "model"), "n_classes",
                                           cJSON_CreateString("7"));
    expect_refused(load_written(root, "type.json", &err), NCM_ERR_FORMAT, &err,
                   "type.json: model.n_classes: expected an integer, found a string");
}

static void test_model_load_refuses_a_bad_configuration_value(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON *root = saved_model("m.json");
    cJSON_ReplaceItemInObjectCaseSensitive(at(root, "model.config"), "epochs",
                                           cJSON_CreateNumber(-3));
    expect_refused(load_written(root, "m.json", &err), NCM_ERR_FORMAT, &err,
                   "m.json: model.config.epochs = -3: expected 0 to 10000");
}

static void test_model_load_refuses_two_classes_with_the_same_target(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON *root = saved_model("targets.json");
    cJSON *t = at(root, "model.targets");
    cJSON_ReplaceItemInArray(t, 1, cJSON_Duplicate(cJSON_GetArrayItem(t, 0), 1));
    expect_refused(load_written(root, "targets.json", &err), NCM_ERR_FORMAT, &err,
                   "targets.json: model.targets: classes 0 and 1 have the same target pattern");
}

static void test_model_load_refuses_a_current_outside_the_range(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON *root = saved_model("current.json");
    cJSON_ReplaceItemInArray(at(root, "model.i_dc_ma"), 1, cJSON_CreateNumber(20));
    expect_refused(load_written(root, "current.json", &err), NCM_ERR_FORMAT, &err,
                   "current.json: model.i_dc_ma[1] = 20: expected a current within");
}

static void test_model_load_refuses_a_truncated_file(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON_Delete(saved_model("truncated.json"));
    size_t n;
    uint8_t *text = read_all(tpath("truncated.json"), &n);
    write_raw(tpath("truncated.json"), text, n / 2);
    free(text);
    ncm_vowel_model m;
    memset(&m, 0xab, sizeof m);
    expect_refused(ncm_vowel_model_load(tpath("truncated.json"), &m, &err), NCM_ERR_FORMAT, &err,
                   "truncated.json: invalid JSON");
    assert_zero_model(&m);
}

static void test_model_load_refuses_a_wrong_format(void **state)
{
    (void)state;
    ncm_error err = {0};
    cJSON *root = saved_model("format.json");
    cJSON_ReplaceItemInObjectCaseSensitive(root, "format",
                                           cJSON_CreateString("nanocim-stno-device"));
    expect_refused(load_written(root, "format.json", &err), NCM_ERR_FORMAT, &err,
                   "format.json: format = \"nanocim-stno-device\": expected "
                   "\"nanocim-vowel-model\"");
}

/* ---- evaluation and training ------------------------------------------------------------------ */

static void test_eval_is_independent_of_the_thread_count(void **state)
{
    (void)state;
    const ncm_vowel_model *m = &g_study->net->model;
    int32_t *p1 = malloc(sizeof(int32_t) * (size_t)g_test->n);
    int32_t *p2 = malloc(sizeof(int32_t) * (size_t)g_test->n);
    assert_true(p1 && p2);
    ncm_vowel_score s1, s2;
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_eval(m, g_test, 1, p1, &s1, &err), NCM_OK);
    assert_int_equal(ncm_vowel_eval(m, g_test, 2, p2, &s2, &err), NCM_OK);
    assert_memory_equal(p1, p2, sizeof(int32_t) * (size_t)g_test->n);
    assert_int_equal(s1.n, s2.n);
    assert_int_equal(s1.correct, s2.correct);
    assert_int_equal(s1.undecided, s2.undecided);
    assert_memory_equal(&s1.accuracy, &s2.accuracy, sizeof s1.accuracy);
    assert_memory_equal(s1.confusion, s2.confusion, sizeof s1.confusion);
    /* and the scores are those training reported for the same model and set */
    assert_int_equal(s1.correct, g_study->net->test.correct);
    free(p1);
    free(p2);
}

static void assert_same_score(const ncm_vowel_score *a, const ncm_vowel_score *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->correct, b->correct);
    assert_int_equal(a->undecided, b->undecided);
    assert_memory_equal(&a->accuracy, &b->accuracy, sizeof a->accuracy);
    assert_memory_equal(a->confusion, b->confusion, sizeof a->confusion);
}

static void test_train_is_independent_of_the_thread_count(void **state)
{
    (void)state;
    const ncm_vowel_config c = cheap();
    ncm_error err = {0};
    ncm_vowel_training *t1 = ncm_vowel_train(&c, g_train, g_test, 1, NULL, &err);
    ncm_vowel_training *t2 = ncm_vowel_train(&c, g_train, g_test, 2, NULL, &err);
    assert_non_null(t1);
    assert_non_null(t2);
    assert_memory_equal(t1->model.i_dc_ma, t2->model.i_dc_ma, sizeof t1->model.i_dc_ma);
    assert_memory_equal(t1->model.targets, t2->model.targets, sizeof t1->model.targets);
    assert_same_score(&t1->train, &t2->train);
    assert_same_score(&t1->test, &t2->test);
    assert_same_score(&t1->train_init, &t2->train_init);
    assert_int_equal(t1->epochs, t2->epochs);
    assert_memory_equal(t1->curve_train, t2->curve_train, sizeof(double) * (size_t)t1->epochs);
    assert_memory_equal(t1->curve_mismatch, t2->curve_mismatch,
                        sizeof(double) * (size_t)t1->epochs);
    ncm_vowel_train_free(t1);
    ncm_vowel_train_free(t2);
}

/* ---- checkpoints -------------------------------------------------------------------------------- */

/* Cancels the training once `stop_after` epochs are reported done (the checkpoint of that epoch
 * is written just before the report), as a kill after that epoch would. */
static int stop_at(void *user, const char *task, int64_t done, int64_t total)
{
    (void)task, (void)total;
    return done >= *(const int64_t *)user;
}

static void test_training_resumed_from_its_checkpoint_equals_an_uninterrupted_one(void **state)
{
    (void)state;
    ncm_vowel_config c = cheap();
    c.epochs = 4;
    ncm_error err = {0};
    ncm_vowel_training *straight = ncm_vowel_train(&c, g_train, g_test, 0, NULL, &err);
    assert_non_null(straight);
    char ck[1200];
    snprintf(ck, sizeof ck, "%s", tpath("vowel.ckpt"));
    int64_t stop = 2;
    const ncm_progress cancel = {stop_at, &stop};
    assert_null(ncm_vowel_train_checkpointed(&c, g_train, g_test, 0, ck, 0, &cancel, &err));
    assert_int_equal(err.code, NCM_ERR_CANCELLED);
    size_t len;
    uint8_t *text = read_all(ck, &len); /* the stop came after the second epoch's checkpoint */
    cJSON *doc = cJSON_ParseWithLength((const char *)text, len); /* read_all ends no string */
    assert_non_null(doc);
    assert_true(cJSON_GetNumberValue(at(doc, "stages.network.epochs_done")) == 2);
    cJSON_Delete(doc);
    free(text);
    ncm_vowel_training *t = ncm_vowel_train_checkpointed(&c, g_train, g_test, 0, ck, 1, NULL, &err);
    if (!t)
        fail_msg("%s", err.msg);
    assert_memory_equal(straight->model.i_dc_ma, t->model.i_dc_ma, sizeof t->model.i_dc_ma);
    assert_memory_equal(straight->model.f_free_mhz, t->model.f_free_mhz,
                        sizeof t->model.f_free_mhz);
    assert_same_score(&straight->train, &t->train);
    assert_same_score(&straight->test, &t->test);
    assert_int_equal(straight->epochs, t->epochs);
    assert_int_equal(straight->runs, t->runs);
    assert_memory_equal(straight->curve_train, t->curve_train, sizeof(double) * 4);
    assert_memory_equal(straight->curve_mismatch, t->curve_mismatch, sizeof(double) * 4);
    ncm_vowel_train_free(t);
    /* another configuration's training refuses the checkpoint */
    c.lr = 0.3;
    assert_null(ncm_vowel_train_checkpointed(&c, g_train, g_test, 0, ck, 1, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_STATE);
    assert_non_null(strstr(err.msg, "another training"));
    remove(ck);
    assert_null(ncm_vowel_train_checkpointed(&c, g_train, g_test, 0, ck, 1, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_IO);
    assert_null(ncm_vowel_train_checkpointed(&c, g_train, g_test, 0, NULL, 1, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    ncm_vowel_train_free(straight);
}

/* ---- the learning rule ------------------------------------------------------------------------ */

static double free_f(const ncm_stno_params *d, double i_ma)
{
    ncm_stno_op op;
    assert_int_equal(ncm_stno_operating_point(d, i_ma, &op, NULL), NCM_OK);
    return op.f_mhz;
}

/* Four oscillators, two inputs, one sample with input 0 at f(9 mA) + sign x 5 MHz:
 *   0: target input 0, free              -> pulled towards input 0
 *   1: locked to input 0, target free    -> pushed away from input 0
 *   2: locked to input 1, its target     -> left alone
 *   3: target input 1, free, at a bound of the range, input 1 far beyond it -> stays at the bound */
static void learn_case(double sign)
{
    ncm_vowel_config c;
    ncm_vowel_config_default(&c);
    ncm_stno_params dev[4];
    for (int i = 0; i < 4; i++)
        dev[i] = c.device;
    const double bound = sign > 0 ? c.i_max_ma : c.i_min_ma;
    double i_dc[4] = {9, 9, 9, bound};
    const double f9 = free_f(&dev[0], 9);
    const double f_in[2] = {f9 + sign * 5, free_f(&dev[3], bound) + sign * 50};
    const int8_t state[4] = {NCM_VOWEL_FREE, 0, 1, NCM_VOWEL_FREE};
    const int8_t target[4] = {0, NCM_VOWEL_FREE, 1, 1};
    const double rate = 0.5;
    int moved = -1;
    ncm_error err = {0};
    assert_int_equal(
        ncm_vowel_learn_step(&c, dev, 2, f_in, state, target, rate, i_dc, &moved, &err), NCM_OK);
    assert_int_equal(moved, 3);
    const double f0 = free_f(&dev[0], i_dc[0]), f1 = free_f(&dev[1], i_dc[1]);
    /* pulled: towards the input, not past it (how far is the rule's step size) */
    assert_true(sign * (f0 - f9) > 0);
    assert_true(sign * (f_in[0] - f0) >= -1e-9);
    /* pushed: away from the input */
    assert_true(sign * (f1 - f9) < 0);
    assert_true(i_dc[2] == 9);
    assert_true(i_dc[3] == bound);
    for (int i = 0; i < 4; i++)
        assert_true(i_dc[i] >= c.i_min_ma && i_dc[i] <= c.i_max_ma);
}

static void test_learn_step_pulls_pushes_and_keeps_the_range_above(void **state)
{
    (void)state;
    learn_case(+1);
}

static void test_learn_step_pulls_pushes_and_keeps_the_range_below(void **state)
{
    (void)state;
    learn_case(-1);
}

/* ---- the study -------------------------------------------------------------------------------- */

static void test_study_without_coupling_has_no_uncoupled_twin(void **state)
{
    (void)state;
    ncm_vowel_config c = cheap();
    c.w_mhz = 0;
    const ncm_vowel_baseline_params bp = quick_baselines();
    ncm_error err = {0};
    ncm_vowel_study *s = ncm_vowel_study_new(&c, g_train, g_test, &bp, 0, NULL, &err);
    if (!s)
        fail_msg("study: %s", err.msg);
    assert_non_null(s->net);
    assert_null(s->uncoupled);
    assert_int_equal(s->n_baselines, 3);
    assert_int_equal(s->n_train, g_train->n);
    assert_int_equal(s->n_test, g_test->n);
    assert_int_equal(s->n_train_speakers, g_train->n_speakers);
    assert_string_equal(s->test_source, g_test->source);
    ncm_vowel_study_free(s);
    ncm_vowel_study_free(NULL);
    /* the coupled study of the fixture has its twin */
    assert_non_null(g_study->uncoupled);
    assert_true(g_study->uncoupled->model.config.w_mhz == 0);
}

static void test_study_print_writes_every_row(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_study_print(g_study, f, &err), NCM_OK);
    const long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *text = calloc((size_t)n + 1, 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    static const char *const rows[] = {"oscillators (learned)", "oscillators (untrained)",
                                       "oscillators (uncoupled, learned)", "nearest-centroid",
                                       "gaussian", "mlp", "undecided (test)", "timing:",
                                       "oscillator-steps/s", "  ae:", "test confusion"};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        assert_contains(text, rows[k]);
    free(text);
}

static void test_study_result_file_holds_every_block(void **state)
{
    (void)state;
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_study_save_json(g_study, tpath("blocks.json"), &err), NCM_OK);
    size_t n;
    uint8_t *text = read_all(tpath("blocks.json"), &n);
    text[n] = 0;
    cJSON *root = cJSON_Parse((const char *)text);
    free(text);
    assert_non_null(root); /* cJSON reads no NaN or infinity: none was written */
    assert_string_equal(at(root, "format")->valuestring, "nanocim-vowel-result");
    assert_non_null(at(root, "producer"));
    const int nc = g_study->net->model.n_classes;
    assert_int_equal(cJSON_GetArraySize(at(root, "test.confusion")), nc);
    assert_int_equal(at(root, "test.correct")->valueint, (int)g_study->net->test.correct);
    assert_non_null(at(root, "untrained.test"));
    assert_non_null(at(root, "uncoupled.untrained.train"));
    cJSON *bl = at(root, "baselines");
    assert_int_equal(cJSON_GetArraySize(bl), 3);
    assert_string_equal(at(cJSON_GetArrayItem(bl, 2), "name")->valuestring, "mlp");
    assert_int_equal(cJSON_GetArraySize(at(root, "curve")), g_study->net->epochs);
    assert_int_equal(at(root, "data.train.tokens")->valueint, (int)g_train->n);
    assert_non_null(at(root, "timing.osc_steps_per_second"));
    assert_non_null(at(root, "design_train_accuracy"));
    cJSON_Delete(root);
}

/* ---- the map ---------------------------------------------------------------------------------- */

static void test_map_gives_classes_in_range_or_undecided(void **state)
{
    (void)state;
    const ncm_vowel_model *m = &g_study->net->model;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int64_t i = 0; i < g_train->n; i++)
        for (int k = 0; k < 2; k++) {
            const double x = g_train->x[i * 2 + k];
            lo[k] = fmin(lo[k], x), hi[k] = fmax(hi[k], x);
        }
    double f1[5], f2[4];
    for (int i = 0; i < 5; i++)
        f1[i] = lo[0] + (hi[0] - lo[0]) * i / 4;
    for (int j = 0; j < 4; j++)
        f2[j] = lo[1] + (hi[1] - lo[1]) * j / 3;
    int32_t pred[20];
    for (int p = 0; p < 20; p++)
        pred[p] = -99;
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_map(m, f1, 5, f2, 4, NULL, 0, pred, &err), NCM_OK);
    for (int p = 0; p < 20; p++)
        assert_true(pred[p] == NCM_VOWEL_UNDECIDED || (pred[p] >= 0 && pred[p] < m->n_classes));
}

/* A sweep point is a training at that condition: the spread factor 1 reproduces the configured
 * network exactly, and a value out of range is refused naming it. */
static void test_sweep_point_equals_a_training_at_that_condition(void **state)
{
    (void)state;
    ncm_vowel_config c = cheap();
    ncm_error err = {0};
    const double v[2] = {1, 0};
    ncm_vowel_sweep *sw =
        ncm_vowel_sweep_new(&c, g_train, g_test, NCM_VOWEL_SWEEP_SPREAD, v, 2, 0, NULL, &err);
    assert_non_null(sw);
    assert_int_equal(sw->n, 2);
    ncm_vowel_training *t = ncm_vowel_train(&c, g_train, g_test, 0, NULL, &err);
    assert_non_null(t);
    assert_true(sw->test_accuracy[0] == t->test.accuracy);
    assert_true(sw->train_accuracy[0] == t->train.accuracy);
    assert_true(sw->untrained_test_accuracy[0] == t->test_init.accuracy);
    c.spread = 0; /* factor 0: identical devices, as without spread */
    ncm_vowel_training *t0 = ncm_vowel_train(&c, g_train, g_test, 0, NULL, &err);
    assert_non_null(t0);
    assert_true(sw->test_accuracy[1] == t0->test.accuracy);
    ncm_vowel_train_free(t);
    ncm_vowel_train_free(t0);
    ncm_vowel_sweep_free(sw);
}

static void test_sweep_refuses_a_value_out_of_range(void **state)
{
    (void)state;
    ncm_vowel_config c = cheap();
    ncm_error err = {0};
    const double v[2] = {300, -1};
    assert_null(ncm_vowel_sweep_new(&c, g_train, g_test, NCM_VOWEL_SWEEP_TEMPERATURE, v, 2, 0,
                                    NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_non_null(strstr(err.msg, "temperature_k[1] = -1"));
}

/* Work far beyond any study (16 oscillators, 1e4 epochs of 2e6 ns samples: 2.7e13
 * oscillator-ns) is refused before anything runs, with the figure; the message starts with the
 * field. */
static void test_train_refuses_absurd_work_with_the_figure(void **state)
{
    (void)state;
    ncm_vowel_config c = cheap();
    c.n_osc = 16;
    c.epochs = 10000;
    c.t_window_ns = 1e6;
    c.t_transient_ns = 1e6;
    ncm_error err = {0};
    assert_null(ncm_vowel_train(&c, g_train, g_test, 0, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_non_null(strstr(err.msg, "epochs = 10000 with t_window_ns = 1e+06"));
    assert_non_null(strstr(err.msg, "more than the 1e+13 a call may take"));
    assert_null(ncm_vowel_study_new(&c, g_train, g_test, NULL, 0, NULL, &err));
    assert_non_null(strstr(err.msg, "2 trainings"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_save_load_round_trip_is_exact),
        cmocka_unit_test(test_model_load_reads_a_study_result_file),
        cmocka_unit_test(test_model_load_refuses_a_missing_field),
        cmocka_unit_test(test_model_load_refuses_an_unknown_field),
        cmocka_unit_test(test_model_load_refuses_a_wrong_type),
        cmocka_unit_test(test_model_load_refuses_a_bad_configuration_value),
        cmocka_unit_test(test_model_load_refuses_two_classes_with_the_same_target),
        cmocka_unit_test(test_model_load_refuses_a_current_outside_the_range),
        cmocka_unit_test(test_model_load_refuses_a_truncated_file),
        cmocka_unit_test(test_model_load_refuses_a_wrong_format),
        cmocka_unit_test(test_eval_is_independent_of_the_thread_count),
        cmocka_unit_test(test_train_is_independent_of_the_thread_count),
        cmocka_unit_test(test_learn_step_pulls_pushes_and_keeps_the_range_above),
        cmocka_unit_test(test_learn_step_pulls_pushes_and_keeps_the_range_below),
        cmocka_unit_test(test_study_without_coupling_has_no_uncoupled_twin),
        cmocka_unit_test(test_study_print_writes_every_row),
        cmocka_unit_test(test_study_result_file_holds_every_block),
        cmocka_unit_test(test_map_gives_classes_in_range_or_undecided),
        cmocka_unit_test(test_sweep_point_equals_a_training_at_that_condition),
        cmocka_unit_test(test_sweep_refuses_a_value_out_of_range),
        cmocka_unit_test(test_train_refuses_absurd_work_with_the_figure),
        cmocka_unit_test(test_training_resumed_from_its_checkpoint_equals_an_uninterrupted_one),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
