/* The vowel study and the files of the vowel layer (include/nanocim/vowel.h, "a study" and the
 * model file): the configured oscillator network trained beside its uncoupled twin and the three
 * software baselines on one split; the comparison as a text report and as a JSON result document
 * ("nanocim-vowel-result"); the trained model as a JSON document ("nanocim-vowel-model") and
 * back. Both documents hold the model as the same "model" object, written and read by the same
 * code, so that a result file is also a model file.
 *
 * The reader is strict: every field is required, unknown fields and wrong types are refused, and
 * the values are checked as the library checks them before a run (configuration, selection,
 * targets, currents within the configuration's range, counts consistent), each message naming
 * the file and the field ("m.json: model.config.epochs = -3: expected 0 to 10000"), so that a
 * misspelt or edited field never falls back silently to a default. Numbers are written with the
 * fewest digits that read back exactly; a JSON number is a double, exact for integers only up to
 * 2^53, so seeds above that are written as decimal strings (the reader takes either form). Files
 * are written atomically (src/util/json.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/vowel.h"
#include "util/fieldfile.h"
#include "stno/stno_internal.h"
#include "util/jdoc.h"
#include "vowel/vowel_internal.h"
#include "util/json.h"

#define MODEL_FORMAT "nanocim-vowel-model"
#define RESULT_FORMAT "nanocim-vowel-result"
enum { MODEL_VERSION = 1, RESULT_VERSION = 1 };
#define SEED_EXACT (UINT64_C(1) << 53) /* the largest seed a JSON number carries exactly */

/* ---- the device, as in its own file -----------------------------------------------------------
 */

/* The configuration's "device" is a device file's object (format "nanocim-stno-device": name and
 * grouped fields), written and read with the stno layer's own field table, so that it can be cut
 * out into a file that ncm_stno_load reads. */
#define DEVICE (*ncm_stno_device_table())

static const char *const FORMANT_NAMES[NCM_VOWEL_MAX_FORMANTS] = {"f1", "f2", "f3"};

/* ---- JSON building ----------------------------------------------------------------------------
 */

/* A number up to 2^53, a decimal string above (see the top of the file). */
static cJSON *j_seed(ncm_jdoc *d, uint64_t v)
{
    if (!d->ok)
        return NULL;
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return ncm_jdoc_mark(d, v <= SEED_EXACT ? cJSON_CreateRaw(buf) : cJSON_CreateString(buf));
}

/* ---- the model object -------------------------------------------------------------------------
 */

static cJSON *config_json(ncm_jdoc *d, const ncm_vowel_config *c)
{
    cJSON *o = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, o, "n_osc", ncm_jdoc_int(d, c->n_osc));
    ncm_jdoc_put(d, o, "device",
                 d->ok ? ncm_jdoc_mark(d, ncm_fields_to_json(&DEVICE, &c->device)) : NULL);
    ncm_jdoc_put(d, o, "spread", ncm_jdoc_int(d, c->spread));
    ncm_jdoc_put(d, o, "chip_seed", j_seed(d, c->chip_seed));
    ncm_jdoc_put(d, o, "w_mhz", ncm_jdoc_num(d, c->w_mhz));
    ncm_jdoc_put(d, o, "beta_rad", ncm_jdoc_num(d, c->beta_rad));
    ncm_jdoc_put(d, o, "amp_mhz", ncm_jdoc_nums(d, c->amp_mhz, NCM_VOWEL_MAX_IN));
    cJSON *g = ncm_jdoc_arr(d); /* the rows of the chip's oscillators (the others are unused) */
    for (int i = 0; i < c->n_osc && d->ok; i++)
        ncm_jdoc_put(d, g, NULL, ncm_jdoc_nums(d, c->in_gain[i], NCM_VOWEL_MAX_IN));
    ncm_jdoc_put(d, o, "in_gain", g);
    ncm_jdoc_put(d, o, "i_min_ma", ncm_jdoc_num(d, c->i_min_ma));
    ncm_jdoc_put(d, o, "i_max_ma", ncm_jdoc_num(d, c->i_max_ma));
    ncm_jdoc_put(d, o, "band_lo_mhz", ncm_jdoc_num(d, c->band_lo_mhz));
    ncm_jdoc_put(d, o, "band_hi_mhz", ncm_jdoc_num(d, c->band_hi_mhz));
    ncm_jdoc_put(d, o, "margin", ncm_jdoc_num(d, c->margin));
    ncm_jdoc_put(d, o, "dt_ns", ncm_jdoc_num(d, c->dt_ns));
    ncm_jdoc_put(d, o, "t_transient_ns", ncm_jdoc_num(d, c->t_transient_ns));
    ncm_jdoc_put(d, o, "t_window_ns", ncm_jdoc_num(d, c->t_window_ns));
    ncm_jdoc_put(d, o, "noise_seed", j_seed(d, c->noise_seed));
    ncm_jdoc_put(d, o, "design_starts", ncm_jdoc_int(d, c->design_starts));
    ncm_jdoc_put(d, o, "design_seed", j_seed(d, c->design_seed));
    ncm_jdoc_put(d, o, "epochs", ncm_jdoc_int(d, c->epochs));
    ncm_jdoc_put(d, o, "lr", ncm_jdoc_num(d, c->lr));
    ncm_jdoc_put(d, o, "push_mhz", ncm_jdoc_num(d, c->push_mhz));
    ncm_jdoc_put(d, o, "lr_decay", ncm_jdoc_num(d, c->lr_decay));
    ncm_jdoc_put(d, o, "shuffle_seed", j_seed(d, c->shuffle_seed));
    ncm_jdoc_put(d, o, "learn", ncm_jdoc_int(d, c->learn));
    return o;
}

/* groups as "w" (the group characters in the order m, w, b, g), vowels as codes, formants as
 * "f1" .. "f3". */
static cJSON *select_json(ncm_jdoc *d, const ncm_vowel_select *s)
{
    cJSON *o = ncm_jdoc_obj(d);
    char g[NCM_VOWEL_N_GROUPS + 1];
    int n = 0;
    for (int i = 0; i < NCM_VOWEL_N_GROUPS; i++)
        if (s->groups & (1u << i))
            g[n++] = ncm_vowel_group_char(i);
    g[n] = 0;
    ncm_jdoc_put(d, o, "groups", ncm_jdoc_str(d, g));
    cJSON *v = ncm_jdoc_arr(d);
    for (int k = 0; k < s->n_vowels && d->ok; k++)
        ncm_jdoc_put(d, v, NULL, ncm_jdoc_str(d, ncm_vowel_code(s->vowels[k])));
    ncm_jdoc_put(d, o, "vowels", v);
    cJSON *f = ncm_jdoc_arr(d);
    for (int k = 0; k < s->n_formants && d->ok; k++)
        ncm_jdoc_put(d, f, NULL, ncm_jdoc_str(d, FORMANT_NAMES[s->formants[k]]));
    ncm_jdoc_put(d, o, "formants", f);
    return o;
}

static cJSON *model_json(ncm_jdoc *d, const ncm_vowel_model *m)
{
    cJSON *o = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, o, "config", config_json(d, &m->config));
    ncm_jdoc_put(d, o, "select", select_json(d, &m->select));
    cJSON *e = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, e, "n_in", ncm_jdoc_int(d, m->encoding.n_in));
    ncm_jdoc_put(d, e, "mhz_per_hz", ncm_jdoc_nums(d, m->encoding.mhz_per_hz, m->encoding.n_in));
    ncm_jdoc_put(d, e, "offset_mhz", ncm_jdoc_nums(d, m->encoding.offset_mhz, m->encoding.n_in));
    ncm_jdoc_put(d, o, "encoding", e);
    ncm_jdoc_put(d, o, "n_classes", ncm_jdoc_int(d, m->n_classes));
    ncm_jdoc_put(d, o, "n_osc", ncm_jdoc_int(d, m->n_osc));
    ncm_jdoc_put(d, o, "n_in", ncm_jdoc_int(d, m->n_in));
    cJSON *t = ncm_jdoc_arr(d);
    for (int c = 0; c < m->n_classes && d->ok; c++) {
        cJSON *row = ncm_jdoc_arr(d);
        for (int i = 0; i < m->n_osc && d->ok; i++)
            ncm_jdoc_put(d, row, NULL, ncm_jdoc_int(d, m->targets[c * m->n_osc + i]));
        ncm_jdoc_put(d, t, NULL, row);
    }
    ncm_jdoc_put(d, o, "targets", t);
    ncm_jdoc_put(d, o, "i_dc_ma", ncm_jdoc_nums(d, m->i_dc_ma, m->n_osc));
    ncm_jdoc_put(d, o, "i_init_ma", ncm_jdoc_nums(d, m->i_init_ma, m->n_osc));
    ncm_jdoc_put(d, o, "f_free_mhz", ncm_jdoc_nums(d, m->f_free_mhz, m->n_osc));
    return o;
}

/* ---- checking a model -------------------------------------------------------------------------
 */

/* The counts of a model against its configuration, selection and encoding. */
static ncm_status counts_check(const ncm_vowel_model *m, const char *file, ncm_status code,
                               ncm_error *err)
{
    const ncm_vowel_config *c = &m->config;
    if (m->n_osc != c->n_osc)
        return ncm_error_set(err, code, "%s: model.n_osc = %d: expected model.config.n_osc (%d)",
                             file, m->n_osc, c->n_osc);
    if (m->n_in != m->select.n_formants)
        return ncm_error_set(err, code,
                             "%s: model.n_in = %d: expected the selection's %d formant%s", file,
                             m->n_in, m->select.n_formants, m->select.n_formants == 1 ? "" : "s");
    if (m->encoding.n_in != m->n_in)
        return ncm_error_set(err, code, "%s: model.encoding.n_in = %d: expected model.n_in (%d)",
                             file, m->encoding.n_in, m->n_in);
    if (m->n_classes != m->select.n_vowels)
        return ncm_error_set(err, code,
                             "%s: model.n_classes = %d: expected the selection's %d vowel%s", file,
                             m->n_classes, m->select.n_vowels, m->select.n_vowels == 1 ? "" : "s");
    return NCM_OK;
}

/* Everything eval and the files need of a model, each message "<file>: model.<field> ...". The
 * checks of the configuration, selection and targets are the library's own, their messages
 * prefixed with the field's path. */
ncm_status ncm_vowel_model_check_in(const ncm_vowel_model *m, const char *file, ncm_status code,
                                    ncm_error *err)
{
    ncm_error e = {0};
    if (ncm_vowel_config_check(&m->config, &e))
        return ncm_error_set(err, code, "%s: model.config.%s", file, e.msg);
    const ncm_vowel_config *c = &m->config;
    if (ncm_vowel_select_check(&m->select, &e))
        return ncm_error_set(err, code, "%s: model.select.%s", file, e.msg);
    ncm_status st = counts_check(m, file, code, err);
    if (st)
        return st;
    for (int k = 0; k < m->n_in; k++) {
        const double a = m->encoding.mhz_per_hz[k], b = m->encoding.offset_mhz[k];
        if (!(a != 0) || !isfinite(a))
            return ncm_error_set(err, code,
                                 "%s: model.encoding.mhz_per_hz[%d] = %g: expected a finite, "
                                 "non-zero slope",
                                 file, k, a);
        if (!isfinite(b))
            return ncm_error_set(err, code,
                                 "%s: model.encoding.offset_mhz[%d] = %g: expected a finite "
                                 "offset",
                                 file, k, b);
    }
    if (ncm_vowel_targets_check(m->targets, m->n_classes, m->n_osc, m->n_in, &e))
        return ncm_error_set(err, code, "%s: model.targets: %s", file, e.msg);
    for (int i = 0; i < m->n_osc; i++) {
        const double cur[2] = {m->i_dc_ma[i], m->i_init_ma[i]};
        for (int q = 0; q < 2; q++)
            if (!(cur[q] >= c->i_min_ma && cur[q] <= c->i_max_ma))
                return ncm_error_set(err, code,
                                     "%s: model.%s[%d] = %g: expected a current within "
                                     "model.config.i_min_ma .. i_max_ma, [%g, %g] mA",
                                     file, q ? "i_init_ma" : "i_dc_ma", i, cur[q], c->i_min_ma,
                                     c->i_max_ma);
        if (isinf(m->f_free_mhz[i]))
            return ncm_error_set(err, code,
                                 "%s: model.f_free_mhz[%d] = %g: expected a finite frequency "
                                 "(or null: unknown)",
                                 file, i, m->f_free_mhz[i]);
    }
    return NCM_OK;
}

ncm_status ncm_vowel_model_save(const ncm_vowel_model *m, const char *path, ncm_error *err)
{
    if (!m || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "model and path: expected non-NULL");
    ncm_status st = ncm_vowel_model_check_in(m, path, NCM_ERR_ARG, err);
    if (st)
        return st;
    ncm_jdoc d = {1};
    cJSON *root = ncm_jdoc_head(&d, MODEL_FORMAT, MODEL_VERSION);
    ncm_jdoc_put(&d, root, "model", model_json(&d, m));
    return ncm_jdoc_finish(&d, root, path, err);
}

/* ---- reading ----------------------------------------------------------------------------------
 */

/* A reader of one file: its name for the messages, and where they go. Every message is
 * "<file>: <field>...", the field a dotted path from the document's top ("model.config.lr"). */
typedef struct {
    const char *file;
    ncm_error *err;
} rd;

static ncm_status bad(const rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ncm_status bad(const rd *r, const char *fmt, ...)
{
    char msg[448];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ncm_error_set(r->err, NCM_ERR_FORMAT, "%s: %s", r->file, msg);
}

/* "where.key" (or "key" at the top) into buf. */
static const char *path_of(char *buf, size_t cap, const char *where, const char *key)
{
    snprintf(buf, cap, "%s%s%s", where, *where ? "." : "", key);
    return buf;
}

/* Refuses a member not in keys (NULL-ended): a misspelt field must not be ignored. */
static ncm_status only(const rd *r, const cJSON *o, const char *where, const char *const *keys)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        int known = 0;
        for (const char *const *k = keys; *k && !known; k++)
            known = strcmp(*k, it->string) == 0;
        if (!known) {
            char p[256];
            return bad(r, "%s: unknown field", path_of(p, sizeof p, where, it->string));
        }
    }
    return NCM_OK;
}

/* Member key of the object o, required. */
static ncm_status member(const rd *r, const cJSON *o, const char *where, const char *key,
                         const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(o, key);
    if (*out)
        return NCM_OK;
    char p[256];
    return bad(r, "%s: missing", path_of(p, sizeof p, where, key));
}

static ncm_status want_object(const rd *r, const cJSON *it, const char *name)
{
    if (cJSON_IsObject(it))
        return NCM_OK;
    return bad(r, "%s: expected an object, found %s", name, ncm_json_type_name(it));
}

/* An object member, required. */
static ncm_status get_object(const rd *r, const cJSON *o, const char *where, const char *key,
                             const cJSON **out)
{
    ncm_status st = member(r, o, where, key, out);
    char p[256];
    return st ? st : want_object(r, *out, path_of(p, sizeof p, where, key));
}

/* An integer in [lo, hi] (a number with no fraction). */
static ncm_status int_value(const rd *r, const cJSON *it, const char *name, int lo, int hi,
                            int *out)
{
    if (!cJSON_IsNumber(it))
        return bad(r, "%s: expected an integer, found %s", name, ncm_json_type_name(it));
    const double v = it->valuedouble;
    if (!(v == floor(v) && v >= lo && v <= hi))
        return bad(r, "%s = %.17g: expected an integer %d to %d", name, v, lo, hi);
    *out = (int)v;
    return NCM_OK;
}

static ncm_status get_int(const rd *r, const cJSON *o, const char *where, const char *key, int lo,
                          int hi, int *out)
{
    const cJSON *it;
    ncm_status st = member(r, o, where, key, &it);
    char p[256];
    return st ? st : int_value(r, it, path_of(p, sizeof p, where, key), lo, hi, out);
}

/* A finite number, or (allow_null) null for NaN. */
static ncm_status num_value(const rd *r, const cJSON *it, const char *name, int allow_null,
                            double *out)
{
    if (allow_null && cJSON_IsNull(it)) {
        *out = NAN;
        return NCM_OK;
    }
    if (!cJSON_IsNumber(it))
        return bad(r, "%s: expected a number%s, found %s", name, allow_null ? " or null" : "",
                   ncm_json_type_name(it));
    if (!isfinite(it->valuedouble)) /* 1e999 parses as infinity */
        return bad(r, "%s = %g: expected a finite number", name, it->valuedouble);
    *out = it->valuedouble;
    return NCM_OK;
}

static ncm_status get_num(const rd *r, const cJSON *o, const char *where, const char *key,
                          double *out)
{
    const cJSON *it;
    ncm_status st = member(r, o, where, key, &it);
    char p[256];
    return st ? st : num_value(r, it, path_of(p, sizeof p, where, key), 0, out);
}

/* An array member of exactly n items. */
static ncm_status get_array(const rd *r, const cJSON *o, const char *where, const char *key, int n,
                            const char *what, const cJSON **out)
{
    ncm_status st = member(r, o, where, key, out);
    if (st)
        return st;
    char p[256];
    path_of(p, sizeof p, where, key);
    if (!cJSON_IsArray(*out))
        return bad(r, "%s: expected an array of %d %s, found %s", p, n, what,
                   ncm_json_type_name(*out));
    const int len = cJSON_GetArraySize(*out);
    if (len != n)
        return bad(r, "%s: expected an array of %d %s, found %d item%s", p, n, what, len,
                   len == 1 ? "" : "s");
    return NCM_OK;
}

/* The array a (called name) of exactly n numbers (null for NaN when allow_null). */
static ncm_status nums_value(const rd *r, const cJSON *a, const char *name, int n, int allow_null,
                             double *out)
{
    if (!cJSON_IsArray(a))
        return bad(r, "%s: expected an array of %d numbers, found %s", name, n,
                   ncm_json_type_name(a));
    const int len = cJSON_GetArraySize(a);
    if (len != n)
        return bad(r, "%s: expected an array of %d numbers, found %d item%s", name, n, len,
                   len == 1 ? "" : "s");
    char q[300];
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        snprintf(q, sizeof q, "%s[%d]", name, k);
        ncm_status st = num_value(r, it, q, allow_null, &out[k]);
        if (st)
            return st;
        k++;
    }
    return NCM_OK;
}

static ncm_status get_nums(const rd *r, const cJSON *o, const char *where, const char *key, int n,
                           int allow_null, double *out)
{
    const cJSON *a;
    ncm_status st = member(r, o, where, key, &a);
    char p[256];
    return st ? st : nums_value(r, a, path_of(p, sizeof p, where, key), n, allow_null, out);
}

/* A seed: an integer number 0 .. 2^53, or a decimal string of any uint64_t. */
static ncm_status get_seed(const rd *r, const cJSON *o, const char *where, const char *key,
                           uint64_t *out)
{
    const cJSON *it;
    ncm_status st = member(r, o, where, key, &it);
    if (st)
        return st;
    char p[256];
    path_of(p, sizeof p, where, key);
    if (cJSON_IsNumber(it)) {
        const double v = it->valuedouble;
        if (!(v == floor(v) && v >= 0 && v <= (double)SEED_EXACT))
            return bad(r,
                       "%s = %.17g: expected an integer 0 to 2^53 (larger seeds as a decimal "
                       "string)",
                       p, v);
        *out = (uint64_t)v;
        return NCM_OK;
    }
    if (cJSON_IsString(it)) {
        const char *s = it->valuestring;
        int digits = *s != 0;
        for (const char *c = s; *c && digits; c++)
            digits = *c >= '0' && *c <= '9';
        errno = 0;
        char *end = NULL;
        const unsigned long long v = digits ? strtoull(s, &end, 10) : 0;
        if (!digits || errno || !end || *end)
            return bad(r, "%s = \"%.40s\": expected a seed (decimal digits, at most 2^64 - 1)", p,
                       s);
        *out = (uint64_t)v;
        return NCM_OK;
    }
    return bad(r, "%s: expected a seed (an integer, or a decimal string), found %s", p,
               ncm_json_type_name(it));
}

static ncm_status read_config(const rd *r, const cJSON *o, ncm_vowel_config *c)
{
    static const char *const KEYS[] = {
        "n_osc",       "device",      "spread",        "chip_seed",    "w_mhz",
        "beta_rad",    "amp_mhz",     "in_gain",       "i_min_ma",     "i_max_ma",
        "band_lo_mhz", "band_hi_mhz", "margin",        "dt_ns",        "t_transient_ns",
        "t_window_ns", "noise_seed",  "design_starts", "design_seed",  "epochs",
        "lr",          "push_mhz",    "lr_decay",      "shuffle_seed", "learn",
        NULL};
    const char *w = "model.config";
    ncm_status st = only(r, o, w, KEYS);
    const cJSON *dev;
    if (!st) /* in range here: it sizes in_gain */
        st = get_int(r, o, w, "n_osc", 1, NCM_VOWEL_MAX_OSC, &c->n_osc);
    if (!st)
        st = get_object(r, o, w, "device", &dev);
    if (!st) {
        /* the device file's own reader: format, version, name and every grouped field */
        char where[300];
        snprintf(where, sizeof where, "%s: %s.device", r->file, w);
        st = ncm_fields_parse(&DEVICE, dev, where, &c->device, r->err);
    }
    if (!st)
        st = get_int(r, o, w, "spread", -1000000000, 1000000000, &c->spread);
    if (!st)
        st = get_seed(r, o, w, "chip_seed", &c->chip_seed);
    if (!st)
        st = get_num(r, o, w, "w_mhz", &c->w_mhz);
    if (!st)
        st = get_num(r, o, w, "beta_rad", &c->beta_rad);
    if (!st)
        st = get_nums(r, o, w, "amp_mhz", NCM_VOWEL_MAX_IN, 0, c->amp_mhz);
    const cJSON *g;
    if (!st)
        st = get_array(r, o, w, "in_gain", c->n_osc, "rows (one per oscillator)", &g);
    if (!st) {
        /* the rows of oscillators the chip does not have are unused: as the default sets them */
        ncm_vowel_config def;
        ncm_vowel_config_default(&def);
        memcpy(c->in_gain, def.in_gain, sizeof c->in_gain);
        int i = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, g)
        {
            char p[64];
            snprintf(p, sizeof p, "%s.in_gain[%d]", w, i);
            if ((st = nums_value(r, row, p, NCM_VOWEL_MAX_IN, 0, c->in_gain[i])))
                break;
            i++;
        }
    }
    if (!st)
        st = get_num(r, o, w, "i_min_ma", &c->i_min_ma);
    if (!st)
        st = get_num(r, o, w, "i_max_ma", &c->i_max_ma);
    if (!st)
        st = get_num(r, o, w, "band_lo_mhz", &c->band_lo_mhz);
    if (!st)
        st = get_num(r, o, w, "band_hi_mhz", &c->band_hi_mhz);
    if (!st)
        st = get_num(r, o, w, "margin", &c->margin);
    if (!st)
        st = get_num(r, o, w, "dt_ns", &c->dt_ns);
    if (!st)
        st = get_num(r, o, w, "t_transient_ns", &c->t_transient_ns);
    if (!st)
        st = get_num(r, o, w, "t_window_ns", &c->t_window_ns);
    if (!st)
        st = get_seed(r, o, w, "noise_seed", &c->noise_seed);
    if (!st)
        st = get_int(r, o, w, "design_starts", -1000000000, 1000000000, &c->design_starts);
    if (!st)
        st = get_seed(r, o, w, "design_seed", &c->design_seed);
    if (!st)
        st = get_int(r, o, w, "epochs", -1000000000, 1000000000, &c->epochs);
    if (!st)
        st = get_num(r, o, w, "lr", &c->lr);
    if (!st)
        st = get_num(r, o, w, "push_mhz", &c->push_mhz);
    if (!st)
        st = get_num(r, o, w, "lr_decay", &c->lr_decay);
    if (!st)
        st = get_seed(r, o, w, "shuffle_seed", &c->shuffle_seed);
    if (!st)
        st = get_int(r, o, w, "learn", -1000000000, 1000000000, &c->learn);
    return st;
}

/* The selection. Entries past the counts are set as ncm_vowel_select_default leaves them (vowels
 * 0, the unused formants in increasing order), since the file does not hold them. */
static ncm_status read_select(const rd *r, const cJSON *o, ncm_vowel_select *s)
{
    static const char *const KEYS[] = {"groups", "vowels", "formants", NULL};
    const char *w = "model.select";
    ncm_status st = only(r, o, w, KEYS);
    const cJSON *it;
    if (!st)
        st = member(r, o, w, "groups", &it);
    if (st)
        return st;
    if (!cJSON_IsString(it))
        return bad(r, "%s.groups: expected a string of group characters (\"w\", \"mw\"), found %s",
                   w, ncm_json_type_name(it));
    s->groups = 0;
    for (const char *c = it->valuestring; *c; c++) {
        const int g = ncm_vowel_group_parse(*c);
        if (g < 0 || (s->groups & (1u << g)))
            return bad(r,
                       "%s.groups = \"%.40s\": expected the characters m, w, b, g, each at most "
                       "once",
                       w, it->valuestring);
        s->groups |= 1u << g;
    }
    if (!s->groups)
        return bad(r, "%s.groups = \"\": expected at least one group character", w);

    const cJSON *a;
    if ((st = member(r, o, w, "vowels", &a)))
        return st;
    const int nv = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    if (nv < 0)
        return bad(r, "%s.vowels: expected an array of 1 to %d vowel codes, found %s", w,
                   NCM_VOWEL_N, ncm_json_type_name(a));
    if (nv < 1 || nv > NCM_VOWEL_N)
        return bad(r, "%s.vowels: expected 1 to %d vowel codes, found %d", w, NCM_VOWEL_N, nv);
    s->n_vowels = nv;
    int k = 0;
    cJSON_ArrayForEach(it, a)
    {
        const int v = cJSON_IsString(it) ? ncm_vowel_parse(it->valuestring) : -1;
        if (v < 0) {
            if (!cJSON_IsString(it))
                return bad(r, "%s.vowels[%d]: expected a vowel code, found %s", w, k,
                           ncm_json_type_name(it));
            return bad(r,
                       "%s.vowels[%d] = \"%.20s\": expected a vowel code (ae, ah, aw, eh, er, "
                       "ei, ih, iy, oa, oo, uh, uw)",
                       w, k, it->valuestring);
        }
        for (int j = 0; j < k; j++)
            if (s->vowels[j] == v)
                return bad(r, "%s.vowels[%d] = \"%s\": the same vowel as vowels[%d]", w, k,
                           it->valuestring, j);
        s->vowels[k++] = v;
    }

    if ((st = member(r, o, w, "formants", &a)))
        return st;
    const int nf = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    if (nf < 0)
        return bad(r, "%s.formants: expected an array of 1 to %d formants (\"f1\" ..), found %s", w,
                   NCM_VOWEL_MAX_FORMANTS, ncm_json_type_name(a));
    if (nf < 1 || nf > NCM_VOWEL_MAX_FORMANTS)
        return bad(r, "%s.formants: expected 1 to %d formants, found %d", w, NCM_VOWEL_MAX_FORMANTS,
                   nf);
    s->n_formants = nf;
    k = 0;
    int used[NCM_VOWEL_MAX_FORMANTS] = {0};
    cJSON_ArrayForEach(it, a)
    {
        int F = -1;
        for (int q = 0; q < NCM_VOWEL_MAX_FORMANTS && cJSON_IsString(it); q++)
            if (strcmp(it->valuestring, FORMANT_NAMES[q]) == 0)
                F = q;
        if (F < 0) {
            if (!cJSON_IsString(it))
                return bad(r, "%s.formants[%d]: expected a formant, found %s", w, k,
                           ncm_json_type_name(it));
            return bad(r, "%s.formants[%d] = \"%.20s\": expected \"f1\", \"f2\" or \"f3\"", w, k,
                       it->valuestring);
        }
        if (used[F])
            return bad(r, "%s.formants[%d] = \"%s\": repeated", w, k, it->valuestring);
        used[F] = 1;
        s->formants[k++] = F;
    }
    for (int q = 0; q < NCM_VOWEL_MAX_FORMANTS; q++)
        if (!used[q])
            s->formants[k++] = q;
    return NCM_OK;
}

static ncm_status read_model(const rd *r, const cJSON *o, ncm_vowel_model *m)
{
    static const char *const KEYS[] = {"config",    "select",     "encoding", "n_classes",
                                       "n_osc",     "n_in",       "targets",  "i_dc_ma",
                                       "i_init_ma", "f_free_mhz", NULL};
    static const char *const ENC_KEYS[] = {"n_in", "mhz_per_hz", "offset_mhz", NULL};
    const char *w = "model";
    const cJSON *c, *s, *e, *t;
    ncm_status st = only(r, o, w, KEYS);
    if (!st)
        st = get_object(r, o, w, "config", &c);
    if (!st)
        st = read_config(r, c, &m->config);
    if (!st)
        st = get_object(r, o, w, "select", &s);
    if (!st)
        st = read_select(r, s, &m->select);
    if (!st)
        st = get_int(r, o, w, "n_classes", 1, NCM_VOWEL_N, &m->n_classes);
    if (!st)
        st = get_int(r, o, w, "n_osc", 1, NCM_VOWEL_MAX_OSC, &m->n_osc);
    if (!st)
        st = get_int(r, o, w, "n_in", 1, NCM_VOWEL_MAX_IN, &m->n_in);
    if (!st)
        st = get_object(r, o, w, "encoding", &e);
    if (!st)
        st = only(r, e, "model.encoding", ENC_KEYS);
    if (!st)
        st = get_int(r, e, "model.encoding", "n_in", 1, NCM_VOWEL_MAX_IN, &m->encoding.n_in);
    if (!st) /* the counts size the arrays below: consistent first, for a clear message */
        st = counts_check(m, r->file, NCM_ERR_FORMAT, r->err);
    if (!st)
        st = get_nums(r, e, "model.encoding", "mhz_per_hz", m->encoding.n_in, 0,
                      m->encoding.mhz_per_hz);
    if (!st)
        st = get_nums(r, e, "model.encoding", "offset_mhz", m->encoding.n_in, 0,
                      m->encoding.offset_mhz);
    if (!st)
        st = get_array(r, o, w, "targets", m->n_classes, "patterns (one per class)", &t);
    if (st)
        return st;
    int cls = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, t)
    {
        char p[64];
        snprintf(p, sizeof p, "model.targets[%d]", cls);
        if (!cJSON_IsArray(row))
            return bad(r, "%s: expected an array of %d states (one per oscillator), found %s", p,
                       m->n_osc, ncm_json_type_name(row));
        const int len = cJSON_GetArraySize(row);
        if (len != m->n_osc)
            return bad(r, "%s: expected an array of %d states (one per oscillator), found %d", p,
                       m->n_osc, len);
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, row)
        {
            char q[80];
            snprintf(q, sizeof q, "%s[%d]", p, i);
            int v = 0;
            if ((st = int_value(r, it, q, NCM_VOWEL_FREE, m->n_in - 1, &v)))
                return st;
            m->targets[cls * m->n_osc + i] = (int8_t)v;
            i++;
        }
        cls++;
    }
    st = get_nums(r, o, w, "i_dc_ma", m->n_osc, 0, m->i_dc_ma);
    if (!st)
        st = get_nums(r, o, w, "i_init_ma", m->n_osc, 0, m->i_init_ma);
    if (!st)
        st = get_nums(r, o, w, "f_free_mhz", m->n_osc, 1, m->f_free_mhz);
    if (!st)
        st = ncm_vowel_model_check_in(m, r->file, NCM_ERR_FORMAT, r->err);
    return st;
}

/* A model document ("format", "version", "producer", "model") or a result document, whose other
 * members belong to the study and are not read here. */
static ncm_status read_doc(const rd *r, const cJSON *root, ncm_vowel_model *m)
{
    if (!cJSON_IsObject(root))
        return bad(r, "expected a JSON object, found %s", ncm_json_type_name(root));
    const cJSON *fmt, *ver, *it;
    ncm_status st = member(r, root, "", "format", &fmt);
    if (st)
        return st;
    if (!cJSON_IsString(fmt))
        return bad(r, "format: expected a string, found %s", ncm_json_type_name(fmt));
    const int is_model = strcmp(fmt->valuestring, MODEL_FORMAT) == 0;
    if (!is_model && strcmp(fmt->valuestring, RESULT_FORMAT) != 0)
        return bad(r, "format = \"%.60s\": expected \"" MODEL_FORMAT "\" or \"" RESULT_FORMAT "\"",
                   fmt->valuestring);
    const int newest = is_model ? MODEL_VERSION : RESULT_VERSION;
    if ((st = member(r, root, "", "version", &ver)))
        return st;
    if (!cJSON_IsNumber(ver))
        return bad(r, "version: expected a positive integer, found %s", ncm_json_type_name(ver));
    if (ver->valuedouble != floor(ver->valuedouble) || ver->valuedouble < 1)
        return bad(r, "version = %g: expected a positive integer", ver->valuedouble);
    if (ver->valuedouble > newest)
        return ncm_error_set(r->err, NCM_ERR_VERSION,
                             "%s: version = %g: this nanocim reads %s up to version %d", r->file,
                             ver->valuedouble, fmt->valuestring, newest);
    if (is_model) {
        static const char *const KEYS[] = {"format", "version", "producer", "model", NULL};
        if ((st = only(r, root, "", KEYS)))
            return st;
        if ((st = member(r, root, "", "producer", &it)))
            return st;
        if (!cJSON_IsString(it))
            return bad(r, "producer: expected a string, found %s", ncm_json_type_name(it));
    }
    if ((st = get_object(r, root, "", "model", &it)))
        return st;
    return read_model(r, it, m);
}

ncm_status ncm_vowel_model_load(const char *path, ncm_vowel_model *m, ncm_error *err)
{
    if (!m)
        return ncm_error_set(err, NCM_ERR_ARG, "model: expected non-NULL");
    memset(m, 0, sizeof *m);
    if (!path)
        return ncm_error_set(err, NCM_ERR_ARG, "model file: NULL path");
    cJSON *root = NULL;
    ncm_status st = ncm_json_read(path, &root, err);
    if (!st) {
        const rd r = {path, err};
        st = read_doc(&r, root, m);
    }
    cJSON_Delete(root);
    if (st)
        memset(m, 0, sizeof *m);
    return st;
}

/* ---- the study --------------------------------------------------------------------------------
 */

void ncm_vowel_study_free(ncm_vowel_study *s)
{
    if (!s)
        return;
    ncm_vowel_train_free(s->net);
    ncm_vowel_train_free(s->uncoupled);
    free(s);
}

ncm_vowel_study *ncm_vowel_study_new(const ncm_vowel_config *c, const ncm_vowel_set *train,
                                     const ncm_vowel_set *test, const ncm_vowel_baseline_params *bp,
                                     int threads, const ncm_progress *progress, ncm_error *err)
{
    return ncm_vowel_study_new_checkpointed(c, train, test, bp, threads, NULL, 0, progress, err);
}

ncm_vowel_study *ncm_vowel_study_new_checkpointed(const ncm_vowel_config *c,
                                                  const ncm_vowel_set *train,
                                                  const ncm_vowel_set *test,
                                                  const ncm_vowel_baseline_params *bp, int threads,
                                                  const char *checkpoint, int resume,
                                                  const ncm_progress *progress, ncm_error *err)
{
    if (resume && !checkpoint) {
        ncm_error_set(err, NCM_ERR_ARG, "resume: needs a checkpoint path");
        return NULL;
    }
    if (!c || !train || !test) {
        ncm_error_set(err, NCM_ERR_ARG, "configuration, training and test sets: expected non-NULL");
        return NULL;
    }
    if (ncm_vowel_config_check(c, err) ||
        ncm_vowel_work_check(c, train->n, test->n, c->w_mhz > 0 ? 2 : 1, err))
        return NULL;
    ncm_vowel_baseline_params p;
    if (bp)
        p = *bp;
    else
        ncm_vowel_baseline_default(&p);
    ncm_vowel_study *s = calloc(1, sizeof *s);
    if (!s) {
        ncm_error_set(err, NCM_ERR_NOMEM, "vowel study: out of memory");
        return NULL;
    }
    /* the baselines first: they are quick, and refuse bad parameters or sets before the long
     * simulations start */
    const ncm_vowel_baseline_kind kinds[3] = {NCM_VOWEL_CENTROID, NCM_VOWEL_GAUSSIAN,
                                              NCM_VOWEL_MLP};
    for (int k = 0; k < 3; k++)
        if (ncm_vowel_baseline(kinds[k], train, test, &p, &s->baseline[k], err))
            goto fail;
    s->n_baselines = 3;
    /* one checkpoint file, a stage for each training; a fresh study starts a new file */
    if (checkpoint && !resume && remove(checkpoint) != 0 && errno != ENOENT) {
        ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot replace: %s", checkpoint,
                      strerror(errno));
        goto fail;
    }
    const ncm_vowel_ckpt kn = {checkpoint, "network", resume},
                         ku = {checkpoint, "uncoupled", resume};
    if (!(s->net = ncm_vowel_train_ckpt(c, train, test, threads, checkpoint ? &kn : NULL, progress,
                                        err)))
        goto fail;
    if (c->w_mhz > 0) {
        ncm_vowel_config u = *c;
        u.w_mhz = 0;
        if (!(s->uncoupled = ncm_vowel_train_ckpt(&u, train, test, threads, checkpoint ? &ku : NULL,
                                                  progress, err)))
            goto fail;
    }
    s->n_train = train->n;
    s->n_test = test->n;
    s->n_train_speakers = train->n_speakers;
    s->n_test_speakers = test->n_speakers;
    snprintf(s->train_source, sizeof s->train_source, "%s", train->source);
    snprintf(s->test_source, sizeof s->test_source, "%s", test->source);
    return s;
fail:
    ncm_vowel_study_free(s);
    return NULL;
}

/* ---- text -------------------------------------------------------------------------------------
 */

static int study_ok(const ncm_vowel_study *s)
{
    return s && s->net && s->n_baselines >= 0 && s->n_baselines <= 3;
}

ncm_status ncm_vowel_study_print(const ncm_vowel_study *s, FILE *f, ncm_error *err)
{
    if (!study_ok(s) || !f)
        return ncm_error_set(err, NCM_ERR_ARG, "study and stream: expected non-NULL");
    const ncm_vowel_training *t = s->net;
    const ncm_vowel_model *m = &t->model;
    const int nc = m->n_classes, no = m->n_osc;
    fprintf(f, "vowels:");
    for (int k = 0; k < nc; k++)
        fprintf(f, " %s", ncm_vowel_code(m->select.vowels[k]));
    fprintf(f, "; inputs:");
    for (int k = 0; k < m->n_in; k++)
        fprintf(f, "%s %c = F%d", k ? "," : "", 'A' + k, m->select.formants[k] + 1);
    fprintf(f, "; %d oscillators, coupling %g MHz\n", no, m->config.w_mhz);
    fprintf(f, "train: %lld tokens, %d speakers (%s)\n", (long long)s->n_train, s->n_train_speakers,
            s->train_source);
    fprintf(f, "test:  %lld tokens, %d speakers (%s)\n\n", (long long)s->n_test, s->n_test_speakers,
            s->test_source);

    fprintf(f, "%-34s %8s %8s %17s\n", "", "train %", "test %", "undecided (test)");
    const struct {
        const char *name;
        const ncm_vowel_score *train, *test;
    } rows[4] = {{"oscillators (learned)", &t->train, &t->test},
                 {"oscillators (calibrated, no on-line)",
                  t->model.config.learn ? &t->train_design : NULL, &t->test_design},
                 {"oscillators (untrained)", &t->train_init, &t->test_init},
                 {"oscillators (uncoupled, learned)", s->uncoupled ? &s->uncoupled->train : NULL,
                  s->uncoupled ? &s->uncoupled->test : NULL}};
    for (int r = 0; r < 4; r++)
        if (rows[r].train)
            fprintf(f, "%-34s %8.1f %8.1f %17lld\n", rows[r].name, 100 * rows[r].train->accuracy,
                    100 * rows[r].test->accuracy, (long long)rows[r].test->undecided);
    for (int b = 0; b < s->n_baselines; b++) {
        const char *name = ncm_vowel_baseline_name(s->baseline[b].kind);
        fprintf(f, "%-34s %8.1f %8.1f %17s\n", name ? name : "?",
                100 * s->baseline[b].train_accuracy, 100 * s->baseline[b].test_accuracy, "-");
    }
    fprintf(f, "(design on the simulated single-device response: %.1f %% of the training set)\n\n",
            100 * t->design_train_accuracy);

    fprintf(f, "%-10s %14s %14s %14s\n", "oscillator", "I_init (mA)", "I_dc (mA)", "f_free (MHz)");
    for (int i = 0; i < no; i++)
        fprintf(f, "%-10d %14.4f %14.4f %14.4f\n", i, m->i_init_ma[i], m->i_dc_ma[i],
                m->f_free_mhz[i]);

    fprintf(f, "\ntarget patterns (oscillator:input locked to; the others free):\n");
    for (int c = 0; c < nc; c++) {
        fprintf(f, "  %s:", ncm_vowel_code(m->select.vowels[c]));
        int any = 0;
        for (int i = 0; i < no; i++) {
            const int st = m->targets[c * no + i];
            if (st >= 0) {
                fprintf(f, " %d:%c", i, 'A' + st);
                any = 1;
            }
        }
        fprintf(f, "%s\n", any ? "" : " all free");
    }

    fprintf(f,
            "\ntest confusion (rows: true vowel, columns: predicted; %lld undecided not "
            "shown):\n%6s",
            (long long)t->test.undecided, "");
    for (int p = 0; p < nc; p++)
        fprintf(f, " %5s", ncm_vowel_code(m->select.vowels[p]));
    fprintf(f, "\n");
    for (int c = 0; c < nc; c++) {
        fprintf(f, "%6s", ncm_vowel_code(m->select.vowels[c]));
        for (int p = 0; p < nc; p++)
            fprintf(f, " %5lld", (long long)t->test.confusion[c * nc + p]);
        fprintf(f, "\n");
    }

    const double rate = t->seconds > 0 ? t->osc_steps / t->seconds : 0;
    fprintf(f, "\ntiming: %.3g s, %lld runs, %.3g oscillator-steps/s, %g ns simulated per sample\n",
            t->seconds, (long long)t->runs, rate, t->sim_ns_per_sample);
    if (fflush(f) || ferror(f))
        return ncm_error_set(err, NCM_ERR_IO, "writing the vowel study report failed");
    return NCM_OK;
}

/* ---- JSON -------------------------------------------------------------------------------------
 */

/* A confusion matrix as a list of rows: [true][predicted]. */
static cJSON *confusion_json(ncm_jdoc *d, const int64_t *conf, int nc)
{
    cJSON *a = ncm_jdoc_arr(d);
    for (int c = 0; c < nc && d->ok; c++) {
        cJSON *row = ncm_jdoc_arr(d);
        for (int p = 0; p < nc && d->ok; p++)
            ncm_jdoc_put(d, row, NULL, ncm_jdoc_int(d, conf[c * nc + p]));
        ncm_jdoc_put(d, a, NULL, row);
    }
    return a;
}

static cJSON *score_json(ncm_jdoc *d, const ncm_vowel_score *sc)
{
    cJSON *o = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, o, "accuracy", ncm_jdoc_num(d, sc->accuracy));
    ncm_jdoc_put(d, o, "correct", ncm_jdoc_int(d, sc->correct));
    ncm_jdoc_put(d, o, "undecided", ncm_jdoc_int(d, sc->undecided));
    ncm_jdoc_put(d, o, "n", ncm_jdoc_int(d, sc->n));
    ncm_jdoc_put(d, o, "confusion", confusion_json(d, sc->confusion, sc->n_classes));
    return o;
}

/* "train", "test" and "untrained" {train, test} of a training into o. */
static void scores_json(ncm_jdoc *d, cJSON *o, const ncm_vowel_training *t)
{
    ncm_jdoc_put(d, o, "train", score_json(d, &t->train));
    ncm_jdoc_put(d, o, "test", score_json(d, &t->test));
    cJSON *u = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, u, "train", score_json(d, &t->train_init));
    ncm_jdoc_put(d, u, "test", score_json(d, &t->test_init));
    ncm_jdoc_put(d, o, "untrained", u);
    if (t->model.config.learn) { /* the calibration step alone, before the on-line epochs */
        cJSON *c = ncm_jdoc_obj(d);
        ncm_jdoc_put(d, c, "train", score_json(d, &t->train_design));
        ncm_jdoc_put(d, c, "test", score_json(d, &t->test_design));
        ncm_jdoc_put(d, o, "calibrated", c);
    } else {
        ncm_jdoc_put(d, o, "calibrated", d->ok ? ncm_jdoc_mark(d, cJSON_CreateNull()) : NULL);
    }
}

static cJSON *data_json(ncm_jdoc *d, const char *source, int64_t n, int speakers)
{
    cJSON *o = ncm_jdoc_obj(d);
    ncm_jdoc_put(d, o, "source", ncm_jdoc_str(d, source));
    ncm_jdoc_put(d, o, "tokens", ncm_jdoc_int(d, n));
    ncm_jdoc_put(d, o, "speakers", ncm_jdoc_int(d, speakers));
    return o;
}

ncm_status ncm_vowel_study_save_json(const ncm_vowel_study *s, const char *path, ncm_error *err)
{
    if (!study_ok(s) || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "study and path: expected non-NULL");
    const ncm_vowel_training *t = s->net;
    ncm_status st = ncm_vowel_model_check_in(&t->model, path, NCM_ERR_ARG, err);
    if (st)
        return st;
    ncm_jdoc d = {1};
    cJSON *root = ncm_jdoc_head(&d, RESULT_FORMAT, RESULT_VERSION);
    ncm_jdoc_put(&d, root, "model", model_json(&d, &t->model));
    scores_json(&d, root, t);
    if (s->uncoupled) {
        cJSON *u = ncm_jdoc_obj(&d);
        scores_json(&d, u, s->uncoupled);
        ncm_jdoc_put(&d, root, "uncoupled", u);
    } else {
        ncm_jdoc_put(&d, root, "uncoupled", d.ok ? ncm_jdoc_mark(&d, cJSON_CreateNull()) : NULL);
    }
    cJSON *bl = ncm_jdoc_arr(&d);
    for (int b = 0; b < s->n_baselines && d.ok; b++) {
        const ncm_vowel_baseline_result *r = &s->baseline[b];
        const char *name = ncm_vowel_baseline_name(r->kind);
        cJSON *o = ncm_jdoc_obj(&d);
        ncm_jdoc_put(&d, o, "name", ncm_jdoc_str(&d, name ? name : "?"));
        ncm_jdoc_put(&d, o, "train_accuracy", ncm_jdoc_num(&d, r->train_accuracy));
        ncm_jdoc_put(&d, o, "test_accuracy", ncm_jdoc_num(&d, r->test_accuracy));
        ncm_jdoc_put(&d, o, "confusion", confusion_json(&d, r->confusion, r->n_classes));
        ncm_jdoc_put(&d, bl, NULL, o);
    }
    ncm_jdoc_put(&d, root, "baselines", bl);
    cJSON *curve = ncm_jdoc_arr(&d);
    for (int e = 0; e < t->epochs && d.ok; e++) {
        cJSON *o = ncm_jdoc_obj(&d);
        ncm_jdoc_put(&d, o, "epoch", ncm_jdoc_int(&d, e + 1));
        ncm_jdoc_put(&d, o, "train_accuracy", ncm_jdoc_num(&d, t->curve_train[e]));
        ncm_jdoc_put(&d, o, "mismatch", ncm_jdoc_num(&d, t->curve_mismatch[e]));
        ncm_jdoc_put(&d, curve, NULL, o);
    }
    ncm_jdoc_put(&d, root, "curve", curve);
    ncm_jdoc_put(&d, root, "design_train_accuracy", ncm_jdoc_num(&d, t->design_train_accuracy));
    cJSON *data = ncm_jdoc_obj(&d);
    ncm_jdoc_put(&d, data, "train",
                 data_json(&d, s->train_source, s->n_train, s->n_train_speakers));
    ncm_jdoc_put(&d, data, "test", data_json(&d, s->test_source, s->n_test, s->n_test_speakers));
    ncm_jdoc_put(&d, root, "data", data);
    cJSON *tm = ncm_jdoc_obj(&d);
    ncm_jdoc_put(&d, tm, "seconds", ncm_jdoc_num(&d, t->seconds));
    ncm_jdoc_put(&d, tm, "runs", ncm_jdoc_int(&d, t->runs));
    ncm_jdoc_put(&d, tm, "osc_steps", ncm_jdoc_num(&d, t->osc_steps));
    ncm_jdoc_put(&d, tm, "osc_steps_per_second",
                 ncm_jdoc_num(&d, t->seconds > 0 ? t->osc_steps / t->seconds : NAN));
    ncm_jdoc_put(&d, tm, "sim_ns_per_sample", ncm_jdoc_num(&d, t->sim_ns_per_sample));
    ncm_jdoc_put(&d, root, "timing", tm);
    return ncm_jdoc_finish(&d, root, path, err);
}

ncm_status ncm_vowel_score_save_json(const ncm_vowel_score *sc, const ncm_vowel_model *m,
                                     const char *model_path, const char *data_source,
                                     const char *split, const char *path, ncm_error *err)
{
    if (!sc || !m || !model_path || !data_source || !split || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "score JSON: expected non-NULL arguments");
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "format", "nanocim-vowel-eval") &&
             cJSON_AddNumberToObject(o, "version", 1) && ncm_json_add_producer(o) &&
             cJSON_AddStringToObject(o, "model", model_path) &&
             cJSON_AddStringToObject(o, "data", data_source) &&
             cJSON_AddStringToObject(o, "split", split);
    cJSON *classes = ok ? cJSON_AddArrayToObject(o, "classes") : NULL;
    for (int c = 0; classes && c < m->n_classes; c++)
        ok &=
            cJSON_AddItemToArray(classes, cJSON_CreateString(ncm_vowel_code(m->select.vowels[c])));
    ok = ok && classes && cJSON_AddNumberToObject(o, "n", (double)sc->n) &&
         cJSON_AddNumberToObject(o, "correct", (double)sc->correct) &&
         cJSON_AddNumberToObject(o, "undecided", (double)sc->undecided) &&
         ncm_json_add_number_exact(o, "accuracy", sc->accuracy);
    cJSON *conf = ok ? cJSON_AddArrayToObject(o, "confusion") : NULL;
    for (int t = 0; conf && t < sc->n_classes; t++) {
        cJSON *row = cJSON_CreateArray();
        ok &= row && cJSON_AddItemToArray(conf, row);
        for (int p = 0; ok && p < sc->n_classes; p++)
            ok &= cJSON_AddItemToArray(
                row, cJSON_CreateNumber((double)sc->confusion[t * sc->n_classes + p]));
    }
    ncm_status st = ok && conf ? ncm_json_write(path, o, err)
                               : ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    cJSON_Delete(o);
    return st;
}
