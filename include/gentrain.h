/*
 * gentrain.h — the C API of gentrain, an embeddable training runtime for neural networks.
 *
 * This header is the contract: the library implements exactly these declarations, the
 * Python bindings are generated from them, and functions and enum values are only ever
 * appended.
 *
 * Sections, in order, each implemented by the Swift file it names (Sources/GentrainCABI): status
 * codes and handles; library; tensors; autograd and custom ops; ops; layers; recurrent layers;
 * attention; losses; generative models; modules; initialization; files; optimizers and clipping;
 * mixed precision; data parallel; schedulers; checkpoints. The declarations between "@generated" markers come from api/ops.py
 * (scripts/gen_api.py); new parts of the engine (mixed precision, data parallel) get sections of
 * their own. Every declaration has a comment of its own (a test checks it).
 *
 * Conventions
 * - Every fallible function returns a gentrain_status, GENTRAIN_OK (0) on success, and writes its
 *   results through out-parameters, which come first. On failure the out-parameters are
 *   set to NULL (handles) or left unchanged (numbers), and gentrain_last_error() gives a
 *   message naming the function and what was wrong.
 * - Handles are opaque. Every function that creates one (its name ends in _new, or it
 *   returns a tensor through `out`) gives the caller one reference, which the caller
 *   releases with the matching *_free; *_free(NULL) does nothing. A NULL, freed or
 *   wrong-type handle passed anywhere else is an error (GENTRAIN_ERR_INVALID_HANDLE),
 *   never a crash.
 * - Outputs: every handle written through an out-parameter, whatever its name (out, values
 *   and indices, h_n and c_n, outs, results, grad_inputs), is a new reference the caller owns
 *   and frees. An output pointer may be NULL only where its comment says so; elsewhere NULL is
 *   GENTRAIN_ERR_INVALID_ARGUMENT. Handles the library passes to a callback are borrowed for
 *   the callback; tensors a callback writes to its outputs are handed over to the library,
 *   which frees them also when the callback then reports failure.
 * - Freeing: a handle is checked, never dereferenced, so freeing one twice, or freeing a stale
 *   or forged value, does nothing.
 * - Objects keep what they need alive: freeing a tensor handle that a module, optimizer,
 *   autograd graph or another tensor (a view) still uses is safe.
 * - Arrays (shapes, lists of handles) are borrowed for the duration of the call. Lists of
 *   tensors are `gentrain_tensor *const *`: a plain `gentrain_tensor *arr[]` passes as is.
 * - Threads: grad mode and the last error are per thread. Handles may be used from several
 *   threads, but one tensor, module, optimizer, scheduler or checkpoint must not be changed by
 *   one thread while another uses it; reading one object from several threads at once (the
 *   same input tensor, a module's forward) is fine. A violation is detected where it would
 *   corrupt memory and fails with GENTRAIN_ERR_MISUSE: a leaf's gradient written by two
 *   backward passes, one graph walked by two passes, an optimizer, scheduler, module or
 *   checkpoint changed while in use. Data that ops only read and write as numbers (a tensor's
 *   elements) is not checked: a race there gives wrong numbers, not a crash. Freeing a handle
 *   while another thread uses it is safe: the call in progress keeps the object alive. The
 *   default random generator is shared and locked.
 * - Memory: a tensor buffer that cannot be allocated is GENTRAIN_ERR_OUT_OF_MEMORY and the
 *   call changes nothing. Small bookkeeping allocations (handle slots, graph nodes, strings)
 *   come from the Swift runtime, which ends the process when malloc fails, as most C libraries
 *   do. GENTRAIN_MAX_ALLOC_BYTES (environment, bytes) caps one tensor buffer.
 */
#ifndef GENTRAIN_H
#define GENTRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GENTRAIN_VERSION_MAJOR 0
#define GENTRAIN_VERSION_MINOR 1
#define GENTRAIN_VERSION_PATCH 0
/* Bumped when a declaration changes incompatibly; the bindings check it at load. */
#define GENTRAIN_ABI_VERSION 2
/* The most dimensions a tensor has; shapes, strides and dim lists hold at most this many. */
#define GENTRAIN_MAX_DIMS 64

/* ---------------------------------------------------------------------------------------
 * Status codes, dtypes, handles (Handles.swift)
 * ------------------------------------------------------------------------------------- */

/* The status every fallible function returns; gentrain_last_error() holds the message. */
typedef enum gentrain_status {
    GENTRAIN_OK = 0,
    GENTRAIN_ERR_INVALID_ARGUMENT = 1, /* a value out of its domain, a NULL out-parameter */
    GENTRAIN_ERR_INVALID_HANDLE = 2,   /* NULL, freed, or of the wrong type */
    GENTRAIN_ERR_SHAPE = 3,            /* shapes that do not fit together */
    GENTRAIN_ERR_DTYPE = 4,            /* a dtype the operation does not take */
    GENTRAIN_ERR_OUT_OF_MEMORY = 5,
    GENTRAIN_ERR_IO = 6,
    GENTRAIN_ERR_NON_FINITE = 7,
    GENTRAIN_ERR_UNSUPPORTED = 8,
    GENTRAIN_ERR_CALLBACK_FAILED = 9,
    GENTRAIN_ERR_INTERNAL = 10,
    GENTRAIN_ERR_INDEX = 11,           /* an index or dimension out of range */
    GENTRAIN_ERR_AUTOGRAD = 12,        /* a gradient that cannot be computed as asked */
    GENTRAIN_ERR_MISUSE = 13,          /* an object used by two threads at once (see Threads) */
    GENTRAIN_ERR_DISTRIBUTED = 14      /* a collective failed: ranks disagree, a peer failed, no MPI */
} gentrain_status;

/* Element types. float32/float64 compute natively; bfloat16/float16 compute through
 * float32; int32/int64 hold indices and targets; bool holds masks. */
typedef enum gentrain_dtype {
    GENTRAIN_FLOAT32 = 0,
    GENTRAIN_FLOAT64 = 1,
    GENTRAIN_BFLOAT16 = 2,
    GENTRAIN_FLOAT16 = 3,
    GENTRAIN_INT32 = 4,
    GENTRAIN_INT64 = 5,
    GENTRAIN_BOOL = 6
} gentrain_dtype;

/* How a loss reduces its per-element values. */
typedef enum gentrain_reduction {
    GENTRAIN_REDUCTION_NONE = 0,
    GENTRAIN_REDUCTION_MEAN = 1,
    GENTRAIN_REDUCTION_SUM = 2,
    GENTRAIN_REDUCTION_BATCHMEAN = 3  /* the sum over the first dimension's size: kl_div, vae_kl_divergence */
} gentrain_reduction;

/* The GAN objectives of gentrain_gan_loss. */
typedef enum gentrain_gan_loss_kind {
    GENTRAIN_GAN_WASSERSTEIN_CRITIC = 0,       /* mean(D(fake)) - mean(D(real)) */
    GENTRAIN_GAN_WASSERSTEIN_GENERATOR = 1,    /* -mean(D(fake)) */
    GENTRAIN_GAN_NONSATURATING_DISCRIMINATOR = 2, /* mean(softplus(-real)) + mean(softplus(fake)), on logits */
    GENTRAIN_GAN_NONSATURATING_GENERATOR = 3,  /* mean(softplus(-fake)) */
    GENTRAIN_GAN_HINGE_DISCRIMINATOR = 4,      /* mean(relu(1 - real)) + mean(relu(1 + fake)) */
    GENTRAIN_GAN_HINGE_GENERATOR = 5           /* -mean(D(fake)) */
} gentrain_gan_loss_kind;

typedef struct gentrain_tensor gentrain_tensor;
typedef struct gentrain_module gentrain_module;
typedef struct gentrain_optimizer gentrain_optimizer;

/* Called once when the engine no longer uses memory it borrowed from the host. */
typedef void (*gentrain_deleter)(void *data, void *user_data);
/* Releases user data when its owner is freed. */
typedef void (*gentrain_destructor)(void *user_data);

/* ---------------------------------------------------------------------------------------
 * Library (LibraryAPI.swift)
 * ------------------------------------------------------------------------------------- */

/* "MAJOR.MINOR.PATCH"; a static string. */
const char *gentrain_version(void);
/* GENTRAIN_ABI_VERSION of the library. A program compares it with the header's GENTRAIN_ABI_VERSION
 * at start (examples/downstream does) to refuse a libgentrain of another ABI found first on the system. */
uint32_t gentrain_abi_version(void);
/* The message of the last failed call on this thread ("" if none). Valid until the next
 * failing call on this thread. */
const char *gentrain_last_error(void);
/* The name of a status code ("GENTRAIN_ERR_SHAPE"); a static string. */
const char *gentrain_status_name(gentrain_status status);
/* The widest kernels this CPU runs, after GENTRAIN_KERNELS (torch.backends.cpu.get_cpu_capability):
 * "DEFAULT", "AVX2" (float32 loops and, for bfloat16 products, the packing GEMM with AVX2 and
 * FMA) or "AVX512"; a static string. */
const char *gentrain_cpu_capability(void);
/* The kernels products of two bfloat16 operands (autocast's matmul, linear and convolutions) run
 * on here, after GENTRAIN_KERNELS: "AVX512_BF16" (bfloat16 dot products accumulating in float32;
 * GENTRAIN_KERNELS=avx512 turns them off), "AVX2" (the packing GEMM, which widens bfloat16 to
 * float32 as it packs) or "DEFAULT" (float32 copies on the BLAS); a static string. */
const char *gentrain_cpu_bf16_kernels(void);

/* Receives a warning where PyTorch warns (e.g. a regression loss whose target broadcasts to
 * another shape); the call that warned goes on and succeeds. `message` is valid during the
 * call only. Called on the thread that warned, possibly on several threads at once. */
typedef void (*gentrain_warning_fn)(const char *message, void *user_data);
/* Sets the process-wide warning handler; NULL restores the default, which writes each distinct
 * warning to standard error once. `user_data` is passed to every call and never freed. */
void gentrain_set_warning_handler(gentrain_warning_fn handler, void *user_data);

/* Threads used for matrix products and large kernels (torch.set_num_threads), 1...1024; settable
 * at any time, before or after the first op, from any thread. The engine's kernels and products
 * run on its own thread pool (OpenBLAS is called single-threaded and split over it; oneDNN's
 * convolutions and largest products run on oneDNN's OpenMP threads, one region at a time between
 * the pool's). Idle workers spin a few microseconds, yield their core for half a millisecond, then
 * sleep (OMP_WAIT_POLICY=passive: at once). A process forked after the threads started gets new
 * pool workers; oneDNN runs on one thread there (OpenMP's threads do not survive fork()). */
gentrain_status gentrain_set_num_threads(int32_t n);
/* The number of threads: as set by gentrain_set_num_threads, else OMP_NUM_THREADS, else the CPUs
 * the process may run on (its affinity mask). */
int32_t gentrain_get_num_threads(void);
/* Opens a handle scope, for a training step's many intermediate tensors: every tensor handle this
 * thread creates from now on is freed by the matching gentrain_scope_end. Scopes nest. */
void gentrain_scope_begin(void);
/* Closes the thread's innermost handle scope: frees the tensor handles created in it, except the
 * `n_keep` handles in `keep` (NULL when n_keep is 0), which stay live and belong to the enclosing
 * scope, if any. Handles freed before the end are fine. As with gentrain_tensor_free, a leaf
 * whose .grad came from backward with create_graph refers to itself through that gradient (a
 * cycle, as in PyTorch): reset its .grad before the scope ends. Without an open scope, or with
 * bad `keep` arguments, GENTRAIN_ERR_INVALID_ARGUMENT (the scope then stays open). */
gentrain_status gentrain_scope_end(gentrain_tensor *const *keep, size_t n_keep);

/* Seeds the default random generator (torch.manual_seed): the calling thread's own one if it has
 * one (a rank of a threads process group), else the process's. */
void gentrain_manual_seed(uint64_t seed);
/* A random generator of one's own (torch.Generator), for functions that take one (randperm,
 * samplers): its stream does not depend on other draws. One thread at a time. */
typedef struct gentrain_generator gentrain_generator;
/* A new generator seeded with `seed`. */
gentrain_status gentrain_generator_new(gentrain_generator **out, uint64_t seed);
/* Releases a generator handle. */
void gentrain_generator_free(gentrain_generator *generator);
/* Restarts the generator's stream from `seed` (Generator.manual_seed). */
gentrain_status gentrain_generator_manual_seed(gentrain_generator *generator, uint64_t seed);
/* The seed the generator was last seeded with (Generator.initial_seed). */
gentrain_status gentrain_generator_initial_seed(uint64_t *out, const gentrain_generator *generator);

/* Per-thread graph recording (torch.set_grad_enabled); `previous` may be NULL. */
void gentrain_set_grad_enabled(bool enabled, bool *previous);
/* Whether this thread records ops for autograd (torch.is_grad_enabled). */
bool gentrain_is_grad_enabled(void);
/* Anomaly detection (torch.autograd.set_detect_anomaly), per thread: while on, every op recorded
 * for autograd checks its output and every backward function its gradients, and the first NaN
 * or infinity fails the call with GENTRAIN_ERR_NON_FINITE, naming the op ("the forward of 'log'",
 * "Function 'SqrtBackward' returned nan values in its 0th output"). Slow: for debugging.
 * `previous` may be NULL. */
void gentrain_set_detect_anomaly(bool enabled, bool *previous);
/* Whether anomaly detection is on for this thread (torch.is_anomaly_enabled). */
bool gentrain_is_anomaly_enabled(void);

/* ---------------------------------------------------------------------------------------
 * Tensors: creation (TensorAPI.swift). Each returns a new tensor the caller frees with gentrain_tensor_free.
 * Shapes are `ndim` int64 sizes (ndim 0 is a scalar; `shape` may then be NULL).
 * ------------------------------------------------------------------------------------- */

/* Copies `nbytes` (must equal numel * element size) from `data`. */
gentrain_status gentrain_tensor_from_data(gentrain_tensor **out, const void *data, size_t nbytes,
                                          gentrain_dtype dtype, const int64_t *shape, size_t ndim);
/* Uses `data` in place (zero copy): the engine reads and writes it until no tensor uses
 * it, then calls deleter(data, user_data) if deleter is not NULL. On failure the deleter
 * is not called and the memory stays the caller's. `data` must be aligned to its dtype. */
gentrain_status gentrain_tensor_from_blob(gentrain_tensor **out, void *data, size_t nbytes, gentrain_dtype dtype,
                                          const int64_t *shape, size_t ndim, gentrain_deleter deleter,
                                          void *user_data);
/* A new tensor of `shape`, every element 0 (torch.zeros). */
gentrain_status gentrain_tensor_zeros(gentrain_tensor **out, const int64_t *shape, size_t ndim, gentrain_dtype dtype);
/* A new tensor of `shape`, every element 1 (torch.ones). */
gentrain_status gentrain_tensor_ones(gentrain_tensor **out, const int64_t *shape, size_t ndim, gentrain_dtype dtype);
/* A new tensor of `shape`, every element `value` converted to `dtype` (torch.full). */
gentrain_status gentrain_tensor_full(gentrain_tensor **out, const int64_t *shape, size_t ndim, gentrain_dtype dtype,
                                     double value);
/* [start, start+step, ...) below end. */
gentrain_status gentrain_tensor_arange(gentrain_tensor **out, double start, double end, double step,
                                       gentrain_dtype dtype);
/* The n x m identity. */
gentrain_status gentrain_tensor_eye(gentrain_tensor **out, int64_t n, int64_t m, gentrain_dtype dtype);
/* Uniform samples in [0, 1) (torch.rand); floating-point dtypes. From `generator`, or the default
 * generator when it is NULL (so for every random function below). */
gentrain_status gentrain_tensor_rand(gentrain_tensor **out, const int64_t *shape, size_t ndim, gentrain_dtype dtype,
                                     gentrain_generator *generator);
/* Standard normal samples (torch.randn); floating-point dtypes. */
gentrain_status gentrain_tensor_randn(gentrain_tensor **out, const int64_t *shape, size_t ndim, gentrain_dtype dtype,
                                      gentrain_generator *generator);
/* Uniform integers in [low, high) (torch.randint). */
gentrain_status gentrain_tensor_randint(gentrain_tensor **out, int64_t low, int64_t high, const int64_t *shape,
                                        size_t ndim, gentrain_dtype dtype, gentrain_generator *generator);
/* A random permutation of 0 ... n-1 (torch.randperm): int64, or another dtype that holds n - 1
 * exactly; from `generator`, or the default generator when it is NULL. */
gentrain_status gentrain_randperm(gentrain_tensor **out, int64_t n, gentrain_dtype dtype, gentrain_generator *generator);
/* Releases the caller's reference. */
void gentrain_tensor_free(gentrain_tensor *tensor);
/* A second handle to the same tensor (history included); both are freed separately. */
gentrain_status gentrain_tensor_retain(gentrain_tensor **out, const gentrain_tensor *tensor);

/* ---------------------------------------------------------------------------------------
 * Tensors: properties and data out (TensorAPI.swift)
 * ------------------------------------------------------------------------------------- */

/* The number of dimensions (0 for a scalar). */
gentrain_status gentrain_tensor_ndim(size_t *out, const gentrain_tensor *tensor);
/* Writes the ndim sizes to `out`, which holds `capacity` values (GENTRAIN_ERR_INVALID_ARGUMENT
 * when it holds fewer; GENTRAIN_MAX_DIMS always suffices). */
gentrain_status gentrain_tensor_shape(int64_t *out, size_t capacity, const gentrain_tensor *tensor);
/* Writes the ndim strides, in elements, to `out`, which holds `capacity` values. */
gentrain_status gentrain_tensor_strides(int64_t *out, size_t capacity, const gentrain_tensor *tensor);
/* The element type. */
gentrain_status gentrain_tensor_dtype(gentrain_dtype *out, const gentrain_tensor *tensor);
/* The number of elements (the product of the sizes; 1 for a scalar). */
gentrain_status gentrain_tensor_numel(int64_t *out, const gentrain_tensor *tensor);
/* Whether the elements are row-major without gaps (gentrain_tensor_data needs it). */
gentrain_status gentrain_tensor_is_contiguous(bool *out, const gentrain_tensor *tensor);
/* The tensor as PyTorch prints it ("tensor([[1.0000, 2.5000], ...], requires_grad=True)"; float32,
 * int64 and bool are not named): its first size - 1 bytes and a NUL into `buffer` (as snprintf;
 * buffer may be NULL when size is 0), and its whole length in bytes without the NUL into
 * *length (may be NULL), so a caller can ask for the length first. */
gentrain_status gentrain_tensor_to_string(char *buffer, size_t size, size_t *length, const gentrain_tensor *tensor);
/* Copies the elements, row-major, converted to `dtype`, into `buffer` of `nbytes` bytes. */
gentrain_status gentrain_tensor_copy_to(void *buffer, size_t nbytes, gentrain_dtype dtype,
                                        const gentrain_tensor *tensor);
/* Copies `src` into `dst` in place (PyTorch's `dst.copy_(src)`): `src` broadcasts to `dst`'s
 * shape and is converted to its dtype; `dst` keeps its identity, so a checkpoint, optimizer or
 * module that holds it sees the new values. Not recorded by autograd; an in-place change of a
 * leaf that requires grad is GENTRAIN_ERR_INVALID_ARGUMENT outside no-grad mode. */
gentrain_status gentrain_tensor_copy_(gentrain_tensor *dst, const gentrain_tensor *src);
/* A read-only pointer to the elements of a contiguous tensor, valid while the tensor handle
 * lives (zero copy out). It points at the tensor's memory itself, so later in-place updates
 * (an optimizer step, gentrain_tensor_copy_) are visible through it. GENTRAIN_ERR_INVALID_ARGUMENT
 * for a non-contiguous tensor. */
gentrain_status gentrain_tensor_data(const void **out, const gentrain_tensor *tensor);
/* The value of a one-element tensor, as double. */
gentrain_status gentrain_tensor_item(double *out, const gentrain_tensor *tensor);

/* ---------------------------------------------------------------------------------------
 * Tensors: DLPack exchange (DLPackAPI.swift), zero copy both ways with any library that speaks
 * DLPack (PyTorch, numpy, JAX, ...). `struct DLManagedTensor` is DLPack's own struct: include
 * <dlpack/dlpack.h> (Debian's libdlpack-dev, or DLPack's repository; any version since 0.5) to
 * read or fill its fields (DLPack 1.0 for the versioned pair). CPU memory only; dtypes float32,
 * float64, float16, bfloat16, int32, int64 and bool (DLPack's kDLBool, code 6).
 * ------------------------------------------------------------------------------------- */

/* DLPack's view of a tensor with its owner's deleter (dlpack.h). */
struct DLManagedTensor;
/* DLPack 1.0's versioned form of it, with flags (read-only, copied). */
struct DLManagedTensorVersioned;

/* DLPack export (torch.utils.dlpack.to_dlpack): *out describes the tensor's own memory (no copy;
 * shape and strides in elements, byte_offset 0), so writes on either side are seen by the other.
 * The consumer calls (*out)->deleter(*out) exactly once, from any thread; the memory stays valid
 * until then, also after every handle of the tensor is freed. A tensor that requires grad is
 * refused with GENTRAIN_ERR_AUTOGRAD (export tensor.detach(), as PyTorch asks). */
gentrain_status gentrain_tensor_to_dlpack(struct DLManagedTensor **out, const gentrain_tensor *tensor);
/* DLPack import (torch.utils.dlpack.from_dlpack): a tensor over `managed`'s memory (no copy),
 * with its shape and strides. On success the engine owns `managed` and calls managed->deleter
 * (when not NULL) once no tensor uses the memory; on failure nothing is taken and the deleter is
 * not called. Refused with GENTRAIN_ERR_INVALID_ARGUMENT: a device other than the CPU, vector
 * lanes, a dtype the engine lacks, more than GENTRAIN_MAX_DIMS dimensions, negative sizes or
 * strides, a span of memory over the address space, data NULL for a non-empty tensor, or a first
 * element not aligned to its dtype. The host vouches that the memory described is readable and
 * writable. */
gentrain_status gentrain_tensor_from_dlpack(gentrain_tensor **out, struct DLManagedTensor *managed);
/* gentrain_tensor_to_dlpack in DLPack 1.0's versioned form: version 1.0, flags 0 (writable, not a
 * copy). */
gentrain_status gentrain_tensor_to_dlpack_versioned(struct DLManagedTensorVersioned **out, const gentrain_tensor *tensor);
/* gentrain_tensor_from_dlpack of DLPack 1.x's versioned form: also refused, with nothing taken, for
 * another major version and for read-only memory (flag bit 0: the engine writes tensors in place). */
gentrain_status gentrain_tensor_from_dlpack_versioned(gentrain_tensor **out, struct DLManagedTensorVersioned *managed);

/* ---------------------------------------------------------------------------------------
 * Autograd (AutogradAPI.swift)
 * ------------------------------------------------------------------------------------- */

/* Marks a floating-point leaf as requiring grad (requires_grad_). */
gentrain_status gentrain_tensor_set_requires_grad(gentrain_tensor *tensor, bool requires_grad);
/* Whether gradients flow to or through the tensor (Tensor.requires_grad). */
gentrain_status gentrain_tensor_requires_grad(bool *out, const gentrain_tensor *tensor);
/* Whether the tensor was not made by a recorded op (Tensor.is_leaf): only leaves accumulate
 * .grad. */
gentrain_status gentrain_tensor_is_leaf(bool *out, const gentrain_tensor *tensor);
/* The accumulated gradient (a new handle), or *out = NULL when there is none. */
gentrain_status gentrain_tensor_grad(gentrain_tensor **out, const gentrain_tensor *tensor);
/* Sets (a tensor of the same shape) or clears (NULL) the gradient of a leaf. */
gentrain_status gentrain_tensor_set_grad(gentrain_tensor *tensor, const gentrain_tensor *grad);
/* The same data without autograd history. */
gentrain_status gentrain_tensor_detach(gentrain_tensor **out, const gentrain_tensor *tensor);
/* Accumulates d(tensor)/d(leaf), weighted by `grad` (NULL: 1, for one-element tensors),
 * into the .grad of every leaf that requires grad. The graph is freed unless retain_graph;
 * create_graph records the gradient computation for higher-order gradients. */
gentrain_status gentrain_backward(const gentrain_tensor *tensor, const gentrain_tensor *grad, bool retain_graph,
                                  bool create_graph);
/* torch.autograd.grad: writes n_inputs new handles to `results` (NULL for an unused input
 * when allow_unused), without touching .grad. `grad_outputs` may be NULL (all ones). */
gentrain_status gentrain_autograd_grad(gentrain_tensor **results, gentrain_tensor *const *outputs,
                                       size_t n_outputs, gentrain_tensor *const *inputs, size_t n_inputs,
                                       gentrain_tensor *const *grad_outputs, bool retain_graph,
                                       bool create_graph, bool allow_unused);

/* A gradient hook (torch.Tensor.register_hook): called with the tensor's gradient (borrowed for
 * the call) once a backward pass or gentrain_autograd_grad has computed all of it, before it flows
 * on; writes a replacement of the same shape to *out (a new tensor, handed over), or leaves *out
 * NULL to keep the gradient. Another status fails the pass with GENTRAIN_ERR_CALLBACK_FAILED. */
typedef gentrain_status
    (*gentrain_grad_hook_fn)(gentrain_tensor **out, const gentrain_tensor *grad, void *user_data);
typedef struct gentrain_hook gentrain_hook;
/* Registers `fn` on `tensor` (which requires grad; hooks run in registration order, each on the
 * previous one's result) and writes a handle to *out that removes it. `destroy` (may be NULL) is
 * called with user_data when the hook is gone: removed, or its tensor's graph freed; also when
 * registering fails. */
gentrain_status gentrain_tensor_register_hook(gentrain_hook **out, gentrain_tensor *tensor, gentrain_grad_hook_fn fn,
                                              void *user_data, gentrain_destructor destroy);
/* Unregisters the hook (RemovableHandle.remove()); again, or after its tensor is gone, does nothing. */
gentrain_status gentrain_hook_remove(gentrain_hook *hook);
/* Frees the handle; the hook stays registered unless it was removed. NULL does nothing. */
void gentrain_hook_free(gentrain_hook *hook);
/* torch.Tensor.retain_grad: a non-leaf tensor that requires grad keeps its gradient in .grad in later
 * backward passes (added up as a leaf's); nothing for a leaf. */
gentrain_status gentrain_tensor_retain_grad(gentrain_tensor *tensor);
/* Whether the tensor is a non-leaf that retains its gradient (torch.Tensor.retains_grad). */
gentrain_status gentrain_tensor_retains_grad(bool *out, const gentrain_tensor *tensor);

/* ---------------------------------------------------------------------------------------
 * In-place ops (InPlaceAPI.swift): PyTorch's add_, mul_, ..., and index assignment
 * -------------------------------------------------------------------------------------
 * Each writes into `x` (its handle keeps its identity) and, while grad mode is on and x or an
 * operand requires grad, records the op: x's history becomes the op's, with x's old value as
 * its input. As in PyTorch, a leaf that requires grad cannot be written while grad mode is on
 * (GENTRAIN_ERR_AUTOGRAD); every write bumps x's version (shared by its views), and a backward
 * pass that reaches an op which saved x before the write fails (GENTRAIN_ERR_AUTOGRAD,
 * "modified by an inplace operation") instead of computing with the new values. A view (the
 * result of a view op) is not written while recording: assign through its base
 * (gentrain_tensor_assign_). The result keeps x's dtype and shape: an operand must broadcast
 * to x's shape, and a floating-point result is not written into an integer tensor. */

/* x += alpha * other (add_). */
gentrain_status gentrain_add_(gentrain_tensor *x, const gentrain_tensor *other, double alpha);
/* x -= alpha * other (sub_). */
gentrain_status gentrain_sub_(gentrain_tensor *x, const gentrain_tensor *other, double alpha);
/* x *= other (mul_). */
gentrain_status gentrain_mul_(gentrain_tensor *x, const gentrain_tensor *other);
/* x /= other, true division (div_). */
gentrain_status gentrain_div_(gentrain_tensor *x, const gentrain_tensor *other);
/* x limited to [min, max]; -INFINITY / INFINITY for no bound (clamp_). */
gentrain_status gentrain_clamp_(gentrain_tensor *x, double min, double max);
/* Every element set to `value` (fill_). */
gentrain_status gentrain_fill_(gentrain_tensor *x, double value);
/* Every element set to zero (zero_). */
gentrain_status gentrain_zero_(gentrain_tensor *x);
/* The elements where `mask` (bool, broadcast to x's shape) is true set to `value`
 * (masked_fill_; Python's x[mask] = value). */
gentrain_status gentrain_masked_fill_(gentrain_tensor *x, const gentrain_tensor *mask, double value);
/* The elements where `mask` is true taken from `source` (broadcast to x's shape), the others
 * kept (Python's x[mask] = source). */
gentrain_status gentrain_masked_assign_(gentrain_tensor *x, const gentrain_tensor *mask, const gentrain_tensor *source);
/* Copies `source` (broadcast to the view's shape) into `view`, a view of `base`'s elements
 * (x[1:3] = v), recorded on `base`: base's old value gets no gradient inside the view's
 * region, `source` gets the gradient there, to any order. */
gentrain_status gentrain_tensor_assign_(gentrain_tensor *base, const gentrain_tensor *view, const gentrain_tensor *source);
/* How many in-place writes the tensor's elements have seen (Tensor._version). */
gentrain_status gentrain_tensor_version(int64_t *out, const gentrain_tensor *x);

/* ---------------------------------------------------------------------------------------
 * Custom ops with a user backward, torch.autograd.Function (CustomOpAPI.swift)
 * ------------------------------------------------------------------------------------- */

/* Computes the op: writes a new tensor (the caller of gentrain functions owns it, and hands
 * it over) to *output. `inputs` are borrowed for the call; grad mode is off. */
typedef gentrain_status
    (*gentrain_custom_forward)(gentrain_tensor **output, const gentrain_tensor *const *inputs, size_t n_inputs,
                               void *user_data);
/* Maps the output's gradient to one gradient per input: writes n_inputs new tensors (or NULL
 * for an input that needs none) to grad_inputs, handing them over. Everything passed in is
 * borrowed for the call. Computing with gentrain ops here makes the gradient differentiable
 * in turn (create_graph). */
typedef gentrain_status
    (*gentrain_custom_backward)(gentrain_tensor **grad_inputs, const gentrain_tensor *grad_output,
                                const gentrain_tensor *const *inputs, size_t n_inputs, const gentrain_tensor *output,
                                void *user_data);

/* Applies a custom op named `name` to `inputs`; its backward is `backward`. A callback that
 * returns an error fails the call (or the backward pass) with GENTRAIN_ERR_CALLBACK_FAILED
 * and its message. `destroy` (may be NULL) runs on user_data once the op's graph is gone,
 * or when the call fails. */
gentrain_status gentrain_custom_op(gentrain_tensor **out, const char *name, gentrain_tensor *const *inputs,
                                   size_t n_inputs, gentrain_custom_forward forward, gentrain_custom_backward backward,
                                   void *user_data, gentrain_destructor destroy);

/* ---------------------------------------------------------------------------------------
 * Ops (OpsAPI.swift; the forwarding ones generated from api/ops.py). Each writes a new tensor to `out`; results are recorded for autograd when grad mode
 * is on and an input requires grad. Binary ops broadcast and promote dtypes as PyTorch.
 * ------------------------------------------------------------------------------------- */

/* @generated Ops begin: Generated by scripts/gen_api.py from api/ops.py; do not edit. */
/* a + b, broadcasting (torch.add). */
gentrain_status gentrain_add(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a - b, broadcasting (torch.sub). */
gentrain_status gentrain_sub(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a * b, broadcasting (torch.mul). */
gentrain_status gentrain_mul(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a / b, broadcasting; true division (torch.div). */
gentrain_status gentrain_div(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a ** b, broadcasting (torch.pow). */
gentrain_status gentrain_pow(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* x + weight * (end - x), broadcasting (torch.lerp with a number weight; an exponential moving
 * average of weights is ema.lerp(p, 1 - decay)). */
gentrain_status gentrain_lerp(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *end,
                              double weight);
/* a / b rounded down (Python's //), broadcasting; integers exactly (a zero divisor is an error); no
 * derivative, as PyTorch's: a backward pass through it fails (torch.floor_divide). */
gentrain_status gentrain_floor_divide(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a - b * floor_divide(a, b), with the sign of b (Python's %), broadcasting; integers exactly (a
 * zero divisor is an error) (torch.remainder). */
gentrain_status gentrain_remainder(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* The angle of the point (b, a) in (-pi, pi], broadcasting; integers give float32 (torch.atan2). */
gentrain_status gentrain_atan2(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* C's fmod: the remainder of a / b with a's sign, broadcasting; integers exactly (a zero divisor is
 * an error) (torch.fmod). */
gentrain_status gentrain_fmod(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* sqrt(a^2 + b^2) without overflow, broadcasting; floating point only (torch.hypot). */
gentrain_status gentrain_hypot(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* log(e^a + e^b), computed stably, broadcasting; floating point only (torch.logaddexp). */
gentrain_status gentrain_logaddexp(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a * log(b), 0 where a is 0 and b is not NaN, broadcasting; integers give float32 (torch.xlogy). */
gentrain_status gentrain_xlogy(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* 0 where x < 0, `values` where x is 0, 1 where x > 0, broadcasting, for x and values of one dtype;
 * no gradient (torch.heaviside). */
gentrain_status gentrain_heaviside(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *values);
/* The larger of a and b, elementwise; NaN if either is NaN (torch.maximum). */
gentrain_status gentrain_maximum(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* The smaller of a and b, elementwise; NaN if either is NaN (torch.minimum). */
gentrain_status gentrain_minimum(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a + value; the scalar does not change a's dtype. */
gentrain_status gentrain_add_scalar(gentrain_tensor **out, const gentrain_tensor *a, double value);
/* a * value; the scalar does not change a's dtype. */
gentrain_status gentrain_mul_scalar(gentrain_tensor **out, const gentrain_tensor *a, double value);
/* a ** value; the scalar does not change a's dtype. */
gentrain_status gentrain_pow_scalar(gentrain_tensor **out, const gentrain_tensor *a, double value);
/* value - a. */
gentrain_status gentrain_rsub_scalar(gentrain_tensor **out, const gentrain_tensor *a, double value);
/* value / a. */
gentrain_status gentrain_rdiv_scalar(gentrain_tensor **out, const gentrain_tensor *a, double value);
/* torch.matmul: 1-D and 2-D products, and batched ones with broadcast batch dims. */
gentrain_status gentrain_matmul(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* The inner product of two 1-D tensors of one length and dtype: a 0-d tensor (torch.dot). */
gentrain_status gentrain_dot(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* A matrix [n, m] times a vector [m] (torch.mv). */
gentrain_status gentrain_mv(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* The product of matrices [n, m] and [m, p] (torch.mm). */
gentrain_status gentrain_mm(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* Batched products of [b, n, m] and [b, m, p] (torch.bmm). */
gentrain_status gentrain_bmm(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* beta * x + alpha * (mat1 @ mat2), x broadcast to the product's shape; with beta 0, x is ignored
 * (torch.addmm). PyTorch's defaults: beta 1.0, alpha 1.0. */
gentrain_status gentrain_addmm(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *mat1,
                               const gentrain_tensor *mat2, double beta, double alpha);
/* beta * x + alpha * (batch1 @ batch2), batched, as addmm (torch.baddbmm). PyTorch's defaults: beta
 * 1.0, alpha 1.0. */
gentrain_status gentrain_baddbmm(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *batch1,
                                 const gentrain_tensor *batch2, double beta, double alpha);
/* -x (torch.neg). */
gentrain_status gentrain_neg(gentrain_tensor **out, const gentrain_tensor *x);
/* neg in place (Tensor.neg_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_neg_(gentrain_tensor *x);
/* e^x (torch.exp). */
gentrain_status gentrain_exp(gentrain_tensor **out, const gentrain_tensor *x);
/* exp in place (Tensor.exp_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_exp_(gentrain_tensor *x);
/* The natural logarithm (torch.log). */
gentrain_status gentrain_log(gentrain_tensor **out, const gentrain_tensor *x);
/* log in place (Tensor.log_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_log_(gentrain_tensor *x);
/* log(1 + x), accurate near 0 (torch.log1p). */
gentrain_status gentrain_log1p(gentrain_tensor **out, const gentrain_tensor *x);
/* log1p in place (Tensor.log1p_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_log1p_(gentrain_tensor *x);
/* The base-2 logarithm (torch.log2). */
gentrain_status gentrain_log2(gentrain_tensor **out, const gentrain_tensor *x);
/* log2 in place (Tensor.log2_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_log2_(gentrain_tensor *x);
/* The base-10 logarithm (torch.log10). */
gentrain_status gentrain_log10(gentrain_tensor **out, const gentrain_tensor *x);
/* log10 in place (Tensor.log10_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_log10_(gentrain_tensor *x);
/* e^x - 1, accurate near 0 (torch.expm1). */
gentrain_status gentrain_expm1(gentrain_tensor **out, const gentrain_tensor *x);
/* expm1 in place (Tensor.expm1_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_expm1_(gentrain_tensor *x);
/* The square root (torch.sqrt). */
gentrain_status gentrain_sqrt(gentrain_tensor **out, const gentrain_tensor *x);
/* sqrt in place (Tensor.sqrt_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_sqrt_(gentrain_tensor *x);
/* 1 / sqrt(x) (torch.rsqrt). */
gentrain_status gentrain_rsqrt(gentrain_tensor **out, const gentrain_tensor *x);
/* rsqrt in place (Tensor.rsqrt_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_rsqrt_(gentrain_tensor *x);
/* |x|; its gradient is sign(x), 0 at 0 (torch.abs). */
gentrain_status gentrain_abs(gentrain_tensor **out, const gentrain_tensor *x);
/* abs in place (Tensor.abs_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_abs_(gentrain_tensor *x);
/* 1 / x (torch.reciprocal). */
gentrain_status gentrain_reciprocal(gentrain_tensor **out, const gentrain_tensor *x);
/* reciprocal in place (Tensor.reciprocal_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_reciprocal_(gentrain_tensor *x);
/* -1, 0 or 1; its gradient is zero (torch.sign). */
gentrain_status gentrain_sign(gentrain_tensor **out, const gentrain_tensor *x);
/* sign in place (Tensor.sign_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_sign_(gentrain_tensor *x);
/* Rounded down to an integral value, in x's dtype (integers unchanged); its gradient is zero
 * (torch.floor). */
gentrain_status gentrain_floor(gentrain_tensor **out, const gentrain_tensor *x);
/* floor in place (Tensor.floor_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_floor_(gentrain_tensor *x);
/* Rounded up to an integral value, as floor (torch.ceil). */
gentrain_status gentrain_ceil(gentrain_tensor **out, const gentrain_tensor *x);
/* ceil in place (Tensor.ceil_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_ceil_(gentrain_tensor *x);
/* Rounded to the nearest integral value, ties to even, as floor (torch.round). */
gentrain_status gentrain_round(gentrain_tensor **out, const gentrain_tensor *x);
/* round in place (Tensor.round_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_round_(gentrain_tensor *x);
/* Rounded toward zero to an integral value, as floor (torch.trunc). */
gentrain_status gentrain_trunc(gentrain_tensor **out, const gentrain_tensor *x);
/* trunc in place (Tensor.trunc_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_trunc_(gentrain_tensor *x);
/* The sine (torch.sin). */
gentrain_status gentrain_sin(gentrain_tensor **out, const gentrain_tensor *x);
/* sin in place (Tensor.sin_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_sin_(gentrain_tensor *x);
/* The cosine (torch.cos). */
gentrain_status gentrain_cos(gentrain_tensor **out, const gentrain_tensor *x);
/* cos in place (Tensor.cos_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_cos_(gentrain_tensor *x);
/* The error function (torch.erf). */
gentrain_status gentrain_erf(gentrain_tensor **out, const gentrain_tensor *x);
/* erf in place (Tensor.erf_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_erf_(gentrain_tensor *x);
/* 1 - erf(x), accurate where erf(x) is near 1 (torch.erfc). */
gentrain_status gentrain_erfc(gentrain_tensor **out, const gentrain_tensor *x);
/* erfc in place (Tensor.erfc_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_erfc_(gentrain_tensor *x);
/* The inverse of erf on [-1, 1]: +-infinity at +-1, NaN outside (torch.erfinv). */
gentrain_status gentrain_erfinv(gentrain_tensor **out, const gentrain_tensor *x);
/* erfinv in place (Tensor.erfinv_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_erfinv_(gentrain_tensor *x);
/* log|Gamma(x)| (torch.lgamma). */
gentrain_status gentrain_lgamma(gentrain_tensor **out, const gentrain_tensor *x);
/* lgamma in place (Tensor.lgamma_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_lgamma_(gentrain_tensor *x);
/* psi(x) = Gamma'(x) / Gamma(x): -inf at 0, NaN at the negative integers (torch.digamma). */
gentrain_status gentrain_digamma(gentrain_tensor **out, const gentrain_tensor *x);
/* digamma in place (Tensor.digamma_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_digamma_(gentrain_tensor *x);
/* The n-th derivative of digamma, n in 0...100; NaN for x below -1000 when n >= 1
 * (Tensor.polygamma(n); torch.polygamma(n, x) takes n first). */
gentrain_status gentrain_polygamma(gentrain_tensor **out, const gentrain_tensor *x, int64_t n);
/* The tangent (torch.tan). */
gentrain_status gentrain_tan(gentrain_tensor **out, const gentrain_tensor *x);
/* tan in place (Tensor.tan_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_tan_(gentrain_tensor *x);
/* The arcsine, NaN outside [-1, 1] (torch.asin). */
gentrain_status gentrain_asin(gentrain_tensor **out, const gentrain_tensor *x);
/* asin in place (Tensor.asin_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_asin_(gentrain_tensor *x);
/* The arccosine, NaN outside [-1, 1] (torch.acos). */
gentrain_status gentrain_acos(gentrain_tensor **out, const gentrain_tensor *x);
/* acos in place (Tensor.acos_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_acos_(gentrain_tensor *x);
/* The arctangent (torch.atan). */
gentrain_status gentrain_atan(gentrain_tensor **out, const gentrain_tensor *x);
/* atan in place (Tensor.atan_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_atan_(gentrain_tensor *x);
/* The hyperbolic sine (torch.sinh). */
gentrain_status gentrain_sinh(gentrain_tensor **out, const gentrain_tensor *x);
/* sinh in place (Tensor.sinh_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_sinh_(gentrain_tensor *x);
/* The hyperbolic cosine (torch.cosh). */
gentrain_status gentrain_cosh(gentrain_tensor **out, const gentrain_tensor *x);
/* cosh in place (Tensor.cosh_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_cosh_(gentrain_tensor *x);
/* The inverse hyperbolic sine (torch.asinh). */
gentrain_status gentrain_asinh(gentrain_tensor **out, const gentrain_tensor *x);
/* asinh in place (Tensor.asinh_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_asinh_(gentrain_tensor *x);
/* The inverse hyperbolic cosine, NaN below 1 (torch.acosh). */
gentrain_status gentrain_acosh(gentrain_tensor **out, const gentrain_tensor *x);
/* acosh in place (Tensor.acosh_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_acosh_(gentrain_tensor *x);
/* The inverse hyperbolic tangent, NaN outside [-1, 1] (torch.atanh). */
gentrain_status gentrain_atanh(gentrain_tensor **out, const gentrain_tensor *x);
/* atanh in place (Tensor.atanh_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_atanh_(gentrain_tensor *x);
/* 2^x (torch.exp2). */
gentrain_status gentrain_exp2(gentrain_tensor **out, const gentrain_tensor *x);
/* exp2 in place (Tensor.exp2_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_exp2_(gentrain_tensor *x);
/* x - trunc(x), with x's sign; floating point only (torch.frac). */
gentrain_status gentrain_frac(gentrain_tensor **out, const gentrain_tensor *x);
/* frac in place (Tensor.frac_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_frac_(gentrain_tensor *x);
/* The sign of a real tensor, as sign (torch.sgn). */
gentrain_status gentrain_sgn(gentrain_tensor **out, const gentrain_tensor *x);
/* Degrees in radians (torch.deg2rad). */
gentrain_status gentrain_deg2rad(gentrain_tensor **out, const gentrain_tensor *x);
/* deg2rad in place (Tensor.deg2rad_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_deg2rad_(gentrain_tensor *x);
/* Radians in degrees (torch.rad2deg). */
gentrain_status gentrain_rad2deg(gentrain_tensor **out, const gentrain_tensor *x);
/* rad2deg in place (Tensor.rad2deg_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_rad2deg_(gentrain_tensor *x);
/* sin(pi x) / (pi x), 1 at 0 (torch.sinc). */
gentrain_status gentrain_sinc(gentrain_tensor **out, const gentrain_tensor *x);
/* sinc in place (Tensor.sinc_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_sinc_(gentrain_tensor *x);
/* The hyperbolic tangent (torch.tanh). */
gentrain_status gentrain_tanh(gentrain_tensor **out, const gentrain_tensor *x);
/* tanh in place (Tensor.tanh_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_tanh_(gentrain_tensor *x);
/* 1 / (1 + e^-x) (torch.sigmoid). */
gentrain_status gentrain_sigmoid(gentrain_tensor **out, const gentrain_tensor *x);
/* sigmoid in place (Tensor.sigmoid_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_sigmoid_(gentrain_tensor *x);
/* max(x, 0) (torch.relu). */
gentrain_status gentrain_relu(gentrain_tensor **out, const gentrain_tensor *x);
/* relu in place (Tensor.relu_): x's elements replaced, recorded for autograd as the
 * other in-place ops; a result of another dtype than x's is GENTRAIN_ERR_DTYPE. */
gentrain_status gentrain_relu_(gentrain_tensor *x);
/* x where x >= 0, else negative_slope * x (F.leaky_relu). PyTorch's defaults: negative_slope 0.01. */
gentrain_status gentrain_leaky_relu(gentrain_tensor **out, const gentrain_tensor *x, double negative_slope);
/* x * sigmoid(x) (F.silu, nn.SiLU). */
gentrain_status gentrain_silu(gentrain_tensor **out, const gentrain_tensor *x);
/* x / (1 + |x|) (F.softsign, nn.Softsign). */
gentrain_status gentrain_softsign(gentrain_tensor **out, const gentrain_tensor *x);
/* x where x > 0, else alpha * (e^x - 1) (F.elu); gradients of any order. PyTorch's defaults: alpha
 * 1.0. */
gentrain_status gentrain_elu(gentrain_tensor **out, const gentrain_tensor *x, double alpha);
/* log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (F.softplus). PyTorch's
 * defaults: beta 1.0, threshold 20.0. */
gentrain_status gentrain_softplus(gentrain_tensor **out, const gentrain_tensor *x, double beta, double threshold);
/* x limited to [min_val, max_val], min_val <= max_val (F.hardtanh). PyTorch's defaults: min_val
 * -1.0, max_val 1.0. */
gentrain_status gentrain_hardtanh(gentrain_tensor **out, const gentrain_tensor *x, double min_val, double max_val);
/* min(max(x, 0), 6) (F.relu6). */
gentrain_status gentrain_relu6(gentrain_tensor **out, const gentrain_tensor *x);
/* relu6(x + 3) / 6 (F.hardsigmoid). */
gentrain_status gentrain_hardsigmoid(gentrain_tensor **out, const gentrain_tensor *x);
/* x * relu6(x + 3) / 6 (F.hardswish). */
gentrain_status gentrain_hardswish(gentrain_tensor **out, const gentrain_tensor *x);
/* x * tanh(softplus(x)) (F.mish). */
gentrain_status gentrain_mish(gentrain_tensor **out, const gentrain_tensor *x);
/* scale * elu(x, alpha) with SELU's constants alpha 1.6733 and scale 1.0507 (F.selu). */
gentrain_status gentrain_selu(gentrain_tensor **out, const gentrain_tensor *x);
/* x where x > 0, else alpha * (exp(x / alpha) - 1); alpha nonzero (F.celu). PyTorch's defaults:
 * alpha 1.0. */
gentrain_status gentrain_celu(gentrain_tensor **out, const gentrain_tensor *x, double alpha);
/* x where x >= 0, else weight * x, with one slope in `weight` or one per channel (dim 1) (F.prelu). */
gentrain_status gentrain_prelu(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight);
/* a * sigmoid(b) for the halves a, b of x along `dim`, whose size must be even (F.glu). PyTorch's
 * defaults: dim -1. */
gentrain_status gentrain_glu(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim);
/* log(sigmoid(x)), computed stably (F.logsigmoid). */
gentrain_status gentrain_logsigmoid(gentrain_tensor **out, const gentrain_tensor *x);
/* softmax(-x) along `dim` (F.softmin). */
gentrain_status gentrain_softmin(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim);
/* x where x > threshold, else `value` (F.threshold). */
gentrain_status gentrain_threshold(gentrain_tensor **out, const gentrain_tensor *x, double threshold, double value);
/* x - tanh(x) (F.tanhshrink). */
gentrain_status gentrain_tanhshrink(gentrain_tensor **out, const gentrain_tensor *x);
/* x - lambd above lambd, x + lambd below -lambd, else 0; lambd >= 0 (F.softshrink). PyTorch's
 * defaults: lambd 0.5. */
gentrain_status gentrain_softshrink(gentrain_tensor **out, const gentrain_tensor *x, double lambd);
/* x where |x| > lambd, else 0 (F.hardshrink). PyTorch's defaults: lambd 0.5. */
gentrain_status gentrain_hardshrink(gentrain_tensor **out, const gentrain_tensor *x, double lambd);
/* GELU's formula: exact, or the tanh approximation. */
typedef enum gentrain_gelu_approximate {
    GENTRAIN_GELU_APPROXIMATE_NONE = 0,
    GENTRAIN_GELU_APPROXIMATE_TANH = 1
} gentrain_gelu_approximate;
/* x * Phi(x) with Phi the standard normal CDF, or its tanh approximation (F.gelu). PyTorch's
 * defaults: approximate GENTRAIN_GELU_APPROXIMATE_NONE. */
gentrain_status gentrain_gelu(gentrain_tensor **out, const gentrain_tensor *x, gentrain_gelu_approximate approximate);
/* x limited to [min, max]; pass -INFINITY / INFINITY for no bound (torch.clamp). */
gentrain_status gentrain_clamp(gentrain_tensor **out, const gentrain_tensor *x, double min, double max);
/* A bool tensor, true where x is NaN (never for integers). */
gentrain_status gentrain_isnan(gentrain_tensor **out, const gentrain_tensor *x);
/* A bool tensor, true where x is +-infinity (never for integers). */
gentrain_status gentrain_isinf(gentrain_tensor **out, const gentrain_tensor *x);
/* A bool tensor, true where x is neither NaN nor infinite (always for integers). */
gentrain_status gentrain_isfinite(gentrain_tensor **out, const gentrain_tensor *x);
/* NaN -> nan, +inf -> *posinf, -inf -> *neginf; posinf / neginf NULL for the dtype's largest and
 * lowest finite values (torch.nan_to_num). PyTorch's defaults: nan 0.0, posinf none (NULL), neginf
 * none (NULL). */
gentrain_status gentrain_nan_to_num(gentrain_tensor **out, const gentrain_tensor *x, double nan, const double *posinf,
                                    const double *neginf);
/* cond ? a : b, with `cond` bool; all three broadcast (torch.where). */
gentrain_status gentrain_where(gentrain_tensor **out, const gentrain_tensor *cond, const gentrain_tensor *a,
                               const gentrain_tensor *b);
/* a == b as a bool tensor, broadcasting; no gradient. */
gentrain_status gentrain_eq(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a != b as a bool tensor, broadcasting; no gradient. */
gentrain_status gentrain_ne(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a < b as a bool tensor, broadcasting; no gradient. */
gentrain_status gentrain_lt(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a <= b as a bool tensor, broadcasting; no gradient. */
gentrain_status gentrain_le(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a > b as a bool tensor, broadcasting; no gradient. */
gentrain_status gentrain_gt(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a >= b as a bool tensor, broadcasting; no gradient. */
gentrain_status gentrain_ge(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* A bool tensor, true where x is zero (torch.logical_not); no gradient. */
gentrain_status gentrain_logical_not(gentrain_tensor **out, const gentrain_tensor *x);
/* A bool tensor, true where both are nonzero (NaN counts as nonzero), broadcasting
 * (torch.logical_and); no gradient. */
gentrain_status gentrain_logical_and(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* A bool tensor, true where either is nonzero, broadcasting (torch.logical_or); no gradient. */
gentrain_status gentrain_logical_or(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* A bool tensor, true where exactly one is nonzero, broadcasting (torch.logical_xor); no gradient. */
gentrain_status gentrain_logical_xor(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* ~x: every bit flipped in an integer tensor, logical not on a bool one; floating point is refused
 * (torch.bitwise_not). */
gentrain_status gentrain_bitwise_not(gentrain_tensor **out, const gentrain_tensor *x);
/* a & b on integer or bool tensors, broadcasting (torch.bitwise_and). */
gentrain_status gentrain_bitwise_and(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a | b on integer or bool tensors, broadcasting (torch.bitwise_or). */
gentrain_status gentrain_bitwise_or(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a ^ b on integer or bool tensors, broadcasting (torch.bitwise_xor). */
gentrain_status gentrain_bitwise_xor(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* a << b on integer tensors, broadcasting; 0 for a negative count or one of at least the dtype's
 * width (torch.bitwise_left_shift). */
gentrain_status gentrain_bitwise_left_shift(gentrain_tensor **out, const gentrain_tensor *a,
                                            const gentrain_tensor *b);
/* a >> b, arithmetic, on integer tensors, broadcasting; the sign (0 or -1) for a negative count or
 * one of at least the dtype's width (torch.bitwise_right_shift). */
gentrain_status gentrain_bitwise_right_shift(gentrain_tensor **out, const gentrain_tensor *a,
                                             const gentrain_tensor *b);
/* The sum over `ndims` dims (negative counts from the end; ndims 0: every dim) (torch.sum); int64
 * for integer and bool tensors. PyTorch's defaults: dims every dim (ndims 0), keepdim false. */
gentrain_status gentrain_sum(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                             bool keepdim);
/* The mean over `ndims` dims (ndims 0: every dim) (torch.mean). PyTorch's defaults: dims every dim
 * (ndims 0), keepdim false. */
gentrain_status gentrain_mean(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                              bool keepdim);
/* The maximum over `ndims` dims (ndims 0: every dim), in x's dtype; the gradient is shared evenly
 * among ties (torch.amax). PyTorch's defaults: dims every dim (ndims 0), keepdim false. */
gentrain_status gentrain_amax(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                              bool keepdim);
/* The minimum over `ndims` dims (ndims 0: every dim), as amax (torch.amin). PyTorch's defaults:
 * dims every dim (ndims 0), keepdim false. */
gentrain_status gentrain_amin(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                              bool keepdim);
/* The int64 number of nonzero elements over `ndims` dims (ndims 0: every dim)
 * (torch.count_nonzero). PyTorch's defaults: dims every dim (ndims 0). */
gentrain_status gentrain_count_nonzero(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims,
                                       size_t ndims);
/* A bool tensor: whether any element over `ndims` dims (ndims 0: every dim) is nonzero; false over
 * none (torch.any). PyTorch's defaults: dims every dim (ndims 0), keepdim false. */
gentrain_status gentrain_any(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                             bool keepdim);
/* A bool tensor: whether every element over `ndims` dims (ndims 0: every dim) is nonzero; true over
 * none (torch.all). PyTorch's defaults: dims every dim (ndims 0), keepdim false. */
gentrain_status gentrain_all(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                             bool keepdim);
/* log(sum(exp(x))) over `ndims` dims (ndims 0: every dim), computed stably (torch.logsumexp).
 * PyTorch's defaults: dims every dim (ndims 0), keepdim false. */
gentrain_status gentrain_logsumexp(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                                   bool keepdim);
/* Running sums along `dim` (torch.cumsum): floating dtypes keep theirs (accumulated in float64),
 * integers and bool give int64. */
gentrain_status gentrain_cumsum(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim);
/* Running products along `dim` (torch.cumprod), with cumsum's dtypes; the gradient is exact where x
 * has zeros. */
gentrain_status gentrain_cumprod(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim);
/* The product over *dim, or over every element when dim is NULL (torch.prod): int64 for integer and
 * bool tensors, 1 over no elements; the gradient is exact where x has zeros. PyTorch's defaults:
 * dim none (NULL), keepdim false. */
gentrain_status gentrain_prod(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dim, bool keepdim);
/* The variance over `ndims` dims (ndims 0: every dim) with `correction` subtracted from the count
 * (1, Bessel's correction, is PyTorch's default) (torch.var). */
gentrain_status gentrain_var(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims,
                             int64_t correction, bool keepdim);
/* The p-norm over `ndims` dims (ndims 0: every dim); p is 2, 1, INFINITY or any p > 0 (torch.norm).
 * PyTorch's defaults: p 2, dims every dim (ndims 0), keepdim false. */
gentrain_status gentrain_norm(gentrain_tensor **out, const gentrain_tensor *x, double p, const int64_t *dims,
                              size_t ndims, bool keepdim);
/* The int64 index of the first maximum along `dim` (torch.argmax). */
gentrain_status gentrain_argmax(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim, bool keepdim);
/* The int64 index of the first minimum along `dim` (torch.argmin). */
gentrain_status gentrain_argmin(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim, bool keepdim);
/* The elements where the bool `mask` is true (both broadcast to one shape), as a 1-D tensor in row-
 * major order; gradients flow back to them (torch.masked_select). */
gentrain_status gentrain_masked_select(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *mask);
/* The int64 indices [n, ndim] of the n nonzero elements in row-major order (torch.nonzero,
 * torch.argwhere). */
gentrain_status gentrain_nonzero(gentrain_tensor **out, const gentrain_tensor *x);
/* The count of each value 0...max of a 1-D int64/int32 tensor of non-negative values, at least
 * `minlength` bins: int64, or the sums of `weights` (one per element; float64 for integer weights)
 * (torch.bincount). PyTorch's defaults: minlength 0. */
gentrain_status gentrain_bincount(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weights,
                                  int64_t minlength);
/* A 1-D x as the square matrix with x on its `diagonal`-th diagonal (0 the main one, above it
 * positive), or that diagonal of a 2-D x as a 1-D copy (torch.diag). PyTorch's defaults: diagonal
 * 0. */
gentrain_status gentrain_diag(gentrain_tensor **out, const gentrain_tensor *x, int64_t diagonal);
/* The sum of a matrix's main diagonal; int64 for integer matrices (torch.trace). */
gentrain_status gentrain_trace(gentrain_tensor **out, const gentrain_tensor *x);
/* The outer product a[i] * b[j] of two 1-D tensors (torch.outer). */
gentrain_status gentrain_outer(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* The determinant of each square matrix in the last two dims of a float32 or float64 tensor, from
 * its LU factorization (torch.linalg.det); its gradient at a singular matrix is an error. */
gentrain_status gentrain_det(gentrain_tensor **out, const gentrain_tensor *x);
/* The log of each square matrix's determinant: NaN where it is negative, -inf where it is zero
 * (torch.logdet). */
gentrain_status gentrain_logdet(gentrain_tensor **out, const gentrain_tensor *x);
/* The inverse of each square matrix in the last two dims (torch.linalg.inv); a singular matrix is
 * an error. */
gentrain_status gentrain_inverse(gentrain_tensor **out, const gentrain_tensor *x);
/* The lower-triangular L with A = L L^T for each symmetric positive-definite matrix in the last two
 * dims (float32 or float64; only A's lower triangle is read), or L^T with `upper`; a matrix that is
 * not positive-definite is an error (torch.linalg.cholesky). PyTorch's defaults: upper false. */
gentrain_status gentrain_linalg_cholesky(gentrain_tensor **out, const gentrain_tensor *x, bool upper);
/* X with A X = B for the square matrices A [*, n, n] and B [*, n, k] or [*, n] (a vector per matrix
 * when 1-D or of A's shape without its last dim), batch dims broadcast; a singular A is an error
 * (torch.linalg.solve). */
gentrain_status gentrain_linalg_solve(gentrain_tensor **out, const gentrain_tensor *a, const gentrain_tensor *b);
/* Each slice along *dim repeated in place, repeats[i] times (int64/int32 `repeats` of one count per
 * slice, or of one count for all), the flattened x when dim is NULL (torch.repeat_interleave).
 * PyTorch's defaults: dim none (NULL). */
gentrain_status gentrain_repeat_interleave(gentrain_tensor **out, const gentrain_tensor *x,
                                           const gentrain_tensor *repeats, const int64_t *dim);
/* The same elements in `shape` (one size may be -1); a view when x is contiguous, else a copy. */
gentrain_status gentrain_reshape(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *shape, size_t ndim);
/* A view with the dimensions in the order `dims`. */
gentrain_status gentrain_permute(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims);
/* A view broadcast to `sizes` (-1 keeps a size); no memory is copied (Tensor.expand). */
gentrain_status gentrain_expand(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *sizes, size_t ndim);
/* Dimensions start_dim...end_dim merged into one (torch.flatten). PyTorch's defaults: start_dim 0,
 * end_dim -1. */
gentrain_status gentrain_flatten(gentrain_tensor **out, const gentrain_tensor *x, int64_t start_dim, int64_t end_dim);
/* A view with dim0 and dim1 swapped (torch.transpose). */
gentrain_status gentrain_transpose(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim0, int64_t dim1);
/* A view without those of the `ndims` dims that have size 1; without every dimension of size 1 when
 * ndims is 0 (torch.squeeze). PyTorch's defaults: dims every dim (ndims 0). */
gentrain_status gentrain_squeeze(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims);
/* A view with a new dimension of size 1 at `dim` (torch.unsqueeze). */
gentrain_status gentrain_unsqueeze(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim);
/* Python slicing x[start:end:step] along `dim` (bounds clamped; step > 0): a view. */
gentrain_status gentrain_slice(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim, int64_t start,
                               int64_t end, int64_t step);
/* A view of `length` entries along `dim` from `start` (torch.narrow). */
gentrain_status gentrain_narrow(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim, int64_t start,
                                int64_t length);
/* x[..., index, ...] along `dim`, removing that dimension: a view (torch.select). */
gentrain_status gentrain_select(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim, int64_t index);
/* The lower triangle of the last two dims: element (i, j) where j - i <= diagonal, else zero
 * (torch.tril). PyTorch's defaults: diagonal 0. */
gentrain_status gentrain_tril(gentrain_tensor **out, const gentrain_tensor *x, int64_t diagonal);
/* The upper triangle of the last two dims: element (i, j) where j - i >= diagonal, else zero
 * (torch.triu). PyTorch's defaults: diagonal 0. */
gentrain_status gentrain_triu(gentrain_tensor **out, const gentrain_tensor *x, int64_t diagonal);
/* A copy with the elements in reverse order along each of the `ndims` dims (torch.flip). */
gentrain_status gentrain_flip(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *dims, size_t ndims);
/* A copy with the elements rotated by shifts[i] along dims[i] (element k moves to (k + shift) mod
 * size); with ndims 0, the flattened tensor by the one shift (torch.roll). PyTorch's defaults: dims
 * every dim (ndims 0). */
gentrain_status gentrain_roll(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *shifts, size_t nshifts,
                              const int64_t *dims, size_t ndims);
/* x itself when contiguous, else a row-major copy (Tensor.contiguous). */
gentrain_status gentrain_contiguous(gentrain_tensor **out, const gentrain_tensor *x);
/* A copy with its own memory; gradients flow back (torch.clone). */
gentrain_status gentrain_clone(gentrain_tensor **out, const gentrain_tensor *x);
/* x converted to `dtype`; x itself when it has that dtype (Tensor.to). */
gentrain_status gentrain_to_dtype(gentrain_tensor **out, const gentrain_tensor *x, gentrain_dtype dtype);
/* The entries of x at the int64/int32 `index` along `dim`; every index is range-checked
 * (torch.index_select). */
gentrain_status gentrain_index_select(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim,
                                      const gentrain_tensor *index);
/* x with `source` slices added at `index` along `dim` (torch.index_add). */
gentrain_status gentrain_index_add(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim,
                                   const gentrain_tensor *index, const gentrain_tensor *source);
/* out[i][j] = x[i][index[i][j]] for dim 1, and so on (torch.gather). */
gentrain_status gentrain_gather(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim,
                                const gentrain_tensor *index);
/* x with `src` added at `index` along `dim`, the inverse of gather (torch.scatter_add). */
gentrain_status gentrain_scatter_add(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim,
                                     const gentrain_tensor *index, const gentrain_tensor *src);
/* x with src[...][j][...] written at index[...][j][...] along `dim` (the last write wins where an
 * index repeats); every index is range-checked (torch.scatter). */
gentrain_status gentrain_scatter(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim,
                                 const gentrain_tensor *index, const gentrain_tensor *src);
/* How scatter_reduce combines the values that meet at one place. */
typedef enum gentrain_scatter_reduction {
    GENTRAIN_SCATTER_REDUCTION_SUM = 0,
    GENTRAIN_SCATTER_REDUCTION_PROD = 1,
    GENTRAIN_SCATTER_REDUCTION_MEAN = 2,
    GENTRAIN_SCATTER_REDUCTION_AMAX = 3,
    GENTRAIN_SCATTER_REDUCTION_AMIN = 4
} gentrain_scatter_reduction;
/* x (floating point) with src[...][j][...] reduced into place index[...][j][...] along `dim` by
 * sum, prod, mean, amax or amin; include_self false leaves x's values out of the places an index
 * reaches (torch.scatter_reduce). Ties of amax / amin share the gradient evenly. PyTorch's
 * defaults: include_self true. */
gentrain_status gentrain_scatter_reduce(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim,
                                        const gentrain_tensor *index, const gentrain_tensor *src,
                                        gentrain_scatter_reduction reduce, bool include_self);
/* The offset-th diagonal (0 the main one, above it positive) of the matrices in dims dim1 and dim2,
 * as the last dim of a copy without those dims (torch.diagonal). PyTorch's defaults: offset 0, dim1
 * 0, dim2 1. */
gentrain_status gentrain_diagonal(gentrain_tensor **out, const gentrain_tensor *x, int64_t offset, int64_t dim1,
                                  int64_t dim2);
/* x with `value` where the bool `mask` (broadcast to x) is true (torch.masked_fill). */
gentrain_status gentrain_masked_fill(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *mask,
                                     double value);
/* @generated Ops end */

/* The maximum (minimum) along `dim` and the int64 index of its first occurrence (torch.max and
 * torch.min with a dim). *values and *indices are new tensors the caller frees. */
gentrain_status gentrain_max_dim(gentrain_tensor **values, gentrain_tensor **indices, const gentrain_tensor *x,
                                 int64_t dim, bool keepdim);
/* As gentrain_max_dim, for the minimum. */
gentrain_status gentrain_min_dim(gentrain_tensor **values, gentrain_tensor **indices, const gentrain_tensor *x,
                                 int64_t dim, bool keepdim);
/* The `n` tensors joined along the existing dimension `dim` (torch.cat); shapes agree elsewhere. */
gentrain_status gentrain_cat(gentrain_tensor **out, gentrain_tensor *const *tensors, size_t n, int64_t dim);
/* The `n` same-shaped tensors joined along a new dimension `dim` (torch.stack). */
gentrain_status gentrain_stack(gentrain_tensor **out, gentrain_tensor *const *tensors, size_t n, int64_t dim);
/* torch.einsum: the `n` operands combined as the `equation` says ("ij,jk->ik"; letters a-z and A-Z,
 * "..." for broadcast dimensions; without "->", the output holds "..." and the letters used once,
 * sorted), as batched matrix products; differentiable to any order. */
gentrain_status gentrain_einsum(gentrain_tensor **out, const char *equation, gentrain_tensor *const *operands, size_t n);
/* torch.unique(x, sorted=True, return_inverse=True, return_counts=True) over the flattened x: the
 * distinct values in ascending order (NaNs last, each distinct), for each element of x the int64
 * index of its value among them (x's shape), and the int64 count of each value; no gradient. */
gentrain_status gentrain_unique(gentrain_tensor **values, gentrain_tensor **inverse, gentrain_tensor **counts,
                                const gentrain_tensor *x);
/* torch.linalg.slogdet: for each square matrix in the last two dims of a float32 or float64 A, the
 * sign of its determinant (-1, 0 or 1; no gradient) and the log of its absolute value (-inf where
 * it is zero; gradient g A^-T), from its LU factorization: exact where the determinant itself would
 * overflow or underflow. */
gentrain_status gentrain_slogdet(gentrain_tensor **sign, gentrain_tensor **logabsdet, const gentrain_tensor *A);
/* Views of split_size entries along dim, the last one shorter (torch.split). Writes *count; `outs`
 * must hold that many (GENTRAIN_ERR_INVALID_ARGUMENT, with *count set, when capacity is too small;
 * `outs` may be NULL with capacity 0 to ask for the count). Each piece is a new tensor. */
gentrain_status gentrain_split(gentrain_tensor **outs, size_t capacity, size_t *count, const gentrain_tensor *x,
                               int64_t split_size, int64_t dim);
/* `chunks` views of equal size along dim, the last one shorter, as torch.chunk; as gentrain_split. */
gentrain_status gentrain_chunk(gentrain_tensor **outs, size_t capacity, size_t *count, const gentrain_tensor *x,
                               int64_t chunks, int64_t dim);

/* ---------------------------------------------------------------------------------------
 * Layers as functions, PyTorch's F.conv2d, F.max_pool2d, F.batch_norm, ... (LayerAPI.swift; the
 * forwarding ones generated from api/ops.py). Images are [N, C, H, W]; pairs are (height, width).
 * ------------------------------------------------------------------------------------- */

/* The geometry of the convolutions, unfold and fold. Fill with gentrain_conv_options_default. */
typedef struct gentrain_conv_options {
    size_t struct_size;         /* sizeof(gentrain_conv_options) */
    int64_t stride[2];          /* default {1, 1} */
    int64_t padding[2];         /* default {0, 0} */
    int64_t dilation[2];        /* default {1, 1} */
    int64_t groups;             /* default 1 */
    bool padding_same;          /* default false; true: PyTorch's padding="same" (stride 1) */
    int64_t output_padding[2];  /* default {0, 0}; conv_transpose2d only */
} gentrain_conv_options;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_conv_options_default(gentrain_conv_options *options);
/* weight [O, C/groups, kh, kw]; bias [O] or NULL; options NULL for the defaults. */
gentrain_status gentrain_conv2d(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight,
                                const gentrain_tensor *bias, const gentrain_conv_options *options);
/* x [N, C, L], weight [O, C/groups, k]; the options' second entries apply. */
gentrain_status gentrain_conv1d(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight,
                                const gentrain_tensor *bias, const gentrain_conv_options *options);
/* weight [Cin, Cout/groups, kh, kw]; bias [Cout] or NULL. */
gentrain_status gentrain_conv_transpose2d(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight,
                                          const gentrain_tensor *bias, const gentrain_conv_options *options);
/* im2col: [N, C, H, W] -> [N, C*kh*kw, L], windows by the options' stride, padding, dilation. */
gentrain_status gentrain_unfold(gentrain_tensor **out, const gentrain_tensor *x, int64_t kernel_h, int64_t kernel_w,
                                const gentrain_conv_options *options);
/* col2im: [N, C*kh*kw, L] -> [N, C, height, width], overlaps summed. */
gentrain_status gentrain_fold(gentrain_tensor **out, const gentrain_tensor *x, int64_t height, int64_t width,
                              int64_t kernel_h, int64_t kernel_w, const gentrain_conv_options *options);
/* The windows of gentrain_max_pool2d and gentrain_avg_pool2d beyond the kernel size. */
typedef struct gentrain_pool2d_options {
    size_t struct_size;         /* sizeof(gentrain_pool2d_options) */
    int64_t stride[2];          /* default {0, 0}: the kernel size (PyTorch's stride=None) */
    int64_t padding[2];         /* default {0, 0}; at most half the kernel */
    bool count_include_pad;     /* default true; avg_pool2d only: padded zeros count in each mean */
    int64_t dilation[2];        /* default {1, 1}; max_pool2d only: the spacing of a window's taps */
    bool ceil_mode;             /* default false; true: a last, partial window where one starts
                                   inside the input or its left padding (PyTorch's ceil_mode) */
    int64_t divisor_override;   /* default 0: none; avg_pool2d only: every sum divided by it */
} gentrain_pool2d_options;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_pool2d_options_default(gentrain_pool2d_options *options);
/* F.max_pool2d: the maximum of each kernel_h x kernel_w window of x [N, C, H, W] (or [C, H, W]);
 * options NULL for the defaults. The gradient goes to the first maximum of each window. */
gentrain_status gentrain_max_pool2d(gentrain_tensor **out, const gentrain_tensor *x, int64_t kernel_h, int64_t kernel_w,
                                    const gentrain_pool2d_options *options);
/* F.max_pool2d(return_indices=True): gentrain_max_pool2d's output, and in `indices` (int64, its
 * shape) where each maximum is: its index in the input's H x W plane. */
gentrain_status gentrain_max_pool2d_with_indices(gentrain_tensor **out, gentrain_tensor **indices, const gentrain_tensor *x,
                                                 int64_t kernel_h, int64_t kernel_w,
                                                 const gentrain_pool2d_options *options);
/* F.max_unpool2d: zeros of the output size with each value of x [N, C, H, W] at its index from
 * gentrain_max_pool2d_with_indices (options: that pooling's stride and padding; NULL for the
 * defaults). output_size: {height, width}, or NULL for (H - 1) stride - 2 padding + kernel. Where
 * indices repeat, the values add up (PyTorch keeps one of them). */
gentrain_status gentrain_max_unpool2d(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *indices,
                                      int64_t kernel_h, int64_t kernel_w, const gentrain_pool2d_options *options,
                                      const int64_t *output_size);
/* F.avg_pool2d: the mean of each kernel_h x kernel_w window; options NULL for the defaults. */
gentrain_status gentrain_avg_pool2d(gentrain_tensor **out, const gentrain_tensor *x, int64_t kernel_h, int64_t kernel_w,
                                    const gentrain_pool2d_options *options);
/* F.adaptive_avg_pool2d: means over windows that cover x [N, C, H, W] in a height x width grid. */
gentrain_status gentrain_adaptive_avg_pool2d(gentrain_tensor **out, const gentrain_tensor *x, int64_t height,
                                             int64_t width);

/* How gentrain_interpolate samples. */
typedef enum gentrain_interpolate_mode {
    GENTRAIN_INTERPOLATE_NEAREST = 0,   /* the nearest input pixel (PyTorch's "nearest") */
    GENTRAIN_INTERPOLATE_BILINEAR = 1   /* bilinear (see align_corners) */
} gentrain_interpolate_mode;

/* The output grid of gentrain_interpolate: a size, or scale factors. */
typedef struct gentrain_interpolate_options {
    size_t struct_size;              /* sizeof(gentrain_interpolate_options) */
    int64_t size[2];                 /* default {0, 0}: none; else the output's height and width */
    double scale_factor[2];          /* default {0, 0}: none; else the output is floor(size * factor),
                                        and the factors map output to input coordinates */
    gentrain_interpolate_mode mode;  /* default GENTRAIN_INTERPOLATE_NEAREST */
    bool align_corners;              /* default false; true (bilinear only): the corner pixels'
                                        centres of input and output coincide (PyTorch's
                                        align_corners=True) */
} gentrain_interpolate_options;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_interpolate_options_default(gentrain_interpolate_options *options);
/* F.interpolate of x [N, C, H, W] to the options' size or by their scale factors (exactly one of
 * the two is given; GENTRAIN_ERR_INVALID_ARGUMENT otherwise, and for a NULL `options`). */
gentrain_status gentrain_interpolate(gentrain_tensor **out, const gentrain_tensor *x,
                                     const gentrain_interpolate_options *options);
/* Zero padding: n pads as (before, after) pairs from the last dimension backwards (F.pad). */
gentrain_status gentrain_pad(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *pads, size_t n);
/* Training: batch statistics normalize and the running ones (may be NULL) are updated in
 * place; evaluation: the running ones normalize. weight and bias may be NULL. */
gentrain_status gentrain_batch_norm(gentrain_tensor **out, const gentrain_tensor *x, gentrain_tensor *running_mean,
                                    gentrain_tensor *running_var, const gentrain_tensor *weight,
                                    const gentrain_tensor *bias, bool training, double momentum, double eps);
/* @generated Layers begin: Generated by scripts/gen_api.py from api/ops.py; do not edit. */
/* x W^T + b for x [*, in], weight [out, in], bias [out] or NULL (F.linear). */
gentrain_status gentrain_linear(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight,
                                const gentrain_tensor *bias);
/* The p-distances between the rows of x1 [*, P, M] and x2 [*, R, M] -> [*, P, R], batch dims
 * broadcast; p = 2 with more than 25 rows through matrix products, as PyTorch (torch.cdist).
 * PyTorch's defaults: p 2.0. */
gentrain_status gentrain_cdist(gentrain_tensor **out, const gentrain_tensor *x1, const gentrain_tensor *x2, double p);
/* x * rsqrt(mean(x^2) + eps) over the trailing `normalized_shape` dims, times `weight` (that shape,
 * or NULL); eps NULL for the dtype's machine epsilon (F.rms_norm). PyTorch's defaults: eps none
 * (NULL). */
gentrain_status gentrain_rms_norm(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *normalized_shape,
                                  size_t ndim, const gentrain_tensor *weight, const double *eps);
/* softmax((logits + g) / tau) along `dim` with Gumbel noise g from the default generator; `hard`
 * gives the one-hot argmax with the soft sample's gradient (F.gumbel_softmax). PyTorch's defaults:
 * tau 1.0, hard false, dim -1. */
gentrain_status gentrain_gumbel_softmax(gentrain_tensor **out, const gentrain_tensor *logits, double tau, bool hard,
                                        int64_t dim);
/* How grid_sample reads between pixels: the four neighbours weighted, or the nearest one. */
typedef enum gentrain_grid_sample_mode {
    GENTRAIN_GRID_SAMPLE_MODE_BILINEAR = 0,
    GENTRAIN_GRID_SAMPLE_MODE_NEAREST = 1
} gentrain_grid_sample_mode;
/* What grid_sample reads outside the input: zeros, or the nearest border pixel. */
typedef enum gentrain_grid_padding_mode {
    GENTRAIN_GRID_PADDING_MODE_ZEROS = 0,
    GENTRAIN_GRID_PADDING_MODE_BORDER = 1
} gentrain_grid_padding_mode;
/* The input [N, C, H, W] read at the grid's locations [N, Hout, Wout, 2] (x, y in [-1, 1];
 * align_corners: -1 and 1 are the corner pixels' centres, else their outer edges) -> [N, C, Hout,
 * Wout]; gradients reach the input and, bilinear, the grid (F.grid_sample). PyTorch's defaults:
 * mode GENTRAIN_GRID_SAMPLE_MODE_BILINEAR, padding_mode GENTRAIN_GRID_PADDING_MODE_ZEROS,
 * align_corners false. */
gentrain_status gentrain_grid_sample(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *grid,
                                     gentrain_grid_sample_mode mode, gentrain_grid_padding_mode padding_mode,
                                     bool align_corners);
/* The sampling grid [N, H, W, 2] of the affine maps theta [N, 2, 3] for an output of `size` [N, C,
 * H, W] (F.affine_grid). PyTorch's defaults: align_corners false. */
gentrain_status gentrain_affine_grid(gentrain_tensor **out, const gentrain_tensor *theta, const int64_t *size,
                                     size_t nsize, bool align_corners);
/* x divided by its p-norm along `dim`, the norm taken as at least eps (F.normalize). PyTorch's
 * defaults: p 2.0, dim 1, eps 1e-12. */
gentrain_status gentrain_normalize(gentrain_tensor **out, const gentrain_tensor *x, double p, int64_t dim,
                                   double eps);
/* exp(x) / sum(exp(x)) along `dim` (F.softmax). */
gentrain_status gentrain_softmax(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim);
/* log(softmax(x)) along `dim`, computed stably (F.log_softmax). */
gentrain_status gentrain_log_softmax(gentrain_tensor **out, const gentrain_tensor *x, int64_t dim);
/* Zeroes elements with probability p and scales the rest by 1/(1-p) when training; x itself
 * otherwise (F.dropout). PyTorch's defaults: p 0.5, training true. */
gentrain_status gentrain_dropout(gentrain_tensor **out, const gentrain_tensor *x, double p, bool training);
/* Whole channels of [N, C, L] (or [C, L]) zeroed with probability p, the rest scaled by 1/(1-p),
 * when training (F.dropout1d). PyTorch's defaults: p 0.5, training true. */
gentrain_status gentrain_dropout1d(gentrain_tensor **out, const gentrain_tensor *x, double p, bool training);
/* Whole channels of [N, C, H, W] (or [C, H, W]) zeroed with probability p, as dropout1d
 * (F.dropout2d). PyTorch's defaults: p 0.5, training true. */
gentrain_status gentrain_dropout2d(gentrain_tensor **out, const gentrain_tensor *x, double p, bool training);
/* Whole channels of [N, C, D, H, W] (or [C, D, H, W]) zeroed with probability p, as dropout1d
 * (F.dropout3d). PyTorch's defaults: p 0.5, training true. */
gentrain_status gentrain_dropout3d(gentrain_tensor **out, const gentrain_tensor *x, double p, bool training);
/* How embedding_bag reduces a bag's rows. */
typedef enum gentrain_embedding_bag_mode {
    GENTRAIN_EMBEDDING_BAG_MODE_SUM = 0,
    GENTRAIN_EMBEDDING_BAG_MODE_MEAN = 1,
    GENTRAIN_EMBEDDING_BAG_MODE_MAX = 2
} gentrain_embedding_bag_mode;
/* The rows of weight [num_embeddings, dim] for each bag of indices, reduced by sum, mean or max ->
 * [bags, dim]: x is [bags, n], or 1-D with ascending `offsets` (the first 0) where bag b is
 * x[offsets[b]:offsets[b + 1]] (with include_last_offset, offsets' last entry ends the last bag).
 * per_sample_weights (x's shape) scale the rows, for sum only; indices equal to *padding_idx are
 * left out; an empty bag gives zeros (F.embedding_bag). PyTorch's defaults: mode
 * GENTRAIN_EMBEDDING_BAG_MODE_MEAN, include_last_offset false, padding_idx none (NULL). */
gentrain_status gentrain_embedding_bag(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight,
                                       const gentrain_tensor *offsets, gentrain_embedding_bag_mode mode,
                                       const gentrain_tensor *per_sample_weights, bool include_last_offset,
                                       const int64_t *padding_idx);
/* x / (k + alpha * mean of x^2 over `window` neighbouring channels)^beta, the mean along dim 1 of
 * [N, C, *] (3-D or more) with zeros past the edges, always divided by window
 * (F.local_response_norm's size). PyTorch's defaults: alpha 0.0001, beta 0.75, k 1.0. */
gentrain_status gentrain_local_response_norm(gentrain_tensor **out, const gentrain_tensor *x, int64_t window,
                                             double alpha, double beta, double k);
/* Rows of weight [num_embeddings, dim] at `indices` -> [*indices.shape, dim]; rows looked up at
 * *padding_idx (negative counts from the end; NULL for none) pass no gradient (F.embedding).
 * PyTorch's defaults: padding_idx none (NULL). */
gentrain_status gentrain_embedding(gentrain_tensor **out, const gentrain_tensor *indices,
                                   const gentrain_tensor *weight, const int64_t *padding_idx);
/* The 3-D convolution of x [N, C, D, H, W] with weight [O, C/groups, kd, kh, kw] and *bias [O];
 * stride, padding and dilation as 3 entries, 1 for all three, or none for 1, 0, 1 (F.conv3d).
 * PyTorch's defaults: stride every dim (ndims 0), padding every dim (ndims 0), dilation every dim
 * (ndims 0), groups 1. */
gentrain_status gentrain_conv3d(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight,
                                const gentrain_tensor *bias, const int64_t *stride, size_t nstride,
                                const int64_t *padding, size_t npadding, const int64_t *dilation, size_t ndilation,
                                int64_t groups);
/* [N, C, H r, W r] -> [N, C r^2, H, W], the inverse of pixel_shuffle (F.pixel_unshuffle). */
gentrain_status gentrain_pixel_unshuffle(gentrain_tensor **out, const gentrain_tensor *x, int64_t downscale_factor);
/* The maximum of each window along the last dim of [N, C, L] or [C, L]; *stride NULL is the kernel
 * size (F.max_pool1d). PyTorch's defaults: stride none (NULL), padding 0, dilation 1, ceil_mode
 * false. */
gentrain_status gentrain_max_pool1d(gentrain_tensor **out, const gentrain_tensor *x, int64_t kernel_size,
                                    const int64_t *stride, int64_t padding, int64_t dilation, bool ceil_mode);
/* The mean of each window along the last dim of [N, C, L] or [C, L]; *stride NULL is the kernel
 * size (F.avg_pool1d). PyTorch's defaults: stride none (NULL), padding 0, ceil_mode false,
 * count_include_pad true. */
gentrain_status gentrain_avg_pool1d(gentrain_tensor **out, const gentrain_tensor *x, int64_t kernel_size,
                                    const int64_t *stride, int64_t padding, bool ceil_mode, bool count_include_pad);
/* The maximum of each of height x width windows tiling [N, C, H, W] (window i along an axis of n
 * spans floor(i n / out) ..< ceil((i + 1) n / out)); tied maxima share the gradient
 * (F.adaptive_max_pool2d). */
gentrain_status gentrain_adaptive_max_pool2d(gentrain_tensor **out, const gentrain_tensor *x, int64_t height,
                                             int64_t width);
/* Transposed 1-D convolution of [N, Cin, L] with weight [Cin, Cout/groups, k] (F.conv_transpose1d).
 * PyTorch's defaults: stride 1, padding 0, output_padding 0, groups 1, dilation 1. */
gentrain_status gentrain_conv_transpose1d(gentrain_tensor **out, const gentrain_tensor *x,
                                          const gentrain_tensor *weight, const gentrain_tensor *bias, int64_t stride,
                                          int64_t padding, int64_t output_padding, int64_t groups, int64_t dilation);
/* [N, C r^2, H, W] -> [N, C, H r, W r] (F.pixel_shuffle). */
gentrain_status gentrain_pixel_shuffle(gentrain_tensor **out, const gentrain_tensor *x, int64_t upscale_factor);
/* How padding fills the border: a constant, the input mirrored at its edge (edge not repeated), the edge repeated, or the input wrapped around (F.pad's modes). */
typedef enum gentrain_padding_mode {
    GENTRAIN_PADDING_MODE_CONSTANT = 0,
    GENTRAIN_PADDING_MODE_REFLECT = 1,
    GENTRAIN_PADDING_MODE_REPLICATE = 2,
    GENTRAIN_PADDING_MODE_CIRCULAR = 3
} gentrain_padding_mode;
/* x padded by (before, after) amounts from the last dim backwards, filled as `mode` says (F.pad):
 * non-negative pads; reflect, replicate and circular pad the last 1-3 dims of a batched or
 * unbatched input, reflect by less than the dim's size, circular by at most it; gentrain_pad is its
 * constant mode with value 0. PyTorch's defaults: mode GENTRAIN_PADDING_MODE_CONSTANT, value 0.0. */
gentrain_status gentrain_pad_mode(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *pad, size_t npad,
                                  gentrain_padding_mode mode, double value);
/* Normalizes over the last dims given by `normalized_shape`, then scales by weight and shifts by
 * bias (each that shape, or NULL) (F.layer_norm). PyTorch's defaults: eps 1e-5. */
gentrain_status gentrain_layer_norm(gentrain_tensor **out, const gentrain_tensor *x, const int64_t *normalized_shape,
                                    size_t ndim, const gentrain_tensor *weight, const gentrain_tensor *bias,
                                    double eps);
/* Normalizes each of `groups` channel groups of [N, C, *], then per-channel weight and bias [C] (or
 * NULL) (F.group_norm). PyTorch's defaults: eps 1e-5. */
gentrain_status gentrain_group_norm(gentrain_tensor **out, const gentrain_tensor *x, int64_t groups,
                                    const gentrain_tensor *weight, const gentrain_tensor *bias, double eps);
/* Normalizes each channel of each sample of [N, C, *] over its own elements, then weight and bias
 * [C] (or NULL) (F.instance_norm without running statistics). PyTorch's defaults: eps 1e-5. */
gentrain_status gentrain_instance_norm(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *weight,
                                       const gentrain_tensor *bias, double eps);
/* @generated Layers end */

/* ---------------------------------------------------------------------------------------
 * Recurrent layers as functions (RecurrentAPI.swift): the computations of nn.LSTM / nn.GRU with PyTorch's gate
 * order (LSTM: input, forget, cell, output; GRU: reset, update, new). `weights` holds four
 * entries per layer, in PyTorch's parameter order: weight_ih [G*H, in], weight_hh [G*H, H],
 * bias_ih [G*H], bias_hh [G*H] (biases may be NULL); G is 4 for the LSTM, 3 for the GRU.
 * ------------------------------------------------------------------------------------- */

/* input [T, N, I] ([N, T, I] when batch_first); h0 and c0 [L*D, N, H], or NULL for zeros, with
 * D 2 when `bidirectional` (else 1). Writes output [T, N, D*H] ([N, T, D*H]) and h_n, c_n
 * [L*D, N, H]. A bidirectional layer has two weight groups (forward, then the reverse one that
 * reads the sequence backwards: weights holds 8 entries per layer), and the next layer reads both
 * directions' outputs. When `training`, each layer's outputs but the last's go through dropout
 * with probability `dropout` (in [0, 1]). */
gentrain_status gentrain_lstm(gentrain_tensor **output, gentrain_tensor **h_n, gentrain_tensor **c_n,
                              const gentrain_tensor *input, const gentrain_tensor *h0, const gentrain_tensor *c0,
                              gentrain_tensor *const *weights, size_t num_layers, bool batch_first,
                              double dropout, bool training, bool bidirectional);
/* As gentrain_lstm without the cell state. */
gentrain_status gentrain_gru(gentrain_tensor **output, gentrain_tensor **h_n, const gentrain_tensor *input,
                             const gentrain_tensor *h0, gentrain_tensor *const *weights, size_t num_layers,
                             bool batch_first, double dropout, bool training, bool bidirectional);
/* One LSTM step (nn.LSTMCell): x [N, I], h and c [N, H] -> h_out, c_out [N, H]. */
gentrain_status gentrain_lstm_cell(gentrain_tensor **h_out, gentrain_tensor **c_out, const gentrain_tensor *x,
                                   const gentrain_tensor *h, const gentrain_tensor *c, const gentrain_tensor *weight_ih,
                                   const gentrain_tensor *weight_hh, const gentrain_tensor *bias_ih,
                                   const gentrain_tensor *bias_hh);
/* One GRU step (nn.GRUCell): x [N, I], h [N, H] -> [N, H]. */
gentrain_status gentrain_gru_cell(gentrain_tensor **out, const gentrain_tensor *x, const gentrain_tensor *h,
                                  const gentrain_tensor *weight_ih, const gentrain_tensor *weight_hh,
                                  const gentrain_tensor *bias_ih, const gentrain_tensor *bias_hh);

/* ---------------------------------------------------------------------------------------
 * Attention (AttentionAPI.swift): nn.MultiheadAttention's computation and
 * F.scaled_dot_product_attention.
 * ------------------------------------------------------------------------------------- */

/* Attention (nn.MultiheadAttention's computation and F.scaled_dot_product_attention). */
typedef struct gentrain_attention_options {
    size_t struct_size;                        /* sizeof(gentrain_attention_options) */
    const gentrain_tensor *key_padding_mask;   /* default NULL; [N, S]: bool (true = ignore) or float (added) */
    const gentrain_tensor *attn_mask;          /* default NULL; [L, S] or [N*heads, L, S]: bool (true = not
                                                  allowed) or float (added) */
    bool need_weights;                         /* default true */
    bool average_attn_weights;                 /* default true: weights [N, L, S], else [N, heads, L, S] */
    bool is_causal;                            /* default false; without attn_mask, blocks later positions */
    bool batch_first;                          /* default false: [L, N, E]; true: [N, L, E] */
    double dropout;                            /* default 0, on the attention weights when training */
    bool training;                             /* default false */
} gentrain_attention_options;
/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_attention_options_default(gentrain_attention_options *options);
/* Multi-head attention of query [L, N, E] over key, value [S, N, E] (or batch-first, or unbatched
 * [L, E]) with in_proj_weight [3E, E], in_proj_bias [3E] or NULL, out_proj_weight [E, E] and
 * out_proj_bias [E] or NULL. *attn_weights gets the weights when options->need_weights, else
 * NULL (then attn_weights may be NULL). */
gentrain_status gentrain_multi_head_attention(gentrain_tensor **output, gentrain_tensor **attn_weights,
                                              const gentrain_tensor *query, const gentrain_tensor *key,
                                              const gentrain_tensor *value, int64_t num_heads,
                                              const gentrain_tensor *in_proj_weight, const gentrain_tensor *in_proj_bias,
                                              const gentrain_tensor *out_proj_weight, const gentrain_tensor *out_proj_bias,
                                              const gentrain_attention_options *options);
/* As gentrain_multi_head_attention with a MultiheadAttention module's parameters, batch_first,
 * dropout and training mode (the options' own three are not used). */
gentrain_status gentrain_module_attention_forward(gentrain_tensor **output, gentrain_tensor **attn_weights,
                                                  gentrain_module *module, const gentrain_tensor *query,
                                                  const gentrain_tensor *key, const gentrain_tensor *value,
                                                  const gentrain_attention_options *options);
/* softmax(q k^T * scale + mask) v for q [*, L, E], k [*, S, E], v [*, S, Ev]. attn_mask NULL, bool
 * (true = takes part) or float (added); is_causal excludes attn_mask; scale NULL for 1/sqrt(E);
 * dropout_p applies to the weights. */
gentrain_status gentrain_scaled_dot_product_attention(gentrain_tensor **out, const gentrain_tensor *q,
                                                      const gentrain_tensor *k, const gentrain_tensor *v,
                                                      const gentrain_tensor *attn_mask, double dropout_p,
                                                      bool is_causal, const double *scale);

/* ---------------------------------------------------------------------------------------
 * Losses (LossAPI.swift; the forwarding ones generated from api/ops.py). Option structs start with their own size so they can grow: fill one with the
 * *_options_default function, change what you need, pass a pointer (or NULL for defaults).
 * ------------------------------------------------------------------------------------- */

/* The options of gentrain_cross_entropy and gentrain_nll_loss (F.cross_entropy's keywords). */
typedef struct gentrain_cross_entropy_options {
    size_t struct_size;              /* sizeof(gentrain_cross_entropy_options) */
    const gentrain_tensor *weight;   /* per-class weights [C] or NULL */
    int64_t ignore_index;            /* default -100 */
    gentrain_reduction reduction;    /* default GENTRAIN_REDUCTION_MEAN */
    double label_smoothing;          /* default 0 */
} gentrain_cross_entropy_options;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_cross_entropy_options_default(gentrain_cross_entropy_options *options);
/* F.cross_entropy with class-index targets: input [N, C] or [N, C, d...] logits, target
 * int64/int32 [N] or [N, d...]. */
gentrain_status gentrain_cross_entropy(gentrain_tensor **out, const gentrain_tensor *input,
                                       const gentrain_tensor *target, const gentrain_cross_entropy_options *options);

/* F.nll_loss on log-probabilities, with the options of cross_entropy (label_smoothing must be 0). */
gentrain_status gentrain_nll_loss(gentrain_tensor **out, const gentrain_tensor *input, const gentrain_tensor *target,
                                  const gentrain_cross_entropy_options *options);
/* @generated Losses begin: Generated by scripts/gen_api.py from api/ops.py; do not edit. */
/* (input - target)^2, reduced (F.mse_loss); input and target broadcast (with a warning when that
 * changes the shape, as PyTorch). PyTorch's defaults: reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_mse_loss(gentrain_tensor **out, const gentrain_tensor *input, const gentrain_tensor *target,
                                  gentrain_reduction reduction);
/* |input - target|, reduced (F.l1_loss). PyTorch's defaults: reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_l1_loss(gentrain_tensor **out, const gentrain_tensor *input, const gentrain_tensor *target,
                                 gentrain_reduction reduction);
/* 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, for d = input - target (F.smooth_l1_loss).
 * PyTorch's defaults: reduction GENTRAIN_REDUCTION_MEAN, beta 1.0. */
gentrain_status gentrain_smooth_l1_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                        const gentrain_tensor *target, gentrain_reduction reduction, double beta);
/* 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (F.huber_loss). PyTorch's defaults:
 * reduction GENTRAIN_REDUCTION_MEAN, delta 1.0. */
gentrain_status gentrain_huber_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                    const gentrain_tensor *target, gentrain_reduction reduction, double delta);
/* -(t log p + (1 - t) log(1 - p)) on probabilities `input` in [0, 1], each log clamped at -100;
 * `weight` (or NULL) scales each element (F.binary_cross_entropy). PyTorch's defaults: reduction
 * GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_binary_cross_entropy(gentrain_tensor **out, const gentrain_tensor *input,
                                              const gentrain_tensor *target, const gentrain_tensor *weight,
                                              gentrain_reduction reduction);
/* Binary cross-entropy on logits, stable for any |x|; `weight` and `pos_weight` (the positive
 * class's weight per class) may be NULL (F.binary_cross_entropy_with_logits). PyTorch's defaults:
 * reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_binary_cross_entropy_with_logits(gentrain_tensor **out, const gentrain_tensor *input,
                                                          const gentrain_tensor *target,
                                                          const gentrain_tensor *weight, gentrain_reduction reduction,
                                                          const gentrain_tensor *pos_weight);
/* The KL divergence with `input` as log-probabilities (and `target` too when log_target)
 * (F.kl_div); GENTRAIN_REDUCTION_BATCHMEAN is the mathematically correct mean. PyTorch's defaults:
 * reduction GENTRAIN_REDUCTION_MEAN, log_target false. */
gentrain_status gentrain_kl_div(gentrain_tensor **out, const gentrain_tensor *input, const gentrain_tensor *target,
                                gentrain_reduction reduction, bool log_target);
/* The Gaussian negative log-likelihood with variances `var` (clamped to at least eps); `full` adds
 * the constant 0.5 log(2 pi) (F.gaussian_nll_loss). PyTorch's defaults: full false, eps 1e-6,
 * reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_gaussian_nll_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                           const gentrain_tensor *target, const gentrain_tensor *var, bool full,
                                           double eps, gentrain_reduction reduction);
/* x1 . x2 / max(||x1|| ||x2||, eps) along `dim` (F.cosine_similarity). PyTorch's defaults: dim 1,
 * eps 1e-8. */
gentrain_status gentrain_cosine_similarity(gentrain_tensor **out, const gentrain_tensor *x1,
                                           const gentrain_tensor *x2, int64_t dim, double eps);
/* 1 - cos(x1, x2) where y is 1, max(0, cos(x1, x2) - margin) where y is -1, per row
 * (F.cosine_embedding_loss). PyTorch's defaults: margin 0.0, reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_cosine_embedding_loss(gentrain_tensor **out, const gentrain_tensor *x1,
                                               const gentrain_tensor *x2, const gentrain_tensor *y, double margin,
                                               gentrain_reduction reduction);
/* ||x1 - x2 + eps||_p along the last dim (F.pairwise_distance). PyTorch's defaults: p 2.0, eps
 * 1e-6, keepdim false. */
gentrain_status gentrain_pairwise_distance(gentrain_tensor **out, const gentrain_tensor *x1,
                                           const gentrain_tensor *x2, double p, double eps, bool keepdim);
/* max(0, margin + d(anchor, positive) - d(anchor, negative)) with pairwise p-distances; `swap`
 * takes the smaller of d(anchor, negative) and d(positive, negative) (F.triplet_margin_loss).
 * PyTorch's defaults: margin 1.0, p 2.0, eps 1e-6, swap false, reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_triplet_margin_loss(gentrain_tensor **out, const gentrain_tensor *anchor,
                                             const gentrain_tensor *positive, const gentrain_tensor *negative,
                                             double margin, double p, double eps, bool swap,
                                             gentrain_reduction reduction);
/* max(0, -y * (x1 - x2) + margin) for labels y of +-1 (F.margin_ranking_loss). PyTorch's defaults:
 * margin 0.0, reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_margin_ranking_loss(gentrain_tensor **out, const gentrain_tensor *x1,
                                             const gentrain_tensor *x2, const gentrain_tensor *y, double margin,
                                             gentrain_reduction reduction);
/* x where the target is 1, max(0, margin - x) where it is -1 (F.hinge_embedding_loss). PyTorch's
 * defaults: margin 1.0, reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_hinge_embedding_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                              const gentrain_tensor *target, double margin,
                                              gentrain_reduction reduction);
/* log(1 + exp(-y x)) for labels y of +-1, computed stably (F.soft_margin_loss). PyTorch's defaults:
 * reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_soft_margin_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                          const gentrain_tensor *target, gentrain_reduction reduction);
/* -(y log sigmoid(x) + (1 - y) log sigmoid(-x)), weighted per class by `weight` (or NULL), averaged
 * over the classes (the last dim), then reduced over the samples (F.multilabel_soft_margin_loss).
 * PyTorch's defaults: reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_multilabel_soft_margin_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                                     const gentrain_tensor *target, const gentrain_tensor *weight,
                                                     gentrain_reduction reduction);
/* exp(x) - y x for log-rates x (log_input), else x - y log(x + eps); `full` adds Stirling's
 * approximation of log(y!) where y > 1 (F.poisson_nll_loss). PyTorch's defaults: log_input true,
 * full false, eps 1e-8, reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_poisson_nll_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                          const gentrain_tensor *target, bool log_input, bool full, double eps,
                                          gentrain_reduction reduction);
/* The sum over classes j other than the target y of max(0, margin - x[y] + x[j])^p / C, p 1 or 2,
 * scaled by weight[y] (or NULL), for input [N, C] or [C] and int64 targets [N] or 0-d
 * (F.multi_margin_loss). PyTorch's defaults: p 1, margin 1.0, reduction GENTRAIN_REDUCTION_MEAN. */
gentrain_status gentrain_multi_margin_loss(gentrain_tensor **out, const gentrain_tensor *input,
                                           const gentrain_tensor *target, int64_t p, double margin,
                                           const gentrain_tensor *weight, gentrain_reduction reduction);
/* -0.5 * sum(1 + logvar - mu^2 - exp(logvar)), the VAE's KL term, reduced: SUM as in the VAE paper,
 * NONE, MEAN over elements, or BATCHMEAN (the sum over the first dimension's size). */
gentrain_status gentrain_vae_kl_divergence(gentrain_tensor **out, const gentrain_tensor *mu,
                                           const gentrain_tensor *logvar, gentrain_reduction reduction);
/* mu + exp(0.5 logvar) * eps with eps ~ N(0, 1) from the default generator (the VAE's
 * reparameterization trick). */
gentrain_status gentrain_reparameterize(gentrain_tensor **out, const gentrain_tensor *mu,
                                        const gentrain_tensor *logvar);
/* @generated Losses end */

/* ---------------------------------------------------------------------------------------
 * Generative models (GenerativeAPI.swift): GAN objectives with the WGAN-GP penalty, the
 * perceptual loss, REINFORCE. (The VAE's KL term and reparameterization are with the losses.)
 * ------------------------------------------------------------------------------------- */

/* A GAN objective on critic/discriminator outputs; `real` is NULL for the generator losses. */
gentrain_status gentrain_gan_loss(gentrain_tensor **out, gentrain_gan_loss_kind kind, const gentrain_tensor *real,
                                  const gentrain_tensor *fake);
/* A function of one tensor (a critic): writes a new tensor to *output, handing it over. */
typedef gentrain_status
    (*gentrain_tensor_fn)(gentrain_tensor **output, const gentrain_tensor *input, void *user_data);
/* lambda * mean((||grad_x critic(x_hat)||_2 - 1)^2) at x_hat = eps real + (1 - eps) fake, eps
 * uniform per sample (default generator); differentiable in the critic's weights. */
gentrain_status gentrain_gradient_penalty(gentrain_tensor **out, gentrain_tensor_fn critic, void *user_data,
                                          const gentrain_tensor *real, const gentrain_tensor *fake, double lambda);
/* Samples one class per row of logits [*, V] from softmax(logits / temperature), among the
 * top_k largest (0: all), from the default generator: int64 [*]. */
gentrain_status gentrain_sample(gentrain_tensor **out, const gentrain_tensor *logits, double temperature,
                                int64_t top_k);
/* log softmax(logits)[actions] along the last dimension. */
gentrain_status gentrain_log_probs(gentrain_tensor **out, const gentrain_tensor *logits, const gentrain_tensor *actions);
/* -sum p log p of each row of softmax(logits). */
gentrain_status gentrain_entropy(gentrain_tensor **out, const gentrain_tensor *logits);
/* -mean((R - b) * sum_t log p_t) - entropy_beta * mean(entropy) for log_probs [N] or [N, T]
 * and host rewards [N]; baseline (a tensor broadcasting to [N]) and entropy may be NULL. */
gentrain_status gentrain_reinforce_loss(gentrain_tensor **out, const gentrain_tensor *log_probs,
                                        const gentrain_tensor *rewards, const gentrain_tensor *baseline,
                                        const gentrain_tensor *entropy, double entropy_beta);
/* The moving-average REINFORCE baseline, its state in the caller's *value (NAN before the first
 * batch): writes to *baseline the value for this batch (the state before the update; the batch
 * mean the first time), then updates *value = momentum * *value + (1 - momentum) * mean(rewards).
 * momentum in [0, 1) (0.9 is usual). */
gentrain_status gentrain_moving_average_baseline(double *baseline, double *value, double momentum,
                                                 const gentrain_tensor *rewards);

/* Perceptual loss: sum over i of weights[i] * mse_loss(phi_k(generated), phi_k(real)), k = layers[i],
 * where phi_k is the output of child k of `extractor` (an nn.Sequential). The extractor is
 * frozen first (requires_grad false, eval mode); the gradient reaches `generated`, and none
 * flows into `real`. Combine with an adversarial loss as lambda_adv * gan + lambda_perc * this. */
gentrain_status gentrain_perceptual_loss(gentrain_tensor **out, gentrain_module *extractor, const int64_t *layers,
                                         const double *weights, size_t n, const gentrain_tensor *generated,
                                         const gentrain_tensor *real);

/* ---------------------------------------------------------------------------------------
 * Modules, torch.nn (ModuleAPI.swift, CustomModuleAPI.swift; the constructors between the @generated markers
 * come from api/ops.py). A container keeps its children alive; the caller still frees each
 * handle it got. A module may sit in several containers (shared, as tied weights): its parameters
 * count once, under their first name (PyTorch's parameters()), and the state dict holds them under
 * every name. A tree nests at most 1000 levels and has at most 2^20 paths to its modules; a
 * container that would exceed either is GENTRAIN_ERR_INVALID_ARGUMENT.
 * ------------------------------------------------------------------------------------- */

/* nn.Sequential over `n` modules, named "0", "1", ... */
gentrain_status gentrain_module_sequential_new(gentrain_module **out, gentrain_module *const *modules, size_t n);
/* Releases the caller's reference to a module; containers, optimizers and tensors that use its
 * parameters keep what they need. */
void gentrain_module_free(gentrain_module *module);
/* Calls the module on `input` (module(input)): *out is a new tensor, recorded for autograd
 * when grad mode is on. */
gentrain_status gentrain_module_forward(gentrain_tensor **out, gentrain_module *module, const gentrain_tensor *input);
/* train(true) / eval() on the module and its descendants. */
gentrain_status gentrain_module_train(gentrain_module *module, bool mode);
/* Parameters in PyTorch's order, with dotted names ("0.weight"). */
gentrain_status gentrain_module_parameter_count(size_t *out, const gentrain_module *module);
/* Parameter `index` (a new handle sharing the parameter's data) and its name, a string
 * valid while the module handle lives; `name` may be NULL. */
gentrain_status gentrain_module_parameter(gentrain_tensor **out, const char **name, const gentrain_module *module,
                                          size_t index);
/* Buffers in PyTorch's order (BatchNorm's running_mean, running_var, num_batches_tracked), with
 * dotted names ("1.running_mean"). */
gentrain_status gentrain_module_buffer_count(size_t *out, const gentrain_module *module);
/* Buffer `index` (a new handle sharing the buffer's data) and its name, as
 * gentrain_module_parameter. */
gentrain_status gentrain_module_buffer(gentrain_tensor **out, const char **name, const gentrain_module *module,
                                       size_t index);
/* Clears the gradients of every parameter: to NULL when set_to_none (PyTorch's default), else
 * to zeros. */
gentrain_status gentrain_module_zero_grad(gentrain_module *module, bool set_to_none);
/* nn.Conv2d(in_channels, out_channels, (kernel_h, kernel_w), stride, padding, dilation, groups,
 * bias) with PyTorch's default initialization; options NULL for the defaults (output_padding is
 * not used). */
gentrain_status gentrain_module_conv2d_new(gentrain_module **out, int64_t in_channels, int64_t out_channels,
                                           int64_t kernel_h, int64_t kernel_w, const gentrain_conv_options *options,
                                           bool bias);
/* nn.ConvTranspose2d(in_channels, out_channels, (kernel_h, kernel_w), stride, padding,
 * output_padding, groups, bias, dilation) with PyTorch's default initialization; options NULL for
 * the defaults (padding_same is not allowed). */
gentrain_status gentrain_module_conv_transpose2d_new(gentrain_module **out, int64_t in_channels, int64_t out_channels,
                                                     int64_t kernel_h, int64_t kernel_w,
                                                     const gentrain_conv_options *options, bool bias);
/* A parameter-free layer by PyTorch's module name, with its defaults: "ReLU", "Tanh", "Sigmoid",
 * "GELU", "SiLU", "ELU", "Softplus", "Flatten", "Identity", "InstanceNorm2d". */
gentrain_status gentrain_module_layer_new(gentrain_module **out, const char *name);
/* nn.MaxPool2d((kernel_h, kernel_w), stride, padding) with gentrain_max_pool2d's options (NULL for
 * the defaults). */
gentrain_status gentrain_module_max_pool2d_new(gentrain_module **out, int64_t kernel_h, int64_t kernel_w,
                                               const gentrain_pool2d_options *options);
/* nn.AvgPool2d((kernel_h, kernel_w), stride, padding, count_include_pad) with gentrain_avg_pool2d's
 * options (NULL for the defaults). */
gentrain_status gentrain_module_avg_pool2d_new(gentrain_module **out, int64_t kernel_h, int64_t kernel_w,
                                               const gentrain_pool2d_options *options);
/* nn.Upsample(size or scale_factor, mode, align_corners) with gentrain_interpolate's options
 * (required: exactly one of size and scale_factor). */
gentrain_status gentrain_module_upsample_new(gentrain_module **out, const gentrain_interpolate_options *options);
/* Runs a recurrent module with its state, as PyTorch's call of it. LSTM: input [T, N, I] ([N, T, I]
 * with batch_first), h0 and c0 [num_layers*D, N, H] (D 2 when bidirectional, else 1; both, or
 * both NULL for zeros) -> output [T, N, D*H], h_n and c_n [num_layers*D, N, H]. GRU: the same without c (c0 and c_n must be NULL).
 * LSTMCell: x [N, I], (h, c) [N, H] -> output and h_n both h', c_n c'. GRUCell: output and h_n
 * both h' (c0 and c_n NULL). Every output is a new handle. */
gentrain_status gentrain_module_recurrent_forward(gentrain_tensor **output, gentrain_tensor **h_n, gentrain_tensor **c_n,
                                                  gentrain_module *module, const gentrain_tensor *input,
                                                  const gentrain_tensor *h0, const gentrain_tensor *c0);
/* @generated Modules begin: Generated by scripts/gen_api.py from api/ops.py; do not edit. */
/* nn.Linear(in_features, out_features, bias): weight [out, in] and bias [out] uniform in
 * +-1/sqrt(in_features), as PyTorch initializes them. PyTorch's defaults: bias true. */
gentrain_status gentrain_module_linear_new(gentrain_module **out, int64_t in_features, int64_t out_features,
                                           bool bias);
/* nn.ReLU(). */
gentrain_status gentrain_module_relu_new(gentrain_module **out);
/* nn.LeakyReLU(negative_slope). PyTorch's defaults: negative_slope 0.01. */
gentrain_status gentrain_module_leaky_relu_new(gentrain_module **out, double negative_slope);
/* nn.ELU(alpha). PyTorch's defaults: alpha 1.0. */
gentrain_status gentrain_module_elu_new(gentrain_module **out, double alpha);
/* nn.GELU(approximate). PyTorch's defaults: approximate GENTRAIN_GELU_APPROXIMATE_NONE. */
gentrain_status gentrain_module_gelu_new(gentrain_module **out, gentrain_gelu_approximate approximate);
/* nn.Softplus(beta, threshold). PyTorch's defaults: beta 1.0, threshold 20.0. */
gentrain_status gentrain_module_softplus_new(gentrain_module **out, double beta, double threshold);
/* nn.Hardtanh(min_val, max_val). PyTorch's defaults: min_val -1.0, max_val 1.0. */
gentrain_status gentrain_module_hardtanh_new(gentrain_module **out, double min_val, double max_val);
/* nn.ReLU6(). */
gentrain_status gentrain_module_relu6_new(gentrain_module **out);
/* nn.Hardsigmoid(). */
gentrain_status gentrain_module_hardsigmoid_new(gentrain_module **out);
/* nn.Hardswish(). */
gentrain_status gentrain_module_hardswish_new(gentrain_module **out);
/* nn.Mish(). */
gentrain_status gentrain_module_mish_new(gentrain_module **out);
/* nn.SELU(). */
gentrain_status gentrain_module_selu_new(gentrain_module **out);
/* nn.CELU(alpha). PyTorch's defaults: alpha 1.0. */
gentrain_status gentrain_module_celu_new(gentrain_module **out, double alpha);
/* nn.PReLU(num_parameters, init=initial): a learned slope `weight` [num_parameters] (one, or one
 * per channel), each starting at `initial`. PyTorch's defaults: num_parameters 1, initial 0.25. */
gentrain_status gentrain_module_prelu_new(gentrain_module **out, int64_t num_parameters, double initial);
/* nn.GLU(dim). PyTorch's defaults: dim -1. */
gentrain_status gentrain_module_glu_new(gentrain_module **out, int64_t dim);
/* nn.LogSigmoid(). */
gentrain_status gentrain_module_logsigmoid_new(gentrain_module **out);
/* nn.Softmin(dim). */
gentrain_status gentrain_module_softmin_new(gentrain_module **out, int64_t dim);
/* nn.Threshold(threshold, value). */
gentrain_status gentrain_module_threshold_new(gentrain_module **out, double threshold, double value);
/* nn.Tanhshrink(). */
gentrain_status gentrain_module_tanhshrink_new(gentrain_module **out);
/* nn.Softshrink(lambd). PyTorch's defaults: lambd 0.5. */
gentrain_status gentrain_module_softshrink_new(gentrain_module **out, double lambd);
/* nn.Hardshrink(lambd). PyTorch's defaults: lambd 0.5. */
gentrain_status gentrain_module_hardshrink_new(gentrain_module **out, double lambd);
/* nn.Softmax(dim). */
gentrain_status gentrain_module_softmax_new(gentrain_module **out, int64_t dim);
/* nn.LogSoftmax(dim). */
gentrain_status gentrain_module_log_softmax_new(gentrain_module **out, int64_t dim);
/* nn.Flatten(start_dim, end_dim): dims start_dim...end_dim of the input as one. PyTorch's defaults:
 * start_dim 1, end_dim -1. */
gentrain_status gentrain_module_flatten_new(gentrain_module **out, int64_t start_dim, int64_t end_dim);
/* nn.Unflatten(dim, sizes[0..nsizes)): dim `dim` of the input as `sizes` (one of them may be -1). */
gentrain_status gentrain_module_unflatten_new(gentrain_module **out, int64_t dim, const int64_t *sizes, size_t ndim);
/* nn.Dropout(p): active in training mode only. PyTorch's defaults: p 0.5. */
gentrain_status gentrain_module_dropout_new(gentrain_module **out, double p);
/* nn.Dropout1d(p): whole channels zeroed in training mode only. PyTorch's defaults: p 0.5. */
gentrain_status gentrain_module_dropout1d_new(gentrain_module **out, double p);
/* nn.Dropout2d(p). PyTorch's defaults: p 0.5. */
gentrain_status gentrain_module_dropout2d_new(gentrain_module **out, double p);
/* nn.Dropout3d(p). PyTorch's defaults: p 0.5. */
gentrain_status gentrain_module_dropout3d_new(gentrain_module **out, double p);
/* nn.LocalResponseNorm(size = window, alpha, beta, k): local_response_norm as a module. PyTorch's
 * defaults: alpha 0.0001, beta 0.75, k 1.0. */
gentrain_status gentrain_module_local_response_norm_new(gentrain_module **out, int64_t window, double alpha,
                                                        double beta, double k);
/* nn.RMSNorm(normalized_shape[0..ndim), *eps, elementwise_affine): a weight of ones; eps NULL for
 * the dtype's machine epsilon. PyTorch's defaults: eps none (NULL), elementwise_affine true. */
gentrain_status gentrain_module_rms_norm_new(gentrain_module **out, const int64_t *normalized_shape, size_t ndim,
                                             const double *eps, bool elementwise_affine);
/* nn.BatchNorm1d / nn.BatchNorm2d(num_features, eps, *momentum, affine, track_running_stats):
 * running statistics as buffers (running_mean, running_var, num_batches_tracked) updated with
 * momentum, or their cumulative average when momentum is NULL (PyTorch's None); batch statistics in
 * training mode, and in eval mode too without track_running_stats (then there are no buffers).
 * PyTorch's defaults: eps 1e-5, momentum none (NULL), affine true, track_running_stats true. */
gentrain_status gentrain_module_batch_norm_new(gentrain_module **out, int64_t num_features, double eps,
                                               const double *momentum, bool affine, bool track_running_stats);
/* nn.LayerNorm(normalized_shape[0..ndim), eps, elementwise_affine). PyTorch's defaults: eps 1e-5,
 * elementwise_affine true. */
gentrain_status gentrain_module_layer_norm_new(gentrain_module **out, const int64_t *normalized_shape, size_t ndim,
                                               double eps, bool elementwise_affine);
/* nn.GroupNorm(num_groups, num_channels, eps, affine). PyTorch's defaults: eps 1e-5, affine true. */
gentrain_status gentrain_module_group_norm_new(gentrain_module **out, int64_t num_groups, int64_t num_channels,
                                               double eps, bool affine);
/* nn.Embedding(num_embeddings, embedding_dim, padding_idx): input int64 indices of any shape;
 * padding_idx NULL for none, else its row starts at zero and gets no gradient. PyTorch's defaults:
 * padding_idx none (NULL). */
gentrain_status gentrain_module_embedding_new(gentrain_module **out, int64_t num_embeddings, int64_t embedding_dim,
                                              const int64_t *padding_idx);
/* nn.PixelShuffle(upscale_factor). */
gentrain_status gentrain_module_pixel_shuffle_new(gentrain_module **out, int64_t upscale_factor);
/* nn.PixelUnshuffle(downscale_factor). */
gentrain_status gentrain_module_pixel_unshuffle_new(gentrain_module **out, int64_t downscale_factor);
/* nn.MaxPool1d(kernel_size, *stride, padding, dilation, ceil_mode); stride NULL is the kernel size.
 * PyTorch's defaults: stride none (NULL), padding 0, dilation 1, ceil_mode false. */
gentrain_status gentrain_module_max_pool1d_new(gentrain_module **out, int64_t kernel_size, const int64_t *stride,
                                               int64_t padding, int64_t dilation, bool ceil_mode);
/* nn.AvgPool1d(kernel_size, *stride, padding, ceil_mode, count_include_pad); stride NULL is the
 * kernel size. PyTorch's defaults: stride none (NULL), padding 0, ceil_mode false,
 * count_include_pad true. */
gentrain_status gentrain_module_avg_pool1d_new(gentrain_module **out, int64_t kernel_size, const int64_t *stride,
                                               int64_t padding, bool ceil_mode, bool count_include_pad);
/* nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride, padding, output_padding,
 * groups, bias, dilation) over [N, C, L], with PyTorch's initialization. PyTorch's defaults: stride
 * 1, padding 0, output_padding 0, groups 1, bias true, dilation 1. */
gentrain_status gentrain_module_conv_transpose1d_new(gentrain_module **out, int64_t in_channels, int64_t out_channels,
                                                     int64_t kernel_size, int64_t stride, int64_t padding,
                                                     int64_t output_padding, int64_t groups, bool bias,
                                                     int64_t dilation);
/* nn.AdaptiveMaxPool2d((height, width)). */
gentrain_status gentrain_module_adaptive_max_pool2d_new(gentrain_module **out, int64_t height, int64_t width);
/* nn.AdaptiveAvgPool2d((height, width)). */
gentrain_status gentrain_module_adaptive_avg_pool2d_new(gentrain_module **out, int64_t height, int64_t width);
/* nn.Conv3d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias) over
 * [N, C, D, H, W], each size as 3 entries or 1 for all three (none: 1, 0, 1), with PyTorch's
 * initialization. PyTorch's defaults: stride every dim (ndims 0), padding every dim (ndims 0),
 * dilation every dim (ndims 0), groups 1, bias true. */
gentrain_status gentrain_module_conv3d_new(gentrain_module **out, int64_t in_channels, int64_t out_channels,
                                           const int64_t *kernel_size, size_t nkernel_size, const int64_t *stride,
                                           size_t nstride, const int64_t *padding, size_t npadding,
                                           const int64_t *dilation, size_t ndilation, int64_t groups, bool bias);
/* nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias) over
 * [N, C, L], with PyTorch's initialization. PyTorch's defaults: stride 1, padding 0, dilation 1,
 * groups 1, bias true. */
gentrain_status gentrain_module_conv1d_new(gentrain_module **out, int64_t in_channels, int64_t out_channels,
                                           int64_t kernel_size, int64_t stride, int64_t padding, int64_t dilation,
                                           int64_t groups, bool bias);
/* nn.LSTM(input_size, hidden_size, num_layers (at most 1024), bias, batch_first, dropout,
 * bidirectional) with PyTorch's parameter names (weight_ih_l0, ...) and initialization;
 * gentrain_module_forward returns the output, gentrain_module_recurrent_forward also the final
 * states. PyTorch's defaults: num_layers 1, bias true, batch_first false, dropout 0.0,
 * bidirectional false. */
gentrain_status gentrain_module_lstm_new(gentrain_module **out, int64_t input_size, int64_t hidden_size,
                                         int64_t num_layers, bool bias, bool batch_first, double dropout,
                                         bool bidirectional);
/* nn.GRU(input_size, hidden_size, num_layers (at most 1024), bias, batch_first, dropout,
 * bidirectional), as gentrain_module_lstm_new. PyTorch's defaults: num_layers 1, bias true,
 * batch_first false, dropout 0.0, bidirectional false. */
gentrain_status gentrain_module_gru_new(gentrain_module **out, int64_t input_size, int64_t hidden_size,
                                        int64_t num_layers, bool bias, bool batch_first, double dropout,
                                        bool bidirectional);
/* nn.LSTMCell(input_size, hidden_size, bias): gentrain_module_forward returns h from a zero state,
 * gentrain_module_recurrent_forward takes and returns (h, c). PyTorch's defaults: bias true. */
gentrain_status gentrain_module_lstm_cell_new(gentrain_module **out, int64_t input_size, int64_t hidden_size,
                                              bool bias);
/* nn.GRUCell(input_size, hidden_size, bias), as gentrain_module_lstm_cell_new without c. PyTorch's
 * defaults: bias true. */
gentrain_status gentrain_module_gru_cell_new(gentrain_module **out, int64_t input_size, int64_t hidden_size,
                                             bool bias);
/* @generated Modules end */
/* nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first) with PyTorch's names
 * and initialization. gentrain_module_forward runs self-attention and returns the output only;
 * gentrain_module_attention_forward takes query, key, value and masks. */
gentrain_status gentrain_module_multihead_attention_new(gentrain_module **out, int64_t embed_dim, int64_t num_heads,
                                                        double dropout, bool bias, bool batch_first);
/* nn.ModuleDict over `n` named modules (names unique, no '.'); it has no forward. */
gentrain_status gentrain_module_dict_new(gentrain_module **out, const char *const *names, gentrain_module *const *modules,
                                         size_t n);
/* The descendant at a dotted path such as "critic.0" (PyTorch's get_submodule): a new handle to
 * the same module. */
gentrain_status gentrain_module_submodule(gentrain_module **out, const gentrain_module *module, const char *path);
/* A module's forward written by the host: *out receives a new tensor handle (which the library
 * takes over) computed from `input` (borrowed for the call) with differentiable gentrain ops, so
 * gradients reach the module's parameters. */
typedef gentrain_status
    (*gentrain_module_forward_fn)(gentrain_tensor **out, const gentrain_tensor *input, void *user_data);
/* A module defined by the host: `forward` with `user_data`, `n_parameters` parameters (leaf float
 * tensors; they get requires_grad) and `n_children` submodules under the given names, which
 * state dicts, optimizers, train/eval and save/load see as for any module. `destroy` (may be
 * NULL) runs on `user_data` once nothing uses the module any more, also when this call fails. */
gentrain_status gentrain_module_custom_new(gentrain_module **out, gentrain_module_forward_fn forward, void *user_data,
                                           gentrain_destructor destroy, const char *const *parameter_names,
                                           gentrain_tensor *const *parameters, size_t n_parameters,
                                           const char *const *child_names, gentrain_module *const *children,
                                           size_t n_children);
/* requires_grad_(requires_grad) on every parameter: false freezes the module. */
gentrain_status gentrain_module_set_requires_grad(gentrain_module *module, bool requires_grad);
/* Module.to(dtype): every floating-point parameter and buffer (and gradient) converted to the
 * floating-point `dtype` in place, so handles to them see the new dtype. Build optimizers after
 * converting: an optimizer whose parameters changed dtype fails its step (GENTRAIN_ERR_DTYPE).
 * A parameter another thread is using is GENTRAIN_ERR_MISUSE. */
gentrain_status gentrain_module_to(gentrain_module *module, gentrain_dtype dtype);

/* ---------------------------------------------------------------------------------------
 * Initialization (InitAPI.swift): torch.nn.init.
 * ------------------------------------------------------------------------------------- */

/* nn.init.uniform_(tensor, a, b, generator): fills a floating-point `tensor` in place (no
 * gradient is recorded) with samples of U(a, b) from `generator` (NULL: the default generator);
 * a <= b, both finite. */
gentrain_status gentrain_init_uniform(gentrain_tensor *tensor, double a, double b, gentrain_generator *generator);
/* nn.init.normal_(tensor, mean, std, generator): in place, as gentrain_init_uniform; std >= 0. */
gentrain_status gentrain_init_normal(gentrain_tensor *tensor, double mean, double std, gentrain_generator *generator);
/* nn.init.constant_(tensor, value): every element set to `value`, in place. */
gentrain_status gentrain_init_constant(gentrain_tensor *tensor, double value);
/* nn.init.xavier_uniform_(tensor, gain, generator): U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)). */
gentrain_status gentrain_init_xavier_uniform(gentrain_tensor *tensor, double gain, gentrain_generator *generator);
/* nn.init.xavier_normal_(tensor, gain, generator): N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)). */
gentrain_status gentrain_init_xavier_normal(gentrain_tensor *tensor, double gain, gentrain_generator *generator);
/* nn.init.kaiming_uniform_(tensor, a, mode, nonlinearity, generator): U(-b, b) with b = gain * sqrt(3 / fan),
 * fan by `mode` ("fan_in" or "fan_out"; NULL for "fan_in") and gain by `nonlinearity` (NULL for
 * "leaky_relu", whose slope is `a`). */
gentrain_status gentrain_init_kaiming_uniform(gentrain_tensor *tensor, double a, const char *mode,
                                              const char *nonlinearity, gentrain_generator *generator);
/* nn.init.kaiming_normal_(tensor, a, mode, nonlinearity, generator): N(0, std^2) with std = gain / sqrt(fan),
 * the arguments as gentrain_init_kaiming_uniform's. */
gentrain_status gentrain_init_kaiming_normal(gentrain_tensor *tensor, double a, const char *mode,
                                             const char *nonlinearity, gentrain_generator *generator);
/* nn.init.calculate_gain(nonlinearity, param); param NULL for the default (0.01 for leaky_relu). */
gentrain_status gentrain_init_calculate_gain(double *out, const char *nonlinearity, const double *param);

/* ---------------------------------------------------------------------------------------
 * Files (IOAPI.swift): state dicts and named tensors in safetensors files, which PyTorch's
 * safetensors package reads and writes.
 * ------------------------------------------------------------------------------------- */

/* Writes the state dict (parameters and buffers by PyTorch's names) to a safetensors file,
 * atomically; PyTorch reads it with safetensors.torch.load_file + load_state_dict. */
gentrain_status gentrain_module_save(const gentrain_module *module, const char *path);
/* load_state_dict from a safetensors file, for example one written by
 * safetensors.torch.save_file(model.state_dict(), path): shapes must match, dtypes convert;
 * `strict` also rejects missing and unexpected names. On error nothing changes and the message
 * lists every problem. */
gentrain_status gentrain_module_load(gentrain_module *module, const char *path, bool strict);
/* Writes `n` named tensors to a safetensors file, atomically (a model written with the
 * functional ops; PyTorch reads it with safetensors.torch.load_file). Names must be unique and
 * not "__metadata__". */
gentrain_status gentrain_save_safetensors(const char *path, const char *const *names,
                                          gentrain_tensor *const *tensors, size_t n);
/* load_state_dict for `n` tensors the caller names, as gentrain_module_load. */
gentrain_status gentrain_load_safetensors(const char *path, const char *const *names, gentrain_tensor *const *tensors,
                                          size_t n, bool strict);

/* ---------------------------------------------------------------------------------------
 * Optimizers, torch.optim (OptimAPI.swift). The optimizer keeps its parameters alive.
 * ------------------------------------------------------------------------------------- */

/* torch.optim.SGD's options. Fill with gentrain_sgd_options_default. */
typedef struct gentrain_sgd_options {
    size_t struct_size;   /* sizeof(gentrain_sgd_options) */
    double lr;            /* default 1e-3 */
    double momentum;      /* default 0 */
    double dampening;     /* default 0 */
    double weight_decay;  /* default 0 */
    bool nesterov;        /* default false */
    bool maximize;        /* default false */
} gentrain_sgd_options;

/* torch.optim.Adam's options. Fill with gentrain_adam_options_default. */
typedef struct gentrain_adam_options {
    size_t struct_size;   /* sizeof(gentrain_adam_options) */
    double lr;            /* default 1e-3 */
    double beta1;         /* default 0.9 */
    double beta2;         /* default 0.999 */
    double eps;           /* default 1e-8 */
    double weight_decay;  /* default 0 (L2, added to the gradient) */
    bool amsgrad;         /* default false */
    bool maximize;        /* default false */
} gentrain_adam_options;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_sgd_options_default(gentrain_sgd_options *options);
/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_adam_options_default(gentrain_adam_options *options);
/* torch.optim.SGD over the `n` floating-point leaf tensors `params` (one parameter group);
 * options NULL for the defaults. */
gentrain_status gentrain_optim_sgd_new(gentrain_optimizer **out, gentrain_tensor *const *params, size_t n,
                                       const gentrain_sgd_options *options);
/* torch.optim.Adam over the `n` floating-point leaf tensors `params`; options NULL for the defaults. */
gentrain_status gentrain_optim_adam_new(gentrain_optimizer **out, gentrain_tensor *const *params, size_t n,
                                        const gentrain_adam_options *options);
/* Releases the caller's reference to an optimizer (schedulers and checkpoints keep it alive). */
void gentrain_optim_free(gentrain_optimizer *optimizer);
/* One update of every parameter that has a gradient. */
gentrain_status gentrain_optim_step(gentrain_optimizer *optimizer);
/* Clears the gradients of every parameter: to NULL when set_to_none, else to zeros. */
gentrain_status gentrain_optim_zero_grad(gentrain_optimizer *optimizer, bool set_to_none);
/* The learning rate of the first parameter group. */
gentrain_status gentrain_optim_get_lr(double *out, const gentrain_optimizer *optimizer);
/* Sets the learning rate of every parameter group (lr >= 0, finite). */
gentrain_status gentrain_optim_set_lr(gentrain_optimizer *optimizer, double lr);

/* ---------------------------------------------------------------------------------------
 * Optimizers by name, with options by PyTorch's names, and parameter groups.
 * ------------------------------------------------------------------------------------- */

/* An optimizer of class `name` ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad") over `params`,
 * with `n_options` options given as names and values (PyTorch's keyword names; Adam's betas
 * are "beta1" and "beta2"; flags such as "nesterov", "amsgrad", "centered", "maximize" are
 * 0 or 1). Options not given take the class's defaults; the given ones become the defaults
 * of groups added later, as in PyTorch. Unknown names and out-of-range values are errors.
 * `option_names` and `option_values` may be NULL when n_options is 0. */
gentrain_status gentrain_optim_new(gentrain_optimizer **out, const char *name, gentrain_tensor *const *params,
                                   size_t n_params, const char *const *option_names, const double *option_values,
                                   size_t n_options);
/* Adds a parameter group with its own options (the others from the optimizer's defaults). */
gentrain_status gentrain_optim_add_param_group(gentrain_optimizer *optimizer, gentrain_tensor *const *params,
                                               size_t n_params, const char *const *option_names,
                                               const double *option_values, size_t n_options);
/* The number of parameter groups (len(optimizer.param_groups)). */
gentrain_status gentrain_optim_group_count(size_t *out, const gentrain_optimizer *optimizer);
/* A group's option ("lr", "momentum", "initial_lr", ...). */
gentrain_status gentrain_optim_get_option(double *out, const gentrain_optimizer *optimizer, size_t group,
                                          const char *name);
/* Sets a group's option; the value is checked when the next step runs. */
gentrain_status gentrain_optim_set_option(gentrain_optimizer *optimizer, size_t group, const char *name,
                                          double value);

/* An optimizer's per-parameter state (PyTorch's state_dict()["state"]), as entries of a
 * parameter index (in group order) and a name: a buffer ("exp_avg", "momentum_buffer", ...)
 * or "step". Entry order is stable between changes. */
gentrain_status gentrain_optim_state_count(size_t *out, const gentrain_optimizer *optimizer);
/* Entry i: a copy of its value (steps as 0-d float64), its parameter index, and its name (a
 * static string); `param_index` and `name` may be NULL. */
gentrain_status gentrain_optim_state_get(gentrain_tensor **value, size_t *param_index, const char **name,
                                         const gentrain_optimizer *optimizer, size_t i);
/* Sets a state entry from a copy of `value`: a buffer of the parameter's shape, or "step"
 * (one number). Creates the parameter's state if it has none. */
gentrain_status gentrain_optim_state_set(gentrain_optimizer *optimizer, size_t param_index, const char *name,
                                         const gentrain_tensor *value);

/* ---------------------------------------------------------------------------------------
 * Gradient clipping, torch.nn.utils (OptimAPI.swift)
 * ------------------------------------------------------------------------------------- */

/* clip_grad_norm_: scales the gradients of `params` so that their total `norm_type`-norm
 * (2, INFINITY, or any p > 0) is at most max_norm, by min(max_norm / (total + 1e-6), 1);
 * writes the total before clipping to `total_norm` (may be NULL). Parameters without a
 * gradient are skipped. A non-finite total is GENTRAIN_ERR_NON_FINITE when
 * error_if_nonfinite, else it scales the gradients anyway (inf zeroes them). */
gentrain_status gentrain_clip_grad_norm(double *total_norm, gentrain_tensor *const *params, size_t n,
                                        double max_norm, double norm_type, bool error_if_nonfinite);
/* clip_grad_value_: clamps every gradient to [-clip_value, clip_value]. */
gentrain_status gentrain_clip_grad_value(gentrain_tensor *const *params, size_t n, double clip_value);

/* ---------------------------------------------------------------------------------------
 * Mixed precision: autocast, torch.autocast("cpu") (AmpAPI.swift). A region per thread in which
 * matrix products, linear, the convolutions and scaled dot-product attention run in a
 * lower-precision dtype (bfloat16 by default, or float16), the losses in float32, cat and stack
 * in their widest input dtype, and every other op in its inputs' dtype: PyTorch 2.13's CPU
 * policy. Regions nest (an inner disabled region computes in the inputs' dtypes again);
 * gradients come back in each input's dtype, and backward passes run without autocast. With
 * cache_enabled, a float32 parameter used by several ops of a region is cast once.
 * ------------------------------------------------------------------------------------- */

/* An autocast region's settings (torch.autocast's arguments). */
typedef struct gentrain_autocast_options {
    size_t struct_size;        /* sizeof(gentrain_autocast_options) */
    bool enabled;              /* default true */
    gentrain_dtype dtype;      /* default GENTRAIN_BFLOAT16; or GENTRAIN_FLOAT16 */
    bool cache_enabled;        /* default true */
} gentrain_autocast_options;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_autocast_options_default(gentrain_autocast_options *options);
/* Enters a region on this thread (options NULL for the defaults); GENTRAIN_ERR_DTYPE for a dtype
 * other than bfloat16 and float16. Every enter is matched by one gentrain_autocast_exit. */
gentrain_status gentrain_autocast_enter(const gentrain_autocast_options *options);
/* Leaves this thread's innermost region (the outermost drops the cast cache);
 * GENTRAIN_ERR_INVALID_ARGUMENT when none is open. */
gentrain_status gentrain_autocast_exit(void);
/* Whether ops on this thread autocast now (torch.is_autocast_enabled("cpu")). */
bool gentrain_autocast_is_enabled(void);
/* The dtype ops on this thread autocast to (torch.get_autocast_dtype("cpu")). */
gentrain_dtype gentrain_autocast_get_dtype(void);

/* ---------------------------------------------------------------------------------------
 * Mixed precision: gradient scaling, torch.amp.GradScaler (AmpAPI.swift). The scale multiplies
 * the loss before backward so that small gradients survive low-precision arithmetic; unscale_
 * divides the optimizer's gradients again and notes infinities and NaNs, step skips the update
 * when it found one, update halves the scale after a skipped step and grows it after
 * growth_interval good ones, with PyTorch's float32 arithmetic (the same scales and skipped
 * steps as PyTorch's CPU GradScaler). A scaler is used by one thread at a time.
 * ------------------------------------------------------------------------------------- */

typedef struct gentrain_grad_scaler gentrain_grad_scaler;

/* GradScaler's constructor arguments. Fill with gentrain_grad_scaler_options_default. */
typedef struct gentrain_grad_scaler_options {
    size_t struct_size;        /* sizeof(gentrain_grad_scaler_options) */
    double init_scale;         /* default 65536 (2^16) */
    double growth_factor;      /* default 2; > 1 */
    double backoff_factor;     /* default 0.5; < 1 */
    int64_t growth_interval;   /* default 2000; >= 1 */
    bool enabled;              /* default true; false passes everything through */
} gentrain_grad_scaler_options;

/* A scaler's state (PyTorch's state_dict()), as gentrain_grad_scaler_get_state writes it and
 * gentrain_grad_scaler_set_state (load_state_dict) reads it. */
typedef struct gentrain_grad_scaler_state {
    double scale;              /* the current scale (init_scale before the first scale call) */
    double growth_factor;
    double backoff_factor;
    int64_t growth_interval;
    int64_t growth_tracker;    /* consecutive unskipped steps, in 0...growth_interval - 1 */
    bool enabled;              /* written by get_state; set_state ignores it */
} gentrain_grad_scaler_state;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_grad_scaler_options_default(gentrain_grad_scaler_options *options);
/* A new GradScaler; options NULL for the defaults. The caller frees it with gentrain_grad_scaler_free. */
gentrain_status gentrain_grad_scaler_new(gentrain_grad_scaler **out, const gentrain_grad_scaler_options *options);
/* Releases the caller's reference (a checkpoint holding the scaler keeps it alive). */
void gentrain_grad_scaler_free(gentrain_grad_scaler *scaler);
/* scaler.scale(outputs): *out = outputs * scale, a new tensor (outputs itself, retained, when the
 * scaler is disabled). */
gentrain_status gentrain_grad_scaler_scale(gentrain_tensor **out, gentrain_grad_scaler *scaler,
                                           const gentrain_tensor *outputs);
/* scaler.unscale_(optimizer): divides the gradients of the optimizer's parameters by the scale in
 * place, noting infinities and NaNs. GENTRAIN_ERR_INVALID_ARGUMENT when called twice for one
 * optimizer in an iteration, after step, or before any scale call; GENTRAIN_ERR_DTYPE for float16
 * gradients. */
gentrain_status gentrain_grad_scaler_unscale_(gentrain_grad_scaler *scaler, gentrain_optimizer *optimizer);
/* scaler.step(optimizer): unscale_ unless done, then the optimizer's step unless a gradient was
 * infinite or NaN. *stepped (may be NULL) says whether the step ran. */
gentrain_status gentrain_grad_scaler_step(bool *stepped, gentrain_grad_scaler *scaler, gentrain_optimizer *optimizer);
/* scaler.update(new_scale): the next scale from this iteration's steps, or *new_scale when not
 * NULL; starts the next iteration. */
gentrain_status gentrain_grad_scaler_update(gentrain_grad_scaler *scaler, const double *new_scale);
/* The state (state_dict()); a disabled scaler gives scale 1, tracker 0 and enabled false. */
gentrain_status gentrain_grad_scaler_get_state(gentrain_grad_scaler_state *out, const gentrain_grad_scaler *scaler);
/* load_state_dict(state): every field checked first (growth_factor > 1, backoff_factor < 1,
 * 0 <= growth_tracker < growth_interval, all finite); nothing changes on an error. A disabled
 * scaler ignores it. */
gentrain_status gentrain_grad_scaler_set_state(gentrain_grad_scaler *scaler, const gentrain_grad_scaler_state *state);

/* ---------------------------------------------------------------------------------------
 * Data parallel, torch.distributed (DistributedAPI.swift). A process group is a set of ranks
 * that run collectives together, over one of three backends: threads of this process
 * (shared memory), the processes of an MPI job (Open MPI, loaded at run time: the library needs
 * no MPI unless a program asks for it), or collectives the host provides. Every rank calls the
 * same collectives in the same order; each collective first checks that all ranks passed the
 * same element count, dtype and root, and fails on every rank (GENTRAIN_ERR_DISTRIBUTED) if not,
 * or if a rank refused its arguments. A rank that fails elsewhere calls
 * gentrain_process_group_abort: the threads backend's waiting ranks then fail with its message,
 * and an MPI job ends. DDP averages gradients across ranks during backward; DataParallel splits
 * a batch across worker threads of this process.
 * ------------------------------------------------------------------------------------- */

typedef struct gentrain_process_group gentrain_process_group;

/* How an all-reduce combines the ranks' tensors (torch.distributed.ReduceOp). */
typedef enum gentrain_reduce_op {
    GENTRAIN_REDUCE_SUM = 0,
    GENTRAIN_REDUCE_AVG = 1,
    GENTRAIN_REDUCE_MAX = 2
} gentrain_reduce_op;

/* The host's all-reduce: combines `count` elements of `dtype` (FLOAT32, FLOAT64 or INT64) across
 * ranks, in place; op SUM or MAX. Returns GENTRAIN_OK or an error status (as every collective). */
typedef gentrain_status
    (*gentrain_all_reduce_fn)(void *user_data, void *buffer, size_t count, gentrain_dtype dtype, gentrain_reduce_op op);
/* The host's broadcast: copies `bytes` bytes from rank `root`'s buffer into every other rank's. */
typedef gentrain_status
    (*gentrain_broadcast_fn)(void *user_data, void *buffer, size_t bytes, int32_t root);
/* The host's all-gather: every rank's `bytes` input bytes, in rank order, into `output`
 * (world_size * bytes). */
typedef gentrain_status
    (*gentrain_all_gather_fn)(void *user_data, const void *input, void *output, size_t bytes);
/* The host's barrier: returns once every rank has called it. */
typedef gentrain_status
    (*gentrain_barrier_fn)(void *user_data);
/* The host's abort: ends the group after an error on this rank. */
typedef void (*gentrain_abort_fn)(void *user_data, const char *message);

/* Collectives the host provides. Every rank's callbacks are called with the same arguments, in
 * the same order. */
typedef struct gentrain_collectives {
    size_t struct_size;          /* sizeof(gentrain_collectives) */
    int32_t rank;                /* this rank, 0 <= rank < world_size */
    int32_t world_size;
    void *user_data;             /* passed to every callback */
    gentrain_all_reduce_fn all_reduce;
    gentrain_broadcast_fn broadcast;
    gentrain_all_gather_fn all_gather;
    gentrain_barrier_fn barrier;
    gentrain_abort_fn abort;     /* may be NULL */
    gentrain_destructor destroy; /* may be NULL: runs on user_data when the group is freed (at once if
                                    gentrain_process_group_new_host fails) */
} gentrain_collectives;

/* Joins rank `rank` of the threads group `name` of `world_size` ranks (created by the first rank
 * to join; each rank's thread calls this with the same name). A rank waits at most
 * `timeout_seconds` (0: 1800, PyTorch's default) for the others in a collective, then fails.
 * The calling thread's kernels then use its share of the library's threads (the thread count
 * divided by world_size, at least one), so the ranks do not oversubscribe the cores. */
gentrain_status gentrain_process_group_new_threads(gentrain_process_group **out, const char *name, int32_t rank,
                                                    int32_t world_size, double timeout_seconds);
/* The ranks of the MPI job this process belongs to (started with mpirun; alone, a job of one).
 * Loads Open MPI's libmpi.so.40 (or the file GENTRAIN_MPI_LIBRARY names) and initializes MPI
 * unless the program did (then at MPI_THREAD_SERIALIZED or above); an error naming what is
 * missing when MPI is not there. */
gentrain_status gentrain_process_group_new_mpi(gentrain_process_group **out);
/* A group over the host's collectives (copied; user_data is the host's until `destroy`). */
gentrain_status gentrain_process_group_new_host(gentrain_process_group **out, const gentrain_collectives *collectives);
/* Releases a process group handle. */
void gentrain_process_group_free(gentrain_process_group *group);
/* This process's (or thread's) rank in the group. */
gentrain_status gentrain_process_group_rank(int32_t *out, const gentrain_process_group *group);
/* How many ranks the group has. */
gentrain_status gentrain_process_group_world_size(int32_t *out, const gentrain_process_group *group);
/* torch.distributed.all_reduce: combines `tensor` (contiguous; float32, float64, bfloat16,
 * float16, or int64 with SUM or MAX) across ranks, in place. */
gentrain_status gentrain_process_group_all_reduce(gentrain_process_group *group, gentrain_tensor *tensor,
                                                  gentrain_reduce_op op);
/* torch.distributed.broadcast: copies rank `source`'s `tensor` (contiguous) into every other rank's. */
gentrain_status gentrain_process_group_broadcast(gentrain_process_group *group, gentrain_tensor *tensor, int32_t source);
/* all_gather_into_tensor: every rank's `tensor`, stacked in rank order as [world_size, ...shape]. */
gentrain_status gentrain_process_group_all_gather(gentrain_tensor **out, gentrain_process_group *group,
                                                  const gentrain_tensor *tensor);
/* torch.distributed.barrier: returns once every rank has called it. */
gentrain_status gentrain_process_group_barrier(gentrain_process_group *group);
/* Makes this rank's default random stream its own (dropout masks, noise): rank 0 keeps the
 * default generator's state, other ranks derive theirs from it and the rank. Call it on every
 * rank after seeding them alike or after every rank loaded rank 0's checkpoint: the streams are
 * then distinct and reproducible. (A threads-group rank's thread has a default generator of its
 * own from gentrain_process_group_new_threads on, starting from the process's.) */
gentrain_status gentrain_process_group_separate_random_streams(gentrain_process_group *group);
/* Ends the group after an error on this rank, with `message` (may be NULL): the threads
 * backend's other ranks fail in their current or next collective; an MPI job ends (MPI_Abort). */
gentrain_status gentrain_process_group_abort(gentrain_process_group *group, const char *message);

typedef struct gentrain_ddp gentrain_ddp;

/* DistributedDataParallel's options. Fill with gentrain_ddp_options_default. */
typedef struct gentrain_ddp_options {
    size_t struct_size;          /* sizeof(gentrain_ddp_options) */
    double bucket_cap_mb;        /* gradients are averaged in buckets of this many MiB (25) */
    double first_bucket_mb;      /* the first bucket, holding the last parameters, is this small (1) */
    bool broadcast_buffers;      /* rank 0's buffers are copied to every rank before each forward (true) */
    bool find_unused_parameters; /* a parameter without gradient is averaged as zeros, not an error (false) */
    bool deterministic;          /* gradients all-gathered and summed in a fixed order: with DataParallel's
                                    deterministic shards in each rank, the same bits on 1, 2, 4 ranks (false) */
} gentrain_ddp_options;

/* Fills `options` with PyTorch's defaults. */
void gentrain_ddp_options_default(gentrain_ddp_options *options);
/* Distributed data parallel over `n_parameters` parameters (named, for error messages; names may
 * be NULL) and `n_buffers` buffers: copies rank 0's parameters and buffers to every rank (a
 * collective: every rank calls this at the same point), then, during each backward, averages
 * each bucket of gradients across the ranks as soon as its gradients are final. options NULL
 * for the defaults. Parameters are contiguous leaf tensors; those not requiring grad are skipped. */
gentrain_status gentrain_ddp_new(gentrain_ddp **out, const char *const *names, gentrain_tensor *const *parameters,
                                 size_t n_parameters, gentrain_tensor *const *buffers, size_t n_buffers,
                                 gentrain_process_group *group, const gentrain_ddp_options *options);
/* nn.parallel.DistributedDataParallel(module): a module wrapping `module` (its state-dict names
 * gain the prefix "module."), whose forward copies rank 0's buffers to every rank first, and
 * whose parameters' gradients are averaged during backward. gentrain_module_ddp gives its DDP. */
gentrain_status gentrain_module_ddp_new(gentrain_module **out, gentrain_module *module, gentrain_process_group *group,
                                        const gentrain_ddp_options *options);
/* The DDP object of a module made by gentrain_module_ddp_new (a new handle). */
gentrain_status gentrain_module_ddp(gentrain_ddp **out, const gentrain_module *module);
/* Releases a DDP handle (a module made by gentrain_module_ddp_new keeps its DDP). */
void gentrain_ddp_free(gentrain_ddp *ddp);
/* Copies rank 0's buffers to every rank (the DDP module's forward does it first). */
gentrain_status gentrain_ddp_sync_buffers(gentrain_ddp *ddp);
/* false: backward passes accumulate gradients locally, without averaging, until set back to
 * true; the next synchronized pass averages the sum (PyTorch's no_sync()). */
gentrain_status gentrain_ddp_set_grad_sync(gentrain_ddp *ddp, bool enabled);
/* What the last synchronized backward pass did: buckets averaged while backward still ran, and
 * those averaged when it ended. Either pointer may be NULL. */
gentrain_status gentrain_ddp_last_pass(int32_t *during_backward, int32_t *at_end, const gentrain_ddp *ddp);

/* DataParallel's options. Fill with gentrain_data_parallel_options_default. */
typedef struct gentrain_data_parallel_options {
    size_t struct_size;          /* sizeof(gentrain_data_parallel_options) */
    int32_t workers;             /* worker threads; 0: the library's thread count */
    int32_t shards;              /* deterministic mode: the batch is always cut into this many shards, each
                                    run on one thread, so results are bit-identical for any number of
                                    workers; 0: one shard per worker */
} gentrain_data_parallel_options;

/* Fills `options` with the defaults (all zero). */
void gentrain_data_parallel_options_default(gentrain_data_parallel_options *options);
/* Runs `forward` (called from worker threads, once per shard, with a shard of `input` along
 * dimension 0) in parallel, as one differentiable op: the outputs are concatenated along
 * dimension 0 into *out, and backward runs each shard's backward on the workers and sums the
 * shards' gradients of `parameters` (in a fixed order) and of `input`. Shard 0 alone updates
 * buffers (running statistics); each shard draws random numbers from its own generator. The
 * first calls with one `forward` and `user_data` (per input shape) also time the shards run one
 * after another on the calling thread, and keep the faster way (the results are the same either
 * way): a model too small to pay for other threads is slowed down less. A host that frees a
 * callback and makes another should give the new one a `user_data` not used before, or it
 * inherits the old one's timings. */
gentrain_status gentrain_data_parallel_apply(gentrain_tensor **out, gentrain_tensor *input,
                                             gentrain_tensor *const *parameters, size_t n_parameters,
                                             gentrain_module_forward_fn forward, void *user_data,
                                             const gentrain_data_parallel_options *options);
/* nn.DataParallel(module): a module whose forward runs `module` on shards of the batch in
 * parallel (gentrain_data_parallel_apply); state-dict names gain the prefix "module.". */
gentrain_status gentrain_module_data_parallel_new(gentrain_module **out, gentrain_module *module,
                                                  const gentrain_data_parallel_options *options);

/* Whether layers on this thread update their buffers (running statistics) in training: false on
 * the workers running DataParallel's shards other than the first (a host's own layers ask). */
bool gentrain_buffer_updates_enabled(void);

/* DistributedSampler's arguments. Fill with gentrain_distributed_sampler_options_default. */
typedef struct gentrain_distributed_sampler_options {
    size_t struct_size;          /* sizeof(gentrain_distributed_sampler_options) */
    int64_t dataset_size;
    int32_t num_replicas;        /* the group's world size (1) */
    int32_t rank;                /* this rank (0) */
    bool shuffle;                /* a permutation seeded by seed + epoch (true) */
    uint64_t seed;               /* (0) */
    int64_t epoch;               /* (0) */
    bool drop_last;              /* cut the tail instead of padding with the first indices (false) */
} gentrain_distributed_sampler_options;

/* Fills `options` with PyTorch's defaults (dataset_size 0, one replica). */
void gentrain_distributed_sampler_options_default(gentrain_distributed_sampler_options *options);
/* utils.data.DistributedSampler: this rank's indices for the epoch, written to `out` (capacity
 * `capacity`), their number to *count. With out NULL only *count is written. */
gentrain_status gentrain_distributed_sampler_indices(int64_t *out, size_t capacity, size_t *count,
                                                     const gentrain_distributed_sampler_options *options);

/* ---------------------------------------------------------------------------------------
 * Learning-rate schedulers, torch.optim.lr_scheduler (SchedulerAPI.swift), with PyTorch's formulas and stepping
 * rules: creating one sets the groups' initial_lr and takes the initial step. A scheduler
 * keeps its optimizer alive.
 * ------------------------------------------------------------------------------------- */

typedef struct gentrain_scheduler gentrain_scheduler;

/* Called with the epoch and the group index; writes the factor by which the group's base lr
 * is multiplied, and returns GENTRAIN_OK (anything else fails the step that called it). */
typedef gentrain_status
    (*gentrain_lr_lambda)(double *factor, int64_t epoch, size_t group, void *user_data);
/* ExponentialLR: lr = base_lr * gamma^epoch. */
gentrain_status gentrain_scheduler_exponential_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                                   double gamma);
/* StepLR: lr = base_lr * gamma^floor(epoch / step_size); step_size >= 1. */
gentrain_status gentrain_scheduler_step_lr_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                               int64_t step_size, double gamma);
/* MultiStepLR: the lr is multiplied by gamma at each of the `n_milestones` epochs in
 * `milestones` (a milestone listed twice multiplies twice, as PyTorch's Counter). */
gentrain_status gentrain_scheduler_multistep_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                                 const int64_t *milestones, size_t n_milestones, double gamma);
/* LinearLR: the factor goes linearly from start_factor to end_factor over total_iters steps. */
gentrain_status gentrain_scheduler_linear_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                              double start_factor, double end_factor, int64_t total_iters);
/* CosineAnnealingLR: eta_min + (base_lr - eta_min) (1 + cos(pi epoch / t_max)) / 2, in
 * PyTorch's recursive form; t_max >= 1. */
gentrain_status gentrain_scheduler_cosine_new(gentrain_scheduler **out, gentrain_optimizer *optimizer, int64_t t_max,
                                              double eta_min);
/* CosineAnnealingWarmRestarts: cosine annealing restarted after t_0 epochs, each period
 * t_mult times the last; t_0 >= 1, t_mult >= 1. */
gentrain_status gentrain_scheduler_cosine_warm_restarts_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                                            int64_t t_0, int64_t t_mult, double eta_min);
/* LambdaLR: lr = base_lr * lambda(epoch). `destroy` (may be NULL) runs on user_data when the
 * scheduler is freed, and also when creation fails. */
gentrain_status gentrain_scheduler_lambda_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                              gentrain_lr_lambda lr_lambda, void *user_data,
                                              gentrain_destructor destroy);
/* SequentialLR over schedulers built on the same optimizer, switching at the milestones
 * (n_milestones = n - 1). It keeps them alive. SequentialLRs nest at most 100 levels deep. */
gentrain_status gentrain_scheduler_sequential_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                                  gentrain_scheduler *const *schedulers, size_t n,
                                                  const int64_t *milestones, size_t n_milestones);

/* OneCycleLR's options. Fill with gentrain_one_cycle_options_default, then set total_steps and
 * max_lr (or max_lrs). */
typedef struct gentrain_one_cycle_options {
    size_t struct_size;       /* sizeof(gentrain_one_cycle_options) */
    double max_lr;            /* every group's peak (> 0), unless max_lrs is given */
    int64_t total_steps;      /* required (> 0) */
    double pct_start;         /* default 0.3 */
    bool anneal_linear;       /* default false: cosine */
    bool cycle_momentum;      /* default true (momentum, or Adam's beta1) */
    double base_momentum;     /* default 0.85 */
    double max_momentum;      /* default 0.95 */
    double div_factor;        /* default 25 */
    double final_div_factor;  /* default 1e4 */
    bool three_phase;         /* default false */
    const double *max_lrs;    /* default NULL; else one peak per parameter group (max_lr unused) */
    size_t n_max_lrs;         /* the number of values in max_lrs */
} gentrain_one_cycle_options;

/* ReduceLROnPlateau's options. Fill with gentrain_plateau_options_default. */
typedef struct gentrain_plateau_options {
    size_t struct_size;       /* sizeof(gentrain_plateau_options) */
    bool mode_max;            /* default false: "min" */
    double factor;            /* default 0.1 */
    int64_t patience;         /* default 10 */
    double threshold;         /* default 1e-4 */
    bool threshold_abs;       /* default false: "rel" */
    int64_t cooldown;         /* default 0 */
    double min_lr;            /* default 0 */
    double eps;               /* default 1e-8 */
} gentrain_plateau_options;

/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_one_cycle_options_default(gentrain_one_cycle_options *options);
/* Fills `options` with the defaults above (struct_size included); NULL does nothing. */
void gentrain_plateau_options_default(gentrain_plateau_options *options);
/* OneCycleLR over total_steps steps (options required: GENTRAIN_ERR_INVALID_ARGUMENT for NULL). */
gentrain_status gentrain_scheduler_one_cycle_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                                 const gentrain_one_cycle_options *options);
/* ReduceLROnPlateau: step it with gentrain_scheduler_step_metric. */
gentrain_status gentrain_scheduler_plateau_new(gentrain_scheduler **out, gentrain_optimizer *optimizer,
                                               const gentrain_plateau_options *options);
/* Releases the caller's reference to a scheduler (a SequentialLR or checkpoint keeps it alive). */
void gentrain_scheduler_free(gentrain_scheduler *scheduler);
/* One step (call it after the optimizer's step). */
gentrain_status gentrain_scheduler_step(gentrain_scheduler *scheduler);
/* Jumps to `epoch` through the closed form; CosineAnnealingWarmRestarts takes fractional
 * epochs. */
gentrain_status gentrain_scheduler_step_epoch(gentrain_scheduler *scheduler, double epoch);
/* ReduceLROnPlateau's step with this epoch's metric. */
gentrain_status gentrain_scheduler_step_metric(gentrain_scheduler *scheduler, double metric);
/* A scheduler's state (PyTorch's state_dict()), as named lists of numbers ("last_epoch",
 * "base_lrs", "T_cur", ...). */
gentrain_status gentrain_scheduler_state_count(size_t *out, const gentrain_scheduler *scheduler);
/* Entry i: its name (a static string) and values (at most `capacity`; their number in
 * `count`). `key` may be NULL. */
gentrain_status gentrain_scheduler_state_get(const char **key, double *values, size_t capacity, size_t *count,
                                             const gentrain_scheduler *scheduler, size_t i);
/* Replaces one entry; the whole state is checked as a scheduler's state. */
gentrain_status gentrain_scheduler_state_set(gentrain_scheduler *scheduler, const char *key, const double *values,
                                             size_t count);
/* get_last_lr(): writes one lr per parameter group (at most `capacity`) and their count. */
gentrain_status gentrain_scheduler_get_last_lr(double *out, size_t capacity, size_t *count,
                                               const gentrain_scheduler *scheduler);

/* ---------------------------------------------------------------------------------------
 * Training checkpoints (CheckpointAPI.swift): one safetensors file (readable by Python's safetensors package) with
 * the model's named tensors, the optimizers' state keyed by parameter name, the schedulers,
 * the default random generator, step and epoch counters, and user key-values. Register what
 * a run consists of once, then save as often as needed; a save is atomic (a crash leaves the
 * old file or the new one), and loading checks every name, shape and dtype before changing
 * anything. The checkpoint keeps what is registered alive.
 * ------------------------------------------------------------------------------------- */

typedef struct gentrain_checkpoint gentrain_checkpoint;

/* An empty training checkpoint: register what it holds, then save or load. */
gentrain_status gentrain_checkpoint_new(gentrain_checkpoint **out);
/* Releases the checkpoint; the objects it holds are released when nothing else uses them. */
void gentrain_checkpoint_free(gentrain_checkpoint *checkpoint);
/* A model tensor (parameter or buffer) under `name`. */
gentrain_status gentrain_checkpoint_add_tensor(gentrain_checkpoint *checkpoint, const char *name,
                                               gentrain_tensor *tensor);
/* Every parameter and buffer of `module` (its state dict: BatchNorm's running statistics too)
 * under its dotted name, prefixed by `prefix` (may be ""). */
gentrain_status gentrain_checkpoint_add_module(gentrain_checkpoint *checkpoint, const char *prefix,
                                               gentrain_module *module);
/* An optimizer; its parameters must have been added as tensors. */
gentrain_status gentrain_checkpoint_add_optimizer(gentrain_checkpoint *checkpoint, gentrain_optimizer *optimizer);
/* Registers a scheduler: its state is saved and loaded with the optimizers'. */
gentrain_status gentrain_checkpoint_add_scheduler(gentrain_checkpoint *checkpoint, gentrain_scheduler *scheduler);
/* Registers a gradient scaler: its state (scale, factors, interval, growth tracker) is saved and
 * loaded with the rest, so a resumed mixed-precision run continues bit-exactly. */
gentrain_status gentrain_checkpoint_add_grad_scaler(gentrain_checkpoint *checkpoint, gentrain_grad_scaler *scaler);
/* Sets the step and epoch counters saved with the checkpoint (both >= 0). */
gentrain_status gentrain_checkpoint_set_counters(gentrain_checkpoint *checkpoint, int64_t step, int64_t epoch);
/* The step and epoch counters (as set, or as loaded). */
gentrain_status gentrain_checkpoint_get_counters(int64_t *step, int64_t *epoch, const gentrain_checkpoint *checkpoint);
/* A user key-value (both UTF-8 strings). */
gentrain_status gentrain_checkpoint_set_metadata(gentrain_checkpoint *checkpoint, const char *key, const char *value);
/* The value of `key`, or *value = NULL when absent; valid until the checkpoint changes. */
gentrain_status gentrain_checkpoint_get_metadata(const char **value, const gentrain_checkpoint *checkpoint,
                                                 const char *key);
/* Writes everything registered to `path` atomically (a crash mid-save leaves the old file). */
gentrain_status gentrain_checkpoint_save(const gentrain_checkpoint *checkpoint, const char *path);
/* Restores everything registered from `path`, and the counters and metadata. */
gentrain_status gentrain_checkpoint_load(gentrain_checkpoint *checkpoint, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* GENTRAIN_H */
