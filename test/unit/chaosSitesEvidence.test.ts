import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeChaosPlan, seededRandom } from '../../tools/chaos/chaosPlan';
import { openEvidenceFolder } from '../../tools/chaos/evidence';
import { keepFailureEvidence, type RunSources } from '../../tools/chaos/keepEvidence';
import { startOpscomSimulator, type OpscomSimulator } from '../../tools/simulators/opscomSimulator';

// A failed --sites run keeps every site's OPSCOM, and a failing session's timeline reads its
// own site's, plus any call about its plate that reached another site's.
describe("a failed --sites run's evidence", () => {
  let dir: string;
  const sims: OpscomSimulator[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaos-evidence-'));
    for (const client of ['OC-NORTH', 'OC-WEST'])
      sims.push(await startOpscomSimulator({ apiToken: `${client}-token`, client }));
  });
  afterAll(async () => {
    for (const sim of sims) await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("keeps each site's OPSCOM, and names the site of each failing session", async () => {
    const plan = makeChaosPlan(10, seededRandom(3), Date.now());
    const [mine, theirs] = plan.sessions;
    const [north, west] = sims as [OpscomSimulator, OpscomSimulator];
    const ask = (sim: OpscomSimulator, token: string, plate: string) =>
      fetch(`${sim.url}/api/v1/validate/plate`, {
        method: 'POST',
        body: JSON.stringify({ api_token: token, client: 'OC-NORTH', plate }),
      });
    await ask(north, 'OC-NORTH-token', mine!.plate);
    // North's question asked at west's OPSCOM (with north's token): the stray call.
    await ask(west, 'OC-NORTH-token', mine!.plate);
    const src: RunSources = {
      keep: false,
      written: false,
      facts: {},
      folder: openEvidenceFolder(dir),
      store: { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') },
      opscoms: [
        { site: 'north', sim: north, owns: (id) => id === mine!.session.id },
        { site: 'west', sim: west, owns: (id) => id === theirs!.session.id },
      ],
    };
    const files = await keepFailureEvidence(src, {
      sessions: plan.sessions,
      withheld: new Set(),
      jobs: [],
      events: [],
      rows: [
        { kind: 'not verified', sessionId: mine!.session.id, text: 'not seen' },
        { kind: 'not verified', sessionId: theirs!.session.id, text: 'not seen' },
      ],
      sinceLines: new Map(),
    });
    for (const site of ['north', 'west'])
      for (const what of ['received', 'permits'])
        expect(existsSync(join(dir, `opscom-${site}-${what}.jsonl`))).toBe(true);
    expect(readFileSync(join(dir, 'opscom-west-received.jsonl'), 'utf8')).toContain(mine!.plate);

    const timeline = (id: string) =>
      readFileSync(
        files.find((f) => f.includes(id))!,
        'utf8',
      );
    const story = timeline(mine!.session.id);
    expect(story).toContain(`of site north (its OPSCOM: opscom-north-*.jsonl)`);
    expect(story).toContain(`/api/v1/validate/plate plate ${mine!.plate}`);
    expect(story).toContain(
      `west's OPSCOM /api/v1/validate/plate plate ${mine!.plate} (bad token)`,
    );
    expect(timeline(theirs!.session.id)).toContain('of site west');
    expect(timeline(theirs!.session.id)).not.toContain(mine!.plate);
  });
});
