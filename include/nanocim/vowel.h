/* Vowel recognition (Romera et al., "Vowel recognition with four coupled spin-torque
 * nano-oscillators", Nature 563, 230 (2018)): the data and the software baselines. This part of
 * the layer holds
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
 * - the software classifiers the oscillator network is compared with on the same features and
 *   split: nearest centroid, a Gaussian classifier (one full-covariance normal per class) and a
 *   small multilayer perceptron trained by the project.
 * Details, sources and the tests: docs/vowels.md.
 *
 * Objects: a vowel set (ncm_vowel_set) is allocated by ncm_vowel_load, ncm_vowel_synthetic or
 * ncm_vowel_split and released by ncm_vowel_set_free (NULL accepted); its fields are read-only.
 * Selections and baseline parameters are plain values. */
#ifndef NANOCIM_VOWEL_H
#define NANOCIM_VOWEL_H

#include "nanocim/api.h"

#include <stdint.h>

#include "nanocim/error.h"

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

#ifdef __cplusplus
}
#endif
#endif
