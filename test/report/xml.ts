/**
 * A tiny well-formedness check for the generated SVG / XHTML-ish markup (no DOM parser in
 * Node): every tag closes in order, attributes are quoted, and text has no raw "<" or bare "&".
 * Returns null when well formed, else a description of the first problem.
 */
export function xmlProblem(src: string, opts: { voidTags?: string[] } = {}): string | null {
  const voids = new Set((opts.voidTags ?? []).map((t) => t.toLowerCase()));
  const stack: string[] = [];
  let i = 0;
  const text = (s: string): string | null => {
    if (s.includes('>')) return `raw ">" in text near ${JSON.stringify(s.slice(0, 40))}`;
    const amp = /&(?!(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)/.exec(s);
    if (amp) return `bare "&" in text near ${JSON.stringify(s.slice(Math.max(0, amp.index - 20), amp.index + 20))}`;
    return null;
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt < 0) {
      const p = text(src.slice(i));
      if (p) return p;
      break;
    }
    const p = text(src.slice(i, lt));
    if (p) return p;
    if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt);
      if (end < 0) return 'unclosed comment';
      i = end + 3;
      continue;
    }
    if (src.startsWith('<!', lt) || src.startsWith('<?', lt)) {
      i = src.indexOf('>', lt) + 1;
      continue;
    }
    const m = /^<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/.exec(src.slice(lt));
    if (!m) return `malformed tag at ${lt}: ${JSON.stringify(src.slice(lt, lt + 60))}`;
    const [all, close, name, attrs, self] = m;
    const attrProblem = text(attrs!.replace(/"[^"]*"/g, (q) => q.replace(/>/g, '')));
    if (attrProblem) return `in attributes of <${name}>: ${attrProblem}`;
    const lname = name!.toLowerCase();
    if (close) {
      const top = stack.pop();
      if (top !== lname) return `</${name}> closes <${top ?? 'nothing'}>`;
    } else if (!self && !voids.has(lname)) {
      stack.push(lname);
    }
    i = lt + all!.length;
  }
  return stack.length ? `unclosed <${stack.at(-1)}>` : null;
}

/** Text contents of all <text> elements (entities left as written). */
export function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}
