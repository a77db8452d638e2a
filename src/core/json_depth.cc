#include "ghl/core/json_depth.h"

#include <cstring>
#include <vector>

namespace ghl {
namespace {

// One open container on the way down: an object remembers the key being read, an array the
// index of the element being read.
struct Frame {
  bool object = false;
  bool expect_key = false;
  size_t index = 0;
  std::string key;
};

constexpr size_t kMaxKeyChars = 40;
constexpr size_t kMaxPathChars = 160;

std::string PathOf(const std::vector<Frame>& frames) {
  std::vector<std::string> parts;
  for (const Frame& f : frames) {
    if (f.object) {
      parts.push_back((parts.empty() ? "" : ".") + f.key);
    } else {
      parts.push_back("[" + std::to_string(f.index) + "]");
    }
  }
  std::string all;
  for (const auto& p : parts) all += p;
  if (all.size() <= kMaxPathChars) return all;
  // Keep the head and the tail whole-segment, so the path still reads as a path.
  std::string head, tail;
  size_t i = 0;
  while (i < parts.size() && head.size() + parts[i].size() <= kMaxPathChars / 2) head += parts[i++];
  size_t j = parts.size();
  while (j > i && tail.size() + parts[j - 1].size() <= kMaxPathChars / 2) {
    tail = parts[--j] + tail;
  }
  return head + "…(" + std::to_string(j - i) + " more levels)…" + tail;
}

}  // namespace

std::string JsonTooDeep::Describe() const {
  return "nested deeper than " + std::to_string(max_depth) + " levels" +
         (path.empty() ? std::string() : " at " + path);
}

std::optional<JsonTooDeep> FindJsonTooDeep(std::string_view text, size_t max_depth) {
  std::vector<Frame> frames;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    char c = *p;
    if (c == '"') {
      // Skip the string; capture it when it is an object key.
      const char* start = ++p;
      while (p < end) {
        const void* hit = std::memchr(p, '"', static_cast<size_t>(end - p));
        if (hit == nullptr) {
          p = end;
          break;
        }
        const char* q = static_cast<const char*>(hit);
        size_t backslashes = 0;
        for (const char* b = q; b > start && b[-1] == '\\'; --b) ++backslashes;
        p = q + 1;
        if (backslashes % 2 == 0) break;
      }
      if (!frames.empty() && frames.back().object && frames.back().expect_key) {
        size_t len = static_cast<size_t>((p > start ? p - 1 : start) - start);
        frames.back().key.assign(start, std::min(len, kMaxKeyChars));
        frames.back().expect_key = false;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      if (frames.size() >= max_depth) {
        return JsonTooDeep{max_depth, static_cast<size_t>(p - text.data()), PathOf(frames)};
      }
      frames.push_back(Frame{c == '{', c == '{', 0, {}});
    } else if (c == '}' || c == ']') {
      if (!frames.empty()) frames.pop_back();
    } else if (c == ',' && !frames.empty()) {
      if (frames.back().object) {
        frames.back().expect_key = true;
      } else {
        ++frames.back().index;
      }
    }
    ++p;
  }
  return std::nullopt;
}

}  // namespace ghl
