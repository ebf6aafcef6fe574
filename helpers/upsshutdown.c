/*
 * upsshutdown: hardnut's setuid-root shutdown helper (helpers/README.md has the whole story).
 *
 * Installed root:<shutdown group> mode 4750, so only that group can run it (the kernel enforces
 * it; this program does not look at the caller's groups). Usage: `upsshutdown poweroff|check`
 * with one signed intent line on stdin. It trusts nothing from its caller: not the environment
 * (cleared), not the fds beyond 0-2 (closed), not argv beyond the verb, not the cwd or umask.
 * Its config path is compiled in. After the intent is verified it performs one action:
 * initctl runlevel 0 | systemctl poweroff | reboot(2) power-off | a configured argv.
 *
 * Exit codes (sysexits.h): 0 done/verified, 64 usage, 65 malformed intent, 77 refused intent
 * (signature, time window, replay) or not setuid root, 78 unsafe or bad config/state file,
 * 71 the action failed. Every refusal prints "upsshutdown: <reason>" on stderr.
 */
#include "intent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifndef UPSSHUTDOWN_CONF
#define UPSSHUTDOWN_CONF "/etc/hardnut/upsshutdown.conf"
#endif
#ifndef SYSTEMCTL_PATH
#define SYSTEMCTL_PATH "/bin/systemctl"
#endif

#define EX_OK_ 0
#define EX_USAGE_ 64
#define EX_DATAERR_ 65
#define EX_OSERR_ 71
#define EX_NOPERM_ 77
#define EX_CONFIG_ 78

#ifndef RUN_TIMEOUT_S
#define RUN_TIMEOUT_S 30   /* SIGALRM ends a helper whose caller never closes stdin (tests build it shorter) */
#endif
#define NONCE_SLOTS 64     /* accepted intents remembered; more within the window are refused */
#define FD_SCAN_MAX 65536  /* fallback close loop bound if close_range(2) is unavailable */
#define INITCTL_SLEEPTIME 5 /* seconds between TERM and KILL: what `telinit 0` sends */

/* The only environment an exec'd action sees. */
static char *const CLEAN_ENV[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

__attribute__((format(printf, 2, 0))) static void vlog(int prio, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	fputs("upsshutdown: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	vsyslog(prio, fmt, ap2); /* the audit trail: who asked, and what happened */
	va_end(ap2);
}

__attribute__((format(printf, 2, 3), noreturn)) static void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(code);
}

__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

/* A caller may start us with 0-2 closed, so that a file we open lands on fd 2 and our messages
 * are written into it. Fill the gaps with /dev/null before opening anything else. */
static void sane_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1) continue;
		int n = open("/dev/null", O_RDWR);
		if (n != fd) _exit(EX_OSERR_);
	}
}

static void close_inherited_fds(void)
{
	if (close_range(3U, ~0U, 0) == 0) return;
	for (int fd = 3; fd < FD_SCAN_MAX; fd++) (void)close(fd);
}

/* Directory that only root can change: root-owned, and not group/world-writable unless sticky
 * (a root-owned sticky dir such as /tmp lets others add names but not replace root's). */
static const char *dir_unsafe(const struct stat *st)
{
	if (!S_ISDIR(st->st_mode)) return "not a directory";
	if (st->st_uid != 0) return "directory not owned by root";
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
		return "directory writable by group or others";
	return NULL;
}

/*
 * Opens an absolute path one component at a time with O_NOFOLLOW (no symlink anywhere in it),
 * checking every directory with dir_unsafe() and the final object for: file type `type`, owner
 * root, not group/world-writable. fstat on the open fd, so nothing can be swapped in between.
 * `flags` may include O_CREAT (mode 0600 through our umask). Dies with `code` on any failure.
 */
static int safe_open(const char *path, int flags, mode_t type, int code, const char *what)
{
	char comp[NAME_MAX + 1];
	struct stat st;
	const char *p = path, *why;
	int dfd, fd;

	if (path[0] != '/') die(code, "%s %s: not an absolute path", what, path);
	dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) != 0) die(code, "cannot open /: %s", strerror(errno));
	if ((why = dir_unsafe(&st)) != NULL) die(code, "/: %s", why);
	for (;;) {
		size_t n;
		while (*p == '/') p++;
		n = strcspn(p, "/");
		if (n == 0 || n > NAME_MAX) die(code, "%s %s: bad path", what, path);
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) die(code, "%s %s: bad path", what, path);
		p += n;
		if (*p == '\0') break;
		fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) != 0) die(code, "%s %s: %s: %s", what, path, comp, strerror(errno));
		if ((why = dir_unsafe(&st)) != NULL) die(code, "%s %s: %s: %s", what, path, comp, why);
		close(dfd);
		dfd = fd;
	}
	fd = openat(dfd, comp, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) die(code, "%s %s: %s", what, path, strerror(errno));
	close(dfd);
	if (fstat(fd, &st) != 0) die(code, "%s %s: %s", what, path, strerror(errno));
	if ((st.st_mode & S_IFMT) != type) die(code, "%s %s: wrong file type", what, path);
	if (st.st_uid != 0) die(code, "%s %s: not owned by root", what, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH)) die(code, "%s %s: writable by group or others", what, path);
	return fd;
}

/* Reads up to max bytes until EOF; returns the count, or max + 1 if there was more. */
static size_t read_bounded(int fd, char *buf, size_t max)
{
	size_t got = 0;
	while (got <= max) {
		ssize_t r = read(fd, buf + got, max + 1 - got);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) die(EX_DATAERR_, "read: %s", strerror(errno));
		if (r == 0) break;
		got += (size_t)r;
	}
	return got;
}

static void load_conf(struct conf *c)
{
	static char buf[CONF_MAX_LEN + 1];
	unsigned line;
	int fd = safe_open(UPSSHUTDOWN_CONF, O_RDONLY, S_IFREG, EX_CONFIG_, "config");
	size_t n = read_bounded(fd, buf, CONF_MAX_LEN);
	int err = conf_parse(buf, n, c, &line);
	close(fd);
	if (err != CONF_OK && line > 0) die(EX_CONFIG_, "%s:%u: %s", UPSSHUTDOWN_CONF, line, conf_error(err));
	if (err != CONF_OK) die(EX_CONFIG_, "%s: %s", UPSSHUTDOWN_CONF, conf_error(err));
}

/*
 * Replay protection. The state file holds NONCE_SLOTS records {int64 timestamp, 16-byte nonce}
 * (native byte order; 0 or exactly NONCE_SLOTS records long, anything else is refused). Under an
 * exclusive flock: refuse a nonce already recorded; else overwrite a slot whose timestamp lies
 * outside [now - window, now + window] (no intent with that timestamp can pass the time check, so
 * forgetting it is safe); if all slots are live, refuse. The nonce is spent before the action.
 */
struct slot { int64_t ts; unsigned char nonce[INTENT_NONCE_BYTES]; };
_Static_assert(sizeof(struct slot) == 24, "slot layout is the file format");

static void spend_nonce(const char *path, const struct intent *in, time_t now)
{
	static struct slot slots[NONCE_SLOTS];
	struct stat st;
	int victim = -1;
	int fd = safe_open(path, O_RDWR | O_CREAT, S_IFREG, EX_CONFIG_, "nonce file");

	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) die(EX_CONFIG_, "nonce file %s: %s", path, strerror(errno));
	if (st.st_size != 0 && st.st_size != (off_t)sizeof(slots))
		die(EX_CONFIG_, "nonce file %s: corrupt (size %lld)", path, (long long)st.st_size);
	memset(slots, 0, sizeof(slots));
	if (st.st_size != 0 && pread(fd, slots, sizeof(slots), 0) != (ssize_t)sizeof(slots))
		die(EX_CONFIG_, "nonce file %s: short read", path);
	for (int i = 0; i < NONCE_SLOTS; i++) {
		int live = slots[i].ts >= now - INTENT_WINDOW_S && slots[i].ts <= now + INTENT_WINDOW_S;
		if (slots[i].ts != 0 && sodium_memcmp(slots[i].nonce, in->nonce, INTENT_NONCE_BYTES) == 0)
			die(EX_NOPERM_, "refused: replayed intent (nonce already used)");
		if (!live && victim < 0) victim = i;
	}
	if (victim < 0) die(EX_NOPERM_, "refused: more than %d intents within %d s", NONCE_SLOTS, INTENT_WINDOW_S);
	slots[victim].ts = in->ts;
	memcpy(slots[victim].nonce, in->nonce, INTENT_NONCE_BYTES);
	/* First use writes the whole table; later ones rewrite one 24-byte record in place. */
	if (st.st_size == 0 ? pwrite(fd, slots, sizeof(slots), 0) != (ssize_t)sizeof(slots)
	                    : pwrite(fd, &slots[victim], sizeof(struct slot), (off_t)victim * (off_t)sizeof(struct slot)) != (ssize_t)sizeof(struct slot))
		die(EX_CONFIG_, "nonce file %s: write failed: %s", path, strerror(errno));
	if (fdatasync(fd) != 0) die(EX_CONFIG_, "nonce file %s: %s", path, strerror(errno));
	close(fd);
}

/* sysvinit's struct init_request (initreq.h): 384 bytes, native ints. */
struct init_request {
	int magic, cmd, runlevel, sleeptime;
	char data[368];
};
_Static_assert(sizeof(struct init_request) == 384, "init expects exactly 384 bytes");

static void do_initctl(const char *path)
{
	struct init_request req;
	int fd;

	memset(&req, 0, sizeof(req));
	req.magic = 0x03091969; /* INIT_MAGIC */
	req.cmd = 1;            /* INIT_CMD_RUNLVL */
	req.runlevel = '0';
	req.sleeptime = INITCTL_SLEEPTIME;
	/* O_NONBLOCK: open fails with ENXIO instead of hanging when init is not reading. */
	fd = safe_open(path, O_WRONLY | O_NONBLOCK, S_IFIFO, EX_OSERR_, "initctl");
	if (write(fd, &req, sizeof(req)) != (ssize_t)sizeof(req)) /* <= PIPE_BUF: atomic */
		die(EX_OSERR_, "initctl %s: write: %s", path, strerror(errno));
	close(fd);
}

static void become_root(void)
{
	/* Full root (real, effective, saved; no supplementary groups), so the action does not run as
	 * a half-setuid process that shells and systemctl treat differently. */
	if (setgroups(0, NULL) != 0 || setgid(0) != 0 || setuid(0) != 0)
		die(EX_OSERR_, "cannot become root: %s", strerror(errno));
}

static void perform(const struct conf *c)
{
	char *argv[CONF_ARGV_MAX + 1];

	switch (c->method) {
	case METHOD_INITCTL:
		do_initctl(c->initctl);
		note("sent runlevel 0 to init via %s", c->initctl);
		exit(EX_OK_);
	case METHOD_SYSTEMCTL:
		argv[0] = "systemctl";
		argv[1] = "poweroff";
		argv[2] = NULL;
		execve(SYSTEMCTL_PATH, argv, CLEAN_ENV);
		die(EX_OSERR_, "exec %s: %s", SYSTEMCTL_PATH, strerror(errno));
	case METHOD_REBOOT:
		sync();
		reboot(RB_POWER_OFF);
		die(EX_OSERR_, "reboot(RB_POWER_OFF): %s", strerror(errno));
	case METHOD_COMMAND:
		/* The program must be as root-controlled as the config that names it. */
		close(safe_open(c->argv_store[0], O_RDONLY, S_IFREG, EX_CONFIG_, "command"));
		for (int i = 0; i < c->argc; i++) argv[i] = (char *)c->argv_store[i];
		argv[c->argc] = NULL;
		execve(argv[0], argv, CLEAN_ENV);
		die(EX_OSERR_, "exec %s: %s", argv[0], strerror(errno));
	case METHOD_NONE:
		break;
	}
	die(EX_CONFIG_, "no method");
}

/*
 * Arms the RUN_TIMEOUT_S bound so that no caller can defeat it: an ignored SIGALRM stays ignored
 * across execve, and a blocked one stays blocked, so a caller could otherwise keep this root
 * process waiting on stdin forever. Fails closed: if the signal cannot be made fatal, exit.
 */
static void arm_run_timeout(void)
{
	struct sigaction sa;
	sigset_t alrm;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGALRM, &sa, NULL) != 0) _exit(EX_OSERR_);
	if (sigemptyset(&alrm) != 0 || sigaddset(&alrm, SIGALRM) != 0 || sigprocmask(SIG_UNBLOCK, &alrm, NULL) != 0)
		_exit(EX_OSERR_);
	alarm(RUN_TIMEOUT_S);
}

int main(int argc, char **argv)
{
	static struct conf conf;
	static char line[INTENT_MAX_LEN + 1];
	struct intent in;
	enum verb verb;
	size_t n;
	time_t now;
	int err;

	sane_stdio();
	close_inherited_fds();
	if (clearenv() != 0) _exit(EX_OSERR_);
	umask(077);
	arm_run_timeout();
	openlog("upsshutdown", LOG_PID, LOG_AUTHPRIV);
	if (chdir("/") != 0) die(EX_OSERR_, "chdir /: %s", strerror(errno));

	/* argc may be 0 (execve with an empty argv): never index argv before this check. */
	if (argc != 2 || (verb = verb_from(argv[1], strlen(argv[1]))) == VERB_NONE)
		die(EX_USAGE_, "usage: upsshutdown poweroff|check, with the signed intent on stdin (refused: %d arguments)", argc - 1);
	if (geteuid() != 0) die(EX_NOPERM_, "not running as root: install it setuid root, mode 4750");
	if (sodium_init() < 0) die(EX_OSERR_, "libsodium failed to initialise");
	load_conf(&conf);

	n = read_bounded(STDIN_FILENO, line, INTENT_MAX_LEN);
	if ((err = intent_parse(line, n, &in)) != INTENT_OK) die(EX_DATAERR_, "refused: %s", intent_error(err));
	if (in.verb != verb)
		die(EX_DATAERR_, "refused: intent is for %s, not %s", verb_name(in.verb), verb_name(verb));
	if (crypto_sign_verify_detached(in.sig, (const unsigned char *)line, in.signed_len, conf.pubkey) != 0)
		die(EX_NOPERM_, "refused: bad signature (uid %u)", (unsigned)getuid());
	now = time(NULL);
	if (in.ts < now - INTENT_WINDOW_S)
		die(EX_NOPERM_, "refused: intent expired (%lld s old, limit %d s)", (long long)(now - in.ts), INTENT_WINDOW_S);
	if (in.ts > now + INTENT_WINDOW_S)
		die(EX_NOPERM_, "refused: intent from the future (%lld s ahead)", (long long)(in.ts - now));
	spend_nonce(conf.nonces, &in, now);

	if (verb == VERB_CHECK) {
		printf("upsshutdown: intent ok, method %s\n", method_name(conf.method));
		return EX_OK_;
	}
	note("poweroff requested by uid %u, method %s", (unsigned)getuid(), method_name(conf.method));
	become_root();
	alarm(0); /* a pending alarm survives execve */
	perform(&conf);
	return EX_OSERR_;
}
