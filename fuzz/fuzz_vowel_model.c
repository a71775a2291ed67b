/* Fuzzes the vowel model and result file reader (ncm_vowel_model_load); a model it accepts must
 * save and read back to the same values. */
#include <string.h>

#include "fuzz_common.h"
#include "nanocim/vowel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".json");
    ncm_vowel_model m, back;
    ncm_error err = {0};
    const int failed = ncm_vowel_model_load(path, &m, &err) != NCM_OK;
    fuzz_check_error(failed, err.msg);
    if (!failed) {
        if (ncm_vowel_model_save(&m, path, &err) || ncm_vowel_model_load(path, &back, &err))
            __builtin_trap();
        if (memcmp(back.i_dc_ma, m.i_dc_ma, sizeof m.i_dc_ma) ||
            memcmp(back.targets, m.targets, sizeof m.targets))
            __builtin_trap();
    }
    return 0;
}
