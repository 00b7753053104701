import json

from django import template
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def jsonld(data):
    """Serialise `data` for a <script type="application/ld+json"> block, safely:
    <, > and & are escaped so no text can close the script element."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_json_script_escapes)
    return mark_safe(text)  # noqa: S308 (escaped above, as django's json_script does)


@register.simple_tag(takes_context=True)
def absolute(context, path):
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.filter
def thousands(value):
    """12345 -> "12 345" (French grouping with a narrow no-break space)."""
    try:
        return f"{int(value):,}".replace(",", "\u202f")
    except (TypeError, ValueError):
        return value


@register.simple_tag
def widget(field, show_errors=True):
    """Render a form widget with aria-describedby pointing at its help text and errors,
    and aria-invalid when it has errors."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    attrs = {}
    if show_errors and field.errors:
        ids.extend(f"{field.auto_id}_error{index}" for index in range(1, len(field.errors) + 1))
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # Template output is already escaped: keep it safe, spaces collapsed.
        context[self.name] = mark_safe(" ".join(self.nodelist.render(context).split()))  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}…{% endcapture %}: render once, reuse as {{ name }}
    (the page title and description feed <title>, OpenGraph and Twitter tags)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.filter
def minutes(duration):
    """A timedelta as whole minutes, at least one: « 15 »."""
    return max(1, round(duration.total_seconds() / 60)) if duration else ""
