import type { FakeVendors, InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';

/** What each demo section gets. */
export interface DemoContext {
  /** Base URL of the local vendor stand-ins (Segment, mParticle and Braze paths on one server). */
  vendorsUrl: string;
  /** The recorder behind it. */
  vendors: FakeVendors;
  /** The loyalty engine inbound connectors write into. */
  engine: InMemoryLoyaltyEngine;
}

/** What a demo section prints. */
export interface DemoSection {
  title: string;
  lines: string[];
}
