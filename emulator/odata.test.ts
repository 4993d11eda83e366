import { describe, expect, it } from 'vitest';
import { GraphHttpError } from './errors';
import { decodeSkipToken, encodeSkipToken, parseFilter, parseSelect, parseTop } from './odata';

const props = ['displayName', 'accountEnabled', 'userType', 'mail', 'start/dateTime'];
const f = (expr: string, advanced = false) => parseFilter(expr, { properties: props, advanced });

describe('$filter', () => {
  it('evaluates eq on strings case-insensitively, booleans and null', () => {
    expect(f("userType eq 'member'")({ userType: 'Member' })).toBe(true);
    expect(f('accountEnabled eq false')({ accountEnabled: true })).toBe(false);
    expect(f('mail eq null')({ mail: null })).toBe(true);
  });

  it('binds and tighter than or, and honours parentheses', () => {
    const c = f("userType eq 'Guest' or accountEnabled eq true and mail eq 'a@b'");
    expect(c({ userType: 'Member', accountEnabled: true, mail: 'x' })).toBe(false);
    expect(
      f("(userType eq 'Guest' or accountEnabled eq true) and mail eq 'a@b'")({
        userType: 'Guest',
        mail: 'a@b',
      }),
    ).toBe(true);
  });

  it('supports startswith, in, comparisons on nested paths and escaped quotes', () => {
    expect(f("startswith(displayName,'ad')")({ displayName: 'Adele' })).toBe(true);
    expect(f("displayName in ('Bob', 'O''Neil')")({ displayName: "O'Neil" })).toBe(true);
    expect(
      f("start/dateTime ge '2026-12-01T00:00:00'")({ start: { dateTime: '2026-12-02T09:00:00.0000000' } }),
    ).toBe(true);
  });

  it('requires the advanced-query switch for ne, not and endswith', () => {
    expect(() => f("userType ne 'Guest'")).toThrow(/ConsistencyLevel/);
    expect(f("userType ne 'Guest'", true)({ userType: 'Member' })).toBe(true);
    expect(() => f("endswith(mail,'@b')")).toThrow(GraphHttpError);
  });

  it('rejects unknown properties, operators, unterminated strings and trailing tokens with a 400', () => {
    for (const bad of [
      "jobTitle eq 'x'",
      "displayName like 'x'",
      "displayName eq 'x",
      "displayName eq 'x' foo",
      '',
    ]) {
      const err = (() => {
        try {
          f(bad);
        } catch (e) {
          return e;
        }
      })() as GraphHttpError;
      expect(err).toBeInstanceOf(GraphHttpError);
      expect(err.status).toBe(400);
    }
  });
});

describe('$select, $top, $skiptoken', () => {
  it('maps $select names case-insensitively and rejects unknown properties', () => {
    expect(parseSelect(new URLSearchParams('$select=ID,displayname'), ['id', 'displayName'], 'user')).toEqual(
      ['id', 'displayName'],
    );
    expect(() => parseSelect(new URLSearchParams('$select=nope'), ['id'], 'user')).toThrow(
      /Could not find a property named 'nope'/,
    );
  });

  it('bounds $top by the page-size maximum', () => {
    expect(parseTop(new URLSearchParams(''), 100, 999)).toBe(100);
    expect(() => parseTop(new URLSearchParams('$top=1000'), 100, 999)).toThrow(/between 1 and 999/);
    expect(() => parseTop(new URLSearchParams('$top=abc'), 100, 999)).toThrow(GraphHttpError);
  });

  it('round-trips an opaque skip token and rejects a forged one', () => {
    expect(decodeSkipToken(new URLSearchParams({ $skiptoken: encodeSkipToken(300) }))).toBe(300);
    expect(() => decodeSkipToken(new URLSearchParams({ $skiptoken: '300' }))).toThrow(GraphHttpError);
  });
});
