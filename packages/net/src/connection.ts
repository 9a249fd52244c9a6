/**
 * Outgoing connections: `openConnection` (TCP, optionally TLS), `openUnixConnection`,
 * `createConnection` (Python's `socket.create_connection`).
 * @module
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { CurioError } from '@curio/kernel';
import { type AddressLike, inetParts, literalHost } from './address.js';
import { AF_UNIX } from './constants.js';
import { writeChannelFor } from './internal/channels.js';
import { dial } from './internal/dial.js';
import { waitEvent } from './internal/event-wait.js';
import { Socket } from './socket.js';

/** Options of the `wrapSocket` method of an SSL context. */
export interface WrapSocketOptions {
  /** True for the server side of a connection. */
  serverSide?: boolean;
  /** The host name to check the server's certificate against (client side). */
  serverHostname?: string;
}

/**
 * Anything that can put TLS on a connected socket: an `SSLContext` from `@curio/ssl`, or
 * your own object with a `wrapSocket` method.
 */
export interface SSLWrapper {
  /** Wrap a connected socket; resolves to the TLS socket (which has the `Socket` API). */
  wrapSocket(sock: Socket, options: WrapSocketOptions): Socket | Promise<Socket>;
}

/** Options of {@link openConnection}. */
export interface OpenConnectionOptions {
  /**
   * TLS: an `SSLContext` (anything with `wrapSocket`), or `true` for Node's default client
   * context (certificates are checked only when `serverHostname` is given, as in Curio).
   */
  ssl?: SSLWrapper | boolean;
  /** Host name for TLS certificate checking and SNI. Only with `ssl`. */
  serverHostname?: string;
  /** Local `[host, port]` to connect from. */
  sourceAddr?: AddressLike;
  /** ALPN protocols to offer (with `ssl: true`), e.g. `['h2', 'http/1.1']`. */
  alpnProtocols?: string[];
}

/** Options of {@link createConnection}. */
export interface CreateConnectionOptions {
  /** Local `[host, port]` to connect from. */
  sourceAddress?: AddressLike;
}

/**
 * Connect to `[host, port]`, as Python's `socket.create_connection`: the host may be a
 * name (every address it resolves to is tried). A cancellation point.
 */
export async function createConnection(
  address: AddressLike,
  options: CreateConnectionOptions = {},
): Promise<Socket> {
  const [host, port] = inetParts(address, 'createConnection');
  const target = host === '' ? 'localhost' : host;
  const connectOptions: Parameters<typeof dial>[0] = { host: target, port };
  if (options.sourceAddress !== undefined) {
    const [lhost, lport] = inetParts(options.sourceAddress, 'createConnection');
    const kind = isIP(target);
    connectOptions.localAddress = literalHost(lhost, kind === 6 ? 10 : 2);
    if (lport) connectOptions.localPort = lport;
    if (kind === 0) connectOptions.family = isIP(connectOptions.localAddress) || undefined;
  }
  return new Socket(await dial(connectOptions));
}

/**
 * Open a TCP connection to `host`, `port`, with TLS if `ssl` is given. Resolves to a
 * connected {@link Socket}.
 * @example
 * await using sock = await openConnection('example.com', 80);
 * await sock.sendall('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 * const reply = await sock.asStream().readall();
 */
export async function openConnection(
  host: string,
  port: number,
  options: OpenConnectionOptions = {},
): Promise<Socket> {
  if (options.serverHostname !== undefined && !options.ssl) {
    throw new CurioError(
      'serverHostname is only applicable with ssl: pass ssl: true or an SSLContext',
    );
  }
  const sock = await createConnection([host, port], { sourceAddress: options.sourceAddr });
  if (!options.ssl) return sock;
  return wrapClient(sock, host, options);
}

/**
 * Connect to the Unix socket at `path` (with TLS if `ssl` is given).
 * @example
 * await using sock = await openUnixConnection('/tmp/curio.sock');
 */
export async function openUnixConnection(
  path: string,
  options: Omit<OpenConnectionOptions, 'sourceAddr'> = {},
): Promise<Socket> {
  if (options.serverHostname !== undefined && !options.ssl) {
    throw new CurioError(
      'serverHostname is only applicable with ssl: pass ssl: true or an SSLContext',
    );
  }
  if (typeof path !== 'string') throw new TypeError('openUnixConnection() needs a path string');
  const sock = new Socket(await dial({ path }), { family: AF_UNIX, peerPath: path });
  if (!options.ssl) return sock;
  return wrapClient(sock, undefined, options);
}

async function wrapClient(
  sock: Socket,
  host: string | undefined,
  options: OpenConnectionOptions,
): Promise<Socket> {
  const { ssl, serverHostname } = options;
  try {
    if (ssl !== true) {
      if (typeof ssl !== 'object' || typeof ssl.wrapSocket !== 'function') {
        throw new CurioError(
          'ssl must be true or an object with a wrapSocket() method (an SSLContext from @curio/ssl)',
        );
      }
      return await ssl.wrapSocket(sock, serverHostname === undefined ? {} : { serverHostname });
    }
  } catch (err) {
    await sock.close();
    throw err;
  }
  const family = sock.family;
  const raw = sock.detach();
  // SNI takes host names only (Node warns about an address); the certificate check uses
  // `host`, so an address given as serverHostname is still checked against the certificate.
  const name = serverHostname ?? host;
  const servername = name !== undefined && isIP(name) === 0 ? name : undefined;
  const secure = tls.connect({
    socket: raw,
    ...(servername !== undefined ? { servername } : {}),
    ...(serverHostname !== undefined ? { host: serverHostname } : {}),
    rejectUnauthorized: serverHostname !== undefined,
    ...(serverHostname === undefined ? { checkServerIdentity: () => undefined } : {}),
    ...(options.alpnProtocols ? { ALPNProtocols: options.alpnProtocols } : {}),
  });
  writeChannelFor(secure);
  await waitEvent(secure, 'secureConnect', 'WRITE_WAIT', () => secure.destroy());
  return new Socket(secure, family === AF_UNIX ? { family, peerPath: '' } : { family });
}
