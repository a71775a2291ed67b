/* Architecture strings of binarized networks: parsing, validation, canonical form
 * (see include/nanocim/bnn.h). */
#include "nanocim/bnn.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCM_MAX_WIDTH 65536

static ncm_status parse_width(const char *tok, const char *spec, int *out, ncm_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(tok, &end, 10);
    if (end == tok || *end != '\0' || errno || v < 1 || v > NCM_MAX_WIDTH)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "arch %s: '%s' is not a layer width (an integer in [1, %d])", spec,
                             tok, NCM_MAX_WIDTH);
    *out = (int)v;
    return NCM_OK;
}

ncm_status ncm_arch_parse(const char *spec, int in_c, int in_h, int in_w, int n_classes,
                          ncm_arch *arch, ncm_error *err)
{
    memset(arch, 0, sizeof *arch);
    arch->in_c = in_c;
    arch->in_h = in_h;
    arch->in_w = in_w;
    arch->n_classes = n_classes;
    if (in_c < 1 || in_h < 1 || in_w < 1 || n_classes < 2)
        return ncm_error_set(err, NCM_ERR_ARG, "arch %s: bad input shape %dx%dx%d or %d classes",
                             spec, in_c, in_h, in_w, n_classes);
    const char *body;
    int cnn;
    if (strcmp(spec, "mlp") == 0)
        spec = "mlp:1024,1024";
    else if (strcmp(spec, "cnn") == 0)
        spec = "cnn:32,32,p,64,64,p,f256";
    if (strncmp(spec, "mlp:", 4) == 0)
        cnn = 0, body = spec + 4;
    else if (strncmp(spec, "cnn:", 4) == 0)
        cnn = 1, body = spec + 4;
    else
        return ncm_error_set(err, NCM_ERR_ARG,
                             "arch %s: unknown architecture (expected mlp, mlp:W1,W2,..., cnn or "
                             "cnn:C1,C2,p,...,fW)",
                             spec);
    char buf[512];
    if (strlen(body) >= sizeof buf)
        return ncm_error_set(err, NCM_ERR_ARG, "arch: architecture string too long");
    strcpy(buf, body);
    int h = in_h, w = in_w, seen_dense = 0;
    /* Split on commas by hand: strtok would skip empty tokens such as the one in "mlp:10,". */
    for (char *tok = buf, *next; tok && *body; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        while (isspace((unsigned char)*tok))
            tok++;
        if (arch->n_layers >= NCM_MAX_LAYERS - 1)
            return ncm_error_set(err, NCM_ERR_ARG, "arch %s: more than %d layers", spec,
                                 NCM_MAX_LAYERS - 1);
        ncm_layer_spec *L = &arch->layer[arch->n_layers];
        if (cnn && strcmp(tok, "p") == 0) {
            ncm_layer_spec *prev = arch->n_layers ? L - 1 : NULL;
            if (!prev || prev->kind != NCM_LAYER_CONV || prev->pool)
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "arch %s: 'p' must follow a convolution (once)", spec);
            if (h < 2 || w < 2)
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "arch %s: too many poolings for a %dx%d input", spec, in_h,
                                     in_w);
            prev->pool = 1;
            h /= 2;
            w /= 2;
            continue;
        }
        ncm_status s;
        if (!cnn || tok[0] == 'f') {
            if ((s = parse_width(cnn ? tok + 1 : tok, spec, &L->out, err)))
                return s;
            L->kind = NCM_LAYER_DENSE;
            seen_dense = 1;
        } else {
            if ((s = parse_width(tok, spec, &L->out, err)))
                return s;
            if (seen_dense)
                return ncm_error_set(
                    err, NCM_ERR_ARG,
                    "arch %s: a convolution cannot follow a fully connected layer", spec);
            L->kind = NCM_LAYER_CONV;
        }
        arch->n_layers++;
    }
    if (cnn && (arch->n_layers == 0 || arch->layer[0].kind != NCM_LAYER_CONV))
        return ncm_error_set(err, NCM_ERR_ARG, "arch %s: a cnn starts with a convolution", spec);
    ncm_layer_spec *last = &arch->layer[arch->n_layers++];
    last->kind = NCM_LAYER_DENSE;
    last->out = n_classes;
    ncm_error inner;
    if (ncm_arch_check(arch, &inner))
        return ncm_error_set(err, NCM_ERR_ARG, "arch %s: %s", spec, inner.msg);
    return NCM_OK;
}

ncm_status ncm_arch_check(const ncm_arch *arch, ncm_error *err)
{
    int64_t c = arch->in_c, h = arch->in_h, w = arch->in_w;
    for (int l = 0; l < arch->n_layers; l++) {
        const ncm_layer_spec *L = &arch->layer[l];
        int64_t fan = L->kind == NCM_LAYER_CONV ? c * 9 : c * h * w;
        int64_t limit = l == 0 ? (int64_t)1 << 17 : (int64_t)1 << 24;
        if (fan >= limit || fan * L->out >= (int64_t)1 << 31 || c * h * w >= (int64_t)1 << 31)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "layer %d has %lld inputs per neuron and %d neurons: too large "
                                 "for exact integer sums",
                                 l + 1, (long long)fan, L->out);
        c = L->out;
        if (L->kind == NCM_LAYER_CONV) {
            if (L->pool)
                h /= 2, w /= 2;
        } else {
            h = w = 1;
        }
    }
    return NCM_OK;
}

void ncm_arch_shapes(const ncm_arch *arch, ncm_layer_shape *shape)
{
    int c = arch->in_c, h = arch->in_h, w = arch->in_w;
    for (int l = 0; l < arch->n_layers; l++) {
        const ncm_layer_spec *L = &arch->layer[l];
        ncm_layer_shape *s = &shape[l];
        s->cout = L->out;
        if (L->kind == NCM_LAYER_CONV) {
            s->cin = c, s->hin = h, s->win = w;
            s->hc = h, s->wc = w;
            s->ho = L->pool ? h / 2 : h;
            s->wo = L->pool ? w / 2 : w;
            s->fan_in = c * 9;
        } else {
            s->cin = c * h * w, s->hin = s->win = 1;
            s->hc = s->wc = s->ho = s->wo = 1;
            s->fan_in = s->cin;
        }
        c = s->cout, h = s->ho, w = s->wo;
    }
}

void ncm_arch_format(const ncm_arch *arch, char *buf, size_t n)
{
    int cnn = arch->layer[0].kind == NCM_LAYER_CONV;
    size_t k = (size_t)snprintf(buf, n, "%s:", cnn ? "cnn" : "mlp");
    for (int l = 0; l < arch->n_layers - 1 && k < n; l++) {
        const ncm_layer_spec *L = &arch->layer[l];
        k += (size_t)snprintf(buf + k, n - k, "%s%s%d%s", l ? "," : "",
                              cnn && L->kind == NCM_LAYER_DENSE ? "f" : "", L->out,
                              L->pool ? ",p" : "");
    }
}
