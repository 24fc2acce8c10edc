import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on right now, chosen by the OS: for one more
 * process beside the mesh (a second service instance in a test, a fault
 * scenario or a benchmark), which must be told its port before it starts.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
