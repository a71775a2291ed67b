/* Internals of the storage options shared by src/rram/storage.c and the sweep (src/rram/sweep.c):
 * the evaluation of one option with a thread count and progress. Not part of the public API. */
#ifndef NCM_RRAM_STORAGE_INTERNAL_H
#define NCM_RRAM_STORAGE_INTERNAL_H

#include "nanocim/progress.h"
#include "nanocim/storage.h"

/* ncm_storage_evaluate() on `threads` OpenMP threads (0: the current setting), passing progress
 * to the Monte Carlo (ncm_rram_ber_mc, ncm_secded_mc); NCM_ERR_CANCELLED when it cancels. */
ncm_status ncm_storage_evaluate_run(const ncm_rram_params *p, const ncm_rram_cond *c,
                                    const ncm_storage *s, int64_t mc_reads, uint64_t seed,
                                    int threads, const ncm_progress *progress,
                                    ncm_storage_eval *out, ncm_error *err);

#endif
