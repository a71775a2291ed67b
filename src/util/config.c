/* Version, build configuration, threads and the OpenBLAS kernel report (include/nanocim/config.h). */
#include "nanocim/config.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/rng.h"

char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);

#define NCM_STR2(x) #x
#define NCM_STR(x) NCM_STR2(x)

const char *ncm_version(void)
{
    return NCM_VERSION;
}

const char *ncm_build_config(void)
{
    return "version=" NCM_VERSION " openmp="
#ifdef _OPENMP
        NCM_STR(_OPENMP)
#else
        "0"
#endif
        " mpi="
#ifdef NCM_HAVE_MPI
        "1"
#else
        "0"
#endif
        " xnor_kernels=portable,avx2,avx512 stno_kernels=base,avx2,avx512 blas=openblas test_hooks="
#ifdef NCM_TEST_HOOKS
        "1"
#else
        "0"
#endif
        ;
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
