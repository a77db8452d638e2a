// `ghl serve --carrier …`: the provider bridge, its queue and journal, the carrier adapter and
// (for `sim`) the in-process carrier simulator. See carrier_wiring.h.
#include "carrier_wiring.h"

#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "ghl/carriers/telnyx.h"
#include "ghl/carriers/vonage.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"

namespace ghl::cli {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// "ghl-events.db" → "ghl-events-carrier.db"; a PostgreSQL URL → "ghl-carrier.db" (the queue is
// SQLite beside the process then: the journal is SQLite anyway).
std::string DefaultQueuePath(const std::string& events_location) {
  if (IsPostgresLocation(events_location)) return "ghl-carrier.db";
  std::string base =
      events_location.rfind("sqlite:", 0) == 0 ? events_location.substr(7) : events_location;
  if (base.size() > 3 && base.compare(base.size() - 3, 3, ".db") == 0) {
    base.resize(base.size() - 3);
  }
  return base + "-carrier.db";
}

}  // namespace

void AddCarrierOptions(CLI::App* cmd, CarrierArgs* args) {
  cmd->add_option("--carrier", args->carrier,
                  "Be GHL's custom SMS conversation provider through this carrier: telnyx "
                  "($TELNYX_API_KEY, $TELNYX_PUBLIC_KEY), vonage ($VONAGE_API_KEY, "
                  "$VONAGE_API_SECRET[, $VONAGE_SIGNATURE_SECRET]) or sim (a local carrier in "
                  "this process). Delivery URL: POST /providers/ghl/outbound")
      ->check(CLI::IsMember({"telnyx", "vonage", "sim"}));
  cmd->add_option("--carrier-from", args->from,
                  "Sender number of outbound SMS, E.164 (sim: +15125550000)");
  cmd->add_option("--carrier-api-base", args->api_base,
                  "Carrier API base URL (default https://api.telnyx.com / https://rest.nexmo.com)");
  cmd->add_option("--carrier-public-key", args->public_key,
                  "Telnyx webhook public key, base64 (default $TELNYX_PUBLIC_KEY)");
  cmd->add_option(
      "--carrier-db", args->db,
      "SQLite file of the provider bridge's queue (its journal beside it: X-journal.db); "
      "default "
      "beside the events store, e.g. ghl-events-carrier.db");
  cmd->add_flag("--demo-sms", args->demo_sms,
                "With --sandbox --carrier sim: send one SMS at start and show it going out "
                "through the simulated carrier and its reply coming back");
  cmd->add_flag("--provider-insecure-accept-unsigned", args->insecure_accept_unsigned,
                "LOCAL EXPERIMENTS ONLY: accept Delivery URL posts without a valid "
                "X-GHL-Signature");
}

void CarrierRuntime::Stop() {
  if (demo.joinable()) demo.join();
  if (bridge) bridge->Stop();
  if (sim) sim->Stop();
}

std::unique_ptr<CarrierRuntime> PrepareCarrier(
    const CarrierArgs& args, const std::string& events_location, const std::string& upstream,
    const std::string& location, sandbox::RunningSandbox* embedded,
    const std::vector<std::string>& trusted_keys, int* exit_code) {
  if (args.carrier.empty()) {
    if (args.demo_sms) {
      std::fprintf(stderr, "ghl serve: --demo-sms needs --sandbox --carrier sim\n");
      *exit_code = kExitUsage;
    }
    return nullptr;
  }
  auto fail = [exit_code](const std::string& what, const Error& e) {
    std::fprintf(stderr, "ghl serve: --carrier: %s%s\n", what.c_str(), e.Describe().c_str());
    *exit_code = e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
    return nullptr;
  };
  if (args.demo_sms && (args.carrier != "sim" || !embedded)) {
    return fail("", UsageError("--demo-sms needs --sandbox --carrier sim"));
  }
  auto rt = std::make_unique<CarrierRuntime>();
  client::ClientOptions co;
  if (embedded) {
    co.base_url = embedded->base_url();
    co.token = embedded->token();
    co.default_location_id = embedded->location_id();
  } else {
    co.base_url = upstream;
    co.token = Env("GHL_TOKEN");
    co.default_location_id = location;
    if (co.token.empty()) {
      return fail("", UsageError("the provider bridge calls GHL: set GHL_TOKEN (the provider "
                                 "app's token), or use --sandbox"));
    }
  }
  rt->client = std::make_shared<client::Client>(co);

  std::string queue_path = args.db.empty() ? DefaultQueuePath(events_location) : args.db;
  store::StoreOptions so;
  so.retry = carriers::DefaultBridgeRetryPolicy();
  auto opened = store::OpenSqliteStore({.path = queue_path}, so);
  if (!opened.ok()) return fail("queue " + queue_path + ": ", opened.error());
  rt->store = std::shared_ptr<store::EventStore>(std::move(opened.value()));
  rt->queue_description = queue_path;
  // Not "<queue>-journal": that is SQLite's own name for a rollback journal of the queue.
  std::string journal_path =
      queue_path.size() > 3 && queue_path.compare(queue_path.size() - 3, 3, ".db") == 0
          ? queue_path.substr(0, queue_path.size() - 3) + "-journal.db"
          : queue_path + ".journal.db";
  auto journal = carriers::Journal::Open(journal_path);
  if (!journal.ok()) return fail("", journal.error());
  rt->journal = std::shared_ptr<carriers::Journal>(std::move(journal.value()));

  std::unique_ptr<carriers::Carrier> carrier;
  rt->from = args.from;
  if (args.carrier == "sim") {
    carriers::SimulatorOptions sim_options;
    if (args.demo_sms) sim_options.auto_reply = "YES, see you then";
    auto sim = carriers::CarrierSimulator::Start(sim_options);
    if (!sim.ok()) return fail("simulator: ", sim.error());
    rt->sim = std::move(sim.value());
    if (rt->from.empty()) rt->from = sim_options.our_number;
    carriers::TelnyxOptions t;
    t.api_base = rt->sim->base_url();
    t.api_key = "sim";
    t.public_key = rt->sim->public_key();
    auto made = carriers::MakeTelnyx(t);
    if (!made.ok()) return fail("", made.error());
    carrier = std::move(made.value());
  } else if (args.carrier == "telnyx") {
    carriers::TelnyxOptions t;
    if (!args.api_base.empty()) t.api_base = args.api_base;
    t.api_key = Env("TELNYX_API_KEY");
    t.public_key = args.public_key.empty() ? Env("TELNYX_PUBLIC_KEY") : args.public_key;
    auto made = carriers::MakeTelnyx(t);
    if (!made.ok()) return fail("", made.error());
    carrier = std::move(made.value());
  } else {
    carriers::VonageOptions v;
    if (!args.api_base.empty()) v.api_base = args.api_base;
    v.api_key = Env("VONAGE_API_KEY");
    v.api_secret = Env("VONAGE_API_SECRET");
    v.signature_secret = Env("VONAGE_SIGNATURE_SECRET");
    auto made = carriers::MakeVonage(v);
    if (!made.ok()) return fail("", made.error());
    carrier = std::move(made.value());
  }
  if (rt->from.empty()) {
    return fail("", UsageError("--carrier-from is needed: the number SMS are sent from"));
  }

  carriers::BridgeOptions bo;
  bo.carrier = std::move(carrier);
  bo.from_number = rt->from;
  bo.client = rt->client;
  bo.location_id = co.default_location_id;
  bo.store = rt->store;
  bo.journal = rt->journal;
  bo.ghl_public_keys = trusted_keys;
  bo.insecure_accept_unsigned = args.insecure_accept_unsigned;
  auto bridge = carriers::ProviderBridge::Create(std::move(bo));
  if (!bridge.ok()) return fail("", bridge.error());
  rt->bridge = std::move(bridge.value());
  return rt;
}

bool StartCarrier(CarrierRuntime& rt, const CarrierArgs& args, const std::string& base_url,
                  sandbox::RunningSandbox* embedded) {
  std::string delivery = base_url + std::string(carriers::kDeliveryPath);
  std::string hooks = base_url + std::string(carriers::kCarrierWebhookPrefix) +
                      (args.carrier == "sim" ? "telnyx" : args.carrier);
  if (rt.sim) rt.sim->SetWebhookUrl(hooks);
  if (auto st = rt.bridge->Start(); !st.ok()) {
    std::fprintf(stderr, "ghl serve: --carrier: %s\n", st.error().Describe().c_str());
    return false;
  }
  std::printf("Carrier:    %s; GHL Delivery URL POST %s; carrier webhooks %s%s; queue %s\n",
              args.carrier == "sim" ? ("simulated (Telnyx-shaped) at " + rt.sim->base_url()).c_str()
                                    : args.carrier.c_str(),
              delivery.c_str(), hooks.c_str(), args.carrier == "vonage" ? "/{inbound,status}" : "",
              rt.queue_description.c_str());
  if (embedded) {
    sandbox::ConversationProvider p;
    p.id = "sbxProviderSmsDemo01";
    p.name = "ghlkit carrier bridge";
    p.delivery_url = delivery;
    auto reg = embedded->sandbox().RegisterConversationProvider(p);
    if (reg.ok()) {
      std::printf("            the embedded sandbox's SMS now goes through it (provider %s)\n",
                  reg->id.c_str());
    } else {
      std::fprintf(stderr, "ghl serve: cannot register the provider: %s\n",
                   reg.error().Summary().c_str());
    }
  }
  if (rt.sim) {
    std::printf(
        "            a handset reply: curl -d '{\"from\":\"+15125550123\",\"text\":\"hi\"}' "
        "%s/sim/inbound\n",
        rt.sim->base_url().c_str());
  }
  std::fflush(stdout);
  if (args.demo_sms && embedded) {
    rt.demo = std::thread([&rt] {
      ops::Context ctx{*rt.client, "", {}};
      auto contact = ops::EnsureContactByPhone(ctx, "+15125550123");
      if (!contact.ok()) {
        std::fprintf(stderr, "ghl serve: demo SMS: %s\n", contact.error().Summary().c_str());
        return;
      }
      ops::MessageWrite w;
      w.contact_id = contact->value("id", "");
      w.message = "Your appointment is tomorrow at 10:00. Reply YES to confirm.";
      auto sent = ops::SendMessage(ctx, w);
      if (!sent.ok()) {
        std::fprintf(stderr, "ghl serve: demo SMS: %s\n", sent.error().Summary().c_str());
        return;
      }
      std::printf(
          "Demo SMS:   GHL message %s to +15125550123 is %s: handed to the Delivery URL → "
          "carrier; its status reaches GHL once the 403 window passes, the reply is logged "
          "in conversation %s (ghl api GET /conversations/%s/messages)\n",
          sent->value("messageId", "").c_str(), sent->value("status", "").c_str(),
          sent->value("conversationId", "").c_str(), sent->value("conversationId", "").c_str());
      std::fflush(stdout);
    });
  }
  return true;
}

}  // namespace ghl::cli
