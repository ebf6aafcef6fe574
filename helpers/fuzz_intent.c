/*
 * libFuzzer target for upsshutdown's parsers (intent.c), built by `make fuzz` with
 * clang -fsanitize=fuzzer,address,undefined. The first byte picks the parser: odd → the intent
 * line (what an unprivileged caller controls), even → the config file. Besides memory errors
 * (ASan) it checks the parsers' promises and aborts if one is broken.
 */
#include "intent.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void intent_case(const char *buf, size_t len)
{
	struct intent in;
	if (intent_parse(buf, len, &in) != INTENT_OK) return;
	/* Accepted: bounded, one line, signature field where the parser says, verb known, time sane. */
	CHECK(len <= INTENT_MAX_LEN && buf[len - 1] == '\n');
	CHECK(memchr(buf, '\n', len - 1) == NULL);
	CHECK(memcmp(buf, INTENT_PREFIX, sizeof(INTENT_PREFIX) - 1) == 0);
	CHECK(in.signed_len + 1 + 2 * INTENT_SIG_BYTES + 1 == len && buf[in.signed_len] == ' ');
	CHECK(in.verb == VERB_POWEROFF || in.verb == VERB_CHECK);
	CHECK(in.ts >= 0 && in.ts < 1000000000000LL);
}

static void conf_case(const char *buf, size_t len)
{
	static struct conf c;
	unsigned line;
	int err = conf_parse(buf, len, &c, &line);
	if (err != CONF_OK) {
		CHECK(err > CONF_OK && err <= CONF_E_UNUSED);
		return;
	}
	CHECK(c.have_pubkey && c.method != METHOD_NONE && c.nonces[0] == '/');
	CHECK(c.argc >= 0 && c.argc <= CONF_ARGV_MAX);
	CHECK((c.method == METHOD_COMMAND) == (c.argc > 0));
	CHECK(c.method != METHOD_COMMAND || c.argv_store[0][0] == '/');
	CHECK(c.method != METHOD_INITCTL || c.initctl[0] == '/');
	for (int i = 0; i < c.argc; i++) CHECK(memchr(c.argv_store[i], '\0', CONF_WORD_MAX + 1) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) return 0;
	if (data[0] & 1) intent_case((const char *)data + 1, size - 1);
	else conf_case((const char *)data + 1, size - 1);
	return 0;
}
