/* 1T1R and 2T2R cells: reading against a reference, the precharge sense amplifier (PCSA) and its
 * in-sense XNOR, analytic bit error rates (with endurance drift and stuck devices) and the best
 * 1T1R reference (docs/hfo2.md, "Cells, sense amplifier and error correction"). The Monte Carlo twin is src/rram/cell_mc.c. */
#include "nanocim/rram.h"

#include <math.h>
#include <stddef.h>

#include "rram/device_internal.h"

ncm_rram_cell ncm_rram_cell_default(const ncm_rram_params *p, ncm_cell_type type)
{
    ncm_rram_cell c = {type, p->r_ref_ohm};
    return c;
}

const char *ncm_cell_type_name(ncm_cell_type t)
{
    return t == NCM_CELL_2T2R ? "2T2R" : "1T1R";
}

int ncm_rram_read_1t1r(double r_ohm, double r_ref_ohm)
{
    return r_ohm < r_ref_ohm;
}

int ncm_pcsa_read(const ncm_rram_params *p, double r1_ohm, double r2_ohm, ncm_rng *rng)
{
    ncm_zig_init();
    double d = log(r2_ohm) - log(r1_ohm);
    if (p->pcsa_offset_sigma > 0)
        d += p->pcsa_offset_sigma * ncm_zig_normal(rng);
    return ncm_pcsa_decide(d, p->pcsa_dead_zone, rng);
}

int ncm_pcsa_xnor(const ncm_rram_params *p, double r_a_ohm, double r_b_ohm, int x, ncm_rng *rng)
{
    /* the input bit routes the pair: x = 1 puts a on branch 1, x = 0 puts b there */
    return x ? ncm_pcsa_read(p, r_a_ohm, r_b_ohm, rng) : ncm_pcsa_read(p, r_b_ohm, r_a_ohm, rng);
}

/* ---- analytic BER ---------------------------------------------------------------------------- */

/* 1T1R at reference ln R_ref. Without failures: BER = 0.5 P(LRS above) + 0.5 P(HRS below)
 * (docs/hfo2.md, "1T1R: one device against a reference"). A stuck device (fraction F, at LRS with probability q) reads as the
 * state it is stuck in. */
static double ber_1t1r(const ncm_rram_params *p, const ncm_rram_stats *s, double ln_ref)
{
    const double e_l = ncm_rram_sf(p, (ln_ref - s->mu_lrs) / s->sigma_lrs); /* LRS read as 0 */
    const double e_h = ncm_rram_sf(p, (s->mu_hrs - ln_ref) / s->sigma_hrs); /* HRS read as 1 */
    const double f = s->stuck_frac, q = p->stuck_lrs_frac;
    const double err_l = (1 - f) * e_l + f * (q * e_l + (1 - q) * (1 - e_h));
    const double err_h = (1 - f) * e_h + f * ((1 - q) * e_h + q * (1 - e_l));
    return 0.5 * (err_l + err_h);
}

/* Probability that the PCSA gets a pair wrong when the device that should be the lower one has
 * ln R ~ N(mu_lo, s_lo^2) and its partner N(mu_hi, s_hi^2): D = ln R_hi - ln R_lo + offset ~
 * N(m, s^2) with m = mu_hi - mu_lo, s^2 = s_lo^2 + s_hi^2 + s_off^2; wrong when D < -delta, a coin
 * inside |D| < delta: 0.5 [Phi((-delta - m)/s) + Phi((delta - m)/s)]. */
static double pcsa_error(const ncm_rram_params *p, double mu_lo, double s_lo, double mu_hi,
                         double s_hi)
{
    const double m = mu_hi - mu_lo, dz = p->pcsa_dead_zone;
    const double s = sqrt(s_lo * s_lo + s_hi * s_hi + p->pcsa_offset_sigma * p->pcsa_offset_sigma);
    return 0.5 * (ncm_phi((-dz - m) / s) + ncm_phi((dz - m) / s));
}

/* 2T2R, lognormal family: each device of the pair is independently stuck (fraction F); sum over
 * the four state combinations of the pair. */
static double ber_2t2r(const ncm_rram_params *p, const ncm_rram_stats *s)
{
    const double mu[2] = {s->mu_hrs, s->mu_lrs}, sg[2] = {s->sigma_hrs, s->sigma_lrs};
    const double f = s->stuck_frac, q = p->stuck_lrs_frac;
    /* state probabilities (index 1 = LRS) of the device meant to be LRS and of its partner */
    const double pa[2] = {f * (1 - q), 1 - f + f * q};
    const double pb[2] = {1 - f + f * (1 - q), f * q};
    double ber = 0;
    for (int sa = 0; sa < 2; sa++)
        for (int sb = 0; sb < 2; sb++)
            if (pa[sa] * pb[sb] > 0)
                ber += pa[sa] * pb[sb] * pcsa_error(p, mu[sa], sg[sa], mu[sb], sg[sb]);
    return ber;
}

ncm_status ncm_rram_check_inputs(const ncm_rram_params *p, const ncm_rram_cond *c,
                                 const ncm_rram_cell *cell, ncm_error *err)
{
    ncm_status st = ncm_rram_check(p, NULL, err);
    if (!st)
        st = ncm_rram_cond_check(c, err);
    if (!st && cell && cell->type != NCM_CELL_1T1R && cell->type != NCM_CELL_2T2R)
        st = ncm_error_set(err, NCM_ERR_ARG, "unknown cell type %d", (int)cell->type);
    if (!st && cell && cell->type == NCM_CELL_1T1R &&
        !(isfinite(cell->r_ref_ohm) && cell->r_ref_ohm > 0))
        st = ncm_error_set(err, NCM_ERR_ARG, "1T1R cell: r_ref_ohm must be > 0, found %g",
                           cell->r_ref_ohm);
    return st;
}

ncm_status ncm_rram_ber(const ncm_rram_params *p, const ncm_rram_cond *c, const ncm_rram_cell *cell,
                        double *ber, ncm_error *err)
{
    ncm_status st = ncm_rram_check_inputs(p, c, cell, err);
    if (st)
        return st;
    ncm_rram_stats s;
    ncm_rram_stats_at(p, c, &s);
    if (cell->type == NCM_CELL_1T1R) {
        *ber = ber_1t1r(p, &s, log(cell->r_ref_ohm));
        return NCM_OK;
    }
    if (p->family == NCM_RRAM_STUDENT_T)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "2T2R BER of the student-t family has no closed form (difference of "
                             "two t variables): use the Monte Carlo, ncm_rram_ber_mc()");
    *ber = ber_2t2r(p, &s);
    return NCM_OK;
}

ncm_status ncm_rram_best_ref(const ncm_rram_params *p, const ncm_rram_cond *c, double *r_ref_ohm,
                             double *ber, ncm_error *err)
{
    ncm_status st = ncm_rram_check_inputs(p, c, NULL, err);
    if (st)
        return st;
    ncm_rram_stats s;
    ncm_rram_stats_at(p, c, &s);
    /* A grid over both states' bodies finds the basin (the BER can have a second, spurious
     * stationary point far in the wider state's tail); golden-section search refines it. */
    const double smax = fmax(s.sigma_lrs, s.sigma_hrs);
    const double lo = fmin(s.mu_lrs, s.mu_hrs) - 6 * smax, hi = fmax(s.mu_lrs, s.mu_hrs) + 6 * smax;
    enum { GRID = 240 };
    const double step = (hi - lo) / GRID;
    int best = 0;
    double best_ber = INFINITY;
    for (int i = 0; i <= GRID; i++) {
        double b = ber_1t1r(p, &s, lo + i * step);
        if (b < best_ber) {
            best_ber = b;
            best = i;
        }
    }
    /* golden-section on [x_(best-1), x_(best+1)] (Kiefer, Proc. AMS 4, 1953) */
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double a = lo + (best - 1) * step, b = lo + (best + 1) * step;
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = ber_1t1r(p, &s, x1), f2 = ber_1t1r(p, &s, x2);
    /* 1e-9 in ln R takes about 40 steps from a grid cell; the cap ends the search where the
     * interval can no longer shrink (a hostile device's sigma of 1e300 spans 1e301, whose
     * neighbouring doubles are farther apart than 1e-9) */
    for (int it = 0; b - a > 1e-9 && it < 400; it++) {
        if (f1 <= f2) {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = ber_1t1r(p, &s, x1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = ber_1t1r(p, &s, x2);
        }
    }
    double x = 0.5 * (a + b), fx = ber_1t1r(p, &s, x);
    if (fx > best_ber) { /* flat BER (closed window): keep the grid point */
        x = lo + best * step;
        fx = best_ber;
    }
    *r_ref_ohm = exp(x);
    if (ber)
        *ber = fx;
    return NCM_OK;
}

ncm_status ncm_rram_ber_vs_cycles(const ncm_rram_params *p, const ncm_rram_cond *c,
                                  const ncm_rram_cell *cell, const double *cycles, int n,
                                  double *ber, ncm_error *err)
{
    for (int i = 0; i < n; i++) {
        ncm_rram_cond at = *c;
        at.cycles = cycles[i];
        ncm_status st = ncm_rram_ber(p, &at, cell, &ber[i], err);
        if (st)
            return st;
    }
    return NCM_OK;
}
