/* Tests of the data half of the vowel layer (vowel.h): the codes and the selection parsers; the
 * reader of vowdata.dat on small files written here (LF and CRLF, header lines, a 0 formant
 * dropped and counted, group and vowel selection, every malformed row refused naming its line, a
 * truncated file, no selected row, a missing file); the distributed file itself when present
 * (row and speaker counts, the published means and SDs and the compiled-in correlations
 * recomputed); the synthetic generator against the published statistics and its seeding; the
 * split by speaker. */
#define _XOPEN_SOURCE 700 /* nftw (testdir.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/rng.h"
#include "nanocim/vowel.h"
#include "testdir.h"

static int group_setup(void **state)
{
    (void)state;
    return testdir_create("test_vowel_data");
}

static void expect_refused(ncm_status s, ncm_status want, const ncm_error *err, const char *needle)
{
    assert_int_equal(s, want);
    assert_int_equal(err->code, want);
    assert_contains(err->msg, needle);
}

static ncm_vowel_select sel(const char *groups, const char *vowels, const char *formants)
{
    ncm_vowel_select s;
    ncm_vowel_select_default(&s);
    ncm_error err = {0};
    if (groups)
        assert_int_equal(ncm_vowel_parse_groups(groups, &s, &err), NCM_OK);
    if (vowels)
        assert_int_equal(ncm_vowel_parse_vowels(vowels, &s, &err), NCM_OK);
    if (formants)
        assert_int_equal(ncm_vowel_parse_formants(formants, &s, &err), NCM_OK);
    return s;
}

static int vowel_index(const char *code)
{
    const int v = ncm_vowel_parse(code);
    assert_true(v >= 0);
    return v;
}

/* ---- codes and selection --------------------------------------------------------------------- */

static void test_vowel_and_group_codes_round_trip(void **state)
{
    (void)state;
    static const char *codes[] = {"ae", "ah", "aw", "eh", "er", "ei",
                                  "ih", "iy", "oa", "oo", "uh", "uw"};
    for (int v = 0; v < NCM_VOWEL_N; v++) {
        assert_string_equal(ncm_vowel_code(v), codes[v]);
        assert_int_equal(ncm_vowel_parse(codes[v]), v);
    }
    assert_null(ncm_vowel_code(-1));
    assert_null(ncm_vowel_code(NCM_VOWEL_N));
    assert_int_equal(ncm_vowel_parse("AE"), -1);
    assert_int_equal(ncm_vowel_parse("ey"), -1);
    assert_int_equal(ncm_vowel_parse(""), -1);
    assert_int_equal(ncm_vowel_parse(NULL), -1);
    const char groups[] = "mwbg";
    for (int g = 0; g < NCM_VOWEL_N_GROUPS; g++) {
        assert_int_equal(ncm_vowel_group_char(g), groups[g]);
        assert_int_equal(ncm_vowel_group_parse(groups[g]), g);
    }
    assert_int_equal(ncm_vowel_group_char(4), 0);
    assert_int_equal(ncm_vowel_group_char(-1), 0);
    assert_int_equal(ncm_vowel_group_parse('c'), -1);
}

static void test_select_default_is_women_seven_vowels_f1_f2(void **state)
{
    (void)state;
    ncm_vowel_select s;
    ncm_vowel_select_default(&s);
    assert_int_equal(s.groups, 1u << NCM_VOWEL_WOMEN);
    const char *want[] = {"ae", "ah", "aw", "eh", "er", "ih", "iy"};
    assert_int_equal(s.n_vowels, 7);
    for (int k = 0; k < 7; k++)
        assert_string_equal(ncm_vowel_code(s.vowels[k]), want[k]);
    assert_int_equal(s.n_formants, 2);
    assert_int_equal(s.formants[0], 0);
    assert_int_equal(s.formants[1], 1);
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_select_check(&s, &err), NCM_OK);
}

static void test_select_check_refuses_bad_fields_naming_them(void **state)
{
    (void)state;
    ncm_vowel_select d, s;
    ncm_vowel_select_default(&d);
    ncm_error err = {0};
    s = d, s.groups = 0;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "groups = 0");
    s = d, s.groups = 16;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "groups = 16");
    s = d, s.n_vowels = 0;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "n_vowels = 0");
    s = d, s.n_vowels = 13;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "n_vowels = 13");
    s = d, s.vowels[2] = 15;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "vowels[2] = 15");
    s = d, s.vowels[3] = s.vowels[1];
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "vowels[3] = 1 (ah)");
    s = d, s.n_formants = 4;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "n_formants = 4");
    s = d, s.formants[1] = 3;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "formants[1] = 3");
    s = d, s.formants[1] = 0;
    expect_refused(ncm_vowel_select_check(&s, &err), NCM_ERR_ARG, &err, "formants[1] = 0 (F1)");
    expect_refused(ncm_vowel_select_check(NULL, &err), NCM_ERR_ARG, &err, "NULL");
}

static void test_parse_lists_read_vowels_groups_and_formants(void **state)
{
    (void)state;
    ncm_vowel_select s = sel("m,w", "iy,ae, uw", "F1,f3");
    assert_int_equal(s.groups, (1u << NCM_VOWEL_MEN) | (1u << NCM_VOWEL_WOMEN));
    assert_int_equal(s.n_vowels, 3);
    assert_int_equal(s.vowels[0], vowel_index("iy"));
    assert_int_equal(s.vowels[1], vowel_index("ae"));
    assert_int_equal(s.vowels[2], vowel_index("uw"));
    assert_int_equal(s.n_formants, 2);
    assert_int_equal(s.formants[0], 0);
    assert_int_equal(s.formants[1], 2);
    s = sel("mwbg", NULL, NULL);
    assert_int_equal(s.groups, 15u);
    s = sel("w", NULL, NULL);
    assert_int_equal(s.groups, 1u << NCM_VOWEL_WOMEN);
    s = sel("b,g", "ae,ah,aw,eh,er,ei,ih,iy,oa,oo,uh,uw", "f1,f2,f3");
    assert_int_equal(s.groups, (1u << NCM_VOWEL_BOYS) | (1u << NCM_VOWEL_GIRLS));
    assert_int_equal(s.n_vowels, NCM_VOWEL_N);
    assert_int_equal(s.n_formants, 3);
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_select_check(&s, &err), NCM_OK);
}

static void test_parse_lists_refuse_unknown_and_repeated_items_naming_them(void **state)
{
    (void)state;
    ncm_vowel_select s, before;
    ncm_vowel_select_default(&s);
    before = s;
    ncm_error err = {0};
    expect_refused(ncm_vowel_parse_vowels("ae,xx", &s, &err), NCM_ERR_ARG, &err, "vowel \"xx\"");
    assert_contains(err.msg, "unknown");
    expect_refused(ncm_vowel_parse_vowels("ae,ih,ae", &s, &err), NCM_ERR_ARG, &err, "vowel \"ae\"");
    assert_contains(err.msg, "repeated");
    expect_refused(ncm_vowel_parse_vowels("ae,,ih", &s, &err), NCM_ERR_ARG, &err, "empty item");
    expect_refused(ncm_vowel_parse_vowels("", &s, &err), NCM_ERR_ARG, &err, "empty item");
    expect_refused(ncm_vowel_parse_groups("m,x", &s, &err), NCM_ERR_ARG, &err, "group 'x'");
    assert_contains(err.msg, "unknown");
    expect_refused(ncm_vowel_parse_groups("w,w", &s, &err), NCM_ERR_ARG, &err, "group 'w'");
    assert_contains(err.msg, "repeated");
    expect_refused(ncm_vowel_parse_groups("", &s, &err), NCM_ERR_ARG, &err, "empty");
    expect_refused(ncm_vowel_parse_formants("f1,f4", &s, &err), NCM_ERR_ARG, &err,
                   "formant \"f4\"");
    assert_contains(err.msg, "unknown");
    expect_refused(ncm_vowel_parse_formants("f2,F2", &s, &err), NCM_ERR_ARG, &err,
                   "formant \"F2\"");
    assert_contains(err.msg, "repeated");
    /* a refused list leaves the selection as it was */
    assert_memory_equal(&s, &before, sizeof s);
}

/* ---- the reader on small files --------------------------------------------------------------- */

/* A data row of 16 fields with the given steady-state F1, F2, F3 (and F4 4000). */
static const char *row(const char *code, int f1, int f2, int f3)
{
    static char bufs[64][160];
    static int k;
    char *b = bufs[k++ % 64];
    snprintf(b, sizeof bufs[0], "%s 250 200 %4d %4d %4d 4000 %d %d %d %d %d %d %d %d %d ", code, f1,
             f2, f3, f1, f2, f3, f1, f2, f3, f1, f2, f3);
    return b;
}

/* Writes the lines, each ended by eol, to g_dir/name; returns the path. */
static const char *write_lines(const char *name, const char *eol, const char *const *lines, int n)
{
    size_t cap = 1, el = strlen(eol);
    for (int i = 0; i < n; i++)
        cap += strlen(lines[i]) + el;
    char *text = malloc(cap), *p = text;
    assert_non_null(text);
    for (int i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        memcpy(p, lines[i], l), p += l;
        memcpy(p, eol, el), p += el;
    }
    const char *path = tpath(name);
    write_raw(path, text, (size_t)(p - text));
    free(text);
    return path;
}

/* The header of the small files: 6 lines, the first data row on line 7. */
#define HEADER_LINES 6
#define HEADER                                                                                     \
    "(c) 1995 James Hillenbrand", "", "col1:  filename",                                           \
        "Note: An entry of zero means that the formant was not measurable.", "",                   \
        "  1    2   3    4    5    6    7    8    9   10    11  12   13    14  15   16"

/* 8 rows, 2 of them with a 0: w02iy (F1) and g01iy (F3). */
#define GOOD_ROWS                                                                                  \
    row("w01ae", 663, 2012, 2659), row("w01iy", 437, 2761, 3372), row("w02ae", 700, 2300, 2900),   \
        row("w02iy", 0, 2700, 3300), row("m01ae", 600, 1900, 2500), row("m01iy", 340, 2300, 3000), \
        row("b01ae", 718, 2496, 3288), row("g01iy", 452, 3081, 0)

static ncm_vowel_set *load_ok(const char *path, const ncm_vowel_select *s)
{
    ncm_error err = {0};
    ncm_vowel_set *set = ncm_vowel_load(path, s, &err);
    if (!set)
        fail_msg("%s", err.msg);
    return set;
}

static void expect_same_set(const ncm_vowel_set *a, const ncm_vowel_set *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_features, b->n_features);
    assert_int_equal(a->n_speakers, b->n_speakers);
    assert_int_equal(a->dropped, b->dropped);
    assert_memory_equal(a->x, b->x, (size_t)a->n * (size_t)a->n_features * sizeof *a->x);
    assert_memory_equal(a->label, b->label, (size_t)a->n * sizeof *a->label);
    assert_memory_equal(a->speaker, b->speaker, (size_t)a->n * sizeof *a->speaker);
    for (int k = 0; k < a->n_speakers; k++)
        assert_string_equal(a->speaker_name[k], b->speaker_name[k]);
}

static void test_load_lf_and_crlf_skip_header_and_give_same_set(void **state)
{
    (void)state;
    const char *lines[] = {HEADER, GOOD_ROWS};
    const int n = (int)(sizeof lines / sizeof lines[0]);
    const char *lf = write_lines("lf.dat", "\n", lines, n);
    const char *crlf = write_lines("crlf.dat", "\r\n", lines, n);
    ncm_vowel_set *a = load_ok(lf, NULL), *b = load_ok(crlf, NULL);
    /* default selection: women, F1 F2: w01ae w01iy w02ae kept, w02iy dropped (F1 = 0) */
    assert_int_equal(a->n, 3);
    assert_int_equal(a->n_features, 2);
    assert_int_equal(a->n_classes, 7);
    assert_int_equal(a->dropped, 1);
    assert_int_equal(a->n_speakers, 2);
    assert_string_equal(a->speaker_name[0], "w01");
    assert_string_equal(a->speaker_name[1], "w02");
    const double x[] = {663, 2012, 437, 2761, 700, 2300};
    for (int i = 0; i < 6; i++)
        expect_near(a->x[i], x[i], 0);
    assert_int_equal(a->label[0], 0); /* ae */
    assert_int_equal(a->label[1], 6); /* iy is the 7th default vowel */
    assert_int_equal(a->label[2], 0);
    assert_int_equal(a->speaker[0], 0);
    assert_int_equal(a->speaker[1], 0);
    assert_int_equal(a->speaker[2], 1);
    assert_string_equal(a->source, lf);
    expect_same_set(a, b);
    ncm_vowel_set_free(a);
    ncm_vowel_set_free(b);
}

static void test_load_drops_only_rows_with_a_selected_zero_formant(void **state)
{
    (void)state;
    const char *lines[] = {HEADER, GOOD_ROWS};
    const char *path = write_lines("zero.dat", "\n", lines, (int)(sizeof lines / sizeof *lines));
    /* g01iy has F3 = 0: dropped with F3 selected, kept without it; F4 is never looked at */
    ncm_vowel_select s = sel("g", "iy", "f1,f2,f3");
    ncm_error err = {0};
    ncm_vowel_set *set = ncm_vowel_load(path, &s, &err);
    assert_null(set);
    expect_refused(err.code, NCM_ERR_DATA, &err, "all 1 rows of the selection");
    s = sel("g", "iy", "f2,f1");
    set = load_ok(path, &s);
    assert_int_equal(set->n, 1);
    assert_int_equal(set->dropped, 0);
    expect_near(set->x[0], 3081, 0); /* features in the selection's order */
    expect_near(set->x[1], 452, 0);
    ncm_vowel_set_free(set);
    s = sel("w", "iy", "f2");
    set = load_ok(path, &s); /* w02iy has F1 = 0 only */
    assert_int_equal(set->n, 2);
    assert_int_equal(set->dropped, 0);
    ncm_vowel_set_free(set);
    s = sel("w", "iy", "f1,f2");
    set = load_ok(path, &s);
    assert_int_equal(set->n, 1);
    assert_int_equal(set->dropped, 1);
    ncm_vowel_set_free(set);
}

static void test_load_selects_groups_and_vowels_in_selection_order(void **state)
{
    (void)state;
    const char *lines[] = {HEADER, GOOD_ROWS};
    const char *path = write_lines("sel.dat", "\n", lines, (int)(sizeof lines / sizeof *lines));
    ncm_vowel_select s = sel("b,m", "iy,ae", "f1");
    ncm_vowel_set *set = load_ok(path, &s);
    /* m01ae m01iy b01ae, in the file's order; class 0 = iy, 1 = ae; speakers m01, b01 */
    assert_int_equal(set->n, 3);
    assert_int_equal(set->n_classes, 2);
    assert_int_equal(set->n_features, 1);
    assert_int_equal(set->dropped, 0);
    assert_int_equal(set->label[0], 1);
    assert_int_equal(set->label[1], 0);
    assert_int_equal(set->label[2], 1);
    expect_near(set->x[0], 600, 0);
    expect_near(set->x[1], 340, 0);
    expect_near(set->x[2], 718, 0);
    assert_int_equal(set->n_speakers, 2);
    assert_string_equal(set->speaker_name[0], "m01");
    assert_string_equal(set->speaker_name[1], "b01");
    assert_int_equal(set->speaker[0], 0);
    assert_int_equal(set->speaker[2], 1);
    assert_int_equal(set->select.groups, s.groups);
    ncm_vowel_set_free(set);
}

/* A file of the header, three good rows and `bad` on line HEADER_LINES + 4, refused with
 * NCM_ERR_FORMAT naming the file, that line and `needle`. */
static void expect_bad_row(const char *name, const char *bad, const char *needle)
{
    const char *lines[] = {HEADER,
                           row("w01ae", 663, 2012, 2659),
                           row("w01iy", 437, 2761, 3372),
                           row("w02ae", 700, 2300, 2900),
                           bad,
                           row("w03ae", 700, 2300, 2900)};
    const char *path = write_lines(name, "\r\n", lines, (int)(sizeof lines / sizeof *lines));
    ncm_error err = {0};
    ncm_vowel_set *set = ncm_vowel_load(path, NULL, &err);
    assert_null(set);
    char where[4200];
    snprintf(where, sizeof where, "%s: line %d", path, HEADER_LINES + 4);
    expect_refused(err.code, NCM_ERR_FORMAT, &err, where);
    assert_contains(err.msg, needle);
}

static void test_load_refuses_short_row_naming_line(void **state)
{
    (void)state;
    expect_bad_row("short.dat", "w02iy 250 200 437 2761 3372 4000", "7 fields, expected 16");
}

static void test_load_refuses_long_row_naming_line(void **state)
{
    (void)state;
    char b[200];
    snprintf(b, sizeof b, "%s 17", row("w02iy", 437, 2761, 3372));
    expect_bad_row("long.dat", b, "17 fields, expected 16");
}

static void test_load_refuses_non_numeric_field_naming_line(void **state)
{
    (void)state;
    expect_bad_row("nonnum.dat",
                   "w02iy 250 200 437 27x1 3372 4000 437 2761 3372 437 2761 3372 437 2761 3372",
                   "field 5: \"27x1\"");
}

static void test_load_refuses_negative_field_naming_line(void **state)
{
    (void)state;
    expect_bad_row("neg.dat",
                   "w02iy 250 200 -437 2761 3372 4000 437 2761 3372 437 2761 3372 437 2761 3372",
                   "field 4: \"-437\"");
}

static void test_load_refuses_unknown_vowel_code_naming_line(void **state)
{
    (void)state;
    expect_bad_row("vowel.dat", row("w02zz", 437, 2761, 3372), "unknown vowel code \"zz\"");
}

static void test_load_refuses_unknown_group_naming_line(void **state)
{
    (void)state;
    expect_bad_row("group.dat", row("x02iy", 437, 2761, 3372), "unknown group 'x'");
}

static void test_load_refuses_malformed_token_code_naming_line(void **state)
{
    (void)state;
    expect_bad_row("code1.dat", row("w2iy", 437, 2761, 3372), "malformed token code \"w2iy\"");
    expect_bad_row("code2.dat", row("w021iy", 437, 2761, 3372), "malformed token code");
    expect_bad_row("code3.dat", row("w0a1y", 437, 2761, 3372), "malformed token code");
}

static void test_load_refuses_duplicate_token_naming_both_lines(void **state)
{
    (void)state;
    char first[32];
    snprintf(first, sizeof first, "repeats line %d", HEADER_LINES + 2);
    expect_bad_row("dup.dat", row("w01iy", 437, 2761, 3372), first);
}

static void test_load_refuses_truncated_file_naming_last_line(void **state)
{
    (void)state;
    const char *lines[] = {HEADER, GOOD_ROWS};
    const int n = (int)(sizeof lines / sizeof *lines);
    const char *path = write_lines("full.dat", "\r\n", lines, n);
    size_t len;
    uint8_t *text = read_all(path, &len);
    char where[64];
    snprintf(where, sizeof where, "line %d", n);
    /* cut mid-row (after a few fields), and mid-number in the last field */
    const size_t cuts[] = {len - 40, len - 6};
    for (int c = 0; c < 2; c++) {
        const char *cut = tpath("cut.dat");
        write_raw(cut, text, cuts[c]);
        ncm_error err = {0};
        assert_null(ncm_vowel_load(cut, NULL, &err));
        expect_refused(err.code, NCM_ERR_FORMAT, &err, where);
        assert_contains(err.msg, "truncated");
        assert_contains(err.msg, cut);
    }
    free(text);
}

static void test_load_without_selected_row_is_data_error(void **state)
{
    (void)state;
    const char *lines[] = {HEADER, GOOD_ROWS};
    const char *path = write_lines("nosel.dat", "\n", lines, (int)(sizeof lines / sizeof *lines));
    ncm_vowel_select s = sel("w", "uw,oo", NULL);
    ncm_error err = {0};
    assert_null(ncm_vowel_load(path, &s, &err));
    expect_refused(err.code, NCM_ERR_DATA, &err, "no row of the selection");
    assert_contains(err.msg, path);
    assert_contains(err.msg, "vowels uw,oo");
}

static void test_load_file_without_data_rows_is_format_error(void **state)
{
    (void)state;
    const char *lines[] = {HEADER};
    const char *path = write_lines("header.dat", "\n", lines, (int)(sizeof lines / sizeof *lines));
    ncm_error err = {0};
    assert_null(ncm_vowel_load(path, NULL, &err));
    expect_refused(err.code, NCM_ERR_FORMAT, &err, "no data row");
    write_raw(path, "", 0);
    assert_null(ncm_vowel_load(path, NULL, &err));
    expect_refused(err.code, NCM_ERR_FORMAT, &err, "no data row");
}

static void test_load_missing_file_is_io_error_naming_it(void **state)
{
    (void)state;
    const char *path = tpath("no-such-vowdata.dat");
    ncm_error err = {0};
    assert_null(ncm_vowel_load(path, NULL, &err));
    expect_refused(err.code, NCM_ERR_IO, &err, path);
    assert_null(ncm_vowel_load(g_dir, NULL, &err));
    expect_refused(err.code, NCM_ERR_IO, &err, "directory");
}

static void test_load_refuses_bad_selection(void **state)
{
    (void)state;
    const char *lines[] = {HEADER, GOOD_ROWS};
    const char *path = write_lines("bsel.dat", "\n", lines, (int)(sizeof lines / sizeof *lines));
    ncm_vowel_select s;
    ncm_vowel_select_default(&s);
    s.groups = 0;
    ncm_error err = {0};
    assert_null(ncm_vowel_load(path, &s, &err));
    expect_refused(err.code, NCM_ERR_ARG, &err, "groups = 0");
}

/* ---- the distributed vowdata.dat ------------------------------------------------------------- */

/* $NCM_VOWEL_DATA, or the copy beside the source tree (../shared/data/vowels/ from the
 * repository); NULL (and a visible message) when absent. */
static const char *real_file(void)
{
    static char path[4096];
    const char *env = getenv("NCM_VOWEL_DATA");
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else {
        /* __FILE__ is <repo>/tests/test_vowel_data.c */
        char repo[2048];
        snprintf(repo, sizeof repo, "%s", __FILE__);
        for (int up = 0; up < 2; up++) {
            char *slash = strrchr(repo, '/');
            if (slash)
                *slash = 0;
            else
                snprintf(repo, sizeof repo, "..");
        }
        snprintf(path, sizeof path, "%s/../shared/data/vowels/hillenbrand1995_vowdata.dat", repo);
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        printf("SKIP: Hillenbrand's vowdata.dat not found at %s (set NCM_VOWEL_DATA to its path "
               "to run this test)\n",
               path);
        fflush(stdout);
        return NULL;
    }
    return path;
}

static void test_real_file_has_1668_rows_and_139_speakers(void **state)
{
    (void)state;
    const char *path = real_file();
    if (!path)
        skip();
    ncm_vowel_select s = sel("mwbg", "ae,ah,aw,eh,er,ei,ih,iy,oa,oo,uh,uw", "f1,f2");
    ncm_vowel_set *set = load_ok(path, &s);
    assert_int_equal(set->n + set->dropped, 1668);
    assert_int_equal(set->dropped, 10); /* 10 tokens with F1 or F2 unmeasurable */
    assert_int_equal(set->n_speakers, 45 + 48 + 27 + 19);
    ncm_vowel_set_free(set);
}

static void test_real_file_women_default_vowels_give_48_speakers(void **state)
{
    (void)state;
    const char *path = real_file();
    if (!path)
        skip();
    ncm_vowel_set *set = load_ok(path, NULL);
    assert_int_equal(set->n_speakers, 48);
    assert_int_equal(set->n + set->dropped, 48 * 7);
    assert_int_equal(set->dropped, 2); /* w49ah and w41aw */
    for (int k = 0; k < set->n_speakers; k++)
        assert_int_equal(set->speaker_name[k][0], 'w');
    ncm_vowel_set_free(set);
}

/* Mean and SD (n - 1) of feature f of class k in a set. */
static void class_moments(const ncm_vowel_set *set, int k, int f, double *mean, double *sd,
                          int64_t *count)
{
    double s = 0, ss = 0;
    int64_t n = 0;
    for (int64_t i = 0; i < set->n; i++)
        if (set->label[i] == k) {
            s += set->x[i * set->n_features + f];
            n++;
        }
    assert_true(n > 1);
    *mean = s / (double)n;
    for (int64_t i = 0; i < set->n; i++)
        if (set->label[i] == k) {
            const double d = set->x[i * set->n_features + f] - *mean;
            ss += d * d;
        }
    *sd = sqrt(ss / (double)(n - 1));
    *count = n;
}

/* Pearson's correlation of features a and b within class k. */
static double class_correlation(const ncm_vowel_set *set, int k, int a, int b)
{
    double ma, mb, sa, sb;
    int64_t n;
    class_moments(set, k, a, &ma, &sa, &n);
    class_moments(set, k, b, &mb, &sb, &n);
    double sab = 0;
    const int nf = set->n_features;
    for (int64_t i = 0; i < set->n; i++)
        if (set->label[i] == k)
            sab += (set->x[i * nf + a] - ma) * (set->x[i * nf + b] - mb);
    return sab / (double)(n - 1) / (sa * sb);
}

static void test_real_file_means_and_sds_equal_published_stats(void **state)
{
    (void)state;
    const char *path = real_file();
    if (!path)
        skip();
    /* per group (children: boys and girls pooled) and formant, the zero entries excluded */
    const char *groups[] = {"m", "w", "b,g"};
    const int group_of[] = {NCM_VOWEL_MEN, NCM_VOWEL_WOMEN, NCM_VOWEL_BOYS};
    const char *formants[] = {"f1", "f2", "f3"};
    for (int gi = 0; gi < 3; gi++)
        for (int f = 0; f < 3; f++) {
            ncm_vowel_select s =
                sel(groups[gi], "ae,ah,aw,eh,er,ei,ih,iy,oa,oo,uh,uw", formants[f]);
            ncm_vowel_set *set = load_ok(path, &s);
            for (int v = 0; v < NCM_VOWEL_N; v++) {
                double mean, sd, pm, psd;
                int64_t n;
                class_moments(set, v, 0, &mean, &sd, &n);
                ncm_error err = {0};
                assert_int_equal(ncm_vowel_stats(v, group_of[gi], f, &pm, &psd, &err), NCM_OK);
                expect_near(mean, pm, 0.01);
                expect_near(sd, psd, 0.01);
            }
            ncm_vowel_set_free(set);
        }
}

static void test_real_file_correlations_equal_compiled_table(void **state)
{
    (void)state;
    const char *path = real_file();
    if (!path)
        skip();
    const char *groups[] = {"m", "w", "b,g"};
    const int group_of[] = {NCM_VOWEL_MEN, NCM_VOWEL_WOMEN, NCM_VOWEL_GIRLS};
    const char *pairs[] = {"f1,f2", "f1,f3", "f2,f3"};
    for (int gi = 0; gi < 3; gi++)
        for (int p = 0; p < 3; p++) {
            ncm_vowel_select s = sel(groups[gi], "ae,ah,aw,eh,er,ei,ih,iy,oa,oo,uh,uw", pairs[p]);
            ncm_vowel_set *set = load_ok(path, &s);
            for (int v = 0; v < NCM_VOWEL_N; v++) {
                double rho;
                ncm_error err = {0};
                assert_int_equal(ncm_vowel_correlation(v, group_of[gi], s.formants[0],
                                                       s.formants[1], &rho, &err),
                                 NCM_OK);
                expect_near(class_correlation(set, v, 0, 1), rho, 1e-6);
            }
            ncm_vowel_set_free(set);
        }
}

/* ---- statistics ------------------------------------------------------------------------------ */

static void test_stats_give_published_values_and_children_for_boys_and_girls(void **state)
{
    (void)state;
    ncm_error err = {0};
    double m, sd, m2, sd2;
    /* vowdata.ds: iy, w, F1: 437.250 (SD 40.621); iy, c, F2: 3081.674 (SD 191.268) */
    assert_int_equal(ncm_vowel_stats(vowel_index("iy"), NCM_VOWEL_WOMEN, 0, &m, &sd, &err), NCM_OK);
    expect_near(m, 437.250, 1e-9);
    expect_near(sd, 40.621, 1e-9);
    assert_int_equal(ncm_vowel_stats(vowel_index("iy"), NCM_VOWEL_BOYS, 1, &m, &sd, &err), NCM_OK);
    expect_near(m, 3081.674, 1e-9);
    expect_near(sd, 191.268, 1e-9);
    for (int v = 0; v < NCM_VOWEL_N; v++)
        for (int f = 0; f < NCM_VOWEL_MAX_FORMANTS; f++) {
            assert_int_equal(ncm_vowel_stats(v, NCM_VOWEL_BOYS, f, &m, &sd, &err), NCM_OK);
            assert_int_equal(ncm_vowel_stats(v, NCM_VOWEL_GIRLS, f, &m2, &sd2, &err), NCM_OK);
            expect_near(m, m2, 0);
            expect_near(sd, sd2, 0);
            assert_true(m > 0 && sd > 0);
        }
}

static void test_correlation_is_symmetric_with_unit_diagonal_and_in_range(void **state)
{
    (void)state;
    ncm_error err = {0};
    for (int v = 0; v < NCM_VOWEL_N; v++)
        for (int g = 0; g < NCM_VOWEL_N_GROUPS; g++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double r, rt;
                    assert_int_equal(ncm_vowel_correlation(v, g, a, b, &r, &err), NCM_OK);
                    assert_int_equal(ncm_vowel_correlation(v, g, b, a, &rt, &err), NCM_OK);
                    expect_near(r, rt, 0);
                    if (a == b)
                        expect_near(r, 1, 0);
                    else
                        assert_true(fabs(r) < 1);
                }
}

static void test_stats_refuse_out_of_range_naming_argument(void **state)
{
    (void)state;
    ncm_error err = {0};
    double m, sd, r;
    expect_refused(ncm_vowel_stats(12, 0, 0, &m, &sd, &err), NCM_ERR_ARG, &err, "v = 12");
    expect_refused(ncm_vowel_stats(0, 4, 0, &m, &sd, &err), NCM_ERR_ARG, &err, "g = 4");
    expect_refused(ncm_vowel_stats(0, 0, 3, &m, &sd, &err), NCM_ERR_ARG, &err, "f = 3");
    expect_refused(ncm_vowel_correlation(-1, 0, 0, 1, &r, &err), NCM_ERR_ARG, &err, "v = -1");
    expect_refused(ncm_vowel_correlation(0, 0, 0, 3, &r, &err), NCM_ERR_ARG, &err, "f2 = 3");
    expect_refused(ncm_vowel_correlation(0, 0, -1, 0, &r, &err), NCM_ERR_ARG, &err, "f1 = -1");
}

/* ---- the synthetic generator ----------------------------------------------------------------- */

static ncm_vowel_set *synth_ok(const ncm_vowel_select *s, int per_group, uint64_t seed)
{
    ncm_error err = {0};
    ncm_vowel_set *set = ncm_vowel_synthetic(s, per_group, seed, &err);
    if (!set)
        fail_msg("%s", err.msg);
    return set;
}

static void test_synthetic_matches_published_means_sds_and_correlations(void **state)
{
    (void)state;
    const int per = 2000;
    const int groups[] = {NCM_VOWEL_MEN, NCM_VOWEL_WOMEN, NCM_VOWEL_GIRLS};
    const char *gl[] = {"m", "w", "g"};
    for (int gi = 0; gi < 3; gi++) {
        ncm_vowel_select s = sel(gl[gi], "ae,ah,aw,eh,er,ei,ih,iy,oa,oo,uh,uw", "f1,f2,f3");
        ncm_vowel_set *set = synth_ok(&s, per, 7);
        assert_int_equal(set->n, (int64_t)per * NCM_VOWEL_N);
        for (int v = 0; v < NCM_VOWEL_N; v++) {
            for (int f = 0; f < 3; f++) {
                double mean, sd, pm, psd;
                int64_t n;
                class_moments(set, v, f, &mean, &sd, &n);
                assert_int_equal(n, per);
                ncm_error err = {0};
                assert_int_equal(ncm_vowel_stats(v, groups[gi], f, &pm, &psd, &err), NCM_OK);
                /* 4 standard errors: of the mean sd / sqrt(n), of the SD sd / sqrt(2 (n - 1)) */
                expect_near(mean, pm, 4 * psd / sqrt((double)n));
                expect_near(sd, psd, 4 * psd / sqrt(2.0 * (double)(n - 1)));
            }
            for (int a = 0; a < 3; a++)
                for (int b = a + 1; b < 3; b++) {
                    double rho;
                    ncm_error err = {0};
                    assert_int_equal(ncm_vowel_correlation(v, groups[gi], a, b, &rho, &err),
                                     NCM_OK);
                    expect_near(class_correlation(set, v, a, b), rho, 4 / sqrt((double)per));
                }
        }
        ncm_vowel_set_free(set);
    }
}

static void test_synthetic_layout_names_and_source(void **state)
{
    (void)state;
    ncm_vowel_select s = sel("m,g", "iy,ae", "f1");
    ncm_vowel_set *set = synth_ok(&s, 120, 3);
    assert_int_equal(set->n, 2 * 120 * 2);
    assert_int_equal(set->n_speakers, 240);
    assert_int_equal(set->n_classes, 2);
    assert_int_equal(set->n_features, 1);
    assert_int_equal(set->dropped, 0);
    assert_string_equal(set->speaker_name[0], "m01");
    assert_string_equal(set->speaker_name[119], "m120");
    assert_string_equal(set->speaker_name[120], "g01");
    /* tokens by group, speaker, then class */
    for (int64_t i = 0; i < set->n; i++) {
        assert_int_equal(set->label[i], i % 2);
        assert_int_equal(set->speaker[i], i / 2);
        assert_true(set->x[i] > 0);
    }
    assert_string_equal(set->source, "synthetic (seed 3)");
    ncm_vowel_set_free(set);
    ncm_vowel_select w = sel("w", NULL, NULL);
    set = synth_ok(&w, 10000, 1);
    assert_string_equal(set->speaker_name[9999], "w10000");
    ncm_vowel_set_free(set);
}

static void test_synthetic_same_seed_same_set_different_seed_different_set(void **state)
{
    (void)state;
    ncm_vowel_set *a = synth_ok(NULL, 30, 11), *b = synth_ok(NULL, 30, 11),
                  *c = synth_ok(NULL, 30, 12);
    expect_same_set(a, b);
    assert_int_equal(a->n, c->n);
    int64_t differ = 0;
    for (int64_t i = 0; i < a->n * a->n_features; i++)
        differ += a->x[i] != c->x[i];
    assert_int_equal(differ, a->n * a->n_features);
    ncm_vowel_set_free(a);
    ncm_vowel_set_free(b);
    ncm_vowel_set_free(c);
}

static void test_synthetic_f1_f2_same_with_or_without_f3(void **state)
{
    (void)state;
    /* the Cholesky factor of the 2x2 is the leading block of the 3x3: adding F3 keeps F1, F2 */
    ncm_vowel_select s2 = sel(NULL, NULL, "f1,f2"), s3 = sel(NULL, NULL, "f1,f2,f3");
    ncm_vowel_set *a = synth_ok(&s2, 20, 5), *b = synth_ok(&s3, 20, 5);
    assert_int_equal(a->n, b->n);
    for (int64_t i = 0; i < a->n; i++) {
        expect_near(a->x[2 * i], b->x[3 * i], 0);
        expect_near(a->x[2 * i + 1], b->x[3 * i + 1], 1e-9);
    }
    ncm_vowel_set_free(a);
    ncm_vowel_set_free(b);
}

static void test_synthetic_draws_again_a_token_with_a_formant_below_zero(void **state)
{
    (void)state;
    /* children's uw F2 is 1404 +- 335 Hz; with seed 28 the first normal of token 41's stream is
     * -4.22: F2 < 0, so that token takes the next normal of its stream */
    ncm_vowel_select s = sel("b", "uw", "f2");
    ncm_vowel_set *set = synth_ok(&s, 100, 28);
    double m, sd;
    ncm_error err = {0};
    assert_int_equal(ncm_vowel_stats(vowel_index("uw"), NCM_VOWEL_BOYS, 1, &m, &sd, &err), NCM_OK);
    int redrawn = 0;
    for (int64_t i = 0; i < set->n; i++) {
        ncm_rng r;
        ncm_rng_init(&r, 28, (uint64_t)i);
        const double first = m + sd * ncm_rng_normal(&r);
        assert_true(set->x[i] > 0);
        if (first > 0)
            expect_near(set->x[i], first, 0);
        else {
            expect_near(set->x[i], m + sd * ncm_rng_normal(&r), 0);
            assert_int_equal(i, 41);
            redrawn++;
        }
    }
    assert_int_equal(redrawn, 1);
    ncm_vowel_set_free(set);
}

static void test_synthetic_refuses_bad_speaker_count_and_selection(void **state)
{
    (void)state;
    ncm_error err = {0};
    assert_null(ncm_vowel_synthetic(NULL, 0, 1, &err));
    expect_refused(err.code, NCM_ERR_ARG, &err, "speakers_per_group = 0");
    assert_null(ncm_vowel_synthetic(NULL, 10001, 1, &err));
    expect_refused(err.code, NCM_ERR_ARG, &err, "speakers_per_group = 10001");
    ncm_vowel_select s;
    ncm_vowel_select_default(&s);
    s.vowels[0] = 12;
    assert_null(ncm_vowel_synthetic(&s, 10, 1, &err));
    expect_refused(err.code, NCM_ERR_ARG, &err, "vowels[0] = 12");
}

/* ---- the split by speaker -------------------------------------------------------------------- */

static void split_ok(const ncm_vowel_set *s, double frac, uint64_t seed, ncm_vowel_set **tr,
                     ncm_vowel_set **te)
{
    ncm_error err = {0};
    if (ncm_vowel_split(s, frac, seed, tr, te, &err))
        fail_msg("%s", err.msg);
}

static int find_name(const ncm_vowel_set *s, const char *name)
{
    for (int k = 0; k < s->n_speakers; k++)
        if (strcmp(s->speaker_name[k], name) == 0)
            return k;
    return -1;
}

static void test_split_is_by_speaker_and_keeps_every_token(void **state)
{
    (void)state;
    ncm_vowel_select s = sel("m,w,b", NULL, "f1,f2,f3");
    ncm_vowel_set *all = synth_ok(&s, 20, 9), *tr, *te;
    split_ok(all, 0.7, 4, &tr, &te);
    assert_int_equal(tr->n_speakers, 42);
    assert_int_equal(te->n_speakers, 18);
    assert_int_equal(tr->n + te->n, all->n);
    for (int k = 0; k < tr->n_speakers; k++)
        assert_int_equal(find_name(te, tr->speaker_name[k]), -1);
    /* token by token, in order: each original token is the next one of its speaker's side */
    int64_t at[2] = {0, 0};
    const ncm_vowel_set *side[2] = {tr, te};
    for (int64_t i = 0; i < all->n; i++) {
        const char *name = all->speaker_name[all->speaker[i]];
        const int h = find_name(tr, name) >= 0 ? 0 : 1;
        const ncm_vowel_set *o = side[h];
        assert_true(at[h] < o->n);
        assert_string_equal(o->speaker_name[o->speaker[at[h]]], name);
        assert_int_equal(o->label[at[h]], all->label[i]);
        assert_memory_equal(o->x + at[h] * 3, all->x + i * 3, 3 * sizeof(double));
        at[h]++;
    }
    assert_int_equal(at[0], tr->n);
    assert_int_equal(at[1], te->n);
    for (int h = 0; h < 2; h++) {
        assert_int_equal(side[h]->n_features, 3);
        assert_int_equal(side[h]->n_classes, all->n_classes);
        assert_memory_equal(&side[h]->select, &all->select, sizeof all->select);
        for (int64_t i = 0; i < side[h]->n; i++)
            assert_in_range(side[h]->speaker[i], 0, side[h]->n_speakers - 1);
    }
    ncm_vowel_set_free(all);
    ncm_vowel_set_free(tr);
    ncm_vowel_set_free(te);
}

static void test_split_sizes_are_rounded_fraction_of_speakers(void **state)
{
    (void)state;
    ncm_vowel_set *all = synth_ok(NULL, 48, 1), *tr, *te;
    /* round(0.8 x 48 = 38.4) = 38, round(0.03 x 48 = 1.44) = 1 */
    const double fr[] = {0.5, 0.25, 0.8, 0.03};
    const int want[] = {24, 12, 38, 1};
    for (int k = 0; k < 4; k++) {
        split_ok(all, fr[k], 2, &tr, &te);
        assert_int_equal(tr->n_speakers, want[k]);
        assert_int_equal(te->n_speakers, 48 - want[k]);
        assert_int_equal(tr->n, (int64_t)want[k] * 7);
        ncm_vowel_set_free(tr);
        ncm_vowel_set_free(te);
    }
    ncm_error err = {0};
    /* round(0.99 x 48 = 47.52) = 48 leaves no test speaker */
    expect_refused(ncm_vowel_split(all, 0.99, 2, &tr, &te, &err), NCM_ERR_ARG, &err,
                   "train_frac = 0.99 with 48 speakers: 48 train and 0 test");
    assert_null(tr);
    assert_null(te);
    ncm_vowel_set_free(all);
}

static void test_split_reproducible_with_seed_and_different_seeds_differ(void **state)
{
    (void)state;
    ncm_vowel_set *all = synth_ok(NULL, 48, 1), *a, *at, *b, *bt, *c, *ct;
    split_ok(all, 0.5, 10, &a, &at);
    split_ok(all, 0.5, 10, &b, &bt);
    split_ok(all, 0.5, 11, &c, &ct);
    expect_same_set(a, b);
    expect_same_set(at, bt);
    int same = 1;
    for (int k = 0; k < a->n_speakers && same; k++)
        same = find_name(c, a->speaker_name[k]) >= 0;
    assert_false(same);
    ncm_vowel_set *sets[] = {all, a, at, b, bt, c, ct};
    for (int k = 0; k < 7; k++)
        ncm_vowel_set_free(sets[k]);
}

static void test_split_refuses_bad_train_frac(void **state)
{
    (void)state;
    ncm_vowel_set *all = synth_ok(NULL, 10, 1), *tr = all, *te = all;
    ncm_error err = {0};
    const double bad[] = {0, 1, -0.2, 1.5, NAN};
    for (int k = 0; k < 5; k++) {
        expect_refused(ncm_vowel_split(all, bad[k], 1, &tr, &te, &err), NCM_ERR_ARG, &err,
                       "train_frac = ");
        assert_contains(err.msg, "(0, 1)");
        assert_null(tr);
        assert_null(te);
    }
    /* 0.01 x 10 speakers rounds to no train speaker */
    expect_refused(ncm_vowel_split(all, 0.01, 1, &tr, &te, &err), NCM_ERR_ARG, &err,
                   "0 train and 10 test speakers");
    ncm_vowel_set *one = synth_ok(NULL, 1, 1);
    expect_refused(ncm_vowel_split(one, 0.5, 1, &tr, &te, &err), NCM_ERR_ARG, &err,
                   "synthetic (seed 1): 1 speaker(s): a split by speaker needs at least 2");
    ncm_vowel_set_free(one);
    ncm_vowel_set_free(all);
}

static void test_split_of_loaded_file_keeps_names(void **state)
{
    (void)state;
    const char *lines[] = {HEADER, GOOD_ROWS};
    const char *path = write_lines("split.dat", "\n", lines, (int)(sizeof lines / sizeof *lines));
    ncm_vowel_select s = sel("m,w,b,g", NULL, "f1");
    ncm_vowel_set *all = load_ok(path, &s), *tr, *te;
    assert_int_equal(all->n_speakers, 5); /* m01 w01 w02 b01 g01 */
    split_ok(all, 0.6, 3, &tr, &te);
    assert_int_equal(tr->n_speakers, 3);
    assert_int_equal(te->n_speakers, 2);
    for (int k = 0; k < all->n_speakers; k++)
        assert_true((find_name(tr, all->speaker_name[k]) >= 0) !=
                    (find_name(te, all->speaker_name[k]) >= 0));
    assert_contains(tr->source, path);
    assert_contains(tr->source, "train");
    assert_contains(te->source, "test");
    ncm_vowel_set_free(all);
    ncm_vowel_set_free(tr);
    ncm_vowel_set_free(te);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vowel_and_group_codes_round_trip),
        cmocka_unit_test(test_select_default_is_women_seven_vowels_f1_f2),
        cmocka_unit_test(test_select_check_refuses_bad_fields_naming_them),
        cmocka_unit_test(test_parse_lists_read_vowels_groups_and_formants),
        cmocka_unit_test(test_parse_lists_refuse_unknown_and_repeated_items_naming_them),
        cmocka_unit_test(test_load_lf_and_crlf_skip_header_and_give_same_set),
        cmocka_unit_test(test_load_drops_only_rows_with_a_selected_zero_formant),
        cmocka_unit_test(test_load_selects_groups_and_vowels_in_selection_order),
        cmocka_unit_test(test_load_refuses_short_row_naming_line),
        cmocka_unit_test(test_load_refuses_long_row_naming_line),
        cmocka_unit_test(test_load_refuses_non_numeric_field_naming_line),
        cmocka_unit_test(test_load_refuses_negative_field_naming_line),
        cmocka_unit_test(test_load_refuses_unknown_vowel_code_naming_line),
        cmocka_unit_test(test_load_refuses_unknown_group_naming_line),
        cmocka_unit_test(test_load_refuses_malformed_token_code_naming_line),
        cmocka_unit_test(test_load_refuses_duplicate_token_naming_both_lines),
        cmocka_unit_test(test_load_refuses_truncated_file_naming_last_line),
        cmocka_unit_test(test_load_without_selected_row_is_data_error),
        cmocka_unit_test(test_load_file_without_data_rows_is_format_error),
        cmocka_unit_test(test_load_missing_file_is_io_error_naming_it),
        cmocka_unit_test(test_load_refuses_bad_selection),
        cmocka_unit_test(test_real_file_has_1668_rows_and_139_speakers),
        cmocka_unit_test(test_real_file_women_default_vowels_give_48_speakers),
        cmocka_unit_test(test_real_file_means_and_sds_equal_published_stats),
        cmocka_unit_test(test_real_file_correlations_equal_compiled_table),
        cmocka_unit_test(test_stats_give_published_values_and_children_for_boys_and_girls),
        cmocka_unit_test(test_correlation_is_symmetric_with_unit_diagonal_and_in_range),
        cmocka_unit_test(test_stats_refuse_out_of_range_naming_argument),
        cmocka_unit_test(test_synthetic_matches_published_means_sds_and_correlations),
        cmocka_unit_test(test_synthetic_layout_names_and_source),
        cmocka_unit_test(test_synthetic_same_seed_same_set_different_seed_different_set),
        cmocka_unit_test(test_synthetic_f1_f2_same_with_or_without_f3),
        cmocka_unit_test(test_synthetic_draws_again_a_token_with_a_formant_below_zero),
        cmocka_unit_test(test_synthetic_refuses_bad_speaker_count_and_selection),
        cmocka_unit_test(test_split_is_by_speaker_and_keeps_every_token),
        cmocka_unit_test(test_split_sizes_are_rounded_fraction_of_speakers),
        cmocka_unit_test(test_split_reproducible_with_seed_and_different_seeds_differ),
        cmocka_unit_test(test_split_refuses_bad_train_frac),
        cmocka_unit_test(test_split_of_loaded_file_keeps_names),
    };
    return cmocka_run_group_tests_name("vowel_data", tests, group_setup, group_teardown);
}
