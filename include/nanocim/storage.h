/* Storage options for binary weights: a cell type, optionally protected by a SECDED code, with
 * its bit error rate (analytic and Monte Carlo), energy and cost per stored data bit.
 *
 * Compares what Bocquet et al. (IEDM 2018) compare: 2T2R cells read by a PCSA without ECC, and
 * 1T1R cells read against a reference, with or without SECDED Hamming codes. Costs are per data
 * bit: a SECDED word stores n code bits for k data bits, so devices, programming and read energy
 * are multiplied by n/k, and the decoder's logic is counted in 2-input gates. */
#ifndef NANOCIM_STORAGE_H
#define NANOCIM_STORAGE_H

#include "nanocim/api.h"

#include <stddef.h>
#include <stdint.h>

#include "nanocim/error.h"
#include "nanocim/rram.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    ncm_cell_type cell;
    int ecc_k;        /* SECDED data bits per word (64 -> (72,64), 32 -> (39,32)); 0 = no ECC */
    int best_ref;     /* 1T1R: 1 = the BER-minimizing reference at each condition */
    double r_ref_ohm; /* 1T1R reference when best_ref = 0 */
} ncm_storage;

/* Parses "1t1r", "1t1r-secded" (72,64), "1t1r-secded:K" (K data bits), "2t2r". The 1T1R
 * reference is the best one at each condition. */
NCM_API ncm_status ncm_storage_parse(const char *name, ncm_storage *s, ncm_error *err);
/* "1T1R", "1T1R+SECDED(72,64)", "2T2R". */
NCM_API void ncm_storage_name(const ncm_storage *s, char *buf, size_t n);

typedef struct {
    double r_ref_ohm;        /* 1T1R reference used (0 for 2T2R) */
    double raw_ber;          /* analytic BER of the cell before ECC (NaN: no closed form) */
    double ber;              /* analytic BER of the stored data bits (NaN: no closed form) */
    double ber_mc;           /* Monte Carlo BER of the stored data bits */
    double ci95_lo, ci95_hi; /* its 95 % confidence interval */
    int64_t reads;           /* cell reads simulated */
    int64_t errors;          /* data-bit errors seen */
    double devices_per_bit;  /* devices per data bit, ECC check bits included */
    double e_program_bit_pj; /* programming energy per data bit */
    double e_read_bit_pj;    /* read energy per data bit (decoder excluded) */
    int decoder_gates;       /* SECDED decoder, 2-input gates (0 without ECC) */
} ncm_storage_eval;

/* Evaluates a storage option at a condition. mc_reads cell reads for the Monte Carlo (0: none);
 * with ECC, the Monte Carlo decodes mc_reads / n real code words whose bits fail independently
 * with the cell's analytic BER (each device is an independent draw). Same seed, same result for
 * any thread count. */
NCM_API ncm_status ncm_storage_evaluate(const ncm_rram_params *p, const ncm_rram_cond *c,
                                const ncm_storage *s, int64_t mc_reads, uint64_t seed,
                                ncm_storage_eval *out, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
