/* Internals shared by the spin-torque oscillator files: unit conversions and the vectorisable
 * atan2 used to unwrap phases inside the integrator's loops. Not part of the public API. */
#ifndef NCM_STNO_INTERNAL_H
#define NCM_STNO_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "nanocim/rng.h"
#include "nanocim/stno.h"

/* Rates are stored as f = w / 2 pi in MHz; the integrator works in rad/ns. */
#define NCM_STNO_RADNS_PER_MHZ (2.0 * M_PI * 1e-3)
/* Boltzmann constant, eV/K (CODATA 2018, exact). */
#define NCM_STNO_KB_EV_PER_K 8.617333262e-5

/* c ? a : b for finite a and b, as arithmetic: exact (one product is a, the other +-0), and, unlike
 * a conditional whose arm holds arithmetic, vectorised by gcc under its default -ftrapping-math
 * (which forbids executing an arm's possibly trapping division speculatively). */
static inline double ncm_stno_select(int c, double a, double b)
{
    double m = (double)c;
    return m * a + (1.0 - m) * b;
}

/* atan2(y, x) from + - * / and selects only, so that gcc vectorises the loops that call it and
 * the vector and scalar lanes give the same bits. Octant reduction to |t| <= tan(pi/8), then the
 * Cephes rational approximation of atan (Moshier, Cephes Math Library, atan.c: P/Q of degree
 * 4/5 in t^2); error below 5e-16 rad. atan2(0, 0) = 0; the sign of a zero y is ignored; x and y
 * must be finite. */
static inline double ncm_stno_atan2(double y, double x)
{
    double ax = fabs(x), ay = fabs(y);
    double mx = ax > ay ? ax : ay, mn = ax > ay ? ay : ax;
    double t = mn / (mx + (double)(mx == 0.0)); /* 0 / 1 at the origin */
    int big = t > 0.41421356237309504880;       /* tan(pi/8): atan t = pi/4 + atan((t-1)/(t+1)) */
    double tt = ncm_stno_select(big, (t - 1.0) / (t + 1.0), t);
    double z = tt * tt;
    double num = (((-8.750608600031904122785e-1 * z - 1.615753718733365076637e1) * z -
                   7.500855792314704667340e1) *
                      z -
                  1.228866684490136173410e2) *
                     z -
                 6.485021904942025371773e1;
    double den = ((((z + 2.485846490142306297962e1) * z + 1.650270098316988542046e2) * z +
                   4.328810604912902668951e2) *
                      z +
                  4.853903996359136964868e2) *
                     z +
                 1.945506571482613964425e2;
    double r = ncm_stno_select(big, M_PI_4, 0.0) + (tt + tt * z * num / den);
    r = ncm_stno_select(ay > ax, M_PI_2 - r, r);
    r = ncm_stno_select(x < 0.0, M_PI - r, r);
    return ncm_stno_select(y < 0.0, -r, r);
}

/* ---- thermal noise (integrate.c) ------------------------------------------------------------ */

/* Philox4x32 constants (Random123, philox.h). */
#define NCM_STNO_PHILOX_M0 0xD2511F53u
#define NCM_STNO_PHILOX_M1 0xCD9E8D57u
#define NCM_STNO_PHILOX_W0 0x9E3779B9u
#define NCM_STNO_PHILOX_W1 0xBB67AE85u

/* For the tests: Philox4x32-10 block ctr of the streams (seed, first + r), r < 8, as the
 * integrator draws it: words[k][r] is word k of lane r (word 4 ctr + k of ncm_rng (seed,
 * first + r)), and z[2j][r] + i z[2j + 1][r] the Box-Muller pair of words 2j and 2j + 1, with the
 * kernel variant in use. */
void ncm_stno_noise8(uint64_t seed, uint64_t first, uint64_t ctr, uint32_t words[4][8],
                     double z[4][8]);

/* The integrator's kernel variant (integrate.c): 0 baseline (x86-64-v2), 1 AVX2, 2 AVX-512; by
 * default the best the CPU has. force >= 0 forces a variant (capped at the best available), -1
 * returns to the default, -2 only asks. Returns the variant in use. All give the same bits. */
int ncm_stno_kernel(int force);

/* Checks a batch against its network (network.c). */
ncm_status ncm_stno_check_batch(const ncm_stno_net *net, const ncm_stno_batch *b, ncm_error *err);

/* NCM_OK when dt_ns is within the stability limits in the frame f_ref_mhz, else NCM_ERR_ARG
 * naming the run and oscillator or input that sets the limit; *dt_max_ns (if not NULL) gets the
 * largest allowed step (network.c). */
ncm_status ncm_stno_step_limit(const ncm_stno_net *net, const ncm_stno_batch *b, double f_ref_mhz,
                               double dt_ns, double *dt_max_ns, ncm_error *err);

#endif
