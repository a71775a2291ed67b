/* Shared pieces of the command-line front end: strict option parsing, error reporting, and the
 * training driver used by `train` and `demo`. */
#ifndef NCM_CLI_H
#define NCM_CLI_H

#include <stdint.h>

#include "nanocim/error.h"
#include "nanocim/train.h"

/* Exit codes: 1 = the work failed (bad file, bad data), 2 = bad usage (unknown option, bad
 * value). */
enum { CLI_FAIL = 1, CLI_USAGE = 2 };

/* Prints "nanocim: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Option parsing. cli_opt() matches argv[*i] against "--name" / "--name=value" and, when the
 * option takes a value, sets *val (consuming the next argument when needed). Returns 1 on a
 * match, 0 otherwise, -1 on a missing value (message printed). */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);
int cli_flag(char **argv, int i, const char *name);
/* Strict numbers: the whole string, finite, within [lo, hi]; print a message naming opt. */
int cli_long(const char *opt, const char *s, long lo, long hi, long *out);
int cli_double(const char *opt, const char *s, double lo, double hi, double *out);
/* A thread count: an integer >= 1; above the machine's processors (omp_get_num_procs) it is
 * capped to them, with a one-line note on stderr when note is set ("--threads 100000: capped to
 * 2, the machine's processors"): more threads than processors only slow the run down. */
int cli_threads(const char *opt, const char *s, int note, long *out);
/* A list of values: "V", "V1,V2,...", "START:STOP:STEP" or "START:STOP:xFACTOR" (geometric);
 * every value within [lo, hi]. *vals is malloc'd. Prints a message naming opt on error. */
int cli_range(const char *opt, const char *s, double lo, double hi, double **vals, int *n);
/* Reports an unknown option or stray argument of `cmd`. */
int cli_unknown(const char *cmd, const char *arg);

/* A library field name and the option that sets it, for cli_lib_error. */
typedef struct {
    const char *field, *option;
} cli_field;

/* Prints the library's error message, with a leading field name (followed by a space, ':' or
 * '[') replaced by its option from map
 * (NULL-terminated; map may be NULL). Returns CLI_USAGE for NCM_ERR_ARG, else CLI_FAIL. */
int cli_lib_error(const ncm_error *err, const cli_field *map);

/* Runs a training job (ncm_train_run), printing its start line, each epoch and the final checks
 * unless quiet, with a progress bar on a terminal. Returns an exit code; *test_acc (if not
 * NULL) receives the folded model's test accuracy. */
int cli_run_training(const ncm_train_job *job, int quiet, double *test_acc);
/* The same, handing over the folded model (*model, when model is not NULL). */
int cli_run_training_model(const ncm_train_job *job, int quiet, double *test_acc,
                           ncm_model **model);

/* An output path can be written (checked before a long run, so that a bad path fails at once
 * and leaves nothing behind): not a folder; an existing device must open for writing; with
 * figure, a regular file or a new one (figures are renamed over the target); a new file needs
 * a writable folder. 0, or an exit code after one line naming opt and path. */
int cli_check_output(const char *opt, const char *path, int figure);

/* A file a command reads or writes: the option that names it ("-o", "--data", or the argument's
 * name such as "MODEL") and its path (NULL: not given, skipped). */
typedef struct {
    const char *option, *path;
} cli_path;
/* Refuses, before any work, an output that is the same file as an input or as another output
 * (through symbolic links and hard links; for a file not yet there, the same folder and name),
 * with one line naming both options: "-o X: is the same file as the input MODEL X". A device or
 * FIFO (written through) may be named more than once. An input that is a folder is a dataset's
 * (--data), and stands for the files the loader reads in it; "fashion-mnist" for its folder.
 * 0, or an exit code. */
int cli_check_paths(const cli_path *inputs, int n_inputs, const cli_path *outputs, int n_outputs);

/* Standard output written completely: flushes it; a write that failed (a full disk or device)
 * prints "standard output: write error: REASON" (once per run) and returns CLI_FAIL, else 0.
 * (A closed pipe kills the process with SIGPIPE first, as any Unix filter: see signals.c.) */
int cli_stdout_check(void);

/* The run's files, all or nothing (src/cli/signals.c): cli_run_begin() records the files the
 * library writes (util/io.h) and installs the handlers that remove them on SIGHUP, SIGINT,
 * SIGTERM and SIGPIPE before dying of the signal; cli_run_end(rc) checks standard output (when
 * rc is 0) and keeps the outputs of a run that succeeded or removes those of one that failed.
 * Returns the exit code. */
void cli_run_begin(void);
int cli_run_end(int rc);
/* An output path that survives a failed or killed run (a training checkpoint: --resume). */
int cli_keep_output(const char *opt, const char *path);

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_chip(int argc, char **argv);
int cmd_chip_cost(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_rram(int argc, char **argv);
int cmd_stno(int argc, char **argv);
int cmd_vowels(int argc, char **argv);
/* The demo's oscillator part (cmd_stno.c). */
int stno_demo(void);

#endif
