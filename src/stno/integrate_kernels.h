/* The integrator's inner kernels (integrate.c), written once and compiled there several times:
 * for the baseline instruction set (x86-64-v2) and, under `#pragma GCC target`, for AVX2 and
 * AVX-512, one variant chosen at run time by the CPU's features. K(name) gives each variant its
 * own names and NCM_STNO_VARIANT (0, 1, 2) its instruction set. The step and the noise work on
 * VL lanes at a time in gcc vector types of the variant's width (VL = 8, 4, 2 doubles: one zmm,
 * ymm or xmm register); the observations loop over a block's lanes and are vectorised by gcc.
 * Every operation is IEEE and nothing is contracted (no fused multiply-add: the baseline has
 * none), so all variants give the same bits. Include only from integrate.c, after the definitions
 * of context, block, philox_keys, phasors_exact and record, with K and NCM_STNO_VARIANT defined. */

/* The vector width of the variant: VL doubles (one zmm, ymm or xmm register), and its types:
 * vd, vu (VL doubles, VL 64-bit words), vf, vu32, vs32 (2 VL floats and 32-bit words), vfh (VL
 * floats). */
#if NCM_STNO_VARIANT == 2
#define VL 8
#elif NCM_STNO_VARIANT == 1
#define VL 4
#else
#define VL 2
#endif
typedef double K(vd_t) __attribute__((vector_size(8 * VL)));
typedef uint64_t K(vu_t) __attribute__((vector_size(8 * VL)));
typedef float K(vf_t) __attribute__((vector_size(8 * VL)));
typedef uint32_t K(vu32_t) __attribute__((vector_size(8 * VL)));
typedef int32_t K(vs32_t) __attribute__((vector_size(8 * VL)));
typedef float K(vfh_t) __attribute__((vector_size(4 * VL)));
#define vd K(vd_t)
#define vu K(vu_t)
#define vf K(vf_t)
#define vu32 K(vu32_t)
#define vs32 K(vs32_t)
#define vfh K(vfh_t)

/* Broadcasts; the 32 x 32 -> 64-bit products of the low halves of a and b (pmuludq); the square
 * root; float to double; the lane indices; the
 * low halves of the 64-bit words of two vectors side by side; the halves of a float vector. All
 * exact or correctly rounded: the same bits in every variant. */
#if NCM_STNO_VARIANT == 2
#define LANES                                                                                      \
    {                                                                                              \
        0, 1, 2, 3, 4, 5, 6, 7                                                                     \
    }
#define LOW32_OF(a, b)                                                                             \
    __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define HALF_LO(x) __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7)
#define HALF_HI(x) __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15)
#define I(name, bits) _mm512_##name
#define PD __m512d
#define PS __m512
#define SI __m512i
#elif NCM_STNO_VARIANT == 1
#define LANES                                                                                      \
    {                                                                                              \
        0, 1, 2, 3                                                                                 \
    }
#define LOW32_OF(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14)
#define HALF_LO(x) __builtin_shufflevector(x, x, 0, 1, 2, 3)
#define HALF_HI(x) __builtin_shufflevector(x, x, 4, 5, 6, 7)
#define I(name, bits) _mm256_##name
#define PD __m256d
#define PS __m256
#define SI __m256i
#else
#define LANES                                                                                      \
    {                                                                                              \
        0, 1                                                                                       \
    }
#define LOW32_OF(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6)
#define HALF_LO(x) __builtin_shufflevector(x, x, 0, 1)
#define HALF_HI(x) __builtin_shufflevector(x, x, 2, 3)
#define I(name, bits) _mm_##name
#define PD __m128d
#define PS __m128
#define SI __m128i
#endif

static inline __attribute__((always_inline)) vd K(bcast_d)(double x)
{
    return (vd)I(set1_pd, )(x);
}

static inline __attribute__((always_inline)) vu K(bcast_u)(uint64_t x)
{
#if NCM_STNO_VARIANT == 2
    return (vu)_mm512_set1_epi64((long long)x);
#else
    return (vu)I(set1_epi64x, )((long long)x);
#endif
}

static inline __attribute__((always_inline)) vf K(bcast_f)(float x)
{
    return (vf)I(set1_ps, )(x);
}

static inline __attribute__((always_inline)) vu32 K(bcast_u32)(uint32_t x)
{
    return (vu32)I(set1_epi32, )((int)x);
}

static inline __attribute__((always_inline)) vu K(mulu32)(vu a, vu b)
{
    return (vu)I(mul_epu32, )((SI)a, (SI)b);
}

static inline __attribute__((always_inline)) vf K(vsqrtf)(vf x)
{
    return (vf)I(sqrt_ps, )((PS)x);
}

static inline __attribute__((always_inline)) vd K(vsqrt)(vd x)
{
    return (vd)I(sqrt_pd, )((PD)x);
}

static inline __attribute__((always_inline)) vd K(half_to_d)(vfh x)
{
#if NCM_STNO_VARIANT == 2
    return (vd)_mm512_cvtps_pd((__m256)x);
#else
    return __builtin_convertvector(x, vd);
#endif
}

static inline __attribute__((always_inline)) vd K(load)(const double *p) /* aligned */
{
    return *(const vd *)__builtin_assume_aligned(p, 8 * VL);
}

static inline __attribute__((always_inline)) void K(store)(double *p, vd x)
{
    *(vd *)__builtin_assume_aligned(p, 8 * VL) = x;
}

static inline __attribute__((always_inline)) vu K(bits)(vd x)
{
    vu u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline __attribute__((always_inline)) vd K(from_bits)(vu u)
{
    vd x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline __attribute__((always_inline)) vu32 K(fbits)(vf x)
{
    vu32 u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline __attribute__((always_inline)) vf K(ffrom_bits)(vu32 u)
{
    vf x;
    memcpy(&x, &u, sizeof x);
    return x;
}

#undef I
#undef PD
#undef PS
#undef SI
#define CD(x) K(bcast_d)(x)
#define CU(x) K(bcast_u)(x)
#define CF(x) K(bcast_f)(x)
#define CU32(x) K(bcast_u32)(x)
#define fbits K(fbits)
#define ffrom_bits K(ffrom_bits)
#define vload K(load)
#define vstore K(store)

/* BODY(N, sc) with the network size N a constant for n <= 8, so that the kernel's loops unroll
 * and its arrays (sc: rows x N vectors on the stack) live in registers; for larger n, N = n and sc
 * in the block's scratch. */
#define BY_SIZE(n, rows, BODY)                                                                     \
    switch (n) {                                                                                   \
    case 1: {                                                                                      \
        vd sc1[rows][1];                                                                           \
        BODY(1, sc1);                                                                              \
    } break;                                                                                       \
    case 2: {                                                                                      \
        vd sc2[rows][2];                                                                           \
        BODY(2, sc2);                                                                              \
    } break;                                                                                       \
    case 3: {                                                                                      \
        vd sc3[rows][3];                                                                           \
        BODY(3, sc3);                                                                              \
    } break;                                                                                       \
    case 4: {                                                                                      \
        vd sc4[rows][4];                                                                           \
        BODY(4, sc4);                                                                              \
    } break;                                                                                       \
    case 5: {                                                                                      \
        vd sc5[rows][5];                                                                           \
        BODY(5, sc5);                                                                              \
    } break;                                                                                       \
    case 6: {                                                                                      \
        vd sc6[rows][6];                                                                           \
        BODY(6, sc6);                                                                              \
    } break;                                                                                       \
    case 7: {                                                                                      \
        vd sc7[rows][7];                                                                           \
        BODY(7, sc7);                                                                              \
    } break;                                                                                       \
    case 8: {                                                                                      \
        vd sc8[rows][8];                                                                           \
        BODY(8, sc8);                                                                              \
    } break;                                                                                       \
    default: BODY(n, (vd(*)[n])w->scratch);                                                        \
    }

/* Philox4x32-10 blocks ctr[g] of the VL lanes' streams (s_lo[g], s_hi[g] = stream id low and high
 * words, one per lane) for g < G, interleaved so that the G chains overlap; key[r] holds the key
 * of round r (from the seed), broadcast. x[g][0..3] get the four 32-bit words of each lane in
 * their low halves (Random123 philox4x32; the same words as ncm_rng, include/nanocim/rng.h). The
 * high halves are
 * left holding garbage: a round reads only the low halves of x0 and x2 (pmuludq) and of x1 and
 * x3 through the low half of the exclusive or. */
static inline __attribute__((always_inline)) void K(philox)(const int G, const uint64_t *ctr,
                                                            const uint64_t (*key)[2],
                                                            const vu *s_lo, const vu *s_hi,
                                                            vu (*x)[4])
{
    vu x0[NOISE_G], x1[NOISE_G], x2[NOISE_G], x3[NOISE_G]; /* G <= NOISE_G */
    for (int g = 0; g < G; g++) {
        x0[g] = K(bcast_u)(ctr[g]), x1[g] = K(bcast_u)(ctr[g] >> 32);
        x2[g] = s_lo[g], x3[g] = s_hi[g];
    }
#pragma GCC unroll 10
    for (int round = 0; round < 10; round++)
        for (int g = 0; g < G; g++) {
            vu p0 = K(mulu32)(x0[g], CU(NCM_STNO_PHILOX_M0));
            vu p1 = K(mulu32)(x2[g], CU(NCM_STNO_PHILOX_M1));
            x0[g] = (p1 >> 32) ^ x1[g] ^ CU(key[round][0]);
            x2[g] = (p0 >> 32) ^ x3[g] ^ CU(key[round][1]);
            x1[g] = p1;
            x3[g] = p0;
        }
    for (int g = 0; g < G; g++)
        x[g][0] = x0[g], x[g][1] = x1[g], x[g][2] = x2[g], x[g][3] = x3[g];
}

/* Standard normals in pairs from pairs of 32-bit words a, b, 16 lanes (Box and Muller 1958),
 * in single precision: zc + i zs = sqrt(-2 ln u) exp(i theta) with
 *   u = (floor(a / 2) + 1/2) 2^-31 rounded to a float, in (0, 1]: |z| <= sqrt(64 ln 2) = 6.66
 *       (the tail beyond, 3e-10 of a normal's mass, is not drawn);
 *   ln u = e ln 2 + 2 atanh(s), u = 2^e m, m in [1/sqrt 2, sqrt 2), s = (m - 1)/(m + 1), the
 *       atanh series to s^9 (|s| < 0.172: relative error 2e-9);
 *   theta = 2 pi (q / 4 + (f + 1/2) 2^-24): the quadrant q from the top two bits of b, f from the
 *       next 22; the angle in the quadrant folded to (0, pi/4] and its sine and cosine from their
 *       Taylor series to x^9 and x^10 (errors below 3e-9).
 * Each normal is within a few float roundings (about 1e-6 relative) of the exact transform of
 * its u and theta, far below anything the noise of an oscillator could show. Written with
 * + - * / sqrt, conversions of small integers, bit operations and selects only, without
 * contraction, so that every variant gives the same bits. */
static inline __attribute__((always_inline)) void K(box_muller)(vu32 a, vu32 b, vf *zc, vf *zs)
{
    const vf u = (__builtin_convertvector((vs32)(a >> 1), vf) + CF(0.5f)) * CF(0x1p-31f);
    const vu32 ub = fbits(u);
    vf e = __builtin_convertvector((vs32)(ub >> 23) - (vs32)CU32(127), vf);
    vf m = ffrom_bits((ub & CU32(0x007fffffu)) | CU32(0x3f800000u));
    const vu32 big = (vu32)(m > CF((float)M_SQRT2));
    m = ffrom_bits((big & fbits(m * CF(0.5f))) | (~big & fbits(m)));
    e = e + ffrom_bits(big & fbits(CF(1.0f)));
    const vf s = (m - CF(1.0f)) / (m + CF(1.0f)), z = s * s;
    const vf t =
        (((CF(1.0f / 9.0f) * z + CF(1.0f / 7.0f)) * z + CF(1.0f / 5.0f)) * z + CF(1.0f / 3.0f)) *
            z +
        CF(1.0f);
    const vf r = K(vsqrtf)(CF(-2.0f) * (e * CF((float)M_LN2) + CF(2.0f) * s * t));

    const vu32 q = b >> 30; /* quadrant */
    vf f = __builtin_convertvector((vs32)((b >> 8) & CU32(0x3fffffu)), vf) + CF(0.5f);
    const vu32 fold = (vu32)(f > CF(0x1p21f));
    f = ffrom_bits((fold & fbits(CF(0x1p22f) - f)) | (~fold & fbits(f)));
    const vf x = f * CF((float)(M_PI_2 * 0x1p-22)), x2 = x * x;
    vf pc = CF(-1.0f / 3628800.0f) * x2 + CF(1.0f / 40320.0f);
    pc = pc * x2 + CF(-1.0f / 720.0f);
    pc = pc * x2 + CF(1.0f / 24.0f);
    pc = pc * x2 + CF(-0.5f);
    pc = pc * x2 + CF(1.0f);
    vf ps = CF(1.0f / 362880.0f) * x2 + CF(-1.0f / 5040.0f);
    ps = ps * x2 + CF(1.0f / 120.0f);
    ps = ps * x2 + CF(-1.0f / 6.0f);
    ps = ps * x2 + CF(1.0f);
    ps = ps * x;
    /* the angle in the quadrant is x, or pi/2 - x when folded; quadrant q turns (cos, sin) into
     * (c, s), (-s, c), (-c, -s), (s, -c): a swap when fold and odd q differ, then the signs */
    const vu32 swap = fold ^ ((q & CU32(1u)) != CU32(0u));
    const vu32 c1 = (swap & fbits(ps)) | (~swap & fbits(pc));
    const vu32 s1 = (swap & fbits(pc)) | (~swap & fbits(ps));
    *zc = r * ffrom_bits(c1 ^ (((q + CU32(1u)) & CU32(2u)) << 30));
    *zs = r * ffrom_bits(s1 ^ ((q & CU32(2u)) << 30));
}

/* The two complex normals of one Philox block's words x[0..3] on the VL lanes, as doubles:
 * z[0] + i z[1] from words 0 and 2, z[2] + i z[3] from words 1 and 3. */
static inline __attribute__((always_inline)) void K(normals)(const vu x[4], vd z[4])
{
    /* the low halves of words 0 and 1 (2 and 3) side by side: one permutation */
    const vu32 a = LOW32_OF((vu32)x[0], (vu32)x[1]);
    const vu32 b = LOW32_OF((vu32)x[2], (vu32)x[3]);
    vf zc, zs;
    K(box_muller)(a, b, &zc, &zs);
    z[0] = K(half_to_d)(HALF_LO(zc));
    z[1] = K(half_to_d)(HALF_LO(zs));
    z[2] = K(half_to_d)(HALF_HI(zc));
    z[3] = K(half_to_d)(HALF_HI(zs));
}

/* The Philox stream ids (low and high words) of the VL lanes from stream `first`. */
static inline __attribute__((always_inline)) void K(streams)(uint64_t first, vu *s_lo, vu *s_hi)
{
    const vu stream = K(bcast_u)(first) + (vu)LANES;
    *s_lo = stream & CU(0xffffffffu);
    *s_hi = stream >> 32;
}

/* d_i = sum_k g_ik F_k P_k(t) for the VL lanes from l0, with P_k(t) in (pr, pi). */
static inline __attribute__((always_inline)) void K(drive8)(const context *c, const block *w,
                                                            int l0, const int n, const double *pr,
                                                            const double *pi, vd *restrict dr,
                                                            vd *restrict di)
{
    const int B = w->B, m = c->m;
#pragma GCC unroll 8
    for (int i = 0; i < n; i++)
        dr[i] = di[i] = CD(0.0);
#pragma GCC unroll 8
    for (int k = 0; k < m; k++) {
        const vd f = vload(w->fk + k * B + l0);
        const vd a = vload(pr + k * B + l0), b = vload(pi + k * B + l0);
#pragma GCC unroll 8
        for (int i = 0; i < n; i++) {
            const vd gf = K(bcast_d)(c->gain[i * m + k]) * f;
            dr[i] = dr[i] + gf * a;
            di[i] = di[i] + gf * b;
        }
    }
}

/* The drift a_i(u, t) of oscillator i for the VL lanes from l0, with its input drive d. The
 * coupling sum, which does not depend on p_i, is formed term by term beside the oscillator's own
 * terms, so that the chains are short. */
static inline __attribute__((always_inline)) void
K(drift1)(const context *c, const block *w, int l0, const int n, int i, const vd *restrict ur,
          const vd *restrict ui, vd dr, vd di, vd *ar, vd *ai)
{
    const int o = i * w->B + l0;
    vd sr = dr, si = di;
    if (c->coupled)
#pragma GCC unroll 8
        for (int j = 0; j < n; j++) {
            const vd wc = K(bcast_d)(c->wc[i * n + j]), ws = K(bcast_d)(c->ws[i * n + j]);
            sr = sr + (wc * ur[j] - ws * ui[j]);
            si = si + (ws * ur[j] + wc * ui[j]);
        }
    const vd xr = ur[i], xi = ui[i];
    const vd p = xr * xr + xi * xi;
    const vd g = vload(w->g0 + o) + vload(w->gp + o) * p;       /* G- - G+ */
    const vd om = vload(w->om0 + o) + K(bcast_d)(c->nn[i]) * p; /* w(p) - w_ref */
    *ar = g * xr + (om * xi + sr);
    *ai = g * xi + (si - om * xr);
}

static inline __attribute__((always_inline)) void
K(drift8)(const context *c, const block *w, int l0, const int n, const vd *restrict ur,
          const vd *restrict ui, const vd *restrict dr, const vd *restrict di, vd *restrict ar,
          vd *restrict ai)
{
#pragma GCC unroll 8
    for (int i = 0; i < n; i++)
        K(drift1)(c, w, l0, n, i, ur, ui, dr[i], di[i], &ar[i], &ai[i]);
}

/* One Heun step, from t to t + dt, of the VL lanes from l0, with the noise x drawn by
 * noise_step: the state in registers (or, for large n, in the scratch t). n is a constant in the
 * copies specialised by step_chunks. */
static inline __attribute__((always_inline)) void K(step_vec)(const context *c, block *w, int l0,
                                                              int resync, const int n, vd (*t)[n])
{
    const int B = w->B, m = c->m;
    vd *ur = t[0], *ui = t[1], *xr = t[2], *xi = t[3], *ar = t[4], *ai = t[5], *vr = t[6];
    vd *vi = t[7], *dr = t[8], *di = t[9];
#pragma GCC unroll 8
    for (int i = 0; i < n; i++) {
        ur[i] = vload(w->ur + i * B + l0);
        ui[i] = vload(w->ui + i * B + l0);
    }
#pragma GCC unroll 8
    for (int i = 0; i < n; i++) {
        xr[i] = c->noise ? vload(w->xr + i * B + l0) : CD(0.0);
        xi[i] = c->noise ? vload(w->xi + i * B + l0) : CD(0.0);
    }
    /* predictor: v = u + a(u, t) dt + x */
    K(drive8)(c, w, l0, n, w->pr, w->pi, dr, di);
    K(drift8)(c, w, l0, n, ur, ui, dr, di, ar, ai);
    const vd dt = K(bcast_d)(c->dt);
#pragma GCC unroll 8
    for (int i = 0; i < n; i++) {
        vr[i] = ur[i] + ar[i] * dt + xr[i];
        vi[i] = ui[i] + ai[i] * dt + xi[i];
    }
/* P_k(t + dt) */
#pragma GCC unroll 8
    for (int k = 0; k < m; k++) {
        double *pr = w->pr + k * B + l0, *pi = w->pi + k * B + l0;
        if (resync) {
            vstore(pr, vload(w->pxr + k * B + l0));
            vstore(pi, vload(w->pxi + k * B + l0));
        } else {
            const vd a = vload(pr), b = vload(pi);
            const vd rr = vload(w->rr + k * B + l0), ri = vload(w->ri + k * B + l0);
            vstore(pr, a * rr - b * ri);
            vstore(pi, a * ri + b * rr);
        }
    }
    /* corrector: u' = u + [a(u, t) + a(v, t + dt)] dt / 2 + x */
    K(drive8)(c, w, l0, n, w->pr, w->pi, dr, di);
    const vd h = K(bcast_d)(0.5 * c->dt);
#pragma GCC unroll 8
    for (int i = 0; i < n; i++) {
        vd br, bi;
        K(drift1)(c, w, l0, n, i, vr, vi, dr[i], di[i], &br, &bi);
        vstore(w->ur + i * B + l0, ur[i] + (ar[i] + br) * h + xr[i]);
        vstore(w->ui + i * B + l0, ui[i] + (ai[i] + bi) * h + xi[i]);
    }
}
/* atan2(y, x) on every lane from + - * / and selects only. Octant reduction to |t| <= tan(pi/8),
 * then the Cephes rational approximation of atan (Moshier, Cephes Math Library, atan.c: P/Q of
 * degree 4/5 in t^2); error below 5e-16 rad (tested against libm). atan2(0, 0) = 0; the sign of
 * a zero y is ignored; x and y must be finite. */
static inline __attribute__((always_inline)) vd K(atan2)(vd y, vd x)
{
    const vu sign = CU(UINT64_C(0x8000000000000000));
#define SEL(mask, a, b) K(from_bits)(((mask)&K(bits)(a)) | (~(mask)&K(bits)(b)))
    const vd ax = K(from_bits)(K(bits)(x) & ~sign), ay = K(from_bits)(K(bits)(y) & ~sign);
    const vu xbig = (vu)(ax > ay);
    const vd mx = SEL(xbig, ax, ay), mn = SEL(xbig, ay, ax);
    /* one division: t = mn / mx > tan(pi/8) decided by a product, then tt = t or (t - 1)/(t + 1)
     * as (mn - mx)/(mn + mx); 0 / 1 at the origin */
    const vu big = (vu)(mn > CD(0.41421356237309504880) * mx);
    const vd den0 = mx + K(from_bits)((vu)(mx == CD(0.0)) & K(bits)(CD(1.0)));
    const vd tt = SEL(big, mn - mx, mn) / SEL(big, mn + mx, den0);
    const vd z = tt * tt;
    const vd num = (((CD(-8.750608600031904122785e-1) * z - CD(1.615753718733365076637e1)) * z -
                     CD(7.500855792314704667340e1)) *
                        z -
                    CD(1.228866684490136173410e2)) *
                       z -
                   CD(6.485021904942025371773e1);
    const vd den = ((((z + CD(2.485846490142306297962e1)) * z + CD(1.650270098316988542046e2)) * z +
                     CD(4.328810604912902668951e2)) *
                        z +
                    CD(4.853903996359136964868e2)) *
                       z +
                   CD(1.945506571482613964425e2);
    vd r = SEL(big, CD(M_PI_4), CD(0.0)) + (tt + tt * z * num / den);
    r = SEL((vu)(ay > ax), CD(M_PI_2) - r, r);
    r = SEL((vu)(x < CD(0.0)), CD(M_PI) - r, r);
    return SEL((vu)(y < CD(0.0)), -r, r);
#undef SEL
}

/* 1 where d > th, -1 where d < -th, else 0; th > 0 */
static inline __attribute__((always_inline)) vd K(step_sign)(vd d, double th)
{
    const vu one = K(bits)(CD(1.0));
    return K(from_bits)((vu)(d > CD(th)) & one) - K(from_bits)((vu)(d < CD(-th)) & one);
}

/* The observation of the VL lanes from l0 at time t (see observe); n is a constant in the copies
 * specialised by observe. sc: scratch of 5 x n vectors (u, 1 / |u|, phi, |u|). */
static inline __attribute__((always_inline)) void K(observe_vec)(const context *c, block *w, int l0,
                                                                 double t, int start, int in_window,
                                                                 int lag_now, int first_of_pair,
                                                                 const int n, vd (*sc)[n])
{
    const int B = w->B, m = c->m;
    vd *ur = sc[0], *ui = sc[1], *inv = sc[2], *phi = sc[3], *amp = sc[4];
    /* unwrap: phi -= arg(u q*), q = u; inv = 1 / |u| (0 at u = 0) */
#pragma GCC unroll 8
    for (int i = 0; i < n; i++) {
        const int o = i * B + l0;
        ur[i] = vload(w->ur + o), ui[i] = vload(w->ui + o);
        const vd qr = vload(w->qr + o), qi = vload(w->qi + o);
        const vd x = ur[i] * qr + ui[i] * qi, y = ui[i] * qr - ur[i] * qi;
        phi[i] = vload(w->phi + o) - K(atan2)(y, x);
        vstore(w->phi + o, phi[i]);
        vstore(w->qr + o, ur[i]);
        vstore(w->qi + o, ui[i]);
        amp[i] = K(vsqrt)(ur[i] * ur[i] + ui[i] * ui[i]);
        const vu one = K(bits)(CD(1.0));
        inv[i] = K(from_bits)((vu)(amp[i] > CD(0.0)) & one) /
                 (amp[i] + K(from_bits)((vu)(amp[i] == CD(0.0)) & one));
    }
    if (!start && !in_window)
        return;
    const double thr = SLIP_THRESHOLD;
#pragma GCC unroll 8
    for (int i = 0; i < n; i++) {
        const int o = i * B + l0;
        if (start) {
            vstore(w->phi0 + o, phi[i]);
            vstore(w->lb + o, phi[i]);
        } else {
            vstore(w->sp + o, vload(w->sp + o) + (ur[i] * ur[i] + ui[i] * ui[i]));
            vstore(w->sa + o, vload(w->sa + o) + amp[i]);
        }
        /* against input k: psi = phi - (dw_k t + phi_k); exp(i psi) = conj(u) P_k / |u| */
        for (int k = 0; k < m; k++) {
            const int q = k * B + l0, e = (i * m + k) * B + l0;
            const vd psi = phi[i] - (vload(w->dwk + q) * CD(t) + vload(w->phk + q));
            if (start) {
                vstore(w->ianc + e, psi);
                continue;
            }
            const vd pr = vload(w->pr + q), pi = vload(w->pi + q);
            vstore(w->ipr + e, vload(w->ipr + e) + (ur[i] * pr + ui[i] * pi) * inv[i]);
            vstore(w->ipi + e, vload(w->ipi + e) + (ur[i] * pi - ui[i] * pr) * inv[i]);
            const vd st = K(step_sign)(psi - vload(w->ianc + e), thr);
            vstore(w->ianc + e, vload(w->ianc + e) + CD(2.0 * M_PI) * st);
            vstore(w->islip + e, vload(w->islip + e) +
                                     K(from_bits)(K(bits)(st) & ~CU(UINT64_C(0x8000000000000000))));
        }
        /* against oscillator j > i: psi = phi_i - phi_j; exp(i psi) = conj(u_i) u_j / |u_i u_j| */
#pragma GCC unroll 8
        for (int j = i + 1; j < n; j++) {
            const int e = (i * n + j) * B + l0;
            const vd psi = phi[i] - phi[j];
            if (start) {
                vstore(w->canc + e, psi);
                continue;
            }
            const vd f = inv[i] * inv[j];
            vstore(w->cpr + e, vload(w->cpr + e) + (ur[i] * ur[j] + ui[i] * ui[j]) * f);
            vstore(w->cpi + e, vload(w->cpi + e) + (ur[i] * ui[j] - ui[i] * ur[j]) * f);
            const vd st = K(step_sign)(psi - vload(w->canc + e), thr);
            vstore(w->canc + e, vload(w->canc + e) + CD(2.0 * M_PI) * st);
            vstore(w->cslip + e, vload(w->cslip + e) +
                                     K(from_bits)(K(bits)(st) & ~CU(UINT64_C(0x8000000000000000))));
        }
        /* phase diffusion: increments over lag-sample blocks, and over pairs of them */
        if (lag_now) {
            const vd inc = phi[i] - vload(w->lb + o);
            vstore(w->lb + o, phi[i]);
            vstore(w->s1 + o, vload(w->s1 + o) + inc);
            vstore(w->s2 + o, vload(w->s2 + o) + inc * inc);
            if (first_of_pair) {
                vstore(w->pend + o, inc);
            } else {
                const vd inc2 = vload(w->pend + o) + inc; /* increment over 2 tau */
                vstore(w->t1 + o, vload(w->t1 + o) + inc2);
                vstore(w->t2 + o, vload(w->t2 + o) + inc2 * inc2);
            }
        }
    }
}

/* The observation at step s (time s dt): unwrap, and inside the window accumulate. `start` marks
 * the window's first sample (anchors and start phases), `in_window` the later ones. */
static void K(observe)(const context *c, block *w, int64_t s, int start, int in_window,
                       int64_t sample_in_window, int64_t *blocks_done)
{
    const double t = (double)s * c->dt;
    const int lag_now = in_window && sample_in_window % c->lag == 0;
    const int first = *blocks_done % 2 == 0; /* this lag block is the first of a pair */
    const int nch = (w->nb + VL - 1) / VL;
#define OBSERVE(N, sc)                                                                             \
    for (int ch = 0; ch < nch; ch++)                                                               \
    K(observe_vec)(c, w, ch * VL, t, start, in_window, lag_now, first, N, sc)
    BY_SIZE(c->n, 5, OBSERVE);
#undef OBSERVE
    if (lag_now)
        (*blocks_done)++;
}

/* The noise x of step s for every chunk of VL lanes of the block: oscillators 2j and 2j + 1 from
 * Philox block noise_ctr0 + s ceil(n / 2) + j (for odd n, the last oscillator from the block of
 * the even step, see below), scaled by their sigma. Drawn for the whole block
 * before the step, so that the independent draws overlap in the processor. */
static void K(noise_step)(const context *c, block *w, int64_t s)
{
    enum { G = NOISE_G };
    const int B = w->B, n = c->n, np = (n + 1) / 2, nch = (w->nb + VL - 1) / VL;
    /* odd n: the unpaired oscillator n - 1 takes both halves of its block over two steps, words 0
     * and 2 at even s, words 1 and 3 (kept in xnr, xni) at s + 1 */
    const int reuse = n % 2 && s % 2;
    const int nd = np - reuse;  /* blocks drawn per chunk */
    const int items = nch * nd; /* (chunk, block), block fastest */
    int l0[G], j[G];
    l0[G - 1] = 0, j[G - 1] = -1;
    for (int it0 = 0; it0 < items; it0 += G) {
        const int g_n = items - it0 < G ? items - it0 : G;
        uint64_t ctr[G];
        vu s_lo[G], s_hi[G];
        for (int g = 0; g < G; g++) {
            const int prev = g == 0 ? G - 1 : g - 1;
            l0[g] = l0[prev], j[g] = j[prev] + 1;
            if (j[g] == nd)
                l0[g] += VL, j[g] = 0;
            if (g >= g_n) /* beyond the last item: repeat the first of the group */
                l0[g] = l0[0], j[g] = j[0];
            ctr[g] = c->noise_ctr0 + (uint64_t)s * (uint64_t)np + (uint64_t)j[g];
            K(streams)(c->sim->stream0 + (uint64_t)(w->r0 + l0[g]), &s_lo[g], &s_hi[g]);
        }
        vu x[G][4];
        K(philox)(G, ctr, (const uint64_t(*)[2])w->key, s_lo, s_hi, x);
        vd z[G][4];
        for (int g = 0; g < G; g++)
            K(normals)(x[g], z[g]);
        for (int g = 0; g < g_n; g++)
            for (int h = 0; h < 2; h++) {
                const int i = 2 * j[g] + h;
                const int o = (i < n ? i : n - 1) * B + l0[g];
                const vd sig = vload(w->sig + o);
                vstore((i < n ? w->xr + o : w->xnr + l0[g]), sig * z[g][2 * h]);
                vstore((i < n ? w->xi + o : w->xni + l0[g]), sig * z[g][2 * h + 1]);
            }
    }
    for (int l = 0; reuse && l < nch * VL; l += VL) {
        vstore(w->xr + (n - 1) * B + l, vload(w->xnr + l));
        vstore(w->xi + (n - 1) * B + l, vload(w->xni + l));
    }
}

/* One step of every chunk of VL lanes of the block, with a copy of step_vec specialised for each
 * small n (its loops unrolled and its arrays in registers) and a generic one. */
static void K(step_chunks)(const context *c, block *w, int resync)
{
    const int nch = (w->nb + VL - 1) / VL;
#define STEP(N, sc)                                                                                \
    for (int ch = 0; ch < nch; ch++)                                                               \
    K(step_vec)(c, w, ch * VL, resync, N, sc)
    BY_SIZE(c->n, 10, STEP);
#undef STEP
}

/* Integrates the block's runs from t = 0 (after block_setup) to the end; returns the number of
 * phase-diffusion lag blocks completed in the window. */
static int64_t K(run_steps)(const context *c, block *w)
{
    const int64_t n_trans = c->pl.n_trans, n_total = c->pl.n_trans + c->pl.n_win;
    const int stride = c->pl.stride;
    const int tstride = c->trace ? c->trace->stride : 0;
    int64_t blocks_done = 0;
    if (tstride)
        record(c, w, 0, 0);
    if (n_trans == 0)
        K(observe)(c, w, 0, 1, 0, 0, &blocks_done);
    for (int64_t s = 0; s < n_total; s++) {
        const int64_t s1 = s + 1;
        const int resync = s1 % RESYNC == 0;
        if (resync)
            phasors_exact(c, w, s1, w->pxr, w->pxi);
        if (c->noise)
            K(noise_step)(c, w, s);
        K(step_chunks)(c, w, resync);
        if (s1 % stride == 0) {
            const int start = s1 == n_trans, inw = s1 > n_trans;
            K(observe)(c, w, s1, start, inw, inw ? (s1 - n_trans) / stride : 0, &blocks_done);
        }
        if (tstride && s1 % tstride == 0)
            record(c, w, s1 / tstride, s1);
    }
    return blocks_done;
}

#ifdef NCM_TEST_HOOKS
/* For the tests (ncm_stno_atan2_lanes): len a multiple of VL. */
static void K(atan2_lanes)(const double *y, const double *x, double *out, int len)
{
    for (int r = 0; r < len; r += VL) {
        vd a, b;
        memcpy(&a, y + r, sizeof a);
        memcpy(&b, x + r, sizeof b);
        const vd z = K(atan2)(a, b);
        memcpy(out + r, &z, sizeof z);
    }
}

/* For the tests (ncm_stno_noise8): Philox block ctr of the streams (seed, first + r), r < 8, and
 * the noise drawn from it. */
static void K(noise8)(uint64_t seed, uint64_t first, uint64_t ctr, uint32_t words[4][8],
                      double z[4][8])
{
    uint64_t key[10][2];
    philox_keys(key, seed);
    for (int l0 = 0; l0 < 8; l0 += VL) {
        vu s_lo, s_hi, x[1][4];
        K(streams)(first + (uint64_t)l0, &s_lo, &s_hi);
        K(philox)(1, &ctr, (const uint64_t(*)[2])key, &s_lo, &s_hi, x);
        vd zz[1][4];
        K(normals)(x[0], zz[0]);
        for (int k = 0; k < 4; k++)
            for (int r = 0; r < VL; r++) {
                words[k][l0 + r] = (uint32_t)x[0][k][r];
                z[k][l0 + r] = zz[0][k][r];
            }
    }
}
#endif

#undef vd
#undef vu
#undef vf
#undef vu32
#undef vs32
#undef vfh
#undef CD
#undef CU
#undef CF
#undef CU32
#undef fbits
#undef ffrom_bits
#undef vload
#undef vstore
#undef LANES
#undef LOW32_OF
#undef HALF_LO
#undef HALF_HI
#undef VL
#undef BY_SIZE
