/**
 * `wrapSocket(sock, options)`: TLS on one socket without making a context first, as the
 * module-level `ssl.wrap_socket` of older Pythons. Unlike that function, it checks the peer
 * by default: a client checks the server's certificate against Node's trusted authorities.
 * @module
 */
import type { Socket, WrapSocketOptions } from '@curio/net';
import { CERT_NONE, Purpose, type VerifyMode } from './constants.js';
import { createDefaultContext } from './context.js';
import type { SSLSocket } from './ssl-socket.js';

/** Options of {@link wrapSocket}. */
export interface WrapSocketFunctionOptions extends WrapSocketOptions {
  /** This side's certificate chain (PEM); required on the server side. */
  certfile?: string;
  /** The private key for `certfile` (default: read from `certfile`). */
  keyfile?: string;
  /**
   * How the peer's certificate is checked (default: `CERT_REQUIRED` for a client,
   * `CERT_NONE` for a server).
   */
  certReqs?: VerifyMode;
  /** Trust only the certificate authorities in this PEM file (default: Node's). */
  caCerts?: string;
}

/**
 * Put TLS on the connected socket `sock` with a context made for it (see
 * {@link createDefaultContext}); resolves to an {@link SSLSocket} once the handshake is
 * done. A client checks the server's host name only when `serverHostname` is given.
 * @example
 * await using tls = await wrapSocket(sock, { serverHostname: 'www.python.org' });
 */
export async function wrapSocket(
  sock: Socket,
  options: WrapSocketFunctionOptions = {},
): Promise<SSLSocket> {
  const { serverSide = false, serverHostname, certfile, keyfile, certReqs, caCerts } = options;
  const ctx = createDefaultContext(
    serverSide ? Purpose.CLIENT_AUTH : Purpose.SERVER_AUTH,
    caCerts === undefined ? {} : { cafile: caCerts },
  );
  if (certfile !== undefined) ctx.loadCertChain(certfile, keyfile);
  if (!serverSide && (serverHostname === undefined || certReqs === CERT_NONE)) {
    ctx.checkHostname = false;
  }
  if (certReqs !== undefined) ctx.verifyMode = certReqs;
  return ctx.wrapSocket(
    sock,
    serverHostname === undefined ? { serverSide } : { serverSide, serverHostname },
  );
}
