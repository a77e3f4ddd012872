#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "gentrain_stack.h"

// This thread's stack: its low end and size, asked once (0 / 0 before; PTRDIFF_MAX when unknown).
static _Thread_local uintptr_t stack_low;
static _Thread_local ptrdiff_t stack_size;

ptrdiff_t gt_stack_remaining(ptrdiff_t *size) {
    if (stack_size == 0) {
        stack_size = PTRDIFF_MAX;
        pthread_attr_t attributes;
        if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
            void *low;
            size_t bytes;
            if (pthread_attr_getstack(&attributes, &low, &bytes) == 0 && bytes > 0 && bytes < PTRDIFF_MAX) {
                stack_low = (uintptr_t)low;
                stack_size = (ptrdiff_t)bytes;
            }
            pthread_attr_destroy(&attributes);
        }
    }
    if (size) *size = stack_size;
    if (stack_size == PTRDIFF_MAX) return PTRDIFF_MAX;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    return here > stack_low ? (ptrdiff_t)(here - stack_low) : 0;
}
