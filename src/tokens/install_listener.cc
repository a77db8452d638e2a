#include "ghl/tokens/install_listener.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "ghl/core/json_depth.h"

namespace ghl::tokens {
namespace {

constexpr int kPage = 500;

std::string Field(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// GHL's or the manager's message without the kind's prefix ("database busy: " would mislead for
// a missing company token).
std::string Reason(const Error& e) { return e.messages.empty() ? e.Summary() : e.messages.front(); }

}  // namespace

InstallListener::InstallListener(std::shared_ptr<TokenManager> manager, store::EventStore& events,
                                 std::function<void(std::string_view)> log)
    : manager_(std::move(manager)), events_(events), log_(std::move(log)) {}

// The listener's position, kept in the token store (meta `kStateName`) so a restart neither
// skips an event nor applies one again: {"cursor":N,"cursor_key":DEDUP,"pending":[{"location",
// "event_id","install","company_id"}]}. `cursor_key` is the dedup key of event N: a state that
// does not match the event store (another file, a wiped store) is ignored, so nothing is skipped.
constexpr std::string_view kStateName = "install_listener";

Status InstallListener::LoadState() {
  if (loaded_) return Ok{};
  auto text = manager_->store().GetMeta(kStateName);
  if (!text.ok()) return text.error();
  loaded_ = true;
  if (!*text) return Ok{};
  auto state = ParseJsonBounded(**text);
  if (!state.is_object()) return Ok{};
  int64_t cursor = state.value("cursor", int64_t{0});
  if (cursor > 0) {
    auto at = events_.Get(cursor);
    if (!at.ok() || at->dedup_key != state.value("cursor_key", "")) {
      if (log_) log_("the saved install position is not in this event store; reading it all");
      return Ok{};
    }
  }
  cursor_ = cursor;
  saved_key_ = state.value("cursor_key", "");
  for (const auto& p : state.value("pending", nlohmann::json::array())) {
    Pending item;
    item.event_id = p.value("event_id", int64_t{0});
    item.install = p.value("install", true);
    item.company_id = p.value("company_id", "");
    pending_[p.value("location", "")] = std::move(item);
  }
  saved_ = **text;
  return Ok{};
}

Status InstallListener::SaveState() {
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& [location, p] : pending_) {
    pending.push_back({{"location", location},
                       {"event_id", p.event_id},
                       {"install", p.install},
                       {"company_id", p.company_id}});
  }
  std::string text =
      nlohmann::json{{"cursor", cursor_}, {"cursor_key", saved_key_}, {"pending", pending}}.dump();
  if (text == saved_) return Ok{};
  if (auto st = manager_->store().SetMeta(kStateName, text); !st.ok()) return st;
  saved_ = std::move(text);
  return Ok{};
}

Status InstallListener::ReadNew() {
  std::vector<store::Event> fresh;
  for (std::string_view type : {kInstallEventType, kUninstallEventType}) {
    store::ListFilter filter;
    filter.type = std::string(type);
    filter.limit = kPage;
    for (;;) {  // newest first: page down to the cursor
      auto page = events_.List(filter);
      if (!page.ok()) return page.error();
      bool done = page->size() < static_cast<size_t>(kPage);
      for (auto& e : *page) {
        if (e.id <= cursor_) {
          done = true;
          break;
        }
        filter.before_id = e.id;
        fresh.push_back(std::move(e));
      }
      if (done) break;
    }
  }
  std::sort(fresh.begin(), fresh.end(),
            [](const store::Event& a, const store::Event& b) { return a.id < b.id; });
  for (const auto& e : fresh) {
    if (e.id > cursor_) saved_key_ = e.dedup_key;
    cursor_ = std::max(cursor_, e.id);
    auto body = ParseJsonBounded(e.body);
    if (!body.is_object()) continue;
    std::string location = e.location_id.empty() ? Field(body, "locationId") : e.location_id;
    if (location.empty()) continue;  // company-level install: the code exchange stores it
    Pending p;
    p.event_id = e.id;
    p.install = e.type == kInstallEventType;
    p.company_id = Field(body, "companyId");
    pending_[location] = std::move(p);  // the newest event per location wins
  }
  return Ok{};
}

Result<InstallPollReport> InstallListener::Poll() {
  if (auto st = LoadState(); !st.ok()) return st.error();
  if (auto st = ReadNew(); !st.ok()) return st.error();
  InstallPollReport report;
  for (auto it = pending_.begin(); it != pending_.end();) {
    const std::string& location = it->first;
    Pending& p = it->second;
    std::string reason;
    if (!p.install) {
      auto gone = manager_->Uninstall(location);
      if (gone.ok()) {
        ++report.uninstalled;
        if (log_) {
          log_("UNINSTALL " + location + (*gone ? ": tokens deleted" : ": no tokens stored"));
        }
        it = pending_.erase(it);
        continue;
      }
      reason = Reason(gone.error());
    } else if (p.company_id.empty()) {
      reason = "the INSTALL event names no companyId";
    } else {
      auto st = manager_->Install(location, p.company_id);
      if (st.ok()) {
        ++report.installed;
        if (log_) log_("INSTALL " + location + ": token stored");
        it = pending_.erase(it);
        continue;
      }
      reason = Reason(st.error());
    }
    ++report.waiting;
    if (log_ && reason != p.last_reason) {
      log_(std::string(p.install ? "INSTALL " : "UNINSTALL ") + location +
           " waits (retried): " + reason);
    }
    p.last_reason = std::move(reason);
    ++it;
  }
  // Saved after applying: a crash before this line applies this poll's events again on restart
  // (Install and Uninstall are idempotent: a stored token is not minted again).
  if (auto st = SaveState(); !st.ok()) return st.error();
  return report;
}

}  // namespace ghl::tokens
