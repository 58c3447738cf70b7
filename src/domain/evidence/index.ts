/**
 * Evidence: the document and its schemas (`document`), its items as data with the pure add/remove/upsert operations
 * (`items`), and the CSV import of one item kind (`csv-import`). No I/O and no HTTP: refusals carry an `ErrorType`
 * that the API maps to a problem type.
 */
export * from './document';
export * from './items';
export * from './csv-import';
