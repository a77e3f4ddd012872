#include "gentrain_tsan.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GT_TSAN 1
void __tsan_acquire(void *address);
void __tsan_release(void *address);
#endif
#endif

void gt_tsan_acquire(void *address) {
#ifdef GT_TSAN
    __tsan_acquire(address);
#else
    (void)address;
#endif
}

void gt_tsan_release(void *address) {
#ifdef GT_TSAN
    __tsan_release(address);
#else
    (void)address;
#endif
}
