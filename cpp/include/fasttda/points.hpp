// Point clouds as the core sees them: a row-major n×d block of floats owned by
// the caller, plus the squared distance every kernel uses.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "parallel.hpp"

namespace fasttda {

using index_t = std::int64_t;

template <class T>
struct points_view {
    const T* data = nullptr;
    std::size_t n = 0;
    std::size_t d = 0;
    const T* row(std::size_t i) const { return data + i * d; }
};

// A SIMD vector of T as a GCC and Clang vector type: 32 bytes where AVX is on,
// else 16 (SSE2 on any x86-64, NEON on Arm). Kernels that sum over
// coordinates for several points at once use it where the compiler's own
// vectorisation of the plain loop is poor.
template <class T>
struct simd {
#ifdef __AVX__
    typedef T type __attribute__((vector_size(32)));
#else
    typedef T type __attribute__((vector_size(16)));
#endif
};
template <class T>
inline constexpr std::size_t lanes = sizeof(typename simd<T>::type) / sizeof(T);

// Squared distances from q, given as its coordinates each broadcast to all
// lanes, to the W points of a block stored coordinate by coordinate
// (block[j * W + t] is coordinate j of point t), into W / L vectors of L
// lanes: the sums dist2 makes, over the coordinates in order, W at a time.
template <std::size_t W, class V, class T>
inline void block_dist2(const V* q, const T* block, std::size_t dims, V* acc) {
    constexpr std::size_t L = sizeof(V) / sizeof(T);
    for (std::size_t u = 0; u < W / L; ++u) acc[u] = V{};
    for (std::size_t j = 0; j < dims; ++j) {
        for (std::size_t u = 0; u < W / L; ++u) {
            V x;
            std::memcpy(&x, block + j * W + u * L, sizeof x);
            const V diff = q[j] - x;
            acc[u] += diff * diff;
        }
    }
}

// Bit t set where lane t of the W values in acc is at most bound.
template <std::size_t W, class V, class T>
inline unsigned within(const V* acc, T bound) {
    constexpr std::size_t L = sizeof(V) / sizeof(T);
    unsigned mask = 0;
    for (std::size_t u = 0; u < W / L; ++u) {
        const auto le = acc[u] <= (V{} + bound);  // lanes of all ones or zeros
#if defined(__AVX__)
        if constexpr (sizeof(T) == 4) mask |= unsigned(_mm256_movemask_ps(reinterpret_cast<__m256>(le))) << (u * L);
        else mask |= unsigned(_mm256_movemask_pd(reinterpret_cast<__m256d>(le))) << (u * L);
#elif defined(__SSE2__)
        if constexpr (sizeof(T) == 4) mask |= unsigned(_mm_movemask_ps(reinterpret_cast<__m128>(le))) << (u * L);
        else mask |= unsigned(_mm_movemask_pd(reinterpret_cast<__m128d>(le))) << (u * L);
#else
        for (std::size_t l = 0; l < L; ++l) mask |= unsigned(le[l] != 0) << (u * L + l);
#endif
    }
    return mask;
}

// Squared Euclidean distance. D > 0 fixes the dimension at compile time so the
// loop unrolls and vectorises; D == 0 reads it at run time.
template <int D, class T>
inline T dist2(const T* a, const T* b, std::size_t d) {
    T s = 0;
    if constexpr (D > 0) {
        for (int j = 0; j < D; ++j) {
            const T t = a[j] - b[j];
            s += t * t;
        }
    } else {
        for (std::size_t j = 0; j < d; ++j) {
            const T t = a[j] - b[j];
            s += t * t;
        }
    }
    return s;
}

// Points stored coordinate by coordinate, coordinate j of point t at C[j * m + t]:
// the layout of the vectorised scans over one cluster (Prim's tree, the pair
// extremes). The squared distance of point t to q, summed in coordinate order
// as dist2 sums: those scans compare each other's sums, so all must round alike.
template <class T>
inline T column_dist2(const T* C, std::size_t m, std::size_t d, std::size_t t, const T* q) {
    T s = 0;
    for (std::size_t j = 0; j < d; ++j) {
        const T u = C[j * m + t] - q[j];
        s += u * u;
    }
    return s;
}

// visit(t, lane) for t in [a, b): whole groups of W points in lanes 0..W-1, the
// rest in lane 0, so a minimum or maximum kept per lane vectorises over a group
// (either is exact in any order).
template <std::size_t W, class Visit>
inline void in_lanes(std::size_t a, std::size_t b, Visit&& visit) {
    std::size_t t = a;
    for (; t + W <= b; t += W)
        for (std::size_t l = 0; l < W; ++l) visit(t + l, l);
    for (; t < b; ++t) visit(t, 0);
}

// Calls f(std::integral_constant<int, D>) with D the compile-time dimension for
// the common filter spaces (8: DCT coordinates of 3×3 filters, 9: raw 3×3),
// and D = 0 (run-time dimension) otherwise.
template <class F>
decltype(auto) dispatch_dim(std::size_t d, F&& f) {
    switch (d) {
        case 2: return f(std::integral_constant<int, 2>{});
        case 3: return f(std::integral_constant<int, 3>{});
        case 8: return f(std::integral_constant<int, 8>{});
        case 9: return f(std::integral_constant<int, 9>{});
        default: return f(std::integral_constant<int, 0>{});
    }
}

// A number as an error message shows it: shortest form, as Python's repr would.
inline std::string format_number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    for (int digits = 1; digits < 17; ++digits) {  // fewest digits that read back the same
        char shorter[32];
        std::snprintf(shorter, sizeof shorter, "%.*g", digits, x);
        if (std::strtod(shorter, nullptr) == x) return shorter;
    }
    return buf;
}

// Rejects what would make a kernel misbehave: an empty cloud and non-finite
// coordinates (a NaN breaks the ordering a tree or a sort relies on).
template <class T>
void check_points(const points_view<T>& X, const exec_policy& policy) {
    if (X.n == 0) throw std::invalid_argument("the point cloud is empty (0 points)");
    if (X.d == 0) throw std::invalid_argument("the points have 0 coordinates");
    std::atomic<bool> bad{false};
    parallel_for(policy, X.n * X.d, 1 << 16, [&](unsigned, std::size_t b, std::size_t e) {
        bool ok = true;
        for (std::size_t i = b; i < e; ++i) ok &= std::isfinite(X.data[i]);
        if (!ok) bad.store(true, std::memory_order_relaxed);
    });
    if (bad) throw std::invalid_argument("the point cloud contains NaN or infinite coordinates");
}

}  // namespace fasttda
