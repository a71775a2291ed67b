/* Folded binarized networks: folding batch norm + sign into integer thresholds, the model file,
 * and the plain reference integer inference (see include/nanocim/model.h). */
#include "nanocim/model.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "util/hash.h"

static const char MODEL_MAGIC[8] = {'N', 'C', 'M', 'M', 'O', 'D', 'E', 'L'};
enum { MODEL_VERSION = 1 };

/* Releases a model's arrays and zeroes the struct. */
static void model_clear(ncm_model *m)
{
    for (int l = 0; m->layer && l < m->n_layers; l++) {
        ncm_model_layer *L = &m->layer[l];
        free(L->wbits);
        free(L->thresh);
        free(L->dir);
        free(L->mean);
        free(L->scale);
        free(L->beta);
    }
    free(m->layer);
    free(m->meta);
    memset(m, 0, sizeof *m);
}

void ncm_model_free(ncm_model *m)
{
    if (m) {
        model_clear(m);
        free(m);
    }
}

/* Shapes of every layer from the architecture, and room for its parameters. */
static ncm_status model_layout(ncm_model *m, const ncm_arch *arch, ncm_error *err)
{
    memset(m, 0, sizeof *m);
    m->arch = *arch;
    m->n_layers = arch->n_layers;
    m->layer = calloc((size_t)arch->n_layers, sizeof *m->layer);
    if (!m->layer)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    ncm_layer_shape shape[NCM_MAX_LAYERS];
    ncm_arch_shapes(arch, shape);
    int ok = 1;
    for (int l = 0; l < m->n_layers; l++) {
        ncm_model_layer *L = &m->layer[l];
        const ncm_layer_shape *S = &shape[l];
        L->kind = arch->layer[l].kind;
        L->first = l == 0;
        L->last = l == m->n_layers - 1;
        L->pool = arch->layer[l].pool;
        L->cin = S->cin, L->hin = S->hin, L->win = S->win;
        L->cout = S->cout, L->hc = S->hc, L->wc = S->wc, L->ho = S->ho, L->wo = S->wo;
        L->fan_in = S->fan_in;
        L->words = (L->fan_in + 63) / 64;
        ok &= (L->wbits = calloc((size_t)L->cout * L->words, sizeof(uint64_t))) != NULL;
        if (L->last) {
            ok &= (L->mean = calloc((size_t)L->cout, sizeof(float))) != NULL;
            ok &= (L->scale = calloc((size_t)L->cout, sizeof(float))) != NULL;
            ok &= (L->beta = calloc((size_t)L->cout, sizeof(float))) != NULL;
        } else {
            ok &= (L->thresh = calloc((size_t)L->cout, sizeof(int32_t))) != NULL;
            ok &= (L->dir = calloc((size_t)L->cout, sizeof(int8_t))) != NULL;
        }
    }
    if (!ok) {
        model_clear(m);
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for the model");
    }
    return NCM_OK;
}

ncm_model *ncm_model_alloc(const ncm_arch *arch, ncm_error *err)
{
    ncm_model *m = malloc(sizeof *m);
    if (!m) {
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for the model");
        return NULL;
    }
    if (model_layout(m, arch, err)) {
        free(m);
        return NULL;
    }
    return m;
}

ncm_status ncm_model_validate(const ncm_model *m, const char *where, ncm_error *err)
{
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        /* Padding bits past fan_in must be zero for the popcount identity to hold. */
        if (L->fan_in % 64)
            for (int c = 0; c < L->cout; c++)
                if (L->wbits[(int64_t)c * L->words + L->words - 1] >> (L->fan_in % 64))
                    return ncm_error_set(err, NCM_ERR_FORMAT, "%s: layer %d: padding bits set",
                                         where, l);
        for (int c = 0; c < L->cout; c++) {
            if (L->last) {
                if (!isfinite(L->mean[c]) || !isfinite(L->scale[c]) || !isfinite(L->beta[c]))
                    return ncm_error_set(
                        err, NCM_ERR_FORMAT,
                        "%s: class layer neuron %d: affine map (mean %g, scale %g, "
                        "beta %g) is not finite",
                        where, c, L->mean[c], L->scale[c], L->beta[c]);
            } else if (L->dir[c] != 1 && L->dir[c] != -1) {
                return ncm_error_set(err, NCM_ERR_FORMAT,
                                     "%s: layer %d neuron %d: bad threshold direction %d", where, l,
                                     c, L->dir[c]);
            }
        }
    }
    return NCM_OK;
}

/* Range of a layer's integer sum: fan_in terms of +-1 (binary inputs) or of +-x with
 * x in [-128, 127] (first layer). */
static void sum_range(const ncm_model_layer *L, int64_t *lo, int64_t *hi)
{
    int64_t m = L->first ? NCM_PIXEL_OFFSET : 1;
    *lo = -m * L->fan_in;
    *hi = m * L->fan_in;
}

static int fires(int64_t a, float mean, float scale, float beta)
{
    return ncm_bn_apply((float)a, mean, scale, beta) >= 0.0f;
}

/* The integer threshold that reproduces sign(batch norm(a)) exactly: the float expression is
 * monotone in a (every rounding step is), non-decreasing for scale > 0 and non-increasing for
 * scale < 0, so a binary search over the integers finds where it changes sign. */
static void fold_threshold(int64_t lo, int64_t hi, float mean, float scale, float beta, int32_t *T,
                           int8_t *dir)
{
    if (scale < 0.0f) {
        *dir = -1;
        if (!fires(lo, mean, scale, beta)) {
            *T = (int32_t)(lo - 1);
            return;
        }
        int64_t a = lo, b = hi; /* fires(a) holds; find the largest such */
        while (a < b) {
            int64_t mid = a + (b - a + 1) / 2;
            if (fires(mid, mean, scale, beta))
                a = mid;
            else
                b = mid - 1;
        }
        *T = (int32_t)a;
        return;
    }
    /* scale > 0, or 0 / NaN (constant output, which this search also captures) */
    *dir = 1;
    if (!fires(hi, mean, scale, beta)) {
        *T = (int32_t)(hi + 1);
        return;
    }
    int64_t a = lo, b = hi; /* fires(b) holds; find the smallest such */
    while (a < b) {
        int64_t mid = a + (b - a) / 2;
        if (fires(mid, mean, scale, beta))
            b = mid;
        else
            a = mid + 1;
    }
    *T = (int32_t)a;
}

ncm_model *ncm_model_fold(const ncm_bnn *net, const char *meta, ncm_error *err)
{
    ncm_model *m = ncm_model_alloc(ncm_bnn_arch(net), err);
    if (!m)
        return NULL;
    if (meta && !(m->meta = strdup(meta))) {
        ncm_model_free(m);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (int l = 0; l < m->n_layers; l++) {
        ncm_model_layer *L = &m->layer[l];
        const float *w, *mean, *beta;
        float *scale = malloc((size_t)L->cout * sizeof(float));
        if (!scale) {
            ncm_model_free(m);
            ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            return NULL;
        }
        ncm_bnn_layer_params(net, l, &w, &mean, scale, &beta);
        for (int c = 0; c < L->cout; c++) {
            uint64_t *row = L->wbits + (int64_t)c * L->words;
            for (int j = 0; j < L->fan_in; j++)
                if (w[(int64_t)c * L->fan_in + j] >= 0.0f)
                    row[j / 64] |= 1ull << (j % 64);
            if (L->last) {
                L->mean[c] = mean[c];
                L->scale[c] = scale[c];
                L->beta[c] = beta[c];
            } else {
                int64_t lo, hi;
                sum_range(L, &lo, &hi);
                fold_threshold(lo, hi, mean[c], scale[c], beta[c], &L->thresh[c], &L->dir[c]);
            }
        }
        free(scale);
    }
    return m;
}

/* ---- file ---------------------------------------------------------------------------------- */

ncm_status ncm_model_save(const ncm_model *m, const char *path, ncm_error *err)
{
    ncm_wbuf w = {0};
    ncm_bnn_write_arch(&w, &m->arch);
    uint32_t mlen = m->meta ? (uint32_t)strlen(m->meta) : 0;
    ncm_wbuf_u32(&w, mlen);
    ncm_wbuf_bytes(&w, m->meta, mlen);
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        for (int64_t i = 0; i < (int64_t)L->cout * L->words; i++)
            ncm_wbuf_u64(&w, L->wbits[i]);
        if (L->last) {
            ncm_wbuf_f32(&w, L->mean, (size_t)L->cout);
            ncm_wbuf_f32(&w, L->scale, (size_t)L->cout);
            ncm_wbuf_f32(&w, L->beta, (size_t)L->cout);
        } else {
            for (int c = 0; c < L->cout; c++) {
                ncm_wbuf_u32(&w, (uint32_t)L->thresh[c]);
                ncm_wbuf_bytes(&w, &L->dir[c], 1);
            }
        }
    }
    ncm_status s = ncm_binfile_save(path, MODEL_MAGIC, MODEL_VERSION, &w, err);
    ncm_wbuf_free(&w);
    return s;
}

ncm_model *ncm_model_load(const char *path, ncm_error *err)
{
    ncm_model *m = NULL;
    uint8_t *data;
    ncm_rbuf r;
    uint32_t version;
    ncm_status s =
        ncm_binfile_load(path, MODEL_MAGIC, MODEL_VERSION, "model", &data, &r, &version, err);
    if (s)
        return NULL;
    ncm_arch arch;
    if ((s = ncm_bnn_read_arch(&r, path, &arch, err)))
        goto done;
    uint32_t mlen = ncm_rbuf_u32(&r);
    if (r.short_read || mlen > r.len - r.pos) {
        s = ncm_error_set(err, NCM_ERR_FORMAT, "%s: invalid provenance length", path);
        goto done;
    }
    /* Check the payload size before allocating what the header asks for. */
    int64_t need = 0;
    ncm_layer_shape shape[NCM_MAX_LAYERS];
    ncm_arch_shapes(&arch, shape);
    for (int l = 0; l < arch.n_layers; l++) { /* packed weights, then 5 or 12 bytes a neuron */
        need += (int64_t)shape[l].cout * ((shape[l].fan_in + 63) / 64) * 8;
        need += (int64_t)shape[l].cout * (l == arch.n_layers - 1 ? 12 : 5);
    }
    if ((int64_t)(r.len - r.pos - mlen) != need) {
        s = ncm_error_set(err, NCM_ERR_FORMAT,
                          "%s: model holds %zu bytes of parameters, its architecture needs %lld",
                          path, r.len - r.pos - mlen, (long long)need);
        goto done;
    }
    if (!(m = ncm_model_alloc(&arch, err))) {
        s = NCM_ERR_NOMEM;
        goto done;
    }
    if (mlen) {
        if (!(m->meta = malloc(mlen + 1))) {
            s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            goto done;
        }
        ncm_rbuf_bytes(&r, m->meta, mlen);
        m->meta[mlen] = '\0';
    }
    for (int l = 0; l < m->n_layers; l++) {
        ncm_model_layer *L = &m->layer[l];
        for (int64_t i = 0; i < (int64_t)L->cout * L->words; i++)
            L->wbits[i] = ncm_rbuf_u64(&r);
        if (L->last) {
            ncm_rbuf_f32(&r, L->mean, (size_t)L->cout);
            ncm_rbuf_f32(&r, L->scale, (size_t)L->cout);
            ncm_rbuf_f32(&r, L->beta, (size_t)L->cout);
            continue;
        }
        for (int c = 0; c < L->cout; c++) {
            L->thresh[c] = (int32_t)ncm_rbuf_u32(&r);
            ncm_rbuf_bytes(&r, &L->dir[c], 1);
        }
    }
    s = ncm_model_validate(m, path, err);
done:
    free(data);
    if (s) {
        ncm_model_free(m);
        return NULL;
    }
    return m;
}

/* ---- reference inference ------------------------------------------------------------------- */

typedef struct {
    int32_t *x;     /* current activations, [C][H][W]: int8 range for the input, +-1 after */
    int32_t *a;     /* sums before pooling */
    int32_t *p;     /* sums after pooling */
    uint64_t *bits; /* packed input vector or patch */
} scratch;

static int popcount64(uint64_t v)
{
    return __builtin_popcountll(v);
}

/* Packs a +-1 vector into bits (1 = +1); bits past n stay zero. */
static void pack_signs(const int32_t *v, int n, uint64_t *bits, int words)
{
    memset(bits, 0, (size_t)words * sizeof(uint64_t));
    for (int j = 0; j < n; j++)
        if (v[j] > 0)
            bits[j / 64] |= 1ull << (j % 64);
}

/* Every neuron's sum over one input vector v (pad entries already in v): an int8 dot product
 * with +-1 weights in the first layer, fan_in - 2 * popcount(x XOR w) after it. Writes the sum
 * of neuron c to out[c * stride]. */
static void neuron_sums(const ncm_model_layer *L, const int32_t *v, uint64_t *bits, int32_t *out,
                        int64_t stride)
{
    if (!L->first)
        pack_signs(v, L->fan_in, bits, L->words);
    for (int c = 0; c < L->cout; c++) {
        const uint64_t *wrow = L->wbits + (int64_t)c * L->words;
        int32_t sum = 0;
        if (L->first) {
            for (int j = 0; j < L->fan_in; j++)
                sum += (wrow[j / 64] >> (j % 64) & 1) ? v[j] : -v[j];
        } else {
            int mism = 0;
            for (int k = 0; k < L->words; k++)
                mism += popcount64(bits[k] ^ wrow[k]);
            sum = L->fan_in - 2 * mism;
        }
        out[c * stride] = sum;
    }
}

static void layer_sums(const ncm_model_layer *L, scratch *s, int32_t *patch)
{
    if (L->kind == NCM_LAYER_DENSE) {
        neuron_sums(L, s->x, s->bits, s->a, 1);
        return;
    }
    const int H = L->hin, W = L->win;
    const int32_t pad = L->first ? NCM_PAD_INPUT : NCM_PAD_BINARY;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            for (int r = 0; r < L->fan_in; r++) {
                const int c = r / 9, ys = y + r % 9 / 3 - 1, xs = x + r % 3 - 1;
                patch[r] =
                    (ys >= 0 && ys < H && xs >= 0 && xs < W) ? s->x[(c * H + ys) * W + xs] : pad;
            }
            neuron_sums(L, patch, s->bits, s->a + y * W + x, (int64_t)H * W);
        }
}

static void layer_pool(const ncm_model_layer *L, scratch *s)
{
    if (!L->pool) {
        memcpy(s->p, s->a, (size_t)L->cout * L->hc * L->wc * sizeof(int32_t));
        return;
    }
    for (int c = 0; c < L->cout; c++)
        for (int y = 0; y < L->ho; y++)
            for (int x = 0; x < L->wo; x++) {
                const int32_t *q = s->a + ((int64_t)c * L->hc + 2 * y) * L->wc + 2 * x;
                int32_t v = q[0];
                v = q[1] > v ? q[1] : v;
                v = q[L->wc] > v ? q[L->wc] : v;
                v = q[L->wc + 1] > v ? q[L->wc + 1] : v;
                s->p[((int64_t)c * L->ho + y) * L->wo + x] = v;
            }
}

ncm_status ncm_model_predict(const ncm_model *m, const ncm_dataset *d, int32_t *pred, float *scores,
                             ncm_error *err)
{
    const ncm_arch *a = &m->arch;
    if (d->c != a->in_c || d->h != a->in_h || d->w != a->in_w)
        return ncm_error_set(err, NCM_ERR_DATA,
                             "dataset images are %dx%dx%d, the model expects %dx%dx%d", d->c, d->h,
                             d->w, a->in_c, a->in_h, a->in_w);
    int64_t max_act = (int64_t)a->in_c * a->in_h * a->in_w, max_fan = 1;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        int64_t n = (int64_t)L->cout * L->hc * L->wc;
        max_act = n > max_act ? n : max_act;
        max_fan = L->fan_in > max_fan ? L->fan_in : max_fan;
    }
    const int K = a->n_classes, P = d->c * d->h * d->w;
    int failed = 0;
#pragma omp parallel
    {
        scratch s;
        s.x = malloc((size_t)max_act * sizeof(int32_t));
        s.a = malloc((size_t)max_act * sizeof(int32_t));
        s.p = malloc((size_t)max_act * sizeof(int32_t));
        s.bits = malloc((size_t)((max_fan + 63) / 64) * sizeof(uint64_t));
        int32_t *patch = malloc((size_t)max_fan * sizeof(int32_t));
        int ok = s.x && s.a && s.p && s.bits && patch;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 16)
        for (int64_t i = 0; i < d->n; i++) {
            if (!ok)
                continue;
            const uint8_t *img = d->pixels + i * P;
            for (int j = 0; j < P; j++)
                s.x[j] = (int32_t)img[j] - NCM_PIXEL_OFFSET;
            for (int l = 0; l < m->n_layers; l++) {
                const ncm_model_layer *L = &m->layer[l];
                layer_sums(L, &s, patch);
                layer_pool(L, &s);
                const int64_t n = (int64_t)L->cout * L->ho * L->wo, per = L->ho * L->wo;
                if (L->last) {
                    int best = 0;
                    float bestv = 0.0f;
                    for (int c = 0; c < K; c++) {
                        float v = ncm_bn_apply((float)s.p[c], L->mean[c], L->scale[c], L->beta[c]);
                        if (scores)
                            scores[i * K + c] = v;
                        if (c == 0 || v > bestv)
                            best = c, bestv = v;
                    }
                    pred[i] = best;
                    break;
                }
                for (int64_t j = 0; j < n; j++) {
                    const int c = (int)(j / per);
                    const int32_t v = s.p[j];
                    const int on = L->dir[c] > 0 ? v >= L->thresh[c] : v <= L->thresh[c];
                    s.x[j] = on ? 1 : -1;
                }
            }
        }
        free(s.x);
        free(s.a);
        free(s.p);
        free(s.bits);
        free(patch);
    }
    if (failed)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for inference");
    return NCM_OK;
}

uint64_t ncm_model_hash(uint64_t h, const ncm_model *m)
{
    h = ncm_hash_u64(h, (uint64_t)m->n_layers);
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        const int dims[] = {L->kind, L->first, L->last, L->pool, L->cin, L->hin,    L->win,
                            L->cout, L->hc,    L->wc,   L->ho,   L->wo,  L->fan_in, L->words};
        for (size_t i = 0; i < sizeof dims / sizeof *dims; i++)
            h = ncm_hash_u64(h, (uint64_t)(int64_t)dims[i]);
        for (int64_t i = 0; i < (int64_t)L->cout * L->words; i++)
            h = ncm_hash_u64(h, L->wbits[i]);
        if (L->thresh)
            h = ncm_hash_bytes(h, L->thresh, (size_t)L->cout * sizeof *L->thresh);
        if (L->dir)
            h = ncm_hash_bytes(h, L->dir, (size_t)L->cout * sizeof *L->dir);
        const float *cls[] = {L->mean, L->scale, L->beta};
        for (int k = 0; k < 3; k++)
            for (int c = 0; cls[k] && c < L->cout; c++)
                h = ncm_hash_f64(h, cls[k][c]);
    }
    return h;
}
