/**
 * A tracing proxy for the PostgreSQL protocol, as a module and a command.
 *
 * ```sh
 * deno run -A jsr:@pgline/pgline/proxy --listen 127.0.0.1:6432 --upstream 127.0.0.1:5432
 * psql "host=127.0.0.1 port=6432 user=app sslmode=disable"
 * ```
 *
 * Every message is printed with its session, time and direction (`[F2B]` client to server,
 * `[B2F]` server to client); `--json` prints one JSON object per line instead. Bytes are forwarded
 * unchanged. The proxy answers the client's SSLRequest itself: it declines ('N'), or with
 * `--tls-cert` and `--tls-key` terminates TLS; it connects upstream with its own sslmode (from
 * `--upstream` given as a connection string, such as `"host=db port=5432 sslmode=verify-full
 * sslrootcert=ca.crt"`). CancelRequests go to the upstream connection they name.
 *
 * Channel binding (SCRAM-SHA-256-PLUS) cannot pass through the proxy: the client's TLS, if any,
 * ends at the proxy, so the binding it computes never matches the server's certificate. A
 * client that picks SCRAM-SHA-256-PLUS over TLS to the proxy gets a FATAL error saying so; a
 * client without TLS (libpq) refuses a server that offers it. `--strip-channel-binding` removes
 * it from the server's offer (the one change the proxy makes, and only when asked), which is
 * enough for clients without TLS to the proxy; a client with TLS to the proxy must also use
 * `channel_binding=disable` (else it tells the server it could have bound, and a server on TLS
 * refuses that). Otherwise use `channel_binding=disable` on the clients or an upstream without
 * TLS.
 *
 * Sockets come from `node:net` and `node:tls` on every runtime (Deno, Bun and Node).
 *
 * @example Tracing a session in a test
 * ```ts
 * import { startProxy } from "@pgline/pgline/proxy";
 * const lines: string[] = [];
 * const proxy = await startProxy({
 *   upstream: "127.0.0.1:5432",
 *   listen: { hostname: "127.0.0.1", port: 0 },
 *   output: (line) => lines.push(line),
 * });
 * // connect clients to 127.0.0.1:${proxy.port}; `lines` fills with the exchange
 * await proxy.close();
 * ```
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import process from "node:process";
import { nodeConfigHost } from "../../compat/node_host.ts";
import { createNodeTransport } from "../../compat/node.ts";
import { parseHostPort, type Proxy, type ProxyOptions, startProxyWith } from "./proxy.ts";

export type { Proxy, ProxyOptions, ProxyRuntime } from "./proxy.ts";
export { startProxyWith } from "./proxy.ts";

/**
 * Starts a tracing proxy on `node:net`/`node:tls` sockets, which every runtime provides.
 *
 * @param options Where to listen, the upstream server, TLS towards clients, the trace format.
 * @returns The proxy, once it listens.
 * @throws {Error} when the upstream setting is invalid or the address cannot be listened on.
 *
 * @example A proxy printing JSON lines
 * ```ts
 * import { startProxy } from "@pgline/pgline/proxy";
 * const proxy = await startProxy({
 *   upstream: "host=127.0.0.1 port=5432 sslmode=disable",
 *   listen: { port: 0 },
 *   format: "json",
 * });
 * await proxy.close();
 * ```
 */
export function startProxy(options: ProxyOptions): Promise<Proxy> {
  return startProxyWith({ transport: createNodeTransport(), host: nodeConfigHost() }, options);
}

const USAGE = `pgline proxy: a tracing proxy for the PostgreSQL protocol

usage: proxy --upstream <host:port | connection string> [options]

  --upstream <target>   the server: host:port, or a connection string / URI whose host,
                        port and ssl* settings are used (e.g. "host=db sslmode=verify-full
                        sslrootcert=ca.crt"); required
  --listen <host:port>  where to listen (default 127.0.0.1:6432)
  --tls-cert <file>     terminate the clients' TLS with this certificate (PEM) ...
  --tls-key <file>      ... and key; without them SSLRequests are declined ('N')
  --json                one JSON object per line instead of readable lines
  --quiet               no trace
  --strip-channel-binding
                        remove SCRAM-SHA-256-PLUS from the server's SASL offer, so that
                        clients without TLS to the proxy use SCRAM-SHA-256 (channel
                        binding cannot pass a proxy)
  --show-secrets        do not redact passwords and cancel keys
  --max-value <n>       longest value shown (default 120)
  -h, --help            this text

Channel binding (SCRAM-SHA-256-PLUS) cannot pass through the proxy: a server on TLS
offers it, and clients then fail. Use channel_binding=disable on the clients, an
upstream with sslmode=disable, or --strip-channel-binding for clients that connect
to the proxy without TLS (a client with TLS to the proxy still needs
channel_binding=disable: it would tell the server it could have bound, and a server
on TLS refuses that as a downgrade).`;

/**
 * Parses the command line of the proxy.
 *
 * @param args The arguments after the program name.
 * @returns The options, or a usage error message.
 *
 * @example Parsing arguments
 * ```ts
 * import { parseProxyArgs } from "@pgline/pgline/proxy";
 * const parsed = await parseProxyArgs(["--listen", "127.0.0.1:7000", "--upstream", "db:5432"]);
 * console.assert("options" in parsed && parsed.options.listen?.port === 7000);
 * ```
 */
export async function parseProxyArgs(
  args: readonly string[],
): Promise<{ options: ProxyOptions } | { error: string } | { help: true }> {
  let upstream: string | undefined;
  let listen = { hostname: "127.0.0.1", port: 6432 };
  let certFile: string | undefined;
  let keyFile: string | undefined;
  let format: ProxyOptions["format"] = "text";
  let showSecrets = false;
  let stripChannelBinding = false;
  let maxValueLength = 120;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    switch (name) {
      case "-h":
      case "--help":
        return { help: true };
      case "--upstream":
        upstream = value();
        break;
      case "--listen": {
        const text = value() ?? "";
        const target = parseHostPort(/^\d+$/.test(text) ? `127.0.0.1:${text}` : text);
        if (target === undefined) return { error: `--listen wants host:port, not "${text}"` };
        listen = target;
        break;
      }
      case "--tls-cert":
        certFile = value();
        break;
      case "--tls-key":
        keyFile = value();
        break;
      case "--json":
        format = "json";
        break;
      case "--quiet":
        format = "none";
        break;
      case "--show-secrets":
        showSecrets = true;
        break;
      case "--strip-channel-binding":
        stripChannelBinding = true;
        break;
      case "--max-value": {
        maxValueLength = Number(value());
        if (!Number.isInteger(maxValueLength) || maxValueLength < 1) {
          return { error: "--max-value wants a positive integer" };
        }
        break;
      }
      default:
        return { error: `unknown argument "${arg}"` };
    }
  }
  if (upstream === undefined || upstream === "") return { error: "--upstream is required" };
  if ((certFile === undefined) !== (keyFile === undefined)) {
    return { error: "--tls-cert and --tls-key go together" };
  }
  const options: ProxyOptions = {
    upstream,
    listen,
    format,
    showSecrets,
    maxValueLength,
    stripChannelBinding,
  };
  if (certFile !== undefined && keyFile !== undefined) {
    options.tls = { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
  }
  return { options };
}

async function main(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = await parseProxyArgs(args);
  } catch (err) {
    console.error(`pgline proxy: ${(err as Error).message}`);
    return 2;
  }
  if ("help" in parsed) {
    console.log(USAGE);
    return 0;
  }
  if ("error" in parsed) {
    console.error(`pgline proxy: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const proxy = await startProxy(parsed.options);
  console.error(
    `pgline proxy: listening on ${proxy.hostname}:${proxy.port}, forwarding to ${
      String(parsed.options.upstream)
    }${parsed.options.tls ? ", terminating client TLS" : ""}`,
  );
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await proxy.close();
  console.error(`pgline proxy: ${signal}: closed`);
  return 0;
}

if ((import.meta as { main?: boolean }).main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`pgline proxy: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
