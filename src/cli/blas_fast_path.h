/* The OpenBLAS fast path of the nanocim program (re-execution with a faster kernel). */
#ifndef NCM_CLI_BLAS_FAST_PATH_H
#define NCM_CLI_BLAS_FAST_PATH_H

/* Call first thing in main(). May re-execute the program (execv of /proc/self/exe with the same
 * argv) with OPENBLAS_CORETYPE set. Disabled by NCM_BLAS_AUTO=0. Returns only if no re-execution
 * happened (or it failed, in which case the program simply continues on the default kernel). */
void cli_blas_fast_path(char **argv);

#endif
