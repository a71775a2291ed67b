/* The command line's terminal progress bar over the library's progress callback. */
#ifndef NCM_CLI_PROGRESS_BAR_H
#define NCM_CLI_PROGRESS_BAR_H

#include <stdint.h>

#include "nanocim/progress.h"

typedef struct {
    ncm_progress progress; /* pass &bar.progress to the library */
    int active;            /* 0: draws nothing */
    int64_t last_drawn;
    double t_start;
    char task[48];
    char extra[96]; /* shown after the bar */
} cli_bar;

/* A bar that draws unless quiet or stderr is not a terminal. */
void cli_bar_start(cli_bar *b, int quiet);
/* The callback (never cancels). */
int cli_bar_draw(void *user, const char *task, int64_t done, int64_t total);
/* Clears the bar's line. */
void cli_bar_finish(cli_bar *b);

#endif
