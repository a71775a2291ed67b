/* Benchmark of the RRAM Monte Carlo: 1e8 cell reads of 1T1R and 2T2R cells (and SECDED words)
 * with 1 and 2 threads, reads per second, the speed-up, and a check that both thread counts give
 * the same error count.
 * usage: bench_rram [--reads N]                                                               */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/ecc.h"
#include "util/progress.h"
#include "nanocim/rram.h"

int main(int argc, char **argv)
{
    double reads = 1e8;
    if (argc == 3 && !strcmp(argv[1], "--reads"))
        reads = atof(argv[2]);
    else if (argc != 1) {
        fprintf(stderr, "usage: bench_rram [--reads N]\n");
        return 2;
    }
    ncm_rram_params p;
    ncm_rram_default(&p);
    ncm_rram_cond c = {40.0, p.v_reset_ref_v, p.t_p_ref_ns, 0.0};
    printf("RRAM Monte Carlo, %.3g reads at I_cc %g uA (built-in HfO2 technology)\n", reads,
           c.i_cc_ua);
    printf("%-24s %8s %12s %14s %10s\n", "cell", "threads", "seconds", "reads/s", "errors");
    for (int t = NCM_CELL_1T1R; t <= NCM_CELL_2T2R; t++) {
        ncm_rram_cell cell = ncm_rram_cell_default(&p, (ncm_cell_type)t);
        double secs[3] = {0};
        int64_t errs[3] = {0};
        for (int th = 1; th <= 2; th++) {
            ncm_rram_mc_result r;
            ncm_error err;
            double t0 = ncm_now();
            if (ncm_rram_ber_mc(&p, &c, &cell, (int64_t)reads, 7, th, NULL, &r, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            secs[th] = ncm_now() - t0;
            errs[th] = r.errors;
            printf("%-24s %8d %12.2f %14.3g %10lld\n", ncm_cell_type_name((ncm_cell_type)t), th,
                   secs[th], reads / secs[th], (long long)r.errors);
        }
        printf("%-24s speed-up %.2fx on 2 threads, error counts %s\n", "", secs[1] / secs[2],
               errs[1] == errs[2] ? "identical" : "DIFFER");
    }
    ncm_secded *code = ncm_secded_new(64, NULL);
    const int64_t words = (int64_t)(reads / ncm_secded_n(code));
    for (int th = 1; th <= 2; th++) {
        ncm_secded_mc_result r;
        double t0 = ncm_now();
        ncm_secded_mc(code, 1e-3, words, 7, th, NULL, &r, NULL);
        double s = ncm_now() - t0;
        printf("%-24s %8d %12.2f %14.3g %10lld\n", "SECDED(72,64) p=1e-3", th, s,
               (double)words * ncm_secded_n(code) / s, (long long)r.bit_errors);
    }
    ncm_secded_free(code);
    return 0;
}
