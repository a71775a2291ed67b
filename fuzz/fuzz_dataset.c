/* Fuzzes the dataset readers: an IDX array, plain or gzip (ncm_idx_read; gzip streams are read
 * through zlib whatever the name), and a CIFAR-10 binary batch (ncm_dataset_read_cifar). */
#include "fuzz_common.h"
#include "nanocim/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    const char *path = fuzz_file(data, size, gz ? ".gz" : "");
    ncm_error err = {0};
    ncm_idx *a = ncm_idx_read(path, &err);
    fuzz_check_error(!a, err.msg);
    ncm_idx_free(a);
    err.msg[0] = 0;
    const char *paths[1] = {path};
    ncm_dataset *d = ncm_dataset_read_cifar(paths, 1, &err);
    fuzz_check_error(!d, err.msg);
    ncm_dataset_free(d);
    return 0;
}
