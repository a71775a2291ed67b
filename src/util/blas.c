/* OpenBLAS set-up and the fast-kernel path (see include/nanocim/blas.h). */
#include "nanocim/blas.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "nanocim/rng.h"

char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);

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

void ncm_blas_fast_path(char **argv)
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
    if (!want || kernel_is_fast(openblas_get_corename(), avx512))
        return;
    setenv("OPENBLAS_CORETYPE", want, 1);
    setenv("NCM_BLAS_STAGE", "fast", 1);
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the default kernel. */
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("NCM_BLAS_STAGE");
}

const char *ncm_blas_kernel(void)
{
    return openblas_get_corename();
}

const char *ncm_blas_origin(void)
{
    const char *stage = getenv("NCM_BLAS_STAGE");
    if (stage && strcmp(stage, "fast") == 0)
        return "nanocim fast path";
    if (stage && strcmp(stage, "fallback") == 0)
        return "fallback after failed self-check";
    if (getenv("OPENBLAS_CORETYPE"))
        return "user (OPENBLAS_CORETYPE)";
    return "openblas default";
}

void ncm_set_threads(int n)
{
    if (n > 0)
        omp_set_num_threads(n);
    openblas_set_num_threads(omp_get_max_threads());
}

int ncm_threads(void)
{
    return omp_get_max_threads();
}

ncm_status ncm_blas_selfcheck(ncm_error *err)
{
    /* Sizes chosen to cross the kernels' blocking edges (not multiples of 16). */
    enum { M = 67, N = 45, K = 131 };
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N);
    float *c = malloc(sizeof(float) * M * N);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return ncm_error_set(err, NCM_ERR_NOMEM, "blas self-check: out of memory");
    }
    ncm_rng r;
    ncm_rng_init(&r, 12345, 0);
    for (int i = 0; i < M * K; i++)
        a[i] = (float)(ncm_rng_uniform(&r) - 0.5);
    for (int i = 0; i < K * N; i++)
        b[i] = (float)(ncm_rng_uniform(&r) - 0.5);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N);
    double worst = 0.0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < K; k++)
                s += (double)a[i * K + k] * b[k * N + j];
            worst = fmax(worst, fabs(s - c[i * N + j]));
        }
    free(a), free(b), free(c);
    if (!(worst < 1e-3))
        return ncm_error_set(err, NCM_ERR_STATE,
                             "OpenBLAS kernel %s: sgemm self-check off by %g; set "
                             "OPENBLAS_CORETYPE to a kernel this CPU supports",
                             openblas_get_corename(), worst);
    return NCM_OK;
}
