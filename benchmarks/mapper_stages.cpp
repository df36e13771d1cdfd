// Where one Mapper call's time goes at 10^5 points, stage by stage, in CPU
// time on one thread (best of the repeats; the machine is shared): the input
// checks, the cover's interval ends, the points of each cube, the clustering
// of the 96 preimages (copy of the rows, depth-first search, placing the
// clusters), the nodes' bookkeeping and the nerve; then a whole mapper() call
// on one thread. The equal-work case of benchmarks/mapper_pairs.py: pca2 lens,
// 10×10 cubes, overlap 0.3, single linkage at height 0.5.
//
// Points and lens as raw files, e.g. from Python
//   X = fasttda.datasets.filter_like(10**5, seed=0); X.tofile("X.f32")
//   fasttda.mapper.principal_components(X, 2).tofile("L.f64")
// Build (the AVX2 module's flags) and run:
//   g++ -std=c++17 -O3 -mavx2 -mfma -ffp-contract=off -Icpp/include benchmarks/mapper_stages.cpp -o stages -lpthread
//   ./stages X.f32 L.f64 [repeats=15]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <vector>
#include "fasttda/mapper.hpp"
using namespace fasttda;
static double cpu_ms() {  // the process's, so the worker thread of the whole call counts
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}
template <class T> std::vector<T> load(const char* f) { std::ifstream in(f, std::ios::binary); in.seekg(0, std::ios::end); auto sz = in.tellg(); in.seekg(0); std::vector<T> v(sz / sizeof(T)); in.read((char*)v.data(), sz); return v; }
int main(int argc, char** argv) {
    auto X = load<float>(argv[1]); auto L = load<double>(argv[2]);
    const std::size_t n = L.size() / 2, d = 8, dl = 2;
    points_view<float> P{X.data(), n, d};
    mapper_params prm; prm.n_intervals = {10, 10}; prm.overlap = {0.3, 0.3}; prm.height = 0.5;
    exec_policy pol; pol.n_threads = 1;
    int reps = argc > 3 ? atoi(argv[3]) : 15;
    std::vector<double> best(8, 1e9);
    for (int rep = 0; rep < reps; ++rep) {
        double t0 = cpu_ms();
        check_points(P, pol);
        for (std::size_t i = 0; i < n * dl; ++i) if (!std::isfinite(L[i])) return 1;
        double t1 = cpu_ms();
        mapper_result r; r.lower.resize(dl), r.upper.resize(dl);
        for (std::size_t c = 0; c < dl; ++c) cover_coordinate(L.data(), n, dl, c, 10, 0.3, false, r.lower[c], r.upper[c]);
        std::vector<index_t> stride(dl, 1);
        for (std::size_t c = dl - 1; c-- > 0;) stride[c] = stride[c + 1] * static_cast<index_t>(r.lower[c + 1].size());
        std::vector<index_t> cube_of, start, members;
        double t2 = cpu_ms();
        assign_cubes(L.data(), n, dl, r.lower, r.upper, stride, pol, cube_of, start, members);
        double t3 = cpu_ms();
        const std::size_t cubes = cube_of.size();
        std::vector<std::vector<index_t>> sizes(cubes);
        std::vector<std::vector<double>> means(cubes);
        mapper_detail::preimage_buffers<float> buf;
        for (std::size_t q = 0; q < cubes; ++q) {
            mapper_detail::cluster_preimage<8>(P, members.data() + start[q], start[q + 1] - start[q], prm, 0, L.data(), dl, buf, sizes[q], means[q], nullptr);
        }
        double t4 = cpu_ms();
        for (std::size_t q = 0; q < cubes; ++q)
            for (auto sz : sizes[q]) {
                r.node_cube.push_back(cube_of[q]);
                for (std::size_t c = 0; c < dl; ++c) r.node_intervals.push_back((cube_of[q] / stride[c]) % static_cast<index_t>(r.lower[c].size()));
                r.node_offset.push_back(r.node_offset.back() + sz);
            }
        r.members = members;
        double t5 = cpu_ms();
        nerve(n, r.node_offset, r.members, false, r.edges, r.edge_weight, r.triangles);
        double t6 = cpu_ms();
        mapper_result full = mapper(P, L.data(), dl, prm, pol);
        double t7 = cpu_ms();
        double v[8] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t6 - t0};
        for (int i = 0; i < 8; ++i) best[i] = std::min(best[i], v[i]);
        if (rep == 0) printf("nodes %zu members %zu edges %zu cubes %zu\n", full.node_cube.size(), full.members.size(), full.edge_weight.size(), cubes);
    }
    const char* names[8] = {"checks", "cover_coordinate", "assign_cubes", "cluster(copy+search)", "collect", "nerve", "mapper() whole, 1 thread", "sum of stages"};
    for (int i = 0; i < 8; ++i) printf("%-50s %.3f ms\n", names[i], best[i]);
}
