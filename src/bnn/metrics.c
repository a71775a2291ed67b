/* Classification metrics (see include/nanocim/metrics.h) and their JSON form for result files. */
#include "nanocim/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

double ncm_accuracy(const int32_t *pred, const uint8_t *labels, int64_t n)
{
    int64_t ok = 0;
    for (int64_t i = 0; i < n; i++)
        ok += pred[i] == labels[i];
    return n > 0 ? (double)ok / (double)n : 0.0;
}

void ncm_confusion(const int32_t *pred, const uint8_t *labels, int64_t n, int n_classes,
                   int64_t *conf)
{
    memset(conf, 0, sizeof *conf * (size_t)n_classes * (size_t)n_classes);
    for (int64_t i = 0; i < n; i++)
        if (labels[i] < n_classes && pred[i] >= 0 && pred[i] < n_classes)
            conf[labels[i] * n_classes + pred[i]]++;
}

cJSON *ncm_confusion_json(const int64_t *conf, int64_t n, double accuracy, int n_classes)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "n", (double)n);
    cJSON_AddNumberToObject(o, "accuracy", accuracy);
    cJSON *pc = cJSON_AddArrayToObject(o, "per_class_accuracy");
    cJSON *cm = cJSON_AddArrayToObject(o, "confusion");
    for (int t = 0; t < n_classes; t++) {
        int64_t row = 0;
        cJSON *r = cJSON_CreateArray();
        for (int p = 0; p < n_classes; p++) {
            row += conf[t * n_classes + p];
            cJSON_AddItemToArray(r, cJSON_CreateNumber((double)conf[t * n_classes + p]));
        }
        cJSON_AddItemToArray(cm, r);
        cJSON_AddItemToArray(pc,
                             row ? cJSON_CreateNumber((double)conf[t * n_classes + t] / (double)row)
                                 : cJSON_CreateNull());
    }
    return o;
}

cJSON *ncm_metrics_json(const int32_t *pred, const uint8_t *labels, int64_t n, int n_classes)
{
    int64_t *conf = malloc(sizeof *conf * (size_t)n_classes * (size_t)n_classes);
    if (!conf)
        return NULL;
    ncm_confusion(pred, labels, n, n_classes, conf);
    cJSON *o = ncm_confusion_json(conf, n, ncm_accuracy(pred, labels, n), n_classes);
    free(conf);
    return o;
}
