/**
 * The errors of `@curio/ssl`: a TLS handshake or configuration that failed. Connection
 * errors (`ECONNRESET`, `EPIPE`, ...) stay Node's system errors, as Python's stay `OSError`s.
 * @module
 */
import { CurioError } from '@curio/kernel';

/**
 * TLS failed: a handshake the peer broke off or that could not agree, or certificates and
 * keys that could not be loaded. `reason` is the code of the underlying Node/OpenSSL error
 * (for example `ERR_SSL_WRONG_VERSION_NUMBER`), which is also the `cause`.
 */
export class SSLError extends CurioError {
  static override readonly brand: string = 'SSLError';
  override readonly code: string = 'CURIO_SSL_ERROR';
  /** The code of the Node/OpenSSL error behind this one, if it had one. */
  readonly reason: string | undefined;

  constructor(message: string, options?: ErrorOptions & { reason?: string }) {
    super(message, options);
    this.reason = options?.reason;
  }
}

/**
 * The peer's certificate was refused: not signed by a trusted authority, expired, missing,
 * or not for the host name asked for. `reason` is the verification code
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...).
 */
export class SSLCertVerificationError extends SSLError {
  static override readonly brand: string = 'SSLCertVerificationError';
  override readonly code: string = 'CURIO_SSL_CERT_VERIFICATION';
}
