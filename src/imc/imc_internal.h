/* Internal pieces of the in-memory chip layer (src/imc/), shared by its files and the tests. */
#ifndef NCM_IMC_INTERNAL_H
#define NCM_IMC_INTERNAL_H

#include <stdint.h>

#include "nanocim/chip.h"
#include "nanocim/rng.h"

typedef enum { NCM_IMC_FLIP = 0, NCM_IMC_STUCK = 1 } ncm_imc_fault_kind;

/* Faults one layer's packed weights [cout][words] in place: each of the cout * fan_in weight
 * bits (never a padding bit) is hit with probability p, chosen by geometric skipping on r;
 * FLIP inverts the bit, STUCK sets it to +1 or -1 (one more draw of r, 1/2 each). Returns the
 * number of bits hit. */
int64_t ncm_imc_fault_layer(uint64_t *wbits, int cout, int fan_in, int words, double p,
                            ncm_imc_fault_kind kind, ncm_rng *r);

/* Name of the kernel the chip's packed engine runs. */
const char *ncm_imc_chip_kernel(const ncm_chip *c);

#endif
