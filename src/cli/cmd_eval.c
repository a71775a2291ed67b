/* `nanocim eval`: run a folded model file on a dataset's test split with integer inference. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "nanocim/blas.h"
#include "nanocim/io.h"
#include "nanocim/metrics.h"
#include "nanocim/model.h"

static const char *USAGE =
    "usage: nanocim eval MODEL --data SPEC [--json PATH] [--limit N] [--threads N] [-q]\n"
    "  Runs the folded integer network (popcount(XNOR(x, w)) >= T per neuron) on the test split\n"
    "  and prints its accuracy; --json writes accuracy, per-class accuracy and the confusion\n"
    "  matrix.\n";

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *data = NULL, *json = NULL, *v;
    long limit = 0, threads = 0;
    int quiet = 0, r;
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
    ncm_model m;
    ncm_dataset test;
    if (ncm_model_load(model_path, &m, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    if (ncm_dataset_load(data, 0, &test, &err)) {
        ncm_model_free(&m);
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    if (limit)
        ncm_dataset_truncate(&test, limit);
    int rc = CLI_FAIL;
    int32_t *pred = malloc((size_t)test.n * sizeof *pred);
    double t = ncm_now();
    if (!pred) {
        ncm_error_set(&err, NCM_ERR_NOMEM, "out of memory");
    } else if (!ncm_model_predict(&m, &test, pred, NULL, &err)) {
        t = ncm_now() - t;
        double acc = ncm_accuracy(pred, test.labels, test.n);
        char arch[512];
        ncm_arch_format(&m.arch, arch, sizeof arch);
        if (!quiet)
            printf("%s: %s, test accuracy %.4f on %lld images (%.0f images/s, %d threads)\n",
                   model_path, arch, acc, (long long)test.n, (double)test.n / t, ncm_threads());
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
            cJSON_AddItemToObject(o, "model_meta", m.meta ? cJSON_Parse(m.meta) : cJSON_CreateNull());
            cJSON_AddItemToObject(o, "test", ncm_metrics_json(pred, test.labels, test.n, test.n_classes));
            cJSON *tm = cJSON_AddObjectToObject(o, "timing");
            cJSON_AddNumberToObject(tm, "seconds", t);
            cJSON_AddNumberToObject(tm, "threads", ncm_threads());
            char *txt = cJSON_Print(o);
            if (ncm_write_text_atomic(json, txt, &err))
                rc = CLI_FAIL;
            free(txt);
            cJSON_Delete(o);
        }
    }
    if (rc)
        cli_error("%s: --data %s: %s", model_path, data, err.msg);
    free(pred);
    ncm_dataset_free(&test);
    ncm_model_free(&m);
    return rc;
}
