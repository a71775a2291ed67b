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
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/cli.h"
#include "nanocim/dataset.h"
#include "util/io.h"

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

int cli_threads(const char *opt, const char *s, int note, long *out)
{
    if (cli_long(opt, s, 1, INT_MAX, out))
        return -1;
#ifdef _OPENMP
    const long procs = omp_get_num_procs();
#else
    const long procs = sysconf(_SC_NPROCESSORS_ONLN);
#endif
    if (procs >= 1 && *out > procs) {
        if (note)
            cli_error("%s %s: capped to %ld, the machine's processors", opt, s, procs);
        *out = procs;
    }
    return 0;
}

int cli_lib_error(const ncm_error *err, const cli_field *map)
{
    const char *msg = err->msg;
    for (const cli_field *f = map; f && f->field; f++) {
        size_t n = strlen(f->field);
        if (strncmp(msg, f->field, n) == 0 && (msg[n] == ' ' || msg[n] == ':' || msg[n] == '[')) {
            /* "field = value: ..." is printed as the option and the value */
            cli_error("%s%s", f->option, msg + n + (strncmp(msg + n, " = ", 3) ? 0 : 2));
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
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
        ncm_io_target(path, resolved, sizeof resolved, NULL) == NCM_OK)
        target = resolved; /* written through the link (a dangling one too): beside its target */
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

/* What cli_check_paths compares: the file itself when it exists (device and inode: hard links
 * and symbolic links find it), else the absolute name it would get. */
typedef struct {
    int exists, special; /* special: there, and not a regular file (a device, a FIFO) */
    dev_t dev;
    ino_t ino;
    char name[PATH_MAX];
} file_id;

static void identify(const char *path, file_id *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if (stat(path, &st) == 0) {
        id->exists = 1;
        id->special = !S_ISREG(st.st_mode);
        id->dev = st.st_dev;
        id->ino = st.st_ino;
    }
    if (ncm_io_target(path, id->name, sizeof id->name, NULL) != NCM_OK) { /* as given */
        const size_t n = strnlen(path, sizeof id->name - 1);
        memcpy(id->name, path, n);
        id->name[n] = '\0';
    }
}

static int same_file(const file_id *a, const file_id *b)
{
    if (a->exists || b->exists)
        return a->exists && b->exists && a->dev == b->dev && a->ino == b->ino;
    return !strcmp(a->name, b->name);
}

/* The files a dataset loader reads in a folder (src/data/dataset.c): IDX sets, CIFAR-10 batches. */
static const char *const DATA_FILES[] = {"train-images-idx3-ubyte",
                                         "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte",
                                         "t10k-labels-idx1-ubyte",
                                         "train-images-idx3-ubyte.gz",
                                         "train-labels-idx1-ubyte.gz",
                                         "t10k-images-idx3-ubyte.gz",
                                         "t10k-labels-idx1-ubyte.gz",
                                         "data_batch_1.bin",
                                         "data_batch_2.bin",
                                         "data_batch_3.bin",
                                         "data_batch_4.bin",
                                         "data_batch_5.bin",
                                         "test_batch.bin",
                                         NULL};

/* Whether output `o` is input `in` (for a folder: one of the dataset files in it, whose name
 * goes to hit). */
static int output_is_input(const file_id *o, const char *in, char *hit, size_t n)
{
    struct stat st;
    if (!strcmp(in, "fashion-mnist") && stat(in, &st) != 0) { /* the dataset, not a file */
        const char *dir = getenv("NCM_FASHION_MNIST_DIR");
        in = dir ? dir : NCM_FASHION_MNIST_DIR;
    }
    snprintf(hit, n, "%s", in);
    if (stat(in, &st) == 0 && S_ISDIR(st.st_mode)) {
        for (int k = 0; DATA_FILES[k]; k++) {
            file_id f;
            snprintf(hit, n, "%s/%s", in, DATA_FILES[k]);
            identify(hit, &f);
            if (f.exists && same_file(o, &f))
                return 1;
        }
        return 0;
    }
    file_id f;
    identify(in, &f);
    return !f.special && same_file(o, &f);
}

int cli_check_paths(const cli_path *inputs, int n_inputs, const cli_path *outputs, int n_outputs)
{
    for (int j = 0; j < n_outputs; j++) {
        if (!outputs[j].path)
            continue;
        file_id o;
        identify(outputs[j].path, &o);
        if (o.special) /* written through: /dev/null may take several outputs and be an input */
            continue;
        char hit[PATH_MAX + 64];
        for (int i = 0; i < n_inputs; i++)
            if (inputs[i].path && output_is_input(&o, inputs[i].path, hit, sizeof hit)) {
                cli_error("%s %s: is the same file as the input %s %s", outputs[j].option,
                          outputs[j].path, inputs[i].option, hit);
                return CLI_USAGE;
            }
        for (int k = 0; k < j; k++) {
            file_id p;
            if (!outputs[k].path)
                continue;
            identify(outputs[k].path, &p);
            if (same_file(&o, &p)) {
                cli_error("%s %s: is the same file as %s %s", outputs[j].option, outputs[j].path,
                          outputs[k].option, outputs[k].path);
                return CLI_USAGE;
            }
        }
    }
    return 0;
}

int cli_stdout_check(void)
{
    static int reported; /* one message per run, however many times it is asked */
    errno = 0;
    int bad = fflush(stdout) != 0, e = errno;
    if (!bad && ferror(stdout)) {
        /* an earlier write failed and its errno is gone: an empty write asks the file again
         * (a full device answers ENOSPC) */
        bad = 1;
        e = write(STDOUT_FILENO, "", 0) < 0 ? errno : EIO;
    }
    if (!bad)
        return 0;
    if (!reported)
        cli_error("standard output: write error: %s", strerror(e ? e : EIO));
    reported = 1;
    return CLI_FAIL;
}
