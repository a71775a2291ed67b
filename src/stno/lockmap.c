/* Locking maps (include/nanocim/stno.h, "locking map"): the Arnold tongues of a network. Every
 * oscillator is driven by one input over a grid of input frequencies and amplitudes, one run of
 * ncm_stno_run per grid point (all in one batch, so the threads share the work), and for each
 * oscillator and amplitude the locked input frequencies of the grid give the measured locking
 * range, beside the exact analytic edges of ncm_stno_lock_edges (docs/stno.md, "Exact locking
 * edges"). The result files are written in results.c. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/stno.h"
#include "stno/stno_internal.h"
#include "util/progress.h"

void ncm_stno_lock_map_free(ncm_stno_lock_map *m)
{
    if (!m)
        return;
    free(m->f_mhz);
    free(m->amp_mhz);
    free(m->i_dc_ma);
    free(m->f_free_mhz);
    free(m->locked);
    free(m->measured_lo_mhz);
    free(m->measured_hi_mhz);
    free(m->analytic_lo_mhz);
    free(m->analytic_hi_mhz);
    ncm_stno_obs_free(m->obs);
    free(m);
}

/* The grids: n >= 1 finite values, frequencies > 0, amplitudes >= 0. */
static ncm_status check_grid(const char *name, const double *v, int n, int amplitude,
                             ncm_error *err)
{
    if (n < 1 || !v)
        return ncm_error_set(err, NCM_ERR_ARG, "locking map: n_%s = %d: need at least one value",
                             amplitude ? "amp" : "f", n);
    for (int k = 0; k < n; k++)
        if (!isfinite(v[k]) || (amplitude ? !(v[k] >= 0.0) : !(v[k] > 0.0)))
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "locking map: %s[%d] = %g MHz: must be %s and finite", name, k,
                                 v[k], amplitude ? ">= 0" : "> 0");
    return NCM_OK;
}

/* Fills the analytic part: currents, free-running frequencies and edges. */
static void analytic_part(const ncm_stno_net *net, ncm_stno_lock_map *m)
{
    for (int i = 0; i < m->n_osc; i++) {
        const ncm_stno_params *d = &net->dev[i];
        ncm_stno_op op;
        m->i_dc_ma[i] = net->i_dc_ma[i];
        m->f_free_mhz[i] = ncm_stno_operating_point(d, net->i_dc_ma[i], &op, NULL) ? NAN : op.f_mhz;
        for (int a = 0; a < m->n_amp; a++) {
            double *lo = &m->analytic_lo_mhz[i * m->n_amp + a];
            double *hi = &m->analytic_hi_mhz[i * m->n_amp + a];
            if (ncm_stno_lock_edges(d, net->i_dc_ma[i], m->amp_mhz[a], lo, hi, NULL))
                *lo = *hi = NAN; /* below threshold or quenching: no locking range */
        }
    }
}

/* The measured part from the runs: the locked flags and, per oscillator and amplitude, the
 * lowest and highest locked input frequency (the grid need not be sorted). */
static void measured_part(ncm_stno_lock_map *m)
{
    const size_t points = (size_t)m->n_amp * m->n_f * m->n_osc;
    memcpy(m->locked, m->obs->in_locked, points);
    for (int i = 0; i < m->n_osc; i++)
        for (int a = 0; a < m->n_amp; a++) {
            double lo = NAN, hi = NAN;
            for (int k = 0; k < m->n_f; k++)
                if (m->locked[((size_t)a * m->n_f + k) * m->n_osc + i]) {
                    const double f = m->f_mhz[k];
                    lo = isnan(lo) || f < lo ? f : lo;
                    hi = isnan(hi) || f > hi ? f : hi;
                }
            m->measured_lo_mhz[i * m->n_amp + a] = lo;
            m->measured_hi_mhz[i * m->n_amp + a] = hi;
        }
}

/* The most grid points (runs) of one map: 2000 times the default 61 x 8 grid; a map this size
 * holds its observables in about 100 MB per oscillator. */
enum { NCM_STNO_LOCK_MAX_RUNS = 1000000 };

ncm_stno_lock_map *ncm_stno_lock_map_new(const ncm_stno_net *net, const double *f_mhz, int n_f,
                                         const double *amp_mhz, int n_amp, const ncm_stno_sim *sim,
                                         int threads, const ncm_progress *progress, ncm_error *err)
{
    if (!net) {
        ncm_error_set(err, NCM_ERR_ARG, "locking map: net is NULL (ncm_stno_net_new)");
        return NULL;
    }
    if (!sim) {
        ncm_error_set(err, NCM_ERR_ARG, "locking map: sim is NULL");
        return NULL;
    }
    if (check_grid("f_mhz", f_mhz, n_f, 0, err) || check_grid("amp_mhz", amp_mhz, n_amp, 1, err))
        return NULL;
    if ((double)n_f * n_amp > NCM_STNO_LOCK_MAX_RUNS) {
        ncm_error_set(err, NCM_ERR_ARG,
                      "locking map: n_f = %d x n_amp = %d = %.0f runs, more than the %d a map "
                      "may have",
                      n_f, n_amp, (double)n_f * n_amp, NCM_STNO_LOCK_MAX_RUNS);
        return NULL;
    }
    const int n = net->n_osc, runs = n_f * n_amp;
    const size_t na = (size_t)n * (size_t)n_amp;
    ncm_stno_lock_map *m = calloc(1, sizeof *m);
    double *fin = malloc(sizeof(double) * (size_t)runs);
    double *ain = malloc(sizeof(double) * (size_t)runs);
    if (m) {
        m->n_f = n_f, m->n_amp = n_amp, m->n_osc = n;
        m->f_mhz = malloc(sizeof(double) * (size_t)n_f);
        m->amp_mhz = malloc(sizeof(double) * (size_t)n_amp);
        m->i_dc_ma = malloc(sizeof(double) * (size_t)n);
        m->f_free_mhz = malloc(sizeof(double) * (size_t)n);
        m->locked = malloc((size_t)runs * (size_t)n);
        m->measured_lo_mhz = malloc(sizeof(double) * na);
        m->measured_hi_mhz = malloc(sizeof(double) * na);
        m->analytic_lo_mhz = malloc(sizeof(double) * na);
        m->analytic_hi_mhz = malloc(sizeof(double) * na);
    }
    ncm_status st = NCM_OK;
    if (!m || !fin || !ain || !m->f_mhz || !m->amp_mhz || !m->i_dc_ma || !m->f_free_mhz ||
        !m->locked || !m->measured_lo_mhz || !m->measured_hi_mhz || !m->analytic_lo_mhz ||
        !m->analytic_hi_mhz) {
        st = ncm_error_set(err, NCM_ERR_NOMEM, "locking map: out of memory for %d runs", runs);
        goto done;
    }
    memcpy(m->f_mhz, f_mhz, sizeof(double) * (size_t)n_f);
    memcpy(m->amp_mhz, amp_mhz, sizeof(double) * (size_t)n_amp);
    snprintf(m->device, sizeof m->device, "%s", net->dev[0].name);
    analytic_part(net, m);

    /* run r = a * n_f + k: amplitude a, frequency k */
    for (int a = 0; a < n_amp; a++)
        for (int k = 0; k < n_f; k++)
            fin[a * n_f + k] = f_mhz[k], ain[a * n_f + k] = amp_mhz[a];
    const ncm_stno_batch b = {.n_runs = runs, .n_in = 1, .f_in_mhz = fin, .amp_mhz = ain};
    m->sim = *sim;
    if ((st = ncm_stno_sim_resolve(net, &b, &m->sim, err)))
        goto done;
    if (!(m->obs = ncm_stno_obs_new(runs, n, 1, err))) {
        st = err ? err->code : NCM_ERR_NOMEM;
        goto done;
    }
    const double t0 = ncm_now();
    if ((st = ncm_stno_run_task(net, &b, &m->sim, m->obs, NULL, threads, progress, "stno lock map",
                                err)))
        goto done;
    m->seconds = ncm_now() - t0;
    measured_part(m);
done:
    free(fin), free(ain);
    if (st) {
        ncm_stno_lock_map_free(m);
        return NULL;
    }
    return m;
}
