// DistTensor's elementwise and per-channel loops (BatchNorm, ReLU masks, residual sums, dropout, Adam) in C, each
// compiled twice from one body: for AVX-512 and for baseline x86-64 (or whatever the target is), picked once at
// run time from the CPU. Swift compiles for baseline x86-64, whose 4-wide SSE2 code (and scalar code for masked
// stores) left these loops at about 15% of a ResNet34 training step next to oneDNN's kernels.
//
// Both variants compute the same bits as each other and as the Swift loops they replaced: every operation is
// elementwise IEEE arithmetic in the order the doc comments in cdnnl.h give, vectorised only across channels or
// elements (never reassociating a sum), and floating-point contraction into FMA is off for this file.
// `KernelTests` checks the two variants against each other and against plain loops. The calls are declared in
// include/cdnnl_kernels.h, with what each computes.
#pragma STDC FP_CONTRACT OFF

#include "cdnnl_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define CDNNL_HAVE_AVX512 1
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#else
#define CDNNL_HAVE_AVX512 0
#define AVX512
#endif

// The CPU's variant (-1: not looked up yet; 0 portable; 1 AVX-512), and the calling thread's choice when it made one.
static int g_kernel_variant = -1;
static _Thread_local int t_kernel_variant = -1;

static int cpu_has_avx512(void) {
#if CDNNL_HAVE_AVX512
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

static inline int use_avx512(void) {
    if (t_kernel_variant >= 0) return t_kernel_variant;
    int variant = __atomic_load_n(&g_kernel_variant, __ATOMIC_RELAXED);
    if (variant < 0) {
        variant = cpu_has_avx512();
        __atomic_store_n(&g_kernel_variant, variant, __ATOMIC_RELAXED);
    }
    return variant;
}

int cdnnl_kernels_select(int avx512) {
    t_kernel_variant = avx512 < 0 ? -1 : (avx512 && cpu_has_avx512());
    return use_avx512();
}

int cdnnl_kernels_avx512(void) { return use_avx512(); }

// KERNEL(name, (parameters), (arguments)) { body } defines `name`'s body once, an AVX-512 and a portable copy of it,
// and the public `cdnnl_name` that calls the copy the CPU runs.
#define KERNEL(name, params, args)                                                   \
    static inline __attribute__((always_inline)) void name##_body params;            \
    AVX512 static void name##_avx512 params { name##_body args; }                   \
    static void name##_portable params { name##_body args; }                        \
    void cdnnl_##name params {                                                       \
        if (use_avx512()) name##_avx512 args; else name##_portable args;            \
    }                                                                                \
    static inline __attribute__((always_inline)) void name##_body params

// Swift.max(v, 0): `0 >= v ? 0 : v`, so NaN passes through and −0 becomes +0, as the loops this replaces.
static inline __attribute__((always_inline)) float rectify(float v) { return 0.0f >= v ? 0.0f : v; }

// SplitMix64's output function, as RandomStream.mix.
static inline __attribute__((always_inline)) uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// MARK: BatchNorm

// Activations a BatchNorm reads or writes may be bfloat16 (the upper half of a float32): `load` widens one exactly,
// `store` rounds to nearest even as oneDNN's reorders do (a NaN stays a quiet NaN). With `bf16` a literal in each
// specialised loop below, the branch folds away.
static inline __attribute__((always_inline)) float load(const void *restrict p, long i, int bf16) {
    if (!bf16) return ((const float *)p)[i];
    uint32_t bits = (uint32_t)((const uint16_t *)p)[i] << 16;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store(void *restrict p, long i, float v, int bf16) {
    if (!bf16) {
        ((float *)p)[i] = v;
        return;
    }
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    uint32_t quiet = (bits >> 16) | 0x40u;
    ((uint16_t *)p)[i] = (uint16_t)((bits & 0x7FFFFFFFu) > 0x7F800000u ? quiet : rounded);
}

// Calls CALL(a, b) with literal 0/1 arguments equal to the flags `a` and `b`: one specialised loop per combination.
#define SPECIALISE2(a, b, CALL) \
    do {                         \
        if ((a) && (b)) CALL(1, 1);  \
        else if (a) CALL(1, 0);      \
        else if (b) CALL(0, 1);      \
        else CALL(0, 0);             \
    } while (0)

static inline __attribute__((always_inline)) void bn_sum_rows(const void *restrict x, int x16, long rows, long channels,
                                                              double *restrict sums) {
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < channels; c++) sums[c] += (double)load(x, r * channels + c, x16);
}

KERNEL(bn_sum, (const void *restrict x, int x_bf16, long rows, long channels, double *restrict sums),
       (x, x_bf16, rows, channels, sums)) {
    if (x_bf16) bn_sum_rows(x, 1, rows, channels, sums); else bn_sum_rows(x, 0, rows, channels, sums);
}

static inline __attribute__((always_inline)) void bn_squares_rows(const void *restrict x, int x16, long rows,
                                                                  long channels, const float *restrict mean,
                                                                  double *restrict sums) {
    for (long r = 0; r < rows; r++) {
        for (long c = 0; c < channels; c++) {
            float d = load(x, r * channels + c, x16) - mean[c];
            sums[c] += (double)(d * d);
        }
    }
}

KERNEL(bn_sum_squared_deviations,
       (const void *restrict x, int x_bf16, long rows, long channels, const float *restrict mean, double *restrict sums),
       (x, x_bf16, rows, channels, mean, sums)) {
    if (x_bf16) bn_squares_rows(x, 1, rows, channels, mean, sums); else bn_squares_rows(x, 0, rows, channels, mean, sums);
}

// Element index of the dropout draw at row r, channel c: (first_row + r)·channels + c, as Dropout's over the tensor.
static inline __attribute__((always_inline)) float dropout_factor(const cdnnl_dropout *d, long index) {
    uint64_t h = mix64(d->key ^ mix64((uint64_t)index + 0x632BE59BD9B4E019ull));
    return (float)(h >> 40) * (1.0f / 16777216.0f) < d->keep ? d->scale : 0.0f;
}

static inline __attribute__((always_inline)) void bn_apply_rows(
    const void *restrict x, int x16, void *restrict y, int y16, const float *restrict residual, long rows,
    long channels, const float *restrict scale, const float *restrict shift, int relu,
    const cdnnl_dropout *restrict dropout, long first_row) {
    for (long r = 0; r < rows; r++) {
        const long row = r * channels;
        if (dropout) {
            const long first = (first_row + r) * channels;
            const float *restrict rs = residual ? residual + row : 0;
            for (long c = 0; c < channels; c++) {
                float v = load(x, row + c, x16) * scale[c] + shift[c];
                if (rs) v = v + rs[c];
                if (relu) v = rectify(v);
                store(y, row + c, v * dropout_factor(dropout, first + c), y16);
            }
        } else if (residual) {
            const float *restrict rs = residual + row;
            if (relu) {
                for (long c = 0; c < channels; c++)
                    store(y, row + c, rectify((load(x, row + c, x16) * scale[c] + shift[c]) + rs[c]), y16);
            } else {
                for (long c = 0; c < channels; c++)
                    store(y, row + c, (load(x, row + c, x16) * scale[c] + shift[c]) + rs[c], y16);
            }
        } else if (relu) {
            for (long c = 0; c < channels; c++) store(y, row + c, rectify(load(x, row + c, x16) * scale[c] + shift[c]), y16);
        } else {
            for (long c = 0; c < channels; c++) store(y, row + c, load(x, row + c, x16) * scale[c] + shift[c], y16);
        }
    }
}

KERNEL(bn_apply,
       (const void *restrict x, int x_bf16, void *restrict y, int y_bf16, const float *restrict residual, long rows,
        long channels, const float *restrict scale, const float *restrict shift, int relu,
        const cdnnl_dropout *restrict dropout, long first_row),
       (x, x_bf16, y, y_bf16, residual, rows, channels, scale, shift, relu, dropout, first_row)) {
#define BN_APPLY(x16, y16) bn_apply_rows(x, x16, y, y16, residual, rows, channels, scale, shift, relu, dropout, first_row)
    SPECIALISE2(x_bf16, y_bf16, BN_APPLY);
#undef BN_APPLY
}

static inline __attribute__((always_inline)) void bn_backward_sums_rows(
    const void *restrict x, int x16, float *restrict dy, const void *restrict rectified, int y16,
    float rectified_scale, long rows, long channels, const float *restrict mean, double *restrict sums) {
    double *restrict products = sums + channels;
    for (long r = 0; r < rows; r++) {
        const long row = r * channels;
        float *restrict gs = dy + row;
        if (rectified && rectified_scale != 1.0f) {
            for (long c = 0; c < channels; c++) {
                float g = load(rectified, row + c, y16) > 0.0f ? gs[c] * rectified_scale : 0.0f;
                gs[c] = g;
                sums[c] += (double)g;
                products[c] += (double)(g * (load(x, row + c, x16) - mean[c]));
            }
        } else if (rectified) {
            for (long c = 0; c < channels; c++) {
                float g = load(rectified, row + c, y16) > 0.0f ? gs[c] : 0.0f;
                gs[c] = g;
                sums[c] += (double)g;
                products[c] += (double)(g * (load(x, row + c, x16) - mean[c]));
            }
        } else {
            for (long c = 0; c < channels; c++) {
                float g = gs[c];
                sums[c] += (double)g;
                products[c] += (double)(g * (load(x, row + c, x16) - mean[c]));
            }
        }
    }
}

KERNEL(bn_backward_sums,
       (const void *restrict x, int x_bf16, float *restrict dy, const void *restrict rectified, int rectified_bf16,
        float rectified_scale, long rows, long channels, const float *restrict mean, double *restrict sums),
       (x, x_bf16, dy, rectified, rectified_bf16, rectified_scale, rows, channels, mean, sums)) {
#define BN_SUMS(x16, y16) bn_backward_sums_rows(x, x16, dy, rectified, y16, rectified_scale, rows, channels, mean, sums)
    SPECIALISE2(x_bf16, rectified_bf16, BN_SUMS);
#undef BN_SUMS
}

static inline __attribute__((always_inline)) void bn_backward_input_rows(
    const void *restrict x, int x16, const float *dy, float *dx, long rows, long channels,
    const float *restrict coefficients, const float *restrict mean, const float *restrict inverse_std) {
    const float *restrict k0 = coefficients, *restrict k1 = coefficients + channels,
                          *restrict k2 = coefficients + 2 * channels;
    for (long r = 0; r < rows; r++) {
        const long row = r * channels;
        const float *gs = dy + row;  // may be dx itself (in place): each element is read before it is written
        float *out = dx + row;
        for (long c = 0; c < channels; c++) {
            float xhat = (load(x, row + c, x16) - mean[c]) * inverse_std[c];
            out[c] = k0[c] * ((gs[c] - k1[c]) - xhat * k2[c]);
        }
    }
}

KERNEL(bn_backward_input,
       (const void *restrict x, int x_bf16, const float *dy, float *dx, long rows, long channels,
        const float *restrict coefficients, const float *restrict mean, const float *restrict inverse_std),
       (x, x_bf16, dy, dx, rows, channels, coefficients, mean, inverse_std)) {
    if (x_bf16) bn_backward_input_rows(x, 1, dy, dx, rows, channels, coefficients, mean, inverse_std);
    else bn_backward_input_rows(x, 0, dy, dx, rows, channels, coefficients, mean, inverse_std);
}

// MARK: Elementwise

KERNEL(relu_backward, (float *restrict dy, const float *restrict y, long count), (dy, y, count)) {
    for (long i = 0; i < count; i++) dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

KERNEL(relu, (float *restrict x, long count), (x, count)) {
    for (long i = 0; i < count; i++) x[i] = rectify(x[i]);
}

KERNEL(add, (const float *source, float *target, long count), (source, target, count)) {
    for (long i = 0; i < count; i++) target[i] += source[i];
}

KERNEL(add_relu, (const float *source, float *target, long count), (source, target, count)) {
    for (long i = 0; i < count; i++) target[i] = rectify(target[i] + source[i]);
}

KERNEL(dropout_forward,
       (const float *restrict x, float *restrict y, uint8_t *restrict mask, long start, long count, uint64_t key,
        float keep, float scale),
       (x, y, mask, start, count, key, keep, scale)) {
    for (long i = start; i < start + count; i++) {
        uint64_t h = mix64(key ^ mix64((uint64_t)i + 0x632BE59BD9B4E019ull));
        float u = (float)(h >> 40) * (1.0f / 16777216.0f);
        int kept = u < keep;
        mask[i] = (uint8_t)kept;
        y[i] = x[i] * (kept ? scale : 0.0f);
    }
}

KERNEL(dropout_backward, (float *restrict dy, const uint8_t *restrict mask, long count, float scale),
       (dy, mask, count, scale)) {
    for (long i = 0; i < count; i++) dy[i] = dy[i] * (mask[i] ? scale : 0.0f);
}

// MARK: Optimizer

KERNEL(adam,
       (float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long count,
        cdnnl_adam_settings s),
       (p, g, m, v, count, s)) {
    const float shrink = 1.0f - s.learning_rate * s.weight_decay;
    const float one_minus_beta1 = 1.0f - s.beta1, one_minus_beta2 = 1.0f - s.beta2;
    if (s.decoupled) {
        for (long i = 0; i < count; i++) {
            float grad = g[i];
            p[i] = p[i] * shrink;
            m[i] = m[i] + (grad - m[i]) * one_minus_beta1;
            v[i] = v[i] * s.beta2 + (one_minus_beta2 * grad) * grad;
            float denominator = sqrtf(v[i]) / s.correction_root + s.epsilon;
            p[i] = p[i] - (s.step_size * m[i]) / denominator;
        }
    } else {
        for (long i = 0; i < count; i++) {
            float grad = g[i] + s.weight_decay * p[i];
            m[i] = m[i] + (grad - m[i]) * one_minus_beta1;
            v[i] = v[i] * s.beta2 + (one_minus_beta2 * grad) * grad;
            float denominator = sqrtf(v[i]) / s.correction_root + s.epsilon;
            p[i] = p[i] - (s.step_size * m[i]) / denominator;
        }
    }
}
