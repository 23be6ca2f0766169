import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@lib/platform';
import { parse as parseYaml } from 'yaml';
import { readAdtEvent } from '../adt/adt-event.js';
import { adtMessage, envelopeOf } from '../testing/adt-envelopes.js';
import { loadRoutes, parseRoutes, targetMatches } from './route-config.js';

const testdata = new URL('./testdata/', import.meta.url).pathname;
function routesFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'routes-'));
  const file = join(dir, 'routes.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('routes file', () => {
  it('fills defaults: topic hl7.route.<name>.v1, start live, empty rules match anything', async () => {
    const [lab] = await loadRoutes(routesFile('targets:\n  - name: lab\n'));
    expect(lab).toMatchObject({ name: 'lab', topic: 'hl7.route.lab.v1', start: 'live' });
    expect(targetMatches(lab!, readAdtEvent(envelopeOf(adtMessage({ trigger: 'A08', mrn: 'M1', controlId: 'C1' }))))).toBe(true);
  });

  it.each([
    ['targets: []\n', 'targets: needs at least one target'],
    ['targets:\n  - name: Lab\n', 'targets.0.name: lowercase letters'],
    ['targets:\n  - name: lab\n  - name: lab\n', 'targets.1.name: target lab appears twice'],
    [
      'targets:\n  - name: lab\n    match:\n      triggerEvents: [A1]\n',
      'targets.0.match.triggerEvents.0: trigger events are 3 characters',
    ],
    ['targets:\n  - name: lab\n    match:\n      trigger: [A01]\n', 'targets.0.match: Unrecognized key: "trigger"'],
    ['targets:\n  - name: lab\n    start: later\n', 'targets.0.start'],
    ['targets:\n  - name: lab\n    topic: "has space"\n', 'targets.0.topic: a Kafka topic name'],
  ])('refuses %j with a message naming the setting', (yaml, message) => {
    expect(() => parseRoutes(parseYaml(yaml), 'routes.yaml')).toThrow(ConfigError);
    expect(() => parseRoutes(parseYaml(yaml), 'routes.yaml')).toThrow(message);
  });

  it('matches on type, trigger, sending facility (MSH-4.1) and patient class (PV1-2), all of them', async () => {
    const [t] = await loadRoutes(
      routesFile(
        'targets:\n  - name: rad\n    match:\n      messageTypes: [ADT]\n      triggerEvents: [A01, A03]\n' +
          '      sendingFacilities: [GENHOSP]\n      patientClasses: [I, E]\n',
      ),
    );
    const matches = (trigger: string, extra: { facility?: string; patientClass?: string } = {}) =>
      targetMatches(t!, readAdtEvent(envelopeOf(adtMessage({ trigger, mrn: 'M1', controlId: 'C', ...extra }))));
    expect(matches('A01')).toBe(true);
    expect(matches('A03', { patientClass: 'E' })).toBe(true);
    expect(matches('A08')).toBe(false);
    expect(matches('A01', { facility: 'OTHER' })).toBe(false);
    expect(matches('A01', { facility: 'GENHOSP^1.2.3^ISO' })).toBe(true);
    expect(matches('A01', { patientClass: 'O' })).toBe(false);
  });

  it('loads a custom predicate module relative to the routes file', async () => {
    const file = routesFile('targets:\n  - name: ward\n    match:\n      predicate: ./inpatient-only.mjs\n');
    for (const module of ['inpatient-only.mjs', 'no-default.mjs']) copyFileSync(join(testdata, module), join(file, '..', module));
    const [ward] = await loadRoutes(file);
    const event = (patientClass: string, location: string) =>
      readAdtEvent(envelopeOf(adtMessage({ trigger: 'A01', mrn: 'M1', controlId: 'C', patientClass, location })));
    expect(targetMatches(ward!, event('I', 'WARD1^1^A'))).toBe(true);
    expect(targetMatches(ward!, event('I', 'ICU^1^A'))).toBe(false);
    expect(targetMatches(ward!, event('O', 'WARD1^1^A'))).toBe(false);
    writeFileSync(file, 'targets:\n  - name: ward\n    match:\n      predicate: ./no-default.mjs\n');
    await expect(loadRoutes(file)).rejects.toThrow('targets.ward.match.predicate: the module has no default export function');
  });

  it('says which file it cannot read', async () => {
    await expect(loadRoutes('/nonexistent/routes.yaml')).rejects.toThrow('/nonexistent/routes.yaml');
  });
});
