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
 * errors rather than to the weights.
 *
 * The terms of the misread weights are the same list for every image, so they are summed for
 * blocks of B = 16 images at once, over lanes that hold one image each: the first layer's pixels
 * and sums and every hidden layer's error-free outputs are kept transposed per block ([j][16]
 * values, or one 16-bit mask per neuron), and a misread weight costs one 16-lane operation per
 * block instead of one per image. The changed inputs (D) differ between images and are added per
 * image, a column of 2 s_ij each. */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "imc/imc_internal.h"
#include "nanocim/packed.h"

/* Images per block of the misread weights' terms (one 16-bit mask per neuron). */
enum { B = 16 };

/* Row length of the per-image terms of a layer of cout neurons: whole tiles of 16. */
static inline int term_stride(int cout)
{
    return (cout + 15) / 16 * 16;
}

struct ncm_imc_cache {
    const ncm_model *m;
    int n_layers;
    int64_t n, nb;                  /* images, blocks of B (the last one padded) */
    int32_t *sums[NCM_MAX_LAYERS];  /* [n][cout] error-free true sums */
    uint64_t *bits[NCM_MAX_LAYERS]; /* hidden layers: [n][words of cout] error-free outputs */
    int16_t *col2[NCM_MAX_LAYERS];  /* l >= 1: [fan_in][cout] 2 s_ij */
    int16_t *px_t;                  /* [nb][fan_in of layer 0][B] pixel - 128 (0 for padding) */
    int16_t *m0_t;                  /* [nb][cout of layer 0][B] the first layer's margins (below) */
    uint16_t *h_t[NCM_MAX_LAYERS];  /* hidden layers: [nb][cout] outputs, bit i = image i */
    int avx2;                       /* the AVX2 form of the block loops */
};

/* The first layer's margin of neuron c on an image with true sum S: a chip whose misread weights
 * change the sum by 2 e fires when dir e >= ceil(dir (T - S) / 2), an integer clamped to
 * +-MARGIN_MAX (the decision is kept for |e| <= MARGIN_MAX: at most FLIPS16 misread weights,
 * |pixel - 128| <= 128). Stored minus one (what a greater-than comparison wants). */
enum { MARGIN_MAX = 32700, FLIPS16 = 255 };
static int16_t margin(const ncm_model_layer *L, int c, int32_t S)
{
    int64_t m = ((int64_t)(L->thresh[c] - S) * L->dir[c] + 1) >> 1; /* ceil of half */
    m = m > MARGIN_MAX ? MARGIN_MAX : m < -MARGIN_MAX ? -MARGIN_MAX : m;
    return (int16_t)(m - 1);
}

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
        free(k->h_t[l]);
    }
    free(k->px_t);
    free(k->m0_t);
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
        bytes += (int64_t)L->cout * (d->n + B) * 4 + (int64_t)L->cout * (d->n + B) / 8 +
                 (l ? (int64_t)L->fan_in * L->cout * 2 : (int64_t)L->fan_in * (d->n + B) * 2);
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
    k->m = m, k->n_layers = m->n_layers, k->n = d->n, k->nb = (d->n + B - 1) / B;
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
    /* The blocks' transposed copies: pixels and sums of the first layer, hidden outputs. */
    const ncm_model_layer *L0 = &m->layer[0];
    const int64_t nb = k->nb;
    if (!(k->px_t = calloc((size_t)(nb * L0->fan_in * B), sizeof *k->px_t)) ||
        !(k->m0_t = calloc((size_t)(nb * L0->cout * B), sizeof *k->m0_t))) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    /* blocks on the threads: each block's lanes are written by one thread */
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < nb; b++)
        for (int64_t i = b * B; i < (b + 1) * B && i < d->n; i++) {
            const int64_t lane = i % B;
            const uint8_t *px = d->pixels + i * L0->fan_in;
            for (int j = 0; j < L0->fan_in; j++)
                k->px_t[(b * L0->fan_in + j) * B + lane] = (int16_t)(px[j] - NCM_PIXEL_OFFSET);
            for (int c = 0; c < L0->cout; c++)
                k->m0_t[(b * L0->cout + c) * B + lane] =
                    margin(L0, c, k->sums[0][i * L0->cout + c]);
        }
    k->avx2 = kernel != NCM_KERNEL_PORTABLE && ncm_kernel_supported(NCM_KERNEL_AVX2) &&
              (kernel != NCM_KERNEL_AUTO || ncm_kernel_select(NULL) != NCM_KERNEL_PORTABLE);
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        if (L->last)
            continue;
        const int cw = words_of(L->cout);
        if (!(k->h_t[l] = calloc((size_t)(nb * L->cout), sizeof *k->h_t[l]))) {
            s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            goto fail;
        }
        uint16_t *ht = k->h_t[l];
#pragma omp parallel for schedule(static)
        for (int64_t b = 0; b < nb; b++)
            for (int64_t i = b * B; i < (b + 1) * B && i < d->n; i++)
                for (int c = 0; c < L->cout; c++)
                    if (ncm_imc_bit(k->bits[l] + i * cw, c))
                        ht[b * L->cout + c] |= (uint16_t)(1u << (i % B));
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
    int64_t *start; /* [n_neurons + 1]: neuron u's misread weights are start[u] .. start[u+1]-1 */
    int n_neurons;
} flips;

static void flips_free(flips *f)
{
    free(f->c);
    free(f->j);
    free(f->sign);
    free(f->neurons);
    free(f->start);
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
    f->start = malloc((size_t)(S->cout + 1) * sizeof *f->start);
    f->n_neurons = 0;
    f->n = n;
    if (!f->c || !f->j || !f->sign || !f->neurons || !f->start)
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
            f->start[f->n_neurons] = k0, f->neurons[f->n_neurons++] = c;
    }
    f->start[f->n_neurons] = k;
    return NCM_OK;
}

/* acc[i] += v (2 bit_i(x) - 1) over a block's lanes: the term of a misread weight of input
 * mask x. */
static inline void lanes_sign_add(int16_t *restrict acc, unsigned x, int v)
{
    for (int i = 0; i < B; i++)
        acc[i] = (int16_t)(acc[i] + (((x >> i) & 1u) ? v : -v));
}

/* Work room of one chip's inference of a block: per layer the images' changed inputs (lists and
 * transposed masks), the misread weights' terms per lane, a layer's sums and outputs. */
typedef struct {
    int32_t *list[2];  /* [B][cmax] the inputs each image computes differently (two layers) */
    int nd[2][B];      /* their counts */
    uint16_t *chg[2];  /* [cmax] per input neuron, the lanes where it changed */
    int16_t *term;     /* [B][cmax] the misread weights' terms of a layer, per image */
    int16_t *acc;      /* [cmax] one image's change of each sum */
    int32_t *a;        /* [cmax] one image's sums */
    uint64_t *xin;     /* [wmax] one image's input bits */
    uint64_t *words;   /* [wmax] one image's output bits */
} room;

static void room_free(room *r)
{
    free(r->list[0]), free(r->list[1]), free(r->chg[0]), free(r->chg[1]);
    free(r->term), free(r->acc), free(r->a), free(r->xin), free(r->words);
}

/* The lanes where first-layer neuron u of chip f fires on block b, exactly: the cached true
 * sums plus 2 s' (pixel - 128) per misread weight (any number of them). */
static unsigned first_exact(const ncm_imc_cache *k, const flips *f, int u, int64_t b)
{
    const ncm_model_layer *L0 = &k->m->layer[0];
    const int16_t *px = k->px_t + b * L0->fan_in * B;
    const int c = f->neurons[u];
    unsigned m = 0;
    for (int i = 0; i < B && b * B + i < k->n; i++) {
        int32_t a = k->sums[0][(b * B + i) * L0->cout + c];
        for (int64_t t = f->start[u]; t < f->start[u + 1]; t++)
            a += 2 * f->sign[t] * px[(int64_t)f->j[t] * B + i];
        m |= (unsigned)ncm_fires(L0, c, a) << i;
    }
    return m;
}

/* Records that neuron c of the first layer changed on the lanes of x (slot 0). */
static inline void first_changed(const ncm_imc_cache *k, room *r, int c, unsigned x)
{
    const int cout = k->m->layer[0].cout;
    r->chg[0][c] = (uint16_t)x;
    for (unsigned y = x; y; y &= y - 1) {
        const int i = __builtin_ctz(y);
        r->list[0][(int64_t)i * cout + r->nd[0][i]++] = c;
    }
}

/* The first layer of one chip on block b: the neurons with misread weights only can change.
 * Fills the changed lists and masks of slot 0. */
static void block_first(const ncm_imc_cache *k, const flips *f, int64_t b, room *r)
{
    const ncm_model_layer *L0 = &k->m->layer[0];
    const uint16_t *h0 = k->h_t[0] + b * L0->cout;
    memset(r->chg[0], 0, (size_t)L0->cout * sizeof *r->chg[0]);
    for (int i = 0; i < B; i++)
        r->nd[0][i] = 0;
    for (int u = 0; u < f->n_neurons; u++)
        first_changed(k, r, f->neurons[u], first_exact(k, f, u, b) ^ h0[f->neurons[u]]);
}

/* The 16 lanes of a comparison's result (16-bit lanes, all ones or zeros) as a mask. */
__attribute__((target("avx2"))) static inline unsigned lanes_mask(__m256i cmp)
{
    const __m128i lo = _mm256_castsi256_si128(cmp), hi = _mm256_extracti128_si256(cmp, 1);
    return (unsigned)_mm_movemask_epi8(_mm_packs_epi16(lo, hi));
}

/* block_first with AVX2: each misread weight adds s' (pixel - 128) to 16 lanes of int16 at once,
 * compared with the margins; a neuron with more than FLIPS16 of them goes the exact way. */
__attribute__((target("avx2"))) static void block_first_avx2(const ncm_imc_cache *k,
                                                             const flips *f, int64_t b, room *r)
{
    const ncm_model_layer *L0 = &k->m->layer[0];
    const int16_t *px = k->px_t + b * L0->fan_in * B;
    const int16_t *mg = k->m0_t + b * L0->cout * B;
    const uint16_t *h0 = k->h_t[0] + b * L0->cout;
    memset(r->chg[0], 0, (size_t)L0->cout * sizeof *r->chg[0]);
    for (int i = 0; i < B; i++)
        r->nd[0][i] = 0;
    for (int u = 0; u < f->n_neurons; u++) {
        const int c = f->neurons[u];
        const int64_t t0 = f->start[u], t1 = f->start[u + 1];
        unsigned fire;
        if (t1 - t0 > FLIPS16) {
            fire = first_exact(k, f, u, b);
        } else {
            __m256i d = _mm256_setzero_si256();
            for (int64_t t = t0; t < t1; t++) {
                const __m256i p = _mm256_loadu_si256((const __m256i *)(px + (int64_t)f->j[t] * B));
                d = _mm256_add_epi16(d, _mm256_sign_epi16(p, _mm256_set1_epi16(f->sign[t])));
            }
            d = _mm256_sign_epi16(d, _mm256_set1_epi16(L0->dir[c]));
            const __m256i m = _mm256_loadu_si256((const __m256i *)(mg + (int64_t)c * B));
            fire = lanes_mask(_mm256_cmpgt_epi16(d, m));
        }
        first_changed(k, r, c, fire ^ h0[c]);
    }
}

/* The misread weights' terms of binary layer l on block b, per lane: -2 s_ij x'_j with x' the
 * chip's input (the error-free output of the layer below, flipped where it changed). */
static void block_terms(const ncm_imc_cache *k, const flips *f, int l, int64_t b,
                        const uint16_t *chg, int16_t *term_t)
{
    const int cin = k->m->layer[l - 1].cout, cout = term_stride(k->m->layer[l].cout);
    const uint16_t *h = k->h_t[l - 1] + b * cin;
    memset(term_t, 0, (size_t)B * cout * sizeof *term_t);
    for (int u = 0; u < f->n_neurons; u++) {
        int16_t acc[B] = {0};
        for (int64_t t = f->start[u]; t < f->start[u + 1]; t++) {
            const int j = f->j[t];
            lanes_sign_add(acc, (unsigned)(h[j] ^ chg[j]), -2 * f->sign[t]);
        }
        for (int i = 0; i < B; i++)
            term_t[(int64_t)i * cout + f->neurons[u]] = acc[i];
    }
}

/* One image's sums of a binary layer by differences: a = S + terms + the column of 2 s_ij of
 * every changed input j, subtracted where the error-free input x_j was +1, added where -1. */
NCM_TARGET_CLONES static void sums_by_difference(const int16_t *col2, const int16_t *terms,
                                                 const uint64_t *x0, const int32_t *changed,
                                                 int nd, const int32_t *S, int cout,
                                                 int16_t *restrict acc, int32_t *restrict a)
{
    memcpy(acc, terms, (size_t)cout * sizeof *acc);
    for (int u = 0; u < nd; u++) {
        const int j = changed[u];
        add_column(acc, col2 + (int64_t)j * cout, cout, ncm_imc_bit(x0, j) ? -1 : 1);
    }
    for (int c = 0; c < cout; c++)
        a[c] = S[c] + acc[c];
}

/* sums_by_difference with AVX2: 128 sums at a time in 8 registers while every changed input's
 * column goes by (each accumulator read and written once, not once per column); the columns
 * past the last multiple of 128 the portable way. */
__attribute__((target("avx2"))) static void sums_by_difference_avx2(
    const int16_t *col2, const int16_t *terms, const uint64_t *x0, const int32_t *changed, int nd,
    const int32_t *S, int cout, int16_t *restrict acc, int32_t *restrict a)
{
    const int c1 = cout / 128 * 128;
    for (int c0 = 0; c0 < c1; c0 += 128) {
        __m256i v[8];
        for (int r = 0; r < 8; r++)
            v[r] = _mm256_loadu_si256((const __m256i *)(terms + c0 + 16 * r));
        for (int u = 0; u < nd; u++) {
            const int j = changed[u];
            const int16_t *col = col2 + (int64_t)j * cout + c0;
            if (ncm_imc_bit(x0, j)) /* x_j = +1: subtract 2 s_ij */
                for (int r = 0; r < 8; r++)
                    v[r] = _mm256_sub_epi16(v[r],
                                            _mm256_loadu_si256((const __m256i *)(col + 16 * r)));
            else
                for (int r = 0; r < 8; r++)
                    v[r] = _mm256_add_epi16(v[r],
                                            _mm256_loadu_si256((const __m256i *)(col + 16 * r)));
        }
        for (int r = 0; r < 8; r++) {
            const __m256i lo = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(v[r]));
            const __m256i hi = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(v[r], 1));
            const int32_t *s0 = S + c0 + 16 * r;
            _mm256_storeu_si256((__m256i *)(a + c0 + 16 * r),
                                _mm256_add_epi32(lo, _mm256_loadu_si256((const __m256i *)s0)));
            _mm256_storeu_si256((__m256i *)(a + c0 + 16 * r + 8),
                                _mm256_add_epi32(hi,
                                                 _mm256_loadu_si256((const __m256i *)(s0 + 8))));
        }
    }
    if (c1 < cout) {
        const int n = cout - c1;
        memcpy(acc, terms + c1, (size_t)n * sizeof *acc);
        for (int u = 0; u < nd; u++) {
            const int j = changed[u];
            const int16_t *col = col2 + (int64_t)j * cout + c1;
            const int sg = ncm_imc_bit(x0, j) ? -1 : 1;
            for (int c = 0; c < n; c++)
                acc[c] = (int16_t)(acc[c] + sg * col[c]);
        }
        for (int c = 0; c < n; c++)
            a[c1 + c] = S[c1 + c] + acc[c];
    }
}

/* block_terms with AVX2: per misread weight, its input's 16 lanes as a mask compared into
 * 0 / -1 lanes; the terms are 2 sum s - 4 sum s bit (|4 sum| < 2^15 for fewer than 8192
 * misread weights per neuron, more than any chip run by differences has). */
/* r[k][m] = r[m][k]: a 16 x 16 transpose of 16-bit lanes (interleaves of 16, 32, 64 and 128
 * bits). */
__attribute__((target("avx2"))) static inline void transpose16(__m256i r[16])
{
    __m256i t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm256_unpacklo_epi16(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_epi16(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        u[4 * i + 0] = _mm256_unpacklo_epi32(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 1] = _mm256_unpackhi_epi32(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 2] = _mm256_unpacklo_epi32(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm256_unpackhi_epi32(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int i = 0; i < 2; i++)
        for (int q = 0; q < 4; q++) {
            t[8 * i + 2 * q] = _mm256_unpacklo_epi64(u[8 * i + q], u[8 * i + 4 + q]);
            t[8 * i + 2 * q + 1] = _mm256_unpackhi_epi64(u[8 * i + q], u[8 * i + 4 + q]);
        }
    for (int q = 0; q < 8; q++) {
        r[q] = _mm256_permute2x128_si256(t[q], t[8 + q], 0x20);
        r[8 + q] = _mm256_permute2x128_si256(t[q], t[8 + q], 0x31);
    }
}

/* block_terms with AVX2: per misread weight, its input's 16 lanes as a mask compared into
 * 0 / -1 lanes; the terms are 2 sum s - 4 sum s bit (|4 sum| < 2^15 for fewer than 8192
 * misread weights per neuron, more than any chip run by differences has). Neurons go by tiles
 * of 16, whose 16 x 16 terms are transposed in registers into the images' rows. */
__attribute__((target("avx2"))) static void block_terms_avx2(const ncm_imc_cache *k,
                                                             const flips *f, int l, int64_t b,
                                                             const uint16_t *chg,
                                                             int16_t *term_t)
{
    const int cin = k->m->layer[l - 1].cout, cout = k->m->layer[l].cout;
    const int stride = term_stride(cout);
    const uint16_t *h = k->h_t[l - 1] + b * cin;
    const __m256i bit = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096,
                                          8192, 16384, (short)32768);
    int u = 0;
    for (int c0 = 0; c0 < cout; c0 += 16) {
        __m256i r[16];
        int any = 0;
        for (int q = 0; q < 16; q++) {
            r[q] = _mm256_setzero_si256();
            if (u >= f->n_neurons || f->neurons[u] != c0 + q)
                continue;
            __m256i acc = _mm256_setzero_si256();
            int ssum = 0;
            for (int64_t t = f->start[u]; t < f->start[u + 1]; t++) {
                const int j = f->j[t];
                const __m256i x = _mm256_set1_epi16((short)(h[j] ^ chg[j]));
                const __m256i on = _mm256_cmpeq_epi16(_mm256_and_si256(x, bit), bit);
                acc = _mm256_sub_epi16(acc, _mm256_sign_epi16(on, _mm256_set1_epi16(f->sign[t])));
                ssum += f->sign[t];
            }
            r[q] = _mm256_sub_epi16(_mm256_set1_epi16((short)(2 * ssum)), _mm256_slli_epi16(acc, 2));
            any = 1, u++;
        }
        if (any)
            transpose16(r);
        for (int i = 0; i < B; i++)
            _mm256_storeu_si256((__m256i *)(term_t + (int64_t)i * stride + c0), r[i]);
    }
}

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
    room r = {{malloc((size_t)cmax * B * 4), malloc((size_t)cmax * B * 4)},
              {{0}},
              {malloc((size_t)cmax * 2), malloc((size_t)cmax * 2)},
              malloc((size_t)term_stride(cmax) * B * 2),
              malloc((size_t)cmax * 2),
              malloc((size_t)cmax * 4),
              malloc((size_t)wmax * 8),
              malloc((size_t)wmax * 8)};
    ncm_status s = NCM_OK;
    if (!ff || !r.list[0] || !r.list[1] || !r.chg[0] || !r.chg[1] || !r.term ||
        !r.acc || !r.a || !r.xin || !r.words)
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    for (int q = 0; q < g && !s; q++)
        for (int l = 0; l < L && !s; l++)
            s = flips_build(&ff[q * NCM_MAX_LAYERS + l], &m->layer[l], &chips[q]->layer[l], err);
    /* Block by block, every chip of the group: the block's cached values are loaded once. */
    const ncm_model_layer *L0 = &m->layer[0];
    for (int64_t b = 0; b < k->nb && !s; b++) {
        const int nimg = (int)(k->n - b * B < B ? k->n - b * B : B);
        if (b + 1 < k->nb) { /* the next block's pixels and margins, read at random below */
            const char *px = (const char *)(k->px_t + (b + 1) * L0->fan_in * B);
            const char *mg = (const char *)(k->m0_t + (b + 1) * L0->cout * B);
            for (int64_t o = 0; o < (int64_t)L0->fan_in * B * 2; o += 64)
                __builtin_prefetch(px + o);
            for (int64_t o = 0; o < (int64_t)L0->cout * B * 2; o += 64)
                __builtin_prefetch(mg + o);
        }
        for (int q = 0; q < g; q++) {
            const flips *f = ff + q * NCM_MAX_LAYERS;
            const ncm_model *chip = chips[q];
            if (k->avx2)
                block_first_avx2(k, &f[0], b, &r);
            else
                block_first(k, &f[0], b, &r);
            int cur = 0; /* slot of the changed inputs of layer l */
            for (int l = 1; l < L; l++) {
                const ncm_model_layer *Ll = &m->layer[l];
                const int n = Ll->fan_in, cout = Ll->cout, iw = words_of(n);
                const int nxt = 1 - cur;
                if (k->avx2)
                    block_terms_avx2(k, &f[l], l, b, r.chg[cur], r.term);
                else
                    block_terms(k, &f[l], l, b, r.chg[cur], r.term);
                if (!Ll->last)
                    memset(r.chg[nxt], 0, (size_t)cout * sizeof *r.chg[nxt]);
                for (int i = 0; i < nimg; i++) {
                    const int64_t im = b * B + i;
                    const int nd = r.nd[cur][i];
                    const int32_t *changed = r.list[cur] + (int64_t)i * m->layer[l - 1].cout;
                    const uint64_t *x0 = k->bits[l - 1] + im * iw; /* error-free inputs */
                    const int32_t *Sl = k->sums[l] + im * cout;
                    if (nd <= n / 8) {
                        /* the misread weights' terms, then a column per changed input */
                        if (k->avx2)
                            sums_by_difference_avx2(k->col2[l],
                                                    r.term + (int64_t)i * term_stride(cout), x0,
                                                    changed, nd, Sl, cout, r.acc, r.a);
                        else
                            sums_by_difference(k->col2[l], r.term + (int64_t)i * term_stride(cout),
                                               x0, changed, nd, Sl, cout, r.acc, r.a);
                    } else { /* many changed inputs: the chip's sums directly */
                        memcpy(r.xin, x0, (size_t)iw * 8);
                        for (int u = 0; u < nd; u++)
                            r.xin[changed[u] / 64] ^= 1ull << (changed[u] % 64);
                        const ncm_model_layer *Cl = &chip->layer[l];
                        for (int c = 0; c < cout; c++) {
                            const uint64_t *w = Cl->wbits + (int64_t)c * Cl->words;
                            int p = 0;
                            for (int u = 0; u < Cl->words; u++)
                                p += __builtin_popcountll(w[u] ^ r.xin[u]);
                            r.a[c] = n - 2 * p;
                        }
                    }
                    if (Ll->last) {
                        pred[q * k->n + im] = ncm_class_of(Ll, r.a, NULL);
                        continue;
                    }
                    /* the outputs that differ from the error-free ones: the next layer's D */
                    int32_t *out = r.list[nxt] + (int64_t)i * cout;
                    r.nd[nxt][i] = changed_outputs(Ll, r.a, k->bits[l] + im * words_of(cout),
                                                   r.words, out);
                    for (int u = 0; u < r.nd[nxt][i]; u++)
                        r.chg[nxt][out[u]] |= (uint16_t)(1u << i);
                }
                cur = nxt;
            }
        }
    }
    for (int q = 0; ff && q < g; q++)
        for (int l = 0; l < L; l++)
            flips_free(&ff[q * NCM_MAX_LAYERS + l]);
    free(ff);
    room_free(&r);
    return s;
}
