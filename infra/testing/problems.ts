/** Assertions on problem+json answers, shared by the HTTP tests. */
import { expect } from 'vitest';
import type { ApiResponse } from './api.js';

/** The answer is a problem+json with this status and code, and the fields RFC 9457 asks for. */
export function expectProblem(r: ApiResponse, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  expect(r.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
}

/** A 400 validation_failed naming `field` among its errors. */
export function expectInvalid(r: ApiResponse, field: string): void {
  expectProblem(r, 400, 'validation_failed');
  expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
}
