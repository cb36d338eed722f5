// Hash or check a password the way the legacy Node.js service did, with the real npm packages.
//   node bcrypt_hash.mjs hash <library> <cost>      password on stdin; prints the hash
//   node bcrypt_hash.mjs compare <library> <hash>   password on stdin; prints true/false
// <library> is bcrypt (native), bcryptjs (v3, writes $2b$) or bcryptjs-v2 (writes $2a$).
import { readFileSync } from "node:fs";

const [action, library, arg] = process.argv.slice(2);
const impl = (await import(library)).default;
const password = readFileSync(0, "utf8");
if (action === "hash") {
  process.stdout.write(impl.hashSync(password, Number(arg)));
} else if (action === "compare") {
  process.stdout.write(String(impl.compareSync(password, arg)));
} else {
  process.stderr.write(`unknown action ${action}\n`);
  process.exit(2);
}
