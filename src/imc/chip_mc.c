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
#include "util/io.h"
#include "util/json.h"
#include "util/progress.h"

void ncm_chip_mc_default(ncm_chip_mc_params *p)
{
    memset(p, 0, sizeof *p);
    ncm_chip_faults_default(&p->faults);
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

/* Mean, sd, range and interval of r->accuracy. */
static void summarise(ncm_chip_mc_result *r)
{
    const int n = r->n_chips;
    double s = 0, mn = r->accuracy[0], mx = r->accuracy[0];
    for (int i = 0; i < n; i++) {
        s += r->accuracy[i];
        mn = fmin(mn, r->accuracy[i]);
        mx = fmax(mx, r->accuracy[i]);
    }
    const double mean = s / n;
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (r->accuracy[i] - mean) * (r->accuracy[i] - mean);
    r->mean = mean, r->min = mn, r->max = mx;
    r->sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    const double half = n > 1 ? t975(n - 1) * r->sd / sqrt((double)n) : 0.0;
    r->ci_lo = mean - half, r->ci_hi = mean + half;
}

/* Checks the parameters against the model and the dataset. */
static ncm_status mc_check(const ncm_model *m, const ncm_dataset *d, const ncm_chip_mc_params *p,
                           ncm_error *err)
{
    ncm_status s = ncm_chip_faults_check(&p->faults, m->n_layers, NULL, err);
    if (s)
        return s;
    if (p->n_chips < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "n_chips = %d: expected at least 1 chip",
                             p->n_chips);
    if (p->threads < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "threads = %d: expected 0 (the OpenMP setting) or "
                             "more", p->threads);
    if (p->kernel != NCM_KERNEL_AUTO && !ncm_kernel_supported(p->kernel))
        return ncm_error_set(err, NCM_ERR_ARG, "kernel %s: this CPU cannot run it",
                             ncm_kernel_name(p->kernel));
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

/* One chip of the Monte Carlo: its accuracy and flips per layer; pred is room for d->n. */
static ncm_status run_chip(const ncm_model *m, const ncm_dataset *d, const ncm_chip_mc_params *p,
                           int64_t i, int32_t *pred, ncm_chip_mc_result *r, ncm_error *err)
{
    ncm_chip *c = ncm_chip_new(m, &p->faults, p->seed, i, p->kernel, err);
    if (!c)
        return err->code;
    ncm_status s = ncm_chip_predict(c, d, pred, NULL, err);
    if (!s) {
        r->accuracy[i] = ncm_accuracy(pred, d->labels, d->n);
        for (int l = 0; l < m->n_layers; l++)
            r->flips[i * m->n_layers + l] = ncm_chip_flips(c, l);
        if (i == 0)
            r->kernel = ncm_imc_chip_kernel(c);
    }
    ncm_chip_free(c);
    return s;
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
    /* Chips run concurrently, one per thread; a block of T chips between progress reports. */
    const int B = T < N ? T : N;
    ncm_chip_mc_result *r = calloc(1, sizeof *r);
    int32_t *pred = NULL;
    ncm_error *errs = NULL;
    ncm_status s = NCM_OK;
    if (!r || !(r->ber_layer = malloc((size_t)L * sizeof *r->ber_layer)) ||
        !(r->bits = malloc((size_t)L * sizeof *r->bits)) ||
        !(r->ber_measured = calloc((size_t)L, sizeof *r->ber_measured)) ||
        !(r->accuracy = calloc((size_t)N, sizeof *r->accuracy)) ||
        !(r->flips = calloc((size_t)N * (size_t)L, sizeof *r->flips)) ||
        !(pred = malloc((size_t)B * (size_t)d->n * sizeof *pred)) ||
        !(errs = calloc((size_t)B, sizeof *errs))) {
        s = ncm_error_set(err, NCM_ERR_NOMEM, "out of memory for %d chips", N);
        goto done;
    }
    r->n_chips = N, r->n_layers = L, r->n_images = d->n, r->seed = p->seed;
    r->ber = p->faults.ber, r->stuck_frac = p->faults.stuck_frac, r->threads = T;
    for (int l = 0; l < L; l++) {
        r->ber_layer[l] = ncm_chip_faults_ber(&p->faults, l);
        r->bits[l] = (int64_t)m->layer[l].cout * m->layer[l].fan_in;
    }
    if ((s = ncm_progress_report(progress, "chips", 0, N, err)))
        goto done;
    const double t0 = ncm_now();
    for (int b0 = 0; b0 < N && !s; b0 += B) {
        const int nb = N - b0 < B ? N - b0 : B;
#pragma omp parallel for num_threads(nb) schedule(static, 1)
        for (int k = 0; k < nb; k++) {
            ncm_error_clear(&errs[k]);
            run_chip(m, d, p, b0 + k, pred + (int64_t)k * d->n, r, &errs[k]);
        }
        /* The first failed chip's message, whatever the thread order. */
        for (int k = 0; k < nb && !s; k++)
            if (errs[k].code) {
                s = errs[k].code;
                if (err)
                    *err = errs[k];
            }
        if (!s)
            s = ncm_progress_report(progress, "chips", b0 + nb, N, err);
    }
    r->seconds = ncm_now() - t0;
    if (s)
        goto done;
    r->images_per_s = r->seconds > 0 ? (double)N * (double)d->n / r->seconds : 0.0;
    for (int l = 0; l < L; l++) {
        int64_t f = 0;
        for (int i = 0; i < N; i++)
            f += r->flips[(int64_t)i * L + l];
        r->ber_measured[l] = r->bits[l] > 0 ? (double)f / ((double)r->bits[l] * N) : 0.0;
    }
    summarise(r);
done:
    free(pred);
    free(errs);
    if (s) {
        ncm_chip_mc_result_free(r);
        return NULL;
    }
    return r;
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
    cJSON *f = cJSON_AddObjectToObject(o, "faults");
    ok &= f && ncm_json_add_number_exact(f, "ber", r->ber);
    ok &= f && ncm_json_add_number_exact(f, "stuck_frac", r->stuck_frac);
    cJSON *bl = f ? cJSON_AddArrayToObject(f, "ber_layer") : NULL;
    ok &= bl != NULL;
    for (int l = 0; bl && l < r->n_layers; l++)
        cJSON_AddItemToArray(bl, cJSON_CreateNumber(r->ber_layer[l]));
    ok &= cJSON_AddNumberToObject(o, "seed", (double)r->seed) != NULL;
    ok &= cJSON_AddNumberToObject(o, "n_chips", r->n_chips) != NULL;
    ok &= cJSON_AddNumberToObject(o, "n_images", (double)r->n_images) != NULL;
    cJSON *sm = cJSON_AddObjectToObject(o, "summary");
    ok &= sm != NULL;
    if (sm) {
        ncm_json_add_number_exact(sm, "accuracy_mean", r->mean);
        ncm_json_add_number_exact(sm, "accuracy_sd", r->sd);
        ncm_json_add_number_exact(sm, "accuracy_min", r->min);
        ncm_json_add_number_exact(sm, "accuracy_max", r->max);
        cJSON *ci = cJSON_AddArrayToObject(sm, "accuracy_ci95");
        if (ci) {
            cJSON_AddItemToArray(ci, cJSON_CreateNumber(r->ci_lo));
            cJSON_AddItemToArray(ci, cJSON_CreateNumber(r->ci_hi));
        }
    }
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
        cJSON_AddNumberToObject(e, "chip", i);
        ncm_json_add_number_exact(e, "accuracy", r->accuracy[i]);
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
