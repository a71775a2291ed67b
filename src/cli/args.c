/* Strict command-line option parsing and error reporting for the nanocim front end. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nanocim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_error("option %s needs a value", name);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

int cli_flag(char **argv, int i, const char *name)
{
    return strcmp(argv[i], name) == 0;
}

int cli_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < lo || v > hi) {
        cli_error("%s %s: expected an integer in [%ld, %ld]", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v) || v < lo || v > hi) {
        cli_error("%s %s: expected a number in [%g, %g]", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_lib_error(const ncm_error *err, const cli_field *map)
{
    const char *msg = err->msg;
    for (const cli_field *f = map; f && f->field; f++) {
        size_t n = strlen(f->field);
        if (strncmp(msg, f->field, n) == 0 && (msg[n] == ' ' || msg[n] == ':' || msg[n] == '[')) {
            cli_error("%s%s", f->option, msg + n);
            return err->code == NCM_ERR_ARG ? CLI_USAGE : CLI_FAIL;
        }
    }
    cli_error("%s", msg);
    return err->code == NCM_ERR_ARG ? CLI_USAGE : CLI_FAIL;
}

int cli_unknown(const char *cmd, const char *arg)
{
    if (arg[0] == '-')
        cli_error("%s: unknown option %s (see nanocim %s --help)", cmd, arg, cmd);
    else
        cli_error("%s: unexpected argument %s (see nanocim %s --help)", cmd, arg, cmd);
    return CLI_USAGE;
}

int cli_range(const char *opt, const char *s, double lo, double hi, double **vals, int *n)
{
    *vals = NULL;
    *n = 0;
    char *copy = strdup(s);
    if (!copy)
        return -1;
    double a, b, step;
    int geometric = 0;
    char *c1 = strchr(copy, ':');
    int ok = 1;
    if (c1) { /* START:STOP:STEP or START:STOP:xFACTOR */
        char *c2 = strchr(c1 + 1, ':');
        *c1 = '\0';
        if (!c2) {
            ok = 0;
        } else {
            *c2 = '\0';
            char *e1, *e2, *e3;
            const char *st = c2 + 1;
            geometric = *st == 'x';
            a = strtod(copy, &e1);
            b = strtod(c1 + 1, &e2);
            step = strtod(st + geometric, &e3);
            ok = e1 != copy && !*e1 && e2 != c1 + 1 && !*e2 && e3 != st + geometric && !*e3 &&
                 isfinite(a) && isfinite(b) && isfinite(step) &&
                 (geometric ? step > 1.0 && a > 0 : step > 0.0);
        }
        if (ok && b < a) {
            cli_error("%s %s: empty range (stop below start)", opt, s);
            free(copy);
            return -1;
        }
        if (ok) {
            /* The count first (with a relative slack for rounding in STOP - START), so a range
             * too long is refused rather than cut, and negative ends keep their last point. */
            const double span = geometric ? log(b / a) / log(step) : (b - a) / step;
            const double count = floor(span + 1e-9 * fmax(1.0, fabs(span))) + 1.0;
            const int cap = 100000; /* more points than any sweep needs */
            if (!(count <= cap)) {
                cli_error("%s %s: %.3g values, more than the %d a range may hold", opt, s, count,
                          cap);
                free(copy);
                return -1;
            }
            *vals = malloc(sizeof(double) * (size_t)count);
            for (int i = 0; *vals && i < (int)count; i++)
                (*vals)[(*n)++] = geometric ? a * pow(step, i) : a + step * i;
        }
    } else { /* a list: V1,V2,... */
        int cap = 1;
        for (const char *q = copy; *q; q++)
            cap += *q == ',';
        *vals = malloc(sizeof(double) * (size_t)cap);
        char *save = NULL;
        for (char *tok = copy; ok && *vals && tok; tok = save) {
            save = strchr(tok, ',');
            if (save)
                *save++ = '\0';
            char *end;
            double v = strtod(tok, &end);
            if (end == tok || *end || !isfinite(v))
                ok = 0;
            else
                (*vals)[(*n)++] = v;
        }
    }
    free(copy);
    if (!ok || !*vals || *n == 0) {
        cli_error(
            "%s %s: expected a value, a list V1,V2,..., START:STOP:STEP or START:STOP:xFACTOR", opt,
            s);
        free(*vals);
        *vals = NULL;
        return -1;
    }
    for (int i = 0; i < *n; i++)
        if ((*vals)[i] < lo || (*vals)[i] > hi) {
            cli_error("%s %s: value %g outside [%g, %g]", opt, s, (*vals)[i], lo, hi);
            free(*vals);
            *vals = NULL;
            return -1;
        }
    return 0;
}

/* An output can be written (checked before the long run, on the rank that writes, so a bad path
 * fails at once and leaves nothing behind): not a folder; an existing device must open for
 * writing (the writers write to it directly); a figure must be a regular file or new (it is
 * written beside and renamed over); a new file needs a writable folder. */
int cli_check_output(const char *opt, const char *path, int figure)
{
    if (!path)
        return 0;
    struct stat st;
    char resolved[PATH_MAX];
    const char *target = path;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, resolved))
        target = resolved; /* written through the link: beside its target */
    if (stat(target, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            cli_error("%s %s: is a folder", opt, path);
            return CLI_FAIL;
        }
        if (!S_ISREG(st.st_mode)) {
            if (figure) {
                cli_error("%s %s: not a regular file (a figure is written to a temporary file "
                          "and renamed over it)",
                          opt, path);
                return CLI_FAIL;
            }
            if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                int fd = open(target, O_WRONLY | O_NONBLOCK | O_NOCTTY);
                if (fd < 0) {
                    cli_error("%s %s: cannot write to this device (%s)", opt, path,
                              strerror(errno));
                    return CLI_FAIL;
                }
                close(fd);
            } else if (access(target, W_OK) != 0) { /* a FIFO or socket: not opened here */
                cli_error("%s %s: cannot write (%s)", opt, path, strerror(errno));
                return CLI_FAIL;
            }
            return 0;
        }
    }
    char *copy = strdup(target);
    if (!copy) {
        cli_error("%s %s: out of memory", opt, path);
        return CLI_FAIL;
    }
    const char *dir = dirname(copy);
    const int ok = access(dir, W_OK | X_OK) == 0;
    const int e = errno;
    if (!ok)
        cli_error("%s %s: cannot write in folder %s (%s)", opt, path, dir, strerror(e));
    free(copy);
    return ok ? 0 : CLI_FAIL;
}
