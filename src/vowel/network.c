/* The oscillator recognizer of the vowel layer (include/nanocim/vowel.h; docs/vowels.md, "The
 * oscillator network"): the simulated chip (devices drawn once, coupled all to all), the
 * simulation of a batch of samples and their synchronization patterns, the design of the target
 * patterns, the on-line learning rule on the DC currents, evaluation and the synchronization
 * map. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/rng.h"
#include "nanocim/vowel.h"
#include "util/progress.h"
#include "vowel/vowel_internal.h"

/* Noise streams: the on-line sample j of epoch e uses stream 1 + e n + j; an evaluation of token
 * i stream EVAL_STREAM + i; map point p stream MAP_STREAM + p. Each sample's noise is thus a
 * function of what it is, never of the thread that ran it. */
#define EVAL_STREAM (UINT64_C(1) << 40)
#define MAP_STREAM (UINT64_C(1) << 41)
#define DESIGN_STREAM (UINT64_C(1) << 42)

void ncm_vowel_config_default(ncm_vowel_config *c)
{
    memset(c, 0, sizeof *c);
    c->n_osc = 4;
    ncm_stno_default(&c->device);
    c->spread = 1;
    c->chip_seed = 1;
    c->w_mhz = 0.2;
    c->beta_rad = 0;
    c->amp_mhz[0] = 1.5;
    for (int k = 1; k < NCM_VOWEL_MAX_IN; k++)
        c->amp_mhz[k] = 0.8;
    for (int i = 0; i < NCM_VOWEL_MAX_OSC; i++)
        for (int k = 0; k < NCM_VOWEL_MAX_IN; k++)
            c->in_gain[i][k] = 1;
    c->i_min_ma = 5;
    c->i_max_ma = 14;
    c->band_lo_mhz = 318;
    c->band_hi_mhz = 330;
    c->margin = 0;
    c->dt_ns = 0;
    c->t_transient_ns = 200;
    c->t_window_ns = 1000;
    c->noise_seed = 1;
    c->design_starts = 8;
    c->design_seed = 1;
    c->epochs = 20;
    c->lr = 0.2;
    c->push_mhz = 0.5;
    c->lr_decay = 0.2;
    c->shuffle_seed = 1;
    c->learn = 1;
}

ncm_status ncm_vowel_config_check(const ncm_vowel_config *c, ncm_error *err)
{
    if (!c)
        return ncm_error_set(err, NCM_ERR_ARG, "configuration: expected non-NULL");
    if (c->n_osc < 1 || c->n_osc > NCM_VOWEL_MAX_OSC)
        return ncm_error_set(err, NCM_ERR_ARG, "n_osc = %d: expected 1 to %d oscillators", c->n_osc,
                             NCM_VOWEL_MAX_OSC);
    ncm_status st = ncm_stno_check(&c->device, "device", err);
    if (st)
        return st;
    if (!(c->w_mhz >= 0) || !isfinite(c->w_mhz))
        return ncm_error_set(err, NCM_ERR_ARG, "w_mhz = %g: expected a finite coupling >= 0",
                             c->w_mhz);
    if (!isfinite(c->beta_rad))
        return ncm_error_set(err, NCM_ERR_ARG, "beta_rad = %g: expected a finite phase",
                             c->beta_rad);
    for (int k = 0; k < NCM_VOWEL_MAX_IN; k++)
        if (!(c->amp_mhz[k] > 0) || !isfinite(c->amp_mhz[k]))
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "amp_mhz[%d] = %g: expected a finite amplitude > 0 MHz", k,
                                 c->amp_mhz[k]);
    for (int i = 0; i < c->n_osc; i++)
        for (int k = 0; k < NCM_VOWEL_MAX_IN; k++)
            if (!(c->in_gain[i][k] >= 0 && c->in_gain[i][k] <= 1))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "in_gain[%d][%d] = %g: expected a gain in [0, 1]", i, k,
                                     c->in_gain[i][k]);
    if (!(c->i_min_ma > c->device.i_th_ma) || !(c->i_max_ma > c->i_min_ma) ||
        !isfinite(c->i_max_ma))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "i_min_ma = %g, i_max_ma = %g: expected I_th (%g mA) < i_min < "
                             "i_max, finite",
                             c->i_min_ma, c->i_max_ma, c->device.i_th_ma);
    if (!(c->band_lo_mhz > 0) || !(c->band_hi_mhz > c->band_lo_mhz) || !isfinite(c->band_hi_mhz))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "band [%g, %g] MHz: expected 0 < band_lo < band_hi, finite",
                             c->band_lo_mhz, c->band_hi_mhz);
    if (!(c->margin >= 0 && c->margin < 0.5))
        return ncm_error_set(err, NCM_ERR_ARG, "margin = %g: expected a fraction in [0, 0.5)",
                             c->margin);
    if (!(c->dt_ns >= 0) || !isfinite(c->dt_ns))
        return ncm_error_set(err, NCM_ERR_ARG, "dt_ns = %g: expected >= 0 (0: automatic)",
                             c->dt_ns);
    if (!(c->t_transient_ns >= 0) || !(c->t_transient_ns <= 1e6))
        return ncm_error_set(err, NCM_ERR_ARG, "t_transient_ns = %g: expected 0 to 1e6 ns",
                             c->t_transient_ns);
    if (!(c->t_window_ns > 0) || !(c->t_window_ns <= 1e6))
        return ncm_error_set(err, NCM_ERR_ARG, "t_window_ns = %g: expected (0, 1e6] ns",
                             c->t_window_ns);
    if (c->design_starts < 1 || c->design_starts > 1000)
        return ncm_error_set(err, NCM_ERR_ARG, "design_starts = %d: expected 1 to 1000",
                             c->design_starts);
    if (c->epochs < 0 || c->epochs > 10000)
        return ncm_error_set(err, NCM_ERR_ARG, "epochs = %d: expected 0 to 10000", c->epochs);
    if (!(c->lr > 0 && c->lr <= 1))
        return ncm_error_set(err, NCM_ERR_ARG, "lr = %g: expected a fraction in (0, 1]", c->lr);
    if (!(c->push_mhz >= 0) || !(c->push_mhz <= 1e3))
        return ncm_error_set(err, NCM_ERR_ARG, "push_mhz = %g: expected 0 to 1000 MHz",
                             c->push_mhz);
    if (!(c->lr_decay >= 0) || !isfinite(c->lr_decay))
        return ncm_error_set(err, NCM_ERR_ARG, "lr_decay = %g: expected a finite rate >= 0",
                             c->lr_decay);
    if (c->spread != 0 && c->spread != 1)
        return ncm_error_set(err, NCM_ERR_ARG, "spread = %d: expected 0 or 1", c->spread);
    if (c->learn != 0 && c->learn != 1)
        return ncm_error_set(err, NCM_ERR_ARG, "learn = %d: expected 0 or 1", c->learn);
    return NCM_OK;
}

/* ---- the chip ----------------------------------------------------------------------------------
 */

/* The frequency of a device's free-running oscillation at a current (the calibration the loop
 * measures once per chip; the analytic operating point is what that measurement converges to). */
static double free_freq(const ncm_stno_params *d, double i_ma)
{
    ncm_stno_op op;
    if (ncm_stno_operating_point(d, i_ma, &op, NULL))
        return NAN;
    return op.f_mhz;
}

/* The current at which device d runs free at f (bisection over [lo, hi], where f is monotonic:
 * checked by the caller); clamped to the range. */
static double current_for(const ncm_stno_params *d, double f, double lo, double hi)
{
    double flo = free_freq(d, lo), fhi = free_freq(d, hi);
    if (f <= flo)
        return lo;
    if (f >= fhi)
        return hi;
    for (int it = 0; it < 60; it++) {
        const double mid = 0.5 * (lo + hi), fm = free_freq(d, mid);
        if (fm < f)
            lo = mid, flo = fm;
        else
            hi = mid, fhi = fm;
    }
    return 0.5 * (lo + hi);
}

/* The simulated chip of a configuration. */
typedef struct {
    ncm_stno_net *net;
    ncm_stno_params dev[NCM_VOWEL_MAX_OSC];
    int n_osc, n_in;
    double amp[NCM_VOWEL_MAX_IN];
    double gain[NCM_VOWEL_MAX_OSC * NCM_VOWEL_MAX_IN]; /* [i * n_in + k] */
} chip;

static void chip_free(chip *ch)
{
    ncm_stno_net_free(ch->net);
    ch->net = NULL;
}

/* Draws the devices, builds the coupled network, and checks that every device's frequency
 * rises with the current over [i_min, i_max] (the loop's tuning needs a monotonic map). */
static ncm_status chip_new(const ncm_vowel_config *c, int n_in, int coupled, chip *ch,
                           ncm_error *err)
{
    memset(ch, 0, sizeof *ch);
    ch->n_osc = c->n_osc;
    ch->n_in = n_in;
    for (int k = 0; k < n_in; k++)
        ch->amp[k] = c->amp_mhz[k];
    for (int i = 0; i < c->n_osc; i++)
        for (int k = 0; k < n_in; k++)
            ch->gain[i * n_in + k] = c->in_gain[i][k];
    ncm_status st = NCM_OK;
    if (c->spread)
        st = ncm_stno_spread(&c->device, c->n_osc, c->chip_seed, ch->dev, err);
    else
        for (int i = 0; i < c->n_osc; i++)
            ch->dev[i] = c->device;
    if (st)
        return st;
    for (int i = 0; i < c->n_osc; i++) {
        double prev = -INFINITY;
        for (int s = 0; s <= 64; s++) {
            const double f =
                free_freq(&ch->dev[i], c->i_min_ma + (c->i_max_ma - c->i_min_ma) * s / 64.0);
            if (!(f > prev))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "device of oscillator %d: its free-running frequency does "
                                     "not rise with the current over [%g, %g] mA",
                                     i, c->i_min_ma, c->i_max_ma);
            prev = f;
        }
    }
    ch->net = ncm_stno_net_new(c->n_osc, ch->dev, c->n_osc, NULL, err);
    if (!ch->net)
        return err ? err->code : NCM_ERR_ARG;
    if (coupled && c->w_mhz > 0) {
        double w[NCM_VOWEL_MAX_OSC * NCM_VOWEL_MAX_OSC];
        for (int i = 0; i < c->n_osc; i++)
            for (int j = 0; j < c->n_osc; j++)
                w[i * c->n_osc + j] = i == j ? 0 : c->w_mhz;
        st = ncm_stno_net_set_coupling(ch->net, c->n_osc, c->n_osc, w, c->beta_rad, err);
        if (st) {
            chip_free(ch);
            return st;
        }
    }
    return NCM_OK;
}

/* Simulates n samples (input frequencies f[n * n_in]) at currents i_dc and writes their states
 * (state[n * n_osc]); runs r use noise stream stream0 + r. */
static ncm_status chip_run_any(const chip *ch, const ncm_vowel_config *c, const double *i_dc,
                               int per_run, const double *f, int64_t n, uint64_t stream0,
                               int threads, int8_t *state, ncm_error *err)
{
    const int no = ch->n_osc, ni = ch->n_in;
    double *amp = malloc(sizeof(double) * (size_t)(n * ni));
    double *cur = malloc(sizeof(double) * (size_t)(n * no));
    ncm_stno_obs *obs = ncm_stno_obs_new((int)n, no, ni, err);
    ncm_status st = NCM_OK;
    if (!amp || !cur || !obs) {
        st = obs ? ncm_error_set(err, NCM_ERR_NOMEM, "vowel network: out of memory")
                 : (err ? err->code : NCM_ERR_NOMEM);
        goto done;
    }
    for (int64_t r = 0; r < n; r++) {
        for (int k = 0; k < ni; k++)
            amp[r * ni + k] = ch->amp[k];
        for (int i = 0; i < no; i++)
            cur[r * no + i] = per_run ? i_dc[r * no + i] : i_dc[i];
    }
    ncm_stno_batch b = {.n_runs = (int)n,
                        .n_in = ni,
                        .f_in_mhz = f,
                        .amp_mhz = amp,
                        .in_gain = ch->gain,
                        .i_dc_ma = cur};
    ncm_stno_sim sim = {.dt_ns = c->dt_ns,
                        .t_transient_ns = c->t_transient_ns,
                        .t_window_ns = c->t_window_ns,
                        .seed = c->noise_seed,
                        .stream0 = stream0};
    st = ncm_stno_sim_resolve(ch->net, &b, &sim, err);
    if (!st)
        st = ncm_stno_run(ch->net, &b, &sim, obs, NULL, threads, NULL, err);
    if (!st)
        for (int64_t r = 0; r < n; r++)
            ncm_vowel_states(obs->in_locked + r * no * ni, obs->in_plv + r * no * ni, no, ni,
                             state + r * no);
done:
    ncm_stno_obs_free(obs);
    free(amp);
    free(cur);
    return st;
}

/* The same network state for every sample (i_dc[n_osc]), or one per run (i_dc[n * n_osc]). */
static ncm_status chip_run(const chip *ch, const ncm_vowel_config *c, const double *i_dc,
                           const double *f, int64_t n, uint64_t stream0, int threads, int8_t *state,
                           ncm_error *err)
{
    return chip_run_any(ch, c, i_dc, 0, f, n, stream0, threads, state, err);
}

static ncm_status chip_run_currents(const chip *ch, const ncm_vowel_config *c, const double *i_dc,
                                    const double *f, int64_t n, uint64_t stream0, int threads,
                                    int8_t *state, ncm_error *err)
{
    return chip_run_any(ch, c, i_dc, 1, f, n, stream0, threads, state, err);
}

/* The number of oscillator-steps of n samples (for the report). */
static double chip_steps(const chip *ch, const ncm_vowel_config *c, const double *i_dc,
                         const double *f, int64_t n)
{
    double amp[NCM_VOWEL_MAX_IN];
    for (int k = 0; k < ch->n_in; k++)
        amp[k] = ch->amp[k];
    ncm_stno_batch b = {.n_runs = 1,
                        .n_in = ch->n_in,
                        .f_in_mhz = f,
                        .amp_mhz = amp,
                        .in_gain = ch->gain,
                        .i_dc_ma = i_dc};
    ncm_stno_sim sim = {.dt_ns = c->dt_ns};
    if (ncm_stno_sim_resolve(ch->net, &b, &sim, NULL))
        return 0;
    return (double)n * ch->n_osc * ceil((c->t_transient_ns + c->t_window_ns) / sim.dt_ns);
}

/* ---- read-out ----------------------------------------------------------------------------------
 */

static void score(const int8_t *states, const int32_t *label, int64_t n, const int8_t *targets,
                  int n_classes, int n_osc, int32_t *pred, ncm_vowel_score *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->n_classes = n_classes;
    for (int64_t r = 0; r < n; r++) {
        const int p = ncm_vowel_classify(states + r * n_osc, targets, n_classes, n_osc, NULL);
        if (pred)
            pred[r] = p;
        if (p == NCM_VOWEL_UNDECIDED)
            out->undecided++;
        else
            out->confusion[label[r] * n_classes + p]++;
        out->correct += p == label[r];
    }
    out->accuracy = n ? (double)out->correct / (double)n : 0;
}

/* ---- design of the target patterns --------------------------------------------------------------
 */

/* The design works on a table of simulated responses: one uncoupled mean device, at each of
 * n_grid currents evenly spaced in frequency, driven by every training sample (noise included).
 * The weak-input formulas (ncm_stno_lock_edges) miss what matters here: near the quenching
 * strength the stronger input wins and locks over a wider range, and an off-resonant input
 * moves the other's range through the nonlinear shift N p. A choice of one grid current per
 * oscillator gives every training sample's pattern from the table. Targets: each class's most
 * frequent training pattern, classes taken in decreasing order of that pattern's count, a
 * pattern already taken giving way to the class's next most frequent (then to the first free
 * pattern in counting order). The currents are chosen by a coordinate search on the training
 * accuracy from design_starts random starts (docs/vowels.md, "Design of the targets"). */
/* A pattern seen in a class, and how often. */
typedef struct {
    int64_t code;
    int32_t cls, count;
} pat_count;

typedef struct {
    const ncm_vowel_config *c;
    int n_osc, n_in, n_classes;
    int64_t n;
    const double *f;      /* [n * n_in] */
    const int32_t *label; /* [n] */
    int n_grid;
    double *grid_i; /* [n_grid] candidate currents of the mean device */
    int8_t *table;  /* [n_osc][n_grid * n]: the state of one mean device with oscillator i's
                     * input gains at current g for sample r */
    int8_t *states; /* [n * n_osc] scratch */
    int64_t *keys;  /* [n] */
    pat_count *pc;  /* [n] */
} design;

static void design_states(const design *d, const int *pos, int8_t *states)
{
    for (int64_t r = 0; r < d->n; r++)
        for (int i = 0; i < d->n_osc; i++)
            states[r * d->n_osc + i] = d->table[((int64_t)i * d->n_grid + pos[i]) * d->n + r];
}

static int64_t pattern_code(const int8_t *s, int n_osc, int n_in)
{
    int64_t code = 0;
    for (int i = n_osc - 1; i >= 0; i--)
        code = code * (n_in + 1) + (s[i] + 1);
    return code;
}

static void pattern_of(int64_t code, int n_osc, int n_in, int8_t *s)
{
    for (int i = 0; i < n_osc; i++) {
        s[i] = (int8_t)(code % (n_in + 1) - 1);
        code /= n_in + 1;
    }
}

/* Targets by the majority rule from the states of the training set (see above): the (pattern,
 * class) pairs are sorted, each class's patterns listed by decreasing count (ties: the lower
 * pattern code), and the classes served in rounds. */
static int cmp_pair(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_count(const void *a, const void *b)
{
    const pat_count *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls - y->cls;
    if (x->count != y->count)
        return y->count - x->count;
    return (x->code > y->code) - (x->code < y->code);
}

static void majority_targets(const int8_t *states, const int32_t *label, int64_t n, int n_osc,
                             int n_in, int n_classes, int64_t *keys, pat_count *pc, int8_t *targets)
{
    for (int64_t r = 0; r < n; r++)
        keys[r] = pattern_code(states + r * n_osc, n_osc, n_in) * n_classes + label[r];
    qsort(keys, (size_t)n, sizeof *keys, cmp_pair);
    int64_t m = 0;
    for (int64_t r = 0; r < n; r++) {
        if (m && keys[r] == pc[m - 1].code * n_classes + pc[m - 1].cls) {
            pc[m - 1].count++;
            continue;
        }
        pc[m].code = keys[r] / n_classes;
        pc[m].cls = (int32_t)(keys[r] % n_classes);
        pc[m].count = 1;
        m++;
    }
    qsort(pc, (size_t)m, sizeof *pc, cmp_count);
    int64_t first[NCM_VOWEL_N + 1], cursor[NCM_VOWEL_N];
    for (int c = 0, r = 0; c <= n_classes; c++) {
        while (r < m && pc[r].cls < c)
            r++;
        first[c] = r;
    }
    int64_t used[NCM_VOWEL_N];
    int used_n = 0, done[NCM_VOWEL_N] = {0};
    for (int c = 0; c < n_classes; c++)
        cursor[c] = first[c];
    for (int round = 0; round < n_classes; round++) {
        int bc = -1;
        int32_t bcount = -1;
        for (int c = 0; c < n_classes; c++) {
            if (done[c])
                continue;
            for (;;) { /* skip the patterns other classes took */
                int taken = 0;
                if (cursor[c] < first[c + 1])
                    for (int u = 0; u < used_n; u++)
                        taken |= used[u] == pc[cursor[c]].code;
                if (!taken)
                    break;
                cursor[c]++;
            }
            const int32_t cnt = cursor[c] < first[c + 1] ? pc[cursor[c]].count : 0;
            if (cnt > bcount)
                bcount = cnt, bc = c;
        }
        int64_t code = -1;
        if (cursor[bc] < first[bc + 1])
            code = pc[cursor[bc]].code;
        else /* the class saw only taken patterns (or none): the first free one */
            for (int64_t q = 0; code < 0; q++) {
                int taken = 0;
                for (int u = 0; u < used_n; u++)
                    taken |= used[u] == q;
                if (!taken)
                    code = q;
            }
        used[used_n++] = code;
        done[bc] = 1;
        pattern_of(code, n_osc, n_in, targets + bc * n_osc);
    }
}

static double design_eval(design *d, const int *pos, int8_t *targets)
{
    design_states(d, pos, d->states);
    majority_targets(d->states, d->label, d->n, d->n_osc, d->n_in, d->n_classes, d->keys, d->pc,
                     targets);
    int64_t ok = 0;
    for (int64_t r = 0; r < d->n; r++)
        ok += ncm_vowel_classify(d->states + r * d->n_osc, targets, d->n_classes, d->n_osc, NULL) ==
              d->label[r];
    return (double)ok / (double)d->n;
}

/* Chooses targets and the oscillators' free-running frequencies (v[], MHz). */
static ncm_status design_run(const ncm_vowel_config *c, const double *f, const int32_t *label,
                             int64_t n, int n_in, int n_classes, int threads, int8_t *targets,
                             double *v, double *train_acc, ncm_error *err)
{
    design d = {.c = c,
                .n_osc = c->n_osc,
                .n_in = n_in,
                .n_classes = n_classes,
                .n = n,
                .f = f,
                .label = label};
    const double flo = free_freq(&c->device, c->i_min_ma);
    const double fhi = free_freq(&c->device, c->i_max_ma);
    d.n_grid = 96;
    d.grid_i = malloc(sizeof(double) * (size_t)d.n_grid);
    d.table = malloc((size_t)(c->n_osc * d.n_grid * n));
    d.states = malloc((size_t)(n * c->n_osc));
    d.keys = malloc(sizeof(int64_t) * (size_t)n);
    d.pc = malloc(sizeof(pat_count) * (size_t)n);
    ncm_status st = NCM_OK;
    chip one = {0};
    double *fg = malloc(sizeof(double) * (size_t)(d.n_grid * n * n_in));
    double *ig = malloc(sizeof(double) * (size_t)(d.n_grid * n));
    if (!d.grid_i || !d.table || !d.states || !d.keys || !d.pc || !fg || !ig) {
        st = ncm_error_set(err, NCM_ERR_NOMEM, "vowel design: out of memory");
        goto done;
    }
    /* candidate currents: evenly spaced in frequency over the current range */
    for (int g = 0; g < d.n_grid; g++)
        d.grid_i[g] = current_for(&c->device, flo + (fhi - flo) * (g + 0.5) / d.n_grid, c->i_min_ma,
                                  c->i_max_ma);
    /* the table: one uncoupled mean device at every candidate current, driven by every
     * training sample (a batch of n_grid x n runs of one oscillator, noise included), once per
     * distinct row of input gains */
    for (int i = 0; i < c->n_osc; i++) {
        int same = -1;
        for (int j = 0; j < i && same < 0; j++)
            if (!memcmp(c->in_gain[i], c->in_gain[j], sizeof c->in_gain[i]))
                same = j;
        int8_t *ti = d.table + (int64_t)i * d.n_grid * n;
        if (same >= 0) {
            memcpy(ti, d.table + (int64_t)same * d.n_grid * n, (size_t)(d.n_grid * n));
            continue;
        }
        ncm_vowel_config one_c = *c;
        one_c.n_osc = 1;
        one_c.spread = 0;
        memcpy(one_c.in_gain[0], c->in_gain[i], sizeof c->in_gain[i]);
        chip_free(&one);
        if ((st = chip_new(&one_c, n_in, 0, &one, err)))
            goto done;
        for (int g = 0; g < d.n_grid; g++)
            for (int64_t r = 0; r < n; r++) {
                memcpy(fg + ((int64_t)g * n + r) * n_in, f + r * n_in,
                       sizeof(double) * (size_t)n_in);
                ig[(int64_t)g * n + r] = d.grid_i[g];
            }
        if ((st = chip_run_currents(&one, c, ig, fg, (int64_t)d.n_grid * n, DESIGN_STREAM, threads,
                                    ti, err)))
            goto done;
    }
    ncm_rng rng;
    ncm_rng_init(&rng, c->design_seed, 0);
    int best_pos[NCM_VOWEL_MAX_OSC] = {0}, pos[NCM_VOWEL_MAX_OSC];
    int8_t tg[NCM_VOWEL_N * NCM_VOWEL_MAX_OSC];
    double best = -1;
    for (int s = 0; s < c->design_starts; s++) {
        for (int i = 0; i < c->n_osc; i++)
            pos[i] = (int)ncm_rng_below(&rng, (uint32_t)d.n_grid);
        double cur = design_eval(&d, pos, tg);
        for (int sweep = 0; sweep < 4; sweep++) {
            int improved = 0;
            for (int i = 0; i < c->n_osc; i++) {
                const int keep = pos[i];
                int arg = keep;
                for (int g = 0; g < d.n_grid; g++) {
                    if (g == keep)
                        continue;
                    pos[i] = g;
                    const double a = design_eval(&d, pos, tg);
                    if (a > cur + 1e-12)
                        cur = a, arg = g, improved = 1;
                }
                pos[i] = arg;
            }
            if (!improved)
                break;
        }
        if (cur > best + 1e-12) {
            best = cur;
            memcpy(best_pos, pos, sizeof pos);
        }
    }
    *train_acc = design_eval(&d, best_pos, targets);
    for (int i = 0; i < c->n_osc; i++)
        v[i] = free_freq(&c->device, d.grid_i[best_pos[i]]);
done:
    chip_free(&one);
    free(fg);
    free(ig);
    free(d.grid_i);
    free(d.table);
    free(d.states);
    free(d.keys);
    free(d.pc);
    return st;
}

/* ---- learning -----------------------------------------------------------------------------------
 */

/* One step of the rule for one sample (docs/vowels.md, "Learning rule"): for every oscillator
 * whose state differs from its target, in the frequency the loop measures at its current, with
 * the step s = rate push_mhz,
 *   target input k, not locked to it:  f += sign(f_k - f) min(s, |f_k - f|)   (pull towards k)
 *   locked to input k, target not k:   f -= sign(f_k - f) s                    (push away)
 * Fixed steps rather than steps proportional to the detuning: a far outlier of a class pulls no
 * harder than a near one, so the stripes settle where misses and false locks balance.
 * and the current becomes the one at which that oscillator runs free at the new frequency
 * (its calibration), within [i_min, i_max]. Returns the number of oscillators moved. */
static int learn_step(const chip *ch, const ncm_vowel_config *c, const double *fin,
                      const int8_t *state, const int8_t *target, double rate, double *i_dc)
{
    int moved = 0;
    for (int i = 0; i < ch->n_osc; i++) {
        if (state[i] == target[i])
            continue;
        double fr = free_freq(&ch->dev[i], i_dc[i]);
        const double step = rate * c->push_mhz;
        if (target[i] >= 0) {
            const double dx = fin[target[i]] - fr;
            fr += fabs(dx) < step ? dx : (dx >= 0 ? step : -step);
        }
        if (state[i] >= 0) {
            const double dx = fin[state[i]] - fr;
            fr -= dx >= 0 ? step : -step;
        }
        i_dc[i] = current_for(&ch->dev[i], fr, c->i_min_ma, c->i_max_ma);
        moved++;
    }
    return moved;
}

ncm_status ncm_vowel_learn_step(const ncm_vowel_config *c, const ncm_stno_params *dev, int n_in,
                                const double *f_in_mhz, const int8_t *state, const int8_t *target,
                                double rate, double *i_dc_ma, int *moved, ncm_error *err)
{
    ncm_status st = ncm_vowel_config_check(c, err);
    if (st)
        return st;
    if (!dev || !f_in_mhz || !state || !target || !i_dc_ma)
        return ncm_error_set(err, NCM_ERR_ARG, "learning step: expected non-NULL arrays");
    if (!(rate > 0 && rate <= 1))
        return ncm_error_set(err, NCM_ERR_ARG, "rate = %g: expected a fraction in (0, 1]", rate);
    if (n_in < 1 || n_in > NCM_VOWEL_MAX_IN)
        return ncm_error_set(err, NCM_ERR_ARG, "n_in = %d: expected 1 to %d inputs", n_in,
                             NCM_VOWEL_MAX_IN);
    chip ch = {.n_osc = c->n_osc, .n_in = n_in};
    for (int i = 0; i < c->n_osc; i++) {
        if (state[i] < NCM_VOWEL_FREE || state[i] >= n_in || target[i] < NCM_VOWEL_FREE ||
            target[i] >= n_in)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "oscillator %d: state %d, target %d: expected -1 (free) or an "
                                 "input 0 to %d",
                                 i, state[i], target[i], n_in - 1);
        if ((st = ncm_stno_check(&dev[i], "dev", err)))
            return st;
        if (!(i_dc_ma[i] >= c->i_min_ma && i_dc_ma[i] <= c->i_max_ma))
            return ncm_error_set(err, NCM_ERR_ARG, "i_dc_ma[%d] = %g: outside [%g, %g] mA", i,
                                 i_dc_ma[i], c->i_min_ma, c->i_max_ma);
        ch.dev[i] = dev[i];
    }
    for (int k = 0; k < n_in; k++)
        if (!(f_in_mhz[k] > 0) || !isfinite(f_in_mhz[k]))
            return ncm_error_set(err, NCM_ERR_ARG, "f_in_mhz[%d] = %g: expected > 0", k,
                                 f_in_mhz[k]);
    const int m = learn_step(&ch, c, f_in_mhz, state, target, rate, i_dc_ma);
    if (moved)
        *moved = m;
    return NCM_OK;
}

/* The same classes and features, in order (the unused tail of the selection's arrays and the
 * speaker groups do not matter). */
static int same_task(const ncm_vowel_set *s, int n_classes, int n_features,
                     const ncm_vowel_select *sel)
{
    int same = s->n_features == n_features && s->n_classes == n_classes &&
               s->select.n_vowels == sel->n_vowels && s->select.n_formants == sel->n_formants;
    for (int k = 0; same && k < sel->n_vowels; k++)
        same = s->select.vowels[k] == sel->vowels[k];
    for (int k = 0; same && k < sel->n_formants; k++)
        same = s->select.formants[k] == sel->formants[k];
    return same;
}

static ncm_status check_sets(const ncm_vowel_set *a, const ncm_vowel_set *b, ncm_error *err)
{
    if (!same_task(b, a->n_classes, a->n_features, &a->select))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "training and test sets: different vowels or formants");
    return NCM_OK;
}

/* Runs a set's samples at the network's currents and scores them (test NULL: only train). */
typedef struct {
    const chip *ch;
    const ncm_vowel_config *c;
    const ncm_vowel_model *m;
    const ncm_vowel_set *train, *test;
    const double *ftr, *fte; /* their input frequencies */
    int8_t *states;          /* scratch, the larger set's */
    int threads;
    int64_t *runs;
} scorer;

static ncm_status score_sets(const scorer *q, ncm_vowel_score *train, ncm_vowel_score *test,
                             ncm_error *err)
{
    const ncm_vowel_set *sets[2] = {q->train, q->test};
    const double *fs[2] = {q->ftr, q->fte};
    ncm_vowel_score *out[2] = {train, test};
    for (int k = 0; k < 2; k++) {
        if (!sets[k])
            continue;
        ncm_status st = chip_run(q->ch, q->c, q->m->i_dc_ma, fs[k], sets[k]->n, EVAL_STREAM,
                                 q->threads, q->states, err);
        if (st)
            return st;
        score(q->states, sets[k]->label, sets[k]->n, q->m->targets, q->m->n_classes, q->m->n_osc,
              NULL, out[k]);
        *q->runs += sets[k]->n;
    }
    return NCM_OK;
}

void ncm_vowel_train_free(ncm_vowel_training *t)
{
    if (!t)
        return;
    free(t->curve_train);
    free(t->curve_mismatch);
    free(t);
}

/* The most simulated oscillator-time one call may take: 1e13 oscillator-ns, about twelve days
 * at the 1e7 oscillator-ns per second the simulator reaches on one core. */
#define NCM_VOWEL_MAX_OSC_NS 1e13

ncm_status ncm_vowel_work_check(const ncm_vowel_config *c, int64_t n_train, int64_t n_test,
                                int trainings, ncm_error *err)
{
    /* the sample runs of a training: about two passes over the training set per epoch, the
     * design's passes and a few scoring passes, each of t_transient + t_window per oscillator */
    const double sims =
        (2.0 * c->epochs + 4.0 + c->design_starts) * (double)n_train + 4.0 * (double)n_test;
    const double osc_ns = trainings * sims * c->n_osc * (c->t_transient_ns + c->t_window_ns);
    if (osc_ns > NCM_VOWEL_MAX_OSC_NS)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "epochs = %d with t_window_ns = %g, t_transient_ns = %g, %d "
                             "oscillators, %lld tokens to train on and %lld to score, %d "
                             "training%s: %.3g oscillator-ns to simulate, more than the %.0e a "
                             "call may take",
                             c->epochs, c->t_window_ns, c->t_transient_ns, c->n_osc,
                             (long long)n_train, (long long)n_test, trainings,
                             trainings == 1 ? "" : "s", osc_ns, NCM_VOWEL_MAX_OSC_NS);
    return NCM_OK;
}

ncm_vowel_training *ncm_vowel_train(const ncm_vowel_config *c, const ncm_vowel_set *train,
                                    const ncm_vowel_set *test, int threads,
                                    const ncm_progress *progress, ncm_error *err)
{
    return ncm_vowel_train_ckpt(c, train, test, threads, NULL, progress, err);
}

ncm_vowel_training *ncm_vowel_train_checkpointed(const ncm_vowel_config *c,
                                                 const ncm_vowel_set *train,
                                                 const ncm_vowel_set *test, int threads,
                                                 const char *checkpoint, int resume,
                                                 const ncm_progress *progress, ncm_error *err)
{
    if (resume && !checkpoint) {
        ncm_error_set(err, NCM_ERR_ARG, "resume: needs a checkpoint path");
        return NULL;
    }
    const ncm_vowel_ckpt k = {checkpoint, "network", resume};
    if (checkpoint && !resume && remove(checkpoint) != 0 && errno != ENOENT) {
        ncm_error_set(err, NCM_ERR_IO, "checkpoint %s: cannot replace: %s", checkpoint,
                      strerror(errno));
        return NULL;
    }
    return ncm_vowel_train_ckpt(c, train, test, threads, checkpoint ? &k : NULL, progress, err);
}

ncm_vowel_training *ncm_vowel_train_ckpt(const ncm_vowel_config *c, const ncm_vowel_set *train,
                                         const ncm_vowel_set *test, int threads,
                                         const ncm_vowel_ckpt *ck, const ncm_progress *progress,
                                         ncm_error *err)
{
    const double t0 = ncm_now();
    ncm_vowel_ckpt_state saved = {0};
    if (!train) {
        ncm_error_set(err, NCM_ERR_ARG, "training set: expected non-NULL");
        return NULL;
    }
    if (ncm_vowel_config_check(c, err))
        return NULL;
    if (test && check_sets(train, test, err))
        return NULL;
    if (threads < 0) {
        ncm_error_set(err, NCM_ERR_ARG, "threads = %d: expected >= 0", threads);
        return NULL;
    }
    if (ncm_vowel_work_check(c, train->n, test ? test->n : 0, 1, err))
        return NULL;
    const int no = c->n_osc, ni = train->n_features, nc = train->n_classes;
    if (ni > NCM_VOWEL_MAX_IN || nc < 1 || nc > NCM_VOWEL_N || train->n < 1) {
        ncm_error_set(err, NCM_ERR_ARG, "training set: %d features, %d classes, %lld tokens", ni,
                      nc, (long long)train->n);
        return NULL;
    }
    if (nc > ncm_vowel_pattern_count(no, ni)) {
        ncm_error_set(err, NCM_ERR_ARG,
                      "%d classes but %d oscillators and %d input%s have only %lld patterns", nc,
                      no, ni, ni == 1 ? "" : "s", (long long)ncm_vowel_pattern_count(no, ni));
        return NULL;
    }
    ncm_vowel_training *t = calloc(1, sizeof *t);
    const int64_t n = train->n, nt = test ? test->n : 0;
    double *ftr = malloc(sizeof(double) * (size_t)(n * ni));
    double *fte = malloc(sizeof(double) * (size_t)((nt ? nt : 1) * ni));
    int8_t *states = malloc((size_t)((n > nt ? n : nt) * no));
    int32_t *order = malloc(sizeof(int32_t) * (size_t)n);
    chip ch = {0};
    ncm_status st = NCM_OK;
    if (!t || !ftr || !fte || !states || !order) {
        ncm_error_set(err, NCM_ERR_NOMEM, "vowel training: out of memory");
        goto fail;
    }
    t->curve_train = calloc((size_t)(c->epochs ? c->epochs : 1), sizeof(double));
    t->curve_mismatch = calloc((size_t)(c->epochs ? c->epochs : 1), sizeof(double));
    if (!t->curve_train || !t->curve_mismatch) {
        ncm_error_set(err, NCM_ERR_NOMEM, "vowel training: out of memory");
        goto fail;
    }
    ncm_vowel_model *m = &t->model;
    m->config = *c;
    m->select = train->select;
    m->n_classes = nc, m->n_osc = no, m->n_in = ni;
    /* the encoding: the training range onto the band */
    if ((st = ncm_vowel_encoding_fit(train, c->band_lo_mhz, c->band_hi_mhz, c->margin, &m->encoding,
                                     err)))
        goto fail;
    if ((st = ncm_vowel_encode(&m->encoding, train, 0, 0, ftr, err)))
        goto fail;
    if (test && (st = ncm_vowel_encode(&m->encoding, test, 0, 0, fte, err)))
        goto fail;
    if ((st = chip_new(c, ni, 1, &ch, err)))
        goto fail;

    /* design: targets and nominal frequencies; the untrained currents are those the mean
     * device would need for them (programmed open loop, without knowing the drawn devices) */
    double v[NCM_VOWEL_MAX_OSC];
    if ((st = design_run(c, ftr, train->label, n, ni, nc, threads, m->targets, v,
                         &t->design_train_accuracy, err)))
        goto fail;
    for (int i = 0; i < no; i++)
        m->i_init_ma[i] = m->i_dc_ma[i] = current_for(&c->device, v[i], c->i_min_ma, c->i_max_ma);
    t->sim_ns_per_sample = c->t_transient_ns + c->t_window_ns;

    /* before learning */
    const scorer q = {.ch = &ch,
                      .c = c,
                      .m = m,
                      .train = train,
                      .test = test,
                      .ftr = ftr,
                      .fte = fte,
                      .states = states,
                      .threads = threads,
                      .runs = &t->runs};
    if ((st = score_sets(&q, &t->train_init, &t->test_init, err)))
        goto fail;

    /* learning: the loop first sets every oscillator to its designed frequency through its own
     * calibration (the drawn device's f(I), which it measures), then runs the on-line rule */
    if (c->learn)
        for (int i = 0; i < no; i++)
            m->i_dc_ma[i] = current_for(&ch.dev[i], v[i], c->i_min_ma, c->i_max_ma);
    if (c->learn && (st = score_sets(&q, &t->train_design, &t->test_design, err)))
        goto fail;
    const int epochs = c->learn ? c->epochs : 0;
    ncm_rng rng;
    ncm_rng_init(&rng, c->shuffle_seed, 0);
    for (int32_t j = 0; j < n; j++)
        order[j] = j;
    /* A resumed training takes the currents, curve and sample count of the epochs done, and
     * replays their shuffles: epoch e then sees the order it would have seen. */
    const uint64_t fp = ck ? ncm_vowel_train_fingerprint(c, train, test) : 0;
    int first = 0;
    if (ck && ck->resume && epochs > 0) {
        if ((st = ncm_vowel_ckpt_load(ck, fp, no, epochs, &saved, err)))
            goto fail;
        if (saved.found) {
            first = saved.epochs_done;
            memcpy(m->i_dc_ma, saved.i_dc_ma, sizeof(double) * (size_t)no);
            memcpy(t->curve_train, saved.curve_train, sizeof(double) * (size_t)first);
            memcpy(t->curve_mismatch, saved.curve_mismatch, sizeof(double) * (size_t)first);
            t->runs = saved.runs;
            t->epochs = first;
            for (int e = 0; e < first; e++)
                ncm_rng_shuffle(&rng, order, n);
        }
    }
    if ((st = ncm_progress_report(progress, "vowel train", first, epochs, err)))
        goto fail;
    for (int e = first; e < epochs; e++) {
        ncm_rng_shuffle(&rng, order, n);
        const double rate = c->lr / (1 + c->lr_decay * e);
        int64_t missed = 0;
        for (int64_t p = 0; p < n; p++) {
            const int64_t j = order[p];
            int8_t s[NCM_VOWEL_MAX_OSC];
            if ((st = chip_run(&ch, c, m->i_dc_ma, ftr + j * ni, 1,
                               1 + (uint64_t)e * (uint64_t)n + (uint64_t)j, 1, s, err)))
                goto fail;
            const int8_t *tg = m->targets + train->label[j] * no;
            missed += memcmp(s, tg, (size_t)no) != 0;
            learn_step(&ch, c, ftr + j * ni, s, tg, rate, m->i_dc_ma);
        }
        t->runs += n;
        ncm_vowel_score sc;
        scorer q_train = q;
        q_train.test = NULL;
        if ((st = score_sets(&q_train, &sc, NULL, err)))
            goto fail;
        t->curve_train[e] = sc.accuracy;
        t->curve_mismatch[e] = (double)missed / (double)n;
        t->epochs = e + 1;
        if (ck && (st = ncm_vowel_ckpt_save(ck, fp, no, e + 1, m->i_dc_ma, t->curve_train,
                                            t->curve_mismatch, t->runs, err)))
            goto fail;
        if ((st = ncm_progress_report(progress, "vowel train", e + 1, epochs, err)))
            goto fail;
    }

    /* after learning */
    if ((st = score_sets(&q, &t->train, &t->test, err)))
        goto fail;
    for (int i = 0; i < no; i++)
        m->f_free_mhz[i] = free_freq(&ch.dev[i], m->i_dc_ma[i]);
    t->osc_steps = chip_steps(&ch, c, m->i_dc_ma, ftr, t->runs);
    t->seconds = ncm_now() - t0;
    ncm_vowel_ckpt_state_free(&saved);
    chip_free(&ch);
    free(ftr);
    free(fte);
    free(states);
    free(order);
    return t;
fail:
    ncm_vowel_ckpt_state_free(&saved);
    chip_free(&ch);
    free(ftr);
    free(fte);
    free(states);
    free(order);
    ncm_vowel_train_free(t);
    return NULL;
}

/* ---- evaluation and the map ---------------------------------------------------------------------
 */

/* A model eval and the map can run: the model file's own checks (study.c). */
static ncm_status model_check(const ncm_vowel_model *m, ncm_error *err)
{
    if (!m)
        return ncm_error_set(err, NCM_ERR_ARG, "model: expected non-NULL");
    return ncm_vowel_model_check_in(m, "model", NCM_ERR_ARG, err);
}

ncm_status ncm_vowel_eval(const ncm_vowel_model *m, const ncm_vowel_set *s, int threads,
                          int32_t *pred, ncm_vowel_score *out, ncm_error *err)
{
    ncm_status st = model_check(m, err);
    if (st)
        return st;
    if (!s || !out)
        return ncm_error_set(err, NCM_ERR_ARG, "set and score: expected non-NULL");
    /* the speaker groups may differ (a network trained on women, scored on men) */
    if (!same_task(s, m->n_classes, m->n_in, &m->select))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "set: its vowels or formants (in order) are not the model's");
    double *f = malloc(sizeof(double) * (size_t)(s->n * m->n_in));
    int8_t *states = malloc((size_t)(s->n * m->n_osc));
    chip ch = {0};
    if (!f || !states) {
        st = ncm_error_set(err, NCM_ERR_NOMEM, "vowel eval: out of memory");
        goto done;
    }
    if ((st = ncm_vowel_encode(&m->encoding, s, 0, 0, f, err)))
        goto done;
    if ((st = chip_new(&m->config, m->n_in, 1, &ch, err)))
        goto done;
    if ((st = chip_run(&ch, &m->config, m->i_dc_ma, f, s->n, EVAL_STREAM, threads, states, err)))
        goto done;
    score(states, s->label, s->n, m->targets, m->n_classes, m->n_osc, pred, out);
done:
    chip_free(&ch);
    free(f);
    free(states);
    return st;
}

ncm_status ncm_vowel_map(const ncm_vowel_model *m, const double *f1_hz, int n1, const double *f2_hz,
                         int n2, const double *mid_hz, int threads, int32_t *pred, ncm_error *err)
{
    ncm_status st = model_check(m, err);
    if (st)
        return st;
    if (!f1_hz || !f2_hz || !pred || n1 < 1 || n2 < 1 || (int64_t)n1 * n2 > 4000000)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "map grid %d x %d: expected 1 to 4e6 points and non-NULL arrays", n1,
                             n2);
    if (m->n_in < 2)
        return ncm_error_set(err, NCM_ERR_ARG, "map: the model has %d input; a map needs 2",
                             m->n_in);
    const int ni = m->n_in;
    const int64_t n = (int64_t)n1 * n2;
    double *f = malloc(sizeof(double) * (size_t)(n * ni));
    int8_t *states = malloc((size_t)(n * m->n_osc));
    chip ch = {0};
    if (!f || !states) {
        st = ncm_error_set(err, NCM_ERR_NOMEM, "vowel map: out of memory");
        goto done;
    }
    const ncm_vowel_encoding *e = &m->encoding;
    for (int j = 0; j < n2; j++)
        for (int i = 0; i < n1; i++) {
            double *fp = f + ((int64_t)j * n1 + i) * ni;
            for (int k = 0; k < ni; k++) {
                double hz;
                if (k == 0)
                    hz = f1_hz[i];
                else if (k == 1)
                    hz = f2_hz[j];
                else
                    hz = mid_hz ? mid_hz[k]
                                : (0.5 * (m->config.band_lo_mhz + m->config.band_hi_mhz) -
                                   e->offset_mhz[k]) /
                                      e->mhz_per_hz[k];
                fp[k] = e->offset_mhz[k] + e->mhz_per_hz[k] * hz;
                if (!(fp[k] > 0) || !isfinite(fp[k])) {
                    st = ncm_error_set(err, NCM_ERR_ARG,
                                       "map point (%g, %g) Hz: input %d at %g MHz, expected a "
                                       "finite frequency > 0",
                                       f1_hz[i], f2_hz[j], k, fp[k]);
                    goto done;
                }
            }
        }
    if ((st = chip_new(&m->config, ni, 1, &ch, err)))
        goto done;
    if ((st = chip_run(&ch, &m->config, m->i_dc_ma, f, n, MAP_STREAM, threads, states, err)))
        goto done;
    for (int64_t p = 0; p < n; p++)
        pred[p] =
            ncm_vowel_classify(states + p * m->n_osc, m->targets, m->n_classes, m->n_osc, NULL);
done:
    chip_free(&ch);
    free(f);
    free(states);
    return st;
}
