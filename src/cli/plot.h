/* Line plots for result files (PLplot, cairo devices): PNG, SVG or PDF by the file's extension,
 * written to a temporary file and renamed. */
#ifndef NCM_CLI_PLOT_H
#define NCM_CLI_PLOT_H

#include "nanocim/error.h"

typedef struct {
    const char *label;
    const double *x, *y;
    int n;
} cli_series;

/* Plots the series (points with y <= 0 are dropped on a log axis). */
ncm_status cli_plot(const char *path, const char *title, const char *xlabel, const char *ylabel,
                    int logx, int logy, const cli_series *s, int ns, ncm_error *err);

#endif
