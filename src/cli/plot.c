/* Line plots with PLplot (see plot.h), with optional vertical error bars (plerry); stacked bars;
 * class maps. */
#include "cli/plot.h"

#include <float.h>
#include <math.h>
#include <plplot/plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/io.h"

static const char *device_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (!strcmp(dot, ".png"))
        return "pngcairo";
    if (!strcmp(dot, ".svg"))
        return "svgcairo";
    if (!strcmp(dot, ".pdf"))
        return "pdfcairo";
    return NULL;
}

ncm_status cli_plot_check_path(const char *path, ncm_error *err)
{
    if (!device_for(path))
        return ncm_error_set(err, NCM_ERR_ARG, "%s: figure type unknown (use .png, .svg or .pdf)",
                             path);
    return NCM_OK;
}

/* Whether point i of series k is drawn, and its bar (when it has one that can be drawn). */
static int point_ok(const cli_series *s, int i, int logx, int logy)
{
    double x = s->x[i], y = s->y[i];
    return !((logx && !(x > 0)) || (logy && !(y > 0)) || !isfinite(x) || !isfinite(y));
}
static int bar_ok(const cli_yerr *b, int i, int logy)
{
    if (!b || !b->lo || !b->hi)
        return 0;
    double lo = b->lo[i], hi = b->hi[i];
    return isfinite(lo) && isfinite(hi) && (!logy || (lo > 0 && hi > 0));
}

ncm_status cli_plot(const char *path, const char *title, const char *xlabel, const char *ylabel,
                    int logx, int logy, const cli_series *s, int ns, ncm_error *err)
{
    return cli_plot_bars(path, title, xlabel, ylabel, logx, logy, s, NULL, ns, err);
}

/* Opens the device for path's type on the file `name` (the temporary file of an ncm_afile), a
 * white page of width x 640 pixels cut into cols panels, black ink. */
static void page_open(const char *dev, const char *name, int width, int cols)
{
    plsdev(dev);
    plsfnam(name);
    plscolbg(255, 255, 255);
    plspage(0, 0, width, 640, 0, 0);
    plssub(cols, 1);
    plinit();
    plscol0(0, 255, 255, 255); /* black on white: swap colours 0 and 15 */
    plscol0(15, 0, 0, 0);
    plcol0(15);
}

/* Ends the page and commits f (synced, renamed over path; st not NCM_OK: removes the temporary
 * file and returns st). PLplot reports no write error: an empty file is taken for one. */
static ncm_status page_close(ncm_afile *f, const char *path, ncm_status st, ncm_error *err)
{
    plend();
    if (st) {
        ncm_afile_abort(f);
        return st;
    }
    struct stat sb;
    if (!f->direct && (stat(ncm_afile_name(f), &sb) != 0 || sb.st_size == 0)) {
        ncm_afile_abort(f);
        return ncm_error_set(err, NCM_ERR_IO, "%s: cannot write the figure", path);
    }
    return ncm_afile_commit(f, err);
}

/* Draws one panel (the page is set up); NCM_ERR_DATA when it has no point to draw. */
static ncm_status draw_panel(const char *path, const cli_panel *pn, ncm_error *err)
{
    const cli_series *s = pn->s;
    const cli_yerr *bars = pn->bars;
    const int ns = pn->ns, logx = pn->logx, logy = pn->logy;
    double x0 = DBL_MAX, x1 = -DBL_MAX, y0 = DBL_MAX, y1 = -DBL_MAX;
    int total = 0;
    for (int k = 0; k < ns; k++) {
        const cli_yerr *b = bars ? &bars[k] : NULL;
        for (int i = 0; i < s[k].n; i++) {
            if (!point_ok(&s[k], i, logx, logy))
                continue;
            double x = s[k].x[i], y = s[k].y[i];
            x = logx ? log10(x) : x;
            y = logy ? log10(y) : y;
            x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
            if (bar_ok(b, i, logy)) {
                double lo = b->lo[i], hi = b->hi[i];
                lo = logy ? log10(lo) : lo;
                hi = logy ? log10(hi) : hi;
                y0 = fmin(y0, fmin(lo, hi)), y1 = fmax(y1, fmax(lo, hi));
            }
            total++;
        }
    }
    if (total == 0)
        return ncm_error_set(err, NCM_ERR_DATA, "%s: nothing to plot", path);
    if (x1 <= x0)
        x0 -= 0.5, x1 += 0.5;
    if (y1 <= y0)
        y0 -= 0.5, y1 += 0.5;
    /* a margin, so the first and last points (and their bars) are not drawn on the frame */
    const double mx = 0.02 * (x1 - x0);
    x0 -= mx, x1 += mx;
    if (!logy) {
        const double my = 0.03 * (y1 - y0);
        y0 -= my, y1 += my;
    }
    if (logy)
        y0 = floor(y0), y1 = ceil(y1);
    y1 += 0.06 * ((ns < 16 ? ns : 16) + 1) * (y1 - y0); /* headroom for the legend (<= 16 lines) */
    plcol0(15);
    plenv(x0, x1, y0, y1, 0, (logx ? 10 : 0) + (logy ? 20 : 0) + 2);
    pllab(pn->xlabel, pn->ylabel, pn->title);
    static const int colours[] = {1, 3, 9, 8, 12, 4, 2, 13};
    PLINT opt[16], lc[16], ls[16], sc[16], tc[16], sn[16];
    PLFLT lw[16], ss[16];
    const char *text[16], *sym[16];
    int nl = ns < 16 ? ns : 16;
    for (int k = 0; k < ns; k++) {
        const cli_yerr *b = bars ? &bars[k] : NULL;
        const size_t cap = (size_t)(s[k].n + 1);
        PLFLT *x = malloc(sizeof(PLFLT) * cap), *y = malloc(sizeof(PLFLT) * cap);
        PLFLT *bx = malloc(sizeof(PLFLT) * cap), *blo = malloc(sizeof(PLFLT) * cap);
        PLFLT *bhi = malloc(sizeof(PLFLT) * cap);
        int m = 0, nb = 0;
        for (int i = 0; x && y && bx && blo && bhi && i < s[k].n; i++) {
            if (!point_ok(&s[k], i, logx, logy))
                continue;
            double xv = s[k].x[i], yv = s[k].y[i];
            x[m] = logx ? log10(xv) : xv;
            y[m] = logy ? log10(yv) : yv;
            if (bar_ok(b, i, logy)) {
                bx[nb] = x[m];
                blo[nb] = logy ? log10(b->lo[i]) : b->lo[i];
                bhi[nb] = logy ? log10(b->hi[i]) : b->hi[i];
                nb++;
            }
            m++;
        }
        plcol0(colours[k % 8]);
        plwidth(2.0);
        if (m > 1)
            plline(m, x, y);
        plpoin(m, x, y, 17);
        if (nb > 0) {
            plwidth(1.0);
            plerry(nb, bx, blo, bhi);
            plwidth(2.0);
        }
        free(x), free(y), free(bx), free(blo), free(bhi);
        if (k < 16) {
            opt[k] = PL_LEGEND_LINE | PL_LEGEND_SYMBOL;
            lc[k] = sc[k] = tc[k] = colours[k % 8];
            ls[k] = 1;
            lw[k] = 2.0;
            ss[k] = 1.0;
            sn[k] = 1;
            text[k] = s[k].label;
            sym[k] = "#(728)";
        }
    }
    PLFLT lw_out, lh_out;
    plcol0(15);
    plwidth(1.0);
    pllegend(&lw_out, &lh_out, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, 0, 0.0, 0.0, 0.1, 0,
             15, 1, 0, 0, nl, opt, 1.0, 0.8, 2.0, 1.0, tc, text, NULL, NULL, NULL, NULL, lc, ls, lw,
             sc, ss, sn, sym);
    return NCM_OK;
}

ncm_status cli_plot_panels(const char *path, const cli_panel *panels, int n_panels, ncm_error *err)
{
    const char *dev = device_for(path);
    if (!dev)
        return cli_plot_check_path(path, err);
    /* every panel must have something to draw: check before opening the device */
    for (int p = 0; p < n_panels; p++) {
        int any = 0;
        for (int k = 0; k < panels[p].ns && !any; k++)
            for (int i = 0; i < panels[p].s[k].n && !any; i++)
                any = point_ok(&panels[p].s[k], i, panels[p].logx, panels[p].logy);
        if (!any)
            return ncm_error_set(err, NCM_ERR_DATA, "%s: nothing to plot", path);
    }
    ncm_afile f;
    ncm_status os = ncm_afile_open_named(&f, path, err);
    if (os)
        return os;
    page_open(dev, ncm_afile_name(&f), 900 * n_panels, n_panels);
    if (n_panels > 1)
        plschr(0, 0.8); /* the titles of narrower panels */
    ncm_status st = NCM_OK;
    for (int p = 0; p < n_panels && !st; p++)
        st = draw_panel(path, &panels[p], err);
    return page_close(&f, path, st, err);
}

ncm_status cli_plot_bars(const char *path, const char *title, const char *xlabel,
                         const char *ylabel, int logx, int logy, const cli_series *s,
                         const cli_yerr *bars, int ns, ncm_error *err)
{
    const cli_panel p = {title, xlabel, ylabel, logx, logy, s, bars, ns};
    return cli_plot_panels(path, &p, 1, err);
}

ncm_status cli_plot_stacked(const char *path, const char *title, const char *ylabel,
                            const char *const *bar_labels, int nb, const char *const *seg_labels,
                            int nseg, const double *v, ncm_error *err)
{
    const char *dev = device_for(path);
    if (!dev)
        return cli_plot_check_path(path, err);
    if (nb < 1 || nseg < 1 || nseg > 16)
        return ncm_error_set(err, NCM_ERR_ARG, "%s: %d bars of %d segments: nothing to plot", path,
                             nb, nseg);
    double top = 0.0;
    for (int b = 0; b < nb; b++) {
        double h = 0.0;
        for (int k = 0; k < nseg; k++)
            if (isfinite(v[b * nseg + k]) && v[b * nseg + k] > 0)
                h += v[b * nseg + k];
        top = fmax(top, h);
    }
    if (!(top > 0))
        return ncm_error_set(err, NCM_ERR_DATA, "%s: nothing to plot", path);
    ncm_afile f;
    ncm_status os = ncm_afile_open_named(&f, path, err);
    if (os)
        return os;
    page_open(dev, ncm_afile_name(&f), 900, 1);
    /* vertical bar labels below the axis: a taller bottom margin */
    pladv(0);
    plvpor(0.1, 0.95, 0.32, 0.9);
    /* room at the right for the legend */
    const double x1 = nb + 0.5 + 0.45 * nb;
    plwind(0.5, x1, 0.0, 1.05 * top);
    plbox("bc", 0.0, 0, "bcnstv", 0.0, 0);
    pllab("", ylabel, title);
    static const int colours[] = {1, 3, 9, 8, 12, 4, 2, 13, 5, 6, 7, 10, 11, 14, 1, 3};
    for (int b = 0; b < nb; b++) {
        double base = 0.0;
        for (int k = 0; k < nseg; k++) {
            const double h = v[b * nseg + k];
            if (!(isfinite(h) && h > 0))
                continue;
            PLFLT x[4] = {b + 0.65, b + 1.35, b + 1.35, b + 0.65};
            PLFLT y[4] = {base, base, base + h, base + h};
            plcol0(colours[k]);
            plfill(4, x, y);
            plcol0(15);
            plline(4, x, y);
            base += h;
        }
        plcol0(15);
        plschr(0, 0.6);
        plmtex("bv", 0.5, (b + 0.5) / (x1 - 0.5), 1.0, bar_labels[b]);
        plschr(0, 1.0);
    }
    PLINT opt[16], fc[16], fs[16], tc[16];
    PLFLT fsc[16], flw[16];
    for (int k = 0; k < nseg; k++) {
        flw[k] = 1.0;
        opt[k] = PL_LEGEND_COLOR_BOX;
        fc[k] = colours[k];
        fs[k] = 0;
        fsc[k] = 1.0;
        tc[k] = 15;
    }
    PLFLT lw_out, lh_out;
    plcol0(15);
    pllegend(&lw_out, &lh_out, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, PL_POSITION_RIGHT,
             0.02, 0.0, 0.1, 0, 15, 1, 0, 0, nseg, opt, 1.0, 0.8, 2.0, 1.0, tc, seg_labels, fc, fs,
             fsc, flw, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    return page_close(&f, path, NCM_OK, err);
}

/* Class colours for cli_plot_classmap: strong for the points, pale (the same hue mixed 60 %
 * with white) for the regions; colours 16 .. 31 and 32 .. 47 of cmap0, grey at 48. */
static const unsigned char CLASS_RGB[16][3] = {
    {31, 119, 180},  {255, 127, 14}, {44, 160, 44},  {214, 39, 40}, {148, 103, 189}, {140, 86, 75},
    {227, 119, 194}, {188, 189, 34}, {23, 190, 207}, {0, 0, 128},   {128, 128, 0},   {0, 128, 128},
    {255, 215, 0},   {128, 0, 0},    {0, 255, 127},  {255, 0, 255}};
enum { STRONG0 = 16, PALE0 = 32, GREY = 48 };

ncm_status cli_plot_classmap(const char *path, const cli_classmap *m, ncm_error *err)
{
    const char *dev = device_for(path);
    if (!dev)
        return cli_plot_check_path(path, err);
    if (m->nx < 2 || m->ny < 2 || m->n_classes < 1 || m->n_classes > 16)
        return ncm_error_set(err, NCM_ERR_ARG,
                             "%s: a %d x %d grid of %d classes: expected at least 2 x 2 cells "
                             "and 1 to 16 classes",
                             path, m->nx, m->ny, m->n_classes);
    const double dx = (m->x[m->nx - 1] - m->x[0]) / (m->nx - 1);
    const double dy = (m->y[m->ny - 1] - m->y[0]) / (m->ny - 1);
    if (!(dx > 0) || !(dy > 0) || !isfinite(dx) || !isfinite(dy))
        return ncm_error_set(err, NCM_ERR_ARG, "%s: the grid must increase along both axes", path);
    const double x0 = m->x[0] - 0.5 * dx, x1 = m->x[m->nx - 1] + 0.5 * dx;
    const double y0 = m->y[0] - 0.5 * dy, y1 = m->y[m->ny - 1] + 0.5 * dy;
    ncm_afile f;
    ncm_status os = ncm_afile_open_named(&f, path, err);
    if (os)
        return os;
    page_open(dev, ncm_afile_name(&f), 900, 1);
    plscmap0n(GREY + 1);
    plscol0(0, 255, 255, 255); /* plscmap0n may reset the first colours */
    plscol0(15, 0, 0, 0);
    for (int c = 0; c < 16; c++) {
        const unsigned char *k = CLASS_RGB[c];
        plscol0(STRONG0 + c, k[0], k[1], k[2]);
        plscol0(PALE0 + c, (PLINT)(255 - 0.4 * (255 - k[0])), (PLINT)(255 - 0.4 * (255 - k[1])),
                (PLINT)(255 - 0.4 * (255 - k[2])));
    }
    plscol0(GREY, 200, 200, 200);
    plcol0(15);
    pladv(0);
    plvpor(0.11, 0.80, 0.11, 0.91); /* room at the right for the legend */
    plwind(x0, x1, y0, y1);
    /* the regions: one rectangle per run of equal cells along a row */
    int undecided = 0;
    for (int j = 0; j < m->ny; j++)
        for (int i = 0; i < m->nx;) {
            const int32_t c = m->cls[(int64_t)j * m->nx + i];
            int e = i + 1;
            while (e < m->nx && m->cls[(int64_t)j * m->nx + e] == c)
                e++;
            const int known = c >= 0 && c < m->n_classes;
            undecided |= !known;
            PLFLT rx[4] = {m->x[i] - 0.5 * dx, m->x[e - 1] + 0.5 * dx, m->x[e - 1] + 0.5 * dx,
                           m->x[i] - 0.5 * dx};
            /* a hair taller than the cell, so that no seam shows between rows */
            PLFLT ry[4] = {m->y[j] - 0.51 * dy, m->y[j] - 0.51 * dy, m->y[j] + 0.51 * dy,
                           m->y[j] + 0.51 * dy};
            plcol0(known ? PALE0 + c : GREY);
            plfill(4, rx, ry);
            i = e;
        }
    /* the points: a black disc under a smaller coloured one */
    PLFLT *qx = malloc(sizeof(PLFLT) * (size_t)(m->np + 1));
    PLFLT *qy = malloc(sizeof(PLFLT) * (size_t)(m->np + 1));
    if (!qx || !qy) {
        free(qx), free(qy);
        return page_close(&f, path, ncm_error_set(err, NCM_ERR_NOMEM, "%s: out of memory", path),
                          err);
    }
    for (int c = 0; c < m->n_classes; c++) {
        int n = 0;
        for (int k = 0; k < m->np; k++)
            if (m->pcls[k] == c && isfinite(m->px[k]) && isfinite(m->py[k]))
                qx[n] = m->px[k], qy[n] = m->py[k], n++;
        if (!n)
            continue;
        plcol0(15);
        plssym(0, 1.5);
        plpoin(n, qx, qy, 17);
        plcol0(STRONG0 + c);
        plssym(0, 1.0);
        plpoin(n, qx, qy, 17);
    }
    free(qx), free(qy);
    plssym(0, 1.0);
    plcol0(15);
    plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
    pllab(m->xlabel, m->ylabel, m->title);
    /* the legend: each class's region colour with its point colour */
    PLINT opt[17], bc[17], bp[17], tc[17], sc[17], sn[17];
    PLFLT bs[17], bw[17], ss[17];
    const char *text[17], *sym[17];
    int nl = 0;
    for (int c = 0; c < m->n_classes; c++, nl++) {
        opt[nl] = PL_LEGEND_COLOR_BOX | PL_LEGEND_SYMBOL;
        bc[nl] = PALE0 + c, bp[nl] = 0, bs[nl] = 1.0, bw[nl] = 1.0;
        sc[nl] = STRONG0 + c, ss[nl] = 1.0, sn[nl] = 1, sym[nl] = "#[0x25cf]"; /* a disc */
        tc[nl] = 15;
        text[nl] = m->labels[c];
    }
    if (undecided) {
        opt[nl] = PL_LEGEND_COLOR_BOX;
        bc[nl] = GREY, bp[nl] = 0, bs[nl] = 1.0, bw[nl] = 1.0;
        sc[nl] = 15, ss[nl] = 1.0, sn[nl] = 1, sym[nl] = "";
        tc[nl] = 15;
        text[nl++] = "undecided";
    }
    PLFLT lw_out, lh_out;
    pllegend(&lw_out, &lh_out, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_RIGHT | PL_POSITION_OUTSIDE, 0.01, 0.0, 0.04, 0, 15, 1, 0, 0, nl, opt, 0.8,
             0.8, 2.0, 0.0, tc, text, bc, bp, bs, bw, NULL, NULL, NULL, sc, ss, sn, sym);
    return page_close(&f, path, NCM_OK, err);
}
