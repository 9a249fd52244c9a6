/**
 * Socket constants, as in Python's `socket` module. The values are Linux's; they are only
 * names here (nothing reaches a system call), so code ported from Python reads the same on
 * every platform.
 * @module
 */

/** IPv4 address family: addresses are `[host, port]`. */
export const AF_INET = 2;
/** IPv6 address family: addresses are `[host, port]`. */
export const AF_INET6 = 10;
/** Unix domain sockets: addresses are file system paths. */
export const AF_UNIX = 1;

/** A byte stream (TCP, or a stream Unix socket). */
export const SOCK_STREAM = 1;
/** Datagrams (UDP). */
export const SOCK_DGRAM = 2;

/** `setsockopt` level of the socket options. */
export const SOL_SOCKET = 1;
/** Allow binding a listening address in TIME_WAIT. Node always sets it on TCP servers. */
export const SO_REUSEADDR = 2;
/** Let several sockets bind the same address (TCP: Node >= 22.12; UDP: Node >= 23.1). */
export const SO_REUSEPORT = 15;
/** TCP keep-alive probes (`net.Socket.setKeepAlive`). */
export const SO_KEEPALIVE = 9;
/**
 * How long a closed socket keeps flushing unsent data to a slow peer, in seconds (a
 * number here, not Python's struct); 0 drops it at once. Default 5.
 */
export const SO_LINGER = 13;
/** Allow sending UDP datagrams to a broadcast address. */
export const SO_BROADCAST = 6;
/** Size of the kernel's send buffer (UDP only here). */
export const SO_SNDBUF = 7;
/** Size of the kernel's receive buffer (UDP only here). */
export const SO_RCVBUF = 8;

/** `setsockopt` level of the TCP options. */
export const IPPROTO_TCP = 6;
/** Alias of {@link IPPROTO_TCP}. */
export const SOL_TCP = IPPROTO_TCP;
/** Protocol number of UDP. */
export const IPPROTO_UDP = 17;
/** Disable Nagle's algorithm (`net.Socket.setNoDelay`). */
export const TCP_NODELAY = 1;

/** `shutdown()`: no more receiving. */
export const SHUT_RD = 0;
/** `shutdown()`: no more sending (half-close: the peer reads end-of-file). */
export const SHUT_WR = 1;
/** `shutdown()`: neither. */
export const SHUT_RDWR = 2;

/** @internal Display names, for messages and `toString()`. */
export const FAMILY_NAMES: Readonly<Record<number, string>> = {
  [AF_INET]: 'AF_INET',
  [AF_INET6]: 'AF_INET6',
  [AF_UNIX]: 'AF_UNIX',
};

/** @internal */
export const TYPE_NAMES: Readonly<Record<number, string>> = {
  [SOCK_STREAM]: 'SOCK_STREAM',
  [SOCK_DGRAM]: 'SOCK_DGRAM',
};
