/**
 * Throw-away TLS material for integration tests, generated with the `openssl` command-line tool.
 *
 * Everything is EC P-256 with SHA-256 signatures: key generation is instant, and libpq, rustls
 * (Deno) and OpenSSL (Node, Bun) all accept it.
 *
 * @module
 */

import { join } from "node:path";
import { tmpdir } from "node:os";

/** A PEM file on disk and its contents. */
export interface PemFile {
  /** Absolute path of the file. */
  path: string;
  /** The PEM text. */
  pem: string;
}

/** A certificate and its private key (PKCS #8). */
export interface CertificateAndKey {
  /** The certificate. */
  cert: PemFile;
  /** The unencrypted private key, mode 0600. */
  key: PemFile;
}

/** The TLS material produced by {@linkcode createTlsFixtures}. */
export interface TlsFixtures {
  /** Directory holding every file; removed by {@linkcode TlsFixtures.remove}. */
  dir: string;
  /** The test CA that signed the server and client certificates. */
  ca: CertificateAndKey;
  /** Server certificate with SAN `DNS:localhost, IP:127.0.0.1, IP:::1`, signed by `ca`. */
  server: CertificateAndKey;
  /** Client certificate with `CN=<clientCommonName>`, signed by `ca`. */
  client: CertificateAndKey;
  /** An unrelated CA that signed nothing here, for negative `verify-ca` tests. */
  otherCa: CertificateAndKey;
  /** Deletes {@linkcode TlsFixtures.dir} (also done at process exit). Safe to call more than once. */
  remove(): Promise<void>;
}

/** Options for {@linkcode createTlsFixtures}. */
export interface TlsFixturesOptions {
  /**
   * Parent directory of the generated directory.
   * @default {os.tmpdir()}
   */
  parentDir?: string;
  /**
   * Common name of the client certificate.
   * @default {"cert_user"}
   */
  clientCommonName?: string;
  /**
   * Path of the `openssl` binary.
   * @default {"openssl"}
   */
  openssl?: string;
}

const CA_EXTENSIONS = [
  "basicConstraints = critical, CA:TRUE",
  "keyUsage = critical, keyCertSign, cRLSign",
  "subjectKeyIdentifier = hash",
].join("\n");

const SERVER_EXTENSIONS = [
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature, keyEncipherment",
  "extendedKeyUsage = serverAuth",
  "subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid",
].join("\n");

const CLIENT_EXTENSIONS = [
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature",
  "extendedKeyUsage = clientAuth",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid",
].join("\n");

const VALIDITY_DAYS = "3650";

async function openssl(bin: string, cwd: string, args: string[]): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(bin, { args, cwd, stdin: "null" }).output();
  } catch (error) {
    throw new Error(`Cannot run ${bin}: ${(error as Error).message}`, { cause: error });
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`Command failed: openssl ${args.join(" ")}: ${stderr}`);
  }
}

async function readPem(path: string): Promise<PemFile> {
  return { path, pem: await Deno.readTextFile(path) };
}

async function makeKey(bin: string, dir: string, name: string): Promise<string> {
  const path = join(dir, `${name}.key`);
  await openssl(bin, dir, [
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    path,
  ]);
  await Deno.chmod(path, 0o600);
  return path;
}

async function makeCa(
  bin: string,
  dir: string,
  name: string,
  cn: string,
): Promise<CertificateAndKey> {
  const key = await makeKey(bin, dir, name);
  const extFile = join(dir, `${name}.ext`);
  await Deno.writeTextFile(extFile, `[v3_ca]\n${CA_EXTENSIONS}\n`);
  const cert = join(dir, `${name}.crt`);
  await openssl(bin, dir, [
    "req",
    "-new",
    "-x509",
    "-sha256",
    "-days",
    VALIDITY_DAYS,
    "-key",
    key,
    "-subj",
    `/CN=${cn}`,
    "-config",
    extFile,
    "-extensions",
    "v3_ca",
    "-out",
    cert,
  ]);
  return { cert: await readPem(cert), key: await readPem(key) };
}

async function makeLeaf(
  bin: string,
  dir: string,
  name: string,
  cn: string,
  extensions: string,
  ca: CertificateAndKey,
): Promise<CertificateAndKey> {
  const key = await makeKey(bin, dir, name);
  const csr = join(dir, `${name}.csr`);
  await openssl(bin, dir, ["req", "-new", "-key", key, "-subj", `/CN=${cn}`, "-out", csr]);
  const extFile = join(dir, `${name}.ext`);
  await Deno.writeTextFile(extFile, `${extensions}\n`);
  const cert = join(dir, `${name}.crt`);
  await openssl(bin, dir, [
    "x509",
    "-req",
    "-sha256",
    "-days",
    VALIDITY_DAYS,
    "-in",
    csr,
    "-CA",
    ca.cert.path,
    "-CAkey",
    ca.key.path,
    "-set_serial",
    `0x${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
    "-extfile",
    extFile,
    "-out",
    cert,
  ]);
  return { cert: await readPem(cert), key: await readPem(key) };
}

/**
 * Generates a test CA, a server certificate for loopback, a client certificate and an unrelated
 * CA into a fresh temporary directory.
 *
 * @param options Where to write and what to name the client.
 * @returns The paths and PEM contents; call `remove()` when done.
 * @throws {Error} When `openssl` is missing or fails.
 *
 * @example Generate, use, remove
 * ```ts ignore
 * const tls = await createTlsFixtures();
 * console.log(tls.server.cert.path);
 * await tls.remove();
 * ```
 */
export async function createTlsFixtures(options: TlsFixturesOptions = {}): Promise<TlsFixtures> {
  const bin = options.openssl ?? "openssl";
  const dir = await Deno.makeTempDir({
    dir: options.parentDir ?? tmpdir(),
    prefix: "pgline-tls-",
  });
  // Removed on process exit too (including Deno.exit from a signal handler) if never removed.
  const removeOnExit = (): void => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone.
    }
  };
  globalThis.addEventListener("unload", removeOnExit);
  const remove = async (): Promise<void> => {
    globalThis.removeEventListener("unload", removeOnExit);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const [ca, otherCa] = await Promise.all([
      makeCa(bin, dir, "ca", "pgline test CA"),
      makeCa(bin, dir, "other_ca", "pgline other CA"),
    ]);
    const [server, client] = await Promise.all([
      makeLeaf(bin, dir, "server", "localhost", SERVER_EXTENSIONS, ca),
      makeLeaf(bin, dir, "client", options.clientCommonName ?? "cert_user", CLIENT_EXTENSIONS, ca),
    ]);
    return { dir, ca, server, client, otherCa, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
