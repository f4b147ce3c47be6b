import { UserInputError } from './errors.js';
import { all, lines, problemsOf, single, text, ticked } from './form-fields.js';
import { InvalidInput } from './parse-input.js';

describe('form fields', () => {
  const form = {
    name: 'Notes',
    scope: ['drive.read', 'drive.write'],
    uris: ' https://a.example/cb \r\n\n https://b.example/cb',
    box: 'on',
    other: 'yes',
  };

  it('reads a text field; a repeated one as its values joined by spaces', () => {
    expect(text(form, 'name')).toBe('Notes');
    expect(text(form, 'scope')).toBe('drive.read drive.write');
    expect(text(form, 'missing')).toBeUndefined();
    expect(text(undefined, 'name')).toBeUndefined();
  });

  it('reads a single field only when sent once', () => {
    expect(single(form, 'name')).toBe('Notes');
    expect(single(form, 'scope')).toBeUndefined();
  });

  it('reads every value of a field', () => {
    expect(all(form, 'scope')).toEqual(['drive.read', 'drive.write']);
    expect(all(form, 'name')).toEqual(['Notes']);
    expect(all(form, 'missing')).toEqual([]);
  });

  it('reads a textarea as trimmed, non-blank lines', () => {
    expect(lines(form, 'uris')).toEqual(['https://a.example/cb', 'https://b.example/cb']);
    expect(lines(form, 'missing')).toEqual([]);
  });

  it('reads a checkbox as ticked when the browser sent "on"', () => {
    expect(ticked(form, 'box')).toBe(true);
    expect(ticked(form, 'other')).toBe(false);
    expect(ticked(form, 'missing')).toBe(false);
  });

  it("lists a schema's problems apart, and a service's message line by line", () => {
    expect(problemsOf(new InvalidInput(['a; b', 'c']))).toEqual(['a; b', 'c']);
    expect(problemsOf(new UserInputError('a\nb'))).toEqual(['a', 'b']);
  });
});
