#include "common.hpp"
#include "fasttda/rips.hpp"

namespace fasttda::bind {

namespace {

std::string shape_of(const py::array& a) {
    std::string s = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
    return s + (a.ndim() == 1 ? ",)" : ")");
}

// dgms as a list of (m, 2) float64 arrays, one per dimension; cocycles as a
// list per dimension of (k, dim + 2) int64 arrays, one per bar (ripser.py's
// layout).
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
    py::list cocycles;
    for (std::size_t dim = 0; dim < r.cocycles.size(); ++dim) {
        py::list per_bar;
        const auto width = static_cast<py::ssize_t>(dim + 2);
        for (auto& c : r.cocycles[dim]) {
            const auto rows = static_cast<py::ssize_t>(c.size()) / width;
            per_bar.append(to_numpy(std::move(c), {rows, width}));
        }
        cocycles.append(per_bar);
    }
    py::dict out;
    out["dgms"] = dgms;
    out["cocycles"] = cocycles;
    out["num_edges"] = r.num_edges;
    return out;
}

template <class T>
void define(py::module_& m) {
    m.def(
        "rips_points",
        [](const carray<T>& X, int maxdim, double thresh, std::int64_t coeff, std::optional<unsigned> n_threads,
           bool do_cocycles) {
            const auto pts = points(X);
            rips::result r;
            {
                py::gil_scoped_release nogil;
                r = rips::persistence_points(pts, maxdim, thresh, coeff, policy(n_threads), do_cocycles);
            }
            return to_python(std::move(r));
        },
        py::arg("X").noconvert(), py::arg("maxdim"), py::arg("thresh"), py::arg("coeff"),
        py::arg("n_threads") = py::none(), py::arg("do_cocycles") = false);
    m.def(
        "rips_matrix",
        [](const carray<T>& D, int maxdim, double thresh, std::int64_t coeff, std::optional<unsigned> n_threads,
           bool do_cocycles) {
            if (D.ndim() != 2 || D.shape(0) != D.shape(1))
                throw std::invalid_argument("a distance matrix must be square (n, n), got shape " + shape_of(D));
            const auto n = static_cast<std::size_t>(D.shape(0));
            const T* d = D.data();
            rips::result r;
            {
                py::gil_scoped_release nogil;
                r = rips::persistence_matrix(d, n, maxdim, thresh, coeff, policy(n_threads), do_cocycles);
            }
            return to_python(std::move(r));
        },
        py::arg("D").noconvert(), py::arg("maxdim"), py::arg("thresh"), py::arg("coeff"),
        py::arg("n_threads") = py::none(), py::arg("do_cocycles") = false);
    m.def(
        "rips_graph",
        [](std::size_t n, const carray<index_t>& edges, const carray<T>& dist, int maxdim, double thresh,
           std::int64_t coeff, std::optional<unsigned> n_threads, bool do_cocycles) {
            if (edges.ndim() != 2 || edges.shape(1) != 2 || dist.ndim() != 1 || dist.shape(0) != edges.shape(0))
                throw std::invalid_argument("edges must be (m, 2) and distances (m,)");
            const auto count = static_cast<std::size_t>(dist.shape(0));
            const index_t* e = edges.data();
            const T* d = dist.data();
            rips::result r;
            {
                py::gil_scoped_release nogil;
                r = rips::persistence_sparse(n, e, d, count, maxdim, thresh, coeff, policy(n_threads), do_cocycles);
            }
            return to_python(std::move(r));
        },
        py::arg("n"), py::arg("edges").noconvert(), py::arg("dist").noconvert(), py::arg("maxdim"),
        py::arg("thresh"), py::arg("coeff"), py::arg("n_threads") = py::none(), py::arg("do_cocycles") = false);
}

}  // namespace

void register_rips(py::module_& m) {
    define<float>(m);
    define<double>(m);
}

}  // namespace fasttda::bind
