/* DLPack 1.0's versioned struct for the C tests: Debian's dlpack.h (0.6) predates it. */
#ifndef GENTRAIN_TEST_DLPACK_VERSIONED_H
#define GENTRAIN_TEST_DLPACK_VERSIONED_H

#include <dlpack/dlpack.h>
#include <stdint.h>

#ifndef DLPACK_MAJOR_VERSION
struct DLManagedTensorVersioned {
    struct { uint32_t major, minor; } version;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensorVersioned *self);
    uint64_t flags;
    DLTensor dl_tensor;
};
#endif

#endif
