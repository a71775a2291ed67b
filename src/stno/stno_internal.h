/* Internals shared by the spin-torque oscillator files: unit conversions, Philox constants, the
 * network's layout, the integrator's entry point with a task name, and its test hooks. Not part
 * of the public API. */
#ifndef NCM_STNO_INTERNAL_H
#define NCM_STNO_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "nanocim/rng.h"
#include "nanocim/stno.h"
#include "util/fieldfile.h"

/* The device file's field table (params.c), for writers that embed a device object in their own
 * documents and read it back (the vowel model file). */
const ncm_field_table *ncm_stno_device_table(void);

/* Rates are stored as f = w / 2 pi in MHz; the integrator works in rad/ns. */
#define NCM_STNO_RADNS_PER_MHZ (2.0 * M_PI * 1e-3)
/* Boltzmann constant, eV/K (CODATA 2018, exact). */
#define NCM_STNO_KB_EV_PER_K 8.617333262e-5

#ifdef NCM_TEST_HOOKS
/* For the tests: atan2(y[r], x[r]) for r < len by the integrator's vectorised atan2 (integrate.c),
 * with the kernel variant in use. */
void ncm_stno_atan2_lanes(const double *y, const double *x, double *out, int len);
#endif

/* ---- thermal noise (integrate.c) ------------------------------------------------------------ */

/* Philox4x32 constants (Random123, philox.h). */
#define NCM_STNO_PHILOX_M0 0xD2511F53u
#define NCM_STNO_PHILOX_M1 0xCD9E8D57u
#define NCM_STNO_PHILOX_W0 0x9E3779B9u
#define NCM_STNO_PHILOX_W1 0xBB67AE85u

#ifdef NCM_TEST_HOOKS
/* For the tests: Philox4x32-10 block ctr of the streams (seed, first + r), r < 8, as the
 * integrator draws it: words[k][r] is word k of lane r (word 4 ctr + k of ncm_rng (seed,
 * first + r)), and z[2j][r] + i z[2j + 1][r] the Box-Muller pair of words 2j and 2j + 1, with the
 * kernel variant in use. */
void ncm_stno_noise8(uint64_t seed, uint64_t first, uint64_t ctr, uint32_t words[4][8],
                     double z[4][8]);
#endif

#ifdef NCM_TEST_HOOKS
/* For the tests: groups of exactly per_thread blocks per thread between progress reports
 * (integrate.c), instead of groups sized by their duration; 0 returns to that. */
void ncm_stno_force_group_blocks(int per_thread);
#endif

/* The integrator's kernel variant (integrate.c): 0 baseline (x86-64-v2), 1 AVX2, 2 AVX-512; by
 * default the best the CPU has. force >= 0 forces a variant (capped at the best available), -1
 * returns to the default, -2 only asks. Returns the variant in use. All give the same bits. */
int ncm_stno_kernel(int force);

/* The network (include/nanocim/stno.h; network.c): one allocation per array. */
struct ncm_stno_net {
    int n_osc;
    ncm_stno_params *dev; /* [n_osc] */
    double *i_dc_ma;      /* [n_osc] DC currents, mA */
    double *w_mhz;        /* [n_osc * n_osc] W_ij / 2 pi row-major (row i receives), MHz */
    double beta_rad;      /* coupling phase beta, rad */
};

/* ncm_stno_run reporting its progress under the name `task` (integrate.c). */
ncm_status ncm_stno_run_task(const ncm_stno_net *net, const ncm_stno_batch *b,
                             const ncm_stno_sim *sim, ncm_stno_obs *obs, ncm_stno_trace *trace,
                             int threads, const ncm_progress *progress, const char *task,
                             ncm_error *err);

/* Checks a batch against its network (network.c). */
ncm_status ncm_stno_check_batch(const ncm_stno_net *net, const ncm_stno_batch *b, ncm_error *err);

/* NCM_OK when dt_ns is within the stability limits in the frame f_ref_mhz, else NCM_ERR_ARG
 * naming the run and oscillator or input that sets the limit; *dt_max_ns (if not NULL) gets the
 * largest allowed step (network.c). */
ncm_status ncm_stno_step_limit(const ncm_stno_net *net, const ncm_stno_batch *b, double f_ref_mhz,
                               double dt_ns, double *dt_max_ns, ncm_error *err);

#endif
