/**
 * Braze connector: `BrazeSync` (loyalty fields as custom attributes, loyalty events as custom events
 * and purchases).
 * @packageDocumentation
 */
export {};
