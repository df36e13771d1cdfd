// The compiled core, built once per instruction set as the module named by
// FASTTDA_MODULE (fasttda._core picks one). Each area registers its functions
// from its own register_*.cpp; this file only wires them up and maps core errors.
#include "common.hpp"

namespace fasttda::bind {
void register_parallel(py::module_& m);
void register_neighbours(py::module_& m);
void register_mapper(py::module_& m);
void register_rips(py::module_& m);
void register_distances(py::module_& m);
void register_testing(py::module_& m);
}  // namespace fasttda::bind

#ifndef FASTTDA_MODULE
#define FASTTDA_MODULE _core_portable
#endif

PYBIND11_MODULE(FASTTDA_MODULE, m) {
    namespace py = pybind11;
    m.doc() = "fasttda's compiled core (kernels release the GIL; see the fasttda package for the API)";
    // std::invalid_argument already maps to ValueError; an interrupted kernel
    // re-raises what the signal handler raised (KeyboardInterrupt by default).
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const fasttda::interrupted&) {
            if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
        }
    });
    fasttda::bind::register_parallel(m);
    fasttda::bind::register_neighbours(m);
    fasttda::bind::register_mapper(m);
    fasttda::bind::register_rips(m);
    fasttda::bind::register_distances(m);
    fasttda::bind::register_testing(m);
#ifdef __AVX2__
    m.attr("isa") = "avx2";
#else
    m.attr("isa") = "portable";
#endif
#ifdef NDEBUG
    m.attr("build_type") = "release";
#else
    m.attr("build_type") = "debug";
#endif
}
