#!/usr/bin/env python3
# Regenerates the expected outputs of the Jinja unit-test tables with Python Jinja2, configured as Hugging Face
# transformers does. Usage: python3 regen.py *.txt   (needs jinja2; the C++ tests never run Python)
#
# File format: cases separated by a line "====". Each case is a template, a line "----", then the expected
# output ("ERROR: message" when rendering fails). Lines starting with "##" are comments. One newline ends the file.
import json
import os
import sys

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))


def raise_exception(message):
    raise Exception(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    import datetime
    return datetime.datetime(2024, 7, 26).strftime(fmt)


class Generation(Extension):
    """transformers' AssistantTracker without the tracking: {% generation %} renders its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=["jinja2.ext.loopcontrols", Generation])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now
context = json.load(open(os.path.join(HERE, "context.json")))


def render(source):
    try:
        return env.from_string(source).render(**context)
    except Exception as e:  # the message is what the C++ engine must report
        return "ERROR: " + str(e)


for path in sys.argv[1:]:
    text = open(path).read()
    if text.endswith("\n"):
        text = text[:-1]
    cases = text.split("\n====\n")
    out = []
    for case in cases:
        template = case.split("\n----\n")[0]
        lines = template.split("\n")
        body = "\n".join(l for l in lines if not l.startswith("##"))
        out.append(template + "\n----\n" + render(body))
    open(path, "w").write("\n====\n".join(out) + "\n")
