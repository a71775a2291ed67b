/* Fuzzes the parameter-file readers that share the field-table JSON reader: the RRAM device
 * (ncm_rram_load), the oscillator device (ncm_stno_load) and the technology file
 * (ncm_tech_load), the same bytes through each. */
#include "fuzz_common.h"
#include "nanocim/cost.h"
#include "nanocim/rram.h"
#include "nanocim/stno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".json");
    ncm_error err = {0};
    ncm_rram_params r;
    fuzz_check_error(ncm_rram_load(path, &r, &err) != NCM_OK, err.msg);
    ncm_stno_params s;
    err.msg[0] = 0;
    fuzz_check_error(ncm_stno_load(path, &s, &err) != NCM_OK, err.msg);
    ncm_tech t;
    err.msg[0] = 0;
    fuzz_check_error(ncm_tech_load(path, &t, &err) != NCM_OK, err.msg);
    return 0;
}
