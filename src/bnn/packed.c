/* Whole-network inference on packed bits (see include/nanocim/packed.h for the method).
 *
 * Each thread takes chunks of images through all layers with single-threaded binary products;
 * activations are packed bits, channel-packed per position for convolutions. */
#include "nanocim/packed.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "bnn/xnor_kernels.h"

typedef struct {
    const ncm_model_layer *L;
    int in_cw;        /* words of channels per input position (binary layers) */
    int tap_bytes;    /* convolutions: bytes of a 3x3 tap in a row, the input channels rounded
                       * up to 32 bits (so 32 channels take half a word, not a whole one) */
    int out_cw;       /* words of channels per output position */
    int rows_per_img; /* rows of the binary product per image */
    int row_words;    /* words per row */
    int corr;         /* zero padding bits inside a row: kernel sum - corr = true sum */
    int prev_pos;     /* output positions of the previous layer (dense after a convolution) */
    ncm_bmat w;
    int32_t *pcu;      /* first layer: popcount of each neuron's weight bits */
    ncm_i8mat w8;      /* first layer: the weights as bytes, for the 8-bit product */
    int32_t *off8;     /* first layer: 128 (2 pcu - n), taken from the 8-bit product's sums */
    int32_t *tsign;    /* hidden layers, per neuron (out_cw * 64, padded): +1 or -1 (dir) */
    int32_t *tval;     /* ... and dir * T: the neuron fires when dir * a >= dir * T */
    int32_t *tval_raw; /* dir * (T + corr or off8): the same test on the kernel's raw sums */
    uint64_t *or_mask; /* out_cw words: 1 = the neuron fires on a >= T (pool with OR) */
} player;

struct ncm_packed {
    const ncm_model *m;
    ncm_kernel kernel;
    int n;
    player *pl;
    int chunk;              /* images per chunk */
    int64_t max_rows_words; /* per chunk */
    int64_t max_sums;       /* per chunk */
    int64_t max_act;        /* activation words per image */
};

static int32_t clamp32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static int words_of(int bits)
{
    return (bits + 63) / 64;
}

/* Kernel bit of model weight j. Convolution: model c*9 + t, kernel t * tap bits + c. Dense: model
 * c*P + pos, kernel pos * cw*64 + c (the identity after a dense layer, P = 1). First layer:
 * model order. */
static int64_t kernel_bit(const player *q, int j)
{
    const ncm_model_layer *L = q->L;
    if (L->first)
        return j;
    if (L->kind == NCM_LAYER_CONV)
        return (int64_t)(j % 9) * q->tap_bytes * 8 + j / 9;
    return (int64_t)(j % q->prev_pos) * q->in_cw * 64 + j / q->prev_pos;
}

int64_t ncm_packed_kernel_bit(const ncm_packed *p, int l, int j)
{
    return kernel_bit(&p->pl[l], j);
}

void ncm_packed_free(ncm_packed *p)
{
    if (!p)
        return;
    for (int l = 0; p->pl && l < p->n; l++) {
        ncm_bmat_free(&p->pl[l].w);
        ncm_i8mat_free(&p->pl[l].w8);
        free(p->pl[l].pcu);
        free(p->pl[l].off8);
        free(p->pl[l].tsign);
        free(p->pl[l].tval);
        free(p->pl[l].tval_raw);
        free(p->pl[l].or_mask);
    }
    free(p->pl);
    free(p);
}

ncm_kernel ncm_packed_kernel(const ncm_packed *p)
{
    return p->kernel;
}

ncm_packed *ncm_packed_new(const ncm_model *m, ncm_kernel kernel, ncm_error *err)
{
    ncm_packed *p = calloc(1, sizeof *p);
    if (!p || !(p->pl = calloc((size_t)m->n_layers, sizeof *p->pl))) {
        free(p);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->m = m;
    p->n = m->n_layers;
    p->kernel = kernel == NCM_KERNEL_AUTO ? ncm_kernel_select(NULL) : kernel;
    if (!ncm_kernel_supported(p->kernel)) {
        ncm_error_set(err, NCM_ERR_ARG, "kernel %s: not supported by this CPU",
                      ncm_kernel_name(p->kernel));
        ncm_packed_free(p);
        return NULL;
    }
    int max_rows = 1;
    /* Shape of the previous layer's packed output: positions and channel words. */
    int prev_pos = 1, prev_cw = 0;
    for (int l = 0; l < p->n; l++) {
        const ncm_model_layer *L = &m->layer[l];
        player *q = &p->pl[l];
        q->L = L;
        q->out_cw = words_of(L->cout);
        const int conv = L->kind == NCM_LAYER_CONV;
        int kbits;
        if (L->first) {
            q->rows_per_img = conv ? 8 * L->hc * L->wc : 8;
            kbits = L->fan_in;
        } else if (conv) {
            q->in_cw = prev_cw;
            q->tap_bytes = (m->layer[l - 1].cout + 31) / 32 * 4;
            q->rows_per_img = L->hc * L->wc;
            kbits = 9 * q->tap_bytes * 8;
        } else {
            q->in_cw = prev_cw;
            q->rows_per_img = 1;
            kbits = prev_pos * prev_cw * 64;
        }
        q->row_words = words_of(kbits);
        q->prev_pos = prev_pos;
        q->corr = L->first ? 0 : kbits - L->fan_in;
        /* Reorder the weight bits into the kernel layout. */
        uint64_t *rows = calloc((size_t)L->cout * q->row_words, sizeof(uint64_t));
        q->pcu = calloc((size_t)L->cout, sizeof(int32_t));
        q->off8 = calloc((size_t)L->cout, sizeof(int32_t));
        q->tsign = calloc((size_t)q->out_cw * 64, sizeof(int32_t));
        q->tval = calloc((size_t)q->out_cw * 64, sizeof(int32_t));
        q->tval_raw = calloc((size_t)q->out_cw * 64, sizeof(int32_t));
        q->or_mask = calloc((size_t)q->out_cw, sizeof(uint64_t));
        if (!rows || !q->pcu || !q->off8 || !q->tsign || !q->tval || !q->tval_raw || !q->or_mask) {
            free(rows);
            ncm_packed_free(p);
            ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            return NULL;
        }
        /* The first layer and a dense layer after a dense one keep the model's bit order. */
        const int identity = L->first || (!conv && q->prev_pos == 1 && q->row_words >= L->words);
        for (int c = 0; c < L->cout; c++) {
            const uint64_t *src = L->wbits + (int64_t)c * L->words;
            uint64_t *dst = rows + (int64_t)c * q->row_words;
            if (identity) {
                for (int w = 0; w < L->words; w++) {
                    dst[w] = src[w];
                    q->pcu[c] += __builtin_popcountll(src[w]);
                }
            } else {
                for (int j = 0; j < L->fan_in; j++)
                    if (src[j / 64] >> (j % 64) & 1) {
                        const int64_t t = kernel_bit(q, j);
                        dst[t / 64] |= 1ull << (t % 64);
                        q->pcu[c]++;
                    }
            }
            if (!L->last && L->dir[c] > 0)
                q->or_mask[c / 64] |= 1ull << (c % 64);
            q->off8[c] = NCM_PIXEL_OFFSET * (2 * q->pcu[c] - L->fan_in);
        }
        /* dir * T clamped to 32 bits: the sums are below 2^25 in magnitude (layer sizes are
         * bounded by ncm_arch_parse), so a clamped bound decides as the true one: INT32_MAX never
         * holds and INT32_MIN always does. The raw form adds what the true sum subtracts from
         * the kernel's (corr, or the first layer's offset). Padding neurons (past cout) get +1
         * and INT32_MAX: they never fire. */
        for (int c = 0; c < q->out_cw * 64; c++) {
            q->tsign[c] = 1;
            q->tval[c] = q->tval_raw[c] = INT32_MAX;
            if (c < L->cout && !L->last) {
                const int64_t bias = L->first ? q->off8[c] : q->corr;
                q->tsign[c] = L->dir[c] > 0 ? 1 : -1;
                q->tval[c] = clamp32((int64_t)L->dir[c] * L->thresh[c]);
                q->tval_raw[c] = clamp32((int64_t)L->dir[c] * (L->thresh[c] + bias));
            }
        }
        ncm_status s = ncm_bmat_pack(&q->w, rows, L->cout, kbits, q->row_words, err);
        if (!s && L->first)
            s = ncm_i8mat_pack(&q->w8, rows, L->cout, L->fan_in, q->row_words, err);
        free(rows);
        if (s) {
            ncm_packed_free(p);
            return NULL;
        }
        if (q->rows_per_img > max_rows)
            max_rows = q->rows_per_img;
        prev_pos = L->ho * L->wo;
        prev_cw = q->out_cw;
    }
    /* Chunks of about 4096 rows keep a thread's working set in L2. */
    p->chunk = 4096 / max_rows;
    p->chunk = p->chunk < 1 ? 1 : p->chunk > 64 ? 64 : p->chunk;
    for (int l = 0; l < p->n; l++) {
        const player *q = &p->pl[l];
        int64_t rw = (int64_t)p->chunk * q->rows_per_img * q->row_words;
        int64_t sm = (int64_t)p->chunk * q->rows_per_img * q->w.n8;
        int64_t act = (int64_t)q->L->hc * q->L->wc * q->out_cw;
        p->max_rows_words = rw > p->max_rows_words ? rw : p->max_rows_words;
        p->max_sums = sm > p->max_sums ? sm : p->max_sums;
        p->max_act = act > p->max_act ? act : p->max_act;
    }
    return p;
}

/* ---- rows of the binary product ---------------------------------------------------------- */

/* First layer: the 8 bit planes of each input vector (the image, or each 3x3 patch of it with
 * pixel 0 as padding), in model order. */
/* Bit b of each byte of x, byte i to bit i: the masked bits sit at 8i; the multiplier's bits at
 * 7k (k = 1..8) put byte i's at 8i + 7(8 - i) = 56 + i, and no two products share a position
 * (8(i - i') = 7(k' - k) has no solution in range), so nothing carries into the top byte. */
static inline uint64_t plane_byte(uint64_t x, int b)
{
    return (((x >> b) & 0x0101010101010101ull) * 0x0102040810204080ull) >> 56;
}

/* The 8 bit planes of n pixels v[0..n) into rows b * rw + word (bits past n zero). Each word of
 * 64 pixels is built in registers, 8 pixels and 8 planes at a time (plane_byte). */
static void pack_planes(const uint8_t *v, int n, uint64_t *r, int rw)
{
    for (int q = 0; q < rw; q++) {
        uint64_t w[8] = {0};
        const int j0 = q * 64, m = n - j0 < 64 ? (n - j0 > 0 ? n - j0 : 0) : 64;
        for (int g = 0; g * 8 < m; g++) {
            const int k = m - g * 8 < 8 ? m - g * 8 : 8;
            uint64_t x = 0; /* pixel j0 + 8g + i in byte i */
            for (int i = 0; i < k; i++)
                x |= (uint64_t)v[j0 + g * 8 + i] << (8 * i);
            for (int b = 0; b < 8; b++)
                w[b] |= plane_byte(x, b) << (8 * g);
        }
        for (int b = 0; b < 8; b++)
            r[b * rw + q] = w[b];
    }
}

/* First convolution: each position's 3x3 patch of the image (pixel 0 as padding), in model order
 * (c * 9 + tap), one row of fan_in bytes per position, for either form of the first layer. The
 * image is first copied into a zero border one pixel wide (pad: (H + 2) x (W + 2) per channel), so
 * that no tap needs a bounds test. */
static void first_patches(const ncm_model_layer *L, const uint8_t *img, uint8_t *rows, uint8_t *pad)
{
    const int H = L->hin, W = L->win, C = L->cin, n = L->fan_in, PW = W + 2;
    const int64_t PP = (int64_t)(H + 2) * PW;
    memset(pad, 0, (size_t)(C * PP));
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            memcpy(pad + c * PP + (int64_t)(y + 1) * PW + 1, img + ((int64_t)c * H + y) * W,
                   (size_t)W);
    for (int y = 0; y < L->hc; y++)
        for (int x = 0; x < L->wc; x++) {
            uint8_t *r = rows + (int64_t)(y * W + x) * n;
            for (int c = 0; c < C; c++) {
                const uint8_t *q = pad + c * PP + (int64_t)y * PW + x; /* tap 0: (y-1, x-1) */
                for (int t = 0; t < 9; t++)
                    r[c * 9 + t] = q[(t / 3) * PW + t % 3];
            }
        }
}

/* Scratch bytes of a worker for the first layer: the zero-bordered image of a convolution and,
 * for the bit-plane form, its patches (first_rows); a dense first layer needs none. */
static int64_t first_scratch_bytes(const ncm_model_layer *L)
{
    if (L->kind != NCM_LAYER_CONV)
        return 1;
    return (int64_t)L->cin * (L->hin + 2) * (L->win + 2) + (int64_t)L->hc * L->wc * L->fan_in;
}

/* The first layer's bit-plane rows: 8 per image, or 8 per position of a convolution. */
static void first_rows(const player *q, const uint8_t *img, uint64_t *rows, uint8_t *scratch)
{
    const ncm_model_layer *L = q->L;
    const int rw = q->row_words, n = L->fan_in;
    if (L->kind != NCM_LAYER_CONV) {
        pack_planes(img, n, rows, rw);
        return;
    }
    const int64_t padded = (int64_t)L->cin * (L->hin + 2) * (L->win + 2);
    uint8_t *patches = scratch + padded;
    first_patches(L, img, patches, scratch);
    for (int pos = 0; pos < L->hc * L->wc; pos++)
        pack_planes(patches + (int64_t)pos * n, n, rows + (int64_t)pos * 8 * rw, rw);
}

/* Binary convolution: per position, the nine neighbours' channels, tap_bytes each (zero bits,
 * i.e. -1, outside the image). The channels of a position are its words' first bytes (little
 * endian), so a tap is a copy of bytes; 32 channels (4 bytes) get their own fixed-size copy. */
static void conv_rows(const player *q, const uint64_t *act, uint64_t *rows)
{
    const ncm_model_layer *L = q->L;
    const int H = L->hin, W = L->win, cw = q->in_cw, tb = q->tap_bytes;
    const size_t row_bytes = (size_t)q->row_words * 8;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *r = (uint8_t *)(rows + (int64_t)(y * W + x) * q->row_words);
            memset(r + 9 * tb, 0, row_bytes - 9 * (size_t)tb);
            for (int t = 0; t < 9; t++) {
                const int ys = y + t / 3 - 1, xs = x + t % 3 - 1;
                uint8_t *dst = r + t * tb;
                if (ys < 0 || ys >= H || xs < 0 || xs >= W) {
                    memset(dst, 0, (size_t)tb);
                    continue;
                }
                const uint8_t *src = (const uint8_t *)(act + (int64_t)(ys * W + xs) * cw);
                if (tb == 4)
                    memcpy(dst, src, 4);
                else if (tb == 8)
                    memcpy(dst, src, 8);
                else
                    memcpy(dst, src, (size_t)tb);
            }
        }
}

/* ---- thresholds and pooling on bits ------------------------------------------------------ */

/* Each word is built from bytes 0/1, packed eight at a time by one multiplication: for bytes
 * b_0..b_7, (sum b_i 2^(8i)) * 0x0102040810204080 has b_i at bit 56 + i and nothing carries into
 * the top byte (or-ing into memory neuron by neuron would chain every store to the next load). */
NCM_TARGET_CLONES static void threshold_words(const ncm_model_layer *L, const int32_t *s,
                                              uint64_t *out, int cw)
{
    for (int k = 0; k < cw; k++) {
        const int c0 = k * 64, n = L->cout - c0 < 64 ? (L->cout - c0 > 0 ? L->cout - c0 : 0) : 64;
        uint8_t b[64];
        for (int t = 0; t < n; t++)
            b[t] = (uint8_t)ncm_fires(L, c0 + t, s[c0 + t]);
        for (int t = n; t < 64; t++)
            b[t] = 0;
        uint64_t w = 0;
        for (int g = 0; g < 8; g++) {
            uint64_t x;
            memcpy(&x, b + 8 * g, 8);
            w |= ((x * UINT64_C(0x0102040810204080)) >> 56) << (8 * g);
        }
        out[k] = w;
    }
}

/* Not cloned itself: an extern target_clones function would export its resolver symbol. */
void ncm_threshold_bits(const ncm_model_layer *L, const int32_t *s, uint64_t *out, int cw)
{
    threshold_words(L, s, out, cw);
}

/* 2x2 max-pool of thresholded bits: OR for neurons that fire on a >= T, AND for a <= T. */
static void pool_bits(const player *q, const uint64_t *in, uint64_t *out)
{
    const ncm_model_layer *L = q->L;
    const int cw = q->out_cw, Wc = L->wc;
    for (int y = 0; y < L->ho; y++)
        for (int x = 0; x < L->wo; x++) {
            const uint64_t *a = in + (int64_t)((2 * y) * Wc + 2 * x) * cw, *b = a + cw;
            const uint64_t *c = a + (int64_t)Wc * cw, *d = c + cw;
            uint64_t *o = out + (int64_t)(y * L->wo + x) * cw;
            for (int k = 0; k < cw; k++) {
                const uint64_t any = a[k] | b[k] | c[k] | d[k], all = a[k] & b[k] & c[k] & d[k];
                o[k] = (any & q->or_mask[k]) | (all & ~q->or_mask[k]);
            }
        }
}

/* ---- one chunk of images through the network ---------------------------------------------- */

typedef struct {
    uint64_t *rows, *act, *act2, *bits;
    int32_t *sums;
    uint8_t *scratch; /* the first layer's scratch (first_scratch_bytes) */
} work;

static void run_chunk(const ncm_packed *p, const ncm_dataset *d, int64_t i0, int nimg, work *wk,
                      int32_t *pred, float *scores, const ncm_packed_hooks *h)
{
    const int P0 = d->c * d->h * d->w;
    const int64_t act_stride = p->max_act;
    for (int l = 0; l < p->n; l++) {
        const player *q = &p->pl[l];
        const ncm_model_layer *L = q->L;
        const int rpi = q->rows_per_img, rw = q->row_words, ldc = q->w.n8;
        const int npos = L->hc * L->wc;
        /* The first layer: one 8-bit product, or (for the chip's perturb hook, which models the
         * array's bit-plane reads) eight binary ones, a sum per bit plane. */
        const int planes = L->first && h && h->perturb;
        const int stride = planes ? 8 : 1; /* sums per position */
        if (L->first && !planes) {
            const uint8_t *px = d->pixels + i0 * P0;
            if (L->kind == NCM_LAYER_CONV) {
                uint8_t *r8 = (uint8_t *)wk->rows;
                for (int i = 0; i < nimg; i++)
                    first_patches(L, px + (int64_t)i * P0, r8 + (int64_t)i * npos * L->fan_in,
                                  wk->scratch);
                ncm_i8_gemm(p->kernel, r8, nimg * npos, L->fan_in, &q->w8, wk->sums, ldc);
            } else {
                ncm_i8_gemm(p->kernel, px, nimg, P0, &q->w8, wk->sums, ldc);
            }
        } else {
            /* rows of this layer's product */
            for (int i = 0; i < nimg; i++) {
                uint64_t *r = wk->rows + (int64_t)i * rpi * rw;
                const uint64_t *a = wk->act + i * act_stride;
                if (L->first)
                    first_rows(q, d->pixels + (i0 + i) * P0, r, wk->scratch);
                else if (L->kind == NCM_LAYER_CONV)
                    conv_rows(q, a, r);
                else
                    memcpy(r, a, (size_t)rw * 8);
            }
            ncm_xnor_gemm(p->kernel, wk->rows, nimg * rpi, rw, &q->w, wk->sums, ldc, 1);
        }
        /* True sums, per image and position. Without hooks a hidden layer's thresholds take the
         * kernel's raw sums instead (tval_raw). */
        const int raw = !h && !L->last && !planes;
        for (int i = 0; i < nimg && !raw; i++)
            for (int pos = 0; pos < npos; pos++) {
                int32_t *s = wk->sums + ((int64_t)i * npos + pos) * stride * ldc;
                if (!L->first && q->corr)
                    for (int c = 0; c < L->cout; c++)
                        s[c] -= q->corr;
                if (h && h->perturb)
                    h->perturb(h->user, l, i0 + i, pos,
                               L->first ? (const void *)(d->pixels + (i0 + i) * P0)
                                        : (const void *)(wk->rows + ((int64_t)i * rpi + pos) * rw),
                               s, ldc);
                if (L->first && !planes) { /* a = sum (x - 128) w = dot - 128 (2 pcu - n) */
                    for (int c = 0; c < L->cout; c++)
                        s[c] -= q->off8[c];
                } else if (L->first) { /* a = 128 n - pcu - sum_b 2^b X_b, X_b = (n - dot_b) / 2 */
                    for (int c = 0; c < L->cout; c++) {
                        int64_t acc = 0;
                        for (int b = 0; b < 8; b++)
                            acc += (int64_t)((L->fan_in - s[b * ldc + c]) / 2) << b;
                        s[c] = (int32_t)((int64_t)NCM_PIXEL_OFFSET * L->fan_in - q->pcu[c] - acc);
                    }
                }
                if (h && h->observe)
                    h->observe(h->user, l, i0 + i, pos, s);
            }
        if (L->last) {
            const int K = L->cout;
            for (int i = 0; i < nimg; i++)
                pred[i0 + i] = ncm_class_of(L, wk->sums + (int64_t)i * stride * ldc,
                                            scores ? scores + (i0 + i) * K : NULL);
            return;
        }
        /* threshold (and pool) into the next activations */
        for (int i = 0; i < nimg; i++) {
            uint64_t *out = wk->act2 + i * act_stride;
            uint64_t *tb = L->pool ? wk->bits : out;
            ncm_fire_bits(p->kernel, wk->sums + (int64_t)i * npos * stride * ldc,
                          (int64_t)stride * ldc, npos, q->tsign, raw ? q->tval_raw : q->tval,
                          L->cout, tb, q->out_cw);
            if (L->pool)
                pool_bits(q, tb, out);
        }
        uint64_t *t = wk->act;
        wk->act = wk->act2;
        wk->act2 = t;
    }
}

ncm_status ncm_packed_predict(const ncm_packed *p, const ncm_dataset *d, int32_t *pred,
                              float *scores, ncm_error *err)
{
    return ncm_packed_predict_hooked(p, d, pred, scores, NULL, err);
}

ncm_status ncm_packed_predict_hooked(const ncm_packed *p, const ncm_dataset *d, int32_t *pred,
                                     float *scores, const ncm_packed_hooks *h, ncm_error *err)
{
    const ncm_arch *a = &p->m->arch;
    if (d->c != a->in_c || d->h != a->in_h || d->w != a->in_w)
        return ncm_error_set(err, NCM_ERR_DATA,
                             "dataset images are %dx%dx%d, the model expects %dx%dx%d", d->c, d->h,
                             d->w, a->in_c, a->in_h, a->in_w);
    const int64_t nchunks = (d->n + p->chunk - 1) / p->chunk;
    int failed = 0;
#pragma omp parallel
    {
        work wk;
        wk.rows = malloc((size_t)p->max_rows_words * sizeof(uint64_t));
        wk.sums = malloc((size_t)p->max_sums * sizeof(int32_t));
        wk.act = malloc((size_t)(p->chunk * p->max_act + 1) * 8);
        wk.act2 = malloc((size_t)(p->chunk * p->max_act + 1) * 8);
        wk.bits = malloc((size_t)(p->max_act + 1) * 8);
        wk.scratch = malloc((size_t)first_scratch_bytes(p->pl[0].L));
        const int ok = wk.rows && wk.sums && wk.act && wk.act2 && wk.bits && wk.scratch;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < nchunks; ch++) {
            if (!ok)
                continue;
            const int64_t i0 = ch * p->chunk;
            const int nimg = (int)(d->n - i0 < p->chunk ? d->n - i0 : p->chunk);
            run_chunk(p, d, i0, nimg, &wk, pred, scores, h);
        }
        free(wk.rows);
        free(wk.sums);
        free(wk.act);
        free(wk.act2);
        free(wk.bits);
        free(wk.scratch);
    }
    if (failed)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for packed inference");
    return NCM_OK;
}
