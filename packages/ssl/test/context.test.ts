// SSLContext configuration without connections: defaults per side, the verifyMode /
// checkHostname rules of Python's ssl module, and loading errors that name the file.

import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CurioError } from '@curio/kernel';
import {
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  createDefaultContext,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  Purpose,
  SSLContext,
  SSLError,
} from '@curio/ssl';
import { afterAll, describe, expect, test } from 'vitest';
import { CERT, KEY, OTHER_KEY } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'curio-ssl-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('defaults', () => {
  test('a client context checks the server and its host name', () => {
    const ctx = new SSLContext(PROTOCOL_TLS_CLIENT);
    expect(ctx.protocol).toBe(PROTOCOL_TLS_CLIENT);
    expect(ctx.verifyMode).toBe(CERT_REQUIRED);
    expect(ctx.checkHostname).toBe(true);
    expect(new SSLContext().protocol).toBe(PROTOCOL_TLS_CLIENT);
  });

  test('a server context asks clients for nothing', () => {
    const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
    expect(ctx.verifyMode).toBe(CERT_NONE);
    expect(ctx.checkHostname).toBe(false);
  });

  test('createDefaultContext: SERVER_AUTH is for clients, CLIENT_AUTH for servers', () => {
    expect(createDefaultContext().protocol).toBe(PROTOCOL_TLS_CLIENT);
    expect(createDefaultContext(Purpose.SERVER_AUTH).verifyMode).toBe(CERT_REQUIRED);
    const server = createDefaultContext(Purpose.CLIENT_AUTH);
    expect(server.protocol).toBe(PROTOCOL_TLS_SERVER);
    expect(server.verifyMode).toBe(CERT_NONE);
    expect(server.checkHostname).toBe(false);
  });

  test('bad arguments are typed errors', () => {
    expect(() => new SSLContext(3 as never)).toThrow(CurioError);
    expect(() => createDefaultContext('BOTH' as never)).toThrow(/Purpose.SERVER_AUTH/);
  });
});

describe('verifyMode and checkHostname', () => {
  test('CERT_NONE is refused while checkHostname is on', () => {
    const ctx = createDefaultContext();
    expect(() => {
      ctx.verifyMode = CERT_NONE;
    }).toThrow(/set checkHostname = false first/);
    expect(ctx.verifyMode).toBe(CERT_REQUIRED);
    ctx.checkHostname = false;
    ctx.verifyMode = CERT_NONE;
    expect(ctx.verifyMode).toBe(CERT_NONE);
  });

  test('turning checkHostname on turns certificate checks on', () => {
    const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
    ctx.checkHostname = true;
    expect(ctx.verifyMode).toBe(CERT_REQUIRED);
    ctx.checkHostname = false;
    ctx.verifyMode = CERT_OPTIONAL;
    expect(ctx.verifyMode).toBe(CERT_OPTIONAL);
  });

  test('an unknown verifyMode is refused', () => {
    const ctx = new SSLContext(PROTOCOL_TLS_SERVER);
    expect(() => {
      ctx.verifyMode = 7 as never;
    }).toThrow(/CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED/);
  });
});

describe('loadCertChain', () => {
  test('a certificate and its key', () => {
    const ctx = createDefaultContext(Purpose.CLIENT_AUTH);
    expect(() => ctx.loadCertChain(CERT, KEY)).not.toThrow();
  });

  test('certificate and key in one file', () => {
    const both = join(scratch, 'both.pem');
    writeFileSync(both, Buffer.concat([readFileSync(CERT), readFileSync(KEY)]));
    expect(() => createDefaultContext(Purpose.CLIENT_AUTH).loadCertChain(both)).not.toThrow();
  });

  test('a missing file is ENOENT, naming it', () => {
    const err = (() => {
      try {
        createDefaultContext(Purpose.CLIENT_AUTH).loadCertChain(join(scratch, 'nope.pem'));
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
    })();
    expect(err?.code).toBe('ENOENT');
    expect(err?.message).toContain('nope.pem');
  });

  test('a certificate file without its key asks for the keyfile', () => {
    expect(() => createDefaultContext(Purpose.CLIENT_AUTH).loadCertChain(CERT)).toThrow(
      /pass keyfile/,
    );
  });

  test("another certificate's key is an SSLError", () => {
    let err: unknown;
    try {
      createDefaultContext(Purpose.CLIENT_AUTH).loadCertChain(CERT, OTHER_KEY);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SSLError);
    expect((err as SSLError).code).toBe('CURIO_SSL_ERROR');
    expect((err as SSLError).message).toMatch(/check that the key belongs to the certificate/);
    expect((err as SSLError).reason).toMatch(/MISMATCH/);
  });

  test('a file that is not a certificate', () => {
    const junk = join(scratch, 'junk.pem');
    writeFileSync(junk, 'hello\n');
    expect(() => createDefaultContext(Purpose.CLIENT_AUTH).loadCertChain(junk, KEY)).toThrow(
      /no certificate found in .*junk\.pem/,
    );
  });

  test('a password function is called for an encrypted key', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const encrypted = join(scratch, 'encrypted-key.pem');
    writeFileSync(
      encrypted,
      createPrivateKey(readFileSync(KEY)).export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'sesame',
      }),
    );
    const ctx = createDefaultContext(Purpose.CLIENT_AUTH);
    let asked = 0;
    ctx.loadCertChain(CERT, encrypted, () => {
      asked++;
      return 'sesame';
    });
    expect(asked).toBe(1);
    expect(() => ctx.loadCertChain(CERT, encrypted, 'wrong')).toThrow(SSLError);
  });
});

describe('loadVerifyLocations', () => {
  test('needs at least one location', () => {
    expect(() => createDefaultContext().loadVerifyLocations()).toThrow(TypeError);
  });

  test('cafile, capath and cadata (PEM text and DER bytes) are accepted', () => {
    const ctx = createDefaultContext();
    ctx.loadVerifyLocations(CERT);
    const dir = mkdtempSync(join(scratch, 'capath-'));
    writeFileSync(join(dir, 'a.pem'), readFileSync(CERT));
    writeFileSync(join(dir, 'README'), 'not a certificate');
    ctx.loadVerifyLocations(undefined, dir);
    ctx.loadVerifyLocations(undefined, undefined, readFileSync(CERT, 'utf8'));
    ctx.loadVerifyLocations(undefined, undefined, new X509Certificate(readFileSync(CERT)).raw);
  });

  test('a file without certificates is an SSLError naming it', () => {
    const junk = join(scratch, 'junk-ca.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => createDefaultContext().loadVerifyLocations(junk)).toThrow(
      /no certificate found in .*junk-ca\.pem/,
    );
    expect(() =>
      createDefaultContext().loadVerifyLocations(undefined, undefined, Buffer.from('garbage')),
    ).toThrow(SSLError);
  });

  test('a damaged certificate is an SSLError', () => {
    const damaged = join(scratch, 'damaged.pem');
    const pem = readFileSync(CERT, 'utf8');
    writeFileSync(damaged, pem.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n'));
    expect(() => createDefaultContext().loadVerifyLocations(damaged)).toThrow(/cannot be read/);
  });
});

describe('other settings', () => {
  test('setAlpnProtocols takes names', () => {
    const ctx = createDefaultContext();
    ctx.setAlpnProtocols(['h2', 'http/1.1']);
    expect(() => ctx.setAlpnProtocols('h2' as never)).toThrow(TypeError);
    expect(() => ctx.setAlpnProtocols([''])).toThrow(TypeError);
  });

  test('setCiphers refuses a list that selects nothing', () => {
    const ctx = createDefaultContext();
    ctx.setCiphers('ECDHE+AESGCM');
    expect(() => ctx.setCiphers('NO-SUCH-CIPHER')).toThrow(SSLError);
  });
});
