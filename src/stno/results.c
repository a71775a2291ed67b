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
#include "util/jdoc.h"
#include "util/json.h"

enum { RUN_FORMAT_VERSION = 1, LOCK_MAP_FORMAT_VERSION = 1 };

/* ---- JSON building ------------------------------------------------------------------------- */

/* The simulation settings as given (ncm_stno_sim; 0: the default) and the values the run used
 * (ncm_stno_obs: the window in whole steps, the tolerance, lag and frame). */
static void settings(ncm_jdoc *d, cJSON *root, const ncm_stno_sim *sim, const ncm_stno_obs *o)
{
    cJSON *s = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, s, "dt_ns", ncm_jdoc_num(d, sim->dt_ns));
    ncm_jdoc_put(d, s, "t_transient_ns", ncm_jdoc_num(d, sim->t_transient_ns));
    ncm_jdoc_put(d, s, "t_window_ns", ncm_jdoc_num(d, sim->t_window_ns));
    ncm_jdoc_put(d, s, "f_ref_mhz", ncm_jdoc_num(d, sim->f_ref_mhz));
    ncm_jdoc_put(d, s, "seed", ncm_jdoc_u64(d, sim->seed));
    ncm_jdoc_put(d, s, "stream0", ncm_jdoc_u64(d, sim->stream0));
    ncm_jdoc_put(d, s, "obs_stride", ncm_jdoc_num(d, sim->obs_stride));
    ncm_jdoc_put(d, s, "lock_tol_mhz", ncm_jdoc_num(d, sim->lock_tol_mhz));
    ncm_jdoc_put(d, s, "lw_lag_ns", ncm_jdoc_num(d, sim->lw_lag_ns));
    ncm_jdoc_put(d, root, "settings", s);
    cJSON *u = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, u, "f_ref_mhz", ncm_jdoc_num(d, o->f_ref_mhz));
    ncm_jdoc_put(d, u, "lock_tol_mhz", ncm_jdoc_num(d, o->lock_tol_mhz));
    ncm_jdoc_put(d, u, "t_window_ns", ncm_jdoc_num(d, o->t_window_ns));
    ncm_jdoc_put(d, u, "lw_lag_ns", ncm_jdoc_num(d, o->lw_lag_ns));
    ncm_jdoc_put(d, root, "used", u);
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
    ncm_jdoc d = {1};
    cJSON *root = ncm_jdoc_head(&d, "nanocim-stno-run", RUN_FORMAT_VERSION);
    settings(&d, root, sim, o);
    cJSON *osc = ncm_jdoc_arr(&d);
    for (int i = 0; i < n && d.ok; i++) {
        cJSON *e = ncm_jdoc_obj(&d);
        ncm_jdoc_put(&d, e, "osc", ncm_jdoc_num(&d, i));
        ncm_jdoc_put(&d, e, "device", ncm_jdoc_str(&d, net->dev[i].name));
        ncm_jdoc_put(&d, e, "i_dc_ma", ncm_jdoc_num(&d, net->i_dc_ma[i]));
        ncm_jdoc_put(&d, e, "coupling_mhz", ncm_jdoc_nums(&d, net->w_mhz + (size_t)i * n, n));
        ncm_jdoc_put(&d, osc, NULL, e);
    }
    ncm_jdoc_put(&d, root, "oscillators", osc);
    ncm_jdoc_put(&d, root, "beta_rad", ncm_jdoc_num(&d, net->beta_rad));
    cJSON *runs = ncm_jdoc_arr(&d);
    for (int r = 0; r < o->n_runs && d.ok; r++) {
        cJSON *run = ncm_jdoc_obj(&d);
        ncm_jdoc_put(&d, run, "run", ncm_jdoc_num(&d, r));
        cJSON *ins = ncm_jdoc_arr(&d);
        for (int k = 0; k < m && d.ok; k++) {
            const size_t rk = (size_t)r * m + k;
            cJSON *e = ncm_jdoc_obj(&d);
            ncm_jdoc_put(&d, e, "f_in_mhz", ncm_jdoc_num(&d, b->f_in_mhz[rk]));
            ncm_jdoc_put(&d, e, "amp_mhz", ncm_jdoc_num(&d, b->amp_mhz[rk]));
            ncm_jdoc_put(&d, e, "phase_rad",
                         ncm_jdoc_num(&d, b->phase_rad ? b->phase_rad[rk] : 0.0));
            ncm_jdoc_put(&d, ins, NULL, e);
        }
        ncm_jdoc_put(&d, run, "inputs", ins);
        cJSON *os = ncm_jdoc_arr(&d);
        for (int i = 0; i < n && d.ok; i++) {
            const size_t ri = (size_t)r * n + i;
            cJSON *e = ncm_jdoc_obj(&d);
            ncm_jdoc_put(&d, e, "osc", ncm_jdoc_num(&d, i));
            ncm_jdoc_put(&d, e, "i_dc_ma",
                         ncm_jdoc_num(&d, b->i_dc_ma ? b->i_dc_ma[ri] : net->i_dc_ma[i]));
            ncm_jdoc_put(&d, e, "f_mean_mhz", ncm_jdoc_num(&d, o->f_mean_mhz[ri]));
            ncm_jdoc_put(&d, e, "p_mean", ncm_jdoc_num(&d, o->p_mean[ri]));
            ncm_jdoc_put(&d, e, "v_rf_mv", ncm_jdoc_num(&d, o->v_rf_mv[ri]));
            ncm_jdoc_put(&d, e, "linewidth_mhz", ncm_jdoc_num(&d, o->linewidth_mhz[ri]));
            cJSON *lk = ncm_jdoc_arr(&d);
            for (int k = 0; k < m && d.ok; k++) {
                const size_t x = ri * m + k;
                cJSON *q = ncm_jdoc_obj(&d);
                ncm_jdoc_put(&d, q, "input", ncm_jdoc_num(&d, k));
                ncm_jdoc_put(&d, q, "dphase_rad", ncm_jdoc_num(&d, o->in_dphase_rad[x]));
                ncm_jdoc_put(&d, q, "plv", ncm_jdoc_num(&d, o->in_plv[x]));
                ncm_jdoc_put(&d, q, "slips", ncm_jdoc_num(&d, o->in_slips[x]));
                ncm_jdoc_put(&d, q, "locked", d.ok ? cJSON_CreateBool(o->in_locked[x]) : NULL);
                ncm_jdoc_put(&d, lk, NULL, q);
            }
            ncm_jdoc_put(&d, e, "inputs", lk);
            cJSON *pl = ncm_jdoc_arr(&d);
            for (int j = 0; j < n && d.ok; j++)
                ncm_jdoc_put(&d, pl, NULL,
                             d.ok ? cJSON_CreateBool(o->pair_locked[ri * n + j]) : NULL);
            ncm_jdoc_put(&d, e, "pair_locked", pl);
            ncm_jdoc_put(&d, os, NULL, e);
        }
        ncm_jdoc_put(&d, run, "oscillators", os);
        ncm_jdoc_put(&d, runs, NULL, run);
    }
    ncm_jdoc_put(&d, root, "runs", runs);
    return ncm_jdoc_finish(&d, root, path, err);
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
    ncm_jdoc d = {1};
    cJSON *root = ncm_jdoc_head(&d, "nanocim-stno-lock-map", LOCK_MAP_FORMAT_VERSION);
    ncm_jdoc_put(&d, root, "device", ncm_jdoc_str(&d, m->device));
    ncm_jdoc_put(&d, root, "seed", ncm_jdoc_u64(&d, m->sim.seed));
    ncm_jdoc_put(&d, root, "window_ns", ncm_jdoc_num(&d, m->sim.t_window_ns));
    ncm_jdoc_put(&d, root, "seconds", ncm_jdoc_num(&d, m->seconds));
    settings(&d, root, &m->sim, m->obs);
    cJSON *osc = ncm_jdoc_arr(&d);
    for (int i = 0; i < m->n_osc && d.ok; i++) {
        cJSON *e = ncm_jdoc_obj(&d);
        ncm_jdoc_put(&d, e, "osc", ncm_jdoc_num(&d, i));
        ncm_jdoc_put(&d, e, "i_dc_ma", ncm_jdoc_num(&d, m->i_dc_ma[i]));
        ncm_jdoc_put(&d, e, "f_free_mhz", ncm_jdoc_num(&d, m->f_free_mhz[i]));
        ncm_jdoc_put(&d, osc, NULL, e);
    }
    ncm_jdoc_put(&d, root, "oscillators", osc);
    ncm_jdoc_put(&d, root, "f_in_mhz", ncm_jdoc_nums(&d, m->f_mhz, m->n_f));
    ncm_jdoc_put(&d, root, "amp_mhz", ncm_jdoc_nums(&d, m->amp_mhz, m->n_amp));
    cJSON *tongues = ncm_jdoc_arr(&d);
    for (int i = 0; i < m->n_osc && d.ok; i++)
        for (int a = 0; a < m->n_amp && d.ok; a++) {
            const int e = i * m->n_amp + a;
            cJSON *t = ncm_jdoc_obj(&d);
            ncm_jdoc_put(&d, t, "osc", ncm_jdoc_num(&d, i));
            ncm_jdoc_put(&d, t, "amp_mhz", ncm_jdoc_num(&d, m->amp_mhz[a]));
            ncm_jdoc_put(&d, t, "measured_lo_mhz", ncm_jdoc_num(&d, m->measured_lo_mhz[e]));
            ncm_jdoc_put(&d, t, "measured_hi_mhz", ncm_jdoc_num(&d, m->measured_hi_mhz[e]));
            ncm_jdoc_put(&d, t, "analytic_lo_mhz", ncm_jdoc_num(&d, m->analytic_lo_mhz[e]));
            ncm_jdoc_put(&d, t, "analytic_hi_mhz", ncm_jdoc_num(&d, m->analytic_hi_mhz[e]));
            ncm_jdoc_put(&d, tongues, NULL, t);
        }
    ncm_jdoc_put(&d, root, "tongues", tongues);
    return ncm_jdoc_finish(&d, root, path, err);
}
