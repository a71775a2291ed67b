/* A first program on libnanocim: train a small binarized network on images made here, fold it to
 * the integer form an in-memory chip computes, check the packed kernels against the plain
 * reference, save and reload the model, and show how errors come back.
 *
 * Build against an installed nanocim:
 *   cc classify.c $(pkg-config --cflags --libs nanocim) -o classify && ./classify
 * (if the library is not in a standard folder, run with LD_LIBRARY_PATH=PREFIX/lib). */
#include <nanocim/nanocim.h>

#include <stdio.h>
#include <stdlib.h>

/* n 8x8 images in 4 classes: the class is the quadrant that is brighter, with noise. */
static ncm_dataset *quadrants(int64_t n, uint64_t seed, ncm_error *err)
{
    uint8_t *pixels = malloc((size_t)n * 64), *labels = malloc((size_t)n);
    if (!pixels || !labels) {
        free(pixels);
        free(labels);
        ncm_error_set(err, NCM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    ncm_rng r;
    ncm_rng_init(&r, seed, 0);
    for (int64_t i = 0; i < n; i++) {
        int k = (int)ncm_rng_below(&r, 4);
        labels[i] = (uint8_t)k;
        for (int p = 0; p < 64; p++) {
            int inside = (p / 8 / 4) * 2 + (p % 8) / 4 == k;
            double v = (inside ? 150.0 : 60.0) + 50.0 * ncm_rng_normal(&r);
            pixels[i * 64 + p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    ncm_dataset *d = ncm_dataset_new(n, 1, 8, 8, 4, pixels, labels, err); /* copies */
    free(pixels);
    free(labels);
    return d;
}

int main(int argc, char **argv)
{
    const char *model_path = argc > 1 ? argv[1] : "classify.ncm";
    ncm_error err = {0};
    printf("nanocim %s (%s)\n", ncm_version(), ncm_build_config());

    ncm_dataset *train = quadrants(2000, 1, &err), *test = quadrants(500, 2, &err);
    if (!train || !test) {
        fprintf(stderr, "classify: %s\n", err.msg);
        return 1;
    }

    /* A whole training run: the library checks that the folded integer network and the packed
     * kernels predict exactly what the trained network does before it writes the model. */
    ncm_train_job job;
    ncm_train_job_default(&job);
    job.train = train;
    job.test = test;
    job.arch = "mlp:64";
    job.opts.epochs = 3;
    job.opts.batch = 50;
    job.model_path = model_path;
    ncm_train_result *res = ncm_train_run(&job, NULL, &err);
    if (!res) {
        fprintf(stderr, "classify: %s\n", err.msg);
        return 1;
    }
    printf("trained %s: test accuracy %.3f, folded network agrees on %lld/%lld images\n", job.arch,
           res->test_accuracy, (long long)res->folded_agreement, (long long)res->test_images);
    ncm_train_result_free(res);

    /* Reload the model and run it on the packed engine, checked against the reference. */
    ncm_model *m = ncm_model_load(model_path, &err);
    ncm_eval_result *ev = m ? ncm_eval(m, test, NCM_ENGINE_CHECK, NCM_KERNEL_AUTO, &err) : NULL;
    if (!ev) {
        fprintf(stderr, "classify: %s\n", err.msg);
        return 1;
    }
    printf("reloaded: accuracy %.3f on the %s kernel, identical to the plain reference\n",
           ev->accuracy, ev->kernel);

    /* Errors are values: a status and one line naming what was wrong. */
    ncm_arch arch;
    if (ncm_arch_parse("mlp:0", 1, 8, 8, 4, &arch, &err) != NCM_OK)
        printf("as expected, %s: %s\n", ncm_status_name(err.code), err.msg);

    ncm_eval_result_free(ev);
    ncm_model_free(m);
    ncm_dataset_free(train);
    ncm_dataset_free(test);
    return 0;
}
