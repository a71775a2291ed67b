/* Storage options: cell + optional SECDED, their names, and their evaluation at a programming
 * condition (see include/nanocim/storage.h). The sweep over conditions is src/rram/sweep.c. */
#include "nanocim/storage.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nanocim/ecc.h"
#include "rram/storage_internal.h"

ncm_status ncm_storage_parse(const char *name, ncm_storage *s, ncm_error *err)
{
    memset(s, 0, sizeof *s);
    s->best_ref = 1;
    if (!strcasecmp(name, "1t1r")) {
        s->cell = NCM_CELL_1T1R;
        return NCM_OK;
    }
    if (!strcasecmp(name, "2t2r")) {
        s->cell = NCM_CELL_2T2R;
        return NCM_OK;
    }
    if (!strncasecmp(name, "1t1r-secded", 11)) {
        s->cell = NCM_CELL_1T1R;
        s->ecc_k = 64;
        if (name[11] == '\0')
            return NCM_OK;
        if (name[11] == ':') {
            char *end;
            errno = 0;
            long k = strtol(name + 12, &end, 10);
            if (end != name + 12 && *end == '\0' && !errno && k >= 1 && k <= NCM_SECDED_MAX_K) {
                s->ecc_k = (int)k;
                return NCM_OK;
            }
        }
    }
    return ncm_error_set(err, NCM_ERR_ARG,
                         "unknown storage option '%s' (expected 1t1r, 1t1r-secded, "
                         "1t1r-secded:K with 1 <= K <= %d, or 2t2r)",
                         name, NCM_SECDED_MAX_K);
}

void ncm_storage_name(const ncm_storage *s, char *buf, size_t n)
{
    if (s->ecc_k) {
        ncm_secded *code = ncm_secded_new(s->ecc_k, NULL);
        snprintf(buf, n, "%s+SECDED(%d,%d)", ncm_cell_type_name(s->cell),
                 code ? ncm_secded_n(code) : 0, s->ecc_k);
        ncm_secded_free(code);
    } else {
        snprintf(buf, n, "%s", ncm_cell_type_name(s->cell));
    }
}

void ncm_storage_id(const ncm_storage *s, char *buf, size_t n)
{
    const char *cell = s->cell == NCM_CELL_2T2R ? "2t2r" : "1t1r";
    if (s->ecc_k)
        snprintf(buf, n, "%s-secded:%d", cell, s->ecc_k);
    else
        snprintf(buf, n, "%s", cell);
}

ncm_status ncm_storage_evaluate(const ncm_rram_params *p, const ncm_rram_cond *c,
                                const ncm_storage *s, int64_t mc_reads, uint64_t seed,
                                ncm_storage_eval *out, ncm_error *err)
{
    return ncm_storage_evaluate_run(p, c, s, mc_reads, seed, 0, NULL, out, err);
}

ncm_status ncm_storage_evaluate_run(const ncm_rram_params *p, const ncm_rram_cond *c,
                                    const ncm_storage *s, int64_t mc_reads, uint64_t seed,
                                    int threads, const ncm_progress *progress,
                                    ncm_storage_eval *out, ncm_error *err)
{
    memset(out, 0, sizeof *out);
    out->raw_ber = out->ber = out->ber_mc = out->ci95_lo = out->ci95_hi = NAN;
    ncm_status st = ncm_rram_cond_check(c, err);
    if (st)
        return st;
    if (mc_reads < 0)
        return ncm_error_set(err, NCM_ERR_ARG, "mc_reads = %lld: expected >= 0",
                             (long long)mc_reads);
    ncm_rram_cell cell = ncm_rram_cell_default(p, s->cell);
    if (s->cell == NCM_CELL_1T1R) {
        if (s->best_ref)
            st = ncm_rram_best_ref(p, c, &cell.r_ref_ohm, NULL, err);
        else
            cell.r_ref_ohm = s->r_ref_ohm;
        if (st)
            return st;
        out->r_ref_ohm = cell.r_ref_ohm;
    }
    double raw = NAN;
    ncm_error quiet;
    if (ncm_rram_ber(p, c, &cell, &raw, &quiet) != NCM_OK)
        raw = NAN; /* no closed form (t family, 2T2R): Monte Carlo only */
    out->raw_ber = raw;
    const ncm_rram_energy e = ncm_rram_energy_at(p, c, s->cell);
    double scale = 1.0;
    if (!s->ecc_k) {
        out->ber = raw;
        if (mc_reads > 0) {
            ncm_rram_mc_result r;
            if ((st = ncm_rram_ber_mc(p, c, &cell, mc_reads, seed, threads, progress, &r, err)))
                return st;
            out->ber_mc = r.ber;
            out->ci95_lo = r.ci95_lo;
            out->ci95_hi = r.ci95_hi;
            out->reads = r.reads;
            out->errors = r.errors;
        }
    } else {
        ncm_secded *code = ncm_secded_new(s->ecc_k, err);
        if (!code)
            return err ? err->code : NCM_ERR_ARG;
        const int n = ncm_secded_n(code);
        scale = (double)n / s->ecc_k;
        out->decoder_gates = ncm_secded_logic_estimate(code).decoder_total;
        if (isnan(raw)) {
            ncm_secded_free(code);
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "1T1R with SECDED needs the cell's analytic "
                                 "BER, which this device's family does not have");
        }
        out->ber = ncm_secded_ber_analytic(code, raw);
        const int64_t words = mc_reads / n;
        if (words > 0) {
            ncm_secded_mc_result r;
            if ((st = ncm_secded_mc(code, raw, words, seed, threads, progress, &r, err))) {
                ncm_secded_free(code);
                return st;
            }
            out->ber_mc = r.rates.ber;
            out->ci95_lo = fmax(0.0, r.rates.ber - r.ber_ci95);
            out->ci95_hi = r.rates.ber + r.ber_ci95;
            if (r.bit_errors == 0) /* no error seen: the "rule of three" 95 % upper bound */
                out->ci95_hi = 3.0 / ((double)r.words * s->ecc_k);
            out->reads = r.words * n;
            out->errors = r.bit_errors;
        }
        ncm_secded_free(code);
    }
    out->devices_per_bit = e.devices_per_bit * scale;
    out->e_program_bit_pj = e.e_program_bit_pj * scale;
    out->e_read_bit_pj = e.e_read_bit_pj * scale;
    return NCM_OK;
}
