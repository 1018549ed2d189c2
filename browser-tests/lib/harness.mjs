// A minimal sequential test harness: every test has a time limit, a failing
// test does not stop the others, and the run ends with the line
// `N passed, N failed`.

const tests = [];

/** Registers a test. `fn` may return a short string of figures to print. */
export function test(name, fn, { timeout = 180_000 } = {}) {
  tests.push({ name, fn, timeout });
}

/** Throws with every problem listed (at most `limit` of them shown). */
export function expectNone(problems, what, limit = 15) {
  if (problems.length === 0) return;
  const shown = problems.slice(0, limit).map((p) => `    - ${p}`).join('\n');
  const more = problems.length > limit ? `\n    … and ${problems.length - limit} more` : '';
  throw new Error(`${problems.length} ${what}:\n${shown}${more}`);
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function withTimeout(promise, ms, name) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${name}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Runs every registered test in order; returns { passed, failed }. */
export async function runAll({ only } = {}) {
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue;
    const started = Date.now();
    try {
      const figures = await withTimeout(Promise.resolve().then(t.fn), t.timeout, t.name);
      passed += 1;
      const took = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`ok   ${t.name} (${took} s)${figures ? `\n       ${figures}` : ''}`);
    } catch (error) {
      failed += 1;
      const took = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`FAIL ${t.name} (${took} s)\n       ${String(error?.message ?? error).replace(/\n/g, '\n       ')}`);
    }
  }
  return { passed, failed };
}
