// Conformance tests every TokenStore backend passes (instantiated per backend).
#include "token_store_conformance.h"

#include <atomic>
#include <thread>

namespace ghl::tokens::testing {
namespace {

using std::chrono::milliseconds;

TokenKey KeyOf(char fill) {
  std::array<uint8_t, 32> b{};
  b.fill(static_cast<uint8_t>(fill));
  return TokenKey(b);
}

class TokenConformance : public ::testing::TestWithParam<TokenBackendFactory> {
 protected:
  void SetUp() override {
    std::string skip;
    instance_ = GetParam().make(skip);
    if (!instance_) GTEST_SKIP() << skip;
    options_.clock = [this] { return UtcTime(milliseconds(now_ms_.load())); };
    store_ = Open(key_);
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<TokenStore> Open(const TokenKey& key) {
    auto s = instance_->Open(key, options_);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().Describe());
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // With loc-1 = (a1, r1) stored by key_ and store_ closed: KeyOf('b') is refused (kUsage,
  // `words` in the summary) changing nothing, then key_ reads loc-1.
  void ExpectWrongKeyRefusedThenRightKeyReads(const std::string& words) {
    std::string before = instance_->Snapshot();
    auto wrong = instance_->Open(KeyOf('b'), options_);
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().kind, ErrorKind::kUsage);
    EXPECT_NE(wrong.error().Summary().find(words), std::string::npos) << wrong.error().Describe();
    EXPECT_EQ(instance_->Snapshot(), before);
    auto right = Open(key_);
    ASSERT_NE(right, nullptr);
    auto rec = right->Get("loc-1");
    ASSERT_TRUE(rec.ok() && rec->has_value());
    EXPECT_EQ((*rec)->pair.access_token, "a1");
  }
  NewToken Loc(std::string id, std::string access, std::string refresh) {
    NewToken t;
    t.id = std::move(id);
    t.company_id = "cmp-1";
    t.name = "Shop " + t.id;
    t.pair = {std::move(access), std::move(refresh), UtcTime(milliseconds(now_ms_ + 86399000)),
              "contacts.readonly"};
    return t;
  }

  TokenKey key_ = KeyOf('a');
  std::atomic<int64_t> now_ms_{1764720000000};  // 2025-12-03T00:00:00Z
  StoreOptions options_;
  std::unique_ptr<TokenBackendInstance> instance_;
  std::unique_ptr<TokenStore> store_;
};

TEST_P(TokenConformance, PutGetListRoundTripWithoutSecretsInList) {
  auto put = store_->Put(Loc("loc-1", "access-one", "refresh-one"));
  ASSERT_TRUE(put.ok()) << put.error().Describe();
  EXPECT_EQ(put->first, 1);
  auto rec = store_->Get("loc-1");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->pair.access_token, "access-one");
  EXPECT_EQ((*rec)->pair.refresh_token, "refresh-one");
  EXPECT_EQ((*rec)->company_id, "cmp-1");
  EXPECT_EQ((*rec)->name, "Shop loc-1");
  EXPECT_EQ((*rec)->generation, 1);
  EXPECT_EQ((*rec)->state, TokenState::kOk);
  auto again = store_->Put(Loc("loc-1", "access-two", "refresh-two"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->first, 2);
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].generation, 2);
  EXPECT_TRUE((*list)[0].pair.access_token.empty());
  EXPECT_TRUE((*list)[0].pair.refresh_token.empty());
  auto missing = store_->Get("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(TokenConformance, NoTokenIsStoredInClear) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "clear-access-AAAA", "clear-refresh-BBBB")).ok());
  ASSERT_TRUE(store_
                  ->CommitRefresh("loc-1", 1,
                                  {"clear-access-CCCC", "clear-refresh-DDDD",
                                   UtcTime(milliseconds(now_ms_ + 1000)), ""},
                                  true)
                  .ok());
  store_.reset();
  std::string all = instance_->Snapshot();
  ASSERT_FALSE(all.empty());
  for (const char* secret :
       {"clear-access-AAAA", "clear-refresh-BBBB", "clear-access-CCCC", "clear-refresh-DDDD"}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(all.find("loc-1"), std::string::npos);  // the snapshot does see the rows
}

TEST_P(TokenConformance, WrongKeyRefusesAndChangesNothing) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  store_.reset();
  ExpectWrongKeyRefusedThenRightKeyReads("does not open this token store");
  auto again = instance_->Open(KeyOf('b'), options_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().Summary().find(KeyOf('a').id()), std::string::npos);
}

TEST_P(TokenConformance, WrongKeyDoesNotTakeOverAStoreWithoutKeyMetadata) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  store_.reset();
  instance_->Exec("DELETE FROM ghl_token_meta");
  // A wrong key: refused by the sealed row it cannot open; no key metadata written. The right
  // key opens it and re-creates the check, so a wrong key now meets the check.
  ExpectWrongKeyRefusedThenRightKeyReads("does not open");
  auto again = instance_->Open(KeyOf('b'), options_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().Summary().find("written with key id " + key_.id()), std::string::npos)
      << again.error().Describe();
}

TEST_P(TokenConformance, DamagedKeyCheckIsRepairedByTheRightKeyAndNamedForAWrongOne) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  store_.reset();
  instance_->Exec("UPDATE ghl_token_meta SET value = 'garbage' WHERE name = 'key_check'");
  // The right key (its id matches the stored one) proves itself on a row and repairs the check.
  auto right = Open(key_);
  ASSERT_NE(right, nullptr);
  ASSERT_TRUE(right->Get("loc-1").ok());
  right.reset();
  ASSERT_NE(Open(key_), nullptr);
  // The check damaged and the rows too: said so, not "key X is not key X".
  instance_->Exec("UPDATE ghl_token_meta SET value = 'garbage' WHERE name = 'key_check'");
  instance_->Exec("UPDATE ghl_tokens SET access_token = 'garbage'");
  auto broken = instance_->Open(key_, options_);
  ASSERT_FALSE(broken.ok());
  std::string text = broken.error().Describe();
  EXPECT_NE(text.find("damaged"), std::string::npos) << text;
  EXPECT_EQ(text.find("written with key id " + key_.id()), std::string::npos) << text;
}

TEST_P(TokenConformance, RotateKeyReencryptsEverything) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  ASSERT_TRUE(store_->Put(Loc("loc-2", "a2", "r2")).ok());
  auto raw_before = store_->RawValues();
  ASSERT_TRUE(raw_before.ok());
  auto rotated = store_->RotateKey(KeyOf('c'));
  ASSERT_TRUE(rotated.ok()) << rotated.error().Describe();
  store_.reset();
  EXPECT_FALSE(instance_->Open(key_, options_).ok());
  auto reopened = Open(KeyOf('c'));
  ASSERT_NE(reopened, nullptr);
  auto rec = reopened->Get("loc-2");
  ASSERT_TRUE(rec.ok() && rec->has_value()) << (rec.ok() ? "" : rec.error().Describe());
  EXPECT_EQ((*rec)->pair.refresh_token, "r2");
  auto raw_after = reopened->RawValues();
  ASSERT_TRUE(raw_after.ok());
  EXPECT_NE(*raw_before, *raw_after);
}

TEST_P(TokenConformance, LeaseIsExclusiveUntilReleasedOrExpired) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  auto a = store_->TryLease("loc-1", "A", 1, milliseconds(30000));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->acquired);
  EXPECT_FALSE(a->took_over_stale);
  auto b = store_->TryLease("loc-1", "B", 1, milliseconds(30000));
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->acquired);
  auto listed = store_->Get("loc-1");
  EXPECT_EQ((*listed)->lease_holder, "A");
  ASSERT_TRUE(store_->ReleaseLease("loc-1", "B").ok());  // not B's: still A's
  EXPECT_FALSE(store_->TryLease("loc-1", "B", 1, milliseconds(30000))->acquired);
  ASSERT_TRUE(store_->ReleaseLease("loc-1", "A").ok());
  auto c = store_->TryLease("loc-1", "C", 1, milliseconds(30000));
  EXPECT_TRUE(c->acquired);
  EXPECT_FALSE(c->took_over_stale);
  // C dies: after the lease runs out, D takes over and is told it is stale.
  now_ms_ += 30001;
  auto d = store_->TryLease("loc-1", "D", 1, milliseconds(30000));
  EXPECT_TRUE(d->acquired);
  EXPECT_TRUE(d->took_over_stale);
  // A lease at an old generation is never granted.
  ASSERT_TRUE(store_->ReleaseLease("loc-1", "D").ok());
  EXPECT_FALSE(store_->TryLease("loc-1", "E", 0, milliseconds(30000))->acquired);
  EXPECT_FALSE(store_->TryLease("nope", "E", 1, milliseconds(30000))->acquired);
}

TEST_P(TokenConformance, CommitRefreshIsCompareAndSwapOnTheGeneration) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  ASSERT_TRUE(store_->TryLease("loc-1", "A", 1, milliseconds(30000))->acquired);
  TokenPair next{"a2", "r2", UtcTime(milliseconds(now_ms_ + 2000)), "s"};
  auto won = store_->CommitRefresh("loc-1", 1, next, true);
  ASSERT_TRUE(won.ok());
  EXPECT_TRUE(won->first);
  auto lost = store_->CommitRefresh("loc-1", 1, {"a3", "r3", {}, ""}, true);
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->first);
  auto rec = store_->Get("loc-1");
  EXPECT_EQ((*rec)->generation, 2);
  EXPECT_EQ((*rec)->refreshes, 1);
  EXPECT_EQ((*rec)->pair.access_token, "a2");
  EXPECT_EQ((*rec)->pair.refresh_token, "r2");
  EXPECT_EQ((*rec)->lease_holder, "");  // freed by the commit
  EXPECT_EQ((*rec)->last_refresh, UtcTime(milliseconds(now_ms_.load())));
}

TEST_P(TokenConformance, StateChangesAreReportedOncePerChange) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  ASSERT_TRUE(store_->TryLease("loc-1", "A", 1, milliseconds(30000))->acquired);
  auto first = store_->SetState("loc-1", "A", TokenState::kError, "HTTP 503",
                                UtcTime(milliseconds(now_ms_ + 5000)));
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->from, TokenState::kOk);
  EXPECT_EQ((*first)->to, TokenState::kError);
  auto second = store_->SetState("loc-1", "A", TokenState::kError, "HTTP 502",
                                 UtcTime(milliseconds(now_ms_ + 10000)));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());  // same state: no second alert
  auto rec = store_->Get("loc-1");
  EXPECT_EQ((*rec)->failures, 2);
  EXPECT_EQ((*rec)->state_detail, "HTTP 502");
  EXPECT_EQ((*rec)->lease_holder, "");  // SetState freed A's lease
  auto back = store_->CommitRefresh("loc-1", 1, {"a2", "r2", {}, ""}, true);
  ASSERT_TRUE(back.ok() && back->first);
  ASSERT_TRUE(back->second.has_value());
  EXPECT_EQ(back->second->from, TokenState::kError);
  EXPECT_EQ(back->second->to, TokenState::kOk);
  EXPECT_EQ((*store_->Get("loc-1"))->failures, 0);
  auto unknown = store_->SetState("nope", "A", TokenState::kError, "", {});
  EXPECT_FALSE(unknown.ok());
}

TEST_P(TokenConformance, DeleteRemovesTheRow) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  EXPECT_TRUE(*store_->Delete("loc-1"));
  EXPECT_FALSE(*store_->Delete("loc-1"));
  EXPECT_FALSE(store_->Get("loc-1")->has_value());
}

// Several stores (connections) over one storage: of 8 threads racing for the lease of the same
// generation, exactly one wins, and only one CAS lands.
TEST_P(TokenConformance, ConcurrentStoresGrantOneLeaseAndOneCommit) {
  ASSERT_TRUE(store_->Put(Loc("loc-1", "a1", "r1")).ok());
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<TokenStore>> stores;
  for (int i = 0; i < kThreads; ++i) stores.push_back(Open(key_));
  std::atomic<int> leases{0}, commits{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string holder = "T" + std::to_string(i);
      auto lease = stores[i]->TryLease("loc-1", holder, 1, milliseconds(30000));
      if (lease.ok() && lease->acquired) ++leases;
      auto c = stores[i]->CommitRefresh("loc-1", 1, {"a-" + holder, "r-" + holder, {}, ""}, true);
      if (c.ok() && c->first) ++commits;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(leases.load(), 1);
  EXPECT_EQ(commits.load(), 1);
  EXPECT_EQ((*store_->Get("loc-1"))->generation, 2);
}

INSTANTIATE_TEST_SUITE_P(Backend, TokenConformance, ::testing::Values(TokenBackend()),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace ghl::tokens::testing
