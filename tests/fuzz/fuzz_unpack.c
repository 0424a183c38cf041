/* fuzz_unpack.c: libFuzzer target for the package unpacker
 * (registry/unpack.c, libarchive): arbitrary bytes as a .tgz / .zip / .whl.
 * Whatever it accepts must have only relative, normalised paths and respect
 * the caps; windows of one file must be consecutive, within the window cap,
 * and start no later than the previous one ends; it never writes to disk.
 * Seeds (tests/fuzz/corpus/unpack) include duplicate, link-heavy and
 * padded archives made by tests/fuzz/make_unpack_seeds.py. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "registry/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unpack_limits lim = { (size_t)1 << 20, 200, (size_t)256 << 10 };
	unpack_result r;
	memset(&r, 0, sizeof r);
	if (unpack_archive(&r, data, size, 1, &lim) == 0) {
		size_t total = 0, distinct = 0;
		for (size_t i = 0; i < r.nfiles; i++) {
			const unpack_file *f = &r.files[i];
			const char *p = f->path;
			if (!p || p[0] == '/' || strstr(p, "../") || !strcmp(p, "..") || f->len > lim.max_file)
				abort(); /* an escape or a cap that did not hold */
			if (f->offset == 0) {
				distinct++;
			} else {
				/* A later window: same file as the previous piece, no gap. */
				if (i == 0)
					abort();
				const unpack_file *prev = &r.files[i - 1];
				if (strcmp(prev->path, p) || f->offset <= prev->offset ||
				    f->offset > prev->offset + prev->len)
					abort();
			}
			if (f->offset + f->len > f->size || f->data[f->len] != '\0')
				abort();
			total += f->len;
		}
		if (total > lim.max_total || r.entries > lim.max_files || distinct != r.distinct ||
		    r.distinct > r.entries)
			abort();
	}
	unpack_result_dispose(&r);
	return 0;
}
