/* The DLPack exchange structs as the engine reads and writes them: DLPack's C ABI (stable since
 * DLPack 0.5; `include/gentrain.h` only names `struct DLManagedTensor`, so a host uses the
 * definitions of its own `dlpack/dlpack.h`). Not installed; for the engine's Swift code only. */
#ifndef GENTRAIN_DLPACK_ABI_H
#define GENTRAIN_DLPACK_ABI_H

#include <stdint.h>

/* Where the memory lives: device_type 1 is the CPU (kDLCPU). */
typedef struct {
    int32_t device_type;
    int32_t device_id;
} gentrain_dl_device;

/* An element type: a type code (0 signed integer, 1 unsigned, 2 IEEE float, 4 bfloat16, 6 bool),
 * its width in bits and the vector lanes (1 for tensors of scalars). */
typedef struct {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
} gentrain_dl_data_type;

/* A strided view: the elements start at data + byte_offset; shape and strides (in elements;
 * NULL strides mean row-major) hold ndim values each. */
typedef struct {
    void *data;
    gentrain_dl_device device;
    int32_t ndim;
    gentrain_dl_data_type dtype;
    int64_t *shape;
    int64_t *strides;
    uint64_t byte_offset;
} gentrain_dl_tensor;

/* A view with its owner: the consumer calls deleter(self) once when it no longer needs it. */
struct DLManagedTensor {
    gentrain_dl_tensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensor *self);
};

/* DLPack 1.x's versioned form: the version of the ABI the producer wrote, then flags (bit 0: the
 * memory is read-only; bit 1: it is a copy) and the view. */
typedef struct {
    uint32_t major;
    uint32_t minor;
} gentrain_dl_version;

struct DLManagedTensorVersioned {
    gentrain_dl_version version;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensorVersioned *self);
    uint64_t flags;
    gentrain_dl_tensor dl_tensor;
};

#endif
