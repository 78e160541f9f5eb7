// @postdate/client: the postdate API, typed from its OpenAPI document. No dependencies beyond fetch.
export { Postdate } from './postdate';
export type { PostdateOptions } from './postdate';
export { PostdateError, PostdateApiError, PostdateConnectionError } from './errors';
export type * from './types';
