/* SECDED extended Hamming codes for 1T1R RRAM words: construction, packed and byte-per-bit
 * encoder and decoder, storage and logic cost, exact residual error rates and their Monte Carlo
 * estimate (see include/nanocim/ecc.h for the code, the decision table and the formulas). */
#include "nanocim/ecc.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/rng.h"
#include "util/progress.h"

#define MAX_M 13 /* Hamming check bits of the widest code: 2^13 >= 4096 + 13 + 1 */
#define MAX_WORDS ((NCM_SECDED_MAX_K + MAX_M + 1 + 63) / 64)
#define MC_CHUNK 8192 /* words per Monte Carlo chunk (= per Philox stream); fixed */
#define MC_BLOCK 32   /* chunks per thread between two progress reports (about 25 ms) */

struct ncm_secded {
    int k, m, n;     /* data bits, Hamming check bits, code bits */
    int dw, cw;      /* 64-bit words of a data word, of a codeword */
    uint32_t *col;   /* [n] column of H: h_j | 1 << m */
    int16_t *pos_of; /* [2^m] code bit whose h_j is s, -1 if none; pos_of[0] = n - 1 */
    uint64_t *dmask; /* [m][dw] data bits in Hamming row t */
    uint64_t *hmask; /* [m][cw] code bits in Hamming row t */
    uint64_t *nmask; /* [cw] the n code bits (overall parity row) */
};

ncm_secded *ncm_secded_new(int k_data, ncm_error *err)
{
    if (k_data < 1 || k_data > NCM_SECDED_MAX_K) {
        ncm_error_set(err, NCM_ERR_ARG, "SECDED k_data must be in [1, %d], got %d",
                      NCM_SECDED_MAX_K, k_data);
        return NULL;
    }
    int m = 2;
    while ((1 << m) < k_data + m + 1) /* Hamming bound for single-error correction */
        m++;
    ncm_secded *c = calloc(1, sizeof *c);
    if (!c) {
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for a SECDED code");
        return NULL;
    }
    c->k = k_data;
    c->m = m;
    c->n = k_data + m + 1;
    c->dw = (c->k + 63) / 64;
    c->cw = (c->n + 63) / 64;
    c->col = malloc((size_t)c->n * sizeof *c->col);
    c->pos_of = malloc(((size_t)1 << m) * sizeof *c->pos_of);
    c->dmask = calloc((size_t)m * c->dw, sizeof *c->dmask);
    c->hmask = calloc((size_t)m * c->cw, sizeof *c->hmask);
    c->nmask = calloc((size_t)c->cw, sizeof *c->nmask);
    if (!c->col || !c->pos_of || !c->dmask || !c->hmask || !c->nmask) {
        ncm_secded_free(c);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for a (%d,%d) SECDED code", k_data + m + 1,
                      k_data);
        return NULL;
    }
    /* Data bits: integers >= 3 that are not powers of two, in order; the bound on m leaves
     * 2^m - 1 - m >= k of them below 2^m. Check bits: unit vectors. Overall parity: 0. */
    uint32_t v = 2;
    for (int i = 0; i < c->k; i++) {
        do
            v++;
        while ((v & (v - 1)) == 0);
        c->col[i] = v;
    }
    for (int t = 0; t < m; t++)
        c->col[c->k + t] = 1u << t;
    c->col[c->n - 1] = 0;
    for (uint32_t s = 0; s < 1u << m; s++)
        c->pos_of[s] = -1;
    for (int j = 0; j < c->n; j++) {
        c->pos_of[c->col[j]] = (int16_t)j;
        for (int t = 0; t < m; t++)
            if (c->col[j] >> t & 1) {
                c->hmask[(size_t)t * c->cw + j / 64] |= 1ull << (j % 64);
                if (j < c->k)
                    c->dmask[(size_t)t * c->dw + j / 64] |= 1ull << (j % 64);
            }
        c->nmask[j / 64] |= 1ull << (j % 64);
        c->col[j] |= 1u << m;
    }
    return c;
}

void ncm_secded_free(ncm_secded *c)
{
    if (!c)
        return;
    free(c->col);
    free(c->pos_of);
    free(c->dmask);
    free(c->hmask);
    free(c->nmask);
    free(c);
}

int ncm_secded_n(const ncm_secded *c)
{
    return c->n;
}
int ncm_secded_k(const ncm_secded *c)
{
    return c->k;
}
int ncm_secded_r(const ncm_secded *c)
{
    return c->n - c->k;
}
uint32_t ncm_secded_column(const ncm_secded *c, int j)
{
    return c->col[j];
}
double ncm_secded_overhead(const ncm_secded *c)
{
    return (double)(c->n - c->k) / c->k;
}

ncm_secded_logic ncm_secded_logic_estimate(const ncm_secded *c)
{
    ncm_secded_logic g = {0};
    for (int t = 0; t < c->m; t++) {
        int wd = 0;
        for (int i = 0; i < c->k; i++)
            wd += (int)(c->col[i] >> t & 1);
        g.encoder_xor += wd > 0 ? wd - 1 : 0;
        g.syndrome_xor += wd; /* row weight wd + 1 (its check bit), minus 1 */
    }
    g.encoder_xor += c->k + c->m - 1;
    g.syndrome_xor += c->n - 1;
    g.match_and = c->k * c->m; /* r - 1 = m two-input ANDs per data bit */
    g.correct_xor = c->k;
    g.flag_gates = c->m; /* (m - 1) ORs + 1 AND */
    g.decoder_total = g.syndrome_xor + g.match_and + g.correct_xor + g.flag_gates;
    return g;
}

static inline void set_bit(uint64_t *w, int j, unsigned b)
{
    w[j / 64] |= (uint64_t)b << (j % 64);
}

void ncm_secded_encode_packed(const ncm_secded *c, const uint64_t *data, uint64_t *code)
{
    memset(code, 0, (size_t)c->cw * sizeof *code);
    memcpy(code, data, (size_t)c->dw * sizeof *code);
    if (c->k % 64)
        code[c->dw - 1] &= (1ull << (c->k % 64)) - 1;
    for (int t = 0; t < c->m; t++) {
        uint64_t x = 0;
        for (int q = 0; q < c->dw; q++)
            x ^= code[q] & c->dmask[(size_t)t * c->dw + q];
        set_bit(code, c->k + t, (unsigned)__builtin_parityll(x));
    }
    uint64_t x = 0;
    for (int q = 0; q < c->cw; q++)
        x ^= code[q];
    set_bit(code, c->n - 1, (unsigned)__builtin_parityll(x));
}

uint32_t ncm_secded_syndrome_packed(const ncm_secded *c, const uint64_t *code)
{
    uint32_t s = 0;
    for (int t = 0; t < c->m; t++) {
        uint64_t x = 0;
        for (int q = 0; q < c->cw; q++)
            x ^= code[q] & c->hmask[(size_t)t * c->cw + q];
        s |= (uint32_t)__builtin_parityll(x) << t;
    }
    uint64_t x = 0;
    for (int q = 0; q < c->cw; q++)
        x ^= code[q] & c->nmask[q];
    return s | (uint32_t)__builtin_parityll(x) << c->m;
}

int ncm_secded_decode_packed(const ncm_secded *c, uint64_t *code, uint64_t *data)
{
    const uint32_t syn = ncm_secded_syndrome_packed(c, code);
    const uint32_t s = syn & ((1u << c->m) - 1), pi = syn >> c->m;
    int outcome;
    if (!pi) {
        outcome = s ? NCM_SECDED_DETECTED : NCM_SECDED_CLEAN;
    } else {
        const int q = c->pos_of[s]; /* s = 0: the overall parity bit */
        if (q < 0) {
            outcome = NCM_SECDED_DETECTED;
        } else {
            code[q / 64] ^= 1ull << (q % 64);
            outcome = NCM_SECDED_CORRECTED;
        }
    }
    if (data) {
        memcpy(data, code, (size_t)c->dw * sizeof *data);
        if (c->k % 64)
            data[c->dw - 1] &= (1ull << (c->k % 64)) - 1;
    }
    return outcome;
}

static void pack(const uint8_t *bits, int nbits, uint64_t *w)
{
    memset(w, 0, (size_t)(nbits + 63) / 64 * sizeof *w);
    for (int j = 0; j < nbits; j++)
        set_bit(w, j, bits[j] != 0);
}

static void unpack(const uint64_t *w, int nbits, uint8_t *bits)
{
    for (int j = 0; j < nbits; j++)
        bits[j] = (uint8_t)(w[j / 64] >> (j % 64) & 1);
}

void ncm_secded_encode(const ncm_secded *c, const uint8_t *data_bits, uint8_t *code_bits)
{
    uint64_t d[MAX_WORDS], w[MAX_WORDS];
    pack(data_bits, c->k, d);
    ncm_secded_encode_packed(c, d, w);
    unpack(w, c->n, code_bits);
}

int ncm_secded_decode(const ncm_secded *c, uint8_t *code_bits, uint8_t *data_bits)
{
    uint64_t d[MAX_WORDS], w[MAX_WORDS];
    pack(code_bits, c->n, w);
    const int outcome = ncm_secded_decode_packed(c, w, d);
    unpack(w, c->n, code_bits);
    if (data_bits)
        unpack(d, c->k, data_bits);
    return outcome;
}

/* ---- Exact rates ---------------------------------------------------------------------------- */

static ncm_status check_p(double p, ncm_error *err)
{
    if (!(p >= 0.0 && p <= 1.0)) /* also rejects NaN */
        return ncm_error_set(err, NCM_ERR_ARG,
                             "raw bit error probability p must be in [0, 1], got %g", p);
    return NCM_OK;
}

/* d <- distribution of S ^ e c for e ~ Bernoulli(p) independent of S ~ d. Every column has the
 * overall parity bit (bit m) set, so the pairs (s, s ^ col) are s < 2^m, s ^ col >= 2^m. */
static void add_position(double *d, int m, uint32_t col, double p)
{
    const double q = 1.0 - p;
    for (uint32_t s = 0; s < 1u << m; s++) {
        const uint32_t t = s ^ col;
        const double a = d[s], b = d[t];
        d[s] = q * a + p * b;
        d[t] = q * b + p * a;
    }
}

typedef struct {
    const ncm_secded *c;
    double p;
    size_t size;  /* 2^r syndromes */
    double **buf; /* one distribution per recursion depth */
    double sum;   /* sum over data bits of P(bit wrong after decoding) */
} loo_ctx;

/* dist: distribution of the syndrome of the errors on every position outside [lo, hi). Leaves
 * are the leave-one-out distributions of the data bits. */
static void leave_one_out(loo_ctx *x, int lo, int hi, const double *dist, int depth)
{
    const ncm_secded *c = x->c;
    if (hi - lo == 1) {
        double nonzero = 0.0; /* P(S_i != 0), summed rather than 1 - P(S_i = 0): no cancellation */
        for (size_t s = 1; s < x->size; s++)
            nonzero += dist[s];
        x->sum += x->p * nonzero + (1.0 - x->p) * dist[c->col[lo]];
        return;
    }
    const int mid = lo + (hi - lo) / 2;
    double *d = x->buf[depth];
    memcpy(d, dist, x->size * sizeof *d);
    for (int j = mid; j < hi; j++)
        add_position(d, c->m, c->col[j], x->p);
    leave_one_out(x, lo, mid, d, depth + 1);
    memcpy(d, dist, x->size * sizeof *d);
    for (int j = lo; j < mid; j++)
        add_position(d, c->m, c->col[j], x->p);
    leave_one_out(x, mid, hi, d, depth + 1);
}

/* Joint distribution of (syndrome, error weight class 0 / 1 / >= 2) over all n positions. */
static void word_rates(const ncm_secded *c, double p, double *w0, double *w1, double *w2,
                       ncm_secded_rates *out)
{
    const size_t size = (size_t)2 << c->m;
    const double q = 1.0 - p;
    memset(w0, 0, size * sizeof *w0);
    memset(w1, 0, size * sizeof *w1);
    memset(w2, 0, size * sizeof *w2);
    w0[0] = 1.0;
    for (int j = 0; j < c->n; j++)
        for (uint32_t s = 0; s < 1u << c->m; s++) {
            const uint32_t t = s ^ c->col[j];
            const double a0 = w0[s], b0 = w0[t], a1 = w1[s], b1 = w1[t], a2 = w2[s], b2 = w2[t];
            w0[s] = q * a0, w0[t] = q * b0;
            w1[s] = q * a1 + p * b0, w1[t] = q * b1 + p * a0;
            w2[s] = q * a2 + p * (b1 + b2), w2[t] = q * b2 + p * (a1 + a2);
        }
    out->clean = w0[0];
    out->corrected = out->detected = out->miscorrected = 0.0;
    out->undetected = w2[0];
    for (uint32_t syn = 0; syn < size; syn++) {
        out->corrected += w1[syn]; /* a single error's syndrome is its column: always corrected */
        if (syn == 0)
            continue;
        const uint32_t s = syn & ((1u << c->m) - 1);
        if ((syn >> c->m) && c->pos_of[s] >= 0)
            out->miscorrected += w2[syn];
        else
            out->detected += w2[syn];
    }
}

ncm_status ncm_secded_analytic(const ncm_secded *c, double p, ncm_secded_rates *out, ncm_error *err)
{
    ncm_status st = check_p(p, err);
    if (st != NCM_OK)
        return st;
    int depth = 1;
    while ((1 << (depth - 1)) < c->k)
        depth++;
    const size_t size = (size_t)2 << c->m;
    /* depth recursion buffers, the root distribution, and 3 for the word rates. */
    double *mem = malloc((size_t)(depth + 4) * size * sizeof *mem);
    double **buf = malloc((size_t)depth * sizeof *buf);
    if (!mem || !buf) {
        free(mem), free(buf);
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for the (%d,%d) SECDED rates", c->n,
                             c->k);
    }
    for (int i = 0; i < depth; i++)
        buf[i] = mem + (size_t)i * size;
    double *root = mem + (size_t)depth * size;
    memset(root, 0, size * sizeof *root);
    root[0] = 1.0;
    for (int j = c->k; j < c->n; j++) /* check bits and overall parity: outside every data bit */
        add_position(root, c->m, c->col[j], p);
    loo_ctx x = {c, p, size, buf, 0.0};
    leave_one_out(&x, 0, c->k, root, 0);
    out->ber = x.sum / c->k;
    word_rates(c, p, root + size, root + 2 * size, root + 3 * size, out);
    free(mem);
    free(buf);
    return NCM_OK;
}

double ncm_secded_ber_analytic(const ncm_secded *c, double p)
{
    ncm_secded_rates r;
    return ncm_secded_analytic(c, p, &r, NULL) == NCM_OK ? r.ber : NAN;
}

/* ---- Monte Carlo ---------------------------------------------------------------------------- */

/* Error-free bits before the next error: Geometric(p) by inversion, floor(log U / log(1 - p))
 * (P(G >= g) = (1 - p)^g). inv_log_q = 1 / log(1 - p); 0 for p = 1 (every bit wrong). */
static inline int64_t geometric_gap(ncm_rng *r, double inv_log_q)
{
    const double g = floor(log(ncm_rng_uniform(r)) * inv_log_q);
    return g < 1e15 ? (int64_t)g : INT64_C(1000000000000000);
}

/* Counts of a run of words, summed over chunks (integers: the sum is exact in any order). */
typedef struct {
    int64_t raw, be, be2, clean, corr, det, mis, und;
} mc_counts;

/* Words [w0, w1) of chunk ch, drawn from Philox stream ch of seed. */
static void mc_chunk(const ncm_secded *c, double p, double inv_log_q, uint64_t seed, int64_t ch,
                     int64_t w0, int64_t w1, mc_counts *k)
{
    const int n = c->n, dw = c->dw;
    const uint64_t last_mask = c->k % 64 ? (1ull << (c->k % 64)) - 1 : ~0ull;
    ncm_rng rng;
    ncm_rng_init(&rng, seed, (uint64_t)ch);
    uint64_t data[MAX_WORDS], code[MAX_WORDS], dec[MAX_WORDS];
    /* Offset of the next error from the start of the current word, over the chunk's bits laid end
     * to end (the gaps are memoryless, so restarting at a chunk is exact). */
    int64_t next = p > 0.0 ? geometric_gap(&rng, inv_log_q) : INT64_MAX;
    for (int64_t w = w0; w < w1; w++) {
        for (int q = 0; q < dw; q++)
            data[q] = ncm_rng_u64(&rng);
        data[dw - 1] &= last_mask;
        ncm_secded_encode_packed(c, data, code);
        int nerr = 0;
        while (next < n) {
            code[next / 64] ^= 1ull << (next % 64);
            nerr++;
            next += 1 + geometric_gap(&rng, inv_log_q);
        }
        if (next != INT64_MAX)
            next -= n;
        const int outcome = ncm_secded_decode_packed(c, code, dec);
        int64_t e = 0;
        for (int q = 0; q < dw; q++)
            e += __builtin_popcountll(dec[q] ^ data[q]);
        k->raw += nerr;
        k->be += e;
        k->be2 += e * e;
        if (nerr == 0)
            k->clean++;
        else if (nerr == 1)
            k->corr++; /* every single error is corrected (tests check it; e counts it if not) */
        else if (outcome == NCM_SECDED_DETECTED)
            k->det++;
        else if (outcome == NCM_SECDED_CORRECTED)
            k->mis++;
        else
            k->und++;
    }
}

ncm_status ncm_secded_mc(const ncm_secded *c, double p, int64_t n_words, uint64_t seed, int threads,
                         const ncm_progress *progress, ncm_secded_mc_result *out, ncm_error *err)
{
    ncm_status st = check_p(p, err);
    if (st != NCM_OK)
        return st;
    if (n_words < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "Monte Carlo n_words must be >= 1, got %lld",
                             (long long)n_words);
    if (threads <= 0)
        threads = omp_get_max_threads();
    const double inv_log_q = p < 1.0 ? 1.0 / log1p(-p) : 0.0;
    const int64_t chunks = (n_words + MC_CHUNK - 1) / MC_CHUNK;
    int64_t raw = 0, be = 0, be2 = 0, n_clean = 0, n_corr = 0, n_det = 0, n_mis = 0, n_und = 0;
    /* Blocks of chunks, one parallel loop each, so that progress is reported from the calling
     * thread between them; the chunks and their streams do not depend on the blocking. */
    const int64_t block = (int64_t)MC_BLOCK * threads;
    for (int64_t ch0 = 0; ch0 < chunks; ch0 += block) {
        const int64_t ch1 = ch0 + block < chunks ? ch0 + block : chunks;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) \
    reduction(+ : raw, be, be2, n_clean, n_corr, n_det, n_mis, n_und)
        for (int64_t ch = ch0; ch < ch1; ch++) {
            mc_counts k = {0};
            const int64_t w1 = ch == chunks - 1 ? n_words : (ch + 1) * MC_CHUNK;
            mc_chunk(c, p, inv_log_q, seed, ch, ch * MC_CHUNK, w1, &k);
            raw += k.raw, be += k.be, be2 += k.be2;
            n_clean += k.clean, n_corr += k.corr, n_det += k.det, n_mis += k.mis, n_und += k.und;
        }
        const int64_t done = ch1 == chunks ? n_words : ch1 * MC_CHUNK;
        if ((st = ncm_progress_report(progress, "SECDED Monte Carlo", done, n_words, err)))
            return st;
    }
    const double nw = (double)n_words;
    out->words = n_words;
    out->raw_errors = raw;
    out->bit_errors = be;
    out->n_clean = n_clean;
    out->n_corrected = n_corr;
    out->n_detected = n_det;
    out->n_miscorrected = n_mis;
    out->n_undetected = n_und;
    out->rates.ber = (double)be / (nw * c->k);
    out->rates.clean = (double)n_clean / nw;
    out->rates.corrected = (double)n_corr / nw;
    out->rates.detected = (double)n_det / nw;
    out->rates.miscorrected = (double)n_mis / nw;
    out->rates.undetected = (double)n_und / nw;
    if (n_words == 1) {
        out->ber_ci95 = INFINITY;
    } else {
        const double mean = (double)be / nw;
        double var = ((double)be2 - nw * mean * mean) / (nw - 1.0);
        if (var < 0.0)
            var = 0.0;
        out->ber_ci95 = 1.959963984540054 * sqrt(var / nw) / c->k;
    }
    return NCM_OK;
}
