/* `nanocim model`: NumPy interchange of folded models (export to .npz, import from .npz) and a
 * summary of a model file's layers. The file formats live in the library (nanocim/npz.h,
 * nanocim/model.h); this file only parses, calls and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"

static const char *USAGE =
    "usage: nanocim model COMMAND ...\n"
    "  export MODEL -o OUT.npz   write a model's +-1 weights, thresholds and class-layer affine\n"
    "                            map as a NumPy .npz archive (numpy.load reads it)\n"
    "  import IN.npz -o OUT.ncm  check an .npz in that layout (e.g. a network trained in\n"
    "                            PyTorch) and write it as a nanocim model file\n"
    "  info MODEL                architecture, layer shapes, weight bits, threshold ranges\n"
    "  MODEL may be a .ncm model file or an .npz archive (told apart by content). The .npz\n"
    "  layout is described in include/nanocim/npz.h. nanocim model COMMAND --help for more.\n";

static const char *USAGE_EXPORT =
    "usage: nanocim model export MODEL -o OUT.npz\n"
    "  Writes layer{l}.weight (int8 +1/-1, dense (out, in), conv (out, in_c, 3, 3)),\n"
    "  layer{l}.threshold / .direction (hidden layers), layer{L-1}.mean / .scale / .beta\n"
    "  (class layer), format, arch, input_shape, n_classes and meta, atomically.\n"
    "  -o, --output PATH   the .npz to write\n";

static const char *USAGE_IMPORT =
    "usage: nanocim model import IN.npz -o OUT.ncm\n"
    "  Reads an .npz written by numpy.savez or savez_compressed in nanocim's layout, checks\n"
    "  every array against the architecture (shapes, +1/-1 values, int32 thresholds, finite\n"
    "  affine maps) and writes a nanocim model file for nanocim eval.\n"
    "  -o, --output PATH   the model file to write\n";

static const char *USAGE_INFO = "usage: nanocim model info MODEL\n"
                                "  Prints the architecture and, per layer, its shapes, weight\n"
                                "  bits, share of +1 weights and threshold range.\n";

/* Parses `CMD INPUT [-o OUT]`; returns -1 to continue, else an exit code. */
static int parse_io(int argc, char **argv, const char *cmd, const char *usage, int want_out,
                    const char **in, const char **out)
{
    *in = NULL;
    *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_flag(argv, i, "-h") || cli_flag(argv, i, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (want_out && ((r = cli_opt(argc, argv, &i, "-o", &v)) ||
                                (r = cli_opt(argc, argv, &i, "--output", &v)))) {
            if (r < 0)
                return CLI_USAGE;
            *out = v;
        } else if (argv[i][0] != '-' && !*in) {
            *in = argv[i];
        } else {
            return cli_unknown(cmd, argv[i]);
        }
    }
    if (!*in || (want_out && !*out)) {
        cli_error("%s: needs %s (see nanocim %s --help)", cmd,
                  want_out ? "an input file and -o OUTPUT" : "a MODEL file", cmd);
        return CLI_USAGE;
    }
    return -1;
}

/* The output can be written and is not the input (checked before reading it). */
static int check_files(const char *in_name, const char *in, const char *out)
{
    const cli_path i[] = {{in_name, in}}, o[] = {{"-o", out}};
    int rc = cli_check_output("-o", out, 0);
    return rc ? rc : cli_check_paths(i, 1, o, 1);
}

static int model_export(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_io(argc, argv, "model export", USAGE_EXPORT, 1, &in, &out);
    if (rc >= 0)
        return rc;
    if ((rc = check_files("MODEL", in, out)))
        return rc;
    ncm_error err = {0};
    ncm_model *m = ncm_model_load_any(in, &err);
    if (!m || ncm_model_save_npz(m, out, &err)) {
        ncm_model_free(m);
        cli_lib_error(&err, NULL); /* a file that cannot be written is a failure, not usage */
        return CLI_FAIL;
    }
    ncm_model_free(m);
    printf("%s -> %s\n", in, out);
    return 0;
}

static int model_import(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_io(argc, argv, "model import", USAGE_IMPORT, 1, &in, &out);
    if (rc >= 0)
        return rc;
    if ((rc = check_files("IN.npz", in, out)))
        return rc;
    ncm_error err = {0};
    ncm_model *m = ncm_model_load_any(in, &err);
    if (!m || ncm_model_save(m, out, &err)) {
        ncm_model_free(m);
        cli_lib_error(&err, NULL);
        return CLI_FAIL;
    }
    ncm_model_free(m);
    printf("%s -> %s\n", in, out);
    return 0;
}

/* "CxHxW" of a shape, or just C for a flat one. */
static void shape_text(char *buf, size_t n, int c, int h, int w)
{
    if (h == 1 && w == 1)
        snprintf(buf, n, "%d", c);
    else
        snprintf(buf, n, "%dx%dx%d", c, h, w);
}

static void range_f(const float *v, int n, float *lo, float *hi)
{
    *lo = *hi = v[0];
    for (int i = 1; i < n; i++) {
        *lo = v[i] < *lo ? v[i] : *lo;
        *hi = v[i] > *hi ? v[i] : *hi;
    }
}

static int model_info(int argc, char **argv)
{
    const char *in, *unused;
    int rc = parse_io(argc, argv, "model info", USAGE_INFO, 0, &in, &unused);
    if (rc >= 0)
        return rc;
    ncm_error err = {0};
    ncm_model *m = ncm_model_load_any(in, &err);
    if (!m) {
        cli_lib_error(&err, NULL);
        return CLI_FAIL;
    }
    char arch[512];
    ncm_arch_format(&m->arch, arch, sizeof arch);
    int64_t bits = 0;
    for (int l = 0; l < m->n_layers; l++)
        bits += (int64_t)m->layer[l].cout * m->layer[l].fan_in;
    printf("%s: arch %s, input %dx%dx%d, %d classes, %d layers, %lld weight bits (%.1f KiB "
           "packed)\n",
           in, arch, m->arch.in_c, m->arch.in_h, m->arch.in_w, m->arch.n_classes, m->n_layers,
           (long long)bits, (double)bits / 8192.0);
    printf("%-5s %-5s %-10s %-12s %-10s %8s %10s %6s  %s\n", "layer", "kind", "input", "sums",
           "output", "fan-in", "bits", "+1", "thresholds / class-layer map");
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        char sin[64], ssum[64], sout[64];
        shape_text(sin, sizeof sin, L->cin, L->hin, L->win);
        shape_text(ssum, sizeof ssum, L->cout, L->hc, L->wc);
        shape_text(sout, sizeof sout, L->cout, L->ho, L->wo);
        if (L->pool)
            strncat(ssum, " pool", sizeof ssum - strlen(ssum) - 1);
        const int64_t n = (int64_t)L->cout * L->fan_in;
        int64_t ones = 0;
        for (int64_t k = 0; k < (int64_t)L->cout * L->words; k++)
            ones += __builtin_popcountll(L->wbits[k]);
        printf("%-5d %-5s %-10s %-12s %-10s %8d %10lld %5.1f%%  ", l,
               L->last                     ? "class"
               : L->kind == NCM_LAYER_CONV ? "conv"
                                           : "dense",
               sin, ssum, sout, L->fan_in, (long long)n,
               n ? 100.0 * (double)ones / (double)n : 0.0);
        if (L->last) {
            float lo[3], hi[3];
            range_f(L->mean, L->cout, &lo[0], &hi[0]);
            range_f(L->scale, L->cout, &lo[1], &hi[1]);
            range_f(L->beta, L->cout, &lo[2], &hi[2]);
            printf("mean [%g, %g], scale [%g, %g], beta [%g, %g]\n", lo[0], hi[0], lo[1], hi[1],
                   lo[2], hi[2]);
        } else {
            int32_t lo = L->thresh[0], hi = L->thresh[0];
            int down = 0;
            for (int c = 0; c < L->cout; c++) {
                lo = L->thresh[c] < lo ? L->thresh[c] : lo;
                hi = L->thresh[c] > hi ? L->thresh[c] : hi;
                down += L->dir[c] < 0;
            }
            printf("T in [%d, %d] of sums in [%d, %d]; %d of %d fire on a <= T\n", lo, hi,
                   -(L->first ? 128 : 1) * L->fan_in, (L->first ? 128 : 1) * L->fan_in, down,
                   L->cout);
        }
    }
    if (m->meta)
        printf("meta: %s\n", m->meta);
    ncm_model_free(m);
    return 0;
}

int cmd_model(int argc, char **argv)
{
    if (argc < 2) {
        cli_error("model: needs a command: export, import or info (see nanocim model --help)");
        return CLI_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (!strcmp(sub, "export"))
        return model_export(argc - 1, argv + 1);
    if (!strcmp(sub, "import"))
        return model_import(argc - 1, argv + 1);
    if (!strcmp(sub, "info"))
        return model_info(argc - 1, argv + 1);
    cli_error("model: unknown command '%s' (expected export, import or info; see nanocim model "
              "--help)",
              sub);
    return CLI_USAGE;
}
