import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { AuthenticationError } from "../errors.ts";
import { ScramClient, type ScramClientOptions, ScramServer, scramVerifier } from "./scram.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

// RFC 7677 section 3.
const RFC_CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
const RFC_SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const RFC_SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
const RFC_SERVER_FIRST = `r=${RFC_CLIENT_NONCE}${RFC_SERVER_NONCE},s=${RFC_SALT},i=4096`;
const RFC_CLIENT_FINAL = `c=biws,r=${RFC_CLIENT_NONCE}${RFC_SERVER_NONCE},` +
  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const RFC_SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

function rfcClient(options: Partial<ScramClientOptions> = {}): ScramClient {
  return new ScramClient({
    password: "pencil",
    username: "user",
    nonce: RFC_CLIENT_NONCE,
    ...options,
  });
}

async function clientAtFinal(serverFirst: string, options: Partial<ScramClientOptions> = {}) {
  const client = rfcClient(options);
  client.clientFirstMessage();
  return await client.clientFinalMessage(encode(serverFirst)).then(() => client);
}

test("ScramClient reproduces the RFC 7677 section 3 exchange", async () => {
  const client = rfcClient();
  assert.equal(client.mechanism, "SCRAM-SHA-256");
  assert.equal(decode(client.clientFirstMessage()), `n,,n=user,r=${RFC_CLIENT_NONCE}`);
  const clientFinal = await client.clientFinalMessage(encode(RFC_SERVER_FIRST));
  assert.equal(decode(clientFinal), RFC_CLIENT_FINAL);
  await client.verifyServerFinal(encode(RFC_SERVER_FINAL));
});

test("ScramServer reproduces the RFC 7677 section 3 exchange", async () => {
  const salt = new Uint8Array(Buffer.from(RFC_SALT, "base64"));
  const verifier = await scramVerifier("pencil", { salt, iterations: 4096 });
  const server = new ScramServer(verifier, { nonce: RFC_SERVER_NONCE });
  const serverFirst = server.serverFirstMessage(encode(`n,,n=user,r=${RFC_CLIENT_NONCE}`));
  assert.equal(decode(serverFirst), RFC_SERVER_FIRST);
  assert.equal(decode(await server.serverFinalMessage(encode(RFC_CLIENT_FINAL))), RFC_SERVER_FINAL);
});

test("ScramClient sends PostgreSQL's empty user name and a random nonce by default", () => {
  const first = decode(new ScramClient({ password: "x" }).clientFirstMessage());
  assert.match(first, /^n,,n=,r=[A-Za-z0-9+/]{24}$/);
  assert.notEqual(first, decode(new ScramClient({ password: "x" }).clientFirstMessage()));
  const escaped = new ScramClient({ password: "x", username: "a=b,c", nonce: "N" });
  assert.equal(decode(escaped.clientFirstMessage()), "n,,n=a=3Db=2Cc,r=N");
});

test("scramVerifier matches PBKDF2 and HMAC computed by node:crypto", async () => {
  const salt = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const salted = pbkdf2Sync("s3cr\u00E9t", salt, 1234, 32, "sha256");
  const storedKey = createHash("sha256")
    .update(createHmac("sha256", salted).update("Client Key").digest())
    .digest("base64");
  const serverKey = createHmac("sha256", salted).update("Server Key").digest("base64");
  const expected = `SCRAM-SHA-256$1234:${Buffer.from(salt).toString("base64")}$` +
    `${storedKey}:${serverKey}`;
  assert.equal(await scramVerifier("s3cr\u00E9t", { salt, iterations: 1234 }), expected);
  const random = await scramVerifier("x");
  assert.match(random, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[^:]{44}:[^:]{44}$/);
  // SASLprep applies: the soft hyphen is dropped before hashing.
  assert.equal(await scramVerifier("s3cr\u00ADe\u0301t", { salt, iterations: 1234 }), expected);
  await assert.rejects(scramVerifier("x", { iterations: 0 }), RangeError);
  await assert.rejects(scramVerifier("x", { salt: new Uint8Array(0) }), RangeError);
});

test("scramVerifier reproduces verifiers made by PostgreSQL 15 from tricky passwords", async () => {
  // ALTER ROLE r PASSWORD U&'...' on a PostgreSQL 15.18 server, then SELECT rolpassword: the
  // server runs pg_saslprep, so these pin scramPassword to PostgreSQL's behaviour.
  const golden: [string, string][] = [
    ["I\u00ADX", "5gmJxcEQssfqzfivWOsVZQ==$TwKIB1FKW+KgCCRkhsERynqqToZ0Rm8mcF6lEOlUQPU="],
    ["\u2168", "cfX4wuvdfQL1TBXN3Cqz0g==$Zrl0OENiPQoJxSzgeLrfkKfJc5TJW67YhrpV+HPFPmQ="],
    ["\u00AA", "cOqfJPHdIyElyyARguUP2A==$yMHMmetIDNmq5qmBxyToYAwqd83qu4rCvscwCIEeKcI="],
    ["\u0627\u0031", "A42Tt0kOPedwELcpzLXIqg==$Y/r44FRGZx4Xncm0GN1EsloFEIhHCSosIRdSceFmpY0="],
    ["\u05D0\u2122\u05D0", "2B16xHl+KqlxQMyeJsZryw==$XgOR5PI6m2waFBrhKSBr9y0/497h1oiHZwtp/80RZVA="],
    ["\u00AD", "mwMh3HbEsqBQMT19C/FFqA==$8SXR5KcVZl5dKA+rsqSVNTI3m6XKbxLKgXhRk1/6GDg="],
    ["x\u0221\u00AA", "QmlzOPJTmNXTEhmH/kOUAA==$NDGAK52c5K+iFtGsAk993i93+BP4ex3xYsx93DI05G0="],
    [
      "p\u00E4ss\u00A0w\u00F6rd",
      "dNPyNrtwPpg+RVfWiDR63Q==$4zUbS+VoPF5mv6IymlwnC2gKTL40b5WOCjj1WnUbTEM=",
    ],
    ["\uFF21\uFF22", "UTQE7X6BN7JDxjECWcCN7g==$xhA+o9P4B3kgOJmEfcOIWHpwWOInX2u5i2Yp9MtX7Yw="],
    ["\u0007bell", "w9LE0YTfdOduIUnrQYcwJA==$4dJfRZoC58GsrLhvOkwCRlOBLtpCew7NbzMFbn0DsUo="],
    ["a\u200Bb", "IBz83wQtEWrloqxDrgf4vA==$cJSwQsCZTrlRzYjRSN7Pf11+6gJ/OHJNu/XFHM0llTU="],
    ["a\u{1F100}", "Ev2YudZd9PRxy7T8mhsdFw==$9OwC8BUpX08+c6H2DGpjdXIvwR9x9aEyxWH7yqaINKg="],
  ];
  for (const [password, saltAndStoredKey] of golden) {
    const [salt, storedKey] = saltAndStoredKey.split("$") as [string, string];
    const verifier = await scramVerifier(password, {
      salt: new Uint8Array(Buffer.from(salt, "base64")),
      iterations: 4096,
    });
    assert.equal(verifier.split(":")[1], `${salt}$${storedKey}`, JSON.stringify(password));
  }
});

async function roundTrip(
  clientOptions: ScramClientOptions,
  serverPassword: string,
  serverOptions: { channelBindingData?: Uint8Array } = {},
  mechanism?: string,
): Promise<void> {
  const server = new ScramServer(await scramVerifier(serverPassword), serverOptions);
  const client = new ScramClient(clientOptions);
  const serverFirst = server.serverFirstMessage(client.clientFirstMessage(), mechanism);
  const clientFinal = await client.clientFinalMessage(serverFirst);
  await client.verifyServerFinal(await server.serverFinalMessage(clientFinal));
}

test("client and server agree, with and without channel binding", async () => {
  const data = crypto.getRandomValues(new Uint8Array(32));
  await roundTrip({ password: "pw" }, "pw");
  await roundTrip({ password: "pw", channelBinding: { flag: "y" } }, "pw");
  await roundTrip({ password: "I\u00ADX" }, "\u2168"); // both prepare to "IX"
  await roundTrip({ password: "" }, ""); // PBKDF2 with an empty key still works
  await roundTrip(
    { password: "pw", channelBinding: { flag: "p", data } },
    "pw",
    { channelBindingData: data },
    "SCRAM-SHA-256-PLUS",
  );
  // A server offering PLUS still accepts a client that cannot bind at all.
  await roundTrip({ password: "pw" }, "pw", { channelBindingData: data }, "SCRAM-SHA-256");
  const plus = new ScramClient({ password: "pw", channelBinding: { flag: "p", data } });
  assert.equal(plus.mechanism, "SCRAM-SHA-256-PLUS");
  assert.match(decode(plus.clientFirstMessage()), /^p=tls-server-end-point,,n=,r=/);
});

test("ScramServer refuses wrong passwords and channel binding mismatches", async () => {
  const data = new Uint8Array([1, 2, 3]);
  const rejects = (promise: Promise<void>, message: RegExp) =>
    assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.match(error.message, message);
      return true;
    });
  await rejects(roundTrip({ password: "wrong" }, "pw"), /proof is invalid/);
  await rejects(
    roundTrip({ password: "pw", channelBinding: { flag: "p", data } }, "pw", {
      channelBindingData: new Uint8Array([1, 2, 4]),
    }),
    /channel binding check failed/,
  );
  await rejects(
    roundTrip({ password: "pw", channelBinding: { flag: "y" } }, "pw", {
      channelBindingData: data,
    }),
    /negotiation error/,
  );
  await rejects(
    roundTrip({ password: "pw", channelBinding: { flag: "p", data } }, "pw"),
    /does not offer/,
  );
  await rejects(
    roundTrip({ password: "pw" }, "pw", { channelBindingData: data }, "SCRAM-SHA-256-PLUS"),
    /does not fit mechanism/,
  );
});

test("ScramServer rejects malformed client messages", async () => {
  const verifier = await scramVerifier("pw", { iterations: 1 });
  for (const first of ["", "x,,n=,r=a", "n,a=admin,n=,r=a", "n,,m=x,n=,r=a", "n,,n=", "n,,n=,r="]) {
    assert.throws(
      () => new ScramServer(verifier).serverFirstMessage(encode(first)),
      AuthenticationError,
    );
  }
  for (const final of ["", "c=biws", "c=biws,r=cs", "c=!!,r=cs,p=AAAA", "c=biws,r=cs,p=AAAA"]) {
    const server = new ScramServer(verifier, { nonce: "s" });
    server.serverFirstMessage(encode("n,,n=,r=c"));
    await assert.rejects(server.serverFinalMessage(encode(final)), AuthenticationError);
  }
  assert.throws(() => new ScramServer("SCRAM-SHA-256$0:AA==$AA==:AA=="), SyntaxError);
  assert.throws(() => new ScramServer("md5abc"), SyntaxError);
});

test("ScramClient rejects a wrong server signature", async () => {
  const client = await clientAtFinal(RFC_SERVER_FIRST);
  await assert.rejects(
    client.verifyServerFinal(encode("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G8=")),
    { name: "AuthenticationError", message: "SCRAM server signature does not match" },
  );
  // Non-zero padding bits are not canonical base64.
  const padding = await clientAtFinal(RFC_SERVER_FIRST);
  await assert.rejects(
    padding.verifyServerFinal(encode("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=")),
    AuthenticationError,
  );
  // A second try does not get another chance.
  await assert.rejects(client.verifyServerFinal(encode(RFC_SERVER_FINAL)), AuthenticationError);
});

test("ScramClient reports the server's e= error", async () => {
  const client = await clientAtFinal(RFC_SERVER_FIRST);
  await assert.rejects(client.verifyServerFinal(encode("e=invalid-proof")), {
    name: "AuthenticationError",
    message: "SCRAM authentication failed on the server: invalid-proof",
  });
  const extended = await clientAtFinal(RFC_SERVER_FIRST);
  await assert.rejects(extended.verifyServerFinal(encode("e=other-error,x=1")), {
    name: "AuthenticationError",
    message: "SCRAM authentication failed on the server: other-error",
  });
});

test("ScramClient rejects malformed server-first messages", async () => {
  const salt = `s=${RFC_SALT}`;
  const nonce = `r=${RFC_CLIENT_NONCE}${RFC_SERVER_NONCE}`;
  const cases: [string, RegExp, Partial<ScramClientOptions>?][] = [
    [`r=${RFC_CLIENT_NONCE},${salt},i=4096`, /nonce does not extend ours/],
    [`r=XXXX${RFC_SERVER_NONCE},${salt},i=4096`, /nonce does not extend ours/],
    [`r=${RFC_CLIENT_NONCE.slice(0, 5)},${salt},i=4096`, /nonce does not extend ours/],
    [`${nonce}\u0001,${salt},i=4096`, /nonce does not extend ours/],
    [`${nonce},${salt},i=0`, /iteration count 0 is not between 1 and/],
    [`${nonce},${salt},i=-1`, /iteration count/],
    [`${nonce},${salt},i=01`, /iteration count/],
    [`${nonce},${salt},i=4096x`, /iteration count/],
    [`${nonce},${salt},i=99999999999999999999999`, /iteration count/],
    [`${nonce},${salt},i=4097`, /not between 1 and 4096/, { maxIterations: 4096 }],
    [`${nonce},${salt},i=10000001`, /not between 1 and 10000000/],
    [`${nonce},s=!!!!,i=4096`, /salt is not base64/],
    [`${nonce},s=W22ZaJ0,i=4096`, /salt is not base64/],
    [`${nonce},s= W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`, /salt is not base64/],
    [`${nonce},s=,i=4096`, /salt is not base64/],
    [`${nonce},i=4096`, /expected attributes r, s and i/],
    [`${nonce},${salt}`, /expected attributes r, s and i/],
    [`${salt},${nonce},i=4096`, /expected attributes r, s and i/],
    [``, /malformed attribute/],
    [`${nonce},${salt},i=4096,`, /malformed attribute/],
    [`m=ext,${nonce},${salt},i=4096`, /mandatory extension/],
  ];
  for (const [serverFirst, message, options] of cases) {
    const client = rfcClient(options);
    client.clientFirstMessage();
    await assert.rejects(
      client.clientFinalMessage(encode(serverFirst)),
      (error: unknown) => {
        assert.ok(error instanceof AuthenticationError, serverFirst);
        assert.match(error.message, message, serverFirst);
        return true;
      },
    );
  }
  // Optional extensions after i= are allowed.
  await clientAtFinal(`${RFC_SERVER_FIRST},x=extension`);
});

test("ScramClient rejects invalid UTF-8, bad server-final and out-of-order calls", async () => {
  const client = rfcClient();
  await assert.rejects(client.clientFinalMessage(encode(RFC_SERVER_FIRST)), /out of order/);
  await assert.rejects(rfcClient().verifyServerFinal(encode(RFC_SERVER_FINAL)), /out of order/);
  const utf8 = rfcClient();
  utf8.clientFirstMessage();
  await assert.rejects(
    utf8.clientFinalMessage(new Uint8Array([0x72, 0x3d, 0xff])),
    /not valid UTF-8/,
  );
  for (const final of ["", "x=1", "v=", "v=!!!!", "v=AAAA", "V=abc", "\u00ff"]) {
    const atFinal = await clientAtFinal(RFC_SERVER_FIRST);
    await assert.rejects(atFinal.verifyServerFinal(encode(final)), AuthenticationError, final);
  }
  const extended = await clientAtFinal(RFC_SERVER_FIRST);
  await extended.verifyServerFinal(encode(`${RFC_SERVER_FINAL},x=ignored`));
});

test("ScramClient never leaks anything but AuthenticationError on mangled input", async () => {
  const valid = encode(RFC_SERVER_FIRST.replace("i=4096", "i=2"));
  for (let i = 0; i < valid.length; i++) {
    for (const mutate of [0x00, 0x2c, 0x3d, 0x80, 0xff]) {
      const bytes = valid.slice();
      bytes[i] = mutate;
      for (const input of [bytes, valid.subarray(0, i)]) {
        const client = rfcClient();
        client.clientFirstMessage();
        try {
          await client.clientFinalMessage(input);
        } catch (error) {
          assert.ok(error instanceof AuthenticationError, String(error));
        }
      }
    }
  }
});

test("ScramClient validates its options", () => {
  assert.throws(() => new ScramClient({ password: "x", channelBinding: { flag: "p" } }), TypeError);
  assert.throws(
    () => new ScramClient({ password: "x", channelBinding: { flag: "n", data: new Uint8Array() } }),
    TypeError,
  );
  assert.throws(() => new ScramClient({ password: "x", nonce: "a,b" }), TypeError);
  assert.throws(() => new ScramClient({ password: "x", nonce: "" }), TypeError);
  assert.throws(() => new ScramClient({ password: "x", maxIterations: 0 }), RangeError);
  assert.throws(() => new ScramClient({ password: "x", maxIterations: 1.5 }), RangeError);
});
