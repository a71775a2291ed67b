/* Calibration of the statistical RRAM device model (include/nanocim/rram.h) to measured
 * resistances: the measurement CSV reader, the fit of the model's LRS and HRS parameters, and the
 * goodness-of-fit report (Kolmogorov-Smirnov distances per condition). Users' guide, CSV format
 * and method: docs/calibration.md.
 *
 * CSV (docs/calibration.md): a header naming the columns (any order, extra columns ignored)
 * "condition", "cycle" and "resistance_ohm" (or "resistance"); one measurement per line.
 * condition = STATE@I_CC_UA[@V_RESET_V[@T_P_NS]], STATE "lrs" or "hrs" (any case); a missing
 * V_reset or t_p is the base device's reference value. Blank lines and lines starting with '#'
 * are skipped.
 *
 * Fit, per condition group g of fresh measurements (cycle <= fresh_n0_frac * n0 of the base
 * device at that condition), with y = ln(R / 1 ohm):
 *   mu_g = mean(y), s_g = sample sd of y (n_g - 1 denominator)          (lognormal ML, mu exact)
 *   LRS:  ln s_g - b(n_g) = ln sigma_L,ref - k_sigma ln(I_g / I_ref)     (weighted least squares)
 *         ln V_c = sum_g w_g (mu_g + ln I_g) / sum_g w_g,  w_g = n_g / sigma_L(I_g)^2
 *   HRS:  mu_g = ln R_H,ref + k_V (|V_g| - V_ref) + k_t ln(t_g / t_ref)  (least squares, n_g)
 *         sigma_H^2 = sum_g (n_g - 1) s_g^2 / sum_g (n_g - 1)            (pooled)
 * with b(n) = (psi((n - 1) / 2) - ln((n - 1) / 2)) / 2 the bias of ln s for normal data (psi the
 * digamma function), so the regression of ln sigma is unbiased even for small groups. Slopes the
 * data cannot identify (one I_cc, one |V_reset| or one t_p) keep the base's value; slopes are
 * constrained to >= 0 as ncm_rram_check() requires. Every parameter the data cannot reach
 * (endurance, stuck-at, variability split, energies, sensing, reference condition) is copied from
 * the base device. */
#ifndef NANOCIM_RRAM_FIT_H
#define NANOCIM_RRAM_FIT_H

#include "nanocim/api.h"

#include <stddef.h>
#include <stdint.h>

#include "nanocim/error.h"
#include "nanocim/progress.h"
#include "nanocim/rram.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- measurements ---------------------------------------------------------------------------- */

/* Longest accepted CSV line, in bytes without the line end. */
enum { NCM_RRAM_CSV_MAX_LINE = 4096 };
/* Fewest measurements a condition needs (a mean and a standard deviation with a check). */
enum { NCM_RRAM_FIT_MIN_N = 3 };

/* One measured condition: a state and the programming condition that produced it. */
typedef struct {
    int lrs;          /* 1: LRS (measured after a SET), 0: HRS (after a RESET) */
    double i_cc_ua;   /* SET compliance current, uA, > 0 */
    double v_reset_v; /* RESET voltage, V, != 0 (its magnitude enters the model) */
    double t_p_ns;    /* pulse width, ns, > 0 */
    int64_t n;        /* measurements of this condition */
    int64_t line;     /* line of its first measurement in the file (1-based; 0 if none) */
} ncm_rram_meas_cond;

/* One measured resistance. */
typedef struct {
    int32_t cond;  /* index into ncm_rram_measurements.conds */
    int64_t cycle; /* cycle index of the measurement (the device's age in SET/RESET cycles) */
    double r_ohm;  /* resistance, ohm, > 0 */
    int64_t line;  /* line in the file (1-based; 0 if not read from a file) */
} ncm_rram_meas;

/* A measurement set, as read from a CSV. Allocated by the readers below and released with
 * ncm_rram_meas_free(); its fields are for reading. (A set built by hand, with the caller's own
 * arrays, may be passed to ncm_rram_fit(), but not to ncm_rram_meas_free().) */
typedef struct {
    char *source;              /* file name, for messages and the report */
    int64_t n;                 /* measurements */
    ncm_rram_meas *rows;       /* [n], in file order */
    int32_t n_conds;           /* distinct conditions */
    ncm_rram_meas_cond *conds; /* [n_conds], in order of first appearance */
} ncm_rram_measurements;

/* Reads a measurement CSV (format above). base supplies the default V_reset and t_p of
 * conditions that omit them (NULL: ncm_rram_default()); pass the same base to ncm_rram_fit().
 * Returns the measurements, or NULL with err filled: NCM_ERR_IO (cannot read), NCM_ERR_FORMAT
 * (empty file, no data rows, missing or duplicate column, wrong field count, bad cell, malformed
 * condition, line too long), NCM_ERR_DATA (a condition with fewer than NCM_RRAM_FIT_MIN_N
 * measurements), NCM_ERR_NOMEM. Messages name the file, the line and the column. */
NCM_API ncm_rram_measurements *ncm_rram_meas_read(const char *path, const ncm_rram_params *base,
                                                  ncm_error *err);

/* The same from text in memory (len bytes, need not be NUL-terminated); `source` names it in
 * messages (NULL: "measurements"). */
NCM_API ncm_rram_measurements *ncm_rram_meas_parse(const char *text, size_t len, const char *source,
                                                   const ncm_rram_params *base, ncm_error *err);

/* Frees the measurements and their arrays; NULL is accepted. */
NCM_API void ncm_rram_meas_free(ncm_rram_measurements *m);

/* ---- fit ------------------------------------------------------------------------------------- */

typedef struct {
    /* A measurement is "fresh" and used by the fit when cycle <= fresh_n0_frac * n0, n0 the base
     * device's endurance scale at the measurement's condition; the model's drift there is at most
     * a * ln(1 + fresh_n0_frac) (0.0005 in ln R for the default a_L and 0.01). INFINITY uses every
     * cycle as if fresh. Default 0.01. */
    double fresh_n0_frac;
} ncm_rram_fit_opts;

NCM_API void ncm_rram_fit_opts_default(ncm_rram_fit_opts *o);

/* Fit quality of one condition. NaN where not defined (a group not used by the fit has no
 * statistics; the Lilliefors p-value needs n_fit >= 5). */
typedef struct {
    int lrs;                           /* state */
    double i_cc_ua, v_reset_v, t_p_ns; /* condition */
    int64_t line;                      /* first line in the file */
    int64_t n;                         /* measurements of the condition */
    int64_t n_fit;                     /* of them fresh, used by the fit and the tests below */
    double cycle_max;                  /* the fresh limit fresh_n0_frac * n0 at this condition */
    int used;                          /* 1 when n_fit >= NCM_RRAM_FIT_MIN_N: entered the fit */
    double mu, sigma;                  /* the group's own fit: mean and sample sd of ln R */
    double mu_model, sigma_model;      /* the fitted model at this condition, age 0 */
    double ks_model; /* KS distance of the group's ln R to N(mu_model, sigma_model^2) */
    double p_model;  /* its asymptotic Kolmogorov p-value (approximate, see ncm_rram_fit) */
    double ks_own;   /* KS distance to N(mu, sigma^2) */
    double p_own;    /* its Lilliefors p-value (Dallal and Wilkinson 1986) */
} ncm_rram_fit_group;

/* One of the model parameters the fit can estimate. */
typedef struct {
    const char *field; /* device-file field, "group.key" */
    int fitted;        /* 1: estimated from the data; 0: kept from the base (see note) */
    double value;      /* in the fitted device */
    double se;         /* asymptotic standard error (independent measurements); NaN if kept */
    double base_value; /* in the base device */
    char note[160];    /* how it was fitted or why it was kept */
} ncm_rram_fit_param;

/* lrs.v_c_v, lrs.sigma_ln_r, lrs.sigma_icc_exp, hrs.r_median_ohm, hrs.ln_r_per_v_reset,
 * hrs.ln_r_per_ln_t_p, hrs.sigma_ln_r */
enum { NCM_RRAM_FIT_N_PARAMS = 7 };

/* The result of a fit: the fitted device and the report on how it was obtained. Allocated by
 * ncm_rram_fit() and ncm_rram_fit_file(), released with ncm_rram_fit_report_free(); its fields
 * are for reading. */
typedef struct {
    ncm_rram_params fitted;     /* the fitted device (passes ncm_rram_check()) */
    char *source;               /* the measurements' file name */
    char *base_name;            /* the base device's name */
    double fresh_n0_frac;       /* the option used */
    int64_t n_meas;             /* measurements read */
    int64_t n_fit;              /* of them used by the fit */
    int n_groups;               /* conditions */
    ncm_rram_fit_group *groups; /* [n_groups], one per condition, in file order */
    ncm_rram_fit_param params[NCM_RRAM_FIT_N_PARAMS];
    const char *const *kept; /* every other device-file field: copied from the base */
    int n_kept;
    char family_note[160]; /* non-empty when the base's family was not lognormal */
} ncm_rram_fit_report;

/* Fits the model to the measurements (method above and docs/calibration.md). base: the device the
 * unfitted parameters and the reference condition come from (NULL: ncm_rram_default()); opts NULL:
 * defaults. Returns the report, whose `fitted` is the fitted device (family lognormal, name
 * "<base name>-fit"), or NULL with err filled: NCM_ERR_ARG (bad base, options or measurement
 * values), NCM_ERR_DATA (no condition with NCM_RRAM_FIT_MIN_N fresh measurements, a condition
 * whose resistances are all equal, a fit the device file cannot hold), NCM_ERR_NOMEM. The fit
 * takes well under a second for a million measurements, so it reports no progress.
 *
 * The p-values are approximate: p_model uses the Kolmogorov distribution for a fully specified
 * model although the model's parameters were estimated from these data (conservative: too large);
 * both assume independent measurements, which successive cycles of one device are not. */
NCM_API ncm_rram_fit_report *ncm_rram_fit(const ncm_rram_measurements *m,
                                          const ncm_rram_params *base,
                                          const ncm_rram_fit_opts *opts, ncm_error *err);

/* Frees the report and its arrays; NULL is accepted. */
NCM_API void ncm_rram_fit_report_free(ncm_rram_fit_report *rep);

/* The report as a JSON text ("format": "nanocim-rram-fit-report", "producer": "nanocim
 * VERSION"), malloc'd (release with ncm_free() or free()), NULL when out of memory. */
NCM_API char *ncm_rram_fit_report_json(const ncm_rram_fit_report *rep);

/* Writes the report JSON to path, atomically (a temporary file renamed over path). */
NCM_API ncm_status ncm_rram_fit_report_save(const char *path, const ncm_rram_fit_report *rep,
                                            ncm_error *err);

/* The whole calibration of a measurement file: reads csv_path (ncm_rram_meas_read with base),
 * fits (ncm_rram_fit), writes the report to report_path (if not NULL) and then the fitted device
 * to device_path (if not NULL, ncm_rram_save), both atomically. Returns the report, or NULL with
 * err filled by the step that failed; a failed call leaves neither file (a report already
 * written is removed when the device file cannot be). */
NCM_API ncm_rram_fit_report *ncm_rram_fit_file(const char *csv_path, const ncm_rram_params *base,
                                               const ncm_rram_fit_opts *opts,
                                               const char *device_path, const char *report_path,
                                               ncm_error *err);

/* ---- synthetic measurements ------------------------------------------------------------------ */

/* What ncm_rram_sample_save() draws: fresh devices at each condition of the grid
 * i_cc_ua x v_reset_v x t_p_ns. An axis with n = 0 is the one value of the device's reference
 * condition (i_ref_ua, v_reset_ref_v, t_p_ref_ns). A plain value: the arrays are the caller's. */
typedef struct {
    const double *i_cc_ua; /* [n_icc] SET compliance currents, uA, > 0 */
    int n_icc;
    const double *v_reset_v; /* [n_vreset] RESET voltages, V, != 0 */
    int n_vreset;
    const double *t_p_ns; /* [n_tp] pulse widths, ns, > 0 */
    int n_tp;
    int64_t devices;    /* fresh devices per condition, >= 1 (the fit needs >= 3) */
    uint64_t seed;      /* device j (counted over all conditions) draws Philox stream (seed, j) */
    const char *device; /* where the parameters came from, named in the file's comment line
                         * (NULL: "the built-in HfO2 technology") */
} ncm_rram_sample_spec;

/* Every axis empty (the reference condition), 1000 devices, seed 1, device NULL. */
NCM_API void ncm_rram_sample_default(ncm_rram_sample_spec *s);

/* Checks counts, arrays and values; the message names the field as "where.field" (where NULL:
 * "ncm_rram_sample_spec") with its value. */
NCM_API ncm_status ncm_rram_sample_check(const ncm_rram_sample_spec *s, const char *where,
                                         ncm_error *err);

/* Writes synthetic measurements of device p as a measurement CSV (the format above), atomically:
 * one comment line naming s->device, the producer and the seed, the header
 * "condition,cycle,resistance_ohm", then for each condition (I_cc slowest, then V_reset, then
 * t_p) and each of its s->devices fresh devices (ncm_rram_device_init) one line for its first SET
 * and one for the RESET after it, "lrs@I@V@T,0,R" and "hrs@I@V@T,0,R" (R with 6 significant
 * digits). progress (may be NULL) hears task "rram sample", done/total in devices; when it
 * cancels, the call returns NCM_ERR_CANCELLED and leaves no file. */
NCM_API ncm_status ncm_rram_sample_save(const char *path, const ncm_rram_params *p,
                                        const ncm_rram_sample_spec *s, const ncm_progress *progress,
                                        ncm_error *err);

/* ---- goodness-of-fit statistics -------------------------------------------------------------- */

/* Kolmogorov-Smirnov distance sup |F_n(x) - Phi((x - mu) / sigma)| of the sorted sample x[0..n). */
NCM_API double ncm_ks_distance_normal(const double *sorted, int64_t n, double mu, double sigma);

/* Asymptotic p-value P(D_n >= d) of the KS distance to a fully specified distribution: the
 * Kolmogorov distribution Q(lambda) = 2 sum_k>=1 (-1)^(k-1) exp(-2 k^2 lambda^2) at Stephens'
 * lambda = d (sqrt(n) + 0.12 + 0.11 / sqrt(n)) (Stephens, JRSS B 32:115, 1970). */
NCM_API double ncm_ks_pvalue(double d, int64_t n);

/* Lilliefors p-value of the KS distance to a normal with the sample's own mean and sd (n >= 5;
 * NaN below): Dallal and Wilkinson, Am. Stat. 40:294, 1986, and Stephens' modified statistic
 * above p = 0.1 (as R's nortest::lillie.test). */
NCM_API double ncm_lilliefors_pvalue(double d, int64_t n);

#ifdef __cplusplus
}
#endif
#endif
