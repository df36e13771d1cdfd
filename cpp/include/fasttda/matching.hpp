// Bipartite matchings on sparse graphs: maximum cardinality (Hopcroft-Karp)
// and minimum cost with an optional exit per row (shortest augmenting paths
// with potentials). Plain graph algorithms that know nothing of persistence
// diagrams; diagram_distance.hpp builds the graphs.
//
// A graph is given in compressed rows: row r's edges are
// col[start[r] .. start[r + 1]), with cost[k] for edge k where costs matter.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "parallel.hpp"

namespace fasttda::matching {

using vertex = std::int32_t;
inline constexpr vertex none = -1;

struct csr {
    std::vector<std::size_t> start{0};  // rows + 1 offsets
    std::vector<vertex> col;
    std::vector<double> cost;  // empty for cardinality matching

    std::size_t rows() const { return start.size() - 1; }
    void clear() {
        start.assign(1, 0);
        col.clear();
        cost.clear();
    }
    void end_row() { start.push_back(col.size()); }
};

// Throws fasttda::interrupted once `cancel` is set; kernels call it between
// units of work that take at most milliseconds.
inline void check_cancel(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw interrupted();
}

// Maximum cardinality matching (Hopcroft-Karp, O(E sqrt(V))), with the
// layered search and the augmenting walks written as loops so that long paths
// do not exhaust a worker's stack. Buffers are kept between calls.
class hopcroft_karp {
public:
    // Matches rows to columns 0..n_cols-1; row_mate[r] is the column or none.
    // Stops early, returning the size so far, once `target` rows are matched
    // or once it is clear that fewer than `target` can be.
    std::size_t run(const csr& g, std::size_t n_cols, std::size_t target = std::numeric_limits<std::size_t>::max()) {
        const std::size_t n_rows = g.rows();
        row_mate.assign(n_rows, none);
        col_mate.assign(n_cols, none);
        std::size_t size = 0;
        // Greedy start: most rows of a diagram graph find a free column at once.
        for (std::size_t r = 0; r < n_rows; ++r)
            for (std::size_t k = g.start[r]; k < g.start[r + 1]; ++k)
                if (col_mate[g.col[k]] == none) {
                    row_mate[r] = g.col[k];
                    col_mate[g.col[k]] = static_cast<vertex>(r);
                    ++size;
                    break;
                }
        layer_.resize(n_rows);
        next_edge_.resize(n_rows);
        while (size < target && bfs(g)) {
            for (std::size_t r = 0; r < n_rows; ++r)
                if (row_mate[r] == none && augment(g, static_cast<vertex>(r))) ++size;
        }
        return size;
    }

    std::vector<vertex> row_mate, col_mate;

private:
    static constexpr std::uint32_t unreached = std::numeric_limits<std::uint32_t>::max();

    // Layers rows by alternating distance from the free rows; true when some
    // free column is reachable.
    bool bfs(const csr& g) {
        const std::size_t n_rows = g.rows();
        queue_.clear();
        for (std::size_t r = 0; r < n_rows; ++r) {
            if (row_mate[r] == none) {
                layer_[r] = 0;
                queue_.push_back(static_cast<vertex>(r));
            } else {
                layer_[r] = unreached;
            }
        }
        bool found = false;
        for (std::size_t h = 0; h < queue_.size(); ++h) {
            const vertex r = queue_[h];
            for (std::size_t k = g.start[r]; k < g.start[r + 1]; ++k) {
                const vertex m = col_mate[g.col[k]];
                if (m == none) {
                    found = true;
                } else if (layer_[m] == unreached) {
                    layer_[m] = layer_[r] + 1;
                    queue_.push_back(m);
                }
            }
        }
        return found;
    }

    // One augmenting path from free row `root` along the layers, found by an
    // explicit-stack depth-first walk; dead rows are taken out of the layering.
    bool augment(const csr& g, vertex root) {
        stack_.clear();
        stack_.push_back(root);
        next_edge_[root] = g.start[root];
        while (!stack_.empty()) {
            const vertex r = stack_.back();
            bool advanced = false;
            while (next_edge_[r] < g.start[r + 1]) {
                const vertex c = g.col[next_edge_[r]];
                const vertex m = col_mate[c];
                if (m == none) {  // free column: flip the path on the stack
                    for (std::size_t s = stack_.size(); s-- > 0;) {
                        const vertex row = stack_[s];
                        const vertex col = g.col[next_edge_[row]];
                        row_mate[row] = col;
                        col_mate[col] = row;
                    }
                    return true;
                }
                if (layer_[m] == layer_[r] + 1) {
                    next_edge_[m] = g.start[m];
                    stack_.push_back(m);
                    advanced = true;
                    break;
                }
                ++next_edge_[r];
            }
            if (!advanced) {
                layer_[r] = unreached;
                stack_.pop_back();
                if (!stack_.empty()) ++next_edge_[stack_.back()];
            }
        }
        return false;
    }

    std::vector<std::uint32_t> layer_;
    std::vector<std::size_t> next_edge_;
    std::vector<vertex> queue_, stack_;
};

// Minimum-cost assignment of every row either to a column (edge costs, any
// sign) or to its own exit (cost 0), each column taken at most once: the
// shortest augmenting path method (Jonker-Volgenant, as Crouse 2016 writes it
// for rectangular problems) with Dijkstra on a binary heap, so a row's search
// touches only the edges it reaches. Row and column potentials keep reduced
// costs non-negative after the first step of each search; a free column keeps
// potential 0, which makes the result optimal with columns left free.
// Results are exact up to floating-point rounding and do not depend on timing.
class min_cost_with_exits {
public:
    static constexpr vertex exit = -2;  // row_mate value: the row took its exit

    // Fills row_mate (a column or `exit`) and col_mate (a row or none).
    void run(const csr& g, std::size_t n_cols, const std::atomic<bool>* cancel = nullptr) {
        const std::size_t n_rows = g.rows();
        row_mate.assign(n_rows, none);
        col_mate.assign(n_cols, none);
        u_.assign(n_rows, 0.0);
        v_.assign(n_cols, 0.0);
        dist_.assign(n_cols, inf);
        pred_.assign(n_cols, none);
        done_.assign(n_cols, 0);
        row_dist_.assign(n_rows, 0.0);
        // Row reduction: u_r = min(0, cheapest edge) keeps every reduced cost
        // >= 0 with v = 0; a row whose cheapest column is still free takes it
        // (a tight edge) and needs no search (about 40% of the rows of H1
        // diagrams).
        for (std::size_t r = 0; r < n_rows; ++r) {
            if (g.start[r] == g.start[r + 1]) {  // no edge worth taking: the exit
                row_mate[r] = exit;
                continue;
            }
            std::size_t best = g.start[r];
            for (std::size_t k = best + 1; k < g.start[r + 1]; ++k)
                if (g.cost[k] < g.cost[best]) best = k;
            if (g.cost[best] >= 0) {
                row_mate[r] = exit;
                continue;
            }
            u_[r] = g.cost[best];
            if (col_mate[g.col[best]] == none) {
                row_mate[r] = g.col[best];
                col_mate[g.col[best]] = static_cast<vertex>(r);
            }
        }
        std::size_t searched = 0;
        for (std::size_t s = 0; s < n_rows; ++s) {
            if (row_mate[s] != none) continue;
            if ((searched++ & 63) == 0) check_cancel(cancel);
            search(g, static_cast<vertex>(s));
        }
    }

    std::vector<vertex> row_mate, col_mate;

private:
    static constexpr double inf = std::numeric_limits<double>::infinity();

    void relax_row(const csr& g, vertex r, double dr) {
        visited_rows_.push_back(r);
        row_dist_[r] = dr;
        const double exit_len = dr - u_[r];  // exit cost 0, exit potential 0
        if (exit_len < best_exit_) {
            best_exit_ = exit_len;
            best_exit_row_ = r;
        }
        for (std::size_t k = g.start[r]; k < g.start[r + 1]; ++k) {
            const vertex c = g.col[k];
            if (done_[c]) continue;
            const double nd = dr + g.cost[k] - u_[r] - v_[c];
            if (nd < dist_[c] && nd < best_exit_) {  // a column past the best exit is never settled
                if (dist_[c] == inf) touched_.push_back(c);
                dist_[c] = nd;
                pred_[c] = r;
                heap_.push_back({nd, c});
                std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
            }
        }
    }

    void search(const csr& g, vertex s) {
        best_exit_ = inf;
        best_exit_row_ = none;
        visited_rows_.clear();
        finished_.clear();
        touched_.clear();
        heap_.clear();
        relax_row(g, s, 0.0);
        vertex sink_col = none;
        double total;
        for (;;) {
            while (!heap_.empty() && (done_[heap_.front().second] || heap_.front().first > dist_[heap_.front().second])) {
                std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
                heap_.pop_back();
            }
            if (heap_.empty() || heap_.front().first >= best_exit_) {
                total = best_exit_;
                break;
            }
            const auto [d, c] = heap_.front();
            std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
            heap_.pop_back();
            done_[c] = 1;
            finished_.push_back(c);
            if (col_mate[c] == none) {
                sink_col = c;
                total = d;
                break;
            }
            relax_row(g, col_mate[c], d);
        }
        // Potentials: every row and settled column moves by how much shorter
        // than the augmenting path its own path was.
        for (const vertex r : visited_rows_) u_[r] += total - row_dist_[r];
        for (const vertex c : finished_) v_[c] -= total - dist_[c];
        // Flip the path: from the sink back to s along the predecessors.
        vertex row, col;
        if (sink_col != none) {
            row = pred_[sink_col];
            col = sink_col;
        } else {
            row = best_exit_row_;
            col = exit;
        }
        for (;;) {
            const vertex prev_col = row_mate[row];  // the column row was reached through
            row_mate[row] = col;
            if (col != exit) col_mate[col] = row;
            if (row == s) break;
            col = prev_col;
            row = pred_[col];
        }
        for (const vertex c : touched_) {
            dist_[c] = inf;
            done_[c] = 0;
        }
    }

    std::vector<double> u_, v_, dist_, row_dist_;
    std::vector<vertex> pred_, visited_rows_, finished_, touched_;
    std::vector<char> done_;
    std::vector<std::pair<double, vertex>> heap_;  // a min-heap, emptied at the start of each search
    double best_exit_ = inf;
    vertex best_exit_row_ = none;
};

}  // namespace fasttda::matching
