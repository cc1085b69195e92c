// launch/check-onednn3 builds this against oneDNN 3.x and 2.x.
// Runs the CDNNL shim's convolutions, 1-D and 2-D (forward, backward-data, backward-weights; fp32 and bf16), against
// plain loops.
#include "cdnnl.h"
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
static float frand(unsigned *s) { *s = *s * 1664525u + 1013904223u; return ((*s >> 8) / 16777216.0f) * 2 - 1; }
/// The 2-D convolution (nhwc activations, oihw weights) against plain loops: forward, backward-data and
/// backward-weights, fp32 and bf16; returns the number of failures.
static int conv2d_check(void) {
    cdnnl_conv2d_shape sh = {2, 3, 4, 9, 11, 3, 2, 1};  // batch, in, out, height, width, kernel, stride, padding
    int H = sh.height, W = sh.width, K = sh.kernel, C = sh.in_channels, M = sh.out_channels;
    int OH = (H + 2 * sh.padding - K) / sh.stride + 1, OW = (W + 2 * sh.padding - K) / sh.stride + 1;
    int nx = sh.batch * H * W * C, nw = M * C * K * K, ny = sh.batch * OH * OW * M;
    float *x = malloc(4 * nx), *w = malloc(4 * nw), *b = malloc(4 * M), *y = malloc(4 * ny), *dy = malloc(4 * ny);
    float *dx = malloc(4 * nx), *dw = malloc(4 * nw), *db = malloc(4 * M);
    double *rx = calloc(nx, 8), *rw = calloc(nw, 8);
    unsigned seed = 7;
    for (int i = 0; i < nx; i++) x[i] = frand(&seed);
    for (int i = 0; i < nw; i++) w[i] = frand(&seed);
    for (int i = 0; i < M; i++) b[i] = frand(&seed);
    for (int i = 0; i < ny; i++) dy[i] = frand(&seed);
    // The reference gradients, summed over every product (n, oh, ow, m, c, kh, kw) in float64.
    for (int n = 0; n < sh.batch; n++) for (int oh = 0; oh < OH; oh++) for (int ow = 0; ow < OW; ow++) for (int m = 0; m < M; m++)
        for (int kh = 0; kh < K; kh++) for (int kw = 0; kw < K; kw++) {
            int ih = oh * sh.stride - sh.padding + kh, iw = ow * sh.stride - sh.padding + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (int c = 0; c < C; c++) {
                int xi = ((n * H + ih) * W + iw) * C + c, wi = ((m * C + c) * K + kh) * K + kw;
                double g = dy[((n * OH + oh) * OW + ow) * M + m];
                rx[xi] += g * w[wi];
                rw[wi] += g * x[xi];
            }
        }
    int failures = 0;
    for (int p = 0; p < 2; p++) {
        char err[256] = "";
        cdnnl_conv *c = cdnnl_conv2d_create(sh, p ? CDNNL_BFLOAT16 : CDNNL_FLOAT32, 1, 1, err, sizeof err);
        if (!c) { printf("2-D create failed: %s\n", err); return 1; }
        for (int i = 0; i < nw; i++) dw[i] = 0;
        for (int i = 0; i < M; i++) db[i] = 0;
        if (cdnnl_conv_forward(c, x, w, b, y) || cdnnl_conv_backward(c, x, dy, w, dx, dw, db)) { printf("2-D run failed\n"); return 1; }
        double ey = 0, edx = 0, edw = 0, tol = p ? 2e-2 : 1e-5;  // up to 27 products per output: as the 1-D bounds
        for (int n = 0; n < sh.batch; n++) for (int oh = 0; oh < OH; oh++) for (int ow = 0; ow < OW; ow++) for (int m = 0; m < M; m++) {
            double acc = b[m];
            for (int kh = 0; kh < K; kh++) for (int kw = 0; kw < K; kw++) {
                int ih = oh * sh.stride - sh.padding + kh, iw = ow * sh.stride - sh.padding + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                for (int ci = 0; ci < C; ci++) acc += (double)x[((n * H + ih) * W + iw) * C + ci] * w[((m * C + ci) * K + kh) * K + kw];
            }
            double e = fabs(acc - y[((n * OH + oh) * OW + ow) * M + m]) / (1 + fabs(acc)); if (e > ey) ey = e;
        }
        for (int i = 0; i < nx; i++) { double e = fabs(rx[i] - dx[i]) / (1 + fabs(rx[i])); if (e > edx) edx = e; }
        for (int i = 0; i < nw; i++) { double e = fabs(rw[i] - dw[i]) / (1 + fabs(rw[i])); if (e > edw) edw = e; }
        int ok = ey < tol && edx < tol && edw < tol;
        failures += !ok;
        printf("2-D %s: forward %.2e backward-data %.2e backward-weights %.2e (tolerance %.0e) %s\n", p ? "bf16" : "fp32",
               ey, edx, edw, tol, ok ? "ok" : "FAILED");
        cdnnl_conv_destroy(c);
    }
    free(x); free(w); free(b); free(y); free(dy); free(dx); free(dw); free(db); free(rx); free(rw);
    return failures;
}

/// Round-to-nearest-even float -> bfloat16 bits, and back (exact).
static uint16_t to_bf16(float v) { uint32_t u; memcpy(&u, &v, 4); u += 0x7FFF + ((u >> 16) & 1); return (uint16_t)(u >> 16); }
static float from_bf16(uint16_t h) { uint32_t u = (uint32_t)h << 16; float v; memcpy(&v, &u, 4); return v; }

int main(void) {
    cdnnl_conv_shape sh = {3, 5, 7, 37, 5, 2, 2};  // batch, in, out, length, kernel, stride, padding
    int L = sh.length, K = sh.kernel, O = (L + 2 * sh.padding - K) / sh.stride + 1;
    int nx = sh.batch * L * sh.in_channels, nw = sh.out_channels * sh.in_channels * K, ny = sh.batch * O * sh.out_channels;
    float *x = malloc(4 * nx), *w = malloc(4 * nw), *b = malloc(4 * sh.out_channels), *y = malloc(4 * ny), *dy = malloc(4 * ny);
    float *dx = malloc(4 * nx), *dw = calloc(nw, 4), *db = calloc(sh.out_channels, 4);
    unsigned seed = 1;
    for (int i = 0; i < nx; i++) x[i] = frand(&seed);
    for (int i = 0; i < nw; i++) w[i] = frand(&seed);
    for (int i = 0; i < sh.out_channels; i++) b[i] = frand(&seed);
    for (int i = 0; i < ny; i++) dy[i] = frand(&seed);
    printf("oneDNN %s\n", cdnnl_version());
    int failures = 0;
    for (int p = 0; p < 2; p++) {
        char err[256] = "";
        cdnnl_conv *c = cdnnl_conv_create(sh, p ? CDNNL_BFLOAT16 : CDNNL_FLOAT32, 1, 1, 0, 0, err, sizeof err);
        if (!c) { printf("create failed: %s\n", err); return 1; }
        for (int i = 0; i < nw; i++) dw[i] = 0;
        for (int i = 0; i < sh.out_channels; i++) db[i] = 0;
        int s1 = cdnnl_conv_forward(c, x, w, b, y), s2 = cdnnl_conv_backward(c, x, dy, w, dx, dw, db);
        if (s1 || s2) { printf("status %d %d\n", s1, s2); return 1; }
        // float32: summation order only; bfloat16: both operands rounded to 8 significant bits (2^-9 relative each)
        // over up to 25 products of magnitude <= 1, float32 accumulation.
        double ey = 0, edx = 0, edw = 0, tol = p ? 2e-2 : 1e-5;
        for (int n = 0; n < sh.batch; n++) for (int o = 0; o < O; o++) for (int co = 0; co < sh.out_channels; co++) {
            double acc = b[co];
            for (int k = 0; k < K; k++) { int l = o * sh.stride - sh.padding + k; if (l < 0 || l >= L) continue;
                for (int ci = 0; ci < sh.in_channels; ci++) acc += (double)x[(n * L + l) * sh.in_channels + ci] * w[(co * sh.in_channels + ci) * K + k]; }
            double e = fabs(acc - y[(n * O + o) * sh.out_channels + co]) / (1 + fabs(acc)); if (e > ey) ey = e; }
        for (int n = 0; n < sh.batch; n++) for (int l = 0; l < L; l++) for (int ci = 0; ci < sh.in_channels; ci++) {
            double acc = 0;
            for (int o = 0; o < O; o++) { int k = l + sh.padding - o * sh.stride; if (k < 0 || k >= K) continue;
                for (int co = 0; co < sh.out_channels; co++) acc += (double)dy[(n * O + o) * sh.out_channels + co] * w[(co * sh.in_channels + ci) * K + k]; }
            double e = fabs(acc - dx[(n * L + l) * sh.in_channels + ci]) / (1 + fabs(acc)); if (e > edx) edx = e; }
        for (int co = 0; co < sh.out_channels; co++) for (int ci = 0; ci < sh.in_channels; ci++) for (int k = 0; k < K; k++) {
            double acc = 0;
            for (int n = 0; n < sh.batch; n++) for (int o = 0; o < O; o++) { int l = o * sh.stride - sh.padding + k; if (l < 0 || l >= L) continue;
                acc += (double)dy[(n * O + o) * sh.out_channels + co] * x[(n * L + l) * sh.in_channels + ci]; }
            double e = fabs(acc - dw[(co * sh.in_channels + ci) * K + k]) / (1 + fabs(acc)); if (e > edw) edw = e; }
        int ok = ey < tol && edx < tol && edw < tol;
        failures += !ok;
        printf("%s: forward %.2e backward-data %.2e backward-weights %.2e (tolerance %.0e) %s\n", p ? "bf16" : "fp32", ey, edx, edw, tol, ok ? "ok" : "FAILED");
        cdnnl_conv_destroy(c);
        // Inference with the ReLU post-op: max(forward, 0).
        c = cdnnl_conv_create(sh, p ? CDNNL_BFLOAT16 : CDNNL_FLOAT32, 0, 1, 1, 0, err, sizeof err);
        if (!c) { printf("create failed: %s\n", err); return 1; }
        float *yr = malloc(4 * ny);
        if (cdnnl_conv_forward(c, x, w, b, yr)) { printf("inference failed\n"); return 1; }
        double er = 0;
        for (int i = 0; i < ny; i++) { double e = fabs((y[i] > 0 ? y[i] : 0) - yr[i]) / (1 + fabs(y[i])); if (e > er) er = e; }
        failures += !(er < 1e-6);
        printf("%s inference + ReLU against training forward: %.2e %s\n", p ? "bf16" : "fp32", er, er < 1e-6 ? "ok" : "FAILED");
        free(yr);
        cdnnl_conv_destroy(c);
        if (!p) continue;
        // bfloat16 activations (a ResNet block's interior in bf16 training): bfloat16 input read as it is and
        // bfloat16 output, against the float32-activation bf16 convolution above (same rounded operands, so only
        // the output's rounding to 8 significant bits differs: at most 2^-8 relative) and the same backward.
        c = cdnnl_conv_create(sh, CDNNL_BFLOAT16, 1, 1, 0, CDNNL_SOURCE_BFLOAT16 | CDNNL_DESTINATION_BFLOAT16, err, sizeof err);
        if (!c) { printf("create failed: %s\n", err); return 1; }
        uint16_t *xb = malloc(2 * nx), *yb = malloc(2 * ny);
        float *dx2 = malloc(4 * nx), *dw2 = calloc(nw, 4), *db2 = calloc(sh.out_channels, 4);
        for (int i = 0; i < nx; i++) xb[i] = to_bf16(x[i]);
        if (cdnnl_conv_forward(c, xb, w, b, yb) || cdnnl_conv_backward(c, xb, dy, w, dx2, dw2, db2)) {
            printf("bf16 activations failed\n"); return 1;
        }
        double ea = 0, eg = 0;
        for (int i = 0; i < ny; i++) { double e = fabs(from_bf16(yb[i]) - y[i]) / (1 + fabs(y[i])); if (e > ea) ea = e; }
        for (int i = 0; i < nx; i++) { double e = fabs(dx2[i] - dx[i]) / (1 + fabs(dx[i])); if (e > eg) eg = e; }
        for (int i = 0; i < nw; i++) { double e = fabs(dw2[i] - dw[i]) / (1 + fabs(dw[i])); if (e > eg) eg = e; }
        int aok = ea <= 0x1p-8 && eg < 1e-5;
        failures += !aok;
        printf("bf16 activations against float32 activations: output %.2e (tolerance 2^-8) gradients %.2e (1e-05) %s\n", ea, eg, aok ? "ok" : "FAILED");
        free(xb); free(yb); free(dx2); free(dw2); free(db2);
        cdnnl_conv_destroy(c);
    }
    return failures + conv2d_check() != 0;
}
