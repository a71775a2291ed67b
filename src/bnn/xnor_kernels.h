/* Internal: the binary-product kernels behind ncm_xnor_gemm() (see include/nanocim/xnor.h).
 * Each computes rows [0, m) of A against neuron blocks [jb0, jb1) (8 neurons a block) of W,
 * on the calling thread. */
#ifndef NCM_XNOR_KERNELS_H
#define NCM_XNOR_KERNELS_H

#include "nanocim/xnor.h"

typedef void (*ncm_xnor_kernel_fn)(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0,
                                   int jb1, int32_t *c, int ldc);

void ncm_xnor_portable(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                       int32_t *c, int ldc);
void ncm_xnor_avx2(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                   int32_t *c, int ldc);
void ncm_xnor_avx512(const uint64_t *a, int m, int lda, const ncm_bmat *w, int jb0, int jb1,
                     int32_t *c, int ldc);

#endif
