// DistTensor's elementwise and per-channel loops, vectorised in C (kernels.c): an AVX-512 variant and a portable
// one, picked at run time, which compute the same bits. Activations are channels-last rows (`rows` × `channels`,
// row-major); callers split rows or elements over threads themselves (DistTensor's `Parallel`).
#ifndef CDNNL_KERNELS_H
#define CDNNL_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Chooses the variant for calls from the calling thread only (so a test can compare the two while others run; with
/// one thread, `Parallel` runs every chunk on the caller): 1 AVX-512 (if the CPU has it), 0 portable, -1 by the CPU
/// again. Returns 1 when AVX-512 is used.
int cdnnl_kernels_select(int avx512);
/// 1 when the AVX-512 variant runs on the calling thread.
int cdnnl_kernels_avx512(void);

// The BatchNorm loops take activations `x` (and `y`, `rectified`) as float32, or as bfloat16 when the matching
// `*_bf16` flag is set (a bfloat16 value is widened exactly; one written is rounded to nearest even, as oneDNN's
// reorders round): a bfloat16 network keeps its convolution outputs, and what a convolution reads next, in half
// the memory. Gradients, residuals, statistics and coefficients are float32 either way.

/// BatchNorm statistics: sums[c] += (double)x[r, c] over the rows, in row order.
void cdnnl_bn_sum(const void *x, int x_bf16, long rows, long channels, double *sums);
/// sums[c] += (double)(d·d), d = x[r, c] − mean[c] in float32, in row order.
void cdnnl_bn_sum_squared_deviations(const void *x, int x_bf16, long rows, long channels, const float *mean,
                                     double *sums);
/// A dropout mask drawn inside another loop: element `index` is kept, and scaled by `scale`, when
/// RandomStream.uniform(key, index) < keep.
typedef struct {
    uint64_t key;
    float keep, scale;
} cdnnl_dropout;

/// y[r, c] = x[r, c]·scale[c] + shift[c] (each rounded to float32), then + residual[r, c] (if not NULL), then
/// max(·, 0) when `relu` (NaN passes), then × the dropout factor of element (first_row + r)·channels + c (if
/// `dropout` is not NULL), then rounded to bfloat16 when `y_bf16`.
void cdnnl_bn_apply(const void *x, int x_bf16, void *y, int y_bf16, const float *residual, long rows, long channels,
                    const float *scale, const float *shift, int relu, const cdnnl_dropout *dropout, long first_row);
/// BatchNorm backward's sums over the rows: with `rectified` (the forward's output after its ReLU and dropout, or
/// NULL) first dy[r, c] = rectified[r, c] > 0 ? dy·rectified_scale : 0 (written back; rectified_scale is
/// dropout's 1/(1 − p), or 1); then sums[c] += (double)dy and sums[channels + c] += (double)(dy·(x − mean[c])).
void cdnnl_bn_backward_sums(const void *x, int x_bf16, float *dy, const void *rectified, int rectified_bf16,
                            float rectified_scale, long rows, long channels, const float *mean, double *sums);
/// dx[r, c] = k0[c]·((dy − k1[c]) − x̂·k2[c]), x̂ = (x − mean[c])·inverse_std[c], k = coefficients as three
/// rows of `channels`. dx may be dy (in place).
void cdnnl_bn_backward_input(const void *x, int x_bf16, const float *dy, float *dx, long rows, long channels,
                             const float *coefficients, const float *mean, const float *inverse_std);

/// dy[i] = 0 where y[i] is not positive.
void cdnnl_relu_backward(float *dy, const float *y, long count);
/// x[i] = max(x[i], 0) (NaN passes).
void cdnnl_relu(float *x, long count);
/// target[i] += source[i].
void cdnnl_add(const float *source, float *target, long count);
/// target[i] = max(target[i] + source[i], 0).
void cdnnl_add_relu(const float *source, float *target, long count);
/// For i in start..<start+count: u = RandomStream.uniform(key, i); mask[i] = u < keep; y[i] = x[i]·(mask ? scale : 0).
void cdnnl_dropout_forward(const float *x, float *y, uint8_t *mask, long start, long count, uint64_t key, float keep,
                           float scale);
/// dy[i] = dy[i]·(mask[i] ? scale : 0).
void cdnnl_dropout_backward(float *dy, const uint8_t *mask, long count, float scale);

/// One Adam step's constants (`torch.optim.Adam`, or AdamW when `decoupled`).
typedef struct {
    float learning_rate, weight_decay, beta1, beta2, epsilon;
    /// lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ), computed by the caller in double.
    float step_size, correction_root;
    int decoupled;
} cdnnl_adam_settings;

/// Adam over `count` parameters: AdamW shrinks p by 1 − lr·decay, Adam adds decay·p to g; then
/// m += (g − m)(1 − β₁), v = v·β₂ + ((1 − β₂)·g)·g, p −= (step_size·m) / (√v / correction_root + ε).
void cdnnl_adam(float *p, const float *g, float *m, float *v, long count, cdnnl_adam_settings settings);

#ifdef __cplusplus
}
#endif
#endif
