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

KERNEL(bn_sum, (const float *restrict x, long rows, long channels, double *restrict sums), (x, rows, channels, sums)) {
    for (long r = 0; r < rows; r++) {
        const float *restrict xs = x + r * channels;
        for (long c = 0; c < channels; c++) sums[c] += (double)xs[c];
    }
}

KERNEL(bn_sum_squared_deviations,
       (const float *restrict x, long rows, long channels, const float *restrict mean, double *restrict sums),
       (x, rows, channels, mean, sums)) {
    for (long r = 0; r < rows; r++) {
        const float *restrict xs = x + r * channels;
        for (long c = 0; c < channels; c++) {
            float d = xs[c] - mean[c];
            sums[c] += (double)(d * d);
        }
    }
}

// Element index of the dropout draw at row r, channel c: (first_row + r)·channels + c, as Dropout's over the tensor.
static inline __attribute__((always_inline)) float dropout_factor(const cdnnl_dropout *d, long index) {
    uint64_t h = mix64(d->key ^ mix64((uint64_t)index + 0x632BE59BD9B4E019ull));
    return (float)(h >> 40) * (1.0f / 16777216.0f) < d->keep ? d->scale : 0.0f;
}

KERNEL(bn_apply,
       (const float *restrict x, float *restrict y, const float *restrict residual, long rows, long channels,
        const float *restrict scale, const float *restrict shift, int relu, const cdnnl_dropout *restrict dropout,
        long first_row),
       (x, y, residual, rows, channels, scale, shift, relu, dropout, first_row)) {
    for (long r = 0; r < rows; r++) {
        const float *restrict xs = x + r * channels;
        float *restrict ys = y + r * channels;
        if (dropout) {
            const long first = (first_row + r) * channels;
            const float *restrict rs = residual ? residual + r * channels : 0;
            for (long c = 0; c < channels; c++) {
                float v = xs[c] * scale[c] + shift[c];
                if (rs) v = v + rs[c];
                if (relu) v = rectify(v);
                ys[c] = v * dropout_factor(dropout, first + c);
            }
        } else if (residual) {
            const float *restrict rs = residual + r * channels;
            if (relu) {
                for (long c = 0; c < channels; c++) ys[c] = rectify((xs[c] * scale[c] + shift[c]) + rs[c]);
            } else {
                for (long c = 0; c < channels; c++) ys[c] = (xs[c] * scale[c] + shift[c]) + rs[c];
            }
        } else if (relu) {
            for (long c = 0; c < channels; c++) ys[c] = rectify(xs[c] * scale[c] + shift[c]);
        } else {
            for (long c = 0; c < channels; c++) ys[c] = xs[c] * scale[c] + shift[c];
        }
    }
}

KERNEL(bn_backward_sums,
       (const float *restrict x, float *restrict dy, const float *restrict rectified, float rectified_scale, long rows,
        long channels, const float *restrict mean, double *restrict sums),
       (x, dy, rectified, rectified_scale, rows, channels, mean, sums)) {
    double *restrict products = sums + channels;
    for (long r = 0; r < rows; r++) {
        const float *restrict xs = x + r * channels;
        float *restrict gs = dy + r * channels;
        if (rectified && rectified_scale != 1.0f) {
            const float *restrict ys = rectified + r * channels;
            for (long c = 0; c < channels; c++) {
                float g = ys[c] > 0.0f ? gs[c] * rectified_scale : 0.0f;
                gs[c] = g;
                sums[c] += (double)g;
                products[c] += (double)(g * (xs[c] - mean[c]));
            }
        } else if (rectified) {
            const float *restrict ys = rectified + r * channels;
            for (long c = 0; c < channels; c++) {
                float g = ys[c] > 0.0f ? gs[c] : 0.0f;
                gs[c] = g;
                sums[c] += (double)g;
                products[c] += (double)(g * (xs[c] - mean[c]));
            }
        } else {
            for (long c = 0; c < channels; c++) {
                float g = gs[c];
                sums[c] += (double)g;
                products[c] += (double)(g * (xs[c] - mean[c]));
            }
        }
    }
}

KERNEL(bn_backward_input,
       (const float *restrict x, const float *dy, float *dx, long rows, long channels,
        const float *restrict coefficients, const float *restrict mean, const float *restrict inverse_std),
       (x, dy, dx, rows, channels, coefficients, mean, inverse_std)) {
    const float *restrict k0 = coefficients, *restrict k1 = coefficients + channels,
                          *restrict k2 = coefficients + 2 * channels;
    for (long r = 0; r < rows; r++) {
        const float *restrict xs = x + r * channels;
        const float *gs = dy + r * channels;  // may be dx itself (in place): each element is read before it is written
        float *out = dx + r * channels;
        for (long c = 0; c < channels; c++) {
            float xhat = (xs[c] - mean[c]) * inverse_std[c];
            out[c] = k0[c] * ((gs[c] - k1[c]) - xhat * k2[c]);
        }
    }
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
