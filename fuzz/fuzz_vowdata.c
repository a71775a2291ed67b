/* Fuzzes the reader of Hillenbrand's vowdata.dat (ncm_vowel_load) with the default selection and
 * with every group, vowel and formant. */
#include "fuzz_common.h"
#include "nanocim/vowel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".dat");
    ncm_vowel_select all;
    ncm_vowel_select_default(&all);
    ncm_error err = {0};
    ncm_vowel_parse_groups("mwbg", &all, &err);
    ncm_vowel_parse_vowels("ae,ah,aw,eh,er,ei,ih,iy,oa,oo,uh,uw", &all, &err);
    ncm_vowel_parse_formants("f1,f2,f3", &all, &err);
    const ncm_vowel_select *sel[2] = {NULL, &all};
    for (int k = 0; k < 2; k++) {
        ncm_error e = {0};
        ncm_vowel_set *s = ncm_vowel_load(path, sel[k], &e);
        fuzz_check_error(!s, e.msg);
        if (s) { /* a set that loads must split */
            ncm_vowel_set *tr = NULL, *te = NULL;
            if (s->n_speakers >= 2 && !ncm_vowel_split(s, 0.5, 1, &tr, &te, &e) &&
                tr->n + te->n != s->n)
                __builtin_trap();
            ncm_vowel_set_free(tr);
            ncm_vowel_set_free(te);
        }
        ncm_vowel_set_free(s);
    }
    return 0;
}
