/* Versioned, checksummed binary files (see include/nanocim/binfile.h). */
#include "util/binfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "util/io.h"

static void put(ncm_wbuf *b, const void *v, size_t n)
{
    if (b->oom || n == 0) /* n = 0: v may be NULL (an absent provenance string) */
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, v, n);
    b->len += n;
}

void ncm_wbuf_u32(ncm_wbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

void ncm_wbuf_u64(ncm_wbuf *b, uint64_t v)
{
    ncm_wbuf_u32(b, (uint32_t)v);
    ncm_wbuf_u32(b, (uint32_t)(v >> 32));
}

void ncm_wbuf_f32(ncm_wbuf *b, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        ncm_wbuf_u32(b, u);
    }
}

void ncm_wbuf_bytes(ncm_wbuf *b, const void *v, size_t n)
{
    put(b, v, n);
}

void ncm_wbuf_free(ncm_wbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static const uint8_t *take(ncm_rbuf *b, size_t n)
{
    if (b->short_read || n > b->len - b->pos) {
        b->short_read = 1;
        return NULL;
    }
    const uint8_t *p = b->p + b->pos;
    b->pos += n;
    return p;
}

uint32_t ncm_rbuf_u32(ncm_rbuf *b)
{
    const uint8_t *x = take(b, 4);
    if (!x)
        return 0;
    return (uint32_t)x[0] | ((uint32_t)x[1] << 8) | ((uint32_t)x[2] << 16) | ((uint32_t)x[3] << 24);
}

uint64_t ncm_rbuf_u64(ncm_rbuf *b)
{
    uint64_t lo = ncm_rbuf_u32(b);
    uint64_t v = lo | ((uint64_t)ncm_rbuf_u32(b) << 32);
    return b->short_read ? 0 : v;
}

void ncm_rbuf_f32(ncm_rbuf *b, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = ncm_rbuf_u32(b);
        memcpy(&v[i], &u, 4);
    }
}

void ncm_rbuf_bytes(ncm_rbuf *b, void *v, size_t n)
{
    const uint8_t *x = take(b, n);
    if (x)
        memcpy(v, x, n);
    else
        memset(v, 0, n);
}

enum { HEAD = 8 + 4 + 8, TAIL = 4 };

ncm_status ncm_binfile_save(const char *path, const char magic[8], uint32_t version,
                            const ncm_wbuf *payload, ncm_error *err)
{
    if (payload->oom)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory while encoding", path);
    ncm_wbuf head = {0};
    ncm_wbuf_bytes(&head, magic, 8);
    ncm_wbuf_u32(&head, version);
    ncm_wbuf_u64(&head, payload->len);
    if (head.oom) {
        ncm_wbuf_free(&head);
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32_z(crc, head.p, head.len);
    if (payload->len) /* zlib takes a NULL buffer as a request for the initial value */
        crc = crc32_z(crc, payload->p, payload->len);
    ncm_wbuf tail = {0};
    ncm_wbuf_u32(&tail, (uint32_t)crc);
    ncm_afile f;
    ncm_status s = ncm_afile_open(&f, path, err);
    if (!s) {
        fwrite(head.p, 1, head.len, f.fp);
        if (payload->len)
            fwrite(payload->p, 1, payload->len, f.fp);
        fwrite(tail.p, 1, tail.len, f.fp);
        s = ncm_afile_commit(&f, err);
    }
    ncm_wbuf_free(&head);
    ncm_wbuf_free(&tail);
    return s;
}

/* Appends up to `want` bytes of fp to the growing buffer *buf (capacity *cap, *n used, one
 * byte kept for a NUL), growing it only as data actually comes; stops at end of file, or (text
 * set) after a block that holds a NUL byte, whose offset goes to *nul. 0, or -1 when out of
 * memory. */
static int read_more_text(FILE *fp, char **buf, size_t *cap, size_t *n, size_t want, int text,
                          size_t *nul)
{
    while (want > 0) {
        if (*n + 1 >= *cap) {
            const size_t ncap = *cap ? 2 * *cap : 1 << 16;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return -1;
            *buf = nb;
            *cap = ncap;
        }
        size_t room = *cap - *n - 1;
        if (room > want)
            room = want;
        const size_t got = fread(*buf + *n, 1, room, fp);
        const char *z = text ? memchr(*buf + *n, '\0', got) : NULL;
        *n += got;
        want -= got;
        if (z) {
            *nul = (size_t)(z - *buf);
            break;
        }
        if (got < room)
            break;
    }
    return 0;
}

/* The same without the text check. */
static int read_more(FILE *fp, char **buf, size_t *cap, size_t *n, size_t want)
{
    return read_more_text(fp, buf, cap, n, want, 0, NULL);
}

/* Opens a file to read, refusing a folder; *st receives its status. */
static ncm_status open_checked(const char *path, const char *what, FILE **fp, struct stat *st,
                               ncm_error *err)
{
    *fp = NULL;
    if (stat(path, st) != 0)
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st->st_mode))
        return ncm_error_set(err, NCM_ERR_IO, "%s: is a folder, expected a %s file", path, what);
    if (!(*fp = fopen(path, "rb")))
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return NCM_OK;
}

ncm_status ncm_read_file_checked(const char *path, const void *magic, size_t n_magic, int text,
                                 size_t max_bytes, const char *what, char **data, size_t *len,
                                 ncm_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *fp;
    struct stat st;
    ncm_status s = open_checked(path, what, &fp, &st, err);
    if (s)
        return s;
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_bytes) {
        fclose(fp);
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: %jd bytes, more than the %zu a %s may have",
                             path, (intmax_t)st.st_size, max_bytes, what);
    }
    /* a regular file's buffer at its size at once (checked against max_bytes above) */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 0, n = 0;
    char *buf = cap ? malloc(cap) : NULL;
    int oom = cap && !buf;
    if (!oom)
        oom = read_more(fp, &buf, &cap, &n, magic ? n_magic : 0);
    if (!oom && magic && (n < n_magic || memcmp(buf, magic, n_magic) != 0))
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: not a %s (bad magic)", path, what);
    size_t nul = SIZE_MAX;
    if (!oom && !s && text && n && memchr(buf, '\0', n))
        nul = (size_t)((char *)memchr(buf, '\0', n) - buf);
    if (!oom && !s && nul == SIZE_MAX)
        oom = read_more_text(fp, &buf, &cap, &n, max_bytes + 1 - n, text, &nul);
    if (!oom && !s && nul != SIZE_MAX) {
        long long line = 1;
        for (size_t i = 0; i < nul; i++)
            line += buf[i] == '\n';
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: line %lld: NUL byte at byte %zu (not a text file)", path, line, nul);
    }
    if (!oom && !s && n > max_bytes)
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: more than the %zu bytes a %s may have", path,
                          max_bytes, what);
    if (!oom && !s && ferror(fp))
        s = ncm_error_set(err, NCM_ERR_IO, "%s: read error", path);
    fclose(fp);
    if (!oom && !buf) /* an empty file with no magic to check */
        oom = !(buf = malloc(1));
    if (oom)
        s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    if (s) {
        free(buf);
        return s;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return NCM_OK;
}

ncm_status ncm_binfile_load(const char *path, const char magic[8], uint32_t max_version,
                            const char *what, uint8_t **data, ncm_rbuf *payload, uint32_t *version,
                            ncm_error *err)
{
    *data = NULL;
    FILE *fp;
    struct stat fst;
    char kind[64];
    snprintf(kind, sizeof kind, "nanocim %s", what);
    ncm_status s = open_checked(path, kind, &fp, &fst, err);
    if (s)
        return s;
    /* The header first: the magic, the version and the announced length decide whether (and
     * how much) to read; a regular file's size must match before anything is allocated. */
    uint8_t head[HEAD];
    const size_t got = fread(head, 1, HEAD, fp);
    if (got < 8 || memcmp(head, magic, 8) != 0) {
        fclose(fp);
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: not a nanocim %s file (bad magic)", path,
                             what);
    }
    if (got < HEAD) {
        fclose(fp);
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: truncated %s file (%zu bytes)", path, what,
                             got);
    }
    ncm_rbuf h = {head + 8, HEAD - 8, 0, 0};
    uint32_t v = ncm_rbuf_u32(&h);
    uint64_t plen = ncm_rbuf_u64(&h);
    if (v > max_version || v == 0) {
        fclose(fp);
        return ncm_error_set(err, NCM_ERR_VERSION,
                             "%s: %s format version %u is not supported (this nanocim reads up to "
                             "version %u; a newer nanocim wrote it?)",
                             path, what, v, max_version);
    }
    const int regular = S_ISREG(fst.st_mode);
    if (plen > (uint64_t)SIZE_MAX - HEAD - TAIL - 1 ||
        (regular && (uint64_t)fst.st_size != plen + HEAD + TAIL)) {
        fclose(fp);
        if (regular)
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: %s file is %lld bytes, its header announces %llu (truncated "
                                 "or damaged)",
                                 path, what, (long long)fst.st_size,
                                 (unsigned long long)(plen + HEAD + TAIL));
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: %s file header announces %llu payload bytes (damaged)", path,
                             what, (unsigned long long)plen);
    }
    /* The rest, in blocks grown only as data comes (a pipe may hold less than announced). */
    size_t cap = regular ? (size_t)plen + HEAD + TAIL + 2 : 1 << 16, len = HEAD;
    char *raw = malloc(cap);
    int oom = !raw;
    if (!oom) {
        memcpy(raw, head, HEAD);
        oom = read_more(fp, &raw, &cap, &len, (size_t)plen + TAIL + 1);
    }
    const int rerr = ferror(fp);
    fclose(fp);
    if (oom || rerr) {
        free(raw);
        return oom ? ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path)
                   : ncm_error_set(err, NCM_ERR_IO, "%s: read error", path);
    }
    const uint8_t *p = (const uint8_t *)raw;
    if (len != plen + HEAD + TAIL) {
        free(raw);
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: %s file is %s%zu bytes, its header announces %llu (truncated or "
                             "damaged)",
                             path, what, len > plen + HEAD + TAIL ? "more than " : "", len,
                             (unsigned long long)(plen + HEAD + TAIL));
    }
    ncm_rbuf t = {p + len - TAIL, TAIL, 0, 0};
    uint32_t stored = ncm_rbuf_u32(&t);
    uint32_t crc = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), p, len - TAIL);
    if (crc != stored) {
        free(raw);
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: %s file checksum mismatch (stored %08x, computed %08x): the file "
                             "is corrupt",
                             path, what, stored, crc);
    }
    *data = (uint8_t *)raw;
    payload->p = p + HEAD;
    payload->len = (size_t)plen;
    payload->pos = 0;
    payload->short_read = 0;
    *version = v;
    return NCM_OK;
}
