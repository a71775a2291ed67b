/* Counter-based random streams on Random123's Philox4x32-10 (see include/nanocim/rng.h). */
#include "nanocim/rng.h"
#include "util/rng_inline.h"

#include <Random123/philox.h>
#include <math.h>

void ncm_rng_init(ncm_rng *r, uint64_t seed, uint64_t stream)
{
    r->key[0] = (uint32_t)seed;
    r->key[1] = (uint32_t)(seed >> 32);
    r->ctr[0] = r->ctr[1] = 0;
    r->ctr[2] = (uint32_t)stream;
    r->ctr[3] = (uint32_t)(stream >> 32);
    r->pos = 4;
}

void ncm_rng_refill(ncm_rng *r)
{
    philox4x32_ctr_t c = {{r->ctr[0], r->ctr[1], r->ctr[2], r->ctr[3]}};
    philox4x32_key_t k = {{r->key[0], r->key[1]}};
    philox4x32_ctr_t out = philox4x32(c, k);
    for (int i = 0; i < 4; i++)
        r->buf[i] = out.v[i];
    if (++r->ctr[0] == 0)
        ++r->ctr[1];
    r->pos = 0;
}

uint64_t ncm_rng_u64(ncm_rng *r)
{
    uint64_t hi = ncm_rng_next_u32(r);
    return (hi << 32) | ncm_rng_next_u32(r);
}

double ncm_rng_uniform(ncm_rng *r)
{
    /* 53 random bits, offset by half a step so 0 and 1 are never returned. */
    return ((double)(ncm_rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

uint32_t ncm_rng_below(ncm_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift with rejection (ACM TOMACS 2019). */
    uint64_t m = (uint64_t)ncm_rng_next_u32(r) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (low < t) {
            m = (uint64_t)ncm_rng_next_u32(r) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double ncm_rng_normal(ncm_rng *r)
{
    double u1 = ncm_rng_uniform(r), u2 = ncm_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void ncm_rng_shuffle(ncm_rng *r, int32_t *idx, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = ncm_rng_below(r, (uint32_t)(i + 1));
        int32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

uint32_t ncm_rng_u32(ncm_rng *r)
{
    return ncm_rng_next_u32(r);
}
