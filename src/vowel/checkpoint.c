/* Checkpoints of vowel training (vowel_internal.h): after every epoch of the on-line rule, the
 * learned currents, the learning curve so far and the simulated-sample count, so that a killed
 * training resumed from it ends on the bytes of an uninterrupted one. One JSON file holds every
 * stage of a study ("network", "uncoupled"), each under the fingerprint of what it depends on:
 * the configuration and both sets. Everything before the epochs (the design, the calibration,
 * the initial scores) is recomputed on resume: it is deterministic, and its cost is a fraction
 * of the epochs'. Numbers are kept as C99 hexadecimal strings ("0x1.8p+3"), which read back to
 * the same double whatever rewrites the file. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stno/stno_internal.h"
#include "util/hash.h"
#include "util/json.h"
#include "vowel/vowel_internal.h"

#define FORMAT "nanocim-vowel-checkpoint"
enum { VERSION = 1 };

static uint64_t set_hash(uint64_t h, const ncm_vowel_set *s)
{
    if (!s)
        return ncm_hash_u64(h, UINT64_MAX);
    h = ncm_hash_u64(h, (uint64_t)s->n);
    h = ncm_hash_u64(h, (uint64_t)s->n_features);
    h = ncm_hash_u64(h, (uint64_t)s->n_classes);
    for (int64_t i = 0; i < s->n * s->n_features; i++)
        h = ncm_hash_f64(h, s->x[i]);
    return ncm_hash_bytes(h, s->label, (size_t)s->n * sizeof *s->label);
}

uint64_t ncm_vowel_train_fingerprint(const ncm_vowel_config *c, const ncm_vowel_set *train,
                                     const ncm_vowel_set *test)
{
    uint64_t h = ncm_hash_str(NCM_HASH_INIT, FORMAT);
    const ncm_field_table *dt = ncm_stno_device_table();
    h = ncm_hash_str(h, c->device.name);
    for (int i = 0; i < dt->n_fields; i++) {
        double v;
        memcpy(&v, (const char *)&c->device + dt->fields[i].off, sizeof v);
        h = ncm_hash_f64(h, v);
    }
    const int64_t ints[] = {c->n_osc, c->spread, c->design_starts, c->epochs, c->learn};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        h = ncm_hash_u64(h, (uint64_t)ints[i]);
    const uint64_t seeds[] = {c->chip_seed, c->noise_seed, c->design_seed, c->shuffle_seed};
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
        h = ncm_hash_u64(h, seeds[i]);
    const double reals[] = {c->w_mhz,          c->beta_rad,    c->i_min_ma, c->i_max_ma,
                            c->band_lo_mhz,    c->band_hi_mhz, c->margin,   c->dt_ns,
                            c->t_transient_ns, c->t_window_ns, c->lr,       c->push_mhz,
                            c->lr_decay};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
        h = ncm_hash_f64(h, reals[i]);
    for (int k = 0; k < NCM_VOWEL_MAX_IN; k++)
        h = ncm_hash_f64(h, c->amp_mhz[k]);
    for (int i = 0; i < NCM_VOWEL_MAX_OSC; i++)
        for (int k = 0; k < NCM_VOWEL_MAX_IN; k++)
            h = ncm_hash_f64(h, c->in_gain[i][k]);
    h = set_hash(h, train);
    return set_hash(h, test);
}

/* Reads the file into *root; NCM_OK with *root NULL when it does not exist. */
static ncm_status read_doc(const char *path, cJSON **root, ncm_error *err)
{
    *root = NULL;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return NCM_OK;
    ncm_status s = ncm_json_read(path, root, err);
    if (s)
        return s;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(*root, "format");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(*root, "version");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(*root, "stages");
    const char *bad = NULL;
    if (!cJSON_IsString(f) || strcmp(f->valuestring, FORMAT) != 0)
        bad = "not a vowel training checkpoint";
    else if (!cJSON_IsNumber(v) || v->valuedouble != VERSION)
        bad = "a checkpoint of another version of nanocim";
    else if (!cJSON_IsObject(st))
        bad = "field \"stages\": expected an object";
    if (bad) {
        cJSON_Delete(*root);
        *root = NULL;
        return ncm_error_set(err, NCM_ERR_FORMAT, "checkpoint %s: %s", path, bad);
    }
    return NCM_OK;
}

/* n finite numbers (hexadecimal strings) of the array `key` of stage object o into out. */
static int read_numbers(const cJSON *o, const char *key, int n, double *out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return 0;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        char *end;
        if (!cJSON_IsString(e))
            return 0;
        errno = 0;
        const double v = strtod(e->valuestring, &end);
        if (end == e->valuestring || *end || errno || !isfinite(v))
            return 0;
        out[i++] = v;
    }
    return 1;
}

ncm_status ncm_vowel_ckpt_load(const ncm_vowel_ckpt *k, uint64_t fp, int n_osc, int epochs,
                               ncm_vowel_ckpt_state *s, ncm_error *err)
{
    memset(s, 0, sizeof *s);
    cJSON *root;
    ncm_status st = read_doc(k->path, &root, err);
    if (st)
        return st;
    if (!root)
        return ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot open: %s", k->path,
                             strerror(ENOENT));
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "stages"), k->stage);
    if (!o) { /* killed before this stage's first epoch: it starts from the beginning */
        cJSON_Delete(root);
        return NCM_OK;
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "fingerprint");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "epochs_done");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "runs");
    char want[24];
    snprintf(want, sizeof want, "%016" PRIx64, fp);
    const char *bad = NULL;
    if (!cJSON_IsString(f) || strcmp(f->valuestring, want) != 0)
        bad = "written by another training (the configuration or the data differ)";
    else if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > epochs ||
             d->valuedouble != (int)d->valuedouble)
        bad = "field \"epochs_done\": expected an epoch count of this training";
    else if (!cJSON_IsNumber(r) || !(r->valuedouble >= 0) || r->valuedouble > 9.0e15)
        bad = "field \"runs\": expected a sample count";
    if (!bad) {
        s->epochs_done = (int)d->valuedouble;
        s->runs = (int64_t)r->valuedouble;
        if (!read_numbers(o, "i_dc_ma", n_osc, s->i_dc_ma))
            bad = "field \"i_dc_ma\": expected one finite current per oscillator";
        else if (!(s->curve_train = malloc(sizeof(double) * (size_t)(epochs + 1))) ||
                 !(s->curve_mismatch = malloc(sizeof(double) * (size_t)(epochs + 1))))
            st = ncm_error_set(err, NCM_ERR_NOMEM, "checkpoint %s: out of memory", k->path);
        else if (!read_numbers(o, "curve_train", s->epochs_done, s->curve_train) ||
                 !read_numbers(o, "curve_mismatch", s->epochs_done, s->curve_mismatch))
            bad = "fields \"curve_train\", \"curve_mismatch\": expected one value per epoch done";
    }
    cJSON_Delete(root);
    if (bad)
        st = ncm_error_set(err, NCM_ERR_STATE, "checkpoint %s: stage \"%s\": %s", k->path, k->stage,
                           bad);
    if (st) {
        ncm_vowel_ckpt_state_free(s);
        return st;
    }
    s->found = 1;
    return NCM_OK;
}

void ncm_vowel_ckpt_state_free(ncm_vowel_ckpt_state *s)
{
    free(s->curve_train);
    free(s->curve_mismatch);
    s->curve_train = s->curve_mismatch = NULL;
}

static cJSON *numbers(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        char buf[40];
        snprintf(buf, sizeof buf, "%a", v[i]);
        cJSON *e = cJSON_CreateString(buf);
        if (!e || !cJSON_AddItemToArray(a, e)) {
            cJSON_Delete(e);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

ncm_status ncm_vowel_ckpt_save(const ncm_vowel_ckpt *k, uint64_t fp, int n_osc, int epochs_done,
                               const double *i_dc_ma, const double *curve_train,
                               const double *curve_mismatch, int64_t runs, ncm_error *err)
{
    cJSON *root;
    ncm_status st = read_doc(k->path, &root, err); /* the other stages are kept */
    if (st)
        return st;
    if (!root) {
        root = cJSON_CreateObject();
        if (!root || !cJSON_AddStringToObject(root, "format", FORMAT) ||
            !cJSON_AddNumberToObject(root, "version", VERSION) ||
            !cJSON_AddObjectToObject(root, "stages") || !ncm_json_add_producer(root)) {
            cJSON_Delete(root);
            return ncm_error_set(err, NCM_ERR_NOMEM, "checkpoint %s: out of memory", k->path);
        }
    }
    cJSON *stages = cJSON_GetObjectItemCaseSensitive(root, "stages");
    cJSON_DeleteItemFromObjectCaseSensitive(stages, k->stage);
    cJSON *o = cJSON_AddObjectToObject(stages, k->stage);
    char fps[24];
    snprintf(fps, sizeof fps, "%016" PRIx64, fp);
    cJSON *a = numbers(i_dc_ma, n_osc), *b = numbers(curve_train, epochs_done),
          *c = numbers(curve_mismatch, epochs_done);
    int ok = o && a && b && c && cJSON_AddStringToObject(o, "fingerprint", fps) &&
             cJSON_AddNumberToObject(o, "epochs_done", epochs_done) &&
             cJSON_AddNumberToObject(o, "runs", (double)runs);
    if (ok) {
        cJSON_AddItemToObject(o, "i_dc_ma", a);
        cJSON_AddItemToObject(o, "curve_train", b);
        cJSON_AddItemToObject(o, "curve_mismatch", c);
        st = ncm_json_write(k->path, root, err);
    } else {
        cJSON_Delete(a), cJSON_Delete(b), cJSON_Delete(c);
        st = ncm_error_set(err, NCM_ERR_NOMEM, "checkpoint %s: out of memory", k->path);
    }
    cJSON_Delete(root);
    return st;
}
