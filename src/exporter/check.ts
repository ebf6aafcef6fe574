// `hardnut config check` on exporter.conf: the exporter's own reader (file:line errors), and, as
// root, every file the exporter would read as root and refuse because another user can change
// it (issue 18; the rule is sandbox/safe-path.ts, the refusal the exporter's own).
import { DiagnosticList, type Diagnostic } from '../core/config/diagnostics.js';
import { rootReadRefusal, SAFE_PATH_FIX } from '../sandbox/safe-path.js';
import { parseExporterConf, serverTls } from './config.js';

/** Diagnostics for exporter.conf at `path` with these bytes. */
export function exporterConfDiagnostics(bytes: Uint8Array, path: string): Diagnostic[] {
  const d = new DiagnosticList(path);
  const { conf, errors } = parseExporterConf(bytes, path);
  for (const e of errors) {
    const prefix = e.line > 0 ? `${path}:${String(e.line)}: ` : `${path}: `;
    d.error(e.line, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message);
  }
  const files = new Map<string, { line: number; what: string }>();
  if (conf.certFile !== undefined) files.set(conf.certFile, { line: 0, what: 'CERTFILE' });
  for (const s of conf.servers) {
    const t = serverTls(conf, s);
    if (t.certVerify && t.certPath !== undefined && !files.has(t.certPath)) files.set(t.certPath, { line: s.tls?.certPath !== undefined ? s.line : 0, what: 'CERTPATH' });
  }
  for (const [file, { line, what }] of files) {
    const why = rootReadRefusal(file);
    if (why !== undefined) d.error(line, `${what} ${why}: the exporter refuses to start`, SAFE_PATH_FIX);
  }
  return d.sorted();
}
