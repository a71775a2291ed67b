/* `nanocim stno`: spin-torque nano-oscillators, a thin front end over include/nanocim/stno.h.
 *   stno run    time traces of N coupled oscillators driven by microwave inputs, with their
 *               observables (frequency, power, linewidth, locking to each input); CSV, JSON, figure
 *   stno lock   locking map over a grid of input frequencies and amplitudes: the Arnold tongue of
 *               each oscillator, simulated beside the analytic one; CSV, JSON, figure
 * and the demo's oscillator part. The options fill the library's parameter sets
 * (ncm_stno_net_spec, ncm_stno_sim); the library builds the network, runs, computes the map and
 * writes the files; this file parses, prints and plots, and names its options in the messages of
 * the library's errors about the fields they set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plot.h"
#include "cli/progress_bar.h"
#include "nanocim/stno.h"

/* Common options of both subcommands, held as the library's parameter sets. */
typedef struct {
    const char *device;    /* --device FILE (NULL: the built-in device) */
    double temperature_k;  /* --temperature (< 0: the device file's) */
    ncm_stno_net_spec net; /* --n, --spread, --i-dc, --coupling, --beta, --seed; device loaded */
    ncm_stno_sim sim;      /* --t-ns, --transient-ns, --dt-ns (0: automatic), --seed */
    long stride;           /* stno run --stride */
    const char *out, *json, *plot;
    int quiet, threads;
} stno_opts;

static void opts_default(stno_opts *o)
{
    memset(o, 0, sizeof *o);
    o->temperature_k = -1.0;
    ncm_stno_net_spec_default(&o->net);
    ncm_stno_sim_default(&o->sim);
    o->stride = 8;
}

static int parse_common(int argc, char **argv, int *i, stno_opts *o)
{
    const char *v;
    long n;
    double x;
    int r;
    if (cli_flag(argv, *i, "-q"))
        return o->quiet = 1;
    if (cli_flag(argv, *i, "--spread"))
        return o->net.spread = 1;
    struct {
        const char *name;
        double lo, hi, *dst;
    } nums[] = {{"--i-dc", 0, 1000, &o->net.i_dc_ma},
                {"--coupling", 0, 1e4, &o->net.w_mhz},
                {"--beta", -10, 10, &o->net.beta_rad},
                {"--t-ns", 1e-3, 1e9, &o->sim.t_window_ns},
                {"--transient-ns", 0, 1e9, &o->sim.t_transient_ns},
                {"--dt-ns", -1e9, 1e9, &o->sim.dt_ns},
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
    } strs[] = {
        {"--device", &o->device}, {"-o", &o->out}, {"--json", &o->json}, {"--plot", &o->plot}};
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
        o->net.n_osc = (int)n;
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--seed", &v))) {
        if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &n))
            return -1;
        o->sim.seed = o->net.spread_seed = (uint64_t)n; /* the noise and the spread */
        return 1;
    }
    if ((r = cli_opt(argc, argv, i, "--threads", &v))) {
        if (r < 0 || cli_threads("--threads", v, 1, &n))
            return -1;
        o->threads = (int)n;
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
    "  --seed N          thermal noise seed       --threads N      -q quiet\n"
    "  -o FILE           CSV (lock: the map; run: the trace)   --json FILE  results (JSON)\n"
    "  --plot FILE       figure (lock: the tongue of oscillator 0; run: the powers)\n";

/* The device of the network: the file's or the built-in one, at --temperature if given. */
static ncm_status load_device(stno_opts *o, ncm_error *err)
{
    if (o->device) {
        ncm_status s = ncm_stno_load(o->device, &o->net.device, err);
        if (s)
            return s;
    } else {
        ncm_stno_default(&o->net.device);
    }
    if (o->temperature_k >= 0)
        o->net.device.temperature_k = o->temperature_k;
    return NCM_OK;
}

/* The output files can be written, none is the device file or another output: 0 or an exit
 * code (checked before the simulation). */
static int check_files(const stno_opts *o)
{
    const cli_path in[] = {{"--device", o->device}};
    const cli_path out[] = {{"-o", o->out}, {"--json", o->json}, {"--plot", o->plot}};
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++)
        rc = cli_check_output(out[k].option, out[k].path, k == 2);
    return rc ? rc : cli_check_paths(in, 1, out, 3);
}

/* Prints a library error; one about a field an option sets is prefixed with the option and its
 * value ("--dt-ns 100: dt_ns = 100 is too large: ..."). The step is named only when given (the
 * automatic one is always stable). */
static void stno_error(const stno_opts *o, const ncm_error *err)
{
    const struct {
        const char *field, *option;
        double value;
        int given;
    } map[] = {{"dt_ns", "--dt-ns", o->sim.dt_ns, o->sim.dt_ns != 0.0},
               {"t_window_ns", "--t-ns", o->sim.t_window_ns, 1},
               {"t_transient_ns", "--transient-ns", o->sim.t_transient_ns, 1},
               {"trace: stride", "--stride", (double)o->stride, 1}};
    if (strstr(err->msg, "diverged")) { /* the device's doing: name what set it */
        if (o->device)
            cli_error("--device %s: %s", o->device, err->msg);
        else
            cli_error("--temperature %g: %s", o->temperature_k, err->msg);
        return;
    }
    for (size_t k = 0; k < sizeof map / sizeof *map; k++) {
        const size_t len = strlen(map[k].field);
        if (map[k].given && !strncmp(err->msg, map[k].field, len) &&
            (err->msg[len] == ' ' || err->msg[len] == ':')) {
            cli_error("%s %g: %s", map[k].option, map[k].value, err->msg);
            return;
        }
    }
    cli_error("%s", err->msg);
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
    stno_opts o;
    opts_default(&o);
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
    if (load_device(&o, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    int frc = check_files(&o);
    if (frc)
        return frc;
    /* default frequency grid: f_free -3..+3 MHz of the (mean) device at its current */
    ncm_stno_op op;
    const double i_dc =
        o.net.i_dc_ma > 0 ? o.net.i_dc_ma : NCM_STNO_DEFAULT_Z * o.net.device.i_th_ma;
    if (ncm_stno_operating_point(&o.net.device, i_dc, &op, &err)) {
        cli_error("%s", err.msg);
        return CLI_USAGE;
    }
    char fbuf[96];
    snprintf(fbuf, sizeof fbuf, "%.6g:%.6g:0.1", op.f_mhz - 3.0, op.f_mhz + 3.0);
    double *f = NULL, *amp = NULL;
    int nf, na, rc = CLI_USAGE;
    ncm_stno_net *net = NULL;
    ncm_stno_lock_map *m = NULL;
    if (cli_range("--f", f_s ? f_s : fbuf, 1e-3, 1e6, &f, &nf) ||
        cli_range("--amp", amp_s, 0, 1e4, &amp, &na))
        goto out;
    rc = CLI_FAIL;
    if (!(net = ncm_stno_net_from_spec(&o.net, &err))) {
        cli_error("%s", err.msg);
        goto out;
    }
    cli_bar bar;
    cli_bar_start(&bar, o.quiet);
    m = ncm_stno_lock_map_new(net, f, nf, amp, na, &o.sim, o.threads, &bar.progress, &err);
    cli_bar_finish(&bar);
    if (!m) {
        if (!strncmp(err.msg, "locking map: n_f", 16)) { /* the grid: the options that make it */
            cli_error("--f %s with --amp %s: %s", f_s ? f_s : fbuf, amp_s, err.msg);
            rc = CLI_USAGE;
        } else if (!strncmp(err.msg, "observables:", 12)) {
            cli_error("--n %d over a grid of %d x %d (--f, --amp): %s", o.net.n_osc, nf, na,
                      err.msg);
            rc = CLI_USAGE;
        } else {
            stno_error(&o, &err);
        }
        goto out;
    }
    const int n_osc = m->n_osc;
    if (!o.quiet) {
        printf("%d oscillator(s), %d x %d grid (%d runs of %g ns), %.3g s\n", n_osc, na, nf,
               na * nf, o.sim.t_window_ns, m->seconds);
        printf("%4s %10s %24s %24s %9s\n", "osc", "F_MHz", "measured range (MHz)",
               "analytic range (MHz)", "ratio");
        for (int i = 0; i < n_osc; i++)
            for (int a = 0; a < na; a++) {
                const int e = i * na + a;
                const double lo = m->measured_lo_mhz[e], hi = m->measured_hi_mhz[e];
                const double alo = m->analytic_lo_mhz[e], ahi = m->analytic_hi_mhz[e];
                printf("%4d %10.4g   [%9.4f, %9.4f]   [%9.4f, %9.4f] %9.3f\n", i, amp[a], lo, hi,
                       alo, ahi, (hi - lo) / (ahi - alo));
            }
    }
    if (o.out && ncm_stno_lock_map_save_csv(m, o.out, &err))
        goto fail;
    if (o.json && ncm_stno_lock_map_save_json(m, o.json, &err))
        goto fail;
    if (o.plot) {
        /* The Arnold tongue of oscillator 0: measured and analytic edges against amplitude. */
        double *x = malloc(sizeof(double) * 4 * (size_t)na),
               *y = malloc(sizeof(double) * 4 * (size_t)na);
        for (int a = 0; x && y && a < na; a++) {
            x[a] = m->measured_lo_mhz[a], x[na + a] = m->measured_hi_mhz[a];
            x[2 * na + a] = m->analytic_lo_mhz[a], x[3 * na + a] = m->analytic_hi_mhz[a];
            y[a] = y[na + a] = y[2 * na + a] = y[3 * na + a] = amp[a];
        }
        cli_series s[4] = {{"measured, low edge", x, y, na},
                           {"measured, high edge", x + na, y + na, na},
                           {"analytic, low edge", x + 2 * na, y + 2 * na, na},
                           {"analytic, high edge", x + 3 * na, y + 3 * na, na}};
        ncm_status st = x && y ? cli_plot(o.plot, "Arnold tongue: locking range vs input amplitude",
                                          "input frequency (MHz)", "input amplitude F/2pi (MHz)", 0,
                                          0, s, 4, &err)
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
    ncm_stno_lock_map_free(m);
    ncm_stno_net_free(net);
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
    stno_opts o;
    opts_default(&o);
    const char *in_s = NULL, *stride_s = NULL, *v;
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
            if (r < 0 || cli_long("--stride", v, 1, 1000000, &o.stride))
                return CLI_USAGE;
            stride_s = v;
        } else {
            return cli_unknown("stno run", argv[i]);
        }
    }
    if (stride_s && !o.out && !o.plot) { /* an option that cannot be honoured is refused */
        cli_error("--stride %s: only with -o or --plot (the trace is kept only for them)",
                  stride_s);
        return CLI_USAGE;
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
    if (load_device(&o, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    int frc = check_files(&o);
    if (frc)
        return frc;
    ncm_stno_net *net = ncm_stno_net_from_spec(&o.net, &err);
    if (!net) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    const int n_osc = ncm_stno_net_n_osc(net);
    ncm_stno_obs *obs = NULL;
    ncm_stno_trace *tr = NULL;
    int rc = CLI_FAIL;
    ncm_stno_batch b = {.n_runs = 1, .n_in = n_in, .f_in_mhz = fin, .amp_mhz = ain};
    ncm_stno_sim sim = o.sim;
    cli_bar bar;
    cli_bar_start(&bar, o.quiet);
    ncm_status st = ncm_stno_sim_resolve(net, &b, &sim, &err);
    if (!st && !(obs = ncm_stno_obs_new(1, n_osc, n_in, &err)))
        st = err.code;
    /* the trace only for the files that show it (it may be large) */
    if (!st && (o.out || o.plot) && !(tr = ncm_stno_trace_new(1, n_osc, &sim, (int)o.stride, &err)))
        st = err.code;
    if (!st)
        st = ncm_stno_run(net, &b, &sim, obs, tr, o.threads, &bar.progress, &err);
    cli_bar_finish(&bar);
    if (st) {
        stno_error(&o, &err);
        goto out;
    }
    if (!o.quiet) {
        printf("%d oscillator(s), step %.4g ns, frame %.6g MHz, window %g ns\n", n_osc, sim.dt_ns,
               obs->f_ref_mhz, obs->t_window_ns);
        for (int i = 0; i < n_osc; i++) {
            printf("osc %d: I_dc %.3g mA, f %.4f MHz, p %.4f, V_rf %.3g mV, linewidth %.3g MHz", i,
                   ncm_stno_net_i_dc_ma(net, i), obs->f_mean_mhz[i], obs->p_mean[i],
                   obs->v_rf_mv[i], obs->linewidth_mhz[i]);
            for (int k = 0; k < n_in; k++)
                printf(", input %d: %s (slips %d)", k,
                       obs->in_locked[i * n_in + k] ? "locked" : "not locked",
                       obs->in_slips[i * n_in + k]);
            printf("\n");
        }
    }
    if (o.out && ncm_stno_trace_save_csv(tr, 0, o.out, &err))
        goto fail;
    if (o.json && ncm_stno_obs_save_json(obs, net, &b, &sim, o.json, &err))
        goto fail;
    if (o.plot) {
        cli_series s[16];
        char labels[16][32];
        double *y = malloc(sizeof(double) * (size_t)tr->n_samples * 16);
        int ns = n_osc < 16 ? n_osc : 16;
        for (int i = 0; y && i < ns; i++) {
            for (int k = 0; k < tr->n_samples; k++)
                y[(int64_t)i * tr->n_samples + k] = tr->p[(int64_t)k * n_osc + i];
            snprintf(labels[i], sizeof labels[0], "oscillator %d", i);
            s[i] = (cli_series){labels[i], tr->t_ns, y + (int64_t)i * tr->n_samples, tr->n_samples};
        }
        ncm_status pst = y ? cli_plot(o.plot, "Oscillator power vs time", "t (ns)", "p = |c|^2", 0,
                                      0, s, ns, &err)
                           : ncm_error_set(&err, NCM_ERR_NOMEM, "out of memory");
        free(y);
        if (pst)
            goto fail;
    }
    rc = 0;
    goto out;
fail:
    cli_error("%s", err.msg);
out:
    ncm_stno_obs_free(obs);
    ncm_stno_trace_free(tr);
    ncm_stno_net_free(net);
    return rc;
}

/* The demo's part: one oscillator locking to an input and unlocking as it moves away. */
int stno_demo(void)
{
    ncm_stno_net_spec spec;
    ncm_stno_net_spec_default(&spec); /* the built-in device at 1.5 I_th */
    ncm_stno_sim sim;
    ncm_stno_sim_default(&sim);
    const ncm_stno_params *p = &spec.device;
    ncm_stno_op op;
    ncm_error err;
    const double amp = 0.1, i_dc = NCM_STNO_DEFAULT_Z * p->i_th_ma;
    double half, f[161];
    if (ncm_stno_operating_point(p, i_dc, &op, &err) ||
        ncm_stno_lock_halfwidth(p, i_dc, amp, &half, &err)) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    for (int k = 0; k < 161; k++) /* +-2 locking half-ranges, 0.025 half-range apart */
        f[k] = op.f_mhz - 2.0 * half + 4.0 * half * k / 160.0;
    spec.device.temperature_k = 0.0; /* the linewidth above is at the device's temperature */
    ncm_stno_net *net = ncm_stno_net_from_spec(&spec, &err);
    ncm_stno_lock_map *m =
        net ? ncm_stno_lock_map_new(net, f, 161, &amp, 1, &sim, 0, NULL, &err) : NULL;
    ncm_stno_net_free(net);
    if (!m) {
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
        printf("%6s", m->locked[k] ? "yes" : "no");
    const double lo = m->measured_lo_mhz[0], hi = m->measured_hi_mhz[0];
    printf("\n  locking range: measured %.3f MHz (grid %.4f MHz), analytic 2 sqrt(1 + nu^2) F / "
           "sqrt(p0) = %.3f "
           "MHz (nu = %.2f, p0 = %.3f)\n  (maps and Arnold tongues: nanocim stno lock --help)\n",
           hi - lo + 4.0 * half / 160.0, 4.0 * half / 160.0, 2.0 * half, op.nu, op.p0);
    ncm_stno_lock_map_free(m);
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
