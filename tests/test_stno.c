/* Tests of the spin-torque oscillator model (include/nanocim/stno.h) against its analytic
 * results (docs/stno.md): free-running power and frequency vs current, equipartition below
 * threshold, the thermal linewidth with and without the (1 + nu^2) enhancement, the injection-
 * locking range (exact stationary edges and the Adler-type formula), mutual locking of two
 * detuned oscillators around the analytic coupling threshold, the integrator's order of
 * convergence, thread-count and instruction-set independence, the noise streams and the
 * vectorised atan2 against their references, traces, progress reports and cancellation, the
 * command line's network and automatic settings, locking maps (locked inside the analytic tongue
 * only, never at zero amplitude), the CSV and JSON result files, and bad input (device files,
 * simulations, grids) refused with the field named. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdir.h"
#include "util/io.h"
#include "nanocim/rng.h"
#include "nanocim/stno.h"
#include "stno/stno_internal.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    return testdir_create("test_stno");
}

static ncm_stno_params defaults(void)
{
    ncm_stno_params p;
    ncm_stno_default(&p);
    return p;
}

static ncm_stno_params noiseless(void)
{
    ncm_stno_params p = defaults();
    p.temperature_k = 0.0;
    return p;
}

static ncm_stno_op op_at(const ncm_stno_params *p, double i_ma)
{
    ncm_stno_op op;
    ncm_error err = {0};
    if (ncm_stno_operating_point(p, i_ma, &op, &err))
        fail_msg("ncm_stno_operating_point: %s", err.msg);
    return op;
}

static ncm_stno_net *net_or_fail(int n, const ncm_stno_params *dev, int n_dev, const double *i_ma)
{
    ncm_error err = {0};
    ncm_stno_net *net = ncm_stno_net_new(n, dev, n_dev, i_ma, &err);
    if (!net)
        fail_msg("ncm_stno_net_new: %s", err.msg);
    return net;
}

static ncm_stno_obs *obs_or_fail(int n_runs, int n_osc, int n_in)
{
    ncm_error err = {0};
    ncm_stno_obs *o = ncm_stno_obs_new(n_runs, n_osc, n_in, &err);
    if (!o)
        fail_msg("ncm_stno_obs_new: %s", err.msg);
    return o;
}

static ncm_stno_obs *run_or_fail(const ncm_stno_net *net, const ncm_stno_batch *b,
                                 const ncm_stno_sim *sim, ncm_stno_trace *tr)
{
    ncm_error err = {0};
    ncm_stno_obs *o = obs_or_fail(b->n_runs, ncm_stno_net_n_osc(net), b->n_in);
    if (ncm_stno_run(net, b, sim, o, tr, 0, NULL, &err))
        fail_msg("ncm_stno_run: %s", err.msg);
    return o;
}

/* ---- free-running oscillator ----------------------------------------------------------------- */

static void test_free_running_power_and_frequency_match_analytic(void **state)
{
    (void)state;
    /* Currents below, near and well above I_th = 4 mA, one run each, from p = 0.1. */
    const double cur[] = {2.0, 3.0, 4.5, 5.0, 6.0, 8.0, 10.0};
    enum { R = sizeof cur / sizeof cur[0] };
    ncm_stno_params p = noiseless();
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    double re[R], im[R];
    for (int r = 0; r < R; r++)
        re[r] = sqrt(0.1), im[r] = 0.0;
    ncm_stno_batch b = {.n_runs = R, .i_dc_ma = cur, .init_re = re, .init_im = im};
    ncm_stno_sim sim = {.dt_ns = 0.25, .t_transient_ns = 4000, .t_window_ns = 1000, .seed = 1};
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
    for (int r = 0; r < R; r++) {
        ncm_stno_op op = op_at(&p, cur[r]);
        if (op.z < 1.0) {
            if (!(o->p_mean[r] < 1e-10))
                fail_msg("I = %g mA below threshold: p = %g, expected -> 0", cur[r], o->p_mean[r]);
            continue;
        }
        /* Heun's error at the limit cycle, for a rotation y = |w - w_ref| dt per step in the
         * frame: the predictor's power is p (1 + y^2), so the corrector balances the damping at a
         * power low by p y^2 / 2; the phase advances by y + y^3 / 6 per step, a frequency high by
         * y^2 / 6 of the offset (docs/stno.md, "Step size") */
        double y = NCM_STNO_RADNS_PER_MHZ * fabs(op.f_mhz - o->f_ref_mhz) * sim.dt_ns;
        expect_near(o->p_mean[r], op.p0, 1e-6 + (0.6 * y * y + 1e-5) * op.p0);
        expect_near(o->f_mean_mhz[r], op.f_mhz, 1e-4 + y * y / 6 * fabs(op.f_mhz - o->f_ref_mhz));
        expect_near(o->v_rf_mv[r], op.v_rf_mv, (0.3 * y * y + 1e-5) * op.v_rf_mv);
    }
    /* the analytic slope: df/dI = df_di + N (1 + Q) / (I_th (z + Q)^2) */
    ncm_stno_op a = op_at(&p, 6.0), c = op_at(&p, 6.001);
    expect_near((c.f_mhz - a.f_mhz) / 0.001,
                p.df_di_mhz_per_ma + p.n_mhz * (1 + p.q) / (p.i_th_ma * pow(a.z + p.q, 2)), 1e-3);
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

static void test_equipartition_below_threshold(void **state)
{
    (void)state;
    /* At I = 0 the oscillator is a damped mode in contact with the bath: <E0 p> = kT. */
    ncm_stno_params p = defaults();
    const double zero = 0.0;
    ncm_stno_net *net = net_or_fail(1, &p, 1, &zero);
    ncm_stno_batch b = {.n_runs = 64};
    ncm_stno_sim sim = {.dt_ns = 1.0, .t_transient_ns = 200, .t_window_ns = 20000, .seed = 3};
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
    double m = 0;
    for (int r = 0; r < b.n_runs; r++)
        m += o->p_mean[r] / b.n_runs;
    const double kt_e0 = NCM_STNO_KB_EV_PER_K * p.temperature_k / p.e0_ev;
    print_message("    <p> = %.5g, kT / E0 = %.5g\n", m, kt_e0);
    expect_near(m / kt_e0, 1.0, 0.03);
    expect_near(op_at(&p, 0.0).p_thermal, kt_e0, 1e-15);
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

/* Mean measured linewidth over many runs of one free-running oscillator, and its standard error. */
static double measured_linewidth(const ncm_stno_params *p, double i_ma, double *sem)
{
    ncm_stno_net *net = net_or_fail(1, p, 1, &i_ma);
    ncm_stno_batch b = {.n_runs = 1024};
    ncm_stno_sim sim = {
        .dt_ns = 1.0, .t_transient_ns = 1000, .t_window_ns = 24000, .lw_lag_ns = 500, .seed = 11};
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
    double s = 0, s2 = 0;
    for (int r = 0; r < b.n_runs; r++) {
        s += o->linewidth_mhz[r];
        s2 += o->linewidth_mhz[r] * o->linewidth_mhz[r];
    }
    double mean = s / b.n_runs;
    *sem = sqrt((s2 / b.n_runs - mean * mean) / (b.n_runs - 1));
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
    return mean;
}

static void test_thermal_linewidth_matches_analytic(void **state)
{
    (void)state;
    /* The default device (nu = 2 at 6 mA: the nonlinearity widens the line 1 + nu^2 = 5 times)
     * and the same device without frequency shift (nu = 0). */
    ncm_stno_params p = defaults(), iso = defaults();
    iso.n_mhz = 0.0;
    const ncm_stno_params *devs[] = {&p, &iso};
    for (int d = 0; d < 2; d++) {
        ncm_stno_op op = op_at(devs[d], 6.0);
        double sem, lw = measured_linewidth(devs[d], 6.0, &sem);
        print_message("    nu = %.3f: linewidth %.4f +- %.4f MHz, analytic %.4f MHz\n", op.nu, lw,
                      sem, op.linewidth_mhz);
        expect_near(lw / op.linewidth_mhz, 1.0, 0.10);
    }
}

/* ---- injection locking ----------------------------------------------------------------------- */

/* For each amplitude amp[a], run f_in[a] (one run per amplitude, T = 0) and return whether each
 * run's oscillator locked to its input. The oscillator starts at p0 with the Adler-model locked
 * phase (or its nearest point when outside the range), so the window sees the final state. */
static void lock_runs(const ncm_stno_params *p, double i_ma, int n, const double *amp,
                      const double *f_in, int *locked)
{
    ncm_stno_net *net = net_or_fail(1, p, 1, &i_ma);
    ncm_stno_op op = op_at(p, i_ma);
    double re[8], im[8];
    for (int r = 0; r < n; r++) {
        double hw = sqrt(1 + op.nu * op.nu) * amp[r] / sqrt(op.p0);
        double x = (op.f_mhz - f_in[r]) / hw;
        x = x > 1 ? 1 : x < -1 ? -1 : x;
        double psi = atan(op.nu) + asin(x); /* (w_g - w_e) = Delta sin(psi - atan nu) */
        re[r] = sqrt(op.p0) * cos(psi);
        im[r] = -sqrt(op.p0) * sin(psi);
    }
    ncm_stno_batch b = {
        .n_runs = n, .n_in = 1, .f_in_mhz = f_in, .amp_mhz = amp, .init_re = re, .init_im = im};
    ncm_stno_sim sim = {.dt_ns = 1.0,
                        .t_transient_ns = 30000,
                        .t_window_ns = 60000,
                        .f_ref_mhz = op.f_mhz,
                        .seed = 5};
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
    for (int r = 0; r < n; r++)
        locked[r] = o->in_locked[r];
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

static void test_locking_range_matches_analytic(void **state)
{
    (void)state;
    /* Bisection on the input frequency for both edges at three amplitudes, all six searches
     * advancing together (one batch of six runs per iteration). */
    ncm_stno_params p = noiseless();
    const double i_ma = 6.0, amps[3] = {0.05, 0.1, 0.15};
    ncm_stno_op op = op_at(&p, i_ma);
    double in[6], out[6], amp[6], hw[3], lo_x[3], hi_x[3];
    ncm_error err = {0};
    for (int a = 0; a < 3; a++) {
        if (ncm_stno_lock_halfwidth(&p, i_ma, amps[a], &hw[a], &err) ||
            ncm_stno_lock_edges(&p, i_ma, amps[a], &lo_x[a], &hi_x[a], &err))
            fail_msg("%s", err.msg);
        for (int e = 0; e < 2; e++) {
            int r = 2 * a + e;
            double sign = e ? 1.0 : -1.0;
            amp[r] = amps[a];
            in[r] = op.f_mhz + sign * 0.8 * hw[a];   /* locked */
            out[r] = op.f_mhz + sign * 1.25 * hw[a]; /* not locked */
        }
    }
    int lk[6];
    lock_runs(&p, i_ma, 6, amp, in, lk);
    for (int r = 0; r < 6; r++)
        if (!lk[r])
            fail_msg("run %d: not locked at 0.8 x the analytic half-range", r);
    lock_runs(&p, i_ma, 6, amp, out, lk);
    for (int r = 0; r < 6; r++)
        if (lk[r])
            fail_msg("run %d: locked at 1.25 x the analytic half-range", r);
    for (int it = 0; it < 9; it++) {
        double mid[6];
        for (int r = 0; r < 6; r++)
            mid[r] = 0.5 * (in[r] + out[r]);
        lock_runs(&p, i_ma, 6, amp, mid, lk);
        for (int r = 0; r < 6; r++)
            (lk[r] ? in : out)[r] = mid[r];
    }
    for (int a = 0; a < 3; a++) {
        double lo = 0.5 * (in[2 * a] + out[2 * a]), hi = 0.5 * (in[2 * a + 1] + out[2 * a + 1]);
        print_message("    F = %.2f MHz: edges %.5f %.5f (exact %.5f %.5f), half-range %.5f, "
                      "Adler %.5f MHz (%+.2f %%)\n",
                      amps[a], lo - op.f_mhz, hi - op.f_mhz, lo_x[a] - op.f_mhz, hi_x[a] - op.f_mhz,
                      0.5 * (hi - lo), hw[a], 100 * (0.5 * (hi - lo) / hw[a] - 1));
        expect_near(lo, lo_x[a], 0.01 * hw[a]);
        expect_near(hi, hi_x[a], 0.01 * hw[a]);
        expect_near(0.5 * (hi - lo) / hw[a], 1.0, 0.05);
    }
}

static void test_locking_range_grows_linearly_and_tends_to_adler(void **state)
{
    (void)state;
    ncm_stno_params p = noiseless();
    ncm_error err = {0};
    double hw1, hw2, lo, hi;
    assert_int_equal(ncm_stno_lock_halfwidth(&p, 6.0, 0.01, &hw1, &err), NCM_OK);
    assert_int_equal(ncm_stno_lock_halfwidth(&p, 6.0, 0.02, &hw2, &err), NCM_OK);
    expect_near(hw2, 2 * hw1, 1e-12);
    ncm_stno_op op = op_at(&p, 6.0);
    expect_near(hw1, sqrt(1 + op.nu * op.nu) * 0.01 / sqrt(op.p0), 1e-12);
    assert_int_equal(ncm_stno_lock_edges(&p, 6.0, 1e-3, &lo, &hi, &err), NCM_OK);
    expect_near(0.5 * (hi - lo), sqrt(1 + op.nu * op.nu) * 1e-3 / sqrt(op.p0), 1e-7);
    /* below threshold there is no oscillation to lock; a quenching input has no saddle-node */
    assert_int_equal(ncm_stno_lock_halfwidth(&p, 3.0, 0.01, &hw1, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "threshold");
    assert_int_equal(ncm_stno_lock_edges(&p, 6.0, 1.0, &lo, &hi, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "quenches");
}

/* ---- mutual locking -------------------------------------------------------------------------- */

/* Two oscillators 0.2 MHz apart (f0), coupled symmetrically by w_mhz with phase beta: whether
 * they end mutually locked, and their mean frequencies. */
static int pair_locks(double w_mhz, double beta, double *f0, double *f1)
{
    ncm_stno_params d[2] = {noiseless(), noiseless()};
    d[1].f0_mhz += 0.2;
    ncm_stno_net *net = net_or_fail(2, d, 2, NULL);
    const double w[4] = {0, w_mhz, w_mhz, 0};
    ncm_error err = {0};
    if (ncm_stno_net_set_coupling(net, 2, 2, w, beta, &err))
        fail_msg("%s", err.msg);
    ncm_stno_batch b = {.n_runs = 1};
    ncm_stno_sim sim = {.dt_ns = 1.0, .t_transient_ns = 20000, .t_window_ns = 40000, .seed = 9};
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
    int locked = o->pair_locked[1];
    assert_int_equal(o->pair_locked[2], locked); /* symmetric */
    *f0 = o->f_mean_mhz[0];
    *f1 = o->f_mean_mhz[1];
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
    return locked;
}

static void test_coupled_pair_locks_above_analytic_threshold_only(void **state)
{
    (void)state;
    ncm_stno_params a = noiseless(), b = noiseless();
    b.f0_mhz += 0.2;
    const double nu = op_at(&a, 6.0).nu;
    /* beta = 0, beta = atan nu (strongest), beta = -atan nu (anti-phase-like locking) */
    const double betas[3] = {0.0, atan(nu), -atan(nu)};
    for (int k = 0; k < 3; k++) {
        double w_th, f0, f1;
        ncm_error err = {0};
        if (ncm_stno_pair_lock_threshold(&a, 6.0, &b, 6.0, betas[k], &w_th, &err))
            fail_msg("%s", err.msg);
        int above = pair_locks(1.2 * w_th, betas[k], &f0, &f1);
        print_message("    beta = %+.3f: W_th = %.4f MHz; 1.2 W_th: locked %d, f %.5f %.5f",
                      betas[k], w_th, above, f0, f1);
        if (!above)
            fail_msg("beta %g: not locked at 1.2 x the threshold %g MHz", betas[k], w_th);
        expect_near(f0, f1, 1e-4);
        int below = pair_locks(0.8 * w_th, betas[k], &f0, &f1);
        print_message("; 0.8 W_th: locked %d, f %.5f %.5f\n", below, f0, f1);
        if (below)
            fail_msg("beta %g: locked at 0.8 x the threshold %g MHz", betas[k], w_th);
    }
}

/* ---- integrator ------------------------------------------------------------------------------ */

/* Final lab-frame states of two coupled, driven oscillators relaxing from off their limit cycles,
 * noise off, integrated over 400 ns at step dt. */
static void final_state(double dt, double *out)
{
    ncm_stno_params d[2] = {noiseless(), noiseless()};
    d[1].f0_mhz += 3.0;
    const double cur[2] = {6.0, 8.0};
    ncm_stno_net *net = net_or_fail(2, d, 2, cur);
    const double w[4] = {0, 1.0, 1.5, 0};
    ncm_error err = {0};
    assert_int_equal(ncm_stno_net_set_coupling(net, 2, 2, w, 0.3, &err), NCM_OK);
    const double f_in = 306.0, amp = 2.0, re[2] = {0.2, 0.0}, im[2] = {0.0, -0.5};
    ncm_stno_batch b = {
        .n_runs = 1, .n_in = 1, .f_in_mhz = &f_in, .amp_mhz = &amp, .init_re = re, .init_im = im};
    /* the frame 8 MHz below the band so that the rotation term matters */
    ncm_stno_sim sim = {.dt_ns = dt, .t_window_ns = 400, .f_ref_mhz = 296.0, .seed = 1};
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
    for (int i = 0; i < 2; i++) {
        out[2 * i] = o->final_re[i];
        out[2 * i + 1] = o->final_im[i];
    }
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

static double dist4(const double *a, const double *b)
{
    double s = 0;
    for (int i = 0; i < 4; i++)
        s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

static void test_heun_converges_at_second_order_without_noise(void **state)
{
    (void)state;
    double c1[4], c2[4], c3[4], c4[4];
    final_state(1.0, c1);
    final_state(0.5, c2);
    final_state(0.25, c3);
    final_state(0.125, c4);
    double e1 = dist4(c1, c2), e2 = dist4(c2, c3), e3 = dist4(c3, c4);
    print_message("    |c(dt) - c(dt/2)|: %.3g %.3g %.3g, ratios %.3f %.3f\n", e1, e2, e3, e1 / e2,
                  e2 / e3);
    expect_near(e1 / e2, 4.0, 0.4);
    expect_near(e2 / e3, 4.0, 0.2);
}

static void test_results_identical_for_1_and_2_threads(void **state)
{
    (void)state;
    ncm_stno_params d[3];
    ncm_error err = {0};
    ncm_stno_params mean = defaults();
    assert_int_equal(ncm_stno_spread(&mean, 3, 4, d, &err), NCM_OK);
    const double cur[3] = {5.5, 6.0, 6.5};
    ncm_stno_net *net = net_or_fail(3, d, 3, cur);
    const double w[9] = {0, 0.3, 0.1, 0.3, 0, 0.2, 0.1, 0.2, 0};
    assert_int_equal(ncm_stno_net_set_coupling(net, 3, 3, w, 0.5, &err), NCM_OK);
    enum { R = 10 };
    double f[2 * R], amp[2 * R];
    for (int r = 0; r < R; r++) {
        f[2 * r] = 295.0 + r, f[2 * r + 1] = 310.0 - 0.5 * r;
        amp[2 * r] = 0.5, amp[2 * r + 1] = 0.3;
    }
    ncm_stno_batch b = {.n_runs = R, .n_in = 2, .f_in_mhz = f, .amp_mhz = amp};
    ncm_stno_sim sim = {.dt_ns = 0.5, .t_transient_ns = 100, .t_window_ns = 400, .seed = 77};
    ncm_stno_obs *o[2];
    ncm_stno_trace *tr[2];
    for (int t = 0; t < 2; t++) { /* threads = 1, 2 */
        assert_non_null(tr[t] = ncm_stno_trace_new(R, 3, &sim, 8, &err));
        o[t] = obs_or_fail(R, 3, 2);
        assert_int_equal(ncm_stno_run(net, &b, &sim, o[t], tr[t], t + 1, NULL, &err), NCM_OK);
    }
    const size_t ro = R * 3, rin = ro * 2, roo = ro * 3;
    assert_memory_equal(o[0]->f_mean_mhz, o[1]->f_mean_mhz, ro * sizeof(double));
    assert_memory_equal(o[0]->p_mean, o[1]->p_mean, ro * sizeof(double));
    assert_memory_equal(o[0]->linewidth_mhz, o[1]->linewidth_mhz, ro * sizeof(double));
    assert_memory_equal(o[0]->final_re, o[1]->final_re, ro * sizeof(double));
    assert_memory_equal(o[0]->final_im, o[1]->final_im, ro * sizeof(double));
    assert_memory_equal(o[0]->in_plv, o[1]->in_plv, rin * sizeof(double));
    assert_memory_equal(o[0]->in_slips, o[1]->in_slips, rin * sizeof(int32_t));
    assert_memory_equal(o[0]->pair_dphase_rad, o[1]->pair_dphase_rad, roo * sizeof(double));
    assert_memory_equal(tr[0]->phase_rad, tr[1]->phase_rad,
                        (size_t)tr[0]->n_samples * ro * sizeof(double));
    /* and a different seed changes them */
    sim.seed = 78;
    ncm_stno_obs *o3 = run_or_fail(net, &b, &sim, NULL);
    assert_true(memcmp(o[0]->final_re, o3->final_re, ro * sizeof(double)) != 0);
    for (int t = 0; t < 2; t++) {
        ncm_stno_obs_free(o[t]);
        ncm_stno_trace_free(tr[t]);
    }
    ncm_stno_obs_free(o3);
    ncm_stno_net_free(net);
}

/* The Box-Muller pair of words (a, b) as the integrator defines it (integrate_kernels.h), in
 * double precision with libm: u rounded to a float as there, theta from the top 24 bits of b. */
static void box_muller_ref(uint32_t a, uint32_t b, double *zc, double *zs)
{
    float u = ((float)(int32_t)(a >> 1) + 0.5f) * 0x1p-31f;
    double r = sqrt(-2.0 * log((double)u));
    double th = 2.0 * M_PI * (((double)(b >> 8) + 0.5) * 0x1p-24);
    *zc = r * cos(th);
    *zs = r * sin(th);
}

static void test_noise_is_philox_and_box_muller(void **state)
{
    (void)state;
    const uint64_t seed = 0x123456789abcull, first = (1ull << 32) - 3; /* streams cross 2^32 */
    const uint64_t ctrs[] = {0, 1, 7, 1000, (1ull << 32) + 5};
    const int best = ncm_stno_kernel(-2);
    uint32_t w0[4][8];
    double z0[4][8];
    for (int v = 0; v <= best; v++) {
        assert_int_equal(ncm_stno_kernel(v), v);
        /* lane r's words are those of ncm_rng (seed, first + r), block ctr */
        for (size_t c = 0; c < sizeof ctrs / sizeof *ctrs; c++) {
            uint32_t words[4][8];
            double z[4][8];
            ncm_stno_noise8(seed, first, ctrs[c], words, z);
            for (int r = 0; r < 8; r++) {
                ncm_rng g;
                ncm_rng_init(&g, seed, first + (uint64_t)r);
                g.ctr[0] = (uint32_t)ctrs[c]; /* jump to block ctr */
                g.ctr[1] = (uint32_t)(ctrs[c] >> 32);
                g.pos = 4;
                for (int k = 0; k < 4; k++)
                    assert_int_equal(words[k][r], ncm_rng_u32(&g));
                /* normals: (z0, z1) from words 0 and 2, (z2, z3) from 1 and 3 */
                for (int h = 0; h < 2; h++) {
                    double zc, zs;
                    box_muller_ref(words[h][r], words[h + 2][r], &zc, &zs);
                    expect_near(z[2 * h][r], zc, 2e-6 * (1.0 + fabs(zc)));
                    expect_near(z[2 * h + 1][r], zs, 2e-6 * (1.0 + fabs(zs)));
                }
            }
            if (c == 3 && v == 0)
                memcpy(w0, words, sizeof w0), memcpy(z0, z, sizeof z0);
            if (c == 3 && v > 0) { /* every variant: the same bits */
                assert_memory_equal(w0, words, sizeof w0);
                assert_memory_equal(z0, z, sizeof z0);
            }
        }
        /* moments and tails of N(0, 1), and no correlation between the pair's parts */
        double m = 0, var = 0, m4 = 0, cross = 0, tail3 = 0, tail4 = 0, zmax = 0;
        const int blocks = 40000, cnt = blocks * 32;
        for (int c = 0; c < blocks; c++) {
            uint32_t words[4][8];
            double z[4][8];
            ncm_stno_noise8(seed + 1, 40, (uint64_t)c, words, z);
            for (int k = 0; k < 4; k++)
                for (int r = 0; r < 8; r++) {
                    double x = z[k][r];
                    m += x, var += x * x, m4 += x * x * x * x;
                    tail3 += fabs(x) > 3.0, tail4 += fabs(x) > 4.0;
                    zmax = fmax(zmax, fabs(x));
                    if (k % 2 == 0)
                        cross += x * z[k + 1][r];
                }
        }
        /* 5 sigma bands: mean 1/sqrt(N), variance sqrt(2/N), kurtosis sqrt(96/N) */
        expect_near(m / cnt, 0.0, 5.0 / sqrt(cnt));
        expect_near(var / cnt, 1.0, 5.0 * sqrt(2.0 / cnt));
        expect_near(m4 / cnt, 3.0, 5.0 * sqrt(96.0 / cnt));
        expect_near(cross / (cnt / 2), 0.0, 5.0 / sqrt(cnt / 2));
        expect_near(tail3 / cnt, 0.0026998, 5.0 * sqrt(0.0027 / cnt));
        expect_near(tail4 / cnt, 6.334e-5, 5.0 * sqrt(6.334e-5 / cnt));
        assert_true(zmax < sqrt(64.0 * M_LN2) + 1e-6);
    }
    ncm_stno_kernel(-1);
}

static void test_kernel_variants_give_identical_results(void **state)
{
    (void)state;
    /* baseline, AVX2 and AVX-512 kernels (those the CPU has), with noise: the same bits, for a
     * specialised even and odd n and for the generic path (n > 8) */
    const int sizes[] = {2, 5, 9};
    const int best = ncm_stno_kernel(-2);
    for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
        const int n = sizes[z];
        ncm_stno_params d[9];
        double w[81];
        for (int i = 0; i < n; i++) {
            d[i] = defaults();
            d[i].f0_mhz += 1.0 * i;
        }
        for (int x = 0; x < n * n; x++)
            w[x] = x % (n + 1) == 0 ? 0.0 : 0.3 + 0.1 * (x % 3);
        ncm_stno_net *net = net_or_fail(n, d, n, NULL);
        ncm_error err = {0};
        assert_int_equal(ncm_stno_net_set_coupling(net, n, n, w, -0.4, &err), NCM_OK);
        enum { R = 11 }; /* a partial vector */
        double f[R], amp[R];
        for (int r = 0; r < R; r++)
            f[r] = 300.0 + r, amp[r] = 0.4;
        ncm_stno_batch b = {.n_runs = R, .n_in = 1, .f_in_mhz = f, .amp_mhz = amp};
        ncm_stno_sim sim = {.dt_ns = 0.5, .t_transient_ns = 200, .t_window_ns = 800, .seed = 21};
        ncm_stno_kernel(0);
        ncm_stno_obs *ref = run_or_fail(net, &b, &sim, NULL);
        const size_t ro = (size_t)R * n * sizeof(double);
        for (int v = 1; v <= best; v++) {
            ncm_stno_kernel(v);
            ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
            assert_memory_equal(ref->final_re, o->final_re, ro);
            assert_memory_equal(ref->final_im, o->final_im, ro);
            assert_memory_equal(ref->f_mean_mhz, o->f_mean_mhz, ro);
            assert_memory_equal(ref->linewidth_mhz, o->linewidth_mhz, ro);
            assert_memory_equal(ref->in_plv, o->in_plv, ro);
            assert_memory_equal(ref->pair_plv, o->pair_plv, ro * n);
            ncm_stno_obs_free(o);
        }
        ncm_stno_kernel(-1);
        ncm_stno_obs_free(ref);
        ncm_stno_net_free(net);
    }
    print_message("    variants compared: %d\n", best + 1);
}

/* A plain complex Heun integration of the network (integrate.c's equations, P_k by cos and
 * sin), in the frame f_ref; returns the lab-frame amplitudes after `steps` steps in c_end. */
static void plain_heun(const ncm_stno_net *net, int m, const double *f_in, const double *amp,
                       const double complex *c0, double f_ref, double dt, int steps,
                       double complex *c_end)
{
    const int n = ncm_stno_net_n_osc(net);
    const double k = 2.0 * M_PI * 1e-3, w_ref = k * f_ref; /* rad/ns per MHz */
    double complex u[16], v[16], a[16], b[16];
    double g0[16], gp[16], om0[16], nn[16];
    for (int i = 0; i < n; i++) {
        const ncm_stno_params *d = ncm_stno_net_device(net, i);
        const double cur = ncm_stno_net_i_dc_ma(net, i);
        ncm_stno_op op;
        ncm_stno_operating_point(d, cur, &op, NULL);
        g0[i] = k * d->gamma_g_mhz * (op.z - 1.0);
        gp[i] = -k * d->gamma_g_mhz * (op.z + d->q);
        om0[i] = k * (d->f0_mhz + d->df_di_mhz_per_ma * (cur - d->i_ref_ma)) - w_ref;
        nn[i] = k * d->n_mhz;
        u[i] = c0[i];
    }
    for (int s = 0; s < steps; s++) {
        for (int pass = 0; pass < 2; pass++) {
            const double t = (s + pass) * dt;
            const double complex *x = pass ? v : u;
            double complex *out = pass ? b : a;
            for (int i = 0; i < n; i++) {
                double p = creal(x[i]) * creal(x[i]) + cimag(x[i]) * cimag(x[i]);
                double complex acc = (g0[i] + gp[i] * p - I * (om0[i] + nn[i] * p)) * x[i];
                for (int j = 0; j < n; j++)
                    acc += k * ncm_stno_net_coupling_mhz(net, i, j) *
                           cexp(I * ncm_stno_net_beta_rad(net)) * x[j];
                for (int q = 0; q < m; q++)
                    acc += k * amp[q] * cexp(-I * (k * f_in[q] - w_ref) * t);
                out[i] = acc;
            }
            if (!pass)
                for (int i = 0; i < n; i++)
                    v[i] = u[i] + a[i] * dt;
        }
        for (int i = 0; i < n; i++)
            u[i] += (a[i] + b[i]) * (0.5 * dt);
    }
    for (int i = 0; i < n; i++)
        c_end[i] = u[i] * cexp(-I * w_ref * steps * dt);
}

static void test_every_network_size_matches_plain_heun(void **state)
{
    (void)state;
    /* the copies specialised for n <= 8 and the generic one (n > 8), coupled and driven, without
     * noise: the same trajectory as the plain integration, to rounding */
    const int sizes[] = {1, 2, 3, 5, 8, 9, 12};
    for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
        const int n = sizes[z], m = 2;
        ncm_stno_params d[12];
        double cur[12], w[144];
        for (int i = 0; i < n; i++) {
            d[i] = noiseless();
            d[i].f0_mhz += 0.7 * i;
            cur[i] = 6.0 + 0.5 * i;
        }
        ncm_stno_net *net = net_or_fail(n, d, n, cur);
        for (int x = 0; x < n * n; x++)
            w[x] = x % (n + 1) == 0 ? 0.0 : 0.05 + 0.01 * (x % 7);
        ncm_error err = {0};
        assert_int_equal(ncm_stno_net_set_coupling(net, n, n, w, 0.3, &err), NCM_OK);
        enum { R = 3 };
        double f[R * 2], amp[R * 2], re[R * 12], im[R * 12];
        for (int r = 0; r < R; r++) {
            f[2 * r] = 305.0 + 2.0 * r, f[2 * r + 1] = 311.0 - r;
            amp[2 * r] = 0.5, amp[2 * r + 1] = 0.3;
            for (int i = 0; i < n; i++) {
                re[r * n + i] = 0.3 + 0.01 * i + 0.05 * r;
                im[r * n + i] = -0.2 + 0.02 * i;
            }
        }
        ncm_stno_batch b = {
            .n_runs = R, .n_in = m, .f_in_mhz = f, .amp_mhz = amp, .init_re = re, .init_im = im};
        const double dt = 0.25;
        ncm_stno_sim sim = {
            .dt_ns = dt, .t_transient_ns = 50, .t_window_ns = 50, .f_ref_mhz = 310.0, .seed = 1};
        ncm_stno_obs *o = run_or_fail(net, &b, &sim, NULL);
        double worst = 0;
        for (int r = 0; r < R; r++) {
            double complex c0[12], c1[12];
            for (int i = 0; i < n; i++)
                c0[i] = re[r * n + i] + I * im[r * n + i];
            plain_heun(net, m, f + 2 * r, amp + 2 * r, c0, 310.0, dt, 400, c1);
            for (int i = 0; i < n; i++)
                worst = fmax(worst,
                             cabs(c1[i] - (o->final_re[r * n + i] + I * o->final_im[r * n + i])));
        }
        print_message("    n = %2d: largest |c - c_plain| %.2g\n", n, worst);
        assert_true(worst < 1e-12);
        ncm_stno_obs_free(o);
        ncm_stno_net_free(net);
    }
}

static void test_vectorised_atan2_matches_libm(void **state)
{
    (void)state;
    /* every kernel variant, around the circle at several radii, and the axes and the origin */
    enum { N = 100003 };
    double *y = malloc(N * sizeof *y), *x = malloc(N * sizeof *x), *out = malloc(N * sizeof *out);
    assert_non_null(y), assert_non_null(x), assert_non_null(out);
    for (int i = 0; i < N; i++) {
        double a = -M_PI + 2 * M_PI * i / (N - 1.0), rad = 0.37 + i % 7;
        y[i] = rad * sin(a), x[i] = rad * cos(a);
    }
    const double special[][2] = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}, {2, 2}, {-3, -3}};
    for (int k = 0; k < 7; k++)
        y[k] = special[k][0], x[k] = special[k][1];
    const int best = ncm_stno_kernel(-2);
    for (int v = 0; v <= best; v++) {
        ncm_stno_kernel(v);
        ncm_stno_atan2_lanes(y, x, out, N);
        double worst = 0;
        for (int i = 0; i < N; i++)
            worst = fmax(worst, fabs(out[i] - atan2(y[i], x[i])));
        print_message("    variant %d: largest error %.2g rad\n", v, worst);
        assert_true(worst < 1e-15);
        expect_near(out[0], 0.0, 0.0); /* atan2(0, 0) = 0 */
    }
    ncm_stno_kernel(-1);
    free(y), free(x), free(out);
}

static void test_trace_holds_the_emitted_signal(void **state)
{
    (void)state;
    ncm_stno_params p = noiseless();
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    ncm_stno_batch b = {.n_runs = 2};
    ncm_stno_sim sim = {.dt_ns = 0.5, .t_transient_ns = 100, .t_window_ns = 1000, .seed = 2};
    ncm_error err = {0};
    ncm_stno_trace *tr = ncm_stno_trace_new(2, 1, &sim, 20, &err);
    assert_non_null(tr);
    assert_int_equal(tr->n_samples, 1100 / 10 + 1);
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, tr);
    ncm_stno_op op = op_at(&p, p.i_ref_ma);
    for (int r = 0; r < 2; r++) {
        const double *ph = tr->phase_rad + (size_t)r * tr->n_samples;
        int last = tr->n_samples - 1, first = 100 / 10; /* the window's start, 100 ns */
        double f =
            (ph[last] - ph[first]) / (tr->t_ns[last] - tr->t_ns[first]) / NCM_STNO_RADNS_PER_MHZ;
        expect_near(f, o->f_mean_mhz[r], 1e-9);
        /* within Heun's power error p0 y^2 / 2 (6 MHz from the frame at dt 0.5 ns: 4e-5) */
        expect_near(tr->p[(size_t)r * tr->n_samples + last], op.p0, 1e-4);
        expect_near(tr->v_mv[(size_t)r * tr->n_samples + last], op.v_rf_mv, 1e-2);
        expect_near(tr->v_mv[(size_t)r * tr->n_samples + last],
                    p.i_ref_ma * p.dr_ohm * sqrt(tr->p[(size_t)r * tr->n_samples + last]), 1e-12);
        /* the final state's phase is the trace's last phase */
        double phi = -atan2(o->final_im[r], o->final_re[r]);
        expect_near(remainder(phi - ph[last], 2 * M_PI), 0.0, 1e-6);
    }
    ncm_stno_trace_free(tr);
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

static void test_spread_draws_reproducible_individual_devices(void **state)
{
    (void)state;
    ncm_stno_params mean = defaults(), d1[200], d2[200];
    ncm_error err = {0};
    assert_int_equal(ncm_stno_spread(&mean, 200, 9, d1, &err), NCM_OK);
    assert_int_equal(ncm_stno_spread(&mean, 200, 9, d2, &err), NCM_OK);
    assert_memory_equal(d1, d2, sizeof d1);
    double s = 0, s2 = 0;
    for (int i = 0; i < 200; i++) {
        s += d1[i].f0_mhz;
        s2 += d1[i].f0_mhz * d1[i].f0_mhz;
        assert_true(d1[i].f0_sigma_mhz == 0.0);
    }
    double sd = sqrt(s2 / 200 - (s / 200) * (s / 200));
    expect_near(s / 200, mean.f0_mhz, 4 * mean.f0_sigma_mhz / sqrt(200));
    expect_near(sd, mean.f0_sigma_mhz, 0.2 * mean.f0_sigma_mhz);
}

/* ---- bad input ------------------------------------------------------------------------------- */

static void expect_refused(ncm_status s, ncm_status want, const ncm_error *err, const char *needle)
{
    assert_int_equal(s, want);
    assert_int_equal(err->code, want);
    assert_contains(err->msg, needle);
}

static void test_negative_damping_refused(void **state)
{
    (void)state;
    ncm_stno_params p = defaults();
    p.gamma_g_mhz = -1.0;
    ncm_error err = {0};
    assert_null(ncm_stno_net_new(2, &p, 1, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg, "damping.gamma_g_mhz");
    p = defaults();
    p.q = -0.5;
    expect_refused(ncm_stno_check(&p, "dev.json", &err), NCM_ERR_ARG, &err, "damping.q");
    assert_contains(err.msg, "dev.json");
}

static void test_negative_temperature_refused(void **state)
{
    (void)state;
    ncm_stno_params p = defaults();
    p.temperature_k = -5.0;
    ncm_error err = {0};
    ncm_stno_op op;
    expect_refused(ncm_stno_operating_point(&p, 6.0, &op, &err), NCM_ERR_ARG, &err,
                   "thermal.temperature_k");
    assert_contains(err.msg, ">= 0");
}

static void test_nan_parameter_refused(void **state)
{
    (void)state;
    ncm_stno_params p = defaults();
    p.n_mhz = NAN;
    ncm_error err = {0};
    expect_refused(ncm_stno_check(&p, NULL, &err), NCM_ERR_ARG, &err, "frequency.n_mhz");
    assert_contains(err.msg, "finite");
}

/* Runs one oscillator with sim and returns the status. */
static ncm_status run_status(const ncm_stno_sim *sim, ncm_error *err)
{
    ncm_stno_params p = noiseless();
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    const double f = 320.0, amp = 0.1;
    ncm_stno_batch b = {.n_runs = 1, .n_in = 1, .f_in_mhz = &f, .amp_mhz = &amp};
    ncm_stno_obs *o = obs_or_fail(1, 1, 1);
    ncm_status s = ncm_stno_run(net, &b, sim, o, NULL, 0, NULL, err);
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
    return s;
}

static void test_zero_or_negative_step_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_stno_sim sim = {.dt_ns = 0.0, .t_window_ns = 100};
    expect_refused(run_status(&sim, &err), NCM_ERR_ARG, &err, "dt_ns must be > 0");
    sim.dt_ns = -0.5;
    expect_refused(run_status(&sim, &err), NCM_ERR_ARG, &err, "dt_ns must be > 0");
    sim.dt_ns = NAN;
    expect_refused(run_status(&sim, &err), NCM_ERR_ARG, &err, "dt_ns");
    sim.dt_ns = 1.0, sim.t_window_ns = 0.4;
    expect_refused(run_status(&sim, &err), NCM_ERR_ARG, &err, "t_window_ns");
}

static void test_too_large_step_refused_with_the_limit(void **state)
{
    (void)state;
    ncm_error err = {0};
    /* input at 320 MHz, band 300..320 MHz: the automatic frame is in the middle, and the
     * damping bound G_G (1 + 3 Q + 2 z) = 28 MHz sets the largest step, 0.5 / 0.176 = 2.84 ns */
    ncm_stno_sim sim = {.dt_ns = 5.0, .t_window_ns = 1000};
    expect_refused(run_status(&sim, &err), NCM_ERR_ARG, &err, "dt_ns = 5 is too large");
    assert_contains(err.msg, "stability limit 0.5; largest allowed step 2.842 ns");
    print_message("    %s\n", err.msg);
    /* a frame far from the band: the rotation limit */
    sim.dt_ns = 1.0, sim.f_ref_mhz = 500.0;
    expect_refused(run_status(&sim, &err), NCM_ERR_ARG, &err, "|w - w_ref| dt = 1.26 rad");
    assert_contains(err.msg, "above the limit 0.25 rad; largest allowed step 0.1989 ns");
    print_message("    %s\n", err.msg);
    sim.dt_ns = 0.19;
    assert_int_equal(run_status(&sim, &err), NCM_OK);
    /* strong coupling: the damping limit */
    ncm_stno_params p = noiseless();
    ncm_stno_net *net = net_or_fail(2, &p, 1, NULL);
    const double w[4] = {0, 200, 200, 0};
    assert_int_equal(ncm_stno_net_set_coupling(net, 2, 2, w, 0, &err), NCM_OK);
    ncm_stno_batch b = {.n_runs = 1};
    double dt_max;
    assert_int_equal(ncm_stno_max_dt(net, &b, 0, &dt_max, &err), NCM_OK);
    ncm_stno_sim s2 = {.dt_ns = 1.01 * dt_max, .t_window_ns = 100};
    ncm_stno_obs *o = obs_or_fail(1, 2, 0);
    expect_refused(ncm_stno_run(net, &b, &s2, o, NULL, 0, NULL, &err), NCM_ERR_ARG, &err,
                   "stability limit 0.5");
    /* The largest step passes the step check. This coupling (200 MHz against a 4 MHz damping)
     * drives p to about 20, beyond the p <= 1 the damping bound assumes, and Heun overflows at
     * the bound itself: that result is refused as diverged, never handed out as NaN. */
    s2.dt_ns = dt_max;
    ncm_status st = ncm_stno_run(net, &b, &s2, o, NULL, 0, NULL, &err);
    if (st != NCM_OK && !(st == NCM_ERR_STATE && strstr(err.msg, "diverged")))
        fail_msg("the largest allowed step: status %d, \"%s\"", st, err.msg);
    s2.dt_ns = 0.5 * dt_max;
    assert_int_equal(ncm_stno_run(net, &b, &s2, o, NULL, 0, NULL, &err), NCM_OK);
    assert_true(isfinite(o->p_mean[0]) && isfinite(o->f_mean_mhz[1]));
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

/* Noise far beyond the model (E0 of 1e-300 eV) makes the integration overflow: the run fails,
 * naming the device's fields, instead of handing out NaN observables. */
static void test_run_refuses_a_diverged_result_naming_the_device(void **state)
{
    (void)state;
    ncm_stno_params p = defaults();
    p.e0_ev = 1e-300;
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    ncm_stno_batch b = {.n_runs = 1};
    ncm_stno_sim sim = {.dt_ns = 0.5, .t_window_ns = 100};
    ncm_stno_obs *o = obs_or_fail(1, 1, 0);
    ncm_error err = {0};
    expect_refused(ncm_stno_run(net, &b, &sim, o, NULL, 0, NULL, &err), NCM_ERR_STATE, &err,
                   "the simulation diverged");
    assert_contains(err.msg, "e0_ev = 1e-300");
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

/* Work far beyond any study is refused before it starts, with the figure and the limit. */
static void test_run_refuses_absurd_work_with_the_figure(void **state)
{
    (void)state;
    ncm_stno_params p = noiseless();
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    ncm_stno_batch b = {.n_runs = 1};
    ncm_stno_sim sim = {.dt_ns = 1e-6, .t_window_ns = 1e9};
    ncm_stno_obs *o = obs_or_fail(1, 1, 0);
    ncm_error err = {0};
    expect_refused(ncm_stno_run(net, &b, &sim, o, NULL, 0, NULL, &err), NCM_ERR_ARG, &err,
                   "t_window_ns = 1e+09");
    assert_contains(err.msg, "= 1e+15 oscillator-steps, more than the 1e+14");
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

/* A trace beyond its limit (tens of GB) is refused with the figure, naming the stride. */
static void test_trace_beyond_its_limit_refused_with_the_figure(void **state)
{
    (void)state;
    ncm_stno_sim sim = {.dt_ns = 0.5, .t_window_ns = 1e9};
    ncm_error err = {0};
    assert_null(ncm_stno_trace_new(1, 16, &sim, 4, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg, "trace: stride = 4: 500000001 samples x 1 runs x 16 oscillators");
    assert_contains(err.msg, "more than the 100000000 a trace may hold");
}

/* Observables whose memory would pass the limit (n^2 pairs per run) are refused before any
 * allocation. */
static void test_observables_beyond_their_memory_limit_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    assert_null(ncm_stno_obs_new(488, 1024, 1, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg, "observables: 488 runs x 1024 oscillators");
    assert_contains(err.msg, "more than the 4 GB");
}

static void test_non_square_coupling_matrix_refused(void **state)
{
    (void)state;
    ncm_stno_params p = defaults();
    ncm_stno_net *net = net_or_fail(2, &p, 1, NULL);
    const double w[6] = {0, 1, 1, 0, 1, 1};
    ncm_error err = {0};
    expect_refused(ncm_stno_net_set_coupling(net, 3, 2, w, 0, &err), NCM_ERR_ARG, &err,
                   "must be square");
    assert_contains(err.msg, "3 x 2");
    expect_refused(ncm_stno_net_set_coupling(net, 1, 1, w, 0, &err), NCM_ERR_ARG, &err,
                   "must be 2 x 2");
    ncm_stno_net_free(net);
}

static void test_bad_batch_refused(void **state)
{
    (void)state;
    ncm_stno_params p = defaults();
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    ncm_stno_sim sim = {.dt_ns = 0.5, .t_window_ns = 100};
    ncm_stno_obs *o = obs_or_fail(1, 1, 1);
    ncm_error err = {0};
    double f = 300.0, amp = -1.0;
    ncm_stno_batch b = {.n_runs = 1, .n_in = 1, .f_in_mhz = &f, .amp_mhz = &amp};
    expect_refused(ncm_stno_run(net, &b, &sim, o, NULL, 0, NULL, &err), NCM_ERR_ARG, &err,
                   "run 0, input 0: amplitude");
    const double cur = INFINITY;
    amp = 0.1;
    b.i_dc_ma = &cur;
    expect_refused(ncm_stno_run(net, &b, &sim, o, NULL, 0, NULL, &err), NCM_ERR_ARG, &err,
                   "DC current must be finite");
    b.i_dc_ma = NULL, b.n_in = 0;
    expect_refused(ncm_stno_run(net, &b, &sim, o, NULL, 0, NULL, &err), NCM_ERR_ARG, &err,
                   "observables allocated for");
    ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

/* ---- network from a spec, automatic settings ------------------------------------------------- */

static void test_net_from_spec_builds_the_command_line_network(void **state)
{
    (void)state;
    ncm_stno_net_spec s;
    ncm_stno_net_spec_default(&s);
    s.n_osc = 3, s.spread = 1, s.spread_seed = 4, s.w_mhz = 0.2, s.beta_rad = 0.5;
    ncm_error err = {0};
    ncm_stno_net *net = ncm_stno_net_from_spec(&s, &err);
    if (!net)
        fail_msg("%s", err.msg);
    ncm_stno_params d[3];
    assert_int_equal(ncm_stno_spread(&s.device, 3, 4, d, &err), NCM_OK);
    assert_int_equal(ncm_stno_net_n_osc(net), 3);
    for (int i = 0; i < 3; i++) {
        assert_memory_equal(ncm_stno_net_device(net, i), &d[i], sizeof d[i]);
        expect_near(ncm_stno_net_i_dc_ma(net, i), NCM_STNO_DEFAULT_Z * d[i].i_th_ma, 0.0);
        for (int j = 0; j < 3; j++)
            expect_near(ncm_stno_net_coupling_mhz(net, i, j), i == j ? 0.0 : 0.2, 0.0);
    }
    expect_near(ncm_stno_net_beta_rad(net), 0.5, 0.0);
    assert_null(ncm_stno_net_device(net, 3));
    assert_true(isnan(ncm_stno_net_i_dc_ma(net, -1)));
    ncm_stno_net_free(net);
    /* one current for all, no spread */
    s.spread = 0, s.i_dc_ma = 7.0;
    assert_non_null(net = ncm_stno_net_from_spec(&s, &err));
    assert_memory_equal(ncm_stno_net_device(net, 2), &s.device, sizeof s.device);
    expect_near(ncm_stno_net_i_dc_ma(net, 2), 7.0, 0.0);
    ncm_stno_net_free(net);
}

static void test_bad_net_spec_refused_naming_the_field(void **state)
{
    (void)state;
    ncm_stno_net_spec s;
    ncm_stno_net_spec_default(&s);
    s.n_osc = 0;
    ncm_error err = {0};
    assert_null(ncm_stno_net_from_spec(&s, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg, "ncm_stno_net_spec.n_osc = 0");
    ncm_stno_net_spec_default(&s);
    s.w_mhz = NAN;
    expect_refused(ncm_stno_net_spec_check(&s, NULL, &err), NCM_ERR_ARG, &err,
                   "ncm_stno_net_spec.w_mhz");
    ncm_stno_net_spec_default(&s);
    s.device.gamma_g_mhz = 0.0;
    expect_refused(ncm_stno_net_spec_check(&s, "net", &err), NCM_ERR_ARG, &err,
                   "damping.gamma_g_mhz");
    assert_contains(err.msg, "net.device");
}

static void test_free_functions_accept_null(void **state)
{
    (void)state;
    ncm_stno_net_free(NULL);
    ncm_stno_obs_free(NULL);
    ncm_stno_trace_free(NULL);
    ncm_stno_lock_map_free(NULL);
}

static void test_sim_resolve_fills_the_automatic_step_and_frame(void **state)
{
    (void)state;
    ncm_stno_params p = noiseless();
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    const double f = 320.0, amp = 0.1;
    ncm_stno_batch b = {.n_runs = 1, .n_in = 1, .f_in_mhz = &f, .amp_mhz = &amp};
    ncm_stno_sim sim;
    ncm_stno_sim_default(&sim);
    expect_near(sim.t_window_ns, 20000, 0), expect_near(sim.t_transient_ns, 2000, 0);
    assert_true(sim.dt_ns == 0.0 && sim.f_ref_mhz == 0.0 && sim.seed == 1);
    ncm_error err = {0};
    double f_ref, dt_max;
    assert_int_equal(ncm_stno_sim_resolve(net, &b, &sim, &err), NCM_OK);
    assert_int_equal(ncm_stno_auto_f_ref(net, &b, &f_ref, &err), NCM_OK);
    assert_int_equal(ncm_stno_max_dt(net, &b, f_ref, &dt_max, &err), NCM_OK);
    expect_near(sim.f_ref_mhz, f_ref, 0.0);
    expect_near(sim.dt_ns, NCM_STNO_AUTO_DT_FRACTION * dt_max, 0.0);
    /* given values stay */
    ncm_stno_sim given = {.dt_ns = 0.3, .f_ref_mhz = 305.0, .t_window_ns = 100};
    assert_int_equal(ncm_stno_sim_resolve(net, &b, &given, &err), NCM_OK);
    expect_near(given.dt_ns, 0.3, 0.0);
    expect_near(given.f_ref_mhz, 305.0, 0.0);
    ncm_stno_net_free(net);
}

/* ---- progress and cancellation --------------------------------------------------------------- */

typedef struct {
    int calls, cancel_at; /* cancel at this call (0: never) */
    int64_t last_done, total;
    int monotonic;
    char task[32];
} progress_log;

static int log_progress(void *user, const char *task, int64_t done, int64_t total)
{
    progress_log *l = user;
    l->calls++;
    l->monotonic &= done >= l->last_done && done <= total;
    l->last_done = done, l->total = total;
    snprintf(l->task, sizeof l->task, "%s", task);
    return l->cancel_at && l->calls >= l->cancel_at;
}

/* 200 runs of one oscillator on one thread: 4 blocks of up to 64 runs. */
static ncm_stno_net *blocks_setup(ncm_stno_batch *b, ncm_stno_sim *sim)
{
    ncm_stno_params p = defaults();
    *b = (ncm_stno_batch){.n_runs = 200};
    *sim = (ncm_stno_sim){.dt_ns = 1.0, .t_transient_ns = 20, .t_window_ns = 100, .seed = 3};
    return net_or_fail(1, &p, 1, NULL);
}

static void test_run_reports_progress_between_blocks_with_unchanged_results(void **state)
{
    (void)state;
    ncm_stno_batch b;
    ncm_stno_sim sim;
    ncm_stno_net *net = blocks_setup(&b, &sim);
    ncm_stno_obs *ref = obs_or_fail(200, 1, 0), *o = obs_or_fail(200, 1, 0);
    ncm_error err = {0};
    assert_int_equal(ncm_stno_run(net, &b, &sim, ref, NULL, 2, NULL, &err), NCM_OK);
    /* groups sized by their duration: these blocks are fast, so one or a few */
    progress_log l = {.monotonic = 1};
    ncm_progress pr = {log_progress, &l};
    assert_int_equal(ncm_stno_run(net, &b, &sim, o, NULL, 1, &pr, &err), NCM_OK);
    assert_true(l.calls >= 2 && l.calls <= 5);
    assert_true(l.monotonic);
    assert_int_equal(l.last_done, 200);
    assert_int_equal(l.total, 200);
    assert_string_equal(l.task, "stno run");
    assert_memory_equal(ref->final_re, o->final_re, 200 * sizeof(double));
    /* a report after every block (as for long blocks): before the first and after each */
    ncm_stno_force_group_blocks(1);
    l = (progress_log){.monotonic = 1};
    memset(o->final_re, 0, 200 * sizeof(double));
    assert_int_equal(ncm_stno_run(net, &b, &sim, o, NULL, 1, &pr, &err), NCM_OK);
    ncm_stno_force_group_blocks(0);
    assert_int_equal(l.calls, 5);
    assert_true(l.monotonic);
    assert_int_equal(l.last_done, 200);
    assert_memory_equal(ref->final_re, o->final_re, 200 * sizeof(double));
    assert_memory_equal(ref->f_mean_mhz, o->f_mean_mhz, 200 * sizeof(double));
    ncm_stno_obs_free(ref), ncm_stno_obs_free(o);
    ncm_stno_net_free(net);
}

static void test_cancelled_run_returns_cancelled(void **state)
{
    (void)state;
    ncm_stno_batch b;
    ncm_stno_sim sim;
    ncm_stno_net *net = blocks_setup(&b, &sim);
    ncm_error err = {0};
    ncm_stno_force_group_blocks(1);
    for (int at = 1; at <= 2; at++) { /* before any block, after the first */
        ncm_stno_obs *o = obs_or_fail(200, 1, 0);
        progress_log l = {.cancel_at = at, .monotonic = 1};
        ncm_progress pr = {log_progress, &l};
        expect_refused(ncm_stno_run(net, &b, &sim, o, NULL, 1, &pr, &err), NCM_ERR_CANCELLED, &err,
                       "stno run: cancelled");
        assert_int_equal(l.calls, at);
        /* the first block's runs are done, the next blocks' not begun */
        assert_true(at == 1 ? o->p_mean[0] == 0.0 : o->p_mean[0] > 0.0);
        assert_true(o->p_mean[64] == 0.0);
        ncm_stno_obs_free(o);
    }
    ncm_stno_force_group_blocks(0);
    ncm_stno_net_free(net);
}

/* ---- locking map ----------------------------------------------------------------------------- */

/* A noiseless oscillator at 6 mA: its network, and settings long enough that an unlocked run
 * slips within the window even close to the tongue's edge. */
static ncm_stno_net *map_net(void)
{
    ncm_stno_params p = noiseless();
    const double i_ma = 6.0;
    return net_or_fail(1, &p, 1, &i_ma);
}

static void test_lock_map_locked_inside_the_analytic_tongue_only(void **state)
{
    (void)state;
    ncm_stno_net *net = map_net();
    const ncm_stno_params *p = ncm_stno_net_device(net, 0);
    const double amp[2] = {0.1, 0.2};
    double f[25];
    const double f_free = op_at(p, 6.0).f_mhz;
    for (int k = 0; k < 25; k++) /* +-1.5 MHz: beyond the wider tongue (half-range ~1 MHz) */
        f[k] = f_free - 1.5 + 0.125 * k;
    ncm_stno_sim sim;
    ncm_stno_sim_default(&sim);
    ncm_error err = {0};
    ncm_stno_lock_map *m = ncm_stno_lock_map_new(net, f, 25, amp, 2, &sim, 0, NULL, &err);
    if (!m)
        fail_msg("%s", err.msg);
    assert_int_equal(m->n_f, 25), assert_int_equal(m->n_amp, 2), assert_int_equal(m->n_osc, 1);
    expect_near(m->f_free_mhz[0], f_free, 0.0);
    expect_near(m->i_dc_ma[0], 6.0, 0.0);
    assert_true(m->sim.dt_ns > 0.0 && m->sim.f_ref_mhz > 0.0); /* resolved */
    int inside = 0, outside = 0;
    for (int a = 0; a < 2; a++) {
        double lo, hi;
        assert_int_equal(ncm_stno_lock_edges(p, 6.0, amp[a], &lo, &hi, &err), NCM_OK);
        expect_near(m->analytic_lo_mhz[a], lo, 0.0);
        expect_near(m->analytic_hi_mhz[a], hi, 0.0);
        const double w = hi - lo;
        double mlo = NAN, mhi = NAN;
        for (int k = 0; k < 25; k++) {
            const int lk = m->locked[a * 25 + k];
            assert_int_equal(lk, m->obs->in_locked[a * 25 + k]);
            if (f[k] > lo + 0.05 * w && f[k] < hi - 0.05 * w) {
                if (!lk)
                    fail_msg("F = %g: %g MHz inside the tongue [%g, %g] not locked", amp[a], f[k],
                             lo, hi);
                inside++;
            } else if (f[k] < lo - 0.05 * w || f[k] > hi + 0.05 * w) {
                if (lk)
                    fail_msg("F = %g: %g MHz outside the tongue [%g, %g] locked", amp[a], f[k], lo,
                             hi);
                outside++;
            }
            if (lk) {
                mlo = isnan(mlo) ? f[k] : mlo;
                mhi = f[k];
            }
        }
        expect_near(m->measured_lo_mhz[a], mlo, 0.0);
        expect_near(m->measured_hi_mhz[a], mhi, 0.0);
    }
    print_message("    %d grid points inside the tongues locked, %d outside unlocked\n", inside,
                  outside);
    assert_true(inside >= 10 && outside >= 20);
    ncm_stno_lock_map_free(m);
    ncm_stno_net_free(net);
}

static void test_zero_amplitude_gives_no_locking_range(void **state)
{
    (void)state;
    /* the analytic range shrinks to the free-running frequency */
    ncm_stno_params p = noiseless();
    ncm_error err = {0};
    double lo, hi;
    assert_int_equal(ncm_stno_lock_edges(&p, 6.0, 0.0, &lo, &hi, &err), NCM_OK);
    expect_near(lo, op_at(&p, 6.0).f_mhz, 0.0);
    expect_near(hi, lo, 0.0);
    expect_refused(ncm_stno_lock_edges(&p, 6.0, -0.1, &lo, &hi, &err), NCM_ERR_ARG, &err,
                   "amp_mhz = -0.1");
    /* a short window at 300 K, inputs within the tolerance of f_free: the frequencies match and
     * the beat is too slow to slip, but an input of amplitude 0 does not lock anything */
    ncm_stno_params d = defaults();
    ncm_stno_net *net = net_or_fail(1, &d, 1, NULL);
    const double f_free = op_at(&d, d.i_ref_ma).f_mhz, amp[2] = {0.0, 0.05};
    double f[9];
    for (int k = 0; k < 9; k++)
        f[k] = f_free - 0.2 + 0.05 * k;
    ncm_stno_sim sim = {.t_transient_ns = 2000, .t_window_ns = 2000, .seed = 1};
    ncm_stno_lock_map *m = ncm_stno_lock_map_new(net, f, 9, amp, 2, &sim, 0, NULL, &err);
    if (!m)
        fail_msg("%s", err.msg);
    int locked_weak = 0;
    for (int k = 0; k < 9; k++) {
        assert_int_equal(m->locked[k], 0);
        locked_weak += m->locked[9 + k];
    }
    assert_true(isnan(m->measured_lo_mhz[0]) && isnan(m->measured_hi_mhz[0]));
    expect_near(m->analytic_lo_mhz[0], f_free, 0.0);
    expect_near(m->analytic_hi_mhz[0], f_free, 0.0);
    assert_true(locked_weak > 0); /* a weak input still locks near f_free */
    ncm_stno_lock_map_free(m);
    ncm_stno_net_free(net);
}

/* A grid of more runs than a map may have is refused, with the figure, before allocating. */
static void test_lock_map_of_too_many_runs_refused(void **state)
{
    (void)state;
    ncm_stno_params p = noiseless();
    ncm_stno_net *net = net_or_fail(1, &p, 1, NULL);
    enum { NF = 10001 };
    double *f = malloc(sizeof(double) * NF), *amp = malloc(sizeof(double) * NF);
    assert_non_null(f);
    assert_non_null(amp);
    for (int k = 0; k < NF; k++)
        f[k] = 300 + 1e-4 * k, amp[k] = 1e-3 * k;
    ncm_stno_sim sim = {.dt_ns = 0.5, .t_window_ns = 100};
    ncm_error err = {0};
    ncm_stno_lock_map *m = ncm_stno_lock_map_new(net, f, NF, amp, NF, &sim, 0, NULL, &err);
    free(f), free(amp);
    ncm_stno_net_free(net);
    assert_null(m);
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg, "n_f = 10001 x n_amp = 10001 = 100020001 runs, more than the 1000000");
}

static void test_bad_lock_map_grid_refused(void **state)
{
    (void)state;
    ncm_stno_net *net = map_net();
    ncm_stno_sim sim;
    ncm_stno_sim_default(&sim);
    const double f[2] = {300.0, -1.0}, amp[2] = {0.1, NAN};
    ncm_error err = {0};
    assert_null(ncm_stno_lock_map_new(net, f, 2, amp, 1, &sim, 0, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg, "f_mhz[1] = -1");
    assert_null(ncm_stno_lock_map_new(net, f, 1, amp, 2, &sim, 0, NULL, &err));
    assert_contains(err.msg, "amp_mhz[1] = nan");
    assert_null(ncm_stno_lock_map_new(net, f, 0, amp, 1, &sim, 0, NULL, &err));
    assert_contains(err.msg, "n_f = 0");
    sim.dt_ns = 100.0; /* the step's error, once (it used to be freed twice) */
    assert_null(ncm_stno_lock_map_new(net, f, 1, amp, 1, &sim, 0, NULL, &err));
    assert_contains(err.msg, "dt_ns = 100 is too large");
    ncm_stno_net_free(net);
}

/* A small map of two coupled oscillators (short window, noise on). */
static ncm_stno_lock_map *small_map(ncm_stno_net **net, const ncm_progress *progress,
                                    ncm_error *err)
{
    ncm_stno_net_spec s;
    ncm_stno_net_spec_default(&s);
    s.n_osc = 2, s.w_mhz = 0.1;
    *net = ncm_stno_net_from_spec(&s, err);
    assert_non_null(*net);
    const double f[3] = {303.5, 304.0, 304.5}, amp[2] = {0.0, 0.2};
    ncm_stno_sim sim = {.t_transient_ns = 200, .t_window_ns = 1000, .seed = 5};
    return ncm_stno_lock_map_new(*net, f, 3, amp, 2, &sim, 0, progress, err);
}

static int count_fields(const char *line)
{
    int n = 1;
    for (const char *c = line; *c && *c != '\n'; c++)
        n += *c == ',';
    return n;
}

static void test_lock_map_csv_has_the_expected_columns(void **state)
{
    (void)state;
    ncm_stno_net *net;
    ncm_error err = {0};
    ncm_stno_lock_map *m = small_map(&net, NULL, &err);
    if (!m)
        fail_msg("%s", err.msg);
    const char *path = tpath("map.csv");
    assert_int_equal(ncm_stno_lock_map_save_csv(m, path, &err), NCM_OK);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[512];
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "osc,amp_mhz,f_in_mhz,f_mean_mhz,p_mean,plv,slips,locked,"
                              "analytic_lo_mhz,analytic_hi_mhz\n");
    int rows = 0;
    while (fgets(line, sizeof line, fp)) {
        assert_int_equal(count_fields(line), 10);
        int osc, slips, locked;
        double amp, f, fm, pm, plv, alo, ahi;
        assert_int_equal(sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%d,%d,%lf,%lf", &osc, &amp, &f, &fm,
                                &pm, &plv, &slips, &locked, &alo, &ahi),
                         10);
        /* rows run over amplitude, frequency, oscillator */
        const int a = rows / 6, k = rows / 2 % 3, i = rows % 2;
        assert_int_equal(osc, i);
        expect_near(amp, m->amp_mhz[a], 0.0);
        expect_near(f, m->f_mhz[k], 1e-6);
        assert_int_equal(locked, m->locked[rows]);
        expect_near(alo, m->analytic_lo_mhz[i * 2 + a], 1e-6);
        expect_near(fm, m->obs->f_mean_mhz[rows], 1e-6);
        if (a == 0)
            assert_int_equal(locked, 0);
        rows++;
    }
    fclose(fp);
    assert_int_equal(rows, 2 * 3 * 2);
    ncm_stno_lock_map_free(m);
    ncm_stno_net_free(net);
}

/* The JSON value of key in o, which must be there. */
static const cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it)
        fail_msg("JSON: no \"%s\"", key);
    return it;
}

static cJSON *parse_file(const char *path)
{
    size_t n;
    uint8_t *text = read_all(path, &n);
    text[n] = 0;
    cJSON *root = cJSON_Parse((const char *)text);
    free(text);
    if (!root)
        fail_msg("%s: not JSON", path);
    return root;
}

static void test_lock_map_json_has_tongues_and_producer(void **state)
{
    (void)state;
    ncm_stno_net *net;
    ncm_error err = {0};
    ncm_stno_lock_map *m = small_map(&net, NULL, &err);
    if (!m)
        fail_msg("%s", err.msg);
    const char *path = tpath("map.json");
    assert_int_equal(ncm_stno_lock_map_save_json(m, path, &err), NCM_OK);
    cJSON *root = parse_file(path);
    assert_string_equal(item(root, "format")->valuestring, "nanocim-stno-lock-map");
    expect_near(item(root, "version")->valuedouble, 1, 0);
    assert_contains(item(root, "producer")->valuestring, "nanocim ");
    assert_string_equal(item(root, "device")->valuestring, "vortex-mtj");
    expect_near(item(root, "seed")->valuedouble, 5, 0);
    expect_near(item(item(root, "settings"), "dt_ns")->valuedouble, m->sim.dt_ns, 0.0);
    assert_int_equal(cJSON_GetArraySize(item(root, "f_in_mhz")), 3);
    assert_int_equal(cJSON_GetArraySize(item(root, "oscillators")), 2);
    const cJSON *t = item(root, "tongues");
    assert_int_equal(cJSON_GetArraySize(t), 2 * 2);
    for (int e = 0; e < 4; e++) {
        const cJSON *x = cJSON_GetArrayItem(t, e);
        const int i = e / 2, a = e % 2;
        expect_near(item(x, "osc")->valuedouble, i, 0);
        expect_near(item(x, "amp_mhz")->valuedouble, m->amp_mhz[a], 0.0);
        const char *keys[4] = {"measured_lo_mhz", "measured_hi_mhz", "analytic_lo_mhz",
                               "analytic_hi_mhz"};
        const double *vals[4] = {m->measured_lo_mhz, m->measured_hi_mhz, m->analytic_lo_mhz,
                                 m->analytic_hi_mhz};
        for (int q = 0; q < 4; q++) {
            const cJSON *v = item(x, keys[q]);
            if (isnan(vals[q][e]))
                assert_true(cJSON_IsNull(v));
            else
                expect_near(v->valuedouble, vals[q][e], 0.0); /* exact */
        }
        if (a == 0) /* no input: no measured range */
            assert_true(cJSON_IsNull(item(x, "measured_lo_mhz")));
    }
    cJSON_Delete(root);
    ncm_stno_lock_map_free(m);
    ncm_stno_net_free(net);
}

static void test_cancelled_lock_map_returns_cancelled_and_leaves_no_output(void **state)
{
    (void)state;
    ncm_stno_net *net;
    ncm_error err = {0};
    progress_log l = {.cancel_at = 1, .monotonic = 1};
    ncm_progress pr = {log_progress, &l};
    const char *path = tpath("cancelled.csv");
    ncm_stno_lock_map *m = small_map(&net, &pr, &err);
    if (m) /* as a caller writes its map: only when it was computed */
        ncm_stno_lock_map_save_csv(m, path, &err);
    assert_null(m);
    assert_int_equal(err.code, NCM_ERR_CANCELLED);
    assert_string_equal(l.task, "stno lock map");
    assert_int_equal(access(path, F_OK), -1);
    ncm_stno_net_free(net);
}

static void test_trace_csv_and_run_json_are_parseable(void **state)
{
    (void)state;
    ncm_stno_net_spec s;
    ncm_stno_net_spec_default(&s);
    s.n_osc = 2, s.w_mhz = 0.2;
    ncm_error err = {0};
    ncm_stno_net *net = ncm_stno_net_from_spec(&s, &err);
    assert_non_null(net);
    const double f = 304.5, amp = 0.1;
    ncm_stno_batch b = {.n_runs = 1, .n_in = 1, .f_in_mhz = &f, .amp_mhz = &amp};
    ncm_stno_sim sim = {.t_transient_ns = 100, .t_window_ns = 500, .seed = 1};
    assert_int_equal(ncm_stno_sim_resolve(net, &b, &sim, &err), NCM_OK);
    ncm_stno_trace *tr = ncm_stno_trace_new(1, 2, &sim, 8, &err);
    assert_non_null(tr);
    ncm_stno_obs *o = run_or_fail(net, &b, &sim, tr);
    /* the trace */
    const char *csv = tpath("trace.csv");
    assert_int_equal(ncm_stno_trace_save_csv(tr, 0, csv, &err), NCM_OK);
    expect_refused(ncm_stno_trace_save_csv(tr, 1, tpath("x.csv"), &err), NCM_ERR_ARG, &err,
                   "run = 1");
    FILE *fp = fopen(csv, "r");
    assert_non_null(fp);
    char line[512];
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "t_ns,p_0,phase_0,v_mv_0,p_1,phase_1,v_mv_1\n");
    int rows = 0;
    while (fgets(line, sizeof line, fp)) {
        double t, v[6];
        assert_int_equal(sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf,%lf", &t, &v[0], &v[1], &v[2], &v[3],
                                &v[4], &v[5]),
                         7);
        expect_near(t, tr->t_ns[rows], 1e-4);
        expect_near(v[3], tr->p[(size_t)rows * 2 + 1], 1e-5 * (1 + v[3]));
        rows++;
    }
    fclose(fp);
    assert_int_equal(rows, tr->n_samples);
    /* the observables */
    const char *js = tpath("run.json");
    assert_int_equal(ncm_stno_obs_save_json(o, net, &b, &sim, js, &err), NCM_OK);
    cJSON *root = parse_file(js);
    assert_string_equal(item(root, "format")->valuestring, "nanocim-stno-run");
    assert_contains(item(root, "producer")->valuestring, "nanocim ");
    expect_near(item(item(root, "used"), "f_ref_mhz")->valuedouble, o->f_ref_mhz, 0.0);
    const cJSON *runs = item(root, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 1);
    const cJSON *os = item(cJSON_GetArrayItem(runs, 0), "oscillators");
    assert_int_equal(cJSON_GetArraySize(os), 2);
    for (int i = 0; i < 2; i++) {
        const cJSON *x = cJSON_GetArrayItem(os, i);
        expect_near(item(x, "f_mean_mhz")->valuedouble, o->f_mean_mhz[i], 0.0);
        const cJSON *in = cJSON_GetArrayItem(item(x, "inputs"), 0);
        assert_int_equal(cJSON_IsTrue(item(in, "locked")), o->in_locked[i]);
        expect_near(item(in, "slips")->valuedouble, o->in_slips[i], 0);
    }
    cJSON_Delete(root);
    ncm_stno_obs_free(o);
    ncm_stno_trace_free(tr);
    ncm_stno_net_free(net);
}

/* ---- device file ----------------------------------------------------------------------------- */

static void test_device_file_round_trip(void **state)
{
    (void)state;
    ncm_stno_params p = defaults(), q;
    p.n_mhz = -12.345678901234567;
    p.df_di_mhz_per_ma = 0.1 + 0.2;
    ncm_error err = {0};
    assert_int_equal(ncm_stno_save(tpath("rt.json"), &p, &err), NCM_OK);
    assert_int_equal(ncm_stno_load(tpath("rt.json"), &q, &err), NCM_OK);
    assert_memory_equal(&p, &q, sizeof p);
}

static void test_shipped_device_file_holds_the_defaults(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (!slash)
        skip();
    snprintf(slash, sizeof path - (size_t)(slash - path), "/../data/vortex_stno.json");
    ncm_error err = {0};
    ncm_stno_params p = defaults(), q;
    if (ncm_stno_load(path, &q, &err))
        fail_msg("%s", err.msg);
    assert_memory_equal(&p, &q, sizeof p);
}

/* Writes the default device file with group.key replaced by the raw text `value` (deleted when
 * NULL), loads it and returns the status. */
static ncm_status load_altered(const char *group, const char *key, const char *value,
                               ncm_error *err)
{
    ncm_stno_params p = defaults(), q;
    const char *base = tpath("base.json");
    assert_int_equal(ncm_stno_save(base, &p, err), NCM_OK);
    char *text;
    size_t len;
    assert_int_equal(ncm_read_file(base, &text, &len, err), NCM_OK);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON *g = cJSON_GetObjectItemCaseSensitive(root, group);
    assert_non_null(g);
    if (value) {
        cJSON *v = cJSON_CreateRaw(value);
        if (cJSON_GetObjectItemCaseSensitive(g, key))
            cJSON_ReplaceItemInObjectCaseSensitive(g, key, v);
        else
            cJSON_AddItemToObject(g, key, v);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(g, key);
    }
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    const char *path = tpath("altered.json");
    write_raw(path, out, strlen(out));
    free(out);
    return ncm_stno_load(path, &q, err);
}

static void test_device_file_bad_values_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    expect_refused(load_altered("damping", "gamma_g_mhz", "-4", &err), NCM_ERR_ARG, &err,
                   "field \"damping.gamma_g_mhz\" must be > 0, found -4");
    assert_contains(err.msg, "altered.json");
    expect_refused(load_altered("thermal", "temperature_k", "-1", &err), NCM_ERR_ARG, &err,
                   "thermal.temperature_k");
    expect_refused(load_altered("frequency", "f0_mhz", "1e999", &err), NCM_ERR_ARG, &err,
                   "frequency.f0_mhz\" must be a finite number");
    expect_refused(load_altered("spin_torque", "i_th_ma", "\"4\"", &err), NCM_ERR_FORMAT, &err,
                   "must be a number, found a string");
    expect_refused(load_altered("output", "dr_ohm", NULL, &err), NCM_ERR_FORMAT, &err,
                   "missing field \"output.dr_ohm\"");
    expect_refused(load_altered("spread", "f0_sigma_hz", "1", &err), NCM_ERR_FORMAT, &err,
                   "unknown field \"spread.f0_sigma_hz\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_running_power_and_frequency_match_analytic),
        cmocka_unit_test(test_equipartition_below_threshold),
        cmocka_unit_test(test_thermal_linewidth_matches_analytic),
        cmocka_unit_test(test_locking_range_matches_analytic),
        cmocka_unit_test(test_locking_range_grows_linearly_and_tends_to_adler),
        cmocka_unit_test(test_coupled_pair_locks_above_analytic_threshold_only),
        cmocka_unit_test(test_heun_converges_at_second_order_without_noise),
        cmocka_unit_test(test_results_identical_for_1_and_2_threads),
        cmocka_unit_test(test_noise_is_philox_and_box_muller),
        cmocka_unit_test(test_kernel_variants_give_identical_results),
        cmocka_unit_test(test_every_network_size_matches_plain_heun),
        cmocka_unit_test(test_vectorised_atan2_matches_libm),
        cmocka_unit_test(test_trace_holds_the_emitted_signal),
        cmocka_unit_test(test_spread_draws_reproducible_individual_devices),
        cmocka_unit_test(test_negative_damping_refused),
        cmocka_unit_test(test_negative_temperature_refused),
        cmocka_unit_test(test_nan_parameter_refused),
        cmocka_unit_test(test_zero_or_negative_step_refused),
        cmocka_unit_test(test_too_large_step_refused_with_the_limit),
        cmocka_unit_test(test_non_square_coupling_matrix_refused),
        cmocka_unit_test(test_bad_batch_refused),
        cmocka_unit_test(test_net_from_spec_builds_the_command_line_network),
        cmocka_unit_test(test_bad_net_spec_refused_naming_the_field),
        cmocka_unit_test(test_free_functions_accept_null),
        cmocka_unit_test(test_sim_resolve_fills_the_automatic_step_and_frame),
        cmocka_unit_test(test_run_reports_progress_between_blocks_with_unchanged_results),
        cmocka_unit_test(test_cancelled_run_returns_cancelled),
        cmocka_unit_test(test_lock_map_locked_inside_the_analytic_tongue_only),
        cmocka_unit_test(test_zero_amplitude_gives_no_locking_range),
        cmocka_unit_test(test_run_refuses_a_diverged_result_naming_the_device),
        cmocka_unit_test(test_run_refuses_absurd_work_with_the_figure),
        cmocka_unit_test(test_trace_beyond_its_limit_refused_with_the_figure),
        cmocka_unit_test(test_observables_beyond_their_memory_limit_refused),
        cmocka_unit_test(test_lock_map_of_too_many_runs_refused),
        cmocka_unit_test(test_bad_lock_map_grid_refused),
        cmocka_unit_test(test_lock_map_csv_has_the_expected_columns),
        cmocka_unit_test(test_lock_map_json_has_tongues_and_producer),
        cmocka_unit_test(test_cancelled_lock_map_returns_cancelled_and_leaves_no_output),
        cmocka_unit_test(test_trace_csv_and_run_json_are_parseable),
        cmocka_unit_test(test_device_file_round_trip),
        cmocka_unit_test(test_shipped_device_file_holds_the_defaults),
        cmocka_unit_test(test_device_file_bad_values_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
