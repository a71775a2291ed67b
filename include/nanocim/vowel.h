/* Vowel recognition (Romera et al., "Vowel recognition with four coupled spin-torque
 * nano-oscillators", Nature 563, 230 (2018)), simulated end to end. The layer holds
 * - the vowel formant data of Hillenbrand, Getty, Clark and Wheeler, "Acoustic characteristics
 *   of American English vowels", J. Acoust. Soc. Am. 97, 3099 (1995): a reader of the
 *   distributed file `vowdata.dat` (the user gives its path; it is not part of nanocim) and a
 *   synthetic generator drawing formants from the published per-vowel, per-group means and
 *   standard deviations (compiled in, with the F1-F2-F3 correlations computed from the same
 *   data), the default when no file is given;
 * - the selection of speaker groups, vowels and formants, and a train/test split by speaker (no
 *   speaker in both), seeded;
 * - the encoding of a token's formants as the input frequencies of the oscillators (an affine
 *   map per formant onto their band) and the read-out of a run: the synchronization pattern
 *   (which oscillator is locked to which input) and the nearest target pattern;
 * - the oscillator network over the oscillator layer (stno.h): a chip of devices drawn with
 *   their spread and coupled all to all, the design of each class's target pattern from the
 *   simulated response of one device, a calibration step and an on-line learning rule on the DC
 *   currents using only what hardware measures, evaluation, the synchronization map over the
 *   formant plane, and the model file that eval reads back;
 * - the software classifiers the oscillator network is compared with on the same features and
 *   split: nearest centroid, a Gaussian classifier (one full-covariance normal per class) and a
 *   small multilayer perceptron trained by the project; the study that puts the network, its
 *   uncoupled and untrained versions and these side by side; robustness sweeps (temperature,
 *   device spread).
 * Details, sources and the tests: docs/vowels.md.
 *
 * Objects: a vowel set (ncm_vowel_set) is allocated by ncm_vowel_load, ncm_vowel_synthetic or
 * ncm_vowel_split and released by ncm_vowel_set_free (NULL accepted); its fields are read-only.
 * Likewise a training (ncm_vowel_train / ncm_vowel_train_free), a study and a sweep. Selections,
 * configurations, models, scores and baseline parameters are plain values. */
#ifndef NANOCIM_VOWEL_H
#define NANOCIM_VOWEL_H

#include "nanocim/api.h"

#include <stdint.h>
#include <stdio.h>

#include "nanocim/error.h"
#include "nanocim/progress.h"
#include "nanocim/stno.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- vowels, speaker groups, formants -------------------------------------------------------- */

/* The 12 vowels of the data, in this order (Hillenbrand's codes): ae (had), ah (hod), aw
 * (hawed), eh (head), er (heard), ei (hayed), ih (hid), iy (heed), oa (hoed), oo (hood), uh (hud),
 * uw (who'd). */
enum { NCM_VOWEL_N = 12 };
/* "ae", ..., "uw"; NULL out of range. */
NCM_API const char *ncm_vowel_code(int v);
/* The index of a vowel code (exact, lower case), or -1. */
NCM_API int ncm_vowel_parse(const char *code);

/* Speaker groups: men, women, boys, girls (the file's first character m, w, b, g). */
enum { NCM_VOWEL_MEN = 0, NCM_VOWEL_WOMEN = 1, NCM_VOWEL_BOYS = 2, NCM_VOWEL_GIRLS = 3,
       NCM_VOWEL_N_GROUPS = 4 };
/* 'm', 'w', 'b', 'g'; 0 out of range. */
NCM_API char ncm_vowel_group_char(int g);
/* The group of 'm', 'w', 'b' or 'g', or -1. */
NCM_API int ncm_vowel_group_parse(char c);

/* Formants: F1, F2, F3 at the vowel's steady state (the file's columns 4, 5 and 6, Hz). */
enum { NCM_VOWEL_MAX_FORMANTS = 3 };

/* What to take from the data. A plain value. */
typedef struct {
    unsigned groups;              /* bit g: group g (default: women only) */
    int n_vowels;                 /* classes, 1 .. NCM_VOWEL_N */
    int vowels[NCM_VOWEL_N];      /* class k is vowel vowels[k] (distinct) */
    int n_formants;               /* features, 1 .. NCM_VOWEL_MAX_FORMANTS */
    int formants[NCM_VOWEL_MAX_FORMANTS]; /* feature f is formant F(formants[f] + 1), distinct */
} ncm_vowel_select;

/* The default task of Romera et al.: women, the 7 vowels ae ah aw eh er ih iy, F1 and F2. */
NCM_API void ncm_vowel_select_default(ncm_vowel_select *s);
/* Checks the selection; the message names the field ("vowels[2] = 15: ...", "groups = 0: ..."). */
NCM_API ncm_status ncm_vowel_select_check(const ncm_vowel_select *s, ncm_error *err);
/* Parses a comma-separated list of vowel codes ("ae,ah,aw") into s->vowels; of group
 * characters ("w", "m,w", "mwbg" also accepted) into s->groups; of formants ("f1,f2,f3", any
 * case) into s->formants (and the counts). Blanks around items are ignored. NCM_ERR_ARG naming
 * the unknown, repeated or empty item; s is then left unchanged. */
NCM_API ncm_status ncm_vowel_parse_vowels(const char *list, ncm_vowel_select *s, ncm_error *err);
NCM_API ncm_status ncm_vowel_parse_groups(const char *list, ncm_vowel_select *s, ncm_error *err);
NCM_API ncm_status ncm_vowel_parse_formants(const char *list, ncm_vowel_select *s,
                                            ncm_error *err);

/* ---- data sets ------------------------------------------------------------------------------- */

/* Tokens of the selected vowels: features x[i * n_features + f] (Hz), class labels (indices into
 * the selection's vowels), speakers. Read-only. */
typedef struct {
    int64_t n;               /* tokens */
    int n_features;
    int n_classes;
    ncm_vowel_select select; /* what was taken */
    double *x;               /* [n][n_features] formant frequencies, Hz */
    int32_t *label;          /* [n] class, 0 .. n_classes - 1 */
    int32_t *speaker;        /* [n] speaker index, 0 .. n_speakers - 1 */
    int n_speakers;
    char (*speaker_name)[8]; /* [n_speakers] "w01": group character and talker number (two
                              * digits in vowdata.dat; synthetic sets "w01" .. "w10000") */
    int64_t dropped;         /* tokens of the selection left out: a selected formant was 0
                              * (unmeasurable); 0 in synthetic sets and in splits */
    char source[256];        /* the file read, or "synthetic (seed S)"; a split appends
                              * ": train split F (seed S)" or ": test split ..." */
} ncm_vowel_set;

/* Reads Hillenbrand's vowdata.dat: the text header (the lines before the first data row, the
 * first line whose first field starts with a letter and a digit, are skipped), then
 * whitespace-separated rows of 16 fields, the first the token code (group character, two-digit
 * talker number, vowel code, e.g. "w12ae"), the others integers (0 = unmeasurable); CRLF or LF
 * line ends. Rows of unselected groups or vowels are skipped; a row whose selected formant is 0
 * is dropped (counted in `dropped`). Refused with NCM_ERR_FORMAT naming the file and the line: a
 * row with fewer or more than 16 fields, a non-numeric or negative field, an unknown group or
 * vowel code, a malformed token code, the same token twice, a last row without its line end (a
 * truncated file); a file larger than 64 MiB or without any data row. NCM_ERR_DATA: a file with
 * no row of the selection, or none left after the drops. NCM_ERR_IO: a file that cannot be
 * opened, a directory. Tokens keep the file's order; speakers (those with a kept token) are
 * numbered by group (m, w, b, g), then talker number. s NULL: the default selection. NULL (and
 * err filled) on failure. */
NCM_API ncm_vowel_set *ncm_vowel_load(const char *path, const ncm_vowel_select *s,
                                      ncm_error *err);

/* A synthetic set: for each selected group, speakers_per_group speakers (names "w01", ...), each
 * saying every selected vowel once; each token's formants drawn from a multivariate normal with
 * the published mean and standard deviation of that vowel, group and formant (Hillenbrand et al.
 * 1995, vowdata.ds; boys and girls share the children's values) and the F1-F2-F3 correlations
 * of that vowel and group in vowdata.dat (a token with a formant <= 0 Hz, about 1 in 70000 of
 * the children's uw, is drawn again from the rest of its stream). Tokens are ordered by group,
 * speaker, then class; token i draws from Philox stream (seed, i): the set depends only on
 * (selection, speakers_per_group, seed). speakers_per_group in 1 .. 10000; s NULL: the default
 * selection. */
NCM_API ncm_vowel_set *ncm_vowel_synthetic(const ncm_vowel_select *s, int speakers_per_group,
                                           uint64_t seed, ncm_error *err);

/* The published statistics the generator uses, for vowel v, group g and formant f (0: F1):
 * mean and standard deviation (Hz), and the correlation of formants f1 and f2. NCM_ERR_ARG out
 * of range. */
NCM_API ncm_status ncm_vowel_stats(int v, int g, int f, double *mean_hz, double *sd_hz,
                                   ncm_error *err);
NCM_API ncm_status ncm_vowel_correlation(int v, int g, int f1, int f2, double *rho,
                                         ncm_error *err);

/* Splits by speaker: the speakers are shuffled with seed (Philox), the first
 * round(train_frac x n_speakers) train, the others test, so that no speaker is in both; every
 * token of a speaker goes with the speaker. train_frac in (0, 1), each side at least one
 * speaker. *train and *test are new sets (the speakers renumbered in their original order, names
 * kept; tokens in their original order); both NULL on failure (NCM_ERR_ARG). */
NCM_API ncm_status ncm_vowel_split(const ncm_vowel_set *s, double train_frac, uint64_t seed,
                                   ncm_vowel_set **train, ncm_vowel_set **test, ncm_error *err);

NCM_API void ncm_vowel_set_free(ncm_vowel_set *s);

/* ---- encoding: formants as input frequencies ------------------------------------------------- */

/* Feature k of a token becomes the frequency of input k: f_k = offset_mhz[k] + mhz_per_hz[k] F_k
 * (an affine map per formant; mhz_per_hz may be negative). A plain value. */
typedef struct {
    int n_in;                                    /* inputs = features of the set */
    double mhz_per_hz[NCM_VOWEL_MAX_FORMANTS];   /* != 0 */
    double offset_mhz[NCM_VOWEL_MAX_FORMANTS];
} ncm_vowel_encoding;

/* Fits each feature's map to the training set's range: its minimum to f_lo_mhz + margin x
 * (f_hi_mhz - f_lo_mhz) and its maximum to f_hi_mhz - margin x (f_hi_mhz - f_lo_mhz), margin in
 * [0, 0.5). NCM_ERR_ARG for a band that is not 0 < f_lo < f_hi, finite, or a feature with no
 * spread (minimum = maximum). */
NCM_API ncm_status ncm_vowel_encoding_fit(const ncm_vowel_set *train, double f_lo_mhz,
                                          double f_hi_mhz, double margin,
                                          ncm_vowel_encoding *e, ncm_error *err);
/* The input frequencies of a set: f_mhz[i * n_in + k] (n_in = s->n_features, as e's). Refused
 * (NCM_ERR_ARG, naming the token, feature and frequency) when e does not match the set's
 * features or a frequency is not finite and > 0, or leaves [f_lo_mhz, f_hi_mhz] when that band
 * is given (f_hi_mhz > f_lo_mhz; 0, 0: no band check): a map that sends tokens outside the
 * oscillators' band is a configuration error, not a sample to classify. */
NCM_API ncm_status ncm_vowel_encode(const ncm_vowel_encoding *e, const ncm_vowel_set *s,
                                    double f_lo_mhz, double f_hi_mhz, double *f_mhz,
                                    ncm_error *err);

/* ---- read-out: synchronization patterns -------------------------------------------------------- */

/* A synchronization pattern of n_osc oscillators and n_in inputs: state[i] = the input that
 * oscillator i is locked to (0 .. n_in - 1), or NCM_VOWEL_FREE when it is locked to none. There
 * are (n_in + 1)^n_osc patterns. */
enum { NCM_VOWEL_FREE = -1, NCM_VOWEL_MAX_OSC = 16, NCM_VOWEL_MAX_IN = NCM_VOWEL_MAX_FORMANTS };
/* Undecided read-out: a tie between the nearest targets, or no oscillator locked when no
 * target is all free (an error in the accuracy). */
enum { NCM_VOWEL_UNDECIDED = -1 };

/* The number of distinct patterns, (n_in + 1)^n_osc, or -1 beyond NCM_VOWEL_MAX_OSC or
 * NCM_VOWEL_MAX_IN (or below 1). */
NCM_API int64_t ncm_vowel_pattern_count(int n_osc, int n_in);

/* The states of one run from its locking decisions locked[i * n_in + k] (1: oscillator i
 * locked to input k, ncm_stno_obs.in_locked) and phase-locking values plv[i * n_in + k]
 * (ncm_stno_obs.in_plv; NULL: take the lowest input): an oscillator locked to more than one
 * input (two inputs within its range) takes the one with the higher phase-locking value. */
NCM_API void ncm_vowel_states(const uint8_t *locked, const double *plv, int n_osc, int n_in,
                              int8_t *state);

/* Checks target patterns targets[c * n_osc + i] of n_classes classes: states in range, no two
 * classes with the same pattern, and n_classes <= ncm_vowel_pattern_count (the message gives
 * the count: "7 classes but 4 oscillators and 1 input have only 5 patterns"). */
NCM_API ncm_status ncm_vowel_targets_check(const int8_t *targets, int n_classes, int n_osc,
                                           int n_in, ncm_error *err);

/* The class of a pattern: the target at the smallest Hamming distance (oscillators whose state
 * differs), *distance set when not NULL. NCM_VOWEL_UNDECIDED for a tie between the nearest
 * targets, and for a pattern with every oscillator free unless a target is that pattern. */
NCM_API int ncm_vowel_classify(const int8_t *state, const int8_t *targets, int n_classes,
                               int n_osc, int *distance);

/* ---- the oscillator network: configuration ----------------------------------------------------- */

/* The recognizer of Romera et al. (2018) as simulated: n_osc oscillators of one device type in
 * series (drawn once per chip with the device's spread), coupled all to all through their
 * shared microwave current, driven by one microwave input per feature whose frequency encodes
 * that feature (ncm_vowel_encoding); thermal noise at the device's temperature. Every field has
 * a default (ncm_vowel_config_default); a plain value. */
typedef struct {
    /* the chip */
    int n_osc;                 /* oscillators, 1 .. NCM_VOWEL_MAX_OSC (default 4) */
    ncm_stno_params device;    /* the device type (default: ncm_stno_default, 300 K) */
    int spread;                /* 1: devices drawn by ncm_stno_spread (default 1) */
    uint64_t chip_seed;        /* Philox key of the draw: one simulated chip (default 1) */
    double w_mhz;              /* all-to-all coupling W_ij / 2 pi, MHz, >= 0 (default 0.2) */
    double beta_rad;           /* coupling phase (default 0) */
    double amp_mhz[NCM_VOWEL_MAX_IN]; /* input k's amplitude F_k / 2 pi, MHz, > 0 (default: 1.5
                                       * for the first input, 0.8 for the others) */
    double in_gain[NCM_VOWEL_MAX_OSC][NCM_VOWEL_MAX_IN]; /* g_ik: how strongly input k's
                                * strip-line field drives oscillator i, in [0, 1] (default:
                                * all 1, every oscillator under both lines) */
    double i_min_ma, i_max_ma; /* the DC current range the loop may set, mA (default 5, 14) */

    /* the encoding: each feature's training range onto [band_lo, band_hi] shrunk by margin */
    double band_lo_mhz, band_hi_mhz; /* default 318, 330 */
    double margin;                   /* default 0 */

    /* the simulation of one sample */
    double dt_ns;          /* step, ns; 0: automatic (default) */
    double t_transient_ns; /* discarded before the window, ns (default 200) */
    double t_window_ns;    /* read-out window, ns (default 1000) */
    uint64_t noise_seed;   /* Philox key of the thermal noise (default 1) */

    /* the design of the target patterns (software, before learning) */
    int design_starts;     /* restarts of the coordinate search (default 8) */
    uint64_t design_seed;  /* its Philox key (default 1) */

    /* the learning rule (on-line, sample by sample) */
    int epochs;            /* passes over the training set, 0 .. 10000 (default 20) */
    double lr;             /* the rate, (0, 1] (default 0.2) */
    double push_mhz;       /* the frequency step of the rule at rate 1, MHz, >= 0 (default 0.5):
                            * ncm_vowel_learn_step */
    double lr_decay;       /* the rate at epoch e is lr / (1 + lr_decay e), >= 0 (default 0.2) */
    uint64_t shuffle_seed; /* order of the samples in each epoch (default 1) */
    int learn;             /* 0: no learning (the untrained network) (default 1) */
} ncm_vowel_config;

NCM_API void ncm_vowel_config_default(ncm_vowel_config *c);
/* Checks every field; the message names it ("amp_mhz[1] = -1: ..."). */
NCM_API ncm_status ncm_vowel_config_check(const ncm_vowel_config *c, ncm_error *err);

/* ---- the trained network --------------------------------------------------------------------- */

/* Everything eval needs: the configuration (the chip is drawn again from its seed), the
 * encoding, the classes' target patterns and the learned DC currents. A plain value. */
typedef struct {
    ncm_vowel_config config;
    ncm_vowel_select select;
    ncm_vowel_encoding encoding;
    int n_classes, n_osc, n_in;
    int8_t targets[NCM_VOWEL_N * NCM_VOWEL_MAX_OSC]; /* [class * n_osc + i] */
    double i_dc_ma[NCM_VOWEL_MAX_OSC];               /* the learned currents */
    double i_init_ma[NCM_VOWEL_MAX_OSC];             /* before learning */
    double f_free_mhz[NCM_VOWEL_MAX_OSC];            /* free-running frequencies at i_dc_ma */
} ncm_vowel_model;

/* Scores of a network on a set. */
typedef struct {
    int64_t n, correct, undecided;
    double accuracy;
    int n_classes;
    int64_t confusion[NCM_VOWEL_N * NCM_VOWEL_N]; /* [true * n_classes + predicted] */
} ncm_vowel_score;

/* What training returns: the model, the scores on both sets before and after learning, and
 * the learning curve. Allocated by ncm_vowel_train, released by ncm_vowel_train_free. */
typedef struct {
    ncm_vowel_model model;
    ncm_vowel_score train, test;               /* the learned network */
    ncm_vowel_score train_init, test_init;     /* the same network before learning */
    int epochs;                                /* run (the curve's length) */
    double *curve_train;                       /* [epochs] training accuracy after each epoch */
    double *curve_mismatch;                    /* [epochs] fraction of on-line samples whose
                                                * pattern missed its target, per epoch */
    double design_train_accuracy;              /* the design's, on its simulated table */
    int64_t runs;                              /* simulated samples in all */
    double osc_steps;                          /* oscillator-steps integrated */
    double sim_ns_per_sample;                  /* transient + window */
    double seconds;                            /* wall time */
    /* the learned network's first step alone: every oscillator set to its designed frequency
     * through its own calibration, before the on-line epochs (zero when learn is 0) */
    ncm_vowel_score train_design, test_design;
} ncm_vowel_training;

/* Designs the target patterns, then learns the currents on `train` and scores the network on
 * `train` and `test` (test may be NULL: its scores are zero). The result depends only on the
 * sets and the configuration, never on the thread count. Progress: task "vowel train", in
 * epochs. NULL (and err filled) on failure. */
NCM_API ncm_vowel_training *ncm_vowel_train(const ncm_vowel_config *c, const ncm_vowel_set *train,
                                            const ncm_vowel_set *test, int threads,
                                            const ncm_progress *progress, ncm_error *err);
NCM_API void ncm_vowel_train_free(ncm_vowel_training *t);
/* ncm_vowel_train, crash-safe: after every epoch the learned currents, the curve and the sample
 * count are written (atomically) to `checkpoint`; resume 0 starts a new checkpoint (replacing
 * any), resume 1 continues after the epochs it holds, and the result is then the one of an
 * uninterrupted training. A checkpoint of another training (configuration or sets differ) is
 * refused (NCM_ERR_STATE). The file is left in place: remove it once the results are saved. */
NCM_API ncm_vowel_training *ncm_vowel_train_checkpointed(const ncm_vowel_config *c,
                                                         const ncm_vowel_set *train,
                                                         const ncm_vowel_set *test, int threads,
                                                         const char *checkpoint, int resume,
                                                         const ncm_progress *progress,
                                                         ncm_error *err);

/* One step of the learning rule (docs/vowels.md, "Learning rule") for one sample: for every
 * oscillator i whose state differs from its target, with f its free-running frequency at
 * i_dc_ma[i] (device dev[i]; the loop's calibration),
 *   target input k, not locked to it:  f += sign(f_k - f) min(s, |f_k - f|)   pull towards k
 *   locked to input k, target not k:   f -= sign(f_k - f) s                    push away
 * with s = rate push_mhz
 * and i_dc_ma[i] becomes the current at which dev[i] runs free at the new f, within
 * [c->i_min_ma, c->i_max_ma]. f_in_mhz[k]: the sample's input frequencies. *moved (may be NULL):
 * the oscillators changed. NCM_ERR_ARG for a bad rate (in (0, 1]), state or target. */
NCM_API ncm_status ncm_vowel_learn_step(const ncm_vowel_config *c, const ncm_stno_params *dev,
                                        int n_in, const double *f_in_mhz, const int8_t *state,
                                        const int8_t *target, double rate, double *i_dc_ma,
                                        int *moved, ncm_error *err);

/* Scores a model on a set (the model's vowels and formants, in order; the groups may differ). pred (when not NULL) receives
 * [s->n] classes, NCM_VOWEL_UNDECIDED where undecided. */
NCM_API ncm_status ncm_vowel_eval(const ncm_vowel_model *m, const ncm_vowel_set *s, int threads,
                                  int32_t *pred, ncm_vowel_score *out, ncm_error *err);

/* A score as JSON (format "nanocim-vowel-eval", version 1), atomically: "model" (model_path),
 * "data" (the set's source), "split", "classes" (vowel codes), "n", "correct", "undecided",
 * "accuracy" and "confusion" (rows: true class). */
NCM_API ncm_status ncm_vowel_score_save_json(const ncm_vowel_score *sc, const ncm_vowel_model *m,
                                            const char *model_path, const char *data_source,
                                            const char *split, const char *path,
                                            ncm_error *err);

/* The synchronization map: the model's class at every point of an n1 x n2 grid of the formant
 * plane (features 0 and 1, Hz), pred[j * n1 + i] at (f1[i], f2[j]), NCM_VOWEL_UNDECIDED where
 * undecided. Other features (a third formant) are held at mid_hz[k] for feature k >= 2 (Hz;
 * entries 0 and 1 unused; NULL: the formant whose input is the middle of the band). */
NCM_API ncm_status ncm_vowel_map(const ncm_vowel_model *m, const double *f1_hz, int n1,
                                 const double *f2_hz, int n2, const double *mid_hz, int threads,
                                 int32_t *pred, ncm_error *err);

/* The model as JSON (format "nanocim-vowel-model", version 1), atomically; and back. The reader
 * also takes a study's result file ("nanocim-vowel-result", ncm_vowel_study_save_json) and reads
 * its "model"; it checks every field (the message names the file and the field), the targets
 * and the currents against the configuration's range. Load errors: NCM_ERR_FORMAT (NCM_ERR_VERSION
 * for a newer version, NCM_ERR_IO), *m then zeroed; save refuses (NCM_ERR_ARG) a model load would.
 * Seeds above 2^53 are written as decimal strings (a JSON number is exact only up to 2^53). */
NCM_API ncm_status ncm_vowel_model_save(const ncm_vowel_model *m, const char *path, ncm_error *err);
NCM_API ncm_status ncm_vowel_model_load(const char *path, ncm_vowel_model *m, ncm_error *err);

/* ---- software baselines ---------------------------------------------------------------------- */

typedef enum {
    NCM_VOWEL_CENTROID = 0, /* nearest class mean (features standardised on the training set) */
    NCM_VOWEL_GAUSSIAN = 1, /* one normal per class with its full covariance, equal priors */
    NCM_VOWEL_MLP = 2       /* one hidden layer of tanh units, softmax, full-batch training */
} ncm_vowel_baseline_kind;

/* "nearest-centroid", "gaussian", "mlp"; NULL out of range. */
NCM_API const char *ncm_vowel_baseline_name(ncm_vowel_baseline_kind k);

/* Parameters of the baselines (the MLP's; the others have none). A plain value. */
typedef struct {
    int hidden;        /* MLP hidden units, 1 .. 1024 (default 16) */
    int epochs;        /* MLP epochs of full-batch Adam (default 2000) */
    double lr;         /* MLP Adam learning rate (default 0.01) */
    double l2;         /* MLP weight decay (default 1e-2) */
    uint64_t seed;     /* MLP initial weights (default 1) */
} ncm_vowel_baseline_params;

NCM_API void ncm_vowel_baseline_default(ncm_vowel_baseline_params *p);

/* The result of a baseline trained on one set and scored on another. */
typedef struct {
    ncm_vowel_baseline_kind kind;
    double train_accuracy, test_accuracy;
    int n_classes;
    int64_t confusion[NCM_VOWEL_N * NCM_VOWEL_N]; /* test set: [true * n_classes + predicted] */
} ncm_vowel_baseline_result;

/* Trains baseline `kind` on `train` and scores it on both sets (the same selection: classes and
 * features). The result depends only on the sets, the parameters and kind, never on the thread
 * count. NCM_ERR_ARG for sets of different selections, a class with fewer tokens than the
 * Gaussian needs (n_features + 1), or bad parameters (naming the field). */
NCM_API ncm_status ncm_vowel_baseline(ncm_vowel_baseline_kind kind, const ncm_vowel_set *train,
                                      const ncm_vowel_set *test,
                                      const ncm_vowel_baseline_params *p,
                                      ncm_vowel_baseline_result *out, ncm_error *err);

/* ---- a study: the network beside its ablations and the software baselines ----------------------- */

/* The configured network trained and scored on one split, beside the same network with coupling
 * off (w_mhz = 0; NULL when the configuration is already uncoupled), its untrained scores (in
 * net->train_init, test_init) and the three software baselines on the same features and split.
 * Allocated by ncm_vowel_study_new, released by ncm_vowel_study_free (NULL accepted). */
typedef struct {
    ncm_vowel_training *net;
    ncm_vowel_training *uncoupled;
    int n_baselines;
    ncm_vowel_baseline_result baseline[3]; /* centroid, Gaussian, MLP */
    int64_t n_train, n_test;
    int n_train_speakers, n_test_speakers;
    char train_source[256], test_source[256];
} ncm_vowel_study;

/* Trains the network (and its uncoupled twin) and the baselines (bp NULL: their defaults) on
 * train, scores all on train and test. Progress: the network's, then the twin's. */
NCM_API ncm_vowel_study *ncm_vowel_study_new(const ncm_vowel_config *c,
                                             const ncm_vowel_set *train,
                                             const ncm_vowel_set *test,
                                             const ncm_vowel_baseline_params *bp, int threads,
                                             const ncm_progress *progress, ncm_error *err);
/* ncm_vowel_study_new, crash-safe: both trainings keep their epochs in one checkpoint file (as
 * ncm_vowel_train_checkpointed; stages "network" and "uncoupled"). */
NCM_API ncm_vowel_study *ncm_vowel_study_new_checkpointed(
    const ncm_vowel_config *c, const ncm_vowel_set *train, const ncm_vowel_set *test,
    const ncm_vowel_baseline_params *bp, int threads, const char *checkpoint, int resume,
    const ncm_progress *progress, ncm_error *err);
NCM_API void ncm_vowel_study_free(ncm_vowel_study *s);
/* The comparison table (train and test accuracy of every entry), the learned currents and
 * frequencies, the targets, the network's test confusion matrix, and its timing. */
NCM_API ncm_status ncm_vowel_study_print(const ncm_vowel_study *s, FILE *f, ncm_error *err);
/* The study as JSON (format "nanocim-vowel-result", version 1), atomically: "model" (what
 * ncm_vowel_model_load reads back), "train" and "test" (accuracy, undecided, confusion),
 * "untrained" and "calibrated" (the calibration step alone; null without learning), "uncoupled",
 * "baselines", "curve" (per epoch: training accuracy, on-line
 * mismatch), "data" (sources, tokens, speakers) and "timing" (seconds, runs, oscillator-steps,
 * simulated ns per sample). */
NCM_API ncm_status ncm_vowel_study_save_json(const ncm_vowel_study *s, const char *path,
                                             ncm_error *err);

/* ---- robustness: accuracy against temperature and device spread --------------------------------- */

typedef enum {
    NCM_VOWEL_SWEEP_TEMPERATURE = 0, /* the device's temperature_k, K (>= 0) */
    NCM_VOWEL_SWEEP_SPREAD = 1       /* a factor on the device's three spread sigmas (>= 0) */
} ncm_vowel_sweep_kind;

/* "temperature_k", "spread_scale"; NULL out of range. */
NCM_API const char *ncm_vowel_sweep_name(ncm_vowel_sweep_kind k);

/* One training per value (design, calibration and on-line learning redone at that condition,
 * the same chip seed): read-only fields. */
typedef struct {
    ncm_vowel_sweep_kind kind;
    int n;
    double *value;          /* [n] */
    double *train_accuracy; /* [n] the learned network */
    double *test_accuracy;  /* [n] */
    double *untrained_test_accuracy; /* [n] at the nominal currents */
    double seconds;
} ncm_vowel_sweep;

/* NULL (and err filled) on failure: a value out of range (naming it), 1 to 1000 values. Progress:
 * task "vowel sweep", in points. Results do not depend on the thread count. */
NCM_API ncm_vowel_sweep *ncm_vowel_sweep_new(const ncm_vowel_config *c, const ncm_vowel_set *train,
                                             const ncm_vowel_set *test, ncm_vowel_sweep_kind kind,
                                             const double *values, int n, int threads,
                                             const ncm_progress *progress, ncm_error *err);
NCM_API void ncm_vowel_sweep_free(ncm_vowel_sweep *s);
/* A table: the value, train and test accuracy (%), untrained test accuracy (%). */
NCM_API ncm_status ncm_vowel_sweep_print(const ncm_vowel_sweep *s, FILE *f, ncm_error *err);
/* The same as CSV, atomically: header "<name>,train_accuracy,test_accuracy,
 * untrained_test_accuracy", fractions in [0, 1]. */
NCM_API ncm_status ncm_vowel_sweep_save_csv(const ncm_vowel_sweep *s, const char *path,
                                            ncm_error *err);

#ifdef __cplusplus
}
#endif
#endif
