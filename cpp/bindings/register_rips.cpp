#include "common.hpp"
#include "fasttda/rips.hpp"

namespace fasttda::bind {

namespace {

// dgms as a list of (m, 2) float64 arrays, one per dimension.
py::dict to_python(rips::result&& r) {
    py::list dgms;
    for (auto& bars : r.dgms) {
        std::vector<double> flat;
        flat.reserve(2 * bars.size());
        for (const auto& b : bars) {
            flat.push_back(b.birth);
            flat.push_back(b.death);
        }
        dgms.append(to_numpy(std::move(flat), {static_cast<py::ssize_t>(bars.size()), 2}));
    }
    py::dict out;
    out["dgms"] = dgms;
    out["num_edges"] = r.num_edges;
    return out;
}

template <class T>
void define(py::module_& m) {
    m.def(
        "rips_points",
        [](const carray<T>& X, int maxdim, double thresh, std::int64_t coeff, std::optional<unsigned> n_threads) {
            const auto pts = points(X);
            rips::result r;
            {
                py::gil_scoped_release nogil;
                const auto pol = policy(n_threads);
                rips::check_parameters(pts.n, maxdim, coeff);
                rips::check_index_range(pts.n, maxdim);
                r = rips::persistence_dense(rips::point_distances(pts, pol), maxdim, thresh, coeff, pol);
            }
            return to_python(std::move(r));
        },
        py::arg("X").noconvert(), py::arg("maxdim"), py::arg("thresh"), py::arg("coeff"),
        py::arg("n_threads") = py::none());
    m.def(
        "rips_matrix",
        [](const carray<T>& D, int maxdim, double thresh, std::int64_t coeff, std::optional<unsigned> n_threads) {
            if (D.ndim() != 2 || D.shape(0) != D.shape(1))
                throw std::invalid_argument("a distance matrix must be square (n, n)");
            const auto n = static_cast<std::size_t>(D.shape(0));
            const T* d = D.data();
            rips::result r;
            {
                py::gil_scoped_release nogil;
                const auto pol = policy(n_threads);
                rips::check_parameters(n, maxdim, coeff);
                rips::check_index_range(n, maxdim);
                r = rips::persistence_dense(rips::to_dense(d, n, pol), maxdim, thresh, coeff, pol);
            }
            return to_python(std::move(r));
        },
        py::arg("D").noconvert(), py::arg("maxdim"), py::arg("thresh"), py::arg("coeff"),
        py::arg("n_threads") = py::none());
    m.def(
        "rips_graph",
        [](std::size_t n, const carray<index_t>& edges, const carray<T>& dist, int maxdim, double thresh,
           std::int64_t coeff, std::optional<unsigned> n_threads) {
            if (edges.ndim() != 2 || edges.shape(1) != 2 || dist.ndim() != 1 || dist.shape(0) != edges.shape(0))
                throw std::invalid_argument("edges must be (m, 2) and distances (m,)");
            const auto count = static_cast<std::size_t>(dist.shape(0));
            const index_t* e = edges.data();
            std::vector<index_t> ei(count), ej(count);
            for (std::size_t k = 0; k < count; ++k) {
                ei[k] = e[2 * k];
                ej[k] = e[2 * k + 1];
            }
            const T* d = dist.data();
            rips::result r;
            {
                py::gil_scoped_release nogil;
                r = rips::persistence_sparse(n, ei.data(), ej.data(), d, count, maxdim, thresh, coeff,
                                             policy(n_threads));
            }
            return to_python(std::move(r));
        },
        py::arg("n"), py::arg("edges").noconvert(), py::arg("dist").noconvert(), py::arg("maxdim"),
        py::arg("thresh"), py::arg("coeff"), py::arg("n_threads") = py::none());
}

}  // namespace

void register_rips(py::module_& m) {
    define<float>(m);
    define<double>(m);
}

}  // namespace fasttda::bind
