/* Evaluating a folded model on a dataset, as `nanocim eval` does: the packed engine, the plain
 * reference, or both with every prediction compared; accuracy, confusion matrix and timing, and
 * the results document. */
#ifndef NANOCIM_EVAL_H
#define NANOCIM_EVAL_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/dataset.h"
#include "nanocim/error.h"
#include "nanocim/model.h"
#include "nanocim/xnor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NCM_ENGINE_PACKED = 0,    /* bit-packed XNOR-popcount kernels (packed.h) */
    NCM_ENGINE_REFERENCE = 1, /* plain C integer network (ncm_model_predict) */
    NCM_ENGINE_CHECK = 2      /* both; fails with NCM_ERR_STATE if any prediction differs */
} ncm_engine;

/* "packed", "reference", "check"; and back (-1 for an unknown name). */
NCM_API const char *ncm_engine_name(ncm_engine e);
NCM_API int ncm_engine_parse(const char *name);

/* The outcome of an evaluation. Read-only; released by ncm_eval_result_free. */
typedef struct {
    int64_t n;          /* images evaluated */
    int n_classes;
    int32_t *pred;      /* n predicted classes */
    float *scores;      /* n * n_classes class scores (identical on every engine) */
    double accuracy;    /* fraction of pred equal to the labels */
    int64_t *confusion; /* n_classes^2 counts, [true][predicted] */
    ncm_engine engine;
    const char *kernel; /* the packed engine's kernel, or "reference" */
    double seconds;     /* inference time (for CHECK, the packed engine's) */
} ncm_eval_result;

/* Runs model m on dataset d with the engine (and, for PACKED and CHECK, the kernel; AUTO: the
 * best this CPU runs). NULL on error: images of another shape than the model's, a kernel this
 * CPU cannot run, or (CHECK) engines that disagree. */
NCM_API ncm_eval_result *ncm_eval(const ncm_model *m, const ncm_dataset *d, ncm_engine engine,
                                  ncm_kernel kernel, ncm_error *err);
NCM_API void ncm_eval_result_free(ncm_eval_result *r);

/* Writes the results document (JSON, atomically): producer, model and data names as given, the
 * model's architecture and provenance, accuracy, per-class accuracy, confusion matrix, timing. */
NCM_API ncm_status ncm_eval_result_save_json(const ncm_eval_result *r, const ncm_model *m,
                                             const char *model_name, const char *data_name,
                                             const char *path, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
