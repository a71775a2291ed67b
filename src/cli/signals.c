/* A run's files, all or nothing: the handlers that remove them when the process is told to stop,
 * and the end of a run that keeps them (success) or removes them (failure).
 *
 * The library records every temporary file it opens and every output it commits
 * (util/io.h, ncm_io_track). SIGHUP, SIGINT and SIGTERM (a terminal closed, ^C, kill) unlink
 * them all, then the signal's default action is restored and the signal raised again: the
 * process dies of it as it would have, and the shell reports 128 + the signal (130, 143). A
 * signal the process inherited as ignored (nohup, a background job of a script) stays ignored,
 * as Unix tools do.
 *
 * SIGPIPE keeps its default action: a write to a closed pipe (`nanocim ... | head -1`) kills the
 * process with a non-zero status, as it does every filter, instead of turning into a write
 * error on every later line. The handler only removes the run's files first, then dies of
 * SIGPIPE the same way. (Inherited as ignored, the write fails with EPIPE instead and
 * cli_stdout_check reports it.)
 *
 * Threads: the handler reads the library's lists, which only the main thread changes (every
 * file of a command is written there, outside the OpenMP regions), and the library blocks these
 * signals in that thread while it changes them. A signal delivered to another thread (an OpenMP
 * or MPI thread) is sent on to the main thread, so the lists are never read half-changed; no
 * mutex is taken in the handler. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "cli/cli.h"
#include "util/io.h"

static pthread_t g_main_thread;
static const int SIGNALS[] = {SIGHUP, SIGINT, SIGTERM, SIGPIPE};

static void on_signal(int sig)
{
    const int saved = errno;
    if (!pthread_equal(pthread_self(), g_main_thread)) {
        pthread_kill(g_main_thread, sig); /* async-signal-safe since POSIX.1-2008 TC1 */
        errno = saved;
        return;
    }
    ncm_io_unlink_all_signal_safe();
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    /* sig is blocked while its handler runs: raised now, it kills the process on return */
    raise(sig);
    errno = saved;
}

void cli_run_begin(void)
{
    g_main_thread = pthread_self();
    ncm_io_track(1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < sizeof SIGNALS / sizeof *SIGNALS; k++)
        sigaddset(&sa.sa_mask, SIGNALS[k]); /* one handler at a time */
    sa.sa_flags = SA_RESTART;
    for (size_t k = 0; k < sizeof SIGNALS / sizeof *SIGNALS; k++) {
        struct sigaction old;
        if (sigaction(SIGNALS[k], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(SIGNALS[k], &sa, NULL);
    }
}

int cli_run_end(int rc)
{
    if (!rc)
        rc = cli_stdout_check();
    if (rc)
        ncm_io_remove_outputs();
    else
        ncm_io_forget_outputs();
    return rc;
}

int cli_keep_output(const char *opt, const char *path)
{
    ncm_error err = {0};
    if (!path || ncm_io_keep(path, &err) == NCM_OK)
        return 0;
    cli_error("%s %s", opt, err.msg);
    return CLI_FAIL;
}
