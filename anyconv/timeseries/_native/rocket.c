/*
 * ROCKET transform, fused (compiled at install time).
 *
 * Each kernel: out[t] = bias + sum over its channels c and taps j of
 * w[c, j] * xpad[c, t + j * dilation], t = 0 .. n_out - 1 with
 * n_out = L + 2 * padding - (length - 1) * dilation (zero padding); features
 * PPV = count(out > 0) / n_out and max(out). The output values live only in
 * vector registers, eight cases at a time: nothing is written but the features.
 *
 * Layout of `x`: channel c, padded time p, case i at x[c*sc + p*n_cases + i];
 * every channel carries `pad` >= max(padding) zeros before and after its L
 * values; n_cases % LANES == 0 (the Python wrapper pads the batch).
 * Kernel k: weights[w_off[k] ..] (n_ch[k] rows of lengths[k] taps, one row per
 * channel in channel_indices[c_off[k] ..]).
 * Output: PPV of kernel k for case i at out[i*so + 2k], max at out[i*so + 2k + 1].
 * Returns 0, -2 on a bad layout or kernel, -3 on a channel id outside
 * [0, n_channels).
 */
#include "simd.h"

#define MAX_LENGTH 11 /* ROCKET kernel lengths are 7, 9, 11 */
/* all outputs of kernel k for one block of cases: count and best updated in registers */
#define CONVOLVE_AND_POOL(LEN)                                                                     \
    for (int64_t t = 0; t < n_out; t++) {                                                          \
        v8f s = bias;                                                                              \
        for (int64_t c = 0; c < n_ch[k]; c++) {                                                    \
            const float *row = base + chans[c] * sc + t * n_cases;                                 \
            const float *wc = w + c * (LEN);                                                       \
            for (int64_t j = 0; j < (LEN); j++) {                                                  \
                v8f v;                                                                             \
                LOAD8(v, row + j * step);                                                          \
                s += SPLAT(wc[j]) * v;                                                             \
            }                                                                                      \
        }                                                                                          \
        count -= s > SPLAT(0.0f); /* comparisons give -1 (true) or 0 */                           \
        best = VSELECT_F(s > best, s, best);                                                       \
    }

ANYCONV_CLONES_FMA
int anyconv_rocket_impl(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                   int64_t n_channels, int64_t n_kernels, const int64_t *lengths, const int64_t *dilations,
                   const int64_t *paddings, const float *biases, const float *weights,
                   const int64_t *w_off, const int64_t *n_ch, const int64_t *channel_indices,
                   const int64_t *c_off, float *out, int64_t so)
{
    if (n_cases < 0 || n_cases % LANES != 0 || n_timepoints < 1 || pad < 0 || n_kernels < 0)
        return -2;
    for (int64_t k = 0; k < n_kernels; k++) {
        if (lengths[k] < 1 || lengths[k] > MAX_LENGTH || paddings[k] > pad || dilations[k] < 1 ||
            n_timepoints + 2 * paddings[k] - (lengths[k] - 1) * dilations[k] < 1)
            return -2;
        if (n_ch[k] < 1 || n_ch[k] > n_channels || w_off[k] < 0 || c_off[k] < 0)
            return -2;
        for (int64_t c = 0; c < n_ch[k]; c++)
            if (channel_indices[c_off[k] + c] < 0 || channel_indices[c_off[k] + c] >= n_channels)
                return -3;
    }
    for (int64_t k = 0; k < n_kernels; k++) {
        const int64_t len = lengths[k], step = dilations[k] * n_cases;
        const int64_t n_out = n_timepoints + 2 * paddings[k] - (len - 1) * dilations[k];
        const float *w = weights + w_off[k];
        const int64_t *chans = channel_indices + c_off[k];
        const v8f bias = SPLAT(biases[k]);
        for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
            /* time t of the kernel's padded input is padded time pad - padding + t */
            const float *base = x + (pad - paddings[k]) * n_cases + i0;
            v8i count = {0};
            v8f best = SPLAT(-__builtin_inff());
            switch (len) { /* a compile-time tap count: the tap loop unrolls */
            case 7: CONVOLVE_AND_POOL(7); break;
            case 9: CONVOLVE_AND_POOL(9); break;
            case 11: CONVOLVE_AND_POOL(11); break;
            default: CONVOLVE_AND_POOL(len); break;
            }
            for (int i = 0; i < LANES; i++) {
                out[(i0 + i) * so + 2 * k] = (float)count[i] / (float)n_out;
                out[(i0 + i) * so + 2 * k + 1] = best[i];
            }
        }
    }
    return 0;
}

/* The exported entry point: a plain function calling the dispatched copies (clang < 16
 * exports a target_clones function only as "anyconv_rocket_impl.ifunc"). */
int anyconv_rocket(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                   int64_t n_channels, int64_t n_kernels, const int64_t *lengths, const int64_t *dilations,
                   const int64_t *paddings, const float *biases, const float *weights,
                   const int64_t *w_off, const int64_t *n_ch, const int64_t *channel_indices,
                   const int64_t *c_off, float *out, int64_t so)
{
    return anyconv_rocket_impl(x, n_cases, n_timepoints, pad, sc, n_channels, n_kernels, lengths, dilations, paddings, biases, weights, w_off, n_ch, channel_indices, c_off, out, so);
}
