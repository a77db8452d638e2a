// Reference for the sandbox benchmark: the same Beast server with a handler that does no work
// (a fixed JSON body the size of a contact). Prints the port, serves until SIGTERM.
#include <cstdio>
#include <string>

#include "ghl/server/http_server.h"

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::stoi(argv[1]) : 1;
  std::string body = R"({"contact":{"id":"ref","firstName":"Ada","lastName":"Lovelace",)"
                     R"("email":"ada@example.com","phone":"+15550100","tags":["a","b"]}})";
  ghl::server::HttpServer server({.port = 0, .threads = threads},
                                 [&](const ghl::http::Request&) {
                                   return ghl::server::JsonResponse(200, body);
                                 });
  std::printf("PORT=%u\n", server.Start());
  std::fflush(stdout);
  server.Wait(true);
}
