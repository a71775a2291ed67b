/* Sweeps of the in-memory chip (chip.h): the accuracy of one or more models over a grid of
 * fault rates, programming conditions, ages, array sizes or storage options, with many chips per
 * point, on one machine (OpenMP) or split across processes (MPI, through ncm_sweep_comm).
 *
 * A sweep is a base chip configuration and up to NCM_SWEEP_MAX_AXES axes; its points are the
 * cartesian product of the models (always the outermost axis) and the axes, the last axis
 * varying fastest. Point p applies its axis values to the base configuration and runs
 * n_chips chips, numbered p * n_chips .. p * n_chips + n_chips - 1 in the generator `seed`, so
 * every (point, chip) has its own Philox streams and the whole table depends only on the
 * parameters: not on the thread count, nor on how the (point, chip) tasks are split between
 * processes. The result table holds every chip's accuracy and static error counts, and per
 * point their summary, the mapping counts and the programming energy; its CSV and JSON writers
 * carry no timing, so two runs with the same parameters write the same bytes. */
#ifndef NANOCIM_SWEEP_H
#define NANOCIM_SWEEP_H

#include "nanocim/api.h"

#include <stddef.h>
#include <stdint.h>

#include "nanocim/chip.h"
#include "nanocim/dataset.h"
#include "nanocim/error.h"
#include "nanocim/model.h"
#include "nanocim/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { NCM_SWEEP_MAX_AXES = 4, NCM_SWEEP_MAX_MODELS = 64 };
/* Most (point, chip) tasks of one sweep. */
#define NCM_SWEEP_MAX_TASKS INT64_C(100000000)

/* What an axis varies. A numeric axis sets one field of every point's configuration. */
typedef enum {
    NCM_AXIS_BER = 0,     /* faults.ber (fault mode) */
    NCM_AXIS_ICC = 1,     /* cond.i_cc_ua (device mode) */
    NCM_AXIS_VRESET = 2,  /* cond.v_reset_v (device mode) */
    NCM_AXIS_TP = 3,      /* cond.t_p_ns (device mode) */
    NCM_AXIS_CYCLES = 4,  /* cond.cycles (device mode) */
    NCM_AXIS_ARRAY = 5,   /* square arrays: rows = cols = value */
    NCM_AXIS_STORAGE = 6, /* storage: one of `storages` */
    NCM_AXIS_READ_BER = 7 /* read_ber (both modes) */
} ncm_sweep_axis_kind;

/* "ber", "icc", "vreset", "tp", "cycles", "array", "storage", "read-ber"; parse: -1 when unknown. */
NCM_API const char *ncm_sweep_axis_name(ncm_sweep_axis_kind k);
NCM_API int ncm_sweep_axis_parse(const char *name);

typedef struct {
    ncm_sweep_axis_kind kind;
    int n;                       /* values on the axis, >= 1 */
    const double *values;        /* [n] numeric axes */
    const ncm_storage *storages; /* [n] NCM_AXIS_STORAGE */
} ncm_sweep_axis;

/* How the tasks are shared between processes: rank `rank` of `size` runs the (point, chip) tasks
 * rank, rank + size, rank + 2 size, ... (interleaved, so that cheap and dear points are shared
 * evenly), then allgatherv gives every rank the concatenation, in rank order, of every rank's
 * block (bytes[r] bytes from rank r; every rank knows every bytes[r]). It returns 0
 * on success. The library never calls MPI itself: an MPI program fills this with MPI_Allgatherv
 * on its communicator. rank 0, size 1 and allgatherv NULL: one process. */
typedef struct {
    int rank, size;
    int (*allgatherv)(void *user, const void *send, size_t send_bytes, void *recv,
                      const size_t *bytes);
    void *user;
} ncm_sweep_comm;

/* Parameters of a sweep. A plain value: the arrays are the caller's. */
typedef struct {
    const ncm_model *const *models; /* [n_models] models, >= 1 */
    const char *const *model_names; /* [n_models] names for the tables (NULL: "model0", ...) */
    int n_models;
    ncm_chip_config base;           /* configuration of every point before its axis values */
    ncm_sweep_axis axes[NCM_SWEEP_MAX_AXES];
    int n_axes;                     /* 0 .. NCM_SWEEP_MAX_AXES */
    int n_chips;                    /* chips per point, >= 1 */
    uint64_t seed;
    ncm_kernel kernel;
    int threads;                    /* OpenMP threads of this process (0: the current setting) */
    const struct ncm_tech *tech;    /* technology of the inference energy (cost.h; NULL: the
                                     * default) */
    /* Crash safety. checkpoint (NULL: none): the file where each rank appends, after every block
     * of chips, the outcomes of its finished tasks (under MPI rank R of S uses
     * checkpoint.rankR-of-S). resume 0 starts a new one (replacing any); resume 1 continues from
     * it, running only the tasks it lacks, and refuses a checkpoint of another sweep (models,
     * images, grid, chips, seed or process count differ). The table is then the one of an
     * uninterrupted run. The file is left in place: remove it once the results are saved. */
    const char *checkpoint;
    int resume;
} ncm_sweep_params;

/* No models, the default chip configuration, no axes, 20 chips, seed 1, AUTO kernel, threads 0. */
NCM_API void ncm_sweep_default(ncm_sweep_params *p);

/* Checks the parameters against the models and the dataset (NULL: not the dataset): counts,
 * axis values (a BER axis in device mode, or a device axis in fault mode, is refused), every
 * point's configuration (ncm_chip_config_check, the message naming the point) and the number of
 * tasks. */
NCM_API ncm_status ncm_sweep_check(const ncm_sweep_params *p, const ncm_dataset *d,
                                   ncm_error *err);

/* One point of the table. */
typedef struct {
    int model;                 /* index into the models */
    int axis_index[NCM_SWEEP_MAX_AXES]; /* index on each axis */
    ncm_chip_config config;    /* as run (its pointers: the table's copies) */
    ncm_chip_map map;          /* the model's mapping on the point's arrays */
    double mean, sd, min, max, ci_lo, ci_hi; /* of the chips' accuracy, as ncm_chip_mc */
    double ber_measured;       /* all layers' static errors / all weight bits, over the chips */
    double energy_pj;          /* programming energy of a chip, mean over chips (device mode) */
    double energy_bit_pj;      /* energy_pj / weight bits */
    double inference_energy_pj;  /* one inference on the point's configuration (cost.h) */
    double inference_latency_ns; /* its latency */
} ncm_sweep_point;

/* A sweep's results. Released by ncm_sweep_table_free. */
typedef struct {
    int n_models, n_axes, n_layers_max;
    char **model_names;        /* [n_models] */
    ncm_sweep_axis axes[NCM_SWEEP_MAX_AXES]; /* copies of the axes */
    int64_t n_points;
    int n_chips;
    int64_t n_images;
    uint64_t seed;
    ncm_sweep_point *points;   /* [n_points] */
    double *accuracy;          /* [n_points * n_chips] */
    int64_t *flips;            /* [n_points * n_chips * n_layers_max] static errors per layer */
    double *energy_pj;         /* [n_points * n_chips] programming energy of each chip */
    /* this process's run (not in the files) */
    int threads, ranks;
    double seconds;
} ncm_sweep_table;

/* Runs the sweep on dataset d. comm NULL: one process. With comm, every rank must call with the
 * same parameters; each returns the whole table. Progress ("sweep", done/total in this rank's
 * tasks) is reported between blocks of chips; on NCM_ERR_CANCELLED nothing is returned (under
 * MPI every rank must cancel alike). NULL on error. */
NCM_API ncm_sweep_table *ncm_sweep_run(const ncm_sweep_params *p, const ncm_dataset *d,
                                       const ncm_sweep_comm *comm, const ncm_progress *progress,
                                       ncm_error *err);
NCM_API void ncm_sweep_table_free(ncm_sweep_table *t);

/* The value of axis a at point i, as a number (storage: the index). */
NCM_API double ncm_sweep_point_value(const ncm_sweep_table *t, int64_t i, int a);

/* Per-point table (CSV, atomically): model, one column per axis named axis_NAME (storage as its
 * id; the same value appears again in the configuration columns), then
 * mode, rows, cols, storage, i_cc_ua, v_reset_v, t_p_ns, cycles, ber, read_ber, chips,
 * accuracy_mean, accuracy_sd, accuracy_min, accuracy_max, ci95_lo, ci95_hi, ber_measured,
 * energy_bit_pj, arrays, devices, sense_amps, decoders, decoder_gates, inference_energy_pj,
 * inference_latency_ns. */
NCM_API ncm_status ncm_sweep_table_save_csv(const ncm_sweep_table *t, const char *path,
                                            ncm_error *err);
/* The whole document (JSON, atomically): producer, data name, models, axes, seed, chips, and
 * per point its configuration, summary, mapping and every chip's accuracy and errors. */
NCM_API ncm_status ncm_sweep_table_save_json(const ncm_sweep_table *t, const char *data_name,
                                             const char *path, ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
