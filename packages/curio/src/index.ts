/**
 * Curio for TypeScript: everything in one package.
 * @packageDocumentation
 */
export {};
