/* Shared pieces of the command-line front end: strict option parsing, error reporting, and the
 * training driver used by `train` and `demo`. */
#ifndef NCM_CLI_H
#define NCM_CLI_H

#include <stdint.h>

#include "nanocim/bnn.h"

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

typedef struct {
    const char *data; /* dataset spec */
    const char *arch; /* architecture string */
    const char *out;  /* model path (NULL: none) */
    const char *ckpt; /* checkpoint path (NULL: none) */
    const char *json; /* results path (NULL: none) */
    int resume;
    int64_t train_limit, test_limit; /* 0 = all */
    int threads;
    int quiet;
    ncm_train_opts opts;
} cli_train_cfg;

/* Loads the data, trains (or resumes), folds, checks the folded network against the forward
 * pass, writes the model, checkpoint and JSON. Prints progress unless quiet. Returns an exit
 * code; *test_acc (if not NULL) receives the folded model's test accuracy. */
int cli_run_training(const cli_train_cfg *cfg, double *test_acc);

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_rram(int argc, char **argv);
int cmd_stno(int argc, char **argv);
/* The demo's oscillator part (cmd_stno.c). */
int stno_demo(void);

#endif
