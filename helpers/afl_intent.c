/*
 * AFL++ harness for upsshutdown's parsers (intent.c): the libFuzzer target's checks
 * (fuzz_intent.c, LLVMFuzzerTestOneInput) run in AFL++'s persistent mode, test cases passed in
 * shared memory. Built by `make afl` with afl-clang-fast, ASan and UBSan; run by `make afl-run`
 * or test/helpers/afl-intent.test.ts. A broken promise of a parser aborts, as under libFuzzer.
 *
 * Built with a plain compiler (no AFL++ macros) it reads one input from stdin: replay a crash
 * with `build/afl_intent < build/afl-out/default/crashes/id:...`.
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef __AFL_FUZZ_TESTCASE_LEN
/* Not under afl-clang-fast: one test case from stdin (the size of the largest config + 1). */
static unsigned char stdin_buf[4096 + 2];
static ssize_t stdin_len;
static int stdin_done;
#define __AFL_FUZZ_INIT() static void afl_unused(void)
#define __AFL_FUZZ_TESTCASE_BUF stdin_buf
#define __AFL_FUZZ_TESTCASE_LEN stdin_len
#define __AFL_LOOP(n) (!stdin_done && (stdin_done = 1, stdin_len = read(0, stdin_buf, sizeof stdin_buf), stdin_len >= 0))
#define __AFL_INIT() afl_unused()
static void afl_unused(void) {}
#endif

__AFL_FUZZ_INIT();

int main(void)
{
	/* deferred fork server: nothing to set up before the loop */
	__AFL_INIT();
	unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
	/* 100 000 cases per fork: the parsers keep no state between calls */
	while (__AFL_LOOP(100000)) {
		LLVMFuzzerTestOneInput(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
	}
	return 0;
}
