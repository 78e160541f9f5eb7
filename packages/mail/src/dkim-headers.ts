/**
 * The header fields a DKIM signature covers, in h= order: RFC 6376 §5.4.1's recommended list (From first:
 * the one it requires), plus what identifies and shapes the message (Message-ID, MIME-Version, Content-Type,
 * Content-Transfer-Encoding) and List-Unsubscribe-Post, which RFC 8058 one-click unsubscription needs signed.
 * Fields that relays add or rewrite in transit (Received, Return-Path) and Bcc are left out, as §5.4.1 says.
 * Only fields a message carries end up in h=; postdate never sets Sender or the Resent-* fields.
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'Reply-To',
  'Subject',
  'Date',
  'To',
  'Cc',
  'Resent-Date',
  'Resent-From',
  'Resent-To',
  'Resent-Cc',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
].join(':');
