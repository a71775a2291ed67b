/* The integrator's inner kernels (integrate.c), written once and compiled there several times:
 * for the baseline instruction set (x86-64-v2) and, under `#pragma GCC target`, for AVX2 and
 * AVX-512, one variant chosen at run time by the CPU's features. K(name) gives each variant its
 * own names. Every loop runs over the lanes of a block and is vectorised; every operation is IEEE
 * without contraction, so all variants give the same bits. Include only from integrate.c, after
 * the definitions of context, block, phasors_exact and record, with K defined. */

/* One Philox4x32 round on every lane (Random123 philox4x32round). */
static void K(philox_round)(int len, uint32_t *restrict x0, uint32_t *restrict x1,
                            uint32_t *restrict x2, uint32_t *restrict x3, uint32_t k0, uint32_t k1)
{
    for (int r = 0; r < len; r++) {
        uint64_t p0 = (uint64_t)NCM_STNO_PHILOX_M0 * x0[r];
        uint64_t p1 = (uint64_t)NCM_STNO_PHILOX_M1 * x2[r];
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1[r] ^ k0, y2 = (uint32_t)(p0 >> 32) ^ x3[r] ^ k1;
        x1[r] = (uint32_t)p1;
        x3[r] = (uint32_t)p0;
        x0[r] = y0;
        x2[r] = y2;
    }
}

/* Refills the rows with Philox4x32-10 of every lane's next NCM_STNO_ROWS / 4 counters: the
 * counter (ctr[0], ctr[1]) and stream id (ctr[2], ctr[3]) of ncm_rng, the same key. */
static void K(lanes_refill)(ncm_stno_lanes *g)
{
    const int L = g->lanes;
    uint32_t *restrict x0 = g->scratch, *restrict x1 = x0 + L, *restrict x2 = x1 + L,
                       *restrict x3 = x2 + L;
    const uint32_t *restrict lo = x3 + L, *restrict hi = lo + L;
    for (int j = 0; j < NCM_STNO_ROWS / 4; j++) {
        const uint64_t ctr = g->ctr + (uint64_t)j;
        for (int r = 0; r < L; r++) {
            x0[r] = (uint32_t)ctr;
            x1[r] = (uint32_t)(ctr >> 32);
            x2[r] = lo[r];
            x3[r] = hi[r];
        }
        uint32_t k0 = g->key[0], k1 = g->key[1];
        for (int round = 0; round < 10; round++) {
            K(philox_round)(L, x0, x1, x2, x3, k0, k1);
            k0 += NCM_STNO_PHILOX_W0;
            k1 += NCM_STNO_PHILOX_W1;
        }
        uint32_t *restrict out = g->rows + (size_t)4 * j * L;
        for (int r = 0; r < L; r++) {
            out[r] = x0[r];
            out[L + r] = x1[r];
            out[2 * L + r] = x2[r];
            out[3 * L + r] = x3[r];
        }
    }
    g->ctr += NCM_STNO_ROWS / 4;
    g->row = 0;
}

/* Every lane's next word. */
static const uint32_t *K(lanes_next)(ncm_stno_lanes *g)
{
    if (g->row >= NCM_STNO_ROWS)
        K(lanes_refill)(g);
    return g->rows + (size_t)(g->row++) * g->lanes;
}

/* out[r] = sig[r] * (a standard normal from the next word of lane r): the ziggurat's fast path
 * (ncm_zig_normal, src/rram/device_internal.h) for every lane at once, then its slow path for the
 * lanes whose word it rejected, in lane order. */
static void K(normals)(ncm_stno_lanes *g, int nb, const double *restrict sig, double *restrict out)
{
    const uint32_t *restrict w = K(lanes_next)(g);
    double *restrict rejected = g->rejected;
    int any = 0;
    for (int r = 0; r < nb; r++) {
        uint32_t x = w[r];
        int i = (int)(x & 127);
        double z = (double)(x >> 8) * 0x1p-24 * ncm_zig_x[i];
        int rej = !(z < ncm_zig_x[i + 1]);
        rejected[r] = (double)rej;
        any |= rej;
        out[r] = sig[r] * (z * (double)(1 - (int)((x >> 6) & 2)));
    }
    for (int r = 0; any && r < nb; r++)
        if (rejected[r] != 0.0)
            out[r] = sig[r] * ncm_stno_lanes_slow(g, r, w[r]);
}

/* d = sum_k g_ik F_k P_k for every oscillator i. */
static void K(input_drive)(const context *c, const block *w, double *restrict dr,
                           double *restrict di)
{
    const int B = w->B, nb = w->nb;
    for (int i = 0; i < c->n; i++) {
        double *restrict ddr = dr + i * B, *restrict ddi = di + i * B;
        for (int r = 0; r < nb; r++)
            ddr[r] = ddi[r] = 0.0;
        for (int k = 0; k < c->m; k++) {
            const double g = c->gain[i * c->m + k];
            const double *restrict f = w->fk + k * B, *restrict pr = w->pr + k * B,
                                   *restrict pi = w->pi + k * B;
            for (int r = 0; r < nb; r++) {
                ddr[r] += g * f[r] * pr[r];
                ddi[r] += g * f[r] * pi[r];
            }
        }
    }
}

/* a = drift of the state (ur, ui) with the input drive (dr, di). */
static void K(drift)(const context *c, const block *w, const double *restrict ur,
                     const double *restrict ui, const double *restrict dr,
                     const double *restrict di, double *restrict ar, double *restrict ai)
{
    const int B = w->B, nb = w->nb, n = c->n;
    for (int i = 0; i < n; i++) {
        const int o = i * B;
        const double nn = c->nn[i];
        const double *restrict om0 = w->om0 + o, *restrict g0 = w->g0 + o, *restrict gp = w->gp + o;
        for (int r = 0; r < nb; r++) {
            double xr = ur[o + r], xi = ui[o + r];
            double p = xr * xr + xi * xi;
            double g = g0[r] + gp[r] * p; /* G- - G+ */
            double om = om0[r] + nn * p;  /* w(p) - w_ref */
            ar[o + r] = g * xr + om * xi + dr[o + r];
            ai[o + r] = g * xi - om * xr + di[o + r];
        }
        for (int j = 0; j < n; j++) {
            const double wc = c->wc[i * n + j], ws = c->ws[i * n + j];
            if (wc == 0.0 && ws == 0.0)
                continue;
            const int q = j * B;
            for (int r = 0; r < nb; r++) {
                ar[o + r] += wc * ur[q + r] - ws * ui[q + r];
                ai[o + r] += ws * ur[q + r] + wc * ui[q + r];
            }
        }
    }
}

/* v = u + a dt + x */
static void K(predict)(int len, double dt, const double *restrict u, const double *restrict a,
                       const double *restrict x, double *restrict v)
{
    for (int r = 0; r < len; r++)
        v[r] = u[r] + a[r] * dt + x[r];
}

/* u += (a + b) dt / 2 + x */
static void K(correct)(int len, double h, double *restrict u, const double *restrict a,
                       const double *restrict b, const double *restrict x)
{
    for (int r = 0; r < len; r++)
        u[r] = u[r] + (a[r] + b[r]) * h + x[r];
}

/* P_k *= exp(-i (w_k - w_ref) dt) */
static void K(phasors_advance)(int len, double *restrict pr, double *restrict pi,
                               const double *restrict rr, const double *restrict ri)
{
    for (int r = 0; r < len; r++) {
        double a = pr[r] * rr[r] - pi[r] * ri[r];
        double b = pr[r] * ri[r] + pi[r] * rr[r];
        pr[r] = a;
        pi[r] = b;
    }
}

/* phi -= arg(u q*), q = u; inv = 1 / |u| (0 at u = 0). */
static void K(unwrap)(int len, const double *restrict ur, const double *restrict ui,
                      double *restrict qr, double *restrict qi, double *restrict phi,
                      double *restrict inv)
{
    for (int r = 0; r < len; r++) {
        double x = ur[r] * qr[r] + ui[r] * qi[r];
        double y = ui[r] * qr[r] - ur[r] * qi[r];
        phi[r] -= ncm_stno_atan2(y, x);
        qr[r] = ur[r];
        qi[r] = ui[r];
        double a = sqrt(ur[r] * ur[r] + ui[r] * ui[r]);
        inv[r] = (double)(a > 0.0) / (a + (double)(a == 0.0));
    }
}

/* Slip counting on an unwrapped phase difference psi with its anchor. */
static void K(slips_update)(int len, const double *restrict psi, double *restrict anc,
                            double *restrict slip)
{
    for (int r = 0; r < len; r++) {
        double d = psi[r] - anc[r];
        double up = d > SLIP_THRESHOLD ? 1.0 : 0.0, down = d < -SLIP_THRESHOLD ? 1.0 : 0.0;
        anc[r] += 2.0 * M_PI * (up - down);
        slip[r] += up + down;
    }
}

/* (sr, si) += conj(u) v * inv_u * (both ? inv_v : 1): the phase factor exp(i (phi_u - phi_v))
 * when v is an oscillator's amplitude (both = 1) or an input's unit phasor (both = 0). */
static void K(plv_add)(int len, const double *restrict ur, const double *restrict ui,
                       const double *restrict vr, const double *restrict vi,
                       const double *restrict inv_u, const double *restrict inv_v, int both,
                       double *restrict sr, double *restrict si)
{
    for (int r = 0; r < len; r++) {
        double f = both ? inv_u[r] * inv_v[r] : inv_u[r];
        sr[r] += (ur[r] * vr[r] + ui[r] * vi[r]) * f;
        si[r] += (ur[r] * vi[r] - ui[r] * vr[r]) * f;
    }
}

/* The observation at step s (time s dt): unwrap, and inside the window accumulate. `start` marks
 * the window's first sample (anchors and start phases), `in_window` the later ones. */
static void K(observe)(const context *c, block *w, int64_t s, int start, int in_window,
                       int64_t sample_in_window, int64_t *blocks_done)
{
    const int B = w->B, nb = w->nb, n = c->n, m = c->m;
    double *psi = w->psi;
    const double t = (double)s * c->dt;
    for (int i = 0; i < n; i++) {
        const int o = i * B;
        K(unwrap)(nb, w->ur + o, w->ui + o, w->qr + o, w->qi + o, w->phi + o, w->inv + o);
    }
    if (!start && !in_window)
        return;
    for (int i = 0; i < n; i++) {
        const int o = i * B;
        const double *restrict ur = w->ur + o, *restrict ui = w->ui + o, *restrict phi = w->phi + o;
        if (start) {
            for (int r = 0; r < nb; r++)
                w->phi0[o + r] = w->lb[o + r] = phi[r];
        } else {
            double *restrict sp = w->sp + o, *restrict sa = w->sa + o;
            for (int r = 0; r < nb; r++) {
                double p = ur[r] * ur[r] + ui[r] * ui[r];
                sp[r] += p;
                sa[r] += sqrt(p);
            }
        }
        for (int k = 0; k < m; k++) {
            const int q = k * B, e = (i * m + k) * B;
            const double *restrict dwk = w->dwk + q, *restrict phk = w->phk + q;
            for (int r = 0; r < nb; r++)
                psi[r] = phi[r] - (dwk[r] * t + phk[r]);
            if (start) {
                memcpy(w->ianc + e, psi, (size_t)nb * sizeof *psi);
                continue;
            }
            /* exp(i psi) = conj(u) P_k / |u| */
            double *sr = w->ipr + e, *si = w->ipi + e;
            K(plv_add)(nb, ur, ui, w->pr + q, w->pi + q, w->inv + o, w->inv + o, 0, sr, si);
            K(slips_update)(nb, psi, w->ianc + e, w->islip + e);
        }
        for (int j = i + 1; j < n; j++) {
            const int q = j * B, e = (i * n + j) * B;
            const double *restrict phj = w->phi + q;
            for (int r = 0; r < nb; r++)
                psi[r] = phi[r] - phj[r];
            if (start) {
                memcpy(w->canc + e, psi, (size_t)nb * sizeof *psi);
                continue;
            }
            /* exp(i (phi_i - phi_j)) = conj(u_i) u_j / (|u_i| |u_j|) */
            double *sr = w->cpr + e, *si = w->cpi + e;
            K(plv_add)(nb, ur, ui, w->ur + q, w->ui + q, w->inv + o, w->inv + q, 1, sr, si);
            K(slips_update)(nb, psi, w->canc + e, w->cslip + e);
        }
    }
    /* phase diffusion: increments over lag-sample blocks, and over pairs of them */
    if (in_window && sample_in_window % c->lag == 0) {
        const int first = *blocks_done % 2 == 0; /* this block is the first of a pair */
        for (int i = 0; i < n; i++) {
            const int o = i * B;
            double *restrict lb = w->lb + o, *restrict s1 = w->s1 + o, *restrict s2 = w->s2 + o,
                             *restrict t1 = w->t1 + o, *restrict t2 = w->t2 + o,
                             *restrict pend = w->pend + o;
            const double *restrict phi = w->phi + o;
            for (int r = 0; r < nb; r++) {
                double inc = phi[r] - lb[r];
                lb[r] = phi[r];
                s1[r] += inc;
                s2[r] += inc * inc;
                if (first) {
                    pend[r] = inc;
                } else {
                    double inc2 = pend[r] + inc; /* increment over 2 tau */
                    t1[r] += inc2;
                    t2[r] += inc2 * inc2;
                }
            }
        }
        (*blocks_done)++;
    }
}

/* Integrates the block's runs from t = 0 (after block_setup) to the end; returns the number of
 * phase-diffusion lag blocks completed in the window. */
static int64_t K(run_steps)(const context *c, block *w)
{
    const int B = w->B, nb = w->nb, n = c->n;
    const int64_t n_trans = c->pl.n_trans, n_total = c->pl.n_trans + c->pl.n_win;
    const int stride = c->pl.stride;
    const int tstride = c->trace ? c->trace->stride : 0;
    const double dt = c->dt, h = 0.5 * c->dt;
    int64_t blocks_done = 0;
    K(input_drive)(c, w, w->d0r, w->d0i);
    if (tstride)
        record(c, w, 0, 0);
    if (n_trans == 0)
        K(observe)(c, w, 0, 1, 0, 0, &blocks_done);
    for (int64_t s = 0; s < n_total; s++) {
        if (c->noise)
            for (int i = 0; i < n; i++) {
                K(normals)(&w->rng, nb, w->sig + i * B, w->xr + i * B);
                K(normals)(&w->rng, nb, w->sig + i * B, w->xi + i * B);
            }
        K(drift)(c, w, w->ur, w->ui, w->d0r, w->d0i, w->ar, w->ai);
        for (int i = 0; i < n; i++) {
            const int o = i * B;
            K(predict)(nb, dt, w->ur + o, w->ar + o, w->xr + o, w->vr + o);
            K(predict)(nb, dt, w->ui + o, w->ai + o, w->xi + o, w->vi + o);
        }
        if ((s + 1) % RESYNC == 0)
            phasors_exact(c, w, s + 1);
        else
            for (int k = 0; k < c->m; k++)
                K(phasors_advance)(nb, w->pr + k * B, w->pi + k * B, w->rr + k * B, w->ri + k * B);
        K(input_drive)(c, w, w->d1r, w->d1i);
        K(drift)(c, w, w->vr, w->vi, w->d1r, w->d1i, w->br, w->bi);
        for (int i = 0; i < n; i++) {
            const int o = i * B;
            K(correct)(nb, h, w->ur + o, w->ar + o, w->br + o, w->xr + o);
            K(correct)(nb, h, w->ui + o, w->ai + o, w->bi + o, w->xi + o);
        }
        double *t;
        t = w->d0r, w->d0r = w->d1r, w->d1r = t;
        t = w->d0i, w->d0i = w->d1i, w->d1i = t;
        const int64_t s1 = s + 1;
        if (s1 % stride == 0) {
            const int start = s1 == n_trans, inw = s1 > n_trans;
            K(observe)(c, w, s1, start, inw, inw ? (s1 - n_trans) / stride : 0, &blocks_done);
        }
        if (tstride && s1 % tstride == 0)
            record(c, w, s1 / tstride, s1);
    }
    return blocks_done;
}
