// Just enough PDF reading to tell, for Chromium's (Skia's) PDF output, on
// which page each link annotation lies. Skia writes plain indirect objects
// (no object streams), so the page tree and the annotations can be read with
// regular expressions over the file.

function objects(pdf) {
  const text = pdf.toString('latin1');
  const map = new Map();
  const re = /(\d+) 0 obj\s*([\s\S]*?)endobj/g;
  let m;
  while ((m = re.exec(text)) !== null) map.set(Number(m[1]), m[2]);
  return map;
}

const refs = (s) => [...s.matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));

/** Decodes a PDF literal string's escapes, enough for URIs. */
function literal(s) {
  return s.replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, e) =>
    /^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8)) : { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' }[e] ?? e,
  );
}

/**
 * Returns { pages, links }: the number of pages, and for every URI link
 * annotation its URI and 0-based page index, in page order.
 */
export function linkPages(pdf) {
  const objs = objects(pdf);
  const catalog = [...objs.values()].find((body) => /\/Type\s*\/Catalog/.test(body));
  if (!catalog) throw new Error('PDF has no catalog');
  const root = Number(catalog.match(/\/Pages\s+(\d+) 0 R/)?.[1]);
  const pages = [];
  const walk = (id, depth) => {
    if (depth > 64) throw new Error('PDF page tree too deep');
    const body = objs.get(id) ?? '';
    if (/\/Type\s*\/Pages\b/.test(body)) {
      const kids = body.match(/\/Kids\s*\[([^\]]*)\]/);
      for (const kid of refs(kids ? kids[1] : '')) walk(kid, depth + 1);
    } else if (/\/Type\s*\/Page\b/.test(body)) {
      pages.push(body);
    }
  };
  walk(root, 0);
  const links = [];
  pages.forEach((body, page) => {
    let annots = body.match(/\/Annots\s*\[([^\]]*)\]/)?.[1];
    const indirect = body.match(/\/Annots\s+(\d+) 0 R/);
    if (!annots && indirect) annots = (objs.get(Number(indirect[1])) ?? '').replace(/[[\]]/g, '');
    for (const id of refs(annots ?? '')) {
      const uri = (objs.get(id) ?? '').match(/\/URI\s*\(((?:\\.|[^\\)])*)\)/);
      if (uri) links.push({ uri: literal(uri[1]), page });
    }
  });
  return { pages: pages.length, links };
}
