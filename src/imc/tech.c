/* The technology file of the cost model (include/nanocim/cost.h): the default 45 nm technology,
 * validation, loading and atomic saving. One table lists every numeric field with its JSON group,
 * name and allowed range, and serves the checks, the reader and the writer alike. The values and
 * their sources are in docs/cost.md; data/tech_45nm.json holds the same values. */
#include "nanocim/cost.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/fieldfile.h"

#define FORMAT_NAME "nanocim-tech"
enum { FORMAT_VERSION = 1 };

#define F(g, k, r)                                                                                 \
    {                                                                                              \
        g, #k, offsetof(ncm_tech, k), r                                                            \
    }
static const ncm_field FIELDS[] = {
    F("node", node_nm, NCM_RANGE_POS),
    F("node", vdd_v, NCM_RANGE_POS),
    F("array", v_read_v, NCM_RANGE_POS),
    F("array", t_read_ns, NCM_RANGE_POS),
    F("array", e_sense_pj, NCM_RANGE_NONNEG),
    F("array", e_precharge_pj, NCM_RANGE_NONNEG),
    F("array", e_word_line_pj, NCM_RANGE_NONNEG),
    F("array", e_bit_line_pj, NCM_RANGE_NONNEG),
    F("array", t_cycle_ns, NCM_RANGE_POS),
    F("logic", e_gate_pj, NCM_RANGE_NONNEG),
    F("logic", e_popcount_bit_pj, NCM_RANGE_NONNEG),
    F("logic", e_add_pj, NCM_RANGE_NONNEG),
    F("logic", e_compare_pj, NCM_RANGE_NONNEG),
    F("logic", e_reg_bit_pj, NCM_RANGE_NONNEG),
    F("logic", e_wire_bit_mm_pj, NCM_RANGE_NONNEG),
    F("logic", transfer_mm, NCM_RANGE_NONNEG),
    F("logic", t_logic_ns, NCM_RANGE_NONNEG),
    F("area", a_cell_2t2r_um2, NCM_RANGE_POS),
    F("area", a_cell_1t1r_um2, NCM_RANGE_POS),
    F("area", a_sense_um2, NCM_RANGE_NONNEG),
    F("area", a_popcount_um2, NCM_RANGE_NONNEG),
    F("area", a_row_decoder_um2, NCM_RANGE_NONNEG),
    F("area", a_gate_um2, NCM_RANGE_NONNEG),
    F("area", a_sram_bit_um2, NCM_RANGE_POS),
    F("processor", e_sram_weight_word_pj, NCM_RANGE_NONNEG),
    F("processor", e_sram_act_word_pj, NCM_RANGE_NONNEG),
    F("processor", e_dram_word_pj, NCM_RANGE_NONNEG),
    F("processor", e_logic_word_pj, NCM_RANGE_NONNEG),
    F("processor", e_add32_pj, NCM_RANGE_NONNEG),
    F("processor", e_fmul_pj, NCM_RANGE_NONNEG),
    F("processor", e_fadd_pj, NCM_RANGE_NONNEG),
    F("processor", clock_ghz, NCM_RANGE_POS),
    F("processor", sram_words_per_ns, NCM_RANGE_POS),
    F("processor", dram_words_per_ns, NCM_RANGE_POS),
};
#undef F
enum { N_FIELDS = sizeof FIELDS / sizeof FIELDS[0] };

static const char *const GROUPS[] = {"node", "array", "logic", "area", "processor"};
enum { N_GROUPS = sizeof GROUPS / sizeof GROUPS[0] };

static const ncm_field_table TABLE = {FORMAT_NAME,
                                      FORMAT_VERSION,
                                      "technology file",
                                      FIELDS,
                                      N_FIELDS,
                                      GROUPS,
                                      N_GROUPS,
                                      NULL,
                                      offsetof(ncm_tech, name),
                                      sizeof(((ncm_tech *)0)->name)};

void ncm_tech_default(ncm_tech *t)
{
    /* Values, sources and which are modelling choices: docs/cost.md, "The technology file". */
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", "cmos-45nm-hfo2");
    t->node_nm = 45.0;
    t->vdd_v = 0.9;

    t->v_read_v = 0.1;
    t->t_read_ns = 1.0;
    t->e_sense_pj = 0.01;
    t->e_precharge_pj = 0.004;
    t->e_word_line_pj = 0.02;
    t->e_bit_line_pj = 0.002;
    t->t_cycle_ns = 2.0;

    t->e_gate_pj = 0.00075;
    t->e_popcount_bit_pj = 0.00375;
    t->e_add_pj = 0.05;
    t->e_compare_pj = 0.05;
    t->e_reg_bit_pj = 0.004;
    t->e_wire_bit_mm_pj = 0.08;
    t->transfer_mm = 1.0;
    t->t_logic_ns = 2.0;

    t->a_cell_2t2r_um2 = 0.2;
    t->a_cell_1t1r_um2 = 0.1;
    t->a_sense_um2 = 2.0;
    t->a_popcount_um2 = 36.0;
    t->a_row_decoder_um2 = 1.0;
    t->a_gate_um2 = 0.9;
    t->a_sram_bit_um2 = 0.346;

    t->e_sram_weight_word_pj = 100.0;
    t->e_sram_act_word_pj = 10.0;
    t->e_dram_word_pj = 1300.0;
    t->e_logic_word_pj = 0.048;
    t->e_add32_pj = 0.1;
    t->e_fmul_pj = 3.7;
    t->e_fadd_pj = 0.9;
    t->clock_ghz = 1.0;
    t->sram_words_per_ns = 1.0;
    t->dram_words_per_ns = 1.6;
}

ncm_status ncm_tech_check(const ncm_tech *t, const char *where, ncm_error *err)
{
    if (!t)
        return ncm_error_set(err, NCM_ERR_ARG, "technology: expected non-NULL");
    return ncm_fields_check(&TABLE, t, where ? where : "technology", err);
}

static ncm_status finish_tech(const cJSON *root, const char *path, void *obj, ncm_error *err)
{
    (void)root;
    return ncm_tech_check(obj, path, err);
}

ncm_status ncm_tech_load(const char *path, ncm_tech *t, ncm_error *err)
{
    return ncm_fields_load(&TABLE, path, t, sizeof *t, finish_tech, err);
}

ncm_status ncm_tech_save(const char *path, const ncm_tech *t, ncm_error *err)
{
    ncm_status st = ncm_tech_check(t, NULL, err);
    return st ? st : ncm_fields_save(&TABLE, path, t, NULL, err);
}

cJSON *ncm_imc_tech_json(const ncm_tech *t)
{
    return ncm_fields_to_json(&TABLE, t);
}
