/* `nanocim demo`: the embedded default, end to end, in about a minute: a binarized MLP trained
 * on Fashion-MNIST, folded into popcount-and-threshold neurons, its test accuracy printed. */
#include <stdio.h>

#include "cli/cli.h"
#include "nanocim/blas.h"

static const char *USAGE = "usage: nanocim demo [--threads N] [-q]\n";

int cmd_demo(int argc, char **argv)
{
    cli_train_cfg cfg = {0};
    ncm_train_opts_default(&cfg.opts);
    cfg.data = "fashion-mnist";
    cfg.arch = "mlp:1024,1024";
    cfg.opts.epochs = 5;
    cfg.opts.lr = 5e-3f;
    cfg.opts.lr_end = 5e-4f;
    for (int i = 1; i < argc; i++) {
        const char *v;
        long n;
        int r;
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            cfg.quiet = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_long("--threads", v, 1, 1024, &n))
                return CLI_USAGE;
            cfg.threads = (int)n;
        } else {
            return cli_unknown("demo", argv[i]);
        }
    }
    ncm_set_threads(cfg.threads);
    printf("nanocim demo: a binarized neural network (BinaryNet) on Fashion-MNIST, folded into\n"
           "popcount(XNOR(x, w)) >= T neurons as an in-memory chip computes them.\n");
    double acc;
    int rc = cli_run_training(&cfg, &acc);
    if (rc == 0)
        printf("demo: BNN %s, %d epochs: test accuracy %.2f %% (full run: nanocim train "
               "--arch mlp:1024,1024 --epochs 30 reaches about 89.5 %%)\n",
               cfg.arch, cfg.opts.epochs, 100.0 * acc);
    return rc;
}
