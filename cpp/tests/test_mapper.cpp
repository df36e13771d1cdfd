// Mapper's cover, nerve and whole pipeline on cases whose answer is known.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "check.hpp"
#include "fasttda/mapper.hpp"
#include "random_points.hpp"

using namespace fasttda;

int main() {
    {
        // Uniform cover of [0, 10] by 3 intervals with overlap 0.5: L = 5, step 2.5.
        const std::vector<double> lens{0, 2.5, 5, 7.5, 10};
        std::vector<double> lower, upper;
        cover_coordinate(lens.data(), lens.size(), 1, 0, 3, 0.5, false, lower, upper);
        CHECK((lower == std::vector<double>{0, 2.5, 5}));
        CHECK((upper == std::vector<double>{5, 7.5, 10}));
        std::size_t first = 0, last = 0;
        intervals_of(5.0, lower, upper, first, last);  // on two boundaries: in all three intervals
        CHECK(first == 0 && last == 2);
        intervals_of(1.0, lower, upper, first, last);
        CHECK(first == 0 && last == 0);
        intervals_of(-100.0, lower, upper, first, last);  // outside the range: still covered
        CHECK(first == 0 && last == 0);
        // From any guess, near or far (the binary search then), the intervals of the binary search:
        // uniform and balanced covers of 1 to 40 intervals, overlaps up to 0.9, points on the ends and
        // outside the range, the guess from the ends and skewed ones (scaled, shifted, none, huge).
        const std::vector<double> vals = test::uniform<double>(300, 1, 5u);
        for (const std::size_t k : {1, 2, 3, 7, 40})
            for (const bool balanced : {false, true})
                for (const double overlap : {0.0, 0.3, 0.5, 0.9}) {
                    cover_coordinate(vals.data(), vals.size(), 1, 0, k, overlap, balanced, lower, upper);
                    std::vector<double> xs(vals);
                    xs.insert(xs.end(), lower.begin(), lower.end());
                    xs.insert(xs.end(), upper.begin(), upper.end());
                    xs.insert(xs.end(), {-5.0, 5.0, std::nextafter(lower.back(), 0.0), std::nextafter(upper.front(), 1.0)});
                    const interval_ends exact(lower, upper);
                    bool same = true;
                    for (const double scale : {1.0, 0.0, 0.4, 1.7, -1.0, 1e30})
                        for (const double shift : {0.0, 0.05, -0.3, 2.0}) {
                            interval_ends e(exact);
                            e.per *= scale, e.origin += shift;
                            for (const double x : xs) {
                                std::size_t f0 = 0, l0 = 0, f1 = 0, l1 = 0;
                                intervals_of(x, lower, upper, f0, l0);
                                intervals_near(x, lower, upper, e, f1, l1);
                                same = same && f0 == f1 && l0 == l1;
                            }
                        }
                    CHECK(same);
                }
        // A constant coordinate gets one interval.
        const std::vector<double> flat{3, 3, 3};
        cover_coordinate(flat.data(), 3, 1, 0, 4, 0.3, false, lower, upper);
        CHECK(lower.size() == 1 && upper.size() == 1);
    }
    {
        // Nodes {0,1,2}, {2,3}, {2,4}, {5}: edges 0-1, 0-2, 1-2 (each sharing point 2), one triangle.
        const std::vector<index_t> offset{0, 3, 5, 7, 8}, members{0, 1, 2, 2, 3, 2, 4, 5};
        std::vector<index_t> edges, weights, triangles;
        nerve(6, offset, members, true, edges, weights, triangles);
        CHECK((edges == std::vector<index_t>{0, 1, 0, 2, 1, 2}));
        CHECK((weights == std::vector<index_t>{1, 1, 1}));
        CHECK((triangles == std::vector<index_t>{0, 1, 2}));
        // 60 random nodes of up to 12 of 40 points (points in many nodes, some in none): both widths of
        // offsets and node numbers against counting every pair and triple of nodes.
        const std::vector<double> r = test::uniform<double>(2000, 1, 21u);
        std::vector<index_t> off{0}, mem;
        for (std::size_t v = 0, at = 0; v < 60; ++v) {
            const auto size = static_cast<std::size_t>((r[at++] + 1) * 6.5);
            std::vector<index_t> node;
            for (std::size_t i = 0; i < size; ++i) node.push_back(static_cast<index_t>((r[at++] + 1) * 19.99));
            std::sort(node.begin(), node.end());
            node.erase(std::unique(node.begin(), node.end()), node.end());
            mem.insert(mem.end(), node.begin(), node.end());
            off.push_back(static_cast<index_t>(mem.size()));
        }
        std::vector<index_t> e0, w0, t0;
        for (index_t a = 0; a < 60; ++a)
            for (index_t b = a + 1; b < 60; ++b) {
                index_t shared = 0;
                for (index_t i = off[a]; i < off[a + 1]; ++i)
                    shared += std::binary_search(mem.begin() + off[b], mem.begin() + off[b + 1], mem[i]);
                if (shared) e0.push_back(a), e0.push_back(b), w0.push_back(shared);
                for (index_t c = b + 1; c < 60; ++c) {
                    bool common = false;
                    for (index_t i = off[a]; i < off[a + 1] && !common; ++i)
                        common = std::binary_search(mem.begin() + off[b], mem.begin() + off[b + 1], mem[i]) &&
                                 std::binary_search(mem.begin() + off[c], mem.begin() + off[c + 1], mem[i]);
                    if (common) t0.insert(t0.end(), {a, b, c});
                }
            }
        std::vector<index_t> e1, w1, t1, e2, w2, t2;
        nerve_detail::nerve<std::uint32_t, std::int32_t>(45, off, mem, true, e1, w1, t1);
        nerve_detail::nerve<std::size_t, index_t>(45, off, mem, true, e2, w2, t2);
        CHECK(!e0.empty() && !t0.empty());
        CHECK(e1 == e0 && w1 == w0 && t1 == t0);
        CHECK(e2 == e0 && w2 == w0 && t2 == t0);
    }
    {
        // A circle seen through its angle (cos, sin): one component and one loop.
        const std::size_t n = 600;
        const std::vector<double> circle = test::noisy_circle(n, 0.02, 3);
        const points_view<double> X{circle.data(), n, 2};
        std::vector<double> lens(circle);
        for (std::size_t i = 0; i < n; ++i) {
            const double t = std::atan2(circle[2 * i + 1], circle[2 * i]);
            lens[2 * i] = std::cos(t), lens[2 * i + 1] = std::sin(t);
        }
        mapper_params prm;
        prm.n_intervals = {6, 6};
        prm.overlap = {0.3, 0.3};
        exec_policy policy;
        const mapper_result r = mapper(X, lens.data(), 2, prm, policy);
        const std::size_t nodes = r.node_cube.size(), edges = r.edge_weight.size();
        CHECK(nodes > 0 && r.node_offset.size() == nodes + 1);
        // Connected, and as many independent cycles as graph loops minus the triangles filling the corners.
        union_find<std::int64_t> uf(nodes);
        std::size_t components = nodes;
        for (std::size_t e = 0; e < edges; ++e)
            if (uf.unite(r.edges[2 * e], r.edges[2 * e + 1])) --components;
        CHECK(components == 1);
        std::vector<char> covered(n, 0);
        for (index_t p : r.members) covered[static_cast<std::size_t>(p)] = 1;
        CHECK(std::count(covered.begin(), covered.end(), 1) == static_cast<long>(n));
        bool means = r.lens_mean.size() == 2 * nodes;  // each node's mean lens, against a sum here
        for (std::size_t v = 0; v < nodes && means; ++v)
            for (std::size_t c = 0; c < 2; ++c) {
                double sum = 0;
                for (index_t k = r.node_offset[v]; k < r.node_offset[v + 1]; ++k) sum += lens[static_cast<std::size_t>(r.members[static_cast<std::size_t>(k)]) * 2 + c];
                means = means && std::abs(r.lens_mean[v * 2 + c] - sum / static_cast<double>(r.node_offset[v + 1] - r.node_offset[v])) <= 1e-12;
            }
        CHECK(means);
        policy.n_threads = 1;
        const mapper_result again = mapper(X, lens.data(), 2, prm, policy);
        CHECK(again.members == r.members && again.edges == r.edges && again.edge_weight == r.edge_weight);

        prm.n_intervals = {0, 6};
        CHECK_THROWS(mapper(X, lens.data(), 2, prm, policy), std::invalid_argument);
        prm.n_intervals = {6, 6};
        prm.overlap = {1.0, 0.3};
        CHECK_THROWS(mapper(X, lens.data(), 2, prm, policy), std::invalid_argument);
        prm.overlap = {0.3, 0.3};
        lens[5] = std::numeric_limits<double>::quiet_NaN();
        CHECK_THROWS(mapper(X, lens.data(), 2, prm, policy), std::invalid_argument);
    }
    {
        // Single linkage at a fixed height: the depth-first components against the cut of the
        // spanning tree, on uniform points and on an integer grid whose distances tie with the height.
        for (const bool grid : {false, true}) {
            std::vector<double> pts = test::uniform<double>(400, 3, grid ? 8u : 9u);
            if (grid)
                for (double& x : pts) x = std::floor(x * 4);
            const points_view<double> X{pts.data(), 400, 3};
            for (const double h : {0.0, 0.05, 0.1, 1.0, std::sqrt(2.0), 2.0}) {
                union_find<std::int32_t> a(400), b(400);
                height_components<3>(X, h, a);
                single_linkage_cut(prim_mst<3>(X), 0.0, h, 10, b);
                bool same = true;
                for (std::int32_t i = 0; i < 400; ++i) same = same && a.find(i) == b.find(i);
                CHECK(same);
            }
        }
        // float32 in 8-D, where the windows along the widest coordinate decide which pairs are compared:
        // a tight blob (one scan reaches it), a sparse cloud stretched along coordinate 3 (most points
        // reach nothing), heights from 0 to past the diameter.
        std::vector<float> pts = test::uniform<float>(600, 8, 11u);
        for (std::size_t i = 0; i < 600; ++i)
            for (std::size_t j = 0; j < 8; ++j) pts[i * 8 + j] *= i < 200 ? 0.05f : (j == 3 ? 40.0f : 1.0f);
        const points_view<float> Y{pts.data(), 600, 8};
        for (const double h : {0.0, 0.01, 0.1, 0.5, 1.5, 4.0, 100.0}) {
            union_find<std::int32_t> a(600), b(600);
            height_components<8>(Y, h, a);
            single_linkage_cut(prim_mst<8>(Y), 0.0f, h, 10, b);
            bool same = true;
            for (std::int32_t i = 0; i < 600; ++i) same = same && a.find(i) == b.find(i);
            CHECK(same);
        }
        CHECK(squared_height<float>(1.0) == 1.0f);
        CHECK(std::sqrt(static_cast<double>(squared_height<float>(0.3))) <= 0.3);
        CHECK(std::sqrt(static_cast<double>(std::nextafter(squared_height<float>(0.3), 1.0f))) > 0.3);
        CHECK(squared_height<double>(std::numeric_limits<double>::infinity()) == std::numeric_limits<double>::infinity());
    }
    {
        // The first-gap cut without a tree: the closest and farthest pairs against all pairs, and the
        // partition against cutting Prim's tree, in 8-D float32 (a tight blob, a sparse stretched
        // cloud, both together; repeated points) and on a 3-D integer grid (ties everywhere).
        auto check_cloud = [](const auto& X, auto D) {
            using T = std::remove_cv_t<std::remove_reference_t<decltype(*X.data)>>;
            constexpr int d = decltype(D)::value;
            T lo = std::numeric_limits<T>::infinity(), hi = 0;
            for (std::size_t i = 0; i < X.n; ++i)
                for (std::size_t j = i + 1; j < X.n; ++j) {
                    const T s = dist2<d>(X.row(i), X.row(j), X.d);
                    lo = std::min(lo, s), hi = std::max(hi, s);
                }
            CHECK(closest_pair2<d>(X) == lo);
            CHECK(farthest_pair2<d>(X) == hi);
            T diam2 = 0;
            const auto tree = prim_mst<d>(X, &diam2);
            CHECK(diam2 == hi);
            for (const std::size_t bins : {1, 2, 3, 10, 40}) {
                union_find<std::int32_t> a(X.n), b(X.n);
                first_gap_components<d>(X, bins, a);
                single_linkage_cut(tree, diam2, std::optional<double>{}, bins, b);
                bool same = true;
                for (std::int32_t i = 0; i < static_cast<std::int32_t>(X.n); ++i) same = same && a.find(i) == b.find(i);
                CHECK(same);
            }
        };
        std::vector<float> pts = test::uniform<float>(500, 8, 13u);
        for (std::size_t i = 0; i < 500; ++i)
            for (std::size_t j = 0; j < 8; ++j) pts[i * 8 + j] *= i < 250 ? 0.05f : (j == 5 ? 30.0f : 1.0f);
        std::copy(pts.begin(), pts.begin() + 8, pts.begin() + 8 * 499);  // a repeated point
        for (const std::size_t n : {2, 3, 250, 500}) {
            const std::size_t from = n == 250 ? 250 : 500 - n;  // the blob, the cloud, the end of it, all
            check_cloud(points_view<float>{pts.data() + (n == 500 ? 0 : from * 8), n, 8}, std::integral_constant<int, 8>{});
        }
        std::vector<double> grid = test::uniform<double>(300, 3, 14u);
        for (double& x : grid) x = std::floor(x * 3);
        check_cloud(points_view<double>{grid.data(), 300, 3}, std::integral_constant<int, 3>{});
        check_cloud(points_view<double>{grid.data(), 300, 3}, std::integral_constant<int, 0>{});
        // Points on a sphere about their centroid, where every pair is a candidate for the diameter
        // and farthest_pair2 leaves its pair loop: the box tree in 2-D, the vectorised passes in 8-D.
        for (const std::size_t d : {2, 8}) {
            std::vector<float> sphere = test::uniform<float>(400, d, 15u);
            for (std::size_t i = 0; i < 400; ++i) {
                double r = 0;
                for (std::size_t j = 0; j < d; ++j) r += static_cast<double>(sphere[i * d + j]) * sphere[i * d + j];
                for (std::size_t j = 0; j < d; ++j) sphere[i * d + j] = static_cast<float>(sphere[i * d + j] / std::sqrt(r));
            }
            if (d == 2) check_cloud(points_view<float>{sphere.data(), 400, 2}, std::integral_constant<int, 2>{});
            else check_cloud(points_view<float>{sphere.data(), 400, 8}, std::integral_constant<int, 8>{});
        }
    }
    return test::failures() ? 1 : 0;
}
