// Mapper's cover (Singh, Mémoli & Carlsson 2007): overlapping intervals per
// lens coordinate, and the hypercubes (products of intervals) each point lies in.
//
// Lens coordinate c has k_c closed intervals of equal length L whose
// neighbours share overlap·L, so the step is s = L(1 - overlap) and
// L + (k_c - 1)s spans [min, max] exactly. "Balanced" covers do the same in
// rank space (ranks 0..n-1 of the sorted values) and map the ends back to lens
// values, so each interval holds about the same number of points. A point on a
// boundary belongs to every interval containing it; the first and last
// intervals reach to -inf/+inf and a point is always put in the last interval
// starting at or below it, so rounding can never leave a point uncovered. A
// constant coordinate gets one interval. Cubes are products of intervals,
// numbered row-major (coordinate 0 most significant).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "parallel.hpp"
#include "points.hpp"

namespace fasttda {

// Nominal interval ends of one lens coordinate.
inline void cover_coordinate(const double* lens, std::size_t n, std::size_t dl, std::size_t c, std::size_t k,
                             double overlap, bool balanced, std::vector<double>& lower, std::vector<double>& upper) {
    double lo = lens[c], hi = lens[c];
    for (std::size_t i = 1; i < n; ++i) lo = std::min(lo, lens[i * dl + c]), hi = std::max(hi, lens[i * dl + c]);
    if (!(hi > lo)) k = 1;  // a constant coordinate: one interval
    std::vector<double> v;  // balanced: the sorted values
    if (balanced) {
        v.resize(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = lens[i * dl + c];
        std::sort(v.begin(), v.end());
    }
    const double span = balanced ? static_cast<double>(n - 1) : hi - lo;
    const double L = span / (1.0 + static_cast<double>(k - 1) * (1.0 - overlap));
    const double s = L * (1.0 - overlap);
    lower.assign(k, lo), upper.assign(k, hi);
    for (std::size_t j = 0; j < k; ++j) {
        const double a = static_cast<double>(j) * s, b = a + L;
        if (balanced) {
            const auto at = [&](double r) { return v[std::min(n - 1, static_cast<std::size_t>(std::max(0.0, r)))]; };
            if (j > 0) lower[j] = at(std::ceil(a - 1e-9));
            if (j + 1 < k) upper[j] = at(std::floor(b + 1e-9));
        } else {
            if (j > 0) lower[j] = lo + a;
            if (j + 1 < k) upper[j] = lo + b;
        }
    }
    for (std::size_t j = 0; j + 1 < k; ++j) upper[j] = std::max(upper[j], lower[j + 1]);  // no gaps from rounding
}

// The intervals [first, last] of one coordinate that contain x: all whose
// closed range holds x, and always the last one starting at or below x.
inline void intervals_of(double x, const std::vector<double>& lower, const std::vector<double>& upper,
                         std::size_t& first, std::size_t& last) {
    last = static_cast<std::size_t>(std::upper_bound(lower.begin() + 1, lower.end(), x) - lower.begin()) - 1;
    first = static_cast<std::size_t>(std::lower_bound(upper.begin(), upper.end() - 1, x) - upper.begin());
    first = std::min(first, last);
}

// One coordinate's interval ends, padded for intervals_near's branch-free
// counts: lo[4 + j] = lower[j] for 1 <= j < k, -inf at j <= 0 and +inf at
// j >= k; up[4 + f] = upper[f] for f < k - 1, -inf below 0, +inf from k - 1.
// The guess at x's last interval is (x - origin) · per: exact for equal
// intervals (per = 1 / step), a poor start for balanced ones.
struct interval_ends {
    std::vector<double> lo, up;
    double origin = 0, per = 0;
    std::size_t k = 1;

    interval_ends(const std::vector<double>& lower, const std::vector<double>& upper) : k(lower.size()) {
        constexpr double inf = std::numeric_limits<double>::infinity();
        lo.assign(k + 9, inf), up.assign(k + 9, inf);
        for (std::size_t j = 0; j < 5; ++j) lo[j] = -inf;
        for (std::size_t j = 1; j < k; ++j) lo[4 + j] = lower[j];
        for (std::size_t f = 0; f < 4; ++f) up[f] = -inf;
        for (std::size_t f = 0; f + 1 < k; ++f) up[4 + f] = upper[f];
        origin = lower[0];
        if (k > 1 && lower[1] > lower[0]) per = 1 / (lower[1] - lower[0]);
    }
};

// intervals_of from the guess: the last interval is the count of lower ends
// (past the first) at or below x, the first the count of upper ends (before
// the last) below x, both sorted; each is counted in a window of 3 ends
// around the guess, and the window is checked to hold the answer (the end
// before it on the near side of x, for the last also the one after it on the
// far side), else the binary search. The same answer either way; no branch on x in the usual case.
inline void intervals_near(double x, const std::vector<double>& lower, const std::vector<double>& upper,
                           const interval_ends& e, std::size_t& first, std::size_t& last) {
    const double g = (x - e.origin) * e.per;
    const std::ptrdiff_t j0 = g >= 1 ? static_cast<std::ptrdiff_t>(std::min(g, static_cast<double>(e.k))) - 1 : 0;
    const double* L = e.lo.data() + 4;
    const std::ptrdiff_t l = j0 + (L[j0 + 1] <= x) + (L[j0 + 2] <= x) + (L[j0 + 3] <= x);
    const std::ptrdiff_t f0 = l >= 2 ? l - 2 : 0;
    const double* U = e.up.data() + 4;
    const std::ptrdiff_t f = f0 + (U[f0] < x) + (U[f0 + 1] < x) + (U[f0 + 2] < x);
    // No check after the window of the first: upper[l] >= lower[l + 1] > x (no gaps), and l is in it.
    const bool ok = (L[j0] <= x) & (L[j0 + 4] > x) & (U[f0 - 1] < x);
    if (!ok) return intervals_of(x, lower, upper, first, last);
    last = static_cast<std::size_t>(l), first = static_cast<std::size_t>(std::min(f, l));
}

// The points of each cube that holds any: cube numbers cube_of (increasing)
// and, for the q-th, members[start[q] .. start[q+1]) in point order.
//
// A counting sort by cube in two parallel passes over T contiguous parts of
// the points (find each point's intervals and count its cubes per part; then
// place it): the parts' counts are laid out cube by cube, part by part, so
// every cube's points come out in point order whatever T is. Far more cubes
// than points: (cube, point) pairs sorted instead.
inline void assign_cubes(const double* lens, std::size_t n, std::size_t dl, const std::vector<std::vector<double>>& lower,
                         const std::vector<std::vector<double>>& upper, const std::vector<index_t>& stride,
                         const exec_policy& policy, std::vector<index_t>& cube_of, std::vector<index_t>& start,
                         std::vector<index_t>& members) {
    std::vector<std::uint32_t> first(n * dl), last(n * dl);  // at most 2^24 intervals per coordinate
    std::vector<interval_ends> ends;
    for (std::size_t c = 0; c < dl; ++c) ends.emplace_back(lower[c], upper[c]);
    const auto intervals = [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t c = 0; c < dl; ++c) {
                const double x = lens[i * dl + c];
                std::size_t f = 0, l = 0;
                intervals_near(x, lower[c], upper[c], ends[c], f, l);
                first[i * dl + c] = static_cast<std::uint32_t>(f), last[i * dl + c] = static_cast<std::uint32_t>(l);
            }
    };
    // Every cube of point i, in increasing order (coordinate 0 outermost): at most 3 coordinates.
    const index_t s0 = stride[0], s1 = dl > 1 ? stride[1] : 0, s2 = dl > 2 ? stride[2] : 0;
    const auto each_cube = [&](std::size_t i, auto&& f) {
        const std::uint32_t* F = first.data() + i * dl;
        const std::uint32_t* L = last.data() + i * dl;
        const std::uint32_t f1 = dl > 1 ? F[1] : 0, l1 = dl > 1 ? L[1] : 0, f2 = dl > 2 ? F[2] : 0, l2 = dl > 2 ? L[2] : 0;
        for (std::uint32_t a = F[0]; a <= L[0]; ++a)
            for (std::uint32_t b = f1; b <= l1; ++b)
                for (std::uint32_t c = f2; c <= l2; ++c) f(static_cast<index_t>(a) * s0 + static_cast<index_t>(b) * s1 + static_cast<index_t>(c) * s2);
    };
    const auto cubes = static_cast<std::size_t>(stride[0]) * lower[0].size();
    cube_of.clear(), start.assign(1, 0), members.clear();
    if (cubes > 4 * n + 1024) {  // far more cubes than points: sort the (cube, point) pairs
        parallel_for(policy, n, 4096, [&](unsigned, std::size_t b, std::size_t e) { intervals(b, e); });
        std::vector<std::pair<index_t, index_t>> pairs;
        for (std::size_t i = 0; i < n; ++i) each_cube(i, [&](index_t q) { pairs.emplace_back(q, static_cast<index_t>(i)); });
        std::sort(pairs.begin(), pairs.end());
        members.resize(pairs.size());
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            if (k == 0 || pairs[k].first != pairs[k - 1].first) {
                if (k > 0) start.push_back(static_cast<index_t>(k));
                cube_of.push_back(pairs[k].first);
            }
            members[k] = pairs[k].second;
        }
        if (!pairs.empty()) start.push_back(static_cast<index_t>(pairs.size()));
        return;
    }
    // T parts of at least 8192 points, and no more count arrays than the points would fill.
    std::size_t T = std::min<std::size_t>(resolve_threads(policy.n_threads), std::max<std::size_t>(1, n / 8192));
    while (T > 1 && T * (cubes + 1) > 2 * n + 4096) --T;
    const std::size_t part = (n + T - 1) / T;
    std::vector<index_t> at(T * cubes, 0);  // at[t * cubes + q]: points of part t in cube q, then where they go
    parallel_for(policy, n, part, [&](unsigned, std::size_t b, std::size_t e) {
        intervals(b, e);
        index_t* count = at.data() + (b / part) * cubes;
        for (std::size_t i = b; i < e; ++i) each_cube(i, [&](index_t q) { ++count[q]; });
    });
    index_t total = 0;
    for (std::size_t q = 0; q < cubes; ++q) {
        const index_t before = total;
        for (std::size_t t = 0; t < T; ++t) {
            const index_t k = at[t * cubes + q];
            at[t * cubes + q] = total, total += k;
        }
        if (total > before) cube_of.push_back(static_cast<index_t>(q)), start.push_back(total);
    }
    members.resize(static_cast<std::size_t>(total));
    parallel_for(policy, n, part, [&](unsigned, std::size_t b, std::size_t e) {
        index_t* to = at.data() + (b / part) * cubes;
        for (std::size_t i = b; i < e; ++i) each_cube(i, [&](index_t q) { members[static_cast<std::size_t>(to[q]++)] = static_cast<index_t>(i); });
    });
}

}  // namespace fasttda
