/* Tests of the NumPy interchange (src/util/npy.h, include/nanocim/npz.h): .npy headers of
 * versions 1.0, 2.0 and 3.0, both byte orders, Fortran order, and the refusal of bad headers;
 * zip archives with stored and deflated members, ZIP64 extra fields and end records and data
 * descriptors, and the refusal of truncated archives, sizes past the end of the file, bad
 * CRC-32s and deflate streams that inflate to more than announced; model round trips (dense
 * MLPs, CNNs with pooling and a dense layer after the convolutions, odd widths, several input
 * channels, a class layer alone) with identical arrays, predictions and scores; every import
 * error; and models written by real numpy (/usr/bin/python3, skipped without numpy) whose scores
 * must equal numpy's reference computation bit for bit. Files live in a temporary directory
 * under $NCM_TEST_TMP (or /tmp). */
#define _XOPEN_SOURCE 700 /* nftw */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "testdir.h"
#include "bnn/bnn_internal.h"
#include "nanocim/dataset.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"
#include "util/binfile.h"
#include "util/npy.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    return testdir_create("test_npz");
}

static uint64_t g_rng = 1;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}
static double urand(void)
{
    return (double)(rnd() >> 11) * 0x1p-53;
}

static void wb_u16(ncm_wbuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    ncm_wbuf_bytes(b, x, 2);
}

/* A .npy image with a hand-written header dict (padded to 64 bytes with spaces and '\n'),
 * format version `major`, then n raw data bytes. */
static void npy_raw(ncm_wbuf *b, int major, const char *dict, const void *data, size_t n)
{
    const size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t hl = dl + 1;
    hl += (64 - (pre + hl) % 64) % 64;
    ncm_wbuf_bytes(b, "\x93NUMPY", 6);
    uint8_t ver[2] = {(uint8_t)major, 0};
    ncm_wbuf_bytes(b, ver, 2);
    if (major == 1)
        wb_u16(b, (uint16_t)hl);
    else
        ncm_wbuf_u32(b, (uint32_t)hl);
    ncm_wbuf_bytes(b, dict, dl);
    for (size_t k = dl; k + 1 < hl; k++)
        ncm_wbuf_bytes(b, " ", 1);
    ncm_wbuf_bytes(b, "\n", 1);
    ncm_wbuf_bytes(b, data, n);
}

/* Parses b, expecting failure with a message containing `needle`. */
static void expect_npy_error(const ncm_wbuf *b, const char *needle)
{
    ncm_npy a;
    ncm_error err = {0};
    if (ncm_npy_parse(b->p, b->len, "x.npy", &a, &err) == NCM_OK)
        fail_msg("accepted; expected an error containing \"%s\"", needle);
    assert_int_equal(err.code, NCM_ERR_FORMAT);
    assert_contains(err.msg, "x.npy");
    assert_contains(err.msg, needle);
}

/* A member of a zip archive built by the tests, with the features to exercise. */
typedef struct {
    const char *name;
    const void *data;
    size_t len;
    int deflate;       /* method 8 (raw deflate) instead of stored */
    int zip64_local;   /* local header: sizes 0xFFFFFFFF and a ZIP64 extra (as numpy writes) */
    int descriptor;    /* flag bit 3: zero sizes in the local header, a data descriptor after */
    int zip64_central; /* central directory: sizes and offset 0xFFFFFFFF and a ZIP64 extra */
} member;

static uint8_t *deflate_raw(const void *data, size_t len, size_t *out_len)
{
    z_stream st;
    memset(&st, 0, sizeof st);
    assert_int_equal(deflateInit2(&st, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&st, (uLong)len);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    st.next_in = (Bytef *)data;
    st.avail_in = (uInt)len;
    st.next_out = out;
    st.avail_out = (uInt)cap;
    assert_int_equal(deflate(&st, Z_FINISH), Z_STREAM_END);
    *out_len = st.total_out;
    deflateEnd(&st);
    return out;
}

/* A zip archive of members; with zip64_end the ZIP64 end record and locator, and 0xFFFF... in
 * the classic end record. */
static uint8_t *build_zip(const member *m, int n, int zip64_end, size_t *out_len)
{
    ncm_wbuf b = {0}, cd = {0};
    for (int i = 0; i < n; i++) {
        const uint64_t offset = b.len;
        size_t clen = m[i].len;
        uint8_t *comp = NULL;
        const void *payload = m[i].data;
        if (m[i].deflate) {
            comp = deflate_raw(m[i].data, m[i].len, &clen);
            payload = comp;
        }
        const uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), m[i].data, (uInt)m[i].len);
        const uint16_t nlen = (uint16_t)strlen(m[i].name);
        const uint16_t flags = m[i].descriptor ? 8 : 0, method = m[i].deflate ? 8 : 0;
        /* local header */
        ncm_wbuf_u32(&b, 0x04034b50);
        wb_u16(&b, 45);
        wb_u16(&b, flags);
        wb_u16(&b, method);
        wb_u16(&b, 0);
        wb_u16(&b, 0x21);
        ncm_wbuf_u32(&b, m[i].descriptor ? 0 : crc);
        const uint32_t lsize = m[i].descriptor ? 0 : m[i].zip64_local ? 0xffffffffu : 0;
        ncm_wbuf_u32(&b, lsize ? lsize : m[i].descriptor ? 0 : (uint32_t)clen);
        ncm_wbuf_u32(&b, lsize ? lsize : m[i].descriptor ? 0 : (uint32_t)m[i].len);
        wb_u16(&b, nlen);
        wb_u16(&b, m[i].zip64_local ? 20 : 0);
        ncm_wbuf_bytes(&b, m[i].name, nlen);
        if (m[i].zip64_local) {
            wb_u16(&b, 1);
            wb_u16(&b, 16);
            ncm_wbuf_u64(&b, m[i].descriptor ? 0 : m[i].len);
            ncm_wbuf_u64(&b, m[i].descriptor ? 0 : clen);
        }
        ncm_wbuf_bytes(&b, payload, clen);
        if (m[i].descriptor) {
            ncm_wbuf_u32(&b, 0x08074b50);
            ncm_wbuf_u32(&b, crc);
            if (m[i].zip64_local) {
                ncm_wbuf_u64(&b, clen);
                ncm_wbuf_u64(&b, m[i].len);
            } else {
                ncm_wbuf_u32(&b, (uint32_t)clen);
                ncm_wbuf_u32(&b, (uint32_t)m[i].len);
            }
        }
        free(comp);
        /* central directory entry */
        const int z64 = m[i].zip64_central;
        ncm_wbuf_u32(&cd, 0x02014b50);
        wb_u16(&cd, 0x031e);
        wb_u16(&cd, 45);
        wb_u16(&cd, flags);
        wb_u16(&cd, method);
        wb_u16(&cd, 0);
        wb_u16(&cd, 0x21);
        ncm_wbuf_u32(&cd, crc);
        ncm_wbuf_u32(&cd, z64 ? 0xffffffffu : (uint32_t)clen);
        ncm_wbuf_u32(&cd, z64 ? 0xffffffffu : (uint32_t)m[i].len);
        wb_u16(&cd, nlen);
        wb_u16(&cd, z64 ? 28 : 0);
        wb_u16(&cd, 0);
        wb_u16(&cd, 0);
        wb_u16(&cd, 0);
        ncm_wbuf_u32(&cd, 0600u << 16);
        ncm_wbuf_u32(&cd, z64 ? 0xffffffffu : (uint32_t)offset);
        ncm_wbuf_bytes(&cd, m[i].name, nlen);
        if (z64) {
            wb_u16(&cd, 1);
            wb_u16(&cd, 24);
            ncm_wbuf_u64(&cd, m[i].len);
            ncm_wbuf_u64(&cd, clen);
            ncm_wbuf_u64(&cd, offset);
        }
    }
    const uint64_t cd_off = b.len, cd_len = cd.len;
    ncm_wbuf_bytes(&b, cd.p, cd.len);
    if (zip64_end) {
        const uint64_t rec = b.len;
        ncm_wbuf_u32(&b, 0x06064b50);
        ncm_wbuf_u64(&b, 44);
        wb_u16(&b, 45);
        wb_u16(&b, 45);
        ncm_wbuf_u32(&b, 0);
        ncm_wbuf_u32(&b, 0);
        ncm_wbuf_u64(&b, (uint64_t)n);
        ncm_wbuf_u64(&b, (uint64_t)n);
        ncm_wbuf_u64(&b, cd_len);
        ncm_wbuf_u64(&b, cd_off);
        ncm_wbuf_u32(&b, 0x07064b50);
        ncm_wbuf_u32(&b, 0);
        ncm_wbuf_u64(&b, rec);
        ncm_wbuf_u32(&b, 1);
    }
    ncm_wbuf_u32(&b, 0x06054b50);
    wb_u16(&b, 0);
    wb_u16(&b, 0);
    wb_u16(&b, zip64_end ? 0xffff : (uint16_t)n);
    wb_u16(&b, zip64_end ? 0xffff : (uint16_t)n);
    ncm_wbuf_u32(&b, zip64_end ? 0xffffffffu : (uint32_t)cd_len);
    ncm_wbuf_u32(&b, zip64_end ? 0xffffffffu : (uint32_t)cd_off);
    wb_u16(&b, 0);
    ncm_wbuf_free(&cd);
    assert_false(b.oom);
    *out_len = b.len;
    return b.p;
}

/* Opens an in-memory copy of an archive image. */
static ncm_status open_copy(const uint8_t *zip, size_t len, ncm_zip *z, ncm_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, zip, len);
    return ncm_zip_open_mem("t.zip", copy, len, z, err);
}

static void put32_at(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> 8 * k);
}

/* Offset of the central directory entry of the first member of a zip image. */
static size_t first_central(const uint8_t *zip, size_t len)
{
    for (size_t p = len - 22; p > 0; p--)
        if (zip[p] == 0x50 && zip[p + 1] == 0x4b && zip[p + 2] == 5 && zip[p + 3] == 6)
            return zip[p + 16] | zip[p + 17] << 8 | (size_t)zip[p + 18] << 16 |
                   (size_t)zip[p + 19] << 24;
    fail_msg("no end record");
    return 0;
}

/* ---- models ------------------------------------------------------------------------------- */

/* A random model of the architecture, every array filled (some neurons constant, some firing
 * on a <= T), valid. */
static ncm_model *random_model(const char *spec, int c, int h, int w, int k, uint64_t seed)
{
    ncm_arch arch;
    ncm_error err = {0};
    g_rng = seed * 0x9e3779b97f4a7c15ull + 1;
    if (ncm_arch_parse(spec, c, h, w, k, &arch, &err))
        fail_msg("%s", err.msg);
    ncm_model *m = ncm_model_alloc(&arch, &err);
    assert_non_null(m);
    for (int l = 0; l < m->n_layers; l++) {
        ncm_model_layer *L = &m->layer[l];
        for (int o = 0; o < L->cout; o++)
            for (int j = 0; j < L->fan_in; j++)
                if (rnd() & 1)
                    L->wbits[(int64_t)o * L->words + j / 64] |= 1ull << (j % 64);
        const double sd = (L->first ? 74.0 : 1.0) * sqrt((double)L->fan_in);
        const int64_t range = (L->first ? 128 : 1) * (int64_t)L->fan_in;
        for (int o = 0; o < L->cout; o++) {
            if (L->last) {
                L->mean[o] = (float)((urand() - 0.5) * 0.4 * sd);
                L->scale[o] = (float)((rnd() & 1 ? 1 : -1) * (0.5 + 1.5 * urand()) / sd);
                L->beta[o] = (float)((urand() - 0.5) * 0.4);
            } else {
                const uint64_t r = rnd() % 16;
                L->thresh[o] = r == 0   ? (int32_t)(range + 1)
                               : r == 1 ? (int32_t)(-range - 1)
                                        : (int32_t)llround((urand() - 0.5) * 2 * sd);
                L->dir[o] = rnd() % 4 ? 1 : -1;
            }
        }
    }
    char meta[64];
    snprintf(meta, sizeof meta, "{\"seed\": %llu, \"note\": \"caf\xc3\xa9\"}",
             (unsigned long long)seed);
    m->meta = strdup(meta);
    assert_int_equal(ncm_model_validate(m, "random", &err), NCM_OK);
    return m;
}

static ncm_dataset *random_images(const ncm_model *m, int64_t n)
{
    const int64_t P = (int64_t)m->arch.in_c * m->arch.in_h * m->arch.in_w;
    uint8_t *px = malloc((size_t)(n * P)), *lab = calloc((size_t)n, 1);
    assert_non_null(px);
    assert_non_null(lab);
    for (int64_t i = 0; i < n * P; i++)
        px[i] = (uint8_t)rnd();
    ncm_error err = {0};
    ncm_dataset *d = ncm_dataset_new(n, m->arch.in_c, m->arch.in_h, m->arch.in_w, m->arch.n_classes,
                                     px, lab, &err);
    if (!d)
        fail_msg("%s", err.msg);
    free(px);
    free(lab);
    return d;
}

static void assert_same_model(const ncm_model *a, const ncm_model *b)
{
    char sa[512], sb[512];
    ncm_arch_format(&a->arch, sa, sizeof sa);
    ncm_arch_format(&b->arch, sb, sizeof sb);
    assert_string_equal(sa, sb);
    assert_int_equal(a->arch.in_c, b->arch.in_c);
    assert_int_equal(a->arch.in_h, b->arch.in_h);
    assert_int_equal(a->arch.in_w, b->arch.in_w);
    assert_int_equal(a->arch.n_classes, b->arch.n_classes);
    assert_int_equal(a->n_layers, b->n_layers);
    for (int l = 0; l < a->n_layers; l++) {
        const ncm_model_layer *A = &a->layer[l], *B = &b->layer[l];
        assert_int_equal(A->kind, B->kind);
        assert_int_equal(A->fan_in, B->fan_in);
        assert_int_equal(A->cout, B->cout);
        assert_memory_equal(A->wbits, B->wbits, (size_t)A->cout * A->words * 8);
        if (A->last) {
            assert_memory_equal(A->mean, B->mean, (size_t)A->cout * 4);
            assert_memory_equal(A->scale, B->scale, (size_t)A->cout * 4);
            assert_memory_equal(A->beta, B->beta, (size_t)A->cout * 4);
        } else {
            assert_memory_equal(A->thresh, B->thresh, (size_t)A->cout * 4);
            assert_memory_equal(A->dir, B->dir, (size_t)A->cout);
        }
    }
    if (a->meta || b->meta) {
        assert_non_null(a->meta);
        assert_non_null(b->meta);
        assert_string_equal(a->meta, b->meta);
    }
}

/* Predictions and scores of both models on the same images are identical (bit for bit). */
static void assert_same_predictions(const ncm_model *a, const ncm_model *b, int64_t n)
{
    ncm_dataset *d = random_images(a, n);
    const int K = a->arch.n_classes;
    int32_t *pa = malloc((size_t)n * 4), *pb = malloc((size_t)n * 4);
    float *sa = malloc((size_t)(n * K) * 4), *sb = malloc((size_t)(n * K) * 4);
    ncm_error err = {0};
    assert_int_equal(ncm_model_predict(a, d, pa, sa, &err), NCM_OK);
    assert_int_equal(ncm_model_predict(b, d, pb, sb, &err), NCM_OK);
    assert_memory_equal(pa, pb, (size_t)n * 4);
    assert_memory_equal(sa, sb, (size_t)(n * K) * 4);
    int distinct = 0, seen[64] = {0};
    for (int64_t i = 0; i < n; i++)
        if (pa[i] < 64 && !seen[pa[i]]++)
            distinct++;
    assert_true(distinct >= 2); /* the models are not constant */
    free(pa), free(pb), free(sa), free(sb);
    ncm_dataset_free(d);
}

/* Copies the archive src to dst with member key.npy replaced by npy (NULL: dropped; added at
 * the end when src has none). */
static void rewrite_npz(const char *src, const char *dst, const char *key, const ncm_wbuf *npy)
{
    ncm_zip z;
    ncm_zip_writer w;
    ncm_error err = {0};
    assert_int_equal(ncm_zip_open(src, &z, &err), NCM_OK);
    assert_int_equal(ncm_zipw_open(&w, dst, &err), NCM_OK);
    char member_name[256];
    snprintf(member_name, sizeof member_name, "%s.npy", key);
    int found = 0;
    for (int i = 0; i < z.n; i++) {
        if (!strcmp(z.entry[i].name, member_name)) {
            found = 1;
            if (npy)
                assert_int_equal(ncm_npz_add(&w, key, npy, &err), NCM_OK);
            continue;
        }
        const uint8_t *d;
        size_t len;
        uint8_t *owned;
        assert_int_equal(ncm_zip_read(&z, i, UINT64_MAX, &d, &len, &owned, &err), NCM_OK);
        assert_int_equal(ncm_zipw_add(&w, z.entry[i].name, d, len, &err), NCM_OK);
        free(owned);
    }
    if (!found && npy)
        assert_int_equal(ncm_npz_add(&w, key, npy, &err), NCM_OK);
    assert_int_equal(ncm_zipw_commit(&w, &err), NCM_OK);
    ncm_zip_close(&z);
}

/* The small model of the import error tests: mlp:3,7 on 1x5x4 images, 4 classes, so layer0 is
 * (3, 20), layer1 (7, 3), layer2 the class layer (4, 7). */
static const char *base_npz(void)
{
    static char path[4096];
    if (!path[0]) {
        ncm_model *m = random_model("mlp:3,7", 1, 5, 4, 4, 99);
        ncm_error err = {0};
        snprintf(path, sizeof path, "%s", tpath("base.npz"));
        assert_int_equal(ncm_model_save_npz(m, path, &err), NCM_OK);
        ncm_model_free(m);
    }
    return path;
}

/* The base archive with one array replaced (npy) or dropped (NULL) must be refused with
 * status `code` and a message naming the file and containing `needle`. */
static void expect_import_error(const char *key, const ncm_wbuf *npy, ncm_status code,
                                const char *needle)
{
    const char *path = tpath("bad.npz");
    rewrite_npz(base_npz(), path, key, npy);
    ncm_error err = {0};
    ncm_model *m = ncm_model_load_npz(path, &err);
    if (m)
        fail_msg("%s: accepted; expected \"%s\"", key, needle);
    assert_int_equal(err.code, code);
    assert_contains(err.msg, "bad.npz: ");
    assert_contains(err.msg, needle);
    assert_null(strchr(err.msg, '\n'));
}

/* ---- .npy --------------------------------------------------------------------------------- */

static void npy_versions_1_2_3_are_read(void **state)
{
    (void)state;
    const int32_t v[6] = {1, -2, 3, -4, 5, 2147483647};
    for (int major = 1; major <= 3; major++) {
        ncm_wbuf b = {0};
        npy_raw(&b, major, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", v,
                sizeof v);
        ncm_npy a;
        ncm_error err = {0};
        assert_int_equal(ncm_npy_parse(b.p, b.len, "x.npy", &a, &err), NCM_OK);
        assert_int_equal(a.version, major);
        assert_int_equal(a.ndim, 2);
        assert_int_equal(a.shape[0], 2);
        assert_int_equal(a.shape[1], 3);
        assert_int_equal(a.count, 6);
        for (int i = 0; i < 6; i++) {
            int64_t x;
            assert_int_equal(ncm_npy_get_int(&a, i, &x), NCM_NPY_INT_OK);
            assert_int_equal(x, v[i]);
        }
        ncm_wbuf_free(&b);
    }
}

static void npy_big_endian_fortran_elements_come_in_c_order(void **state)
{
    (void)state;
    /* logical [[1, -2, 3], [-4, 5, -300]] of >i2 stored column by column */
    const int16_t logical[2][3] = {{1, -2, 3}, {-4, 5, -300}};
    uint8_t raw[12];
    int k = 0;
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 2; i++) {
            const uint16_t u = (uint16_t)logical[i][j];
            raw[k++] = (uint8_t)(u >> 8);
            raw[k++] = (uint8_t)u;
        }
    ncm_wbuf b = {0};
    npy_raw(&b, 1, "{'shape': (2, 3), 'fortran_order': True, 'descr': '>i2'}", raw, sizeof raw);
    ncm_npy a;
    ncm_error err = {0};
    assert_int_equal(ncm_npy_parse(b.p, b.len, "x.npy", &a, &err), NCM_OK);
    assert_true(a.fortran);
    assert_true(a.big_endian);
    for (int i = 0; i < 6; i++) {
        int64_t x;
        assert_int_equal(ncm_npy_get_int(&a, i, &x), NCM_NPY_INT_OK);
        assert_int_equal(x, logical[i / 3][i % 3]);
    }
    char dt[32], idx[32];
    ncm_npy_dtype_str(&a, dt, sizeof dt);
    assert_string_equal(dt, ">i2");
    ncm_npy_index_str(&a, 5, idx, sizeof idx);
    assert_string_equal(idx, "[1, 2]");
    ncm_wbuf_free(&b);
}

static void npy_number_dtypes_convert_exactly(void **state)
{
    (void)state;
    struct {
        const char *descr;
        uint8_t bytes[8];
        int size;
        int outcome;
        int64_t value;
        double dbl;
    } cases[] = {
        {"|i1", {0xff}, 1, NCM_NPY_INT_OK, -1, -1},
        {"|u1", {0xff}, 1, NCM_NPY_INT_OK, 255, 255},
        {"|b1", {1}, 1, NCM_NPY_INT_OK, 1, 1},
        {"<u8", {0, 0, 0, 0, 0, 0, 0, 0x80}, 8, NCM_NPY_INT_RANGE, 0, 0x1p63},
        {"<i8", {0, 0, 0, 0, 0, 0, 0, 0x80}, 8, NCM_NPY_INT_OK, INT64_MIN, -0x1p63},
        {"<f4", {0, 0, 0x80, 0xbf}, 4, NCM_NPY_INT_OK, -1, -1.0},
        {">f4", {0x3f, 0, 0, 0}, 4, NCM_NPY_INT_FRACTION, 0, 0.5},
        {"<f8", {0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, 8, NCM_NPY_INT_NAN, 0, NAN},
        {"<f8", {0, 0, 0, 0, 0, 0, 0xf0, 0x7f}, 8, NCM_NPY_INT_RANGE, 0, INFINITY},
        {"<f2", {0x00, 0xbc}, 2, NCM_NPY_INT_OK, -1, -1.0},
        {"<f2", {0x00, 0x38}, 2, NCM_NPY_INT_FRACTION, 0, 0.5},
        {"<U1", {'a', 0, 0, 0}, 4, NCM_NPY_INT_KIND, 0, NAN},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (), }",
                 cases[c].descr);
        ncm_wbuf b = {0};
        npy_raw(&b, 1, dict, cases[c].bytes, (size_t)cases[c].size);
        ncm_npy a;
        ncm_error err = {0};
        if (ncm_npy_parse(b.p, b.len, "x.npy", &a, &err))
            fail_msg("%s: %s", cases[c].descr, err.msg);
        int64_t v;
        const int r = ncm_npy_get_int(&a, 0, &v);
        if (r != cases[c].outcome)
            fail_msg("%s: outcome %d, expected %d", cases[c].descr, r, cases[c].outcome);
        if (r == NCM_NPY_INT_OK)
            assert_int_equal(v, cases[c].value);
        const double d = ncm_npy_get_double(&a, 0);
        if (isnan(cases[c].dbl))
            assert_true(isnan(d));
        else
            assert_true(d == cases[c].dbl);
        ncm_wbuf_free(&b);
    }
}

static void npy_header_syntax_variants_are_read(void **state)
{
    (void)state;
    const uint8_t v[3] = {1, 2, 3};
    const char *dicts[] = {
        "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (3,)}",
        "{'fortran_order':False,'shape':(3L,),'descr':'|u1'}",
        "  {  'descr' : '|u1' , 'fortran_order' : False , 'shape' : ( 3 , ) , }  ",
        "{'descr': '|u1', 'fortran_order': False, 'shape': (3), }",
    };
    for (size_t k = 0; k < sizeof dicts / sizeof dicts[0]; k++) {
        ncm_wbuf b = {0};
        npy_raw(&b, 1, dicts[k], v, 3);
        ncm_npy a;
        ncm_error err = {0};
        if (ncm_npy_parse(b.p, b.len, "x.npy", &a, &err))
            fail_msg("%s: %s", dicts[k], err.msg);
        assert_int_equal(a.ndim, 1);
        assert_int_equal(a.count, 3);
        ncm_wbuf_free(&b);
    }
}

static void npy_bad_headers_are_refused(void **state)
{
    (void)state;
    const uint8_t data[16] = {0};
    struct {
        const char *dict;
        size_t n;
        const char *needle;
    } cases[] = {
        {"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16, "pickles"},
        {"{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, "not supported"},
        {"{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }", 16, "not supported"},
        {"{'descr': '<i3', 'fortran_order': False, 'shape': (2,), }", 6, "not supported"},
        {"{'descr': '<i4', 'fortran_order': False}", 8, "lacks 'shape'"},
        {"{'descr': '<i4', 'shape': (2,)}", 8, "lacks 'fortran_order'"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, "unexpected key"},
        {"{'descr': '<i4', 'fortran_order': 0, 'shape': (2,)}", 8, "fortran_order"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (-2,)}", 8, "shape"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': [2]}", 8, "not a tuple"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2,)} x", 8, "after the dict"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (2,), ", 8, "malformed"},
        {"['descr', '<i4']", 8, "not a dict"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (3,)}", 8, "truncated"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1,)}", 8, "needs 4"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (4611686018427387904, 8)}", 8,
         "too large"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387903,)}", 8,
         "truncated"},
        {"{'descr': '<U268435456', 'fortran_order': False, 'shape': ()}", 8, "not supported"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ncm_wbuf b = {0};
        npy_raw(&b, 1, cases[c].dict, data, cases[c].n);
        expect_npy_error(&b, cases[c].needle);
        ncm_wbuf_free(&b);
    }
    /* bad magic, unknown version, header longer than the file, too short a file */
    ncm_wbuf b = {0};
    npy_raw(&b, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", data, 8);
    b.p[1] = 'X';
    expect_npy_error(&b, "bad magic");
    b.p[1] = 'N';
    b.p[6] = 4;
    expect_npy_error(&b, "version 4.0");
    b.p[6] = 1;
    b.p[8] = 0xff, b.p[9] = 0xff;
    expect_npy_error(&b, "runs past the end");
    b.len = 9;
    expect_npy_error(&b, "bad magic");
    ncm_wbuf_free(&b);
}

static void npy_encoded_arrays_read_back(void **state)
{
    (void)state;
    const int8_t w[6] = {1, -1, -1, 1, 1, -1};
    const float f[3] = {0.1f, -3.5e-7f, 1e30f};
    const int64_t s23[2] = {2, 3}, s3 = 3;
    ncm_wbuf b = {0};
    ncm_npy a;
    ncm_error err = {0};
    ncm_npy_encode(&b, 'i', 1, 2, s23, w);
    assert_int_equal((b.len - 6) % 64, 0); /* data aligned to 64 bytes, as numpy writes */
    assert_int_equal(ncm_npy_parse(b.p, b.len, "w", &a, &err), NCM_OK);
    assert_int_equal(a.kind, 'i');
    assert_int_equal(a.itemsize, 1);
    assert_memory_equal(a.data, w, 6);
    const char *dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }";
    assert_memory_equal(b.p + 10, dict, strlen(dict));
    ncm_wbuf_free(&b);
    ncm_npy_encode(&b, 'f', 4, 1, &s3, f);
    assert_int_equal(ncm_npy_parse(b.p, b.len, "f", &a, &err), NCM_OK);
    for (int i = 0; i < 3; i++)
        assert_true((float)ncm_npy_get_double(&a, i) == f[i]);
    ncm_wbuf_free(&b);
    /* text: UTF-8 in, UCS-4 '<Un' inside, UTF-8 out; invalid bytes become U+FFFD */
    const char *texts[] = {"mlp:1024,1024", "", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"};
    for (int t = 0; t < 3; t++) {
        ncm_npy_encode_string(&b, texts[t]);
        assert_int_equal(ncm_npy_parse(b.p, b.len, "s", &a, &err), NCM_OK);
        assert_int_equal(a.kind, 'U');
        assert_int_equal(a.ndim, 0);
        char *out;
        assert_int_equal(ncm_npy_get_string(&a, "s", &out, &err), NCM_OK);
        assert_string_equal(out, texts[t]);
        free(out);
        ncm_wbuf_free(&b);
    }
    ncm_npy_encode_string(&b, "a\xff"
                              "b");
    assert_int_equal(ncm_npy_parse(b.p, b.len, "s", &a, &err), NCM_OK);
    char *out;
    assert_int_equal(ncm_npy_get_string(&a, "s", &out, &err), NCM_OK);
    assert_string_equal(out, "a\xef\xbf\xbd"
                             "b");
    free(out);
    ncm_wbuf_free(&b);
    /* a lone surrogate in a 'U' array is refused */
    const uint8_t sur[4] = {0x00, 0xd8, 0, 0};
    npy_raw(&b, 1, "{'descr': '<U1', 'fortran_order': False, 'shape': ()}", sur, 4);
    assert_int_equal(ncm_npy_parse(b.p, b.len, "s", &a, &err), NCM_OK);
    assert_int_equal(ncm_npy_get_string(&a, "s", &out, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "code point");
    ncm_wbuf_free(&b);
}

static void npy_file_round_trip(void **state)
{
    (void)state;
    const int32_t v[4] = {7, -7, 0, INT32_MIN};
    const int64_t n = 4;
    ncm_wbuf b = {0};
    ncm_npy_encode(&b, 'i', 4, 1, &n, v);
    ncm_error err = {0};
    assert_int_equal(ncm_npy_write_file(tpath("v.npy"), &b, &err), NCM_OK);
    ncm_wbuf_free(&b);
    ncm_npy a;
    assert_int_equal(ncm_npy_read_file(tpath("v.npy"), &a, &err), NCM_OK);
    assert_non_null(a.owned);
    assert_int_equal(a.count, 4);
    assert_memory_equal(a.data, v, sizeof v);
    ncm_npy_release(&a);
    write_raw(tpath("junk.npy"), "junk", 4);
    assert_int_equal(ncm_npy_read_file(tpath("junk.npy"), &a, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "junk.npy: not a .npy array");
}

/* ---- zip ---------------------------------------------------------------------------------- */

static char g_big[70000]; /* compressible text, larger than the inflate buffer's first size */

static void fill_big(void)
{
    for (size_t i = 0; i < sizeof g_big; i++)
        g_big[i] = "abcabcabd"[i % 9] + (char)(i % 1000 == 0);
}

static void check_members(const ncm_zip *z, const member *m, int n)
{
    assert_int_equal(z->n, n);
    for (int i = 0; i < n; i++) {
        const int k = ncm_zip_find(z, m[i].name);
        assert_int_equal(k, i);
        const uint8_t *d;
        size_t len;
        uint8_t *owned;
        ncm_error err = {0};
        if (ncm_zip_read(z, k, UINT64_MAX, &d, &len, &owned, &err))
            fail_msg("%s: %s", m[i].name, err.msg);
        assert_int_equal(len, m[i].len);
        assert_memory_equal(d, m[i].data, len);
        assert_true(m[i].deflate ? owned != NULL : owned == NULL);
        free(owned);
    }
    assert_int_equal(ncm_zip_find(z, "absent"), -1);
}

static void zip_stored_and_deflated_members_are_read(void **state)
{
    (void)state;
    fill_big();
    const member m[] = {
        {"a.npy", "hello", 5, 0, 0, 0, 0},
        {"b.npy", g_big, sizeof g_big, 1, 0, 0, 0},
        {"empty", "", 0, 0, 0, 0, 0},
        {"d.npy", g_big, 1000, 1, 0, 1, 0},
    };
    size_t len;
    uint8_t *zip = build_zip(m, 4, 0, &len);
    ncm_zip z;
    ncm_error err = {0};
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_OK);
    check_members(&z, m, 4);
    ncm_zip_close(&z);
    free(zip);
}

static void zip64_extras_and_end_record_are_read(void **state)
{
    (void)state;
    fill_big();
    /* numpy's members: local headers with sizes 0xFFFFFFFF and a ZIP64 extra */
    const member m[] = {
        {"a.npy", "stored!", 7, 0, 1, 0, 0},
        {"b.npy", g_big, sizeof g_big, 1, 1, 0, 0},
        {"c.npy", g_big, 333, 1, 1, 1, 1},
        {"e.npy", "zip64 central", 13, 0, 0, 0, 1},
    };
    for (int end64 = 0; end64 <= 1; end64++) {
        size_t len;
        uint8_t *zip = build_zip(m, 4, end64, &len);
        ncm_zip z;
        ncm_error err = {0};
        if (open_copy(zip, len, &z, &err))
            fail_msg("%s", err.msg);
        check_members(&z, m, 4);
        ncm_zip_close(&z);
        free(zip);
    }
}

static void truncated_archives_are_refused(void **state)
{
    (void)state;
    fill_big();
    const member m[] = {{"a.npy", g_big, 500, 0, 1, 0, 0}, {"b.npy", g_big, 5000, 1, 1, 0, 0}};
    size_t len;
    uint8_t *zip = build_zip(m, 2, 1, &len);
    for (size_t cut = 0; cut < len; cut++) {
        ncm_zip z;
        ncm_error err = {0};
        if (open_copy(zip, cut, &z, &err) == NCM_OK)
            fail_msg("archive cut to %zu of %zu bytes accepted", cut, len);
        assert_int_equal(err.code, NCM_ERR_FORMAT);
        assert_contains(err.msg, "t.zip: ");
    }
    free(zip);
}

static void sizes_past_the_end_are_refused(void **state)
{
    (void)state;
    const member m[] = {{"a.npy", "0123456789", 10, 0, 0, 0, 0}};
    size_t len;
    uint8_t *zip = build_zip(m, 1, 0, &len);
    const size_t cd = first_central(zip, len);
    ncm_zip z;
    ncm_error err = {0};
    /* compressed and uncompressed sizes of 3 GB in the central directory */
    put32_at(zip + cd + 20, 3000000000u);
    put32_at(zip + cd + 24, 3000000000u);
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "member a.npy announces 3000000000 bytes");
    /* a local header offset past the directory */
    put32_at(zip + cd + 20, 10);
    put32_at(zip + cd + 24, 10);
    put32_at(zip + cd + 42, 1000);
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "past the end");
    put32_at(zip + cd + 42, 0);
    /* a central directory larger than the file */
    zip[len - 22 + 12] = 0xff, zip[len - 22 + 13] = 0xff;
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "outside the archive");
    free(zip);
    /* an entry count the directory cannot hold */
    zip = build_zip(m, 1, 0, &len);
    for (int k = 8; k < 12; k++) /* entries on this disk and in all */
        zip[len - 22 + k] = 0xff;
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "cannot hold 65535 entries");
    free(zip);
}

static void announced_sizes_above_the_callers_limit_are_refused(void **state)
{
    (void)state;
    fill_big();
    const member m[] = {{"b.npy", g_big, sizeof g_big, 1, 0, 0, 0}};
    size_t len;
    uint8_t *zip = build_zip(m, 1, 0, &len);
    ncm_zip z;
    ncm_error err = {0};
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_OK);
    const uint8_t *d;
    size_t n;
    uint8_t *owned;
    assert_int_equal(ncm_zip_read(&z, 0, 1000, &d, &n, &owned, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "more than the 1000 it may hold");
    assert_null(owned);
    ncm_zip_close(&z);
    /* a deflated member that inflates to more, or less, than it announces */
    const size_t cd = first_central(zip, len);
    for (int more = 0; more <= 1; more++) {
        put32_at(zip + cd + 24, more ? 5000 : sizeof g_big + 10);
        assert_int_equal(open_copy(zip, len, &z, &err), NCM_OK);
        assert_int_equal(ncm_zip_read(&z, 0, UINT64_MAX, &d, &n, &owned, &err), NCM_ERR_FORMAT);
        assert_contains(err.msg, more ? "inflates to more than its announced 5000 bytes"
                                      : "inflates to 70000 bytes, its header announces 70010");
        ncm_zip_close(&z);
    }
    free(zip);
}

static void bad_crc_and_corrupt_deflate_are_refused(void **state)
{
    (void)state;
    fill_big();
    const member m[] = {{"a.npy", "0123456789", 10, 0, 0, 0, 0},
                        {"b.npy", g_big, sizeof g_big, 1, 0, 0, 0}};
    size_t len;
    uint8_t *zip = build_zip(m, 2, 0, &len);
    zip[30 + 5 + 3] ^= 1; /* a byte of a.npy's data */
    ncm_zip z;
    ncm_error err = {0};
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_OK);
    const uint8_t *d;
    size_t n;
    uint8_t *owned;
    assert_int_equal(ncm_zip_read(&z, 0, UINT64_MAX, &d, &n, &owned, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "t.zip: member a.npy: CRC-32 mismatch");
    ncm_zip_close(&z);
    /* garbage in the deflate stream of b.npy */
    const size_t b_data = 30 + 5 + 10 + 30 + 5;
    memset(zip + b_data, 0xff, 8);
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_OK);
    assert_int_equal(ncm_zip_read(&z, 1, UINT64_MAX, &d, &n, &owned, &err), NCM_ERR_FORMAT);
    assert_true(strstr(err.msg, "corrupt deflate data") || strstr(err.msg, "CRC-32"));
    ncm_zip_close(&z);
    free(zip);
}

static void odd_archives_are_refused(void **state)
{
    (void)state;
    const member dup[] = {{"a.npy", "x", 1, 0, 0, 0, 0}, {"a.npy", "y", 1, 0, 0, 0, 0}};
    size_t len;
    uint8_t *zip = build_zip(dup, 2, 0, &len);
    ncm_zip z;
    ncm_error err = {0};
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "member a.npy appears twice");
    free(zip);
    const member one[] = {{"a.npy", "x", 1, 0, 0, 0, 0}};
    struct {
        size_t off;
        uint8_t v;
        const char *needle;
    } cases[] = {
        {8, 1, "encrypted"},   /* central flags bit 0 */
        {10, 12, "method 12"}, /* bzip2 */
        {6, 1, "multi-disk"},  /* end record: disk of the directory (offset from the end) */
    };
    for (size_t c = 0; c < 3; c++) {
        zip = build_zip(one, 1, 0, &len);
        if (c < 2)
            zip[first_central(zip, len) + cases[c].off] = cases[c].v;
        else
            zip[len - 22 + cases[c].off] = cases[c].v;
        assert_int_equal(open_copy(zip, len, &z, &err), NCM_ERR_FORMAT);
        assert_contains(err.msg, cases[c].needle);
        free(zip);
    }
    /* a local header naming another member than the directory */
    zip = build_zip(one, 1, 0, &len);
    zip[30] = 'b';
    assert_int_equal(open_copy(zip, len, &z, &err), NCM_OK);
    const uint8_t *d;
    size_t n;
    uint8_t *owned;
    assert_int_equal(ncm_zip_read(&z, 0, UINT64_MAX, &d, &n, &owned, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "local header names another file");
    ncm_zip_close(&z);
    free(zip);
    write_raw(tpath("notzip.npz"), "definitely not a zip archive, but long enough", 46);
    assert_int_equal(ncm_zip_open(tpath("notzip.npz"), &z, &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "notzip.npz: not a zip archive");
}

static void zip_writer_output_is_read_back(void **state)
{
    (void)state;
    fill_big();
    ncm_zip_writer w;
    ncm_error err = {0};
    assert_int_equal(ncm_zipw_open(&w, tpath("w.zip"), &err), NCM_OK);
    assert_int_equal(ncm_zipw_add(&w, "one.npy", "1", 1, &err), NCM_OK);
    assert_int_equal(ncm_zipw_add(&w, "big.npy", g_big, sizeof g_big, &err), NCM_OK);
    assert_int_equal(ncm_zipw_add(&w, "none", "", 0, &err), NCM_OK);
    assert_int_equal(ncm_zipw_commit(&w, &err), NCM_OK);
    ncm_zip z;
    assert_int_equal(ncm_zip_open(tpath("w.zip"), &z, &err), NCM_OK);
    const member m[] = {{"one.npy", "1", 1, 0, 0, 0, 0},
                        {"big.npy", g_big, sizeof g_big, 0, 0, 0, 0},
                        {"none", "", 0, 0, 0, 0, 0}};
    check_members(&z, m, 3);
    ncm_zip_close(&z);
    /* an aborted writer leaves nothing behind */
    assert_int_equal(ncm_zipw_open(&w, tpath("aborted.zip"), &err), NCM_OK);
    assert_int_equal(ncm_zipw_add(&w, "one.npy", "1", 1, &err), NCM_OK);
    ncm_zipw_abort(&w);
    struct stat st;
    assert_int_not_equal(stat(tpath("aborted.zip"), &st), 0);
}

/* ---- models ------------------------------------------------------------------------------- */

static void round_trip(const char *spec, int c, int h, int w, int k, uint64_t seed)
{
    ncm_model *m = random_model(spec, c, h, w, k, seed);
    ncm_error err = {0};
    const char *path = tpath("rt.npz");
    if (ncm_model_save_npz(m, path, &err))
        fail_msg("%s: %s", spec, err.msg);
    ncm_model *m2 = ncm_model_load_npz(path, &err);
    if (!m2)
        fail_msg("%s: %s", spec, err.msg);
    assert_same_model(m, m2);
    assert_same_predictions(m, m2, 200);
    /* and through the nanocim model file and back to .npz: the same bytes */
    assert_int_equal(ncm_model_save(m2, tpath("rt.ncm"), &err), NCM_OK);
    ncm_model *m3 = ncm_model_load_any(tpath("rt.ncm"), &err);
    assert_non_null(m3);
    assert_int_equal(ncm_model_save_npz(m3, tpath("rt2.npz"), &err), NCM_OK);
    size_t n1, n2;
    uint8_t *f1 = read_all(path, &n1), *f2 = read_all(tpath("rt2.npz"), &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(f1, f2, n1);
    free(f1), free(f2);
    ncm_model_free(m3);
    ncm_model_free(m2);
    ncm_model_free(m);
}

static void dense_mlp_round_trips_exactly(void **state)
{
    (void)state;
    round_trip("mlp:3,7,65", 1, 9, 11, 10, 1);
    round_trip("mlp:64,128", 1, 8, 8, 10, 2); /* fan-ins that are multiples of 64 */
}

static void cnn_with_pooling_and_dense_round_trips_exactly(void **state)
{
    (void)state;
    round_trip("cnn:3,p,7,f65", 1, 9, 11, 10, 3);
    round_trip("cnn:8,7,p,3,p,f7,f3", 3, 12, 10, 5, 4);
    round_trip("cnn:65,p", 2, 5, 7, 3, 5);
}

static void class_layer_alone_round_trips_exactly(void **state)
{
    (void)state;
    round_trip("mlp:", 3, 4, 5, 7, 6);
}

static void export_layout_matches_pytorch_order(void **state)
{
    (void)state;
    ncm_model *m = random_model("cnn:4,p,f5", 3, 6, 4, 3, 7);
    ncm_error err = {0};
    const char *path = tpath("layout.npz");
    assert_int_equal(ncm_model_save_npz(m, path, &err), NCM_OK);
    ncm_zip z;
    assert_int_equal(ncm_zip_open(path, &z, &err), NCM_OK);
    ncm_npy a;
    char *s;
    assert_int_equal(ncm_npz_get(&z, "arch", 1 << 20, &a, &err), NCM_OK);
    assert_int_equal(ncm_npy_get_string(&a, "arch", &s, &err), NCM_OK);
    assert_string_equal(s, "cnn:4,p,f5");
    free(s);
    ncm_npy_release(&a);
    assert_int_equal(ncm_npz_get(&z, "input_shape", 1 << 20, &a, &err), NCM_OK);
    char dt[32];
    ncm_npy_dtype_str(&a, dt, sizeof dt);
    assert_string_equal(dt, "int32");
    int64_t v;
    const int64_t want_shape[3] = {3, 6, 4};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(ncm_npy_get_int(&a, k, &v), NCM_NPY_INT_OK);
        assert_int_equal(v, want_shape[k]);
    }
    ncm_npy_release(&a);
    /* conv weight (out, in_c, 3, 3): element [o, c, ky, kx] is fan-in bit c*9 + ky*3 + kx */
    assert_int_equal(ncm_npz_get(&z, "layer0.weight", 1 << 20, &a, &err), NCM_OK);
    assert_int_equal(a.ndim, 4);
    assert_int_equal(a.shape[0], 4);
    assert_int_equal(a.shape[1], 3);
    assert_int_equal(a.shape[2], 3);
    assert_int_equal(a.shape[3], 3);
    ncm_npy_dtype_str(&a, dt, sizeof dt);
    assert_string_equal(dt, "int8");
    const ncm_model_layer *L0 = &m->layer[0];
    for (int o = 0; o < 4; o++)
        for (int c = 0; c < 3; c++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    const int j = c * 9 + ky * 3 + kx;
                    const int bit = (int)(L0->wbits[o * L0->words + j / 64] >> (j % 64) & 1);
                    assert_int_equal(ncm_npy_get_int(&a, ((o * 3 + c) * 3 + ky) * 3 + kx, &v), 0);
                    assert_int_equal(v, bit ? 1 : -1);
                }
    ncm_npy_release(&a);
    /* the dense layer after the convolution: (out, C*H*W) in channel-major (NCHW flatten) order,
     * exactly the fan-in order of the model */
    assert_int_equal(ncm_npz_get(&z, "layer1.weight", 1 << 20, &a, &err), NCM_OK);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[0], 5);
    assert_int_equal(a.shape[1], 4 * 3 * 2);
    ncm_npy_release(&a);
    const char *keys[] = {"layer0.threshold", "layer0.direction", "layer2.mean", "format"};
    const char *dts[] = {"int32", "int8", "float32", "int32"};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(ncm_npz_get(&z, keys[k], 1 << 20, &a, &err), NCM_OK);
        ncm_npy_dtype_str(&a, dt, sizeof dt);
        assert_string_equal(dt, dts[k]);
        ncm_npy_release(&a);
    }
    assert_int_equal(ncm_zip_find(&z, "layer2.threshold.npy"), -1);
    assert_int_equal(ncm_zip_find(&z, "layer0.mean.npy"), -1);
    ncm_zip_close(&z);
    ncm_model_free(m);
}

/* A model written with other dtypes, byte orders and storage orders is the same model. */
static void other_dtypes_and_orders_give_the_same_model(void **state)
{
    (void)state;
    const char *base = base_npz();
    ncm_error err = {0};
    ncm_model *ref = ncm_model_load_npz(base, &err);
    assert_non_null(ref);
    const ncm_model_layer *L0 = &ref->layer[0], *L1 = &ref->layer[1], *L2 = &ref->layer[2];
    /* layer0.weight as float64 in Fortran order, (3, 20) */
    double w0[60];
    for (int o = 0; o < 3; o++)
        for (int j = 0; j < 20; j++)
            w0[j * 3 + o] = (L0->wbits[o] >> j & 1) ? 1.0 : -1.0;
    ncm_wbuf b = {0};
    npy_raw(&b, 2, "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 20), }", w0, sizeof w0);
    rewrite_npz(base, tpath("v1.npz"), "layer0.weight", &b);
    ncm_wbuf_free(&b);
    /* layer1.weight as big-endian int16, layer0.threshold as big-endian int64, C order */
    uint8_t w1[7 * 3 * 2], t0[3 * 8];
    for (int o = 0; o < 7; o++)
        for (int j = 0; j < 3; j++) {
            const int16_t x = (L1->wbits[o] >> j & 1) ? 1 : -1;
            w1[(o * 3 + j) * 2] = (uint8_t)((uint16_t)x >> 8);
            w1[(o * 3 + j) * 2 + 1] = (uint8_t)x;
        }
    for (int o = 0; o < 3; o++)
        for (int k = 0; k < 8; k++)
            t0[o * 8 + k] = (uint8_t)((uint64_t)(int64_t)L0->thresh[o] >> (8 * (7 - k)));
    npy_raw(&b, 3, "{'descr': '>i2', 'fortran_order': False, 'shape': (7, 3), }", w1, sizeof w1);
    rewrite_npz(tpath("v1.npz"), tpath("v2.npz"), "layer1.weight", &b);
    ncm_wbuf_free(&b);
    npy_raw(&b, 1, "{'descr': '>i8', 'fortran_order': False, 'shape': (3,), }", t0, sizeof t0);
    rewrite_npz(tpath("v2.npz"), tpath("v3.npz"), "layer0.threshold", &b);
    ncm_wbuf_free(&b);
    /* thresholds of layer1 as float32 integers, directions as int64, mean as float64, format as
     * an int64 array of one element, n_classes as uint8 */
    float t1[7];
    int64_t d1[7];
    double mean[4];
    for (int o = 0; o < 7; o++)
        t1[o] = (float)L1->thresh[o], d1[o] = L1->dir[o];
    for (int o = 0; o < 4; o++)
        mean[o] = L2->mean[o];
    const int64_t s7 = 7, s4 = 4, s1 = 1, fmt = 1;
    const uint8_t nc = 4;
    struct {
        const char *key;
        char kind;
        int size, ndim;
        const int64_t *shape;
        const void *data;
    } repl[] = {{"layer1.threshold", 'f', 4, 1, &s7, t1},
                {"layer1.direction", 'i', 8, 1, &s7, d1},
                {"layer2.mean", 'f', 8, 1, &s4, mean},
                {"format", 'i', 8, 1, &s1, &fmt},
                {"n_classes", 'u', 1, 0, NULL, &nc}};
    const char *src = tpath("v3.npz");
    for (int r = 0; r < 5; r++) {
        char name[32];
        snprintf(name, sizeof name, "v%d.npz", r + 4);
        const char *dst = tpath(name);
        ncm_npy_encode(&b, repl[r].kind, repl[r].size, repl[r].ndim, repl[r].shape, repl[r].data);
        rewrite_npz(src, dst, repl[r].key, &b);
        ncm_wbuf_free(&b);
        src = dst;
    }
    ncm_model *m = ncm_model_load_npz(src, &err);
    if (!m)
        fail_msg("%s", err.msg);
    assert_same_model(ref, m);
    assert_same_predictions(ref, m, 200);
    ncm_model_free(m);
    ncm_model_free(ref);
}

static void missing_and_unexpected_arrays_are_refused(void **state)
{
    (void)state;
    const char *keys[] = {"format",           "arch",          "input_shape",
                          "n_classes",        "layer0.weight", "layer1.threshold",
                          "layer1.direction", "layer2.scale"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char needle[128];
        snprintf(needle, sizeof needle, "missing array '%s'", keys[k]);
        expect_import_error(keys[k], NULL, NCM_ERR_FORMAT, needle);
    }
    const int64_t s4 = 4;
    const int32_t t[4] = {0};
    ncm_wbuf b = {0};
    ncm_npy_encode(&b, 'i', 4, 1, &s4, t);
    expect_import_error("layer2.threshold", &b, NCM_ERR_FORMAT,
                        "unexpected member 'layer2.threshold.npy' (not in the layout of arch "
                        "mlp:3,7)");
    expect_import_error("layer3.weight", &b, NCM_ERR_FORMAT, "unexpected member 'layer3.weight");
    expect_import_error("layer00.weight", &b, NCM_ERR_FORMAT, "unexpected member 'layer00");
    /* names from the archive are quoted on one line */
    expect_import_error("two\nlines", &b, NCM_ERR_FORMAT, "unexpected member 'two?lines.npy'");
    ncm_wbuf_free(&b);
    /* the meta array is optional */
    rewrite_npz(base_npz(), tpath("nometa.npz"), "meta", NULL);
    ncm_error err = {0};
    ncm_model *m = ncm_model_load_npz(tpath("nometa.npz"), &err);
    assert_non_null(m);
    assert_null(m->meta);
    ncm_model_free(m);
}

static void wrong_shapes_are_refused(void **state)
{
    (void)state;
    int8_t w[64];
    memset(w, 1, sizeof w);
    ncm_wbuf b = {0};
    const int64_t s72[2] = {7, 2}, s20[1] = {20}, s3x[3] = {3, 20, 1}, s2[1] = {2};
    ncm_npy_encode(&b, 'i', 1, 2, s72, w);
    expect_import_error("layer1.weight", &b, NCM_ERR_FORMAT,
                        "layer1.weight: shape (7, 2), expected (7, 3) for arch mlp:3,7");
    ncm_wbuf_free(&b);
    ncm_npy_encode(&b, 'i', 1, 1, s20, w);
    expect_import_error("layer0.threshold", &b, NCM_ERR_FORMAT,
                        "layer0.threshold: shape (20,), expected (3,)");
    ncm_wbuf_free(&b);
    ncm_npy_encode(&b, 'i', 1, 3, s3x, w);
    expect_import_error("layer0.weight", &b, NCM_ERR_FORMAT,
                        "layer0.weight: shape (3, 20, 1), expected (3, 20)");
    ncm_wbuf_free(&b);
    ncm_npy_encode(&b, 'i', 1, 1, s2, w);
    expect_import_error("n_classes", &b, NCM_ERR_FORMAT,
                        "n_classes: shape (2,), expected a scalar");
    expect_import_error("input_shape", &b, NCM_ERR_FORMAT,
                        "input_shape: shape (2,), expected (3,)");
    ncm_wbuf_free(&b);
    /* an input shape that changes the first layer's fan-in */
    const int32_t in[3] = {1, 5, 5};
    const int64_t s3 = 3;
    ncm_npy_encode(&b, 'i', 4, 1, &s3, in);
    expect_import_error("input_shape", &b, NCM_ERR_FORMAT,
                        "layer0.weight: shape (3, 20), expected (3, 25)");
    ncm_wbuf_free(&b);
}

static void values_other_than_plus_minus_one_are_refused(void **state)
{
    (void)state;
    float w[60];
    for (int i = 0; i < 60; i++)
        w[i] = i % 2 ? 1.0f : -1.0f;
    const int64_t s[2] = {3, 20};
    ncm_wbuf b = {0};
    w[22] = 0.5f; /* [1, 2] */
    ncm_npy_encode(&b, 'f', 4, 2, s, w);
    expect_import_error("layer0.weight", &b, NCM_ERR_FORMAT,
                        "layer0.weight[1, 2] = 0.5: expected +1 or -1");
    ncm_wbuf_free(&b);
    w[22] = NAN;
    ncm_npy_encode(&b, 'f', 4, 2, s, w);
    expect_import_error("layer0.weight", &b, NCM_ERR_FORMAT, "layer0.weight[1, 2] = nan");
    ncm_wbuf_free(&b);
    int8_t w8[60];
    memset(w8, 1, sizeof w8);
    w8[59] = 0;
    ncm_npy_encode(&b, 'i', 1, 2, s, w8);
    expect_import_error("layer0.weight", &b, NCM_ERR_FORMAT, "layer0.weight[2, 19] = 0: expected");
    ncm_wbuf_free(&b);
    uint8_t u8[60];
    memset(u8, 1, sizeof u8);
    u8[0] = 255;
    ncm_npy_encode(&b, 'u', 1, 2, s, u8);
    expect_import_error("layer0.weight", &b, NCM_ERR_FORMAT, "layer0.weight[0, 0] = 255");
    ncm_wbuf_free(&b);
    const uint8_t bools[60] = {1};
    npy_raw(&b, 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3, 20), }", bools, 60);
    expect_import_error("layer0.weight", &b, NCM_ERR_FORMAT, "layer0.weight: dtype bool, expected");
    ncm_wbuf_free(&b);
    const int8_t dir[7] = {1, 1, 0, 1, 1, 1, 1};
    const int64_t s7 = 7;
    ncm_npy_encode(&b, 'i', 1, 1, &s7, dir);
    expect_import_error("layer1.direction", &b, NCM_ERR_FORMAT,
                        "layer1.direction[2] = 0: expected +1 or -1");
    ncm_wbuf_free(&b);
    char strs[7 * 4] = {0};
    npy_raw(&b, 1, "{'descr': '<U1', 'fortran_order': False, 'shape': (7,), }", strs, 28);
    expect_import_error("layer1.direction", &b, NCM_ERR_FORMAT, "dtype <U1");
    ncm_wbuf_free(&b);
}

static void bad_thresholds_and_affine_maps_are_refused(void **state)
{
    (void)state;
    const int64_t s3 = 3, s4 = 4;
    const float tf[3] = {1.0f, 2.5f, 3.0f};
    ncm_wbuf b = {0};
    ncm_npy_encode(&b, 'f', 4, 1, &s3, tf);
    expect_import_error("layer0.threshold", &b, NCM_ERR_FORMAT,
                        "layer0.threshold[1] = 2.5: expected an integer");
    ncm_wbuf_free(&b);
    const int64_t tl[3] = {0, 0, (int64_t)INT32_MAX + 1};
    ncm_npy_encode(&b, 'i', 8, 1, &s3, tl);
    expect_import_error("layer0.threshold", &b, NCM_ERR_FORMAT,
                        "layer0.threshold[2] = 2147483648: expected an integer within the int32 "
                        "range");
    ncm_wbuf_free(&b);
    const int64_t tok[3] = {INT32_MIN, INT32_MAX, 0}; /* extremes are valid: constant neurons */
    ncm_npy_encode(&b, 'i', 8, 1, &s3, tok);
    rewrite_npz(base_npz(), tpath("extreme.npz"), "layer0.threshold", &b);
    ncm_wbuf_free(&b);
    ncm_error err = {0};
    ncm_model *m = ncm_model_load_npz(tpath("extreme.npz"), &err);
    assert_non_null(m);
    assert_int_equal(m->layer[0].thresh[0], INT32_MIN);
    ncm_model_free(m);
    float f[4] = {1, 1, 1, 1};
    f[3] = NAN;
    ncm_npy_encode(&b, 'f', 4, 1, &s4, f);
    expect_import_error("layer2.scale", &b, NCM_ERR_FORMAT,
                        "layer2.scale[3] = nan: expected a finite float32");
    ncm_wbuf_free(&b);
    f[3] = INFINITY;
    ncm_npy_encode(&b, 'f', 4, 1, &s4, f);
    expect_import_error("layer2.beta", &b, NCM_ERR_FORMAT, "layer2.beta[3] = inf");
    ncm_wbuf_free(&b);
    const double big[4] = {0, 0, 1e300, 0}; /* finite in float64, not in float32 */
    ncm_npy_encode(&b, 'f', 8, 1, &s4, big);
    expect_import_error("layer2.mean", &b, NCM_ERR_FORMAT, "layer2.mean[2] = 1e+300");
    ncm_wbuf_free(&b);
}

static void bad_header_arrays_are_refused(void **state)
{
    (void)state;
    ncm_wbuf b = {0};
    const int32_t two = 2, zero = 0, one = 1;
    ncm_npy_encode(&b, 'i', 4, 0, NULL, &two);
    expect_import_error("format", &b, NCM_ERR_VERSION, "format 2 is newer");
    ncm_wbuf_free(&b);
    ncm_npy_encode(&b, 'i', 4, 0, NULL, &zero);
    expect_import_error("format", &b, NCM_ERR_FORMAT, "format = 0, expected 1");
    ncm_wbuf_free(&b);
    ncm_npy_encode(&b, 'i', 4, 0, NULL, &one);
    expect_import_error("n_classes", &b, NCM_ERR_FORMAT, "n_classes = 1");
    ncm_wbuf_free(&b);
    const float half = 0.5f;
    ncm_npy_encode(&b, 'f', 4, 0, NULL, &half);
    expect_import_error("format", &b, NCM_ERR_FORMAT, "format = 0.5: expected an integer");
    ncm_wbuf_free(&b);
    ncm_npy_encode_string(&b, "cnn:p");
    expect_import_error("arch", &b, NCM_ERR_FORMAT,
                        "arch 'cnn:p' for input (1, 5, 4) and 4 classes: 'p' must follow");
    ncm_wbuf_free(&b);
    ncm_npy_encode_string(&b, "transformer");
    expect_import_error("arch", &b, NCM_ERR_FORMAT, "arch 'transformer'");
    ncm_wbuf_free(&b);
    ncm_npy_encode_string(&b, "mlp:3,8");
    expect_import_error("arch", &b, NCM_ERR_FORMAT,
                        "layer1.weight: shape (7, 3), expected (8, 3) for arch mlp:3,8");
    ncm_wbuf_free(&b);
    ncm_npy_encode(&b, 'i', 4, 0, NULL, &one);
    expect_import_error("arch", &b, NCM_ERR_FORMAT, "arch: dtype int32, expected a string");
    ncm_wbuf_free(&b);
    const int32_t neg[3] = {1, -5, 4};
    const int64_t s3 = 3;
    ncm_npy_encode(&b, 'i', 4, 1, &s3, neg);
    expect_import_error("input_shape", &b, NCM_ERR_FORMAT, "input_shape[1] = -5");
    ncm_wbuf_free(&b);
    const uint8_t pickle[8] = {0x80, 3, 'N', '.'};
    npy_raw(&b, 1, "{'descr': '|O', 'fortran_order': False, 'shape': (), }", pickle, 8);
    expect_import_error("meta", &b, NCM_ERR_FORMAT, "meta: dtype '|O': object arrays (pickles)");
    ncm_wbuf_free(&b);
}

/* Every truncation of a model archive is refused, and every single-byte corruption is refused
 * or leaves a valid model (a byte of an unused field); none crashes. */
static void damaged_model_archives_never_crash(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = read_all(base_npz(), &len);
    const char *path = tpath("damaged.npz");
    ncm_error err = {0};
    for (size_t cut = 0; cut < len; cut += 7) {
        write_raw(path, f, cut);
        ncm_model *m = ncm_model_load_npz(path, &err);
        if (m)
            fail_msg("archive cut to %zu of %zu bytes accepted", cut, len);
        assert_contains(err.msg, "damaged.npz");
    }
    int accepted = 0;
    for (size_t p = 0; p < len; p++) {
        f[p] ^= 0x5a;
        write_raw(path, f, len);
        ncm_model *m = ncm_model_load_npz(path, &err);
        if (m) {
            accepted++;
            ncm_model_free(m);
        }
        f[p] ^= 0x5a;
    }
    assert_true(accepted < (int)len / 4);
    free(f);
}

static void save_is_atomic_and_refuses_invalid_models(void **state)
{
    (void)state;
    ncm_model *m = random_model("mlp:5", 1, 3, 3, 2, 8);
    ncm_error err = {0};
    assert_int_equal(ncm_model_save_npz(m, tpath("nodir/x.npz"), &err), NCM_ERR_IO);
    assert_contains(err.msg, "nodir/x.npz");
    write_raw(tpath("keep.npz"), "old", 3);
    m->layer[0].dir[2] = 0;
    assert_int_equal(ncm_model_save_npz(m, tpath("keep.npz"), &err), NCM_ERR_FORMAT);
    assert_contains(err.msg, "bad threshold direction 0");
    size_t n;
    uint8_t *old = read_all(tpath("keep.npz"), &n);
    assert_int_equal(n, 3);
    free(old);
    m->layer[0].dir[2] = 1;
    assert_int_equal(ncm_model_save_npz(m, tpath("keep.npz"), &err), NCM_OK);
    ncm_model *m2 = ncm_model_load_any(tpath("keep.npz"), &err);
    assert_non_null(m2);
    assert_same_model(m, m2);
    ncm_model_free(m2);
    ncm_model_free(m);
    assert_null(ncm_model_load_any(tpath("absent.npz"), &err));
    assert_contains(err.msg, "absent.npz");
}

/* ---- files written by numpy --------------------------------------------------------------- */

/* Writes random models with np.savez_compressed and np.savez (several dtypes and orders),
 * random images, and numpy's float32 reference scores (the semantics of npz.h). */
static const char *PY_SCRIPT =
    "import sys\n"
    "import numpy as np\n"
    "out, arch, c, h, w, k, seed, how = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:8]), "
    "sys.argv[8]\n"
    "rng = np.random.default_rng(seed)\n"
    "spec = []\n"
    "for t in [t for t in arch.split(':')[1].split(',') if t]:\n"
    "    if t == 'p': spec[-1][2] = True\n"
    "    elif arch.startswith('mlp') or t[0] == 'f': spec.append(['dense', int(t.lstrip('f')), "
    "False])\n"
    "    else: spec.append(['conv', int(t), False])\n"
    "spec.append(['dense', k, False])\n"
    "d = {'format': np.int32(1), 'arch': arch, 'input_shape': np.array([c, h, w], np.int32),\n"
    "     'n_classes': np.int32(k)}\n"
    "ci, hi, wi = c, h, w\n"
    "for l, (kind, o, pool) in enumerate(spec):\n"
    "    fan = ci * 9 if kind == 'conv' else ci * hi * wi\n"
    "    shp = (o, ci, 3, 3) if kind == 'conv' else (o, fan)\n"
    "    d['layer%d.weight' % l] = np.where(rng.random(shp) < 0.5, 1, -1).astype(np.int8)\n"
    "    sd = (74 if l == 0 else 1) * np.sqrt(fan)\n"
    "    if l < len(spec) - 1:\n"
    "        d['layer%d.threshold' % l] = np.round(rng.normal(0, sd, o)).astype(np.int32)\n"
    "        d['layer%d.direction' % l] = np.where(rng.random(o) < 0.7, 1, -1).astype(np.int8)\n"
    "    else:\n"
    "        d['layer%d.mean' % l] = rng.normal(0, 0.2 * sd, o).astype(np.float32)\n"
    "        d['layer%d.scale' % l] = (rng.choice([-1, 1], o) * rng.uniform(0.5, 2, o) / "
    "sd).astype(np.float32)\n"
    "        d['layer%d.beta' % l] = rng.normal(0, 0.2, o).astype(np.float32)\n"
    "    if kind == 'conv': ci, hi, wi = o, (hi // 2 if pool else hi), (wi // 2 if pool else wi)\n"
    "    else: ci, hi, wi = o, 1, 1\n"
    "imgs = rng.integers(0, 256, (100, c, h, w), dtype=np.uint8)\n"
    "x = imgs.astype(np.int64) - 128\n"
    "n = len(x)\n"
    "for l, (kind, o, pool) in enumerate(spec):\n"
    "    W = d['layer%d.weight' % l].astype(np.int64)\n"
    "    if kind == 'conv':\n"
    "        _, ci, hh, ww = x.shape\n"
    "        xp = np.full((n, ci, hh + 2, ww + 2), -128 if l == 0 else -1, np.int64)\n"
    "        xp[:, :, 1:-1, 1:-1] = x\n"
    "        a = sum(np.einsum('oc,nchw->nohw', W[:, :, ky, kx], xp[:, :, ky:ky + hh, kx:kx + "
    "ww])\n"
    "                for ky in range(3) for kx in range(3))\n"
    "        if pool:\n"
    "            a = a[:, :, :hh // 2 * 2, :ww // 2 * 2].reshape(n, o, hh // 2, 2, ww // 2, "
    "2).max(axis=(3, 5))\n"
    "    else:\n"
    "        a = x.reshape(n, -1) @ W.T\n"
    "    if l == len(spec) - 1:\n"
    "        s = (a.astype(np.float32) - d['layer%d.mean' % l]) * d['layer%d.scale' % l] + "
    "d['layer%d.beta' % l]\n"
    "        break\n"
    "    b = (1, o, 1, 1) if a.ndim == 4 else (1, o)\n"
    "    T = d['layer%d.threshold' % l].reshape(b)\n"
    "    D = d['layer%d.direction' % l].reshape(b)\n"
    "    x = np.where(np.where(D > 0, a >= T, a <= T), 1, -1)\n"
    "assert s.dtype == np.float32\n"
    "np.save(out + '.images.npy', imgs)\n"
    "np.save(out + '.scores.npy', s)\n"
    "if how == 'odd':\n"
    "    for key in list(d):\n"
    "        if key.endswith('.weight'): d[key] = np.asfortranarray(d[key].astype('>f8'))\n"
    "        if key.endswith('.threshold'): d[key] = d[key].astype('>i2')\n"
    "        if key.endswith('.direction'): d[key] = d[key].astype(np.float32)\n"
    "        if key.endswith('.mean'): d[key] = d[key].astype(np.float64)\n"
    "    np.savez(out + '.npz', **d)\n"
    "else:\n"
    "    np.savez_compressed(out + '.npz', **d)\n";

static int have_numpy(void)
{
    return access("/usr/bin/python3", X_OK) == 0 &&
           system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

static void numpy_case(const char *arch, int c, int h, int w, int k, int seed, const char *how)
{
    char cmd[8192], base[4096];
    snprintf(base, sizeof base, "%s", tpath("np"));
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s '%s' %d %d %d %d %d %s", tpath("ref.py"),
             base, arch, c, h, w, k, seed, how);
    if (system(cmd) != 0)
        fail_msg("numpy script failed: %s", cmd);
    char p[4200];
    ncm_error err = {0};
    snprintf(p, sizeof p, "%s.npz", base);
    ncm_model *m = ncm_model_load_npz(p, &err);
    if (!m)
        fail_msg("%s (%s): %s", arch, how, err.msg);
    ncm_npy im, sc;
    snprintf(p, sizeof p, "%s.images.npy", base);
    assert_int_equal(ncm_npy_read_file(p, &im, &err), NCM_OK);
    snprintf(p, sizeof p, "%s.scores.npy", base);
    assert_int_equal(ncm_npy_read_file(p, &sc, &err), NCM_OK);
    assert_int_equal(im.kind, 'u');
    assert_int_equal(im.ndim, 4);
    assert_int_equal(sc.ndim, 2);
    const int64_t n = im.shape[0];
    assert_int_equal(sc.shape[0], n);
    assert_int_equal(sc.shape[1], k);
    uint8_t *labels = calloc((size_t)n, 1);
    ncm_dataset *d = ncm_dataset_new(n, c, h, w, k, im.data, labels, &err);
    assert_non_null(d);
    int32_t *pred = malloc((size_t)n * 4);
    float *scores = malloc((size_t)(n * k) * 4);
    assert_int_equal(ncm_model_predict(m, d, pred, scores, &err), NCM_OK);
    int distinct = 0, seen[64] = {0};
    for (int64_t i = 0; i < n; i++) {
        int best = 0;
        for (int j = 0; j < k; j++) {
            const float ref = (float)ncm_npy_get_double(&sc, i * k + j);
            if (memcmp(&ref, &scores[i * k + j], 4) != 0)
                fail_msg("%s (%s): image %lld class %d: score %.9g, numpy %.9g", arch, how,
                         (long long)i, j, scores[i * k + j], ref);
            if (ncm_npy_get_double(&sc, i * k + j) > ncm_npy_get_double(&sc, i * k + best))
                best = j;
        }
        assert_int_equal(pred[i], best);
        if (!seen[best]++)
            distinct++;
    }
    assert_true(distinct >= 2);
    free(pred), free(scores), free(labels);
    ncm_dataset_free(d);
    ncm_npy_release(&im);
    ncm_npy_release(&sc);
    ncm_model_free(m);
}

static void numpy_written_models_score_as_numpy_computes(void **state)
{
    (void)state;
    if (!have_numpy()) {
        print_message("skipped: /usr/bin/python3 cannot import numpy (install python3-numpy)\n");
        skip();
    }
    FILE *fp = fopen(tpath("ref.py"), "w");
    assert_non_null(fp);
    fputs(PY_SCRIPT, fp);
    fclose(fp);
    numpy_case("mlp:7,65", 1, 9, 11, 10, 1, "compressed");
    numpy_case("mlp:3", 2, 5, 5, 4, 2, "odd");
    numpy_case("cnn:3,p,7,f65", 1, 9, 11, 10, 3, "compressed");
    numpy_case("cnn:5,p,3,p,f7", 3, 16, 12, 6, 4, "odd");
    numpy_case("cnn:4,7,p,f9", 2, 8, 10, 5, 8, "compressed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(npy_versions_1_2_3_are_read),
        cmocka_unit_test(npy_big_endian_fortran_elements_come_in_c_order),
        cmocka_unit_test(npy_number_dtypes_convert_exactly),
        cmocka_unit_test(npy_header_syntax_variants_are_read),
        cmocka_unit_test(npy_bad_headers_are_refused),
        cmocka_unit_test(npy_encoded_arrays_read_back),
        cmocka_unit_test(npy_file_round_trip),
        cmocka_unit_test(zip_stored_and_deflated_members_are_read),
        cmocka_unit_test(zip64_extras_and_end_record_are_read),
        cmocka_unit_test(truncated_archives_are_refused),
        cmocka_unit_test(sizes_past_the_end_are_refused),
        cmocka_unit_test(announced_sizes_above_the_callers_limit_are_refused),
        cmocka_unit_test(bad_crc_and_corrupt_deflate_are_refused),
        cmocka_unit_test(odd_archives_are_refused),
        cmocka_unit_test(zip_writer_output_is_read_back),
        cmocka_unit_test(dense_mlp_round_trips_exactly),
        cmocka_unit_test(cnn_with_pooling_and_dense_round_trips_exactly),
        cmocka_unit_test(class_layer_alone_round_trips_exactly),
        cmocka_unit_test(export_layout_matches_pytorch_order),
        cmocka_unit_test(other_dtypes_and_orders_give_the_same_model),
        cmocka_unit_test(missing_and_unexpected_arrays_are_refused),
        cmocka_unit_test(wrong_shapes_are_refused),
        cmocka_unit_test(values_other_than_plus_minus_one_are_refused),
        cmocka_unit_test(bad_thresholds_and_affine_maps_are_refused),
        cmocka_unit_test(bad_header_arrays_are_refused),
        cmocka_unit_test(damaged_model_archives_never_crash),
        cmocka_unit_test(save_is_atomic_and_refuses_invalid_models),
        cmocka_unit_test(numpy_written_models_score_as_numpy_computes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
