#include "ghl/client/field_args.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace ghl::client {
namespace {

using nlohmann::json;

FileReader FakeFiles(std::map<std::string, std::string> files) {
  return [files](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return UsageError("cannot read file '" + path + "'");
    return it->second;
  };
}

std::vector<FieldArg> Fields(std::initializer_list<std::pair<const char*, bool>> args) {
  std::vector<FieldArg> out;
  for (const auto& [arg, typed] : args) {
    auto f = ParseFieldArg(arg, typed);
    EXPECT_TRUE(f.ok()) << arg;
    out.push_back(f.value());
  }
  return out;
}

TEST(FieldArgsTest, SplitsAtTheFirstEquals) {
  auto f = ParseFieldArg("query=a=b", false);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->key, "query");
  EXPECT_EQ(f->value, "a=b");
  auto empty_value = ParseFieldArg("query=", false);
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->value, "");
  auto no_eq = ParseFieldArg("pageLimit", true);
  ASSERT_FALSE(no_eq.ok());
  EXPECT_EQ(no_eq.error().kind, ErrorKind::kUsage);
  EXPECT_NE(no_eq.error().messages[0].find("-F 'pageLimit'"), std::string::npos);
  EXPECT_FALSE(ParseFieldArg("=x", false).ok());
}

TEST(FieldArgsTest, TypedValues) {
  auto files = FakeFiles({{"filters.json", R"([{"field":"email","operator":"exists"}])"},
                          {"note.txt", "hello\n"},
                          {"-", "from stdin"}});
  auto value = [&](const char* arg) {
    auto v = FieldValue(ParseFieldArg(arg, true).value(), files);
    EXPECT_TRUE(v.ok()) << arg;
    return v.ok() ? v.value() : json("<error>");
  };
  EXPECT_EQ(value("n=42"), json(42));
  EXPECT_EQ(value("n=-7"), json(-7));
  EXPECT_EQ(value("n=1.5"), json(1.5));
  EXPECT_EQ(value("n=2e3").dump(), "2000");  // see TypedNumbersKeepTheValueAsWritten
  EXPECT_EQ(value("b=true"), json(true));
  EXPECT_EQ(value("b=false"), json(false));
  EXPECT_EQ(value("b=null"), json(nullptr));
  EXPECT_EQ(value("phone=0123"), json("0123"));  // leading zero: a string
  EXPECT_EQ(value("phone=+15551234567"), json("+15551234567"));
  EXPECT_EQ(value("s=john"), json("john"));
  EXPECT_EQ(value(R"(tags=["a","b"])"), json({"a", "b"}));
  EXPECT_EQ(value("filters=@filters.json")[0]["operator"], "exists");
  EXPECT_EQ(value("body=@note.txt"), json("hello\n"));
  EXPECT_EQ(value("body=@-"), json("from stdin"));
  // -f never converts.
  EXPECT_EQ(FieldValue(ParseFieldArg("n=42", false).value(), files).value(), json("42"));

  auto missing = FieldValue(ParseFieldArg("x=@nope.json", true).value(), files);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kUsage);
  auto bad_json = FieldValue(ParseFieldArg("x=[1,", true).value(), files);
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.error().messages[0].find("not valid JSON"), std::string::npos);
}

// -F numbers: what is sent is the JSON number the user wrote. nlohmann keeps int64, uint64 or
// double (not the text), so an integral value without a '.' (42, 1e3, 1500e-2) is sent as an
// integer, and a number written with a '.' as the shortest double that reads back the same
// (1.50 → 1.5, 1.0 → 1.0). An integer is never sent as a float.
TEST(FieldArgsTest, TypedNumbersKeepTheValueAsWritten) {
  auto body = [](const char* arg) {
    auto placed = PlaceFields(Fields({{arg, true}}), "POST", false, FakeFiles({}));
    EXPECT_TRUE(placed.ok()) << arg << ": " << (placed.ok() ? "" : placed.error().Describe());
    return placed.ok() ? placed->body : "<error>";
  };
  EXPECT_EQ(body("n=1e3"), R"({"n":1000})");
  EXPECT_EQ(body("n=1E+3"), R"({"n":1000})");
  EXPECT_EQ(body("n=-2e2"), R"({"n":-200})");
  EXPECT_EQ(body("n=1500e-2"), R"({"n":15})");
  EXPECT_EQ(body("n=0e7"), R"({"n":0})");
  EXPECT_EQ(body("n=-0"), R"({"n":0})");
  EXPECT_EQ(body("n=15e-1"), R"({"n":1.5})");
  EXPECT_EQ(body("n=1.50"), R"({"n":1.5})");
  EXPECT_EQ(body("n=1.0"), R"({"n":1.0})");
  EXPECT_EQ(body("n=2.5e2"), R"({"n":250.0})");
  EXPECT_EQ(body("n=0.1"), R"({"n":0.1})");
  EXPECT_EQ(body("n=1e20"), R"({"n":1e+20})");  // beyond 64 bits in exponent form: a double
  // 64-bit integers stay exact integers (19 digits used to become a string).
  EXPECT_EQ(body("n=1234567890123456789"), R"({"n":1234567890123456789})");
  EXPECT_EQ(body("n=-9223372036854775808"), R"({"n":-9223372036854775808})");
  EXPECT_EQ(body("n=18446744073709551615"), R"({"n":18446744073709551615})");
  EXPECT_EQ(body("n=1e19"), R"({"n":10000000000000000000})");
  // Not JSON numbers: strings, as before.
  EXPECT_EQ(body("n=1e"), R"({"n":"1e"})");
  EXPECT_EQ(body("n=.5"), R"({"n":".5"})");
  EXPECT_EQ(body("n=1."), R"({"n":"1."})");
  EXPECT_EQ(body("n=0x10"), R"({"n":"0x10"})");
  // The query string carries the same text.
  auto query =
      PlaceFields(Fields({{"a=1e3", true}, {"b=1.50", true}}), "GET", false, FakeFiles({}));
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->query, (QueryParams{{"a", "1000"}, {"b", "1.5"}}));

  // Numbers no JSON value here can hold exactly are usage errors, not silent changes.
  for (const char* arg : {"n=99999999999999999999", "n=-9223372036854775809", "n=1e400"}) {
    auto placed = PlaceFields(Fields({{arg, true}}), "POST", false, FakeFiles({}));
    ASSERT_FALSE(placed.ok()) << arg;
    EXPECT_EQ(placed.error().kind, ErrorKind::kUsage) << arg;
    EXPECT_NE(placed.error().hint.find("-f n="), std::string::npos) << placed.error().hint;
  }
}

TEST(FieldArgsTest, GetAndDeletePutFieldsInTheQueryString) {
  auto fields =
      Fields({{"locationId=L1", false}, {"limit=20", true}, {"tags=[\"a\",\"b\"]", true}});
  auto placed = PlaceFields(fields, "GET", false, FakeFiles({}));
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(placed->query,
            (QueryParams{{"locationId", "L1"}, {"limit", "20"}, {"tags", "a"}, {"tags", "b"}}));
  EXPECT_TRUE(placed->body.empty());
  auto del = PlaceFields(Fields({{"a=1", true}}), "DELETE", false, FakeFiles({}));
  EXPECT_EQ(del->query, (QueryParams{{"a", "1"}}));
}

TEST(FieldArgsTest, OtherMethodsBuildOneJsonBodyWithNestedKeys) {
  auto fields = Fields({{"locationId=L1", false},
                        {"pageLimit=100", true},
                        {"filters[0]=x", false},
                        {"customFields[][id]=cf1", false},
                        {"tags[]=vip", false},
                        {"tags[]=new", false},
                        {"address[city]=Paris", false},
                        {"address[zip]=75001", false}});
  auto placed = PlaceFields(fields, "POST", false, FakeFiles({}));
  ASSERT_TRUE(placed.ok()) << placed.error().Describe();
  EXPECT_TRUE(placed->query.empty());
  json body = json::parse(placed->body);
  EXPECT_EQ(body["locationId"], "L1");
  EXPECT_EQ(body["pageLimit"], 100);
  EXPECT_EQ(body["tags"], json({"vip", "new"}));
  EXPECT_EQ(body["address"], json({{"city", "Paris"}, {"zip", "75001"}}));
  EXPECT_EQ(body["customFields"], json::parse(R"([{"id":"cf1"}])"));
  EXPECT_EQ(body["filters"], json({{"0", "x"}}));
}

TEST(FieldArgsTest, InputBodySendsFieldsToTheQuery) {
  auto placed = PlaceFields(Fields({{"locationId=L1", false}}), "POST", true, FakeFiles({}));
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(placed->query, (QueryParams{{"locationId", "L1"}}));
  EXPECT_TRUE(placed->body.empty());
}

TEST(FieldArgsTest, ConflictingKeysAreUsageErrors) {
  auto twice = PlaceFields(Fields({{"a=1", false}, {"a=2", false}}), "POST", false, FakeFiles({}));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().kind, ErrorKind::kUsage);
  auto clash =
      PlaceFields(Fields({{"a=1", false}, {"a[b]=2", false}}), "POST", false, FakeFiles({}));
  ASSERT_FALSE(clash.ok());
  auto unclosed = PlaceFields(Fields({{"a[b=2", false}}), "POST", false, FakeFiles({}));
  ASSERT_FALSE(unclosed.ok());
}

// Found by fuzz_field_args (fuzz/regressions/field_args/): a byte that is not UTF-8 in a body
// key or value made nlohmann::json throw from dump(), which terminated `ghl api`.
TEST(FieldArgsTest, BodyKeysAndValuesThatAreNotUtf8AreUsageErrors) {
  auto value = PlaceFields(Fields({{"name=caf\xe9", false}}), "POST", false, FakeFiles({}));
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(value.error().messages.at(0), "-f name: the value is not valid UTF-8 (byte 3 of 4)");
  auto key = PlaceFields(Fields({{"n\xff[x]=1", true}}), "PUT", false, FakeFiles({}));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().messages.at(0), "-F n?[x]: the key is not valid UTF-8 (byte 1 of 5)");
  auto file = PlaceFields(Fields({{"raw=@bin", true}}), "POST", false,
                          FakeFiles({{"bin", std::string("\x89PNG\r\n", 6)}}));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().messages.at(0), "-F raw: the value is not valid UTF-8 (byte 0 of 6)");
  // UTF-8 passes; the query string takes any bytes (they are percent-encoded).
  auto utf8 = PlaceFields(Fields({{"name=caf\xc3\xa9", false}}), "POST", false, FakeFiles({}));
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(json::parse(utf8->body)["name"], "caf\xc3\xa9");
  auto query = PlaceFields(Fields({{"q=caf\xe9", false}}), "GET", false, FakeFiles({}));
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->query, (QueryParams{{"q", "caf\xe9"}}));
}

TEST(FieldArgsTest, HeadersAndMethods) {
  auto h = ParseHeaderArg("Version:  2021-04-15 ");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->first, "Version");
  EXPECT_EQ(h->second, "2021-04-15");
  EXPECT_FALSE(ParseHeaderArg("Version 2021-04-15").ok());
  EXPECT_FALSE(ParseHeaderArg(": x").ok());
  EXPECT_EQ(ParseMethod("post").value(), "POST");
  EXPECT_EQ(ParseMethod("DELETE").value(), "DELETE");
  auto bad = ParseMethod("FETCH");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kUsage);
  EXPECT_NE(bad.error().hint.find("GET, POST"), std::string::npos);
}

// `ghl api` takes exactly the methods of GHL's operations, and says so in --help and in the
// usage error alike (both print kApiMethods). HEAD matches no operation: refused, with a hint.
TEST(FieldArgsTest, AcceptedMethodsAreTheCatalogsMethods) {
  std::set<std::string> catalog_methods;
  for (const auto& e : catalog::AllEndpoints()) catalog_methods.emplace(e.method);
  std::set<std::string> accepted;
  std::string_view list = kApiMethods;
  for (size_t start = 0; start < list.size();) {
    size_t comma = list.find(", ", start);
    std::string m(list.substr(start, comma == std::string_view::npos ? comma : comma - start));
    EXPECT_TRUE(ParseMethod(m).ok()) << m;
    accepted.insert(m);
    start = comma == std::string_view::npos ? list.size() : comma + 2;
  }
  EXPECT_EQ(accepted, catalog_methods);
  for (const char* other : {"HEAD", "OPTIONS", "TRACE"}) {
    auto refused = ParseMethod(other);
    ASSERT_FALSE(refused.ok()) << other;
    EXPECT_NE(refused.error().hint.find(std::string(kApiMethods)), std::string::npos);
  }
  EXPECT_NE(ParseMethod("head").error().hint.find("use GET with -i"), std::string::npos);
}

// Issue 11 item 4: `ghl api GET '/contacts/{contactId}' -f contactId=ID`, as in `gh api`.
TEST(FieldArgsTest, PathPlaceholdersAreFilledFromFieldsOfTheSameNameAndConsumed) {
  auto fields = Fields({{"contactId=c 1", false}, {"taskId=42", true}, {"title=T", false}});
  auto params =
      TakePathFields("/contacts/{contactId}/tasks/{taskId}", fields, FakeFiles({}), false);
  ASSERT_TRUE(params.ok()) << params.error().Describe();
  using Params = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(params.value(), (Params{{"contactId", "c 1"}, {"taskId", "42"}}));
  ASSERT_EQ(fields.size(), 1u) << "the placeholder fields are not also sent";
  EXPECT_EQ(fields[0].key, "title");
}

TEST(FieldArgsTest, AMissingPlaceholderIsAUsageErrorShowingTheFieldForm) {
  auto fields = Fields({{"contactid=x", false}});
  auto params = TakePathFields("/contacts/{contactId}", fields, FakeFiles({}), false);
  ASSERT_FALSE(params.ok());
  EXPECT_EQ(params.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(params.error().messages.at(0), "path placeholder {contactId} has no value");
  EXPECT_NE(params.error().hint.find("-f contactId=VALUE"), std::string::npos);

  auto none = Fields({});
  EXPECT_TRUE(TakePathFields("/locations/{locationId}", none, FakeFiles({}), true).ok())
      << "{locationId} is left to the location id when one is set";
  auto missing = TakePathFields("/locations/{locationId}", none, FakeFiles({}), false);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().hint.find("GHL_LOCATION_ID"), std::string::npos);

  auto object = Fields({{R"(contactId={"a":1})", true}});
  EXPECT_FALSE(TakePathFields("/contacts/{contactId}", object, FakeFiles({}), false).ok());
}

// Break-it finding 14: `-F file=@/some/dir` ended in a raw filebuf exception, exit 1.
TEST(FieldArgsTest, ReadingADirectoryOrAMissingFileIsAUsageErrorNamingThePath) {
  auto dir = ReadUserFile("/tmp");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(dir.error().messages.at(0), "cannot read '/tmp': it is a directory, not a file");
  auto missing = ReadUserFile("/nonexistent/ghl/x.png");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().messages.at(0), "cannot read '/nonexistent/ghl/x.png': no such file");
}

}  // namespace
}  // namespace ghl::client
