#include "common.hpp"
#include "fasttda/diagram_distance.hpp"

namespace fasttda::bind {

namespace {

diagram::prepared prepare(const carray<double>& D) {
    if (D.ndim() != 2 || D.shape(1) != 2)
        throw std::invalid_argument("a diagram must be an (m, 2) array of (birth, death) pairs");
    return diagram::prepare(D.data(), static_cast<std::size_t>(D.shape(0)));
}

py::array_t<index_t> pairs_to_numpy(diagram::pair_list&& pairs) {
    std::vector<index_t> flat;
    flat.reserve(2 * pairs.size());
    for (const auto& p : pairs) {
        flat.push_back(p[0]);
        flat.push_back(p[1]);
    }
    const auto rows = static_cast<py::ssize_t>(pairs.size());
    return to_numpy(std::move(flat), {rows, 2});
}

// One pair on a team of one thread, so that Ctrl-C stops it like the other kernels.
template <class F>
py::object one_pair(const carray<double>& A, const carray<double>& B, bool want_matching, F&& distance) {
    const auto a = prepare(A), b = prepare(B);
    double d = 0;
    diagram::pair_list pairs;
    {
        py::gil_scoped_release nogil;
        run_team(policy(1), 1, [&](unsigned, const std::atomic<bool>& cancel) {
            diagram::workspace w;
            d = distance(a, b, w, want_matching ? &pairs : nullptr, &cancel);
        });
    }
    if (!want_matching) return py::float_(d);
    if (d == diagram::inf) return py::make_tuple(d, py::none());
    return py::make_tuple(d, pairs_to_numpy(std::move(pairs)));
}

diagram::wasserstein_params params(double order, double internal_p, double delta) {
    diagram::wasserstein_params w{order, internal_p, delta};
    diagram::check(w);
    return w;
}

}  // namespace

void register_distances(py::module_& m) {
    m.def(
        "bottleneck",
        [](const carray<double>& A, const carray<double>& B, bool matching) {
            return one_pair(A, B, matching, [](const auto& a, const auto& b, auto& w, auto* out, const auto* cancel) {
                return diagram::bottleneck(a, b, w, out, cancel);
            });
        },
        py::arg("A").noconvert(), py::arg("B").noconvert(), py::arg("matching") = false);
    m.def(
        "wasserstein",
        [](const carray<double>& A, const carray<double>& B, double order, double internal_p, double delta,
           bool matching) {
            const auto prm = params(order, internal_p, delta);
            return one_pair(A, B, matching, [&](const auto& a, const auto& b, auto& w, auto* out, const auto* cancel) {
                return diagram::wasserstein(a, b, prm, w, out, cancel);
            });
        },
        py::arg("A").noconvert(), py::arg("B").noconvert(), py::arg("order"), py::arg("internal_p"),
        py::arg("delta"), py::arg("matching") = false);
    m.def(
        "diagram_distances",
        [](const std::vector<carray<double>>& dgms, const std::string& kind, double order, double internal_p,
           double delta, std::optional<unsigned> n_threads) {
            if (kind != "bottleneck" && kind != "wasserstein")
                throw std::invalid_argument("metric must be 'bottleneck' or 'wasserstein'");
            const auto prm = params(order, internal_p, delta);
            std::vector<diagram::prepared> prepared;
            prepared.reserve(dgms.size());
            for (const auto& D : dgms) prepared.push_back(prepare(D));
            std::vector<double> out;
            {
                py::gil_scoped_release nogil;
                out = diagram::distance_matrix(
                    prepared, kind == "bottleneck" ? diagram::metric::bottleneck : diagram::metric::wasserstein, prm,
                    policy(n_threads));
            }
            const auto n = static_cast<py::ssize_t>(dgms.size());
            return to_numpy(std::move(out), {n, n});
        },
        py::arg("diagrams"), py::arg("metric"), py::arg("order"), py::arg("internal_p"), py::arg("delta"),
        py::arg("n_threads") = py::none());
}

}  // namespace fasttda::bind
