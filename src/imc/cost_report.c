/* The cost comparison (include/nanocim/cost.h): the chip on several storage options beside the
 * processor baselines, as a text table for the terminal and as a JSON document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imc/imc_internal.h"
#include "nanocim/cost.h"
#include "util/json.h"

ncm_cost_study *ncm_cost_study_new(const ncm_model *m, const ncm_chip_config *configs,
                                   int n_configs, const ncm_tech *t, ncm_error *err)
{
    if (!m || !configs || !t) {
        ncm_error_set(err, NCM_ERR_ARG, "model, configurations and technology: expected non-NULL");
        return NULL;
    }
    if (n_configs < 1 || n_configs > 64) {
        ncm_error_set(err, NCM_ERR_ARG, "n_configs = %d: expected 1 to 64", n_configs);
        return NULL;
    }
    ncm_cost_study *s = calloc(1, sizeof *s);
    if (s)
        s->report = calloc((size_t)n_configs + 4, sizeof *s->report);
    if (!s || !s->report) {
        ncm_cost_study_free(s);
        ncm_error_set(err, NCM_ERR_NOMEM, "cost study: out of memory");
        return NULL;
    }
    s->tech = *t;
    s->n_chips = n_configs;
    s->n_reports = n_configs + 4;
    for (int i = 0; i < n_configs; i++)
        if (ncm_cost_chip(m, &configs[i], t, &s->report[i], err)) {
            ncm_cost_study_free(s);
            return NULL;
        }
    for (int a = 0; a < 4; a++)
        if (ncm_cost_processor(m, (ncm_cost_arch)(NCM_ARCH_SRAM_BNN + a), t,
                               &s->report[n_configs + a], err)) {
            ncm_cost_study_free(s);
            return NULL;
        }
    return s;
}

void ncm_cost_study_free(ncm_cost_study *s)
{
    if (!s)
        return;
    free(s->report);
    free(s);
}

/* ---- text ------------------------------------------------------------------------------------ */

/* A value with an SI prefix on its unit ("12.3 nJ" from 12300 pJ given as 1.23e-8 J). */
static void si(char *buf, size_t n, double v, const char *unit)
{
    static const char *const P[] = {"f", "p", "n", "u", "m", "", "k", "M", "G", "T"};
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return;
    }
    if (v == 0.0) {
        snprintf(buf, n, "0 %s", unit);
        return;
    }
    double a = fabs(v) * 1e15;
    int e = 0;
    while (a >= 1000.0 && e < 9)
        a /= 1000.0, e++;
    snprintf(buf, n, "%.3g %s%s", v < 0 ? -a : a, P[e], unit);
}

/* a / b, or NaN when b is not positive (a technology whose energies are all 0) */
static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

ncm_status ncm_cost_study_print(const ncm_cost_study *s, FILE *f, ncm_error *err)
{
    if (!s || !f)
        return ncm_error_set(err, NCM_ERR_ARG, "study and stream: expected non-NULL");
    const ncm_cost_report *ref = &s->report[0];
    fprintf(f, "technology: %s (%g nm)\n\n", s->tech.name, s->tech.node_nm);
    fprintf(f, "%-22s %12s %14s %10s %11s %11s %13s %9s\n", "architecture", "energy/inf",
            "inferences/J", "TOPS/W", "area mm^2", "latency", "inferences/s", "x energy");
    for (int i = 0; i < s->n_reports; i++) {
        const ncm_cost_report *r = &s->report[i];
        char e[32], lat[32], area[32];
        si(e, sizeof e, r->total.total_pj * 1e-12, "J");
        si(lat, sizeof lat, r->total.latency_ns * 1e-9, "s");
        if (isfinite(r->area_mm2))
            snprintf(area, sizeof area, "%.4g", r->area_mm2);
        else
            snprintf(area, sizeof area, "off-chip");
        fprintf(f, "%-22s %12s %14.4g %10.4g %11s %11s %13.4g %9.3g\n", r->name, e,
                r->inferences_per_j, r->tops_per_w, area, lat, r->throughput_per_s,
                ratio(r->total.total_pj, ref->total.total_pj));
    }
    fprintf(f, "(x energy: energy per inference over %s's)\n", ref->name);
    for (int i = 0; i < s->n_chips; i++) {
        const ncm_cost_report *r = &s->report[i];
        char e[32], t[32];
        fprintf(f, "\n%s: energy of one inference by item\n", r->name);
        fprintf(f, "  %-13s %16s %12s %7s\n", "item", "count", "energy", "share");
        for (int k = 0; k < NCM_COST_N_ITEMS; k++) {
            if (!r->total.count[k] && r->total.energy_pj[k] == 0.0)
                continue;
            si(e, sizeof e, r->total.energy_pj[k] * 1e-12, "J");
            fprintf(f, "  %-13s %16lld %12s %6.1f%%\n", ncm_cost_item_name((ncm_cost_item)k),
                    (long long)r->total.count[k], e,
                    100.0 * ratio(r->total.energy_pj[k], r->total.total_pj));
        }
        fprintf(f, "  per layer:");
        for (int l = 0; l < r->n_layers; l++) {
            si(e, sizeof e, r->layer[l].total_pj * 1e-12, "J");
            si(t, sizeof t, r->layer[l].latency_ns * 1e-9, "s");
            fprintf(f, "%s L%d %s in %s", l ? "," : "", l, e, t);
        }
        si(e, sizeof e, r->program_pj * 1e-12, "J");
        si(t, sizeof t, r->program_ns * 1e-9, "s");
        fprintf(f, "\n  area %.4g mm^2 (cells %.4g, periphery %.4g); programming the chip: "
                   "%lld SET + %lld RESET, %s, %s\n",
                r->area_mm2, r->area_cells_mm2, r->area_periphery_mm2,
                (long long)r->program_sets, (long long)r->program_resets, e, t);
    }
    if (fflush(f) || ferror(f))
        return ncm_error_set(err, NCM_ERR_IO, "writing the cost table failed");
    return NCM_OK;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* A number, or null when not finite (JSON has no NaN or infinity). */
static int add_num(cJSON *o, const char *key, double v)
{
    if (!isfinite(v))
        return cJSON_AddNullToObject(o, key) != NULL;
    return ncm_json_add_number_exact(o, key, v);
}

static cJSON *part_json(const ncm_cost_part *p)
{
    cJSON *o = cJSON_CreateObject(), *items = cJSON_CreateObject();
    int ok = o && items && cJSON_AddItemToObject(o, "items", items);
    if (!ok)
        cJSON_Delete(items);
    for (int k = 0; ok && k < NCM_COST_N_ITEMS; k++) {
        cJSON *it = cJSON_CreateObject();
        ok = it && cJSON_AddItemToObject(items, ncm_cost_item_name((ncm_cost_item)k), it);
        if (!ok) {
            cJSON_Delete(it);
            break;
        }
        ok &= cJSON_AddNumberToObject(it, "count", (double)p->count[k]) != NULL;
        ok &= add_num(it, "energy_pj", p->energy_pj[k]);
    }
    ok = ok && add_num(o, "energy_pj", p->total_pj);
    ok = ok && cJSON_AddNumberToObject(o, "cycles", (double)p->cycles) != NULL;
    ok = ok && add_num(o, "latency_ns", p->latency_ns);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *report_json(const ncm_cost_report *r)
{
    static const char *const ARCH[] = {"chip", "sram-bnn", "dram-bnn", "sram-float",
                                       "dram-float"};
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    ok = ok && cJSON_AddStringToObject(o, "name", r->name);
    ok = ok && cJSON_AddStringToObject(o, "kind", ARCH[r->arch]);
    ok = ok && add_num(o, "energy_pj", r->total.total_pj);
    ok = ok && add_num(o, "inferences_per_j", r->inferences_per_j);
    ok = ok && add_num(o, "tops_per_w", r->tops_per_w);
    ok = ok && cJSON_AddNumberToObject(o, "ops", (double)r->ops);
    ok = ok && add_num(o, "area_mm2", r->area_mm2);
    ok = ok && add_num(o, "area_cells_mm2", r->area_cells_mm2);
    ok = ok && add_num(o, "area_periphery_mm2", r->area_periphery_mm2);
    ok = ok && add_num(o, "latency_ns", r->total.latency_ns);
    ok = ok && add_num(o, "throughput_per_s", r->throughput_per_s);
    if (ok && r->arch == NCM_ARCH_CHIP) {
        cJSON *pg = cJSON_CreateObject();
        ok = pg && cJSON_AddItemToObject(o, "programming", pg);
        if (!ok)
            cJSON_Delete(pg);
        ok = ok && cJSON_AddNumberToObject(pg, "sets", (double)r->program_sets);
        ok = ok && cJSON_AddNumberToObject(pg, "resets", (double)r->program_resets);
        ok = ok && add_num(pg, "energy_pj", r->program_pj);
        ok = ok && add_num(pg, "time_ns", r->program_ns);
    }
    cJSON *total = ok ? part_json(&r->total) : NULL;
    ok = ok && total && cJSON_AddItemToObject(o, "total", total);
    if (!ok)
        cJSON_Delete(total);
    cJSON *layers = ok ? cJSON_AddArrayToObject(o, "layers") : NULL;
    ok = ok && layers;
    for (int l = 0; ok && l < r->n_layers; l++) {
        cJSON *p = part_json(&r->layer[l]);
        ok = p && cJSON_AddItemToArray(layers, p);
        if (!ok)
            cJSON_Delete(p);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

ncm_status ncm_cost_study_save_json(const ncm_cost_study *s, const char *model_name,
                                    const char *path, ncm_error *err)
{
    if (!s || !path)
        return ncm_error_set(err, NCM_ERR_ARG, "study and path: expected non-NULL");
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", "nanocim-cost");
    ok = ok && cJSON_AddNumberToObject(root, "version", 1);
    ok = ok && ncm_json_add_producer(root);
    ok = ok && cJSON_AddStringToObject(root, "model", model_name ? model_name : "");
    cJSON *tech = ok ? ncm_imc_tech_json(&s->tech) : NULL;
    ok = ok && tech && cJSON_AddItemToObject(root, "technology", tech);
    if (!ok)
        cJSON_Delete(tech);
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "architectures") : NULL;
    ok = ok && arr;
    for (int i = 0; ok && i < s->n_reports; i++) {
        cJSON *r = report_json(&s->report[i]);
        ok = r && cJSON_AddItemToArray(arr, r);
        if (!ok)
            cJSON_Delete(r);
    }
    if (!ok) {
        cJSON_Delete(root);
        return ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path);
    }
    ncm_status st = ncm_json_write(path, root, err);
    cJSON_Delete(root);
    return st;
}
