/* Encoding and read-out of the vowel recognizer (include/nanocim/vowel.h): formants mapped
 * affinely onto the oscillators' band as the input frequencies, the synchronization pattern of
 * a run from its locking decisions, and the nearest target pattern (docs/vowels.md,
 * "Encoding and read-out"). */
#include <math.h>
#include <string.h>

#include "nanocim/vowel.h"

ncm_status ncm_vowel_encoding_fit(const ncm_vowel_set *train, double f_lo_mhz, double f_hi_mhz,
                                  double margin, ncm_vowel_encoding *e, ncm_error *err)
{
    if (!train || !e)
        return ncm_error_set(err, NCM_ERR_ARG, "training set and encoding: expected non-NULL");
    if (!(f_lo_mhz > 0) || !(f_hi_mhz > f_lo_mhz) || !isfinite(f_hi_mhz))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "band [%g, %g] MHz: expected 0 < f_lo < f_hi, finite", f_lo_mhz,
                             f_hi_mhz);
    if (!(margin >= 0 && margin < 0.5))
        return ncm_error_set(err, NCM_ERR_ARG, "margin = %g: expected a fraction in [0, 0.5)",
                             margin);
    if (train->n < 1 || train->n_features < 1 || train->n_features > NCM_VOWEL_MAX_FORMANTS)
        return ncm_error_set(err, NCM_ERR_ARG, "training set: %lld tokens of %d features",
                             (long long)train->n, train->n_features);
    memset(e, 0, sizeof *e);
    e->n_in = train->n_features;
    const double lo = f_lo_mhz + margin * (f_hi_mhz - f_lo_mhz);
    const double hi = f_hi_mhz - margin * (f_hi_mhz - f_lo_mhz);
    for (int k = 0; k < e->n_in; k++) {
        double mn = INFINITY, mx = -INFINITY;
        for (int64_t i = 0; i < train->n; i++) {
            const double x = train->x[i * train->n_features + k];
            mn = x < mn ? x : mn, mx = x > mx ? x : mx;
        }
        if (!(mx > mn) || !isfinite(mn) || !isfinite(mx))
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "training set: feature %d ranges over [%g, %g] Hz: nothing to "
                                 "map onto the band",
                                 k, mn, mx);
        e->mhz_per_hz[k] = (hi - lo) / (mx - mn);
        e->offset_mhz[k] = lo - e->mhz_per_hz[k] * mn;
    }
    return NCM_OK;
}

ncm_status ncm_vowel_encode(const ncm_vowel_encoding *e, const ncm_vowel_set *s, double f_lo_mhz,
                            double f_hi_mhz, double *f_mhz, ncm_error *err)
{
    if (!e || !s || !f_mhz)
        return ncm_error_set(err, NCM_ERR_ARG, "encoding, set and output: expected non-NULL");
    if (e->n_in != s->n_features)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "encoding of %d inputs for a set of %d features", e->n_in,
                             s->n_features);
    const int band = f_hi_mhz > f_lo_mhz;
    for (int k = 0; k < e->n_in; k++)
        if (!(e->mhz_per_hz[k] != 0) || !isfinite(e->mhz_per_hz[k]) ||
            !isfinite(e->offset_mhz[k]))
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "encoding of input %d: f = %g + %g F: expected a finite map with "
                                 "a non-zero slope",
                                 k, e->offset_mhz[k], e->mhz_per_hz[k]);
    for (int64_t i = 0; i < s->n; i++)
        for (int k = 0; k < e->n_in; k++) {
            const double F = s->x[i * s->n_features + k];
            const double f = e->offset_mhz[k] + e->mhz_per_hz[k] * F;
            if (!(f > 0) || !isfinite(f) || (band && (f < f_lo_mhz || f > f_hi_mhz)))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "token %lld, feature %d: %g Hz maps to %g MHz, outside the "
                                     "oscillators' band [%g, %g] MHz",
                                     (long long)i, k, F, f, f_lo_mhz, f_hi_mhz);
            f_mhz[i * e->n_in + k] = f;
        }
    return NCM_OK;
}

int64_t ncm_vowel_pattern_count(int n_osc, int n_in)
{
    if (n_osc < 1 || n_osc > NCM_VOWEL_MAX_OSC || n_in < 1 || n_in > NCM_VOWEL_MAX_IN)
        return -1;
    int64_t c = 1;
    for (int i = 0; i < n_osc; i++)
        c *= n_in + 1;
    return c;
}

void ncm_vowel_states(const uint8_t *locked, const double *plv, int n_osc, int n_in,
                      int8_t *state)
{
    for (int i = 0; i < n_osc; i++) {
        int best = NCM_VOWEL_FREE;
        for (int k = 0; k < n_in; k++) {
            if (!locked[i * n_in + k])
                continue;
            if (best == NCM_VOWEL_FREE ||
                (plv && plv[i * n_in + k] > plv[i * n_in + best]))
                best = k;
        }
        state[i] = (int8_t)best;
    }
}

ncm_status ncm_vowel_targets_check(const int8_t *targets, int n_classes, int n_osc, int n_in,
                                   ncm_error *err)
{
    const int64_t count = ncm_vowel_pattern_count(n_osc, n_in);
    if (count < 0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%d oscillators and %d inputs: expected 1 to %d oscillators and 1 "
                             "to %d inputs",
                             n_osc, n_in, NCM_VOWEL_MAX_OSC, NCM_VOWEL_MAX_IN);
    if (n_classes < 1 || n_classes > count)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%d classes but %d oscillators and %d input%s have only %lld "
                             "patterns",
                             n_classes, n_osc, n_in, n_in == 1 ? "" : "s", (long long)count);
    if (!targets)
        return ncm_error_set(err, NCM_ERR_ARG, "targets: expected non-NULL");
    for (int c = 0; c < n_classes; c++) {
        for (int i = 0; i < n_osc; i++) {
            const int v = targets[c * n_osc + i];
            if (v < NCM_VOWEL_FREE || v >= n_in)
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "target of class %d, oscillator %d: state %d, expected -1 "
                                     "(free) or an input 0 to %d",
                                     c, i, v, n_in - 1);
        }
        for (int d = 0; d < c; d++)
            if (!memcmp(targets + c * n_osc, targets + d * n_osc, (size_t)n_osc))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "classes %d and %d have the same target pattern", d, c);
    }
    return NCM_OK;
}

int ncm_vowel_classify(const int8_t *state, const int8_t *targets, int n_classes, int n_osc,
                       int *distance)
{
    int best = NCM_VOWEL_UNDECIDED, bestd = n_osc + 1, ties = 0, free_target = 0;
    int all_free = 1;
    for (int i = 0; i < n_osc; i++)
        all_free &= state[i] == NCM_VOWEL_FREE;
    for (int c = 0; c < n_classes; c++) {
        int d = 0, tf = 1;
        for (int i = 0; i < n_osc; i++) {
            d += state[i] != targets[c * n_osc + i];
            tf &= targets[c * n_osc + i] == NCM_VOWEL_FREE;
        }
        free_target |= tf;
        if (d < bestd)
            bestd = d, best = c, ties = 0;
        else if (d == bestd)
            ties++;
    }
    if (distance)
        *distance = bestd;
    if (ties || (all_free && !free_target))
        return NCM_VOWEL_UNDECIDED;
    return best;
}
