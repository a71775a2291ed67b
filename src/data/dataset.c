/* IDX (MNIST family) and CIFAR-10 binary loaders with full validation (see
 * include/nanocim/dataset.h). IDX format: LeCun et al., http://yann.lecun.com/exdb/mnist/ --
 * two zero bytes, a type byte (0x08 = unsigned byte), a dimension count, big-endian 32-bit
 * dimensions, then the data. */
#include "nanocim/dataset.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* Largest array accepted: far above any image dataset, far below what would exhaust memory. */
#define NCM_IDX_MAX_BYTES ((int64_t)1 << 34)

/* Releases an array's data and zeroes the struct (the arrays the loaders fill on the stack). */
static void idx_clear(ncm_idx *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

void ncm_idx_free(ncm_idx *a)
{
    if (a) {
        free(a->data);
        free(a);
    }
}

/* A byte source: a plain file, or a gzip file (RFC 1952, one or more members) inflated as it is
 * read. zlib's gzread is not used: it ignores bytes after the last member silently and reports
 * a cut trailer only through gzerror; here the end of the data is checked exactly (expect_eof). */
typedef struct {
    FILE *fp;
    const char *path;
    int gz;           /* the file starts with the gzip magic 1f 8b */
    int z_ready;      /* inflateInit2 done */
    int member_done;  /* the current member's trailer was read and checked */
    size_t pos, have; /* plain files: the bytes of `in` not yet handed out */
    z_stream z;
    unsigned char in[1 << 16];
} src;

static void src_close(src *r)
{
    if (r->z_ready)
        inflateEnd(&r->z);
    if (r->fp)
        fclose(r->fp);
    r->fp = NULL;
    r->z_ready = 0;
}

/* Refills the input of the inflater; 0 at the end of the file. */
static size_t src_fill(src *r)
{
    const size_t got = fread(r->in, 1, sizeof r->in, r->fp);
    r->z.next_in = r->in;
    r->z.avail_in = (uInt)got;
    return got;
}

static ncm_status src_open(src *r, const char *path, ncm_error *err)
{
    memset(r, 0, offsetof(src, in));
    r->path = path;
    if (!(r->fp = fopen(path, "rb")))
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    r->have = fread(r->in, 1, 2, r->fp);
    r->gz = r->have == 2 && r->in[0] == 0x1f && r->in[1] == 0x8b;
    if (r->gz) {
        /* 15 + 16: a gzip wrapper, whose CRC-32 and length trailer inflate checks */
        if (inflateInit2(&r->z, 15 + 16) != Z_OK) {
            src_close(r);
            return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
        }
        r->z_ready = 1;
        r->z.next_in = r->in;
        r->z.avail_in = (uInt)r->have;
    }
    return NCM_OK;
}

/* The next member after one that ended: 1 if a gzip member starts, 0 at the end of the file, -1
 * for other bytes (garbage after the gzip data). */
static int src_next_member(src *r)
{
    if (r->z.avail_in == 0 && src_fill(r) == 0)
        return 0;
    if (r->z.next_in[0] != 0x1f) /* a second magic byte cut off is garbage too */
        return -1;
    inflateReset(&r->z);
    r->member_done = 0;
    return 1;
}

/* Inflates up to n bytes into buf (*got of them); an error names what was being read. */
static ncm_status src_inflate(src *r, uint8_t *buf, size_t n, size_t *got, const char *what,
                              ncm_error *err)
{
    *got = 0;
    while (*got < n) {
        if (r->member_done) {
            const int next = src_next_member(r);
            if (next == 0)
                return NCM_OK; /* end of the data */
            if (next < 0)
                return ncm_error_set(err, NCM_ERR_FORMAT,
                                     "%s: bytes after the end of the gzip data (not a gzip member)",
                                     r->path);
        }
        if (r->z.avail_in == 0 && src_fill(r) == 0)
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: truncated: the compressed data ends inside the %s", r->path,
                                 what);
        const size_t want = n - *got > (1u << 30) ? 1u << 30 : n - *got;
        r->z.next_out = buf + *got;
        r->z.avail_out = (uInt)want;
        const int ret = inflate(&r->z, Z_NO_FLUSH);
        *got += want - r->z.avail_out;
        if (ret == Z_STREAM_END)
            r->member_done = 1;
        else if (ret == Z_MEM_ERROR)
            return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", r->path);
        else if (ret != Z_OK && ret != Z_BUF_ERROR)
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: corrupt compressed data while reading the %s (%s)", r->path,
                                 what, r->z.msg ? r->z.msg : "inflate error");
    }
    return NCM_OK;
}

/* Reads exactly n bytes. */
static ncm_status read_exact(src *r, void *buf, int64_t n, const char *what, ncm_error *err)
{
    uint8_t *p = buf;
    size_t got = 0;
    if (r->gz) {
        ncm_status s = src_inflate(r, p, (size_t)n, &got, what, err);
        if (s)
            return s;
    } else {
        const size_t from_buf = r->have - r->pos < (size_t)n ? r->have - r->pos : (size_t)n;
        memcpy(p, r->in + r->pos, from_buf);
        r->pos += from_buf;
        got = from_buf + fread(p + from_buf, 1, (size_t)n - from_buf, r->fp);
    }
    if (got < (size_t)n)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: truncated: file ends inside the %s", r->path,
                             what);
    return NCM_OK;
}

/* A clean end: nothing left; for gzip, the last member's trailer (CRC-32 and length) read and
 * checked and nothing after it but further (empty) members. */
static ncm_status expect_eof(src *r, ncm_error *err)
{
    uint8_t extra;
    size_t got = 0;
    if (r->gz) {
        ncm_status s = src_inflate(r, &extra, 1, &got, "gzip trailer", err);
        if (s)
            return s;
    } else {
        got = r->pos < r->have || fread(&extra, 1, 1, r->fp) == 1;
    }
    if (got)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: trailing bytes after the data the header announces", r->path);
    return NCM_OK;
}

static ncm_status idx_read(const char *path, ncm_idx *out, ncm_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0)
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ncm_error_set(err, NCM_ERR_IO, "%s: is a directory, expected an IDX file", path);
    src g;
    ncm_status s = src_open(&g, path, err);
    if (s)
        return s;
    uint8_t head[4];
    if ((s = read_exact(&g, head, 4, "IDX header", err)))
        goto fail;
    if (head[0] != 0 || head[1] != 0) {
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: not an IDX file (bad magic %02x %02x)", path,
                          head[0], head[1]);
        goto fail;
    }
    if (head[2] != 0x08) {
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: IDX type 0x%02x not supported (expected 0x08, unsigned byte)", path,
                          head[2]);
        goto fail;
    }
    if (head[3] < 1 || head[3] > 4) {
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: IDX dimension count %d (expected 1 to 4)", path,
                          head[3]);
        goto fail;
    }
    out->ndims = head[3];
    int64_t total = 1;
    for (int i = 0; i < out->ndims; i++) {
        uint8_t d[4];
        if ((s = read_exact(&g, d, 4, "IDX header", err)))
            goto fail;
        int64_t v = ((int64_t)d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3];
        if (v <= 0) {
            s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: IDX dimension %d is %lld (out of range)",
                              path, i, (long long)v);
            goto fail;
        }
        if (v > NCM_IDX_MAX_BYTES / total) {
            s = ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: IDX dimensions up to %d announce %.4g bytes, more than the "
                              "%lld an IDX file may hold",
                              path, i, (double)total * (double)v, (long long)NCM_IDX_MAX_BYTES);
            goto fail;
        }
        out->dims[i] = v;
        total *= v;
    }
    /* The size the header announces must fit the file before it is allocated: exactly for a
     * plain file, within deflate's largest ratio (1032:1) for a gzip one. */
    const int64_t head_bytes = 4 + 4 * (int64_t)out->ndims, have = (int64_t)st.st_size;
    if (!g.gz && have != head_bytes + total) {
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          have < head_bytes + total
                              ? "%s: truncated: the header announces %lld bytes of data, the file "
                                "holds %lld"
                              : "%s: trailing bytes after the data the header announces (%lld "
                                "bytes announced, %lld present)",
                          path, (long long)total, (long long)(have - head_bytes));
        goto fail;
    }
    if (!!g.gz && total > 1032 * have + 1024) {
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: the header announces %lld bytes of data, more than %lld compressed "
                          "bytes can hold (truncated or corrupt)",
                          path, (long long)total, (long long)have);
        goto fail;
    }
    out->data = malloc((size_t)total);
    if (!out->data) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory for %lld bytes", path,
                          (long long)total);
        goto fail;
    }
    if ((s = read_exact(&g, out->data, total, "data", err)))
        goto fail;
    if ((s = expect_eof(&g, err)))
        goto fail;
    src_close(&g);
    return NCM_OK;
fail:
    src_close(&g);
    idx_clear(out);
    return s;
}

ncm_idx *ncm_idx_read(const char *path, ncm_error *err)
{
    ncm_idx *a = malloc(sizeof *a);
    if (!a) {
        ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    if (idx_read(path, a, err)) {
        free(a);
        return NULL;
    }
    return a;
}

static ncm_status check_labels(const char *path, const uint8_t *labels, int64_t n, int n_classes,
                               ncm_error *err)
{
    for (int64_t i = 0; i < n; i++)
        if (labels[i] >= n_classes)
            return ncm_error_set(err, NCM_ERR_DATA, "%s: label %d of item %lld is outside [0, %d)",
                                 path, labels[i], (long long)i, n_classes);
    return NCM_OK;
}

static ncm_status dataset_from_idx(const char *images_path, const char *labels_path,
                                   ncm_dataset *out, ncm_error *err)
{
    memset(out, 0, sizeof *out);
    ncm_idx im, lb;
    ncm_status s = idx_read(images_path, &im, err);
    if (s)
        return s;
    if ((s = idx_read(labels_path, &lb, err))) {
        idx_clear(&im);
        return s;
    }
    if (im.ndims != 3)
        s = ncm_error_set(err, NCM_ERR_DATA,
                          "%s: image file has %d dimensions, expected 3 (n, rows, columns)",
                          images_path, im.ndims);
    else if (lb.ndims != 1)
        s = ncm_error_set(err, NCM_ERR_DATA, "%s: label file has %d dimensions, expected 1",
                          labels_path, lb.ndims);
    else if (lb.dims[0] != im.dims[0])
        s = ncm_error_set(err, NCM_ERR_DATA, "%s: %lld labels for %lld images in %s", labels_path,
                          (long long)lb.dims[0], (long long)im.dims[0], images_path);
    else
        s = check_labels(labels_path, lb.data, lb.dims[0], 10, err);
    if (s) {
        idx_clear(&im);
        idx_clear(&lb);
        return s;
    }
    out->n = im.dims[0];
    out->c = 1;
    out->h = (int)im.dims[1];
    out->w = (int)im.dims[2];
    out->n_classes = 10;
    out->pixels = im.data;
    out->labels = lb.data;
    return NCM_OK;
}

enum { CIFAR_PIXELS = 3 * 32 * 32, CIFAR_RECORD = 1 + CIFAR_PIXELS };

static ncm_status dataset_from_cifar(const char *const *paths, int n_paths, ncm_dataset *out,
                                     ncm_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t counts[16];
    if (n_paths < 1 || n_paths > 16)
        return ncm_error_set(err, NCM_ERR_ARG, "CIFAR-10: %d batch files (expected 1 to 16)",
                             n_paths);
    int64_t total = 0;
    for (int i = 0; i < n_paths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0)
            return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", paths[i], strerror(errno));
        if (st.st_size == 0 || st.st_size % CIFAR_RECORD != 0)
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: size %lld is not a whole number of %d-byte CIFAR-10 records",
                                 paths[i], (long long)st.st_size, CIFAR_RECORD);
        counts[i] = st.st_size / CIFAR_RECORD;
        total += counts[i];
    }
    out->pixels = malloc((size_t)(total * CIFAR_PIXELS));
    out->labels = malloc((size_t)total);
    uint8_t *rec = malloc(CIFAR_RECORD);
    ncm_status s = NCM_OK;
    if (!out->pixels || !out->labels || !rec) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "CIFAR-10: out of memory");
        goto done;
    }
    int64_t k = 0;
    for (int i = 0; i < n_paths && !s; i++) {
        FILE *fp = fopen(paths[i], "rb");
        if (!fp) {
            s = ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", paths[i], strerror(errno));
            break;
        }
        for (int64_t r = 0; r < counts[i]; r++, k++) {
            if (fread(rec, 1, CIFAR_RECORD, fp) != CIFAR_RECORD) {
                s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: truncated at record %lld", paths[i],
                                  (long long)r);
                break;
            }
            if (rec[0] >= 10) {
                s = ncm_error_set(err, NCM_ERR_DATA,
                                  "%s: label %d of record %lld is outside [0, 10)", paths[i],
                                  rec[0], (long long)r);
                break;
            }
            out->labels[k] = rec[0];
            memcpy(out->pixels + k * CIFAR_PIXELS, rec + 1, CIFAR_PIXELS);
        }
        fclose(fp);
    }
done:
    free(rec);
    if (s) {
        free(out->pixels);
        free(out->labels);
        memset(out, 0, sizeof *out);
        return s;
    }
    out->n = total;
    out->c = 3;
    out->h = out->w = 32;
    out->n_classes = 10;
    return NCM_OK;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first of `name` and `name.gz` that exists in dir, or "" if neither. */
static void find_idx(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
    if (exists(buf))
        return;
    snprintf(buf, n, "%s/%s.gz", dir, name);
    if (exists(buf))
        return;
    buf[0] = '\0';
}

static ncm_status dataset_load(const char *spec, int train, ncm_dataset *out, ncm_error *err)
{
    memset(out, 0, sizeof *out);
    const char *dir = spec;
    if (strcmp(spec, "fashion-mnist") == 0) {
        dir = getenv("NCM_FASHION_MNIST_DIR");
        if (!dir)
            dir = NCM_FASHION_MNIST_DIR;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (strcmp(spec, "fashion-mnist") == 0)
            return ncm_error_set(err, NCM_ERR_IO,
                                 "dataset fashion-mnist: %s not found (install the Debian package "
                                 "dataset-fashion-mnist, or name a folder of IDX files)",
                                 dir);
        return ncm_error_set(err, NCM_ERR_IO,
                             stat(dir, &st) == 0 ? "dataset %s: not a folder (expected a folder of "
                                                   "IDX or CIFAR-10 files)"
                                                 : "dataset %s: no such directory",
                             spec);
    }
    char img[4096], lab[4096];
    const char *prefix = train ? "train" : "t10k";
    char name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    find_idx(img, sizeof img, dir, name);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    find_idx(lab, sizeof lab, dir, name);
    if (img[0] && lab[0])
        return dataset_from_idx(img, lab, out, err);

    char cifar[5][4096];
    const char *paths[5];
    int n = 0;
    if (train) {
        for (int i = 1; i <= 5; i++) {
            snprintf(cifar[n], sizeof cifar[n], "%s/data_batch_%d.bin", dir, i);
            if (exists(cifar[n])) {
                paths[n] = cifar[n];
                n++;
            }
        }
    } else {
        snprintf(cifar[0], sizeof cifar[0], "%s/test_batch.bin", dir);
        if (exists(cifar[0]))
            paths[n++] = cifar[0];
    }
    if (n > 0)
        return dataset_from_cifar(paths, n, out, err);
    return ncm_error_set(err, NCM_ERR_IO,
                         "dataset %s: no %s set found (expected %s-images-idx3-ubyte[.gz] and "
                         "%s-labels-idx1-ubyte[.gz], or CIFAR-10 %s)",
                         spec, train ? "training" : "test", prefix, prefix,
                         train ? "data_batch_N.bin" : "test_batch.bin");
}

/* Moves a filled stack struct into a new heap one (NULL and *s = NCM_ERR_NOMEM on failure). */
static ncm_dataset *to_heap(ncm_dataset *d, ncm_status s, ncm_error *err)
{
    if (s)
        return NULL;
    ncm_dataset *h = malloc(sizeof *h);
    if (!h) {
        free(d->pixels);
        free(d->labels);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    *h = *d;
    return h;
}

ncm_dataset *ncm_dataset_read_idx(const char *images_path, const char *labels_path, ncm_error *err)
{
    ncm_dataset d;
    return to_heap(&d, dataset_from_idx(images_path, labels_path, &d, err), err);
}

ncm_dataset *ncm_dataset_read_cifar(const char *const *paths, int n_paths, ncm_error *err)
{
    ncm_dataset d;
    return to_heap(&d, dataset_from_cifar(paths, n_paths, &d, err), err);
}

ncm_dataset *ncm_dataset_load(const char *spec, int train, ncm_error *err)
{
    ncm_dataset d;
    return to_heap(&d, dataset_load(spec, train, &d, err), err);
}

/* The checks both array constructors make. */
static ncm_status check_shape(int64_t n, int c, int h, int w, int n_classes, const void *pixels,
                              const uint8_t *labels, ncm_error *err)
{
    if (n < 0 || n > NCM_IDX_MAX_BYTES)
        return ncm_error_set(err, NCM_ERR_ARG, "dataset n = %lld: expected 0 to %lld", (long long)n,
                             (long long)NCM_IDX_MAX_BYTES);
    if (c < 1 || c > 4096 || h < 1 || h > 4096 || w < 1 || w > 4096)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "dataset image shape %dx%dx%d: each of c, h, w must lie in [1, 4096]",
                             c, h, w);
    if (n_classes < 2 || n_classes > 256)
        return ncm_error_set(err, NCM_ERR_ARG, "dataset n_classes = %d: expected 2 to 256",
                             n_classes);
    if ((int64_t)c * h * w * n > NCM_IDX_MAX_BYTES)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "dataset of %lld images of %dx%dx%d: above %lld bytes", (long long)n,
                             c, h, w, (long long)NCM_IDX_MAX_BYTES);
    if (n > 0 && (!pixels || !labels))
        return ncm_error_set(err, NCM_ERR_ARG, "dataset: pixels or labels is NULL");
    return check_labels("dataset labels", labels, n, n_classes, err);
}

ncm_dataset *ncm_dataset_new(int64_t n, int c, int h, int w, int n_classes, const uint8_t *pixels,
                             const uint8_t *labels, ncm_error *err)
{
    if (check_shape(n, c, h, w, n_classes, pixels, labels, err))
        return NULL;
    ncm_dataset *d = calloc(1, sizeof *d);
    const size_t np = (size_t)n * (size_t)c * (size_t)h * (size_t)w;
    if (d) {
        d->pixels = malloc(np ? np : 1);
        d->labels = malloc(n ? (size_t)n : 1);
    }
    if (!d || !d->pixels || !d->labels) {
        ncm_dataset_free(d);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %lld images", (long long)n);
        return NULL;
    }
    if (np)
        memcpy(d->pixels, pixels, np);
    if (n)
        memcpy(d->labels, labels, (size_t)n);
    d->n = n, d->c = c, d->h = h, d->w = w, d->n_classes = n_classes;
    return d;
}

ncm_dataset *ncm_dataset_wrap(int64_t n, int c, int h, int w, int n_classes, uint8_t *pixels,
                              uint8_t *labels, ncm_error *err)
{
    if (check_shape(n, c, h, w, n_classes, pixels, labels, err))
        return NULL;
    ncm_dataset *d = calloc(1, sizeof *d);
    if (!d) {
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    d->n = n, d->c = c, d->h = h, d->w = w, d->n_classes = n_classes;
    d->pixels = pixels;
    d->labels = labels;
    d->borrowed = 1;
    return d;
}

void ncm_dataset_truncate(ncm_dataset *d, int64_t n)
{
    if (n >= 0 && n < d->n)
        d->n = n;
}

void ncm_dataset_free(ncm_dataset *d)
{
    if (!d)
        return;
    if (!d->borrowed) {
        free(d->pixels);
        free(d->labels);
    }
    free(d);
}
