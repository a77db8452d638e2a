// The enrichment batch: find the contacts not yet complete, enrich each, write back, tag
// failures, report.
#include "ghl/enrich/enrich.h"

#include "ghl/automations/scoring.h"
#include "ghl/core/json_depth.h"
#include "ghl/enrich/rules.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/locations.h"

namespace ghl::enrich {
namespace {

using nlohmann::json;

// Calls one contact may need: the PUT, plus a tag call on failure or on recovery.
constexpr int64_t kCallsPerContact = 2;
constexpr int kPageSize = 100;

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

Error Prefixed(Error e, std::string_view what) {
  if (e.messages.empty()) e.messages.emplace_back();
  e.messages.front() = std::string(what) + ": " + e.messages.front();
  return e;
}

Error EnricherError(std::string message, int http_status = 0) {
  Error e;
  e.kind = ErrorKind::kApi;
  e.http_status = http_status;
  e.messages.push_back(std::move(message));
  return e;
}

// The daily quota is spent: this job's share refused the call (kRateLimit, nothing sent) or
// GHL still answered 429 after the client's retries. No fault of the contact: the run stops.
bool QuotaSpent(const Error& e) {
  return e.kind == ErrorKind::kRateLimit || (e.kind == ErrorKind::kApi && e.http_status == 429);
}

bool HasTag(const json& contact, std::string_view tag) {
  for (const auto& t : contact.value("tags", json::array())) {
    if (t.is_string() && t.get<std::string>() == tag) return true;
  }
  return false;
}

// The ids of the contacts whose status field is not complete, in GHL's search order. Read
// before any write, so the pages do not shift under us.
Result<std::vector<json>> Candidates(const ops::Context& ctx, const std::string& status_id,
                                     int limit) {
  std::vector<json> out;
  for (int page = 1;; ++page) {
    ops::ContactSearch search;
    search.limit = kPageSize;
    search.page = page;
    if (!status_id.empty()) {
      search.any_of.push_back({"customFields." + status_id, "not_eq", kStatusComplete});
    }
    auto r = ops::SearchContacts(ctx, search);
    if (!r.ok()) return r.error();
    const json& contacts = (*r)["contacts"];
    for (const auto& c : contacts) {
      out.push_back(c);
      if (limit > 0 && static_cast<int>(out.size()) >= limit) return out;
    }
    if (contacts.size() < static_cast<size_t>(kPageSize)) return out;
  }
}

// POST {"contact": …} to the enricher → its JSON object of fields.
Result<json> CallEnricher(const EnrichOptions& o, http::Transport& transport, const json& contact) {
  http::Request req;
  req.method = "POST";
  req.target = o.enricher_url;
  req.headers.Set("Content-Type", "application/json");
  req.headers.Set("Accept", "application/json");
  req.body = json{{"contact", contact}}.dump();
  http::TransportOptions options;
  options.timeout = o.enricher_timeout;
  options.connect_timeout = std::min(o.enricher_timeout, std::chrono::milliseconds(10000));
  options.max_response_bytes = 1u << 20;
  auto res = transport.Send(req, options);
  if (!res.ok()) {
    Error e = res.error();
    e.messages.insert(e.messages.begin(), "enricher " + o.enricher_url + " unreachable");
    return e;
  }
  if (res->status < 200 || res->status >= 300) {
    return EnricherError(
        "enricher " + o.enricher_url + " answered HTTP " + std::to_string(res->status),
        res->status);
  }
  json body = ParseJsonBounded<json>(res->body);
  if (!body.is_object()) {
    return EnricherError("enricher " + o.enricher_url + " answered without a JSON object");
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!it.value().is_primitive() || it.value().is_null()) {
      return EnricherError("enricher field '" + it.key() + "' is not a string, number or boolean");
    }
  }
  return body;
}

class Batch {
 public:
  Batch(const client::Client& client, const EnrichOptions& o)
      : o_(o), ctx_{client, o.location_id, nullptr} {}

  Result<EnrichReport> Run(const std::function<void(const EnrichProgress&)>& progress) {
    report_.dry_run = o_.dry_run;
    int64_t calls_at_start = o_.calls_used ? o_.calls_used() : 0;
    if (!o_.enricher_url.empty()) {
      transport_ = o_.transport ? o_.transport : http::MakeCurlTransport();
    }
    auto defs = ops::ListCustomFields(ctx_);
    if (!defs.ok()) return Prefixed(defs.error(), "list custom fields");
    defs_ = std::move(*defs);
    if (auto st = EnsureFields(); !st.ok()) return st.error();

    auto found = Candidates(ctx_, status_id_, o_.limit);
    if (!found.ok()) return Prefixed(found.error(), "search contacts not yet enriched");
    report_.candidates = static_cast<int64_t>(found->size());
    EnrichProgress p;
    p.total = report_.candidates;
    for (const json& contact : *found) {
      ContactOutcome out;
      out.id = Str(contact, "id");
      bool over_budget = o_.max_calls > 0 && o_.calls_used &&
                         o_.calls_used() - calls_at_start + kCallsPerContact > o_.max_calls;
      if (over_budget || !quota_spent_.empty() || (o_.cancelled && o_.cancelled())) {
        out.status = "skipped";
        out.error = over_budget             ? "--max-calls reached"
                    : !quota_spent_.empty() ? quota_spent_
                                            : "cancelled";
        ++report_.skipped;
      } else {
        Enrich(contact, out);
      }
      report_.contacts.push_back(std::move(out));
      ++p.processed;
      p.last = &report_.contacts.back();
      if (progress) progress(p);
    }
    report_.calls_used = o_.calls_used ? o_.calls_used() - calls_at_start : 0;
    return std::move(report_);
  }

 private:
  // The fields the run writes: looked up, created only when missing (not in a dry run).
  Status EnsureFields() {
    auto ensure = [&](const std::string& name, const char* type, std::string* id) -> Status {
      if (const json* hit = ops::FindCustomField(defs_, name)) {
        *id = Str(*hit, "id");
        return Ok{};
      }
      if (o_.dry_run) return Ok{};  // would be created; "" = unknown yet
      auto f = ops::EnsureCustomField(ctx_, defs_, name, type);
      if (!f.ok()) return Prefixed(f.error(), "create custom field " + name);
      *id = Str(*f, "id");
      return Ok{};
    };
    if (auto st = ensure(kStatusField, "TEXT", &status_id_); !st.ok()) return st;
    if (auto st = ensure(kRegionField, "TEXT", &region_id_); !st.ok()) return st;
    if (o_.scoring) {
      const auto& ref = o_.scoring->score_field;
      std::string name = ref.text.empty() ? "lead_score" : ref.text;
      if (auto st = ensure(name, "NUMERICAL", &score_id_); !st.ok()) return st;
    }
    return Ok{};
  }

  std::string FieldId(const std::string& ref) const {
    const json* hit = ops::FindCustomField(defs_, ref);
    return hit ? Str(*hit, "id") : "";
  }

  // The quota ran out at this contact: it and the rest are skipped (untagged: not their fault,
  // and a tag call would be refused too); the next run takes them.
  void StopForQuota(ContactOutcome& out, const Error& e) {
    quota_spent_ = "daily quota spent: " + e.Summary();
    out.status = "skipped";
    out.error = quota_spent_;
    out.changes = json::object();
    ++report_.skipped;
  }

  void Fail(const json& contact, ContactOutcome& out, const std::string& why) {
    out.status = "failed";
    out.error = why;
    ++report_.failed;
    if (o_.dry_run || HasTag(contact, kFailedTag)) return;
    if (auto st = ops::AddTags(ctx_, out.id, {kFailedTag}); !st.ok()) {
      out.error +=
          "; tagging it " + std::string(kFailedTag) + " failed too: " + st.error().Summary();
    }
  }

  // Adds a custom field value to write (by id when known; by name in a dry run).
  void SetField(ops::ContactWrite& w, ContactOutcome& out, const std::string& name,
                const std::string& id, const json& value) {
    w.custom_fields.push_back({id.empty() ? name : id, value, !id.empty()});
    out.changes[name] = value;
  }

  void Enrich(const json& contact, ContactOutcome& out) {
    ops::ContactWrite w;
    json enriched = contact;  // what the score sees: the contact after the rules
    std::string phone = Str(contact, "phone");
    if (!phone.empty()) {
      auto info = ParsePhone(phone);
      if (!info.ok()) return Fail(contact, out, info.error().Summary());
      // E.164 has no extension: a phone with one keeps its text (rewriting it would lose it).
      if (info->e164 != phone && info->extension.empty()) {
        w.fields["phone"] = info->e164;
        out.changes["phone"] = info->e164;
        enriched["phone"] = info->e164;
      }
      SetField(w, out, kRegionField, region_id_, info->region);
    }
    if (Str(contact, "companyName").empty()) {
      std::string company = CompanyFromEmail(Str(contact, "email"));
      if (!company.empty()) {
        w.fields["companyName"] = company;
        out.changes["companyName"] = company;
        enriched["companyName"] = company;
      }
    }
    if (transport_) {
      auto extra = CallEnricher(o_, *transport_, contact);
      if (!extra.ok()) return Fail(contact, out, extra.error().Summary());
      for (auto it = extra->begin(); it != extra->end(); ++it) {
        std::string id = FieldId(it.key());
        if (id.empty() && !o_.dry_run) {
          auto f = ops::EnsureCustomField(ctx_, defs_, it.key(), "TEXT");
          if (!f.ok() && QuotaSpent(f.error())) return StopForQuota(out, f.error());
          if (!f.ok())
            return Fail(contact, out, "create field " + it.key() + ": " + f.error().Summary());
          id = Str(*f, "id");
        }
        SetField(w, out, it.key(), id, it.value());
        if (!id.empty()) {
          enriched["customFields"].push_back({{"id", id}, {"value", it.value()}});
        }
      }
    }
    if (o_.scoring) {
      int score = automations::ScoreContact(o_.scoring->rules, enriched,
                                            [&](const std::string& ref) { return FieldId(ref); });
      SetField(w, out,
               o_.scoring->score_field.text.empty() ? "lead_score" : o_.scoring->score_field.text,
               score_id_, score);
    }
    SetField(w, out, kStatusField, status_id_, kStatusComplete);
    if (!o_.dry_run) {
      auto put = ops::UpdateContact(ctx_, out.id, w);
      if (!put.ok() && QuotaSpent(put.error())) return StopForQuota(out, put.error());
      if (!put.ok()) return Fail(contact, out, "write back: " + put.error().Summary());
      if (HasTag(contact, kFailedTag)) {
        // It failed before and is enriched now: the tag no longer holds.
        if (auto st = ops::RemoveTags(ctx_, out.id, {kFailedTag}); !st.ok()) {
          out.error = "enriched, but removing the " + std::string(kFailedTag) +
                      " tag failed: " + st.error().Summary();
        }
      }
    }
    out.status = "done";
    ++report_.done;
  }

  const EnrichOptions& o_;
  ops::Context ctx_;
  std::shared_ptr<http::Transport> transport_;
  json defs_;
  std::string status_id_, region_id_, score_id_;
  std::string quota_spent_;  ///< Why the run stopped for the quota ("" = it did not).

  EnrichReport report_;
};

}  // namespace

json EnrichReport::ToJson() const {
  json list = json::array();
  for (const auto& c : contacts) {
    json j = {{"id", c.id}, {"status", c.status}, {"changes", c.changes}};
    if (!c.error.empty()) j["error"] = c.error;
    list.push_back(std::move(j));
  }
  return json{{"candidates", candidates},   {"done", done},
              {"failed", failed},           {"skipped", skipped},
              {"calls_used", calls_used},   {"dry_run", dry_run},
              {"contacts", std::move(list)}};
}

Result<EnrichReport> RunEnrichment(const client::Client& client, const EnrichOptions& options,
                                   const std::function<void(const EnrichProgress&)>& progress) {
  if (options.limit < 0) return UsageError("--limit must be 0 (all) or more");
  if (options.max_calls < 0) return UsageError("--max-calls must be 0 (no cap) or more");
  return Batch(client, options).Run(progress);
}

}  // namespace ghl::enrich
