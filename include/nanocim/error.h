/* Error codes and messages of the nanocim library.
 *
 * Library functions never exit and never print: they return an ncm_status and, when the caller
 * passes an ncm_error, fill it with a one-line message naming the file, or the struct field and
 * its value, what was expected and what was found (a front end maps field names to its own
 * option names). Only the command-line front end decides to print and exit. */
#ifndef NANOCIM_ERROR_H
#define NANOCIM_ERROR_H

#include "nanocim/api.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NCM_OK = 0,
    NCM_ERR_ARG,     /* invalid argument or option value */
    NCM_ERR_IO,      /* file cannot be opened, read or written */
    NCM_ERR_FORMAT,  /* file is truncated, corrupt or of the wrong kind */
    NCM_ERR_VERSION, /* file written by a newer version of nanocim */
    NCM_ERR_NOMEM,   /* allocation failed */
    NCM_ERR_DATA,    /* data inconsistent with the request (shapes, label ranges) */
    NCM_ERR_STATE,   /* operation not valid in the current state */
    NCM_ERR_CANCELLED /* the caller's progress callback asked to stop (progress.h) */
} ncm_status;

typedef struct {
    ncm_status code;
    char msg[512];
} ncm_error;

/* Fills err (if not NULL) with code and a printf-style message; returns code so callers can write
 * `return ncm_error_set(err, NCM_ERR_ARG, "...")`. */
NCM_API ncm_status ncm_error_set(ncm_error *err, ncm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to NCM_OK with an empty message. */
NCM_API void ncm_error_clear(ncm_error *err);

/* Short name of a status code ("invalid argument", ...). */
NCM_API const char *ncm_status_name(ncm_status code);

#ifdef __cplusplus
}
#endif
#endif
