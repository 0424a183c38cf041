/* review_archive.c: the archive reviewer.
 *
 * Looks at the distribution as a file rather than as code: entries built
 * to escape the unpack directory (absolute or ".." names, links pointing
 * outside) are CRITICAL, since no honest packer produces them; so are two
 * entries naming the same file, since the reviewers would read both while
 * the installer keeps only the last (case-only twins are HIGH: one file on
 * macOS and Windows, two on Linux); device files are HIGH; links that stay
 * inside are LOW. It also says what the other reviewers could not see:
 * whatever the unpack caps left out is HIGH, named entry by entry, so a
 * package with unreviewed content is never APPROVED (padding a payload
 * past a cap must not buy a clean certificate); a wheel with compiled code
 * and no Python source was not analysed at all (MEDIUM), and native
 * binaries shipped in an npm package are noted (LOW). */
#include <string.h>
#include "common/util.h"
#include "registry/review.h"

#define NAME "archive"

static int compiled(const char *path)
{
	static const char *const ext[] = { ".so", ".pyd", ".dll", ".dylib", ".node", ".exe", NULL };
	for (int i = 0; ext[i]; i++)
		if (sigma_endswith(path, ext[i]) || strstr(path, ".so."))
			return 1;
	return 0;
}

static int review(review_findings *out, const review_package *pkg)
{
	const unpack_result *u = pkg->files;
	if (!u)
		return 0;
	for (size_t i = 0; i < u->nissues; i++) {
		const unpack_issue *is = &u->issues[i];
		if (!strcmp(is->kind, "traversal"))
			review_findings_add(out, NAME, "path-traversal", SEV_CRITICAL, is->path, 0,
			                    "archive entry escapes the package directory (%s)", is->detail);
		else if (!strcmp(is->kind, "link-escape"))
			review_findings_add(out, NAME, "link-escape", SEV_CRITICAL, is->path, 0,
			                    "%s points outside the package", is->detail);
		else if (!strcmp(is->kind, "special-file"))
			review_findings_add(out, NAME, "special-file", SEV_HIGH, is->path, 0, "archive holds a %s", is->detail);
		else if (!strcmp(is->kind, "link"))
			review_findings_add(out, NAME, "link", SEV_LOW, is->path, 0, "%s (not followed)", is->detail);
		else if (!strcmp(is->kind, "duplicate"))
			review_findings_add(out, NAME, "duplicate-entry", SEV_CRITICAL, is->path, 0,
			                    "two archive entries name one file: %s", is->detail);
		else if (!strcmp(is->kind, "duplicate-case"))
			review_findings_add(out, NAME, "duplicate-entry-case", SEV_HIGH, is->path, 0,
			                    "two archive entries name one file on macOS and Windows: %s", is->detail);
		else if (!strcmp(is->kind, "cap"))
			review_findings_add(out, NAME, "not-reviewed", SEV_HIGH, is->path, 0,
			                    "over the unpack limits, not reviewed: %s", is->detail);
	}
	if (u->partial && !unpack_find_issue(u, "cap"))
		review_findings_add(out, NAME, "partial-analysis", SEV_MEDIUM, NULL, 0,
		                    "the distribution could not be fully unpacked: only part of it was analysed");
	size_t native = 0, python = 0;
	const char *first_native = NULL;
	for (size_t i = 0; i < u->nfiles; i++) {
		if (u->files[i].offset)
			continue; /* a later window of a file already counted */
		if (compiled(u->files[i].path)) {
			if (!native++)
				first_native = u->files[i].path;
		} else if (sigma_endswith(u->files[i].path, ".py")) {
			python++;
		}
	}
	int wheel = pkg->filename && sigma_endswith(pkg->filename, ".whl");
	if (wheel && native && !python)
		review_findings_add(out, NAME, "binary-only", SEV_MEDIUM, first_native, 0,
		                    "the wheel holds only compiled code (%zu files): nothing could be reviewed", native);
	else if (native)
		review_findings_add(out, NAME, "native-binary", SEV_LOW, first_native, 0,
		                    "ships %zu prebuilt native binar%s, not reviewed", native, native == 1 ? "y" : "ies");
	return 0;
}

const reviewer review_archive = { NAME, review };
