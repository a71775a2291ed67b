/* `nanocim chip cost`: the energy, area and latency of one inference of a model on the
 * in-memory chip (one or more storage options) beside the processor baselines
 * (include/nanocim/cost.h); prints the table, writes the JSON document and the stacked-bar
 * figure of the chip's breakdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plot.h"
#include "nanocim/cost.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"

static const char *COST_USAGE =
    "usage: nanocim chip cost MODEL [options]\n"
    "Energy, area and latency of one inference on the in-memory chip, beside the same network\n"
    "on a processor (BNN and float32, weights in SRAM and in DRAM).\n"
    "  --tech FILE         technology file (JSON; default: the built-in 45 nm technology)\n"
    "  --cell S[,S...]     storage options (default 2t2r,1t1r,1t1r-secded:32)\n"
    "  --rows R --cols C   cells per array (default 32 x 32)\n"
    "  --icc UA            SET compliance current, uA (default: the device's reference)\n"
    "  --vreset V --tp NS  RESET voltage, V; pulse width, ns\n"
    "  --device FILE       RRAM device parameters (JSON; default: the built-in HfO2)\n"
    "  --json PATH         the comparison as JSON (every count and energy, per layer)\n"
    "  --plot FILE         stacked bars of the chips' energy per layer and item (.png/.svg/.pdf)\n"
    "  -q                  quiet (prints the first chip's energy per inference, pJ)\n";

enum { MAX_CELLS = 8 };

int cmd_chip_cost(int argc, char **argv)
{
    const char *model_path = NULL, *tech_path = NULL, *cells_s = "2t2r,1t1r,1t1r-secded:32";
    const char *json = NULL, *plot = NULL, *device = NULL, *v;
    long rows = 32, cols = 32;
    double icc = 0, vreset = 0, tp = 0;
    int quiet = 0, r;
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(COST_USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--tech", &v))) {
            if (r < 0)
                return CLI_USAGE;
            tech_path = v;
        } else if ((r = cli_opt(argc, argv, &i, "--cell", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cells_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--rows", &v))) {
            if (r < 0 || cli_long("--rows", v, 1, NCM_CHIP_MAX_ARRAY, &rows))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--cols", &v))) {
            if (r < 0 || cli_long("--cols", v, 1, NCM_CHIP_MAX_ARRAY, &cols))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--icc", &v))) {
            if (r < 0 || cli_double("--icc", v, 1e-300, 1e300, &icc))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--vreset", &v))) {
            if (r < 0 || cli_double("--vreset", v, -1e300, 1e300, &vreset))
                return CLI_USAGE;
            if (vreset == 0) {
                cli_error("--vreset 0: expected a non-zero RESET voltage");
                return CLI_USAGE;
            }
        } else if ((r = cli_opt(argc, argv, &i, "--tp", &v))) {
            if (r < 0 || cli_double("--tp", v, 1e-300, 1e300, &tp))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--device", &v))) {
            if (r < 0)
                return CLI_USAGE;
            device = v;
        } else if ((r = cli_opt(argc, argv, &i, "--json", &v))) {
            if (r < 0)
                return CLI_USAGE;
            json = v;
        } else if ((r = cli_opt(argc, argv, &i, "--plot", &v))) {
            if (r < 0)
                return CLI_USAGE;
            plot = v;
        } else if (argv[i][0] != '-' && !model_path) {
            model_path = argv[i];
        } else {
            return cli_unknown("chip cost", argv[i]);
        }
    }
    if (!model_path) {
        cli_error("chip cost: needs a MODEL file");
        return CLI_USAGE;
    }
    ncm_error err = {0};
    ncm_chip_config cf[MAX_CELLS];
    int n_cells = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", cells_s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n_cells == MAX_CELLS) {
            cli_error("--cell %s: at most %d storage options", cells_s, MAX_CELLS);
            return CLI_USAGE;
        }
        ncm_chip_config_default(&cf[n_cells]);
        if (ncm_storage_parse(tok, &cf[n_cells].storage, &err)) {
            cli_error("--cell %s", err.msg);
            return CLI_USAGE;
        }
        n_cells++;
    }
    if (!n_cells || strlen(cells_s) >= sizeof buf || cells_s[strlen(cells_s) - 1] == ',') {
        cli_error("--cell '%s': expected a list of storage options such as 2t2r,1t1r-secded",
                  cells_s);
        return CLI_USAGE;
    }
    if (plot && cli_plot_check_path(plot, &err)) {
        cli_error("--plot %s", err.msg);
        return CLI_USAGE;
    }
    int rc;
    const cli_path in[] = {{"MODEL", model_path}, {"--tech", tech_path}, {"--device", device}};
    const cli_path out[] = {{"--json", json}, {"--plot", plot}};
    if ((rc = cli_check_output("--json", json, 0)) || (rc = cli_check_output("--plot", plot, 1)) ||
        (rc = cli_check_paths(in, 3, out, 2)))
        return rc;
    ncm_tech tech;
    ncm_tech_default(&tech);
    if (tech_path && ncm_tech_load(tech_path, &tech, &err)) {
        cli_error("--tech %s", err.msg);
        return CLI_FAIL;
    }
    ncm_rram_params dev;
    ncm_rram_default(&dev);
    if (device && ncm_rram_load(device, &dev, &err)) {
        cli_error("--device %s", err.msg);
        return CLI_FAIL;
    }
    for (int k = 0; k < n_cells; k++) {
        cf[k].rows = (int)rows, cf[k].cols = (int)cols;
        cf[k].device = dev;
        cf[k].cond = ncm_rram_cond_ref(&dev);
        if (icc > 0)
            cf[k].cond.i_cc_ua = icc;
        if (vreset != 0)
            cf[k].cond.v_reset_v = vreset;
        if (tp > 0)
            cf[k].cond.t_p_ns = tp;
    }
    ncm_model *m = ncm_model_load_any(model_path, &err);
    if (!m) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    static const cli_field fields[] = {{"rows", "--rows"},
                                       {"cols", "--cols"},
                                       {"cond.i_cc_ua", "--icc"},
                                       {"cond.v_reset_v", "--vreset"},
                                       {"cond.t_p_ns", "--tp"},
                                       {NULL, NULL}};
    ncm_cost_study *s = ncm_cost_study_new(m, cf, n_cells, &tech, &err);
    rc = CLI_FAIL;
    double *seg = NULL;
    const char **bar_labels = NULL;
    char (*bar_text)[96] = NULL;
    if (!s) {
        rc = cli_lib_error(&err, fields);
        goto out;
    }
    /* The files first (JSON, then the figure); a failure leaves neither behind (main removes
     * the run's outputs, never a device written through). */
    if (json && ncm_cost_study_save_json(s, model_path, json, &err)) {
        rc = cli_lib_error(&err, NULL);
        goto out;
    }
    if (plot) {
        const int nb = n_cells * m->n_layers;
        seg = calloc((size_t)nb * NCM_COST_N_ITEMS, sizeof *seg);
        bar_labels = calloc((size_t)nb, sizeof *bar_labels);
        bar_text = calloc((size_t)nb, sizeof *bar_text);
        if (!seg || !bar_labels || !bar_text) {
            cli_error("out of memory");
            goto out;
        }
        /* the items some chip spends energy on, in nJ */
        const char *seg_labels[NCM_COST_N_ITEMS];
        int items[NCM_COST_N_ITEMS], nseg = 0;
        for (int k = 0; k < NCM_COST_N_ITEMS; k++) {
            int used = 0;
            for (int c = 0; c < n_cells; c++)
                used |= s->report[c].total.energy_pj[k] > 0;
            if (used)
                seg_labels[nseg] = ncm_cost_item_name((ncm_cost_item)k), items[nseg++] = k;
        }
        for (int c = 0; c < n_cells; c++)
            for (int l = 0; l < m->n_layers; l++) {
                const int b = c * m->n_layers + l;
                snprintf(bar_text[b], sizeof bar_text[b], "%s L%d", s->report[c].name, l);
                bar_labels[b] = bar_text[b];
                for (int k = 0; k < nseg; k++)
                    seg[b * nseg + k] = 1e-3 * s->report[c].layer[l].energy_pj[items[k]];
            }
        char title[160];
        snprintf(title, sizeof title, "Energy of one inference by layer and item (%s)",
                 tech.name);
        if (cli_plot_stacked(plot, title, "energy per inference (nJ)", bar_labels, nb, seg_labels,
                             nseg, seg, &err)) {
            cli_error("--plot %s", err.msg);
            goto out;
        }
    }
    if (quiet)
        printf("%.6g\n", s->report[0].total.total_pj);
    else if (ncm_cost_study_print(s, stdout, &err)) {
        cli_error("%s", err.msg);
        goto out;
    }
    rc = 0;
out:
    free(seg);
    free(bar_labels);
    free(bar_text);
    ncm_cost_study_free(s);
    ncm_model_free(m);
    return rc;
}
