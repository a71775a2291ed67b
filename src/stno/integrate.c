/* The oscillator network integrator and its observables (include/nanocim/stno.h).
 *
 * Stochastic Heun at a fixed step dt in a frame rotating at w_ref: with c = u exp(-i w_ref t),
 *
 *   du/dt = a(u, t) + eta,  a_i = [g0_i + gp_i p_i] u_i - i [W0_i + N_i p_i] u_i
 *                                + sum_j W_ij e^{i beta} u_j + sum_k g_ik F_k P_k(t)
 *   g0 = sigma I - G_G, gp = -(sigma I + G_G Q), W0 = w0 + dw/dI (I - I_ref) - w_ref,
 *   P_k(t) = exp(-i ((w_k - w_ref) t + phi_k))
 *
 * (the circular white noise eta is unchanged by the rotation). One step, with xi a complex normal
 * of variance D dt per component (<eta eta*> = 2 D delta):
 *
 *   v = u + a(u, t) dt + xi,   u' = u + [a(u, t) + a(v, t + dt)] dt / 2 + xi
 *
 * which is the trapezoidal predictor-corrector: order 2 without noise, strong order 1 with this
 * additive noise (Kloeden and Platen, Numerical Solution of SDEs, 1992, sections 10.3 and 15.1).
 * The input phasors P_k advance by multiplication with exp(-i (w_k - w_ref) dt) and are recomputed
 * from cos and sin every RESYNC steps, which bounds their rounding drift.
 *
 * Layout: runs are processed in blocks of B lanes (B a multiple of 8); every per-oscillator
 * quantity is an array [n_osc][B] (structure of arrays). The step works on VL lanes at a time in
 * gcc vector types as wide as the CPU's registers (8, 4 or 2 doubles), its state in registers
 * from load to store, with a copy specialised for each n <= 8 (loops unrolled); the observations
 * loop over the block's lanes and gcc vectorises them. The kernels (integrate_kernels.h) are
 * compiled three times, for x86-64-v2, AVX2 and AVX-512, and the best the CPU has runs. The blocks
 * are spread over the OpenMP threads. The lanes are independent and every operation is IEEE (no
 * contraction; the vectorisable atan2 uses only + - * / and exact selects), so a run gives the
 * same bits in any lane, block, thread or kernel variant. Run r draws from Philox4x32-10 stream
 * (seed, stream0 + r) (the words of ncm_rng, include/nanocim/rng.h): its first two words per
 * oscillator give the initial phases (when no initial state is given); from block
 * noise_ctr0 = ceil(n / 2) on, block noise_ctr0 + s ceil(n / 2) + j gives the noise of step s for
 * oscillators 2j and 2j + 1, each a complex normal from two words by Box-Muller in single
 * precision (integrate_kernels.h); for odd n the last oscillator takes its block's first normal
 * at even steps s and the second at s + 1 (the block of the odd step is not used). The noise of a
 * step is drawn for the whole block before the step, four Philox blocks side by side.
 *
 * Observables (every obs_stride steps): the phase phi_i with c_i = sqrt(p_i) exp(-i phi_i) is
 * unwrapped from the increments -arg(u(t) u*(t - stride dt)); over the window its advance gives
 * the mean frequency, its increments over a lag tau the phase diffusion, and its differences to
 * the inputs' phases and to the other oscillators the phase-locking values and slips. */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/rng.h"
#include "nanocim/stno.h"
#include "stno/stno_internal.h"
#include "util/progress.h"
#include "util/rng_inline.h"

enum {
    MAX_LANES = 64, /* runs per block */
    V = 8,          /* lanes per vector */
    NOISE_G = 4,    /* Philox blocks drawn side by side, so that their chains overlap */
    RESYNC = 1024   /* steps between exact recomputations of the input phasors */
};

/* The largest trace (samples x runs x oscillators, three doubles each: 2.4 GB of memory, a CSV
 * of about 3 GB) and the most oscillator-steps one simulation may take (1e14: about two weeks
 * at 1e8 oscillator-steps per second). */
#define NCM_STNO_TRACE_MAX_VALUES 1e8
#define NCM_STNO_MAX_OSC_STEPS 1e14
/* The most memory the observables of one call may take (a locking map of many oscillators holds
 * n^2 pair observables per run). */
#define NCM_STNO_OBS_MAX_BYTES 4e9

/* Progress is reported between groups of blocks, which should last at least MIN_GROUP_SECONDS,
 * so that reports (and the threads' meetings between groups) stay rare. The first group is sized
 * from a block's oscillator-steps at FAST_OSC_STEPS_PER_S, faster than any kernel runs (so it
 * errs short); a group that took less than the minimum doubles the next one. */
#define MIN_GROUP_SECONDS 0.05
#define FAST_OSC_STEPS_PER_S 1e9

#ifdef NCM_TEST_HOOKS
static int group_blocks_forced; /* ncm_stno_force_group_blocks */

void ncm_stno_force_group_blocks(int per_thread)
{
    group_blocks_forced = per_thread > 0 ? per_thread : 0;
}
#endif

/* Observation stride when the caller gives none: under the step limit a free oscillator turns by
 * at most 4 x 0.25 = 1 rad between observations, well within the pi the unwrapping allows. */
enum { DEFAULT_OBS_STRIDE = 4 };

/* A slip is counted when the unwrapped phase difference leaves its anchor by 3 pi / 2. */
#define SLIP_THRESHOLD (1.5 * M_PI)

/* ---- results --------------------------------------------------------------------------------- */

ncm_stno_obs *ncm_stno_obs_new(int n_runs, int n_osc, int n_in, ncm_error *err)
{
    if (n_runs < 1 || n_osc < 1 || n_in < 0) {
        ncm_error_set(err, NCM_ERR_ARG,
                      "observables: need n_runs >= 1, n_osc >= 1, n_in >= 0, found %d, %d, %d",
                      n_runs, n_osc, n_in);
        return NULL;
    }
    /* 6 doubles per oscillator, 21 bytes per (oscillator, input) and per pair of oscillators */
    const double bytes = (double)n_runs * n_osc * (48.0 + 21.0 * n_in + 21.0 * n_osc);
    if (bytes > NCM_STNO_OBS_MAX_BYTES) {
        ncm_error_set(err, NCM_ERR_ARG,
                      "observables: %d runs x %d oscillators (%d inputs, %d x %d pairs) need "
                      "%.3g GB, more than the %.0f GB they may take",
                      n_runs, n_osc, n_in, n_osc, n_osc, 1e-9 * bytes,
                      1e-9 * NCM_STNO_OBS_MAX_BYTES);
        return NULL;
    }
    ncm_stno_obs *o = calloc(1, sizeof *o);
    if (!o) {
        ncm_error_set(err, NCM_ERR_NOMEM, "observables: out of memory for %d runs", n_runs);
        return NULL;
    }
    size_t ro = (size_t)n_runs * n_osc, rin = ro * (size_t)n_in, roo = ro * (size_t)n_osc;
    o->n_runs = n_runs, o->n_osc = n_osc, o->n_in = n_in;
    o->f_mean_mhz = calloc(ro, sizeof(double));
    o->p_mean = calloc(ro, sizeof(double));
    o->v_rf_mv = calloc(ro, sizeof(double));
    o->linewidth_mhz = calloc(ro, sizeof(double));
    o->final_re = calloc(ro, sizeof(double));
    o->final_im = calloc(ro, sizeof(double));
    o->in_dphase_rad = calloc(rin + 1, sizeof(double));
    o->in_plv = calloc(rin + 1, sizeof(double));
    o->in_slips = calloc(rin + 1, sizeof(int32_t));
    o->in_locked = calloc(rin + 1, 1);
    o->pair_dphase_rad = calloc(roo, sizeof(double));
    o->pair_plv = calloc(roo, sizeof(double));
    o->pair_slips = calloc(roo, sizeof(int32_t));
    o->pair_locked = calloc(roo, 1);
    if (!o->f_mean_mhz || !o->p_mean || !o->v_rf_mv || !o->linewidth_mhz || !o->final_re ||
        !o->final_im || !o->in_dphase_rad || !o->in_plv || !o->in_slips || !o->in_locked ||
        !o->pair_dphase_rad || !o->pair_plv || !o->pair_slips || !o->pair_locked) {
        ncm_stno_obs_free(o);
        ncm_error_set(err, NCM_ERR_NOMEM, "observables: out of memory for %d runs", n_runs);
        return NULL;
    }
    return o;
}

void ncm_stno_obs_free(ncm_stno_obs *o)
{
    if (!o)
        return;
    free(o->f_mean_mhz);
    free(o->p_mean);
    free(o->v_rf_mv);
    free(o->linewidth_mhz);
    free(o->final_re);
    free(o->final_im);
    free(o->in_dphase_rad);
    free(o->in_plv);
    free(o->in_slips);
    free(o->in_locked);
    free(o->pair_dphase_rad);
    free(o->pair_plv);
    free(o->pair_slips);
    free(o->pair_locked);
    free(o);
}

/* Step counts of a simulation: transient and window rounded to whole observation strides. */
typedef struct {
    int stride;             /* observation stride, steps */
    int64_t n_trans, n_win; /* steps */
} step_plan;

static ncm_status plan_steps(const ncm_stno_sim *sim, step_plan *pl, ncm_error *err)
{
    if (!(sim->dt_ns > 0.0) || !isfinite(sim->dt_ns))
        return ncm_error_set(err, NCM_ERR_ARG, "dt_ns must be > 0 and finite, found %g",
                             sim->dt_ns);
    if (!(sim->t_transient_ns >= 0.0) || !isfinite(sim->t_transient_ns))
        return ncm_error_set(err, NCM_ERR_ARG, "t_transient_ns must be >= 0 and finite, found %g",
                             sim->t_transient_ns);
    if (!(sim->t_window_ns > 0.0) || !isfinite(sim->t_window_ns))
        return ncm_error_set(err, NCM_ERR_ARG, "t_window_ns must be > 0 and finite, found %g",
                             sim->t_window_ns);
    if (sim->obs_stride < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "obs_stride must be >= 0, found %d",
                             sim->obs_stride);
    pl->stride = sim->obs_stride ? sim->obs_stride : DEFAULT_OBS_STRIDE;
    const double per = sim->dt_ns * pl->stride;
    const double nt = floor(sim->t_transient_ns / per + 0.5),
                 nw = floor(sim->t_window_ns / per + 0.5);
    if (nt + nw > 1e15)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "dt_ns = %g: t_transient_ns = %g and t_window_ns = %g make %g + %g "
                             "steps, too many (at most 1e15)",
                             sim->dt_ns, sim->t_transient_ns, sim->t_window_ns, nt * pl->stride,
                             nw * pl->stride);
    if (nw < 1)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "t_window_ns = %g is shorter than one observation (%d steps of %g ns)",
                             sim->t_window_ns, pl->stride, sim->dt_ns);
    pl->n_trans = (int64_t)nt * pl->stride;
    pl->n_win = (int64_t)nw * pl->stride;
    return NCM_OK;
}

ncm_stno_trace *ncm_stno_trace_new(int n_runs, int n_osc, const ncm_stno_sim *sim, int stride,
                                   ncm_error *err)
{
    step_plan pl;
    if (!sim) {
        ncm_error_set(err, NCM_ERR_ARG, "trace: sim is NULL");
        return NULL;
    }
    if (plan_steps(sim, &pl, err))
        return NULL;
    if (stride < 1 || stride % pl.stride != 0) {
        ncm_error_set(err, NCM_ERR_ARG,
                      "trace: stride = %d: must be a positive multiple of obs_stride %d", stride,
                      pl.stride);
        return NULL;
    }
    if (n_runs < 1 || n_osc < 1) {
        ncm_error_set(err, NCM_ERR_ARG, "trace: need n_runs, n_osc >= 1, found %d, %d", n_runs,
                      n_osc);
        return NULL;
    }
    int64_t ns = (pl.n_trans + pl.n_win) / stride + 1;
    const double values = (double)ns * n_runs * n_osc;
    if (values > NCM_STNO_TRACE_MAX_VALUES) { /* 3 arrays of doubles, and a CSV of 3x that */
        ncm_error_set(err, NCM_ERR_ARG,
                      "trace: stride = %d: %lld samples x %d runs x %d oscillators = %.3g values "
                      "(%.3g GB), more than the %.0f a trace may hold; raise the stride or "
                      "shorten t_window_ns = %g and t_transient_ns = %g",
                      stride, (long long)ns, n_runs, n_osc, values, 24e-9 * values,
                      NCM_STNO_TRACE_MAX_VALUES, sim->t_window_ns, sim->t_transient_ns);
        return NULL;
    }
    ncm_stno_trace *t = calloc(1, sizeof *t);
    if (!t) {
        ncm_error_set(err, NCM_ERR_NOMEM, "trace: out of memory for %lld samples", (long long)ns);
        return NULL;
    }
    size_t total = (size_t)ns * (size_t)n_runs * (size_t)n_osc;
    t->n_runs = n_runs, t->n_osc = n_osc, t->n_samples = (int)ns, t->stride = stride;
    t->t_ns = malloc((size_t)ns * sizeof(double));
    t->p = malloc(total * sizeof(double));
    t->phase_rad = malloc(total * sizeof(double));
    t->v_mv = malloc(total * sizeof(double));
    if (!t->t_ns || !t->p || !t->phase_rad || !t->v_mv) {
        ncm_stno_trace_free(t);
        ncm_error_set(err, NCM_ERR_NOMEM, "trace: out of memory for %lld samples", (long long)ns);
        return NULL;
    }
    for (int64_t s = 0; s < ns; s++)
        t->t_ns[s] = (double)(s * stride) * sim->dt_ns;
    return t;
}

void ncm_stno_trace_free(ncm_stno_trace *t)
{
    if (!t)
        return;
    free(t->t_ns);
    free(t->p);
    free(t->phase_rad);
    free(t->v_mv);
    free(t);
}

/* ---- the shared, per-call context ------------------------------------------------------------ */

typedef struct {
    const ncm_stno_net *net;
    const ncm_stno_batch *b;
    const ncm_stno_sim *sim;
    int n, m;     /* oscillators, inputs */
    double dt;    /* ns */
    double w_ref; /* rad/ns */
    step_plan pl;
    int lag;             /* linewidth lag, observation samples */
    double tol_mhz;      /* locking tolerance */
    double *wc, *ws;     /* [n * n] W cos beta, W sin beta, rad/ns */
    double *gain;        /* [n * m] */
    double *nn;          /* [n] N, rad/ns */
    int noise;           /* some oscillator has D > 0 */
    int coupled;         /* some W_ij != 0 */
    uint64_t noise_ctr0; /* first Philox block of the noise: ceil(n / 2) */
    ncm_stno_obs *obs;
    ncm_stno_trace *trace;
} context;

/* ---- per-block workspace --------------------------------------------------------------------- */

typedef struct {
    int B, nb;         /* lanes allocated (a multiple of V), runs here */
    int r0;            /* first run */
    double *ur, *ui;   /* state [n][B] */
    double *xr, *xi;   /* noise of the step */
    double *xnr, *xni; /* odd n: the last oscillator's noise of the next (odd) step [B] */
    double *om0, *g0, *gp, *sig, *vamp;         /* per oscillator and run */
    double *fk, *pr, *pi, *rr, *ri, *dwk, *phk; /* per input and run [m][B] */
    double *pxr, *pxi;                          /* P_k recomputed at a resync step */
    double *phi, *qr, *qi;                      /* unwrapped phase, last sample */
    double *phi0, *sp, *sa;                     /* window start phase, sums of p and sqrt p */
    double *lb, *s1, *s2, *t1, *t2, *pend;      /* phase-diffusion sums */
    double *ipr, *ipi, *ianc, *islip;           /* per oscillator and input [n][m][B] */
    double *cpr, *cpi, *canc, *cslip;           /* per oscillator pair [n][n][B] */
    double *scratch;                            /* [10 n][8] the step's registers for n > 8 */
    uint64_t key[10][2];                        /* Philox round keys of the seed */
    double *mem;
} block;

static void block_free(block *w)
{
    free(w->mem);
}

/* The round keys of Philox4x32-10 with key `seed`: round r uses the seed's words plus r times the
 * Weyl constants (mod 2^32). Each written as its own product: gcc 12 at -O3 vectorised the loop
 * that advanced the two keys by additions into wrong values. */
static void philox_keys(uint64_t key[10][2], uint64_t seed)
{
    for (int r = 0; r < 10; r++) {
        key[r][0] = (uint32_t)((uint32_t)seed + (uint32_t)r * NCM_STNO_PHILOX_W0);
        key[r][1] = (uint32_t)((uint32_t)(seed >> 32) + (uint32_t)r * NCM_STNO_PHILOX_W1);
    }
}

/* Workspace for B lanes (a multiple of V), the first of them run r0; zeroed, so that lanes
 * beyond the block's runs integrate a harmless zero state. */
static int block_alloc(block *w, const context *c, int B, int r0)
{
    memset(w, 0, sizeof *w);
    const size_t n = (size_t)c->n, m = (size_t)c->m, lanes = (size_t)B;
    const size_t per_osc = 21, per_in = 9;
    size_t total = lanes * (n * per_osc + m * per_in + n * m * 4 + n * n * 4 + 2) + 10 * n * V;
    w->mem = aligned_alloc(64, total * sizeof(double)); /* a multiple of 64 bytes: V | lanes */
    if (!w->mem)
        return -1;
    memset(w->mem, 0, total * sizeof(double));
    w->B = B;
    w->r0 = r0;
    double *p = w->mem;
#define TAKE(name, count) (w->name = p, p += (count)*lanes)
    TAKE(ur, n), TAKE(ui, n), TAKE(xr, n), TAKE(xi, n), TAKE(om0, n), TAKE(g0, n), TAKE(gp, n),
        TAKE(sig, n);
    TAKE(vamp, n), TAKE(phi, n), TAKE(qr, n), TAKE(qi, n), TAKE(phi0, n);
    TAKE(sp, n), TAKE(sa, n), TAKE(lb, n), TAKE(s1, n), TAKE(s2, n), TAKE(t1, n), TAKE(t2, n);
    TAKE(pend, n); /* per_osc arrays; the scratch below takes 10 x V per oscillator */
    TAKE(fk, m), TAKE(pr, m), TAKE(pi, m), TAKE(rr, m), TAKE(ri, m), TAKE(dwk, m), TAKE(phk, m);
    TAKE(pxr, m), TAKE(pxi, m);
    TAKE(ipr, n * m), TAKE(ipi, n * m), TAKE(ianc, n * m), TAKE(islip, n * m);
    TAKE(cpr, n * n), TAKE(cpi, n * n), TAKE(canc, n * n), TAKE(cslip, n * n);
    TAKE(xnr, 1), TAKE(xni, 1);
#undef TAKE
    w->scratch = p;
    philox_keys(w->key, c->sim->seed);
    return 0;
}

/* ---- helpers of the kernels, not vectorised ----------------------------------------------------
 */

/* P_k(t) exactly, at step s, into (pr, pi) [m][B]. */
static void phasors_exact(const context *c, const block *w, int64_t s, double *pr, double *pi)
{
    const double t = (double)s * c->dt;
    for (int k = 0; k < c->m; k++)
        for (int r = 0; r < w->nb; r++) {
            const int q = k * w->B + r;
            double th = w->dwk[q] * t + w->phk[q];
            pr[q] = cos(th);
            pi[q] = -sin(th);
        }
}

/* Records trace sample `idx` of the block's runs. */
static void record(const context *c, const block *w, int64_t idx, int64_t s)
{
    ncm_stno_trace *tr = c->trace;
    const double t = (double)s * c->dt;
    for (int r = 0; r < w->nb; r++) {
        size_t base = ((size_t)(w->r0 + r) * tr->n_samples + (size_t)idx) * c->n;
        for (int i = 0; i < c->n; i++) {
            const int o = i * w->B + r;
            double p = w->ur[o] * w->ur[o] + w->ui[o] * w->ui[o];
            tr->p[base + i] = p;
            tr->phase_rad[base + i] = w->phi[o] + c->w_ref * t;
            tr->v_mv[base + i] = w->vamp[o] * sqrt(p);
        }
    }
}

/* ---- kernels (loops over the lanes r < nb), one variant per instruction set ------------------ */

#define K(name) name##_base
#define NCM_STNO_VARIANT 0
#include "stno/integrate_kernels.h"
#undef NCM_STNO_VARIANT
#undef K

/* The vector variants are compiled for their instruction sets: gcc's target pragma, or clang's
 * equivalent attribute region (clang builds only the fuzzing harnesses). */
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#define K(name) name##_avx2
#define NCM_STNO_VARIANT 1
#include "stno/integrate_kernels.h"
#undef NCM_STNO_VARIANT
#undef K
#ifdef __clang__
#pragma clang attribute pop
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl"))),                 \
                             apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl")
#endif
#define K(name) name##_avx512
#define NCM_STNO_VARIANT 2
#include "stno/integrate_kernels.h"
#undef NCM_STNO_VARIANT
#undef K
#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

typedef int64_t (*steps_fn)(const context *, block *);
static int kernel_forced = -1;

int ncm_stno_kernel(int force)
{
    int best = 0;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        best = 1;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        best = 2;
    if (force >= -1)
        kernel_forced = force > best ? best : force;
    return kernel_forced >= 0 ? kernel_forced : best;
}

static steps_fn pick_kernel(void)
{
    static const steps_fn fns[3] = {run_steps_base, run_steps_avx2, run_steps_avx512};
    return fns[ncm_stno_kernel(-2)];
}

#ifdef NCM_TEST_HOOKS
void ncm_stno_atan2_lanes(const double *y, const double *x, double *out, int len)
{
    static void (*const fns[3])(const double *, const double *, double *,
                                int) = {atan2_lanes_base, atan2_lanes_avx2, atan2_lanes_avx512};
    double buf[3][8];
    int head = len / 8 * 8;
    fns[ncm_stno_kernel(-2)](y, x, out, head);
    if (head < len) { /* the tail through a zero-padded vector */
        memset(buf, 0, sizeof buf);
        memcpy(buf[0], y + head, (size_t)(len - head) * sizeof *y);
        memcpy(buf[1], x + head, (size_t)(len - head) * sizeof *x);
        fns[ncm_stno_kernel(-2)](buf[0], buf[1], buf[2], 8);
        memcpy(out + head, buf[2], (size_t)(len - head) * sizeof *out);
    }
}

void ncm_stno_noise8(uint64_t seed, uint64_t first, uint64_t ctr, uint32_t words[4][8],
                     double z[4][8])
{
    static void (*const fns[3])(uint64_t, uint64_t, uint64_t, uint32_t[4][8],
                                double[4][8]) = {noise8_base, noise8_avx2, noise8_avx512};
    fns[ncm_stno_kernel(-2)](seed, first, ctr, words, z);
}
#endif

/* ---- one block of runs ----------------------------------------------------------------------- */

/* Per-run coefficients, initial state and input phasors of the block. Without a given initial
 * state, oscillator i of every run gets the amplitude sqrt(p_thermal) and a uniform phase from
 * its stream's words 2 i and 2 i + 1 (53 bits, as ncm_rng_uniform). */
static void block_setup(const context *c, block *w)
{
    const ncm_stno_net *net = c->net;
    const ncm_stno_batch *b = c->b;
    const int B = w->B, n = c->n, m = c->m;
    for (int r = 0; r < w->nb; r++) {
        const int run = w->r0 + r;
        for (int i = 0; i < n; i++) {
            const ncm_stno_params *d = &net->dev[i];
            const int o = i * B + r;
            const double cur = b->i_dc_ma ? b->i_dc_ma[(size_t)run * n + i] : net->i_dc_ma[i];
            ncm_stno_op op;
            ncm_stno_operating_point(d, cur, &op, NULL);
            const double gg = NCM_STNO_RADNS_PER_MHZ * d->gamma_g_mhz;
            w->om0[o] =
                NCM_STNO_RADNS_PER_MHZ * (d->f0_mhz + d->df_di_mhz_per_ma * (cur - d->i_ref_ma)) -
                c->w_ref;
            w->g0[o] = gg * (op.z - 1.0);
            w->gp[o] = -gg * (op.z + d->q);
            w->sig[o] = sqrt(NCM_STNO_RADNS_PER_MHZ * op.noise_d_mhz * c->dt);
            w->vamp[o] = cur * d->dr_ohm;
            if (b->init_re) {
                w->ur[o] = b->init_re[(size_t)run * n + i];
                w->ui[o] = b->init_im[(size_t)run * n + i];
            } else {
                w->ur[o] = isfinite(op.p_thermal) ? sqrt(op.p_thermal) : 0.0; /* amplitude */
            }
        }
        for (int k = 0; k < m; k++) {
            const size_t rk = (size_t)run * m + k;
            const int q = k * B + r;
            w->fk[q] = NCM_STNO_RADNS_PER_MHZ * b->amp_mhz[rk];
            w->dwk[q] = NCM_STNO_RADNS_PER_MHZ * b->f_in_mhz[rk] - c->w_ref;
            w->phk[q] = b->phase_rad ? b->phase_rad[rk] : 0.0;
            w->rr[q] = cos(w->dwk[q] * c->dt);
            w->ri[q] = -sin(w->dwk[q] * c->dt);
        }
    }
    for (int r = 0; r < w->nb && !b->init_re; r++) {
        ncm_rng g;
        ncm_rng_init(&g, c->sim->seed, c->sim->stream0 + (uint64_t)(w->r0 + r));
        for (int i = 0; i < n; i++) {
            const int o = i * B + r;
            uint64_t hi = ncm_rng_next_u32(&g);
            uint64_t bits = (hi << 32) | ncm_rng_next_u32(&g);
            double th = 2.0 * M_PI * (((double)(bits >> 11) + 0.5) * 0x1.0p-53);
            double a = w->ur[o];
            w->ur[o] = a * cos(th);
            w->ui[o] = -a * sin(th);
        }
    }
    for (int i = 0; i < n; i++)
        for (int r = 0; r < w->nb; r++) {
            const int o = i * B + r;
            w->qr[o] = w->ur[o];
            w->qi[o] = w->ui[o];
            w->phi[o] = -atan2(w->ui[o], w->ur[o]);
        }
    phasors_exact(c, w, 0, w->pr, w->pi);
}

/* Turns the block's sums into the observables of its runs. */
static void block_finish(const context *c, const block *w, int64_t n_total, int64_t n1)
{
    ncm_stno_obs *o = c->obs;
    const int B = w->B, n = c->n, m = c->m;
    const double t_win = (double)c->pl.n_win * c->dt;
    const double ns = (double)(c->pl.n_win / c->pl.stride);
    const double tau = (double)c->lag * c->pl.stride * c->dt;
    const double n2 = (double)(n1 / 2);
    const double w_end = c->w_ref * (double)n_total * c->dt;
    for (int r = 0; r < w->nb; r++) {
        const size_t run = (size_t)(w->r0 + r);
        for (int i = 0; i < n; i++) {
            const int q = i * B + r;
            const size_t ri = run * n + i;
            o->f_mean_mhz[ri] =
                (c->w_ref + (w->phi[q] - w->phi0[q]) / t_win) / NCM_STNO_RADNS_PER_MHZ;
            o->p_mean[ri] = w->sp[q] / ns;
            o->v_rf_mv[ri] = w->vamp[q] * w->sa[q] / ns;
            if (n1 >= 4) {
                double v1 = (w->s2[q] - w->s1[q] * w->s1[q] / (double)n1) / (double)(n1 - 1);
                double v2 = (w->t2[q] - w->t1[q] * w->t1[q] / n2) / (n2 - 1.0);
                o->linewidth_mhz[ri] = (v2 - v1) / tau / NCM_STNO_RADNS_PER_MHZ;
            } else {
                o->linewidth_mhz[ri] = NAN;
            }
            /* lab frame: c = u exp(-i w_ref t) */
            double cw = cos(w_end), sw = sin(w_end);
            o->final_re[ri] = w->ur[q] * cw + w->ui[q] * sw;
            o->final_im[ri] = w->ui[q] * cw - w->ur[q] * sw;
        }
        for (int i = 0; i < n; i++) {
            const double fi = o->f_mean_mhz[run * n + i];
            for (int k = 0; k < m; k++) {
                const int e = (i * m + k) * B + r;
                const size_t x = (run * n + i) * m + k;
                const double fk = (c->w_ref + w->dwk[k * B + r]) / NCM_STNO_RADNS_PER_MHZ;
                o->in_dphase_rad[x] = atan2(w->ipi[e], w->ipr[e]);
                o->in_plv[x] = hypot(w->ipr[e], w->ipi[e]) / ns;
                o->in_slips[x] = (int32_t)w->islip[e];
                /* an input of amplitude 0 does not act: nothing locks to it, however close
                 * its frequency (its beat may be too slow to slip within the window) */
                o->in_locked[x] = c->b->amp_mhz[run * m + k] > 0.0 && fabs(fi - fk) <= c->tol_mhz &&
                                  w->islip[e] == 0.0;
            }
            for (int j = 0; j < n; j++) {
                const size_t x = (run * n + i) * n + j;
                if (i == j) {
                    o->pair_dphase_rad[x] = 0.0;
                    o->pair_plv[x] = 1.0;
                    o->pair_slips[x] = 0;
                    o->pair_locked[x] = 1;
                    continue;
                }
                const int lo = i < j ? i : j, hi = i < j ? j : i;
                const int e = (lo * n + hi) * B + r;
                const double sgn = i < j ? 1.0 : -1.0;
                const double fj = o->f_mean_mhz[run * n + j];
                o->pair_dphase_rad[x] = atan2(sgn * w->cpi[e], w->cpr[e]);
                o->pair_plv[x] = hypot(w->cpr[e], w->cpi[e]) / ns;
                o->pair_slips[x] = (int32_t)w->cslip[e];
                o->pair_locked[x] = fabs(fi - fj) <= c->tol_mhz && w->cslip[e] == 0.0;
            }
        }
    }
}
static void run_block(const context *c, block *w, steps_fn steps)
{
    block_setup(c, w);
    int64_t lag_blocks = steps(c, w);
    block_finish(c, w, c->pl.n_trans + c->pl.n_win, lag_blocks);
}

/* ---- entry point ----------------------------------------------------------------------------- */

static ncm_status check_outputs(const context *c, ncm_error *err)
{
    const ncm_stno_obs *o = c->obs;
    if (!o || !o->f_mean_mhz || o->n_runs != c->b->n_runs || o->n_osc != c->n || o->n_in != c->m)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "observables allocated for %d runs, %d oscillators, %d inputs; the "
                             "batch has %d, %d, %d",
                             o ? o->n_runs : 0, o ? o->n_osc : 0, o ? o->n_in : 0, c->b->n_runs,
                             c->n, c->m);
    const ncm_stno_trace *t = c->trace;
    if (t) {
        int64_t ns = (c->pl.n_trans + c->pl.n_win) / (t->stride > 0 ? t->stride : 1) + 1;
        if (t->n_runs != c->b->n_runs || t->n_osc != c->n || t->stride < 1 ||
            t->stride % c->pl.stride != 0 || t->n_samples != ns)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "trace (%d runs, %d oscillators, stride %d, %d samples) does not "
                                 "match the batch and simulation (allocate it with "
                                 "ncm_stno_trace_new for this simulation)",
                                 t->n_runs, t->n_osc, t->stride, t->n_samples);
    }
    return NCM_OK;
}

ncm_status ncm_stno_run(const ncm_stno_net *net, const ncm_stno_batch *b, const ncm_stno_sim *sim,
                        ncm_stno_obs *obs, ncm_stno_trace *trace, int threads,
                        const ncm_progress *progress, ncm_error *err)
{
    return ncm_stno_run_task(net, b, sim, obs, trace, threads, progress, "stno run", err);
}

ncm_status ncm_stno_run_task(const ncm_stno_net *net, const ncm_stno_batch *b,
                             const ncm_stno_sim *sim, ncm_stno_obs *obs, ncm_stno_trace *trace,
                             int threads, const ncm_progress *progress, const char *task,
                             ncm_error *err)
{
    context c = {0};
    if (!sim)
        return ncm_error_set(err, NCM_ERR_ARG, "simulation: sim is NULL");
    if (threads < 0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "threads = %d: must be >= 0 (0: the current "
                             "OpenMP setting)",
                             threads);
    c.net = net, c.b = b, c.sim = sim, c.obs = obs, c.trace = trace;
    ncm_status st = ncm_stno_check_batch(net, b, err);
    if (!st)
        st = plan_steps(sim, &c.pl, err);
    if (st)
        return st;
    c.n = net->n_osc, c.m = b->n_in, c.dt = sim->dt_ns;
    /* Work far beyond any study (weeks of computing) is refused up front, with the figure. */
    const double work = (double)b->n_runs * c.n * (double)(c.pl.n_trans + c.pl.n_win);
    if (work > NCM_STNO_MAX_OSC_STEPS)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "t_window_ns = %g with t_transient_ns = %g and dt_ns = %g: %d runs x "
                             "%d oscillators x %lld steps = %.3g oscillator-steps, more than the "
                             "%.0e one simulation may take",
                             sim->t_window_ns, sim->t_transient_ns, sim->dt_ns, b->n_runs, c.n,
                             (long long)(c.pl.n_trans + c.pl.n_win), work, NCM_STNO_MAX_OSC_STEPS);
    if ((st = check_outputs(&c, err)))
        return st;
    if (!(sim->f_ref_mhz >= 0.0) || !isfinite(sim->f_ref_mhz))
        return ncm_error_set(err, NCM_ERR_ARG, "f_ref_mhz must be >= 0 and finite, found %g",
                             sim->f_ref_mhz);
    if (!(sim->lock_tol_mhz >= 0.0) || !isfinite(sim->lock_tol_mhz))
        return ncm_error_set(err, NCM_ERR_ARG, "lock_tol_mhz must be >= 0 and finite, found %g",
                             sim->lock_tol_mhz);
    if (!(sim->lw_lag_ns >= 0.0) || !isfinite(sim->lw_lag_ns))
        return ncm_error_set(err, NCM_ERR_ARG, "lw_lag_ns must be >= 0 and finite, found %g",
                             sim->lw_lag_ns);
    double f_ref = sim->f_ref_mhz;
    if (f_ref == 0.0 && (st = ncm_stno_auto_f_ref(net, b, &f_ref, err)))
        return st;
    if ((st = ncm_stno_step_limit(net, b, f_ref, sim->dt_ns, NULL, err)))
        return st;

    const int n = c.n, m = c.m;
    const double t_win = (double)c.pl.n_win * c.dt;
    const double per = c.dt * c.pl.stride;
    c.w_ref = NCM_STNO_RADNS_PER_MHZ * f_ref;
    c.tol_mhz = sim->lock_tol_mhz > 0.0 ? sim->lock_tol_mhz : 1e3 / t_win;
    double lag = sim->lw_lag_ns > 0.0 ? sim->lw_lag_ns : t_win / 8.0;
    c.lag = (int)fmax(1.0, floor(lag / per + 0.5));
    obs->f_ref_mhz = f_ref;
    obs->lock_tol_mhz = c.tol_mhz;
    obs->t_window_ns = t_win;
    obs->lw_lag_ns = c.lag * per;

    c.wc = malloc((size_t)n * n * sizeof(double));
    c.ws = malloc((size_t)n * n * sizeof(double));
    c.gain = malloc(((size_t)n * m + 1) * sizeof(double));
    c.nn = malloc((size_t)n * sizeof(double));
    if (!c.wc || !c.ws || !c.gain || !c.nn) {
        st = ncm_error_set(err, NCM_ERR_NOMEM, "simulation: out of memory");
        goto done;
    }
    for (int x = 0; x < n * n; x++) {
        c.wc[x] = NCM_STNO_RADNS_PER_MHZ * net->w_mhz[x] * cos(net->beta_rad);
        c.ws[x] = NCM_STNO_RADNS_PER_MHZ * net->w_mhz[x] * sin(net->beta_rad);
        c.coupled |= net->w_mhz[x] != 0.0;
    }
    for (int x = 0; x < n * m; x++)
        c.gain[x] = b->in_gain ? b->in_gain[x] : 1.0;
    for (int i = 0; i < n; i++) {
        c.nn[i] = NCM_STNO_RADNS_PER_MHZ * net->dev[i].n_mhz;
        c.noise |= net->dev[i].temperature_k > 0.0;
    }
    c.noise_ctr0 = (uint64_t)(n + 1) / 2; /* after the 2 n words of the initial phases */

    /* Blocks of up to MAX_LANES runs, at least one per thread. They are integrated in groups
     * (a parallel loop each) so that progress is reported, and cancellation honoured, from this
     * thread between groups: a group holds a whole number of blocks per thread (the blocks cost
     * the same, so the threads stay balanced), as many as should fill MIN_GROUP_SECONDS at
     * first, twice as many after a shorter group. Which group, block or thread integrates a run
     * does not change its results. */
    const int nt = threads > 0 ? threads : omp_get_max_threads();
    int lanes = (b->n_runs + nt - 1) / nt;
    lanes = lanes < 1 ? 1 : lanes > MAX_LANES ? MAX_LANES : lanes;
    lanes = (lanes + V - 1) / V * V;
    const int n_blocks = (b->n_runs + lanes - 1) / lanes;
    const double block_s =
        (double)lanes * n * (double)(c.pl.n_trans + c.pl.n_win) / FAST_OSC_STEPS_PER_S;
    int64_t per_thread = (int64_t)ceil(MIN_GROUP_SECONDS / block_s);
    per_thread = per_thread < 1 ? 1 : per_thread > n_blocks ? n_blocks : per_thread;
    int adaptive = 1;
#ifdef NCM_TEST_HOOKS
    if (group_blocks_forced)
        per_thread = group_blocks_forced, adaptive = 0;
#endif
    int failed = 0;
    const steps_fn steps = pick_kernel();
    if ((st = ncm_progress_report(progress, task, 0, b->n_runs, err)))
        goto done;
    double t_group = ncm_now();
    for (int g0 = 0, g1; g0 < n_blocks && !failed; g0 = g1) {
        g1 = (int)(n_blocks - g0 > nt * per_thread ? g0 + nt * per_thread : n_blocks);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (int blk = g0; blk < g1; blk++) {
            block w;
            if (block_alloc(&w, &c, lanes, blk * lanes)) {
#pragma omp atomic write
                failed = 1;
                continue;
            }
            w.nb = b->n_runs - w.r0 < lanes ? b->n_runs - w.r0 : lanes;
            run_block(&c, &w, steps);
            block_free(&w);
        }
        const int64_t done_runs = (int64_t)g1 * lanes < b->n_runs ? (int64_t)g1 * lanes : b->n_runs;
        if (!failed && (st = ncm_progress_report(progress, task, done_runs, b->n_runs, err)))
            goto done;
        const double now = ncm_now();
        if (adaptive && now - t_group < MIN_GROUP_SECONDS && per_thread < n_blocks)
            per_thread *= 2;
        t_group = now;
    }
    if (failed)
        st = ncm_error_set(err, NCM_ERR_NOMEM, "simulation: out of memory for a block of %d runs",
                           lanes);
    /* A result that is not finite is never handed out: a hostile device (noise of 1e300 K) can
     * make the integration overflow, which the step limits, made for the deterministic part, do
     * not foresee. */
    for (int r = 0; !st && r < b->n_runs; r++)
        for (int i = 0; !st && i < n; i++) {
            const size_t k = (size_t)r * n + i;
            if (!isfinite(obs->p_mean[k]) || !isfinite(obs->f_mean_mhz[k]) ||
                !isfinite(obs->final_re[k]) || !isfinite(obs->final_im[k]))
                st = ncm_error_set(err, NCM_ERR_STATE,
                                   "the simulation diverged: run %d, oscillator %d ends with power "
                                   "%g and frequency %g MHz (device \"%s\": temperature_k = %g, "
                                   "e0_ev = %g; dt_ns = %g)",
                                   r, i, obs->p_mean[k], obs->f_mean_mhz[k], net->dev[i].name,
                                   net->dev[i].temperature_k, net->dev[i].e0_ev, c.dt);
        }
done:
    free(c.wc);
    free(c.ws);
    free(c.gain);
    free(c.nn);
    return st;
}
