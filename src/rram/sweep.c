/* Bit error rate sweeps (include/nanocim/storage.h, ncm_rram_ber_sweep): storage options
 * evaluated over a grid of programming conditions into a result table, and the table's CSV and
 * JSON writers. This is `nanocim rram ber` without its options, printing and figures.
 *
 * Row i draws its Monte Carlo from seed * NCM_RRAM_SWEEP_SEED_STRIDE + i, so each row has its own
 * Philox streams whatever the grid, and every row's numbers are those of ncm_storage_evaluate()
 * called alone with that seed. Progress is reported from the calling thread between rows and,
 * through a forwarding callback, between the Monte Carlo's blocks within a row, throttled so the
 * caller hears at most about a hundred reports a second. */
#include "nanocim/storage.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/config.h"
#include "nanocim/ecc.h"
#include "rram/storage_internal.h"
#include "util/io.h"
#include "util/json.h"
#include "util/progress.h"

#define TASK "rram ber"
static const double REPORT_INTERVAL_S = 0.01; /* at most ~100 reports a second */

void ncm_rram_sweep_default(ncm_rram_sweep *g)
{
    memset(g, 0, sizeof *g);
    g->reads = 1000000;
    g->seed = 1;
}

/* ---- checks ---------------------------------------------------------------------------------- */

enum { AX_ICC, AX_VRESET, AX_TP, AX_CYCLES, N_AXES };
static const char *const AXIS_FIELD[N_AXES] = {"i_cc_ua", "v_reset_v", "t_p_ns", "cycles"};
static const char *const AXIS_COUNT[N_AXES] = {"n_icc", "n_vreset", "n_tp", "n_cycles"};
static const char *const AXIS_WANT[N_AXES] = {"> 0", "!= 0", "> 0", ">= 0"};

static int axis_value_ok(int axis, double v)
{
    if (!isfinite(v))
        return 0;
    switch (axis) {
    case AX_VRESET: return v != 0;
    case AX_CYCLES: return v >= 0;
    default: return v > 0;
    }
}

static void axis_of(const ncm_rram_sweep *g, int axis, const double **v, int *n)
{
    switch (axis) {
    case AX_ICC: *v = g->i_cc_ua, *n = g->n_icc; break;
    case AX_VRESET: *v = g->v_reset_v, *n = g->n_vreset; break;
    case AX_TP: *v = g->t_p_ns, *n = g->n_tp; break;
    default: *v = g->cycles, *n = g->n_cycles; break;
    }
}

/* The three options of the default comparison (n_cells = 0). */
static const char *const DEFAULT_CELLS[] = {"1t1r", "1t1r-secded", "2t2r"};
enum { N_DEFAULT_CELLS = sizeof DEFAULT_CELLS / sizeof DEFAULT_CELLS[0] };

static ncm_status check_cell(const ncm_storage *s, const char *where, int k, ncm_error *err)
{
    if (s->cell != NCM_CELL_1T1R && s->cell != NCM_CELL_2T2R)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s.cells[%d].cell = %d: expected NCM_CELL_1T1R or NCM_CELL_2T2R",
                             where, k, (int)s->cell);
    if (s->ecc_k < 0 || s->ecc_k > NCM_SECDED_MAX_K)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.cells[%d].ecc_k = %d: expected 0 (no ECC) to %d",
                             where, k, s->ecc_k, NCM_SECDED_MAX_K);
    if (s->cell == NCM_CELL_1T1R && !s->best_ref && !(isfinite(s->r_ref_ohm) && s->r_ref_ohm > 0))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s.cells[%d].r_ref_ohm = %g: expected > 0 (best_ref = 0)", where, k,
                             s->r_ref_ohm);
    return NCM_OK;
}

ncm_status ncm_rram_sweep_check(const ncm_rram_sweep *g, const char *where, ncm_error *err)
{
    if (!where)
        where = "ncm_rram_sweep";
    double rows = 1; /* in double: the product of five ints may overflow int64 */
    int len[N_AXES];
    for (int a = 0; a < N_AXES; a++) {
        const double *v;
        int n;
        axis_of(g, a, &v, &n);
        if (n < 0)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "%s.%s = %d: expected >= 0 (0: the device's reference)", where,
                                 AXIS_COUNT[a], n);
        if (n > 0 && !v)
            return ncm_error_set(err, NCM_ERR_ARG, "%s.%s = NULL with %s = %d", where,
                                 AXIS_FIELD[a], AXIS_COUNT[a], n);
        for (int i = 0; i < n; i++)
            if (!axis_value_ok(a, v[i]))
                return ncm_error_set(err, NCM_ERR_ARG, "%s.%s[%d] = %g: expected a finite value %s",
                                     where, AXIS_FIELD[a], i, v[i], AXIS_WANT[a]);
        len[a] = n > 0 ? n : 1;
        rows *= len[a];
    }
    if (g->n_cells < 0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s.n_cells = %d: expected >= 0 (0: 1t1r, 1t1r-secded, 2t2r)", where,
                             g->n_cells);
    if (g->n_cells > 0 && !g->cells)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.cells = NULL with n_cells = %d", where,
                             g->n_cells);
    ncm_status st;
    for (int k = 0; k < g->n_cells; k++)
        if ((st = check_cell(&g->cells[k], where, k, err)))
            return st;
    const int ncells = g->n_cells > 0 ? g->n_cells : N_DEFAULT_CELLS;
    rows *= ncells;
    if (g->reads < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.reads = %lld: expected >= 0 (0: analytic only)",
                             where, (long long)g->reads);
    if (g->threads < 0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s.threads = %d: expected >= 0 (0: the current OpenMP setting)",
                             where, g->threads);
    if (rows > NCM_RRAM_SWEEP_MAX_ROWS)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: %d I_cc x %d V_reset x %d t_p x %d cycles x %d cells = %.0f "
                             "points is too many (at most %d)",
                             where, len[AX_ICC], len[AX_VRESET], len[AX_TP], len[AX_CYCLES], ncells,
                             rows, NCM_RRAM_SWEEP_MAX_ROWS);
    return NCM_OK;
}

/* ---- the sweep ------------------------------------------------------------------------------- */

void ncm_rram_ber_table_free(ncm_rram_ber_table *t)
{
    if (!t)
        return;
    free(t->device);
    free(t->i_cc_ua);
    free(t->v_reset_v);
    free(t->t_p_ns);
    free(t->cycles);
    free(t->cells);
    free(t->rows);
    free(t);
}

/* A copy of an axis, or its reference value when empty; NULL when out of memory. */
static double *axis_copy(const double *v, int n, double ref, int *len)
{
    *len = n > 0 ? n : 1;
    double *c = malloc((size_t)*len * sizeof *c);
    if (c) {
        if (n > 0)
            memcpy(c, v, (size_t)n * sizeof *c);
        else
            c[0] = ref;
    }
    return c;
}

/* Progress of a sweep: the caller's callback, the rows done, and the throttle. Reports from the
 * Monte Carlo inside a row are forwarded as the sweep's own (task TASK, rows done). */
typedef struct {
    const ncm_progress *outer;
    int64_t done, total;
    double last; /* time of the last report passed on, s */
} sweep_progress;

static int forward(void *user, const char *task, int64_t done, int64_t total)
{
    (void)task, (void)done, (void)total;
    sweep_progress *sp = user;
    const double now = ncm_now();
    if (now - sp->last < REPORT_INTERVAL_S)
        return 0;
    sp->last = now;
    return sp->outer->fn(sp->outer->user, TASK, sp->done, sp->total);
}

ncm_rram_ber_table *ncm_rram_ber_sweep(const ncm_rram_params *p, const ncm_rram_sweep *grid,
                                       const ncm_progress *progress, ncm_error *err)
{
    if (ncm_rram_check(p, NULL, err) || ncm_rram_sweep_check(grid, NULL, err))
        return NULL;
    const double t0 = ncm_now();
    ncm_rram_ber_table *t = calloc(1, sizeof *t);
    if (!t)
        goto nomem;
    memcpy(&t->params, p, sizeof *p);
    t->device = strdup(grid->device ? grid->device : "built-in");
    t->i_cc_ua = axis_copy(grid->i_cc_ua, grid->n_icc, p->i_ref_ua, &t->n_icc);
    t->v_reset_v = axis_copy(grid->v_reset_v, grid->n_vreset, p->v_reset_ref_v, &t->n_vreset);
    t->t_p_ns = axis_copy(grid->t_p_ns, grid->n_tp, p->t_p_ref_ns, &t->n_tp);
    t->cycles = axis_copy(grid->cycles, grid->n_cycles, 0.0, &t->n_cycles);
    t->n_cells = grid->n_cells > 0 ? grid->n_cells : N_DEFAULT_CELLS;
    t->cells = calloc((size_t)t->n_cells, sizeof *t->cells);
    t->n_points = (int64_t)t->n_icc * t->n_vreset * t->n_tp * t->n_cycles;
    t->n_rows = t->n_points * t->n_cells;
    t->rows = calloc((size_t)t->n_rows, sizeof *t->rows);
    if (!t->device || !t->i_cc_ua || !t->v_reset_v || !t->t_p_ns || !t->cycles || !t->cells ||
        !t->rows)
        goto nomem;
    for (int k = 0; k < t->n_cells; k++) {
        ncm_rram_ber_cell *c = &t->cells[k];
        if (grid->n_cells > 0)
            c->storage = grid->cells[k];
        else if (ncm_storage_parse(DEFAULT_CELLS[k], &c->storage, err))
            goto fail;
        ncm_storage_name(&c->storage, c->name, sizeof c->name);
        ncm_storage_id(&c->storage, c->id, sizeof c->id);
    }
    t->reads = grid->reads;
    t->seed = grid->seed;
    t->threads = grid->threads > 0 ? grid->threads : omp_get_max_threads();

    sweep_progress sp = {progress, 0, t->n_rows, t0};
    const ncm_progress inner = {forward, &sp};
    const ncm_progress *row_progress = progress && progress->fn ? &inner : NULL;
    int64_t i = 0;
    for (int a = 0; a < t->n_vreset; a++)
        for (int b = 0; b < t->n_tp; b++)
            for (int c = 0; c < t->n_cycles; c++)
                for (int d = 0; d < t->n_icc; d++)
                    for (int k = 0; k < t->n_cells; k++, i++) {
                        ncm_rram_ber_row *r = &t->rows[i];
                        r->i_cc_ua = t->i_cc_ua[d];
                        r->v_reset_v = t->v_reset_v[a];
                        r->t_p_ns = t->t_p_ns[b];
                        r->cycles = t->cycles[c];
                        r->cell = k;
                        r->seed = grid->seed * NCM_RRAM_SWEEP_SEED_STRIDE + (uint64_t)i;
                        const ncm_rram_cond cond = {r->i_cc_ua, r->v_reset_v, r->t_p_ns, r->cycles};
                        ncm_status st = ncm_storage_evaluate_run(p, &cond, &t->cells[k].storage,
                                                                 grid->reads, r->seed, t->threads,
                                                                 row_progress, &r->ev, err);
                        if (st == NCM_ERR_CANCELLED)
                            goto cancelled;
                        if (st) {
                            char why[sizeof err->msg];
                            snprintf(why, sizeof why, "%s", err ? err->msg : "");
                            ncm_error_set(err, st,
                                          "I_cc %g uA, V_reset %g V, t_p %g ns, %g cycles, %s: %s",
                                          r->i_cc_ua, r->v_reset_v, r->t_p_ns, r->cycles,
                                          t->cells[k].name, why);
                            goto fail;
                        }
                        sp.done = i + 1;
                        if (!row_progress)
                            continue;
                        const double now = ncm_now();
                        if (sp.done == sp.total || now - sp.last >= REPORT_INTERVAL_S) {
                            sp.last = now;
                            if (ncm_progress_report(progress, TASK, sp.done, sp.total, err))
                                goto cancelled;
                        }
                    }
    t->seconds = ncm_now() - t0;
    return t;
cancelled:
    ncm_error_set(err, NCM_ERR_CANCELLED, "%s: cancelled by the caller after %lld of %lld rows",
                  TASK, (long long)sp.done, (long long)sp.total);
    goto fail;
nomem:
    ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory for the sweep's table", TASK);
fail:
    ncm_rram_ber_table_free(t);
    return NULL;
}

/* ---- writers --------------------------------------------------------------------------------- */

ncm_status ncm_rram_ber_table_save_csv(const ncm_rram_ber_table *t, const char *path,
                                       ncm_error *err)
{
    ncm_afile f;
    ncm_status st = ncm_afile_open(&f, path, err);
    if (st)
        return st;
    fprintf(f.fp, "cell,i_cc_ua,v_reset_v,t_p_ns,cycles,r_ref_ohm,raw_ber,ber,ber_mc,ci95_lo,"
                  "ci95_hi,reads,errors,devices_per_bit,e_program_bit_pj,e_read_bit_pj,"
                  "decoder_gates\n");
    for (int64_t i = 0; i < t->n_rows; i++) {
        const ncm_rram_ber_row *r = &t->rows[i];
        const ncm_storage_eval *e = &r->ev;
        fprintf(f.fp, "%s,%g,%g,%g,%g,%.6g,%.6e,%.6e,%.6e,%.6e,%.6e,%lld,%lld,%.4g,%.6g,%.6g,%d\n",
                t->cells[r->cell].id, r->i_cc_ua, r->v_reset_v, r->t_p_ns, r->cycles, e->r_ref_ohm,
                e->raw_ber, e->ber, e->ber_mc, e->ci95_lo, e->ci95_hi, (long long)e->reads,
                (long long)e->errors, e->devices_per_bit, e->e_program_bit_pj, e->e_read_bit_pj,
                e->decoder_gates);
    }
    return ncm_afile_commit(&f, err);
}

/* A number, or null when it is not finite (JSON has no NaN); 1 on success. */
static int add_num(cJSON *o, const char *key, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(o, key, v) != NULL
                       : cJSON_AddNullToObject(o, key) != NULL;
}

ncm_status ncm_rram_ber_table_save_json(const ncm_rram_ber_table *t, const char *path,
                                        ncm_error *err)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    ok = ok && cJSON_AddStringToObject(o, "command", "rram ber");
    ok = ok && ncm_json_add_producer(o);
    ok = ok && cJSON_AddStringToObject(o, "device", t->device ? t->device : "built-in");
    ok = ok && cJSON_AddStringToObject(o, "technology", t->params.name);
    ok = ok && cJSON_AddNumberToObject(o, "seed", (double)t->seed);
    ok = ok && cJSON_AddNumberToObject(o, "reads_per_point", (double)t->reads);
    ok = ok && cJSON_AddNumberToObject(o, "seconds", t->seconds);
    ok = ok && cJSON_AddNumberToObject(o, "threads", t->threads);
    cJSON *arr = ok ? cJSON_AddArrayToObject(o, "points") : NULL;
    ok = arr != NULL;
    for (int64_t i = 0; ok && i < t->n_rows; i++) {
        const ncm_rram_ber_row *r = &t->rows[i];
        const ncm_storage_eval *ev = &r->ev;
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(arr, e);
        ok = ok && cJSON_AddStringToObject(e, "cell", t->cells[r->cell].id);
        ok = ok && cJSON_AddStringToObject(e, "name", t->cells[r->cell].name);
        ok = ok && cJSON_AddNumberToObject(e, "i_cc_ua", r->i_cc_ua);
        ok = ok && cJSON_AddNumberToObject(e, "v_reset_v", r->v_reset_v);
        ok = ok && cJSON_AddNumberToObject(e, "t_p_ns", r->t_p_ns);
        ok = ok && cJSON_AddNumberToObject(e, "cycles", r->cycles);
        ok = ok && add_num(e, "r_ref_ohm", ev->r_ref_ohm);
        ok = ok && add_num(e, "raw_ber", ev->raw_ber);
        ok = ok && add_num(e, "ber", ev->ber);
        ok = ok && add_num(e, "ber_mc", ev->ber_mc);
        ok = ok && add_num(e, "ci95_lo", ev->ci95_lo);
        ok = ok && add_num(e, "ci95_hi", ev->ci95_hi);
        ok = ok && cJSON_AddNumberToObject(e, "reads", (double)ev->reads);
        ok = ok && cJSON_AddNumberToObject(e, "errors", (double)ev->errors);
        ok = ok && cJSON_AddNumberToObject(e, "devices_per_bit", ev->devices_per_bit);
        ok = ok && cJSON_AddNumberToObject(e, "e_program_bit_pj", ev->e_program_bit_pj);
        ok = ok && cJSON_AddNumberToObject(e, "e_read_bit_pj", ev->e_read_bit_pj);
        ok = ok && cJSON_AddNumberToObject(e, "decoder_gates", ev->decoder_gates);
    }
    ncm_status st = ok ? ncm_json_write(path, o, err)
                       : ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory for the JSON", path);
    cJSON_Delete(o);
    return st;
}
