/* Inference of many chips of one MLP by differences from the error-free network (used by the
 * Monte Carlo and the sweeps, src/imc/chip_mc.c and sweep.c).
 *
 * A chip's weights differ from the model's in few bits, so its sums differ from the error-free
 * sums by few terms. For every image the error-free network is run once and its true sums S_l
 * and hidden outputs h_l kept (the cache). For a chip, with s its error-free weight signs, x
 * the error-free inputs of a layer and D the inputs the chip computed differently (x'_j = -x_j),
 * the chip's sum of neuron i is exactly
 *     a'_i = S_i - sum_{j in D} 2 s_ij x_j - sum_{(i, j) misread} 2 s_ij x'_j,
 * since s' x' = s x + s (x' - x) + (s' - s) x' and s' - s = -2 s where the chip misreads.
 * The first term is a column of the error-free weights (shared by all chips, kept as 2 s_ij)
 * added once per changed input; the second is one term per misread weight. The first layer has
 * no changed inputs: a'_c = S_c + sum over its misread weights of 2 s'_cj (pixel_j - 128). When
 * a layer's changed inputs are many (more than fan_in / 8), its sums are computed directly from
 * the chip's weights instead, a popcount per neuron. Every sum is the integer the packed engine
 * computes (tests/test_chip.c checks the predictions bit for bit), at a cost proportional to the
 * errors rather than to the weights. */
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "imc/imc_internal.h"
#include "nanocim/packed.h"

struct ncm_imc_cache {
    const ncm_model *m;
    int n_layers;
    int64_t n;
    const uint8_t *pixels;          /* the dataset's, [n][fan_in of layer 0] */
    int32_t *sums[NCM_MAX_LAYERS];  /* [n][cout] error-free true sums */
    uint64_t *bits[NCM_MAX_LAYERS]; /* hidden layers: [n][words of cout] error-free outputs */
    int16_t *col2[NCM_MAX_LAYERS];  /* l >= 1: [fan_in][cout] 2 s_ij */
};

static int words_of(int bits)
{
    return (bits + 63) / 64;
}

/* acc[c] += sign * col[c], c < n (sign +-1). */
NCM_TARGET_CLONES static void add_column(int16_t *restrict acc, const int16_t *restrict col, int n,
                                         int sign)
{
    if (sign > 0)
        for (int c = 0; c < n; c++)
            acc[c] = (int16_t)(acc[c] + col[c]);
    else
        for (int c = 0; c < n; c++)
            acc[c] = (int16_t)(acc[c] - col[c]);
}

/* The neurons of a hidden layer whose output with sums a differs from the error-free outputs h,
 * into out (words: room for the layer's output words); returns how many. */
static int changed_outputs(const ncm_model_layer *L, const int32_t *a, const uint64_t *h,
                           uint64_t *words, int32_t *out)
{
    const int cw = words_of(L->cout);
    ncm_threshold_bits(L, a, words, cw);
    int nd = 0;
    for (int k = 0; k < cw; k++)
        for (uint64_t x = words[k] ^ h[k]; x; x &= x - 1)
            out[nd++] = k * 64 + __builtin_ctzll(x);
    return nd;
}

/* Observe hook: every layer's true sums, as the engine computed them. */
static void capture(void *user, int l, int64_t image, int pos, const int32_t *s)
{
    (void)pos;
    ncm_imc_cache *k = user;
    const int cout = k->m->layer[l].cout;
    memcpy(k->sums[l] + image * cout, s, (size_t)cout * sizeof *s);
}

/* Largest cache, bytes. */
#define CACHE_MAX (INT64_C(1) << 30)

void ncm_imc_cache_free(ncm_imc_cache *k)
{
    if (!k)
        return;
    for (int l = 0; l < NCM_MAX_LAYERS; l++) {
        free(k->sums[l]);
        free(k->bits[l]);
        free(k->col2[l]);
    }
    free(k);
}

ncm_status ncm_imc_cache_new(const ncm_model *m, const ncm_dataset *d, ncm_kernel kernel,
                             ncm_imc_cache **out, ncm_error *err)
{
    *out = NULL;
    int64_t bytes = 0;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        /* an MLP only (each chip of a CNN runs its whole engine), with fan-ins that keep a
         * sum's change within int16: at most 2 (n / 8) + 2 n */
        if (L->kind == NCM_LAYER_CONV || L->fan_in > 8192)
            return NCM_OK;
        bytes += (int64_t)L->cout * d->n * 4 + (l ? (int64_t)L->fan_in * L->cout * 2 : 0);
    }
    if (m->n_layers < 2 || bytes > CACHE_MAX)
        return NCM_OK;
    ncm_status s = NCM_OK;
    ncm_imc_cache *k = calloc(1, sizeof *k);
    int32_t *pred = malloc((size_t)d->n * sizeof *pred);
    ncm_packed *e = NULL;
    if (!k || !pred) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    k->m = m, k->n_layers = m->n_layers, k->n = d->n, k->pixels = d->pixels;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        if (!(k->sums[l] = malloc((size_t)d->n * (size_t)L->cout * 4)) ||
            (!L->last && !(k->bits[l] = calloc((size_t)d->n * (size_t)words_of(L->cout), 8))) ||
            (l && !(k->col2[l] = malloc((size_t)L->fan_in * (size_t)L->cout * 2)))) {
            s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            goto fail;
        }
        if (l)
            for (int c = 0; c < L->cout; c++)
                for (int j = 0; j < L->fan_in; j++)
                    k->col2[l][(int64_t)j * L->cout + c] =
                        (int16_t)(ncm_imc_bit(L->wbits + (int64_t)c * L->words, j) ? 2 : -2);
    }
    if (!(e = ncm_packed_new(m, kernel, err))) {
        s = err ? err->code : NCM_ERR_NOMEM;
        goto fail;
    }
    const ncm_packed_hooks h = {.observe = capture, .user = k};
    if ((s = ncm_packed_predict_hooked(e, d, pred, NULL, &h, err)))
        goto fail;
    for (int l = 0; l < m->n_layers; l++) { /* the hidden outputs, from the sums */
        const ncm_model_layer *L = &m->layer[l];
        const int cw = words_of(L->cout);
        for (int64_t i = 0; !L->last && i < d->n; i++)
            ncm_threshold_bits(L, k->sums[l] + i * L->cout, k->bits[l] + i * cw, cw);
    }
    ncm_packed_free(e);
    free(pred);
    *out = k;
    return NCM_OK;
fail:
    ncm_packed_free(e);
    free(pred);
    ncm_imc_cache_free(k);
    return s ? s : NCM_ERR_NOMEM;
}

/* ---- one chip ----------------------------------------------------------------------------- */

/* A layer's misread weights in one flat list (so that the loops over them have no branch that
 * depends on how many a neuron has): neuron, input index and the error-free sign (first layer:
 * the sign as read); and the neurons that have any. */
typedef struct {
    int32_t *c, *j;
    int8_t *sign;
    int64_t n;
    int32_t *neurons;
    int n_neurons;
} flips;

static void flips_free(flips *f)
{
    free(f->c);
    free(f->j);
    free(f->sign);
    free(f->neurons);
}

static ncm_status flips_build(flips *f, const ncm_model_layer *S, const ncm_model_layer *D,
                              ncm_error *err)
{
    int64_t n = 0;
    for (int64_t i = 0; i < (int64_t)S->cout * S->words; i++)
        n += __builtin_popcountll(S->wbits[i] ^ D->wbits[i]);
    f->c = malloc((size_t)(n ? n : 1) * sizeof *f->c);
    f->j = malloc((size_t)(n ? n : 1) * sizeof *f->j);
    f->sign = malloc((size_t)(n ? n : 1));
    f->neurons = malloc((size_t)S->cout * sizeof *f->neurons);
    f->n_neurons = 0;
    f->n = n;
    if (!f->c || !f->j || !f->sign || !f->neurons)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    int64_t k = 0;
    for (int c = 0; c < S->cout; c++) {
        const int64_t k0 = k;
        for (int w = 0; w < S->words; w++) {
            const uint64_t s0 = S->wbits[(int64_t)c * S->words + w];
            const uint64_t s1 = D->wbits[(int64_t)c * D->words + w];
            for (uint64_t x = s0 ^ s1; x; x &= x - 1) {
                const int b = __builtin_ctzll(x);
                f->c[k] = c;
                f->j[k] = w * 64 + b;
                /* first layer: the sign as read; the others: the error-free sign */
                f->sign[k] = (int8_t)(((S->first ? s1 : s0) >> b & 1) ? 1 : -1);
                k++;
            }
        }
        if (k > k0)
            f->neurons[f->n_neurons++] = c;
    }
    return NCM_OK;
}

/* Work room of one chip's inference. */
typedef struct {
    int32_t *changed;  /* inputs the chip computed differently */
    int32_t *changed2; /* a layer's sums */
    int16_t *acc;      /* per neuron: the change of its sum */
    uint64_t *xin;     /* the chip's input bits of a layer */
    uint64_t *words;   /* a layer\'s output bits */
} room;

ncm_status ncm_imc_cache_predict(const ncm_imc_cache *k, const ncm_model *const *chips, int g,
                                 int32_t *pred, ncm_error *err)
{
    const ncm_model *m = k->m;
    const int L = k->n_layers;
    flips *ff = calloc((size_t)g * NCM_MAX_LAYERS, sizeof *ff);
    int wmax = 1, cmax = 1;
    for (int l = 0; l < L; l++) {
        cmax = m->layer[l].cout > cmax ? m->layer[l].cout : cmax;
        wmax = m->layer[l].words > wmax ? m->layer[l].words : wmax;
        wmax = words_of(m->layer[l].cout) > wmax ? words_of(m->layer[l].cout) : wmax;
    }
    room r = {malloc((size_t)cmax * 4), malloc((size_t)cmax * 4), malloc((size_t)cmax * 2),
              malloc((size_t)wmax * 8), malloc((size_t)wmax * 8)};
    ncm_status s = NCM_OK;
    if (!ff || !r.changed || !r.changed2 || !r.acc || !r.xin || !r.words)
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    for (int q = 0; q < g && !s; q++)
        for (int l = 0; l < L && !s; l++)
            s = flips_build(&ff[q * NCM_MAX_LAYERS + l], &m->layer[l], &chips[q]->layer[l], err);
    const ncm_model_layer *L0 = &m->layer[0];
    /* Image by image, every chip of the group: the image's cached sums are loaded once. */
    for (int64_t im = 0; im < k->n && !s; im++)
        for (int q = 0; q < g; q++) {
            const flips *f = ff + q * NCM_MAX_LAYERS;
            const ncm_model *chip = chips[q];
            /* layer 0: only the neurons with misread weights can change */
            int nd = 0;
            const uint8_t *px = k->pixels + im * L0->fan_in;
            const int32_t *S0 = k->sums[0] + im * L0->cout;
            const uint64_t *h0 = k->bits[0] + im * words_of(L0->cout);
            int32_t *a0 = (int32_t *)r.changed2;
            for (int u = 0; u < f[0].n_neurons; u++)
                a0[f[0].neurons[u]] = S0[f[0].neurons[u]];
            for (int64_t t = 0; t < f[0].n; t++)
                a0[f[0].c[t]] += 2 * f[0].sign[t] * ((int32_t)px[f[0].j[t]] - NCM_PIXEL_OFFSET);
            for (int u = 0; u < f[0].n_neurons; u++) {
                const int c = f[0].neurons[u];
                if (ncm_fires(L0, c, a0[c]) != ncm_imc_bit(h0, c))
                    r.changed[nd++] = c;
            }
            for (int l = 1; l < L; l++) {
                const ncm_model_layer *Ll = &m->layer[l];
                const int n = Ll->fan_in, cout = Ll->cout, iw = words_of(n);
                const uint64_t *x0 = k->bits[l - 1] + im * iw; /* error-free inputs */
                memcpy(r.xin, x0, (size_t)iw * 8);
                for (int u = 0; u < nd; u++)
                    r.xin[r.changed[u] / 64] ^= 1ull << (r.changed[u] % 64);
                const int32_t *Sl = k->sums[l] + im * cout;
                int32_t *a = (int32_t *)r.changed2; /* reused below: sums first */
                if (nd <= n / 8) {
                    memset(r.acc, 0, (size_t)cout * 2);
                    for (int u = 0; u < nd; u++) { /* x_j = +1: subtract 2 s_ij, -1: add it */
                        const int j = r.changed[u];
                        add_column(r.acc, k->col2[l] + (int64_t)j * cout, cout,
                                   ncm_imc_bit(x0, j) ? -1 : 1);
                    }
                    for (int64_t t = 0; t < f[l].n; t++) { /* -2 s_ij x'_j, x' = 2 bit - 1 */
                        const int x = 2 * ncm_imc_bit(r.xin, f[l].j[t]) - 1;
                        r.acc[f[l].c[t]] = (int16_t)(r.acc[f[l].c[t]] - 2 * f[l].sign[t] * x);
                    }
                    for (int c = 0; c < cout; c++)
                        a[c] = Sl[c] + r.acc[c];
                } else { /* many changed inputs: the chip's sums directly */
                    const ncm_model_layer *Cl = &chip->layer[l];
                    for (int c = 0; c < cout; c++) {
                        const uint64_t *w = Cl->wbits + (int64_t)c * Cl->words;
                        int p = 0;
                        for (int u = 0; u < Cl->words; u++)
                            p += __builtin_popcountll(w[u] ^ r.xin[u]);
                        a[c] = n - 2 * p;
                    }
                }
                if (Ll->last) {
                    pred[q * k->n + im] = ncm_class_of(Ll, a, NULL);
                    break;
                }
                /* the outputs that differ from the error-free ones are the next layer's D */
                /* r.changed is free again: xin holds its effect */
                nd = changed_outputs(Ll, a, k->bits[l] + im * words_of(cout), r.words, r.changed);
            }
        }
    for (int q = 0; ff && q < g; q++)
        for (int l = 0; l < L; l++)
            flips_free(&ff[q * NCM_MAX_LAYERS + l]);
    free(ff);
    free(r.changed);
    free(r.changed2);
    free(r.acc);
    free(r.xin);
    free(r.words);
    return s;
}
