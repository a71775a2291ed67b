/* Atomic output files: temporary file, fsync, rename; the list of a run's files for the cleanup
 * after a failure or a signal (see src/util/io.h). */
#include "util/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the run's files ---------------------------------------------------------------------- */

enum { SLOT_FREE = 0, SLOT_TEMP = 1, SLOT_OUTPUT = 2 };

/* One recorded file. The handler reads state, then path: path is written while state is
 * SLOT_FREE, and state set last (under the guard, see guard_enter). */
typedef struct {
    volatile sig_atomic_t state;
    char path[PATH_MAX];
} io_slot;

static io_slot g_slot[NCM_IO_MAX_FILES];
static char g_keep[NCM_IO_MAX_KEEP][PATH_MAX];
static int g_n_keep, g_next_slot, g_track;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* Blocks the termination signals in this thread and takes the lock: a handler running on this
 * thread never sees a list being changed, and threads writing at once do not mix their
 * changes. */
static void guard_enter(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGHUP);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, old);
    pthread_mutex_lock(&g_lock);
}

static void guard_leave(const sigset_t *old)
{
    pthread_mutex_unlock(&g_lock);
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* A free entry for path (guard held): 1 + its index, or 0 when the list is full. Entries are
 * taken round robin, so one just freed is reused last. */
static int slot_take(const char *path, int state)
{
    for (int k = 0; k < NCM_IO_MAX_FILES; k++) {
        const int i = (g_next_slot + k) % NCM_IO_MAX_FILES;
        if (g_slot[i].state == SLOT_FREE) {
            snprintf(g_slot[i].path, sizeof g_slot[i].path, "%s", path);
            g_slot[i].state = state;
            g_next_slot = (i + 1) % NCM_IO_MAX_FILES;
            return i + 1;
        }
    }
    return 0;
}

void ncm_io_track(int on)
{
    sigset_t old;
    guard_enter(&old);
    g_track = on;
    if (!on) {
        for (int i = 0; i < NCM_IO_MAX_FILES; i++)
            g_slot[i].state = SLOT_FREE;
        g_n_keep = 0;
    }
    guard_leave(&old);
}

ncm_status ncm_io_keep(const char *path, ncm_error *err)
{
    char target[PATH_MAX];
    ncm_status s = ncm_io_target(path, target, sizeof target, err);
    if (s)
        return s;
    sigset_t old;
    guard_enter(&old);
    int i = 0;
    while (i < g_n_keep && strcmp(g_keep[i], target) != 0)
        i++;
    if (i == g_n_keep && g_n_keep < NCM_IO_MAX_KEEP)
        memcpy(g_keep[g_n_keep++], target, sizeof target);
    const int full = i == NCM_IO_MAX_KEEP;
    guard_leave(&old);
    if (full)
        return ncm_error_set(err, NCM_ERR_ARG, "%s: more than %d files to keep", path,
                             NCM_IO_MAX_KEEP);
    return NCM_OK;
}

void ncm_io_forget_outputs(void)
{
    sigset_t old;
    guard_enter(&old);
    for (int i = 0; i < NCM_IO_MAX_FILES; i++)
        if (g_slot[i].state == SLOT_OUTPUT)
            g_slot[i].state = SLOT_FREE;
    guard_leave(&old);
}

void ncm_io_remove_outputs(void)
{
    sigset_t old;
    guard_enter(&old);
    for (int i = 0; i < NCM_IO_MAX_FILES; i++)
        if (g_slot[i].state != SLOT_FREE) {
            unlink(g_slot[i].path);
            g_slot[i].state = SLOT_FREE;
        }
    guard_leave(&old);
}

void ncm_io_unlink_all_signal_safe(void)
{
    /* unlink() is async-signal-safe; errno is the caller's to save */
    for (int i = 0; i < NCM_IO_MAX_FILES; i++)
        if (g_slot[i].state != SLOT_FREE)
            unlink(g_slot[i].path);
}

/* f's temporary file is now its output `final` (guard held): recorded as an output of the run,
 * unless it is to be kept or already recorded (written twice). */
static void slot_commit(ncm_afile *f, const char *final)
{
    io_slot *s = &g_slot[f->slot - 1];
    f->slot = 0;
    s->state = SLOT_FREE;
    for (int i = 0; i < g_n_keep; i++)
        if (!strcmp(g_keep[i], final))
            return;
    for (int i = 0; i < NCM_IO_MAX_FILES; i++)
        if (g_slot[i].state == SLOT_OUTPUT && !strcmp(g_slot[i].path, final))
            return;
    snprintf(s->path, sizeof s->path, "%s", final);
    s->state = SLOT_OUTPUT;
}

/* ---- paths -------------------------------------------------------------------------------- */

/* Follows symbolic links from path into buf (at most 40, as the kernel does); a relative link
 * target is taken from the link's folder. 0, or -1 (a loop, a name too long, unreadable). */
static int follow_links(const char *path, char *buf, size_t n)
{
    if (strlen(path) >= n)
        return -1;
    snprintf(buf, n, "%s", path);
    for (int hops = 0; hops < 40; hops++) {
        struct stat st;
        if (lstat(buf, &st) != 0 || !S_ISLNK(st.st_mode))
            return 0;
        char link[PATH_MAX];
        const ssize_t k = readlink(buf, link, sizeof link - 1);
        if (k < 0)
            return -1;
        link[k] = '\0';
        const char *slash = strrchr(buf, '/');
        const size_t dl = link[0] == '/' || !slash ? 0 : (size_t)(slash - buf + 1);
        if (dl + (size_t)k >= n)
            return -1;
        memmove(buf + dl, link, (size_t)k + 1);
    }
    return -1;
}

ncm_status ncm_io_target(const char *path, char *buf, size_t n, ncm_error *err)
{
    char t[PATH_MAX], real[PATH_MAX];
    if (follow_links(path, t, sizeof t))
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot follow its symbolic links", path);
    if (realpath(t, real)) {
        if (strlen(real) >= n)
            return ncm_error_set(err, NCM_ERR_IO, "%s: name too long", path);
        memcpy(buf, real, strlen(real) + 1);
        return NCM_OK;
    }
    /* a new file: the real path of its folder, and its name */
    char dir[PATH_MAX];
    memcpy(dir, t, strlen(t) + 1);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? t + (slash - dir) + 1 : t;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (!realpath(dir, real))
        return ncm_error_set(err, NCM_ERR_IO, "%s: folder %s: %s", path, dir, strerror(errno));
    const char *sep = strcmp(real, "/") ? "/" : "";
    if ((size_t)snprintf(buf, n, "%s%s%s", real, sep, base) >= n)
        return ncm_error_set(err, NCM_ERR_IO, "%s: name too long", path);
    return NCM_OK;
}

/* ---- atomic files ------------------------------------------------------------------------- */

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
 * directly, never replaced by a regular file. named: the caller's writer opens it by name. */
static ncm_status open_direct(ncm_afile *f, const char *path, int named, ncm_error *err)
{
    f->direct = 1;
    if (named)
        return NCM_OK;
    f->fp = fopen(path, "wb");
    if (!f->fp) {
        int e = errno;
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return NCM_OK;
}

/* Creates the temporary file beside f->path with the mode of a new file, recorded in the run's
 * list when it is tracked (mkstemp and the record under one guard: a signal in between would
 * leave an unrecorded file). *fd: its descriptor; on failure f is aborted. */
static ncm_status create_temp(ncm_afile *f, int *fd_out, ncm_error *err)
{
    const size_t n = strlen(f->path) + 16;
    f->tmp_path = malloc(n);
    if (!f->tmp_path) {
        ncm_status s = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", f->path);
        ncm_afile_abort(f);
        return s;
    }
    snprintf(f->tmp_path, n, "%s.tmp.XXXXXX", f->path);
    sigset_t old;
    guard_enter(&old);
    int fd = mkstemp(f->tmp_path), e = errno, full = 0;
    if (fd >= 0 && g_track && !(f->slot = slot_take(f->tmp_path, SLOT_TEMP))) {
        close(fd);
        unlink(f->tmp_path);
        fd = -1;
        full = 1;
    }
    guard_leave(&old);
    if (fd < 0) {
        ncm_status s =
            full ? ncm_error_set(err, NCM_ERR_IO,
                                 "%s: cannot create: more than %d files written at once", f->path,
                                 NCM_IO_MAX_FILES)
                 : ncm_error_set(err, NCM_ERR_IO, "%s: cannot create: %s", f->path, strerror(e));
        free(f->tmp_path);
        f->tmp_path = NULL;
        ncm_afile_abort(f);
        return s;
    }
    /* mkstemp creates 0600; a result file gets the mode any new file would (0666 & ~umask). */
    if (fchmod(fd, 0666 & ~current_umask()) != 0) {
        ncm_status s =
            ncm_error_set(err, NCM_ERR_IO, "%s: cannot set its mode: %s", f->path, strerror(errno));
        close(fd);
        ncm_afile_abort(f);
        return s;
    }
    *fd_out = fd;
    return NCM_OK;
}

static ncm_status afile_open(ncm_afile *f, const char *path, int named, ncm_error *err)
{
    memset(f, 0, sizeof *f);
    struct stat st;
    char resolved[PATH_MAX];
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
        (realpath(path, resolved) || follow_links(path, resolved, sizeof resolved) == 0))
        path = resolved; /* the link's target (a dangling one created), in its own folder */
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
        return open_direct(f, path, named, err);
    }
    int fd = -1;
    ncm_status s = create_temp(f, &fd, err);
    if (s)
        return s;
    if (named) {
        close(fd);
        return NCM_OK;
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return NCM_OK;
}

ncm_status ncm_afile_open(ncm_afile *f, const char *path, ncm_error *err)
{
    return afile_open(f, path, 0, err);
}

ncm_status ncm_afile_open_named(ncm_afile *f, const char *path, ncm_error *err)
{
    return afile_open(f, path, 1, err);
}

const char *ncm_afile_name(const ncm_afile *f)
{
    return f->tmp_path ? f->tmp_path : f->path;
}

ncm_status ncm_afile_commit(ncm_afile *f, ncm_error *err)
{
    int bad = 0, e = 0;
    if (f->fp) {
        /* a device or FIFO cannot be synced (fsync fails with EINVAL on some): flushed only */
        bad = ferror(f->fp) || fflush(f->fp) != 0 || (!f->direct && fsync(fileno(f->fp)) != 0);
        e = bad && errno ? errno : EIO;
        if (fclose(f->fp) != 0 && !bad)
            bad = 1, e = errno;
        f->fp = NULL;
    } else if (!f->direct && f->tmp_path) { /* written by name: synced here */
        int fd = open(f->tmp_path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            bad = 1, e = errno;
        if (fd >= 0)
            close(fd);
    }
    if (!bad && !f->direct) {
        char final[PATH_MAX];
        if (ncm_io_target(f->path, final, sizeof final, NULL) != NCM_OK)
            snprintf(final, sizeof final, "%s", f->path);
        /* the rename and the record together: a signal sees the temporary file or the output */
        sigset_t old;
        guard_enter(&old);
        if (rename(f->tmp_path, f->path) != 0)
            bad = 1, e = errno;
        else if (f->slot)
            slot_commit(f, final);
        guard_leave(&old);
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
        unlink(f->tmp_path);
    if (f->slot) {
        sigset_t old;
        guard_enter(&old);
        g_slot[f->slot - 1].state = SLOT_FREE;
        guard_leave(&old);
    }
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

void ncm_io_take_back(const char *path)
{
    struct stat st;
    if (path && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
        remove(path);
}
