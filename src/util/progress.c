/* Terminal progress bar (see include/nanocim/progress.h). */
#include "nanocim/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double ncm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ncm_progress_start(ncm_progress *p, const char *label, int64_t total, int quiet)
{
    memset(p, 0, sizeof *p);
    p->active = !quiet && isatty(STDERR_FILENO);
    p->total = total > 0 ? total : 1;
    p->last_drawn = -1;
    p->t_start = ncm_now();
    snprintf(p->label, sizeof p->label, "%s", label);
}

void ncm_progress_update(ncm_progress *p, int64_t done, const char *extra)
{
    if (!p->active)
        return;
    /* Redraw at most every 1/200 of the work, so the bar costs nothing in inner loops. */
    int64_t step = p->total / 200 > 0 ? p->total / 200 : 1;
    if (done != p->total && p->last_drawn >= 0 && done - p->last_drawn < step)
        return;
    p->last_drawn = done;
    const int width = 30;
    int fill = (int)(width * done / p->total);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double el = ncm_now() - p->t_start;
    double eta = done > 0 ? el * (double)(p->total - done) / (double)done : 0.0;
    fprintf(stderr, "\r%-12s [%s] %3d%% %5.0fs eta %4.0fs %s\033[K", p->label, bar,
            (int)(100 * done / p->total), el, eta, extra ? extra : "");
    fflush(stderr);
}

void ncm_progress_finish(ncm_progress *p)
{
    if (p->active) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    p->active = 0;
}
