/* RRAM technology parameters: the default technology, validation, and the JSON device file
 * (load and atomic save). One table lists every numeric field with its JSON group, name and
 * allowed range, and serves the checks, the reader and the writer alike. The defaults and their
 * sources are in docs/hfo2.md; data/hfo2.json holds the same values. */
#include "nanocim/rram.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rram/device_internal.h"
#include "util/fieldfile.h"
#include "util/hash.h"
#include "util/json.h"

#define FORMAT_NAME "nanocim-rram-device"
enum { FORMAT_VERSION = 1 };

#define F(g, k, m, r)                                                                              \
    {                                                                                              \
        g, k, offsetof(ncm_rram_params, m), r                                                      \
    }
static const ncm_field FIELDS[] = {
    F("distribution", "t_nu", t_nu, NCM_RANGE_POS),
    F("reference_condition", "i_cc_ua", i_ref_ua, NCM_RANGE_POS),
    F("reference_condition", "v_reset_v", v_reset_ref_v, NCM_RANGE_POS),
    F("reference_condition", "t_p_ns", t_p_ref_ns, NCM_RANGE_POS),
    F("lrs", "v_c_v", v_c_v, NCM_RANGE_POS),
    F("lrs", "sigma_ln_r", sigma_lrs, NCM_RANGE_POS),
    F("lrs", "sigma_icc_exp", sigma_lrs_exp, NCM_RANGE_NONNEG),
    F("hrs", "r_median_ohm", r_hrs_ref_ohm, NCM_RANGE_POS),
    F("hrs", "ln_r_per_v_reset", hrs_ln_r_per_v, NCM_RANGE_NONNEG),
    F("hrs", "ln_r_per_ln_t_p", hrs_ln_r_per_ln_t, NCM_RANGE_NONNEG),
    F("hrs", "sigma_ln_r", sigma_hrs, NCM_RANGE_POS),
    F("variability", "d2d_var_frac", d2d_var_frac, NCM_RANGE_UNIT),
    F("variability", "c2c_ar1_rho", c2c_rho, NCM_RANGE_UNIT_OPEN),
    F("endurance", "drift_lrs_ln_r", drift_lrs, NCM_RANGE_NONNEG),
    F("endurance", "drift_hrs_ln_r", drift_hrs, NCM_RANGE_NONNEG),
    F("endurance", "n0_cycles", n0_ref_cycles, NCM_RANGE_POS),
    F("endurance", "n0_icc_exp", n0_exp_icc, NCM_RANGE_NONNEG),
    F("endurance", "n0_v_reset_exp", n0_exp_vreset, NCM_RANGE_NONNEG),
    F("endurance", "stuck_p_per_cycle", stuck_p_ref, NCM_RANGE_UNIT),
    F("endurance", "stuck_icc_exp", stuck_exp_icc, NCM_RANGE_NONNEG),
    F("endurance", "stuck_v_reset_exp", stuck_exp_vreset, NCM_RANGE_NONNEG),
    F("endurance", "stuck_lrs_frac", stuck_lrs_frac, NCM_RANGE_UNIT),
    F("energy", "v_set_v", v_set_v, NCM_RANGE_POS),
    F("energy", "e_read_device_pj", e_read_device_pj, NCM_RANGE_NONNEG),
    F("energy", "e_sense_pj", e_sense_pj, NCM_RANGE_NONNEG),
    F("sensing", "r_ref_ohm", r_ref_ohm, NCM_RANGE_POS),
    F("sensing", "pcsa_offset_sigma_ln_r", pcsa_offset_sigma, NCM_RANGE_NONNEG),
    F("sensing", "pcsa_dead_zone_ln_r", pcsa_dead_zone, NCM_RANGE_NONNEG),
};
#undef F
enum { N_FIELDS = sizeof FIELDS / sizeof FIELDS[0] };

/* Groups in file order; "distribution" also holds the string field "family". */
static const char *const GROUPS[] = {"distribution", "reference_condition", "lrs",    "hrs",
                                     "variability",  "endurance",           "energy", "sensing"};
enum { N_GROUPS = sizeof GROUPS / sizeof GROUPS[0] };

/* Members read and written here rather than by the field table. */
static const char *const EXTRA[] = {"distribution.family", NULL};

static const ncm_field_table TABLE = {FORMAT_NAME,
                                      FORMAT_VERSION,
                                      "device file",
                                      FIELDS,
                                      N_FIELDS,
                                      GROUPS,
                                      N_GROUPS,
                                      EXTRA,
                                      offsetof(ncm_rram_params, name),
                                      sizeof(((ncm_rram_params *)0)->name)};

void ncm_rram_default(ncm_rram_params *p)
{
    /* Values and sources: docs/hfo2.md. */
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", "hfo2-130nm");
    p->family = NCM_RRAM_LOGNORMAL;
    p->t_nu = 6.0;
    p->i_ref_ua = 100.0;
    p->v_reset_ref_v = 1.5;
    p->t_p_ref_ns = 100.0;
    p->v_c_v = 0.4;
    p->sigma_lrs = 0.33;
    p->sigma_lrs_exp = 0.14;
    p->r_hrs_ref_ohm = 100e3;
    p->hrs_ln_r_per_v = 2.0;
    p->hrs_ln_r_per_ln_t = 0.15;
    p->sigma_hrs = 0.50;
    p->d2d_var_frac = 0.3;
    p->c2c_rho = 0.95;
    p->drift_lrs = 0.05;
    p->drift_hrs = 0.10;
    p->n0_ref_cycles = 1e6;
    p->n0_exp_icc = 3.0;
    p->n0_exp_vreset = 4.0;
    p->stuck_p_ref = 2e-11;
    p->stuck_exp_icc = 3.0;
    p->stuck_exp_vreset = 4.0;
    p->stuck_lrs_frac = 0.5;
    p->v_set_v = 2.0;
    p->e_read_device_pj = 0.05;
    p->e_sense_pj = 0.01;
    p->r_ref_ohm = 15e3;
    p->pcsa_offset_sigma = 0.05;
    p->pcsa_dead_zone = 0.02;
}

uint64_t ncm_rram_params_hash(uint64_t h, const ncm_rram_params *p)
{
    h = ncm_hash_str(h, p->name);
    h = ncm_hash_u64(h, (uint64_t)p->family);
    for (int i = 0; i < N_FIELDS; i++) {
        double v;
        memcpy(&v, (const char *)p + FIELDS[i].off, sizeof v);
        h = ncm_hash_f64(h, v);
    }
    return h;
}

const char *ncm_rram_family_name(ncm_rram_family f)
{
    return f == NCM_RRAM_STUDENT_T ? "student-t" : "lognormal";
}

int ncm_rram_family_parse(const char *name)
{
    if (strcmp(name, "lognormal") == 0)
        return NCM_RRAM_LOGNORMAL;
    if (strcmp(name, "student-t") == 0)
        return NCM_RRAM_STUDENT_T;
    return -1;
}

ncm_status ncm_rram_check(const ncm_rram_params *p, const char *where, ncm_error *err)
{
    if (!where)
        where = "device parameters";
    if (p->family != NCM_RRAM_LOGNORMAL && p->family != NCM_RRAM_STUDENT_T)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: field \"distribution.family\": unknown family %d", where,
                             (int)p->family);
    return ncm_fields_check(&TABLE, p, where, err);
}

/* ---- reading --------------------------------------------------------------------------------- */

/* After the numeric fields: the distribution family, then the ranges. */
static ncm_status finish_params(const cJSON *root, const char *path, void *obj, ncm_error *err)
{
    ncm_rram_params *p = obj;
    ncm_status st;
    const cJSON *it = NULL;
    if ((st = ncm_fields_member(root, "distribution", "family", path, &it, err)))
        return st;
    if (!cJSON_IsString(it))
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: field \"distribution.family\" must be a string, found %s", path,
                             ncm_json_type_name(it));
    int fam = ncm_rram_family_parse(it->valuestring);
    if (fam < 0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: field \"distribution.family\": unknown distribution \"%s\" "
                             "(expected \"lognormal\" or \"student-t\")",
                             path, it->valuestring);
    p->family = (ncm_rram_family)fam;

    return ncm_rram_check(p, path, err);
}

ncm_status ncm_rram_load(const char *path, ncm_rram_params *p, ncm_error *err)
{
    return ncm_fields_load(&TABLE, path, p, sizeof *p, finish_params, err);
}

/* ---- writing --------------------------------------------------------------------------------- */

/* The family, a string, in the "distribution" group. */
static int add_family(cJSON *root, const void *obj)
{
    const ncm_rram_params *p = obj;
    cJSON *dist = cJSON_GetObjectItemCaseSensitive(root, "distribution");
    return dist && cJSON_AddStringToObject(dist, "family", ncm_rram_family_name(p->family));
}

ncm_status ncm_rram_save(const char *path, const ncm_rram_params *p, ncm_error *err)
{
    ncm_status st = ncm_rram_check(p, NULL, err);
    if (st)
        return st;
    return ncm_fields_save(&TABLE, path, p, add_family, err);
}
