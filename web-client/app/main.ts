import { api, ApiError, type Post, type Profile } from './api.js';
import { openLive, type LiveStream } from './live.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';

/** The page's one script: signs in and out, shows a stream live, writes posts, edits the profile. */

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};

const PAGE = 20;
type View = 'global' | 'home';

const state = {
  view: 'global' as View,
  posts: new Map<string, Post>(),
  /** Global pages by offset; the home timeline by the cursor it hands out. */
  skip: 0,
  next: undefined as string | undefined,
  following: new Set<string>(),
  names: new Map<string, string>(),
  live: undefined as LiveStream | undefined,
  hasProfile: false,
};

// ---------------------------------------------------------------- telling the person

function showError(err: unknown): void {
  const box = $('error');
  box.textContent =
    err instanceof ApiError ? err.message : 'Something went wrong in this page; reload it and try again.';
  box.hidden = false;
  if (!(err instanceof ApiError)) console.error(err);
}

function clearError(): void {
  $('error').hidden = true;
  $('error').textContent = '';
}

function tell(message: string): void {
  $('news').textContent = message;
}

/** Runs an action of the person's, showing what goes wrong in words; a 401 ends the session. */
async function attempt(action: () => Promise<void>): Promise<void> {
  clearError();
  try {
    await action();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && loadSession()) {
      signedOut('Your session has ended; sign in again.');
      return;
    }
    showError(err);
  }
}

// ---------------------------------------------------------------- posts

const shortId = (id: string) => `user ${id.slice(0, 8)}`;
const authorName = (id: string) => state.names.get(id) ?? shortId(id);

/** Display names of authors, asked once each (profiles are for signed-in readers). */
async function learnNames(ids: Iterable<string>): Promise<void> {
  const session = loadSession();
  if (!session) return;
  const unknown = [...new Set(ids)].filter((id) => !state.names.has(id));
  await Promise.all(
    unknown.map(async (id) => {
      const profile = await api.profileOf(session.token, id).catch(() => undefined);
      state.names.set(id, profile?.display_name ?? shortId(id));
    }),
  );
}

function button(label: string, onClick: () => Promise<void>, className?: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener('click', () => void attempt(onClick));
  return b;
}

function postElement(post: Post, fresh: boolean): HTMLLIElement {
  const session = loadSession();
  const li = document.createElement('li');
  li.dataset.postId = post.id;
  const article = document.createElement('article');
  article.setAttribute('aria-labelledby', `title-${post.id}`);
  if (fresh) article.classList.add('fresh');

  const title = document.createElement('h3');
  title.id = `title-${post.id}`;
  title.textContent = post.title;
  const content = document.createElement('p');
  content.className = 'content';
  content.textContent = post.content;

  const meta = document.createElement('p');
  meta.className = 'meta';
  const author = document.createElement('span');
  author.className = 'author';
  author.textContent = `by ${authorName(post.author_id)}`;
  const when = document.createElement('time');
  when.dateTime = post.created_at;
  when.textContent = new Date(post.created_at).toLocaleString();
  meta.append(author, when);
  if (post.version > 1) meta.append(Object.assign(document.createElement('span'), { textContent: '(edited)' }));
  if (post.tags.length) {
    const tags = document.createElement('span');
    tags.className = 'tags';
    tags.textContent = post.tags.map((t) => `#${t}`).join(' ');
    meta.append(tags);
  }

  if (session && post.author_id === session.userId) {
    meta.append(
      button(`Edit “${post.title}”`, async () => editPost(post)),
      button(`Delete “${post.title}”`, async () => deletePost(post), 'danger'),
    );
  } else if (session) {
    const name = authorName(post.author_id);
    meta.append(
      state.following.has(post.author_id)
        ? button(`Unfollow ${name}`, async () => setFollowing(post.author_id, false))
        : button(`Follow ${name}`, async () => setFollowing(post.author_id, true)),
    );
  }
  article.append(title, content, meta);
  li.append(article);
  return li;
}

function render(): void {
  const list = $('posts');
  const sorted = [...state.posts.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
  list.replaceChildren(...sorted.map((p) => postElement(p, false)));
  if (sorted.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'muted';
    empty.textContent = state.view === 'home' ? 'Nothing here yet: follow someone, or write a post.' : 'No posts yet.';
    list.append(empty);
  }
}

async function loadPage(first: boolean): Promise<void> {
  const session = loadSession();
  if (first) {
    state.posts.clear();
    state.skip = 0;
    state.next = undefined;
  }
  const page =
    state.view === 'home' && session
      ? await api.homePage(session.token, state.next, PAGE)
      : await api.globalPage(state.skip, PAGE);
  await learnNames(page.items.map((p) => p.author_id));
  for (const post of page.items) state.posts.set(post.id, post);
  state.skip += page.items.length;
  state.next = page.next ?? undefined;
  $('more').hidden = state.view === 'home' ? !state.next : page.items.length < PAGE;
  render();
}

/** A change from the live stream, applied to the listing in place. */
async function applyChange(type: string, data: unknown): Promise<void> {
  if (type === 'post.deleted') {
    const { id } = data as { id: string };
    const gone = state.posts.get(id);
    if (!gone) return;
    state.posts.delete(id);
    document.querySelector(`li[data-post-id="${CSS.escape(id)}"]`)?.remove();
    // One's own change was already told as it was made.
    if (gone.author_id !== loadSession()?.userId) tell(`A post was deleted: “${gone.title}”.`);
    return;
  }
  const post = data as Post;
  const known = state.posts.get(post.id);
  if (known && known.version >= post.version) return;
  await learnNames([post.author_id]);
  state.posts.set(post.id, post);
  const element = postElement(post, true);
  const existing = document.querySelector(`li[data-post-id="${CSS.escape(post.id)}"]`);
  if (existing) existing.replaceWith(element);
  else {
    $('posts').querySelector(':scope > li.muted')?.remove();
    $('posts').prepend(element);
    state.skip += 1;
  }
  if (post.author_id === loadSession()?.userId) return;
  tell(
    type === 'post.created'
      ? `New post by ${authorName(post.author_id)}: “${post.title}”.`
      : `A post was edited: “${post.title}”.`,
  );
}

function startLive(): void {
  state.live?.close();
  const session = loadSession();
  const home = state.view === 'home' && session;
  state.live = openLive(
    home ? '/api/activity-stream/home/live' : '/api/activity-stream/live',
    home ? session.token : undefined,
    {
      change: (type, data) => void applyChange(type, data).catch(showError),
      reset: () => void attempt(() => loadPage(true)),
      signedOut: () => signedOut('You have been signed out (the session was ended elsewhere); sign in again.'),
      connected: (open) => {
        $('live-state').textContent = open ? 'Live: new posts appear as they are written.' : 'Reconnecting…';
      },
    },
  );
}

async function show(view: View): Promise<void> {
  state.view = view;
  $('show-global').setAttribute('aria-pressed', String(view === 'global'));
  $('show-home').setAttribute('aria-pressed', String(view === 'home'));
  $('stream-title').textContent = view === 'home' ? 'Your home timeline' : "Everyone's posts";
  startLive();
  await loadPage(true);
}

// ---------------------------------------------------------------- writing

const postForm = () => $<HTMLFormElement>('post-form');
const field = (form: HTMLFormElement, name: string) =>
  form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement;

function editPost(post: Post): void {
  const form = postForm();
  field(form, 'id').value = post.id;
  field(form, 'title').value = post.title;
  field(form, 'content').value = post.content;
  field(form, 'tags').value = post.tags.join(', ');
  $('compose-title').textContent = 'Edit your post';
  $('post-submit').textContent = 'Save changes';
  $('post-cancel').hidden = false;
  field(form, 'title').focus();
}

function resetPostForm(): void {
  postForm().reset();
  field(postForm(), 'id').value = '';
  $('compose-title').textContent = 'Write a post';
  $('post-submit').textContent = 'Post';
  $('post-cancel').hidden = true;
}

async function submitPost(): Promise<void> {
  const session = loadSession();
  if (!session) return;
  const form = postForm();
  const body = {
    title: field(form, 'title').value,
    content: field(form, 'content').value,
    tags: field(form, 'tags')
      .value.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
  const id = field(form, 'id').value;
  const saved = id ? await api.updatePost(session.token, id, body) : await api.createPost(session.token, body);
  resetPostForm();
  tell(id ? `Saved your changes to “${saved.title}”.` : `Posted “${saved.title}”.`);
}

async function deletePost(post: Post): Promise<void> {
  const session = loadSession();
  if (!session || !window.confirm(`Delete “${post.title}”? This cannot be undone.`)) return;
  await api.deletePost(session.token, post.id);
  tell(`Deleted “${post.title}”.`);
}

async function setFollowing(userId: string, follow: boolean): Promise<void> {
  const session = loadSession();
  if (!session) return;
  if (follow) await api.follow(session.token, userId);
  else await api.unfollow(session.token, userId);
  if (follow) state.following.add(userId);
  else state.following.delete(userId);
  tell(`${follow ? 'You now follow' : 'You no longer follow'} ${authorName(userId)}.`);
  render();
}

// ---------------------------------------------------------------- profile

function fillProfile(profile: Profile | undefined, fallbackName: string): void {
  const form = $<HTMLFormElement>('profile-form');
  field(form, 'display_name').value = profile?.display_name ?? fallbackName;
  field(form, 'bio').value = profile?.bio ?? '';
  field(form, 'location').value = profile?.location ?? '';
  field(form, 'website').value = profile?.website ?? '';
  $('profile-counts').textContent = profile
    ? `${profile.followers_count} followers · following ${profile.following_count}`
    : 'You have no profile yet: save one so others see your name.';
}

async function loadProfile(session: Session): Promise<void> {
  try {
    const profile = await api.myProfile(session.token);
    state.hasProfile = true;
    state.names.set(session.userId, profile.display_name);
    fillProfile(profile, session.username);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    state.hasProfile = false;
    fillProfile(undefined, session.username);
  }
}

async function saveProfile(): Promise<void> {
  const session = loadSession();
  if (!session) return;
  const form = $<HTMLFormElement>('profile-form');
  // An empty optional field clears it (null); the display name is required.
  const optional = (name: string) => field(form, name).value.trim() || null;
  const body = {
    display_name: field(form, 'display_name').value,
    bio: optional('bio'),
    location: optional('location'),
    website: optional('website'),
  };
  const profile = state.hasProfile
    ? await api.updateProfile(session.token, body)
    : await api.createProfile(session.token, body);
  state.hasProfile = true;
  state.names.set(session.userId, profile.display_name);
  fillProfile(profile, session.username);
  tell('Your profile is saved.');
}

// ---------------------------------------------------------------- signing in and out

async function signIn(email: string, password: string): Promise<void> {
  const { access_token: token } = await api.login({ email, password });
  const me = await api.me(token);
  saveSession({ token, userId: me.id, username: me.username });
  await enterSession();
  tell(`Signed in as ${me.username}.`);
}

/** The page for a signed-in person: their profile, whom they follow, their home timeline. */
async function enterSession(): Promise<void> {
  const session = loadSession();
  if (!session) return;
  $('signed-out').hidden = true;
  $('signed-in').hidden = false;
  $('show-home').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = `Signed in as ${session.username}`;
  await loadProfile(session);
  const following = await api.following(session.token, session.userId);
  state.following = new Set(following.items.map((f) => f.user_id));
  await show('home');
}

function signedOut(message: string): void {
  clearSession();
  state.following.clear();
  state.names.clear();
  resetPostForm();
  $('signed-out').hidden = false;
  $('signed-in').hidden = true;
  $('show-home').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  tell(message);
  void attempt(() => show('global'));
}

async function logOut(): Promise<void> {
  const session = loadSession();
  // Said to the server first, so the token is dead even if this page is not the last to hold it.
  if (session) await api.logout(session.token).catch(() => undefined);
  signedOut('You are signed out.');
}

// ---------------------------------------------------------------- wiring

function onSubmit(id: string, action: (form: HTMLFormElement) => Promise<void>): void {
  const form = $<HTMLFormElement>(id);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const submit = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (submit) submit.disabled = true;
    void attempt(() => action(form)).finally(() => {
      if (submit) submit.disabled = false;
    });
  });
}

onSubmit('login-form', (form) => signIn(field(form, 'email').value, field(form, 'password').value));
onSubmit('register-form', async (form) => {
  const email = field(form, 'email').value;
  const password = field(form, 'password').value;
  await api.register({ email, username: field(form, 'username').value, password });
  form.reset();
  await signIn(email, password);
});
onSubmit('post-form', submitPost);
onSubmit('profile-form', saveProfile);
$('post-cancel').addEventListener('click', resetPostForm);
$('show-global').addEventListener('click', () => void attempt(() => show('global')));
$('show-home').addEventListener('click', () => void attempt(() => show('home')));
$('more').addEventListener('click', () => void attempt(() => loadPage(false)));
$('logout').addEventListener('click', () => void attempt(logOut));

void attempt(async () => {
  if (loadSession()) await enterSession();
  else await show('global');
});
