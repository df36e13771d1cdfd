// fasttda._core._testing: hooks for the test suite only, kept out of the
// module's public surface. They reach paths of the core that the public API
// chooses for itself (thread start-up, interrupts, the dense-core radius).
#include <chrono>
#include <stdexcept>
#include <string>

#include "common.hpp"
#include "fasttda/neighbours.hpp"

namespace fasttda::bind {

namespace {

// Every thread of the team spins until `seconds` have passed or the call is
// cancelled; thread `throw_on_thread` throws instead.
void spin(const exec_policy& policy, double seconds, long throw_on_thread) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    run_team(policy, resolve_threads(policy.n_threads), [&](unsigned tid, const std::atomic<bool>& cancel) {
        if (static_cast<long>(tid) == throw_on_thread)
            throw std::runtime_error("worker " + std::to_string(tid) + " failed");
        while (!cancel.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < deadline) {
        }
    });
}

template <class T>
void define_dense_core(py::module_& m) {
    m.def(
        "dense_core",
        [](const carray<T>& X, std::int64_t k, std::size_t count, double radius, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            check_k(k, pts.n);
            core_result<T> core;
            {
                py::gil_scoped_release nogil;
                core = dense_core(pts, static_cast<std::size_t>(k), count, policy(n_threads), radius);
            }
            return py::make_tuple(to_numpy(std::move(core.indices)), to_numpy(std::move(core.codensity)));
        },
        py::arg("X").noconvert(), py::arg("k"), py::arg("count"), py::arg("radius"), py::arg("n_threads") = py::none(),
        "dense_core with the search radius forced (radius >= 0) instead of sampled.");
}

}  // namespace

void register_testing(py::module_& m) {
    py::module_ t = m.def_submodule("_testing", "Test hooks of the compiled core; not part of fasttda's API.");
    t.def(
        "spin",
        [](double seconds, std::optional<unsigned> n_threads, long throw_on_thread) {
            py::gil_scoped_release nogil;
            spin(policy(n_threads), seconds, throw_on_thread);
        },
        py::arg("seconds"), py::arg("n_threads") = py::none(), py::arg("throw_on_thread") = -1,
        "Every thread spins for `seconds` (or until interrupted); `throw_on_thread` makes that worker raise.");
    define_dense_core<float>(t);
    define_dense_core<double>(t);
}

}  // namespace fasttda::bind
