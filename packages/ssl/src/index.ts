/**
 * `@curio/ssl`: TLS for curio sockets, shaped like Python's `ssl` module. An
 * {@link SSLContext} holds certificates, keys and checks; `wrapSocket` puts TLS on a
 * connected socket, and the context is the `ssl` option of `openConnection`, `tcpServer` and
 * `runServer`.
 * @packageDocumentation
 */
export {
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  Purpose,
  type SSLProtocol,
  type VerifyMode,
} from './constants.js';
export { createDefaultContext, SSLContext, type VerifyLocations } from './context.js';
export { SSLCertVerificationError, SSLError } from './errors.js';
export { SSLSocket, type SSLSocketOptions } from './ssl-socket.js';
export { type WrapSocketFunctionOptions, wrapSocket } from './wrap-socket.js';
