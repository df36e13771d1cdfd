// The nerve of Mapper's clusters: nodes that share points are joined by an
// edge weighted by the number of shared points, and (optionally) triples of
// nodes with a common point form triangles.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <vector>

#include "points.hpp"

namespace fasttda {

// Edges (a < b, sorted, with their shared point counts) and sorted triangles,
// from the list of nodes each point lies in; never compares pairs of nodes
// that share nothing. Node v's members are members[node_offset[v] ..
// node_offset[v+1]), points of 0..n-1.
inline void nerve(std::size_t n, const std::vector<index_t>& node_offset, const std::vector<index_t>& members,
                  bool want_triangles, std::vector<index_t>& edges, std::vector<index_t>& weights,
                  std::vector<index_t>& triangles) {
    const std::size_t nodes = node_offset.size() - 1;
    std::vector<std::size_t> off(n + 1, 0);
    for (index_t p : members) ++off[static_cast<std::size_t>(p) + 1];
    std::partial_sum(off.begin(), off.end(), off.begin());
    std::vector<index_t> in(off[n]);
    std::vector<std::size_t> fill(off.begin(), off.end() - 1);
    for (std::size_t v = 0; v < nodes; ++v)  // nodes in order: each point's list comes out sorted
        for (index_t k = node_offset[v]; k < node_offset[v + 1]; ++k) in[fill[members[k]]++] = static_cast<index_t>(v);
    std::vector<std::uint64_t> pairs;
    std::vector<std::array<index_t, 3>> tri;
    for (std::size_t p = 0; p < n; ++p) {
        const index_t* L = in.data() + off[p];
        const std::size_t len = off[p + 1] - off[p];
        for (std::size_t a = 0; a < len; ++a)
            for (std::size_t b = a + 1; b < len; ++b) {
                pairs.push_back(static_cast<std::uint64_t>(L[a]) * nodes + static_cast<std::uint64_t>(L[b]));
                if (want_triangles)
                    for (std::size_t c = b + 1; c < len; ++c) tri.push_back({L[a], L[b], L[c]});
            }
    }
    std::sort(pairs.begin(), pairs.end());
    for (std::size_t i = 0; i < pairs.size();) {
        std::size_t j = i;
        while (j < pairs.size() && pairs[j] == pairs[i]) ++j;
        edges.push_back(static_cast<index_t>(pairs[i] / nodes));
        edges.push_back(static_cast<index_t>(pairs[i] % nodes));
        weights.push_back(static_cast<index_t>(j - i));
        i = j;
    }
    std::sort(tri.begin(), tri.end());
    tri.erase(std::unique(tri.begin(), tri.end()), tri.end());
    for (const auto& t : tri) triangles.insert(triangles.end(), t.begin(), t.end());
}

}  // namespace fasttda
