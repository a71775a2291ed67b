/* Tests of the vowel recognizer's encoding and read-out (vowel.h): the affine maps of the
 * formants onto the oscillators' band and their refusal of a map that leaves it; the patterns'
 * count; the states of hand-made locking decisions; the targets' checks (more classes than
 * patterns, duplicates); the nearest target with its ties and the all-free pattern. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/vowel.h"

static void expect_refused(ncm_status s, const ncm_error *err, const char *needle)
{
    assert_int_equal(s, NCM_ERR_ARG);
    if (!strstr(err->msg, needle))
        fail_msg("message \"%s\" does not contain \"%s\"", err->msg, needle);
}

static void test_pattern_count(void **state)
{
    (void)state;
    assert_int_equal(ncm_vowel_pattern_count(4, 2), 81);
    assert_int_equal(ncm_vowel_pattern_count(1, 1), 2);
    assert_int_equal(ncm_vowel_pattern_count(8, 3), 65536);
    assert_int_equal(ncm_vowel_pattern_count(0, 2), -1);
    assert_int_equal(ncm_vowel_pattern_count(4, 0), -1);
    assert_int_equal(ncm_vowel_pattern_count(NCM_VOWEL_MAX_OSC + 1, 2), -1);
}

static void test_states_from_locking_decisions(void **state)
{
    (void)state;
    /* 4 oscillators, 2 inputs: 0 locked to A, 1 to B, 2 to none, 3 to both (B more strongly) */
    const uint8_t locked[8] = {1, 0, 0, 1, 0, 0, 1, 1};
    const double plv[8] = {0.9, 0.1, 0.2, 0.95, 0.3, 0.2, 0.7, 0.8};
    int8_t s[4];
    ncm_vowel_states(locked, plv, 4, 2, s);
    assert_int_equal(s[0], 0);
    assert_int_equal(s[1], 1);
    assert_int_equal(s[2], NCM_VOWEL_FREE);
    assert_int_equal(s[3], 1);
    ncm_vowel_states(locked, NULL, 4, 2, s); /* without phase-locking values: the lowest input */
    assert_int_equal(s[3], 0);
}

static void test_targets_checked(void **state)
{
    (void)state;
    ncm_error err = {0};
    int8_t t[7 * 4];
    for (int c = 0; c < 7; c++)
        for (int i = 0; i < 4; i++)
            t[c * 4 + i] = (int8_t)((c >> i & 1) ? i % 2 : NCM_VOWEL_FREE);
    assert_int_equal(ncm_vowel_targets_check(t, 7, 4, 2, &err), NCM_OK);
    /* 2 oscillators and 1 input: 4 patterns for 7 classes */
    expect_refused(ncm_vowel_targets_check(t, 7, 2, 1, &err), &err,
                   "7 classes but 2 oscillators and 1 input have only 4 patterns");
    int8_t d[8] = {0, 1, -1, -1, 0, 1, -1, -1};
    expect_refused(ncm_vowel_targets_check(d, 2, 4, 2, &err), &err,
                   "classes 0 and 1 have the same target pattern");
    d[5] = 2;
    expect_refused(ncm_vowel_targets_check(d, 2, 4, 2, &err), &err,
                   "class 1, oscillator 1: state 2");
}

static void test_nearest_target_ties_and_all_free(void **state)
{
    (void)state;
    /* class 0: osc 0 on A; class 1: osc 1 on B; class 2: osc 0 on A and osc 2 on B */
    const int8_t t[3 * 3] = {0, -1, -1, -1, 1, -1, 0, -1, 1};
    int dist;
    const int8_t exact[3] = {0, -1, 1};
    assert_int_equal(ncm_vowel_classify(exact, t, 3, 3, &dist), 2);
    assert_int_equal(dist, 0);
    const int8_t near1[3] = {-1, 1, 0}; /* 1 from class 1, 3 from the others */
    assert_int_equal(ncm_vowel_classify(near1, t, 3, 3, &dist), 1);
    assert_int_equal(dist, 1);
    const int8_t tie[3] = {0, 1, -1}; /* 1 from class 0 and 1 from class 1 */
    assert_int_equal(ncm_vowel_classify(tie, t, 3, 3, &dist), NCM_VOWEL_UNDECIDED);
    assert_int_equal(dist, 1);
    const int8_t none[3] = {-1, -1, -1}; /* nearest class 0 or 1 (distance 1): all free */
    assert_int_equal(ncm_vowel_classify(none, t, 3, 3, NULL), NCM_VOWEL_UNDECIDED);
    const int8_t t2[2 * 3] = {-1, -1, -1, 0, 0, 0}; /* a target that is all free */
    assert_int_equal(ncm_vowel_classify(none, t2, 2, 3, &dist), 0);
    assert_int_equal(dist, 0);
}

static void test_encoding_fits_the_range_and_refuses_leaving_the_band(void **state)
{
    (void)state;
    ncm_error err = {0};
    ncm_vowel_set *s = ncm_vowel_synthetic(NULL, 10, 3, &err);
    assert_non_null(s);
    ncm_vowel_encoding e;
    assert_int_equal(ncm_vowel_encoding_fit(s, 300, 320, 0.1, &e, &err), NCM_OK);
    assert_int_equal(e.n_in, 2);
    double *f = malloc(sizeof(double) * (size_t)s->n * 2);
    assert_non_null(f);
    assert_int_equal(ncm_vowel_encode(&e, s, 300, 320, f, &err), NCM_OK);
    for (int k = 0; k < 2; k++) { /* the training range onto [302, 318] */
        double mn = INFINITY, mx = -INFINITY;
        for (int64_t i = 0; i < s->n; i++)
            mn = fmin(mn, f[i * 2 + k]), mx = fmax(mx, f[i * 2 + k]);
        assert_true(fabs(mn - 302) < 1e-9 && fabs(mx - 318) < 1e-9);
    }
    /* the same map on other data can leave the band: refused, naming the token */
    ncm_vowel_set *t = ncm_vowel_synthetic(NULL, 200, 4, &err);
    assert_non_null(t);
    double *g = malloc(sizeof(double) * (size_t)t->n * 2);
    assert_non_null(g);
    ncm_vowel_encoding narrow = e;
    narrow.mhz_per_hz[1] *= 3;
    expect_refused(ncm_vowel_encode(&narrow, t, 300, 320, g, &err), &err,
                   "outside the oscillators' band [300, 320] MHz");
    assert_int_equal(ncm_vowel_encode(&narrow, t, 0, 0, g, &err), NCM_OK); /* no band given */
    expect_refused(ncm_vowel_encoding_fit(s, 320, 300, 0.1, &e, &err), &err, "band [320, 300]");
    expect_refused(ncm_vowel_encoding_fit(s, 300, 320, 0.5, &e, &err), &err, "margin = 0.5");
    e.n_in = 3;
    expect_refused(ncm_vowel_encode(&e, s, 300, 320, f, &err), &err,
                   "encoding of 3 inputs for a set of 2 features");
    free(f), free(g);
    ncm_vowel_set_free(s), ncm_vowel_set_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_count),
        cmocka_unit_test(test_states_from_locking_decisions),
        cmocka_unit_test(test_targets_checked),
        cmocka_unit_test(test_nearest_target_ties_and_all_free),
        cmocka_unit_test(test_encoding_fits_the_range_and_refuses_leaving_the_band),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
