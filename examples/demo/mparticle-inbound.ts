import type { DemoContext, DemoSection } from './context.js';

// Placeholder until the connector lands; the connector's issue replaces it.
export default async function demo(_context: DemoContext): Promise<DemoSection> {
  return { title: 'mparticle-inbound', lines: ['(not built yet)'] };
}
