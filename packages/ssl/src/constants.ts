/**
 * The constants of Python's `ssl` module that an `SSLContext` is configured with.
 * @module
 */

/** Do not ask for (client side: do not check) the peer's certificate. */
export const CERT_NONE = 0;
/** Server side: ask for a client certificate and check it if one is sent. */
export const CERT_OPTIONAL = 1;
/** Require a certificate from the peer, signed by a trusted authority. */
export const CERT_REQUIRED = 2;

/** How an {@link SSLContext} checks the peer's certificate. */
export type VerifyMode = typeof CERT_NONE | typeof CERT_OPTIONAL | typeof CERT_REQUIRED;

/** A context for the client side of connections (checks the server by default). */
export const PROTOCOL_TLS_CLIENT = 16;
/** A context for the server side of connections. */
export const PROTOCOL_TLS_SERVER = 17;

/** Which side an {@link SSLContext} is for. */
export type SSLProtocol = typeof PROTOCOL_TLS_CLIENT | typeof PROTOCOL_TLS_SERVER;

/**
 * What `createDefaultContext(purpose)` prepares a context for, named as in Python: whom the
 * certificates it checks authenticate.
 */
export const Purpose = {
  /** Check servers' certificates: a context for clients (the default). */
  SERVER_AUTH: 'SERVER_AUTH',
  /** Check clients' certificates (if asked to): a context for servers. */
  CLIENT_AUTH: 'CLIENT_AUTH',
} as const;

/** `Purpose.SERVER_AUTH` or `Purpose.CLIENT_AUTH`. */
export type Purpose = (typeof Purpose)[keyof typeof Purpose];
