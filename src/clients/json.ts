// JSON string escaping as NUT master's json_print_esc (common/strjson.c), for `upsc -j`.

export function jsonEscape(s: string): string {
  let r = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    switch (ch) {
      case '"': r += '\\"'; break;
      case '\\': r += '\\\\'; break;
      case '\b': r += '\\b'; break;
      case '\f': r += '\\f'; break;
      case '\n': r += '\\n'; break;
      case '\r': r += '\\r'; break;
      case '\t': r += '\\t'; break;
      default: r += c < 32 ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
    }
  }
  return r;
}
