/* Whole-network inference on packed bits: the fast engine behind `nanocim eval --engine packed`.
 *
 * It computes exactly what the folded reference (model.h) computes, with every layer a
 * bit-packed binary product (xnor.h):
 * - binary layers: popcount(x XOR w) on packed activations; the threshold and the 2x2 max-pool
 *   work on packed bits too (max-pool then "a >= T" is the OR of the four thresholded bits, and
 *   for a flipped neuron, "a <= T", the AND);
 * - the first layer's 8-bit input (pixel - 128) by one integer product of the raw pixels with
 *   the +-1 weights w, a = sum_t pixel_t w_t - 128 sum_t w_t (AVX2 VPMADDUBSW: 32 byte products
 *   an instruction). (The in-memory chip, which reads the array once per bit plane, sees the
 *   bit-plane decomposition instead: with u the weight bits and p_b the pixel's bit planes,
 *   a = 128 n - popcount(u) - sum_b 2^b popcount(u XOR p_b), eight binary products per neuron.);
 * - activations of convolutions are stored channel-packed per position ([rows][columns][words
 *   of channels]), so a 3x3 patch is nine runs of words; the weights are reordered to match and
 *   the zero padding bits this leaves inside a row are subtracted out exactly. */
#ifndef NANOCIM_PACKED_H
#define NANOCIM_PACKED_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/dataset.h"
#include "nanocim/error.h"
#include "nanocim/model.h"
#include "nanocim/xnor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ncm_packed ncm_packed;

/* Builds the engine for a folded model with the given kernel (NCM_KERNEL_AUTO: the best). */
NCM_API ncm_packed *ncm_packed_new(const ncm_model *m, ncm_kernel kernel, ncm_error *err);
NCM_API void ncm_packed_free(ncm_packed *p);
NCM_API ncm_kernel ncm_packed_kernel(const ncm_packed *p);

/* Predicted class of each image and optionally the class scores (n * n_classes), identical to
 * ncm_model_predict(). OpenMP across chunks of images. */
NCM_API ncm_status ncm_packed_predict(const ncm_packed *p, const ncm_dataset *d, int32_t *pred,
                              float *scores, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
