/* Folded models as NumPy .npz archives: export, import with every array checked against the
 * architecture, and loading by content (see include/nanocim/npz.h for the layout). */
#include "nanocim/npz.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "util/npy.h"

/* Room for any .npy header (numpy writes version 2.0 only past 65535 header bytes, which a
 * dict of at most 4 dimensions never needs) in front of the data, in the size limits below. */
#define NPY_HEADER_MAX (65536 + 16)
/* The largest element of an accepted number dtype (int64, float64). */
#define NPY_ITEM_MAX 8
/* Provenance strings longer than this (in characters) are refused: the limit bounds what an
 * archive can make the loader allocate for an optional, free-form array. */
#define META_MAX_CHARS (16u << 20)

/* ---- export ------------------------------------------------------------------------------- */

static ncm_status add_array(ncm_zip_writer *w, const char *key, char kind, int itemsize, int ndim,
                            const int64_t *shape, const void *data, ncm_error *err)
{
    ncm_wbuf b = {0};
    ncm_npy_encode(&b, kind, itemsize, ndim, shape, data);
    ncm_status s = ncm_npz_add(w, key, &b, err);
    ncm_wbuf_free(&b);
    return s;
}

static ncm_status add_string(ncm_zip_writer *w, const char *key, const char *text, ncm_error *err)
{
    ncm_wbuf b = {0};
    ncm_npy_encode_string(&b, text);
    ncm_status s = ncm_npz_add(w, key, &b, err);
    ncm_wbuf_free(&b);
    return s;
}

/* The +-1 weights of a layer, [cout][fan_in] (PyTorch's (out, in) or (out, in_c, 3, 3) in C
 * order: nanocim's fan-in index c*9 + ky*3 + kx is that order already). */
static int8_t *unpack_weights(const ncm_model_layer *L)
{
    int8_t *w = malloc((size_t)L->cout * (size_t)L->fan_in);
    if (!w)
        return NULL;
    for (int64_t c = 0; c < L->cout; c++) {
        const uint64_t *row = L->wbits + c * L->words;
        int8_t *o = w + c * L->fan_in;
        for (int j = 0; j < L->fan_in; j++)
            o[j] = (row[j / 64] >> (j % 64) & 1) ? 1 : -1;
    }
    return w;
}

ncm_status ncm_model_save_npz(const ncm_model *m, const char *path, ncm_error *err)
{
    ncm_status s = ncm_model_validate(m, path, err);
    if (s)
        return s;
    ncm_zip_writer w;
    if ((s = ncm_zipw_open(&w, path, err)))
        return s;
    char arch[512];
    ncm_arch_format(&m->arch, arch, sizeof arch);
    const int32_t format = NCM_NPZ_FORMAT, n_classes = m->arch.n_classes;
    const int32_t in_shape[3] = {m->arch.in_c, m->arch.in_h, m->arch.in_w};
    const int64_t three = 3;
    /* Each add aborts the writer on failure, so the chain stops at the first error. */
    if ((s = add_array(&w, "format", 'i', 4, 0, NULL, &format, err)) ||
        (s = add_string(&w, "arch", arch, err)) ||
        (s = add_array(&w, "input_shape", 'i', 4, 1, &three, in_shape, err)) ||
        (s = add_array(&w, "n_classes", 'i', 4, 0, NULL, &n_classes, err)) ||
        (m->meta && (s = add_string(&w, "meta", m->meta, err))))
        return s;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        char key[64];
        int8_t *wt = unpack_weights(L);
        if (!wt) {
            ncm_zipw_abort(&w);
            return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
        }
        const int64_t conv_shape[4] = {L->cout, L->cin, 3, 3},
                      dense_shape[2] = {L->cout, L->fan_in};
        const int64_t out = L->cout;
        snprintf(key, sizeof key, "layer%d.weight", l);
        if (L->kind == NCM_LAYER_CONV)
            s = add_array(&w, key, 'i', 1, 4, conv_shape, wt, err);
        else
            s = add_array(&w, key, 'i', 1, 2, dense_shape, wt, err);
        free(wt);
        if (s)
            return s;
        if (L->last) {
            const char *names[3] = {"mean", "scale", "beta"};
            const float *v[3] = {L->mean, L->scale, L->beta};
            for (int k = 0; k < 3; k++) {
                snprintf(key, sizeof key, "layer%d.%s", l, names[k]);
                if ((s = add_array(&w, key, 'f', 4, 1, &out, v[k], err)))
                    return s;
            }
        } else {
            snprintf(key, sizeof key, "layer%d.threshold", l);
            if ((s = add_array(&w, key, 'i', 4, 1, &out, L->thresh, err)))
                return s;
            snprintf(key, sizeof key, "layer%d.direction", l);
            if ((s = add_array(&w, key, 'i', 1, 1, &out, L->dir, err)))
                return s;
        }
    }
    return ncm_zipw_commit(&w, err);
}

/* ---- import ------------------------------------------------------------------------------- */

/* Element i of a number array as text, for messages ("0.5", "nan", "7"). */
static void value_str(const ncm_npy *a, int64_t i, char *buf, size_t n)
{
    int64_t v;
    if (a->kind != 'f' && ncm_npy_get_int(a, i, &v) == NCM_NPY_INT_OK)
        snprintf(buf, n, "%lld", (long long)v);
    else
        snprintf(buf, n, "%.9g", ncm_npy_get_double(a, i));
}

/* Refuses a dtype that holds no numbers (bool too when `no_bool`). */
static ncm_status check_number_dtype(const ncm_npy *a, const char *path, const char *key,
                                     int no_bool, const char *expected, ncm_error *err)
{
    if (a->kind == 'i' || a->kind == 'u' || a->kind == 'f' || (a->kind == 'b' && !no_bool))
        return NCM_OK;
    char dt[64];
    ncm_npy_dtype_str(a, dt, sizeof dt);
    return ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s: dtype %s, expected %s", path, key, dt,
                         expected);
}

static ncm_status check_shape(const ncm_npy *a, const char *path, const char *key, int ndim,
                              const int64_t *shape, const char *arch, ncm_error *err)
{
    int same = a->ndim == ndim;
    for (int k = 0; same && k < ndim; k++)
        same = a->shape[k] == shape[k];
    if (same)
        return NCM_OK;
    char got[256], want[256];
    ncm_npy_shape_str(a->ndim, a->shape, got, sizeof got);
    ncm_npy_shape_str(ndim, shape, want, sizeof want);
    return ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s: shape %s, expected %s for arch %s", path,
                         key, got, want, arch);
}

/* An integer scalar (0-d, or any shape of one element). */
static ncm_status get_scalar(const ncm_zip *z, const char *key, int64_t *v, ncm_error *err)
{
    ncm_npy a;
    ncm_status s = ncm_npz_get(z, key, NPY_HEADER_MAX + NPY_ITEM_MAX, &a, err);
    if (s)
        return s;
    char shp[256], val[64];
    if ((s = check_number_dtype(&a, z->path, key, 1, "an integer", err)))
        goto done;
    if (a.count != 1) {
        ncm_npy_shape_str(a.ndim, a.shape, shp, sizeof shp);
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s: shape %s, expected a scalar", z->path, key,
                          shp);
        goto done;
    }
    if (ncm_npy_get_int(&a, 0, v) != NCM_NPY_INT_OK) {
        value_str(&a, 0, val, sizeof val);
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s = %s: expected an integer", z->path, key,
                          val);
    }
done:
    ncm_npy_release(&a);
    return s;
}

static ncm_status get_string(const ncm_zip *z, const char *key, uint64_t max_bytes, char **out,
                             ncm_error *err)
{
    ncm_npy a;
    ncm_status s = ncm_npz_get(z, key, NPY_HEADER_MAX + max_bytes, &a, err);
    if (s)
        return s;
    char label[512];
    snprintf(label, sizeof label, "%s: %s", z->path, key);
    s = ncm_npy_get_string(&a, label, out, err);
    ncm_npy_release(&a);
    return s;
}

/* Values +1/-1 of a number array of count elements into out (bits or int8). */
static ncm_status read_signs(const ncm_npy *a, const char *path, const char *key, int64_t count,
                             int64_t row_len, int words, uint64_t *bits, int8_t *out,
                             ncm_error *err)
{
    for (int64_t i = 0; i < count; i++) {
        int64_t v;
        const int r = ncm_npy_get_int(a, i, &v);
        if (r != NCM_NPY_INT_OK || (v != 1 && v != -1)) {
            char idx[256], val[64];
            ncm_npy_index_str(a, i, idx, sizeof idx);
            value_str(a, i, val, sizeof val);
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s%s = %s: expected +1 or -1", path, key,
                                 idx, val);
        }
        if (out)
            out[i] = (int8_t)v;
        else if (v > 0)
            bits[i / row_len * words + i % row_len / 64] |= 1ull << (i % row_len % 64);
    }
    return NCM_OK;
}

static ncm_status read_layer(const ncm_zip *z, ncm_model *m, int l, const char *arch,
                             ncm_error *err)
{
    ncm_model_layer *L = &m->layer[l];
    const char *P = z->path;
    char key[64];
    ncm_npy a;
    ncm_status s;
    const int64_t n_w = (int64_t)L->cout * L->fan_in;
    const int64_t conv_shape[4] = {L->cout, L->cin, 3, 3}, dense_shape[2] = {L->cout, L->fan_in};
    snprintf(key, sizeof key, "layer%d.weight", l);
    if ((s = ncm_npz_get(z, key, NPY_HEADER_MAX + (uint64_t)n_w * NPY_ITEM_MAX, &a, err)))
        return s;
    if (!(s = check_number_dtype(&a, P, key, 1, "+1/-1 integers or floats", err)))
        s = L->kind == NCM_LAYER_CONV ? check_shape(&a, P, key, 4, conv_shape, arch, err)
                                      : check_shape(&a, P, key, 2, dense_shape, arch, err);
    if (!s)
        s = read_signs(&a, P, key, n_w, L->fan_in, L->words, L->wbits, NULL, err);
    ncm_npy_release(&a);
    if (s)
        return s;

    const int64_t out = L->cout;
    if (!L->last) {
        snprintf(key, sizeof key, "layer%d.threshold", l);
        if ((s = ncm_npz_get(z, key, NPY_HEADER_MAX + (uint64_t)out * NPY_ITEM_MAX, &a, err)))
            return s;
        if (!(s = check_number_dtype(&a, P, key, 1, "integers", err)))
            s = check_shape(&a, P, key, 1, &out, arch, err);
        for (int64_t i = 0; !s && i < out; i++) {
            int64_t v;
            const int r = ncm_npy_get_int(&a, i, &v);
            if (r != NCM_NPY_INT_OK || v < INT32_MIN || v > INT32_MAX) {
                char idx[256], val[64];
                ncm_npy_index_str(&a, i, idx, sizeof idx);
                value_str(&a, i, val, sizeof val);
                s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s%s = %s: expected %s", P, key, idx,
                                  val,
                                  r == NCM_NPY_INT_OK || r == NCM_NPY_INT_RANGE
                                      ? "an integer within the int32 range"
                                      : "an integer");
            } else {
                L->thresh[i] = (int32_t)v;
            }
        }
        ncm_npy_release(&a);
        if (s)
            return s;
        snprintf(key, sizeof key, "layer%d.direction", l);
        if ((s = ncm_npz_get(z, key, NPY_HEADER_MAX + (uint64_t)out * NPY_ITEM_MAX, &a, err)))
            return s;
        if (!(s = check_number_dtype(&a, P, key, 1, "+1/-1 integers", err)))
            s = check_shape(&a, P, key, 1, &out, arch, err);
        if (!s)
            s = read_signs(&a, P, key, out, 1, 1, NULL, L->dir, err);
        ncm_npy_release(&a);
        return s;
    }
    const char *names[3] = {"mean", "scale", "beta"};
    float *dst[3] = {L->mean, L->scale, L->beta};
    for (int k = 0; k < 3; k++) {
        snprintf(key, sizeof key, "layer%d.%s", l, names[k]);
        if ((s = ncm_npz_get(z, key, NPY_HEADER_MAX + (uint64_t)out * NPY_ITEM_MAX, &a, err)))
            return s;
        if (!(s = check_number_dtype(&a, P, key, 1, "float32", err)))
            s = check_shape(&a, P, key, 1, &out, arch, err);
        for (int64_t i = 0; !s && i < out; i++) {
            const double d = ncm_npy_get_double(&a, i);
            /* beyond FLT_MAX the conversion would be undefined; rounding may still reach inf */
            const float v = isfinite(d) && fabs(d) <= FLT_MAX ? (float)d : INFINITY;
            if (!isfinite(v)) {
                char idx[256], val[64];
                ncm_npy_index_str(&a, i, idx, sizeof idx);
                value_str(&a, i, val, sizeof val);
                s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s%s = %s: expected a finite float32",
                                  P, key, idx, val);
            }
            dst[k][i] = v;
        }
        ncm_npy_release(&a);
        if (s)
            return s;
    }
    return NCM_OK;
}

/* Is `name` a member the layout of an architecture with n layers has? */
static int known_member(const char *name, int n_layers)
{
    static const char *const top[] = {"format.npy", "arch.npy", "input_shape.npy", "n_classes.npy",
                                      "meta.npy"};
    for (size_t k = 0; k < sizeof top / sizeof top[0]; k++)
        if (!strcmp(name, top[k]))
            return 1;
    int l, used = 0;
    char field[16];
    if (sscanf(name, "layer%d.%15[a-z].npy%n", &l, field, &used) != 2 || name[used] != '\0' ||
        l < 0 || l >= n_layers)
        return 0;
    char canon[64];
    snprintf(canon, sizeof canon, "layer%d.%s.npy", l, field);
    if (strcmp(canon, name) != 0) /* "layer01.weight.npy", "layer+1..." */
        return 0;
    if (!strcmp(field, "weight"))
        return 1;
    if (l < n_layers - 1)
        return !strcmp(field, "threshold") || !strcmp(field, "direction");
    return !strcmp(field, "mean") || !strcmp(field, "scale") || !strcmp(field, "beta");
}

/* The architecture from format, arch, input_shape and n_classes. */
static ncm_status read_arch(const ncm_zip *z, ncm_arch *arch, char *spec, size_t spec_n,
                            ncm_error *err)
{
    const char *P = z->path;
    int64_t format, n_classes;
    ncm_status s = get_scalar(z, "format", &format, err);
    if (s)
        return s;
    if (format > NCM_NPZ_FORMAT)
        return ncm_error_set(err, NCM_ERR_VERSION,
                             "%s: format %lld is newer than this version of nanocim reads (%d): "
                             "upgrade nanocim",
                             P, (long long)format, NCM_NPZ_FORMAT);
    if (format < 1)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: format = %lld, expected %d", P,
                             (long long)format, NCM_NPZ_FORMAT);
    if ((s = get_scalar(z, "n_classes", &n_classes, err)))
        return s;
    if (n_classes < 2 || n_classes > 65536)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: n_classes = %lld, expected 2 .. 65536", P,
                             (long long)n_classes);
    ncm_npy a;
    if ((s = ncm_npz_get(z, "input_shape", NPY_HEADER_MAX + 3 * NPY_ITEM_MAX, &a, err)))
        return s;
    int64_t dims[3] = {0, 0, 0};
    if (!(s = check_number_dtype(&a, P, "input_shape", 1, "integers", err)) && a.count != 3) {
        char shp[256];
        ncm_npy_shape_str(a.ndim, a.shape, shp, sizeof shp);
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: input_shape: shape %s, expected (3,) holding (c, h, w)", P, shp);
    }
    for (int k = 0; !s && k < 3; k++)
        if (ncm_npy_get_int(&a, k, &dims[k]) != NCM_NPY_INT_OK || dims[k] < 1 ||
            dims[k] > INT_MAX) {
            char val[64];
            value_str(&a, k, val, sizeof val);
            s = ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: input_shape[%d] = %s: expected a positive integer", P, k, val);
        }
    ncm_npy_release(&a);
    if (s)
        return s;
    char *text;
    if ((s = get_string(z, "arch", 4 * spec_n, &text, err)))
        return s;
    if (strlen(text) >= spec_n) {
        free(text);
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: arch: string longer than %zu characters", P,
                             spec_n - 1);
    }
    strcpy(spec, text);
    free(text);
    ncm_error inner;
    if (ncm_arch_parse(spec, (int)dims[0], (int)dims[1], (int)dims[2], (int)n_classes, arch,
                       &inner)) {
        /* The parser's messages start by naming the string ("arch SPEC: "), which this message
         * names already: keep what follows. */
        const char *why = inner.msg;
        if (!strncmp(why, "arch", 4) && strstr(why, ": "))
            why = strstr(why, ": ") + 2;
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: arch '%s' for input (%lld, %lld, %lld) and %lld classes: %s", P,
                             spec, (long long)dims[0], (long long)dims[1], (long long)dims[2],
                             (long long)n_classes, why);
    }
    ncm_arch_format(arch, spec, spec_n); /* canonical, for messages */
    return NCM_OK;
}

/* Messages quote names and strings from the file: control characters become '?' so that an
 * error stays one line whatever the archive holds. */
static void one_line(ncm_error *err)
{
    for (char *c = err ? err->msg : NULL; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
}

ncm_model *ncm_model_load_npz(const char *path, ncm_error *err)
{
    ncm_zip z;
    if (ncm_zip_open(path, &z, err)) {
        one_line(err);
        return NULL;
    }
    ncm_arch arch;
    char spec[512];
    ncm_model *m = NULL;
    ncm_status s = read_arch(&z, &arch, spec, sizeof spec, err);
    for (int i = 0; !s && i < z.n; i++)
        if (!known_member(z.entry[i].name, arch.n_layers))
            s = ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: unexpected member '%s' (not in the layout of arch %s)", path,
                              z.entry[i].name, spec);
    if (!s && !(m = ncm_model_alloc(&arch, err)))
        s = NCM_ERR_NOMEM;
    if (!s && ncm_zip_find(&z, "meta.npy") >= 0)
        s = get_string(&z, "meta", 4ull * META_MAX_CHARS, &m->meta, err);
    for (int l = 0; !s && l < arch.n_layers; l++)
        s = read_layer(&z, m, l, spec, err);
    if (!s)
        s = ncm_model_validate(m, path, err);
    ncm_zip_close(&z);
    if (s) {
        ncm_model_free(m);
        one_line(err);
        return NULL;
    }
    return m;
}

ncm_model *ncm_model_load_any(const char *path, ncm_error *err)
{
    unsigned char head[4] = {0};
    FILE *fp = fopen(path, "rb");
    size_t n = fp ? fread(head, 1, sizeof head, fp) : 0;
    if (fp)
        fclose(fp);
    /* Local file header, or the end record of an empty archive. */
    if (n == 4 && head[0] == 'P' && head[1] == 'K' &&
        ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)))
        return ncm_model_load_npz(path, err);
    return ncm_model_load(path, err);
}
