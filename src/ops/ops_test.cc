// ghl::ops against the sandbox served in this process over loopback HTTP (real requests,
// GHL's shapes and quirks as the sandbox emulates them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "ghl/client/testing.h"
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/ops/locations.h"
#include "ghl/ops/objects.h"
#include "ghl/ops/opportunities.h"
#include "ghl/ops/users.h"
#include "ghl/sandbox/sandbox.h"
#include "test_fixture.h"

namespace ghl::ops {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class OpsTest : public SandboxOpsTest {
 protected:
  json NewContact(const std::string& email, const std::string& phone) {
    ContactWrite w;
    w.fields = {{"firstName", "Test"}, {"lastName", email}};
    if (!email.empty()) w.fields["email"] = email;
    if (!phone.empty()) w.fields["phone"] = phone;
    auto c = CreateContact(ctx(), w);
    EXPECT_TRUE(c.ok()) << c.error().Describe();
    return c.ok() ? *c : json();
  }
};

TEST(NormalizePhoneTest, WritesE164) {
  EXPECT_EQ(*NormalizePhone("+1 (512) 555-0123"), "+15125550123");
  EXPECT_EQ(*NormalizePhone("512.555.0123"), "+15125550123");
  EXPECT_EQ(*NormalizePhone("15125550123"), "+15125550123");
  EXPECT_EQ(*NormalizePhone("0044 7700 900123"), "+447700900123");
  EXPECT_EQ(*NormalizePhone("+44 7700 900123"), "+447700900123");
}

TEST(NormalizePhoneTest, ReadsWhatLibphonenumberReads) {
  // The UK's national "(0)" is dropped, letters are dialled, an extension is not part of E.164.
  EXPECT_EQ(*NormalizePhone("+44 (0)20 7946 0958"), "+442079460958");
  EXPECT_EQ(*NormalizePhone("1-800-FLOWERS"), "+18003569377");
  EXPECT_EQ(*NormalizePhone("+1 512 555 0123 ext. 45"), "+15125550123");
  // A possible length is enough for a lookup, even in a range the metadata does not assign.
  EXPECT_EQ(*NormalizePhone("+1 123 456 7890"), "+11234567890");
}

TEST(NormalizePhoneTest, RefusesWhatIsNotANumber) {
  auto words = NormalizePhone("call me now");
  ASSERT_FALSE(words.ok());
  EXPECT_EQ(words.error().kind, ErrorKind::kUsage);
  EXPECT_THAT(words.error().messages[0], HasSubstr("call me now"));
  EXPECT_FALSE(NormalizePhone("07700 900123").ok());  // national form, no country code
  EXPECT_FALSE(NormalizePhone("+12").ok());
  EXPECT_FALSE(NormalizePhone("").ok());
  EXPECT_FALSE(NormalizePhone("+999 1234 5678").ok());  // no such country code
  EXPECT_FALSE(NormalizePhone("555-0123").ok());        // no area code
}

// A create that GHL answers 2xx without naming what it created is an internal error naming the
// call (path parameters filled in), never a contact or record without an id.
TEST(CreateAnswerTest, TwoHundredWithoutAnIdIsMalformedNamingTheCall) {
  auto transport = std::make_shared<client::testing::FakeTransport>();
  for (int i = 0; i < 3; ++i) transport->PushResponse(201, R"({"contact":{},"record":{}})");
  client::ClientOptions co;
  co.token = "t";
  co.base_url = "http://ghl.test";
  co.default_location_id = "loc1";
  co.transport = transport;
  client::Client client(co);
  Context ctx{client, "loc1", nullptr};
  ContactWrite w;
  w.fields = {{"email", "no.id@example.com"}};
  auto c = CreateContact(ctx, w);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(c.error().messages[0], "POST /contacts/ answered without a contact id");
  auto r = CreateRecord(ctx, "custom_objects.pets", {{"name", "Rex"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().messages[0],
            "POST /objects/custom_objects.pets/records answered without a record id");
  OpportunityWrite o;
  o.pipeline_id = "p1";
  o.stage_id = "s1";
  o.name = "Deal";
  o.contact_id = "c1";
  auto opp = CreateOpportunity(ctx, o);
  ASSERT_FALSE(opp.ok());
  EXPECT_EQ(opp.error().messages[0], "POST /opportunities/ answered without an opportunity id");
}

TEST_F(OpsTest, FindsAContactByExactEmailIgnoringCase) {
  json c = NewContact("Jane.Exact@Example.com", "");
  auto found = FindContactByEmail(ctx(), "jane.exact@example.COM");
  ASSERT_TRUE(found.ok()) << found.error().Describe();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((**found)["id"], c["id"]);
  // A prefix is not a match, and is not answered by a fuzzy search either.
  auto partial = FindContactByEmail(ctx(), "jane.exact@example.co");
  ASSERT_TRUE(partial.ok());
  EXPECT_FALSE(partial->has_value());
  auto not_email = FindContactByEmail(ctx(), "jane.exact");
  ASSERT_FALSE(not_email.ok());
  EXPECT_EQ(not_email.error().kind, ErrorKind::kUsage);
}

TEST_F(OpsTest, FindsAContactByPhoneInAnyFormat) {
  json c = NewContact("phone.owner@example.com", "+1 (737) 555-0142");
  EXPECT_EQ(c["phone"], "+17375550142");
  for (const char* form : {"+17375550142", "737-555-0142", "(737) 555 0142", "17375550142"}) {
    auto found = FindContactByPhone(ctx(), form);
    ASSERT_TRUE(found.ok()) << found.error().Describe();
    ASSERT_TRUE(found->has_value()) << form;
    EXPECT_EQ((**found)["id"], c["id"]) << form;
  }
  auto other = FindContactByPhone(ctx(), "+17375550143");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST_F(OpsTest, FindsAUkContactWrittenWithItsNationalPrefix) {
  json c = NewContact("uk.owner@example.com", "+44 20 7946 0958");
  EXPECT_EQ(c["phone"], "+442079460958");
  for (const char* form : {"+44 (0)20 7946 0958", "0044 20 7946 0958", "+44 20 7946 0958"}) {
    auto found = FindContactByPhone(ctx(), form);
    ASSERT_TRUE(found.ok()) << found.error().Describe();
    ASSERT_TRUE(found->has_value()) << form;
    EXPECT_EQ((**found)["id"], c["id"]) << form;
  }
}

TEST_F(OpsTest, UpsertReportsBothContactsWhenEmailAndPhoneDisagree) {
  json a = NewContact("split.a@example.com", "");
  json b = NewContact("", "+17375550199");
  ContactWrite w;
  w.fields = {{"email", "split.a@example.com"}, {"phone", "737 555 0199"}};
  auto r = UpsertContact(ctx(), w);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().messages[0], HasSubstr(a["id"].get<std::string>()));
  EXPECT_THAT(r.error().messages[0], HasSubstr(b["id"].get<std::string>()));
  // Nothing was written: b still has no email.
  auto still = GetContact(ctx(), b["id"]);
  ASSERT_TRUE(still.ok());
  EXPECT_FALSE(still->contains("email"));
}

TEST_F(OpsTest, UpsertCreatesThenUpdatesTheSameContact) {
  ContactWrite w;
  w.fields = {{"email", "upsert.me@example.com"}, {"firstName", "Up"}};
  auto first = UpsertContact(ctx(), w);
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  EXPECT_TRUE(first->created);
  w.fields["lastName"] = "Sert";
  auto second = UpsertContact(ctx(), w);
  ASSERT_TRUE(second.ok()) << second.error().Describe();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->contact["id"], first->contact["id"]);
  EXPECT_EQ(second->contact["lastName"], "Sert");
}

TEST_F(OpsTest, WritesCustomFieldsByKeyAndReadsThemBackNamed) {
  auto defs = ListCustomFields(ctx());
  ASSERT_TRUE(defs.ok()) << defs.error().Describe();
  ASSERT_FALSE(defs->empty());
  const json* text_field = nullptr;
  for (const auto& d : *defs) {
    if (d.value("dataType", "") == "TEXT") text_field = &d;
  }
  ASSERT_NE(text_field, nullptr);
  std::string key = (*text_field)["fieldKey"];
  ContactWrite w;
  w.fields = {{"email", "custom.fields@example.com"}};
  w.custom_fields.push_back({key, "from key"});
  auto c = CreateContact(ctx(), w);
  ASSERT_TRUE(c.ok()) << c.error().Describe();
  auto read = GetContact(ctx(), (*c)["id"]);
  ASSERT_TRUE(read.ok());
  json named = WithCustomFieldNames(*read, *defs);
  bool seen = false;
  for (const auto& f : named["customFields"]) {
    if (f["id"] == (*text_field)["id"]) {
      EXPECT_EQ(f["value"], "from key");
      EXPECT_EQ(f["key"], key);
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << named.dump();

  ContactWrite bad;
  bad.custom_fields.push_back({"contact.no_such_field", 1});
  auto refused = UpdateContact(ctx(), (*c)["id"], bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kUsage);
  EXPECT_THAT(refused.error().messages[0], HasSubstr("contact.no_such_field"));
}

TEST_F(OpsTest, TagsAndNotes) {
  json c = NewContact("tags.notes@example.com", "");
  std::string id = c["id"];
  ASSERT_TRUE(AddTags(ctx(), id, {"vip", "hot"}).ok());
  ASSERT_TRUE(RemoveTags(ctx(), id, {"hot"}).ok());
  auto read = GetContact(ctx(), id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)["tags"], json::array({"vip"}));
  auto note = AddNote(ctx(), id, "called, wants a demo");
  ASSERT_TRUE(note.ok()) << note.error().Describe();
  auto notes = ListNotes(ctx(), id);
  ASSERT_TRUE(notes.ok());
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0]["body"], "called, wants a demo");
}

TEST_F(OpsTest, BeforeWriteStopsTheWrite) {
  json c = NewContact("locked@example.com", "");
  Context locked = ctx();
  locked.before_write = [] { return Status(UsageError("lock lost")); };
  auto st = AddTags(locked, c["id"], {"never"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().messages[0], "lock lost");
  auto read = GetContact(ctx(), c["id"]);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE((*read)["tags"].empty());
}

TEST_F(OpsTest, OpportunitiesCreateSearchAndUpdate) {
  auto pipelines = ListPipelines(ctx());
  ASSERT_TRUE(pipelines.ok()) << pipelines.error().Describe();
  ASSERT_FALSE(pipelines->empty());
  const json& p = (*pipelines)[0];
  json c = NewContact("deal@example.com", "");
  OpportunityWrite w;
  w.pipeline_id = p["id"];
  w.stage_id = p["stages"][0]["id"];
  w.contact_id = c["id"];
  w.name = "Deal";
  w.value = 1200;
  auto o = CreateOpportunity(ctx(), w);
  ASSERT_TRUE(o.ok()) << o.error().Describe();
  auto found = SearchOpportunities(ctx(), {.contact_id = c["id"]});
  ASSERT_TRUE(found.ok()) << found.error().Describe();
  ASSERT_EQ((*found)["opportunities"].size(), 1u);
  EXPECT_EQ((*found)["opportunities"][0]["id"], (*o)["id"]);

  OpportunityWrite move;
  move.stage_id = p["stages"][1]["id"];
  move.status = "won";
  move.value = 1500;
  auto updated = UpdateOpportunity(ctx(), (*o)["id"], move);
  ASSERT_TRUE(updated.ok()) << updated.error().Describe();
  auto read = GetOpportunity(ctx(), (*o)["id"]);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)["pipelineStageId"], p["stages"][1]["id"]);
  EXPECT_EQ((*read)["status"], "won");
  EXPECT_EQ((*read)["monetaryValue"], 1500);

  OpportunityWrite bad;
  bad.status = "closed";
  EXPECT_FALSE(UpdateOpportunity(ctx(), (*o)["id"], bad).ok());
}

TEST_F(OpsTest, FreeSlotsOverMoreThan31DaysAreSplitAndSorted) {
  auto calendars = ListCalendars(ctx());
  ASSERT_TRUE(calendars.ok()) << calendars.error().Describe();
  ASSERT_FALSE(calendars->empty());
  std::string cal = (*calendars)[0]["id"];
  int64_t now = NowMs();
  int64_t day = 24LL * 3600 * 1000;
  auto slots = FreeSlots(ctx(), {.calendar_id = cal, .start_ms = now, .end_ms = now + 45 * day});
  ASSERT_TRUE(slots.ok()) << slots.error().Describe();
  ASSERT_FALSE(slots->empty());
  // Slots past day 31 come from the second call (one call over 45 days is refused by GHL).
  EXPECT_GT(slots->back().start_ms, now + 33 * day);
  for (size_t i = 1; i < slots->size(); ++i) {
    EXPECT_LT((*slots)[i - 1].start_ms, (*slots)[i].start_ms);
  }
  for (const auto& s : *slots) EXPECT_NE(s.date, "traceId");
  // Break-it finding: a ten-year range fetched every slot for ten seconds.
  auto decade = FreeSlots(ctx(), {.calendar_id = cal, .start_ms = now, .end_ms = now + 3650 * day});
  ASSERT_FALSE(decade.ok());
  EXPECT_EQ(decade.error().kind, ErrorKind::kUsage);
  EXPECT_THAT(decade.error().Summary(), HasSubstr("at most 93"));
  EXPECT_TRUE(
      FreeSlots(ctx(), {.calendar_id = cal, .start_ms = now, .end_ms = now + 93 * day}).ok());
}

TEST_F(OpsTest, BooksAFreeSlot) {
  auto calendars = ListCalendars(ctx());
  ASSERT_TRUE(calendars.ok());
  std::string cal = (*calendars)[0]["id"];
  int64_t now = NowMs();
  auto slots = FreeSlots(ctx(), {.calendar_id = cal,
                                 .start_ms = now,
                                 .end_ms = now + 14LL * 24 * 3600 * 1000,
                                 .timezone = "America/Chicago"});
  ASSERT_TRUE(slots.ok());
  ASSERT_FALSE(slots->empty());
  json c = NewContact("booker@example.com", "");
  auto a = BookAppointment(ctx(), {.calendar_id = cal,
                                   .contact_id = c["id"],
                                   .start_time = slots->front().start,
                                   .title = "Demo"});
  ASSERT_TRUE(a.ok()) << a.error().Describe();
  auto events = ListEvents(ctx(), cal, now, now + 15LL * 24 * 3600 * 1000);
  ASSERT_TRUE(events.ok());
  bool seen = false;
  for (const auto& e : *events) seen = seen || e["id"] == (*a)["id"];
  EXPECT_TRUE(seen);
  auto again = FreeSlots(ctx(), {.calendar_id = cal,
                                 .start_ms = now,
                                 .end_ms = now + 14LL * 24 * 3600 * 1000,
                                 .timezone = "America/Chicago"});
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->front().start_ms, slots->front().start_ms);
}

TEST_F(OpsTest, BookingOnceBooksARetriedSlotOnce) {
  auto calendars = ListCalendars(ctx());
  ASSERT_TRUE(calendars.ok());
  std::string cal = (*calendars)[0]["id"];
  int64_t now = NowMs();
  auto slots = FreeSlots(ctx(), {.calendar_id = cal,
                                 .start_ms = now,
                                 .end_ms = now + 14LL * 24 * 3600 * 1000,
                                 .timezone = "America/Chicago"});
  ASSERT_TRUE(slots.ok());
  ASSERT_FALSE(slots->empty());
  json c = NewContact("once@example.com", "");
  AppointmentWrite w{.calendar_id = cal, .contact_id = c["id"], .start_time = slots->front().start};
  auto first = BookAppointmentOnce(ctx(), w);
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  EXPECT_TRUE(first->created);
  // The retry names the same instant in another zone: still the same slot, nothing booked.
  auto ms = slots->front().start_ms;
  std::chrono::sys_seconds utc{std::chrono::seconds(ms / 1000)};
  auto day = std::chrono::floor<std::chrono::days>(utc);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{utc - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  w.start_time = text;
  auto retry = BookAppointmentOnce(ctx(), w);
  ASSERT_TRUE(retry.ok()) << retry.error().Describe();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->appointment["id"], first->appointment["id"]);
  auto mine = ListContactAppointments(ctx(), c["id"]);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 1u);
}

TEST_F(OpsTest, SendsAnSmsAndReadsItFromTheNestedPage) {
  json c = NewContact("", "+17375550177");
  auto sent = SendMessage(ctx(), {.type = "SMS", .contact_id = c["id"], .message = "Hello!"});
  ASSERT_TRUE(sent.ok()) << sent.error().Describe();
  auto conv = ConversationOf(ctx(), c["id"]);
  ASSERT_TRUE(conv.ok());
  ASSERT_FALSE(conv->empty());
  auto page = ListMessages(ctx(), *conv, 10);
  ASSERT_TRUE(page.ok()) << page.error().Describe();
  ASSERT_TRUE(page->messages.is_array());
  ASSERT_FALSE(page->messages.empty());
  EXPECT_EQ(page->messages[0]["body"], "Hello!");
  EXPECT_FALSE(SendMessage(ctx(), {.type = "Fax", .contact_id = c["id"], .message = "x"}).ok());
}

TEST_F(OpsTest, LocationWorkflowsAndLocations) {
  auto loc = GetLocation(ctx());
  ASSERT_TRUE(loc.ok()) << loc.error().Describe();
  EXPECT_EQ((*loc)["id"], sandbox_->location_id());
  auto all = ListLocations(ctx());
  ASSERT_TRUE(all.ok()) << all.error().Describe();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0]["id"], sandbox_->location_id());
  auto flows = ListWorkflows(ctx());
  ASSERT_TRUE(flows.ok()) << flows.error().Describe();
  ASSERT_FALSE(flows->empty());
  json c = NewContact("flow@example.com", "");
  EXPECT_TRUE(AddContactToWorkflow(ctx(), c["id"], (*flows)[0]["id"]).ok());
}

TEST_F(OpsTest, ListContactsByUpdatePagesEveryContactOnceInUpdateOrder) {
  std::set<std::string> seen;
  json after = json::array();
  std::string last_updated;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = ListContactsByUpdate(ctx(), after, 7);
    ASSERT_TRUE(page.ok()) << page.error().Describe();
    if (page->empty()) break;
    for (const auto& c : *page) {
      EXPECT_TRUE(seen.insert(c["id"].get<std::string>()).second) << c["id"];
      std::string updated = c.value("dateUpdated", "");
      EXPECT_GE(updated, last_updated);
      last_updated = updated;
    }
    after = page->back()["searchAfter"];
    ASSERT_TRUE(after.is_array());
  }
  EXPECT_EQ(seen.size(), 50u);  // the demo seed
  EXPECT_FALSE(ListContactsByUpdate(ctx(), json(), 0).ok());
}

TEST_F(OpsTest, SearchConversationsAscendingAfterADate) {
  ConversationSearch all;
  all.sort = "asc";
  all.limit = 100;
  auto r = SearchConversations(ctx(), all);
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  ASSERT_EQ((*r)["conversations"].size(), 3u);
  int64_t first = (*r)["conversations"][0]["lastMessageDate"].get<int64_t>();
  all.start_after_date = first;
  auto rest = SearchConversations(ctx(), all);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ((*rest)["conversations"].size(), 2u);
  EXPECT_GT((*rest)["conversations"][0]["lastMessageDate"].get<int64_t>(), first);
}

TEST_F(OpsTest, ListUsersOfTheLocation) {
  auto users = ListUsers(ctx());
  ASSERT_TRUE(users.ok()) << users.error().Describe();
  ASSERT_FALSE(users->empty());
  EXPECT_EQ((*users)[0].value("id", ""), "sandbox-user-owner");
}

TEST_F(OpsTest, ListCustomFieldsOfEveryModel) {
  auto contact = ListCustomFields(ctx());
  auto all = ListCustomFields(ctx(), "all");
  ASSERT_TRUE(contact.ok() && all.ok());
  EXPECT_EQ(contact->size(), 3u);  // GHL's default: contact fields only
  EXPECT_EQ(all->size(), 4u);      // + the opportunity field
}

}  // namespace
}  // namespace ghl::ops

namespace ghl::ops {
namespace {

// The conversation-provider operations against a sandbox with a provider and a 403 window.
class ProviderOpsTest : public OpsTest {
 protected:
  sandbox::Options SandboxOptions() const override {
    sandbox::Options o = OpsTest::SandboxOptions();
    o.provider_status_delay = std::chrono::hours(1);  // never downstreamed in this test
    sandbox::ConversationProvider p;
    p.delivery_url = "http://127.0.0.1:9/providers/ghl/outbound";  // nothing listens: dropped
    o.conversation_providers.push_back(p);
    o.webhook_delivery.max_attempts = 1;
    o.webhook_delivery.log = [](std::string_view) {};
    return o;
  }
};

TEST_F(ProviderOpsTest, StatusUpdateInTheWindowIsProviderNotReadyNotATokenProblem) {
  bool created = false;
  auto contact = EnsureContactByPhone(ctx(), "(512) 555-0188", &created);
  ASSERT_TRUE(contact.ok()) << contact.error().Describe();
  EXPECT_TRUE(created);
  auto again = EnsureContactByPhone(ctx(), "+15125550188", &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ((*again)["id"], (*contact)["id"]);
  MessageWrite w;
  w.contact_id = (*contact)["id"];
  w.message = "hello";
  auto sent = SendMessage(ctx(), w);
  ASSERT_TRUE(sent.ok()) << sent.error().Describe();
  EXPECT_EQ((*sent)["status"], "pending");
  auto st = UpdateMessageStatus(ctx(), (*sent)["messageId"], {.status = "delivered"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 403);
  EXPECT_TRUE(IsProviderNotReady(st.error()));
  EXPECT_THAT(st.error().hint, HasSubstr("not a token problem"));
  EXPECT_FALSE(UpdateMessageStatus(ctx(), "x", {.status = "sent"}).ok());  // not GHL's enum
  Error location;
  location.kind = ErrorKind::kApi;
  location.http_status = 403;
  location.messages = {"The token does not have access to this location."};
  EXPECT_FALSE(IsProviderNotReady(location));
}

TEST_F(ProviderOpsTest, InboundIsLoggedInboundAndFoundAgainByAltId) {
  auto contact = EnsureContactByPhone(ctx(), "+15125550189");
  ASSERT_TRUE(contact.ok());
  InboundMessageWrite w;
  w.contact_id = (*contact)["id"];
  w.message = "a reply";
  w.alt_id = "telnyx-msg-1";
  auto logged = AddInboundMessage(ctx(), w);
  ASSERT_TRUE(logged.ok()) << logged.error().Describe();
  auto found = FindMessageByAltId(ctx(), (*logged)["conversationId"], "telnyx-msg-1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((**found)["direction"], "inbound");  // GHL's default would be outbound
  EXPECT_FALSE(FindMessageByAltId(ctx(), (*logged)["conversationId"], "other")->has_value());
}

}  // namespace
}  // namespace ghl::ops
