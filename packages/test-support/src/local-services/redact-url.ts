/** The URL with its password replaced by ***: URLs end up in terminals and CI logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (a typo, an odd scheme): mask whatever sits between "user:" and "@".
    return url.replace(/(:\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}
