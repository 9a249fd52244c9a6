// Byte helpers: what the library accepts as data, and the shared empty buffer.

/** Data the write operations accept: bytes (any typed array or DataView) or a UTF-8 string. */
export type Bytes = string | ArrayBufferView;

/** The empty buffer returned at end-of-file (zero-length, so sharing it is harmless). */
export const EMPTY: Buffer = Buffer.alloc(0);

/** A Buffer view of `data` (no copy for typed arrays; UTF-8 for strings). */
export function toBuffer(data: Bytes, where: string): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(
    `${where}() needs bytes (a Buffer, typed array or string), got ${typeof data}`,
  );
}

/** A byte view of a typed array or DataView that the read operations fill. */
export function toByteView(target: ArrayBufferView, where: string): Buffer {
  if (!ArrayBuffer.isView(target)) {
    throw new TypeError(`${where}() needs a writable buffer (Buffer, typed array or DataView)`);
  }
  return Buffer.isBuffer(target)
    ? target
    : Buffer.from(target.buffer, target.byteOffset, target.byteLength);
}

/** One buffer from several, without copying when there is only one. */
export function join(chunks: readonly Buffer[]): Buffer {
  if (chunks.length === 0) return EMPTY;
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks);
}
