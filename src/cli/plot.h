/* Line plots for result files (PLplot, cairo devices): PNG, SVG or PDF by the file's extension,
 * written to a temporary file and renamed; optionally with a vertical error bar at each point. */
#ifndef NCM_CLI_PLOT_H
#define NCM_CLI_PLOT_H

#include "nanocim/error.h"

typedef struct {
    const char *label;
    const double *x, *y;
    int n;
} cli_series;

/* Error bars of one series: at point i a vertical bar from lo[i] to hi[i] (lo and hi both
 * NULL: none). Kept apart from cli_series so its callers' initializers stay complete. */
typedef struct {
    const double *lo, *hi;
} cli_yerr;

/* Plots the series (points with y <= 0 are dropped on a log axis). */
ncm_status cli_plot(const char *path, const char *title, const char *xlabel, const char *ylabel,
                    int logx, int logy, const cli_series *s, int ns, ncm_error *err);
/* The same, with error bars: bars[k] for series k (bars NULL: none at all). The y range takes
 * in the bars; on a log y axis a bar is drawn only when both ends are > 0. */
ncm_status cli_plot_bars(const char *path, const char *title, const char *xlabel,
                         const char *ylabel, int logx, int logy, const cli_series *s,
                         const cli_yerr *bars, int ns, ncm_error *err);
/* One panel of a figure: what cli_plot_bars draws. */
typedef struct {
    const char *title, *xlabel, *ylabel;
    int logx, logy;
    const cli_series *s;
    const cli_yerr *bars; /* NULL: none */
    int ns;
} cli_panel;
/* n_panels panels side by side in one figure (each must have a point to draw). */
ncm_status cli_plot_panels(const char *path, const cli_panel *panels, int n_panels,
                           ncm_error *err);
/* Stacked bars: bar b (labelled bar_labels[b]) piles its nseg (<= 16) segments
 * v[b * nseg + k] > 0 (others skipped), one colour per segment with a legend of seg_labels. */
ncm_status cli_plot_stacked(const char *path, const char *title, const char *ylabel,
                            const char *const *bar_labels, int nb, const char *const *seg_labels,
                            int nseg, const double *v, ncm_error *err);
/* NCM_OK when path ends in .png, .svg or .pdf (what cli_plot writes), else NCM_ERR_ARG with
 * "PATH: figure type unknown (use .png, .svg or .pdf)". For checking before a long run. */
ncm_status cli_plot_check_path(const char *path, ncm_error *err);

#endif
