/* Error codes and messages (see include/nanocim/error.h). */
#include "nanocim/error.h"

#include <stdarg.h>
#include <stdio.h>

ncm_status ncm_error_set(ncm_error *err, ncm_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void ncm_error_clear(ncm_error *err)
{
    if (err) {
        err->code = NCM_OK;
        err->msg[0] = '\0';
    }
}

const char *ncm_status_name(ncm_status code)
{
    switch (code) {
    case NCM_OK: return "ok";
    case NCM_ERR_ARG: return "invalid argument";
    case NCM_ERR_IO: return "i/o error";
    case NCM_ERR_FORMAT: return "bad file format";
    case NCM_ERR_VERSION: return "unsupported version";
    case NCM_ERR_NOMEM: return "out of memory";
    case NCM_ERR_DATA: return "inconsistent data";
    case NCM_ERR_STATE: return "invalid state";
    case NCM_ERR_CANCELLED: return "cancelled";
    }
    return "unknown error";
}
