// Synchronous listen, as Python's bind()+listen(). Node binds a TCP server asynchronously
// when given a host (it first resolves the host, even a literal, on a later tick), so
// getsockname() right after listen() would not know the port yet. For a literal address
// we call the server's own setup routine directly (`_listen2`, the legacy alias Node keeps
// for cluster), which binds and listens at once; anything else goes through listen().
// Failures are emitted as 'error' on the next tick either way.
import type { Server } from 'node:net';
import { isIP } from 'node:net';

// libuv's uv_tcp_flags: UV_TCP_IPV6ONLY = 1, UV_TCP_REUSEPORT = 2.
const UV_TCP_REUSEPORT = 2;

/** What to listen on. */
export interface ListenTarget {
  host?: string;
  port?: number;
  path?: string;
  backlog: number;
  reusePort?: boolean;
}

type SetupListen = (
  address: string,
  port: number,
  addressType: number,
  backlog: number,
  fd: undefined,
  flags: number,
) => void;

/** True when this Node binds with SO_REUSEPORT (`reusePort` in `server.listen`). */
export function supportsReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** Start `server` listening; binds before returning whenever the address is a literal. */
export function listenNow(server: Server, target: ListenTarget): void {
  const { host, port = 0, path, backlog } = target;
  if (path !== undefined) {
    server.listen({ path, backlog });
    return;
  }
  const kind = host === undefined ? 0 : isIP(host);
  const setup = (server as unknown as { _listen2?: SetupListen })._listen2;
  const inClusterWorker = process.env.NODE_UNIQUE_ID !== undefined;
  if (kind !== 0 && typeof setup === 'function' && !inClusterWorker) {
    let flags = 0;
    if (target.reusePort && supportsReusePort()) flags |= UV_TCP_REUSEPORT;
    setup.call(server, host!, port, kind, backlog, undefined, flags);
    return;
  }
  server.listen({
    host,
    port,
    backlog,
    ...(target.reusePort && supportsReusePort() ? { reusePort: true } : {}),
  });
}
