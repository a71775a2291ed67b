/* Tests of the device-model calibration (include/nanocim/rram_fit.h): fitting resistances sampled
 * from a known device file recovers its parameters within their standard errors (derived here
 * independently of the fit's own), the Kolmogorov-Smirnov checks pass on data from the model and
 * fail on data from other distributions, the p-values are calibrated, unidentifiable parameters
 * are kept from the base, aged measurements are left out, and the CSV reader accepts the format's
 * variants and refuses bad files with the line and column named; the synthetic measurement file
 * (ncm_rram_sample_save) holds the documented draws, and the whole calibration of a file
 * (ncm_rram_fit_file) writes the device and the report, or nothing. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdir.h"
#include "nanocim/config.h"
#include "nanocim/rng.h"
#include "nanocim/rram.h"
#include "nanocim/rram_fit.h"
#include "util/io.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    return testdir_create("test_rram_fit");
}

static ncm_rram_params defaults(void)
{
    ncm_rram_params p;
    ncm_rram_default(&p);
    return p;
}

/* The "known device": every fitted parameter away from the default, so the fit must move. */
static ncm_rram_params truth_params(void)
{
    ncm_rram_params p = defaults();
    snprintf(p.name, sizeof p.name, "%s", "truth");
    p.v_c_v = 0.35;
    p.sigma_lrs = 0.30;
    p.sigma_lrs_exp = 0.20;
    p.r_hrs_ref_ohm = 80e3;
    p.hrs_ln_r_per_v = 1.6;
    p.hrs_ln_r_per_ln_t = 0.25;
    p.sigma_hrs = 0.60;
    return p;
}

typedef struct {
    int lrs;
    double i_cc_ua, v_reset_v, t_p_ns;
} test_cond;

/* The design of the recovery test: LRS at 5 compliance currents (reference V_reset and t_p, the
 * short condition form), HRS at 3 RESET voltages x 2 pulse widths. */
static const test_cond DESIGN[] = {
    {1, 10, 1.5, 100},  {1, 20, 1.5, 100},  {1, 50, 1.5, 100},  {1, 100, 1.5, 100},
    {1, 200, 1.5, 100}, {0, 100, 1.2, 50},  {0, 100, 1.5, 50},  {0, 100, 2.0, 50},
    {0, 100, 1.2, 500}, {0, 100, 1.5, 500}, {0, 100, 2.0, 500},
};
enum { N_DESIGN = sizeof DESIGN / sizeof DESIGN[0], N_DEV = 2000 };

/* Writes a measurement CSV sampled with the device model: n_dev fresh devices per condition, each
 * programmed once (LRS: one SET; HRS: one RESET), condition k drawing from Philox stream k. Each
 * device has its own d2d offset and c2c state, so the n_dev values of ln R of a condition are
 * independent draws of the state's distribution. */
static void write_sampled_csv(const char *path, const ncm_rram_params *p, const test_cond *conds,
                              int n_conds, int n_dev, uint64_t seed, const char *eol)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fprintf(fp, "condition,cycle,resistance_ohm%s", eol);
    for (int k = 0; k < n_conds; k++) {
        const test_cond *c = &conds[k];
        ncm_rram_cond rc = {c->i_cc_ua, c->v_reset_v, c->t_p_ns, 0};
        ncm_rng rng;
        ncm_rng_init(&rng, seed, (uint64_t)k);
        for (int d = 0; d < n_dev; d++) {
            ncm_rram_device dev;
            ncm_rram_device_init(&dev, p, &rng);
            double r = ncm_rram_program(&dev, p, &rc, c->lrs, &rng, NULL);
            if (c->lrs && c->v_reset_v == p->v_reset_ref_v && c->t_p_ns == p->t_p_ref_ns)
                fprintf(fp, "LRS@%g,%.0f,%.17g%s", c->i_cc_ua, dev.cycles, r, eol);
            else
                fprintf(fp, "%s@%g@%g@%g,%.0f,%.17g%s", c->lrs ? "lrs" : "hrs", c->i_cc_ua,
                        c->v_reset_v, c->t_p_ns, dev.cycles, r, eol);
        }
    }
    assert_int_equal(fclose(fp), 0);
}

static ncm_rram_measurements *read_ok(const char *path, const ncm_rram_params *base)
{
    ncm_error err = {0};
    ncm_rram_measurements *m = ncm_rram_meas_read(path, base, &err);
    if (!m)
        fail_msg("ncm_rram_meas_read: %s", err.msg);
    return m;
}

/* Fits, copies the fitted device to *out, returns the report. */
static ncm_rram_fit_report *fit_ok(const ncm_rram_measurements *m, const ncm_rram_params *base,
                                   const ncm_rram_fit_opts *opts, ncm_rram_params *out)
{
    ncm_error err = {0};
    ncm_rram_fit_report *rep = ncm_rram_fit(m, base, opts, &err);
    if (!rep)
        fail_msg("ncm_rram_fit: %s", err.msg);
    memcpy(out, &rep->fitted, sizeof *out);
    return rep;
}

/* Samples `conds` from p, writes, reads and fits them with the default device as the base. */
static ncm_rram_fit_report *sample_and_fit(const char *name, const ncm_rram_params *p,
                                           const test_cond *conds, int n_conds, int n_dev,
                                           uint64_t seed, ncm_rram_params *out)
{
    const char *path = tpath(name);
    write_sampled_csv(path, p, conds, n_conds, n_dev, seed, "\n");
    ncm_rram_params base = defaults();
    ncm_rram_measurements *m = read_ok(path, &base);
    assert_int_equal(m->n, (int64_t)n_conds * n_dev);
    assert_int_equal(m->n_conds, n_conds);
    ncm_rram_fit_report *rep = fit_ok(m, &base, NULL, out);
    ncm_rram_meas_free(m);
    return rep;
}

static const ncm_rram_fit_param *param(const ncm_rram_fit_report *rep, const char *field)
{
    for (int i = 0; i < NCM_RRAM_FIT_N_PARAMS; i++)
        if (strcmp(rep->params[i].field, field) == 0)
            return &rep->params[i];
    fail_msg("no parameter %s in the report", field);
    return NULL;
}

/* Parses text as a measurement CSV (written to a file first, so the file reader is exercised). */
static ncm_rram_measurements *parse_file(const char *name, const char *text, ncm_error *err)
{
    const char *path = tpath(name);
    write_raw(path, text, strlen(text));
    return ncm_rram_meas_read(path, NULL, err);
}

static void expect_refused(const char *name, const char *text, ncm_status want, const char *needle1,
                           const char *needle2)
{
    ncm_error err = {0};
    ncm_rram_measurements *m = parse_file(name, text, &err);
    ncm_status got = m ? NCM_OK : err.code;
    if (got != want)
        fail_msg("%s: status %d (%s), expected %d; message \"%s\"", name, got, ncm_status_name(got),
                 want, err.msg);
    assert_contains(err.msg, name);
    if (needle1)
        assert_contains(err.msg, needle1);
    if (needle2)
        assert_contains(err.msg, needle2);
    assert_null(strchr(err.msg, '\n'));
    assert_null(m);
}

/* ---- recovery of a known device -------------------------------------------------------------- */

static void check_within(const char *what, double fit, double truth, double se, double se_rep)
{
    printf("  %-22s true %-10.6g fitted %-10.6g se %-9.3g (fit's own se %-9.3g) z = %+.2f\n", what,
           truth, fit, se, se_rep, (fit - truth) / se);
    if (!(fabs(fit - truth) <= 4 * se))
        fail_msg("%s: fitted %.6g, true %.6g, more than 4 standard errors (%.3g) apart", what, fit,
                 truth, se);
    /* the fit's own standard error agrees with the one derived here */
    if (!(fabs(se_rep - se) <= 0.15 * se))
        fail_msg("%s: the fit reports se %.4g, derived %.4g", what, se_rep, se);
}

static void test_fit_recovers_the_parameters_of_a_known_device(void **state)
{
    (void)state;
    /* the known device file */
    ncm_rram_params t = truth_params(), tl;
    ncm_error err = {0};
    assert_int_equal(ncm_rram_save(tpath("truth.json"), &t, &err), NCM_OK);
    assert_int_equal(ncm_rram_load(tpath("truth.json"), &tl, &err), NCM_OK);
    ncm_rram_params out;
    ncm_rram_fit_report *rep =
        sample_and_fit("known.csv", &tl, DESIGN, N_DESIGN, N_DEV, 2024, &out);
    for (int i = 0; i < NCM_RRAM_FIT_N_PARAMS; i++)
        if (!rep->params[i].fitted)
            fail_msg("%s not fitted: %s", rep->params[i].field, rep->params[i].note);

    /* Standard errors, derived for this design (n devices per condition, independent):
     * mean of ln R: sigma / sqrt(n); ln of a sample sd: 1 / sqrt(2 (n - 1)); regressions: the
     * usual (X'WX)^-1, in closed form for these balanced designs. */
    const double n = N_DEV, sd_ln_s2 = 1.0 / (2 * (n - 1));
    /* LRS: ln V_c is a weighted mean with weights n / sigma_g^2 */
    double sw = 0, sx = 0, sxx = 0;
    int nl = 0;
    for (int k = 0; k < N_DESIGN; k++) {
        if (!DESIGN[k].lrs)
            continue;
        double x = -log(DESIGN[k].i_cc_ua / t.i_ref_ua);
        double sig = t.sigma_lrs * exp(t.sigma_lrs_exp * x);
        sw += n / (sig * sig);
        sx += x;
        sxx += x * x;
        nl++;
    }
    double xbar = sx / nl, sxx_c = sxx - nl * xbar * xbar;
    double se_ln_vc = 1 / sqrt(sw);
    /* ln sigma_L = a + k x, equal weights 1 / sd_ln_s2 */
    double se_k = sqrt(sd_ln_s2 / sxx_c);
    double se_ln_sl = sqrt(sd_ln_s2 * (1.0 / nl + xbar * xbar / sxx_c));
    /* HRS: mu = c + k_V u + k_t s on a full 3 x 2 factorial (u and s orthogonal after centring),
     * each mean with variance sigma_H^2 / n */
    double su = 0, suu = 0, ss = 0, sss = 0;
    int nh = 0;
    for (int k = 0; k < N_DESIGN; k++) {
        if (DESIGN[k].lrs)
            continue;
        double u = DESIGN[k].v_reset_v - t.v_reset_ref_v, s = log(DESIGN[k].t_p_ns / t.t_p_ref_ns);
        su += u;
        suu += u * u;
        ss += s;
        sss += s * s;
        nh++;
    }
    double ubar = su / nh, sbar = ss / nh, s2m = t.sigma_hrs * t.sigma_hrs / n;
    double var_kv = s2m / (suu - nh * ubar * ubar), var_kt = s2m / (sss - nh * sbar * sbar);
    double se_ln_rh = sqrt(s2m / nh + ubar * ubar * var_kv + sbar * sbar * var_kt);
    double se_sh = t.sigma_hrs / sqrt(2 * nh * (n - 1));

    printf("  recovery, %d conditions x %d devices:\n", N_DESIGN, N_DEV);
    const ncm_rram_fit_param *q = param(rep, "lrs.v_c_v");
    check_within("ln lrs.v_c_v", log(out.v_c_v), log(t.v_c_v), se_ln_vc, q->se / q->value);
    q = param(rep, "lrs.sigma_ln_r");
    check_within("ln lrs.sigma_ln_r", log(out.sigma_lrs), log(t.sigma_lrs), se_ln_sl,
                 q->se / q->value);
    q = param(rep, "lrs.sigma_icc_exp");
    check_within("lrs.sigma_icc_exp", out.sigma_lrs_exp, t.sigma_lrs_exp, se_k, q->se);
    q = param(rep, "hrs.r_median_ohm");
    check_within("ln hrs.r_median_ohm", log(out.r_hrs_ref_ohm), log(t.r_hrs_ref_ohm), se_ln_rh,
                 q->se / q->value);
    q = param(rep, "hrs.ln_r_per_v_reset");
    check_within("hrs.ln_r_per_v_reset", out.hrs_ln_r_per_v, t.hrs_ln_r_per_v, sqrt(var_kv), q->se);
    q = param(rep, "hrs.ln_r_per_ln_t_p");
    check_within("hrs.ln_r_per_ln_t_p", out.hrs_ln_r_per_ln_t, t.hrs_ln_r_per_ln_t, sqrt(var_kt),
                 q->se);
    q = param(rep, "hrs.sigma_ln_r");
    check_within("hrs.sigma_ln_r", out.sigma_hrs, t.sigma_hrs, se_sh, q->se);

    /* everything else is the base's (the defaults), not the truth's name */
    ncm_rram_params b = defaults();
    assert_string_equal(out.name, "hfo2-130nm-fit");
    assert_true(out.d2d_var_frac == b.d2d_var_frac && out.n0_ref_cycles == b.n0_ref_cycles &&
                out.r_ref_ohm == b.r_ref_ohm && out.i_ref_ua == b.i_ref_ua);
    assert_int_equal(rep->n_meas, N_DESIGN * N_DEV);
    assert_int_equal(rep->n_fit, N_DESIGN * N_DEV);
    ncm_rram_fit_report_free(rep);
}

static void test_ks_small_when_the_data_come_from_the_model(void **state)
{
    (void)state;
    ncm_rram_params t = truth_params(), out;
    ncm_rram_fit_report *rep = sample_and_fit("ks_model.csv", &t, DESIGN, N_DESIGN, N_DEV, 7, &out);
    assert_int_equal(rep->n_groups, N_DESIGN);
    /* D sqrt(n) < 1.95 is the 0.1 % level of the Kolmogorov distribution: 11 conditions keep the
     * chance of a false alarm near 1 % for any seed, and estimated parameters only lower D */
    for (int k = 0; k < rep->n_groups; k++) {
        const ncm_rram_fit_group *g = &rep->groups[k];
        printf("  %s I=%-4g V=%-4g t=%-4g n=%lld  D_model sqrt(n) = %.3f (p %.3f)  "
               "D_own sqrt(n) = %.3f (p %.3f)\n",
               g->lrs ? "LRS" : "HRS", g->i_cc_ua, g->v_reset_v, g->t_p_ns, (long long)g->n_fit,
               g->ks_model * sqrt((double)g->n_fit), g->p_model, g->ks_own * sqrt((double)g->n_fit),
               g->p_own);
        assert_true(g->used);
        assert_int_equal(g->n_fit, N_DEV);
        if (!(g->ks_model < 1.95 / sqrt((double)g->n_fit) && g->p_model > 1e-3 && g->p_own > 1e-3))
            fail_msg("condition %d: D_model %.4f (p %.3g), D_own %.4f (p %.3g)", k, g->ks_model,
                     g->p_model, g->ks_own, g->p_own);
        /* the model's prediction and the group's own fit agree within sampling error */
        expect_near(g->mu_model, g->mu, 5 * g->sigma / sqrt((double)g->n_fit));
    }
    ncm_rram_fit_report_free(rep);
}

static void test_ks_large_for_student_t_data(void **state)
{
    (void)state;
    /* ln R Student-t with 2 degrees of freedom (infinite variance), from the device model */
    ncm_rram_params t = truth_params(), out;
    t.family = NCM_RRAM_STUDENT_T;
    t.t_nu = 2;
    ncm_rram_fit_report *rep = sample_and_fit("student.csv", &t, DESIGN, N_DESIGN, N_DEV, 11, &out);
    for (int k = 0; k < rep->n_groups; k++) {
        const ncm_rram_fit_group *g = &rep->groups[k];
        if (!(g->p_model < 1e-6 && g->p_own < 1e-6))
            fail_msg("condition %d: D_model %.4f (p %.3g), D_own %.4f (p %.3g)", k, g->ks_model,
                     g->p_model, g->ks_own, g->p_own);
    }
    ncm_rram_fit_report_free(rep);
}

static void test_ks_large_for_a_bimodal_condition(void **state)
{
    (void)state;
    /* half the devices around 4 kOhm, half around 16 kOhm, narrow: two filament populations */
    const char *path = tpath("bimodal.csv");
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fprintf(fp, "condition,cycle,resistance_ohm\n");
    ncm_rng rng;
    ncm_rng_init(&rng, 5, 0);
    for (int i = 0; i < 2000; i++)
        fprintf(fp, "lrs@100,1,%.17g\n", exp(log(i % 2 ? 4e3 : 16e3) + 0.1 * ncm_rng_normal(&rng)));
    assert_int_equal(fclose(fp), 0);
    ncm_rram_measurements *m = read_ok(path, NULL);
    ncm_rram_params out;
    ncm_rram_fit_report *rep = fit_ok(m, NULL, NULL, &out);
    const ncm_rram_fit_group *g = &rep->groups[0];
    printf("  bimodal: D_model %.3f (p %.2g), D_own %.3f (p %.2g)\n", g->ks_model, g->p_model,
           g->ks_own, g->p_own);
    assert_true(g->p_model < 1e-6);
    assert_true(g->p_own < 1e-6);
    ncm_rram_fit_report_free(rep);
    ncm_rram_meas_free(m);
}

/* ---- statistical details --------------------------------------------------------------------- */

static void test_small_conditions_give_an_unbiased_sigma(void **state)
{
    (void)state;
    /* 300 LRS conditions of 3 devices each (same I_cc, RESET voltages that do not enter the LRS
     * model). The sample sd of 3 values underestimates sigma: E[ln s] = ln sigma - 0.289; the
     * digamma correction removes that. SE of ln sigma: sqrt(psi'(1) / 4 / 300) = 0.037. */
    enum { N_C = 300 };
    test_cond c[N_C];
    for (int k = 0; k < N_C; k++)
        c[k] = (test_cond){1, 100, 1.0 + 0.002 * k, 100};
    ncm_rram_params t = truth_params(), out;
    ncm_rram_fit_report *rep = sample_and_fit("small.csv", &t, c, N_C, 3, 3, &out);
    const double se = sqrt(M_PI * M_PI / 6 / 4 / N_C);
    printf("  300 x 3: sigma_L fitted %.4f, true %.4f, se of ln %.3f\n", out.sigma_lrs, t.sigma_lrs,
           se);
    expect_near(log(out.sigma_lrs), log(t.sigma_lrs), 4 * se);
    expect_near(param(rep, "lrs.sigma_ln_r")->se / out.sigma_lrs, se, 0.05 * se);
    assert_false(param(rep, "lrs.sigma_icc_exp")->fitted);
    /* groups of 3 have no Lilliefors p-value (n >= 5), but a model KS distance */
    assert_true(isnan(rep->groups[0].p_own));
    assert_true(rep->groups[0].ks_model > 0);
    ncm_rram_fit_report_free(rep);
}

static void test_ks_pvalues_are_calibrated(void **state)
{
    (void)state;
    /* Kolmogorov's critical values (large n: lambda = D sqrt(n)) */
    const int64_t big = 100000000;
    const double sn = sqrt((double)big), st = sn + 0.12 + 0.11 / sn;
    expect_near(ncm_ks_pvalue(1.3581 / st, big), 0.05, 2e-4);
    expect_near(ncm_ks_pvalue(1.6276 / st, big), 0.01, 1e-4);
    expect_near(ncm_ks_pvalue(1.2238 / st, big), 0.10, 2e-4);
    /* the two series agree where they meet */
    expect_near(ncm_ks_pvalue((1.18 - 1e-12) / st, big), ncm_ks_pvalue((1.18 + 1e-12) / st, big),
                1e-10);
    assert_true(ncm_ks_pvalue(0, 10) == 1.0);

    /* by simulation, n = 50: the fraction of normal samples with p < alpha is alpha, for the
     * KS test against the true normal and for the Lilliefors test against the sample's own fit */
    enum { N = 50, REPS = 4000 };
    ncm_rng rng;
    ncm_rng_init(&rng, 99, 0);
    int rej_ks[2] = {0, 0}, rej_lf[2] = {0, 0};
    const double alpha[2] = {0.05, 0.10};
    for (int r = 0; r < REPS; r++) {
        double x[N], mu = 0, ss = 0;
        for (int i = 0; i < N; i++) {
            x[i] = ncm_rng_normal(&rng);
            mu += x[i] / N;
        }
        for (int i = 0; i < N; i++)
            ss += (x[i] - mu) * (x[i] - mu);
        for (int i = 1; i < N; i++) /* insertion sort */
            for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
                double tmp = x[j];
                x[j] = x[j - 1];
                x[j - 1] = tmp;
            }
        double p_ks = ncm_ks_pvalue(ncm_ks_distance_normal(x, N, 0, 1), N);
        double d_own = ncm_ks_distance_normal(x, N, mu, sqrt(ss / (N - 1)));
        double p_lf = ncm_lilliefors_pvalue(d_own, N);
        for (int a = 0; a < 2; a++) {
            rej_ks[a] += p_ks < alpha[a];
            rej_lf[a] += p_lf < alpha[a];
        }
    }
    for (int a = 0; a < 2; a++) {
        double tol = 4 * sqrt(alpha[a] * (1 - alpha[a]) / REPS);
        printf("  level %.2f: KS rejects %.4f, Lilliefors %.4f (+- %.4f)\n", alpha[a],
               (double)rej_ks[a] / REPS, (double)rej_lf[a] / REPS, tol);
        expect_near((double)rej_ks[a] / REPS, alpha[a], tol);
        expect_near((double)rej_lf[a] / REPS, alpha[a], tol);
    }
}

/* ---- what the data cannot identify ----------------------------------------------------------- */

static void test_unidentifiable_slopes_are_kept_from_the_base(void **state)
{
    (void)state;
    /* one I_cc for the LRS, one V_reset and one t_p for the HRS */
    const test_cond c[] = {{1, 100, 1.5, 100}, {0, 100, 2.0, 200}};
    ncm_rram_params t = truth_params(), out, b = defaults();
    ncm_rram_fit_report *rep = sample_and_fit("one_each.csv", &t, c, 2, 500, 17, &out);
    const char *kept[] = {"lrs.sigma_icc_exp", "hrs.ln_r_per_v_reset", "hrs.ln_r_per_ln_t_p"};
    for (int i = 0; i < 3; i++) {
        const ncm_rram_fit_param *q = param(rep, kept[i]);
        assert_false(q->fitted);
        assert_true(q->value == q->base_value && isnan(q->se));
        assert_contains(q->note, "kept from the base");
    }
    assert_true(out.sigma_lrs_exp == b.sigma_lrs_exp && out.hrs_ln_r_per_v == b.hrs_ln_r_per_v &&
                out.hrs_ln_r_per_ln_t == b.hrs_ln_r_per_ln_t);
    assert_true(param(rep, "lrs.v_c_v")->fitted && param(rep, "hrs.r_median_ohm")->fitted);
    /* the HRS intercept goes through the one condition with the base's slopes */
    ncm_rram_cond rc = {100, 2.0, 200, 0};
    ncm_rram_stats s;
    ncm_rram_stats_at(&out, &rc, &s);
    expect_near(s.mu_hrs, rep->groups[1].mu, 1e-9);
    ncm_rram_fit_report_free(rep);
}

static void test_collinear_reset_voltage_and_pulse_width_keep_the_pulse_slope(void **state)
{
    (void)state;
    /* V_reset and t_p change together: only their sum effect is known */
    const test_cond c[] = {{0, 100, 1.2, 50}, {0, 100, 2.0, 500}};
    ncm_rram_params t = truth_params(), out, b = defaults();
    ncm_rram_fit_report *rep = sample_and_fit("collinear.csv", &t, c, 2, 1000, 19, &out);
    const ncm_rram_fit_param *kt = param(rep, "hrs.ln_r_per_ln_t_p");
    assert_false(kt->fitted);
    assert_contains(kt->note, "together");
    assert_true(out.hrs_ln_r_per_ln_t == b.hrs_ln_r_per_ln_t);
    assert_true(param(rep, "hrs.ln_r_per_v_reset")->fitted);
    /* with k_t at the base's 0.15 instead of the true 0.25, k_V absorbs the difference:
     * delta mu = 0.8 k_V + ln(10) k_t */
    expect_near(out.hrs_ln_r_per_v, t.hrs_ln_r_per_v + log(10) * (0.25 - 0.15) / 0.8, 0.15);
    ncm_rram_fit_report_free(rep);
}

static void test_a_falling_trend_is_fitted_at_the_bound_zero(void **state)
{
    (void)state;
    /* HRS medians falling with V_reset, LRS spread rising with I_cc: outside the model, whose
     * slopes are >= 0; the fit stops at 0 and the device stays valid */
    const char *path = tpath("falling.csv");
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fprintf(fp, "condition,cycle,resistance_ohm\n");
    ncm_rng rng;
    ncm_rng_init(&rng, 23, 0);
    const double v[3] = {1.2, 1.5, 2.0}, ic[2] = {20, 200};
    for (int i = 0; i < 600; i++) {
        fprintf(fp, "hrs@100@%g,0,%.17g\n", v[i % 3],
                exp(12 - 0.8 * v[i % 3] + 0.5 * ncm_rng_normal(&rng)));
        fprintf(fp, "lrs@%g,1,%.17g\n", ic[i % 2],
                0.4 / (ic[i % 2] * 1e-6) * exp(0.001 * ic[i % 2] * ncm_rng_normal(&rng)));
    }
    assert_int_equal(fclose(fp), 0);
    ncm_rram_measurements *m = read_ok(path, NULL);
    ncm_rram_params out;
    ncm_rram_fit_report *rep = fit_ok(m, NULL, NULL, &out);
    ncm_error err = {0};
    assert_int_equal(ncm_rram_check(&out, NULL, &err), NCM_OK);
    const char *bound[] = {"hrs.ln_r_per_v_reset", "lrs.sigma_icc_exp"};
    for (int i = 0; i < 2; i++) {
        const ncm_rram_fit_param *q = param(rep, bound[i]);
        assert_true(q->fitted);
        assert_true(q->value == 0.0);
        assert_contains(q->note, "at the bound 0");
    }
    ncm_rram_fit_report_free(rep);
    ncm_rram_meas_free(m);
}

static void test_aged_measurements_are_left_out(void **state)
{
    (void)state;
    /* fresh data, then the same file with measurements after 1e9 cycles (far beyond 1 % of n0)
     * whose resistances would wreck the fit */
    ncm_rram_params t = truth_params();
    const char *fresh = tpath("fresh.csv"), *aged = tpath("aged.csv");
    write_sampled_csv(fresh, &t, DESIGN, N_DESIGN, 200, 29, "\n");
    char *text;
    size_t len;
    ncm_error err = {0};
    assert_int_equal(ncm_read_file(fresh, &text, &len, &err), NCM_OK);
    FILE *fp = fopen(aged, "wb");
    assert_non_null(fp);
    fwrite(text, 1, len, fp);
    for (int i = 0; i < 50; i++)
        fprintf(fp, "lrs@10,1000000000,%d\nhrs@100@1.2@50,1000000000,%d\n", 10 + i, 20 + i);
    assert_int_equal(fclose(fp), 0);
    free(text);

    ncm_rram_measurements *mf = read_ok(fresh, NULL), *ma = read_ok(aged, NULL);
    ncm_rram_params pf, pa;
    ncm_rram_fit_report *rf = fit_ok(mf, NULL, NULL, &pf), *ra = fit_ok(ma, NULL, NULL, &pa);
    assert_memory_equal(&pf, &pa, sizeof pf);
    assert_int_equal(ra->n_meas, rf->n_meas + 100);
    assert_int_equal(ra->n_fit, rf->n_fit);
    assert_int_equal(ra->groups[0].n, 250);
    assert_int_equal(ra->groups[0].n_fit, 200);
    /* n0 at 10 uA, 1.5 V is 1e6 * 10^3 = 1e9 cycles: the limit is 1e7 */
    expect_near(ra->groups[0].cycle_max, 1e7, 1e-3);
    /* with every cycle counted as fresh they do enter */
    ncm_rram_fit_opts all = {INFINITY};
    ncm_rram_params pall;
    ncm_rram_fit_report *rall = fit_ok(ma, NULL, &all, &pall);
    assert_int_equal(rall->n_fit, ra->n_meas);
    assert_int_equal(rall->groups[0].n_fit, 250);
    assert_true(rall->groups[0].mu < ra->groups[0].mu - 1);
    assert_true(memcmp(&pall, &pf, sizeof pf) != 0);
    ncm_rram_fit_report_free(rf);
    ncm_rram_fit_report_free(ra);
    ncm_rram_fit_report_free(rall);
    ncm_rram_meas_free(mf);
    ncm_rram_meas_free(ma);
}

/* ---- the fitted device and the report -------------------------------------------------------- */

static void test_fitted_device_passes_check_and_survives_a_save_load_round_trip(void **state)
{
    (void)state;
    ncm_rram_params t = truth_params(), out, back;
    ncm_rram_fit_report *rep = sample_and_fit("rt.csv", &t, DESIGN, N_DESIGN, 300, 31, &out);
    ncm_error err = {0};
    assert_int_equal(ncm_rram_check(&out, NULL, &err), NCM_OK);
    assert_int_equal(ncm_rram_save(tpath("fitted.json"), &out, &err), NCM_OK);
    if (ncm_rram_load(tpath("fitted.json"), &back, &err))
        fail_msg("%s", err.msg);
    assert_memory_equal(&out, &back, sizeof out);
    ncm_rram_fit_report_free(rep);
}

static void test_student_t_base_gives_a_lognormal_device_and_says_so(void **state)
{
    (void)state;
    ncm_rram_params t = truth_params(), base = defaults(), out;
    base.family = NCM_RRAM_STUDENT_T;
    write_sampled_csv(tpath("tbase.csv"), &t, DESIGN, 2, 100, 37, "\n");
    ncm_rram_measurements *m = read_ok(tpath("tbase.csv"), &base);
    ncm_rram_fit_report *rep = fit_ok(m, &base, NULL, &out);
    assert_int_equal(out.family, NCM_RRAM_LOGNORMAL);
    assert_contains(rep->family_note, "student-t");
    for (int i = 0; i < rep->n_kept; i++)
        assert_string_not_equal(rep->kept[i], "distribution.family");
    ncm_rram_fit_report_free(rep);
    ncm_rram_meas_free(m);
}

/* Adds every "group.key" of a device file to a cJSON string array. */
static void device_fields(const char *path, cJSON *arr)
{
    char *text;
    size_t len;
    ncm_error err = {0};
    assert_int_equal(ncm_read_file(path, &text, &len, &err), NCM_OK);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *g, *f;
    cJSON_ArrayForEach(g, root)
    {
        if (!cJSON_IsObject(g))
            continue;
        cJSON_ArrayForEach(f, g)
        {
            char name[128];
            snprintf(name, sizeof name, "%s.%s", g->string, f->string);
            cJSON_AddItemToArray(arr, cJSON_CreateString(name));
        }
    }
    cJSON_Delete(root);
}

static void test_report_json_lists_every_device_field_and_every_condition(void **state)
{
    (void)state;
    ncm_rram_params t = truth_params(), out;
    ncm_rram_fit_report *rep = sample_and_fit("report.csv", &t, DESIGN, N_DESIGN, 100, 41, &out);
    ncm_error err = {0};
    assert_int_equal(ncm_rram_fit_report_save(tpath("report.json"), rep, &err), NCM_OK);
    char *text;
    size_t len;
    assert_int_equal(ncm_read_file(tpath("report.json"), &text, &len, &err), NCM_OK);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "format")->valuestring,
                        "nanocim-rram-fit-report");
    assert_contains(cJSON_GetObjectItem(root, "source")->valuestring, "report.csv");
    const cJSON *params = cJSON_GetObjectItem(root, "parameters");
    const cJSON *kept = cJSON_GetObjectItem(root, "kept_from_base");
    const cJSON *conds = cJSON_GetObjectItem(root, "conditions");
    assert_int_equal(cJSON_GetArraySize(params), NCM_RRAM_FIT_N_PARAMS);
    assert_int_equal(cJSON_GetArraySize(conds), N_DESIGN);

    /* the fitted and the kept fields together are exactly the device file's fields */
    assert_int_equal(ncm_rram_save(tpath("report_dev.json"), &out, &err), NCM_OK);
    cJSON *fields = cJSON_CreateArray();
    device_fields(tpath("report_dev.json"), fields);
    assert_int_equal(cJSON_GetArraySize(fields),
                     cJSON_GetArraySize(params) + cJSON_GetArraySize(kept));
    const cJSON *f;
    cJSON_ArrayForEach(f, fields)
    {
        int found = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, params)
        {
            found += strcmp(cJSON_GetObjectItem(it, "field")->valuestring, f->valuestring) == 0;
        }
        cJSON_ArrayForEach(it, kept)
        {
            found += strcmp(it->valuestring, f->valuestring) == 0;
        }
        if (found != 1)
            fail_msg("device field %s listed %d times in the report", f->valuestring, found);
    }
    cJSON_Delete(fields);

    /* a condition entry: the group statistics, the model's and the KS results */
    const cJSON *c0 = cJSON_GetArrayItem(conds, 0);
    assert_string_equal(cJSON_GetObjectItem(c0, "condition")->valuestring, "lrs@10@1.5@100");
    assert_string_equal(cJSON_GetObjectItem(c0, "state")->valuestring, "lrs");
    assert_int_equal((int)cJSON_GetObjectItem(c0, "n")->valuedouble, 100);
    assert_int_equal((int)cJSON_GetObjectItem(c0, "first_line")->valuedouble, 2);
    const char *keys[] = {"mu_ln_r",  "sigma_ln_r", "model_mu_ln_r", "model_sigma_ln_r",
                          "ks_model", "ks_model_p", "ks_own",        "ks_own_p_lilliefors"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(c0, keys[i])));
    expect_near(cJSON_GetObjectItem(c0, "ks_model")->valuedouble, rep->groups[0].ks_model, 1e-12);
    cJSON_Delete(root);
    ncm_rram_fit_report_free(rep);
}

/* ---- the CSV reader: accepted variants ------------------------------------------------------- */

static const char *const GOOD = "condition,cycle,resistance_ohm\n"
                                "lrs@100,1,4000\nlrs@100,2,4100\nlrs@100,3,3900\n"
                                "hrs@100@2@50,1,2e5\nhrs@100@2@50,2,1.5e5\nhrs@100@2@50,3,2.5E5\n";

static void expect_good(const ncm_rram_measurements *m)
{
    assert_int_equal(m->n, 6);
    assert_int_equal(m->n_conds, 2);
    assert_int_equal(m->conds[0].lrs, 1);
    assert_true(m->conds[0].i_cc_ua == 100 && m->conds[0].v_reset_v == 1.5 &&
                m->conds[0].t_p_ns == 100);
    assert_int_equal(m->conds[1].lrs, 0);
    assert_true(m->conds[1].v_reset_v == 2 && m->conds[1].t_p_ns == 50);
    assert_int_equal(m->conds[0].n, 3);
    assert_int_equal(m->conds[1].n, 3);
    assert_true(m->rows[5].r_ohm == 2.5e5 && m->rows[5].cycle == 3 && m->rows[5].cond == 1);
}

static void test_csv_with_crlf_line_ends_and_no_final_newline_is_accepted(void **state)
{
    (void)state;
    char crlf[1024];
    size_t n = 0;
    for (const char *s = GOOD; *s; s++) {
        if (*s == '\n')
            crlf[n++] = '\r';
        crlf[n++] = *s;
    }
    crlf[n - 2] = '\0'; /* no line end after the last row */
    ncm_error err = {0};
    ncm_rram_measurements *m = parse_file("crlf.csv", crlf, &err);
    if (!m)
        fail_msg("%s", err.msg);
    expect_good(m);
    assert_int_equal(m->rows[5].line, 7);
    ncm_rram_meas_free(m);
}

static void test_csv_columns_in_any_order_with_extra_columns_and_the_resistance_alias(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF"
                       "# measured on wafer 3\n"
                       "\n"
                       "Device , Resistance,Cycle, CONDITION ,temp_c\n"
                       "d1,4000,1,LRS@100,25\n"
                       "d2, 4100 ,2,  lrs @ 100 @ 1.5,25\n"
                       "  # a comment between rows\n"
                       "d3,3900,3,\"lrs@100@1.5@100\",25\n"
                       "\t\n"
                       "d4,2e5,1,hrs@100@2@50,25\n"
                       "d5,1.5e5,2,Hrs@100@2.0@50.0,\"with \"\"quotes\"\", and a comma\"\n"
                       "d6,2.5E5,3,hrs@1e2@+2@5e1,\n";
    ncm_error err = {0};
    ncm_rram_measurements *m = parse_file("order.csv", text, &err);
    if (!m)
        fail_msg("%s", err.msg);
    expect_good(m);
    assert_int_equal(m->conds[0].line, 4);
    assert_int_equal(m->rows[2].line, 7);
    ncm_rram_meas_free(m);
}

static void test_csv_missing_v_reset_and_t_p_come_from_the_base(void **state)
{
    (void)state;
    ncm_rram_params b = defaults();
    b.v_reset_ref_v = 1.8;
    b.t_p_ref_ns = 200;
    const char *text = "condition,cycle,resistance_ohm\n"
                       "hrs@100,1,1e5\nhrs@100@1.8,1,1.1e5\nhrs@100@1.8@200,1,1.2e5\n"
                       "hrs@100@-1.8,1,1e5\nhrs@100@-1.8,1,1e5\nhrs@100@-1.8,1,1.3e5\n";
    const char *path = tpath("base_default.csv");
    write_raw(path, text, strlen(text));
    ncm_error err = {0};
    ncm_rram_measurements *m = ncm_rram_meas_read(path, &b, &err);
    if (!m)
        fail_msg("%s", err.msg);
    /* the three spellings are one condition; the negative RESET voltage is another */
    assert_int_equal(m->n_conds, 2);
    assert_true(m->conds[0].v_reset_v == 1.8 && m->conds[0].t_p_ns == 200);
    assert_true(m->conds[1].v_reset_v == -1.8 && m->conds[1].t_p_ns == 200);
    ncm_rram_meas_free(m);
}

/* ---- the CSV reader: refused files ----------------------------------------------------------- */

static void test_csv_missing_column_refused(void **state)
{
    (void)state;
    expect_refused("nocycle.csv", "condition,resistance_ohm\nlrs@100,4000\n", NCM_ERR_FORMAT,
                   "line 1", "\"cycle\"");
    expect_refused("nores.csv", "# c\ncondition,cycle,resist\nlrs@100,1,4000\n", NCM_ERR_FORMAT,
                   "line 2", "\"resistance_ohm\"");
    expect_refused("dup.csv", "condition,cycle,resistance,resistance_ohm\n", NCM_ERR_FORMAT,
                   "line 1", "\"resistance_ohm\"");
}

static void test_csv_non_numeric_cell_refused(void **state)
{
    (void)state;
    expect_refused("alpha.csv", "condition,cycle,resistance_ohm\nlrs@100,1,4000\nlrs@100,2,4k\n",
                   NCM_ERR_FORMAT, "line 3, column \"resistance_ohm\"", "\"4k\"");
    expect_refused("hex.csv", "condition,cycle,resistance_ohm\nlrs@100,1,0x10\n", NCM_ERR_FORMAT,
                   "line 2, column \"resistance_ohm\"", NULL);
    expect_refused("emptycell.csv", "condition,cycle,resistance_ohm\nlrs@100,1,\n", NCM_ERR_FORMAT,
                   "line 2, column \"resistance_ohm\"", NULL);
    expect_refused("cycle.csv", "condition,cycle,resistance_ohm\nlrs@100,1.5,4000\n",
                   NCM_ERR_FORMAT, "line 2, column \"cycle\"", "integer");
    expect_refused("negcycle.csv", "condition,cycle,resistance_ohm\nlrs@100,-1,4000\n",
                   NCM_ERR_FORMAT, "line 2, column \"cycle\"", NULL);
}

static void test_csv_negative_or_zero_resistance_refused(void **state)
{
    (void)state;
    expect_refused("neg.csv", "condition,cycle,resistance_ohm\nlrs@100,1,-4000\n", NCM_ERR_FORMAT,
                   "line 2, column \"resistance_ohm\"", "\"-4000\"");
    expect_refused("zero.csv", "condition,cycle,resistance_ohm\nlrs@100,1,0\n", NCM_ERR_FORMAT,
                   "line 2, column \"resistance_ohm\"", "> 0");
}

static void test_csv_nan_and_infinity_refused(void **state)
{
    (void)state;
    expect_refused("nan.csv", "condition,cycle,resistance_ohm\nlrs@100,1,nan\n", NCM_ERR_FORMAT,
                   "line 2, column \"resistance_ohm\"", "\"nan\"");
    expect_refused("inf.csv", "condition,cycle,resistance_ohm\nlrs@100,1,inf\n", NCM_ERR_FORMAT,
                   "line 2, column \"resistance_ohm\"", "finite");
    expect_refused("huge.csv", "condition,cycle,resistance_ohm\nlrs@100,1,1e999\n", NCM_ERR_FORMAT,
                   "line 2, column \"resistance_ohm\"", "finite");
}

static void test_csv_malformed_condition_refused(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"lrs", "no compliance current"},
        {"lrs-100", "neither lrs nor hrs"},
        {"set@100", "neither lrs nor hrs"},
        {"lrs@", "I_CC_UA"},
        {"lrs@-5", "I_CC_UA"},
        {"lrs@100@0", "V_RESET_V"},
        {"hrs@100@1.5@0", "T_P_NS"},
        {"hrs@100@1.5@x", "T_P_NS"},
        {"hrs@100@1.5@100@7", "more than 4"},
        {"lrs@@1.5", "I_CC_UA"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "condition,cycle,resistance_ohm\nlrs@100,1,4000\n%s,1,4000\n",
                 bad[i][0]);
        expect_refused("cond.csv", text, NCM_ERR_FORMAT, "line 3, column \"condition\"", bad[i][1]);
    }
}

static void test_csv_wrong_number_of_fields_refused(void **state)
{
    (void)state;
    expect_refused("few.csv", "condition,cycle,resistance_ohm\nlrs@100,1,4000\nlrs@100,2\n",
                   NCM_ERR_FORMAT, "line 3", "column \"resistance_ohm\" is missing");
    expect_refused("many.csv", "condition,cycle,resistance_ohm\nlrs@100,1,4000,7\n", NCM_ERR_FORMAT,
                   "line 2", "after column \"resistance_ohm\"");
    expect_refused("quote.csv", "condition,cycle,resistance_ohm\n\"lrs@100,1,4000\n",
                   NCM_ERR_FORMAT, "line 2, column \"condition\"", "quote");
}

static void test_csv_empty_file_and_header_only_refused(void **state)
{
    (void)state;
    expect_refused("empty.csv", "", NCM_ERR_FORMAT, "no header", "resistance_ohm");
    expect_refused("comments.csv", "# nothing measured\n\n", NCM_ERR_FORMAT, "no header", NULL);
    expect_refused("header.csv", "condition,cycle,resistance_ohm\n", NCM_ERR_FORMAT,
                   "line 1 (header)", "no data rows");
    expect_refused("header2.csv", "condition,cycle,resistance_ohm\n# none\n\n", NCM_ERR_FORMAT,
                   "line 1 (header)", "no data rows");
}

static void test_csv_condition_with_too_few_measurements_refused(void **state)
{
    (void)state;
    expect_refused("two.csv",
                   "condition,cycle,resistance_ohm\nlrs@100,1,4000\nlrs@100,2,4100\n"
                   "hrs@100,1,1e5\nlrs@100,3,3900\nhrs@100,2,1e5\n",
                   NCM_ERR_DATA, "line 4, column \"condition\"", "hrs@100@1.5@100\" has 2");
}

static void test_csv_overlong_line_and_binary_refused(void **state)
{
    (void)state;
    char *text = malloc(NCM_RRAM_CSV_MAX_LINE + 200);
    assert_non_null(text);
    strcpy(text, "condition,cycle,resistance_ohm\nlrs@100,1,");
    size_t n = strlen(text);
    memset(text + n, '1', NCM_RRAM_CSV_MAX_LINE);
    strcpy(text + n + NCM_RRAM_CSV_MAX_LINE, "\n");
    expect_refused("long.csv", text, NCM_ERR_FORMAT, "line 2", "longer than 4096");
    free(text);
    const char bin[] = "condition,cycle,resistance_ohm\nlrs@100,1,4\0"
                       "000\n";
    write_raw(tpath("bin.csv"), bin, sizeof bin - 1);
    ncm_error err = {0};
    assert_null(ncm_rram_meas_read(tpath("bin.csv"), NULL, &err));
    assert_int_equal(err.code, NCM_ERR_FORMAT);
    assert_contains(err.msg, "line 2");
    assert_null(ncm_rram_meas_read(tpath("absent.csv"), NULL, &err));
    assert_int_equal(err.code, NCM_ERR_IO);
    assert_contains(err.msg, "absent.csv");
}

static void test_fit_refuses_a_condition_without_spread(void **state)
{
    (void)state;
    const char *text = "condition,cycle,resistance_ohm\nlrs@100,1,4000\nlrs@100,2,4000\n"
                       "lrs@100,3,4000\n";
    ncm_error err = {0};
    ncm_rram_measurements *m = parse_file("flat.csv", text, &err);
    assert_non_null(m);
    assert_null(ncm_rram_fit(m, NULL, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_DATA);
    assert_contains(err.msg, "line 2");
    assert_contains(err.msg, "equal");
    ncm_rram_meas_free(m);
}

/* ---- synthetic measurements and the whole calibration of a file ------------------------------ */

/* 1 when the test directory holds a file whose name contains `part`. */
static int dir_has(const char *part)
{
    DIR *d = opendir(g_dir);
    assert_non_null(d);
    int found = 0;
    for (struct dirent *e; (e = readdir(d));)
        found |= strstr(e->d_name, part) != NULL;
    closedir(d);
    return found;
}

static void test_sample_file_holds_the_devices_drawn_from_streams_seed_j(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    const double icc[] = {20, 100}, vr[] = {1.2, -1.8};
    ncm_rram_sample_spec spec;
    ncm_rram_sample_default(&spec);
    assert_true(spec.devices == 1000 && spec.seed == 1 && spec.n_icc == 0);
    spec.i_cc_ua = icc, spec.n_icc = 2;
    spec.v_reset_v = vr, spec.n_vreset = 2; /* t_p: the reference */
    spec.devices = 4;
    spec.seed = 3;
    spec.device = "dev.json";
    ncm_error err = {0};
    assert_int_equal(ncm_rram_sample_save(tpath("sample.csv"), &p, &spec, NULL, &err), NCM_OK);
    /* the same draws, made here: device j from Philox stream (seed, j), one SET then one RESET */
    char want[8192];
    int n = snprintf(want, sizeof want,
                     "# synthetic measurements from dev.json (nanocim %s rram sample, seed 3)\n"
                     "condition,cycle,resistance_ohm\n",
                     ncm_version());
    uint64_t j = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int d = 0; d < 4; d++) {
                ncm_rram_cond c = {icc[a], vr[b], p.t_p_ref_ns, 0};
                ncm_rng rng;
                ncm_rng_init(&rng, 3, j++);
                ncm_rram_device dev;
                ncm_rram_device_init(&dev, &p, &rng);
                double rl = ncm_rram_program(&dev, &p, &c, 1, &rng, NULL);
                double rh = ncm_rram_program(&dev, &p, &c, 0, &rng, NULL);
                n += snprintf(want + n, sizeof want - (size_t)n,
                              "lrs@%g@%g@100,0,%.6g\nhrs@%g@%g@100,0,%.6g\n", icc[a], vr[b], rl,
                              icc[a], vr[b], rh);
            }
    size_t len;
    char *text = (char *)read_all(tpath("sample.csv"), &len);
    text[len] = '\0';
    assert_string_equal(text, want);
    free(text);
    /* and the reader takes it: 8 conditions (4 of each state), 32 measurements */
    ncm_rram_measurements *m = read_ok(tpath("sample.csv"), &p);
    assert_int_equal(m->n, 32);
    assert_int_equal(m->n_conds, 8);
    ncm_rram_meas_free(m);
}

static int cancel_now(void *user, const char *task, int64_t done, int64_t total)
{
    (void)task, (void)done, (void)total;
    (*(int *)user)++;
    return 1;
}

static void test_sample_cancelled_returns_cancelled_and_leaves_no_file(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_rram_sample_spec spec;
    ncm_rram_sample_default(&spec);
    spec.devices = 10;
    int calls = 0;
    const ncm_progress pr = {cancel_now, &calls};
    ncm_error err = {0};
    assert_int_equal(ncm_rram_sample_save(tpath("cancel_sample.csv"), &p, &spec, &pr, &err),
                     NCM_ERR_CANCELLED);
    assert_int_equal(calls, 1);
    assert_contains(err.msg, "rram sample");
    assert_false(dir_has("cancel_sample"));
}

static void test_sample_check_names_the_field_and_its_value(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    const double bad[] = {-1};
    ncm_rram_sample_spec spec;
    ncm_error err = {0};
    ncm_rram_sample_default(&spec);
    spec.devices = 0;
    assert_int_equal(ncm_rram_sample_check(&spec, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "ncm_rram_sample_spec.devices = 0");
    ncm_rram_sample_default(&spec);
    spec.i_cc_ua = bad, spec.n_icc = 1;
    assert_int_equal(ncm_rram_sample_save(tpath("bad_sample.csv"), &p, &spec, NULL, &err),
                     NCM_ERR_ARG);
    assert_contains(err.msg, "i_cc_ua[0] = -1");
    assert_null(strstr(err.msg, "--"));
    assert_false(dir_has("bad_sample"));
}

/* A sample whose file would fill a disk (1e8 devices at each of 1000 conditions) is refused up
 * front, with the figure; streaming bounds the memory, not the file. */
static void test_sample_check_refuses_more_devices_than_the_limit(void **state)
{
    (void)state;
    double icc[1000];
    for (int k = 0; k < 1000; k++)
        icc[k] = 1 + k;
    ncm_rram_sample_spec spec;
    ncm_rram_sample_default(&spec);
    spec.i_cc_ua = icc, spec.n_icc = 1000;
    spec.devices = 100000000;
    ncm_error err = {0};
    assert_int_equal(ncm_rram_sample_check(&spec, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "ncm_rram_sample_spec.devices = 100000000 at 1000 conditions");
    assert_contains(err.msg, "more than the 100000000 a sample may draw");
    spec.n_icc = 1; /* 1e8 devices at one condition: still allowed */
    assert_int_equal(ncm_rram_sample_check(&spec, NULL, &err), NCM_OK);
}

static void test_fit_file_writes_the_device_and_the_report(void **state)
{
    (void)state;
    ncm_rram_params t = truth_params(), base = defaults();
    write_sampled_csv(tpath("ff.csv"), &t, DESIGN, N_DESIGN, 200, 43, "\n");
    ncm_error err = {0};
    ncm_rram_fit_report *rep = ncm_rram_fit_file(tpath("ff.csv"), &base, NULL, tpath("ff_dev.json"),
                                                 tpath("ff_rep.json"), &err);
    if (!rep)
        fail_msg("ncm_rram_fit_file: %s", err.msg);
    /* the same fit as reading and fitting by hand */
    ncm_rram_params out;
    ncm_rram_measurements *m = read_ok(tpath("ff.csv"), &base);
    ncm_rram_fit_report *rep2 = fit_ok(m, &base, NULL, &out);
    assert_memory_equal(&rep->fitted, &out, sizeof out);
    assert_int_equal(rep->n_meas, rep2->n_meas);
    ncm_rram_params back;
    assert_int_equal(ncm_rram_load(tpath("ff_dev.json"), &back, &err), NCM_OK);
    assert_memory_equal(&back, &rep->fitted, sizeof back);
    char *text;
    size_t len;
    assert_int_equal(ncm_read_file(tpath("ff_rep.json"), &text, &len, &err), NCM_OK);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    char producer[64];
    snprintf(producer, sizeof producer, "nanocim %s", ncm_version());
    assert_string_equal(cJSON_GetObjectItem(root, "producer")->valuestring, producer);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "conditions")), N_DESIGN);
    cJSON_Delete(root);
    ncm_rram_fit_report_free(rep);
    ncm_rram_fit_report_free(rep2);
    ncm_rram_meas_free(m);
    ncm_rram_fit_report_free(NULL);
    ncm_rram_meas_free(NULL);
}

static void test_fit_file_failure_leaves_no_file(void **state)
{
    (void)state;
    const char *text = "condition,cycle\nlrs@100,1\n";
    write_raw(tpath("ffbad.csv"), text, strlen(text));
    ncm_error err = {0};
    assert_null(ncm_rram_fit_file(tpath("ffbad.csv"), NULL, NULL, tpath("ffbad_dev.json"),
                                  tpath("ffbad_rep.json"), &err));
    assert_int_equal(err.code, NCM_ERR_FORMAT);
    assert_contains(err.msg, "resistance_ohm");
    assert_false(dir_has("ffbad_"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_recovers_the_parameters_of_a_known_device),
        cmocka_unit_test(test_ks_small_when_the_data_come_from_the_model),
        cmocka_unit_test(test_ks_large_for_student_t_data),
        cmocka_unit_test(test_ks_large_for_a_bimodal_condition),
        cmocka_unit_test(test_small_conditions_give_an_unbiased_sigma),
        cmocka_unit_test(test_ks_pvalues_are_calibrated),
        cmocka_unit_test(test_unidentifiable_slopes_are_kept_from_the_base),
        cmocka_unit_test(test_collinear_reset_voltage_and_pulse_width_keep_the_pulse_slope),
        cmocka_unit_test(test_a_falling_trend_is_fitted_at_the_bound_zero),
        cmocka_unit_test(test_aged_measurements_are_left_out),
        cmocka_unit_test(test_fitted_device_passes_check_and_survives_a_save_load_round_trip),
        cmocka_unit_test(test_student_t_base_gives_a_lognormal_device_and_says_so),
        cmocka_unit_test(test_report_json_lists_every_device_field_and_every_condition),
        cmocka_unit_test(test_csv_with_crlf_line_ends_and_no_final_newline_is_accepted),
        cmocka_unit_test(test_csv_columns_in_any_order_with_extra_columns_and_the_resistance_alias),
        cmocka_unit_test(test_csv_missing_v_reset_and_t_p_come_from_the_base),
        cmocka_unit_test(test_csv_missing_column_refused),
        cmocka_unit_test(test_csv_non_numeric_cell_refused),
        cmocka_unit_test(test_csv_negative_or_zero_resistance_refused),
        cmocka_unit_test(test_csv_nan_and_infinity_refused),
        cmocka_unit_test(test_csv_malformed_condition_refused),
        cmocka_unit_test(test_csv_wrong_number_of_fields_refused),
        cmocka_unit_test(test_csv_empty_file_and_header_only_refused),
        cmocka_unit_test(test_csv_condition_with_too_few_measurements_refused),
        cmocka_unit_test(test_csv_overlong_line_and_binary_refused),
        cmocka_unit_test(test_fit_refuses_a_condition_without_spread),
        cmocka_unit_test(test_sample_file_holds_the_devices_drawn_from_streams_seed_j),
        cmocka_unit_test(test_sample_cancelled_returns_cancelled_and_leaves_no_file),
        cmocka_unit_test(test_sample_check_names_the_field_and_its_value),
        cmocka_unit_test(test_sample_check_refuses_more_devices_than_the_limit),
        cmocka_unit_test(test_fit_file_writes_the_device_and_the_report),
        cmocka_unit_test(test_fit_file_failure_leaves_no_file),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
