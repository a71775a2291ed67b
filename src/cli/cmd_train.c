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

/* The training options given on the command line, as written (NULL: not given). */
typedef struct {
    const char *arch, *epochs, *batch, *seed, *lr, *lr_end, *augment, *flip;
} given_opts;

/* With --resume the architecture and the training options are the checkpoint's: one given on
 * the command line that differs from the checkpoint's cannot be honoured and is refused (one
 * equal to it is accepted, so that a resumed run may repeat the first run's command line).
 * 0, or an exit code after one line. */
static int check_resume(const ncm_train_job *cfg, const given_opts *g)
{
    if (!g->arch && !g->epochs && !g->batch && !g->seed && !g->lr && !g->lr_end && !g->augment &&
        !g->flip)
        return 0;
    ncm_error err = {0};
    ncm_bnn *net = ncm_bnn_load_checkpoint(cfg->checkpoint_path, 1, &err);
    if (!net) {
        cli_error("%s", err.msg);
        return CLI_FAIL;
    }
    const ncm_arch *a = ncm_bnn_arch(net);
    const ncm_train_opts *o = ncm_bnn_opts(net), *c = &cfg->opts;
    char have[512] = "", want[512] = "";
    const char *opt = NULL, *given = NULL;
    int rc = 0;
    if (g->arch) {
        ncm_arch parsed;
        if (ncm_arch_parse(g->arch, a->in_c, a->in_h, a->in_w, a->n_classes, &parsed, &err)) {
            cli_error("--arch %s: %s", g->arch, err.msg);
            ncm_bnn_free(net);
            return CLI_USAGE;
        }
        ncm_arch_format(a, have, sizeof have);
        ncm_arch_format(&parsed, want, sizeof want);
        if (strcmp(have, want))
            opt = "--arch", given = g->arch;
    }
    if (!opt && g->epochs && c->epochs != o->epochs)
        opt = "--epochs", given = g->epochs, snprintf(have, sizeof have, "%d", o->epochs);
    if (!opt && g->batch && c->batch != o->batch)
        opt = "--batch", given = g->batch, snprintf(have, sizeof have, "%d", o->batch);
    if (!opt && g->seed && c->seed != o->seed)
        opt = "--seed", given = g->seed,
        snprintf(have, sizeof have, "%llu", (unsigned long long)o->seed);
    if (!opt && g->lr && c->lr != o->lr)
        opt = "--lr", given = g->lr, snprintf(have, sizeof have, "%g", (double)o->lr);
    if (!opt && g->lr_end && c->lr_end != o->lr_end)
        opt = "--lr-end", given = g->lr_end, snprintf(have, sizeof have, "%g", (double)o->lr_end);
    if (!opt && g->augment && c->augment != o->augment) {
        static const char *names[] = {"none", "flip", "shift", "all"};
        opt = "--augment", given = g->augment;
        snprintf(have, sizeof have, "%s", names[o->augment & 3]);
    }
    if (!opt && g->flip && c->flip_p != o->flip_p)
        opt = "--flip", given = g->flip, snprintf(have, sizeof have, "%g", (double)o->flip_p);
    if (opt) {
        cli_error("%s %s: --resume continues the checkpoint %s, made with %s %s (the checkpoint's "
                  "options are kept: give the same value or leave %s out)",
                  opt, given, cfg->checkpoint_path, opt, have, opt);
        rc = CLI_USAGE;
    }
    ncm_bnn_free(net);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    /* Measured on Fashion-MNIST: left-right flips help the CNN, not the MLP. */
    int augment_set = 0;
    ncm_train_job cfg;
    ncm_train_job_default(&cfg);
    int quiet = 0, threads = 0;
    char *ckpt_buf = NULL;
    given_opts given = {0};
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
            given.augment = "none";
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
            given.augment = v;
        } else if ((r = cli_opt(argc, argv, &i, "--data", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cfg.data = v;
        } else if ((r = cli_opt(argc, argv, &i, "--arch", &v))) {
            if (r < 0)
                return CLI_USAGE;
            cfg.arch = given.arch = v;
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
            cfg.opts.epochs = (int)n, given.epochs = v;
        } else if ((r = cli_opt(argc, argv, &i, "--batch", &v))) {
            if (r < 0 || cli_long("--batch", v, 1, 65536, &n))
                return CLI_USAGE;
            cfg.opts.batch = (int)n, given.batch = v;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v))) {
            if (r < 0 || cli_long("--seed", v, 0, 2147483647L, &n))
                return CLI_USAGE;
            cfg.opts.seed = (uint64_t)n, given.seed = v;
        } else if ((r = cli_opt(argc, argv, &i, "--lr", &v))) {
            if (r < 0 || cli_double("--lr", v, 1e-9, 10, &x))
                return CLI_USAGE;
            cfg.opts.lr = (float)x, given.lr = v;
        } else if ((r = cli_opt(argc, argv, &i, "--lr-end", &v))) {
            if (r < 0 || cli_double("--lr-end", v, 1e-12, 10, &x))
                return CLI_USAGE;
            cfg.opts.lr_end = (float)x, given.lr_end = v;
        } else if ((r = cli_opt(argc, argv, &i, "--flip", &v))) {
            if (r < 0 || cli_double("--flip", v, 0, 0.49, &x))
                return CLI_USAGE;
            cfg.opts.flip_p = (float)x, given.flip = v;
        } else if ((r = cli_opt(argc, argv, &i, "--train-limit", &v))) {
            if (r < 0 || cli_long("--train-limit", v, 1, 1L << 40, &n))
                return CLI_USAGE;
            cfg.train_limit = n;
        } else if ((r = cli_opt(argc, argv, &i, "--test-limit", &v))) {
            if (r < 0 || cli_long("--test-limit", v, 1, 1L << 40, &n))
                return CLI_USAGE;
            cfg.test_limit = n;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_threads("--threads", v, 1, &n))
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
    if (!cfg.resume && cfg.opts.lr_end > cfg.opts.lr) { /* resumed: the checkpoint's rates */
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
    /* the files, before any work: writable, none the same as another or as the data; the
     * checkpoint survives a failed or killed run (--resume continues from it) */
    const cli_path in[] = {{"--data", cfg.data}};
    const cli_path out[] = {
        {"-o", cfg.model_path}, {"--json", cfg.json_path}, {"--checkpoint", cfg.checkpoint_path}};
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++)
        rc = cli_check_output(out[k].option, out[k].path, 0);
    if (rc || (rc = cli_check_paths(in, 1, out, 3)) ||
        (rc = cli_keep_output("--checkpoint", cfg.checkpoint_path))) {
        free(ckpt_buf);
        return rc;
    }
    if (cfg.resume && (rc = check_resume(&cfg, &given))) {
        free(ckpt_buf);
        return rc;
    }
    if (!augment_set)
        cfg.opts.augment = strncmp(cfg.arch, "cnn", 3) == 0 ? NCM_AUGMENT_FLIP : 0;
    ncm_set_threads(threads);
    rc = cli_run_training(&cfg, quiet, NULL);
    free(ckpt_buf);
    return rc;
}
