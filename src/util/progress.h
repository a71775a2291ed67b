/* Calling a caller's progress callback (include/nanocim/progress.h), and the monotonic clock.
 * Not part of the public API. */
#ifndef NCM_UTIL_PROGRESS_H
#define NCM_UTIL_PROGRESS_H

#include "nanocim/error.h"
#include "nanocim/progress.h"

/* Reports done/total of task to p (if any). NCM_ERR_CANCELLED, with a message naming task, when
 * the callback asks to stop; else NCM_OK. */
ncm_status ncm_progress_report(const ncm_progress *p, const char *task, int64_t done, int64_t total,
                               ncm_error *err);

/* Monotonic wall clock in seconds. */
double ncm_now(void);

#endif
