/* `nanocim demo`: the embedded default, end to end, in about a minute: a binarized MLP trained
 * on Fashion-MNIST, folded into popcount-and-threshold neurons, its test accuracy printed; the
 * model deployed on simulated chips of 2T2R and 1T1R (+SECDED) RRAM at a weak and a strong
 * programming condition; the bit error rates and programming energies of the cells; a
 * spin-torque oscillator. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress_bar.h"
#include "nanocim/config.h"
#include "nanocim/cost.h"
#include "nanocim/dataset.h"
#include "nanocim/rram.h"
#include "nanocim/storage.h"
#include "nanocim/sweep.h"
#include "nanocim/vowel.h"

static const char *USAGE =
    "usage: nanocim demo [--part bnn|chip|rram|stno|vowels] [--threads N] [-q]\n"
    "  All parts by default: a BNN on Fashion-MNIST, the BNN on simulated RRAM chips, RRAM\n"
    "  storage cells, a spin-torque oscillator, vowel recognition by four coupled oscillators\n"
    "  (the chip part trains the BNN first).\n";

/* Chips per point of the chip part. */
enum { DEMO_CHIPS = 5 };

/* Part 2: the trained model on chips of three storage options at a weak and a strong SET
 * compliance (device physics: every device drawn, every sense amplifier's offset), 5 chips
 * each, on the whole test set: one sweep of the library. */
static int demo_chip(const ncm_model *m, double error_free)
{
    ncm_error err = {0};
    ncm_dataset *test = ncm_dataset_load("fashion-mnist", 0, &err);
    if (!test)
        return cli_lib_error(&err, NULL);
    ncm_storage st[3];
    const char *ids[3] = {"2t2r", "1t1r", "1t1r-secded"};
    for (int k = 0; k < 3; k++)
        ncm_storage_parse(ids[k], &st[k], &err);
    const double icc[2] = {20.0, 100.0};
    ncm_sweep_params p;
    ncm_sweep_default(&p);
    p.models = &m;
    p.n_models = 1;
    p.base.mode = NCM_CHIP_DEVICES;
    p.axes[0] = (ncm_sweep_axis){.kind = NCM_AXIS_ICC, .n = 2, .values = icc};
    p.axes[1] = (ncm_sweep_axis){.kind = NCM_AXIS_STORAGE, .n = 3, .storages = st};
    p.n_axes = 2;
    p.n_chips = DEMO_CHIPS;
    cli_bar bar;
    cli_bar_start(&bar, 0);
    ncm_sweep_table *t = ncm_sweep_run(&p, test, NULL, &bar.progress, &err);
    cli_bar_finish(&bar);
    ncm_dataset_free(test);
    if (!t)
        return cli_lib_error(&err, NULL);
    const ncm_chip_map *mp = &t->points[0].map;
    printf("\nThe BNN on simulated chips (device physics, built-in HfO2 technology): %lld weights\n"
           "on %lld arrays of %d x %d cells, %d chips per condition, 10,000 test images each\n"
           "(error-free accuracy %.2f %%):\n"
           "%-20s %7s %18s %11s %12s %10s %9s %10s\n",
           (long long)mp->total.weights, (long long)mp->total.arrays, mp->rows, mp->cols,
           DEMO_CHIPS, 100 * error_free, "storage", "I_cc_uA", "accuracy %", "weight BER",
           "E_prog/bit", "devices", "decoders", "E_infer");
    for (int64_t i = 0; i < t->n_points; i++) {
        const ncm_sweep_point *P = &t->points[i];
        char name[64]; /* the words along a row of the arrays: (39,32) in rows of 32 cells */
        if (P->map.words_per_row)
            snprintf(name, sizeof name, "1T1R+SECDED(%d,%d)", P->map.code_n, P->map.code_k);
        else
            ncm_storage_name(&P->config.storage, name, sizeof name);
        printf("%-20s %7g %9.2f +- %5.2f %11.2e %9.1f pJ %10lld %9lld %7.0f nJ\n", name,
               P->config.cond.i_cc_ua, 100 * P->mean, 100 * P->sd, P->ber_measured,
               P->energy_bit_pj, (long long)P->map.total.devices, (long long)P->map.total.decoders,
               1e-3 * P->inference_energy_pj);
    }
    /* The same network on a processor, counted the same way (cost.h). */
    ncm_tech tech;
    ncm_tech_default(&tech);
    ncm_cost_study *cs = ncm_cost_study_new(m, &t->points[0].config, 1, &tech, &err);
    if (!cs) {
        ncm_sweep_table_free(t);
        return cli_lib_error(&err, NULL);
    }
    char e[4][24];
    for (int a = 0; a < 4; a++) {
        const double pj = cs->report[1 + a].total.total_pj;
        if (pj >= 1e9)
            snprintf(e[a], sizeof e[a], "%.3g mJ", 1e-9 * pj);
        else
            snprintf(e[a], sizeof e[a], "%.3g uJ", 1e-6 * pj);
    }
    printf("One inference on a processor (45 nm, Horowitz's energies): the BNN %s with its\n"
           "weights in SRAM, %s in DRAM; the float32 network %s (SRAM), %s (DRAM).\n"
           "(the breakdown: nanocim chip cost MODEL)\n",
           e[0], e[1], e[2], e[3]);
    ncm_cost_study_free(cs);
    printf("(static errors: each chip misreads the same weights on every inference; 2T2R needs\n"
           "no decoder. Sweeps over conditions, ages and fault rates: nanocim sweep --help)\n");
    ncm_sweep_table_free(t);
    return 0;
}

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

/* The vowel part: the 4-oscillator recognizer of Romera et al. (2018) on the synthetic formant
 * data (no file needed), beside its ablations and the software baselines. */
static int demo_vowels(int threads)
{
    ncm_error err;
    ncm_vowel_set *all = ncm_vowel_synthetic(NULL, 48, 1, &err), *train = NULL, *test = NULL;
    ncm_vowel_config c;
    ncm_vowel_config_default(&c);
    ncm_vowel_study *s = NULL;
    if (all && !ncm_vowel_split(all, 0.5, 1, &train, &test, &err))
        s = ncm_vowel_study_new(&c, train, test, NULL, threads, NULL, &err);
    int rc = 0;
    if (!s) {
        cli_error("%s", err.msg);
        rc = CLI_FAIL;
    } else {
        const ncm_vowel_training *t = s->net;
        printf("\nVowel recognition with %d coupled spin-torque oscillators (Romera et al., Nature "
               "2018), synthetic\nformants of 48 women (Hillenbrand et al. 1995 statistics), 7 "
               "vowels, F1 and F2 as two microwave\ninputs, speakers split in halves:\n",
               c.n_osc);
        printf("  oscillators, learned      train %5.1f %%  test %5.1f %%  (%.1f s, %.3g "
               "oscillator-steps/s)\n",
               100 * t->train.accuracy, 100 * t->test.accuracy, t->seconds,
               t->seconds > 0 ? t->osc_steps / t->seconds : 0.0);
        printf("  oscillators, untrained    train %5.1f %%  test %5.1f %%\n",
               100 * t->train_init.accuracy, 100 * t->test_init.accuracy);
        if (s->uncoupled)
            printf("  oscillators, uncoupled    train %5.1f %%  test %5.1f %%\n",
                   100 * s->uncoupled->train.accuracy, 100 * s->uncoupled->test.accuracy);
        for (int b = 0; b < s->n_baselines; b++)
            printf("  %-25s train %5.1f %%  test %5.1f %%\n",
                   ncm_vowel_baseline_name(s->baseline[b].kind),
                   100 * s->baseline[b].train_accuracy, 100 * s->baseline[b].test_accuracy);
        printf("  (the measured data, maps and sweeps: nanocim vowels --help)\n");
    }
    ncm_vowel_study_free(s);
    ncm_vowel_set_free(train);
    ncm_vowel_set_free(test);
    ncm_vowel_set_free(all);
    return rc;
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
            if (strcmp(v, "bnn") && strcmp(v, "chip") && strcmp(v, "rram") && strcmp(v, "stno") &&
                strcmp(v, "vowels")) {
                cli_error("--part %s: expected bnn, chip, rram, stno or vowels", v);
                return CLI_USAGE;
            }
            part = v;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_threads("--threads", v, 1, &n))
                return CLI_USAGE;
            threads = (int)n;
        } else {
            return cli_unknown("demo", argv[i]);
        }
    }
    ncm_set_threads(threads);
    int rc = 0;
    ncm_model *model = NULL;
    double acc = 0;
    const int chip = !part || !strcmp(part, "chip");
    if (!part || !strcmp(part, "bnn") || chip) {
        printf(
            "nanocim demo: a binarized neural network (BinaryNet) on Fashion-MNIST, folded into\n"
            "popcount(XNOR(x, w)) >= T neurons as an in-memory chip computes them.\n");
        rc = cli_run_training_model(&cfg, quiet, &acc, chip ? &model : NULL);
        if (rc == 0)
            printf("demo: BNN %s, %d epochs: test accuracy %.2f %% (full run: nanocim train "
                   "--arch mlp:1024,1024 --epochs 15 reaches 89.4 %%, median of 3 seeds)\n",
                   cfg.arch, cfg.opts.epochs, 100.0 * acc);
    }
    if (rc == 0 && chip)
        rc = demo_chip(model, acc);
    ncm_model_free(model);
    if (rc == 0 && (!part || !strcmp(part, "rram")))
        rc = demo_rram(threads);
    if (rc == 0 && (!part || !strcmp(part, "stno")))
        rc = stno_demo();
    if (rc == 0 && (!part || !strcmp(part, "vowels")))
        rc = demo_vowels(threads);
    return rc;
}
