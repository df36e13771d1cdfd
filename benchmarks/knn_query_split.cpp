// Where one k-NN query's time goes in the kd-tree search codensity runs, in
// thread CPU time (the machine is shared). The search is recorded once (the
// leaves it scans, in order, and the bound after each); each part is then
// replayed alone over the same queries. Columns (µs per query):
//
//   full     the library's search (tree.search with a knn_buffer), with the
//            buffer as it was (std::nth_element cuts: "before") and as it is now;
//   walk     the same nodes visited, the bound set to the recorded one at each
//            leaf, no distance computed;
//   kernel   the recorded leaves' distance blocks and lane masks against the
//            recorded bounds, no candidate kept;
//   L1       as kernel, every block read from one leaf (L1-resident data);
//   scan     the recorded leaves with a real buffer, before and now (kernel +
//            branch on the mask + appends + cuts), block by block as the search
//            scanned before kdtree::scan_leaf's two passes;
//   dot      as kernel, the distance as |q|^2 + |x|^2 - 2 q.x (one FMA per
//            coordinate, norms stored): the unit-norm trick's filter alone;
//   appends  as kernel, plus the branch on each block's mask and the appends of
//            the candidates within the recorded bound, never cut.
//
// Points: a float32 n×8 file (row-major), e.g. from Python
//   fasttda.datasets.filter_like(10**6, seed=0).tofile("X.f32")
// Build (the AVX2 module's flags) and run:
//   g++ -std=c++17 -O3 -mavx2 -mfma -ffp-contract=off -Icpp/include benchmarks/knn_query_split.cpp -o split
//   ./split X.f32 [k=100] [queries=20000] [rounds=3] [full]   (full: the two full searches alone)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "fasttda/neighbours.hpp"
using namespace fasttda;
using T = float;
using V = simd<T>::type;
using tree_t = kdtree<T>;
constexpr std::size_t W = tree_t::W;
constexpr std::size_t D = 8;

static double cpu() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// The library's search_node, with the leaf handed to leaf(node) and the bound read from bound().
template <class Leaf, class Bound>
void walk(const tree_t& tree, std::int32_t id, const T* q, T* offsets, T lower, Leaf& leaf, Bound& bound,
          std::size_t& nodes) {
    ++nodes;
    const auto& nd = tree.nodes()[static_cast<std::size_t>(id)];
    if (nd.left < 0) {
        leaf(nd);
        return;
    }
    const T x = q[nd.dim];
    const T to_low = x - nd.low_max, to_high = nd.high_min - x;
    std::int32_t near, far;
    T gap;
    if (to_low < to_high) near = nd.left, far = nd.right, gap = to_high;
    else near = nd.right, far = nd.left, gap = to_low;
    walk(tree, near, q, offsets, lower, leaf, bound, nodes);
    const T old = offsets[nd.dim];
    const T now = gap > 0 ? gap * gap : T(0);
    const T far_lower = lower - old + now;
    if (far_lower <= bound()) {
        offsets[nd.dim] = now;
        walk(tree, far, q, offsets, far_lower, leaf, bound, nodes);
        offsets[nd.dim] = old;
    }
}

// knn_buffer as it was before its histogram cut: std::nth_element on the 2k candidates.
class knn_buffer_nth {
public:
    using R = ranked<T>;
    using item = R::type;
    knn_buffer_nth(std::size_t k, const index_t* order) : k_(k), order_(order), items_(2 * k + 32) {}
    void reset(index_t self_pos) { size_ = ranked_ = 0, self_ = self_pos, bound_ = std::numeric_limits<T>::infinity(); }
    T bound() const { return bound_; }
    template <std::size_t W_>
    void visit_block(const T* d2, unsigned mask, index_t pos) {
        if (static_cast<std::uint64_t>(self_ - pos) < W_) mask &= ~(1u << (self_ - pos));
        item* out = items_.data() + size_;
        for (std::size_t t = 0; t < W_; ++t) {
            *out = R::make(d2[t], pos + static_cast<index_t>(t));
            out += (mask >> t) & 1u;
        }
        const std::size_t before = size_;
        size_ = static_cast<std::size_t>(out - items_.data());
        if (size_ >= 2 * k_) {
            cut();
        } else if (size_ >= k_ && before < k_) {
            T most = 0;
            for (std::size_t i = 0; i < size_; ++i) most = std::max(most, R::dist2(items_[i]));
            bound_ = std::min(bound_, most);
        }
    }
    T kth() {
        cut();
        return R::dist2(items_[k_ - 1]);
    }

private:
    void cut() {
        for (std::size_t i = ranked_; i < size_; ++i) items_[i] = R::make(R::dist2(items_[i]), order_[R::index(items_[i])]);
        const auto first = items_.begin(), kth = first + static_cast<std::ptrdiff_t>(k_ - 1);
        std::nth_element(first, kth, first + static_cast<std::ptrdiff_t>(size_));
        size_ = ranked_ = k_;
        bound_ = R::dist2(*kth);
    }
    std::size_t k_;
    const index_t* order_;
    std::vector<item> items_;
    std::size_t size_ = 0, ranked_ = 0;
    index_t self_ = -1;
    T bound_ = std::numeric_limits<T>::infinity();
};

template <class B>
struct tag {
    using type = B;
};

struct leaf_rec {
    index_t begin, end;
    T bound_before, bound_after;
};

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s X.f32 [k] [queries] [rounds]\n", argv[0]);
        return 2;
    }
    const std::size_t k = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100;
    const std::size_t nq = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 20000;
    const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;
    const bool full_only = argc > 5 && std::string(argv[5]) == "full";  // the two full searches alone
    FILE* f = std::fopen(argv[1], "rb");
    if (!f) return 2;
    std::fseek(f, 0, SEEK_END);
    const std::size_t n = static_cast<std::size_t>(std::ftell(f)) / (D * sizeof(T));
    std::fseek(f, 0, SEEK_SET);
    std::vector<T> data(n * D);
    if (std::fread(data.data(), sizeof(T), data.size(), f) != data.size()) return 2;
    std::fclose(f);
    const points_view<T> X{data.data(), n, D};
    exec_policy one;
    one.n_threads = 1;
    double t0 = cpu();
    const tree_t tree(X, one, leaf_size_for(k));
    std::printf("n=%zu k=%zu leaf=%zu build %.2f s CPU\n", n, k, leaf_size_for(k), cpu() - t0);
    const std::size_t first = n / 3;
    const T inf = std::numeric_limits<T>::infinity();

    // Record: the library's leaf scan, with the leaves and bounds kept.
    std::vector<std::vector<leaf_rec>> recs(nq);
    std::vector<T> kth(nq);
    std::size_t nodes_total = 0, dists = 0, appended = 0, live_blocks = 0;
    {
        knn_buffer<T> nearest(k, tree.order().data());
        std::vector<T> q(D), off(D, 0);
        std::vector<V> ql(D);
        for (std::size_t i = 0; i < nq; ++i) {
            const std::size_t pos = first + i;
            tree.get(pos, q.data());
            for (std::size_t j = 0; j < D; ++j) ql[j] = V{} + q[j];
            nearest.reset(static_cast<index_t>(pos));
            auto bound = [&] { return nearest.bound(); };
            auto leaf = [&](const tree_t::node& nd) {
                leaf_rec r{nd.begin, nd.end, nearest.bound(), 0};
                for (index_t b = nd.begin / index_t(W) * index_t(W); b < nd.end; b += index_t(W)) {
                    V acc[W / lanes<T>];
                    block_dist2<W>(ql.data(), tree.blocks() + std::size_t(b) * D, D, acc);
                    const index_t lo = std::max<index_t>(0, nd.begin - b), hi = std::min<index_t>(W, nd.end - b);
                    unsigned mask = within<W>(acc, nearest.bound()) & ((1u << hi) - (1u << lo));
                    dists += std::size_t(hi - lo);
                    if (!mask) continue;
                    ++live_blocks;
                    T d2[W];
                    std::memcpy(d2, acc, sizeof d2);
                    const index_t self = static_cast<index_t>(pos);
                    unsigned m = mask;
                    if (static_cast<std::uint64_t>(self - b) < W) m &= ~(1u << (self - b));
                    appended += std::size_t(__builtin_popcount(m));
                    nearest.visit_block<W>(d2, mask, b);
                }
                r.bound_after = nearest.bound();
                recs[i].push_back(r);
            };
            walk(tree, 0, q.data(), off.data(), T(0), leaf, bound, nodes_total);
            kth[i] = nearest.kth();
        }
    }
    std::size_t leaves = 0;
    for (auto& r : recs) leaves += r.size();
    std::printf("per query: %.0f nodes, %.1f leaves, %.0f distances, %.1f blocks with a candidate, %.0f candidates\n",
                double(nodes_total) / nq, double(leaves) / nq, double(dists) / nq, double(live_blocks) / nq,
                double(appended) / nq);

    double sink = 0;
    auto full = [&](auto tag) {
        typename decltype(tag)::type nearest(k, tree.order().data());
        tree_t::probe probe(D);
        double s = 0;
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            const std::size_t pos = first + i;
            nearest.reset(static_cast<index_t>(pos));
            probe.at(tree, pos);
            tree.search<8>(probe, nearest);
            const T v = nearest.kth();
            if (v != kth[i]) std::printf("MISMATCH at %zu\n", i);
            s += v;
        }
        sink += s;
        return (cpu() - t) / double(nq) * 1e6;
    };
    auto walk_only = [&] {
        std::vector<T> q(D), off(D, 0);
        std::size_t nodes = 0;
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            tree.get(first + i, q.data());
            T b = inf;
            std::size_t at = 0;
            const auto& r = recs[i];
            auto bound = [&] { return b; };
            auto leaf = [&](const tree_t::node&) { b = r[at++].bound_after; };
            walk(tree, 0, q.data(), off.data(), T(0), leaf, bound, nodes);
        }
        const double dt = cpu() - t;
        if (nodes != nodes_total) std::printf("walk replay visited %zu nodes, not %zu\n", nodes, nodes_total);
        return dt / double(nq) * 1e6;
    };
    auto kernel = [&](bool l1) {
        std::vector<V> ql(D);
        unsigned acc_mask = 0;
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            const std::size_t pos = first + i;
            T q[D];
            tree.get(pos, q);
            for (std::size_t j = 0; j < D; ++j) ql[j] = V{} + q[j];
            const auto& rr = recs[i];
            const index_t home = rr[0].begin / index_t(W) * index_t(W);
            for (const auto& r : rr) {
                for (index_t b = r.begin / index_t(W) * index_t(W); b < r.end; b += index_t(W)) {
                    V acc[W / lanes<T>];
                    const index_t at = l1 ? home + (b - r.begin / index_t(W) * index_t(W)) % 128 : b;
                    block_dist2<W>(ql.data(), tree.blocks() + std::size_t(at) * D, D, acc);
                    const index_t lo = std::max<index_t>(0, r.begin - b), hi = std::min<index_t>(W, r.end - b);
                    acc_mask += within<W>(acc, r.bound_before) & ((1u << hi) - (1u << lo));
                }
            }
        }
        const double dt = cpu() - t;
        sink += acc_mask;
        return dt / double(nq) * 1e6;
    };
    // Prototype: the squared distance as |q|^2 + |x|^2 - 2 q.x, one FMA per coordinate.
    std::vector<T> norms(n);
    for (std::size_t p = 0; p < n; ++p) {
        T x[D];
        tree.get(p, x);
        T s2 = 0;
        for (std::size_t j = 0; j < D; ++j) s2 += x[j] * x[j];
        norms[p] = s2;
    }
    auto kernel_dot = [&] {
        unsigned acc_mask = 0;
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            const std::size_t pos = first + i;
            T q[D];
            tree.get(pos, q);
            V m2q[D];
            T qn = 0;
            for (std::size_t j = 0; j < D; ++j) m2q[j] = V{} - 2 * q[j], qn += q[j] * q[j];
            for (const auto& r : recs[i]) {
                for (index_t b = r.begin / index_t(W) * index_t(W); b < r.end; b += index_t(W)) {
                    const T* blk = tree.blocks() + std::size_t(b) * D;
                    V acc, acc2, x;
                    std::memcpy(&acc, norms.data() + b, sizeof acc);
                    acc += qn;
                    acc2 = V{};
                    for (std::size_t j = 0; j < D; j += 2) {
                        std::memcpy(&x, blk + j * W, sizeof x);
                        acc = reinterpret_cast<V>(_mm256_fmadd_ps(reinterpret_cast<__m256>(x), reinterpret_cast<__m256>(m2q[j]), reinterpret_cast<__m256>(acc)));
                        std::memcpy(&x, blk + (j + 1) * W, sizeof x);
                        acc2 = reinterpret_cast<V>(_mm256_fmadd_ps(reinterpret_cast<__m256>(x), reinterpret_cast<__m256>(m2q[j + 1]), reinterpret_cast<__m256>(acc2)));
                    }
                    acc += acc2;
                    const index_t lo = std::max<index_t>(0, r.begin - b), hi = std::min<index_t>(W, r.end - b);
                    acc_mask += within<W>(&acc, r.bound_before) & ((1u << hi) - (1u << lo));
                }
            }
        }
        const double dt = cpu() - t;
        sink += acc_mask;
        return dt / double(nq) * 1e6;
    };
    // The scan's branch on a block's mask and its appends, with no cut: every
    // candidate within the recorded bound goes into a buffer that is never cut.
    auto appends = [&] {
        std::vector<std::uint64_t> items(1 << 16);
        std::size_t total = 0;
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            const std::size_t pos = first + i;
            T q[D];
            tree.get(pos, q);
            V ql[D];
            for (std::size_t j = 0; j < D; ++j) ql[j] = V{} + q[j];
            std::uint64_t* out = items.data();
            for (const auto& r : recs[i]) {
                for (index_t b = r.begin / index_t(W) * index_t(W); b < r.end; b += index_t(W)) {
                    V acc[W / lanes<T>];
                    block_dist2<W>(ql, tree.blocks() + std::size_t(b) * D, D, acc);
                    const index_t lo = std::max<index_t>(0, r.begin - b), hi = std::min<index_t>(W, r.end - b);
                    const unsigned mask = within<W>(acc, r.bound_before) & ((1u << hi) - (1u << lo));
                    if (!mask) continue;
                    T d2[W];
                    std::memcpy(d2, acc, sizeof d2);
                    for (std::size_t u = 0; u < W; ++u) {
                        *out = ranked<T>::make(d2[u], b + index_t(u));
                        out += (mask >> u) & 1u;
                    }
                    if (out - items.data() > (1 << 16) - 64) out = items.data();
                }
            }
            total += std::size_t(out - items.data());
        }
        const double dt = cpu() - t;
        sink += double(total);
        return dt / double(nq) * 1e6;
    };
    auto scan = [&](auto tag) {
        typename decltype(tag)::type nearest(k, tree.order().data());
        std::vector<V> ql(D);
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            const std::size_t pos = first + i;
            T q[D];
            tree.get(pos, q);
            for (std::size_t j = 0; j < D; ++j) ql[j] = V{} + q[j];
            nearest.reset(static_cast<index_t>(pos));
            for (const auto& r : recs[i]) {
                for (index_t b = r.begin / index_t(W) * index_t(W); b < r.end; b += index_t(W)) {
                    V acc[W / lanes<T>];
                    block_dist2<W>(ql.data(), tree.blocks() + std::size_t(b) * D, D, acc);
                    const index_t lo = std::max<index_t>(0, r.begin - b), hi = std::min<index_t>(W, r.end - b);
                    const unsigned mask = within<W>(acc, nearest.bound()) & ((1u << hi) - (1u << lo));
                    if (!mask) continue;
                    T d2[W];
                    std::memcpy(d2, acc, sizeof d2);
                    nearest.template visit_block<W>(d2, mask, b);
                }
            }
            if (nearest.kth() != kth[i]) std::printf("scan replay MISMATCH at %zu\n", i);
        }
        return (cpu() - t) / double(nq) * 1e6;
    };
    const tag<knn_buffer_nth> before;
    const tag<knn_buffer<T>> now;
    std::printf("µs of thread CPU per query\n");
    std::printf("round  full:before   now   walk  kernel     L1  scan:before   now    dot  appends\n");
    for (int r = 0; r < rounds; ++r) {
        if (full_only) {
            const double a0 = full(before), a1 = full(now);
            std::printf("%5d %11.1f %5.1f\n", r, a0, a1);
            continue;
        }
        const double a0 = full(before), a1 = full(now), b = walk_only(), c = kernel(false), d = kernel(true);
        const double e0 = scan(before), e1 = scan(now), g = kernel_dot(), h = appends();
        std::printf("%5d %11.1f %5.1f %6.1f %7.1f %6.1f %12.1f %5.1f %6.1f %8.1f\n", r, a0, a1, b, c, d, e0, e1, g, h);
    }
    if (sink == 1.234) std::puts("");
}
