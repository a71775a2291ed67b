/* Storage options for binary weights: a cell type, optionally protected by a SECDED code, with
 * its bit error rate (analytic and Monte Carlo), energy and cost per stored data bit.
 *
 * Compares what Bocquet et al. (IEDM 2018) compare: 2T2R cells read by a PCSA without ECC, and
 * 1T1R cells read against a reference, with or without SECDED Hamming codes. Costs are per data
 * bit: a SECDED word stores n code bits for k data bits, so devices, programming and read energy
 * are multiplied by n/k, and the decoder's logic is counted in 2-input gates.
 *
 * A sweep (ncm_rram_ber_sweep) evaluates a list of storage options over a grid of programming
 * conditions into a result table with its CSV and JSON writers: what `nanocim rram ber` runs. */
#ifndef NANOCIM_STORAGE_H
#define NANOCIM_STORAGE_H

#include "nanocim/api.h"

#include <stddef.h>
#include <stdint.h>

#include "nanocim/error.h"
#include "nanocim/progress.h"
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

/* Parses "1t1r", "1t1r-secded" (72,64), "1t1r-secded:K" (K data bits, 1 <= K <=
 * NCM_SECDED_MAX_K), "2t2r" (any case). The 1T1R reference is the best one at each condition.
 * An unknown name is NCM_ERR_ARG, the message quoting it. */
NCM_API ncm_status ncm_storage_parse(const char *name, ncm_storage *s, ncm_error *err);
/* "1T1R", "1T1R+SECDED(72,64)", "2T2R". */
NCM_API void ncm_storage_name(const ncm_storage *s, char *buf, size_t n);
/* A comma-free identifier that ncm_storage_parse() reads back: "1t1r", "1t1r-secded:64",
 * "2t2r" (the cell column of the sweep's CSV). */
NCM_API void ncm_storage_id(const ncm_storage *s, char *buf, size_t n);

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
 * with the cell's analytic BER (each device is an independent draw). Runs on the current OpenMP
 * thread count, without progress reports; same seed, same result for any thread count. For many
 * conditions, or to choose the threads and follow the progress, use ncm_rram_ber_sweep(). */
NCM_API ncm_status ncm_storage_evaluate(const ncm_rram_params *p, const ncm_rram_cond *c,
                                        const ncm_storage *s, int64_t mc_reads, uint64_t seed,
                                        ncm_storage_eval *out, ncm_error *err);

/* ---- sweeps over programming conditions ------------------------------------------------------ */

/* Most rows a sweep may have (conditions x storage options). */
enum { NCM_RRAM_SWEEP_MAX_ROWS = 1000000 };
/* Row i of a sweep uses the Monte Carlo seed  grid seed * NCM_RRAM_SWEEP_SEED_STRIDE + i  (in
 * uint64_t arithmetic), so every row draws its own Philox streams. */
#define NCM_RRAM_SWEEP_SEED_STRIDE UINT64_C(1000003)

/* The grid of a bit error rate sweep: every storage option at every condition of
 * i_cc_ua x v_reset_v x t_p_ns x cycles. A plain value: the arrays are the caller's and are
 * copied by the sweep. An axis with n = 0 is the one value of the device's reference condition
 * (i_ref_ua, v_reset_ref_v, t_p_ref_ns; age 0 cycles); n_cells = 0 is the comparison of Bocquet
 * et al.: 1t1r, 1t1r-secded (72,64) and 2t2r. */
typedef struct {
    const double *i_cc_ua; /* [n_icc] SET compliance currents, uA, > 0 */
    int n_icc;
    const double *v_reset_v; /* [n_vreset] RESET voltages, V, != 0 */
    int n_vreset;
    const double *t_p_ns; /* [n_tp] pulse widths, ns, > 0 */
    int n_tp;
    const double *cycles; /* [n_cycles] device ages, SET/RESET cycles, >= 0 */
    int n_cycles;
    const ncm_storage *cells; /* [n_cells] storage options */
    int n_cells;
    int64_t reads;      /* Monte Carlo cell reads per row, >= 0 (0: analytic only) */
    uint64_t seed;      /* see NCM_RRAM_SWEEP_SEED_STRIDE */
    int threads;        /* OpenMP threads, >= 0 (0: the current OpenMP setting) */
    const char *device; /* where the device parameters came from (a file name), recorded in
                         * the JSON document; NULL: "built-in" */
} ncm_rram_sweep;

/* Every axis empty (the reference condition), the three default cells, 1e6 reads per row, seed
 * 1, threads 0, device NULL. */
NCM_API void ncm_rram_sweep_default(ncm_rram_sweep *g);

/* Checks counts, arrays, values and the size: NCM_ERR_ARG naming the field as "where.field"
 * (where NULL: "ncm_rram_sweep") with its value, or, for a grid of more than
 * NCM_RRAM_SWEEP_MAX_ROWS rows, the axis lengths, the number of rows and the limit. */
NCM_API ncm_status ncm_rram_sweep_check(const ncm_rram_sweep *g, const char *where, ncm_error *err);

/* One storage option of a sweep. */
typedef struct {
    ncm_storage storage;
    char name[64]; /* ncm_storage_name(): "1T1R+SECDED(72,64)" */
    char id[32];   /* ncm_storage_id(): "1t1r-secded:64" */
} ncm_rram_ber_cell;

/* One row: a storage option at a condition. */
typedef struct {
    double i_cc_ua, v_reset_v, t_p_ns, cycles; /* the condition */
    int cell;                                  /* index into the table's cells */
    uint64_t seed;                             /* the Monte Carlo seed of this row */
    ncm_storage_eval ev;                       /* ncm_storage_evaluate() at the condition */
} ncm_rram_ber_row;

/* The result of a sweep. Allocated by ncm_rram_ber_sweep(), released with
 * ncm_rram_ber_table_free(); every field is for reading. Row order: V_reset slowest, then t_p,
 * cycles, I_cc, and the storage option fastest, i.e. row
 *     i = (((a n_tp + b) n_cycles + c) n_icc + d) n_cells + k
 * holds v_reset_v[a], t_p_ns[b], cycles[c], i_cc_ua[d] and cells[k]. */
typedef struct {
    ncm_rram_params params;              /* the technology swept */
    char *device;                        /* the grid's device ("built-in" when it was NULL) */
    int n_icc, n_vreset, n_tp, n_cycles; /* axis lengths (>= 1: empty axes resolved) */
    double *i_cc_ua, *v_reset_v, *t_p_ns, *cycles; /* the axes' values */
    int n_cells;
    ncm_rram_ber_cell *cells; /* [n_cells] */
    int64_t n_points;         /* conditions: n_icc n_vreset n_tp n_cycles */
    int64_t n_rows;           /* n_points n_cells */
    ncm_rram_ber_row *rows;   /* [n_rows], in the order above */
    int64_t reads;            /* Monte Carlo cell reads per row */
    uint64_t seed;            /* the grid's seed */
    int threads;              /* OpenMP threads used */
    double seconds;           /* wall time of the sweep */
} ncm_rram_ber_table;

/* Evaluates every row of the grid (ncm_storage_evaluate() with the row's seed, on grid->threads
 * threads: the numbers do not depend on the thread count). progress (may be NULL) hears task
 * "rram ber", done/total in rows, between rows and, within a long row, between the Monte
 * Carlo's blocks, at most about a hundred times a second. Returns the table, or NULL with err
 * filled: the grid's or the device's check (NCM_ERR_ARG), a row's evaluation (the message names
 * the row's condition and storage option), NCM_ERR_NOMEM, or NCM_ERR_CANCELLED when progress
 * asked to stop (nothing is kept). */
NCM_API ncm_rram_ber_table *ncm_rram_ber_sweep(const ncm_rram_params *p, const ncm_rram_sweep *grid,
                                               const ncm_progress *progress, ncm_error *err);

/* Writes the table as CSV, atomically: the header
 *   cell,i_cc_ua,v_reset_v,t_p_ns,cycles,r_ref_ohm,raw_ber,ber,ber_mc,ci95_lo,ci95_hi,reads,
 *   errors,devices_per_bit,e_program_bit_pj,e_read_bit_pj,decoder_gates
 * then one line per row, cell being the option's id; values that do not exist are "nan". */
NCM_API ncm_status ncm_rram_ber_table_save_csv(const ncm_rram_ber_table *t, const char *path,
                                               ncm_error *err);

/* Writes the table as a JSON document, atomically: "command": "rram ber", "producer": "nanocim
 * VERSION", "device", "technology" (the parameters' name), "seed", "reads_per_point",
 * "seconds", "threads", and "points": one object per row with "cell" (id), "name" and the
 * CSV's other columns (null for the values that do not exist). */
NCM_API ncm_status ncm_rram_ber_table_save_json(const ncm_rram_ber_table *t, const char *path,
                                                ncm_error *err);

/* Frees the table and its arrays; NULL is accepted. */
NCM_API void ncm_rram_ber_table_free(ncm_rram_ber_table *t);

#ifdef __cplusplus
}
#endif
#endif
