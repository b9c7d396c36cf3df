/** SPEC.md section 4: agent versions are 1 to 4 dot-separated non-negative integers, compared part by part. */
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { VERSION_PARTS, compareVersions, isValidVersion, parseVersion } from '../../src/engine/version.js';

describe('parsing', () => {
  it('compares on four parts', () => {
    expect(VERSION_PARTS).toBe(4);
  });

  it.each<[string, number[]]>([
    ['10', [10, 0, 0, 0]],
    ['10.5', [10, 5, 0, 0]],
    ['10.5.3', [10, 5, 3, 0]],
    ['10.5.3.1', [10, 5, 3, 1]],
    ['0', [0, 0, 0, 0]],
    ['0.0.0.0', [0, 0, 0, 0]],
    ['10.5.10', [10, 5, 10, 0]],
    ['2147483648.1', [2147483648, 1, 0, 0]],
  ])('%s parses as %j (missing parts are 0)', (text, parts) => {
    expect(isValidVersion(text)).toBe(true);
    expect(parseVersion(text)).toEqual(parts);
  });

  it.each<[string, string]>([
    ['', 'empty'],
    ['1.2.3.4.5', 'five parts'],
    ['1.', 'a trailing dot'],
    ['.1', 'a leading dot'],
    ['1..2', 'an empty part'],
    ['-1', 'a negative part'],
    ['1.-2', 'a negative later part'],
    ['v10.5.3', 'a prefix'],
    ['10.5.3-beta', 'a suffix'],
    ['10.5.3 ', 'trailing space'],
    [' 10.5.3', 'leading space'],
    ['10.5.x', 'a letter'],
    ['1.5e3', 'an exponent'],
    ['0x10', 'hex'],
    ['10,5,3', 'commas'],
    ['01.2', 'a leading zero'],
    ['1.02', 'a leading zero in a later part'],
    ['1.2.3.', 'four dots'],
    ['１０.5', 'non-ASCII digits'],
  ])('%j is not a version (%s)', (text) => {
    expect(isValidVersion(text)).toBe(false);
    expect(() => parseVersion(text)).toThrow(TollgateError);
    expect(() => parseVersion(text)).toThrow(expect.objectContaining({ code: 'bad-version' }));
  });

  it('the error names the text', () => {
    expect(() => parseVersion('10.x')).toThrow('"10.x"');
  });
});

describe('comparing part by part', () => {
  it.each<[string, string, number]>([
    ['10.5.10', '10.5.3', 1],
    ['10.5.3', '10.5.10', -1],
    ['10.5.3', '10.5.3', 0],
    ['10.5', '10.5.0', 0],
    ['10.5', '10.5.0.0', 0],
    ['10', '10.0.0.0', 0],
    ['10.5', '10.5.3', -1],
    ['10.5.3.1', '10.5.3', 1],
    ['10.5.2.999', '10.5.3', -1],
    ['11', '10.99.99.99', 1],
    ['10.6.0', '10.5.3', 1],
    ['10.4.0', '10.5.3', -1],
    ['9.9', '10', -1],
    ['100.0', '20.0', 1],
    ['0', '0.0.0.1', -1],
  ])('compare(%s, %s) = %d', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it.each<[string, string]>([
    ['10.5.x', '10.5.3'],
    ['10.5.3', ''],
  ])('compare(%j, %j) throws on an invalid version', (a, b) => {
    expect(() => compareVersions(a, b)).toThrow(expect.objectContaining({ code: 'bad-version' }));
  });
});
