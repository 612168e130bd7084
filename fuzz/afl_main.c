/* afl_main.c — the driver linked with every harness that is not built for
 * libFuzzer.  Under afl-clang-fast it runs AFL++'s persistent mode with shared
 * memory test cases; built with any other compiler it replays the files named
 * on the command line (corpus regression runs under sanitizers). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

static int replay(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
#ifdef __AFL_FUZZ_TESTCASE_LEN
	if (argc < 2) {
		__AFL_INIT();
		const uint8_t *data = __AFL_FUZZ_TESTCASE_BUF;
		while (__AFL_LOOP(100000))
			LLVMFuzzerTestOneInput(data, (size_t)__AFL_FUZZ_TESTCASE_LEN);
		return 0;
	}
#endif
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= replay(argv[i]);
	return rc;
}
