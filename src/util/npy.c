/* NumPy .npy arrays and .npz (zip) archives: parsing, element access, writing (see npy.h).
 *
 * Everything read from a file is distrusted: the .npy header is parsed by a small tokenizer of
 * Python literals (never evaluated), every size is checked against the bytes actually present
 * before it is used, and products of dimensions are checked for overflow. */
#include "util/npy.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char NPY_MAGIC[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
enum { NPY_ALIGN = 64 }; /* numpy >= 1.14 aligns the data of what it writes to 64 bytes */
/* Largest .npy or .npz file read whole: 64 GiB, above the int8 weights of any model nanocim
 * builds; the bound matters for pipes, which have no size to check before reading. */
#define NCM_NPY_FILE_MAX_BYTES ((size_t)1 << 36)

/* ---- little-endian fields ----------------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> 8 * k);
}

static int host_big_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 0;
}

/* ---- .npy header -------------------------------------------------------------------------- */

typedef struct {
    const char *p, *end;
} lexer;

static void skip_ws(lexer *x)
{
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
        x->p++;
}

static int accept(lexer *x, char c)
{
    skip_ws(x);
    if (x->p < x->end && *x->p == c) {
        x->p++;
        return 1;
    }
    return 0;
}

/* Up to 20 characters of the header from the current position, for a one-line message (the
 * header is not NUL-terminated and may hold any byte). */
static const char *near_text(const lexer *x, char buf[24])
{
    int k = 0;
    for (const char *p = x->p; p < x->end && k < 20 && *p != '\n'; p++)
        buf[k++] = *p >= ' ' && *p <= '~' ? *p : '?';
    buf[k] = '\0';
    return buf;
}

/* A Python string literal in single or double quotes; escapes keep the escaped character. */
static int lex_string(lexer *x, char *out, size_t n)
{
    skip_ws(x);
    if (x->p >= x->end || (*x->p != '\'' && *x->p != '"'))
        return -1;
    const char q = *x->p++;
    size_t k = 0;
    while (x->p < x->end && *x->p != q) {
        char c = *x->p++;
        if (c == '\\') {
            if (x->p >= x->end)
                return -1;
            c = *x->p++;
        }
        if (c == '\n' || k + 1 >= n)
            return -1;
        out[k++] = c;
    }
    if (x->p >= x->end)
        return -1;
    x->p++;
    out[k] = '\0';
    return 0;
}

/* A bare word (True, False). */
static int lex_word(lexer *x, char *out, size_t n)
{
    skip_ws(x);
    size_t k = 0;
    while (x->p < x->end && ((*x->p >= 'A' && *x->p <= 'Z') || (*x->p >= 'a' && *x->p <= 'z'))) {
        if (k + 1 >= n)
            return -1;
        out[k++] = *x->p++;
    }
    out[k] = '\0';
    return k ? 0 : -1;
}

/* A non-negative decimal integer (Python 2's long suffix L allowed), at most INT64_MAX. */
static int lex_dim(lexer *x, int64_t *v)
{
    skip_ws(x);
    if (x->p >= x->end || *x->p < '0' || *x->p > '9')
        return -1;
    int64_t r = 0;
    while (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
        int d = *x->p++ - '0';
        if (r > (INT64_MAX - d) / 10)
            return -1;
        r = r * 10 + d;
    }
    if (x->p < x->end && (*x->p == 'L' || *x->p == 'l'))
        x->p++;
    *v = r;
    return 0;
}

/* A dtype string as numpy's dtype.str writes it: byte order, kind, size ("<i4", "|b1", "<U13"). */
static ncm_status parse_descr(const char *d, const char *name, ncm_npy *a, ncm_error *err)
{
    const char *p = d;
    a->big_endian = host_big_endian();
    if (*p == '<' || *p == '>' || *p == '|' || *p == '=') {
        if (*p == '<')
            a->big_endian = 0;
        else if (*p == '>')
            a->big_endian = 1;
        p++;
    }
    char kind = *p ? *p++ : '\0';
    int has_size = *p >= '0' && *p <= '9';
    long size = 0;
    while (*p >= '0' && *p <= '9' && size < 1L << 28)
        size = size * 10 + (*p++ - '0');
    if (kind == 'O')
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: dtype '%s': object arrays (pickles) are not supported", name, d);
    if (kind == '?')
        kind = 'b', size = 1, has_size = 1;
    int ok = *p == '\0' && has_size;
    switch (kind) {
    case 'b': ok &= size == 1; break;
    case 'i':
    case 'u': ok &= size == 1 || size == 2 || size == 4 || size == 8; break;
    case 'f': ok &= size == 2 || size == 4 || size == 8; break;
    case 'U':
        ok &= size < 1L << 28;
        size *= 4;
        break;
    case 'S': ok &= size < 1L << 28; break;
    default: ok = 0;
    }
    if (!ok)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: dtype '%s' is not supported (expected bool, a signed or unsigned "
                             "integer, float16/32/64 or a string)",
                             name, d);
    a->kind = kind;
    a->itemsize = (int)size;
    return NCM_OK;
}

/* The header dict: exactly the keys descr, fortran_order and shape, in any order. */
static ncm_status parse_header(const char *h, size_t hlen, const char *name, ncm_npy *a,
                               ncm_error *err)
{
    lexer x = {h, h + hlen};
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
    char key[64], val[64], near[24];
    if (!accept(&x, '{'))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: .npy header is not a dict literal", name);
    while (!accept(&x, '}')) {
        if (lex_string(&x, key, sizeof key) || !accept(&x, ':'))
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: .npy header: malformed dict near \"%s\"",
                                 name, near_text(&x, near));
        if (!strcmp(key, "descr")) {
            skip_ws(&x);
            if (x.p < x.end && *x.p == '[')
                return ncm_error_set(err, NCM_ERR_FORMAT,
                                     "%s: structured dtype (a list descr) is not supported", name);
            if (seen_descr++ || lex_string(&x, val, sizeof val))
                return ncm_error_set(err, NCM_ERR_FORMAT, "%s: .npy header: bad 'descr'", name);
            ncm_status s = parse_descr(val, name, a, err);
            if (s)
                return s;
        } else if (!strcmp(key, "fortran_order")) {
            if (seen_fortran++ || lex_word(&x, val, sizeof val) ||
                (strcmp(val, "True") && strcmp(val, "False")))
                return ncm_error_set(err, NCM_ERR_FORMAT,
                                     "%s: .npy header: 'fortran_order' is not True or False", name);
            a->fortran = !strcmp(val, "True");
        } else if (!strcmp(key, "shape")) {
            if (seen_shape++ || !accept(&x, '('))
                return ncm_error_set(err, NCM_ERR_FORMAT, "%s: .npy header: 'shape' is not a tuple",
                                     name);
            a->ndim = 0;
            while (!accept(&x, ')')) {
                if (a->ndim >= NCM_NPY_MAXDIM || lex_dim(&x, &a->shape[a->ndim]))
                    return ncm_error_set(err, NCM_ERR_FORMAT,
                                         "%s: .npy header: 'shape' is not a tuple of at most %d "
                                         "non-negative integers",
                                         name, NCM_NPY_MAXDIM);
                a->ndim++;
                if (!accept(&x, ',')) {
                    if (!accept(&x, ')'))
                        return ncm_error_set(err, NCM_ERR_FORMAT,
                                             "%s: .npy header: malformed 'shape'", name);
                    break;
                }
            }
        } else {
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: .npy header: unexpected key '%s'", name,
                                 key);
        }
        if (!accept(&x, ',')) {
            if (!accept(&x, '}'))
                return ncm_error_set(err, NCM_ERR_FORMAT,
                                     "%s: .npy header: malformed dict near \"%s\"", name,
                                     near_text(&x, near));
            break;
        }
    }
    skip_ws(&x);
    if (x.p != x.end)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: .npy header: text after the dict", name);
    if (!seen_descr || !seen_fortran || !seen_shape)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: .npy header lacks '%s'", name,
                             !seen_descr     ? "descr"
                             : !seen_fortran ? "fortran_order"
                                             : "shape");
    return NCM_OK;
}

ncm_status ncm_npy_parse(const uint8_t *buf, size_t len, const char *name, ncm_npy *a,
                         ncm_error *err)
{
    memset(a, 0, sizeof *a);
    if (len < 10 || memcmp(buf, NPY_MAGIC, 6) != 0)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: not a .npy array (bad magic)", name);
    const int major = buf[6], minor = buf[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: .npy format version %d.%d is not supported (1.0, 2.0 or 3.0)",
                             name, major, minor);
    size_t start = major == 1 ? 10 : 12;
    if (len < start)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: truncated .npy header", name);
    uint64_t hlen = major == 1 ? rd16(buf + 8) : rd32(buf + 8);
    if (hlen > len - start)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: .npy header of %llu bytes runs past the end (%zu bytes)", name,
                             (unsigned long long)hlen, len);
    const char *h = (const char *)buf + start;
    /* Latin-1 (1.0, 2.0) or UTF-8 (3.0): the keys and values we accept are ASCII either way. */
    ncm_status s = parse_header(h, (size_t)hlen, name, a, err);
    if (s)
        return s;
    a->version = major;
    int64_t count = 1;
    for (int k = 0; k < a->ndim; k++) {
        if (a->shape[k] == 0) {
            count = 0;
            break;
        }
    }
    for (int k = 0; count && k < a->ndim; k++) {
        if (count > INT64_MAX / a->shape[k])
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: shape too large", name);
        count *= a->shape[k];
    }
    const size_t data_len = len - start - (size_t)hlen;
    char shp[256];
    if (a->itemsize && (uint64_t)count > (uint64_t)data_len / (uint64_t)a->itemsize + 1) {
        ncm_npy_shape_str(a->ndim, a->shape, shp, sizeof shp);
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: truncated: shape %s needs more than the %zu bytes of data", name,
                             shp, data_len);
    }
    if ((uint64_t)count * (uint64_t)a->itemsize != data_len) {
        ncm_npy_shape_str(a->ndim, a->shape, shp, sizeof shp);
        return ncm_error_set(
            err, NCM_ERR_FORMAT, "%s: %zu bytes of data, shape %s of %d-byte elements needs %llu%s",
            name, data_len, shp, a->itemsize,
            (unsigned long long)count * (unsigned long long)a->itemsize,
            (uint64_t)count * (uint64_t)a->itemsize > data_len ? " (truncated)" : "");
    }
    a->count = count;
    a->data = buf + start + hlen;
    return NCM_OK;
}

void ncm_npy_release(ncm_npy *a)
{
    free(a->owned);
    memset(a, 0, sizeof *a);
}

/* ---- elements ----------------------------------------------------------------------------- */

/* Offset in elements of element i (C order) in the array's storage order. */
static int64_t storage_index(const ncm_npy *a, int64_t i)
{
    if (!a->fortran || a->ndim < 2)
        return i;
    int64_t idx[NCM_NPY_MAXDIM];
    for (int k = a->ndim - 1; k >= 0; k--) {
        idx[k] = i % a->shape[k];
        i /= a->shape[k];
    }
    int64_t off = 0, stride = 1;
    for (int k = 0; k < a->ndim; k++) {
        off += idx[k] * stride;
        stride *= a->shape[k];
    }
    return off;
}

static uint64_t load_bits(const ncm_npy *a, int64_t i)
{
    const uint8_t *p = a->data + storage_index(a, i) * a->itemsize;
    uint64_t v = 0;
    for (int k = 0; k < a->itemsize; k++)
        v |= (uint64_t)p[a->big_endian ? a->itemsize - 1 - k : k] << 8 * k;
    return v;
}

/* IEEE binary16 to double (exact). */
static double half_to_double(uint16_t h)
{
    const int e = h >> 10 & 0x1f, f = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp(f, -24);
    else if (e == 31)
        v = f ? NAN : INFINITY;
    else
        v = ldexp(f + 1024, e - 25);
    return h & 0x8000 ? -v : v;
}

static double bits_to_double(const ncm_npy *a, uint64_t v)
{
    if (a->itemsize == 2)
        return half_to_double((uint16_t)v);
    if (a->itemsize == 4) {
        float f;
        uint32_t u = (uint32_t)v;
        memcpy(&f, &u, 4);
        return f;
    }
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static int64_t sign_extend(uint64_t v, int size)
{
    if (size < 8 && v >> (8 * size - 1) & 1)
        v |= ~0ull << 8 * size;
    int64_t r;
    memcpy(&r, &v, 8);
    return r;
}

int ncm_npy_get_int(const ncm_npy *a, int64_t i, int64_t *v)
{
    *v = 0;
    if (a->kind != 'b' && a->kind != 'i' && a->kind != 'u' && a->kind != 'f')
        return NCM_NPY_INT_KIND;
    const uint64_t bits = load_bits(a, i);
    if (a->kind == 'b') {
        *v = bits != 0;
    } else if (a->kind == 'i') {
        *v = sign_extend(bits, a->itemsize);
    } else if (a->kind == 'u') {
        if (bits > INT64_MAX)
            return NCM_NPY_INT_RANGE;
        *v = (int64_t)bits;
    } else {
        const double d = bits_to_double(a, bits);
        if (isnan(d))
            return NCM_NPY_INT_NAN;
        if (!(d >= -0x1p63 && d < 0x1p63))
            return NCM_NPY_INT_RANGE;
        if (d != floor(d))
            return NCM_NPY_INT_FRACTION;
        *v = (int64_t)d;
    }
    return NCM_NPY_INT_OK;
}

double ncm_npy_get_double(const ncm_npy *a, int64_t i)
{
    if (a->kind != 'b' && a->kind != 'i' && a->kind != 'u' && a->kind != 'f')
        return NAN;
    const uint64_t bits = load_bits(a, i);
    switch (a->kind) {
    case 'b': return bits != 0;
    case 'i': return (double)sign_extend(bits, a->itemsize);
    case 'u': return (double)bits;
    default: return bits_to_double(a, bits);
    }
}

/* Appends the UTF-8 encoding of code point c to out (room for 4 bytes assumed). */
static size_t utf8_put(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3f));
    out[2] = (char)(0x80 | (c >> 6 & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

ncm_status ncm_npy_get_string(const ncm_npy *a, const char *name, char **out, ncm_error *err)
{
    *out = NULL;
    char dt[64];
    ncm_npy_dtype_str(a, dt, sizeof dt);
    if (a->kind != 'U' && a->kind != 'S')
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: dtype %s, expected a string", name, dt);
    if (a->count != 1) {
        char shp[256];
        ncm_npy_shape_str(a->ndim, a->shape, shp, sizeof shp);
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: shape %s, expected a single string", name,
                             shp);
    }
    const size_t chars = a->kind == 'U' ? (size_t)a->itemsize / 4 : (size_t)a->itemsize;
    char *s = malloc(chars * 4 + 1);
    if (!s)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", name);
    size_t n = 0;
    for (size_t k = 0; k < chars; k++) {
        if (a->kind == 'S') {
            if (!a->data[k])
                break;
            s[n++] = (char)a->data[k];
            continue;
        }
        const uint8_t *p = a->data + 4 * k;
        const uint32_t c = a->big_endian ? (uint32_t)p[3] | (uint32_t)p[2] << 8 |
                                               (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24
                                         : rd32(p);
        if (!c)
            break;
        if (c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) {
            free(s);
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: character %zu is not a valid code point (0x%x)", name, k,
                                 (unsigned)c);
        }
        n += utf8_put(c, s + n);
    }
    s[n] = '\0';
    *out = s;
    return NCM_OK;
}

void ncm_npy_shape_str(int ndim, const int64_t *shape, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (k < n)
        snprintf(buf + k, n - k, "%s)", ndim == 1 ? "," : "");
}

void ncm_npy_index_str(const ncm_npy *a, int64_t i, char *buf, size_t n)
{
    int64_t idx[NCM_NPY_MAXDIM];
    for (int k = a->ndim - 1; k >= 0; k--) {
        idx[k] = a->shape[k] ? i % a->shape[k] : 0;
        i = a->shape[k] ? i / a->shape[k] : 0;
    }
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < a->ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? ", " : "", (long long)idx[d]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

void ncm_npy_dtype_str(const ncm_npy *a, char *buf, size_t n)
{
    if (a->kind == 'U' || a->kind == 'S') {
        snprintf(buf, n, "%c%c%d",
                 a->kind == 'S'  ? '|'
                 : a->big_endian ? '>'
                                 : '<',
                 a->kind, a->kind == 'U' ? a->itemsize / 4 : a->itemsize);
    } else if (a->kind == 'b') {
        snprintf(buf, n, "bool");
    } else if (a->big_endian && a->itemsize > 1) {
        snprintf(buf, n, ">%c%d", a->kind, a->itemsize);
    } else {
        snprintf(buf, n, "%s%d",
                 a->kind == 'i'   ? "int"
                 : a->kind == 'u' ? "uint"
                                  : "float",
                 8 * a->itemsize);
    }
}

/* ---- writing .npy ------------------------------------------------------------------------- */

static void put_header(ncm_wbuf *w, const char *descr, int ndim, const int64_t *shape)
{
    char shp[64 * NCM_NPY_MAXDIM], dict[128 + sizeof shp];
    ncm_npy_shape_str(ndim, shape, shp, sizeof shp);
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     descr, shp);
    /* spaces, then '\n', so that magic + version + length + header is a multiple of 64 */
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (NPY_ALIGN - total % NPY_ALIGN) % NPY_ALIGN;
    uint8_t head[10];
    memcpy(head, NPY_MAGIC, 6);
    head[6] = 1, head[7] = 0;
    put16(head + 8, (uint16_t)(n + pad + 1));
    ncm_wbuf_bytes(w, head, 10);
    ncm_wbuf_bytes(w, dict, (size_t)n);
    for (size_t k = 0; k < pad; k++)
        ncm_wbuf_bytes(w, " ", 1);
    ncm_wbuf_bytes(w, "\n", 1);
}

void ncm_npy_encode(ncm_wbuf *w, char kind, int itemsize, int ndim, const int64_t *shape,
                    const void *data)
{
    char descr[8];
    snprintf(descr, sizeof descr, "%c%c%d", itemsize == 1 ? '|' : '<', kind, itemsize);
    put_header(w, descr, ndim, shape);
    int64_t count = 1;
    for (int d = 0; d < ndim; d++)
        count *= shape[d];
    if (!host_big_endian()) {
        ncm_wbuf_bytes(w, data, (size_t)count * (size_t)itemsize);
        return;
    }
    const uint8_t *p = data;
    for (int64_t i = 0; i < count; i++, p += itemsize)
        for (int k = itemsize - 1; k >= 0; k--)
            ncm_wbuf_bytes(w, p + k, 1);
}

/* Next code point of UTF-8 text at *s (advanced); invalid or overlong sequences, surrogates and
 * values past U+10FFFF give U+FFFD and consume one byte. */
static uint32_t utf8_next(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = p[0];
    int n = c < 0x80             ? 0
            : (c & 0xe0) == 0xc0 ? 1
            : (c & 0xf0) == 0xe0 ? 2
            : (c & 0xf8) == 0xf0 ? 3
                                 : -1;
    if (n < 0) {
        *s = p + 1;
        return 0xfffd;
    }
    c &= n ? 0x3fu >> n : 0x7fu;
    for (int k = 1; k <= n; k++) {
        if ((p[k] & 0xc0) != 0x80) {
            *s = p + 1;
            return 0xfffd;
        }
        c = c << 6 | (p[k] & 0x3f);
    }
    static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) {
        *s = p + 1;
        return 0xfffd;
    }
    *s = p + 1 + n;
    return c;
}

void ncm_npy_encode_string(ncm_wbuf *w, const char *s)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; chars++)
        utf8_next(&p);
    char descr[32];
    snprintf(descr, sizeof descr, "<U%zu", chars ? chars : 1); /* numpy's '' is '<U1' */
    put_header(w, descr, 0, NULL);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint8_t b[4];
        put32(b, utf8_next(&p));
        ncm_wbuf_bytes(w, b, 4);
    }
    if (!chars)
        ncm_wbuf_bytes(w, "\0\0\0\0", 4);
}

ncm_status ncm_npy_read_file(const char *path, ncm_npy *a, ncm_error *err)
{
    memset(a, 0, sizeof *a);
    char *buf;
    size_t len;
    ncm_status s = ncm_read_file_checked(path, "\x93NUMPY", 6, 0, NCM_NPY_FILE_MAX_BYTES,
                                         ".npy array", &buf, &len, err);
    if (s)
        return s;
    if ((s = ncm_npy_parse((const uint8_t *)buf, len, path, a, err))) {
        free(buf);
        return s;
    }
    a->owned = (uint8_t *)buf;
    return NCM_OK;
}

ncm_status ncm_npy_write_file(const char *path, const ncm_wbuf *npy, ncm_error *err)
{
    if (npy->oom)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    ncm_afile f;
    ncm_status s = ncm_afile_open(&f, path, err);
    if (s)
        return s;
    if (fwrite(npy->p, 1, npy->len, f.fp) != npy->len) {
        ncm_afile_abort(&f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: write failed", path);
    }
    return ncm_afile_commit(&f, err);
}

/* ---- reading zip archives ----------------------------------------------------------------- */

enum {
    SIG_LOCAL = 0x04034b50,
    SIG_CENTRAL = 0x02014b50,
    SIG_END = 0x06054b50,
    SIG_END64 = 0x06064b50,
    SIG_LOC64 = 0x07064b50,
    LOCAL_LEN = 30,
    CENTRAL_LEN = 46,
    END_LEN = 22,
    END64_LEN = 56,
    LOC64_LEN = 20,
    FLAG_ENCRYPTED = 1,
    FLAG_STRONG_ENCRYPTION = 1 << 6,
};

void ncm_zip_close(ncm_zip *z)
{
    for (int i = 0; z->entry && i < z->n; i++)
        free(z->entry[i].name);
    free(z->entry);
    free(z->data);
    free(z->path);
    memset(z, 0, sizeof *z);
}

static int cmp_names(const void *x, const void *y)
{
    const ncm_zip_entry *const *a = x, *const *b = y;
    return strcmp((*a)->name, (*b)->name);
}

/* The ZIP64 extra field (id 1) of a central directory entry replaces, in this order, each of
 * the uncompressed size, compressed size and local header offset whose 32-bit field is
 * 0xFFFFFFFF (APPNOTE 4.5.3). */
static int apply_zip64_extra(const uint8_t *x, size_t n, ncm_zip_entry *e, int need_u, int need_c,
                             int need_o)
{
    while (n >= 4) {
        const uint16_t id = rd16(x), sz = rd16(x + 2);
        if ((size_t)sz > n - 4)
            return -1;
        if (id == 1) {
            const uint8_t *q = x + 4;
            size_t left = sz;
            uint64_t *field[3] = {&e->usize, &e->csize, &e->offset};
            const int need[3] = {need_u, need_c, need_o};
            for (int k = 0; k < 3; k++) {
                if (!need[k])
                    continue;
                if (left < 8)
                    return -1;
                *field[k] = rd64(q);
                q += 8;
                left -= 8;
            }
            return 0;
        }
        x += 4 + sz;
        n -= 4 + (size_t)sz;
    }
    return need_u || need_c || need_o ? -1 : 0;
}

ncm_status ncm_zip_open_mem(const char *label, uint8_t *data, size_t len, ncm_zip *z,
                            ncm_error *err)
{
    memset(z, 0, sizeof *z);
    z->data = data;
    z->len = len;
    z->path = strdup(label);
    if (!z->path) {
        ncm_zip_close(z);
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", label);
    }
    ncm_status s = NCM_OK;
    const char *P = z->path;
    /* The end of central directory record: the last 22 bytes, or further back by a comment of
     * up to 65535 bytes. */
    size_t end = SIZE_MAX;
    if (len >= END_LEN) {
        size_t lo = len - END_LEN > 65535 ? len - END_LEN - 65535 : 0;
        for (size_t p = len - END_LEN + 1; p-- > lo;)
            if (rd32(data + p) == SIG_END && p + END_LEN + rd16(data + p + 20) <= len) {
                end = p;
                break;
            }
    }
    if (end == SIZE_MAX) {
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: not a zip archive, or truncated (no end of central directory)", P);
        goto fail;
    }
    const uint8_t *E = data + end;
    uint64_t disk = rd16(E + 4), cd_disk = rd16(E + 6), n_disk = rd16(E + 8), n = rd16(E + 10);
    uint64_t cd_size = rd32(E + 12), cd_off = rd32(E + 16), cd_limit = end;
    if (end >= LOC64_LEN && rd32(data + end - LOC64_LEN) == SIG_LOC64) {
        const uint64_t off64 = rd64(data + end - LOC64_LEN + 8);
        if (off64 > end - LOC64_LEN || end - LOC64_LEN - off64 < END64_LEN ||
            rd32(data + off64) != SIG_END64) {
            s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: bad ZIP64 end of central directory", P);
            goto fail;
        }
        const uint8_t *E64 = data + off64;
        disk = rd32(E64 + 16), cd_disk = rd32(E64 + 20), n_disk = rd64(E64 + 24);
        n = rd64(E64 + 32), cd_size = rd64(E64 + 40), cd_off = rd64(E64 + 48);
        cd_limit = off64;
    }
    if (disk || cd_disk || n_disk != n) {
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: multi-disk zip archives are not supported", P);
        goto fail;
    }
    if (cd_off > cd_limit || cd_size > cd_limit - cd_off) {
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: central directory (%llu bytes at %llu) lies outside the archive of "
                          "%zu bytes (truncated?)",
                          P, (unsigned long long)cd_size, (unsigned long long)cd_off, len);
        goto fail;
    }
    if (n > cd_size / CENTRAL_LEN || n > INT_MAX) {
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: central directory of %llu bytes cannot hold %llu entries", P,
                          (unsigned long long)cd_size, (unsigned long long)n);
        goto fail;
    }
    z->entry = calloc(n ? (size_t)n : 1, sizeof *z->entry);
    if (!z->entry) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", P);
        goto fail;
    }
    size_t pos = (size_t)cd_off;
    const size_t cd_end = (size_t)(cd_off + cd_size);
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *C = data + pos;
        if (cd_end - pos < CENTRAL_LEN || rd32(C) != SIG_CENTRAL) {
            s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: central directory entry %llu is corrupt", P,
                              (unsigned long long)i);
            goto fail;
        }
        const size_t nlen = rd16(C + 28), elen = rd16(C + 30), clen = rd16(C + 32);
        if (cd_end - pos - CENTRAL_LEN < nlen + elen + clen) {
            s = ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: central directory entry %llu runs past the directory", P,
                              (unsigned long long)i);
            goto fail;
        }
        ncm_zip_entry *e = &z->entry[z->n];
        if (!(e->name = malloc(nlen + 1))) {
            s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", P);
            goto fail;
        }
        z->n++;
        memcpy(e->name, C + CENTRAL_LEN, nlen);
        e->name[nlen] = '\0';
        e->flags = rd16(C + 8);
        e->method = rd16(C + 10);
        e->crc = rd32(C + 16);
        e->csize = rd32(C + 20);
        e->usize = rd32(C + 24);
        e->offset = rd32(C + 42);
        if (strlen(e->name) != nlen) {
            s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: member name with a NUL byte", P);
            goto fail;
        }
        if (apply_zip64_extra(C + CENTRAL_LEN + nlen, elen, e, e->usize == 0xffffffff,
                              e->csize == 0xffffffff, e->offset == 0xffffffff)) {
            s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: member %s: bad ZIP64 extra field", P,
                              e->name);
            goto fail;
        }
        if (e->flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
            s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: member %s is encrypted (not supported)", P,
                              e->name);
            goto fail;
        }
        if (e->method != 0 && e->method != 8) {
            s = ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: member %s: compression method %d is not supported (stored or "
                              "deflate only)",
                              P, e->name, e->method);
            goto fail;
        }
        if (e->method == 0 && e->csize != e->usize) {
            s = ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: member %s is stored with %llu bytes but announces %llu", P,
                              e->name, (unsigned long long)e->csize, (unsigned long long)e->usize);
            goto fail;
        }
        /* The local header and the data precede the central directory. */
        if (e->offset > cd_off || cd_off - e->offset < LOCAL_LEN + nlen ||
            e->csize > cd_off - e->offset - LOCAL_LEN - nlen) {
            s = ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: member %s announces %llu bytes at offset %llu, past the end of "
                              "its data (archive of %zu bytes)",
                              P, e->name, (unsigned long long)e->csize,
                              (unsigned long long)e->offset, len);
            goto fail;
        }
        pos += CENTRAL_LEN + nlen + elen + clen;
    }
    /* Duplicate names: sorted, in O(n log n) whatever the archive holds. */
    if (z->n > 1) {
        const ncm_zip_entry **v = malloc((size_t)z->n * sizeof *v);
        if (!v) {
            s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", P);
            goto fail;
        }
        for (int i = 0; i < z->n; i++)
            v[i] = &z->entry[i];
        qsort(v, (size_t)z->n, sizeof *v, cmp_names);
        const char *dup = NULL;
        for (int i = 1; i < z->n && !dup; i++)
            if (!strcmp(v[i - 1]->name, v[i]->name))
                dup = v[i]->name;
        if (dup)
            s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: member %s appears twice", P, dup);
        free(v);
        if (s)
            goto fail;
    }
    return NCM_OK;
fail:
    ncm_zip_close(z);
    return s;
}

ncm_status ncm_zip_open(const char *path, ncm_zip *z, ncm_error *err)
{
    memset(z, 0, sizeof *z);
    char *data;
    size_t len;
    ncm_status s = ncm_read_file_checked(path, "PK", 2, 0, NCM_NPY_FILE_MAX_BYTES, "zip archive",
                                         &data, &len, err);
    if (s)
        return s;
    return ncm_zip_open_mem(path, (uint8_t *)data, len, z, err);
}

int ncm_zip_find(const ncm_zip *z, const char *name)
{
    for (int i = 0; i < z->n; i++)
        if (!strcmp(z->entry[i].name, name))
            return i;
    return -1;
}

static uint32_t crc_of(const uint8_t *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n) {
        const uInt k = n > (1u << 30) ? 1u << 30 : (uInt)n;
        crc = crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)crc;
}

/* Raw deflate (windowBits -15, as zip stores it) of in[0..n) into a buffer that grows as the
 * output actually arrives, to at most usize + 1 bytes (one more than announced, to notice a
 * stream that inflates to more). */
static ncm_status inflate_member(const ncm_zip *z, const ncm_zip_entry *e, const uint8_t *in,
                                 uint8_t **out, ncm_error *err)
{
    *out = NULL;
    z_stream st;
    memset(&st, 0, sizeof st);
    if (inflateInit2(&st, -15) != Z_OK)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: member %s: cannot start inflate", z->path,
                             e->name);
    const uint64_t limit = e->usize + 1;
    uint64_t cap = e->csize * 4 + 4096;
    cap = cap < limit ? cap : limit;
    uint8_t *buf = malloc((size_t)cap);
    uint64_t in_left = e->csize, got = 0;
    ncm_status s = NCM_OK;
    int rc = Z_OK;
    st.next_in = (Bytef *)in;
    while (buf) {
        if (got == cap) {
            if (cap == limit)
                break;
            uint64_t ncap = cap * 2 < limit ? cap * 2 : limit;
            uint8_t *nb = realloc(buf, (size_t)ncap);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb, cap = ncap;
        }
        if (!st.avail_in && in_left) {
            st.avail_in = in_left > (1u << 30) ? 1u << 30 : (uInt)in_left;
            in_left -= st.avail_in;
        }
        const uint64_t room = cap - got;
        st.next_out = buf + got;
        st.avail_out = room > (1u << 30) ? 1u << 30 : (uInt)room;
        const uInt before = st.avail_out;
        rc = inflate(&st, Z_NO_FLUSH);
        got += before - st.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc == Z_BUF_ERROR && !st.avail_in && !in_left)
            break; /* input used up before the end of the stream */
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            break;
    }
    if (!buf)
        s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: member %s: out of memory", z->path, e->name);
    else if (got > e->usize)
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: member %s inflates to more than its announced %llu bytes", z->path,
                          e->name, (unsigned long long)e->usize);
    else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR || rc == Z_MEM_ERROR)
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: member %s: corrupt deflate data (%s)", z->path,
                          e->name, st.msg ? st.msg : "zlib error");
    else if (rc != Z_STREAM_END)
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: member %s: truncated deflate data", z->path,
                          e->name);
    else if (got != e->usize)
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: member %s inflates to %llu bytes, its header announces %llu",
                          z->path, e->name, (unsigned long long)got, (unsigned long long)e->usize);
    inflateEnd(&st);
    if (s) {
        free(buf);
        return s;
    }
    *out = buf;
    return NCM_OK;
}

ncm_status ncm_zip_read(const ncm_zip *z, int i, uint64_t max_size, const uint8_t **out,
                        size_t *len, uint8_t **owned, ncm_error *err)
{
    *out = NULL, *len = 0, *owned = NULL;
    const ncm_zip_entry *e = &z->entry[i];
    if (e->usize > max_size)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: member %s announces %llu bytes, more than the %llu it may hold",
                             z->path, e->name, (unsigned long long)e->usize,
                             (unsigned long long)max_size);
    if (e->usize > SIZE_MAX - 1)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: member %s: too large", z->path, e->name);
    /* Offsets were checked against the central directory's position when it was read. */
    const uint8_t *L = z->data + e->offset;
    if (rd32(L) != SIG_LOCAL)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: member %s: bad local header", z->path,
                             e->name);
    const size_t nlen = rd16(L + 26), elen = rd16(L + 28), name_len = strlen(e->name);
    if (nlen != name_len || memcmp(L + LOCAL_LEN, e->name, nlen) != 0)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: member %s: its local header names another file", z->path,
                             e->name);
    const uint64_t data_off = e->offset + LOCAL_LEN + nlen + elen;
    if (data_off > z->len || e->csize > z->len - data_off)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: member %s: %llu bytes at offset %llu run past the end of the "
                             "archive (%zu bytes)",
                             z->path, e->name, (unsigned long long)e->csize,
                             (unsigned long long)data_off, z->len);
    if (rd16(L + 6) & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: member %s is encrypted (not supported)",
                             z->path, e->name);
    const uint8_t *d = z->data + data_off;
    uint8_t *buf = NULL;
    if (e->method == 8) {
        ncm_status s = inflate_member(z, e, d, &buf, err);
        if (s)
            return s;
        d = buf;
    }
    const uint32_t crc = crc_of(d, (size_t)e->usize);
    if (crc != e->crc) {
        free(buf);
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: member %s: CRC-32 mismatch (data 0x%08x, header 0x%08x): the "
                             "archive is corrupt",
                             z->path, e->name, (unsigned)crc, (unsigned)e->crc);
    }
    *out = d;
    *len = (size_t)e->usize;
    *owned = buf;
    return NCM_OK;
}

ncm_status ncm_npz_get(const ncm_zip *z, const char *key, uint64_t max_size, ncm_npy *a,
                       ncm_error *err)
{
    memset(a, 0, sizeof *a);
    char member[256], label[512];
    snprintf(member, sizeof member, "%s.npy", key);
    const int i = ncm_zip_find(z, member);
    if (i < 0)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing array '%s'", z->path, key);
    const uint8_t *d;
    size_t len;
    uint8_t *owned;
    ncm_status s = ncm_zip_read(z, i, max_size, &d, &len, &owned, err);
    if (s)
        return s;
    snprintf(label, sizeof label, "%s: %s", z->path, key);
    if ((s = ncm_npy_parse(d, len, label, a, err))) {
        free(owned);
        return s;
    }
    a->owned = owned;
    return NCM_OK;
}

/* ---- writing zip archives ----------------------------------------------------------------- */

enum { DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1, ZIP_VERSION = 20 };

ncm_status ncm_zipw_open(ncm_zip_writer *w, const char *path, ncm_error *err)
{
    memset(w, 0, sizeof *w);
    return ncm_afile_open(&w->f, path, err);
}

void ncm_zipw_abort(ncm_zip_writer *w)
{
    ncm_afile_abort(&w->f);
    ncm_wbuf_free(&w->cd);
    memset(w, 0, sizeof *w);
}

/* The fields local and central headers share, from "version needed" to the extra length. */
static void common_fields(uint8_t *p, uint32_t crc, uint32_t size, uint16_t nlen)
{
    put16(p, ZIP_VERSION); /* version needed to extract: 2.0 */
    put16(p + 2, 0);       /* flags */
    put16(p + 4, 0);       /* method: stored */
    put16(p + 6, 0);       /* time 00:00:00 */
    put16(p + 8, DOS_DATE_1980_01_01);
    put32(p + 10, crc);
    put32(p + 14, size); /* compressed */
    put32(p + 18, size); /* uncompressed */
    put16(p + 22, nlen);
    put16(p + 24, 0); /* extra length */
}

ncm_status ncm_zipw_add(ncm_zip_writer *w, const char *name, const void *data, size_t len,
                        ncm_error *err)
{
    const size_t nlen = strlen(name);
    const char *P = w->f.path ? w->f.path : "zip";
    ncm_status s = NCM_OK;
    if (nlen > 0xffff || w->n >= 0xffff)
        s = ncm_error_set(err, NCM_ERR_ARG, "%s: too many members or too long a name", P);
    else if (w->pos + LOCAL_LEN + nlen + (uint64_t)len + w->cd.len + CENTRAL_LEN + nlen + END_LEN >
             0xffffffffu)
        s = ncm_error_set(err, NCM_ERR_ARG, "%s: archive would exceed 4 GiB (ZIP64 is not written)",
                          P);
    if (s) {
        ncm_zipw_abort(w);
        return s;
    }
    const uint32_t crc = crc_of(data, len);
    uint8_t h[CENTRAL_LEN];
    put32(h, SIG_LOCAL);
    common_fields(h + 4, crc, (uint32_t)len, (uint16_t)nlen);
    if (fwrite(h, 1, LOCAL_LEN, w->f.fp) != LOCAL_LEN || fwrite(name, 1, nlen, w->f.fp) != nlen ||
        (len && fwrite(data, 1, len, w->f.fp) != len)) {
        s = ncm_error_set(err, NCM_ERR_IO, "%s: write failed", P);
        ncm_zipw_abort(w);
        return s;
    }
    put32(h, SIG_CENTRAL);
    put16(h + 4, 3 << 8 | ZIP_VERSION); /* made by: Unix, 2.0 */
    common_fields(h + 6, crc, (uint32_t)len, (uint16_t)nlen);
    put16(h + 32, 0);                /* comment length */
    put16(h + 34, 0);                /* disk */
    put16(h + 36, 0);                /* internal attributes */
    put32(h + 38, 0100644u << 16);   /* external: regular file, rw-r--r-- */
    put32(h + 42, (uint32_t)w->pos); /* local header offset */
    ncm_wbuf_bytes(&w->cd, h, CENTRAL_LEN);
    ncm_wbuf_bytes(&w->cd, name, nlen);
    if (w->cd.oom) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", P);
        ncm_zipw_abort(w);
        return s;
    }
    w->pos += LOCAL_LEN + nlen + len;
    w->n++;
    return NCM_OK;
}

ncm_status ncm_zipw_commit(ncm_zip_writer *w, ncm_error *err)
{
    uint8_t e[END_LEN];
    put32(e, SIG_END);
    put16(e + 4, 0);
    put16(e + 6, 0);
    put16(e + 8, (uint16_t)w->n);
    put16(e + 10, (uint16_t)w->n);
    put32(e + 12, (uint32_t)w->cd.len);
    put32(e + 16, (uint32_t)w->pos);
    put16(e + 20, 0);
    if (fwrite(w->cd.p ? (const void *)w->cd.p : (const void *)"", 1, w->cd.len, w->f.fp) !=
            w->cd.len ||
        fwrite(e, 1, END_LEN, w->f.fp) != END_LEN) {
        ncm_status s = ncm_error_set(err, NCM_ERR_IO, "%s: write failed", w->f.path);
        ncm_zipw_abort(w);
        return s;
    }
    ncm_status s = ncm_afile_commit(&w->f, err);
    ncm_wbuf_free(&w->cd);
    memset(w, 0, sizeof *w);
    return s;
}

ncm_status ncm_npz_add(ncm_zip_writer *w, const char *key, const ncm_wbuf *npy, ncm_error *err)
{
    if (npy->oom) {
        ncm_status s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", w->f.path);
        ncm_zipw_abort(w);
        return s;
    }
    char member[256];
    snprintf(member, sizeof member, "%s.npy", key);
    return ncm_zipw_add(w, member, npy->p ? (const void *)npy->p : (const void *)"", npy->len, err);
}
