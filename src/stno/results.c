/* The oscillator result files (include/nanocim/stno.h, "result files" and "locking map"): time
 * traces and locking maps as CSV (the columns of docs/formats.md, "Result files written by the
 * commands"), the observables of a run and the tongues of a locking map as JSON documents that
 * name what produced them (format, version, "nanocim " + version, settings, seed). Every file is
 * written atomically: a failed or cancelled write leaves no file behind. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/config.h"
#include "nanocim/stno.h"
#include "stno/stno_internal.h"
#include "util/io.h"
#include "util/json.h"

enum { RUN_FORMAT_VERSION = 1, LOCK_MAP_FORMAT_VERSION = 1 };

/* ---- JSON building ------------------------------------------------------------------------- */

/* A document under construction: `ok` drops to 0 at the first failed allocation, and the
 * helpers then do nothing, so the writer checks once at the end. */
typedef struct {
    int ok;
} doc;

/* v with the fewest digits that read back exactly; null when not finite (JSON has no NaN). */
static cJSON *num(doc *d, double v)
{
    if (!d->ok)
        return NULL;
    cJSON *it;
    if (!isfinite(v)) {
        it = cJSON_CreateNull();
    } else {
        char buf[32];
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, sizeof buf, "%.*g", digits, v);
            if (strtod(buf, NULL) == v)
                break;
        }
        it = cJSON_CreateRaw(buf);
    }
    d->ok = it != NULL;
    return it;
}

static cJSON *u64(doc *d, uint64_t v)
{
    if (!d->ok)
        return NULL;
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    cJSON *it = cJSON_CreateRaw(buf);
    d->ok = it != NULL;
    return it;
}

static cJSON *str(doc *d, const char *s)
{
    if (!d->ok)
        return NULL;
    cJSON *it = cJSON_CreateString(s);
    d->ok = it != NULL;
    return it;
}

static cJSON *obj(doc *d)
{
    if (!d->ok)
        return NULL;
    cJSON *it = cJSON_CreateObject();
    d->ok = it != NULL;
    return it;
}

static cJSON *arr(doc *d)
{
    if (!d->ok)
        return NULL;
    cJSON *it = cJSON_CreateArray();
    d->ok = it != NULL;
    return it;
}

/* Adds item to o under key (or to the array o when key is NULL); frees item when that fails. */
static void put(doc *d, cJSON *o, const char *key, cJSON *item)
{
    if (!d->ok || !o || !item) {
        cJSON_Delete(item);
        d->ok = 0;
        return;
    }
    if (!(key ? cJSON_AddItemToObject(o, key, item) : cJSON_AddItemToArray(o, item))) {
        cJSON_Delete(item);
        d->ok = 0;
    }
}

static cJSON *num_array(doc *d, const double *v, int n)
{
    cJSON *a = arr(d);
    for (int k = 0; k < n && d->ok; k++)
        put(d, a, NULL, num(d, v[k]));
    return a;
}

/* The document's head: format, version and producer. */
static cJSON *head(doc *d, const char *format, int version)
{
    cJSON *root = obj(d);
    put(d, root, "format", str(d, format));
    put(d, root, "version", num(d, version));
    d->ok = d->ok && root && ncm_json_add_producer(root);
    return root;
}

/* The simulation settings as given (ncm_stno_sim; 0: the default) and the values the run used
 * (ncm_stno_obs: the window in whole steps, the tolerance, lag and frame). */
static void settings(doc *d, cJSON *root, const ncm_stno_sim *sim, const ncm_stno_obs *o)
{
    cJSON *s = obj(d);
    put(d, s, "dt_ns", num(d, sim->dt_ns));
    put(d, s, "t_transient_ns", num(d, sim->t_transient_ns));
    put(d, s, "t_window_ns", num(d, sim->t_window_ns));
    put(d, s, "f_ref_mhz", num(d, sim->f_ref_mhz));
    put(d, s, "seed", u64(d, sim->seed));
    put(d, s, "stream0", u64(d, sim->stream0));
    put(d, s, "obs_stride", num(d, sim->obs_stride));
    put(d, s, "lock_tol_mhz", num(d, sim->lock_tol_mhz));
    put(d, s, "lw_lag_ns", num(d, sim->lw_lag_ns));
    put(d, root, "settings", s);
    cJSON *u = obj(d);
    put(d, u, "f_ref_mhz", num(d, o->f_ref_mhz));
    put(d, u, "lock_tol_mhz", num(d, o->lock_tol_mhz));
    put(d, u, "t_window_ns", num(d, o->t_window_ns));
    put(d, u, "lw_lag_ns", num(d, o->lw_lag_ns));
    put(d, root, "used", u);
}

/* Writes the document (and frees it); NCM_ERR_NOMEM when it could not be built. */
static ncm_status finish(doc *d, cJSON *root, const char *path, ncm_error *err)
{
    ncm_status st =
        d->ok && root ? ncm_json_write(path, root, err)
                      : ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory while encoding", path);
    cJSON_Delete(root);
    return st;
}

/* ---- traces ---------------------------------------------------------------------------------- */

ncm_status ncm_stno_trace_save_csv(const ncm_stno_trace *t, int run, const char *path,
                                   ncm_error *err)
{
    if (!t || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "trace CSV: %s is NULL", t ? "path" : "trace");
    if (run < 0 || run >= t->n_runs)
        return ncm_error_set(err, NCM_ERR_ARG, "%s: run = %d: the trace holds runs 0 to %d", path,
                             run, t->n_runs - 1);
    ncm_afile fl;
    ncm_status st = ncm_afile_open(&fl, path, err);
    if (st)
        return st;
    fprintf(fl.fp, "t_ns");
    for (int i = 0; i < t->n_osc; i++)
        fprintf(fl.fp, ",p_%d,phase_%d,v_mv_%d", i, i, i);
    fprintf(fl.fp, "\n");
    for (int s = 0; s < t->n_samples; s++) {
        fprintf(fl.fp, "%.4f", t->t_ns[s]);
        for (int i = 0; i < t->n_osc; i++) {
            const size_t q = ((size_t)run * t->n_samples + (size_t)s) * t->n_osc + i;
            fprintf(fl.fp, ",%.6g,%.6g,%.6g", t->p[q], t->phase_rad[q], t->v_mv[q]);
        }
        fprintf(fl.fp, "\n");
    }
    return ncm_afile_commit(&fl, err);
}

/* ---- observables of a run -------------------------------------------------------------------- */

ncm_status ncm_stno_obs_save_json(const ncm_stno_obs *o, const ncm_stno_net *net,
                                  const ncm_stno_batch *b, const ncm_stno_sim *sim,
                                  const char *path, ncm_error *err)
{
    if (!o || !net || !b || !sim || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "run JSON: NULL argument");
    if (o->n_runs != b->n_runs || o->n_osc != net->n_osc || o->n_in != b->n_in)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: observables of %d runs, %d oscillators, %d inputs for a batch "
                             "of %d runs, %d inputs and a network of %d oscillators",
                             path, o->n_runs, o->n_osc, o->n_in, b->n_runs, b->n_in, net->n_osc);
    const int n = o->n_osc, m = o->n_in;
    doc d = {1};
    cJSON *root = head(&d, "nanocim-stno-run", RUN_FORMAT_VERSION);
    settings(&d, root, sim, o);
    cJSON *osc = arr(&d);
    for (int i = 0; i < n && d.ok; i++) {
        cJSON *e = obj(&d);
        put(&d, e, "osc", num(&d, i));
        put(&d, e, "device", str(&d, net->dev[i].name));
        put(&d, e, "i_dc_ma", num(&d, net->i_dc_ma[i]));
        put(&d, e, "coupling_mhz", num_array(&d, net->w_mhz + (size_t)i * n, n));
        put(&d, osc, NULL, e);
    }
    put(&d, root, "oscillators", osc);
    put(&d, root, "beta_rad", num(&d, net->beta_rad));
    cJSON *runs = arr(&d);
    for (int r = 0; r < o->n_runs && d.ok; r++) {
        cJSON *run = obj(&d);
        put(&d, run, "run", num(&d, r));
        cJSON *ins = arr(&d);
        for (int k = 0; k < m && d.ok; k++) {
            const size_t rk = (size_t)r * m + k;
            cJSON *e = obj(&d);
            put(&d, e, "f_in_mhz", num(&d, b->f_in_mhz[rk]));
            put(&d, e, "amp_mhz", num(&d, b->amp_mhz[rk]));
            put(&d, e, "phase_rad", num(&d, b->phase_rad ? b->phase_rad[rk] : 0.0));
            put(&d, ins, NULL, e);
        }
        put(&d, run, "inputs", ins);
        cJSON *os = arr(&d);
        for (int i = 0; i < n && d.ok; i++) {
            const size_t ri = (size_t)r * n + i;
            cJSON *e = obj(&d);
            put(&d, e, "osc", num(&d, i));
            put(&d, e, "i_dc_ma", num(&d, b->i_dc_ma ? b->i_dc_ma[ri] : net->i_dc_ma[i]));
            put(&d, e, "f_mean_mhz", num(&d, o->f_mean_mhz[ri]));
            put(&d, e, "p_mean", num(&d, o->p_mean[ri]));
            put(&d, e, "v_rf_mv", num(&d, o->v_rf_mv[ri]));
            put(&d, e, "linewidth_mhz", num(&d, o->linewidth_mhz[ri]));
            cJSON *lk = arr(&d);
            for (int k = 0; k < m && d.ok; k++) {
                const size_t x = ri * m + k;
                cJSON *q = obj(&d);
                put(&d, q, "input", num(&d, k));
                put(&d, q, "dphase_rad", num(&d, o->in_dphase_rad[x]));
                put(&d, q, "plv", num(&d, o->in_plv[x]));
                put(&d, q, "slips", num(&d, o->in_slips[x]));
                put(&d, q, "locked", d.ok ? cJSON_CreateBool(o->in_locked[x]) : NULL);
                put(&d, lk, NULL, q);
            }
            put(&d, e, "inputs", lk);
            cJSON *pl = arr(&d);
            for (int j = 0; j < n && d.ok; j++)
                put(&d, pl, NULL, d.ok ? cJSON_CreateBool(o->pair_locked[ri * n + j]) : NULL);
            put(&d, e, "pair_locked", pl);
            put(&d, os, NULL, e);
        }
        put(&d, run, "oscillators", os);
        put(&d, runs, NULL, run);
    }
    put(&d, root, "runs", runs);
    return finish(&d, root, path, err);
}

/* ---- locking maps ---------------------------------------------------------------------------- */

ncm_status ncm_stno_lock_map_save_csv(const ncm_stno_lock_map *m, const char *path, ncm_error *err)
{
    if (!m || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "locking map CSV: %s is NULL", m ? "path" : "map");
    ncm_afile fl;
    ncm_status st = ncm_afile_open(&fl, path, err);
    if (st)
        return st;
    fprintf(fl.fp, "osc,amp_mhz,f_in_mhz,f_mean_mhz,p_mean,plv,slips,locked,analytic_lo_mhz,"
                   "analytic_hi_mhz\n");
    const ncm_stno_obs *o = m->obs;
    for (int a = 0; a < m->n_amp; a++)
        for (int k = 0; k < m->n_f; k++)
            for (int i = 0; i < m->n_osc; i++) {
                const size_t q = ((size_t)a * m->n_f + k) * m->n_osc + i;
                const int e = i * m->n_amp + a;
                fprintf(fl.fp, "%d,%g,%.6f,%.6f,%.6g,%.4f,%d,%d,%.6f,%.6f\n", i, m->amp_mhz[a],
                        m->f_mhz[k], o->f_mean_mhz[q], o->p_mean[q], o->in_plv[q], o->in_slips[q],
                        m->locked[q], m->analytic_lo_mhz[e], m->analytic_hi_mhz[e]);
            }
    return ncm_afile_commit(&fl, err);
}

ncm_status ncm_stno_lock_map_save_json(const ncm_stno_lock_map *m, const char *path, ncm_error *err)
{
    if (!m || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "locking map JSON: %s is NULL", m ? "path" : "map");
    doc d = {1};
    cJSON *root = head(&d, "nanocim-stno-lock-map", LOCK_MAP_FORMAT_VERSION);
    put(&d, root, "device", str(&d, m->device));
    put(&d, root, "seed", u64(&d, m->sim.seed));
    put(&d, root, "window_ns", num(&d, m->sim.t_window_ns));
    put(&d, root, "seconds", num(&d, m->seconds));
    settings(&d, root, &m->sim, m->obs);
    cJSON *osc = arr(&d);
    for (int i = 0; i < m->n_osc && d.ok; i++) {
        cJSON *e = obj(&d);
        put(&d, e, "osc", num(&d, i));
        put(&d, e, "i_dc_ma", num(&d, m->i_dc_ma[i]));
        put(&d, e, "f_free_mhz", num(&d, m->f_free_mhz[i]));
        put(&d, osc, NULL, e);
    }
    put(&d, root, "oscillators", osc);
    put(&d, root, "f_in_mhz", num_array(&d, m->f_mhz, m->n_f));
    put(&d, root, "amp_mhz", num_array(&d, m->amp_mhz, m->n_amp));
    cJSON *tongues = arr(&d);
    for (int i = 0; i < m->n_osc && d.ok; i++)
        for (int a = 0; a < m->n_amp && d.ok; a++) {
            const int e = i * m->n_amp + a;
            cJSON *t = obj(&d);
            put(&d, t, "osc", num(&d, i));
            put(&d, t, "amp_mhz", num(&d, m->amp_mhz[a]));
            put(&d, t, "measured_lo_mhz", num(&d, m->measured_lo_mhz[e]));
            put(&d, t, "measured_hi_mhz", num(&d, m->measured_hi_mhz[e]));
            put(&d, t, "analytic_lo_mhz", num(&d, m->analytic_lo_mhz[e]));
            put(&d, t, "analytic_hi_mhz", num(&d, m->analytic_hi_mhz[e]));
            put(&d, tongues, NULL, t);
        }
    put(&d, root, "tongues", tongues);
    return finish(&d, root, path, err);
}
