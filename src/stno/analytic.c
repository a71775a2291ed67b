/* Analytic results of the auto-oscillator model (include/nanocim/stno.h; derivations in
 * docs/stno.md): the free-running operating point and thermal linewidth (Slavin and Tiberkevich,
 * IEEE Trans. Magn. 45, 1875 (2009), "S-T"), the injection-locking range, Adler-type and exact
 * for this model, and the mutual-locking range of two coupled oscillators. Every rate is in MHz
 * (w / 2 pi); the equations are homogeneous in the rates, so they hold in these units as well. */
#include <math.h>
#include <stddef.h>

#include "nanocim/stno.h"
#include "stno/stno_internal.h"

ncm_status ncm_stno_operating_point(const ncm_stno_params *p, double i_ma, ncm_stno_op *op,
                                    ncm_error *err)
{
    ncm_status st = ncm_stno_check(p, NULL, err);
    if (st)
        return st;
    if (!isfinite(i_ma))
        return ncm_error_set(err, NCM_ERR_ARG, "i_ma = %g mA: the current must be finite", i_ma);
    const double z = i_ma / p->i_th_ma;
    const double gg = p->gamma_g_mhz;
    /* G+(p) = G_-(p) with G+ = G_G (1 + Q p), G- = G_G z (1 - p): p0 = (z - 1) / (z + Q) */
    const double p0 = z > 1.0 ? (z - 1.0) / (z + p->q) : 0.0;
    const double kt_over_e0 = NCM_STNO_KB_EV_PER_K * p->temperature_k / p->e0_ev;
    op->z = z;
    op->p0 = p0;
    op->f_mhz = p->f0_mhz + p->df_di_mhz_per_ma * (i_ma - p->i_ref_ma) + p->n_mhz * p0;
    op->gamma_plus_mhz = gg * (1.0 + p->q * p0);
    /* G_p = p0 (dG+/dp - dG-/dp) = G_G (Q + z) p0 (S-T eq. for the amplitude relaxation rate) */
    op->gamma_p_mhz = gg * (p->q + z) * p0;
    op->nu = p0 > 0.0 ? p->n_mhz / (gg * (p->q + z)) : 0.0;
    /* S-T diffusion coefficient D = G+(p) kT / lambda(p), lambda = dE/dp = E0 */
    op->noise_d_mhz = op->gamma_plus_mhz * kt_over_e0;
    op->kt_over_e = p0 > 0.0 ? kt_over_e0 / p0 : kt_over_e0;
    if (z > 1.0) {
        /* phase diffusion: Var phi(t) -> (D / p0) (1 + nu^2) t, a Lorentzian of that FWHM */
        op->linewidth_mhz = op->gamma_plus_mhz * op->kt_over_e * (1.0 + op->nu * op->nu);
        op->p_thermal = p0;
    } else if (z < 1.0) {
        /* dc/dt = -(G_G - sigma I) c + eta: <p> = D / (G_G (1 - z)), FWHM 2 G_G (1 - z) */
        op->linewidth_mhz = 2.0 * gg * (1.0 - z);
        op->p_thermal = op->noise_d_mhz / (gg * (1.0 - z));
    } else {
        op->linewidth_mhz = INFINITY;
        op->p_thermal = INFINITY;
    }
    op->v_rf_mv = i_ma * p->dr_ohm * sqrt(p0);
    return NCM_OK;
}

/* The operating point, refused below threshold (the locking results need p0 > 0). */
static ncm_status above_threshold(const ncm_stno_params *p, double i_ma, const char *who,
                                  ncm_stno_op *op, ncm_error *err)
{
    ncm_status st = ncm_stno_operating_point(p, i_ma, op, err);
    if (st)
        return st;
    if (op->p0 <= 0.0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: i_ma = %g mA is not above the threshold i_th_ma = %g mA (no "
                             "oscillation)",
                             who, i_ma, p->i_th_ma);
    return NCM_OK;
}

ncm_status ncm_stno_lock_halfwidth(const ncm_stno_params *p, double i_ma, double amp_mhz,
                                   double *halfwidth_mhz, ncm_error *err)
{
    ncm_stno_op op = {0};
    ncm_status st = above_threshold(p, i_ma, "locking range", &op, err);
    if (st)
        return st;
    if (!(amp_mhz >= 0.0) || !isfinite(amp_mhz))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "locking range: amp_mhz = %g MHz: the input amplitude must be >= 0 "
                             "and finite",
                             amp_mhz);
    /* psi' = (w_g - w_e) - (F / sqrt(p0)) sqrt(1 + nu^2) sin(psi - atan nu)  (docs/stno.md) */
    *halfwidth_mhz = sqrt(1.0 + op.nu * op.nu) * amp_mhz / sqrt(op.p0);
    return NCM_OK;
}

/* Stationary locked states (docs/stno.md, "Exact locking edges"): with d = p - p0 and
 * K = G_G (Q + z), a stationary state at power p exists for the input frequencies
 * f_e = f_g + N d -+ sqrt(F^2 / p - K^2 d^2). `sign` +1 gives the upper branch. */
typedef struct {
    double f_g, n, k, f2, p0;
} lock_curve;

static double branch(const lock_curve *c, double p, double sign)
{
    double d = p - c->p0;
    double s = c->f2 / p - c->k * c->k * d * d;
    return c->f_g + c->n * d + sign * sqrt(s > 0.0 ? s : 0.0);
}

/* Extremum (max of sign * branch) of a branch over [a, b]: grid, then golden section. */
static double branch_extremum(const lock_curve *c, double a, double b, double sign)
{
    enum { GRID = 2000 };
    int best = 0;
    double bestv = -INFINITY;
    for (int i = 0; i <= GRID; i++) {
        double v = sign * branch(c, a + (b - a) * i / GRID, sign);
        if (v > bestv) {
            bestv = v;
            best = i;
        }
    }
    double lo = a + (b - a) * (best > 0 ? best - 1 : 0) / GRID;
    double hi = a + (b - a) * (best < GRID ? best + 1 : GRID) / GRID;
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    for (int it = 0; it < 200 && hi - lo > 1e-15 * (hi + lo); it++) {
        double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
        if (sign * branch(c, x1, sign) > sign * branch(c, x2, sign))
            hi = x2;
        else
            lo = x1;
    }
    double v = sign * branch(c, 0.5 * (lo + hi), sign);
    return sign * (v > bestv ? v : bestv);
}

/* Root of h(p) = K^2 (p - p0)^2 p - F^2 in [a, b] where h changes sign (bisection). */
static double h_root(const lock_curve *c, double a, double b)
{
    double ha = c->k * c->k * (a - c->p0) * (a - c->p0) * a - c->f2;
    for (int it = 0; it < 200; it++) {
        double m = 0.5 * (a + b);
        double hm = c->k * c->k * (m - c->p0) * (m - c->p0) * m - c->f2;
        if ((hm > 0) == (ha > 0)) {
            a = m;
            ha = hm;
        } else {
            b = m;
        }
    }
    return 0.5 * (a + b);
}

ncm_status ncm_stno_lock_edges(const ncm_stno_params *p, double i_ma, double amp_mhz,
                               double *f_lo_mhz, double *f_hi_mhz, ncm_error *err)
{
    ncm_stno_op op = {0};
    ncm_status st = above_threshold(p, i_ma, "locking edges", &op, err);
    if (st)
        return st;
    if (!(amp_mhz >= 0.0) || !isfinite(amp_mhz))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "locking edges: amp_mhz = %g MHz: the input amplitude must be >= 0 "
                             "and finite",
                             amp_mhz);
    if (amp_mhz == 0.0) { /* no input: the range shrinks to the free-running frequency */
        *f_lo_mhz = *f_hi_mhz = op.f_mhz;
        return NCM_OK;
    }
    lock_curve c = {op.f_mhz, p->n_mhz, p->gamma_g_mhz * (p->q + op.z), amp_mhz * amp_mhz, op.p0};
    /* The stationary states near p0 lie where K^2 (p - p0)^2 p <= F^2; on (0, p0) the left side
     * peaks at p0 / 3 with 4 K^2 p0^3 / 27. Above that the interval reaches p -> 0 (quenching). */
    const double hmax = 4.0 * c.k * c.k * c.p0 * c.p0 * c.p0 / 27.0;
    if (c.f2 >= hmax)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "locking edges: input amplitude %g MHz quenches the oscillation "
                             "(weak-input limit %g MHz)",
                             amp_mhz, sqrt(hmax));
    double p_lo = h_root(&c, c.p0 / 3.0, c.p0);
    double b = c.p0;
    while (c.k * c.k * (b - c.p0) * (b - c.p0) * b < c.f2)
        b = 2.0 * b + 1e-12;
    double p_hi = h_root(&c, c.p0, b);
    *f_lo_mhz = branch_extremum(&c, p_lo, p_hi, -1.0);
    *f_hi_mhz = branch_extremum(&c, p_lo, p_hi, +1.0);
    return NCM_OK;
}

/* Locking range per unit of the two couplings: the phase model
 * theta' = (w_a - w_b) - [K_a sin(theta + beta - e_a) + K_b sin(theta - beta + e_b)],
 * K_a = W_ab sqrt(p_b / p_a) sqrt(1 + nu_a^2), e = atan nu, locks while |w_a - w_b| <= |K_a
 * exp(i (beta - e_a)) + K_b exp(-i (beta - e_b))| (docs/stno.md, "Two coupled oscillators"). */
static double pair_range(const ncm_stno_op *a, const ncm_stno_op *b, double w_ab, double w_ba,
                         double beta)
{
    double ka = w_ab * sqrt(b->p0 / a->p0) * sqrt(1.0 + a->nu * a->nu);
    double kb = w_ba * sqrt(a->p0 / b->p0) * sqrt(1.0 + b->nu * b->nu);
    double xa = beta - atan(a->nu), xb = -(beta - atan(b->nu));
    double re = ka * cos(xa) + kb * cos(xb), im = ka * sin(xa) + kb * sin(xb);
    return hypot(re, im);
}

ncm_status ncm_stno_pair_lock_range(const ncm_stno_params *pa, double ia_ma,
                                    const ncm_stno_params *pb, double ib_ma, double w_ab_mhz,
                                    double w_ba_mhz, double beta_rad, double *range_mhz,
                                    ncm_error *err)
{
    ncm_stno_op a = {0}, b = {0};
    ncm_status st = above_threshold(pa, ia_ma, "pair locking: oscillator a", &a, err);
    if (!st)
        st = above_threshold(pb, ib_ma, "pair locking: oscillator b", &b, err);
    if (st)
        return st;
    if (!isfinite(w_ab_mhz) || !isfinite(w_ba_mhz) || !isfinite(beta_rad))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "pair locking: couplings and phase must be finite, found W_ab %g, "
                             "W_ba %g MHz, beta %g rad",
                             w_ab_mhz, w_ba_mhz, beta_rad);
    *range_mhz = pair_range(&a, &b, w_ab_mhz, w_ba_mhz, beta_rad);
    return NCM_OK;
}

ncm_status ncm_stno_pair_lock_threshold(const ncm_stno_params *pa, double ia_ma,
                                        const ncm_stno_params *pb, double ib_ma, double beta_rad,
                                        double *w_th_mhz, ncm_error *err)
{
    double per_w = 0.0;
    ncm_status st = ncm_stno_pair_lock_range(pa, ia_ma, pb, ib_ma, 1.0, 1.0, beta_rad, &per_w, err);
    if (st)
        return st;
    if (per_w < 1e-12)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "pair locking: coupling phase beta = %g rad makes the coupling "
                             "ineffective (no locking at any coupling)",
                             beta_rad);
    ncm_stno_op a = {0}, b = {0};
    ncm_stno_operating_point(pa, ia_ma, &a, NULL);
    ncm_stno_operating_point(pb, ib_ma, &b, NULL);
    *w_th_mhz = fabs(a.f_mhz - b.f_mhz) / per_w;
    return NCM_OK;
}
