// Times Hugging Face tokenizers (Rust, through the native npm binding @anush008/tokenizers) on the
// same text and workloads as bench/tokenizer_bench.cpp, single-threaded, to compare with ours.
//
//   npm install --prefix /tmp/hf @anush008/tokenizers@0.6.0
//   NODE_PATH=/tmp/hf/node_modules node bench/compare_tokenizers.mjs [fixtures_dir]
//
// "document": all fixture strings joined by '\n', one encode call; "lines": every string on its
// own, in one encodeBatch call (serial inside: TOKENIZERS_PARALLELISM=false, one rayon thread), so
// per-call binding overhead does not dominate. Prints one JSON object per workload; rates are per
// CPU second of the process (like Google Benchmark's CPU time, robust to a busy machine), with
// the wall-clock time per iteration beside them.
process.env.TOKENIZERS_PARALLELISM = "false";
process.env.RAYON_NUM_THREADS = "1";

import { createRequire } from "node:module";
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { Tokenizer } = require("@anush008/tokenizers");

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(process.argv[2] ?? process.env.EMBED_FIXTURES_DIR ?? join(here, "..", "..", "shared", "fixtures"));
const expected = join(fixtures, "tokenizers", "expected", "xlmr-unigram-8k.tokenizer.jsonl");
if (!existsSync(expected)) {
  console.error(`fixtures not found under ${fixtures}`);
  process.exit(1);
}
const texts = readFileSync(expected, "utf8")
  .split("\n")
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line).text);
const document = texts.map((t) => t + "\n").join("");
const utf8Bytes = (s) => Buffer.byteLength(s, "utf8");

async function time(run, minSeconds = 3) {
  for (let i = 0; i < 5; ++i) await run();  // warm-up
  let iterations = 0;
  let tokens = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < minSeconds) {
    tokens += await run();
    ++iterations;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { iterations, tokens, seconds: elapsed, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

for (const name of ["xlmr-unigram-8k", "bert-base-uncased"]) {
  const tokenizer = Tokenizer.fromFile(join(fixtures, "tokenizers", name, "tokenizer.json"));
  const workloads = {
    document: {
      bytes: utf8Bytes(document),
      run: async () => (await tokenizer.encode(document)).getLength(),
    },
    lines: {
      bytes: texts.reduce((sum, t) => sum + utf8Bytes(t), 0),
      run: async () =>
        (await tokenizer.encodeBatch(texts)).reduce((sum, e) => sum + e.getLength(), 0),
    },
  };
  for (const [workload, { bytes, run }] of Object.entries(workloads)) {
    const r = await time(run);
    console.log(
      JSON.stringify({
        tokenizer: name,
        workload,
        "MB/s": +((bytes * r.iterations) / r.cpuSeconds / 1e6).toFixed(3),
        "tokens/s": Math.round(r.tokens / r.cpuSeconds),
        "cpu ms/iteration": +((r.cpuSeconds * 1e3) / r.iterations).toFixed(3),
        "wall ms/iteration": +((r.seconds * 1e3) / r.iterations).toFixed(3),
      }),
    );
  }
}
