/**
 * The mesh's APIs as the page calls them: same origin, through the gateway,
 * JSON both ways, the bearer token from the session. Every failure becomes
 * an ApiError whose message is fit to show to a person.
 */

/** The one error shape of every feedmesh service (common/src/errors.ts). */
interface ErrorBody {
  error: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const isErrorBody = (body: unknown): body is ErrorBody =>
  typeof body === 'object' &&
  body !== null &&
  'error' in body &&
  typeof (body as ErrorBody).error?.message === 'string' &&
  typeof (body as ErrorBody).error?.code === 'string';

/** A sentence for the person: the service's message, and which fields were wrong and why. */
function describe(body: ErrorBody): string {
  const { message, issues } = body.error;
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  if (!issues?.length) return `${sentence}.`;
  const details = issues.map((i) => (i.path ? `${i.path.replaceAll('_', ' ')}: ${i.message}` : i.message));
  return `${sentence}: ${details.join('; ')}.`;
}

/** Turns any answer that is not a success into an ApiError, also one from a gateway that sent no JSON. */
export async function errorOf(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => undefined);
  if (isErrorBody(body)) return new ApiError(res.status, body.error.code, describe(body));
  if (res.status === 429) return new ApiError(res.status, 'rate_limited', 'Too many attempts; wait a moment.');
  if (res.status >= 500) return new ApiError(res.status, 'unavailable', 'The service is unavailable; try again.');
  return new ApiError(res.status, 'unknown', `The request failed (HTTP ${res.status}).`);
}

export interface Post {
  id: string;
  author_id: string;
  title: string;
  content: string;
  tags: string[];
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Page {
  items: Post[];
  next?: string | null;
}

export interface Profile {
  user_id: string;
  display_name: string;
  bio: string | null;
  location: string | null;
  website: string | null;
  followers_count: number;
  following_count: number;
}

export interface Account {
  id: string;
  email: string;
  username: string;
}

export interface Token {
  access_token: string;
  expires_in: number;
}

type Json = Record<string, unknown>;

/** One call; `token` when the operation acts for a user. */
async function call<T>(method: string, path: string, token?: string, body?: Json): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached; check the connection and try again.');
  }
  if (!res.ok) throw await errorOf(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  return q.size ? `?${q}` : '';
};

export const api = {
  register: (body: { email: string; username: string; password: string }) =>
    call<Account>('POST', '/api/auth/register', undefined, body),
  login: (body: { email: string; password: string }) => call<Token>('POST', '/api/auth/login', undefined, body),
  logout: (token: string) => call<void>('POST', '/api/auth/logout', token),
  me: (token: string) => call<Account>('GET', '/api/auth/me', token),

  globalPage: (skip: number, limit = 20) => call<Page>('GET', `/api/activity-stream${query({ skip, limit })}`),
  homePage: (token: string, before?: string, limit = 20) =>
    call<Page>('GET', `/api/activity-stream/home${query({ limit, before })}`, token),

  createPost: (token: string, body: { title: string; content: string; tags: string[] }) =>
    call<Post>('POST', '/api/posts', token, body),
  updatePost: (token: string, id: string, body: { title: string; content: string; tags: string[] }) =>
    call<Post>('PUT', `/api/posts/${encodeURIComponent(id)}`, token, body),
  deletePost: (token: string, id: string) => call<void>('DELETE', `/api/posts/${encodeURIComponent(id)}`, token),

  myProfile: (token: string) => call<Profile>('GET', '/api/profile', token),
  profileOf: (token: string, userId: string) =>
    call<Profile>('GET', `/api/profile/${encodeURIComponent(userId)}`, token),
  createProfile: (token: string, body: Json) => call<Profile>('POST', '/api/profile', token, body),
  updateProfile: (token: string, body: Json) => call<Profile>('PUT', '/api/profile', token, body),
  following: (token: string, userId: string) =>
    call<{ items: Array<{ user_id: string }> }>(
      'GET',
      `/api/profile/${encodeURIComponent(userId)}/following${query({ limit: 100 })}`,
      token,
    ),
  follow: (token: string, userId: string) =>
    call<unknown>('PUT', `/api/profile/following/${encodeURIComponent(userId)}`, token),
  unfollow: (token: string, userId: string) =>
    call<void>('DELETE', `/api/profile/following/${encodeURIComponent(userId)}`, token),
};
