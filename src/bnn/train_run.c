/* A whole training run (include/nanocim/train.h): the orchestration behind `nanocim train`, the
 * demo and the Python package's train(), kept here so that every front end gets the same
 * checks and the same result files. */
#include "nanocim/train.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/config.h"
#include "nanocim/metrics.h"
#include "nanocim/packed.h"
#include "util/io.h"
#include "util/json.h"
#include "util/progress.h"

/* Room for the evaluation batches of ncm_bnn_predict. */
#define EVAL_BATCH 500

void ncm_train_job_default(ncm_train_job *job)
{
    memset(job, 0, sizeof *job);
    job->arch = "mlp";
    ncm_train_opts_default(&job->opts);
}

void ncm_train_result_free(ncm_train_result *r)
{
    if (!r)
        return;
    ncm_model_free(r->model);
    free(r->history);
    free(r);
}

ncm_model *ncm_train_result_take_model(ncm_train_result *r)
{
    ncm_model *m = r->model;
    r->model = NULL;
    return m;
}

static const char *augment_name(int augment)
{
    static const char *names[] = {"none", "flip", "shift", "all"};
    return names[augment & 3];
}

/* The provenance a model file carries: what produced it and with which options. */
static char *provenance_json(const ncm_bnn *net, const char *data)
{
    const ncm_train_opts *o = ncm_bnn_opts(net);
    char arch[512];
    ncm_arch_format(ncm_bnn_arch(net), arch, sizeof arch);
    cJSON *m = cJSON_CreateObject();
    ncm_json_add_producer(m);
    cJSON_AddStringToObject(m, "arch", arch);
    cJSON_AddStringToObject(m, "data", data);
    cJSON_AddNumberToObject(m, "epochs", o->epochs);
    cJSON_AddNumberToObject(m, "batch", o->batch);
    cJSON_AddNumberToObject(m, "lr", o->lr);
    cJSON_AddNumberToObject(m, "lr_end", o->lr_end);
    cJSON_AddNumberToObject(m, "seed", (double)o->seed);
    cJSON_AddStringToObject(m, "augment", augment_name(o->augment));
    cJSON_AddNumberToObject(m, "flip_p", o->flip_p);
    char *s = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return s;
}

static ncm_status write_results(const ncm_train_job *job, const ncm_train_result *r,
                                const char *meta, const int32_t *pred, const ncm_dataset *test,
                                ncm_error *err)
{
    cJSON *res = cJSON_CreateObject();
    if (!res)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(res, "command", "train");
    cJSON_AddItemToObject(res, "config", cJSON_Parse(meta));
    cJSON_AddNumberToObject(res, "train_images", (double)r->train_images);
    cJSON_AddItemToObject(res, "test",
                          ncm_metrics_json(pred, test->labels, test->n, test->n_classes));
    cJSON_AddNumberToObject(res, "folded_agreement", (double)r->folded_agreement);
    cJSON_AddNumberToObject(res, "packed_agreement", (double)r->packed_agreement);
    cJSON *hist = cJSON_AddArrayToObject(res, "history");
    for (int i = 0; i < r->n_history; i++) {
        const ncm_train_event *e = &r->history[i];
        cJSON *h = cJSON_CreateObject();
        cJSON_AddNumberToObject(h, "epoch", e->epochs_done);
        cJSON_AddNumberToObject(h, "loss", e->loss);
        cJSON_AddNumberToObject(h, "train_accuracy", e->train_accuracy);
        cJSON_AddNumberToObject(h, "test_accuracy", e->test_accuracy);
        cJSON_AddNumberToObject(h, "seconds", e->seconds);
        cJSON_AddItemToArray(hist, h);
    }
    cJSON *t = cJSON_AddObjectToObject(res, "timing");
    cJSON_AddNumberToObject(t, "train_seconds", r->train_seconds);
    cJSON_AddNumberToObject(t, "folded_inference_seconds", r->folded_inference_seconds);
    cJSON_AddNumberToObject(t, "total_seconds", r->total_seconds);
    cJSON_AddNumberToObject(t, "threads", ncm_threads());
    cJSON_AddStringToObject(t, "openblas_kernel", ncm_blas_kernel());
    ncm_status s = ncm_json_write(job->json_path, res, err);
    cJSON_Delete(res);
    return s;
}

/* The network to train: a new one from the job's architecture, or the checkpoint's. */
static ncm_bnn *start_network(const ncm_train_job *job, const ncm_dataset *train, ncm_error *err)
{
    if (job->resume) {
        if (!job->checkpoint_path) {
            ncm_error_set(err, NCM_ERR_ARG, "resume: needs a checkpoint_path");
            return NULL;
        }
        ncm_bnn *net = ncm_bnn_load_checkpoint(job->checkpoint_path, 0, err);
        if (!net)
            return NULL;
        const ncm_arch *a = ncm_bnn_arch(net);
        if (a->in_c != train->c || a->in_h != train->h || a->in_w != train->w) {
            ncm_error_set(err, NCM_ERR_DATA,
                          "%s: checkpoint is for %dx%dx%d images, data %s has %dx%dx%d",
                          job->checkpoint_path, a->in_c, a->in_h, a->in_w,
                          job->data ? job->data : "(given)", train->c, train->h, train->w);
            ncm_bnn_free(net);
            return NULL;
        }
        return net;
    }
    ncm_arch arch;
    if (ncm_arch_parse(job->arch ? job->arch : "mlp", train->c, train->h, train->w,
                       train->n_classes, &arch, err))
        return NULL;
    const int max_batch = job->opts.batch > EVAL_BATCH ? job->opts.batch : EVAL_BATCH;
    return ncm_bnn_new(&arch, &job->opts, max_batch, err); /* checks the options too */
}

static int64_t count_equal(const int32_t *a, const int32_t *b, int64_t n)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        k += a[i] == b[i];
    return k;
}

ncm_train_result *ncm_train_run(const ncm_train_job *job, const ncm_progress *progress,
                                ncm_error *err)
{
    const double t0 = ncm_now();
    ncm_dataset *own_train = NULL, *own_test = NULL, *train_view = NULL, *test_view = NULL;
    const ncm_dataset *train = job->train, *test = job->test;
    ncm_bnn *net = NULL;
    ncm_train_result *r = calloc(1, sizeof *r);
    int32_t *pred_fwd = NULL, *pred_fold = NULL;
    char *meta = NULL;
    ncm_status s = NCM_OK;
    if (!r) {
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (!train != !test) {
        s = ncm_error_set(err, NCM_ERR_ARG, "train and test: give both datasets or neither");
        goto fail;
    }
    if (!train) {
        if (!job->data) {
            s = ncm_error_set(err, NCM_ERR_ARG, "data: no dataset given");
            goto fail;
        }
        if (!(train = own_train = ncm_dataset_load(job->data, 1, err)) ||
            !(test = own_test = ncm_dataset_load(job->data, 0, err))) {
            s = err ? err->code : NCM_ERR_IO;
            goto fail;
        }
    }
    if (train->c != test->c || train->h != test->h || train->w != test->w ||
        train->n_classes != test->n_classes) {
        s = ncm_error_set(err, NCM_ERR_DATA,
                          "test images are %dx%dx%d in %d classes, training images %dx%dx%d in %d",
                          test->c, test->h, test->w, test->n_classes, train->c, train->h, train->w,
                          train->n_classes);
        goto fail;
    }
    if (job->train_limit < 0 || job->test_limit < 0) {
        s = ncm_error_set(err, NCM_ERR_ARG, "train_limit %lld, test_limit %lld: expected >= 0",
                          (long long)job->train_limit, (long long)job->test_limit);
        goto fail;
    }
    /* Limits apply to views, so the caller's datasets are never changed. */
    if (!(train_view = ncm_dataset_wrap(train->n, train->c, train->h, train->w, train->n_classes,
                                        (uint8_t *)train->pixels, (uint8_t *)train->labels, err)) ||
        !(test_view = ncm_dataset_wrap(test->n, test->c, test->h, test->w, test->n_classes,
                                       (uint8_t *)test->pixels, (uint8_t *)test->labels, err))) {
        s = err ? err->code : NCM_ERR_NOMEM;
        goto fail;
    }
    if (job->train_limit)
        ncm_dataset_truncate(train_view, job->train_limit);
    if (job->test_limit)
        ncm_dataset_truncate(test_view, job->test_limit);
    train = train_view, test = test_view;
    if (train->n < 1 || test->n < 1) {
        s = ncm_error_set(err, NCM_ERR_DATA, "data: %lld training and %lld test images",
                          (long long)train->n, (long long)test->n);
        goto fail;
    }
    if (!(net = start_network(job, train, err))) {
        s = err ? err->code : NCM_ERR_STATE;
        goto fail;
    }
    const ncm_train_opts *o = ncm_bnn_opts(net);
    ncm_arch_format(ncm_bnn_arch(net), r->arch, sizeof r->arch);
    r->train_images = train->n, r->test_images = test->n;
    pred_fwd = malloc((size_t)test->n * sizeof *pred_fwd);
    pred_fold = malloc((size_t)test->n * sizeof *pred_fold);
    r->history = calloc((size_t)o->epochs, sizeof *r->history);
    if (!pred_fwd || !pred_fold || !r->history) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    ncm_train_event ev = {.kind = NCM_TRAIN_START,
                          .arch = r->arch,
                          .train_images = train->n,
                          .test_images = test->n,
                          .epochs_done = ncm_bnn_epoch(net),
                          .epochs = o->epochs};
    if (job->on_event)
        job->on_event(job->user, &ev);
    while (ncm_bnn_epoch(net) < o->epochs) {
        double loss, acc, te = ncm_now();
        if ((s = ncm_bnn_train_epoch(net, train, &loss, &acc, progress, err)))
            goto fail;
        te = ncm_now() - te;
        r->train_seconds += te;
        if ((s = ncm_bnn_predict(net, test, pred_fwd, NULL, err)))
            goto fail;
        ev.kind = NCM_TRAIN_EPOCH;
        ev.epochs_done = ncm_bnn_epoch(net);
        ev.loss = loss;
        ev.train_accuracy = acc;
        ev.test_accuracy = ncm_accuracy(pred_fwd, test->labels, test->n);
        ev.seconds = te;
        r->history[r->n_history++] = ev;
        if (job->on_event)
            job->on_event(job->user, &ev);
        if (job->checkpoint_path && (s = ncm_bnn_save_checkpoint(net, job->checkpoint_path, err)))
            goto fail;
    }
    /* Fold, and hold the folded network to the forward pass image by image, then the packed
     * engine to the folded reference. */
    if ((s = ncm_bnn_predict(net, test, pred_fwd, NULL, err)))
        goto fail;
    if (!(meta = provenance_json(net, job->data ? job->data : "(given)"))) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (!(r->model = ncm_model_fold(net, meta, err))) {
        s = err ? err->code : NCM_ERR_STATE;
        goto fail;
    }
    double ti = ncm_now();
    if ((s = ncm_model_predict(r->model, test, pred_fold, NULL, err)))
        goto fail;
    r->folded_inference_seconds = ncm_now() - ti;
    r->folded_agreement = count_equal(pred_fwd, pred_fold, test->n);
    ncm_packed *pk = ncm_packed_new(r->model, NCM_KERNEL_AUTO, err);
    if (!pk) {
        s = err ? err->code : NCM_ERR_STATE;
        goto fail;
    }
    r->packed_kernel = ncm_kernel_name(ncm_packed_kernel(pk));
    s = ncm_packed_predict(pk, test, pred_fwd, NULL, err);
    ncm_packed_free(pk);
    if (s)
        goto fail;
    r->packed_agreement = count_equal(pred_fwd, pred_fold, test->n);
    r->test_accuracy = ncm_accuracy(pred_fold, test->labels, test->n);
    if (r->folded_agreement != test->n || r->packed_agreement != test->n) {
        s = ncm_error_set(err, NCM_ERR_STATE,
                          "folded network disagrees with the forward pass on %lld images and with "
                          "the packed engine on %lld",
                          (long long)(test->n - r->folded_agreement),
                          (long long)(test->n - r->packed_agreement));
        goto fail;
    }
    if (job->model_path && (s = ncm_model_save(r->model, job->model_path, err)))
        goto fail;
    r->total_seconds = ncm_now() - t0;
    if (job->json_path && (s = write_results(job, r, meta, pred_fold, test, err))) {
        ncm_io_take_back(job->model_path); /* all or nothing: no model without its results */
        goto fail;
    }
fail:
    free(meta);
    free(pred_fwd);
    free(pred_fold);
    ncm_bnn_free(net);
    ncm_dataset_free(train_view);
    ncm_dataset_free(test_view);
    ncm_dataset_free(own_train);
    ncm_dataset_free(own_test);
    if (s) {
        ncm_train_result_free(r);
        return NULL;
    }
    return r;
}
