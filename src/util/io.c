/* Atomic output files: temporary file, fsync, rename (see src/util/io.h). */
#include "util/io.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The process's umask without changing it (umask() itself sets it: a race with other threads);
 * Linux gives it in /proc/self/status since 4.7. Falls back to the usual 022. */
static mode_t current_umask(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    unsigned mask = 022;
    while (fp && fgets(line, sizeof line, fp))
        if (sscanf(line, "Umask: %o", &mask) == 1)
            break;
    if (fp)
        fclose(fp);
    return (mode_t)mask;
}

/* What a Unix user expects of `-o X`: a symbolic link is written through (its target replaced,
 * the link kept), and a device or FIFO (/dev/null, /dev/stdout, a named pipe) is written to
 * directly, never replaced by a regular file. */
static ncm_status open_direct(ncm_afile *f, const char *path, ncm_error *err)
{
    f->direct = 1;
    f->fp = fopen(path, "wb");
    if (!f->fp) {
        int e = errno;
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return NCM_OK;
}

ncm_status ncm_afile_open(ncm_afile *f, const char *path, ncm_error *err)
{
    memset(f, 0, sizeof *f);
    struct stat st;
    char resolved[PATH_MAX];
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, resolved))
        path = resolved; /* the link's target, in its own folder */
    size_t n = strlen(path);
    f->path = malloc(n + 1);
    if (!f->path)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    memcpy(f->path, path, n + 1);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            ncm_afile_abort(f);
            return ncm_error_set(err, NCM_ERR_IO, "%s: is a directory", path);
        }
        return open_direct(f, path, err);
    }
    f->tmp_path = malloc(n + 16);
    if (!f->tmp_path) {
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(f->tmp_path, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(f->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(f->tmp_path);
        f->tmp_path = NULL;
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    /* mkstemp creates 0600; a result file gets the mode any new file would (0666 & ~umask). */
    if (fchmod(fd, 0666 & ~current_umask()) != 0) {
        int e = errno;
        close(fd);
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot set its mode: %s", path, strerror(e));
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        close(fd);
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    return NCM_OK;
}

ncm_status ncm_afile_commit(ncm_afile *f, ncm_error *err)
{
    /* a device or FIFO cannot be synced (fsync fails with EINVAL on some): flushed only */
    int bad = ferror(f->fp) || fflush(f->fp) != 0 || (!f->direct && fsync(fileno(f->fp)) != 0);
    int e = errno;
    bad |= fclose(f->fp) != 0;
    f->fp = NULL;
    if (!bad && !f->direct && rename(f->tmp_path, f->path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        ncm_status s = ncm_error_set(err, NCM_ERR_IO, "%s: write failed: %s", f->path, strerror(e));
        ncm_afile_abort(f);
        return s;
    }
    free(f->tmp_path);
    f->tmp_path = NULL;
    ncm_afile_abort(f);
    return NCM_OK;
}

void ncm_afile_abort(ncm_afile *f)
{
    if (f->fp)
        fclose(f->fp);
    if (f->tmp_path)
        remove(f->tmp_path);
    free(f->tmp_path);
    free(f->path);
    memset(f, 0, sizeof *f);
}

ncm_status ncm_write_text_atomic(const char *path, const char *text, ncm_error *err)
{
    ncm_afile f;
    ncm_status s = ncm_afile_open(&f, path, err);
    if (s)
        return s;
    fputs(text, f.fp);
    return ncm_afile_commit(&f, err);
}

ncm_status ncm_read_file(const char *path, char **data, size_t *len, ncm_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, fp);
        if (n < cap - 1)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int rerr = ferror(fp);
    fclose(fp);
    if (!buf)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    if (rerr) {
        free(buf);
        return ncm_error_set(err, NCM_ERR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return NCM_OK;
}
