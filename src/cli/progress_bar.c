/* The command line's terminal progress bar, drawn from the library's progress callback
 * (include/nanocim/progress.h). Quiet when stderr is not a terminal or with -q, so logs and CI
 * output stay clean. */
#include "cli/progress_bar.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/progress.h"

void cli_bar_start(cli_bar *b, int quiet)
{
    memset(b, 0, sizeof *b);
    b->active = !quiet && isatty(STDERR_FILENO);
    b->last_drawn = -1;
    b->progress.fn = cli_bar_draw;
    b->progress.user = b;
}

int cli_bar_draw(void *user, const char *task, int64_t done, int64_t total)
{
    cli_bar *b = user;
    if (!b->active)
        return 0;
    if (strcmp(task, b->task) != 0) {
        snprintf(b->task, sizeof b->task, "%s", task);
        b->t_start = ncm_now();
        b->last_drawn = -1;
    }
    if (total < 1)
        total = 1;
    /* Redraw at most every 1/200 of the work, so the bar costs nothing in inner loops. */
    int64_t step = total / 200 > 0 ? total / 200 : 1;
    if (done != total && b->last_drawn >= 0 && done - b->last_drawn < step)
        return 0;
    b->last_drawn = done;
    const int width = 30;
    int fill = (int)(width * done / total);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double el = ncm_now() - b->t_start;
    double eta = done > 0 ? el * (double)(total - done) / (double)done : 0.0;
    fprintf(stderr, "\r%-12s [%s] %3d%% %5.0fs eta %4.0fs %s\033[K", b->task, bar,
            (int)(100 * done / total), el, eta, b->extra);
    fflush(stderr);
    return 0;
}

void cli_bar_finish(cli_bar *b)
{
    if (b->active) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    b->task[0] = '\0';
}
