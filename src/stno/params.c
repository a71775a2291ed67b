/* Spin-torque oscillator device parameters: the default vortex oscillator, validation, the JSON
 * device file (load and atomic save) and the device-to-device spread. One table lists every
 * numeric field with its JSON group, name and allowed range, and serves the checks, the reader
 * and the writer alike. The defaults and their sources are in docs/stno.md; data/vortex_stno.json
 * holds the same values. */
#include "nanocim/stno.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fieldfile.h"
#include "nanocim/rng.h"

#define FORMAT_NAME "nanocim-stno-device"
enum { FORMAT_VERSION = 1 };

#define F(g, k, m, r)                                                                              \
    {                                                                                              \
        g, k, offsetof(ncm_stno_params, m), r                                                      \
    }
static const ncm_field FIELDS[] = {
    F("frequency", "f0_mhz", f0_mhz, NCM_RANGE_POS),
    F("frequency", "n_mhz", n_mhz, NCM_RANGE_ANY),
    F("frequency", "df_di_mhz_per_ma", df_di_mhz_per_ma, NCM_RANGE_ANY),
    F("frequency", "i_ref_ma", i_ref_ma, NCM_RANGE_ANY),
    F("damping", "gamma_g_mhz", gamma_g_mhz, NCM_RANGE_POS),
    F("damping", "q", q, NCM_RANGE_NONNEG),
    F("spin_torque", "i_th_ma", i_th_ma, NCM_RANGE_POS),
    F("thermal", "temperature_k", temperature_k, NCM_RANGE_NONNEG),
    F("thermal", "e0_ev", e0_ev, NCM_RANGE_POS),
    F("output", "dr_ohm", dr_ohm, NCM_RANGE_NONNEG),
    F("spread", "f0_sigma_mhz", f0_sigma_mhz, NCM_RANGE_NONNEG),
    F("spread", "i_th_rel_sigma", i_th_rel_sigma, NCM_RANGE_NONNEG),
    F("spread", "gamma_g_rel_sigma", gamma_g_rel_sigma, NCM_RANGE_NONNEG),
};
#undef F
enum { N_FIELDS = sizeof FIELDS / sizeof FIELDS[0] };

/* Groups in file order. */
static const char *const GROUPS[] = {"frequency", "damping", "spin_torque",
                                     "thermal",   "output",  "spread"};
enum { N_GROUPS = sizeof GROUPS / sizeof GROUPS[0] };

static const ncm_field_table TABLE = {FORMAT_NAME,
                                      FORMAT_VERSION,
                                      "device file",
                                      FIELDS,
                                      N_FIELDS,
                                      GROUPS,
                                      N_GROUPS,
                                      NULL,
                                      offsetof(ncm_stno_params, name),
                                      sizeof(((ncm_stno_params *)0)->name)};

const ncm_field_table *ncm_stno_device_table(void)
{
    return &TABLE;
}

void ncm_stno_default(ncm_stno_params *p)
{
    /* Values and sources: docs/stno.md, "Default device". */
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", "vortex-mtj");
    p->f0_mhz = 300.0;
    p->n_mhz = 20.0;
    p->df_di_mhz_per_ma = 4.0;
    p->i_ref_ma = 6.0;
    p->gamma_g_mhz = 4.0;
    p->q = 1.0;
    p->i_th_ma = 4.0;
    p->temperature_k = 300.0;
    p->e0_ev = 15.0;
    p->dr_ohm = 5.0;
    p->f0_sigma_mhz = 5.0;
    p->i_th_rel_sigma = 0.05;
    p->gamma_g_rel_sigma = 0.05;
}

ncm_status ncm_stno_check(const ncm_stno_params *p, const char *where, ncm_error *err)
{
    if (!where)
        where = "oscillator parameters";
    return ncm_fields_check(&TABLE, p, where, err);
}

ncm_status ncm_stno_spread(const ncm_stno_params *mean, int n, uint64_t seed, ncm_stno_params *out,
                           ncm_error *err)
{
    ncm_status st = ncm_stno_check(mean, NULL, err);
    if (st)
        return st;
    if (n < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "spread: device count must be >= 0, found %d", n);
    for (int i = 0; i < n; i++) {
        ncm_rng r;
        ncm_rng_init(&r, seed, (uint64_t)i);
        ncm_stno_params d = *mean;
        d.f0_mhz += mean->f0_sigma_mhz * ncm_rng_normal(&r);
        d.i_th_ma *= exp(mean->i_th_rel_sigma * ncm_rng_normal(&r));
        d.gamma_g_mhz *= exp(mean->gamma_g_rel_sigma * ncm_rng_normal(&r));
        d.f0_sigma_mhz = d.i_th_rel_sigma = d.gamma_g_rel_sigma = 0.0;
        char where[64];
        snprintf(where, sizeof where, "spread: device %d", i);
        if ((st = ncm_stno_check(&d, where, err)))
            return st;
        out[i] = d;
    }
    return NCM_OK;
}

/* ---- reading --------------------------------------------------------------------------------- */

static ncm_status finish_params(const cJSON *root, const char *path, void *obj, ncm_error *err)
{
    (void)root;
    return ncm_stno_check(obj, path, err);
}

ncm_status ncm_stno_load(const char *path, ncm_stno_params *p, ncm_error *err)
{
    return ncm_fields_load(&TABLE, path, p, sizeof *p, finish_params, err);
}

/* ---- writing --------------------------------------------------------------------------------- */

ncm_status ncm_stno_save(const char *path, const ncm_stno_params *p, ncm_error *err)
{
    ncm_status st = ncm_stno_check(p, NULL, err);
    if (st)
        return st;
    return ncm_fields_save(&TABLE, path, p, NULL, err);
}
