/* `nanocim chip`: the in-memory chip. `chip run` is the Monte Carlo over chips with faulty
 * weights (random bit flips, stuck bits; include/nanocim/chip.h): each chip's accuracy on the
 * test split, and the summary over chips. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress_bar.h"
#include "nanocim/chip.h"
#include "nanocim/config.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"


static const char *RUN_USAGE =
    "usage: nanocim chip run MODEL --data SPEC --ber P --chips N [options]\n"
    "  Draws N chips whose weight bits flip with probability P (and optionally stick at +1 or\n"
    "  -1), runs each on the test split with the packed engine, and prints the accuracy over\n"
    "  chips. MODEL is a nanocim model file (.ncm) or an .npz archive.\n"
    "  --ber P             weight bit error rate, in [0, 1]\n"
    "  --ber-layer P0,...  one error rate per layer (overrides --ber)\n"
    "  --stuck F           fraction of weight bits stuck (at +1 or -1, half each), in [0, 1]\n"
    "  --chips N           chips drawn (>= 1)\n"
    "  --seed S            chip i's faults are a function of (S, i) only (default 1)\n"
    "  --limit N           first N test images only\n"
    "  -o PATH             per-chip table (CSV)\n"
    "  --json PATH         results document (faults, seed, summary, per-layer and per-chip)\n"
    "  --threads N         -q  quiet (prints the mean accuracy only)\n";

/* The folder of path exists and can take a new file (checked before a long run, so a bad
 * output path fails at once and leaves nothing behind). */
static int check_output(const char *opt, const char *path)
{
    if (!path)
        return 0;
    char *copy = strdup(path);
    if (!copy) {
        cli_error("%s %s: out of memory", opt, path);
        return CLI_FAIL;
    }
    const char *dir = dirname(copy);
    int ok = access(dir, W_OK | X_OK) == 0;
    int e = errno;
    if (!ok)
        cli_error("%s %s: cannot write in folder %s (%s)", opt, path, dir, strerror(e));
    free(copy);
    return ok ? 0 : CLI_FAIL;
}

static int cmd_chip_run(int argc, char **argv)
{
    const char *model_path = NULL, *data = NULL, *csv = NULL, *json = NULL, *v;
    const char *ber_s = NULL, *ber_layer_s = NULL;
    long chips = 0, seed = 1, threads = 0, limit = 0;
    double stuck = 0;
    int quiet = 0, r;
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(RUN_USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--data", &v))) {
            if (r < 0)
                return CLI_USAGE;
            data = v;
        } else if ((r = cli_opt(argc, argv, &i, "--ber", &v))) {
            if (r < 0)
                return CLI_USAGE;
            ber_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--ber-layer", &v))) {
            if (r < 0)
                return CLI_USAGE;
            ber_layer_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--stuck", &v))) {
            if (r < 0 || cli_double("--stuck", v, 0, 1, &stuck))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--chips", &v))) {
            if (r < 0 || cli_long("--chips", v, 1, 100000000L, &chips))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v))) {
            if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &seed))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--limit", &v))) {
            if (r < 0 || cli_long("--limit", v, 1, 1L << 40, &limit))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_long("--threads", v, 1, 1024, &threads))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0)
                return CLI_USAGE;
            csv = v;
        } else if ((r = cli_opt(argc, argv, &i, "--json", &v))) {
            if (r < 0)
                return CLI_USAGE;
            json = v;
        } else if (argv[i][0] != '-' && !model_path) {
            model_path = argv[i];
        } else {
            return cli_unknown("chip run", argv[i]);
        }
    }
    if (!model_path || !data || (!ber_s && !ber_layer_s) || !chips) {
        cli_error("chip run: needs a MODEL file, --data SPEC, --ber P (or --ber-layer) and "
                  "--chips N");
        return CLI_USAGE;
    }
    ncm_chip_mc_params p;
    ncm_chip_mc_default(&p);
    double *ber_layer = NULL;
    int n_ber_layer = 0;
    if (ber_s && cli_double("--ber", ber_s, 0, 1, &p.faults.ber))
        return CLI_USAGE;
    if (ber_layer_s && cli_range("--ber-layer", ber_layer_s, 0, 1, &ber_layer, &n_ber_layer))
        return CLI_USAGE;
    p.faults.ber_layer = ber_layer;
    p.faults.n_ber_layer = n_ber_layer;
    p.faults.stuck_frac = stuck;
    p.n_chips = (int)chips;
    p.seed = (uint64_t)seed;
    p.threads = (int)threads;
    int rc;
    if ((rc = check_output("-o", csv)) || (rc = check_output("--json", json))) {
        free(ber_layer);
        return rc;
    }
    ncm_set_threads((int)threads);
    ncm_error err = {0};
    ncm_model *m = NULL;
    ncm_dataset *test = NULL;
    ncm_chip_mc_result *res = NULL;
    rc = CLI_FAIL;
    if (!(m = ncm_model_load_any(model_path, &err)) ||
        !(test = ncm_dataset_load(data, 0, &err))) {
        cli_error("%s", err.msg);
        goto out;
    }
    if (limit)
        ncm_dataset_truncate(test, limit);
    static const cli_field fields[] = {
        {"ber_layer", "--ber-layer"}, {"ber", "--ber"},     {"stuck_frac", "--stuck"},
        {"n_chips", "--chips"},       {"threads", "--threads"}, {"dataset", "--data"},
        {NULL, NULL}};
    cli_bar bar;
    cli_bar_start(&bar, quiet);
    res = ncm_chip_mc(m, test, &p, &bar.progress, &err);
    cli_bar_finish(&bar);
    if (!res) {
        rc = cli_lib_error(&err, fields);
        goto out;
    }
    /* The files first (atomically, CSV then JSON); a failure leaves neither behind. */
    if (csv && ncm_chip_mc_result_save_csv(res, csv, &err)) {
        rc = cli_lib_error(&err, NULL);
        goto out;
    }
    if (json && ncm_chip_mc_result_save_json(res, m, model_path, data, json, &err)) {
        if (csv)
            remove(csv);
        rc = cli_lib_error(&err, NULL);
        goto out;
    }
    rc = 0;
    if (quiet) {
        printf("%.4f\n", res->mean);
        goto out;
    }
    char arch[512];
    ncm_arch_format(&m->arch, arch, sizeof arch);
    printf("%s: %s, %d chip%s x %lld test images (seed %llu)\n", model_path, arch, res->n_chips,
           res->n_chips == 1 ? "" : "s",
           (long long)res->n_images, (unsigned long long)res->seed);
    printf("faults: ber %g%s, stuck %g\n", res->ber, ber_layer ? " (per layer below)" : "",
           res->stuck_frac);
    printf("  accuracy     %.4f +- %.4f (sd over chips)\n", res->mean, res->sd);
    printf("  min / max    %.4f / %.4f\n", res->min, res->max);
    if (res->n_chips > 1)
        printf("  95%% interval of the mean  [%.4f, %.4f]\n", res->ci_lo, res->ci_hi);
    else
        printf("  95%% interval of the mean  n/a (1 chip)\n");
    printf("  layer        bits       ber        measured\n");
    for (int l = 0; l < res->n_layers; l++)
        printf("  %-5d %12lld  %-10.4g %.4g\n", l, (long long)res->bits[l], res->ber_layer[l],
               res->ber_measured[l]);
    printf("  %.0f images/s (%s engine, %d threads, %.2f s)\n", res->images_per_s, res->kernel,
           res->threads, res->seconds);
out:
    ncm_chip_mc_result_free(res);
    ncm_dataset_free(test);
    ncm_model_free(m);
    free(ber_layer);
    return rc;
}

int cmd_chip(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs("usage: nanocim chip run [options]   (nanocim chip run --help)\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    if (!strcmp(argv[1], "run"))
        return cmd_chip_run(argc - 1, argv + 1);
    cli_error("chip: unknown subcommand '%s' (expected run)", argv[1]);
    return CLI_USAGE;
}
