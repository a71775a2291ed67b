/* `nanocim rram`: device-level studies of HfO2 RRAM storage. A front end: it parses the options,
 * calls the library (the sweep and its writers in include/nanocim/storage.h, the calibration and
 * the synthetic measurements in include/nanocim/rram_fit.h), prints and plots.
 *   rram ber      bit error rates of 1T1R, 1T1R+SECDED and 2T2R cells over programming conditions
 *                 and cycling (analytic and Monte Carlo), with energy and cost per bit; CSV,
 *                 JSON, figures.
 *   rram fit      calibrate the statistical device model to measured resistances (CSV).
 *   rram sample   draw synthetic measurements from a device file, in the CSV that fit reads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plot.h"
#include "cli/progress_bar.h"
#include "nanocim/rram.h"
#include "nanocim/rram_fit.h"
#include "nanocim/storage.h"

static const char *BER_USAGE =
    "usage: nanocim rram ber [options]\n"
    "  Bit error rate, energy and cost per data bit of each cell type at each programming\n"
    "  condition: analytic (closed forms) and Monte Carlo (devices drawn and sensed).\n"
    "  --device FILE     device file (JSON; default: the built-in HfO2 technology)\n"
    "  --icc R           SET compliance current(s), uA           (default 10:200:10)\n"
    "  --vreset R        RESET voltage(s), V           (default: the device's reference)\n"
    "  --tp R            pulse width(s), ns            (default: the device's reference)\n"
    "  --cycles R        device age(s) in SET/RESET cycles        (default 0)\n"
    "                    R: V, V1,V2,..., START:STOP:STEP or START:STOP:xFACTOR (e.g. 1:1e9:x10)\n"
    "  --cells LIST      1t1r, 1t1r-secded (72,64), 1t1r-secded:K, 2t2r\n"
    "                    (default 1t1r,1t1r-secded,2t2r; 1T1R at its best reference)\n"
    "  --reads N         Monte Carlo cell reads per point (default 1e6; 0: analytic only)\n"
    "  --seed N          (default 1)      --threads N      -q quiet\n"
    "  -o FILE.csv       table     --json FILE     --plot PREFIX (PREFIX-icc.png,\n"
    "                    PREFIX-compare.png, PREFIX-cycles.png; .svg with --plot-format svg)\n";

/* One figure: y = BER (analytic, or Monte Carlo where there is no closed form) against I_cc
 * (by_cycles = 0: one series per cell) or against cycles (by_cycles = 1: one series per cell and
 * I_cc, so weak and strong programming can be compared); the other conditions are held at the
 * first row's. */
static ncm_status plot_vs(const char *path, const char *title, const char *xlabel,
                          const ncm_rram_ber_table *t, int by_cycles, ncm_error *err)
{
    enum { MAX_SERIES = 16 };
    const ncm_rram_ber_row *rows = t->rows;
    const int nrows = (int)t->n_rows, ncells = t->n_cells;
    cli_series s[MAX_SERIES];
    char labels[MAX_SERIES][96];
    double *x = calloc((size_t)nrows, sizeof(double)), *y = calloc((size_t)nrows, sizeof(double));
    if (!x || !y) {
        free(x), free(y);
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    }
    int used = 0, ns = 0;
    for (int c = 0; c < ncells; c++)
        for (int i0 = 0; i0 < nrows && ns < MAX_SERIES; i0++) {
            const ncm_rram_ber_row *first = &rows[i0];
            /* a series starts at the first row of each cell (and I_cc, by cycles) */
            if (first->cell != c || first->v_reset_v != rows[0].v_reset_v ||
                first->t_p_ns != rows[0].t_p_ns)
                continue;
            if (by_cycles ? first->cycles != rows[0].cycles : i0 != c)
                continue;
            const int start = used;
            for (int i = 0; i < nrows; i++) {
                const ncm_rram_ber_row *r = &rows[i];
                if (r->cell != c || r->v_reset_v != rows[0].v_reset_v ||
                    r->t_p_ns != rows[0].t_p_ns ||
                    (by_cycles ? r->i_cc_ua != first->i_cc_ua : r->cycles != rows[0].cycles))
                    continue;
                x[used] = by_cycles ? r->cycles : r->i_cc_ua;
                y[used] = isfinite(r->ev.ber) ? r->ev.ber : r->ev.ber_mc;
                used++;
            }
            if (by_cycles)
                snprintf(labels[ns], sizeof labels[0], "%s, %g uA", t->cells[c].name,
                         first->i_cc_ua);
            else
                snprintf(labels[ns], sizeof labels[0], "%s", t->cells[c].name);
            s[ns] = (cli_series){labels[ns], x + start, y + start, used - start};
            ns++;
        }
    ncm_status st = cli_plot(path, title, xlabel, "bit error rate", 1, 1, s, ns, err);
    free(x), free(y);
    return st;
}

/* The paper's comparison: each cell's BER against the 1T1R BER at the same condition. */
static ncm_status plot_compare(const char *path, const ncm_rram_ber_table *t, int ref_cell,
                               ncm_error *err)
{
    const ncm_rram_ber_row *rows = t->rows;
    const int nrows = (int)t->n_rows, ncells = t->n_cells;
    cli_series s[16];
    double *x = calloc((size_t)nrows, sizeof(double)), *y = calloc((size_t)nrows, sizeof(double));
    if (!x || !y) {
        free(x), free(y);
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    }
    int used = 0, ns = 0;
    for (int c = 0; c < ncells && c < 16; c++) {
        int start = used;
        for (int i = 0; i < nrows; i++) {
            if (rows[i].cell != c)
                continue;
            /* the 1T1R row of the same condition */
            for (int j = 0; j < nrows; j++)
                if (rows[j].cell == ref_cell && rows[j].i_cc_ua == rows[i].i_cc_ua &&
                    rows[j].v_reset_v == rows[i].v_reset_v && rows[j].t_p_ns == rows[i].t_p_ns &&
                    rows[j].cycles == rows[i].cycles) {
                    x[used] = rows[j].ev.ber;
                    y[used] = isfinite(rows[i].ev.ber) ? rows[i].ev.ber : rows[i].ev.ber_mc;
                    used++;
                    break;
                }
        }
        s[ns++] = (cli_series){t->cells[c].name, x + start, y + start, used - start};
    }
    ncm_status st = cli_plot(path, "BER of each cell vs 1T1R BER at the same condition",
                             "1T1R bit error rate (no ECC)", "bit error rate", 1, 1, s, ns, err);
    free(x), free(y);
    return st;
}

typedef struct {
    const char *name;
    const char **dst;
} string_option;

/* Matches argv[*i] against options taking a string value; 1 matched, 0 not, -1 missing value. */
static int string_opt(int argc, char **argv, int *i, const string_option *o, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *v;
        int r = cli_opt(argc, argv, i, o[k].name, &v);
        if (r > 0)
            *o[k].dst = v;
        if (r)
            return r;
    }
    return 0;
}

static int cmd_rram_ber(int argc, char **argv)
{
    static const char default_ext[] = "png";
    const char *device = NULL, *csv = NULL, *json = NULL, *plot = NULL, *plot_ext = default_ext;
    const char *icc_s = "10:200:10", *vreset_s = NULL, *tp_s = NULL, *cycles_s = "0";
    const char *cells_s = "1t1r,1t1r-secded,2t2r";
    long reads = 1000000, seed = 1, threads = 0;
    int quiet = 0, r;
    const string_option sopts[] = {{"--device", &device},
                                   {"--icc", &icc_s},
                                   {"--vreset", &vreset_s},
                                   {"--tp", &tp_s},
                                   {"--cycles", &cycles_s},
                                   {"--cells", &cells_s},
                                   {"-o", &csv},
                                   {"--json", &json},
                                   {"--plot", &plot},
                                   {"--plot-format", &plot_ext}};
    for (int i = 1; i < argc; i++) {
        double x;
        const char *v;
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(BER_USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if ((r = string_opt(argc, argv, &i, sopts, sizeof sopts / sizeof *sopts))) {
            if (r < 0)
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--reads", &v))) {
            if (r < 0 || cli_double("--reads", v, 0, 1e11, &x))
                return CLI_USAGE;
            if (x != floor(x)) { /* exponent notation (1e6) is allowed, a fraction is not */
                cli_error("--reads %s: expected a whole number of reads", v);
                return CLI_USAGE;
            }
            reads = (long)x;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v))) {
            if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &seed))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_threads("--threads", v, 1, &threads))
                return CLI_USAGE;
        } else {
            return cli_unknown("rram ber", argv[i]);
        }
    }
    if (strcmp(plot_ext, "png") && strcmp(plot_ext, "svg") && strcmp(plot_ext, "pdf")) {
        cli_error("--plot-format %s: expected png, svg or pdf", plot_ext);
        return CLI_USAGE;
    }
    if (!plot && plot_ext != default_ext) { /* an option that cannot be honoured is refused */
        cli_error("--plot-format %s: only with --plot PREFIX (no figure is drawn without it)",
                  plot_ext);
        return CLI_USAGE;
    }
    ncm_error err = {0};
    ncm_rram_params p;
    if (device) {
        if (ncm_rram_load(device, &p, &err)) {
            cli_error("%s", err.msg);
            return CLI_FAIL;
        }
    } else {
        ncm_rram_default(&p);
    }
    /* the device's reference as the option would give it */
    char vbuf[32], tbuf[32];
    snprintf(vbuf, sizeof vbuf, "%g", p.v_reset_ref_v);
    snprintf(tbuf, sizeof tbuf, "%g", p.t_p_ref_ns);
    double *icc = NULL, *vr = NULL, *tp = NULL, *cy = NULL;
    int nicc, nvr, ntp, ncy, rc = CLI_USAGE;
    ncm_rram_ber_table *t = NULL;
    enum { MAX_CELLS = 16 }; /* the figures' series */
    ncm_storage cells[MAX_CELLS];
    int ncells = 0;
    if (cli_range("--icc", icc_s, 1e-3, 1e6, &icc, &nicc) ||
        cli_range("--vreset", vreset_s ? vreset_s : vbuf, -100, 100, &vr, &nvr) ||
        cli_range("--tp", tp_s ? tp_s : tbuf, 1e-6, 1e12, &tp, &ntp) ||
        cli_range("--cycles", cycles_s, 0, 1e15, &cy, &ncy))
        goto out;
    {
        char *list = strdup(cells_s), *save = NULL;
        if (!list) {
            cli_error("rram ber: out of memory");
            rc = CLI_FAIL;
            goto out;
        }
        for (char *tok = list; tok; tok = save) {
            save = strchr(tok, ',');
            if (save)
                *save++ = '\0';
            if (ncells == MAX_CELLS || ncm_storage_parse(tok, &cells[ncells], &err)) {
                if (ncells == MAX_CELLS)
                    cli_error("--cells: at most %d cells", MAX_CELLS);
                else
                    cli_error("--cells: %s", err.msg);
                free(list);
                goto out;
            }
            ncells++;
        }
        free(list);
    }
    ncm_rram_sweep grid;
    ncm_rram_sweep_default(&grid);
    grid.i_cc_ua = icc, grid.n_icc = nicc;
    grid.v_reset_v = vr, grid.n_vreset = nvr;
    grid.t_p_ns = tp, grid.n_tp = ntp;
    grid.cycles = cy, grid.n_cycles = ncy;
    grid.cells = cells, grid.n_cells = ncells;
    grid.reads = reads;
    grid.seed = (uint64_t)seed;
    grid.threads = (int)threads;
    grid.device = device;
    static const cli_field fields[] = {
        {"ncm_rram_sweep.i_cc_ua", "--icc"},   {"ncm_rram_sweep.v_reset_v", "--vreset"},
        {"ncm_rram_sweep.t_p_ns", "--tp"},     {"ncm_rram_sweep.cycles", "--cycles"},
        {"ncm_rram_sweep.reads", "--reads"},   {"ncm_rram_sweep.cells", "--cells"},
        {"ncm_rram_sweep", "rram ber"},        {NULL, NULL}};
    if (ncm_rram_sweep_check(&grid, NULL, &err)) { /* too many points: a usage error */
        cli_lib_error(&err, fields);
        goto out;
    }
    { /* the files, before the work: the figures the table will have (as drawn below) */
        static const char *const FIG[3] = {"icc", "compare", "cycles"};
        char fig[3][4096];
        int has_ref = 0;
        for (int k = 0; k < ncells; k++)
            has_ref |= cells[k].cell == NCM_CELL_1T1R && !cells[k].ecc_k;
        const int want[3] = {nicc > 1, has_ref && (double)nicc * nvr * ntp * ncy > 1, ncy > 1};
        cli_path out[5] = {
            {"-o", csv}, {"--json", json}, {"--plot", NULL}, {"--plot", NULL}, {"--plot", NULL}};
        for (int k = 0; plot && k < 3; k++)
            if (want[k]) {
                snprintf(fig[k], sizeof fig[k], "%s-%s.%s", plot, FIG[k], plot_ext);
                out[2 + k].path = fig[k];
            }
        const cli_path in[] = {{"--device", device}};
        int frc = 0;
        for (int k = 0; k < 5 && !frc; k++)
            frc = cli_check_output(out[k].option, out[k].path, k >= 2);
        if (frc || (frc = cli_check_paths(in, 1, out, 5))) {
            rc = frc;
            goto out;
        }
    }
    rc = CLI_FAIL;
    cli_bar bar;
    cli_bar_start(&bar, quiet);
    t = ncm_rram_ber_sweep(&p, &grid, &bar.progress, &err);
    cli_bar_finish(&bar);
    if (!t) {
        cli_error("rram ber: %s", err.msg);
        goto out;
    }
    if (!quiet) {
        printf("%s: %d points x %d cells, %ld Monte Carlo reads each, %.1f s\n",
               device ? device : "built-in HfO2", (int)t->n_points, t->n_cells, reads, t->seconds);
        printf("%-22s %7s %7s %9s %11s %11s %21s %9s %9s\n", "cell", "Icc_uA", "Vrst_V", "cycles",
               "BER", "BER_MC", "MC 95% interval", "E_prog_pJ", "dev/bit");
        for (int64_t i = 0; i < t->n_rows; i++) {
            const ncm_rram_ber_row *q = &t->rows[i];
            printf("%-22s %7g %7g %9g %11.3e %11.3e [%9.3e,%9.3e] %9.3g %9.3g\n",
                   t->cells[q->cell].name, q->i_cc_ua, q->v_reset_v, q->cycles, q->ev.ber,
                   q->ev.ber_mc, q->ev.ci95_lo, q->ev.ci95_hi, q->ev.e_program_bit_pj,
                   q->ev.devices_per_bit);
        }
    }
    if (csv && ncm_rram_ber_table_save_csv(t, csv, &err))
        goto fail;
    if (json && ncm_rram_ber_table_save_json(t, json, &err))
        goto fail;
    if (plot) {
        char path[4096];
        int ref = -1;
        for (int k = 0; k < t->n_cells; k++)
            if (t->cells[k].storage.cell == NCM_CELL_1T1R && !t->cells[k].storage.ecc_k)
                ref = k;
        if (t->n_icc > 1) {
            snprintf(path, sizeof path, "%s-icc.%s", plot, plot_ext);
            if (plot_vs(path, "Bit error rate vs SET compliance current", "I_cc (uA)", t, 0, &err))
                goto fail;
            if (!quiet)
                printf("figure %s\n", path);
        }
        if (ref >= 0 && t->n_rows > t->n_cells) {
            snprintf(path, sizeof path, "%s-compare.%s", plot, plot_ext);
            if (plot_compare(path, t, ref, &err))
                goto fail;
            if (!quiet)
                printf("figure %s\n", path);
        }
        if (t->n_cycles > 1) {
            snprintf(path, sizeof path, "%s-cycles.%s", plot, plot_ext);
            if (plot_vs(path, "Bit error rate vs cycling", "SET/RESET cycles", t, 1, &err))
                goto fail;
            if (!quiet)
                printf("figure %s\n", path);
        }
    }
    rc = 0;
    goto out;
fail:
    cli_error("%s", err.msg);
    rc = CLI_FAIL;
out:
    free(icc), free(vr), free(tp), free(cy);
    ncm_rram_ber_table_free(t);
    return rc;
}

static const char *FIT_USAGE =
    "usage: nanocim rram fit MEASURED.csv -o DEVICE.json [options]\n"
    "  Fits the device model to measured resistances (columns condition, cycle, resistance_ohm;\n"
    "  condition STATE@I_CC_UA[@V_RESET_V[@T_P_NS]], STATE lrs or hrs; docs/calibration.md) and\n"
    "  writes the fitted device file, with each parameter's standard error and each condition's\n"
    "  Kolmogorov-Smirnov distance to the fitted model.\n"
    "  --device FILE   base device: its other parameters are kept (default: built-in HfO2)\n"
    "  --report FILE   fit report (JSON)     --all-cycles   fit every cycle, not only fresh ones\n"
    "  -q              quiet\n";

static int cmd_rram_fit(int argc, char **argv)
{
    const char *csv = NULL, *out = NULL, *device = NULL, *report = NULL;
    int quiet = 0, all = 0, r;
    const string_option sopts[] = {{"-o", &out}, {"--device", &device}, {"--report", &report}};
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(FIT_USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if (cli_flag(argv, i, "--all-cycles")) {
            all = 1;
        } else if ((r = string_opt(argc, argv, &i, sopts, sizeof sopts / sizeof *sopts))) {
            if (r < 0)
                return CLI_USAGE;
        } else if (argv[i][0] != '-' && !csv) {
            csv = argv[i];
        } else {
            return cli_unknown("rram fit", argv[i]);
        }
    }
    if (!csv || !out) {
        cli_error("rram fit: needs a MEASURED.csv file and -o DEVICE.json");
        return CLI_USAGE;
    }
    const cli_path in[] = {{"MEASURED.csv", csv}, {"--device", device}};
    const cli_path outs[] = {{"-o", out}, {"--report", report}};
    int rc = cli_check_output("-o", out, 0);
    if (rc || (rc = cli_check_output("--report", report, 0)) ||
        (rc = cli_check_paths(in, 2, outs, 2)))
        return rc;
    ncm_error err = {0};
    ncm_rram_params base;
    if (device ? ncm_rram_load(device, &base, &err) : (ncm_rram_default(&base), NCM_OK)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    ncm_rram_fit_opts o;
    ncm_rram_fit_opts_default(&o);
    if (all)
        o.fresh_n0_frac = INFINITY;
    ncm_rram_fit_report *rep = ncm_rram_fit_file(csv, &base, &o, out, report, &err);
    if (!rep) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    if (!quiet) {
        printf("%s: %lld measurements, %lld fresh ones fitted, %d conditions -> %s\n", csv,
               (long long)rep->n_meas, (long long)rep->n_fit, rep->n_groups, out);
        printf("%-24s %14s %12s %14s  %s\n", "parameter", "fitted", "std error", "base", "note");
        for (int k = 0; k < NCM_RRAM_FIT_N_PARAMS; k++) {
            const ncm_rram_fit_param *q = &rep->params[k];
            printf("%-24s %14.6g %12.3g %14.6g  %s\n", q->field, q->value, q->se, q->base_value,
                   q->fitted ? "" : q->note);
        }
        printf("\n%-5s %8s %7s %8s %7s %9s %9s %9s %9s %9s\n", "state", "Icc_uA", "Vrst_V", "tp_ns",
               "n", "mu", "sigma", "mu_model", "KS_model", "p_model");
        for (int g = 0; g < rep->n_groups; g++) {
            const ncm_rram_fit_group *q = &rep->groups[g];
            printf("%-5s %8g %7g %8g %7lld %9.4f %9.4f %9.4f %9.4f %9.3g\n", q->lrs ? "lrs" : "hrs",
                   q->i_cc_ua, q->v_reset_v, q->t_p_ns, (long long)q->n_fit, q->mu, q->sigma,
                   q->mu_model, q->ks_model, q->p_model);
        }
    }
    ncm_rram_fit_report_free(rep);
    return 0;
}

static const char *SAMPLE_USAGE =
    "usage: nanocim rram sample -o MEASURED.csv [options]\n"
    "  Synthetic measurements: fresh devices drawn from a device file, programmed once to LRS and\n"
    "  once to HRS at each condition, in the CSV format `rram fit` reads.\n"
    "  --device FILE   (default: built-in HfO2)     --devices N   per condition (default 1000)\n"
    "  --icc R --vreset R --tp R   conditions (defaults 10:200:50, the device's reference)\n"
    "  --seed N\n";

static int cmd_rram_sample(int argc, char **argv)
{
    const char *out = NULL, *device = NULL, *icc_s = "10:200:50", *vr_s = NULL, *tp_s = NULL, *v;
    long devices = 1000, seed = 1;
    int r;
    const string_option sopts[] = {{"-o", &out},
                                   {"--device", &device},
                                   {"--icc", &icc_s},
                                   {"--vreset", &vr_s},
                                   {"--tp", &tp_s}};
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(SAMPLE_USAGE, stdout);
            return 0;
        } else if ((r = string_opt(argc, argv, &i, sopts, sizeof sopts / sizeof *sopts))) {
            if (r < 0)
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--devices", &v))) {
            if (r < 0 || cli_long("--devices", v, 3, 100000000L, &devices))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v))) {
            if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &seed))
                return CLI_USAGE;
        } else {
            return cli_unknown("rram sample", argv[i]);
        }
    }
    if (!out) {
        cli_error("rram sample: needs -o MEASURED.csv");
        return CLI_USAGE;
    }
    const cli_path in[] = {{"--device", device}}, outs[] = {{"-o", out}};
    int frc = cli_check_output("-o", out, 0);
    if (frc || (frc = cli_check_paths(in, 1, outs, 1)))
        return frc;
    ncm_error err = {0};
    ncm_rram_params p;
    if (device ? ncm_rram_load(device, &p, &err) : (ncm_rram_default(&p), NCM_OK)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    char vbuf[32], tbuf[32];
    snprintf(vbuf, sizeof vbuf, "%g", p.v_reset_ref_v);
    snprintf(tbuf, sizeof tbuf, "%g", p.t_p_ref_ns);
    double *icc = NULL, *vr = NULL, *tp = NULL;
    int nicc, nvr, ntp, rc = CLI_USAGE;
    if (cli_range("--icc", icc_s, 1e-3, 1e6, &icc, &nicc) ||
        cli_range("--vreset", vr_s ? vr_s : vbuf, -100, 100, &vr, &nvr) ||
        cli_range("--tp", tp_s ? tp_s : tbuf, 1e-6, 1e12, &tp, &ntp))
        goto out;
    ncm_rram_sample_spec spec;
    ncm_rram_sample_default(&spec);
    spec.i_cc_ua = icc, spec.n_icc = nicc;
    spec.v_reset_v = vr, spec.n_vreset = nvr;
    spec.t_p_ns = tp, spec.n_tp = ntp;
    spec.devices = devices;
    spec.seed = (uint64_t)seed;
    spec.device = device;
    cli_bar bar;
    cli_bar_start(&bar, 0);
    ncm_status st = ncm_rram_sample_save(out, &p, &spec, &bar.progress, &err);
    cli_bar_finish(&bar);
    static const cli_field fields[] = {
        {"ncm_rram_sample_spec.i_cc_ua", "--icc"}, {"ncm_rram_sample_spec.v_reset_v", "--vreset"},
        {"ncm_rram_sample_spec.t_p_ns", "--tp"},   {"ncm_rram_sample_spec.devices", "--devices"},
        {"ncm_rram_sample_spec", "rram sample"},   {NULL, NULL}};
    rc = st ? cli_lib_error(&err, fields) : 0;
out:
    free(icc), free(vr), free(tp);
    return rc;
}

int cmd_rram(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs("usage: nanocim rram ber|fit|sample [options]   (nanocim rram ber --help, ...)\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    if (!strcmp(argv[1], "ber"))
        return cmd_rram_ber(argc - 1, argv + 1);
    if (!strcmp(argv[1], "fit"))
        return cmd_rram_fit(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sample"))
        return cmd_rram_sample(argc - 1, argv + 1);
    cli_error("rram: unknown subcommand '%s' (expected ber, fit or sample)", argv[1]);
    return CLI_USAGE;
}
