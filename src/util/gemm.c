/* Thread-count-independent matrix products over single-threaded OpenBLAS calls (gemm.h). */
#include "util/gemm.h"

#include <omp.h>

int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

/* Each block should carry enough work to amortise a call and its packing (about 2^21
 * multiply-adds, some 0.1 ms), and there should be enough blocks to balance two to a few dozen
 * threads; never more than MAX_BLOCKS. Blocks are multiples of 16 rows or columns, the width of
 * the kernels' register tiles, so the tiles inside a block sit as they would in one call. */
#define MIN_WORK (1 << 23)
#define MAX_BLOCKS 16

void ncm_sgemm_blocks(int m, int n, int k, int *bm, int *bn)
{
    const double work = (double)m * n * (k > 0 ? k : 1);
    int nb = (int)(work / MIN_WORK);
    nb = nb < 1 ? 1 : nb > MAX_BLOCKS ? MAX_BLOCKS : nb;
    *bm = m;
    *bn = n;
    /* Cut the longer side: the blocks then stay as square as the product allows. */
    int *side = m >= n ? bm : bn;
    const int len = m >= n ? m : n;
    int b = (len + nb - 1) / nb;
    b = (b + 15) / 16 * 16;
    *side = b < len ? b : len;
}

void ncm_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    int bm, bn;
    ncm_sgemm_blocks(m, n, k, &bm, &bn);
    const int rows = (m + bm - 1) / bm, cols = (n + bn - 1) / bn, nblocks = rows * cols;
    /* One OpenBLAS thread per call: the parallelism is ours. The caller's setting is restored.
     * OpenBLAS's OpenMP build sets the OpenMP thread count itself when told its own, hence the
     * team size taken first. */
    const int threads = omp_get_max_threads();
    const int saved = openblas_get_num_threads();
    if (saved != 1)
        openblas_set_num_threads(1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (nblocks > 1)
    for (int t = 0; t < nblocks; t++) {
        const int i0 = t / cols * bm, j0 = t % cols * bn;
        const int mi = m - i0 < bm ? m - i0 : bm, nj = n - j0 < bn ? n - j0 : bn;
        /* Row i0 of op(A) and column j0 of op(B), row-major. */
        const float *ai = ta == CblasNoTrans ? a + (long)i0 * lda : a + i0;
        const float *bj = tb == CblasNoTrans ? b + j0 : b + (long)j0 * ldb;
        cblas_sgemm(CblasRowMajor, ta, tb, mi, nj, k, alpha, ai, lda, bj, ldb, beta,
                    c + (long)i0 * ldc + j0, ldc);
    }
    if (saved != 1)
        openblas_set_num_threads(saved);
}
