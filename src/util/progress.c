/* Progress callbacks of long library calls (include/nanocim/progress.h) and the clock. */
#include "util/progress.h"

#include <time.h>

ncm_status ncm_progress_report(const ncm_progress *p, const char *task, int64_t done, int64_t total,
                               ncm_error *err)
{
    if (!p || !p->fn)
        return NCM_OK;
    if (p->fn(p->user, task, done, total) != 0)
        return ncm_error_set(err, NCM_ERR_CANCELLED, "%s: cancelled by the caller after %lld of %lld",
                             task, (long long)done, (long long)total);
    return NCM_OK;
}

double ncm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
