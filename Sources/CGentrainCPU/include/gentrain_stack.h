// How much of the calling thread's stack is left: checked before the engine calls a host's
// callback, so that a host recursing through the library without end gets an error instead of
// overflowing its stack (a crash).
#ifndef GENTRAIN_STACK_H
#define GENTRAIN_STACK_H

#include <stddef.h>

/// Bytes between the caller's frame and the low end of this thread's stack, and (`size`, if not
/// NULL) the stack's size; PTRDIFF_MAX for both when the system does not say where the stack is.
ptrdiff_t gt_stack_remaining(ptrdiff_t *size);

#endif
