/*
 * MiniRocket transform, fused (compiled at install time).
 *
 * Kernel k (of 84) at dilation d has weight -1 on its nine taps except 2 on
 * taps a < b < c; its output is computed as the reference does:
 *   alpha[t] = -(x4 + x0 + x1 + x2 + x3 + x5 + x6 + x7 + x8)   (x_i = x[t + (i - 4) d])
 *   C[t]     = ((alpha[t] + 3 x_a) + 3 x_b) + 3 x_c
 * ("same" zero padding; with `shift` the taps i < 4 read one step later, the
 * MultiRocket difference quirk). A multivariate combination sums C over its
 * channels, in their order. Each output row (L values x LANES cases) stays in
 * L1 while it is compared with the combination's biases (PPV over all L, or
 * over the unpadded centre [4d, L - 4d) when dilation index + k is odd).
 *
 * Layout of `x`: channel c, padded time p, case i at x[c*sc + p*n_cases + i];
 * every channel carries `pad` >= 4 * max(dilation) + shift zeros before and
 * after its L values; n_cases % LANES == 0 (the wrapper pads the batch).
 * Bank (reference order): per dilation nf[j] biases per kernel, biases
 * dilation-major then kernel; per (dilation, kernel) combination its channel
 * count per_comb and ids in channel_indices (concatenated).
 * Output: feature f of kernel k at dilation j for case i at
 * out[i*so + 84 * (nf[0] + ... + nf[j-1]) + k * nf[j] + f].
 *
 * HDC-MiniRocket (`rot` not NULL): instead of the PPV mean_t 1[C_t > b], each
 * feature is mean_t 1[C_t > b] * P(t) with the timestamp code
 * P(t) = cos(w t) + sin(w t) of its own frequency w. A dilation's codes are
 * tabulated once per call (rotating (cos w t, sin w t) one step per position
 * in double precision) and reused by every block of cases; rot holds, per
 * feature in output order, the rotation's start (cos w lo, sin w lo) and step
 * (cos w, sin w). At w = 0 every code is 1 and the feature is exactly the PPV.
 * Returns 0, -1 when out of memory, -2 on a bad layout, size or dilation (also
 * nf < 0, a combination of fewer than 1 or more than n_channels channels), -3 on a
 * channel id outside [0, n_channels). Nothing is read before every range is checked.
 */
#include <stdlib.h>

/* Sums round like the reference's (aeon's features bit for bit): no fused multiply-add,
 * even when built with -march=native or by clang (3 * x + s in one rounding would differ). */
#define ANYCONV_NO_CONTRACT
#include "simd.h"

#define N_KERNELS 84

/* taps (a, b, c) carrying the weight 2, in the reference's order */
static const int8_t TAPS[N_KERNELS][3] = {
    {0, 1, 2}, {0, 1, 3}, {0, 1, 4}, {0, 1, 5}, {0, 1, 6}, {0, 1, 7}, {0, 1, 8}, {0, 2, 3}, {0, 2, 4},
    {0, 2, 5}, {0, 2, 6}, {0, 2, 7}, {0, 2, 8}, {0, 3, 4}, {0, 3, 5}, {0, 3, 6}, {0, 3, 7}, {0, 3, 8},
    {0, 4, 5}, {0, 4, 6}, {0, 4, 7}, {0, 4, 8}, {0, 5, 6}, {0, 5, 7}, {0, 5, 8}, {0, 6, 7}, {0, 6, 8},
    {0, 7, 8}, {1, 2, 3}, {1, 2, 4}, {1, 2, 5}, {1, 2, 6}, {1, 2, 7}, {1, 2, 8}, {1, 3, 4}, {1, 3, 5},
    {1, 3, 6}, {1, 3, 7}, {1, 3, 8}, {1, 4, 5}, {1, 4, 6}, {1, 4, 7}, {1, 4, 8}, {1, 5, 6}, {1, 5, 7},
    {1, 5, 8}, {1, 6, 7}, {1, 6, 8}, {1, 7, 8}, {2, 3, 4}, {2, 3, 5}, {2, 3, 6}, {2, 3, 7}, {2, 3, 8},
    {2, 4, 5}, {2, 4, 6}, {2, 4, 7}, {2, 4, 8}, {2, 5, 6}, {2, 5, 7}, {2, 5, 8}, {2, 6, 7}, {2, 6, 8},
    {2, 7, 8}, {3, 4, 5}, {3, 4, 6}, {3, 4, 7}, {3, 4, 8}, {3, 5, 6}, {3, 5, 7}, {3, 5, 8}, {3, 6, 7},
    {3, 6, 8}, {3, 7, 8}, {4, 5, 6}, {4, 5, 7}, {4, 5, 8}, {4, 6, 7}, {4, 6, 8}, {4, 7, 8}, {5, 6, 7},
    {5, 6, 8}, {5, 7, 8}, {6, 7, 8}};

/* PPV of one output row (positions lo .. hi - 1, LANES cases each) against nf biases */
static inline void ppv_row(const float *row, int64_t lo, int64_t hi, const float *bias, int64_t nf,
                           float *dst, int64_t so)
{
    const float n = (float)(hi - lo);
    int64_t f = 0;
    for (; f + 4 <= nf; f += 4) { /* four biases per pass: one load, four compares */
        const v8f b0 = SPLAT(bias[f]), b1 = SPLAT(bias[f + 1]), b2 = SPLAT(bias[f + 2]), b3 = SPLAT(bias[f + 3]);
        v8i c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
        for (int64_t t = lo; t < hi; t++) {
            v8f v;
            LOAD8(v, row + t * LANES);
            c0 -= v > b0; /* comparisons give -1 (true) or 0 */
            c1 -= v > b1;
            c2 -= v > b2;
            c3 -= v > b3;
        }
        for (int i = 0; i < LANES; i++) {
            dst[i * so + f] = (float)c0[i] / n;
            dst[i * so + f + 1] = (float)c1[i] / n;
            dst[i * so + f + 2] = (float)c2[i] / n;
            dst[i * so + f + 3] = (float)c3[i] / n;
        }
    }
    for (; f < nf; f++) {
        const float bf = bias[f];
        const v8f b0 = SPLAT(bf);
        v8i c0 = {0};
        for (int64_t t = lo; t < hi; t++) {
            v8f v;
            LOAD8(v, row + t * LANES);
            c0 -= v > b0;
        }
        for (int i = 0; i < LANES; i++)
            dst[i * so + f] = (float)c0[i] / n;
    }
}

/* Timestamp codes of n features: code[f * L + t] = cos(w t) + sin(w t) for t in [lo, hi),
 * rotating (cos w t, sin w t) by (cos w, sin w) per position in double precision, four
 * features side by side (independent rotations: no waiting on one chain) */
static void hdc_codes(const double *rot, int64_t n, int64_t L, int64_t lo, int64_t hi, float *code)
{
    for (int64_t f0 = 0; f0 < n; f0 += 4) {
        const int g = n - f0 < 4 ? (int)(n - f0) : 4;
        double cr[4] = {0}, ci[4] = {0}, cs[4] = {1, 1, 1, 1}, sn[4] = {0};
        for (int q = 0; q < g; q++) {
            const double *r = rot + 4 * (f0 + q);
            cr[q] = r[0], ci[q] = r[1], cs[q] = r[2], sn[q] = r[3];
        }
        for (int64_t t = lo; t < hi; t++)
            for (int q = 0; q < 4; q++) {
                if (q < g)
                    code[(f0 + q) * L + t] = (float)(cr[q] + ci[q]);
                const double r = cr[q] * cs[q] - ci[q] * sn[q];
                ci[q] = ci[q] * cs[q] + cr[q] * sn[q];
                cr[q] = r;
            }
    }
}

/* HDC-MiniRocket features of G consecutive biases (G <= 4): time-coded means */
static inline __attribute__((always_inline)) void hdc_group(const float *row, int64_t lo, int64_t hi,
                                                             const float *bias, const float *code, int64_t L,
                                                             int G, float *dst, int64_t so)
{
    v8f b[4] = {{0}}, acc[4] = {{0}}; /* (only G are used; initialised for -Wmaybe-uninitialized) */
    for (int q = 0; q < G; q++) {
        b[q] = SPLAT(bias[q]);
        acc[q] = SPLAT(0.0f);
    }
    for (int64_t t = lo; t < hi; t++) {
        v8f v;
        LOAD8(v, row + t * LANES);
        for (int q = 0; q < G; q++) /* code where C_t > b, else 0 */
            acc[q] += (v8f)((v8i)(v > b[q]) & (v8i)SPLAT(code[q * L + t]));
    }
    const float n = (float)(hi - lo);
    for (int q = 0; q < G; q++)
        for (int i = 0; i < LANES; i++)
            dst[i * so + q] = acc[q][i] / n;
}

/* HDC-MiniRocket features of one output row against nf biases (see the top) */
static inline void hdc_row(const float *row, int64_t lo, int64_t hi, const float *bias, int64_t nf,
                           const float *code, int64_t L, float *dst, int64_t so)
{
    int64_t f = 0;
    for (; f + 4 <= nf; f += 4) /* four biases per pass: one load of the row */
        hdc_group(row, lo, hi, bias + f, code + f * L, L, 4, dst + f, so);
    for (; f < nf; f++)
        hdc_group(row, lo, hi, bias + f, code + f * L, L, 1, dst + f, so);
}

ANYCONV_CLONES
int anyconv_minirocket_impl(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                       int64_t n_channels, int64_t n_dilations, const int64_t *dilations, const int64_t *nf,
                       const float *biases, const int64_t *per_comb, const int64_t *channel_indices,
                       int64_t shift, const double *rot, float *out, int64_t so)
{
    const int64_t L = n_timepoints;
    if (n_cases < 0 || n_cases % LANES != 0 || shift < 0 || n_channels < 1 || n_dilations < 0 || L < 1)
        return ANYCONV_BAD_SIZE;
    int64_t n_ids = 0;
    for (int64_t j = 0; j < n_dilations; j++) {
        if (dilations[j] < 1 || 4 * dilations[j] + shift > pad || L - 8 * dilations[j] < 1 || nf[j] < 0)
            return ANYCONV_BAD_SIZE;
        for (int k = 0; k < N_KERNELS; k++) {
            const int64_t m = per_comb[j * N_KERNELS + k];
            if (m < 1 || m > n_channels)
                return ANYCONV_BAD_SIZE;
            n_ids += m;
        }
    }
    for (int64_t q = 0; q < n_ids; q++)
        if (channel_indices[q] < 0 || channel_indices[q] >= n_channels)
            return ANYCONV_BAD_CHANNEL;
    /* per block of cases: -sum of the nine taps of every channel, and one output row */
    float *alpha = (float *)malloc(sizeof(float) * (size_t)(n_channels * L * LANES));
    float *row = (float *)malloc(sizeof(float) * (size_t)(L * LANES));
    /* HDC: one dilation's timestamp codes (84 nf[j] features x L), reused by every block of cases */
    int64_t max_nf = 0;
    for (int64_t j = 0; j < n_dilations; j++)
        max_nf = nf[j] > max_nf ? nf[j] : max_nf;
    float *codes = rot == NULL ? NULL : (float *)malloc(sizeof(float) * (size_t)(N_KERNELS * max_nf * L));
    if (alpha == NULL || row == NULL || (rot != NULL && codes == NULL)) {
        free(alpha);
        free(row);
        free(codes);
        return -1;
    }
    const v8f three = SPLAT(3.0f);
    int64_t f_start = 0, comb = 0, c_start = 0;
    for (int64_t j = 0; j < n_dilations; j++) {
        const int64_t d = dilations[j];
        /* tap i of time t reads padded time pad + t + off[i] */
        int64_t off[9];
        for (int i = 0; i < 9; i++)
            off[i] = (i - 4) * d + (i < 4 ? shift : 0);
        if (rot != NULL)
            for (int k = 0; k < N_KERNELS; k++) {
                const int64_t lo = ((j + k) % 2) ? 4 * d : 0, hi = ((j + k) % 2) ? L - 4 * d : L;
                hdc_codes(rot + 4 * (f_start + k * nf[j]), nf[j], L, lo, hi, codes + k * nf[j] * L);
            }
        for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
            for (int64_t c = 0; c < n_channels; c++) {
                const float *xc = x + c * sc + pad * n_cases + i0;
                float *ac = alpha + c * L * LANES;
                for (int64_t t = 0; t < L; t++) {
                    const float *p = xc + t * n_cases;
                    v8f s, v;
                    LOAD8(s, p + off[4] * n_cases);
                    static const int order[8] = {0, 1, 2, 3, 5, 6, 7, 8}; /* the reference's order */
                    for (int q = 0; q < 8; q++) {
                        LOAD8(v, p + off[order[q]] * n_cases);
                        s += v;
                    }
                    s = -s;
                    memcpy(ac + t * LANES, &s, sizeof s);
                }
            }
            int64_t comb_j = comb, c_start_j = c_start;
            for (int k = 0; k < N_KERNELS; k++) {
                const int64_t oa = off[TAPS[k][0]] * n_cases, ob = off[TAPS[k][1]] * n_cases;
                const int64_t oc = off[TAPS[k][2]] * n_cases;
                const int64_t *chans = channel_indices + c_start_j;
                for (int64_t m = 0; m < per_comb[comb_j]; m++) {
                    const float *xc = x + chans[m] * sc + pad * n_cases + i0;
                    const float *ac = alpha + chans[m] * L * LANES;
                    for (int64_t t = 0; t < L; t++) {
                        const float *p = xc + t * n_cases;
                        v8f s, ga, gb, gc;
                        LOAD8(s, ac + t * LANES);
                        LOAD8(ga, p + oa);
                        LOAD8(gb, p + ob);
                        LOAD8(gc, p + oc);
                        s = ((s + three * ga) + three * gb) + three * gc;
                        if (m == 0) {
                            memcpy(row + t * LANES, &s, sizeof s);
                        } else {
                            v8f acc;
                            LOAD8(acc, row + t * LANES);
                            acc += s;
                            memcpy(row + t * LANES, &acc, sizeof acc);
                        }
                    }
                }
                const int64_t lo = ((j + k) % 2) ? 4 * d : 0, hi = ((j + k) % 2) ? L - 4 * d : L;
                const int64_t f0 = f_start + k * nf[j];
                if (rot == NULL)
                    ppv_row(row, lo, hi, biases + f0, nf[j], out + i0 * so + f0, so);
                else
                    hdc_row(row, lo, hi, biases + f0, nf[j], codes + k * nf[j] * L, L, out + i0 * so + f0, so);
                c_start_j += per_comb[comb_j];
                comb_j++;
            }
        }
        for (int k = 0; k < N_KERNELS; k++)
            c_start += per_comb[comb + k];
        comb += N_KERNELS;
        f_start += N_KERNELS * nf[j];
    }
    free(alpha);
    free(row);
    free(codes);
    return 0;
}

/* The exported entry point: a plain function calling the dispatched copies (clang < 16
 * exports a target_clones function only as "anyconv_minirocket_impl.ifunc"). */
int anyconv_minirocket(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                       int64_t n_channels, int64_t n_dilations, const int64_t *dilations, const int64_t *nf,
                       const float *biases, const int64_t *per_comb, const int64_t *channel_indices,
                       int64_t shift, const double *rot, float *out, int64_t so)
{
    return anyconv_minirocket_impl(x, n_cases, n_timepoints, pad, sc, n_channels, n_dilations, dilations, nf, biases, per_comb, channel_indices, shift, rot, out, so);
}

/*
 * MultiRocket's convolution outputs of one dilation, in aeon's MultiRocket transform
 * order (the same as above: alpha then ((alpha + 3 x_a) + 3 x_b) + 3 x_c per channel,
 * channels summed in the combination's order), written out for the pooling loop:
 * kernel k, time t, case i at out[(k * L + t) * n_cases + i]. `x` as above (pad >=
 * 4 * dilation + shift); per_comb: the 84 combinations' channel counts, channel_indices
 * their ids (concatenated). Returns 0, -1 when out of memory, -2 on a bad size, -3 on a
 * channel id outside [0, n_channels).
 */
ANYCONV_CLONES
int anyconv_minirocket_conv_impl(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                                 int64_t n_channels, int64_t d, const int64_t *per_comb,
                                 const int64_t *channel_indices, int64_t shift, float *out)
{
    const int64_t L = n_timepoints;
    if (n_cases < 0 || n_cases % LANES != 0 || shift < 0 || n_channels < 1 || L < 1 || d < 1 ||
        4 * d + shift > pad)
        return ANYCONV_BAD_SIZE;
    int64_t n_ids = 0;
    for (int k = 0; k < N_KERNELS; k++) {
        if (per_comb[k] < 1 || per_comb[k] > n_channels)
            return ANYCONV_BAD_SIZE;
        n_ids += per_comb[k];
    }
    for (int64_t q = 0; q < n_ids; q++)
        if (channel_indices[q] < 0 || channel_indices[q] >= n_channels)
            return ANYCONV_BAD_CHANNEL;
    /* alpha of the whole batch, (C, L, n_cases): each kernel's rows are then written in one
     * sequential sweep (blocks of cases innermost; strided per-block rows measured ~20 %
     * slower on OSULeaf: every cache line was written in two halves at different times) */
    float *alpha = (float *)malloc(sizeof(float) * (size_t)(n_channels * L * n_cases));
    if (alpha == NULL)
        return -1;
    const v8f three = SPLAT(3.0f);
    int64_t off[9];
    for (int i = 0; i < 9; i++)
        off[i] = (i - 4) * d + (i < 4 ? shift : 0);
    static const int order[8] = {0, 1, 2, 3, 5, 6, 7, 8}; /* the reference's order */
    for (int64_t c = 0; c < n_channels; c++)
        for (int64_t t = 0; t < L; t++) {
            const float *p = x + c * sc + (pad + t) * n_cases;
            float *ac = alpha + (c * L + t) * n_cases;
            for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
                v8f s, v;
                LOAD8(s, p + off[4] * n_cases + i0);
                for (int q = 0; q < 8; q++) {
                    LOAD8(v, p + off[order[q]] * n_cases + i0);
                    s += v;
                }
                s = -s;
                memcpy(ac + i0, &s, sizeof s);
            }
        }
    int64_t c_start = 0;
    for (int k = 0; k < N_KERNELS; k++) {
        const int64_t oa = off[TAPS[k][0]] * n_cases, ob = off[TAPS[k][1]] * n_cases;
        const int64_t oc = off[TAPS[k][2]] * n_cases;
        const int64_t *chans = channel_indices + c_start;
        for (int64_t m = 0; m < per_comb[k]; m++) {
            for (int64_t t = 0; t < L; t++) {
                const float *p = x + chans[m] * sc + (pad + t) * n_cases;
                const float *ac = alpha + (chans[m] * L + t) * n_cases;
                float *row = out + (k * L + t) * n_cases;
                for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
                    v8f s, ga, gb, gc;
                    LOAD8(s, ac + i0);
                    LOAD8(ga, p + oa + i0);
                    LOAD8(gb, p + ob + i0);
                    LOAD8(gc, p + oc + i0);
                    s = ((s + three * ga) + three * gb) + three * gc;
                    if (m == 0) {
                        memcpy(row + i0, &s, sizeof s);
                    } else {
                        v8f acc;
                        LOAD8(acc, row + i0);
                        acc += s;
                        memcpy(row + i0, &acc, sizeof acc);
                    }
                }
            }
        }
        c_start += per_comb[k];
    }
    free(alpha);
    return 0;
}

int anyconv_minirocket_conv(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                            int64_t n_channels, int64_t d, const int64_t *per_comb, const int64_t *channel_indices,
                            int64_t shift, float *out)
{
    return anyconv_minirocket_conv_impl(x, n_cases, n_timepoints, pad, sc, n_channels, d, per_comb, channel_indices,
                                        shift, out);
}
