/* The in-memory-computing chip: a folded binarized network (model.h) whose weights live in an
 * array of memory cells that make errors, run on the bit-packed engine (packed.h).
 *
 * This first slice models fault injection: a chip is a copy of the model's packed weight bits
 * with
 * - random bit errors: each weight bit flips independently with probability ber (per layer
 *   ber_layer[l] when given), the static outcome of programming/read errors of the cells;
 * - stuck-at faults: a fraction stuck_frac of the bits is stuck, each at +1 or -1 with
 *   probability 1/2 (a stuck bit reads its stuck value whatever was programmed or flipped).
 * The faults are drawn once per chip, so a chip is static: it gives the same predictions on
 * every pass. They are chosen by geometric skipping: the gap between consecutive faulty bits of
 * the layer's fan_in * cout weights (padding bits are never touched) is
 * G = floor(log(U) / log(1 - p)), U uniform in (0, 1), which is Geometric(p) (number of failures
 * before the first success), so the cost is proportional to the number of faults, not of bits,
 * and the count over n bits is exactly Binomial(n, p). Each (chip, layer, kind of fault) has its
 * own Philox stream (rng.h), so a chip's faults depend only on (seed, chip index) and never on
 * the thread count.
 *
 * The Monte Carlo over chips (ncm_chip_mc) draws n_chips chips, runs each on a dataset and
 * reports each chip's accuracy and measured error rate per layer, and their summary with a 95 %
 * t-interval of the mean accuracy. */
#ifndef NANOCIM_CHIP_H
#define NANOCIM_CHIP_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/dataset.h"
#include "nanocim/error.h"
#include "nanocim/model.h"
#include "nanocim/progress.h"
#include "nanocim/xnor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fault model of the weight array. A plain value: the caller owns ber_layer. */
typedef struct {
    double ber;              /* probability that a weight bit flips, in [0, 1] */
    const double *ber_layer; /* NULL (every layer: ber) or n_ber_layer per-layer probabilities */
    int n_ber_layer;         /* entries of ber_layer: the model's n_layers */
    double stuck_frac;       /* fraction of weight bits stuck (at +1 or -1, 1/2 each), [0, 1] */
} ncm_chip_faults;

/* No faults: ber 0, no per-layer rates, no stuck bits. */
NCM_API void ncm_chip_faults_default(ncm_chip_faults *f);
/* Checks the fields (probabilities in [0, 1], not NaN; ber_layer of n_layers entries when
 * n_layers > 0). The message names the field and its value ("ber = nan: expected a probability
 * in [0, 1]", "ber_layer[2] = -1: ..."), after "where: " when where is not NULL. */
NCM_API ncm_status ncm_chip_faults_check(const ncm_chip_faults *f, int n_layers, const char *where,
                                         ncm_error *err);
/* The flip probability of layer l: ber_layer[l] or ber. */
NCM_API double ncm_chip_faults_ber(const ncm_chip_faults *f, int l);

/* One faulty chip (opaque): its faulty copy of the model and the packed engine over it. */
typedef struct ncm_chip ncm_chip;

/* Draws chip number `chip` (>= 0) of generator `seed` for model m with faults f, and builds the
 * packed engine (kernel; NCM_KERNEL_AUTO: the best) over the faulty weights. NULL on error. */
NCM_API ncm_chip *ncm_chip_new(const ncm_model *m, const ncm_chip_faults *f, uint64_t seed,
                               int64_t chip, ncm_kernel kernel, ncm_error *err);
NCM_API void ncm_chip_free(ncm_chip *c);
/* The faulty model (read-only; owned by the chip). */
NCM_API const ncm_model *ncm_chip_model(const ncm_chip *c);
/* Weight bits of layer l (cout * fan_in, padding excluded), and how many of them differ from
 * the error-free model (flipped or stuck at the other value). */
NCM_API int64_t ncm_chip_bits(const ncm_chip *c, int l);
NCM_API int64_t ncm_chip_flips(const ncm_chip *c, int l);
/* Predictions (and optionally class scores, n * n_classes) of the chip, as ncm_packed_predict. */
NCM_API ncm_status ncm_chip_predict(const ncm_chip *c, const ncm_dataset *d, int32_t *pred,
                                    float *scores, ncm_error *err);

/* Parameters of a Monte Carlo over chips (a plain value). */
typedef struct {
    ncm_chip_faults faults;
    int n_chips;       /* chips drawn, >= 1 */
    uint64_t seed;     /* chip i uses the streams of (seed, i) */
    ncm_kernel kernel; /* packed engine's kernel (NCM_KERNEL_AUTO: the best) */
    int threads;       /* chips run concurrently, one per thread, up to this many at a time
                        * (0: the current OpenMP setting); when one chip runs alone its
                        * inference takes the current OpenMP setting. Results never depend on
                        * it. */
} ncm_chip_mc_params;

/* Faults off, 1 chip, seed 1, AUTO kernel, threads 0. */
NCM_API void ncm_chip_mc_default(ncm_chip_mc_params *p);

/* Results of a Monte Carlo over chips. Read-only; released by ncm_chip_mc_result_free. */
typedef struct {
    int n_chips, n_layers;
    int64_t n_images;        /* images per chip */
    uint64_t seed;
    double ber, stuck_frac;  /* the fault parameters */
    double *ber_layer;       /* [n_layers] flip probability used per layer */
    int64_t *bits;           /* [n_layers] weight bits per layer (padding excluded) */
    double *accuracy;        /* [n_chips] accuracy of each chip */
    int64_t *flips;          /* [n_chips * n_layers] bits differing from the error-free model */
    double *ber_measured;    /* [n_layers] flips / bits over all chips */
    double mean, sd;         /* of the chips' accuracy (sd: n - 1 denominator; 0 for 1 chip) */
    double min, max;
    double ci_lo, ci_hi;     /* 95 % interval of the mean: mean -+ t(0.975, n-1) sd / sqrt(n);
                              * mean, mean for 1 chip */
    const char *kernel;      /* the packed engine's kernel */
    int threads;             /* threads used */
    double seconds;          /* wall time of fault injection and inference, all chips */
    double images_per_s;     /* n_chips * n_images / seconds */
} ncm_chip_mc_result;

/* Runs the Monte Carlo: for each chip, draws its faults, builds the engine, predicts d and
 * scores it. Chips run concurrently, one per thread (up to p->threads at a time). Reports progress ("chips", done of n_chips) between blocks of chips; on
 * NCM_ERR_CANCELLED nothing is returned. NULL on error: bad parameters (the message names the
 * field: "ber = nan: ...", "n_chips = 0: ..."), images of another shape or labels beyond
 * the model's classes. */
NCM_API ncm_chip_mc_result *ncm_chip_mc(const ncm_model *m, const ncm_dataset *d,
                                        const ncm_chip_mc_params *p, const ncm_progress *progress,
                                        ncm_error *err);
NCM_API void ncm_chip_mc_result_free(ncm_chip_mc_result *r);

/* Results document (JSON, atomically): producer, model and data names as given, architecture,
 * faults, seed, summary, per-layer bits and measured error rates, and one entry per chip. */
NCM_API ncm_status ncm_chip_mc_result_save_json(const ncm_chip_mc_result *r, const ncm_model *m,
                                                const char *model_name, const char *data_name,
                                                const char *path, ncm_error *err);
/* Per-chip table (CSV, atomically): a header, then one line per chip:
 * chip,accuracy,flips_L0,...,ber_L0,... */
NCM_API ncm_status ncm_chip_mc_result_save_csv(const ncm_chip_mc_result *r, const char *path,
                                               ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
