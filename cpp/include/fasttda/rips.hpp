// Vietoris–Rips persistence barcodes by persistent cohomology, after the ideas
// of Bauer, "Ripser" (2021): simplices are numbers in the combinatorial number
// system (rips_simplices.hpp), coboundaries are enumerated on the fly and
// never stored, clearing skips the columns a lower dimension already paired,
// and zero-persistence apparent and emergent pairs are found without any
// column reduction. Unlike Ripser, a column under reduction walks each term's
// coboundary lazily, in filtration order from the current pivot on
// (rips_column.hpp), instead of pushing all of it onto a heap.
//
// Filtration order: by diameter, then (for equal diameters, within one
// dimension) the larger index first. Columns of a dimension are reduced from
// the last simplex to the first; a column's pivot is its earliest coface.
//
// Threads: columns are assembled and screened for apparent pairs in parallel
// chunks, and reduced by a lock-free scheme after Morozov and Nigmetov (2020)
// with a shared pivot table. Any sequence of left-to-right column additions
// ends in the same pairs, so the barcodes do not depend on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "distances.hpp"
#include "memory.hpp"
#include "neighbours.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "rips_column.hpp"
#include "rips_simplices.hpp"
#include "union_find.hpp"

namespace fasttda::rips {

struct bar {
    double birth, death;
};

// A representative cocycle: rows of dim+1 vertices (largest first) and the
// coefficient in [1, p), flattened; rows in filtration order, as ripser.py.
using cocycle = std::vector<std::int64_t>;

struct result {
    std::vector<std::vector<bar>> dgms;  // one per dimension, unsorted
    // With do_cocycles, one per bar of dgms[dim] for dim >= 1, in the same
    // order; dgms[0] has none (as ripser.py). Else one empty list per dimension.
    std::vector<std::vector<cocycle>> cocycles;
    std::int64_t num_edges = 0;
};

inline void check_parameters(std::size_t n, int maxdim, std::int64_t coeff) {
    if (n == 0) throw std::invalid_argument("the input is empty: it has no points");
    if (maxdim < 0 || maxdim > max_dimension)
        throw std::invalid_argument("maxdim must be between 0 and 3, got " + std::to_string(maxdim));
    if (coeff >= (std::int64_t(1) << 31) || !is_prime(coeff))
        throw std::invalid_argument("coeff must be a prime number below 2^31 (the field Z/coeff), got " +
                                    std::to_string(coeff));
}

// --------------------------------------------------------------- pivot table

// Pivot simplex index -> the column that owns it, shared by the threads of a
// reduction: open addressing with linear probing, keys claimed by
// compare-and-swap, owners changed by compare-and-swap. Sized once for the
// number of columns (a column owns at most one pivot), never rehashed.
class pivot_table {
public:
    static constexpr std::int64_t none = -1;

    explicit pivot_table(std::size_t columns = 0) {
        std::size_t cap = 16;
        while (cap < 2 * columns + 16) cap *= 2;
        keys_ = std::vector<std::atomic<index_t>>(cap);
        owners_ = std::vector<std::atomic<std::int64_t>>(cap);
        for (std::size_t i = 0; i < cap; ++i) {
            keys_[i].store(empty, std::memory_order_relaxed);
            owners_[i].store(none, std::memory_order_relaxed);
        }
        mask_ = cap - 1;
    }

    // The column owning pivot idx, or none.
    std::int64_t find(index_t idx) const {
        for (std::size_t h = hash(idx) & mask_;; h = (h + 1) & mask_) {
            const index_t k = keys_[h].load(std::memory_order_acquire);
            if (k == idx) return owners_[h].load(std::memory_order_acquire);
            if (k == empty) return none;
        }
    }

    // Makes col the owner of idx if its owner is still `expected`.
    bool claim(index_t idx, std::int64_t expected, std::int64_t col) {
        for (std::size_t h = hash(idx) & mask_;; h = (h + 1) & mask_) {
            index_t k = keys_[h].load(std::memory_order_acquire);
            if (k == empty && keys_[h].compare_exchange_strong(k, idx, std::memory_order_acq_rel)) k = idx;
            if (k == idx) return owners_[h].compare_exchange_strong(expected, col, std::memory_order_acq_rel);
        }
    }

private:
    static constexpr index_t empty = -1;
    static std::size_t hash(index_t x) {
        const std::uint64_t z = static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ull;
        return static_cast<std::size_t>(z ^ (z >> 29));
    }
    std::vector<std::atomic<index_t>> keys_;
    std::vector<std::atomic<std::int64_t>> owners_;
    std::size_t mask_ = 0;
};
// ------------------------------------------------------------------ the engine

template <class Oracle>
class engine {
public:
    engine(const Oracle& dist, int maxdim, value_t threshold, coef_t p, const exec_policy& policy,
           bool do_cocycles = false)
        : dist_(dist), n_(static_cast<index_t>(dist.n)), maxdim_(maxdim), thresh_(threshold), p_(p),
          policy_(policy), binom_(dist.n, maxdim + 2), do_cocycles_(do_cocycles) {}

    result compute(std::int64_t num_edges) {
        result out;
        out.num_edges = num_edges;
        out.dgms.resize(maxdim_ + 1);
        out.cocycles.resize(maxdim_ + 1);
        std::vector<entry> edges = sorted_edges();
        std::vector<char> negative(edges.size(), 0);
        out.dgms[0] = h0_bars(edges, negative);
        if (maxdim_ == 0) return out;
        order_ = order_neighbours(dist_.n, edges, binom_);

        // Dimension 1: the non-negative edges, last first (already sorted).
        std::vector<entry> columns = parallel_collect<entry>(policy_, edges.size(), 4096,
            [&](std::size_t b, std::size_t e, std::vector<entry>& part) {
                index_t v[2];
                for (std::size_t r = b; r < e; ++r) {
                    const std::size_t i = edges.size() - 1 - r;
                    if (negative[i]) continue;
                    vertices(edges[i].index, 1, v);
                    if (zero_apparent_cofacet(edges[i], v, 2).index < 0) part.push_back(edges[i]);
                }
            });
        std::vector<char>().swap(negative);
        pivot_table pivots;
        std::vector<entry> simplices = std::move(edges);
        for (int dim = 1;; ++dim) {
            pivots = reduce(columns, dim, out.dgms[dim], out.cocycles[dim]);
            if (dim == maxdim_) break;
            assemble(simplices, columns, dim + 1, pivots);
        }
        return out;
    }

private:
    // ---- simplices

    // The dim+1 vertices of a simplex, largest first.
    void vertices(index_t idx, int dim, index_t* v) const {
        index_t top = n_;
        for (int k = dim + 1; k >= 1; --k) {
            top = binom_.max_vertex(idx, k, top);
            *v++ = top;
            idx -= binom_(top, k);
        }
    }

    // Walks the cofaces of the simplex v (k vertices, index idx, diameter diam)
    // that add a vertex w >= lo, largest index first; f(entry) returns
    // false to stop. Cofaces of diameter beyond `limit` (by default the
    // threshold) are skipped before their index is computed.
    template <class F>
    void cofacets(const index_t* v, int k, index_t idx, value_t diam, index_t lo, F&& f) const {
        cofacets_within(v, k, idx, diam, lo, thresh_, f);
    }

    template <class F>
    void cofacets_within(const index_t* v, int k, index_t idx, value_t diam, index_t lo, value_t limit, F&& f) const {
        index_t above = 0, below = idx;
        int m = 0;
        dist_.candidates(v, k, lo, [&](index_t w, value_t dw) {
            const value_t d = std::max(diam, dw);
            if (d > limit) return true;
            while (m < k && v[m] > w) {
                above += binom_(v[m], k + 1 - m);
                below -= binom_(v[m], k - m);
                ++m;
            }
            const entry e{d, (m & 1) ? p_ - 1 : 1, above + binom_(w, k + 1 - m) + below};
            return f(e);
        });
    }

    // The earliest coface with the simplex's own diameter (largest index
    // among them: the first one walked), or index -1. The simplex lies within
    // the threshold, so limiting the walk to its diameter skips the rest.
    entry first_equal_cofacet(const entry& s, const index_t* v, int k) const {
        entry found{0, 0, -1};
        cofacets_within(v, k, s.index, s.diam, 0, s.diam, [&](const entry& e) {
            found = e;
            return false;
        });
        return found;
    }

    // The latest facet of the simplex u (K vertices) with its own diameter:
    // facets in increasing index order are those dropping u[0], u[1], ...
    // Returns the facet with coef = the coefficient of u in its coboundary.
    entry last_equal_facet(const entry& t, const index_t* u, int K) const {
        value_t dd[max_dimension + 2][max_dimension + 2];  // each distance looked up once
        for (int a = 0; a < K; ++a)
            for (int b = a + 1; b < K; ++b) dd[a][b] = dist_(u[a], u[b]);
        for (int r = 0; r < K; ++r) {
            value_t d = 0;
            for (int a = 0; a < K; ++a)
                for (int b = a + 1; b < K; ++b)
                    if (a != r && b != r) d = std::max(d, dd[a][b]);
            if (d != t.diam) continue;
            index_t idx = 0;
            for (int a = 0; a < K; ++a)
                if (a < r) idx += binom_(u[a], K - 1 - a);
                else if (a > r) idx += binom_(u[a], K - a);
            return {d, (r & 1) ? p_ - 1 : 1, idx};
        }
        return {0, 0, -1};
    }

    // (s, t) is a zero-persistence apparent pair: t is the earliest coface of
    // s and s the latest facet of t. Such pairs are persistence pairs of any
    // reduction, so s is never reduced and t never becomes a column.
    entry zero_apparent_cofacet(const entry& s, const index_t* v, int k) const {
        const entry t = first_equal_cofacet(s, v, k);
        if (t.index < 0) return t;
        index_t u[max_dimension + 2];
        vertices(t.index, k, u);
        const entry f = last_equal_facet(t, u, k + 1);
        return f.index == s.index ? t : entry{0, 0, -1};
    }

    // The facet s of t with (s, t) a zero apparent pair, or index -1; s.coef
    // is the coefficient of t in the coboundary of s.
    entry zero_apparent_facet(const entry& t, int dim) const {
        index_t u[max_dimension + 2];
        vertices(t.index, dim, u);
        entry s = last_equal_facet(t, u, dim + 1);
        if (s.index < 0) return s;
        index_t v[max_dimension + 2];
        vertices(s.index, dim - 1, v);
        return first_equal_cofacet(s, v, dim).index == t.index ? s : entry{0, 0, -1};
    }

    // ---- dimension 0

    std::vector<entry> sorted_edges() const {
        std::vector<entry> edges = parallel_collect<entry>(policy_, dist_.n, 64,
            [&](std::size_t b, std::size_t e, std::vector<entry>& part) {
                for (std::size_t i = b; i < e; ++i) {
                    const index_t base = binom_(static_cast<index_t>(i), 2);
                    const index_t v[1] = {static_cast<index_t>(i)};
                    dist_.candidates(v, 1, 0, [&](index_t j, value_t d) {
                        if (j >= static_cast<index_t>(i)) return true;
                        if (d <= thresh_) part.push_back({d, 1, base + j});
                        return true;
                    });
                }
            });
        parallel_sort(edges, earlier, policy_);
        return edges;
    }

    // H0 by Kruskal over the edges in filtration order. An edge joining two
    // components is negative: it kills a class and is cleared in dimension 1.
    // Elder rule with vertex birth times: the younger class dies, and a
    // component is as old as its oldest vertex. A vertex born after the
    // threshold is not in the complex.
    std::vector<bar> h0_bars(const std::vector<entry>& edges, std::vector<char>& negative) const {
        union_find<index_t> components(static_cast<std::size_t>(n_));
        std::vector<value_t> born(static_cast<std::size_t>(n_));  // per root: its component's birth
        for (index_t i = 0; i < n_; ++i) born[static_cast<std::size_t>(i)] = dist_.birth(i);
        std::vector<bar> bars;
        index_t v[2];
        for (std::size_t i = 0; i < edges.size(); ++i) {
            vertices(edges[i].index, 1, v);
            const index_t a = components.find(v[0]), b = components.find(v[1]);
            if (a == b) continue;
            const value_t younger = std::max(born[static_cast<std::size_t>(a)], born[static_cast<std::size_t>(b)]);
            const value_t elder = std::min(born[static_cast<std::size_t>(a)], born[static_cast<std::size_t>(b)]);
            components.unite(a, b);
            born[static_cast<std::size_t>(components.find(a))] = elder;
            negative[i] = 1;
            if (edges[i].diam > younger)
                bars.push_back({static_cast<double>(younger), static_cast<double>(edges[i].diam)});
        }
        for (index_t c = 0; c < n_; ++c)
            if (components.find(c) == c && born[static_cast<std::size_t>(c)] <= thresh_)
                bars.push_back({static_cast<double>(born[static_cast<std::size_t>(c)]),
                                std::numeric_limits<double>::infinity()});
        return bars;
    }

    // ---- higher dimensions

    // The simplices of `dim` (each from its facet without the top vertex) that
    // still need a column: not cleared (a pivot of dim-1, or apparent with a
    // facet) and not the bottom of a zero apparent pair. Replaces `simplices`
    // with those of `dim` when a higher dimension will need them.
    void assemble(std::vector<entry>& simplices, std::vector<entry>& columns, int dim, const pivot_table& pivots) {
        const bool keep = dim < maxdim_;
        struct found {
            entry s;
            bool column;
        };
        std::vector<found> all = parallel_collect<found>(policy_, simplices.size(), 1024,
            [&](std::size_t b, std::size_t e, std::vector<found>& part) {
                index_t v[max_dimension + 2], u[max_dimension + 2];
                for (std::size_t i = b; i < e; ++i) {
                    vertices(simplices[i].index, dim - 1, v);
                    cofacets(v, dim, simplices[i].index, simplices[i].diam, v[0] + 1, [&](const entry& t) {
                        entry s{t.diam, 1, t.index};
                        bool column = pivots.find(s.index) == pivot_table::none && zero_apparent_facet(s, dim).index < 0;
                        if (column) {
                            vertices(s.index, dim, u);
                            column = zero_apparent_cofacet(s, u, dim + 1).index < 0;
                        }
                        if (column || keep) part.push_back({s, column});
                        return true;
                    });
                }
            });
        columns.clear();
        std::vector<entry> next;
        for (const auto& f : all) {
            if (f.column) columns.push_back(f.s);
            if (keep) next.push_back(f.s);
        }
        std::vector<found>().swap(all);
        simplices = std::move(next);
        parallel_sort(columns, [](const entry& a, const entry& b) { return earlier(b, a); }, policy_);
    }

    // A column under reduction. An emergent candidate (lazy) knows its pivot,
    // the simplex's first coface, and has nothing on its cochain column yet.
    struct working {
        cochain_column<Oracle> column;
        entry simplex{0, 0, -1};
        entry pivot{0, 0, -1};
        bool lazy = false;
    };

    // A published state of a column: immutable, so other threads may add it
    // while its owner moves on to a newer one.
    struct state {
        std::vector<coface_cursor> terms;  // the cochain, on its cofaces from the pivot on
        entry pivot;                       // index -1: the coboundary is zero
    };

    // Starts column s: when its earliest coface has its own diameter and
    // nobody owns it, there is nothing to reduce (an emergent pair) unless a
    // concurrent column claims it first; else the simplex goes on the column.
    void start_column(working& w, const entry& s, int dim, const pivot_table& pivots) const {
        index_t v[max_dimension + 2];
        vertices(s.index, dim, v);
        w.column.reset(dim);
        w.simplex = {s.diam, 1, s.index};
        w.pivot = {0, 0, -1};
        w.lazy = false;
        const entry t = first_equal_cofacet(s, v, dim + 1);
        if (t.index >= 0 && pivots.find(t.index) == pivot_table::none && zero_apparent_facet(t, dim + 1).index < 0) {
            w.pivot = t;
            w.lazy = true;
            return;
        }
        w.column.add(&w.simplex, 1, 1, cochain_column<Oracle>::beginning());
    }

    // The emergent shortcut did not hold, or the column is published: put
    // the simplex on the column, from its first coface (the pivot) on.
    void expand(working& w) const {
        w.lazy = false;
        w.column.add(&w.simplex, 1, 1, w.pivot);
    }

    // Shared by the threads reducing one dimension.
    struct reduction {
        const std::vector<entry>& columns;
        pivot_table pivots;
        std::vector<std::atomic<const state*>> current;  // latest published state per column
        std::vector<std::vector<std::unique_ptr<state>>> arena;  // per thread, freed at the end
    };

    const state* publish(reduction& R, unsigned tid, std::size_t col, working& w) const {
        if (w.lazy) expand(w);
        auto s = std::make_unique<state>();
        w.column.snapshot(s->terms);
        s->pivot = w.pivot;
        R.arena[tid].push_back(std::move(s));
        const state* out = R.arena[tid].back().get();
        R.current[col].store(out, std::memory_order_release);
        return out;
    }

    // Lock-free reduction after Morozov and Nigmetov: a column whose pivot is
    // owned by an earlier column adds it; one whose pivot is owned by a later
    // column takes the pivot over and goes on reducing that later column. Only
    // earlier columns are ever added, so this is a left-to-right reduction and
    // ends in the same pairs as the sequential one. An added column's
    // coboundary is zero before its pivot, which the two columns share, so
    // its cofaces are walked from there on.
    void reduce_column(reduction& R, unsigned tid, std::size_t col, working& w, int dim) const {
        start_column(w, R.columns[col], dim, R.pivots);
        for (;;) {
            const bool checked = w.lazy;  // start_column ruled out an apparent pair
            const entry t = checked ? w.pivot : w.column.pivot();
            w.pivot = t;
            if (t.index < 0) {
                publish(R, tid, col, w);
                return;
            }
            const std::int64_t j = R.pivots.find(t.index);
            if (j == pivot_table::none) {
                const entry a = checked ? entry{0, 0, -1} : zero_apparent_facet(t, dim + 1);
                if (a.index >= 0) {  // owned by an apparent pair's column: add it
                    const entry one{a.diam, 1, a.index};
                    w.column.add(&one, 1, mul_mod(p_ - t.coef, inverse_mod(a.coef, p_), p_), t);
                    continue;
                }
                publish(R, tid, col, w);
                if (R.pivots.claim(t.index, pivot_table::none, static_cast<std::int64_t>(col))) return;
                continue;
            }
            if (static_cast<std::size_t>(j) < col) {
                const state* s = R.current[j].load(std::memory_order_acquire);
                if (s == nullptr || s->pivot.index != t.index) continue;  // j is moving: look again
                if (w.lazy) expand(w);
                const coef_t f = mul_mod(p_ - t.coef, inverse_mod(s->pivot.coef, p_), p_);
                w.column.add(s->terms.data(), s->terms.size(), f);
                continue;
            }
            publish(R, tid, col, w);
            if (!R.pivots.claim(t.index, j, static_cast<std::int64_t>(col))) continue;
            // col owns t now; the later column j lost its pivot: reduce it further.
            col = static_cast<std::size_t>(j);
            const state* s = R.current[col].load(std::memory_order_acquire);
            w.column.reset(dim);
            w.simplex = {R.columns[col].diam, 1, R.columns[col].index};
            w.lazy = false;
            w.column.add(s->terms.data(), s->terms.size(), 1);
        }
    }
    // Reduces the columns of `dim` (last simplex first) and appends their
    // bars (and, when asked, their cocycles); returns the pivot table, which
    // clears the next dimension. Cocycles are the reduction (V) columns, which
    // the reduction keeps anyway: a threaded reduction adds columns in an
    // order that depends on timing, so with cocycles it runs on one thread and
    // gives the representatives of the standard column order (ripser.py's).
    pivot_table reduce(const std::vector<entry>& columns, int dim, std::vector<bar>& bars,
                       std::vector<cocycle>& cocycles) {
        exec_policy policy = policy_;
        if (do_cocycles_) policy.n_threads = 1;
        const unsigned threads = resolve_threads(policy.n_threads);
        reduction R{columns, pivot_table(columns.size()), std::vector<std::atomic<const state*>>(columns.size()),
                    std::vector<std::vector<std::unique_ptr<state>>>(threads)};
        for (auto& c : R.current) c.store(nullptr, std::memory_order_relaxed);
        std::vector<working> work;
        work.reserve(threads);
        for (unsigned t = 0; t < threads; ++t)
            work.push_back(working{cochain_column<Oracle>(dist_, order_, binom_, n_, p_)});
        parallel_for(policy, columns.size(), 1, [&](unsigned tid, std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) reduce_column(R, tid, i, work[tid], dim);
        });
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const state* s = R.current[i].load(std::memory_order_acquire);
            const entry& t = s->pivot;
            if (t.index < 0)
                bars.push_back({static_cast<double>(columns[i].diam), std::numeric_limits<double>::infinity()});
            else if (t.diam > columns[i].diam)
                bars.push_back({static_cast<double>(columns[i].diam), static_cast<double>(t.diam)});
            else
                continue;
            if (do_cocycles_) cocycles.push_back(to_cocycle(s->terms, dim));
        }
        return std::move(R.pivots);
    }

    // A reduced column's cochain as ripser.py lays it out: one row per
    // simplex in filtration order, its vertices (largest first), then the
    // coefficient.
    cocycle to_cocycle(const std::vector<coface_cursor>& cursors, int dim) const {
        std::vector<entry> terms;
        terms.reserve(cursors.size());
        for (const coface_cursor& u : cursors) terms.push_back({u.diam, u.coef, u.index});
        std::sort(terms.begin(), terms.end(), earlier);
        cocycle out;
        out.reserve(terms.size() * static_cast<std::size_t>(dim + 2));
        index_t v[max_dimension + 2];
        for (const entry& e : terms) {
            vertices(e.index, dim, v);
            out.insert(out.end(), v, v + dim + 1);
            out.push_back(static_cast<std::int64_t>(e.coef));
        }
        return out;
    }

    const Oracle& dist_;
    index_t n_;
    int maxdim_;
    value_t thresh_;
    coef_t p_;
    exec_policy policy_;
    binomials binom_;
    bool do_cocycles_;
    neighbour_order order_;  // filled once the edges are sorted
};
// ------------------------------------------------------------------ front ends

// Barcodes of a full n×n distance matrix (symmetric, checked by the caller;
// births on the diagonal). With do_cocycles, also a representative cocycle of
// every bar of dimension >= 1. thresh = inf: the enclosing radius.
inline result persistence_dense(dense_distances D, int maxdim, double thresh, std::int64_t coeff,
                                const exec_policy& policy, bool do_cocycles = false) {
    check_parameters(D.n, maxdim, coeff);
    check_index_range(D.n, maxdim);
    value_t t = std::isinf(thresh) && thresh > 0 ? enclosing_radius(D, policy) : as_threshold(thresh);
    t = std::min(t, std::numeric_limits<value_t>::max());
    std::atomic<std::int64_t> edges{0};
    parallel_for(policy, D.n, 256, [&](unsigned, std::size_t b, std::size_t e) {
        std::int64_t c = 0;
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t j = 0; j < i; ++j) c += D.d[i * D.n + j] <= t;
        edges += c;
    });
    engine<dense_distances> eng(D, maxdim, t, static_cast<coef_t>(coeff), policy, do_cocycles);
    return eng.compute(edges.load());
}
// Barcodes of the graph whose edges are pairs[2e], pairs[2e+1] (an (m, 2)
// row-major array, as radius_graph returns it) with lengths dist[e] on n
// vertices; edges longer than thresh are dropped, each edge may appear once
// or in both directions (with the same length).
template <class T>
result persistence_sparse(std::size_t n, const index_t* pairs, const T* dist, std::size_t m, int maxdim,
                          double thresh, std::int64_t coeff, const exec_policy& policy, bool do_cocycles = false) {
    check_parameters(n, maxdim, coeff);
    check_index_range(n, maxdim);  // before any allocation of size n
    const value_t t = as_threshold(thresh);
    const sparse_distances S = to_sparse(n, pairs, dist, m, t, policy);
    engine<sparse_distances> eng(S, maxdim, t, static_cast<coef_t>(coeff), policy, do_cocycles);
    return eng.compute(static_cast<std::int64_t>(S.start[n]) / 2);
}

// Barcodes of a full n×n distance matrix (row major; symmetric, checked
// here; a nonzero diagonal holds vertex birth times).
template <class T>
result persistence_matrix(const T* matrix, std::size_t n, int maxdim, double thresh, std::int64_t coeff,
                          const exec_policy& policy, bool do_cocycles = false) {
    check_parameters(n, maxdim, coeff);
    check_index_range(n, maxdim);
    return persistence_dense(to_dense(matrix, n, policy), maxdim, thresh, coeff, policy, do_cocycles);
}

// Beyond this many points thresh = inf would need a dense float32 matrix of
// more than ~3.6 GB (4 n² bytes): a finite threshold is asked for instead.
constexpr std::size_t max_dense_points = 30000;

// Barcodes of a point cloud. thresh = inf: every pairwise distance, up to the
// enclosing radius. A finite thresh never forms the n×n matrix: the pairs
// within it come from radius_graph, so a cloud of 10^5 points fits in memory.
template <class T>
result persistence_points(const points_view<T>& X, int maxdim, double thresh, std::int64_t coeff,
                          const exec_policy& policy, bool do_cocycles = false) {
    check_parameters(X.n, maxdim, coeff);
    check_index_range(X.n, maxdim);
    if (std::isinf(thresh) && thresh > 0) {
        if (X.n > max_dense_points)
            throw std::invalid_argument(std::to_string(X.n) + " points need a finite thresh: without one Rips uses "
                                        "every pairwise distance (an n×n matrix); with one it uses only the pairs "
                                        "within it");
        return persistence_dense(point_distances(X, policy), maxdim, thresh, coeff, policy, do_cocycles);
    }
    const value_t t = as_threshold(thresh);
    // Distances are compared in float32, so a pair a little beyond t in T can
    // round to t and belong: search a few float32 rounding steps further, and
    // let the engine keep exactly the pairs with float32 distance <= t.
    const edge_list<T> g = radius_graph(X, static_cast<double>(t) * (1 + 1e-6) + 1e-12, policy);
    return persistence_sparse(X.n, g.pairs.data(), g.dist.data(), g.dist.size(), maxdim, thresh, coeff, policy,
                              do_cocycles);
}

}  // namespace fasttda::rips
