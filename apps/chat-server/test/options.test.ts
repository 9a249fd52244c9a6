// Command-line parsing: defaults, each option, and the messages for bad input.
import { describe, expect, it } from 'vitest';
import { cli } from '../src/cli.js';
import { DEFAULTS, parseOptions, USAGE, UsageError } from '../src/options.js';

describe('options', () => {
  it('defaults to 127.0.0.1:25000, 4096-byte lines and 1000 queued messages', () => {
    expect(parseOptions([])).toEqual({
      help: false,
      options: {
        host: '127.0.0.1',
        port: 25000,
        maxLine: 4096,
        clientQueue: 1000,
        writeInterval: 10,
      },
    });
    expect(DEFAULTS).toEqual({
      host: '127.0.0.1',
      port: 25000,
      maxLine: 4096,
      clientQueue: 1000,
      writeInterval: 10,
    });
  });

  it('reads every option', () => {
    expect(
      parseOptions([
        '--host',
        '0.0.0.0',
        '--port=0',
        '--max-line',
        '80',
        '--client-queue',
        '5',
        '--write-interval',
        '0',
      ]),
    ).toEqual({
      help: false,
      options: { host: '0.0.0.0', port: 0, maxLine: 80, clientQueue: 5, writeInterval: 0 },
    });
    expect(parseOptions(['--help'])).toEqual({ help: true });
    expect(parseOptions(['-h', '--port', 'nonsense'])).toEqual({ help: true });
  });

  it('rejects bad values and unknown options with a usable message', () => {
    const fails = (argv: string[]) => {
      try {
        parseOptions(argv);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${argv.join(' ')}`);
    };
    expect(fails(['--port', '65536'])).toBe(
      "--port needs a whole number from 0 to 65535, got '65536'",
    );
    expect(fails(['--port', '12x'])).toBe("--port needs a whole number from 0 to 65535, got '12x'");
    expect(fails(['--max-line', '0'])).toBe(
      "--max-line needs a whole number from 1 to 1073741824, got '0'",
    );
    expect(fails(['--client-queue', '-1'])).toMatch(/client-queue/);
    expect(fails(['--bogus'])).toMatch(/bogus.*see --help/);
    expect(fails(['extra'])).toMatch(/see --help/);
    expect(fails(['--host', ''])).toBe('--host needs an address, e.g. --host 127.0.0.1');
  });

  it('cli prints help and usage errors with exit codes 0 and 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await cli(['--help'], io)).toBe(0);
    expect(out).toEqual([USAGE.trimEnd()]);
    expect(await cli(['--port', 'x'], io)).toBe(2);
    expect(err).toEqual(["chat-server: --port needs a whole number from 0 to 65535, got 'x'"]);
  });
});
