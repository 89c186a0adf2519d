// The sandbox server's framing and fast-request reader (cpp/bindings/sandbox_wire.hpp):
// the byte layouts written out by hand from src/sandbox_client/_whest_wire.py's
// description, and deterministic fuzzing of what a hostile sandbox can send.
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../bindings/sandbox_wire.hpp"

using flopscope::sandbox::FastRequest;
using flopscope::sandbox::FrameReader;
using flopscope::sandbox::kMaxFrame;
using Bytes = std::vector<unsigned char>;

namespace {

void put_u32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
void put_i64(Bytes& b, int64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(uint8_t(uint64_t(v) >> (8 * i)));
}

Bytes fast_request(uint8_t kind, uint32_t id, std::vector<int64_t> args, std::vector<int64_t> frees) {
  Bytes b{kind};
  put_u32(b, id);
  b.push_back(uint8_t(args.size()));
  b.push_back(uint8_t(args.size() >> 8));
  b.push_back(uint8_t(frees.size()));
  b.push_back(uint8_t(frees.size() >> 8));
  for (int64_t h : args) put_i64(b, h);
  for (int64_t h : frees) put_i64(b, h);
  return b;
}

Bytes framed(const Bytes& payload) {
  Bytes b;
  put_u32(b, uint32_t(payload.size()));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Feeds `stream` to a reader in chunks of the sizes `chunk` draws; collects the frames.
struct Fed {
  std::vector<Bytes> frames;
  bool oversized = false;
  size_t announced = 0;
};
Fed feed(const Bytes& stream, std::mt19937_64& rng, size_t max_chunk) {
  FrameReader reader;
  Fed fed;
  size_t pos = 0;
  for (;;) {
    const unsigned char* payload = nullptr;
    size_t size = 0;
    const auto st = reader.next(payload, size);
    if (st == FrameReader::Status::Frame) {
      fed.frames.emplace_back(payload, payload + size);
      continue;
    }
    if (st == FrameReader::Status::Oversized) {
      fed.oversized = true;
      fed.announced = size;
      return fed;
    }
    if (pos == stream.size()) return fed;
    size_t room = 0;
    unsigned char* at = reader.space(room);
    EXPECT_GT(room, 0u);
    size_t n = 1 + rng() % max_chunk;
    if (n > room) n = room;
    if (n > stream.size() - pos) n = stream.size() - pos;
    std::memcpy(at, stream.data() + pos, n);
    reader.commit(n);
    pos += n;
  }
}

}  // namespace

TEST(SandboxWire, FastRequestIsReadAsLaidOut) {
  const Bytes b = fast_request(1, 0x01020304, {7, -2}, {1LL << 40});
  ASSERT_EQ(b.size(), 9u + 24u);
  FastRequest rq;
  ASSERT_EQ(flopscope::sandbox::parse_fast(b.data(), b.size(), rq), nullptr);
  EXPECT_EQ(rq.kind, 1);
  EXPECT_EQ(rq.ident, 0x01020304u);
  EXPECT_EQ(rq.nargs, 2);
  EXPECT_EQ(rq.nfrees, 1);
  EXPECT_EQ(rq.handle(0), 7);
  EXPECT_EQ(rq.handle(1), -2);
  EXPECT_EQ(rq.handle(2), 1LL << 40);
  EXPECT_TRUE(flopscope::sandbox::is_fast(b.data(), b.size()));
  const Bytes generic{'t', 2, 0, 0, 0};
  EXPECT_FALSE(flopscope::sandbox::is_fast(generic.data(), generic.size()));
  EXPECT_FALSE(flopscope::sandbox::is_fast(nullptr, 0));
}

TEST(SandboxWire, TruncatedOrPaddedFastRequestsAreRefused) {
  const Bytes good = fast_request(2, 3, {1, 2}, {});
  FastRequest rq;
  for (size_t n = 0; n < good.size(); ++n) {
    const char* why = flopscope::sandbox::parse_fast(good.data(), n, rq);
    ASSERT_NE(why, nullptr) << n;
    EXPECT_NE(std::string(why).find("malformed"), std::string::npos);
  }
  Bytes padded = good;
  padded.push_back(0);
  EXPECT_NE(flopscope::sandbox::parse_fast(padded.data(), padded.size(), rq), nullptr);
  // counts that announce more handles than the message holds (u16 max each)
  Bytes lying = fast_request(1, 0, {}, {});
  lying[5] = lying[6] = lying[7] = lying[8] = 0xff;
  EXPECT_NE(flopscope::sandbox::parse_fast(lying.data(), lying.size(), rq), nullptr);
}

TEST(SandboxWire, FuzzedFastRequestsAreReadOnlyWhenExactlySized) {
  std::mt19937_64 rng(28);
  FastRequest rq;
  for (int trial = 0; trial < 200000; ++trial) {
    Bytes b(rng() % 64);
    for (auto& c : b) c = uint8_t(rng());
    if (!b.empty() && trial % 2 == 0) b[0] = uint8_t(1 + rng() % 2);
    if (b.size() >= 9 && trial % 3 == 0) {  // plausible small counts, so that some lengths match
      b[5] = uint8_t(rng() % 4);
      b[6] = 0;
      b[7] = uint8_t(rng() % 4);
      b[8] = 0;
    }
    const char* why = flopscope::sandbox::parse_fast(b.data(), b.size(), rq);
    if (why == nullptr) {
      ASSERT_EQ(b.size(), 9u + 8u * (size_t(rq.nargs) + rq.nfrees));
      ASSERT_EQ(rq.handles, b.data() + 9);
    }
  }
}

TEST(SandboxWire, ArrayReplyBytes) {
  Bytes out;
  const int64_t dims[2] = {3, 100};
  flopscope::sandbox::append_array_reply(out, 7, "float64", 7, 2, dims);
  // u32 body length, "t" u32 2, "i" i64 0, "A" i64 7, u8 7 "float64", u8 2, i64 3, i64 100
  Bytes want;
  put_u32(want, 1 + 4 + 1 + 8 + 1 + 8 + 1 + 7 + 1 + 16);
  want.push_back('t');
  put_u32(want, 2);
  want.push_back('i');
  put_i64(want, 0);
  want.push_back('A');
  put_i64(want, 7);
  want.push_back(7);
  for (char c : std::string("float64")) want.push_back(uint8_t(c));
  want.push_back(2);
  put_i64(want, 3);
  put_i64(want, 100);
  EXPECT_EQ(out, want);
  out.clear();
  flopscope::sandbox::append_array_reply(out, 1, "bool", 4, 0, nullptr);  // 0-d
  EXPECT_EQ(out.size(), 4u + 15u + 8u + 1u + 4u + 1u);
  EXPECT_EQ(out.back(), 0);
}

TEST(SandboxWire, FramesSurviveAnyChunking) {
  std::mt19937_64 rng(4);
  std::vector<Bytes> sent;
  Bytes stream;
  for (int i = 0; i < 300; ++i) {
    Bytes p(i % 50 == 0 ? 70000 + rng() % 1000 : rng() % 100);  // a few larger than the initial buffer
    for (auto& c : p) c = uint8_t(rng());
    const Bytes f = framed(p);
    stream.insert(stream.end(), f.begin(), f.end());
    sent.push_back(std::move(p));
  }
  for (size_t max_chunk : {1u, 3u, 17u, 4096u, 1u << 20}) {
    const Fed fed = feed(stream, rng, max_chunk);
    EXPECT_FALSE(fed.oversized);
    ASSERT_EQ(fed.frames.size(), sent.size()) << max_chunk;
    for (size_t i = 0; i < sent.size(); ++i) ASSERT_EQ(fed.frames[i], sent[i]) << i;
  }
}

TEST(SandboxWire, TruncatedStreamYieldsNoPartialFrame) {
  const Bytes whole = framed(fast_request(1, 4, {1, 2}, {3}));
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    const Bytes part(whole.begin(), whole.begin() + cut);
    FrameReader reader;
    size_t room = 0;
    unsigned char* at = reader.space(room);
    if (!part.empty()) std::memcpy(at, part.data(), part.size());
    reader.commit(part.size());
    const unsigned char* payload = nullptr;
    size_t size = 0;
    EXPECT_EQ(reader.next(payload, size), FrameReader::Status::NeedMore) << cut;
    EXPECT_EQ(reader.mid_frame(), cut > 0);
  }
}

TEST(SandboxWire, OversizedFrameIsRefusedBeforeBuffering) {
  std::mt19937_64 rng(6);
  Bytes stream;
  put_u32(stream, kMaxFrame + 1);
  stream.resize(stream.size() + 16, 'x');
  const Fed fed = feed(stream, rng, 4096);
  EXPECT_TRUE(fed.oversized);
  EXPECT_EQ(fed.announced, size_t(kMaxFrame) + 1);
  Bytes max_u32;
  put_u32(max_u32, 0xffffffffu);
  EXPECT_TRUE(feed(max_u32, rng, 4).oversized);
  // a frame at the cap is waited for, not refused (4 bytes of header only: no memory is taken)
  Bytes at_cap;
  put_u32(at_cap, kMaxFrame);
  const Fed waiting = feed(at_cap, rng, 4);
  EXPECT_FALSE(waiting.oversized);
  EXPECT_TRUE(waiting.frames.empty());
}

TEST(SandboxWire, LargeFrameBufferIsGivenBack) {
  FrameReader reader;
  const size_t initial = reader.capacity();
  Bytes p(initial * 3, 'y');
  const Bytes f = framed(p);
  size_t pos = 0;
  const unsigned char* payload = nullptr;
  size_t size = 0;
  while (reader.next(payload, size) != FrameReader::Status::Frame) {
    size_t room = 0;
    unsigned char* at = reader.space(room);
    const size_t n = std::min(room, f.size() - pos);
    ASSERT_GT(n, 0u);
    std::memcpy(at, f.data() + pos, n);
    reader.commit(n);
    pos += n;
  }
  EXPECT_EQ(size, p.size());
  EXPECT_GE(reader.capacity(), p.size() + 4);
  reader.shrink();
  EXPECT_EQ(reader.capacity(), initial);
}
