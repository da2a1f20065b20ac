/*
 * Fused pooling loop of MultiRocket (compiled at install time).
 *
 * The torch engine computes the convolution outputs of one dilation with one
 * GEMM; pooling them with torch ops writes a 0/1 tensor per bias and reads it
 * back (two passes over nf times the outputs). These loops compare and
 * accumulate in registers instead: one pass over the outputs per bias, with
 * the output rows resident in L1.
 *
 * Layout of `conv`: kernel k, time t, case i at conv[k*sk + t*st + i*sb]
 * (element strides). With sb == 1 (cases innermost, as the engine lays them
 * out) the loop over cases is contiguous and vectorised.
 *
 * Pooled region of kernel k: times lo[k] .. hi[k]-1 (n = hi - lo >= 1);
 * positions within it are t - lo[k] (MIPV and LSPV use them).
 *
 * Output: feature (k, f) of case i goes to out[i*so + col0 + k*nf + f];
 * pool4 writes four blocks `block` columns apart (PPV, LSPV, MPV, MIPV).
 *
 * Returns 0; -2 when a size or the layout is out of range (sb != 1, n_cases not
 * whole vector blocks, n_time outside [1, 46340], nf < 0, a block narrower than
 * n_kernels * nf, or the four blocks not inside a row of n_cols columns); -4 when a pooled range is not 0 <= lo < hi <= n_time.
 * Nothing is read or written before every range is checked.
 *
 * Numerics: PPV, LSPV and MIPV are exact (integers, one division); MPV sums the
 * float32 values C + b in double in time order and divides once, as aeon's numba
 * loop does (its features bit for bit); the torch engine (C summed in double, then
 * + count * b) can differ from it in the last bit.
 *
 * No Python API is used; the functions are called through ctypes (which
 * releases the GIL), so batches run in parallel from Python threads.
 */
/* The same roundings in every build (the torch engine's pooling gives these features
 * exactly): no fused multiply-add, even with -march=native or clang. */
#define ANYCONV_NO_CONTRACT
#include "simd.h"

#define MAX_TIME 46340 /* n (n - 1) / 2 position sums fit int32 */

/*
 * MultiRocket's four pooling operators, as the reference code computes them:
 *   PPV  = count(C > b) / n
 *   LSPV = largest gap between consecutive "markers": position 0, every
 *          position with C < b, and position n - 1
 *   MPV  = mean of (C + b) over positions with C > b, 0 if none
 *   MIPV = mean position of C > b, -1 if none
 * Requires sb == 1 and n_cases % LANES == 0 (the engine pads the batch);
 * n_time (the rows of conv) <= MAX_TIME so that position sums fit int32.
 */
ANYCONV_CLONES
int anyconv_pool4_impl(const float *conv, int64_t n_kernels, int64_t n_cases, int64_t n_time, int64_t sk,
                  int64_t st, int64_t sb, const float *bias, int64_t nf, const int64_t *lo,
                  const int64_t *hi, float *out, int64_t so, int64_t n_cols, int64_t col0, int64_t block)
{
    if (sb != 1 || n_cases < 0 || n_cases % LANES != 0 || n_kernels < 0 || nf < 0 || n_time < 1 ||
        n_time > MAX_TIME || col0 < 0 || block < 0)
        return ANYCONV_BAD_SIZE;
    if (n_kernels * nf > 0 && (n_kernels * nf > block || col0 + 3 * block + n_kernels * nf > n_cols))
        return ANYCONV_BAD_SIZE;
    for (int64_t k = 0; k < n_kernels; k++)
        if (lo[k] < 0 || hi[k] <= lo[k] || hi[k] > n_time)
            return ANYCONV_BAD_RANGE;
    for (int64_t k = 0; k < n_kernels; k++) {
        const int64_t n = hi[k] - lo[k];
        for (int64_t i0 = 0; i0 < n_cases; i0 += LANES) {
            for (int64_t f = 0; f < nf; f++) {
                const float b = bias[k * nf + f];
                const v8f bv = SPLAT(b);
                v8i count = {0}, index_sum = {0}, last = {0}, gap = {0};
                v4d value_lo = {0.0}, value_hi = {0.0};
                for (int32_t p = 0; p < (int32_t)n; p++) {
                    v8f v;
                    LOAD8(v, conv + k * sk + (lo[k] + p) * st + i0);
                    const v8i above = v > bv; /* -1 where true, 0 where false */
                    const v8i below = v < bv;
                    const v8i pv = SPLAT_I(p);
                    count -= above;
                    index_sum += above & pv;
                    /* C + b rounded to float, then summed in double in time order: aeon's MPV bit for bit */
                    const v8f kept = (v8f)((v8i)(v + bv) & above); /* C + b where above, else +0.0 */
                    v4d wide;
                    WIDEN_LO(wide, kept);
                    value_lo += wide;
                    WIDEN_HI(wide, kept);
                    value_hi += wide;
                    const v8i g = pv - last;
                    const v8i grow = below & (g > gap);
                    gap = VSELECT_I(grow, g, gap);
                    last = VSELECT_I(below, pv, last);
                }
                const double value_sum[LANES] = {value_lo[0], value_lo[1], value_lo[2], value_lo[3],
                                                 value_hi[0], value_hi[1], value_hi[2], value_hi[3]};
                for (int i = 0; i < LANES; i++) {
                    const int32_t tail = (int32_t)(n - 1) - last[i];
                    const int32_t lspv = tail > gap[i] ? tail : gap[i];
                    const double c = (double)count[i];
                    float *o = out + (i0 + i) * so + col0 + k * nf + f;
                    o[0] = (float)(c / (double)n);
                    o[block] = (float)lspv;
                    o[2 * block] = count[i] ? (float)(value_sum[i] * (1.0 / c)) : 0.0f;
                    o[3 * block] = count[i] ? (float)((double)index_sum[i] / c) : -1.0f;
                }
            }
        }
    }
    return ANYCONV_OK;
}

/* The exported entry point: a plain function calling the dispatched copies (clang < 16
 * exports a target_clones function only as "anyconv_pool4_impl.ifunc"). */
int anyconv_pool4(const float *conv, int64_t n_kernels, int64_t n_cases, int64_t n_time, int64_t sk,
                  int64_t st, int64_t sb, const float *bias, int64_t nf, const int64_t *lo,
                  const int64_t *hi, float *out, int64_t so, int64_t n_cols, int64_t col0, int64_t block)
{
    return anyconv_pool4_impl(conv, n_kernels, n_cases, n_time, sk, st, sb, bias, nf, lo, hi, out, so, n_cols, col0, block);
}
