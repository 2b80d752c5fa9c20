/**
 * A string from outside (an org snapshot's ids and names) written into a YAML file init generates: a
 * double-quoted scalar with everything but printable ASCII escaped, so that no value can end the
 * scalar, start a comment or a new key, or hide a character from the reader of the file.
 */
export function yamlQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
