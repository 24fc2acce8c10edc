// Listing posts at a million (`stack/mesh bench posts-scale`): fills posts_db
// up to BENCH_SCALE_POSTS posts (once; later runs reuse them), then measures
// GET /api/posts newest first, deep, and by author, at a fixed rate, beside a
// single-post read of the same run as the floor.
import { IDENTITY_HEADERS, toCursor } from '@feedmesh/common';
import {
  authorSequence,
  GLOBAL_SEQUENCE,
  PAGE_SIZE,
  pageOf,
  placeDoc,
  Places,
  positionFields,
  type PlaceDoc,
} from '@feedmesh/posts-service/positions';
import { postCollections, toDoc, type PostDoc } from '@feedmesh/posts-service/store';
import { newUser, runContext, serviceUrl, stack, stackAssertions } from '@feedmesh/testkit';
import { MongoClient, ObjectId } from 'mongodb';
import { measure, type LoadResult } from './k6.js';
import { publish } from './report.js';
import { postsScaleSection, type PostsScaleResults } from './sections.js';

const TARGET = Number(process.env.BENCH_SCALE_POSTS ?? 1_000_000);
const RATE = Number(process.env.BENCH_SCALE_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const AUTHORS = 1000;
const HEAVY = 'scale-heavy'; // writes one post in 20: 50 000 at a million
const BATCH = 1000;

const mongo = await new MongoClient(stack.mongodbUrl).connect();
// The collections as posts-service names them; the database is its default one.
const { posts, places } = postCollections(mongo.db('posts_db'));
const positions = new Places(places);

const authorOf = (i: number) => (i % 20 === 0 ? HEAVY : `scale-${String((i * 7919) % AUTHORS).padStart(4, '0')}`);

/**
 * Writes posts the way an import would: the same documents and listing places
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
    const placeDocs: PlaceDoc[] = [];
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
      placeDocs.push(placeDoc(GLOBAL_SEQUENCE, seq, id), placeDoc(authorSequence(author), authorSeq, id));
    }
    await places.insertMany(placeDocs);
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

const posts_url = serviceUrl('posts-service');
const gateway = stack.gatewayUrl;
const userId = 'bench-scale-reader';
const direct = {
  [IDENTITY_HEADERS.userId]: userId,
  [IDENTITY_HEADERS.assertion]: await (
    await stackAssertions(600)
  ).sign({
    userId,
    username: userId,
  }),
};
const { token } = await newUser('bench_scale');

const FLOOR = 'one post by id (floor)';
// An offset of 1000 reads 21 pages, about ten times the work of the others: offered at a tenth of the rate.
const DEEP_RATE = Math.max(1, Math.round(RATE / 10));
const queries: Array<[string, string, number?]> = [
  [FLOOR, `/api/posts/${somePost._id}`],
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

const results: PostsScaleResults & { heavy_author_posts: number } = {
  context: runContext(),
  posts: total,
  heavy_author_posts: heavyCount,
  filled,
  load: { rate: RATE, deep_rate: DEEP_RATE, seconds: SECONDS, warmup_seconds: 3 },
  runs,
};
await publish('posts-scale', results, (r) => postsScaleSection(r, FLOOR, PAGE_SIZE));
process.stdout.write(`${JSON.stringify({ posts: total, runs }, null, 2)}\n`);
