/** What a test sees of one API caller: its key and tenant, and requests made with its key. */
export interface ApiClient {
  key: string;
  tenantId: bigint;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

/**
 * JSON requests to `baseUrl` with `Authorization: Bearer <key>`; the answer's body parsed when it is
 * JSON, left as text when it is not (tests assert on that themselves).
 */
export function apiClient(baseUrl: string, caller: { key: string; tenantId: bigint }): ApiClient {
  return {
    ...caller,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${caller.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
}
