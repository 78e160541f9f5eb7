/**
 * The Message-ID is a function of the email alone, so a re-send after a crash carries the same one and
 * receivers (and our tests) can recognise the copy.
 */
export function messageIdFor(emailId: string, mailDomain: string): string {
  return `<postdate.${emailId}@${mailDomain}>`;
}
