import { describe, expect, test } from 'vitest';
import { crossSiteRefusal, hasSessionCookie } from './cross-site.js';

const PUBLIC = 'https://shop.example.com';
const OWN = 'http://10.0.0.7:3000';
const refused = (origin: string | undefined, secFetchSite: string | undefined, publicOrigin?: string) =>
  crossSiteRefusal({ origin, secFetchSite }, publicOrigin, OWN) !== undefined;

describe('cross-site check', () => {
  test('with PUBLIC_ORIGIN: its Origin or same-origin fetch metadata pass; anything foreign is refused', () => {
    expect(refused(PUBLIC, undefined, PUBLIC)).toBe(false);
    expect(refused(PUBLIC, 'same-site', PUBLIC)).toBe(false);
    expect(refused(undefined, 'same-origin', PUBLIC)).toBe(false);
    expect(refused('https://evil.example', undefined, PUBLIC)).toBe(true);
    expect(refused('https://evil.example', 'cross-site', PUBLIC)).toBe(true);
    expect(refused(undefined, 'cross-site', PUBLIC)).toBe(true);
    expect(refused(undefined, 'same-site', PUBLIC)).toBe(true);
    expect(refused('null', undefined, PUBLIC)).toBe(true);
    // The edge's own address is not the public origin once one is configured.
    expect(refused(OWN, undefined, PUBLIC)).toBe(true);
    expect(refused('http://shop.example.com', undefined, PUBLIC)).toBe(true);
  });

  test('without PUBLIC_ORIGIN (development, test): the origin the request was addressed to', () => {
    expect(refused(OWN, undefined)).toBe(false);
    expect(refused('http://10.0.0.7:3001', undefined)).toBe(true);
    expect(refused(PUBLIC, undefined)).toBe(true);
  });

  test('a request with neither header comes from no browser and passes (it has nothing to forge)', () => {
    expect(refused(undefined, undefined, PUBLIC)).toBe(false);
  });

  test('the session cookie is found among others, and only by its exact name', () => {
    expect(hasSessionCookie('a=1; dropline_session=x.y.z; b=2')).toBe(true);
    expect(hasSessionCookie('dropline_session_old=1')).toBe(false);
    expect(hasSessionCookie(undefined)).toBe(false);
  });
});
