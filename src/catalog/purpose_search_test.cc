// SearchByPurpose: a table of what users ask (written from support questions and the
// cookbook's tasks, not from the titles) -> the operation they need. Prints and records the
// top-1 and top-3 hit rates; the six queries the issue names must be top-1.
#include <gtest/gtest.h>

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/catalog/catalog.h"
#include "synonyms.h"

namespace ghl::catalog {
namespace {

struct Row {
  std::string_view query;
  std::string_view expected;  // operation id
};

// The first six are the issue's own examples: each must rank its operation first.
constexpr size_t kMustBeFirst = 6;
constexpr Row kQueries[] = {
    {"send sms", "conversations.send-a-new-message"},
    {"book appointment", "calendars.create-appointment"},
    {"free slots", "calendars.get-slots"},
    {"add tag", "contacts.add-tags"},
    {"move deal stage", "opportunities.update-opportunity"},
    {"create sub-account", "locations.create-location"},
    {"text a lead", "conversations.send-a-new-message"},
    {"send a whatsapp message", "conversations.send-a-new-message"},
    {"email a customer", "conversations.send-a-new-message"},
    {"check calendar availability", "calendars.get-slots"},
    {"schedule a meeting with a contact", "calendars.create-appointment"},
    {"reschedule an appointment", "calendars.edit-appointment"},
    {"block off time on my calendar", "calendars.create-block-slot"},
    {"list all my calendars", "calendars.get-calendars"},
    {"new lead", "contacts.create-contact"},
    {"find contact by email", "contacts.get-duplicate-contact"},
    {"search contacts", "contacts.search-contacts-advanced"},
    {"list contacts", "contacts.search-contacts-advanced"},
    {"delete a contact", "contacts.delete-contact"},
    {"change a contact's phone number", "contacts.update-contact"},
    {"create or update contact", "contacts.upsert-contact"},
    {"remove label from contact", "contacts.remove-tags"},
    {"add a note to a lead", "contacts.create-note"},
    {"create a todo for a contact", "contacts.create-task"},
    {"enroll contact in workflow", "contacts.add-contact-to-workflow"},
    {"create a deal", "opportunities.create-opportunity"},
    {"mark deal as won", "opportunities.update-opportunity-status"},
    {"get pipeline stages", "opportunities.get-pipelines"},
    {"chat history of a conversation", "conversations.get-messages"},
    {"log an incoming sms", "conversations.add-an-inbound-message"},
    {"unread conversations", "conversations.search-conversation"},
    {"upload an image", "medias.upload-media-content"},
    {"send invoice", "invoices.send-invoice"},
    {"team members", "users.search-users"},
    {"refresh oauth token", "oauth.get-access-token"},
    {"form submissions", "forms.get-forms-submissions"},
    {"survey responses", "surveys.get-surveys-submissions"},
    {"buy a phone number", "phone-system.purchase-phone-number"},
    {"schedule a social media post", "social-media-posting.create-post"},
    {"create a discount code", "payments.create-coupon"},
    {"payment history", "payments.list-transactions"},
    {"sub-account details", "locations.get-location"},
    {"appointments of a contact", "contacts.get-appointments-for-contact"},
    {"list workflows", "workflows.get-workflow"},
    {"POST /contacts/search", "contacts.search-contacts-advanced"},
    // Added after the ranking was tuned, left as they came out (held-out check).
    {"delete appointment", "calendars.delete-event"},
    {"upload file", "medias.upload-media-content"},
    {"get a contact by id", "contacts.get-contact"},
    {"add contact to campaign", "contacts.add-contact-to-campaign"},
    {"list opportunities", "opportunities.search-opportunity"},
    {"void an invoice", "invoices.void-invoice"},
    {"who are the users", "users.search-users"},
};

size_t RankOf(std::string_view query, std::string_view expected, size_t depth) {
  auto hits = SearchByPurpose(query, depth);
  for (size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].endpoint->id == expected) return i + 1;
  }
  return 0;
}

TEST(PurposeSearchTest, TableExpectedOperationsExist) {
  for (const Row& r : kQueries) EXPECT_NE(FindById(r.expected), nullptr) << r.expected;
  EXPECT_GE(std::size(kQueries), 30u);
}

TEST(PurposeSearchTest, TheIssuesQueriesFindTheRightOperationFirst) {
  for (const Row& r : std::span(kQueries).first(kMustBeFirst)) {
    auto hits = SearchByPurpose(r.query, 3);
    ASSERT_FALSE(hits.empty()) << r.query;
    EXPECT_EQ(hits[0].endpoint->id, r.expected) << "query: " << r.query;
  }
}

TEST(PurposeSearchTest, HitRateOverTheQueryTable) {
  size_t top1 = 0, top3 = 0;
  for (const Row& r : kQueries) {
    size_t rank = RankOf(r.query, r.expected, 10);
    if (rank == 1) ++top1;
    if (rank >= 1 && rank <= 3) ++top3;
    if (rank != 1) {
      auto hits = SearchByPurpose(r.query, 3);
      std::printf("  miss: '%.*s' -> rank %zu (want %.*s, first %.*s)\n",
                  static_cast<int>(r.query.size()), r.query.data(), rank,
                  static_cast<int>(r.expected.size()), r.expected.data(),
                  hits.empty() ? 0 : static_cast<int>(hits[0].endpoint->id.size()),
                  hits.empty() ? "" : hits[0].endpoint->id.data());
    }
  }
  size_t n = std::size(kQueries);
  double rate1 = static_cast<double>(top1) / static_cast<double>(n);
  double rate3 = static_cast<double>(top3) / static_cast<double>(n);
  std::printf("purpose search: %zu queries, top-1 %zu (%.0f%%), top-3 %zu (%.0f%%)\n", n, top1,
              100 * rate1, top3, 100 * rate3);
  RecordProperty("queries", static_cast<int>(n));
  RecordProperty("top1", static_cast<int>(top1));
  RecordProperty("top3", static_cast<int>(top3));
  // Floors under the measured rates (top-1 47/52, top-3 51/52 when written; the seven
  // held-out rows alone: top-1 2/7, top-3 6/7): a change to the
  // ranking or the titles that loses queries fails here.
  EXPECT_GE(rate1, 0.88);
  EXPECT_GE(rate3, 0.95);
}

TEST(PurposeSearchTest, DeprecatedOperationsRankBelowTheirReplacement) {
  const Endpoint* old = FindById("contacts.get-contacts");
  ASSERT_NE(old, nullptr);
  EXPECT_TRUE(old->deprecated);
  EXPECT_EQ(old->replaced_by, "contacts.search-contacts-advanced");
  // "List contacts" is the deprecated operation's own title, yet its replacement comes first.
  auto hits = SearchByPurpose("list contacts", 5);
  size_t old_rank = RankOf("list contacts", "contacts.get-contacts", 10);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].endpoint->id, "contacts.search-contacts-advanced");
  EXPECT_NE(old_rank, 1u);
}

TEST(PurposeSearchTest, LimitServiceFilterAndEmptyQueries) {
  EXPECT_TRUE(SearchByPurpose("", 10).empty());
  EXPECT_TRUE(SearchByPurpose("the a to", 10).empty());  // filler only
  EXPECT_TRUE(SearchByPurpose("zzzqqq", 10).empty());
  EXPECT_TRUE(SearchByPurpose("send sms", 0).empty());
  EXPECT_LE(SearchByPurpose("contact", 4).size(), 4u);
  for (const ScoredEndpoint& s : SearchByPurpose("create", 50, "calendars")) {
    EXPECT_EQ(s.endpoint->service, "calendars");
  }
  auto hits = SearchByPurpose("contact", 20);
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_GE(hits[i - 1].score, hits[i].score);
}

// A path or an id typed as the query names that operation: it comes first.
TEST(PurposeSearchTest, PathsAndIdsFindTheirOperationFirst) {
  auto hits = SearchByPurpose("POST conversations/messages", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].endpoint->id, "conversations.send-a-new-message");
  hits = SearchByPurpose("/calendars/{calendarId}/free-slots", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].endpoint->id, "calendars.get-slots");
  hits = SearchByPurpose("contacts.get-contact", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].endpoint->id, "contacts.get-contact");
  // Without the method every operation on the path is near the top.
  hits = SearchByPurpose("conversations/messages", 10);
  bool post = false;
  for (const auto& h : hits) post |= h.endpoint->id == "conversations.send-a-new-message";
  EXPECT_TRUE(post);
}

TEST(PurposeSearchTest, PartialWordsMatchWhileTyping) {
  auto hits = SearchByPurpose("free slo", 3);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].endpoint->id, "calendars.get-slots");
}

TEST(PurposeSearchTest, WordsStemsAndPhrases) {
  EXPECT_EQ(internal::Words("getFreeSlots sub-account"),
            (std::vector<std::string>{"get", "free", "slots", "sub", "account"}));
  EXPECT_EQ(internal::Stem("opportunities"), "opportunity");
  EXPECT_EQ(internal::Stem("messages"), "message");
  EXPECT_EQ(internal::Stem("searches"), "search");
  EXPECT_EQ(internal::Stem("status"), "status");
  EXPECT_EQ(internal::Stem("sms"), "sms");
  EXPECT_EQ(internal::Stem("business"), "business");
  auto concepts = internal::QueryConcepts("create a Sub-Account");
  ASSERT_EQ(concepts.size(), 2u);
  EXPECT_EQ(concepts[1].alternatives[0].term, "subaccount");
  bool has_location = false;
  for (const auto& a : concepts[1].alternatives) has_location |= a.term == "location";
  EXPECT_TRUE(has_location);
}

TEST(PurposeSearchTest, EveryOperationHasATitle) {
  for (const Endpoint& e : AllEndpoints()) {
    EXPECT_FALSE(e.title.empty()) << e.id;
    EXPECT_EQ(e.title.find('\n'), std::string_view::npos) << e.id;
    if (!e.replaced_by.empty()) {
      EXPECT_TRUE(e.deprecated) << e.id;
      EXPECT_NE(FindById(e.replaced_by), nullptr) << e.id;
    }
  }
}

}  // namespace
}  // namespace ghl::catalog
