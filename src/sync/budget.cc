#include "ghl/sync/budget.h"

#include <mutex>

#include "ghl/client/options.h"
#include "ghl/client/rate_limiter.h"

namespace ghl::sync {
namespace {

class BudgetConnection final : public client::Connection {
 public:
  BudgetConnection(std::shared_ptr<client::Connection> inner, double share,
                   std::shared_ptr<BudgetCounters> counters)
      : inner_(std::move(inner)), share_(share), counters_(std::move(counters)) {
    counters_->daily_limit = inner_->options().limits.daily_max;
  }

  Result<client::PreparedRequest> Prepare(const client::ApiRequest& request) override {
    return inner_->Prepare(request);
  }

  Result<client::ApiResponse> Execute(const client::ApiRequest& request) override {
    {
      std::lock_guard lock(mu_);
      if (share_ < 1.0) {
        double allowed = share_ * static_cast<double>(counters_->daily_limit);
        bool own = static_cast<double>(counters_->sent) >= allowed;
        bool others = counters_->last_remaining >= 0 &&
                      static_cast<double>(counters_->last_remaining) <=
                          (1.0 - share_) * static_cast<double>(counters_->daily_limit);
        if (own || others) {
          Error e;
          e.kind = ErrorKind::kRateLimit;
          e.messages.push_back(
              "the sync's share of the daily quota is spent (--max-daily-share " +
              std::to_string(share_) + " of " + std::to_string(counters_->daily_limit) +
              " requests; this run sent " + std::to_string(counters_->sent) +
              (counters_->last_remaining >= 0
                   ? ", GHL reports " + std::to_string(counters_->last_remaining) + " left today"
                   : "") +
              ")");
          e.hint = "rerun later (the sync resumes where it stopped) or raise --max-daily-share";
          return e;
        }
      }
      ++counters_->sent;
    }
    auto r = inner_->Execute(request);
    if (r.ok()) {
      auto h = client::ParseRateLimitHeaders(r->headers);
      std::lock_guard lock(mu_);
      if (h.daily_limit && *h.daily_limit > 0) counters_->daily_limit = *h.daily_limit;
      if (h.daily_remaining) counters_->last_remaining = *h.daily_remaining;
    }
    return r;
  }

  const client::ClientOptions& options() const override { return inner_->options(); }

 private:
  std::shared_ptr<client::Connection> inner_;
  double share_;
  std::shared_ptr<BudgetCounters> counters_;
  std::mutex mu_;
};

}  // namespace

std::shared_ptr<client::Connection> WithDailyShare(std::shared_ptr<client::Connection> inner,
                                                   double share,
                                                   std::shared_ptr<BudgetCounters> counters) {
  if (!counters) counters = std::make_shared<BudgetCounters>();
  return std::make_shared<BudgetConnection>(std::move(inner), share, std::move(counters));
}

}  // namespace ghl::sync
