/* `nanocim rram`: device-level studies of HfO2 RRAM storage.
 *   rram ber      bit error rates of 1T1R, 1T1R+SECDED and 2T2R cells over programming conditions
 *                 and cycling (analytic and Monte Carlo), with energy and cost per bit; CSV,
 *                 JSON, figures.
 *   rram fit      calibrate the statistical device model to measured resistances (CSV).
 *   rram sample   draw synthetic measurements from a device file, in the CSV that fit reads. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress_bar.h"
#include "util/progress.h"
#include "cli/plot.h"
#include "nanocim/config.h"
#include "util/io.h"
#include "util/json.h"
#include "nanocim/rng.h"
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

typedef struct {
    double icc, vreset, tp, cycles;
    int cell;
    ncm_storage_eval ev;
} row;

static void write_csv_row(FILE *fp, const row *r, const char *cell)
{
    fprintf(fp, "%s,%g,%g,%g,%g,%.6g,%.6e,%.6e,%.6e,%.6e,%.6e,%lld,%lld,%.4g,%.6g,%.6g,%d\n", cell,
            r->icc, r->vreset, r->tp, r->cycles, r->ev.r_ref_ohm, r->ev.raw_ber, r->ev.ber,
            r->ev.ber_mc, r->ev.ci95_lo, r->ev.ci95_hi, (long long)r->ev.reads,
            (long long)r->ev.errors, r->ev.devices_per_bit, r->ev.e_program_bit_pj,
            r->ev.e_read_bit_pj, r->ev.decoder_gates);
}

static cJSON *json_num(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* One figure: y = BER (analytic, or Monte Carlo where there is no closed form) against I_cc
 * (by_cycles = 0: one series per cell) or against cycles (by_cycles = 1: one series per cell and
 * I_cc, so weak and strong programming can be compared); the other conditions are held at the
 * first row's. */
static ncm_status plot_vs(const char *path, const char *title, const char *xlabel, const row *rows,
                          int nrows, int ncells, char names[][64], int by_cycles, ncm_error *err)
{
    enum { MAX_SERIES = 16 };
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
            const row *first = &rows[i0];
            /* a series starts at the first row of each cell (and I_cc, by cycles) */
            if (first->cell != c || first->vreset != rows[0].vreset || first->tp != rows[0].tp)
                continue;
            if (by_cycles ? first->cycles != rows[0].cycles : i0 != c)
                continue;
            const int start = used;
            for (int i = 0; i < nrows; i++) {
                const row *r = &rows[i];
                if (r->cell != c || r->vreset != rows[0].vreset || r->tp != rows[0].tp ||
                    (by_cycles ? r->icc != first->icc : r->cycles != rows[0].cycles))
                    continue;
                x[used] = by_cycles ? r->cycles : r->icc;
                y[used] = isfinite(r->ev.ber) ? r->ev.ber : r->ev.ber_mc;
                used++;
            }
            if (by_cycles)
                snprintf(labels[ns], sizeof labels[0], "%s, %g uA", names[c], first->icc);
            else
                snprintf(labels[ns], sizeof labels[0], "%s", names[c]);
            s[ns] = (cli_series){labels[ns], x + start, y + start, used - start};
            ns++;
        }
    ncm_status st = cli_plot(path, title, xlabel, "bit error rate", 1, 1, s, ns, err);
    free(x), free(y);
    return st;
}

/* The paper's comparison: each cell's BER against the 1T1R BER at the same condition. */
static ncm_status plot_compare(const char *path, const row *rows, int nrows, int ncells,
                               char names[][64], int ref_cell, ncm_error *err)
{
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
                if (rows[j].cell == ref_cell && rows[j].icc == rows[i].icc &&
                    rows[j].vreset == rows[i].vreset && rows[j].tp == rows[i].tp &&
                    rows[j].cycles == rows[i].cycles) {
                    x[used] = rows[j].ev.ber;
                    y[used] = isfinite(rows[i].ev.ber) ? rows[i].ev.ber : rows[i].ev.ber_mc;
                    used++;
                    break;
                }
        }
        s[ns++] = (cli_series){names[c], x + start, y + start, used - start};
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
    const char *device = NULL, *csv = NULL, *json = NULL, *plot = NULL, *plot_ext = "png";
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
            reads = (long)x;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v))) {
            if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &seed))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_long("--threads", v, 1, 1024, &threads))
                return CLI_USAGE;
        } else {
            return cli_unknown("rram ber", argv[i]);
        }
    }
    if (strcmp(plot_ext, "png") && strcmp(plot_ext, "svg") && strcmp(plot_ext, "pdf")) {
        cli_error("--plot-format %s: expected png, svg or pdf", plot_ext);
        return CLI_USAGE;
    }
    ncm_set_threads((int)threads);
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
    char vbuf[32], tbuf[32];
    snprintf(vbuf, sizeof vbuf, "%g", p.v_reset_ref_v);
    snprintf(tbuf, sizeof tbuf, "%g", p.t_p_ref_ns);
    double *icc = NULL, *vr = NULL, *tp = NULL, *cy = NULL;
    int nicc, nvr, ntp, ncy, rc = CLI_USAGE;
    row *rows = NULL;
    ncm_storage cells[16];
    char names[16][64], ids[16][32];
    int ncells = 0;
    if (cli_range("--icc", icc_s, 1e-3, 1e6, &icc, &nicc) ||
        cli_range("--vreset", vreset_s ? vreset_s : vbuf, -100, 100, &vr, &nvr) ||
        cli_range("--tp", tp_s ? tp_s : tbuf, 1e-6, 1e12, &tp, &ntp) ||
        cli_range("--cycles", cycles_s, 0, 1e15, &cy, &ncy))
        goto out;
    {
        char *list = strdup(cells_s), *save = NULL;
        for (char *tok = list; tok; tok = save) {
            save = strchr(tok, ',');
            if (save)
                *save++ = '\0';
            if (ncells == 16 || ncm_storage_parse(tok, &cells[ncells], &err)) {
                cli_error("%s", ncells == 16 ? "--cells: at most 16 cells" : err.msg);
                free(list);
                goto out;
            }
            ncm_storage_name(&cells[ncells], names[ncells], sizeof names[0]);
            /* a comma-free id for the CSV: 1t1r, 1t1r-secded:64, 2t2r */
            if (cells[ncells].ecc_k)
                snprintf(ids[ncells], sizeof ids[0], "1t1r-secded:%d", cells[ncells].ecc_k);
            else
                snprintf(ids[ncells], sizeof ids[0], "%s",
                         cells[ncells].cell == NCM_CELL_2T2R ? "2t2r" : "1t1r");
            ncells++;
        }
        free(list);
    }
    rc = CLI_FAIL;
    const int64_t npoints = (int64_t)nicc * nvr * ntp * ncy;
    if (npoints * ncells > 1000000) {
        cli_error("rram ber: %lld points is too many (at most 1e6)", (long long)(npoints * ncells));
        rc = CLI_USAGE;
        goto out;
    }
    rows = calloc((size_t)(npoints * ncells), sizeof *rows);
    if (!rows)
        goto out;
    cli_bar bar;
    cli_bar_start(&bar, quiet);
    int nrows = 0;
    const double t0 = ncm_now();
    for (int a = 0; a < nvr; a++)
        for (int b = 0; b < ntp; b++)
            for (int c = 0; c < ncy; c++)
                for (int d = 0; d < nicc; d++)
                    for (int k = 0; k < ncells; k++) {
                        row *rw = &rows[nrows];
                        memset(rw, 0, sizeof *rw);
                        rw->icc = icc[d], rw->vreset = vr[a], rw->tp = tp[b], rw->cycles = cy[c];
                        rw->cell = k;
                        ncm_rram_cond cond = {icc[d], vr[a], tp[b], cy[c]};
                        /* each point its own streams: seed and point index */
                        uint64_t s = (uint64_t)seed * 1000003u + (uint64_t)nrows;
                        if (ncm_storage_evaluate(&p, &cond, &cells[k], reads, s, &rw->ev, &err)) {
                            cli_bar_finish(&bar);
                            cli_error("rram ber: I_cc %g uA, V_reset %g V, t_p %g ns, %g cycles, "
                                      "%s: %s",
                                      icc[d], vr[a], tp[b], cy[c], names[k], err.msg);
                            goto out;
                        }
                        nrows++;
                        cli_bar_draw(&bar, "rram ber", nrows, npoints * ncells);
                    }
    cli_bar_finish(&bar);
    const double secs = ncm_now() - t0;
    if (!quiet) {
        printf("%s: %d points x %d cells, %ld Monte Carlo reads each, %.1f s\n",
               device ? device : "built-in HfO2", (int)npoints, ncells, reads, secs);
        printf("%-22s %7s %7s %9s %11s %11s %21s %9s %9s\n", "cell", "Icc_uA", "Vrst_V", "cycles",
               "BER", "BER_MC", "MC 95% interval", "E_prog_pJ", "dev/bit");
        for (int i = 0; i < nrows; i++) {
            const row *q = &rows[i];
            printf("%-22s %7g %7g %9g %11.3e %11.3e [%9.3e,%9.3e] %9.3g %9.3g\n", names[q->cell],
                   q->icc, q->vreset, q->cycles, q->ev.ber, q->ev.ber_mc, q->ev.ci95_lo,
                   q->ev.ci95_hi, q->ev.e_program_bit_pj, q->ev.devices_per_bit);
        }
    }
    if (csv) {
        ncm_afile f;
        if (ncm_afile_open(&f, csv, &err))
            goto fail;
        fprintf(f.fp, "cell,i_cc_ua,v_reset_v,t_p_ns,cycles,r_ref_ohm,raw_ber,ber,ber_mc,"
                      "ci95_lo,ci95_hi,reads,errors,devices_per_bit,e_program_bit_pj,"
                      "e_read_bit_pj,decoder_gates\n");
        for (int i = 0; i < nrows; i++)
            write_csv_row(f.fp, &rows[i], ids[rows[i].cell]);
        if (ncm_afile_commit(&f, &err))
            goto fail;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "command", "rram ber");
        cJSON_AddStringToObject(o, "producer", "nanocim " NCM_VERSION);
        cJSON_AddStringToObject(o, "device", device ? device : "built-in");
        cJSON_AddStringToObject(o, "technology", p.name);
        cJSON_AddNumberToObject(o, "seed", (double)seed);
        cJSON_AddNumberToObject(o, "reads_per_point", (double)reads);
        cJSON_AddNumberToObject(o, "seconds", secs);
        cJSON_AddNumberToObject(o, "threads", ncm_threads());
        for (int i = 0; i < nrows; i++) {
            const row *q = &rows[i];
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "cell", ids[q->cell]);
            cJSON_AddStringToObject(e, "name", names[q->cell]);
            cJSON_AddNumberToObject(e, "i_cc_ua", q->icc);
            cJSON_AddNumberToObject(e, "v_reset_v", q->vreset);
            cJSON_AddNumberToObject(e, "t_p_ns", q->tp);
            cJSON_AddNumberToObject(e, "cycles", q->cycles);
            cJSON_AddItemToObject(e, "r_ref_ohm", json_num(q->ev.r_ref_ohm));
            cJSON_AddItemToObject(e, "raw_ber", json_num(q->ev.raw_ber));
            cJSON_AddItemToObject(e, "ber", json_num(q->ev.ber));
            cJSON_AddItemToObject(e, "ber_mc", json_num(q->ev.ber_mc));
            cJSON_AddItemToObject(e, "ci95_lo", json_num(q->ev.ci95_lo));
            cJSON_AddItemToObject(e, "ci95_hi", json_num(q->ev.ci95_hi));
            cJSON_AddNumberToObject(e, "reads", (double)q->ev.reads);
            cJSON_AddNumberToObject(e, "errors", (double)q->ev.errors);
            cJSON_AddNumberToObject(e, "devices_per_bit", q->ev.devices_per_bit);
            cJSON_AddNumberToObject(e, "e_program_bit_pj", q->ev.e_program_bit_pj);
            cJSON_AddNumberToObject(e, "e_read_bit_pj", q->ev.e_read_bit_pj);
            cJSON_AddNumberToObject(e, "decoder_gates", q->ev.decoder_gates);
            cJSON_AddItemToArray(arr, e);
        }
        cJSON_AddItemToObject(o, "points", arr);
        ncm_status s = ncm_json_write(json, o, &err);
        cJSON_Delete(o);
        if (s)
            goto fail;
    }
    if (plot) {
        char path[4096];
        int ref = -1;
        for (int k = 0; k < ncells; k++)
            if (cells[k].cell == NCM_CELL_1T1R && !cells[k].ecc_k)
                ref = k;
        if (nicc > 1) {
            snprintf(path, sizeof path, "%s-icc.%s", plot, plot_ext);
            if (plot_vs(path, "Bit error rate vs SET compliance current", "I_cc (uA)", rows, nrows,
                        ncells, names, 0, &err))
                goto fail;
            if (!quiet)
                printf("figure %s\n", path);
        }
        if (ref >= 0 && nrows > ncells) {
            snprintf(path, sizeof path, "%s-compare.%s", plot, plot_ext);
            if (plot_compare(path, rows, nrows, ncells, names, ref, &err))
                goto fail;
            if (!quiet)
                printf("figure %s\n", path);
        }
        if (ncy > 1) {
            snprintf(path, sizeof path, "%s-cycles.%s", plot, plot_ext);
            if (plot_vs(path, "Bit error rate vs cycling", "SET/RESET cycles", rows, nrows, ncells,
                        names, 1, &err))
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
    free(icc), free(vr), free(tp), free(cy), free(rows);
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
    ncm_error err = {0};
    ncm_rram_params base, fitted;
    ncm_rram_measurements m;
    ncm_rram_fit_report rep;
    memset(&m, 0, sizeof m);
    memset(&rep, 0, sizeof rep);
    int rc = CLI_FAIL;
    if (device ? ncm_rram_load(device, &base, &err) : (ncm_rram_default(&base), NCM_OK))
        goto fail;
    if (ncm_rram_meas_read(csv, &base, &m, &err))
        goto fail;
    ncm_rram_fit_opts o;
    ncm_rram_fit_opts_default(&o);
    if (all)
        o.fresh_n0_frac = INFINITY;
    if (ncm_rram_fit(&m, &base, &o, &fitted, &rep, &err))
        goto fail;
    if (report && ncm_rram_fit_report_save(report, &rep, &err))
        goto fail;
    if (ncm_rram_save(out, &fitted, &err))
        goto fail;
    if (!quiet) {
        printf("%s: %lld measurements, %lld fresh ones fitted, %d conditions -> %s\n", csv,
               (long long)rep.n_meas, (long long)rep.n_fit, rep.n_groups, out);
        printf("%-24s %14s %12s %14s  %s\n", "parameter", "fitted", "std error", "base", "note");
        for (int k = 0; k < NCM_RRAM_FIT_N_PARAMS; k++) {
            const ncm_rram_fit_param *q = &rep.params[k];
            printf("%-24s %14.6g %12.3g %14.6g  %s\n", q->field, q->value, q->se, q->base_value,
                   q->fitted ? "" : q->note);
        }
        printf("\n%-5s %8s %7s %8s %7s %9s %9s %9s %9s %9s\n", "state", "Icc_uA", "Vrst_V", "tp_ns",
               "n", "mu", "sigma", "mu_model", "KS_model", "p_model");
        for (int g = 0; g < rep.n_groups; g++) {
            const ncm_rram_fit_group *q = &rep.groups[g];
            printf("%-5s %8g %7g %8g %7lld %9.4f %9.4f %9.4f %9.4f %9.3g\n", q->lrs ? "lrs" : "hrs",
                   q->i_cc_ua, q->v_reset_v, q->t_p_ns, (long long)q->n_fit, q->mu, q->sigma,
                   q->mu_model, q->ks_model, q->p_model);
        }
    }
    rc = 0;
    goto out;
fail:
    cli_error("%s", err.msg);
out:
    ncm_rram_meas_free(&m);
    ncm_rram_fit_report_free(&rep);
    return rc;
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
    rc = CLI_FAIL;
    ncm_afile f;
    if (ncm_afile_open(&f, out, &err)) {
        cli_error("%s", err.msg);
        goto out;
    }
    fprintf(f.fp, "# synthetic measurements from %s (nanocim rram sample, seed %ld)\n",
            device ? device : "the built-in HfO2 technology", seed);
    fprintf(f.fp, "condition,cycle,resistance_ohm\n");
    int64_t stream = 0;
    for (int a = 0; a < nicc; a++)
        for (int b = 0; b < nvr; b++)
            for (int c = 0; c < ntp; c++)
                for (long d = 0; d < devices; d++) {
                    ncm_rram_cond cond = {icc[a], vr[b], tp[c], 0.0};
                    ncm_rng rng;
                    ncm_rng_init(&rng, (uint64_t)seed, (uint64_t)stream++);
                    ncm_rram_device dev;
                    ncm_rram_device_init(&dev, &p, &rng);
                    double rl = ncm_rram_program(&dev, &p, &cond, 1, &rng, NULL);
                    double rh = ncm_rram_program(&dev, &p, &cond, 0, &rng, NULL);
                    fprintf(f.fp, "lrs@%g@%g@%g,0,%.6g\nhrs@%g@%g@%g,0,%.6g\n", icc[a], vr[b],
                            tp[c], rl, icc[a], vr[b], tp[c], rh);
                }
    if (ncm_afile_commit(&f, &err)) {
        cli_error("%s", err.msg);
        goto out;
    }
    rc = 0;
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
