/* Binarized neural networks: architecture strings and BinaryNet-style training.
 *
 * Training follows Courbariaux, Hubara et al., "Binarized Neural Networks" (arXiv:1602.02830,
 * 2016): every layer's weights are binarized with sign() in the forward pass while real-valued
 * latent weights, clipped to [-1, 1], take the updates; hidden activations are sign() of a
 * batch-normalised sum, with the straight-through estimator of the hard-tanh (gradient passed
 * where |y| <= 1); Adam with an exponentially decaying learning rate.
 *
 * A network is a chain of blocks: [3x3 conv (pad 1) or fully connected] -> [2x2 max-pool] ->
 * batch norm -> sign. The first block takes the real-valued input (8-bit pixels as the integers
 * pixel - 128); the last block is fully connected with one output per class and its batch norm
 * gives the class scores. Every sum a block computes is an integer held exactly in float, which
 * is what lets the folded network (model.h) reproduce the predictions bit for bit. */
#ifndef NANOCIM_BNN_H
#define NANOCIM_BNN_H

#include "nanocim/api.h"

#include <stdint.h>
#include <stddef.h>

#include "nanocim/dataset.h"
#include "nanocim/error.h"
#include "nanocim/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NCM_MAX_LAYERS 32
/* Batch norm's epsilon (added to the variance). */
#define NCM_BN_EPS 1e-5f

typedef enum { NCM_LAYER_DENSE = 1, NCM_LAYER_CONV = 2 } ncm_layer_kind;

typedef struct {
    ncm_layer_kind kind;
    int out;  /* output features (dense) or channels (conv) */
    int pool; /* 1: 2x2 max-pool after the convolution */
} ncm_layer_spec;

typedef struct {
    int n_layers; /* including the class layer */
    ncm_layer_spec layer[NCM_MAX_LAYERS];
    int in_c, in_h, in_w; /* input image shape */
    int n_classes;
} ncm_arch;

/* Parses an architecture string for inputs of shape (c, h, w) and n_classes classes:
 *   "mlp"                   = "mlp:1024,1024"
 *   "mlp:W1,W2,..."         fully connected hidden layers of the given widths
 *   "cnn"                   = "cnn:32,32,p,64,64,p,f256"
 *   "cnn:T1,T2,..."         tokens: N = 3x3 convolution with N channels, p = 2x2 max-pool after
 *                           the previous convolution, fN = fully connected layer of width N
 * The class layer is added at the end. */
NCM_API ncm_status ncm_arch_parse(const char *spec, int in_c, int in_h, int in_w, int n_classes,
                          ncm_arch *arch, ncm_error *err);
/* Shape of one layer: input, sums before pooling, output after pooling, weights per neuron.
 * A dense layer sees its input flattened (cin = features, hin = win = 1) and has 1x1 outputs. */
typedef struct {
    int cin, hin, win;
    int cout, hc, wc;
    int ho, wo;
    int fan_in; /* features, or cin * 9 for a 3x3 convolution (index c*9 + ky*3 + kx) */
} ncm_layer_shape;

/* Checks that every layer's sums stay exact in float (|sum| < 2^24: fan_in below 2^24 for
 * binary inputs, below 2^17 for the 8-bit first layer) and that sizes fit in 32-bit counts. */
NCM_API ncm_status ncm_arch_check(const ncm_arch *arch, ncm_error *err);

/* Fills shape[0 .. arch->n_layers) from the architecture. */
NCM_API void ncm_arch_shapes(const ncm_arch *arch, ncm_layer_shape *shape);

/* Writes the canonical string ("cnn:64,64,p,f512") of an architecture. */
NCM_API void ncm_arch_format(const ncm_arch *arch, char *buf, size_t n);

enum { NCM_AUGMENT_FLIP = 1, NCM_AUGMENT_SHIFT = 2 };

/* Training options. */
typedef struct {
    int epochs;    /* total epochs */
    int batch;     /* minibatch size */
    float lr;      /* Adam learning rate of the first epoch */
    float lr_end;  /* learning rate of the last epoch (exponential decay in between) */
    uint64_t seed; /* initialisation, shuffling and augmentation */
    int augment;   /* NCM_AUGMENT_* flags: random left-right flips, shifts of up to 2 px */
    float flip_p;  /* error-aware training: probability of flipping each binary weight in
                      the forward pass (0 = off) */
} ncm_train_opts;

/* Sensible defaults (epochs 15, batch 100, lr 5e-3 -> 5e-5, seed 1, no augmentation). */
NCM_API void ncm_train_opts_default(ncm_train_opts *o);
/* Checks every option's range; names the offending one. */
NCM_API ncm_status ncm_train_opts_check(const ncm_train_opts *o, ncm_error *err);

typedef struct ncm_bnn ncm_bnn;

/* A network with weights initialised from opts->seed; buffers for batches of up to max_batch. */
NCM_API ncm_bnn *ncm_bnn_new(const ncm_arch *arch, const ncm_train_opts *opts, int max_batch,
                        ncm_error *err);
NCM_API void ncm_bnn_free(ncm_bnn *net);
NCM_API const ncm_arch *ncm_bnn_arch(const ncm_bnn *net);
NCM_API const ncm_train_opts *ncm_bnn_opts(const ncm_bnn *net);
/* Epochs completed so far. */
NCM_API int ncm_bnn_epoch(const ncm_bnn *net);

/* Trains one epoch (the next one) on d; returns the mean training loss and accuracy. Ends by
 * setting the evaluation batch-norm statistics to their population averages over the first
 * 10,000 images (Ioffe and Szegedy 2015, algorithm 2). Reports batches done of the epoch to
 * progress (task "epoch E/N"); cancelled, it returns NCM_ERR_CANCELLED with the epoch half
 * done (weights updated by the batches so far, the epoch count unchanged): reload the last
 * checkpoint to continue bit for bit. */
NCM_API ncm_status ncm_bnn_train_epoch(ncm_bnn *net, const ncm_dataset *d, double *loss, double *acc,
                               const ncm_progress *progress, ncm_error *err);

/* Evaluation-mode forward pass (batch norm with running statistics): predicted class of each
 * image, and optionally the class scores (n * n_classes). */
NCM_API ncm_status ncm_bnn_predict(ncm_bnn *net, const ncm_dataset *d, int32_t *pred, float *scores,
                           ncm_error *err);

/* Checkpoint: the whole training state (latent weights, batch norm, Adam moments, epoch,
 * options), written atomically, with a CRC-32; a resumed run continues bit for bit. */
NCM_API ncm_status ncm_bnn_save_checkpoint(const ncm_bnn *net, const char *path, ncm_error *err);
NCM_API ncm_bnn *ncm_bnn_load_checkpoint(const char *path, int max_batch, ncm_error *err);

/* Access for folding (model.c): binarized weights (+1/-1) of layer l, and its batch norm in
 * evaluation form y = (a - mean) * scale + beta. */
NCM_API void ncm_bnn_layer_params(const ncm_bnn *net, int l, const float **w_latent, const float **mean,
                          float *scale_out, const float **beta);

#ifdef __cplusplus
}
#endif
#endif
