/* Fuzzes the checkpoint readers of the resumable runs: the sweep's (binary: header, fingerprint,
 * records; read by ncm_sweep_run with resume) and vowel training's (JSON stages; read by
 * ncm_vowel_ckpt_load). The first input byte picks the reader, the rest is the file. The sweep
 * runs a tiny fixed model (mlp:8 on 16 random 4x4 images, 2 points of 2 chips), so that the
 * fingerprint of a seed holds and the mutations reach the records. With NCM_FUZZ_SEED_DIR=DIR
 * the harness writes a valid checkpoint of each kind there (the seed corpus) and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bnn/bnn_internal.h"
#include "fuzz_common.h"
#include "nanocim/rng.h"
#include "nanocim/sweep.h"
#include "vowel/vowel_internal.h"

static ncm_model *g_model;
static ncm_dataset *g_data;
static const double g_ber[2] = {0.0, 0.05};
static const uint64_t VOWEL_FP = 0x0123456789abcdefull;

static void build_fixture(void)
{
    ncm_error err;
    ncm_arch arch;
    if (ncm_arch_parse("mlp:8", 1, 4, 4, 4, &arch, &err) ||
        !(g_model = ncm_model_alloc(&arch, &err)))
        abort();
    ncm_rng r;
    ncm_rng_init(&r, 5, 0);
    for (int l = 0; l < g_model->n_layers; l++) {
        ncm_model_layer *L = &g_model->layer[l];
        for (int o = 0; o < L->cout; o++) {
            for (int j = 0; j < L->fan_in; j++)
                if (ncm_rng_u32(&r) & 1)
                    L->wbits[(int64_t)o * L->words + j / 64] |= 1ull << (j % 64);
            if (L->last) {
                L->mean[o] = 0, L->scale[o] = 1, L->beta[o] = (float)o;
            } else {
                L->thresh[o] = L->first ? 0 : L->fan_in / 2;
                L->dir[o] = 1;
            }
        }
    }
    uint8_t px[16 * 16], lab[16];
    for (int i = 0; i < 16 * 16; i++)
        px[i] = (uint8_t)ncm_rng_u32(&r);
    for (int i = 0; i < 16; i++)
        lab[i] = (uint8_t)(i % 4);
    if (!(g_data = ncm_dataset_new(16, 1, 4, 4, 4, px, lab, &err)))
        abort();
}

static ncm_sweep_params sweep_params(const char *ckpt, int resume)
{
    ncm_sweep_params p;
    ncm_sweep_default(&p);
    p.models = (const ncm_model *const *)&g_model;
    p.n_models = 1;
    p.base.rows = p.base.cols = 8;
    p.axes[0] = (ncm_sweep_axis){.kind = NCM_AXIS_BER, .n = 2, .values = g_ber};
    p.n_axes = 1;
    p.n_chips = 2;
    p.threads = 1;
    p.checkpoint = ckpt;
    p.resume = resume;
    return p;
}

/* The seed corpus: a finished sweep's checkpoint and a vowel checkpoint of two epochs. */
static void write_seeds(const char *dir)
{
    char path[4096], tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/sweep.raw", dir);
    ncm_error err;
    ncm_sweep_params p = sweep_params(tmp, 0);
    ncm_sweep_table *t = ncm_sweep_run(&p, g_data, NULL, NULL, &err);
    if (!t) {
        fprintf(stderr, "seed sweep: %s\n", err.msg);
        exit(1);
    }
    ncm_sweep_table_free(t);
    snprintf(path, sizeof path, "%s/sweep.bin", dir);
    FILE *in = fopen(tmp, "rb"), *out = fopen(path, "wb");
    if (!in || !out)
        exit(1);
    fputc(0, out);
    for (int ch; (ch = fgetc(in)) != EOF;)
        fputc(ch, out);
    fclose(in);
    fclose(out);
    remove(tmp);
    snprintf(tmp, sizeof tmp, "%s/vowel.raw", dir);
    const ncm_vowel_ckpt k = {tmp, "network", 0};
    const double cur[4] = {8.5, 9.25, 10.0, 11.75}, c1[2] = {0.5, 0.625}, c2[2] = {0.25, 0.125};
    if (ncm_vowel_ckpt_save(&k, VOWEL_FP, 4, 2, cur, c1, c2, 1234, &err))
        exit(1);
    snprintf(path, sizeof path, "%s/vowel.json", dir);
    in = fopen(tmp, "rb"), out = fopen(path, "wb");
    if (!in || !out)
        exit(1);
    fputc(1, out);
    for (int ch; (ch = fgetc(in)) != EOF;)
        fputc(ch, out);
    fclose(in);
    fclose(out);
    remove(tmp);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    build_fixture();
    const char *seeds = getenv("NCM_FUZZ_SEED_DIR");
    if (seeds)
        write_seeds(seeds);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = fuzz_file(data + 1, size - 1, ".ckpt");
    ncm_error err = {0};
    if (data[0] & 1) {
        const ncm_vowel_ckpt k = {path, "network", 1};
        ncm_vowel_ckpt_state s;
        const ncm_status st = ncm_vowel_ckpt_load(&k, VOWEL_FP, 4, 20, &s, &err);
        fuzz_check_error(st != NCM_OK, err.msg);
        ncm_vowel_ckpt_state_free(&s);
        return 0;
    }
    ncm_sweep_params p = sweep_params(path, 1);
    ncm_sweep_table *t = ncm_sweep_run(&p, g_data, NULL, NULL, &err);
    fuzz_check_error(!t, err.msg);
    if (t)
        for (int64_t i = 0; i < t->n_points * t->n_chips; i++)
            if (!(t->accuracy[i] >= 0 && t->accuracy[i] <= 1))
                abort(); /* a damaged record must never reach the table */
    ncm_sweep_table_free(t);
    return 0;
}
