import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { AuthenticationError } from "../errors.ts";
import {
  type ChannelBindingMode,
  createScramClient,
  type SaslSelectionInput,
  selectSaslMechanism,
} from "./sasl.ts";
import { ScramServer, scramVerifier } from "./scram.ts";

const BOTH = ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"];
const PLAIN = ["SCRAM-SHA-256"];

function select(
  serverMechanisms: string[],
  channelBinding: ChannelBindingMode,
  tlsInUse: boolean,
  peerCertificateAvailable: boolean,
): string {
  const input: SaslSelectionInput = {
    serverMechanisms,
    channelBinding,
    tlsInUse,
    peerCertificateAvailable,
  };
  try {
    const { mechanism, flag } = selectSaslMechanism(input);
    return `${mechanism} ${flag}`;
  } catch (error) {
    assert.ok(error instanceof AuthenticationError);
    return error.message;
  }
}

const NOT_OFFERED =
  "channel binding is required, but server did not offer an authentication method that supports channel binding";
const CLIENT_CANNOT = "channel binding is required, but client does not support it";
const NONE = "none of the server's SASL authentication mechanisms are supported";
const STRIPPED = "server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection";

test("PLUS is chosen when offered over TLS with a certificate, unless disabled", () => {
  assert.equal(select(BOTH, "prefer", true, true), "SCRAM-SHA-256-PLUS p");
  assert.equal(select(BOTH, "require", true, true), "SCRAM-SHA-256-PLUS p");
  assert.equal(
    select(["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"], "prefer", true, true),
    "SCRAM-SHA-256-PLUS p",
  );
  assert.equal(select(["SCRAM-SHA-256-PLUS"], "prefer", true, true), "SCRAM-SHA-256-PLUS p");
  assert.equal(select(BOTH, "disable", true, true), "SCRAM-SHA-256 n");
});

test("flag y when the client could bind but the server did not offer PLUS", () => {
  assert.equal(select(PLAIN, "prefer", true, true), "SCRAM-SHA-256 y");
  assert.equal(select(PLAIN, "disable", true, true), "SCRAM-SHA-256 n");
  assert.equal(select(PLAIN, "prefer", true, false), "SCRAM-SHA-256 n");
  assert.equal(select(PLAIN, "prefer", false, true), "SCRAM-SHA-256 n");
  assert.equal(select(PLAIN, "prefer", false, false), "SCRAM-SHA-256 n");
});

test("without the certificate the client behaves like libpq without channel binding", () => {
  assert.equal(select(BOTH, "prefer", true, false), "SCRAM-SHA-256 n");
  assert.equal(select(BOTH, "disable", true, false), "SCRAM-SHA-256 n");
  assert.equal(select(BOTH, "require", true, false), CLIENT_CANNOT);
  assert.equal(select(["SCRAM-SHA-256-PLUS"], "prefer", true, false), NONE);
});

test("channel_binding=require refuses a server that does not offer PLUS", () => {
  assert.equal(select(PLAIN, "require", true, true), NOT_OFFERED);
  assert.equal(select(PLAIN, "require", false, false), NOT_OFFERED);
  assert.equal(select(PLAIN, "require", true, false), NOT_OFFERED);
});

test("PLUS offered without TLS means TLS was stripped on the way", () => {
  for (const mode of ["disable", "prefer", "require"] as const) {
    assert.equal(select(BOTH, mode, false, false), STRIPPED);
  }
});

test("unknown mechanisms are skipped and an empty or foreign list is refused", () => {
  assert.equal(select([], "prefer", false, false), NONE);
  assert.equal(select(["OAUTHBEARER", "SCRAM-SHA-1"], "prefer", true, true), NONE);
  assert.equal(select(["OAUTHBEARER", "SCRAM-SHA-256"], "prefer", false, false), "SCRAM-SHA-256 n");
  assert.equal(select(["scram-sha-256"], "prefer", false, false), NONE); // names are exact
});

test("createScramClient binds to the certificate and completes against the server", async () => {
  // A minimal DER Certificate with sha256WithRSAEncryption; only its algorithm matters here.
  const algorithm = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00];
  const body = [0x30, 0x00, 0x30, algorithm.length, ...algorithm, 0x03, 0x01, 0x00];
  const certificate = new Uint8Array([0x30, body.length, ...body]);
  const bindingData = new Uint8Array(await crypto.subtle.digest("SHA-256", certificate));

  const client = await createScramClient({
    serverMechanisms: BOTH,
    channelBinding: "require",
    tlsInUse: true,
    password: "pw",
    peerCertificate: certificate,
    maxIterations: 4096,
  });
  assert.equal(client.mechanism, "SCRAM-SHA-256-PLUS");
  const server = new ScramServer(await scramVerifier("pw"), { channelBindingData: bindingData });
  const serverFirst = server.serverFirstMessage(client.clientFirstMessage(), client.mechanism);
  const clientFinal = await client.clientFinalMessage(serverFirst);
  await client.verifyServerFinal(await server.serverFinalMessage(clientFinal));

  const plain = await createScramClient({
    serverMechanisms: PLAIN,
    channelBinding: "prefer",
    tlsInUse: true,
    password: "pw",
    peerCertificate: certificate,
  });
  assert.match(new TextDecoder().decode(plain.clientFirstMessage()), /^y,,n=,r=/);
});

test("createScramClient fails, as libpq does, for a certificate without a binding", async () => {
  const ed25519 = [0x06, 0x03, 0x2b, 0x65, 0x70];
  const body = [0x30, 0x00, 0x30, ed25519.length, ...ed25519, 0x03, 0x01, 0x00];
  await assert.rejects(
    createScramClient({
      serverMechanisms: BOTH,
      channelBinding: "prefer",
      tlsInUse: true,
      password: "pw",
      peerCertificate: new Uint8Array([0x30, body.length, ...body]),
    }),
    { name: "AuthenticationError", message: /not supported for this certificate/ },
  );
});
