/* JSON files (cJSON): reading with error positions, exact number output, atomic writing. Shared
 * by the device files (rram, stno) and the result files. */
#ifndef NANOCIM_JSON_H
#define NANOCIM_JSON_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads and parses a JSON file: one document, nothing after it but white space, no key twice in
 * an object. On a syntax error or trailing data the message gives the byte, line and column; a
 * repeated key is named by its dotted path ("node.vdd_v"). NCM_ERR_FORMAT. */
ncm_status ncm_json_read(const char *path, cJSON **root, ncm_error *err);

/* Prints `root` (formatted, with a final newline) to `path` atomically. */
ncm_status ncm_json_write(const char *path, const cJSON *root, ncm_error *err);

/* Writes an already printed JSON text (malloc'd; taken over and freed) with a final newline,
 * atomically; NULL text means the encoding ran out of memory. */
ncm_status ncm_json_write_text(const char *path, char *text, ncm_error *err);

/* Adds v printed with the fewest digits that read back to exactly v (cJSON's own printer
 * accepts a one-ulp difference: 0.30000000000000004 would come back as 0.3). 1 on success. */
int ncm_json_add_number_exact(cJSON *obj, const char *key, double v);

/* {"n": .., "accuracy": .., "per_class_accuracy": [..], "confusion": [[..]..]} where
 * confusion[true][predicted]; NULL when out of memory (src/bnn/metrics.c). */
cJSON *ncm_metrics_json(const int32_t *pred, const uint8_t *labels, int64_t n, int n_classes);
/* The same object from a confusion matrix conf[true * n_classes + predicted] already counted. */
cJSON *ncm_confusion_json(const int64_t *conf, int64_t n, double accuracy, int n_classes);

/* Adds "producer": "nanocim VERSION", what every result file records of what made it; 1 on
 * success. */
int ncm_json_add_producer(cJSON *obj);

/* "a number", "a string", ... for messages about a value of the wrong type. */
const char *ncm_json_type_name(const cJSON *it);

#ifdef __cplusplus
}
#endif
#endif
