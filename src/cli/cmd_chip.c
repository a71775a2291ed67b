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
#include "nanocim/cost.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"


static const char *RUN_USAGE =
    "usage: nanocim chip run MODEL --data SPEC (--ber P | --icc UA ...) --chips N [options]\n"
    "  Maps the model onto arrays of memory cells, programs N chips and runs each on the test\n"
    "  split with the packed engine; prints the mapping and the accuracy over chips. MODEL is a\n"
    "  nanocim model file (.ncm) or an .npz archive.\n"
    "  mapping:\n"
    "  --cell S            2t2r (default), 1t1r, 1t1r-secded, 1t1r-secded:K\n"
    "  --rows R --cols C   cells per array (default 32 x 32)\n"
    "  fault injection:\n"
    "  --ber P             weight bit error rate, in [0, 1]\n"
    "  --ber-layer P0,...  one error rate per layer (overrides --ber)\n"
    "  --stuck F           fraction of weight bits stuck (at +1 or -1, half each), in [0, 1]\n"
    "  device physics (any of these; the others at the device's reference condition):\n"
    "  --icc UA            SET compliance current, uA      --icc-layer UA0,...  one per layer\n"
    "  --vreset V          RESET voltage, V                --tp NS  pulse width, ns\n"
    "  --cycles N          age of the devices, SET/RESET cycles\n"
    "  --device FILE       device parameters (JSON; default: the built-in HfO2 technology)\n"
    "  --dead-zone M       static (default: a coin drawn at programming) or dynamic (every read)\n"
    "  both:\n"
    "  --read-ber Q        each XNOR read wrong with probability Q, on every read\n"
    "  --chips N           chips drawn (>= 1)\n"
    "  --seed S            chip i's errors are a function of (S, i) only (default 1)\n"
    "  --limit N           first N test images only\n"
    "  -o PATH             per-chip table (CSV)\n"
    "  --json PATH         results document (faults, seed, summary, per-layer and per-chip)\n"
    "  --tech FILE         technology of the energy per inference (JSON; default: 45 nm)\n"
    "  --threads N         -q  quiet (prints the mean accuracy only)\n";

static int cmd_chip_run(int argc, char **argv)
{
    const char *model_path = NULL, *data = NULL, *csv = NULL, *json = NULL, *v;
    const char *ber_s = NULL, *ber_layer_s = NULL, *cell = NULL, *device = NULL;
    const char *icc_layer_s = NULL, *tech_path = NULL;
    long chips = 0, seed = 1, threads = 0, limit = 0, rows = 32, cols = 32;
    double stuck = 0, icc = 0, vreset = 0, tp = 0, cycles = -1, read_ber = 0;
    int quiet = 0, r, dynamic = 0, device_opts = 0, stuck_set = 0;
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
            stuck_set = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--cell", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cell = v;
        } else if ((r = cli_opt(argc, argv, &i, "--rows", &v))) {
            if (r < 0 || cli_long("--rows", v, 1, NCM_CHIP_MAX_ARRAY, &rows))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--cols", &v))) {
            if (r < 0 || cli_long("--cols", v, 1, NCM_CHIP_MAX_ARRAY, &cols))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--icc", &v))) {
            if (r < 0 || cli_double("--icc", v, 1e-300, 1e300, &icc))
                return CLI_USAGE;
            device_opts = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--icc-layer", &v))) {
            if (r < 0)
                return CLI_USAGE;
            icc_layer_s = v;
            device_opts = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--vreset", &v))) {
            if (r < 0 || cli_double("--vreset", v, -1e300, 1e300, &vreset))
                return CLI_USAGE;
            if (vreset == 0) {
                cli_error("--vreset 0: expected a non-zero RESET voltage");
                return CLI_USAGE;
            }
            device_opts = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--tp", &v))) {
            if (r < 0 || cli_double("--tp", v, 1e-300, 1e300, &tp))
                return CLI_USAGE;
            device_opts = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--cycles", &v))) {
            if (r < 0 || cli_double("--cycles", v, 0, 1e300, &cycles))
                return CLI_USAGE;
            device_opts = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--device", &v))) {
            if (r < 0)
                return CLI_USAGE;
            device = v;
            device_opts = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--dead-zone", &v))) {
            if (r < 0)
                return CLI_USAGE;
            if (strcmp(v, "static") && strcmp(v, "dynamic")) {
                cli_error("--dead-zone %s: expected static or dynamic", v);
                return CLI_USAGE;
            }
            dynamic = !strcmp(v, "dynamic");
            device_opts = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--read-ber", &v))) {
            if (r < 0 || cli_double("--read-ber", v, 0, 1, &read_ber))
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
            if (r < 0 || cli_threads("--threads", v, 1, &threads))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0)
                return CLI_USAGE;
            csv = v;
        } else if ((r = cli_opt(argc, argv, &i, "--json", &v))) {
            if (r < 0)
                return CLI_USAGE;
            json = v;
        } else if ((r = cli_opt(argc, argv, &i, "--tech", &v))) {
            if (r < 0)
                return CLI_USAGE;
            tech_path = v;
        } else if (argv[i][0] != '-' && !model_path) {
            model_path = argv[i];
        } else {
            return cli_unknown("chip run", argv[i]);
        }
    }
    const int fault_opts = ber_s || ber_layer_s || stuck_set;
    if (!model_path || !data || (!fault_opts && !device_opts) || !chips) {
        cli_error("chip run: needs a MODEL file, --data SPEC, --ber P (fault injection) or a "
                  "programming condition such as --icc UA (device physics), and --chips N");
        return CLI_USAGE;
    }
    if (fault_opts && device_opts) {
        cli_error("chip run: --ber, --ber-layer and --stuck (fault injection) do not go with "
                  "--icc, --icc-layer, --vreset, --tp, --cycles, --device or --dead-zone "
                  "(device physics)");
        return CLI_USAGE;
    }
    ncm_chip_mc_params p;
    ncm_chip_mc_default(&p);
    ncm_chip_config *cf = &p.chip;
    double *ber_layer = NULL, *icc_layer = NULL;
    ncm_rram_cond *cond_layer = NULL;
    int n_ber_layer = 0, n_icc_layer = 0;
    ncm_error err = {0};
    if (cell && ncm_storage_parse(cell, &cf->storage, &err)) {
        cli_error("--cell %s", err.msg);
        return CLI_USAGE;
    }
    cf->rows = (int)rows, cf->cols = (int)cols;
    cf->read_ber = read_ber;
    if (device_opts) {
        cf->mode = NCM_CHIP_DEVICES;
        if (device && ncm_rram_load(device, &cf->device, &err)) {
            cli_error("--device %s", err.msg);
            return CLI_FAIL;
        }
        cf->cond = ncm_rram_cond_ref(&cf->device);
        if (icc > 0)
            cf->cond.i_cc_ua = icc;
        if (vreset != 0)
            cf->cond.v_reset_v = vreset;
        if (tp > 0)
            cf->cond.t_p_ns = tp;
        if (cycles >= 0)
            cf->cond.cycles = cycles;
        cf->dead_zone_dynamic = dynamic;
        if (icc_layer_s) {
            if (cli_range("--icc-layer", icc_layer_s, 1e-300, 1e300, &icc_layer, &n_icc_layer))
                return CLI_USAGE;
            if (!(cond_layer = calloc((size_t)n_icc_layer, sizeof *cond_layer))) {
                free(icc_layer);
                cli_error("out of memory");
                return CLI_FAIL;
            }
            for (int l = 0; l < n_icc_layer; l++) {
                cond_layer[l] = cf->cond;
                cond_layer[l].i_cc_ua = icc_layer[l];
            }
            cf->cond_layer = cond_layer, cf->n_cond_layer = n_icc_layer;
        }
    } else {
        if (ber_s && cli_double("--ber", ber_s, 0, 1, &cf->faults.ber))
            return CLI_USAGE;
        if (ber_layer_s && cli_range("--ber-layer", ber_layer_s, 0, 1, &ber_layer, &n_ber_layer))
            return CLI_USAGE;
        cf->faults.ber_layer = ber_layer;
        cf->faults.n_ber_layer = n_ber_layer;
        cf->faults.stuck_frac = stuck;
    }
    ncm_tech tech;
    if (tech_path) {
        if (ncm_tech_load(tech_path, &tech, &err)) {
            cli_error("--tech %s", err.msg);
            free(ber_layer);
            free(icc_layer);
            free(cond_layer);
            return CLI_FAIL;
        }
        p.tech = &tech;
    }
    p.n_chips = (int)chips;
    p.seed = (uint64_t)seed;
    p.threads = (int)threads;
    int rc;
    const cli_path in[] = {{"MODEL", model_path}, {"--data", data}, {"--tech", tech_path}};
    const cli_path out[] = {{"-o", csv}, {"--json", json}};
    if ((rc = cli_check_output("-o", csv, 0)) || (rc = cli_check_output("--json", json, 0)) ||
        (rc = cli_check_paths(in, 3, out, 2))) {
        free(ber_layer);
        free(icc_layer);
        free(cond_layer);
        return rc;
    }
    ncm_set_threads((int)threads);
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
        {"faults.ber_layer", "--ber-layer"}, {"faults.ber", "--ber"},
        {"faults.stuck_frac", "--stuck"},    {"n_chips", "--chips"},
        {"threads", "--threads"},            {"dataset", "--data"},
        {"rows", "--rows"},                  {"cols", "--cols"},
        {"read_ber", "--read-ber"},          {"cond_layer", "--icc-layer"},
        {"cond.i_cc_ua", "--icc"},           {"cond.v_reset_v", "--vreset"},
        {"cond.t_p_ns", "--tp"},             {"cond.cycles", "--cycles"},
        {NULL, NULL}};
    cli_bar bar;
    cli_bar_start(&bar, quiet);
    res = ncm_chip_mc(m, test, &p, &bar.progress, &err);
    cli_bar_finish(&bar);
    if (!res) {
        rc = cli_lib_error(&err, fields);
        goto out;
    }
    /* The files first (atomically, CSV then JSON); a failure leaves neither behind (main
     * removes the run's outputs, never a device written through). */
    if (csv && ncm_chip_mc_result_save_csv(res, csv, &err)) {
        rc = cli_lib_error(&err, NULL);
        goto out;
    }
    if (json && ncm_chip_mc_result_save_json(res, m, model_path, data, json, &err)) {
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
    const ncm_chip_map *mp = &res->map;
    printf("mapping: %s, arrays of %d x %d cells",
           mp->words_per_row ? "1T1R+SECDED" : ncm_cell_type_name(res->config.storage.cell),
           mp->rows, mp->cols);
    if (mp->words_per_row)
        printf(", %d SECDED word%s (%d,%d) and %d check cells per row", mp->words_per_row,
               mp->words_per_row == 1 ? "" : "s", mp->code_n, mp->code_k, mp->check_per_row);
    printf("\n  layer  arrays     devices  sense amps  decoders  dec. gates  row reads  used\n");
    for (int l = 0; l <= mp->n_layers; l++) {
        const ncm_chip_layer_map *M = l < mp->n_layers ? &mp->layer[l] : &mp->total;
        if (l < mp->n_layers)
            printf("  %-5d", l);
        else
            printf("  total");
        printf(" %7lld %11lld %11lld %9lld %11lld %10lld %4.0f%%\n", (long long)M->arrays,
               (long long)M->devices, (long long)M->sense_amps, (long long)M->decoders,
               (long long)M->decoder_gates, (long long)M->row_reads, 100 * M->utilisation);
    }
    if (res->config.mode == NCM_CHIP_FAULTS) {
        printf("faults: ber %g%s, stuck %g", res->config.faults.ber,
               ber_layer ? " (per layer below)" : "", res->config.faults.stuck_frac);
    } else {
        const ncm_rram_cond *c0 = &res->cond_layer[0];
        printf("devices: %s, I_cc %g uA%s, V_reset %g V, t_p %g ns, %g cycles, dead zone %s; "
               "programming %.4g pJ per weight", res->config.device.name, c0->i_cc_ua,
               cond_layer ? " (layer 0)" : "", c0->v_reset_v, c0->t_p_ns, c0->cycles,
               res->config.dead_zone_dynamic ? "dynamic" : "static",
               res->energy_pj[0] / (double)mp->total.weights);
    }
    if (res->config.read_ber > 0)
        printf(", read errors %g per XNOR", res->config.read_ber);
    printf("\n");
    printf("  accuracy     %.4f +- %.4f (sd over chips)\n", res->mean, res->sd);
    printf("  min / max    %.4f / %.4f\n", res->min, res->max);
    if (res->n_chips > 1)
        printf("  95%% interval of the mean  [%.4f, %.4f]\n", res->ci_lo, res->ci_hi);
    else
        printf("  95%% interval of the mean  n/a (1 chip)\n");
    if (res->config.mode == NCM_CHIP_FAULTS) {
        printf("  layer        bits       ber        measured\n");
        for (int l = 0; l < res->n_layers; l++)
            printf("  %-5d %12lld  %-10.4g %.4g\n", l, (long long)res->bits[l],
                   res->ber_layer[l], res->ber_measured[l]);
    } else {
        printf("  layer        bits  measured ber\n");
        for (int l = 0; l < res->n_layers; l++)
            printf("  %-5d %12lld  %.4g\n", l, (long long)res->bits[l], res->ber_measured[l]);
    }
    printf("  inference on the chip: %.4g nJ, %.4g us (technology %s; nanocim chip cost: "
           "the breakdown)\n", 1e-3 * res->inference_energy_pj, 1e-3 * res->inference_latency_ns,
           tech_path ? tech_path : "built-in 45 nm");
    printf("  %.0f images/s (%s engine, %d threads, %.2f s)\n", res->images_per_s, res->kernel,
           res->threads, res->seconds);
out:
    ncm_chip_mc_result_free(res);
    ncm_dataset_free(test);
    ncm_model_free(m);
    free(ber_layer);
    free(icc_layer);
    free(cond_layer);
    return rc;
}

int cmd_chip(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs("usage: nanocim chip run|cost [options]   (nanocim chip run --help, "
              "nanocim chip cost --help)\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    if (!strcmp(argv[1], "run"))
        return cmd_chip_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "cost"))
        return cmd_chip_cost(argc - 1, argv + 1);
    cli_error("chip: unknown subcommand '%s' (expected run or cost)", argv[1]);
    return CLI_USAGE;
}
