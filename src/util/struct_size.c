/* What bindings need beyond the modules' own functions: the sizes of the public structs (the
 * Python package's ctypes structures check themselves against these at import, so a layout
 * change cannot go unnoticed and corrupt memory), and a free() for memory the library hands
 * over. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/nanocim.h"
#include "nanocim/vowel.h" /* not in the umbrella header */

void ncm_free(void *p)
{
    free(p);
}

#define S(t) {#t, sizeof(t)}

size_t ncm_struct_size(const char *name)
{
    static const struct {
        const char *name;
        size_t size;
    } table[] = {
        S(ncm_error),       S(ncm_progress),    S(ncm_arch),         S(ncm_layer_spec),
        S(ncm_layer_shape), S(ncm_train_opts),  S(ncm_dataset),      S(ncm_idx),
        S(ncm_model),       S(ncm_model_layer), S(ncm_train_event),  S(ncm_train_job),
        S(ncm_train_result), S(ncm_eval_result), S(ncm_rng),         S(ncm_bmat),
        S(ncm_rram_params), S(ncm_rram_cond),   S(ncm_rram_stats),   S(ncm_rram_device),
        S(ncm_rram_cell),   S(ncm_rram_energy), S(ncm_rram_mc_result), S(ncm_storage),
        S(ncm_storage_eval), S(ncm_secded_logic), S(ncm_secded_rates), S(ncm_secded_mc_result),
        S(ncm_stno_params), S(ncm_stno_op),     S(ncm_stno_batch),   S(ncm_stno_sim),
        S(ncm_stno_obs),    S(ncm_stno_trace),  S(ncm_stno_net_spec), S(ncm_stno_lock_map),
        S(ncm_rram_sweep),  S(ncm_rram_ber_table), S(ncm_rram_ber_row), S(ncm_rram_ber_cell),
        S(ncm_rram_measurements), S(ncm_rram_fit_report), S(ncm_rram_fit_opts),
        S(ncm_rram_sample_spec), S(ncm_rram_fit_group), S(ncm_rram_fit_param),
        S(ncm_rram_meas_cond), S(ncm_rram_meas),
        S(ncm_chip_faults), S(ncm_chip_config), S(ncm_chip_layer_map), S(ncm_chip_map),
        S(ncm_chip_mc_params), S(ncm_chip_mc_result), S(ncm_sweep_axis), S(ncm_sweep_comm),
        S(ncm_sweep_params), S(ncm_sweep_point), S(ncm_sweep_table), S(ncm_tech),
        S(ncm_cost_part), S(ncm_cost_report), S(ncm_cost_study),
        S(ncm_vowel_select), S(ncm_vowel_set), S(ncm_vowel_encoding), S(ncm_vowel_config),
        S(ncm_vowel_model), S(ncm_vowel_score), S(ncm_vowel_training),
        S(ncm_vowel_baseline_params), S(ncm_vowel_baseline_result), S(ncm_vowel_study),
        S(ncm_vowel_sweep),
    };
    for (size_t i = 0; name && i < sizeof table / sizeof *table; i++)
        if (strcmp(name, table[i].name) == 0)
            return table[i].size;
    return 0;
}
