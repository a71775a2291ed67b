/* The inline word generator of ncm_rng, for the library's Monte Carlo inner loops: the exported
 * ncm_rng_u32 is the same function out of line. Not part of the public API. */
#ifndef NCM_RNG_INLINE_H
#define NCM_RNG_INLINE_H

#include "nanocim/rng.h"

static inline uint32_t ncm_rng_next_u32(ncm_rng *r)
{
    if (r->pos >= 4)
        ncm_rng_refill(r);
    return r->buf[r->pos++];
}

#endif
