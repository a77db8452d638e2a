// What `ghl serve --carrier telnyx|vonage|sim` adds (carrier_wiring.cc): the provider bridge
// (GHL's Delivery URL and the carrier's webhooks on this server, the workers that send and
// report), and with `sim` a local carrier simulator in this process. cmd_serve.cc calls:
//   AddCarrierOptions(cmd, &args.carrier);                 // the flags
//   auto carrier = PrepareCarrier(args.carrier, events_location, upstream, embedded, &exit);
//   handler: if (carrier && carrier->bridge->Matches(req)) return carrier->bridge->HandleAsync(…)
//   ... server started, port known ...
//   StartCarrier(*carrier, base_url, embedded);            // workers, sim/sandbox pointed here
//   ... Wait ...; carrier->Stop();                          // before the sandbox stops
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ghl/carriers/bridge.h"
#include "ghl/carriers/simulator.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::cli {

/// The `--carrier*` flags of `ghl serve`.
struct CarrierArgs {
  std::string carrier;     ///< "", "telnyx", "vonage" or "sim".
  std::string api_base;    ///< --carrier-api-base (default: the carrier's).
  std::string from;        ///< --carrier-from: sender number (E.164).
  std::string public_key;  ///< --carrier-public-key (Telnyx; default $TELNYX_PUBLIC_KEY).
  std::string db;          ///< --carrier-db: the bridge's queue (journal beside it).
  bool demo_sms = false;   ///< --demo-sms: send one SMS at start and show its round trip.
  bool insecure_accept_unsigned = false;  ///< --provider-insecure-accept-unsigned.
};

/// Registers the flags on `serve`.
void AddCarrierOptions(CLI::App* cmd, CarrierArgs* args);

/// A prepared (then running) bridge, and its simulator for `sim`.
struct CarrierRuntime {
  std::unique_ptr<carriers::CarrierSimulator> sim;
  std::unique_ptr<carriers::ProviderBridge> bridge;
  std::shared_ptr<store::EventStore> store;
  std::shared_ptr<carriers::Journal> journal;
  std::shared_ptr<client::Client> client;
  std::string queue_description;
  std::string from;
  std::thread demo;
  /// Stops the demo, the workers and the simulator. Idempotent.
  void Stop();
  ~CarrierRuntime() { Stop(); }
};

/// Opens the bridge's queue and journal (beside `events_location` unless --carrier-db),
/// builds the carrier (starting the simulator for `sim`) and the bridge. The client is the
/// embedded sandbox's when `embedded`, else `upstream` with $GHL_TOKEN and `location`.
/// `trusted_keys` sign the Delivery URL's hand-offs (the receiver's keys: GHL's, the
/// embedded sandbox's, --webhook-public-key). On error prints it, sets `*exit_code` and returns
/// null. Null too (no error) without
/// --carrier.
std::unique_ptr<CarrierRuntime> PrepareCarrier(
    const CarrierArgs& args, const std::string& events_location, const std::string& upstream,
    const std::string& location, sandbox::RunningSandbox* embedded,
    const std::vector<std::string>& trusted_keys, int* exit_code);

/// Once the server listens on `base_url`: points the simulator's webhooks and (embedded) the
/// sandbox's SMS provider at it, starts the workers, prints what it set up, and with
/// --demo-sms sends one SMS. False (printed) when the workers cannot start.
bool StartCarrier(CarrierRuntime& runtime, const CarrierArgs& args, const std::string& base_url,
                  sandbox::RunningSandbox* embedded);

}  // namespace ghl::cli
