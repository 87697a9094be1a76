// MParticleFeed in a Node host: loyalty data into mParticle (Input/Feed), on a schedule.
//
//   MPARTICLE_API_KEY=… MPARTICLE_API_SECRET=… MPARTICLE_POD=eu1 npx tsx examples/mparticle-feed.ts
//
// Without credentials it runs against a local stand-in of the Events API, so it works offline.
import { MParticleFeed, type MParticlePod } from 'loyalty-cdp/mparticle';
import { startFakeVendorServer } from 'loyalty-cdp/testing';

const offline = !process.env.MPARTICLE_API_KEY;
const standIn = offline ? await startFakeVendorServer() : undefined;

const feed = new MParticleFeed({
  outbound: {
    apiKey: process.env.MPARTICLE_API_KEY ?? 'offline-key',
    apiSecret: process.env.MPARTICLE_API_SECRET ?? 'offline-secret',
    ...(standIn ? { apiUrl: `${standIn.url}/v2` } : { pod: (process.env.MPARTICLE_POD ?? 'us1') as MParticlePod }),
    // The feed's "Development" checkbox: keep test data apart from production.
    environment: process.env.NODE_ENV === 'production' ? 'production' : 'development',
    loyaltyIdentifierField: 'id',
    identity: 'customer_id',
    fieldMapping: { first_name: '$firstname', last_name: '$lastname', tier: 'antavo_tier', points: 'antavo_points' },
    externalEvents: {
      point_add: { name: 'Points added', customEventType: 'transaction' },
      reward_claim: { name: 'Reward claimed', customEventType: 'user_preference' },
    },
  },
});

// The resend queue is worked by flush(): run it like a cron job (or pass `autoFlush: 60_000`).
const cron = setInterval(() => {
  feed
    .flush()
    .then((report) => report.requests > 0 && console.log('flush', report))
    .catch((error: unknown) => console.error('flush failed', error));
}, 10_000);

// The loyalty engine's hooks call the feed; calls validate and enqueue, they never wait for mParticle.
const ada = { id: 'cus_1001', attributes: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', tier: 'gold', points: 12_500 } };
await feed.updateProfile(ada);
await feed.trackEvent(ada, { id: 'evt_1', customerId: ada.id, action: 'point_add', data: { points: 500, reason: 'birthday bonus' }, timestamp: new Date() });
await feed.sendCustomEvent(ada, { id: 'campaign-42-cus_1001', name: 'Trigger marketing communication', customEventType: 'other', attributes: { campaign: 'birthday' } });

console.log('delivered now:', await feed.flush());
console.log('waiting to be resent:', await feed.resendQueue());
console.log('dead letters:', (await feed.deadLetters()).length);

clearInterval(cron);
await feed.close();
await standIn?.close();
