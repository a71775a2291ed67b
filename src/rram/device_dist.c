/* Distribution functions of the RRAM model: Student-t tail through the regularized incomplete
 * beta function (GSL is not a dependency), the ziggurat normal sampler's tables and slow paths,
 * and the gamma sampler behind the t family's draws (see src/rram/device_internal.h). */
#include "rram/device_internal.h"

#include <threads.h>

/* ---- incomplete beta and the t tail ---------------------------------------------------------- */

/* Continued fraction of I_x(a, b) (Abramowitz and Stegun 26.5.8), evaluated by the modified
 * Lentz method (Press et al., Numerical Recipes, 3rd ed., section 6.4); converges fast for
 * x < (a + 1) / (a + b + 2). */
static double betainc_cf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 1000; m++) {
        /* even step: d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        double num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        d = 1.0 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        /* odd step: d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        num = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        d = 1.0 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < eps)
            break;
    }
    return h;
}

static double lbeta(double a, double b)
{
    int s; /* lgamma_r: glibc's reentrant lgamma (lgamma writes the global signgam) */
    return lgamma_r(a, &s) + lgamma_r(b, &s) - lgamma_r(a + b, &s);
}

double ncm_betainc(double a, double b, double x, double y)
{
    if (x <= 0.0)
        return 0.0;
    if (y <= 0.0)
        return 1.0;
    /* x^a y^b / (a B(a, b)) times the fraction; the symmetry I_x(a, b) = 1 - I_y(b, a) keeps the
     * fraction in its fast region. */
    double front = exp(a * log(x) + b * log(y) - lbeta(a, b));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * betainc_cf(a, b, x) / a;
    return 1.0 - front * betainc_cf(b, a, y) / b;
}

/* P(T > t) = 0.5 I_{nu / (nu + t^2)}(nu / 2, 1 / 2) for t >= 0 (Abramowitz and Stegun 26.7.1 and
 * 26.5.27); symmetric for t < 0. */
double ncm_student_t_sf(double t, double nu)
{
    if (isinf(t))
        return t > 0 ? 0.0 : 1.0;
    double t2 = t * t;
    double x = nu / (nu + t2), y = t2 / (nu + t2);
    double half_tail = 0.5 * ncm_betainc(0.5 * nu, 0.5, x, y);
    return t >= 0 ? half_tail : 1.0 - half_tail;
}

/* ---- ziggurat normal ------------------------------------------------------------------------- */

/* Marsaglia and Tsang (2000), 128 layers: r = start of the tail, v = area of each layer. */
static const double ZIG_R = 3.442619855899, ZIG_V = 9.91256303526217e-3;

double ncm_zig_x[129], ncm_zig_f[129];
static once_flag zig_once = ONCE_FLAG_INIT;

static void zig_build(void)
{
    ncm_zig_x[0] = ZIG_V / exp(-0.5 * ZIG_R * ZIG_R); /* base strip: rectangle plus the tail */
    ncm_zig_x[1] = ZIG_R;
    for (int i = 1; i < 127; i++) {
        double xi = ncm_zig_x[i];
        ncm_zig_x[i + 1] = sqrt(-2.0 * log(ZIG_V / xi + exp(-0.5 * xi * xi)));
    }
    ncm_zig_x[128] = 0.0;
    for (int i = 0; i <= 128; i++)
        ncm_zig_f[i] = exp(-0.5 * ncm_zig_x[i] * ncm_zig_x[i]);
    ncm_zig_f[0] = 0.0; /* the base strip starts at height 0 */
}

void ncm_zig_init(void)
{
    call_once(&zig_once, zig_build);
}

double ncm_zig_slow(ncm_rng *r, uint32_t w)
{
    for (;;) {
        int i = (int)(w & 127);
        double sign = (w & 128) ? -1.0 : 1.0;
        double z = (double)(w >> 8) * 0x1p-24 * ncm_zig_x[i];
        if (z < ncm_zig_x[i + 1])
            return sign * z;
        if (i == 0) { /* tail beyond r (Marsaglia, Ann. Math. Stat. 35, 1964) */
            double a, b;
            do {
                a = -log(ncm_u01_32(r)) / ZIG_R;
                b = -log(ncm_u01_32(r));
            } while (b + b < a * a);
            return sign * (ZIG_R + a);
        }
        /* wedge: a uniform height in the layer against the density */
        double y = ncm_zig_f[i] + ncm_u01_32(r) * (ncm_zig_f[i + 1] - ncm_zig_f[i]);
        if (y < exp(-0.5 * z * z))
            return sign * z;
        w = ncm_rng_next_u32(r);
    }
}

/* ---- gamma ----------------------------------------------------------------------------------- */

double ncm_gamma(ncm_rng *r, double a)
{
    if (a < 1.0) /* boost: Gamma(a) = Gamma(a + 1) U^(1/a) */
        return ncm_gamma(r, a + 1.0) * pow(ncm_u01_32(r), 1.0 / a);
    const double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = ncm_zig_normal(r), v = 1.0 + c * x;
        if (v <= 0.0)
            continue;
        v = v * v * v;
        double u = ncm_u01_32(r), x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2) /* squeeze */
            return d * v;
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v)))
            return d * v;
    }
}
