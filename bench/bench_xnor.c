/* Benchmark of the bit-packed binary products against OpenBLAS sgemm, side by side in one run.
 *
 * For fully connected shapes (1024x1024 and 4096x4096 weights, batch 1 and 256) and
 * convolution shapes (3x3, im2col rows), it reports binary multiply-accumulates per second per
 * core for every kernel this CPU has, OpenBLAS sgemm's float32 MACs per second per core on the
 * same shape and thread count, their ratio, binary MACs per cycle, and the fraction of each
 * kernel's nominal peak: AVX-512, one 512-bit XOR + VPOPCNTQ + add per 1.5 cycles per core,
 * 341.3 binary MACs a cycle (CPUs with full-width 512-bit units, AMD Zen 5, issue more than one
 * such triple a cycle, so the fraction can exceed 100 %); AVX2, the nibble-lookup popcount of a
 * 256-bit XOR (XOR, two shifts and masks, two PSHUFB, an add, and a PSADBW per 4 words: about
 * 8 operations at 3 a cycle), 96 binary MACs a cycle; portable, one 64-bit XOR + POPCNT + add a
 * cycle, 64. Float32 (sgemm): two FMAs of the widest vectors the CPU has, 32 MACs a cycle with
 * AVX-512, 16 with AVX2. The clock is measured with a chain of dependent one-cycle adds.
 * Then whole networks: images per second of the Fashion-MNIST MLP and CNN through the float
 * forward pass (sgemm), the folded reference and the packed engine.
 *
 * usage: bench_xnor [--threads N] [--quick]                                                   */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/config.h"
#include "cli/blas_fast_path.h"
#include "nanocim/bnn.h"
#include "nanocim/model.h"
#include "nanocim/packed.h"
#include "util/progress.h"
#include "nanocim/rng.h"
#include "nanocim/xnor.h"

/* Nominal peaks per core and cycle (see the top of the file). */
static double bin_peak(ncm_kernel k)
{
    return k == NCM_KERNEL_AVX512 ? 512.0 / 1.5 : k == NCM_KERNEL_AVX2 ? 96.0 : 64.0;
}
static double f32_peak(void)
{
    return ncm_kernel_supported(NCM_KERNEL_AVX512) ? 32.0 : 16.0;
}

static double min_seconds = 0.5;

/* Cycles per second: a chain of dependent integer adds, one cycle each (100 per loop turn so
 * the loop branch does not count). Run on a quiet machine: a busy core reads slow. */
static double measure_hz(void)
{
    double best = 0.0;
    for (int rep = 0; rep < 5; rep++) {
        long n = 4000000L, x = 0;
        double t = ncm_now();
        __asm__ volatile("1:\n\t.rept 100\n\tadd %2, %0\n\t.endr\n\tdec %1\n\tjnz 1b"
                         : "+r"(x), "+r"(n)
                         : "r"(1L));
        t = ncm_now() - t;
        double hz = 400000000.0 / t;
        best = hz > best ? hz : best;
    }
    return best;
}

typedef void (*bench_fn)(void *ctx);

/* Runs fn repeatedly for at least min_seconds; returns seconds per call. */
static double time_it(bench_fn fn, void *ctx)
{
    fn(ctx); /* warm caches and thread pools */
    long reps = 0;
    double t0 = ncm_now(), t;
    do {
        fn(ctx);
        reps++;
        t = ncm_now() - t0;
    } while (t < min_seconds);
    return t / (double)reps;
}

typedef struct {
    int m, n, k, threads;
    ncm_kernel kern;
    uint64_t *a;
    ncm_bmat w;
    int32_t *c;
    float *fa, *fw, *fc;
} gemm_ctx;

static void run_bin(void *p)
{
    gemm_ctx *g = p;
    ncm_xnor_gemm(g->kern, g->a, g->m, g->w.words, &g->w, g->c, g->w.n8, g->threads);
}

static void run_sgemm(void *p)
{
    gemm_ctx *g = p;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g->m, g->n, g->k, 1.0f, g->fa, g->k, g->fw,
                g->k, 0.0f, g->fc, g->n);
}

static void bench_shape(const char *label, int m, int n, int k, int threads, double hz)
{
    gemm_ctx g = {.m = m, .n = n, .k = k, .threads = threads};
    const int words = (k + 63) / 64;
    ncm_rng r;
    ncm_rng_init(&r, 1, 0);
    g.a = calloc((size_t)m * words, 8);
    uint64_t *rows = calloc((size_t)n * words, 8);
    for (int64_t i = 0; i < (int64_t)m * words; i++)
        g.a[i] = ncm_rng_u64(&r);
    for (int64_t i = 0; i < (int64_t)n * words; i++)
        rows[i] = ncm_rng_u64(&r);
    if (k % 64) /* bits past k are zero */
        for (int i = 0; i < m; i++)
            g.a[(int64_t)i * words + words - 1] &= (1ull << (k % 64)) - 1;
    ncm_bmat_pack(&g.w, rows, n, k, words, NULL);
    free(rows);
    g.c = malloc((size_t)m * g.w.n8 * sizeof(int32_t));
    g.fa = malloc((size_t)m * k * sizeof(float));
    g.fw = malloc((size_t)n * k * sizeof(float));
    g.fc = malloc((size_t)m * n * sizeof(float));
    for (int64_t i = 0; i < (int64_t)m * k; i++)
        g.fa[i] = (float)(ncm_rng_uniform(&r) - 0.5);
    for (int64_t i = 0; i < (int64_t)n * k; i++)
        g.fw[i] = (float)(ncm_rng_uniform(&r) - 0.5);
    const double macs = (double)m * n * k;
    ncm_set_threads(threads);
    const double ts = time_it(run_sgemm, &g);
    const double sg = macs / ts / threads;
    double best = 0.0;
    for (int kern = NCM_KERNEL_PORTABLE; kern <= NCM_KERNEL_AVX512; kern++) {
        if (!ncm_kernel_supported((ncm_kernel)kern))
            continue;
        g.kern = (ncm_kernel)kern;
        const double tb = time_it(run_bin, &g);
        const double bin = macs / tb / threads;
        best = bin > best ? bin : best;
        printf("%-24s %-9s %10.3g %7.0f %7.1f%%   %10.3g %6.1f%%   %7.1fx\n", label,
               ncm_kernel_name(g.kern), bin, bin / hz, 100.0 * bin / (bin_peak(g.kern) * hz), sg,
               100.0 * sg / (f32_peak() * hz), bin / sg);
    }
    fflush(stdout);
    free(g.a), free(g.c), free(g.fa), free(g.fw), free(g.fc);
    ncm_bmat_free(&g.w);
}

/* Whole networks on the Fashion-MNIST test set (or generated images without it). */
static void bench_network(const char *spec, const ncm_dataset *d, int threads)
{
    ncm_arch arch;
    ncm_error err;
    if (ncm_arch_parse(spec, d->c, d->h, d->w, 10, &arch, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    ncm_train_opts o;
    ncm_train_opts_default(&o);
    ncm_bnn *net = ncm_bnn_new(&arch, &o, 500, &err);
    ncm_model *m = net ? ncm_model_fold(net, NULL, &err) : NULL;
    ncm_packed *pk = m ? ncm_packed_new(m, NCM_KERNEL_AUTO, &err) : NULL;
    if (!pk) {
        fprintf(stderr, "%s\n", err.msg);
        ncm_model_free(m);
        ncm_bnn_free(net);
        return;
    }
    int32_t *pred = malloc((size_t)d->n * sizeof(int32_t));
    ncm_set_threads(threads);
    double t = ncm_now();
    ncm_bnn_predict(net, d, pred, NULL, &err);
    double t_float = ncm_now() - t;
    t = ncm_now();
    ncm_model_predict(m, d, pred, NULL, &err);
    double t_ref = ncm_now() - t;
    ncm_packed_predict(pk, d, pred, NULL, &err); /* warm */
    t = ncm_now();
    ncm_packed_predict(pk, d, pred, NULL, &err);
    double t_packed = ncm_now() - t;
    printf("%-28s %12.0f %12.0f %12.0f %9.1fx\n", spec, (double)d->n / t_float,
           (double)d->n / t_ref, (double)d->n / t_packed, t_float / t_packed);
    free(pred);
    ncm_packed_free(pk);
    ncm_model_free(m);
    ncm_bnn_free(net);
}

int main(int argc, char **argv)
{
    cli_blas_fast_path(argv);
    int threads = omp_get_max_threads(), quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else {
            fprintf(stderr, "usage: bench_xnor [--threads N] [--quick]\n");
            return 2;
        }
    }
    if (threads < 1)
        threads = 1;
    if (quick)
        min_seconds = 0.1;
    const double hz = measure_hz();
    const char *why;
    ncm_kernel_select(&why);
    printf("nanocim bench_xnor: %d threads, clock %.2f GHz (measured), OpenBLAS %s (%s)\n", threads,
           hz / 1e9, ncm_blas_kernel(), ncm_blas_origin());
    const ncm_kernel best_k = ncm_kernel_supported(NCM_KERNEL_AVX512) ? NCM_KERNEL_AVX512
                              : ncm_kernel_supported(NCM_KERNEL_AVX2)  ? NCM_KERNEL_AVX2
                                                                        : NCM_KERNEL_PORTABLE;
    printf("CPU: AVX-512 %s, AVX2 %s; peak per core of its best kernel (%s): %.3g binary MAC/s "
           "(%.1f a cycle), %.3g float32 MAC/s (%.0f a cycle)\n\n",
           ncm_kernel_supported(NCM_KERNEL_AVX512) ? "yes" : "no",
           ncm_kernel_supported(NCM_KERNEL_AVX2) ? "yes" : "no", ncm_kernel_name(best_k),
           bin_peak(best_k) * hz, bin_peak(best_k), f32_peak() * hz, f32_peak());
    printf("%-24s %-9s %10s %7s %8s   %10s %7s   %8s\n", "shape (m x n x k)", "kernel",
           "bin/core", "/cycle", "of peak", "sgemm/core", "of peak", "bin/sgemm");
    struct {
        const char *label;
        int m, n, k;
    } shapes[] = {
        {"fc 1024x1024 batch 1", 1, 1024, 1024},
        {"fc 1024x1024 batch 256", 256, 1024, 1024},
        {"fc 4096x4096 batch 1", 1, 4096, 4096},
        {"fc 4096x4096 batch 256", 256, 4096, 4096},
        {"conv 28x28 64->64 b4", 4 * 28 * 28, 64, 64 * 9},
        {"conv 14x14 128->128 b16", 16 * 14 * 14, 128, 128 * 9},
        {"conv 7x7 256->256 b64", 64 * 7 * 7, 256, 256 * 9},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        bench_shape(shapes[s].label, shapes[s].m, shapes[s].n, shapes[s].k, threads, hz);

    ncm_dataset *d = NULL;
    ncm_error err;
    if (!(d = ncm_dataset_load("fashion-mnist", 0, &err))) {
        printf("\n(Fashion-MNIST not installed: generated 28x28 images)\n");
        uint8_t *pixels = malloc(10000 * 784), *labels = calloc(10000, 1);
        if (!pixels || !labels)
            return 1;
        ncm_rng r;
        ncm_rng_init(&r, 2, 0);
        for (int i = 0; i < 10000 * 784; i++)
            pixels[i] = (uint8_t)ncm_rng_u32(&r);
        d = ncm_dataset_new(10000, 1, 28, 28, 10, pixels, labels, &err);
        free(pixels);
        free(labels);
        if (!d)
            return 1;
    }
    if (quick)
        ncm_dataset_truncate(d, 2000);
    printf("\nwhole network, images/s on %lld test images, %d threads:\n", (long long)d->n, threads);
    printf("%-28s %12s %12s %12s %10s\n", "network", "float sgemm", "folded ref", "packed",
           "packed/float");
    bench_network("mlp:1024,1024", d, threads);
    bench_network("cnn:32,32,p,64,64,p,f256", d, threads);
    ncm_dataset_free(d);
    return 0;
}
