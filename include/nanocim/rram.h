/* HfO2 OxRAM devices, 1T1R and 2T2R cells and their bit error rates: the statistical, fast device
 * model of filamentary HfO2 RRAM and the cells and sense amplifier that read it (docs/hfo2.md).
 *
 * Device model (equations and defaults: docs/hfo2.md). A programming condition sets the SET
 * compliance current I_cc, the RESET voltage V_reset and the pulse width t_p; the devices' age is
 * their count of SET/RESET cycles n. In ln R (R in ohm):
 *
 *   LRS: ln R = mu_L + sigma_L * X,  mu_L = ln(V_c / I_cc) + a_L * ln(1 + n / n0)
 *                                    sigma_L = sigma_L,ref * (I_cc / I_ref)^(-k_sigma)
 *   HRS: ln R = mu_H + sigma_H * X,  mu_H = ln R_H,ref + k_V * (|V_reset| - V_ref)
 *                                          + k_t * ln(t_p / t_ref) - a_H * ln(1 + n / n0)
 *   n0 = n0_ref * (I_cc / I_ref)^(-e_I) * (|V_reset| / V_ref)^(-e_V)   (endurance scale)
 *
 * X is a standard normal (family "lognormal") or a Student-t with nu degrees of freedom (family
 * "student-t", heavier tails; sigma is then the t scale). X = sqrt(f) * D + sqrt(1 - f) * C_n
 * splits the variance between the device's own offset D (device to device, fixed for the device,
 * fraction f of the variance) and the programming event's deviation C_n (cycle to cycle), an
 * AR(1) process over the device's successive events of the same state:
 * C_n = rho * C_(n-1) + sqrt(1 - rho^2) * E_n. For the t family, the unit normal combination is
 * divided by sqrt(W / nu), W ~ chi-square(nu) drawn per event, so every event is exactly t.
 *
 * Each cycle a device becomes stuck for good with probability
 * p = p_ref * (I_cc / I_ref)^(s_I) * (|V_reset| / V_ref)^(s_V), at LRS with probability q, else
 * at HRS; a stuck device keeps drawing that state's resistance whatever it is programmed to.
 *
 * Cells. 1T1R: one device read against R_ref, bit 1 when R < R_ref (LRS = 1). 2T2R: two devices
 * in complementary states (weight 1: device a LRS, device b HRS), read by a precharge sense
 * amplifier (PCSA) that compares its two branches in ln R with a Gaussian input offset and a dead
 * zone |ln R_2 - ln R_1 + offset| < delta where the latch decides at random. The input bit x
 * chooses which device drives which branch, so the PCSA outputs XNOR(x, w) (Bocquet et al.,
 * IEDM 2018; Hirtzlin et al., Frontiers in Neuroscience 13:1383, 2020).
 *
 * Bit error rates are analytic where a closed form exists (both cells for the lognormal family,
 * 1T1R for the t family) and Monte Carlo always. The Monte Carlo is split into fixed chunks of
 * reads, each with its own Philox stream, so its result does not depend on the thread count.
 *
 * Units are in the names: _ohm, _ua (microampere), _v, _ns, _pj; "ln_r" means ln(R / 1 ohm). */
#ifndef NANOCIM_RRAM_H
#define NANOCIM_RRAM_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/error.h"
#include "nanocim/progress.h"
#include "nanocim/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- parameters ------------------------------------------------------------------------------ */

/* Distribution family of the standardized deviation X of ln R. */
typedef enum {
    NCM_RRAM_LOGNORMAL = 0, /* X ~ N(0, 1): R is lognormal */
    NCM_RRAM_STUDENT_T = 1  /* X ~ t(nu): heavier tails in ln R */
} ncm_rram_family;

/* Every parameter of a device technology. The device file (JSON, see data/hfo2.json) holds one
 * field per member, grouped as in the comments ("group.field"). */
typedef struct {
    char name[64]; /* technology name ("name") */

    /* "distribution" */
    ncm_rram_family family; /* "family": "lognormal" or "student-t" */
    double t_nu;            /* "t_nu": degrees of freedom of the t family, > 0 */

    /* "reference_condition": the condition the other parameters are quoted at */
    double i_ref_ua;      /* "i_cc_ua": reference compliance current, uA */
    double v_reset_ref_v; /* "v_reset_v": reference |RESET voltage|, V */
    double t_p_ref_ns;    /* "t_p_ns": reference pulse width, ns */

    /* "lrs" */
    double v_c_v;         /* "v_c_v": median R_LRS = v_c_v / I_cc (fresh device), V */
    double sigma_lrs;     /* "sigma_ln_r": sigma of ln R_LRS at i_ref_ua */
    double sigma_lrs_exp; /* "sigma_icc_exp": sigma_L ~ (I_cc / I_ref)^(-sigma_lrs_exp), >= 0 */

    /* "hrs" */
    double r_hrs_ref_ohm;     /* "r_median_ohm": median R_HRS at the reference condition, ohm */
    double hrs_ln_r_per_v;    /* "ln_r_per_v_reset": d ln R_HRS / d|V_reset|, 1/V, >= 0 */
    double hrs_ln_r_per_ln_t; /* "ln_r_per_ln_t_p": d ln R_HRS / d ln t_p, >= 0 */
    double sigma_hrs;         /* "sigma_ln_r": sigma of ln R_HRS */

    /* "variability" */
    double d2d_var_frac; /* "d2d_var_frac": device-to-device fraction of the variance, [0, 1] */
    double c2c_rho;      /* "c2c_ar1_rho": AR(1) coefficient between successive events, [0, 1) */

    /* "endurance" */
    double drift_lrs;        /* "drift_lrs_ln_r": a_L, rise of ln R_LRS per unit ln(1 + n/n0) */
    double drift_hrs;        /* "drift_hrs_ln_r": a_H, fall of ln R_HRS per unit ln(1 + n/n0) */
    double n0_ref_cycles;    /* "n0_cycles": endurance scale n0 at the reference condition */
    double n0_exp_icc;       /* "n0_icc_exp": n0 ~ (I_cc / I_ref)^(-n0_exp_icc) */
    double n0_exp_vreset;    /* "n0_v_reset_exp": n0 ~ (|V_reset| / V_ref)^(-n0_exp_vreset) */
    double stuck_p_ref;      /* "stuck_p_per_cycle": stuck-at probability per cycle, reference */
    double stuck_exp_icc;    /* "stuck_icc_exp": p ~ (I_cc / I_ref)^stuck_exp_icc */
    double stuck_exp_vreset; /* "stuck_v_reset_exp": p ~ (|V_reset| / V_ref)^stuck_exp_vreset */
    double stuck_lrs_frac;   /* "stuck_lrs_frac": fraction of stuck devices stuck at LRS, [0, 1] */

    /* "energy" */
    double v_set_v;          /* "v_set_v": applied SET voltage, E_set = V_set * I_cc * t_p, V */
    double e_read_device_pj; /* "e_read_device_pj": energy to read one device, pJ */
    double e_sense_pj;       /* "e_sense_pj": energy of one sense-amplifier decision, pJ */

    /* "sensing" */
    double r_ref_ohm;         /* "r_ref_ohm": 1T1R reference resistance of the default cell, ohm */
    double pcsa_offset_sigma; /* "pcsa_offset_sigma_ln_r": PCSA input offset sigma, ln R units */
    double pcsa_dead_zone;    /* "pcsa_dead_zone_ln_r": half-width delta of the dead zone, ln R */
} ncm_rram_params;

/* Fills p with the default technology (130 nm HfO2; the values of data/hfo2.json and
 * docs/hfo2.md). Unused bytes are zero, so two parameter sets compare with memcmp. */
NCM_API void ncm_rram_default(ncm_rram_params *p);

/* Checks every field (finite, positive where physical, fractions in range); the message names
 * the field as "group.field" after `where` (a file name, or NULL for "device parameters"). */
NCM_API ncm_status ncm_rram_check(const ncm_rram_params *p, const char *where, ncm_error *err);

/* Reads a device file: every field is required (only the free-text "description" is optional),
 * unknown fields and wrong types are refused, and values are checked as by ncm_rram_check().
 * Errors name the file and the field (or, for JSON syntax errors, the byte offset, line and
 * column): NCM_ERR_IO, NCM_ERR_FORMAT (syntax, missing or unknown field, wrong type),
 * NCM_ERR_VERSION or NCM_ERR_ARG (a value out of range, an unknown distribution). On error *p is
 * left zeroed. */
NCM_API ncm_status ncm_rram_load(const char *path, ncm_rram_params *p, ncm_error *err);

/* Writes p as a device file, atomically (a temporary file renamed over path); numbers round-trip
 * exactly. */
NCM_API ncm_status ncm_rram_save(const char *path, const ncm_rram_params *p, ncm_error *err);

/* "lognormal" / "student-t"; ncm_rram_family_parse returns -1 for an unknown name. */
NCM_API const char *ncm_rram_family_name(ncm_rram_family f);
NCM_API int ncm_rram_family_parse(const char *name);

/* ---- programming conditions and state statistics --------------------------------------------- */

typedef struct {
    double i_cc_ua;   /* SET compliance current, uA, > 0 */
    double v_reset_v; /* RESET voltage, V (its magnitude is used), != 0 */
    double t_p_ns;    /* SET and RESET pulse width, ns, > 0 */
    double cycles;    /* age of the devices in SET/RESET cycles, >= 0 (population functions) */
} ncm_rram_cond;

/* The reference condition of p at age 0. */
NCM_API ncm_rram_cond ncm_rram_cond_ref(const ncm_rram_params *p);
/* Checks a condition (finite, in range); the message names the field. */
NCM_API ncm_status ncm_rram_cond_check(const ncm_rram_cond *c, ncm_error *err);

/* Distribution of the two states at a condition and age. */
typedef struct {
    double mu_lrs, sigma_lrs; /* ln R_LRS location (ln of the median) and scale */
    double mu_hrs, sigma_hrs; /* ln R_HRS location and scale */
    double n0_cycles;         /* endurance scale n0 at this condition */
    double stuck_p_cycle;     /* stuck-at probability per cycle at this condition */
    double stuck_frac;        /* fraction stuck after c->cycles cycles, 1 - (1 - p)^n */
} ncm_rram_stats;

NCM_API void ncm_rram_stats_at(const ncm_rram_params *p, const ncm_rram_cond *c, ncm_rram_stats *s);

/* ---- one device, programmed event by event --------------------------------------------------- */

enum { NCM_RRAM_STUCK_NONE = 0, NCM_RRAM_STUCK_LRS = 1, NCM_RRAM_STUCK_HRS = 2 };

typedef struct {
    double d2d_lrs, d2d_hrs; /* the device's own offsets of its medians, standard units */
    double c2c_lrs, c2c_hrs; /* AR(1) state: the last event's c2c deviation of each state */
    double cycles;           /* SET/RESET cycles endured (one per SET) */
    int stuck;               /* NCM_RRAM_STUCK_* */
    int lrs;                 /* 1 after a SET (or stuck at LRS), 0 otherwise */
    double r_ohm;            /* resistance after the last event (0 before the first) */
} ncm_rram_device;

/* A fresh device, HRS, age 0: draws its d2d offsets and a stationary c2c state. */
NCM_API void ncm_rram_device_init(ncm_rram_device *d, const ncm_rram_params *p, ncm_rng *rng);

/* Programs d to LRS (lrs = 1: a SET with compliance c->i_cc_ua, counted as a new cycle; first
 * the device may become stuck) or HRS (a RESET at c->v_reset_v); the drift uses the device's own
 * cycle count, not c->cycles. Returns the new resistance in ohm; adds the event's energy (pJ, the
 * RESET's from the drawn R_LRS before it) to *energy_pj when not NULL. */
NCM_API double ncm_rram_program(ncm_rram_device *d, const ncm_rram_params *p,
                                const ncm_rram_cond *c, int lrs, ncm_rng *rng, double *energy_pj);

/* ---- cells and sensing ----------------------------------------------------------------------- */

typedef enum { NCM_CELL_1T1R = 0, NCM_CELL_2T2R = 1 } ncm_cell_type;

typedef struct {
    ncm_cell_type type;
    double r_ref_ohm; /* 1T1R reference resistance, ohm; ignored for 2T2R */
} ncm_rram_cell;

/* The cell of that type with p's reference resistance. */
NCM_API ncm_rram_cell ncm_rram_cell_default(const ncm_rram_params *p, ncm_cell_type type);
NCM_API const char *ncm_cell_type_name(ncm_cell_type t); /* "1T1R" / "2T2R" */

/* 1T1R read: 1 (LRS) when r_ohm < r_ref_ohm. */
NCM_API int ncm_rram_read_1t1r(double r_ohm, double r_ref_ohm);

/* PCSA decision between branch 1 (r1_ohm) and branch 2 (r2_ohm): 1 when branch 1 has the lower
 * resistance, D = ln r2 - ln r1 + offset > 0, with offset ~ N(0, pcsa_offset_sigma^2) drawn from
 * rng; when |D| < pcsa_dead_zone the latch is metastable and the bit is a fair coin from rng. */
NCM_API int ncm_pcsa_read(const ncm_rram_params *p, double r1_ohm, double r2_ohm, ncm_rng *rng);

/* XNOR of input bit x with the weight stored in the pair (a, b), weight 1 = a LRS / b HRS: x = 1
 * connects a to branch 1 and b to branch 2, x = 0 swaps them, and the PCSA decides. With the
 * devices in their intended states the result is XNOR(x, w); a wrong weight read flips it. */
NCM_API int ncm_pcsa_xnor(const ncm_rram_params *p, double r_a_ohm, double r_b_ohm, int x,
                          ncm_rng *rng);

/* ---- bit error rates ------------------------------------------------------------------------- */

/* Analytic BER of a cell at a condition and age, equiprobable bits, including drift and stuck
 * devices. 1T1R: 0.5 P(R_LRS > R_ref) + 0.5 P(R_HRS < R_ref). 2T2R: D = ln R_H - ln R_L + offset
 * ~ N(mu_H - mu_L, sigma_L^2 + sigma_H^2 + sigma_off^2), BER = P(D < -delta) + 0.5 P(|D| < delta).
 * The t family's 2T2R BER (a difference of two t variables) has no closed form: NCM_ERR_ARG,
 * use ncm_rram_ber_mc(). */
NCM_API ncm_status ncm_rram_ber(const ncm_rram_params *p, const ncm_rram_cond *c,
                                const ncm_rram_cell *cell, double *ber, ncm_error *err);

/* The 1T1R reference resistance minimizing the analytic BER at a condition (grid scan then
 * golden-section search on ln R_ref); *ber (if not NULL) gets that minimum. */
NCM_API ncm_status ncm_rram_best_ref(const ncm_rram_params *p, const ncm_rram_cond *c,
                                     double *r_ref_ohm, double *ber, ncm_error *err);

/* Analytic BER at each age cycles[i] (the condition's other fields from c), for BER vs cycling
 * curves; the cell (and its R_ref) stays fixed. */
NCM_API ncm_status ncm_rram_ber_vs_cycles(const ncm_rram_params *p, const ncm_rram_cond *c,
                                          const ncm_rram_cell *cell, const double *cycles, int n,
                                          double *ber, ncm_error *err);

typedef struct {
    int64_t reads;  /* cell reads simulated */
    int64_t errors; /* reads that returned the wrong bit */
    double ber;     /* errors / reads */
    double ci95_lo; /* Wilson score 95 % interval of the BER */
    double ci95_hi;
} ncm_rram_mc_result;

/* Monte Carlo BER: n_reads reads, each of freshly drawn devices (d2d and c2c, drift and stuck at
 * the condition's age) programmed to an equiprobable bit (2T2R: and an equiprobable input bit,
 * scoring the XNOR) and sensed. Chunks of NCM_RRAM_MC_CHUNK reads use Philox stream (seed, chunk
 * index) and run on `threads` OpenMP threads (0: the current OpenMP setting): the result is the
 * same for any thread count. progress (may be NULL) hears task "RRAM Monte Carlo", done/total in
 * reads, between blocks of chunks; when it cancels, the call returns NCM_ERR_CANCELLED and *res
 * is left untouched. */
enum { NCM_RRAM_MC_CHUNK = 1 << 16 };
NCM_API ncm_status ncm_rram_ber_mc(const ncm_rram_params *p, const ncm_rram_cond *c,
                                   const ncm_rram_cell *cell, int64_t n_reads, uint64_t seed,
                                   int threads, const ncm_progress *progress,
                                   ncm_rram_mc_result *res, ncm_error *err);

/* ---- energy and cost ------------------------------------------------------------------------- */

typedef struct {
    double e_set_pj;         /* one SET: V_set * I_cc * t_p */
    double e_reset_pj;       /* one RESET: V_reset^2 / R_LRS,median * t_p */
    double e_program_bit_pj; /* per stored bit: 1T1R 0.5 (E_set + E_reset), 2T2R E_set + E_reset */
    double e_read_bit_pj;    /* per read bit: devices * e_read_device_pj + e_sense_pj */
    int devices_per_bit;     /* 1 (1T1R) or 2 (2T2R), before any ECC */
} ncm_rram_energy;

NCM_API ncm_rram_energy ncm_rram_energy_at(const ncm_rram_params *p, const ncm_rram_cond *c,
                                           ncm_cell_type type);

#ifdef __cplusplus
}
#endif
#endif
