// The cores' arithmetic peak, measured: every thread of the OpenMP team runs a loop of independent fused
// multiply-adds (float32: vfmadd231ps; bfloat16: vdpbf16ps, the instruction oneDNN's bfloat16 kernels are built
// on) on the widest vectors the CPU has, and the peak is the sum of each thread's FLOPs per second of its own CPU
// time: what the cores sustain while they run, whatever else shares the machine (a busy machine only makes a
// benchmark's share of this limit smaller, which is what it should show).
//
// Why measured rather than computed from a datasheet: a VM reports its nominal clock while the cores turbo above
// it, and the bfloat16 dot product does not run at twice the float32 rate on every CPU that has it (on the
// development machine's Xeon it runs at about half), so "cores x FLOP/cycle x GHz" misstates both.
#include "cdnnl.h"

#include <immintrin.h>
#include <time.h>

static double thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// Twenty-four accumulators in named registers (an array would be spilled to the stack): more than latency x
// throughput on any of these cores, so the loop is bound by the arithmetic ports alone. The empty asm keeps
// the compiler from folding the chains away; it emits nothing.
#define EACH_OF_24(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) \
    M(12) M(13) M(14) M(15) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23)
#define EACH_OF_12(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
#define KEEP(v) __asm__ volatile("" : "+v"(v));

__attribute__((target("avx512f"))) static double fma512(long iterations) {
    const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(0.001f);
#define DECLARE(i) __m512 a##i = _mm512_set1_ps(1.0f);
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, x, y); KEEP(a##i)
    EACH_OF_24(DECLARE)
    for (long i = 0; i < iterations; i++) { EACH_OF_24(STEP) }
#undef DECLARE
#undef STEP
    return (double)iterations * 24 * 16 * 2;
}

__attribute__((target("avx2,fma"))) static double fma256(long iterations) {
    const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(0.001f);
#define DECLARE(i) __m256 a##i = _mm256_set1_ps(1.0f);
#define STEP(i) a##i = _mm256_fmadd_ps(a##i, x, y); KEEP(a##i)
    EACH_OF_12(DECLARE)
    for (long i = 0; i < iterations; i++) { EACH_OF_12(STEP) }
#undef DECLARE
#undef STEP
    return (double)iterations * 12 * 8 * 2;
}

__attribute__((target("avx512f,avx512bf16"))) static double dpbf16(long iterations) {
    const __m512bh x = (__m512bh)_mm512_set1_epi16(0x3f80);  // bfloat16 1.0 in every lane
#define DECLARE(i) __m512 a##i = _mm512_setzero_ps();
#define STEP(i) a##i = _mm512_dpbf16_ps(a##i, x, x); KEEP(a##i)
    EACH_OF_24(DECLARE)
    for (long i = 0; i < iterations; i++) { EACH_OF_24(STEP) }
#undef DECLARE
#undef STEP
    return (double)iterations * 24 * 32 * 2;
}

typedef struct {
    double (*loop)(long);
    long iterations;
    double flops[256], seconds[256];
} peak_run;

static void peak_body(void *context, int chunk) {
    peak_run *run = context;
    double start = thread_seconds();
    run->flops[chunk] = run->loop(run->iterations);
    run->seconds[chunk] = thread_seconds() - start;
}

static double run_team(peak_run *run, int threads) {
    cdnnl_parallel_for(threads, peak_body, run);
    double rate = 0;
    for (int t = 0; t < threads; t++) {
        if (run->seconds[t] <= 0) return 0;
        rate += run->flops[t] / run->seconds[t];
    }
    return rate;
}

double cdnnl_measured_peak_gflops(cdnnl_precision precision, double seconds) {
    peak_run run = {0};
    __builtin_cpu_init();
    if (precision == CDNNL_BFLOAT16) {
        if (!cdnnl_native_bfloat16()) return 0;
        run.loop = dpbf16;
    } else if (__builtin_cpu_supports("avx512f")) {
        run.loop = fma512;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        run.loop = fma256;
    } else {
        return 0;
    }
    int threads = cdnnl_threads();
    if (threads > 256) threads = 256;
    // A short pass sizes the loop for `seconds`, and wakes the cores from any idle clock.
    run.iterations = 100000;
    double rate = run_team(&run, threads);
    if (rate <= 0) return 0;
    double per_thread = rate / threads;
    double per_iteration = run.flops[0] / (double)run.iterations;
    run.iterations = (long)(seconds * per_thread / per_iteration) + 1;
    // The best of three passes: a core that changes clock or shares its caches for a moment only lowers a pass.
    double best = 0;
    for (int pass = 0; pass < 3; pass++) {
        rate = run_team(&run, threads);
        if (rate > best) best = rate;
    }
    return best / 1e9;
}
