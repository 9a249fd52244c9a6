// Bootstrap of a pooled child process (runInProcess): runs each request it is sent over IPC,
// one at a time, and sends the reply. The host kills the process to cancel a call or shut down.
import process from 'node:process';
import { handle, unsendableReply } from './runtime.js';

// Ctrl-C in a terminal signals the whole process group: the parent decides what it means
// (its kernel cancels the calls, which kills the workers), as Curio's workers ignore SIGINT.
process.on('SIGINT', () => {});
// The parent is gone (even killed outright): a worker never outlives it.
process.on('disconnect', () => process.exit(0));

process.on('message', async (/** @type {import('./runtime.js').Request} */ request) => {
  const reply = await handle(request);
  const ignore = () => {}; // a send failing later means the parent left: 'disconnect' follows
  try {
    process.send?.(reply, undefined, undefined, ignore);
  } catch (err) {
    process.send?.(unsendableReply(reply, err), undefined, undefined, ignore);
  }
});
