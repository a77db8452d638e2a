#include "ghl/webhooks/signature_verifier.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ghl/webhooks/signer.h"

namespace ghl::webhooks {
namespace {

using std::chrono::system_clock;

std::string ReadKeyFile(const std::string& name) {
  const char* dir = std::getenv("GHL_SOURCE_DIR");
  std::string path = std::string(dir ? dir : GHL_TEST_SOURCE_DIR) + "/tests/data/webhook_keys/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// A moment before GHL's RSA cutoff, so the legacy header is still accepted.
const system_clock::time_point kBeforeCutoff = DefaultRsaCutoffUtc() - std::chrono::hours(24);

SignatureVerifier TestVerifier(std::optional<system_clock::time_point> cutoff =
                                   DefaultRsaCutoffUtc()) {
  VerifierOptions options;
  options.ed25519_public_key = ReadKeyFile("test_ed25519_public.pem");
  options.rsa_public_key = ReadKeyFile("test_rsa_public.pem");
  options.rsa_cutoff_utc = cutoff;
  auto v = SignatureVerifier::Create(options);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().Describe());
  return std::move(v).value();
}

TEST(SignatureVerifierTest, GhlDefaultKeysParse) {
  auto v = SignatureVerifier::Create();
  ASSERT_TRUE(v.ok()) << v.error().Describe();
  EXPECT_TRUE(v->has_ed25519_key());
  EXPECT_TRUE(v->has_rsa_key());
  using namespace std::chrono;
  EXPECT_EQ(DefaultRsaCutoffUtc(), sys_days{year{2026} / July / 1});
}

TEST(SignatureVerifierTest, GoldenSignaturesFromOpenSslCliVerifyOverRawBytes) {
  std::string body = ReadKeyFile("test_body.json");
  // The fixture keeps the escapes and spacing a re-serialiser would change.
  ASSERT_NE(body.find("\\u00e9"), std::string::npos);
  ASSERT_NE(body.find("1.50"), std::string::npos);
  ASSERT_NE(body.find('\t'), std::string::npos);
  std::string ed_sig = Trim(ReadKeyFile("test_body.json.ed25519.sig"));
  std::string rsa_sig = Trim(ReadKeyFile("test_body.json.rsa.sig"));
  auto v = TestVerifier();

  auto ed = v.Verify(body, ed_sig, std::nullopt, kBeforeCutoff);
  EXPECT_TRUE(ed.accepted) << ed.reason;
  EXPECT_EQ(ed.outcome, VerifyOutcome::kAcceptedEd25519);

  auto rsa = v.Verify(body, std::nullopt, rsa_sig, kBeforeCutoff);
  EXPECT_TRUE(rsa.accepted) << rsa.reason;
  EXPECT_EQ(rsa.outcome, VerifyOutcome::kAcceptedRsa);

  // Re-serialising the JSON (what the official guide's sample does) changes the bytes, and the
  // genuine signatures then fail: this is why only raw bytes may be verified.
  std::string reserialised = nlohmann::json::parse(body).dump();
  ASSERT_NE(reserialised, body);
  EXPECT_EQ(v.Verify(reserialised, ed_sig, std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadSignature);
  EXPECT_EQ(v.Verify(reserialised, std::nullopt, rsa_sig, kBeforeCutoff).outcome,
            VerifyOutcome::kBadSignature);
}

TEST(SignatureVerifierTest, HeadersAreFoundCaseInsensitively) {
  std::string body = ReadKeyFile("test_body.json");
  http::Headers headers;
  headers.Add("x-ghl-signature", Trim(ReadKeyFile("test_body.json.ed25519.sig")));
  auto r = TestVerifier().Verify(body, headers, kBeforeCutoff);
  EXPECT_TRUE(r.accepted) << r.reason;
}

TEST(SignatureVerifierTest, MissingOrEmptyHeaderIsRefused) {
  auto v = TestVerifier();
  http::Headers none;
  auto r = v.Verify("{}", none, kBeforeCutoff);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.outcome, VerifyOutcome::kNoSignature);
  EXPECT_FALSE(r.reason.empty());
  http::Headers empty;
  empty.Add("X-GHL-Signature", "");
  EXPECT_EQ(v.Verify("{}", empty, kBeforeCutoff).outcome, VerifyOutcome::kNoSignature);
}

TEST(SignatureVerifierTest, WrongKeyTamperedBodyAndBadBase64AreRefused) {
  auto v = TestVerifier();
  std::string body = R"({"type":"ContactCreate","id":"x"})";
  auto other = WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(other.ok());
  // Signed by a key the verifier does not trust.
  EXPECT_EQ(v.Verify(body, other->Sign(body), std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadSignature);

  auto test_key = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_ed25519_private.pem"));
  ASSERT_TRUE(test_key.ok()) << test_key.error().Describe();
  std::string sig = test_key->Sign(body);
  EXPECT_TRUE(v.Verify(body, sig, std::nullopt, kBeforeCutoff).accepted);
  std::string tampered = body;
  tampered[tampered.size() - 3] = 'y';
  EXPECT_EQ(v.Verify(tampered, sig, std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadSignature);
  EXPECT_EQ(v.Verify(body + " ", sig, std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadSignature);

  EXPECT_EQ(v.Verify(body, "not base64!!", std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadEncoding);
  EXPECT_EQ(v.Verify(body, sig.substr(0, sig.size() - 1), std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadEncoding);
  // Valid base64 of the wrong length for Ed25519.
  EXPECT_EQ(v.Verify(body, "AAAA", std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadEncoding);
  EXPECT_EQ(v.Verify(body, std::nullopt, "%%%%", kBeforeCutoff).outcome,
            VerifyOutcome::kBadEncoding);
}

TEST(SignatureVerifierTest, WhenBothHeadersArePresentEd25519Decides) {
  auto v = TestVerifier(std::nullopt);
  auto ed = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_ed25519_private.pem"));
  auto rsa = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_rsa_private.pem"));
  ASSERT_TRUE(ed.ok() && rsa.ok());
  EXPECT_EQ(rsa->algorithm(), SignatureAlgorithm::kRsaSha256);
  EXPECT_EQ(rsa->HeaderName(), kRsaSignatureHeader);
  std::string body = R"({"type":"OpportunityCreate","id":"o1"})";
  std::string good_rsa = rsa->Sign(body);
  ASSERT_TRUE(v.Verify(body, std::nullopt, good_rsa, kBeforeCutoff).accepted);

  // A valid RSA signature does not rescue an invalid Ed25519 one.
  auto forged_ed = WebhookSigner::GenerateEd25519()->Sign(body);
  auto r = v.Verify(body, forged_ed, good_rsa, kBeforeCutoff);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.outcome, VerifyOutcome::kBadSignature);

  // A valid Ed25519 signature wins over a broken RSA header.
  auto ok = v.Verify(body, ed->Sign(body), "garbage", kBeforeCutoff);
  EXPECT_TRUE(ok.accepted);
  EXPECT_EQ(ok.outcome, VerifyOutcome::kAcceptedEd25519);
}

TEST(SignatureVerifierTest, RsaAloneIsRefusedAfterTheCutoff) {
  auto cutoff = system_clock::time_point(std::chrono::sys_days{std::chrono::year{2026} /
                                                               std::chrono::July / 1});
  auto v = TestVerifier(cutoff);
  auto rsa = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_rsa_private.pem"));
  ASSERT_TRUE(rsa.ok());
  std::string body = R"({"type":"ContactDelete","id":"c9"})";
  std::string sig = rsa->Sign(body);
  EXPECT_TRUE(v.Verify(body, std::nullopt, sig, cutoff - std::chrono::seconds(1)).accepted);
  auto after = v.Verify(body, std::nullopt, sig, cutoff + std::chrono::seconds(1));
  EXPECT_FALSE(after.accepted);
  EXPECT_EQ(after.outcome, VerifyOutcome::kRsaAfterCutoff);
  // Ed25519 is unaffected by the cutoff.
  auto ed = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_ed25519_private.pem"));
  EXPECT_TRUE(v.Verify(body, ed->Sign(body), sig, cutoff + std::chrono::hours(1)).accepted);
}

TEST(SignatureVerifierTest, UnconfiguredOrMistypedKeys) {
  VerifierOptions no_ed;
  no_ed.ed25519_public_key.clear();
  auto v = SignatureVerifier::Create(no_ed);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_ed25519_key());
  EXPECT_EQ(v->Verify("{}", "AAAA", std::nullopt, kBeforeCutoff).outcome, VerifyOutcome::kNoKey);

  VerifierOptions swapped;
  swapped.ed25519_public_key = ReadKeyFile("test_rsa_public.pem");
  auto bad = SignatureVerifier::Create(swapped);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kUsage);
  EXPECT_NE(bad.error().Summary().find("Ed25519"), std::string::npos);

  VerifierOptions garbage;
  garbage.rsa_public_key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  EXPECT_FALSE(SignatureVerifier::Create(garbage).ok());
}

TEST(SignatureVerifierTest, GhlsRealKeyRefusesSandboxSignatures) {
  auto v = SignatureVerifier::Create();
  ASSERT_TRUE(v.ok());
  auto sandbox = WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(sandbox.ok());
  std::string body = R"({"type":"ContactCreate"})";
  EXPECT_EQ(v->Verify(body, sandbox->Sign(body), std::nullopt, kBeforeCutoff).outcome,
            VerifyOutcome::kBadSignature);
}

TEST(WebhookSignerTest, GeneratedKeyRoundTripsThroughPemAndBase64) {
  auto signer = WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(signer->HeaderName(), kEd25519SignatureHeader);
  // The public key in GHL's published form (base64 SPKI, 44 chars for Ed25519).
  std::string pub = signer->PublicKeyBase64();
  EXPECT_EQ(pub.size(), kGhlEd25519PublicKey.size());
  EXPECT_EQ(pub.substr(0, 16), std::string(kGhlEd25519PublicKey.substr(0, 16)));
  VerifierOptions o;
  o.ed25519_public_key = pub;
  auto v = SignatureVerifier::Create(o);
  ASSERT_TRUE(v.ok());
  std::string body = "{\"type\":\"InboundMessage\",\"body\":\"caf\\u00e9\"}";
  EXPECT_TRUE(v->Verify(body, signer->Sign(body), std::nullopt, kBeforeCutoff).accepted);

  auto reloaded = WebhookSigner::FromPrivateKeyPem(signer->PrivateKeyPem());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->PublicKeyBase64(), pub);
  EXPECT_EQ(reloaded->Sign(body), signer->Sign(body));  // Ed25519 is deterministic.
  o.ed25519_public_key = signer->PublicKeyPem();
  EXPECT_TRUE(SignatureVerifier::Create(o)->Verify(body, reloaded->Sign(body), std::nullopt,
                                                   kBeforeCutoff).accepted);
}

TEST(WebhookSignerTest, TestKeyReproducesTheOpenSslCliSignature) {
  auto signer = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_ed25519_private.pem"));
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(signer->Sign(ReadKeyFile("test_body.json")),
            Trim(ReadKeyFile("test_body.json.ed25519.sig")));
  EXPECT_FALSE(WebhookSigner::FromPrivateKeyPem("not a key").ok());
}

TEST(WebhookSignerTest, GeneratedRsaKeyVerifiesAsLegacyHeader) {
  auto signer = WebhookSigner::GenerateRsa(2048);
  ASSERT_TRUE(signer.ok());
  VerifierOptions o;
  o.rsa_public_key = signer->PublicKeyPem();
  o.rsa_cutoff_utc.reset();
  auto v = SignatureVerifier::Create(o);
  ASSERT_TRUE(v.ok());
  std::string body = R"({"type":"NoteCreate"})";
  http::Headers h;
  h.Add(std::string(signer->HeaderName()), signer->Sign(body));
  EXPECT_TRUE(v->Verify(body, h, system_clock::now()).accepted);
}

}  // namespace
}  // namespace ghl::webhooks
