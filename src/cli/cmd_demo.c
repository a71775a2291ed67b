/* `nanocim demo`: the embedded default, end to end, in about a minute: a binarized MLP trained
 * on Fashion-MNIST, folded into popcount-and-threshold neurons, its test accuracy printed; then
 * the bit error rates and programming energies of the RRAM cells that would store it. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nanocim/config.h"
#include "nanocim/rram.h"
#include "nanocim/storage.h"

static const char *USAGE =
    "usage: nanocim demo [--part bnn|rram|stno] [--threads N] [-q]\n"
    "  All parts by default: a BNN on Fashion-MNIST, RRAM storage cells, a spin-torque oscillator.\n";

/* Part 2: the storage cells of the chip at a weak and a strong programming condition. */
static int demo_rram(int threads)
{
    ncm_rram_params p;
    ncm_rram_default(&p);
    const double icc[] = {20.0, 100.0};
    ncm_rram_sweep g;
    ncm_rram_sweep_default(&g); /* reference V_reset and t_p, fresh devices, the three cells */
    g.i_cc_ua = icc, g.n_icc = 2;
    g.reads = 2000000;
    g.threads = threads;
    ncm_error err;
    ncm_rram_ber_table *t = ncm_rram_ber_sweep(&p, &g, NULL, &err);
    if (!t)
        return cli_lib_error(&err, NULL);
    printf("\nHfO2 RRAM storage (built-in technology; V_reset %g V, %g ns pulses, fresh devices):\n"
           "%-20s %8s %12s %12s %22s %12s %8s\n",
           p.v_reset_ref_v, p.t_p_ref_ns, "cell", "I_cc_uA", "BER", "BER (MC)", "MC 95% interval",
           "E_prog/bit", "dev/bit");
    for (int64_t i = 0; i < t->n_rows; i++) {
        const ncm_rram_ber_row *r = &t->rows[i];
        printf("%-20s %8g %12.3e %12.3e [%9.2e, %9.2e] %9.1f pJ %8.3g\n", t->cells[r->cell].name,
               r->i_cc_ua, r->ev.ber, r->ev.ber_mc, r->ev.ci95_lo, r->ev.ci95_hi,
               r->ev.e_program_bit_pj, r->ev.devices_per_bit);
    }
    ncm_rram_ber_table_free(t);
    printf("(weak programming, %g uA, saves energy but errs more; the 2T2R cell, read by a\n"
           "sense amplifier without ECC, errs less than 1T1R with SECDED at the same condition.\n"
           "Sweeps: nanocim rram ber --help)\n",
           icc[0]);
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    ncm_train_job cfg;
    ncm_train_job_default(&cfg);
    int quiet = 0, threads = 0;
    cfg.data = "fashion-mnist";
    cfg.arch = "mlp:1024,1024";
    cfg.opts.epochs = 5;
    cfg.opts.lr = 5e-3f;
    cfg.opts.lr_end = 5e-4f;
    const char *part = NULL; /* NULL: every part */
    for (int i = 1; i < argc; i++) {
        const char *v;
        long n;
        int r;
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--part", &v))) {
            if (r < 0)
                return CLI_USAGE;
            if (strcmp(v, "bnn") && strcmp(v, "rram") && strcmp(v, "stno")) {
                cli_error("--part %s: expected bnn, rram or stno", v);
                return CLI_USAGE;
            }
            part = v;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_long("--threads", v, 1, 1024, &n))
                return CLI_USAGE;
            threads = (int)n;
        } else {
            return cli_unknown("demo", argv[i]);
        }
    }
    ncm_set_threads(threads);
    int rc = 0;
    if (!part || !strcmp(part, "bnn")) {
        printf("nanocim demo: a binarized neural network (BinaryNet) on Fashion-MNIST, folded into\n"
               "popcount(XNOR(x, w)) >= T neurons as an in-memory chip computes them.\n");
        double acc;
        rc = cli_run_training(&cfg, quiet, &acc);
        if (rc == 0)
            printf("demo: BNN %s, %d epochs: test accuracy %.2f %% (full run: nanocim train "
                   "--arch mlp:1024,1024 --epochs 15 reaches 89.4 %%, median of 3 seeds)\n",
                   cfg.arch, cfg.opts.epochs, 100.0 * acc);
    }
    if (rc == 0 && (!part || !strcmp(part, "rram")))
        rc = demo_rram(threads);
    if (rc == 0 && (!part || !strcmp(part, "stno")))
        rc = stno_demo();
    return rc;
}
