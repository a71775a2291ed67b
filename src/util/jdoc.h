/* Building a JSON result document with cJSON without checking every allocation: an ncm_jdoc's
 * `ok` drops to 0 at the first failure, every helper then does nothing (and frees what it was
 * given), and the writer checks once at the end (ncm_jdoc_finish). Numbers are written with the
 * fewest digits that read back exactly, non-finite ones as null (JSON has no NaN). Internal to
 * the library. */
#ifndef NCM_JDOC_H
#define NCM_JDOC_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "nanocim/error.h"

typedef struct {
    int ok; /* start at 1 */
} ncm_jdoc;

/* it, or 0 in d->ok when it is NULL. */
cJSON *ncm_jdoc_mark(ncm_jdoc *d, cJSON *it);
cJSON *ncm_jdoc_num(ncm_jdoc *d, double v);   /* shortest exact digits; null if not finite */
cJSON *ncm_jdoc_int(ncm_jdoc *d, int64_t v);  /* every digit */
cJSON *ncm_jdoc_u64(ncm_jdoc *d, uint64_t v); /* every digit */
cJSON *ncm_jdoc_str(ncm_jdoc *d, const char *s);
cJSON *ncm_jdoc_obj(ncm_jdoc *d);
cJSON *ncm_jdoc_arr(ncm_jdoc *d);
cJSON *ncm_jdoc_null(ncm_jdoc *d);
/* Adds item to the object o under key, or to the array o when key is NULL; frees item when that
 * fails (or when o or item is NULL). */
void ncm_jdoc_put(ncm_jdoc *d, cJSON *o, const char *key, cJSON *item);
/* An array of n numbers. */
cJSON *ncm_jdoc_nums(ncm_jdoc *d, const double *v, int n);
/* A document's head: "format", "version" and "producer" ("nanocim " + version). */
cJSON *ncm_jdoc_head(ncm_jdoc *d, const char *format, int version);
/* Writes root atomically to path and frees it; NCM_ERR_NOMEM when it could not be built. */
ncm_status ncm_jdoc_finish(ncm_jdoc *d, cJSON *root, const char *path, ncm_error *err);

#endif
