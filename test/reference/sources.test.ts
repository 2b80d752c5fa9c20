import { describe, expect, it } from 'vitest';
import { normalizeBaseUrl, sameBase } from '../../src/reference/index.js';

describe('the base URL of a mirror', () => {
  it('appends v1/ to a plain base, as the endpoint lays files out', () => {
    expect(normalizeBaseUrl('https://mirror.example.com')).toBe('https://mirror.example.com/v1/');
    expect(normalizeBaseUrl('https://mirror.example.com/aws-service-reference/')).toBe('https://mirror.example.com/aws-service-reference/v1/');
  });

  it('never appends another v1/ to a base that ends in v1, whatever its casing or trailing slash', () => {
    expect(normalizeBaseUrl('https://mirror.example.com/v1')).toBe('https://mirror.example.com/v1/');
    expect(normalizeBaseUrl('https://mirror.example.com/aws/v1/')).toBe('https://mirror.example.com/aws/v1/');
    expect(normalizeBaseUrl('https://mirror.example.com/aws/V1/')).toBe('https://mirror.example.com/aws/V1/');
  });

  it('takes the directory of a service list URL as the base', () => {
    expect(normalizeBaseUrl('https://mirror.example.com/aws/v1/service-list.json?x=1')).toBe('https://mirror.example.com/aws/v1/');
    expect(normalizeBaseUrl('https://mirror.example.com/flat/service-list.json')).toBe('https://mirror.example.com/flat/');
  });

  it('compares recorded bases regardless of spelling', () => {
    expect(sameBase('HTTP://Mirror.example.com:80/v1/', 'http://mirror.example.com/v1/')).toBe(true);
    expect(sameBase('http://a.example.com/v1/', 'http://b.example.com/v1/')).toBe(false);
    expect(sameBase('/srv/ref/v1', '/srv/ref/v1/')).toBe(true);
  });
});
