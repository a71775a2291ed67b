/* JSON files: reading with error positions, exact numbers, atomic writing (see
 * include/nanocim/json.h). */
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nanocim/config.h"
#include "util/io.h"

/* Largest JSON file read: far above any device, technology or result file, far below what would
 * exhaust memory once parsed (cJSON takes several times the text). */
#define JSON_MAX_BYTES ((size_t)256 << 20)

/* Reads a JSON text whole, but only after its first byte that is not white space (nor a UTF-8
 * byte order mark) could start a JSON value, so that a binary file or a device such as /dev/zero
 * is refused at once; a regular file above JSON_MAX_BYTES is refused before reading, anything
 * else (a pipe) once it passes the limit. */
static ncm_status read_text(const char *path, char **text, size_t *len, ncm_error *err)
{
    *text = NULL;
    *len = 0;
    struct stat st;
    if (stat(path, &st) != 0)
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ncm_error_set(err, NCM_ERR_IO, "%s: is a folder, expected a JSON file", path);
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > JSON_MAX_BYTES)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: %jd bytes, more than the %zu MiB a JSON file may have", path,
                             (intmax_t)st.st_size, JSON_MAX_BYTES >> 20);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    int checked = 0;
    ncm_status st_ = NCM_OK;
    while (buf) {
        const size_t got = fread(buf + n, 1, cap - n, fp);
        const size_t from = n;
        n += got;
        for (size_t i = from; !checked && i < n; i++) {
            const unsigned char c = (unsigned char)buf[i];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
                (i < 3 && (c == 0xef || c == 0xbb || c == 0xbf)))
                continue;
            checked = 1;
            if (!strchr("{[\"-0123456789tfn", c) || c == '\0') {
                st_ = ncm_error_set(err, NCM_ERR_FORMAT,
                                    "%s: not a JSON file (byte %zu is 0x%02x, which cannot start "
                                    "a JSON value)",
                                    path, i, c);
                break;
            }
        }
        if (st_ || got == 0)
            break;
        if (n > JSON_MAX_BYTES) {
            st_ =
                ncm_error_set(err, NCM_ERR_FORMAT, "%s: more than the %zu MiB a JSON file may have",
                              path, JSON_MAX_BYTES >> 20);
            break;
        }
        if (n == cap) { /* at most JSON_MAX_BYTES + 1 bytes are ever held */
            const size_t ncap = 2 * cap > JSON_MAX_BYTES + 1 ? JSON_MAX_BYTES + 1 : 2 * cap;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = ncap;
        }
    }
    const int rerr = ferror(fp);
    fclose(fp);
    if (!buf)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    if (!st_ && rerr)
        st_ = ncm_error_set(err, NCM_ERR_IO, "%s: read error", path);
    if (st_) {
        free(buf);
        return st_;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return NCM_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A member name that repeats among the n members of object o: pairwise for a small object, by
 * sorting the names for a large one (a hostile file of a million keys must not take hours).
 * NULL when there is none (or, for a large object, when the names cannot be sorted for lack of
 * memory: then pairwise). */
static const char *repeated_member(const cJSON *o)
{
    size_t n = 0;
    for (const cJSON *a = o->child; a; a = a->next)
        n += a->string != NULL;
    const char **names = n > 64 ? malloc(n * sizeof *names) : NULL;
    if (names) {
        size_t k = 0;
        for (const cJSON *a = o->child; a; a = a->next)
            if (a->string)
                names[k++] = a->string;
        qsort(names, n, sizeof *names, cmp_names);
        const char *dup = NULL;
        for (size_t i = 1; i < n && !dup; i++)
            if (strcmp(names[i - 1], names[i]) == 0)
                dup = names[i];
        free(names);
        return dup;
    }
    for (const cJSON *a = o->child; a; a = a->next)
        if (a->string)
            for (const cJSON *b = a->next; b; b = b->next)
                if (b->string && strcmp(a->string, b->string) == 0)
                    return a->string;
    return NULL;
}

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
    const char *dup = o && cJSON_IsObject(o) ? repeated_member(o) : NULL;
    if (dup) {
        snprintf(buf, cap, "%s%s%s", prefix, *prefix ? "." : "", dup);
        return 1;
    }
    for (const cJSON *a = o ? o->child : NULL; a; a = a->next) {
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
    ncm_status st = read_text(path, &text, &len, err);
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
        while (off < len &&
               (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r'))
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
