/*
 * loadgen.c - closed-loop load generator for NUT-protocol servers (upsd or hardnut's upsd).
 *
 *   loadgen --port P [--host 127.0.0.1] [--conns 50] [--duration 5] [--warmup 1]
 *           [--cmd "GET VAR ups1 ups.status"] [--quickack] [--pid SERVER_PID] [--json out.json]
 *           [--per-address 8]
 *
 * Each of --conns TCP connections sends --cmd, waits for the complete reply and sends the next
 * one at once. A reply whose first line starts with "BEGIN LIST" ends at the "END LIST" line; any
 * other reply is one line. --quickack re-arms TCP_QUICKACK after every read, so this client never
 * delays its ACKs (without it the kernel's delayed ACK applies, as for any ordinary client).
 *
 * Source addresses: hardnut's upsd lets one client address hold only 16 connections that have not
 * logged in (MAX_UNAUTH_PER_ADDRESS, src/upsd/server.ts), and these never log in. Against a
 * loopback --host, every --per-address connections (default 8, 0 = all from one address) share a
 * source address of their own, 127.3.X.Y, bound before connect (loopback accepts all of 127/8),
 * as a crowd of clients would. A connection the server closes or resets is counted in
 * "closed_early": bench/run.mjs then fails the run, since it measured refusals, not requests.
 *
 * Why C: bench/run.mjs measures servers, so the client must not be the bottleneck. The Node
 * load generator it replaces spent about 8.3 µs of CPU per GET VAR, as much as either server, and
 * ran at 100 % of its core: it measured itself. This one spends about half as much (most of it in
 * the kernel), so at 50 connections the server's core is the one that saturates.
 *
 * Prints one JSON object (also written to --json): requests/s, latency percentiles (1 µs buckets),
 * ERR replies, the first reply line seen, this process's CPU use, and with --pid the server's CPU
 * use (user and system) and RSS sampled from /proc over the measured interval only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 20000
#define HIST_US 1000000 /* latency buckets: 1 µs each up to 1 s; slower replies land in the last */
#define READ_BYTES 65536
#define PREFIX 12 /* enough of a line to tell "BEGIN LIST", "END LIST" and "ERR" apart */

struct conn {
	int fd;
	double sent;        /* when the outstanding request was written */
	int in_list;        /* inside BEGIN LIST ... END LIST */
	int first_line;     /* the current line is the reply's first */
	size_t plen;        /* bytes of the current line kept in prefix */
	char prefix[PREFIX];
	size_t hlen;        /* the reply's first line (its start) */
	char head[PREFIX];
};

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_self(void) {
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

/* utime and stime of pid in seconds; false if unreadable */
static int cpu_of(int pid, double *user, double *sys) {
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f) return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p) return 0;
	unsigned long ut = 0, st = 0;
	/* fields after ')': state(3) ... utime is field 14, stime 15 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return 0;
	double tck = (double)sysconf(_SC_CLK_TCK);
	*user = (double)ut / tck;
	*sys = (double)st / tck;
	return 1;
}

static long rss_of(int pid) {
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f) return -1;
	long kb = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1) break;
	fclose(f);
	return kb;
}

static void die(const char *what) {
	perror(what);
	exit(1);
}

/* false if the server has closed or reset the connection (a refusal); other errors end the run */
static int send_request(struct conn *c, const char *req, size_t len) {
	c->sent = now();
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(c->fd, req + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) return 0;
		if (w <= 0) die("write");
		off += (size_t)w;
	}
	return 1;
}

static double pct(const unsigned *hist, long total, double p) {
	long want = (long)((double)total * p), seen = 0;
	for (long i = 0; i < HIST_US; i++) {
		seen += hist[i];
		if (seen > want) return (double)i / 1000.0;
	}
	return (double)(HIST_US - 1) / 1000.0;
}

/* JSON string body: the first reply line is server output, so escape it */
static void json_str(FILE *o, const char *s) {
	fputc('"', o);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') fprintf(o, "\\%c", ch);
		else if (ch < 0x20 || ch > 0x7e) fprintf(o, "\\u%04x", ch);
		else fputc(ch, o);
	}
	fputc('"', o);
}

int main(int argc, char **argv) {
	const char *host = "127.0.0.1", *cmd = "GET VAR ups1 ups.status", *json = NULL;
	int port = 3493, nconns = 50, quickack = 0, pid = 0, per_address = 8;
	double duration = 5, warmup = 1;
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(k, "--quickack")) { quickack = 1; continue; }
		if (!v) { fprintf(stderr, "%s needs a value\n", k); return 2; }
		i++;
		if (!strcmp(k, "--host")) host = v;
		else if (!strcmp(k, "--port")) port = atoi(v);
		else if (!strcmp(k, "--conns")) nconns = atoi(v);
		else if (!strcmp(k, "--duration")) duration = atof(v);
		else if (!strcmp(k, "--warmup")) warmup = atof(v);
		else if (!strcmp(k, "--cmd")) cmd = v;
		else if (!strcmp(k, "--pid")) pid = atoi(v);
		else if (!strcmp(k, "--json")) json = v;
		else if (!strcmp(k, "--per-address")) per_address = atoi(v);
		else { fprintf(stderr, "unknown option %s\n", k); return 2; }
	}
	if (nconns < 1 || nconns > MAX_CONNS || port < 1 || port > 65535 || duration <= 0 || per_address < 0) {
		fprintf(stderr, "bad --conns, --port, --duration or --per-address\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a refused connection is counted, not a silent death */
	size_t reqlen = strlen(cmd) + 1;
	char *req = malloc(reqlen + 1);
	unsigned *hist = calloc(HIST_US, sizeof *hist);
	struct conn *conns = calloc((size_t)nconns, sizeof *conns);
	char *buf = malloc(READ_BYTES);
	if (!req || !hist || !conns || !buf) die("malloc");
	memcpy(req, cmd, reqlen - 1);
	req[reqlen - 1] = '\n';
	req[reqlen] = 0;

	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { fprintf(stderr, "bad --host\n"); return 2; }
	int spread = per_address > 0 && (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
	int sources = 1;
	int ep = epoll_create1(0);
	if (ep < 0) die("epoll_create1");
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		c->fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c->fd < 0) die("socket");
		if (spread) {
			int a = i / per_address + 1; /* 127.3.0.1, 127.3.0.2, ... */
			struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f030000u | (uint32_t)a) };
			int one = 1;
			/* the port is picked at connect, per destination: thousands of binds cannot run out */
			setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
			if (bind(c->fd, (struct sockaddr *)&src, sizeof src)) die("bind");
			sources = a;
		}
		if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr)) die("connect");
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e)) die("epoll_ctl");
		c->first_line = 1;
	}
	long closed = 0;
	for (int i = 0; i < nconns; i++)
		if (!send_request(&conns[i], req, reqlen)) {
			closed++;
			epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, NULL);
			close(conns[i].fd);
			conns[i].fd = -1;
		}

	double t_start = now(), t_measure = t_start + warmup, t_end = t_measure + duration;
	int measuring = 0;
	long done = 0, errs = 0, rss_max = -1;
	double lat_sum = 0, lat_max = 0, cpu0 = 0, next_rss = 0, su0 = 0, ss0 = 0, su1 = 0, ss1 = 0;
	int srv_ok = 0;
	long rss_before = -1;
	char first_reply[PREFIX + 1] = "";
	struct epoll_event ev[512];
	for (;;) {
		double t = now();
		if (!measuring && t >= t_measure) {
			measuring = 1;
			t_measure = t;
			cpu0 = cpu_self();
			if (pid) { srv_ok = cpu_of(pid, &su0, &ss0); rss_before = rss_of(pid); }
		}
		if (t >= t_end) break;
		if (pid && measuring && t >= next_rss) {
			long r = rss_of(pid);
			if (r > rss_max) rss_max = r;
			next_rss = t + 0.25;
		}
		int k = epoll_wait(ep, ev, 512, 100);
		if (k < 0 && errno == EINTR) continue;
		if (k < 0) die("epoll_wait");
		for (int j = 0; j < k; j++) {
			struct conn *c = &conns[ev[j].data.u32];
			ssize_t r = read(c->fd, buf, READ_BYTES);
			if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
			if (r <= 0) {
				closed++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				continue;
			}
			if (quickack) {
				int one = 1;
				setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
			}
			for (ssize_t q = 0; q < r; q++) {
				char ch = buf[q];
				if (ch != '\n') {
					if (c->plen < PREFIX) c->prefix[c->plen++] = ch;
					continue;
				}
				/* a line ended */
				int complete = 0;
				if (c->first_line) { memcpy(c->head, c->prefix, c->plen); c->hlen = c->plen; }
				if (c->in_list) {
					if (c->plen >= 8 && !memcmp(c->prefix, "END LIST", 8)) { c->in_list = 0; complete = 1; }
				} else if (c->first_line && c->hlen >= 10 && !memcmp(c->head, "BEGIN LIST", 10)) {
					c->in_list = 1;
					c->first_line = 0;
				} else {
					complete = 1;
				}
				if (complete) {
					if (measuring) {
						double us = (now() - c->sent) * 1e6;
						long b = us < 0 ? 0 : us >= HIST_US ? HIST_US - 1 : (long)us;
						hist[b]++;
						lat_sum += us;
						if (us > lat_max) lat_max = us;
						done++;
						if (c->hlen >= 3 && !memcmp(c->head, "ERR", 3)) errs++;
						if (!first_reply[0]) { memcpy(first_reply, c->head, c->hlen); first_reply[c->hlen] = 0; }
					}
					c->first_line = 1;
					if (!send_request(c, req, reqlen)) {
						closed++;
						epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
						close(c->fd);
						c->fd = -1;
						break;
					}
				}
				c->plen = 0;
			}
		}
		if (closed == nconns) break;
	}
	double elapsed = now() - t_measure;
	double cpu = cpu_self() - cpu0;
	if (pid && srv_ok) srv_ok = cpu_of(pid, &su1, &ss1);
	long rss_after = pid ? rss_of(pid) : -1;
	/* say LOGOUT and read until the server closes, so neither side logs a broken pipe */
	long open_conns = 0;
	for (int i = 0; i < nconns; i++)
		if (conns[i].fd >= 0) {
			ssize_t w = write(conns[i].fd, "LOGOUT\n", 7);
			(void)w;
			shutdown(conns[i].fd, SHUT_WR);
			open_conns++;
		}
	for (double give_up = now() + 2; open_conns > 0 && now() < give_up;) {
		int k = epoll_wait(ep, ev, 512, 100);
		for (int j = 0; j < k; j++) {
			struct conn *c = &conns[ev[j].data.u32];
			if (c->fd < 0 || read(c->fd, buf, READ_BYTES) > 0) continue;
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
			open_conns--;
		}
	}
	for (int i = 0; i < nconns; i++)
		if (conns[i].fd >= 0) close(conns[i].fd);

	FILE *outs[2] = { stdout, json ? fopen(json, "w") : NULL };
	if (json && !outs[1]) die(json);
	for (int o = 0; o < 2; o++) {
		FILE *f = outs[o];
		if (!f) continue;
		fprintf(f, "{\"target\":\"%s:%d\",\"cmd\":", host, port);
		json_str(f, cmd);
		fprintf(f, ",\"conns\":%d,\"source_addresses\":%d,\"quickack\":%s,\"duration_s\":%.3f,\"requests\":%ld,\"rps\":%.1f,"
			"\"err_replies\":%ld,\"closed_early\":%ld,\"first_reply\":",
			nconns, sources, quickack ? "true" : "false", elapsed, done, (double)done / elapsed, errs, closed);
		json_str(f, first_reply);
		fprintf(f, ",\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,\"mean\":%.3f},"
			"\"client_cpu_pct\":%.1f",
			pct(hist, done, 0.5), pct(hist, done, 0.9), pct(hist, done, 0.99), pct(hist, done, 0.999),
			lat_max / 1000.0, done ? lat_sum / (double)done / 1000.0 : 0.0, 100.0 * cpu / elapsed);
		if (pid)
			fprintf(f, ",\"server\":{\"pid\":%d,\"rss_kb_before\":%ld,\"rss_kb_max\":%ld,\"rss_kb_after\":%ld,"
				"\"cpu_pct\":%.1f,\"user_pct\":%.1f,\"sys_pct\":%.1f}",
				pid, rss_before, rss_max, rss_after,
				srv_ok ? 100.0 * (su1 + ss1 - su0 - ss0) / elapsed : -1.0,
				srv_ok ? 100.0 * (su1 - su0) / elapsed : -1.0, srv_ok ? 100.0 * (ss1 - ss0) / elapsed : -1.0);
		fprintf(f, "}\n");
		if (o == 1) fclose(f);
	}
	return 0;
}
