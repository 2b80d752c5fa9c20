import { parseAllDocuments, LineCounter } from 'yaml';
const n = Number(process.argv[3] ?? 10000);
const cases = {
  deepblock: () => { let b=''; for (let i = 0; i < n; i++) b += ' '.repeat(i) + 'a:\n'; return b; },
  keys: () => { let b=''; for (let i = 0; i < n; i++) b += `k${i}: 1\n`; return b; },
  flowkeys: () => { let b='{'; for (let i = 0; i < n; i++) b += `k${i}: 1,`; return b + '}'; },
  seq: () => '- x\n'.repeat(n),
  flowseq: () => '[' + 'x,'.repeat(n) + ']',
  longline: () => 'a: ' + 'x'.repeat(n) + '\n',
  anchors: () => { let b=''; for (let i = 0; i < n; i++) b += `k${i}: &a${i} 1\n`; for (let i = 0; i < n; i++) b += `r${i}: *a${i}\n`; return b; },
  sameanchor: () => { let b=''; for (let i = 0; i < n; i++) b += `k${i}: &a 1\n`; for (let i = 0; i < n; i++) b += `r${i}: *a\n`; return b; },
};
const name = process.argv[2];
const text = cases[name]();
const s = Date.now();
try {
  const docs = parseAllDocuments(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  console.log(name, n, text.length, 'docs', list.length, 'errors', list.flatMap(d=>d.errors).slice(0,2).map(e=>e.code+' '+e.message.slice(0,80)), Date.now()-s, 'ms', Math.round(process.memoryUsage().heapUsed/1e6),'MB');
} catch (e) { console.log(name, 'THREW', e.constructor.name, e.message.slice(0,100), Date.now()-s, 'ms'); }
