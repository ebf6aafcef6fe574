/*
 * intent.c: pure parsers for upsshutdown (see intent.h). Every read is bounds-checked against
 * the length the caller gives; input need not be NUL-terminated and may contain any byte.
 */
#include "intent.h"

#include <string.h>

static const char *const VERBS[] = { [VERB_POWEROFF] = "poweroff", [VERB_CHECK] = "check" };
static const char *const METHODS[] = {
	[METHOD_INITCTL] = "initctl", [METHOD_SYSTEMCTL] = "systemctl",
	[METHOD_REBOOT] = "reboot", [METHOD_COMMAND] = "command",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index i in 1..count-1 whose name equals the n bytes at s, else 0. */
static int lookup(const char *const *names, size_t count, const char *s, size_t n)
{
	for (size_t i = 1; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return (int)i;
	return 0;
}

enum verb verb_from(const char *s, size_t n) { return (enum verb)lookup(VERBS, COUNT(VERBS), s, n); }
const char *verb_name(enum verb v) { return v > VERB_NONE && v <= VERB_CHECK ? VERBS[v] : "?"; }
const char *method_name(enum method m) { return m > METHOD_NONE && m <= METHOD_COMMAND ? METHODS[m] : "?"; }

/* Lowercase hex only: one canonical spelling per value. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* Decodes exactly 2*n hex digits at s into out[n]; 0 on success. */
static int unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0) return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Length of the run of bytes at s[0..n) up to (not including) the first ' ' or '\n'. */
static size_t field(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] != ' ' && s[i] != '\n') i++;
	return i;
}

int intent_parse(const char *buf, size_t len, struct intent *out)
{
	const size_t plen = sizeof(INTENT_PREFIX) - 1;
	size_t pos, n;

	memset(out, 0, sizeof(*out));
	if (len == 0) return INTENT_E_EMPTY;
	if (len > INTENT_MAX_LEN) return INTENT_E_LONG;
	if (len < plen || memcmp(buf, INTENT_PREFIX, plen) != 0) return INTENT_E_PREFIX;
	pos = plen;

	n = field(buf + pos, len - pos);
	out->verb = verb_from(buf + pos, n);
	if (out->verb == VERB_NONE || pos + n >= len || buf[pos + n] != ' ') return INTENT_E_VERB;
	pos += n + 1;

	n = field(buf + pos, len - pos);
	if (n == 0 || n > INTENT_TS_MAX_DIGITS || pos + n >= len || buf[pos + n] != ' ' ||
	    (buf[pos] == '0' && n > 1))
		return INTENT_E_TIME;
	for (size_t i = 0; i < n; i++) {
		if (buf[pos + i] < '0' || buf[pos + i] > '9') return INTENT_E_TIME;
		out->ts = out->ts * 10 + (buf[pos + i] - '0'); /* <= 12 digits: no overflow */
	}
	pos += n + 1;

	n = field(buf + pos, len - pos);
	if (n != 2 * INTENT_NONCE_BYTES || unhex(buf + pos, out->nonce, INTENT_NONCE_BYTES) != 0)
		return INTENT_E_NONCE;
	if (pos + n >= len || buf[pos + n] != ' ') return INTENT_E_SIG; /* unsigned */
	out->signed_len = pos + n;
	pos += n + 1;

	n = field(buf + pos, len - pos);
	if (n != 2 * INTENT_SIG_BYTES || unhex(buf + pos, out->sig, INTENT_SIG_BYTES) != 0)
		return INTENT_E_SIG;
	pos += n;

	if (pos + 1 != len || buf[pos] != '\n') return INTENT_E_END;
	return INTENT_OK;
}

const char *intent_error(int err)
{
	switch (err) {
	case INTENT_OK: return "ok";
	case INTENT_E_EMPTY: return "no intent on stdin";
	case INTENT_E_LONG: return "intent longer than 256 bytes";
	case INTENT_E_PREFIX: return "not a hardnut-intent version 1 line";
	case INTENT_E_VERB: return "unknown verb in intent";
	case INTENT_E_TIME: return "malformed timestamp in intent";
	case INTENT_E_NONCE: return "malformed nonce in intent (32 lowercase hex digits)";
	case INTENT_E_SIG: return "missing or malformed signature in intent (128 lowercase hex digits)";
	case INTENT_E_END: return "intent must be one line ending in a single newline";
	default: return "unknown intent error";
	}
}

/* Copies the n-byte word w into dst (CONF_WORD_MAX + 1 bytes), NUL-terminated. */
static void copy_word(char *dst, const char *w, size_t n)
{
	memcpy(dst, w, n);
	dst[n] = '\0';
}

static int conf_line(const char *const *w, const size_t *wl, int nw, struct conf *c)
{
	const char *key = w[0];
	size_t kl = wl[0];
#define KEY(name) (kl == sizeof(name) - 1 && memcmp(key, name, kl) == 0)
	if (KEY("pubkey")) {
		if (c->have_pubkey) return CONF_E_DUP;
		if (nw != 2 || wl[1] != 2 * INTENT_PK_BYTES || unhex(w[1], c->pubkey, INTENT_PK_BYTES) != 0)
			return CONF_E_VALUE;
		c->have_pubkey = 1;
	} else if (KEY("method")) {
		if (c->method != METHOD_NONE) return CONF_E_DUP;
		if (nw != 2) return CONF_E_VALUE;
		c->method = (enum method)lookup(METHODS, COUNT(METHODS), w[1], wl[1]);
		if (c->method == METHOD_NONE) return CONF_E_VALUE;
	} else if (KEY("argv")) {
		if (c->argc != 0) return CONF_E_DUP;
		if (nw < 2) return CONF_E_VALUE;
		if (w[1][0] != '/') return CONF_E_PATH; /* execve, no PATH search */
		for (int i = 1; i < nw; i++) copy_word(c->argv_store[i - 1], w[i], wl[i]);
		c->argc = nw - 1;
	} else if (KEY("nonces") || KEY("initctl")) {
		char *dst = KEY("nonces") ? c->nonces : c->initctl;
		if (dst[0] != '\0') return CONF_E_DUP;
		if (nw != 2) return CONF_E_VALUE;
		if (w[1][0] != '/') return CONF_E_PATH;
		copy_word(dst, w[1], wl[1]);
	} else {
		return CONF_E_KEY;
	}
#undef KEY
	return CONF_OK;
}

int conf_parse(const char *buf, size_t len, struct conf *c, unsigned *line)
{
	size_t pos = 0;

	memset(c, 0, sizeof(*c));
	*line = 0;
	if (len > CONF_MAX_LEN) return CONF_E_LONG;
	while (pos < len) {
		const char *w[CONF_MAX_WORDS];
		size_t wl[CONF_MAX_WORDS];
		int nw = 0, err;

		++*line;
		while (pos < len && buf[pos] != '\n') {
			unsigned char ch = (unsigned char)buf[pos];
			size_t start;
			if (ch == ' ' || ch == '\t') { pos++; continue; }
			if (ch < 0x21 || ch > 0x7e) return CONF_E_CHAR;
			if (ch == '#' && nw == 0) { /* comment line: skip to its end, checking bytes */
				while (pos < len && buf[pos] != '\n') {
					ch = (unsigned char)buf[pos++];
					if ((ch < 0x20 || ch > 0x7e) && ch != '\t') return CONF_E_CHAR;
				}
				break;
			}
			if (nw == CONF_MAX_WORDS) return CONF_E_WORDS;
			start = pos;
			while (pos < len && (unsigned char)buf[pos] > 0x20 && (unsigned char)buf[pos] < 0x7f) pos++;
			if (pos - start > CONF_WORD_MAX) return CONF_E_WORD;
			w[nw] = buf + start;
			wl[nw++] = pos - start;
		}
		pos++; /* the '\n' (or one past the end) */
		if (nw > 0 && (err = conf_line(w, wl, nw, c)) != CONF_OK) return err;
	}
	*line = 0;
	if (!c->have_pubkey || c->method == METHOD_NONE || c->nonces[0] == '\0') return CONF_E_MISSING;
	if ((c->method == METHOD_COMMAND) != (c->argc > 0))
		return c->argc > 0 ? CONF_E_UNUSED : CONF_E_MISSING;
	if (c->initctl[0] != '\0' && c->method != METHOD_INITCTL) return CONF_E_UNUSED;
	if (c->method == METHOD_INITCTL && c->initctl[0] == '\0')
		copy_word(c->initctl, CONF_DEFAULT_INITCTL, sizeof(CONF_DEFAULT_INITCTL) - 1);
	return CONF_OK;
}

const char *conf_error(int err)
{
	switch (err) {
	case CONF_OK: return "ok";
	case CONF_E_LONG: return "file larger than 4096 bytes";
	case CONF_E_CHAR: return "byte outside printable ASCII";
	case CONF_E_WORDS: return "more than 17 words on a line";
	case CONF_E_WORD: return "word longer than 255 bytes";
	case CONF_E_KEY: return "unknown key (pubkey, method, argv, nonces, initctl)";
	case CONF_E_DUP: return "key given twice";
	case CONF_E_VALUE: return "bad value";
	case CONF_E_PATH: return "path must be absolute";
	case CONF_E_MISSING: return "pubkey, method and nonces are required, and argv for method command";
	case CONF_E_UNUSED: return "argv needs method command, initctl needs method initctl";
	default: return "unknown config error";
	}
}
