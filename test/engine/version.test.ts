/** SPEC.md section 4: agent versions are 1 to 4 dot-separated non-negative integers, compared part by part. */
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { MAX_VERSION_PART_DIGITS } from '../../src/engine/limits.js';
import { VERSION_PARTS, compareVersions, isValidVersion, parseVersion } from '../../src/engine/version.js';

describe('parsing', () => {
  it('compares on four parts', () => {
    expect(VERSION_PARTS).toBe(4);
  });

  it.each<[string, bigint[]]>([
    ['10', [10n, 0n, 0n, 0n]],
    ['10.5', [10n, 5n, 0n, 0n]],
    ['10.5.3', [10n, 5n, 3n, 0n]],
    ['10.5.3.1', [10n, 5n, 3n, 1n]],
    ['0', [0n, 0n, 0n, 0n]],
    ['0.0.0.0', [0n, 0n, 0n, 0n]],
    ['10.5.10', [10n, 5n, 10n, 0n]],
    ['2147483648.1', [2147483648n, 1n, 0n, 0n]],
    ['9007199254740993.1', [9007199254740993n, 1n, 0n, 0n]],
    ['99999999999999999999', [99999999999999999999n, 0n, 0n, 0n]],
  ])('%s parses into four exact parts (missing parts are 0)', (text, parts) => {
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
    ['100000000000000000000', 'a part of 21 digits'],
    ['1.2.3.100000000000000000000', 'a later part of 21 digits'],
  ])('%j is not a version (%s)', (text) => {
    expect(isValidVersion(text)).toBe(false);
    expect(() => parseVersion(text)).toThrow(TollgateError);
    expect(() => parseVersion(text)).toThrow(expect.objectContaining({ code: 'bad-version' }));
  });

  it('bounds a part at 20 digits and says so', () => {
    expect(MAX_VERSION_PART_DIGITS).toBe(20);
    expect(() => parseVersion(`1.${'9'.repeat(21)}`)).toThrow('has a part of more than 20 digits');
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
    // Parts beyond 2^53 are compared exactly, not as the nearest float.
    ['9007199254740993', '9007199254740992', 1],
    ['10.9007199254740993', '10.9007199254740992', 1],
    ['1.2.3.18446744073709551616', '1.2.3.18446744073709551615', 1],
    ['99999999999999999999', '99999999999999999998.9', 1],
    ['100000000000000000', '99999999999999999', 1],
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
