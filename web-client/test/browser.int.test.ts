import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stack } from '@feedmesh/testkit';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The web client in a real headless Chromium (Debian's, stack/install/debian.sh), through the gateway:
// two people in two browser contexts, each with its own session, as in two browsers.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Screenshots go to a scratch folder unless asked for where README links them (web-client/screenshots).
const shots = process.env.WEB_CLIENT_SCREENSHOTS
  ? resolve(process.env.WEB_CLIENT_SCREENSHOTS)
  : mkdtempSync(join(tmpdir(), 'web-client-shots-'));
mkdirSync(shots, { recursive: true });
const LIVE_MS = 15_000;

let browser: Browser;
const contexts: BrowserContext[] = [];
/** What went wrong in a page: a script error, a load the CSP refused, a file of the page not found. */
const problems: string[] = [];

async function person(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 960, height: 1000 }, locale: 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`${name}: ${err.message}`));
  // An API's refusal is the story's (a taken email, no profile yet); Chromium logs each, and the page says it.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`${name}: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !new URL(res.url()).pathname.startsWith('/api/'))
      problems.push(`${name}: ${res.status()} for ${res.url()}`);
  });
  // Deleting asks first; the person says yes.
  page.on('dialog', (dialog) => void dialog.accept());
  return page;
}

const shoot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const post = (page: Page, title: string) => page.getByRole('heading', { level: 3, name: title, exact: true });
const visible = (page: Page, text: string) => page.getByText(text).first().waitFor({ timeout: LIVE_MS });

async function register(page: Page, who: { email: string; username: string; password: string }) {
  const form = page.getByRole('form', { name: 'Create an account' });
  await form.getByLabel('Email').fill(who.email);
  await form.getByLabel('Username').fill(who.username);
  await form.getByLabel(/^Password/).fill(who.password);
  await form.getByRole('button', { name: 'Create account' }).click();
}

async function write(page: Page, title: string, content: string) {
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Text').fill(content);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await visible(page, `Posted “${title}”.`);
  // And on the author's own page, from the live stream.
  await post(page, title).waitFor({ timeout: LIVE_MS });
}

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
});

describe('the web client, in a browser, through the gateway', () => {
  const run = Date.now().toString(36);
  const ann = { email: `ann-${run}@example.com`, username: `ann_${run}`, password: 'correct horse battery' };
  const bob = { email: `bob-${run}@example.com`, username: `bob_${run}`, password: 'staple battery horse' };

  it('lets two people sign up, write, follow and see each other live, and says what went wrong', async () => {
    const a = await person('ann');
    const b = await person('bob');

    // The site's root leads to the client.
    await a.goto(`${stack.gatewayUrl}/`);
    expect(new URL(a.url()).pathname).toBe('/app');
    await a.getByRole('heading', { name: 'Sign in or create an account' }).waitFor();
    await shoot(a, '01-signed-out');

    await register(a, ann);
    await visible(a, `Signed in as ${ann.username}`);
    await b.goto(`${stack.gatewayUrl}/app`);
    await register(b, bob);
    await visible(b, `Signed in as ${bob.username}`);

    // Ann names herself; Bob will see that name on her posts.
    await a.getByText('Your profile').click();
    await a.getByLabel('Display name').fill('Ann Author');
    await a.getByLabel('About you').fill('Writes short posts.');
    await a.getByLabel('Location').fill('Lisbon');
    await a.getByRole('button', { name: 'Save profile' }).click();
    await visible(a, 'Your profile is saved.');
    await visible(a, '0 followers · following 0');
    await shoot(a, '02-profile');

    // Bob reads everyone's posts, live; Ann's appears there without a reload, then her edit.
    await b.getByRole('button', { name: 'Everyone' }).click();
    await visible(b, 'Live: new posts appear as they are written.');
    await write(a, `Hello from Ann ${run}`, 'First post, from the browser.');
    await post(b, `Hello from Ann ${run}`).waitFor({ timeout: LIVE_MS });
    await visible(b, `New post by Ann Author: “Hello from Ann ${run}”.`);
    await a
      .getByRole('button', { name: `Edit “Hello from Ann ${run}”` })
      .first()
      .click();
    await a.getByLabel('Title').fill(`Hello again from Ann ${run}`);
    await a.getByRole('button', { name: 'Save changes' }).click();
    await post(b, `Hello again from Ann ${run}`).waitFor({ timeout: LIVE_MS });
    expect(await post(b, `Hello from Ann ${run}`).count()).toBe(0);
    await shoot(b, '03-global-live');

    // Bob follows Ann from her post; her posts reach his home timeline once the follow is applied.
    await b.getByRole('button', { name: 'Follow Ann Author' }).first().click();
    await visible(b, 'You now follow Ann Author.');
    await b.getByRole('button', { name: 'Unfollow Ann Author' }).first().waitFor();
    await expect
      .poll(
        async () => {
          await b.getByRole('button', { name: 'Home' }).click();
          await visible(b, 'Live: new posts appear as they are written.');
          return post(b, `Hello again from Ann ${run}`).count();
        },
        { timeout: LIVE_MS, interval: 500 },
      )
      .toBe(1);

    await write(a, `Second from Ann ${run}`, 'Only her followers see this on their home page.');
    await post(b, `Second from Ann ${run}`).waitFor({ timeout: LIVE_MS });
    await shoot(b, '04-home-live');

    // Ann deletes it; it leaves Bob's page by itself.
    await a
      .getByRole('button', { name: `Delete “Second from Ann ${run}”` })
      .first()
      .click();
    await visible(a, `Deleted “Second from Ann ${run}”.`);
    await post(a, `Second from Ann ${run}`).waitFor({ state: 'detached', timeout: LIVE_MS });
    await post(b, `Second from Ann ${run}`).waitFor({ state: 'detached', timeout: LIVE_MS });
    await visible(b, `A post was deleted: “Second from Ann ${run}”.`);

    // Ann signs out, then tries to sign up again with her address: told in words, not in JSON.
    await a.getByRole('button', { name: 'Sign out' }).click();
    await visible(a, 'You are signed out.');
    await register(a, { ...ann, username: `ann2_${run}` });
    const alert = a.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Email is already registered.');
    await shoot(a, '05-error');

    // Reloading keeps Bob's session (sessionStorage); signing out ends it.
    await b.reload();
    await visible(b, `Signed in as ${bob.username}`);
    await b.getByRole('button', { name: 'Sign out' }).click();
    await b.getByRole('heading', { name: 'Sign in or create an account' }).waitFor();
    expect(await b.evaluate('sessionStorage.length')).toBe(0);

    expect(problems).toEqual([]);
  }, 180_000);
});
