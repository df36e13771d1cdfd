// The working column of a Rips cohomology reduction: a cochain (the terms
// added so far) whose coboundary is walked lazily, one coface at a time in
// filtration order, from the current pivot on.
//
// Ripser and its descendants push the whole coboundary of every term they add
// onto a heap, though a reduction only ever looks at the heap's top: on 1,000
// points with every pair (about 1,000 cofaces per edge) that is hundreds of
// millions of pushes for a hundred thousand pops. Here each term is a cursor
// that knows the next coface of its simplex, and the heap holds one cursor
// per term, so a column costs what its pivots cost, not what its coboundary
// holds. A published column keeps its cursors, which sit at its pivot, so a
// column that adds it copies them instead of seeking them again.
//
// Cofaces of a simplex s (vertices v_0 > ... > v_{k-1}) add one vertex w; the
// coface's diameter is max(diam s, max_t d(v_t, w)). In filtration order
// they come in two phases:
//   1. the w with max_t d(v_t, w) <= diam s (diameter diam s), largest index
//      first, that is largest w first: a walk down the candidate vertices;
//   2. the others, by max_t d(v_t, w), ties largest w first: a merge of the k
//      neighbour lists of the v_t sorted by distance, where list t yields w
//      only when d(v_t, w) is the largest of the k distances (ties go to the
//      smallest t), so every coface comes once, from the list that sets its
//      diameter.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "distances.hpp"
#include "memory.hpp"
#include "rips_simplices.hpp"

namespace fasttda::rips {

// Each vertex's neighbours within the threshold, in the filtration order of
// the edges to them: by distance, ties by the neighbour, largest first.
struct neighbour_order {
    std::vector<std::size_t> start;  // n + 1
    std::vector<std::int32_t> vertex;
    std::vector<value_t> dist;
};

// From the edges in filtration order: the index of edge {a > b} grows with
// the other vertex for a fixed one, so appending edges in order fills every
// list in its order.
inline neighbour_order order_neighbours(std::size_t n, const std::vector<entry>& edges, const binomials& binom) {
    check_memory(static_cast<double>(edges.size()) * 2 * (sizeof(std::int32_t) + sizeof(value_t)),
                 "Rips' neighbour lists sorted by distance (" + std::to_string(edges.size()) + " edges)",
                 "give a smaller threshold");
    const auto ends = [&](const entry& e) {  // {a > b}
        const index_t a = binom.max_vertex(e.index, 2, static_cast<index_t>(n));
        return std::make_pair(static_cast<std::size_t>(a), static_cast<std::size_t>(e.index - binom(a, 2)));
    };
    neighbour_order L;
    L.start.assign(n + 1, 0);
    for (const entry& e : edges) {
        const auto [a, b] = ends(e);
        ++L.start[a + 1];
        ++L.start[b + 1];
    }
    for (std::size_t i = 0; i < n; ++i) L.start[i + 1] += L.start[i];
    L.vertex.resize(2 * edges.size());
    L.dist.resize(2 * edges.size());
    std::vector<std::size_t> fill(L.start.begin(), L.start.end() - 1);
    for (const entry& e : edges) {
        const auto [a, b] = ends(e);
        L.vertex[fill[a]] = static_cast<std::int32_t>(b);
        L.dist[fill[a]++] = e.diam;
        L.vertex[fill[b]] = static_cast<std::int32_t>(a);
        L.dist[fill[b]++] = e.diam;
    }
    return L;
}

// Phase 1 walks the candidate vertices w <= top, largest first, at positions
// pos, pos - 1, ... down to (not including) walk_end: every vertex in the
// dense case, the neighbours of the simplex's vertex v in the sparse one.
inline std::int64_t walk_from(const dense_distances&, index_t, index_t top) { return top; }
inline std::int64_t walk_end(const dense_distances&, index_t) { return -1; }
inline index_t walk_vertex(const dense_distances&, index_t, std::int64_t pos) { return pos; }

inline std::int64_t walk_from(const sparse_distances& S, index_t v, index_t top) {
    const index_t* b = S.nbr.data() + S.start[static_cast<std::size_t>(v)];
    const index_t* e = S.nbr.data() + S.start[static_cast<std::size_t>(v) + 1];
    return static_cast<std::int64_t>(std::upper_bound(b, e, top) - S.nbr.data()) - 1;
}
inline std::int64_t walk_end(const sparse_distances& S, index_t v) {
    return static_cast<std::int64_t>(S.start[static_cast<std::size_t>(v)]) - 1;
}
inline index_t walk_vertex(const sparse_distances& S, index_t, std::int64_t pos) {
    return S.nbr[static_cast<std::size_t>(pos)];
}

// A term of a cochain and its place in the simplex's coboundary.
struct coface_cursor {
    index_t index;                        // the simplex
    index_t at;                           // its current coface (-1: none left)
    std::int64_t pos[max_dimension + 1];  // phase 1: pos[0]; phase 2: one per vertex, into its list
    std::int32_t v[max_dimension + 1];    // the simplex's vertices, largest first
    value_t diam, at_diam;
    coef_t coef;          // of the simplex in the cochain; 0: dropped
    coef_t sign;          // of the simplex in the current coface's boundary
    std::int32_t stream;  // phase 2: the list the current coface came from
    bool ordered;         // phase 2
};

// One thread's column: the cochain as a map from simplex to cursor, and a
// heap of the cursors' current cofaces. A term whose coefficient drops to 0
// stays in place until it surfaces on the heap, and is then discarded.
template <class Oracle>
class cochain_column {
public:
    cochain_column(const Oracle& dist, const neighbour_order& order, const binomials& binom, index_t n, coef_t p)
        : dist_(&dist), order_(&order), binom_(&binom), n_(n), p_(p) {}

    // Where a fresh cochain's coboundary starts: before every coface.
    static entry beginning() {
        return {-std::numeric_limits<value_t>::infinity(), 0, std::numeric_limits<index_t>::max()};
    }

    // Empties the column; its terms will be simplices of dimension dim.
    void reset(int dim) {
        k_ = dim + 1;
        for (std::size_t h : used_) keys_[h] = vacant;
        used_.clear();
        cursors_.clear();
        heap_.clear();
    }

    // Adds factor × the cochain `terms` (each simplex once, coefficients
    // nonzero). Both this column's coboundary and the added one are zero
    // before `from` (the pivot they share, or beginning()), so the new terms'
    // cofaces are walked from `from` on.
    void add(const entry* terms, std::size_t count, coef_t factor, const entry& from) {
        for (std::size_t i = 0; i < count; ++i) {
            const coef_t c = mul_mod(terms[i].coef, factor, p_);
            if (c == 0 || accumulate(terms[i].index, c)) continue;
            coface_cursor u = make_cursor(terms[i], c);
            const bool live = seek(u, from);
            place(u, live);
        }
    }

    // Adds factor × a published column (snapshot()), whose pivot this column
    // shares: its cursors already sit on their first cofaces not earlier
    // than that pivot, so they are copied, not sought.
    void add(const coface_cursor* terms, std::size_t count, coef_t factor) {
        for (std::size_t i = 0; i < count; ++i) {
            const coef_t c = mul_mod(terms[i].coef, factor, p_);
            if (c == 0 || accumulate(terms[i].index, c)) continue;
            coface_cursor u = terms[i];
            u.coef = c;
            place(u, u.at >= 0);
        }
    }

    // The earliest coface with a nonzero coefficient (coef set), or index -1
    // when the coboundary is zero. Cofaces before it are consumed.
    entry pivot() {
        for (;;) {
            if (heap_.empty()) return {0, 0, -1};
            const head top = heap_.front();
            group_.clear();
            std::uint64_t sum = 0;
            while (!heap_.empty() && heap_.front().index == top.index) {
                const std::uint32_t s = pop().slot;
                const coface_cursor& u = cursors_[s];
                if (u.coef == 0) continue;
                sum = (sum + static_cast<std::uint64_t>(u.coef) * u.sign) % p_;
                group_.push_back(s);
            }
            if (sum != 0) {
                for (std::uint32_t s : group_) push({top.diam, s, top.index});
                return {top.diam, static_cast<coef_t>(sum), top.index};
            }
            for (std::uint32_t s : group_) {
                coface_cursor& u = cursors_[s];
                if (advance(u)) push({u.at_diam, s, u.at});
            }
        }
    }

    // The cochain's terms with nonzero coefficients, each on its first coface
    // not earlier than the last pivot() (index -1 when it has none left).
    void snapshot(std::vector<coface_cursor>& out) const {
        out.clear();
        for (std::size_t h : used_) {
            const coface_cursor& u = cursors_[slots_[h]];
            if (u.coef != 0) out.push_back(u);
        }
    }

private:
    static constexpr index_t vacant = -1;

    struct head {  // a cursor on the heap: its current coface, earliest on top
        value_t diam;
        std::uint32_t slot;
        index_t index;
    };
    static bool after(const head& a, const head& b) {  // a comes after b
        return a.diam > b.diam || (a.diam == b.diam && a.index < b.index);
    }

    void push(const head& x) {
        heap_.push_back(x);
        std::size_t i = heap_.size() - 1;
        while (i > 0) {
            const std::size_t up = (i - 1) / 2;
            if (!after(heap_[up], x)) break;
            heap_[i] = heap_[up];
            i = up;
        }
        heap_[i] = x;
    }

    head pop() {
        const head top = heap_.front();
        const head x = heap_.back();
        heap_.pop_back();
        const std::size_t n = heap_.size();
        if (n == 0) return top;
        std::size_t i = 0;
        for (;;) {
            std::size_t c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && after(heap_[c], heap_[c + 1])) ++c;
            if (!after(x, heap_[c])) break;
            heap_[i] = heap_[c];
            i = c;
        }
        heap_[i] = x;
        return top;
    }

    // ---- the term map: simplex index -> cursor slot (open addressing)

    static std::size_t hash(index_t x) {
        const std::uint64_t z = static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ull;
        return static_cast<std::size_t>(z ^ (z >> 31));
    }

    // The position of key, or the empty position where it would go.
    std::size_t locate(index_t key) const {
        const std::size_t mask = keys_.size() - 1;
        for (std::size_t h = hash(key) & mask;; h = (h + 1) & mask)
            if (keys_[h] == key || keys_[h] == vacant) return h;
    }

    void grow() {
        const std::size_t cap = std::max<std::size_t>(64, 2 * keys_.size());
        std::vector<std::size_t> old_used;
        old_used.swap(used_);
        std::vector<index_t> old_keys(cap, vacant);
        old_keys.swap(keys_);
        std::vector<std::uint32_t> old_slots(cap, 0);
        old_slots.swap(slots_);
        const std::size_t mask = cap - 1;
        for (std::size_t h : old_used) {
            std::size_t g = hash(old_keys[h]) & mask;
            while (keys_[g] != vacant) g = (g + 1) & mask;
            keys_[g] = old_keys[h];
            slots_[g] = old_slots[h];
            used_.push_back(g);
        }
    }

    // Adds c to the term's coefficient when it is in the cochain; else
    // reserves its place in the map for place() and returns false.
    bool accumulate(index_t index, coef_t c) {
        if (2 * (used_.size() + 1) > keys_.size()) grow();
        const std::size_t h = locate(index);
        if (keys_[h] == index && cursors_[slots_[h]].coef != 0) {
            coface_cursor& u = cursors_[slots_[h]];
            u.coef = static_cast<coef_t>((static_cast<std::uint64_t>(u.coef) + c) % p_);
            return true;  // at coefficient 0 the cursor is dropped when it surfaces
        }
        if (keys_[h] != index) {
            keys_[h] = index;
            used_.push_back(h);
        }
        pending_ = h;
        return false;
    }

    // A new term, or one that dropped out and comes back: its old cursor
    // (if any) may lie before the shared pivot, so it gets a fresh one.
    void place(const coface_cursor& u, bool live) {
        slots_[pending_] = static_cast<std::uint32_t>(cursors_.size());
        cursors_.push_back(u);
        if (live) push({u.at_diam, slots_[pending_], u.at});
    }

    // ---- cursors

    coface_cursor make_cursor(const entry& s, coef_t c) const {
        coface_cursor u{};
        index_t idx = s.index, top = n_;
        for (int k = k_; k >= 1; --k) {
            top = binom_->max_vertex(idx, k, top);
            u.v[k_ - k] = static_cast<std::int32_t>(top);
            idx -= (*binom_)(top, k);
        }
        u.index = s.index;
        u.diam = s.diam;
        u.coef = c;
        u.at = -1;
        return u;
    }

    bool member(const coface_cursor& u, index_t w) const {
        for (int t = 0; t < k_; ++t)
            if (u.v[t] == w) return true;
        return false;
    }

    // The index of the coface adding w, for any w in [0, n): for a vertex of
    // the simplex, the same formula with w counted among the vertices above
    // it. It never decreases with w, so a binary search finds where a given
    // coface index falls.
    index_t coface_index(const coface_cursor& u, index_t w, int& above) const {
        int m = 0;
        index_t idx = 0;
        while (m < k_ && u.v[m] > w) {
            idx += (*binom_)(u.v[m], k_ + 1 - m);
            ++m;
        }
        idx += (*binom_)(w, k_ + 1 - m);
        for (int t = m; t < k_; ++t) idx += (*binom_)(u.v[t], k_ - t);
        above = m;
        return idx;
    }

    // The largest w not in the simplex whose coface index is <= limit, or -1.
    index_t last_extension(const coface_cursor& u, index_t limit) const {
        int m = 0;
        if (coface_index(u, 0, m) > limit) return -1;
        index_t lo = 0, hi = n_;  // coface_index(lo) <= limit; the answer lies in [lo, hi)
        while (hi - lo > 1) {
            const index_t mid = lo + (hi - lo) / 2;
            if (coface_index(u, mid, m) <= limit) lo = mid; else hi = mid;
        }
        while (lo >= 0 && member(u, lo)) --lo;
        return lo;
    }

    void set_current(coface_cursor& u, index_t w, value_t d) const {
        int m = 0;
        u.at = coface_index(u, w, m);
        u.at_diam = d;
        u.sign = (m & 1) ? p_ - 1 : 1;
    }

    // Places u on its first coface not earlier than `from`; false when none.
    bool seek(coface_cursor& u, const entry& from) const {
        if (from.diam < u.diam) return walk_down(u, walk_from(*dist_, u.v[0], n_ - 1));
        const index_t w = last_extension(u, from.index);
        if (from.diam == u.diam) return w < 0 ? by_distance(u, u.diam, -1) : walk_down(u, walk_from(*dist_, u.v[0], w));
        return by_distance(u, from.diam, w);
    }

    bool advance(coface_cursor& u) const {
        if (!u.ordered) return walk_down(u, u.pos[0] - 1);
        const int t = u.stream;
        ++u.pos[t];
        settle(u, t);
        return select(u);
    }

    // Phase 1 from position pos down; on to phase 2 when it runs out.
    bool walk_down(coface_cursor& u, std::int64_t pos) const {
        u.ordered = false;
        const std::int64_t end = walk_end(*dist_, u.v[0]);
        for (; pos > end; --pos) {
            const index_t w = walk_vertex(*dist_, u.v[0], pos);
            bool within = !member(u, w);
            for (int t = 0; t < k_ && within; ++t) within = (*dist_)(u.v[t], w) <= u.diam;
            if (within) {
                u.pos[0] = pos;
                set_current(u, w, u.diam);
                return true;
            }
        }
        return by_distance(u, u.diam, -1);
    }

    // Phase 2 from the first coface with key (d, w), in the order of
    // increasing d and then decreasing w, not before (d, wmax).
    bool by_distance(coface_cursor& u, value_t d, index_t wmax) const {
        u.ordered = true;
        for (int t = 0; t < k_; ++t) {
            const auto v = static_cast<std::size_t>(u.v[t]);
            const std::size_t b = order_->start[v], e = order_->start[v + 1];
            const value_t* dist = order_->dist.data();
            const std::int32_t* vert = order_->vertex.data();
            std::size_t lo = b, hi = e;  // first position not before (d, wmax)
            while (lo < hi) {
                const std::size_t mid = lo + (hi - lo) / 2;
                if (dist[mid] < d || (dist[mid] == d && vert[mid] > wmax)) lo = mid + 1; else hi = mid;
            }
            u.pos[t] = static_cast<std::int64_t>(lo);
            settle(u, t);
        }
        return select(u);
    }

    // Moves list t's position to the next neighbour it yields: w whose
    // largest distance to the simplex is d(v_t, w), ties to the smallest t.
    // Phase 2 starts past diam s, so the simplex's own vertices never come.
    void settle(coface_cursor& u, int t) const {
        const auto v = static_cast<std::size_t>(u.v[t]);
        const auto end = static_cast<std::int64_t>(order_->start[v + 1]);
        for (; u.pos[t] < end; ++u.pos[t]) {
            const auto i = static_cast<std::size_t>(u.pos[t]);
            const index_t w = order_->vertex[i];
            const value_t dw = order_->dist[i];
            bool yields = true;
            for (int r = 0; r < k_ && yields; ++r) {
                if (r == t) continue;
                const value_t dr = (*dist_)(u.v[r], w);
                yields = dr < dw || (dr == dw && r > t);
            }
            if (yields) return;
        }
    }

    // The earliest head of the k lists becomes the current coface.
    bool select(coface_cursor& u) const {
        int best = -1;
        value_t bd = 0;
        index_t bw = -1;
        for (int t = 0; t < k_; ++t) {
            const auto v = static_cast<std::size_t>(u.v[t]);
            const auto i = static_cast<std::size_t>(u.pos[t]);
            if (i >= order_->start[v + 1]) continue;
            const value_t d = order_->dist[i];
            const index_t w = order_->vertex[i];
            if (best < 0 || d < bd || (d == bd && w > bw)) {
                best = t;
                bd = d;
                bw = w;
            }
        }
        if (best < 0) {
            u.at = -1;
            return false;
        }
        u.stream = best;
        set_current(u, bw, bd);
        return true;
    }

    const Oracle* dist_;
    const neighbour_order* order_;
    const binomials* binom_;
    index_t n_;
    coef_t p_;
    int k_ = 2;
    std::vector<coface_cursor> cursors_;
    std::vector<head> heap_;
    std::vector<std::uint32_t> group_;
    std::vector<index_t> keys_;
    std::vector<std::uint32_t> slots_;
    std::vector<std::size_t> used_;
    std::size_t pending_ = 0;
};

}  // namespace fasttda::rips
