// libFuzzer target: `ghl api` argument parsing (client/field_args.h): the method, -f/-F fields
// (typed values, numbers, inline JSON, @file, nested keys) and -H headers, as `ghl api` runs them.
//
// Input framing (doc/fuzzing.md), one argument per line:
//   METHOD\n             first line, e.g. "post"
//   -f key=value\n       a string field      (the text after "-f " is the argument)
//   -F key=value\n       a typed field
//   -H Name: value\n     a header
//   --input\n            fields go to the query string (a body comes from --input)
//   --file\n             everything after this line is the content of every @file; the file
//                        "missing" cannot be read
// Other lines are ignored.
//
// Properties checked besides "no crash, leak or UB": a placed body is one JSON object that
// reads back; a GET/DELETE or --input call has no body; a header name has no space or control
// character and its value no leading or trailing blank.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "ghl/client/field_args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ghl;
  std::string_view text = fuzz::AsText(data, size);
  auto method = client::ParseMethod(fuzz::NextLine(text));

  std::vector<client::FieldArg> fields;
  bool body_from_input = false;
  std::string file_content;
  while (!text.empty()) {
    std::string_view line = fuzz::NextLine(text);
    if (line == "--file") {
      file_content = std::string(text);
      break;
    }
    if (line == "--input") {
      body_from_input = true;
    } else if (line.substr(0, 3) == "-f " || line.substr(0, 3) == "-F ") {
      auto field = client::ParseFieldArg(line.substr(3), line[1] == 'F');
      if (field.ok()) {
        fuzz::Check(!field->key.empty(), "a parsed field has a key");
        fields.push_back(std::move(field.value()));
      }
    } else if (line.substr(0, 3) == "-H ") {
      auto header = client::ParseHeaderArg(line.substr(3));
      if (header.ok()) {
        const auto& [name, value] = header.value();
        fuzz::Check(!name.empty() && name.find_first_of(" \t\r\n") == std::string::npos,
                    "a header name has no blank or line break");
        fuzz::Check(value.empty() || (value.front() != ' ' && value.back() != ' '),
                    "a header value is trimmed");
      }
    }
  }
  if (!method.ok()) return 0;
  client::FileReader reader = [&](const std::string& path) -> Result<std::string> {
    if (path == "missing") return UsageError("cannot read file 'missing'");
    return file_content;
  };
  auto placed = client::PlaceFields(fields, method.value(), body_from_input, reader);
  if (!placed.ok()) {
    fuzz::Check(!placed.error().messages.empty(), "an error says what is wrong");
    return 0;
  }
  const std::string& m = method.value();
  if (body_from_input || m == "GET" || m == "DELETE") {
    fuzz::Check(placed->body.empty(), "query-only calls have no body");
  }
  if (!placed->body.empty()) {
    auto body = nlohmann::json::parse(placed->body, nullptr, false);
    fuzz::Check(body.is_object(), "a placed body is one JSON object");
  }
  return 0;
}
