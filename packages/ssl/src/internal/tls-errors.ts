// Node's TLS errors, sorted the way Python's ssl module sorts them: a refused certificate
// becomes an SSLCertVerificationError, another TLS failure an SSLError, and a connection
// error (ECONNRESET, EPIPE, ...) stays the system error it is.
import { CurioError, isCancellation } from '@curio/kernel';
import { SSLCertVerificationError, SSLError } from '../errors.js';

/** Which side refused the certificate: the hint in the message depends on it. */
export type Checker = 'client' | 'server';

const SYSTEM_ERROR = /^E[A-Z0-9]+$/;

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether `code` is a certificate check's: OpenSSL's X509 verification codes
 * (`CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...) carry no `ERR_` prefix, and Node
 * reports a host name mismatch as `ERR_TLS_CERT_ALTNAME_INVALID`.
 */
function isVerificationCode(code: string): boolean {
  return (
    code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    (!code.startsWith('ERR_') && !SYSTEM_ERROR.test(code) && code.includes('_'))
  );
}

/** A certificate check failed with `reason`: the error to raise, with a hint. */
export function refused(checker: Checker, reason: string, detail: string, cause?: unknown) {
  const hint =
    checker === 'client'
      ? reason === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'connect with the host name the certificate was issued for (serverHostname)'
        : "trust the server's certificate authority with ctx.loadVerifyLocations(cafile)"
      : "trust the client's certificate authority with ctx.loadVerifyLocations(cafile), or set ctx.verifyMode = CERT_NONE";
  const whose = checker === 'client' ? "the server's" : "the client's";
  return new SSLCertVerificationError(
    `${whose} certificate was refused (${reason}: ${detail}): ${hint}`,
    cause === undefined ? { reason } : { reason, cause },
  );
}

/**
 * The error a failed handshake (or, with `during = 'connection'`, a TLS failure after it)
 * raises, for `err` as Node reported it.
 */
export function handshakeError(
  err: unknown,
  checker: Checker,
  during: 'handshake' | 'connection' = 'handshake',
): unknown {
  // Cancellations, timeouts and the library's own errors pass as they are.
  if (!(err instanceof Error) || isCancellation(err) || err instanceof CurioError) return err;
  const code = codeOf(err);
  if (code === undefined || SYSTEM_ERROR.test(code)) return err;
  if (isVerificationCode(code)) return refused(checker, code, err.message, err);
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) {
    const what = during === 'handshake' ? 'TLS handshake failed' : 'TLS connection failed';
    return new SSLError(`${what}: ${err.message}`, { reason: code, cause: err });
  }
  return err;
}

/**
 * From now on, every 'error' the TLS socket emits reaches its listeners (the SSLSocket's
 * reads and writes) as Python would raise it: an SSLError for a TLS failure (an alert from
 * the peer, a corrupt record), system errors as they are. Wrapping `emit` is the one place
 * all of them pass, whichever curio operation (recv, a stream, sendall) is waiting.
 */
export function translateErrors(socket: EventEmitterLike, checker: Checker): void {
  const emit = socket.emit;
  socket.emit = function emitTranslated(this: unknown, event: string | symbol, ...args: unknown[]) {
    if (event === 'error' && args.length > 0)
      args[0] = handshakeError(args[0], checker, 'connection');
    return emit.call(this, event, ...args);
  } as typeof socket.emit;
}

/** What translateErrors needs of a socket. */
interface EventEmitterLike {
  emit(event: string | symbol, ...args: unknown[]): boolean;
}
