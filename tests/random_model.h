/* Shared by the chip tests (test_chip.c, test_sweep.c): a folded model with random weights.
 * Include after cmocka.h and bnn/bnn_internal.h. */
#ifndef NCM_TEST_RANDOM_MODEL_H
#define NCM_TEST_RANDOM_MODEL_H

#include <math.h>

#include "nanocim/rng.h"

/* A model of architecture spec for c x h x w images and 4 classes with random weight bits (zero
 * padding), thresholds near the middle of each sum's range and random class-layer maps. */
static ncm_model *random_model(const char *spec, int c, int h, int w, uint64_t seed)
{
    ncm_error err;
    ncm_arch arch;
    assert_int_equal(ncm_arch_parse(spec, c, h, w, 4, &arch, &err), NCM_OK);
    ncm_model *m = ncm_model_alloc(&arch, &err);
    assert_non_null(m);
    ncm_rng r;
    ncm_rng_init(&r, seed, 0);
    for (int l = 0; l < m->n_layers; l++) {
        ncm_model_layer *L = &m->layer[l];
        for (int o = 0; o < L->cout; o++) {
            uint64_t *row = L->wbits + (int64_t)o * L->words;
            for (int j = 0; j < L->fan_in; j++)
                if (ncm_rng_u32(&r) & 1)
                    row[j / 64] |= 1ull << (j % 64);
            const int spread = (int)sqrt((double)L->fan_in) * (L->first ? 64 : 1) + 1;
            if (L->last) {
                L->mean[o] = (float)(ncm_rng_normal(&r) * spread);
                L->scale[o] = (float)ncm_rng_normal(&r);
                L->beta[o] = (float)ncm_rng_normal(&r);
            } else {
                L->thresh[o] = (int32_t)ncm_rng_below(&r, 2u * (unsigned)spread) - spread;
                L->dir[o] = (ncm_rng_u32(&r) & 1) ? 1 : -1;
            }
        }
    }
    assert_int_equal(ncm_model_validate(m, "random model", &err), NCM_OK);
    return m;
}

#endif
