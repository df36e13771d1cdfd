// The kd-tree searches against brute force: k-NN (ranked by distance, then
// index), codensity, the dense core with every search radius, and the
// closed-ball radius graph.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include "check.hpp"
#include "fasttda/neighbours.hpp"
#include "random_points.hpp"

using namespace fasttda;

template <class T>
std::vector<std::pair<T, index_t>> brute_neighbours(const points_view<T>& X, std::size_t i) {
    std::vector<std::pair<T, index_t>> all;
    for (std::size_t j = 0; j < X.n; ++j)
        if (j != i) all.emplace_back(test::sq_dist(X, i, j), static_cast<index_t>(j));
    std::sort(all.begin(), all.end());
    return all;
}

template <class T>
void check_cloud(std::size_t n, std::size_t d, std::size_t k, unsigned seed, bool grid, unsigned threads) {
    const std::vector<T> data = test::uniform<T>(n, d, seed, grid);
    const points_view<T> X{data.data(), n, d};
    exec_policy policy;
    policy.n_threads = threads;
    std::vector<index_t> idx(n * k);
    std::vector<T> dist(n * k), rho(n);
    knn(X, k, policy, idx.data(), dist.data());
    codensity(X, k, policy, rho.data());
    std::vector<T> want_rho(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto want = brute_neighbours(X, i);
        for (std::size_t j = 0; j < k; ++j) {
            CHECK(idx[i * k + j] == want[j].second);
            CHECK(dist[i * k + j] == std::sqrt(want[j].first));
        }
        want_rho[i] = std::sqrt(want[k - 1].first);
        CHECK(rho[i] == want_rho[i]);
    }
    // The dense core: the `count` smallest codensities, ties by index, for the
    // sampled radius and for radii forced below, at and above the core's.
    const std::size_t count = std::max<std::size_t>(1, n / 3);
    std::vector<index_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](index_t a, index_t b) { return want_rho[a] < want_rho[b]; });
    const double median = static_cast<double>(want_rho[static_cast<std::size_t>(order[n / 2])]);
    for (double radius : {-1.0, 0.0, median, 4.0}) {
        const auto core = dense_core(X, k, count, policy, radius);
        CHECK(core.indices.size() == count);
        for (std::size_t j = 0; j < count && j < core.indices.size(); ++j) {
            CHECK(core.indices[j] == order[j]);
            CHECK(core.codensity[j] == want_rho[static_cast<std::size_t>(order[j])]);
        }
    }
    // Radius graph: every pair i < j with d <= r, closed, sorted by (i, j).
    const double r = 0.6;
    const auto g = radius_graph(X, r, policy);
    const T r2 = static_cast<T>(r) * static_cast<T>(r);
    std::vector<index_t> want_pairs;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j)
            if (test::sq_dist(X, i, j) <= r2) want_pairs.push_back(static_cast<index_t>(i)), want_pairs.push_back(static_cast<index_t>(j));
    CHECK(g.pairs == want_pairs);
    CHECK(g.dist.size() * 2 == g.pairs.size());
}

// knn_buffer fed blocks of candidates as a leaf scan feeds it, against a full
// sort by (distance, original index): distances with many ties, all zero,
// subnormal, huge, mixed, so the histogram cut's buckets and its fallbacks run.
template <class T>
void check_buffer(std::size_t k, std::size_t m, int kind, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::vector<index_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<T> d2(m);
    std::uniform_real_distribution<double> u(0, 1);
    for (auto& v : d2) {
        const double x = u(rng);
        switch (kind) {
            case 0: v = static_cast<T>(x); break;                                  // spread
            case 1: v = static_cast<T>(std::floor(x * 4)); break;                  // 4 values: ties
            case 2: v = T(0); break;                                               // duplicates only
            case 3: v = std::numeric_limits<T>::denorm_min() * static_cast<T>(1 + std::floor(x * 50)); break;
            case 4: v = x < 0.5 ? T(0) : static_cast<T>(x * 1e30); break;         // zeros and huge
            default: v = static_cast<T>(0.9 + 0.1 * x * x * x); break;            // piled up near the top
        }
    }
    const index_t self = static_cast<index_t>(rng() % m);
    knn_buffer<T> nearest(k, order.data());
    nearest.reset(self);
    constexpr std::size_t W = 8;
    for (std::size_t b = 0; b < m; b += W) {
        T block[W] = {};
        unsigned mask = 0;
        for (std::size_t t = 0; t < W && b + t < m; ++t) {
            block[t] = d2[b + t];
            mask |= unsigned(block[t] <= nearest.bound()) << t;
        }
        nearest.template visit_block<W>(block, mask, static_cast<index_t>(b));
    }
    std::vector<std::pair<T, index_t>> want;
    for (std::size_t p = 0; p < m; ++p)
        if (static_cast<index_t>(p) != self) want.emplace_back(d2[p], order[p]);
    std::sort(want.begin(), want.end());
    using R = typename knn_buffer<T>::R;
    CHECK(nearest.full());
    CHECK(nearest.kth() == want[k - 1].first);
    const auto* got = nearest.sorted();
    for (std::size_t j = 0; j < k; ++j) {
        CHECK(R::dist2(got[j]) == want[j].first);
        CHECK(R::index(got[j]) == want[j].second);
    }
}

int main() {
    for (int kind = 0; kind < 6; ++kind)
        for (std::size_t k : {1, 7, 31, 32, 33, 64, 100, 257})
            for (std::size_t m : {k + 1, 2 * k + 3, 5 * k + 11, 40 * k + 5})
                for (unsigned seed = 0; seed < 3; ++seed) {
                    check_buffer<float>(k, m, kind, seed + 100 * unsigned(kind));
                    check_buffer<double>(k, m, kind, seed + 100 * unsigned(kind));
                }
    check_cloud<double>(300, 2, 5, 1, false, 3);
    check_cloud<float>(400, 8, 12, 2, false, 2);
    check_cloud<double>(250, 5, 7, 3, false, 1);
    check_cloud<float>(300, 3, 6, 4, true, 4);  // ties and duplicates
    check_cloud<double>(4000, 8, 15, 5, false, 0);  // large enough for the sampled dense-core radius
    check_cloud<float>(1500, 8, 100, 6, false, 2);   // k large enough for the histogram cut
    check_cloud<float>(1200, 3, 60, 7, true, 3);     // the cut on ties and duplicates
    check_cloud<double>(900, 4, 45, 8, false, 0);
    {
        // A pair at exactly the radius belongs to the radius graph (closed balls).
        const std::vector<double> line{0.0, 1.0, 3.0};
        const auto g = radius_graph(points_view<double>{line.data(), 3, 1}, 1.0, exec_policy{});
        CHECK((g.pairs == std::vector<index_t>{0, 1}));
    }
    {
        // Parts of the queries put together equal the whole call, for any number of parts.
        const std::size_t n = 500, k = 7;
        const std::vector<float> data = test::uniform<float>(n, 8, 9, false);
        const points_view<float> X{data.data(), n, 8};
        std::vector<index_t> idx(n * k);
        std::vector<float> dist(n * k), rho(n);
        knn(X, k, exec_policy{}, idx.data(), dist.data());
        codensity(X, k, exec_policy{}, rho.data());
        for (std::size_t parts : {1, 3, 7}) {
            std::vector<int> seen(n, 0);
            for (std::size_t part = 0; part < parts; ++part) {
                const auto c = codensity_part(X, k, part, parts, exec_policy{});
                const auto r = knn_part(X, k, part, parts, exec_policy{});
                CHECK(c.queries == r.queries);
                for (std::size_t q = 0; q < c.queries.size(); ++q) {
                    const auto i = static_cast<std::size_t>(c.queries[q]);
                    ++seen[i];
                    CHECK(c.codensity[q] == rho[i]);
                    for (std::size_t j = 0; j < k; ++j) {
                        CHECK(r.indices[q * k + j] == idx[i * k + j]);
                        CHECK(r.distances[q * k + j] == dist[i * k + j]);
                    }
                }
            }
            CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<std::ptrdiff_t>(n));
        }
        CHECK_THROWS(codensity_part(X, k, 3, 3, exec_policy{}), std::invalid_argument);
        CHECK_THROWS(codensity_part(X, k, 0, 0, exec_policy{}), std::invalid_argument);
    }
    CHECK_THROWS(check_k(0, 10), std::invalid_argument);
    CHECK_THROWS(check_k(-3, 10), std::invalid_argument);
    CHECK_THROWS(check_k(10, 10), std::invalid_argument);
    check_k(9, 10);
    return test::failures() ? 1 : 0;
}
