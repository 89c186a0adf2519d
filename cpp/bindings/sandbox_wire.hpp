// The sandbox channel's hot-path framing, in plain C++ (no Python): the bytes
// the sandbox server's request loop (sandbox_server.cpp) reads and writes. The
// format is the one src/sandbox_client/_whest_wire.py defines (one definition
// of the values; this is its fast subset, kept byte for byte the same):
//
//   frame        u32 payload length (little-endian), then the payload
//   fast request u8 kind (1 FAST_CALL, 2 FAST_OPERATOR), u32 function or
//                operator id, u16 nargs, u16 nfrees, then nargs + nfrees i64
//                handles (the arguments, then the handles the sandbox dropped)
//   array reply  (OK, array): "t" u32 2 "i" i64 0 "A" i64 id, u8 + dtype name,
//                u8 ndim, ndim i64 dims
//
// Every other payload (a generic request, starting with "t") is the Python
// decoder's. tests/cpp: test_sandbox_wire.cpp fuzzes these readers.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace flopscope::sandbox {

static_assert(std::endian::native == std::endian::little, "the sandbox wire is little-endian");

constexpr uint32_t kMaxFrame = 1u << 30;  // one message (_whest_wire.MAX_FRAME)
constexpr uint8_t kFastCall = 1;
constexpr uint8_t kFastOperator = 2;
constexpr size_t kFastHead = 9;  // u8 kind, u32 id, u16 nargs, u16 nfrees

inline uint32_t read_u32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline int64_t read_i64(const unsigned char* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

struct FastRequest {
  uint8_t kind = 0;
  uint32_t ident = 0;
  uint16_t nargs = 0;
  uint16_t nfrees = 0;
  const unsigned char* handles = nullptr;  // nargs + nfrees little-endian i64
  int64_t handle(size_t i) const { return read_i64(handles + 8 * i); }
};

inline bool is_fast(const unsigned char* payload, size_t n) {
  return n > 0 && (payload[0] == kFastCall || payload[0] == kFastOperator);
}

// Reads a fast request; nullptr on success, else what is wrong (the same words
// as _whest_wire.parse_fast_request).
inline const char* parse_fast(const unsigned char* p, size_t n, FastRequest& out) {
  if (n < kFastHead) return "malformed message: a truncated fast request";
  out.kind = p[0];
  out.ident = read_u32(p + 1);
  uint16_t a, f;
  std::memcpy(&a, p + 5, 2);
  std::memcpy(&f, p + 7, 2);
  out.nargs = a;
  out.nfrees = f;
  if (n != kFastHead + 8 * (size_t(a) + size_t(f))) return "malformed message: a fast request of the wrong length";
  out.handles = p + kFastHead;
  return nullptr;
}

// The 14 bytes an (OK, value) reply starts with: the tuple of two items, OK = 0.
constexpr unsigned char kOkHead[14] = {'t', 2, 0, 0, 0, 'i', 0, 0, 0, 0, 0, 0, 0, 0};

// Appends the framed (OK, array) reply. `name` is the dtype name (< 256 bytes).
inline void append_array_reply(std::vector<unsigned char>& out, int64_t hid, const char* name, size_t name_len,
                               int nd, const int64_t* dims) {
  const uint32_t body = uint32_t(sizeof kOkHead + 1 + 8 + 1 + name_len + 1 + 8 * size_t(nd));
  const size_t at = out.size();
  out.resize(at + 4 + body);
  unsigned char* p = out.data() + at;
  std::memcpy(p, &body, 4);
  p += 4;
  std::memcpy(p, kOkHead, sizeof kOkHead);
  p += sizeof kOkHead;
  *p++ = 'A';
  std::memcpy(p, &hid, 8);
  p += 8;
  *p++ = uint8_t(name_len);
  std::memcpy(p, name, name_len);
  p += name_len;
  *p++ = uint8_t(nd);
  if (nd > 0) std::memcpy(p, dims, 8 * size_t(nd));
}

// Splits a byte stream into frames. feed bytes with space()/commit(), then
// next() until it says NeedMore. Frames over kMaxFrame are refused before any
// of their payload is buffered.
class FrameReader {
 public:
  enum class Status { Frame, NeedMore, Oversized };

  explicit FrameReader(size_t initial = 1 << 16) : buf_(initial) {}

  // Where to read to, and how much room is there (never 0).
  unsigned char* space(size_t& room) {
    if (end_ == buf_.size()) make_room();
    room = buf_.size() - end_;
    return buf_.data() + end_;
  }
  void commit(size_t n) { end_ += n; }

  // Frame: `payload`/`size` name the next frame's payload (valid until the next
  // space() call). Oversized: `size` is the announced length; the reader is reset.
  Status next(const unsigned char*& payload, size_t& size) {
    const size_t have = end_ - start_;
    if (have < 4) return Status::NeedMore;
    const uint32_t n = read_u32(buf_.data() + start_);
    if (n > kMaxFrame) {
      size = n;
      start_ = end_ = 0;
      return Status::Oversized;
    }
    if (have - 4 < n) {
      want_ = size_t(n) + 4;
      return Status::NeedMore;
    }
    payload = buf_.data() + start_ + 4;
    size = n;
    start_ += 4 + size_t(n);
    if (start_ == end_) start_ = end_ = 0;
    want_ = 0;
    return Status::Frame;
  }

  bool empty() const { return start_ == end_; }
  bool mid_frame() const { return start_ != end_; }
  size_t capacity() const { return buf_.size(); }

 private:
  // Moves the unread bytes to the front; grows the buffer to hold the frame
  // being read (at most kMaxFrame + 4), and gives a large one's memory back
  // once it has been read.
  void make_room() {
    if (start_ > 0) {
      std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
      if (end_ < buf_.size()) return;
    }
    size_t target = want_ > buf_.size() ? want_ : buf_.size() * 2;
    if (target > size_t(kMaxFrame) + 4) target = size_t(kMaxFrame) + 4;
    buf_.resize(target);
  }

 public:
  // After a large frame: back to the initial size when nothing is pending.
  void shrink(size_t initial = 1 << 16) {
    if (start_ == end_ && buf_.size() > initial) {
      std::vector<unsigned char>(initial).swap(buf_);
      start_ = end_ = 0;
    }
  }

 private:
  std::vector<unsigned char> buf_;
  size_t start_ = 0, end_ = 0, want_ = 0;
};

}  // namespace flopscope::sandbox
