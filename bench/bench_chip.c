/* Benchmark of the in-memory-computing chip simulator (include/nanocim/chip.h), side by side in
 * one run; bench/chip.sh runs it next to the PyTorch-style baseline (bench/chip_torch.py).
 *
 * On the test split of a dataset (Fashion-MNIST by default: 10,000 images) and a folded model:
 *   1. error-free packed inference: ncm_packed_new (engine set-up, timed on its own) and
 *      ncm_packed_predict, images/s, best of --reps;
 *   2. fault-injected Monte Carlo: ncm_chip_mc in fault mode (NCM_CHIP_FAULTS) at weight bit
 *      error rate --ber over --chips chips, chip programming included: images/s = chips * images
 *      / wall seconds of the whole call, best of --reps; its ratio to (1), whose acceptance floor
 *      is 0.5x (a faulty chip may cost at most twice an error-free pass);
 *   4. with --scale N: the device-physics Monte Carlo (NCM_CHIP_DEVICES, the default mapping:
 *      32 x 32 arrays of 2T2R cells, the default technology at its reference condition, age 0),
 *      N chips (default 1000) on the whole split, once: seconds, chips/s, images/s, devices
 *      programmed per second (devices per chip: ncm_chip_map_model's total.devices), the mean
 *      accuracy and the measured bit error rate. Acceptance target: 1000 chips of the
 *      784-1024-1024-10 MLP in under 5 minutes on 2 cores.
 * (Measurement 3, PyTorch, is bench/chip_torch.py: it reads the JSON written here with --json,
 * checks that its fault-free forward pass predicts what the packed engine predicted on every
 * image, and prints the ratio of (2) to its own images/s.)
 *
 * The binary kernel is the library's choice (the best the CPU has, or NCM_KERNEL=avx2 etc.);
 * this program never forces one. Results of the Monte Carlo do not depend on --threads.
 *
 * usage: bench_chip MODEL [--chips N] [--ber P] [--threads T] [--reps R] [--scale [N]]
 *                         [--data SPEC] [--limit N] [--seed S] [--json OUT] [--npz OUT]
 *   MODEL       a nanocim model (.ncm) or .npz archive
 *   --chips N   chips of the fault Monte Carlo (default 20)
 *   --ber P     their weight bit error rate (default 1e-3)
 *   --threads T threads (default: the OpenMP setting, normally every CPU)
 *   --reps R    timed repetitions of (1) and (2), the fastest reported (default 3)
 *   --scale [N] also the device-physics Monte Carlo over N chips (default 1000)
 *   --data SPEC dataset whose test split is used (default fashion-mnist, as `nanocim eval`)
 *   --limit N   first N test images only (short checks)
 *   --seed S    Monte Carlo seed (default 1)
 *   --json OUT  results, the error-free predictions and the per-chip accuracies (for
 *               chip_torch.py)
 *   --npz OUT   the model as an .npz archive (ncm_model_save_npz; for chip_torch.py)      */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/bnn.h"
#include "nanocim/chip.h"
#include "nanocim/config.h"
#include "nanocim/dataset.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"
#include "nanocim/packed.h"
#include "nanocim/xnor.h"
#include "util/progress.h" /* ncm_now: the monotonic clock */

static const char *USAGE =
    "usage: bench_chip MODEL [--chips N] [--ber P] [--threads T] [--reps R] [--scale [N]]\n"
    "                        [--data SPEC] [--limit N] [--seed S] [--json OUT] [--npz OUT]\n";

/* ---- the machine ---------------------------------------------------------------------------- */

typedef struct {
    char model[256];
    int avx2, avx512f, avx512_vpopcntdq; /* from the flags of /proc/cpuinfo */
    char loadavg[64];
} machine;

static int has_flag(const char *flags, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = flags; (p = strstr(p, name)) != NULL; p += n)
        if ((p == flags || isspace((unsigned char)p[-1])) &&
            (p[n] == '\0' || isspace((unsigned char)p[n])))
            return 1;
    return 0;
}

static void read_loadavg(char *buf, size_t n)
{
    snprintf(buf, n, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    double a[3];
    if (fscanf(f, "%lf %lf %lf", &a[0], &a[1], &a[2]) == 3)
        snprintf(buf, n, "%.2f %.2f %.2f", a[0], a[1], a[2]);
    fclose(f);
}

static void read_machine(machine *mc)
{
    memset(mc, 0, sizeof *mc);
    snprintf(mc->model, sizeof mc->model, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        static char line[1 << 14];
        int got_model = 0, got_flags = 0;
        while ((!got_model || !got_flags) && fgets(line, sizeof line, f)) {
            char *colon = strchr(line, ':');
            if (!colon)
                continue;
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            v[strcspn(v, "\n")] = '\0';
            if (!got_model && !strncmp(line, "model name", 10)) {
                snprintf(mc->model, sizeof mc->model, "%s", v);
                got_model = 1;
            } else if (!got_flags && !strncmp(line, "flags", 5)) {
                mc->avx2 = has_flag(v, "avx2");
                mc->avx512f = has_flag(v, "avx512f");
                mc->avx512_vpopcntdq = has_flag(v, "avx512_vpopcntdq");
                got_flags = 1;
            }
        }
        fclose(f);
    }
    read_loadavg(mc->loadavg, sizeof mc->loadavg);
}

/* ---- progress of the long device Monte Carlo (stderr, at most once a second) --------------- */

typedef struct {
    double t0, last;
} progress_state;

static int report_progress(void *user, const char *task, int64_t done, int64_t total)
{
    progress_state *s = user;
    double t = ncm_now();
    if (t - s->last < 1.0 && done < total)
        return 0;
    s->last = t;
    double el = t - s->t0;
    fprintf(stderr, "\r  %s %lld / %lld, %.0f s elapsed, about %.0f s left   ", task,
            (long long)done, (long long)total, el,
            done > 0 ? el * (double)(total - done) / (double)done : 0.0);
    if (done >= total)
        fputc('\n', stderr);
    return 0;
}

/* ---- options -------------------------------------------------------------------------------- */

typedef struct {
    const char *model, *data, *json, *npz;
    long chips, threads, reps, scale, limit, seed;
    double ber;
} options;

static int parse_long(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        fprintf(stderr, "bench_chip: %s %s: expected an integer in [%ld, %ld]\n", opt, v, lo, hi);
        return 1;
    }
    *out = x;
    return 0;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* 0 on success, 2 on bad usage. */
static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){.data = "fashion-mnist", .chips = 20, .reps = 3, .seed = 1, .ber = 1e-3};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int has_v = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            exit(0);
        } else if (!strcmp(a, "--chips") && has_v) {
            if (parse_long(a, argv[++i], 1, 100000000L, &o->chips))
                return 2;
        } else if (!strcmp(a, "--threads") && has_v) {
            if (parse_long(a, argv[++i], 1, 1024, &o->threads))
                return 2;
        } else if (!strcmp(a, "--reps") && has_v) {
            if (parse_long(a, argv[++i], 1, 1000, &o->reps))
                return 2;
        } else if (!strcmp(a, "--limit") && has_v) {
            if (parse_long(a, argv[++i], 1, 1L << 40, &o->limit))
                return 2;
        } else if (!strcmp(a, "--seed") && has_v) {
            if (parse_long(a, argv[++i], 0, 2147483647L, &o->seed))
                return 2;
        } else if (!strcmp(a, "--scale")) {
            o->scale = 1000;
            if (has_v && all_digits(argv[i + 1]) &&
                parse_long(a, argv[++i], 1, 100000000L, &o->scale))
                return 2;
        } else if (!strcmp(a, "--ber") && has_v) {
            char *end;
            const char *v = argv[++i];
            o->ber = strtod(v, &end);
            if (!*v || *end || !(o->ber >= 0.0 && o->ber <= 1.0)) {
                fprintf(stderr, "bench_chip: --ber %s: expected a probability in [0, 1]\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--data") && has_v) {
            o->data = argv[++i];
        } else if (!strcmp(a, "--json") && has_v) {
            o->json = argv[++i];
        } else if (!strcmp(a, "--npz") && has_v) {
            o->npz = argv[++i];
        } else if (a[0] != '-' && !o->model) {
            o->model = a;
        } else {
            fprintf(stderr, "bench_chip: unknown or incomplete option '%s'\n%s", a, USAGE);
            return 2;
        }
    }
    if (!o->model) {
        fputs(USAGE, stderr);
        return 2;
    }
    return 0;
}

/* ---- the measurements ----------------------------------------------------------------------- */

typedef struct {
    double setup_s, predict_s, images_per_s, accuracy;
    const char *kernel;
    int32_t *pred;
} packed_run;

typedef struct {
    ncm_chip_mc_result *res; /* of the first repetition (all give the same results) */
    double seconds;          /* best wall time of the whole ncm_chip_mc call */
    double images_per_s;
} mc_run;

static double accuracy_of(const ncm_dataset *d, const int32_t *pred)
{
    int64_t ok = 0;
    for (int64_t i = 0; i < d->n; i++)
        ok += pred[i] == d->labels[i];
    return d->n ? (double)ok / (double)d->n : 0.0;
}

/* (1): best of reps for the engine's set-up and, separately, for inference. */
static int run_packed(const ncm_model *m, const ncm_dataset *d, int reps, packed_run *out,
                      ncm_error *err)
{
    memset(out, 0, sizeof *out);
    out->setup_s = out->predict_s = INFINITY;
    if (!(out->pred = malloc((size_t)d->n * sizeof *out->pred))) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return 1;
    }
    ncm_packed *pk = NULL;
    for (int r = 0; r < reps; r++) {
        ncm_packed_free(pk);
        double t0 = ncm_now();
        if (!(pk = ncm_packed_new(m, NCM_KERNEL_AUTO, err)))
            return 1;
        out->setup_s = fmin(out->setup_s, ncm_now() - t0);
    }
    /* One untimed pass first: the thread pool starts and the pages are touched. */
    ncm_status s = ncm_packed_predict(pk, d, out->pred, NULL, err);
    for (int r = 0; r < reps && !s; r++) {
        double t0 = ncm_now();
        s = ncm_packed_predict(pk, d, out->pred, NULL, err);
        out->predict_s = fmin(out->predict_s, ncm_now() - t0);
    }
    out->kernel = ncm_kernel_name(ncm_packed_kernel(pk));
    ncm_packed_free(pk);
    if (s)
        return 1;
    out->images_per_s = (double)d->n / out->predict_s;
    out->accuracy = accuracy_of(d, out->pred);
    return 0;
}

/* (2) and (4): best of reps wall times of the whole call. */
static int run_mc(const ncm_model *m, const ncm_dataset *d, const ncm_chip_mc_params *p, int reps,
                  const ncm_progress *progress, mc_run *out, ncm_error *err)
{
    memset(out, 0, sizeof *out);
    out->seconds = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = ncm_now();
        ncm_chip_mc_result *res = ncm_chip_mc(m, d, p, progress, err);
        double t = ncm_now() - t0;
        if (!res)
            return 1;
        out->seconds = fmin(out->seconds, t);
        if (!out->res)
            out->res = res;
        else
            ncm_chip_mc_result_free(res);
    }
    out->images_per_s = (double)p->n_chips * (double)d->n / out->seconds;
    return 0;
}

/* ---- output --------------------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_mc(FILE *f, const char *name, const mc_run *r, const ncm_chip_map *map,
                    double ratio)
{
    const ncm_chip_mc_result *x = r->res;
    fprintf(f,
            "  \"%s\": {\"chips\": %d, \"images\": %lld, \"seed\": %llu, \"threads\": %d, "
            "\"kernel\": ",
            name, x->n_chips, (long long)x->n_images, (unsigned long long)x->seed, x->threads);
    json_str(f, x->kernel ? x->kernel : "?");
    fprintf(f,
            ", \"seconds\": %.6g, \"library_seconds\": %.6g, \"images_per_s\": %.6g, "
            "\"chips_per_s\": %.6g, \"mean_accuracy\": %.6g, \"sd_accuracy\": %.6g, "
            "\"ber_measured\": %.6g",
            r->seconds, x->seconds, r->images_per_s, x->n_chips / r->seconds, x->mean, x->sd,
            x->ber_total);
    if (map)
        fprintf(f, ", \"devices_per_chip\": %lld, \"devices_per_s\": %.6g",
                (long long)map->total.devices,
                (double)map->total.devices * x->n_chips / r->seconds);
    if (ratio > 0)
        fprintf(f, ", \"ratio_to_packed\": %.6g", ratio);
    fprintf(f, ", \"accuracy\": [");
    for (int c = 0; c < x->n_chips; c++)
        fprintf(f, "%s%.6g", c ? ", " : "", x->accuracy[c]);
    fprintf(f, "]},\n");
}

static int write_json(const char *path, const options *o, const machine *mc, const char *arch,
                      const ncm_model *m, const ncm_dataset *d, int threads, const packed_run *pk,
                      const mc_run *faults, double ratio, const mc_run *scale,
                      const ncm_chip_map *map)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_chip: cannot write %s\n", path);
        return 1;
    }
    fprintf(f, "{\n  \"benchmark\": \"nanocim chip\",\n  \"producer\": ");
    json_str(f, "nanocim bench_chip");
    fprintf(f, ",\n  \"version\": ");
    json_str(f, ncm_version());
    fprintf(f, ",\n  \"cpu\": ");
    json_str(f, mc->model);
    fprintf(f, ",\n  \"avx2\": %d,\n  \"avx512f\": %d,\n  \"model\": ", mc->avx2, mc->avx512f);
    json_str(f, o->model);
    fprintf(f, ",\n  \"arch\": ");
    json_str(f, arch);
    fprintf(f, ",\n  \"input_shape\": [%d, %d, %d],\n  \"n_classes\": %d,\n  \"n_layers\": %d,\n",
            m->arch.in_c, m->arch.in_h, m->arch.in_w, m->arch.n_classes, m->n_layers);
    fprintf(f, "  \"data\": ");
    json_str(f, o->data);
    fprintf(f, ",\n  \"n_images\": %lld,\n  \"threads\": %d,\n  \"reps\": %ld,\n", (long long)d->n,
            threads, o->reps);
    fprintf(f, "  \"packed\": {\"kernel\": ");
    json_str(f, pk->kernel);
    fprintf(f,
            ", \"setup_s\": %.6g, \"predict_s\": %.6g, \"images_per_s\": %.6g, "
            "\"accuracy\": %.6g},\n",
            pk->setup_s, pk->predict_s, pk->images_per_s, pk->accuracy);
    fprintf(f, "  \"ber\": %.17g,\n", o->ber);
    json_mc(f, "faults", faults, NULL, ratio);
    if (scale->res)
        json_mc(f, "devices", scale, map, 0.0);
    fprintf(f, "  \"predictions\": [");
    for (int64_t i = 0; i < d->n; i++)
        fprintf(f, "%s%d", i ? (i % 40 ? "," : ",\n   ") : "", (int)pk->pred[i]);
    fprintf(f, "]\n}\n");
    if (fclose(f)) {
        fprintf(stderr, "bench_chip: error writing %s\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    if (o.threads)
        ncm_set_threads((int)o.threads); /* for the packed engine, which takes no thread count */
    const int threads = ncm_threads();

    machine mc;
    read_machine(&mc);
    const char *why = NULL;
    const ncm_kernel best = ncm_kernel_select(&why);
    const char *env_kernel = getenv("NCM_KERNEL");
    printf("CPU: %s; AVX-512 %s (VPOPCNTDQ %s), AVX2 %s\n", mc.model, mc.avx512f ? "yes" : "no",
           mc.avx512_vpopcntdq ? "yes" : "no", mc.avx2 ? "yes" : "no");
    printf("nanocim %s: binary kernel %s (%s%s%s%s), %d threads, load average %s\n", ncm_version(),
           ncm_kernel_name(best), env_kernel ? "NCM_KERNEL=" : "the best this CPU has",
           env_kernel ? env_kernel : "", why ? "; fell back: " : "", why ? why : "", threads,
           mc.loadavg);

    ncm_error err = {0};
    ncm_model *m = NULL;
    ncm_dataset *d = NULL;
    packed_run pk = {0};
    mc_run faults = {0}, scale = {0};
    rc = 1;
    if (!(m = ncm_model_load_any(o.model, &err)) || !(d = ncm_dataset_load(o.data, 0, &err))) {
        fprintf(stderr, "bench_chip: %s\n", err.msg);
        goto out;
    }
    if (o.limit)
        ncm_dataset_truncate(d, o.limit);
    char arch[512];
    ncm_arch_format(&m->arch, arch, sizeof arch);
    printf("model %s: %s on %dx%dx%d inputs, %d classes; data %s: %lld test images\n\n", o.model,
           arch, m->arch.in_c, m->arch.in_h, m->arch.in_w, m->arch.n_classes, o.data,
           (long long)d->n);
    if (o.npz && ncm_model_save_npz(m, o.npz, &err)) {
        fprintf(stderr, "bench_chip: %s\n", err.msg);
        goto out;
    }

    /* (1) error-free packed inference */
    if (run_packed(m, d, (int)o.reps, &pk, &err)) {
        fprintf(stderr, "bench_chip: packed engine: %s\n", err.msg);
        goto out;
    }

    /* (2) fault-injection Monte Carlo */
    ncm_chip_mc_params p;
    ncm_chip_mc_default(&p);
    p.chip.mode = NCM_CHIP_FAULTS;
    p.chip.faults.ber = o.ber;
    p.n_chips = (int)o.chips;
    p.seed = (uint64_t)o.seed;
    p.kernel = NCM_KERNEL_AUTO;
    p.threads = threads;
    if (run_mc(m, d, &p, (int)o.reps, NULL, &faults, &err)) {
        fprintf(stderr, "bench_chip: fault Monte Carlo: %s\n", err.msg);
        goto out;
    }
    const double ratio = faults.images_per_s / pk.images_per_s;

    printf("%-44s %10s %14s   %s\n", "measurement", "seconds", "images/s", "notes");
    printf("%-44s %10.4f %14s   best of %ld, %s kernel\n", "1. error-free packed: engine set-up",
           pk.setup_s, "-", o.reps, pk.kernel);
    printf("%-44s %10.4f %14.0f   best of %ld, accuracy %.4f\n", "1. error-free packed: inference",
           pk.predict_s, pk.images_per_s, o.reps, pk.accuracy);
    char label[128];
    snprintf(label, sizeof label, "2. fault MC, ber %g, %ld chips (with set-up)", o.ber, o.chips);
    printf("%-44s %10.4f %14.0f   best of %ld; accuracy %.4f +- %.4f (sd), measured ber %.3g; "
           "%.2f chips/s\n",
           label, faults.seconds, faults.images_per_s, o.reps, faults.res->mean, faults.res->sd,
           faults.res->ber_total, (double)o.chips / faults.seconds);
    printf("\nratio fault MC / error-free packed: %.3fx (acceptance floor >= 0.5x: %s)\n", ratio,
           ratio >= 0.5 ? "met" : "NOT met");

    /* (4) device-physics Monte Carlo at scale */
    ncm_chip_map map = {0};
    if (o.scale) {
        ncm_chip_mc_params q;
        ncm_chip_mc_default(&q);
        q.chip.mode = NCM_CHIP_DEVICES; /* default mapping, technology and condition */
        q.n_chips = (int)o.scale;
        q.seed = (uint64_t)o.seed;
        q.kernel = NCM_KERNEL_AUTO;
        q.threads = threads;
        if (ncm_chip_map_model(m, &q.chip, &map, &err)) {
            fprintf(stderr, "bench_chip: chip map: %s\n", err.msg);
            goto out;
        }
        char storage[64];
        ncm_storage_name(&q.chip.storage, storage, sizeof storage);
        printf("\n4. device-physics Monte Carlo: %ld chips x %lld images, %dx%d arrays of %s, "
               "%lld arrays, %lld devices per chip\n",
               o.scale, (long long)d->n, q.chip.rows, q.chip.cols, storage,
               (long long)map.total.arrays, (long long)map.total.devices);
        fflush(stdout); /* before the progress lines on stderr */
        progress_state ps = {.t0 = ncm_now(), .last = ncm_now()};
        ncm_progress prog = {.fn = report_progress, .user = &ps};
        if (run_mc(m, d, &q, 1, &prog, &scale, &err)) {
            fprintf(stderr, "bench_chip: device Monte Carlo: %s\n", err.msg);
            goto out;
        }
        const ncm_chip_mc_result *x = scale.res;
        const double cps = (double)o.scale / scale.seconds;
        printf("%-44s %10.2f %14.0f   %.2f chips/s, %.4g devices programmed/s\n",
               "4. device MC (programming and inference)", scale.seconds, scale.images_per_s, cps,
               (double)map.total.devices * cps);
        printf("   accuracy %.4f +- %.4f (sd), 95%% interval of the mean [%.4f, %.4f], min %.4f, "
               "max %.4f; measured ber %.4g (per layer:",
               x->mean, x->sd, x->ci_lo, x->ci_hi, x->min, x->max, x->ber_total);
        for (int l = 0; l < x->n_layers; l++)
            printf(" %.3g", x->ber_measured[l]);
        printf(")\n");
        const int is_mlp = !strcmp(arch, "mlp:1024,1024") &&
                           m->arch.in_c * m->arch.in_h * m->arch.in_w == 784 &&
                           m->arch.n_classes == 10;
        const int full = d->n == 10000;
        printf("   1000 chips of %lld images would take %.1f s at this rate (target: 1000 chips of "
               "the 784-1024-1024-10 MLP on the 10,000 test images in < 300 s on 2 cores%s%s)\n",
               (long long)d->n, 1000.0 / cps,
               !is_mlp ? "; this is another model"
               : !full ? "; this is another image count"
                       : "",
               is_mlp && full ? (1000.0 / cps < 300.0 ? ": met" : ": NOT met") : "");
    }

    read_loadavg(mc.loadavg, sizeof mc.loadavg);
    printf("\nload average now %s\n", mc.loadavg);
    if (o.json &&
        write_json(o.json, &o, &mc, arch, m, d, threads, &pk, &faults, ratio, &scale, &map))
        goto out;
    rc = 0;
out:
    ncm_chip_mc_result_free(scale.res);
    ncm_chip_mc_result_free(faults.res);
    free(pk.pred);
    ncm_dataset_free(d);
    ncm_model_free(m);
    return rc;
}
