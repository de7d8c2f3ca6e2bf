#!/usr/bin/env python3
"""Every relative link in README.md and docs/*.md resolves inside the
repository: the file or directory exists, a #fragment names a heading of the
target (GitHub's slug rules), and no link leaves the tree (an absolute path,
or ../ past the root). The repository must read whole on its own.

usage: test_links.py [REPO_ROOT]   (default: two levels above this file)
Prints one line per broken link as FILE:LINE: what is wrong; exits 1 if any.
"""
import os
import re
import sys
import unicodedata

ROOT = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else
                        os.path.join(os.path.dirname(__file__), "..", ".."))

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target) and ![alt](target); the target ends at white space or ")"
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:


def lines_outside_code(path):
    """(line number, text) of the lines outside fenced code blocks."""
    fenced = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = FENCE.match(line)
            if m:
                if fenced is None:
                    fenced = m.group(1)
                elif m.group(1) == fenced:
                    fenced = None
                continue
            if fenced is None:
                yield n, line.rstrip("\n")


def slug(text):
    """GitHub's anchor for a heading: the rendered text, lower-cased, with
    everything but letters, digits, spaces, '-' and '_' dropped and each
    space made a '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links -> text
    text = CODE_SPAN.sub(lambda m: m.group(2), text)
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("*", "")
    text = re.sub(r"(^|\s)_+|_+(\s|$)", r"\1\2", text)  # _emphasis_
    out = []
    for ch in text.strip().lower():
        cat = unicodedata.category(ch)
        if ch in " -_" or cat[0] in "LN" or cat == "Mn":
            out.append("-" if ch == " " else ch)
    return "".join(out)


_anchors = {}


def anchors(path):
    if path not in _anchors:
        seen, result = {}, set()
        for _, line in lines_outside_code(path):
            m = HEADING.match(line)
            if not m:
                continue
            s = slug(m.group(2))
            n = seen.get(s, 0)
            seen[s] = n + 1
            result.add(s if n == 0 else f"{s}-{n}")
        # explicit anchors: <a name="x"> or <a id="x">
        with open(path, encoding="utf-8") as f:
            result.update(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", f.read()))
        _anchors[path] = result
    return _anchors[path]


def links(path):
    for n, line in lines_outside_code(path):
        bare = CODE_SPAN.sub("", line)
        for m in INLINE.finditer(bare):
            yield n, m.group(1)
        m = REFDEF.match(bare)
        if m:
            yield n, m.group(1)


def check(path):
    problems = []
    rel = os.path.relpath(path, ROOT)
    for n, target in links(path):
        where = f"{rel}:{n}: link ({target})"
        if not target or EXTERNAL.match(target):
            continue
        if target.startswith("/"):
            problems.append(f"{where}: an absolute path does not resolve in a checkout; make it relative")
            continue
        file_part, _, fragment = target.partition("#")
        dest = os.path.realpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
        if dest != ROOT and not dest.startswith(ROOT + os.sep):
            problems.append(f"{where}: leaves the repository")
            continue
        if not os.path.exists(dest):
            problems.append(f"{where}: {os.path.relpath(dest, ROOT)} does not exist")
            continue
        if fragment:
            if not dest.endswith(".md") or os.path.isdir(dest):
                problems.append(f"{where}: a #fragment only resolves in a Markdown file")
            elif fragment not in anchors(dest):
                problems.append(f"{where}: no heading in {os.path.relpath(dest, ROOT)} "
                                f"has the anchor #{fragment}")
    return problems


def main():
    files = [os.path.join(ROOT, "README.md")]
    docs = os.path.join(ROOT, "docs")
    for dirpath, _, names in sorted(os.walk(docs)):
        files += [os.path.join(dirpath, f) for f in sorted(names) if f.endswith(".md")]
    problems, count = [], 0
    for path in files:
        if not os.path.exists(path):
            problems.append(f"{os.path.relpath(path, ROOT)}: missing")
            continue
        count += sum(1 for _ in links(path))
        problems += check(path)
    for p in problems:
        print(p)
    print(f"# {len(files)} files, {count} links, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
