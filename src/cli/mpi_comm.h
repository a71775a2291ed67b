/* MPI for the command line (only `nanocim sweep` uses it): starts MPI when the process was
 * launched by an MPI launcher (mpirun, mpiexec, srun with a PMI plug-in), fills the sweep's
 * communicator (include/nanocim/sweep.h: rank, size and an allgatherv over MPI_Allgatherv), lets
 * the ranks agree on a set-up failure, and finalizes at the end. The library never calls MPI; the
 * CLI compiles src/cli/mpi_comm.c only when built with MPI (CMake option NCM_MPI, which defines
 * NCM_HAVE_MPI). Without it these are stubs of one process, so a plain run never needs MPI. */
#ifndef NCM_CLI_MPI_COMM_H
#define NCM_CLI_MPI_COMM_H

#include "nanocim/sweep.h"

#ifdef NCM_HAVE_MPI

/* Starts MPI (MPI_Init) when the environment shows an MPI launcher started the process
 * (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK, PMI_SIZE, PMI_FD); a plain run, or one task of
 * Slurm without several tasks in its step, stays a single process without touching MPI. On ranks
 * other than 0, standard output goes to /dev/null and standard error is held back until
 * cli_mpi_agree (only rank 0 speaks). Returns 0, or an exit code after printing why (srun with
 * several tasks but no PMI). */
int cli_mpi_begin(int *argc, char ***argv);
/* MPI_Finalize, when cli_mpi_begin started MPI. */
void cli_mpi_end(void);
/* The communicator for ncm_sweep_run (NULL when MPI is not running: one process). */
const ncm_sweep_comm *cli_mpi_comm(void);
int cli_mpi_rank(void); /* 0 without MPI */
int cli_mpi_size(void); /* 1 without MPI */
/* Every rank passes its exit code so far (0: fine); each gets back its own code when non-zero,
 * else CLI_FAIL when another rank failed, else 0. Collective under MPI; returns rc without. Ends
 * the held-back standard error of ranks > 0: what a rank wrote there is shown when it failed and
 * rank 0 did not (a failure of its own), and later messages (the run's errors) go through. */
int cli_mpi_agree(int rc);
/* The allgatherv's last error ("" when none). */
const char *cli_mpi_error(void);
/* The MPI library's version string (MPI_Get_library_version; callable before MPI_Init). */
const char *cli_mpi_library(void);

#else /* one process, no MPI */

#include <stdlib.h>

#include "cli/cli.h"

/* Built without MPI, a launcher of several processes (mpirun -np 4, srun -n 4) would start that
 * many copies of the whole sweep, each writing the same files: refused. */
static inline int cli_mpi_begin(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n || atol(n) <= 1)
        n = getenv("PMI_SIZE");
    if ((!n || atol(n) <= 1) && getenv("SLURM_PROCID"))
        n = getenv("SLURM_STEP_NUM_TASKS");
    if (n && atol(n) > 1) {
        cli_error("sweep: started as one of %s processes, but this nanocim was built without "
                  "MPI: each would run the whole sweep (run one process, or build with "
                  "-DNCM_MPI=ON)",
                  n);
        return CLI_USAGE;
    }
    return 0;
}
static inline void cli_mpi_end(void) {}
static inline const ncm_sweep_comm *cli_mpi_comm(void)
{
    return 0;
}
static inline int cli_mpi_rank(void)
{
    return 0;
}
static inline int cli_mpi_size(void)
{
    return 1;
}
static inline int cli_mpi_agree(int rc)
{
    return rc;
}
static inline const char *cli_mpi_error(void)
{
    return "";
}
static inline const char *cli_mpi_library(void)
{
    return 0;
}

#endif
#endif
