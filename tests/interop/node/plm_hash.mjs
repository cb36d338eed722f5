// Hash or check a password the way the legacy Node.js service's passport-local-mongoose (PLM)
// did, with the real npm package's setPassword/authenticate (no MongoDB: a stand-in schema).
//   node plm_hash.mjs hash [options-json]            password on stdin; prints {"salt","hash"}
//   node plm_hash.mjs compare <salt> <hash> [options-json]   password on stdin; prints true/false
// options-json is passed to the plugin as-is, e.g. '{"iterations":1000,"keylen":64}';
// without it PLM's defaults apply (25,000 iterations, sha256, keylen 512, saltlen 32, hex).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const plugin = require("passport-local-mongoose").default;

function model(options) {
  const schema = {
    path: () => true,
    add: () => {},
    pre: () => {},
    methods: {},
    statics: {},
  };
  plugin(schema, options);
  return (fields) => {
    const doc = { ...fields };
    return Object.assign(Object.create(schema.methods), {
      get: (key) => doc[key],
      set: (key, value) => {
        doc[key] = value;
      },
      save: async () => {},
      fields: doc,
    });
  };
}

const [action, ...args] = process.argv.slice(2);
const password = readFileSync(0, "utf8");
if (action === "hash") {
  const user = model(JSON.parse(args[0] || "{}"))({});
  await user.setPassword(password);
  process.stdout.write(JSON.stringify({ salt: user.fields.salt, hash: user.fields.hash }));
} else if (action === "compare") {
  const [salt, hash, options] = args;
  const user = model(JSON.parse(options || "{}"))({ salt, hash });
  const { user: ok } = await user.authenticate(password);
  process.stdout.write(String(Boolean(ok)));
} else {
  process.stderr.write(`unknown action ${action}\n`);
  process.exit(2);
}
