// cdnnl.h on oneDNN 2.x or 3.x. The two differ in three things this file uses, each kept in one place below
// ("What differs between oneDNN 2.x and 3.x", and make_conv_pds): a memory descriptor is a struct in 2.x and a
// handle that must be destroyed in 3.x; 2.x builds primitive descriptors from op descriptors
// (dnnl_*_desc_init, then dnnl_primitive_desc_create), 3.x creates them from the memory descriptors directly;
// 3.x's eltwise post-op lost its scale argument. Everything else is the same calls on both.
#include "cdnnl.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// ---- What differs between oneDNN 2.x and 3.x (besides make_conv_pds) ----
// `md_ref` is how a memory descriptor is passed, `MD(d)` passes the descriptor variable `d`, `md_make` fills
// one from dimensions and a format tag, `md_release` frees what 3.x allocated; the eltwise and sum post-ops
// changed their arguments.
#if DNNL_VERSION_MAJOR >= 3
typedef const_dnnl_memory_desc_t md_ref;
#define MD(d) (d)
static dnnl_status_t md_make(dnnl_memory_desc_t *md, int ndims, const dnnl_dims_t dims, dnnl_data_type_t type,
                             dnnl_format_tag_t tag) {
    return dnnl_memory_desc_create_with_tag(md, ndims, dims, type, tag);
}
static void md_release(dnnl_memory_desc_t md) {
    if (md) dnnl_memory_desc_destroy(md);
}
static dnnl_status_t append_relu(dnnl_post_ops_t post_ops) {
    return dnnl_post_ops_append_eltwise(post_ops, dnnl_eltwise_relu, 0.0f, 0.0f);
}
static dnnl_status_t append_sum(dnnl_post_ops_t post_ops) {
    return dnnl_post_ops_append_sum(post_ops, 1.0f, 0, dnnl_data_type_undef);
}
#else
typedef const dnnl_memory_desc_t *md_ref;
#define MD(d) (&(d))
static dnnl_status_t md_make(dnnl_memory_desc_t *md, int ndims, const dnnl_dims_t dims, dnnl_data_type_t type,
                             dnnl_format_tag_t tag) {
    return dnnl_memory_desc_init_by_tag(md, ndims, dims, type, tag);
}
static void md_release(dnnl_memory_desc_t md) { (void)md; }
static dnnl_status_t append_relu(dnnl_post_ops_t post_ops) {
    return dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
}
static dnnl_status_t append_sum(dnnl_post_ops_t post_ops) { return dnnl_post_ops_append_sum(post_ops, 1.0f); }
#endif

// libgomp, the OpenMP runtime Debian's oneDNN runs on; declared here so the shim builds without -fopenmp.
extern void omp_set_num_threads(int);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);

// libgomp reads its wait policy from the environment when it loads, before main. By default its idle threads
// spin for a while after every parallel region, which on a shared or oversubscribed node (other ranks, other
// jobs) burns the cores those need and stretches every barrier by a scheduler time slice (measured on the
// 2-core machine with another process running: 1.8 vs 4.3 training samples/s). A process that chose no policy
// therefore executes itself again, once, with OMP_WAIT_POLICY=passive (glibc hands constructors argv).
__attribute__((constructor)) static void choose_wait_policy(int argc, char **argv, char **envp) {
    (void)argc;
    (void)envp;
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT") || !argv || !argv[0]) return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
    execv("/proc/self/exe", argv);  // only returns on failure: carry on with libgomp's default
}

static int g_process_threads = 1;
// A calling thread's own team size, when it asked for one (`cdnnl_set_thread_override`), else the process's.
static _Thread_local int t_override = 0;
#define g_threads (t_override > 0 ? t_override : g_process_threads)
static dnnl_engine_t g_engine;
static dnnl_status_t g_engine_status = dnnl_runtime_error;
static pthread_once_t g_engine_once = PTHREAD_ONCE_INIT;
static void make_engine(void) { g_engine_status = dnnl_engine_create(&g_engine, dnnl_cpu, 0); }

// One stream per calling thread (tests call from several); the OpenMP team size is a per-thread setting.
static _Thread_local dnnl_stream_t t_stream;
static _Thread_local int t_threads = -1;

static void sync_threads(void) {
    if (t_threads != g_threads) {
        omp_set_num_threads(g_threads);
        t_threads = g_threads;
    }
}

static dnnl_stream_t stream_here(void) {
    sync_threads();
    if (!t_stream) dnnl_stream_create(&t_stream, g_engine, dnnl_stream_default_flags);
    return t_stream;
}

void cdnnl_set_threads(int threads) { g_process_threads = threads < 1 ? 1 : threads; }
void cdnnl_set_thread_override(int threads) { t_override = threads < 0 ? 0 : threads; }
int cdnnl_threads(void) { return g_threads; }

typedef struct {
    void (*body)(void *, int);
    void *context;
    int chunks;
} team_work;

static void team_body(void *data) {
    team_work *work = data;
    int team = omp_get_num_threads(), me = omp_get_thread_num();
    for (int chunk = me; chunk < work->chunks; chunk += team) work->body(work->context, chunk);
}

void cdnnl_parallel_for(int chunks, void (*body)(void *context, int chunk), void *context) {
    if (chunks <= 1 || g_threads <= 1) {
        for (int chunk = 0; chunk < chunks; chunk++) body(context, chunk);
        return;
    }
    sync_threads();
    team_work work = {body, context, chunks};
    GOMP_parallel(team_body, &work, (unsigned)(chunks < g_threads ? chunks : g_threads), 0);
}

int cdnnl_native_bfloat16(void) {
    unsigned isa = (unsigned)dnnl_get_effective_cpu_isa();
    return (isa & (unsigned)dnnl_cpu_isa_avx512_core_bf16) == (unsigned)dnnl_cpu_isa_avx512_core_bf16;
}

const char *cdnnl_version(void) {
    static char text[32];
    const dnnl_version_t *v = dnnl_version();
    snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
    return text;
}

// A reorder between a caller's buffer (handle set per call) and a kernel-format buffer; `primitive` is NULL
// when the two formats agree and the kernel reads the caller's buffer directly.
// A `transient` kernel buffer is needed only during one call: it lives in the calling thread's scratch at
// `offset` (see scratch_here), shared by all layers, instead of being held by every layer.
typedef struct {
    dnnl_primitive_t primitive;
    dnnl_memory_t user, kernel;
    size_t elements;
    int transient;
    size_t bytes, offset;
} staged;

// Per-thread scratch for transient kernel buffers; layers run one at a time on a thread.
static _Thread_local char *t_scratch;
static _Thread_local size_t t_scratch_size;

static char *scratch_here(size_t bytes) {
    if (bytes > t_scratch_size) {
        free(t_scratch);
        t_scratch_size = 0;
        t_scratch = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (t_scratch) t_scratch_size = bytes;
    }
    return t_scratch;
}

// Points the transient kernel buffers of `stages` into this thread's scratch.
static dnnl_status_t place(staged *const *stages, int count, size_t total) {
    char *base = scratch_here(total);
    if (!base && total) return dnnl_out_of_memory;
    for (int i = 0; i < count; i++) {
        if (!stages[i]->transient || !stages[i]->kernel) continue;
        dnnl_status_t status = dnnl_memory_set_data_handle(stages[i]->kernel, base + stages[i]->offset);
        if (status != dnnl_success) return status;
    }
    return dnnl_success;
}

// Lays the transient buffers of `stages` out one after another; returns the bytes they need.
static size_t lay_out(staged *const *stages, int count) {
    size_t total = 0;
    for (int i = 0; i < count; i++) {
        if (!stages[i]->transient || !stages[i]->kernel) continue;
        stages[i]->offset = total;
        total += (stages[i]->bytes + 63) / 64 * 64;
    }
    return total;
}

// Reorders below this many elements run on the calling thread: a team's fork and join would cost more.
static const size_t parallel_reorder_elements = (size_t)1 << 18;

static dnnl_status_t run_reorder(const staged *s, dnnl_memory_t from, dnnl_memory_t to) {
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    dnnl_stream_t stream = stream_here();
    int alone = s->elements < parallel_reorder_elements && g_threads > 1;
    if (alone) omp_set_num_threads(1);
    dnnl_status_t status = dnnl_primitive_execute(s->primitive, stream, 2, args);
    if (alone) omp_set_num_threads(g_threads);
    return status;
}

struct cdnnl_conv {
    cdnnl_conv_shape shape;
    cdnnl_precision precision;
    int training, with_bias;
    dnnl_primitive_desc_t fwd_pd, bwd_data_pd, bwd_weights_pd;
    dnnl_primitive_t fwd, bwd_data, bwd_weights;
    // weights_bwd is unused (shared_weights) when backward-data reads the forward's reordered weights.
    staged src, weights_fwd, weights_bwd, diff_dst, diff_weights;
    int shared_weights;
    dnnl_memory_t dst, bias, diff_src, diff_bias;
    float *diff_bias_kernel;
    size_t forward_scratch, backward_scratch;
};

#define CHECK(call, what)                                                                      \
    do {                                                                                       \
        dnnl_status_t status_ = (call);                                                        \
        if (status_ != dnnl_success) {                                                         \
            snprintf(error, error_size, "oneDNN %s failed (status %d)", what, (int)status_);   \
            goto fail;                                                                         \
        }                                                                                      \
    } while (0)

static dnnl_status_t make_memory(dnnl_memory_t *memory, md_ref md, void *handle) {
    return dnnl_memory_create(memory, md, g_engine, handle);
}

// `user_md` on the caller's side, `kernel_md` as the primitive wants it; a reorder only when they differ.
// `user_to_kernel` 0 builds the way back, adding into the caller's buffer (a reorder with a sum post-op),
// which always reorders, even between equal formats.
static dnnl_status_t make_staged(staged *s, md_ref user_md, md_ref kernel_md,
                                 int user_to_kernel, int transient) {
    s->elements = dnnl_memory_desc_get_size(user_md) / sizeof(float);
    s->transient = transient;
    s->bytes = dnnl_memory_desc_get_size(kernel_md);
    dnnl_status_t status = make_memory(&s->user, user_md, DNNL_MEMORY_NONE);
    if (status != dnnl_success) return status;
    if (user_to_kernel && dnnl_memory_desc_equal(user_md, kernel_md)) return dnnl_success;
    status = make_memory(&s->kernel, kernel_md, transient ? DNNL_MEMORY_NONE : DNNL_MEMORY_ALLOCATE);
    if (status != dnnl_success) return status;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t sum = NULL;
    if (!user_to_kernel) {
        if ((status = dnnl_primitive_attr_create(&attr)) != dnnl_success) return status;
        if ((status = dnnl_post_ops_create(&sum)) == dnnl_success &&
            (status = append_sum(sum)) == dnnl_success)
            status = dnnl_primitive_attr_set_post_ops(attr, sum);
        if (sum) dnnl_post_ops_destroy(sum);
        if (status != dnnl_success) {
            dnnl_primitive_attr_destroy(attr);
            return status;
        }
    }
    status = user_to_kernel ? dnnl_reorder_primitive_desc_create(&pd, user_md, g_engine, kernel_md, g_engine, NULL)
                            : dnnl_reorder_primitive_desc_create(&pd, kernel_md, g_engine, user_md, g_engine, attr);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (status != dnnl_success) return status;
    status = dnnl_primitive_create(&s->primitive, pd);
    dnnl_primitive_desc_destroy(pd);
    return status;
}

// Sets the caller's pointer and runs the reorder into the kernel's format; returns the memory to hand the
// kernel.
static dnnl_status_t stage_in(staged *s, const void *pointer, dnnl_memory_t *kernel) {
    dnnl_status_t status = dnnl_memory_set_data_handle(s->user, (void *)pointer);
    if (status != dnnl_success) return status;
    if (!s->primitive) {
        *kernel = s->user;
        return dnnl_success;
    }
    *kernel = s->kernel;
    return run_reorder(s, s->user, s->kernel);
}

static void destroy_staged(staged *s) {
    if (s->primitive) dnnl_primitive_destroy(s->primitive);
    if (s->user) dnnl_memory_destroy(s->user);
    if (s->kernel) dnnl_memory_destroy(s->kernel);
}

static md_ref query(dnnl_primitive_desc_t pd, dnnl_query_t what) {
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

// Backward-data in the forward's weight format, so one reorder per step serves both, but only where that keeps
// the implementation oneDNN picks by itself (forcing a format can fall back to the reference loops): `forced`
// (backward-data created with the forward's weights) replaces the chosen one when it is the same kernel.
static void prefer_if_same_kernel(cdnnl_conv *c, dnnl_primitive_desc_t forced) {
    const char *chosen = "", *alternative = "";
    dnnl_primitive_desc_query(c->bwd_data_pd, dnnl_query_impl_info_str, 0, &chosen);
    dnnl_primitive_desc_query(forced, dnnl_query_impl_info_str, 0, &alternative);
    if (strcmp(chosen, alternative) == 0) {
        dnnl_primitive_desc_destroy(c->bwd_data_pd);
        c->bwd_data_pd = forced;
    } else {
        dnnl_primitive_desc_destroy(forced);
    }
}

// oneDNN's jit 1x1 backward-weights kernels (`jit_1x1:avx2`, `jit_1x1:avx512_core`, `jit_bf16_1x1:avx512_core_bf16`) copy a strided channels-last
// source into a per-thread workspace booked as `spatial x in_channels` floats but addressed in steps of their
// channel block (8 or 16), so with input channels not a multiple of the block they write past the workspace and
// the primitive's scratchpad: heap corruption, seen as glibc aborts at a later free and pinned down with
// AddressSanitizer and a watchpoint on ResNet's stride-2 8-channel downsample (with 2 threads and an odd batch,
// 832-896 bytes past a 4480-byte scratchpad in float32, 352-416 in bfloat16; oneDNN 2.6, and 3.x per upstream
// issue 6035). Such a convolution takes oneDNN's next implementation for backward-weights instead.
static int overflows_rtus_workspace(const cdnnl_conv *c, const_dnnl_primitive_desc_t pd) {
    if (c->shape.stride <= 1 || c->shape.in_channels % 16 == 0) return 0;
    const char *name = "";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    return strncmp(name, "jit", 3) == 0 && strstr(name, "1x1:") != NULL;
}

#if DNNL_VERSION_MAJOR < 3
// oneDNN 2.x: the first backward-weights implementation for `desc` that `overflows_rtus_workspace` allows.
static dnnl_status_t make_bwd_weights_pd(cdnnl_conv *c, const dnnl_convolution_desc_t *desc) {
    dnnl_primitive_desc_iterator_t iterator;
    dnnl_status_t status = dnnl_primitive_desc_iterator_create(&iterator, desc, NULL, g_engine, c->fwd_pd);
    if (status != dnnl_success) return status;
    do {
        c->bwd_weights_pd = dnnl_primitive_desc_iterator_fetch(iterator);
        if (!c->bwd_weights_pd) {
            status = dnnl_out_of_memory;
            break;
        }
        if (!overflows_rtus_workspace(c, c->bwd_weights_pd)) break;
        dnnl_primitive_desc_destroy(c->bwd_weights_pd);
        c->bwd_weights_pd = NULL;
    } while ((status = dnnl_primitive_desc_iterator_next(iterator)) == dnnl_success);
    dnnl_primitive_desc_iterator_destroy(iterator);
    return status == dnnl_iterator_ends ? dnnl_unimplemented : status;
}

// oneDNN 2.x: op descriptors for forward, backward-data and backward-weights, then their primitive descriptors.
static dnnl_status_t make_conv_pds(cdnnl_conv *c, md_ref src, md_ref weights, md_ref bias, md_ref dst, md_ref diff_src,
                                   md_ref diff_weights, md_ref diff_dst, const_dnnl_primitive_attr_t attr) {
    dnnl_dims_t strides = {c->shape.stride}, padding = {c->shape.padding};
    dnnl_convolution_desc_t desc;
    dnnl_status_t status = dnnl_convolution_forward_desc_init(
        &desc, c->training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct, src, weights,
        bias, dst, strides, padding, padding);
    if (status != dnnl_success) return status;
    status = dnnl_primitive_desc_create(&c->fwd_pd, &desc, attr, g_engine, NULL);
    if (status != dnnl_success || !c->training) return status;
    status = dnnl_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, diff_src, weights, diff_dst,
                                                      strides, padding, padding);
    if (status != dnnl_success) return status;
    status = dnnl_primitive_desc_create(&c->bwd_data_pd, &desc, NULL, g_engine, c->fwd_pd);
    if (status != dnnl_success) return status;
    md_ref forward_weights = query(c->fwd_pd, dnnl_query_weights_md);
    dnnl_primitive_desc_t forced;
    if (!dnnl_memory_desc_equal(forward_weights, query(c->bwd_data_pd, dnnl_query_weights_md)) &&
        dnnl_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, diff_src, forward_weights, diff_dst,
                                                 strides, padding, padding) == dnnl_success &&
        dnnl_primitive_desc_create(&forced, &desc, NULL, g_engine, c->fwd_pd) == dnnl_success)
        prefer_if_same_kernel(c, forced);
    status = dnnl_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, src, diff_weights, bias,
                                                         diff_dst, strides, padding, padding);
    if (status != dnnl_success) return status;
    return make_bwd_weights_pd(c, &desc);
}
#else
// oneDNN 3.x: primitive descriptors straight from the memory descriptors (no dilation: zeros).
static dnnl_status_t make_conv_pds(cdnnl_conv *c, md_ref src, md_ref weights, md_ref bias, md_ref dst, md_ref diff_src,
                                   md_ref diff_weights, md_ref diff_dst, const_dnnl_primitive_attr_t attr) {
    dnnl_dims_t strides = {c->shape.stride}, padding = {c->shape.padding}, dilation = {0};
    dnnl_status_t status = dnnl_convolution_forward_primitive_desc_create(
        &c->fwd_pd, g_engine, c->training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct,
        src, weights, bias, dst, strides, dilation, padding, padding, attr);
    if (status != dnnl_success || !c->training) return status;
    status = dnnl_convolution_backward_data_primitive_desc_create(&c->bwd_data_pd, g_engine, dnnl_convolution_direct,
                                                                  diff_src, weights, diff_dst, strides, dilation,
                                                                  padding, padding, c->fwd_pd, NULL);
    if (status != dnnl_success) return status;
    md_ref forward_weights = query(c->fwd_pd, dnnl_query_weights_md);
    dnnl_primitive_desc_t forced;
    if (!dnnl_memory_desc_equal(forward_weights, query(c->bwd_data_pd, dnnl_query_weights_md)) &&
        dnnl_convolution_backward_data_primitive_desc_create(&forced, g_engine, dnnl_convolution_direct, diff_src,
                                                             forward_weights, diff_dst, strides, dilation, padding,
                                                             padding, c->fwd_pd, NULL) == dnnl_success)
        prefer_if_same_kernel(c, forced);
    status = dnnl_convolution_backward_weights_primitive_desc_create(&c->bwd_weights_pd, g_engine, dnnl_convolution_direct,
                                                                     src, diff_weights, bias, diff_dst, strides, dilation,
                                                                     padding, padding, c->fwd_pd, NULL);
    while (status == dnnl_success && overflows_rtus_workspace(c, c->bwd_weights_pd))
        status = dnnl_primitive_desc_next_impl(c->bwd_weights_pd);
    return status;
}
#endif

/// The primitives, staged reorders and memories of a convolution whose primitive descriptors `make_conv_pds` or
/// `make_conv2d_pds` has made, from its user (float32, caller's layout; `forward_src` and `forward_dst` are the
/// activations as the caller holds them, bfloat16 or float32) and kernel-side descriptors: shared by the 1-D and 2-D
/// convolutions. Returns 0, or -1 with `error` set.
static int make_primitives(cdnnl_conv *c, md_ref user_src, md_ref user_dst, md_ref user_weights, md_ref user_bias,
                           md_ref kernel_src, md_ref kernel_dst, md_ref forward_src, md_ref forward_dst, char *error,
                           size_t error_size) {
    CHECK(dnnl_primitive_create(&c->fwd, c->fwd_pd), "forward primitive");
    if (c->training)
        c->shared_weights = dnnl_memory_desc_equal(query(c->bwd_data_pd, dnnl_query_weights_md),
                                                   query(c->fwd_pd, dnnl_query_weights_md));
    // Kept from forward to backward: the reordered weights, when backward-data shares them. Everything else
    // lives only during its call (backward converts a float32 source to bfloat16 again: the caller keeps
    // the float32 one anyway, and a second copy per layer would cost more memory than the conversion time; a
    // bfloat16 source the kernels read as it is).
    CHECK(make_staged(&c->src, forward_src, kernel_src, 1, 1), "source reorder");
    CHECK(make_staged(&c->weights_fwd, user_weights, query(c->fwd_pd, dnnl_query_weights_md), 1, !c->shared_weights),
          "weights reorder");
    CHECK(make_memory(&c->dst, forward_dst, DNNL_MEMORY_NONE), "destination memory");
    if (c->with_bias) CHECK(make_memory(&c->bias, user_bias, DNNL_MEMORY_NONE), "bias memory");
    if (c->training) {
        CHECK(dnnl_primitive_create(&c->bwd_data, c->bwd_data_pd), "backward-data primitive");
        CHECK(dnnl_primitive_create(&c->bwd_weights, c->bwd_weights_pd), "backward-weights primitive");
        if (!c->shared_weights)
            CHECK(make_staged(&c->weights_bwd, user_weights, query(c->bwd_data_pd, dnnl_query_weights_md), 1, 1),
                  "weights reorder");
        CHECK(make_staged(&c->diff_dst, user_dst, kernel_dst, 1, 1), "gradient reorder");
        CHECK(make_staged(&c->diff_weights, user_weights, query(c->bwd_weights_pd, dnnl_query_diff_weights_md), 0, 1),
              "weight-gradient reorder");
        CHECK(make_memory(&c->diff_src, user_src, DNNL_MEMORY_NONE), "input-gradient memory");
        if (c->with_bias) {
            c->diff_bias_kernel = malloc(sizeof(float) * (size_t)c->shape.out_channels);
            if (!c->diff_bias_kernel) {
                snprintf(error, error_size, "out of memory");
                return -1;
            }
            CHECK(make_memory(&c->diff_bias, user_bias, c->diff_bias_kernel), "bias-gradient memory");
        }
    }
    staged *forward_stages[] = {&c->src, &c->weights_fwd};
    staged *backward_stages[] = {&c->src, &c->weights_bwd, &c->diff_dst, &c->diff_weights};
    c->forward_scratch = lay_out(forward_stages, 2);
    c->backward_scratch = lay_out(backward_stages, 4);
    return 0;
fail:
    return -1;
}

cdnnl_conv *cdnnl_conv_create(cdnnl_conv_shape shape, cdnnl_precision precision, int training, int with_bias,
                              int rectify, int activations, char *error, size_t error_size) {
    // oneDNN fits its kernels (and how they split reductions) to the creating thread's team size, so set it first:
    // a primitive made for another team size gives other bits.
    sync_threads();
    pthread_once(&g_engine_once, make_engine);
    if (g_engine_status != dnnl_success) {
        snprintf(error, error_size, "oneDNN CPU engine could not be created (status %d)", (int)g_engine_status);
        return NULL;
    }
    if (activations != 0 && precision != CDNNL_BFLOAT16) {
        snprintf(error, error_size, "bfloat16 activations need a bfloat16 convolution");
        return NULL;
    }
    cdnnl_conv *c = calloc(1, sizeof *c);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t post_ops = NULL;
    if (!c) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    c->shape = shape;
    c->precision = precision;
    c->training = training;
    c->with_bias = with_bias;
    int out_length = (shape.length + 2 * shape.padding - shape.kernel) / shape.stride + 1;
    dnnl_data_type_t low = precision == CDNNL_BFLOAT16 ? dnnl_bf16 : dnnl_f32;
    dnnl_dims_t src_dims = {shape.batch, shape.in_channels, shape.length};
    dnnl_dims_t dst_dims = {shape.batch, shape.out_channels, out_length};
    dnnl_dims_t weight_dims = {shape.out_channels, shape.in_channels, shape.kernel};
    dnnl_dims_t bias_dims = {shape.out_channels};
    dnnl_memory_desc_t user_src = {0}, user_dst = {0}, user_weights = {0}, user_bias = {0}, kernel_src = {0},
                       kernel_dst = {0}, forward_dst = {0}, any_weights = {0}, any_diff_weights = {0};
    md_ref forward_src = NULL;
    CHECK(md_make(&user_src, 3, src_dims, dnnl_f32, dnnl_nwc), "source descriptor");
    CHECK(md_make(&user_dst, 3, dst_dims, dnnl_f32, dnnl_nwc), "destination descriptor");
    CHECK(md_make(&user_weights, 3, weight_dims, dnnl_f32, dnnl_oiw), "weights descriptor");
    CHECK(md_make(&user_bias, 1, bias_dims, dnnl_f32, dnnl_x), "bias descriptor");
    CHECK(md_make(&kernel_src, 3, src_dims, low, dnnl_nwc), "source descriptor");
    CHECK(md_make(&kernel_dst, 3, dst_dims, low, dnnl_nwc), "destination descriptor");
    CHECK(md_make(&forward_dst, 3, dst_dims, (activations & CDNNL_DESTINATION_BFLOAT16) ? dnnl_bf16 : dnnl_f32, dnnl_nwc),
          "destination descriptor");
    forward_src = (activations & CDNNL_SOURCE_BFLOAT16) ? MD(kernel_src) : MD(user_src);
    CHECK(md_make(&any_weights, 3, weight_dims, low, dnnl_format_tag_any), "weights descriptor");
    CHECK(md_make(&any_diff_weights, 3, weight_dims, dnnl_f32, dnnl_format_tag_any), "weight-gradient descriptor");
    if (rectify) {
        CHECK(dnnl_primitive_attr_create(&attr), "attributes");
        CHECK(dnnl_post_ops_create(&post_ops), "post-ops");
        CHECK(append_relu(post_ops), "ReLU post-op");
        CHECK(dnnl_primitive_attr_set_post_ops(attr, post_ops), "post-ops");
    }
    // Input gradients are float32 in both precisions, outputs too unless `activations` asks for bfloat16; bfloat16
    // applies to what the kernels read.
    CHECK(make_conv_pds(c, MD(kernel_src), MD(any_weights), with_bias ? MD(user_bias) : NULL, MD(forward_dst),
                        MD(user_src), MD(any_diff_weights), MD(kernel_dst), attr),
          precision == CDNNL_BFLOAT16 ? "bfloat16 convolution descriptor" : "convolution descriptor");
    if (make_primitives(c, MD(user_src), MD(user_dst), MD(user_weights), MD(user_bias), MD(kernel_src), MD(kernel_dst),
                        forward_src, MD(forward_dst), error, error_size) != 0)
        goto fail;
    goto done;
fail:
    cdnnl_conv_destroy(c);
    c = NULL;
done:
    // Memories and primitive descriptors keep their own copies of the descriptors.
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    dnnl_memory_desc_t descriptors[] = {user_src, user_dst, user_weights, user_bias, kernel_src,
                                        kernel_dst, forward_dst, any_weights, any_diff_weights};
    for (int i = 0; i < 9; i++) md_release(descriptors[i]);
    return c;
}

void cdnnl_conv_destroy(cdnnl_conv *c) {
    if (!c) return;
    dnnl_primitive_t primitives[] = {c->fwd, c->bwd_data, c->bwd_weights};
    for (int i = 0; i < 3; i++) if (primitives[i]) dnnl_primitive_destroy(primitives[i]);
    dnnl_primitive_desc_t pds[] = {c->fwd_pd, c->bwd_data_pd, c->bwd_weights_pd};
    for (int i = 0; i < 3; i++) if (pds[i]) dnnl_primitive_desc_destroy(pds[i]);
    staged *stages[] = {&c->src, &c->weights_fwd, &c->weights_bwd, &c->diff_dst, &c->diff_weights};
    for (int i = 0; i < 5; i++) destroy_staged(stages[i]);
    dnnl_memory_t memories[] = {c->dst, c->bias, c->diff_src, c->diff_bias};
    for (int i = 0; i < 4; i++) if (memories[i]) dnnl_memory_destroy(memories[i]);
    free(c->diff_bias_kernel);
    free(c);
}

const char *cdnnl_conv_implementation(const cdnnl_conv *c, int pass) {
    const_dnnl_primitive_desc_t pds[] = {c->fwd_pd, c->bwd_data_pd, c->bwd_weights_pd};
    const char *name = "";
    if (pass >= 0 && pass < 3 && pds[pass]) dnnl_primitive_desc_query(pds[pass], dnnl_query_impl_info_str, 0, &name);
    return name;
}

#define RETURN_ON_ERROR(call)                              \
    do {                                                   \
        dnnl_status_t status_ = (call);                    \
        if (status_ != dnnl_success) return (int)status_;  \
    } while (0)

int cdnnl_conv_forward(cdnnl_conv *c, const void *src, const float *weights, const float *bias, void *dst) {
    dnnl_memory_t kernel_src, kernel_weights;
    staged *stages[] = {&c->src, &c->weights_fwd};
    RETURN_ON_ERROR(place(stages, 2, c->forward_scratch));
    RETURN_ON_ERROR(stage_in(&c->src, src, &kernel_src));
    RETURN_ON_ERROR(stage_in(&c->weights_fwd, weights, &kernel_weights));
    RETURN_ON_ERROR(dnnl_memory_set_data_handle(c->dst, dst));
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, kernel_src}, {DNNL_ARG_WEIGHTS, kernel_weights}, {DNNL_ARG_DST, c->dst}, {DNNL_ARG_BIAS, c->bias}};
    if (c->with_bias) RETURN_ON_ERROR(dnnl_memory_set_data_handle(c->bias, (void *)bias));
    RETURN_ON_ERROR(dnnl_primitive_execute(c->fwd, stream_here(), c->with_bias ? 4 : 3, args));
    return (int)dnnl_stream_wait(stream_here());
}

int cdnnl_conv_backward(cdnnl_conv *c, const void *src, const float *diff_dst, const float *weights,
                        float *diff_src, float *diff_weights, float *diff_bias) {
    if (!c->training) return (int)dnnl_invalid_arguments;
    dnnl_stream_t stream = stream_here();
    staged *stages[] = {&c->src, &c->weights_bwd, &c->diff_dst, &c->diff_weights};
    RETURN_ON_ERROR(place(stages, 4, c->backward_scratch));
    dnnl_memory_t kernel_src, kernel_diff_dst, kernel_weights;
    RETURN_ON_ERROR(stage_in(&c->src, src, &kernel_src));
    RETURN_ON_ERROR(stage_in(&c->diff_dst, diff_dst, &kernel_diff_dst));
    dnnl_exec_arg_t weight_args[4] = {{DNNL_ARG_SRC, kernel_src},
                                      {DNNL_ARG_DIFF_DST, kernel_diff_dst},
                                      {DNNL_ARG_DIFF_WEIGHTS, c->diff_weights.kernel},
                                      {DNNL_ARG_DIFF_BIAS, c->diff_bias}};
    RETURN_ON_ERROR(dnnl_primitive_execute(c->bwd_weights, stream, c->with_bias ? 4 : 3, weight_args));
    RETURN_ON_ERROR(dnnl_memory_set_data_handle(c->diff_weights.user, diff_weights));
    RETURN_ON_ERROR(run_reorder(&c->diff_weights, c->diff_weights.kernel, c->diff_weights.user));
    if (diff_src) {
        if (c->shared_weights) {
            // The forward of this step left the weights in the kernel's format (or read the caller's).
            if (c->weights_fwd.primitive) {
                kernel_weights = c->weights_fwd.kernel;
            } else {
                RETURN_ON_ERROR(dnnl_memory_set_data_handle(c->weights_fwd.user, (void *)weights));
                kernel_weights = c->weights_fwd.user;
            }
        } else {
            RETURN_ON_ERROR(stage_in(&c->weights_bwd, weights, &kernel_weights));
        }
        RETURN_ON_ERROR(dnnl_memory_set_data_handle(c->diff_src, diff_src));
        dnnl_exec_arg_t args[3] = {
            {DNNL_ARG_DIFF_DST, kernel_diff_dst}, {DNNL_ARG_WEIGHTS, kernel_weights}, {DNNL_ARG_DIFF_SRC, c->diff_src}};
        RETURN_ON_ERROR(dnnl_primitive_execute(c->bwd_data, stream, 3, args));
    }
    RETURN_ON_ERROR(dnnl_stream_wait(stream));
    if (c->with_bias && diff_bias)
        for (int o = 0; o < c->shape.out_channels; o++) diff_bias[o] += c->diff_bias_kernel[o];
    return 0;
}

// ---- 2-D convolution (the spectrogram CNNs): the same primitives and staging as the 1-D one, on nhwc / oihw ----

#if DNNL_VERSION_MAJOR < 3
static dnnl_status_t make_conv2d_pds(cdnnl_conv *c, const dnnl_dims_t strides, const dnnl_dims_t padding, md_ref src,
                                     md_ref weights, md_ref bias, md_ref dst, md_ref diff_src, md_ref diff_weights,
                                     md_ref diff_dst) {
    dnnl_convolution_desc_t desc;
    dnnl_status_t status = dnnl_convolution_forward_desc_init(
        &desc, c->training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct, src, weights,
        bias, dst, strides, padding, padding);
    if (status != dnnl_success) return status;
    status = dnnl_primitive_desc_create(&c->fwd_pd, &desc, NULL, g_engine, NULL);
    if (status != dnnl_success || !c->training) return status;
    status = dnnl_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct, diff_src, weights, diff_dst,
                                                      strides, padding, padding);
    if (status != dnnl_success) return status;
    status = dnnl_primitive_desc_create(&c->bwd_data_pd, &desc, NULL, g_engine, c->fwd_pd);
    if (status != dnnl_success) return status;
    status = dnnl_convolution_backward_weights_desc_init(&desc, dnnl_convolution_direct, src, diff_weights, bias,
                                                         diff_dst, strides, padding, padding);
    if (status != dnnl_success) return status;
    return make_bwd_weights_pd(c, &desc);
}
#else
static dnnl_status_t make_conv2d_pds(cdnnl_conv *c, const dnnl_dims_t strides, const dnnl_dims_t padding, md_ref src,
                                     md_ref weights, md_ref bias, md_ref dst, md_ref diff_src, md_ref diff_weights,
                                     md_ref diff_dst) {
    dnnl_dims_t dilation = {0, 0};
    dnnl_status_t status = dnnl_convolution_forward_primitive_desc_create(
        &c->fwd_pd, g_engine, c->training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct,
        src, weights, bias, dst, strides, dilation, padding, padding, NULL);
    if (status != dnnl_success || !c->training) return status;
    status = dnnl_convolution_backward_data_primitive_desc_create(&c->bwd_data_pd, g_engine, dnnl_convolution_direct,
                                                                  diff_src, weights, diff_dst, strides, dilation,
                                                                  padding, padding, c->fwd_pd, NULL);
    if (status != dnnl_success) return status;
    return dnnl_convolution_backward_weights_primitive_desc_create(&c->bwd_weights_pd, g_engine, dnnl_convolution_direct,
                                                                   src, diff_weights, bias, diff_dst, strides, dilation,
                                                                   padding, padding, c->fwd_pd, NULL);
}
#endif

cdnnl_conv *cdnnl_conv2d_create(cdnnl_conv2d_shape shape, cdnnl_precision precision, int training, int with_bias,
                                char *error, size_t error_size) {
    sync_threads();  // as cdnnl_conv_create: kernels are fitted to the creating thread's team size
    pthread_once(&g_engine_once, make_engine);
    if (g_engine_status != dnnl_success) {
        snprintf(error, error_size, "oneDNN CPU engine could not be created (status %d)", (int)g_engine_status);
        return NULL;
    }
    cdnnl_conv *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    // The 1-D shape fields backward reads (output channels for the bias gradient; stride and input channels for
    // overflows_rtus_workspace).
    c->shape = (cdnnl_conv_shape){shape.batch, shape.in_channels, shape.out_channels, shape.height * shape.width,
                                  shape.kernel, shape.stride, shape.padding};
    c->precision = precision;
    c->training = training;
    c->with_bias = with_bias;
    int out_height = (shape.height + 2 * shape.padding - shape.kernel) / shape.stride + 1;
    int out_width = (shape.width + 2 * shape.padding - shape.kernel) / shape.stride + 1;
    dnnl_data_type_t low = precision == CDNNL_BFLOAT16 ? dnnl_bf16 : dnnl_f32;
    dnnl_dims_t src_dims = {shape.batch, shape.in_channels, shape.height, shape.width};
    dnnl_dims_t dst_dims = {shape.batch, shape.out_channels, out_height, out_width};
    dnnl_dims_t weight_dims = {shape.out_channels, shape.in_channels, shape.kernel, shape.kernel};
    dnnl_dims_t bias_dims = {shape.out_channels};
    dnnl_dims_t strides = {shape.stride, shape.stride}, padding = {shape.padding, shape.padding};
    dnnl_memory_desc_t user_src = {0}, user_dst = {0}, user_weights = {0}, user_bias = {0}, kernel_src = {0},
                       kernel_dst = {0}, any_weights = {0}, any_diff_weights = {0};
    CHECK(md_make(&user_src, 4, src_dims, dnnl_f32, dnnl_nhwc), "source descriptor");
    CHECK(md_make(&user_dst, 4, dst_dims, dnnl_f32, dnnl_nhwc), "destination descriptor");
    CHECK(md_make(&user_weights, 4, weight_dims, dnnl_f32, dnnl_oihw), "weights descriptor");
    CHECK(md_make(&user_bias, 1, bias_dims, dnnl_f32, dnnl_x), "bias descriptor");
    CHECK(md_make(&kernel_src, 4, src_dims, low, dnnl_nhwc), "source descriptor");
    CHECK(md_make(&kernel_dst, 4, dst_dims, low, dnnl_nhwc), "destination descriptor");
    CHECK(md_make(&any_weights, 4, weight_dims, low, dnnl_format_tag_any), "weights descriptor");
    CHECK(md_make(&any_diff_weights, 4, weight_dims, dnnl_f32, dnnl_format_tag_any), "weight-gradient descriptor");
    CHECK(make_conv2d_pds(c, strides, padding, MD(kernel_src), MD(any_weights), with_bias ? MD(user_bias) : NULL,
                          MD(user_dst), MD(user_src), MD(any_diff_weights), MD(kernel_dst)),
          precision == CDNNL_BFLOAT16 ? "bfloat16 2-D convolution descriptor" : "2-D convolution descriptor");
    if (make_primitives(c, MD(user_src), MD(user_dst), MD(user_weights), MD(user_bias), MD(kernel_src), MD(kernel_dst),
                        MD(user_src), MD(user_dst), error, error_size) != 0)
        goto fail;
    goto done;
fail:
    cdnnl_conv_destroy(c);
    c = NULL;
done:
    {
        dnnl_memory_desc_t descriptors[] = {user_src, user_dst, user_weights, user_bias,
                                            kernel_src, kernel_dst, any_weights, any_diff_weights};
        for (int i = 0; i < 8; i++) md_release(descriptors[i]);
    }
    return c;
}
