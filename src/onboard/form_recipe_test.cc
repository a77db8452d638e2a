// The form_to_onboarding recipe (automations) against the sandbox over loopback: a ContactCreate
// in a SQLite event store is handled by an engine in a child process that dies with _exit(137)
// at each onboarding step (before and after its journal write); the event's retry in a fresh
// engine, or `Resume` (what `ghl onboard resume` calls), finishes it with exactly one location,
// field, user and SMS; a redelivered or replayed event onboards nothing twice.
#include <sys/wait.h>

#include "ghl/automations/engine.h"
#include "ghl/store/event_store.h"
#include "onboard_fixture.h"

namespace ghl::onboard {
namespace {

class FormRecipeTest : public OnboardFixture {
 protected:
  void SetUp() override {
    OnboardFixture::SetUp();
    if (HasFatalFailure()) return;
    client::ClientOptions lo;
    lo.base_url = sb_->base_url();
    lo.token = std::string(sandbox::kDefaultToken);
    lo.default_location_id = std::string(sandbox::kDemoLocationId);
    location_ = lo;
    client::Client c(lo);
    ops::Context ctx{c, "", nullptr};
    // The form's own field (on the agency's location) that holds the new business's timezone.
    ASSERT_TRUE(ops::CreateCustomField(ctx, "Business Timezone").ok());
    auto made = c.Post(
        "/contacts/",
        json({{"locationId", sandbox::kDemoLocationId},
              {"firstName", "Ana"},
              {"lastName", "Ruiz"},
              {"email", "ana@acme-dental.example"},
              {"phone", "+15125550100"},
              {"companyName", "Acme Dental"},
              {"source", "client intake form"},
              {"customFields",
               {{{"key", "contact.business_timezone"}, {"field_value", "America/Chicago"}}}}})
            .dump());
    ASSERT_TRUE(made.ok()) << made.error().Describe();
    contact_id_ = (*made)["contact"]["id"];
    request_id_ = "form-" + std::string(sandbox::kDemoLocationId) + "-" + contact_id_;
    events_ = (dir_ / "events.db").string();
    config_text_ = R"(
[worker]
lease_seconds = 0.3
initial_backoff_seconds = 0
max_backoff_seconds = 0
max_attempts = 50
poll_interval_ms = 10
lock_wait_seconds = 1

[recipes.form_to_onboarding]
company_id = ")" + std::string(sandbox::kDemoCompanyId) +
                   R"("
journal = ")" + options_.journal_path +
                   R"("
sources = ["Client Intake Form"]
custom_fields = ["Lead Source", "Insurance Plan"]
welcome_sms = "Welcome to {business} on our CRM!"

[recipes.form_to_onboarding.fields]
"business.timezone" = "contact.business_timezone"
)";
  }

  // Appends one ContactCreate delivery of the contact (GHL's retries carry a new webhookId).
  void Deliver(const std::string& webhook_id) {
    auto store = store::OpenEventStore(events_, {});
    ASSERT_TRUE(store.ok()) << store.error().Describe();
    json body = {{"type", "ContactCreate"},
                 {"locationId", sandbox::kDemoLocationId},
                 {"id", contact_id_},
                 {"webhookId", webhook_id}};
    store::NewEvent e{"webhook:" + webhook_id,
                      "ContactCreate",
                      std::string(sandbox::kDemoLocationId),
                      body.dump(),
                      {},
                      {}};
    auto appended = (*store)->Append({e});
    ASSERT_TRUE(appended.ok()) << appended.error().Describe();
  }

  // An engine on the store drains what is due; → the reports ("" crash hook = none).
  std::vector<automations::EventReport> Drain(const std::string& crash_after) {
    auto config = automations::ParseConfig(config_text_, "form.toml");
    EXPECT_TRUE(config.ok()) << config.error().Describe();
    if (!config.ok()) return {};
    config->form_to_onboarding.crash_after = crash_after;
    auto secrets = automations::ResolveSecrets(*config, [](std::string_view name) {
      return name == "GHL_AGENCY_TOKEN" ? std::optional<std::string>(sandbox::kAgencyToken)
                                        : std::nullopt;
    });
    EXPECT_TRUE(secrets.ok());
    store::StoreOptions so;
    so.retry = automations::StoreRetryPolicy(*config);
    auto store = store::OpenEventStore(events_, so);
    EXPECT_TRUE(store.ok()) << store.error().Describe();
    if (!store.ok()) return {};
    automations::EngineOptions eo;
    eo.log = [](automations::LogLevel, std::string_view) {};
    auto engine = automations::Engine::Create(client::Client(location_), **store,
                                              automations::MakeMemoryLedger(), *config, eo);
    EXPECT_TRUE(engine.ok()) << engine.error().Describe();
    if (!engine.ok()) return {};
    auto reports = (*engine)->Drain();
    EXPECT_TRUE(reports.ok());
    return reports.ok() ? *reports : std::vector<automations::EventReport>{};
  }

  // Drains in a child process that crashes at `crash_after`; → its exit status.
  int DrainInChild(const std::string& crash_after) {
    pid_t pid = fork();
    if (pid == 0) {
      auto reports = Drain(crash_after);
      _exit(reports.size() == 1 ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Drains after the crashed worker's lease ran out, until the event is done.
  void DrainUntilDone() {
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(350));
      for (const auto& r : Drain("")) {
        if (r.disposition == automations::Disposition::kDone) return;
        EXPECT_EQ(r.disposition, automations::Disposition::kRetry) << r.error;
      }
    }
    ADD_FAILURE() << "the event was never done";
  }

  client::ClientOptions location_;
  std::string contact_id_, request_id_, events_, config_text_;
};

TEST_F(FormRecipeTest, OnboardsTheSubmissionOnceWithTheMappedFields) {
  Deliver("wh-1");
  auto reports = Drain("");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].disposition, automations::Disposition::kDone) << reports[0].error;
  auto st = ReadStatus(options_.journal_path, request_id_);
  ASSERT_TRUE(st.ok()) << st.error().Describe();
  EXPECT_TRUE(st->finished);
  EXPECT_EQ(st->input["business"]["name"], "Acme Dental");
  EXPECT_EQ(st->input["business"]["timezone"], "America/Chicago");  // the custom field
  EXPECT_EQ(st->input["welcomeSms"]["text"], "Welcome to Acme Dental on our CRM!");
  ExpectOneOfEach();
  // GHL redelivers (a new webhookId) and the operator replays the first one (`ghl events
  // replay 1`): nothing new.
  Deliver("wh-2");
  {
    auto store = store::OpenEventStore(events_, {});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Replay(1).ok());
  }
  reports = Drain("");
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& r : reports) {
    EXPECT_EQ(r.disposition, automations::Disposition::kDone) << r.error;
    EXPECT_NE(::testing::PrintToString(r.actions).find("request " + request_id_ + " finished"),
              std::string::npos)
        << ::testing::PrintToString(r.actions);
  }
  ExpectOneOfEach();
}

class FormRecipeCrashTest : public FormRecipeTest,
                            public ::testing::WithParamInterface<const char*> {};

TEST_P(FormRecipeCrashTest, TheEventsRetryFinishesWithOneOfEach) {
  Deliver("wh-1");
  ASSERT_EQ(DrainInChild(GetParam()), 137);
  auto mid = ReadStatus(options_.journal_path, request_id_);
  ASSERT_TRUE(mid.ok()) << mid.error().Describe();
  EXPECT_FALSE(mid->finished);
  DrainUntilDone();
  auto st = ReadStatus(options_.journal_path, request_id_);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->finished);
  ExpectOneOfEach();
}

TEST_P(FormRecipeCrashTest, OnboardResumeFinishesAndTheRetryThenChangesNothing) {
  Deliver("wh-1");
  ASSERT_EQ(DrainInChild(GetParam()), 137);
  auto r = Resume(options_, request_id_);  // `ghl onboard resume form-…`
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_TRUE(r->finished);
  DrainUntilDone();
  ExpectOneOfEach();
}

INSTANTIATE_TEST_SUITE_P(EachStep, FormRecipeCrashTest,
                         ::testing::Values("location", "location:journaled", "token", "field",
                                           "field:journaled", "user", "user:journaled", "contact",
                                           "sms", "sms:journaled"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (auto& c : n) c = c == ':' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace ghl::onboard
