/* Fuzzes the model readers: nanocim's .ncm files and numpy .npz archives (ncm_model_load_any
 * tells them by their magic), and training checkpoints (ncm_bnn_load_checkpoint). */
#include "fuzz_common.h"
#include "nanocim/bnn.h"
#include "nanocim/model.h"
#include "nanocim/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "");
    ncm_error err = {0};
    ncm_model *m = ncm_model_load_any(path, &err);
    fuzz_check_error(!m, err.msg);
    ncm_model_free(m);
    err.msg[0] = 0;
    ncm_bnn *b = ncm_bnn_load_checkpoint(path, 4, &err);
    fuzz_check_error(!b, err.msg);
    ncm_bnn_free(b);
    return 0;
}
