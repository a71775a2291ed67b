/* `nanocim sweep`: the accuracy of one or more models on simulated chips over a grid of fault
 * rates, programming conditions, ages, array sizes, storage options or read error rates, many
 * chips per point, in one process (OpenMP) or across MPI processes. A front end: it parses the
 * options into ncm_sweep_params (include/nanocim/sweep.h), calls ncm_sweep_check and
 * ncm_sweep_run (the loops, seeds, tables and file writers are the library's), then prints the
 * table and draws the figures (accuracy against the x axis, and against the programming energy
 * per weight bit). Under MPI every rank runs its share of the (point, chip) tasks and gets the
 * whole table; only rank 0 prints and writes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/mpi_comm.h"
#include "cli/plot.h"
#include "cli/progress_bar.h"
#include "nanocim/chip.h"
#include "nanocim/config.h"
#include "nanocim/npz.h"
#include "nanocim/storage.h"
#include "nanocim/cost.h"
#include "nanocim/sweep.h"

static const char *USAGE =
    "usage: nanocim sweep AXIS MODEL [MODEL ...] --data SPEC [options]\n"
    "  The accuracy of each MODEL on N simulated chips at every point of a grid, on the test\n"
    "  split; one table (and figure) for all models. AXIS, the x axis of the figures, is one of\n"
    "  ber, icc, vreset, tp, cycles, array, storage, read-ber and must have values. Every option\n"
    "  given several values is an axis of the grid (order: models, cell, icc, vreset, tp,\n"
    "  cycles, array, read-ber, ber, then AXIS fastest); a single value sets every point.\n"
    "  Fault injection (with --ber or --stuck):\n"
    "  --ber LIST          weight bit error rate(s), in [0, 1]\n"
    "  --stuck F           fraction of weight bits stuck at +1 or -1, in [0, 1] (default 0)\n"
    "  Device physics (with --icc, --vreset, --tp, --cycles, --device or --dead-zone; the\n"
    "  conditions not given are the device's reference, age 0):\n"
    "  --icc LIST          SET compliance current(s), uA\n"
    "  --vreset LIST       RESET voltage(s), V (not 0)\n"
    "  --tp LIST           pulse width(s), ns\n"
    "  --cycles LIST       device age(s), SET/RESET cycles\n"
    "  --device FILE       RRAM device file (JSON; default: the built-in HfO2 technology)\n"
    "  --dead-zone MODE    static (default: a metastable PCSA decides once) or dynamic (on\n"
    "                      every read)\n"
    "  Both modes:\n"
    "  --array LIST        square arrays of N x N cells (default 32), or --rows R --cols C\n"
    "  --cell LIST         2t2r (default), 1t1r, 1t1r-secded, 1t1r-secded:K\n"
    "  --read-ber LIST     dynamic read error rate(s) of each XNOR, in [0, 1] (default 0)\n"
    "                      LIST: V, V1,V2,..., START:STOP:STEP or START:STOP:xFACTOR\n"
    "  --chips N           chips per point (default 20)   --seed N (default 1)\n"
    "  --limit N           first N test images only       --threads N   -q quiet\n"
    "  -o FILE.csv         per-point table        --json FILE   every chip, configuration\n"
    "  --checkpoint PATH   the finished chips, kept while the sweep runs (default: the -o or\n"
    "                      --json file + .ckpt; removed once the files are written)\n"
    "  --resume            continue a killed sweep from its checkpoint (the same table)\n"
    "  --plot FILE         accuracy vs AXIS, one line per model and other axes' values\n"
    "  --plot-energy FILE  accuracy vs programming energy per weight bit and vs energy per\n"
    "                      inference (device mode)\n"
    "  --tech FILE         technology of the energy per inference (JSON; default: 45 nm)\n"
    "  --error-bars B      range (default: min to max over chips), sd or none\n"
    "                      (figures: .png, .svg or .pdf)\n"
    "  Under MPI (mpirun -np P nanocim sweep ..., srun --mpi=pmix) the chips are shared\n"
    "  between the processes; the files are the same bytes as in one process.\n";

/* The numeric list options, in the order their axes take (after the storage axis). */
enum { L_ICC, L_VRESET, L_TP, L_CYCLES, L_ARRAY, L_READ_BER, L_BER, N_LISTS };
static const struct {
    const char *opt;
    ncm_sweep_axis_kind kind;
    double lo, hi;
} LISTS[N_LISTS] = {
    [L_ICC] = {"--icc", NCM_AXIS_ICC, 1e-3, 1e6},
    [L_VRESET] = {"--vreset", NCM_AXIS_VRESET, -100, 100},
    [L_TP] = {"--tp", NCM_AXIS_TP, 1e-6, 1e12},
    [L_CYCLES] = {"--cycles", NCM_AXIS_CYCLES, 0, 1e15},
    [L_ARRAY] = {"--array", NCM_AXIS_ARRAY, 1, NCM_CHIP_MAX_ARRAY},
    [L_READ_BER] = {"--read-ber", NCM_AXIS_READ_BER, 0, 1},
    [L_BER] = {"--ber", NCM_AXIS_BER, 0, 1},
};

enum { MAX_CELLS = 64 };
enum { BARS_RANGE = 0, BARS_SD = 1, BARS_NONE = 2 };

typedef struct {
    int axis; /* ncm_sweep_axis_kind of AXIS */
    const char *axis_s;
    const char *models[NCM_SWEEP_MAX_MODELS];
    int n_models;
    const char *data, *csv, *json, *plot, *plot_energy, *device, *tech, *cell_s, *dead_zone_s,
        *bars_s;
    const char *list_s[N_LISTS];
    double *vals[N_LISTS];
    int n_vals[N_LISTS];
    ncm_storage cells[MAX_CELLS];
    int n_cells;
    long rows, cols, chips, seed, limit, threads;
    double stuck;
    int have_stuck, dead_zone, bars, quiet, devices, resume;
    const char *checkpoint;
    char ckpt_buf[PATH_MAX];
} sweep_opts;

static void opts_free(sweep_opts *o)
{
    for (int k = 0; k < N_LISTS; k++)
        free(o->vals[k]);
}

/* The option whose values an axis takes. */
static const char *axis_option(ncm_sweep_axis_kind k)
{
    if (k == NCM_AXIS_STORAGE)
        return "--cell";
    for (int l = 0; l < N_LISTS; l++)
        if (LISTS[l].kind == k)
            return LISTS[l].opt;
    return "?";
}

/* The list option of a numeric axis. */
static int list_of(ncm_sweep_axis_kind k)
{
    for (int l = 0; l < N_LISTS; l++)
        if (LISTS[l].kind == k)
            return l;
    return L_BER;
}

/* --cell: the comma-separated storage options, each through ncm_storage_parse. */
static int parse_cells(sweep_opts *o)
{
    ncm_error err = {0};
    char *list = strdup(o->cell_s), *save = NULL;
    if (!list) {
        cli_error("--cell: out of memory");
        return CLI_FAIL;
    }
    for (char *tok = list; tok; tok = save) {
        save = strchr(tok, ',');
        if (save)
            *save++ = '\0';
        if (o->n_cells == MAX_CELLS) {
            cli_error("--cell %s: at most %d storage options", o->cell_s, MAX_CELLS);
            free(list);
            return CLI_USAGE;
        }
        if (ncm_storage_parse(tok, &o->cells[o->n_cells], &err)) {
            cli_error("--cell %s: %s", o->cell_s, err.msg);
            free(list);
            return CLI_USAGE;
        }
        o->n_cells++;
    }
    free(list);
    return 0;
}

/* Reads the command line into o; 0, -1 after --help, or an exit code. Checks everything that
 * depends on the options alone (the same on every MPI rank). */
static int parse(int argc, char **argv, sweep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->axis = -1;
    o->chips = 20;
    o->seed = 1;
    o->cell_s = "2t2r";
    int r, have_cell = 0;
    const struct {
        const char *name;
        const char **dst;
    } sopts[] = {{"--data", &o->data},
                 {"-o", &o->csv},
                 {"--json", &o->json},
                 {"--checkpoint", &o->checkpoint},
                 {"--plot", &o->plot},
                 {"--plot-energy", &o->plot_energy},
                 {"--device", &o->device},
                 {"--tech", &o->tech},
                 {"--dead-zone", &o->dead_zone_s},
                 {"--error-bars", &o->bars_s},
                 {"--icc", &o->list_s[L_ICC]},
                 {"--vreset", &o->list_s[L_VRESET]},
                 {"--tp", &o->list_s[L_TP]},
                 {"--cycles", &o->list_s[L_CYCLES]},
                 {"--array", &o->list_s[L_ARRAY]},
                 {"--read-ber", &o->list_s[L_READ_BER]},
                 {"--ber", &o->list_s[L_BER]}};
    for (int i = 1; i < argc; i++) {
        const char *v;
        int matched = 0;
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(USAGE, stdout);
            return -1;
        }
        if (cli_flag(argv, i, "-q")) {
            o->quiet = 1;
            continue;
        }
        if (cli_flag(argv, i, "--resume")) {
            o->resume = 1;
            continue;
        }
        for (size_t k = 0; k < sizeof sopts / sizeof *sopts && !matched; k++) {
            if ((r = cli_opt(argc, argv, &i, sopts[k].name, &v))) {
                if (r < 0)
                    return CLI_USAGE;
                *sopts[k].dst = v;
                matched = 1;
            }
        }
        if (matched)
            continue;
        if ((r = cli_opt(argc, argv, &i, "--cell", &v))) {
            if (r < 0)
                return CLI_USAGE;
            o->cell_s = v;
            have_cell = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--rows", &v))) {
            if (r < 0 || cli_long("--rows", v, 1, NCM_CHIP_MAX_ARRAY, &o->rows))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--cols", &v))) {
            if (r < 0 || cli_long("--cols", v, 1, NCM_CHIP_MAX_ARRAY, &o->cols))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--stuck", &v))) {
            if (r < 0 || cli_double("--stuck", v, 0, 1, &o->stuck))
                return CLI_USAGE;
            o->have_stuck = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--chips", &v))) {
            if (r < 0 || cli_long("--chips", v, 1, 100000000L, &o->chips))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v))) {
            if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &o->seed))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--limit", &v))) {
            if (r < 0 || cli_long("--limit", v, 1, 1L << 40, &o->limit))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_threads("--threads", v, cli_mpi_rank() == 0, &o->threads))
                return CLI_USAGE;
        } else if (argv[i][0] != '-' && !o->axis_s) {
            o->axis_s = argv[i];
        } else if (argv[i][0] != '-') {
            if (o->n_models == NCM_SWEEP_MAX_MODELS) {
                cli_error("sweep: at most %d models", NCM_SWEEP_MAX_MODELS);
                return CLI_USAGE;
            }
            o->models[o->n_models++] = argv[i];
        } else {
            return cli_unknown("sweep", argv[i]);
        }
    }
    if (!o->axis_s || !o->n_models || !o->data) {
        cli_error("sweep: needs an AXIS, at least one MODEL file and --data SPEC (see nanocim "
                  "sweep --help)");
        return CLI_USAGE;
    }
    /* The checkpoint: given, or beside the first result file. */
    const char *first = o->csv ? o->csv : o->json;
    if (!o->checkpoint && first) {
        if (snprintf(o->ckpt_buf, sizeof o->ckpt_buf, "%s.ckpt", first) >=
            (int)sizeof o->ckpt_buf) {
            cli_error("%s %s: path too long for its checkpoint", o->csv ? "-o" : "--json", first);
            return CLI_USAGE;
        }
        o->checkpoint = o->ckpt_buf;
    }
    if (o->resume && !o->checkpoint) {
        cli_error("--resume needs a checkpoint (-o FILE, --json FILE or --checkpoint PATH)");
        return CLI_USAGE;
    }
    if ((o->axis = ncm_sweep_axis_parse(o->axis_s)) < 0) {
        cli_error("sweep: unknown axis '%s' (expected ber, icc, vreset, tp, cycles, array, "
                  "storage or read-ber)",
                  o->axis_s);
        return CLI_USAGE;
    }
    for (int k = 0; k < N_LISTS; k++) {
        if (!o->list_s[k])
            continue;
        if (cli_range(LISTS[k].opt, o->list_s[k], LISTS[k].lo, LISTS[k].hi, &o->vals[k],
                      &o->n_vals[k]))
            return CLI_USAGE;
        for (int i = 0; i < o->n_vals[k]; i++) {
            const double x = o->vals[k][i];
            if (k == L_ARRAY && x != floor(x)) {
                cli_error("--array %s: value %g is not a whole number of cells", o->list_s[k], x);
                return CLI_USAGE;
            }
            if (k == L_VRESET && x == 0) {
                cli_error("--vreset %s: value 0: expected a non-zero RESET voltage", o->list_s[k]);
                return CLI_USAGE;
            }
        }
    }
    if (parse_cells(o))
        return CLI_USAGE;

    /* The mode: fault injection or device physics, never both. */
    const char *fault_by = o->list_s[L_BER]          ? "--ber"
                           : o->have_stuck           ? "--stuck"
                           : o->axis == NCM_AXIS_BER ? "axis ber"
                                                     : NULL;
    const char *device_by = NULL;
    static const int device_lists[] = {L_ICC, L_VRESET, L_TP, L_CYCLES};
    for (int k = 0; k < 4 && !device_by; k++) {
        const int l = device_lists[k];
        if (o->list_s[l])
            device_by = LISTS[l].opt;
        else if (o->axis == (int)LISTS[l].kind)
            device_by = o->axis_s;
    }
    if (!device_by)
        device_by = o->device ? "--device" : o->dead_zone_s ? "--dead-zone" : NULL;
    if (fault_by && device_by) {
        cli_error("sweep: %s and %s cannot be combined: fault injection (--ber, --stuck) and "
                  "device physics (--icc, --vreset, --tp, --cycles, --device, --dead-zone) are "
                  "two modes",
                  fault_by, device_by);
        return CLI_USAGE;
    }
    o->devices = device_by != NULL;
    if (o->dead_zone_s) {
        if (!strcmp(o->dead_zone_s, "static"))
            o->dead_zone = 0;
        else if (!strcmp(o->dead_zone_s, "dynamic"))
            o->dead_zone = 1;
        else {
            cli_error("--dead-zone %s: expected static or dynamic", o->dead_zone_s);
            return CLI_USAGE;
        }
    }
    if (o->bars_s) {
        if (!strcmp(o->bars_s, "range"))
            o->bars = BARS_RANGE;
        else if (!strcmp(o->bars_s, "sd"))
            o->bars = BARS_SD;
        else if (!strcmp(o->bars_s, "none"))
            o->bars = BARS_NONE;
        else {
            cli_error("--error-bars %s: expected range, sd or none", o->bars_s);
            return CLI_USAGE;
        }
        if (!o->plot && !o->plot_energy) { /* an option that cannot be honoured is refused */
            cli_error("--error-bars %s: only with --plot or --plot-energy (the bars are the "
                      "figures')",
                      o->bars_s);
            return CLI_USAGE;
        }
    }
    if (o->list_s[L_ARRAY] && (o->rows || o->cols)) {
        cli_error("sweep: --array and %s cannot be combined: --array N is N x N cells",
                  o->rows ? "--rows" : "--cols");
        return CLI_USAGE;
    }
    if (o->axis == NCM_AXIS_STORAGE ? !have_cell
                                    : !o->list_s[list_of((ncm_sweep_axis_kind)o->axis)]) {
        cli_error("sweep %s: the x axis needs values: give %s LIST", o->axis_s,
                  axis_option((ncm_sweep_axis_kind)o->axis));
        return CLI_USAGE;
    }
    if (o->plot_energy && !o->devices) {
        cli_error("--plot-energy %s: only in device mode (with --icc, --vreset, --tp, --cycles, "
                  "--device or --dead-zone): fault injection spends no programming energy",
                  o->plot_energy);
        return CLI_USAGE;
    }
    ncm_error err = {0};
    if (o->plot && cli_plot_check_path(o->plot, &err)) {
        cli_error("--plot %s", err.msg);
        return CLI_USAGE;
    }
    if (o->plot_energy && cli_plot_check_path(o->plot_energy, &err)) {
        cli_error("--plot-energy %s", err.msg);
        return CLI_USAGE;
    }
    return 0;
}

/* The axes in their order: storage, then the numeric lists, every option with several values,
 * and the named AXIS last (fastest), whatever its number of values. */
static int build_axes(const sweep_opts *o, ncm_sweep_params *p)
{
    ncm_sweep_axis_kind order[N_LISTS + 2];
    int n = 0;
    if (o->axis != NCM_AXIS_STORAGE && o->n_cells > 1)
        order[n++] = NCM_AXIS_STORAGE;
    for (int l = 0; l < N_LISTS; l++)
        if ((int)LISTS[l].kind != o->axis && o->n_vals[l] > 1)
            order[n++] = LISTS[l].kind;
    order[n++] = (ncm_sweep_axis_kind)o->axis;
    if (n > NCM_SWEEP_MAX_AXES) {
        char names[256] = "";
        for (int a = 0; a < n; a++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", a ? ", " : "",
                     axis_option(order[a]));
        cli_error("sweep: %d axes (%s): at most %d options may have several values, the x axis "
                  "included",
                  n, names, NCM_SWEEP_MAX_AXES);
        return CLI_USAGE;
    }
    p->n_axes = n;
    for (int a = 0; a < n; a++) {
        ncm_sweep_axis *ax = &p->axes[a];
        memset(ax, 0, sizeof *ax);
        ax->kind = order[a];
        if (order[a] == NCM_AXIS_STORAGE) {
            ax->n = o->n_cells;
            ax->storages = o->cells;
            continue;
        }
        for (int l = 0; l < N_LISTS; l++)
            if (LISTS[l].kind == order[a]) {
                ax->n = o->n_vals[l];
                ax->values = o->vals[l];
            }
    }
    return 0;
}

/* The base configuration: the mode, the list values, the device and its reference. */
static void build_base(const sweep_opts *o, const ncm_rram_params *device, ncm_chip_config *b)
{
    b->mode = o->devices ? NCM_CHIP_DEVICES : NCM_CHIP_FAULTS;
    if (device) {
        b->device = *device;
        b->cond = ncm_rram_cond_ref(device);
    }
    b->dead_zone_dynamic = o->dead_zone;
    b->faults.stuck_frac = o->stuck;
    b->storage = o->cells[0];
    if (o->rows)
        b->rows = (int)o->rows;
    if (o->cols)
        b->cols = (int)o->cols;
    /* Every list sets the base to its first value: a single value is the base of every point,
     * and an axis's first value keeps the base itself valid for the models (the axis then sets
     * each point's value). */
    for (int l = 0; l < N_LISTS; l++) {
        if (o->n_vals[l] < 1)
            continue;
        const double v = o->vals[l][0];
        switch (LISTS[l].kind) {
        case NCM_AXIS_ICC: b->cond.i_cc_ua = v; break;
        case NCM_AXIS_VRESET: b->cond.v_reset_v = v; break;
        case NCM_AXIS_TP: b->cond.t_p_ns = v; break;
        case NCM_AXIS_CYCLES: b->cond.cycles = v; break;
        case NCM_AXIS_ARRAY: b->rows = b->cols = (int)v; break;
        case NCM_AXIS_READ_BER: b->read_ber = v; break;
        case NCM_AXIS_BER: b->faults.ber = v; break;
        case NCM_AXIS_STORAGE: break;
        }
    }
}

/* Prints the library's message with its first field name (at the start, or after a blank,
 * '(' or ',') replaced by the option that sets it; "field = value" becomes "option value". */
static int lib_error(const ncm_error *err, const sweep_opts *o)
{
    const char *rows = o->list_s[L_ARRAY] ? "--array" : "--rows";
    const char *cols = o->list_s[L_ARRAY] ? "--array" : "--cols";
    const cli_field map[] = {{"faults.ber_layer", "--ber"},
                             {"faults.ber", "--ber"},
                             {"faults.stuck_frac", "--stuck"},
                             {"stuck_frac", "--stuck"},
                             {"read_ber", "--read-ber"},
                             {"ber", "--ber"},
                             {"cond.i_cc_ua", "--icc"},
                             {"i_cc_ua", "--icc"},
                             {"cond.v_reset_v", "--vreset"},
                             {"v_reset_v", "--vreset"},
                             {"cond.t_p_ns", "--tp"},
                             {"t_p_ns", "--tp"},
                             {"cond.cycles", "--cycles"},
                             {"cycles", "--cycles"},
                             {"rows", rows},
                             {"cols", cols},
                             {"array", "--array"},
                             {"storage", "--cell"},
                             {"dead_zone_dynamic", "--dead-zone"},
                             {"n_chips", "--chips"},
                             {"threads", "--threads"},
                             {"seed", "--seed"},
                             {"dataset", "--data"},
                             {"device", "--device"},
                             {NULL, NULL}};
    const char *msg = err->msg, *best = NULL;
    const cli_field *bf = NULL;
    for (const cli_field *f = map; f->field; f++) {
        const size_t n = strlen(f->field);
        for (const char *q = strstr(msg, f->field); q; q = strstr(q + 1, f->field)) {
            const int start = q == msg || q[-1] == ' ' || q[-1] == '(' || q[-1] == ',';
            const char e = q[n];
            if (start && (e == ' ' || e == ':' || e == '[' || e == '=' || e == ',' || e == ')' ||
                          e == '\0')) {
                if (!best || q < best)
                    best = q, bf = f;
                break;
            }
        }
    }
    if (best) {
        const char *rest = best + strlen(bf->field);
        if (!strncmp(rest, " = ", 3))
            rest += 2;
        cli_error("%.*s%s%s", (int)(best - msg), msg, bf->option, rest);
    } else {
        cli_error("sweep: %s", msg);
    }
    return err->code == NCM_ERR_ARG ? CLI_USAGE : CLI_FAIL;
}

/* One value of axis a at point i, as the table shows it. */
static void axis_value(const ncm_sweep_table *t, int64_t i, int a, char *buf, size_t n)
{
    if (t->axes[a].kind == NCM_AXIS_STORAGE)
        ncm_storage_id(&t->axes[a].storages[t->points[i].axis_index[a]], buf, n);
    else
        snprintf(buf, n, "%g", ncm_sweep_point_value(t, i, a));
}

static const char *model_label(const ncm_sweep_table *t, int m)
{
    /* the file name alone, unless two models share it */
    const char *base = strrchr(t->model_names[m], '/');
    base = base ? base + 1 : t->model_names[m];
    for (int k = 0; k < t->n_models; k++) {
        const char *o = strrchr(t->model_names[k], '/');
        o = o ? o + 1 : t->model_names[k];
        if (k != m && !strcmp(o, base))
            return t->model_names[m];
    }
    return base;
}

static const char *axis_title(ncm_sweep_axis_kind k)
{
    switch (k) {
    case NCM_AXIS_BER: return "weight bit error rate";
    case NCM_AXIS_ICC: return "SET compliance current I_cc (uA)";
    case NCM_AXIS_VRESET: return "RESET voltage (V)";
    case NCM_AXIS_TP: return "pulse width t_p (ns)";
    case NCM_AXIS_CYCLES: return "device age (SET/RESET cycles)";
    case NCM_AXIS_ARRAY: return "array size (rows = columns)";
    case NCM_AXIS_STORAGE: return "storage";
    case NCM_AXIS_READ_BER: return "read error rate per XNOR";
    }
    return "?";
}

/* Accuracy (mean over chips, with the chips' range or sd as bars) against the last axis
 * (energy = 0) or against the programming energy per weight bit (energy = 1): one line per
 * combination of the model and the other axes' values, i.e. per run of the last axis. */
static ncm_status plot_table(const char *path, const ncm_sweep_table *t, const char *data,
                             int energy, int bars, ncm_error *err)
{
    const int a = t->n_axes - 1, nx = t->axes[a].n;
    const int64_t np = t->n_points;
    const int ns = (int)(np / nx);
    const ncm_sweep_axis_kind kind = t->axes[a].kind;
    double *x = malloc(sizeof(double) * (size_t)np), *y = malloc(sizeof(double) * (size_t)np);
    double *xi = malloc(sizeof(double) * (size_t)np);
    double *lo = malloc(sizeof(double) * (size_t)np), *hi = malloc(sizeof(double) * (size_t)np);
    cli_series *s = calloc((size_t)ns, sizeof *s);
    cli_yerr *e = calloc((size_t)ns, sizeof *e);
    char(*labels)[160] = calloc((size_t)ns, sizeof *labels);
    ncm_status st = NCM_OK;
    cli_series *si = calloc((size_t)ns, sizeof *si);
    if (!x || !xi || !y || !lo || !hi || !s || !si || !e || !labels) {
        st = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    for (int64_t i = 0; i < np; i++) {
        const ncm_sweep_point *q = &t->points[i];
        x[i] = energy ? q->energy_bit_pj : ncm_sweep_point_value(t, i, a);
        xi[i] = 1e-3 * q->inference_energy_pj;
        y[i] = q->mean;
        lo[i] = bars == BARS_SD ? q->mean - q->sd : q->min;
        hi[i] = bars == BARS_SD ? q->mean + q->sd : q->max;
    }
    for (int k = 0; k < ns; k++) {
        const int64_t p0 = (int64_t)k * nx;
        char *lab = labels[k];
        size_t used = 0;
        lab[0] = '\0';
        if (t->n_models > 1 || a == 0)
            used +=
                (size_t)snprintf(lab, sizeof labels[0], "%s", model_label(t, t->points[p0].model));
        for (int b = 0; b < a && used < sizeof labels[0]; b++) {
            char v[48];
            axis_value(t, p0, b, v, sizeof v);
            used += (size_t)snprintf(lab + used, sizeof labels[0] - used, "%s%s %s",
                                     used ? ", " : "", ncm_sweep_axis_name(t->axes[b].kind), v);
        }
        s[k] = (cli_series){lab, x + p0, y + p0, nx};
        si[k] = (cli_series){lab, xi + p0, y + p0, nx};
        if (bars != BARS_NONE)
            e[k] = (cli_yerr){lo + p0, hi + p0};
    }
    char title[256], xlabel[512];
    const char *bar_text = bars == BARS_SD     ? ", bars: +- sd"
                           : bars == BARS_NONE ? ""
                                               : ", bars: min to max";
    if (energy) {
        snprintf(xlabel, sizeof xlabel, "programming energy per weight bit (pJ)");
        snprintf(title, sizeof title, "Accuracy vs programming energy over %s (%d chips%s)",
                 ncm_sweep_axis_name(kind), t->n_chips, bar_text);
    } else {
        if (kind == NCM_AXIS_STORAGE) {
            size_t u = (size_t)snprintf(xlabel, sizeof xlabel, "storage (");
            for (int j = 0; j < nx && u < sizeof xlabel; j++) {
                char id[32];
                ncm_storage_id(&t->axes[a].storages[j], id, sizeof id);
                u += (size_t)snprintf(xlabel + u, sizeof xlabel - u, "%s%d = %s", j ? ", " : "", j,
                                      id);
            }
            if (u < sizeof xlabel)
                snprintf(xlabel + u, sizeof xlabel - u, ")");
        } else {
            snprintf(xlabel, sizeof xlabel, "%s", axis_title(kind));
        }
        snprintf(title, sizeof title, "Accuracy vs %s (%s, %d chips per point%s)",
                 ncm_sweep_axis_name(kind), data, t->n_chips, bar_text);
    }
    const int logx =
        energy || kind == NCM_AXIS_BER || kind == NCM_AXIS_READ_BER || kind == NCM_AXIS_CYCLES;
    if (energy) {
        /* programming (left) and inference (right): the two sides of the trade-off */
        char title2[256];
        snprintf(title2, sizeof title2, "Accuracy vs energy of one inference over %s",
                 ncm_sweep_axis_name(kind));
        const cli_panel pn[2] = {
            {title, xlabel, "test accuracy", 1, 0, s, bars == BARS_NONE ? NULL : e, ns},
            {title2, "energy per inference (nJ)", "test accuracy", 0, 0, si,
             bars == BARS_NONE ? NULL : e, ns}};
        st = cli_plot_panels(path, pn, 2, err);
    } else {
        st = cli_plot_bars(path, title, xlabel, "test accuracy", logx, 0, s, e, ns, err);
    }
out:
    free(x), free(xi), free(y), free(lo), free(hi), free(s), free(si), free(e), free(labels);
    return st;
}

static void print_table(const ncm_sweep_table *t, int devices)
{
    int wm = 5;
    for (int m = 0; m < t->n_models; m++)
        wm = (int)strlen(t->model_names[m]) > wm ? (int)strlen(t->model_names[m]) : wm;
    int wa[NCM_SWEEP_MAX_AXES];
    printf("%-*s", wm, "model");
    for (int a = 0; a < t->n_axes; a++) {
        wa[a] = t->axes[a].kind == NCM_AXIS_STORAGE ? 15 : 10;
        printf(" %*s", wa[a], ncm_sweep_axis_name(t->axes[a].kind));
    }
    printf(" %8s %8s %8s %8s %11s", "accuracy", "sd", "min", "max", "ber_meas");
    if (devices)
        printf(" %11s", "E_bit_pJ");
    printf(" %10s", "E_inf_nJ");
    putchar('\n');
    for (int64_t i = 0; i < t->n_points; i++) {
        const ncm_sweep_point *q = &t->points[i];
        printf("%-*s", wm, t->model_names[q->model]);
        for (int a = 0; a < t->n_axes; a++) {
            char v[48];
            axis_value(t, i, a, v, sizeof v);
            printf(" %*s", wa[a], v);
        }
        printf(" %8.4f %8.4f %8.4f %8.4f %11.4e", q->mean, q->sd, q->min, q->max, q->ber_measured);
        if (devices)
            printf(" %11.4g", q->energy_bit_pj);
        printf(" %10.4g", 1e-3 * q->inference_energy_pj);
        putchar('\n');
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Everything before the run: files read, parameters checked, outputs checked (rank 0). */
static int set_up(const sweep_opts *o, ncm_model **models, ncm_dataset **test, ncm_sweep_params *p)
{
    ncm_error err = {0};
    ncm_rram_params dev;
    if (o->device && ncm_rram_load(o->device, &dev, &err)) {
        cli_error("--device %s", err.msg);
        return err.code == NCM_ERR_ARG ? CLI_USAGE : CLI_FAIL;
    }
    ncm_sweep_default(p);
    static ncm_tech tech; /* lives as long as the parameters that point to it */
    if (o->tech) {
        if (ncm_tech_load(o->tech, &tech, &err)) {
            cli_error("--tech %s", err.msg);
            return CLI_FAIL;
        }
        p->tech = &tech;
    }
    build_base(o, o->device ? &dev : NULL, &p->base);
    int rc = build_axes(o, p);
    if (rc)
        return rc;
    p->n_chips = (int)o->chips;
    p->seed = (uint64_t)o->seed;
    p->threads = (int)o->threads;
    p->checkpoint = o->checkpoint;
    p->resume = o->resume;
    for (int m = 0; m < o->n_models; m++)
        if (!(models[m] = ncm_model_load_any(o->models[m], &err))) {
            cli_error("%s", err.msg);
            return CLI_FAIL;
        }
    p->models = (const ncm_model *const *)models;
    p->model_names = o->models;
    p->n_models = o->n_models;
    /* The base configuration first, so its message names the option and the model. */
    for (int m = 0; m < o->n_models; m++)
        if (ncm_chip_config_check(&p->base, models[m], &err)) {
            if (o->n_models > 1 && strlen(err.msg) + strlen(o->models[m]) < sizeof err.msg - 16)
                snprintf(err.msg + strlen(err.msg), sizeof err.msg - strlen(err.msg), " (model %s)",
                         o->models[m]);
            return lib_error(&err, o);
        }
    if (ncm_sweep_check(p, NULL, &err))
        return lib_error(&err, o);
    if (!(*test = ncm_dataset_load(o->data, 0, &err))) {
        cli_error("--data %s: %s", o->data, err.msg);
        return CLI_FAIL;
    }
    if (o->limit)
        ncm_dataset_truncate(*test, o->limit);
    if (ncm_sweep_check(p, *test, &err)) {
        if (err.code != NCM_ERR_DATA)
            return lib_error(&err, o);
        cli_error("--data %s: %s", o->data, err.msg); /* shapes or classes of the data */
        return CLI_FAIL;
    }
    if (cli_mpi_rank() == 0 && ((rc = cli_check_output("-o", o->csv, 0)) ||
                                (rc = cli_check_output("--json", o->json, 0)) ||
                                (rc = cli_check_output("--plot", o->plot, 1)) ||
                                (rc = cli_check_output("--plot-energy", o->plot_energy, 1))))
        return rc;
    /* every rank writes its own checkpoint */
    if (!o->resume && (rc = cli_check_output("--checkpoint", o->checkpoint, 0)))
        return rc;
    /* no output is an input or another output (the checkpoint of --resume is both, by design) */
    cli_path in[NCM_SWEEP_MAX_MODELS + 3] = {
        {"--data", o->data}, {"--device", o->device}, {"--tech", o->tech}};
    for (int m = 0; m < o->n_models; m++)
        in[3 + m] = (cli_path){"MODEL", o->models[m]};
    const cli_path out[] = {{"-o", o->csv},
                            {"--json", o->json},
                            {"--plot", o->plot},
                            {"--plot-energy", o->plot_energy},
                            {"--checkpoint", o->checkpoint}};
    return cli_check_paths(in, 3 + o->n_models, out, 5);
}

/* After the files are written: the checkpoints of every rank (a shared folder, as MPI runs
 * have) are no longer needed. */
static void remove_checkpoints(const sweep_opts *o)
{
    if (!o->checkpoint)
        return;
    const int size = cli_mpi_size();
    for (int r = 0; r < size; r++) {
        char path[PATH_MAX + 48];
        if (size == 1)
            snprintf(path, sizeof path, "%s", o->checkpoint);
        else
            snprintf(path, sizeof path, "%s.rank%d-of-%d", o->checkpoint, r, size);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            remove(path);
    }
}

int cmd_sweep(int argc, char **argv)
{
    sweep_opts o;
    ncm_model *models[NCM_SWEEP_MAX_MODELS] = {0};
    ncm_dataset *test = NULL;
    ncm_sweep_table *t = NULL;
    ncm_sweep_params p;
    ncm_error err = {0};
    const int rank = cli_mpi_rank();
    int rc = parse(argc, argv, &o);
    if (rc == 0) {
        if (o.threads)
            ncm_set_threads((int)o.threads);
        rc = set_up(&o, models, &test, &p);
    }
    /* Every rank stops, or none does: a rank left alone in the gather would wait forever. */
    int agreed = cli_mpi_agree(rc < 0 ? 0 : rc);
    if (rc < 0 && agreed == 0) { /* --help */
        rc = 0;
        goto out;
    }
    if (agreed) { /* another rank's own failure was reported by rank 0 in cli_mpi_agree */
        rc = agreed;
        goto out;
    }
    const double t0 = now_s();
    cli_bar bar;
    cli_bar_start(&bar, o.quiet || rank != 0);
    t = ncm_sweep_run(&p, test, cli_mpi_comm(), &bar.progress, &err);
    cli_bar_finish(&bar);
    const double wall = now_s() - t0;
    if (!t) {
        if (rank != 0 || *cli_mpi_error()) { /* a process's own failure, or MPI's */
            cli_error("sweep: process %d of %d: %s%s%s%s", rank, cli_mpi_size(), err.msg,
                      *cli_mpi_error() ? " (" : "", cli_mpi_error(), *cli_mpi_error() ? ")" : "");
            rc = err.code == NCM_ERR_ARG ? CLI_USAGE : CLI_FAIL;
        } else {
            rc = lib_error(&err, &o);
        }
        goto out;
    }
    rc = 0;
    if (rank != 0)
        goto out; /* only rank 0 prints and writes */
    if (!o.quiet) {
        printf("%s: %d model%s x %lld points x %d chips x %lld test images (seed %llu), %s\n",
               o.data, t->n_models, t->n_models == 1 ? "" : "s", (long long)t->n_points, t->n_chips,
               (long long)t->n_images, (unsigned long long)t->seed,
               o.devices ? "device physics" : "fault injection");
        print_table(t, o.devices);
    }
    /* The files (atomically, CSV then JSON); a failure leaves neither behind. */
    if (o.csv && ncm_sweep_table_save_csv(t, o.csv, &err)) {
        rc = cli_lib_error(&err, NULL);
        goto out;
    }
    if (o.json && ncm_sweep_table_save_json(t, o.data, o.json, &err)) {
        rc = cli_lib_error(&err, NULL); /* main removes the CSV (never a device written through) */
        goto out;
    }
    if (o.plot && plot_table(o.plot, t, o.data, 0, o.bars, &err)) {
        cli_error("--plot %s", err.msg);
        rc = CLI_FAIL;
        goto out;
    }
    if (o.plot_energy && plot_table(o.plot_energy, t, o.data, 1, o.bars, &err)) {
        cli_error("--plot-energy %s", err.msg);
        rc = CLI_FAIL;
        goto out;
    }
    remove_checkpoints(&o);
    if (!o.quiet) {
        if (o.plot)
            printf("figure %s\n", o.plot);
        if (o.plot_energy)
            printf("figure %s\n", o.plot_energy);
        printf("%d process%s x %d thread%s, %.2f s wall time\n", cli_mpi_size(),
               cli_mpi_size() == 1 ? "" : "es", t->threads, t->threads == 1 ? "" : "s", wall);
    }
out:
    ncm_sweep_table_free(t);
    ncm_dataset_free(test);
    for (int m = 0; m < NCM_SWEEP_MAX_MODELS; m++)
        ncm_model_free(models[m]);
    opts_free(&o);
    return rc;
}
