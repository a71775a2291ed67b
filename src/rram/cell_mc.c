/* Monte Carlo bit error rate of 1T1R and 2T2R cells: draws devices at a programming condition and
 * age (stuck-at failures, d2d + c2c spread, the distribution family), senses them with the same
 * decision rules as src/rram/cell.c and counts wrong bits. Work is split into fixed chunks of
 * NCM_RRAM_MC_CHUNK reads, chunk k drawing from Philox stream (seed, k), and the error counts are
 * summed as integers: the result is the same for any OpenMP thread count. The chunks run in blocks
 * (one parallel loop each) so that progress is reported from the calling thread between them.
 *
 * For a single read of a fresh device, the d2d offset and the stationary AR(1) c2c deviation are
 * independent unit normals weighted sqrt(f) and sqrt(1 - f): their sum is one unit normal, drawn
 * as such (the device-level ncm_rram_program() keeps them apart for repeated programming). */
#include "nanocim/rram.h"

#include <math.h>
#include <omp.h>

#include "rram/device_internal.h"
#include "util/progress.h"

/* Chunks per thread between two progress reports (a chunk takes about 1 ms, 2T2R 3 ms). */
enum { MC_BLOCK = 16 };

typedef struct {
    const ncm_rram_params *p;
    double mu[2], sg[2]; /* ln R location and scale of HRS (0) and LRS (1) */
    double stuck_frac;
    double ln_ref; /* 1T1R reference */
    int t_family;
} mc_setup;

/* The state a device meant to be `intended` is in: stuck devices keep theirs. */
static inline int draw_state(const mc_setup *m, int intended, ncm_rng *r)
{
    if (m->stuck_frac > 0 && ncm_rng_uniform(r) < m->stuck_frac)
        return ncm_rng_uniform(r) < m->p->stuck_lrs_frac;
    return intended;
}

static inline double draw_ln_r(const mc_setup *m, int state, ncm_rng *r)
{
    double x = ncm_zig_normal(r);
    if (m->t_family)
        x *= ncm_rram_scale_draw(m->p, r);
    return m->mu[state] + m->sg[state] * x;
}

/* Reads first .. first + n - 1; read i stores bit i & 1 (equiprobable bits, stratified). */
static int64_t chunk_1t1r(const mc_setup *m, int64_t first, int64_t n, ncm_rng *r)
{
    int64_t errors = 0;
    for (int64_t i = first; i < first + n; i++) {
        const int bit = (int)(i & 1);
        const double ln_r = draw_ln_r(m, draw_state(m, bit, r), r);
        errors += (ln_r < m->ln_ref) != bit; /* ncm_rram_read_1t1r in ln R */
    }
    return errors;
}

/* Read i stores weight w = i & 1 in the pair (a LRS / b HRS for w = 1) and applies input bit
 * x = (i >> 1) & 1; the right answer is XNOR(x, w). */
static int64_t chunk_2t2r(const mc_setup *m, int64_t first, int64_t n, ncm_rng *r)
{
    const double off = m->p->pcsa_offset_sigma, dz = m->p->pcsa_dead_zone;
    int64_t errors = 0;
    for (int64_t i = first; i < first + n; i++) {
        const int w = (int)(i & 1), x = (int)((i >> 1) & 1);
        const double ln_a = draw_ln_r(m, draw_state(m, w, r), r);
        const double ln_b = draw_ln_r(m, draw_state(m, !w, r), r);
        /* ncm_pcsa_xnor in ln R: x routes a to branch 1, else b */
        double d = x ? ln_b - ln_a : ln_a - ln_b;
        if (off > 0)
            d += off * ncm_zig_normal(r);
        errors += ncm_pcsa_decide(d, dz, r) != (x == w);
    }
    return errors;
}

ncm_status ncm_rram_ber_mc(const ncm_rram_params *p, const ncm_rram_cond *c,
                           const ncm_rram_cell *cell, int64_t n_reads, uint64_t seed, int threads,
                           const ncm_progress *progress, ncm_rram_mc_result *res, ncm_error *err)
{
    ncm_status st = ncm_rram_check_inputs(p, c, cell, err);
    if (st)
        return st;
    if (n_reads < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "Monte Carlo: n_reads must be >= 1, found %lld",
                             (long long)n_reads);
    ncm_zig_init();
    ncm_rram_stats s;
    ncm_rram_stats_at(p, c, &s);
    const mc_setup m = {p,
                        {s.mu_hrs, s.mu_lrs},
                        {s.sigma_hrs, s.sigma_lrs},
                        s.stuck_frac,
                        cell->type == NCM_CELL_1T1R ? log(cell->r_ref_ohm) : 0.0,
                        p->family == NCM_RRAM_STUDENT_T};
    const int two = cell->type == NCM_CELL_2T2R;
    const int64_t n_chunks = (n_reads + NCM_RRAM_MC_CHUNK - 1) / NCM_RRAM_MC_CHUNK;
    const int nt = threads > 0 ? threads : omp_get_max_threads();
    /* Blocks of chunks, one parallel loop each, so that progress is reported from the calling
     * thread between them; the chunks and their streams do not depend on the blocking. */
    const int64_t block = (int64_t)MC_BLOCK * nt;
    int64_t errors = 0;
    for (int64_t k0 = 0; k0 < n_chunks; k0 += block) {
        const int64_t k1 = k0 + block < n_chunks ? k0 + block : n_chunks;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) reduction(+ : errors)
        for (int64_t k = k0; k < k1; k++) {
            ncm_rng r;
            ncm_rng_init(&r, seed, (uint64_t)k);
            const int64_t first = k * NCM_RRAM_MC_CHUNK;
            const int64_t n =
                n_reads - first < NCM_RRAM_MC_CHUNK ? n_reads - first : NCM_RRAM_MC_CHUNK;
            errors += two ? chunk_2t2r(&m, first, n, &r) : chunk_1t1r(&m, first, n, &r);
        }
        const int64_t done = k1 == n_chunks ? n_reads : k1 * NCM_RRAM_MC_CHUNK;
        if ((st = ncm_progress_report(progress, "RRAM Monte Carlo", done, n_reads, err)))
            return st;
    }
    res->reads = n_reads;
    res->errors = errors;
    res->ber = (double)errors / (double)n_reads;
    /* Wilson score interval (Wilson, JASA 22:209, 1927): sound down to zero errors. */
    const double z = 1.959963984540054, nn = (double)n_reads, ph = res->ber;
    const double den = 1.0 + z * z / nn, mid = (ph + z * z / (2.0 * nn)) / den;
    const double half = z * sqrt(ph * (1.0 - ph) / nn + z * z / (4.0 * nn * nn)) / den;
    /* at zero (all) errors the bound is exactly 0 (1); mid - half would leave a rounding residue */
    res->ci95_lo = errors == 0 ? 0.0 : fmax(0.0, mid - half);
    res->ci95_hi = errors == n_reads ? 1.0 : fmin(1.0, mid + half);
    return NCM_OK;
}
