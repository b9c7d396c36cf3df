import { describe, expect, it } from 'vitest';
import { parseConfigValue } from '../../src/scenario/config-text.js';

describe('parseConfigValue', () => {
  it('reads YAML as the library reads it, its warnings told as the library tells them', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      expect(parseConfigValue('logLevel: !info info\n', 'd.yaml')).toEqual({ logLevel: 'info' });
      // A warning is emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Unresolved tag: !info/);
  });

  it('refuses a key given twice, naming where, and takes YAML 1.1 merge keys given twice', () => {
    expect(() => parseConfigValue('a: 1\nb: 2\na: 3\n', 'd.yaml')).toThrow(
      'd.yaml: Map keys must be unique at line 3, column 1',
    );
    expect(parseConfigValue('%YAML 1.1\n---\nx: &x {a: 1}\nz:\n  <<: *x\n  <<: {b: 2}\n', 'd.yaml')).toMatchObject({
      z: { a: 1 },
    });
  });
});
