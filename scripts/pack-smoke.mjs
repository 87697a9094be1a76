// Proves the packed tarball works for users: installs it into a scratch project and checks that
// `import` and `require` of every subpath load and expose the public API, and that the bundled
// ESM-only dependencies (ky) run under CommonJS too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'loyalty-cdp-smoke-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const expected = {
  'loyalty-cdp': ['DeliveryQueue', 'MemoryStore', 'MemoryLogStore', 'ValidationError', 'toNodeListener', 'kyTransport', 'SegmentOutbound', 'SegmentInbound', 'MParticleFeed', 'BrazeSync'],
  'loyalty-cdp/segment': ['SegmentOutbound', 'SegmentInbound'],
  'loyalty-cdp/mparticle': ['MParticleFeed'],
  'loyalty-cdp/braze': ['BrazeSync'],
  'loyalty-cdp/testing': ['FakeVendors', 'startFakeVendorServer', 'InMemoryLoyaltyEngine'],
};

try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', scratch], root).trim().split('\n').pop();
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'smoke', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(scratch, tarball)], scratch);

  const check = (load) => `
    const expected = ${JSON.stringify(expected)};
    const failures = [];
    (async () => {
      for (const [spec, names] of Object.entries(expected)) {
        const mod = await ${load}(spec);
        for (const name of names) if (typeof mod[name] !== 'function') failures.push(spec + ' lacks ' + name);
      }
      const { kyTransport } = await ${load}('loyalty-cdp');
      const { startFakeVendorServer } = await ${load}('loyalty-cdp/testing');
      const server = await startFakeVendorServer();
      const res = await kyTransport()({ method: 'POST', url: server.url + '/v1/batch', headers: { 'content-type': 'application/json' }, body: '{"batch":[]}', timeoutMs: 5000 });
      await server.close();
      if (res.status !== 200) failures.push('kyTransport answered ' + res.status);
      if (failures.length) { console.error(failures.join('\\n')); process.exit(1); }
      console.log('${load}: ' + Object.keys(expected).length + ' subpaths ok');
    })().catch((e) => { console.error(e); process.exit(1); });`;
  writeFileSync(join(scratch, 'esm.mjs'), check('import'));
  writeFileSync(join(scratch, 'cjs.cjs'), check('(async (s) => require(s))'));
  process.stdout.write(run(process.execPath, ['esm.mjs'], scratch));
  process.stdout.write(run(process.execPath, ['cjs.cjs'], scratch));
  console.log('pack smoke test passed');
} catch (error) {
  console.error(`pack smoke test failed: ${error.message.split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
