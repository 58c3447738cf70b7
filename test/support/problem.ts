/** Asserting RFC 9457 answers: status, `application/problem+json`, and (optionally) what the detail says. */
import type { Response } from 'supertest';

export function expectProblem(res: Response, status: number, detail?: RegExp): void {
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({
    status,
    ...(detail ? { body: { detail: expect.stringMatching(detail) as unknown } } : {}),
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}
