import { runDlq } from './cli';

// `npm run dlq -- <list|show|replay|purge> …`: dead-letter review (see `npm run dlq -- --help`).
runDlq(process.argv.slice(2), process.env, {
  stdout: (text) => console.log(text),
  stderr: (text) => console.error(text),
}).then((code) => {
  process.exitCode = code;
});
