// One read channel and one write channel per Node stream, however many wrappers use it: a
// Socket, its asStream() and its makefile() streams all share the same queue, so no data is
// read twice or lost between them.
import type { Readable, Writable } from 'node:stream';
import { ReadChannel } from './read-channel.js';
import { WriteChannel } from './write-channel.js';

const readers = new WeakMap<Readable, ReadChannel>();
const writers = new WeakMap<Writable, WriteChannel>();

/** The read channel of `stream`, created on first use. */
export function readChannelFor(stream: Readable): ReadChannel {
  let channel = readers.get(stream);
  if (channel === undefined) {
    channel = new ReadChannel(stream);
    readers.set(stream, channel);
  }
  return channel;
}

/** The write channel of `stream`, created on first use (it listens for errors at once). */
export function writeChannelFor(stream: Writable): WriteChannel {
  let channel = writers.get(stream);
  if (channel === undefined) {
    channel = new WriteChannel(stream);
    writers.set(stream, channel);
  }
  return channel;
}

/** Forget the channels of a stream handed over to other code, so a new owner starts afresh. */
export function forgetChannels(stream: Readable | Writable): void {
  readers.delete(stream as Readable);
  writers.delete(stream as Writable);
}
