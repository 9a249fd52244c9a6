/**
 * Socket addresses, as in Python: `[host, port]` arrays for IPv4/IPv6, a path string for
 * Unix sockets. Also the mapping of Python's host spellings (`''` for every interface,
 * `'localhost'`, `'<broadcast>'`) to what Node expects.
 * @module
 */
import { isIP } from 'node:net';
import { AF_INET, AF_INET6, AF_UNIX } from './constants.js';

/** An IPv4 or IPv6 address: `[host, port]` (Python's `(host, port)` tuple). */
export type InetAddress = [host: string, port: number];

/** Any socket address: `[host, port]`, or a path for Unix sockets. */
export type SocketAddress = InetAddress | string;

/** What the functions accept: longer IPv6 tuples from ported code are fine (extra items are ignored). */
export type AddressLike = string | readonly [string, number, ...unknown[]];

/** @internal Split an IPv4/IPv6 address; throws a helpful error for anything else. */
export function inetParts(address: AddressLike, where: string): InetAddress {
  if (!Array.isArray(address) || typeof address[0] !== 'string' || typeof address[1] !== 'number') {
    throw new TypeError(`${where}() needs a [host, port] address, got ${describe(address)}`);
  }
  const port = address[1];
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${where}(): port must be an integer 0-65535, got ${port}`);
  }
  return [address[0], port];
}

/** @internal A Unix socket path; throws a helpful error for anything else. */
export function unixPath(address: AddressLike, where: string): string {
  if (typeof address !== 'string') {
    throw new TypeError(
      `${where}() on an AF_UNIX socket needs a path string, got ${describe(address)}`,
    );
  }
  return address;
}

/**
 * @internal Python's host spellings to a literal Node accepts: `''` is every interface,
 * `'localhost'` the loopback address of the family, `'<broadcast>'` the IPv4 broadcast.
 */
export function literalHost(host: string, family: number): string {
  if (host === '') return family === AF_INET6 ? '::' : '0.0.0.0';
  if (host === 'localhost') return family === AF_INET6 ? '::1' : '127.0.0.1';
  if (host === '<broadcast>') return '255.255.255.255';
  return host;
}

/** @internal The family a host literal belongs to, or `undefined` for a name. */
export function familyOfHost(host: string): number | undefined {
  const v = isIP(host);
  return v === 4 ? AF_INET : v === 6 ? AF_INET6 : undefined;
}

/** @internal Node's numeric family for a Python family. */
export function nodeFamily(family: number): 4 | 6 | undefined {
  return family === AF_INET ? 4 : family === AF_INET6 ? 6 : undefined;
}

/** @internal Python family from Node's `'IPv4'`/`'IPv6'`/4/6. */
export function familyFromNode(value: string | number | undefined): number {
  if (value === 'IPv6' || value === 6) return AF_INET6;
  if (value === 'IPv4' || value === 4) return AF_INET;
  return AF_UNIX;
}

/** @internal `[host, port]` from Node's `{ address, port }` (strips IPv4-mapped IPv6 prefixes). */
export function fromNodeAddress(
  address: string | undefined,
  port: number | undefined,
  family: number,
): InetAddress {
  let host = address ?? (family === AF_INET6 ? '::' : '0.0.0.0');
  if (family === AF_INET && host.startsWith('::ffff:')) host = host.slice(7);
  return [host, port ?? 0];
}

/** @internal Format an address for messages. */
export function formatAddress(address: SocketAddress | undefined): string {
  if (address === undefined) return '-';
  if (typeof address === 'string') return address === '' ? "''" : address;
  return address[0].includes(':') ? `[${address[0]}]:${address[1]}` : `${address[0]}:${address[1]}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
