/* nanocim: command-line front end. Git-style subcommands over libnanocim; only this layer
 * prints and exits, and a run's output files are all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/mpi_comm.h"
#include "nanocim/config.h"
#include "nanocim/xnor.h"
#include "cli/blas_fast_path.h"

static const char *USAGE =
    "nanocim " NCM_VERSION ": simulator for memory-centric AI hardware\n"
    "usage: nanocim COMMAND [options]   (nanocim COMMAND --help for its options)\n"
    "  demo      the embedded default, end to end, in about a minute\n"
    "  train     train a binarized neural network and fold it into a model file\n"
    "  eval      run a model file's integer network on a dataset's test split\n"
    "  model     NumPy interchange of models (export/import .npz) and model info\n"
    "  chip      a model on simulated chips: fault injection, Monte Carlo over chips\n"
    "  sweep     accuracy of models on chips over fault rates, conditions, arrays (MPI)\n"
    "  rram      HfO2 RRAM devices and cells: bit error rates, energy, calibration\n"
    "  stno      spin-torque nano-oscillators: time traces, locking maps\n"
    "  vowels    vowel recognition with coupled oscillators (Romera et al. 2018): train, eval\n"
    "  version   print the version and the OpenBLAS kernel in use\n";

/* The command: its exit code. */
static int run(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    /* The library falls back quietly from an NCM_KERNEL it cannot honour; the command says so. */
    const char *why;
    ncm_kernel k = ncm_kernel_select(&why);
    if (why)
        fprintf(stderr, "nanocim: NCM_KERNEL=%s: %s; using %s\n", getenv("NCM_KERNEL"), why,
                ncm_kernel_name(k));
    const char *cmd = argv[1];
    if (!strcmp(cmd, "train"))
        return cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval"))
        return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "chip"))
        return cmd_chip(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep")) { /* the one command that runs across MPI processes */
        int rc = cli_mpi_begin(&argc, &argv);
        if (!rc)
            rc = cmd_sweep(argc - 1, argv + 1);
        cli_mpi_end();
        return rc;
    }
    if (!strcmp(cmd, "model"))
        return cmd_model(argc - 1, argv + 1);
    if (!strcmp(cmd, "stno"))
        return cmd_stno(argc - 1, argv + 1);
    if (!strcmp(cmd, "rram"))
        return cmd_rram(argc - 1, argv + 1);
    if (!strcmp(cmd, "vowels"))
        return cmd_vowels(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo"))
        return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        if (argc > 2) { /* it takes no options: an unknown one is an error, not ignored */
            cli_error("version: unknown option '%s' (it takes none)", argv[2]);
            return CLI_USAGE;
        }
        printf("nanocim %s\nOpenBLAS kernel %s (%s), %d threads, binary kernel %s\nbuild: %s\n",
               ncm_version(), ncm_blas_kernel(), ncm_blas_origin(), ncm_threads(),
               ncm_kernel_name(k), ncm_build_config());
        /* MPI is the command line's (sweep), not the library's */
        const char *mpi = cli_mpi_library();
        printf("mpi: %s\n", mpi ? mpi : "none (built without MPI; sweep runs in one process)");
        return 0;
    }
    cli_error("unknown command '%s' (see nanocim --help)", cmd);
    return CLI_USAGE;
}

/* The run's files are all or nothing (signals.c): recorded from the start, removed when the
 * command fails (including a standard output it could not write) or is killed by SIGHUP,
 * SIGINT, SIGTERM or SIGPIPE. */
int main(int argc, char **argv)
{
    cli_blas_fast_path(argv); /* may re-execute the program: before anything is set up */
    cli_run_begin();
    return cli_run_end(run(argc, argv));
}
