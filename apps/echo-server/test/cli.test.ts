import { describe, expect, test } from 'vitest';
import { parseCli, USAGE } from '../src/cli.js';

describe('command line', () => {
  test('defaults: tcp on 127.0.0.1:25000', () => {
    expect(parseCli([])).toEqual({ mode: 'tcp', host: '127.0.0.1', port: 25000, help: false });
  });

  test('every option, long and short', () => {
    expect(parseCli(['--mode', 'managed', '--host', '::1', '--port', '0'])).toEqual({
      mode: 'managed',
      host: '::1',
      port: 0,
      help: false,
    });
    expect(parseCli(['-m', 'raw', '-H', '', '-p', '8080', '-h'])).toEqual({
      mode: 'raw',
      host: '',
      port: 8080,
      help: true,
    });
  });

  test('bad input is refused with a message', () => {
    expect(() => parseCli(['--mode', 'fast'])).toThrow(/unknown mode 'fast'/);
    expect(() => parseCli(['--port', 'http'])).toThrow(/bad port/);
    expect(() => parseCli(['--port', '70000'])).toThrow(/bad port/);
    expect(() => parseCli(['--verbose'])).toThrow();
    expect(USAGE).toContain('--mode');
  });
});
