// Config references → GHL ids, through the API, once at start.
#include "ghl/automations/resolver.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/locations.h"
#include "ghl/ops/objects.h"
#include "ghl/ops/opportunities.h"
#include "util.h"

namespace ghl::automations {

using nlohmann::json;

const Stage* Pipeline::FindStage(const std::string& stage_id) const {
  for (const auto& s : stages) {
    if (s.id == stage_id) return &s;
  }
  return nullptr;
}

std::string ResolvedIds::RuleFieldId(const std::string& ref) const {
  for (const auto& [r, id] : rule_fields) {
    if (r == ref) return id;
  }
  return "";
}

namespace {

struct Lists {
  std::vector<Pipeline> pipelines;
  bool have_pipelines = false;
  json calendars = json::array();
  bool have_calendars = false;
  json fields = json::array();
  bool have_fields = false;
};

class Resolver {
 public:
  Resolver(const Config& config, const client::Client& client, std::string location)
      : config_(config), client_(client), location_(std::move(location)) {}

  ops::Context Ops() const { return ops::Context{client_, location_, nullptr}; }

  Status LoadPipelines() {
    if (lists_.have_pipelines) return Ok{};
    auto r = ops::ListPipelines(Ops());
    if (!r.ok()) return r.error();
    for (const auto& p : *r) {
      Pipeline pl{Str(p, "id"), Str(p, "name"), {}};
      int i = 0;
      for (const auto& s : p.value("stages", json::array())) {
        pl.stages.push_back({Str(s, "id"), Str(s, "name"), s.value("position", i)});
        ++i;
      }
      std::stable_sort(pl.stages.begin(), pl.stages.end(),
                       [](const Stage& a, const Stage& b) { return a.position < b.position; });
      for (size_t k = 0; k < pl.stages.size(); ++k) pl.stages[k].position = static_cast<int>(k);
      lists_.pipelines.push_back(std::move(pl));
    }
    lists_.have_pipelines = true;
    return Ok{};
  }

  Status LoadCalendars() {
    if (lists_.have_calendars) return Ok{};
    auto r = ops::ListCalendars(Ops());
    if (!r.ok()) return r.error();
    lists_.calendars = std::move(*r);
    lists_.have_calendars = true;
    return Ok{};
  }

  Status LoadFields() {
    if (lists_.have_fields) return Ok{};
    auto r = ops::ListCustomFields(Ops());
    if (!r.ok()) return r.error();
    lists_.fields = std::move(*r);
    lists_.have_fields = true;
    return Ok{};
  }

  void Problem(int line, std::string text) {
    problems_.emplace_back(line, config_.source_name + ":" + std::to_string(line) + ": " + text);
  }

  std::optional<Pipeline> FindPipeline(const RecordRef& ref, std::string_view field) {
    for (const auto& p : lists_.pipelines) {
      if (p.id == ref.text) return p;
    }
    for (const auto& p : lists_.pipelines) {
      if (EqualsNoCase(p.name, ref.text)) return p;
    }
    std::string have;
    for (const auto& p : lists_.pipelines) {
      have += (have.empty() ? "" : ", ") + ("'" + p.name + "' (" + p.id + ")");
    }
    Problem(ref.line, std::string(field) + " '" + ref.text + "' is not a pipeline of location " +
                          location_ + "; pipelines: " + (have.empty() ? "none" : have));
    return std::nullopt;
  }

  std::optional<Stage> FindStage(const Pipeline& p, const RecordRef& ref, std::string_view field) {
    for (const auto& s : p.stages) {
      if (s.id == ref.text) return s;
    }
    for (const auto& s : p.stages) {
      if (EqualsNoCase(s.name, ref.text)) return s;
    }
    std::string have;
    for (const auto& s : p.stages) have += (have.empty() ? "'" : ", '") + s.name + "'";
    Problem(ref.line, std::string(field) + " '" + ref.text + "' is not a stage of pipeline '" +
                          p.name + "'; stages: " + (have.empty() ? "none" : have));
    return std::nullopt;
  }

  std::string FindField(const std::string& text, int line, std::string_view field) {
    if (const json* f = ops::FindCustomField(lists_.fields, text)) return Str(*f, "id");
    std::string have;
    for (const auto& f : lists_.fields) {
      have += (have.empty() ? "" : ", ") + Str(f, "fieldKey") + " ('" + Str(f, "name") + "')";
    }
    Problem(line, std::string(field) + " '" + text +
                      "' is not a contact custom field of location " + location_ +
                      "; fields: " + (have.empty() ? "none" : have) +
                      " (create it with POST /locations/{locationId}/customFields)");
    return "";
  }

  // The custom object, its match property and the association object ↔ opportunity.
  Status ResolveObject(const FormToObjectConfig& fb, ResolvedIds& ids) {
    ops::Context ctx{client_, location_, nullptr};
    std::string where = "[recipes.form_to_object] ";
    auto schema = ops::GetObjectSchema(ctx, fb.object);
    if (!schema.ok()) {
      if (!IsNotFound(schema.error())) return schema.error();
      Problem(fb.line, where + "object '" + fb.object + "' is not an object of location " +
                           location_ + "; GET /objects/?locationId=" + location_ + " lists them");
      return Ok{};
    }
    ids.object_key = Str(*schema, "key");
    if (!fb.match_property.empty()) {
      std::string full = ids.object_key + "." + Lower(fb.match_property);
      bool searchable = false;
      for (const auto& p : schema->value("searchableProperties", json::array())) {
        searchable = searchable || (p.is_string() && p.get<std::string>() == full);
      }
      if (!searchable) {
        Problem(fb.line, where + "match_property '" + fb.match_property +
                             "' is not a searchable property of " + ids.object_key + "; add " +
                             full + " to its searchableProperties (PUT /objects/" + ids.object_key +
                             ")");
      }
    }
    auto assoc = ops::GetAssociationByKey(ctx, fb.association);
    if (!assoc.ok()) {
      if (!IsNotFound(assoc.error())) return assoc.error();
      Problem(fb.line, where + "association '" + fb.association +
                           "' is not an association of location " + location_ +
                           "; create it with POST /associations/ (firstObjectKey " +
                           ids.object_key + ", secondObjectKey opportunity)");
      return Ok{};
    }
    std::string first = Str(*assoc, "firstObjectKey"), second = Str(*assoc, "secondObjectKey");
    if (first == ids.object_key && second == "opportunity") {
      ids.object_is_first = true;
    } else if (first == "opportunity" && second == ids.object_key) {
      ids.object_is_first = false;
    } else {
      Problem(fb.line, where + "association '" + fb.association + "' links " + first + " and " +
                           second + ", not " + ids.object_key + " and opportunity");
      return Ok{};
    }
    ids.association_id = Str(*assoc, "id");
    return Ok{};
  }

  Result<ResolvedIds> Run() {
    ResolvedIds ids;
    ids.location_id = location_;
    if (location_.empty()) {
      return UsageError("no location id to resolve the config against",
                        "set location_id in the config, or GHL_LOCATION_ID / --location");
    }
    const auto& fo = config_.form_to_opportunity;
    const auto& pa = config_.pipeline_advance;
    const auto& ls = config_.lead_scoring;
    const auto& fb = config_.form_to_object;
    if (fo.enabled || fb.enabled || pa.enabled || (ls.enabled && !ls.hot_stage.empty())) {
      if (auto st = LoadPipelines(); !st.ok()) return st.error();
    }
    if (fo.enabled) {
      if (auto p = FindPipeline(fo.pipeline, "[recipes.form_to_opportunity] pipeline")) {
        ids.opportunity_pipeline = *p;
        if (auto s = FindStage(*p, fo.stage, "[recipes.form_to_opportunity] stage")) {
          ids.opportunity_stage = *s;
        }
      }
    }
    if (fb.enabled) {
      if (auto p = FindPipeline(fb.pipeline, "[recipes.form_to_object] pipeline")) {
        ids.object_pipeline = *p;
        if (auto s = FindStage(*p, fb.stage, "[recipes.form_to_object] stage")) {
          ids.object_stage = *s;
        }
      }
      if (auto st = ResolveObject(fb, ids); !st.ok()) return st.error();
    }
    if (pa.enabled) {
      if (auto p = FindPipeline(pa.pipeline, "[recipes.pipeline_advance] pipeline")) {
        ids.advance_pipeline = *p;
        if (auto s = FindStage(*p, pa.stage, "[recipes.pipeline_advance] stage")) {
          ids.advance_stage = *s;
        }
      }
    }
    if (const auto& fon = config_.form_to_onboarding; fon.enabled) {
      for (const auto& f : fon.fields) {
        if (f.source.rfind("contact.", 0) != 0) continue;
        if (auto st = LoadFields(); !st.ok()) return st.error();
        std::string id =
            FindField(f.source, f.line, "[recipes.form_to_onboarding.fields] '" + f.target + "'");
        if (!id.empty()) ids.rule_fields.emplace_back(f.source, id);
      }
    }
    if (ls.enabled) {
      if (auto st = LoadFields(); !st.ok()) return st.error();
      ids.score_field_id =
          FindField(ls.score_field.text, ls.score_field.line, "[recipes.lead_scoring] score_field");
      for (const auto& rule : ls.rules) {
        if (rule.kind != RuleKind::kCustomField) continue;
        std::string id = FindField(rule.subject, rule.line, "custom_field of a scoring rule");
        if (!id.empty()) ids.rule_fields.emplace_back(rule.subject, id);
      }
      if (!ls.hot_stage.empty()) {
        if (auto p = FindPipeline(ls.pipeline, "[recipes.lead_scoring] pipeline")) {
          ids.scoring_pipeline = *p;
          ids.hot_stage = FindStage(*p, ls.hot_stage, "[recipes.lead_scoring] hot_stage");
        }
      }
    }
    if (config_.booking.enabled) {
      if (auto st = LoadCalendars(); !st.ok()) return st.error();
      const RecordRef& ref = config_.booking.calendar;
      const json* found = nullptr;
      for (const auto& c : lists_.calendars) {
        if (Str(c, "id") == ref.text) found = &c;
      }
      for (const auto& c : lists_.calendars) {
        if (!found && EqualsNoCase(Str(c, "name"), ref.text)) found = &c;
      }
      if (found) {
        ids.calendar_id = Str(*found, "id");
        ids.calendar_name = Str(*found, "name");
      } else {
        std::string have;
        for (const auto& c : lists_.calendars) {
          have += (have.empty() ? "'" : ", '") + Str(c, "name") + "' (" + Str(c, "id") + ")";
        }
        Problem(ref.line, "[recipes.booking] calendar '" + ref.text +
                              "' is not a calendar of location " + location_ +
                              "; calendars: " + (have.empty() ? "none" : have));
      }
    }
    if (!problems_.empty()) {
      std::stable_sort(problems_.begin(), problems_.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      Error e;
      e.kind = ErrorKind::kUsage;
      for (auto& [line, text] : problems_) e.messages.push_back(text);
      e.hint = "use an id or the exact name shown; `ghl automations check FILE` lists them";
      return e;
    }
    return ids;
  }

 private:
  const Config& config_;
  const client::Client& client_;
  std::string location_;
  Lists lists_;
  std::vector<std::pair<int, std::string>> problems_;
};

}  // namespace

Result<ResolvedIds> ResolveIds(const Config& config, const client::Client& client) {
  std::string location = !config.location_id.empty()
                             ? config.location_id
                             : client.connection().options().default_location_id;
  Resolver r(config, client, location);
  return r.Run();
}

std::string DescribeResolved(const Config& config, const ResolvedIds& ids) {
  std::ostringstream o;
  o << "location " << ids.location_id << "\n";
  if (config.form_to_opportunity.enabled) {
    o << "form_to_opportunity: pipeline '" << ids.opportunity_pipeline.name << "' ("
      << ids.opportunity_pipeline.id << "), stage '" << ids.opportunity_stage.name << "' ("
      << ids.opportunity_stage.id << "), monetary value "
      << config.form_to_opportunity.monetary_value << "\n";
  }
  if (config.form_to_object.enabled) {
    o << "form_to_object: pipeline '" << ids.object_pipeline.name << "' (" << ids.object_pipeline.id
      << "), stage '" << ids.object_stage.name << "', object " << ids.object_key << ", association "
      << config.form_to_object.association << " (" << ids.association_id << ")\n";
  }
  if (config.booking.enabled) {
    o << "booking: calendar '" << ids.calendar_name << "' (" << ids.calendar_id << "), timezone "
      << config.booking.timezone << ", next " << config.booking.search_days << " days\n";
  }
  if (config.pipeline_advance.enabled) {
    o << "pipeline_advance: pipeline '" << ids.advance_pipeline.name << "' ("
      << ids.advance_pipeline.id << "), stage '" << ids.advance_stage.name << "' ("
      << ids.advance_stage.id << ")\n";
  }
  if (config.lead_scoring.enabled) {
    o << "lead_scoring: score field " << ids.score_field_id << ", "
      << config.lead_scoring.rules.size() << " rules, hot >= " << config.lead_scoring.hot_threshold
      << ", warm >= " << config.lead_scoring.warm_threshold;
    if (ids.hot_stage) {
      o << ", hot leads → pipeline '" << ids.scoring_pipeline.name << "' stage '"
        << ids.hot_stage->name << "' (" << ids.hot_stage->id << ")";
    }
    o << "\n";
    for (const auto& [ref, id] : ids.rule_fields)
      o << "  rule field " << ref << " = " << id << "\n";
  }
  if (config.dedup_tagging.enabled) {
    o << "dedup_tagging: tags '" << config.tags.returning_lead << "' / '" << config.tags.new_lead
      << "'\n";
  }
  if (config.message_classification.enabled) {
    o << "message_classification: classifier " << config.message_classification.classifier.kind
      << ", threshold " << config.message_classification.confidence_threshold << "\n";
  }
  return o.str();
}

}  // namespace ghl::automations
