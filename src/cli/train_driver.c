/* How `nanocim train` and `nanocim demo` show a training run: the library's ncm_train_run does the
 * work; this prints its events, draws the progress bar and maps the library's field names in
 * error messages to the command's options. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/progress_bar.h"
#include "nanocim/config.h"

/* The job's fields as the train command spells them. */
static const cli_field TRAIN_FIELDS[] = {
    {"arch", "--arch"},   {"dataset", "--data"}, {"data", "--data"},  {"epochs", "--epochs"},
    {"batch", "--batch"}, {"lr_end", "--lr-end"}, {"lr", "--lr"},     {"flip_p", "--flip"},
    {"augment", "--augment"}, {"resume", "--resume"}, {"checkpoint_path", "--checkpoint"},
    {NULL, NULL}};

typedef struct {
    int quiet;
    const char *data;
    const ncm_train_opts *opts;
    cli_bar *bar;
} printer;

static void print_event(void *user, const ncm_train_event *e)
{
    printer *p = user;
    cli_bar_finish(p->bar);
    if (p->quiet)
        return;
    if (e->kind == NCM_TRAIN_START) {
        if (e->epochs_done > 0)
            fprintf(stderr, "resuming after epoch %d of %d\n", e->epochs_done, e->epochs);
        printf("training %s on %s: %lld images, %d epochs, batch %d, seed %llu, %d threads, "
               "OpenBLAS %s (%s)\n",
               e->arch, p->data, (long long)e->train_images, e->epochs, p->opts->batch,
               (unsigned long long)p->opts->seed, ncm_threads(), ncm_blas_kernel(),
               ncm_blas_origin());
    } else {
        printf("epoch %3d  loss %.4f  train acc %.4f  test acc %.4f  %.1fs\n", e->epochs_done,
               e->loss, e->train_accuracy, e->test_accuracy, e->seconds);
    }
    fflush(stdout);
}

int cli_run_training(const ncm_train_job *job, int quiet, double *test_acc)
{
    return cli_run_training_model(job, quiet, test_acc, NULL);
}

int cli_run_training_model(const ncm_train_job *job, int quiet, double *test_acc,
                           ncm_model **model)
{
    ncm_error err = {0};
    cli_bar bar;
    cli_bar_start(&bar, quiet);
    printer p = {quiet, job->data, &job->opts, &bar};
    ncm_train_job j = *job;
    j.on_event = print_event;
    j.user = &p;
    ncm_train_result *r = ncm_train_run(&j, &bar.progress, &err);
    cli_bar_finish(&bar);
    if (!r)
        return cli_lib_error(&err, TRAIN_FIELDS);
    if (!quiet)
        printf("test accuracy %.4f (folded integer network); predictions agree with the forward "
               "pass on %lld/%lld images and with the packed %s engine on %lld/%lld\n",
               r->test_accuracy, (long long)r->folded_agreement, (long long)r->test_images,
               r->packed_kernel, (long long)r->packed_agreement, (long long)r->test_images);
    if (test_acc)
        *test_acc = r->test_accuracy;
    if (model)
        *model = ncm_train_result_take_model(r);
    ncm_train_result_free(r);
    return 0;
}
