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

#include "nanocim/io.h"
#include "nanocim/json.h"

#define FORMAT_NAME "nanocim-rram-device"
enum { FORMAT_VERSION = 1 };

typedef enum {
    R_POS,      /* > 0 */
    R_NONNEG,   /* >= 0 */
    R_UNIT,     /* in [0, 1] */
    R_UNIT_OPEN /* in [0, 1) */
} range_rule;

typedef struct {
    const char *group, *key;
    size_t off;
    range_rule rule;
} field;

#define F(g, k, m, r)                                                                              \
    {                                                                                              \
        g, k, offsetof(ncm_rram_params, m), r                                                      \
    }
static const field FIELDS[] = {
    F("distribution", "t_nu", t_nu, R_POS),
    F("reference_condition", "i_cc_ua", i_ref_ua, R_POS),
    F("reference_condition", "v_reset_v", v_reset_ref_v, R_POS),
    F("reference_condition", "t_p_ns", t_p_ref_ns, R_POS),
    F("lrs", "v_c_v", v_c_v, R_POS),
    F("lrs", "sigma_ln_r", sigma_lrs, R_POS),
    F("lrs", "sigma_icc_exp", sigma_lrs_exp, R_NONNEG),
    F("hrs", "r_median_ohm", r_hrs_ref_ohm, R_POS),
    F("hrs", "ln_r_per_v_reset", hrs_ln_r_per_v, R_NONNEG),
    F("hrs", "ln_r_per_ln_t_p", hrs_ln_r_per_ln_t, R_NONNEG),
    F("hrs", "sigma_ln_r", sigma_hrs, R_POS),
    F("variability", "d2d_var_frac", d2d_var_frac, R_UNIT),
    F("variability", "c2c_ar1_rho", c2c_rho, R_UNIT_OPEN),
    F("endurance", "drift_lrs_ln_r", drift_lrs, R_NONNEG),
    F("endurance", "drift_hrs_ln_r", drift_hrs, R_NONNEG),
    F("endurance", "n0_cycles", n0_ref_cycles, R_POS),
    F("endurance", "n0_icc_exp", n0_exp_icc, R_NONNEG),
    F("endurance", "n0_v_reset_exp", n0_exp_vreset, R_NONNEG),
    F("endurance", "stuck_p_per_cycle", stuck_p_ref, R_UNIT),
    F("endurance", "stuck_icc_exp", stuck_exp_icc, R_NONNEG),
    F("endurance", "stuck_v_reset_exp", stuck_exp_vreset, R_NONNEG),
    F("endurance", "stuck_lrs_frac", stuck_lrs_frac, R_UNIT),
    F("energy", "v_set_v", v_set_v, R_POS),
    F("energy", "e_read_device_pj", e_read_device_pj, R_NONNEG),
    F("energy", "e_sense_pj", e_sense_pj, R_NONNEG),
    F("sensing", "r_ref_ohm", r_ref_ohm, R_POS),
    F("sensing", "pcsa_offset_sigma_ln_r", pcsa_offset_sigma, R_NONNEG),
    F("sensing", "pcsa_dead_zone_ln_r", pcsa_dead_zone, R_NONNEG),
};
#undef F
enum { N_FIELDS = sizeof FIELDS / sizeof FIELDS[0] };

/* Groups in file order; "distribution" also holds the string field "family". */
static const char *const GROUPS[] = {"distribution", "reference_condition", "lrs",    "hrs",
                                     "variability",  "endurance",           "energy", "sensing"};
enum { N_GROUPS = sizeof GROUPS / sizeof GROUPS[0] };

/* The numeric member a field names (memcpy: the table holds byte offsets). */
static void field_set(ncm_rram_params *p, const field *f, double v)
{
    memcpy((char *)p + f->off, &v, sizeof v);
}

static double field_get(const ncm_rram_params *p, const field *f)
{
    double v;
    memcpy(&v, (const char *)p + f->off, sizeof v);
    return v;
}

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

/* NULL when v satisfies the rule, else what was expected. */
static const char *rule_violation(double v, range_rule rule)
{
    if (!isfinite(v))
        return "a finite number";
    switch (rule) {
    case R_POS: return v > 0 ? NULL : "> 0";
    case R_NONNEG: return v >= 0 ? NULL : ">= 0";
    case R_UNIT: return v >= 0 && v <= 1 ? NULL : "in [0, 1]";
    case R_UNIT_OPEN: return v >= 0 && v < 1 ? NULL : "in [0, 1)";
    }
    return NULL;
}

ncm_status ncm_rram_check(const ncm_rram_params *p, const char *where, ncm_error *err)
{
    if (!where)
        where = "device parameters";
    if (p->family != NCM_RRAM_LOGNORMAL && p->family != NCM_RRAM_STUDENT_T)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: field \"distribution.family\": unknown family %d", where,
                             (int)p->family);
    for (int i = 0; i < N_FIELDS; i++) {
        double v = field_get(p, &FIELDS[i]);
        const char *want = rule_violation(v, FIELDS[i].rule);
        if (want)
            return ncm_error_set(err, NCM_ERR_ARG, "%s: field \"%s.%s\" must be %s, found %g",
                                 where, FIELDS[i].group, FIELDS[i].key, want, v);
    }
    return NCM_OK;
}

/* ---- reading --------------------------------------------------------------------------------- */

static int known_key(const char *group, const char *key)
{
    if (strcmp(group, "distribution") == 0 && strcmp(key, "family") == 0)
        return 1;
    for (int i = 0; i < N_FIELDS; i++)
        if (strcmp(FIELDS[i].group, group) == 0 && strcmp(FIELDS[i].key, key) == 0)
            return 1;
    return 0;
}

static int known_group(const char *key)
{
    for (int g = 0; g < N_GROUPS; g++)
        if (strcmp(GROUPS[g], key) == 0)
            return 1;
    return 0;
}

/* Refuses fields the reader does not know: a misspelt field must not fall back silently. */
static ncm_status check_unknown(const cJSON *root, const char *path, ncm_error *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        const char *k = it->string;
        if (strcmp(k, "format") == 0 || strcmp(k, "version") == 0 || strcmp(k, "name") == 0 ||
            strcmp(k, "description") == 0)
            continue;
        if (!known_group(k))
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: unknown field \"%s\"", path, k);
        if (!cJSON_IsObject(it))
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: field \"%s\" must be an object, found %s", path, k,
                                 ncm_json_type_name(it));
        const cJSON *sub;
        cJSON_ArrayForEach(sub, it)
        {
            if (!known_key(k, sub->string))
                return ncm_error_set(err, NCM_ERR_FORMAT, "%s: unknown field \"%s.%s\"", path, k,
                                     sub->string);
        }
    }
    return NCM_OK;
}

/* The member `key` of `group` (case-sensitive), or NCM_ERR_FORMAT naming it (*out is then NULL). */
static ncm_status get_member(const cJSON *root, const char *group, const char *key,
                             const char *path, const cJSON **out, ncm_error *err)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, group);
    *out = g ? cJSON_GetObjectItemCaseSensitive(g, key) : NULL;
    if (*out)
        return NCM_OK;
    if (!g)
        ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"%s\"", path, group);
    else
        ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"%s.%s\"", path, group, key);
    return NCM_ERR_FORMAT;
}

static ncm_status parse_params(const cJSON *root, const char *path, ncm_rram_params *p,
                               ncm_error *err)
{
    if (!cJSON_IsObject(root))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: expected a JSON object, found %s", path,
                             ncm_json_type_name(root));
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, FORMAT_NAME) != 0)
        return ncm_error_set(
            err, NCM_ERR_FORMAT,
            "%s: field \"format\" must be \"" FORMAT_NAME "\" (not a device file?)", path);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(ver))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"version\" (a number)", path);
    if (ver->valuedouble != floor(ver->valuedouble) || ver->valuedouble < 1)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: field \"version\" must be a positive integer", path);
    if (ver->valuedouble > FORMAT_VERSION)
        return ncm_error_set(err, NCM_ERR_VERSION,
                             "%s: device file version %g, this nanocim reads up to %d", path,
                             ver->valuedouble, FORMAT_VERSION);
    ncm_status st = check_unknown(root, path, err);
    if (st)
        return st;

    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!name)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"name\"", path);
    if (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof p->name)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: field \"name\" must be a string of at most %d characters", path,
                             (int)sizeof p->name - 1);
    snprintf(p->name, sizeof p->name, "%s", name->valuestring);

    const cJSON *it = NULL;
    if ((st = get_member(root, "distribution", "family", path, &it, err)))
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

    for (int i = 0; i < N_FIELDS; i++) {
        const field *f = &FIELDS[i];
        if ((st = get_member(root, f->group, f->key, path, &it, err)))
            return st;
        if (!cJSON_IsNumber(it))
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: field \"%s.%s\" must be a number, found %s", path, f->group,
                                 f->key, ncm_json_type_name(it));
        field_set(p, f, it->valuedouble);
    }
    return ncm_rram_check(p, path, err);
}

ncm_status ncm_rram_load(const char *path, ncm_rram_params *p, ncm_error *err)
{
    memset(p, 0, sizeof *p);
    cJSON *root;
    ncm_status st = ncm_json_read(path, &root, err);
    if (!st)
        st = parse_params(root, path, p, err);
    cJSON_Delete(root);
    if (st)
        memset(p, 0, sizeof *p);
    return st;
}

/* ---- writing --------------------------------------------------------------------------------- */

ncm_status ncm_rram_save(const char *path, const ncm_rram_params *p, ncm_error *err)
{
    ncm_status st = ncm_rram_check(p, NULL, err);
    if (st)
        return st;
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", FORMAT_NAME);
    ok = ok && cJSON_AddNumberToObject(root, "version", FORMAT_VERSION);
    ok = ok && cJSON_AddStringToObject(root, "name", p->name);
    for (int g = 0; ok && g < N_GROUPS; g++) {
        cJSON *grp = cJSON_AddObjectToObject(root, GROUPS[g]);
        ok = grp != NULL;
        if (ok && g == 0)
            ok = cJSON_AddStringToObject(grp, "family", ncm_rram_family_name(p->family)) != NULL;
        for (int i = 0; ok && i < N_FIELDS; i++)
            if (strcmp(FIELDS[i].group, GROUPS[g]) == 0)
                ok = ncm_json_add_number_exact(grp, FIELDS[i].key, field_get(p, &FIELDS[i]));
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return ncm_json_write_text(path, text, err);
}
