// The in-memory effects ledger and the location-string dispatch.
#include "ghl/automations/ledger.h"

#include <map>
#include <mutex>
#include <vector>

#include "ghl/core/db_location.h"
#include "ledger_internal.h"

namespace ghl::automations {
namespace {

class MemoryLedger final : public EffectLedger {
 public:
  explicit MemoryLedger(store::Clock clock) : clock_(std::move(clock)) {}

  Result<bool> TryLock(std::string_view key, std::string_view owner,
                       std::chrono::milliseconds lease) override {
    std::lock_guard lock(mu_);
    auto now = clock_();
    auto it = locks_.find(key);
    if (it != locks_.end() && it->second.owner != owner && it->second.until > now) return false;
    locks_[std::string(key)] = {std::string(owner), now + lease};
    return true;
  }

  Status Unlock(std::string_view key, std::string_view owner) override {
    std::lock_guard lock(mu_);
    auto it = locks_.find(key);
    if (it != locks_.end() && it->second.owner == owner) locks_.erase(it);
    return Ok{};
  }

  Result<std::optional<EffectRecord>> GetEffect(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = effects_.find(key);
    if (it == effects_.end()) return std::optional<EffectRecord>();
    return std::optional<EffectRecord>(it->second);
  }

  Status PutEffect(std::string_view key, EffectState state, std::string_view result) override {
    std::lock_guard lock(mu_);
    effects_[std::string(key)] = {state, std::string(result), clock_()};
    return Ok{};
  }

  Status RecordEventActions(int64_t event_id, const std::vector<std::string>& lines) override {
    std::lock_guard lock(mu_);
    auto& list = actions_[event_id];
    for (const std::string& line : lines) {
      list.push_back({event_id, static_cast<int>(list.size()) + 1, line, clock_()});
    }
    return Ok{};
  }

  Result<std::vector<EventAction>> EventActions(int64_t event_id) override {
    std::lock_guard lock(mu_);
    auto it = actions_.find(event_id);
    return it == actions_.end() ? std::vector<EventAction>() : it->second;
  }

 private:
  struct Lock {
    std::string owner;
    store::UtcTime until;
  };
  store::Clock clock_;
  std::mutex mu_;
  std::map<std::string, Lock, std::less<>> locks_;
  std::map<std::string, EffectRecord, std::less<>> effects_;
  std::map<int64_t, std::vector<EventAction>> actions_;
};

}  // namespace

std::unique_ptr<EffectLedger> MakeMemoryLedger(store::Clock clock) {
  return std::make_unique<MemoryLedger>(clock ? std::move(clock) : store::Clock(store::SystemNow));
}

Result<std::unique_ptr<EffectLedger>> OpenEffectLedger(std::string_view location,
                                                       store::Clock clock, std::string schema) {
  if (!clock) clock = store::SystemNow;
  if (IsPostgresLocation(location)) {
    if (auto st = CheckDbLocation(location, "effects ledger"); !st.ok()) return st.error();
    return internal::OpenPostgresLedger(std::string(location), schema, std::move(clock));
  }
  if (location.starts_with("sqlite:")) location.remove_prefix(7);
  if (location.empty()) return UsageError("effects ledger location is empty");
  return internal::OpenSqliteLedger(std::string(location), std::move(clock));
}

}  // namespace ghl::automations
