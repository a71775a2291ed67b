#!/usr/bin/env python3
"""The issue-5 STNO speed benchmark in numpy: the same batch as bench/bench_stno.c, integrated with
the same equations and the same stochastic Heun step in the same rotating frame, vectorised over
samples and oscillators (complex arrays of shape (runs, osc)); times the integration loop, prints
oscillator-steps per second and compares the locking decisions with the C run. Driven by
bench/stno.sh.

It reads the JSON file bench_stno wrote (setup, input frequencies, initial states, and the C
results) and recomputes every coefficient from the device parameters (docs/stno.md,
src/stno/integrate.c):

  du/dt = a(u, t) + eta,   u = c exp(i w_ref t)  (the frame)
  a_i   = [g0_i + gp_i p_i] u_i - i [W0_i + N p_i] u_i + sum_j W_ij e^{i beta} u_j
          + sum_k F_k P_k(t),   p_i = |u_i|^2
  g0 = G_G (z - 1),  gp = -G_G (z + Q),  W0 = w0 + dw/dI (I - I_ref) - w_ref,  z = I / I_th
  P_k(t) = exp(-i ((w_k - w_ref) t + phi_k)), advanced by multiplication, recomputed exactly
          every 1024 steps
  step:  v = u + a(u, t) dt + xi,  u' = u + [a(u, t) + a(v, t + dt)] dt / 2 + xi,
         xi complex normal, variance D dt per component, D = G_G (1 + Q p0) kT / E0

Observables every obs_stride steps: phi -= arg(u q*) (c = sqrt(p) exp(-i phi)), q = u; over the
window the mean frequency f_ref + (phi_end - phi_start) / (2 pi T), and per input the phase
difference psi = phi - (w_k - w_ref) t - phi_k with its slips (|psi - anchor| > 3 pi / 2 counts one
and moves the anchor by 2 pi). Locked: |f_mean - f_k| <= 1 / T and no slip.

The noise comes from numpy's own generator (PCG64, standard_normal), not from the C library's
Philox streams, so with noise the decisions are compared statistically (the fraction of
(run, oscillator, input) decisions that agree). With --check (a file written by
`bench_stno --check`, temperature 0) the two integrations are the same deterministic computation
up to rounding, and the mean frequencies must agree to 1e-6 relative.

The decisions near the edges of the locking ranges depend on the noise realisation, so even two
C runs with different noise seeds do not agree on all of them: --baseline C2.json (bench_stno
--noise-seed with another seed) reports that C-C agreement next to the numpy-C one.

usage: /usr/bin/python3 bench/stno_numpy.py C_RESULT.json [--repeat R] [--seed S]
           [--baseline C2.json] [--min-agreement A] [--out NUMPY.json]
"""
import argparse
import json
import os
import sys
import time

import numpy as np

RADNS_PER_MHZ = 2.0 * np.pi * 1e-3  # the integrator's rad/ns per MHz of f = w / 2 pi
KB_EV_PER_K = 8.617333262e-5        # Boltzmann constant, eV/K (CODATA 2018)
RESYNC = 1024                       # steps between exact recomputations of the input phasors
SLIP = 1.5 * np.pi                  # a slip: the phase difference leaves its anchor by 3 pi / 2


def plan(cfg):
    """Transient and window in whole observation strides, as the C library rounds them."""
    stride, dt = cfg["obs_stride"], cfg["dt_ns"]
    per = dt * stride
    n_trans = int(np.floor(cfg["t_transient_ns"] / per + 0.5)) * stride
    n_win = int(np.floor(cfg["t_window_ns"] / per + 0.5)) * stride
    return stride, n_trans, n_win


def integrate(cfg, seed):
    """Runs the batch; returns (f_mean [R, n], slips [R, n, m], locked [R, n, m], seconds)."""
    d = cfg["device"]
    dt = cfg["dt_ns"]
    h = 0.5 * dt
    stride, n_trans, n_win = plan(cfg)
    n_total = n_trans + n_win
    w_ref = RADNS_PER_MHZ * cfg["f_ref_mhz"]

    # per oscillator (n,): the coefficients of the drift and the noise
    cur = np.asarray(cfg["i_dc_ma"][0], dtype=float)
    z = cur / d["i_th_ma"]
    p0 = np.where(z > 1.0, (z - 1.0) / (z + d["q"]), 0.0)
    gg = RADNS_PER_MHZ * d["gamma_g_mhz"]
    om0 = RADNS_PER_MHZ * (d["f0_mhz"] + d["df_di_mhz_per_ma"] * (cur - d["i_ref_ma"])) - w_ref
    g0 = gg * (z - 1.0)
    gp = -gg * (z + d["q"])
    nn = RADNS_PER_MHZ * d["n_mhz"]
    lin = g0 - 1j * om0  # a = (lin + nonlin p) u + coupling + drive
    nonlin = gp - 1j * nn
    d_mhz = d["gamma_g_mhz"] * (1.0 + d["q"] * p0) * KB_EV_PER_K * d["temperature_k"] / d["e0_ev"]
    sig = np.sqrt(RADNS_PER_MHZ * d_mhz * dt)  # per component and step
    noise = d["temperature_k"] > 0.0
    coup_t = (RADNS_PER_MHZ * np.asarray(cfg["w_mhz"]) * np.exp(1j * cfg["beta_rad"])).T

    # per run and input (R, m): drive amplitudes and phasors; input gains all 1
    amp = RADNS_PER_MHZ * np.asarray(cfg["amp_mhz"])
    dwk = RADNS_PER_MHZ * np.asarray(cfg["f_in_mhz"]) - w_ref
    phk = np.zeros_like(dwk)
    gain_t = np.ones((dwk.shape[1], len(cur)))
    rot = np.cos(dwk * dt) - 1j * np.sin(dwk * dt)

    def phasors(s):
        th = dwk * (s * dt) + phk
        return np.cos(th) - 1j * np.sin(th)

    def drift(u, drive):
        p = u.real * u.real + u.imag * u.imag
        return (lin + nonlin * p) * u + u @ coup_t + drive

    u = np.asarray(cfg["init_re"]) + 1j * np.asarray(cfg["init_im"])  # (R, n)
    runs, n = u.shape
    q = u.copy()
    phi = -np.angle(u)
    phi0 = phi.copy()
    anc = np.zeros((runs, n, dwk.shape[1]))
    slips = np.zeros_like(anc)
    rng = np.random.default_rng(seed)

    def psi_at(s):
        return phi[:, :, None] - (dwk[:, None, :] * (s * dt) + phk[:, None, :])

    t0 = time.perf_counter()
    P = phasors(0)
    d0 = (amp * P) @ gain_t
    if n_trans == 0:
        anc = psi_at(0)
    for s in range(n_total):
        a = drift(u, d0)
        v = u + a * dt
        if noise:
            xi = sig * rng.standard_normal((runs, n, 2)).view(np.complex128)[..., 0]
            v += xi
        if (s + 1) % RESYNC == 0:
            P = phasors(s + 1)
        else:
            P = P * rot
        d1 = (amp * P) @ gain_t
        u = u + (a + drift(v, d1)) * h
        if noise:
            u += xi
        d0 = d1
        s1 = s + 1
        if s1 % stride == 0:
            phi -= np.angle(u * q.conj())
            q = u
            if s1 == n_trans:
                phi0 = phi.copy()
                anc = psi_at(s1)
            elif s1 > n_trans:
                dev = psi_at(s1) - anc
                up = dev > SLIP
                down = dev < -SLIP
                anc += 2.0 * np.pi * (up.astype(float) - down)
                slips += up | down
    seconds = time.perf_counter() - t0

    t_win = n_win * dt
    f_mean = (w_ref + (phi - phi0) / t_win) / RADNS_PER_MHZ
    f_k = (w_ref + dwk) / RADNS_PER_MHZ
    tol = 1e3 / t_win  # the library's default tolerance: 1 / window
    locked = (np.abs(f_mean[:, :, None] - f_k[:, None, :]) <= tol) & (slips == 0)
    return f_mean, slips.astype(int), locked.astype(int), seconds, tol


def blas_name():
    """The BLAS library mapped into this process (numpy's matmul; the loop is otherwise
    elementwise and single-threaded)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
        libs = {os.path.realpath(x) for x in libs if "lapack" not in x}
        return ", ".join(sorted("/".join(x.split("/")[-2:]) for x in libs)) or "none loaded"
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("c_result", help="JSON written by bench_stno")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs, the fastest reported")
    ap.add_argument("--seed", type=int, default=11, help="numpy noise seed")
    ap.add_argument("--baseline", help="a second bench_stno result with another noise seed: "
                    "report the C-C agreement")
    ap.add_argument("--min-agreement", type=float, default=0.97,
                    help="with noise: the smallest acceptable fraction of agreeing decisions")
    ap.add_argument("--out", help="write the numpy results and the comparison here (JSON)")
    args = ap.parse_args()
    with open(args.c_result) as f:
        cfg = json.load(f)

    best = None
    for _ in range(max(1, args.repeat)):
        res = integrate(cfg, args.seed)
        if best is None or res[3] < best[3]:
            best = res
    f_mean, slips, locked, seconds, tol = best
    runs, n = f_mean.shape
    _, n_trans, n_win = plan(cfg)
    osc_steps = n * runs * (n_trans + n_win)

    c_f = np.asarray(cfg["f_mean_mhz"])
    c_locked = np.asarray(cfg["in_locked"])
    c_slips = np.asarray(cfg["in_slips"])
    agree = float(np.mean(locked == c_locked))
    rel = float(np.max(np.abs(f_mean - c_f) / np.abs(c_f)))
    out = {
        "numpy": np.__version__,
        "blas": blas_name(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "check": bool(cfg["check"]),
        "n_runs": runs,
        "osc_steps": osc_steps,
        "seconds": seconds,
        "osc_steps_per_s": osc_steps / seconds,
        "lock_tol_mhz": tol,
        "tol_matches_c": bool(abs(tol - cfg["lock_tol_mhz"]) <= 1e-12 * tol),
        "agreement": agree,
        "disagreements": int(np.sum(locked != c_locked)),
        "decisions": int(locked.size),
        "locked_fraction_numpy": float(np.mean(locked)),
        "locked_fraction_c": float(np.mean(c_locked)),
        "f_mean_max_rel_diff": rel,
        "f_mean_mean_abs_diff_mhz": float(np.mean(np.abs(f_mean - c_f))),
        "slips_identical": bool(np.array_equal(slips, c_slips)),
    }
    if args.baseline:
        with open(args.baseline) as f:
            c2 = json.load(f)
        if c2["f_in_mhz"] != cfg["f_in_mhz"] or c2["noise_seed"] == cfg["noise_seed"]:
            sys.exit("stno_numpy.py: the baseline must be the same batch with another noise seed")
        c2_locked = np.asarray(c2["in_locked"])
        out["agreement_c_c"] = float(np.mean(c2_locked == c_locked))
        out["locked_fraction_c2"] = float(np.mean(c2_locked))
    print(f"numpy {out['numpy']} (BLAS {out['blas']}, OPENBLAS_NUM_THREADS "
          f"{out['openblas_num_threads']}): {runs} runs x {n} oscillators x "
          f"{n_trans + n_win} steps, T = {cfg['device']['temperature_k']} K")
    print(f"  integration loop {seconds:.3f} s (best of {max(1, args.repeat)}), "
          f"{out['osc_steps_per_s']:.4g} osc-steps/s")
    print(f"  locking decisions agree with C: {agree:.4f} ({out['disagreements']} of "
          f"{out['decisions']} differ); locked fraction numpy {out['locked_fraction_numpy']:.4f}, "
          f"C {out['locked_fraction_c']:.4f}; tolerance {tol:.4g} MHz "
          f"({'same as' if out['tol_matches_c'] else 'DIFFERS from'} C)")
    if args.baseline:
        print(f"  baseline: C with noise seeds {cfg['noise_seed']} and {c2['noise_seed']} agree on "
              f"{out['agreement_c_c']:.4f} (locked fractions {out['locked_fraction_c']:.4f}, "
              f"{out['locked_fraction_c2']:.4f})")
    print(f"  mean frequencies: max relative difference {rel:.3g}, mean |difference| "
          f"{out['f_mean_mean_abs_diff_mhz']:.3g} MHz; slip counts "
          f"{'identical' if out['slips_identical'] else 'differ'}")
    if cfg["check"]:
        ok = rel <= 1e-6 and agree == 1.0 and out["slips_identical"] and out["tol_matches_c"]
        print(f"  noiseless cross-check: {'PASS' if ok else 'FAIL'} (mean frequencies within 1e-6 "
              f"relative, identical slips and decisions)")
    else:
        ok = agree >= args.min_agreement and out["tol_matches_c"]
        print(f"  decision agreement {'PASS' if ok else 'FAIL'} (>= {args.min_agreement})")
    out["pass"] = ok
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
