/* Progress reporting and cancellation of long library calls.
 *
 * The library never prints. A long call (a training epoch, a training run, a Monte Carlo) takes
 * an optional `const ncm_progress *`: the library calls fn(user, task, done, total) from the
 * calling thread at natural boundaries (after a batch, a block of runs, a point; never from
 * inside a parallel region), with `done` counting up to `total` units of `task` ("epoch 3/15",
 * "rram ber", ...). If fn returns non-zero the call stops at the next safe point and returns
 * NCM_ERR_CANCELLED; what "safe" leaves behind is documented with each call. A NULL progress, or a
 * NULL fn, reports nothing. The command-line front end draws a terminal bar with it; the Python
 * package forwards it to a Python callable (and so to KeyboardInterrupt). */
#ifndef NANOCIM_PROGRESS_H
#define NANOCIM_PROGRESS_H

#include "nanocim/api.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*ncm_progress_fn)(void *user, const char *task, int64_t done, int64_t total);

typedef struct {
    ncm_progress_fn fn; /* NULL: no reports */
    void *user;         /* passed back to fn */
} ncm_progress;

#ifdef __cplusplus
}
#endif
#endif
