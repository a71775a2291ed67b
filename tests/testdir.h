/* Shared by the C tests: a temporary directory per test program under $NCM_TEST_TMP (or /tmp),
 * removed at the end, small file helpers, and assertions cmocka lacks. Include after cmocka.h. */
#ifndef NCM_TESTDIR_H
#define NCM_TESTDIR_H

#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[1024]; /* this run's temporary directory */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Creates g_dir as $NCM_TEST_TMP/<name>.XXXXXX; cmocka group set-up style (0 = ok). */
static int testdir_create(const char *name)
{
    const char *base = getenv("NCM_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/%s.XXXXXX", base, name);
    if (!mkdtemp(g_dir)) {
        fprintf(stderr, "cannot create a temporary directory under %s\n", base);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* g_dir/name in a static rotating buffer (several paths can be live at once). */
static const char *tpath(const char *name)
{
    static char bufs[8][4096];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", g_dir, name);
    return b;
}

__attribute__((unused)) static void write_raw(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* The whole file in a malloc'd buffer (one byte more, for a terminator); *n its length. */
__attribute__((unused)) static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long len = ftell(fp);
    assert_true(len >= 0);
    rewind(fp);
    uint8_t *p = malloc((size_t)len + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return p;
}

__attribute__((unused)) static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("message \"%s\" does not contain \"%s\"", hay, needle);
}

/* |a - b| <= tol, or a failure quoting both (cmocka has no double comparison) */
#define expect_near(a, b, tol) expect_near_at((a), (b), (tol), #a, __LINE__)
__attribute__((unused)) static void expect_near_at(double a, double b, double tol, const char *what,
                                                   int line)
{
    if (!(fabs(a - b) <= tol))
        fail_msg("line %d: %s = %.10g, expected %.10g +- %.3g", line, what, a, b, tol);
}

#endif
