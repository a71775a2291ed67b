/* Evaluation of a folded model on a dataset (include/nanocim/eval.h): the engines, their
 * comparison, the metrics and the results document behind `nanocim eval`. */
#include "nanocim/eval.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/config.h"
#include "nanocim/metrics.h"
#include "nanocim/packed.h"
#include "util/json.h"
#include "util/progress.h"

static const char *ENGINES[] = {"packed", "reference", "check"};

const char *ncm_engine_name(ncm_engine e)
{
    return (unsigned)e < 3 ? ENGINES[e] : "unknown";
}

int ncm_engine_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, ENGINES[i]) == 0)
            return i;
    return -1;
}

void ncm_eval_result_free(ncm_eval_result *r)
{
    if (!r)
        return;
    free(r->pred);
    free(r->scores);
    free(r->confusion);
    free(r);
}

/* Runs the packed engine into r (pred, scores, kernel, seconds). */
static ncm_status run_packed(const ncm_model *m, const ncm_dataset *d, ncm_kernel kernel,
                             ncm_eval_result *r, ncm_error *err)
{
    if (kernel != NCM_KERNEL_AUTO && !ncm_kernel_supported(kernel))
        return ncm_error_set(err, NCM_ERR_ARG, "kernel %s: this CPU cannot run it",
                             ncm_kernel_name(kernel));
    ncm_packed *pk = ncm_packed_new(m, kernel, err);
    if (!pk)
        return err ? err->code : NCM_ERR_STATE;
    r->kernel = ncm_kernel_name(ncm_packed_kernel(pk));
    double t = ncm_now();
    ncm_status s = ncm_packed_predict(pk, d, r->pred, r->scores, err);
    r->seconds = ncm_now() - t;
    ncm_packed_free(pk);
    return s;
}

ncm_eval_result *ncm_eval(const ncm_model *m, const ncm_dataset *d, ncm_engine engine,
                          ncm_kernel kernel, ncm_error *err)
{
    if ((unsigned)engine > NCM_ENGINE_CHECK) {
        ncm_error_set(err, NCM_ERR_ARG, "engine %d: expected packed, reference or check",
                      (int)engine);
        return NULL;
    }
    const int K = m->arch.n_classes;
    ncm_eval_result *r = calloc(1, sizeof *r);
    int32_t *ref = NULL;
    float *ref_scores = NULL;
    ncm_status s = NCM_OK;
    const size_t n = d->n > 0 ? (size_t)d->n : 1;
    if (!r || !(r->pred = malloc(n * sizeof *r->pred)) ||
        !(r->scores = malloc(n * (size_t)K * sizeof *r->scores)) ||
        !(r->confusion = malloc((size_t)K * (size_t)K * sizeof *r->confusion))) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %lld images", (long long)d->n);
        goto done;
    }
    r->n = d->n, r->n_classes = K, r->engine = engine;
    if (engine == NCM_ENGINE_REFERENCE) {
        r->kernel = "reference";
        double t = ncm_now();
        s = ncm_model_predict(m, d, r->pred, r->scores, err);
        r->seconds = ncm_now() - t;
    } else {
        s = run_packed(m, d, kernel, r, err);
    }
    if (!s && engine == NCM_ENGINE_CHECK) {
        if (!(ref = malloc(n * sizeof *ref)) ||
            !(ref_scores = malloc(n * (size_t)K * sizeof *ref_scores))) {
            s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            goto done;
        }
        if ((s = ncm_model_predict(m, d, ref, ref_scores, err)))
            goto done;
        int64_t differ = 0;
        for (int64_t i = 0; i < d->n; i++)
            differ += ref[i] != r->pred[i] ||
                      memcmp(ref_scores + i * K, r->scores + i * K, sizeof(float) * K) != 0;
        if (differ)
            s = ncm_error_set(err, NCM_ERR_STATE,
                              "packed (%s) and reference engines disagree on %lld of %lld images",
                              r->kernel, (long long)differ, (long long)d->n);
    }
    if (!s) {
        r->accuracy = ncm_accuracy(r->pred, d->labels, d->n);
        ncm_confusion(r->pred, d->labels, d->n, K, r->confusion);
    }
done:
    free(ref);
    free(ref_scores);
    if (s) {
        ncm_eval_result_free(r);
        return NULL;
    }
    return r;
}

int ncm_model_json_describe(cJSON *o, const ncm_model *m, const char *model_name,
                            const char *data_name)
{
    char arch[512];
    ncm_arch_format(&m->arch, arch, sizeof arch);
    int ok = cJSON_AddStringToObject(o, "model", model_name ? model_name : "") != NULL;
    ok &= cJSON_AddStringToObject(o, "arch", arch) != NULL;
    ok &= cJSON_AddStringToObject(o, "data", data_name ? data_name : "") != NULL;
    cJSON *meta = m->meta ? cJSON_Parse(m->meta) : NULL;
    ok &= cJSON_AddItemToObject(o, "model_meta", meta ? meta : cJSON_CreateNull());
    return ok;
}

ncm_status ncm_eval_result_save_json(const ncm_eval_result *r, const ncm_model *m,
                                     const char *model_name, const char *data_name,
                                     const char *path, ncm_error *err)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(o, "command", "eval");
    ncm_json_add_producer(o);
    ncm_model_json_describe(o, m, model_name, data_name);
    cJSON_AddItemToObject(o, "test",
                          ncm_confusion_json(r->confusion, r->n, r->accuracy, r->n_classes));
    cJSON *tm = cJSON_AddObjectToObject(o, "timing");
    cJSON_AddNumberToObject(tm, "seconds", r->seconds);
    cJSON_AddStringToObject(tm, "engine", r->kernel);
    cJSON_AddNumberToObject(tm, "threads", ncm_threads());
    ncm_status s = ncm_json_write(path, o, err);
    cJSON_Delete(o);
    return s;
}
