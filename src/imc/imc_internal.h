/* Internal pieces of the in-memory chip layer (src/imc/), shared by its files and the tests. */
#ifndef NCM_IMC_INTERNAL_H
#define NCM_IMC_INTERNAL_H

#include <stdint.h>

#include "nanocim/chip.h"
#include "nanocim/dataset.h"
#include "nanocim/rng.h"

typedef enum { NCM_IMC_FLIP = 0, NCM_IMC_STUCK = 1 } ncm_imc_fault_kind;

/* Faults one layer's packed weights [cout][words] in place: each of the cout * fan_in weight
 * bits (never a padding bit) is hit with probability p, chosen by geometric skipping on r;
 * FLIP inverts the bit, STUCK sets it to +1 or -1 (one more draw of r, 1/2 each). Returns the
 * number of bits hit. */
int64_t ncm_imc_fault_layer(uint64_t *wbits, int cout, int fan_in, int words, double p,
                            ncm_imc_fault_kind kind, ncm_rng *r);

/* ncm_chip_map_model without the configuration check. */
ncm_status ncm_imc_map(const ncm_model *m, const ncm_chip_config *c, ncm_chip_map *out,
                       ncm_error *err);

/* 1 when the chip draws read errors during inference (read_ber, dynamic dead zone). */
int ncm_imc_chip_dynamic(const ncm_chip *c);

/* ncm_chip_predict; without dynamic errors, first_sums (not NULL, dense first layer) supplies
 * the first layer's true sums of each image instead of the engine (packed.c's hook). */
ncm_status ncm_imc_chip_predict(const ncm_chip *c, const ncm_dataset *d, int32_t *pred,
                                float *scores, void (*first_sums)(void *, int64_t, int32_t *),
                                void *first_user, ncm_error *err);

/* Summary of chips' accuracies: mean, sd (n - 1), range, 95 % t-interval of the mean. */
typedef struct {
    double mean, sd, min, max, ci_lo, ci_hi;
} ncm_imc_summary;
void ncm_imc_summarise(const double *acc, int n, ncm_imc_summary *o);

/* The model's shapes against the dataset's (images, classes, at least one image). */
ncm_status ncm_imc_data_check(const ncm_model *m, const ncm_dataset *d, ncm_error *err);

/* The error-free first-layer sums of a model on a dataset, shared by every chip of a Monte
 * Carlo, in *out; *out NULL (and NCM_OK) when it does not apply: a convolutional first layer,
 * or more than 1 GiB of sums. */
typedef struct ncm_imc_first ncm_imc_first;
ncm_status ncm_imc_first_new(const ncm_model *m, const ncm_dataset *d, ncm_kernel kernel,
                             ncm_imc_first **out, ncm_error *err);
void ncm_imc_first_free(ncm_imc_first *f);

/* What one chip of a Monte Carlo gives. */
typedef struct {
    double accuracy;
    int64_t flips[NCM_MAX_LAYERS], dead[NCM_MAX_LAYERS];
    double energy_pj;
    const char *kernel;
} ncm_imc_outcome;

/* Programs chip `chip`, predicts d (through `first` when not NULL and the chip has no dynamic
 * errors) and scores it; pred has room for d->n. */
ncm_status ncm_imc_run_chip(const ncm_model *m, const ncm_dataset *d, const ncm_chip_config *cf,
                            uint64_t seed, int64_t chip, ncm_kernel kernel,
                            const ncm_imc_first *first, int32_t *pred, ncm_imc_outcome *out,
                            ncm_error *err);

/* Adds "chip" (the configuration, per-layer rates or conditions) and "mapping" (per layer and
 * total) to a results document; 1 on success. */
struct cJSON;
int ncm_imc_config_json(struct cJSON *o, const ncm_chip_config *c, int n_layers);
int ncm_imc_map_json(struct cJSON *o, const ncm_chip_map *m);

/* Name of the kernel the chip's packed engine runs. */
const char *ncm_imc_chip_kernel(const ncm_chip *c);

#endif
