/**
 * The one error table: every type of the engine's vocabulary answers as its problem, whichever layer raised it — a
 * workflow's ApplicationFailure, a store error, an evidence refusal.
 */
import { ApplicationFailure } from '@temporalio/common';
import { PROBLEM_KINDS, PROBLEM_OF_ERROR, toProblemError } from '../../src/api/problem';
import { EngineError, ErrorType } from '../../src/domain/errors';
import { addItem, emptyEvidence } from '../../src/domain/evidence';
import { NotFoundError, StoreConflictError, StoreValidationError } from '../../src/store';

test('every error type has a problem kind the API knows', () => {
  for (const type of Object.values(ErrorType)) {
    expect(Object.keys(PROBLEM_KINDS)).toContain(PROBLEM_OF_ERROR[type]);
  }
});

test('workflow refusals answer 422 (malformed command), 409 (wrong state), 404; unknown failure types 409', () => {
  const statusOf = (type: string) => toProblemError(ApplicationFailure.create({ type, message: 'x' }))?.status;
  expect(statusOf(ErrorType.InvalidCommand)).toBe(422);
  expect(statusOf(ErrorType.WrongState)).toBe(409);
  expect(statusOf(ErrorType.NotFound)).toBe(404);
  expect(statusOf(ErrorType.Incident)).toBe(409);
  expect(statusOf('SomethingElse')).toBe(409);
});

test('store errors answer 404, 409 and 400 through the same table', () => {
  expect(toProblemError(new NotFoundError('partner', 'p'))?.status).toBe(404);
  expect(toProblemError(new StoreConflictError('partner-exists', 'taken'))?.status).toBe(409);
  expect(toProblemError(new StoreValidationError('bad date'))?.status).toBe(400);
  expect(toProblemError(new EngineError(ErrorType.InvalidEvidence, 'stored evidence broken'))?.status).toBe(500);
});

test('evidence refusals carry a type, not a status: the API maps them (400, 404, 409)', () => {
  const doc = emptyEvidence('consulting');
  const invalid = addItem(doc, 'references', 'not an object');
  const unknownHolder = addItem(doc, 'credentials', {
    individualId: 'nobody',
    type: 'accreditation',
    name: 'technical-professional',
    earnedOn: '2019-01-01',
  });
  expect(invalid.ok || PROBLEM_KINDS[PROBLEM_OF_ERROR[invalid.reason]].status).toBe(400);
  expect(unknownHolder.ok || PROBLEM_KINDS[PROBLEM_OF_ERROR[unknownHolder.reason]].status).toBe(404);
  expect(PROBLEM_KINDS[PROBLEM_OF_ERROR[ErrorType.DuplicateItem]].status).toBe(409);
  expect(PROBLEM_KINDS[PROBLEM_OF_ERROR[ErrorType.DocumentConflict]].status).toBe(409);
});
