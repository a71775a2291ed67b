/* Monte Carlo over faulty chips (include/nanocim/chip.h): draws n_chips chips, scores each on a
 * dataset, summarises the accuracies (mean, sd, range, 95 % t-interval of the mean) and writes
 * the results document (JSON) and the per-chip table (CSV). */
#include "nanocim/chip.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "imc/imc_internal.h"
#include "nanocim/config.h"
#include "nanocim/metrics.h"
#include "nanocim/packed.h"
#include "util/io.h"
#include "util/json.h"
#include "util/progress.h"

void ncm_chip_mc_default(ncm_chip_mc_params *p)
{
    memset(p, 0, sizeof *p);
    ncm_chip_config_default(&p->chip);
    p->n_chips = 1;
    p->seed = 1;
    p->kernel = NCM_KERNEL_AUTO;
    p->threads = 0;
}

void ncm_chip_mc_result_free(ncm_chip_mc_result *r)
{
    if (!r)
        return;
    free(r->ber_layer);
    free(r->cond_layer);
    free(r->dead_zone);
    free(r->energy_pj);
    free(r->bits);
    free(r->accuracy);
    free(r->flips);
    free(r->ber_measured);
    free(r);
}

/* Two-sided 95 % quantile t(0.975, df) of Student's t: the table for df <= 30, else the
 * Cornish-Fisher expansion in 1/df around the normal quantile (Abramowitz & Stegun 26.7.5),
 * within 1e-4 of the exact value there. */
static double t975(int df)
{
    static const double T[30] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
                                 2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
                                 2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
                                 2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
    if (df <= 30)
        return T[df - 1];
    const double z = 1.959963984540054, z2 = z * z, v = df;
    return z + (z2 * z + z) / (4 * v) + ((5 * z2 + 16) * z2 * z + 3 * z) / (96 * v * v) +
           (((3 * z2 + 19) * z2 + 17) * z2 * z - 15 * z) / (384 * v * v * v);
}

void ncm_imc_summarise(const double *acc, int n, ncm_imc_summary *o)
{
    double s = 0, mn = acc[0], mx = acc[0];
    for (int i = 0; i < n; i++) {
        s += acc[i];
        mn = fmin(mn, acc[i]);
        mx = fmax(mx, acc[i]);
    }
    const double mean = s / n;
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (acc[i] - mean) * (acc[i] - mean);
    o->mean = mean, o->min = mn, o->max = mx;
    o->sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    const double half = n > 1 ? t975(n - 1) * o->sd / sqrt((double)n) : 0.0;
    o->ci_lo = mean - half, o->ci_hi = mean + half;
}

/* A chip needs its own engine when it draws read errors during inference. */
static int dynamic_config(const ncm_chip_config *cf)
{
    return cf->read_ber > 0 || (cf->mode == NCM_CHIP_DEVICES && cf->dead_zone_dynamic);
}

ncm_status ncm_imc_run_chips(const ncm_model *m, const ncm_dataset *d,
                             const ncm_chip_config *const *cf, uint64_t seed, const int64_t *chip,
                             int g, ncm_kernel kernel, const ncm_imc_cache *cache, int32_t *pred,
                             ncm_imc_outcome *out, ncm_error *err)
{
    ncm_chip **c = calloc((size_t)g, sizeof *c);
    const ncm_model **read = calloc((size_t)g, sizeof *read);
    int *slot = calloc((size_t)g, sizeof *slot);
    int32_t *pc = NULL;
    ncm_status s = c && read && slot ? NCM_OK : ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    int nc = 0; /* chips run by differences */
    for (int q = 0; q < g && !s; q++) {
        const int by_cache = cache && !dynamic_config(cf[q]);
        if (!(c[q] = ncm_imc_chip_new(m, cf[q], seed, chip[q], kernel, !by_cache, err))) {
            s = err ? err->code : NCM_ERR_NOMEM;
            break;
        }
        /* Past about one wrong weight in 128 the differences (a term per misread weight and
         * image) cost more than the chip's own engine (measured break-even on the
         * 784-1024-1024-10 MLP: weight BER 7e-3). */
        int64_t wrong = 0, bits = 0;
        for (int l = 0; by_cache && l < m->n_layers; l++)
            wrong += ncm_chip_flips(c[q], l), bits += ncm_chip_bits(c[q], l);
        if (by_cache && wrong * 128 <= bits) {
            slot[nc] = q;
            read[nc++] = ncm_chip_model(c[q]);
        } else if (by_cache) {
            ncm_packed *e = ncm_packed_new(ncm_chip_model(c[q]), kernel, err);
            s = e ? ncm_packed_predict(e, d, pred + (int64_t)q * d->n, NULL, err)
                  : (err ? err->code : NCM_ERR_NOMEM);
            ncm_packed_free(e);
        } else {
            s = ncm_chip_predict(c[q], d, pred + (int64_t)q * d->n, NULL, err);
        }
    }
    if (!s && nc) {
        if (!(pc = malloc((size_t)nc * (size_t)d->n * sizeof *pc)))
            s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        else if (!(s = ncm_imc_cache_predict(cache, read, nc, pc, err)))
            for (int u = 0; u < nc; u++)
                memcpy(pred + (int64_t)slot[u] * d->n, pc + (int64_t)u * d->n,
                       (size_t)d->n * sizeof *pc);
    }
    const char *kname =
        ncm_kernel_name(kernel == NCM_KERNEL_AUTO ? ncm_kernel_select(NULL) : kernel);
    for (int q = 0; q < g && !s; q++) {
        ncm_imc_outcome *o = &out[q];
        memset(o, 0, sizeof *o); /* layers past the model's: zero */
        o->accuracy = ncm_accuracy(pred + (int64_t)q * d->n, d->labels, d->n);
        for (int l = 0; l < m->n_layers; l++) {
            o->flips[l] = ncm_chip_flips(c[q], l);
            o->dead[l] = ncm_chip_dead_zone(c[q], l);
        }
        o->energy_pj = ncm_chip_program_energy_pj(c[q]);
        o->kernel = kname;
    }
    for (int q = 0; c && q < g; q++)
        ncm_chip_free(c[q]);
    free(c);
    free(read);
    free(slot);
    free(pc);
    return s;
}

/* Checks the parameters against the model and the dataset. */
static ncm_status mc_check(const ncm_model *m, const ncm_dataset *d, const ncm_chip_mc_params *p,
                           ncm_error *err)
{
    ncm_status s = ncm_chip_config_check(&p->chip, m, err);
    if (s)
        return s;
    if (p->first_chip < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "first_chip = %lld: expected a chip index >= 0",
                             (long long)p->first_chip);
    if (p->n_chips < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "n_chips = %d: expected at least 1 chip",
                             p->n_chips);
    if (p->threads < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "threads = %d: expected 0 (the OpenMP setting) or "
                             "more", p->threads);
    if (p->kernel != NCM_KERNEL_AUTO && !ncm_kernel_supported(p->kernel))
        return ncm_error_set(err, NCM_ERR_ARG, "kernel %s: this CPU cannot run it",
                             ncm_kernel_name(p->kernel));
    if (p->tech && (s = ncm_tech_check(p->tech, "tech", err)))
        return s;
    return ncm_imc_data_check(m, d, err);
}

ncm_status ncm_imc_data_check(const ncm_model *m, const ncm_dataset *d, ncm_error *err)
{
    const ncm_arch *a = &m->arch;
    if (d->c != a->in_c || d->h != a->in_h || d->w != a->in_w)
        return ncm_error_set(err, NCM_ERR_DATA,
                             "dataset images are %dx%dx%d, the model expects %dx%dx%d", d->c, d->h,
                             d->w, a->in_c, a->in_h, a->in_w);
    if (d->n_classes > a->n_classes)
        return ncm_error_set(err, NCM_ERR_DATA,
                             "dataset has %d classes, the model only %d", d->n_classes,
                             a->n_classes);
    if (d->n < 1)
        return ncm_error_set(err, NCM_ERR_DATA, "dataset has no images");
    return NCM_OK;
}

ncm_chip_mc_result *ncm_chip_mc(const ncm_model *m, const ncm_dataset *d,
                                const ncm_chip_mc_params *p, const ncm_progress *progress,
                                ncm_error *err)
{
    if (!m || !d || !p) {
        ncm_error_set(err, NCM_ERR_ARG, "model, dataset and parameters: expected non-NULL");
        return NULL;
    }
    if (mc_check(m, d, p, err))
        return NULL;
    const int L = m->n_layers, N = p->n_chips;
    const int T = p->threads > 0 ? p->threads : omp_get_max_threads();
    /* Chips run concurrently, a group of up to G per thread (a group shares each image's
     * cached sums); a block of T groups between progress reports. */
    const int G = N / T >= NCM_IMC_GROUP ? NCM_IMC_GROUP : (N + T - 1) / T;
    const int B = T * G < N ? T * G : N;
    ncm_chip_mc_result *r = calloc(1, sizeof *r);
    int32_t *pred = NULL;
    ncm_error *errs = NULL;
    ncm_imc_outcome *oc = NULL;
    ncm_imc_cache *cache = NULL;
    ncm_status s = NCM_OK;
    if (!r || !(r->ber_layer = malloc((size_t)L * sizeof *r->ber_layer)) ||
        !(r->cond_layer = malloc((size_t)L * sizeof *r->cond_layer)) ||
        !(r->bits = malloc((size_t)L * sizeof *r->bits)) ||
        !(r->ber_measured = calloc((size_t)L, sizeof *r->ber_measured)) ||
        !(r->accuracy = calloc((size_t)N, sizeof *r->accuracy)) ||
        !(r->energy_pj = calloc((size_t)N, sizeof *r->energy_pj)) ||
        !(r->flips = calloc((size_t)N * (size_t)L, sizeof *r->flips)) ||
        !(r->dead_zone = calloc((size_t)N * (size_t)L, sizeof *r->dead_zone)) ||
        !(pred = malloc((size_t)B * (size_t)d->n * sizeof *pred)) ||
        !(oc = calloc((size_t)B, sizeof *oc)) || !(errs = calloc((size_t)B, sizeof *errs))) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %d chips", N);
        goto done;
    }
    r->n_chips = N, r->n_layers = L, r->n_images = d->n, r->seed = p->seed;
    r->first_chip = p->first_chip, r->threads = T;
    r->config = p->chip;
    for (int l = 0; l < L; l++) {
        r->ber_layer[l] = ncm_chip_faults_ber(&p->chip.faults, l);
        r->cond_layer[l] = ncm_chip_config_cond(&p->chip, l);
        r->bits[l] = (int64_t)m->layer[l].cout * m->layer[l].fan_in;
    }
    r->config.faults.ber_layer = p->chip.faults.ber_layer ? r->ber_layer : NULL;
    r->config.faults.n_ber_layer = p->chip.faults.ber_layer ? L : 0;
    r->config.cond_layer = p->chip.cond_layer ? r->cond_layer : NULL;
    r->config.n_cond_layer = p->chip.cond_layer ? L : 0;
    if ((s = ncm_imc_map(m, &p->chip, &r->map, err)))
        goto done;
    if ((s = ncm_imc_inference_cost(m, &p->chip, p->tech, &r->inference_energy_pj,
                                    &r->inference_latency_ns, err)))
        goto done;
    if ((s = ncm_progress_report(progress, "chips", 0, N, err)))
        goto done;
    const double t0 = ncm_now();
    /* The error-free network's sums, shared by all chips, pay off from two chips on. */
    if (N > 1 && (s = ncm_imc_cache_new(m, d, p->kernel, &cache, err)))
        goto done;
    for (int b0 = 0; b0 < N && !s; b0 += B) {
        const int nb = N - b0 < B ? N - b0 : B, ng = (nb + G - 1) / G;
#pragma omp parallel for num_threads(ng < T ? ng : T) schedule(static, 1)
        for (int k = 0; k < ng; k++) {
            const int q0 = k * G, gq = nb - q0 < G ? nb - q0 : G;
            const ncm_chip_config *cfs[NCM_IMC_GROUP];
            int64_t idx[NCM_IMC_GROUP];
            for (int q = 0; q < gq; q++)
                cfs[q] = &p->chip, idx[q] = p->first_chip + b0 + q0 + q;
            ncm_error_clear(&errs[k]);
            ncm_imc_run_chips(m, d, cfs, p->seed, idx, gq, p->kernel, cache,
                              pred + (int64_t)q0 * d->n, &oc[q0], &errs[k]);
        }
        const int nerr = ng;
        /* The first failed chip's message, whatever the thread order. */
        for (int k = 0; k < nerr && !s; k++)
            if (errs[k].code) {
                s = errs[k].code;
                if (err)
                    *err = errs[k];
            }
        for (int k = 0; k < nb && !s; k++) {
            const int64_t i = b0 + k;
            r->accuracy[i] = oc[k].accuracy;
            r->energy_pj[i] = oc[k].energy_pj;
            for (int l = 0; l < L; l++) {
                r->flips[i * L + l] = oc[k].flips[l];
                r->dead_zone[i * L + l] = oc[k].dead[l];
            }
            r->kernel = oc[k].kernel;
        }
        if (!s)
            s = ncm_progress_report(progress, "chips", b0 + nb, N, err);
    }
    r->seconds = ncm_now() - t0;
    if (s)
        goto done;
    r->images_per_s = r->seconds > 0 ? (double)N * (double)d->n / r->seconds : 0.0;
    int64_t all_f = 0, all_b = 0;
    for (int l = 0; l < L; l++) {
        int64_t f = 0;
        for (int i = 0; i < N; i++)
            f += r->flips[(int64_t)i * L + l];
        r->ber_measured[l] = r->bits[l] > 0 ? (double)f / ((double)r->bits[l] * N) : 0.0;
        all_f += f, all_b += r->bits[l] * N;
    }
    r->ber_total = all_b ? (double)all_f / (double)all_b : 0.0;
    ncm_imc_summary sm;
    ncm_imc_summarise(r->accuracy, N, &sm);
    r->mean = sm.mean, r->sd = sm.sd, r->min = sm.min, r->max = sm.max;
    r->ci_lo = sm.ci_lo, r->ci_hi = sm.ci_hi;
done:
    ncm_imc_cache_free(cache);
    free(pred);
    free(errs);
    free(oc);
    if (s) {
        ncm_chip_mc_result_free(r);
        return NULL;
    }
    return r;
}

/* ---- results documents ------------------------------------------------------------------ */

static void add_cond(cJSON *o, const ncm_rram_cond *c)
{
    ncm_json_add_number_exact(o, "i_cc_ua", c->i_cc_ua);
    ncm_json_add_number_exact(o, "v_reset_v", c->v_reset_v);
    ncm_json_add_number_exact(o, "t_p_ns", c->t_p_ns);
    ncm_json_add_number_exact(o, "cycles", c->cycles);
}

cJSON *ncm_imc_summary_json(cJSON *o, const ncm_imc_summary *s)
{
    cJSON *sm = cJSON_AddObjectToObject(o, "summary");
    if (!sm)
        return NULL;
    ncm_json_add_number_exact(sm, "accuracy_mean", s->mean);
    ncm_json_add_number_exact(sm, "accuracy_sd", s->sd);
    ncm_json_add_number_exact(sm, "accuracy_min", s->min);
    ncm_json_add_number_exact(sm, "accuracy_max", s->max);
    cJSON *ci = cJSON_AddArrayToObject(sm, "accuracy_ci95");
    if (!ci)
        return NULL;
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(s->ci_lo));
    cJSON_AddItemToArray(ci, cJSON_CreateNumber(s->ci_hi));
    return sm;
}

int ncm_imc_config_json(cJSON *o, const ncm_chip_config *c, int n_layers)
{
    cJSON *j = cJSON_AddObjectToObject(o, "chip");
    if (!j)
        return 0;
    char id[32];
    ncm_storage_id(&c->storage, id, sizeof id);
    cJSON_AddStringToObject(j, "mode", c->mode == NCM_CHIP_DEVICES ? "devices" : "faults");
    cJSON_AddNumberToObject(j, "rows", c->rows);
    cJSON_AddNumberToObject(j, "cols", c->cols);
    cJSON_AddStringToObject(j, "storage", id);
    if (c->storage.cell == NCM_CELL_1T1R && !c->storage.best_ref)
        ncm_json_add_number_exact(j, "r_ref_ohm", c->storage.r_ref_ohm);
    ncm_json_add_number_exact(j, "read_ber", c->read_ber);
    if (c->mode == NCM_CHIP_FAULTS) {
        cJSON *f = cJSON_AddObjectToObject(j, "faults");
        if (!f)
            return 0;
        ncm_json_add_number_exact(f, "ber", c->faults.ber);
        ncm_json_add_number_exact(f, "stuck_frac", c->faults.stuck_frac);
        cJSON *bl = cJSON_AddArrayToObject(f, "ber_layer");
        for (int l = 0; bl && l < n_layers; l++)
            cJSON_AddItemToArray(bl, cJSON_CreateNumber(ncm_chip_faults_ber(&c->faults, l)));
        return bl != NULL;
    }
    cJSON_AddStringToObject(j, "technology", c->device.name);
    cJSON *cd = cJSON_AddObjectToObject(j, "cond");
    if (!cd)
        return 0;
    add_cond(cd, &c->cond);
    cJSON_AddStringToObject(j, "dead_zone", c->dead_zone_dynamic ? "dynamic" : "static");
    cJSON *cl = cJSON_AddArrayToObject(j, "cond_layer");
    for (int l = 0; cl && l < n_layers; l++) {
        cJSON *e = cJSON_CreateObject();
        if (!e)
            return 0;
        const ncm_rram_cond cl_l = ncm_chip_config_cond(c, l);
        add_cond(e, &cl_l);
        cJSON_AddItemToArray(cl, e);
    }
    return cl != NULL;
}

int ncm_imc_map_json(cJSON *o, const ncm_chip_map *m)
{
    cJSON *j = cJSON_AddObjectToObject(o, "mapping");
    cJSON *ls = j ? cJSON_AddArrayToObject(j, "layers") : NULL;
    if (!ls)
        return 0;
    cJSON_AddNumberToObject(j, "rows", m->rows);
    cJSON_AddNumberToObject(j, "cols", m->cols);
    cJSON_AddNumberToObject(j, "words_per_row", m->words_per_row);
    cJSON_AddNumberToObject(j, "check_per_row", m->check_per_row);
    for (int l = 0; l <= m->n_layers; l++) {
        const ncm_chip_layer_map *M = l < m->n_layers ? &m->layer[l] : &m->total;
        cJSON *e = cJSON_CreateObject();
        if (!e)
            return 0;
        if (l < m->n_layers) {
            cJSON_AddNumberToObject(e, "layer", l);
            cJSON_AddNumberToObject(e, "row_tiles", M->row_tiles);
            cJSON_AddNumberToObject(e, "col_tiles", M->col_tiles);
        }
        cJSON_AddNumberToObject(e, "weights", (double)M->weights);
        cJSON_AddNumberToObject(e, "arrays", (double)M->arrays);
        cJSON_AddNumberToObject(e, "data_cells", (double)M->data_cells);
        cJSON_AddNumberToObject(e, "check_cells", (double)M->check_cells);
        cJSON_AddNumberToObject(e, "devices", (double)M->devices);
        cJSON_AddNumberToObject(e, "sense_amps", (double)M->sense_amps);
        cJSON_AddNumberToObject(e, "decoders", (double)M->decoders);
        cJSON_AddNumberToObject(e, "decoder_gates", (double)M->decoder_gates);
        cJSON_AddNumberToObject(e, "row_reads", (double)M->row_reads);
        cJSON_AddNumberToObject(e, "partial_sums", (double)M->partial_sums);
        ncm_json_add_number_exact(e, "utilisation", M->utilisation);
        if (l < m->n_layers)
            cJSON_AddItemToArray(ls, e);
        else
            cJSON_AddItemToObject(j, "total", e);
    }
    return 1;
}

ncm_status ncm_chip_mc_result_save_json(const ncm_chip_mc_result *r, const ncm_model *m,
                                        const char *model_name, const char *data_name,
                                        const char *path, ncm_error *err)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
    int ok = 1;
    ok &= cJSON_AddStringToObject(o, "command", "chip run") != NULL;
    ok &= ncm_json_add_producer(o);
    ok &= ncm_model_json_describe(o, m, model_name, data_name);
    ok &= ncm_imc_config_json(o, &r->config, r->n_layers);
    ok &= ncm_imc_map_json(o, &r->map);
    ok &= cJSON_AddNumberToObject(o, "seed", (double)r->seed) != NULL;
    ok &= cJSON_AddNumberToObject(o, "n_chips", r->n_chips) != NULL;
    ok &= cJSON_AddNumberToObject(o, "n_images", (double)r->n_images) != NULL;
    const ncm_imc_summary sum = {r->mean, r->sd, r->min, r->max, r->ci_lo, r->ci_hi};
    cJSON *sm = ncm_imc_summary_json(o, &sum);
    ok &= sm != NULL;
    ok &= sm && ncm_json_add_number_exact(sm, "inference_energy_pj", r->inference_energy_pj);
    ok &= sm && ncm_json_add_number_exact(sm, "inference_latency_ns", r->inference_latency_ns);
    cJSON *layers = cJSON_AddArrayToObject(o, "layers");
    ok &= layers != NULL;
    for (int l = 0; layers && l < r->n_layers; l++) {
        cJSON *e = cJSON_CreateObject();
        if (!e) {
            ok = 0;
            break;
        }
        cJSON_AddNumberToObject(e, "layer", l);
        cJSON_AddNumberToObject(e, "bits", (double)r->bits[l]);
        ncm_json_add_number_exact(e, "ber", r->ber_layer[l]);
        ncm_json_add_number_exact(e, "ber_measured", r->ber_measured[l]);
        cJSON_AddItemToArray(layers, e);
    }
    cJSON *chips = cJSON_AddArrayToObject(o, "chips");
    ok &= chips != NULL;
    for (int i = 0; chips && i < r->n_chips; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON *fl = e ? cJSON_AddArrayToObject(e, "flips") : NULL;
        if (!fl) {
            cJSON_Delete(e);
            ok = 0;
            break;
        }
        cJSON_AddNumberToObject(e, "chip", (double)(r->first_chip + i));
        ncm_json_add_number_exact(e, "accuracy", r->accuracy[i]);
        if (r->config.mode == NCM_CHIP_DEVICES)
            ncm_json_add_number_exact(e, "program_energy_pj", r->energy_pj[i]);
        cJSON *dz = r->config.dead_zone_dynamic ? cJSON_AddArrayToObject(e, "dead_zone") : NULL;
        for (int l = 0; dz && l < r->n_layers; l++)
            cJSON_AddItemToArray(dz, cJSON_CreateNumber(
                                         (double)r->dead_zone[(int64_t)i * r->n_layers + l]));
        for (int l = 0; l < r->n_layers; l++)
            cJSON_AddItemToArray(fl,
                                 cJSON_CreateNumber((double)r->flips[(int64_t)i * r->n_layers + l]));
        cJSON_AddItemToArray(chips, e);
    }
    cJSON *tm = cJSON_AddObjectToObject(o, "timing");
    ok &= tm != NULL;
    if (tm) {
        cJSON_AddNumberToObject(tm, "seconds", r->seconds);
        cJSON_AddNumberToObject(tm, "images_per_s", r->images_per_s);
        cJSON_AddStringToObject(tm, "kernel", r->kernel ? r->kernel : "");
        cJSON_AddNumberToObject(tm, "threads", r->threads);
    }
    ncm_status s = ok ? ncm_json_write(path, o, err)
                      : ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %s", path);
    cJSON_Delete(o);
    return s;
}

ncm_status ncm_chip_mc_result_save_csv(const ncm_chip_mc_result *r, const char *path,
                                       ncm_error *err)
{
    ncm_afile f;
    ncm_status s = ncm_afile_open(&f, path, err);
    if (s)
        return s;
    fputs("chip,accuracy", f.fp);
    for (int l = 0; l < r->n_layers; l++)
        fprintf(f.fp, ",flips_L%d", l);
    for (int l = 0; l < r->n_layers; l++)
        fprintf(f.fp, ",ber_L%d", l);
    fputc('\n', f.fp);
    for (int i = 0; i < r->n_chips; i++) {
        fprintf(f.fp, "%d,%.17g", i, r->accuracy[i]);
        const int64_t *fl = r->flips + (int64_t)i * r->n_layers;
        for (int l = 0; l < r->n_layers; l++)
            fprintf(f.fp, ",%lld", (long long)fl[l]);
        for (int l = 0; l < r->n_layers; l++)
            fprintf(f.fp, ",%.17g", r->bits[l] ? (double)fl[l] / (double)r->bits[l] : 0.0);
        fputc('\n', f.fp);
    }
    if (ferror(f.fp)) {
        ncm_afile_abort(&f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: write failed", path);
    }
    return ncm_afile_commit(&f, err);
}
