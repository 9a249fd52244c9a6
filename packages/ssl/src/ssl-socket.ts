/**
 * `SSLSocket`: a connected socket with TLS on it. It has the whole `Socket` API (`recv`,
 * `sendall`, `asStream`, `close`, ...) and, as Python's, tells what the handshake agreed on.
 * @module
 */
import type tls from 'node:tls';
import { Socket, type WrapOptions } from '@curio/net';
import type { SSLContext } from './context.js';

/** @internal What the handshake was for, recorded on the SSLSocket. */
export interface SSLSocketOptions extends WrapOptions {
  /** The context that wrapped the socket. */
  context: SSLContext;
  /** True for the server's end of the connection. */
  serverSide: boolean;
  /** The host name the client asked for (client side). */
  serverHostname?: string | undefined;
}

/**
 * A socket speaking TLS, made by {@link SSLContext.wrapSocket} (or `openConnection(..., { ssl
 * })` and `tcpServer(..., { ssl })`). Data sent and received is the plaintext.
 * @example
 * const ctx = createDefaultContext();
 * await using sock = await openConnection('www.python.org', 443, {
 *   ssl: ctx,
 *   serverHostname: 'www.python.org',
 * });
 * console.log(sock.version(), sock.getpeercert()?.subject.CN);
 */
export class SSLSocket extends Socket {
  /** The context the socket was wrapped with. */
  readonly context: SSLContext;
  /** True for the server's end of the connection. */
  readonly serverSide: boolean;
  /** The host name the client checked the server's certificate for (client side). */
  readonly serverHostname: string | undefined;
  readonly #tls: tls.TLSSocket;

  /** @internal Made by `SSLContext.wrapSocket` once the handshake is done. */
  constructor(conn: tls.TLSSocket, options: SSLSocketOptions) {
    super(conn, options);
    this.#tls = conn;
    this.context = options.context;
    this.serverSide = options.serverSide;
    this.serverHostname = options.serverHostname;
  }

  /**
   * The peer's certificate (subject, issuer, validity, fingerprints, ...), or `null` if it
   * sent none. With `binaryForm`, its DER encoding.
   */
  getpeercert(): tls.PeerCertificate | null;
  getpeercert(binaryForm: true): Buffer | null;
  getpeercert(binaryForm = false): tls.PeerCertificate | Buffer | null {
    const cert = this.#tls.getPeerCertificate();
    // Node returns an empty object when the peer sent no certificate.
    if (cert === null || cert === undefined || Object.keys(cert).length === 0) return null;
    return binaryForm ? cert.raw : cert;
  }

  /** The cipher in use: `{ name, standardName, version }`, or `null` once closed. */
  cipher(): tls.CipherNameAndProtocol | null {
    // A closed socket may still be flushing in the background: it is closed all the same.
    if (this.closed) return null;
    return this.#tls.getCipher() ?? null;
  }

  /** The protocol version agreed on, such as `'TLSv1.3'`, or `null` once closed. */
  version(): string | null {
    if (this.closed) return null;
    return this.#tls.getProtocol() ?? null;
  }

  /** The ALPN protocol both ends chose (see `setAlpnProtocols`), or `null` if none. */
  selectedAlpnProtocol(): string | null {
    const protocol = this.#tls.alpnProtocol;
    return typeof protocol === 'string' ? protocol : null;
  }

  /** Like the Socket's, plus the protocol version while connected. */
  override toString(): string {
    const base = super.toString().replace(/^<curio\.Socket/, '<curio.SSLSocket');
    const version = this.version();
    return version === null ? base : base.replace(/>$/, `, version=${version}>`);
  }
}
