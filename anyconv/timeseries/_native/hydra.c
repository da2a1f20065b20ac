/*
 * Hydra transform, fused (compiled at install time): convolution and competition
 * in one pass per kernel group (Dempster, Schmidt & Webb 2023; aeon's HydraTransformer).
 *
 * Per dilation d (index j) and representation r (0: the series, 1: its first
 * difference, length L - 1), group g convolves its input s (univariate: the
 * series; multivariate: the sum of its sampled channels, repeats counted twice)
 * with its k kernels of 9 taps ("same" output, zero padding 4 d):
 *   z_q[t] = sum_i w[q, i] * s[t + (i - 4) d],   t = 0 .. L_r - 1.
 * At every t the kernel with the largest z adds z to its "max" count and the
 * kernel with the smallest z adds 1 to its "min" count; ties go to the lowest
 * index (strict comparisons in kernel order: what argmax/argmin and torch's
 * max/min along a dimension return). The k responses of LANES cases live in
 * vector registers; nothing of size (k, L) is written.
 *
 * Layout of `x`: channel c, padded time p, case i at x[c*sc + p*n_cases + i];
 * every channel carries `pad` >= 4 * max(dilation) zeros before and after its L
 * values; n_cases % LANES == 0 (the wrapper pads the batch).
 * Bank: weights (n_dilations, divisor, h * k, 9), rows g*k .. g*k + k - 1 of
 * (j, r) are group g's kernels; channels (n_dilations, divisor, h, n_per) the
 * channel ids summed into each group's input (read only when n_channels > 1).
 * Output (the reference's layout): for case i, the max count of kernel q of group
 * g at out[i*so + ((j*divisor + r)*2 + 0)*h*k + g*k + q], the min count at
 * the same place with 1 instead of 0.
 * Returns 0, -1 when out of memory, -2 on a bad size, layout or dilation, -3 on a
 * channel id outside [0, n_channels). Nothing is read before every range is checked.
 */
#include <stdlib.h>

#include "simd.h"

#define TAPS 9

/* x86-64-v4 (AVX-512VL: 32 vector registers hold the 9 inputs and 8 responses
 * without spilling), then AVX2+FMA, AVX2, baseline. The FMA copies sum each response
 * as fma(w_i, x_i, z) from z = 0 in tap order, as torch's conv1d does on the CPU (aeon's
 * Hydra), so their features equal aeon's bit for bit; the others' within float32 rounding. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(__APPLE__)
#define HYDRA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "avx2", "default")))
#define HYDRA_FMA_CLONES 1
#pragma GCC optimize("fp-contract=fast") /* contract z + w * x even under -std=c11 (ISO mode turns it off) */
#else
#define HYDRA_CLONES ANYCONV_CLONES_FMA
#endif

/* The competition of one group over one block of LANES cases: row points at t = 0
 * of a contiguous (pad + L_r + pad) x LANES row; w holds K rows of 9 taps; the
 * counts go to accmax[q], accmin[q]. K is a compile-time constant where inlined
 * with one (the usual k = 8: the responses stay in registers). */
static inline __attribute__((always_inline)) void compete(const float *row, int64_t n, int64_t d, const float *w,
                                                          const int K, v8f *accmax, v8f *accmin)
{
    const v8f one = SPLAT(1.0f);
    for (int q = 0; q < K; q++)
        accmax[q] = accmin[q] = SPLAT(0.0f);
    for (int64_t t = 0; t < n; t++) {
        const float *p = row + t * LANES;
        v8f xi[TAPS];
        for (int i = 0; i < TAPS; i++)
            LOAD8(xi[i], p + (i - 4) * d * LANES);
        v8f best = {0}, worst = {0};
        v8i bi = SPLAT_I(0), wi = SPLAT_I(0);
        for (int q = 0; q < K; q++) {
            const float *wq = w + q * TAPS;
            v8f z = SPLAT(0.0f); /* z = fma(w_i, x_i, z) in tap order from 0: torch's conv1d on CPU */
            for (int i = 0; i < TAPS; i++)
                z += SPLAT(wq[i]) * xi[i];
            if (q == 0) {
                best = worst = z;
            } else { /* strict: an equal later response does not win (ties to the lowest index) */
                const v8i gt = z > best, lt = z < worst;
                best = VSELECT_F(gt, z, best);
                bi = VSELECT_I(gt, SPLAT_I(q), bi);
                worst = VSELECT_F(lt, z, worst);
                wi = VSELECT_I(lt, SPLAT_I(q), wi);
            }
        }
        for (int q = 0; q < K; q++) {
            accmax[q] += (v8f)((bi == SPLAT_I(q)) & (v8i)best);
            accmin[q] += (v8f)((wi == SPLAT_I(q)) & (v8i)one);
        }
    }
}

/* Group input for one block: the sum of the group's channels (r = 1: of their
 * first differences), zero padded by pad on both sides. Summed in the order torch's
 * CPU kernel sums a tensor over a dimension (aeon's X[:, idx].sum(2); measured with
 * torch 2.13, capabilities default, AVX2 and AVX-512): time steps in whole blocks of
 * 32 in channel order; the remaining ones in four partial sums (channel m into
 * sum m % 4 over whole groups of four, the rest into sum 0), then ((s0 + s1) + s2) + s3.
 * So the features equal aeon's bit for bit (with the FMA copies). */
static void group_input(const float *x, int64_t n_cases, int64_t sc, int64_t pad, int64_t L, int r,
                        const int64_t *chans, int64_t n_per, float *dst)
{
    const int64_t n = L - r; /* length of the representation */
    const int64_t whole = n_per - n_per % 4, in_order = n - n % 32;
    memset(dst, 0, sizeof(float) * (size_t)(pad * LANES));
    memset(dst + (pad + n) * LANES, 0, sizeof(float) * (size_t)(pad * LANES));
    float *d0 = dst + pad * LANES;
    for (int64_t t = 0; t < n; t++) {
        v8f s[4] = {SPLAT(0.0f), SPLAT(0.0f), SPLAT(0.0f), SPLAT(0.0f)};
        for (int64_t m = 0; m < n_per; m++) {
            const float *p = x + chans[m] * sc + (pad + t) * n_cases;
            v8f v;
            LOAD8(v, p);
            if (r == 1) {
                v8f next;
                LOAD8(next, p + n_cases);
                v = next - v;
            }
            s[t < in_order || m >= whole ? 0 : m % 4] += v;
        }
        const v8f total = ((s[0] + s[1]) + s[2]) + s[3];
        memcpy(d0 + t * LANES, &total, sizeof total);
    }
}

HYDRA_CLONES
int anyconv_hydra_impl(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                       int64_t n_channels, int64_t n_dilations, const int64_t *dilations, int64_t divisor,
                       int64_t h, int64_t k, const float *weights, int64_t n_per, const int64_t *channels,
                       float *out, int64_t so)
{
    const int64_t L = n_timepoints;
    if (n_cases < 0 || n_cases % LANES != 0 || n_channels < 1 || n_dilations < 0 || divisor < 1 || divisor > 2 ||
        h < 1 || k < 1 || L < divisor || pad < 0 || sc < (L + 2 * pad) * n_cases ||
        so < n_dilations * divisor * 2 * h * k || (n_channels > 1 && n_per < 1))
        return ANYCONV_BAD_SIZE;
    for (int64_t j = 0; j < n_dilations; j++)
        if (dilations[j] < 1 || 4 * dilations[j] > pad)
            return ANYCONV_BAD_SIZE;
    if (n_channels > 1)
        for (int64_t q = 0; q < n_dilations * divisor * h * n_per; q++)
            if (channels[q] < 0 || channels[q] >= n_channels)
                return ANYCONV_BAD_CHANNEL;
    const int64_t Lp = L + 2 * pad;
    /* per block: the series and its difference (univariate) or one group's input (multivariate) */
    float *rows = (float *)malloc(sizeof(float) * (size_t)(2 * Lp * LANES));
    v8f *acc = (v8f *)aligned_alloc(sizeof(v8f), sizeof(v8f) * (size_t)(2 * k)); /* (vector alignment) */
    if (rows == NULL || acc == NULL) {
        free(rows);
        free(acc);
        return ANYCONV_NO_MEMORY;
    }
    float *row1 = rows + Lp * LANES;
    const int64_t hk = h * k;
    for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
        if (n_channels == 1) { /* contiguous copies: the series, its first difference (zero padded) */
            const float *xc = x + i0;
            for (int64_t p = 0; p < Lp; p++)
                memcpy(rows + p * LANES, xc + p * n_cases, sizeof(v8f));
            memset(row1, 0, sizeof(float) * (size_t)(Lp * LANES));
            for (int64_t t = 0; t + 1 < L; t++) {
                v8f a, b;
                LOAD8(a, rows + (pad + t) * LANES);
                LOAD8(b, rows + (pad + t + 1) * LANES);
                b -= a;
                memcpy(row1 + (pad + t) * LANES, &b, sizeof b);
            }
        }
        for (int64_t j = 0; j < n_dilations; j++) {
            const int64_t d = dilations[j];
            for (int r = 0; r < divisor; r++) {
                const int64_t n = L - r;
                const int64_t f0 = (j * divisor + r) * 2 * hk;
                for (int64_t g = 0; g < h; g++) {
                    const float *src;
                    if (n_channels == 1) {
                        src = (r == 0 ? rows : row1) + pad * LANES;
                    } else {
                        group_input(x + i0, n_cases, sc, pad, L, r, channels + ((j * divisor + r) * h + g) * n_per,
                                    n_per, rows);
                        src = rows + pad * LANES;
                    }
                    const float *w = weights + ((j * divisor + r) * hk + g * k) * TAPS;
                    if (k == 8)
                        compete(src, n, d, w, 8, acc, acc + 8);
                    else
                        compete(src, n, d, w, (int)k, acc, acc + k);
                    for (int64_t q = 0; q < k; q++)
                        for (int i = 0; i < LANES; i++) {
                            float *o = out + (i0 + i) * so + f0 + g * k + q;
                            o[0] = acc[q][i];
                            o[hk] = acc[k + q][i];
                        }
                }
            }
        }
    }
    free(rows);
    free(acc);
    return ANYCONV_OK;
}

/* The exported entry point: a plain function calling the dispatched copies (clang < 16
 * exports a target_clones function only as "anyconv_hydra_impl.ifunc"). */
int anyconv_hydra(const float *x, int64_t n_cases, int64_t n_timepoints, int64_t pad, int64_t sc,
                  int64_t n_channels, int64_t n_dilations, const int64_t *dilations, int64_t divisor, int64_t h,
                  int64_t k, const float *weights, int64_t n_per, const int64_t *channels, float *out, int64_t so)
{
    return anyconv_hydra_impl(x, n_cases, n_timepoints, pad, sc, n_channels, n_dilations, dilations, divisor, h, k,
                              weights, n_per, channels, out, so);
}

/* 1 when the copy of the loop dispatched on this CPU sums with fused multiply-adds in
 * torch's order (a GCC >= 12 x86 build on an x86-64-v3 CPU or newer), else 0. */
int anyconv_hydra_fma(void)
{
#ifdef HYDRA_FMA_CLONES
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3") ? 1 : 0;
#else
    return 0;
#endif
}
