/* The software baselines of the vowel task (include/nanocim/vowel.h; described in docs/vowels.md,
 * "Baselines"): the classifiers the oscillator network of Romera et al. (Nature 563, 230 (2018))
 * is compared with, trained on one vowel set and scored on another with the same selection.
 * - nearest centroid: features standardised on the training set, class means in that space,
 *   nearest by Euclidean distance;
 * - Gaussian: one normal per class with its own mean and full (unbiased) covariance on the raw
 *   features, equal priors, maximum log-likelihood through a Cholesky factorisation;
 * - MLP: standardised inputs, one hidden layer of tanh units, softmax output, cross-entropy plus
 *   l2 weight decay, full-batch Adam (Kingma and Ba, ICLR 2015), Glorot-normal initial weights
 *   from Philox.
 * Everything is serial double-precision arithmetic in a fixed order, so a result depends only on
 * the sets, the parameters and the kind (never on the thread count). The sets are a few hundred
 * tokens of 1-3 features and at most 12 classes: plain loops suffice. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nanocim/rng.h"
#include "nanocim/vowel.h"

enum { MAX_HIDDEN = 1024, MAX_EPOCHS = 1000000 };

/* Hillenbrand's vowel codes in the order of vowel.h, for messages only (kept here so that this
 * file does not depend on the data module). */
static const char *const k_code[NCM_VOWEL_N] = {"ae", "ah", "aw", "eh", "er", "ei",
                                                "ih", "iy", "oa", "oo", "uh", "uw"};

static const char *code_of(int v)
{
    return v >= 0 && v < NCM_VOWEL_N ? k_code[v] : "?";
}

const char *ncm_vowel_baseline_name(ncm_vowel_baseline_kind k)
{
    switch (k) {
    case NCM_VOWEL_CENTROID: return "nearest-centroid";
    case NCM_VOWEL_GAUSSIAN: return "gaussian";
    case NCM_VOWEL_MLP: return "mlp";
    }
    return NULL;
}

void ncm_vowel_baseline_default(ncm_vowel_baseline_params *p)
{
    p->hidden = 16;
    p->epochs = 2000;
    p->lr = 0.01;
    p->l2 = 1e-2; /* 1e-4 overfits the task's ~170 training tokens (train 92 %, test 81 %) */
    p->seed = 1;
}

static ncm_status check_params(const ncm_vowel_baseline_params *p, ncm_error *err)
{
    if (p->hidden < 1 || p->hidden > MAX_HIDDEN)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "ncm_vowel_baseline_params.hidden = %d: expected 1 to %d", p->hidden,
                             MAX_HIDDEN);
    if (p->epochs < 1 || p->epochs > MAX_EPOCHS)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "ncm_vowel_baseline_params.epochs = %d: expected 1 to %d", p->epochs,
                             MAX_EPOCHS);
    if (!(p->lr > 0.0) || !isfinite(p->lr))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "ncm_vowel_baseline_params.lr = %g: expected a finite rate > 0",
                             p->lr);
    if (!(p->l2 >= 0.0) || !isfinite(p->l2))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "ncm_vowel_baseline_params.l2 = %g: expected a finite decay >= 0",
                             p->l2);
    return NCM_OK;
}

/* The shape of one set: sizes in range, the selection consistent with them, arrays present. */
static ncm_status check_shape(const ncm_vowel_set *s, const char *name, ncm_error *err)
{
    if (s->n < 1)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.n = %lld: expected at least one token", name,
                             (long long)s->n);
    if (s->n_classes < 1 || s->n_classes > NCM_VOWEL_N)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.n_classes = %d: expected 1 to %d", name,
                             s->n_classes, NCM_VOWEL_N);
    if (s->n_features < 1 || s->n_features > NCM_VOWEL_MAX_FORMANTS)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.n_features = %d: expected 1 to %d", name,
                             s->n_features, NCM_VOWEL_MAX_FORMANTS);
    if (s->select.n_vowels != s->n_classes)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.select.n_vowels = %d: expected n_classes = %d",
                             name, s->select.n_vowels, s->n_classes);
    if (s->select.n_formants != s->n_features)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s.select.n_formants = %d: expected n_features = %d", name,
                             s->select.n_formants, s->n_features);
    for (int k = 0; k < s->n_classes; k++)
        if (s->select.vowels[k] < 0 || s->select.vowels[k] >= NCM_VOWEL_N)
            return ncm_error_set(err, NCM_ERR_ARG, "%s.select.vowels[%d] = %d: expected 0 to %d",
                                 name, k, s->select.vowels[k], NCM_VOWEL_N - 1);
    for (int f = 0; f < s->n_features; f++)
        if (s->select.formants[f] < 0 || s->select.formants[f] >= NCM_VOWEL_MAX_FORMANTS)
            return ncm_error_set(err, NCM_ERR_ARG, "%s.select.formants[%d] = %d: expected 0 to %d",
                                 name, f, s->select.formants[f], NCM_VOWEL_MAX_FORMANTS - 1);
    if (!s->x || !s->label)
        return ncm_error_set(err, NCM_ERR_ARG, "%s.%s = NULL: expected %lld entries", name,
                             !s->x ? "x" : "label", (long long)s->n);
    return NCM_OK;
}

/* The same classes and features in the same order (the speaker groups may differ: training on
 * one group and testing on another is a legitimate experiment). */
static ncm_status check_same(const ncm_vowel_set *a, const ncm_vowel_set *b, ncm_error *err)
{
    if (a->n_classes != b->n_classes)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "train.n_classes = %d, test.n_classes = %d: the two sets must have "
                             "the same selection",
                             a->n_classes, b->n_classes);
    if (a->n_features != b->n_features)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "train.n_features = %d, test.n_features = %d: the two sets must "
                             "have the same selection",
                             a->n_features, b->n_features);
    for (int k = 0; k < a->n_classes; k++)
        if (a->select.vowels[k] != b->select.vowels[k])
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "train.select.vowels[%d] = %d (%s), test.select.vowels[%d] = %d "
                                 "(%s): the two sets must select the same vowels in the same "
                                 "order",
                                 k, a->select.vowels[k], code_of(a->select.vowels[k]), k,
                                 b->select.vowels[k], code_of(b->select.vowels[k]));
    for (int f = 0; f < a->n_features; f++)
        if (a->select.formants[f] != b->select.formants[f])
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "train.select.formants[%d] = %d (F%d), test.select.formants[%d] "
                                 "= %d (F%d): the two sets must select the same formants in the "
                                 "same order",
                                 f, a->select.formants[f], a->select.formants[f] + 1, f,
                                 b->select.formants[f], b->select.formants[f] + 1);
    return NCM_OK;
}

/* Finite features and labels in range. */
static ncm_status check_values(const ncm_vowel_set *s, const char *name, ncm_error *err)
{
    const int64_t m = s->n * s->n_features;
    for (int64_t j = 0; j < m; j++)
        if (!isfinite(s->x[j]))
            return ncm_error_set(err, NCM_ERR_DATA, "%s.x[%lld] = %g: features must be finite",
                                 name, (long long)j, s->x[j]);
    for (int64_t i = 0; i < s->n; i++)
        if (s->label[i] < 0 || s->label[i] >= s->n_classes)
            return ncm_error_set(err, NCM_ERR_DATA, "%s.label[%lld] = %d: expected 0 to %d", name,
                                 (long long)i, (int)s->label[i], s->n_classes - 1);
    return NCM_OK;
}

/* A trained classifier of any kind. */
typedef struct {
    ncm_vowel_baseline_kind kind;
    int d, k;                                                      /* features, classes */
    double mu[NCM_VOWEL_MAX_FORMANTS], sd[NCM_VOWEL_MAX_FORMANTS]; /* standardisation */
    double centre[NCM_VOWEL_N * NCM_VOWEL_MAX_FORMANTS]; /* [k][d]: centroids (standardised)
                                                          * or Gaussian means (raw) */
    double chol[NCM_VOWEL_N * NCM_VOWEL_MAX_FORMANTS * NCM_VOWEL_MAX_FORMANTS]; /* [k][d][d] L */
    double half_logdet[NCM_VOWEL_N]; /* sum_j log L_jj = log det(S_k) / 2 */
    int hidden;
    double *theta; /* MLP: W1 [h][d], b1 [h], W2 [k][h], b2 [k] */
    double *act;   /* MLP scratch: [hidden] */
} model;

/* The training set's per-feature mean and population standard deviation (1/n); a constant
 * feature keeps the scale 1 (it then only shifts). z = (x - mu) / sd. */
static void fit_standardiser(model *m, const ncm_vowel_set *s)
{
    for (int f = 0; f < m->d; f++) {
        double sum = 0.0;
        for (int64_t i = 0; i < s->n; i++)
            sum += s->x[i * m->d + f];
        const double mu = sum / (double)s->n;
        double ss = 0.0;
        for (int64_t i = 0; i < s->n; i++) {
            const double e = s->x[i * m->d + f] - mu;
            ss += e * e;
        }
        const double sd = sqrt(ss / (double)s->n);
        m->mu[f] = mu;
        m->sd[f] = sd > 0.0 ? sd : 1.0;
    }
}

static void standardise(const model *m, const double *x, double *z)
{
    for (int f = 0; f < m->d; f++)
        z[f] = (x[f] - m->mu[f]) / m->sd[f];
}

static int64_t class_count(const ncm_vowel_set *s, int c)
{
    int64_t n = 0;
    for (int64_t i = 0; i < s->n; i++)
        n += s->label[i] == c;
    return n;
}

static ncm_status fit_centroid(model *m, const ncm_vowel_set *s, ncm_error *err)
{
    fit_standardiser(m, s);
    for (int c = 0; c < m->k; c++) {
        const int64_t nc = class_count(s, c);
        if (nc == 0)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "class %d (%s) has no token in the training set: the nearest-"
                                 "centroid rule needs at least one",
                                 c, code_of(s->select.vowels[c]));
        double sum[NCM_VOWEL_MAX_FORMANTS] = {0};
        for (int64_t i = 0; i < s->n; i++)
            if (s->label[i] == c) {
                double z[NCM_VOWEL_MAX_FORMANTS];
                standardise(m, s->x + i * m->d, z);
                for (int f = 0; f < m->d; f++)
                    sum[f] += z[f];
            }
        for (int f = 0; f < m->d; f++)
            m->centre[c * m->d + f] = sum[f] / (double)nc;
    }
    return NCM_OK;
}

static int predict_centroid(const model *m, const double *x)
{
    double z[NCM_VOWEL_MAX_FORMANTS];
    standardise(m, x, z);
    int best = 0;
    double best_d2 = INFINITY;
    for (int c = 0; c < m->k; c++) {
        double d2 = 0.0;
        for (int f = 0; f < m->d; f++) {
            const double e = z[f] - m->centre[c * m->d + f];
            d2 += e * e;
        }
        if (d2 < best_d2) /* strict: a tie goes to the lower class index */
            best = c, best_d2 = d2;
    }
    return best;
}

/* Per class: the mean, the unbiased covariance S = sum (x - m)(x - m)^T / (n_c - 1) and its
 * Cholesky factor S = L L^T (Golub and Van Loan, Alg. 4.2.1). A pivot that is not positive, or
 * below 1e-12 of its diagonal entry (correlation |rho| > 1 - 5e-13 in two dimensions), means the
 * covariance is singular to working precision. */
static ncm_status fit_gaussian(model *m, const ncm_vowel_set *s, ncm_error *err)
{
    const int d = m->d;
    for (int c = 0; c < m->k; c++) {
        const int64_t nc = class_count(s, c);
        if (nc < d + 1)
            return ncm_error_set(err, NCM_ERR_ARG,
                                 "class %d (%s) has %lld training tokens: the Gaussian classifier "
                                 "needs at least n_features + 1 = %d",
                                 c, code_of(s->select.vowels[c]), (long long)nc, d + 1);
        double *mean = m->centre + c * d;
        double sum[NCM_VOWEL_MAX_FORMANTS] = {0};
        for (int64_t i = 0; i < s->n; i++)
            if (s->label[i] == c)
                for (int f = 0; f < d; f++)
                    sum[f] += s->x[i * d + f];
        for (int f = 0; f < d; f++)
            mean[f] = sum[f] / (double)nc;
        double cov[NCM_VOWEL_MAX_FORMANTS * NCM_VOWEL_MAX_FORMANTS] = {0};
        for (int64_t i = 0; i < s->n; i++)
            if (s->label[i] == c)
                for (int a = 0; a < d; a++)
                    for (int b = 0; b <= a; b++)
                        cov[a * d + b] += (s->x[i * d + a] - mean[a]) * (s->x[i * d + b] - mean[b]);
        for (int a = 0; a < d; a++)
            for (int b = 0; b <= a; b++)
                cov[a * d + b] /= (double)(nc - 1);
        double *L = m->chol + c * d * d;
        memset(L, 0, sizeof(double) * (size_t)(d * d));
        double half_logdet = 0.0;
        for (int j = 0; j < d; j++) {
            double piv = cov[j * d + j];
            for (int q = 0; q < j; q++)
                piv -= L[j * d + q] * L[j * d + q];
            if (!(piv > 1e-12 * cov[j * d + j]) || !isfinite(piv))
                return ncm_error_set(err, NCM_ERR_ARG,
                                     "class %d (%s): the covariance of its %lld training tokens is "
                                     "not positive definite (collinear or constant features); the "
                                     "Gaussian classifier cannot use it",
                                     c, code_of(s->select.vowels[c]), (long long)nc);
            const double ljj = sqrt(piv);
            L[j * d + j] = ljj;
            half_logdet += log(ljj);
            for (int i = j + 1; i < d; i++) {
                double v = cov[i * d + j];
                for (int q = 0; q < j; q++)
                    v -= L[i * d + q] * L[j * d + q];
                L[i * d + j] = v / ljj;
            }
        }
        m->half_logdet[c] = half_logdet;
    }
    return NCM_OK;
}

/* log N(x; m_c, S_c) + (d/2) log 2 pi = -|L^-1 (x - m_c)|^2 / 2 - log det(S_c) / 2. */
static int predict_gaussian(const model *m, const double *x)
{
    const int d = m->d;
    int best = 0;
    double best_ll = -INFINITY;
    for (int c = 0; c < m->k; c++) {
        const double *mean = m->centre + c * d, *L = m->chol + c * d * d;
        double y[NCM_VOWEL_MAX_FORMANTS], q = 0.0;
        for (int i = 0; i < d; i++) { /* forward substitution L y = x - m */
            double v = x[i] - mean[i];
            for (int j = 0; j < i; j++)
                v -= L[i * d + j] * y[j];
            y[i] = v / L[i * d + i];
            q += y[i] * y[i];
        }
        const double ll = -0.5 * q - m->half_logdet[c];
        if (ll > best_ll) /* strict: a tie goes to the lower class index */
            best = c, best_ll = ll;
    }
    return best;
}

/* ---- MLP --------------------------------------------------------------------------------------
 * z (d standardised inputs) -> a = tanh(W1 z + b1) (h units) -> o = W2 a + b2 (k logits) ->
 * p = softmax(o). Loss over the n training tokens (labels y_i):
 *   J = (1/n) sum_i -log p_{y_i}(z_i) + (l2 / 2) (|W1|^2 + |W2|^2)   (biases not decayed)
 * Gradients: dJ/do = (p - e_y) / n; dJ/dW2 = sum delta a^T + l2 W2; dJ/da = W2^T delta;
 * dJ/d(pre-activation) = dJ/da (1 - a^2); dJ/dW1 = sum ... z^T + l2 W1.
 * Adam: g the full-batch gradient at step t = 1 .. epochs,
 *   m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 *   theta -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), b1 0.9, b2 0.999, eps 1e-8. */

typedef struct {
    int d, h, k;
    size_t w1, b1, w2, b2, size; /* offsets into theta */
} mlp_layout;

static mlp_layout layout(int d, int h, int k)
{
    mlp_layout l;
    l.d = d, l.h = h, l.k = k;
    l.w1 = 0;
    l.b1 = l.w1 + (size_t)h * (size_t)d;
    l.w2 = l.b1 + (size_t)h;
    l.b2 = l.w2 + (size_t)k * (size_t)h;
    l.size = l.b2 + (size_t)k;
    return l;
}

/* tanh(s) = 1 - 2 / (1 + e^(2 s)): the same function as libm's tanh to an absolute 4e-16, at
 * about half its cost (the hidden units' tanh dominates training); e^(2 s) = inf gives 1. */
static double fast_tanh(double s)
{
    return 1.0 - 2.0 / (1.0 + exp(2.0 * s));
}

/* Forward pass of one input: hidden activations into a[h], logits into o[k]. */
static void mlp_forward(const mlp_layout *l, const double *th, const double *z, double *a,
                        double *o)
{
    for (int j = 0; j < l->h; j++) {
        double s = th[l->b1 + (size_t)j];
        for (int f = 0; f < l->d; f++)
            s += th[l->w1 + (size_t)j * (size_t)l->d + (size_t)f] * z[f];
        a[j] = fast_tanh(s);
    }
    for (int c = 0; c < l->k; c++) {
        double s = th[l->b2 + (size_t)c];
        for (int j = 0; j < l->h; j++)
            s += th[l->w2 + (size_t)c * (size_t)l->h + (size_t)j] * a[j];
        o[c] = s;
    }
}

static ncm_status fit_mlp(model *m, const ncm_vowel_set *s, const ncm_vowel_baseline_params *p,
                          ncm_error *err)
{
    fit_standardiser(m, s);
    const int d = m->d, h = p->hidden, k = m->k;
    const int64_t n = s->n;
    const mlp_layout l = layout(d, h, k);
    m->hidden = h;
    m->theta = calloc(l.size, sizeof(double));
    m->act = calloc((size_t)h, sizeof(double));
    double *g = calloc(l.size, sizeof(double));
    double *am = calloc(l.size, sizeof(double)), *av = calloc(l.size, sizeof(double));
    double *z = malloc(sizeof(double) * (size_t)n * (size_t)d);
    double *da = malloc(sizeof(double) * (size_t)h);
    if (!m->theta || !m->act || !g || !am || !av || !z || !da) {
        free(g), free(am), free(av), free(z), free(da);
        return ncm_error_set(err, NCM_ERR_NOMEM,
                             "the MLP of %d hidden units on %lld tokens: out of memory", h,
                             (long long)n);
    }
    for (int64_t i = 0; i < n; i++)
        standardise(m, s->x + i * d, z + i * d);

    /* Glorot (Xavier) normal initialisation, Glorot and Bengio, AISTATS 2010: weights of a layer
     * of fan-in a and fan-out b drawn from N(0, 2 / (a + b)); biases 0. Philox stream 0 of the
     * seed, W1 then W2 in row-major order. */
    ncm_rng r;
    ncm_rng_init(&r, p->seed, 0);
    double *th = m->theta;
    const double s1 = sqrt(2.0 / (double)(d + h)), s2 = sqrt(2.0 / (double)(h + k));
    for (size_t q = l.w1; q < l.b1; q++)
        th[q] = s1 * ncm_rng_normal(&r);
    for (size_t q = l.w2; q < l.b2; q++)
        th[q] = s2 * ncm_rng_normal(&r);

    const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, inv_n = 1.0 / (double)n;
    double beta1_t = 1.0, beta2_t = 1.0;
    double a[MAX_HIDDEN], o[NCM_VOWEL_N];
    for (int t = 1; t <= p->epochs; t++) {
        memset(g, 0, sizeof(double) * l.size);
        for (int64_t i = 0; i < n; i++) {
            const double *zi = z + i * d;
            mlp_forward(&l, th, zi, a, o);
            double omax = o[0];
            for (int c = 1; c < k; c++)
                omax = o[c] > omax ? o[c] : omax;
            double se = 0.0;
            for (int c = 0; c < k; c++)
                se += (o[c] = exp(o[c] - omax));
            for (int j = 0; j < h; j++)
                da[j] = 0.0;
            for (int c = 0; c < k; c++) {
                const double delta = (o[c] / se - (c == s->label[i] ? 1.0 : 0.0)) * inv_n;
                double *gw2 = g + l.w2 + (size_t)c * (size_t)h;
                const double *w2 = th + l.w2 + (size_t)c * (size_t)h;
                for (int j = 0; j < h; j++) {
                    gw2[j] += delta * a[j];
                    da[j] += delta * w2[j];
                }
                g[l.b2 + (size_t)c] += delta;
            }
            for (int j = 0; j < h; j++) {
                const double dpre = da[j] * (1.0 - a[j] * a[j]);
                double *gw1 = g + l.w1 + (size_t)j * (size_t)d;
                for (int f = 0; f < d; f++)
                    gw1[f] += dpre * zi[f];
                g[l.b1 + (size_t)j] += dpre;
            }
        }
        for (size_t q = l.w1; q < l.b1; q++)
            g[q] += p->l2 * th[q];
        for (size_t q = l.w2; q < l.b2; q++)
            g[q] += p->l2 * th[q];
        beta1_t *= beta1, beta2_t *= beta2;
        const double c1 = 1.0 / (1.0 - beta1_t), c2 = 1.0 / (1.0 - beta2_t);
        for (size_t q = 0; q < l.size; q++) {
            am[q] = beta1 * am[q] + (1.0 - beta1) * g[q];
            av[q] = beta2 * av[q] + (1.0 - beta2) * g[q] * g[q];
            th[q] -= p->lr * (am[q] * c1) / (sqrt(av[q] * c2) + eps);
        }
    }
    free(g), free(am), free(av), free(z), free(da);
    return NCM_OK;
}

static int predict_mlp(const model *m, const double *x)
{
    const mlp_layout l = layout(m->d, m->hidden, m->k);
    double z[NCM_VOWEL_MAX_FORMANTS], o[NCM_VOWEL_N];
    standardise(m, x, z);
    mlp_forward(&l, m->theta, z, m->act, o);
    int best = 0; /* the largest logit is the largest probability; ties to the lower index */
    for (int c = 1; c < m->k; c++)
        if (o[c] > o[best])
            best = c;
    return best;
}

static int predict(const model *m, const double *x)
{
    switch (m->kind) {
    case NCM_VOWEL_CENTROID: return predict_centroid(m, x);
    case NCM_VOWEL_GAUSSIAN: return predict_gaussian(m, x);
    case NCM_VOWEL_MLP: break;
    }
    return predict_mlp(m, x);
}

/* The fraction of tokens of s classified correctly; the confusion counts if conf != NULL. */
static double score(const model *m, const ncm_vowel_set *s, int64_t *conf)
{
    int64_t right = 0;
    for (int64_t i = 0; i < s->n; i++) {
        const int c = predict(m, s->x + i * m->d);
        right += c == s->label[i];
        if (conf)
            conf[s->label[i] * m->k + c]++;
    }
    return (double)right / (double)s->n;
}

ncm_status ncm_vowel_baseline(ncm_vowel_baseline_kind kind, const ncm_vowel_set *train,
                              const ncm_vowel_set *test, const ncm_vowel_baseline_params *p,
                              ncm_vowel_baseline_result *out, ncm_error *err)
{
    if (!train || !test || !p || !out)
        return ncm_error_set(err, NCM_ERR_ARG, "ncm_vowel_baseline: %s = NULL",
                             !train  ? "train"
                             : !test ? "test"
                             : !p    ? "p"
                                     : "out");
    if (!ncm_vowel_baseline_name(kind))
        return ncm_error_set(err, NCM_ERR_ARG,
                             "kind = %d: expected 0 (nearest-centroid), 1 (gaussian) or 2 (mlp)",
                             (int)kind);
    ncm_status st = check_params(p, err);
    if (!st)
        st = check_shape(train, "train", err);
    if (!st)
        st = check_shape(test, "test", err);
    if (!st)
        st = check_same(train, test, err);
    if (!st)
        st = check_values(train, "train", err);
    if (!st)
        st = check_values(test, "test", err);
    if (st)
        return st;

    model m;
    memset(&m, 0, sizeof m);
    m.kind = kind, m.d = train->n_features, m.k = train->n_classes;
    st = kind == NCM_VOWEL_CENTROID   ? fit_centroid(&m, train, err)
         : kind == NCM_VOWEL_GAUSSIAN ? fit_gaussian(&m, train, err)
                                      : fit_mlp(&m, train, p, err);
    if (!st) {
        ncm_vowel_baseline_result r;
        memset(&r, 0, sizeof r);
        r.kind = kind;
        r.n_classes = m.k;
        r.train_accuracy = score(&m, train, NULL);
        r.test_accuracy = score(&m, test, r.confusion);
        *out = r;
    }
    free(m.theta);
    free(m.act);
    return st;
}
