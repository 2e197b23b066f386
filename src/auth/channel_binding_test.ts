import { test } from "../../tests/harness/test.ts";
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { AuthenticationError } from "../errors.ts";
import { certificateBindingHash, tlsServerEndPoint } from "./channel_binding.ts";

function openssl(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn("openssl", args, { stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    child.stdout!.on("data", (chunk: Uint8Array) => stdout.push(chunk));
    child.stderr!.on("data", (chunk: Uint8Array) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        const message = new TextDecoder().decode(Buffer.concat(stderr));
        reject(new Error(`openssl ${args.join(" ")}: ${message}`));
        return;
      }
      resolve(new Uint8Array(Buffer.concat(stdout)));
    });
    if (stdin) child.stdin!.end(stdin);
  });
}

const hasOpenssl = await openssl(["version"]).then(() => true, () => false);

interface Fixture {
  name: string;
  key: "rsa" | "ec" | "ed25519" | "ed448";
  args: string[];
  /** The digest openssl dgst should use: picked from RFC 5929, not from the code under test. */
  digest?: "sha256" | "sha384" | "sha512";
}

const FIXTURES: Fixture[] = [
  { name: "RSA with MD5", key: "rsa", args: ["-md5"], digest: "sha256" },
  { name: "RSA with SHA-1", key: "rsa", args: ["-sha1"], digest: "sha256" },
  { name: "RSA with SHA-256", key: "rsa", args: ["-sha256"], digest: "sha256" },
  { name: "RSA with SHA-384", key: "rsa", args: ["-sha384"], digest: "sha384" },
  { name: "RSA with SHA-512", key: "rsa", args: ["-sha512"], digest: "sha512" },
  {
    name: "RSASSA-PSS with SHA-384",
    key: "rsa",
    args: ["-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"],
    digest: "sha384",
  },
  {
    name: "RSASSA-PSS with SHA-512",
    key: "rsa",
    args: ["-sha512", "-sigopt", "rsa_padding_mode:pss"],
    digest: "sha512",
  },
  {
    name: "RSASSA-PSS with SHA-1",
    key: "rsa",
    args: ["-sha1", "-sigopt", "rsa_padding_mode:pss"],
    digest: "sha256",
  },
  { name: "ECDSA with SHA-1", key: "ec", args: ["-sha1"], digest: "sha256" },
  { name: "ECDSA with SHA-256", key: "ec", args: ["-sha256"], digest: "sha256" },
  { name: "ECDSA with SHA-384", key: "ec", args: ["-sha384"], digest: "sha384" },
  { name: "ECDSA with SHA-512", key: "ec", args: ["-sha512"], digest: "sha512" },
  { name: "Ed25519", key: "ed25519", args: [] },
  { name: "Ed448", key: "ed448", args: [] },
];

test({
  name: "tlsServerEndPoint hashes openssl-made certificates like openssl dgst",
  ignore: !hasOpenssl,
  async fn(t) {
    const dir = await mkdtemp(join(tmpdir(), "pgline-cb-"));
    try {
      const keys = {
        rsa: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        ec: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ed25519: ["-algorithm", "ED25519"],
        ed448: ["-algorithm", "ED448"],
      };
      for (const [name, args] of Object.entries(keys)) {
        await openssl(["genpkey", ...args, "-out", `${dir}/${name}.key`]);
      }
      for (const fixture of FIXTURES) {
        await t.step(fixture.name, async () => {
          const pem = await openssl([
            "req",
            "-x509",
            "-key",
            `${dir}/${fixture.key}.key`,
            "-subj",
            "/CN=pgline test",
            "-days",
            "1",
            ...fixture.args,
          ]);
          const der = await openssl(["x509", "-outform", "der"], pem);
          if (fixture.digest === undefined) {
            await assert.rejects(tlsServerEndPoint(der), {
              name: "AuthenticationError",
              message:
                "channel binding is not supported for this certificate's signature algorithm",
            });
            return;
          }
          const expected = await openssl(["dgst", `-${fixture.digest}`, "-binary"], der);
          assert.deepEqual(await tlsServerEndPoint(der), expected);
        });
      }
    } finally {
      await rm(dir, { recursive: true });
    }
  },
});

// A hand-built Certificate: SEQUENCE { SEQUENCE {} , AlgorithmIdentifier, BIT STRING }.
function certificate(algorithm: number[]): Uint8Array {
  const body = [0x30, 0x00, 0x30, algorithm.length, ...algorithm, 0x03, 0x01, 0x00];
  return new Uint8Array([0x30, body.length, ...body]);
}

const OID_SHA256_RSA = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_PSS = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_SHA384 = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];

test("certificateBindingHash reads hand-built DER", () => {
  assert.equal(certificateBindingHash(certificate([...OID_SHA256_RSA, 0x05, 0x00])), "SHA-256");
  assert.equal(certificateBindingHash(certificate(OID_SHA256_RSA)), "SHA-256");
  // RSASSA-PSS with empty parameters: the default hash is SHA-1, so SHA-256.
  assert.equal(certificateBindingHash(certificate([...OID_PSS, 0x30, 0x00])), "SHA-256");
  const pss384 = [...OID_PSS, 0x30, 0x11, 0xa0, 0x0f, 0x30, 0x0d, ...OID_SHA384, 0x05, 0x00];
  assert.equal(certificateBindingHash(certificate(pss384)), "SHA-384");
});

test("certificateBindingHash refuses algorithms without a usable hash", () => {
  const sha224Rsa = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e];
  assert.throws(() => certificateBindingHash(certificate(sha224Rsa)), /not supported.*1\.1\.14/);
  assert.throws(() => certificateBindingHash(certificate(OID_PSS)), /RSASSA-PSS without/);
  const ed25519 = [0x06, 0x03, 0x2b, 0x65, 0x70];
  assert.throws(() => certificateBindingHash(certificate(ed25519)), {
    name: "AuthenticationError",
    message: "channel binding is not supported for this certificate's signature algorithm",
  });
});

test("tlsServerEndPoint rejects malformed DER with AuthenticationError only", async () => {
  const valid = certificate([...OID_SHA256_RSA, 0x05, 0x00]);
  const cases: Uint8Array[] = [
    new Uint8Array(0),
    new Uint8Array([0x30]),
    new Uint8Array([0x30, 0x80, 0x00, 0x00]), // indefinite length
    new Uint8Array([0x30, 0x85, 1, 1, 1, 1, 1]), // 5-byte length
    new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), // overruns
    new Uint8Array([0x31, 0x00]), // SET, not SEQUENCE
    new Uint8Array([...valid, 0x00]), // trailing byte
    certificate([0x06, 0x00]), // empty OID
    certificate([0x06, 0x02, 0x2a, 0x86]), // truncated OID
    certificate([0x06, 0x02, 0x80, 0x01]), // non-minimal OID
    certificate([0x06, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    certificate([0x1f, 0x00]),
  ];
  // Every truncation and every single-byte corruption of a valid certificate.
  for (let i = 0; i < valid.length; i++) {
    cases.push(valid.subarray(0, i));
    for (const byte of [0x00, 0x7f, 0x80, 0xff]) {
      const mutated = valid.slice();
      mutated[i] = byte;
      cases.push(mutated);
    }
  }
  for (const der of cases) {
    try {
      await tlsServerEndPoint(der);
    } catch (error) {
      assert.ok(error instanceof AuthenticationError, `${error} for ${der}`);
    }
  }
  for (const der of cases.slice(0, 12)) {
    await assert.rejects(tlsServerEndPoint(der), AuthenticationError, `${der}`);
  }
});
