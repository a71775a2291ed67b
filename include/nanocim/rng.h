/* Counter-based random streams (Random123 Philox4x32-10; Salmon et al., SC'11).
 *
 * A stream is identified by (seed, stream id); its n-th number is a pure function of
 * (seed, stream, n). Work split over threads or processes therefore draws the same numbers as a
 * serial run as long as each work item uses its own stream id: results do not depend on the
 * thread or rank count. */
#ifndef NANOCIM_RNG_H
#define NANOCIM_RNG_H

#include "nanocim/api.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t key[2]; /* seed */
    uint32_t ctr[4]; /* ctr[0..1]: position in the stream, ctr[2..3]: stream id */
    uint32_t buf[4]; /* last block of outputs */
    int pos;         /* next unused word of buf (4 = empty) */
} ncm_rng;

/* Starts stream `stream` of generator `seed` at position 0. */
NCM_API void ncm_rng_init(ncm_rng *r, uint64_t seed, uint64_t stream);
/* Computes the next block of 4 words (the counter advances); used by ncm_rng_u32. */
NCM_API void ncm_rng_refill(ncm_rng *r);

/* Uniform 32-bit and 64-bit integers. */
NCM_API uint32_t ncm_rng_u32(ncm_rng *r);
NCM_API uint64_t ncm_rng_u64(ncm_rng *r);
/* Uniform double in the open interval (0, 1) (53-bit resolution). */
NCM_API double ncm_rng_uniform(ncm_rng *r);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
NCM_API uint32_t ncm_rng_below(ncm_rng *r, uint32_t n);
/* Standard normal deviate (Box-Muller on two uniforms; no cached state). */
NCM_API double ncm_rng_normal(ncm_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
NCM_API void ncm_rng_shuffle(ncm_rng *r, int32_t *idx, int64_t n);

#ifdef __cplusplus
}
#endif
#endif
