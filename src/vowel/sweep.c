/* Robustness of the vowel recognizer (include/nanocim/vowel.h; docs/vowels.md, "Robustness"):
 * the network trained again at each temperature or device-spread level, its accuracy tabulated.
 * Each point redoes the design, the calibration and the on-line learning at that condition, as a
 * chip made and trained there would; the chip seed stays the same, so a spread factor scales the
 * same draws (ncm_stno_spread draws normal deviates times the sigmas). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/vowel.h"
#include "util/io.h"
#include "util/progress.h"
#include "vowel/vowel_internal.h"

const char *ncm_vowel_sweep_name(ncm_vowel_sweep_kind k)
{
    switch (k) {
    case NCM_VOWEL_SWEEP_TEMPERATURE: return "temperature_k";
    case NCM_VOWEL_SWEEP_SPREAD: return "spread_scale";
    }
    return NULL;
}

void ncm_vowel_sweep_free(ncm_vowel_sweep *s)
{
    if (!s)
        return;
    free(s->value);
    free(s->train_accuracy);
    free(s->test_accuracy);
    free(s->untrained_test_accuracy);
    free(s);
}

ncm_vowel_sweep *ncm_vowel_sweep_new(const ncm_vowel_config *c, const ncm_vowel_set *train,
                                     const ncm_vowel_set *test, ncm_vowel_sweep_kind kind,
                                     const double *values, int n, int threads,
                                     const ncm_progress *progress, ncm_error *err)
{
    const double t0 = ncm_now();
    const char *name = ncm_vowel_sweep_name(kind);
    if (!name) {
        ncm_error_set(err, NCM_ERR_ARG, "sweep kind %d: unknown", (int)kind);
        return NULL;
    }
    if (!c || !train || !test || !values || n < 1 || n > 1000) {
        ncm_error_set(err, NCM_ERR_ARG,
                      "sweep of %s: expected a configuration, both sets and 1 to 1000 values",
                      name);
        return NULL;
    }
    for (int p = 0; p < n; p++)
        if (!(values[p] >= 0) ||
            !(values[p] <= (kind == NCM_VOWEL_SWEEP_TEMPERATURE ? 1e4 : 100))) {
            ncm_error_set(err, NCM_ERR_ARG, "%s[%d] = %g: expected 0 to %g", name, p, values[p],
                          kind == NCM_VOWEL_SWEEP_TEMPERATURE ? 1e4 : 100.0);
            return NULL;
        }
    if (ncm_vowel_config_check(c, err) || ncm_vowel_work_check(c, train->n, test->n, n, err))
        return NULL;
    ncm_vowel_sweep *s = calloc(1, sizeof *s);
    if (!s || !(s->value = malloc(sizeof(double) * (size_t)n)) ||
        !(s->train_accuracy = malloc(sizeof(double) * (size_t)n)) ||
        !(s->test_accuracy = malloc(sizeof(double) * (size_t)n)) ||
        !(s->untrained_test_accuracy = malloc(sizeof(double) * (size_t)n))) {
        ncm_vowel_sweep_free(s);
        ncm_error_set(err, NCM_ERR_NOMEM, "vowel sweep: out of memory");
        return NULL;
    }
    s->kind = kind;
    s->n = n;
    if (ncm_progress_report(progress, "vowel sweep", 0, n, err)) {
        ncm_vowel_sweep_free(s);
        return NULL;
    }
    for (int p = 0; p < n; p++) {
        ncm_vowel_config cp = *c;
        if (kind == NCM_VOWEL_SWEEP_TEMPERATURE) {
            cp.device.temperature_k = values[p];
        } else {
            cp.device.f0_sigma_mhz *= values[p];
            cp.device.i_th_rel_sigma *= values[p];
            cp.device.gamma_g_rel_sigma *= values[p];
        }
        ncm_vowel_training *t = ncm_vowel_train(&cp, train, test, threads, NULL, err);
        if (!t) {
            /* say which point failed, keeping the library's reason */
            char why[sizeof err->msg];
            if (err) {
                memcpy(why, err->msg, sizeof why);
                ncm_error_set(err, err->code, "%s = %g: %s", name, values[p], why);
            }
            ncm_vowel_sweep_free(s);
            return NULL;
        }
        s->value[p] = values[p];
        s->train_accuracy[p] = t->train.accuracy;
        s->test_accuracy[p] = t->test.accuracy;
        s->untrained_test_accuracy[p] = t->test_init.accuracy;
        ncm_vowel_train_free(t);
        if (ncm_progress_report(progress, "vowel sweep", p + 1, n, err)) {
            ncm_vowel_sweep_free(s);
            return NULL;
        }
    }
    s->seconds = ncm_now() - t0;
    return s;
}

ncm_status ncm_vowel_sweep_print(const ncm_vowel_sweep *s, FILE *f, ncm_error *err)
{
    if (!s || !f)
        return ncm_error_set(err, NCM_ERR_ARG, "sweep and stream: expected non-NULL");
    fprintf(f, "%14s %9s %8s %12s\n", ncm_vowel_sweep_name(s->kind), "train_%", "test_%",
            "untrained_%");
    for (int p = 0; p < s->n; p++)
        fprintf(f, "%14g %9.1f %8.1f %12.1f\n", s->value[p], 100 * s->train_accuracy[p],
                100 * s->test_accuracy[p], 100 * s->untrained_test_accuracy[p]);
    if (ferror(f))
        return ncm_error_set(err, NCM_ERR_IO, "sweep table: write error");
    return NCM_OK;
}

ncm_status ncm_vowel_sweep_save_csv(const ncm_vowel_sweep *s, const char *path, ncm_error *err)
{
    if (!s || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "sweep and path: expected non-NULL");
    ncm_afile af;
    ncm_status st = ncm_afile_open(&af, path, err);
    if (st)
        return st;
    fprintf(af.fp, "%s,train_accuracy,test_accuracy,untrained_test_accuracy\n",
            ncm_vowel_sweep_name(s->kind));
    for (int p = 0; p < s->n; p++)
        fprintf(af.fp, "%.17g,%.17g,%.17g,%.17g\n", s->value[p], s->train_accuracy[p],
                s->test_accuracy[p], s->untrained_test_accuracy[p]);
    return ncm_afile_commit(&af, err);
}
