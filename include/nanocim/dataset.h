/* Image classification datasets: IDX files (MNIST, Fashion-MNIST; gzip'd or raw) and the
 * CIFAR-10 binary format.
 *
 * Every header, size and label is validated; a truncated, corrupt or inconsistent file is
 * refused with a message naming the file and what was wrong. */
#ifndef NANOCIM_DATASET_H
#define NANOCIM_DATASET_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where Debian's dataset-fashion-mnist package installs the official IDX files. */
#define NCM_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* A dataset of 8-bit images and their labels. Read-only for the caller: made by the constructors
 * below, released by ncm_dataset_free. */
typedef struct {
    int64_t n;       /* number of images */
    int c, h, w;     /* channels, height, width */
    int n_classes;   /* labels lie in [0, n_classes) */
    uint8_t *pixels; /* n * c * h * w bytes, image-major, then channel, row, column */
    uint8_t *labels; /* n bytes */
    int borrowed;    /* 1: pixels and labels belong to the caller (ncm_dataset_wrap) */
} ncm_dataset;

/* An IDX array of unsigned bytes (type code 0x08). Read-only; released by ncm_idx_free. */
typedef struct {
    int ndims;
    int64_t dims[4];
    uint8_t *data; /* product(dims) bytes */
} ncm_idx;

/* Reads an IDX file of unsigned bytes, gzip'd or raw (detected from the content); NULL on error. */
NCM_API ncm_idx *ncm_idx_read(const char *path, ncm_error *err);
NCM_API void ncm_idx_free(ncm_idx *a);

/* A dataset from an IDX image file (n x h x w) and an IDX label file (n); NULL on error. */
NCM_API ncm_dataset *ncm_dataset_read_idx(const char *images_path, const char *labels_path,
                                          ncm_error *err);

/* A dataset from CIFAR-10 binary batch files (records of 1 label byte + 3072 pixel bytes). */
NCM_API ncm_dataset *ncm_dataset_read_cifar(const char *const *paths, int n_paths,
                                            ncm_error *err);

/* The training (train=1) or test (train=0) split named by `spec`:
 *   "fashion-mnist"  the files installed by Debian's dataset-fashion-mnist (the environment
 *                    variable NCM_FASHION_MNIST_DIR names another folder)
 *   a directory      holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (MNIST layout) or
 *                    CIFAR-10's data_batch_{1..5}.bin and test_batch.bin. */
NCM_API ncm_dataset *ncm_dataset_load(const char *spec, int train, ncm_error *err);

/* A dataset holding a copy of n images (n * c * h * w bytes, image, channel, row, column order)
 * and their labels (n bytes, each below n_classes). Shapes, label range and sizes are checked. */
NCM_API ncm_dataset *ncm_dataset_new(int64_t n, int c, int h, int w, int n_classes,
                                     const uint8_t *pixels, const uint8_t *labels, ncm_error *err);
/* The same checks, without a copy: the dataset points at the caller's arrays, which must outlive
 * it and stay unchanged while the library reads them (the Python package wraps numpy arrays so). */
NCM_API ncm_dataset *ncm_dataset_wrap(int64_t n, int c, int h, int w, int n_classes,
                                      uint8_t *pixels, uint8_t *labels, ncm_error *err);

/* Keeps the first n images (0 <= n <= d->n; other values leave it as it is). */
NCM_API void ncm_dataset_truncate(ncm_dataset *d, int64_t n);
/* Releases the dataset (and its arrays unless borrowed); NULL is allowed. */
NCM_API void ncm_dataset_free(ncm_dataset *d);

#ifdef __cplusplus
}
#endif
#endif
