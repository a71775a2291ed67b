/* Tests of the dataset loaders (include/nanocim/dataset.h): IDX files raw and gzip'd, the MNIST
 * folder layout, CIFAR-10 binary batches, and the refusal of truncated, corrupt and inconsistent
 * files with a status code and a message naming the file (or the --data option). The files are
 * generated here in a temporary directory under $NCM_TEST_TMP (or /tmp); one test also loads the
 * real Fashion-MNIST test split when Debian's dataset-fashion-mnist is installed. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "testdir.h"
#include "nanocim/dataset.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    return testdir_create("test_dataset");
}

static void make_dir(const char *name)
{
    assert_int_equal(mkdir(tpath(name), 0700), 0);
}

static void write_gz(const char *path, const void *data, size_t n)
{
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
}

/* An IDX file in memory: 0, 0, type, ndims, big-endian dims, then `data` (n_data bytes, which
 * need not match the dims). Returns malloc'd bytes, length in *len. */
static uint8_t *idx_bytes(uint8_t type, int ndims, const uint32_t *dims, const uint8_t *data,
                          size_t n_data, size_t *len)
{
    size_t head = 4 + 4 * (size_t)ndims;
    uint8_t *p = malloc(head + n_data + 1);
    assert_non_null(p);
    p[0] = 0;
    p[1] = 0;
    p[2] = type;
    p[3] = (uint8_t)ndims;
    for (int i = 0; i < ndims; i++) {
        p[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        p[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        p[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        p[7 + 4 * i] = (uint8_t)dims[i];
    }
    if (n_data)
        memcpy(p + head, data, n_data);
    *len = head + n_data;
    return p;
}

/* The small test set: N images of H x W and their labels. */
enum { N = 7, H = 5, W = 4 };

static uint8_t pixel(int i, int r, int c)
{
    return (uint8_t)(i * 37 + r * 11 + c * 3 + 1);
}
static uint8_t label(int i)
{
    return (uint8_t)((i * 3) % 10);
}

static void images_data(uint8_t *px, int n)
{
    for (int i = 0; i < n; i++)
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++)
                px[(i * H + r) * W + c] = pixel(i, r, c);
}

/* Writes an IDX image file of n H x W images (gzip'd if gz). */
static void write_images(const char *path, int n, int gz)
{
    uint8_t px[64 * H * W];
    assert_true(n <= 64);
    images_data(px, n);
    uint32_t dims[3] = {(uint32_t)n, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, (size_t)n * H * W, &len);
    (gz ? write_gz : write_raw)(path, f, len);
    free(f);
}

/* Writes an IDX label file of n labels (gzip'd if gz); bad_at >= 0 puts label `bad` there. */
static void write_labels(const char *path, int n, int gz, int bad_at, uint8_t bad)
{
    uint8_t lb[64];
    assert_true(n <= 64);
    for (int i = 0; i < n; i++)
        lb[i] = i == bad_at ? bad : label(i);
    uint32_t dims[1] = {(uint32_t)n};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 1, dims, lb, (size_t)n, &len);
    (gz ? write_gz : write_raw)(path, f, len);
    free(f);
}

static void check_small_dataset(const ncm_dataset *d, int n)
{
    assert_int_equal(d->n, n);
    assert_int_equal(d->c, 1);
    assert_int_equal(d->h, H);
    assert_int_equal(d->w, W);
    assert_int_equal(d->n_classes, 10);
    for (int i = 0; i < n; i++) {
        assert_int_equal(d->labels[i], label(i));
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++)
                assert_int_equal(d->pixels[(i * H + r) * W + c], pixel(i, r, c));
    }
}

/* Expects ncm_idx_read(path) to fail with `code` and a message naming path and `what`. */
static void expect_idx_error(const char *path, ncm_status code, const char *what)
{
    ncm_idx *a = NULL;
    ncm_error err = {0};
    a = ncm_idx_read(path, &err);
    ncm_status s = a ? NCM_OK : err.code;
    if (s == NCM_OK)
        ncm_idx_free(a);
    if (s != code)
        fail_msg("%s: status %d (%s), expected %d; message \"%s\"", path, s, ncm_status_name(s),
                 code, err.msg);
    assert_int_equal(err.code, code);
    assert_contains(err.msg, path);
    if (what)
        assert_contains(err.msg, what);
    assert_null(a);
}

/* ---- IDX files ------------------------------------------------------------------------------ */

static void test_idx_raw_reads_dims_and_pixels(void **state)
{
    (void)state;
    const char *p = tpath("raw-images");
    write_images(p, N, 0);
    ncm_idx *a = NULL;
    ncm_error err = {0};
    assert_non_null(a = ncm_idx_read(p, &err));
    assert_int_equal(a->ndims, 3);
    assert_int_equal(a->dims[0], N);
    assert_int_equal(a->dims[1], H);
    assert_int_equal(a->dims[2], W);
    uint8_t want[N * H * W];
    images_data(want, N);
    assert_memory_equal(a->data, want, sizeof want);
    ncm_idx_free(a);
}

static void test_idx_gzip_reads_same_content_as_raw(void **state)
{
    (void)state;
    const char *p = tpath("gz-images.gz");
    write_images(p, N, 1);
    /* really compressed: starts with the gzip magic */
    size_t n;
    uint8_t *f = read_all(p, &n);
    assert_true(n > 2 && f[0] == 0x1f && f[1] == 0x8b);
    free(f);
    ncm_idx *a = NULL;
    ncm_error err = {0};
    assert_non_null(a = ncm_idx_read(p, &err));
    assert_int_equal(a->ndims, 3);
    assert_int_equal(a->dims[0], N);
    uint8_t want[N * H * W];
    images_data(want, N);
    assert_memory_equal(a->data, want, sizeof want);
    ncm_idx_free(a);
}

static void test_dataset_from_idx_raw_gives_pixels_and_labels(void **state)
{
    (void)state;
    const char *im = tpath("fi-raw-images"), *lb = tpath("fi-raw-labels");
    write_images(im, N, 0);
    write_labels(lb, N, 0, -1, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_non_null(d = ncm_dataset_read_idx(im, lb, &err));
    check_small_dataset(d, N);
    ncm_dataset_free(d);
}

static void test_dataset_from_idx_gzip_gives_pixels_and_labels(void **state)
{
    (void)state;
    const char *im = tpath("fi-gz-images.gz"), *lb = tpath("fi-gz-labels.gz");
    write_images(im, N, 1);
    write_labels(lb, N, 1, -1, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_non_null(d = ncm_dataset_read_idx(im, lb, &err));
    check_small_dataset(d, N);
    ncm_dataset_free(d);
}

static void test_dataset_truncate_keeps_first_images(void **state)
{
    (void)state;
    const char *im = tpath("tr-images"), *lb = tpath("tr-labels");
    write_images(im, N, 0);
    write_labels(lb, N, 0, -1, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_non_null(d = ncm_dataset_read_idx(im, lb, &err));
    ncm_dataset_truncate(d, 3);
    check_small_dataset(d, 3);
    ncm_dataset_truncate(d, 100); /* larger than n: no change */
    assert_int_equal(d->n, 3);
    ncm_dataset_free(d);
}

static void test_load_mnist_folder_both_splits(void **state)
{
    (void)state;
    make_dir("mnist");
    /* training split gzip'd, test split raw: both names are looked up */
    write_images(tpath("mnist/train-images-idx3-ubyte.gz"), N, 1);
    write_labels(tpath("mnist/train-labels-idx1-ubyte.gz"), N, 1, -1, 0);
    write_images(tpath("mnist/t10k-images-idx3-ubyte"), 3, 0);
    write_labels(tpath("mnist/t10k-labels-idx1-ubyte"), 3, 0, -1, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_non_null(d = ncm_dataset_load(tpath("mnist"), 1, &err));
    check_small_dataset(d, N);
    ncm_dataset_free(d);
    assert_non_null(d = ncm_dataset_load(tpath("mnist"), 0, &err));
    check_small_dataset(d, 3);
    ncm_dataset_free(d);
}

static void test_load_fashion_mnist_uses_env_dir(void **state)
{
    (void)state;
    make_dir("fmnist-env");
    write_images(tpath("fmnist-env/t10k-images-idx3-ubyte.gz"), N, 1);
    write_labels(tpath("fmnist-env/t10k-labels-idx1-ubyte.gz"), N, 1, -1, 0);
    assert_int_equal(setenv("NCM_FASHION_MNIST_DIR", tpath("fmnist-env"), 1), 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    d = ncm_dataset_load("fashion-mnist", 0, &err);
    ncm_status s = d ? NCM_OK : err.code;
    unsetenv("NCM_FASHION_MNIST_DIR");
    if (s)
        fail_msg("status %d: %s", s, err.msg);
    check_small_dataset(d, N);
    ncm_dataset_free(d);
}

static void test_idx_truncated_inside_data_is_format_error_naming_file(void **state)
{
    (void)state;
    uint8_t px[N * H * W];
    images_data(px, N);
    uint32_t dims[3] = {N, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, sizeof px, &len);
    const char *p = tpath("cut-data-images");
    write_raw(p, f, len - 9);
    expect_idx_error(p, NCM_ERR_FORMAT, "truncated");
    const char *pg = tpath("cut-data-images.gz");
    write_gz(pg, f, len - 9);
    expect_idx_error(pg, NCM_ERR_FORMAT, "truncated");
    free(f);
}

static void test_idx_truncated_inside_header_is_format_error_naming_file(void **state)
{
    (void)state;
    uint8_t px[N * H * W];
    images_data(px, N);
    uint32_t dims[3] = {N, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, sizeof px, &len);
    const char *p = tpath("cut-header-images");
    write_raw(p, f, 10); /* magic, first dimension, half of the second */
    expect_idx_error(p, NCM_ERR_FORMAT, "header");
    const char *p2 = tpath("cut-magic-images");
    write_raw(p2, f, 2); /* inside the 4 magic bytes */
    expect_idx_error(p2, NCM_ERR_FORMAT, "header");
    const char *p0 = tpath("empty-images");
    write_raw(p0, f, 0);
    expect_idx_error(p0, NCM_ERR_FORMAT, NULL);
    free(f);
}

static void test_idx_gzip_cut_inside_compressed_data_is_format_error(void **state)
{
    (void)state;
    const char *full = tpath("gzcut-full.gz");
    write_images(full, N, 1);
    size_t n;
    uint8_t *f = read_all(full, &n);
    const char *p = tpath("gzcut-images.gz");
    write_raw(p, f, n / 2); /* the compressed stream stops halfway */
    expect_idx_error(p, NCM_ERR_FORMAT, NULL);
    write_raw(p, f, n - 9); /* the deflate data lacks its last byte */
    expect_idx_error(p, NCM_ERR_FORMAT, NULL);
    free(f);
}

/* The 8-byte gzip trailer (CRC-32, length) is part of the file: without it nothing verifies
 * the data. */
static void test_idx_gzip_cut_inside_trailer_is_format_error(void **state)
{
    (void)state;
    const char *full = tpath("gzcut-full2.gz");
    write_images(full, N, 1);
    size_t n;
    uint8_t *f = read_all(full, &n), gz[1024];
    assert_true(n <= sizeof gz);
    memcpy(gz, f, n);
    free(f); /* a failed assertion below must not leak it */
    const char *p = tpath("gztrailer-images.gz");
    for (size_t cut = 1; cut <= 8; cut++) {
        write_raw(p, gz, n - cut);
        expect_idx_error(p, NCM_ERR_FORMAT, NULL);
    }
}

/* zlib's gzread ignores bytes after the last gzip member; the loader refuses them. */
static void test_idx_gzip_with_bytes_after_the_stream_is_format_error(void **state)
{
    (void)state;
    const char *full = tpath("gzgarbage-full.gz");
    write_images(full, N, 1);
    size_t n;
    uint8_t *f = read_all(full, &n), gz[1024];
    assert_true(n + 16 <= sizeof gz);
    memcpy(gz, f, n);
    free(f);
    memcpy(gz + n, "garbage after!", 14);
    const char *p = tpath("gzgarbage-images.gz");
    write_raw(p, gz, n + 14);
    expect_idx_error(p, NCM_ERR_FORMAT, "after the end of the gzip data");
}

/* A gzip file may hold several members (cat a.gz b.gz): their data, in order, is the file's. */
static void test_idx_gzip_of_two_members_reads_their_data_in_order(void **state)
{
    (void)state;
    uint8_t px[N * H * W];
    images_data(px, N);
    uint32_t dims[3] = {N, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, sizeof px, &len);
    const char *a = tpath("member-a.gz"), *b = tpath("member-b.gz");
    write_gz(a, f, 30);
    write_gz(b, f + 30, len - 30);
    size_t na, nb;
    uint8_t *ga = read_all(a, &na), *gb = read_all(b, &nb);
    uint8_t *both = malloc(na + nb);
    assert_non_null(both);
    memcpy(both, ga, na);
    memcpy(both + na, gb, nb);
    const char *p = tpath("two-members.gz");
    write_raw(p, both, na + nb);
    free(ga), free(gb), free(both), free(f);
    ncm_error err = {0};
    ncm_idx *x = ncm_idx_read(p, &err);
    if (!x)
        fail_msg("two gzip members: %s", err.msg);
    assert_int_equal(x->dims[0], N);
    assert_memory_equal(x->data, px, sizeof px);
    ncm_idx_free(x);
}

/* Dimensions whose product passes the size limit are refused before anything is allocated,
 * with the figure. */
static void test_idx_dimensions_beyond_the_size_limit_are_format_error(void **state)
{
    (void)state;
    uint32_t dims[3] = {65536, 65536, 28};
    size_t len;
    uint8_t data[16] = {0};
    uint8_t *f = idx_bytes(0x08, 3, dims, data, sizeof data, &len);
    const char *p = tpath("huge-dims-images");
    write_raw(p, f, len);
    expect_idx_error(p, NCM_ERR_FORMAT, "announce 1.203e+11 bytes");
    free(f);
}

static void test_idx_corrupt_gzip_is_error_not_crash(void **state)
{
    (void)state;
    /* 64 images of 32x32 pseudo-random 4-bit pixels: ~35 kB of Huffman-coded deflate data */
    enum { CN = 64, CS = 32 };
    uint8_t *px = malloc(CN * CS * CS);
    assert_non_null(px);
    uint32_t x = 12345;
    for (int i = 0; i < CN * CS * CS; i++) {
        x = x * 1664525u + 1013904223u;
        px[i] = (uint8_t)(x >> 28);
    }
    uint32_t dims[3] = {CN, CS, CS};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, CN * CS * CS, &len);
    const char *good = tpath("corrupt-src.gz");
    write_gz(good, f, len);
    ncm_idx *a = NULL;
    ncm_error err = {0};
    assert_non_null(a = ncm_idx_read(good, &err)); /* the intact file is fine */
    assert_memory_equal(a->data, px, CN * CS * CS);
    ncm_idx_free(a);
    size_t n;
    uint8_t *gz = read_all(good, &n);
    assert_true(n > 10000);
    const char *p = tpath("corrupt-images.gz");
    /* one flipped byte at a quarter, half and three quarters of the compressed stream */
    for (int k = 1; k <= 3; k++) {
        size_t at = n * (size_t)k / 4;
        gz[at] ^= 0xff;
        write_raw(p, gz, n);
        gz[at] ^= 0xff;
        expect_idx_error(p, NCM_ERR_FORMAT, NULL);
    }
    free(gz);
    free(f);
    free(px);
}

static void test_idx_bad_magic_is_format_error(void **state)
{
    (void)state;
    uint8_t px[N * H * W];
    images_data(px, N);
    uint32_t dims[3] = {N, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, sizeof px, &len);
    f[0] = 0x01;
    const char *p = tpath("bad-magic-images");
    write_raw(p, f, len);
    expect_idx_error(p, NCM_ERR_FORMAT, "magic");
    free(f);
    /* a text file is not an IDX file either */
    const char *t = tpath("text-images");
    write_raw(t, "hello, world\n", 13);
    expect_idx_error(t, NCM_ERR_FORMAT, "magic");
}

static void test_idx_wrong_type_code_is_format_error(void **state)
{
    (void)state;
    uint8_t px[N * H * W];
    images_data(px, N);
    uint32_t dims[3] = {N, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x0D, 3, dims, px, sizeof px, &len); /* 0x0D = float */
    const char *p = tpath("float-images");
    write_raw(p, f, len);
    expect_idx_error(p, NCM_ERR_FORMAT, "0x0d");
    free(f);
}

static void test_idx_bad_dimensions_are_format_errors(void **state)
{
    (void)state;
    size_t len;
    uint32_t dims0[1] = {5};
    uint8_t data[5] = {0};
    uint8_t *f = idx_bytes(0x08, 0, dims0, data, 0, &len); /* no dimension */
    const char *p = tpath("zero-ndims");
    write_raw(p, f, len);
    expect_idx_error(p, NCM_ERR_FORMAT, "dimension");
    free(f);
    uint32_t dims[2] = {5, 0}; /* a zero dimension */
    f = idx_bytes(0x08, 2, dims, data, 0, &len);
    p = tpath("zero-dim");
    write_raw(p, f, len);
    expect_idx_error(p, NCM_ERR_FORMAT, "dimension");
    free(f);
    uint32_t huge[3] = {0xffffffffu, 0xffffffffu, 1}; /* far too large to allocate */
    f = idx_bytes(0x08, 3, huge, data, 5, &len);
    p = tpath("huge-dims");
    write_raw(p, f, len);
    expect_idx_error(p, NCM_ERR_FORMAT, "dimension");
    free(f);
}

static void test_idx_trailing_bytes_are_format_error(void **state)
{
    (void)state;
    uint8_t px[N * H * W + 3];
    images_data(px, N);
    px[N * H * W] = px[N * H * W + 1] = px[N * H * W + 2] = 7;
    uint32_t dims[3] = {N, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, sizeof px, &len);
    const char *p = tpath("trailing-images");
    write_raw(p, f, len);
    expect_idx_error(p, NCM_ERR_FORMAT, "trailing");
    const char *pg = tpath("trailing-images.gz");
    write_gz(pg, f, len);
    expect_idx_error(pg, NCM_ERR_FORMAT, "trailing");
    free(f);
}

static void test_idx_missing_file_is_io_error(void **state)
{
    (void)state;
    expect_idx_error(tpath("no-such-file"), NCM_ERR_IO, NULL);
    make_dir("a-directory");
    expect_idx_error(tpath("a-directory"), NCM_ERR_IO, NULL);
}

static void test_label_out_of_range_is_data_error_naming_label_file(void **state)
{
    (void)state;
    const char *im = tpath("badlab-images"), *lb = tpath("badlab-labels");
    write_images(im, N, 0);
    write_labels(lb, N, 0, 4, 10);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_read_idx(im, lb, &err));
    assert_int_equal(err.code, NCM_ERR_DATA);
    assert_contains(err.msg, lb);
    assert_contains(err.msg, "label 10");
    assert_null(d);
    write_labels(lb, N, 0, 6, 255);
    assert_null(d = ncm_dataset_read_idx(im, lb, &err));
    assert_int_equal(err.code, NCM_ERR_DATA);
    assert_contains(err.msg, lb);
}

static void test_image_count_differs_from_label_count_is_data_error(void **state)
{
    (void)state;
    const char *im = tpath("count-images"), *lb = tpath("count-labels");
    write_images(im, N, 0);
    write_labels(lb, N - 1, 0, -1, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_read_idx(im, lb, &err));
    assert_int_equal(err.code, NCM_ERR_DATA);
    assert_contains(err.msg, lb);
    assert_contains(err.msg, im);
    assert_null(d);
}

static void test_images_not_three_dimensional_is_data_error(void **state)
{
    (void)state;
    const char *im = tpath("flat-images"), *lb = tpath("flat-labels");
    write_labels(im, N, 0, -1, 0); /* a 1-D file given as images */
    write_labels(lb, N, 0, -1, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_read_idx(im, lb, &err));
    assert_int_equal(err.code, NCM_ERR_DATA);
    assert_contains(err.msg, im);
    /* and a 3-D file given as labels */
    write_images(im, N, 0);
    write_images(lb, N, 0);
    assert_null(d = ncm_dataset_read_idx(im, lb, &err));
    assert_int_equal(err.code, NCM_ERR_DATA);
    assert_contains(err.msg, lb);
}

static void test_load_folder_truncated_image_file_names_it(void **state)
{
    (void)state;
    make_dir("cut-folder");
    uint8_t px[N * H * W];
    images_data(px, N);
    uint32_t dims[3] = {N, H, W};
    size_t len;
    uint8_t *f = idx_bytes(0x08, 3, dims, px, sizeof px, &len);
    const char *im = tpath("cut-folder/train-images-idx3-ubyte");
    write_raw(im, f, len - 30);
    free(f);
    write_labels(tpath("cut-folder/train-labels-idx1-ubyte"), N, 0, -1, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_load(tpath("cut-folder"), 1, &err));
    assert_int_equal(err.code, NCM_ERR_FORMAT);
    assert_contains(err.msg, im);
}

static void test_load_folder_without_files_names_data_option(void **state)
{
    (void)state;
    make_dir("empty-folder");
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    d = ncm_dataset_load(tpath("empty-folder"), 1, &err);
    ncm_status s = d ? NCM_OK : err.code;
    assert_int_not_equal(s, NCM_OK);
    assert_contains(err.msg, "dataset");
    assert_contains(err.msg, tpath("empty-folder"));
    d = ncm_dataset_load(tpath("empty-folder"), 0, &err);
    s = d ? NCM_OK : err.code;
    assert_int_not_equal(s, NCM_OK);
    assert_contains(err.msg, "dataset");
    /* only images, no labels: still no usable set */
    make_dir("images-only");
    write_images(tpath("images-only/train-images-idx3-ubyte"), N, 0);
    d = ncm_dataset_load(tpath("images-only"), 1, &err);
    s = d ? NCM_OK : err.code;
    assert_int_not_equal(s, NCM_OK);
    assert_contains(err.msg, "dataset");
    assert_null(d);
}

static void test_load_missing_folder_names_data_option(void **state)
{
    (void)state;
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_load(tpath("does-not-exist"), 1, &err));
    assert_int_equal(err.code, NCM_ERR_IO);
    assert_contains(err.msg, "dataset");
    assert_contains(err.msg, tpath("does-not-exist"));
    /* a regular file is not a folder */
    const char *file = tpath("plain-file");
    write_raw(file, "x", 1);
    assert_null(d = ncm_dataset_load(file, 1, &err));
    assert_int_equal(err.code, NCM_ERR_IO);
    assert_contains(err.msg, "dataset");
}

static void test_fashion_mnist_missing_dir_is_io_error_naming_package(void **state)
{
    (void)state;
    const char *missing = tpath("no-fashion-mnist-here");
    assert_int_equal(setenv("NCM_FASHION_MNIST_DIR", missing, 1), 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    d = ncm_dataset_load("fashion-mnist", 1, &err);
    ncm_status s = d ? NCM_OK : err.code;
    unsetenv("NCM_FASHION_MNIST_DIR");
    assert_int_equal(s, NCM_ERR_IO);
    assert_contains(err.msg, "dataset-fashion-mnist");
    assert_contains(err.msg, missing);
}

/* ---- CIFAR-10 binary ------------------------------------------------------------------------ */

enum { CPIX = 3 * 32 * 32, CREC = 1 + CPIX };

static uint8_t cifar_pixel(int rec, int k)
{
    return (uint8_t)(rec * 101 + k * 7 + (k >> 10));
}
static uint8_t cifar_label(int rec)
{
    return (uint8_t)((rec * 7 + 2) % 10);
}

/* Writes records first..first+n-1; bad_rec >= 0 gets label `bad`; cut removes bytes at the end. */
static void write_cifar(const char *path, int first, int n, int bad_rec, uint8_t bad, size_t cut)
{
    size_t len = (size_t)n * CREC;
    uint8_t *f = malloc(len);
    assert_non_null(f);
    for (int r = 0; r < n; r++) {
        uint8_t *rec = f + (size_t)r * CREC;
        rec[0] = first + r == bad_rec ? bad : cifar_label(first + r);
        for (int k = 0; k < CPIX; k++)
            rec[1 + k] = cifar_pixel(first + r, k);
    }
    write_raw(path, f, len - cut);
    free(f);
}

static void check_cifar(const ncm_dataset *d, int first, int n)
{
    assert_int_equal(d->n, n);
    assert_int_equal(d->c, 3);
    assert_int_equal(d->h, 32);
    assert_int_equal(d->w, 32);
    assert_int_equal(d->n_classes, 10);
    for (int r = 0; r < n; r++) {
        assert_int_equal(d->labels[r], cifar_label(first + r));
        for (int k = 0; k < CPIX; k++)
            if (d->pixels[(size_t)r * CPIX + k] != cifar_pixel(first + r, k))
                fail_msg("record %d pixel %d: %d, expected %d", r, k,
                         d->pixels[(size_t)r * CPIX + k], cifar_pixel(first + r, k));
    }
}

static void test_cifar_two_batches_give_pixels_and_labels(void **state)
{
    (void)state;
    char b1[4096], b2[4096];
    snprintf(b1, sizeof b1, "%s", tpath("cifar-b1.bin"));
    snprintf(b2, sizeof b2, "%s", tpath("cifar-b2.bin"));
    write_cifar(b1, 0, 3, -1, 0, 0);
    write_cifar(b2, 3, 3, -1, 0, 0);
    const char *paths[2] = {b1, b2};
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_non_null(d = ncm_dataset_read_cifar(paths, 2, &err));
    check_cifar(d, 0, 6);
    ncm_dataset_free(d);
}

static void test_cifar_truncated_file_is_format_error_naming_it(void **state)
{
    (void)state;
    char ok[4096], cut[4096];
    snprintf(ok, sizeof ok, "%s", tpath("cifar-ok.bin"));
    snprintf(cut, sizeof cut, "%s", tpath("cifar-cut.bin"));
    write_cifar(ok, 0, 3, -1, 0, 0);
    write_cifar(cut, 3, 3, -1, 0, 100); /* 3 * 3073 - 100 bytes */
    const char *paths[2] = {ok, cut};
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_read_cifar(paths, 2, &err));
    assert_int_equal(err.code, NCM_ERR_FORMAT);
    assert_contains(err.msg, cut);
    assert_null(d);
    /* an empty batch file is refused too */
    write_raw(cut, "", 0);
    assert_null(d = ncm_dataset_read_cifar(paths, 2, &err));
    assert_int_equal(err.code, NCM_ERR_FORMAT);
    assert_contains(err.msg, cut);
}

static void test_cifar_label_out_of_range_is_data_error_naming_file(void **state)
{
    (void)state;
    char ok[4096], bad[4096];
    snprintf(ok, sizeof ok, "%s", tpath("cifar-lab-ok.bin"));
    snprintf(bad, sizeof bad, "%s", tpath("cifar-lab-bad.bin"));
    write_cifar(ok, 0, 3, -1, 0, 0);
    write_cifar(bad, 3, 3, 4, 12, 0);
    const char *paths[2] = {ok, bad};
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_read_cifar(paths, 2, &err));
    assert_int_equal(err.code, NCM_ERR_DATA);
    assert_contains(err.msg, bad);
    assert_contains(err.msg, "label 12");
    assert_null(d);
}

static void test_cifar_missing_batch_is_io_error(void **state)
{
    (void)state;
    const char *paths[1] = {tpath("cifar-none.bin")};
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_null(d = ncm_dataset_read_cifar(paths, 1, &err));
    assert_int_equal(err.code, NCM_ERR_IO);
    assert_contains(err.msg, paths[0]);
    assert_null(d = ncm_dataset_read_cifar(paths, 0, &err));
}

static void test_load_cifar_folder_both_splits(void **state)
{
    (void)state;
    make_dir("cifar");
    write_cifar(tpath("cifar/data_batch_1.bin"), 0, 3, -1, 0, 0);
    write_cifar(tpath("cifar/data_batch_2.bin"), 3, 3, -1, 0, 0);
    write_cifar(tpath("cifar/test_batch.bin"), 20, 3, -1, 0, 0);
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    assert_non_null(d = ncm_dataset_load(tpath("cifar"), 1, &err));
    check_cifar(d, 0, 6);
    ncm_dataset_free(d);
    assert_non_null(d = ncm_dataset_load(tpath("cifar"), 0, &err));
    check_cifar(d, 20, 3);
    ncm_dataset_free(d);
}

/* ---- the real Fashion-MNIST ----------------------------------------------------------------- */

static void test_real_fashion_mnist_test_split(void **state)
{
    (void)state;
    struct stat st;
    if (stat(NCM_FASHION_MNIST_DIR, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: %s not found (install Debian's dataset-fashion-mnist to run this test)\n",
               NCM_FASHION_MNIST_DIR);
        fflush(stdout);
        skip();
    }
    unsetenv("NCM_FASHION_MNIST_DIR");
    ncm_dataset *d = NULL;
    ncm_error err = {0};
    d = ncm_dataset_load("fashion-mnist", 0, &err);
    ncm_status s = d ? NCM_OK : err.code;
    if (s)
        fail_msg("status %d: %s", s, err.msg);
    assert_int_equal(d->n, 10000);
    assert_int_equal(d->c, 1);
    assert_int_equal(d->h, 28);
    assert_int_equal(d->w, 28);
    assert_int_equal(d->n_classes, 10);
    int64_t count[10] = {0};
    for (int64_t i = 0; i < d->n; i++) {
        assert_in_range(d->labels[i], 0, 9);
        count[d->labels[i]]++;
    }
    for (int k = 0; k < 10; k++)
        assert_int_equal(count[k], 1000);
    /* not all zero: the pixels were really read */
    int64_t sum = 0;
    for (int64_t i = 0; i < d->n * 28 * 28; i++)
        sum += d->pixels[i];
    assert_true(sum > 0);
    ncm_dataset_free(d);
}

/* Found by fuzzing (fuzz/fuzz_dataset.c): a header announcing 1.4e9 bytes in a 28-byte file made
 * the reader allocate them before reading. The size is now checked against the file first:
 * exactly for a plain file, within deflate's largest ratio for a gzip one. */
static void test_idx_header_larger_than_the_file_is_refused_before_allocating(void **state)
{
    (void)state;
    const uint8_t f[28] = {0, 0, 8, 3, 0, 0, 0, 3, 0x29, 0, 0, 2, 0,  0,
                           0, 2, 0, 1, 2, 3, 4, 5, 6,    7, 8, 9, 10, 11};
    const char *p = tpath("liar-images");
    write_raw(p, f, sizeof f);
    expect_idx_error(p, NCM_ERR_FORMAT, "truncated");
    const char *pg = tpath("liar-images.gz");
    write_gz(pg, f, sizeof f);
    expect_idx_error(pg, NCM_ERR_FORMAT, "compressed bytes can hold");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_raw_reads_dims_and_pixels),
        cmocka_unit_test(test_idx_gzip_reads_same_content_as_raw),
        cmocka_unit_test(test_dataset_from_idx_raw_gives_pixels_and_labels),
        cmocka_unit_test(test_dataset_from_idx_gzip_gives_pixels_and_labels),
        cmocka_unit_test(test_dataset_truncate_keeps_first_images),
        cmocka_unit_test(test_load_mnist_folder_both_splits),
        cmocka_unit_test(test_load_fashion_mnist_uses_env_dir),
        cmocka_unit_test(test_idx_truncated_inside_data_is_format_error_naming_file),
        cmocka_unit_test(test_idx_truncated_inside_header_is_format_error_naming_file),
        cmocka_unit_test(test_idx_header_larger_than_the_file_is_refused_before_allocating),
        cmocka_unit_test(test_idx_gzip_cut_inside_compressed_data_is_format_error),
        cmocka_unit_test(test_idx_gzip_cut_inside_trailer_is_format_error),
        cmocka_unit_test(test_idx_corrupt_gzip_is_error_not_crash),
        cmocka_unit_test(test_idx_bad_magic_is_format_error),
        cmocka_unit_test(test_idx_wrong_type_code_is_format_error),
        cmocka_unit_test(test_idx_bad_dimensions_are_format_errors),
        cmocka_unit_test(test_idx_trailing_bytes_are_format_error),
        cmocka_unit_test(test_idx_missing_file_is_io_error),
        cmocka_unit_test(test_label_out_of_range_is_data_error_naming_label_file),
        cmocka_unit_test(test_image_count_differs_from_label_count_is_data_error),
        cmocka_unit_test(test_images_not_three_dimensional_is_data_error),
        cmocka_unit_test(test_load_folder_truncated_image_file_names_it),
        cmocka_unit_test(test_load_folder_without_files_names_data_option),
        cmocka_unit_test(test_load_missing_folder_names_data_option),
        cmocka_unit_test(test_fashion_mnist_missing_dir_is_io_error_naming_package),
        cmocka_unit_test(test_cifar_two_batches_give_pixels_and_labels),
        cmocka_unit_test(test_idx_gzip_with_bytes_after_the_stream_is_format_error),
        cmocka_unit_test(test_idx_gzip_of_two_members_reads_their_data_in_order),
        cmocka_unit_test(test_idx_dimensions_beyond_the_size_limit_are_format_error),
        cmocka_unit_test(test_cifar_truncated_file_is_format_error_naming_it),
        cmocka_unit_test(test_cifar_label_out_of_range_is_data_error_naming_file),
        cmocka_unit_test(test_cifar_missing_batch_is_io_error),
        cmocka_unit_test(test_load_cifar_folder_both_splits),
        cmocka_unit_test(test_real_fashion_mnist_test_split),
    };
    return cmocka_run_group_tests_name("dataset", tests, group_setup, group_teardown);
}
