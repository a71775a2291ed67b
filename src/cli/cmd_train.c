/* `nanocim train`: train a binarized network, checkpoint each epoch, fold it, write the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nanocim/config.h"

static const char *USAGE =
    "usage: nanocim train --data SPEC [--arch ARCH] [-o MODEL] [options]\n"
    "  --data SPEC       fashion-mnist, or a folder of IDX or CIFAR-10 binary files\n"
    "  --arch ARCH       mlp, mlp:W1,W2,..., cnn, cnn:C1,C2,p,...,fW   (default mlp)\n"
    "  -o MODEL          folded model file to write (checkpoint: MODEL.ckpt)\n"
    "  --epochs N        (15)     --batch N (100)    --seed N (1)\n"
    "  --lr X            first-epoch Adam learning rate (5e-3)\n"
    "  --lr-end X        last-epoch learning rate (5e-5)\n"
    "  --augment A       none, flip (left-right), shift (up to 2 px) or all\n"
    "                    (default: flip for a cnn, none for an mlp)\n"
    "  --no-augment      same as --augment none\n"
    "  --flip P          error-aware training: flip each binary weight with probability P\n"
    "  --checkpoint PATH checkpoint file (default MODEL.ckpt)\n"
    "  --resume          continue from the checkpoint after a kill\n"
    "  --json PATH       results: accuracy, per-class accuracy, confusion, seed, timing\n"
    "  --train-limit N / --test-limit N   use the first N images only\n"
    "  --threads N       OpenMP and OpenBLAS threads     -q  quiet\n";

int cmd_train(int argc, char **argv)
{
    /* Measured on Fashion-MNIST: left-right flips help the CNN, not the MLP. */
    int augment_set = 0;
    ncm_train_job cfg;
    ncm_train_job_default(&cfg);
    int quiet = 0, threads = 0;
    char *ckpt_buf = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        long n;
        double x;
        int r;
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if (cli_flag(argv, i, "--resume")) {
            cfg.resume = 1;
        } else if (cli_flag(argv, i, "--no-augment")) {
            cfg.opts.augment = 0;
            augment_set = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--augment", &v))) {
            static const char *names[] = {"none", "flip", "shift", "all"};
            int found = -1;
            for (int k = 0; r > 0 && k < 4; k++)
                if (!strcmp(v, names[k]))
                    found = k;
            if (found < 0) {
                if (r > 0)
                    cli_error("--augment %s: expected none, flip, shift or all", v);
                return CLI_USAGE;
            }
            cfg.opts.augment = found;
            augment_set = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--data", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cfg.data = v;
        } else if ((r = cli_opt(argc, argv, &i, "--arch", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cfg.arch = v;
        } else if ((r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cfg.model_path = v;
        } else if ((r = cli_opt(argc, argv, &i, "--checkpoint", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cfg.checkpoint_path = v;
        } else if ((r = cli_opt(argc, argv, &i, "--json", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cfg.json_path = v;
        } else if ((r = cli_opt(argc, argv, &i, "--epochs", &v))) {
            if (r < 0 || cli_long("--epochs", v, 1, 100000, &n))
                return CLI_USAGE;
            cfg.opts.epochs = (int)n;
        } else if ((r = cli_opt(argc, argv, &i, "--batch", &v))) {
            if (r < 0 || cli_long("--batch", v, 1, 65536, &n))
                return CLI_USAGE;
            cfg.opts.batch = (int)n;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v))) {
            if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &n))
                return CLI_USAGE;
            cfg.opts.seed = (uint64_t)n;
        } else if ((r = cli_opt(argc, argv, &i, "--lr", &v))) {
            if (r < 0 || cli_double("--lr", v, 1e-9, 10, &x))
                return CLI_USAGE;
            cfg.opts.lr = (float)x;
        } else if ((r = cli_opt(argc, argv, &i, "--lr-end", &v))) {
            if (r < 0 || cli_double("--lr-end", v, 1e-12, 10, &x))
                return CLI_USAGE;
            cfg.opts.lr_end = (float)x;
        } else if ((r = cli_opt(argc, argv, &i, "--flip", &v))) {
            if (r < 0 || cli_double("--flip", v, 0, 0.49, &x))
                return CLI_USAGE;
            cfg.opts.flip_p = (float)x;
        } else if ((r = cli_opt(argc, argv, &i, "--train-limit", &v))) {
            if (r < 0 || cli_long("--train-limit", v, 1, 1L << 40, &n))
                return CLI_USAGE;
            cfg.train_limit = n;
        } else if ((r = cli_opt(argc, argv, &i, "--test-limit", &v))) {
            if (r < 0 || cli_long("--test-limit", v, 1, 1L << 40, &n))
                return CLI_USAGE;
            cfg.test_limit = n;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_long("--threads", v, 1, 1024, &n))
                return CLI_USAGE;
            threads = (int)n;
        } else {
            return cli_unknown("train", argv[i]);
        }
    }
    if (!cfg.data) {
        cli_error("train: --data is required (e.g. --data fashion-mnist)");
        return CLI_USAGE;
    }
    if (cfg.opts.lr_end > cfg.opts.lr) {
        cli_error("--lr-end %g is above --lr %g", cfg.opts.lr_end, cfg.opts.lr);
        return CLI_USAGE;
    }
    if (!cfg.checkpoint_path && cfg.model_path) {
        size_t n = strlen(cfg.model_path) + 6;
        ckpt_buf = malloc(n);
        if (!ckpt_buf)
            return CLI_FAIL;
        snprintf(ckpt_buf, n, "%s.ckpt", cfg.model_path);
        cfg.checkpoint_path = ckpt_buf;
    }
    if (cfg.resume && !cfg.checkpoint_path) {
        cli_error("--resume needs a checkpoint (-o MODEL or --checkpoint PATH)");
        return CLI_USAGE;
    }
    if (!augment_set)
        cfg.opts.augment = strncmp(cfg.arch, "cnn", 3) == 0 ? NCM_AUGMENT_FLIP : 0;
    ncm_set_threads(threads);
    int rc = cli_run_training(&cfg, quiet, NULL);
    free(ckpt_buf);
    return rc;
}
