// Max–min (farthest point) landmarks, de Silva & Carlsson 2004: each new
// landmark is the point farthest from those already chosen.
//
// One team of threads lives for the whole selection; each thread owns a fixed
// slice of the points and their distance to the nearest landmark. A round
// updates the slice with the newest landmark and proposes the slice's farthest
// point; after a barrier every thread takes the same winner (largest distance,
// then smallest index), so the result does not depend on the thread count.
// Each thread copies its slice into blocks of 16 points stored coordinate by
// coordinate, so one round's distances vectorise across points; the sums run
// over the coordinates in order, as everywhere else, so values are unchanged.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "parallel.hpp"
#include "points.hpp"

namespace fasttda {

template <class T>
struct maxmin_result {
    std::vector<index_t> landmarks;
    double cover_radius;  // largest distance from a point to its nearest landmark
};

// The number of landmarks as the caller gave it (signed, so a negative one is
// reported, not wrapped).
inline void check_landmarks(std::int64_t n_landmarks, std::size_t n) {
    if (n_landmarks < 1 || static_cast<std::uint64_t>(n_landmarks) > n)
        throw std::invalid_argument("n_landmarks must be between 1 and the number of points (n=" + std::to_string(n) +
                                    "), got " + std::to_string(n_landmarks));
}

template <class T>
maxmin_result<T> maxmin(const points_view<T>& X, std::size_t n_landmarks, index_t first, const exec_policy& policy) {
    check_points(X, policy);
    check_landmarks(static_cast<std::int64_t>(n_landmarks), X.n);
    if (first < 0 || static_cast<std::size_t>(first) >= X.n)
        throw std::invalid_argument("the first landmark index is out of range");

    struct proposal {
        T dist2;
        index_t index;
    };
    const unsigned threads = static_cast<unsigned>(
        std::min<std::size_t>(resolve_threads(policy.n_threads), std::max<std::size_t>(1, X.n / 4096)));
    std::vector<proposal> slots(2 * threads);  // two rounds' worth: a fast thread never overwrites a slot still read
    maxmin_result<T> result{{first}, 0.0};
    result.landmarks.reserve(n_landmarks);
    std::atomic<bool> cancelled{false};

    barrier sync(threads, cancelled);
    dispatch_dim(X.d, [&](auto D) {
        constexpr int dim = decltype(D)::value;
        constexpr std::size_t W = 16;
        using V = typename simd<T>::type;
        constexpr std::size_t L = sizeof(V) / sizeof(T);
        const std::size_t d = X.d;
        run_team(policy, threads, [&](unsigned tid, const std::atomic<bool>& cancel) {
            struct leave_on_error {
                barrier& b;
                bool done = false;
                ~leave_on_error() { if (!done) b.leave(); }
            } guard{sync};
            const std::size_t b = X.n * tid / threads, e = X.n * (tid + 1) / threads;
            const std::size_t blocks = (e - b + W - 1) / W;
            std::vector<T> coords(blocks * d * W, T(0));
            std::vector<T> nearest(blocks * W, T(-1));  // padding stays -1: never proposed
            for (std::size_t i = b; i < e; ++i) {
                const std::size_t blk = (i - b) / W, t = (i - b) % W;
                for (std::size_t j = 0; j < d; ++j) coords[(blk * d + j) * W + t] = X.row(i)[j];
                nearest[i - b] = std::numeric_limits<T>::infinity();
            }
            std::vector<V> lanes_of_l(d);  // the newest landmark in every lane
            index_t newest = first;
            for (std::size_t chosen = 1, round = 0;; ++round) {
                const T* l = X.row(static_cast<std::size_t>(newest));
                for (std::size_t j = 0; j < d; ++j) lanes_of_l[j] = V{} + l[j];
                // A landmark is marked -1 so it is never chosen twice, even among duplicates.
                if (static_cast<std::size_t>(newest) >= b && static_cast<std::size_t>(newest) < e)
                    nearest[static_cast<std::size_t>(newest) - b] = T(-1);
                proposal best{-1, -1};
                for (std::size_t blk = 0; blk < blocks; ++blk) {
                    // Explicit SIMD lanes: the plain loop was vectorised badly.
                    V acc[W / L];
                    block_dist2<W>(lanes_of_l.data(), coords.data() + blk * d * W, dim > 0 ? std::size_t(dim) : d, acc);
                    T* nb = nearest.data() + blk * W;
                    V most = V{} - 1;
                    for (std::size_t v = 0; v < W / L; ++v) {
                        V old;
                        std::memcpy(&old, nb + v * L, sizeof old);
                        const V now = old < acc[v] ? old : acc[v];
                        std::memcpy(nb + v * L, &now, sizeof now);
                        most = most > now ? most : now;
                    }
                    T top = most[0];
                    for (std::size_t t = 1; t < L; ++t) top = top > most[t] ? top : most[t];
                    if (top > best.dist2) {
                        std::size_t t = 0;
                        while (nb[t] != top) ++t;
                        best = {top, static_cast<index_t>(b + blk * W + t)};
                    }
                }
                slots[(round & 1) * threads + tid] = best;
                if (cancel.load(std::memory_order_relaxed)) cancelled.store(true);
                if (!sync.arrive_and_wait()) break;
                proposal win{-1, -1};
                for (unsigned t = 0; t < threads; ++t) {
                    const proposal& p = slots[(round & 1) * threads + t];
                    if (p.dist2 > win.dist2 || (p.dist2 == win.dist2 && p.index < win.index)) win = p;
                }
                if (chosen == n_landmarks) {  // every point has seen every landmark
                    if (tid == 0) result.cover_radius = std::sqrt(std::max(0.0, static_cast<double>(win.dist2)));
                    break;
                }
                if (tid == 0) result.landmarks.push_back(win.index);
                newest = win.index;
                ++chosen;
            }
            guard.done = true;
        });
    });
    return result;
}

}  // namespace fasttda
