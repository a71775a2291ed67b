/* Internal interface shared by the training code and the model file: the architecture record
 * both file formats carry, and the first layer's input encoding. */
#ifndef NCM_BNN_INTERNAL_H
#define NCM_BNN_INTERNAL_H

#include <math.h>

#include "nanocim/bnn.h"
#include "nanocim/model.h"
#include "util/binfile.h"

/* The first layer's input is pixel - 128: an integer in [-128, 127], so its sums are exact. */
#define NCM_PIXEL_OFFSET 128
/* Padding of the first convolution (pixel value 0, the Fashion-MNIST background) and of the
 * binary ones (-1, a zero bit). */
#define NCM_PAD_INPUT (-NCM_PIXEL_OFFSET)
#define NCM_PAD_BINARY (-1)

/* The evaluation-mode batch-norm scale gamma / sqrt(var + eps), as the forward pass computes it. */
static inline float ncm_bn_scale(float gamma, float var)
{
    return gamma / sqrtf(var + NCM_BN_EPS);
}
/* The evaluation-mode batch-norm output, as the forward pass computes it. */
static inline float ncm_bn_apply(float a, float mean, float scale, float beta)
{
    return (a - mean) * scale + beta;
}

/* A model with every layer's shapes set from the architecture and its arrays allocated and
 * zeroed (model.c); for the loaders of the model file and of .npz weights. */
ncm_model *ncm_model_alloc(const ncm_arch *arch, ncm_error *err);
/* Checks a filled model: threshold directions +-1, zero padding bits past each fan-in, finite
 * class-layer affine maps; `where` (a file name) starts the message. */
ncm_status ncm_model_validate(const ncm_model *m, const char *where, ncm_error *err);
/* Feeds the model's shapes and every weight, threshold and class-layer value into fingerprint h
 * (util/hash.h); the provenance text is left out. */
uint64_t ncm_model_hash(uint64_t h, const ncm_model *m);

/* Adds to a results document what was run on what: "model" (model_name), "arch", "data"
 * (data_name) and "model_meta" (the model's provenance, or null); eval.c, for the evaluation
 * and chip results. 1 on success. */
struct cJSON;
int ncm_model_json_describe(struct cJSON *o, const ncm_model *m, const char *model_name,
                            const char *data_name);

void ncm_bnn_write_arch(ncm_wbuf *w, const ncm_arch *a);
ncm_status ncm_bnn_read_arch(ncm_rbuf *r, const char *path, ncm_arch *a, ncm_error *err);

/* Loops of the fast engines compiled twice, for AVX2 and the baseline, the one to run chosen
 * when the library loads (GCC's target_clones); both compute the same integers. */
#define NCM_TARGET_CLONES __attribute__((target_clones("avx2", "default")))

/* Whether hidden neuron c of layer L fires on its sum a: a >= T (dir +1) or a <= T (dir -1),
 * i.e. (a - T) dir >= 0. The fast engines' form (packed.c, src/imc/delta.c); the folded
 * reference (model.c) keeps its own plain one, which they are checked against. */
static inline int ncm_fires(const ncm_model_layer *L, int c, int32_t a)
{
    return (a - L->thresh[c]) * (int32_t)L->dir[c] >= 0;
}

/* The class the last layer's sums s choose (the first largest score of the folded affine
 * map), its scores into scores when not NULL. */
static inline int ncm_class_of(const ncm_model_layer *L, const int32_t *s, float *scores)
{
    int best = 0;
    float bestv = 0.0f;
    for (int c = 0; c < L->cout; c++) {
        const float v = ncm_bn_apply((float)s[c], L->mean[c], L->scale[c], L->beta[c]);
        if (scores)
            scores[c] = v;
        if (c == 0 || v > bestv)
            best = c, bestv = v;
    }
    return best;
}

/* Packs whether each of layer L's cout neurons fires on its sum s into cw words (packed.c). */
void ncm_threshold_bits(const ncm_model_layer *L, const int32_t *s, uint64_t *out, int cw);

/* Hooks of the packed engine (packed.c) for the in-memory chip (src/imc/). They are called from
 * the engine's worker threads, for one image at a time. */
struct ncm_packed;
typedef struct {
    /* Not NULL: called for every layer l, image and output position pos with the layer's raw
     * results s: for the first layer the 8 bit planes' +-1 dots s[b * ld + c] over the fan_in
     * bits (before they are combined; input: the image's pixels), for a binary layer the true
     * +-1 sums s[c] (input: the layer's packed input row in kernel bit order). */
    void (*perturb)(void *user, int l, int64_t image, int pos, const void *input, int32_t *s,
                    int ld);
    /* Not NULL: sees every layer's final true sums s[0..cout) of an image and position (the
     * first layer's bit planes combined, perturbations applied), before they are thresholded. */
    void (*observe)(void *user, int l, int64_t image, int pos, const int32_t *s);
    void *user;
} ncm_packed_hooks;
/* ncm_packed_predict with hooks (NULL: none). */
ncm_status ncm_packed_predict_hooked(const struct ncm_packed *p, const ncm_dataset *d,
                                     int32_t *pred, float *scores, const ncm_packed_hooks *h,
                                     ncm_error *err);
/* The kernel bit index (in the input row the perturb hook sees) of model weight j of layer l. */
int64_t ncm_packed_kernel_bit(const struct ncm_packed *p, int l, int j);

#ifdef NCM_TEST_HOOKS
/* Test hooks (test builds only). A layer's batch-norm state and gradients. */
typedef struct {
    float *gamma, *beta, *rmean, *rvar, *ggamma, *gbeta;
    int n;
} ncm_bn_view;
ncm_bn_view ncm_bnn_bn_view(ncm_bnn *net, int l);
/* Loss of one batch (images idx[0..B), no augmentation, no weight flips) in training mode, and
 * with backward = 1 the gradients (no update). Returns the mean loss. */
double ncm_bnn_batch_loss(ncm_bnn *net, const ncm_dataset *d, const int32_t *idx, int B,
                          int backward);
#endif

#endif
