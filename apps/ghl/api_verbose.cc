#include "api_verbose.h"

#include <cstdio>
#include <string>

#include "ghl/client/curl_format.h"
#include "ghl/core/text.h"

namespace ghl::cli {
namespace {

void Lines(std::string_view prefix, std::string_view text) {
  if (text.empty()) {
    std::fprintf(stderr, "%c\n", prefix.front());
    return;
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t eol = text.find('\n', start);
    std::string line(text.substr(start, eol == std::string_view::npos ? eol : eol - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string safe = TerminalSafeLine(line);
    std::fprintf(stderr, "%.*s%s\n", static_cast<int>(prefix.size()), prefix.data(), safe.c_str());
    if (eol == std::string_view::npos) break;
    start = eol + 1;
  }
}

class VerboseTransport final : public http::Transport {
 public:
  explicit VerboseTransport(std::shared_ptr<http::Transport> inner) : inner_(std::move(inner)) {}

  Result<http::Response> Send(const http::Request& request,
                              const http::TransportOptions& options) override {
    http::Request shown = client::MaskedRequest(request);
    Lines("> ", shown.method + " " + shown.target);
    for (const auto& [name, value] : shown.headers.fields()) Lines("> ", name + ": " + value);
    Lines(">", "");
    if (!shown.body.empty()) Lines("> ", shown.body);
    auto answer = inner_->Send(request, options);
    if (!answer.ok()) {
      Lines("* ", answer.error().Summary());
    } else {
      std::string head = client::FormatStatusAndHeaders(answer->status, answer->headers);
      Lines("< ", head);
      Lines("<", "");
    }
    std::fflush(stderr);
    return answer;
  }

 private:
  std::shared_ptr<http::Transport> inner_;
};

}  // namespace

std::shared_ptr<http::Transport> MakeVerboseTransport(std::shared_ptr<http::Transport> inner) {
  return std::make_shared<VerboseTransport>(std::move(inner));
}

}  // namespace ghl::cli
