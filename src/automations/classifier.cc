// The local keyword classifier and the OpenAI-compatible remote one (cookbook 5.x).
#include "ghl/automations/classifier.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "ghl/core/json_depth.h"

namespace ghl::automations {
namespace {

using nlohmann::json;

struct Cue {
  std::string_view text;  // whole words / phrase, lower case; or a pattern name "<...>"
  int weight;
};

// Cues per category, indexed by Category. Documented in doc/automations.md.
constexpr Cue kBooking[] = {
    {"book", 3},         {"booking", 3},    {"appointment", 3},   {"appt", 3},
    {"schedule", 3},     {"reschedule", 3}, {"reserve", 2},       {"available", 2},
    {"availability", 3}, {"slot", 2},       {"consultation", 2},  {"come in", 2},
    {"sign me up", 2},   {"tomorrow", 2},   {"next week", 2},     {"monday", 2},
    {"tuesday", 2},      {"wednesday", 2},  {"thursday", 2},      {"friday", 2},
    {"saturday", 2},     {"sunday", 2},     {"<time of day>", 2}, {"today", 1},
    {"this week", 1},    {"morning", 1},    {"afternoon", 1},     {"evening", 1},
    {"meet", 1},         {"meeting", 1},    {"call", 1},          {"visit", 1},
    {"can i", 1},
};
constexpr Cue kInquiry[] = {
    {"price", 3},           {"prices", 3},      {"pricing", 3},   {"cost", 3},     {"how much", 3},
    {"quote", 2},           {"information", 2}, {"info", 2},      {"question", 2}, {"wondering", 2},
    {"do you", 2},          {"how long", 2},    {"insurance", 2}, {"what is", 1},  {"what are", 1},
    {"how do", 1},          {"hours", 1},       {"open", 1},      {"offer", 1},    {"services", 1},
    {"<question mark>", 1},
};
constexpr Cue kComplaint[] = {
    {"charged twice", 4}, {"refund", 3},        {"overcharged", 3},  {"complaint", 3},
    {"complain", 3},      {"terrible", 3},      {"awful", 3},        {"horrible", 3},
    {"worst", 3},         {"unhappy", 3},       {"disappointed", 3}, {"not happy", 3},
    {"rude", 3},          {"angry", 3},         {"unacceptable", 3}, {"never again", 3},
    {"lawyer", 3},        {"still waiting", 2}, {"waited", 2},       {"broken", 2},
    {"wrong", 2},         {"problem", 2},       {"cancel my", 2},    {"scam", 2},
    {"charged", 1},       {"issue", 1},         {"bad", 1},
};
constexpr Cue kSpam[] = {
    {"<link>", 3},
    {"winner", 4},
    {"you won", 4},
    {"free money", 4},
    {"investment opportunity", 4},
    {"rank your website", 4},
    {"viagra", 4},
    {"casino", 4},
    {"congratulations", 3},
    {"click", 3},
    {"prize", 3},
    {"crypto", 3},
    {"bitcoin", 3},
    {"seo", 3},
    {"unsubscribe", 3},
    {"act now", 3},
    {"limited time", 3},
    {"gift card", 3},
    {"claim your", 3},
    {"<money sign>", 2},
    {"guaranteed", 2},
    {"loan", 2},
    {"dear sir", 2},
    {"earn", 2},
    {"cash", 2},
};

struct CueSet {
  const Cue* cues;
  size_t size;
};
constexpr CueSet kCues[kCategoryCount] = {
    {kBooking, std::size(kBooking)},
    {kInquiry, std::size(kInquiry)},
    {kComplaint, std::size(kComplaint)},
    {kSpam, std::size(kSpam)},
};

// Tie order: booking request, complaint, inquiry, spam.
constexpr Category kTieOrder[] = {Category::kBookingRequest, Category::kComplaint,
                                  Category::kInquiry, Category::kSpam};

// " word word word " (lower case, [a-z0-9'] runs), for whole-word phrase search.
std::string Words(std::string_view text) {
  std::string out = " ";
  bool in_word = false;
  for (char ch : text) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) || ch == '\'') {
      out += static_cast<char>(std::tolower(u));
      in_word = true;
    } else if (in_word) {
      out += ' ';
      in_word = false;
    }
  }
  if (out.back() != ' ') out += ' ';
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool HasTimeOfDay(std::string_view words) {
  // "3pm", "3 pm", "10am", "10 30" (from 10:30 after tokenising), "noon".
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(words[i]))) continue;
    if (i > 0 && words[i - 1] != ' ') continue;
    size_t j = i;
    while (j < words.size() && std::isdigit(static_cast<unsigned char>(words[j]))) ++j;
    if (j - i > 2) continue;
    std::string_view rest = words.substr(j);
    if (rest.starts_with("am ") || rest.starts_with("pm ") || rest.starts_with(" am ") ||
        rest.starts_with(" pm ")) {
      return true;
    }
  }
  return words.find(" noon ") != std::string_view::npos;
}

bool Matches(std::string_view cue, std::string_view raw, std::string_view lower,
             const std::string& words) {
  if (cue == "<question mark>") return raw.find('?') != std::string_view::npos;
  if (cue == "<link>") {
    return lower.find("http://") != std::string_view::npos ||
           lower.find("https://") != std::string_view::npos ||
           lower.find("www.") != std::string_view::npos;
  }
  if (cue == "<money sign>")
    return raw.find("$$") != std::string_view::npos || raw.find("100%") != std::string_view::npos;
  if (cue == "<time of day>") return HasTimeOfDay(words);
  std::string needle = " " + std::string(cue) + " ";
  return words.find(needle) != std::string::npos;
}

}  // namespace

LocalClassifier::LocalClassifier(std::array<std::vector<std::string>, kCategoryCount> extra)
    : extra_(std::move(extra)) {
  for (auto& list : extra_) {
    for (auto& k : list) k = Words(k).substr(1, Words(k).size() - 2);
  }
}

Result<Classification> LocalClassifier::Classify(std::string_view text) {
  std::string lower = Lower(text);
  std::string words = Words(text);
  int score[kCategoryCount] = {};
  std::string why[kCategoryCount];
  for (int c = 0; c < kCategoryCount; ++c) {
    auto add = [&](std::string_view cue, int weight) {
      score[c] += weight;
      why[c] += (why[c].empty() ? "" : " ") + std::string(cue) + "(" + std::to_string(weight) + ")";
    };
    for (size_t i = 0; i < kCues[c].size; ++i) {
      const Cue& cue = kCues[c].cues[i];
      if (Matches(cue.text, text, lower, words)) add(cue.text, cue.weight);
    }
    for (const auto& k : extra_[c]) {
      if (!k.empty() && words.find(" " + k + " ") != std::string::npos) add(k, 2);
    }
  }
  Category best = Category::kInquiry;
  int top = -1;
  for (Category c : kTieOrder) {
    if (score[static_cast<int>(c)] > top) {
      top = score[static_cast<int>(c)];
      best = c;
    }
  }
  int second = 0;
  for (int c = 0; c < kCategoryCount; ++c) {
    if (c != static_cast<int>(best)) second = std::max(second, score[c]);
  }
  Classification out;
  if (top <= 0) {
    out.category = Category::kInquiry;
    out.confidence = 0;
    out.reason = "local: no cue matched";
    return out;
  }
  out.category = best;
  out.confidence = static_cast<double>(top) / static_cast<double>(top + second + 1);
  out.reason = "local: " + why[static_cast<int>(best)];
  return out;
}

OpenAiClassifier::OpenAiClassifier(ClassifierConfig config,
                                   std::shared_ptr<http::Transport> transport)
    : config_(std::move(config)),
      transport_(transport ? std::move(transport) : http::MakeCurlTransport()) {}

namespace {

Error ClassifierError(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.messages.push_back("classifier: " + std::move(message));
  return e;
}

std::string StripFences(std::string s) {
  auto b = s.find('{');
  auto e = s.rfind('}');
  if (b == std::string::npos || e == std::string::npos || e < b) return s;
  return s.substr(b, e - b + 1);
}

}  // namespace

Result<Classification> OpenAiClassifier::Classify(std::string_view text) {
  json request = {
      {"model", config_.model},
      {"temperature", 0},
      {"response_format", {{"type", "json_object"}}},
      {"messages",
       {{{"role", "system"},
         {"content",
          "You classify an SMS or chat message sent by a customer to a small business. "
          "Answer with JSON only: {\"category\": one of \"booking_request\", \"inquiry\", "
          "\"complaint\", \"spam\", \"confidence\": a number from 0 to 1}."}},
        {{"role", "user"}, {"content", std::string(text)}}}}};
  http::Request req;
  req.method = "POST";
  req.target = config_.url;
  req.headers.Set("Authorization", "Bearer " + config_.api_key);
  req.headers.Set("Content-Type", "application/json");
  req.headers.Set("Accept", "application/json");
  req.body = request.dump();
  http::TransportOptions options;
  options.timeout = config_.timeout;
  options.connect_timeout = std::min(config_.timeout, std::chrono::milliseconds(10000));
  options.max_response_bytes = 1u << 20;
  auto res = transport_->Send(req, options);
  if (!res.ok()) {
    Error e = res.error();
    e.messages.insert(e.messages.begin(), "classifier endpoint " + config_.url + " unreachable");
    return e;
  }
  if (res->status < 200 || res->status >= 300) {
    std::string detail;
    json body = ghl::ParseJsonBounded<json>(res->body);
    if (body.is_object() && body.contains("error")) {
      const json& err = body["error"];
      detail = err.is_object()   ? err.value("message", "")
               : err.is_string() ? err.get<std::string>()
                                 : "";
    }
    Error e = ClassifierError(ErrorKind::kApi, "endpoint " + config_.url + " answered HTTP " +
                                                   std::to_string(res->status) +
                                                   (detail.empty() ? "" : ": " + detail));
    e.http_status = res->status;
    if (res->status == 401 || res->status == 403) {
      e.hint = "check the key in $" + config_.api_key_env + " and the model name";
    }
    return e;
  }
  json body = ghl::ParseJsonBounded<json>(res->body);
  std::string content;
  if (body.is_object() && body.contains("choices") && body["choices"].is_array() &&
      !body["choices"].empty()) {
    const json& msg = body["choices"][0].value("message", json::object());
    if (msg.contains("content") && msg["content"].is_string()) content = msg["content"];
  }
  json answer = ghl::ParseJsonBounded<json>(StripFences(content));
  if (!answer.is_object() || !answer.contains("category") || !answer["category"].is_string()) {
    return ClassifierError(ErrorKind::kInternal,
                           "endpoint answer has no JSON {\"category\",\"confidence\"} in "
                           "choices[0].message.content");
  }
  std::string cat = Lower(answer["category"].get<std::string>());
  std::replace(cat.begin(), cat.end(), ' ', '_');
  std::replace(cat.begin(), cat.end(), '-', '_');
  auto category = ParseCategory(cat);
  if (!category) {
    return ClassifierError(ErrorKind::kInternal,
                           "endpoint answered unknown category '" + cat + "'");
  }
  double confidence = 0;
  if (answer.contains("confidence") && answer["confidence"].is_number()) {
    confidence = std::clamp(answer["confidence"].get<double>(), 0.0, 1.0);
  }
  return Classification{*category, confidence, "llm: " + config_.model};
}

namespace {

class FallbackClassifier final : public Classifier {
 public:
  FallbackClassifier(std::unique_ptr<Classifier> primary, std::unique_ptr<Classifier> fallback)
      : primary_(std::move(primary)), fallback_(std::move(fallback)) {}
  Result<Classification> Classify(std::string_view text) override {
    auto r = primary_->Classify(text);
    if (r.ok()) return r;
    auto local = fallback_->Classify(text);
    if (local.ok()) local->reason = "fallback after " + r.error().Summary() + "; " + local->reason;
    return local;
  }

 private:
  std::unique_ptr<Classifier> primary_;
  std::unique_ptr<Classifier> fallback_;
};

}  // namespace

std::unique_ptr<Classifier> MakeClassifier(const MessageClassificationConfig& config,
                                           std::shared_ptr<http::Transport> transport) {
  auto local = std::make_unique<LocalClassifier>(config.extra_keywords);
  if (config.classifier.kind != "openai") return local;
  auto remote = std::make_unique<OpenAiClassifier>(config.classifier, std::move(transport));
  if (config.classifier.on_error == "local") {
    return std::make_unique<FallbackClassifier>(std::move(remote), std::move(local));
  }
  return remote;
}

}  // namespace ghl::automations
