import { mkdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// The services' embedded PostgreSQL: one PGlite per service on its data folder, each served on a
// free local port. They share this worker thread, so that their queries (WebAssembly, synchronous)
// do not hold up the services, so that they share one compiled PGlite (one per thread would cost
// several hundred megabytes each), and so that PGlite loads the way it expects (native ES modules)
// wherever it is started from. Plain JavaScript: a worker thread starts without the TypeScript loader.
//
// workerData: { dataDirs: { [service]: folder } }. Posts { ready: service, url } as each serves (a
// failure ends the worker with the error). Given { close: service }, stops serving that database,
// closes it and posts { closed: service }; the worker ends once every one is closed.

const open = new Map();
parentPort.on('message', async ({ close }) => {
  const database = open.get(close);
  open.delete(close);
  await database.server.stop();
  await database.db.close();
  parentPort.postMessage({ closed: close });
  if (open.size === 0) parentPort.close();
});

for (const [service, dataDir] of Object.entries(workerData.dataDirs)) {
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  open.set(service, { db, server });
  parentPort.postMessage({ ready: service, url: `postgres://postgres@${server.getServerConn()}/postgres` });
}
