/* Sweeps of the in-memory chip (include/nanocim/sweep.h): the grid of points (models x axes),
 * each point's configuration, the (point, chip) tasks dealt out in turn to the processes and in
 * groups of chips to the threads, the gathering of every chip's outcome, the
 * per-point summaries and the CSV and JSON writers.
 *
 * Chip i of point p is chip number p * n_chips + i of the generator `seed`: its errors depend on
 * the parameters alone, so the table is the same for any thread or process count, and a sweep
 * killed part way and resumed from its checkpoint (the outcomes of the tasks already run) gives
 * the table of an uninterrupted run. */
#include "nanocim/sweep.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bnn/bnn_internal.h"
#include "imc/imc_internal.h"
#include "rram/device_internal.h"
#include "util/hash.h"
#include "util/io.h"
#include "util/json.h"
#include "util/progress.h"

static const char *const AXIS_NAMES[] = {"ber",    "icc",   "vreset",  "tp",
                                         "cycles", "array", "storage", "read-ber"};
enum { N_AXIS_KINDS = 8 };

const char *ncm_sweep_axis_name(ncm_sweep_axis_kind k)
{
    return (unsigned)k < N_AXIS_KINDS ? AXIS_NAMES[k] : "unknown";
}

int ncm_sweep_axis_parse(const char *name)
{
    for (int k = 0; name && k < N_AXIS_KINDS; k++)
        if (!strcmp(name, AXIS_NAMES[k]))
            return k;
    return -1;
}

void ncm_sweep_default(ncm_sweep_params *p)
{
    memset(p, 0, sizeof *p);
    ncm_chip_config_default(&p->base);
    p->n_chips = 20;
    p->seed = 1;
    p->kernel = NCM_KERNEL_AUTO;
}

/* Points per model: the product of the axis lengths (1 without axes). */
static int64_t points_per_model(const ncm_sweep_axis *axes, int n_axes)
{
    int64_t n = 1;
    for (int a = 0; a < n_axes; a++)
        n *= axes[a].n;
    return n;
}

/* The model and axis indices of point i (the last axis fastest). */
static int decompose(const ncm_sweep_axis *axes, int n_axes, int64_t i, int *idx)
{
    for (int a = n_axes - 1; a >= 0; a--) {
        idx[a] = (int)(i % axes[a].n);
        i /= axes[a].n;
    }
    return (int)i;
}

/* The configuration of a point: the base with each axis's value. */
static ncm_chip_config point_config(const ncm_chip_config *base, const ncm_sweep_axis *axes,
                                    int n_axes, const int *idx)
{
    ncm_chip_config c = *base;
    for (int a = 0; a < n_axes; a++) {
        const ncm_sweep_axis *A = &axes[a];
        const double v = A->kind == NCM_AXIS_STORAGE ? 0 : A->values[idx[a]];
        switch (A->kind) {
        case NCM_AXIS_BER: c.faults.ber = v; break;
        case NCM_AXIS_ICC: c.cond.i_cc_ua = v; break;
        case NCM_AXIS_VRESET: c.cond.v_reset_v = v; break;
        case NCM_AXIS_TP: c.cond.t_p_ns = v; break;
        case NCM_AXIS_CYCLES: c.cond.cycles = v; break;
        case NCM_AXIS_ARRAY: c.rows = c.cols = (int)v; break;
        case NCM_AXIS_STORAGE: c.storage = A->storages[idx[a]]; break;
        case NCM_AXIS_READ_BER: c.read_ber = v; break;
        }
    }
    return c;
}

/* One axis's kind, length and values. */
static ncm_status axis_check(const ncm_sweep_axis *A, int a, ncm_chip_mode mode, ncm_error *err)
{
    const char *name = ncm_sweep_axis_name(A->kind);
    if ((unsigned)A->kind >= N_AXIS_KINDS)
        return ncm_error_set(err, NCM_ERR_ARG, "axes[%d].kind = %d: unknown axis", a, (int)A->kind);
    if (A->n < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "axes[%d] (%s).n = %d: expected at least 1 value", a,
                             name, A->n);
    if (A->kind == NCM_AXIS_STORAGE ? !A->storages : !A->values)
        return ncm_error_set(err, NCM_ERR_ARG, "axes[%d] (%s): no values", a, name);
    if (A->kind == NCM_AXIS_BER && mode != NCM_CHIP_FAULTS)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "axes[%d] (ber): a fault rate axis needs the fault-injection mode", a);
    if (A->kind >= NCM_AXIS_ICC && A->kind <= NCM_AXIS_CYCLES && mode != NCM_CHIP_DEVICES)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "axes[%d] (%s): a programming axis needs the device-physics mode", a,
                             name);
    for (int i = 0; A->kind == NCM_AXIS_ARRAY && i < A->n; i++) {
        const double v = A->values[i];
        if (!(v >= 1 && v <= NCM_CHIP_MAX_ARRAY && v == floor(v)))
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "array = %g: expected a whole number of cells, 1 to %d", v,
                                 NCM_CHIP_MAX_ARRAY);
    }
    return NCM_OK;
}

/* Number of points, or -1 when the tasks would exceed NCM_SWEEP_MAX_TASKS. */
static int64_t count_points(const ncm_sweep_params *p)
{
    int64_t n = p->n_models;
    for (int a = 0; a < p->n_axes; a++) {
        if (p->axes[a].n > NCM_SWEEP_MAX_TASKS / n)
            return -1;
        n *= p->axes[a].n;
    }
    return n > NCM_SWEEP_MAX_TASKS / p->n_chips ? -1 : n;
}

ncm_status ncm_sweep_check(const ncm_sweep_params *p, const ncm_dataset *d, ncm_error *err)
{
    if (!p)
        return ncm_error_set(err, NCM_ERR_ARG, "sweep parameters: expected a non-NULL pointer");
    if (p->n_models < 1 || p->n_models > NCM_SWEEP_MAX_MODELS || !p->models)
        return ncm_error_set(err, NCM_ERR_ARG, "n_models = %d: expected 1 to %d models",
                             p->n_models, NCM_SWEEP_MAX_MODELS);
    for (int k = 0; k < p->n_models; k++)
        if (!p->models[k])
            return ncm_error_set(err, NCM_ERR_ARG, "models[%d]: expected a model", k);
    if (p->n_axes < 0 || p->n_axes > NCM_SWEEP_MAX_AXES)
        return ncm_error_set(err, NCM_ERR_ARG, "n_axes = %d: expected 0 to %d", p->n_axes,
                             NCM_SWEEP_MAX_AXES);
    if (p->tech && ncm_tech_check(p->tech, "tech", err))
        return err ? err->code : NCM_ERR_ARG;
    if (p->n_chips < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "n_chips = %d: expected at least 1 chip per point",
                             p->n_chips);
    if (p->threads < 0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "threads = %d: expected 0 (the OpenMP setting) or more", p->threads);
    if (p->resume && !p->checkpoint)
        return ncm_error_set(err, NCM_ERR_ARG, "resume: needs a checkpoint path");
    if (p->kernel != NCM_KERNEL_AUTO && !ncm_kernel_supported(p->kernel))
        return ncm_error_set(err, NCM_ERR_ARG, "kernel %s: this CPU cannot run it",
                             ncm_kernel_name(p->kernel));
    ncm_status s;
    for (int a = 0; a < p->n_axes; a++) {
        if ((s = axis_check(&p->axes[a], a, p->base.mode, err)))
            return s;
        for (int b = 0; b < a; b++)
            if (p->axes[b].kind == p->axes[a].kind)
                return ncm_error_set(err, NCM_ERR_ARG, "axes[%d] and axes[%d] both vary %s", b, a,
                                     ncm_sweep_axis_name(p->axes[a].kind));
    }
    const int64_t n = count_points(p);
    if (n < 0) { /* the figure, as a double (the count itself would overflow) */
        double points = p->n_models;
        for (int a = 0; a < p->n_axes; a++)
            points *= p->axes[a].n;
        return ncm_error_set(err, NCM_ERR_ARG,
                             "the sweep has more than %lld (point, chip) tasks: n_chips = %d x "
                             "%.4g points = %.4g",
                             (long long)NCM_SWEEP_MAX_TASKS, p->n_chips, points,
                             points * p->n_chips);
    }
    /* every point's configuration against its model (the message names the point) */
    const int64_t per = points_per_model(p->axes, p->n_axes);
    for (int64_t i = 0; i < n; i++) {
        int idx[NCM_SWEEP_MAX_AXES];
        const int k = (int)(i / per);
        decompose(p->axes, p->n_axes, i % per, idx);
        const ncm_chip_config c = point_config(&p->base, p->axes, p->n_axes, idx);
        ncm_error e;
        ncm_error_clear(&e);
        if (ncm_chip_config_check(&c, p->models[k], &e)) {
            if (n == 1)
                return ncm_error_set(err, e.code, "%s", e.msg);
            return ncm_error_set(err, e.code, "point %lld (model %d%s%s): %s", (long long)i, k,
                                 p->model_names ? " " : "", p->model_names ? p->model_names[k] : "",
                                 e.msg);
        }
        /* the condition's axes may change only one field: skip the other points of a model
         * when no axis varies what the model's check depends on */
    }
    for (int k = 0; d && k < p->n_models; k++)
        if ((s = ncm_imc_data_check(p->models[k], d, err))) {
            if (p->n_models > 1 && err) { /* which of the models */
                ncm_error e = *err;
                return ncm_error_set(err, s, "model %d%s%s: %s", k, p->model_names ? " " : "",
                                     p->model_names ? p->model_names[k] : "", e.msg);
            }
            return s;
        }
    return NCM_OK;
}

/* ---- running ------------------------------------------------------------------------------ */

/* What one task sends to the others: accuracy, energy, then the static errors per layer. */
static size_t record_bytes(int n_layers_max)
{
    return 2 * sizeof(double) + (size_t)n_layers_max * sizeof(int64_t);
}

static void record_put(unsigned char *rec, const ncm_imc_outcome *o, int L)
{
    memcpy(rec, &o->accuracy, sizeof(double));
    memcpy(rec + sizeof(double), &o->energy_pj, sizeof(double));
    int64_t f[NCM_MAX_LAYERS] = {0};
    memcpy(f, o->flips, sizeof f);
    memcpy(rec + 2 * sizeof(double), f, (size_t)L * sizeof(int64_t));
}

void ncm_sweep_table_free(ncm_sweep_table *t)
{
    if (!t)
        return;
    for (int k = 0; t->model_names && k < t->n_models; k++)
        free(t->model_names[k]);
    free(t->model_names);
    for (int a = 0; a < t->n_axes; a++) {
        free((void *)t->axes[a].values);
        free((void *)t->axes[a].storages);
    }
    free(t->points);
    free(t->accuracy);
    free(t->flips);
    free(t->energy_pj);
    free(t);
}

/* The table's copies of names and axes. */
static ncm_status table_copy(ncm_sweep_table *t, const ncm_sweep_params *p, ncm_error *err)
{
    if (!(t->model_names = calloc((size_t)p->n_models, sizeof *t->model_names)))
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    for (int k = 0; k < p->n_models; k++) {
        char def[32];
        snprintf(def, sizeof def, "model%d", k);
        const char *nm = p->model_names && p->model_names[k] ? p->model_names[k] : def;
        if (!(t->model_names[k] = strdup(nm)))
            return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    }
    t->n_axes = p->n_axes;
    for (int a = 0; a < p->n_axes; a++) {
        const ncm_sweep_axis *A = &p->axes[a];
        ncm_sweep_axis *B = &t->axes[a];
        *B = *A;
        B->values = NULL, B->storages = NULL;
        if (A->kind == NCM_AXIS_STORAGE) {
            ncm_storage *s = malloc((size_t)A->n * sizeof *s);
            if (!s)
                return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            memcpy(s, A->storages, (size_t)A->n * sizeof *s);
            B->storages = s;
        } else {
            double *v = malloc((size_t)A->n * sizeof *v);
            if (!v)
                return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            memcpy(v, A->values, (size_t)A->n * sizeof *v);
            B->values = v;
        }
    }
    return NCM_OK;
}

/* ---- checkpoint ------------------------------------------------------------------------- */

/* A rank's checkpoint file: a header of CKPT_HEADER bytes (magic, version, the sweep's
 * fingerprint, rank, ranks, this rank's task count, record size; little-endian), then the
 * records of this rank's first tasks, in order, appended and synced after every block of chips.
 * A record cut short by a kill is dropped on resume. */
#define CKPT_MAGIC "NCMSWCKP"
enum { CKPT_VERSION = 1, CKPT_HEADER = 48 };

static uint64_t cond_hash(uint64_t h, const ncm_rram_cond *c)
{
    h = ncm_hash_f64(h, c->i_cc_ua);
    h = ncm_hash_f64(h, c->v_reset_v);
    h = ncm_hash_f64(h, c->t_p_ns);
    return ncm_hash_f64(h, c->cycles);
}

static uint64_t storage_hash(uint64_t h, const ncm_storage *s)
{
    h = ncm_hash_u64(h, (uint64_t)s->cell);
    h = ncm_hash_u64(h, (uint64_t)(int64_t)s->ecc_k);
    h = ncm_hash_u64(h, (uint64_t)(int64_t)s->best_ref);
    return ncm_hash_f64(h, s->r_ref_ohm);
}

/* Everything a chip's outcome depends on: the models, the images and labels, the base
 * configuration, the axes, the chips per point, the seed, and this rank's share. Not the kernel
 * (every kernel gives the same predictions) nor the thread count. */
static uint64_t sweep_fingerprint(const ncm_sweep_params *p, const ncm_dataset *d, int rank,
                                  int size)
{
    uint64_t h = ncm_hash_str(NCM_HASH_INIT, "nanocim sweep checkpoint");
    h = ncm_hash_u64(h, (uint64_t)p->n_models);
    for (int k = 0; k < p->n_models; k++)
        h = ncm_model_hash(h, p->models[k]);
    const int64_t dims[] = {d->n, d->c, d->h, d->w, d->n_classes};
    for (int i = 0; i < 5; i++)
        h = ncm_hash_u64(h, (uint64_t)dims[i]);
    h = ncm_hash_bytes(h, d->pixels, (size_t)(d->n * d->c * d->h * d->w));
    h = ncm_hash_bytes(h, d->labels, (size_t)d->n);
    const ncm_chip_config *c = &p->base;
    const int64_t ints[] = {c->mode,
                            c->rows,
                            c->cols,
                            c->dead_zone_dynamic,
                            c->faults.ber_layer ? c->faults.n_ber_layer : -1,
                            c->cond_layer ? c->n_cond_layer : -1};
    for (int i = 0; i < 6; i++)
        h = ncm_hash_u64(h, (uint64_t)ints[i]);
    h = storage_hash(h, &c->storage);
    h = ncm_hash_f64(h, c->faults.ber);
    h = ncm_hash_f64(h, c->faults.stuck_frac);
    for (int l = 0; c->faults.ber_layer && l < c->faults.n_ber_layer; l++)
        h = ncm_hash_f64(h, c->faults.ber_layer[l]);
    h = ncm_rram_params_hash(h, &c->device);
    h = cond_hash(h, &c->cond);
    for (int l = 0; c->cond_layer && l < c->n_cond_layer; l++)
        h = cond_hash(h, &c->cond_layer[l]);
    h = ncm_hash_f64(h, c->read_ber);
    h = ncm_hash_u64(h, (uint64_t)p->n_axes);
    for (int a = 0; a < p->n_axes; a++) {
        const ncm_sweep_axis *A = &p->axes[a];
        h = ncm_hash_u64(h, (uint64_t)A->kind);
        h = ncm_hash_u64(h, (uint64_t)A->n);
        for (int i = 0; i < A->n; i++)
            h = A->kind == NCM_AXIS_STORAGE ? storage_hash(h, &A->storages[i])
                                            : ncm_hash_f64(h, A->values[i]);
    }
    h = ncm_hash_u64(h, (uint64_t)p->n_chips);
    h = ncm_hash_u64(h, p->seed);
    h = ncm_hash_u64(h, (uint64_t)rank);
    return ncm_hash_u64(h, (uint64_t)size);
}

static void put_u64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static void ckpt_header(unsigned char *b, uint64_t fp, int rank, int size, int64_t mine, size_t rb)
{
    memset(b, 0, CKPT_HEADER);
    memcpy(b, CKPT_MAGIC, 8);
    put_u64(b + 8, CKPT_VERSION);
    put_u64(b + 16, fp);
    put_u64(b + 24, (uint64_t)rank | (uint64_t)size << 32);
    put_u64(b + 32, (uint64_t)mine);
    put_u64(b + 40, (uint64_t)rb);
}

static int write_all(int fd, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *data, size_t n)
{
    unsigned char *p = data;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r, n -= (size_t)r;
    }
    return 0;
}

/* Opens this rank's checkpoint for appending. Fresh (resume 0): a new file with the header
 * (replacing any). Resume: the header must be this sweep's; its whole records are read into
 * rec, their number in *done, and a cut record is dropped. Returns the descriptor, or -1 with
 * err set. */
static int ckpt_open(const char *path, const ncm_sweep_params *p, uint64_t fp, int rank, int size,
                     int64_t mine, size_t rb, unsigned char *rec, int64_t *done, ncm_error *err)
{
    unsigned char want[CKPT_HEADER], got[CKPT_HEADER];
    ckpt_header(want, fp, rank, size, mine, rb);
    *done = 0;
    if (!p->resume) {
        /* created with mode 0666, the umask applies */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0 || write_all(fd, want, CKPT_HEADER) || fsync(fd)) {
            ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot write: %s", path,
                          strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        return fd;
    }
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *bad = NULL;
    if (!S_ISREG(st.st_mode))
        bad = "not a regular file";
    else if (st.st_size < CKPT_HEADER || read_all(fd, got, CKPT_HEADER) ||
             memcmp(got, CKPT_MAGIC, 8) != 0)
        bad = "not a sweep checkpoint";
    else if (get_u64(got + 8) != CKPT_VERSION)
        bad = "a checkpoint of another version of nanocim";
    else if (get_u64(got + 24) != get_u64(want + 24))
        bad = "written by another number of processes or another rank";
    else if (memcmp(got, want, CKPT_HEADER) != 0)
        bad = "written by another sweep (the models, data, grid, chips or seed differ)";
    if (bad) {
        ncm_error_set(err, NCM_ERR_STATE, "checkpoint %s: %s", path, bad);
        close(fd);
        return -1;
    }
    int64_t n = (int64_t)((uint64_t)(st.st_size - CKPT_HEADER) / rb);
    if (n > mine) {
        ncm_error_set(err, NCM_ERR_STATE, "checkpoint %s: holds %lld tasks, the sweep has %lld",
                      path, (long long)n, (long long)mine);
        close(fd);
        return -1;
    }
    if (n > 0 && read_all(fd, rec, (size_t)n * rb)) {
        ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot read: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    /* The fingerprint guards against another sweep, not against damage: every record must hold
     * what a chip can give (an accuracy in [0, 1], a finite energy >= 0, error counts within the
     * layers' weights). */
    const int L = (int)((rb - 2 * sizeof(double)) / sizeof(int64_t));
    const int64_t per = points_per_model(p->axes, p->n_axes);
    for (int64_t k = 0; k < n; k++) {
        const unsigned char *r = rec + (size_t)k * rb;
        const ncm_model *m = p->models[(rank + k * size) / p->n_chips / per];
        double acc, en;
        memcpy(&acc, r, sizeof acc);
        memcpy(&en, r + sizeof(double), sizeof en);
        int ok = acc >= 0 && acc <= 1 && en >= 0 && en <= 1e30; /* sums stay finite */
        for (int l = 0; ok && l < L; l++) { /* at most every weight of the layer, 0 past the last */
            int64_t f;
            memcpy(&f, r + 2 * sizeof(double) + (size_t)l * sizeof f, sizeof f);
            ok = f >= 0 &&
                 f <= (l < m->n_layers ? (int64_t)m->layer[l].cout * m->layer[l].fan_in : 0);
        }
        if (!ok) {
            ncm_error_set(err, NCM_ERR_FORMAT,
                          "checkpoint %s: record %lld is damaged (accuracy %g, energy %g pJ)", path,
                          (long long)k, acc, en);
            close(fd);
            return -1;
        }
    }
    if (ftruncate(fd, CKPT_HEADER + (off_t)((size_t)n * rb)) != 0 || lseek(fd, 0, SEEK_END) < 0) {
        ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot read: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    *done = n;
    return fd;
}

/* Runs this rank's tasks of the sweep into rec (record_bytes each), model by model so that one
 * shared first layer is alive at a time. */
static ncm_status run_tasks(const ncm_sweep_params *p, const ncm_dataset *d, int rank, int size,
                            int64_t tasks, int L, unsigned char *rec, int64_t start, int ckpt,
                            const char *ckpt_path, const ncm_progress *progress, ncm_error *err)
{
    /* This rank's tasks: rank, rank + size, rank + 2 size, ... (interleaved, so that cheap and
     * dear points, say low and high error rates, are shared evenly); local index k is task
     * rank + k size, and its record goes to rec + k * record_bytes. The first `start` are
     * already there (from the checkpoint). */
    const int64_t t0 = start, t1 = (tasks - rank + size - 1) / size;
    const int64_t per = points_per_model(p->axes, p->n_axes);
    const int64_t tasks_per_model = per * p->n_chips;
    const int T = p->threads > 0 ? p->threads : omp_get_max_threads();
    const size_t rb = record_bytes(L);
    /* A group of up to NCM_IMC_GROUP tasks per thread when there are enough of them (a group
     * shares each image's cached sums); a block of T groups between progress reports. */
    const int64_t ntask = t1 - t0;
    const int G = ntask / T >= NCM_IMC_GROUP ? NCM_IMC_GROUP : (int)((ntask + T - 1) / T);
    const int B = T * (G > 0 ? G : 1);
    int32_t *pred = malloc((size_t)B * (size_t)d->n * sizeof *pred);
    ncm_error *errs = calloc((size_t)T, sizeof *errs);
    ncm_imc_outcome *oc = calloc((size_t)B, sizeof *oc);
    ncm_chip_config *cfg = calloc((size_t)B, sizeof *cfg);
    ncm_status s = NCM_OK;
    if (!pred || !errs || !oc || !cfg)
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %d chips", B);
    int64_t done = t0;
    if (!s)
        s = ncm_progress_report(progress, "sweep", done, t1, err);
    for (int64_t m0 = t0; m0 < t1 && !s;) {
        const int k = (int)((rank + m0 * size) / tasks_per_model);
        /* the first local index of the next model */
        const int64_t next = ((k + 1) * tasks_per_model - rank + size - 1) / size;
        const int64_t m1 = next < t1 ? next : t1;
        const ncm_model *m = p->models[k];
        ncm_imc_cache *cache = NULL;
        if (m1 - m0 > 1 && (s = ncm_imc_cache_new(m, d, p->kernel, &cache, err)))
            break;
        for (int64_t b0 = m0; b0 < m1 && !s; b0 += B) {
            const int nb = (int)(m1 - b0 < B ? m1 - b0 : B), ng = (nb + G - 1) / G;
            for (int j = 0; j < nb; j++) {
                const int64_t point = (rank + (b0 + j) * size) / p->n_chips;
                int idx[NCM_SWEEP_MAX_AXES];
                decompose(p->axes, p->n_axes, point % per, idx);
                cfg[j] = point_config(&p->base, p->axes, p->n_axes, idx);
            }
#pragma omp parallel for num_threads(ng < T ? ng : T) schedule(static, 1)
            for (int g = 0; g < ng; g++) {
                const int q0 = g * G, gq = nb - q0 < G ? nb - q0 : G;
                const ncm_chip_config *cfs[NCM_IMC_GROUP];
                int64_t task[NCM_IMC_GROUP];
                for (int q = 0; q < gq; q++)
                    cfs[q] = &cfg[q0 + q], task[q] = rank + (b0 + q0 + q) * size;
                ncm_error_clear(&errs[g]);
                ncm_imc_run_chips(m, d, cfs, p->seed, task, gq, p->kernel, cache,
                                  pred + (int64_t)q0 * d->n, &oc[q0], &errs[g]);
            }
            for (int g = 0; g < ng && !s; g++)
                if (errs[g].code) {
                    s = errs[g].code;
                    if (err)
                        *err = errs[g];
                }
            for (int j = 0; j < nb && !s; j++)
                record_put(rec + (size_t)(b0 + j) * rb, &oc[j], L);
            if (!s && ckpt >= 0 &&
                (write_all(ckpt, rec + (size_t)b0 * rb, (size_t)nb * rb) || fdatasync(ckpt)))
                s = ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot write: %s", ckpt_path,
                                  strerror(errno));
            done += nb;
            if (!s)
                s = ncm_progress_report(progress, "sweep", done, t1, err);
        }
        ncm_imc_cache_free(cache);
        m0 = m1;
    }
    free(cfg);
    free(pred);
    free(errs);
    free(oc);
    return s;
}

/* Summaries of every point from the gathered records. */
static ncm_status summarise_points(ncm_sweep_table *t, const ncm_sweep_params *p,
                                   const unsigned char *all, ncm_error *err)
{
    const int L = t->n_layers_max, N = t->n_chips;
    const size_t rb = record_bytes(L);
    const int64_t per = points_per_model(p->axes, p->n_axes);
    for (int64_t i = 0; i < t->n_points; i++) {
        ncm_sweep_point *P = &t->points[i];
        P->model = (int)(i / per);
        decompose(p->axes, p->n_axes, i % per, P->axis_index);
        P->config = point_config(&p->base, t->axes, t->n_axes, P->axis_index);
        ncm_status s =
            ncm_imc_inference_cost(p->models[P->model], &P->config, p->tech,
                                   &P->inference_energy_pj, &P->inference_latency_ns, err);
        if (s)
            return s;
        /* per-layer arrays are the caller's and die with the call: keep none */
        P->config.faults.ber_layer = NULL, P->config.faults.n_ber_layer = 0;
        P->config.cond_layer = NULL, P->config.n_cond_layer = 0;
        const ncm_model *m = p->models[P->model];
        s = ncm_imc_map(m, &P->config, &P->map, err); /* arrays and storage only */
        if (s)
            return s;
        int64_t f = 0, bits = 0;
        double e = 0;
        for (int c = 0; c < N; c++) {
            const unsigned char *r = all + (size_t)(i * N + c) * rb;
            double acc, en;
            memcpy(&acc, r, sizeof acc);
            memcpy(&en, r + sizeof(double), sizeof en);
            t->accuracy[i * N + c] = acc;
            t->energy_pj[i * N + c] = en;
            int64_t *fl = t->flips + (i * N + c) * L;
            memcpy(fl, r + 2 * sizeof(double), (size_t)L * sizeof(int64_t));
            for (int l = 0; l < m->n_layers; l++)
                f += fl[l];
            e += en;
        }
        for (int l = 0; l < m->n_layers; l++)
            bits += (int64_t)m->layer[l].cout * m->layer[l].fan_in;
        ncm_imc_summary sm;
        ncm_imc_summarise(t->accuracy + i * N, N, &sm);
        P->mean = sm.mean, P->sd = sm.sd, P->min = sm.min, P->max = sm.max;
        P->ci_lo = sm.ci_lo, P->ci_hi = sm.ci_hi;
        P->ber_measured = (double)f / ((double)bits * N);
        P->energy_pj = e / N;
        P->energy_bit_pj = P->energy_pj / (double)bits;
    }
    return NCM_OK;
}

ncm_sweep_table *ncm_sweep_run(const ncm_sweep_params *p, const ncm_dataset *d,
                               const ncm_sweep_comm *comm, const ncm_progress *progress,
                               ncm_error *err)
{
    if (!d) {
        ncm_error_set(err, NCM_ERR_ARG, "dataset: expected a non-NULL pointer");
        return NULL;
    }
    if (ncm_sweep_check(p, d, err))
        return NULL;
    const int rank = comm ? comm->rank : 0, size = comm ? comm->size : 1;
    if (size < 1 || rank < 0 || rank >= size || (size > 1 && !comm->allgatherv)) {
        ncm_error_set(err, NCM_ERR_ARG, "comm: rank %d of %d processes%s", rank, size,
                      size > 1 && !comm->allgatherv ? " without allgatherv" : "");
        return NULL;
    }
    int L = 0;
    for (int k = 0; k < p->n_models; k++)
        L = p->models[k]->n_layers > L ? p->models[k]->n_layers : L;
    const int64_t n_points = count_points(p), tasks = n_points * p->n_chips;
    const int64_t mine_n = (tasks - rank + size - 1) / size; /* tasks rank, rank + size, ... */
    const size_t rb = record_bytes(L);
    ncm_sweep_table *t = calloc(1, sizeof *t);
    unsigned char *mine = malloc((size_t)(mine_n > 0 ? mine_n : 1) * rb);
    unsigned char *gathered = size > 1 ? malloc((size_t)tasks * rb) : NULL;
    unsigned char *all = size > 1 ? malloc((size_t)tasks * rb) : mine;
    size_t *bytes = calloc((size_t)size, sizeof *bytes);
    ncm_status s = NCM_OK;
    const double start = ncm_now();
    if (!t || !mine || !all || !bytes || (size > 1 && !gathered)) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %lld tasks", (long long)tasks);
        goto done;
    }
    t->n_models = p->n_models, t->n_layers_max = L, t->n_points = n_points;
    t->n_chips = p->n_chips, t->n_images = d->n, t->seed = p->seed, t->ranks = size;
    t->threads = p->threads > 0 ? p->threads : omp_get_max_threads();
    if (!(s = table_copy(t, p, err)) &&
        (!(t->points = calloc((size_t)n_points, sizeof *t->points)) ||
         !(t->accuracy = malloc((size_t)tasks * sizeof *t->accuracy)) ||
         !(t->energy_pj = malloc((size_t)tasks * sizeof *t->energy_pj)) ||
         !(t->flips = malloc((size_t)tasks * (size_t)L * sizeof *t->flips))))
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %lld tasks", (long long)tasks);
    /* This rank's checkpoint: the path itself for one process, PATH.rankR-of-S under MPI. */
    int ckpt = -1;
    int64_t resumed = 0;
    char *ckpt_path = NULL;
    if (!s && p->checkpoint) {
        const size_t n = strlen(p->checkpoint) + 48;
        if (!(ckpt_path = malloc(n)))
            s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        else if (size > 1)
            snprintf(ckpt_path, n, "%s.rank%d-of-%d", p->checkpoint, rank, size);
        else
            snprintf(ckpt_path, n, "%s", p->checkpoint);
        if (!s && (ckpt = ckpt_open(ckpt_path, p, sweep_fingerprint(p, d, rank, size), rank, size,
                                    mine_n, rb, mine, &resumed, err)) < 0)
            s = err ? err->code : NCM_ERR_IO;
    }
    /* Under MPI every rank takes part in both exchanges, even after a failure of its own, so
     * that no rank waits forever. */
    if (!s)
        s = run_tasks(p, d, rank, size, tasks, L, mine, resumed, ckpt, ckpt_path, progress, err);
    if (ckpt >= 0 && close(ckpt) != 0 && !s)
        s = ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot write: %s", ckpt_path,
                          strerror(errno));
    free(ckpt_path);
    if (size > 1) {
        int32_t st = (int32_t)s, *sts = calloc((size_t)size, sizeof *sts);
        size_t *four = calloc((size_t)size, sizeof *four);
        int failed_rank = -1;
        if (!sts || !four) {
            free(sts);
            free(four);
            s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            goto done; /* cannot take part: the other ranks' MPI aborts the job */
        }
        for (int r = 0; r < size; r++)
            four[r] = sizeof(int32_t);
        if (comm->allgatherv(comm->user, &st, sizeof st, sts, four))
            s = s ? s : ncm_error_set(err, NCM_ERR_IO, "comm: gathering the ranks' status failed");
        for (int r = 0; r < size && failed_rank < 0; r++)
            if (sts[r])
                failed_rank = r;
        if (!s && failed_rank >= 0)
            s = ncm_error_set(err, (ncm_status)sts[failed_rank],
                              "process %d of %d failed (its own message is on its output)",
                              failed_rank, size);
        free(sts);
        free(four);
        if (!s) {
            for (int r = 0; r < size; r++)
                bytes[r] = (size_t)((tasks - r + size - 1) / size) * rb;
            if (comm->allgatherv(comm->user, mine, (size_t)mine_n * rb, gathered, bytes))
                s = ncm_error_set(err, NCM_ERR_IO, "comm: gathering the results failed");
            /* rank r's block holds tasks r, r + size, ...: back into task order */
            size_t off = 0;
            for (int r = 0; !s && r < size; r++) {
                for (int64_t q = 0; r + q * size < tasks; q++)
                    memcpy(all + (size_t)(r + q * size) * rb, gathered + off + (size_t)q * rb, rb);
                off += bytes[r];
            }
        }
    }
    if (!s) {
        s = summarise_points(t, p, all, err);
    }
    t->seconds = ncm_now() - start;
done:
    if (all != mine)
        free(all);
    free(gathered);
    free(mine);
    free(bytes);
    if (s) {
        ncm_sweep_table_free(t);
        return NULL;
    }
    return t;
}

double ncm_sweep_point_value(const ncm_sweep_table *t, int64_t i, int a)
{
    if (!t || i < 0 || i >= t->n_points || a < 0 || a >= t->n_axes)
        return NAN;
    const int k = t->points[i].axis_index[a];
    return t->axes[a].kind == NCM_AXIS_STORAGE ? (double)k : t->axes[a].values[k];
}

/* ---- writers ------------------------------------------------------------------------------ */

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

ncm_status ncm_sweep_table_save_csv(const ncm_sweep_table *t, const char *path, ncm_error *err)
{
    ncm_afile f;
    ncm_status s = ncm_afile_open(&f, path, err);
    if (s)
        return s;
    fputs("model", f.fp);
    for (int a = 0; a < t->n_axes; a++)
        fprintf(f.fp, ",axis_%s", ncm_sweep_axis_name(t->axes[a].kind));
    fputs(",mode,rows,cols,storage,i_cc_ua,v_reset_v,t_p_ns,cycles,ber,read_ber,chips,"
          "accuracy_mean,accuracy_sd,accuracy_min,accuracy_max,ci95_lo,ci95_hi,ber_measured,"
          "energy_bit_pj,arrays,devices,sense_amps,decoders,decoder_gates,inference_energy_pj,"
          "inference_latency_ns\n",
          f.fp);
    for (int64_t i = 0; i < t->n_points; i++) {
        const ncm_sweep_point *P = &t->points[i];
        const ncm_chip_config *c = &P->config;
        char id[32];
        csv_field(f.fp, t->model_names[P->model]);
        for (int a = 0; a < t->n_axes; a++) {
            if (t->axes[a].kind == NCM_AXIS_STORAGE) {
                ncm_storage_id(&t->axes[a].storages[P->axis_index[a]], id, sizeof id);
                fprintf(f.fp, ",%s", id);
            } else {
                fprintf(f.fp, ",%.17g", t->axes[a].values[P->axis_index[a]]);
            }
        }
        ncm_storage_id(&c->storage, id, sizeof id);
        const int dev = c->mode == NCM_CHIP_DEVICES;
        fprintf(f.fp, ",%s,%d,%d,%s", dev ? "devices" : "faults", c->rows, c->cols, id);
        if (dev)
            fprintf(f.fp, ",%.17g,%.17g,%.17g,%.17g,nan", c->cond.i_cc_ua, c->cond.v_reset_v,
                    c->cond.t_p_ns, c->cond.cycles);
        else
            fprintf(f.fp, ",nan,nan,nan,nan,%.17g", c->faults.ber);
        fprintf(f.fp, ",%.17g,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", c->read_ber,
                t->n_chips, P->mean, P->sd, P->min, P->max, P->ci_lo, P->ci_hi, P->ber_measured);
        if (dev)
            fprintf(f.fp, ",%.17g", P->energy_bit_pj);
        else
            fputs(",nan", f.fp);
        const ncm_chip_layer_map *T = &P->map.total;
        fprintf(f.fp, ",%lld,%lld,%lld,%lld,%lld,%.17g,%.17g\n", (long long)T->arrays,
                (long long)T->devices, (long long)T->sense_amps, (long long)T->decoders,
                (long long)T->decoder_gates, P->inference_energy_pj, P->inference_latency_ns);
    }
    if (ferror(f.fp)) {
        ncm_afile_abort(&f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: write failed", path);
    }
    return ncm_afile_commit(&f, err);
}

ncm_status ncm_sweep_table_save_json(const ncm_sweep_table *t, const char *data_name,
                                     const char *path, ncm_error *err)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    int ok = cJSON_AddStringToObject(o, "command", "sweep") != NULL;
    ok &= ncm_json_add_producer(o);
    ok &= cJSON_AddStringToObject(o, "data", data_name ? data_name : "") != NULL;
    cJSON *ms = cJSON_AddArrayToObject(o, "models");
    for (int k = 0; ms && k < t->n_models; k++)
        cJSON_AddItemToArray(ms, cJSON_CreateString(t->model_names[k]));
    cJSON *ax = cJSON_AddArrayToObject(o, "axes");
    for (int a = 0; ax && a < t->n_axes; a++) {
        cJSON *e = cJSON_CreateObject(), *v = e ? cJSON_AddArrayToObject(e, "values") : NULL;
        if (!v) {
            cJSON_Delete(e);
            ok = 0;
            break;
        }
        cJSON_AddStringToObject(e, "name", ncm_sweep_axis_name(t->axes[a].kind));
        for (int i = 0; i < t->axes[a].n; i++) {
            char id[32];
            if (t->axes[a].kind == NCM_AXIS_STORAGE) {
                ncm_storage_id(&t->axes[a].storages[i], id, sizeof id);
                cJSON_AddItemToArray(v, cJSON_CreateString(id));
            } else {
                cJSON_AddItemToArray(v, cJSON_CreateNumber(t->axes[a].values[i]));
            }
        }
        cJSON_AddItemToArray(ax, e);
    }
    ok &= ms && ax;
    ok &= cJSON_AddNumberToObject(o, "seed", (double)t->seed) != NULL;
    ok &= cJSON_AddNumberToObject(o, "n_chips", t->n_chips) != NULL;
    ok &= cJSON_AddNumberToObject(o, "n_images", (double)t->n_images) != NULL;
    cJSON *pts = cJSON_AddArrayToObject(o, "points");
    ok &= pts != NULL;
    for (int64_t i = 0; ok && i < t->n_points; i++) {
        const ncm_sweep_point *P = &t->points[i];
        cJSON *e = cJSON_CreateObject();
        if (!e) {
            ok = 0;
            break;
        }
        cJSON_AddItemToArray(pts, e);
        cJSON_AddStringToObject(e, "model", t->model_names[P->model]);
        cJSON *vals = cJSON_AddObjectToObject(e, "values");
        for (int a = 0; vals && a < t->n_axes; a++) {
            const char *nm = ncm_sweep_axis_name(t->axes[a].kind);
            if (t->axes[a].kind == NCM_AXIS_STORAGE) {
                char id[32];
                ncm_storage_id(&t->axes[a].storages[P->axis_index[a]], id, sizeof id);
                cJSON_AddStringToObject(vals, nm, id);
            } else {
                ncm_json_add_number_exact(vals, nm, t->axes[a].values[P->axis_index[a]]);
            }
        }
        ok &= vals && ncm_imc_config_json(e, &P->config, 0);
        ok &= ncm_imc_map_json(e, &P->map);
        const ncm_imc_summary sum = {P->mean, P->sd, P->min, P->max, P->ci_lo, P->ci_hi};
        cJSON *sm = ncm_imc_summary_json(e, &sum);
        if (sm) {
            ncm_json_add_number_exact(sm, "ber_measured", P->ber_measured);
            ncm_json_add_number_exact(sm, "inference_energy_pj", P->inference_energy_pj);
            ncm_json_add_number_exact(sm, "inference_latency_ns", P->inference_latency_ns);
            if (P->config.mode == NCM_CHIP_DEVICES) {
                ncm_json_add_number_exact(sm, "program_energy_pj", P->energy_pj);
                ncm_json_add_number_exact(sm, "program_energy_bit_pj", P->energy_bit_pj);
            }
        }
        ok &= sm != NULL;
        cJSON *acc = cJSON_AddArrayToObject(e, "accuracy");
        cJSON *fl = cJSON_AddArrayToObject(e, "flips");
        ok &= acc && fl;
        const int nl = P->map.n_layers;
        for (int c = 0; acc && fl && c < t->n_chips; c++) {
            cJSON_AddItemToArray(acc, cJSON_CreateNumber(t->accuracy[i * t->n_chips + c]));
            cJSON *row = cJSON_CreateArray();
            if (!row) {
                ok = 0;
                break;
            }
            const int64_t *f = t->flips + (i * t->n_chips + c) * t->n_layers_max;
            for (int l = 0; l < nl; l++)
                cJSON_AddItemToArray(row, cJSON_CreateNumber((double)f[l]));
            cJSON_AddItemToArray(fl, row);
        }
    }
    ncm_status s = ok ? ncm_json_write(path, o, err)
                      : ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %s", path);
    cJSON_Delete(o);
    return s;
}
