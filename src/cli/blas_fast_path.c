/* The OpenBLAS fast path of the nanocim program: a re-execution with a faster kernel.
 *
 * OpenBLAS picks its kernels once, when the library loads, from the CPU it recognises or from the
 * OPENBLAS_CORETYPE environment variable. Debian 12's OpenBLAS 0.3.21 does not recognise some
 * recent CPUs and then runs a generic kernel several times slower than the CPU allows. Since the
 * choice is made before main() runs, the only way to change it is to set OPENBLAS_CORETYPE and
 * re-execute the program. This belongs to a program's main(), never to the library (a library
 * must not replace its caller's process): the nanocim command and the benchmarks call it first
 * thing. It acts only when the CPU has every instruction set the chosen kernel uses and the user
 * has not set OPENBLAS_CORETYPE, and the re-executed program verifies the kernel against a plain
 * matrix product (falling back if it disagrees). NCM_BLAS_AUTO=0 disables it. */
#include "cli/blas_fast_path.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "nanocim/config.h"

/* Kernels that already use AVX-512 or AVX2+FMA: nothing to gain by switching. */
static int kernel_is_fast(const char *name, int want_avx512)
{
    static const char *avx512[] = {"skylakex", "cooperlake", "sapphirerapids"};
    static const char *avx2[] = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"};
    const char **list = want_avx512 ? avx512 : avx2;
    size_t n = want_avx512 ? sizeof avx512 / sizeof *avx512 : sizeof avx2 / sizeof *avx2;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(name, list[i]) == 0)
            return 1;
    return 0;
}

void cli_blas_fast_path(char **argv)
{
    const char *stage = getenv("NCM_BLAS_STAGE");
    if (stage && strcmp(stage, "fast") == 0) {
        /* We are the re-executed program: verify the kernel; on disagreement go back to the
         * library's own choice. */
        if (ncm_blas_selfcheck(NULL) == NCM_OK)
            return;
        unsetenv("OPENBLAS_CORETYPE");
        setenv("NCM_BLAS_STAGE", "fallback", 1);
        execv("/proc/self/exe", argv);
        return;
    }
    if (stage)
        return;
    const char *auto_env = getenv("NCM_BLAS_AUTO");
    if ((auto_env && strcmp(auto_env, "0") == 0) || getenv("OPENBLAS_CORETYPE"))
        return;
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                 __builtin_cpu_supports("avx512cd");
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const char *want = avx512 ? "SkylakeX" : avx2 ? "Haswell" : NULL;
    if (!want || kernel_is_fast(ncm_blas_kernel(), avx512))
        return;
    setenv("OPENBLAS_CORETYPE", want, 1);
    setenv("NCM_BLAS_STAGE", "fast", 1);
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the default kernel. */
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("NCM_BLAS_STAGE");
}

