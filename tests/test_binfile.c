/* Tests of the versioned, checksummed binary files (include/nanocim/binfile.h) and the atomic
 * output files (include/nanocim/io.h): payload round trips, refusal of a flipped byte (checksum),
 * a truncated or padded file, a newer version and a wrong magic, short reads of an ncm_rbuf,
 * and ncm_afile commit / abort leaving no partial or temporary file behind. Files live in a
 * temporary directory under $NCM_TEST_TMP (or /tmp). */
#define _XOPEN_SOURCE 700 /* nftw */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "testdir.h"
#include "util/binfile.h"
#include "util/io.h"

static const char MAGIC[8] = {'N', 'C', 'M', 'T', 'E', 'S', 'T', '1'};
enum { VERSION = 3, HEAD = 8 + 4 + 8, TAIL = 4 };

/* ---- helpers ------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    return testdir_create("test_binfile");
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Number of entries of g_dir whose name contains `part`. */
static int count_entries(const char *part)
{
    DIR *d = opendir(g_dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, part))
            n++;
    closedir(d);
    return n;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Recomputes the trailing CRC-32 of a whole file image in memory. */
static void fix_crc(uint8_t *f, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, f, (uInt)(n - TAIL));
    put_u32(f + n - TAIL, (uint32_t)crc);
}

static const float FLOATS[] = {0.0f, -0.0f, 1.5f, -3.25e-7f, 3.0e38f, INFINITY, -INFINITY};
enum { N_FLOATS = sizeof FLOATS / sizeof FLOATS[0] };
static const uint8_t BYTES[] = {0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 'x'};

/* Saves the standard test payload to path. */
static void save_sample(const char *path)
{
    ncm_wbuf w = {0};
    ncm_wbuf_u32(&w, 0xdeadbeefu);
    ncm_wbuf_u64(&w, 0x0123456789abcdefull);
    ncm_wbuf_f32(&w, FLOATS, N_FLOATS);
    ncm_wbuf_bytes(&w, BYTES, sizeof BYTES);
    ncm_wbuf_u32(&w, 0);
    assert_false(w.oom);
    ncm_error err = {0};
    ncm_status s = ncm_binfile_save(path, MAGIC, VERSION, &w, &err);
    if (s)
        fail_msg("save %s: %s", path, err.msg);
    ncm_wbuf_free(&w);
    assert_null(w.p);
}

static const size_t SAMPLE_PAYLOAD = 4 + 8 + 4 * N_FLOATS + sizeof BYTES + 4;

/* Expects ncm_binfile_load(path) to fail with `code` and a message naming path and `what`. */
static void expect_load_error(const char *path, uint32_t max_version, ncm_status code,
                              const char *what)
{
    uint8_t *data = (uint8_t *)"not touched";
    ncm_rbuf r;
    uint32_t v = 0;
    ncm_error err = {0};
    ncm_status s = ncm_binfile_load(path, MAGIC, max_version, "test", &data, &r, &v, &err);
    if (s == NCM_OK) {
        free(data);
        data = NULL;
    }
    if (s != code)
        fail_msg("%s: status %d (%s), expected %d; message \"%s\"", path, s, ncm_status_name(s),
                 code, err.msg);
    assert_int_equal(err.code, code);
    assert_null(data);
    assert_contains(err.msg, path);
    if (what)
        assert_contains(err.msg, what);
}

/* ---- binfile -------------------------------------------------------------------------------- */

static void test_binfile_round_trip_u32_u64_f32_bytes(void **state)
{
    (void)state;
    const char *p = tpath("round.bin");
    save_sample(p);
    size_t n;
    uint8_t *f = read_all(p, &n);
    assert_int_equal(n, HEAD + SAMPLE_PAYLOAD + TAIL);
    assert_memory_equal(f, MAGIC, 8);
    free(f);

    uint8_t *data;
    ncm_rbuf r;
    uint32_t v = 0;
    ncm_error err = {0};
    ncm_status s = ncm_binfile_load(p, MAGIC, VERSION, "test", &data, &r, &v, &err);
    if (s)
        fail_msg("load: %s", err.msg);
    assert_non_null(data);
    assert_int_equal(v, VERSION);
    assert_int_equal(r.len, SAMPLE_PAYLOAD);
    assert_int_equal(r.pos, 0);
    assert_int_equal(ncm_rbuf_u32(&r), 0xdeadbeefu);
    assert_true(ncm_rbuf_u64(&r) == 0x0123456789abcdefull);
    float fl[N_FLOATS];
    ncm_rbuf_f32(&r, fl, N_FLOATS);
    assert_memory_equal(fl, FLOATS, sizeof fl); /* bit-exact, -0.0 and infinities included */
    uint8_t by[sizeof BYTES];
    ncm_rbuf_bytes(&r, by, sizeof by);
    assert_memory_equal(by, BYTES, sizeof by);
    assert_int_equal(ncm_rbuf_u32(&r), 0);
    assert_false(r.short_read);
    assert_int_equal(r.pos, r.len);
    free(data);
}

static void test_binfile_accepts_older_version(void **state)
{
    (void)state;
    const char *p = tpath("older.bin");
    save_sample(p);
    uint8_t *data;
    ncm_rbuf r;
    uint32_t v = 0;
    ncm_error err = {0};
    assert_int_equal(ncm_binfile_load(p, MAGIC, VERSION + 5, "test", &data, &r, &v, &err), NCM_OK);
    assert_int_equal(v, VERSION);
    free(data);
}

static void test_binfile_empty_payload_round_trip(void **state)
{
    (void)state;
    const char *p = tpath("empty-payload.bin");
    ncm_wbuf w = {0};
    ncm_error err = {0};
    assert_int_equal(ncm_binfile_save(p, MAGIC, 1, &w, &err), NCM_OK);
    uint8_t *data;
    ncm_rbuf r;
    uint32_t v = 0;
    ncm_status s = ncm_binfile_load(p, MAGIC, 1, "test", &data, &r, &v, &err);
    if (s)
        fail_msg("a file saved with an empty payload does not load: %s", err.msg);
    assert_int_equal(r.len, 0);
    assert_int_equal(ncm_rbuf_u32(&r), 0);
    assert_true(r.short_read);
    free(data);
}

static void test_binfile_flipped_payload_byte_is_checksum_error(void **state)
{
    (void)state;
    const char *src = tpath("flip-src.bin");
    save_sample(src);
    size_t n;
    uint8_t *f = read_all(src, &n);
    const char *p = tpath("flip.bin");
    /* every payload byte, one at a time */
    for (size_t at = HEAD; at < n - TAIL; at++) {
        f[at] ^= 0x10;
        write_raw(p, f, n);
        f[at] ^= 0x10;
        expect_load_error(p, VERSION, NCM_ERR_FORMAT, "checksum");
    }
    /* and the stored CRC itself */
    f[n - 1] ^= 0x01;
    write_raw(p, f, n);
    expect_load_error(p, VERSION, NCM_ERR_FORMAT, "checksum");
    free(f);
}

static void test_binfile_truncated_file_is_format_error(void **state)
{
    (void)state;
    const char *src = tpath("cut-src.bin");
    save_sample(src);
    size_t n;
    uint8_t *f = read_all(src, &n);
    const char *p = tpath("cut.bin");
    size_t cuts[] = {n - 1, n - TAIL, n / 2, HEAD + TAIL - 1, HEAD, 12, 9};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_raw(p, f, cuts[i]);
        expect_load_error(p, VERSION, NCM_ERR_FORMAT, NULL);
    }
    /* shorter than the magic: refused as not this kind of file */
    write_raw(p, f, 5);
    expect_load_error(p, VERSION, NCM_ERR_FORMAT, NULL);
    write_raw(p, f, 0);
    expect_load_error(p, VERSION, NCM_ERR_FORMAT, NULL);
    free(f);
}

/* A header announcing far more than the file holds is refused from the header and the file's
 * size, before any buffer of that size is asked for. */
static void test_binfile_length_beyond_the_file_is_refused_before_reading(void **state)
{
    (void)state;
    const char *src = tpath("long-src.bin");
    save_sample(src);
    size_t n;
    uint8_t *f = read_all(src, &n);
    put_u32(f + 12, 0);
    put_u32(f + 16, 1u << 8); /* payload length 2^40 */
    fix_crc(f, n);
    const char *p = tpath("long.bin");
    write_raw(p, f, n);
    free(f);
    expect_load_error(p, VERSION, NCM_ERR_FORMAT, "header announces 1099511627800");
}

/* A pipe has no size to check: it is read as data comes, up to the announced length. */
static void test_binfile_loads_from_a_pipe_and_refuses_a_short_one(void **state)
{
    (void)state;
    const char *src = tpath("pipe-src.bin");
    save_sample(src);
    size_t n;
    uint8_t *f = read_all(src, &n);
    const char *fifo = tpath("pipe.fifo");
    for (int cut = 0; cut <= 1; cut++) {
        assert_int_equal(mkfifo(fifo, 0600), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) { /* the writer: the whole file, or all but its last 10 bytes */
            FILE *w = fopen(fifo, "wb");
            if (w)
                fwrite(f, 1, cut ? n - 10 : n, w), fclose(w);
            _exit(0);
        }
        uint8_t *data = NULL;
        ncm_rbuf r;
        uint32_t v = 0;
        ncm_error err = {0};
        ncm_status s = ncm_binfile_load(fifo, MAGIC, VERSION, "test", &data, &r, &v, &err);
        int status;
        waitpid(pid, &status, 0);
        remove(fifo);
        if (!cut) {
            if (s)
                fail_msg("a whole file through a pipe: %s", err.msg);
            assert_int_equal(r.len, SAMPLE_PAYLOAD);
            assert_int_equal(ncm_rbuf_u32(&r), 0xdeadbeefu);
            free(data);
        } else {
            assert_int_equal(s, NCM_ERR_FORMAT);
            assert_null(data);
            assert_contains(err.msg, "header announces");
        }
    }
    free(f);
}

static void test_binfile_padded_file_is_format_error(void **state)
{
    (void)state;
    const char *src = tpath("pad-src.bin");
    save_sample(src);
    size_t n;
    uint8_t *f = read_all(src, &n);
    uint8_t *g = malloc(n + 3);
    assert_non_null(g);
    memcpy(g, f, n);
    g[n] = g[n + 1] = g[n + 2] = 0;
    const char *p = tpath("pad.bin");
    write_raw(p, g, n + 3);
    expect_load_error(p, VERSION, NCM_ERR_FORMAT, NULL);
    free(g);
    free(f);
}

static void test_binfile_newer_version_is_version_error(void **state)
{
    (void)state;
    const char *src = tpath("ver-src.bin");
    save_sample(src);
    size_t n;
    uint8_t *f = read_all(src, &n);
    const char *p = tpath("ver.bin");
    put_u32(f + 8, VERSION + 1);
    fix_crc(f, n); /* only the version is wrong */
    write_raw(p, f, n);
    expect_load_error(p, VERSION, NCM_ERR_VERSION, "version");
    put_u32(f + 8, 99);
    fix_crc(f, n);
    write_raw(p, f, n);
    expect_load_error(p, VERSION, NCM_ERR_VERSION, "99");
    /* the version is checked before the checksum: a stale CRC still reports the version */
    put_u32(f + 8, 1000);
    write_raw(p, f, n);
    expect_load_error(p, VERSION, NCM_ERR_VERSION, "version");
    /* version 0 was never written */
    put_u32(f + 8, 0);
    fix_crc(f, n);
    write_raw(p, f, n);
    expect_load_error(p, VERSION, NCM_ERR_VERSION, NULL);
    free(f);
}

static void test_binfile_wrong_magic_is_format_error(void **state)
{
    (void)state;
    const char *src = tpath("magic-src.bin");
    save_sample(src);
    size_t n;
    uint8_t *f = read_all(src, &n);
    f[7] = '2';
    fix_crc(f, n);
    const char *p = tpath("magic.bin");
    write_raw(p, f, n);
    expect_load_error(p, VERSION, NCM_ERR_FORMAT, "magic");
    /* the `what` argument names the kind of file */
    uint8_t *data;
    ncm_rbuf r;
    uint32_t v;
    ncm_error err = {0};
    assert_int_equal(ncm_binfile_load(p, MAGIC, VERSION, "checkpoint", &data, &r, &v, &err),
                     NCM_ERR_FORMAT);
    assert_contains(err.msg, "checkpoint");
    free(f);
    const char *t = tpath("text.bin");
    write_raw(t, "just some text, long enough to pass for a header\n", 50);
    expect_load_error(t, VERSION, NCM_ERR_FORMAT, "magic");
}

static void test_binfile_missing_file_is_io_error(void **state)
{
    (void)state;
    expect_load_error(tpath("no-such.bin"), VERSION, NCM_ERR_IO, NULL);
}

static void test_binfile_save_into_missing_directory_is_io_error(void **state)
{
    (void)state;
    const char *p = tpath("no-such-dir/x.bin");
    ncm_wbuf w = {0};
    ncm_wbuf_u32(&w, 1);
    ncm_error err = {0};
    assert_int_equal(ncm_binfile_save(p, MAGIC, 1, &w, &err), NCM_ERR_IO);
    assert_contains(err.msg, p);
    ncm_wbuf_free(&w);
}

/* ---- rbuf ----------------------------------------------------------------------------------- */

static void test_rbuf_read_past_end_sets_short_read(void **state)
{
    (void)state;
    const uint8_t buf[6] = {1, 0, 0, 0, 0xaa, 0xbb};
    ncm_rbuf r = {buf, sizeof buf, 0, 0};
    assert_int_equal(ncm_rbuf_u32(&r), 1);
    assert_false(r.short_read);
    assert_int_equal(ncm_rbuf_u32(&r), 0); /* only 2 bytes left */
    assert_true(r.short_read);
    /* once short, every later read gives zeros, even one that would fit */
    uint8_t b[2] = {9, 9};
    ncm_rbuf_bytes(&r, b, 2);
    assert_int_equal(b[0], 0);
    assert_int_equal(b[1], 0);
    assert_true(r.short_read);

    ncm_rbuf r3 = {buf, sizeof buf, 0, 0};
    float fl[2] = {1.0f, 2.0f};
    ncm_rbuf_f32(&r3, fl, 2);
    assert_true(r3.short_read);
    assert_true(fl[1] == 0.0f);

    ncm_rbuf r4 = {buf, sizeof buf, 0, 0};
    uint8_t big[7];
    memset(big, 9, sizeof big);
    ncm_rbuf_bytes(&r4, big, sizeof big);
    assert_true(r4.short_read);
    for (size_t i = 0; i < sizeof big; i++)
        assert_int_equal(big[i], 0);

    ncm_rbuf r5 = {buf, sizeof buf, 0, 0};
    ncm_rbuf_bytes(&r5, big, sizeof buf); /* exactly to the end: fine */
    assert_false(r5.short_read);
    assert_int_equal(r5.pos, sizeof buf);
}

/* binfile.h: "the value read is 0" on a short read, also when a u64 finds only its low half. */
static void test_rbuf_u64_short_read_returns_zero(void **state)
{
    (void)state;
    const uint8_t buf[6] = {1, 0, 0, 0, 0xaa, 0xbb};
    ncm_rbuf r = {buf, sizeof buf, 0, 0};
    uint64_t v = ncm_rbuf_u64(&r);
    assert_true(r.short_read);
    if (v != 0)
        fail_msg("ncm_rbuf_u64 past the end returned %llu, expected 0", (unsigned long long)v);
    ncm_rbuf r2 = {buf, 3, 0, 0};
    assert_true(ncm_rbuf_u64(&r2) == 0);
    assert_true(r2.short_read);
}

/* ---- atomic files --------------------------------------------------------------------------- */

static void test_afile_abort_leaves_no_target_and_no_temp_file(void **state)
{
    (void)state;
    const char *p = tpath("aborted.txt");
    ncm_afile f;
    ncm_error err = {0};
    assert_int_equal(ncm_afile_open(&f, p, &err), NCM_OK);
    assert_non_null(f.fp);
    fputs("half-written", f.fp);
    fflush(f.fp);
    assert_int_equal(count_entries("aborted.txt.tmp."), 1); /* the temporary file is there */
    ncm_afile_abort(&f);
    assert_false(file_exists(p));
    assert_int_equal(count_entries("aborted.txt"), 0);
    assert_int_equal(count_entries(".tmp."), 0);
    assert_null(f.fp);
    ncm_afile_abort(&f); /* twice: harmless */
}

static void test_afile_abort_keeps_existing_target(void **state)
{
    (void)state;
    const char *p = tpath("kept.txt");
    write_raw(p, "old\n", 4);
    ncm_afile f;
    ncm_error err = {0};
    assert_int_equal(ncm_afile_open(&f, p, &err), NCM_OK);
    fputs("new content\n", f.fp);
    ncm_afile_abort(&f);
    size_t n;
    uint8_t *c = read_all(p, &n);
    assert_int_equal(n, 4);
    assert_memory_equal(c, "old\n", 4);
    free(c);
    assert_int_equal(count_entries(".tmp."), 0);
}

static void test_afile_commit_replaces_existing_file_atomically(void **state)
{
    (void)state;
    const char *p = tpath("replaced.txt");
    write_raw(p, "old content\n", 12);
    ncm_afile f;
    ncm_error err = {0};
    assert_int_equal(ncm_afile_open(&f, p, &err), NCM_OK);
    fputs("new", f.fp);
    fflush(f.fp);
    /* until the commit, readers see the whole old file */
    size_t n;
    uint8_t *c = read_all(p, &n);
    assert_int_equal(n, 12);
    assert_memory_equal(c, "old content\n", 12);
    free(c);
    fputs(" content, longer\n", f.fp);
    assert_int_equal(ncm_afile_commit(&f, &err), NCM_OK);
    c = read_all(p, &n);
    assert_int_equal(n, 20);
    assert_memory_equal(c, "new content, longer\n", 20);
    free(c);
    assert_int_equal(count_entries(".tmp."), 0);
    ncm_afile_abort(&f); /* after a commit: harmless, and must not remove the target */
    assert_true(file_exists(p));
}

static void test_afile_gives_new_files_the_umask_mode_not_0600(void **state)
{
    (void)state;
    const char *p = tpath("mode.txt");
    ncm_error err = {0};
    mode_t old = umask(027);
    ncm_status s = ncm_write_text_atomic(p, "x\n", &err);
    umask(old);
    assert_int_equal(s, NCM_OK);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
}

static void test_afile_writes_through_a_symlink_and_keeps_it(void **state)
{
    (void)state;
    const char *target = tpath("link-target.txt"), *link = tpath("link.txt");
    write_raw(target, "old\n", 4);
    unlink(link);
    assert_int_equal(symlink(target, link), 0);
    ncm_error err = {0};
    assert_int_equal(ncm_write_text_atomic(link, "new text\n", &err), NCM_OK);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode)); /* still a link */
    size_t n;
    uint8_t *c = read_all(target, &n);
    assert_int_equal(n, 9);
    assert_memory_equal(c, "new text\n", 9);
    free(c);
}

/* A device node of our own, never the system's /dev/null: root can make one with mknod (the
 * major and minor numbers of /dev/null, 1 and 3); anyone can make a FIFO. */
static void test_afile_writes_to_a_device_without_replacing_it(void **state)
{
    (void)state;
    const char *dev = tpath("null-device");
    unlink(dev);
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        printf("[  SKIP    ] cannot make a device node here (not root)\n");
        skip();
    }
    ncm_error err = {0};
    assert_int_equal(ncm_write_text_atomic(dev, "discarded\n", &err), NCM_OK);
    struct stat st;
    assert_int_equal(stat(dev, &st), 0);
    assert_true(S_ISCHR(st.st_mode)); /* still the device */
    assert_int_equal(count_entries(".tmp."), 0);
    unlink(dev);
}

static void test_afile_refuses_a_directory(void **state)
{
    (void)state;
    ncm_afile f;
    ncm_error err = {0};
    assert_int_equal(ncm_afile_open(&f, g_dir, &err), NCM_ERR_IO);
    assert_non_null(strstr(err.msg, "directory"));
}

static void test_write_text_atomic_writes_whole_text(void **state)
{
    (void)state;
    const char *p = tpath("text.json");
    ncm_error err = {0};
    assert_int_equal(ncm_write_text_atomic(p, "{\"a\": 1}\n", &err), NCM_OK);
    assert_int_equal(ncm_write_text_atomic(p, "{\"b\": 2}\n", &err), NCM_OK);
    char *data;
    size_t n;
    assert_int_equal(ncm_read_file(p, &data, &n, &err), NCM_OK);
    assert_int_equal(n, 9);
    assert_string_equal(data, "{\"b\": 2}\n");
    free(data);
    assert_int_equal(count_entries(".tmp."), 0);
}

static void test_write_text_atomic_into_missing_directory_is_io_error(void **state)
{
    (void)state;
    const char *p = tpath("missing-dir/out.json");
    ncm_error err = {0};
    assert_int_equal(ncm_write_text_atomic(p, "{}\n", &err), NCM_ERR_IO);
    assert_int_equal(err.code, NCM_ERR_IO);
    assert_contains(err.msg, p);
    assert_false(file_exists(p));
}

static void test_read_file_large_and_missing(void **state)
{
    (void)state;
    /* larger than the reader's first buffer, to exercise the growth */
    size_t big = 200000;
    uint8_t *src = malloc(big);
    assert_non_null(src);
    for (size_t i = 0; i < big; i++)
        src[i] = (uint8_t)(i * 13 + 5);
    const char *p = tpath("big.dat");
    write_raw(p, src, big);
    char *data;
    size_t n;
    ncm_error err = {0};
    assert_int_equal(ncm_read_file(p, &data, &n, &err), NCM_OK);
    assert_int_equal(n, big);
    assert_memory_equal(data, src, big);
    assert_int_equal(data[n], '\0');
    free(data);
    free(src);
    const char *m = tpath("missing.dat");
    assert_int_equal(ncm_read_file(m, &data, &n, &err), NCM_ERR_IO);
    assert_null(data);
    assert_contains(err.msg, m);
}

/* A file of the wrong kind is refused after its first bytes: /dev/zero, which never ends, is not
 * read on. */
static void test_read_file_checked_refuses_a_wrong_magic_after_its_bytes(void **state)
{
    (void)state;
    char *data = (char *)"not touched";
    size_t n = 7;
    ncm_error err = {0};
    assert_int_equal(ncm_read_file_checked("/dev/zero", "PK", 2, 0, (size_t)1 << 40, "zip archive",
                                           &data, &n, &err),
                     NCM_ERR_FORMAT);
    assert_null(data);
    assert_int_equal(n, 0);
    assert_contains(err.msg, "/dev/zero: not a zip archive (bad magic)");
}

static void test_read_file_checked_stops_a_device_at_its_limit(void **state)
{
    (void)state;
    char *data;
    size_t n;
    ncm_error err = {0};
    assert_int_equal(
        ncm_read_file_checked("/dev/zero", NULL, 0, 0, 1 << 20, "test file", &data, &n, &err),
        NCM_ERR_FORMAT);
    assert_null(data);
    assert_contains(err.msg, "more than the 1048576 bytes a test file may have");
}

/* A text file is refused at the first block holding a NUL byte: /dev/zero is not read on. */
static void test_read_file_checked_refuses_a_nul_byte_in_a_text_file(void **state)
{
    (void)state;
    char *data;
    size_t n;
    ncm_error err = {0};
    assert_int_equal(ncm_read_file_checked("/dev/zero", NULL, 0, 1, (size_t)1 << 40, "text file",
                                           &data, &n, &err),
                     NCM_ERR_FORMAT);
    assert_null(data);
    assert_contains(err.msg, "/dev/zero: line 1: NUL byte at byte 0 (not a text file)");
    const char *p = tpath("nul.txt");
    write_raw(p, "a\nbc\0def", 8);
    assert_int_equal(ncm_read_file_checked(p, NULL, 0, 1, 100, "text file", &data, &n, &err),
                     NCM_ERR_FORMAT);
    assert_contains(err.msg, "line 2: NUL byte at byte 4");
}

static void test_read_file_checked_refuses_a_regular_file_above_its_limit(void **state)
{
    (void)state;
    const char *p = tpath("limit.dat");
    write_raw(p, "0123456789", 10);
    char *data;
    size_t n;
    ncm_error err = {0};
    assert_int_equal(ncm_read_file_checked(p, NULL, 0, 0, 9, "test", &data, &n, &err),
                     NCM_ERR_FORMAT);
    assert_contains(err.msg, "10 bytes, more than the 9");
    assert_int_equal(ncm_read_file_checked(p, "0123", 4, 1, 10, "test", &data, &n, &err), NCM_OK);
    assert_int_equal(n, 10);
    assert_memory_equal(data, "0123456789", 11); /* with its terminator */
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binfile_round_trip_u32_u64_f32_bytes),
        cmocka_unit_test(test_binfile_accepts_older_version),
        cmocka_unit_test(test_binfile_empty_payload_round_trip),
        cmocka_unit_test(test_binfile_flipped_payload_byte_is_checksum_error),
        cmocka_unit_test(test_binfile_truncated_file_is_format_error),
        cmocka_unit_test(test_binfile_length_beyond_the_file_is_refused_before_reading),
        cmocka_unit_test(test_binfile_loads_from_a_pipe_and_refuses_a_short_one),
        cmocka_unit_test(test_binfile_padded_file_is_format_error),
        cmocka_unit_test(test_binfile_newer_version_is_version_error),
        cmocka_unit_test(test_binfile_wrong_magic_is_format_error),
        cmocka_unit_test(test_binfile_missing_file_is_io_error),
        cmocka_unit_test(test_binfile_save_into_missing_directory_is_io_error),
        cmocka_unit_test(test_rbuf_read_past_end_sets_short_read),
        cmocka_unit_test(test_rbuf_u64_short_read_returns_zero),
        cmocka_unit_test(test_afile_abort_leaves_no_target_and_no_temp_file),
        cmocka_unit_test(test_afile_abort_keeps_existing_target),
        cmocka_unit_test(test_afile_commit_replaces_existing_file_atomically),
        cmocka_unit_test(test_afile_gives_new_files_the_umask_mode_not_0600),
        cmocka_unit_test(test_afile_writes_through_a_symlink_and_keeps_it),
        cmocka_unit_test(test_afile_writes_to_a_device_without_replacing_it),
        cmocka_unit_test(test_afile_refuses_a_directory),
        cmocka_unit_test(test_write_text_atomic_writes_whole_text),
        cmocka_unit_test(test_write_text_atomic_into_missing_directory_is_io_error),
        cmocka_unit_test(test_read_file_large_and_missing),
        cmocka_unit_test(test_read_file_checked_refuses_a_wrong_magic_after_its_bytes),
        cmocka_unit_test(test_read_file_checked_stops_a_device_at_its_limit),
        cmocka_unit_test(test_read_file_checked_refuses_a_nul_byte_in_a_text_file),
        cmocka_unit_test(test_read_file_checked_refuses_a_regular_file_above_its_limit),
    };
    return cmocka_run_group_tests_name("binfile", tests, group_setup, group_teardown);
}
