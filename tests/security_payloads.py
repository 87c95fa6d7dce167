"""Hostile strings for the stored-XSS sweep (tests/browser/test_xss_sweep.py).

Every payload that could run calls the canary: it sets ``window.__xss`` (the browser
tests define it as 0 first) or opens a dialog with ``alert``. Template strings are
wrapped in ``tpl…tpl`` so a page that evaluated one would show ``tpl49tpl``.
Spreadsheet formulas start some values so exports can be checked for formula injection.

Each payload is at most 80 characters, the shortest limit of a user text field (the
display name), so every payload fits every field.
"""

#: (group, payload). The group says what the payload tries; tests only use the text.
PAYLOADS = [
    # <script>, in every spelling filters forget
    ("script", "<script>__xss=1</script>"),
    ("script", "<SCRIPT>__xss=1</SCRIPT>"),
    ("script", "<ScRiPt >alert('xss')</sCrIpT >"),
    ("script", "<scr<script>ipt>__xss=1</scr</script>ipt>"),
    ("script", "<<script>script>__xss=1<</script>/script>"),
    ("script", "<script src=data:,__xss=1></script>"),
    ("script", "</title><script>__xss=1</script>"),
    ("script", "</textarea><script>__xss=1</script>"),
    ("script", "</script><script>__xss=1</script>"),
    ("script", "</option></select><img src=x onerror=__xss=1>"),
    # event handlers
    ("handler", "<img src=x onerror=__xss=1>"),
    ("handler", "<IMG SRC=x OnErRoR=alert('xss')>"),
    ("handler", "<img src=x:x onerror\t=\t__xss=1>"),
    ("handler", "<body onload=__xss=1>"),
    ("handler", "<svg onload=__xss=1>"),
    ("handler", "<svg/onload=alert('xss')>"),
    ("handler", "<details open ontoggle=__xss=1>"),
    ("handler", "<input autofocus onfocus=__xss=1>"),
    ("handler", "<video><source onerror=__xss=1></video>"),
    ("handler", "<style onload=__xss=1></style>"),
    # breaking out of quoted and unquoted attributes
    ("attribute", "\"><script>__xss=1</script>"),
    ("attribute", "'><img src=x onerror=__xss=1>"),
    ("attribute", "\" autofocus onfocus=__xss=1 x=\""),
    ("attribute", "' autofocus onfocus=__xss=1 x='"),
    ("attribute", "x autofocus onfocus=__xss=1"),
    ("attribute", "\"><svg onload=alert('xss')>"),
    ("attribute", "`><img src=x onerror=__xss=1>"),
    # javascript: and data: URLs, plain and obfuscated
    ("url", "javascript:__xss=1"),
    ("url", "<a href=\"javascript:__xss=1\">xss</a>"),
    ("url", "<a href=\"jav&#x09;ascript:__xss=1\">xss</a>"),
    ("url", "<a href=\"&#106;avascript:__xss=1\">xss</a>"),
    ("url", "<a href=\"java\tscript:__xss=1\">xss</a>"),
    ("url", "<a href=\"java\nscript:__xss=1\">xss</a>"),
    ("url", "<a href=\" &#14; javascript:__xss=1\">xss</a>"),
    ("url", "<iframe src=\"data:text/html,<script>parent.__xss=1</script>\">"),
    ("url", "<object data=\"javascript:__xss=1\"></object>"),
    ("url", "<embed src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">"),
    ("url", "<form action=javascript:__xss=1><button>xss</button></form>"),
    ("url", "<base href=\"javascript:__xss=1//\">"),
    ("url", "<meta http-equiv=refresh content=\"0;url=javascript:__xss=1\">"),
    # SVG and MathML mutation (mXSS) and parser-confusion tricks
    ("mxss", "<svg><style><img src=x onerror=__xss=1></style></svg>"),
    ("mxss", "<math><mtext><table><mglyph><style><img src=x onerror=__xss=1>"),
    ("mxss", "<noscript><p title=\"</noscript><img src=x onerror=__xss=1>\">"),
    ("mxss", "<svg></p><style><a id=\"</style><img src=x onerror=__xss=1>\">"),
    ("mxss", "<template><img src=x onerror=__xss=1></template>"),
    ("mxss", "<math><a xlink:href=\"javascript:__xss=1\">xss</a></math>"),
    ("mxss", "<svg><a><animate attributeName=href to=javascript:__xss=1 />"),
    ("mxss", "<!--><img src=x onerror=__xss=1>-->"),
    ("mxss", "<![CDATA[><img src=x onerror=__xss=1>]]>"),
    ("mxss", "<xmp><p title=\"</xmp><img src=x onerror=__xss=1>\">"),
    # Markdown links and images
    ("markdown", "[xss](javascript:__xss=1)"),
    ("markdown", "![xss](javascript:__xss=1)"),
    ("markdown", "[xss](<javascript:__xss=1>)"),
    ("markdown", "[xss](JaVaScRiPt:__xss=1)"),
    ("markdown", "[xss](java&#x09;script:__xss=1)"),
    ("markdown", "[xss](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("markdown", "[xss][ref]\n\n[ref]: javascript:__xss=1"),
    ("markdown", "<javascript:__xss=1>"),
    ("markdown", "![x](x\" onerror=\"__xss=1)"),
    ("markdown", "[xss](https://ejemplo.pe \"t\\\" onmouseover=\\\"__xss=1\")"),
    ("markdown", "<https://ejemplo.pe/\"onmouseover=\"__xss=1>"),
    ("markdown", "`<img src=x onerror=__xss=1>`"),
    # server- and client-side template strings: never evaluated
    ("template", "tpl{{7*7}}tpl"),
    ("template", "tpl{{ config }}tpl"),
    ("template", "tpl{{ self.__init__.__globals__ }}tpl"),
    ("template", "tpl${7*7}tpl"),
    ("template", "tpl{% print(7*7) %}tpl"),
    ("template", "tpl#{7*7}tpl"),
    ("template", "tpl<%= 7*7 %>tpl"),
    # spreadsheet formulas (checked in the exports)
    ("formula", "=HYPERLINK(\"https://ejemplo.pe\",\"xss\")"),
    ("formula", "+1+1"),
    ("formula", "-1+1"),
    ("formula", "@SUM(1+1)"),
    ("formula", "=cmd|' /C calc'!A0"),
]

TEXTS = [text for _group, text in PAYLOADS]
FORMULAS = [text for group, text in PAYLOADS if group == "formula"]
#: What a page shows if it evaluated one of the template strings.
EVALUATED = ["tpl49tpl", "tpl49 tpl", "<Config", "SECRET_KEY"]

assert len(TEXTS) == len(set(TEXTS)), "payloads must be distinct"
assert max(len(text) for text in TEXTS) <= 80, "every payload must fit the shortest field"


def pack(limit, separator="\n", payloads=TEXTS, lead=()):
    """Values of at most ``limit`` characters that together carry every payload, in order.

    With ``lead``, the values start in turn with those payloads (spreadsheet formulas), so
    that exports get cells that begin with a formula.
    """
    values, queue = [], list(payloads)
    while queue:
        current = [lead[len(values) % len(lead)]] if lead else []
        length = sum(map(len, current))
        while queue and length + len(separator) * bool(current) + len(queue[0]) <= limit:
            length += len(separator) * bool(current) + len(queue[0])
            current.append(queue.pop(0))
        if len(current) == len(lead and [0]):  # the next payload alone fills the value
            current = [queue.pop(0)]
        values.append(separator.join(current))
    return values
