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

#include "nanocim/io.h"
#include "nanocim/json.h"
#include "nanocim/rng.h"

#define FORMAT_NAME "nanocim-stno-device"
enum { FORMAT_VERSION = 1 };

typedef enum {
    R_POS,    /* > 0 */
    R_NONNEG, /* >= 0 */
    R_ANY     /* any finite value */
} range_rule;

typedef struct {
    const char *group, *key;
    size_t off;
    range_rule rule;
} field;

#define F(g, k, m, r)                                                                              \
    {                                                                                              \
        g, k, offsetof(ncm_stno_params, m), r                                                      \
    }
static const field FIELDS[] = {
    F("frequency", "f0_mhz", f0_mhz, R_POS),
    F("frequency", "n_mhz", n_mhz, R_ANY),
    F("frequency", "df_di_mhz_per_ma", df_di_mhz_per_ma, R_ANY),
    F("frequency", "i_ref_ma", i_ref_ma, R_ANY),
    F("damping", "gamma_g_mhz", gamma_g_mhz, R_POS),
    F("damping", "q", q, R_NONNEG),
    F("spin_torque", "i_th_ma", i_th_ma, R_POS),
    F("thermal", "temperature_k", temperature_k, R_NONNEG),
    F("thermal", "e0_ev", e0_ev, R_POS),
    F("output", "dr_ohm", dr_ohm, R_NONNEG),
    F("spread", "f0_sigma_mhz", f0_sigma_mhz, R_NONNEG),
    F("spread", "i_th_rel_sigma", i_th_rel_sigma, R_NONNEG),
    F("spread", "gamma_g_rel_sigma", gamma_g_rel_sigma, R_NONNEG),
};
#undef F
enum { N_FIELDS = sizeof FIELDS / sizeof FIELDS[0] };

/* Groups in file order. */
static const char *const GROUPS[] = {"frequency", "damping", "spin_torque",
                                     "thermal",   "output",  "spread"};
enum { N_GROUPS = sizeof GROUPS / sizeof GROUPS[0] };

static void field_set(ncm_stno_params *p, const field *f, double v)
{
    memcpy((char *)p + f->off, &v, sizeof v);
}

static double field_get(const ncm_stno_params *p, const field *f)
{
    double v;
    memcpy(&v, (const char *)p + f->off, sizeof v);
    return v;
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

/* NULL when v satisfies the rule, else what was expected. */
static const char *rule_violation(double v, range_rule rule)
{
    if (!isfinite(v))
        return "a finite number";
    switch (rule) {
    case R_POS: return v > 0 ? NULL : "> 0";
    case R_NONNEG: return v >= 0 ? NULL : ">= 0";
    case R_ANY: return NULL;
    }
    return NULL;
}

ncm_status ncm_stno_check(const ncm_stno_params *p, const char *where, ncm_error *err)
{
    if (!where)
        where = "oscillator parameters";
    for (int i = 0; i < N_FIELDS; i++) {
        double v = field_get(p, &FIELDS[i]);
        const char *want = rule_violation(v, FIELDS[i].rule);
        if (want)
            return ncm_error_set(err, NCM_ERR_ARG, "%s: field \"%s.%s\" must be %s, found %g",
                                 where, FIELDS[i].group, FIELDS[i].key, want, v);
    }
    return NCM_OK;
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

static int known_key(const char *group, const char *key)
{
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

static ncm_status parse_params(const cJSON *root, const char *path, ncm_stno_params *p,
                               ncm_error *err)
{
    if (!cJSON_IsObject(root))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: expected a JSON object, found %s", path,
                             ncm_json_type_name(root));
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, FORMAT_NAME) != 0)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: field \"format\" must be \"" FORMAT_NAME
                             "\" (not an oscillator device file?)",
                             path);
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

    for (int i = 0; i < N_FIELDS; i++) {
        const field *f = &FIELDS[i];
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, f->group);
        const cJSON *it = g ? cJSON_GetObjectItemCaseSensitive(g, f->key) : NULL;
        if (!g)
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"%s\"", path, f->group);
        if (!it)
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"%s.%s\"", path, f->group,
                                 f->key);
        if (!cJSON_IsNumber(it))
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: field \"%s.%s\" must be a number, found %s", path, f->group,
                                 f->key, ncm_json_type_name(it));
        field_set(p, f, it->valuedouble);
    }
    return ncm_stno_check(p, path, err);
}

ncm_status ncm_stno_load(const char *path, ncm_stno_params *p, ncm_error *err)
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

ncm_status ncm_stno_save(const char *path, const ncm_stno_params *p, ncm_error *err)
{
    ncm_status st = ncm_stno_check(p, NULL, err);
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
        for (int i = 0; ok && i < N_FIELDS; i++)
            if (strcmp(FIELDS[i].group, GROUPS[g]) == 0)
                ok = ncm_json_add_number_exact(grp, FIELDS[i].key, field_get(p, &FIELDS[i]));
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return ncm_json_write_text(path, text, err);
}
