// CPU backend: chunks of the reference algorithm spread over our own worker
// threads, our fixed-order SGEMM (sgemm.hpp) per row tile with the ReLU and
// float64 column sums fused into its last pass over each register tile, and an
// ordered per-MLP commit of chunk partial sums, so the result depends only on
// (weights, seed, stream, n_samples).
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "flopscope_sampler/sampler.hpp"
#include "flopscope_sampler/sgemm.hpp"

namespace fss {
namespace {

// Each MLP's weights packed for the kernel, layer by layer: a layer is packed
// by the first worker that reaches it (the others wait only for that layer,
// so packing overlaps with the products of earlier layers) and all of the
// MLP's layers are freed once its chunks are done. Items are handed out MLP by
// MLP, so only about `threads` MLPs are packed at any time.
class PackedWeights {
 public:
  PackedWeights(const SampleRequest& req, int64_t chunks, Isa isa) : req_(req), isa_(isa) {
    slots_.reserve(static_cast<size_t>(req.n_mlps));
    for (int64_t b = 0; b < req.n_mlps; ++b) slots_.push_back(std::make_unique<Slot>(req.depth, chunks));
  }
  // Layer l of MLP b; valid until release(b).
  const PackedMatrix& layer(int64_t b, int64_t l) {
    Slot& s = *slots_[static_cast<size_t>(b)];
    Layer& L = s.layers[static_cast<size_t>(l)];
    std::call_once(L.once, [&] {
      const int64_t w = req_.width;
      L.packed.emplace(req_.weights + (b * req_.depth + l) * w * w, w, w, isa_);
    });
    return *L.packed;
  }
  // One chunk of MLP b is finished with its weights.
  void release(int64_t b) {
    Slot& s = *slots_[static_cast<size_t>(b)];
    if (s.chunks_left.fetch_sub(1) == 1)
      for (Layer& L : s.layers) L.packed.reset();
  }

 private:
  struct Layer {
    std::once_flag once;
    std::optional<PackedMatrix> packed;
  };
  struct Slot {
    Slot(int64_t depth, int64_t chunks) : layers(static_cast<size_t>(depth)), chunks_left(chunks) {}
    std::vector<Layer> layers;
    std::atomic<int64_t> chunks_left;
  };
  const SampleRequest& req_;
  Isa isa_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

// Per-MLP ordered accumulation of chunk partials.
class OrderedAccumulator {
 public:
  OrderedAccumulator(int64_t n_mlps, size_t stride) : stride_(stride), next_(n_mlps, 0), acc_(n_mlps) {
    for (auto& a : acc_) a.assign(stride, 0.0);
  }
  std::vector<double> take_buffer() {
    std::lock_guard<std::mutex> lk(mu_);
    if (!free_.empty()) {
      auto b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
    return std::vector<double>(stride_);
  }
  // Hands the partial of chunk c of MLP b over; commits every chunk now in order.
  void commit(int64_t b, int64_t c, std::vector<double>&& part) {
    std::lock_guard<std::mutex> lk(mu_);
    auto& pend = pending_[b];
    pend.emplace(c, std::move(part));
    auto it = pend.begin();
    while (it != pend.end() && it->first == next_[b]) {
      double* a = acc_[b].data();
      const double* p = it->second.data();
      for (size_t i = 0; i < stride_; ++i) a[i] += p[i];
      free_.push_back(std::move(it->second));
      it = pend.erase(it);
      ++next_[b];
    }
  }
  const std::vector<double>& sums(int64_t b) const { return acc_[b]; }

 private:
  size_t stride_;
  std::mutex mu_;
  std::vector<int64_t> next_;
  std::vector<std::vector<double>> acc_;
  std::map<int64_t, std::map<int64_t, std::vector<double>>> pending_;
  std::vector<std::vector<double>> free_;
};

}  // namespace

void validate(const SampleRequest& r) {
  if (r.n_mlps <= 0) throw std::invalid_argument("n_mlps must be positive, got " + std::to_string(r.n_mlps));
  if (r.depth <= 0) throw std::invalid_argument("depth must be positive, got " + std::to_string(r.depth));
  if (r.width <= 0) throw std::invalid_argument("width must be positive, got " + std::to_string(r.width));
  if (r.width > (int64_t{1} << 20))
    throw std::invalid_argument("width " + std::to_string(r.width) + " is larger than the supported 2^20");
  if (r.n_samples <= 0)
    throw std::invalid_argument("n_samples must be positive, got " + std::to_string(r.n_samples));
  if (!r.weights || !r.seeds || !r.streams) throw std::invalid_argument("null weights/seeds/streams pointer");
}

double finalize(const double* sums, int64_t depth, int64_t width, int64_t n_samples, float* means_out) {
  const double n = static_cast<double>(n_samples);
  for (int64_t i = 0; i < depth * width; ++i) means_out[i] = static_cast<float>(sums[i] / n);
  const float* last = means_out + (depth - 1) * width;
  const double* sq = sums + depth * width;
  double acc = 0.0;
  for (int64_t j = 0; j < width; ++j) {
    const double m = static_cast<double>(last[j]);
    acc += sq[j] / n - m * m;
  }
  return acc / static_cast<double>(width);
}

void blas_sgemm_rowmajor(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  scipy_cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n),
                    static_cast<blasint>(k), 1.0f, a, static_cast<blasint>(k), b, static_cast<blasint>(n), 0.0f, c,
                    static_cast<blasint>(n));
}
int blas_get_threads() { return scipy_openblas_get_num_threads(); }
void blas_set_threads(int n) { scipy_openblas_set_num_threads(n); }

SampleResult sample_cpu(const SampleRequest& req, const CpuOptions& opt) {
  validate(req);
  const int64_t B = req.n_mlps, d = req.depth, w = req.width, N = req.n_samples;
  const int64_t chunk = chunk_rows(w);
  const int64_t k = chunk_count(N, w);
  int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int64_t tile = opt.tile_rows > 0 ? opt.tile_rows : chunk;  // measured: whole-chunk GEMMs are fastest
  tile = std::min(tile, chunk);
  const Isa isa = resolve_isa(opt.isa);

  const int64_t total_items = B * k;
  const int workers = static_cast<int>(std::min<int64_t>(threads, total_items));

  const size_t stride = static_cast<size_t>((d + 1) * w);
  OrderedAccumulator acc(B, stride);
  PackedWeights packed(req, k, isa);
  std::atomic<int64_t> next_item{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;

  auto worker = [&]() {
    try {
      detail::AlignedFloats xa = detail::aligned_floats(static_cast<size_t>(tile * w));
      detail::AlignedFloats xb = detail::aligned_floats(static_cast<size_t>(tile * w));
      GemmScratch scratch;
      for (;;) {
        if (failed.load(std::memory_order_relaxed)) return;
        const int64_t item = next_item.fetch_add(1);
        if (item >= total_items) return;
        const int64_t b = item / k, c = item % k;
        std::vector<double> part = acc.take_buffer();
        std::fill(part.begin(), part.end(), 0.0);
        const int64_t r0 = c * chunk;
        const int64_t rows = std::min(chunk, N - r0);
        for (int64_t t = 0; t < rows; t += tile) {
          const int64_t m = std::min(tile, rows - t);
          float* x = xa.get();
          float* y = xb.get();
          fill_normals(req.seeds[b], req.streams[b], static_cast<uint64_t>(r0 + t) * static_cast<uint64_t>(w), m * w,
                       x);
          for (int64_t l = 0; l < d; ++l) {
            const ReluColumnSums sums{part.data() + l * w, l == d - 1 ? part.data() + d * w : nullptr};
            sgemm_fixed_order(m, x, packed.layer(b, l), y, scratch, &sums);
            std::swap(x, y);
          }
        }
        packed.release(b);
        acc.commit(b, c, std::move(part));
      }
    } catch (...) {
      std::lock_guard<std::mutex> lk(error_mu);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };

  {
    std::vector<std::jthread> pool;
    pool.reserve(static_cast<size_t>(workers > 0 ? workers - 1 : 0));
    for (int i = 1; i < workers; ++i) pool.emplace_back(worker);
    worker();
  }
  if (error) std::rethrow_exception(error);

  SampleResult res;
  res.means.resize(static_cast<size_t>(B * d * w));
  res.final_variance.resize(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    res.final_variance[b] = finalize(acc.sums(b).data(), d, w, N, res.means.data() + b * d * w);
  return res;
}

}  // namespace fss
