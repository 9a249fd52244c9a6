/**
 * `@curio/net`: Curio's sockets, streams, files and servers on Node. Every operation that
 * may wait is a cancellation point of the curio kernel; a cancelled operation leaves no
 * trace (a cancelled `recv` consumes nothing, a cancelled `accept` loses no connection).
 * @packageDocumentation
 */
export type { AddressLike, InetAddress, SocketAddress } from './address.js';
export {
  type CreateConnectionOptions,
  createConnection,
  type OpenConnectionOptions,
  openConnection,
  openUnixConnection,
  type SSLWrapper,
  type WrapSocketOptions,
} from './connection.js';
export {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_BROADCAST,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_TCP,
  TCP_NODELAY,
} from './constants.js';
export {
  EOFError,
  type IOProgress,
  LineTooLongError,
  progressOf,
  type SystemError,
} from './errors.js';
export { AsyncFile, aopen, type BinaryMode, type FileMode, type TextMode } from './file.js';
export { FileStream, type FileStreamOptions } from './file-stream.js';
export type { Bytes } from './internal/bytes.js';
export { FileLease, Lease, SocketLease, StreamLease } from './lease.js';
export {
  type ClientHandler,
  type RunServerOptions,
  runServer,
  type TcpServerOptions,
  type TcpServerSocketOptions,
  tcpServer,
  tcpServerSocket,
  type UnixServerOptions,
  type UnixServerSocketOptions,
  unixServer,
  unixServerSocket,
} from './server.js';
export { Socket, socket, type WrapOptions } from './socket.js';
export { socketpair } from './socketpair.js';
export { MAX_READ, SocketStream, StreamBase, type StreamOptions } from './stream.js';
