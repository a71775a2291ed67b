/* Parameter files: checking, reading and writing tables of named double fields (see
 * include/nanocim/fieldfile.h). */
#include "util/fieldfile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"

static double field_get(const void *obj, const ncm_field *f)
{
    double v;
    memcpy(&v, (const char *)obj + f->off, sizeof v);
    return v;
}

/* NULL when v satisfies the rule, else what was expected. */
static const char *rule_violation(double v, ncm_range rule)
{
    if (!isfinite(v))
        return "a finite number";
    switch (rule) {
    case NCM_RANGE_ANY: return NULL;
    case NCM_RANGE_POS: return v > 0 ? NULL : "> 0";
    case NCM_RANGE_NONNEG: return v >= 0 ? NULL : ">= 0";
    case NCM_RANGE_UNIT: return v >= 0 && v <= 1 ? NULL : "in [0, 1]";
    case NCM_RANGE_UNIT_OPEN: return v >= 0 && v < 1 ? NULL : "in [0, 1)";
    }
    return NULL;
}

ncm_status ncm_fields_check(const ncm_field_table *t, const void *obj, const char *where,
                            ncm_error *err)
{
    for (int i = 0; i < t->n_fields; i++) {
        const ncm_field *f = &t->fields[i];
        const double v = field_get(obj, f);
        const char *want = rule_violation(v, f->rule);
        if (want)
            return ncm_error_set(err, NCM_ERR_ARG, "%s: field \"%s.%s\" must be %s, found %g",
                                 where, f->group, f->key, want, v);
    }
    return NCM_OK;
}

static int known_key(const ncm_field_table *t, const char *group, const char *key)
{
    for (const char *const *e = t->extra; e && *e; e++) {
        size_t n = strlen(group);
        if (strncmp(*e, group, n) == 0 && (*e)[n] == '.' && strcmp(*e + n + 1, key) == 0)
            return 1;
    }
    for (int i = 0; i < t->n_fields; i++)
        if (strcmp(t->fields[i].group, group) == 0 && strcmp(t->fields[i].key, key) == 0)
            return 1;
    return 0;
}

static int known_group(const ncm_field_table *t, const char *key)
{
    for (int g = 0; g < t->n_groups; g++)
        if (strcmp(t->groups[g], key) == 0)
            return 1;
    return 0;
}

/* Refuses members the reader does not know: a misspelt field must not fall back silently. */
static ncm_status check_unknown(const ncm_field_table *t, const cJSON *root, const char *path,
                                ncm_error *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        const char *k = it->string;
        if (strcmp(k, "format") == 0 || strcmp(k, "version") == 0 || strcmp(k, "name") == 0 ||
            strcmp(k, "description") == 0)
            continue;
        if (!known_group(t, k))
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: unknown field \"%s\"", path, k);
        if (!cJSON_IsObject(it))
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: field \"%s\" must be an object, found %s", path, k,
                                 ncm_json_type_name(it));
        const cJSON *sub;
        cJSON_ArrayForEach(sub, it)
        {
            if (!known_key(t, k, sub->string))
                return ncm_error_set(err, NCM_ERR_FORMAT, "%s: unknown field \"%s.%s\"", path, k,
                                     sub->string);
        }
    }
    return NCM_OK;
}

ncm_status ncm_fields_member(const cJSON *root, const char *group, const char *key,
                             const char *path, const cJSON **out, ncm_error *err)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, group);
    *out = g ? cJSON_GetObjectItemCaseSensitive(g, key) : NULL;
    if (*out)
        return NCM_OK;
    if (!g)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"%s\"", path, group);
    return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"%s.%s\"", path, group, key);
}

ncm_status ncm_fields_parse(const ncm_field_table *t, const cJSON *root, const char *path,
                            void *obj, ncm_error *err)
{
    if (!cJSON_IsObject(root))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: expected a JSON object, found %s", path,
                             ncm_json_type_name(root));
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, t->format) != 0)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: field \"format\" must be \"%s\" (not a %s?)",
                             path, t->format, t->what);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(ver))
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"version\" (a number)", path);
    if (ver->valuedouble != floor(ver->valuedouble) || ver->valuedouble < 1)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: field \"version\" must be a positive integer", path);
    if (ver->valuedouble > t->version)
        return ncm_error_set(err, NCM_ERR_VERSION, "%s: %s version %g, this nanocim reads up to %d",
                             path, t->what, ver->valuedouble, t->version);
    ncm_status st = check_unknown(t, root, path, err);
    if (st)
        return st;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!name)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: missing field \"name\"", path);
    if (!cJSON_IsString(name) || strlen(name->valuestring) >= t->name_len)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: field \"name\" must be a string of at most %d characters", path,
                             (int)t->name_len - 1);
    snprintf((char *)obj + t->name_off, t->name_len, "%s", name->valuestring);
    for (int i = 0; i < t->n_fields; i++) {
        const ncm_field *f = &t->fields[i];
        const cJSON *it;
        if ((st = ncm_fields_member(root, f->group, f->key, path, &it, err)))
            return st;
        if (!cJSON_IsNumber(it))
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: field \"%s.%s\" must be a number, found %s", path, f->group,
                                 f->key, ncm_json_type_name(it));
        memcpy((char *)obj + f->off, &it->valuedouble, sizeof(double));
    }
    return NCM_OK;
}

cJSON *ncm_fields_to_json(const ncm_field_table *t, const void *obj)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", t->format);
    ok = ok && cJSON_AddNumberToObject(root, "version", t->version);
    ok = ok && cJSON_AddStringToObject(root, "name", (const char *)obj + t->name_off);
    for (int g = 0; ok && g < t->n_groups; g++) {
        cJSON *grp = cJSON_AddObjectToObject(root, t->groups[g]);
        ok = grp != NULL;
        for (int i = 0; ok && i < t->n_fields; i++)
            if (strcmp(t->fields[i].group, t->groups[g]) == 0)
                ok =
                    ncm_json_add_number_exact(grp, t->fields[i].key, field_get(obj, &t->fields[i]));
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

ncm_status ncm_fields_load(const ncm_field_table *t, const char *path, void *obj, size_t size,
                           ncm_fields_finish finish, ncm_error *err)
{
    memset(obj, 0, size);
    cJSON *root;
    ncm_status st = ncm_json_read(path, &root, err);
    if (!st)
        st = ncm_fields_parse(t, root, path, obj, err);
    if (!st)
        st = finish(root, path, obj, err);
    cJSON_Delete(root);
    if (st)
        memset(obj, 0, size);
    return st;
}

ncm_status ncm_fields_save(const ncm_field_table *t, const char *path, const void *obj,
                           ncm_fields_extra extra, ncm_error *err)
{
    cJSON *root = ncm_fields_to_json(t, obj);
    int ok = root && (!extra || extra(root, obj));
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return ncm_json_write_text(path, text, err);
}
