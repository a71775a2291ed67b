/* Synthetic measurements (include/nanocim/rram_fit.h, ncm_rram_sample_save): fresh devices of a
 * technology drawn at each condition of a grid, programmed once to LRS and once to HRS, written
 * as the measurement CSV that ncm_rram_meas_read() and `nanocim rram fit` read. This is what
 * `nanocim rram sample` writes; the fit of such a file recovers the device
 * (tests/cli_rram_test.sh). The file is streamed, so a sample of 1e8 devices needs no memory beyond
 * the output buffer. */
#include "nanocim/rram_fit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nanocim/config.h"
#include "nanocim/rng.h"
#include "util/io.h"
#include "util/progress.h"

/* Devices between two progress reports (about 30 ms of drawing and printing). */
enum { REPORT_EVERY = 1 << 16 };
/* Most devices a sample draws over all its conditions: 1e8 (a file of about 6 GB, half an hour
 * of drawing); more is refused up front rather than filling a disk. */
#define NCM_RRAM_SAMPLE_MAX_DEVICES 100000000.0

void ncm_rram_sample_default(ncm_rram_sample_spec *s)
{
    memset(s, 0, sizeof *s);
    s->devices = 1000;
    s->seed = 1;
}

/* One axis: n >= 0, an array when n > 0, every value finite and accepted by ok(). */
static ncm_status check_axis(const char *where, const char *field, const double *v, int n,
                             int (*ok)(double), const char *want, ncm_error *err)
{
    if (n < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.n_%s = %d: expected >= 0 (0: the reference)",
                             where, field, n);
    if (n > 0 && !v)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.%s = NULL with %d values", where, field, n);
    for (int i = 0; i < n; i++)
        if (!(isfinite(v[i]) && ok(v[i])))
            return ncm_error_set(err, NCM_ERR_ARG, "%s.%s[%d] = %g: expected a finite value %s",
                                 where, field, i, v[i], want);
    return NCM_OK;
}

static int positive(double x)
{
    return x > 0;
}
static int nonzero(double x)
{
    return x != 0;
}

ncm_status ncm_rram_sample_check(const ncm_rram_sample_spec *s, const char *where, ncm_error *err)
{
    if (!where)
        where = "ncm_rram_sample_spec";
    ncm_status st;
    if ((st = check_axis(where, "i_cc_ua", s->i_cc_ua, s->n_icc, positive, "> 0", err)) ||
        (st = check_axis(where, "v_reset_v", s->v_reset_v, s->n_vreset, nonzero, "!= 0", err)) ||
        (st = check_axis(where, "t_p_ns", s->t_p_ns, s->n_tp, positive, "> 0", err)))
        return st;
    if (s->devices < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.devices = %lld: expected >= 1", where,
                             (long long)s->devices);
    /* The file is streamed, but its size is not: two lines of about 30 bytes per device. */
    const double conditions = (double)(s->n_icc ? s->n_icc : 1) * (s->n_vreset ? s->n_vreset : 1) *
                              (s->n_tp ? s->n_tp : 1);
    if (conditions * (double)s->devices > NCM_RRAM_SAMPLE_MAX_DEVICES)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s.devices = %lld at %.0f conditions: %.4g devices (%.3g GB of "
                             "CSV), more than the %.0f a sample may draw",
                             where, (long long)s->devices, conditions,
                             conditions * (double)s->devices,
                             60e-9 * conditions * (double)s->devices, NCM_RRAM_SAMPLE_MAX_DEVICES);
    return NCM_OK;
}

ncm_status ncm_rram_sample_save(const char *path, const ncm_rram_params *p,
                                const ncm_rram_sample_spec *s, const ncm_progress *progress,
                                ncm_error *err)
{
    ncm_status st = ncm_rram_check(p, NULL, err);
    if (st || (st = ncm_rram_sample_check(s, NULL, err)))
        return st;
    /* an empty axis is the device's reference value */
    const double *icc = s->n_icc ? s->i_cc_ua : &p->i_ref_ua;
    const double *vr = s->n_vreset ? s->v_reset_v : &p->v_reset_ref_v;
    const double *tp = s->n_tp ? s->t_p_ns : &p->t_p_ref_ns;
    const int nicc = s->n_icc ? s->n_icc : 1, nvr = s->n_vreset ? s->n_vreset : 1;
    const int ntp = s->n_tp ? s->n_tp : 1;
    const int64_t total = (int64_t)nicc * nvr * ntp * s->devices;
    ncm_afile f;
    if ((st = ncm_afile_open(&f, path, err)))
        return st;
    fprintf(f.fp, "# synthetic measurements from %s (nanocim %s rram sample, seed %llu)\n",
            s->device ? s->device : "the built-in HfO2 technology", ncm_version(),
            (unsigned long long)s->seed);
    fprintf(f.fp, "condition,cycle,resistance_ohm\n");
    int64_t stream = 0;
    for (int a = 0; a < nicc; a++)
        for (int b = 0; b < nvr; b++)
            for (int c = 0; c < ntp; c++)
                for (int64_t d = 0; d < s->devices; d++) {
                    const ncm_rram_cond cond = {icc[a], vr[b], tp[c], 0.0};
                    ncm_rng rng;
                    ncm_rng_init(&rng, s->seed, (uint64_t)stream++);
                    ncm_rram_device dev;
                    ncm_rram_device_init(&dev, p, &rng);
                    const double rl = ncm_rram_program(&dev, p, &cond, 1, &rng, NULL);
                    const double rh = ncm_rram_program(&dev, p, &cond, 0, &rng, NULL);
                    fprintf(f.fp, "lrs@%g@%g@%g,0,%.6g\nhrs@%g@%g@%g,0,%.6g\n", icc[a], vr[b],
                            tp[c], rl, icc[a], vr[b], tp[c], rh);
                    if ((stream % REPORT_EVERY == 0 || stream == total) &&
                        (st = ncm_progress_report(progress, "rram sample", stream, total, err))) {
                        ncm_afile_abort(&f);
                        return st;
                    }
                }
    return ncm_afile_commit(&f, err);
}
