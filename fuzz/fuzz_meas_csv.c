/* Fuzzes the RRAM measurement CSV parser (ncm_rram_meas_parse) with the built-in device as its
 * base. */
#include "fuzz_common.h"
#include "nanocim/rram.h"
#include "nanocim/rram_fit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ncm_rram_params base;
    ncm_rram_default(&base);
    ncm_error err = {0};
    ncm_rram_measurements *m =
        ncm_rram_meas_parse((const char *)data, size, "fuzz.csv", &base, &err);
    fuzz_check_error(!m, err.msg);
    ncm_rram_meas_free(m);
    return 0;
}
