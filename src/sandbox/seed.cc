// Deterministic demo data (no clock, no randomness beyond a fixed-seed generator).
#include "seed.h"

#include <random>

#include "ghl/sandbox/sandbox.h"
#include "handler.h"

namespace ghl::sandbox {
namespace {

// 2025-01-06T09:00:00Z, a Monday.
constexpr int64_t kSeedEpochMs = 1736154000000;

std::string Uuid(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(36, '-');
  uint64_t a = rng(), b = rng();
  for (int i = 0, bit = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    uint64_t src = bit < 64 ? a : b;
    s[i] = kHex[(src >> (bit % 64)) & 15];
    bit += 4;
  }
  return s;
}

constexpr const char* kFirst[] = {"Ava",   "Liam",   "Olivia", "Noah",  "Emma",   "James",
                                  "Sophia", "Lucas", "Mia",    "Ethan", "Maria",  "Daniel",
                                  "Chloe", "Henry",  "Grace",  "Jack",  "Zoe",    "Leo",
                                  "Isla",  "Mateo"};
constexpr const char* kLast[] = {"Johnson", "Smith",  "Garcia",  "Brown",  "Miller",
                                 "Davis",   "Lopez",  "Wilson",  "Moore",  "Taylor",
                                 "Clark",   "Lewis",  "Walker",  "Young",  "King",
                                 "Wright",  "Hill",   "Scott",   "Green",  "Baker"};
constexpr const char* kCompanies[] = {"Bright Smiles Dental", "Acme Roofing", "Northwind Realty",
                                      "Blue Harbor Fitness", ""};
constexpr const char* kSources[] = {"website form", "facebook ad", "referral", "google ads",
                                    "walk-in"};
constexpr const char* kCities[][2] = {{"Austin", "TX"},  {"Denver", "CO"},  {"Miami", "FL"},
                                      {"Seattle", "WA"}, {"Boston", "MA"}};

}  // namespace

void SeedLocation(Store& store) {
  json loc = {{"id", kDemoLocationId},
              {"companyId", kDemoCompanyId},
              {"name", "Sandbox Demo Clinic"},
              {"domain", "sandbox.localhost"},
              {"address", "100 Main St"},
              {"city", "Austin"},
              {"state", "TX"},
              {"country", "US"},
              {"postalCode", "78701"},
              {"website", "https://sandbox.localhost"},
              {"timezone", kLocationTimezone},
              {"firstName", "Sandy"},
              {"lastName", "Box"},
              {"email", "owner@sandbox.localhost"},
              {"phone", "+15125550100"},
              {"settings", {{"allowDuplicateContact", false},
                            {"allowDuplicateOpportunity", false}}}};
  store.Put(Coll::kLocations, std::string(kDemoLocationId), loc);
  // The location's owner, so GET /users/ has someone to list (and to assign work to).
  json owner = {{"id", "sandbox-user-owner"},
                {"companyId", kDemoCompanyId},
                {"firstName", "Sandy"},
                {"lastName", "Box"},
                {"email", "owner@sandbox.localhost"},
                {"phone", "+15125550100"},
                {"type", "account"},
                {"role", "admin"},
                {"locationIds", {kDemoLocationId}}};
  store.Put(Coll::kUsers, "sandbox-user-owner", owner);
}

void SeedDemo(Store& store) {
  store.SeedRandom(20250106);
  std::mt19937_64 rng(42);
  const std::string loc(kDemoLocationId);
  auto iso = [](int64_t hours) { return IsoUtcMs(kSeedEpochMs + hours * 3600000); };

  // Pipeline and stages.
  std::string pipeline_id = store.NewId();
  json stages = json::array();
  const char* stage_names[] = {"New Lead", "Contacted", "Qualified", "Appointment Booked",
                               "Showed",   "Won"};
  for (int i = 0; i < 6; ++i) {
    stages.push_back({{"id", Uuid(rng)},
                      {"name", stage_names[i]},
                      {"position", i},
                      {"showInFunnel", true},
                      {"showInPieChart", true}});
  }
  store.Put(Coll::kPipelines, pipeline_id,
            {{"id", pipeline_id},
             {"name", "Sales Pipeline"},
             {"stages", stages},
             {"showInFunnel", true},
             {"showInPieChart", true},
             {"locationId", loc}});

  // Calendar with working hours Mon–Fri 09:00–17:00 (location time).
  std::string calendar_id = store.NewId();
  store.Put(Coll::kCalendars, calendar_id,
            {{"id", calendar_id},
             {"locationId", loc},
             {"groupId", ""},
             {"name", "Discovery Call"},
             {"description", "30 minute discovery call"},
             {"slug", "discovery-call"},
             {"widgetSlug", "discovery-call"},
             {"calendarType", "event"},
             {"widgetType", "classic"},
             {"eventTitle", "{{contact.name}}"},
             {"eventColor", "#039be5"},
             {"isActive", true},
             {"slotDuration", 30},
             {"slotDurationUnit", "mins"},
             {"slotInterval", 30},
             {"slotIntervalUnit", "mins"},
             {"slotBuffer", 0},
             {"slotBufferUnit", "mins"},
             {"appoinmentPerSlot", 1},
             {"autoConfirm", true},
             {"allowReschedule", true},
             {"allowCancellation", true},
             {"teamMembers", json::array()},
             {"openHours",
              {{{"daysOfTheWeek", {1, 2, 3, 4, 5}},
                {"hours",
                 {{{"openHour", 9}, {"openMinute", 0}, {"closeHour", 17}, {"closeMinute", 0}}}}}}}});

  // Custom fields.
  struct FieldSeed {
    const char* name;
    const char* key;
    const char* type;
    const char* model;
  };
  const FieldSeed fields[] = {{"Lead Score", "contact.lead_score", "NUMERICAL", "contact"},
                              {"Enrichment Status", "contact.enrichment_status", "TEXT", "contact"},
                              {"Call Outcome", "contact.call_outcome", "TEXT", "contact"},
                              {"Deal Source", "opportunity.deal_source", "SINGLE_OPTIONS",
                               "opportunity"}};
  std::string field_ids[4];
  for (int i = 0; i < 4; ++i) {
    field_ids[i] = store.NewId();
    json f = {{"id", field_ids[i]},         {"name", fields[i].name},
              {"fieldKey", fields[i].key},  {"placeholder", ""},
              {"dataType", fields[i].type}, {"position", i},
              {"picklistOptions", json::array()}, {"isAllowedCustomOption", false},
              {"locationId", loc},          {"model", fields[i].model}};
    if (i == 3) f["picklistOptions"] = {"inbound", "outbound", "partner"};
    store.Put(Coll::kCustomFields, field_ids[i], f);
  }

  // Workflows.
  const char* workflows[][2] = {{"New Lead Welcome", "published"},
                                {"Hot Lead Nurture", "published"},
                                {"Long-term Drip", "draft"}};
  for (int i = 0; i < 3; ++i) {
    std::string id = Uuid(rng);
    store.Put(Coll::kWorkflows, id,
              {{"id", id},
               {"name", workflows[i][0]},
               {"status", workflows[i][1]},
               {"version", 1 + i},
               {"createdAt", iso(-24 * (30 - i))},
               {"updatedAt", iso(-24 * (10 - i))},
               {"locationId", loc}});
  }

  // 50 contacts. Patterns for dedup: #11 repeats #10's email in other case, #21 repeats #20's
  // phone in another format, #30 and #31 share a company and first name; every 9th has no
  // email, every 11th no phone.
  const char* tag_sets[][2] = {{"new-lead", nullptr}, {"returning-lead", nullptr},
                               {"vip", "newsletter"}, {"newsletter", nullptr},
                               {nullptr, nullptr},     {"cold", nullptr}};
  std::vector<std::string> contact_ids;
  for (int i = 0; i < 50; ++i) {
    std::string first = kFirst[i % 20];
    std::string last = kLast[(i * 7 + i / 20) % 20];
    if (i == 10 || i == 11) {
      first = "Maria";
      last = "Garcia";
    }
    std::string email = Lower(first) + "." + Lower(last) + std::to_string(i) + "@example.com";
    if (i == 10) email = "maria.garcia@example.com";
    if (i == 11) email = "Maria.Garcia@Example.com";
    char phone[32];
    std::snprintf(phone, sizeof phone, "+1 (512) 555-%04d", 1000 + i * 7);
    if (i == 21) std::snprintf(phone, sizeof phone, "512-555-%04d", 1000 + 20 * 7);
    json input = {{"firstName", first},
                  {"lastName", last},
                  {"source", kSources[i % 5]},
                  {"city", kCities[i % 5][0]},
                  {"state", kCities[i % 5][1]},
                  {"country", "US"}};
    if (i % 9 != 0 || i == 0) input["email"] = email;
    if (i % 11 != 0 || i == 0) input["phone"] = phone;
    std::string company = kCompanies[i % 5];
    if (i == 30 || i == 31) {
      company = "Northwind Realty";
      input["firstName"] = "Henry";
    }
    if (!company.empty()) input["companyName"] = company;
    json tags = json::array();
    for (const char* t : tag_sets[i % 6]) {
      if (t) tags.push_back(t);
    }
    input["tags"] = tags;
    json cfs = json::array();
    if (i % 3 != 2) cfs.push_back({{"id", field_ids[0]}, {"field_value", (i * 37) % 100}});
    if (i % 4 != 3) {
      cfs.push_back({{"id", field_ids[1]}, {"field_value", i % 2 ? "complete" : "pending"}});
    }
    input["customFields"] = cfs;
    int64_t added = kSeedEpochMs + int64_t{i} * 37 * 3600000;
    json c = NewContact(store.NewId(), loc, added);
    ApplyContactFields(c, input, store, added, false);
    contact_ids.push_back(c["id"].get<std::string>());
    store.Put(Coll::kContacts, contact_ids.back(), std::move(c));
  }

  // 10 opportunities on contacts 0..9.
  const char* statuses[] = {"open", "open", "won", "open", "lost",
                            "open", "open", "won", "open", "open"};
  for (int i = 0; i < 10; ++i) {
    const json& c = store.Get(Coll::kContacts, contact_ids[i])->value;
    std::string id = store.NewId();
    std::string at = iso(int64_t{i} * 37 + 2);
    std::string name = Str(c, "firstName") + " " + Str(c, "lastName") + " - New Deal";
    store.Put(Coll::kOpportunities, id,
              {{"id", id},
               {"name", name},
               {"monetaryValue", 500 + 250 * i},
               {"pipelineId", pipeline_id},
               {"pipelineStageId", stages[i % 6]["id"]},
               {"assignedTo", ""},
               {"status", statuses[i]},
               {"source", Str(c, "source")},
               {"lastStatusChangeAt", at},
               {"lastStageChangeAt", at},
               {"lastActionDate", at},
               {"createdAt", at},
               {"updatedAt", at},
               {"contactId", contact_ids[i]},
               {"locationId", loc},
               {"customFields", json::array()}});
  }

  // 3 conversations with a short SMS exchange each (contacts 1, 2, 3).
  const char* lines[][3] = {
      {"Hi, can I book a cleaning next week?", "Sure! What day works best?", "Tuesday morning"},
      {"What are your prices for whitening?", "Whitening starts at $199.", "Thanks!"},
      {"I was charged twice for my visit.", "Sorry about that, we are checking.", "Any news?"}};
  for (int k = 0; k < 3; ++k) {
    const json& c = store.Get(Coll::kContacts, contact_ids[k + 1])->value;
    std::string conv_id = store.NewId();
    int64_t base = kSeedEpochMs + int64_t{200 + k * 24} * 3600000;
    std::string name = Str(c, "firstName") + " " + Str(c, "lastName");
    json conv = {{"id", conv_id},
                 {"contactId", c["id"]},
                 {"locationId", loc},
                 {"deleted", false},
                 {"inbox", true},
                 {"type", 1},
                 {"unreadCount", 1},
                 {"starred", false},
                 {"assignedTo", ""},
                 {"fullName", name},
                 {"contactName", name},
                 {"email", Str(c, "email")},
                 {"phone", Str(c, "phone")},
                 {"dateAdded", IsoUtcMs(base)}};
    for (int m = 0; m < 3; ++m) {
      std::string mid = store.NewId();
      int64_t at = base + m * 600000;
      const char* dir = m == 1 ? "outbound" : "inbound";
      store.Put(Coll::kMessages, mid,
                {{"id", mid},
                 {"type", 2},
                 {"messageType", "TYPE_SMS"},
                 {"locationId", loc},
                 {"contactId", c["id"]},
                 {"conversationId", conv_id},
                 {"dateAdded", IsoUtcMs(at)},
                 {"body", lines[k][m]},
                 {"direction", dir},
                 {"status", "delivered"},
                 {"contentType", "text/plain"},
                 {"attachments", json::array()},
                 {"source", m == 1 ? "app" : "api"}});
      conv["lastMessageBody"] = lines[k][m];
      conv["lastMessageType"] = "TYPE_SMS";
      conv["lastMessageDirection"] = dir;
      conv["lastMessageDate"] = at;
      conv["dateUpdated"] = IsoUtcMs(at);
    }
    store.Put(Coll::kConversations, conv_id, std::move(conv));
  }
}

void SeedGeneratedContacts(Store& store, int count) {
  constexpr int64_t kStartMs = 1738368000000;  // 2025-02-01T00:00:00Z
  const std::string loc(kDemoLocationId);
  for (int i = 0; i < count; ++i) {
    int64_t added = kStartMs + int64_t{i} * 300000;
    json c = NewContact(store.NewId(), loc, added);
    json input = {{"firstName", "Generated"},
                  {"lastName", "Contact " + std::to_string(i)},
                  {"email", "generated" + std::to_string(i) + "@example.net"},
                  {"source", "generated"},
                  {"tags", {i % 2 ? "odd" : "even"}}};
    ApplyContactFields(c, input, store, added, false);
    store.Put(Coll::kContacts, std::move(c));
  }
}

}  // namespace ghl::sandbox
