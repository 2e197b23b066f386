/**
 * The `tls-server-end-point` channel binding (RFC 5929 section 4.1), which SCRAM-SHA-256-PLUS
 * binds to: a hash of the server's certificate, so a man in the middle holding another
 * certificate cannot relay the authentication.
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";

type Hash = "SHA-256" | "SHA-384" | "SHA-512";

/** Signature algorithms whose single hash is known; MD5 and SHA-1 already mapped to SHA-256. */
const SIGNATURE_HASHES: ReadonlyMap<string, Hash> = new Map([
  ["1.2.840.113549.1.1.4", "SHA-256"], // md5WithRSAEncryption
  ["1.2.840.113549.1.1.5", "SHA-256"], // sha1WithRSAEncryption
  ["1.3.14.3.2.29", "SHA-256"], // sha1WithRSASignature (OIW)
  ["1.2.840.113549.1.1.11", "SHA-256"], // sha256WithRSAEncryption
  ["1.2.840.113549.1.1.12", "SHA-384"], // sha384WithRSAEncryption
  ["1.2.840.113549.1.1.13", "SHA-512"], // sha512WithRSAEncryption
  ["1.2.840.10045.4.1", "SHA-256"], // ecdsa-with-SHA1
  ["1.2.840.10045.4.3.2", "SHA-256"], // ecdsa-with-SHA256
  ["1.2.840.10045.4.3.3", "SHA-384"], // ecdsa-with-SHA384
  ["1.2.840.10045.4.3.4", "SHA-512"], // ecdsa-with-SHA512
  ["1.2.840.10040.4.3", "SHA-256"], // dsa-with-sha1
  ["2.16.840.1.101.3.4.3.2", "SHA-256"], // dsa-with-sha256
]);

/** Hash algorithms that may appear in RSASSA-PSS parameters (RFC 4055 section 3.1). */
const PSS_HASHES: ReadonlyMap<string, Hash> = new Map([
  ["1.3.14.3.2.26", "SHA-256"], // id-sha1
  ["2.16.840.1.101.3.4.2.1", "SHA-256"], // id-sha256
  ["2.16.840.1.101.3.4.2.2", "SHA-384"], // id-sha384
  ["2.16.840.1.101.3.4.2.3", "SHA-512"], // id-sha512
]);

const RSASSA_PSS = "1.2.840.113549.1.1.10";
/** Signature schemes without a separate hash, for which RFC 5929 leaves the binding undefined. */
const NO_HASH: ReadonlyMap<string, string> = new Map([
  ["1.3.101.112", "Ed25519"],
  ["1.3.101.113", "Ed448"],
]);

const UNSUPPORTED = "channel binding is not supported for this certificate's signature algorithm";

const TAG_SEQUENCE = 0x30;
const TAG_OID = 0x06;
const TAG_BIT_STRING = 0x03;
const TAG_EXPLICIT_0 = 0xa0;

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function malformed(reason: string): AuthenticationError {
  return new AuthenticationError(`Cannot read the server certificate: ${reason}`);
}

/** Reads one DER tag-length-value starting at `offset`, which must end by `limit`. */
function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw malformed(`truncated DER at byte ${offset}`);
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed(`unsupported multi-byte DER tag at byte ${offset}`);
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    // DER has no indefinite length (0x80), and a certificate is far below 4 GiB.
    if (octets === 0 || octets > 4) throw malformed(`bad DER length at byte ${offset}`);
    if (start + octets > limit) throw malformed(`truncated DER at byte ${offset}`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    start += octets;
  }
  if (length > limit - start) {
    throw malformed(`DER length overruns its container at byte ${offset}`);
  }
  return { tag, start, end: start + length };
}

function expectTlv(
  der: Uint8Array,
  offset: number,
  limit: number,
  tag: number,
  what: string,
): Tlv {
  const tlv = readTlv(der, offset, limit);
  if (tlv.tag !== tag) throw malformed(`expected ${what} at byte ${offset}`);
  return tlv;
}

/** Decodes an OBJECT IDENTIFIER's contents to dotted form. */
function decodeOid(der: Uint8Array, tlv: Tlv): string {
  const arcs: number[] = [];
  let value = 0;
  if (tlv.end === tlv.start || tlv.end - tlv.start > 64) throw malformed("bad OID length");
  for (let i = tlv.start; i < tlv.end; i++) {
    const byte = der[i]!;
    if (value === 0 && byte === 0x80) throw malformed("non-minimal OID encoding");
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw malformed("OID arc too large");
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) {
        // The first subidentifier packs two arcs: 40 * first + second, first in 0..2.
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    } else if (i === tlv.end - 1) {
      throw malformed("truncated OID");
    }
  }
  return arcs.join(".");
}

/** Reads an AlgorithmIdentifier SEQUENCE: its OID and the extent of its parameters. */
function readAlgorithm(der: Uint8Array, sequence: Tlv): { oid: string; parameters?: Tlv } {
  const oidTlv = expectTlv(der, sequence.start, sequence.end, TAG_OID, "an algorithm OID");
  const oid = decodeOid(der, oidTlv);
  if (oidTlv.end === sequence.end) return { oid };
  const parameters = readTlv(der, oidTlv.end, sequence.end);
  if (parameters.end !== sequence.end) throw malformed("trailing data in AlgorithmIdentifier");
  return { oid, parameters };
}

/** The hash of RSASSA-PSS-params (RFC 4055): `hashAlgorithm [0]`, SHA-1 when absent. */
function pssHash(der: Uint8Array, parameters: Tlv | undefined): Hash {
  if (parameters?.tag !== TAG_SEQUENCE) throw malformed("RSASSA-PSS without parameters");
  let hashOid = "1.3.14.3.2.26";
  if (parameters.end > parameters.start) {
    const first = readTlv(der, parameters.start, parameters.end);
    if (first.tag === TAG_EXPLICIT_0) {
      const algorithm = expectTlv(der, first.start, first.end, TAG_SEQUENCE, "a hash algorithm");
      hashOid = readAlgorithm(der, algorithm).oid;
    }
  }
  const hash = PSS_HASHES.get(hashOid);
  if (hash === undefined) {
    throw new AuthenticationError(`${UNSUPPORTED} (RSASSA-PSS with ${hashOid})`);
  }
  return hash;
}

/**
 * Finds the hash `tls-server-end-point` uses for a certificate: the hash of its
 * signatureAlgorithm, with MD5 and SHA-1 replaced by SHA-256 (RFC 5929 section 4.1).
 *
 * @param certDer The server's X.509 certificate, DER encoded.
 * @returns The WebCrypto name of the hash.
 * @throws {AuthenticationError} When the DER is malformed or the algorithm has no usable hash.
 *
 * @example Refusing a certificate that is not DER
 * ```ts
 * import { certificateBindingHash } from "./channel_binding.ts";
 * import { AuthenticationError } from "../errors.ts";
 * try {
 *   certificateBindingHash(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]));
 * } catch (error) {
 *   console.assert(error instanceof AuthenticationError);
 * }
 * ```
 */
export function certificateBindingHash(certDer: Uint8Array): "SHA-256" | "SHA-384" | "SHA-512" {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
  const certificate = expectTlv(certDer, 0, certDer.length, TAG_SEQUENCE, "a Certificate");
  if (certificate.end !== certDer.length) throw malformed("trailing data after the certificate");
  const tbs = expectTlv(
    certDer,
    certificate.start,
    certificate.end,
    TAG_SEQUENCE,
    "tbsCertificate",
  );
  const algorithm = expectTlv(
    certDer,
    tbs.end,
    certificate.end,
    TAG_SEQUENCE,
    "signatureAlgorithm",
  );
  const signature = expectTlv(
    certDer,
    algorithm.end,
    certificate.end,
    TAG_BIT_STRING,
    "signatureValue",
  );
  if (signature.end !== certificate.end) throw malformed("trailing data in the certificate");
  const { oid, parameters } = readAlgorithm(certDer, algorithm);
  if (oid === RSASSA_PSS) return pssHash(certDer, parameters);
  if (NO_HASH.has(oid)) throw new AuthenticationError(UNSUPPORTED);
  const hash = SIGNATURE_HASHES.get(oid);
  if (hash === undefined) throw new AuthenticationError(`${UNSUPPORTED} (${oid})`);
  return hash;
}

/**
 * Computes the `tls-server-end-point` channel binding data of RFC 5929 section 4.1 for the
 * server's certificate, as PostgreSQL's `be_tls_get_certificate_hash` does.
 *
 * Ed25519 and Ed448 certificates have no defined binding; PostgreSQL refuses them too. Hashes
 * WebCrypto lacks (SHA-224, SHA-3, MD2, MD4) are refused in the same way.
 *
 * @param certDer The server's X.509 certificate, DER encoded (the leaf, as the TLS layer gives it).
 * @returns The hash of the whole DER certificate.
 * @throws {AuthenticationError} When the DER is malformed or the algorithm has no usable hash.
 *
 * @example Binding to the server certificate
 * ```ts
 * import { tlsServerEndPoint } from "./channel_binding.ts";
 * async function bindingData(peerCertificateDer: Uint8Array): Promise<Uint8Array> {
 *   // 32, 48 or 64 bytes, for ScramClient's channelBinding.data with flag "p".
 *   return await tlsServerEndPoint(peerCertificateDer);
 * }
 * ```
 */
export async function tlsServerEndPoint(certDer: Uint8Array): Promise<Uint8Array> {
  const hash = certificateBindingHash(certDer);
  return new Uint8Array(await crypto.subtle.digest(hash, new Uint8Array(certDer)));
}
