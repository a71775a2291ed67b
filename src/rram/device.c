/* The RRAM device model: state distributions at a programming condition and age (medians, spreads,
 * endurance drift, stuck-at fraction), one device programmed event by event (d2d offsets, AR(1)
 * cycle-to-cycle deviations, stuck-at failures) and programming energy. Equations are in
 * include/nanocim/rram.h, defaults and sources in docs/hfo2.md. */
#include "nanocim/rram.h"

#include <math.h>
#include <stddef.h>

#include "rram/device_internal.h"

ncm_rram_cond ncm_rram_cond_ref(const ncm_rram_params *p)
{
    ncm_rram_cond c = {p->i_ref_ua, p->v_reset_ref_v, p->t_p_ref_ns, 0.0};
    return c;
}

int ncm_rram_cond_bad_field(const ncm_rram_cond *c, const char **field, const char **want,
                            double *value)
{
    const char *f = NULL, *w = NULL;
    double v = 0;
    if (!(isfinite(c->i_cc_ua) && c->i_cc_ua > 0))
        f = "i_cc_ua", w = "> 0", v = c->i_cc_ua;
    else if (!(isfinite(c->v_reset_v) && c->v_reset_v != 0))
        f = "v_reset_v", w = "non-zero", v = c->v_reset_v;
    else if (!(isfinite(c->t_p_ns) && c->t_p_ns > 0))
        f = "t_p_ns", w = "> 0", v = c->t_p_ns;
    else if (!(isfinite(c->cycles) && c->cycles >= 0))
        f = "cycles", w = ">= 0", v = c->cycles;
    *field = f, *want = w, *value = v;
    return f != NULL;
}

ncm_status ncm_rram_cond_check(const ncm_rram_cond *c, ncm_error *err)
{
    const char *f, *w;
    double v;
    if (!ncm_rram_cond_bad_field(c, &f, &w, &v))
        return NCM_OK;
    return ncm_error_set(err, NCM_ERR_ARG, "programming condition: %s must be %s, found %g", f, w,
                         v);
}

void ncm_rram_stats_at(const ncm_rram_params *p, const ncm_rram_cond *c, ncm_rram_stats *s)
{
    const double ri = c->i_cc_ua / p->i_ref_ua;              /* SET strength */
    const double rv = fabs(c->v_reset_v) / p->v_reset_ref_v; /* RESET strength */
    /* Endurance scale: strong programming wears the filament faster (docs/hfo2.md, "The model";
     * power laws in I_cc and |V_reset| are our choice). */
    s->n0_cycles = p->n0_ref_cycles * pow(ri, -p->n0_exp_icc) * pow(rv, -p->n0_exp_vreset);
    const double age = log1p(c->cycles / s->n0_cycles);
    /* LRS: R = V_c / I_cc, the filament grows until it carries the compliance current (Ielmini,
     * Semicond. Sci. Technol. 31, 063002, 2016); weak filaments are more variable. */
    s->mu_lrs = log(p->v_c_v / (c->i_cc_ua * 1e-6)) + p->drift_lrs * age;
    s->sigma_lrs = p->sigma_lrs * pow(ri, -p->sigma_lrs_exp);
    /* HRS: a stronger or longer RESET opens a wider gap; exponential in |V_reset| (ibid.). */
    s->mu_hrs = log(p->r_hrs_ref_ohm) +
                p->hrs_ln_r_per_v * (fabs(c->v_reset_v) - p->v_reset_ref_v) +
                p->hrs_ln_r_per_ln_t * log(c->t_p_ns / p->t_p_ref_ns) - p->drift_hrs * age;
    s->sigma_hrs = p->sigma_hrs;
    double ps = p->stuck_p_ref * pow(ri, p->stuck_exp_icc) * pow(rv, p->stuck_exp_vreset);
    s->stuck_p_cycle = ps < 1.0 ? ps : 1.0;
    s->stuck_frac = s->stuck_p_cycle >= 1.0 ? (c->cycles > 0 ? 1.0 : 0.0)
                                            : -expm1(c->cycles * log1p(-s->stuck_p_cycle));
}

/* ---- one device ------------------------------------------------------------------------------ */

void ncm_rram_device_init(ncm_rram_device *d, const ncm_rram_params *p, ncm_rng *rng)
{
    (void)p;
    ncm_zig_init();
    d->d2d_lrs = ncm_zig_normal(rng);
    d->d2d_hrs = ncm_zig_normal(rng);
    /* the AR(1) process starts stationary, so the first event already has the full c2c spread */
    d->c2c_lrs = ncm_zig_normal(rng);
    d->c2c_hrs = ncm_zig_normal(rng);
    d->cycles = 0;
    d->stuck = NCM_RRAM_STUCK_NONE;
    d->lrs = 0;
    d->r_ohm = 0;
}

double ncm_rram_program(ncm_rram_device *d, const ncm_rram_params *p, const ncm_rram_cond *c,
                        int lrs, ncm_rng *rng, double *energy_pj)
{
    ncm_zig_init();
    ncm_rram_cond at = *c;
    at.cycles = d->cycles + (lrs ? 1 : 0);
    ncm_rram_stats s;
    ncm_rram_stats_at(p, &at, &s);
    double e;
    if (lrs) {
        d->cycles = at.cycles;
        if (!d->stuck && s.stuck_p_cycle > 0 && ncm_rng_uniform(rng) < s.stuck_p_cycle)
            d->stuck =
                ncm_rng_uniform(rng) < p->stuck_lrs_frac ? NCM_RRAM_STUCK_LRS : NCM_RRAM_STUCK_HRS;
        e = p->v_set_v * c->i_cc_ua * c->t_p_ns * 1e-3; /* V * uA * ns = fJ */
    } else {
        double r_before = d->r_ohm > 0 ? d->r_ohm : exp(s.mu_lrs);
        e = c->v_reset_v * c->v_reset_v / r_before * c->t_p_ns * 1e3; /* V^2 / ohm * ns = nJ */
    }
    if (energy_pj)
        *energy_pj += e;
    int state = d->stuck ? d->stuck == NCM_RRAM_STUCK_LRS : lrs;
    double *c2c = state ? &d->c2c_lrs : &d->c2c_hrs;
    *c2c = p->c2c_rho * *c2c + sqrt(1.0 - p->c2c_rho * p->c2c_rho) * ncm_zig_normal(rng);
    double g = sqrt(p->d2d_var_frac) * (state ? d->d2d_lrs : d->d2d_hrs) +
               sqrt(1.0 - p->d2d_var_frac) * *c2c;
    g *= ncm_rram_scale_draw(p, rng);
    double ln_r = state ? s.mu_lrs + s.sigma_lrs * g : s.mu_hrs + s.sigma_hrs * g;
    d->lrs = state;
    d->r_ohm = exp(ln_r);
    return d->r_ohm;
}

/* ---- energy ---------------------------------------------------------------------------------- */

ncm_rram_energy ncm_rram_energy_at(const ncm_rram_params *p, const ncm_rram_cond *c,
                                   ncm_cell_type type)
{
    ncm_rram_stats s;
    ncm_rram_stats_at(p, c, &s);
    ncm_rram_energy e;
    /* Joule energy of the pulses (docs/hfo2.md, "The model"; our first-order choice): SET at the
     * compliance current, RESET through the median LRS it starts from. */
    e.e_set_pj = p->v_set_v * c->i_cc_ua * c->t_p_ns * 1e-3;
    e.e_reset_pj = c->v_reset_v * c->v_reset_v / exp(s.mu_lrs) * c->t_p_ns * 1e3;
    e.devices_per_bit = type == NCM_CELL_2T2R ? 2 : 1;
    /* 1T1R: a bit is one SET or one RESET (equiprobable); 2T2R: one of each. */
    e.e_program_bit_pj =
        type == NCM_CELL_2T2R ? e.e_set_pj + e.e_reset_pj : 0.5 * (e.e_set_pj + e.e_reset_pj);
    e.e_read_bit_pj = e.devices_per_bit * p->e_read_device_pj + p->e_sense_pj;
    return e;
}
