from django import template

register = template.Library()


@register.filter
def pct(value):
    """A rate 0..1 as a percentage with one decimal, or — when there is nothing to measure."""
    if value is None or value == "":
        return "—"
    return f"{100 * value:.1f}%"


@register.filter
def figure(row, code):
    return row.get(code) if row else None
