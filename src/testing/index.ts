/**
 * Test helpers: local stand-ins for the vendors' endpoints and an in-memory loyalty engine, so an
 * integration can be tested without the network or an account.
 * @packageDocumentation
 */
export {
  FakeVendors,
  startFakeVendorServer,
  fakeTransport,
  createMswHandlers,
  VENDOR_HOSTS,
  type FakeVendorsOptions,
  type FakeVendorServer,
  type RecordedRequest,
  type ScriptedResponse,
  type FakeExchange,
  type FakeAnswer,
} from './fake-vendors.js';
export { InMemoryLoyaltyEngine, type MemoryCustomer, type MemoryList, type RegisteredEvent } from './memory-engine.js';
