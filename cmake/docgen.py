#!/usr/bin/env python3
"""Man pages and shell completions for lxr, from one source each.

  docgen.py man1 LXR OUT            lxr(1) from `lxr --help` and `lxr help CMD`
  docgen.py man5 MD OUT NAME DESC VERSION   a section-5 page from docs/*.md
  docgen.py complete LXR IN OUT     a completion script: IN with its @DATA@
                                    line replaced by the commands and flags

The command line pages and the completions' flag lists are read from the
built binary's own help, so they cannot drift from `--help`. Help texts are
read in this shape: `usage: lxr CMD ...` (more usage lines indented under
it), then description paragraphs, option lines `  -x, --long ARG   text`
(continuation lines indented further), and an optional `Example:` block;
the parts may come in any order and without blank lines between them.
Commands that share one help text (today ps, stop, start, ...) share one
section of lxr(1).
"""
import os
import re
import subprocess
import sys

# ---------------------------------------------------------------- help text


def run_help(lxr, *args):
    p = subprocess.run([lxr, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    if p.returncode != 0 or not p.stdout.strip():
        sys.exit("docgen: `%s %s` failed (exit %d): %s" %
                 (lxr, " ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


OPT_RE = re.compile(r"^( {1,6})(-[A-Za-z0-9?]|--[A-Za-z0-9])")
FLAG_RE = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")


def split_option(text):
    """`-p, --project-name N   the project` -> ("-p, --project-name N", "the project")."""
    text = text.strip()
    m = re.match(r"(.*?\S)\s{2,}(\S.*)$", text)
    if m:
        return m.group(1), m.group(2)
    # One space only: the spec is flags and the arguments that follow them
    # (no lower-case word but a flag's own).
    words, spec = text.split(" "), []
    for i, w in enumerate(words):
        if w.startswith("-") or (spec and not re.search(r"[a-z]", w)):
            spec.append(w)
        else:
            return " ".join(spec), " ".join(words[i:])
    return text, ""


def parse_option_spec(spec):
    """Flags named in a spec, and whether the option takes an argument."""
    flags, takes_arg = [], False
    for part in spec.split(", "):
        words = part.split()
        if not words or not words[0].startswith("-"):
            continue
        name = re.sub(r"\[?=.*$", "", words[0]).rstrip(",")
        flags.append(name)
        if len(words) > 1 or "=" in words[0] and "[=" not in words[0]:
            takes_arg = True
    return flags, takes_arg


class Help:
    """One help text: usage lines, paragraphs, options, example lines."""

    def __init__(self, text):
        self.text = text
        self.usage, self.blocks, self.options, self.example = [], [], [], []
        self.usage_raw = []  # as printed, less the "usage: " column
        self.example_label = "Example:"
        para = None
        lines = text.rstrip("\n").split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("usage:") or (self.usage and i == len(self.usage) and
                                             line.startswith(" ") and line.strip()):
                self.usage.append(re.sub(r"^usage:\s*", "", line).strip())
                self.usage_raw.append(line[len("usage: "):].rstrip())
                i += 1
                continue
            if re.match(r"^Examples?:\s*$", line):
                self.example_label = line.strip()
                i += 1
                while i < len(lines) and (lines[i].strip() == "" or lines[i].startswith(" ")):
                    self.example.append(lines[i].rstrip())
                    i += 1
                while self.example and not self.example[-1]:
                    self.example.pop()
                para = None
                continue
            m = OPT_RE.match(line)
            if m:
                indent = len(m.group(1))
                spec, desc = split_option(line)
                i += 1
                # continuation: indented deeper than the option's dash
                while (i < len(lines) and lines[i].strip() and
                       len(lines[i]) - len(lines[i].lstrip()) > indent + 1 and
                       not OPT_RE.match(lines[i])):
                    desc += " " + lines[i].strip()
                    i += 1
                flags, takes_arg = parse_option_spec(spec)
                self.options.append({"spec": spec, "desc": desc.strip(),
                                     "flags": flags, "arg": takes_arg})
                para = None
                continue
            if not line.strip():
                para = None
            elif para is None:
                para = [line.strip()]
                self.blocks.append(para)
            else:
                para.append(line.strip())
            i += 1

    def usage_for(self, cmd):
        """The usage lines that name cmd (`lxr stop|restart ...` names stop)."""
        out, mine = [], False
        for u in self.usage:
            m = re.match(r"lxr\s+(\S+)", u)
            if m:  # else a continuation of the line before
                mine = cmd in m.group(1).split("|")
            if mine:
                out.append(u)
        return out or self.usage

    def shared(self):
        return len(self.usage) > 1 and len({re.match(r"lxr\s+(\S+)", u).group(1)
                                            for u in self.usage
                                            if re.match(r"lxr\s+(\S+)", u)}) > 1

    def options_for(self, cmd):
        """A shared text's options that apply to cmd: those its usage line
        names and those whose text starts with `cmd, other:`."""
        if not self.shared():
            return self.options
        usage = " ".join(self.usage_for(cmd))
        named = set(FLAG_RE.findall(usage))
        out = []
        for o in self.options:
            m = re.match(r"([a-z]+(?:, [a-z]+)*):", o["desc"])
            if m:
                if cmd in m.group(1).split(", "):
                    out.append(o)
            elif named & set(o["flags"]):
                out.append(o)
        return out


def read_cli(lxr):
    top = run_help(lxr, "--help")
    cmds, globals_, section = [], [], None
    for line in top.split("\n"):
        if re.match(r"^global options", line):
            section = "global"
        elif line.startswith("commands:"):
            section = "commands"
        elif not line.strip():
            if section == "commands":
                section = None
        elif section == "commands":
            m = re.match(r"^\s+(\S+)\s+(.*)$", line)
            if m:
                cmds.append((m.group(1), m.group(2)))
        elif section == "global" and OPT_RE.match(line):
            spec, desc = split_option(line)
            flags, arg = parse_option_spec(spec)
            globals_.append({"spec": spec, "desc": desc, "flags": flags, "arg": arg})
        elif section == "global" and globals_ and line.startswith("    "):
            globals_[-1]["desc"] += " " + line.strip()
    if not cmds:
        sys.exit("docgen: no \"commands:\" section in `%s --help`" % lxr)
    helps = {}
    for name, _ in cmds:
        if name != "help":
            helps[name] = Help(run_help(lxr, "help", name))
    return top, cmds, globals_, helps


# ---------------------------------------------------------------- roff


def esc(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    s = s.replace("'", "\\(aq").replace('"', "\\(dq")
    # groff reads its input as Latin-1: name every other character
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in s)


def line_safe(s):
    """A text line must not start with a control character."""
    return "\\&" + s if s[:1] in (".", "'") else s


def inline(s):
    """Help/markdown text to roff: `code` and **strong** in bold, *em* in italics."""
    out, pos = [], 0
    pat = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])"
                     r"|\[([^\]]+)\]\(([^)]+)\)")
    for m in pat.finditer(s):
        # a break point after a slash between words (`a`/`b`/`c` is one
        # long word otherwise): \:
        out.append(esc(s[pos:m.start()]).replace("/", "/\\:"))
        if m.group(1) is not None:
            code = esc(m.group(1))
            if len(m.group(1)) > 30:  # a break point after each comma: \:
                code = code.replace(",", ",\\:")
            out.append("\\fB" + code + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fB" + inline(m.group(2)) + "\\fR")
        elif m.group(3) is not None:
            out.append("\\fI" + inline(m.group(3)) + "\\fR")
        else:
            text, url = m.group(4), m.group(5)
            out.append(inline(text))
            if re.match(r"https?://", url):
                out.append(" <" + esc(url) + ">")
        pos = m.end()
    out.append(esc(s[pos:]))
    return "".join(out)


def para(lines):
    return [line_safe(inline(" ".join(lines)))]


def verbatim(lines, indent=4):
    out = [".RS %d" % indent, ".nf"]
    out += [line_safe(esc(x)) if x else "" for x in lines]
    out += [".fi", ".RE"]
    return [x if x else ".sp" for x in out]


def th(name, section, version):
    return ['.\\" Generated by cmake/docgen.py; do not edit.',
            '.TH "%s" "%s" "" "lxr %s" "lxr manual"' % (name.upper(), section, version),
            ".nh", ".ad l"]


def man1(lxr, out):
    top, cmds, globals_, helps = read_cli(lxr)
    version = run_help(lxr, "--version").split()[-1]
    r = th("lxr", 1, version)
    r += [".SH NAME", "lxr \\- run a stack of containers from a Compose file, "
          "straight on Linux primitives", ".SH SYNOPSIS"]
    syn = []
    for line in top.split("\n"):
        if not line.strip():
            break
        syn.append(line[len("usage: "):].rstrip())
    r += verbatim(syn, 0)
    r += [".SH DESCRIPTION"]
    r += para(["lxr reads one Compose file (compose.yaml), plans every service and",
               "runs it with namespaces, cgroups, overlayfs and its own bridge",
               "network, under one supervisor process per stack. `lxr compose",
               "COMMAND` is the same as `lxr COMMAND`, so a script written for",
               "`docker compose` works with one word replaced."])
    r += [".SH GLOBAL OPTIONS", "These come before the command."]
    for o in globals_:
        r += option_roff(o)
    r += [".SH COMMANDS"]
    for name, summary in cmds:
        r += [".TP 10", "\\fB%s\\fR" % esc(name), line_safe(inline(summary))]
    done = set()
    for name, _ in cmds:
        h = helps.get(name)
        if h is None or name in done:
            continue
        group = [n for n, _ in cmds if n in helps and helps[n].text == h.text]
        done.update(group)
        r += command_roff(group, h)
    r += [".SH EXIT STATUS",
          ".TP", "0", "success",
          ".TP", "1", "failure at run time",
          ".TP", "2", "bad usage, a bad stack file or a bad lxr.conf",
          ".PP", "\\fBlxr run\\fR and \\fBlxr exec\\fR pass the command's own "
          "exit code through, and \\fBlxr run\\fR uses 125, 126 and 127 for its own "
          "failures, as docker does.",
          ".SH SEE ALSO",
          ".BR lxr\\-stack (5),",
          ".BR lxr.conf (5)"]
    write(out, r)


def option_roff(o):
    return [".TP", "\\fB" + esc(o["spec"]) + "\\fR", line_safe(inline(o["desc"]))]


def command_roff(group, h):
    r = [".SS " + ", ".join("lxr %s" % esc(n) for n in group)]
    r += verbatim(h.usage_raw, 4)
    for b in h.blocks:
        r += [".PP"] + para(b)
    if h.options:
        r += [".PP", "Options:"]
        for o in h.options:
            r += option_roff(o)
    if h.example:
        r += [".PP", h.example_label]
        lines = h.example
        strip = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
        r += verbatim([x[strip:] for x in lines], 4)
    return r


# ---------------------------------------------------------------- markdown


def cells(row):
    row = row.strip().strip("|")
    parts = re.split(r"(?<!\\)\|", row)
    return [p.strip().replace("\\|", "|") for p in parts]


def man5(md, out, name, desc, version):
    with open(md, encoding="utf-8") as f:
        lines = f.read().split("\n")
    r = th(name, 5, version)
    r += [".SH NAME", "%s \\- %s" % (esc(name), esc(desc))]
    i, section_open = 0, False
    while i < len(lines):
        line = lines[i]
        if line.startswith("# "):
            i += 1
            r += [".SH DESCRIPTION"]
            section_open = True
            continue
        m = re.match(r"^(#{2,6}) (.*)$", line)
        if m:
            title = inline(m.group(2))
            r += [(".SH " if len(m.group(1)) == 2 else ".SS ") + '"%s"' %
                  (title.upper() if len(m.group(1)) == 2 else title)]
            i += 1
            continue
        if line.startswith("```"):
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            i += 1
            r += [".PP"] + verbatim(body, 4)
            continue
        if line.startswith("|"):
            head = cells(line)
            i += 2  # the |---| line
            while i < len(lines) and lines[i].startswith("|"):
                row = cells(lines[i])
                tag = "\\fB" + inline(row[0]).replace("\\fB", "").replace("\\fR", "") + "\\fR"
                rest = []
                for k, (h, c) in enumerate(zip(head[1:], row[1:])):
                    last = k == len(head) - 2
                    if c:
                        rest.append(inline(c) if last and rest else
                                    "\\fI%s\\fR: %s" % (inline(h), inline(c)))
                r += [".TP", tag]
                for k, x in enumerate(rest):
                    r += ([".br"] if k else []) + [line_safe(x)]
                i += 1
            continue
        m = re.match(r"^(\s*)([-*]|\d+\.) (.*)$", line)
        if m:
            item = [m.group(3)]
            i += 1
            while (i < len(lines) and lines[i].strip() and lines[i].startswith("  ") and
                   not re.match(r"^\s*([-*]|\d+\.) ", lines[i])):
                item.append(lines[i].strip())
                i += 1
            bullet = "\\(bu" if m.group(2) in "-*" else m.group(2)
            r += [".IP %s 3" % bullet] + para(item)
            continue
        if line.startswith(">"):
            body = []
            while i < len(lines) and lines[i].startswith(">"):
                body.append(lines[i].lstrip("> "))
                i += 1
            r += [".RS 4"] + para(body) + [".RE"]
            continue
        if not line.strip():
            i += 1
            continue
        body = []
        while (i < len(lines) and lines[i].strip() and
               not re.match(r"^(#|```|\||\s*[-*] |\s*\d+\. |>)", lines[i])):
            body.append(lines[i].strip())
            i += 1
        r += [".PP"] + para(body)
    if not section_open:
        sys.exit("docgen: %s has no `# Title` line" % md)
    write(out, r)


# ---------------------------------------------------------------- completion

# What a command's positional arguments are, from the words of its usage line.
POSITIONAL = [
    (r"\bSERVICE\b(\.\.\.)?", "services"),
    (r"\bCONTAINER\b(\.\.\.)?", "instances"),
    (r"\b(?:IMAGE|REF)\b(\.\.\.)?", "images"),
    (r"\b(?:ROOTFS|DIR\|TAR|DIR)\b(\.\.\.)?", "files"),
]


def choices(spec_or_usage, flag):
    """`--format yaml|json` -> [yaml, json]: an argument spelt in lower case."""
    m = re.search(r"(?<![\w-])" + re.escape(flag) + r"[ =]([a-z0-9]+(?:\|[a-z0-9]+)*)(?![\w\[:.])",
                  spec_or_usage)
    return m.group(1).split("|") if m else []


def completion_data(lxr):
    _, cmds, globals_, helps = read_cli(lxr)
    data = {"commands": cmds, "globals": globals_, "cmd": {}}
    for name, _ in cmds:
        h = helps.get(name)
        if h is None:
            data["cmd"][name] = {"options": [], "positional": ["commands"]}
            continue
        usage = " ".join(h.usage_for(name))
        opts = [dict(o) for o in h.options_for(name)]
        known = {f for o in opts for f in o["flags"]}
        # flags only the usage line names (`--format json` of ps, ...)
        for f in FLAG_RE.findall(usage):
            if f not in known and f not in ("-", "--"):
                m = re.search(re.escape(f) + r"[ =]([A-Z][A-Z|a-z]*|[a-z]+(\|[a-z]+)*\b)", usage)
                opts.append({"flags": [f], "arg": bool(m), "desc": "", "spec": f})
                known.add(f)
        if "--help" not in known:
            opts.append({"flags": ["-h", "--help"] if "-h" not in known else ["--help"],
                         "arg": False, "desc": "this command's options", "spec": ""})
        for o in opts:
            # `-p, --project-name  text` with `[-p NAME]` in the usage line
            # (unless another option takes that argument: logs' `-f FILE`
            # is its --file FILE, -f itself being --follow)
            for f in o["flags"]:
                m = re.search(r"(?<![\w-])%s ([A-Z]+)" % re.escape(f), usage)
                if m and not o["arg"] and not any(
                        p is not o and re.search(r"\b%s\b" % m.group(1), p["spec"])
                        for p in opts):
                    o["arg"] = True
            o["choices"] = []
            if o["arg"]:
                for f in o["flags"]:
                    o["choices"] = o["choices"] or choices(o["spec"], f) or choices(usage, f)
        # the words outside [-x ARG] brackets name the positionals (SERVICE...
        # in brackets is one too: only option brackets go)
        words = re.sub(r"\[-[^\]]*\]", "", re.sub(r"^lxr\s+\S+", "", usage))
        pos = []
        for pat, kind in POSITIONAL:
            m = re.search(pat, words)
            if m:
                pos.append(kind + ("+" if m.group(1) else ""))
        data["cmd"][name] = {"options": opts, "positional": pos}
    return data


def sh_words(ws):
    return " ".join(ws)


def sq(s):
    return "'" + s.replace("'", "'\\''") + "'"


def first_sentence(desc):
    """An option's text, short enough for a completion menu."""
    d = re.split(r"; |\. (?=[A-Z])", re.sub(r"`", "", desc))[0]
    if len(d) > 70:
        d = d[:70].rsplit(" ", 1)[0] + "..."
    return d


def bash_data(d):
    g = d["globals"]
    r = ["_lxr_commands=%s" % sq(sh_words(n for n, _ in d["commands"]) + " compose"),
         "_lxr_global_flags=%s" % sq(sh_words(f for o in g for f in o["flags"])),
         "_lxr_global_argflags=%s" % sq(sh_words(f for o in g if o["arg"] for f in o["flags"])),
         "_lxr_flags() {", "\tcase $1 in"]
    for name, c in d["cmd"].items():
        r.append("\t%s) echo %s ;;" % (name, sq(sh_words(f for o in c["options"]
                                                           for f in o["flags"]))))
    r += ["\tesac", "}", "_lxr_argflags() {", "\tcase $1 in"]
    for name, c in d["cmd"].items():
        r.append("\t%s) echo %s ;;" % (name, sq(sh_words(f for o in c["options"] if o["arg"]
                                                           for f in o["flags"]))))
    r += ["\tesac", "}", "_lxr_positional() {", "\tcase $1 in"]
    for name, c in d["cmd"].items():
        if c["positional"]:
            r.append("\t%s) echo %s ;;" % (name, sh_words(c["positional"])))
    r += ["\tesac", "}"]
    return r + choices_fn(d)


def zsh_data(d):
    r = ["_lxr_commands=("]
    r += ["\t%s" % sq("%s:%s" % (n, s.replace(":", "\\:"))) for n, s in d["commands"]]
    r += ["\t" + sq("compose:the same as lxr, for docker compose scripts"), ")"]
    r += ["_lxr_global_argflags=(%s)" % sh_words(f for o in d["globals"] if o["arg"]
                                                  for f in o["flags"])]
    r += ["_lxr_global_flags=("]
    for o in d["globals"]:
        for f in o["flags"]:
            r.append("\t%s" % sq("%s:%s" % (f, first_sentence(o["desc"]).replace(":", "\\:"))))
    r += [")", "_lxr_cmd_flags() {", "\tcase $1 in"]
    for name, c in d["cmd"].items():
        items = []
        for o in c["options"]:
            for f in o["flags"]:
                items.append(sq("%s:%s" % (f, first_sentence(o["desc"]).replace(":", "\\:"))))
        r.append("\t%s) reply=(%s) ;;" % (name, " ".join(items)))
    r += ["\t*) reply=() ;;", "\tesac", "}", "_lxr_cmd_argflags() {", "\tcase $1 in"]
    for name, c in d["cmd"].items():
        r.append("\t%s) reply=(%s) ;;" % (name, sh_words(f for o in c["options"] if o["arg"]
                                                          for f in o["flags"])))
    r += ["\t*) reply=() ;;", "\tesac", "}", "_lxr_cmd_positional() {", "\tcase $1 in"]
    for name, c in d["cmd"].items():
        r.append("\t%s) reply=(%s) ;;" % (name, sh_words(c["positional"])))
    r += ["\t*) reply=() ;;", "\tesac", "}"]
    return r + choices_fn(d)


def choices_fn(d):
    r = ["_lxr_choices() {", "\tcase $1 in"]
    for name, c in d["cmd"].items():
        for o in c["options"]:
            if o["choices"]:
                r.append("\t%s) echo %s ;;" % ("|".join("%s/%s" % (name, f) for f in o["flags"]),
                                              sq(sh_words(o["choices"]))))
    return r + ["\tesac", "}"]


def fish_data(d):
    r = ["set -g __lxr_commands %s compose" % sh_words(n for n, _ in d["commands"])]
    r.append("set -g __lxr_global_argflags %s" %
             sh_words(f for o in d["globals"] if o["arg"] for f in o["flags"]))
    for n, s in d["commands"]:
        r.append("complete -c lxr -n __lxr_no_command -f -a %s -d %s" % (n, sq(s)))
    r.append("complete -c lxr -n __lxr_no_command -f -a compose -d %s" %
             sq("the same as lxr, for docker compose scripts"))
    for o in d["globals"]:
        r.append("complete -c lxr -n __lxr_no_command %s%s -d %s" %
                 (fish_flags(o["flags"]), " -r" if o["arg"] else "",
                  sq(first_sentence(o["desc"]))))
    for name, c in d["cmd"].items():
        argflags = [f for o in c["options"] if o["arg"] for f in o["flags"]]
        r.append("set -g __lxr_argflags_%s %s" % (name, sh_words(argflags)))
        for o in c["options"]:
            fl = fish_flags(o["flags"])
            if fl:
                arg = (" -x -a " + sq(sh_words(o["choices"])) if o["choices"] else
                       " -r" if o["arg"] else "")
                r.append("complete -c lxr -n '__lxr_using %s' %s%s -d %s" %
                         (name, fl, arg, sq(first_sentence(o["desc"]))))
        r.append("set -g __lxr_positional_%s %s" % (name, sh_words(c["positional"])))
        if c["positional"]:
            r.append("complete -c lxr -n '__lxr_using %s' -f -a '(__lxr_args)'" % name)
    return r


def fish_flags(flags):
    out = []
    for f in flags:
        if f.startswith("--"):
            out.append("-l " + f[2:])
        elif len(f) == 2:
            out.append("-s " + f[1:])
        else:
            out.append("-o " + f[1:])
    return " ".join(out)


def complete(lxr, template, out):
    d = completion_data(lxr)
    kind = ("zsh" if template.endswith(".zsh.in") else
            "fish" if template.endswith(".fish.in") else "bash")
    data = {"bash": bash_data, "zsh": zsh_data, "fish": fish_data}[kind](d)
    with open(template, encoding="utf-8") as f:
        text = f.read()
    if "\n@DATA@\n" not in text:
        sys.exit("docgen: %s has no @DATA@ line" % template)
    head = "# Generated by cmake/docgen.py from %s and `lxr help`; do not edit." % \
        template.split("/")[-1]
    text = text.replace("\n@DATA@\n", "\n" + "\n".join(data) + "\n")
    lines = text.split("\n")
    # zsh wants its #compdef line first
    at = 1 if lines[0].startswith("#compdef") else 0
    lines.insert(at, head)
    write(out, lines)


def write(path, lines):
    text = "\n".join(lines).rstrip("\n") + "\n"
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main(argv):
    if len(argv) >= 4 and argv[1] == "man1":
        man1(argv[2], argv[3])
    elif len(argv) >= 7 and argv[1] == "man5":
        man5(argv[2], argv[3], argv[4], argv[5], argv[6])
    elif len(argv) >= 5 and argv[1] == "complete":
        complete(argv[2], argv[3], argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
