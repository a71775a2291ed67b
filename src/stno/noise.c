/* Philox streams for the integrator's thermal noise, one per run, advanced in lockstep across the
 * lanes of a block. Lane r is stream (seed, first + r): the same 32-bit words as ncm_rng (seed,
 * first + r) (include/nanocim/rng.h; checked by tests/test_stno.c). Every lane consumes the same
 * number of words per step, so the words are kept as rows (row k holds every lane's k-th word) and
 * refilled NCM_STNO_ROWS / 4 Philox blocks at a time by loops over the lanes that gcc vectorises
 * (the refill and the normals are kernels of integrate_kernels.h; Philox: Salmon et al., "Parallel
 * random numbers: as easy as 1, 2, 3", SC'11). Normals are ziggurat draws (src/rram/
 * device_internal.h, Doornik 2005); the slow path of the ziggurat, about 2 % of the draws, takes
 * its extra words from an auxiliary stream per lane, (seed, (first + r) | 2^63). */
#include <stdlib.h>
#include <string.h>

#include "rram/device_internal.h"
#include "stno/stno_internal.h"

int ncm_stno_lanes_init(ncm_stno_lanes *g, int lanes, uint64_t seed, uint64_t first)
{
    memset(g, 0, sizeof *g);
    g->rows = malloc((size_t)NCM_STNO_ROWS * (size_t)lanes * sizeof *g->rows);
    g->scratch = malloc(6 * (size_t)lanes * sizeof *g->scratch);
    g->aux = malloc((size_t)lanes * sizeof *g->aux);
    g->rejected = malloc((size_t)lanes * sizeof *g->rejected);
    if (!g->rows || !g->scratch || !g->aux || !g->rejected) {
        ncm_stno_lanes_free(g);
        return -1;
    }
    g->lanes = lanes;
    g->key[0] = (uint32_t)seed;
    g->key[1] = (uint32_t)(seed >> 32);
    g->row = NCM_STNO_ROWS;
    for (int r = 0; r < lanes; r++) {
        uint64_t stream = first + (uint64_t)r;
        g->scratch[4 * lanes + r] = (uint32_t)stream;
        g->scratch[5 * lanes + r] = (uint32_t)(stream >> 32);
        ncm_rng_init(&g->aux[r], seed, stream | (UINT64_C(1) << 63));
    }
    ncm_zig_init();
    return 0;
}

void ncm_stno_lanes_free(ncm_stno_lanes *g)
{
    free(g->rows);
    free(g->scratch);
    free(g->aux);
    free(g->rejected);
    memset(g, 0, sizeof *g);
}

double ncm_stno_lanes_slow(ncm_stno_lanes *g, int r, uint32_t w)
{
    return ncm_zig_slow(&g->aux[r], w);
}
