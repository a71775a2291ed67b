/* Mapping a folded model onto the chip's arrays (include/nanocim/chip.h): how many arrays, cells,
 * devices, sense amplifiers and SECDED decoders each layer takes, and how many array rows one
 * inference reads.
 *
 * Layer l's weights form a fan_in x cout matrix; the fan-in runs down the rows of an array and
 * the neurons along its columns, so one row read (one input bit broadcast on the row) gives the
 * XNORs of cols neurons at once and a column's sense amplifier accumulates its neuron's popcount
 * over the rows. A neuron whose fan-in exceeds the array's rows spans row_tiles arrays and its
 * partial popcounts add in logic. The first layer's 8-bit input is driven through the same
 * arrays one bit plane at a time (8 row reads per input row); a convolution's weights are stored
 * once and read at every output position. With SECDED, every array row of cols data cells is
 * cut into words of k data bits (the last word shortened to the bits left when k does not divide
 * cols), each with its check cells in the same row and its own decoder. */
#include <stdlib.h>
#include <string.h>

#include "imc/imc_internal.h"
#include "nanocim/ecc.h"

ncm_status ncm_imc_word_cost(int k, int *r, int *gates, int *n, ncm_error *err)
{
    ncm_secded *c = ncm_secded_new(k, err);
    if (!c)
        return err ? err->code : NCM_ERR_NOMEM;
    *r = ncm_secded_r(c);
    *n = ncm_secded_n(c);
    *gates = ncm_secded_logic_estimate(c).decoder_total;
    ncm_secded_free(c);
    return NCM_OK;
}

ncm_status ncm_imc_map(const ncm_model *m, const ncm_chip_config *cf, ncm_chip_map *out,
                       ncm_error *err)
{
    memset(out, 0, sizeof *out);
    const int R = cf->rows, C = cf->cols, K = cf->storage.ecc_k;
    out->n_layers = m->n_layers, out->rows = R, out->cols = C;
    int check_row = 0, gates_row = 0;
    if (K) {
        const int k = K < C ? K : C, wpr = (C + k - 1) / k, klast = C - (wpr - 1) * k;
        int r = 0, g = 0, n = 0;
        ncm_status s = ncm_imc_word_cost(k, &r, &g, &n, err);
        if (s)
            return s;
        out->words_per_row = wpr, out->code_n = n, out->code_k = k;
        check_row = (wpr - 1) * r, gates_row = (wpr - 1) * g;
        if (klast != k && (s = ncm_imc_word_cost(klast, &r, &g, &n, err)))
            return s;
        check_row += r, gates_row += g;
        out->check_per_row = check_row;
    }
    const int dev = cf->storage.cell == NCM_CELL_2T2R ? 2 : 1;
    ncm_chip_layer_map *T = &out->total;
    for (int l = 0; l < m->n_layers; l++) {
        const ncm_model_layer *L = &m->layer[l];
        ncm_chip_layer_map *M = &out->layer[l];
        const int64_t npos = L->kind == NCM_LAYER_CONV ? (int64_t)L->hc * L->wc : 1;
        const int planes = L->first ? 8 : 1;
        M->weights = (int64_t)L->fan_in * L->cout;
        M->row_tiles = (L->fan_in + R - 1) / R;
        M->col_tiles = (L->cout + C - 1) / C;
        M->arrays = (int64_t)M->row_tiles * M->col_tiles;
        M->data_cells = M->arrays * R * C;
        M->check_cells = M->arrays * R * check_row;
        M->devices = (M->data_cells + M->check_cells) * dev;
        M->sense_amps = M->arrays * (C + check_row);
        M->decoders = M->arrays * out->words_per_row;
        M->decoder_gates = M->arrays * gates_row;
        /* the rows that hold a weight, in every column tile, once per bit plane and position */
        M->row_reads = (int64_t)M->col_tiles * L->fan_in * planes * npos;
        M->partial_sums = (int64_t)(M->row_tiles - 1) * L->cout * planes * npos;
        M->utilisation = (double)M->weights / (double)M->data_cells;
        T->weights += M->weights, T->arrays += M->arrays, T->data_cells += M->data_cells;
        T->check_cells += M->check_cells, T->devices += M->devices;
        T->sense_amps += M->sense_amps, T->decoders += M->decoders;
        T->decoder_gates += M->decoder_gates, T->row_reads += M->row_reads;
        T->partial_sums += M->partial_sums;
    }
    T->utilisation = T->data_cells ? (double)T->weights / (double)T->data_cells : 0.0;
    return NCM_OK;
}

ncm_status ncm_chip_map_model(const ncm_model *m, const ncm_chip_config *c, ncm_chip_map *out,
                              ncm_error *err)
{
    if (!m || !c || !out)
        return ncm_error_set(err, NCM_ERR_ARG, "model, configuration and map: expected non-NULL");
    ncm_status s = ncm_chip_config_check(c, m, err);
    return s ? s : ncm_imc_map(m, c, out, err);
}
