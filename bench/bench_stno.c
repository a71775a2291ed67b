/* Benchmark of the spin-torque oscillator integrator (issue 5, "Speed"): 4 coupled oscillators
 * driven by two microwave inputs, 1000 input samples of 1 us each, one ncm_stno_run over the
 * batch, timed with 1 and 2 threads (its per-call thread count); prints oscillator-steps per second
 * and writes the setup, the inputs, the initial states and the results (mean frequencies, phase
 * slips and the locking decisions per run, oscillator and input) to a JSON file that
 * bench/stno_numpy.py reads to run the same batch in numpy and compare. Driven by bench/stno.sh.
 *
 * Setup (also written to the file):
 *   devices   ncm_stno_default() (vortex oscillator, f0 300 MHz, N 20 MHz, G_G 4 MHz, Q 1,
 *             I_th 4 mA, E0 15 eV), T = 300 K (0 with --check);
 *   currents  7, 8, 9, 10 mA: free-running 309.45, 314.67, 319.69, 324.57 MHz;
 *   coupling  all-to-all W_ij = 0.2 MHz (i != j, 0 on the diagonal), beta = 0;
 *   inputs    2 per sample, amplitude F / 2 pi = 0.4 MHz (Adler locking half-ranges 1.59, 1.35,
 *             1.18, 1.07 MHz), phase 0, frequencies uniform in [f_min - 3, f_max + 3] MHz of the
 *             free-running frequencies (306.45 to 327.57 MHz), from ncm_rng (seed 5, stream 0);
 *   initial   c_i = sqrt(p0_i) exp(-i theta), theta uniform from ncm_rng (seed 5, stream 1);
 *   time      dt = 0.5 ns, 250 ns transient + 750 ns window = 1 us (2000 steps), observables
 *             every 4 steps, locking tolerance 1 / window = 1.33 MHz (the library's default),
 *             noise seed 7 (--noise-seed); frame at the middle of the input band (317.01 MHz),
 *             among the oscillation frequencies (the automatic frame would sit at 320 MHz, the
 *             middle of the bands w(p), p in [0, 1]).
 * Why these values: with 1 us per sample, an unlocked oscillator whose beat with an input is
 * slower than about 1 / window may make no slip in the window and count as locked, and whether
 * it does depends on the noise; the decisions near each tongue's edges are therefore random, and
 * two noise realisations (C with two seeds, or C and numpy) agree on a fraction of them only.
 * Wide tongues (F = 0.4 MHz) that do not overlap (the currents 1 mA apart) keep that fraction
 * small: two C runs with different seeds agree on about 98 % of the decisions (bench/stno.sh
 * measures it next to the C-numpy agreement).
 * The 1- and 2-thread runs must give identical observables (checked and reported).
 *
 * usage: bench_stno [--runs N] [--repeat R] [--noise-seed S] [--kernel K] [--check] OUT.json
 *   --runs N        input samples (default 1000)
 *   --repeat R      timed runs per thread count, the fastest reported (default 3)
 *   --noise-seed S  Philox key of the thermal noise (default 7)
 *   --kernel K      the integrator's kernel variant: base, avx2 or avx512 (default: the best the
 *                   CPU has; all give the same bits)
 *   --check         noiseless cross-check: temperature 0, one run per thread count           */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/progress.h"
#include "nanocim/rng.h"
#include "nanocim/stno.h"
#include "stno/stno_internal.h" /* ncm_stno_kernel: the kernel variant */

enum { N_OSC = 4, N_IN = 2 };

static const double I_DC_MA[N_OSC] = {7.0, 8.0, 9.0, 10.0};
static const double W_MHZ = 0.2;      /* all-to-all coupling W_ij / 2 pi, i != j */
static const double BETA_RAD = 0.0;   /* coupling phase */
static const double AMP_MHZ = 0.4;    /* input amplitude F / 2 pi */
static const double MARGIN_MHZ = 3.0; /* input band beyond the free-running frequencies */
static const double DT_NS = 0.5, T_TRANS_NS = 250.0, T_WIN_NS = 750.0;
static const int OBS_STRIDE = 4;
static const uint64_t INPUT_SEED = 5;

static void json_array(FILE *f, const char *name, const double *x, int rows, int cols)
{
    fprintf(f, "  \"%s\": [", name);
    for (int r = 0; r < rows; r++) {
        fprintf(f, "%s[", r ? ", " : "");
        for (int c = 0; c < cols; c++)
            fprintf(f, "%s%.17g", c ? ", " : "", x[(size_t)r * cols + c]);
        fprintf(f, "]");
    }
    fprintf(f, "],\n");
}

/* [rows][N_OSC][N_IN] integers, from an int32 or uint8 array. */
static void json_int3(FILE *f, const char *name, const int32_t *i32, const uint8_t *u8, int rows)
{
    fprintf(f, "  \"%s\": [", name);
    for (int r = 0; r < rows; r++) {
        fprintf(f, "%s[", r ? ", " : "");
        for (int i = 0; i < N_OSC; i++) {
            fprintf(f, "%s[", i ? ", " : "");
            for (int k = 0; k < N_IN; k++) {
                size_t x = ((size_t)r * N_OSC + i) * N_IN + k;
                fprintf(f, "%s%d", k ? ", " : "", i32 ? (int)i32[x] : (int)u8[x]);
            }
            fprintf(f, "]");
        }
        fprintf(f, "]");
    }
    fprintf(f, "],\n");
}

/* 1 when every observable the decisions use is bitwise equal. */
static int same_obs(const ncm_stno_obs *a, const ncm_stno_obs *b)
{
    size_t ro = (size_t)a->n_runs * a->n_osc, rin = ro * (size_t)a->n_in;
    return !memcmp(a->f_mean_mhz, b->f_mean_mhz, ro * sizeof(double)) &&
           !memcmp(a->p_mean, b->p_mean, ro * sizeof(double)) &&
           !memcmp(a->in_slips, b->in_slips, rin * sizeof(int32_t)) &&
           !memcmp(a->in_locked, b->in_locked, rin);
}

int main(int argc, char **argv)
{
    int runs = 1000, repeat = 3, check = 0, kernel = -1;
    uint64_t noise_seed = 7;
    const char *out = NULL;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--runs") && a + 1 < argc)
            runs = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--repeat") && a + 1 < argc)
            repeat = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--noise-seed") && a + 1 < argc)
            noise_seed = strtoull(argv[++a], NULL, 10);
        else if (!strcmp(argv[a], "--kernel") && a + 1 < argc) {
            const char *k = argv[++a];
            kernel = !strcmp(k, "base")     ? 0
                     : !strcmp(k, "avx2")   ? 1
                     : !strcmp(k, "avx512") ? 2
                                            : -9;
            if (kernel < 0)
                out = NULL, runs = 0;
        } else if (!strcmp(argv[a], "--check"))
            check = 1;
        else if (argv[a][0] != '-' && !out)
            out = argv[a];
        else
            out = NULL, runs = 0;
    }
    if (!out || runs < 1 || repeat < 1) {
        fprintf(stderr, "usage: bench_stno [--runs N] [--repeat R] [--noise-seed S] "
                        "[--kernel base|avx2|avx512] [--check] OUT.json\n");
        return 2;
    }
    static const char *const kernel_names[3] = {"base", "avx2", "avx512"};
    if (kernel >= 0 && ncm_stno_kernel(kernel) != kernel) {
        fprintf(stderr, "bench_stno: this CPU cannot run the %s kernel\n", kernel_names[kernel]);
        return 2;
    }
    const char *kname = kernel_names[ncm_stno_kernel(-2)];
    if (check)
        repeat = 1;

    ncm_error err;
    ncm_stno_params dev;
    ncm_stno_default(&dev);
    if (check)
        dev.temperature_k = 0.0;
    double w[N_OSC * N_OSC];
    for (int i = 0; i < N_OSC * N_OSC; i++)
        w[i] = i / N_OSC == i % N_OSC ? 0.0 : W_MHZ;
    ncm_stno_net *net = ncm_stno_net_new(N_OSC, &dev, 1, I_DC_MA, &err);
    if (!net || ncm_stno_net_set_coupling(net, N_OSC, N_OSC, w, BETA_RAD, &err)) {
        fprintf(stderr, "bench_stno: %s\n", err.msg);
        return 1;
    }

    /* free-running operating points; the input band */
    double f_free[N_OSC], p0[N_OSC], half[N_OSC], f_lo = INFINITY, f_hi = -INFINITY;
    for (int i = 0; i < N_OSC; i++) {
        ncm_stno_op op;
        ncm_stno_operating_point(&dev, I_DC_MA[i], &op, NULL);
        f_free[i] = op.f_mhz, p0[i] = op.p0;
        ncm_stno_lock_halfwidth(&dev, I_DC_MA[i], AMP_MHZ, &half[i], NULL);
        f_lo = fmin(f_lo, op.f_mhz), f_hi = fmax(f_hi, op.f_mhz);
    }
    f_lo -= MARGIN_MHZ, f_hi += MARGIN_MHZ;

    /* the samples: input frequencies and initial states */
    const size_t ro = (size_t)runs * N_OSC, rin = (size_t)runs * N_IN;
    double *f_in = malloc(rin * sizeof *f_in), *amp = malloc(rin * sizeof *amp);
    double *init_re = malloc(ro * sizeof *init_re), *init_im = malloc(ro * sizeof *init_im);
    if (!f_in || !amp || !init_re || !init_im) {
        fprintf(stderr, "bench_stno: out of memory\n");
        return 1;
    }
    ncm_rng rf, rp;
    ncm_rng_init(&rf, INPUT_SEED, 0);
    ncm_rng_init(&rp, INPUT_SEED, 1);
    for (size_t x = 0; x < rin; x++) {
        f_in[x] = f_lo + (f_hi - f_lo) * ncm_rng_uniform(&rf);
        amp[x] = AMP_MHZ;
    }
    for (size_t x = 0; x < ro; x++) {
        double th = 2.0 * M_PI * ncm_rng_uniform(&rp), a = sqrt(p0[x % N_OSC]);
        init_re[x] = a * cos(th);
        init_im[x] = -a * sin(th);
    }
    ncm_stno_batch b = {.n_runs = runs,
                        .n_in = N_IN,
                        .f_in_mhz = f_in,
                        .amp_mhz = amp,
                        .init_re = init_re,
                        .init_im = init_im};
    ncm_stno_sim sim = {.dt_ns = DT_NS,
                        .t_transient_ns = T_TRANS_NS,
                        .t_window_ns = T_WIN_NS,
                        .seed = noise_seed,
                        .obs_stride = OBS_STRIDE};
    sim.f_ref_mhz = 0.5 * (f_lo + f_hi);
    const double n_steps = (T_TRANS_NS + T_WIN_NS) / DT_NS;
    const double osc_steps = (double)N_OSC * runs * n_steps;

    printf("STNO network: %d oscillators (I = %g, %g, %g, %g mA; free-running %.2f, %.2f, %.2f, "
           "%.2f MHz),\n  all-to-all W = %g MHz, beta = %g; %d samples x %d inputs of %g MHz "
           "(locking half-ranges %.2f, %.2f, %.2f, %.2f MHz)\n  in [%.2f, %.2f] MHz; T = %g K, "
           "dt = %g ns, %g + %g ns, %.0f steps, f_ref %.3f MHz, noise seed %llu\n",
           N_OSC, I_DC_MA[0], I_DC_MA[1], I_DC_MA[2], I_DC_MA[3], f_free[0], f_free[1], f_free[2],
           f_free[3], W_MHZ, BETA_RAD, runs, N_IN, AMP_MHZ, half[0], half[1], half[2], half[3],
           f_lo, f_hi, dev.temperature_k, DT_NS, T_TRANS_NS, T_WIN_NS, n_steps, sim.f_ref_mhz,
           (unsigned long long)noise_seed);
    printf("%-12s %8s %8s %12s %16s\n", "impl", "kernel", "threads", "seconds", "osc-steps/s");

    ncm_stno_obs *obs[3] = {NULL};
    double secs[3] = {0};
    for (int th = 1; th <= 2; th++) {
        if (!(obs[th] = ncm_stno_obs_new(runs, N_OSC, N_IN, &err))) {
            fprintf(stderr, "bench_stno: %s\n", err.msg);
            return 1;
        }
        secs[th] = INFINITY;
        for (int rep = 0; rep < repeat; rep++) {
            double t0 = ncm_now();
            if (ncm_stno_run(net, &b, &sim, obs[th], NULL, th, NULL, &err)) {
                fprintf(stderr, "bench_stno: %s\n", err.msg);
                return 1;
            }
            secs[th] = fmin(secs[th], ncm_now() - t0);
        }
        printf("%-12s %8s %8d %12.4f %16.4g\n", "C nanocim", kname, th, secs[th],
               osc_steps / secs[th]);
    }
    const int identical = same_obs(obs[1], obs[2]);
    const ncm_stno_obs *o = obs[2];
    size_t locked = 0;
    for (size_t x = 0; x < rin * N_OSC; x++)
        locked += o->in_locked[x];
    printf("speed-up %.2fx on 2 threads (best of %d); 1 and 2 threads %s; locked fraction %.4f "
           "(tolerance %.4g MHz)\n",
           secs[1] / secs[2], repeat, identical ? "identical" : "DIFFER",
           (double)locked / (double)(rin * N_OSC), o->lock_tol_mhz);

    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "bench_stno: cannot write %s\n", out);
        return 1;
    }
    fprintf(f, "{\n  \"benchmark\": \"issue 5 STNO speed\",\n  \"check\": %d,\n", check);
    fprintf(f, "  \"n_runs\": %d,\n  \"n_osc\": %d,\n  \"n_in\": %d,\n", runs, N_OSC, N_IN);
    fprintf(f,
            "  \"device\": {\"f0_mhz\": %.17g, \"n_mhz\": %.17g, \"df_di_mhz_per_ma\": %.17g, "
            "\"i_ref_ma\": %.17g, \"gamma_g_mhz\": %.17g, \"q\": %.17g, \"i_th_ma\": %.17g, "
            "\"temperature_k\": %.17g, \"e0_ev\": %.17g},\n",
            dev.f0_mhz, dev.n_mhz, dev.df_di_mhz_per_ma, dev.i_ref_ma, dev.gamma_g_mhz, dev.q,
            dev.i_th_ma, dev.temperature_k, dev.e0_ev);
    json_array(f, "i_dc_ma", I_DC_MA, 1, N_OSC);
    json_array(f, "f_free_mhz", f_free, 1, N_OSC);
    json_array(f, "lock_halfwidth_mhz", half, 1, N_OSC);
    json_array(f, "w_mhz", w, N_OSC, N_OSC);
    fprintf(f, "  \"beta_rad\": %.17g,\n", BETA_RAD);
    fprintf(f,
            "  \"dt_ns\": %.17g,\n  \"t_transient_ns\": %.17g,\n  \"t_window_ns\": %.17g,\n"
            "  \"obs_stride\": %d,\n  \"f_ref_mhz\": %.17g,\n  \"lock_tol_mhz\": %.17g,\n"
            "  \"n_steps\": %.0f,\n  \"noise_seed\": %llu,\n",
            DT_NS, T_TRANS_NS, T_WIN_NS, OBS_STRIDE, o->f_ref_mhz, o->lock_tol_mhz, n_steps,
            (unsigned long long)noise_seed);
    json_array(f, "f_in_mhz", f_in, runs, N_IN);
    json_array(f, "amp_mhz", amp, runs, N_IN);
    json_array(f, "init_re", init_re, runs, N_OSC);
    json_array(f, "init_im", init_im, runs, N_OSC);
    json_array(f, "f_mean_mhz", o->f_mean_mhz, runs, N_OSC);
    json_int3(f, "in_slips", o->in_slips, NULL, runs);
    json_int3(f, "in_locked", NULL, o->in_locked, runs);
    fprintf(f, "  \"threads_identical\": %s,\n  \"kernel\": \"%s\",\n",
            identical ? "true" : "false", kname);
    fprintf(f, "  \"repeat\": %d,\n  \"timing\": [", repeat);
    for (int th = 1; th <= 2; th++)
        fprintf(f, "%s{\"threads\": %d, \"seconds\": %.6g, \"osc_steps_per_s\": %.6g}",
                th > 1 ? ", " : "", th, secs[th], osc_steps / secs[th]);
    fprintf(f, "]\n}\n");
    if (fclose(f)) {
        fprintf(stderr, "bench_stno: error writing %s\n", out);
        return 1;
    }
    for (int th = 1; th <= 2; th++)
        ncm_stno_obs_free(obs[th]);
    ncm_stno_net_free(net);
    free(f_in), free(amp), free(init_re), free(init_im);
    return identical ? 0 : 1;
}
