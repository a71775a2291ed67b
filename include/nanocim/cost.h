/* Energy, area and latency of one inference: the in-memory chip (chip.h) against a conventional
 * processor running the same network, every figure a count of operations times an editable,
 * cited per-operation constant of a technology file.
 *
 * Counting (exact, per inference, layer by layer; docs/cost.md gives every closed form). Layer l
 * has K = fan_in weights per neuron, N = cout neurons, P output positions (1 for a fully
 * connected layer, hc * wc for a convolution) and b bit planes (8 for the first layer's 8-bit
 * input, 1 otherwise). On the chip (mapping of ncm_chip_map_model):
 * - every array reads the rows that hold weights one at a time, once per plane and position:
 *   row reads = ceil(N / cols) K b P, one word-line pulse each;
 * - a row read senses the columns in use (with SECDED: every cell of every code word holding a
 *   column in use, check cells included): sense operations = K N b P without ECC, each with its
 *   precharge and bit-line drive; device reads = sense operations times the devices per cell;
 * - XNORs = popcount input bits = K N b P; partial-sum additions (row_tiles - 1) N b P plus
 *   (b - 1) N P to weigh the bit planes, plus 2 N for the class layer's score affine (an offset
 *   and a constant multiply per class); threshold comparisons N P (hidden layers), N - 1 for
 *   the class layer's argmax, 3 per pooled output for a 2x2 max-pool; activation bits written
 *   and moved to the next layer: the 8-bit input, and N ho wo per hidden layer;
 * - SECDED decodes: one per code word read;
 * - cycles: min(rows, K) b P row reads one after the other (arrays in parallel).
 * The processor baselines run the same network with its weights fetched once per inference from
 * SRAM or DRAM: the BNN on bit-packed 64-bit words (XNOR, popcount and accumulate per word) and
 * the float32 network of the same shape (a multiply and an add per weight and position).
 *
 * Device reads cost V_read^2 t_read / R at the median resistance of the state read (LRS or HRS)
 * at the layer's programming condition (rram.h); programming costs the device model's SET and
 * RESET energies (ncm_rram_energy_at) once per programmed device. */
#ifndef NANOCIM_COST_H
#define NANOCIM_COST_H

#include "nanocim/api.h"

#include <stdint.h>
#include <stdio.h>

#include "nanocim/chip.h"
#include "nanocim/error.h"
#include "nanocim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- technology file ------------------------------------------------------------------------- */

/* Every per-operation constant. The technology file (JSON, data/tech_45nm.json) holds one field
 * per member, grouped as in the comments ("group.field"); docs/cost.md gives each value's
 * source. Energies in pJ, times in ns, areas in um^2. */
typedef struct ncm_tech {
    char name[64]; /* "name" */

    /* "node" */
    double node_nm; /* "node_nm": CMOS node of the periphery and logic, nm, > 0 */
    double vdd_v;   /* "vdd_v": supply voltage, V, > 0 */

    /* "array": the in-memory chip's arrays */
    double v_read_v;           /* "v_read_v": voltage across a device during a read, V, > 0 */
    double t_read_ns;          /* "t_read_ns": read pulse, ns, > 0 */
    double e_sense_pj;         /* "e_sense_pj": one sense-amplifier decision (2T2R: the XNOR
                                * included), pJ */
    double e_precharge_pj;     /* "e_precharge_pj": precharge of one sense amplifier, pJ */
    double e_word_line_pj;     /* "e_word_line_pj": one word-line pulse (one row read), pJ */
    double e_bit_line_pj;      /* "e_bit_line_pj": one column's bit-line drive per row read, pJ */
    double t_cycle_ns;         /* "t_cycle_ns": one row read, precharge to decision, ns, > 0 */

    /* "logic" */
    double e_gate_pj;          /* "e_gate_pj": one 2-input gate switching (XNOR after a 1T1R
                                * read, SECDED decoder gates), pJ */
    double e_popcount_bit_pj;  /* "e_popcount_bit_pj": one input bit into a popcount, pJ */
    double e_add_pj;           /* "e_add_pj": one 16-bit addition (partial sums, planes), pJ */
    double e_compare_pj;       /* "e_compare_pj": one 16-bit comparison (threshold, argmax,
                                * max-pool), pJ */
    double e_reg_bit_pj;       /* "e_reg_bit_pj": writing one bit of an activation register, pJ */
    double e_wire_bit_mm_pj;   /* "e_wire_bit_mm_pj": moving one bit over 1 mm of wire, pJ */
    double transfer_mm;        /* "transfer_mm": distance an activation travels between layers,
                                * mm, >= 0 */
    double t_logic_ns;         /* "t_logic_ns": partial sums, threshold and transfer of one
                                * output position after its last row read, ns, >= 0 */

    /* "area" */
    double a_cell_2t2r_um2;    /* "a_cell_2t2r_um2": one 2T2R cell, um^2, > 0 */
    double a_cell_1t1r_um2;    /* "a_cell_1t1r_um2": one 1T1R cell, um^2, > 0 */
    double a_sense_um2;        /* "a_sense_um2": one sense amplifier, um^2 */
    double a_popcount_um2;     /* "a_popcount_um2": one column's popcount counter, um^2 */
    double a_row_decoder_um2;  /* "a_row_decoder_um2": the row decoder and driver per row, um^2 */
    double a_gate_um2;         /* "a_gate_um2": one 2-input gate (SECDED decoders), um^2 */
    double a_sram_bit_um2;     /* "a_sram_bit_um2": one 6T SRAM cell (processor baselines), um^2 */

    /* "processor": the conventional baselines */
    double e_sram_weight_word_pj; /* "e_sram_weight_word_pj": 64-bit read of the weight SRAM */
    double e_sram_act_word_pj;    /* "e_sram_act_word_pj": 64-bit read or write of the small
                                   * activation SRAM */
    double e_dram_word_pj;        /* "e_dram_word_pj": 64-bit DRAM access */
    double e_logic_word_pj;       /* "e_logic_word_pj": one 64-bit bitwise operation (XNOR) */
    double e_add32_pj;            /* "e_add32_pj": 32-bit integer addition (accumulate) */
    double e_fmul_pj;             /* "e_fmul_pj": float32 multiplication */
    double e_fadd_pj;             /* "e_fadd_pj": float32 addition (accumulate, compare) */
    double clock_ghz;             /* "clock_ghz": processor clock, one 64-bit operation per
                                   * cycle, > 0 */
    double sram_words_per_ns;     /* "sram_words_per_ns": weight SRAM bandwidth, 64-bit words
                                   * per ns, > 0 */
    double dram_words_per_ns;     /* "dram_words_per_ns": DRAM bandwidth, words per ns, > 0 */
} ncm_tech;

/* Fills t with the default technology (the values of data/tech_45nm.json). Unused bytes are
 * zero, so two sets compare with memcmp. */
NCM_API void ncm_tech_default(ncm_tech *t);
/* Every field finite and in range (times, node, voltage, cell areas and rates > 0; the other
 * fields >= 0); the message names the field "group.field" after `where` (NULL: "technology"). */
NCM_API ncm_status ncm_tech_check(const ncm_tech *t, const char *where, ncm_error *err);
/* Reads a technology file: every field required (only "description" optional), unknown fields
 * and wrong types refused, values checked; the message names the file and the field. On error
 * *t is zeroed. */
NCM_API ncm_status ncm_tech_load(const char *path, ncm_tech *t, ncm_error *err);
/* Writes t as a technology file, atomically; numbers round-trip exactly. */
NCM_API ncm_status ncm_tech_save(const char *path, const ncm_tech *t, ncm_error *err);

/* ---- counts and costs ------------------------------------------------------------------------ */

/* What an inference is made of. Each architecture uses some of the items; a count's unit is the
 * operation named (processor XNOR and popcount: one per 64-bit word; fetches: 64-bit words). */
typedef enum {
    NCM_COST_DEVICE_READ = 0, /* devices read */
    NCM_COST_SENSE,           /* sense-amplifier decisions */
    NCM_COST_PRECHARGE,       /* sense-amplifier precharges */
    NCM_COST_WORD_LINE,       /* word-line pulses (row reads) */
    NCM_COST_BIT_LINE,        /* bit-line drives */
    NCM_COST_XNOR,            /* XNORs (chip: bits; processor: 64-bit words) */
    NCM_COST_POPCOUNT,        /* popcount inputs (chip: bits; processor: 64-bit words) */
    NCM_COST_ADD,             /* additions (partial sums, bit planes, accumulations) */
    NCM_COST_MULTIPLY,        /* float32 multiplications */
    NCM_COST_COMPARE,         /* comparisons (thresholds, argmax, max-pool) */
    NCM_COST_ACTIVATION,      /* activation bits written to a register and moved */
    NCM_COST_ECC,             /* SECDED words decoded */
    NCM_COST_WEIGHT_FETCH,    /* weight words fetched from SRAM or DRAM */
    NCM_COST_ACT_FETCH,       /* activation words read or written in the activation SRAM */
    NCM_COST_N_ITEMS
} ncm_cost_item;

/* "device_read", "sense", ..., "act_fetch" (the JSON keys), or NULL out of range. */
NCM_API const char *ncm_cost_item_name(ncm_cost_item i);

/* The architectures compared. */
typedef enum {
    NCM_ARCH_CHIP = 0,     /* the in-memory chip (storage of its configuration) */
    NCM_ARCH_SRAM_BNN,     /* the BNN on a processor, weights in SRAM */
    NCM_ARCH_DRAM_BNN,     /* the BNN on a processor, weights in DRAM */
    NCM_ARCH_SRAM_FLOAT,   /* the float32 network of the same shape, weights in SRAM */
    NCM_ARCH_DRAM_FLOAT    /* the float32 network, weights in DRAM */
} ncm_cost_arch;

/* One layer's (or the whole inference's) counts and energies. */
typedef struct {
    int64_t count[NCM_COST_N_ITEMS];
    double energy_pj[NCM_COST_N_ITEMS];
    double total_pj;   /* sum of energy_pj */
    int64_t cycles;    /* chip: row-read cycles on the critical path; processor: clock cycles */
    double latency_ns; /* time of the layer (of the inference in the totals) */
} ncm_cost_part;

/* The cost of one inference on one architecture. */
typedef struct {
    ncm_cost_arch arch;
    char name[64];           /* "2T2R", "1T1R+SECDED(39,32)", "SRAM-BNN", "DRAM-float", ... */
    int n_layers;
    ncm_cost_part layer[NCM_MAX_LAYERS];
    ncm_cost_part total;
    int64_t ops;             /* 2 sum K N P: a multiply (XNOR) and an add per weight use */
    double inferences_per_j; /* 1e12 / total_pj */
    double tops_per_w;       /* ops / total_pj (1 op/pJ = 1 TOPS/W) */
    double throughput_per_s; /* inferences per second: the chip's layers pipelined (1e9 / its
                              * slowest layer), a processor's in turn (1e9 / latency) */
    /* area, mm^2: chip arrays and periphery; processor: the weight SRAM's cells (0 for DRAM,
     * off chip); NaN where not modelled */
    double area_mm2;
    double area_cells_mm2, area_periphery_mm2;
    /* chip only (0 for the processors): programming the chip once */
    int64_t program_sets, program_resets; /* device events */
    double program_pj;                    /* their energy, device model (rram.h) */
    double program_ns;                    /* arrays in parallel, one device event at a time */
} ncm_cost_report;

/* The chip's cost for model m on the arrays, storage and programming conditions of c (device
 * fields: the technology and per-layer conditions; the mode and error rates do not matter).
 * NCM_ERR_ARG naming the field for a bad configuration or technology. */
NCM_API ncm_status ncm_cost_chip(const ncm_model *m, const ncm_chip_config *c, const ncm_tech *t,
                                 ncm_cost_report *out, ncm_error *err);
/* A processor baseline's cost for model m (arch one of the NCM_ARCH_*_BNN or *_FLOAT). */
NCM_API ncm_status ncm_cost_processor(const ncm_model *m, ncm_cost_arch arch, const ncm_tech *t,
                                      ncm_cost_report *out, ncm_error *err);

/* A comparison: the chip on n_chips configurations, then the four processor baselines. */
typedef struct {
    ncm_tech tech;
    int n_reports;
    ncm_cost_report *report; /* [n_reports]: the chips first, then SRAM-BNN, DRAM-BNN,
                              * SRAM-float, DRAM-float */
    int n_chips;
} ncm_cost_study;

/* Computes the comparison (configs[0..n_configs), 1 <= n_configs <= 64). NULL (and err
 * filled) on failure. */
NCM_API ncm_cost_study *ncm_cost_study_new(const ncm_model *m, const ncm_chip_config *configs,
                                           int n_configs, const ncm_tech *t, ncm_error *err);
NCM_API void ncm_cost_study_free(ncm_cost_study *s);

/* The comparison as text: per architecture the totals (pJ per inference, inferences per joule,
 * TOPS/W, area, latency, throughput) and the ratios to the first chip, then each chip's
 * breakdown per item and per layer. Returns NCM_ERR_IO when the stream fails. */
NCM_API ncm_status ncm_cost_study_print(const ncm_cost_study *s, FILE *f, ncm_error *err);
/* The comparison as a JSON document, atomically: "format" "nanocim-cost", version 1,
 * "producer", the model name as given, the technology (every field), and per architecture the
 * totals, the programming cost, and per layer and in total every item's count and energy. */
NCM_API ncm_status ncm_cost_study_save_json(const ncm_cost_study *s, const char *model_name,
                                            const char *path, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
