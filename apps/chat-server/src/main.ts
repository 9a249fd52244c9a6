#!/usr/bin/env node
/**
 * Entry point of `node apps/chat-server/dist/main.js`: run the CLI and exit with its code.
 * @module
 */
import process from 'node:process';
import { cli } from './cli.js';

process.exitCode = await cli(process.argv.slice(2));
// Everything is closed by now, so Node exits at once. If something still holds the event
// loop open, say so and leave anyway instead of hanging a supervisor's restart.
setTimeout(() => {
  console.error('chat-server: handles still open 1 s after shutdown; exiting anyway');
  process.exit(process.exitCode);
}, 1000).unref();
