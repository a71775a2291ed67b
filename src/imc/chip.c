/* Fault injection into a folded model's packed weights (include/nanocim/chip.h): the fault
 * parameters, the faulty copy of the model drawn by geometric skipping over Philox streams, and
 * the packed engine over it. */
#include "nanocim/chip.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "imc/imc_internal.h"
#include "nanocim/packed.h"
#include "nanocim/rng.h"

struct ncm_chip {
    ncm_model *model;  /* the faulty copy */
    ncm_packed *engine; /* over model */
    int64_t *bits;      /* [n_layers] */
    int64_t *flips;     /* [n_layers] */
};

void ncm_chip_faults_default(ncm_chip_faults *f)
{
    memset(f, 0, sizeof *f);
}

static int is_probability(double p)
{
    return p >= 0.0 && p <= 1.0; /* false for NaN */
}

ncm_status ncm_chip_faults_check(const ncm_chip_faults *f, int n_layers, const char *where,
                                 ncm_error *err)
{
    const char *w = where ? where : "", *sep = where ? ": " : "";
    if (!is_probability(f->ber))
        return ncm_error_set(err, NCM_ERR_ARG, "%s%sber = %g: expected a probability in [0, 1]", w,
                             sep, f->ber);
    if (!is_probability(f->stuck_frac))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s%sstuck_frac = %g: expected a fraction in [0, 1]", w, sep,
                             f->stuck_frac);
    if (f->ber_layer) {
        if (n_layers > 0 && f->n_ber_layer != n_layers)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "%s%sber_layer has %d entries: expected one per layer, %d", w,
                                 sep, f->n_ber_layer, n_layers);
        for (int l = 0; l < f->n_ber_layer; l++)
            if (!is_probability(f->ber_layer[l]))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "%s%sber_layer[%d] = %g: expected a probability in [0, 1]", w,
                                     sep, l, f->ber_layer[l]);
    }
    return NCM_OK;
}

double ncm_chip_faults_ber(const ncm_chip_faults *f, int l)
{
    return f->ber_layer && l >= 0 && l < f->n_ber_layer ? f->ber_layer[l] : f->ber;
}

/* The Philox stream of one kind of fault (0: flips, 1: stuck bits) of one layer of one chip. */
static uint64_t fault_stream(int64_t chip, int l, int kind)
{
    return (uint64_t)chip * (2u * NCM_MAX_LAYERS) + 2u * (unsigned)l + (unsigned)kind;
}

/* Gap to the next faulty bit, Geometric(p) on {0, 1, ...}: floor(log U / log(1 - p)), U in
 * (0, 1) (inversion of P(G >= g) = (1 - p)^g). log1mp = log1p(-p) < 0; capped at INT64_MAX. */
static int64_t geometric_gap(ncm_rng *r, double log1mp)
{
    double g = floor(log(ncm_rng_uniform(r)) / log1mp);
    return g >= 9.0e18 ? INT64_MAX : (int64_t)g;
}

int64_t ncm_imc_fault_layer(uint64_t *wbits, int cout, int fan_in, int words, double p,
                            ncm_imc_fault_kind kind, ncm_rng *r)
{
    const int64_t n = (int64_t)cout * fan_in;
    if (!(p > 0.0) || n <= 0)
        return 0;
    const double log1mp = log1p(-p);
    int64_t count = 0;
    /* p = 1: every gap is 0 (log1mp = -inf gives -0, floored to 0, but say so plainly). */
    int64_t k = p >= 1.0 ? 0 : geometric_gap(r, log1mp);
    while (k < n) {
        const int64_t row = k / fan_in;
        const int j = (int)(k % fan_in);
        uint64_t *w = wbits + row * words + j / 64;
        const uint64_t bit = 1ull << (j % 64);
        if (kind == NCM_IMC_FLIP)
            *w ^= bit;
        else if (ncm_rng_u32(r) & 1u)
            *w |= bit; /* stuck at +1 */
        else
            *w &= ~bit; /* stuck at -1 */
        count++;
        const int64_t gap = p >= 1.0 ? 0 : geometric_gap(r, log1mp);
        if (gap >= n - k)
            break;
        k += 1 + gap;
    }
    return count;
}

/* A deep copy of the model's parameters (no provenance). */
static ncm_model *model_copy(const ncm_model *m, ncm_error *err)
{
    ncm_model *c = ncm_model_alloc(&m->arch, err);
    if (!c)
        return NULL;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *S = &m->layer[l];
        ncm_model_layer *D = &c->layer[l];
        memcpy(D->wbits, S->wbits, (size_t)S->cout * (size_t)S->words * sizeof *S->wbits);
        if (S->last) {
            memcpy(D->mean, S->mean, (size_t)S->cout * sizeof *S->mean);
            memcpy(D->scale, S->scale, (size_t)S->cout * sizeof *S->scale);
            memcpy(D->beta, S->beta, (size_t)S->cout * sizeof *S->beta);
        } else {
            memcpy(D->thresh, S->thresh, (size_t)S->cout * sizeof *S->thresh);
            memcpy(D->dir, S->dir, (size_t)S->cout * sizeof *S->dir);
        }
    }
    return c;
}

void ncm_chip_free(ncm_chip *c)
{
    if (!c)
        return;
    ncm_packed_free(c->engine);
    ncm_model_free(c->model);
    free(c->bits);
    free(c->flips);
    free(c);
}

ncm_chip *ncm_chip_new(const ncm_model *m, const ncm_chip_faults *f, uint64_t seed, int64_t chip,
                       ncm_kernel kernel, ncm_error *err)
{
    if (!m || !f) {
        ncm_error_set(err, NCM_ERR_ARG, "model and faults: expected non-NULL pointers");
        return NULL;
    }
    if (chip < 0) {
        ncm_error_set(err, NCM_ERR_ARG, "chip = %lld: expected a chip index >= 0",
                      (long long)chip);
        return NULL;
    }
    if (ncm_chip_faults_check(f, m->n_layers, NULL, err))
        return NULL;
    ncm_chip *c = calloc(1, sizeof *c);
    if (!c || !(c->bits = calloc((size_t)m->n_layers, sizeof *c->bits)) ||
        !(c->flips = calloc((size_t)m->n_layers, sizeof *c->flips))) {
        ncm_chip_free(c);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for a chip");
        return NULL;
    }
    if (!(c->model = model_copy(m, err))) {
        ncm_chip_free(c);
        return NULL;
    }
    for (int l = 0; l < m->n_layers; l++) {
        ncm_model_layer *L = &c->model->layer[l];
        ncm_rng r;
        ncm_rng_init(&r, seed, fault_stream(chip, l, 0));
        ncm_imc_fault_layer(L->wbits, L->cout, L->fan_in, L->words, ncm_chip_faults_ber(f, l),
                            NCM_IMC_FLIP, &r);
        ncm_rng_init(&r, seed, fault_stream(chip, l, 1));
        ncm_imc_fault_layer(L->wbits, L->cout, L->fan_in, L->words, f->stuck_frac, NCM_IMC_STUCK,
                            &r);
        /* Measured errors: bits that now differ from the error-free weights (a stuck bit at its
         * programmed value, or a flipped bit stuck back, is no error). */
        const uint64_t *w0 = m->layer[l].wbits;
        int64_t d = 0;
        for (int64_t i = 0; i < (int64_t)L->cout * L->words; i++)
            d += __builtin_popcountll(L->wbits[i] ^ w0[i]);
        c->bits[l] = (int64_t)L->cout * L->fan_in;
        c->flips[l] = d;
    }
    if (!(c->engine = ncm_packed_new(c->model, kernel, err))) {
        ncm_chip_free(c);
        return NULL;
    }
    return c;
}

const ncm_model *ncm_chip_model(const ncm_chip *c)
{
    return c->model;
}

int64_t ncm_chip_bits(const ncm_chip *c, int l)
{
    return l >= 0 && l < c->model->n_layers ? c->bits[l] : 0;
}

int64_t ncm_chip_flips(const ncm_chip *c, int l)
{
    return l >= 0 && l < c->model->n_layers ? c->flips[l] : 0;
}

const char *ncm_imc_chip_kernel(const ncm_chip *c)
{
    return ncm_kernel_name(ncm_packed_kernel(c->engine));
}

ncm_status ncm_chip_predict(const ncm_chip *c, const ncm_dataset *d, int32_t *pred, float *scores,
                            ncm_error *err)
{
    return ncm_packed_predict(c->engine, d, pred, scores, err);
}
