#!/usr/bin/env node
// Loads a HAR file the way Chrome DevTools' Network panel does
// (panels/network/NetworkLogView.ts onLoadFromFile):
//   harRoot = new HAR.HARFormat.HARRoot(JSON.parse(text));
//   requests = HAR.Importer.Importer.requestsFromHARLog(harRoot.log);
// using DevTools' own code, bundled by setup.sh from the pinned
// chrome-devtools-frontend package, and prints what DevTools got as JSON:
// entries, and per request its URL, resource type and WebSocket frames.
//
//   node check_har_with_devtools.mjs [--devtools-dir DIR] FILE.har
// DIR: where setup.sh put devtools-har.mjs (default $WSSCOPE_HAR_CHECK_DIR,
// else ~/.cache/wsscope-har-check).
//
// Exit 0: DevTools parsed the file and kept every `_webSocketMessages` item.
// Exit 1: JSON or DevTools parse error (HARFormat throws on a missing or
//         mistyped required field), or an import problem DevTools would not
//         report but a user would see: a message the Importer silently skipped
//         (no time / unknown type / no opcode / no data), or an entry with
//         messages whose resource type is not WebSocket (DevTools only shows
//         the Messages tab for resourceType websocket).
// Exit 2: usage or setup error.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {pathToFileURL} from 'node:url';

function usage(msg) {
  console.error(`check_har_with_devtools: ${msg}\n` +
                'usage: node check_har_with_devtools.mjs [--devtools-dir DIR] FILE.har');
  process.exit(2);
}

let devtoolsDir = process.env.WSSCOPE_HAR_CHECK_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'wsscope-har-check');
let file;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; ++i) {
  if (argv[i] === '--devtools-dir') {
    devtoolsDir = argv[++i] ?? usage('--devtools-dir needs a value');
  } else if (argv[i].startsWith('-')) {
    usage(`unknown option ${argv[i]}`);
  } else if (file === undefined) {
    file = argv[i];
  } else {
    usage('only one HAR file');
  }
}
if (file === undefined) {
  usage('no HAR file given');
}

const bundle = path.join(devtoolsDir, 'devtools-har.mjs');
if (!fs.existsSync(bundle)) {
  usage(`${bundle} not found: run tests/har/setup.sh first`);
}
const meta = JSON.parse(fs.readFileSync(path.join(devtoolsDir, 'devtools-har.json'), 'utf8'));
const {HARFormat, Importer} = await import(pathToFileURL(bundle).href);

function fail(stage, error) {
  console.log(JSON.stringify({file, devtools: meta.devtoolsPackage, ok: false, stage, error: String(error?.message ?? error)}));
  console.error(`check_har_with_devtools: ${file}: ${stage}: ${error?.message ?? error}`);
  process.exit(1);
}

let json;
try {
  json = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  fail('JSON.parse', e);
}

let harRoot;
try {
  harRoot = new HARFormat.HARRoot(json);
} catch (e) {
  fail('HARFormat.HARRoot', e);
}

// requestsFromHARLog sorts log.entries by startedDateTime in place; remember
// each entry's position in the file.
const fileIndex = new Map(harRoot.log.entries.map((e, i) => [e, i]));

let requests;
try {
  requests = Importer.Importer.requestsFromHARLog(harRoot.log);
} catch (e) {
  fail('Importer.requestsFromHARLog', e);
}

// One request per (sorted) entry, in that order.
const problems = [];
const out = [];
harRoot.log.entries.forEach((entry, k) => {
  const request = requests[k];
  const i = fileIndex.get(entry);
  // What the file holds vs. what HARFormat kept: HAREntry drops the whole
  // _webSocketMessages array when one item is not an object.
  const inFile = json.log.entries[i]?._webSocketMessages;
  const fileMessages = Array.isArray(inFile) ? inFile.length : 0;
  const parsed = entry.customAsArray('webSocketMessages');
  const parsedMessages = parsed ? parsed.length : 0;
  const frames = request.frames();
  const opcodes = {};
  const types = {};
  for (const f of frames) {
    opcodes[f.opCode] = (opcodes[f.opCode] ?? 0) + 1;
    types[f.type] = (types[f.type] ?? 0) + 1;
  }
  const resourceType = request.resourceType().name();
  out.push({
    entry: i,
    url: request.url(),
    status: request.statusCode,
    resourceType,
    harMessages: fileMessages,
    webSocketFrames: frames.length,
    byType: types,
    byOpcode: opcodes,
  });
  if (parsedMessages !== fileMessages) {
    problems.push(`entry ${i} (${request.url()}): HARFormat kept ${parsedMessages} of ${fileMessages} _webSocketMessages`);
  }
  if (frames.length !== fileMessages) {
    problems.push(`entry ${i} (${request.url()}): the Importer made ${frames.length} frames of ${fileMessages} _webSocketMessages`);
  }
  if (fileMessages > 0 && resourceType !== 'websocket') {
    problems.push(`entry ${i} (${request.url()}): has WebSocket messages but DevTools typed it '${resourceType}'`);
  }
});

const result = {
  file,
  devtools: meta.devtoolsPackage,
  ok: problems.length === 0,
  entries: harRoot.log.entries.length,
  requests: requests.length,
  webSocketFrames: out.reduce((n, r) => n + r.webSocketFrames, 0),
  perEntry: out,
};
if (problems.length) {
  result.problems = problems;
}
console.log(JSON.stringify(result, null, 2));
if (problems.length) {
  for (const p of problems) {
    console.error(`check_har_with_devtools: ${file}: ${p}`);
  }
  process.exit(1);
}
