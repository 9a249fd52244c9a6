#!/usr/bin/env node
/**
 * `echo-server`: the tutorial's echo servers as one command. Ctrl-C cancels every task (each
 * client's connection is closed) and exits with status 130.
 * @module
 */
import process from 'node:process';
import { KeyboardInterrupt, run } from '@curio/kernel';
import { parseCli, USAGE } from './cli.js';
import { SERVERS } from './servers.js';

async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(argv);
  } catch (err) {
    console.error(`echo-server: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    await run(SERVERS[options.mode], options.host, options.port);
  } catch (err) {
    if (err instanceof KeyboardInterrupt) {
      console.log('Server stopped');
      return 130;
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
