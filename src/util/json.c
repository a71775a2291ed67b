/* JSON files: reading with error positions, exact numbers, atomic writing (see
 * include/nanocim/json.h). */
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/config.h"
#include "util/io.h"

/* Line and column (from 1) of byte off of text. */
static void position(const char *text, size_t off, int *line, int *col)
{
    *line = 1, *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* The first member name that repeats within one object of the tree under o, as a dotted path
 * into buf ("node.vdd_v"); 0 when there is none. cJSON keeps every duplicate and finds the first,
 * so a file with a repeated key would silently mean one of its values. */
static int duplicate_key(const cJSON *o, const char *prefix, char *buf, size_t cap)
{
    for (const cJSON *a = o ? o->child : NULL; a; a = a->next) {
        if (cJSON_IsObject(o) && a->string)
            for (const cJSON *b = a->next; b; b = b->next)
                if (b->string && strcmp(a->string, b->string) == 0) {
                    snprintf(buf, cap, "%s%s%s", prefix, *prefix ? "." : "", a->string);
                    return 1;
                }
        if (cJSON_IsObject(a) || cJSON_IsArray(a)) {
            char sub[256];
            if (cJSON_IsObject(o) && a->string)
                snprintf(sub, sizeof sub, "%s%s%s", prefix, *prefix ? "." : "", a->string);
            else
                snprintf(sub, sizeof sub, "%s", prefix);
            if (duplicate_key(a, sub, buf, cap))
                return 1;
        }
    }
    return 0;
}

ncm_status ncm_json_read(const char *path, cJSON **root, ncm_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *root = NULL;
    ncm_status st = ncm_read_file(path, &text, &len, err);
    if (st)
        return st;
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    int line, col;
    if (!*root) {
        size_t off = end && end >= text ? (size_t)(end - text) : 0;
        if (off > len)
            off = len;
        position(text, off, &line, &col);
        st = ncm_error_set(err, NCM_ERR_FORMAT, "%s: invalid JSON at byte %zu (line %d, column %d)",
                           path, off, line, col);
    } else {
        /* one document and nothing after it but white space */
        size_t off = end && end >= text ? (size_t)(end - text) : len;
        while (off < len && (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' ||
                             text[off] == '\r'))
            off++;
        char key[256];
        if (off < len) {
            position(text, off, &line, &col);
            st = ncm_error_set(err, NCM_ERR_FORMAT,
                               "%s: data after the JSON document at byte %zu (line %d, column %d)",
                               path, off, line, col);
        } else if (duplicate_key(*root, "", key, sizeof key)) {
            st = ncm_error_set(err, NCM_ERR_FORMAT, "%s: key \"%s\" appears twice", path, key);
        }
        if (st) {
            cJSON_Delete(*root);
            *root = NULL;
        }
    }
    free(text);
    return st;
}

ncm_status ncm_json_write_text(const char *path, char *text, ncm_error *err)
{
    if (!text)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory while encoding", path);
    size_t n = strlen(text);
    char *withnl = realloc(text, n + 2);
    if (!withnl) {
        free(text);
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory while encoding", path);
    }
    withnl[n] = '\n';
    withnl[n + 1] = '\0';
    ncm_status st = ncm_write_text_atomic(path, withnl, err);
    free(withnl);
    return st;
}

ncm_status ncm_json_write(const char *path, const cJSON *root, ncm_error *err)
{
    return ncm_json_write_text(path, root ? cJSON_Print(root) : NULL, err);
}

int ncm_json_add_producer(cJSON *obj)
{
    char producer[64];
    snprintf(producer, sizeof producer, "nanocim %s", ncm_version());
    return cJSON_AddStringToObject(obj, "producer", producer) != NULL;
}

int ncm_json_add_number_exact(cJSON *obj, const char *key, double v)
{
    char buf[32];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return cJSON_AddRawToObject(obj, key, buf) != NULL;
}

const char *ncm_json_type_name(const cJSON *it)
{
    if (cJSON_IsNumber(it))
        return "a number";
    if (cJSON_IsString(it))
        return "a string";
    if (cJSON_IsBool(it))
        return "a boolean";
    if (cJSON_IsNull(it))
        return "null";
    if (cJSON_IsArray(it))
        return "an array";
    if (cJSON_IsObject(it))
        return "an object";
    return "an invalid value";
}
