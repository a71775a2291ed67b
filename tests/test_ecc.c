/* Tests of the SECDED codes (ecc.h): code sizes and costs, the decoder's guarantees (every single
 * error corrected, every double error detected with nothing flipped), and the residual error
 * rates: the analytic rates against exhaustive enumeration of all error patterns of small codes,
 * against an independent Walsh-Hadamard inversion, against their small-p expansion, and against
 * the Monte Carlo estimate, which must not depend on the thread count, reports its progress and
 * can be cancelled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/ecc.h"
#include "nanocim/rng.h"

static ncm_secded *code_or_fail(int k)
{
    ncm_error err;
    ncm_secded *c = ncm_secded_new(k, &err);
    if (!c)
        fail_msg("ncm_secded_new(%d): %s", k, err.msg);
    return c;
}

static void random_data(ncm_rng *r, const ncm_secded *c, uint64_t *data)
{
    const int k = ncm_secded_k(c);
    for (int q = 0; q < (k + 63) / 64; q++)
        data[q] = ncm_rng_u64(r);
    if (k % 64)
        data[(k - 1) / 64] &= (1ull << (k % 64)) - 1;
}

static void flip(uint64_t *w, int j)
{
    w[j / 64] ^= 1ull << (j % 64);
}

/* The rates as an array: ber, clean, corrected, detected, miscorrected, undetected. */
static void rate_fields(const ncm_secded_rates *r, double v[6])
{
    v[0] = r->ber, v[1] = r->clean, v[2] = r->corrected;
    v[3] = r->detected, v[4] = r->miscorrected, v[5] = r->undetected;
}

static void code_sizes_follow_the_hamming_bound(void **state)
{
    (void)state;
    static const int kn[][2] = {{1, 4},     {4, 8},     {8, 13},    {11, 16},    {16, 22},
                                {26, 32},   {32, 39},   {57, 64},   {64, 72},    {120, 128},
                                {128, 137}, {247, 256}, {256, 266}, {4096, 4110}};
    for (size_t t = 0; t < sizeof kn / sizeof *kn; t++) {
        ncm_secded *c = code_or_fail(kn[t][0]);
        const int k = ncm_secded_k(c), n = ncm_secded_n(c), r = ncm_secded_r(c);
        assert_int_equal(k, kn[t][0]);
        assert_int_equal(n, kn[t][1]);
        assert_int_equal(r, n - k);
        assert_true((1 << (r - 1)) >= k + r);    /* enough syndromes ... */
        assert_true((1 << (r - 2)) < k + r - 1); /* ... with the fewest check bits */
        assert_true(fabs(ncm_secded_overhead(c) - (double)(n - k) / k) < 1e-15);
        ncm_secded_free(c);
    }
}

static void columns_are_distinct_and_logic_estimate_counts_them(void **state)
{
    (void)state;
    static const int ks[] = {8, 32, 64};
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        const int n = ncm_secded_n(c), k = ncm_secded_k(c), r = ncm_secded_r(c);
        int weight[32] = {0};
        for (int j = 0; j < n; j++) {
            const uint32_t cj = ncm_secded_column(c, j);
            assert_true(cj >> (r - 1) == 1); /* overall parity row set, nothing above */
            for (int i = 0; i < j; i++)
                assert_true(ncm_secded_column(c, i) != cj);
            for (int row = 0; row < r; row++)
                weight[row] += (int)(cj >> row & 1);
        }
        int xor_syn = 0;
        for (int row = 0; row < r; row++)
            xor_syn += weight[row] - 1;
        const ncm_secded_logic g = ncm_secded_logic_estimate(c);
        assert_int_equal(g.syndrome_xor, xor_syn);
        assert_int_equal(g.match_and, k * (r - 1));
        assert_int_equal(g.decoder_total,
                         g.syndrome_xor + g.match_and + g.correct_xor + g.flag_gates);
        printf("(%d,%d): overhead %.4f, encoder %d XOR, decoder %d gates (syndrome %d XOR, match "
               "%d AND, correct %d XOR, flags %d)\n",
               n, k, ncm_secded_overhead(c), g.encoder_xor, g.decoder_total, g.syndrome_xor,
               g.match_and, g.correct_xor, g.flag_gates);
        ncm_secded_free(c);
    }
}

static void encode_gives_zero_syndrome(void **state)
{
    (void)state;
    ncm_rng r;
    ncm_rng_init(&r, 11, 0);
    uint64_t data[70], code[70], back[70];
    for (int kk = 1; kk <= 150; kk++) {
        const int k = kk <= 140 ? kk : 140 + 397 * (kk - 140); /* 1..140, then up to 4096 */
        ncm_secded *c = code_or_fail(k < 4096 ? k : 4096);
        for (int rep = 0; rep < 8; rep++) {
            random_data(&r, c, data);
            ncm_secded_encode_packed(c, data, code);
            assert_int_equal(ncm_secded_syndrome_packed(c, code), 0);
            assert_int_equal(ncm_secded_decode_packed(c, code, back), NCM_SECDED_CLEAN);
            assert_memory_equal(back, data, (size_t)(ncm_secded_k(c) + 63) / 64 * sizeof *data);
        }
        ncm_secded_free(c);
    }
}

static void byte_and_packed_interfaces_agree(void **state)
{
    (void)state;
    ncm_rng r;
    ncm_rng_init(&r, 12, 0);
    ncm_secded *c = code_or_fail(64);
    const int n = ncm_secded_n(c), k = ncm_secded_k(c);
    uint64_t data[1], code[2];
    uint8_t db[64], cb[72], out[64];
    for (int rep = 0; rep < 100; rep++) {
        random_data(&r, c, data);
        for (int i = 0; i < k; i++)
            db[i] = (uint8_t)((data[0] >> i & 1) * (1 + rep % 3)); /* any nonzero byte is a 1 */
        ncm_secded_encode_packed(c, data, code);
        ncm_secded_encode(c, db, cb);
        for (int j = 0; j < n; j++)
            assert_int_equal(cb[j], (int)(code[j / 64] >> (j % 64) & 1));
        const int j = (int)ncm_rng_below(&r, (uint32_t)n);
        cb[j] ^= 1;
        assert_int_equal(ncm_secded_decode(c, cb, out), NCM_SECDED_CORRECTED);
        for (int i = 0; i < k; i++)
            assert_int_equal(out[i], db[i] != 0);
        for (int jj = 0; jj < n; jj++)
            assert_int_equal(cb[jj], (int)(code[jj / 64] >> (jj % 64) & 1));
    }
    ncm_secded_free(c);
}

static void every_single_error_is_corrected(void **state)
{
    (void)state;
    ncm_rng r;
    ncm_rng_init(&r, 13, 0);
    static const int ks[] = {1, 8, 16, 32, 57, 64, 120, 256};
    uint64_t data[5], code[5], rx[5], back[5];
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        const int n = ncm_secded_n(c), cw = (n + 63) / 64, dw = (ks[t] + 63) / 64;
        for (int rep = 0; rep < 4; rep++) {
            random_data(&r, c, data);
            ncm_secded_encode_packed(c, data, code);
            for (int j = 0; j < n; j++) {
                memcpy(rx, code, sizeof rx);
                flip(rx, j);
                assert_int_equal(ncm_secded_decode_packed(c, rx, back), NCM_SECDED_CORRECTED);
                assert_memory_equal(rx, code, (size_t)cw * sizeof *rx);
                assert_memory_equal(back, data, (size_t)dw * sizeof *back);
            }
        }
        ncm_secded_free(c);
    }
}

static void every_double_error_is_detected_and_nothing_flipped(void **state)
{
    (void)state;
    ncm_rng r;
    ncm_rng_init(&r, 14, 0);
    static const int ks[] = {8, 16, 32, 64}; /* exhaustive over all pairs, each code */
    uint64_t data[2], code[2], rx[2], seen[2], back[2];
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        const int n = ncm_secded_n(c), k = ncm_secded_k(c);
        int64_t pairs = 0;
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++) {
                random_data(&r, c, data);
                ncm_secded_encode_packed(c, data, code);
                memcpy(rx, code, sizeof rx);
                flip(rx, a);
                flip(rx, b);
                memcpy(seen, rx, sizeof rx);
                assert_int_equal(ncm_secded_decode_packed(c, rx, back), NCM_SECDED_DETECTED);
                assert_memory_equal(rx, seen, sizeof rx); /* not miscorrected: left as read */
                for (int i = 0; i < k; i++)               /* data returned as read */
                    assert_int_equal((int)(back[i / 64] >> (i % 64) & 1),
                                     (int)(seen[i / 64] >> (i % 64) & 1));
                pairs++;
            }
        assert_int_equal(pairs, (int64_t)n * (n - 1) / 2);
        ncm_secded_free(c);
    }
}

/* All 2^n error patterns on the zero codeword (the code is linear: the data does not matter),
 * decoded by the library's decoder, weighted by p^w (1 - p)^(n - w). */
static void analytic_rates_equal_exhaustive_enumeration(void **state)
{
    (void)state;
    static const int ks[] = {1, 4, 8, 16};
    static const double ps[] = {0.5, 0.2, 1e-2, 1e-4, 1.0};
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        const int n = ncm_secded_n(c), k = ncm_secded_k(c);
        /* per error weight: data errors after decoding, and words by outcome */
        double errs[32] = {0}, det[32] = {0}, mis[32] = {0}, und[32] = {0}, ok[32] = {0};
        for (uint64_t e = 0; e < 1ull << n; e++) {
            uint64_t rx[1] = {e}, back[1];
            const int outcome = ncm_secded_decode_packed(c, rx, back);
            const int w = __builtin_popcountll(e);
            errs[w] += __builtin_popcountll(back[0]);
            if (w <= 1)
                ok[w] += outcome == (w ? NCM_SECDED_CORRECTED : NCM_SECDED_CLEAN) && back[0] == 0;
            else if (outcome == NCM_SECDED_DETECTED)
                det[w]++;
            else if (outcome == NCM_SECDED_CORRECTED)
                mis[w]++;
            else
                und[w]++;
        }
        assert_true(ok[0] == 1 && ok[1] == n);
        for (size_t u = 0; u < sizeof ps / sizeof *ps; u++) {
            const double p = ps[u];
            ncm_secded_rates a, x = {0};
            assert_int_equal(ncm_secded_analytic(c, p, &a, NULL), NCM_OK);
            for (int w = 0; w <= n; w++) {
                const double pw = pow(p, w) * pow(1.0 - p, n - w);
                x.ber += errs[w] * pw / k;
                x.detected += det[w] * pw;
                x.miscorrected += mis[w] * pw;
                x.undetected += und[w] * pw;
            }
            x.clean = pow(1.0 - p, n);
            x.corrected = n * p * pow(1.0 - p, n - 1);
            double av[6], xv[6];
            rate_fields(&a, av);
            rate_fields(&x, xv);
            for (int f = 0; f < 6; f++)
                if (fabs(av[f] - xv[f]) > 1e-12 * xv[f] + 1e-300)
                    fail_msg("(%d,%d) p=%g field %d: analytic %.17g, enumeration %.17g", n, k, p, f,
                             av[f], xv[f]);
            assert_true(fabs(a.clean + a.corrected + a.detected + a.miscorrected + a.undetected -
                             1.0) < 1e-13);
        }
        ncm_secded_free(c);
    }
}

static void fwht(double *a, size_t len)
{
    for (size_t h = 1; h < len; h *= 2)
        for (size_t i = 0; i < len; i += 2 * h)
            for (size_t j = i; j < i + h; j++) {
                const double x = a[j], y = a[j + h];
                a[j] = x + y;
                a[j + h] = x - y;
            }
}

/* An independent route (docs/hfo2.md, "SECDED codes for 1T1R words"): distribution of S_i by
 * inverting its characteristic function prod_{j != i} (1 - 2p [c_j . u odd]) with a fast
 * Walsh-Hadamard transform. */
static double ber_by_walsh_hadamard(const ncm_secded *c, double p)
{
    const int n = ncm_secded_n(c), k = ncm_secded_k(c), r = ncm_secded_r(c);
    const size_t len = (size_t)1 << r;
    int *odd = calloc(len, sizeof *odd);
    double *chi = malloc(len * sizeof *chi);
    for (uint32_t u = 0; u < len; u++)
        for (int j = 0; j < n; j++)
            odd[u] += __builtin_parity(u & ncm_secded_column(c, j));
    double sum = 0.0;
    for (int i = 0; i < k; i++) {
        const uint32_t ci = ncm_secded_column(c, i);
        for (uint32_t u = 0; u < len; u++)
            chi[u] = pow(1.0 - 2.0 * p, odd[u] - __builtin_parity(u & ci));
        fwht(chi, len);
        sum += p * (1.0 - chi[0] / len) + (1.0 - p) * chi[ci] / len;
    }
    free(odd);
    free(chi);
    return sum / k;
}

static void analytic_ber_equals_walsh_hadamard_inversion(void **state)
{
    (void)state;
    static const int ks[] = {32, 64};
    static const double ps[] = {0.5, 0.3, 0.1, 1e-2, 1e-3};
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        for (size_t u = 0; u < sizeof ps / sizeof *ps; u++) {
            const double a = ncm_secded_ber_analytic(c, ps[u]), w = ber_by_walsh_hadamard(c, ps[u]);
            if (fabs(a - w) > 1e-9 * w)
                fail_msg("(%d,%d) p=%g: analytic %.17g, Walsh-Hadamard %.17g", ncm_secded_n(c),
                         ncm_secded_k(c), ps[u], a, w);
        }
        ncm_secded_free(c);
    }
}

static void analytic_ber_approaches_n_minus_1_p_squared(void **state)
{
    (void)state;
    static const int ks[] = {32, 64};
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        const int n = ncm_secded_n(c);
        double prev = INFINITY;
        for (double p = 1e-3; p > 1e-9; p /= 10) {
            const double ratio = ncm_secded_ber_analytic(c, p) / ((n - 1) * p * p);
            printf("(%d,%d) p=%.0e: ber / ((n-1) p^2) = %.6f\n", n, ks[t], p, ratio);
            assert_true(ratio > 1 / 1.5 && ratio < 1.5);
            assert_true(fabs(ratio - 1.0) < fabs(prev - 1.0)); /* converges */
            prev = ratio;
        }
        assert_true(fabs(prev - 1.0) < 1e-4);
        ncm_secded_free(c);
    }
}

/* ber = (n-1) p^2 + (A4 - (n-1)(n-2)/2) p^3 + O(p^4), A4 = mean over data bits i of the number of
 * weight-4 codewords containing i (triples of other columns XOR-ing to c_i). */
static void analytic_ber_has_the_predicted_p_cubed_term(void **state)
{
    (void)state;
    static const int ks[] = {32, 64};
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        const int n = ncm_secded_n(c), k = ncm_secded_k(c);
        double a4 = 0.0;
        for (int i = 0; i < k; i++) {
            const uint32_t ci = ncm_secded_column(c, i);
            for (int a = 0; a < n; a++)
                for (int b = a + 1; b < n; b++)
                    for (int d = b + 1; d < n; d++)
                        a4 += a != i && b != i && d != i &&
                              (ncm_secded_column(c, a) ^ ncm_secded_column(c, b) ^
                               ncm_secded_column(c, d)) == ci;
        }
        a4 /= k;
        const double coef = a4 - (n - 1.0) * (n - 2.0) / 2.0, p = 1e-7;
        const double got = (ncm_secded_ber_analytic(c, p) - (n - 1) * p * p) / (p * p * p);
        printf("(%d,%d): A4 = %.4f, p^3 coefficient predicted %.4f, analytic at p=1e-7 %.4f\n", n,
               k, a4, coef, got);
        assert_true(fabs(got - coef) < 0.01 * fabs(coef));
        ncm_secded_free(c);
    }
}

static void analytic_ber_agrees_with_monte_carlo_within_95ci(void **state)
{
    (void)state;
    static const struct {
        int k;
        double p;
        int64_t words;
    } cases[] = {{32, 1e-1, 100000},  {32, 3e-2, 200000}, {32, 1e-2, 300000}, {32, 3e-3, 800000},
                 {32, 5e-4, 4000000}, {64, 1e-1, 100000}, {64, 3e-2, 200000}, {64, 1e-2, 300000},
                 {64, 3e-3, 600000},  {64, 4e-4, 3000000}};
    int outside = 0;
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        ncm_secded *c = code_or_fail(cases[t].k);
        ncm_secded_mc_result mc;
        ncm_error err;
        assert_int_equal(ncm_secded_mc(c, cases[t].p, cases[t].words, 1000 + t, 1, NULL, &mc, &err),
                         NCM_OK);
        const double a = ncm_secded_ber_analytic(c, cases[t].p);
        const double z = (mc.rates.ber - a) / (mc.ber_ci95 / 1.959963984540054);
        printf("(%d,%d) p=%.0e words=%lld: analytic %.5e, MC %.5e +- %.2e (95%%), z = %+.2f, "
               "bit errors %lld\n",
               ncm_secded_n(c), cases[t].k, cases[t].p, (long long)cases[t].words, a, mc.rates.ber,
               mc.ber_ci95, z, (long long)mc.bit_errors);
        assert_true(mc.ber_ci95 < 0.15 * a); /* resolved */
        outside += fabs(mc.rates.ber - a) > mc.ber_ci95;
        ncm_secded_free(c);
    }
    assert_int_equal(outside, 0);
}

static void word_outcome_rates_agree_with_monte_carlo(void **state)
{
    (void)state;
    ncm_secded *c = code_or_fail(32);
    const double p = 2e-2;
    const int64_t words = 200000;
    ncm_secded_mc_result mc;
    ncm_secded_rates a;
    assert_int_equal(ncm_secded_mc(c, p, words, 77, 1, NULL, &mc, NULL), NCM_OK);
    assert_int_equal(ncm_secded_analytic(c, p, &a, NULL), NCM_OK);
    double av[6], mv[6];
    rate_fields(&a, av);
    rate_fields(&mc.rates, mv);
    const char *names[] = {"ber", "clean", "corrected", "detected", "miscorrected", "undetected"};
    for (int f = 1; f < 6; f++) {
        const double sd = sqrt(av[f] * (1 - av[f]) / words); /* words are independent */
        printf("(39,32) p=%g %-12s analytic %.5e, MC %.5e (%+.2f sd)\n", p, names[f], av[f], mv[f],
               (mv[f] - av[f]) / sd);
        assert_true(fabs(mv[f] - av[f]) < 4 * sd);
    }
    ncm_secded_free(c);
}

static void monte_carlo_injects_errors_at_rate_p(void **state)
{
    (void)state;
    ncm_secded *c = code_or_fail(64);
    static const double ps[] = {0.5, 0.1, 1e-3};
    for (size_t t = 0; t < sizeof ps / sizeof *ps; t++) {
        ncm_secded_mc_result mc;
        assert_int_equal(ncm_secded_mc(c, ps[t], 50000, 5 + t, 1, NULL, &mc, NULL), NCM_OK);
        const double bits = 50000.0 * ncm_secded_n(c);
        const double sd = sqrt(bits * ps[t] * (1 - ps[t]));
        assert_true(fabs((double)mc.raw_errors - bits * ps[t]) < 4 * sd);
    }
    ncm_secded_free(c);
}

static void monte_carlo_is_identical_for_1_and_2_threads(void **state)
{
    (void)state;
    ncm_secded *c = code_or_fail(64);
    ncm_secded_mc_result a, b, d;
    /* several chunks and a partial one; 70 chunks span three blocks between progress reports on
     * one thread, two on two threads */
    const int64_t words[] = {3 * 8192 + 1234, 70 * 8192 + 77};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ncm_secded_mc(c, 1e-2, words[i], 42, 1, NULL, &a, NULL), NCM_OK);
        assert_int_equal(ncm_secded_mc(c, 1e-2, words[i], 42, 2, NULL, &b, NULL), NCM_OK);
        assert_int_equal(ncm_secded_mc(c, 1e-2, words[i], 42, 3, NULL, &d, NULL), NCM_OK);
        assert_memory_equal(&a, &b, sizeof a);
        assert_memory_equal(&a, &d, sizeof a);
        assert_true(a.bit_errors > 0);
    }
    ncm_secded_free(c);
}

/* Progress callback: records the reports, cancels at report number `stop_at` (0: never). */
typedef struct {
    int calls, stop_at, bad;
    int64_t last_done, total;
} progress_log;

static int log_progress(void *user, const char *task, int64_t done, int64_t total)
{
    progress_log *l = user;
    l->calls++;
    if (strcmp(task, "SECDED Monte Carlo") != 0 || done < l->last_done || done > total)
        l->bad = 1;
    l->last_done = done;
    l->total = total;
    return l->stop_at && l->calls >= l->stop_at;
}

static void monte_carlo_reports_progress_up_to_the_total(void **state)
{
    (void)state;
    ncm_secded *c = code_or_fail(64);
    const int64_t words = 70 * 8192 + 77;
    progress_log log = {0};
    const ncm_progress pr = {log_progress, &log};
    ncm_secded_mc_result a, b;
    assert_int_equal(ncm_secded_mc(c, 1e-2, words, 9, 1, &pr, &a, NULL), NCM_OK);
    assert_int_equal(log.calls, 3); /* 70 chunks in blocks of 32 on one thread */
    assert_false(log.bad);
    assert_true(log.last_done == words && log.total == words);
    /* the reports do not change the result */
    assert_int_equal(ncm_secded_mc(c, 1e-2, words, 9, 1, NULL, &b, NULL), NCM_OK);
    assert_memory_equal(&a, &b, sizeof a);
    ncm_secded_free(c);
}

static void monte_carlo_cancelled_returns_cancelled_and_leaves_the_result(void **state)
{
    (void)state;
    ncm_secded *c = code_or_fail(64);
    progress_log log = {.stop_at = 1};
    const ncm_progress pr = {log_progress, &log};
    ncm_secded_mc_result out, before;
    memset(&out, 0x5a, sizeof out);
    memcpy(&before, &out, sizeof out);
    ncm_error err = {0};
    assert_int_equal(ncm_secded_mc(c, 1e-2, 70 * 8192, 9, 1, &pr, &out, &err), NCM_ERR_CANCELLED);
    assert_int_equal(err.code, NCM_ERR_CANCELLED);
    assert_non_null(strstr(err.msg, "cancelled"));
    assert_int_equal(log.calls, 1);
    assert_memory_equal(&out, &before, sizeof out);
    ncm_secded_free(c);
}

static void analytic_and_monte_carlo_agree_exactly_at_p_0_and_1(void **state)
{
    (void)state;
    static const int ks[] = {8, 32, 64};
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        ncm_secded *c = code_or_fail(ks[t]);
        for (int p = 0; p <= 1; p++) {
            ncm_secded_mc_result mc;
            assert_int_equal(ncm_secded_mc(c, p, 1000, 3, 1, NULL, &mc, NULL), NCM_OK);
            assert_true(mc.raw_errors == (int64_t)p * 1000 * ncm_secded_n(c));
            assert_true(mc.rates.ber == ncm_secded_ber_analytic(c, p));
        }
        ncm_secded_free(c);
    }
}

static void bad_arguments_give_arg_errors_naming_the_parameter(void **state)
{
    (void)state;
    ncm_error err;
    static const int bad_k[] = {0, -3, NCM_SECDED_MAX_K + 1};
    for (size_t t = 0; t < sizeof bad_k / sizeof *bad_k; t++) {
        ncm_error_clear(&err);
        assert_null(ncm_secded_new(bad_k[t], &err));
        assert_int_equal(err.code, NCM_ERR_ARG);
        assert_non_null(strstr(err.msg, "k_data"));
    }
    ncm_secded *c = code_or_fail(32);
    static const double bad_p[] = {-0.1, 1.5, NAN, INFINITY};
    ncm_secded_rates rates;
    ncm_secded_mc_result mc;
    for (size_t t = 0; t < sizeof bad_p / sizeof *bad_p; t++) {
        assert_int_equal(ncm_secded_analytic(c, bad_p[t], &rates, &err), NCM_ERR_ARG);
        assert_non_null(strstr(err.msg, "p must"));
        assert_int_equal(ncm_secded_mc(c, bad_p[t], 10, 1, 1, NULL, &mc, &err), NCM_ERR_ARG);
        assert_non_null(strstr(err.msg, "p must"));
        assert_true(isnan(ncm_secded_ber_analytic(c, bad_p[t])));
    }
    assert_int_equal(ncm_secded_mc(c, 0.1, 0, 1, 1, NULL, &mc, &err), NCM_ERR_ARG);
    assert_non_null(strstr(err.msg, "n_words"));
    ncm_secded_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(code_sizes_follow_the_hamming_bound),
        cmocka_unit_test(columns_are_distinct_and_logic_estimate_counts_them),
        cmocka_unit_test(encode_gives_zero_syndrome),
        cmocka_unit_test(byte_and_packed_interfaces_agree),
        cmocka_unit_test(every_single_error_is_corrected),
        cmocka_unit_test(every_double_error_is_detected_and_nothing_flipped),
        cmocka_unit_test(analytic_rates_equal_exhaustive_enumeration),
        cmocka_unit_test(analytic_ber_equals_walsh_hadamard_inversion),
        cmocka_unit_test(analytic_ber_approaches_n_minus_1_p_squared),
        cmocka_unit_test(analytic_ber_has_the_predicted_p_cubed_term),
        cmocka_unit_test(analytic_ber_agrees_with_monte_carlo_within_95ci),
        cmocka_unit_test(word_outcome_rates_agree_with_monte_carlo),
        cmocka_unit_test(monte_carlo_injects_errors_at_rate_p),
        cmocka_unit_test(monte_carlo_is_identical_for_1_and_2_threads),
        cmocka_unit_test(monte_carlo_reports_progress_up_to_the_total),
        cmocka_unit_test(monte_carlo_cancelled_returns_cancelled_and_leaves_the_result),
        cmocka_unit_test(analytic_and_monte_carlo_agree_exactly_at_p_0_and_1),
        cmocka_unit_test(bad_arguments_give_arg_errors_naming_the_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
