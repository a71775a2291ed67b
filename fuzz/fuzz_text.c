/* Fuzzes the text parsers of options and specifications: architecture strings (ncm_arch_parse,
 * for 28x28 and 32x32x3 inputs), storage names (ncm_storage_parse), vowel, group and formant
 * lists (ncm_vowel_parse_*), and the command line's numbers and ranges (cli_long, cli_double,
 * cli_range; src/cli/args.c): every parser sees the same string. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "fuzz_common.h"
#include "nanocim/bnn.h"
#include "nanocim/storage.h"
#include "nanocim/vowel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size, 4096);
    ncm_error err = {0};
    ncm_arch a;
    fuzz_check_error(ncm_arch_parse(s, 1, 28, 28, 10, &a, &err) != NCM_OK, err.msg);
    err.msg[0] = 0;
    fuzz_check_error(ncm_arch_parse(s, 3, 32, 32, 10, &a, &err) != NCM_OK, err.msg);
    ncm_storage st;
    err.msg[0] = 0;
    fuzz_check_error(ncm_storage_parse(s, &st, &err) != NCM_OK, err.msg);
    ncm_vowel_select sel;
    ncm_vowel_select_default(&sel);
    ncm_vowel_parse_vowels(s, &sel, &err);
    ncm_vowel_parse_groups(s, &sel, &err);
    ncm_vowel_parse_formants(s, &sel, &err);
    if (ncm_vowel_select_check(&sel, &err)) /* the parsers leave a valid selection valid */
        __builtin_trap();
    /* the command line's number parsers print their refusals: into a sink, not the log */
    static FILE *sink;
    if (!sink && !(sink = tmpfile()))
        abort();
    rewind(sink);
    FILE *saved = stderr;
    stderr = sink;
    long l;
    double x, *v = NULL;
    int n = 0;
    cli_long("--n", s, -1000000, 1000000, &l);
    cli_double("--x", s, -1e300, 1e300, &x);
    if (cli_range("--r", s, -1e300, 1e300, &v, &n) == 0 && (n < 1 || !v))
        __builtin_trap();
    free(v);
    stderr = saved;
    free(s);
    return 0;
}
