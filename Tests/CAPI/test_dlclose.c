// A host that loads libgentrain with dlopen, runs ops that start the engine's thread pool, and
// unloads it with dlclose must not crash: the pool's threads run the library's code after the
// last call returns (an idle worker yields for a while, then sleeps), so the library stays
// mapped (linked with -z nodelete). Run: test_dlclose <path to libgentrain.so.0>.
#define _DEFAULT_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gentrain.h"

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    for (int round = 0; round < 3; round++) {
        void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            fprintf(stderr, "FAIL: dlopen: %s\n", dlerror());
            return 1;
        }
        gentrain_status (*set_threads)(int32_t) = (gentrain_status (*)(int32_t))dlsym(lib, "gentrain_set_num_threads");
        gentrain_status (*from_data)(gentrain_tensor **, const void *, size_t, gentrain_dtype, const int64_t *, size_t) =
            (gentrain_status (*)(gentrain_tensor **, const void *, size_t, gentrain_dtype, const int64_t *, size_t))dlsym(lib, "gentrain_tensor_from_data");
        gentrain_status (*add)(gentrain_tensor **, const gentrain_tensor *, const gentrain_tensor *) =
            (gentrain_status (*)(gentrain_tensor **, const gentrain_tensor *, const gentrain_tensor *))dlsym(lib, "gentrain_add");
        void (*tensor_free)(gentrain_tensor *) = (void (*)(gentrain_tensor *))dlsym(lib, "gentrain_tensor_free");
        if (!set_threads || !from_data || !add || !tensor_free) {
            fprintf(stderr, "FAIL: dlsym\n");
            return 1;
        }
        // Two threads and an addition of 2^20 elements: a parallel region (the pool starts).
        int64_t n = 1 << 20;
        float *data = calloc((size_t)n, sizeof(float));
        gentrain_tensor *a = NULL, *sum = NULL;
        if (!data || set_threads(2) != GENTRAIN_OK || from_data(&a, data, (size_t)n * sizeof(float), GENTRAIN_FLOAT32, &n, 1) != GENTRAIN_OK
            || add(&sum, a, a) != GENTRAIN_OK) {
            fprintf(stderr, "FAIL: the ops\n");
            return 1;
        }
        tensor_free(sum);
        tensor_free(a);
        free(data);
        if (dlclose(lib) != 0) {
            fprintf(stderr, "FAIL: dlclose: %s\n", dlerror());
            return 1;
        }
        usleep(20000);   // the workers' idle time after the region: they must still find their code
    }
    printf("dlclose: ok\n");
    return 0;
}
