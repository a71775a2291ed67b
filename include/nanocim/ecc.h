/* SECDED error-correcting codes for 1T1R RRAM words: extended Hamming codes, their storage and
 * logic cost, and the bit error rate left after decoding (exact and Monte Carlo).
 *
 * Context: Bocquet et al., "In-memory and error-immune differential RRAM implementation of
 * binarized deep neural networks", IEDM 2018, compare 2T2R cells (two devices a bit, differential
 * read, no ECC, 100 % storage overhead) with 1T1R cells protected by SECDED codes. This module is
 * the 1T1R side: a stored bit is read wrong independently with probability p (the raw bit error
 * rate), and the functions below give what is left after the decoder.
 *
 * Code (Hamming, Bell Syst. Tech. J. 29(2):147-160, 1950, extended by an overall parity bit to
 * single-error-correcting, double-error-detecting): k data bits, m Hamming check bits, m the
 * smallest with 2^m >= k + m + 1, and one overall parity bit: n = k + m + 1 code bits and
 * r = n - k = m + 1 check bits (equivalently r is the smallest with 2^(r-1) >= k + r). Examples:
 * (13,8), (22,16), (39,32), (72,64). Codewords are systematic:
 *     bits [0, k)       data (data bit i is code bit i)
 *     bits [k, k + m)   Hamming check bits (check bit t is code bit k + t)
 *     bit  n - 1        overall parity: XOR of the other n - 1 bits
 * Parity-check matrix H (r rows, n columns): column of code bit j is c_j = h_j | 1 << m (bit t of
 * the integer = row t), where the m-bit h_j is, for data bit i, the i-th integer >= 3 that is not
 * a power of two (Hamming's position numbering, made systematic), 1 << t for check bit t and 0 for
 * the overall parity bit. Row m (all ones) is the overall parity check. The syndrome of a word
 * with error pattern e is S = H e = s | pi << m (s: Hamming syndrome, pi: overall parity).
 *
 * Decoder decision table:
 *     pi = 0, s = 0            no error seen                        -> NCM_SECDED_CLEAN
 *     pi = 1, s = 0            the overall parity bit is wrong: flip it -> NCM_SECDED_CORRECTED
 *     pi = 1, s = h_q (q < n-1) single error at q: flip bit q        -> NCM_SECDED_CORRECTED
 *     pi = 1, s is no column   (shortened codes only) an odd number >= 3 of errors: no flip
 *                                                                     -> NCM_SECDED_DETECTED
 *     pi = 0, s != 0           an even number >= 2 of errors: no flip -> NCM_SECDED_DETECTED
 * Hence every single error is corrected and every double error detected; three or more errors
 * may be miscorrected (pi = 1 and s the column of a bit that was right) or go undetected (S = 0,
 * the pattern is a codeword). On DETECTED the word is left as read and its data bits are returned
 * as they are.
 *
 * Bits come either packed (bit j of a word in bit j % 64 of uint64 j / 64; bits past k or n are
 * ignored on input and zero on output) or one a byte (0 / nonzero in, 0 / 1 out). */
#ifndef NANOCIM_ECC_H
#define NANOCIM_ECC_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/error.h"
#include "nanocim/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest data width: r = 14 check bits, 2^14 syndromes. */
#define NCM_SECDED_MAX_K 4096

/* Outcome of decoding one word (see the decision table above). */
enum {
    NCM_SECDED_CLEAN = 0,     /* zero syndrome: nothing flipped */
    NCM_SECDED_CORRECTED = 1, /* one bit flipped */
    NCM_SECDED_DETECTED = 2   /* uncorrectable error detected: nothing flipped */
};

typedef struct ncm_secded ncm_secded;

/* The SECDED code with k_data data bits (1 <= k_data <= NCM_SECDED_MAX_K); NULL with err filled
 * (NCM_ERR_ARG, NCM_ERR_NOMEM) on failure. Released with ncm_secded_free() (NULL is accepted). */
NCM_API ncm_secded *ncm_secded_new(int k_data, ncm_error *err);
NCM_API void ncm_secded_free(ncm_secded *c);

NCM_API int ncm_secded_n(const ncm_secded *c); /* code bits */
NCM_API int ncm_secded_k(const ncm_secded *c); /* data bits */
NCM_API int ncm_secded_r(const ncm_secded *c); /* check bits n - k, overall parity included */
/* Column of H for code bit j (0 <= j < n): bits 0..r-2 the Hamming rows, bit r-1 the overall
 * parity row (always set). */
NCM_API uint32_t ncm_secded_column(const ncm_secded *c, int j);
/* Storage overhead (n - k) / k: 0.125 for (72,64), 0.219 for (39,32). */
NCM_API double ncm_secded_overhead(const ncm_secded *c);

/* Gate-count estimate in 2-input gates, inverters free (both polarities of a syndrome bit are
 * assumed available), no logic sharing beyond XOR trees: a first-order area/energy figure, not a
 * synthesis result.
 *   encoder_xor   check-bit generation: per Hamming row, (number of data bits in it) - 1, plus
 *                 k + m - 1 for the overall parity of data and check bits;
 *   syndrome_xor  sum over the r rows of H of (row weight - 1); the overall row has weight n;
 *   match_and     one AND tree a data bit over the r syndrome bits (pi and the m bits of s, each
 *                 in the polarity of its column): k (r - 1);
 *   correct_xor   k: data bit XOR its match line;
 *   flag_gates    double-error flag NOT pi AND (s != 0): an OR tree over s (m - 1) and one AND.
 *                 The flag of odd, unmatched syndromes of shortened codes is not counted;
 *   decoder_total syndrome_xor + match_and + correct_xor + flag_gates. */
typedef struct {
    int encoder_xor;
    int syndrome_xor;
    int match_and;
    int correct_xor;
    int flag_gates;
    int decoder_total;
} ncm_secded_logic;
NCM_API ncm_secded_logic ncm_secded_logic_estimate(const ncm_secded *c);

/* Packed interface: data has ceil(k / 64) words, code ceil(n / 64) words. */
NCM_API void ncm_secded_encode_packed(const ncm_secded *c, const uint64_t *data, uint64_t *code);
/* Syndrome S = s | pi << (r - 1) of a received word (0 for every codeword). */
NCM_API uint32_t ncm_secded_syndrome_packed(const ncm_secded *c, const uint64_t *code);
/* Corrects code in place and writes its k data bits to data (if not NULL); returns an
 * NCM_SECDED_* outcome. */
NCM_API int ncm_secded_decode_packed(const ncm_secded *c, uint64_t *code, uint64_t *data);

/* One bit a byte: data_bits[k], code_bits[n]. */
NCM_API void ncm_secded_encode(const ncm_secded *c, const uint8_t *data_bits, uint8_t *code_bits);
NCM_API int ncm_secded_decode(const ncm_secded *c, uint8_t *code_bits, uint8_t *data_bits);

/* Per-word outcome probabilities (analytic) or frequencies (Monte Carlo) for i.i.d. raw bit
 * errors with probability p on all n stored bits. clean + corrected + detected + miscorrected +
 * undetected = 1; miscorrected + undetected is the silent data corruption rate (the data is then
 * always wrong: the decoded error pattern is a nonzero codeword, whose data part is nonzero),
 * detected the detected-uncorrectable-error rate. */
typedef struct {
    double ber;          /* residual bit error rate: expected fraction of data bits wrong after
                          * decoding (DETECTED words count with the data as read) */
    double clean;        /* no error in the word */
    double corrected;    /* exactly one error, corrected */
    double detected;     /* decoder says DETECTED (always >= 2 errors) */
    double miscorrected; /* >= 2 errors and the decoder says CORRECTED */
    double undetected;   /* >= 2 errors and zero syndrome: the decoder says CLEAN */
} ncm_secded_rates;

/* Exact rates for raw bit error probability p in [0, 1].
 *
 * Residual bit error rate, by linearity of expectation: ber = (1/k) sum over data bits i of
 * P(bit i wrong after decoding). Let S_i be the syndrome of the errors on all positions except
 * i, e_i the error on i. The decoder flips i iff the full syndrome S_i ^ e_i c_i equals c_i
 * (c_i is the column of no other bit and the overall-parity-only and unmatched syndromes flip no
 * data bit), so
 *     e_i = 1: bit i stays wrong unless S_i = 0;    e_i = 0: bit i turns wrong iff S_i = c_i;
 *     P(bit i wrong) = p P(S_i != 0) + (1 - p) P(S_i = c_i).
 * The distribution of S_i over the 2^r syndromes is computed exactly in the probability domain,
 * by XOR-convolving one position at a time (P'(s) = (1 - p) P(s) + p P(s ^ c_j)), with a
 * divide-and-conquer over the data bits so each S_i costs O(2^r log k) rather than O(n 2^r).
 * This is the distribution the Walsh-Hadamard route gives (characteristic function
 * prod_{j != i} (1 - 2p [c_j . u odd]) inverted), but as sums of nonnegative terms: no
 * cancellation, full relative precision down to the smallest p (the transform loses digits once
 * P(S_i = c_i) ~ p^3 falls below ~1e-16). Word rates come from the same recursion over all n
 * positions, tracking the syndrome jointly with the error weight (0, 1, >= 2).
 *
 * Small p: ber = (n - 1) p^2 + (A4 - (n - 1)(n - 2) / 2) p^3 + O(p^4), where A4 is the mean over
 * data bits of the number of weight-4 codewords containing the bit. Leading term: a wrong data
 * bit stays wrong when any of the n - 1 other bits is also wrong (a double error is detected and
 * left as read). At p^3: the expansion of p (1 - (1 - p)^(n-1)), plus the triple errors on other
 * bits whose syndrome is c_i, which flip a right bit i. Cost O(k log k 2^r): microseconds for
 * (72,64). */
NCM_API ncm_status ncm_secded_analytic(const ncm_secded *c, double p, ncm_secded_rates *out,
                                       ncm_error *err);
/* Just the residual bit error rate; NaN if p is not in [0, 1] or memory runs out. */
NCM_API double ncm_secded_ber_analytic(const ncm_secded *c, double p);

/* Monte Carlo estimate of the same rates. */
typedef struct {
    ncm_secded_rates rates; /* observed frequencies; rates.ber = bit_errors / (words k) */
    double ber_ci95;        /* half-width of the 95 % confidence interval on rates.ber: normal
                             * approximation on the per-word data-bit error counts (their mean
                             * and sample variance), since errors within a word are correlated;
                             * 0 when no error was seen (the approximation then says nothing),
                             * infinite for a single word */
    int64_t words;          /* words simulated */
    int64_t raw_errors;     /* bits flipped (expected: words n p) */
    int64_t bit_errors;     /* data bits wrong after decoding */
    int64_t n_clean, n_corrected, n_detected, n_miscorrected, n_undetected; /* words */
} ncm_secded_mc_result;

/* Encodes n_words uniformly random data words, flips each stored bit with probability p
 * (geometric gaps between errors over the bit stream, so the cost of the errors is O(errors);
 * Devroye, Non-Uniform Random Variate Generation, 1986, sec. X.2), decodes and counts. Words are
 * split into fixed chunks of 8192, chunk i drawn from Philox stream i of `seed`, and spread over
 * `threads` OpenMP threads (<= 0: the current OpenMP setting): results are identical for any
 * thread count. progress (may be NULL) hears task "SECDED Monte Carlo", done/total in words,
 * between blocks of chunks; when it cancels, the call returns NCM_ERR_CANCELLED and *out is left
 * untouched. */
NCM_API ncm_status ncm_secded_mc(const ncm_secded *c, double p, int64_t n_words, uint64_t seed,
                                 int threads, const ncm_progress *progress,
                                 ncm_secded_mc_result *out, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
