// The token store's logic, written once over the two SQL drivers (sql_session.h).
#include "ghl/tokens/token_store.h"

#include <mutex>

#include "crypto.h"
#include "ghl/core/db_location.h"
#include "sql_session.h"

namespace ghl::tokens {

std::string_view ToString(TokenState state) {
  switch (state) {
    case TokenState::kOk:
      return "ok";
    case TokenState::kRefreshing:
      return "refreshing";
    case TokenState::kNeedsReinstall:
      return "needs-reinstall";
    case TokenState::kInactive:
      return "inactive";
    case TokenState::kMissingScope:
      return "missing-scope";
    case TokenState::kError:
      return "error";
  }
  return "error";
}

std::optional<TokenState> ParseTokenState(std::string_view text) {
  for (auto s : {TokenState::kOk, TokenState::kRefreshing, TokenState::kNeedsReinstall,
                 TokenState::kInactive, TokenState::kMissingScope, TokenState::kError}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::string CompanyRowId(std::string_view company_id) {
  return "company:" + std::string(company_id);
}

namespace {

using internal::SqlParam;
using internal::SqlRow;
using internal::SqlSession;
using std::chrono::milliseconds;

constexpr std::string_view kKeyCheckPlain = "ghlkit token store key check";
constexpr std::string_view kColumns =
    "id, kind, company_id, name, access_token, refresh_token, scopes, expires_at, generation, "
    "state, state_detail, state_since, last_refresh, next_attempt, failures, lease_holder, "
    "lease_until, refreshes";

int64_t Ms(UtcTime t) { return t.time_since_epoch().count(); }
UtcTime FromMs(const std::string& s) {
  return UtcTime(milliseconds(std::stoll(s.empty() ? "0" : s)));
}
int64_t Int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }

std::string Aad(std::string_view id, std::string_view column) {
  return std::string(id) + "\x1f" + std::string(column);
}

Error KeyMismatch(std::string_view what, const std::string& stored_id, const TokenKey& key) {
  return UsageError(
      std::string(what) + ": the token key (id " + key.id() + ") does not open this token store" +
          (stored_id.empty() ? std::string() : " (written with key id " + stored_id + ")"),
      "Use the key the store was written with (GHL_TOKEN_KEY or --key-file); nothing was "
      "changed. To change keys, run `ghl tokens rotate-key` with the old key.");
}

class SqlTokenStore final : public TokenStore {
 public:
  SqlTokenStore(std::unique_ptr<SqlSession> db, TokenKey key, StoreOptions options,
                std::string label)
      : db_(std::move(db)), key_(key), options_(std::move(options)), label_(std::move(label)) {
    if (!options_.clock) {
      options_.clock = [] {
        return std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
      };
    }
  }

  // Checks the key against the sealed check value. Key metadata is written only when no row
  // can contradict the key: a new store (no rows; the first opener's key wins, a concurrent
  // opener re-checks it), or a missing or damaged check re-created by a key that opens a stored
  // row. A key that opens no row never writes anything.
  Status CheckKey() {
    std::lock_guard lock(mu_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto rows = db_->Query("SELECT name, value FROM ghl_token_meta", {});
      if (!rows.ok()) return rows.error();
      std::string check, stored_id;
      for (const auto& r : *rows) {
        if (r[0] == "key_check") check = r[1];
        if (r[0] == "key_id") stored_id = r[1];
      }
      if (!check.empty()) {
        auto plain = internal::Open(key_, check, Aad("meta", "key_check"));
        if (plain && *plain == kKeyCheckPlain) return Ok{};
        // Another key's check; or this key's (same id) with a damaged value, decided by a row.
        if (stored_id != key_.id()) return KeyMismatch(label_, stored_id, key_);
      }
      auto opens = KeyOpensARow();
      if (!opens.ok()) return opens.error();
      if (opens->has_value() && !**opens) {
        if (check.empty()) return KeyMismatch(label_ + " (its key metadata is missing)", "", key_);
        return UsageError(label_ + ": the key check is damaged, and the token key (id " +
                              key_.id() + ") does not open the stored tokens either",
                          "The store was altered: restore it from a backup, or delete it and "
                          "`ghl auth login` again.");
      }
      // A missing check is inserted (a concurrent opener's insert wins and is re-checked); a
      // damaged one of this key's id is replaced.
      auto put = db_->Query(
          std::string("INSERT INTO ghl_token_meta (name, value) VALUES ('key_check', $1), "
                      "('key_id', $2) ON CONFLICT (name) DO ") +
              (check.empty() ? "NOTHING" : "UPDATE SET value = excluded.value"),
          {internal::Seal(key_, kKeyCheckPlain, Aad("meta", "key_check")), key_.id()});
      if (!put.ok()) return put.error();
    }
    return Ok{};
  }

  // Whether the key opens a stored row's sealed value; nullopt when there is no row.
  Result<std::optional<bool>> KeyOpensARow() {
    auto rows = db_->Query("SELECT id, access_token FROM ghl_tokens ORDER BY id LIMIT 1", {});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<bool>();
    const auto& r = (*rows)[0];
    return std::optional<bool>(internal::Open(key_, r[1], Aad(r[0], "access_token")).has_value());
  }

  Result<std::optional<TokenRecord>> Get(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto rows = db_->Query("SELECT " + std::string(kColumns) + " FROM ghl_tokens WHERE id = $1",
                           {std::string(id)});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<TokenRecord>();
    TokenRecord rec = Read((*rows)[0]);
    auto access = internal::Open(key_, (*rows)[0][4], Aad(id, "access_token"));
    auto refresh = internal::Open(key_, (*rows)[0][5], Aad(id, "refresh_token"));
    if (!access || !refresh) {
      return UsageError(label_ + ": the stored token of " + std::string(id) +
                            " does not decrypt with this key (id " + key_.id() + ")",
                        "The row was altered or copied from another store; re-install the app "
                        "for this location or `ghl tokens refresh` it from the company token.");
    }
    rec.pair.access_token = std::move(*access);
    rec.pair.refresh_token = std::move(*refresh);
    return std::optional<TokenRecord>(std::move(rec));
  }

  Result<std::vector<TokenRecord>> List() override {
    std::lock_guard lock(mu_);
    auto rows = db_->Query("SELECT " + std::string(kColumns) + " FROM ghl_tokens ORDER BY id", {});
    if (!rows.ok()) return rows.error();
    std::vector<TokenRecord> out;
    for (const auto& r : *rows) out.push_back(Read(r));
    return out;
  }

  Result<std::pair<int64_t, std::optional<StateChange>>> Put(const NewToken& t) override {
    std::lock_guard lock(mu_);
    int64_t now = Ms(options_.clock());
    auto rows = db_->Query(
        "INSERT INTO ghl_tokens (id, kind, company_id, name, access_token, refresh_token, "
        "scopes, expires_at, generation, state, prev_state, state_since, last_refresh) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 'ok', 'ok', $9, $9) "
        "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
        "company_id = CASE WHEN excluded.company_id = '' THEN ghl_tokens.company_id "
        "ELSE excluded.company_id END, "
        "name = CASE WHEN excluded.name = '' THEN ghl_tokens.name ELSE excluded.name END, "
        "access_token = excluded.access_token, refresh_token = excluded.refresh_token, "
        "scopes = excluded.scopes, expires_at = excluded.expires_at, "
        "generation = ghl_tokens.generation + 1, prev_state = ghl_tokens.state, state = 'ok', "
        "state_detail = '', state_since = CASE WHEN ghl_tokens.state = 'ok' THEN "
        "ghl_tokens.state_since ELSE excluded.state_since END, "
        "last_refresh = excluded.last_refresh, next_attempt = 0, failures = 0, "
        "lease_holder = '', lease_until = 0, lease_stale = 0 "
        "RETURNING generation, prev_state",
        {t.id, std::string(t.kind == TokenKind::kCompany ? "company" : "location"), t.company_id,
         t.name, internal::Seal(key_, t.pair.access_token, Aad(t.id, "access_token")),
         internal::Seal(key_, t.pair.refresh_token, Aad(t.id, "refresh_token")), t.pair.scopes,
         Ms(t.pair.expires_at), now});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return Internal("insert returned no row");
    return std::make_pair(Int((*rows)[0][0]), Change(t.id, (*rows)[0][1], TokenState::kOk, ""));
  }

  Result<Lease> TryLease(std::string_view id, std::string_view holder, int64_t generation,
                         milliseconds ttl) override {
    std::lock_guard lock(mu_);
    int64_t now = Ms(options_.clock());
    auto rows = db_->Query(
        "UPDATE ghl_tokens SET lease_stale = CASE WHEN lease_holder = '' THEN 0 ELSE 1 END, "
        "lease_holder = $2, lease_until = $3 "
        "WHERE id = $1 AND generation = $4 AND (lease_holder = '' OR lease_until <= $5) "
        "RETURNING lease_stale",
        {std::string(id), std::string(holder), now + ttl.count(), generation, now});
    if (!rows.ok()) return rows.error();
    Lease lease;
    lease.acquired = !rows->empty();
    lease.took_over_stale = lease.acquired && Int((*rows)[0][0]) != 0;
    return lease;
  }

  Result<std::pair<bool, std::optional<StateChange>>> CommitRefresh(
      std::string_view id, int64_t generation, const TokenPair& pair,
      bool by_refresh_grant) override {
    std::lock_guard lock(mu_);
    int64_t now = Ms(options_.clock());
    auto rows = db_->Query(
        "UPDATE ghl_tokens SET access_token = $3, refresh_token = $4, scopes = $5, "
        "expires_at = $6, generation = generation + 1, refreshes = refreshes + $8, "
        "prev_state = state, "
        // missing-scope is about the app's scopes, not the pair: a refresh does not clear it.
        "state = CASE WHEN state = 'missing-scope' THEN state ELSE 'ok' END, "
        "state_detail = CASE WHEN state = 'missing-scope' THEN state_detail ELSE '' END, "
        "state_since = CASE WHEN state IN ('ok', 'missing-scope') THEN state_since "
        "ELSE $7 END, "
        "last_refresh = $7, next_attempt = 0, failures = 0, lease_holder = '', "
        "lease_until = 0, lease_stale = 0 WHERE id = $1 AND generation = $2 "
        "RETURNING prev_state",
        {std::string(id), generation,
         internal::Seal(key_, pair.access_token, Aad(id, "access_token")),
         internal::Seal(key_, pair.refresh_token, Aad(id, "refresh_token")), pair.scopes,
         Ms(pair.expires_at), now, int64_t{by_refresh_grant ? 1 : 0}});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::make_pair(false, std::optional<StateChange>());
    const std::string& prev = (*rows)[0][0];
    return std::make_pair(
        true, Change(id, prev,
                     prev == "missing-scope" ? TokenState::kMissingScope : TokenState::kOk, ""));
  }

  Result<std::optional<StateChange>> SetState(std::string_view id, std::string_view holder,
                                              TokenState state, std::string_view detail,
                                              UtcTime next_attempt) override {
    std::lock_guard lock(mu_);
    int64_t now = Ms(options_.clock());
    std::string s(ToString(state));
    auto rows = db_->Query(
        "UPDATE ghl_tokens SET prev_state = state, state = $2, state_detail = $3, "
        "state_since = CASE WHEN state = CAST($2 AS TEXT) THEN state_since ELSE $4 END, "
        "next_attempt = $5, "
        "failures = CASE WHEN CAST($2 AS TEXT) = 'ok' THEN 0 ELSE failures + 1 END, "
        "lease_until = CASE WHEN lease_holder = CAST($6 AS TEXT) THEN 0 ELSE lease_until END, "
        "lease_holder = CASE WHEN lease_holder = CAST($6 AS TEXT) THEN '' ELSE lease_holder END "
        "WHERE id = $1 RETURNING prev_state",
        {std::string(id), s, std::string(detail), now, Ms(next_attempt), std::string(holder)});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) {
      return UsageError("no tokens stored for " + std::string(id),
                        "`ghl tokens list` shows the stored locations.");
    }
    return Change(id, (*rows)[0][0], state, detail);
  }

  Status ReleaseLease(std::string_view id, std::string_view holder) override {
    std::lock_guard lock(mu_);
    auto rows = db_->Query(
        "UPDATE ghl_tokens SET lease_holder = '', lease_until = 0 "
        "WHERE id = $1 AND lease_holder = $2",
        {std::string(id), std::string(holder)});
    if (!rows.ok()) return rows.error();
    return Ok{};
  }

  Result<bool> Delete(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto rows = db_->Query("DELETE FROM ghl_tokens WHERE id = $1 RETURNING id", {std::string(id)});
    if (!rows.ok()) return rows.error();
    return !rows->empty();
  }

  Status RotateKey(const TokenKey& new_key) override {
    std::lock_guard lock(mu_);
    if (auto st = db_->Begin(); !st.ok()) return st;
    auto fail = [&](Error e) {
      db_->Rollback();
      return e;
    };
    auto rows = db_->Query("SELECT id, access_token, refresh_token FROM ghl_tokens", {});
    if (!rows.ok()) return fail(rows.error());
    for (const auto& r : *rows) {
      auto access = internal::Open(key_, r[1], Aad(r[0], "access_token"));
      auto refresh = internal::Open(key_, r[2], Aad(r[0], "refresh_token"));
      if (!access || !refresh) {
        return fail(UsageError(label_ + ": the stored token of " + r[0] +
                                   " does not decrypt with the current key; nothing was changed",
                               "Delete that row (`ghl tokens delete`) or restore it, then "
                               "rotate again."));
      }
      auto up =
          db_->Query("UPDATE ghl_tokens SET access_token = $2, refresh_token = $3 WHERE id = $1",
                     {r[0], internal::Seal(new_key, *access, Aad(r[0], "access_token")),
                      internal::Seal(new_key, *refresh, Aad(r[0], "refresh_token"))});
      if (!up.ok()) return fail(up.error());
    }
    auto meta = db_->Query(
        "UPDATE ghl_token_meta SET value = CASE WHEN name = 'key_check' THEN $1 ELSE $2 END "
        "WHERE name IN ('key_check', 'key_id')",
        {internal::Seal(new_key, kKeyCheckPlain, Aad("meta", "key_check")), new_key.id()});
    if (!meta.ok()) return fail(meta.error());
    if (auto st = db_->Commit(); !st.ok()) return fail(st.error());
    key_ = new_key;
    return Ok{};
  }

  Result<std::optional<std::string>> GetMeta(std::string_view name) override {
    if (auto st = OwnMeta(name); !st.ok()) return st.error();
    std::lock_guard lock(mu_);
    auto rows = db_->Query("SELECT value FROM ghl_token_meta WHERE name = $1", {std::string(name)});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<std::string>();
    return std::optional<std::string>(rows->front().at(0));
  }

  Status SetMeta(std::string_view name, std::string_view value) override {
    if (auto st = OwnMeta(name); !st.ok()) return st;
    std::lock_guard lock(mu_);
    auto up = db_->Query(
        "INSERT INTO ghl_token_meta (name, value) VALUES ($1, $2) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        {std::string(name), std::string(value)});
    if (!up.ok()) return up.error();
    return Ok{};
  }

  Result<std::vector<std::string>> RawValues() override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    auto rows = db_->Query("SELECT " + std::string(kColumns) + " FROM ghl_tokens", {});
    if (!rows.ok()) return rows.error();
    for (const auto& r : *rows) out.insert(out.end(), r.begin(), r.end());
    auto meta = db_->Query("SELECT name, value FROM ghl_token_meta", {});
    if (!meta.ok()) return meta.error();
    for (const auto& r : *meta) out.insert(out.end(), r.begin(), r.end());
    return out;
  }

 private:
  static Status OwnMeta(std::string_view name) {
    if (name == "key_check" || name == "key_id" || name.empty()) {
      return UsageError("token store meta name '" + std::string(name) + "' is reserved or empty",
                        "pick another name");
    }
    return Ok{};
  }

  TokenRecord Read(const SqlRow& r) const {
    TokenRecord rec;
    rec.id = r[0];
    rec.kind = r[1] == "company" ? TokenKind::kCompany : TokenKind::kLocation;
    rec.company_id = r[2];
    rec.name = r[3];
    rec.pair.scopes = r[6];
    rec.pair.expires_at = FromMs(r[7]);
    rec.generation = Int(r[8]);
    rec.state = ParseTokenState(r[9]).value_or(TokenState::kError);
    rec.state_detail = r[10];
    rec.state_since = FromMs(r[11]);
    rec.last_refresh = FromMs(r[12]);
    rec.next_attempt = FromMs(r[13]);
    rec.failures = Int(r[14]);
    rec.lease_holder = r[15];
    rec.lease_until = FromMs(r[16]);
    rec.refreshes = Int(r[17]);
    return rec;
  }

  static std::optional<StateChange> Change(std::string_view id, const std::string& prev,
                                           TokenState to, std::string_view detail) {
    TokenState from = ParseTokenState(prev).value_or(TokenState::kOk);
    if (from == to) return std::nullopt;
    return StateChange{std::string(id), from, to, std::string(detail)};
  }

  static Error Internal(std::string message) {
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages.push_back(std::move(message));
    return e;
  }

  std::mutex mu_;
  std::unique_ptr<SqlSession> db_;
  TokenKey key_;
  StoreOptions options_;
  std::string label_;
};

Result<std::unique_ptr<TokenStore>> Finish(Result<std::unique_ptr<SqlSession>> session,
                                           const TokenKey& key, StoreOptions options,
                                           std::string label) {
  if (!session.ok()) return session.error();
  auto store = std::make_unique<SqlTokenStore>(std::move(session.value()), key, std::move(options),
                                               std::move(label));
  if (auto st = store->CheckKey(); !st.ok()) return st.error();
  return std::unique_ptr<TokenStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<TokenStore>> OpenSqliteTokenStore(const SqliteOptions& sqlite,
                                                         const TokenKey& key,
                                                         StoreOptions options) {
  return Finish(internal::OpenSqliteSession(sqlite.path, sqlite.busy_timeout), key,
                std::move(options), "token store " + sqlite.path);
}

Result<std::unique_ptr<TokenStore>> OpenPostgresTokenStore(const PostgresOptions& pg,
                                                           const TokenKey& key,
                                                           StoreOptions options) {
  return Finish(internal::OpenPostgresSession(pg.url, pg.schema), key, std::move(options),
                "token store (PostgreSQL schema " + pg.schema + ")");
}

Result<std::unique_ptr<TokenStore>> OpenTokenStore(const std::string& location, const TokenKey& key,
                                                   StoreOptions options) {
  if (IsPostgresLocation(location)) {
    if (auto st = CheckDbLocation(location, "token store"); !st.ok()) return st.error();
    return OpenPostgresTokenStore({.url = location}, key, std::move(options));
  }
  return OpenSqliteTokenStore({.path = location}, key, std::move(options));
}

}  // namespace ghl::tokens
