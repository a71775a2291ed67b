/* The JSON document builder of the result writers (src/util/jdoc.h). */
#include "util/jdoc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/json.h"

cJSON *ncm_jdoc_mark(ncm_jdoc *d, cJSON *it)
{
    if (!it)
        d->ok = 0;
    return it;
}

cJSON *ncm_jdoc_num(ncm_jdoc *d, double v)
{
    if (!d->ok)
        return NULL;
    if (!isfinite(v))
        return ncm_jdoc_mark(d, cJSON_CreateNull());
    char buf[32];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return ncm_jdoc_mark(d, cJSON_CreateRaw(buf));
}

cJSON *ncm_jdoc_int(ncm_jdoc *d, int64_t v)
{
    if (!d->ok)
        return NULL;
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return ncm_jdoc_mark(d, cJSON_CreateRaw(buf));
}

cJSON *ncm_jdoc_u64(ncm_jdoc *d, uint64_t v)
{
    if (!d->ok)
        return NULL;
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return ncm_jdoc_mark(d, cJSON_CreateRaw(buf));
}

cJSON *ncm_jdoc_str(ncm_jdoc *d, const char *s)
{
    return d->ok ? ncm_jdoc_mark(d, cJSON_CreateString(s)) : NULL;
}

cJSON *ncm_jdoc_obj(ncm_jdoc *d)
{
    return d->ok ? ncm_jdoc_mark(d, cJSON_CreateObject()) : NULL;
}

cJSON *ncm_jdoc_arr(ncm_jdoc *d)
{
    return d->ok ? ncm_jdoc_mark(d, cJSON_CreateArray()) : NULL;
}

cJSON *ncm_jdoc_null(ncm_jdoc *d)
{
    return d->ok ? ncm_jdoc_mark(d, cJSON_CreateNull()) : NULL;
}

void ncm_jdoc_put(ncm_jdoc *d, cJSON *o, const char *key, cJSON *item)
{
    if (!d->ok || !o || !item) {
        cJSON_Delete(item);
        d->ok = 0;
        return;
    }
    if (!(key ? cJSON_AddItemToObject(o, key, item) : cJSON_AddItemToArray(o, item))) {
        cJSON_Delete(item);
        d->ok = 0;
    }
}

cJSON *ncm_jdoc_nums(ncm_jdoc *d, const double *v, int n)
{
    cJSON *a = ncm_jdoc_arr(d);
    for (int k = 0; k < n && d->ok; k++)
        ncm_jdoc_put(d, a, NULL, ncm_jdoc_num(d, v[k]));
    return a;
}

cJSON *ncm_jdoc_head(ncm_jdoc *d, const char *format, int version)
{
    cJSON *root = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, root, "format", ncm_jdoc_str(d, format));
    ncm_jdoc_put(d, root, "version", ncm_jdoc_int(d, version));
    d->ok = d->ok && root && ncm_json_add_producer(root);
    return root;
}

ncm_status ncm_jdoc_finish(ncm_jdoc *d, cJSON *root, const char *path, ncm_error *err)
{
    ncm_status st =
        d->ok && root ? ncm_json_write(path, root, err)
                      : ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory while encoding", path);
    cJSON_Delete(root);
    return st;
}
