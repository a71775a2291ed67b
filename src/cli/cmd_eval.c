/* `nanocim eval`: run a folded model file on a dataset's test split with integer inference. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/progress.h"
#include "nanocim/config.h"
#include "util/io.h"
#include "util/json.h"
#include "nanocim/metrics.h"
#include "nanocim/model.h"
#include "nanocim/packed.h"

static const char *USAGE =
    "usage: nanocim eval MODEL --data SPEC [options]\n"
    "  Runs the folded integer network (popcount(XNOR(x, w)) >= T per neuron) on the test split\n"
    "  and prints its accuracy.\n"
    "  --engine E    packed (bit-packed kernels, default), reference (plain C), or check (both,\n"
    "                and their predictions compared image by image)\n"
    "  --kernel K    packed engine's kernel: auto (default), avx512, avx2, portable\n"
    "                (also NCM_KERNEL=K)\n"
    "  --json PATH   accuracy, per-class accuracy, confusion matrix, timing\n"
    "  --limit N     first N test images only     --threads N     -q  quiet\n";

enum { ENGINE_PACKED, ENGINE_REFERENCE, ENGINE_CHECK };

/* Runs the chosen engine; for ENGINE_CHECK both, failing if they disagree anywhere. */
static ncm_status run_engine(const ncm_model *m, const ncm_dataset *test, int engine,
                             ncm_kernel kernel, int32_t *pred, const char **kname, ncm_error *err)
{
    *kname = "reference";
    if (engine == ENGINE_REFERENCE)
        return ncm_model_predict(m, test, pred, NULL, err);
    ncm_packed *pk = ncm_packed_new(m, kernel, err);
    if (!pk)
        return err ? err->code : NCM_ERR_STATE;
    *kname = ncm_kernel_name(ncm_packed_kernel(pk));
    ncm_status s = ncm_packed_predict(pk, test, pred, NULL, err);
    ncm_packed_free(pk);
    if (s || engine != ENGINE_CHECK)
        return s;
    int32_t *ref = malloc((size_t)test->n * sizeof *ref);
    if (!ref)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    s = ncm_model_predict(m, test, ref, NULL, err);
    int64_t differ = 0;
    for (int64_t i = 0; !s && i < test->n; i++)
        differ += ref[i] != pred[i];
    free(ref);
    if (!s && differ)
        return ncm_error_set(err, NCM_ERR_STATE,
                             "packed and reference engines disagree on %lld "
                             "of %lld images",
                             (long long)differ, (long long)test->n);
    if (!s)
        printf("packed (%s) and reference engines agree on all %lld images\n", *kname,
               (long long)test->n);
    return s;
}

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *data = NULL, *json = NULL, *v;
    long limit = 0, threads = 0;
    int quiet = 0, r, engine = ENGINE_PACKED;
    ncm_kernel kernel = NCM_KERNEL_AUTO;
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--data", &v))) {
            if (r < 0)
                return CLI_USAGE;
            data = v;
        } else if ((r = cli_opt(argc, argv, &i, "--json", &v))) {
            if (r < 0)
                return CLI_USAGE;
            json = v;
        } else if ((r = cli_opt(argc, argv, &i, "--engine", &v))) {
            if (r < 0)
                return CLI_USAGE;
            if (!strcmp(v, "packed"))
                engine = ENGINE_PACKED;
            else if (!strcmp(v, "reference"))
                engine = ENGINE_REFERENCE;
            else if (!strcmp(v, "check"))
                engine = ENGINE_CHECK;
            else {
                cli_error("--engine %s: expected packed, reference or check", v);
                return CLI_USAGE;
            }
        } else if ((r = cli_opt(argc, argv, &i, "--kernel", &v))) {
            if (r < 0)
                return CLI_USAGE;
            int k = ncm_kernel_parse(v);
            if (k < 0) {
                cli_error("--kernel %s: expected auto, avx512, avx2 or portable", v);
                return CLI_USAGE;
            }
            if (!ncm_kernel_supported((ncm_kernel)k) && k != NCM_KERNEL_AUTO) {
                cli_error("--kernel %s: this CPU cannot run it", v);
                return CLI_USAGE;
            }
            kernel = (ncm_kernel)k;
        } else if ((r = cli_opt(argc, argv, &i, "--limit", &v))) {
            if (r < 0 || cli_long("--limit", v, 1, 1L << 40, &limit))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_long("--threads", v, 1, 1024, &threads))
                return CLI_USAGE;
        } else if (argv[i][0] != '-' && !model_path) {
            model_path = argv[i];
        } else {
            return cli_unknown("eval", argv[i]);
        }
    }
    if (!model_path || !data) {
        cli_error("eval: needs a MODEL file and --data SPEC");
        return CLI_USAGE;
    }
    ncm_set_threads((int)threads);
    ncm_error err = {0};
    ncm_model *m = NULL;
    ncm_dataset *test = NULL;
    if (!(m = ncm_model_load(model_path, &err))) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    if (!(test = ncm_dataset_load(data, 0, &err))) {
        ncm_model_free(m);
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    if (limit)
        ncm_dataset_truncate(test, limit);
    int rc = CLI_FAIL;
    int32_t *pred = malloc((size_t)test->n * sizeof *pred);
    double t = ncm_now();
    const char *kname = "";
    if (!pred) {
        ncm_error_set(&err, NCM_ERR_NOMEM, "out of memory");
    } else if (!run_engine(m, test, engine, kernel, pred, &kname, &err)) {
        t = ncm_now() - t;
        double acc = ncm_accuracy(pred, test->labels, test->n);
        char arch[512];
        ncm_arch_format(&m->arch, arch, sizeof arch);
        if (!quiet)
            printf("%s: %s, test accuracy %.4f on %lld images (%s engine, %.0f images/s, %d "
                   "threads)\n",
                   model_path, arch, acc, (long long)test->n, kname, (double)test->n / t,
                   ncm_threads());
        else
            printf("%.4f\n", acc);
        rc = 0;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "command", "eval");
            cJSON_AddStringToObject(o, "producer", "nanocim " NCM_VERSION);
            cJSON_AddStringToObject(o, "model", model_path);
            cJSON_AddStringToObject(o, "arch", arch);
            cJSON_AddStringToObject(o, "data", data);
            cJSON_AddItemToObject(o, "model_meta",
                                  m->meta ? cJSON_Parse(m->meta) : cJSON_CreateNull());
            cJSON_AddItemToObject(o, "test",
                                  ncm_metrics_json(pred, test->labels, test->n, test->n_classes));
            cJSON *tm = cJSON_AddObjectToObject(o, "timing");
            cJSON_AddNumberToObject(tm, "seconds", t);
            cJSON_AddStringToObject(tm, "engine", kname);
            cJSON_AddNumberToObject(tm, "threads", ncm_threads());
            if (ncm_json_write(json, o, &err))
                rc = CLI_FAIL;
            cJSON_Delete(o);
        }
    }
    if (rc)
        cli_error("%s: --data %s: %s", model_path, data, err.msg);
    free(pred);
    ncm_dataset_free(test);
    ncm_model_free(m);
    return rc;
}
