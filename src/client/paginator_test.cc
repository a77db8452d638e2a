#include "ghl/client/paginator.h"

#include <gtest/gtest.h>

#include "ghl/client/client.h"
#include "ghl/client/testing.h"

namespace ghl::client {
namespace {

using nlohmann::json;
using testing::FakeTime;
using testing::FakeTransport;

using Handler = std::function<json(const http::Request&)>;

struct Fixture {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  FakeTime time;
  ClientOptions options;

  explicit Fixture(Handler handler) {
    options.base_url = "http://ghl.test";
    options.token = "t";
    options.transport = transport;
    options.retry.max_attempts = 1;
    options.warning_sink = [](std::string_view) {};
    time.Install(options);
    transport->SetHandler([handler](const http::Request& r) -> Result<http::Response> {
      http::Response res;
      json body = handler(r);
      if (body.is_object() && body.contains("__status")) {
        res.status = body["__status"].get<int>();
        body.erase("__status");
      } else {
        res.status = 200;
      }
      res.body = body.dump();
      return res;
    });
  }
  Client MakeClient() { return Client(options); }
};

std::map<std::string, std::string> QueryMap(const http::Request& r) {
  std::map<std::string, std::string> out;
  auto q = r.target.find('?');
  if (q == std::string::npos) return out;
  for (auto& [k, v] : http::ParseQuery(std::string_view(r.target).substr(q + 1))) out[k] = v;
  return out;
}

ApiRequest Req(std::string method, std::string path, std::string body = {}) {
  ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

json Contacts(int from, int to) {
  json items = json::array();
  for (int i = from; i < to; ++i) {
    items.push_back({{"id", "c" + std::to_string(i)},
                     {"searchAfter", json::array({1700000000000LL + i, "c" + std::to_string(i)})}});
  }
  return items;
}

TEST(PaginatorTest, BodyPageStopsWhenTheTotalIsReached) {
  const int kTotal = 250;
  Fixture f([&](const http::Request& r) {
    json body = json::parse(r.body);
    int page = body.value("page", 1);
    int limit = body.value("pageLimit", 20);
    int from = (page - 1) * limit;
    return json{{"contacts", Contacts(from, std::min(kTotal, from + limit))}, {"total", kTotal}};
  });
  Client client = f.MakeClient();
  auto pages = client.Paginate(
      Req("POST", "/contacts/search", R"({"locationId":"L1","pageLimit":100,"query":"a"})"));
  EXPECT_EQ(pages.style(), catalog::Paging::kBodyPage);
  std::vector<size_t> sizes;
  for (const Page& page : pages) sizes.push_back(page.items.size());
  EXPECT_TRUE(pages.status().ok());
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));
  EXPECT_EQ(pages.stop_reason(), "total reached");
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);
  json third = json::parse(reqs[2].body);
  EXPECT_EQ(third["page"], 3);
  EXPECT_EQ(third["locationId"], "L1");
  EXPECT_EQ(third["query"], "a");
  EXPECT_EQ(third["pageLimit"], 100);
}

TEST(PaginatorTest, SearchAfterUsesTheLastContactsCursorAndStopsOnAnEmptyPage) {
  const int kTotal = 25;
  Fixture f([&](const http::Request& r) {
    json body = json::parse(r.body);
    int from = 0;
    if (body.contains("searchAfter") && !body["searchAfter"].empty()) {
      from = std::stoi(body["searchAfter"][1].get<std::string>().substr(1)) + 1;
    }
    return json{{"contacts", Contacts(from, std::min(kTotal, from + 10))}};
  });
  auto pages = f.MakeClient().Paginate(
      Req("POST", "/contacts/search", R"({"locationId":"L1","pageLimit":10,"searchAfter":[]})"));
  auto all = pages.CollectItems();
  ASSERT_TRUE(all.ok()) << all.error().Describe();
  EXPECT_EQ(all->size(), 25u);
  EXPECT_EQ((*all)[24]["id"], "c24");
  EXPECT_EQ(pages.stop_reason(), "empty page");
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(json::parse(reqs[1].body)["searchAfter"], json::array({1700000000009LL, "c9"}));
  EXPECT_FALSE(json::parse(reqs[1].body).contains("page"));
}

TEST(PaginatorTest, StartAfterKeepsEveryOriginalQueryParameter) {
  Fixture f([&](const http::Request& r) {
    auto q = QueryMap(r);
    int from = q.count("startAfterId") ? std::stoi(q["startAfterId"].substr(1)) + 1 : 0;
    int to = std::min(5, from + 2);
    json items = json::array();
    for (int i = from; i < to; ++i) items.push_back({{"id", "o" + std::to_string(i)}});
    json meta = {{"total", 5}, {"currentPage", from / 2 + 1}};
    if (to < 5) {
      meta["startAfter"] = 1700000000000LL + to - 1;
      meta["startAfterId"] = "o" + std::to_string(to - 1);
      meta["nextPage"] = from / 2 + 2;
    } else {
      meta["startAfter"] = nullptr;
      meta["startAfterId"] = nullptr;
      meta["nextPage"] = nullptr;
    }
    return json{{"opportunities", items}, {"meta", meta}};
  });
  f.options.default_location_id = "LOC1";
  ApiRequest req = Req("GET", "/opportunities/search?status=open&pipeline_id=P1");
  req.query = {{"limit", "2"}};
  auto pages = f.MakeClient().Paginate(req);
  auto all = pages.CollectItems();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) {
    auto q = QueryMap(r);
    EXPECT_EQ(q["location_id"], "LOC1") << r.target;  // snake_case kept on every page
    EXPECT_EQ(q["status"], "open") << r.target;
    EXPECT_EQ(q["pipeline_id"], "P1") << r.target;
    EXPECT_EQ(q["limit"], "2") << r.target;
  }
  auto q2 = QueryMap(reqs[1]);
  EXPECT_EQ(q2["startAfter"], "1700000000001");
  EXPECT_EQ(q2["startAfterId"], "o1");
}

TEST(PaginatorTest, StopsOnACursorThatDoesNotAdvance) {
  int call = 0;
  Fixture f([&](const http::Request&) {
    // A server that always answers the same cursor (with different items).
    ++call;
    return json{{"opportunities", json::array({{{"id", "o" + std::to_string(call)}}})},
                {"meta", {{"startAfter", 1700000000000LL}, {"startAfterId", "o1"}}}};
  });
  auto pages = f.MakeClient().Paginate(Req("GET", "/opportunities/search?location_id=L"));
  int count = 0;
  for (const Page& page : pages) {
    (void)page;
    ++count;
    ASSERT_LT(count, 10) << "must not loop forever";
  }
  EXPECT_EQ(count, 2);
  EXPECT_EQ(pages.stop_reason(), "cursor did not advance");
  EXPECT_EQ(pages.stop(), StopReason::kCursorNotAdvancing);
  EXPECT_FALSE(IsComplete(pages.stop()));
  EXPECT_EQ(pages.stop_cursor(), "1700000000000/o1");
  EXPECT_EQ(f.transport->request_count(), 2u);
}

TEST(PaginatorTest, StopsOnACursorThatCyclesBackToAnEarlierOne) {
  int call = 0;
  Fixture f([&](const http::Request&) {
    // Cursors A, B, A, B … with new items each time: without the check this never ends.
    ++call;
    std::string id = call % 2 == 1 ? "A" : "B";
    return json{{"opportunities", json::array({{{"id", "o" + std::to_string(call)}}})},
                {"meta", {{"startAfter", 1700000000000LL + (call % 2)}, {"startAfterId", id}}}};
  });
  auto pages = f.MakeClient().Paginate(Req("GET", "/opportunities/search?location_id=L"));
  int count = 0;
  for (const Page& page : pages) {
    (void)page;
    ASSERT_LT(++count, 10) << "must not loop forever";
  }
  EXPECT_EQ(count, 3);
  EXPECT_EQ(pages.stop(), StopReason::kCursorRepeated);
  EXPECT_EQ(pages.stop_reason(), "cursor repeated");
  EXPECT_EQ(pages.stop_cursor(), "1700000000001/A");
  EXPECT_EQ(pages.items_seen(), 3u);
}

TEST(PaginatorTest, MaxPagesStopsOnlyWhenMorePagesExist) {
  Fixture f([&](const http::Request& r) {
    int page = json::parse(r.body).value("page", 1);
    return json{{"contacts", Contacts((page - 1) * 2, page * 2)}, {"total", 6}};
  });
  auto capped = f.MakeClient().Paginate(Req("POST", "/contacts/search", R"({"pageLimit":2})"),
                                        {.max_pages = 2});
  auto items = capped.CollectItems();
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 4u);
  EXPECT_EQ(capped.stop(), StopReason::kMaxPages);
  EXPECT_FALSE(IsComplete(capped.stop()));

  auto exact = f.MakeClient().Paginate(Req("POST", "/contacts/search", R"({"pageLimit":2})"),
                                       {.max_pages = 3});
  ASSERT_TRUE(exact.CollectItems().ok());
  EXPECT_EQ(exact.stop(), StopReason::kTotalReached) << "the cap was not what ended it";
  EXPECT_TRUE(IsComplete(exact.stop()));
}

TEST(PaginatorTest, SkipLimitAdvancesByItemsReceived) {
  Fixture f([&](const http::Request& r) {
    auto q = QueryMap(r);
    int skip = q.count("skip") ? std::stoi(q["skip"]) : 0;
    json items = json::array();
    for (int i = skip; i < std::min(7, skip + 3); ++i) items.push_back({{"id", i}});
    return json{{"contacts", items}};
  });
  auto pages = f.MakeClient().Paginate(Req("GET", "/contacts/business/B1?limit=3"));
  EXPECT_EQ(pages.style(), catalog::Paging::kSkipLimit);
  auto all = pages.CollectItems();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 7u);
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 4u);  // 3 + 3 + 1 + empty
  EXPECT_EQ(QueryMap(reqs[3])["skip"], "7");
  EXPECT_EQ(QueryMap(reqs[3])["limit"], "3");
}

TEST(PaginatorTest, OffsetLimitAndPageLimit) {
  Fixture f([&](const http::Request& r) {
    auto q = QueryMap(r);
    if (r.target.find("/medias/files") != std::string::npos) {
      int offset = q.count("offset") ? std::stoi(q["offset"]) : 0;
      json items = json::array();
      for (int i = offset; i < std::min(4, offset + 2); ++i) items.push_back({{"id", i}});
      return json{{"files", items}};
    }
    int page = q.count("page") ? std::stoi(q["page"]) : 1;
    json items = json::array();
    if (page <= 2) items = json::array({{{"id", page}}});
    return json{{"submissions", items}, {"meta", {{"total", 2}}}};
  });
  Client client = f.MakeClient();
  auto files = client.Paginate(Req("GET", "/medias/files?limit=2&altId=L&altType=location"));
  EXPECT_EQ(files.style(), catalog::Paging::kOffsetLimit);
  EXPECT_EQ(files.CollectItems()->size(), 4u);
  auto subs = client.Paginate(Req("GET", "/forms/submissions?locationId=L&limit=1"));
  EXPECT_EQ(subs.style(), catalog::Paging::kPageLimit);
  EXPECT_EQ(subs.CollectItems()->size(), 2u);
  EXPECT_EQ(subs.stop_reason(), "total reached");
  auto reqs = f.transport->requests();
  EXPECT_EQ(QueryMap(reqs[1])["offset"], "2");
  EXPECT_EQ(QueryMap(reqs.back())["page"], "2");
}

TEST(PaginatorTest, ConversationMessagesFollowTheNestedLastMessageId) {
  Fixture f([&](const http::Request& r) {
    auto q = QueryMap(r);
    if (!q.count("lastMessageId")) {
      return json::parse(R"({"messages":{"lastMessageId":"m2","nextPage":true,
                             "messages":[{"id":"m1"},{"id":"m2"}]}})");
    }
    EXPECT_EQ(q["lastMessageId"], "m2");
    return json::parse(R"({"messages":{"lastMessageId":"m3","nextPage":false,
                           "messages":[{"id":"m3"}]}})");
  });
  auto pages = f.MakeClient().Paginate(Req("GET", "/conversations/conv1/messages?limit=2"));
  EXPECT_EQ(pages.style(), catalog::Paging::kLastMessageId);
  auto all = pages.CollectItems();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, json::parse(R"([{"id":"m1"},{"id":"m2"},{"id":"m3"}])"));
  EXPECT_EQ(pages.stop_reason(), "nextPage is false");
  EXPECT_EQ(f.transport->request_count(), 2u);
}

TEST(PaginatorTest, AFailingPageEndsIterationWithTheError) {
  Fixture f([&](const http::Request& r) {
    json body = json::parse(r.body);
    if (body.value("page", 1) == 2) {
      return json{{"__status", 422},
                  {"statusCode", 422},
                  {"message", json::array({"page must not be greater than 100"})}};
    }
    return json{{"contacts", Contacts(0, 2)}, {"total", 10}};
  });
  auto pages = f.MakeClient().Paginate(
      Req("POST", "/contacts/search", R"({"locationId":"L","pageLimit":2})"));
  int seen = 0;
  for (const Page& page : pages) seen += static_cast<int>(page.items.size());
  EXPECT_EQ(seen, 2);
  ASSERT_FALSE(pages.status().ok());
  EXPECT_EQ(pages.status().error().http_status, 422);
  EXPECT_EQ(pages.stop_reason(), "error");
  auto again = f.MakeClient().Paginate(Req("POST", "/contacts/search", R"({"pageLimit":2})"));
  EXPECT_FALSE(again.CollectItems().ok());
}

TEST(PaginatorTest, NonPagedEndpointYieldsOnePage) {
  Fixture f([&](const http::Request&) { return json{{"contact", {{"id", "c1"}}}}; });
  auto pages = f.MakeClient().Paginate(Req("GET", "/contacts/c1"));
  int n = 0;
  for (const Page& page : pages) {
    EXPECT_EQ(page.body["contact"]["id"], "c1");
    ++n;
  }
  EXPECT_EQ(n, 1);
  EXPECT_EQ(pages.stop_reason(), "single page");
}

}  // namespace
}  // namespace ghl::client
