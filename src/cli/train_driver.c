/* The training driver behind `nanocim train` and `nanocim demo`: data, epochs with checkpoints,
 * folding, the folded-versus-forward check, and the result files. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress_bar.h"
#include "util/progress.h"
#include "nanocim/config.h"
#include "util/io.h"
#include "util/json.h"
#include "nanocim/metrics.h"
#include "nanocim/model.h"
#include "nanocim/packed.h"

#define EVAL_BATCH 500

static char *provenance_json(const ncm_bnn *net, const cli_train_cfg *cfg)
{
    const ncm_train_opts *o = ncm_bnn_opts(net);
    char arch[512];
    ncm_arch_format(ncm_bnn_arch(net), arch, sizeof arch);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "producer", "nanocim " NCM_VERSION);
    cJSON_AddStringToObject(m, "arch", arch);
    cJSON_AddStringToObject(m, "data", cfg->data);
    cJSON_AddNumberToObject(m, "epochs", o->epochs);
    cJSON_AddNumberToObject(m, "batch", o->batch);
    cJSON_AddNumberToObject(m, "lr", o->lr);
    cJSON_AddNumberToObject(m, "lr_end", o->lr_end);
    cJSON_AddNumberToObject(m, "seed", (double)o->seed);
    static const char *augment[] = {"none", "flip", "shift", "all"};
    cJSON_AddStringToObject(m, "augment", augment[o->augment & 3]);
    cJSON_AddNumberToObject(m, "flip_p", o->flip_p);
    char *s = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return s;
}

int cli_run_training(const cli_train_cfg *cfg, double *test_acc)
{
    ncm_error err = {0};
    ncm_dataset train = {0}, test = {0};
    ncm_bnn *net = NULL;
    ncm_model model = {0};
    int32_t *pred_fwd = NULL, *pred_fold = NULL;
    char *meta = NULL;
    cJSON *res = NULL, *hist = NULL;
    int rc = CLI_FAIL;
    const double t0 = ncm_now();

    if (ncm_dataset_load(cfg->data, 1, &train, &err) || ncm_dataset_load(cfg->data, 0, &test, &err))
        goto fail;
    if (cfg->train_limit)
        ncm_dataset_truncate(&train, cfg->train_limit);
    if (cfg->test_limit)
        ncm_dataset_truncate(&test, cfg->test_limit);

    if (cfg->resume) {
        if (!cfg->ckpt) {
            cli_error("--resume needs a checkpoint (-o MODEL or --checkpoint PATH)");
            rc = CLI_USAGE;
            goto out;
        }
        net = ncm_bnn_load_checkpoint(cfg->ckpt, 0, &err);
        if (!net)
            goto fail;
        const ncm_arch *a = ncm_bnn_arch(net);
        if (a->in_c != train.c || a->in_h != train.h || a->in_w != train.w) {
            ncm_error_set(
                &err, NCM_ERR_DATA, "%s: checkpoint is for %dx%dx%d images, --data %s has %dx%dx%d",
                cfg->ckpt, a->in_c, a->in_h, a->in_w, cfg->data, train.c, train.h, train.w);
            goto fail;
        }
        if (!cfg->quiet)
            fprintf(stderr, "resuming %s after epoch %d of %d\n", cfg->ckpt, ncm_bnn_epoch(net),
                    ncm_bnn_opts(net)->epochs);
    } else {
        ncm_arch arch;
        if (ncm_arch_parse(cfg->arch, train.c, train.h, train.w, train.n_classes, &arch, &err)) {
            cli_error("%s", err.msg);
            rc = CLI_USAGE;
            goto out;
        }
        net = ncm_bnn_create(&arch, &cfg->opts,
                             cfg->opts.batch > EVAL_BATCH ? cfg->opts.batch : EVAL_BATCH, &err);
        if (!net)
            goto fail;
    }
    const ncm_train_opts *o = ncm_bnn_opts(net);
    char arch_s[512];
    ncm_arch_format(ncm_bnn_arch(net), arch_s, sizeof arch_s);
    if (!cfg->quiet)
        printf("training %s on %s: %lld images, %d epochs, batch %d, seed %llu, %d threads, "
               "OpenBLAS %s (%s)\n",
               arch_s, cfg->data, (long long)train.n, o->epochs, o->batch,
               (unsigned long long)o->seed, ncm_threads(), ncm_blas_kernel(), ncm_blas_origin());
    pred_fwd = malloc((size_t)test.n * sizeof *pred_fwd);
    pred_fold = malloc((size_t)test.n * sizeof *pred_fold);
    res = cJSON_CreateObject();
    hist = cJSON_CreateArray();
    if (!pred_fwd || !pred_fold || !res || !hist) {
        ncm_error_set(&err, NCM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    double train_time = 0.0;
    while (ncm_bnn_epoch(net) < o->epochs) {
        const int e = ncm_bnn_epoch(net) + 1;
        cli_bar bar;
        cli_bar_start(&bar, cfg->quiet);
        double loss, acc, te = ncm_now();
        if (ncm_bnn_train_epoch(net, &train, &loss, &acc, &bar.progress, &err))
            goto fail;
        cli_bar_finish(&bar);
        te = ncm_now() - te;
        train_time += te;
        if (ncm_bnn_predict(net, &test, pred_fwd, NULL, &err))
            goto fail;
        double tacc = ncm_accuracy(pred_fwd, test.labels, test.n);
        if (!cfg->quiet)
            printf("epoch %3d  loss %.4f  train acc %.4f  test acc %.4f  %.1fs\n", e, loss, acc,
                   tacc, te);
        fflush(stdout);
        cJSON *h = cJSON_CreateObject();
        cJSON_AddNumberToObject(h, "epoch", e);
        cJSON_AddNumberToObject(h, "loss", loss);
        cJSON_AddNumberToObject(h, "train_accuracy", acc);
        cJSON_AddNumberToObject(h, "test_accuracy", tacc);
        cJSON_AddNumberToObject(h, "seconds", te);
        cJSON_AddItemToArray(hist, h);
        if (cfg->ckpt && ncm_bnn_save_checkpoint(net, cfg->ckpt, &err))
            goto fail;
    }
    /* Fold and hold the folded network to the forward pass, image by image. */
    if (ncm_bnn_predict(net, &test, pred_fwd, NULL, &err))
        goto fail;
    meta = provenance_json(net, cfg);
    if (ncm_model_fold(net, meta, &model, &err))
        goto fail;
    double ti = ncm_now();
    if (ncm_model_predict(&model, &test, pred_fold, NULL, &err))
        goto fail;
    ti = ncm_now() - ti;
    int64_t agree = 0, agree_packed = 0;
    for (int64_t i = 0; i < test.n; i++)
        agree += pred_fwd[i] == pred_fold[i];
    /* and the packed-bit engine, image by image, against the folded reference */
    ncm_packed *pk = ncm_packed_build(&model, NCM_KERNEL_AUTO, &err);
    if (!pk || ncm_packed_predict(pk, &test, pred_fwd, NULL, &err)) {
        ncm_packed_free(pk);
        goto fail;
    }
    const char *kname = ncm_kernel_name(ncm_packed_kernel(pk));
    ncm_packed_free(pk);
    for (int64_t i = 0; i < test.n; i++)
        agree_packed += pred_fwd[i] == pred_fold[i];
    double acc_fold = ncm_accuracy(pred_fold, test.labels, test.n);
    if (!cfg->quiet)
        printf("test accuracy %.4f (folded integer network); predictions agree with the forward "
               "pass on %lld/%lld images and with the packed %s engine on %lld/%lld\n",
               acc_fold, (long long)agree, (long long)test.n, kname, (long long)agree_packed,
               (long long)test.n);
    if (agree != test.n || agree_packed != test.n) {
        ncm_error_set(&err, NCM_ERR_STATE,
                      "folded network disagrees with the forward pass on %lld images and with "
                      "the packed engine on %lld",
                      (long long)(test.n - agree), (long long)(test.n - agree_packed));
        goto fail;
    }
    if (cfg->out && ncm_model_save(&model, cfg->out, &err))
        goto fail;
    if (cfg->json) {
        cJSON_AddStringToObject(res, "command", "train");
        cJSON_AddItemToObject(res, "config", cJSON_Parse(meta));
        cJSON_AddNumberToObject(res, "train_images", (double)train.n);
        cJSON_AddItemToObject(res, "test",
                              ncm_metrics_json(pred_fold, test.labels, test.n, test.n_classes));
        cJSON_AddNumberToObject(res, "folded_agreement", (double)agree);
        cJSON_AddNumberToObject(res, "packed_agreement", (double)agree_packed);
        cJSON_AddItemToObject(res, "history", hist);
        hist = NULL;
        cJSON *t = cJSON_AddObjectToObject(res, "timing");
        cJSON_AddNumberToObject(t, "train_seconds", train_time);
        cJSON_AddNumberToObject(t, "folded_inference_seconds", ti);
        cJSON_AddNumberToObject(t, "total_seconds", ncm_now() - t0);
        cJSON_AddNumberToObject(t, "threads", ncm_threads());
        cJSON_AddStringToObject(t, "openblas_kernel", ncm_blas_kernel());
        if (ncm_json_write(cfg->json, res, &err))
            goto fail;
    }
    if (test_acc)
        *test_acc = acc_fold;
    rc = 0;
    goto out;
fail:
    cli_error("%s", err.msg);
out:
    cJSON_Delete(res);
    cJSON_Delete(hist);
    free(meta);
    free(pred_fwd);
    free(pred_fold);
    ncm_model_free(&model);
    ncm_bnn_free(net);
    ncm_dataset_free(&train);
    ncm_dataset_free(&test);
    return rc;
}
