// Suppressions: the addresses a tenant does not send to.
export { addSuppression, removeSuppression, listSuppressions, suppressionPageSchema } from './manage-suppressions';
export type { NewSuppression, SuppressionPage } from './manage-suppressions';
export { suppressRefused } from './suppress-refused';
export type { Refusal } from './suppress-refused';
export { toSuppressionView, suppressionViewSchema } from './suppression-view';
export type { SuppressionView } from './suppression-view';
