/**
 * The tutorial's publish-subscribe core: one `messages` queue feeding a dispatcher task,
 * which copies each message into every subscriber's own queue.
 *
 * The dispatcher never waits for a client. Each subscriber's queue is bounded; when a
 * subscriber's queue is full (the client stopped reading) the dispatcher drops that
 * subscriber and tells it so, instead of `await q.put()` as in the tutorial, which would let
 * one stuck client stall the whole room.
 * @module
 */
import { Event, Queue } from '@curio/sync';

/** What a client is still owed when its session ends, in order. */
export interface Backlog {
  /** The rest of a line a cancelled write had started: it must go out first, or not at all. */
  partial: Buffer | undefined;
  /** Whole lines not written yet. */
  lines: Buffer[];
}

/** One client's feed: formatted lines waiting to be written to it. */
export class Subscriber {
  /** Lines (`name:text\n`) to send, in order. */
  readonly queue: Queue<Buffer>;
  /** Set when the dispatcher dropped this subscriber because its queue was full. */
  readonly dropped = new Event();
  /** What a cancelled write had taken from the queue but not handed to the socket. */
  #unwritten: Backlog = { partial: undefined, lines: [] };

  constructor(capacity: number) {
    this.queue = new Queue<Buffer>(capacity);
  }

  /** Take every line waiting in the queue, in order, without waiting. */
  takeUnsent(): Buffer[] {
    const unsent: Buffer[] = [];
    while (!this.queue.empty()) unsent.push(this.queue.getNowait());
    return unsent;
  }

  /**
   * A write of `batch` (taken from the queue) was cancelled after handing `written` bytes to
   * the socket: keep the rest, which comes before anything still in the queue.
   */
  keepUnwritten(batch: readonly Buffer[], written: number): void {
    let offset = 0;
    for (const line of batch) {
      const end = offset + line.length;
      if (end > written) {
        if (offset < written) this.#unwritten.partial = line.subarray(written - offset);
        else this.#unwritten.lines.push(line);
      }
      offset = end;
    }
  }

  /** Take everything the client is still owed: what a cancelled write kept, then the queue. */
  takeBacklog(): Backlog {
    const { partial, lines } = this.#unwritten;
    this.#unwritten = { partial: undefined, lines: [] };
    return { partial, lines: [...lines, ...this.takeUnsent()] };
  }
}

const COLON = Buffer.from(':');
const NEWLINE = Buffer.from('\n');

/**
 * A chat room: the queue of published messages and the set of subscribers. Each server
 * (re)start gets a new room, so a restart starts fresh.
 */
export class ChatRoom {
  /** Messages waiting for the dispatcher. Bounded: a flooding sender waits its turn. */
  readonly messages: Queue<Buffer>;
  /** Everyone who receives messages. */
  readonly subscribers = new Set<Subscriber>();
  /** How many messages one subscriber may have queued before it is dropped. */
  readonly clientQueue: number;

  /** @param clientQueue - capacity of each subscriber's queue (and of the room's own). */
  constructor(clientQueue: number) {
    this.clientQueue = clientQueue;
    this.messages = new Queue<Buffer>(clientQueue);
  }

  /** Start receiving messages. */
  subscribe(): Subscriber {
    const sub = new Subscriber(this.clientQueue);
    this.subscribers.add(sub);
    return sub;
  }

  /** Stop receiving messages. */
  unsubscribe(sub: Subscriber): void {
    this.subscribers.delete(sub);
  }

  /**
   * Publish `name:line` to everyone (the line keeps its newline; one is added if missing).
   * Waits only while the room's own queue is full.
   */
  async publish(name: Buffer, line: Buffer): Promise<void> {
    const parts = [name, COLON, line];
    if (line.length === 0 || line[line.length - 1] !== 0x0a) parts.push(NEWLINE);
    await this.messages.put(Buffer.concat(parts));
  }
}

/**
 * The dispatcher task: forward every published message to every subscriber, dropping
 * subscribers that cannot take more. Runs until cancelled.
 */
export async function dispatcher(room: ChatRoom): Promise<void> {
  for await (const msg of room.messages) {
    for (const sub of room.subscribers) deliver(room, sub, msg);
    // Everything already published goes out in the same turn.
    while (!room.messages.empty()) {
      const next = room.messages.getNowait();
      for (const sub of room.subscribers) deliver(room, sub, next);
    }
  }
}

function deliver(room: ChatRoom, sub: Subscriber, msg: Buffer): void {
  if (sub.queue.full()) {
    room.unsubscribe(sub);
    sub.dropped.set();
  } else {
    sub.queue.putNowait(msg);
  }
}
