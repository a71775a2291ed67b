/* The programmed chip (include/nanocim/chip.h): its configuration, the fault-injection mode
 * (geometric skipping over the packed weights), the device-physics mode (every device drawn,
 * every sense amplifier's offset, SECDED words encoded, read and decoded), the weights the chip
 * reads, the packed engine over them, and the dynamic read errors drawn per image during
 * inference. The mapping counts are in chip_map.c. */
#include "nanocim/chip.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "imc/imc_internal.h"
#include "nanocim/ecc.h"
#include "nanocim/packed.h"
#include "nanocim/rng.h"
#include "rram/device_internal.h"

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
        return ncm_error_set(err, NCM_ERR_ARG, "%s%sstuck_frac = %g: expected a fraction in [0, 1]",
                             w, sep, f->stuck_frac);
    if (f->ber_layer) {
        if (n_layers > 0 && f->n_ber_layer != n_layers)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "%s%sber_layer has %d entries: expected one per layer, %d", w, sep,
                                 f->n_ber_layer, n_layers);
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

/* ---- configuration ------------------------------------------------------------------------ */

void ncm_chip_config_default(ncm_chip_config *c)
{
    memset(c, 0, sizeof *c);
    c->mode = NCM_CHIP_FAULTS;
    c->rows = 32, c->cols = 32;
    c->storage.cell = NCM_CELL_2T2R;
    ncm_chip_faults_default(&c->faults);
    ncm_rram_default(&c->device);
    c->cond = ncm_rram_cond_ref(&c->device);
}

ncm_rram_cond ncm_chip_config_cond(const ncm_chip_config *c, int l)
{
    return c->cond_layer && l >= 0 && l < c->n_cond_layer ? c->cond_layer[l] : c->cond;
}

/* A programming condition's check (the device model's rule); the message names the field as
 * what.field. */
static ncm_status cond_check(const ncm_rram_cond *cd, const char *what, ncm_error *err)
{
    const char *f, *want;
    double v;
    if (!ncm_rram_cond_bad_field(cd, &f, &want, &v))
        return NCM_OK;
    return ncm_error_set(err, NCM_ERR_ARG, "%s.%s = %g: expected %s", what, f, v, want);
}

ncm_status ncm_chip_config_check(const ncm_chip_config *c, const ncm_model *m, ncm_error *err)
{
    if (!c)
        return ncm_error_set(err, NCM_ERR_ARG, "chip configuration: expected a non-NULL pointer");
    if (c->mode != NCM_CHIP_FAULTS && c->mode != NCM_CHIP_DEVICES)
        return ncm_error_set(err, NCM_ERR_ARG, "mode = %d: expected faults (0) or devices (1)",
                             (int)c->mode);
    if (c->rows < 1 || c->rows > NCM_CHIP_MAX_ARRAY)
        return ncm_error_set(err, NCM_ERR_ARG, "rows = %d: expected 1 to %d cells", c->rows,
                             NCM_CHIP_MAX_ARRAY);
    if (c->cols < 1 || c->cols > NCM_CHIP_MAX_ARRAY)
        return ncm_error_set(err, NCM_ERR_ARG, "cols = %d: expected 1 to %d cells", c->cols,
                             NCM_CHIP_MAX_ARRAY);
    if (m) {
        int fan = 0, width = 0;
        for (int l = 0; l < m->n_layers; l++) {
            fan = m->layer[l].fan_in > fan ? m->layer[l].fan_in : fan;
            width = m->layer[l].cout > width ? m->layer[l].cout : width;
        }
        if (c->rows > fan)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "rows = %d: larger than every layer's fan-in (largest %d)",
                                 c->rows, fan);
        if (c->cols > width)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "cols = %d: larger than every layer's width (largest %d neurons)",
                                 c->cols, width);
    }
    const ncm_storage *st = &c->storage;
    if (st->cell != NCM_CELL_1T1R && st->cell != NCM_CELL_2T2R)
        return ncm_error_set(err, NCM_ERR_ARG, "storage.cell = %d: expected 1T1R or 2T2R",
                             (int)st->cell);
    if (st->ecc_k < 0 || st->ecc_k > NCM_SECDED_MAX_K)
        return ncm_error_set(err, NCM_ERR_ARG, "storage.ecc_k = %d: expected 0 (no ECC) to %d",
                             st->ecc_k, NCM_SECDED_MAX_K);
    if (st->ecc_k && st->cell == NCM_CELL_2T2R)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "storage: SECDED is modelled on 1T1R cells only, not on 2T2R");
    if (st->cell == NCM_CELL_1T1R && !st->best_ref &&
        !(isfinite(st->r_ref_ohm) && st->r_ref_ohm > 0))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "storage.r_ref_ohm = %g: expected a reference resistance > 0 ohm",
                             st->r_ref_ohm);
    if (!is_probability(c->read_ber))
        return ncm_error_set(err, NCM_ERR_ARG, "read_ber = %g: expected a probability in [0, 1]",
                             c->read_ber);
    if (c->mode == NCM_CHIP_FAULTS) {
        ncm_error e;
        ncm_error_clear(&e);
        if (!ncm_chip_faults_check(&c->faults, m ? m->n_layers : 0, NULL, &e))
            return NCM_OK;
        return ncm_error_set(err, e.code, "faults.%s", e.msg);
    }
    ncm_status s = ncm_rram_check(&c->device, "device", err);
    if (s)
        return s;
    if ((s = cond_check(&c->cond, "cond", err)))
        return s;
    if (c->cond_layer) {
        if (m && c->n_cond_layer != m->n_layers)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "cond_layer has %d entries: the model has %d layers",
                                 c->n_cond_layer, m->n_layers);
        for (int l = 0; l < c->n_cond_layer; l++) {
            char what[32];
            snprintf(what, sizeof what, "cond_layer[%d]", l);
            if ((s = cond_check(&c->cond_layer[l], what, err)))
                return s;
        }
    }
    if (c->dead_zone_dynamic != 0 && c->dead_zone_dynamic != 1)
        return ncm_error_set(err, NCM_ERR_ARG, "dead_zone_dynamic = %d: expected 0 or 1",
                             c->dead_zone_dynamic);
    return NCM_OK;
}

/* ---- the chip ----------------------------------------------------------------------------- */

/* Cells of one layer whose sense amplifier is metastable on every read, by neuron (CSR). */
typedef struct {
    int64_t *start; /* [cout + 1] */
    int32_t *j;     /* model weight index */
    int64_t *t;     /* kernel bit index in the engine's input row */
} dz_list;

struct ncm_chip {
    const ncm_model *source; /* the error-free model */
    ncm_model *model;        /* the weights as the chip reads them */
    ncm_packed *engine;      /* over model */
    int n_layers;
    int64_t bits[NCM_MAX_LAYERS], flips[NCM_MAX_LAYERS], raw[NCM_MAX_LAYERS];
    int64_t corrected[NCM_MAX_LAYERS], dead[NCM_MAX_LAYERS];
    dz_list dz[NCM_MAX_LAYERS];
    double energy_pj;
    double read_ber;
    uint64_t dyn_key; /* Philox key of the dynamic read errors */
};

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
    for (int l = 0; l < NCM_MAX_LAYERS; l++) {
        free(c->dz[l].start);
        free(c->dz[l].j);
        free(c->dz[l].t);
    }
    free(c);
}

/* SplitMix64 finalizer: a key for the dynamic errors of (seed, chip), apart from the streams of
 * programming, which use the seed itself as the key. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void put_bit(uint64_t *w, int64_t j, int v)
{
    const uint64_t b = 1ull << (j % 64);
    w[j / 64] = v ? w[j / 64] | b : w[j / 64] & ~b;
}

/* Programming streams of one layer of one chip in device mode: devices, sense-amplifier
 * offsets, dead-zone coins. */
enum { DEV_STREAM_DEVICES = 0, DEV_STREAM_OFFSETS = 1, DEV_STREAM_COINS = 2, DEV_STREAMS = 4 };
static uint64_t device_stream(int64_t chip, int l, int kind)
{
    return (uint64_t)chip * (DEV_STREAMS * NCM_MAX_LAYERS) + (uint64_t)l * DEV_STREAMS +
           (unsigned)kind;
}

/* One layer's device statistics at its condition. */
typedef struct {
    const ncm_rram_params *p;
    double mu[2], sg[2]; /* ln R location and scale: HRS (0), LRS (1) */
    double stuck_frac;
    int t_family;
} dev_draw;

static void dev_setup(dev_draw *g, const ncm_rram_params *p, const ncm_rram_cond *cd)
{
    ncm_rram_stats st;
    ncm_rram_stats_at(p, cd, &st);
    g->p = p;
    g->mu[0] = st.mu_hrs, g->sg[0] = st.sigma_hrs;
    g->mu[1] = st.mu_lrs, g->sg[1] = st.sigma_lrs;
    g->stuck_frac = st.stuck_frac;
    g->t_family = p->family == NCM_RRAM_STUDENT_T;
}

/* ln R of a device programmed to state `lrs`: a stuck device keeps its stuck state; the d2d
 * offset and the c2c deviation of one programming are one standardized deviate. */
static inline double dev_ln_r(const dev_draw *g, int lrs, ncm_rng *r)
{
    if (g->stuck_frac > 0 && ncm_rng_uniform(r) < g->stuck_frac)
        lrs = ncm_rng_uniform(r) < g->p->stuck_lrs_frac;
    double x = ncm_zig_normal(r);
    if (g->t_family)
        x *= ncm_rram_scale_draw(g->p, r);
    return g->mu[lrs] + g->sg[lrs] * x;
}

/* A growable list of dead-zone cells of one layer, in (neuron, weight) order. */
typedef struct {
    int32_t *j;
    int32_t *c;
    int64_t n, cap;
} dz_build;

static int dz_push(dz_build *b, int c, int j)
{
    if (b->n == b->cap) {
        const int64_t cap = b->cap ? 2 * b->cap : 256;
        int32_t *nj = realloc(b->j, (size_t)cap * sizeof *nj);
        if (!nj)
            return 0;
        b->j = nj;
        int32_t *nc = realloc(b->c, (size_t)cap * sizeof *nc);
        if (!nc)
            return 0;
        b->c = nc;
        b->cap = cap;
    }
    b->j[b->n] = j, b->c[b->n] = c;
    b->n++;
    return 1;
}

/* 2T2R layer: devices a, b of every weight, each column's sense amplifier offset per array. */
static ncm_status program_2t2r(ncm_chip *ch, const ncm_chip_config *cf, int l, const dev_draw *g,
                               uint64_t seed, int64_t chip, dz_build *dzb, ncm_error *err)
{
    const ncm_model_layer *S = &ch->source->layer[l];
    ncm_model_layer *D = &ch->model->layer[l];
    const ncm_rram_params *p = &cf->device;
    const int R = cf->rows, tiles = (S->fan_in + R - 1) / R;
    double *off = malloc((size_t)tiles * (size_t)S->cout * sizeof *off);
    if (!off)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for sense amplifiers");
    ncm_rng ro, rd, rc;
    ncm_rng_init(&ro, seed, device_stream(chip, l, DEV_STREAM_OFFSETS));
    ncm_rng_init(&rd, seed, device_stream(chip, l, DEV_STREAM_DEVICES));
    ncm_rng_init(&rc, seed, device_stream(chip, l, DEV_STREAM_COINS));
    /* The sense amplifier of column c of the arrays of row tile t: off[t * cout + c]. */
    for (int64_t i = 0; i < (int64_t)tiles * S->cout; i++)
        off[i] = p->pcsa_offset_sigma > 0 ? p->pcsa_offset_sigma * ncm_zig_normal(&ro) : 0.0;
    const double dz = p->pcsa_dead_zone;
    int64_t wrong = 0, dead = 0;
    for (int c = 0; c < S->cout; c++) {
        const uint64_t *w0 = S->wbits + (int64_t)c * S->words;
        uint64_t *w = D->wbits + (int64_t)c * D->words;
        for (int j = 0; j < S->fan_in; j++) {
            const int bit = ncm_imc_bit(w0, j);
            /* weight +1: device a LRS, b HRS; D > 0 reads +1 */
            const double la = dev_ln_r(g, bit, &rd), lb = dev_ln_r(g, !bit, &rd);
            const double d = lb - la + off[(int64_t)(j / R) * S->cout + c];
            int read;
            if (fabs(d) < dz) {
                if (cf->dead_zone_dynamic) {
                    if (!dz_push(dzb, c, j)) {
                        free(off);
                        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
                    }
                    dead++;
                    continue; /* the stored bit is never used: every read is a coin */
                }
                read = (int)(ncm_rng_next_u32(&rc) >> 31);
            } else {
                read = d > 0;
            }
            if (read != bit) {
                put_bit(w, j, read);
                wrong++;
            }
        }
    }
    free(off);
    ch->flips[l] = wrong, ch->raw[l] = wrong, ch->dead[l] = dead;
    return NCM_OK;
}

/* The 1T1R reference (ln ohm) of layer l. */
static ncm_status ref_ln(const ncm_chip_config *cf, const ncm_rram_cond *cd, double *ln_ref,
                         ncm_error *err)
{
    double r = cf->storage.r_ref_ohm;
    if (cf->storage.best_ref) {
        ncm_status s = ncm_rram_best_ref(&cf->device, cd, &r, NULL, err);
        if (s)
            return s;
    }
    *ln_ref = log(r);
    return NCM_OK;
}

/* 1T1R layer without ECC: one device per weight, read against the reference. */
static ncm_status program_1t1r(ncm_chip *ch, const ncm_chip_config *cf, int l, const dev_draw *g,
                               double ln_ref, uint64_t seed, int64_t chip)
{
    const ncm_model_layer *S = &ch->source->layer[l];
    ncm_model_layer *D = &ch->model->layer[l];
    ncm_rng rd;
    ncm_rng_init(&rd, seed, device_stream(chip, l, DEV_STREAM_DEVICES));
    int64_t wrong = 0;
    for (int c = 0; c < S->cout; c++) {
        const uint64_t *w0 = S->wbits + (int64_t)c * S->words;
        uint64_t *w = D->wbits + (int64_t)c * D->words;
        for (int j = 0; j < S->fan_in; j++) {
            const int bit = ncm_imc_bit(w0, j);
            const int read = dev_ln_r(g, bit, &rd) < ln_ref; /* LRS (low R) reads +1 */
            if (read != bit) {
                put_bit(w, j, read);
                wrong++;
            }
        }
    }
    ch->flips[l] = wrong, ch->raw[l] = wrong;
    (void)cf;
    return NCM_OK;
}

/* 1T1R with SECDED words along the rows: in every array, row r holds input j of the array's
 * cols neurons; the row's cols data bits are cut into words of k (the last one shortened when k
 * does not divide cols), each stored with its check bits, read and decoded. Columns past the
 * layer's last neuron hold 0. */
static ncm_status program_secded(ncm_chip *ch, const ncm_chip_config *cf, int l, const dev_draw *g,
                                 double ln_ref, uint64_t seed, int64_t chip, int64_t *cells,
                                 ncm_error *err)
{
    const ncm_model_layer *S = &ch->source->layer[l];
    ncm_model_layer *D = &ch->model->layer[l];
    const int C = cf->cols, k = cf->storage.ecc_k < C ? cf->storage.ecc_k : C;
    const int wpr = (C + k - 1) / k, klast = C - (wpr - 1) * k;
    ncm_secded *full = ncm_secded_new(k, err);
    ncm_secded *last = full && klast != k ? ncm_secded_new(klast, err) : NULL;
    const int n = full ? ncm_secded_n(full) : 0;
    uint8_t *data = malloc((size_t)k), *code = malloc((size_t)n + 1), *out = malloc((size_t)k);
    ncm_status s = NCM_OK;
    if (!full || (klast != k && !last))
        s = err ? err->code : NCM_ERR_NOMEM;
    else if (!data || !code || !out)
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for SECDED words");
    ncm_rng rd;
    ncm_rng_init(&rd, seed, device_stream(chip, l, DEV_STREAM_DEVICES));
    int64_t raw = 0, corrected = 0, wrong = 0, stored = 0;
    const int col_tiles = (S->cout + C - 1) / C;
    for (int tc = 0; tc < col_tiles && !s; tc++)
        for (int j = 0; j < S->fan_in; j++) /* array rows, in order of the fan-in */
            for (int wi = 0; wi < wpr; wi++) {
                const ncm_secded *code_w = wi == wpr - 1 && last ? last : full;
                const int kw = ncm_secded_k(code_w), nw = ncm_secded_n(code_w);
                const int c0 = tc * C + wi * k;
                for (int t = 0; t < kw; t++)
                    data[t] = c0 + t < S->cout
                                  ? (uint8_t)ncm_imc_bit(S->wbits + (int64_t)(c0 + t) * S->words, j)
                                  : 0;
                ncm_secded_encode(code_w, data, code);
                stored += nw;
                for (int t = 0; t < nw; t++) {
                    const int read = dev_ln_r(g, code[t], &rd) < ln_ref;
                    raw += read != code[t];
                    code[t] = (uint8_t)read;
                }
                corrected += ncm_secded_decode(code_w, code, out) == NCM_SECDED_CORRECTED;
                for (int t = 0; t < kw && c0 + t < S->cout; t++)
                    if (out[t] != data[t]) {
                        put_bit(D->wbits + (int64_t)(c0 + t) * D->words, j, out[t]);
                        wrong++;
                    }
            }
    free(data);
    free(code);
    free(out);
    ncm_secded_free(full);
    ncm_secded_free(last);
    ch->flips[l] = wrong, ch->raw[l] = raw, ch->corrected[l] = corrected;
    *cells = stored;
    return s;
}

/* Device mode: programs and reads every layer; energy from the mapping's cells. */
static ncm_status program_devices(ncm_chip *ch, const ncm_chip_config *cf, uint64_t seed,
                                  int64_t chip, ncm_error *err)
{
    ncm_zig_init();
    ncm_status s = NCM_OK;
    ch->energy_pj = 0;
    for (int l = 0; l < ch->n_layers && !s; l++) {
        const ncm_rram_cond cd = ncm_chip_config_cond(cf, l);
        dev_draw g;
        dev_setup(&g, &cf->device, &cd);
        /* programmed cells: the weights, and with SECDED every cell of the used rows' words */
        int64_t cells = ch->bits[l];
        double ln_ref = 0;
        if (cf->storage.cell == NCM_CELL_2T2R) {
            dz_build b = {0};
            s = program_2t2r(ch, cf, l, &g, seed, chip, &b, err);
            if (!s && b.n) { /* keep the list, by neuron */
                dz_list *z = &ch->dz[l];
                const int cout = ch->source->layer[l].cout;
                z->start = calloc((size_t)cout + 1, sizeof *z->start);
                z->j = b.j, b.j = NULL;
                if (!z->start)
                    s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
                for (int64_t i = 0; !s && i < b.n; i++)
                    z->start[b.c[i] + 1]++;
                for (int c = 0; !s && c < cout; c++)
                    z->start[c + 1] += z->start[c];
            }
            free(b.j);
            free(b.c);
        } else if (!(s = ref_ln(cf, &cd, &ln_ref, err))) {
            s = cf->storage.ecc_k ? program_secded(ch, cf, l, &g, ln_ref, seed, chip, &cells, err)
                                  : program_1t1r(ch, cf, l, &g, ln_ref, seed, chip);
        }
        ch->energy_pj +=
            (double)cells * ncm_rram_energy_at(&cf->device, &cd, cf->storage.cell).e_program_bit_pj;
    }
    return s;
}

/* Fault mode: flips, then stuck bits, each by geometric skipping on its own stream. */
static void program_faults(ncm_chip *ch, const ncm_chip_faults *f, uint64_t seed, int64_t chip)
{
    for (int l = 0; l < ch->n_layers; l++) {
        ncm_model_layer *L = &ch->model->layer[l];
        ncm_rng r;
        ncm_rng_init(&r, seed, fault_stream(chip, l, 0));
        ncm_imc_fault_layer(L->wbits, L->cout, L->fan_in, L->words, ncm_chip_faults_ber(f, l),
                            NCM_IMC_FLIP, &r);
        ncm_rng_init(&r, seed, fault_stream(chip, l, 1));
        ncm_imc_fault_layer(L->wbits, L->cout, L->fan_in, L->words, f->stuck_frac, NCM_IMC_STUCK,
                            &r);
        /* Measured errors: bits that now differ from the error-free weights (a stuck bit at its
         * programmed value, or a flipped bit stuck back, is no error). */
        const uint64_t *w0 = ch->source->layer[l].wbits;
        int64_t d = 0;
        for (int64_t i = 0; i < (int64_t)L->cout * L->words; i++)
            d += __builtin_popcountll(L->wbits[i] ^ w0[i]);
        ch->flips[l] = d, ch->raw[l] = d;
    }
}

ncm_chip *ncm_chip_new(const ncm_model *m, const ncm_chip_config *cf, uint64_t seed, int64_t chip,
                       ncm_kernel kernel, ncm_error *err)
{
    return ncm_imc_chip_new(m, cf, seed, chip, kernel, 1, err);
}

ncm_chip *ncm_imc_chip_new(const ncm_model *m, const ncm_chip_config *cf, uint64_t seed,
                           int64_t chip, ncm_kernel kernel, int engine, ncm_error *err)
{
    if (!m || !cf) {
        ncm_error_set(err, NCM_ERR_ARG, "model and configuration: expected non-NULL pointers");
        return NULL;
    }
    if (chip < 0) {
        ncm_error_set(err, NCM_ERR_ARG, "chip = %lld: expected a chip index >= 0", (long long)chip);
        return NULL;
    }
    if (ncm_chip_config_check(cf, m, err))
        return NULL;
    ncm_chip *c = calloc(1, sizeof *c);
    if (!c) {
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for a chip");
        return NULL;
    }
    c->source = m;
    c->n_layers = m->n_layers;
    c->read_ber = cf->read_ber;
    c->dyn_key = mix64(seed ^ mix64((uint64_t)chip + UINT64_C(0x9e3779b97f4a7c15)));
    if (!(c->model = model_copy(m, err))) {
        ncm_chip_free(c);
        return NULL;
    }
    for (int l = 0; l < m->n_layers; l++)
        c->bits[l] = (int64_t)m->layer[l].cout * m->layer[l].fan_in;
    if (cf->mode == NCM_CHIP_FAULTS)
        program_faults(c, &cf->faults, seed, chip);
    else if (program_devices(c, cf, seed, chip, err)) {
        ncm_chip_free(c);
        return NULL;
    }
    if (!engine)
        return c;
    if (!(c->engine = ncm_packed_new(c->model, kernel, err))) {
        ncm_chip_free(c);
        return NULL;
    }
    /* dead-zone cells: their kernel bits, for the reads during inference */
    for (int l = 0; l < m->n_layers; l++) {
        dz_list *z = &c->dz[l];
        if (!z->start)
            continue;
        const int64_t n = z->start[m->layer[l].cout];
        if (!(z->t = malloc((size_t)n * sizeof *z->t))) {
            ncm_chip_free(c);
            ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
            return NULL;
        }
        for (int64_t i = 0; i < n; i++)
            z->t[i] = ncm_packed_kernel_bit(c->engine, l, z->j[i]);
    }
    return c;
}

const ncm_model *ncm_chip_model(const ncm_chip *c)
{
    return c->model;
}

#define LAYER_FIELD(fn, field)                                                                     \
    int64_t fn(const ncm_chip *c, int l)                                                           \
    {                                                                                              \
        return l >= 0 && l < c->n_layers ? c->field[l] : 0;                                        \
    }
LAYER_FIELD(ncm_chip_bits, bits)
LAYER_FIELD(ncm_chip_flips, flips)
LAYER_FIELD(ncm_chip_dead_zone, dead)
LAYER_FIELD(ncm_chip_raw_errors, raw)
LAYER_FIELD(ncm_chip_corrected, corrected)

double ncm_chip_program_energy_pj(const ncm_chip *c)
{
    return c->energy_pj;
}

const char *ncm_imc_chip_kernel(const ncm_chip *c)
{
    return ncm_kernel_name(ncm_packed_kernel(c->engine));
}

int ncm_imc_chip_dynamic(const ncm_chip *c)
{
    if (c->read_ber > 0)
        return 1;
    for (int l = 0; l < c->n_layers; l++)
        if (c->dead[l])
            return 1;
    return 0;
}

/* ---- dynamic read errors ------------------------------------------------------------------ */

/* Binomial(n, q) by geometric skipping: the gaps between successes are Geometric(q), so the
 * cost is O(n min(q, 1 - q)) (the complement for q > 1/2). */
static int binomial(ncm_rng *r, int n, double q)
{
    if (n <= 0 || !(q > 0))
        return 0;
    if (q >= 1)
        return n;
    if (q > 0.5)
        return n - binomial(r, n, 1 - q);
    if (q == 0.5) { /* a fair coin per trial: popcount of random words */
        int k = 0, left = n;
        for (; left >= 32; left -= 32)
            k += __builtin_popcount(ncm_rng_next_u32(r));
        if (left)
            k += __builtin_popcount(ncm_rng_next_u32(r) >> (32 - left));
        return k;
    }
    const double lq = log1p(-q);
    int64_t k = geometric_gap(r, lq), count = 0;
    while (k < n) {
        count++;
        k += 1 + geometric_gap(r, lq);
        if (k < 0) /* overflow of a huge gap */
            break;
    }
    return (int)count;
}

/* The XNOR input bit of model weight j at output position pos of the first layer, bit plane b:
 * the pixel (dense), or the patch's pixel (convolution; 0 outside the image). */
static int first_input_bit(const ncm_model_layer *L, const uint8_t *px, int pos, int j, int b)
{
    if (L->kind != NCM_LAYER_CONV)
        return px[j] >> b & 1;
    const int H = L->hin, W = L->win, y = pos / W, x = pos % W;
    const int ch = j / 9, ys = y + j % 9 / 3 - 1, xs = x + j % 3 - 1;
    if (ys < 0 || ys >= H || xs < 0 || xs >= W)
        return 0;
    return px[ch * H * W + ys * W + xs] >> b & 1;
}

/* The perturb hook: each neuron's popcount P of XNOR ones among its n reads becomes
 * P - P_dz + Binomial(m_dz, 1/2) (the m_dz dead-zone cells decide at random), then
 * P - Binomial(P, q) + Binomial(n - P, q) (each read wrong with probability q). */
static void chip_perturb(void *user, int l, int64_t image, int pos, const void *input, int32_t *s,
                         int ld)
{
    const ncm_chip *ch = user;
    const ncm_model_layer *L = &ch->model->layer[l];
    const int n = L->fan_in, planes = L->first ? 8 : 1;
    const dz_list *z = &ch->dz[l];
    if (!z->start && !(ch->read_ber > 0))
        return;
    ncm_rng r;
    ncm_rng_init(&r, ch->dyn_key,
                 ((uint64_t)image * NCM_MAX_LAYERS + (uint64_t)l) * (UINT64_C(1) << 20) +
                     (uint64_t)pos);
    for (int b = 0; b < planes; b++)
        for (int c = 0; c < L->cout; c++) {
            int32_t *v = &s[b * ld + c];
            int P = (n + *v) / 2;
            if (z->start && z->start[c + 1] > z->start[c]) {
                const uint64_t *w = L->wbits + (int64_t)c * L->words;
                int pdz = 0;
                for (int64_t i = z->start[c]; i < z->start[c + 1]; i++) {
                    const int x = L->first ? first_input_bit(L, input, pos, z->j[i], b)
                                           : ncm_imc_bit(input, z->t[i]);
                    pdz += x == ncm_imc_bit(w, z->j[i]); /* XNOR */
                }
                P += binomial(&r, (int)(z->start[c + 1] - z->start[c]), 0.5) - pdz;
            }
            if (ch->read_ber > 0)
                P += binomial(&r, n - P, ch->read_ber) - binomial(&r, P, ch->read_ber);
            *v = 2 * P - n;
        }
}

ncm_status ncm_chip_predict(const ncm_chip *c, const ncm_dataset *d, int32_t *pred, float *scores,
                            ncm_error *err)
{
    if (!ncm_imc_chip_dynamic(c))
        return ncm_packed_predict(c->engine, d, pred, scores, err);
    const ncm_packed_hooks h = {.perturb = chip_perturb, .user = (void *)c};
    return ncm_packed_predict_hooked(c->engine, d, pred, scores, &h, err);
}
