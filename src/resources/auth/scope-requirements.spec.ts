import {
  satisfyingScopeSets,
  unmetRequirement,
  type ScopeRequirement,
} from './scope-requirements.js';

const all = (...scopes: string[]): ScopeRequirement => ({ mode: 'all', scopes });
const any = (...scopes: string[]): ScopeRequirement => ({ mode: 'any', scopes });

describe('unmetRequirement', () => {
  it('is met by any token when nothing is required', () => {
    expect(unmetRequirement([], [])).toBeUndefined();
  });

  it('all: needs every scope', () => {
    expect(unmetRequirement([all('a', 'b')], ['a', 'b', 'c'])).toBeUndefined();
    expect(unmetRequirement([all('a', 'b')], ['a'])).toEqual(all('a', 'b'));
    expect(unmetRequirement([all('a', 'b')], [])).toEqual(all('a', 'b'));
  });

  it('any: needs one scope', () => {
    expect(unmetRequirement([any('a', 'b')], ['b'])).toBeUndefined();
    expect(unmetRequirement([any('a', 'b')], ['c'])).toEqual(any('a', 'b'));
  });

  it('needs every requirement (class and handler) and names the first one missed', () => {
    const requirements = [all('a'), any('b', 'c'), all('d')];
    expect(unmetRequirement(requirements, ['a', 'c', 'd'])).toBeUndefined();
    expect(unmetRequirement(requirements, ['a', 'd'])).toEqual(any('b', 'c'));
    expect(unmetRequirement(requirements, ['c', 'd'])).toEqual(all('a'));
    expect(unmetRequirement(requirements, ['a', 'b'])).toEqual(all('d'));
  });

  it('compares scopes exactly (case-sensitive, RFC 6749 §3.3), never as prefixes', () => {
    expect(unmetRequirement([all('drive.read')], ['Drive.Read'])).toEqual(all('drive.read'));
    expect(unmetRequirement([all('drive.read')], ['drive'])).toEqual(all('drive.read'));
    expect(unmetRequirement([all('drive')], ['drive.read'])).toEqual(all('drive'));
  });
});

describe('satisfyingScopeSets', () => {
  it('is one empty set when nothing is required', () => {
    expect(satisfyingScopeSets([])).toEqual([[]]);
  });

  it('merges all requirements into one set', () => {
    expect(satisfyingScopeSets([all('a', 'b'), all('b', 'c')])).toEqual([['a', 'b', 'c']]);
  });

  it('gives one alternative per scope of an any requirement', () => {
    expect(satisfyingScopeSets([any('a', 'b')])).toEqual([['a'], ['b']]);
  });

  it('combines all and any requirements', () => {
    expect(satisfyingScopeSets([all('x'), any('a', 'b'), any('c', 'd')])).toEqual([
      ['x', 'a', 'c'],
      ['x', 'a', 'd'],
      ['x', 'b', 'c'],
      ['x', 'b', 'd'],
    ]);
  });
});
