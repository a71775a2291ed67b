/* Atomic output files, the cleanup of a run's files, and small file helpers.
 *
 * Results are never half-written: an ncm_afile writes to a temporary file beside the target and
 * renames it over the target only on ncm_afile_commit(); ncm_afile_abort() (or a crash) leaves
 * the target untouched and removes the temporary file. A symbolic link is written through (its
 * target replaced, the link kept; a dangling link's target is created); a device or FIFO is
 * written to directly (nothing to rename, nothing to take back on abort). The new file gets the
 * mode 0666 & ~umask, as any new file.
 *
 * All or nothing across files: once ncm_io_track(1) is called (the command line does; a library
 * user's process keeps no list unless it asks), every temporary file of an ncm_afile and every
 * output it commits is recorded, so that a run that fails (ncm_io_remove_outputs) or is killed
 * by a signal (ncm_io_unlink_all_signal_safe, from the handler) leaves none of its files. An
 * output that replaced an existing file is removed too: that file's old content is gone and the
 * new one belongs to a run that did not finish. Devices and FIFOs are never recorded or removed;
 * paths given to ncm_io_keep (a training checkpoint, for --resume) are not recorded either.
 *
 * The lists are fixed-size static arrays (NCM_IO_MAX_FILES paths copied in, so a signal handler
 * reads them without allocating). Changes take a mutex and block the usual termination signals
 * (SIGHUP, SIGINT, SIGTERM, SIGPIPE) in the calling thread, so a handler that runs on that
 * thread sees every entry whole. A handler running on another thread could see an entry being
 * rewritten: the command line forwards a signal caught elsewhere to its main thread, the one
 * that writes (src/cli/signals.c). */
#ifndef NANOCIM_IO_H
#define NANOCIM_IO_H

#include <stddef.h>
#include <stdio.h>

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Files recorded at once (temporary files and outputs together), and paths kept. */
enum { NCM_IO_MAX_FILES = 64, NCM_IO_MAX_KEEP = 8 };

typedef struct {
    FILE *fp;       /* write here (NULL after ncm_afile_open_named) */
    char *path;     /* final name (a symbolic link's target) */
    char *tmp_path; /* temporary name in the same directory (NULL when direct) */
    int direct;     /* 1: writing straight to a device or FIFO */
    int slot;       /* 1 + its entry in the list of the run's files, 0: none */
} ncm_afile;

/* Opens a temporary file for `path`. */
ncm_status ncm_afile_open(ncm_afile *f, const char *path, ncm_error *err);
/* The same for a writer that opens the file by name itself (PLplot): the temporary file is
 * created (with its final mode) and closed; write to ncm_afile_name(f), then commit (which
 * syncs it) or abort. */
ncm_status ncm_afile_open_named(ncm_afile *f, const char *path, ncm_error *err);
/* The name to write to: the temporary file, or the device or FIFO itself. */
const char *ncm_afile_name(const ncm_afile *f);
/* Flushes, syncs and renames the temporary file to the final path; frees f. */
ncm_status ncm_afile_commit(ncm_afile *f, ncm_error *err);
/* Removes the temporary file; frees f. Safe to call on a committed or zeroed ncm_afile. */
void ncm_afile_abort(ncm_afile *f);

/* Writes a whole text (e.g. JSON) atomically. */
ncm_status ncm_write_text_atomic(const char *path, const char *text, ncm_error *err);

/* Reads a whole file into a malloc'd buffer (NUL-terminated; *len excludes the NUL). */
ncm_status ncm_read_file(const char *path, char **data, size_t *len, ncm_error *err);

/* The absolute name of the file a write to `path` replaces or creates: symbolic links followed
 * (a dangling one too), then the folder's real path and the file's name. NCM_ERR_IO when the
 * folder does not exist or the name does not fit in n bytes. */
ncm_status ncm_io_target(const char *path, char *buf, size_t n, ncm_error *err);

/* ---- the run's files ---------------------------------------------------------------------- */

/* 1: record the temporary files and committed outputs from now on; 0: stop (the lists are
 * cleared, nothing removed). */
void ncm_io_track(int on);
/* Outputs committed to path (its ncm_io_target) are not recorded: kept when the run fails. At
 * most NCM_IO_MAX_KEEP paths. */
ncm_status ncm_io_keep(const char *path, ncm_error *err);
/* The run succeeded: its outputs are no longer recorded (they stay). */
void ncm_io_forget_outputs(void);
/* The run failed: removes every output it committed and any temporary file still there, and
 * clears the lists. */
void ncm_io_remove_outputs(void);
/* The same from a signal handler: unlink() on every recorded path, nothing else (no lock, no
 * allocation, the lists left as they are). Async-signal-safe. */
void ncm_io_unlink_all_signal_safe(void);

/* Takes back an output written before a later one failed: removed when it is a regular file; a
 * device or FIFO written through (a /dev/null given as the output) is never removed. */
void ncm_io_take_back(const char *path);

#ifdef __cplusplus
}
#endif
#endif
