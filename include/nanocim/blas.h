/* OpenBLAS set-up: thread count, kernel report, and the fast-kernel path.
 *
 * OpenBLAS picks its kernels once, when the library loads, from the CPU it recognises or from the
 * OPENBLAS_CORETYPE environment variable. Debian 12's OpenBLAS 0.3.21 does not recognise some
 * recent CPUs and then runs a generic kernel several times slower than the CPU allows. Since the
 * choice is made before main() runs, the only way to change it is to set OPENBLAS_CORETYPE and
 * re-execute the program; ncm_blas_fast_path() does that, only when the CPU has every instruction
 * set the chosen kernel uses, only when the user has not set OPENBLAS_CORETYPE, and it verifies
 * the kernel against a plain matrix product afterwards (falling back if it disagrees). */
#ifndef NANOCIM_BLAS_H
#define NANOCIM_BLAS_H

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Call first thing in main(). May re-execute the program (execv of /proc/self/exe with the same
 * argv) with OPENBLAS_CORETYPE set. Disabled by NCM_BLAS_AUTO=0. Returns only if no re-execution
 * happened (or it failed, in which case the program simply continues on the default kernel). */
void ncm_blas_fast_path(char **argv);

/* Name of the kernel OpenBLAS is running ("SkylakeX", "Haswell", "Prescott", ...). */
const char *ncm_blas_kernel(void);

/* How the kernel was chosen: "openblas default", "user (OPENBLAS_CORETYPE)", "nanocim fast
 * path", or "fallback after failed self-check". */
const char *ncm_blas_origin(void);

/* Sets the thread count of both OpenMP and OpenBLAS (n <= 0: keep the defaults). */
void ncm_set_threads(int n);
/* Current OpenMP thread count. */
int ncm_threads(void);

/* Checks sgemm against a plain triple loop on a small random product; NCM_OK when they agree. */
ncm_status ncm_blas_selfcheck(ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
