/*
 * upsshutdown-keygen: makes the ed25519 key pair that links upsmon's dispatcher to upsshutdown.
 * Not setuid; `make install` runs it as root.
 *
 *   upsshutdown-keygen new FILE     create FILE (mode 0600, must not exist) holding the 64-byte
 *                                   secret key (libsodium/tweetnacl layout: seed || public key)
 *                                   and print "pubkey <64 hex>" for upsshutdown.conf
 *   upsshutdown-keygen pubkey FILE  print "pubkey <64 hex>" for an existing secret key file
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "upsshutdown-keygen: %s%s%s\n", path, path[0] ? ": " : "", what);
	return 1;
}

static int print_pubkey(const unsigned char *pk)
{
	char hex[2 * crypto_sign_PUBLICKEYBYTES + 1];
	sodium_bin2hex(hex, sizeof(hex), pk, crypto_sign_PUBLICKEYBYTES);
	printf("pubkey %s\n", hex);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	int fd, rc;

	if (argc != 3 || (strcmp(argv[1], "new") != 0 && strcmp(argv[1], "pubkey") != 0)) {
		fputs("usage: upsshutdown-keygen new|pubkey FILE\n", stderr);
		return 2;
	}
	if (sodium_init() < 0) return fail("libsodium failed to initialise", "");
	umask(077);
	if (strcmp(argv[1], "new") == 0) {
		crypto_sign_keypair(pk, sk);
		fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) return fail(strerror(errno), argv[2]);
		rc = write(fd, sk, sizeof(sk)) == (ssize_t)sizeof(sk) && fsync(fd) == 0;
		sodium_memzero(sk, sizeof(sk));
		if (close(fd) != 0 || !rc) return fail("write failed", argv[2]);
		return print_pubkey(pk);
	}
	fd = open(argv[2], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) return fail(strerror(errno), argv[2]);
	rc = read(fd, sk, sizeof(sk)) == (ssize_t)sizeof(sk) && read(fd, pk, 1) == 0;
	close(fd);
	if (!rc) return fail("not a 64-byte secret key file", argv[2]);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_memzero(sk, sizeof(sk));
	return print_pubkey(pk);
}
