/**
 * Curio TLS: SSL contexts and SSL sockets.
 * @packageDocumentation
 */
export {};
