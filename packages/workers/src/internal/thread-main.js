// Bootstrap of a pooled worker thread (runInThread): runs each request it is sent, one at a
// time, and posts the reply. The host terminates the thread to cancel a call or shut down.
import { parentPort } from 'node:worker_threads';
import { handle, unsendableReply } from './runtime.js';

const port = parentPort;
if (port === null) throw new Error('thread-main.js is the bootstrap of a worker thread');

port.on('message', async (/** @type {import('./runtime.js').Request} */ request) => {
  const reply = await handle(request);
  try {
    port.postMessage(reply);
  } catch (err) {
    port.postMessage(unsendableReply(reply, err));
  }
});
