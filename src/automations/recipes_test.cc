// Each recipe against the real sandbox (ghl::sandbox::Sandbox::Handle through an in-process
// transport: real request handling, no sockets), with events captured from the sandbox's own
// webhook sink (GHL's payload shapes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "ghl/automations/recipe.h"
#include "ghl/sandbox/sandbox.h"
#include "util.h"

namespace ghl::automations {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string DataFile(const std::string& name) {
  const char* src = std::getenv("GHL_SOURCE_DIR");
  return std::string(src ? src : GHL_TEST_SOURCE_DIR) + "/tests/data/automations/" + name;
}

// Sends client requests straight into Sandbox::Handle. `drop_answer` simulates a lost answer:
// the sandbox applies the request, the caller sees a network error.
class SandboxTransport final : public http::Transport {
 public:
  explicit SandboxTransport(sandbox::Sandbox& s) : sandbox_(s) {}
  Result<http::Response> Send(const http::Request& request,
                              const http::TransportOptions&) override {
    http::Request r = request;
    auto scheme = r.target.find("://");
    auto path = r.target.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    r.target = path == std::string::npos ? "/" : r.target.substr(path);
    r.headers.Set("Host", "sandbox.test");
    {
      std::lock_guard lock(mu_);
      if (intercept) {
        if (auto answer = intercept(r)) return *answer;
      }
    }
    http::Response res = sandbox_.Handle(r);
    std::lock_guard lock(mu_);
    if (drop_answer && drop_answer(r)) {
      drop_answer = nullptr;
      Error e;
      e.kind = ErrorKind::kNetwork;
      e.messages.push_back("connection reset (test)");
      return e;
    }
    return res;
  }
  std::mutex mu_;
  std::function<bool(const http::Request&)> drop_answer;
  // Answers instead of the sandbox when it returns a response (e.g. a refusal).
  std::function<std::optional<http::Response>(const http::Request&)> intercept;

 private:
  sandbox::Sandbox& sandbox_;
};

class RecipesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::Options o;
    o.webhook_sink = [this](std::string_view type, std::string_view body) {
      std::lock_guard lock(events_mu_);
      events_.push_back({std::string(type), json::parse(body)});
    };
    auto s = sandbox::Sandbox::Create(o);
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sandbox_ = std::move(*s);
    transport_ = std::make_shared<SandboxTransport>(*sandbox_);
    client::ClientOptions co;
    co.base_url = "http://sandbox.test";
    co.token = sandbox_->token();
    co.default_location_id = sandbox_->location_id();
    co.transport = transport_;
    co.retry.max_attempts = 1;
    client_ = std::make_unique<client::Client>(co);
    auto c = LoadConfig(DataFile("demo.toml"));
    ASSERT_TRUE(c.ok()) << c.error().Describe();
    config_ = std::move(*c);
    auto ids = ResolveIds(config_, *client_);
    ASSERT_TRUE(ids.ok()) << ids.error().Describe();
    ids_ = std::move(*ids);
    ledger_ = MakeMemoryLedger();
    classifier_ = MakeClassifier(config_.message_classification);
  }

  json Call(std::string method, std::string path, json body = nullptr,
            client::QueryParams query = {}) {
    auto r = client_->Call({.method = method,
                            .path = path,
                            .query = std::move(query),
                            .body = body.is_null() ? "" : body.dump()});
    EXPECT_TRUE(r.ok()) << method << " " << path << ": " << (r.ok() ? "" : r.error().Describe());
    return r.ok() ? *r : json();
  }

  // The last captured webhook of `type`, as an IncomingEvent.
  IncomingEvent LastEvent(std::string_view type) {
    std::lock_guard lock(events_mu_);
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (it->first == type) {
        IncomingEvent e;
        e.type = it->first;
        e.body = it->second;
        e.location_id = it->second.value("locationId", "");
        return e;
      }
    }
    ADD_FAILURE() << "no " << type << " event captured";
    return {};
  }

  std::vector<std::string> Run(Recipe& recipe, const IncomingEvent& event, bool expect_ok = true) {
    std::vector<std::string> actions;
    RecipeContext ctx{.client = *client_,
                      .config = config_,
                      .ids = ids_,
                      .ledger = *ledger_,
                      .classifier = classifier_.get(),
                      .check_lock = nullptr,
                      .now = std::chrono::system_clock::now(),
                      .actions = &actions};
    Status st = recipe.Run(event, ctx);
    EXPECT_EQ(st.ok(), expect_ok) << recipe.name() << ": "
                                  << (st.ok() ? "ok" : st.error().Describe());
    last_error_ = st.ok() ? "" : st.error().Describe();
    last_failure_ = st.ok() ? std::optional<Error>() : st.error();
    return actions;
  }

  std::string NewContact(json fields) {
    fields["locationId"] = sandbox_->location_id();
    json r = Call("POST", "/contacts/", fields);
    return r["contact"]["id"];
  }
  json Contact(const std::string& id) { return Call("GET", "/contacts/" + id)["contact"]; }
  std::vector<std::string> TagsOf(const std::string& id) {
    return Contact(id)["tags"].get<std::vector<std::string>>();
  }
  json Opportunities(const std::string& contact_id) {
    return Call("GET", "/opportunities/search", nullptr,
                {{"location_id", sandbox_->location_id()},
                 {"contact_id", contact_id},
                 {"status", "all"}})["opportunities"];
  }
  json Messages(const std::string& contact_id) {
    json convs = Call("GET", "/conversations/search", nullptr, {{"contactId", contact_id}});
    if (convs["conversations"].empty()) return json::array();
    std::string conv = convs["conversations"][0]["id"];
    return Call("GET", "/conversations/" + conv + "/messages", nullptr,
                {{"limit", "100"}})["messages"]["messages"];
  }
  int Outbound(const std::string& contact_id) {
    int n = 0;
    for (const auto& m : Messages(contact_id)) n += m["direction"] == "outbound";
    return n;
  }
  json Appointments(const std::string& contact_id) {
    auto now = std::chrono::system_clock::now();
    auto ms = [](auto t) {
      return std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
    };
    json all = Call("GET", "/calendars/events", nullptr,
                    {{"locationId", sandbox_->location_id()},
                     {"calendarId", ids_.calendar_id},
                     {"startTime", ms(now - std::chrono::hours(24))},
                     {"endTime", ms(now + std::chrono::hours(24 * 40))}})["events"];
    json mine = json::array();
    for (const auto& a : all) {
      if (a["contactId"] == contact_id) mine.push_back(a);
    }
    return mine;
  }

  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::shared_ptr<SandboxTransport> transport_;
  std::optional<Error> last_failure_;
  std::unique_ptr<client::Client> client_;
  Config config_;
  ResolvedIds ids_;
  std::unique_ptr<EffectLedger> ledger_;
  std::unique_ptr<Classifier> classifier_;
  std::mutex events_mu_;
  std::vector<std::pair<std::string, json>> events_;
  std::string last_error_;
};

TEST_F(RecipesTest, ResolvesDemoNamesToIds) {
  EXPECT_EQ(ids_.location_id, sandbox::kDemoLocationId);
  EXPECT_EQ(ids_.opportunity_pipeline.name, "Sales Pipeline");
  EXPECT_EQ(ids_.opportunity_stage.name, "New Lead");
  EXPECT_EQ(ids_.advance_stage.name, "Showed");
  EXPECT_GT(ids_.advance_stage.position, ids_.opportunity_stage.position);
  EXPECT_EQ(ids_.calendar_name, "Discovery Call");
  EXPECT_FALSE(ids_.score_field_id.empty());
  ASSERT_TRUE(ids_.hot_stage.has_value());
  EXPECT_EQ(ids_.hot_stage->name, "Qualified");
  EXPECT_FALSE(ids_.RuleFieldId("contact.enrichment_status").empty());
}

TEST_F(RecipesTest, UnknownNamesAreReportedWithTheirConfigLine) {
  auto c = ParseConfig(
      "[recipes.booking]\ncalendar = \"Discovery Cal\"\n"
      "[recipes.pipeline_advance]\npipeline = \"Sales Pipeline\"\n"
      "stage = \"Shown\"\n",
      "x.toml");
  ASSERT_TRUE(c.ok()) << c.error().Describe();
  c->location_id = sandbox_->location_id();
  auto ids = ResolveIds(*c, *client_);
  ASSERT_FALSE(ids.ok());
  EXPECT_THAT(ids.error().messages,
              ::testing::ElementsAre(HasSubstr("x.toml:2: [recipes.booking] calendar 'Discovery "
                                               "Cal' is not a calendar of location"),
                                     HasSubstr("x.toml:5: [recipes.pipeline_advance] stage "
                                               "'Shown' is not a stage of pipeline 'Sales "
                                               "Pipeline'; stages: 'New Lead', 'Contacted'")));
}

TEST_F(RecipesTest, DedupTaggingNewThenReturningOnce) {
  auto recipe = MakeDedupTaggingRecipe();
  std::string id = NewContact({{"firstName", "Una"}, {"email", "una.unique@example.org"}});
  IncomingEvent created = LastEvent("ContactCreate");
  EXPECT_THAT(Run(*recipe, created), ::testing::Contains("dedup_tagging: tagged new-lead"));
  EXPECT_THAT(Run(*recipe, created), ::testing::Contains("dedup_tagging: already tagged; skipped"));
  EXPECT_THAT(TagsOf(id), ::testing::ElementsAre("new-lead"));

  // The seed has two Maria Garcias (#10 older, #11 newer) with the same email in other case.
  json found =
      Call("POST", "/contacts/search",
           {{"locationId", sandbox_->location_id()},
            {"page", 1},
            {"pageLimit", 10},
            {"filters",
             {{{"field", "email"}, {"operator", "eq"}, {"value", "maria.garcia@example.com"}}}}});
  ASSERT_EQ(found["contacts"].size(), 2u);
  std::vector<json> marias(found["contacts"].begin(), found["contacts"].end());
  std::sort(marias.begin(), marias.end(),
            [](const json& a, const json& b) { return a["dateAdded"] < b["dateAdded"]; });
  for (const auto& m : marias) {
    IncomingEvent e;
    e.type = "ContactCreate";
    e.body = {{"type", "ContactCreate"}, {"id", m["id"]}, {"locationId", sandbox_->location_id()}};
    Run(*recipe, e);
  }
  EXPECT_THAT(TagsOf(marias[0]["id"]), ::testing::Contains("new-lead"));
  EXPECT_THAT(TagsOf(marias[1]["id"]), ::testing::Contains("returning-lead"));
  EXPECT_THAT(TagsOf(marias[1]["id"]), ::testing::Not(::testing::Contains("new-lead")));
}

// The contact recipes share one prologue (LoadEventContact): a contact deleted before its event
// runs is a noted skip, any other failure of the lookup fails the event (to be retried).
TEST_F(RecipesTest, ContactRecipesSkipADeletedContactAndFailOnOtherLookupErrors) {
  std::string id = NewContact(
      {{"firstName", "Gone"}, {"email", "gone.soon@example.org"}, {"tags", {"book-now"}}});
  IncomingEvent created = LastEvent("ContactCreate");
  std::vector<std::unique_ptr<Recipe>> recipes;
  recipes.push_back(MakeDedupTaggingRecipe());
  recipes.push_back(MakeLeadScoringRecipe());
  recipes.push_back(MakeFormToOpportunityRecipe());
  recipes.push_back(MakeBookingRecipe());

  {
    std::lock_guard lock(transport_->mu_);
    transport_->drop_answer = [](const http::Request& r) { return r.method == "GET"; };
  }
  Run(*recipes[0], created, /*expect_ok=*/false);
  EXPECT_THAT(last_error_, HasSubstr("connection reset (test)"));

  Call("DELETE", "/contacts/" + id);
  for (const auto& recipe : recipes) {
    EXPECT_THAT(Run(*recipe, created),
                ::testing::ElementsAre(std::string(recipe->name()) + ": contact " + id +
                                       " no longer exists; skipped"));
  }
  EXPECT_TRUE(Opportunities(id).empty());
}

TEST_F(RecipesTest, FormToOpportunityCreatesExactlyOne) {
  auto recipe = MakeFormToOpportunityRecipe();
  std::string id =
      NewContact({{"firstName", "Olive"}, {"lastName", "Opp"}, {"email", "olive.opp@example.org"}});
  IncomingEvent created = LastEvent("ContactCreate");
  Run(*recipe, created);
  Run(*recipe, created);
  ledger_ = MakeMemoryLedger();  // even with the ledger lost, the API check finds it
  Run(*recipe, created);
  json opps = Opportunities(id);
  ASSERT_EQ(opps.size(), 1u);
  EXPECT_EQ(opps[0]["name"], "Olive Opp - New Deal");
  EXPECT_EQ(opps[0]["status"], "open");
  EXPECT_EQ(opps[0]["monetaryValue"], 500);
  EXPECT_EQ(opps[0]["pipelineStageId"], ids_.opportunity_stage.id);
}

TEST_F(RecipesTest, FormToOpportunityRespectsSources) {
  config_.form_to_opportunity.sources = {"website form"};
  auto recipe = MakeFormToOpportunityRecipe();
  std::string id =
      NewContact({{"firstName", "Walk"}, {"source", "walk-in"}, {"email", "walk.in@example.org"}});
  EXPECT_THAT(Run(*recipe, LastEvent("ContactCreate")),
              ::testing::Contains(HasSubstr("not in sources; skipped")));
  EXPECT_TRUE(Opportunities(id).empty());
}

TEST_F(RecipesTest, BookingBooksOnceAndConfirmsOnce) {
  auto recipe = MakeBookingRecipe();
  std::string id = NewContact(
      {{"firstName", "Bea"}, {"email", "bea.book@example.org"}, {"phone", "+15125559001"}});
  Run(*recipe, LastEvent("ContactCreate"));  // no book-now yet
  EXPECT_TRUE(Appointments(id).empty());
  Call("POST", "/contacts/" + id + "/tags", {{"tags", {"book-now"}}});
  IncomingEvent tagged = LastEvent("ContactTagUpdate");
  auto actions = Run(*recipe, tagged);
  EXPECT_THAT(actions, ::testing::Contains(HasSubstr("booking: booked appointment")));
  EXPECT_THAT(actions, ::testing::Contains(HasSubstr("booking: sent SMS confirmation")));
  json appts = Appointments(id);
  ASSERT_EQ(appts.size(), 1u);
  EXPECT_EQ(appts[0]["appointmentStatus"], "confirmed");
  json msgs = Messages(id);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_THAT(msgs[0]["body"].get<std::string>(),
              HasSubstr("Hi Bea, you're booked: Discovery Call on "));
  EXPECT_THAT(TagsOf(id), ::testing::Not(::testing::Contains("book-now")));

  // The same tag event again (GHL retry), and the tag added again while the appointment is
  // upcoming: still one appointment, one SMS.
  Run(*recipe, tagged);
  Call("POST", "/contacts/" + id + "/tags", {{"tags", {"book-now"}}});
  Run(*recipe, LastEvent("ContactTagUpdate"));
  EXPECT_EQ(Appointments(id).size(), 1u);
  EXPECT_EQ(Outbound(id), 1);
}

// Every free slot tried refused (taken by other bookings since the free-slots read): a conflict
// to retry with fresh slots, not a permanent refusal that would dead-letter the event at once.
TEST_F(RecipesTest, BookingWhoseSlotsWereAllTakenMeanwhileIsRetriedNotDeadLettered) {
  auto recipe = MakeBookingRecipe();
  std::string id = NewContact(
      {{"firstName", "Ray"}, {"email", "ray.race@example.org"}, {"phone", "+15125559009"}});
  Call("POST", "/contacts/" + id + "/tags", {{"tags", {"book-now"}}});
  int refused = 0;
  {
    std::lock_guard lock(transport_->mu_);
    transport_->intercept = [&](const http::Request& r) -> std::optional<http::Response> {
      if (r.method != "POST" || r.Path() != "/calendars/events/appointments") return std::nullopt;
      ++refused;
      http::Response res;
      res.status = 422;
      res.headers.Set("Content-Type", "application/json");
      res.body =
          R"({"statusCode":422,"message":"The slot you have selected is no longer available"})";
      return res;
    };
  }
  Run(*recipe, LastEvent("ContactTagUpdate"), /*expect_ok=*/false);
  EXPECT_EQ(refused, 3) << "three slots tried";
  ASSERT_TRUE(last_failure_.has_value());
  EXPECT_FALSE(IsPermanentFailure(*last_failure_)) << last_error_;
  EXPECT_THAT(last_error_, HasSubstr("no longer available"));
  {
    std::lock_guard lock(transport_->mu_);
    transport_->intercept = nullptr;
  }
  Run(*recipe, LastEvent("ContactTagUpdate"));  // the retry books a fresh slot
  EXPECT_EQ(Appointments(id).size(), 1u);
}

TEST_F(RecipesTest, BookingSmsLostAnswerIsNotSentTwice) {
  auto recipe = MakeBookingRecipe();
  std::string id = NewContact({{"firstName", "Lou"},
                               {"email", "lou.lost@example.org"},
                               {"phone", "+15125559002"},
                               {"tags", {"book-now"}}});
  IncomingEvent created = LastEvent("ContactCreate");
  {
    std::lock_guard lock(transport_->mu_);
    transport_->drop_answer = [](const http::Request& r) {
      return r.method == "POST" && r.target.rfind("/conversations/messages", 0) == 0;
    };
  }
  Run(*recipe, created, /*expect_ok=*/false);
  EXPECT_THAT(last_error_, HasSubstr("send SMS confirmation"));
  EXPECT_EQ(Outbound(id), 1) << "the sandbox got the SMS; only the answer was lost";
  // The retry finds the 'started' record, looks at the conversation, and does not resend.
  Run(*recipe, created);
  EXPECT_EQ(Outbound(id), 1);
  EXPECT_EQ(Appointments(id).size(), 1u);
}

TEST_F(RecipesTest, PipelineAdvanceMovesForwardOnceWithOneNote) {
  auto form = MakeFormToOpportunityRecipe();
  auto booking = MakeBookingRecipe();
  auto advance = MakePipelineAdvanceRecipe();
  std::string id = NewContact({{"firstName", "Sam"},
                               {"email", "sam.showed@example.org"},
                               {"phone", "+15125559003"},
                               {"tags", {"book-now"}}});
  IncomingEvent created = LastEvent("ContactCreate");
  Run(*form, created);
  Run(*booking, created);
  IncomingEvent booked = LastEvent("AppointmentCreate");
  Run(*advance, booked);  // confirmed, not showed
  EXPECT_EQ(Opportunities(id)[0]["pipelineStageId"], ids_.opportunity_stage.id);
  std::string appt = booked.body["appointment"]["id"];
  Call("PUT", "/calendars/events/appointments/" + appt, {{"appointmentStatus", "showed"}});
  IncomingEvent showed = LastEvent("AppointmentUpdate");
  auto actions = Run(*advance, showed);
  EXPECT_THAT(actions, ::testing::Contains(HasSubstr("moved opportunity")));
  Run(*advance, showed);
  Run(*advance, booked);  // the older "confirmed" event arriving late changes nothing
  EXPECT_EQ(Opportunities(id)[0]["pipelineStageId"], ids_.advance_stage.id);
  json notes = Call("GET", "/contacts/" + id + "/notes")["notes"];
  ASSERT_EQ(notes.size(), 1u);
  std::string note = notes[0]["body"];
  EXPECT_THAT(note, HasSubstr("Appointment " + appt + " showed"));
  EXPECT_THAT(note, HasSubstr("moved to stage Showed at 20"));
  EXPECT_EQ(note.back(), '.');
  EXPECT_NE(note.find("Z."), std::string::npos) << "time is UTC: " << note;

  // Never backwards: a won deal stays won at its stage.
  std::string opp = Opportunities(id)[0]["id"];
  const Stage& won = ids_.advance_pipeline.stages.back();
  Call("PUT", "/opportunities/" + opp, {{"pipelineStageId", won.id}});
  ledger_ = MakeMemoryLedger();
  Run(*advance, showed);
  EXPECT_EQ(Opportunities(id)[0]["pipelineStageId"], won.id);
}

TEST_F(RecipesTest, LeadScoringWritesScoreTagsTierAndRoutesHotLeads) {
  auto recipe = MakeLeadScoringRecipe();
  std::string hot = NewContact({{"firstName", "Hal"},
                                {"email", "hal.hot@example.org"},
                                {"phone", "+15125559004"},
                                {"source", "referral"},
                                {"tags", {"vip"}}});
  IncomingEvent e = LastEvent("ContactCreate");
  EXPECT_THAT(Run(*recipe, e), ::testing::Contains("lead_scoring: score 70 → hot"));
  Run(*recipe, e);
  json c = Contact(hot);
  bool found = false;
  for (const auto& f : c["customFields"]) {
    if (f["id"] == ids_.score_field_id) {
      EXPECT_EQ(f["value"], 70);
      found = true;
    }
  }
  EXPECT_TRUE(found) << c.dump();
  EXPECT_THAT(TagsOf(hot), ::testing::Contains("hot"));
  json opps = Opportunities(hot);
  ASSERT_EQ(opps.size(), 1u);
  EXPECT_EQ(opps[0]["pipelineStageId"], ids_.hot_stage->id);
  EXPECT_EQ(opps[0]["monetaryValue"], 1000);

  std::string cold = NewContact({{"firstName", "Cole"}, {"email", "cole.cold@example.org"}});
  EXPECT_THAT(Run(*recipe, LastEvent("ContactCreate")),
              ::testing::Contains("lead_scoring: score 10 → cold"));
  EXPECT_THAT(TagsOf(cold), ::testing::Contains("cold"));
  EXPECT_TRUE(Opportunities(cold).empty());
}

TEST_F(RecipesTest, HotLeadAndFormShareOneOpportunityMovedForward) {
  auto form = MakeFormToOpportunityRecipe();
  auto scoring = MakeLeadScoringRecipe();
  std::string id = NewContact({{"firstName", "Ivy"},
                               {"email", "ivy.both@example.org"},
                               {"phone", "+15125559005"},
                               {"source", "referral"},
                               {"tags", {"vip"}}});
  IncomingEvent e = LastEvent("ContactCreate");
  Run(*form, e);     // creates at New Lead
  Run(*scoring, e);  // hot: the same opportunity moves to Qualified
  Run(*form, e);
  json opps = Opportunities(id);
  ASSERT_EQ(opps.size(), 1u);
  EXPECT_EQ(opps[0]["pipelineStageId"], ids_.hot_stage->id);
}

TEST_F(RecipesTest, MessageClassificationTagsRepliesOnceAndAsksHumans) {
  auto recipe = MakeMessageClassificationRecipe();
  std::string id = NewContact(
      {{"firstName", "Max"}, {"email", "max.msg@example.org"}, {"phone", "+15125559006"}});
  json conv =
      Call("POST", "/conversations/", {{"locationId", sandbox_->location_id()}, {"contactId", id}});
  std::string conv_id = conv["conversation"]["id"];
  auto inbound = [&](const std::string& text) {
    Call("POST", "/conversations/messages/inbound",
         {{"type", "SMS"},
          {"conversationId", conv_id},
          {"contactId", id},
          {"direction", "inbound"},
          {"message", text}});
    return LastEvent("InboundMessage");
  };
  IncomingEvent booking = inbound("can I book a call tomorrow?");
  auto actions = Run(*recipe, booking);
  EXPECT_THAT(actions, ::testing::Contains(HasSubstr("booking_request 0.78")));
  Run(*recipe, booking);
  EXPECT_THAT(TagsOf(id), ::testing::IsSupersetOf({"booking-request", "book-now"}));
  EXPECT_EQ(Outbound(id), 1);

  IncomingEvent vague = inbound("ok");
  Run(*recipe, vague);
  EXPECT_THAT(TagsOf(id), ::testing::Contains("needs-human-review"));
  EXPECT_EQ(Outbound(id), 1) << "no auto-reply below the threshold";

  IncomingEvent spam = inbound("Congratulations, you won a prize! click http://x.example");
  Run(*recipe, spam);
  EXPECT_THAT(TagsOf(id), ::testing::Contains("spam"));
  EXPECT_EQ(Outbound(id), 1) << "spam gets no reply";

  IncomingEvent question = inbound("How much does whitening cost?");
  Run(*recipe, question);
  Run(*recipe, question);
  EXPECT_EQ(Outbound(id), 2) << "one reply per message, even for the same reply text";
}

// A transient failure (the recipe's lock held, 5xx, network) is still retried with backoff:
// only a GHL 4xx the same request would meet again is permanent.
TEST(FailureKindTest, OnlyRepeatableGhlRefusalsArePermanent) {
  auto api = [](int status) {
    Error e;
    e.kind = ErrorKind::kApi;
    e.http_status = status;
    return e;
  };
  for (int status : {400, 403, 404, 405, 410, 413, 422}) {
    EXPECT_TRUE(IsPermanentFailure(api(status))) << status;
  }
  for (int status : {401, 408, 409, 425, 429, 500, 502, 503, 504}) {
    EXPECT_FALSE(IsPermanentFailure(api(status))) << status;
  }
  EXPECT_FALSE(IsPermanentFailure(UsageError("contact c1 is locked")));
  Error network;
  network.kind = ErrorKind::kNetwork;
  EXPECT_FALSE(IsPermanentFailure(network));
}

// ---- form_to_object: custom-object record ↔ opportunity ------------------------------------

// The demo sandbox plus an Application object (agency token: the spec's Agency-Access), its
// searchable `opportunity_id`, and the association application → opportunity; the recipe
// configured from tests/data/automations/objects.toml.
class FormToObjectTest : public RecipesTest {
 protected:
  void SetUp() override {
    RecipesTest::SetUp();
    if (HasFatalFailure()) return;
    client::ClientOptions co;
    co.base_url = "http://sandbox.test";
    co.token = std::string(sandbox::kAgencyToken);
    co.default_location_id = sandbox_->location_id();
    co.transport = transport_;
    client::Client agency(co);
    auto schema = agency.Call(
        {.method = "POST",
         .path = "/objects/",
         .body = json{{"labels", {{"singular", "Application"}, {"plural", "Applications"}}},
                      {"key", "application"},
                      {"locationId", sandbox_->location_id()},
                      {"primaryDisplayPropertyDetails",
                       {{"key", "title"}, {"name", "Title"}, {"dataType", "TEXT"}}}}
                     .dump()});
    ASSERT_TRUE(schema.ok()) << schema.error().Describe();
    Call("PUT", "/objects/custom_objects.application",
         {{"locationId", sandbox_->location_id()},
          {"searchableProperties",
           {"custom_objects.application.title", "custom_objects.application.opportunity_id"}}});
    Call("POST", "/associations/",
         {{"locationId", sandbox_->location_id()},
          {"key", "application_opportunity"},
          {"firstObjectKey", "custom_objects.application"},
          {"firstObjectLabel", "Application"},
          {"secondObjectKey", "opportunity"},
          {"secondObjectLabel", "Opportunity"}});
    auto c = LoadConfig(DataFile("objects.toml"));
    ASSERT_TRUE(c.ok()) << c.error().Describe();
    config_ = std::move(*c);
    auto ids = ResolveIds(config_, *client_);
    ASSERT_TRUE(ids.ok()) << ids.error().Describe();
    ids_ = std::move(*ids);
    recipe_ = MakeFormToObjectRecipe();
  }

  json Records(const std::string& query = "") {
    return Call("POST", "/objects/custom_objects.application/records/search",
                {{"locationId", sandbox_->location_id()},
                 {"page", 1},
                 {"pageLimit", 100},
                 {"query", query},
                 {"searchAfter", json::array()}})["records"];
  }
  json Relations(const std::string& record_id) {
    return Call(
        "GET", "/associations/relations/" + record_id, nullptr,
        {{"locationId", sandbox_->location_id()}, {"skip", "0"}, {"limit", "100"}})["relations"];
  }
  int EventsOf(std::string_view type) {
    std::lock_guard lock(events_mu_);
    int n = 0;
    for (const auto& [t, body] : events_) n += t == type;
    return n;
  }
  // The same event as GHL retries it: same body, a new webhookId.
  static IncomingEvent Redelivered(IncomingEvent e) {
    e.body["webhookId"] = "redelivery-" + e.body.value("webhookId", "");
    return e;
  }

  std::unique_ptr<Recipe> recipe_;
};

TEST_F(FormToObjectTest, ResolvesTheObjectAndTheAssociationDirection) {
  EXPECT_EQ(ids_.object_key, "custom_objects.application");
  EXPECT_TRUE(ids_.object_is_first);
  EXPECT_FALSE(ids_.association_id.empty());
  EXPECT_EQ(ids_.object_pipeline.name, "Sales Pipeline");

  config_.form_to_object.association = "no_such_association";
  config_.form_to_object.match_property = "colour";
  auto bad = ResolveIds(config_, *client_);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().Describe(), HasSubstr("association 'no_such_association' is not an "
                                                "association of location"));
  EXPECT_THAT(bad.error().Describe(),
              HasSubstr("match_property 'colour' is not a searchable property of "
                        "custom_objects.application"));
}

// The recipe twice and out of order (issue 10): replays, GHL redeliveries with a new webhookId,
// events of two contacts interleaved, the ledger lost, and an opportunity made earlier by
// form_to_opportunity → per contact one opportunity, one record, one relation.
TEST_F(FormToObjectTest, TwiceAndOutOfOrderGiveOneRecordAndOneRelation) {
  std::string ana = NewContact({{"firstName", "Ana"}, {"email", "ana.app@example.org"}});
  IncomingEvent ana_created = LastEvent("ContactCreate");
  std::string ben = NewContact({{"firstName", "Ben"}, {"email", "ben.app@example.org"}});
  IncomingEvent ben_created = LastEvent("ContactCreate");
  std::string cy = NewContact({{"firstName", "Cy"}, {"email", "cy.app@example.org"}});
  IncomingEvent cy_created = LastEvent("ContactCreate");
  ids_.opportunity_pipeline = ids_.object_pipeline;  // form_to_opportunity on the same pipeline
  ids_.opportunity_stage = ids_.object_stage;
  auto form_to_opportunity = MakeFormToOpportunityRecipe();
  Run(*form_to_opportunity, cy_created);  // Cy's opportunity exists before this recipe runs

  Run(*recipe_, ben_created);  // out of order: Ben before Ana
  Run(*recipe_, ana_created);
  Run(*recipe_, Redelivered(ana_created));
  Run(*recipe_, ben_created);
  ledger_ = MakeMemoryLedger();  // the ledger lost: GHL's own state must stop a second record
  Run(*recipe_, Redelivered(ben_created));
  Run(*recipe_, cy_created);
  Run(*recipe_, ana_created);
  Run(*recipe_, cy_created);

  for (const auto& contact : {ana, ben, cy}) {
    json opps = Opportunities(contact);
    ASSERT_EQ(opps.size(), 1u) << contact;
    std::string opp = opps[0]["id"];
    json records = Records("opportunity_id:" + opp);
    ASSERT_EQ(records.size(), 1u) << contact;
    EXPECT_EQ(records[0]["properties"]["contact_id"], contact);
    json rels = Relations(records[0]["id"]);
    ASSERT_EQ(rels.size(), 1u) << contact;
    EXPECT_EQ(rels[0]["secondRecordId"], opp);
    EXPECT_EQ(Relations(opp).size(), 1u);
  }
  EXPECT_EQ(Records().size(), 3u);
  EXPECT_EQ(EventsOf("RecordCreate"), 3);
  EXPECT_EQ(EventsOf("RelationCreate"), 3);
  EXPECT_EQ(Records("opportunity_id:" +
                    Opportunities(ana)[0]["id"].get<std::string>())[0]["properties"]["title"],
            "Ana - application");
}

// A lost answer (GHL applied the write, the worker never heard): after the record's create the
// retry finds the record by match_property; after the relation's create GHL's duplicate 400 is
// the relation. Still one of each.
TEST_F(FormToObjectTest, LostAnswersStillGiveOneRecordAndOneRelation) {
  std::string dee = NewContact({{"firstName", "Dee"}, {"email", "dee.app@example.org"}});
  IncomingEvent created = LastEvent("ContactCreate");
  transport_->drop_answer = [](const http::Request& r) {
    return r.method == "POST" && r.Path() == "/objects/custom_objects.application/records";
  };
  Run(*recipe_, created, /*expect_ok=*/false);
  EXPECT_EQ(Records().size(), 1u);
  transport_->drop_answer = [](const http::Request& r) {
    return r.method == "POST" && r.Path() == "/associations/relations";
  };
  Run(*recipe_, created, /*expect_ok=*/false);
  Run(*recipe_, created);
  json records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(Relations(records[0]["id"]).size(), 1u);
  EXPECT_EQ(EventsOf("RelationCreate"), 1);
}

}  // namespace
}  // namespace ghl::automations
