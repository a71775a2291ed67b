/* Counting the operations of one inference, and what they cost (include/nanocim/cost.h): the
 * in-memory chip on its mapping, and the processor baselines on the same network. Every count is
 * an exact closed form of the layer shapes and the mapping (docs/cost.md, "Counts"); energies are
 * counts times the technology file's constants, the device reads and programming from the device
 * model at each layer's condition. */
#include "nanocim/cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "imc/imc_internal.h"

static const char *const ITEM_NAMES[NCM_COST_N_ITEMS] = {
    "device_read", "sense",   "precharge", "word_line",  "bit_line",     "xnor",     "popcount",
    "add",         "multiply", "compare",  "activation", "ecc",          "weight_fetch",
    "act_fetch"};

const char *ncm_cost_item_name(ncm_cost_item i)
{
    return (unsigned)i < NCM_COST_N_ITEMS ? ITEM_NAMES[i] : NULL;
}

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Output positions of layer L (before pooling) and its bit planes. */
static int64_t positions(const ncm_model_layer *L)
{
    return L->kind == NCM_LAYER_CONV ? (int64_t)L->hc * L->wc : 1;
}
static int planes(const ncm_model_layer *L) { return L->first ? 8 : 1; }

/* Comparisons, additions and output bits that do not depend on the architecture: thresholds (or
 * the class layer's argmax and score affine), the 2x2 max-pool's three comparisons per output. */
static void shared_logic(const ncm_model_layer *L, int64_t *compares, int64_t *affine_adds,
                         int64_t *out_bits)
{
    const int64_t N = L->cout, P = positions(L);
    if (L->last) {
        /* score = (a - mean) scale + beta per class: an offset and a constant multiply, each
         * counted as one addition; then N - 1 comparisons pick the largest */
        *compares = N - 1;
        *affine_adds = 2 * N;
        *out_bits = 0;
        return;
    }
    *compares = N * P + (L->pool ? 3 * N * L->ho * L->wo : 0);
    *affine_adds = 0;
    *out_bits = N * (int64_t)L->ho * L->wo;
}

/* Weights equal to +1 in layer L (padding bits excluded). */
static int64_t plus_weights(const ncm_model_layer *L)
{
    int64_t n = 0;
    const int full = L->fan_in / 64, rem = L->fan_in % 64;
    for (int c = 0; c < L->cout; c++) {
        const uint64_t *w = L->wbits + (size_t)c * L->words;
        for (int j = 0; j < full; j++)
            n += __builtin_popcountll(w[j]);
        if (rem)
            n += __builtin_popcountll(w[full] & ((UINT64_C(1) << rem) - 1));
    }
    return n;
}

static void finish_part(ncm_cost_part *p)
{
    p->total_pj = 0.0;
    for (int i = 0; i < NCM_COST_N_ITEMS; i++)
        p->total_pj += p->energy_pj[i];
}

static void add_part(ncm_cost_part *t, const ncm_cost_part *p)
{
    for (int i = 0; i < NCM_COST_N_ITEMS; i++) {
        t->count[i] += p->count[i];
        t->energy_pj[i] += p->energy_pj[i];
    }
    t->total_pj += p->total_pj;
    t->cycles += p->cycles;
    t->latency_ns += p->latency_ns;
}

/* Totals, ops and the figures of merit of a report whose layers are filled. */
static void finish_report(const ncm_model *m, ncm_cost_report *r)
{
    memset(&r->total, 0, sizeof r->total);
    double slowest = 0.0;
    r->ops = 0;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        add_part(&r->total, &r->layer[l]);
        r->ops += 2 * (int64_t)L->fan_in * L->cout * positions(L);
        if (r->layer[l].latency_ns > slowest)
            slowest = r->layer[l].latency_ns;
    }
    r->inferences_per_j = r->total.total_pj > 0 ? 1e12 / r->total.total_pj : INFINITY;
    r->tops_per_w = r->total.total_pj > 0 ? (double)r->ops / r->total.total_pj : INFINITY;
    /* the chip's layers work as a pipeline (each its own arrays); a processor runs them in turn */
    const double period = r->arch == NCM_ARCH_CHIP ? slowest : r->total.latency_ns;
    r->throughput_per_s = period > 0 ? 1e9 / period : INFINITY;
}

/* ---- the chip -------------------------------------------------------------------------------- */

/* Cells read per row read, code words decoded and decoder gates switched, summed over a layer's
 * column tiles: without ECC the columns in use; with SECDED every cell of every word that holds
 * a column in use (the words of a row: k data bits each, the last one shortened to klast). */
typedef struct {
    int64_t cells, words, gates;
    int64_t cells_tile0; /* the first (fullest) column tile's cells per row */
} row_cost;

/* The check bits and decoder gates of a row's full words and of its last one (ECC only). */
typedef struct {
    int r_full, g_full, r_last, g_last;
} word_costs;

static ncm_status row_words(const ncm_chip_map *map, int cols, word_costs *w, ncm_error *err)
{
    const int klast = cols - (map->words_per_row - 1) * map->code_k;
    int n;
    ncm_status s = ncm_imc_word_cost(map->code_k, &w->r_full, &w->g_full, &n, err);
    return s ? s : ncm_imc_word_cost(klast, &w->r_last, &w->g_last, &n, err);
}

static void layer_row_cost(const ncm_model_layer *L, const ncm_chip_config *c,
                           const ncm_chip_map *map, const word_costs *wc, row_cost *rc)
{
    memset(rc, 0, sizeof *rc);
    const int C = c->cols, N = L->cout, ct = (N + C - 1) / C;
    if (!c->storage.ecc_k) {
        rc->cells = N;
        rc->cells_tile0 = N < C ? N : C;
        return;
    }
    const int k = map->code_k, wpr = map->words_per_row, klast = C - (wpr - 1) * k;
    const int r_full = wc->r_full, g_full = wc->g_full, r_last = wc->r_last, g_last = wc->g_last;
    for (int j = 0; j < ct; j++) {
        const int used = N - j * C < C ? N - j * C : C, words = (used + k - 1) / k;
        int64_t cells = 0;
        for (int w = 0; w < words; w++) {
            const int last = w == wpr - 1;
            cells += (last ? klast + r_last : k + r_full);
            rc->gates += last ? g_last : g_full;
        }
        rc->words += words;
        rc->cells += cells;
        if (j == 0)
            rc->cells_tile0 = cells;
    }
}

ncm_status ncm_cost_chip(const ncm_model *m, const ncm_chip_config *c, const ncm_tech *t,
                         ncm_cost_report *out, ncm_error *err)
{
    if (!m || !c || !t || !out)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "model, configuration, technology and report: expected non-NULL");
    memset(out, 0, sizeof *out);
    ncm_chip_map map;
    ncm_status s = ncm_tech_check(t, NULL, err);
    if (s || (s = ncm_chip_map_model(m, c, &map, err)))
        return s;
    out->arch = NCM_ARCH_CHIP;
    ncm_storage_name(&c->storage, out->name, sizeof out->name);
    out->n_layers = m->n_layers;
    word_costs wc = {0};
    if (c->storage.ecc_k && (s = row_words(&map, c->cols, &wc, err)))
        return s;
    const int two = c->storage.cell == NCM_CELL_2T2R;
    const int dev = two ? 2 : 1;
    double cells_um2 = 0.0, periph_um2 = 0.0;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        ncm_cost_part *p = &out->layer[l];
        row_cost rc;
        layer_row_cost(L, c, &map, &wc, &rc);
        const int64_t K = L->fan_in, N = L->cout, P = positions(L), b = planes(L);
        const int64_t rt = map.layer[l].row_tiles, ctiles = map.layer[l].col_tiles;
        const int64_t reads = K * b * P; /* row reads of one column tile */
        int64_t compares, affine_adds, out_bits;
        shared_logic(L, &compares, &affine_adds, &out_bits);
        const int64_t in_bits = L->first ? 8 * (int64_t)L->cin * L->hin * L->win : 0;

        int64_t *n = p->count;
        n[NCM_COST_WORD_LINE] = ctiles * reads;
        n[NCM_COST_SENSE] = rc.cells * reads;
        n[NCM_COST_PRECHARGE] = n[NCM_COST_SENSE];
        n[NCM_COST_BIT_LINE] = n[NCM_COST_SENSE];
        n[NCM_COST_DEVICE_READ] = n[NCM_COST_SENSE] * dev;
        n[NCM_COST_XNOR] = K * N * b * P;
        n[NCM_COST_POPCOUNT] = n[NCM_COST_XNOR];
        n[NCM_COST_ADD] = (rt - 1) * N * b * P + (b - 1) * N * P + affine_adds;
        n[NCM_COST_COMPARE] = compares;
        n[NCM_COST_ACTIVATION] = in_bits + out_bits;
        n[NCM_COST_ECC] = rc.words * reads;

        /* Device reads: V^2 t / R at the median of the state read (V^2 ns / ohm = 1e3 pJ). A
         * 2T2R cell reads one device of each state; a 1T1R weight +1 is an LRS, -1 an HRS, and
         * the ECC words' other cells (check bits, padding) are taken half and half. */
        const ncm_rram_cond cond = ncm_chip_config_cond(c, l);
        ncm_rram_stats st;
        ncm_rram_stats_at(&c->device, &cond, &st);
        const double e_l = t->v_read_v * t->v_read_v * t->t_read_ns / exp(st.mu_lrs) * 1e3;
        const double e_h = t->v_read_v * t->v_read_v * t->t_read_ns / exp(st.mu_hrs) * 1e3;
        const int64_t plus = plus_weights(L), weights = K * N, other = rc.cells * K - weights;
        double *e = p->energy_pj;
        if (two)
            e[NCM_COST_DEVICE_READ] = (double)n[NCM_COST_SENSE] * (e_l + e_h);
        else
            e[NCM_COST_DEVICE_READ] = (double)(b * P) * ((double)plus * e_l +
                                                        (double)(weights - plus) * e_h +
                                                        0.5 * (double)other * (e_l + e_h));
        e[NCM_COST_SENSE] = (double)n[NCM_COST_SENSE] * t->e_sense_pj;
        e[NCM_COST_PRECHARGE] = (double)n[NCM_COST_PRECHARGE] * t->e_precharge_pj;
        e[NCM_COST_WORD_LINE] = (double)n[NCM_COST_WORD_LINE] * t->e_word_line_pj;
        e[NCM_COST_BIT_LINE] = (double)n[NCM_COST_BIT_LINE] * t->e_bit_line_pj;
        /* 2T2R: the sense amplifier computes the XNOR (its energy is the decision's); 1T1R: a
         * gate after the sense amplifier (and the decoder) */
        e[NCM_COST_XNOR] = two ? 0.0 : (double)n[NCM_COST_XNOR] * t->e_gate_pj;
        e[NCM_COST_POPCOUNT] = (double)n[NCM_COST_POPCOUNT] * t->e_popcount_bit_pj;
        e[NCM_COST_ADD] = (double)n[NCM_COST_ADD] * t->e_add_pj;
        e[NCM_COST_COMPARE] = (double)n[NCM_COST_COMPARE] * t->e_compare_pj;
        e[NCM_COST_ACTIVATION] = (double)n[NCM_COST_ACTIVATION] *
                                 (t->e_reg_bit_pj + t->e_wire_bit_mm_pj * t->transfer_mm);
        e[NCM_COST_ECC] = (double)(rc.gates * reads) * t->e_gate_pj;
        finish_part(p);
        p->cycles = (K < c->rows ? K : c->rows) * b * P;
        p->latency_ns = (double)p->cycles * t->t_cycle_ns + (double)P * t->t_logic_ns;

        /* Area: every array whole (cells used or not), its sense amplifiers and counters, row
         * decoders, and the SECDED decoders' gates. */
        const ncm_chip_layer_map *M = &map.layer[l];
        cells_um2 += (double)(M->data_cells + M->check_cells) *
                     (two ? t->a_cell_2t2r_um2 : t->a_cell_1t1r_um2);
        periph_um2 += (double)M->sense_amps * (t->a_sense_um2 + t->a_popcount_um2) +
                      (double)M->arrays * c->rows * t->a_row_decoder_um2 +
                      (double)M->decoder_gates * t->a_gate_um2;

        /* Programming: every cell that is read is programmed once, a 2T2R cell by a SET and a
         * RESET; a 1T1R cell by a SET (+1, LRS) or a RESET (-1). Arrays are programmed in
         * parallel, one device event at a time each; the fullest array sets the time. */
        const int64_t cells = rc.cells * K;
        const int64_t sets = two ? cells : plus + other / 2, resets = two ? cells : cells - sets;
        const ncm_rram_energy en = ncm_rram_energy_at(&c->device, &cond, c->storage.cell);
        out->program_sets += sets, out->program_resets += resets;
        out->program_pj += (double)sets * en.e_set_pj + (double)resets * en.e_reset_pj;
        const int64_t events = (K < c->rows ? K : c->rows) * rc.cells_tile0 * dev;
        const double ns = (double)events * cond.t_p_ns;
        if (ns > out->program_ns)
            out->program_ns = ns;
    }
    out->area_cells_mm2 = cells_um2 * 1e-6;
    out->area_periphery_mm2 = periph_um2 * 1e-6;
    out->area_mm2 = out->area_cells_mm2 + out->area_periphery_mm2;
    finish_report(m, out);
    return NCM_OK;
}

/* ---- the processor baselines ----------------------------------------------------------------- */

ncm_status ncm_cost_processor(const ncm_model *m, ncm_cost_arch arch, const ncm_tech *t,
                              ncm_cost_report *out, ncm_error *err)
{
    if (!m || !t || !out)
        return ncm_error_set(err, NCM_ERR_ARG, "model, technology and report: expected non-NULL");
    if (arch != NCM_ARCH_SRAM_BNN && arch != NCM_ARCH_DRAM_BNN && arch != NCM_ARCH_SRAM_FLOAT &&
        arch != NCM_ARCH_DRAM_FLOAT)
        return ncm_error_set(err, NCM_ERR_ARG, "architecture %d: not a processor baseline",
                             (int)arch);
    memset(out, 0, sizeof *out);
    ncm_status s = ncm_tech_check(t, NULL, err);
    if (s)
        return s;
    const int bnn = arch == NCM_ARCH_SRAM_BNN || arch == NCM_ARCH_DRAM_BNN;
    const int dram = arch == NCM_ARCH_DRAM_BNN || arch == NCM_ARCH_DRAM_FLOAT;
    static const char *const NAMES[] = {"", "SRAM-BNN", "DRAM-BNN", "SRAM-float", "DRAM-float"};
    snprintf(out->name, sizeof out->name, "%s", NAMES[arch]);
    out->arch = arch;
    out->n_layers = m->n_layers;
    const double e_fetch = dram ? t->e_dram_word_pj : t->e_sram_weight_word_pj;
    const double words_per_ns = dram ? t->dram_words_per_ns : t->sram_words_per_ns;
    double sram_bits = 0.0;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        ncm_cost_part *p = &out->layer[l];
        const int64_t K = L->fan_in, N = L->cout, P = positions(L);
        int64_t compares, affine_adds, out_bits;
        shared_logic(L, &compares, &affine_adds, &out_bits);
        int64_t *n = p->count;
        double *e = p->energy_pj;
        if (bnn) {
            /* bit-packed: per neuron, position and plane, ceil(K / 64) words XNORed with the
             * input, popcounted and accumulated; the planes weighed by shifts and adds */
            const int64_t W = ceil_div(K, 64), b = planes(L);
            n[NCM_COST_WEIGHT_FETCH] = N * W;
            n[NCM_COST_ACT_FETCH] = W * b * P + ceil_div(out_bits, 64) + (L->last ? ceil_div(N, 2) : 0);
            n[NCM_COST_XNOR] = N * W * b * P;
            n[NCM_COST_POPCOUNT] = n[NCM_COST_XNOR];
            n[NCM_COST_ADD] = n[NCM_COST_XNOR] + (b - 1) * N * P + affine_adds;
            n[NCM_COST_COMPARE] = compares;
            e[NCM_COST_XNOR] = (double)n[NCM_COST_XNOR] * t->e_logic_word_pj;
            e[NCM_COST_POPCOUNT] = (double)n[NCM_COST_POPCOUNT] * 64.0 * t->e_popcount_bit_pj;
            e[NCM_COST_ADD] = (double)n[NCM_COST_ADD] * t->e_add32_pj;
            e[NCM_COST_COMPARE] = (double)n[NCM_COST_COMPARE] * t->e_add32_pj;
            sram_bits += (double)(K * N);
        } else {
            /* float32, two values per 64-bit word: a multiply and an add per weight and
             * position, a bias add and an activation (sign or ReLU) comparison per output */
            n[NCM_COST_WEIGHT_FETCH] = ceil_div(K * N, 2);
            n[NCM_COST_ACT_FETCH] = ceil_div(K, 2) * P + ceil_div(L->last ? N : out_bits, 2);
            n[NCM_COST_MULTIPLY] = K * N * P;
            n[NCM_COST_ADD] = K * N * P + (L->last ? 0 : N * P) + affine_adds;
            n[NCM_COST_COMPARE] = compares;
            e[NCM_COST_MULTIPLY] = (double)n[NCM_COST_MULTIPLY] * t->e_fmul_pj;
            e[NCM_COST_ADD] = (double)n[NCM_COST_ADD] * t->e_fadd_pj;
            e[NCM_COST_COMPARE] = (double)n[NCM_COST_COMPARE] * t->e_fadd_pj;
            sram_bits += 32.0 * (double)(K * N);
        }
        e[NCM_COST_WEIGHT_FETCH] = (double)n[NCM_COST_WEIGHT_FETCH] * e_fetch;
        e[NCM_COST_ACT_FETCH] = (double)n[NCM_COST_ACT_FETCH] * t->e_sram_act_word_pj;
        finish_part(p);
        /* one operation per cycle; the weight stream overlaps the arithmetic, so the slower of
         * the two sets the layer's time */
        p->cycles = n[NCM_COST_XNOR] + n[NCM_COST_POPCOUNT] + n[NCM_COST_ADD] +
                    n[NCM_COST_MULTIPLY] + n[NCM_COST_COMPARE];
        const double compute_ns = (double)p->cycles / t->clock_ghz;
        const double memory_ns = (double)n[NCM_COST_WEIGHT_FETCH] / words_per_ns;
        p->latency_ns = compute_ns > memory_ns ? compute_ns : memory_ns;
    }
    out->area_cells_mm2 = dram ? 0.0 : sram_bits * t->a_sram_bit_um2 * 1e-6;
    out->area_periphery_mm2 = NAN;
    out->area_mm2 = dram ? NAN : out->area_cells_mm2;
    finish_report(m, out);
    return NCM_OK;
}

ncm_status ncm_imc_inference_cost(const ncm_model *m, const ncm_chip_config *c,
                                  const ncm_tech *t, double *energy_pj, double *latency_ns,
                                  ncm_error *err)
{
    ncm_tech def;
    if (!t)
        ncm_tech_default(&def), t = &def;
    ncm_cost_report *r = malloc(sizeof *r);
    if (!r)
        return ncm_error_set(err, NCM_ERR_NOMEM, "cost report: out of memory");
    ncm_status s = ncm_cost_chip(m, c, t, r, err);
    *energy_pj = s ? NAN : r->total.total_pj;
    *latency_ns = s ? NAN : r->total.latency_ns;
    free(r);
    return s;
}
