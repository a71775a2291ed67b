/* Line plots for result files (PLplot, cairo devices): PNG, SVG or PDF by the file's extension,
 * written to a temporary file and renamed; optionally with a vertical error bar at each point.
 * Also stacked bars and class maps. */
#ifndef NCM_CLI_PLOT_H
#define NCM_CLI_PLOT_H

#include <stdint.h>

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
/* A map of classes over a plane, with points on it (the vowel command's synchronization map):
 * the cells of an nx x ny grid, cell (i, j) centred at (x[i], y[j]) (increasing, evenly spaced),
 * filled in a pale colour of class cls[j * nx + i] (0 .. n_classes - 1; < 0: grey, "undecided"),
 * then the points (px[k], py[k]) in the strong colour of class pcls[k], outlined in black; a
 * legend at the right with labels[c] (n_classes <= 16) and "undecided" when a cell is. */
typedef struct {
    const char *title, *xlabel, *ylabel;
    const double *x, *y;
    int nx, ny;
    const int32_t *cls;
    int n_classes;
    const char *const *labels;
    const double *px, *py;
    const int32_t *pcls;
    int np;
} cli_classmap;
ncm_status cli_plot_classmap(const char *path, const cli_classmap *m, ncm_error *err);
/* NCM_OK when path ends in .png, .svg or .pdf (what cli_plot writes), else NCM_ERR_ARG with
 * "PATH: figure type unknown (use .png, .svg or .pdf)". For checking before a long run. */
ncm_status cli_plot_check_path(const char *path, ncm_error *err);

#endif
