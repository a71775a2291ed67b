/* MPI for `nanocim sweep` (see mpi_comm.h): compiled into the CLI only when it is built with MPI
 * (NCM_HAVE_MPI). The library stays free of MPI: it receives an ncm_sweep_comm whose allgatherv
 * is MPI_Allgatherv over MPI_COMM_WORLD, and every rank computes its own block of the
 * (point, chip) tasks, so the gathered table is the same bytes whatever the number of ranks. */
#include "cli/mpi_comm.h"

#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* Largest table sent by one MPI_Allgatherv (its counts and displacements are int), and the
 * piece of a rank's block broadcast at a time beyond it (small values test that path). */
#ifndef CLI_MPI_GATHER_MAX
#define CLI_MPI_GATHER_MAX ((size_t)INT_MAX)
#endif
#ifndef CLI_MPI_PIECE
#define CLI_MPI_PIECE ((size_t)1 << 30)
#endif

static int g_started; /* 1: this process called MPI_Init */
static int g_rank, g_size = 1;
static ncm_sweep_comm g_comm;
static char g_error[320];
static char g_library[MPI_MAX_LIBRARY_VERSION_STRING + 1];
static int g_saved_stderr = -1; /* ranks > 0: the real stderr while the set-up's is held back */
static FILE *g_held_stderr;     /* ranks > 0: what the set-up wrote to stderr */

/* Launchers announce themselves in the environment of the processes they start: Open MPI's
 * mpirun (OMPI_COMM_WORLD_SIZE), any PMIx server (PMIX_RANK: Open MPI 5's prterun, srun
 * --mpi=pmix), and the PMI-1/PMI-2 process managers (PMI_RANK, PMI_SIZE, PMI_FD: MPICH's
 * hydra, Intel MPI, srun --mpi=pmi2). A plain run has none of them. SLURM_PROCID alone is not
 * one: Slurm sets it for every task, MPI or not, and in the batch script itself. */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE", "PMI_FD"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return 1;
    }
    return 0;
}

static int set_error(const char *what, int code)
{
    char msg[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    if (MPI_Error_string(code, msg, &len) != MPI_SUCCESS)
        snprintf(msg, sizeof msg, "MPI error %d", code);
    snprintf(g_error, sizeof g_error, "%s: %s", what, msg);
    return 1;
}

/* The sweep's allgatherv (sweep.h): rank r's block of bytes[r] bytes lands at the sum of the
 * blocks before it. MPI counts and displacements are int, so when the whole table fits in
 * INT_MAX bytes it is one MPI_Allgatherv; beyond, each rank's block is broadcast by its owner in
 * pieces of at most 1 GiB, straight into its place (no staging buffer of the whole size). Every
 * rank knows every bytes[r], so all take the same branch. */
static int allgatherv(void *user, const void *send, size_t send_bytes, void *recv,
                      const size_t *bytes)
{
    (void)user;
    g_error[0] = '\0';
    size_t total = 0, mine = 0;
    for (int r = 0; r < g_size; r++) {
        if (bytes[r] > SIZE_MAX - total) {
            snprintf(g_error, sizeof g_error, "allgatherv: the blocks add up to more than %zu bytes",
                     (size_t)SIZE_MAX);
            return 1;
        }
        if (r == g_rank)
            mine = total;
        total += bytes[r];
    }
    if (send_bytes != bytes[g_rank]) {
        snprintf(g_error, sizeof g_error, "allgatherv: rank %d sends %zu bytes but its block is %zu",
                 g_rank, send_bytes, bytes[g_rank]);
        return 1;
    }
    char *base = recv;
    const int in_place = send_bytes && send == base + mine;
    if (total <= CLI_MPI_GATHER_MAX) {
        int *counts = malloc(sizeof(int) * (size_t)g_size);
        int *displs = malloc(sizeof(int) * (size_t)g_size);
        if (!counts || !displs) {
            free(counts), free(displs);
            snprintf(g_error, sizeof g_error, "allgatherv: out of memory");
            return 1;
        }
        size_t off = 0;
        for (int r = 0; r < g_size; r++) {
            counts[r] = (int)bytes[r];
            displs[r] = (int)off;
            off += bytes[r];
        }
        int rc = MPI_Allgatherv(in_place ? MPI_IN_PLACE : send, (int)send_bytes, MPI_BYTE, recv,
                                counts, displs, MPI_BYTE, MPI_COMM_WORLD);
        free(counts), free(displs);
        return rc == MPI_SUCCESS ? 0 : set_error("MPI_Allgatherv", rc);
    }
    const size_t piece = CLI_MPI_PIECE;
    size_t off = 0;
    for (int r = 0; r < g_size; r++) {
        char *dst = base + off;
        if (r == g_rank && send_bytes && !in_place)
            memmove(dst, send, send_bytes);
        for (size_t done = 0; done < bytes[r]; done += piece) {
            size_t n = bytes[r] - done < piece ? bytes[r] - done : piece;
            int rc = MPI_Bcast(dst + done, (int)n, MPI_BYTE, r, MPI_COMM_WORLD);
            if (rc != MPI_SUCCESS)
                return set_error("MPI_Bcast", rc);
        }
        off += bytes[r];
    }
    return 0;
}

int cli_mpi_begin(int *argc, char ***argv)
{
    if (!launched_by_mpi()) {
        /* srun with several tasks but no PMI plug-in would start that many independent copies
         * of the whole sweep, each writing the same files: refuse rather than waste them. */
        const char *tasks = getenv("SLURM_STEP_NUM_TASKS");
        if (getenv("SLURM_PROCID") && tasks && atol(tasks) > 1) {
            cli_error("sweep: started by srun as one of %s tasks without an MPI process manager "
                      "(no PMIX_RANK or PMI_RANK): use srun --mpi=pmix (see srun --mpi=list)",
                      tasks);
            return CLI_USAGE;
        }
        return 0;
    }
    /* Only the main thread calls MPI, outside the library's OpenMP regions. */
    int provided = 0, rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
        set_error("MPI_Init_thread", rc);
        cli_error("sweep: %s", g_error);
        return CLI_FAIL;
    }
    g_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_comm.rank = g_rank;
    g_comm.size = g_size;
    g_comm.allgatherv = allgatherv;
    g_comm.user = NULL;
    if (g_rank != 0) {
        /* Only rank 0 speaks: the others' standard output goes to /dev/null, and their standard
         * error is held back during the set-up (whose messages would repeat rank 0's) and
         * shown by cli_mpi_agree only when that rank alone failed. */
        fflush(stdout);
        fflush(stderr);
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            close(fd);
        }
        g_held_stderr = tmpfile();
        g_saved_stderr = g_held_stderr ? dup(STDERR_FILENO) : -1;
        if (g_saved_stderr >= 0)
            dup2(fileno(g_held_stderr), STDERR_FILENO);
    }
    return 0;
}

/* Ranks > 0: stderr back to the real one; the held-back text is copied there when `show`. */
static void release_stderr(int show)
{
    if (g_saved_stderr < 0)
        return;
    fflush(stderr);
    if (show) {
        char buf[4096];
        size_t n;
        rewind(g_held_stderr);
        while ((n = fread(buf, 1, sizeof buf, g_held_stderr)) > 0)
            if (write(g_saved_stderr, buf, n) < 0)
                break;
    }
    dup2(g_saved_stderr, STDERR_FILENO);
    close(g_saved_stderr);
    g_saved_stderr = -1;
    fclose(g_held_stderr);
    g_held_stderr = NULL;
}

void cli_mpi_end(void)
{
    release_stderr(0);
    int done = 0;
    if (g_started && MPI_Finalized(&done) == MPI_SUCCESS && !done)
        MPI_Finalize();
    g_started = 0;
}

const ncm_sweep_comm *cli_mpi_comm(void)
{
    return g_started ? &g_comm : NULL;
}

int cli_mpi_rank(void)
{
    return g_rank;
}

int cli_mpi_size(void)
{
    return g_size;
}

/* Rank 0 prints, line by line, what the failed ranks > 0 held back ("nanocim: X" becomes
 * "nanocim: sweep: process R of N failed during set-up: X"), so the messages come out of one
 * process in order instead of interleaved with rank 0's. Collective. */
static void report_failed_ranks(int failed)
{
    enum { CAP = 2048 };
    char text[CAP] = "";
    int len = 0;
    if (failed && g_held_stderr) {
        fflush(stderr);
        rewind(g_held_stderr);
        len = (int)fread(text, 1, CAP - 1, g_held_stderr);
    }
    int *lens = NULL, *displs = NULL, total = 0;
    char *all = NULL;
    if (g_rank == 0) {
        lens = calloc((size_t)g_size, sizeof *lens);
        displs = calloc((size_t)g_size, sizeof *displs);
        if (!lens || !displs)
            MPI_Abort(MPI_COMM_WORLD, CLI_FAIL); /* out of memory for a few ints */
    }
    int flag = failed ? len + 1 : 0; /* 0: this rank did not fail; else 1 + its text's length */
    MPI_Gather(&flag, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int r = 0; g_rank == 0 && r < g_size; r++) {
        if (r > 0 && lens[r] == 1) /* failed, but nothing to tell */
            cli_error("sweep: process %d of %d failed during set-up", r, g_size);
        lens[r] = lens[r] > 0 ? lens[r] - 1 : 0;
        displs[r] = total;
        total += lens[r];
    }
    if (g_rank == 0 && !(all = malloc((size_t)total + 1)))
        MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
    MPI_Gatherv(text, len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, MPI_COMM_WORLD);
    for (int r = 1; g_rank == 0 && r < g_size; r++) {
        const char *p = all + displs[r], *end = p + lens[r];
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl ? nl : end;
            const char *msg = p;
            if ((size_t)(stop - msg) >= 9 && !strncmp(msg, "nanocim: ", 9))
                msg += 9;
            if (stop > msg)
                cli_error("sweep: process %d of %d failed during set-up: %.*s", r, g_size,
                          (int)(stop - msg), msg);
            p = nl ? nl + 1 : end;
        }
    }
    free(all), free(lens), free(displs);
}

int cli_mpi_agree(int rc)
{
    if (!g_started)
        return rc;
    int mine[2] = {rc != 0, g_rank == 0 && rc != 0}, all[2] = {1, 1};
    if (MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        all[0] = all[1] = 1;
    /* A failure rank 0 shares was printed by rank 0 itself; the others' own are sent to it. */
    if (all[0] && !all[1])
        report_failed_ranks(mine[0]);
    release_stderr(0);
    return rc ? rc : all[0] ? CLI_FAIL : 0;
}

const char *cli_mpi_error(void)
{
    return g_error;
}

const char *cli_mpi_library(void)
{
    int len = 0;
    if (MPI_Get_library_version(g_library, &len) != MPI_SUCCESS)
        return "MPI (version unknown)";
    g_library[len < (int)sizeof g_library ? len : (int)sizeof g_library - 1] = '\0';
    g_library[strcspn(g_library, "\n")] = '\0'; /* the first line */
    return g_library;
}
