/* Calibration of the RRAM device model to measured resistances: the measurement CSV reader, the
 * fit of the LRS and HRS parameters (per-condition lognormal statistics, then the model's trends by
 * weighted least squares), and the goodness-of-fit report with its Kolmogorov-Smirnov statistics.
 * The equations are in include/nanocim/rram_fit.h; the CSV format and the method for users in
 * docs/calibration.md. */
#include "nanocim/rram_fit.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nanocim/config.h"
#include "rram/device_internal.h"
#include "util/binfile.h"
#include "util/io.h"
#include "util/json.h"

/* ---- CSV reader ------------------------------------------------------------------------------ */

enum { MAX_COLS = 256 };

/* At most 40 bytes of a cell, quoted into buf for a message, non-printable bytes as '?'. */
static const char *cell_text(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    for (; s[n] && n + 4 < size && n < 40; n++)
        buf[n] = isprint((unsigned char)s[n]) ? s[n] : '?';
    if (s[n] && n + 4 < size)
        buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
    buf[n] = '\0';
    return buf;
}

/* Strict decimal number [+-]d[.d][(e|E)[+-]d]: no hex, "nan" or "inf" (strtod would take them),
 * no trailing text. Returns 1 and *v on success. */
static int parse_number(const char *s, double *v)
{
    const char *p = s;
    int digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    for (; isdigit((unsigned char)*p); p++)
        digits++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            digits++;
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p)
        return 0;
    char *end;
    *v = strtod(s, &end);
    return end == p; /* a locale with a decimal comma stops early: refused, not misread */
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* Splits a line at commas into fields (pointers into line, which is modified: fields trimmed and
 * NUL-terminated, RFC 4180 double quotes removed, "" read as "). Returns the field count, -1 for
 * an unterminated quote or text after a closing quote (*bad: that field's index), -2 for more than
 * max fields. */
static int split_fields(char *line, char **f, int max, int *bad)
{
    int n = 0;
    char *r = line;
    for (;;) {
        if (n == max)
            return -2;
        while (*r == ' ' || *r == '\t')
            r++;
        if (*r == '"') {
            char *w = r;
            f[n] = w;
            for (r++;; r++) {
                if (*r == '\0') {
                    *bad = n;
                    return -1;
                }
                if (*r == '"' && r[1] != '"')
                    break;
                if (*r == '"')
                    r++;
                *w++ = *r;
            }
            r++;
            while (*r == ' ' || *r == '\t')
                r++;
            if (*r != ',' && *r != '\0') {
                *bad = n;
                return -1;
            }
            char c = *r;
            *w = '\0'; /* w is before r: the separator is still intact */
            n++;
            if (c == '\0')
                return n;
            r++;
        } else {
            char *comma = strchr(r, ',');
            f[n++] = r;
            if (comma)
                *comma = '\0';
            trim(r);
            if (!comma)
                return n;
            r = comma + 1;
        }
    }
}

/* "lrs@100@1.5@100": the canonical name of a condition in messages and the report. */
static void cond_label(char *buf, size_t size, const ncm_rram_meas_cond *c)
{
    snprintf(buf, size, "%s@%.15g@%.15g@%.15g", c->lrs ? "lrs" : "hrs", c->i_cc_ua, c->v_reset_v,
             c->t_p_ns);
}

/* Parses STATE@I_CC_UA[@V_RESET_V[@T_P_NS]] (s is modified); on failure returns 0 with the reason
 * in why. */
static int parse_condition(char *s, const ncm_rram_params *base, ncm_rram_meas_cond *c, char *why,
                           size_t why_size)
{
    char *part[4];
    int np = 0;
    for (char *q = s;;) {
        if (np == 4) {
            snprintf(why, why_size, "more than 4 parts");
            return 0;
        }
        part[np++] = q;
        char *at = strchr(q, '@');
        if (!at)
            break;
        *at = '\0';
        q = at + 1;
    }
    for (int i = 0; i < np; i++)
        part[i] = trim(part[i]);
    char tb[64];
    if (strcasecmp(part[0], "lrs") == 0)
        c->lrs = 1;
    else if (strcasecmp(part[0], "hrs") == 0)
        c->lrs = 0;
    else {
        snprintf(why, why_size, "state \"%s\" is neither lrs nor hrs",
                 cell_text(part[0], tb, sizeof tb));
        return 0;
    }
    if (np < 2) {
        snprintf(why, why_size, "no compliance current after the state");
        return 0;
    }
    if (!parse_number(part[1], &c->i_cc_ua) || !isfinite(c->i_cc_ua) || c->i_cc_ua <= 0) {
        snprintf(why, why_size, "I_CC_UA \"%s\" is not a number > 0",
                 cell_text(part[1], tb, sizeof tb));
        return 0;
    }
    c->v_reset_v = base->v_reset_ref_v;
    if (np >= 3 &&
        (!parse_number(part[2], &c->v_reset_v) || !isfinite(c->v_reset_v) || c->v_reset_v == 0)) {
        snprintf(why, why_size, "V_RESET_V \"%s\" is not a non-zero number",
                 cell_text(part[2], tb, sizeof tb));
        return 0;
    }
    c->t_p_ns = base->t_p_ref_ns;
    if (np >= 4 && (!parse_number(part[3], &c->t_p_ns) || !isfinite(c->t_p_ns) || c->t_p_ns <= 0)) {
        snprintf(why, why_size, "T_P_NS \"%s\" is not a number > 0",
                 cell_text(part[3], tb, sizeof tb));
        return 0;
    }
    return 1;
}

/* Open-addressing hash set of the conditions seen so far (slot: index into conds, -1 empty). */
typedef struct {
    int32_t *slot;
    size_t cap; /* a power of two */
} cond_table;

static uint64_t mix64(uint64_t x)
{
    /* splitmix64 finalizer (Steele, Lea and Flood, OOPSLA 2014) */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t cond_hash(const ncm_rram_meas_cond *c)
{
    double v[3] = {c->i_cc_ua, c->v_reset_v, c->t_p_ns};
    uint64_t h = (uint64_t)c->lrs;
    for (int i = 0; i < 3; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof b);
        h = mix64(h ^ b);
    }
    return h;
}

static int cond_equal(const ncm_rram_meas_cond *a, const ncm_rram_meas_cond *b)
{
    return a->lrs == b->lrs && a->i_cc_ua == b->i_cc_ua && a->v_reset_v == b->v_reset_v &&
           a->t_p_ns == b->t_p_ns;
}

/* Slot of c: holding its index, or the empty slot where it goes. */
static size_t table_find(const cond_table *t, const ncm_rram_meas_cond *conds,
                         const ncm_rram_meas_cond *c)
{
    size_t i = (size_t)cond_hash(c) & (t->cap - 1);
    while (t->slot[i] >= 0 && !cond_equal(&conds[t->slot[i]], c))
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* Doubles the table (kept at most half full); 0 when out of memory. */
static int table_grow(cond_table *t, const ncm_rram_meas_cond *conds, int32_t n)
{
    cond_table nt = {malloc(2 * t->cap * sizeof *nt.slot), 2 * t->cap};
    if (!nt.slot)
        return 0;
    for (size_t i = 0; i < nt.cap; i++)
        nt.slot[i] = -1;
    for (int32_t k = 0; k < n; k++)
        nt.slot[table_find(&nt, conds, &conds[k])] = k;
    free(t->slot);
    *t = nt;
    return 1;
}

/* Grows *arr to hold at least need elements of size elem; 0 when out of memory. */
static int reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    void *na = realloc(*arr, nc * elem);
    if (!na)
        return 0;
    *arr = na;
    *cap = nc;
    return 1;
}

void ncm_rram_meas_free(ncm_rram_measurements *m)
{
    if (!m)
        return;
    free(m->source);
    free(m->rows);
    free(m->conds);
    free(m);
}

/* State of one parse: the header's columns and the growing arrays. */
typedef struct {
    const char *src;
    char *head;           /* copy of the header line; names point into it */
    char *name[MAX_COLS]; /* column names */
    int ncols, col_cond, col_cycle, col_r;
    int64_t head_line;
    size_t cap_rows, cap_conds;
    cond_table table;
} csv_state;

static ncm_status read_header(csv_state *cs, char *line, int64_t ln, ncm_error *err)
{
    cs->head = strdup(line);
    if (!cs->head)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", cs->src);
    int bad = 0;
    int n = split_fields(cs->head, cs->name, MAX_COLS, &bad);
    if (n == -2)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: line %lld (header): more than %d columns",
                             cs->src, (long long)ln, MAX_COLS);
    if (n < 0)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: line %lld (header), column %d: unterminated quote or text after "
                             "a closing quote",
                             cs->src, (long long)ln, bad + 1);
    cs->ncols = n;
    cs->head_line = ln;
    cs->col_cond = cs->col_cycle = cs->col_r = -1;
    for (int i = 0; i < n; i++) {
        int *col = NULL;
        if (strcasecmp(cs->name[i], "condition") == 0)
            col = &cs->col_cond;
        else if (strcasecmp(cs->name[i], "cycle") == 0)
            col = &cs->col_cycle;
        else if (strcasecmp(cs->name[i], "resistance_ohm") == 0 ||
                 strcasecmp(cs->name[i], "resistance") == 0)
            col = &cs->col_r;
        if (!col)
            continue; /* an extra column: ignored */
        if (*col >= 0)
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: line %lld (header): columns %d (\"%s\") and %d (\"%s\") "
                                 "name the same quantity",
                                 cs->src, (long long)ln, *col + 1, cs->name[*col], i + 1,
                                 cs->name[i]);
        *col = i;
    }
    const char *missing = cs->col_cond < 0    ? "condition"
                          : cs->col_cycle < 0 ? "cycle"
                          : cs->col_r < 0     ? "resistance_ohm"
                                              : NULL;
    if (missing)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: line %lld (header): no column \"%s\" (the first line that is "
                             "not blank or a comment must name the columns condition, cycle and "
                             "resistance_ohm)",
                             cs->src, (long long)ln, missing);
    return NCM_OK;
}

static ncm_status read_row(csv_state *cs, char *line, int64_t ln, const ncm_rram_params *base,
                           ncm_rram_measurements *m, ncm_error *err)
{
    char *f[MAX_COLS];
    int bad = 0;
    int n = split_fields(line, f, MAX_COLS, &bad);
    if (n == -1)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: line %lld, column \"%s\": unterminated quote or text after a "
                             "closing quote",
                             cs->src, (long long)ln,
                             bad < cs->ncols ? cs->name[bad] : "(beyond the header)");
    if (n != cs->ncols) {
        if (n >= 0 && n < cs->ncols)
            return ncm_error_set(err, NCM_ERR_FORMAT,
                                 "%s: line %lld: %d fields but the header (line %lld) has %d: "
                                 "column \"%s\" is missing",
                                 cs->src, (long long)ln, n, (long long)cs->head_line, cs->ncols,
                                 cs->name[n]);
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: line %lld: more fields than the %d columns of the header (line "
                             "%lld), after column \"%s\"",
                             cs->src, (long long)ln, cs->ncols, (long long)cs->head_line,
                             cs->name[cs->ncols - 1]);
    }
    char tb[64], why[160];
    ncm_rram_meas row = {0, 0, 0, ln};
    double v;
    const char *cell = f[cs->col_r];
    if (!parse_number(cell, &v) || !isfinite(v) || v <= 0)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: line %lld, column \"%s\": expected a resistance in ohm, a finite "
                             "number > 0, found \"%s\"",
                             cs->src, (long long)ln, cs->name[cs->col_r],
                             cell_text(cell, tb, sizeof tb));
    row.r_ohm = v;
    cell = f[cs->col_cycle];
    if (!parse_number(cell, &v) || !(v >= 0) || v != floor(v) || v > 9007199254740992.0)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: line %lld, column \"%s\": expected a cycle index, an integer >= "
                             "0, found \"%s\"",
                             cs->src, (long long)ln, cs->name[cs->col_cycle],
                             cell_text(cell, tb, sizeof tb));
    row.cycle = (int64_t)v;
    cell = f[cs->col_cond];
    cell_text(cell, tb, sizeof tb);
    ncm_rram_meas_cond c = {0};
    if (!parse_condition(f[cs->col_cond], base, &c, why, sizeof why))
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: line %lld, column \"%s\": malformed condition \"%s\": %s "
                             "(expected STATE@I_CC_UA[@V_RESET_V[@T_P_NS]], STATE lrs or hrs, "
                             "e.g. lrs@100 or hrs@100@1.5@100)",
                             cs->src, (long long)ln, cs->name[cs->col_cond], tb, why);

    size_t slot = table_find(&cs->table, m->conds, &c);
    int32_t k = cs->table.slot[slot];
    if (k < 0) {
        if (m->n_conds == INT32_MAX)
            return ncm_error_set(err, NCM_ERR_FORMAT, "%s: line %lld: too many conditions", cs->src,
                                 (long long)ln);
        if (!reserve((void **)&m->conds, &cs->cap_conds, (size_t)m->n_conds + 1, sizeof c))
            return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", cs->src);
        k = m->n_conds++;
        c.line = ln;
        m->conds[k] = c;
        cs->table.slot[slot] = k;
        if ((size_t)m->n_conds * 2 > cs->table.cap && !table_grow(&cs->table, m->conds, m->n_conds))
            return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", cs->src);
    }
    m->conds[k].n++;
    row.cond = k;
    if (!reserve((void **)&m->rows, &cs->cap_rows, (size_t)m->n + 1, sizeof row))
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", cs->src);
    m->rows[m->n++] = row;
    return NCM_OK;
}

static ncm_status parse_lines(csv_state *cs, const char *text, size_t len,
                              const ncm_rram_params *base, ncm_rram_measurements *m, ncm_error *err)
{
    char *buf = malloc(NCM_RRAM_CSV_MAX_LINE + 1);
    if (!buf)
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", cs->src);
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* UTF-8 byte order mark, as spreadsheets write it */
    ncm_status st = NCM_OK;
    int64_t ln = 0;
    while (p < end && !st) {
        ln++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        const char *line = p;
        p = nl ? nl + 1 : end;
        if (n > 0 && line[n - 1] == '\r')
            n--; /* CRLF */
        if (n > NCM_RRAM_CSV_MAX_LINE) {
            st = ncm_error_set(err, NCM_ERR_FORMAT,
                               "%s: line %lld is longer than %d bytes (not a measurement CSV?)",
                               cs->src, (long long)ln, NCM_RRAM_CSV_MAX_LINE);
            break;
        }
        if (memchr(line, '\0', n)) {
            st = ncm_error_set(err, NCM_ERR_FORMAT, "%s: line %lld: NUL byte (not a text file?)",
                               cs->src, (long long)ln);
            break;
        }
        memcpy(buf, line, n);
        buf[n] = '\0';
        const char *s = buf + strspn(buf, " \t");
        if (*s == '\0' || *s == '#')
            continue;
        st = cs->head ? read_row(cs, buf, ln, base, m, err) : read_header(cs, buf, ln, err);
    }
    free(buf);
    if (st)
        return st;
    if (!cs->head)
        return ncm_error_set(err, NCM_ERR_FORMAT,
                             "%s: no header line (empty file, or only blank and comment lines): "
                             "expected a header naming the columns condition, cycle and "
                             "resistance_ohm, then one measurement per line",
                             cs->src);
    if (m->n == 0)
        return ncm_error_set(err, NCM_ERR_FORMAT, "%s: line %lld (header): no data rows follow",
                             cs->src, (long long)cs->head_line);
    for (int32_t k = 0; k < m->n_conds; k++) {
        if (m->conds[k].n < NCM_RRAM_FIT_MIN_N) {
            char lb[128];
            cond_label(lb, sizeof lb, &m->conds[k]);
            return ncm_error_set(err, NCM_ERR_DATA,
                                 "%s: line %lld, column \"%s\": condition \"%s\" has %lld "
                                 "measurement(s), the fit needs at least %d per condition",
                                 cs->src, (long long)m->conds[k].line, cs->name[cs->col_cond], lb,
                                 (long long)m->conds[k].n, NCM_RRAM_FIT_MIN_N);
        }
    }
    return NCM_OK;
}

ncm_rram_measurements *ncm_rram_meas_parse(const char *text, size_t len, const char *source,
                                           const ncm_rram_params *base, ncm_error *err)
{
    ncm_rram_params def;
    if (!base) {
        ncm_rram_default(&def);
        base = &def;
    }
    if (!source)
        source = "measurements";
    ncm_rram_measurements *m = calloc(1, sizeof *m);
    csv_state cs = {0};
    cs.src = source;
    cs.table.cap = 64;
    cs.table.slot = malloc(cs.table.cap * sizeof *cs.table.slot);
    if (m)
        m->source = strdup(source);
    ncm_status st = NCM_OK;
    if (!m || !cs.table.slot || !m->source)
        st = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", source);
    else {
        for (size_t i = 0; i < cs.table.cap; i++)
            cs.table.slot[i] = -1;
        st = parse_lines(&cs, text, len, base, m, err);
    }
    free(cs.table.slot);
    free(cs.head);
    if (st) {
        ncm_rram_meas_free(m);
        return NULL;
    }
    return m;
}

ncm_rram_measurements *ncm_rram_meas_read(const char *path, const ncm_rram_params *base,
                                          ncm_error *err)
{
    char *text = NULL;
    size_t len = 0;
    /* a text file, so a binary one (or /dev/zero) is refused at its first NUL byte; 16 GiB is
     * far above the largest sample nanocim writes (1e8 devices, about 6 GB) */
    if (ncm_read_file_checked(path, NULL, 0, 1, (size_t)16 << 30, "measurement CSV", &text, &len,
                              err))
        return NULL;
    ncm_rram_measurements *m = ncm_rram_meas_parse(text, len, path, base, err);
    free(text);
    return m;
}

/* ---- goodness of fit ------------------------------------------------------------------------- */

double ncm_ks_distance_normal(const double *sorted, int64_t n, double mu, double sigma)
{
    double d = 0;
    for (int64_t i = 0; i < n; i++) {
        double f = ncm_phi((sorted[i] - mu) / sigma);
        double above = (double)(i + 1) / (double)n - f, below = f - (double)i / (double)n;
        if (above > d)
            d = above;
        if (below > d)
            d = below;
    }
    return d;
}

/* P(K > lambda) for the Kolmogorov distribution. Below lambda = 1.18 the alternating series
 * converges slowly; there the Jacobi theta form P(K <= lambda) = sqrt(2 pi) / lambda
 * sum_k>=1 exp(-(2k - 1)^2 pi^2 / (8 lambda^2)) is used (Numerical Recipes, 3rd ed., 6.14.12-13);
 * four terms of either are exact to double precision in its range. */
static double kolmogorov_q(double lambda)
{
    if (!(lambda > 0))
        return 1.0;
    double q;
    if (lambda < 1.18) {
        double y = exp(-M_PI * M_PI / (8 * lambda * lambda));
        double y2 = y * y, y8 = y2 * y2 * y2 * y2;
        double cdf = sqrt(2 * M_PI) / lambda * y * (1 + y8 * (1 + y8 * y8 * (1 + y8 * y8 * y8)));
        q = 1 - cdf;
    } else {
        double x = exp(-2 * lambda * lambda);
        double x2 = x * x, x4 = x2 * x2;
        q = 2 * x * (1 - x2 * x * (1 - x4 * x * (1 - x4 * x2 * x)));
    }
    return q < 0 ? 0 : q > 1 ? 1 : q;
}

double ncm_ks_pvalue(double d, int64_t n)
{
    if (!(n > 0) || !(d >= 0))
        return NAN;
    double sn = sqrt((double)n);
    return kolmogorov_q(d * (sn + 0.12 + 0.11 / sn));
}

double ncm_lilliefors_pvalue(double d, int64_t n)
{
    if (n < 5 || !(d >= 0))
        return NAN;
    /* Dallal and Wilkinson (1986) eq. for p < 0.1; beyond n = 100 through D n^0.49 scaling */
    double kd = d, nd = (double)n;
    if (n > 100) {
        kd = d * pow((double)n / 100.0, 0.49);
        nd = 100;
    }
    double p = exp(-7.01256 * kd * kd * (nd + 2.78019) + 2.99587 * kd * sqrt(nd + 2.78019) -
                   0.122119 + 0.974598 / sqrt(nd) + 1.67997 / nd);
    if (p > 0.1) {
        /* Stephens' modified statistic (JASA 69:730, 1974), polynomial fits of nortest */
        double sn = sqrt((double)n), k = (sn - 0.01 + 0.85 / sn) * d;
        if (k <= 0.302)
            p = 1;
        else if (k <= 0.5)
            p = 2.76773 - 19.828315 * k + 80.709644 * k * k - 138.55152 * k * k * k +
                81.218052 * k * k * k * k;
        else if (k <= 0.9)
            p = -4.901232 + 40.662806 * k - 97.490286 * k * k + 94.029866 * k * k * k -
                32.355711 * k * k * k * k;
        else if (k <= 1.31)
            p = 6.198765 - 19.558097 * k + 23.186922 * k * k - 12.234627 * k * k * k +
                2.423045 * k * k * k * k;
        else
            p = 0;
    }
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* ---- small numerical helpers ----------------------------------------------------------------- */

/* Digamma psi(x), x >= 1: recurrence to x >= 6, then the asymptotic series (Abramowitz and Stegun
 * 6.3.5, 6.3.18). */
static double digamma(double x)
{
    double r = 0;
    while (x < 6) {
        r -= 1 / x;
        x += 1;
    }
    double f = 1 / (x * x);
    return r + log(x) - 0.5 / x -
           f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

/* Trigamma psi'(x), x >= 1 (A&S 6.4.6, 6.4.12). */
static double trigamma(double x)
{
    double r = 0;
    while (x < 6) {
        r += 1 / (x * x);
        x += 1;
    }
    double f = 1 / (x * x);
    return r + 1 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f / 30)));
}

enum { MAX_COEF = 3 };

/* Weighted least squares with p <= MAX_COEF coefficients: beta minimizes
 * sum_i w_i (y_i - x_i . beta)^2 over the m rows of x (row-major, m x p); cov gets (X'WX)^-1 and
 * *rss the minimum. Gauss-Jordan without pivoting on the symmetric positive matrix X'WX; a pivot
 * below 1e-10 of its column's diagonal means the column is (nearly) a combination of the others:
 * returns 0, else 1. */
static int wls(int p, int m, const double *x, const double *y, const double *w, double *beta,
               double *cov, double *rss)
{
    double a[MAX_COEF][MAX_COEF] = {{0}}, b[MAX_COEF] = {0}, diag[MAX_COEF];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < p; j++) {
            b[j] += w[i] * x[i * p + j] * y[i];
            for (int k = 0; k < p; k++)
                a[j][k] += w[i] * x[i * p + j] * x[i * p + k];
        }
    for (int j = 0; j < p; j++) {
        diag[j] = a[j][j];
        for (int k = 0; k < p; k++)
            cov[j * p + k] = j == k;
    }
    for (int j = 0; j < p; j++) {
        double piv = a[j][j];
        if (!(piv > 1e-10 * diag[j]))
            return 0;
        for (int k = 0; k < p; k++) {
            a[j][k] /= piv;
            cov[j * p + k] /= piv;
        }
        for (int i = 0; i < p; i++) {
            if (i == j)
                continue;
            double f = a[i][j];
            for (int k = 0; k < p; k++) {
                a[i][k] -= f * a[j][k];
                cov[i * p + k] -= f * cov[j * p + k];
            }
        }
    }
    for (int j = 0; j < p; j++) {
        beta[j] = 0;
        for (int k = 0; k < p; k++)
            beta[j] += cov[j * p + k] * b[k];
    }
    *rss = 0;
    for (int i = 0; i < m; i++) {
        double r = y[i];
        for (int j = 0; j < p; j++)
            r -= x[i * p + j] * beta[j];
        *rss += w[i] * r * r;
    }
    return 1;
}

/* Number of distinct values (relative tolerance 1e-9) among v[0..n). */
static int count_distinct(const double *v, int n)
{
    int d = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = fabs(v[i] - v[j]) <= 1e-9 * fabs(v[j]);
        d += !seen;
    }
    return d;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- fit ------------------------------------------------------------------------------------- */

void ncm_rram_fit_opts_default(ncm_rram_fit_opts *o)
{
    o->fresh_n0_frac = 0.01;
}

enum { P_VC, P_SIGMA_L, P_SIGMA_L_EXP, P_R_HRS, P_K_V, P_K_T, P_SIGMA_H };

static const char *const PARAM_FIELD[NCM_RRAM_FIT_N_PARAMS] = {
    "lrs.v_c_v",        "lrs.sigma_ln_r",       "lrs.sigma_icc_exp",
    "hrs.r_median_ohm", "hrs.ln_r_per_v_reset", "hrs.ln_r_per_ln_t_p",
    "hrs.sigma_ln_r"};

/* The device-file fields the data cannot reach, copied from the base. "distribution.family"
 * first: it is left out of the list when the base's family had to change. The test suite checks
 * that PARAM_FIELD and this list together name every field of a device file. */
static const char *const KEPT_FIELDS[] = {"distribution.family",
                                          "distribution.t_nu",
                                          "reference_condition.i_cc_ua",
                                          "reference_condition.v_reset_v",
                                          "reference_condition.t_p_ns",
                                          "variability.d2d_var_frac",
                                          "variability.c2c_ar1_rho",
                                          "endurance.drift_lrs_ln_r",
                                          "endurance.drift_hrs_ln_r",
                                          "endurance.n0_cycles",
                                          "endurance.n0_icc_exp",
                                          "endurance.n0_v_reset_exp",
                                          "endurance.stuck_p_per_cycle",
                                          "endurance.stuck_icc_exp",
                                          "endurance.stuck_v_reset_exp",
                                          "endurance.stuck_lrs_frac",
                                          "energy.v_set_v",
                                          "energy.e_read_device_pj",
                                          "energy.e_sense_pj",
                                          "sensing.r_ref_ohm",
                                          "sensing.pcsa_offset_sigma_ln_r",
                                          "sensing.pcsa_dead_zone_ln_r"};
enum { N_KEPT_FIELDS = sizeof KEPT_FIELDS / sizeof KEPT_FIELDS[0] };

/* The used groups of one state, as arrays for the regressions. */
typedef struct {
    int n;                       /* groups */
    int64_t n_meas;              /* their measurements */
    double *i_ua, *v_abs, *t_ns; /* condition */
    double *cnt, *mu, *s;        /* n_g, mean and sd of ln R */
} state_groups;

static void set_param(ncm_rram_fit_param *q, int fitted, double value, double se, double base,
                      const char *note)
{
    q->fitted = fitted;
    q->value = value;
    q->se = fitted ? se : NAN;
    q->base_value = base;
    size_t n = strlen(note);
    if (n >= sizeof q->note)
        n = sizeof q->note - 1;
    memcpy(q->note, note, n);
    q->note[n] = '\0';
}

/* LRS (rram.h): ln R ~ N(mu_L, sigma_L^2), mu_L = ln(V_c / I_cc), sigma_L = sigma_L,ref
 * (I_cc / I_ref)^(-k_sigma). First the spread: E[ln s_g] = ln sigma_g + b(n_g) with
 * b(n) = (psi(nu / 2) - ln(nu / 2)) / 2, nu = n - 1, and Var(ln s_g) = psi'(nu / 2) / 4 for normal
 * data (ln s^2 = ln sigma^2 + ln(chi2_nu / nu)), so ln s_g - b(n_g) is regressed on
 * -ln(I_g / I_ref) with weights 4 / psi'(nu / 2). Then ln V_c = mu_g + ln I_g for every group,
 * averaged with weights n_g / sigma_L(I_g)^2 (the ML estimate given the spreads). Returns 0 when
 * out of memory. */
static int fit_lrs(const state_groups *g, ncm_rram_params *p, ncm_rram_fit_param *q)
{
    const double base_vc = p->v_c_v, base_sl = p->sigma_lrs, base_k = p->sigma_lrs_exp;
    if (g->n == 0) {
        const char *why = "no LRS measurements: kept from the base";
        set_param(&q[P_VC], 0, base_vc, NAN, base_vc, why);
        set_param(&q[P_SIGMA_L], 0, base_sl, NAN, base_sl, why);
        set_param(&q[P_SIGMA_L_EXP], 0, base_k, NAN, base_k, why);
        return 1;
    }
    double *x = malloc(sizeof(double) * 4 * (size_t)g->n);
    if (!x)
        return 0;
    double *y = x + 2 * (size_t)g->n, *w = x + 3 * (size_t)g->n;
    for (int i = 0; i < g->n; i++) {
        double nu = g->cnt[i] - 1;
        x[2 * (size_t)i] = 1;
        x[2 * (size_t)i + 1] = -log(g->i_ua[i] / p->i_ref_ua);
        y[i] = log(g->s[i]) - 0.5 * (digamma(nu / 2) - log(nu / 2));
        w[i] = 4 / trigamma(nu / 2);
    }
    const int distinct = count_distinct(g->i_ua, g->n);
    double beta[2], cov[4], rss, ln_sl, se_ln_sl, k = base_k, k_se = NAN;
    int k_fitted = distinct >= 2 && wls(2, g->n, x, y, w, beta, cov, &rss);
    char note[160];
    if (k_fitted) {
        k = beta[1];
        k_se = sqrt(cov[3]);
        ln_sl = beta[0];
        se_ln_sl = sqrt(cov[0]);
        snprintf(note, sizeof note,
                 "weighted regression of bias-corrected ln sigma_L on ln I_cc, %d distinct I_cc",
                 distinct);
    } else {
        snprintf(note, sizeof note, "one I_cc in the LRS data (%g uA): kept from the base",
                 g->i_ua[0]);
    }
    if (k < 0) {
        snprintf(note, sizeof note,
                 "at the bound 0: sigma_L does not fall with I_cc in the data (unconstrained "
                 "%.3g +- %.2g)",
                 k, k_se);
        k = 0;
        k_se = NAN;
    }
    if (!k_fitted || k == 0) {
        /* exponent fixed (kept or at its bound): the scale is a weighted mean */
        double sw = 0, swy = 0;
        for (int i = 0; i < g->n; i++) {
            sw += w[i];
            swy += w[i] * (y[i] - k * x[2 * i + 1]);
        }
        ln_sl = swy / sw;
        se_ln_sl = 1 / sqrt(sw);
    }
    set_param(&q[P_SIGMA_L_EXP], k_fitted, k, k_se, base_k, note);
    p->sigma_lrs_exp = k;
    p->sigma_lrs = exp(ln_sl);
    snprintf(note, sizeof note, "%s, %d LRS condition(s), %lld measurements",
             k_fitted && k > 0 ? "intercept of that regression"
                               : "weighted mean of bias-corrected ln s",
             g->n, (long long)g->n_meas);
    set_param(&q[P_SIGMA_L], 1, p->sigma_lrs, p->sigma_lrs * se_ln_sl, base_sl, note);

    double sw = 0, swy = 0;
    for (int i = 0; i < g->n; i++) {
        double sig = p->sigma_lrs * exp(k * x[2 * i + 1]);
        double wi = g->cnt[i] / (sig * sig);
        sw += wi;
        swy += wi * (g->mu[i] + log(g->i_ua[i] * 1e-6));
    }
    p->v_c_v = exp(swy / sw);
    snprintf(note, sizeof note,
             "exp of the mean of mu_L + ln I_cc weighted by n / sigma_L^2, %d LRS condition(s)",
             g->n);
    set_param(&q[P_VC], 1, p->v_c_v, p->v_c_v / sqrt(sw), base_vc, note);
    free(x);
    return 1;
}

/* HRS (rram.h): mu_H = ln R_H,ref + k_V (|V_reset| - V_ref) + k_t ln(t_p / t_ref), least squares
 * on the group means with weights n_g (the same as on every measurement), slopes >= 0. A slope
 * whose variable takes a single value in the data keeps the base's value, and so does k_t when
 * t_p varies together with |V_reset| (the data cannot separate them). The bound is handled by
 * trying every subset of the free slopes with the others at 0: the feasible solution with the
 * least residual is the constrained optimum (the optimum of a convex problem under bounds is the
 * unconstrained one on some face). sigma_H is the pooled within-condition sd. Returns 0 when out
 * of memory. */
static int fit_hrs(const state_groups *g, ncm_rram_params *p, ncm_rram_fit_param *q)
{
    const double base_r = p->r_hrs_ref_ohm, base_sh = p->sigma_hrs;
    const double base_slope[2] = {p->hrs_ln_r_per_v, p->hrs_ln_r_per_ln_t};
    if (g->n == 0) {
        const char *why = "no HRS measurements: kept from the base";
        set_param(&q[P_R_HRS], 0, base_r, NAN, base_r, why);
        set_param(&q[P_K_V], 0, base_slope[0], NAN, base_slope[0], why);
        set_param(&q[P_K_T], 0, base_slope[1], NAN, base_slope[1], why);
        set_param(&q[P_SIGMA_H], 0, base_sh, NAN, base_sh, why);
        return 1;
    }
    double ss = 0, dof = 0;
    for (int i = 0; i < g->n; i++) {
        ss += (g->cnt[i] - 1) * g->s[i] * g->s[i];
        dof += g->cnt[i] - 1;
    }
    const double sh = sqrt(ss / dof);
    char note[160];
    snprintf(note, sizeof note, "pooled within-condition sd of ln R, %d HRS condition(s)", g->n);
    set_param(&q[P_SIGMA_H], 1, sh, sh / sqrt(2 * dof), base_sh, note);
    p->sigma_hrs = sh;

    double *col0 = malloc(sizeof(double) * 6 * (size_t)g->n);
    if (!col0)
        return 0;
    double *x = col0 + 2 * (size_t)g->n, *y = col0 + 5 * (size_t)g->n;
    const double *col[2] = {col0, col0 + g->n};
    for (int i = 0; i < g->n; i++) {
        col0[i] = g->v_abs[i] - p->v_reset_ref_v;
        col0[(size_t)g->n + i] = log(g->t_ns[i] / p->t_p_ref_ns);
    }
    const char *name[2] = {"|V_reset|", "t_p"};
    const int distinct[2] = {count_distinct(g->v_abs, g->n), count_distinct(g->t_ns, g->n)};
    int free_[2] = {distinct[0] >= 2, distinct[1] >= 2};
    char why[2][160];
    snprintf(why[0], sizeof why[0], "one |V_reset| in the HRS data (%g V): kept from the base",
             g->v_abs[0]);
    snprintf(why[1], sizeof why[1], "one t_p in the HRS data (%g ns): kept from the base",
             g->t_ns[0]);
    double beta[MAX_COEF], cov[MAX_COEF * MAX_COEF], rss;
    if (free_[0] && free_[1]) {
        for (int i = 0; i < g->n; i++) {
            x[3 * (size_t)i] = 1;
            x[3 * (size_t)i + 1] = col[0][i];
            x[3 * (size_t)i + 2] = col[1][i];
            y[i] = g->mu[i];
        }
        if (!wls(3, g->n, x, y, g->cnt, beta, cov, &rss)) {
            free_[1] = 0;
            snprintf(why[1], sizeof why[1],
                     "t_p varies together with |V_reset| in the HRS data: kept from the base");
        }
    }
    /* every subset of the free slopes; the others at 0 (free) or the base's value (kept) */
    double best[3] = {0}, best_cov[MAX_COEF * MAX_COEF] = {0}, best_rss = INFINITY;
    int best_in[2] = {0, 0};
    for (int mask = 0; mask < 4; mask++) {
        const int in[2] = {mask & 1, (mask >> 1) & 1};
        if ((in[0] && !free_[0]) || (in[1] && !free_[1]))
            continue;
        const int pc = 1 + in[0] + in[1];
        for (int i = 0; i < g->n; i++) {
            int c = 0;
            x[i * pc + c++] = 1;
            y[i] = g->mu[i];
            for (int s = 0; s < 2; s++) {
                if (in[s])
                    x[i * pc + c++] = col[s][i];
                else
                    y[i] -= (free_[s] ? 0 : base_slope[s]) * col[s][i];
            }
        }
        if (!wls(pc, g->n, x, y, g->cnt, beta, cov, &rss))
            continue;
        int feasible = 1;
        for (int c = 1; c < pc; c++)
            feasible &= beta[c] >= 0;
        if (!feasible || !(rss < best_rss))
            continue;
        best_rss = rss;
        memcpy(best_cov, cov, sizeof(double) * (size_t)(pc * pc));
        best[0] = beta[0];
        for (int s = 0, c = 1; s < 2; s++)
            best[1 + s] = in[s] ? beta[c++] : free_[s] ? 0 : base_slope[s];
        best_in[0] = in[0];
        best_in[1] = in[1];
    }
    free(col0);
    p->r_hrs_ref_ohm = exp(best[0]);
    p->hrs_ln_r_per_v = best[1];
    p->hrs_ln_r_per_ln_t = best[2];
    const double s2 = sh * sh; /* Cov(beta) = sigma_H^2 (X' N X)^-1 */
    const int pc = 1 + best_in[0] + best_in[1];
    snprintf(note, sizeof note, "least squares on %d HRS condition(s), %lld measurements", g->n,
             (long long)g->n_meas);
    set_param(&q[P_R_HRS], 1, p->r_hrs_ref_ohm, p->r_hrs_ref_ohm * sqrt(s2 * best_cov[0]), base_r,
              note);
    for (int s = 0, c = 1; s < 2; s++) {
        ncm_rram_fit_param *qs = &q[P_K_V + s];
        if (!free_[s]) {
            set_param(qs, 0, base_slope[s], NAN, base_slope[s], why[s]);
        } else if (best_in[s]) {
            snprintf(note, sizeof note, "least squares, %d distinct %s", distinct[s], name[s]);
            set_param(qs, 1, best[1 + s], sqrt(s2 * best_cov[c * pc + c]), base_slope[s], note);
            c++;
        } else {
            snprintf(note, sizeof note, "at the bound 0: mu_H does not rise with %s in the data",
                     name[s]);
            set_param(qs, 1, 0.0, NAN, base_slope[s], note);
        }
    }
    return 1;
}

void ncm_rram_fit_report_free(ncm_rram_fit_report *rep)
{
    if (!rep)
        return;
    free(rep->source);
    free(rep->base_name);
    free(rep->groups);
    free(rep);
}

/* Checks a measurement set built by hand (the reader's output always passes). */
static ncm_status check_meas(const ncm_rram_measurements *m, const char *src, ncm_error *err)
{
    if (m->n_conds <= 0 || m->n <= 0 || !m->rows || !m->conds)
        return ncm_error_set(err, NCM_ERR_DATA, "%s: no measurements", src);
    for (int32_t k = 0; k < m->n_conds; k++) {
        const ncm_rram_meas_cond *c = &m->conds[k];
        ncm_rram_cond cc = {c->i_cc_ua, c->v_reset_v, c->t_p_ns, 0};
        ncm_error e2;
        if ((c->lrs != 0 && c->lrs != 1) || ncm_rram_cond_check(&cc, &e2))
            return ncm_error_set(err, NCM_ERR_ARG, "%s: condition %d (line %lld): %s", src, (int)k,
                                 (long long)c->line,
                                 c->lrs != 0 && c->lrs != 1 ? "lrs must be 0 or 1" : e2.msg);
    }
    for (int64_t i = 0; i < m->n; i++) {
        const ncm_rram_meas *r = &m->rows[i];
        if (r->cond < 0 || r->cond >= m->n_conds || !isfinite(r->r_ohm) || r->r_ohm <= 0 ||
            r->cycle < 0)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "%s: measurement %lld (line %lld): condition index, resistance "
                                 "(> 0) or cycle (>= 0) out of range",
                                 src, (long long)i, (long long)r->line);
    }
    return NCM_OK;
}

/* Splits the used groups by state into the regression arrays (one allocation, freed by caller). */
static double *gather_state(const ncm_rram_fit_group *gr, int n_groups, int lrs, state_groups *g)
{
    double *mem = malloc(sizeof(double) * 6 * (size_t)(n_groups > 0 ? n_groups : 1));
    memset(g, 0, sizeof *g);
    if (!mem)
        return NULL;
    g->i_ua = mem;
    g->v_abs = mem + n_groups;
    g->t_ns = mem + 2 * (size_t)n_groups;
    g->cnt = mem + 3 * (size_t)n_groups;
    g->mu = mem + 4 * (size_t)n_groups;
    g->s = mem + 5 * (size_t)n_groups;
    for (int k = 0; k < n_groups; k++) {
        if (!gr[k].used || gr[k].lrs != lrs)
            continue;
        int i = g->n++;
        g->i_ua[i] = gr[k].i_cc_ua;
        g->v_abs[i] = fabs(gr[k].v_reset_v);
        g->t_ns[i] = gr[k].t_p_ns;
        g->cnt[i] = (double)gr[k].n_fit;
        g->mu[i] = gr[k].mu;
        g->s[i] = gr[k].sigma;
        g->n_meas += gr[k].n_fit;
    }
    return mem;
}

/* The fit proper: fills rep (zeroed by the caller) or returns the error. */
static ncm_status fit_into(const ncm_rram_measurements *m, const ncm_rram_params *base_in,
                           const ncm_rram_fit_opts *opts_in, ncm_rram_fit_report *rep,
                           ncm_error *err)
{
    ncm_rram_params base;
    if (base_in)
        memcpy(&base, base_in, sizeof base);
    else
        ncm_rram_default(&base);
    ncm_status st = ncm_rram_check(&base, "base device", err);
    if (st)
        return st;
    ncm_rram_fit_opts opts;
    ncm_rram_fit_opts_default(&opts);
    if (opts_in)
        opts = *opts_in;
    if (!(opts.fresh_n0_frac > 0))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "fit options: fresh_n0_frac must be > 0 (INFINITY: every cycle), "
                             "found %g",
                             opts.fresh_n0_frac);
    const char *src = m && m->source ? m->source : "measurements";
    if (!m)
        return ncm_error_set(err, NCM_ERR_ARG, "%s: no measurements", src);
    if ((st = check_meas(m, src, err)))
        return st;

    const int ng = m->n_conds;
    ncm_rram_fit_group *gr = calloc((size_t)ng, sizeof *gr);
    int64_t *off = calloc((size_t)ng + 1, sizeof *off);
    double *y = NULL, *mem_l = NULL, *mem_h = NULL;
    ncm_rram_fit_param q[NCM_RRAM_FIT_N_PARAMS];
    memset(q, 0, sizeof q);
    if (!gr || !off)
        goto nomem;
    /* the groups' fresh limits from the base device's endurance scale n0 (rram.h) */
    for (int k = 0; k < ng; k++) {
        const ncm_rram_meas_cond *c = &m->conds[k];
        ncm_rram_fit_group *g = &gr[k];
        g->lrs = c->lrs;
        g->i_cc_ua = c->i_cc_ua;
        g->v_reset_v = c->v_reset_v;
        g->t_p_ns = c->t_p_ns;
        g->line = c->line;
        ncm_rram_cond cc = {c->i_cc_ua, c->v_reset_v, c->t_p_ns, 0};
        ncm_rram_stats s;
        ncm_rram_stats_at(&base, &cc, &s);
        g->cycle_max = opts.fresh_n0_frac * s.n0_cycles;
        g->mu = g->sigma = g->mu_model = g->sigma_model = NAN;
        g->ks_model = g->p_model = g->ks_own = g->p_own = NAN;
    }
    for (int64_t i = 0; i < m->n; i++) {
        ncm_rram_fit_group *g = &gr[m->rows[i].cond];
        g->n++;
        g->n_fit += (double)m->rows[i].cycle <= g->cycle_max;
    }
    for (int k = 0; k < ng; k++)
        off[k + 1] = off[k] + gr[k].n_fit;
    y = calloc((size_t)(off[ng] > 0 ? off[ng] : 1), sizeof *y);
    if (!y)
        goto nomem;
    {
        int64_t *pos = calloc((size_t)ng, sizeof *pos);
        if (!pos)
            goto nomem;
        for (int64_t i = 0; i < m->n; i++) {
            int k = m->rows[i].cond;
            if ((double)m->rows[i].cycle <= gr[k].cycle_max)
                y[off[k] + pos[k]++] = log(m->rows[i].r_ohm);
        }
        free(pos);
    }
    /* per group: lognormal ML mean, sample sd (two passes), sorted ln R for the KS tests */
    int used = 0;
    int64_t n_fit = 0;
    for (int k = 0; k < ng; k++) {
        ncm_rram_fit_group *g = &gr[k];
        if (g->n_fit < NCM_RRAM_FIT_MIN_N)
            continue;
        double *v = y + off[k], sum = 0, ss = 0;
        for (int64_t i = 0; i < g->n_fit; i++)
            sum += v[i];
        g->mu = sum / (double)g->n_fit;
        for (int64_t i = 0; i < g->n_fit; i++)
            ss += (v[i] - g->mu) * (v[i] - g->mu);
        g->sigma = sqrt(ss / (double)(g->n_fit - 1));
        if (!(g->sigma > 0)) {
            char lb[128];
            ncm_rram_meas_cond c = m->conds[k];
            cond_label(lb, sizeof lb, &c);
            st = ncm_error_set(err, NCM_ERR_DATA,
                               "%s: line %lld: condition \"%s\": all %lld fresh resistances are "
                               "equal, no spread to fit",
                               src, (long long)g->line, lb, (long long)g->n_fit);
            goto done;
        }
        qsort(v, (size_t)g->n_fit, sizeof *v, cmp_double);
        g->used = 1;
        used++;
        n_fit += g->n_fit;
    }
    if (!used) {
        st = ncm_error_set(err, NCM_ERR_DATA,
                           "%s: no condition has %d fresh measurements (cycle <= %g n0, n0 the "
                           "base device's endurance scale at the condition); raise fresh_n0_frac "
                           "to use aged measurements",
                           src, NCM_RRAM_FIT_MIN_N, opts.fresh_n0_frac);
        goto done;
    }

    ncm_rram_params fit; /* memcpy keeps the zero padding: parameter sets compare with memcmp */
    memcpy(&fit, &base, sizeof fit);
    fit.family = NCM_RRAM_LOGNORMAL;
    /* name "<base>-fit" (once: refitting a fitted device keeps its name) */
    memset(fit.name, 0, sizeof fit.name);
    size_t bl = strnlen(base.name, sizeof base.name - 1);
    int has_suffix = bl >= 4 && memcmp(base.name + bl - 4, "-fit", 4) == 0;
    if (!has_suffix && bl > sizeof fit.name - 5)
        bl = sizeof fit.name - 5;
    memcpy(fit.name, base.name, bl);
    if (!has_suffix)
        memcpy(fit.name + bl, "-fit", 5);

    state_groups gl, gh;
    mem_l = gather_state(gr, ng, 1, &gl);
    mem_h = gather_state(gr, ng, 0, &gh);
    if (!mem_l || !mem_h)
        goto nomem;
    if (!fit_lrs(&gl, &fit, q) || !fit_hrs(&gh, &fit, q))
        goto nomem;
    for (int i = 0; i < NCM_RRAM_FIT_N_PARAMS; i++)
        q[i].field = PARAM_FIELD[i];
    ncm_error cerr;
    if (ncm_rram_check(&fit, NULL, &cerr)) {
        st = ncm_error_set(err, NCM_ERR_DATA, "%s: the fitted device is not valid: %s", src,
                           cerr.msg);
        goto done;
    }

    /* quality: each group against the fitted model at its condition and against its own fit */
    for (int k = 0; k < ng; k++) {
        ncm_rram_fit_group *g = &gr[k];
        ncm_rram_cond cc = {g->i_cc_ua, g->v_reset_v, g->t_p_ns, 0};
        ncm_rram_stats s;
        ncm_rram_stats_at(&fit, &cc, &s);
        g->mu_model = g->lrs ? s.mu_lrs : s.mu_hrs;
        g->sigma_model = g->lrs ? s.sigma_lrs : s.sigma_hrs;
        if (!g->used)
            continue;
        const double *v = y + off[k];
        g->ks_model = ncm_ks_distance_normal(v, g->n_fit, g->mu_model, g->sigma_model);
        g->p_model = ncm_ks_pvalue(g->ks_model, g->n_fit);
        g->ks_own = ncm_ks_distance_normal(v, g->n_fit, g->mu, g->sigma);
        g->p_own = ncm_lilliefors_pvalue(g->ks_own, g->n_fit);
    }

    memcpy(&rep->fitted, &fit, sizeof fit);
    rep->source = strdup(src);
    rep->base_name = strndup(base.name, sizeof base.name - 1);
    if (!rep->source || !rep->base_name)
        goto nomem;
    rep->fresh_n0_frac = opts.fresh_n0_frac;
    rep->n_meas = m->n;
    rep->n_fit = n_fit;
    rep->n_groups = ng;
    rep->groups = gr;
    gr = NULL;
    memcpy(rep->params, q, sizeof q);
    int changed = base.family != NCM_RRAM_LOGNORMAL;
    rep->kept = KEPT_FIELDS + changed;
    rep->n_kept = N_KEPT_FIELDS - changed;
    if (changed)
        snprintf(rep->family_note, sizeof rep->family_note,
                 "distribution.family set to lognormal (the base was %s): the fit is a "
                 "lognormal maximum likelihood",
                 ncm_rram_family_name(base.family));
    goto done;
nomem:
    st = ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory while fitting", src);
done:
    free(gr);
    free(off);
    free(y);
    free(mem_l);
    free(mem_h);
    return st;
}

ncm_rram_fit_report *ncm_rram_fit(const ncm_rram_measurements *m, const ncm_rram_params *base,
                                  const ncm_rram_fit_opts *opts, ncm_error *err)
{
    ncm_rram_fit_report *rep = calloc(1, sizeof *rep);
    if (!rep) {
        ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory while fitting",
                      m && m->source ? m->source : "measurements");
        return NULL;
    }
    if (fit_into(m, base, opts, rep, err)) {
        ncm_rram_fit_report_free(rep);
        return NULL;
    }
    return rep;
}

/* ---- report ---------------------------------------------------------------------------------- */

/* A number, or null when it is not finite (JSON has no NaN). */
static int add_num(cJSON *o, const char *key, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(o, key, v) != NULL
                       : cJSON_AddNullToObject(o, key) != NULL;
}

char *ncm_rram_fit_report_json(const ncm_rram_fit_report *rep)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", "nanocim-rram-fit-report");
    ok = ok && cJSON_AddNumberToObject(root, "version", 1);
    ok = ok && ncm_json_add_producer(root);
    ok = ok && cJSON_AddStringToObject(root, "source", rep->source ? rep->source : "");
    ok = ok && cJSON_AddStringToObject(root, "base_device", rep->base_name ? rep->base_name : "");
    ok = ok && cJSON_AddStringToObject(
                   root, "method",
                   "per condition: mean and sample sd (n - 1) of ln R over fresh measurements; "
                   "LRS: weighted regression of bias-corrected ln sd on ln I_cc, V_c from "
                   "mean ln R + ln I_cc; HRS: least squares of mean ln R on |V_reset| and "
                   "ln t_p (slopes >= 0), pooled sd; see docs/calibration.md");
    char fresh[96];
    if (isfinite(rep->fresh_n0_frac))
        snprintf(fresh, sizeof fresh, "cycle <= %g * n0 (base device's endurance scale)",
                 rep->fresh_n0_frac);
    else
        snprintf(fresh, sizeof fresh, "every cycle (fresh_n0_frac infinite)");
    ok = ok && cJSON_AddStringToObject(root, "fresh_rule", fresh);
    ok = ok && add_num(root, "fresh_n0_frac", rep->fresh_n0_frac);
    ok = ok && cJSON_AddNumberToObject(root, "measurements", (double)rep->n_meas);
    ok = ok && cJSON_AddNumberToObject(root, "measurements_used", (double)rep->n_fit);
    cJSON *params = ok ? cJSON_AddArrayToObject(root, "parameters") : NULL;
    ok = params != NULL;
    for (int i = 0; ok && i < NCM_RRAM_FIT_N_PARAMS; i++) {
        const ncm_rram_fit_param *q = &rep->params[i];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(params, o);
        ok = ok && cJSON_AddStringToObject(o, "field", q->field ? q->field : "");
        ok = ok && cJSON_AddBoolToObject(o, "fitted", q->fitted);
        ok = ok && add_num(o, "value", q->value);
        ok = ok && add_num(o, "se", q->se);
        ok = ok && add_num(o, "base", q->base_value);
        ok = ok && cJSON_AddStringToObject(o, "note", q->note);
    }
    cJSON *kept = ok ? cJSON_AddArrayToObject(root, "kept_from_base") : NULL;
    ok = kept != NULL;
    for (int i = 0; ok && i < rep->n_kept; i++) {
        cJSON *s = cJSON_CreateString(rep->kept[i]);
        ok = s && cJSON_AddItemToArray(kept, s);
    }
    if (ok && rep->family_note[0])
        ok = cJSON_AddStringToObject(root, "family_note", rep->family_note) != NULL;
    cJSON *conds = ok ? cJSON_AddArrayToObject(root, "conditions") : NULL;
    ok = conds != NULL;
    for (int k = 0; ok && k < rep->n_groups; k++) {
        const ncm_rram_fit_group *g = &rep->groups[k];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(conds, o);
        char lb[128];
        ncm_rram_meas_cond c = {g->lrs, g->i_cc_ua, g->v_reset_v, g->t_p_ns, g->n, g->line};
        cond_label(lb, sizeof lb, &c);
        ok = ok && cJSON_AddStringToObject(o, "condition", lb);
        ok = ok && cJSON_AddStringToObject(o, "state", g->lrs ? "lrs" : "hrs");
        ok = ok && add_num(o, "i_cc_ua", g->i_cc_ua);
        ok = ok && add_num(o, "v_reset_v", g->v_reset_v);
        ok = ok && add_num(o, "t_p_ns", g->t_p_ns);
        ok = ok && cJSON_AddNumberToObject(o, "first_line", (double)g->line);
        ok = ok && cJSON_AddNumberToObject(o, "n", (double)g->n);
        ok = ok && cJSON_AddNumberToObject(o, "n_fit", (double)g->n_fit);
        ok = ok && add_num(o, "fresh_cycle_max", g->cycle_max);
        ok = ok && cJSON_AddBoolToObject(o, "used", g->used);
        ok = ok && add_num(o, "mu_ln_r", g->mu);
        ok = ok && add_num(o, "sigma_ln_r", g->sigma);
        ok = ok && add_num(o, "model_mu_ln_r", g->mu_model);
        ok = ok && add_num(o, "model_sigma_ln_r", g->sigma_model);
        ok = ok && add_num(o, "ks_model", g->ks_model);
        ok = ok && add_num(o, "ks_model_p", g->p_model);
        ok = ok && add_num(o, "ks_own", g->ks_own);
        ok = ok && add_num(o, "ks_own_p_lilliefors", g->p_own);
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return text;
}

ncm_status ncm_rram_fit_report_save(const char *path, const ncm_rram_fit_report *rep,
                                    ncm_error *err)
{
    return ncm_json_write_text(path, ncm_rram_fit_report_json(rep), err);
}

/* ---- the whole calibration of a file --------------------------------------------------------- */

ncm_rram_fit_report *ncm_rram_fit_file(const char *csv_path, const ncm_rram_params *base,
                                       const ncm_rram_fit_opts *opts, const char *device_path,
                                       const char *report_path, ncm_error *err)
{
    ncm_rram_params def;
    if (!base) {
        ncm_rram_default(&def);
        base = &def;
    }
    ncm_rram_measurements *m = ncm_rram_meas_read(csv_path, base, err);
    if (!m)
        return NULL;
    ncm_rram_fit_report *rep = ncm_rram_fit(m, base, opts, err);
    ncm_rram_meas_free(m);
    if (!rep)
        return NULL;
    if (report_path && ncm_rram_fit_report_save(report_path, rep, err)) {
        ncm_rram_fit_report_free(rep);
        return NULL;
    }
    if (device_path && ncm_rram_save(device_path, &rep->fitted, err)) {
        if (report_path) /* all or nothing: no report of a device that was not written */
            ncm_io_take_back(report_path); /* never a device written through */
        ncm_rram_fit_report_free(rep);
        return NULL;
    }
    return rep;
}
