/* Shared by the tests that write files: a temporary directory per test program under
 * $NCM_TEST_TMP (or /tmp), removed at the end, and small file helpers. Include after cmocka.h. */
#ifndef NCM_TESTDIR_H
#define NCM_TESTDIR_H

#include <ftw.h>
#include <stdio.h>
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

static void write_raw(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

#endif
