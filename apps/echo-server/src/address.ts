/**
 * How the servers print addresses: `127.0.0.1:25000`, `[::1]:25000`.
 * @module
 */
import type { SocketAddress } from '@curio/net';

/** `host:port` (IPv6 hosts in brackets); a Unix path as is. */
export function formatAddressForLog(address: SocketAddress): string {
  if (typeof address === 'string') return address;
  const [host, port] = address;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
