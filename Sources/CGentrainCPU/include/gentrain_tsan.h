// ThreadSanitizer's annotations, for the engine's ThreadSanitizer build (scripts/tsan.sh, where
// the Swift flag GENTRAIN_TSAN calls them): ordering that happens in uninstrumented code (the
// standard library's), announced by hand. Elsewhere they do nothing, and nothing calls them.
#ifndef GENTRAIN_TSAN_H
#define GENTRAIN_TSAN_H

/// The calling thread acquires / releases `address`: a happens-before edge from each release to
/// the acquires after it.
void gt_tsan_acquire(void *address);
void gt_tsan_release(void *address);

#endif
