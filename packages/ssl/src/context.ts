/**
 * `SSLContext` and `createDefaultContext`: Python's `ssl.SSLContext` over `node:tls`. A
 * context holds the certificates, keys and checks for one side of TLS connections; its
 * `wrapSocket` puts TLS on a connected curio socket and resolves once the handshake is done.
 * @module
 */
import type net from 'node:net';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { CurioError } from '@curio/kernel';
import { AF_UNIX, type Socket, type SSLWrapper, type WrapSocketOptions } from '@curio/net';
import {
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  Purpose,
  type SSLProtocol,
  type VerifyMode,
} from './constants.js';
import { SSLError } from './errors.js';
import { Handshake } from './internal/handshake.js';
import { certificatesIn, certificatesInDirectory, readPemFile } from './internal/pem.js';
import { type Checker, handshakeError, refused, translateErrors } from './internal/tls-errors.js';
import { SSLSocket } from './ssl-socket.js';

/** Where `createDefaultContext` and `loadVerifyLocations` find trusted certificates. */
export interface VerifyLocations {
  /** A file of PEM certificates. */
  cafile?: string;
  /** A directory whose files hold PEM certificates. */
  capath?: string;
  /** Certificates themselves: PEM text, or PEM or DER bytes. */
  cadata?: string | Buffer;
}

/** A certificate chain and its private key, as loaded by `loadCertChain`. */
interface CertChain {
  cert: Buffer;
  key: Buffer;
  passphrase: string | undefined;
}

const noIdentityCheck = (): undefined => undefined;

/**
 * The TLS settings for one side of connections. Make one with {@link createDefaultContext}
 * (or `new SSLContext(PROTOCOL_TLS_CLIENT | PROTOCOL_TLS_SERVER)`), load certificates into
 * it, and pass it as the `ssl` option of `openConnection`/`tcpServer`/`runServer`, or call
 * {@link SSLContext.wrapSocket} on a connected socket.
 * @example
 * const ctx = createDefaultContext(Purpose.CLIENT_AUTH);
 * ctx.loadCertChain('server.crt', 'server.key');
 * await tcpServer('', 10000, handler, { ssl: ctx });
 */
export class SSLContext implements SSLWrapper {
  /** `PROTOCOL_TLS_CLIENT` or `PROTOCOL_TLS_SERVER`: which side the context is for. */
  readonly protocol: SSLProtocol;
  #verifyMode: VerifyMode;
  #checkHostname: boolean;
  #chain: CertChain | undefined;
  #trusted: string[] = [];
  #defaultCerts = false;
  #alpn: string[] | undefined;
  #ciphers: string | undefined;
  // Built from the settings above at the first wrap after a change.
  #secureContext: tls.SecureContext | undefined;

  /**
   * A context that trusts no certificate authority yet. A client context checks the
   * server's certificate and host name (`CERT_REQUIRED`, `checkHostname`); a server context
   * asks clients for none (`CERT_NONE`).
   */
  constructor(protocol: SSLProtocol = PROTOCOL_TLS_CLIENT) {
    if (protocol !== PROTOCOL_TLS_CLIENT && protocol !== PROTOCOL_TLS_SERVER) {
      throw new CurioError(
        `SSLContext() takes PROTOCOL_TLS_CLIENT or PROTOCOL_TLS_SERVER, got ${String(protocol)}`,
      );
    }
    this.protocol = protocol;
    const client = protocol === PROTOCOL_TLS_CLIENT;
    this.#verifyMode = client ? CERT_REQUIRED : CERT_NONE;
    this.#checkHostname = client;
  }

  /**
   * How the peer's certificate is checked: `CERT_NONE`, `CERT_OPTIONAL` (servers: check a
   * client certificate if one is sent) or `CERT_REQUIRED`.
   * @throws CurioError when set to `CERT_NONE` while `checkHostname` is on.
   */
  get verifyMode(): VerifyMode {
    return this.#verifyMode;
  }
  set verifyMode(mode: VerifyMode) {
    if (mode !== CERT_NONE && mode !== CERT_OPTIONAL && mode !== CERT_REQUIRED) {
      throw new CurioError(
        `verifyMode must be CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED, got ${String(mode)}`,
      );
    }
    if (mode === CERT_NONE && this.#checkHostname) {
      throw new CurioError(
        'cannot set verifyMode to CERT_NONE while checkHostname is on: set checkHostname = false first',
      );
    }
    this.#verifyMode = mode;
  }

  /**
   * Whether a client checks that the server's certificate is for `serverHostname`. Turning
   * it on also turns certificate checking on (`CERT_REQUIRED`), as in Python.
   */
  get checkHostname(): boolean {
    return this.#checkHostname;
  }
  set checkHostname(on: boolean) {
    this.#checkHostname = Boolean(on);
    if (this.#checkHostname && this.#verifyMode === CERT_NONE) this.#verifyMode = CERT_REQUIRED;
  }

  /**
   * Load this side's certificate chain (PEM, the certificate first) and its private key
   * from files. Without `keyfile`, the key is read from `certfile`. `password` decrypts an
   * encrypted key.
   * @throws SSLError when the files hold no usable certificate or key, or they do not match.
   */
  loadCertChain(certfile: string, keyfile?: string, password?: string | (() => string)): void {
    const cert = readPemFile(certfile, 'certfile');
    const key = keyfile === undefined ? cert : readPemFile(keyfile, 'keyfile');
    const passphrase = typeof password === 'function' ? password() : password;
    const source = keyfile === undefined ? certfile : `${certfile} and ${keyfile}`;
    certificatesIn(cert, certfile);
    try {
      tls.createSecureContext({ cert, key, ...(passphrase === undefined ? {} : { passphrase }) });
    } catch (err) {
      const reason = (err as { code?: string }).code;
      const hint =
        keyfile === undefined
          ? ': the certificate file holds no (matching) private key, pass keyfile'
          : ': check that the key belongs to the certificate (and the password, if it is encrypted)';
      throw new SSLError(
        `cannot load the certificate chain from ${source}: ${(err as Error).message}${hint}`,
        reason === undefined ? { cause: err } : { cause: err, reason },
      );
    }
    this.#chain = { cert, key, passphrase };
    this.#secureContext = undefined;
  }

  /**
   * Trust the certificate authorities in `cafile` (PEM), the files of `capath`, and/or
   * `cadata` (PEM text, or PEM or DER bytes), in addition to those already trusted.
   * @throws SSLError when a location holds no readable certificate.
   */
  loadVerifyLocations(cafile?: string, capath?: string, cadata?: string | Buffer): void {
    if (cafile === undefined && capath === undefined && cadata === undefined) {
      throw new TypeError('loadVerifyLocations() needs a cafile, a capath or cadata');
    }
    const found: string[] = [];
    if (cafile !== undefined) found.push(...certificatesIn(readPemFile(cafile, 'cafile'), cafile));
    if (capath !== undefined) found.push(...certificatesInDirectory(capath));
    if (cadata !== undefined) found.push(...certificatesIn(cadata, 'cadata'));
    this.#trusted.push(...found);
    this.#secureContext = undefined;
  }

  /** Trust the certificate authorities Node trusts (its bundled Mozilla list, plus `NODE_EXTRA_CA_CERTS`). */
  loadDefaultCerts(): void {
    this.#defaultCerts = true;
    this.#secureContext = undefined;
  }

  /** The ALPN protocols to offer (client) or accept (server), most preferred first. */
  setAlpnProtocols(protocols: readonly string[]): void {
    if (!Array.isArray(protocols) || protocols.some((p) => typeof p !== 'string' || p === '')) {
      throw new TypeError(
        'setAlpnProtocols() takes an array of protocol names, e.g. ["h2", "http/1.1"]',
      );
    }
    for (const p of protocols) {
      // The wire format stores each name's length in one byte.
      if (Buffer.byteLength(p) > 255) {
        throw new RangeError(
          `an ALPN protocol name is at most 255 bytes, got ${Buffer.byteLength(p)}: ${p.slice(0, 40)}...`,
        );
      }
    }
    this.#alpn = [...protocols];
  }

  /** The cipher suites to allow, in OpenSSL's cipher list format. */
  setCiphers(ciphers: string): void {
    if (typeof ciphers !== 'string' || ciphers === '') {
      throw new TypeError('setCiphers() takes an OpenSSL cipher list, e.g. "ECDHE+AESGCM"');
    }
    try {
      tls.createSecureContext({ ciphers });
    } catch (err) {
      throw new SSLError(`no cipher can be selected from "${ciphers}": ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.#ciphers = ciphers;
    this.#secureContext = undefined;
  }

  /**
   * Put TLS on the connected socket `sock` and do the handshake (a cancellation point).
   * Resolves to an {@link SSLSocket}; `sock` itself is taken over and closed. On failure,
   * cancellation or timeout the connection is closed.
   * @throws SSLCertVerificationError when the peer's certificate is refused.
   * @throws SSLError when the handshake fails otherwise.
   */
  async wrapSocket(sock: Socket, options: WrapSocketOptions = {}): Promise<SSLSocket> {
    const serverSide = options.serverSide ?? false;
    const { serverHostname } = options;
    this.#checkSide(serverSide, serverHostname);
    const secureContext = this.#context();
    const family = sock.family;
    const peerPath = family === AF_UNIX ? String(sock.getpeername()) : undefined;
    const raw = sock.detach();
    const checker: Checker = serverSide ? 'server' : 'client';
    let secure: tls.TLSSocket;
    try {
      if (raw.readableEnded) {
        // The peer finished sending before the handshake began (its end-of-file was read
        // already): no handshake can come.
        throw new SSLError(
          'the peer closed the connection before the TLS handshake (EOF in violation of the protocol)',
          { reason: 'UNEXPECTED_EOF_WHILE_READING' },
        );
      }
      secure = this.#tlsSocket(raw, serverSide, serverHostname, secureContext);
    } catch (err) {
      // Taken over from `sock`: nobody else will close it.
      raw.destroy();
      throw handshakeError(err, checker);
    }
    const handshake = new Handshake(secure, serverSide ? 'secure' : 'secureConnect');
    let wrapped: SSLSocket | undefined;
    try {
      try {
        await handshake.wait();
      } catch (err) {
        throw handshakeError(err, checker);
      }
      if (serverSide) this.#checkClientCertificate(secure);
      translateErrors(secure, checker);
      wrapped = new SSLSocket(secure, {
        family,
        ...(peerPath === undefined ? {} : { peerPath }),
        context: this,
        serverSide,
        serverHostname,
      });
    } catch (err) {
      secure.destroy();
      throw err;
    } finally {
      handshake.release();
    }
    // An error between the handshake and the SSLSocket taking over: the connection is gone.
    if (handshake.late !== undefined && handshake.late !== null) {
      await wrapped.close();
      throw handshakeError(handshake.late, checker);
    }
    return wrapped;
  }

  /** The node:tls socket over `raw` for this side (throws on bad options). */
  #tlsSocket(
    raw: net.Socket,
    serverSide: boolean,
    serverHostname: string | undefined,
    secureContext: tls.SecureContext,
  ): tls.TLSSocket {
    if (serverSide) {
      return new tls.TLSSocket(raw, {
        isServer: true,
        secureContext,
        requestCert: this.#verifyMode !== CERT_NONE,
        rejectUnauthorized: this.#verifyMode === CERT_REQUIRED,
        ...(this.#alpn ? { ALPNProtocols: this.#alpn } : {}),
      });
    }
    return tls.connect({
      socket: raw,
      secureContext,
      rejectUnauthorized: this.#verifyMode !== CERT_NONE,
      checkServerIdentity: this.#checkHostname ? tls.checkServerIdentity : noIdentityCheck,
      // The name the certificate is checked against; SNI only takes names, not addresses.
      ...(serverHostname === undefined ? {} : { host: serverHostname }),
      ...(serverHostname !== undefined && isIP(serverHostname) === 0
        ? { servername: serverHostname }
        : {}),
      ...(this.#alpn ? { ALPNProtocols: this.#alpn } : {}),
    });
  }

  #checkSide(serverSide: boolean, serverHostname: string | undefined): void {
    if (serverSide) {
      if (this.protocol !== PROTOCOL_TLS_SERVER) {
        throw new CurioError(
          'this is a client context: use createDefaultContext(Purpose.CLIENT_AUTH) or new SSLContext(PROTOCOL_TLS_SERVER) for the server side',
        );
      }
      if (serverHostname !== undefined) {
        throw new CurioError('serverHostname is for the client side: leave it out with serverSide');
      }
      if (this.#chain === undefined) {
        throw new CurioError(
          'a server needs a certificate: call ctx.loadCertChain(certfile, keyfile) before serving',
        );
      }
      return;
    }
    if (this.protocol !== PROTOCOL_TLS_CLIENT) {
      throw new CurioError(
        'this is a server context: use createDefaultContext() or new SSLContext(PROTOCOL_TLS_CLIENT) for the client side',
      );
    }
    if (this.#checkHostname && serverHostname === undefined) {
      throw new CurioError(
        'checkHostname needs a serverHostname to check the certificate against: pass { serverHostname }, or set ctx.checkHostname = false',
      );
    }
  }

  /** The node:tls context for the current settings (built once per change). */
  #context(): tls.SecureContext {
    if (this.#secureContext !== undefined) return this.#secureContext;
    const chain = this.#chain;
    const trusted = this.#trusted;
    // Node's `ca` replaces its default list: add to it explicitly, or leave `ca` out to get
    // the defaults alone. An empty list trusts nobody, as a fresh Python context.
    const ca = this.#defaultCerts
      ? trusted.length > 0
        ? [...tls.rootCertificates, ...trusted]
        : undefined
      : trusted;
    this.#secureContext = tls.createSecureContext({
      ...(chain === undefined
        ? {}
        : {
            cert: chain.cert,
            key: chain.key,
            ...(chain.passphrase === undefined ? {} : { passphrase: chain.passphrase }),
          }),
      ...(ca === undefined ? {} : { ca }),
      ...(this.#ciphers === undefined ? {} : { ciphers: this.#ciphers }),
    });
    return this.#secureContext;
  }

  /**
   * A server that asks for client certificates checks them here: Node only does it for
   * connections a `tls.Server` accepts. Without a certificate, `CERT_REQUIRED` has already
   * failed the handshake and `CERT_OPTIONAL` lets the client in.
   */
  #checkClientCertificate(secure: tls.TLSSocket): void {
    if (this.#verifyMode === CERT_NONE) return;
    const cert = secure.getPeerCertificate();
    if (cert === null || cert === undefined || Object.keys(cert).length === 0) return;
    const handle = (secure as unknown as { ssl?: { verifyError?: () => Error | null } }).ssl;
    if (typeof handle?.verifyError !== 'function') {
      throw new SSLError(
        'this Node version does not report the check of a client certificate: use verifyMode CERT_NONE and check getpeercert() yourself',
      );
    }
    const error = handle.verifyError();
    if (error) {
      const reason = (error as { code?: string }).code ?? 'UNSPECIFIED';
      throw refused('server', reason, error.message, error);
    }
  }
}

/**
 * A context with Python's defaults for `purpose`: for `Purpose.SERVER_AUTH` (the default) a
 * client context that trusts Node's certificate authorities and checks the server's
 * certificate and host name; for `Purpose.CLIENT_AUTH` a server context that asks clients
 * for no certificate. `locations` adds trusted certificates, as `loadVerifyLocations`.
 * @example
 * const client = createDefaultContext();
 * const server = createDefaultContext(Purpose.CLIENT_AUTH);
 * server.loadCertChain('server.crt', 'server.key');
 */
export function createDefaultContext(
  purpose: Purpose = Purpose.SERVER_AUTH,
  locations: VerifyLocations = {},
): SSLContext {
  if (purpose !== Purpose.SERVER_AUTH && purpose !== Purpose.CLIENT_AUTH) {
    throw new CurioError(
      `createDefaultContext() takes Purpose.SERVER_AUTH or Purpose.CLIENT_AUTH, got ${String(purpose)}`,
    );
  }
  const ctx = new SSLContext(
    purpose === Purpose.SERVER_AUTH ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER,
  );
  const { cafile, capath, cadata } = locations;
  if (cafile !== undefined || capath !== undefined || cadata !== undefined) {
    ctx.loadVerifyLocations(cafile, capath, cadata);
  } else {
    ctx.loadDefaultCerts();
  }
  return ctx;
}
