#include "ghl/onboard/onboard.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>

#include "ghl/client/client.h"
#include "ghl/core/db_location.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/ops/users.h"
#include "journal.h"

namespace ghl::onboard {
namespace {

using internal::Journal;
using nlohmann::json;

std::string S(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// Stops like a crash (no destructors, no flush) at the hook's point.
void MaybeCrash(const CrashHook& hook, const std::string& step, bool journaled) {
  if (hook.step.empty() || hook.after_journal != journaled) return;
  std::string base = step.substr(0, step.find(':'));
  if (base == hook.step) _exit(137);
}

std::string RandomPassword() {
  static const char kChars[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::random_device rd;
  std::string p = "Gk9!";
  for (int i = 0; i < 20; ++i) p.push_back(kChars[rd() % (sizeof kChars - 1)]);
  return p;
}

class Run {
 public:
  Run(const Options& o, Journal& j, std::string id, Input in)
      : o_(o), j_(j), id_(std::move(id)), in_(std::move(in)), agency_(o.agency) {}

  Status Go() {
    // 1. location
    std::string loc;
    auto st = Step("location", [&]() -> Result<StepRecord> {
      ops::Context ctx{agency_, "", o_.before_write, Tracer()};
      auto found = ops::SearchLocationsByEmail(ctx, o_.company_id, in_.owner_email);
      if (!found.ok()) return found.error();
      for (const auto& l : *found) {
        if (S(l, "name") == in_.location.name) {
          return StepRecord{"location", true, S(l, "id"), "", "found", ""};
        }
      }
      auto made = ops::CreateLocation(ctx, in_.location);
      if (!made.ok()) return made.error();
      return StepRecord{"location", true, S(*made, "id"), "", "created", ""};
    });
    if (!st.ok()) return st.error();
    loc = *st;
    // 2. location token: never journaled as a secret; minted again on every run that needs it.
    ops::Context actx{agency_, loc, o_.before_write, Tracer()};
    trace_.clear();
    auto minted = ops::MintLocationToken(actx, o_.company_id, loc);
    if (!minted.ok()) return minted.error();
    std::string mint_trace = trace_;
    if (o_.on_location_token) {
      if (auto kept = o_.on_location_token(*minted); !kept.ok()) return kept.error();
    }
    client::ClientOptions lo = o_.agency;
    lo.token = S(*minted, "access_token");
    lo.default_location_id = loc;
    client::Client location_client(lo);
    ops::Context ctx{location_client, loc, o_.before_write, Tracer()};
    auto tok = Step("token", [&]() -> Result<StepRecord> {
      return StepRecord{"token", true, loc, mint_trace, "minted", ""};
    });
    if (!tok.ok()) return tok.error();
    // 3. custom fields
    for (const auto& f : in_.custom_fields) {
      std::string step = "field:" + ops::CustomFieldKey(f.model, f.name);
      auto r = Step(step, [&]() -> Result<StepRecord> {
        bool created = false;
        auto d = ops::EnsureCustomField(ctx, f, &created);
        if (!d.ok()) return d.error();
        return StepRecord{step, true, S(*d, "id"), "", created ? "created" : "found", ""};
      });
      if (!r.ok()) return r.error();
    }
    // 4. user
    auto user = Step("user", [&]() -> Result<StepRecord> {
      auto found = ops::FindUserByEmail(ctx, in_.owner_email);
      if (!found.ok()) return found.error();
      if (*found) return StepRecord{"user", true, S(**found, "id"), "", "found", ""};
      ops::UserWrite w;
      w.company_id = o_.company_id;
      w.first_name = in_.owner_first_name;
      w.last_name = in_.owner_last_name.empty() ? "Owner" : in_.owner_last_name;
      w.email = in_.owner_email;
      w.phone = in_.owner_phone;
      w.password = RandomPassword();
      w.location_ids = {loc};
      auto made = ops::CreateUser(ctx, w);
      if (!made.ok()) return made.error();
      return StepRecord{"user", true, S(*made, "id"), "", "created", ""};
    });
    if (!user.ok()) return user.error();
    if (in_.sms_text.empty()) return Ok{};
    // 5. the recipient contact (upsert by phone: looked up first)
    auto contact = Step("contact", [&]() -> Result<StepRecord> {
      bool created = false;
      auto c = ops::EnsureContactByPhone(ctx, in_.sms_to, &created);
      if (!c.ok()) return c.error();
      return StepRecord{"contact", true, S(*c, "id"), "", created ? "created" : "found", ""};
    });
    if (!contact.ok()) return contact.error();
    // 6. welcome SMS, at most once: the conversation is searched for the text first.
    auto sms = Step("sms", [&]() -> Result<StepRecord> {
      auto conv = ops::ConversationOf(ctx, *contact);
      if (!conv.ok()) return conv.error();
      if (!conv->empty()) {
        auto page = ops::ListMessages(ctx, *conv, 100);
        if (!page.ok()) return page.error();
        for (const auto& m : page->messages) {
          if (S(m, "body") == in_.sms_text && S(m, "direction") != "inbound") {
            return StepRecord{"sms", true, S(m, "id"), "", "found", ""};
          }
        }
      }
      ops::MessageWrite w;
      w.contact_id = *contact;
      w.message = in_.sms_text;
      auto sent = ops::SendMessage(ctx, w);
      if (!sent.ok()) return sent.error();
      return StepRecord{"sms", true, S(*sent, "messageId"), "", "sent", ""};
    });
    if (!sms.ok()) return sms.error();
    return Ok{};
  }

 private:
  // Runs `step` unless journaled; journals its result before returning. → its result id.
  template <typename F>
  Result<std::string> Step(const std::string& step, F&& run) {
    auto have = j_.Step(id_, step);
    if (!have.ok()) return have.error();
    if (*have) return (*have)->result_id;
    trace_.clear();
    auto r = run();
    if (!r.ok()) return r.error();
    if (r->trace_id.empty()) r->trace_id = trace_;  // the step's last call that carried one
    MaybeCrash(o_.crash, step, false);
    if (auto st = j_.Record(id_, *r); !st.ok()) return st.error();
    MaybeCrash(o_.crash, step, true);
    return r->result_id;
  }

  // Keeps the traceId of the latest GHL answer (ops::Context::on_trace_id).
  std::function<void(const std::string&)> Tracer() {
    return [this](const std::string& trace) { trace_ = trace; };
  }

  const Options& o_;
  Journal& j_;
  std::string trace_;
  std::string id_;
  Input in_;
  client::Client agency_;
};

std::vector<std::string> Plan(const Input& in) {
  std::vector<std::string> steps = {"location", "token"};
  for (const auto& f : in.custom_fields) {
    steps.push_back("field:" + ops::CustomFieldKey(f.model, f.name));
  }
  steps.push_back("user");
  if (!in.sms_text.empty()) {
    steps.push_back("contact");
    steps.push_back("sms");
  }
  return steps;
}

Result<RequestStatus> StatusOf(Journal& j, const std::string& id) {
  auto text = j.Input(id);
  if (!text.ok()) return text.error();
  if (!*text) {
    return UsageError("no onboarding request '" + id + "' in the journal",
                      "run `ghl onboard --input FILE` first, or pass the --journal file it used");
  }
  RequestStatus s;
  s.id = id;
  s.input = json::parse(**text);
  auto in = ParseInput(s.input);
  if (!in.ok()) return in.error();
  for (const auto& step : Plan(*in)) {
    auto r = j.Step(id, step);
    if (!r.ok()) return r.error();
    s.steps.push_back(*r ? **r : StepRecord{step, false, "", "", "", ""});
  }
  auto fin = j.Finished(id);
  if (!fin.ok()) return fin.error();
  s.finished = *fin;
  return s;
}

Result<RequestStatus> RunStored(const Options& o, Journal& j, const std::string& id) {
  auto status = StatusOf(j, id);
  if (!status.ok()) return status.error();
  if (o.company_id.empty()) {
    return UsageError("no company id", "set GHL_COMPANY_ID (printed by `ghl sandbox`)");
  }
  auto in = ParseInput(status->input);
  if (!in.ok()) return in.error();
  in->location.company_id = o.company_id;
  Run run(o, j, id, *in);
  if (auto st = run.Go(); !st.ok()) return st.error();
  if (auto st = j.Finish(id); !st.ok()) return st.error();
  return StatusOf(j, id);
}

}  // namespace

std::string RequestIdOf(const json& input) {
  std::string text = input.dump();
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string("onb-") + buf;
}

Result<RequestStatus> Onboard(const Options& options, const std::string& id, const json& input) {
  auto in = ParseInput(input);
  if (!in.ok()) return in.error();
  auto j = Journal::Open(options.journal_path);
  if (!j.ok()) return j.error();
  auto stored = (*j)->Input(id);
  if (!stored.ok()) return stored.error();
  if (*stored && **stored != input.dump()) {
    return UsageError("request id '" + id + "' is journaled with a different input",
                      "pick another --id, or `ghl onboard resume " + id + "` to finish it");
  }
  if (auto st = (*j)->Begin(id, input.dump()); !st.ok()) return st.error();
  return RunStored(options, **j, id);
}

CrashHook ParseCrashHook(std::string_view text) {
  CrashHook hook;
  auto colon = text.find(':');
  hook.step = std::string(text.substr(0, colon));
  hook.after_journal = colon != std::string_view::npos && text.substr(colon + 1) == "journaled";
  return hook;
}

Result<RequestStatus> OnboardOnce(const Options& options, const std::string& id,
                                  const json& input) {
  {
    auto j = Journal::Open(options.journal_path);
    if (!j.ok()) return j.error();
    auto stored = (*j)->Input(id);
    if (!stored.ok()) return stored.error();
    if (*stored) {
      auto finished = (*j)->Finished(id);
      if (!finished.ok()) return finished.error();
      if (*finished) return StatusOf(**j, id);
      return RunStored(options, **j, id);
    }
  }
  return Onboard(options, id, input);
}

namespace {

// The journal of an earlier run: a missing file is "no such request" (and is not created).
Result<std::unique_ptr<Journal>> OpenExisting(const std::string& path, const std::string& id) {
  if (!IsPostgresLocation(path) && !std::filesystem::exists(path)) {
    return UsageError("no onboarding request '" + id + "': the journal '" + path +
                          "' does not exist",
                      "pass the --journal FILE of the run that started it");
  }
  return Journal::Open(path, /*create=*/false);
}

}  // namespace

Result<RequestStatus> Resume(const Options& options, const std::string& id) {
  auto j = OpenExisting(options.journal_path, id);
  if (!j.ok()) return j.error();
  return RunStored(options, **j, id);
}

Result<RequestStatus> ReadStatus(const std::string& journal_path, const std::string& id) {
  auto j = OpenExisting(journal_path, id);
  if (!j.ok()) return j.error();
  return StatusOf(**j, id);
}

std::string FormatStatus(const RequestStatus& s) {
  std::string out = "request " + s.id + ": " + (s.finished ? "finished" : "not finished") + "\n";
  for (const auto& st : s.steps) {
    char line[512];
    std::snprintf(line, sizeof line, "  %-28s %-8s %-26s %-10s %s%s\n", st.step.c_str(),
                  st.done ? "done" : "pending", st.result_id.c_str(), st.how.c_str(),
                  st.done_at.c_str(),
                  st.trace_id.empty() ? "" : ("  traceId " + st.trace_id).c_str());
    out += line;
  }
  return out;
}

}  // namespace ghl::onboard
