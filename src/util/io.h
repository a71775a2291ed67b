/* Atomic output files and small file helpers.
 *
 * Results are never half-written: an ncm_afile writes to a temporary file beside the target and
 * renames it over the target only on ncm_afile_commit(); ncm_afile_abort() (or a crash) leaves
 * the target untouched and removes the temporary file. A symbolic link is written through (its
 * target replaced, the link kept); a device or FIFO is written to directly (nothing to rename,
 * nothing to take back on abort). The new file gets the mode 0666 & ~umask, as any new file. */
#ifndef NANOCIM_IO_H
#define NANOCIM_IO_H

#include <stdio.h>

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    FILE *fp;       /* write here */
    char *path;     /* final name */
    char *tmp_path; /* temporary name in the same directory (NULL when direct) */
    int direct;     /* 1: writing straight to a device or FIFO */
} ncm_afile;

/* Opens a temporary file for `path`. */
ncm_status ncm_afile_open(ncm_afile *f, const char *path, ncm_error *err);
/* Flushes, syncs and renames the temporary file to the final path; frees f. */
ncm_status ncm_afile_commit(ncm_afile *f, ncm_error *err);
/* Removes the temporary file; frees f. Safe to call on a committed or zeroed ncm_afile. */
void ncm_afile_abort(ncm_afile *f);

/* Writes a whole text (e.g. JSON) atomically. */
ncm_status ncm_write_text_atomic(const char *path, const char *text, ncm_error *err);

/* Reads a whole file into a malloc'd buffer (NUL-terminated; *len excludes the NUL). */
ncm_status ncm_read_file(const char *path, char **data, size_t *len, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
