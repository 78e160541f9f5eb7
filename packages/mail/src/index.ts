export { MailSendError } from './mail-transport';
export type { MailTransport, OutgoingMessage, SendResult, FailureKind } from './mail-transport';
export { classifySmtpError } from './classify-smtp-error';
export { messageIdFor } from './message-id';
export { toMailOptions } from './mail-options';
