/* Versioned, checksummed binary files (see include/nanocim/binfile.h). */
#include "util/binfile.h"

#include <stdlib.h>
#include <string.h>
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

ncm_status ncm_binfile_load(const char *path, const char magic[8], uint32_t max_version,
                            const char *what, uint8_t **data, ncm_rbuf *payload, uint32_t *version,
                            ncm_error *err)
{
    char *raw;
    size_t len;
    *data = NULL;
    ncm_status s = ncm_read_file(path, &raw, &len, err);
    if (s)
        return s;
    const uint8_t *p = (const uint8_t *)raw;
    if (len < 8 || memcmp(p, magic, 8) != 0) {
        free(raw);
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: not a nanocim %s file (bad magic)", path,
                             what);
    }
    if (len < HEAD + TAIL) {
        free(raw);
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: truncated %s file (%zu bytes)", path, what,
                             len);
    }
    ncm_rbuf h = {p + 8, HEAD - 8, 0, 0};
    uint32_t v = ncm_rbuf_u32(&h);
    uint64_t plen = ncm_rbuf_u64(&h);
    if (v > max_version || v == 0) {
        free(raw);
        return ncm_error_set(err, NCM_ERR_VERSION,
                             "%s: %s format version %u is not supported (this nanocim reads up to "
                             "version %u; a newer nanocim wrote it?)",
                             path, what, v, max_version);
    }
    if (plen != len - HEAD - TAIL) {
        free(raw);
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: %s file is %zu bytes, its header announces %llu (truncated or "
                             "damaged)",
                             path, what, len, (unsigned long long)(plen + HEAD + TAIL));
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
