#include "postgres_batch_insert.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>

#include "ghl/core/db_location.h"
#include "store_internal.h"

namespace ghl::store::internal {
namespace {

// PostgreSQL type oids of the array elements (pg_type.h).
constexpr uint32_t kTextOid = 25;
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kInt8Oid = 20;
// ... and of the arrays themselves.
constexpr uint32_t kTextArrayOid = 1009;
constexpr uint32_t kByteaArrayOid = 1001;
constexpr uint32_t kInt8ArrayOid = 1016;
constexpr const char* kInsertStatement = "ghl_batch_insert";

void PutU32(std::string& out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

void PutI64(std::string& out, int64_t value) {
  auto v = static_cast<uint64_t>(value);
  PutU32(out, static_cast<uint32_t>(v >> 32));
  PutU32(out, static_cast<uint32_t>(v));
}

// A one-dimensional array without NULLs in PostgreSQL's binary wire format (array_recv):
// ndim, has-nulls flag, element oid, length and lower bound, then each element as
// (length, bytes).
class BinaryArray {
 public:
  BinaryArray(uint32_t element_oid, size_t n, size_t bytes_hint) {
    data_.reserve(20 + n * 4 + bytes_hint);
    PutU32(data_, 1);
    PutU32(data_, 0);
    PutU32(data_, element_oid);
    PutU32(data_, static_cast<uint32_t>(n));
    PutU32(data_, 1);
  }
  void Add(std::string_view bytes) {
    PutU32(data_, static_cast<uint32_t>(bytes.size()));
    data_.append(bytes);
  }
  void Add(int64_t v) {
    PutU32(data_, 8);
    PutI64(data_, v);
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

// Each input row carries its position (ord); `ins` holds the rows this statement inserted (a
// dedup key seen twice in the group is inserted once, the later copy conflicts with it). A key
// that was not inserted is looked up in the table as it was before the statement (a CTE's
// snapshot), i.e. among rows stored earlier; the lookup runs only for those rows (COALESCE).
// A key inserted concurrently by another receiver, committed after our snapshot, comes back
// with no id: Insert looks those up in a second statement.
std::string InsertSql(const std::string& table) {
  return "WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
         "$4::bytea[], $5::text[], $6::int8[]) WITH ORDINALITY "
         "AS t(dedup_key, type, location_id, body, headers, received_at, ord)), "
         "ins AS (INSERT INTO " +
         table +
         " (dedup_key, type, location_id, body, headers, received_at, state, attempts, "
         "next_attempt_at) SELECT dedup_key, type, location_id, body, headers, received_at, "
         "'pending', 0, $7::int8 FROM input ORDER BY ord "
         "ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key) "
         "SELECT ins.id, COALESCE(ins.id, (SELECT e.id FROM " +
         table +
         " e WHERE e.dedup_key = i.dedup_key)), "
         "i.ord = min(i.ord) OVER (PARTITION BY i.dedup_key) "
         "FROM input i LEFT JOIN ins ON ins.dedup_key = i.dedup_key ORDER BY i.ord";
}

std::string FindSql(const std::string& table) {
  return "SELECT dedup_key, id FROM " + table + " WHERE dedup_key = ANY($1::text[])";
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

int64_t IntAt(const PGresult* r, int row, int col) {
  return std::strtoll(PQgetvalue(r, row, col), nullptr, 10);
}

}  // namespace

struct PostgresBatchInsert::Conn {
  PGconn* pg = nullptr;
  std::string find_sql;
  ~Conn() {
    if (pg != nullptr) PQfinish(pg);
  }
};

PostgresBatchInsert::PostgresBatchInsert(std::string url, std::string schema)
    : url_(std::move(url)), schema_(std::move(schema)) {}

PostgresBatchInsert::~PostgresBatchInsert() = default;

Error PostgresBatchInsert::Failure(std::string_view what, std::string detail) const {
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  bool broken = !conn_ || conn_->pg == nullptr || PQstatus(conn_->pg) != CONNECTION_OK;
  std::string where = " (" + MaskUrlPassword(url_) + ", schema " + schema_ + ")";
  detail = ScrubLocationSecret(detail, url_);
  if (broken) {
    return StoreError(ErrorKind::kNetwork,
                      std::string(what) + ": cannot reach PostgreSQL" + where + ": " + detail);
  }
  return StoreError(ErrorKind::kInternal, std::string(what) + where + ": " + detail);
}

Status PostgresBatchInsert::EnsureConnected() {
  if (conn_ && PQstatus(conn_->pg) == CONNECTION_OK) return Ok{};
  conn_ = std::make_unique<Conn>();
  conn_->pg = PQconnectdb(url_.c_str());
  if (PQstatus(conn_->pg) != CONNECTION_OK) {
    Error e = Failure("append", PQerrorMessage(conn_->pg));
    conn_.reset();
    return e;
  }
  char* quoted = PQescapeIdentifier(conn_->pg, schema_.data(), schema_.size());
  if (quoted == nullptr) {
    Error e = Failure("append", PQerrorMessage(conn_->pg));
    conn_.reset();
    return e;
  }
  std::string table = std::string(quoted) + ".ghl_events";
  PQfreemem(quoted);
  conn_->find_sql = FindSql(table);
  const Oid oids[] = {kTextArrayOid, kTextArrayOid, kTextArrayOid, kByteaArrayOid,
                      kTextArrayOid, kInt8ArrayOid, kInt8Oid};
  ResultPtr prepared(PQprepare(conn_->pg, kInsertStatement, InsertSql(table).c_str(), 7, oids));
  if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    Error e = Failure("append: prepare",
                      prepared ? PQresultErrorMessage(prepared.get()) : PQerrorMessage(conn_->pg));
    conn_.reset();
    return e;
  }
  return Ok{};
}

Result<std::vector<AppendResult>> PostgresBatchInsert::Insert(const std::vector<NewEvent>& events,
                                                              int64_t now_ms) {
  if (events.empty()) return std::vector<AppendResult>{};
  if (auto st = EnsureConnected(); !st.ok()) return st.error();
  const size_t n = events.size();
  size_t body_bytes = 0;
  for (const NewEvent& e : events) body_bytes += e.body.size();
  BinaryArray keys(kTextOid, n, n * 32), types(kTextOid, n, n * 16), locations(kTextOid, n, n * 24),
      bodies(kByteaOid, n, body_bytes), headers(kTextOid, n, n * 64), received(kInt8Oid, n, n * 8);
  for (const NewEvent& e : events) {
    keys.Add(e.dedup_key);
    types.Add(e.type);
    locations.Add(e.location_id);
    bodies.Add(e.body);
    headers.Add(EncodeHeaders(e.headers));
    received.Add(ToMs(e.received_at));
  }
  std::string now;
  PutI64(now, now_ms);
  const std::string* params[] = {
      &keys.data(),     &types.data(), &locations.data(), &bodies.data(), &headers.data(),
      &received.data(), &now};
  const char* values[7];
  int lengths[7];
  int formats[7];
  for (int i = 0; i < 7; ++i) {
    values[i] = params[i]->data();
    lengths[i] = static_cast<int>(params[i]->size());
    formats[i] = 1;  // binary
  }
  ResultPtr r(PQexecPrepared(conn_->pg, kInsertStatement, 7, values, lengths, formats,
                             /*resultFormat=*/0));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    return Failure("append", r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_->pg));
  }
  if (PQntuples(r.get()) != static_cast<int>(n)) {
    return Failure("append", "the insert answered " + std::to_string(PQntuples(r.get())) +
                                 " rows for " + std::to_string(n) + " events");
  }
  std::vector<AppendResult> results(n);
  std::vector<size_t> unresolved;
  for (int i = 0; i < static_cast<int>(n); ++i) {
    AppendResult& out = results[static_cast<size_t>(i)];
    if (!PQgetisnull(r.get(), i, 0)) {
      out.id = IntAt(r.get(), i, 0);
      out.duplicate = PQgetvalue(r.get(), i, 2)[0] != 't';  // a later copy within the group
    } else if (!PQgetisnull(r.get(), i, 1)) {
      out.id = IntAt(r.get(), i, 1);
      out.duplicate = true;
    } else {
      unresolved.push_back(static_cast<size_t>(i));
    }
  }
  if (unresolved.empty()) return results;

  // Stored by another writer while this statement ran: visible to a new statement now.
  BinaryArray missing(kTextOid, unresolved.size(), unresolved.size() * 32);
  for (size_t i : unresolved) missing.Add(events[i].dedup_key);
  const char* fvalues[] = {missing.data().data()};
  const int flengths[] = {static_cast<int>(missing.data().size())};
  const int fformats[] = {1};
  const Oid foids[] = {kTextArrayOid};
  ResultPtr f(
      PQexecParams(conn_->pg, conn_->find_sql.c_str(), 1, foids, fvalues, flengths, fformats, 0));
  if (!f || PQresultStatus(f.get()) != PGRES_TUPLES_OK) {
    return Failure("append", f ? PQresultErrorMessage(f.get()) : PQerrorMessage(conn_->pg));
  }
  std::map<std::string, int64_t, std::less<>> found;
  for (int i = 0; i < PQntuples(f.get()); ++i) {
    found[PQgetvalue(f.get(), i, 0)] = IntAt(f.get(), i, 1);
  }
  for (size_t i : unresolved) {
    auto it = found.find(events[i].dedup_key);
    if (it == found.end()) {
      return StoreError(ErrorKind::kInternal, "append: dedup key vanished during insert");
    }
    results[i] = {it->second, true};
  }
  return results;
}

}  // namespace ghl::store::internal
