/*
 * What the compiled loops share: eight-lane vector types (GCC/Clang vector
 * extensions, lowered to AVX2, two SSE/NEON registers, or scalars) and the
 * per-function CPU dispatch.
 *
 * Every loop keeps LANES cases side by side in one vector: the batch is laid
 * out with cases innermost and padded to a multiple of LANES by the Python
 * wrappers (anyconv/timeseries/native.py).
 */
#ifndef ANYCONV_SIMD_H
#define ANYCONV_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(__APPLE__)
/* A baseline copy and an AVX2 copy of each hot function, picked at load time.
 * Not "arch=haswell": virtual machines often hide one of its many features
 * (measured here: no lzcnt), and then the baseline copy would run, ~15x slower. */
#define ANYCONV_CLONES __attribute__((target_clones("avx2", "default")))
/* Loops whose sums may use fused multiply-adds (one rounding instead of two: Rocket,
 * LightWaveS) also get an x86-64-v3 copy (AVX2 + FMA); a CPU that hides one of its
 * features still gets the AVX2 copy. Never for MiniRocket, whose sums must round
 * like the reference's to give its features bit for bit. */
#if !defined(__clang__) && __GNUC__ >= 12 /* arch levels in target_clones: GCC 12 (tested) */
#define ANYCONV_CLONES_FMA __attribute__((target_clones("arch=x86-64-v3", "avx2", "default")))
#else
#define ANYCONV_CLONES_FMA ANYCONV_CLONES
#endif
#else
#define ANYCONV_CLONES
#define ANYCONV_CLONES_FMA
#endif

#define LANES 8
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));

/* Macros, not functions: a vector argument or result of a function compiled
 * without AVX changes the ABI (and GCC warns). */
#define SPLAT(x) ((v8f){(x), (x), (x), (x), (x), (x), (x), (x)})
#define SPLAT_I(x) ((v8i){(x), (x), (x), (x), (x), (x), (x), (x)})
/* lane-wise mask ? a : b (C has no vector ?:); mask lanes are -1 (true) or 0 */
#define VSELECT_I(mask, a, b) (((mask) & (a)) | (~(mask) & (b)))
#define VSELECT_F(mask, a, b) ((v8f)VSELECT_I((mask), (v8i)(a), (v8i)(b)))
/* unaligned load of LANES floats */
#define LOAD8(dst, p) memcpy(&(dst), (p), sizeof(v8f))

#endif
