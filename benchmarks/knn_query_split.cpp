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

// Each W-point block that overlaps [begin, end): fn(block start, mask of its lanes inside).
template <class F>
void each_block(index_t begin, index_t end, F&& fn) {
    for (index_t b = begin / index_t(W) * index_t(W); b < end; b += index_t(W)) {
        const index_t lo = std::max<index_t>(0, begin - b), hi = std::min<index_t>(W, end - b);
        fn(b, (1u << hi) - (1u << lo));
    }
}

// The query at tree position pos, broadcast to every lane.
static void broadcast(const tree_t& tree, std::size_t pos, V* ql) {
    T q[D];
    tree.get(pos, q);
    for (std::size_t j = 0; j < D; ++j) ql[j] = V{} + q[j];
}

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
        V ql[D];
        for (std::size_t i = 0; i < nq; ++i) {
            const std::size_t pos = first + i;
            tree.get(pos, q.data());
            broadcast(tree, pos, ql);
            nearest.reset(static_cast<index_t>(pos));
            auto bound = [&] { return nearest.bound(); };
            auto leaf = [&](const tree_t::node& nd) {
                leaf_rec r{nd.begin, nd.end, nearest.bound(), 0};
                each_block(nd.begin, nd.end, [&](index_t b, unsigned inside) {
                    V acc[W / lanes<T>];
                    block_dist2<W>(ql, tree.blocks() + std::size_t(b) * D, D, acc);
                    const unsigned mask = within<W>(acc, nearest.bound()) & inside;
                    dists += std::size_t(__builtin_popcount(inside));
                    if (!mask) return;
                    ++live_blocks;
                    T d2[W];
                    std::memcpy(d2, acc, sizeof d2);
                    const index_t self = static_cast<index_t>(pos);
                    unsigned m = mask;
                    if (static_cast<std::uint64_t>(self - b) < W) m &= ~(1u << (self - b));
                    appended += std::size_t(__builtin_popcount(m));
                    nearest.visit_block<W>(d2, mask, b);
                });
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
    // Each recorded block of query i: fn(its leaf's record, block start, mask of the leaf's lanes).
    auto blocks_of = [&](std::size_t i, auto&& fn) {
        for (const auto& r : recs[i]) each_block(r.begin, r.end, [&](index_t b, unsigned inside) { fn(r, b, inside); });
    };
    auto kernel = [&](bool l1) {
        V ql[D];
        unsigned acc_mask = 0;
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            broadcast(tree, first + i, ql);
            const index_t home = recs[i][0].begin / index_t(W) * index_t(W);
            blocks_of(i, [&](const leaf_rec& r, index_t b, unsigned inside) {
                V acc[W / lanes<T>];
                const index_t at = l1 ? home + (b - r.begin / index_t(W) * index_t(W)) % 128 : b;
                block_dist2<W>(ql, tree.blocks() + std::size_t(at) * D, D, acc);
                acc_mask += within<W>(acc, r.bound_before) & inside;
            });
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
            T q[D];
            tree.get(first + i, q);
            V m2q[D];
            T qn = 0;
            for (std::size_t j = 0; j < D; ++j) m2q[j] = V{} - 2 * q[j], qn += q[j] * q[j];
            blocks_of(i, [&](const leaf_rec& r, index_t b, unsigned inside) {
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
                acc_mask += within<W>(&acc, r.bound_before) & inside;
            });
        }
        const double dt = cpu() - t;
        sink += acc_mask;
        return dt / double(nq) * 1e6;
    };
    // The recorded blocks scanned with a visitor, block by block as the search scanned before
    // kdtree::scan_leaf's two passes: fn(block start, distances, mask within the bound) per live block.
    auto scan_blocks = [&](std::size_t i, auto bound, auto&& visit) {
        V ql[D];
        broadcast(tree, first + i, ql);
        blocks_of(i, [&](const leaf_rec& r, index_t b, unsigned inside) {
            V acc[W / lanes<T>];
            block_dist2<W>(ql, tree.blocks() + std::size_t(b) * D, D, acc);
            const unsigned mask = within<W>(acc, bound(r)) & inside;
            if (!mask) return;
            T d2[W];
            std::memcpy(d2, acc, sizeof d2);
            visit(b, d2, mask);
        });
    };
    // The scan's branch on a block's mask and its appends, with no cut: every
    // candidate within the recorded bound goes into a buffer that is never cut.
    auto appends = [&] {
        std::vector<std::uint64_t> items(1 << 16);
        std::size_t total = 0;
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            std::uint64_t* out = items.data();
            scan_blocks(i, [](const leaf_rec& r) { return r.bound_before; }, [&](index_t b, const T* d2, unsigned mask) {
                for (std::size_t u = 0; u < W; ++u) {
                    *out = ranked<T>::make(d2[u], b + index_t(u));
                    out += (mask >> u) & 1u;
                }
                if (out - items.data() > (1 << 16) - 64) out = items.data();
            });
            total += std::size_t(out - items.data());
        }
        const double dt = cpu() - t;
        sink += double(total);
        return dt / double(nq) * 1e6;
    };
    auto scan = [&](auto tag) {
        typename decltype(tag)::type nearest(k, tree.order().data());
        const double t = cpu();
        for (std::size_t i = 0; i < nq; ++i) {
            nearest.reset(static_cast<index_t>(first + i));
            scan_blocks(i, [&](const leaf_rec&) { return nearest.bound(); }, [&](index_t b, const T* d2, unsigned mask) {
                nearest.template visit_block<W>(d2, mask, b);
            });
            if (nearest.kth() != kth[i]) std::printf("scan replay MISMATCH at %zu\n", i);
        }
        return (cpu() - t) / double(nq) * 1e6;
    };
    const tag<knn_buffer<T, buffer_cut::nth_element>> before;
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
