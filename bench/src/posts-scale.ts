// Listing posts at a million (`stack/mesh bench posts-scale`): fills posts_db
// up to BENCH_SCALE_POSTS posts (once; later runs reuse them), then measures
// GET /api/posts newest first, deep, and by author, at a fixed rate, beside a
// single-post read of the same run as the floor.
import { IDENTITY_HEADERS, IdentityAsserter } from '@feedmesh/common';
import { toCursor } from '@feedmesh/posts-service/cursor';
import {
  authorSequence,
  GLOBAL_SEQUENCE,
  PAGE_SIZE,
  pageOf,
  Positions,
  positionFields,
  type SlotDoc,
} from '@feedmesh/posts-service/positions';
import { toDoc, type PostDoc } from '@feedmesh/posts-service/store';
import { MongoClient, ObjectId } from 'mongodb';
import { measure, type LoadResult } from './k6.js';
import { ms, publish, runContext } from './report.js';
import { benchUser, env } from './setup.js';

const TARGET = Number(process.env.BENCH_SCALE_POSTS ?? 1_000_000);
const RATE = Number(process.env.BENCH_SCALE_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const AUTHORS = 1000;
const HEAVY = 'scale-heavy'; // writes one post in 20: 50 000 at a million
const BATCH = 1000;

const mongo = await new MongoClient(env('MONGODB_URL')).connect();
const db = mongo.db('posts_db');
const posts = db.collection<PostDoc>('posts');
const slots = db.collection<SlotDoc>('post_slots');
const positions = new Positions(slots);

const authorOf = (i: number) => (i % 20 === 0 ? HEAVY : `scale-${String((i * 7919) % AUTHORS).padStart(4, '0')}`);

/**
 * Writes posts the way an import would: the same documents and listing slots
 * the service writes, in bulk, without events (the feeds are not under test).
 * Run it on a quiet stack: it takes its positions in ranges, not one by one.
 */
async function fill(): Promise<{ loaded: number; seconds: number }> {
  const top = await positions.top(GLOBAL_SEQUENCE);
  if (top >= TARGET) return { loaded: 0, seconds: 0 };
  const started = performance.now();
  const authorTop = new Map<string, number>();
  for (let i = 0; i < 20 * AUTHORS; i++) {
    const author = authorOf(i);
    if (!authorTop.has(author)) authorTop.set(author, await positions.top(authorSequence(author)));
  }
  const content = 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(4);
  for (let from = top + 1; from <= TARGET; from += BATCH) {
    const postDocs: PostDoc[] = [];
    const slotDocs: SlotDoc[] = [];
    for (let seq = from; seq < Math.min(from + BATCH, TARGET + 1); seq++) {
      const author = authorOf(seq);
      const authorSeq = (authorTop.get(author) ?? 0) + 1;
      authorTop.set(author, authorSeq);
      const id = new ObjectId().toHexString();
      const at = new Date().toISOString();
      postDocs.push(
        toDoc(
          {
            id,
            author_id: author,
            title: `Scale post ${seq}`,
            content,
            tags: ['scale'],
            created_at: at,
            updated_at: at,
            version: 1,
          },
          positionFields(author, seq, authorSeq),
        ),
      );
      slotDocs.push(
        { _id: `${GLOBAL_SEQUENCE}:${seq}`, post_id: id },
        { _id: `${authorSequence(author)}:${authorSeq}`, post_id: id },
      );
    }
    await slots.insertMany(slotDocs);
    await posts.insertMany(postDocs);
    if ((from - top - 1) % 100_000 < BATCH)
      process.stderr.write(
        `  ${from - 1 + postDocs.length} posts (${Math.round((performance.now() - started) / 1000)} s)\n`,
      );
  }
  return { loaded: TARGET - top, seconds: Math.round((performance.now() - started) / 1000) };
}

process.stderr.write(`  filling posts_db to ${TARGET} posts ...\n`);
const filled = await fill();
const total = await positions.top(GLOBAL_SEQUENCE);
const heavyCount = await positions.top(authorSequence(HEAVY));
const lightAuthor = authorOf(1);
const lightCount = await positions.top(authorSequence(lightAuthor));
const somePost = await posts.findOne({ page: pageOf(Math.floor(total / 2)) }, { projection: { _id: 1 } });
if (!somePost) throw new Error('no post to read back');

const posts_url = env('POSTS_URL');
const gateway = env('GATEWAY_URL');
const userId = 'bench-scale-reader';
const direct = {
  [IDENTITY_HEADERS.userId]: userId,
  [IDENTITY_HEADERS.assertion]: await new IdentityAsserter(env('IDENTITY_ASSERTION_KEY'), 600).assert({
    userId,
    username: userId,
  }),
};
const { token } = await benchUser('scale');

// An offset of 1000 reads 21 pages, about ten times the work of the others: offered at a tenth of the rate.
const DEEP_RATE = Math.max(1, Math.round(RATE / 10));
const queries: Array<[string, string, number?]> = [
  ['one post by id (floor)', `/api/posts/${somePost._id}`],
  ['newest 20', '/api/posts?limit=20'],
  ['newest 100', '/api/posts?limit=100'],
  ['skip 1000, limit 20 (deepest offset)', '/api/posts?skip=1000&limit=20', DEEP_RATE],
  [
    `before the middle (place ${Math.floor(total / 2)})`,
    `/api/posts?limit=20&before=${toCursor(Math.floor(total / 2))}`,
  ],
  [`author with ${lightCount} posts, newest 20`, `/api/posts?author_id=${lightAuthor}&limit=20`],
  [`author with ${heavyCount} posts, newest 20`, `/api/posts?author_id=${HEAVY}&limit=20`],
  [
    `author with ${heavyCount} posts, before the middle`,
    `/api/posts?author_id=${HEAVY}&limit=20&before=${toCursor(Math.floor(heavyCount / 2))}`,
  ],
];

const runs: Record<string, LoadResult> = {};
for (const [name, path, rate = RATE] of queries) {
  process.stderr.write(`  ${name} at ${rate}/s for ${SECONDS}s ...\n`);
  runs[name] = await measure({ url: `${posts_url}${path}`, headers: direct, rate, seconds: SECONDS }, 3);
}
process.stderr.write(`  newest 20 through the gateway at ${RATE}/s ...\n`);
runs['newest 20 through the gateway'] = await measure(
  { url: `${gateway}/api/posts?limit=20`, headers: { authorization: `Bearer ${token}` }, rate: RATE, seconds: SECONDS },
  3,
);
await mongo.close();

const floor = runs['one post by id (floor)']!;
const context = runContext();
const row = (name: string, r: LoadResult) =>
  `| ${name} | ${r.rate_offered}/s | ${r.rate_achieved}/s | ${ms(r.p50_ms)} | ${ms(r.p99_ms)} | ×${(r.p50_ms / floor.p50_ms).toFixed(1)} | ${(r.failed_ratio * 100).toFixed(2)} % |`;
await publish(
  'posts-scale',
  {
    benchmark: 'posts-scale',
    context,
    posts: total,
    heavy_author_posts: heavyCount,
    filled,
    load: { rate: RATE, deep_rate: DEEP_RATE, seconds: SECONDS, warmup_seconds: 3 },
    runs,
  },
  `## Posts: listing at ${total.toLocaleString('en')} posts

Run ${context.date} · ${context.cores} cores · commit ${context.commit}. k6 constant-arrival-rate (${RATE}/s unless the table says otherwise), 3 s warm-up then ${SECONDS} s measured, straight at posts-service (FerretDB ${context.versions.FERRETDB_VERSION ?? ''} on PostgreSQL). Command: \`stack/mesh bench posts-scale\` (fills the database once: ${filled.loaded} posts in ${filled.seconds} s this run).

| GET | offered | achieved | p50 | p99 | p50 / floor | failed |
| --- | --- | --- | --- | --- | --- | --- |
${Object.entries(runs)
  .map(([name, r]) => row(name, r))
  .join('\n')}

The floor is one document by \`_id\`. Every listing reads one or two pages of ${PAGE_SIZE} posts by equality (see \`posts-service/src/positions.ts\`); an offset reads the pages before it, \`before\` (a page's \`next\`) jumps straight to its page. For comparison, the plain \`find().sort({created_at: -1}).limit(20)\` this replaces took 89 s and 4.4 GB on FerretDB at a million posts (stack/ferretdb/README.md).`,
);
process.stdout.write(`${JSON.stringify({ posts: total, runs }, null, 2)}\n`);
