import { parseDuration, parseDurationOrZero } from './duration.js';

describe('parseDuration', () => {
  describe('accepts', () => {
    it.each([
      ['600', 600],
      ['1', 1],
      ['86400', 86400],
    ])('plain seconds: %p is %p seconds', (input, seconds) => {
      expect(parseDuration(input)).toBe(seconds);
    });

    it.each([
      ['90s', 90],
      ['10m', 600],
      ['12h', 43200],
      ['30d', 2592000],
      ['1s', 1],
      ['1m', 60],
      ['1h', 3600],
      ['1d', 86400],
      ['365d', 31536000],
    ])('a suffixed duration: %p is %p seconds', (input, seconds) => {
      expect(parseDuration(input)).toBe(seconds);
    });

    it('leading zeros in the number', () => {
      expect(parseDuration('010m')).toBe(600);
    });

    it.each([
      ['  600  ', 600],
      ['\t10m\n', 600],
      ['10 m', 600],
      ['12\th', 43200],
    ])('whitespace around the value or between number and unit: %p', (input, seconds) => {
      expect(parseDuration(input)).toBe(seconds);
    });
  });

  describe('rejects', () => {
    it.each(['0', '0s', '0m', '0h', '0d', '000'])(
      'zero (%p), which is not a positive duration',
      (input) => {
        expect(parseDuration(input)).toBeUndefined();
      },
    );

    it.each(['-1', '-10m', '- 5s', '+10m'])('a signed value (%p)', (input) => {
      expect(parseDuration(input)).toBeUndefined();
    });

    it.each(['1.5', '1.5h', '0.5d', '.5m', '10.'])('a decimal value (%p)', (input) => {
      expect(parseDuration(input)).toBeUndefined();
    });

    it.each([
      '',
      '   ',
      'abc',
      'm',
      '10x',
      '10ms',
      '10M',
      '10H',
      '10 minutes',
      '1h30m',
      '1e3',
      '0x10',
      '10mm',
      'm10',
      '1 0',
      'Infinity',
      'NaN',
    ])('garbage (%p)', (input) => {
      expect(parseDuration(input)).toBeUndefined();
    });

    it('a number of seconds beyond Number.MAX_SAFE_INTEGER', () => {
      expect(parseDuration('9007199254740992')).toBeUndefined();
      expect(parseDuration('99999999999999999999999')).toBeUndefined();
    });

    it('a value whose conversion to seconds overflows the safe integer range', () => {
      // 104249991374 days is within the safe range as a number but not once multiplied by 86400.
      expect(parseDuration('104249991375d')).toBeUndefined();
      expect(parseDuration('2501999792984h')).toBeUndefined();
    });
  });

  it('accepts the largest safe integer of seconds and the largest whole number of days below it', () => {
    expect(parseDuration(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    const maxDays = Math.floor(Number.MAX_SAFE_INTEGER / 86400);
    expect(parseDuration(`${maxDays}d`)).toBe(maxDays * 86400);
  });
});

describe('parseDurationOrZero', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['00h', 0],
    [' 0 d ', 0],
    ['90s', 90],
    ['12h', 43_200],
  ])('parses %p as %p seconds', (value, seconds) => {
    expect(parseDurationOrZero(value)).toBe(seconds);
  });

  it.each(['-1', '0x', 'soon', '', '1.5h'])('refuses %p', (value) => {
    expect(parseDurationOrZero(value)).toBeUndefined();
  });
});
