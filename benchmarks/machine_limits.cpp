// This machine's limits for the k-NN leaf scan, measured in thread CPU time (the
// machine is shared, so wall time would measure the neighbours): a mul+add loop
// (flops; no FMA, as the kernels are built), a STREAM-like copy of 128 MB arrays
// (memory bandwidth, read + write), and the distance-block kernel of the kd-tree's
// leaf scan on L1-resident data (distances per second at d = 8).
//
//   g++ -std=c++17 -O3 -mavx2 -mfma -ffp-contract=off -Icpp/include benchmarks/machine_limits.cpp -o machine_limits -pthread
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "fasttda/points.hpp"
using namespace fasttda;

static double now() { timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
typedef float V __attribute__((vector_size(32)));
double dot_flops(std::size_t reps) {  // 8 independent accumulators, mul+add (no FMA, as the kernels)
    std::vector<float> a(2048, 1.0001f), b(2048, 0.9999f);
    V acc[8] = {};
    double t = now();
    for (std::size_t r = 0; r < reps; ++r)
        for (std::size_t i = 0; i < 2048; i += 64)
            for (int u = 0; u < 8; ++u) { V x, y; std::memcpy(&x, &a[i + 8 * u], 32); std::memcpy(&y, &b[i + 8 * u], 32); acc[u] += x * y; }
    t = now() - t;
    float s = 0; for (auto& v : acc) for (int l = 0; l < 8; ++l) s += v[l];
    if (s == 1.2345f) std::puts("");
    return 2.0 * 2048 * reps / t;
}
double copy_bw(std::size_t reps) {
    std::size_t n = 1 << 25;  // 128 MB per array
    std::vector<float> a(n, 1.0f), b(n);
    double t = now();
    for (std::size_t r = 0; r < reps; ++r) std::memcpy(b.data(), a.data(), n * 4), a[r] = b[n - 1 - r];
    t = now() - t;
    return 2.0 * n * 4 * reps / t;  // read + write
}
double block_rate(std::size_t reps) {
    std::vector<float> blocks(128 * 8);  // a leaf of 128 points
    for (std::size_t i = 0; i < blocks.size(); ++i) blocks[i] = float(i % 17) * 0.01f;
    V q[8]; for (int j = 0; j < 8; ++j) q[j] = V{} + 0.05f * j;
    unsigned sum = 0;
    double t = now();
    for (std::size_t r = 0; r < reps; ++r)
        for (std::size_t b = 0; b < 16; ++b) { V acc[1]; block_dist2<8>(q, blocks.data() + b * 64, 8, acc); sum += within<8>(acc, 0.5f + r * 1e-9f); }
    t = now() - t;
    if (sum == 12345) std::puts("");
    return 8.0 * 16 * reps / t;  // distances per second
}
int main() {
    for (int threads : {1, 2}) {
        std::vector<double> f(threads), c(threads), d(threads);
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t) ts.emplace_back([&, t] { f[t] = dot_flops(200000); d[t] = block_rate(2000000); c[t] = copy_bw(10); });
        for (auto& th : ts) th.join();
        double F = 0, C = 0, D = 0; for (int t = 0; t < threads; ++t) F += f[t], C += c[t], D += d[t];
        std::printf("%d thread(s): mul+add %.1f Gflop/s, copy %.1f GB/s, distance blocks (d=8, L1) %.2f G distances/s\n", threads, F / 1e9, C / 1e9, D / 1e9);
    }
}
