/**
 * Curio networking: sockets, streams, files and servers.
 * @packageDocumentation
 */
export {};
