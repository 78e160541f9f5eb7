export { MailSendError } from './mail-transport';
export type { MailTransport, OutgoingMessage, SendResult, FailureKind, RecipientRefusal, DkimSigning } from './mail-transport';
export { classifySmtpError, isThrottling, refusal } from './classify-smtp-error';
export { messageIdFor } from './message-id';
export { toMailOptions } from './mail-options';
export { DKIM_SIGNED_HEADERS } from './dkim-headers';
