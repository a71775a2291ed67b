/* NumPy interchange of folded models: a model's binary weights, thresholds and class-layer
 * affine map as a NumPy .npz archive, so that a binarized network trained elsewhere (PyTorch)
 * can be run by nanocim, and a nanocim model inspected or run with numpy.
 *
 * ---- The .npz layout (format 1) -------------------------------------------------------------
 *
 * An .npz is a zip archive of .npy arrays (numpy.savez / numpy.savez_compressed; numpy.load
 * gives a dict-like object, np.load(p)["layer0.weight"]). L is the number of layers, the class
 * layer included; layers are numbered l = 0 .. L-1 from the input.
 *
 *   key                  dtype (written)   shape                   meaning
 *   format               int32             ()                      1 (this layout)
 *   arch                 str ('<U')        ()                      architecture string, as
 *                                                                  ncm_arch_format writes it
 *   input_shape          int32             (3,)                    (c, h, w) of the input images
 *   n_classes            int32             ()                      classes (2 .. 65536)
 *   meta                 str               ()                      optional: JSON provenance
 *   layer{l}.weight      int8, +1 / -1     dense: (out, in)
 *                                          conv:  (out, in_c, 3, 3)
 *   layer{l}.threshold   int32             (out,)                  hidden layers (l < L-1)
 *   layer{l}.direction   int8, +1 / -1     (out,)                  hidden layers
 *   layer{L-1}.mean      float32           (n_classes,)            class layer
 *   layer{L-1}.scale     float32           (n_classes,)            class layer
 *   layer{L-1}.beta      float32           (n_classes,)            class layer
 *
 * No other array may be present. arch is "mlp:W1,W2,..." (hidden dense layers of widths Wi;
 * "mlp:" for none) or "cnn:T1,T2,..." with tokens N (3x3 convolution, N output channels), p
 * (2x2 max-pool after the convolution before it) and fN (dense layer of width N; only after
 * the convolutions); the class layer (dense, n_classes outputs) is implied, not written. The
 * shorthands "mlp" and "cnn" of bnn.h are accepted on import. Every layer's shape follows from
 * arch and input_shape: a convolution keeps the height and width (padding 1, stride 1) and a
 * pooling halves them (rounding down); a dense layer's `in` is the number of values the
 * previous layer outputs (c * h * w of the image for layer 0).
 *
 * ---- What the arrays compute (ncm_model_predict; the reference) ----------------------------
 *
 * Input: an 8-bit image of shape (c, h, w); layer 0 sees the integers x = pixel - 128, in
 * [-128, 127]. Every later layer sees the previous layer's outputs, each +1 or -1.
 *
 * Integer sum a of a neuron: the dot product of its +-1 weights with its inputs. For binary
 * inputs it equals fan_in - 2 * popcount(x XOR w) with bit 1 = +1 (what the hardware computes).
 *   dense: a[o] = sum_i W[o, i] * x[i]
 *   conv:  a[o, y, x] = sum_{c, ky, kx} W[o, c, ky, kx] * in[c, y + ky - 1, x + kx - 1]
 *          (cross-correlation as torch.nn.functional.conv2d computes it), where inputs outside
 *          the image are -128 in layer 0 (the value of pixel 0, NOT zero) and -1 in later
 *          layers (NOT zero): a PyTorch model must pad with these values (F.pad(x, (1, 1, 1,
 *          1), value=-128 or -1) and a convolution without padding) to match.
 *   pool:  after a convolution marked p, 2x2 max-pooling with stride 2 of the integer sums
 *          (before the threshold), output (h // 2, w // 2).
 *   dense after a convolution: its input is the previous layer's (C, H, W) output flattened in
 *          C order, index c * H * W + y * W + x, exactly torch.flatten(x, 1) of an NCHW
 *          tensor. No permutation is needed either way.
 * Hidden layer output: +1 if (direction = +1 and a >= threshold) or (direction = -1 and
 *   a <= threshold), else -1; one threshold and direction per output channel (shared by all
 *   positions of a convolution). A batch norm y = (a - mean) * scale + beta followed by
 *   sign (sign(0) = +1) folds to direction = +1 when scale > 0 (fires when y >= 0) and -1 when
 *   scale < 0; nanocim's own folding finds the integer threshold by searching the integers with
 *   that float32 expression, so it is exact, not rounded. Any int32 threshold is valid; one
 *   below -fan_in * m or above fan_in * m (m = 128 for layer 0, 1 after it) makes a constant
 *   neuron.
 * Class layer: the integer sum a of each class, then, in float32 with each operation rounded
 *   (no fused multiply-add): score = (float32(a) - mean) * scale + beta. The predicted class is
 *   the first index of the largest score (numpy.argmax). For a PyTorch batch norm in evaluation
 *   mode: mean = running_mean, scale = weight / sqrt(running_var + eps) (computed in float32
 *   as nanocim's training does: gamma / sqrtf(var + 1e-5)), beta = bias.
 *
 * ---- What import accepts and refuses --------------------------------------------------------
 *
 * Accepted: .npz written by numpy.savez or numpy.savez_compressed (stored or deflated members,
 * ZIP64 extra fields, data descriptors); .npy members of format version 1.0, 2.0 or 3.0, little-
 * or big-endian, C or Fortran order. weight and direction: any integer or float dtype
 * (int8/16/32/64, uint8..64, float16/32/64) whose values are exactly +1 or -1 (bool is refused:
 * it cannot hold -1). threshold: any integer dtype, or a float dtype holding integers, within
 * the int32 range. mean, scale, beta: any integer or float dtype with finite values; float64 is
 * rounded to the nearest float32 (the precision nanocim computes in). format, n_classes: any
 * integer dtype; a scalar may be a 0-d array or an array of one element; input_shape: three
 * integers. arch and meta: a unicode (or bytes) string.
 * Refused, with one line naming the file, the array and what is wrong (NCM_ERR_FORMAT, or
 * NCM_ERR_VERSION for a format above 1): a missing or unexpected array, a shape that disagrees
 * with the architecture ("PATH: layer1.weight: shape (10, 256), expected (10, 512) ..."), a
 * value other than +1/-1 ("PATH: layer0.weight[3, 17] = 0.5: expected +1 or -1"), a NaN or
 * infinity, a threshold outside int32, an architecture string that does not parse, a bool,
 * string, complex, object (pickled) or structured dtype, and any damaged archive (truncated,
 * sizes past the end of the file, bad CRC-32, corrupt deflate data). Sizes in zip and .npy
 * headers are checked against the file before anything is allocated. A meta string may hold at
 * most 16 Mi (16777216) characters.
 *
 * Round trip: ncm_model_save_npz then ncm_model_load_npz gives a model with identical arrays,
 * hence identical predictions and scores. */
#ifndef NANOCIM_NPZ_H
#define NANOCIM_NPZ_H

#include "nanocim/api.h"

#include "nanocim/error.h"
#include "nanocim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The .npz layout version this library writes and the newest it reads. */
#define NCM_NPZ_FORMAT 1

/* Reads a model from an .npz archive in the layout above; NULL (and err filled) on error. */
NCM_API ncm_model *ncm_model_load_npz(const char *path, ncm_error *err);

/* Writes the model as an .npz archive (stored members, readable by numpy.load), atomically: a
 * temporary file beside path, renamed over it once complete. */
NCM_API ncm_status ncm_model_save_npz(const ncm_model *m, const char *path, ncm_error *err);

/* Reads a model from a nanocim model file (.ncm, ncm_model_load) or an .npz archive, told apart
 * by the content (a zip archive starts with "PK"), whatever the file is called. */
NCM_API ncm_model *ncm_model_load_any(const char *path, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
