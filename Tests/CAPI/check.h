/* The checks the C test programs count: EXPECT(condition) and OK(call returning GENTRAIN_OK). */
#ifndef GENTRAIN_TEST_CHECK_H
#define GENTRAIN_TEST_CHECK_H

#include <gentrain.h>
#include <stdio.h>

static int failures = 0, checks = 0;

#define EXPECT(cond)                                                                  \
    do {                                                                              \
        checks++;                                                                     \
        if (!(cond)) {                                                                \
            failures++;                                                               \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                             \
    } while (0)

#define OK(call)                                                                      \
    do {                                                                              \
        gentrain_status s_ = (call);                                                  \
        checks++;                                                                     \
        if (s_ != GENTRAIN_OK) {                                                      \
            failures++;                                                               \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call,      \
                    gentrain_last_error());                                           \
        }                                                                             \
    } while (0)

#endif
