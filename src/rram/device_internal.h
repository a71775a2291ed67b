/* Internals shared by the RRAM device and cell files: tail probabilities of the distribution
 * families, the fast samplers (ziggurat normal, gamma) used by both the device-level API and the
 * Monte Carlo, and the PCSA decision rule in ln R units. Not part of the public API. */
#ifndef NCM_RRAM_DEVICE_INTERNAL_H
#define NCM_RRAM_DEVICE_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "nanocim/rng.h"
#include "util/rng_inline.h"
#include "nanocim/rram.h"

/* P(N(0,1) <= z), accurate in both tails (erfc has no cancellation for z << 0). */
static inline double ncm_phi(double z)
{
    return 0.5 * erfc(-z * M_SQRT1_2);
}

/* Upper tail P(T > t) of Student's t with nu degrees of freedom. */
double ncm_student_t_sf(double t, double nu);

/* Regularized incomplete beta I_x(a, b); y = 1 - x is passed separately so that x close to 1
 * loses no digits. */
double ncm_betainc(double a, double b, double x, double y);

/* Upper tail P(X > z) of the standardized deviation of the family of p. */
static inline double ncm_rram_sf(const ncm_rram_params *p, double z)
{
    return p->family == NCM_RRAM_STUDENT_T ? ncm_student_t_sf(z, p->t_nu) : ncm_phi(-z);
}

/* The first field of a programming condition out of range (i_cc_ua, v_reset_v, t_p_ns, cycles),
 * what it must be and its value: 1, or 0 when the condition is valid. The one rule behind
 * ncm_rram_cond_check and the chip's per-layer conditions (src/imc/chip.c). */
/* Feeds the device's name, family and every numeric field into fingerprint h (util/hash.h). */
uint64_t ncm_rram_params_hash(uint64_t h, const ncm_rram_params *p);

int ncm_rram_cond_bad_field(const ncm_rram_cond *c, const char **field, const char **want,
                            double *value);

/* Checks parameters, condition and (when not NULL) the cell, naming the bad field. */
ncm_status ncm_rram_check_inputs(const ncm_rram_params *p, const ncm_rram_cond *c,
                                 const ncm_rram_cell *cell, ncm_error *err);

/* ---- sampling -------------------------------------------------------------------------------- */

/* Ziggurat tables, 128 layers (Marsaglia and Tsang, "The Ziggurat Method for Generating Random
 * Variables", J. Stat. Softw. 5(8), 2000): zig_x[i] the right edge of layer i, zig_f[i] =
 * exp(-zig_x[i]^2 / 2). Filled once by ncm_zig_init(). */
extern double ncm_zig_x[129], ncm_zig_f[129];
void ncm_zig_init(void);
/* The slow paths of the ziggurat: the tail beyond r and the wedge test; the fast path is inline. */
double ncm_zig_slow(ncm_rng *r, uint32_t w);

/* Uniform double in (0, 1) from one 32-bit word (enough resolution for rejection tests). */
static inline double ncm_u01_32(ncm_rng *r)
{
    return ((double)ncm_rng_next_u32(r) + 0.5) * 0x1p-32;
}

/* Standard normal deviate: one 32-bit word in about 97 % of the draws. Layer from bits 0-6, sign
 * from bit 7, position from bits 8-31: independent bits for layer and value (Doornik, "An Improved
 * Ziggurat Method to Generate Normal Random Samples", 2005). ncm_zig_init() must have run. */
static inline double ncm_zig_normal(ncm_rng *r)
{
    uint32_t w = ncm_rng_next_u32(r);
    int i = (int)(w & 127);
    double z = (double)(w >> 8) * 0x1p-24 * ncm_zig_x[i];
    if (z < ncm_zig_x[i + 1])
        return z * (double)(1 - (int)((w >> 6) & 2)); /* branch-free sign: a random bit */
    return ncm_zig_slow(r, w);
}

/* Gamma(shape a, scale 1) deviate, a > 0 (Marsaglia and Tsang, ACM TOMS 26(3):363, 2000; for
 * a < 1 the boost Gamma(a) = Gamma(a + 1) * U^(1/a) of the same paper). */
double ncm_gamma(ncm_rng *r, double a);

/* Multiplier turning a unit normal into the family's deviate: 1 for the lognormal family,
 * 1 / sqrt(W / nu) with W ~ chi-square(nu) = 2 Gamma(nu / 2) for the t family (a normal over an
 * independent sqrt(chi-square / nu) is exactly t(nu)). */
static inline double ncm_rram_scale_draw(const ncm_rram_params *p, ncm_rng *r)
{
    if (p->family != NCM_RRAM_STUDENT_T)
        return 1.0;
    return sqrt(p->t_nu / (2.0 * ncm_gamma(r, 0.5 * p->t_nu)));
}

/* PCSA decision on D = ln R(branch 2) - ln R(branch 1) + offset: 1 when D > 0 (branch 1 lower),
 * a fair coin inside the dead zone |D| < dead_zone. */
static inline int ncm_pcsa_decide(double d, double dead_zone, ncm_rng *r)
{
    if (fabs(d) < dead_zone)
        return (int)(ncm_rng_next_u32(r) >> 31);
    return d > 0;
}

#endif
