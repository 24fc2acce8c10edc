import { eventually } from './eventually.js';
import { mesh } from './shell.js';
import { stack } from './stack.js';
import { newUser } from './users.js';

/**
 * Brings back a component an outage test took away (`start`) or bounced
 * (`restart`), then waits until the write path carries a post from the
 * gateway to its author's feed again. The component answering is not the
 * end of the outage: the publishers and the feed consumer reconnect and
 * rejoin with backoff seconds later, and the next test must not find the
 * mesh still recovering from this one.
 */
export async function restore(component: string, how: 'start' | 'restart' = 'start'): Promise<void> {
  await mesh(how, component);
  const canary = await newUser('canary');
  const res = await fetch(`${stack.gatewayUrl}/api/posts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${canary.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: `after ${component} came back`, content: 'canary' }),
  });
  if (res.status !== 201) throw new Error(`the canary post after ${component}: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  await eventually(
    async () => {
      const feed = await fetch(`${stack.gatewayUrl}/api/activity-stream/user/${canary.id}`);
      return ((await feed.json()) as { items: Array<{ id: string }> }).items.some((p) => p.id === id);
    },
    120_000,
    200,
    `a post in the feed after ${component} came back`,
  );
}
