/*
 * intent.h: the two pure parsers of upsshutdown (no I/O, no allocation, no globals), so that the
 * libFuzzer target (fuzz_intent.c) drives exactly the code the setuid helper runs.
 *
 *   intent_parse: the caller-supplied line (the only input an unprivileged caller controls).
 *   conf_parse:   the root-owned config file.
 *
 * Formats are documented in helpers/README.md; every limit is a named constant here.
 */
#ifndef HARDNUT_INTENT_H
#define HARDNUT_INTENT_H

#include <stddef.h>

/* ---- the intent line ---------------------------------------------------------------------
 * "hardnut-intent 1 <verb> <unix-seconds> <nonce: 32 hex> <signature: 128 hex>\n"
 * The ed25519 signature (detached) covers the exact bytes before " <signature>". */
#define INTENT_PREFIX "hardnut-intent 1 " /* magic word and format version */
#define INTENT_MAX_LEN 256                /* whole line including '\n'; a valid one is ~200 */
#define INTENT_TS_MAX_DIGITS 12           /* decimal seconds, no sign, no leading zero */
#define INTENT_NONCE_BYTES 16
#define INTENT_SIG_BYTES 64
#define INTENT_PK_BYTES 32
#define INTENT_WINDOW_S 60 /* |now - timestamp| must be <= this (issue: replay window <= 60 s) */

enum verb { VERB_NONE = 0, VERB_POWEROFF, VERB_CHECK };

struct intent {
	enum verb verb;
	long long ts;
	unsigned char nonce[INTENT_NONCE_BYTES];
	unsigned char sig[INTENT_SIG_BYTES];
	size_t signed_len; /* the signature covers buf[0 .. signed_len) */
};

enum intent_err {
	INTENT_OK = 0,
	INTENT_E_EMPTY,    /* nothing on stdin */
	INTENT_E_LONG,     /* more than INTENT_MAX_LEN bytes */
	INTENT_E_PREFIX,   /* not "hardnut-intent 1 " */
	INTENT_E_VERB,     /* verb not in the fixed set */
	INTENT_E_TIME,     /* timestamp not canonical decimal */
	INTENT_E_NONCE,    /* nonce not 32 lowercase hex digits */
	INTENT_E_SIG,      /* signature missing or not 128 lowercase hex digits */
	INTENT_E_END,      /* no single '\n' at the very end */
};

/* The verb named by the n bytes at s (not NUL-terminated), or VERB_NONE. */
enum verb verb_from(const char *s, size_t n);
const char *verb_name(enum verb v);

int intent_parse(const char *buf, size_t len, struct intent *out);
const char *intent_error(int err);

/* ---- the config file --------------------------------------------------------------------
 * Lines of whitespace-separated words, '#' starts a comment line; no quoting, no escapes. */
#define CONF_MAX_LEN 4096 /* whole file */
#define CONF_MAX_WORDS 17 /* key + CONF_ARGV_MAX */
#define CONF_ARGV_MAX 16  /* words of the `command` method's argv */
#define CONF_WORD_MAX 255 /* bytes of one word (paths included) */
#define CONF_DEFAULT_INITCTL "/run/initctl"

enum method { METHOD_NONE = 0, METHOD_INITCTL, METHOD_SYSTEMCTL, METHOD_REBOOT, METHOD_COMMAND };

struct conf {
	unsigned char pubkey[INTENT_PK_BYTES];
	int have_pubkey;
	enum method method;
	int argc;
	char argv_store[CONF_ARGV_MAX][CONF_WORD_MAX + 1];
	char nonces[CONF_WORD_MAX + 1];  /* path of the replay-protection state file */
	char initctl[CONF_WORD_MAX + 1]; /* path of init's FIFO (method initctl) */
};

enum conf_err {
	CONF_OK = 0,
	CONF_E_LONG,      /* file larger than CONF_MAX_LEN */
	CONF_E_CHAR,      /* a byte outside printable ASCII, space, tab, '\n' */
	CONF_E_WORDS,     /* too many words on a line */
	CONF_E_WORD,      /* a word longer than CONF_WORD_MAX */
	CONF_E_KEY,       /* unknown key */
	CONF_E_DUP,       /* key given twice */
	CONF_E_VALUE,     /* wrong number of values or a bad value */
	CONF_E_PATH,      /* a path that is not absolute */
	CONF_E_MISSING,   /* pubkey, method or nonces missing, or argv missing for `command` */
	CONF_E_UNUSED,    /* argv without method command, initctl without method initctl */
};

const char *method_name(enum method m);
/* *line is set to the offending line (0 for whole-file errors). */
int conf_parse(const char *buf, size_t len, struct conf *out, unsigned *line);
const char *conf_error(int err);

#endif
