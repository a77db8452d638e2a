#include "util.h"

#include <algorithm>
#include <cctype>

#include "ghl/core/json_depth.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/ops/opportunities.h"
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

ops::Context Ops(const RecipeContext& ctx) {
  return ops::Context{ctx.client, ctx.ids.location_id, ctx.check_lock};
}

Result<json> GetContact(const RecipeContext& ctx, const std::string& contact_id) {
  return ops::GetContact(Ops(ctx), contact_id);
}

Status AddTags(const RecipeContext& ctx, const std::string& contact_id,
               const std::vector<std::string>& tags) {
  return ops::AddTags(Ops(ctx), contact_id, tags);
}

Status RemoveTags(const RecipeContext& ctx, const std::string& contact_id,
                  const std::vector<std::string>& tags) {
  return ops::RemoveTags(Ops(ctx), contact_id, tags);
}

Result<json> SearchOpportunities(const RecipeContext& ctx, const std::string& contact_id,
                                 const std::string& pipeline_id, std::string_view status) {
  auto r = ops::SearchOpportunities(Ops(ctx), {.contact_id = contact_id,
                                               .pipeline_id = pipeline_id,
                                               .status = std::string(status),
                                               .limit = 100});
  if (!r.ok()) return r.error();
  return (*r)["opportunities"];
}

Result<std::string> ConversationOf(const RecipeContext& ctx, const std::string& contact_id) {
  return ops::ConversationOf(Ops(ctx), contact_id);
}

Result<bool> HasOutboundMessage(const RecipeContext& ctx, const std::string& contact_id,
                                const std::string& text, int limit) {
  auto conv = ConversationOf(ctx, contact_id);
  if (!conv.ok()) return conv.error();
  if (conv->empty()) return false;
  auto page = ops::ListMessages(Ops(ctx), *conv, std::clamp(limit, 1, 100));
  if (!page.ok()) return page.error();
  for (const auto& m : page->messages) {
    if (Str(m, "direction") == "outbound" && Str(m, "body") == text) return true;
  }
  return false;
}

Result<std::string> SendMessage(const RecipeContext& ctx, const std::string& contact_id,
                                const std::string& text, std::string_view type) {
  auto r = ops::SendMessage(Ops(ctx),
                            {.type = std::string(type), .contact_id = contact_id, .message = text});
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
    auto r = ops::CreateOpportunity(Ops(ctx), {.pipeline_id = pipeline.id,
                                               .stage_id = stage.id,
                                               .name = Render(name_template, ContactVars(contact)),
                                               .status = "open",
                                               .contact_id = contact_id,
                                               .value = value});
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
    return Str(*r, "id");
  };
  return RunOnce(ctx, key, verify, act);
}

bool FromSources(const RecipeContext& ctx, std::string_view recipe,
                 const std::vector<std::string>& sources, const json& contact) {
  if (sources.empty()) return true;
  std::string source = Str(contact, "source");
  for (const auto& s : sources) {
    if (EqualsNoCase(s, source)) return true;
  }
  ctx.Note(recipe, "source '" + source + "' not in sources; skipped");
  return false;
}

}  // namespace ghl::automations
