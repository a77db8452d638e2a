# Turns a web page into a C++ source file at build time (no build step for the page itself):
#   cmake -DINPUT=web/playground.html -DOUTPUT=.../playground_page.cc -DFUNCTION=PlaygroundHtml
#         -P embed_html.cmake
# The page becomes a raw string literal, split into chunks below 64 KiB (ISO C++ minimum
# literal length, so -Wpedantic stays quiet) that are joined once at first use. Fails if the
# page contains the raw-string delimiter.
cmake_minimum_required(VERSION 3.25)
foreach(var INPUT OUTPUT FUNCTION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_html.cmake: -D${var}=... is required")
  endif()
endforeach()
set(delim "GHLPAGE")
file(READ "${INPUT}" content)
string(FIND "${content}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the delimiter )${delim}\" — change it in embed_html.cmake")
endif()
string(LENGTH "${content}" total)
set(chunk 30000)
set(parts "")
set(pos 0)
while(pos LESS total)
  string(SUBSTRING "${content}" ${pos} ${chunk} piece)
  string(APPEND parts "    R\"${delim}(${piece})${delim}\",\n")
  math(EXPR pos "${pos} + ${chunk}")
endwhile()
if(parts STREQUAL "")
  set(parts "    \"\",\n")
endif()
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
"// Generated from web/${name} by src/playground/embed_html.cmake at build time. Do not edit.
#include <string>
#include <string_view>

namespace ghl::playground::generated {

std::string_view ${FUNCTION}() {
  static constexpr const char* kParts[] = {
${parts}  };
  static const std::string kPage = [] {
    std::string page;
    for (const char* part : kParts) page += part;
    return page;
  }();
  return kPage;
}

}  // namespace ghl::playground::generated
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
