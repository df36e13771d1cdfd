// A minimal check for the core's C++ tests: CHECK(cond) reports the failed
// condition with its place and the test goes on; main returns failures().
#pragma once

#include <cstdio>

namespace fasttda::test {

inline int& failures() {
    static int count = 0;
    return count;
}

}  // namespace fasttda::test

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            ++fasttda::test::failures();                                                 \
        }                                                                                \
    } while (false)

#define CHECK_THROWS(expr, type)                                                  \
    do {                                                                          \
        bool thrown = false;                                                      \
        try {                                                                     \
            (void)(expr);                                                         \
        } catch (const type&) {                                                   \
            thrown = true;                                                        \
        }                                                                         \
        if (!thrown) {                                                            \
            std::fprintf(stderr, "%s:%d: %s did not throw %s\n", __FILE__, __LINE__, \
                         #expr, #type);                                           \
            ++fasttda::test::failures();                                          \
        }                                                                         \
    } while (false)
