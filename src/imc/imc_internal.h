/* Internal pieces of the in-memory chip layer (src/imc/), shared by its files and the tests. */
#ifndef NCM_IMC_INTERNAL_H
#define NCM_IMC_INTERNAL_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "nanocim/chip.h"
#include "nanocim/cost.h"
#include "nanocim/dataset.h"
#include "nanocim/rng.h"

typedef enum { NCM_IMC_FLIP = 0, NCM_IMC_STUCK = 1 } ncm_imc_fault_kind;

/* Bit j of packed words w (bit 1 = weight or activation +1). */
static inline int ncm_imc_bit(const uint64_t *w, int64_t j)
{
    return (int)(w[j / 64] >> (j % 64) & 1);
}

/* Faults one layer's packed weights [cout][words] in place: each of the cout * fan_in weight
 * bits (never a padding bit) is hit with probability p, chosen by geometric skipping on r;
 * FLIP inverts the bit, STUCK sets it to +1 or -1 (one more draw of r, 1/2 each). Returns the
 * number of bits hit. */
int64_t ncm_imc_fault_layer(uint64_t *wbits, int cout, int fan_in, int words, double p,
                            ncm_imc_fault_kind kind, ncm_rng *r);

/* Check bits r, decoder gates and code length n of a SECDED word of k data bits. */
ncm_status ncm_imc_word_cost(int k, int *r, int *gates, int *n, ncm_error *err);

/* ncm_chip_map_model without the configuration check. */
ncm_status ncm_imc_map(const ncm_model *m, const ncm_chip_config *c, ncm_chip_map *out,
                       ncm_error *err);

/* 1 when the chip draws read errors during inference (read_ber, dynamic dead zone). */
int ncm_imc_chip_dynamic(const ncm_chip *c);

/* Summary of chips' accuracies: mean, sd (n - 1), range, 95 % t-interval of the mean. */
typedef struct {
    double mean, sd, min, max, ci_lo, ci_hi;
} ncm_imc_summary;
void ncm_imc_summarise(const double *acc, int n, ncm_imc_summary *o);

/* The model's shapes against the dataset's (images, classes, at least one image). */
ncm_status ncm_imc_data_check(const ncm_model *m, const ncm_dataset *d, ncm_error *err);

/* The error-free network's true sums of every layer and outputs of every hidden layer on every
 * image of a dataset, and each binary layer's weights as columns (delta.c), for the inference
 * of many chips by differences. *out NULL (and NCM_OK) when it does not apply: a network with a
 * convolution, or more than 1 GiB. The cache keeps its own copies of what it needs. */
typedef struct ncm_imc_cache ncm_imc_cache;
ncm_status ncm_imc_cache_new(const ncm_model *m, const ncm_dataset *d, ncm_kernel kernel,
                             ncm_imc_cache **out, ncm_error *err);
void ncm_imc_cache_free(ncm_imc_cache *k);
/* The predictions of g chips whose weights as read are chips[0..g) (the cache's model's shapes,
 * no dynamic errors) on the cache's images, pred[q * n + i] for chip q and image i: exactly
 * those of their packed engines. The chips go image by image together, so that each image's
 * cached sums are loaded once for all of them. */
ncm_status ncm_imc_cache_predict(const ncm_imc_cache *k, const ncm_model *const *chips, int g,
                                 int32_t *pred, ncm_error *err);

/* Energy and latency of one inference of m on configuration c with technology t (NULL: the
 * default): ncm_cost_chip's totals. */
ncm_status ncm_imc_inference_cost(const ncm_model *m, const ncm_chip_config *c,
                                  const ncm_tech *t, double *energy_pj, double *latency_ns,
                                  ncm_error *err);

/* The technology as the JSON object of its file (tech.c); NULL when out of memory. */
cJSON *ncm_imc_tech_json(const ncm_tech *t);

/* Most chips one thread runs together by differences. */
enum { NCM_IMC_GROUP = 4 };

/* What one chip of a Monte Carlo gives. */
typedef struct {
    double accuracy;
    int64_t flips[NCM_MAX_LAYERS], dead[NCM_MAX_LAYERS];
    double energy_pj;
    const char *kernel;
} ncm_imc_outcome;

/* Programs chips chip[0..g) (chip q with configuration cf[q]), predicts d (by differences
 * through `cache`, made on d, for the chips without dynamic errors when cache is not NULL) and
 * scores each; pred has room for g * d->n. On error, the first failed chip's message. */
ncm_status ncm_imc_run_chips(const ncm_model *m, const ncm_dataset *d,
                             const ncm_chip_config *const *cf, uint64_t seed, const int64_t *chip,
                             int g, ncm_kernel kernel, const ncm_imc_cache *cache, int32_t *pred,
                             ncm_imc_outcome *out, ncm_error *err);

/* ncm_chip_new, building the packed engine only when `engine` is non-zero (a chip run by
 * differences needs none; ncm_chip_predict must not be called on it). */
ncm_chip *ncm_imc_chip_new(const ncm_model *m, const ncm_chip_config *cf, uint64_t seed,
                           int64_t chip, ncm_kernel kernel, int engine, ncm_error *err);

struct cJSON;
/* Adds "summary" (accuracy_mean, _sd, _min, _max, _ci95) to a results document; the object,
 * or NULL when out of memory. */
struct cJSON *ncm_imc_summary_json(struct cJSON *o, const ncm_imc_summary *s);

/* Adds "chip" (the configuration, per-layer rates or conditions) and "mapping" (per layer and
 * total) to a results document; 1 on success. */
int ncm_imc_config_json(struct cJSON *o, const ncm_chip_config *c, int n_layers);
int ncm_imc_map_json(struct cJSON *o, const ncm_chip_map *m);

/* Name of the kernel the chip's packed engine runs. */
const char *ncm_imc_chip_kernel(const ncm_chip *c);

#endif
