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

/* [ppv, max|s|, longest stretch / n, min|s|] of each case to dst[i*so + 0..3] */
#define FEATURES_STORE(st, n, dst, so)                                                             \
    do {                                                                                           \
        for (int i_ = 0; i_ < LANES; i_++) {                                                       \
            float *d_ = (dst) + i_ * (so);                                                         \
            d_[0] = (float)(st).count[i_] / (float)(n);                                            \
            d_[1] = (st).max_abs[i_];                                                              \
            d_[2] = (float)(st).best[i_] / (float)(n);                                             \
            d_[3] = (st).min_abs[i_];                                                              \
        }                                                                                          \
    } while (0)

/* sum_j w_j * p[j * step] for LANES cases (taps in order, as the torch engine) */
#define CONV9(p, step)                                                                             \
    ({                                                                                             \
        v8f x0_, x1_, x2_, x3_, x4_, x5_, x6_, x7_, x8_;                                           \
        LOAD8(x0_, (p));                                                                           \
        LOAD8(x1_, (p) + (step));                                                                  \
        LOAD8(x2_, (p) + 2 * (step));                                                              \
        LOAD8(x3_, (p) + 3 * (step));                                                              \
        LOAD8(x4_, (p) + 4 * (step));                                                              \
        LOAD8(x5_, (p) + 5 * (step));                                                              \
        LOAD8(x6_, (p) + 6 * (step));                                                              \
        LOAD8(x7_, (p) + 7 * (step));                                                              \
        LOAD8(x8_, (p) + 8 * (step));                                                              \
        w0 * x0_ + w1 * x1_ + w2 * x2_ + w3 * x3_ + w4 * x4_ + w5 * x5_ + w6 * x6_ + w7 * x7_ +    \
            w8 * x8_;                                                                              \
    })

ANYCONV_CLONES
int anyconv_lightwaves(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                       int64_t n_channels, int64_t n_kernels, const int64_t *channel, const int64_t *dilation,
                       const float *weight, const int64_t *second, float *out, int64_t so)
{
    if (n_cases % LANES != 0)
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
    /* |layer 1| at even times, "same" padded for layer 2: (half + 8 max_d) rows of LANES */
    const size_t y_rows = (size_t)(half + 8 * max_d);
    float *y = (float *)calloc(y_rows * LANES, sizeof(float));
    if (y == NULL)
        return -1;
    for (int64_t k = 0; k < n_kernels; k++) {
        const int64_t d = dilation[k];
        const float *w = weight + 9 * k;
        const v8f w0 = SPLAT(w[0]), w1 = SPLAT(w[1]), w2 = SPLAT(w[2]), w3 = SPLAT(w[3]), w4 = SPLAT(w[4]);
        const v8f w5 = SPLAT(w[5]), w6 = SPLAT(w[6]), w7 = SPLAT(w[7]), w8 = SPLAT(w[8]);
        for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
            /* layer 1: tap j reads x[t + (j - 4) d] */
            const float *xc = x + channel[k] * sc + (pad - 4 * d) * n_cases + i0;
            const int64_t step = d * n_cases;
            float *yk = y + 4 * d * LANES; /* row t' of layer 2's input */
            features_t f1;
            FEATURES_INIT(f1);
            for (int64_t t = 0; t < L; t++) {
                const v8f s = CONV9(xc + t * n_cases, step);
                const v8f a = (v8f)((v8i)s & SPLAT_ABS_MASK);
                FEATURES_ADD(f1, s, a);
                if (second[k] && !(t & 1) && t / 2 < half)
                    memcpy(yk + (t / 2) * LANES, &a, sizeof a);
            }
            FEATURES_STORE(f1, L, out + i0 * so + 8 * k, so);
            if (!second[k] || half < 1)
                continue;
            /* layer 2 on y: zeros in rows [0, 4d) and [4d + half, half + 8d) */
            memset(y, 0, sizeof(float) * (size_t)(4 * d) * LANES);
            memset(y + (4 * d + half) * LANES, 0, sizeof(float) * (size_t)(4 * d) * LANES);
            features_t f2;
            FEATURES_INIT(f2);
            const int64_t ystep = d * LANES;
            for (int64_t t = 0; t < half; t++) {
                const v8f s = CONV9(y + t * LANES, ystep);
                const v8f a = (v8f)((v8i)s & SPLAT_ABS_MASK);
                FEATURES_ADD(f2, s, a);
            }
            FEATURES_STORE(f2, half, out + i0 * so + 8 * k + 4, so);
        }
    }
    free(y);
    return 0;
}
