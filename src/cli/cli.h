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
