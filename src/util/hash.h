/* A 64-bit fingerprint (FNV-1a) of what a long computation depends on, so that a checkpoint is
 * only resumed by the same computation. Not cryptographic: it guards against mistakes (another
 * model, another grid), not against forgery. Values are fed field by field, never as whole
 * structs, so that padding bytes never enter. */
#ifndef NANOCIM_HASH_H
#define NANOCIM_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NCM_HASH_INIT 0xcbf29ce484222325ull

static inline uint64_t ncm_hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static inline uint64_t ncm_hash_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i)); /* the same bytes on any host */
    return ncm_hash_bytes(h, b, sizeof b);
}

/* By its bits: -0.0 and 0.0 differ, every NaN payload differs; a fingerprint errs on the safe
 * side. */
static inline uint64_t ncm_hash_f64(uint64_t h, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return ncm_hash_u64(h, u);
}

static inline uint64_t ncm_hash_str(uint64_t h, const char *s)
{
    const size_t n = s ? strlen(s) : 0;
    return ncm_hash_bytes(ncm_hash_u64(h, n), s ? s : "", n);
}

#endif
