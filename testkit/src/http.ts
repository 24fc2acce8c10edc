/** GETs JSON; the body is undefined when the answer is empty. Times out after 5 s. */
export async function getJson<T = unknown>(
  url: string,
  headers?: Record<string, string>,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
