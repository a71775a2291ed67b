/* `nanocim vowels`: vowel recognition with coupled spin-torque nano-oscillators (Romera et al.,
 * "Vowel recognition with four coupled spin-torque nano-oscillators", Nature 563, 230 (2018)),
 * a front end over include/nanocim/vowel.h.
 *   vowels train  builds the data (Hillenbrand's vowdata.dat, or the synthetic generator when no
 *                 file is given), splits it by speaker, trains the oscillator network beside its
 *                 uncoupled twin and the software baselines (ncm_vowel_study_new), prints the
 *                 comparison, writes the result file and the figures (the synchronization map,
 *                 the learning curve)
 *   vowels eval   scores a trained network (a result or model file) on the same data
 * The options fill the library's plain values (ncm_vowel_select, ncm_vowel_config); the library
 * checks them, trains, scores and writes the result file; this file parses, prints and plots, and
 * names its options in the messages about the fields they set. The one file format written here
 * is none: eval's --json score is ncm_vowel_score_save_json. vowels sweep retrains the network
 * at each temperature or spread level (ncm_vowel_sweep_new) and prints its table. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/plot.h"
#include "cli/progress_bar.h"
#include "nanocim/stno.h"
#include "nanocim/vowel.h"

/* The map's grid (points per axis) and its margin around the data (a fraction of the range). */
enum { MAP_N = 120 };
static const double MAP_MARGIN = 0.05;

/* ---- the data: options shared by train and eval ---------------------------------------------- */

typedef struct {
    const char *data;  /* --data FILE (NULL: the synthetic generator) */
    long speakers;     /* --speakers: synthetic speakers per group */
    long data_seed;    /* --data-seed: the synthetic set's seed */
    const char *synth; /* the first synthetic option given (refused with --data) */
    long seed;         /* --seed: the split (train: also the design and the shuffle) */
    double train_frac; /* --train-frac */
    long threads;      /* --threads (0: the OpenMP setting) */
    int quiet;         /* -q */
} data_opts;

static void data_default(data_opts *d)
{
    memset(d, 0, sizeof *d);
    d->speakers = 48;
    d->data_seed = 1;
    d->seed = 1;
    d->train_frac = 0.5;
}

/* Parses one of the data options at argv[*i]: 1 (taken), 0 (not one of them), -1 (bad value,
 * message printed). */
static int parse_data_opt(int argc, char **argv, int *i, data_opts *d)
{
    const char *v;
    int r;
    if (cli_flag(argv, *i, "-q"))
        return d->quiet = 1;
    if ((r = cli_opt(argc, argv, i, "--data", &v))) {
        if (r < 0)
            return -1;
        d->data = v;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--speakers", &v))) {
        if (r < 0 || cli_long("--speakers", v, 1, 10000, &d->speakers))
            return -1;
        d->synth = d->synth ? d->synth : "--speakers";
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--data-seed", &v))) {
        if (r < 0 || cli_long("--data-seed", v, 0, LONG_MAX, &d->data_seed))
            return -1;
        d->synth = d->synth ? d->synth : "--data-seed";
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--seed", &v))) {
        if (r < 0 || cli_long("--seed", v, 0, LONG_MAX, &d->seed))
            return -1;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--train-frac", &v))) {
        if (r < 0 || cli_double("--train-frac", v, 0, 1, &d->train_frac))
            return -1;
        if (d->train_frac <= 0 || d->train_frac >= 1) {
            cli_error("--train-frac %s: expected a fraction strictly between 0 and 1", v);
            return -1;
        }
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--threads", &v))) {
        if (r < 0 || cli_threads("--threads", v, 1, &d->threads))
            return -1;
        return 1;
    }
    return 0;
}

/* Options that only make sense together: 0, or CLI_USAGE after one line. */
static int data_opts_check(const data_opts *d)
{
    if (d->data && d->synth) {
        cli_error("%s: only for the synthetic data (not with --data %s)", d->synth, d->data);
        return CLI_USAGE;
    }
    return 0;
}

/* The whole set of the selection: the file's, or a synthetic one. NULL after one line (*rc: the
 * exit code). */
static ncm_vowel_set *data_build(const data_opts *d, const ncm_vowel_select *sel, int *rc)
{
    ncm_error err = {0};
    ncm_vowel_set *s =
        d->data ? ncm_vowel_load(d->data, sel, &err)
                : ncm_vowel_synthetic(sel, (int)d->speakers, (uint64_t)d->data_seed, &err);
    if (!s) {
        if (d->data)
            cli_error("--data %s", err.msg);
        else
            cli_error("synthetic data (--speakers %ld, --data-seed %ld): %s", d->speakers,
                      d->data_seed, err.msg);
        *rc = err.code == NCM_ERR_ARG ? CLI_USAGE : CLI_FAIL;
    }
    return s;
}

/* The split by speaker; 0, or an exit code after one line. */
static int data_split(const data_opts *d, const ncm_vowel_set *all, ncm_vowel_set **train,
                      ncm_vowel_set **test)
{
    ncm_error err = {0};
    if (ncm_vowel_split(all, d->train_frac, (uint64_t)d->seed, train, test, &err)) {
        static const cli_field fields[] = {{"train_frac", "--train-frac"}, {NULL, NULL}};
        return cli_lib_error(&err, fields);
    }
    return 0;
}

/* "ae ah aw", "F1, F2", "women" of a selection (for the printed summaries). */
static void select_text(const ncm_vowel_select *s, char *vowels, size_t nv, char *formants,
                        size_t nf, char *groups, size_t ng)
{
    static const char *const group_name[NCM_VOWEL_N_GROUPS] = {"men", "women", "boys", "girls"};
    size_t o = 0;
    vowels[0] = formants[0] = groups[0] = '\0';
    for (int k = 0; k < s->n_vowels && o < nv; k++)
        o += (size_t)snprintf(vowels + o, nv - o, "%s%s", k ? " " : "",
                              ncm_vowel_code(s->vowels[k]));
    o = 0;
    for (int k = 0; k < s->n_formants && o < nf; k++)
        o += (size_t)snprintf(formants + o, nf - o, "%sF%d", k ? ", " : "", s->formants[k] + 1);
    o = 0;
    for (int g = 0, n = 0; g < NCM_VOWEL_N_GROUPS && o < ng; g++)
        if (s->groups >> g & 1u)
            o += (size_t)snprintf(groups + o, ng - o, "%s%s", n++ ? ", " : "", group_name[g]);
}

/* Standard output written completely (a full disk or device is an error, not a short report;
 * cli_stdout_check, which main runs again at the end). An output written before a later failure
 * is removed by main (the run's outputs, never a device written through). */
static int stdout_ok(void)
{
    return cli_stdout_check() == 0;
}

/* ---- vowels train ---------------------------------------------------------------------------- */

static const char *TRAIN_USAGE =
    "usage: nanocim vowels train [options]\n"
    "Trains the oscillator network of Romera et al. (2018) on vowel formants, beside the same\n"
    "network uncoupled, untrained, and three software classifiers, on one split by speaker.\n"
    "data (Hillenbrand et al. 1995):\n"
    "  --data FILE        Hillenbrand's vowdata.dat (default: the synthetic generator)\n"
    "  --speakers N       synthetic speakers per group, 1..10000 (default 48)\n"
    "  --data-seed S      seed of the synthetic data (default 1)\n"
    "  --groups LIST      speaker groups m,w,b,g (default w)\n"
    "  --vowels LIST      vowel codes (default ae,ah,aw,eh,er,ih,iy)\n"
    "  --formants LIST    features f1,f2,f3 (default f1,f2)\n"
    "  --seed S           split seed, also the design's and the shuffle's (default 1)\n"
    "  --train-frac F     fraction of speakers that train, in (0, 1) (default 0.5)\n"
    "the chip:\n"
    "  --osc N            oscillators, 1..16 (default 4)\n"
    "  --coupling MHZ     all-to-all coupling W/2pi, MHz, 0..1e4 (default 0.2)\n"
    "  --amp A[,B[,C]]    input amplitudes F/2pi per input, MHz (default 1.5,0.8,0.8)\n"
    "  --band LO,HI       band the formants are mapped onto, MHz (default 318,330)\n"
    "  --currents LO,HI   DC current range of the loop, mA (default 5,14)\n"
    "  --device FILE      oscillator device file (JSON; default: the built-in vortex oscillator)\n"
    "  --temperature K    override the device's temperature, 0..1e5 (0: no noise; default 300)\n"
    "  --no-spread        identical devices (default: drawn with the device's spread)\n"
    "  --chip-seed S      seed of the devices' draw (default 1)\n"
    "  --noise-seed S     seed of the thermal noise (default 1)\n"
    "simulation and learning:\n"
    "  --window NS        read-out window per sample, ns, (0, 1e6] (default 1000)\n"
    "  --transient NS     simulated and discarded before it, ns, 0..1e6 (default 200)\n"
    "  --epochs E         passes over the training set, 0..10000 (default 20)\n"
    "  --lr R             learning rate, (0, 1] (default 0.2)\n"
    "  --push MHZ         frequency step of the learning rule at rate 1, MHz, 0..1000 (default "
    "0.5)\n"
    "  --threads T        OpenMP threads, >= 1, at most the processors (default: OpenMP's)\n"
    "output:\n"
    "  -o FILE            the result (JSON: model, scores, baselines, curve, timing)\n"
    "  --map FILE         synchronization map: the formant plane coloured by the network's class,\n"
    "                     with the test tokens (.png/.svg/.pdf; needs 2 formants)\n"
    "  --curve FILE       learning curve: training accuracy and on-line mismatch per epoch\n"
    "  --checkpoint PATH  the epochs done, kept while training runs (default: the -o file +\n"
    "                     .ckpt; removed once the files are written)\n"
    "  --resume           continue a killed training from its checkpoint (the same result)\n"
    "  -q                 quiet: prints only the network's test accuracy, %\n";

/* A numeric list "A,B,C" of n_min .. n_max finite values in [lo, hi]; 0, or -1 after one line
 * naming opt. */
static int parse_list(const char *opt, const char *s, int n_min, int n_max, double lo, double hi,
                      double *out, int *n)
{
    const char *p = s;
    *n = 0;
    for (;;) {
        char *end;
        errno = 0;
        const double v = strtod(p, &end);
        if (end == p || (*end && *end != ',') || errno || !isfinite(v) || v < lo || v > hi ||
            *n == n_max)
            break;
        out[(*n)++] = v;
        if (!*end) {
            if (*n >= n_min)
                return 0;
            break;
        }
        p = end + 1;
    }
    if (n_min == n_max)
        cli_error("%s %s: expected %d comma-separated numbers in [%g, %g]", opt, s, n_min, lo, hi);
    else
        cli_error("%s %s: expected %d to %d comma-separated numbers in [%g, %g]", opt, s, n_min,
                  n_max, lo, hi);
    return -1;
}

/* The options that set a configuration field, and what was given (for the library's messages). */
typedef struct {
    const char *option, *field, *given;
} vowel_field;

enum {
    F_OSC,
    F_COUPLING,
    F_AMP,
    F_CURRENTS,
    F_BAND,
    F_WINDOW,
    F_TRANSIENT,
    F_EPOCHS,
    F_LR,
    F_PUSH,
    F_DEVICE,
    F_N
};

/* Prints a library error about the configuration: a message about a field an option sets is
 * prefixed with that option and its value ("--currents 3,14: i_min_ma = 3, ..."), or says which
 * option sets it when the value is the default. CLI_USAGE for NCM_ERR_ARG, else CLI_FAIL. */
static int config_error(const ncm_error *err, const vowel_field *map)
{
    const int rc = err->code == NCM_ERR_ARG ? CLI_USAGE : CLI_FAIL;
    if (strstr(err->msg, "diverged") && map[F_DEVICE].given) { /* the device file's doing */
        cli_error("--device %s: %s", map[F_DEVICE].given, err->msg);
        return rc;
    }
    for (int k = 0; k < F_N; k++) {
        const size_t n = strlen(map[k].field);
        const char c = err->msg[n];
        if (strncmp(err->msg, map[k].field, n) == 0 &&
            (c == ' ' || c == ':' || c == '[' || c == '.')) {
            if (map[k].given)
                cli_error("%s %s: %s", map[k].option, map[k].given, err->msg);
            else
                cli_error("%s (set it with %s)", err->msg, map[k].option);
            return rc;
        }
    }
    cli_error("%s", err->msg);
    return rc;
}

/* The synchronization map: the network's class over the formant plane (features 0 and 1) on a
 * MAP_N x MAP_N grid spanning the whole set's range with a margin, and the figure with the test
 * tokens. Computed before anything is written. */
typedef struct {
    double x[MAP_N], y[MAP_N];
    int32_t *pred;
} vowel_map;

static ncm_status map_compute(const ncm_vowel_model *m, const ncm_vowel_set *all, int threads,
                              vowel_map *vm, ncm_error *err)
{
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int64_t t = 0; t < all->n; t++)
        for (int f = 0; f < 2; f++) {
            const double v = all->x[t * all->n_features + f];
            lo[f] = fmin(lo[f], v), hi[f] = fmax(hi[f], v);
        }
    for (int f = 0; f < 2; f++) {
        const double pad = MAP_MARGIN * (hi[f] > lo[f] ? hi[f] - lo[f] : 1.0);
        lo[f] -= pad, hi[f] += pad;
    }
    for (int i = 0; i < MAP_N; i++) {
        vm->x[i] = lo[0] + (hi[0] - lo[0]) * i / (MAP_N - 1);
        vm->y[i] = lo[1] + (hi[1] - lo[1]) * i / (MAP_N - 1);
    }
    vm->pred = malloc(sizeof(int32_t) * MAP_N * MAP_N);
    if (!vm->pred)
        return ncm_error_set(err, NCM_ERR_NOMEM, "synchronization map: out of memory");
    return ncm_vowel_map(m, vm->x, MAP_N, vm->y, MAP_N, NULL, threads, vm->pred, err);
}

static ncm_status map_plot(const char *path, const vowel_map *vm, const ncm_vowel_study *s,
                           const ncm_vowel_set *test, ncm_error *err)
{
    const ncm_vowel_model *m = &s->net->model;
    const char *labels[NCM_VOWEL_N];
    for (int c = 0; c < m->n_classes; c++)
        labels[c] = ncm_vowel_code(m->select.vowels[c]);
    double *px = malloc(sizeof(double) * (size_t)(test->n + 1));
    double *py = malloc(sizeof(double) * (size_t)(test->n + 1));
    if (!px || !py) {
        free(px), free(py);
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    }
    for (int64_t t = 0; t < test->n; t++)
        px[t] = test->x[t * test->n_features], py[t] = test->x[t * test->n_features + 1];
    char title[200], xl[64], yl[64];
    snprintf(title, sizeof title,
             "Synchronization map, %d oscillators (test tokens: %.1f %% correct)", m->n_osc,
             100.0 * s->net->test.accuracy);
    snprintf(xl, sizeof xl, "F%d (Hz)", m->select.formants[0] + 1);
    snprintf(yl, sizeof yl, "F%d (Hz)", m->select.formants[1] + 1);
    const cli_classmap cm = {title, xl,    yl,          vm->x,        vm->y,
                             MAP_N, MAP_N, vm->pred,    m->n_classes, labels,
                             px,    py,    test->label, (int)test->n};
    ncm_status st = cli_plot_classmap(path, &cm, err);
    free(px), free(py);
    return st;
}

/* The learning curve: the training accuracy from epoch 0 (the untrained network) and the
 * on-line mismatch of each epoch, in %. */
static ncm_status curve_plot(const char *path, const ncm_vowel_training *t, ncm_error *err)
{
    const int n = t->epochs;
    double *x = malloc(sizeof(double) * (size_t)(n + 1));
    double *a = malloc(sizeof(double) * (size_t)(n + 1));
    double *b = malloc(sizeof(double) * (size_t)(n + 1));
    ncm_status st;
    if (!x || !a || !b) {
        st = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    } else {
        x[0] = 0, a[0] = 100.0 * t->train_init.accuracy;
        for (int e = 0; e < n; e++)
            x[e + 1] = e + 1, a[e + 1] = 100.0 * t->curve_train[e],
                  b[e] = 100.0 * t->curve_mismatch[e];
        const cli_series s[2] = {{"training accuracy (epoch 0: untrained)", x, a, n + 1},
                                 {"on-line samples off their target pattern", x + 1, b, n}};
        char title[160];
        snprintf(title, sizeof title, "Learning curve: %d oscillators, %d epochs", t->model.n_osc,
                 n);
        st = cli_plot(path, title, "epoch", "%", 0, 0, s, 2, err);
    }
    free(x), free(a), free(b);
    return st;
}

static const char *SWEEP_USAGE =
    "usage: nanocim vowels sweep (--temperature-list LIST | --spread-list LIST) [options]\n"
    "Trains the oscillator network again at each temperature or device-spread level (the same\n"
    "split and chip seed) and tabulates its train and test accuracy and the untrained one.\n"
    "  --temperature-list LIST  temperatures, K, 0..1e4 (\"0,100,300,600\" or START:STOP:STEP)\n"
    "  --spread-list LIST       factors on the device's three spread sigmas, 0..100 (1: as is)\n"
    "  --csv FILE               the table as CSV (fractions)\n"
    "  -q                       quiet: prints only the test accuracies, %, one per value\n"
    "and every data, chip, simulation and learning option of nanocim vowels train (--help there);\n"
    "not -o, --map or --curve.\n";

static int cmd_vowels_train_or_sweep(int argc, char **argv, int sweep)
{
    data_opts d;
    data_default(&d);
    ncm_vowel_select sel;
    ncm_vowel_select_default(&sel);
    ncm_vowel_config cfg;
    ncm_vowel_config_default(&cfg);
    const char *groups_s = NULL, *vowels_s = NULL, *formants_s = NULL, *device = NULL;
    const char *out = NULL, *map = NULL, *curve = NULL, *ckpt = NULL, *v;
    char ckpt_buf[PATH_MAX];
    int resume = 0;
    const char *sw_list = NULL, *sw_opt = NULL, *csv = NULL;
    ncm_vowel_sweep_kind sw_kind = NCM_VOWEL_SWEEP_TEMPERATURE;
    double temperature = -1;
    vowel_field fields[F_N] = {
        [F_OSC] = {"--osc", "n_osc", NULL},
        [F_COUPLING] = {"--coupling", "w_mhz", NULL},
        [F_AMP] = {"--amp", "amp_mhz", NULL},
        [F_CURRENTS] = {"--currents", "i_min_ma", NULL},
        [F_BAND] = {"--band", "band", NULL},
        [F_WINDOW] = {"--window", "t_window_ns", NULL},
        [F_TRANSIENT] = {"--transient", "t_transient_ns", NULL},
        [F_EPOCHS] = {"--epochs", "epochs", NULL},
        [F_LR] = {"--lr", "lr", NULL},
        [F_PUSH] = {"--push", "push_mhz", NULL},
        [F_DEVICE] = {"--device", "device", NULL},
    };
    long n;
    double x, list[NCM_VOWEL_MAX_IN];
    int r, nl;
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(sweep ? SWEEP_USAGE : TRAIN_USAGE, stdout);
            return 0;
        }
        if ((r = parse_data_opt(argc, argv, &i, &d))) {
            if (r < 0)
                return CLI_USAGE;
        } else if (sweep && ((r = cli_opt(argc, argv, &i, "--temperature-list", &v)) ||
                             (r = cli_opt(argc, argv, &i, "--spread-list", &v)))) {
            if (r < 0)
                return CLI_USAGE;
            const int is_t = !strncmp(argv[i - (argv[i] == v)], "--temperature-list", 18);
            if (sw_list && (sw_kind == NCM_VOWEL_SWEEP_TEMPERATURE) != is_t) {
                /* the other list (the same one repeated: the last counts, as everywhere) */
                cli_error("%s: give one of --temperature-list and --spread-list",
                          is_t ? "--temperature-list" : "--spread-list");
                return CLI_USAGE;
            }
            sw_list = v;
            sw_opt = is_t ? "--temperature-list" : "--spread-list";
            sw_kind = is_t ? NCM_VOWEL_SWEEP_TEMPERATURE : NCM_VOWEL_SWEEP_SPREAD;
        } else if (sweep && (r = cli_opt(argc, argv, &i, "--csv", &v))) {
            if (r < 0)
                return CLI_USAGE;
            csv = v;
        } else if (cli_flag(argv, i, "--no-spread")) {
            cfg.spread = 0;
        } else if ((r = cli_opt(argc, argv, &i, "--groups", &v))) {
            if (r < 0)
                return CLI_USAGE;
            groups_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--vowels", &v))) {
            if (r < 0)
                return CLI_USAGE;
            vowels_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--formants", &v))) {
            if (r < 0)
                return CLI_USAGE;
            formants_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--osc", &v))) {
            if (r < 0 || cli_long("--osc", v, 1, NCM_VOWEL_MAX_OSC, &n))
                return CLI_USAGE;
            cfg.n_osc = (int)n, fields[F_OSC].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--coupling", &v))) {
            if (r < 0 || cli_double("--coupling", v, 0, 1e4, &cfg.w_mhz))
                return CLI_USAGE;
            fields[F_COUPLING].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--amp", &v))) {
            if (r < 0 || parse_list("--amp", v, 1, NCM_VOWEL_MAX_IN, 1e-6, 1e4, list, &nl))
                return CLI_USAGE;
            for (int k = 0; k < nl; k++)
                cfg.amp_mhz[k] = list[k];
            fields[F_AMP].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--band", &v))) {
            if (r < 0 || parse_list("--band", v, 2, 2, 1e-3, 1e6, list, &nl))
                return CLI_USAGE;
            if (!(list[0] < list[1])) {
                cli_error("--band %s: expected LO < HI", v);
                return CLI_USAGE;
            }
            cfg.band_lo_mhz = list[0], cfg.band_hi_mhz = list[1], fields[F_BAND].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--currents", &v))) {
            if (r < 0 || parse_list("--currents", v, 2, 2, 0, 1000, list, &nl))
                return CLI_USAGE;
            if (!(list[0] < list[1])) {
                cli_error("--currents %s: expected LO < HI", v);
                return CLI_USAGE;
            }
            cfg.i_min_ma = list[0], cfg.i_max_ma = list[1], fields[F_CURRENTS].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--epochs", &v))) {
            if (r < 0 || cli_long("--epochs", v, 0, 10000, &n))
                return CLI_USAGE;
            cfg.epochs = (int)n, fields[F_EPOCHS].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--lr", &v))) {
            if (r < 0 || cli_double("--lr", v, 0, 1, &cfg.lr))
                return CLI_USAGE;
            if (cfg.lr <= 0) {
                cli_error("--lr %s: expected a rate in (0, 1]", v);
                return CLI_USAGE;
            }
            fields[F_LR].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--push", &v))) {
            if (r < 0 || cli_double("--push", v, 0, 1000, &cfg.push_mhz))
                return CLI_USAGE;
            fields[F_PUSH].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--window", &v))) {
            if (r < 0 || cli_double("--window", v, 0, 1e6, &x))
                return CLI_USAGE;
            if (x <= 0) {
                cli_error("--window %s: expected a window in (0, 1e6] ns", v);
                return CLI_USAGE;
            }
            cfg.t_window_ns = x, fields[F_WINDOW].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--transient", &v))) {
            if (r < 0 || cli_double("--transient", v, 0, 1e6, &cfg.t_transient_ns))
                return CLI_USAGE;
            fields[F_TRANSIENT].given = v;
        } else if ((r = cli_opt(argc, argv, &i, "--temperature", &v))) {
            if (r < 0 || cli_double("--temperature", v, 0, 1e5, &temperature))
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--chip-seed", &v))) {
            if (r < 0 || cli_long("--chip-seed", v, 0, LONG_MAX, &n))
                return CLI_USAGE;
            cfg.chip_seed = (uint64_t)n;
        } else if ((r = cli_opt(argc, argv, &i, "--noise-seed", &v))) {
            if (r < 0 || cli_long("--noise-seed", v, 0, LONG_MAX, &n))
                return CLI_USAGE;
            cfg.noise_seed = (uint64_t)n;
        } else if ((r = cli_opt(argc, argv, &i, "--device", &v))) {
            if (r < 0)
                return CLI_USAGE;
            device = fields[F_DEVICE].given = v;
        } else if (!sweep && (r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0)
                return CLI_USAGE;
            out = v;
        } else if (!sweep && (r = cli_opt(argc, argv, &i, "--map", &v))) {
            if (r < 0)
                return CLI_USAGE;
            map = v;
        } else if (!sweep && (r = cli_opt(argc, argv, &i, "--curve", &v))) {
            if (r < 0)
                return CLI_USAGE;
            curve = v;
        } else if (!sweep && (r = cli_opt(argc, argv, &i, "--checkpoint", &v))) {
            if (r < 0)
                return CLI_USAGE;
            ckpt = v;
        } else if (!sweep && cli_flag(argv, i, "--resume")) {
            resume = 1;
        } else {
            return cli_unknown(sweep ? "vowels sweep" : "vowels train", argv[i]);
        }
    }
    int rc = data_opts_check(&d);
    if (rc)
        return rc;
    if (!ckpt && out) { /* the checkpoint: given, or beside the result */
        if (snprintf(ckpt_buf, sizeof ckpt_buf, "%s.ckpt", out) >= (int)sizeof ckpt_buf) {
            cli_error("-o %s: path too long for its checkpoint", out);
            return CLI_USAGE;
        }
        ckpt = ckpt_buf;
    }
    if (resume && !ckpt) {
        cli_error("--resume needs a checkpoint (-o FILE or --checkpoint PATH)");
        return CLI_USAGE;
    }
    if (!resume && (rc = cli_check_output("--checkpoint", ckpt, 0)))
        return rc;
    /* the selection: the library's parsers name the item; the option is named here */
    ncm_error err = {0};
    if (groups_s && ncm_vowel_parse_groups(groups_s, &sel, &err)) {
        cli_error("--groups: %s", err.msg);
        return CLI_USAGE;
    }
    if (vowels_s && ncm_vowel_parse_vowels(vowels_s, &sel, &err)) {
        cli_error("--vowels: %s", err.msg);
        return CLI_USAGE;
    }
    if (formants_s && ncm_vowel_parse_formants(formants_s, &sel, &err)) {
        cli_error("--formants: %s", err.msg);
        return CLI_USAGE;
    }
    if (ncm_vowel_select_check(&sel, &err)) {
        static const cli_field sel_fields[] = {
            {"groups", "--groups"},   {"vowels", "--vowels"},       {"formants", "--formants"},
            {"n_vowels", "--vowels"}, {"n_formants", "--formants"}, {NULL, NULL}};
        return cli_lib_error(&err, sel_fields);
    }
    /* the configuration: the device, then every field checked before any work */
    if (device) {
        if (ncm_stno_load(device, &cfg.device, &err)) {
            cli_error("--device %s", err.msg);
            return CLI_FAIL;
        }
    }
    if (temperature >= 0)
        cfg.device.temperature_k = temperature;
    cfg.design_seed = cfg.shuffle_seed = (uint64_t)d.seed;
    if (ncm_vowel_config_check(&cfg, &err))
        return config_error(&err, fields);
    const int64_t patterns = ncm_vowel_pattern_count(cfg.n_osc, sel.n_formants);
    if (sel.n_vowels > patterns) {
        cli_error("--osc %d with --vowels %s: %d classes but %d oscillator%s and %d input%s have "
                  "only %lld patterns (use more oscillators or fewer vowels)",
                  cfg.n_osc, vowels_s ? vowels_s : "(default)", sel.n_vowels, cfg.n_osc,
                  cfg.n_osc == 1 ? "" : "s", sel.n_formants, sel.n_formants == 1 ? "" : "s",
                  (long long)patterns);
        return CLI_USAGE;
    }
    if (map && sel.n_formants < 2) {
        cli_error("--map %s: the map is drawn over two formants; --formants %s has one", map,
                  formants_s);
        return CLI_USAGE;
    }
    if (curve && cfg.epochs == 0) {
        cli_error("--curve %s: --epochs 0 has no learning curve", curve);
        return CLI_USAGE;
    }
    if (map && cli_plot_check_path(map, &err)) {
        cli_error("--map %s", err.msg);
        return CLI_USAGE;
    }
    if (curve && cli_plot_check_path(curve, &err)) {
        cli_error("--curve %s", err.msg);
        return CLI_USAGE;
    }
    const cli_path ins[] = {{"--data", d.data}, {"--device", device}};
    const cli_path outs[] = {
        {"-o", out}, {"--map", map}, {"--curve", curve}, {"--csv", csv}, {"--checkpoint", ckpt}};
    if ((rc = cli_check_output("-o", out, 0)) || (rc = cli_check_output("--map", map, 1)) ||
        (rc = cli_check_output("--curve", curve, 1)) || (rc = cli_check_output("--csv", csv, 0)) ||
        (rc = cli_check_paths(ins, 2, outs, 5)) ||
        (rc = cli_keep_output("--checkpoint", ckpt))) /* for --resume after a kill */
        return rc;

    double *sw_values = NULL;
    int sw_n = 0;
    if (sweep) {
        if (!sw_list) {
            cli_error("vowels sweep: needs --temperature-list LIST or --spread-list LIST");
            return CLI_USAGE;
        }
        if (cli_range(sw_opt, sw_list, 0, sw_kind == NCM_VOWEL_SWEEP_TEMPERATURE ? 1e4 : 100,
                      &sw_values, &sw_n)) {
            free(sw_values);
            return CLI_USAGE;
        }
        if (sw_n > 1000) {
            cli_error("%s %s: %d values, at most 1000", sw_opt, sw_list, sw_n);
            free(sw_values);
            return CLI_USAGE;
        }
        if (temperature >= 0 && sw_kind == NCM_VOWEL_SWEEP_TEMPERATURE) {
            cli_error("--temperature with --temperature-list: give one of them");
            free(sw_values);
            return CLI_USAGE;
        }
    }
    /* the data */
    ncm_vowel_set *all = data_build(&d, &sel, &rc), *train = NULL, *test = NULL;
    ncm_vowel_study *s = NULL;
    vowel_map vm = {.pred = NULL};
    if (!all) {
        free(sw_values);
        return rc;
    }
    if ((rc = data_split(&d, all, &train, &test)))
        goto done;
    rc = CLI_FAIL;
    if (!d.quiet) {
        if (d.data)
            printf("data: %s: %lld tokens of %d speakers", d.data, (long long)all->n,
                   all->n_speakers);
        else
            printf("data: synthetic (no --data file): %ld speakers per group drawn from the "
                   "published statistics of Hillenbrand et al. (1995), seed %ld; %lld tokens",
                   d.speakers, d.data_seed, (long long)all->n);
        if (all->dropped)
            printf(" (%lld dropped: a selected formant not measured)", (long long)all->dropped);
        printf("\n");
    }

    cli_bar bar;
    cli_bar_start(&bar, d.quiet);
    if (sweep) { /* the robustness sweep: its table, then its CSV */
        ncm_vowel_sweep *sw = ncm_vowel_sweep_new(&cfg, train, test, sw_kind, sw_values, sw_n,
                                                  (int)d.threads, &bar.progress, &err);
        cli_bar_finish(&bar);
        if (!sw) {
            rc = config_error(&err, fields);
            goto done;
        }
        int ok = 1;
        if (d.quiet)
            for (int p = 0; p < sw->n; p++)
                printf("%.2f\n", 100.0 * sw->test_accuracy[p]);
        else if (ncm_vowel_sweep_print(sw, stdout, &err))
            cli_error("%s", err.msg), ok = 0;
        ok = ok && stdout_ok(); /* a table that cannot be printed leaves no CSV behind */
        if (ok && csv && ncm_vowel_sweep_save_csv(sw, csv, &err))
            cli_error("--csv %s", err.msg), ok = 0;
        if (ok && !d.quiet && csv)
            printf("table %s\n", csv);
        if (ok && !stdout_ok())
            ok = 0;
        rc = ok ? 0 : CLI_FAIL;
        ncm_vowel_sweep_free(sw);
        goto done;
    }

    /* the study, then the map (both before anything is written) */
    s = ncm_vowel_study_new_checkpointed(&cfg, train, test, NULL, (int)d.threads, ckpt, resume,
                                         &bar.progress, &err);
    if (s && map) {
        cli_bar_draw(&bar, "vowel map", 0, 1); /* the map reports no progress: a 0 % bar */
        if (map_compute(&s->net->model, all, (int)d.threads, &vm, &err)) {
            cli_bar_finish(&bar);
            cli_error("--map %s: %s", map, err.msg);
            goto done;
        }
    }
    cli_bar_finish(&bar);
    if (!s) {
        if (strstr(err.msg, "training token")) { /* a baseline needs more tokens per class */
            cli_error("%d training speaker%s (--speakers, --train-frac): %s", train->n_speakers,
                      train->n_speakers == 1 ? "" : "s", err.msg);
            rc = CLI_USAGE;
        } else {
            rc = config_error(&err, fields);
        }
        goto done;
    }

    /* the report first: a standard output that cannot be written leaves no file behind */
    if (d.quiet)
        printf("%.2f\n", 100.0 * s->net->test.accuracy);
    else if (ncm_vowel_study_print(s, stdout, &err)) {
        cli_error("%s", err.msg);
        goto done;
    }
    if (!stdout_ok())
        goto done;

    /* the files: the result, then the figures; a failure takes back those written */
    if (out && ncm_vowel_study_save_json(s, out, &err)) {
        cli_error("-o %s", err.msg);
        goto done;
    }
    if (map && map_plot(map, &vm, s, test, &err)) {
        cli_error("--map %s", err.msg);
        goto done;
    }
    if (curve && curve_plot(curve, s->net, &err)) {
        cli_error("--curve %s", err.msg);
        goto done;
    }
    if (!d.quiet) {
        if (out)
            printf("result %s\n", out);
        if (map)
            printf("figure %s\n", map);
        if (curve)
            printf("figure %s\n", curve);
        if (!stdout_ok())
            goto done;
    }
    if (ckpt) { /* the results are written: the checkpoint has served */
        struct stat st;
        if (lstat(ckpt, &st) == 0 && S_ISREG(st.st_mode))
            remove(ckpt);
    }
    rc = 0;
done:
    free(sw_values);
    free(vm.pred);
    ncm_vowel_study_free(s);
    ncm_vowel_set_free(train);
    ncm_vowel_set_free(test);
    ncm_vowel_set_free(all);
    return rc;
}

/* ---- vowels eval ----------------------------------------------------------------------------- */

static const char *EVAL_USAGE =
    "usage: nanocim vowels eval RESULT.json [options]\n"
    "Scores a trained network (the result file of vowels train, or a model file) on the data:\n"
    "the model's selection (groups, vowels, formants), split by speaker as in training.\n"
    "  --data FILE        Hillenbrand's vowdata.dat (default: the synthetic generator)\n"
    "  --speakers N       synthetic speakers per group, 1..10000 (default 48)\n"
    "  --data-seed S      seed of the synthetic data (default 1)\n"
    "  --seed S           split seed (default 1)\n"
    "  --train-frac F     fraction of speakers that train, in (0, 1) (default 0.5)\n"
    "  --split SIDE       test, train or all (default test)\n"
    "  --threads T        OpenMP threads, >= 1, at most the processors (default: OpenMP's)\n"
    "  --json FILE        the score (JSON: accuracy, correct, undecided, n, confusion)\n"
    "  -q                 quiet: prints only the accuracy, %\n";

static int cmd_vowels_eval(int argc, char **argv)
{
    data_opts d;
    data_default(&d);
    const char *model_path = NULL, *split = "test", *json = NULL, *v;
    int r;
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(EVAL_USAGE, stdout);
            return 0;
        }
        if ((r = parse_data_opt(argc, argv, &i, &d))) {
            if (r < 0)
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--split", &v))) {
            if (r < 0)
                return CLI_USAGE;
            if (strcmp(v, "test") && strcmp(v, "train") && strcmp(v, "all")) {
                cli_error("--split %s: expected test, train or all", v);
                return CLI_USAGE;
            }
            split = v;
        } else if ((r = cli_opt(argc, argv, &i, "--json", &v))) {
            if (r < 0)
                return CLI_USAGE;
            json = v;
        } else if (argv[i][0] != '-' && !model_path) {
            model_path = argv[i];
        } else {
            return cli_unknown("vowels eval", argv[i]);
        }
    }
    if (!model_path) {
        cli_error("vowels eval: needs a RESULT.json file (from nanocim vowels train -o)");
        return CLI_USAGE;
    }
    int rc = data_opts_check(&d);
    const cli_path ins[] = {{"RESULT.json", model_path}, {"--data", d.data}};
    const cli_path outs[] = {{"--json", json}};
    if (rc || (rc = cli_check_output("--json", json, 0)) || (rc = cli_check_paths(ins, 2, outs, 1)))
        return rc;
    ncm_error err = {0};
    ncm_vowel_model m;
    if (ncm_vowel_model_load(model_path, &m, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    ncm_vowel_set *all = data_build(&d, &m.select, &rc), *train = NULL, *test = NULL;
    if (!all)
        return rc;
    const ncm_vowel_set *set = all;
    int64_t *count = NULL;
    if (strcmp(split, "all")) {
        if ((rc = data_split(&d, all, &train, &test)))
            goto done;
        set = strcmp(split, "train") ? test : train;
    }
    rc = CLI_FAIL;
    ncm_vowel_score sc;
    if (ncm_vowel_eval(&m, set, (int)d.threads, NULL, &sc, &err)) {
        cli_error("%s: %s", model_path, err.msg);
        goto done;
    }
    if (d.quiet) {
        printf("%.2f\n", 100.0 * sc.accuracy);
    } else {
        char vowels[64], formants[32], groups[48];
        select_text(&m.select, vowels, sizeof vowels, formants, sizeof formants, groups,
                    sizeof groups);
        printf("model %s: %d oscillators, %d classes (%s), %s; %s\n", model_path, m.n_osc,
               m.n_classes, vowels, formants, groups);
        printf("data %s: %lld tokens of %d speakers\n", set->source, (long long)set->n,
               set->n_speakers);
        printf("accuracy %.2f %% (%lld of %lld tokens), undecided %lld\n", 100.0 * sc.accuracy,
               (long long)sc.correct, (long long)sc.n, (long long)sc.undecided);
        /* the confusion matrix, with a column of the undecided tokens of each class */
        count = calloc((size_t)m.n_classes, sizeof *count);
        if (!count) {
            cli_error("out of memory");
            goto done;
        }
        for (int64_t t = 0; t < set->n; t++)
            count[set->label[t]]++;
        printf("confusion (rows: true vowel, columns: predicted; ?: undecided)\n   ");
        for (int p = 0; p < m.n_classes; p++)
            printf(" %5s", ncm_vowel_code(m.select.vowels[p]));
        printf(" %5s\n", "?");
        for (int t = 0; t < m.n_classes; t++) {
            int64_t row = 0;
            printf("%3s", ncm_vowel_code(m.select.vowels[t]));
            for (int p = 0; p < m.n_classes; p++) {
                row += sc.confusion[t * m.n_classes + p];
                printf(" %5lld", (long long)sc.confusion[t * m.n_classes + p]);
            }
            printf(" %5lld\n", (long long)(count[t] - row));
        }
    }
    if (!stdout_ok())
        goto done;
    if (json && ncm_vowel_score_save_json(&sc, &m, model_path, set->source, split, json, &err)) {
        cli_error("--json %s", err.msg);
        goto done;
    }
    rc = 0;
done:
    free(count);
    ncm_vowel_set_free(train);
    ncm_vowel_set_free(test);
    ncm_vowel_set_free(all);
    return rc;
}

/* ---- the command ----------------------------------------------------------------------------- */

static const char *VOWELS_USAGE =
    "usage: nanocim vowels train|eval|sweep [options]   (nanocim vowels train --help, ...)\n"
    "  train   train the oscillator network on vowel formants, beside its ablations and\n"
    "          software baselines; the result file, the synchronization map, the learning curve\n"
    "  eval    score a trained network (a result file) on the data\n"
    "  sweep   accuracy against temperature or device spread (the network retrained at each)\n";

int cmd_vowels(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(VOWELS_USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    if (!strcmp(argv[1], "train"))
        return cmd_vowels_train_or_sweep(argc - 1, argv + 1, 0);
    if (!strcmp(argv[1], "sweep"))
        return cmd_vowels_train_or_sweep(argc - 1, argv + 1, 1);
    if (!strcmp(argv[1], "eval"))
        return cmd_vowels_eval(argc - 1, argv + 1);
    cli_error("vowels: unknown subcommand '%s' (expected train, eval or sweep)", argv[1]);
    return CLI_USAGE;
}
