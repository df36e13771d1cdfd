// The nerve of Mapper's clusters: nodes that share points are joined by an
// edge weighted by the number of shared points, and (optionally) triples of
// nodes with a common point form triangles.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "points.hpp"

namespace fasttda {

namespace nerve_detail {

// The nerve with point offsets of type O and node numbers of type V, the
// narrowest that hold the members' count and the nodes' (less memory to fill
// and stream through; the same result).
template <class O, class V>
void nerve(std::size_t n, const std::vector<index_t>& node_offset, const std::vector<index_t>& members,
           bool want_triangles, std::vector<index_t>& edges, std::vector<index_t>& weights,
           std::vector<index_t>& triangles) {
    const std::size_t nodes = node_offset.size() - 1;
    // The nodes of point p: in[end[p - 1] .. end[p]) (end[-1] = 0), by a counting sort of the members.
    std::vector<O> end(n, 0);
    for (index_t p : members) ++end[static_cast<std::size_t>(p)];
    O total = 0;
    for (O& c : end) {  // count -> where p's list starts; the fill below moves it to where it ends
        const O k = c;
        c = total, total = static_cast<O>(total + k);
    }
    std::vector<V> in(static_cast<std::size_t>(total));
    for (std::size_t v = 0; v < nodes; ++v)  // nodes in order: each point's list comes out sorted
        for (index_t k = node_offset[v]; k < node_offset[v + 1]; ++k) in[end[static_cast<std::size_t>(members[k])]++] = static_cast<V>(v);
    // Pairs (a, b), a < b, bucketed by a with a counting sort, then counted per a in a tally: the edges
    // in order, without sorting every pair.
    std::vector<std::size_t> first(nodes + 1, 0);
    for (std::size_t p = 0, b = 0; p < n; b = end[p++])
        for (std::size_t a = b; a < end[p]; ++a) first[static_cast<std::size_t>(in[a]) + 1] += end[p] - a - 1;
    std::partial_sum(first.begin(), first.end(), first.begin());
    std::vector<V> other(first[nodes]);
    std::vector<std::array<index_t, 3>> tri;
    {
        std::vector<std::size_t> at(first.begin(), first.end() - 1);
        for (std::size_t p = 0, from = 0; p < n; from = end[p++]) {
            const V* L = in.data() + from;
            const std::size_t len = end[p] - from;
            for (std::size_t a = 0; a < len; ++a)
                for (std::size_t b = a + 1; b < len; ++b) {
                    other[at[static_cast<std::size_t>(L[a])]++] = L[b];
                    if (want_triangles)
                        for (std::size_t c = b + 1; c < len; ++c) tri.push_back({L[a], L[b], L[c]});
                }
        }
    }
    std::vector<index_t> tally(nodes, 0);
    std::vector<V> seen;
    for (std::size_t a = 0; a < nodes; ++a) {
        for (std::size_t i = first[a]; i < first[a + 1]; ++i)
            if (tally[static_cast<std::size_t>(other[i])]++ == 0) seen.push_back(other[i]);
        std::sort(seen.begin(), seen.end());  // the few nodes a shares points with
        for (const V b : seen) {
            edges.push_back(static_cast<index_t>(a));
            edges.push_back(static_cast<index_t>(b));
            weights.push_back(tally[static_cast<std::size_t>(b)]);
            tally[static_cast<std::size_t>(b)] = 0;
        }
        seen.clear();
    }
    std::sort(tri.begin(), tri.end());
    tri.erase(std::unique(tri.begin(), tri.end()), tri.end());
    for (const auto& t : tri) triangles.insert(triangles.end(), t.begin(), t.end());
}

}  // namespace nerve_detail

// Edges (a < b, sorted, with their shared point counts) and sorted triangles,
// from the list of nodes each point lies in; never compares pairs of nodes
// that share nothing. Node v's members are members[node_offset[v] ..
// node_offset[v+1]), points of 0..n-1.
inline void nerve(std::size_t n, const std::vector<index_t>& node_offset, const std::vector<index_t>& members,
                  bool want_triangles, std::vector<index_t>& edges, std::vector<index_t>& weights,
                  std::vector<index_t>& triangles) {
    const bool narrow = members.size() < (std::size_t(1) << 32) && node_offset.size() < (std::size_t(1) << 31);
    if (narrow)
        nerve_detail::nerve<std::uint32_t, std::int32_t>(n, node_offset, members, want_triangles, edges, weights, triangles);
    else
        nerve_detail::nerve<std::size_t, index_t>(n, node_offset, members, want_triangles, edges, weights, triangles);
}

}  // namespace fasttda
