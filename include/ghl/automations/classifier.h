/// \file
/// Message classification for cookbook recipe 5.x: an inbound message is a booking request, an
/// inquiry, a complaint or spam, with a confidence in [0, 1].
///
/// The default `LocalClassifier` is deterministic and offline: keyword and pattern scoring
/// (doc/automations.md lists the rules). Each category has weighted cues (words, phrases,
/// patterns such as a link or a time of day); a message's score for a category is the sum of
/// the weights of the cues it contains (each cue counted once). The winner is the category with
/// the highest score (ties: booking request, complaint, inquiry, spam), and
///     confidence = top / (top + second + 1)
/// so one weak cue gives a low confidence (1 / 2 = 0.5), a clear message a high one
/// (e.g. "can I book a call tomorrow?": booking 7, inquiry 1 → 7 / 9 = 0.78), and a message
/// with no cue at all is an inquiry with confidence 0 (a human should look at it).
///
/// `OpenAiClassifier` asks any OpenAI-compatible chat-completions endpoint (temperature 0, JSON
/// answer {"category": "...", "confidence": 0.0-1.0}) through an `http::Transport`.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/automations/config.h"
#include "ghl/core/result.h"
#include "ghl/http/transport.h"

namespace ghl::automations {

/// A classification.
struct Classification {
  Category category = Category::kInquiry;
  double confidence = 0;  ///< In [0, 1].
  /// Short explanation for logs and notes, e.g. "local: book(3) tomorrow(2) call(1)".
  std::string reason;
};

/// Classifies one message text. Thread-safe implementations only.
class Classifier {
 public:
  virtual ~Classifier() = default;
  /// Errors only for remote classifiers (kNetwork / kApi / kInternal for a bad answer).
  virtual Result<Classification> Classify(std::string_view text) = 0;
};

/// The deterministic keyword classifier. `extra_keywords` (indexed by Category) add cues of
/// weight 2 each (matched as whole words / phrases, case-insensitive).
class LocalClassifier final : public Classifier {
 public:
  explicit LocalClassifier(
      std::array<std::vector<std::string>, kCategoryCount> extra_keywords = {});
  Result<Classification> Classify(std::string_view text) override;

 private:
  std::array<std::vector<std::string>, kCategoryCount> extra_;
};

/// An OpenAI-compatible chat-completions classifier. POSTs to `config.url` with
/// `Authorization: Bearer <config.api_key>` (never logged or put in errors) the model, a system
/// prompt naming the four categories, the message as the user turn, `temperature: 0` and
/// `response_format: {"type":"json_object"}`; reads `choices[0].message.content` as JSON
/// {"category","confidence"}. Errors: kNetwork (no answer), kApi (non-2xx; the body's error
/// message, never the request), kInternal (an answer that is not that JSON).
class OpenAiClassifier final : public Classifier {
 public:
  /// `transport` null = libcurl.
  OpenAiClassifier(ClassifierConfig config, std::shared_ptr<http::Transport> transport = {});
  Result<Classification> Classify(std::string_view text) override;

 private:
  ClassifierConfig config_;
  std::shared_ptr<http::Transport> transport_;
};

/// The classifier `config` asks for: LocalClassifier, or OpenAiClassifier falling back to a
/// LocalClassifier on error when `classifier.on_error == "local"` (the reason then says
/// "fallback"). `transport` is passed to the remote one (null = libcurl).
std::unique_ptr<Classifier> MakeClassifier(const MessageClassificationConfig& config,
                                           std::shared_ptr<http::Transport> transport = {});

}  // namespace ghl::automations
