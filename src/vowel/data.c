/* The data half of the vowel layer (include/nanocim/vowel.h, docs/vowels.md): vowel, group and
 * formant codes; the selection and its parsers; the reader of Hillenbrand's vowdata.dat; the
 * synthetic generator on the compiled-in statistics of Hillenbrand et al., J. Acoust. Soc. Am.
 * 97, 3099 (1995) (src/vowel/hillenbrand_table.c); the train/test split by speaker. */
#include "nanocim/vowel.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nanocim/rng.h"
#include "util/binfile.h"
#include "util/io.h"
#include "vowel/vowel_internal.h"

/* ---- codes ----------------------------------------------------------------------------------- */

static const char *const vowel_codes[NCM_VOWEL_N] = {"ae", "ah", "aw", "eh", "er", "ei",
                                                     "ih", "iy", "oa", "oo", "uh", "uw"};
static const char group_chars[NCM_VOWEL_N_GROUPS] = {'m', 'w', 'b', 'g'};
static const char *const group_names[NCM_VOWEL_N_GROUPS] = {"men", "women", "boys", "girls"};
#define VOWEL_CODE_LIST "ae, ah, aw, eh, er, ei, ih, iy, oa, oo, uh, uw"

const char *ncm_vowel_code(int v)
{
    return v >= 0 && v < NCM_VOWEL_N ? vowel_codes[v] : NULL;
}

int ncm_vowel_parse(const char *code)
{
    if (!code)
        return -1;
    for (int v = 0; v < NCM_VOWEL_N; v++)
        if (strcmp(code, vowel_codes[v]) == 0)
            return v;
    return -1;
}

char ncm_vowel_group_char(int g)
{
    return g >= 0 && g < NCM_VOWEL_N_GROUPS ? group_chars[g] : 0;
}

int ncm_vowel_group_parse(char c)
{
    for (int g = 0; g < NCM_VOWEL_N_GROUPS; g++)
        if (c == group_chars[g])
            return g;
    return -1;
}

/* ASCII classes (the file format is ASCII; no locale). */
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}
static int is_letter(char c)
{
    return is_lower(c) || (c >= 'A' && c <= 'Z');
}
static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* snprintf into a fixed buffer, truncating silently (messages and the `source` field). */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int w = vsnprintf(buf, n, f, ap);
    va_end(ap);
    (void)w;
}

/* ---- selection ------------------------------------------------------------------------------- */

void ncm_vowel_select_default(ncm_vowel_select *s)
{
    /* Romera et al. (2018): women, the 7 vowels ae ah aw eh er ih iy, features F1 and F2 */
    static const int vowels[] = {0, 1, 2, 3, 4, 6, 7};
    memset(s, 0, sizeof *s);
    s->groups = 1u << NCM_VOWEL_WOMEN;
    s->n_vowels = (int)(sizeof vowels / sizeof vowels[0]);
    memcpy(s->vowels, vowels, sizeof vowels);
    s->n_formants = 2;
    s->formants[0] = 0;
    s->formants[1] = 1;
    s->formants[2] = 2; /* unused while n_formants = 2 */
}

ncm_status ncm_vowel_select_check(const ncm_vowel_select *s, ncm_error *err)
{
    if (!s)
        return ncm_error_set(err, NCM_ERR_ARG, "ncm_vowel_select: NULL");
    if (s->groups == 0 || (s->groups >> NCM_VOWEL_N_GROUPS) != 0)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "groups = %u: expected a non-empty set of bits 0 .. %d (1 men, 2 "
                             "women, 4 boys, 8 girls)",
                             s->groups, NCM_VOWEL_N_GROUPS - 1);
    if (s->n_vowels < 1 || s->n_vowels > NCM_VOWEL_N)
        return ncm_error_set(err, NCM_ERR_ARG, "n_vowels = %d: expected 1 .. %d", s->n_vowels,
                             NCM_VOWEL_N);
    for (int k = 0; k < s->n_vowels; k++) {
        const int v = s->vowels[k];
        if (v < 0 || v >= NCM_VOWEL_N)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "vowels[%d] = %d: expected a vowel index 0 .. %d", k, v,
                                 NCM_VOWEL_N - 1);
        for (int j = 0; j < k; j++)
            if (s->vowels[j] == v)
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "vowels[%d] = %d (%s): the same vowel as vowels[%d], expected "
                                     "distinct vowels",
                                     k, v, vowel_codes[v], j);
    }
    if (s->n_formants < 1 || s->n_formants > NCM_VOWEL_MAX_FORMANTS)
        return ncm_error_set(err, NCM_ERR_ARG, "n_formants = %d: expected 1 .. %d", s->n_formants,
                             NCM_VOWEL_MAX_FORMANTS);
    for (int f = 0; f < s->n_formants; f++) {
        const int F = s->formants[f];
        if (F < 0 || F >= NCM_VOWEL_MAX_FORMANTS)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "formants[%d] = %d: expected a formant index 0 .. %d (F1 .. F%d)",
                                 f, F, NCM_VOWEL_MAX_FORMANTS - 1, NCM_VOWEL_MAX_FORMANTS);
        for (int j = 0; j < f; j++)
            if (s->formants[j] == F)
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "formants[%d] = %d (F%d): the same formant as formants[%d], "
                                     "expected distinct formants",
                                     f, F, F + 1, j);
    }
    return NCM_OK;
}

/* The next comma-separated item of the list at *cur, blanks around it trimmed; *cur becomes NULL
 * after the last item. 0 when the list is exhausted. */
static int next_item(const char **cur, const char **item, int *len)
{
    const char *p = *cur;
    if (!p)
        return 0;
    const char *e = strchr(p, ',');
    if (!e)
        e = p + strlen(p);
    const char *a = p, *b = e;
    while (a < b && is_blank(*a))
        a++;
    while (b > a && is_blank(b[-1]))
        b--;
    *item = a;
    *len = (int)(b - a);
    *cur = *e ? e + 1 : NULL;
    return 1;
}

ncm_status ncm_vowel_parse_vowels(const char *list, ncm_vowel_select *s, ncm_error *err)
{
    if (!list || !s)
        return ncm_error_set(err, NCM_ERR_ARG, "vowel list: NULL");
    int v[NCM_VOWEL_N], n = 0;
    const char *cur = list, *it;
    int len;
    while (next_item(&cur, &it, &len)) {
        if (len == 0)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "vowel list \"%.200s\": empty item, expected codes such as "
                                 "\"ae,ah,aw\"",
                                 list);
        char code[3] = {0};
        if (len == 2)
            memcpy(code, it, 2);
        const int k = ncm_vowel_parse(code);
        if (k < 0)
            return ncm_error_set(
                err, NCM_ERR_ARG,
                "vowel \"%.*s\" in \"%.200s\": unknown, expected one of " VOWEL_CODE_LIST,
                len > 40 ? 40 : len, it, list);
        for (int j = 0; j < n; j++)
            if (v[j] == k)
                return ncm_error_set(err, NCM_ERR_ARG, "vowel \"%s\" in \"%.200s\": repeated", code,
                                     list);
        v[n++] = k; /* at most NCM_VOWEL_N: the vowels are distinct */
    }
    s->n_vowels = n;
    memcpy(s->vowels, v, (size_t)n * sizeof v[0]);
    return NCM_OK;
}

ncm_status ncm_vowel_parse_groups(const char *list, ncm_vowel_select *s, ncm_error *err)
{
    if (!list || !s)
        return ncm_error_set(err, NCM_ERR_ARG, "group list: NULL");
    unsigned groups = 0;
    for (const char *p = list; *p; p++) {
        if (*p == ',' || is_blank(*p))
            continue;
        const int g = ncm_vowel_group_parse(*p);
        if (g < 0) {
            char shown[8];
            if (*p > ' ' && *p < 127)
                fmt(shown, sizeof shown, "'%c'", *p);
            else
                fmt(shown, sizeof shown, "0x%02x", (unsigned)(unsigned char)*p);
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "group %s in \"%.200s\": unknown, expected m (men), w (women), b "
                                 "(boys) or g (girls)",
                                 shown, list);
        }
        if (groups & (1u << g))
            return ncm_error_set(err, NCM_ERR_ARG, "group '%c' in \"%.200s\": repeated", *p, list);
        groups |= 1u << g;
    }
    if (!groups)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "group list \"%.200s\": empty, expected group characters such as "
                             "\"w\" or \"m,w\"",
                             list);
    s->groups = groups;
    return NCM_OK;
}

ncm_status ncm_vowel_parse_formants(const char *list, ncm_vowel_select *s, ncm_error *err)
{
    if (!list || !s)
        return ncm_error_set(err, NCM_ERR_ARG, "formant list: NULL");
    int fm[NCM_VOWEL_MAX_FORMANTS], n = 0;
    const char *cur = list, *it;
    int len;
    while (next_item(&cur, &it, &len)) {
        if (len == 0)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "formant list \"%.200s\": empty item, expected formants such as "
                                 "\"f1,f2\"",
                                 list);
        int F = -1;
        if (len == 2 && (it[0] == 'f' || it[0] == 'F') && it[1] >= '1' &&
            it[1] < '1' + NCM_VOWEL_MAX_FORMANTS)
            F = it[1] - '1';
        if (F < 0)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "formant \"%.*s\" in \"%.200s\": unknown, expected f1, f2 or f3",
                                 len > 40 ? 40 : len, it, list);
        for (int j = 0; j < n; j++)
            if (fm[j] == F)
                return ncm_error_set(err, NCM_ERR_ARG, "formant \"%.2s\" in \"%.200s\": repeated",
                                     it, list);
        fm[n++] = F;
    }
    s->n_formants = n;
    memcpy(s->formants, fm, (size_t)n * sizeof fm[0]);
    return NCM_OK;
}

/* "groups w, vowels ae,ah,..., formants F1,F2" for messages. */
static void describe_select(const ncm_vowel_select *s, char *buf, size_t cap)
{
    char g[16] = "", v[64] = "", f[16] = "";
    size_t n = 0;
    for (int i = 0; i < NCM_VOWEL_N_GROUPS; i++)
        if (s->groups & (1u << i)) {
            if (n)
                g[n++] = ',';
            g[n++] = group_chars[i];
        }
    g[n] = 0;
    for (int k = 0; k < s->n_vowels; k++) {
        if (k)
            strcat(v, ",");
        strcat(v, vowel_codes[s->vowels[k]]);
    }
    for (int k = 0; k < s->n_formants; k++)
        fmt(f + strlen(f), sizeof f - strlen(f), "%sF%d", k ? "," : "", s->formants[k] + 1);
    fmt(buf, cap, "groups %s, vowels %s, formants %s", g, v, f);
}

/* ---- sets ------------------------------------------------------------------------------------ */

void ncm_vowel_set_free(ncm_vowel_set *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->label);
    free(s->speaker);
    free(s->speaker_name);
    free(s);
}

/* A set of n tokens and n_speakers speakers of selection s; arrays uninitialised, names zeroed. */
static ncm_vowel_set *set_new(const ncm_vowel_select *s, int64_t n, int n_speakers, ncm_error *err)
{
    ncm_vowel_set *set = calloc(1, sizeof *set);
    if (set) {
        set->n = n;
        set->n_features = s->n_formants;
        set->n_classes = s->n_vowels;
        set->select = *s;
        set->n_speakers = n_speakers;
        const size_t m = n > 0 ? (size_t)n : 1;
        set->x = malloc(m * (size_t)s->n_formants * sizeof *set->x);
        set->label = malloc(m * sizeof *set->label);
        set->speaker = malloc(m * sizeof *set->speaker);
        set->speaker_name =
            calloc(n_speakers > 0 ? (size_t)n_speakers : 1, sizeof *set->speaker_name);
        if (set->x && set->label && set->speaker && set->speaker_name)
            return set;
    }
    ncm_vowel_set_free(set);
    ncm_error_set(err, NCM_ERR_NOMEM, "vowel set of %lld tokens: out of memory", (long long)n);
    return NULL;
}

/* ---- the reader of vowdata.dat --------------------------------------------------------------- */

enum {
    DAT_FIELDS = 16,   /* token code, duration, f0, F1..F4, 3 x (F1, F2, F3) */
    DAT_F1_FIELD = 3,  /* 0-based field of F1 at steady state (the file's column 4) */
    DAT_TALKERS = 100, /* two-digit talker numbers */
    DAT_MAX_DIGITS = 9 /* a field's digits (fits an int) */
};
#define DAT_MAX_BYTES ((size_t)64 << 20) /* vowdata.dat is 130 kB: anything this big is not it */

/* Growing token arrays of the reader. */
typedef struct {
    double *x;
    int32_t *label, *key; /* key: group * DAT_TALKERS + talker, renumbered at the end */
    int64_t n, cap;
    int nf;
} tokens;

static int tokens_push(tokens *t, const double *x, int32_t label, int32_t key)
{
    if (t->n == t->cap) {
        const int64_t cap = t->cap ? 2 * t->cap : 1024;
        double *nx = realloc(t->x, (size_t)cap * (size_t)t->nf * sizeof *nx);
        if (nx)
            t->x = nx;
        int32_t *nl = realloc(t->label, (size_t)cap * sizeof *nl);
        if (nl)
            t->label = nl;
        int32_t *nk = realloc(t->key, (size_t)cap * sizeof *nk);
        if (nk)
            t->key = nk;
        if (!nx || !nl || !nk)
            return -1;
        t->cap = cap;
    }
    memcpy(t->x + t->n * t->nf, x, (size_t)t->nf * sizeof *x);
    t->label[t->n] = label;
    t->key[t->n] = key;
    t->n++;
    return 0;
}

/* Reads the file whole after checking its size (a regular file is refused above
 * DAT_MAX_BYTES before reading; anything else, e.g. a pipe or /dev/zero, once it passes
 * DAT_MAX_BYTES, never read further). */
static ncm_status read_text(const char *path, char **text, size_t *len, ncm_error *err)
{
    struct stat st;
    *text = NULL;
    *len = 0;
    if (stat(path, &st) != 0)
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ncm_error_set(err, NCM_ERR_IO, "%s: is a directory, expected vowdata.dat", path);
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > DAT_MAX_BYTES)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: %jd bytes, more than the 64 MiB a vowel data file may have", path,
                             (intmax_t)st.st_size);
    return ncm_read_file_checked(path, NULL, 0, 1, DAT_MAX_BYTES, "vowel data file", text, len,
                                 err);
}

/* Parses the rows of the text (see ncm_vowel_load) into t; the counts of selected rows and of
 * drops; used[key] marks the speakers with a kept token. */
static ncm_status parse_rows(const char *path, const char *text, size_t len,
                             const ncm_vowel_select *s, tokens *t, int64_t *n_selected,
                             int64_t *dropped, unsigned char *used, ncm_error *err)
{
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: byte %zu is NUL: not a text file", path,
                             (size_t)(nul - text));
    int class_of[NCM_VOWEL_N];
    for (int v = 0; v < NCM_VOWEL_N; v++)
        class_of[v] = -1;
    for (int k = 0; k < s->n_vowels; k++)
        class_of[s->vowels[k]] = k;
    /* the line of each token seen (0: not seen), for the duplicate check */
    static const size_t n_keys = (size_t)NCM_VOWEL_N_GROUPS * DAT_TALKERS * NCM_VOWEL_N;
    long long *seen = calloc(n_keys, sizeof *seen);
    if (!seen)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);

    ncm_status st = NCM_OK;
    const char *p = text, *const end = text + len;
    long long line = 0;
    int in_data = 0;
    *n_selected = *dropped = 0;
    while (p < end && !st) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        /* the fields of the line */
        const char *fld[DAT_FIELDS];
        int flen[DAT_FIELDS], nfld = 0;
        for (const char *q = p; q < le;) {
            while (q < le && is_blank(*q))
                q++;
            if (q == le)
                break;
            const char *a = q;
            while (q < le && !is_blank(*q))
                q++;
            if (nfld < DAT_FIELDS) {
                fld[nfld] = a;
                flen[nfld] = (int)(q - a);
            }
            nfld++;
        }
        p = nl ? nl + 1 : end;
        if (nfld == 0)
            continue; /* blank line */
        if (!in_data) {
            /* the header ends at the first line that starts like a token code ("w12ae") */
            if (flen[0] >= 2 && is_letter(fld[0][0]) && is_digit(fld[0][1]))
                in_data = 1;
            else
                continue;
        }
        if (!nl) {
            st = ncm_error_set(err, NCM_ERR_FORMAT,
                               "%s: line %lld: the last row has no line end (%d fields): the file "
                               "is truncated",
                               path, line, nfld);
            break;
        }
        if (nfld != DAT_FIELDS) {
            st = ncm_error_set(err, NCM_ERR_FORMAT,
                               "%s: line %lld: %d fields, expected %d (a token code and 15 "
                               "integers)",
                               path, line, nfld, DAT_FIELDS);
            break;
        }
        /* the token code: group character, two-digit talker number, vowel code */
        const char *c = fld[0];
        if (flen[0] != 5 || !is_letter(c[0]) || !is_digit(c[1]) || !is_digit(c[2]) ||
            !is_letter(c[3]) || !is_letter(c[4])) {
            st = ncm_error_set(err, NCM_ERR_FORMAT,
                               "%s: line %lld: malformed token code \"%.*s\": expected a group "
                               "character, a two-digit talker number and a vowel code (e.g. "
                               "\"w12ae\")",
                               path, line, flen[0] > 32 ? 32 : flen[0], c);
            break;
        }
        const int g = ncm_vowel_group_parse(c[0]);
        if (g < 0) {
            st =
                ncm_error_set(err, NCM_ERR_FORMAT,
                              "%s: line %lld: unknown group '%c' in token \"%.5s\": expected m, w, "
                              "b or g",
                              path, line, c[0], c);
            break;
        }
        const char vc[3] = {c[3], c[4], 0};
        const int v = ncm_vowel_parse(vc);
        if (v < 0) {
            st = ncm_error_set(err, NCM_ERR_FORMAT,
                               "%s: line %lld: unknown vowel code \"%s\" in token \"%.5s\": "
                               "expected one of " VOWEL_CODE_LIST,
                               path, line, vc, c);
            break;
        }
        const int talker = (c[1] - '0') * 10 + (c[2] - '0');
        /* the 15 integers */
        int num[DAT_FIELDS] = {0};
        for (int i = 1; i < DAT_FIELDS && !st; i++) {
            int ok = flen[i] <= DAT_MAX_DIGITS, val = 0;
            for (int j = 0; j < flen[i] && ok; j++) {
                ok = is_digit(fld[i][j]);
                val = val * 10 + (fld[i][j] - '0');
            }
            if (!ok)
                st = ncm_error_set(err, NCM_ERR_FORMAT,
                                   "%s: line %lld, field %d: \"%.*s\": expected a non-negative "
                                   "integer (0 = not measurable)",
                                   path, line, i + 1, flen[i] > 32 ? 32 : flen[i], fld[i]);
            num[i] = val;
        }
        if (st)
            break;
        const int key = g * DAT_TALKERS + talker;
        long long *first = &seen[(size_t)key * NCM_VOWEL_N + (size_t)v];
        if (*first) {
            st = ncm_error_set(err, NCM_ERR_FORMAT,
                               "%s: line %lld: token \"%.5s\" repeats line %lld", path, line, c,
                               *first);
            break;
        }
        *first = line;
        /* the selection */
        if (!(s->groups & (1u << g)) || class_of[v] < 0)
            continue;
        ++*n_selected;
        double x[NCM_VOWEL_MAX_FORMANTS];
        int zero = 0;
        for (int f = 0; f < s->n_formants; f++) {
            const int val = num[DAT_F1_FIELD + s->formants[f]];
            zero |= val == 0;
            x[f] = val;
        }
        if (zero) {
            ++*dropped;
            continue;
        }
        if (tokens_push(t, x, class_of[v], key)) {
            st = ncm_error_set(err, NCM_ERR_NOMEM, "%s: line %lld: out of memory", path, line);
            break;
        }
        used[key] = 1;
    }
    free(seen);
    if (!st && !in_data)
        st = ncm_error_set(err, NCM_ERR_FORMAT,
                           "%s: no data row (a line starting with a token code such as \"w12ae\" "
                           "and 15 integers): not Hillenbrand's vowdata.dat",
                           path);
    return st;
}

ncm_vowel_set *ncm_vowel_load(const char *path, const ncm_vowel_select *s_in, ncm_error *err)
{
    ncm_vowel_select s;
    if (s_in)
        s = *s_in;
    else
        ncm_vowel_select_default(&s);
    if (ncm_vowel_select_check(&s, err))
        return NULL;
    if (!path) {
        ncm_error_set(err, NCM_ERR_ARG, "vowel data file: NULL path");
        return NULL;
    }
    char *text;
    size_t len;
    if (read_text(path, &text, &len, err))
        return NULL;
    tokens t = {.nf = s.n_formants};
    unsigned char used[NCM_VOWEL_N_GROUPS * DAT_TALKERS] = {0};
    int64_t n_selected = 0, dropped = 0;
    ncm_status st = parse_rows(path, text, len, &s, &t, &n_selected, &dropped, used, err);
    free(text);
    ncm_vowel_set *set = NULL;
    if (!st && t.n == 0) {
        char what[160];
        describe_select(&s, what, sizeof what);
        if (n_selected == 0)
            ncm_error_set(err, NCM_ERR_DATA, "%s: no row of the selection (%s)", path, what);
        else
            ncm_error_set(err, NCM_ERR_DATA,
                          "%s: all %lld rows of the selection (%s) have a selected formant 0 "
                          "(not measurable)",
                          path, (long long)n_selected, what);
        st = NCM_ERR_DATA;
    }
    if (!st) {
        /* speakers numbered by group, then talker number */
        int index[NCM_VOWEL_N_GROUPS * DAT_TALKERS], n_speakers = 0;
        for (int k = 0; k < NCM_VOWEL_N_GROUPS * DAT_TALKERS; k++)
            index[k] = used[k] ? n_speakers++ : -1;
        set = set_new(&s, t.n, n_speakers, err);
        if (set) {
            memcpy(set->x, t.x, (size_t)t.n * (size_t)t.nf * sizeof *t.x);
            memcpy(set->label, t.label, (size_t)t.n * sizeof *t.label);
            for (int64_t i = 0; i < t.n; i++)
                set->speaker[i] = index[t.key[i]];
            for (int k = 0; k < NCM_VOWEL_N_GROUPS * DAT_TALKERS; k++)
                if (index[k] >= 0)
                    fmt(set->speaker_name[index[k]], sizeof set->speaker_name[0], "%c%02d",
                        group_chars[k / DAT_TALKERS], k % DAT_TALKERS);
            set->dropped = dropped;
            fmt(set->source, sizeof set->source, "%s", path);
        }
    }
    free(t.x);
    free(t.label);
    free(t.key);
    return set;
}

/* ---- statistics and the synthetic generator ------------------------------------------------- */

static ncm_status check_vg(int v, int g, ncm_error *err)
{
    if (v < 0 || v >= NCM_VOWEL_N)
        return ncm_error_set(err, NCM_ERR_ARG, "v = %d: expected a vowel index 0 .. %d", v,
                             NCM_VOWEL_N - 1);
    if (g < 0 || g >= NCM_VOWEL_N_GROUPS)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "g = %d: expected a group index 0 .. %d (men, women, boys, girls)", g,
                             NCM_VOWEL_N_GROUPS - 1);
    return NCM_OK;
}

static ncm_status check_formant(const char *name, int f, ncm_error *err)
{
    if (f < 0 || f >= NCM_VOWEL_MAX_FORMANTS)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s = %d: expected a formant index 0 .. %d (F1 .. F%d)", name, f,
                             NCM_VOWEL_MAX_FORMANTS - 1, NCM_VOWEL_MAX_FORMANTS);
    return NCM_OK;
}

ncm_status ncm_vowel_stats(int v, int g, int f, double *mean_hz, double *sd_hz, ncm_error *err)
{
    ncm_status st;
    if ((st = check_vg(v, g, err)) || (st = check_formant("f", f, err)))
        return st;
    const ncm_vowel_stat *t = &ncm_vowel_table[v][ncm_vowel_table_group(g)];
    if (mean_hz)
        *mean_hz = t->mean_hz[f];
    if (sd_hz)
        *sd_hz = t->sd_hz[f];
    return NCM_OK;
}

/* The correlation of formants a and b in a table entry (1 on the diagonal). */
static double table_rho(const ncm_vowel_stat *t, int a, int b)
{
    if (a == b)
        return 1.0;
    const int lo = a < b ? a : b, hi = a < b ? b : a;
    /* rho[] holds F1-F2, F1-F3, F2-F3 */
    return t->rho[lo == 0 ? hi - 1 : 2];
}

ncm_status ncm_vowel_correlation(int v, int g, int f1, int f2, double *rho, ncm_error *err)
{
    ncm_status st;
    if ((st = check_vg(v, g, err)) || (st = check_formant("f1", f1, err)) ||
        (st = check_formant("f2", f2, err)))
        return st;
    if (rho)
        *rho = table_rho(&ncm_vowel_table[v][ncm_vowel_table_group(g)], f1, f2);
    return NCM_OK;
}

/* Lower Cholesky factor L (L L^T = a) of the n x n matrix a; 0, or the 1-based index of the
 * first non-positive pivot (a not positive definite). */
static int cholesky(int n, const double a[3][3], double l[3][3])
{
    memset(l, 0, 9 * sizeof l[0][0]);
    for (int j = 0; j < n; j++) {
        double d = a[j][j];
        for (int k = 0; k < j; k++)
            d -= l[j][k] * l[j][k];
        if (!(d > 1e-12))
            return j + 1;
        l[j][j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double s = a[i][j];
            for (int k = 0; k < j; k++)
                s -= l[i][k] * l[j][k];
            l[i][j] = s / l[j][j];
        }
    }
    return 0;
}

enum { SYNTH_MAX_SPEAKERS = 10000, SYNTH_MAX_ATTEMPTS = 100 };

ncm_vowel_set *ncm_vowel_synthetic(const ncm_vowel_select *s_in, int speakers_per_group,
                                   uint64_t seed, ncm_error *err)
{
    ncm_vowel_select s;
    if (s_in)
        s = *s_in;
    else
        ncm_vowel_select_default(&s);
    if (ncm_vowel_select_check(&s, err))
        return NULL;
    if (speakers_per_group < 1 || speakers_per_group > SYNTH_MAX_SPEAKERS) {
        ncm_error_set(err, NCM_ERR_ARG, "speakers_per_group = %d: expected 1 .. %d",
                      speakers_per_group, SYNTH_MAX_SPEAKERS);
        return NULL;
    }
    const int nf = s.n_formants, nc = s.n_vowels;
    int groups[NCM_VOWEL_N_GROUPS], ng = 0;
    for (int g = 0; g < NCM_VOWEL_N_GROUPS; g++)
        if (s.groups & (1u << g))
            groups[ng++] = g;
    /* x = mean + sd * (L z), z standard normal, L L^T the correlation matrix of the selected
     * formants (in the selection's order) of each class and table group */
    double L[NCM_VOWEL_N][NCM_VOWEL_TABLE_GROUPS][3][3];
    for (int gi = 0; gi < ng; gi++) {
        const int tg = ncm_vowel_table_group(groups[gi]);
        for (int k = 0; k < nc; k++) {
            const ncm_vowel_stat *t = &ncm_vowel_table[s.vowels[k]][tg];
            double r[3][3] = {{0}};
            for (int a = 0; a < nf; a++)
                for (int b = 0; b < nf; b++)
                    r[a][b] = table_rho(t, s.formants[a], s.formants[b]);
            const int bad = cholesky(nf, (const double(*)[3])r, L[k][tg]);
            if (bad) {
                ncm_error_set(err, NCM_ERR_DATA,
                              "vowel %s, group %s: the correlation matrix of the selected "
                              "formants is not positive definite (pivot %d)",
                              vowel_codes[s.vowels[k]], group_names[groups[gi]], bad);
                return NULL;
            }
        }
    }
    const int64_t n = (int64_t)ng * speakers_per_group * nc;
    ncm_vowel_set *set = set_new(&s, n, ng * speakers_per_group, err);
    if (!set)
        return NULL;
    int64_t i = 0;
    for (int gi = 0; gi < ng; gi++) {
        const int g = groups[gi], tg = ncm_vowel_table_group(g);
        for (int sp = 0; sp < speakers_per_group; sp++) {
            const int speaker = gi * speakers_per_group + sp;
            fmt(set->speaker_name[speaker], sizeof set->speaker_name[0], "%c%02d", group_chars[g],
                sp + 1);
            for (int k = 0; k < nc; k++, i++) {
                const ncm_vowel_stat *t = &ncm_vowel_table[s.vowels[k]][tg];
                ncm_rng r;
                ncm_rng_init(&r, seed, (uint64_t)i);
                double *x = set->x + i * nf;
                /* a formant <= 0 Hz is meaningless: such a token (at least 4.2 SDs out: about
                 * 1 in 70000 of the children's uw) is drawn again from the rest of its stream */
                for (int attempt = 0, bad = 1; bad; attempt++) {
                    if (attempt == SYNTH_MAX_ATTEMPTS) {
                        ncm_vowel_set_free(set);
                        ncm_error_set(err, NCM_ERR_DATA,
                                      "vowel %s, group %s: %d draws in a row with a formant <= 0",
                                      vowel_codes[s.vowels[k]], group_names[g], attempt);
                        return NULL;
                    }
                    double z[3];
                    for (int f = 0; f < nf; f++)
                        z[f] = ncm_rng_normal(&r);
                    bad = 0;
                    for (int f = 0; f < nf; f++) {
                        double y = 0;
                        for (int j = 0; j <= f; j++)
                            y += L[k][tg][f][j] * z[j];
                        const int F = s.formants[f];
                        x[f] = t->mean_hz[F] + t->sd_hz[F] * y;
                        bad |= !(x[f] > 0);
                    }
                }
                set->label[i] = k;
                set->speaker[i] = speaker;
            }
        }
    }
    set->dropped = 0;
    fmt(set->source, sizeof set->source, "synthetic (seed %llu)", (unsigned long long)seed);
    return set;
}

/* ---- split by speaker ------------------------------------------------------------------------ */

ncm_status ncm_vowel_split(const ncm_vowel_set *s, double train_frac, uint64_t seed,
                           ncm_vowel_set **train, ncm_vowel_set **test, ncm_error *err)
{
    if (train)
        *train = NULL;
    if (test)
        *test = NULL;
    if (!s || !train || !test)
        return ncm_error_set(err, NCM_ERR_ARG, "ncm_vowel_split: NULL set or output");
    if (!(train_frac > 0 && train_frac < 1))
        return ncm_error_set(err, NCM_ERR_ARG, "train_frac = %g: expected a fraction in (0, 1)",
                             train_frac);
    const int ns = s->n_speakers;
    if (ns < 2)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: %d speaker(s): a split by speaker needs at least 2", s->source,
                             ns);
    const long n_train = lround(train_frac * ns);
    if (n_train < 1 || n_train > ns - 1)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "train_frac = %g with %d speakers: %ld train and %ld test speakers, "
                             "expected at least one on each side",
                             train_frac, ns, n_train, ns - n_train);
    int32_t *perm = malloc((size_t)ns * sizeof *perm);
    int *side = malloc((size_t)ns * sizeof *side), *index = malloc((size_t)ns * sizeof *index);
    if (!perm || !side || !index) {
        free(perm);
        free(side);
        free(index);
        return ncm_error_set(err, NCM_ERR_NOMEM, "ncm_vowel_split: out of memory");
    }
    for (int k = 0; k < ns; k++)
        perm[k] = k;
    ncm_rng r;
    ncm_rng_init(&r, seed, 0);
    ncm_rng_shuffle(&r, perm, ns);
    for (int k = 0; k < ns; k++)
        side[perm[k]] = k < n_train ? 0 : 1;
    /* speakers renumbered in their original order on each side */
    int count[2] = {0, 0};
    for (int k = 0; k < ns; k++)
        index[k] = count[side[k]]++;
    int64_t tokens_of[2] = {0, 0};
    for (int64_t i = 0; i < s->n; i++)
        tokens_of[side[s->speaker[i]]]++;
    ncm_vowel_set *out[2] = {NULL, NULL};
    ncm_status st = NCM_OK;
    for (int h = 0; h < 2 && !st; h++) {
        out[h] = set_new(&s->select, tokens_of[h], count[h], err);
        if (!out[h])
            st = NCM_ERR_NOMEM;
    }
    if (!st) {
        const int nf = s->n_features;
        int64_t at[2] = {0, 0};
        for (int64_t i = 0; i < s->n; i++) {
            const int sp = s->speaker[i], h = side[sp];
            ncm_vowel_set *o = out[h];
            memcpy(o->x + at[h] * nf, s->x + i * nf, (size_t)nf * sizeof *s->x);
            o->label[at[h]] = s->label[i];
            o->speaker[at[h]] = index[sp];
            at[h]++;
        }
        for (int k = 0; k < ns; k++)
            memcpy(out[side[k]]->speaker_name[index[k]], s->speaker_name[k],
                   sizeof s->speaker_name[0]);
        for (int h = 0; h < 2; h++) {
            out[h]->dropped = 0; /* the drops are not attributed to speakers */
            fmt(out[h]->source, sizeof out[h]->source, "%s: %s split %g (seed %llu)", s->source,
                h ? "test" : "train", train_frac, (unsigned long long)seed);
        }
        *train = out[0];
        *test = out[1];
    } else {
        ncm_vowel_set_free(out[0]);
        ncm_vowel_set_free(out[1]);
    }
    free(perm);
    free(side);
    free(index);
    return st;
}
