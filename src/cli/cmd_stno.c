/* `nanocim stno`: spin-torque nano-oscillators.
 *   stno run    time traces of N coupled oscillators driven by microwave inputs, with their
 *               observables (frequency, power, linewidth, locking to each input); CSV, JSON, figure
 *   stno lock   locking map over a grid of input frequencies and amplitudes: the Arnold tongue of
 *               each oscillator, simulated beside the analytic one; CSV, JSON, figure
 * The shared helper stno_lock_sweep() also serves the demo. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/progress.h"
#include "cli/plot.h"
#include "nanocim/config.h"
#include "util/io.h"
#include "util/json.h"
#include "nanocim/stno.h"

/* Common options of both subcommands. */
typedef struct {
    const char *device;
    int n_osc;
    double i_dc_ma;    /* 0: each device at 1.5 I_th */
    double w_mhz;      /* all-to-all coupling W_ij / 2 pi */
    double beta_rad;
    double t_ns, transient_ns, dt_ns;
    long seed;
    int spread;        /* 1: device-to-device spread */
    const char *out, *json, *plot;
    int quiet;
    double temperature_k; /* < 0: the device file's */
} stno_opts;

static int parse_common(int argc, char **argv, int *i, stno_opts *o)
{
    const char *v;
    long n;
    double x;
    int r;
    if (cli_flag(argv, *i, "-q"))
        return o->quiet = 1;
    if (cli_flag(argv, *i, "--spread"))
        return o->spread = 1;
    struct {
        const char *name;
        double lo, hi, *dst;
    } nums[] = {{"--i-dc", 0, 1000, &o->i_dc_ma},       {"--coupling", 0, 1e4, &o->w_mhz},
                {"--beta", -10, 10, &o->beta_rad},      {"--t-ns", 1e-3, 1e9, &o->t_ns},
                {"--transient-ns", 0, 1e9, &o->transient_ns}, {"--dt-ns", -1e9, 1e9, &o->dt_ns},
                {"--temperature", 0, 1e5, &o->temperature_k}};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++)
        if ((r = cli_opt(argc, argv, i, nums[k].name, &v))) {
            if (r < 0 || cli_double(nums[k].name, v, nums[k].lo, nums[k].hi, &x))
                return -1;
            *nums[k].dst = x;
            return 1;
        }
    struct {
        const char *name;
        const char **dst;
    } strs[] = {{"--device", &o->device}, {"-o", &o->out}, {"--json", &o->json}, {"--plot", &o->plot}};
    for (size_t k = 0; k < sizeof strs / sizeof *strs; k++)
        if ((r = cli_opt(argc, argv, i, strs[k].name, &v))) {
            if (r < 0)
                return -1;
            *strs[k].dst = v;
            return 1;
        }
    if ((r = cli_opt(argc, argv, i, "--n", &v))) {
        if (r < 0 || cli_long("--n", v, 1, 1024, &n))
            return -1;
        o->n_osc = (int)n;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--seed", &v))) {
        if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &o->seed))
            return -1;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--threads", &v))) {
        if (r < 0 || cli_long("--threads", v, 1, 1024, &n))
            return -1;
        ncm_set_threads((int)n);
        return 1;
    }
    return 0;
}

static const char *COMMON_HELP =
    "  --device FILE     oscillator device file (JSON; default: built-in vortex oscillator)\n"
    "  --n N             oscillators (default 1)   --spread   device-to-device spread\n"
    "  --i-dc MA         DC current of every oscillator, mA (default 1.5 I_th)\n"
    "  --coupling W      all-to-all coupling W / 2 pi, MHz (default 0)   --beta RAD  its phase\n"
    "  --t-ns T          read-out window, ns (20000)  --transient-ns T  discarded first (2000)\n"
    "  --dt-ns DT        step, ns (default: 0.5 of the largest stable step)\n"
    "  --temperature K   override the device's temperature (0: no thermal noise)\n"
    "  --seed N          thermal noise seed       --threads N      -q quiet\n";

/* Network of o->n_osc devices (spread or identical) at their DC currents. */
static ncm_status make_net(const stno_opts *o, ncm_stno_net *net, ncm_stno_params *mean,
                           ncm_error *err)
{
    ncm_status s = o->device ? ncm_stno_load(o->device, mean, err) : (ncm_stno_default(mean), 0);
    if (s)
        return s;
    if (o->temperature_k >= 0)
        mean->temperature_k = o->temperature_k;
    ncm_stno_params *dev = malloc(sizeof *dev * (size_t)o->n_osc);
    double *i_dc = malloc(sizeof(double) * (size_t)o->n_osc);
    double *w = calloc((size_t)o->n_osc * o->n_osc, sizeof(double));
    if (!dev || !i_dc || !w) {
        free(dev), free(i_dc), free(w);
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    }
    if (o->spread)
        s = ncm_stno_spread(mean, o->n_osc, (uint64_t)o->seed, dev, err);
    else
        for (int i = 0; i < o->n_osc; i++)
            dev[i] = *mean;
    for (int i = 0; !s && i < o->n_osc; i++)
        i_dc[i] = o->i_dc_ma > 0 ? o->i_dc_ma : 1.5 * dev[i].i_th_ma;
    for (int i = 0; i < o->n_osc; i++)
        for (int j = 0; j < o->n_osc; j++)
            w[i * o->n_osc + j] = i == j ? 0.0 : o->w_mhz;
    if (!s)
        s = ncm_stno_net_init(net, o->n_osc, dev, o->n_osc, i_dc, err);
    if (!s && (s = ncm_stno_net_set_coupling(net, o->n_osc, o->n_osc, w, o->beta_rad, err)))
        ncm_stno_net_free(net);
    free(dev), free(i_dc), free(w);
    return s;
}

/* The simulation settings: the step defaults to half the largest stable one. */
static ncm_status make_sim(const stno_opts *o, const ncm_stno_net *net, const ncm_stno_batch *b,
                           ncm_stno_sim *sim, ncm_error *err)
{
    memset(sim, 0, sizeof *sim);
    sim->t_transient_ns = o->transient_ns;
    sim->t_window_ns = o->t_ns;
    sim->seed = (uint64_t)o->seed;
    ncm_status s = ncm_stno_auto_f_ref(net, b, &sim->f_ref_mhz, err);
    double dt_max;
    if (!s && !(s = ncm_stno_max_dt(net, b, sim->f_ref_mhz, &dt_max, err)))
        sim->dt_ns = o->dt_ns != 0.0 ? o->dt_ns : 0.5 * dt_max;
    return s;
}

/* ---- locking sweep (stno lock and the demo) ----------------------------------------------- */

typedef struct {
    int n_f, n_amp, n_osc;
    double *f, *amp;      /* grids */
    ncm_stno_obs obs;     /* run r = a * n_f + k: amplitude a, frequency k */
    double *lo, *hi;      /* analytic edges [n_osc * n_amp] (NaN if none) */
} lock_map;

static void lock_map_free(lock_map *m)
{
    ncm_stno_obs_free(&m->obs);
    free(m->lo), free(m->hi);
}

static int stno_lock_sweep(const stno_opts *o, const double *f, int n_f, const double *amp, int n_amp,
                    lock_map *m, ncm_error *err)
{
    memset(m, 0, sizeof *m);
    ncm_stno_net net;
    ncm_stno_params mean;
    ncm_status s = make_net(o, &net, &mean, err);
    if (s)
        return s;
    const int runs = n_f * n_amp;
    double *fin = malloc(sizeof(double) * (size_t)runs), *ain = malloc(sizeof(double) * (size_t)runs);
    m->lo = malloc(sizeof(double) * (size_t)(o->n_osc * n_amp));
    m->hi = malloc(sizeof(double) * (size_t)(o->n_osc * n_amp));
    if (!fin || !ain || !m->lo || !m->hi) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int a = 0; a < n_amp; a++)
        for (int k = 0; k < n_f; k++)
            fin[a * n_f + k] = f[k], ain[a * n_f + k] = amp[a];
    for (int i = 0; i < o->n_osc; i++)
        for (int a = 0; a < n_amp; a++) {
            ncm_error quiet;
            if (ncm_stno_lock_edges(&net.dev[i], net.i_dc_ma[i], amp[a], &m->lo[i * n_amp + a],
                                    &m->hi[i * n_amp + a], &quiet))
                m->lo[i * n_amp + a] = m->hi[i * n_amp + a] = NAN;
        }
    ncm_stno_batch b = {runs, 1, fin, ain, NULL, NULL, NULL, NULL, NULL};
    ncm_stno_sim sim;
    if ((s = make_sim(o, &net, &b, &sim, err)) ||
        (s = ncm_stno_obs_alloc(&m->obs, runs, o->n_osc, 1, err)) ||
        (s = ncm_stno_run(&net, &b, &sim, &m->obs, NULL, err)))
        goto done;
    m->n_f = n_f, m->n_amp = n_amp, m->n_osc = o->n_osc;
done:
    free(fin), free(ain);
    ncm_stno_net_free(&net);
    if (s)
        lock_map_free(m);
    return s;
}

/* Measured locking range (lowest and highest locked input frequency) of oscillator i at
 * amplitude a; NaN when it never locks. */
static void measured_edges(const lock_map *m, const double *f, int i, int a, double *lo, double *hi)
{
    *lo = *hi = NAN;
    for (int k = 0; k < m->n_f; k++) {
        const int r = a * m->n_f + k;
        if (m->obs.in_locked[(r * m->n_osc + i)]) {
            if (isnan(*lo))
                *lo = f[k];
            *hi = f[k];
        }
    }
}

static const char *LOCK_USAGE_HEAD =
    "usage: nanocim stno lock [options]\n"
    "  Locking map: each oscillator driven by one input over a grid of input frequencies and\n"
    "  amplitudes; locked when its mean frequency is within the tolerance of the input's and\n"
    "  its phase does not slip over the window (docs/stno.md). Prints the measured locking\n"
    "  range beside the analytic one (Adler-type, sqrt(1 + nu^2) F / sqrt(p0)).\n"
    "  --f R             input frequencies, MHz (default: f_free -3..+3 MHz, 61 points)\n"
    "  --amp R           input amplitudes F / 2 pi, MHz (default 0.05:0.4:0.05)\n"
    "                    R: V, V1,V2,..., START:STOP:STEP or START:STOP:xFACTOR\n";

static int cmd_stno_lock(int argc, char **argv)
{
    stno_opts o = {NULL, 1, 0, 0, 0, 20000, 2000, 0, 1, 0, NULL, NULL, NULL, 0, -1};
    const char *f_s = NULL, *amp_s = "0.05:0.4:0.05", *v;
    int r;
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(LOCK_USAGE_HEAD, stdout);
            fputs(COMMON_HELP, stdout);
            return 0;
        }
        if ((r = parse_common(argc, argv, &i, &o))) {
            if (r < 0)
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--f", &v))) {
            if (r < 0)
                return CLI_USAGE;
            f_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--amp", &v))) {
            if (r < 0)
                return CLI_USAGE;
            amp_s = v;
        } else {
            return cli_unknown("stno lock", argv[i]);
        }
    }
    ncm_error err = {0};
    ncm_stno_params mean;
    if (o.device ? ncm_stno_load(o.device, &mean, &err) : (ncm_stno_default(&mean), 0)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    ncm_stno_op op;
    if (ncm_stno_operating_point(&mean, o.i_dc_ma > 0 ? o.i_dc_ma : 1.5 * mean.i_th_ma, &op,
                                 &err)) {
        cli_error("%s", err.msg);
        return CLI_USAGE;
    }
    char fbuf[96];
    snprintf(fbuf, sizeof fbuf, "%.6g:%.6g:0.1", op.f_mhz - 3.0, op.f_mhz + 3.0);
    double *f = NULL, *amp = NULL;
    int nf, na, rc = CLI_USAGE;
    lock_map m = {0};
    if (cli_range("--f", f_s ? f_s : fbuf, 1e-3, 1e6, &f, &nf) ||
        cli_range("--amp", amp_s, 0, 1e4, &amp, &na))
        goto out;
    rc = CLI_FAIL;
    const double t0 = ncm_now();
    if (stno_lock_sweep(&o, f, nf, amp, na, &m, &err)) {
        cli_error("%s", err.msg);
        goto out;
    }
    const double secs = ncm_now() - t0;
    if (!o.quiet) {
        printf("%d oscillator(s), %d x %d grid (%d runs of %g ns), %.3g s\n", o.n_osc, na, nf,
               na * nf, o.t_ns, secs);
        printf("%4s %10s %24s %24s %9s\n", "osc", "F_MHz", "measured range (MHz)",
               "analytic range (MHz)", "ratio");
        for (int i = 0; i < o.n_osc; i++)
            for (int a = 0; a < na; a++) {
                double lo, hi;
                measured_edges(&m, f, i, a, &lo, &hi);
                const double alo = m.lo[i * na + a], ahi = m.hi[i * na + a];
                printf("%4d %10.4g   [%9.4f, %9.4f]   [%9.4f, %9.4f] %9.3f\n", i, amp[a], lo, hi,
                       alo, ahi, (hi - lo) / (ahi - alo));
            }
    }
    if (o.out) {
        ncm_afile fl;
        if (ncm_afile_open(&fl, o.out, &err))
            goto fail;
        fprintf(fl.fp, "osc,amp_mhz,f_in_mhz,f_mean_mhz,p_mean,plv,slips,locked,analytic_lo_mhz,"
                       "analytic_hi_mhz\n");
        for (int a = 0; a < na; a++)
            for (int k = 0; k < nf; k++)
                for (int i = 0; i < o.n_osc; i++) {
                    const int run = a * nf + k, q = run * o.n_osc + i;
                    fprintf(fl.fp, "%d,%g,%.6f,%.6f,%.6g,%.4f,%d,%d,%.6f,%.6f\n", i, amp[a], f[k],
                            m.obs.f_mean_mhz[q], m.obs.p_mean[q], m.obs.in_plv[q],
                            m.obs.in_slips[q], m.obs.in_locked[q], m.lo[i * na + a],
                            m.hi[i * na + a]);
                }
        if (ncm_afile_commit(&fl, &err))
            goto fail;
    }
    if (o.json) {
        cJSON *j = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        cJSON_AddStringToObject(j, "command", "stno lock");
        cJSON_AddStringToObject(j, "producer", "nanocim " NCM_VERSION);
        cJSON_AddStringToObject(j, "device", o.device ? o.device : "built-in");
        cJSON_AddNumberToObject(j, "seed", (double)o.seed);
        cJSON_AddNumberToObject(j, "window_ns", o.t_ns);
        cJSON_AddNumberToObject(j, "seconds", secs);
        for (int i = 0; i < o.n_osc; i++)
            for (int a = 0; a < na; a++) {
                double lo, hi;
                measured_edges(&m, f, i, a, &lo, &hi);
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "osc", i);
                cJSON_AddNumberToObject(e, "amp_mhz", amp[a]);
                cJSON_AddItemToObject(e, "measured_lo_mhz", isfinite(lo) ? cJSON_CreateNumber(lo) : cJSON_CreateNull());
                cJSON_AddItemToObject(e, "measured_hi_mhz", isfinite(hi) ? cJSON_CreateNumber(hi) : cJSON_CreateNull());
                cJSON_AddNumberToObject(e, "analytic_lo_mhz", m.lo[i * na + a]);
                cJSON_AddNumberToObject(e, "analytic_hi_mhz", m.hi[i * na + a]);
                cJSON_AddItemToArray(arr, e);
            }
        cJSON_AddItemToObject(j, "tongues", arr);
        ncm_status s = ncm_json_write(o.json, j, &err);
        cJSON_Delete(j);
        if (s)
            goto fail;
    }
    if (o.plot) {
        /* The Arnold tongue of oscillator 0: measured and analytic edges against amplitude. */
        double *x = malloc(sizeof(double) * 4 * (size_t)na), *y = malloc(sizeof(double) * 4 * (size_t)na);
        for (int a = 0; x && y && a < na; a++) {
            measured_edges(&m, f, 0, a, &x[a], &x[na + a]);
            x[2 * na + a] = m.lo[a], x[3 * na + a] = m.hi[a];
            y[a] = y[na + a] = y[2 * na + a] = y[3 * na + a] = amp[a];
        }
        cli_series s[4] = {{"measured, low edge", x, y, na},
                           {"measured, high edge", x + na, y + na, na},
                           {"analytic, low edge", x + 2 * na, y + 2 * na, na},
                           {"analytic, high edge", x + 3 * na, y + 3 * na, na}};
        ncm_status st = x && y ? cli_plot(o.plot, "Arnold tongue: locking range vs input amplitude",
                                          "input frequency (MHz)", "input amplitude F/2pi (MHz)",
                                          0, 0, s, 4, &err)
                               : ncm_error_set(&err, NCM_ERR_NOMEM, "out of memory");
        free(x), free(y);
        if (st)
            goto fail;
        if (!o.quiet)
            printf("figure %s\n", o.plot);
    }
    rc = 0;
    goto out;
fail:
    cli_error("%s", err.msg);
out:
    lock_map_free(&m);
    free(f), free(amp);
    return rc;
}

static const char *RUN_USAGE_HEAD =
    "usage: nanocim stno run [options]\n"
    "  Time traces of the oscillators (power, phase, emitted microwave voltage) and their\n"
    "  observables over the window.\n"
    "  --in F:A[,F:A]    microwave inputs: frequency MHz : amplitude F/2pi MHz (default none)\n"
    "  --stride K        trace sample every K steps (default 8)\n";

static int cmd_stno_run(int argc, char **argv)
{
    stno_opts o = {NULL, 1, 0, 0, 0, 20000, 2000, 0, 1, 0, NULL, NULL, NULL, 0, -1};
    const char *in_s = NULL, *v;
    long stride = 8;
    int r;
    for (int i = 1; i < argc; i++) {
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(RUN_USAGE_HEAD, stdout);
            fputs(COMMON_HELP, stdout);
            return 0;
        }
        if ((r = parse_common(argc, argv, &i, &o))) {
            if (r < 0)
                return CLI_USAGE;
        } else if ((r = cli_opt(argc, argv, &i, "--in", &v))) {
            if (r < 0)
                return CLI_USAGE;
            in_s = v;
        } else if ((r = cli_opt(argc, argv, &i, "--stride", &v))) {
            if (r < 0 || cli_long("--stride", v, 1, 1000000, &stride))
                return CLI_USAGE;
        } else {
            return cli_unknown("stno run", argv[i]);
        }
    }
    double fin[8], ain[8];
    int n_in = 0;
    if (in_s) {
        char *copy = strdup(in_s), *save;
        for (char *tok = copy; tok; tok = save) {
            save = strchr(tok, ',');
            if (save)
                *save++ = '\0';
            char *end;
            double fv = strtod(tok, &end), av = NAN;
            if (*end == ':')
                av = strtod(end + 1, &end);
            if (n_in == 8 || *end || !(fv > 0) || !(av >= 0) || !isfinite(fv) || !isfinite(av)) {
                cli_error("--in %s: expected up to 8 inputs F:A (MHz, MHz), F > 0, A >= 0", in_s);
                free(copy);
                return CLI_USAGE;
            }
            fin[n_in] = fv, ain[n_in] = av, n_in++;
        }
        free(copy);
    }
    ncm_error err = {0};
    ncm_stno_net net;
    ncm_stno_params mean;
    ncm_stno_obs obs = {0};
    ncm_stno_trace tr = {0};
    int rc = CLI_FAIL;
    if (make_net(&o, &net, &mean, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    ncm_stno_batch b = {1, n_in, fin, ain, NULL, NULL, NULL, NULL, NULL};
    ncm_stno_sim sim;
    if (make_sim(&o, &net, &b, &sim, &err) || ncm_stno_obs_alloc(&obs, 1, o.n_osc, n_in, &err) ||
        ncm_stno_trace_alloc(&tr, 1, o.n_osc, &sim, (int)stride, &err) ||
        ncm_stno_run(&net, &b, &sim, &obs, &tr, &err))
        goto fail;
    if (!o.quiet) {
        printf("%d oscillator(s), step %.4g ns, frame %.6g MHz, window %g ns\n", o.n_osc, sim.dt_ns,
               obs.f_ref_mhz, obs.t_window_ns);
        for (int i = 0; i < o.n_osc; i++) {
            printf("osc %d: I_dc %.3g mA, f %.4f MHz, p %.4f, V_rf %.3g mV, linewidth %.3g MHz", i,
                   net.i_dc_ma[i], obs.f_mean_mhz[i], obs.p_mean[i], obs.v_rf_mv[i],
                   obs.linewidth_mhz[i]);
            for (int k = 0; k < n_in; k++)
                printf(", input %d: %s (slips %d)", k,
                       obs.in_locked[i * n_in + k] ? "locked" : "not locked",
                       obs.in_slips[i * n_in + k]);
            printf("\n");
        }
    }
    if (o.out) {
        ncm_afile fl;
        if (ncm_afile_open(&fl, o.out, &err))
            goto fail;
        fprintf(fl.fp, "t_ns");
        for (int i = 0; i < o.n_osc; i++)
            fprintf(fl.fp, ",p_%d,phase_%d,v_mv_%d", i, i, i);
        fprintf(fl.fp, "\n");
        for (int s = 0; s < tr.n_samples; s++) {
            fprintf(fl.fp, "%.4f", tr.t_ns[s]);
            for (int i = 0; i < o.n_osc; i++) {
                const int64_t q = (int64_t)s * o.n_osc + i;
                fprintf(fl.fp, ",%.6g,%.6g,%.6g", tr.p[q], tr.phase_rad[q], tr.v_mv[q]);
            }
            fprintf(fl.fp, "\n");
        }
        if (ncm_afile_commit(&fl, &err))
            goto fail;
    }
    if (o.plot) {
        cli_series s[16];
        char labels[16][32];
        double *y = malloc(sizeof(double) * (size_t)tr.n_samples * 16);
        int ns = o.n_osc < 16 ? o.n_osc : 16;
        for (int i = 0; y && i < ns; i++) {
            for (int k = 0; k < tr.n_samples; k++)
                y[(int64_t)i * tr.n_samples + k] = tr.p[(int64_t)k * o.n_osc + i];
            snprintf(labels[i], sizeof labels[0], "oscillator %d", i);
            s[i] = (cli_series){labels[i], tr.t_ns, y + (int64_t)i * tr.n_samples, tr.n_samples};
        }
        ncm_status st = y ? cli_plot(o.plot, "Oscillator power vs time", "t (ns)", "p = |c|^2", 0,
                                     0, s, ns, &err)
                          : ncm_error_set(&err, NCM_ERR_NOMEM, "out of memory");
        free(y);
        if (st)
            goto fail;
    }
    rc = 0;
    goto out;
fail:
    cli_error("%s", err.msg);
out:
    ncm_stno_obs_free(&obs);
    ncm_stno_trace_free(&tr);
    ncm_stno_net_free(&net);
    return rc;
}

/* The demo's part: one oscillator locking to an input and unlocking as it moves away. */
int stno_demo(void)
{
    stno_opts o = {NULL, 1, 0, 0, 0, 20000, 2000, 0, 1, 0, NULL, NULL, NULL, 1, 0.0};
    ncm_stno_params p;
    ncm_stno_default(&p);
    ncm_stno_op op;
    ncm_error err;
    const double amp = 0.1, i_dc = 1.5 * p.i_th_ma;
    double half, f[161];
    if (ncm_stno_operating_point(&p, i_dc, &op, &err) ||
        ncm_stno_lock_halfwidth(&p, i_dc, amp, &half, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    for (int k = 0; k < 161; k++) /* +-2 locking half-ranges, 0.025 half-range apart */
        f[k] = op.f_mhz - 2.0 * half + 4.0 * half * k / 160.0;
    lock_map m;
    if (stno_lock_sweep(&o, f, 161, &amp, 1, &m, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    printf("\nSpin-torque vortex oscillator (built-in device, %.3g mA, free-running %.3f MHz; "
           "noise off here, linewidth %.2f MHz at 300 K)\ndriven by a microwave input of amplitude "
           "F/2pi = %g MHz swept across its frequency:\n  input - f_free (MHz): ",
           i_dc, op.f_mhz, op.linewidth_mhz, amp);
    for (int k = 0; k < 161; k += 16)
        printf("%6.2f", f[k] - op.f_mhz);
    printf("\n  locked:               ");
    for (int k = 0; k < 161; k += 16)
        printf("%6s", m.obs.in_locked[k] ? "yes" : "no");
    double lo, hi;
    measured_edges(&m, f, 0, 0, &lo, &hi);
    printf("\n  locking range: measured %.3f MHz (grid %.4f MHz), analytic 2 sqrt(1 + nu^2) F / sqrt(p0) = %.3f "
           "MHz (nu = %.2f, p0 = %.3f)\n  (maps and Arnold tongues: nanocim stno lock --help)\n",
           hi - lo + 4.0 * half / 160.0, 4.0 * half / 160.0, 2.0 * half, op.nu, op.p0);
    lock_map_free(&m);
    return 0;
}

int cmd_stno(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs("usage: nanocim stno run|lock [options]   (nanocim stno lock --help, ...)\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    if (!strcmp(argv[1], "run"))
        return cmd_stno_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "lock"))
        return cmd_stno_lock(argc - 1, argv + 1);
    cli_error("stno: unknown subcommand '%s' (expected run or lock)", argv[1]);
    return CLI_USAGE;
}
