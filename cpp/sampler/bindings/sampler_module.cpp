// whestbench._sampler: thin nanobind layer over the flopscope_sampler library.
// All validation that needs Python types happens in whestbench/sampling.py;
// here we only check what the C++ side relies on, then release the GIL.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cstring>
#include <stdexcept>

#include "flopscope_sampler/sampler.hpp"
#ifdef FSS_HAVE_CUDA
#include "flopscope_sampler/cuda.hpp"
#endif

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using Weights = nb::ndarray<const float, nb::ndim<4>, nb::c_contig, nb::device::cpu>;
using U64Vec = nb::ndarray<const uint64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using F32Out = nb::ndarray<nb::numpy, float>;
using F64Out = nb::ndarray<nb::numpy, double>;

fss::SampleRequest make_request(const Weights& w, int64_t n_samples, const U64Vec& seeds, const U64Vec& streams) {
  const int64_t B = static_cast<int64_t>(w.shape(0)), d = static_cast<int64_t>(w.shape(1));
  const int64_t in = static_cast<int64_t>(w.shape(2)), out = static_cast<int64_t>(w.shape(3));
  if (in != out)
    throw nb::value_error(("weights must be square per layer, got (" + std::to_string(in) + ", " +
                           std::to_string(out) + ")").c_str());
  if (static_cast<int64_t>(seeds.shape(0)) != B || static_cast<int64_t>(streams.shape(0)) != B)
    throw nb::value_error("seeds and streams must have one entry per MLP");
  fss::SampleRequest r;
  r.weights = w.data();
  r.n_mlps = B;
  r.depth = d;
  r.width = in;
  r.n_samples = n_samples;
  r.seeds = seeds.data();
  r.streams = streams.data();
  fss::validate(r);
  return r;
}

nb::tuple to_python(fss::SampleResult&& res, int64_t B, int64_t d, int64_t w) {
  auto* means = new std::vector<float>(std::move(res.means));
  auto* var = new std::vector<double>(std::move(res.final_variance));
  nb::capsule own_m(means, [](void* p) noexcept { delete static_cast<std::vector<float>*>(p); });
  nb::capsule own_v(var, [](void* p) noexcept { delete static_cast<std::vector<double>*>(p); });
  size_t mshape[3] = {static_cast<size_t>(B), static_cast<size_t>(d), static_cast<size_t>(w)};
  size_t vshape[1] = {static_cast<size_t>(B)};
  return nb::make_tuple(F32Out(means->data(), 3, mshape, own_m), F64Out(var->data(), 1, vshape, own_v));
}

}  // namespace

NB_MODULE(_sampler, m) {
  m.doc() = "Monte-Carlo ground-truth sampler (C++ core of whestbench.sample_layer_statistics)";

  m.def(
      "sample_cpu",
      [](Weights weights, int64_t n_samples, U64Vec seeds, U64Vec streams, int threads, int64_t tile_rows,
         const std::string& isa) {
        fss::SampleRequest r = make_request(weights, n_samples, seeds, streams);
        fss::CpuOptions o{threads, tile_rows, fss::resolve_isa(fss::isa_from_name(isa.c_str()))};
        fss::SampleResult res;
        {
          nb::gil_scoped_release release;
          res = fss::sample_cpu(r, o);
        }
        return to_python(std::move(res), r.n_mlps, r.depth, r.width);
      },
      "weights"_a, "n_samples"_a, "seeds"_a, "streams"_a, "threads"_a = 0, "tile_rows"_a = 0,
      "isa"_a = "auto",
      "Sample (B, depth, width, width) float32 weights; returns (means (B, depth, width) float32, "
      "final_variance (B,) float64). isa: the matrix-product kernel (auto, scalar, avx2, avx512); "
      "all give the same bits.");

  m.def(
      "cpu_kernels", []() {
        std::vector<std::string> names;
        for (fss::Isa i : {fss::Isa::Scalar, fss::Isa::Avx2, fss::Isa::Avx512})
          if (fss::isa_supported(i)) names.emplace_back(fss::isa_name(i));
        return names;
      },
      "The matrix-product kernels this CPU can run (auto picks the last).");

  m.def("cuda_built", []() {
#ifdef FSS_HAVE_CUDA
    return true;
#else
    return false;
#endif
  });

  m.def("cuda_status", []() -> std::pair<bool, std::string> {
#ifdef FSS_HAVE_CUDA
    auto s = fss::cuda::status();
    return {s.available, s.reason};
#else
    return {false,
            "this build of whestbench._sampler has no CUDA backend (rebuild with "
            "pip install . -Ccmake.define.FLOPSCOPE_SAMPLER_CUDA=ON on a machine with the CUDA toolkit and cuBLAS)"};
#endif
  });

  m.def(
      "sample_cuda",
      [](Weights weights, int64_t n_samples, U64Vec seeds, U64Vec streams, int device) {
        fss::SampleRequest r = make_request(weights, n_samples, seeds, streams);
#ifdef FSS_HAVE_CUDA
        fss::SampleResult res;
        {
          nb::gil_scoped_release release;
          res = fss::cuda::sample(r, device);
        }
        return to_python(std::move(res), r.n_mlps, r.depth, r.width);
#else
        (void)device;
        throw std::runtime_error("whestbench._sampler was built without the CUDA backend");
#endif
      },
      "weights"_a, "n_samples"_a, "seeds"_a, "streams"_a, "device"_a = 0);

  m.def("chunk_rows", &fss::chunk_rows, "width"_a);

  m.def(
      "normals",
      [](uint64_t seed, uint64_t stream, uint64_t e0, int64_t count) {
        if (count < 0) throw nb::value_error("count must be >= 0");
        auto* v = new std::vector<float>(static_cast<size_t>(count));
        fss::fill_normals(seed, stream, e0, count, v->data());
        nb::capsule own(v, [](void* p) noexcept { delete static_cast<std::vector<float>*>(p); });
        size_t shape[1] = {static_cast<size_t>(count)};
        return F32Out(v->data(), 1, shape, own);
      },
      "seed"_a, "stream"_a, "start"_a, "count"_a, "The sampler's float32 normals start..start+count of a stream.");

  m.def(
      "sgemm",
      [](nb::ndarray<const float, nb::ndim<2>, nb::c_contig, nb::device::cpu> a,
         nb::ndarray<const float, nb::ndim<2>, nb::c_contig, nb::device::cpu> b,
         nb::ndarray<float, nb::ndim<2>, nb::c_contig, nb::device::cpu> c, int repeats) {
        const int64_t M = a.shape(0), K = a.shape(1), N = b.shape(1);
        if (static_cast<int64_t>(b.shape(0)) != K || static_cast<int64_t>(c.shape(0)) != M ||
            static_cast<int64_t>(c.shape(1)) != N)
          throw nb::value_error("sgemm: shape mismatch");
        nb::gil_scoped_release release;
        for (int i = 0; i < repeats; ++i) fss::blas_sgemm_rowmajor(M, N, K, a.data(), b.data(), c.data());
      },
      "a"_a, "b"_a, "c"_a, "repeats"_a = 1, "c = a @ b with the OpenBLAS the sampler uses (for benchmarks).");
  m.def("blas_get_threads", &fss::blas_get_threads);
  m.def("blas_set_threads", &fss::blas_set_threads, "n"_a);
}
