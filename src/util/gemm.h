/* Matrix products whose bits do not depend on the thread count.
 *
 * OpenBLAS's own threading cuts a product between its threads by their number, and the kernels
 * it then runs on each piece round differently at the pieces' edges: the same training run gave
 * different models with 1 and 2 threads. Here the output is cut into fixed blocks chosen from
 * the shapes alone; each block is one single-threaded OpenBLAS call, and the blocks are handed
 * out dynamically to the OpenMP threads. Whoever computes a block, it is the same call on the
 * same data, so the result is the same bits for any thread count, and a thread that shares its
 * core with another job simply takes fewer blocks. */
#ifndef NANOCIM_GEMM_H
#define NANOCIM_GEMM_H

#include <cblas.h>

/* C = alpha op(A) op(B) + beta C, row-major, as cblas_sgemm. */
void ncm_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* The blocks ncm_sgemm cuts an m x n output into (rows and columns per block), exposed for the
 * tests: a function of the shape only. */
void ncm_sgemm_blocks(int m, int n, int k, int *bm, int *bn);

#endif
