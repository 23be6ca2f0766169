import { describe, expect, it } from '@jest/globals';
import { adapterScaffold } from './adapter-scaffold.js';

describe('adapterScaffold', () => {
  it('lays out a whole adapter app', () => {
    expect([...adapterScaffold('blood-bank').keys()].sort()).toEqual([
      'apps/adapter-blood-bank/README.md',
      'apps/adapter-blood-bank/fixtures/in/crafted-a01-inpatient.hl7',
      'apps/adapter-blood-bank/src/blood-bank-adapter.spec.ts',
      'apps/adapter-blood-bank/src/blood-bank-adapter.ts',
      'apps/adapter-blood-bank/src/code-sets/patient-class.csv',
      'apps/adapter-blood-bank/src/lambda.ts',
      'apps/adapter-blood-bank/src/main.ts',
    ]);
  });

  it('names things after the adapter and imports the SDK by its alias', () => {
    const files = adapterScaffold('blood-bank');
    const mapping = files.get('apps/adapter-blood-bank/src/blood-bank-adapter.ts')!;
    expect(mapping).toContain('export const bloodBankAdapter = defineAdapter({');
    expect(mapping).toContain("name: 'blood-bank',");
    expect(mapping).toContain("message.set('MSH-5', 'BLOOD_BANK');");
    // The build's alias rewriter must not have turned this into a relative path (it did once).
    for (const path of ['src/blood-bank-adapter.ts', 'src/main.ts', 'src/lambda.ts', 'src/blood-bank-adapter.spec.ts']) {
      expect(files.get(`apps/adapter-blood-bank/${path}`)).toContain("from '@lib/adapter-sdk';");
    }
    expect(files.get('apps/adapter-blood-bank/src/main.ts')).toContain('ADAPTER_BLOOD_BANK_TARGET');
  });

  it.each(['', 'Lab', '1lab', 'lab_2', 'lab/../x'])('refuses the name %j', (name) => {
    expect(() => adapterScaffold(name)).toThrow('lowercase letters, digits and dashes');
  });
});
