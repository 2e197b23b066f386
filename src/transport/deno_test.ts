import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { createDenoTransport, denoConfigHost, denoTransport } from "./deno.ts";
import type { Socket, SocketOptions, TlsOptions, TransportTarget } from "./transport.ts";

// ---------------------------------------------------------------------------------------------
// Fixtures: a throwaway PKI made with the openssl CLI, and node:net servers that clean up.

interface Pki {
  ca: string;
  otherCa: string;
  key: string;
  cert: string;
  certDer: Uint8Array;
}

let pkiDir: string | undefined;
let pkiPromise: Promise<Pki> | undefined;

globalThis.addEventListener("unload", () => {
  if (pkiDir !== undefined) Deno.removeSync(pkiDir, { recursive: true });
});

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

function pki(): Promise<Pki> {
  return pkiPromise ??= (async () => {
    const dir = pkiDir = await Deno.makeTempDir({ prefix: "pgline_transport_" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl(
      dir,
      ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2"]
        .concat(["-subj", "/CN=pgline test CA"]),
    );
    await openssl(
      dir,
      ["req", "-x509", ...ec, "-keyout", "other.key", "-out", "other.crt"]
        .concat(["-days", "2", "-subj", "/CN=pgline other CA"]),
    );
    await openssl(
      dir,
      ["req", ...ec, "-keyout", "server.key", "-out", "server.csr"]
        .concat(["-subj", "/CN=localhost"]),
    );
    await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    await openssl(
      dir,
      ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key"]
        .concat(["-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf"]),
    );
    await openssl(dir, ["x509", "-in", "server.crt", "-outform", "der", "-out", "server.der"]);
    return {
      ca: await Deno.readTextFile(`${dir}/ca.crt`),
      otherCa: await Deno.readTextFile(`${dir}/other.crt`),
      key: await Deno.readTextFile(`${dir}/server.key`),
      cert: await Deno.readTextFile(`${dir}/server.crt`),
      certDer: await Deno.readFile(`${dir}/server.der`),
    };
  })();
}

interface TestServer {
  target: TransportTarget;
  port: number;
  close(): Promise<void>;
}

/** Starts a node:net server on 127.0.0.1 (or a Unix socket) that destroys its sockets on close. */
async function serve(
  onSocket: (socket: net.Socket) => void,
  unixPath?: string,
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    closes.push(closed);
    socket.on("error", () => {});
    onSocket(socket);
  });
  const closes: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    if (unixPath === undefined) server.listen(0, "127.0.0.1", resolve);
    else server.listen(unixPath, resolve);
  });
  const port = unixPath === undefined ? (server.address() as net.AddressInfo).port : 0;
  return {
    target: unixPath === undefined
      ? { kind: "tcp", host: "127.0.0.1", port }
      : { kind: "unix", path: unixPath },
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(closes);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const echo = (socket: net.Socket): void => {
  socket.on("data", (chunk) => socket.write(chunk));
};

/** Runs a TLS echo server (ALPN "postgresql") over an accepted socket. */
function secureEcho(socket: net.Socket, p: Pki): void {
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    key: p.key,
    cert: p.cert,
    ALPNProtocols: ["postgresql"],
  });
  secure.on("error", () => {});
  secure.on("data", (chunk) => secure.write(chunk));
}

/** Answers the first byte with 'S', then runs a TLS echo server over the same socket. */
function tlsEcho(p: Pki): (socket: net.Socket) => void {
  return (socket) => {
    socket.once("data", () => {
      socket.write("S");
      secureEcho(socket, p);
    });
  };
}

const PLAIN: SocketOptions = { noDelay: true, mayUpgrade: false };
const UPGRADABLE: SocketOptions = {
  noDelay: true,
  mayUpgrade: true,
  keepAlive: { enabled: true, idleSeconds: 30 },
};
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readExactly(socket: Socket, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const chunk = await socket.read();
    if (chunk === null) throw new Error(`EOF after ${filled} of ${length} bytes`);
    out.set(chunk, filled);
    filled += chunk.length;
  }
  return out;
}

async function roundTrip(socket: Socket, text: string): Promise<void> {
  await socket.write(encoder.encode(text));
  assert.equal(decoder.decode(await readExactly(socket, encoder.encode(text).length)), text);
}

/** Connects with mayUpgrade, sends the 1-byte request, reads 'S' and upgrades. */
async function upgraded(server: TestServer, tlsOptions: TlsOptions) {
  const socket = await denoTransport.connect(server.target, UPGRADABLE);
  try {
    await socket.write(new Uint8Array([0]));
    assert.deepEqual(await socket.read(), encoder.encode("S"));
    const info = await socket.startTls(tlsOptions);
    return { socket, info };
  } catch (error) {
    socket.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Plain connections.

Deno.test("transport capabilities are all supported", () => {
  assert.deepEqual(createDenoTransport().capabilities, {
    unixSockets: true,
    peerCertificate: true,
    clientCertificates: true,
    verificationControl: true,
    directTls: true,
  });
});

for (const [name, options] of [["Deno.connect", PLAIN], ["node:net", UPGRADABLE]] as const) {
  Deno.test(`${name}: TCP echo round trip`, async () => {
    const server = await serve(echo);
    const socket = await denoTransport.connect(server.target, options);
    await roundTrip(socket, "hello");
    await roundTrip(socket, "x".repeat(100_000));
    socket.close();
    await server.close();
  });

  Deno.test(`${name}: Unix-domain socket echo round trip`, async () => {
    const dir = await Deno.makeTempDir();
    const server = await serve(echo, `${dir}/.s.PGSQL.5432`);
    const socket = await denoTransport.connect(server.target, options);
    await roundTrip(socket, "over a unix socket");
    socket.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`${name}: 8 MiB from the server arrive complete and in order`, async () => {
    const size = 8 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i ^ (i >>> 11)) & 0xff;
    const server = await serve((socket) => socket.end(data));
    // Count pauses of node:net sockets to see the back-pressure at work.
    const pause = net.Socket.prototype.pause;
    let pauses = 0;
    net.Socket.prototype.pause = function (this: net.Socket): net.Socket {
      pauses++;
      return pause.call(this);
    };
    const socket = await denoTransport.connect(server.target, options);
    const received = new Uint8Array(size);
    let filled = 0;
    try {
      // Let the server run ahead so the client's queue passes its high-water mark.
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (let chunk = await socket.read(); chunk !== null; chunk = await socket.read()) {
        assert.ok(filled + chunk.length <= size, "more bytes than sent");
        received.set(chunk, filled);
        filled += chunk.length;
        if (filled % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      net.Socket.prototype.pause = pause;
    }
    assert.equal(filled, size);
    assert.ok(received.every((byte, i) => byte === data[i]), "bytes differ");
    if (options.mayUpgrade) assert.ok(pauses > 0, "the socket was never paused");
    socket.close();
    await server.close();
  });

  Deno.test(`${name}: chunks stay valid after later reads`, async () => {
    const server = await serve(echo);
    const socket = await denoTransport.connect(server.target, options);
    await socket.write(encoder.encode("first"));
    const first = await readExactly(socket, 5);
    await roundTrip(socket, "second");
    assert.equal(decoder.decode(first), "first");
    socket.close();
    await server.close();
  });

  Deno.test(`${name}: end of stream reads null after the data`, async () => {
    const server = await serve((socket) => socket.end("bye"));
    const socket = await denoTransport.connect(server.target, options);
    assert.equal(decoder.decode(await readExactly(socket, 3)), "bye");
    assert.equal(await socket.read(), null);
    socket.close();
    await server.close();
  });

  Deno.test(`${name}: close is idempotent, ends a pending read, refuses writes`, async () => {
    const server = await serve(() => {});
    const socket = await denoTransport.connect(server.target, options);
    const pending = socket.read();
    socket.close();
    socket.close();
    assert.equal(await pending, null);
    assert.equal(await socket.read(), null);
    await assert.rejects(socket.write(new Uint8Array([1])), /closed/);
    await server.close();
  });

  Deno.test(`${name}: a refused connection names the target and keeps the cause`, async () => {
    const server = await serve(() => {});
    const target = server.target;
    await server.close();
    await assert.rejects(denoTransport.connect(target, options), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`^Cannot connect to 127\\.0\\.0\\.1:${server.port}: `),
      );
      assert.ok(error.cause instanceof Error);
      return true;
    });
  });

  Deno.test(`${name}: an aborted signal rejects the connect with its reason`, async () => {
    const server = await serve(() => {});
    const reason = new Error("gave up");
    const before = new AbortController();
    before.abort(reason);
    await assert.rejects(
      denoTransport.connect(server.target, { ...options, signal: before.signal }),
      (e) => e === reason,
    );
    const during = new AbortController();
    const connecting = denoTransport.connect(server.target, { ...options, signal: during.signal });
    during.abort(reason);
    await assert.rejects(connecting, (e) => e === reason);
    // Give a connection that completed after the abort time to be disposed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
  });
}

Deno.test("Deno.connect: startTls is refused when mayUpgrade was false", async () => {
  const server = await serve(echo);
  const socket = await denoTransport.connect(server.target, PLAIN);
  await assert.rejects(
    socket.startTls({ verify: "none", hostname: "localhost", sni: true }),
    /mayUpgrade false/,
  );
  socket.close();
  await server.close();
});

Deno.test("node:net: a server reset rejects the next read with the cause kept", async () => {
  const server = await serve((socket) => socket.once("data", () => socket.resetAndDestroy()));
  const socket = await denoTransport.connect(server.target, UPGRADABLE);
  await socket.write(new Uint8Array([1]));
  await assert.rejects(socket.read(), (error: Error) => {
    assert.match(error.message, /^Connection to 127\.0\.0\.1:\d+ failed: /);
    assert.ok(error.cause instanceof Error);
    return true;
  });
  socket.close();
  await server.close();
});

// ---------------------------------------------------------------------------------------------
// TLS.

Deno.test("startTls with verify none returns the server certificate in DER", async () => {
  const p = await pki();
  const server = await serve(tlsEcho(p));
  const { socket, info } = await upgraded(server, {
    verify: "none",
    hostname: "127.0.0.1",
    sni: true,
  });
  assert.deepEqual(info.peerCertificate, p.certDer);
  assert.match(info.protocol ?? "", /^TLSv1\.[23]$/);
  assert.equal(info.alpnProtocol, undefined);
  await roundTrip(socket, "secret");
  await roundTrip(socket, "y".repeat(200_000));
  socket.close();
  socket.close();
  await server.close();
});

Deno.test("startTls with verify ca accepts the right CA under a wrong host name", async () => {
  const p = await pki();
  const server = await serve(tlsEcho(p));
  const { socket } = await upgraded(server, {
    verify: "ca",
    hostname: "wrong.example",
    sni: true,
    caCerts: [p.ca],
  });
  await roundTrip(socket, "verify-ca");
  socket.close();
  await server.close();
});

Deno.test("startTls with verify full accepts the right CA and a name in the certificate", async () => {
  const p = await pki();
  const server = await serve(tlsEcho(p));
  for (const hostname of ["localhost", "127.0.0.1"]) {
    const { socket } = await upgraded(server, {
      verify: "full",
      hostname,
      sni: true,
      caCerts: [p.otherCa, p.ca],
    });
    await roundTrip(socket, hostname);
    socket.close();
  }
  await server.close();
});

const failures: [string, (p: Pki) => TlsOptions, RegExp][] = [
  [
    "verify ca with the wrong CA",
    (p) => ({ verify: "ca", hostname: "localhost", sni: true, caCerts: [p.otherCa] }),
    /TLS handshake with 127\.0\.0\.1:\d+ failed: /,
  ],
  [
    "verify full with a wrong host name",
    (p) => ({ verify: "full", hostname: "wrong.example", sni: true, caCerts: [p.ca] }),
    /wrong\.example/,
  ],
  [
    "verify full with an IP address not in the certificate",
    (p) => ({ verify: "full", hostname: "10.1.2.3", sni: true, caCerts: [p.ca] }),
    /10\.1\.2\.3/,
  ],
  [
    "verify full with the wrong CA",
    (p) => ({ verify: "full", hostname: "localhost", sni: true, caCerts: [p.otherCa] }),
    /TLS handshake with 127\.0\.0\.1:\d+ failed: /,
  ],
];

for (const [name, options, pattern] of failures) {
  Deno.test(`startTls fails: ${name}`, async () => {
    const p = await pki();
    const server = await serve(tlsEcho(p));
    await assert.rejects(upgraded(server, options(p)), (error: Error) => {
      assert.match(error.message, pattern);
      assert.ok(error.cause !== undefined);
      return true;
    });
    await server.close();
  });
}

Deno.test("connectTls negotiates ALPN and echoes over direct TLS", async () => {
  const p = await pki();
  const server = await serve((socket) => secureEcho(socket, p));
  const { socket, info } = await denoTransport.connectTls!(server.target, UPGRADABLE, {
    verify: "full",
    hostname: "localhost",
    sni: true,
    caCerts: [p.ca],
    alpnProtocols: ["postgresql"],
    minVersion: "TLSv1.2",
  });
  assert.equal(info.alpnProtocol, "postgresql");
  assert.deepEqual(info.peerCertificate, p.certDer);
  await roundTrip(socket, "direct");
  socket.close();
  await server.close();
});

Deno.test("connectTls refuses Unix-domain sockets", async () => {
  await assert.rejects(
    denoTransport.connectTls!({ kind: "unix", path: "/tmp/.s.PGSQL.5432" }, UPGRADABLE, {
      verify: "none",
      hostname: "localhost",
      sni: true,
    }),
    /Unix-domain sockets/,
  );
});

// ---------------------------------------------------------------------------------------------
// Configuration host.

Deno.test("denoConfigHost reads the environment and files", async () => {
  const host = denoConfigHost();
  assert.equal(host.unixSockets, Deno.build.os !== "windows");
  assert.equal(host.env("PATH"), Deno.env.get("PATH"));
  assert.equal(host.env("PGLINE_SURELY_UNSET_VARIABLE"), undefined);
  assert.equal(host.homeDir(), Deno.env.get("HOME"));
  assert.equal(host.userName(), Deno.env.get("USER") ?? Deno.env.get("LOGNAME"));

  const dir = await Deno.makeTempDir();
  const path = `${dir}/pgpass`;
  await Deno.writeTextFile(path, "*:*:*:*:secret\n");
  await Deno.chmod(path, 0o600);
  assert.equal(await host.readTextFile(path), "*:*:*:*:secret\n");
  assert.equal(await host.fileMode(path), 0o100600);
  assert.equal(await host.readTextFile(`${dir}/missing`), undefined);
  assert.equal(await host.fileMode(`${dir}/missing`), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("connectTls: the signal aborts a handshake the server never answers", async () => {
  const server = await serve(() => {});
  const controller = new AbortController();
  const reason = new Error("handshake timeout");
  const connecting = denoTransport.connectTls!(server.target, {
    ...UPGRADABLE,
    signal: controller.signal,
  }, { verify: "none", hostname: "localhost", sni: true });
  setTimeout(() => controller.abort(reason), 50);
  await assert.rejects(connecting, (e) => e === reason);
  await server.close();
});
