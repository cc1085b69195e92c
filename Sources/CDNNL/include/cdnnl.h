// The few oneDNN operations DistTensor uses, behind a version-neutral C interface.
//
// Builds on oneDNN 2.x (op descriptors) and 3.x (primitive descriptors created directly): the calls that differ
// are kept in one place in cdnnl.c (launch/check-onednn3 checks both). Activations are float32 (or bfloat16 where
// `cdnnl_activation_types` says) in the channels-last `nwc` layout ([batch, length, channels] row-major); weights are float32 in PyTorch's
// [out, in, kernel] layout and are reordered (and cast to bfloat16 in that precision) on every call.
#ifndef CDNNL_H
#define CDNNL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Arithmetic of the convolution kernels: float32 throughout, or bfloat16 inputs and weights with float32
/// accumulation and weight gradients (outputs float32 unless `cdnnl_activation_types` asks for bfloat16).
typedef enum { CDNNL_FLOAT32 = 0, CDNNL_BFLOAT16 = 1 } cdnnl_precision;

/// The shape of one 1-D convolution on one batch size and input length.
typedef struct {
    int batch, in_channels, out_channels, length, kernel, stride, padding;
} cdnnl_conv_shape;

/// A convolution's oneDNN primitives for one shape and precision, with the buffers they need.
typedef struct cdnnl_conv cdnnl_conv;

/// Which of a bfloat16 convolution's activations the caller holds in bfloat16 instead of float32 (bit flags): the
/// source it reads (the kernels then read the caller's buffer, no cast copy) and the output it writes.
/// Gradients, weights and their gradients are float32 either way.
typedef enum { CDNNL_SOURCE_BFLOAT16 = 1, CDNNL_DESTINATION_BFLOAT16 = 2 } cdnnl_activation_types;

/// Creates the primitives: forward (training: also backward-data and backward-weights; inference: forward
/// only, with the bias and the ReLU post-op when asked). `activations` (cdnnl_activation_types, only with
/// CDNNL_BFLOAT16) says which activations are bfloat16. Returns NULL and a message in `error` on failure.
cdnnl_conv *cdnnl_conv_create(cdnnl_conv_shape shape, cdnnl_precision precision, int training, int with_bias,
                              int rectify, int activations, char *error, size_t error_size);
void cdnnl_conv_destroy(cdnnl_conv *conv);

/// The oneDNN implementation of pass `pass` (0 forward, 1 backward-data, 2 backward-weights) as its verbose output
/// names it ("brgconv:avx512_core"); "" for a pass the primitives do not have.
const char *cdnnl_conv_implementation(const cdnnl_conv *conv, int pass);

/// dst = conv(src) (+ bias, then max(·, 0) when created with `rectify`). Returns 0 or a oneDNN status.
int cdnnl_conv_forward(cdnnl_conv *conv, const void *src, const float *weights, const float *bias, void *dst);

/// diff_weights += dL/dw, diff_bias += dL/db (if not NULL), and diff_src = dL/dx (if not NULL), for the
/// `src` and `weights` of the last forward (backward may reuse the weights that forward reordered). Returns 0
/// or a oneDNN status.
int cdnnl_conv_backward(cdnnl_conv *conv, const void *src, const float *diff_dst, const float *weights,
                        float *diff_src, float *diff_weights, float *diff_bias);

/// Sets the OpenMP team size oneDNN and `cdnnl_parallel_for` use (per process).
void cdnnl_set_threads(int threads);
int cdnnl_threads(void);
/// Team size for the calling thread only (0: the process's again).
void cdnnl_set_thread_override(int threads);

/// Runs body(context, chunk) for chunk in 0..<chunks on the OpenMP team (the same threads as oneDNN, so
/// the two never compete for cores), each chunk exactly once.
void cdnnl_parallel_for(int chunks, void (*body)(void *context, int chunk), void *context);

/// 1 when the CPU runs bfloat16 dot products natively (oneDNN's effective ISA includes avx512_core_bf16).
int cdnnl_native_bfloat16(void);

/// The measured arithmetic peak of the calling thread's OpenMP team in GFLOP/s (every thread running
/// independent vfmadd231ps, or vdpbf16ps in bfloat16, for about `seconds`; best of three passes, peak.c).
/// 0 when the CPU has no such instruction (bfloat16 without AVX512_BF16, float32 without AVX2 and FMA).
double cdnnl_measured_peak_gflops(cdnnl_precision precision, double seconds);

/// "2.6.3": the oneDNN version the process runs with.
const char *cdnnl_version(void);


/// The shape of one 2-D convolution (square kernel, equal stride and padding on both axes) on one batch size and
/// input height and width. Activations are channels-last `nhwc` ([batch, height, width, channels] row-major),
/// weights PyTorch's [out, in, kernel, kernel] (`oihw`).
typedef struct {
    int batch, in_channels, out_channels, height, width, kernel, stride, padding;
} cdnnl_conv2d_shape;

/// The primitives of a 2-D convolution, as `cdnnl_conv_create` (training: forward, backward-data and
/// backward-weights); run with `cdnnl_conv_forward` / `cdnnl_conv_backward` and freed with `cdnnl_conv_destroy`.
cdnnl_conv *cdnnl_conv2d_create(cdnnl_conv2d_shape shape, cdnnl_precision precision, int training, int with_bias,
                                char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
