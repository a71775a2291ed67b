/* The in-memory-computing chip: a folded binarized network (model.h) whose weights live in an
 * array of memory cells that make errors, run on the bit-packed engine (packed.h).
 *
 * This first slice models fault injection: a chip is a copy of the model's packed weight bits
 * with
 * - random bit errors: each weight bit flips independently with probability ber (per layer
 *   ber_layer[l] when given), the static outcome of programming/read errors of the cells;
 * - stuck-at faults: a fraction stuck_frac of the bits is stuck, each at +1 or -1 with
 *   probability 1/2 (a stuck bit reads its stuck value whatever was programmed or flipped).
 * The faults are drawn once per chip, so a chip is static: it gives the same predictions on
 * every pass. They are chosen by geometric skipping: the gap between consecutive faulty bits of
 * the layer's fan_in * cout weights (padding bits are never touched) is
 * G = floor(log(U) / log(1 - p)), U uniform in (0, 1), which is Geometric(p) (number of failures
 * before the first success), so the cost is proportional to the number of faults, not of bits,
 * and the count over n bits is exactly Binomial(n, p). Each (chip, layer, kind of fault) has its
 * own Philox stream (rng.h), so a chip's faults depend only on (seed, chip index) and never on
 * the thread count.
 *
 * The Monte Carlo over chips (ncm_chip_mc) draws n_chips chips, runs each on a dataset and
 * reports each chip's accuracy and measured error rate per layer, and their summary with a 95 %
 * t-interval of the mean accuracy. */
#ifndef NANOCIM_CHIP_H
#define NANOCIM_CHIP_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/dataset.h"
#include "nanocim/error.h"
#include "nanocim/model.h"
#include "nanocim/progress.h"
#include "nanocim/rram.h"
#include "nanocim/storage.h"
#include "nanocim/xnor.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ncm_tech; /* cost.h */

/* Fault model of the weight array (fault-injection mode). A plain value: the caller owns ber_layer. */
typedef struct {
    double ber;              /* probability that a weight bit flips, in [0, 1] */
    const double *ber_layer; /* NULL (every layer: ber) or n_ber_layer per-layer probabilities */
    int n_ber_layer;         /* entries of ber_layer: the model's n_layers */
    double stuck_frac;       /* fraction of weight bits stuck (at +1 or -1, 1/2 each), [0, 1] */
} ncm_chip_faults;

/* No faults: ber 0, no per-layer rates, no stuck bits. */
NCM_API void ncm_chip_faults_default(ncm_chip_faults *f);
/* Checks the fields (probabilities in [0, 1], not NaN; ber_layer of n_layers entries when
 * n_layers > 0). The message names the field and its value ("ber = nan: expected a probability
 * in [0, 1]", "ber_layer[2] = -1: ..."), after "where: " when where is not NULL. */
NCM_API ncm_status ncm_chip_faults_check(const ncm_chip_faults *f, int n_layers, const char *where,
                                         ncm_error *err);
/* The flip probability of layer l: ber_layer[l] or ber. */
NCM_API double ncm_chip_faults_ber(const ncm_chip_faults *f, int l);

/* ---- the chip: mapping, programming, reading --------------------------------------------- */

/* How a chip's weight errors arise. */
typedef enum {
    NCM_CHIP_FAULTS = 0, /* fault injection: bits flipped (and stuck) at given rates */
    NCM_CHIP_DEVICES = 1 /* device physics: every device drawn from the device model, read by its
                          * sense amplifier */
} ncm_chip_mode;

/* Largest array side, in cells. */
enum { NCM_CHIP_MAX_ARRAY = 65536 };

/* Everything that defines a chip but its seed and index. A plain value: the caller owns the
 * arrays it points to (faults.ber_layer, cond_layer), which must live as long as the calls that
 * use it. */
typedef struct {
    ncm_chip_mode mode;

    /* Mapping (both modes: the counts of ncm_chip_map_model; device mode: the cells). Layer l's
     * weight matrix, fan_in rows x cout columns, is cut into arrays of `rows` x `cols` cells:
     * input j of neuron c is in array (j / rows, c / cols), row j % rows, column c % cols. */
    int rows, cols;      /* cells per array, >= 1 (default 32 x 32) */
    ncm_storage storage; /* 2T2R (default), 1T1R, 1T1R with SECDED words along the rows */

    /* Fault-injection mode. */
    ncm_chip_faults faults;

    /* Device-physics mode. */
    ncm_rram_params device;        /* technology (default: ncm_rram_default) */
    ncm_rram_cond cond;            /* programming condition and age of every layer... */
    const ncm_rram_cond *cond_layer; /* ...or, when not NULL, one per layer (n_cond_layer) */
    int n_cond_layer;
    int dead_zone_dynamic; /* 0: a PCSA decision in the dead zone is a coin drawn once, at
                            * programming (static); 1: such a cell re-decides at random on every
                            * read (dynamic) */

    /* Both modes: dynamic read errors. Each XNOR of a binary layer (and each bit-plane read of
     * the first layer) is wrong with probability read_ber, independently on every read. */
    double read_ber;
} ncm_chip_config;

/* Fault injection without faults, 32 x 32 arrays of 2T2R cells; device mode's fields: the
 * default technology at its reference condition, age 0, static dead zone; read_ber 0. */
NCM_API void ncm_chip_config_default(ncm_chip_config *c);
/* Checks c against model m (NULL: the fields alone). The message names the field and its value:
 * "rows = 0: expected at least 1", "rows = 2048: larger than every layer's fan-in (largest
 * 1024)", "faults.ber = nan: ...", "cond_layer has 2 entries: the model has 3 layers",
 * "cond_layer[1].i_cc_ua = -5: ...", "device.hrs.sigma_ln_r = ...". */
NCM_API ncm_status ncm_chip_config_check(const ncm_chip_config *c, const ncm_model *m,
                                         ncm_error *err);
/* The programming condition of layer l (cond_layer[l] or cond). */
NCM_API ncm_rram_cond ncm_chip_config_cond(const ncm_chip_config *c, int l);

/* Where one layer's weights sit and what it takes to read them once (one inference). */
typedef struct {
    int64_t weights;       /* fan_in * cout */
    int row_tiles;         /* arrays along the fan-in: ceil(fan_in / rows) */
    int col_tiles;         /* arrays along the neurons: ceil(cout / cols) */
    int64_t arrays;        /* row_tiles * col_tiles */
    int64_t data_cells;    /* arrays * rows * cols (used or not) */
    int64_t check_cells;   /* SECDED check bits: arrays * rows * check bits of a row's words */
    int64_t devices;       /* (data + check cells) * devices per cell (2 for 2T2R) */
    int64_t sense_amps;    /* one per physical column of each array */
    int64_t decoders;      /* SECDED decoders: one per code word of an array's row */
    int64_t decoder_gates; /* their 2-input gates (ncm_secded_logic_estimate) */
    int64_t row_reads;     /* array rows read per inference: arrays * rows, times 8 for the
                            * first layer (one read per bit plane of the 8-bit input), times the
                            * output positions of a convolution */
    int64_t partial_sums;  /* per inference: partial popcounts added in logic, (row_tiles - 1)
                            * * cout (* positions) */
    double utilisation;    /* weights / data_cells */
} ncm_chip_layer_map;

/* A model's mapping: per layer, and the totals (utilisation: all weights / all data cells). */
typedef struct {
    int n_layers;
    int rows, cols;
    int words_per_row;         /* SECDED code words per array row (0 without ECC) */
    int check_per_row;         /* SECDED check cells per array row (0 without ECC) */
    int code_n, code_k;        /* the full words' code (n, k); 0 without ECC */
    ncm_chip_layer_map layer[NCM_MAX_LAYERS];
    ncm_chip_layer_map total;  /* sums (row_tiles, col_tiles: 0) */
} ncm_chip_map;

/* Maps m onto the arrays and storage of c (c's other fields are ignored; c checked first). */
NCM_API ncm_status ncm_chip_map_model(const ncm_model *m, const ncm_chip_config *c,
                                      ncm_chip_map *out, ncm_error *err);

/* One programmed chip (opaque): the weights as its cells read them, and the engine over them. */
typedef struct ncm_chip ncm_chip;

/* Programs chip number `chip` (>= 0) of generator `seed` for model m as c says, and builds the
 * packed engine (kernel; NCM_KERNEL_AUTO: the best) over the weights it reads.
 * - Fault mode: each weight bit flips with probability faults.ber (per layer ber_layer) and a
 *   fraction stuck_frac is stuck at +1 or -1, chosen by geometric skipping.
 * - Device mode: every device (both of a 2T2R cell; SECDED check cells included) gets a
 *   resistance drawn from the device model at its layer's condition and age (d2d and c2c in
 *   one standardized deviation, stuck devices at the stuck fraction of that age); every sense
 *   amplifier gets its own offset N(0, pcsa_offset_sigma^2). A 2T2R cell reads
 *   D = ln R_b - ln R_a + offset > 0 as weight +1 (the XNOR with the input is the sense
 *   amplifier's logic); |D| < pcsa_dead_zone is metastable (see dead_zone_dynamic). A 1T1R
 *   cell reads R < R_ref as +1, R_ref the BER-minimizing reference at the layer's condition
 *   (storage.best_ref) or storage.r_ref_ohm; with SECDED, each row's words are encoded,
 *   stored, read and decoded.
 * Either way the errors are static: the chip misreads the same weights on every inference
 * (dynamic read errors, when asked for, come on top, drawn per image). A chip depends only on
 * (m, c, seed, chip). NULL on error. */
NCM_API ncm_chip *ncm_chip_new(const ncm_model *m, const ncm_chip_config *c, uint64_t seed,
                               int64_t chip, ncm_kernel kernel, ncm_error *err);
NCM_API void ncm_chip_free(ncm_chip *c);
/* The weights as read (read-only; owned by the chip). */
NCM_API const ncm_model *ncm_chip_model(const ncm_chip *c);
/* Weight bits of layer l (cout * fan_in, padding excluded), and how many of them the chip reads
 * wrong (static errors; a dead-zone cell re-deciding on every read is counted in
 * ncm_chip_dead_zone instead). */
NCM_API int64_t ncm_chip_bits(const ncm_chip *c, int l);
NCM_API int64_t ncm_chip_flips(const ncm_chip *c, int l);
/* Device mode with dead_zone_dynamic: cells of layer l whose decision is random on every read. */
NCM_API int64_t ncm_chip_dead_zone(const ncm_chip *c, int l);
/* Device mode: raw cell read errors of layer l before the SECDED decoder (data and check
 * cells; equal to ncm_chip_flips without ECC), and the words the decoder corrected. */
NCM_API int64_t ncm_chip_raw_errors(const ncm_chip *c, int l);
NCM_API int64_t ncm_chip_corrected(const ncm_chip *c, int l);
/* Device mode: energy spent programming the chip's devices, pJ (SET and RESET of each device
 * at its layer's condition, ncm_rram_energy_at; 0 in fault mode). */
NCM_API double ncm_chip_program_energy_pj(const ncm_chip *c);
/* Predictions (and optionally class scores, n * n_classes) of the chip. Without dynamic errors
 * they are ncm_packed_predict on ncm_chip_model; with them, image i draws its read errors from
 * its own Philox stream of (seed, chip, i), so they do not depend on the thread count or on
 * which other images are in d. */
NCM_API ncm_status ncm_chip_predict(const ncm_chip *c, const ncm_dataset *d, int32_t *pred,
                                    float *scores, ncm_error *err);

/* Parameters of a Monte Carlo over chips (a plain value). */
typedef struct {
    ncm_chip_config chip;
    int n_chips;       /* chips drawn, >= 1 */
    int64_t first_chip; /* chip indices first_chip .. first_chip + n_chips - 1 (default 0) */
    uint64_t seed;     /* chip i uses the streams of (seed, i) */
    ncm_kernel kernel; /* packed engine's kernel (NCM_KERNEL_AUTO: the best) */
    int threads;       /* chips run concurrently, one per thread, up to this many at a time
                        * (0: the current OpenMP setting); when one chip runs alone its
                        * inference takes the current OpenMP setting. Results never depend on
                        * it. */
    const struct ncm_tech *tech; /* technology of the inference energy (cost.h; NULL: the
                                  * default, ncm_tech_default) */
} ncm_chip_mc_params;

/* The default configuration, 1 chip from index 0, seed 1, AUTO kernel, threads 0. */
NCM_API void ncm_chip_mc_default(ncm_chip_mc_params *p);

/* Results of a Monte Carlo over chips. Read-only; released by ncm_chip_mc_result_free. */
typedef struct {
    int n_chips, n_layers;
    int64_t first_chip;      /* chips first_chip .. first_chip + n_chips - 1 */
    int64_t n_images;        /* images per chip */
    uint64_t seed;
    ncm_chip_config config;  /* as run; its pointers lead to ber_layer and cond_layer below */
    double *ber_layer;       /* [n_layers] flip probability per layer (fault mode) */
    ncm_rram_cond *cond_layer; /* [n_layers] programming condition per layer (device mode) */
    ncm_chip_map map;        /* the mapping of the model on the arrays */
    int64_t *bits;           /* [n_layers] weight bits per layer (padding excluded) */
    double *accuracy;        /* [n_chips] accuracy of each chip */
    int64_t *flips;          /* [n_chips * n_layers] weights read wrong (static errors) */
    int64_t *dead_zone;      /* [n_chips * n_layers] cells deciding at random on every read */
    double *energy_pj;       /* [n_chips] programming energy of each chip (device mode) */
    double *ber_measured;    /* [n_layers] flips / bits over all chips */
    double ber_total;        /* all layers' flips / all bits, over all chips */
    double inference_energy_pj;  /* energy of one inference on this configuration (cost.h,
                                  * ncm_cost_chip with the technology of the parameters) */
    double inference_latency_ns; /* its latency */
    double mean, sd;         /* of the chips' accuracy (sd: n - 1 denominator; 0 for 1 chip) */
    double min, max;
    double ci_lo, ci_hi;     /* 95 % interval of the mean: mean -+ t(0.975, n-1) sd / sqrt(n);
                              * mean, mean for 1 chip */
    const char *kernel;      /* the packed engine's kernel */
    int threads;             /* threads used */
    double seconds;          /* wall time of programming and inference, all chips */
    double images_per_s;     /* n_chips * n_images / seconds */
} ncm_chip_mc_result;

/* Runs the Monte Carlo: for each chip, programs it (ncm_chip_new), predicts d and scores it.
 * Chips run concurrently on p->threads threads. For an MLP without dynamic errors, the
 * error-free network's sums are computed once and each chip's sums are obtained from them by
 * the exact differences its misread weights make (the integers of the chip's own engine, at a
 * cost proportional to its errors; docs/chip.md). Reports progress ("chips",
 * done of n_chips) between blocks of chips; on NCM_ERR_CANCELLED nothing is returned. NULL on
 * error: bad parameters (the message names the field: "faults.ber = nan: ...", "n_chips = 0:
 * ..."), images of another shape or labels beyond the model's classes. */
NCM_API ncm_chip_mc_result *ncm_chip_mc(const ncm_model *m, const ncm_dataset *d,
                                        const ncm_chip_mc_params *p, const ncm_progress *progress,
                                        ncm_error *err);
NCM_API void ncm_chip_mc_result_free(ncm_chip_mc_result *r);

/* Results document (JSON, atomically): producer, model and data names as given, architecture,
 * faults, seed, summary, per-layer bits and measured error rates, and one entry per chip. */
NCM_API ncm_status ncm_chip_mc_result_save_json(const ncm_chip_mc_result *r, const ncm_model *m,
                                                const char *model_name, const char *data_name,
                                                const char *path, ncm_error *err);
/* Per-chip table (CSV, atomically): a header, then one line per chip:
 * chip,accuracy,flips_L0,...,ber_L0,... */
NCM_API ncm_status ncm_chip_mc_result_save_csv(const ncm_chip_mc_result *r, const char *path,
                                               ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
