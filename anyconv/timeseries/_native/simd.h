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

/* What anyconv_abi_version() returns (ABI_VERSION in anyconv/timeseries/native.py):
 * bump both whenever an entry point's signature or meaning changes, so that a stale
 * build is refused at load instead of being called with the wrong arguments. */
#define ANYCONV_ABI_VERSION 4

/* Status codes of every entry point (native.check_status turns them into exceptions). */
#define ANYCONV_OK 0
#define ANYCONV_NO_MEMORY (-1)
#define ANYCONV_BAD_SIZE (-2)    /* a size, dilation, padding or layout out of range */
#define ANYCONV_BAD_CHANNEL (-3) /* a channel id outside [0, n_channels) */
#define ANYCONV_BAD_RANGE (-4)   /* a pooled range [lo, hi) outside the series */

/* Sums must round the same way whatever the compiler and flags (MiniRocket's and
 * MultiRocket's features equal the reference's bit for bit): files that include this
 * with ANYCONV_NO_CONTRACT defined get no fused multiply-adds. clang honours the
 * standard pragma (and ignores GCC's optimize pragma); GCC honours its own pragma
 * (and ignores the standard one). */
#ifdef ANYCONV_NO_CONTRACT
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#endif

#define LANES 8
typedef float v4f __attribute__((vector_size(16)));
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
/* the low and high four lanes of a v8f, widened to double (portable: no
 * __builtin_shufflevector, which GCC has only from version 12) */
#define WIDEN_LO(dst, v)                                                                           \
    do {                                                                                           \
        v4f half_;                                                                                 \
        memcpy(&half_, &(v), sizeof(v4f));                                                         \
        (dst) = __builtin_convertvector(half_, v4d);                                               \
    } while (0)
#define WIDEN_HI(dst, v)                                                                           \
    do {                                                                                           \
        v4f half_;                                                                                 \
        memcpy(&half_, (const char *)&(v) + sizeof(v4f), sizeof(v4f));                             \
        (dst) = __builtin_convertvector(half_, v4d);                                               \
    } while (0)
/* unaligned load of LANES floats */
#define LOAD8(dst, p) memcpy(&(dst), (p), sizeof(v8f))

#endif
