/* Tests of the RRAM device model and cells (include/nanocim/rram.h): analytic bit error rates
 * against the Monte Carlo (1T1R at its best reference, 2T2R with PCSA offset and dead zone,
 * cycled devices, the Student-t family), the qualitative claims the default technology must
 * reproduce (BER rises as the compliance current falls; 2T2R without ECC at least as good as 1T1R
 * with SECDED; weak programming closes the window more slowly), thread-count independence,
 * the samplers, the device-level AR(1) model, energies, the JSON device file (round trip,
 * the shipped data/hfo2.json, and bad files refused with the field named), the Monte Carlo's
 * progress and cancellation, and the bit error rate sweep (include/nanocim/storage.h): its rows
 * against ncm_storage_evaluate() with the documented seeds, its CSV and JSON writers, its size
 * limit, its checks and its cancellation. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdir.h"
#include "nanocim/config.h"
#include "nanocim/rram.h"
#include "nanocim/storage.h"
#include "rram/device_internal.h"
#include "util/io.h"
#include "util/progress.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    return testdir_create("test_rram");
}

static ncm_rram_params defaults(void)
{
    ncm_rram_params p;
    ncm_rram_default(&p);
    return p;
}

static ncm_rram_cond cond_at(const ncm_rram_params *p, double i_cc_ua, double cycles)
{
    ncm_rram_cond c = ncm_rram_cond_ref(p);
    c.i_cc_ua = i_cc_ua;
    c.cycles = cycles;
    return c;
}

static double ber_of(const ncm_rram_params *p, const ncm_rram_cond *c, const ncm_rram_cell *cell)
{
    double b;
    ncm_error err = {0};
    if (ncm_rram_ber(p, c, cell, &b, &err))
        fail_msg("ncm_rram_ber: %s", err.msg);
    return b;
}

static ncm_rram_cell best_cell(const ncm_rram_params *p, const ncm_rram_cond *c, double *ber)
{
    ncm_rram_cell cell = {NCM_CELL_1T1R, 0};
    ncm_error err = {0};
    if (ncm_rram_best_ref(p, c, &cell.r_ref_ohm, ber, &err))
        fail_msg("ncm_rram_best_ref: %s", err.msg);
    return cell;
}

static ncm_rram_mc_result mc_threads(const ncm_rram_params *p, const ncm_rram_cond *c,
                                     const ncm_rram_cell *cell, int64_t n, uint64_t seed,
                                     int threads)
{
    ncm_rram_mc_result r;
    ncm_error err = {0};
    if (ncm_rram_ber_mc(p, c, cell, n, seed, threads, NULL, &r, &err))
        fail_msg("ncm_rram_ber_mc: %s", err.msg);
    return r;
}

static ncm_rram_mc_result mc_of(const ncm_rram_params *p, const ncm_rram_cond *c,
                                const ncm_rram_cell *cell, int64_t n, uint64_t seed)
{
    return mc_threads(p, c, cell, n, seed, 0);
}

/* Reads enough for about 400 errors at the expected BER. */
static int64_t reads_for(double ber)
{
    double n = 400.0 / ber;
    return (int64_t)(n < 2e5 ? 2e5 : n > 6e7 ? 6e7 : n);
}

/* Wilson score interval of errors / reads at z standard deviations. */
static void wilson(int64_t errors, int64_t reads, double z, double *lo, double *hi)
{
    const double n = (double)reads, ph = (double)errors / n;
    const double den = 1 + z * z / n, mid = (ph + z * z / (2 * n)) / den;
    const double half = z * sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den;
    *lo = mid - half;
    *hi = mid + half;
}

/* Each comparison of an analytic BER with the Monte Carlo below is a test at some level, and this
 * file makes 19 of them: at 95 % each, about one would fail by chance. Each is therefore made at
 * the Bonferroni level 1 - 0.05 / 19 (z = 3.0), so that all pass together with 95 % probability
 * when the model is right. The 95 % interval the API returns is printed beside it. */
enum { N_MC_COMPARISONS = 19 };
static const double Z_FAMILY = 3.0;

/* Runs the Monte Carlo and asserts the analytic BER lies in its interval. */
static void expect_mc_matches(const ncm_rram_params *p, const ncm_rram_cond *c,
                              const ncm_rram_cell *cell, double analytic, uint64_t seed)
{
    ncm_rram_mc_result r = mc_of(p, c, cell, reads_for(analytic), seed);
    double lo95, hi95, lo, hi;
    wilson(r.errors, r.reads, 1.959963984540054, &lo95, &hi95);
    expect_near(r.ci95_lo, lo95, 1e-15);
    expect_near(r.ci95_hi, hi95, 1e-15);
    wilson(r.errors, r.reads, Z_FAMILY, &lo, &hi);
    int in95 = analytic >= r.ci95_lo && analytic <= r.ci95_hi;
    print_message("  %s %6.1f uA, %7.2g cycles: analytic %.4e  MC %.4e  95%% [%.4e, %.4e]%s "
                  "(%lld / %lld)\n",
                  ncm_cell_type_name(cell->type), c->i_cc_ua, c->cycles, analytic, r.ber, r.ci95_lo,
                  r.ci95_hi, in95 ? "" : " outside", (long long)r.errors, (long long)r.reads);
    if (!(analytic >= lo && analytic <= hi))
        fail_msg("%s at %g uA: analytic BER %.4e outside the MC interval [%.4e, %.4e] (z = %.1f)",
                 ncm_cell_type_name(cell->type), c->i_cc_ua, analytic, lo, hi, Z_FAMILY);
}

/* Log-spaced compliance currents, 10 .. 200 uA. */
enum { N_SWEEP = 24 };
static double sweep_icc(int k)
{
    return 10.0 * pow(20.0, (double)k / (N_SWEEP - 1));
}

/* ---- analytic BER vs Monte Carlo ------------------------------------------------------------- */

static void test_1t1r_analytic_ber_at_best_ref_matches_mc(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    const double icc[] = {12, 25, 45, 80, 135}; /* BER about 1e-1 .. 1e-5 */
    double lo = 1, hi = 0;
    for (int k = 0; k < 5; k++) {
        ncm_rram_cond c = cond_at(&p, icc[k], 0);
        double b;
        ncm_rram_cell cell = best_cell(&p, &c, &b);
        expect_mc_matches(&p, &c, &cell, b, 100 + k);
        lo = fmin(lo, b);
        hi = fmax(hi, b);
    }
    assert_true(hi > 5e-2 && lo < 2e-5); /* the grid spans what it claims */
}

static void test_2t2r_analytic_ber_matches_mc(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    const double icc[] = {10, 20, 30, 45, 55}; /* BER about 1e-1 .. 1e-5 */
    ncm_rram_cell cell = ncm_rram_cell_default(&p, NCM_CELL_2T2R);
    double lo = 1, hi = 0;
    for (int k = 0; k < 5; k++) {
        ncm_rram_cond c = cond_at(&p, icc[k], 0);
        double b = ber_of(&p, &c, &cell);
        expect_mc_matches(&p, &c, &cell, b, 200 + k);
        lo = fmin(lo, b);
        hi = fmax(hi, b);
    }
    assert_true(hi > 5e-2 && lo < 2e-5);
}

static void test_cycled_analytic_ber_matches_mc(void **state)
{
    (void)state;
    /* drift of the medians and stuck devices (1.6e-3 of them at 200 uA after 1e7 cycles) */
    ncm_rram_params p = defaults();
    ncm_rram_cond strong = cond_at(&p, 200, 1e7), weak = cond_at(&p, 20, 1e9);
    ncm_rram_cell c2 = ncm_rram_cell_default(&p, NCM_CELL_2T2R);
    ncm_rram_cell c1 = ncm_rram_cell_default(&p, NCM_CELL_1T1R);
    expect_mc_matches(&p, &strong, &c2, ber_of(&p, &strong, &c2), 301);
    expect_mc_matches(&p, &strong, &c1, ber_of(&p, &strong, &c1), 302);
    expect_mc_matches(&p, &weak, &c2, ber_of(&p, &weak, &c2), 303);
}

static void test_student_t_1t1r_analytic_ber_matches_mc(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    p.family = NCM_RRAM_STUDENT_T;
    p.t_nu = 4;
    const double icc[] = {20, 60, 200};
    for (int k = 0; k < 3; k++) {
        ncm_rram_cond c = cond_at(&p, icc[k], 0);
        double b;
        ncm_rram_cell cell = best_cell(&p, &c, &b);
        expect_mc_matches(&p, &c, &cell, b, 400 + k);
        ncm_rram_cell fixed = ncm_rram_cell_default(&p, NCM_CELL_1T1R);
        expect_mc_matches(&p, &c, &fixed, ber_of(&p, &c, &fixed), 410 + k);
    }
    /* heavier tails than the lognormal at the same scale */
    ncm_rram_params ln = defaults();
    ncm_rram_cond c = cond_at(&p, 200, 0);
    double bt, bl;
    best_cell(&p, &c, &bt);
    best_cell(&ln, &c, &bl);
    assert_true(bt > 10 * bl);
}

static void test_student_t_2t2r_has_no_closed_form_but_a_monte_carlo(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    p.family = NCM_RRAM_STUDENT_T;
    ncm_rram_cond c = cond_at(&p, 30, 0);
    ncm_rram_cell cell = ncm_rram_cell_default(&p, NCM_CELL_2T2R);
    double b = -1;
    ncm_error err = {0};
    assert_int_equal(ncm_rram_ber(&p, &c, &cell, &b, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "no closed form");
    assert_contains(err.msg, "ncm_rram_ber_mc");
    ncm_rram_mc_result r = mc_of(&p, &c, &cell, 400000, 5);
    ncm_rram_params ln = defaults();
    assert_true(r.ber > ber_of(&ln, &c, &cell)); /* heavier tails, more errors */
}

/* ---- the qualitative claims of the default technology ---------------------------------------- */

static void test_ber_rises_as_compliance_current_falls(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_rram_cell c2 = ncm_rram_cell_default(&p, NCM_CELL_2T2R);
    ncm_rram_cell c1 = ncm_rram_cell_default(&p, NCM_CELL_1T1R);
    double prev_best = 0, prev_2t2r = 0, prev_fixed = 0, first_best = 0, last_best = 0;
    for (int k = N_SWEEP - 1; k >= 0; k--) { /* from 200 uA down to 10 uA */
        ncm_rram_cond c = cond_at(&p, sweep_icc(k), 0);
        double best;
        best_cell(&p, &c, &best);
        double b2 = ber_of(&p, &c, &c2), bf = ber_of(&p, &c, &c1);
        assert_true(best > prev_best);
        assert_true(b2 > prev_2t2r);
        assert_true(bf >= prev_fixed);
        prev_best = best, prev_2t2r = b2, prev_fixed = bf;
        if (k == N_SWEEP - 1)
            last_best = best;
        first_best = best;
    }
    /* 1T1R raw BER spans roughly 1e-1 (10 uA) .. 1e-6 (200 uA) */
    assert_true(first_best > 5e-2 && first_best < 0.3);
    assert_true(last_best > 1e-7 && last_best < 5e-6);
    /* the Monte Carlo agrees on the ordering at a few points */
    double prev = 0;
    const double icc[] = {60, 30, 15};
    for (int k = 0; k < 3; k++) {
        ncm_rram_cond c = cond_at(&p, icc[k], 0);
        ncm_rram_mc_result r = mc_of(&p, &c, &c2, 2000000, 50 + k);
        assert_true(r.ber > prev);
        prev = r.ber;
    }
}

static void test_2t2r_without_ecc_beats_1t1r_with_secded_where_raw_ber_below_1e_2(void **state)
{
    (void)state;
    /* SECDED (72,64) leaves about (n - 1) p^2 = 71 p^2 residual bit errors at small p: two errors
     * in a word are detected, not corrected (docs/hfo2.md, "SECDED codes for 1T1R words"). */
    ncm_rram_params p = defaults();
    ncm_rram_cell c2 = ncm_rram_cell_default(&p, NCM_CELL_2T2R);
    int checked = 0;
    for (int k = 0; k < N_SWEEP; k++) {
        ncm_rram_cond c = cond_at(&p, sweep_icc(k), 0);
        double p1;
        best_cell(&p, &c, &p1);
        if (p1 >= 1e-2)
            continue;
        double b2 = ber_of(&p, &c, &c2);
        if (!(b2 <= 70 * p1 * p1))
            fail_msg("at %.1f uA: 2T2R BER %.3e > 70 p^2 = %.3e (1T1R raw %.3e)", c.i_cc_ua, b2,
                     70 * p1 * p1, p1);
        checked++;
    }
    assert_true(checked >= N_SWEEP / 2);
}

static void test_weak_programming_closes_the_window_more_slowly(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_rram_stats w0, w1, s0, s1;
    ncm_rram_cond c = cond_at(&p, 20, 0);
    ncm_rram_stats_at(&p, &c, &w0);
    c.cycles = 1e6;
    ncm_rram_stats_at(&p, &c, &w1);
    c = cond_at(&p, 200, 0);
    ncm_rram_stats_at(&p, &c, &s0);
    c.cycles = 1e6;
    ncm_rram_stats_at(&p, &c, &s1);
    double weak_loss = (w0.mu_hrs - w0.mu_lrs) - (w1.mu_hrs - w1.mu_lrs);
    double strong_loss = (s0.mu_hrs - s0.mu_lrs) - (s1.mu_hrs - s1.mu_lrs);
    assert_true(weak_loss >= 0 && strong_loss > 0);
    assert_true(weak_loss < strong_loss);
    assert_true(w1.stuck_frac < s1.stuck_frac); /* and fails less often for good */
}

static void test_ber_rises_with_cycling(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    const double cycles[] = {0, 1e4, 1e6, 1e8, 1e11};
    double ber[5];
    ncm_error err = {0};
    for (int t = 0; t < 2; t++) {
        ncm_rram_cell cell = ncm_rram_cell_default(&p, (ncm_cell_type)t);
        ncm_rram_cond c = cond_at(&p, 100, 0);
        assert_int_equal(ncm_rram_ber_vs_cycles(&p, &c, &cell, cycles, 5, ber, &err), NCM_OK);
        for (int i = 1; i < 5; i++)
            assert_true(ber[i] > ber[i - 1]);
        assert_true(ber[4] > 0.3); /* worn out: most devices stuck */
    }
}

/* ---- reproducibility, reference -------------------------------------------------------------- */

static void test_mc_identical_for_1_and_2_threads(void **state)
{
    (void)state;
    ncm_rram_params p = defaults(), t = defaults();
    t.family = NCM_RRAM_STUDENT_T;
    const int64_t n = 5 * NCM_RRAM_MC_CHUNK + 12345; /* a partial last chunk */
    struct {
        const ncm_rram_params *p;
        ncm_cell_type type;
        double icc, cycles;
    } cases[] = {{&p, NCM_CELL_1T1R, 30, 0},
                 {&p, NCM_CELL_2T2R, 20, 0},
                 {&p, NCM_CELL_2T2R, 200, 1e8},
                 {&t, NCM_CELL_2T2R, 50, 0}};
    const int saved = omp_get_max_threads();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ncm_rram_cond c = cond_at(cases[k].p, cases[k].icc, cases[k].cycles);
        ncm_rram_cell cell = ncm_rram_cell_default(cases[k].p, cases[k].type);
        /* the per-call argument */
        ncm_rram_mc_result one = mc_threads(cases[k].p, &c, &cell, n, 77, 1);
        ncm_rram_mc_result two = mc_threads(cases[k].p, &c, &cell, n, 77, 2);
        assert_true(one.errors > 0);
        assert_true(one.errors == two.errors && one.reads == two.reads);
        assert_true(one.ber == two.ber && one.ci95_lo == two.ci95_lo);
        /* threads = 0: the current OpenMP setting */
        omp_set_num_threads(2);
        ncm_rram_mc_result cur = mc_of(cases[k].p, &c, &cell, n, 77);
        omp_set_num_threads(saved);
        assert_true(one.errors == cur.errors && one.ber == cur.ber);
    }
    /* more chunks than one block of progress reports on one thread (16 chunks a block) */
    ncm_rram_cond c = cond_at(&p, 30, 0);
    ncm_rram_cell cell = ncm_rram_cell_default(&p, NCM_CELL_1T1R);
    const int64_t big = 37 * NCM_RRAM_MC_CHUNK + 5;
    ncm_rram_mc_result one = mc_threads(&p, &c, &cell, big, 78, 1);
    ncm_rram_mc_result three = mc_threads(&p, &c, &cell, big, 78, 3);
    assert_true(one.errors == three.errors && one.ber == three.ber);
}

static void test_best_ref_is_a_minimum(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    for (int fam = 0; fam < 2; fam++) {
        p.family = (ncm_rram_family)fam;
        const double icc[] = {10, 30, 100, 200};
        const double cycles[] = {0, 0, 1e8, 0};
        for (int k = 0; k < 4; k++) {
            ncm_rram_cond c = cond_at(&p, icc[k], cycles[k]);
            double b;
            ncm_rram_cell cell = best_cell(&p, &c, &b);
            assert_true(cell.r_ref_ohm > 1e3 && cell.r_ref_ohm < 1e6);
            assert_true(b == ber_of(&p, &c, &cell));
            ncm_rram_cell up = cell, down = cell;
            up.r_ref_ohm *= 1.1;
            down.r_ref_ohm /= 1.1;
            assert_true(ber_of(&p, &c, &up) >= b);
            assert_true(ber_of(&p, &c, &down) >= b);
            ncm_rram_cell fixed = ncm_rram_cell_default(&p, NCM_CELL_1T1R);
            assert_true(ber_of(&p, &c, &fixed) >= b);
        }
    }
}

/* A hostile spread (sigma of ln R = 1e300) spans an interval whose neighbouring doubles are
 * farther apart than the search's tolerance: the search must still end, with a finite BER. */
static void test_best_ref_ends_for_a_huge_spread(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    p.sigma_lrs = 1e300;
    ncm_rram_cond c = cond_at(&p, 20, 0);
    double b;
    ncm_rram_cell cell = best_cell(&p, &c, &b);
    assert_true(isfinite(b) && b >= 0 && b <= 1);
    assert_true(cell.r_ref_ohm >= 0);
}

static void test_student_t_tail_matches_closed_forms(void **state)
{
    (void)state;
    /* nu = 1 is Cauchy: P(T > t) = 1/2 - atan(t)/pi; nu = 2: 1/2 - t / (2 sqrt(2 + t^2)) */
    const double ts[] = {-3, -0.5, 0, 0.3, 1, 2.5, 10, 100};
    for (int i = 0; i < 8; i++) {
        double t = ts[i];
        double cauchy = 0.5 - atan(t) / M_PI;
        double nu2 = 0.5 - t / (2.0 * sqrt(2.0 + t * t));
        expect_near(ncm_student_t_sf(t, 1), cauchy, 1e-12);
        expect_near(ncm_student_t_sf(t, 2), nu2, 1e-12);
    }
    /* far tail, relative accuracy: for nu = 2, P(T > t) = 1 / (2 + t^2 + t sqrt(2 + t^2)) */
    double t = 1e4, exact = 1.0 / (2.0 + t * t + t * sqrt(2.0 + t * t));
    expect_near(ncm_student_t_sf(t, 2) / exact, 1.0, 1e-9);
    /* large nu tends to the normal */
    expect_near(ncm_student_t_sf(3.0, 1e7), ncm_phi(-3.0), 1e-8);
}

static void test_ziggurat_normal_matches_phi_in_the_tails(void **state)
{
    (void)state;
    ncm_zig_init();
    ncm_rng r;
    ncm_rng_init(&r, 9, 0);
    const int64_t n = 20000000;
    const double cuts[] = {0.5, 2.0, 3.3, 3.6, 4.2}; /* inside, around and beyond the ziggurat r */
    int64_t above[5] = {0}, below[5] = {0};
    double sum = 0, sum2 = 0;
    for (int64_t i = 0; i < n; i++) {
        double z = ncm_zig_normal(&r);
        sum += z;
        sum2 += z * z;
        for (int k = 0; k < 5; k++) {
            above[k] += z > cuts[k];
            below[k] += z < -cuts[k];
        }
    }
    expect_near(sum / n, 0.0, 5 * sqrt(1.0 / n));
    expect_near(sum2 / n, 1.0, 5 * sqrt(2.0 / n));
    for (int k = 0; k < 5; k++) {
        double q = ncm_phi(-cuts[k]), sd = sqrt(q * (1 - q) / n);
        expect_near((double)above[k] / n, q, 4.5 * sd);
        expect_near((double)below[k] / n, q, 4.5 * sd);
    }
}

/* ---- device level ---------------------------------------------------------------------------- */

static void test_device_c2c_is_ar1_around_the_device_median(void **state)
{
    (void)state;
    /* ln R = mu + sigma (sqrt(f) D + sqrt(1 - f) C_n): across devices the spread of D is the d2d
     * part; within a device the C_n have variance 1 and lag-1 correlation rho. */
    ncm_rram_params p = defaults();
    ncm_rram_cond c = cond_at(&p, 100, 0);
    ncm_rram_stats s;
    ncm_rram_stats_at(&p, &c, &s);
    ncm_rng rng;
    ncm_rng_init(&rng, 3, 0);
    enum { DEVICES = 2000, EVENTS = 40 };
    double sc = 0, sc2 = 0, slag = 0, sd2 = 0, stot2 = 0;
    int64_t nc = 0, nlag = 0;
    for (int d = 0; d < DEVICES; d++) {
        ncm_rram_device dev;
        ncm_rram_device_init(&dev, &p, &rng);
        sd2 += dev.d2d_lrs * dev.d2d_lrs;
        double prev = 0;
        for (int e = 0; e < EVENTS; e++) {
            double r = ncm_rram_program(&dev, &p, &c, 1, &rng, NULL);
            ncm_rram_program(&dev, &p, &c, 0, &rng, NULL);
            double g = (log(r) - s.mu_lrs) / s.sigma_lrs; /* standardized, drift negligible */
            double cn = (g - sqrt(p.d2d_var_frac) * dev.d2d_lrs) / sqrt(1 - p.d2d_var_frac);
            stot2 += g * g;
            sc += cn;
            sc2 += cn * cn;
            nc++;
            if (e > 0) {
                slag += cn * prev;
                nlag++;
            }
            prev = cn;
        }
    }
    double mean = sc / nc, var = sc2 / nc - mean * mean;
    expect_near(var, 1.0, 0.05);
    expect_near(slag / nlag / var, p.c2c_rho, 0.02);
    expect_near(sd2 / DEVICES, 1.0, 0.1);
    expect_near(stot2 / nc, 1.0, 0.1); /* total variance sigma_L^2 */
}

static void test_stuck_devices_stay_stuck_at_the_per_cycle_rate(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    p.stuck_p_ref = 0.01;
    ncm_rram_cond c = cond_at(&p, p.i_ref_ua, 0);
    ncm_rng rng;
    ncm_rng_init(&rng, 4, 0);
    enum { DEVICES = 4000, CYCLES = 100 };
    int stuck = 0, stuck_lrs = 0;
    for (int d = 0; d < DEVICES; d++) {
        ncm_rram_device dev;
        ncm_rram_device_init(&dev, &p, &rng);
        int was = NCM_RRAM_STUCK_NONE;
        for (int e = 0; e < CYCLES; e++) {
            ncm_rram_program(&dev, &p, &c, 1, &rng, NULL);
            if (dev.stuck == NCM_RRAM_STUCK_HRS)
                assert_false(dev.lrs);
            ncm_rram_program(&dev, &p, &c, 0, &rng, NULL);
            if (dev.stuck == NCM_RRAM_STUCK_LRS)
                assert_true(dev.lrs);
            if (was)
                assert_int_equal(dev.stuck, was); /* permanent */
            was = dev.stuck;
        }
        assert_true(dev.cycles == CYCLES);
        stuck += dev.stuck != NCM_RRAM_STUCK_NONE;
        stuck_lrs += dev.stuck == NCM_RRAM_STUCK_LRS;
    }
    c.cycles = CYCLES;
    ncm_rram_stats s;
    ncm_rram_stats_at(&p, &c, &s);
    double f = s.stuck_frac, sd = sqrt(f * (1 - f) / DEVICES);
    expect_near((double)stuck / DEVICES, f, 4 * sd);
    expect_near((double)stuck_lrs / stuck, p.stuck_lrs_frac, 0.05);
}

static void test_pcsa_outputs_xnor_of_input_and_weight(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_rng rng;
    ncm_rng_init(&rng, 6, 0);
    const double r_lrs = 4e3, r_hrs = 100e3;
    for (int w = 0; w < 2; w++)
        for (int x = 0; x < 2; x++) {
            double ra = w ? r_lrs : r_hrs, rb = w ? r_hrs : r_lrs;
            for (int i = 0; i < 100; i++)
                assert_int_equal(ncm_pcsa_xnor(&p, ra, rb, x, &rng), x == w);
            /* a weight stored wrong (pair swapped) gives the complement */
            assert_int_equal(ncm_pcsa_xnor(&p, rb, ra, x, &rng), x != w);
        }
    /* inside the dead zone the latch decides at random */
    p.pcsa_offset_sigma = 0;
    int ones = 0;
    for (int i = 0; i < 10000; i++)
        ones += ncm_pcsa_read(&p, 10e3, 10e3 * exp(0.5 * p.pcsa_dead_zone), &rng);
    assert_true(ones > 4700 && ones < 5300);
    /* 1T1R: LRS reads 1 */
    assert_int_equal(ncm_rram_read_1t1r(r_lrs, p.r_ref_ohm), 1);
    assert_int_equal(ncm_rram_read_1t1r(r_hrs, p.r_ref_ohm), 0);
}

/* ---- energy ---------------------------------------------------------------------------------- */

static void test_energies_positive_and_set_energy_proportional_to_icc(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_rram_cond a = cond_at(&p, 20, 0), b = cond_at(&p, 200, 0);
    for (int t = 0; t < 2; t++) {
        ncm_rram_energy ea = ncm_rram_energy_at(&p, &a, (ncm_cell_type)t);
        ncm_rram_energy eb = ncm_rram_energy_at(&p, &b, (ncm_cell_type)t);
        assert_true(ea.e_set_pj > 0 && ea.e_reset_pj > 0 && ea.e_program_bit_pj > 0);
        assert_true(ea.e_read_bit_pj > 0);
        expect_near(eb.e_set_pj / ea.e_set_pj, 10.0, 1e-12);
        expect_near(ea.e_set_pj, p.v_set_v * 20e-6 * p.t_p_ref_ns * 1e-9 * 1e12, 1e-12);
        assert_int_equal(ea.devices_per_bit, t == NCM_CELL_2T2R ? 2 : 1);
    }
    ncm_rram_energy e1 = ncm_rram_energy_at(&p, &a, NCM_CELL_1T1R);
    ncm_rram_energy e2 = ncm_rram_energy_at(&p, &a, NCM_CELL_2T2R);
    expect_near(e2.e_program_bit_pj, 2 * e1.e_program_bit_pj, 1e-12);
    assert_true(e2.e_read_bit_pj > e1.e_read_bit_pj);
    /* the device-level RESET energy uses the drawn LRS it starts from */
    ncm_rng rng;
    ncm_rng_init(&rng, 8, 0);
    ncm_rram_device d;
    ncm_rram_device_init(&d, &p, &rng);
    double e = 0;
    double r = ncm_rram_program(&d, &p, &a, 1, &rng, &e);
    expect_near(e, e1.e_set_pj, 1e-12);
    e = 0;
    ncm_rram_program(&d, &p, &a, 0, &rng, &e);
    expect_near(e, a.v_reset_v * a.v_reset_v / r * a.t_p_ns * 1e3, 1e-9);
}

/* ---- device files ---------------------------------------------------------------------------- */

static void test_device_file_round_trip(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_rram_params p = defaults(), q;
    assert_int_equal(ncm_rram_save(tpath("rt.json"), &p, &err), NCM_OK);
    assert_int_equal(ncm_rram_load(tpath("rt.json"), &q, &err), NCM_OK);
    assert_memory_equal(&p, &q, sizeof p);
    /* values that need all 17 digits, and the other family */
    p.family = NCM_RRAM_STUDENT_T;
    p.t_nu = 3.1;
    p.sigma_lrs = 0.1 + 0.2;
    p.r_hrs_ref_ohm = 1.0 / 3.0 * 1e5;
    p.stuck_p_ref = 1.234567890123e-13;
    snprintf(p.name, sizeof p.name, "%s", "my-tech \"v2\"");
    assert_int_equal(ncm_rram_save(tpath("rt2.json"), &p, &err), NCM_OK);
    assert_int_equal(ncm_rram_load(tpath("rt2.json"), &q, &err), NCM_OK);
    assert_memory_equal(&p, &q, sizeof p);
}

static void test_shipped_device_file_holds_the_defaults(void **state)
{
    (void)state;
    /* data/hfo2.json beside this test's source (__FILE__ is absolute in CMake builds) */
    char path[4096];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (!slash)
        skip();
    snprintf(slash, sizeof path - (size_t)(slash - path), "/../data/hfo2.json");
    ncm_error err = {0};
    ncm_rram_params p = defaults(), q;
    if (ncm_rram_load(path, &q, &err))
        fail_msg("%s", err.msg);
    assert_memory_equal(&p, &q, sizeof p);
}

/* Writes the default device file with group.key replaced by `value` (deleted when NULL), or with
 * the text `raw` in place of the value when raw is not NULL; loads it and returns the status. */
static ncm_status load_altered(const char *name, const char *group, const char *key, cJSON *value,
                               const char *raw, ncm_error *err)
{
    ncm_rram_params p = defaults(), q;
    const char *base = tpath("base.json");
    assert_int_equal(ncm_rram_save(base, &p, err), NCM_OK);
    char *text;
    size_t len;
    assert_int_equal(ncm_read_file(base, &text, &len, err), NCM_OK);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    cJSON *parent = group ? cJSON_GetObjectItemCaseSensitive(root, group) : root;
    assert_non_null(parent);
    if (raw)
        value = cJSON_CreateNumber(987654321.0); /* a marker replaced below */
    if (value) {
        if (cJSON_GetObjectItemCaseSensitive(parent, key))
            cJSON_ReplaceItemInObjectCaseSensitive(parent, key, value);
        else
            cJSON_AddItemToObject(parent, key, value);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
    }
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    if (raw) {
        char *m = strstr(out, "987654321");
        assert_non_null(m);
        char *edited = malloc(strlen(out) + strlen(raw) + 1);
        memcpy(edited, out, (size_t)(m - out));
        strcpy(edited + (m - out), raw);
        strcat(edited, m + strlen("987654321"));
        free(out);
        out = edited;
    }
    const char *path = tpath(name);
    write_raw(path, out, strlen(out));
    free(out);
    return ncm_rram_load(path, &q, err);
}

static void expect_refused(ncm_status got, ncm_status want, const ncm_error *err, const char *file,
                           const char *field)
{
    if (got != want)
        fail_msg("status %d (%s), expected %d; message \"%s\"", got, ncm_status_name(got), want,
                 err->msg);
    assert_contains(err->msg, file);
    assert_contains(err->msg, field);
}

static void test_device_file_negative_resistance_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_status s =
        load_altered("negr.json", "hrs", "r_median_ohm", cJSON_CreateNumber(-1e5), NULL, &err);
    expect_refused(s, NCM_ERR_ARG, &err, "negr.json", "hrs.r_median_ohm");
    s = load_altered("negref.json", "sensing", "r_ref_ohm", cJSON_CreateNumber(-5), NULL, &err);
    expect_refused(s, NCM_ERR_ARG, &err, "negref.json", "sensing.r_ref_ohm");
}

static void test_device_file_zero_or_negative_sigma_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_status s =
        load_altered("zsig.json", "lrs", "sigma_ln_r", cJSON_CreateNumber(0), NULL, &err);
    expect_refused(s, NCM_ERR_ARG, &err, "zsig.json", "lrs.sigma_ln_r");
    s = load_altered("nsig.json", "hrs", "sigma_ln_r", cJSON_CreateNumber(-0.5), NULL, &err);
    expect_refused(s, NCM_ERR_ARG, &err, "nsig.json", "hrs.sigma_ln_r");
}

static void test_device_file_negative_current_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_status s = load_altered("negi.json", "reference_condition", "i_cc_ua",
                                cJSON_CreateNumber(-100), NULL, &err);
    expect_refused(s, NCM_ERR_ARG, &err, "negi.json", "reference_condition.i_cc_ua");
}

static void test_device_file_nan_and_infinity_refused(void **state)
{
    (void)state;
    /* JSON has no NaN literal: a "nan" string is a type error, 1e999 reads as infinity */
    ncm_error err = {0};
    ncm_status s = load_altered("nan.json", "lrs", "v_c_v", cJSON_CreateString("nan"), NULL, &err);
    expect_refused(s, NCM_ERR_FORMAT, &err, "nan.json", "lrs.v_c_v");
    assert_contains(err.msg, "must be a number");
    s = load_altered("inf.json", "endurance", "n0_cycles", NULL, "1e999", &err);
    expect_refused(s, NCM_ERR_ARG, &err, "inf.json", "endurance.n0_cycles");
    assert_contains(err.msg, "finite");
}

static void test_device_file_missing_field_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_status s = load_altered("miss.json", "energy", "v_set_v", NULL, NULL, &err);
    expect_refused(s, NCM_ERR_FORMAT, &err, "miss.json", "energy.v_set_v");
    assert_contains(err.msg, "missing");
    s = load_altered("missg.json", NULL, "sensing", NULL, NULL, &err);
    expect_refused(s, NCM_ERR_FORMAT, &err, "missg.json", "\"sensing\"");
}

static void test_device_file_unknown_distribution_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_status s = load_altered("dist.json", "distribution", "family", cJSON_CreateString("gauss"),
                                NULL, &err);
    expect_refused(s, NCM_ERR_ARG, &err, "dist.json", "distribution.family");
    assert_contains(err.msg, "gauss");
}

static void test_device_file_unknown_field_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_status s =
        load_altered("unk.json", "hrs", "sigma_ln_R", cJSON_CreateNumber(0.5), NULL, &err);
    expect_refused(s, NCM_ERR_FORMAT, &err, "unk.json", "hrs.sigma_ln_R");
}

static void test_device_file_json_syntax_error_names_line(void **state)
{
    (void)state;
    const char *text = "{\n  \"format\": \"nanocim-rram-device\",\n  \"version\": 1,\n  oops\n}\n";
    const char *path = tpath("syntax.json");
    write_raw(path, text, strlen(text));
    ncm_rram_params q;
    ncm_error err = {0};
    expect_refused(ncm_rram_load(path, &q, &err), NCM_ERR_FORMAT, &err, "syntax.json", "line 4");
}

/* A file that cannot be JSON is refused at its first byte, not read whole (/dev/zero never
 * ends). */
static void test_device_file_not_json_refused_at_its_first_byte(void **state)
{
    (void)state;
    ncm_rram_params q;
    ncm_error err = {0};
    expect_refused(ncm_rram_load("/dev/zero", &q, &err), NCM_ERR_FORMAT, &err, "/dev/zero",
                   "not a JSON file (byte 0 is 0x00");
    const char *path = tpath("binary.json");
    write_raw(path, "\xff\xfe{}", 4);
    expect_refused(ncm_rram_load(path, &q, &err), NCM_ERR_FORMAT, &err, "binary.json", "0xff");
}

/* A key given twice is found in an object of many members too (sorted, not pairwise). */
static void test_device_file_key_twice_in_a_large_object_refused(void **state)
{
    (void)state;
    size_t cap = 1 << 16, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "{\"format\": \"nanocim-rram-device\"");
    for (int k = 0; k < 500; k++)
        n += (size_t)snprintf(text + n, cap - n, ", \"k%03d\": %d", k == 444 ? 7 : k, k);
    n += (size_t)snprintf(text + n, cap - n, "}\n");
    const char *path = tpath("many.json");
    write_raw(path, text, n);
    free(text);
    ncm_rram_params q;
    ncm_error err = {0};
    expect_refused(ncm_rram_load(path, &q, &err), NCM_ERR_FORMAT, &err, "many.json",
                   "key \"k007\" appears twice");
}

static void test_device_file_newer_version_refused(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_status s = load_altered("ver.json", NULL, "version", cJSON_CreateNumber(2), NULL, &err);
    expect_refused(s, NCM_ERR_VERSION, &err, "ver.json", "version 2");
}

static void test_bad_programming_condition_refused(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_rram_cell cell = ncm_rram_cell_default(&p, NCM_CELL_1T1R);
    ncm_rram_cond c = cond_at(&p, -10, 0);
    double b;
    ncm_error err = {0};
    assert_int_equal(ncm_rram_ber(&p, &c, &cell, &b, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "i_cc_ua");
    c = cond_at(&p, 10, -1);
    ncm_rram_mc_result r;
    assert_int_equal(ncm_rram_ber_mc(&p, &c, &cell, 10, 1, 0, NULL, &r, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "cycles");
    p.sigma_hrs = NAN;
    c = cond_at(&p, 10, 0);
    assert_int_equal(ncm_rram_ber(&p, &c, &cell, &b, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "hrs.sigma_ln_r");
}

/* ---- progress and cancellation of the Monte Carlo -------------------------------------------- */

/* Progress callback: counts the reports, checks they count up, cancels at report `stop_at`
 * (0: never). */
typedef struct {
    const char *task; /* expected task name */
    int calls, stop_at, bad;
    int64_t last_done, last_total;
} progress_log;

static int log_progress(void *user, const char *task, int64_t done, int64_t total)
{
    progress_log *l = user;
    l->calls++;
    if ((l->task && strcmp(task, l->task) != 0) || done < l->last_done || done > total)
        l->bad = 1;
    l->last_done = done;
    l->last_total = total;
    return l->stop_at && l->calls >= l->stop_at;
}

static void test_mc_reports_progress_and_cancelled_leaves_the_result(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_rram_cond c = cond_at(&p, 30, 0);
    ncm_rram_cell cell = ncm_rram_cell_default(&p, NCM_CELL_1T1R);
    const int64_t n = 40 * NCM_RRAM_MC_CHUNK + 3; /* 41 chunks: 3 blocks of 16 on one thread */
    progress_log log = {"RRAM Monte Carlo", 0, 0, 0, 0, 0};
    const ncm_progress pr = {log_progress, &log};
    ncm_rram_mc_result a, b;
    ncm_error err = {0};
    assert_int_equal(ncm_rram_ber_mc(&p, &c, &cell, n, 5, 1, &pr, &a, &err), NCM_OK);
    assert_int_equal(log.calls, 3);
    assert_false(log.bad);
    assert_true(log.last_done == n && log.last_total == n);
    b = mc_threads(&p, &c, &cell, n, 5, 1);
    assert_true(a.errors == b.errors); /* reporting changes nothing */

    progress_log stop = {NULL, 0, 1, 0, 0, 0};
    const ncm_progress cancel = {log_progress, &stop};
    memset(&b, 0x5a, sizeof b);
    ncm_rram_mc_result before = b;
    assert_int_equal(ncm_rram_ber_mc(&p, &c, &cell, n, 5, 1, &cancel, &b, &err), NCM_ERR_CANCELLED);
    assert_int_equal(err.code, NCM_ERR_CANCELLED);
    assert_contains(err.msg, "cancelled");
    assert_int_equal(stop.calls, 1);
    assert_memory_equal(&b, &before, sizeof b);
}

/* ---- storage options and the bit error rate sweep -------------------------------------------- */

static ncm_storage storage_of(const char *name)
{
    ncm_storage s;
    ncm_error err = {0};
    if (ncm_storage_parse(name, &s, &err))
        fail_msg("ncm_storage_parse(%s): %s", name, err.msg);
    return s;
}

static void test_storage_parse_names_the_value_not_an_option(void **state)
{
    (void)state;
    ncm_storage s;
    ncm_error err = {0};
    assert_int_equal(ncm_storage_parse("3t3r", &s, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "'3t3r'");
    assert_null(strstr(err.msg, "--"));
    assert_int_equal(ncm_storage_parse("1t1r-secded:0", &s, &err), NCM_ERR_ARG);
    /* the identifiers read back */
    const char *names[] = {"1t1r", "1t1r-secded", "1t1r-secded:32", "2t2r"};
    const char *ids[] = {"1t1r", "1t1r-secded:64", "1t1r-secded:32", "2t2r"};
    for (int i = 0; i < 4; i++) {
        ncm_storage a = storage_of(names[i]);
        char id[32];
        ncm_storage_id(&a, id, sizeof id);
        assert_string_equal(id, ids[i]);
        ncm_storage b = storage_of(id);
        assert_memory_equal(&a, &b, sizeof a);
    }
}

static ncm_rram_ber_table *sweep_or_fail(const ncm_rram_params *p, const ncm_rram_sweep *g,
                                         const ncm_progress *progress)
{
    ncm_error err = {0};
    ncm_rram_ber_table *t = ncm_rram_ber_sweep(p, g, progress, &err);
    if (!t)
        fail_msg("ncm_rram_ber_sweep: %s", err.msg);
    return t;
}

/* A small grid over every axis: 2 I_cc x 2 V_reset x 1 t_p x 2 ages x 3 cells = 24 rows. */
static const double G_ICC[] = {20, 100}, G_VR[] = {1.5, -1.8}, G_TP[] = {50}, G_CY[] = {0, 1e6};

static ncm_rram_sweep small_grid(ncm_storage *cells, int64_t reads)
{
    cells[0] = storage_of("1t1r");
    cells[1] = storage_of("1t1r-secded:32");
    cells[2] = storage_of("2t2r");
    ncm_rram_sweep g;
    ncm_rram_sweep_default(&g);
    g.i_cc_ua = G_ICC, g.n_icc = 2;
    g.v_reset_v = G_VR, g.n_vreset = 2;
    g.t_p_ns = G_TP, g.n_tp = 1;
    g.cycles = G_CY, g.n_cycles = 2;
    g.cells = cells, g.n_cells = 3;
    g.reads = reads;
    g.seed = 7;
    return g;
}

static void test_sweep_rows_equal_storage_evaluate_with_the_documented_seeds(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_storage cells[3];
    ncm_rram_sweep g = small_grid(cells, 150000);
    ncm_rram_ber_table *t = sweep_or_fail(&p, &g, NULL);
    assert_int_equal(t->n_points, 8);
    assert_int_equal(t->n_rows, 24);
    assert_int_equal(t->n_cells, 3);
    assert_string_equal(t->cells[1].name, "1T1R+SECDED(39,32)");
    assert_string_equal(t->cells[1].id, "1t1r-secded:32");
    assert_string_equal(t->device, "built-in");
    int64_t i = 0;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 2; c++)
            for (int d = 0; d < 2; d++)
                for (int k = 0; k < 3; k++, i++) {
                    const ncm_rram_ber_row *r = &t->rows[i];
                    assert_true(r->v_reset_v == G_VR[a] && r->t_p_ns == G_TP[0] &&
                                r->cycles == G_CY[c] && r->i_cc_ua == G_ICC[d]);
                    assert_int_equal(r->cell, k);
                    const uint64_t seed = 7 * UINT64_C(1000003) + (uint64_t)i;
                    assert_true(r->seed == seed);
                    ncm_rram_cond cond = {G_ICC[d], G_VR[a], G_TP[0], G_CY[c]};
                    ncm_storage_eval ev;
                    ncm_error err = {0};
                    assert_int_equal(
                        ncm_storage_evaluate(&p, &cond, &cells[k], 150000, seed, &ev, &err),
                        NCM_OK);
                    assert_memory_equal(&ev, &r->ev, sizeof ev);
                    assert_true(ev.reads > 0);
                }
    ncm_rram_ber_table_free(t);
}

static void test_sweep_results_do_not_depend_on_the_thread_count(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_storage cells[3];
    ncm_rram_sweep g = small_grid(cells, 2 * NCM_RRAM_MC_CHUNK + 17);
    g.threads = 1;
    ncm_rram_ber_table *one = sweep_or_fail(&p, &g, NULL);
    g.threads = 2;
    ncm_rram_ber_table *two = sweep_or_fail(&p, &g, NULL);
    assert_int_equal(one->threads, 1);
    assert_int_equal(two->threads, 2);
    assert_int_equal(one->n_rows, two->n_rows);
    assert_memory_equal(one->rows, two->rows, (size_t)one->n_rows * sizeof *one->rows);
    ncm_rram_ber_table_free(one);
    ncm_rram_ber_table_free(two);
}

static void test_sweep_empty_axes_are_the_reference_condition_and_the_three_cells(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    p.v_reset_ref_v = 1.7;
    ncm_rram_sweep g;
    ncm_rram_sweep_default(&g);
    assert_true(g.reads == 1000000 && g.seed == 1 && g.threads == 0);
    g.reads = 0;
    ncm_rram_ber_table *t = sweep_or_fail(&p, &g, NULL);
    assert_int_equal(t->n_rows, 3);
    const char *ids[] = {"1t1r", "1t1r-secded:64", "2t2r"};
    for (int k = 0; k < 3; k++) {
        const ncm_rram_ber_row *r = &t->rows[k];
        assert_string_equal(t->cells[k].id, ids[k]);
        assert_true(r->i_cc_ua == p.i_ref_ua && r->v_reset_v == 1.7 && r->t_p_ns == p.t_p_ref_ns &&
                    r->cycles == 0);
        assert_true(isfinite(r->ev.ber) && isnan(r->ev.ber_mc) && r->ev.reads == 0);
    }
    ncm_rram_ber_table_free(t);
    ncm_rram_ber_table_free(NULL);
}

/* Splits a CSV line in place into at most max fields; returns their number. */
static int split_csv(char *line, char **f, int max)
{
    int n = 0;
    for (char *tok = line; tok && n < max;) {
        f[n++] = tok;
        tok = strchr(tok, ',');
        if (tok)
            *tok++ = '\0';
    }
    return n;
}

static void test_sweep_csv_has_the_header_and_one_parsable_line_per_row(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_storage cells[3];
    ncm_rram_sweep g = small_grid(cells, 100000);
    ncm_rram_ber_table *t = sweep_or_fail(&p, &g, NULL);
    ncm_error err = {0};
    assert_int_equal(ncm_rram_ber_table_save_csv(t, tpath("sweep.csv"), &err), NCM_OK);
    size_t len;
    char *text = (char *)read_all(tpath("sweep.csv"), &len);
    text[len] = '\0';
    const char *header = "cell,i_cc_ua,v_reset_v,t_p_ns,cycles,r_ref_ohm,raw_ber,ber,ber_mc,"
                         "ci95_lo,ci95_hi,reads,errors,devices_per_bit,e_program_bit_pj,"
                         "e_read_bit_pj,decoder_gates\n";
    assert_memory_equal(text, header, strlen(header));
    char *line = text + strlen(header), *next;
    int64_t i = 0;
    for (; *line; line = next, i++) {
        next = strchr(line, '\n');
        assert_non_null(next);
        *next++ = '\0';
        assert_true(i < t->n_rows);
        const ncm_rram_ber_row *r = &t->rows[i];
        char *f[20];
        assert_int_equal(split_csv(line, f, 20), 17);
        assert_string_equal(f[0], t->cells[r->cell].id);
        double v[17];
        for (int j = 1; j < 17; j++) {
            char *end;
            v[j] = strtod(f[j], &end);
            if (end == f[j] || *end)
                fail_msg("row %lld, column %d: \"%s\" is not a number", (long long)i, j, f[j]);
        }
        assert_true(v[1] == r->i_cc_ua && v[2] == r->v_reset_v && v[3] == r->t_p_ns &&
                    v[4] == r->cycles);
        expect_near(v[7], r->ev.ber, 1e-6 * r->ev.ber);
        expect_near(v[8], r->ev.ber_mc, 1e-6 * r->ev.ber_mc);
        assert_true(v[11] == (double)r->ev.reads && v[12] == (double)r->ev.errors);
        assert_true(v[16] == r->ev.decoder_gates);
    }
    assert_int_equal(i, t->n_rows);
    free(text);
    ncm_rram_ber_table_free(t);
}

static void test_sweep_json_has_the_producer_the_provenance_and_every_point(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_storage cells[3];
    ncm_rram_sweep g = small_grid(cells, 0); /* no Monte Carlo: its values are null */
    g.device = "data/hfo2.json";
    g.threads = 2;
    ncm_rram_ber_table *t = sweep_or_fail(&p, &g, NULL);
    ncm_error err = {0};
    assert_int_equal(ncm_rram_ber_table_save_json(t, tpath("sweep.json"), &err), NCM_OK);
    size_t len;
    char *text = (char *)read_all(tpath("sweep.json"), &len);
    text[len] = '\0';
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    char producer[64];
    snprintf(producer, sizeof producer, "nanocim %s", ncm_version());
    assert_string_equal(cJSON_GetObjectItem(root, "command")->valuestring, "rram ber");
    assert_string_equal(cJSON_GetObjectItem(root, "producer")->valuestring, producer);
    assert_string_equal(cJSON_GetObjectItem(root, "device")->valuestring, "data/hfo2.json");
    assert_string_equal(cJSON_GetObjectItem(root, "technology")->valuestring, p.name);
    assert_true(cJSON_GetObjectItem(root, "seed")->valuedouble == 7);
    assert_true(cJSON_GetObjectItem(root, "reads_per_point")->valuedouble == 0);
    assert_true(cJSON_GetObjectItem(root, "threads")->valuedouble == 2);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(root, "seconds")));
    const cJSON *pts = cJSON_GetObjectItem(root, "points");
    assert_int_equal(cJSON_GetArraySize(pts), t->n_rows);
    const char *keys[] = {"cell",          "name",         "i_cc_ua",         "v_reset_v",
                          "t_p_ns",        "cycles",       "r_ref_ohm",       "raw_ber",
                          "ber",           "ber_mc",       "ci95_lo",         "ci95_hi",
                          "reads",         "errors",       "devices_per_bit", "e_program_bit_pj",
                          "e_read_bit_pj", "decoder_gates"};
    int64_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, pts)
    {
        const ncm_rram_ber_row *r = &t->rows[i++];
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (!cJSON_GetObjectItem(e, keys[k]))
                fail_msg("point %lld has no \"%s\"", (long long)i - 1, keys[k]);
        assert_string_equal(cJSON_GetObjectItem(e, "cell")->valuestring, t->cells[r->cell].id);
        assert_string_equal(cJSON_GetObjectItem(e, "name")->valuestring, t->cells[r->cell].name);
        assert_true(cJSON_GetObjectItem(e, "i_cc_ua")->valuedouble == r->i_cc_ua);
        expect_near(cJSON_GetObjectItem(e, "ber")->valuedouble, r->ev.ber, 1e-12 * r->ev.ber);
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "ber_mc")));
    }
    cJSON_Delete(root);
    ncm_rram_ber_table_free(t);
}

static void test_sweep_cancelled_returns_cancelled_and_writes_nothing(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_storage cells[3];
    /* rows of 2e8 reads: seconds each, so the cancellation must come from inside a row */
    ncm_rram_sweep g = small_grid(cells, 200000000);
    progress_log stop = {"rram ber", 0, 1, 0, 0, 0};
    const ncm_progress pr = {log_progress, &stop};
    ncm_error err = {0};
    const double t0 = ncm_now();
    ncm_rram_ber_table *t = ncm_rram_ber_sweep(&p, &g, &pr, &err);
    const double secs = ncm_now() - t0;
    assert_null(t);
    assert_int_equal(err.code, NCM_ERR_CANCELLED);
    assert_contains(err.msg, "cancelled");
    assert_int_equal(stop.calls, 1);
    assert_false(stop.bad);
    assert_true(stop.last_total == 24 && stop.last_done == 0);
    printf("  cancelled after %.3f s\n", secs);
    assert_true(secs < 1.0);
    /* the command line writes its files from the table: with none, nothing is written */
    assert_int_equal(access(tpath("cancelled.csv"), F_OK), -1);
    /* and a sweep cancelled at its last report (a fast one) keeps nothing either */
    ncm_rram_sweep fast = small_grid(cells, 0);
    progress_log stop2 = {"rram ber", 0, 1, 0, 0, 0};
    const ncm_progress pr2 = {log_progress, &stop2};
    assert_null(ncm_rram_ber_sweep(&p, &fast, &pr2, &err));
    assert_int_equal(err.code, NCM_ERR_CANCELLED);
}

static void test_sweep_reports_progress_up_to_the_row_count(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    ncm_storage cells[3];
    ncm_rram_sweep g = small_grid(cells, 20000);
    progress_log log = {"rram ber", 0, 0, 0, 0, 0};
    const ncm_progress pr = {log_progress, &log};
    ncm_rram_ber_table *t = sweep_or_fail(&p, &g, &pr);
    assert_true(log.calls >= 1);
    assert_false(log.bad);
    assert_true(log.last_done == 24 && log.last_total == 24);
    ncm_rram_ber_table *q = sweep_or_fail(&p, &g, NULL);
    assert_memory_equal(t->rows, q->rows, (size_t)t->n_rows * sizeof *t->rows);
    ncm_rram_ber_table_free(t);
    ncm_rram_ber_table_free(q);
}

static void test_sweep_refuses_more_than_1e6_rows_with_the_figure(void **state)
{
    (void)state;
    ncm_rram_params p = defaults();
    enum { N = 1000 };
    static double icc[N], cy[N];
    for (int i = 0; i < N; i++) {
        icc[i] = 10 + i;
        cy[i] = i;
    }
    ncm_rram_sweep g;
    ncm_rram_sweep_default(&g);
    g.i_cc_ua = icc, g.n_icc = N;
    g.cycles = cy, g.n_cycles = N;
    ncm_error err = {0};
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "3000000");
    assert_contains(err.msg, "1000000");
    assert_null(ncm_rram_ber_sweep(&p, &g, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg, "1000 I_cc x 1 V_reset x 1 t_p x 1000 cycles x 3 cells = 3000000");
    /* exactly at the limit: accepted by the check */
    ncm_storage one = storage_of("2t2r");
    g.cells = &one, g.n_cells = 1;
    g.n_cycles = N;
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_OK);
}

static void test_sweep_check_names_the_field_and_its_value(void **state)
{
    (void)state;
    const double bad_icc[] = {10, -5}, bad_vr[] = {0}, bad_cy[] = {NAN};
    ncm_rram_sweep g;
    ncm_error err = {0};
    ncm_rram_sweep_default(&g);
    g.i_cc_ua = bad_icc, g.n_icc = 2;
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "ncm_rram_sweep.i_cc_ua[1] = -5");
    ncm_rram_sweep_default(&g);
    g.v_reset_v = bad_vr, g.n_vreset = 1;
    assert_int_equal(ncm_rram_sweep_check(&g, "grid", &err), NCM_ERR_ARG);
    assert_contains(err.msg, "grid.v_reset_v[0] = 0");
    ncm_rram_sweep_default(&g);
    g.cycles = bad_cy, g.n_cycles = 1;
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "cycles[0] = nan");
    ncm_rram_sweep_default(&g);
    g.reads = -1;
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "reads = -1");
    ncm_rram_sweep_default(&g);
    g.threads = -2;
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "threads = -2");
    ncm_rram_sweep_default(&g);
    g.n_tp = 3;
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "t_p_ns = NULL");
    ncm_storage s = storage_of("1t1r");
    s.best_ref = 0;
    s.r_ref_ohm = -1;
    ncm_rram_sweep_default(&g);
    g.cells = &s, g.n_cells = 1;
    assert_int_equal(ncm_rram_sweep_check(&g, NULL, &err), NCM_ERR_ARG);
    assert_contains(err.msg, "cells[0].r_ref_ohm = -1");
    assert_null(strstr(err.msg, "--"));
}

static void test_sweep_row_failure_names_the_condition_and_the_cell(void **state)
{
    (void)state;
    /* SECDED needs the cell's analytic BER, which a 2T2R cell of the Student-t family lacks */
    ncm_rram_params p = defaults();
    p.family = NCM_RRAM_STUDENT_T;
    ncm_storage s = storage_of("2t2r");
    s.ecc_k = 64;
    ncm_rram_sweep g;
    ncm_rram_sweep_default(&g);
    g.cells = &s, g.n_cells = 1;
    g.reads = 0;
    ncm_error err = {0};
    assert_null(ncm_rram_ber_sweep(&p, &g, NULL, &err));
    assert_int_equal(err.code, NCM_ERR_ARG);
    assert_contains(err.msg,
                    "I_cc 100 uA, V_reset 1.5 V, t_p 100 ns, 0 cycles, 2T2R+SECDED(72,64)");
    assert_contains(err.msg, "analytic");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1t1r_analytic_ber_at_best_ref_matches_mc),
        cmocka_unit_test(test_2t2r_analytic_ber_matches_mc),
        cmocka_unit_test(test_cycled_analytic_ber_matches_mc),
        cmocka_unit_test(test_student_t_1t1r_analytic_ber_matches_mc),
        cmocka_unit_test(test_student_t_2t2r_has_no_closed_form_but_a_monte_carlo),
        cmocka_unit_test(test_ber_rises_as_compliance_current_falls),
        cmocka_unit_test(test_2t2r_without_ecc_beats_1t1r_with_secded_where_raw_ber_below_1e_2),
        cmocka_unit_test(test_weak_programming_closes_the_window_more_slowly),
        cmocka_unit_test(test_ber_rises_with_cycling),
        cmocka_unit_test(test_mc_identical_for_1_and_2_threads),
        cmocka_unit_test(test_best_ref_is_a_minimum),
        cmocka_unit_test(test_student_t_tail_matches_closed_forms),
        cmocka_unit_test(test_ziggurat_normal_matches_phi_in_the_tails),
        cmocka_unit_test(test_device_c2c_is_ar1_around_the_device_median),
        cmocka_unit_test(test_stuck_devices_stay_stuck_at_the_per_cycle_rate),
        cmocka_unit_test(test_pcsa_outputs_xnor_of_input_and_weight),
        cmocka_unit_test(test_energies_positive_and_set_energy_proportional_to_icc),
        cmocka_unit_test(test_device_file_round_trip),
        cmocka_unit_test(test_shipped_device_file_holds_the_defaults),
        cmocka_unit_test(test_device_file_negative_resistance_refused),
        cmocka_unit_test(test_device_file_zero_or_negative_sigma_refused),
        cmocka_unit_test(test_device_file_negative_current_refused),
        cmocka_unit_test(test_device_file_nan_and_infinity_refused),
        cmocka_unit_test(test_device_file_missing_field_refused),
        cmocka_unit_test(test_device_file_unknown_distribution_refused),
        cmocka_unit_test(test_device_file_unknown_field_refused),
        cmocka_unit_test(test_device_file_json_syntax_error_names_line),
        cmocka_unit_test(test_device_file_newer_version_refused),
        cmocka_unit_test(test_bad_programming_condition_refused),
        cmocka_unit_test(test_mc_reports_progress_and_cancelled_leaves_the_result),
        cmocka_unit_test(test_storage_parse_names_the_value_not_an_option),
        cmocka_unit_test(test_sweep_rows_equal_storage_evaluate_with_the_documented_seeds),
        cmocka_unit_test(test_sweep_results_do_not_depend_on_the_thread_count),
        cmocka_unit_test(test_sweep_empty_axes_are_the_reference_condition_and_the_three_cells),
        cmocka_unit_test(test_sweep_csv_has_the_header_and_one_parsable_line_per_row),
        cmocka_unit_test(test_sweep_json_has_the_producer_the_provenance_and_every_point),
        cmocka_unit_test(test_sweep_cancelled_returns_cancelled_and_writes_nothing),
        cmocka_unit_test(test_sweep_reports_progress_up_to_the_row_count),
        cmocka_unit_test(test_best_ref_ends_for_a_huge_spread),
        cmocka_unit_test(test_device_file_not_json_refused_at_its_first_byte),
        cmocka_unit_test(test_device_file_key_twice_in_a_large_object_refused),
        cmocka_unit_test(test_sweep_refuses_more_than_1e6_rows_with_the_figure),
        cmocka_unit_test(test_sweep_check_names_the_field_and_its_value),
        cmocka_unit_test(test_sweep_row_failure_names_the_condition_and_the_cell),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
