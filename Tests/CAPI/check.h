/* The checks the C test programs count: EXPECT(condition) and OK(call returning GENTRAIN_OK). */
#ifndef GENTRAIN_TEST_CHECK_H
#define GENTRAIN_TEST_CHECK_H

#include <gentrain.h>
#include <stdio.h>
#include <string.h>

/* Atomic: the data-parallel tests check from several threads. */
static _Atomic int failures = 0, checks = 0;

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

/* The call fails with `code` and a message containing `text`. */
#define FAILS(call, code, text)                                                       \
    do {                                                                              \
        gentrain_status s_ = (call);                                                  \
        checks++;                                                                     \
        if (s_ != (code) || !strstr(gentrain_last_error(), (text))) {                 \
            failures++;                                                               \
            fprintf(stderr, "%s:%d: %s gave %s '%s', expected %s with '%s'\n",        \
                    __FILE__, __LINE__, #call, gentrain_status_name(s_),              \
                    gentrain_last_error(), gentrain_status_name(code), (text));       \
        }                                                                             \
    } while (0)

#endif
