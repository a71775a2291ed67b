/* The library's version, its build configuration, and the run-time settings that are global to
 * the process.
 *
 * Threads: the library's parallel loops (OpenMP) and OpenBLAS share one thread pool. Calls that
 * take a `threads` argument use that many for themselves (0: the current setting) and restore
 * nothing global; ncm_set_threads() is the one explicit, process-wide setting, for callers that
 * want to choose once. The library never changes it behind the caller's back.
 *
 * OpenBLAS chooses its kernel when it loads, from the CPU it recognises or from the
 * OPENBLAS_CORETYPE environment variable; the library reports which one runs but never changes
 * it (the command-line program may re-execute itself with a faster one; see its manual). */
#ifndef NANOCIM_CONFIG_H
#define NANOCIM_CONFIG_H

#include "nanocim/api.h"
#include "nanocim/error.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". */
NCM_API const char *ncm_version(void);

/* The build configuration, one line of space-separated key=value pairs:
 *   version=0.1.0 openmp=201511 mpi=0 xnor_kernels=portable,avx2,avx512
 *   stno_kernels=base,avx2,avx512 blas=openblas test_hooks=0
 * (openmp: the OpenMP version date, 0 without OpenMP; mpi: 1 when built with MPI). The kernels
 * listed are those compiled in; which of them this CPU runs is ncm_kernel_supported (xnor.h). */
NCM_API const char *ncm_build_config(void);

/* Releases memory the library allocated and handed over (texts such as
 * ncm_rram_fit_report_json's): free() of the library's own C runtime, for callers that do not
 * share it (bindings, programs linked against another allocator). NULL is allowed. */
NCM_API void ncm_free(void *p);

/* sizeof the public struct named (e.g. "ncm_train_job"), 0 for a name it does not know: for
 * bindings that mirror the structs (ctypes) to check their layout against the library's. */
NCM_API size_t ncm_struct_size(const char *name);

/* Sets the thread count of both OpenMP and OpenBLAS (n <= 0: leave it). OpenMP keeps this
 * setting per thread: it holds for the calling thread (and the threads it starts afterwards), so
 * a program that calls the library from several threads sets it in each. */
NCM_API void ncm_set_threads(int n);
/* Current thread count (OpenMP's maximum for a parallel region). */
NCM_API int ncm_threads(void);

/* Name of the kernel OpenBLAS is running ("SkylakeX", "Haswell", "Prescott", ...). */
NCM_API const char *ncm_blas_kernel(void);
/* How that kernel was chosen, from the environment the process started with: "openblas
 * default", "user (OPENBLAS_CORETYPE)", "nanocim fast path" or "fallback after failed
 * self-check" (the last two are set by the nanocim program's re-execution). */
NCM_API const char *ncm_blas_origin(void);
/* Checks sgemm against a plain triple loop on a small random product; NCM_OK when they agree,
 * NCM_ERR_STATE naming the kernel when they do not. */
NCM_API ncm_status ncm_blas_selfcheck(ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
