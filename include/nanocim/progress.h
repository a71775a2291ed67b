/* A terminal progress bar for long work. Quiet when stderr is not a terminal or when the caller
 * asks for quiet (-q), so logs and CI output stay clean. */
#ifndef NANOCIM_PROGRESS_H
#define NANOCIM_PROGRESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int active; /* 0: prints nothing */
    int64_t total;
    int64_t last_drawn;
    double t_start;
    char label[48];
} ncm_progress;

/* Starts a bar for `total` steps; quiet=1 disables it, as does a non-terminal stderr. */
void ncm_progress_start(ncm_progress *p, const char *label, int64_t total, int quiet);
/* Redraws (rate-limited) after `done` steps; `extra` (may be NULL) is shown after the bar. */
void ncm_progress_update(ncm_progress *p, int64_t done, const char *extra);
/* Clears the bar's line. */
void ncm_progress_finish(ncm_progress *p);

/* Monotonic wall clock in seconds. */
double ncm_now(void);

#ifdef __cplusplus
}
#endif
#endif
