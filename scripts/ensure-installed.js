// Runs before `npm test` and `npm start`: on a fresh clone, install the locked dependencies first.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.log('Dependencies are not installed yet: running `npm ci` first.');
  execSync('npm ci', { cwd: root, stdio: 'inherit' });
}
