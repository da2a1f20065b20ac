/*
 * LightWaveS transform of a selected bank, fused (compiled at install time).
 *
 * Each selected (channel, kernel, dilation) triple: layer 1 is the dilated
 * length-9 kernel on its channel ("same" zero padding); layer 2 is the same
 * kernel on every other value of |layer 1| (again "same" padded). Each layer
 * gives four features: proportion of positive values, max |s|, longest
 * stretch of positive values that ends before the last value (divided by the
 * length), min |s|. Both layers and all features happen in one pass per
 * layer, eight cases at a time in vector registers: no layer output is ever
 * written to memory except the half-length |layer 1| that layer 2 reads.
 *
 * Layout of `x`: channel c, padded time p, case i at x[c*sc + p*n_cases + i];
 * every channel carries `pad` >= 4 * max(dilation) zeros before and after its
 * L values. n_cases % LANES == 0 (the Python wrapper pads the batch).
 * Weights are per kernel, already divided by dilation ** 1.5 (as the torch engine).
 * Output: feature f of kernel k for case i at out[i*so + k*8 + f].
 * Returns 0, -1 when out of memory, -2 on a bad layout or dilation, -3 on a
 * channel id outside [0, n_channels).
 */
#include <stdlib.h>

#include "simd.h"

/* clears the sign bit: |s| */
#define SPLAT_ABS_MASK SPLAT_I(0x7fffffff)

/* Running state of the four features over one layer output, LANES cases. */
typedef struct {
    v8i count;  /* positions with s > 0 */
    v8i run;    /* length of the positive stretch running now */
    v8i best;   /* longest positive stretch that has ended */
    v8f max_abs;
    v8f min_abs;
} features_t;

#define FEATURES_INIT(st)                                                                          \
    do {                                                                                           \
        memset(&(st), 0, sizeof(st));                                                              \
        (st).min_abs = SPLAT(__builtin_inff());                                                    \
    } while (0)

/* Add one position with values s; a is |s|. */
#define FEATURES_ADD(st, s, a)                                                                     \
    do {                                                                                           \
        const v8i pos_ = (s) > SPLAT(0.0f); /* -1 where s > 0 */                                   \
        (st).count -= pos_;                                                                        \
        const v8i ended_ = (st).run & ~pos_; /* stretch ended here (0 where still running) */     \
        (st).best = VSELECT_I((st).best > ended_, (st).best, ended_);                              \
        (st).run = ((st).run + 1) & pos_;                                                          \
        (st).max_abs = VSELECT_F((st).max_abs > (a), (st).max_abs, (a));                           \
        (st).min_abs = VSELECT_F((st).min_abs < (a), (st).min_abs, (a));                           \
    } while (0)

/* [ppv, max|s|, longest stretch / n, min|s|] of each case to dst[i*so + 0..3]
 * (one vector division per ratio: the same IEEE quotient as per lane) */
#define FEATURES_STORE(st, n, dst, so)                                                             \
    do {                                                                                           \
        const v8f n_ = SPLAT((float)(n));                                                          \
        const v8f ppv_ = __builtin_convertvector((st).count, v8f) / n_;                            \
        const v8f lsp_ = __builtin_convertvector((st).best, v8f) / n_;                             \
        for (int i_ = 0; i_ < LANES; i_++) {                                                       \
            float *d_ = (dst) + i_ * (so);                                                         \
            d_[0] = ppv_[i_];                                                                      \
            d_[1] = (st).max_abs[i_];                                                              \
            d_[2] = lsp_[i_];                                                                      \
            d_[3] = (st).min_abs[i_];                                                              \
        }                                                                                          \
    } while (0)

/* w_j * p[j * step] for LANES cases */
#define TAP(p, step, j)                                                                            \
    ({                                                                                             \
        v8f x_;                                                                                    \
        LOAD8(x_, (p) + (j) * (step));                                                             \
        w##j * x_;                                                                                 \
    })

/* sum over taps j = 4 - M .. 4 + M of w_j * p[j * step], in tap order (as the torch engine).
 * Taps with |j - 4| * dilation >= length read only padding zeros at every position, so a
 * layer skips them: adding w * 0 first changes no sum (bar the sign of a zero, which no
 * feature sees). */
#define SUM_M4(p, step)                                                                            \
    (TAP(p, step, 0) + TAP(p, step, 1) + TAP(p, step, 2) + TAP(p, step, 3) + TAP(p, step, 4) +     \
     TAP(p, step, 5) + TAP(p, step, 6) + TAP(p, step, 7) + TAP(p, step, 8))
#define SUM_M3(p, step)                                                                            \
    (TAP(p, step, 1) + TAP(p, step, 2) + TAP(p, step, 3) + TAP(p, step, 4) + TAP(p, step, 5) +     \
     TAP(p, step, 6) + TAP(p, step, 7))
#define SUM_M2(p, step)                                                                            \
    (TAP(p, step, 2) + TAP(p, step, 3) + TAP(p, step, 4) + TAP(p, step, 5) + TAP(p, step, 6))
#define SUM_M1(p, step) (TAP(p, step, 3) + TAP(p, step, 4) + TAP(p, step, 5))
#define SUM_M0(p, step) TAP(p, step, 4)

/* Taps a layer of length n at dilation d needs on each side of the centre: min(4, (n - 1) / d). */
static inline int reach(int64_t n, int64_t d)
{
    const int64_t m = (n - 1) / d;
    return m < 4 ? (int)m : 4;
}

/* Layer 1 of one kernel, LANES cases: features into f1; |s| at even t into y (layer 2's input) */
#define LAYER1(SUM)                                                                                \
    for (int64_t t = 0; t < L; t++) {                                                              \
        const v8f s = SUM(xc + t * n_cases, step);                                                 \
        const v8f a = (v8f)((v8i)s & SPLAT_ABS_MASK);                                              \
        FEATURES_ADD(f1, s, a);                                                                    \
        if (keep && !(t & 1) && t / 2 < half)                                                      \
            memcpy(y_data + (t / 2) * LANES, &a, sizeof a);                                        \
    }

/* Layer 2 of one kernel on y, LANES cases: features into f2 */
#define LAYER2(SUM)                                                                                \
    for (int64_t t = 0; t < half; t++) {                                                           \
        const v8f s = SUM(y2 + t * LANES, ystep);                                                  \
        const v8f a = (v8f)((v8i)s & SPLAT_ABS_MASK);                                              \
        FEATURES_ADD(f2, s, a);                                                                    \
    }

#define DISPATCH_REACH(m, MACRO)                                                                   \
    switch (m) {                                                                                   \
    case 4: MACRO(SUM_M4); break;                                                                  \
    case 3: MACRO(SUM_M3); break;                                                                  \
    case 2: MACRO(SUM_M2); break;                                                                  \
    case 1: MACRO(SUM_M1); break;                                                                  \
    default: MACRO(SUM_M0); break;                                                                 \
    }

ANYCONV_CLONES_FMA
int anyconv_lightwaves_impl(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                       int64_t n_channels, int64_t n_kernels, const int64_t *channel, const int64_t *dilation,
                       const float *weight, const int64_t *second, float *out, int64_t so)
{
    if (n_cases < 0 || n_cases % LANES != 0 || n_timepoints < 1 || n_kernels < 0 || pad < 0)
        return -2;
    int64_t max_d = 1;
    for (int64_t k = 0; k < n_kernels; k++) {
        if (channel[k] < 0 || channel[k] >= n_channels)
            return -3;
        if (dilation[k] < 1 || 4 * dilation[k] > pad)
            return -2;
        max_d = dilation[k] > max_d ? dilation[k] : max_d;
    }
    const int64_t L = n_timepoints, half = L / 2;
    /* layer 2's input, "same" padded for every dilation: rows [0, 4 max_d) and
     * [4 max_d + half, 8 max_d + half) stay zero (calloc), rows in between are
     * |layer 1| at even times of the kernel at hand */
    const int64_t y_pad = 4 * max_d;
    float *y = (float *)calloc((size_t)(half + 2 * y_pad) * LANES, sizeof(float));
    if (y == NULL)
        return -1;
    float *const y_data = y + y_pad * LANES;
    for (int64_t k = 0; k < n_kernels; k++) {
        const int64_t d = dilation[k];
        const int keep = second[k] && half >= 1;
        const int m1 = reach(L, d), m2 = keep ? reach(half, d) : 0;
        const float *w = weight + 9 * k;
        const v8f w0 = SPLAT(w[0]), w1 = SPLAT(w[1]), w2 = SPLAT(w[2]), w3 = SPLAT(w[3]), w4 = SPLAT(w[4]);
        const v8f w5 = SPLAT(w[5]), w6 = SPLAT(w[6]), w7 = SPLAT(w[7]), w8 = SPLAT(w[8]);
        /* layer 1: tap j reads x[t + (j - 4) d]; layer 2: tap j reads y[t + (j - 4) d] */
        const int64_t step = d * n_cases, ystep = d * LANES;
        const float *y2 = y_data - 4 * d * LANES;
        for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
            const float *xc = x + channel[k] * sc + (pad - 4 * d) * n_cases + i0;
            features_t f1;
            FEATURES_INIT(f1);
            DISPATCH_REACH(m1, LAYER1)
            FEATURES_STORE(f1, L, out + i0 * so + 8 * k, so);
            if (!keep)
                continue;
            features_t f2;
            FEATURES_INIT(f2);
            DISPATCH_REACH(m2, LAYER2)
            FEATURES_STORE(f2, half, out + i0 * so + 8 * k + 4, so);
        }
    }
    free(y);
    return 0;
}

/* The exported entry point: a plain function calling the dispatched copies (clang < 16
 * exports a target_clones function only as "anyconv_lightwaves_impl.ifunc"). */
int anyconv_lightwaves(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                       int64_t n_channels, int64_t n_kernels, const int64_t *channel, const int64_t *dilation,
                       const float *weight, const int64_t *second, float *out, int64_t so)
{
    return anyconv_lightwaves_impl(x, n_cases, n_timepoints, pad, sc, n_channels, n_kernels, channel, dilation, weight, second, out, so);
}
