import { parseAllDocuments, LineCounter } from 'yaml';
const cases = {
  deep100k: () => '['.repeat(100000),
  deep10kclosed: () => '['.repeat(10000) + ']'.repeat(10000),
  deep3kclosed: () => '['.repeat(3000) + ']'.repeat(3000),
  deepblock: () => { let b=''; for (let i = 0; i < 3000; i++) b += ' '.repeat(i) + 'a:\n'; return b; },
  seqline: () => '- '.repeat(20000) + 'x\n',
  manydocs: () => '---\n'.repeat(1_000_000),
  manydocs100k: () => '---\n'.repeat(100_000),
};
const name = process.argv[2];
const text = cases[name]();
const s = Date.now();
try {
  const docs = parseAllDocuments(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  console.log(name, 'docs', list.length, 'errors', list.flatMap(d=>d.errors).slice(0,2).map(e=>e.code+' '+e.message.slice(0,80)), Date.now()-s, 'ms', Math.round(process.memoryUsage().heapUsed/1e6),'MB');
} catch (e) { console.log(name, 'THREW', e.constructor.name, e.message.slice(0,100), Date.now()-s, 'ms'); }
