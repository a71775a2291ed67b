/* Parameter files: a struct of named double fields, grouped, with units and ranges, read from and
 * written to a versioned JSON file. One table per kind of file (RRAM devices, oscillators)
 * describes the fields; this module does the checking, reading and writing for all of them. */
#ifndef NANOCIM_FIELDFILE_H
#define NANOCIM_FIELDFILE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NCM_RANGE_ANY,      /* any finite value */
    NCM_RANGE_POS,      /* > 0 */
    NCM_RANGE_NONNEG,   /* >= 0 */
    NCM_RANGE_UNIT,     /* in [0, 1] */
    NCM_RANGE_UNIT_OPEN /* in [0, 1) */
} ncm_range;

typedef struct {
    const char *group, *key; /* "group.key" in the file */
    size_t off;              /* offset of the double in the struct */
    ncm_range rule;
} ncm_field;

typedef struct {
    const char *format; /* value of the "format" field */
    int version;        /* newest version this build reads and writes */
    const char *what;   /* "device file", for messages */
    const ncm_field *fields;
    int n_fields;
    const char *const *groups; /* in file order */
    int n_groups;
    const char *const *extra;  /* other "group.key" members the caller handles, NULL-ended */
    size_t name_off, name_len; /* the struct's char name[name_len] */
} ncm_field_table;

/* Every field finite and within its range; the message names `where` and the field. */
ncm_status ncm_fields_check(const ncm_field_table *t, const void *obj, const char *where,
                            ncm_error *err);

/* Reads a parsed file into obj: format, version (newer: NCM_ERR_VERSION), no unknown member, the
 * name and every numeric field; not the range check (ncm_fields_check) nor the extra members. */
ncm_status ncm_fields_parse(const ncm_field_table *t, const cJSON *root, const char *path,
                            void *obj, ncm_error *err);

/* The member `key` of `group`, or NCM_ERR_FORMAT naming the missing one. */
ncm_status ncm_fields_member(const cJSON *root, const char *group, const char *key,
                             const char *path, const cJSON **out, ncm_error *err);

/* A JSON object with format, version, name and every group with its fields (exact numbers);
 * NULL when out of memory. The caller may add its extra members before writing it. */
cJSON *ncm_fields_to_json(const ncm_field_table *t, const void *obj);

/* Reads a whole file into obj (size bytes): parse, ncm_fields_parse, then finish (the caller's
 * extra members and range checks). On error obj is zeroed. */
typedef ncm_status (*ncm_fields_finish)(const cJSON *root, const char *path, void *obj,
                                        ncm_error *err);
ncm_status ncm_fields_load(const ncm_field_table *t, const char *path, void *obj, size_t size,
                           ncm_fields_finish finish, ncm_error *err);

/* Writes obj atomically; extra (may be NULL) adds the caller's members, returning 1 on success. */
typedef int (*ncm_fields_extra)(cJSON *root, const void *obj);
ncm_status ncm_fields_save(const ncm_field_table *t, const char *path, const void *obj,
                           ncm_fields_extra extra, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
