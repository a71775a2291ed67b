/* A whole training run, as `nanocim train` does it: data, epochs with checkpoints, folding, the
 * check that the folded integer network and the packed kernels predict exactly what the trained
 * network does, and the result files.
 *
 * The checks guard the result: a run whose folded network disagrees with the training-time
 * forward pass on any test image, or whose packed engine disagrees with the folded reference,
 * fails with NCM_ERR_STATE and writes no model. */
#ifndef NANOCIM_TRAIN_H
#define NANOCIM_TRAIN_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/bnn.h"
#include "nanocim/dataset.h"
#include "nanocim/error.h"
#include "nanocim/model.h"
#include "nanocim/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the run tells its caller as it goes (ncm_train_job.on_event). */
typedef enum { NCM_TRAIN_START = 1, NCM_TRAIN_EPOCH = 2 } ncm_train_event_kind;

typedef struct {
    ncm_train_event_kind kind;
    const char *arch;    /* the architecture string (ncm_arch_format) */
    int64_t train_images, test_images;
    int epochs_done;     /* START: epochs already done (a resumed run), EPOCH: this epoch */
    int epochs;          /* total epochs */
    double loss;         /* EPOCH: mean training loss */
    double train_accuracy, test_accuracy; /* EPOCH: on the epoch's batches; on the test set */
    double seconds;      /* EPOCH: the epoch's training time */
} ncm_train_event;

typedef void (*ncm_train_event_fn)(void *user, const ncm_train_event *e);

/* A training run. Fill with ncm_train_job_default, then set what differs. */
typedef struct {
    const char *data;        /* dataset spec for ncm_dataset_load ("fashion-mnist" or a folder);
                                ignored when train and test are given */
    const ncm_dataset *train, *test; /* or the caller's own datasets (both, or neither) */
    int64_t train_limit, test_limit; /* use the first N images only (0: all) */
    const char *arch;        /* architecture string (ncm_arch_parse); default "mlp" */
    ncm_train_opts opts;     /* training options (ncm_train_opts_default) */
    const char *model_path;  /* write the folded model here (NULL: no file) */
    const char *checkpoint_path; /* checkpoint after every epoch (NULL: none) */
    int resume;              /* 1: continue from checkpoint_path (arch and opts come from it) */
    const char *json_path;   /* results document (NULL: none) */
    ncm_train_event_fn on_event; /* called at the start and after every epoch (may be NULL) */
    void *user;              /* passed to on_event */
} ncm_train_job;

NCM_API void ncm_train_job_default(ncm_train_job *job);

/* The outcome of a run. Read-only; released by ncm_train_result_free. */
typedef struct {
    ncm_model *model;         /* the folded network (owned by the result; see _take_model) */
    char arch[512];           /* its architecture string (the events' arch points here) */
    int64_t train_images, test_images;
    double test_accuracy;     /* of the folded network, which equals the forward pass's */
    int64_t folded_agreement; /* test images where the folded network agrees with the forward
                                 pass (all of them, or the run fails) */
    int64_t packed_agreement; /* and the packed engine with the folded network */
    const char *packed_kernel; /* kernel the packed check ran on */
    int n_history;            /* epochs run by this call */
    ncm_train_event *history; /* their EPOCH events */
    double train_seconds, folded_inference_seconds, total_seconds;
} ncm_train_result;

/* Runs the job. Progress reports each epoch's batches (task "epoch E/N"); a cancelled run returns
 * NCM_ERR_CANCELLED and writes no model and no results (the checkpoint of the last finished
 * epoch stays, so `resume` continues it bit for bit). Errors name the job's fields ("arch
 * foo:1: ...", "checkpoint_path ...") or the file at fault. */
NCM_API ncm_train_result *ncm_train_run(const ncm_train_job *job, const ncm_progress *progress,
                                        ncm_error *err);
NCM_API void ncm_train_result_free(ncm_train_result *r);
/* Hands the model over to the caller (who then frees it with ncm_model_free); the result keeps
 * NULL in its place. */
NCM_API ncm_model *ncm_train_result_take_model(ncm_train_result *r);

#ifdef __cplusplus
}
#endif
#endif
