/* BinaryNet-style training of binarized networks (see include/nanocim/bnn.h).
 *
 * Read top to bottom like a training program: the block structure and its buffers, then each
 * stage's forward next to its backward (im2col/convolution, max-pool, batch norm, sign), the
 * optimiser, one epoch, prediction, and checkpoints.
 *
 * Layout: activations are channel-major, [channels][batch][rows][columns], a fully connected
 * block being the case of 1x1 images ([features][batch]). One sgemm then covers the whole batch
 * with no reordering of its output, and batch norm reads each channel contiguously. Dense algebra
 * goes through OpenBLAS sgemm; the rest is OpenMP with no reductions across threads, so results do
 * not depend on the thread count. */
#include "nanocim/bnn.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "util/gemm.h"
#include "util/progress.h"
#include "nanocim/rng.h"
#include "util/rng_inline.h"

#define BN_MOMENTUM 0.1f
/* Images whose batch statistics are averaged into the evaluation statistics after each epoch. */
#define BN_ESTIMATE_IMAGES 10000

/* Batch-norm modes: evaluation (running statistics), training (batch statistics, running ones
 * updated with momentum), estimation (batch statistics, accumulated for a population average). */
enum { BN_EVAL, BN_TRAIN, BN_ESTIMATE };
#define ADAM_B1 0.9f
#define ADAM_B2 0.999f
#define ADAM_EPS 1e-8f

/* Random stream ids: one family per use, so no two uses share numbers. */
#define STREAM_INIT(l) ((1ull << 60) | (uint64_t)(l))
#define STREAM_SHUFFLE(e) ((2ull << 60) | (uint64_t)(e))
#define STREAM_AUGMENT(e, i) ((3ull << 60) | ((uint64_t)(e) << 32) | (uint64_t)(i))
#define STREAM_FLIP(t, l) ((4ull << 60) | ((uint64_t)(t) << 8) | (uint64_t)(l))

typedef struct {
    ncm_layer_kind kind;
    int first, last, pool;
    int cin, hin, win; /* input shape (dense: cin = features, hin = win = 1) */
    int cout, ho, wo;  /* output shape after pooling (dense: ho = wo = 1) */
    int hc, wc;        /* convolution output before pooling */
    int fan_in;        /* inputs per output: features, or cin * 9 */
    int64_t n_w;       /* cout * fan_in */
    /* parameters and optimiser state */
    float *w, *mw, *vw; /* latent weights and their Adam moments */
    float *gamma, *beta, *mg, *vg, *mb, *vb, *rmean, *rvar;
    /* work buffers, sized for max_batch */
    float *wb, *gw, *ggamma, *gbeta; /* binarized weights; gradients */
    float *in, *din;                 /* input (and its gradient), [cin][B][hin * win] */
    float *col, *dcol;               /* conv: im2col patches [fan_in][B * hc * wc] */
    float *z, *dz;                   /* sums [cout][B * hc * wc] */
    float *a, *da;                   /* after pooling (aliases z, dz without pooling) */
    int32_t *arg;                    /* pooling: index in z of each window's maximum */
    float *xhat, *y, *dy, *out;
    float *bmean, *binvstd;
    double *est_mean, *est_var; /* sums over batches in BN_ESTIMATE mode */
} block;

struct ncm_bnn {
    ncm_arch arch;
    ncm_train_opts opts;
    int max_batch;
    int epoch;    /* epochs completed */
    int64_t step; /* Adam steps taken */
    int n;        /* blocks */
    block b[NCM_MAX_LAYERS];
    float *probs; /* one image's class scores */
};

/* ---- set-up ------------------------------------------------------------------------------ */

void ncm_train_opts_default(ncm_train_opts *o)
{
    o->epochs = 15;
    o->batch = 100;
    o->lr = 5e-3f;
    o->lr_end = 5e-5f;
    o->seed = 1;
    o->augment = 0;
    o->flip_p = 0.0f;
}

ncm_status ncm_train_opts_check(const ncm_train_opts *o, ncm_error *err)
{
    if (o->epochs < 1 || o->epochs > 100000)
        return ncm_error_set(err, NCM_ERR_ARG, "epochs %d: expected 1 to 100000", o->epochs);
    if (o->batch < 1 || o->batch > 65536)
        return ncm_error_set(err, NCM_ERR_ARG, "batch %d: expected 1 to 65536", o->batch);
    if (!(o->lr > 0.0f && o->lr < 10.0f))
        return ncm_error_set(err, NCM_ERR_ARG, "lr %g: expected a number in (0, 10)", o->lr);
    if (!(o->lr_end > 0.0f && o->lr_end <= o->lr))
        return ncm_error_set(err, NCM_ERR_ARG, "lr_end %g: expected a number in (0, lr]",
                             o->lr_end);
    if (o->augment < 0 || o->augment > (NCM_AUGMENT_FLIP | NCM_AUGMENT_SHIFT))
        return ncm_error_set(err, NCM_ERR_ARG, "augment %d: unknown augmentation code", o->augment);
    if (!(o->flip_p >= 0.0f && o->flip_p < 0.5f))
        return ncm_error_set(err, NCM_ERR_ARG, "flip_p %g: expected a probability in [0, 0.5)",
                             o->flip_p);
    return NCM_OK;
}

static float *falloc(int64_t n)
{
    return calloc((size_t)(n > 0 ? n : 1), sizeof(float));
}

/* Parameter tensors of a block, in checkpoint order. */
static int block_params(block *k, float **p[11], int64_t len[11])
{
    float **ptr[11] = {&k->w,  &k->mw, &k->vw, &k->gamma, &k->beta, &k->mg,
                       &k->vg, &k->mb, &k->vb, &k->rmean, &k->rvar};
    for (int i = 0; i < 11; i++) {
        p[i] = ptr[i];
        len[i] = i < 3 ? k->n_w : k->cout;
    }
    return 11;
}

static void block_free(block *k)
{
    float **p[11];
    int64_t len[11];
    int np = block_params(k, p, len);
    for (int i = 0; i < np; i++)
        free(*p[i]);
    float *work[] = {k->wb, k->gw, k->ggamma, k->gbeta, k->in, k->din, k->col,   k->dcol,
                     k->z,  k->dz, k->xhat,   k->y,     k->dy, k->out, k->bmean, k->binvstd};
    for (size_t i = 0; i < sizeof work / sizeof *work; i++)
        free(work[i]);
    if (k->pool) {
        free(k->a);
        free(k->da);
    }
    free(k->arg);
    free(k->est_mean);
    free(k->est_var);
}

void ncm_bnn_free(ncm_bnn *net)
{
    if (!net)
        return;
    for (int i = 0; i < net->n; i++)
        block_free(&net->b[i]);
    free(net->probs);
    free(net);
}

static ncm_bnn *bnn_alloc(const ncm_arch *arch, const ncm_train_opts *opts, int max_batch,
                          ncm_error *err)
{
    if (arch->n_layers < 1 || arch->n_layers > NCM_MAX_LAYERS) {
        ncm_error_set(err, NCM_ERR_ARG, "architecture with %d layers", arch->n_layers);
        return NULL;
    }
    if (max_batch < 1) {
        ncm_error_set(err, NCM_ERR_ARG, "max_batch %d: expected >= 1", max_batch);
        return NULL;
    }
    ncm_bnn *net = calloc(1, sizeof *net);
    if (!net) {
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    net->arch = *arch;
    net->opts = *opts;
    net->max_batch = max_batch;
    net->n = arch->n_layers;
    const int64_t B = max_batch;
    ncm_layer_shape shape[NCM_MAX_LAYERS];
    ncm_arch_shapes(arch, shape);
    int ok = 1;
    for (int l = 0; l < net->n && ok; l++) {
        block *k = &net->b[l];
        const ncm_layer_shape *S = &shape[l];
        k->kind = arch->layer[l].kind;
        k->first = l == 0;
        k->last = l == net->n - 1;
        k->pool = arch->layer[l].pool;
        k->cin = S->cin, k->hin = S->hin, k->win = S->win;
        k->cout = S->cout, k->hc = S->hc, k->wc = S->wc, k->ho = S->ho, k->wo = S->wo;
        k->fan_in = S->fan_in;
        k->n_w = (int64_t)k->cout * k->fan_in;
        float **p[11];
        int64_t len[11];
        int np = block_params(k, p, len);
        for (int i = 0; i < np; i++)
            ok &= (*p[i] = falloc(len[i])) != NULL;
        const int64_t nin = B * k->cin * k->hin * k->win;
        const int64_t nconv = B * k->hc * k->wc * k->cout;
        const int64_t nout = B * k->ho * k->wo * k->cout;
        ok &= (k->wb = falloc(k->n_w)) && (k->gw = falloc(k->n_w));
        ok &= (k->ggamma = falloc(k->cout)) && (k->gbeta = falloc(k->cout));
        ok &= (k->bmean = falloc(k->cout)) && (k->binvstd = falloc(k->cout));
        ok &= (k->est_mean = calloc((size_t)k->cout, sizeof(double))) != NULL;
        ok &= (k->est_var = calloc((size_t)k->cout, sizeof(double))) != NULL;
        ok &= (k->in = falloc(nin)) && (k->din = falloc(nin));
        if (k->kind == NCM_LAYER_CONV) {
            int64_t ncol = (int64_t)k->fan_in * B * k->hc * k->wc;
            ok &= (k->col = falloc(ncol)) && (k->dcol = falloc(ncol));
        }
        ok &= (k->z = falloc(nconv)) && (k->dz = falloc(nconv));
        if (k->pool) {
            ok &= (k->a = falloc(nout)) && (k->da = falloc(nout));
            ok &= (k->arg = calloc((size_t)nout, sizeof(int32_t))) != NULL;
        } else {
            k->a = k->z, k->da = k->dz;
        }
        ok &= (k->xhat = falloc(nout)) && (k->y = falloc(nout)) && (k->dy = falloc(nout)) &&
              (k->out = falloc(nout));
    }
    ok = ok && (net->probs = falloc(arch->n_classes));
    if (!ok) {
        ncm_bnn_free(net);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for the network's buffers");
        return NULL;
    }
    return net;
}

ncm_bnn *ncm_bnn_new(const ncm_arch *arch, const ncm_train_opts *opts, int max_batch,
                     ncm_error *err)
{
    if (ncm_train_opts_check(opts, err))
        return NULL;
    ncm_bnn *net = bnn_alloc(arch, opts, max_batch, err);
    if (!net)
        return NULL;
    for (int l = 0; l < net->n; l++) {
        block *k = &net->b[l];
        /* Glorot-uniform latent weights (Glorot and Bengio 2010), as in BinaryNet. */
        float lim =
            sqrtf(6.0f / (float)(k->fan_in + k->cout * (k->kind == NCM_LAYER_CONV ? 9 : 1)));
        ncm_rng r;
        ncm_rng_init(&r, opts->seed, STREAM_INIT(l));
        for (int64_t i = 0; i < k->n_w; i++)
            k->w[i] = lim * (float)(2.0 * ncm_rng_uniform(&r) - 1.0);
        for (int c = 0; c < k->cout; c++) {
            k->gamma[c] = 1.0f;
            k->rvar[c] = 1.0f;
        }
    }
    return net;
}

const ncm_arch *ncm_bnn_arch(const ncm_bnn *net)
{
    return &net->arch;
}
const ncm_train_opts *ncm_bnn_opts(const ncm_bnn *net)
{
    return &net->opts;
}
int ncm_bnn_epoch(const ncm_bnn *net)
{
    return net->epoch;
}

void ncm_bnn_layer_params(const ncm_bnn *net, int l, const float **w_latent, const float **mean,
                          float *scale_out, const float **beta)
{
    const block *k = &net->b[l];
    *w_latent = k->w;
    *mean = k->rmean;
    *beta = k->beta;
    for (int c = 0; c < k->cout; c++)
        scale_out[c] = ncm_bn_scale(k->gamma[c], k->rvar[c]);
}

/* ---- input ------------------------------------------------------------------------------- */

/* Copies images idx[0..B) into the first block's input, as pixel - 128, channel-major. With
 * augmentation, each image is flipped left-right with probability 1/2 (NCM_AUGMENT_FLIP) and
 * shifted by up to 2 pixels each way (NCM_AUGMENT_SHIFT; uncovered pixels are background, 0),
 * drawn from the image's own random stream. */
static void load_batch(ncm_bnn *net, const ncm_dataset *d, const int32_t *idx, int B, int augment)
{
    block *k = &net->b[0];
    const int C = d->c, H = d->h, W = d->w, P = H * W;
    const int conv = k->kind == NCM_LAYER_CONV;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < B; i++) {
        const uint8_t *img = d->pixels + (int64_t)idx[i] * C * P;
        int flip = 0, sx = 0, sy = 0;
        if (augment) {
            ncm_rng r;
            ncm_rng_init(&r, net->opts.seed, STREAM_AUGMENT(net->epoch, idx[i]));
            uint32_t u = ncm_rng_next_u32(&r);
            if (augment & NCM_AUGMENT_FLIP)
                flip = u & 1;
            if (augment & NCM_AUGMENT_SHIFT) {
                sx = (int)((u >> 1) % 5) - 2;
                sy = (int)((u >> 4) % 5) - 2;
            }
        }
        for (int c = 0; c < C; c++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    int ys = y + sy, xs = x + sx;
                    if (flip)
                        xs = W - 1 - xs;
                    float v = (float)-NCM_PIXEL_OFFSET;
                    if (ys >= 0 && ys < H && xs >= 0 && xs < W)
                        v = (float)(img[c * P + ys * W + xs] - NCM_PIXEL_OFFSET);
                    int64_t o = conv ? ((int64_t)c * B + i) * P + y * W + x
                                     : ((int64_t)c * P + y * W + x) * B + i;
                    k->in[o] = v;
                }
    }
}

/* Moves block l's output into block l+1's input (backward = 0), or block l+1's input gradient
 * into block l's output gradient (backward = 1). conv -> dense flattens [C][B][P] to [C*P][B]. */
static void pass_between(block *k, block *next, int B, int backward)
{
    const int64_t n = (int64_t)B * k->cout * k->ho * k->wo;
    if (k->kind == next->kind) {
        if (backward)
            memcpy(k->dy, next->din, (size_t)n * sizeof(float));
        else
            memcpy(next->in, k->out, (size_t)n * sizeof(float));
        return;
    }
    const int C = k->cout, P = k->ho * k->wo;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++)
        for (int i = 0; i < B; i++)
            for (int p = 0; p < P; p++) {
                int64_t cm = ((int64_t)c * B + i) * P + p, bm = ((int64_t)c * P + p) * B + i;
                if (backward)
                    k->dy[cm] = next->din[bm];
                else
                    next->in[bm] = k->out[cm];
            }
}

/* ---- convolution: im2col and its adjoint ------------------------------------------------- */

/* Row r = c*9 + ky*3 + kx of the patch matrix holds input channel c shifted by (ky-1, kx-1);
 * rows are copied in runs, with the border filled with the padding value. */
static void im2col(const block *k, int B)
{
    const int H = k->hin, W = k->win, P = H * W;
    const int64_t BP = (int64_t)B * P;
    const float pad = k->first ? (float)NCM_PAD_INPUT : (float)NCM_PAD_BINARY;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < k->fan_in; r++) {
        const int c = r / 9, dy = r % 9 / 3 - 1, dx = r % 3 - 1;
        const int x0 = dx < 0 ? 1 : 0, x1 = dx > 0 ? W - 1 : W; /* valid x: [x0, x1) */
        for (int i = 0; i < B; i++) {
            const float *src = k->in + ((int64_t)c * B + i) * P;
            float *dst = k->col + r * BP + (int64_t)i * P;
            for (int y = 0; y < H; y++) {
                float *d = dst + y * W;
                const int ys = y + dy;
                if (ys < 0 || ys >= H) {
                    for (int x = 0; x < W; x++)
                        d[x] = pad;
                    continue;
                }
                if (x0)
                    d[0] = pad;
                memcpy(d + x0, src + ys * W + x0 + dx, (size_t)(x1 - x0) * sizeof(float));
                if (x1 < W)
                    d[W - 1] = pad;
            }
        }
    }
}

/* Adjoint of im2col: each input position accumulates the gradients of the patch entries that
 * copied it (channels in parallel, rows of a channel in a fixed order). */
static void col2im(const block *k, int B)
{
    const int H = k->hin, W = k->win, P = H * W;
    const int64_t BP = (int64_t)B * P;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < k->cin; c++) {
        float *dst = k->din + (int64_t)c * BP;
        memset(dst, 0, (size_t)BP * sizeof(float));
        for (int r = c * 9; r < c * 9 + 9; r++) {
            const int dy = r % 9 / 3 - 1, dx = r % 3 - 1;
            const int x0 = dx < 0 ? 1 : 0, x1 = dx > 0 ? W - 1 : W;
            for (int i = 0; i < B; i++) {
                const float *src = k->dcol + r * BP + (int64_t)i * P;
                float *di = dst + (int64_t)i * P;
                for (int y = 0; y < H; y++) {
                    const int ys = y + dy;
                    if (ys < 0 || ys >= H)
                        continue;
                    float *d = di + ys * W + dx;
                    const float *q = src + y * W;
                    for (int x = x0; x < x1; x++)
                        d[x] += q[x];
                }
            }
        }
    }
}

/* z = W_b * x for the whole batch: x is the im2col matrix (conv) or the input (dense). */
static void linear_forward(block *k, int B)
{
    const int BP = B * k->hc * k->wc;
    if (k->kind == NCM_LAYER_CONV)
        im2col(k, B);
    const float *x = k->kind == NCM_LAYER_CONV ? k->col : k->in;
    ncm_sgemm(CblasNoTrans, CblasNoTrans, k->cout, BP, k->fan_in, 1.0f, k->wb, k->fan_in, x, BP,
              0.0f, k->z, BP);
}

/* From dz: the weight gradient dz x^T and, except for the first block, the input gradient
 * W_b^T dz (through col2im for a convolution). */
static void linear_backward(block *k, int B)
{
    const int BP = B * k->hc * k->wc;
    const int conv = k->kind == NCM_LAYER_CONV;
    ncm_sgemm(CblasNoTrans, CblasTrans, k->cout, k->fan_in, BP, 1.0f, k->dz, BP,
              conv ? k->col : k->in, BP, 0.0f, k->gw, k->fan_in);
    if (k->first)
        return;
    ncm_sgemm(CblasTrans, CblasNoTrans, k->fan_in, BP, k->cout, 1.0f, k->wb, k->fan_in, k->dz, BP,
              0.0f, conv ? k->dcol : k->din, BP);
    if (conv)
        col2im(k, B);
}

/* ---- 2x2 max-pooling --------------------------------------------------------------------- */

static void pool_forward(block *k, int B)
{
    const int Hc = k->hc, Wc = k->wc, Ho = k->ho, Wo = k->wo;
#pragma omp parallel for schedule(static)
    for (int64_t pl = 0; pl < (int64_t)k->cout * B; pl++) {
        const int64_t zin = pl * Hc * Wc, zout = pl * Ho * Wo;
        for (int y = 0; y < Ho; y++)
            for (int x = 0; x < Wo; x++) {
                int64_t best = zin + 2 * y * Wc + 2 * x;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        int64_t j = zin + (2 * y + dy) * Wc + 2 * x + dx;
                        if (k->z[j] > k->z[best])
                            best = j;
                    }
                k->a[zout + y * Wo + x] = k->z[best];
                k->arg[zout + y * Wo + x] = (int32_t)(best - zin);
            }
    }
}

static void pool_backward(block *k, int B)
{
    const int64_t nin = (int64_t)k->hc * k->wc, nout = (int64_t)k->ho * k->wo;
#pragma omp parallel for schedule(static)
    for (int64_t pl = 0; pl < (int64_t)k->cout * B; pl++) {
        float *dz = k->dz + pl * nin;
        memset(dz, 0, (size_t)nin * sizeof(float));
        for (int64_t j = 0; j < nout; j++)
            dz[k->arg[pl * nout + j]] += k->da[pl * nout + j];
    }
}

/* ---- batch norm -------------------------------------------------------------------------- */

static void bn_forward(block *k, int B, int mode)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < k->cout; c++) {
        const int64_t n = (int64_t)B * k->ho * k->wo, base = c * n;
        if (mode == BN_EVAL) {
            const float scale = ncm_bn_scale(k->gamma[c], k->rvar[c]);
            for (int64_t j = 0; j < n; j++) {
                const int64_t e = base + j;
                k->y[e] = ncm_bn_apply(k->a[e], k->rmean[c], scale, k->beta[c]);
            }
            continue;
        }
        double s = 0.0, ss = 0.0;
        for (int64_t j = 0; j < n; j++)
            s += k->a[base + j];
        const double mean = s / (double)n;
        for (int64_t j = 0; j < n; j++) {
            double dv = k->a[base + j] - mean;
            ss += dv * dv;
        }
        const double var = ss / (double)n;
        const float invstd = (float)(1.0 / sqrt(var + NCM_BN_EPS));
        k->bmean[c] = (float)mean;
        k->binvstd[c] = invstd;
        for (int64_t j = 0; j < n; j++) {
            const int64_t e = base + j;
            k->xhat[e] = (k->a[e] - (float)mean) * invstd;
            k->y[e] = k->gamma[c] * k->xhat[e] + k->beta[c];
        }
        /* Statistics for evaluation; unbiased variance as in Ioffe and Szegedy (2015). */
        const double uvar = n > 1 ? var * (double)n / (double)(n - 1) : var;
        if (mode == BN_ESTIMATE) {
            k->est_mean[c] += mean;
            k->est_var[c] += uvar;
            continue;
        }
        k->rmean[c] = (1.0f - BN_MOMENTUM) * k->rmean[c] + BN_MOMENTUM * (float)mean;
        k->rvar[c] = (1.0f - BN_MOMENTUM) * k->rvar[c] + BN_MOMENTUM * (float)uvar;
    }
}

/* dy -> da, dgamma, dbeta (Ioffe and Szegedy 2015, section 3). */
static void bn_backward(block *k, int B)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < k->cout; c++) {
        const int64_t n = (int64_t)B * k->ho * k->wo, base = c * n;
        double sdy = 0.0, sdyx = 0.0;
        for (int64_t j = 0; j < n; j++) {
            const int64_t e = base + j;
            sdy += k->dy[e];
            sdyx += (double)k->dy[e] * k->xhat[e];
        }
        k->gbeta[c] = (float)sdy;
        k->ggamma[c] = (float)sdyx;
        const float f = k->gamma[c] * k->binvstd[c] / (float)n;
        const float mdy = (float)(sdy / (double)n), mdyx = (float)(sdyx / (double)n);
        for (int64_t j = 0; j < n; j++) {
            const int64_t e = base + j;
            k->da[e] = f * (float)n * (k->dy[e] - mdy - k->xhat[e] * mdyx);
        }
    }
}

/* ---- sign activation with the straight-through estimator ---------------------------------- */

static void sign_forward(block *k, int64_t n)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        k->out[i] = k->y[i] >= 0.0f ? 1.0f : -1.0f;
}

/* Hard-tanh STE: the gradient passes where |y| <= 1 (Courbariaux, Hubara et al. 2016, eq. 4). */
static void sign_backward(block *k, int64_t n)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        if (fabsf(k->y[i]) > 1.0f)
            k->dy[i] = 0.0f;
}

/* ---- whole network ----------------------------------------------------------------------- */

/* Binarizes the latent weights; during error-aware training, flips each binary weight with
 * probability flip_p, choosing the flips by geometric skipping (cost proportional to flips). */
static void binarize(ncm_bnn *net, int flip)
{
    for (int l = 0; l < net->n; l++) {
        block *k = &net->b[l];
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < k->n_w; i++)
            k->wb[i] = k->w[i] >= 0.0f ? 1.0f : -1.0f;
        if (flip && net->opts.flip_p > 0.0f) {
            ncm_rng r;
            ncm_rng_init(&r, net->opts.seed, STREAM_FLIP(net->step, l));
            const double lq = log1p(-(double)net->opts.flip_p);
            for (int64_t i = (int64_t)(log(ncm_rng_uniform(&r)) / lq); i < k->n_w;
                 i += 1 + (int64_t)(log(ncm_rng_uniform(&r)) / lq))
                k->wb[i] = -k->wb[i];
        }
    }
}

static void forward(ncm_bnn *net, int B, int mode)
{
    for (int l = 0; l < net->n; l++) {
        block *k = &net->b[l];
        linear_forward(k, B);
        if (k->pool)
            pool_forward(k, B);
        bn_forward(k, B, mode);
        if (!k->last) {
            sign_forward(k, (int64_t)B * k->cout * k->ho * k->wo);
            pass_between(k, &net->b[l + 1], B, 0);
        }
    }
}

/* Softmax cross-entropy of the class scores; fills the last block's dy; returns the summed loss
 * and the number of correct predictions. */
static double softmax_xent(ncm_bnn *net, int B, const uint8_t *labels, const int32_t *idx,
                           int *correct)
{
    block *k = &net->b[net->n - 1];
    const int K = k->cout;
    double loss = 0.0;
    *correct = 0;
    float *s = net->probs;
    for (int i = 0; i < B; i++) {
        for (int j = 0; j < K; j++)
            s[j] = k->y[(int64_t)j * B + i];
        int best = 0;
        for (int j = 1; j < K; j++)
            if (s[j] > s[best])
                best = j;
        double sum = 0.0;
        for (int j = 0; j < K; j++)
            sum += exp((double)(s[j] - s[best]));
        const int y = labels[idx[i]];
        loss += log(sum) - (double)(s[y] - s[best]);
        *correct += best == y;
        for (int j = 0; j < K; j++) {
            float p = (float)(exp((double)(s[j] - s[best])) / sum);
            k->dy[(int64_t)j * B + i] = (p - (j == y ? 1.0f : 0.0f)) / (float)B;
        }
    }
    return loss;
}

static void backward_pass(ncm_bnn *net, int B)
{
    for (int l = net->n - 1; l >= 0; l--) {
        block *k = &net->b[l];
        if (!k->last) {
            pass_between(k, &net->b[l + 1], B, 1);
            sign_backward(k, (int64_t)B * k->cout * k->ho * k->wo);
        }
        bn_backward(k, B);
        if (k->pool)
            pool_backward(k, B);
        linear_backward(k, B);
    }
}

static void adam(float *p, float *m, float *v, const float *g, int64_t n, float lr, float c1,
                 float c2, int clip)
{
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        m[i] = ADAM_B1 * m[i] + (1.0f - ADAM_B1) * g[i];
        v[i] = ADAM_B2 * v[i] + (1.0f - ADAM_B2) * g[i] * g[i];
        float x = p[i] - lr * (m[i] / c1) / (sqrtf(v[i] / c2) + ADAM_EPS);
        if (clip)
            x = x > 1.0f ? 1.0f : x < -1.0f ? -1.0f : x;
        p[i] = x;
    }
}

/* Adam (Kingma and Ba 2015) on every parameter; latent weights clipped to [-1, 1]. */
static void update(ncm_bnn *net, float lr)
{
    net->step++;
    const float c1 = 1.0f - powf(ADAM_B1, (float)net->step);
    const float c2 = 1.0f - powf(ADAM_B2, (float)net->step);
    for (int l = 0; l < net->n; l++) {
        block *k = &net->b[l];
        adam(k->w, k->mw, k->vw, k->gw, k->n_w, lr, c1, c2, 1);
        adam(k->gamma, k->mg, k->vg, k->ggamma, k->cout, lr, c1, c2, 0);
        adam(k->beta, k->mb, k->vb, k->gbeta, k->cout, lr, c1, c2, 0);
    }
}

static ncm_status check_data(const ncm_bnn *net, const ncm_dataset *d, ncm_error *err)
{
    const ncm_arch *a = &net->arch;
    if (d->c != a->in_c || d->h != a->in_h || d->w != a->in_w)
        return ncm_error_set(err, NCM_ERR_DATA,
                             "dataset images are %dx%dx%d, the network expects %dx%dx%d", d->c,
                             d->h, d->w, a->in_c, a->in_h, a->in_w);
    if (d->n_classes > a->n_classes)
        return ncm_error_set(err, NCM_ERR_DATA, "dataset has %d classes, the network %d",
                             d->n_classes, a->n_classes);
    if (d->n < 1)
        return ncm_error_set(err, NCM_ERR_DATA, "dataset is empty");
    return NCM_OK;
}

/* Population statistics for evaluation (Ioffe and Szegedy 2015, algorithm 2): the mean of the
 * batch means and of the unbiased batch variances over the first BN_ESTIMATE_IMAGES training
 * images, in training-size batches with the current binary weights. The momentum averages that
 * training keeps lag behind the weights, whose sign flips move the statistics in jumps; the
 * population average matches the network that is evaluated. */
static void estimate_bn(ncm_bnn *net, const ncm_dataset *d, int B, int32_t *idx)
{
    const int64_t n = d->n < BN_ESTIMATE_IMAGES ? d->n : BN_ESTIMATE_IMAGES;
    const int64_t nb = n / B;
    if (nb < 1)
        return; /* too few images for a full batch: keep the running statistics */
    for (int l = 0; l < net->n; l++) {
        memset(net->b[l].est_mean, 0, (size_t)net->b[l].cout * sizeof(double));
        memset(net->b[l].est_var, 0, (size_t)net->b[l].cout * sizeof(double));
    }
    binarize(net, 0);
    for (int64_t bi = 0; bi < nb; bi++) {
        for (int i = 0; i < B; i++)
            idx[i] = (int32_t)(bi * B + i);
        load_batch(net, d, idx, B, 0);
        forward(net, B, BN_ESTIMATE);
    }
    for (int l = 0; l < net->n; l++) {
        block *k = &net->b[l];
        for (int c = 0; c < k->cout; c++) {
            k->rmean[c] = (float)(k->est_mean[c] / (double)nb);
            k->rvar[c] = (float)(k->est_var[c] / (double)nb);
        }
    }
}

ncm_status ncm_bnn_train_epoch(ncm_bnn *net, const ncm_dataset *d, double *loss, double *acc,
                               const ncm_progress *progress, ncm_error *err)
{
    ncm_status s = check_data(net, d, err);
    if (s)
        return s;
    const ncm_train_opts *o = &net->opts;
    if (net->epoch >= o->epochs)
        return ncm_error_set(err, NCM_ERR_STATE, "all %d epochs are already done", o->epochs);
    const int B = o->batch < net->max_batch ? o->batch : net->max_batch;
    int32_t *idx = malloc((size_t)d->n * sizeof *idx);
    if (!idx)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < d->n; i++)
        idx[i] = (int32_t)i;
    ncm_rng r;
    ncm_rng_init(&r, o->seed, STREAM_SHUFFLE(net->epoch));
    ncm_rng_shuffle(&r, idx, d->n);
    /* Exponential decay from lr to lr_end over the run. */
    const float lr =
        o->epochs > 1 ? o->lr * powf(o->lr_end / o->lr, (float)net->epoch / (float)(o->epochs - 1))
                      : o->lr;
    double tot_loss = 0.0;
    int64_t tot_correct = 0, seen = 0;
    /* Every batch is full: the remainder of a shuffled epoch is left for the next shuffle. */
    const int64_t n_batches = d->n >= B ? d->n / B : 1;
    const int Bb = d->n >= B ? B : (int)d->n;
    for (int64_t bi = 0; bi < n_batches; bi++) {
        const int32_t *bidx = idx + bi * Bb;
        load_batch(net, d, bidx, Bb, o->augment);
        binarize(net, 1);
        forward(net, Bb, BN_TRAIN);
        int correct;
        tot_loss += softmax_xent(net, Bb, d->labels, bidx, &correct);
        tot_correct += correct;
        seen += Bb;
        backward_pass(net, Bb);
        update(net, lr);
        if (progress) {
            char task[48];
            snprintf(task, sizeof task, "epoch %d/%d", net->epoch + 1, o->epochs);
            ncm_status c = ncm_progress_report(progress, task, bi + 1, n_batches, err);
            if (c) {
                free(idx);
                return c;
            }
        }
    }
    estimate_bn(net, d, Bb, idx);
    free(idx);
    net->epoch++;
    if (loss)
        *loss = tot_loss / (double)seen;
    if (acc)
        *acc = (double)tot_correct / (double)seen;
    return NCM_OK;
}

#ifdef NCM_TEST_HOOKS
ncm_bn_view ncm_bnn_bn_view(ncm_bnn *net, int l)
{
    block *k = &net->b[l];
    ncm_bn_view v = {k->gamma, k->beta, k->rmean, k->rvar, k->ggamma, k->gbeta, k->cout};
    return v;
}

double ncm_bnn_batch_loss(ncm_bnn *net, const ncm_dataset *d, const int32_t *idx, int B,
                          int backward)
{
    int correct;
    load_batch(net, d, idx, B, 0);
    binarize(net, 0);
    forward(net, B, BN_TRAIN);
    double loss = softmax_xent(net, B, d->labels, idx, &correct);
    if (backward)
        backward_pass(net, B);
    return loss / B;
}
#endif

ncm_status ncm_bnn_predict(ncm_bnn *net, const ncm_dataset *d, int32_t *pred, float *scores,
                           ncm_error *err)
{
    ncm_status s = check_data(net, d, err);
    if (s)
        return s;
    const int K = net->arch.n_classes;
    int32_t *idx = malloc((size_t)net->max_batch * sizeof *idx);
    if (!idx)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    binarize(net, 0);
    const block *last = &net->b[net->n - 1];
    for (int64_t i0 = 0; i0 < d->n; i0 += net->max_batch) {
        const int B = (int)(d->n - i0 < net->max_batch ? d->n - i0 : net->max_batch);
        for (int i = 0; i < B; i++)
            idx[i] = (int32_t)(i0 + i);
        load_batch(net, d, idx, B, 0);
        forward(net, B, BN_EVAL);
        for (int i = 0; i < B; i++) {
            const float *sc = last->y + i; /* class j's score at sc[j * B] */
            int best = 0;
            for (int j = 1; j < K; j++)
                if (sc[(int64_t)j * B] > sc[(int64_t)best * B])
                    best = j;
            pred[i0 + i] = best;
            if (scores)
                for (int j = 0; j < K; j++)
                    scores[(i0 + i) * K + j] = sc[(int64_t)j * B];
        }
    }
    free(idx);
    return NCM_OK;
}

/* ---- checkpoints ------------------------------------------------------------------------- */

static const char CKPT_MAGIC[8] = {'N', 'C', 'M', 'C', 'K', 'P', 'T', '\0'};
enum { CKPT_VERSION = 1 };

void ncm_bnn_write_arch(ncm_wbuf *w, const ncm_arch *a)
{
    ncm_wbuf_u32(w, (uint32_t)a->n_layers);
    ncm_wbuf_u32(w, (uint32_t)a->in_c);
    ncm_wbuf_u32(w, (uint32_t)a->in_h);
    ncm_wbuf_u32(w, (uint32_t)a->in_w);
    ncm_wbuf_u32(w, (uint32_t)a->n_classes);
    for (int l = 0; l < a->n_layers; l++) {
        ncm_wbuf_u32(w, (uint32_t)a->layer[l].kind);
        ncm_wbuf_u32(w, (uint32_t)a->layer[l].out);
        ncm_wbuf_u32(w, (uint32_t)a->layer[l].pool);
    }
}

ncm_status ncm_bnn_save_checkpoint(const ncm_bnn *net, const char *path, ncm_error *err)
{
    ncm_wbuf w = {0};
    ncm_bnn_write_arch(&w, &net->arch);
    const ncm_train_opts *o = &net->opts;
    ncm_wbuf_u32(&w, (uint32_t)o->epochs);
    ncm_wbuf_u32(&w, (uint32_t)o->batch);
    ncm_wbuf_f32(&w, &o->lr, 1);
    ncm_wbuf_f32(&w, &o->lr_end, 1);
    ncm_wbuf_u64(&w, o->seed);
    ncm_wbuf_u32(&w, (uint32_t)o->augment);
    ncm_wbuf_f32(&w, &o->flip_p, 1);
    ncm_wbuf_u32(&w, (uint32_t)net->epoch);
    ncm_wbuf_u64(&w, (uint64_t)net->step);
    for (int l = 0; l < net->n; l++) {
        float **p[11];
        int64_t len[11];
        int np = block_params((block *)&net->b[l], p, len);
        for (int i = 0; i < np; i++)
            ncm_wbuf_f32(&w, *p[i], (size_t)len[i]);
    }
    ncm_status s = ncm_binfile_save(path, CKPT_MAGIC, CKPT_VERSION, &w, err);
    ncm_wbuf_free(&w);
    return s;
}

ncm_status ncm_bnn_read_arch(ncm_rbuf *r, const char *path, ncm_arch *a, ncm_error *err)
{
    memset(a, 0, sizeof *a);
    a->n_layers = (int)ncm_rbuf_u32(r);
    a->in_c = (int)ncm_rbuf_u32(r);
    a->in_h = (int)ncm_rbuf_u32(r);
    a->in_w = (int)ncm_rbuf_u32(r);
    a->n_classes = (int)ncm_rbuf_u32(r);
    if (r->short_read || a->n_layers < 1 || a->n_layers > NCM_MAX_LAYERS || a->in_c < 1 ||
        a->in_c > 64 || a->in_h < 1 || a->in_h > 4096 || a->in_w < 1 || a->in_w > 4096 ||
        a->n_classes < 2 || a->n_classes > 65536)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: invalid network shape in header", path);
    int h = a->in_h, w = a->in_w;
    for (int l = 0; l < a->n_layers; l++) {
        ncm_layer_spec *L = &a->layer[l];
        L->kind = (ncm_layer_kind)ncm_rbuf_u32(r);
        L->out = (int)ncm_rbuf_u32(r);
        L->pool = (int)ncm_rbuf_u32(r);
        int conv = L->kind == NCM_LAYER_CONV;
        if (r->short_read || (!conv && L->kind != NCM_LAYER_DENSE) || L->out < 1 ||
            L->out > 65536 || L->pool < 0 || L->pool > 1 || (L->pool && !conv) ||
            (conv && l > 0 && a->layer[l - 1].kind != NCM_LAYER_CONV) ||
            (conv && L->pool && (h < 2 || w < 2)))
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: invalid layer %d in header", path, l);
        if (L->pool)
            h /= 2, w /= 2;
    }
    if (a->layer[a->n_layers - 1].kind != NCM_LAYER_DENSE ||
        a->layer[a->n_layers - 1].out != a->n_classes)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: last layer is not the class layer", path);
    ncm_error inner;
    if (ncm_arch_check(a, &inner))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: %s", path, inner.msg);
    return NCM_OK;
}

ncm_bnn *ncm_bnn_load_checkpoint(const char *path, int max_batch, ncm_error *err)
{
    uint8_t *data;
    ncm_rbuf r;
    uint32_t version;
    if (ncm_binfile_load(path, CKPT_MAGIC, CKPT_VERSION, "checkpoint", &data, &r, &version, err))
        return NULL;
    ncm_arch arch;
    ncm_train_opts o;
    ncm_bnn *net = NULL;
    if (ncm_bnn_read_arch(&r, path, &arch, err))
        goto done;
    o.epochs = (int)ncm_rbuf_u32(&r);
    o.batch = (int)ncm_rbuf_u32(&r);
    ncm_rbuf_f32(&r, &o.lr, 1);
    ncm_rbuf_f32(&r, &o.lr_end, 1);
    o.seed = ncm_rbuf_u64(&r);
    o.augment = (int)ncm_rbuf_u32(&r);
    ncm_rbuf_f32(&r, &o.flip_p, 1);
    int epoch = (int)ncm_rbuf_u32(&r);
    int64_t step = (int64_t)ncm_rbuf_u64(&r);
    if (r.short_read || ncm_train_opts_check(&o, NULL) || epoch < 0 || epoch > o.epochs ||
        step < 0) {
        ncm_error_set(err, NCM_ERR_FORMAT, "%s: invalid training state in checkpoint", path);
        goto done;
    }
    /* Check the parameter count against the file before allocating what the header asks. */
    ncm_layer_shape shape[NCM_MAX_LAYERS];
    ncm_arch_shapes(&arch, shape);
    int64_t need = 0;
    for (int l = 0; l < arch.n_layers; l++) /* 3 weight tensors, 8 per-channel ones */
        need += 4 * (3 * (int64_t)shape[l].cout * shape[l].fan_in + 8 * (int64_t)shape[l].cout);
    if ((int64_t)(r.len - r.pos) != need) {
        ncm_error_set(err, NCM_ERR_FORMAT,
                      "%s: checkpoint holds %zu bytes of parameters, the "
                      "network needs %lld",
                      path, r.len - r.pos, (long long)need);
        goto done;
    }
    net = bnn_alloc(&arch, &o, max_batch > 0 ? max_batch : o.batch, err);
    if (!net)
        goto done;
    net->epoch = epoch;
    net->step = step;
    for (int l = 0; l < net->n; l++) {
        float **p[11];
        int64_t len[11];
        int np = block_params(&net->b[l], p, len);
        for (int i = 0; i < np; i++)
            ncm_rbuf_f32(&r, *p[i], (size_t)len[i]);
    }
done:
    free(data);
    return net;
}
