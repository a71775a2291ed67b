/* Classification metrics: accuracy, per-class accuracy and the confusion matrix, as numbers and
 * as a cJSON object for result files. */
#ifndef NANOCIM_METRICS_H
#define NANOCIM_METRICS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fraction of pred[i] == labels[i] over n items. */
double ncm_accuracy(const int32_t *pred, const uint8_t *labels, int64_t n);

/* {"n": .., "accuracy": .., "per_class_accuracy": [..], "confusion": [[..]..]} where
 * confusion[true][predicted]; NULL when out of memory. */
cJSON *ncm_metrics_json(const int32_t *pred, const uint8_t *labels, int64_t n, int n_classes);

#ifdef __cplusplus
}
#endif
#endif
