#include "util.h"

#include <algorithm>
#include <cctype>

#include "ghl/core/json_depth.h"
#include "template.h"

namespace ghl::automations {

std::string Str(const json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

int64_t EpochMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool IsNotFound(const Error& e) { return e.kind == ErrorKind::kApi && e.http_status == 404; }

bool IsPermanentFailure(const Error& e) {
  if (e.kind != ErrorKind::kApi || e.http_status < 400 || e.http_status >= 500) return false;
  switch (e.http_status) {
    case 401:
    case 408:
    case 409:
    case 425:
    case 429:
      return false;
    default:
      return true;
  }
}

Error Context(Error e, std::string_view what) {
  if (e.messages.empty()) e.messages.emplace_back();
  e.messages.front() = std::string(what) + ": " + e.messages.front();
  return e;
}

std::vector<std::string> Tags(const json& contact) {
  std::vector<std::string> out;
  for (const auto& t : contact.value("tags", json::array())) {
    if (t.is_string()) out.push_back(t.get<std::string>());
  }
  return out;
}

bool HasTag(const json& contact, std::string_view tag) {
  for (const auto& t : Tags(contact)) {
    if (EqualsNoCase(t, tag)) return true;
  }
  return false;
}

std::string DisplayName(const json& contact) {
  std::string first = Str(contact, "firstName"), last = Str(contact, "lastName");
  std::string name = first;
  if (!last.empty()) name += name.empty() ? last : " " + last;
  if (name.empty()) name = Str(contact, "name");
  if (name.empty()) name = Str(contact, "contactName");
  if (name.empty()) name = Str(contact, "email");
  if (name.empty()) name = Str(contact, "phone");
  if (name.empty()) name = Str(contact, "id");
  return name;
}

std::map<std::string, std::string> ContactVars(const json& contact) {
  std::string first = Str(contact, "firstName");
  if (first.empty()) first = DisplayName(contact);
  return {{"name", DisplayName(contact)},
          {"first_name", first},
          {"last_name", Str(contact, "lastName")},
          {"email", Str(contact, "email")},
          {"phone", Str(contact, "phone")}};
}

Result<json> GetContact(const RecipeContext& ctx, const std::string& contact_id) {
  auto r = ctx.client.Call({.method = "GET",
                            .path = "/contacts/{contactId}",
                            .path_params = {{"contactId", contact_id}},
                            .location_id = ctx.ids.location_id});
  if (!r.ok()) return r.error();
  if (!r->contains("contact") || !(*r)["contact"].is_object()) {
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages.push_back("GET /contacts/" + contact_id + " answered without a contact object");
    return e;
  }
  return (*r)["contact"];
}

namespace {

Status TagCall(const RecipeContext& ctx, const std::string& method, const std::string& contact_id,
               const std::vector<std::string>& tags) {
  if (tags.empty()) return Ok{};
  if (ctx.check_lock) {
    if (auto st = ctx.check_lock(); !st.ok()) return st;
  }
  auto r = ctx.client.Call({.method = method,
                            .path = "/contacts/{contactId}/tags",
                            .path_params = {{"contactId", contact_id}},
                            .body = json{{"tags", tags}}.dump(),
                            .location_id = ctx.ids.location_id});
  if (!r.ok()) return r.error();
  return Ok{};
}

}  // namespace

Status AddTags(const RecipeContext& ctx, const std::string& contact_id,
               const std::vector<std::string>& tags) {
  return TagCall(ctx, "POST", contact_id, tags);
}

Status RemoveTags(const RecipeContext& ctx, const std::string& contact_id,
                  const std::vector<std::string>& tags) {
  return TagCall(ctx, "DELETE", contact_id, tags);
}

Result<json> SearchOpportunities(const RecipeContext& ctx, const std::string& contact_id,
                                 const std::string& pipeline_id, std::string_view status) {
  client::QueryParams q = {{"location_id", ctx.ids.location_id},
                           {"contact_id", contact_id},
                           {"pipeline_id", pipeline_id},
                           {"limit", "100"}};
  if (!status.empty()) q.emplace_back("status", std::string(status));
  auto r = ctx.client.Call({.method = "GET",
                            .path = "/opportunities/search",
                            .query = q,
                            .location_id = ctx.ids.location_id});
  if (!r.ok()) return r.error();
  json out = json::array();
  for (const auto& o : r->value("opportunities", json::array())) {
    // Belt and braces: keep only this contact's, in this pipeline.
    if (Str(o, "contactId") != contact_id &&
        Str(o.value("contact", json::object()), "id") != contact_id) {
      continue;
    }
    if (Str(o, "pipelineId") != pipeline_id) continue;
    out.push_back(o);
  }
  return out;
}

Result<std::string> ConversationOf(const RecipeContext& ctx, const std::string& contact_id) {
  auto r =
      ctx.client.Call({.method = "GET",
                       .path = "/conversations/search",
                       .query = {{"locationId", ctx.ids.location_id}, {"contactId", contact_id}},
                       .location_id = ctx.ids.location_id});
  if (!r.ok()) return r.error();
  for (const auto& c : r->value("conversations", json::array())) {
    if (Str(c, "contactId") == contact_id) return Str(c, "id");
  }
  return std::string();
}

Result<bool> HasOutboundMessage(const RecipeContext& ctx, const std::string& contact_id,
                                const std::string& text, int limit) {
  auto conv = ConversationOf(ctx, contact_id);
  if (!conv.ok()) return conv.error();
  if (conv->empty()) return false;
  auto r = ctx.client.Call({.method = "GET",
                            .path = "/conversations/{conversationId}/messages",
                            .query = {{"limit", std::to_string(std::clamp(limit, 1, 100))}},
                            .path_params = {{"conversationId", *conv}},
                            .location_id = ctx.ids.location_id});
  if (!r.ok()) return r.error();
  const json& page = r->value("messages", json::object());
  const json& list = page.is_object() ? page.value("messages", json::array())
                                      : (page.is_array() ? page : json::array());
  for (const auto& m : list) {
    if (Str(m, "direction") == "outbound" && Str(m, "body") == text) return true;
  }
  return false;
}

Result<std::string> SendMessage(const RecipeContext& ctx, const std::string& contact_id,
                                const std::string& text, std::string_view type) {
  if (ctx.check_lock) {
    if (auto st = ctx.check_lock(); !st.ok()) return st.error();
  }
  auto r = ctx.client.Call(
      {.method = "POST",
       .path = "/conversations/messages",
       .body = json{{"type", type}, {"contactId", contact_id}, {"message", text}}.dump(),
       .location_id = ctx.ids.location_id});
  if (!r.ok()) return r.error();
  return Str(*r, "messageId");
}

Result<OnceOutcome> RunOnce(
    RecipeContext& ctx, const std::string& key,
    const std::function<Result<std::optional<std::string>>(bool resumed)>& verify,
    const std::function<Result<std::string>(bool resumed)>& act) {
  auto rec = ctx.ledger.GetEffect(key);
  if (!rec.ok()) return rec.error();
  if (*rec && (*rec)->state == EffectState::kDone) {
    return OnceOutcome{.already_done = true, .found = false, .result = (*rec)->result};
  }
  bool resumed = rec->has_value();
  if (verify) {
    auto found = verify(resumed);
    if (!found.ok()) return found.error();
    if (found->has_value()) {
      if (auto st = ctx.ledger.PutEffect(key, EffectState::kDone, **found); !st.ok()) {
        return st.error();
      }
      return OnceOutcome{.already_done = false, .found = true, .result = **found};
    }
  }
  if (ctx.check_lock) {
    if (auto st = ctx.check_lock(); !st.ok()) return st.error();
  }
  if (auto st = ctx.ledger.PutEffect(key, EffectState::kStarted, ""); !st.ok()) return st.error();
  auto result = act(resumed);
  if (!result.ok()) return result.error();
  if (auto st = ctx.ledger.PutEffect(key, EffectState::kDone, *result); !st.ok()) {
    return st.error();
  }
  return OnceOutcome{.already_done = false, .found = false, .result = *result};
}

Result<OnceOutcome> EnsureOpportunity(RecipeContext& ctx, const json& contact,
                                      const Pipeline& pipeline, const Stage& stage, double value,
                                      const std::string& name_template) {
  std::string contact_id = Str(contact, "id");
  std::string key = "opportunity:" + ctx.ids.location_id + ":" + contact_id + ":" + pipeline.id;
  auto verify = [&](bool) -> Result<std::optional<std::string>> {
    auto found = SearchOpportunities(ctx, contact_id, pipeline.id, "all");
    if (!found.ok()) return found.error();
    if (found->empty()) return std::optional<std::string>();
    return std::optional<std::string>(Str((*found)[0], "id"));
  };
  auto act = [&](bool) -> Result<std::string> {
    json body = {{"pipelineId", pipeline.id},
                 {"locationId", ctx.ids.location_id},
                 {"name", Render(name_template, ContactVars(contact))},
                 {"pipelineStageId", stage.id},
                 {"status", "open"},
                 {"contactId", contact_id},
                 {"monetaryValue", value}};
    auto r = ctx.client.Call({.method = "POST",
                              .path = "/opportunities/",
                              .body = body.dump(),
                              .location_id = ctx.ids.location_id});
    if (!r.ok()) {
      // GHL refuses a second open opportunity for the contact in the pipeline (location setting
      // allowDuplicateOpportunity off) and names the existing one: that is the effect, done.
      json err = ghl::ParseJsonBounded<json>(r.error().body);
      if (r.error().http_status == 400 && err.is_object() && err.contains("meta") &&
          err["meta"].is_object()) {
        std::string existing = Str(err["meta"], "opportunityId");
        if (!existing.empty()) return existing;
      }
      return Context(r.error(), "create opportunity");
    }
    const json& o = r->contains("opportunity") ? (*r)["opportunity"] : *r;
    return Str(o, "id");
  };
  return RunOnce(ctx, key, verify, act);
}

}  // namespace ghl::automations
