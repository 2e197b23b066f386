/**
 * The demo: what pgline's codec sees of a connection's start.
 *
 * It feeds both sides of a sample exchange (the shape the seed notes show: startup, SCRAM
 * authentication, parameter statuses, a query and its rows) through the streaming readers in
 * small chunks split at arbitrary bytes, and prints the wire trace.
 *
 * Run: `npx -y deno@2.9.6 task demo`
 *
 * @module
 */

import {
  BackendStreamReader,
  BufferWriter,
  DataRow,
  FrontendStreamReader,
  traceLine,
  writeBackendMessage,
  writeFrontendMessage,
} from "../src/protocol/mod.ts";
import type { BackendMessage, FrontendMessage } from "../src/protocol/mod.ts";

const utf8 = new TextEncoder();
type Step = ["F2B", FrontendMessage] | ["B2F", BackendMessage];

const exchange: Step[] = [
  ["F2B", { type: "SSLRequest" }],
  ["F2B", {
    type: "StartupMessage",
    protocolVersion: 196610,
    parameters: {
      user: "app",
      database: "app",
      application_name: "pgline",
      client_encoding: "UTF8",
    },
  }],
  ["B2F", { type: "AuthenticationSASL", mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"] }],
  ["F2B", {
    type: "SASLInitialResponse",
    mechanism: "SCRAM-SHA-256",
    data: utf8.encode("n,,n=,r=rOprNGfwEbeRWgbNEkqO"),
  }],
  ["B2F", {
    type: "AuthenticationSASLContinue",
    data: utf8.encode(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    ),
  }],
  ["F2B", {
    type: "SASLResponse",
    data: utf8.encode(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    ),
  }],
  ["B2F", {
    type: "AuthenticationSASLFinal",
    data: utf8.encode("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
  }],
  ["B2F", { type: "AuthenticationOk" }],
  ["B2F", { type: "ParameterStatus", name: "server_version", value: "18.1" }],
  ["B2F", { type: "ParameterStatus", name: "client_encoding", value: "UTF8" }],
  ["B2F", { type: "ParameterStatus", name: "TimeZone", value: "UTC" }],
  ["B2F", { type: "BackendKeyData", processId: 4242, secretKey: new Uint8Array(32) }],
  ["B2F", { type: "ReadyForQuery", status: "I" }],
  ["F2B", { type: "Query", sql: "select current_user, version() like 'PostgreSQL%' as pg" }],
  ["B2F", {
    type: "RowDescription",
    fields: [
      {
        name: "current_user",
        tableOid: 0,
        columnAttribute: 0,
        typeOid: 19,
        typeSize: 64,
        typeModifier: -1,
        format: 0,
      },
      {
        name: "pg",
        tableOid: 0,
        columnAttribute: 0,
        typeOid: 16,
        typeSize: 1,
        typeModifier: -1,
        format: 0,
      },
    ],
  }],
  ["B2F", DataRow.from(["app", "t"])],
  ["B2F", { type: "CommandComplete", tag: "SELECT 1" }],
  ["B2F", { type: "ReadyForQuery", status: "I" }],
  ["F2B", { type: "Terminate" }],
];

// Encode each side into one byte stream, then read them back in 7-byte chunks.
const toServer = new BufferWriter();
const toClient = new BufferWriter();
for (const [direction, msg] of exchange) {
  if (direction === "F2B") writeFrontendMessage(toServer, msg);
  else writeBackendMessage(toClient, msg);
}
const serverBytes = toServer.take();
const clientBytes = toClient.take();

const serverSide = new FrontendStreamReader();
const clientSide = new BackendStreamReader();
const received = { F2B: [] as FrontendMessage[], B2F: [] as BackendMessage[] };
for (let p = 0; p < serverBytes.length; p += 7) {
  serverSide.push(serverBytes.subarray(p, p + 7));
  for (;;) {
    // A server knows what a 'p' packet holds from its own last request; so does this demo.
    const n = received.F2B.length;
    serverSide.passwordKind = n === 2 ? "SASLInitialResponse" : "SASLResponse";
    const msg = serverSide.next();
    if (msg === undefined) break;
    received.F2B.push(msg);
  }
}
for (let p = 0; p < clientBytes.length; p += 7) {
  clientSide.push(clientBytes.subarray(p, p + 7));
  for (let msg = clientSide.next(); msg !== undefined; msg = clientSide.next()) {
    received.B2F.push(msg);
  }
}

console.log(
  `pgline demo: a sample startup exchange, ${serverBytes.length} bytes to the server and ` +
    `${clientBytes.length} to the client, decoded from 7-byte chunks\n`,
);
const cursor = { F2B: 0, B2F: 0 };
for (const [direction] of exchange) {
  const msg = direction === "F2B" ? received.F2B[cursor.F2B++] : received.B2F[cursor.B2F++];
  if (msg === undefined) throw new Error(`The ${direction} stream ended early`);
  console.log(traceLine(direction, msg));
}
