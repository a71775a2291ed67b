/* Oscillator networks and batches of runs: allocation of a network, its coupling matrix and
 * accessors, the command line's network (ncm_stno_net_spec), the checks of a batch (currents,
 * inputs, initial states), the choice of the rotating frame, the stability limits of the step
 * (docs/stno.md, "Step size") and the automatic step. The integrator is in integrate.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/stno.h"
#include "stno/stno_internal.h"

ncm_stno_net *ncm_stno_net_new(int n_osc, const ncm_stno_params *dev, int n_dev,
                               const double *i_dc_ma, ncm_error *err)
{
    if (n_osc < 1) {
        ncm_error_set(err, NCM_ERR_ARG, "network: n_osc = %d: must be >= 1", n_osc);
        return NULL;
    }
    if (n_dev != 1 && n_dev != n_osc) {
        ncm_error_set(err, NCM_ERR_ARG,
                      "network: n_dev = %d device parameter sets for n_osc = %d oscillators "
                      "(expected 1 or %d)",
                      n_dev, n_osc, n_osc);
        return NULL;
    }
    if (!dev) {
        ncm_error_set(err, NCM_ERR_ARG, "network: dev is NULL");
        return NULL;
    }
    for (int i = 0; i < n_dev; i++) {
        char where[64];
        snprintf(where, sizeof where, "network: dev[%d]", i);
        if (ncm_stno_check(&dev[i], where, err))
            return NULL;
    }
    for (int i = 0; i < n_osc && i_dc_ma; i++)
        if (!isfinite(i_dc_ma[i])) {
            ncm_error_set(err, NCM_ERR_ARG,
                          "network: i_dc_ma[%d] = %g mA: the DC current must be finite", i,
                          i_dc_ma[i]);
            return NULL;
        }
    ncm_stno_net *net = calloc(1, sizeof *net);
    if (net) {
        net->dev = malloc((size_t)n_osc * sizeof *net->dev);
        net->i_dc_ma = malloc((size_t)n_osc * sizeof *net->i_dc_ma);
        net->w_mhz = calloc((size_t)n_osc * (size_t)n_osc, sizeof *net->w_mhz);
    }
    if (!net || !net->dev || !net->i_dc_ma || !net->w_mhz) {
        ncm_stno_net_free(net);
        ncm_error_set(err, NCM_ERR_NOMEM, "network: out of memory for %d oscillators", n_osc);
        return NULL;
    }
    net->n_osc = n_osc;
    for (int i = 0; i < n_osc; i++) {
        net->dev[i] = dev[n_dev == 1 ? 0 : i];
        net->i_dc_ma[i] = i_dc_ma ? i_dc_ma[i] : net->dev[i].i_ref_ma;
    }
    return net;
}

void ncm_stno_net_free(ncm_stno_net *net)
{
    if (!net)
        return;
    free(net->dev);
    free(net->i_dc_ma);
    free(net->w_mhz);
    free(net);
}

int ncm_stno_net_n_osc(const ncm_stno_net *net)
{
    return net ? net->n_osc : 0;
}

const ncm_stno_params *ncm_stno_net_device(const ncm_stno_net *net, int i)
{
    return net && i >= 0 && i < net->n_osc ? &net->dev[i] : NULL;
}

double ncm_stno_net_i_dc_ma(const ncm_stno_net *net, int i)
{
    return net && i >= 0 && i < net->n_osc ? net->i_dc_ma[i] : NAN;
}

double ncm_stno_net_coupling_mhz(const ncm_stno_net *net, int i, int j)
{
    return net && i >= 0 && i < net->n_osc && j >= 0 && j < net->n_osc
               ? net->w_mhz[(size_t)i * net->n_osc + j]
               : NAN;
}

double ncm_stno_net_beta_rad(const ncm_stno_net *net)
{
    return net ? net->beta_rad : NAN;
}

/* ---- the command line's network -------------------------------------------------------------- */

void ncm_stno_net_spec_default(ncm_stno_net_spec *s)
{
    memset(s, 0, sizeof *s);
    ncm_stno_default(&s->device);
    s->n_osc = 1;
    s->spread_seed = 1;
}

ncm_status ncm_stno_net_spec_check(const ncm_stno_net_spec *s, const char *where, ncm_error *err)
{
    if (!where)
        where = "ncm_stno_net_spec";
    char dwhere[160];
    snprintf(dwhere, sizeof dwhere, "%s.device", where);
    ncm_status st = ncm_stno_check(&s->device, dwhere, err);
    if (st)
        return st;
    if (s->n_osc < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.n_osc = %d: must be >= 1", where, s->n_osc);
    if (s->spread != 0 && s->spread != 1)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.spread = %d: must be 0 or 1", where, s->spread);
    const struct {
        const char *name;
        double v;
    } f[] = {{"i_dc_ma", s->i_dc_ma}, {"w_mhz", s->w_mhz}, {"beta_rad", s->beta_rad}};
    for (size_t k = 0; k < sizeof f / sizeof *f; k++)
        if (!isfinite(f[k].v))
            return ncm_error_set(err, NCM_ERR_ARG, "%s.%s = %g: must be finite", where, f[k].name,
                                 f[k].v);
    return NCM_OK;
}

ncm_stno_net *ncm_stno_net_from_spec(const ncm_stno_net_spec *s, ncm_error *err)
{
    if (ncm_stno_net_spec_check(s, NULL, err))
        return NULL;
    const int n = s->n_osc;
    ncm_stno_params *dev = malloc(sizeof *dev * (size_t)n);
    double *i_dc = malloc(sizeof(double) * (size_t)n);
    double *w = calloc((size_t)n * (size_t)n, sizeof(double));
    ncm_stno_net *net = NULL;
    ncm_status st = NCM_OK;
    if (!dev || !i_dc || !w)
        st = ncm_error_set(err, NCM_ERR_NOMEM, "network: out of memory for %d oscillators", n);
    else if (s->spread)
        st = ncm_stno_spread(&s->device, n, s->spread_seed, dev, err);
    else
        for (int i = 0; i < n; i++)
            dev[i] = s->device;
    if (!st) {
        for (int i = 0; i < n; i++) {
            i_dc[i] = s->i_dc_ma != 0.0 ? s->i_dc_ma : NCM_STNO_DEFAULT_Z * dev[i].i_th_ma;
            for (int j = 0; j < n; j++)
                w[(size_t)i * n + j] = i == j ? 0.0 : s->w_mhz;
        }
        net = ncm_stno_net_new(n, dev, n, i_dc, err);
        if (net && ncm_stno_net_set_coupling(net, n, n, w, s->beta_rad, err)) {
            ncm_stno_net_free(net);
            net = NULL;
        }
    }
    free(dev), free(i_dc), free(w);
    return net;
}

ncm_status ncm_stno_net_set_coupling(ncm_stno_net *net, int rows, int cols, const double *w_mhz,
                                     double beta_rad, ncm_error *err)
{
    if (!net)
        return ncm_error_set(err, NCM_ERR_ARG, "coupling: net is NULL (ncm_stno_net_new)");
    if (rows != cols)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "coupling matrix must be square (%d x %d for %d oscillators), found "
                             "%d x %d",
                             net->n_osc, net->n_osc, net->n_osc, rows, cols);
    if (rows != net->n_osc)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "coupling matrix must be %d x %d (one row and column per oscillator), "
                             "found %d x %d",
                             net->n_osc, net->n_osc, rows, cols);
    if (!isfinite(beta_rad))
        return ncm_error_set(err, NCM_ERR_ARG, "coupling phase beta must be finite, found %g",
                             beta_rad);
    for (int i = 0; i < rows * cols; i++)
        if (!isfinite(w_mhz[i]))
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "coupling matrix entry (%d, %d) must be finite, found %g",
                                 i / cols, i % cols, w_mhz[i]);
    memcpy(net->w_mhz, w_mhz, (size_t)rows * (size_t)cols * sizeof *w_mhz);
    net->beta_rad = beta_rad;
    return NCM_OK;
}

/* DC current of oscillator i in run r. */
static double current(const ncm_stno_net *net, const ncm_stno_batch *b, int r, int i)
{
    return b->i_dc_ma ? b->i_dc_ma[(size_t)r * net->n_osc + i] : net->i_dc_ma[i];
}

/* f0 + df/dI (I - I_ref): the oscillator's frequency at p = 0, MHz. */
static double f_linear(const ncm_stno_params *d, double i_ma)
{
    return d->f0_mhz + d->df_di_mhz_per_ma * (i_ma - d->i_ref_ma);
}

ncm_status ncm_stno_check_batch(const ncm_stno_net *net, const ncm_stno_batch *b, ncm_error *err)
{
    if (!net)
        return ncm_error_set(err, NCM_ERR_ARG, "network: net is NULL (ncm_stno_net_new)");
    if (!b)
        return ncm_error_set(err, NCM_ERR_ARG, "batch: b is NULL");
    if (b->n_runs < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "batch: run count must be >= 1, found %d",
                             b->n_runs);
    if (b->n_in < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "batch: input count must be >= 0, found %d",
                             b->n_in);
    if (b->n_in > 0 && (!b->f_in_mhz || !b->amp_mhz))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "batch: %d inputs but no input frequencies or amplitudes", b->n_in);
    if (!b->init_re != !b->init_im)
        return ncm_error_set(err, NCM_ERR_ARG, "batch: give both init_re and init_im, or neither");
    for (int r = 0; r < b->n_runs; r++) {
        for (int i = 0; i < net->n_osc; i++) {
            double c = current(net, b, r, i);
            if (!isfinite(c))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "batch: run %d, oscillator %d: DC current must be finite, "
                                     "found %g mA",
                                     r, i, c);
            size_t ri = (size_t)r * net->n_osc + i;
            if (b->init_re && (!isfinite(b->init_re[ri]) || !isfinite(b->init_im[ri])))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "batch: run %d, oscillator %d: initial state must be finite",
                                     r, i);
        }
        for (int k = 0; k < b->n_in; k++) {
            size_t rk = (size_t)r * b->n_in + k;
            if (!(b->f_in_mhz[rk] > 0.0) || !isfinite(b->f_in_mhz[rk]))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "batch: run %d, input %d: frequency must be > 0 and finite, "
                                     "found %g MHz",
                                     r, k, b->f_in_mhz[rk]);
            if (!(b->amp_mhz[rk] >= 0.0) || !isfinite(b->amp_mhz[rk]))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "batch: run %d, input %d: amplitude must be >= 0 and finite, "
                                     "found %g MHz",
                                     r, k, b->amp_mhz[rk]);
            if (b->phase_rad && !isfinite(b->phase_rad[rk]))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "batch: run %d, input %d: phase must be finite, found %g", r,
                                     k, b->phase_rad[rk]);
        }
    }
    for (int i = 0; b->in_gain && i < net->n_osc * b->n_in; i++)
        if (!isfinite(b->in_gain[i]))
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "batch: input gain of oscillator %d, input %d must be finite, "
                                 "found %g",
                                 i / b->n_in, i % b->n_in, b->in_gain[i]);
    return NCM_OK;
}

ncm_status ncm_stno_auto_f_ref(const ncm_stno_net *net, const ncm_stno_batch *b, double *f_ref_mhz,
                               ncm_error *err)
{
    ncm_status st = ncm_stno_check_batch(net, b, err);
    if (st)
        return st;
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < b->n_runs; r++) {
        for (int i = 0; i < net->n_osc; i++) {
            /* the band w(p), p in [0, 1] */
            double f = f_linear(&net->dev[i], current(net, b, r, i));
            double g = f + net->dev[i].n_mhz;
            lo = fmin(lo, fmin(f, g));
            hi = fmax(hi, fmax(f, g));
        }
        for (int k = 0; k < b->n_in; k++) {
            double f = b->f_in_mhz[(size_t)r * b->n_in + k];
            lo = fmin(lo, f);
            hi = fmax(hi, f);
        }
    }
    *f_ref_mhz = 0.5 * (lo + hi);
    return NCM_OK;
}

ncm_status ncm_stno_step_limit(const ncm_stno_net *net, const ncm_stno_batch *b, double f_ref_mhz,
                               double dt_ns, double *dt_max_ns, ncm_error *err)
{
    const int n = net->n_osc;
    double dt_max = INFINITY;
    /* what sets dt_max, for the message */
    const char *what = "";
    int run = 0, idx = 0;
    double value = 0, limit = 0;
    for (int r = 0; r < b->n_runs; r++) {
        for (int i = 0; i < n; i++) {
            const ncm_stno_params *d = &net->dev[i];
            double cur = current(net, b, r, i);
            double f = f_linear(d, cur) - f_ref_mhz;
            double w = NCM_STNO_RADNS_PER_MHZ * fmax(fabs(f), fabs(f + d->n_mhz));
            if (w > 0 && NCM_STNO_MAX_PHASE_STEP / w < dt_max) {
                dt_max = NCM_STNO_MAX_PHASE_STEP / w;
                what = "oscillator";
                run = r, idx = i, value = w, limit = NCM_STNO_MAX_PHASE_STEP;
            }
            /* damping bound: the Jacobian of -g(p) c, g(p) = G_G ((Q + z) p - (z - 1)), has the
             * eigenvalues -g and -(g + 2 p g'); over p in [0, 1] their size is at most
             * G_G max(|1 - z|, 1 + Q + 2 |Q + z|); the coupling adds at most sum_j |W_ij|. */
            double z = cur / d->i_th_ma;
            double rate = d->gamma_g_mhz * fmax(fabs(1.0 - z), 1.0 + d->q + 2.0 * fabs(d->q + z));
            for (int j = 0; j < n; j++)
                rate += fabs(net->w_mhz[i * n + j]);
            rate *= NCM_STNO_RADNS_PER_MHZ;
            if (rate > 0 && NCM_STNO_MAX_RATE_STEP / rate < dt_max) {
                dt_max = NCM_STNO_MAX_RATE_STEP / rate;
                what = "damping";
                run = r, idx = i, value = rate, limit = NCM_STNO_MAX_RATE_STEP;
            }
        }
        for (int k = 0; k < b->n_in; k++) {
            double w =
                NCM_STNO_RADNS_PER_MHZ * fabs(b->f_in_mhz[(size_t)r * b->n_in + k] - f_ref_mhz);
            if (w > 0 && NCM_STNO_MAX_PHASE_STEP / w < dt_max) {
                dt_max = NCM_STNO_MAX_PHASE_STEP / w;
                what = "input";
                run = r, idx = k, value = w, limit = NCM_STNO_MAX_PHASE_STEP;
            }
        }
    }
    if (dt_max_ns)
        *dt_max_ns = dt_max;
    if (dt_ns <= dt_max)
        return NCM_OK;
    if (what[0] == 'd')
        return ncm_error_set(err, NCM_ERR_ARG,
                             "dt_ns = %g is too large: run %d, oscillator %d has a damping and "
                             "coupling rate of %.4g /ns, rate * dt = %.3g above the stability "
                             "limit %g; largest allowed step %.4g ns",
                             dt_ns, run, idx, value, value * dt_ns, limit, dt_max);
    return ncm_error_set(err, NCM_ERR_ARG,
                         "dt_ns = %g is too large: run %d, %s %d turns at |w - w_ref| = %.4g "
                         "rad/ns in the frame at f_ref = %g MHz, |w - w_ref| dt = %.3g rad per "
                         "step above the limit %g rad; largest allowed step %.4g ns",
                         dt_ns, run, what, idx, value, f_ref_mhz, value * dt_ns, limit, dt_max);
}

ncm_status ncm_stno_max_dt(const ncm_stno_net *net, const ncm_stno_batch *b, double f_ref_mhz,
                           double *dt_max_ns, ncm_error *err)
{
    ncm_status st = ncm_stno_check_batch(net, b, err);
    if (st)
        return st;
    if (f_ref_mhz == 0.0 && (st = ncm_stno_auto_f_ref(net, b, &f_ref_mhz, err)))
        return st;
    return ncm_stno_step_limit(net, b, f_ref_mhz, 0.0, dt_max_ns, err);
}

/* ---- simulation settings --------------------------------------------------------------------- */

void ncm_stno_sim_default(ncm_stno_sim *sim)
{
    memset(sim, 0, sizeof *sim);
    sim->t_transient_ns = 2000.0;
    sim->t_window_ns = 20000.0;
    sim->seed = 1;
}

ncm_status ncm_stno_sim_resolve(const ncm_stno_net *net, const ncm_stno_batch *b, ncm_stno_sim *sim,
                                ncm_error *err)
{
    ncm_status st = ncm_stno_check_batch(net, b, err);
    if (st)
        return st;
    if (sim->f_ref_mhz == 0.0 && (st = ncm_stno_auto_f_ref(net, b, &sim->f_ref_mhz, err)))
        return st;
    double dt_max;
    if (sim->dt_ns == 0.0) {
        if ((st = ncm_stno_max_dt(net, b, sim->f_ref_mhz, &dt_max, err)))
            return st;
        sim->dt_ns = NCM_STNO_AUTO_DT_FRACTION * dt_max;
    }
    return NCM_OK;
}
