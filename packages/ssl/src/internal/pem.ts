// Reading certificates and keys for an SSLContext: files are read when they are loaded (as
// Python does), and certificates are parsed at once, so a wrong file fails at the line that
// names it instead of at the first handshake.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SSLError } from '../errors.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The file's bytes; a missing file is Node's ENOENT error, as Python's FileNotFoundError. */
export function readPemFile(path: string, what: string): Buffer {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`${what} must be a file path, got ${String(path)}`);
  }
  return readFileSync(path);
}

/** Every certificate in `data` (PEM text with one or more certificates, or one DER certificate). */
export function certificatesIn(data: string | Buffer, source: string): string[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const blocks = text.match(CERTIFICATE_BLOCK);
  if (blocks === null) {
    if (typeof data !== 'string') {
      // Python's cadata also takes DER bytes: one certificate, no PEM armour.
      try {
        return [new X509Certificate(data).toString()];
      } catch {
        // fall through to the error below
      }
    }
    throw new SSLError(
      `no certificate found in ${source}: expected PEM ('-----BEGIN CERTIFICATE-----') or DER`,
    );
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new SSLError(`a certificate in ${source} cannot be read: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return blocks;
}

/** The certificates of every file in `dir` that holds any (OpenSSL's capath, without hashing). */
export function certificatesInDirectory(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const text = readFileSync(path, 'latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) found.push(...certificatesIn(text, path));
  }
  return found;
}
