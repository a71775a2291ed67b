/* Folded binarized networks as the hardware runs them, and their model file.
 *
 * Folding (Courbariaux, Hubara et al. 2016; Hirtzlin et al. 2020): batch norm followed by sign
 * is a comparison of the block's integer sum with one integer threshold per neuron,
 * out = +1 iff a >= T, or a <= T when the batch-norm scale is negative (the sign flip). Each
 * hidden neuron is then popcount(XNOR(x, w)) against a threshold: a = fan_in - 2 * popcount(x XOR
 * w) with bits 1 = +1. The first layer takes 8-bit inputs (pixel - 128, an int8), so its sum is
 * an integer too; the class layer keeps its batch norm as a float affine map of the integer sum.
 * The thresholds are found by searching the integers with the very expression the training-time
 * forward pass evaluates, so the folded network's predictions equal the evaluation-mode forward
 * pass's on every input, not only up to rounding.
 *
 * Model file: versioned and checksummed (binfile.h); architecture, packed weights, thresholds and
 * the class layer's affine map, plus a JSON provenance string. */
#ifndef NANOCIM_MODEL_H
#define NANOCIM_MODEL_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/bnn.h"
#include "nanocim/dataset.h"
#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    ncm_layer_kind kind;
    int first, last, pool;
    int cin, hin, win; /* input shape (dense: cin = features) */
    int cout, hc, wc;  /* sums computed per output channel and position, before pooling */
    int ho, wo;        /* after pooling */
    int fan_in;        /* weights per neuron: features, or cin * 9 (index c*9 + ky*3 + kx) */
    int words;         /* 64-bit words per neuron's packed weights */
    uint64_t *wbits;   /* [cout][words], bit j of the row = weight j is +1 */
    int32_t *thresh;   /* hidden layers: threshold per neuron */
    int8_t *dir;       /* hidden layers: +1 fires when a >= T, -1 when a <= T */
    float *mean, *scale, *beta; /* class layer: score = (a - mean) * scale + beta */
} ncm_model_layer;

/* A folded network. Read-only for the caller: made by ncm_model_fold, ncm_model_load (or
 * ncm_model_load_npz, npz.h), released by ncm_model_free. */
typedef struct {
    ncm_arch arch;
    int n_layers;
    ncm_model_layer *layer;
    char *meta; /* JSON provenance (training options, accuracy, version) or NULL */
} ncm_model;

/* Folds a trained network (its evaluation-mode state) into a model; meta (a JSON provenance
 * string) may be NULL. NULL on error. */
NCM_API ncm_model *ncm_model_fold(const ncm_bnn *net, const char *meta, ncm_error *err);
/* Releases the model; NULL is allowed. */
NCM_API void ncm_model_free(ncm_model *m);

/* Writes the model file atomically (temporary file, then rename). */
NCM_API ncm_status ncm_model_save(const ncm_model *m, const char *path, ncm_error *err);
/* Reads a model file; refuses truncated, corrupt (CRC-32) and newer-version files. */
NCM_API ncm_model *ncm_model_load(const char *path, ncm_error *err);

/* Reference integer inference (plain C, one image at a time, OpenMP across images): predicted
 * class of each image and optionally its class scores (n * n_classes). */
NCM_API ncm_status ncm_model_predict(const ncm_model *m, const ncm_dataset *d, int32_t *pred, float *scores,
                             ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
