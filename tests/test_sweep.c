/* Tests of the chip sweeps (sweep.h): the grid's order and configurations, each point equal to a
 * Monte Carlo over the same chips, the same bytes for 1 and 2 threads and for 1 and 2 (or 3)
 * processes sharing the tasks (two threads standing in for two MPI ranks, exchanging through a
 * barrier), refused parameters naming the field, the CSV and JSON writers, and resuming from a
 * checkpoint (its records taken, a cut record dropped, another sweep's refused). */
#define _XOPEN_SOURCE 700 /* nftw (testdir.h), pthread barriers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bnn/bnn_internal.h"
#include "nanocim/config.h"
#include "nanocim/rng.h"
#include "nanocim/sweep.h"
#include "random_model.h"
#include "testdir.h"

/* n random 7x7 images whose labels are model m's predictions (so errors lower the accuracy). */
static ncm_dataset *labelled_by(const ncm_model *m, int64_t n, uint64_t seed)
{
    uint8_t *px = malloc((size_t)n * 49), *lab = calloc((size_t)n, 1);
    int32_t *pred = malloc((size_t)n * sizeof *pred);
    ncm_rng r;
    ncm_rng_init(&r, seed, 1);
    for (int64_t i = 0; i < n * 49; i++)
        px[i] = (uint8_t)ncm_rng_u32(&r);
    ncm_error err;
    ncm_dataset *d = ncm_dataset_new(n, 1, 7, 7, 4, px, lab, &err);
    assert_non_null(d);
    assert_int_equal(ncm_model_predict(m, d, pred, NULL, &err), NCM_OK);
    for (int64_t i = 0; i < n; i++)
        lab[i] = (uint8_t)pred[i];
    ncm_dataset *e = ncm_dataset_new(n, 1, 7, 7, 4, px, lab, &err);
    assert_non_null(e);
    ncm_dataset_free(d);
    free(px);
    free(lab);
    free(pred);
    return e;
}

typedef struct {
    ncm_model *m[2];
    ncm_dataset *d;
    double ber[3];
    ncm_storage st[2];
    double icc[2];
} fixture;

static fixture g;

static int setup(void **state)
{
    (void)state;
    (void)write_raw;
    g.m[0] = random_model("mlp:48", 1, 7, 7, 3);
    g.m[1] = random_model("mlp:40,32", 1, 7, 7, 4);
    g.d = labelled_by(g.m[0], 300, 5);
    g.ber[0] = 0, g.ber[1] = 0.01, g.ber[2] = 0.05;
    ncm_error err;
    assert_int_equal(ncm_storage_parse("2t2r", &g.st[0], &err), NCM_OK);
    assert_int_equal(ncm_storage_parse("1t1r-secded:8", &g.st[1], &err), NCM_OK);
    g.icc[0] = 10, g.icc[1] = 60;
    return testdir_create("test_sweep");
}

static int teardown(void **state)
{
    ncm_model_free(g.m[0]);
    ncm_model_free(g.m[1]);
    ncm_dataset_free(g.d);
    return group_teardown(state);
}

/* Two models x BER axis (fault mode), 16 x 16 arrays, 4 chips per point. */
static ncm_sweep_params fault_sweep(void)
{
    ncm_sweep_params p;
    ncm_sweep_default(&p);
    static const char *names[2] = {"a.ncm", "b.ncm"};
    p.models = (const ncm_model *const *)g.m;
    p.model_names = names;
    p.n_models = 2;
    p.base.rows = p.base.cols = 16;
    p.axes[0] = (ncm_sweep_axis){.kind = NCM_AXIS_BER, .n = 3, .values = g.ber};
    p.n_axes = 1;
    p.n_chips = 4;
    p.seed = 11;
    return p;
}

/* One model, storage x I_cc (device mode). */
static ncm_sweep_params device_sweep(void)
{
    ncm_sweep_params p;
    ncm_sweep_default(&p);
    p.models = (const ncm_model *const *)g.m;
    p.n_models = 1;
    p.base.mode = NCM_CHIP_DEVICES;
    p.base.rows = p.base.cols = 16;
    p.axes[0] = (ncm_sweep_axis){.kind = NCM_AXIS_STORAGE, .n = 2, .storages = g.st};
    p.axes[1] = (ncm_sweep_axis){.kind = NCM_AXIS_ICC, .n = 2, .values = g.icc};
    p.n_axes = 2;
    p.n_chips = 3;
    p.seed = 12;
    return p;
}

static void points_follow_the_grid_and_equal_a_monte_carlo_of_their_chips(void **state)
{
    (void)state;
    ncm_sweep_params p = fault_sweep();
    ncm_error err;
    ncm_sweep_table *t = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    assert_non_null(t);
    assert_int_equal(t->n_points, 6);
    for (int64_t i = 0; i < 6; i++) {
        const ncm_sweep_point *P = &t->points[i];
        assert_int_equal(P->model, i / 3);
        assert_int_equal(P->axis_index[0], i % 3);
        expect_near(ncm_sweep_point_value(t, i, 0), g.ber[i % 3], 0);
        expect_near(P->config.faults.ber, g.ber[i % 3], 0);
        /* chips i * 4 .. i * 4 + 3 of the seed: the Monte Carlo over the same chips */
        ncm_chip_mc_params q;
        ncm_chip_mc_default(&q);
        q.chip = P->config;
        q.n_chips = 4;
        q.first_chip = i * 4;
        q.seed = 11;
        ncm_chip_mc_result *r = ncm_chip_mc(g.m[P->model], g.d, &q, NULL, &err);
        assert_non_null(r);
        assert_memory_equal(r->accuracy, t->accuracy + i * 4, 4 * sizeof(double));
        expect_near(P->mean, r->mean, 0);
        expect_near(P->ber_measured, r->ber_total, 0);
        ncm_chip_mc_result_free(r);
    }
    /* no errors: every chip agrees with the labels; more errors, lower accuracy */
    expect_near(t->points[0].mean, 1.0, 0);
    assert_true(t->points[2].mean < t->points[1].mean);
    ncm_sweep_table_free(t);
}

static void device_points_carry_mapping_and_energy(void **state)
{
    (void)state;
    ncm_sweep_params p = device_sweep();
    ncm_error err;
    ncm_sweep_table *t = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    assert_non_null(t);
    assert_int_equal(t->n_points, 4);
    for (int64_t i = 0; i < 4; i++) {
        const ncm_sweep_point *P = &t->points[i];
        expect_near(P->config.cond.i_cc_ua, g.icc[i % 2], 0);
        assert_int_equal(P->config.storage.ecc_k, i < 2 ? 0 : 8);
        assert_true(P->energy_bit_pj > 0);
        assert_int_equal(P->map.total.decoders > 0, i >= 2);
    }
    /* a stronger SET costs more energy and makes fewer errors */
    assert_true(t->points[1].energy_bit_pj > t->points[0].energy_bit_pj);
    assert_true(t->points[1].ber_measured < t->points[0].ber_measured);
    ncm_sweep_table_free(t);
}

/* The bytes of the CSV and JSON of a table. */
static char *files_of(const ncm_sweep_table *t, const char *tag)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "%s.csv", tag);
    snprintf(b, sizeof b, "%s.json", tag);
    ncm_error err;
    assert_int_equal(ncm_sweep_table_save_csv(t, tpath(a), &err), NCM_OK);
    assert_int_equal(ncm_sweep_table_save_json(t, "gen", tpath(b), &err), NCM_OK);
    size_t n1, n2;
    uint8_t *x = read_all(tpath(a), &n1), *y = read_all(tpath(b), &n2);
    char *s = malloc(n1 + n2 + 1);
    memcpy(s, x, n1);
    memcpy(s + n1, y, n2);
    s[n1 + n2] = 0;
    free(x);
    free(y);
    return s;
}

/* ---- two ranks in one process ------------------------------------------------------------- */

typedef struct {
    pthread_barrier_t bar;
    int size;
    const void *send[3];
    size_t send_bytes[3];
} fake_world;

typedef struct {
    fake_world *w;
    int rank;
} fake_rank;

/* allgatherv between threads: each posts its block, all copy every block, in rank order. */
static int fake_allgatherv(void *user, const void *send, size_t send_bytes, void *recv,
                           const size_t *bytes)
{
    fake_rank *r = user;
    r->w->send[r->rank] = send;
    r->w->send_bytes[r->rank] = send_bytes;
    pthread_barrier_wait(&r->w->bar);
    size_t off = 0;
    for (int k = 0; k < r->w->size; k++) {
        if (r->w->send_bytes[k] != bytes[k])
            return 1;
        memcpy((char *)recv + off, r->w->send[k], bytes[k]);
        off += bytes[k];
    }
    pthread_barrier_wait(&r->w->bar);
    return 0;
}

typedef struct {
    ncm_sweep_params p;
    ncm_sweep_comm comm;
    fake_rank fr;
    ncm_sweep_table *t;
} rank_job;

static void *rank_main(void *arg)
{
    rank_job *j = arg;
    ncm_error err;
    j->p.threads = 1;
    j->t = ncm_sweep_run(&j->p, g.d, &j->comm, NULL, &err);
    return NULL;
}

/* The table of the sweep split between `size` fake ranks (size 2 or 3), from rank 0. */
static char *split_run(ncm_sweep_params p, int size, const char *tag)
{
    fake_world w;
    memset(&w, 0, sizeof w);
    w.size = size;
    pthread_barrier_init(&w.bar, NULL, (unsigned)size);
    rank_job jobs[3];
    pthread_t th[3];
    for (int r = 0; r < size; r++) {
        jobs[r].p = p;
        jobs[r].fr = (fake_rank){&w, r};
        jobs[r].comm = (ncm_sweep_comm){r, size, fake_allgatherv, &jobs[r].fr};
        jobs[r].t = NULL;
    }
    for (int r = 0; r < size; r++)
        pthread_create(&th[r], NULL, rank_main, &jobs[r]);
    for (int r = 0; r < size; r++)
        pthread_join(th[r], NULL);
    pthread_barrier_destroy(&w.bar);
    for (int r = 0; r < size; r++)
        assert_non_null(jobs[r].t);
    char *s = files_of(jobs[0].t, tag);
    for (int r = 1; r < size; r++) { /* every rank holds the whole table */
        assert_memory_equal(jobs[r].t->accuracy, jobs[0].t->accuracy,
                            (size_t)(jobs[0].t->n_points * jobs[0].t->n_chips) * sizeof(double));
        ncm_sweep_table_free(jobs[r].t);
    }
    ncm_sweep_table_free(jobs[0].t);
    return s;
}

static void the_same_bytes_for_any_thread_or_process_count(void **state)
{
    (void)state;
    ncm_sweep_params ps[2] = {fault_sweep(), device_sweep()};
    for (int k = 0; k < 2; k++) {
        ncm_error err;
        ps[k].threads = 1;
        ncm_sweep_table *t1 = ncm_sweep_run(&ps[k], g.d, NULL, NULL, &err);
        ps[k].threads = 2;
        ncm_sweep_table *t2 = ncm_sweep_run(&ps[k], g.d, NULL, NULL, &err);
        assert_non_null(t1);
        assert_non_null(t2);
        char *a = files_of(t1, "one"), *b = files_of(t2, "two");
        assert_string_equal(a, b);
        char *c = split_run(ps[k], 2, "ranks2"), *e = split_run(ps[k], 3, "ranks3");
        assert_string_equal(a, c);
        assert_string_equal(a, e);
        free(a);
        free(b);
        free(c);
        free(e);
        ncm_sweep_table_free(t1);
        ncm_sweep_table_free(t2);
    }
}

#define EXPECT_REFUSED(p, prefix)                                                                  \
    do {                                                                                           \
        ncm_error e_;                                                                              \
        assert_null(ncm_sweep_run(&(p), g.d, NULL, NULL, &e_));                                    \
        if (strncmp(e_.msg, prefix, strlen(prefix)))                                               \
            fail_msg("\"%s\" does not start with \"%s\"", e_.msg, prefix);                         \
    } while (0)

static void bad_parameters_are_refused_naming_the_field(void **state)
{
    (void)state;
    ncm_sweep_params p = fault_sweep();
    p.n_chips = 0;
    EXPECT_REFUSED(p, "n_chips = 0: ");
    p = fault_sweep();
    const double bad[2] = {0.1, NAN};
    p.axes[0].values = bad;
    p.axes[0].n = 2;
    EXPECT_REFUSED(p, "point 1 (model 0 a.ncm): faults.ber = nan: ");
    p = fault_sweep();
    p.axes[0].n = 0;
    EXPECT_REFUSED(p, "axes[0] (ber).n = 0: ");
    p = fault_sweep();
    p.axes[1] = (ncm_sweep_axis){.kind = NCM_AXIS_ICC, .n = 2, .values = g.icc};
    p.n_axes = 2;
    EXPECT_REFUSED(p, "axes[1] (icc): a programming axis needs the device-physics mode");
    p = device_sweep();
    p.axes[0] = (ncm_sweep_axis){.kind = NCM_AXIS_BER, .n = 3, .values = g.ber};
    EXPECT_REFUSED(p, "axes[0] (ber): a fault rate axis needs the fault-injection mode");
    p = fault_sweep();
    const double arrays[2] = {8, 0};
    p.axes[0] = (ncm_sweep_axis){.kind = NCM_AXIS_ARRAY, .n = 2, .values = arrays};
    EXPECT_REFUSED(p, "array = 0: ");
    const double big[1] = {64};
    p.axes[0] = (ncm_sweep_axis){.kind = NCM_AXIS_ARRAY, .n = 1, .values = big};
    EXPECT_REFUSED(p, "point 0 (model 0 a.ncm): rows = 64: larger than every layer's fan-in");
    p = fault_sweep();
    p.axes[1] = p.axes[0];
    p.n_axes = 2;
    EXPECT_REFUSED(p, "axes[0] and axes[1] both vary ber");
    p = fault_sweep();
    p.n_chips = 100000;
    static double many[100000];
    p.axes[0].values = many;
    p.axes[0].n = 100000;
    EXPECT_REFUSED(p, "the sweep has more than 100000000");
}

/* Too many (point, chip) tasks: the message gives the figure, not only the limit. */
static void too_many_tasks_are_refused_with_the_figure(void **state)
{
    (void)state;
    ncm_sweep_params p = fault_sweep();
    p.n_chips = 100000;
    static double many[100000];
    p.axes[0].values = many;
    p.axes[0].n = 100000;
    ncm_error e;
    assert_null(ncm_sweep_run(&p, g.d, NULL, NULL, &e));
    assert_int_equal(e.code, NCM_ERR_ARG);
    if (!strstr(e.msg, "n_chips = 100000 x 2e+05 points = 2e+10"))
        fail_msg("no figure in \"%s\"", e.msg);
}

/* With several models, a dataset of another image shape names the model it does not fit. */
static void data_of_another_shape_names_the_model(void **state)
{
    (void)state;
    ncm_model *m8 = random_model("mlp:48", 1, 8, 8, 5);
    const ncm_model *models[2] = {g.m[0], m8};
    ncm_sweep_params p = fault_sweep();
    p.models = models;
    ncm_error e;
    ncm_sweep_table *t = ncm_sweep_run(&p, g.d, NULL, NULL, &e);
    ncm_model_free(m8);
    assert_null(t);
    assert_int_equal(e.code, NCM_ERR_DATA);
    if (strncmp(e.msg, "model 1 b.ncm: dataset images are 1x7x7, the model expects 1x8x8", 64))
        fail_msg("\"%s\" does not name the model", e.msg);
}

static void the_files_hold_the_table(void **state)
{
    (void)state;
    ncm_sweep_params p = fault_sweep();
    ncm_error err;
    ncm_sweep_table *t = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    assert_non_null(t);
    char *s = files_of(t, "files");
    assert_int_equal(strncmp(s, "model,axis_ber,mode,rows,cols,storage,", 38), 0);
    int lines = 0;
    for (const char *c = s; *c && *c != '{'; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 7);
    cJSON *o = cJSON_Parse(strchr(s, '{'));
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "command")->valuestring, "sweep");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "points")), 6);
    cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "points"), 4);
    assert_string_equal(cJSON_GetObjectItem(p0, "model")->valuestring, "b.ncm");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p0, "accuracy")), 4);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetArrayItem(cJSON_GetObjectItem(p0, "flips"), 0)),
                     3);
    assert_null(cJSON_GetObjectItem(o, "seconds"));
    cJSON_Delete(o);
    free(s);
    assert_int_not_equal(ncm_sweep_table_save_csv(t, tpath("nope/x.csv"), &err), NCM_OK);
    assert_non_null(strstr(err.msg, "nope/x.csv"));
    ncm_sweep_table_free(t);
}

/* ---- checkpoints ------------------------------------------------------------------------ */

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void resuming_takes_the_checkpoints_records_and_runs_the_rest(void **state)
{
    (void)state;
    ncm_error err;
    ncm_sweep_params p = fault_sweep();
    ncm_sweep_table *plain = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    assert_non_null(plain);
    char ck[1200]; /* tpath's buffers rotate */
    snprintf(ck, sizeof ck, "%s", tpath("sweep.ckpt"));
    p.checkpoint = ck;
    ncm_sweep_table *t = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    assert_non_null(t);
    /* a header, then one record per task: accuracy, energy, the errors of 3 layers */
    const long rb = 2 * 8 + 3 * 8, tasks = 2 * 3 * 4;
    assert_int_equal(file_size(ck), 48 + tasks * rb);
    char *a = files_of(plain, "plain"), *b = files_of(t, "checkpointed");
    assert_string_equal(a, b);
    ncm_sweep_table_free(t);
    /* Keep 5 whole records and part of the sixth (a kill during an append), and mark the first
     * record's accuracy: the resumed table must carry the mark (taken, not rerun) and equal the
     * plain table everywhere else. */
    assert_int_equal(truncate(ck, 48 + 5 * rb + 7), 0);
    FILE *fp = fopen(ck, "r+b");
    assert_non_null(fp);
    const double mark = 0.125;
    assert_int_equal(fseek(fp, 48, SEEK_SET), 0);
    assert_int_equal(fwrite(&mark, sizeof mark, 1, fp), 1);
    assert_int_equal(fclose(fp), 0);
    p.resume = 1;
    t = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    if (!t)
        fail_msg("%s", err.msg);
    assert_true(t->accuracy[0] == mark);
    for (long i = 1; i < tasks; i++)
        assert_true(t->accuracy[i] == plain->accuracy[i]);
    assert_int_equal(file_size(ck), 48 + tasks * rb);
    ncm_sweep_table_free(t);
    /* A complete checkpoint resumes to the table without running anything. */
    t = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    assert_non_null(t);
    assert_true(t->accuracy[0] == mark);
    ncm_sweep_table_free(t);
    free(a);
    free(b);
    ncm_sweep_table_free(plain);
    remove(ck);
}

static void a_checkpoint_of_another_sweep_is_refused(void **state)
{
    (void)state;
    ncm_error err;
    ncm_sweep_params p = fault_sweep();
    char ck[1200];
    snprintf(ck, sizeof ck, "%s", tpath("other.ckpt"));
    p.checkpoint = ck;
    ncm_sweep_table *t = ncm_sweep_run(&p, g.d, NULL, NULL, &err);
    assert_non_null(t);
    ncm_sweep_table_free(t);
    p.resume = 1;
    double ber[3] = {0, 0.01, 0.06};
    ncm_sweep_params q[4] = {p, p, p, p};
    q[0].seed = 12;
    q[1].n_chips = 5;
    q[2].axes[0].values = ber;
    q[3].base.read_ber = 1e-3;
    for (int k = 0; k < 4; k++) {
        assert_null(ncm_sweep_run(&q[k], g.d, NULL, NULL, &err));
        assert_int_equal(err.code, NCM_ERR_STATE);
        assert_non_null(strstr(err.msg, "written by another sweep"));
    }
    ncm_dataset *other = labelled_by(g.m[0], 300, 6); /* other images */
    assert_null(ncm_sweep_run(&p, other, NULL, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_STATE);
    ncm_dataset_free(other);
    FILE *fp = fopen(ck, "r+b");
    assert_non_null(fp);
    const double nan = NAN; /* a damaged record: the first task's accuracy */
    assert_int_equal(fseek(fp, 48, SEEK_SET), 0);
    assert_int_equal(fwrite(&nan, sizeof nan, 1, fp), 1);
    assert_int_equal(fflush(fp), 0);
    assert_null(ncm_sweep_run(&p, g.d, NULL, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "record 0 is damaged"));
    /* error counts beyond the layer's weights (once summed past INT64_MAX: found by fuzzing) */
    const double half = 0.5;
    const int64_t many = INT64_MAX / 2;
    assert_int_equal(fseek(fp, 48, SEEK_SET), 0);
    assert_int_equal(fwrite(&half, sizeof half, 1, fp), 1);
    assert_int_equal(fseek(fp, 48 + 16, SEEK_SET), 0);
    assert_int_equal(fwrite(&many, sizeof many, 1, fp), 1);
    assert_int_equal(fflush(fp), 0);
    assert_null(ncm_sweep_run(&p, g.d, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "record 0 is damaged"));
    rewind(fp);
    assert_int_equal(fputc('X', fp), 'X'); /* the magic */
    assert_int_equal(fclose(fp), 0);
    assert_null(ncm_sweep_run(&p, g.d, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "not a sweep checkpoint"));
    remove(ck);
    assert_null(ncm_sweep_run(&p, g.d, NULL, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_IO);
    p.checkpoint = NULL;
    assert_null(ncm_sweep_run(&p, g.d, NULL, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_int_equal(strncmp(err.msg, "resume: ", 8), 0);
}

int main(void)
{
    ncm_set_threads(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(points_follow_the_grid_and_equal_a_monte_carlo_of_their_chips),
        cmocka_unit_test(device_points_carry_mapping_and_energy),
        cmocka_unit_test(the_same_bytes_for_any_thread_or_process_count),
        cmocka_unit_test(bad_parameters_are_refused_naming_the_field),
        cmocka_unit_test(too_many_tasks_are_refused_with_the_figure),
        cmocka_unit_test(data_of_another_shape_names_the_model),
        cmocka_unit_test(the_files_hold_the_table),
        cmocka_unit_test(resuming_takes_the_checkpoints_records_and_runs_the_rest),
        cmocka_unit_test(a_checkpoint_of_another_sweep_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
