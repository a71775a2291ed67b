/* `nanocim eval`: run a folded model file on a dataset's test split with integer inference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nanocim/config.h"
#include "nanocim/eval.h"
#include "nanocim/model.h"

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

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *data = NULL, *json = NULL, *v;
    long limit = 0, threads = 0;
    int quiet = 0, r;
    ncm_engine engine = NCM_ENGINE_PACKED;
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
            int e = ncm_engine_parse(v);
            if (e < 0) {
                cli_error("--engine %s: expected packed, reference or check", v);
                return CLI_USAGE;
            }
            engine = (ncm_engine)e;
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
            if (r < 0 || cli_threads("--threads", v, 1, &threads))
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
    const cli_path in[] = {{"MODEL", model_path}, {"--data", data}};
    const cli_path out[] = {{"--json", json}};
    int rc = cli_check_output("--json", json, 0);
    if (rc || (rc = cli_check_paths(in, 2, out, 1)))
        return rc;
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
    static const cli_field fields[] = {{"kernel", "--kernel"}, {"engine", "--engine"},
                                       {"dataset", "--data"}, {NULL, NULL}};
    rc = 0;
    ncm_eval_result *res = ncm_eval(m, test, engine, kernel, &err);
    if (!res) {
        rc = cli_lib_error(&err, fields);
    } else {
        char arch[512];
        ncm_arch_format(&m->arch, arch, sizeof arch);
        if (engine == NCM_ENGINE_CHECK)
            printf("packed (%s) and reference engines agree on all %lld images\n", res->kernel,
                   (long long)res->n);
        if (!quiet)
            printf("%s: %s, test accuracy %.4f on %lld images (%s engine, %.0f images/s, %d "
                   "threads)\n",
                   model_path, arch, res->accuracy, (long long)res->n, res->kernel,
                   (double)res->n / res->seconds, ncm_threads());
        else
            printf("%.4f\n", res->accuracy);
        if (json && ncm_eval_result_save_json(res, m, model_path, data, json, &err))
            rc = cli_lib_error(&err, NULL);
    }
    ncm_eval_result_free(res);
    ncm_dataset_free(test);
    ncm_model_free(m);
    return rc;
}
