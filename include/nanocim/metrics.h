/* Classification metrics: accuracy and the confusion matrix. */
#ifndef NANOCIM_METRICS_H
#define NANOCIM_METRICS_H

#include "nanocim/api.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fraction of pred[i] == labels[i] over n items (0 when n = 0). */
NCM_API double ncm_accuracy(const int32_t *pred, const uint8_t *labels, int64_t n);

/* Fills conf[true * n_classes + predicted] (n_classes^2 counts, zeroed first) over n items;
 * predictions outside [0, n_classes) are not counted. */
NCM_API void ncm_confusion(const int32_t *pred, const uint8_t *labels, int64_t n, int n_classes,
                           int64_t *conf);

#ifdef __cplusplus
}
#endif
#endif
