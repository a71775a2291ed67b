/* Spin-torque nano-oscillators (STNOs): the universal auto-oscillator model, coupled networks
 * driven by external microwave inputs, a stochastic integrator over many independent runs, the
 * observables of synchronization, and the model's analytic results (equations,
 * normalisation, defaults, sources and what they were checked against: docs/stno.md).
 *
 * Model (Slavin and Tiberkevich, IEEE Trans. Magn. 45, 1875 (2009), "S-T" below). Oscillator i
 * has the complex amplitude c_i, power p_i = |c_i|^2 (dimensionless, 0 <= p < 1), phase phi_i
 * with c_i = sqrt(p_i) exp(-i phi_i):
 *
 *   dc_i/dt = -i w_i(p) c_i - G+_i(p) c_i + G-_i(p) c_i
 *             + sum_k g_ik F_k exp(-i (w_k t + phi_k))       external microwave inputs
 *             + sum_j W_ij exp(i beta) c_j                    shared microwave current
 *             + eta_i(t)                                      thermal noise
 *   w(p)  = w0 + dw/dI (I - I_ref) + N p      nonlinear shift + direct (Oersted) tuning [ours]
 *   G+(p) = G_G (1 + Q p)                     positive damping
 *   G-(p) = sigma I (1 - p),  sigma = G_G / I_th    spin-torque negative damping
 *   <eta(t) eta*(t')> = 2 D delta(t - t'),  <eta eta> = 0,  D = G+(p0) kT / E0
 *
 * with E(p) = E0 p the oscillation energy (S-T's lambda(p) = E0). Every angular rate enters the
 * files and this API divided by 2 pi, in MHz ("_mhz"): f0_mhz = w0 / 2 pi, gamma_g_mhz =
 * G_G / 2 pi, amp_mhz = F / 2 pi, w_mhz = W / 2 pi; the analytic results below hold in the same
 * units (a linewidth in MHz is a full width at half maximum of the line in Hz / 1e6).
 *
 * Analytic results (derivations in docs/stno.md): supercriticality z = I / I_th, free-running
 * power p0 = (z - 1) / (z + Q) (0 for z <= 1), frequency f0 + df/dI (I - I_ref) + N p0, power
 * relaxation rate G_p = G_G (Q + z) p0, dimensionless nonlinearity nu = N p0 / G_p, thermal
 * linewidth (FWHM) G+(p0) (kT / E(p0)) (1 + nu^2), injection-locking half-range
 * sqrt(1 + nu^2) F / sqrt(p0), and for two coupled oscillators the largest detuning that locks,
 * |K_a exp(i (beta - atan nu_a)) + K_b exp(-i (beta - atan nu_b))| with
 * K_a = W_ab sqrt(p_b / p_a) sqrt(1 + nu_a^2).
 *
 * Integration: stochastic Heun (strong order 1 for this additive noise, order 2 without noise) at
 * a fixed step in a frame rotating at f_ref, vectorised over blocks of runs (structure of
 * arrays; kernels for x86-64-v2, AVX2 and AVX-512 chosen at run time), the blocks spread over the
 * OpenMP threads. Run r draws its initial phases and noise from Philox stream (seed, stream0 + r):
 * results depend neither on the thread count nor on the kernel variant.
 *
 * Objects: the network (opaque), the observables, traces and locking maps (read-only fields) are
 * allocated by ncm_X_new (or ncm_stno_net_from_spec) and released by ncm_X_free, which accepts
 * NULL. Parameter sets (ncm_stno_params, ncm_stno_net_spec, ncm_stno_sim) are plain values.
 *
 * Units are in the names: _mhz (frequency or rate / 2 pi), _ns, _ma, _ohm, _mv, _rad, _k, _ev. */
#ifndef NANOCIM_STNO_H
#define NANOCIM_STNO_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/error.h"
#include "nanocim/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- device parameters ----------------------------------------------------------------------- */

/* Every parameter of one oscillator type. The device file (JSON, see data/vortex_stno.json)
 * holds one field per member, grouped as in the comments ("group.field"). */
typedef struct {
    char name[64]; /* device name ("name") */

    /* "frequency" */
    double f0_mhz;           /* "f0_mhz": w0 / 2 pi at p = 0 and I = i_ref_ma, MHz, > 0 */
    double n_mhz;            /* "n_mhz": N / 2 pi, nonlinear frequency shift per unit p, MHz */
    double df_di_mhz_per_ma; /* "df_di_mhz_per_ma": direct current tuning dw/dI / 2 pi, MHz/mA */
    double i_ref_ma;         /* "i_ref_ma": current where the direct tuning term is zero, mA */

    /* "damping" */
    double gamma_g_mhz; /* "gamma_g_mhz": G_G / 2 pi, linear positive damping rate, MHz, > 0 */
    double q;           /* "q": nonlinear damping coefficient Q, >= 0 */

    /* "spin_torque" */
    double i_th_ma; /* "i_th_ma": threshold current I_th = G_G / sigma, mA, > 0 */

    /* "thermal" */
    double temperature_k; /* "temperature_k": temperature, K, >= 0 (0: no noise) */
    double e0_ev;         /* "e0_ev": energy scale E0 of E(p) = E0 p, eV, > 0 */

    /* "output" */
    double dr_ohm; /* "dr_ohm": resistance oscillation amplitude at p = 1, ohm, >= 0; the emitted
                    * microwave voltage amplitude is I * dr_ohm * sqrt(p) (mA * ohm = mV) */

    /* "spread": device-to-device variation drawn by ncm_stno_spread() */
    double f0_sigma_mhz;      /* "f0_sigma_mhz": standard deviation of f0, MHz, >= 0 */
    double i_th_rel_sigma;    /* "i_th_rel_sigma": sigma of ln I_th, >= 0 */
    double gamma_g_rel_sigma; /* "gamma_g_rel_sigma": sigma of ln G_G, >= 0 */
} ncm_stno_params;

/* Fills p with the default vortex oscillator (the values of data/vortex_stno.json and
 * docs/stno.md). Unused bytes are zero, so two parameter sets compare with memcmp. */
NCM_API void ncm_stno_default(ncm_stno_params *p);

/* Checks every field (finite; positive or non-negative where physical); the message names the
 * field as "group.field" after `where` (a file name, or NULL for "oscillator parameters"). */
NCM_API ncm_status ncm_stno_check(const ncm_stno_params *p, const char *where, ncm_error *err);

/* Reads a device file: every field is required (only "description" is optional), unknown fields
 * and wrong types are refused, values checked as by ncm_stno_check(). Errors name the file and
 * the field (JSON syntax errors: byte offset, line and column). On error *p is left zeroed. */
NCM_API ncm_status ncm_stno_load(const char *path, ncm_stno_params *p, ncm_error *err);

/* Writes p as a device file, atomically (a temporary file renamed over path); numbers round-trip
 * exactly. */
NCM_API ncm_status ncm_stno_save(const char *path, const ncm_stno_params *p, ncm_error *err);

/* n individual devices drawn around `mean` with its "spread" fields: f0 ~ N(f0, f0_sigma^2),
 * I_th and G_G lognormal around their means' values as medians. Device i uses Philox stream
 * (seed, i). The spread fields of the drawn devices are zero. NCM_ERR_ARG if a draw is not a
 * valid device (f0 <= 0). */
NCM_API ncm_status ncm_stno_spread(const ncm_stno_params *mean, int n, uint64_t seed,
                                   ncm_stno_params *out, ncm_error *err);

/* ---- analytic results ------------------------------------------------------------------------ */

/* The free-running operating point of one oscillator at a DC current (S-T sections IV-V). */
typedef struct {
    double z;              /* supercriticality I / I_th */
    double p0;             /* free-running power (z - 1) / (z + Q); 0 at and below threshold */
    double f_mhz;          /* free-running frequency f0 + df/dI (I - I_ref) + N p0 / 2 pi, MHz */
    double gamma_plus_mhz; /* G+(p0) / 2 pi, MHz */
    double gamma_p_mhz;    /* G_p / 2 pi = G_G (Q + z) p0 / 2 pi, power relaxation rate, MHz */
    double nu;             /* N p0 / G_p = N / (G_G (Q + z)); 0 below threshold */
    double kt_over_e;      /* kT / E(p0) above threshold, kT / E0 at and below */
    double noise_d_mhz;    /* D / 2 pi = G+(p0) kT / E0 / 2 pi, MHz (noise intensity) */
    double linewidth_mhz;  /* FWHM: above threshold G+(p0) (kT / E(p0)) (1 + nu^2) / 2 pi; below,
                            * the damped linear oscillator's 2 (G_G - sigma I) / 2 pi; MHz */
    double p_thermal;      /* below threshold, the thermal power D / (G_G - sigma I) (= kT / E0
                            * at I = 0, equipartition); above, p0 */
    double v_rf_mv;        /* emitted amplitude I dr sqrt(p0), mV */
} ncm_stno_op;

/* Operating point of device p at current i_ma (any finite value; negative currents damp). At the
 * threshold itself (z = 1) the linewidth and thermal power are infinite. */
NCM_API ncm_status ncm_stno_operating_point(const ncm_stno_params *p, double i_ma, ncm_stno_op *op,
                                            ncm_error *err);

/* Injection-locking half-range (Adler-type, weak input): an input of amplitude amp_mhz (F / 2 pi)
 * at f_in locks the oscillator when |f_in - f_free| <= sqrt(1 + nu^2) amp_mhz / sqrt(p0).
 * NCM_ERR_ARG below threshold. */
NCM_API ncm_status ncm_stno_lock_halfwidth(const ncm_stno_params *p, double i_ma, double amp_mhz,
                                           double *halfwidth_mhz, ncm_error *err);

/* The exact locking edges of this model for a single input of amplitude amp_mhz: the range of
 * input frequencies [f_lo, f_hi] over which a stationary locked state exists (the stationary
 * equations are solved exactly: both the frequency and the net damping are linear in p). For a
 * weak input these are the saddle-node edges of the locked state; their mean half-width tends to
 * ncm_stno_lock_halfwidth() as amp_mhz -> 0, and the range is shifted by the nonlinearity. At
 * amp_mhz = 0 the range is empty: f_lo = f_hi = the free-running frequency (nothing locks).
 * NCM_ERR_ARG below threshold, for a negative amplitude, or for an input strong enough to quench
 * the oscillation (F^2 >= 4 G_G^2 (Q + z)^2 p0^3 / 27), where the range is no longer bounded by
 * saddle-nodes. */
NCM_API ncm_status ncm_stno_lock_edges(const ncm_stno_params *p, double i_ma, double amp_mhz,
                                       double *f_lo_mhz, double *f_hi_mhz, ncm_error *err);

/* Two coupled oscillators a and b (each above threshold), coupling W_ab = w_ab_mhz (a receives
 * from b), W_ba = w_ba_mhz, phase beta: the largest |f_a - f_b| of their free-running frequencies
 * that still mutually locks (phase model after adiabatic elimination of the powers). */
NCM_API ncm_status ncm_stno_pair_lock_range(const ncm_stno_params *pa, double ia_ma,
                                            const ncm_stno_params *pb, double ib_ma,
                                            double w_ab_mhz, double w_ba_mhz, double beta_rad,
                                            double *range_mhz, ncm_error *err);

/* The symmetric coupling W = W_ab = W_ba (MHz) above which a and b mutually lock, given their
 * free-running detuning at these currents: |f_a - f_b| / (range per unit W). NCM_ERR_ARG when
 * beta makes the coupling ineffective (range per unit W below 1e-12). */
NCM_API ncm_status ncm_stno_pair_lock_threshold(const ncm_stno_params *pa, double ia_ma,
                                                const ncm_stno_params *pb, double ib_ma,
                                                double beta_rad, double *w_th_mhz, ncm_error *err);

/* ---- network --------------------------------------------------------------------------------- */

/* n_osc oscillators, each with its own device parameters and DC current, coupled through their
 * shared microwave current: oscillator i receives sum_j W_ij exp(i beta) c_j. Opaque; read it
 * through the accessors below. */
typedef struct ncm_stno_net ncm_stno_net;

/* A network of n_osc >= 1 uncoupled oscillators: devices from dev[0] when n_dev == 1, from
 * dev[0..n_osc) when n_dev == n_osc; currents from i_dc_ma[0..n_osc), or each device's i_ref_ma
 * when i_dc_ma is NULL. Checks the devices. NULL (and err filled) on failure. */
NCM_API ncm_stno_net *ncm_stno_net_new(int n_osc, const ncm_stno_params *dev, int n_dev,
                                       const double *i_dc_ma, ncm_error *err);
/* Releases the network (NULL: nothing). */
NCM_API void ncm_stno_net_free(ncm_stno_net *net);

/* Sets the coupling matrix (rows x cols, row-major, MHz) and phase. The matrix must be square
 * and n_osc x n_osc, with finite entries: NCM_ERR_ARG otherwise, naming the shape. */
NCM_API ncm_status ncm_stno_net_set_coupling(ncm_stno_net *net, int rows, int cols,
                                             const double *w_mhz, double beta_rad, ncm_error *err);

/* Accessors. An index out of range gives NULL or NaN. */
NCM_API int ncm_stno_net_n_osc(const ncm_stno_net *net);
NCM_API const ncm_stno_params *ncm_stno_net_device(const ncm_stno_net *net, int i);
NCM_API double ncm_stno_net_i_dc_ma(const ncm_stno_net *net, int i); /* DC current, mA */
NCM_API double ncm_stno_net_coupling_mhz(const ncm_stno_net *net, int i, int j); /* W_ij / 2 pi */
NCM_API double ncm_stno_net_beta_rad(const ncm_stno_net *net);

/* The DC current of an oscillator whose current is not given (ncm_stno_net_spec.i_dc_ma = 0):
 * this multiple of its threshold current (supercriticality z = 1.5). */
#define NCM_STNO_DEFAULT_Z 1.5

/* A network as the command line builds it: n_osc oscillators of one device type, identical or
 * drawn around it with its spread, all at one DC current and coupled all to all. A plain value:
 * fill with ncm_stno_net_spec_default, then set what differs. */
typedef struct {
    ncm_stno_params device; /* the device type (the mean device when spread) */
    int n_osc;              /* >= 1 */
    int spread;             /* 1: devices drawn by ncm_stno_spread(&device, n_osc, spread_seed) */
    uint64_t spread_seed;   /* Philox key of the spread */
    double i_dc_ma;         /* every oscillator's DC current, mA, finite; 0: NCM_STNO_DEFAULT_Z
                             * times each device's own i_th_ma */
    double w_mhz;           /* all-to-all coupling W_ij / 2 pi, i != j (0 if i == j), MHz */
    double beta_rad;        /* coupling phase beta, rad */
} ncm_stno_net_spec;

/* The default device (ncm_stno_default), one oscillator, no spread (seed 1), at 1.5 I_th,
 * uncoupled. */
NCM_API void ncm_stno_net_spec_default(ncm_stno_net_spec *s);
/* Checks every field; messages name the field after `where` (NULL: "ncm_stno_net_spec"). */
NCM_API ncm_status ncm_stno_net_spec_check(const ncm_stno_net_spec *s, const char *where,
                                           ncm_error *err);
/* The network of a spec (checked first). NULL (and err filled) on failure. */
NCM_API ncm_stno_net *ncm_stno_net_from_spec(const ncm_stno_net_spec *s, ncm_error *err);

/* ---- a batch of independent runs ------------------------------------------------------------- */

/* What differs between the runs of one call: the inputs (input k drives oscillator i with
 * g_ik F_k exp(-i (w_k t + phi_k))), optionally the DC currents and the initial state. */
typedef struct {
    int n_runs;              /* >= 1 */
    int n_in;                /* number of external inputs, >= 0 */
    const double *f_in_mhz;  /* [n_runs * n_in] input frequencies w_k / 2 pi, MHz, > 0 */
    const double *amp_mhz;   /* [n_runs * n_in] input amplitudes F_k / 2 pi, MHz, >= 0 */
    const double *phase_rad; /* [n_runs * n_in] input phases phi_k, or NULL for 0 */
    const double *in_gain;   /* [n_osc * n_in] gains g_ik, or NULL for all 1 */
    const double *i_dc_ma;   /* [n_runs * n_osc] DC currents, or NULL for the network's */
    const double *init_re;   /* [n_runs * n_osc] initial c (real, imaginary parts), or NULL: */
    const double *init_im;   /* |c|^2 = p_thermal of the operating point, uniform random phase */
} ncm_stno_batch;

/* How to integrate and read out. A plain value. */
typedef struct {
    double dt_ns;          /* step, > 0, within the stability limits (ncm_stno_run); 0 only
                            * where an automatic step is accepted (ncm_stno_sim_resolve) */
    double t_transient_ns; /* simulated and discarded before the window, >= 0 */
    double t_window_ns;    /* read-out window, >= dt_ns; both rounded to whole steps */
    double f_ref_mhz;      /* frame rotation, MHz; 0: the middle of the frequencies present */
    uint64_t seed;         /* Philox key */
    uint64_t stream0;      /* run r uses stream stream0 + r */
    int obs_stride;        /* observables (phase unwrapping) every obs_stride steps; 0: 4 */
    double lock_tol_mhz;   /* frequency tolerance of the locking decision; 0: 1 / t_window */
    double lw_lag_ns;      /* lag tau of the phase-diffusion linewidth; 0: t_window / 8 */
} ncm_stno_sim;

/* The command line's settings: a 20000 ns window after a 2000 ns transient, seed 1, the
 * automatic step and frame (dt_ns = f_ref_mhz = 0), the other fields 0 (their defaults). */
NCM_API void ncm_stno_sim_default(ncm_stno_sim *sim);

/* Stability limits of the step (docs/stno.md, "Step size"): in the rotating frame, every
 * oscillator's |w(p) - w_ref| (p in [0, 1]) and every input's |w_k - w_ref| times dt must not
 * exceed NCM_STNO_MAX_PHASE_STEP rad, and every oscillator's damping bound
 * G_G max(|1 - z|, 1 + Q + 2 |Q + z|) + 2 pi sum_j |W_ij| times dt must not exceed
 * NCM_STNO_MAX_RATE_STEP. */
#define NCM_STNO_MAX_PHASE_STEP 0.25
#define NCM_STNO_MAX_RATE_STEP 0.5
/* The automatic step (dt_ns = 0 where accepted): this fraction of the largest stable step. */
#define NCM_STNO_AUTO_DT_FRACTION 0.5

/* Observables over the read-out window, per run (allocated by ncm_stno_obs_new, filled by
 * ncm_stno_run; read-only for the caller). Phase differences are psi_ik = phi_i - (w_k t + phi_k)
 * to input k, psi_ij = phi_i - phi_j between oscillators. Locking decision (docs/stno.md,
 * "Locking criterion"): oscillator i is locked to input k when the input's amplitude is > 0,
 * |f_mean_i - f_k| <= lock_tol_mhz and psi_ik made no phase slip over the window; a slip is
 * counted each time the unwrapped psi moves 3 pi / 2 away from its anchor (its value at the
 * window's start), which then moves by 2 pi in that direction. The same rule with f_j (without
 * the amplitude) decides whether oscillators i and j are locked to each other. */
typedef struct {
    int n_runs, n_osc, n_in;
    double f_ref_mhz;    /* the frame used */
    double lock_tol_mhz; /* the tolerance used */
    double t_window_ns;  /* the window used (whole steps) */
    double lw_lag_ns;    /* the lag used (whole observation samples) */

    /* [n_runs * n_osc] */
    double *f_mean_mhz;    /* mean frequency: unwrapped phase advance over the window / 2 pi T */
    double *p_mean;        /* mean power */
    double *v_rf_mv;       /* mean emitted microwave amplitude I dr sqrt(p), mV */
    double *linewidth_mhz; /* FWHM from the phase diffusion: (V(2 tau) - V(tau)) / tau / 2 pi,
                            * V the variance of the phase increments over a lag; noisy per run,
                            * average it over runs; NaN when the window holds < 4 lags */
    double *final_re;      /* state c at the window's end, lab frame */
    double *final_im;

    /* [n_runs * n_osc * n_in], index (r * n_osc + i) * n_in + k */
    double *in_dphase_rad; /* circular mean of psi_ik, (-pi, pi] */
    double *in_plv;        /* phase-locking value |<exp(i psi_ik)>|, in [0, 1] */
    int32_t *in_slips;     /* phase slips of psi_ik */
    uint8_t *in_locked;    /* 1 when locked to input k (never for an input of amplitude 0) */

    /* [n_runs * n_osc * n_osc], index (r * n_osc + i) * n_osc + j; i == j: 0 slips, locked */
    double *pair_dphase_rad;
    double *pair_plv;
    int32_t *pair_slips;
    uint8_t *pair_locked;
} ncm_stno_obs;

/* Observables for n_runs >= 1 runs of n_osc >= 1 oscillators and n_in >= 0 inputs, zeroed.
 * NULL (and err filled) on failure. */
NCM_API ncm_stno_obs *ncm_stno_obs_new(int n_runs, int n_osc, int n_in, ncm_error *err);
/* Releases the observables (NULL: nothing). */
NCM_API void ncm_stno_obs_free(ncm_stno_obs *o);

/* Time traces of the whole run (transient and window), every `stride` steps from t = 0:
 * t_ns[s], and per run, sample and oscillator ([n_runs][n_samples][n_osc]) the power, the
 * unwrapped phase phi (lab frame, rad) and the emitted amplitude (mV). The emitted signal is
 * v(t) = v_mv cos(phase_rad). Read-only for the caller. */
typedef struct {
    int n_runs, n_osc, n_samples, stride;
    double *t_ns;
    double *p;
    double *phase_rad;
    double *v_mv;
} ncm_stno_trace;

/* A trace for n_runs runs of n_osc oscillators simulated with `sim` (its step and durations
 * fixed: dt_ns > 0), sampled every `stride` steps (a positive multiple of the observation
 * stride). NULL (and err filled) on failure. */
NCM_API ncm_stno_trace *ncm_stno_trace_new(int n_runs, int n_osc, const ncm_stno_sim *sim,
                                           int stride, ncm_error *err);
/* Releases the trace (NULL: nothing). */
NCM_API void ncm_stno_trace_free(ncm_stno_trace *t);

/* The frame ncm_stno_run uses when sim->f_ref_mhz is 0: the middle of the smallest interval
 * holding every oscillator's frequency band w(p), p in [0, 1], and every input frequency. */
NCM_API ncm_status ncm_stno_auto_f_ref(const ncm_stno_net *net, const ncm_stno_batch *b,
                                       double *f_ref_mhz, ncm_error *err);

/* The largest step the stability limits allow for this network, batch and frame (f_ref_mhz 0:
 * automatic), ns. */
NCM_API ncm_status ncm_stno_max_dt(const ncm_stno_net *net, const ncm_stno_batch *b,
                                   double f_ref_mhz, double *dt_max_ns, ncm_error *err);

/* Replaces the automatic settings of *sim by the values they stand for with this network and
 * batch: f_ref_mhz 0 by ncm_stno_auto_f_ref, then dt_ns 0 by NCM_STNO_AUTO_DT_FRACTION times the
 * largest stable step in that frame. Other values, valid or not, are left for ncm_stno_run to
 * judge. */
NCM_API ncm_status ncm_stno_sim_resolve(const ncm_stno_net *net, const ncm_stno_batch *b,
                                        ncm_stno_sim *sim, ncm_error *err);

/* Integrates every run of the batch and fills obs (allocated for n_runs, n_osc, n_in) and, when
 * not NULL, trace (allocated for this batch and simulation). Refuses (NCM_ERR_ARG, naming the
 * field, run or oscillator) bad currents or inputs, a step <= 0, a window shorter than a step,
 * and a step beyond the stability limits (the message gives the limit and the largest allowed
 * step). The runs are integrated in blocks over `threads` OpenMP threads (0: the current
 * setting); the results do not depend on it. Progress (task "stno run", in runs) is reported
 * before the first block and after every group of blocks; when the callback cancels, the call
 * returns NCM_ERR_CANCELLED and obs and trace hold only the runs of the finished blocks. */
NCM_API ncm_status ncm_stno_run(const ncm_stno_net *net, const ncm_stno_batch *b,
                                const ncm_stno_sim *sim, ncm_stno_obs *obs, ncm_stno_trace *trace,
                                int threads, const ncm_progress *progress, ncm_error *err);

/* ---- result files ---------------------------------------------------------------------------- */

/* The trace of run `run` as CSV, atomically: header "t_ns", then "p_I,phase_I,v_mv_I" for each
 * oscillator I; one line per sample (docs/formats.md). */
NCM_API ncm_status ncm_stno_trace_save_csv(const ncm_stno_trace *t, int run, const char *path,
                                           ncm_error *err);

/* The observables of a finished ncm_stno_run as a JSON document, atomically: "format"
 * "nanocim-stno-run", version 1, "producer" ("nanocim " + version), "settings" (the fields of
 * sim, seed included), "used" (the frame, tolerance, window and lag of obs), the network
 * ("oscillators": device name, current, coupling row; "beta_rad"), and "runs": per run the
 * inputs and per oscillator the observables with, per input, the phase difference, phase-locking
 * value, slips and locking decision (NaN values as null). net, b and sim must be those of the
 * run. */
NCM_API ncm_status ncm_stno_obs_save_json(const ncm_stno_obs *o, const ncm_stno_net *net,
                                          const ncm_stno_batch *b, const ncm_stno_sim *sim,
                                          const char *path, ncm_error *err);

/* ---- locking map ----------------------------------------------------------------------------- */

/* The Arnold tongues of a network: every oscillator driven by one input (gain 1) over a grid of
 * input frequencies and amplitudes, one run per grid point, with the measured locking range of
 * each oscillator at each amplitude beside the exact analytic one (ncm_stno_lock_edges). All
 * fields are read-only for the caller. */
typedef struct {
    int n_f, n_amp, n_osc;
    double *f_mhz;      /* [n_f] input frequencies, MHz */
    double *amp_mhz;    /* [n_amp] input amplitudes F / 2 pi, MHz */
    double *i_dc_ma;    /* [n_osc] the oscillators' DC currents, mA */
    double *f_free_mhz; /* [n_osc] their free-running frequencies (analytic), MHz */
    /* [n_amp * n_f * n_osc], index (a * n_f + k) * n_osc + i: oscillator i locked to the input
     * of amplitude a and frequency k (obs->in_locked); never at amplitude 0 */
    uint8_t *locked;
    /* [n_osc * n_amp], index i * n_amp + a, MHz */
    double *measured_lo_mhz; /* lowest and highest locked input frequency of the grid; */
    double *measured_hi_mhz; /* NaN when oscillator i locks at no frequency */
    double *analytic_lo_mhz; /* ncm_stno_lock_edges; f_free (an empty range) at amplitude 0, */
    double *analytic_hi_mhz; /* NaN where there is none (below threshold, quenching input) */
    ncm_stno_obs *obs;       /* the runs' observables, run r = a * n_f + k, one input */
    ncm_stno_sim sim;        /* the simulation used, its automatic fields resolved */
    char device[64];         /* oscillator 0's device name */
    double seconds;          /* wall time of the simulation, s */
} ncm_stno_lock_map;

/* Computes the locking map of net over the grids f_mhz[0..n_f) (> 0) and amp_mhz[0..n_amp)
 * (>= 0) with the settings of sim, whose automatic fields (dt_ns 0, f_ref_mhz 0) are resolved
 * over the whole grid (ncm_stno_sim_resolve). Runs on `threads` threads (0: the current setting)
 * with the same results for any count; progress as ncm_stno_run's (task "stno lock map"). NULL
 * (and err filled; NCM_ERR_CANCELLED when the progress callback stopped it) on failure. */
NCM_API ncm_stno_lock_map *ncm_stno_lock_map_new(const ncm_stno_net *net, const double *f_mhz,
                                                 int n_f, const double *amp_mhz, int n_amp,
                                                 const ncm_stno_sim *sim, int threads,
                                                 const ncm_progress *progress, ncm_error *err);
/* Releases the map (NULL: nothing). */
NCM_API void ncm_stno_lock_map_free(ncm_stno_lock_map *m);

/* The map as CSV, atomically: header
 * "osc,amp_mhz,f_in_mhz,f_mean_mhz,p_mean,plv,slips,locked,analytic_lo_mhz,analytic_hi_mhz",
 * one line per amplitude, frequency and oscillator (docs/formats.md). */
NCM_API ncm_status ncm_stno_lock_map_save_csv(const ncm_stno_lock_map *m, const char *path,
                                              ncm_error *err);
/* The map's tongues as a JSON document, atomically: "format" "nanocim-stno-lock-map", version 1,
 * "producer", "device", "seed", "window_ns", "seconds", "settings" and "used" (as
 * ncm_stno_obs_save_json), "oscillators" (current, free-running frequency), the grids
 * "f_in_mhz" and "amp_mhz", and "tongues": per oscillator and amplitude the measured and analytic
 * edges (null where there is none). */
NCM_API ncm_status ncm_stno_lock_map_save_json(const ncm_stno_lock_map *m, const char *path,
                                               ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
